// What every view shares: the API, the chain's tokens, the trade log, the
// chosen account and the transaction status line; and the conversions between
// the chain's integers and the amounts people read and type.

import type { ApiPromise } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { ChainInfo, ComputeClass } from './chain';
import { h, replace } from './dom';
import { formatUnits, parseUnits } from './format';
import type { TradeLog } from './trades';
import { send, type Account, type Outcome } from './wallet';

/** Native balances show at most this many fraction digits (cut). */
const NATIVE_FRACTION = 4;

export class Context {
  /** Compute classes by id, read again every block. */
  classes = new Map<number, ComputeClass>();
  account: Account | null = null;
  /** Called after a transaction is in a block, so the views show its effect. */
  onChange: () => void = () => {};

  constructor(
    readonly api: ApiPromise,
    readonly chain: ChainInfo,
    readonly trades: TradeLog,
    private readonly status: HTMLElement,
  ) {}

  native(raw: bigint): string {
    return formatUnits(raw, this.chain.native.decimals, NATIVE_FRACTION);
  }

  decimals(cls: number): number {
    return this.classes.get(cls)?.decimals ?? 0;
  }

  symbol(cls: number): string {
    return this.classes.get(cls)?.symbol ?? `class ${cls}`;
  }

  /** Smallest units of class `cls` as whole tokens. */
  units(cls: number, raw: bigint): string {
    return formatUnits(raw, this.decimals(cls));
  }

  parseUnits(cls: number, text: string): bigint {
    return parseUnits(text, this.decimals(cls));
  }

  /** A book price (native smallest units per smallest class unit) per whole token. */
  price(cls: number, raw: bigint): string {
    return formatUnits(raw * 10n ** BigInt(this.decimals(cls)), this.chain.native.decimals);
  }

  /** A price typed per whole token as a book price; throws when the book cannot express it. */
  parsePrice(cls: number, text: string): bigint {
    const perToken = parseUnits(text, this.chain.native.decimals);
    const scale = 10n ** BigInt(this.decimals(cls));
    if (perToken % scale !== 0n) throw new Error(`${text} is finer than the book's smallest price step`);
    return perToken / scale;
  }

  /**
   * Signs and submits `tx` as the chosen account, showing its progress and
   * outcome (the decoded error of a failed dispatch) in the status line.
   */
  async submit(what: string, tx: () => SubmittableExtrinsic<'promise'>): Promise<Outcome | null> {
    const account = this.account;
    if (!account) {
      this.show('error', `${what}: choose an account first`);
      return null;
    }
    let built: SubmittableExtrinsic<'promise'>;
    try {
      built = tx();
    } catch (e) {
      this.show('error', `${what}: ${(e as Error).message}`);
      return null;
    }
    this.show('pending', `${what} as ${account.name}: signing…`);
    try {
      const outcome = await send(this.api, built, account, (status) =>
        this.show('pending', `${what} as ${account.name}: ${status.toLowerCase()}…`));
      if (outcome.error) {
        this.show('error', `${what} failed in block #${outcome.block}: `,
          h('code', { 'data-testid': 'tx-error' }, outcome.error.name), ` — ${outcome.error.docs}`);
      } else {
        const events = outcome.events.map((e) => {
          const id = e.data.orderId ?? e.data.job;
          return `${e.name}${id === undefined ? '' : ` #${String(id).replace(/,/g, '')}`}`;
        });
        this.show('ok', `${what}: in block #${outcome.block}`, events.length ? ` — ${events.join(', ')}` : '');
      }
      this.onChange();
      return outcome;
    } catch (e) {
      this.show('error', `${what}: ${(e as Error).message}`);
      return null;
    }
  }

  private show(state: 'pending' | 'ok' | 'error', ...content: (string | Node)[]) {
    this.status.hidden = false;
    this.status.dataset.state = state;
    replace(this.status, ...content);
  }
}

/** One tab of the dashboard: built once, its chain data redrawn on every refresh. */
export interface View {
  id: string;
  title: string;
  el: HTMLElement;
  refresh(): Promise<void>;
}
