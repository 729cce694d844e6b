// Redeeming UTC for real jobs: a provider node (utc-node --dev with offchain
// workers) hands its jobs to a real utc-agent, which runs them in its sandbox.
// A holder buys UTC on the order book and submits jobs; the routing worker assigns
// them; the provider's worker reports them. A job that completes settles its
// metered usage and refunds the rest; a failing job and a job whose agent is down
// past the start deadline are violations, slashed to the owner, and refunded; a
// cancelled pending job refunds exactly.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { Agent } from './agent.mjs';
import {
  EventWatch, ownedTokens, serveProvider, startNode, submit, waitFinalized,
} from './node.mjs';

const H100 = 0;
// The dev chain's modules: 0 uptime (every provider's), 1 start within 3 blocks, 2 completion.
const START = 1;
const COMPLETION = 2;
const UNIT = 10n ** 12n;
const TICK = 1_000_000n;
const START_DELAY = 4;
const HOUR_MS = 3_600_000;

describe('pallet-federation with utc-node --dev and utc-agent', () => {
  let agent;
  let node;
  let api;
  let alice;
  let ferdie;
  let operator;
  let bob;
  let events;

  /** Waits for an event of `section.name` matching `filter`; fails with the node's log. */
  const waitEvent = (section, name, filter, timeoutMs = 120_000) =>
    events.wait(section, name, filter, timeoutMs).catch((error) => node.fail(error.message));

  // Bought units land in the trading account; a job draws on it.
  const tokens = (who) => ownedTokens(api, H100, who);
  const free = async (who) => (await api.query.system.account(who)).data.free.toBigInt();
  const ok = (r, what) => assert.equal(r.error, null, `${what}: ${JSON.stringify(r.error)}`);

  /** Submits a job of `units` running `script`; its id. */
  async function submitJob(units, script, { modules = [START, COMPLETION], kind = 'Command' } = {}) {
    const spec = kind === 'Command'
      ? { Command: { program: '/bin/sh', args: ['-c', script], env: [] } }
      : { Container: { image: 'localhost/busybox:local', args: ['sh', '-c', script], env: [] } };
    const workload = { spec, input: null, output: null, gpus: 0, memoryMb: 64 };
    const r = await submit(api, api.tx.federation.submitJob(H100, units, modules, workload, START_DELAY), bob);
    ok(r, 'submit_job');
    const submitted = r.events.find(({ event }) => api.events.federation.JobSubmitted.is(event));
    return submitted.event.data.job.toBigInt();
  }

  before(async () => {
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519' });
    alice = keyring.addFromUri('//Alice');
    ferdie = keyring.addFromUri('//Ferdie');
    operator = keyring.addFromUri('//Ferdie//operator');
    bob = keyring.addFromUri('//Bob');
    const attestor = keyring.addFromUri('//Attestor');

    agent = new Agent();
    const url = await agent.start();
    node = await startNode({ args: ['--dev', '--agent-url', url, '--agent-token-file', agent.tokenFile] });
    await node.waitForLog(/hand jobs to the agent at http:\/\/127\.0\.0\.1/, 10_000);
    api = await node.connect();
    events = await EventWatch.start(api);
    await waitFinalized(api, 1, 60_000);

    // The operator key lives in the provider node's keystore; the provider stays cold.
    await api.rpc.author.insertKey('utcp', '//Ferdie//operator', u8aToHex(operator.publicKey));
    // Ferdie registers, bonds for all three modules, is attested and mints 10 hours.
    await serveProvider(api, {
      provider: ferdie, operator, attestor, name: 'Ferdie GPUs', cls: H100, units: 10_000,
      modules: [START, COMPLETION], bond: 100n * UNIT, nonce: 90,
    });

    // Bob buys 5 hours on the order book.
    let r = await submit(api, api.tx.sudo.sudo(
      api.tx.orderbook.createMarket(H100, TICK, 1, 1, 1_000, 3_000)), alice);
    ok(r, 'market');
    const market = r.events.find(({ event }) => api.events.orderbook.MarketCreated.is(event))
      .event.data.market.toNumber();
    ok(await submit(api, api.tx.orderbook.placeOrder(market, 'Ask', 2_000n * TICK, 5_000, 'Gtc', null, 8), ferdie), 'ask');
    ok(await submit(api, api.tx.orderbook.placeOrder(market, 'Bid', 2_000n * TICK, 5_000, 'Ioc', null, 8), bob), 'bid');
    assert.equal(await tokens(bob.address), 5_000n);

    // The provider node's worker beats for Ferdie while the agent is healthy.
    await waitEvent('federation', 'Heartbeat', (d) => d.provider.toString() === ferdie.address);
  });

  after(async () => {
    events?.unsubscribe();
    await api?.disconnect();
    await node?.stop();
    await agent?.close();
  });

  test('a cancelled pending job refunds exactly', async () => {
    // A container job: Ferdie runs only commands, so it stays pending.
    const before = await tokens(bob.address);
    const job = await submitJob(700, 'true', { kind: 'Container' });
    assert.equal(await tokens(bob.address), before - 700n);
    const r = await submit(api, api.tx.federation.cancelJob(job), bob);
    ok(r, 'cancel');
    assert.equal(await tokens(bob.address), before);
    const view = await api.call.federationApi.job(job);
    assert.ok(view.unwrap().state.isCancelled);
  });

  test('a routed job runs on the agent and settles its metered usage', async () => {
    const before = await tokens(bob.address);
    const job = await submitJob(1_000, 'echo "compute is liquid" > /out/result.txt; sleep 4');
    const assigned = await waitEvent('federation', 'JobAssigned', (d) => d.job.toBigInt() === job);
    assert.equal(assigned.event.data.provider.toString(), ferdie.address);
    await waitEvent('federation', 'JobStarted', (d) => d.job.toBigInt() === job);
    const done = (await waitEvent('federation', 'JobCompleted', (d) => d.job.toBigInt() === job)).event.data;

    // What the chain settled is what the agent measured, in thousandths of an
    // hour rounded down, and the output's hash is the agent's.
    const { status, body } = await agent.job(job);
    assert.equal(status, 200);
    assert.equal(body.state, 'completed');
    assert.ok(body.usage.wall_ms >= 4_000, `wall ${body.usage.wall_ms}`);
    const usage = BigInt(Math.floor((body.usage.wall_ms * 1_000) / HOUR_MS));
    assert.equal(done.usage.toBigInt(), usage);
    assert.equal(done.refunded.toBigInt(), 1_000n - usage);
    assert.equal(done.resultHash.toHex(), body.result_hash);
    assert.notEqual(body.result_hash, '0x' + '00'.repeat(32));
    assert.equal(await tokens(bob.address), before - usage);
    const view = (await api.call.federationApi.job(job)).unwrap();
    assert.ok(view.state.isCompleted);
    assert.deepEqual(view.history.map(([, e]) => e.type), ['Submitted', 'Assigned', 'Started', 'Completed']);
    const reputation = await api.call.federationApi.reputation(ferdie.address);
    assert.ok(reputation.score.toNumber() > 500, `reputation ${reputation.score}`);
  });

  test('a failing job is a violation: the owner is compensated from the bond and refunded', async () => {
    const tokensBefore = await tokens(bob.address);
    const freeBefore = await free(bob.address);
    const job = await submitJob(1_000, 'echo broken >&2; exit 3');
    const breached = (await waitEvent('federation', 'JobBreached', (d) => d.job.toBigInt() === job)).event.data;
    assert.ok(breached.breach.isFailed);
    assert.equal(breached.module.toNumber(), COMPLETION);
    assert.ok(breached.violation.isTrue);
    const failed = (await waitEvent('federation', 'JobFailed', (d) => d.job.toBigInt() === job)).event.data;
    assert.match(failed.reason.toUtf8(), /exit/);
    // Ferdie was the only provider: nobody takes the re-routed job in time.
    await waitEvent('federation', 'JobRefunded', (d) => d.job.toBigInt() === job);
    assert.equal(await tokens(bob.address), tokensBefore);
    const slashed = (await waitEvent('sla', 'Slashed',
      (d) => d.provider.toString() === ferdie.address && d.toOwner.toBigInt() > 0n)).event.data;
    assert.ok(await free(bob.address) >= freeBefore + slashed.toOwner.toBigInt() - UNIT / 100n,
      'the owner received the compensation (less fees)');
  });

  test('a job whose agent is down past the start deadline is a violation and refunded', async () => {
    const slashesBefore = events.all('sla', 'Slashed').length;
    await agent.stop();
    const tokensBefore = await tokens(bob.address);
    const job = await submitJob(500, 'echo never');
    const assigned = await waitEvent('federation', 'JobAssigned', (d) => d.job.toBigInt() === job);
    const breached = (await waitEvent('federation', 'JobBreached', (d) => d.job.toBigInt() === job)).event.data;
    assert.ok(breached.breach.isMissedStart);
    assert.equal(breached.module.toNumber(), START);
    const at = events.all('federation', 'JobBreached', (d) => d.job.toBigInt() === job)[0].block;
    assert.equal(at, assigned.block + START_DELAY + 1);
    await waitEvent('federation', 'JobRefunded', (d) => d.job.toBigInt() === job);
    assert.equal(await tokens(bob.address), tokensBefore);
    await waitEvent('sla', 'Slashed', () =>
      events.all('sla', 'Slashed').length > slashesBefore);
  });
});
