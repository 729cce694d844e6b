// The order book's recent trades, from the `orderbook.Trade` events of the
// latest finalized blocks: a backlog of `BACKLOG` blocks when the page opens,
// then every newly finalized one. A finalized block number names one block for
// good, so each is read once and a reorg cannot leave an abandoned fork's trades
// listed; a trade shows once its block is final (GRANDPA follows the best block
// by a block or two).

import type { ApiPromise } from '@polkadot/api';
import type { Side } from './chain';
import type { TradeEventData } from './types';

export interface Trade {
  block: number;
  market: number;
  price: bigint;
  amount: bigint;
  /** The taker's side: a Bid bought, an Ask sold. */
  takerSide: Side;
  maker: string;
  taker: string;
}

const BACKLOG = 200;
const KEEP = 100;

export class TradeLog {
  /** Newest first. */
  trades: Trade[] = [];
  private scanned = -1;

  constructor(private readonly api: ApiPromise) {}

  /** Reads the Trade events of the blocks after the last one scanned, up to `finalized`, a finalized block number. */
  async scanTo(finalized: number): Promise<void> {
    const from = Math.max(this.scanned + 1, finalized - BACKLOG + 1, 1);
    if (from > finalized) return;
    const numbers = Array.from({ length: finalized - from + 1 }, (_, i) => from + i);
    const blocks = await Promise.all(numbers.map(async (n) => {
      const hash = await this.api.rpc.chain.getBlockHash(n);
      const events = await (await this.api.at(hash)).query.system.events();
      return events
        .filter(({ event }) => this.api.events.orderbook.Trade.is(event))
        .map(({ event }) => {
          const d = event.data as unknown as TradeEventData;
          return {
            block: n,
            market: d.market.toNumber(),
            price: d.price.toBigInt(),
            amount: d.amount.toBigInt(),
            takerSide: d.takerSide.type as Side,
            maker: d.maker.toString(),
            taker: d.taker.toString(),
          };
        });
    }));
    this.scanned = finalized;
    this.trades = [...blocks.flat().reverse(), ...this.trades].slice(0, KEEP);
  }

  /** A market's trades, newest first. */
  of(market: number): Trade[] {
    return this.trades.filter((t) => t.market === market);
  }
}
