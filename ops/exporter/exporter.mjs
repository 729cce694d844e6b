#!/usr/bin/env node
// utc-exporter: a Prometheus exporter of UTC chain. It follows a node's
// finalized blocks over RPC and serves `GET /metrics` (text format 0.0.4):
// each class's token supply, minted units, obligations and capacity; jobs by
// state; each market's best bid and ask and its 24 h volume and trades; open
// disputes, pending and applied slashes; the chain's heights.
//
// State gauges are read at the finalized block (`utc_chain_height{status="finalized"}`),
// so they never show a fork that is later abandoned. Volumes come from the
// events of the finalized blocks the exporter reads: on start it reads back from
// the head until it passes 24 h of block timestamps, at most `--backfill-blocks`
// blocks, and no further than the node keeps blocks' state. Slash counters count
// the blocks read after the start only, so that a restart does not count a day
// again. Prices and native amounts are written in whole tokens: UNIT, and each
// class's token by its decimals.

import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { BOUNDED_MAPS, JOB_STATES, isStateDiscarded, readBlock, readState } from './lib/chain.mjs';
import { CONTENT_TYPE, Exposition, decimal } from './lib/exposition.mjs';

const DAY_MS = 86_400_000;
// Blocks read at once while backfilling.
const BACKFILL_BATCH = 16;

const USAGE = `utc-exporter [options]
  --rpc <url>              node RPC endpoint (env UTC_RPC; default ws://127.0.0.1:9944)
  --host <addr>            address to serve /metrics on (env UTC_EXPORTER_HOST; default 127.0.0.1)
  --port <n>               port to serve /metrics on (env UTC_EXPORTER_PORT; default 9616)
  --backfill-blocks <n>    blocks read back on start for the 24 h volumes (default 14400: a day of 6 s blocks)
  --max-entries <n>        entries read at most from each storage map per block (default 10000)`;

/** Follows the finalized chain and keeps what `/metrics` shows. */
class Follower {
  constructor(api, { backfillBlocks, maxEntries }) {
    this.api = api;
    this.backfillBlocks = backfillBlocks;
    this.maxEntries = maxEntries;
    this.lastRead = null; // the last block whose events are counted
    this.coveredSince = null; // every block with a later timestamp has been read
    this.window = []; // blocks with trades, within 24 h of the finalized head
    this.slashes = new Map(); // `${class}/${module}` -> { class, module, count, taken }
    this.state = null;
    this.best = null;
    this.up = false;
    this.errors = 0;
    this.unreadable = 0; // blocks after the start skipped because their state was pruned
    this.running = null;
    this.again = false;
  }

