// utc-exporter against a real utc-node --dev that keeps the state of its last
// KEPT blocks only. A provider is attested and mints, a buyer trades on the
// order book, and only then the exporter starts: the 24 h volume comes from its
// backfill. Jobs are submitted, one cancelled, one routed to the provider, whose
// owner reports a breach (an open dispute); the missed start and the upheld
// dispute are slashed. At each step the exporter's figures are compared with
// what the chain holds at the very block they were read at. Once the node has
// pruned the trades' block, a second exporter starts: it reads back only the
// blocks the node kept, and counts none of the slashes applied before it
// started. Last, the Grafana dashboard's queries are checked against the metric
// names the exporter, the node and utc-agent really export.
//
// The node and the chain's side come from the end-to-end harness
// (zombienet/e2e/node.mjs, with zombienet's own copy of @polkadot/api, of the
// same versions as the exporter's): `npm test` sets
// POLKADOTJS_DISABLE_ESM_CJS_WARNING so that @polkadot/util does not warn about
// two copies of one version.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { EventWatch, signAttestation, startNode, submitAll, waitFinalized } from '../../../zombienet/e2e/node.mjs';
import { ExporterProcess, scrape } from './harness.mjs';

const H100 = 0;
const UNIT = 10n ** 12n;
const TICK = 1_000_000n;
// The dev chain's SLA modules: 0 uptime, 1 start latency, 2 completion time.
const UPTIME = 0;
const START = 1;
const COMPLETION = 2;
const START_DELAY = 4;
const JOB_STATES = ['Pending', 'Assigned', 'Running', 'Completed', 'Cancelled', 'Refunded'];
// Blocks whose state the node keeps (--state-pruning): more than the blocks
// before the first exporter starts, fewer than the test runs.
const KEPT = 16;

/** Asserts that `actual` (a metric's number) is `raw / 10^decimals`, to float precision. */
function assertScaled(actual, raw, decimals, what) {
  const expected = Number(raw) / 10 ** decimals;
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= 1e-12 * Math.abs(expected),
    `${what}: ${actual}, the chain says ${raw} / 10^${decimals} = ${expected}`);
}

