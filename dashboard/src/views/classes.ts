// Classes: every compute class with its standard, its token supply, what its
// providers owe, and its price on the order book.

import { readBook, readClassSupply, readMarkets, type Book, type Market } from '../chain';
import type { Context, View } from '../context';
import { h, replace, table } from '../dom';

export function classesView(ctx: Context): View {
  const body = h('div', { class: 'card' });
  const el = h('section', { 'data-testid': 'view-classes' }, body);

  return {
    id: 'classes',
    title: 'Classes',
    el,
    async refresh() {
      const classes = [...ctx.classes.values()].sort((a, b) => a.id - b.id);
      const markets = await readMarkets(ctx.api);
      // A class's price comes from the first market that trades its token.
      const marketOf = new Map<number, Market>();
      for (const m of markets) if (!marketOf.has(m.base)) marketOf.set(m.base, m);
      const rows = await Promise.all(classes.map(async (c) => {
        const market = marketOf.get(c.id);
        const [supply, book] = await Promise.all([
          readClassSupply(ctx.api, c.id),
          market ? readBook(ctx.api, market.id, 1) : Promise.resolve(null),
        ]);
        return { c, supply, market, book };
      }));
      const price = (cls: number, book: Book | null, side: 'bestBid' | 'bestAsk') =>
        book?.[side] ? ctx.price(cls, book[side].price) : '—';
      const last = (cls: number, market?: Market) => {
        const trade = market && ctx.trades.of(market.id)[0];
        return trade ? ctx.price(cls, trade.price) : '—';
      };
      replace(body,
        h('h2', {}, 'Compute classes'),
        h('p', { class: 'legend' }, `Supply, obligations and redemptions in each class's tokens; prices in ${ctx.chain.native.symbol} per token`),
        table('classes',
          ['Class', 'Name', 'Symbol', 'Resource', 'Hardware floor', 'Supply', 'Open obligations', 'Redeemed, unsettled',
            'Best bid', 'Best ask', 'Last trade'],
          rows,
          ({ c, supply, market, book }) => [
            String(c.id), c.name, c.symbol, `${c.kind} · ${c.unit}`,
            `${c.modelFamily}, ≥ ${c.minMemoryMib} MiB, score ≥ ${c.minPerformance}`,
            ctx.units(c.id, supply.issued), ctx.units(c.id, supply.obligations), ctx.units(c.id, supply.redeemed),
            price(c.id, book, 'bestBid'), price(c.id, book, 'bestAsk'), last(c.id, market),
          ],
          ({ c }) => ({ 'data-class': c.id, class: c.status === 'Active' ? '' : 'paused' }),
          'No compute class is defined.'));
    },
  };
}