  /** Catches up with the finalized head; one run at a time, once more if a head arrived meanwhile. */
  sync() {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.step();
      } while (this.again);
    })().finally(() => { this.running = null; });
    return this.running;
  }

  async step() {
    try {
      const { api } = this;
      const hash = await api.rpc.chain.getFinalizedHead();
      const head = (await api.rpc.chain.getHeader(hash)).number.toNumber();
      if (this.lastRead === null) {
        await this.backfill(head);
      } else {
        // After a long disconnection only the last `backfillBlocks` are read, and
        // of those only the ones whose state the node still keeps.
        const from = Math.max(this.lastRead + 1, head - this.backfillBlocks + 1);
        let gap = from !== this.lastRead + 1;
        for (let n = from; n <= head; n++) {
          const block = await readKept(api, n);
          if (block) {
            if (gap) this.coveredSince = block.timestamp;
            gap = false;
            this.count(block, { slashes: true });
          } else {
            this.unreadable += 1;
            gap = true;
          }
          this.lastRead = n;
        }
      }
      const state = await readState(api, hash, head, { maxEntries: this.maxEntries });
      this.best = (await api.rpc.chain.getHeader()).number.toNumber();
      this.window = this.window.filter((b) => b.timestamp > state.timestamp - DAY_MS);
      this.state = state;
      this.up = true;
    } catch (error) {
      this.up = false;
      this.errors += 1;
      console.error(`utc-exporter: reading the chain failed: ${error.message}`);
    }
  }

  /**
   * Reads blocks back from `head` for the 24 h volumes until one is 24 h older
   * than the head, block 1, `backfillBlocks` blocks, or a block whose state the
   * node has pruned; keeps them only once all were read.
   */
  async backfill(head) {
    const blocks = [];
    let n = head;
    let pruned = false;
    while (!pruned && n >= 1 && head - n < this.backfillBlocks) {
      const numbers = [];
      for (let i = 0; i < BACKFILL_BATCH && n >= 1 && head - n < this.backfillBlocks; i++) numbers.push(n--);
      const batch = await Promise.all(numbers.map((m) => readKept(this.api, m, { slashes: false })));
      // The state of every block older than a pruned one is pruned too.
      pruned = batch.includes(null);
      const kept = pruned ? batch.slice(0, batch.indexOf(null)) : batch;
      blocks.push(...kept);
      if (kept.some((b) => b.timestamp <= blocks[0].timestamp - DAY_MS)) break;
    }
    blocks.forEach((b) => this.count(b, { slashes: false }));
    this.coveredSince = n < 1 && !pruned ? 0 : Math.min(...blocks.map((b) => b.timestamp));
    this.lastRead = head;
  }

  count(block, { slashes }) {
    if (block.trades.size) this.window.push(block);
    if (!slashes) return;
    for (const { class: cls, module, taken } of block.slashes) {
      const key = `${cls}/${module}`;
      const s = this.slashes.get(key) ?? { class: cls, module, count: 0, taken: 0n };
      s.count += 1;
      s.taken += taken;
      this.slashes.set(key, s);
    }
  }

  disconnected() {
    this.up = false;
  }

  /** The exposition: the exporter's own metrics, and the chain's while it is read. */
  render() {
    const e = new Exposition();
    e.family('utc_exporter_up', 'gauge', 'Whether the last read of the chain succeeded (1) or not (0).')
      .sample('utc_exporter_up', {}, this.up ? 1 : 0);
    e.family('utc_exporter_errors_total', 'counter', 'Reads of the chain that failed.')
      .sample('utc_exporter_errors_total', {}, this.errors);
    e.family('utc_exporter_blocks_unreadable_total', 'counter',
      'Finalized blocks after the start whose events were not counted: the node had pruned their state.')
      .sample('utc_exporter_blocks_unreadable_total', {}, this.unreadable);
    if (!this.up || !this.state) return e.render();
    const { state } = this;
    const native = this.api.registry.chainDecimals[0]; // UNIT's, from the node's chain properties

    e.family('utc_exporter_storage_truncated', 'gauge',
      'Whether a storage map held more entries than the exporter reads (1): its figures are partial.');
    for (const item of BOUNDED_MAPS) {
      e.sample('utc_exporter_storage_truncated', { item }, state.truncated.includes(item) ? 1 : 0);
    }
    e.family('utc_exporter_volume_window_complete', 'gauge',
      'Whether the exporter has read every block of the last 24 h (1), so that the 24 h volumes are whole.')
      .sample('utc_exporter_volume_window_complete', {}, this.coveredSince <= state.timestamp - DAY_MS ? 1 : 0);

    e.family('utc_chain_height', 'gauge', 'Height of the best and of the finalized block.')
      .sample('utc_chain_height', { status: 'best' }, this.best)
      .sample('utc_chain_height', { status: 'finalized' }, state.number);
    e.family('utc_chain_finalized_timestamp_seconds', 'gauge', 'Timestamp of the finalized block.')
      .sample('utc_chain_finalized_timestamp_seconds', {}, state.timestamp / 1000);

    const perClass = [
      ['utc_class_info', 'A compute class: its token symbol, name and decimals (value 1).', null],
      ['utc_class_token_supply', 'Tokens of the class in issuance (pallet-assets supply), in its smallest unit.', 'tokenSupply'],
      ['utc_class_minted_units', 'Units providers have minted in the class, ever (their ledgers).', 'minted'],
      ['utc_class_obligation_units', 'Units providers owe in the class: minted, less retired and settled.', 'obligations'],
      ['utc_class_redeemed_units', 'Units burned for jobs whose delivery is not settled yet.', 'redeemed'],
      ['utc_class_capacity_units', 'Units of the attestations that grant capacity at the finalized block.', 'capacity'],
      ['utc_sla_open_disputes', 'Reports of SLA breaches awaiting the provider or the deadline.', 'openDisputes'],
      ['utc_sla_pending_slashes', 'Slashes scheduled and not applied yet.', 'pendingSlashes'],
    ];
    for (const [name, help] of perClass) e.family(name, 'gauge', help);
    e.family('utc_sla_pending_penalty', 'gauge', 'Native funds the pending slashes ask for, in UNIT.');
    e.family('utc_jobs', 'gauge', 'Jobs on chain by class and state (finished jobs until they are pruned).');
    for (const [id, cls] of state.classes) {
      const labels = { class: id };
      e.sample('utc_class_info', { ...labels, symbol: cls.symbol, name: cls.name, decimals: cls.decimals }, 1);
      for (const [name, , field] of perClass) if (field) e.sample(name, labels, cls[field]);
      e.sample('utc_sla_pending_penalty', labels, decimal(cls.pendingPenalty, native));
      for (const s of JOB_STATES) e.sample('utc_jobs', { ...labels, state: s.toLowerCase() }, cls.jobs.get(s));
    }

    const volume = new Map();
    for (const block of this.window) {
      for (const [market, t] of block.trades) {
        const v = volume.get(market) ?? { count: 0, units: 0n, value: 0n };
        v.count += t.count;
        v.units += t.units;
        v.value += t.value;
        volume.set(market, v);
      }
    }
    // On chain a price is native smallest parts per smallest part of the class
    // token; here it is UNIT per class token.
    const perMarket = [
      ['utc_market_best_bid_price', 'Price of the best resting bid, in UNIT per class token; absent with no bid.'],
      ['utc_market_best_bid_amount', 'Class tokens resting at the best bid.'],
      ['utc_market_best_ask_price', 'Price of the best resting ask, in UNIT per class token; absent with no ask.'],
      ['utc_market_best_ask_amount', 'Class tokens resting at the best ask.'],
      ['utc_market_volume_24h_tokens', 'Class tokens traded in the last 24 h of block time.'],
      ['utc_market_volume_24h_value', 'Value traded (price times amount) in the last 24 h of block time, in UNIT.'],
      ['utc_market_trades_24h', 'Trades in the last 24 h of block time.'],
    ];
    for (const [name, help] of perMarket) e.family(name, 'gauge', help);
    for (const [id, market] of state.markets) {
      const labels = { market: id, class: market.base };
      // A market's class is one of the chain's unless the classes map was cut short.
      const tokens = state.classes.get(market.base)?.decimals;
      if (tokens === undefined) continue;
      for (const [side, level] of [['bid', market.bestBid], ['ask', market.bestAsk]]) {
        if (!level) continue;
        e.sample(`utc_market_best_${side}_price`, labels, decimal(level.price * 10n ** BigInt(tokens), native));
        e.sample(`utc_market_best_${side}_amount`, labels, decimal(level.amount, tokens));
      }
      const v = volume.get(id) ?? { count: 0, units: 0n, value: 0n };
      e.sample('utc_market_volume_24h_tokens', labels, decimal(v.units, tokens));
      e.sample('utc_market_volume_24h_value', labels, decimal(v.value, native));
      e.sample('utc_market_trades_24h', labels, v.count);
    }

    // Every (class, module) pair is written from the start, at 0 until a slash,
    // so that increase() sees a series' first slash.
    e.family('utc_sla_slashes_total', 'counter',
      'Slashes applied, by class and SLA module, in the blocks read since the exporter started.');
    e.family('utc_sla_slashed_amount_total', 'counter',
      'Native funds slashed from bonds, in UNIT, by class and SLA module, in the blocks read since the exporter started.');
    const pairs = new Map();
    for (const cls of state.classes.keys()) {
      for (const module of state.modules) {
        pairs.set(`${cls}/${module}`, { class: String(cls), module: String(module), count: 0, taken: 0n });
      }
    }
    for (const [key, s] of this.slashes) pairs.set(key, s);
    for (const s of pairs.values()) {
      const labels = { class: s.class, module: s.module };
      e.sample('utc_sla_slashes_total', labels, s.count);
      e.sample('utc_sla_slashed_amount_total', labels, decimal(s.taken, native));
    }
    return e.render();
  }
}

