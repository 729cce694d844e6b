// Markets: each market's book (depth chart and price levels), its recent
// trades, and a form to place a limit order.

import { readBook, readMarkets, type Book, type Level, type Market } from '../chain';
import { depthChart } from '../chart';
import type { Context, View } from '../context';
import { h, replace, setOptions, table } from '../dom';
import { formatPermill } from '../format';

const LEVELS = 20;
const TRADES = 15;

export function marketsView(ctx: Context): View {
  const { api } = ctx;
  let markets: Market[] = [];

  const market = h('select', { 'data-testid': 'order-market', required: true });
  const side = h('select', { 'data-testid': 'order-side' },
    h('option', { value: 'Bid' }, 'Buy (bid)'), h('option', { value: 'Ask' }, 'Sell (ask)'));
  const price = h('input', { 'data-testid': 'order-price', inputmode: 'decimal', required: true, placeholder: '0.0' });
  const amount = h('input', { 'data-testid': 'order-amount', inputmode: 'decimal', required: true, placeholder: '0.0' });
  const tif = h('select', { 'data-testid': 'order-tif' },
    ...[['Gtc', 'good till cancelled'], ['Ioc', 'immediate or cancel'], ['Fok', 'fill or kill'], ['PostOnly', 'post only']]
      .map(([value, label]) => h('option', { value }, label)));
  const priceUnit = h('span', { class: 'unit' });
  const amountUnit = h('span', { class: 'unit' });
  const units = () => {
    const m = markets.find((x) => x.id === Number(market.value));
    priceUnit.textContent = m ? `${ctx.chain.native.symbol} per ${ctx.symbol(m.base)}` : '';
    amountUnit.textContent = m ? ctx.symbol(m.base) : '';
  };
  market.addEventListener('change', units);

  const form = h('form', { class: 'card order', 'data-testid': 'order-form' },
    h('h2', {}, 'Place a limit order'),
    h('label', {}, 'Market', market),
    h('label', {}, 'Side', side),
    h('label', {}, 'Price', price, priceUnit),
    h('label', {}, 'Amount', amount, amountUnit),
    h('label', {}, 'Time in force', tif),
    h('button', { type: 'submit', 'data-testid': 'order-submit' }, 'Place order'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const m = markets.find((x) => x.id === Number(market.value));
    if (!m) return;
    void ctx.submit(`${side.value === 'Bid' ? 'Buy' : 'Sell'} ${amount.value} ${ctx.symbol(m.base)} at ${price.value}`, () =>
      // At most 8 fills per call, as the pallet's benchmarks size a typical order.
      api.tx.orderbook.placeOrder(m.id, side.value, ctx.parsePrice(m.base, price.value),
        ctx.parseUnits(m.base, amount.value), tif.value, null, 8));
  });

  const list = h('div', { class: 'markets' });
  const el = h('section', { 'data-testid': 'view-markets' }, form, list);

  function levelsTable(testid: string, m: Market, levels: Level[]) {
    let sum = 0n;
    const rows = levels.map((l) => ({ ...l, cumulative: (sum += l.amount) }));
    return table(testid, ['Price', 'Amount', 'Total'], rows,
      (l) => [ctx.price(m.base, l.price), ctx.units(m.base, l.amount), ctx.units(m.base, l.cumulative)],
      (l) => ({ 'data-price': l.price.toString() }));
  }

  function card(m: Market, book: Book) {
    const trades = ctx.trades.of(m.id);
    const last = trades[0];
    const fmt = { price: (p: bigint) => ctx.price(m.base, p), amount: (a: bigint) => ctx.units(m.base, a) };
    const quote = (testid: string, l: Level | null) =>
      h('dd', { 'data-testid': testid }, l ? `${fmt.price(l.price)} × ${fmt.amount(l.amount)}` : '—');
    return h('article', { class: 'card market', 'data-testid': 'market', 'data-market': m.id },
      h('h2', {}, `Market ${m.id} · ${ctx.symbol(m.base)} / ${ctx.chain.native.symbol}`,
        h('span', { class: `badge ${m.status.toLowerCase()}` }, m.status)),
      h('dl', { class: 'stats' },
        h('dt', {}, 'Best bid'), quote('best-bid', book.bestBid),
        h('dt', {}, 'Best ask'), quote('best-ask', book.bestAsk),
        h('dt', {}, 'Last trade'), h('dd', { 'data-testid': 'last-trade' }, last ? fmt.price(last.price) : '—'),
        h('dt', {}, 'Tick · lot · minimum'),
        h('dd', {}, `${fmt.price(m.tickSize)} · ${fmt.amount(m.lotSize)} · ${fmt.amount(m.minOrder)}`),
        h('dt', {}, 'Fees (maker · taker)'), h('dd', {}, `${formatPermill(m.makerFee)} · ${formatPermill(m.takerFee)}`)),
      h('p', { class: 'legend' }, `Prices in ${ctx.chain.native.symbol} per ${ctx.symbol(m.base)}, amounts in ${ctx.symbol(m.base)}`),
      depthChart(book, fmt),
      h('div', { class: 'columns' },
        h('div', {}, h('h3', {}, 'Bids'), levelsTable('bids', m, book.bids)),
        h('div', {}, h('h3', {}, 'Asks'), levelsTable('asks', m, book.asks)),
        h('div', {}, h('h3', {}, 'Recent trades'),
          table('trades', ['Block', 'Taker', 'Price', 'Amount'], trades.slice(0, TRADES),
            (t) => [`#${t.block}`, t.takerSide === 'Bid' ? 'buy' : 'sell', fmt.price(t.price), fmt.amount(t.amount)],
            (t) => ({ class: t.takerSide === 'Bid' ? 'buy' : 'sell' })))));
  }

  return {
    id: 'markets',
    title: 'Markets',
    el,
    async refresh() {
      markets = await readMarkets(api);
      const books = await Promise.all(markets.map((m) => readBook(api, m.id, LEVELS)));
      setOptions(market, markets.map((m) => ({ value: String(m.id), label: `${m.id} · ${ctx.symbol(m.base)}` })));
      units();
      if (markets.length === 0) replace(list, h('p', { class: 'empty card' }, 'No market is open yet.'));
      else replace(list, markets.map((m, i) => card(m, books[i])));
    },
  };
}
