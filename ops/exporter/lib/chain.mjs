// What the exporter reads from UTC chain: the state at one block (storage of
// pallet-compute, pallet-assets, pallet-orderbook, pallet-sla and
// pallet-federation, and the order book's runtime API) and the events of one
// block (trades and applied slashes).

/**
 * Whether `error` is the node's answer about a block whose state it has pruned
 * (Substrate keeps the state of the last 256 blocks unless `--state-pruning`
 * says otherwise): that block cannot be read, ever.
 */
export function isStateDiscarded(error) {
  return /state already discarded/i.test(error?.message ?? '');
}

/** A job's states, as pallet-federation's `JobState` names them, in its order. */
export const JOB_STATES = ['Pending', 'Assigned', 'Running', 'Completed', 'Cancelled', 'Refunded'];

/** The storage maps read at every block, each up to a bound. */
export const BOUNDED_MAPS = [
  'compute.classes', 'compute.ledgers', 'compute.attestations', 'federation.jobs',
  'sla.disputes', 'sla.pendingSlashes', 'orderbook.markets',
];

/**
 * Up to `limit` entries of a storage map at a block, read in pages; `truncated`
 * says that the map holds more.
 */
async function entries(storage, limit) {
  const out = [];
  let startKey;
  for (;;) {
    const pageSize = Math.min(1000, limit + 1 - out.length);
    const page = await storage.entriesPaged({ args: [], pageSize, startKey });
    out.push(...page);
    if (out.length > limit) return { entries: out.slice(0, limit), truncated: true };
    if (page.length < pageSize) return { entries: out, truncated: false };
    startKey = page[page.length - 1][0].toHex();
  }
}

/**
 * The state of the chain at block `hash` (number `number`). Storage maps that
 * grow with use (attestations, ledgers, jobs, disputes, pending slashes, markets)
 * are read up to `maxEntries` entries each; `truncated` lists those cut short.
 */
export async function readState(api, hash, number, { maxEntries }) {
  const at = await api.at(hash);
  const truncated = [];
  const bounded = async (section, item) => {
    const result = await entries(at.query[section][item], maxEntries);
    if (result.truncated) truncated.push(`${section}.${item}`);
    return result.entries;
  };

  const classes = new Map();
  for (const [key, entry] of await bounded('compute', 'classes')) {
    const id = key.args[0].toNumber();
    const cls = entry.unwrap();
    const [asset, supply] = await Promise.all([at.query.assets.asset(id), at.query.compute.supply(id)]);
    classes.set(id, {
      symbol: cls.symbol.toUtf8(),
      name: cls.name.toUtf8(),
      decimals: cls.decimals.toNumber(),
      tokenSupply: asset.isSome ? asset.unwrap().supply.toBigInt() : 0n,
      obligations: supply.obligations.toBigInt(),
      redeemed: supply.redeemed.toBigInt(),
      minted: 0n,
      capacity: 0n,
      jobs: new Map(JOB_STATES.map((s) => [s, 0])),
      openDisputes: 0,
      pendingSlashes: 0,
      pendingPenalty: 0n,
    });
  }
  const ofClass = (id) => classes.get(id.toNumber());

  // Units ever minted: the providers' ledgers, one entry per (provider, class).
  for (const [key, ledger] of await bounded('compute', 'ledgers')) {
    const cls = ofClass(key.args[1]);
    if (cls) cls.minted += ledger.minted.toBigInt();
  }
  // Capacity: units of the attestations that grant capacity at this block.
  for (const [, attestation] of await bounded('compute', 'attestations')) {
    const a = attestation.unwrap();
    const live = !a.revoked.isTrue && a.validFrom.toNumber() <= number && number < a.validUntil.toNumber();
    const cls = ofClass(a.class);
    if (live && cls) cls.capacity += a.units.toBigInt();
  }
  // Jobs still on chain (finished ones until pruned), by state.
  for (const [, job] of await bounded('federation', 'jobs')) {
    const j = job.unwrap();
    const cls = ofClass(j.class);
    if (cls) cls.jobs.set(j.state.type, cls.jobs.get(j.state.type) + 1);
  }
  for (const [, dispute] of await bounded('sla', 'disputes')) {
    const cls = ofClass(dispute.unwrap().class);
    if (cls) cls.openDisputes += 1;
  }
  for (const [, pending] of await bounded('sla', 'pendingSlashes')) {
    const p = pending.unwrap();
    const cls = ofClass(p.class);
    if (cls) {
      cls.pendingSlashes += 1;
      cls.pendingPenalty += p.penalty.toBigInt();
    }
  }

  const markets = new Map();
  for (const [key, market] of await bounded('orderbook', 'markets')) {
    const id = key.args[0].toNumber();
    const [bid, ask] = await at.call.orderbookApi.bestBidAsk(id);
    const level = (side) => (side.isSome
      ? { price: side.unwrap()[0].toBigInt(), amount: side.unwrap()[1].toBigInt() }
      : null);
    markets.set(id, { base: market.unwrap().base.toNumber(), bestBid: level(bid), bestAsk: level(ask) });
  }

  // SLA modules, retired ones too: a slash may be applied under any of them.
  const modules = (await at.query.sla.modules.keys()).map((key) => key.args[0].toNumber()).sort((a, b) => a - b);

  const timestamp = (await at.query.timestamp.now()).toNumber();
  return { number, hash: hash.toHex(), timestamp, classes, markets, modules, truncated };
}

