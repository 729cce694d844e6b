// The depth chart of one market: cumulative amounts resting at or better than
// each price, bids (left, best at the centre) and asks (right), as SVG steps.
// Every step carries its level's raw price and cumulative amount in data-*
// attributes, and a tooltip in readable units.

import type { Book, Level } from './chain';
import { s } from './dom';

const W = 560;
const H = 220;
const PAD = { left: 64, right: 16, top: 12, bottom: 30 };

interface Formats { price: (raw: bigint) => string; amount: (raw: bigint) => string }

export function depthChart(book: Book, fmt: Formats): SVGElement {
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'depth', 'data-testid': 'depth-chart', role: 'img' });
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  svg.append(s('rect', { x: PAD.left, y: PAD.top, width: plotW, height: plotH, class: 'plot' }));
  const levels = [...book.bids, ...book.asks];
  if (levels.length === 0) {
    svg.append(s('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'note' }, 'no orders rest in this market'));
    return svg;
  }

  const prices = levels.map((l) => Number(l.price));
  let lo = Math.min(...prices);
  let hi = Math.max(...prices);
  const span = hi - lo || hi / 10 || 1;
  lo = Math.max(0, lo - span * 0.15);
  hi += span * 0.15;
  const cumulative = (side: Level[]) => {
    let sum = 0n;
    return side.map((l) => (sum += l.amount));
  };
  const bidCum = cumulative(book.bids);
  const askCum = cumulative(book.asks);
  const top = Number([...bidCum, ...askCum].reduce((a, b) => (a > b ? a : b), 0n));
  const x = (price: number) => PAD.left + ((price - lo) / (hi - lo)) * plotW;
  const y = (amount: bigint) => PAD.top + plotH - (Number(amount) / top) * plotH;

  const step = (side: 'bid' | 'ask', l: Level, cum: bigint, from: number, to: number) =>
    s('rect', {
      x: Math.min(x(from), x(to)), y: y(cum), width: Math.abs(x(to) - x(from)), height: PAD.top + plotH - y(cum),
      class: side, 'data-testid': 'depth-step', 'data-side': side, 'data-price': l.price.toString(),
      'data-cumulative': cum.toString(),
    }, s('title', {}, `${side} ${fmt.price(l.price)}: ${fmt.amount(cum)} at or better`));
  // A bid level's step reaches from the next worse price (or the edge) up to its own.
  book.bids.forEach((l, i) =>
    svg.append(step('bid', l, bidCum[i], i + 1 < book.bids.length ? Number(book.bids[i + 1].price) : lo, Number(l.price))));
  book.asks.forEach((l, i) =>
    svg.append(step('ask', l, askCum[i], Number(l.price), i + 1 < book.asks.length ? Number(book.asks[i + 1].price) : hi)));

  const axisY = PAD.top + plotH;
  const label = (px: number, text: string, anchor: string) =>
    s('text', { x: px, y: axisY + 18, 'text-anchor': anchor, class: 'axis' }, text);
  svg.append(
    label(PAD.left, fmt.price(BigInt(Math.round(lo))), 'start'),
    label(W - PAD.right, fmt.price(BigInt(Math.round(hi))), 'end'),
    s('text', { x: PAD.left - 6, y: PAD.top + 10, 'text-anchor': 'end', class: 'axis' }, fmt.amount(BigInt(top))),
    s('text', { x: PAD.left - 6, y: axisY, 'text-anchor': 'end', class: 'axis' }, '0'),
  );
  if (book.bestBid && book.bestAsk) {
    const mid = (Number(book.bestBid.price) + Number(book.bestAsk.price)) / 2;
    svg.append(s('line', { x1: x(mid), x2: x(mid), y1: PAD.top, y2: axisY, class: 'mid' }));
  }
  return svg;
}