describe('utc-exporter on utc-node --dev', () => {
  let node;
  let api;
  let events;
  let exporter;
  let ferdie;
  let operator;
  let bob;
  let market;
  let trades;
  let tradedAt;
  const jobs = [];

  before(async () => {
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519' });
    const alice = keyring.addFromUri('//Alice');
    ferdie = keyring.addFromUri('//Ferdie');
    operator = keyring.addFromUri('//Ferdie//operator');
    bob = keyring.addFromUri('//Bob');
    const attestor = keyring.addFromUri('//Attestor');
    node = await startNode({ args: ['--dev', '--state-pruning', String(KEPT)], prometheus: true });
    api = await node.connect();
    events = await EventWatch.start(api);

    // Ferdie serves H100 under all three modules: registered, bonded, attested
    // for 10 hours, minted, commands declared, an operator named and funded.
    const now = (await api.rpc.chain.getHeader()).number.toNumber();
    const { attestation, signature } = signAttestation(api, attestor, {
      provider: ferdie.address, class: H100, units: 10_000, validFrom: now, validUntil: now + 5_000,
      evidenceHash: u8aToHex(new Uint8Array(32).fill(7)), nonce: 1,
    });
    const [, created] = await Promise.all([
      submitAll(api, ferdie, [
        api.tx.balances.transferKeepAlive(operator.address, 10n ** 13n),
        api.tx.compute.registerProvider('Ferdie GPUs', 'EU-WEST'),
        api.tx.sla.bond(100n * UNIT),
        ...[UPTIME, START, COMPLETION].map((m) => api.tx.sla.subscribe(H100, m)),
        api.tx.compute.submitAttestation({ Sr25519: attestor.publicKey }, attestation, { Sr25519: signature }),
        api.tx.compute.mint(H100, 10_000),
        api.tx.federation.declareService({ command: true, container: false, batch: false }, 4),
        api.tx.federation.setOperator(operator.address),
      ], 'provider'),
      submitAll(api, alice,
        [api.tx.sudo.sudo(api.tx.orderbook.createMarket(H100, TICK, 1, 1, 1_000, 3_000))], 'market'),
    ]);
    market = created[0].events.find(({ event }) => api.events.orderbook.MarketCreated.is(event))
      .event.data.market.toNumber();

    // Two asks; the operator's first heartbeat makes Ferdie live for routing.
    await Promise.all([
      submitAll(api, ferdie, [
        api.tx.orderbook.placeOrder(market, 'Ask', 2_000n * TICK, 300, 'Gtc', null, 8),
        api.tx.orderbook.placeOrder(market, 'Ask', 2_100n * TICK, 300, 'Gtc', null, 8),
      ], 'asks'),
      submitAll(api, operator, [api.tx.federation.heartbeat()], 'heartbeat'),
    ]);
    // Bob's bid crosses both asks; a lower bid rests.
    const placed = await submitAll(api, bob, [
      api.tx.orderbook.placeOrder(market, 'Bid', 2_100n * TICK, 400, 'Gtc', null, 8),
      api.tx.orderbook.placeOrder(market, 'Bid', 1_900n * TICK, 50, 'Gtc', null, 8),
    ], 'bids');
    trades = placed.flatMap((r) => r.events)
      .filter(({ event }) => api.events.orderbook.Trade.is(event))
      .map(({ event }) => event.data);
    assert.equal(trades.length, 2, 'the bid traded against both asks');
    tradedAt = Math.max(...await Promise.all(placed.map((r) => blockNumber(api, r.blockHash))));

    exporter = await ExporterProcess.start(node.endpoint);
  });

  after(async () => {
    events?.unsubscribe();
    await exporter?.stop();
    await api?.disconnect();
    await node?.stop();
  });

  /**
   * Checks every chain figure of `metrics` against the chain at the finalized
   * block the exporter read them at, through other paths (runtime APIs, the
   * provider's ledger, the jobs one by one), and its slash counters against the
   * slashes applied after block `countedAfter`; returns that block's height and
   * the open disputes there.
   */
  async function assertMatchesChain(metrics, { countedAfter = 0 } = {}) {
    assert.equal(metrics.int('utc_exporter_up'), 1n);
    const height = Number(metrics.int('utc_chain_height', { status: 'finalized' }));
    assert.ok(metrics.int('utc_chain_height', { status: 'best' }) >= BigInt(height));
    const hash = await api.rpc.chain.getBlockHash(height);
    const at = await api.at(hash);
    const cls = { class: H100 };
    const native = api.registry.chainDecimals[0];
    const { decimals } = (await at.query.compute.classes(H100)).unwrap();
    const tokens = decimals.toNumber();
    assert.equal(metrics.all('utc_class_info', { ...cls, decimals: tokens }).length, 1, 'class decimals');

    const asset = (await at.query.assets.asset(H100)).unwrap();
    assert.equal(metrics.int('utc_class_token_supply', cls), asset.supply.toBigInt(), 'token supply');
    const position = await at.call.computeApi.providerClassState(ferdie.address, H100);
    assert.equal(metrics.int('utc_class_minted_units', cls), position.ledger.minted.toBigInt(), 'minted');
    assert.equal(metrics.int('utc_class_obligation_units', cls), position.ledger.obligation.toBigInt(), 'obligation');
    assert.equal(metrics.int('utc_class_capacity_units', cls), position.liveCapacity.toBigInt(), 'capacity');
    const supply = await at.query.compute.supply(H100);
    assert.equal(metrics.int('utc_class_redeemed_units', cls), supply.redeemed.toBigInt(), 'redeemed');

    const [bid, ask] = await at.call.orderbookApi.bestBidAsk(market);
    const labels = { market, class: H100 };
    for (const [side, level] of [['bid', bid], ['ask', ask]]) {
      if (level.isNone) {
        assert.equal(metrics.value(`utc_market_best_${side}_price`, labels), undefined, `no ${side}`);
        continue;
      }
      // On chain: native smallest parts per smallest part of the class token.
      const [price, amount] = level.unwrap().map((x) => x.toBigInt());
      assertScaled(metrics.num(`utc_market_best_${side}_price`, labels), price * 10n ** BigInt(tokens), native,
        `best ${side}, UNIT per token`);
      assertScaled(metrics.num(`utc_market_best_${side}_amount`, labels), amount, tokens, `best ${side} amount`);
    }

    const states = new Map(JOB_STATES.map((s) => [s, 0n]));
    for (const id of jobs) {
      const view = await at.call.federationApi.job(id);
      if (view.isSome) states.set(view.unwrap().state.type, states.get(view.unwrap().state.type) + 1n);
    }
    for (const [state, n] of states) {
      assert.equal(metrics.int('utc_jobs', { ...cls, state: state.toLowerCase() }), n, `${state} jobs`);
    }

    const disputes = await at.call.slaApi.openDisputes(ferdie.address);
    assert.equal(metrics.int('utc_sla_open_disputes', cls), BigInt(disputes.length), 'open disputes');
    const pending = await at.call.slaApi.pendingSlashes(ferdie.address);
    assert.equal(metrics.int('utc_sla_pending_slashes', cls), BigInt(pending.length), 'pending slashes');
    assertScaled(metrics.num('utc_sla_pending_penalty', cls),
      pending.reduce((sum, [, p]) => sum + p.penalty.toBigInt(), 0n), native, 'pending penalty');

    // A counter for every class and SLA module, at 0 without slashes: Ferdie's
    // are the only ones, all in class H100.
    const classes = (await at.query.compute.classes.keys()).map((k) => k.args[0].toNumber());
    const modules = (await at.query.sla.modules.keys()).map((k) => k.args[0].toNumber());
    assert.ok(classes.includes(H100) && modules.length >= 3, `classes ${classes}, modules ${modules}`);
    const applied = new Map();
    for (const record of await at.call.slaApi.slashHistory(ferdie.address)) {
      if (record.at.toNumber() <= countedAfter) continue;
      const module = record.module.toNumber();
      const s = applied.get(module) ?? { count: 0n, taken: 0n };
      s.count += 1n;
      s.taken += record.taken.toBigInt();
      applied.set(module, s);
    }
    assert.equal(metrics.all('utc_sla_slashes_total').length, classes.length * modules.length, 'slash series');
    for (const c of classes) {
      for (const module of modules) {
        const { count, taken } = (c === H100 && applied.get(module)) || { count: 0n, taken: 0n };
        const labels = { class: c, module };
        assert.equal(metrics.int('utc_sla_slashes_total', labels), count, `slashes of class ${c} module ${module}`);
        assertScaled(metrics.num('utc_sla_slashed_amount_total', labels), taken, native,
          `slashed of class ${c} module ${module}`);
      }
    }
    return { height, disputes: disputes.length };
  }

  test('every family has HELP and TYPE; counters, and only they, end in _total', async () => {
    const metrics = await exporter.scrapeAt(tradedAt);
    assert.ok(metrics.types.size >= 25, `${metrics.types.size} families`);
    for (const [name, type] of metrics.types) {
      assert.ok(name.startsWith('utc_'), name);
      assert.ok(metrics.helps.get(name), `HELP of ${name}`);
      assert.ok(['gauge', 'counter'].includes(type), `${name} is a ${type}`);
      assert.equal(type === 'counter', name.endsWith('_total'), `${name} is a ${type}`);
    }
    for (const { name } of metrics.samples) assert.ok(metrics.types.has(name), `TYPE of ${name}`);
  });

  test('supply, best bid and ask and the volume traded before the exporter started', async () => {
    const metrics = await exporter.scrapeAt(tradedAt);
    await assertMatchesChain(metrics);
    const labels = { market, class: H100 };
    const native = api.registry.chainDecimals[0];
    const units = trades.reduce((sum, t) => sum + t.amount.toBigInt(), 0n);
    assert.equal(units, 400n);
    assertScaled(metrics.num('utc_market_volume_24h_tokens', labels), units, 3, 'volume in H100 tokens');
    assertScaled(metrics.num('utc_market_volume_24h_value', labels),
      trades.reduce((sum, t) => sum + t.price.toBigInt() * t.amount.toBigInt(), 0n), native, 'value in UNIT');
    assert.equal(metrics.int('utc_market_trades_24h', labels), 2n);
    assert.equal(metrics.int('utc_class_token_supply', { class: H100 }), 10_000n);
    // H100 has 3 decimals and UNIT 12: a bid of 1,900 ticks is 1.9 UNIT per H100 hour.
    assert.equal(native, 12);
    assert.equal(metrics.num('utc_market_best_bid_price', labels), 1.9);
    assert.equal(metrics.num('utc_market_best_ask_amount', labels), 0.2);
    assert.equal(metrics.int('utc_exporter_volume_window_complete'), 1n);
    assert.equal(metrics.int('utc_exporter_blocks_unreadable_total'), 0n);
  });

  test('jobs by state and an open dispute', async () => {
    const workload = (kind) => ({
      spec: kind === 'Command'
        ? { Command: { program: '/bin/sh', args: ['-c', 'true'], env: [] } }
        : { Container: { image: 'localhost/busybox:local', args: ['true'], env: [] } },
      input: null, output: null, gpus: 0, memoryMb: 64,
    });
    // Ferdie runs only commands: the container jobs stay pending; one is cancelled.
    const submitted = await submitAll(api, bob, [
      api.tx.federation.submitJob(H100, 100, [START], workload('Container'), START_DELAY),
      api.tx.federation.submitJob(H100, 100, [START], workload('Container'), START_DELAY),
      api.tx.federation.submitJob(H100, 200, [START, COMPLETION], workload('Command'), START_DELAY),
    ], 'jobs');
    jobs.push(...submitted.map((r) => r.events
      .find(({ event }) => api.events.federation.JobSubmitted.is(event)).event.data.job.toBigInt()));
    const [, cancelled, routed] = jobs;
    await submitAll(api, bob, [api.tx.federation.cancelJob(cancelled)], 'cancel');

    // The routing worker assigns the command job to Ferdie, whose node runs no
    // agent: Bob reports a breach while it is assigned.
    await events.wait('federation', 'JobAssigned', (d) => d.job.toBigInt() === routed, 60_000);
    const [reported] = await submitAll(api, bob, [
      api.tx.sla.reportViolation(ferdie.address, COMPLETION, routed, u8aToHex(new Uint8Array(32).fill(9))),
    ], 'report');
    const { deadline } = reported.events.find(({ event }) => api.events.sla.ViolationReported.is(event)).event.data;

    // The dispute is open until its deadline: the exporter shows it at a block before.
    const metrics = await exporter.scrapeAt(await blockNumber(api, reported.blockHash), {
      until: (m) => m.int('utc_sla_open_disputes', { class: H100 }) === 1n,
    });
    const { height, disputes } = await assertMatchesChain(metrics);
    assert.ok(height < deadline.toNumber(), `read at ${height}, the dispute's deadline is ${deadline}`);
    assert.equal(disputes, 1);
    assert.equal(metrics.int('utc_jobs', { class: H100, state: 'cancelled' }), 1n);
    assert.ok(metrics.int('utc_jobs', { class: H100, state: 'pending' }) >= 1n);
  });

  test('the missed start and the upheld dispute are slashed', async () => {
    // One slash for the missed start (module 1), one for the dispute that stood (module 2).
    const slashed = [];
    for (const module of [START, COMPLETION]) {
      const scheduled = await events.wait('sla', 'ViolationRecorded',
        (d) => d.provider.toString() === ferdie.address && d.module.toNumber() === module, 90_000);
      const { slash } = scheduled.event.data;
      slashed.push(await events.wait('sla', 'Slashed', (d) => d.slash.eq(slash), 60_000));
    }
    const metrics = await exporter.scrapeAt(Math.max(...slashed.map((s) => s.block)));
    await assertMatchesChain(metrics);
    for (const module of [START, COMPLETION]) {
      assert.equal(metrics.int('utc_sla_slashes_total', { class: H100, module }), 1n, `module ${module}`);
      assert.ok(metrics.num('utc_sla_slashed_amount_total', { class: H100, module }) > 0);
    }
    assert.equal(metrics.int('utc_sla_slashes_total', { class: H100, module: UPTIME }), 0n);
  });

  test('an exporter started after the node pruned the trades\' block reads back what it kept', async () => {
    // The trades' block falls out of the KEPT blocks whose state the node keeps.
    await waitFinalized(api, tradedAt + KEPT + 2, 120_000);
    const traded = await api.rpc.chain.getBlockHash(tradedAt);
    await assert.rejects(async () => (await api.at(traded)).query.system.events(), /State already discarded/i,
      'the node pruned the trades\' block');

    const late = await ExporterProcess.start(node.endpoint);
    try {
      const metrics = await late.scrapeAt(tradedAt + KEPT);
      const { height } = await assertMatchesChain(metrics, { countedAfter: Infinity });
      const labels = { market, class: H100 };
      assert.equal(metrics.int('utc_exporter_volume_window_complete'), 0n, 'the day is not whole');
      assert.equal(metrics.int('utc_market_trades_24h', labels), 0n, 'the pruned trades are not seen');
      assert.equal(metrics.num('utc_market_volume_24h_tokens', labels), 0);
      assert.equal(metrics.num('utc_market_volume_24h_value', labels), 0);
      // The slashes applied before it started are on chain; assertMatchesChain
      // found every counter at 0.
      const history = await (await api.at(await api.rpc.chain.getBlockHash(height))).call.slaApi.slashHistory(ferdie.address);
      assert.equal(history.length, 2);
    } finally {
      await late.stop();
    }
  });

  test('the dashboard queries only metrics that the exporter, utc-agent and the node export', async () => {
    const dashboard = JSON.parse(await readFile(new URL('../../grafana/utc-chain.json', import.meta.url), 'utf8'));
    assert.ok(dashboard.__inputs.some((i) => i.name === 'DS_PROMETHEUS' && i.pluginId === 'prometheus'));
    const queries = [];
    (function walk(value) {
      if (Array.isArray(value)) value.forEach(walk);
      else if (value && typeof value === 'object') {
        for (const [key, v] of Object.entries(value)) {
          if ((key === 'expr' || key === 'definition') && typeof v === 'string') queries.push(v);
          else walk(v);
        }
      }
    })(dashboard);
    assert.ok(queries.length >= 30, `${queries.length} queries`);

    const exporterNames = new Set((await exporter.scrape()).types.keys());
    assert.ok(exporterNames.has('utc_exporter_blocks_unreadable_total'));
    const nodeMetrics = await scrape(`http://127.0.0.1:${node.prometheusPort}/metrics`);
    const nodeNames = new Set(nodeMetrics.samples.map((s) => s.name));
    const agentNames = await agentMetricNames();
    assert.ok(agentNames.has('utc_agent_jobs') && agentNames.has('utc_agent_job_run_seconds_bucket'));
    const used = new Set();
    for (const query of queries) {
      const names = query.match(/\b(?:utc|substrate)_\w+/g) ?? [];
      assert.ok(names.length > 0, `no metric in ${query}`);
      for (const name of names) {
        const known = name.startsWith('utc_agent_') ? agentNames
          : name.startsWith('utc_') ? exporterNames : nodeNames;
        assert.ok(known.has(name), `${name} (in ${query}) is not exported`);
        used.add(name);
      }
    }
    for (const name of exporterNames) assert.ok(used.has(name), `no panel shows ${name}`);
  });

  test('without its node the exporter is down and withholds the chain\'s figures', async () => {
    events.unsubscribe();
    await api.disconnect();
    [events, api] = [null, null];
    await node.stop();
    const deadline = Date.now() + 10_000;
    let metrics = await exporter.scrape();
    while (metrics.int('utc_exporter_up') !== 0n && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      metrics = await exporter.scrape();
    }
    assert.equal(metrics.int('utc_exporter_up'), 0n);
    assert.equal(metrics.all('utc_chain_height').length, 0);
  });
});

/**
 * The metric names utc-agent exports, read from agent/src/metrics.rs: each
 * `# TYPE` line's family, and a histogram's `_bucket`, `_sum` and `_count`.
 */
async function agentMetricNames() {
  const source = await readFile(new URL('../../../agent/src/metrics.rs', import.meta.url), 'utf8');
  const names = new Set();
  for (const [, name] of source.matchAll(/# TYPE (utc_agent_\w+) (?:gauge|counter)/g)) names.add(name);
  for (const [, name] of source.matchAll(/histogram\(\s*&mut out,\s*"(utc_agent_\w+)"/g)) {
    for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
  }
  return names;
}

/** The number of the block `hash`. */
async function blockNumber(api, hash) {
  return (await api.rpc.chain.getHeader(hash)).number.toNumber();
}