/**
 * The trades and, with `slashes`, the applied slashes of block `number`:
 * `{ number, timestamp, trades: Map<market, { count, units, value }>,
 * slashes: [{ class, module, taken }] }`. Fails with an error that
 * `isStateDiscarded` recognizes when the node has pruned the block's state.
 *
 * A `Slashed` event names only the slash. Its class and module come from the
 * `ViolationRecorded` event that scheduled it when that was in the same block
 * (a slash due at once is applied as soon as it is scheduled), and otherwise
 * from the pending slash at the parent block, where it was still waiting.
 */
export async function readBlock(api, number, { slashes: withSlashes = true } = {}) {
  const hash = await api.rpc.chain.getBlockHash(number);
  const at = await api.at(hash);
  const [records, now] = await Promise.all([at.query.system.events(), at.query.timestamp.now()]);
  const trades = new Map();
  const slashes = [];
  const scheduled = new Map(); // slash id -> { class, module }, from this block's events
  let parent = null;
  for (const { event } of records) {
    if (api.events.orderbook.Trade.is(event)) {
      const { market, price, amount } = event.data;
      const m = trades.get(market.toNumber()) ?? { count: 0, units: 0n, value: 0n };
      m.count += 1;
      m.units += amount.toBigInt();
      m.value += price.toBigInt() * amount.toBigInt();
      trades.set(market.toNumber(), m);
    } else if (withSlashes && api.events.sla.ViolationRecorded.is(event)) {
      const { slash, class: cls, module } = event.data;
      scheduled.set(slash.toString(), { class: cls.toString(), module: module.toString() });
    } else if (withSlashes && api.events.sla.Slashed.is(event)) {
      const id = event.data.slash.toString();
      let origin = scheduled.get(id);
      if (!origin) {
        parent ??= await api.at((await api.rpc.chain.getHeader(hash)).parentHash);
        const pending = (await parent.query.sla.pendingSlashes(event.data.slash)).unwrapOr(null);
        if (!pending) throw new Error(`slash ${id} of block ${number} was neither scheduled there nor pending before`);
        origin = { class: pending.class.toString(), module: pending.module.toString() };
      }
      slashes.push({ ...origin, taken: event.data.taken.toBigInt() });
    }
  }
  return { number, timestamp: now.toNumber(), trades, slashes };
}