/** Block `number`'s figures (`readBlock`), or null when the node has pruned its state. */
async function readKept(api, number, options) {
  try {
    return await readBlock(api, number, options);
  } catch (error) {
    if (isStateDiscarded(error)) return null;
    throw error;
  }
}

function positiveInteger(name, text) {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, not ${text}`);
  return n;
}

async function main() {
  const { values } = parseArgs({
    options: {
      rpc: { type: 'string', default: process.env.UTC_RPC || 'ws://127.0.0.1:9944' },
      host: { type: 'string', default: process.env.UTC_EXPORTER_HOST || '127.0.0.1' },
      port: { type: 'string', default: process.env.UTC_EXPORTER_PORT || '9616' },
      'backfill-blocks': { type: 'string', default: '14400' },
      'max-entries': { type: 'string', default: '10000' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = positiveInteger('port', values.port);
  const options = {
    backfillBlocks: positiveInteger('backfill-blocks', values['backfill-blocks']),
    maxEntries: positiveInteger('max-entries', values['max-entries']),
  };

  // The provider reconnects by itself and renews the subscription; until then
  // the chain's metrics are withheld and utc_exporter_up is 0.
  const api = new ApiPromise({ provider: new WsProvider(values.rpc, 2_000), noInitWarn: true });
  // A first connection that fails rejects isReadyOrError; the provider keeps
  // trying, and 'ready' follows once the node answers.
  api.isReadyOrError.catch(() => {});
  const follower = new Follower(api, options);
  api.on('disconnected', () => follower.disconnected());
  api.on('error', (error) => console.error(`utc-exporter: ${error.message}`));
  api.once('ready', () => {
    api.rpc.chain.subscribeFinalizedHeads(() => follower.sync())
      .catch((error) => console.error(`utc-exporter: cannot follow finalized heads: ${error.message}`));
  });

  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url.split('?')[0] === '/metrics') {
      res.writeHead(200, { 'content-type': CONTENT_TYPE });
      res.end(follower.render());
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found: the metrics are at /metrics\n');
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, values.host, resolve);
  });
  console.log(`utc-exporter: serving http://${values.host}:${port}/metrics, reading ${values.rpc}`);

  const stop = () => {
    server.close();
    api.disconnect().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error) => {
  console.error(`utc-exporter: ${error.message}`);
  process.exit(1);
});
