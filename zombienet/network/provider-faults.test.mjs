// Provider faults on a local network: Alice, Bob, Charlie and Dave validate and
// route jobs; Ferdie and Eve each run a provider node (not a validator, offchain
// worker on) with a real utc-agent beside it. Their jobs name a completion
// module of six blocks per hour of compute, so a missed deadline shows within a
// minute. Each test is one scenario with its own pass line:
//   1. the agent running a job is killed and started again: the job ran on
//      meanwhile, and its outcome reaches the chain and settles once, on time;
//   2. the provider node running a job is killed: the job misses its completion
//      deadline, the breach is a violation slashed from the provider's bond, and
//      the job is re-routed to the other provider, whose agent runs it and whose
//      node settles it.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { Agent } from '../e2e/agent.mjs';
import { EventWatch, serveProvider, submitOk } from '../e2e/node.mjs';
import { LocalNetwork, heights, waitFor } from './net.mjs';

const H100 = 0;
// The local chain's module 1: a start within 3 blocks of assignment.
const START = 1;
const UNIT = 10n ** 12n;
const MILLI_UNIT = UNIT / 1_000n;
const START_DELAY = 4;
const RUN_BLOCKS = 6;
const PROVIDERS = ['ferdie', 'eve'];

describe('provider faults: an agent and a provider node killed mid-job', () => {
  let net;
  let api;
  let events;
  let fast;
  const agents = {};
  const accounts = {};

  const step = (what, body) => net.step(what, body);
  const ok = (what, tx, signer) => submitOk(api, tx, signer, what);
  const nameOf = (address) => PROVIDERS.find((name) => accounts[name].address === address);

  /** Bob redeems one hour (1,000 units) for `script`, under the start and the fast completion module. */
  async function submitJob(script) {
    const workload = { spec: { Command: { program: '/bin/sh', args: ['-c', script], env: [] } }, input: null, output: null, gpus: 0, memoryMb: 64 };
    const r = await ok('submit_job',
      api.tx.federation.submitJob(H100, 1_000, [START, fast], workload, START_DELAY), accounts.bob);
    return r.events.find(({ event }) => api.events.federation.JobSubmitted.is(event)).event.data.job.toBigInt();
  }

  /** Waits until `job` runs on chain and in its provider's agent; the provider's name. */
  async function running(job) {
    const started = await events.wait('federation', 'JobStarted', (d) => d.job.toBigInt() === job);
    const name = nameOf(started.event.data.provider.toString());
    const { body } = await agents[name].job(job);
    assert.equal(body.state, 'running', `${name}'s agent says the job is ${body.state}`);
    return { name, started };
  }

  before(async () => {
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519' });
    for (const name of ['alice', 'bob', ...PROVIDERS]) {
      accounts[name] = keyring.addFromUri(`//${name[0].toUpperCase()}${name.slice(1)}`);
    }
    const attestor = keyring.addFromUri('//Attestor');
    // Twelve-minute sessions: nobody is judged offline meanwhile, and the genesis
    // differs from the resilience tests' network, which may run at the same time.
    net = new LocalNetwork({ sessionLength: 120 });
    for (const name of ['alice', 'bob', 'charlie', 'dave']) await net.start(name);
    api = await net.nodes.alice.connect();
    events = await EventWatch.start(api);

    await step('the providers\' nodes run beside their agents', async () => {
      for (const name of PROVIDERS) {
        agents[name] = new Agent();
        await agents[name].start();
        const node = await net.startProvider(name, agents[name]);
        const operator = keyring.addFromUri(`//${name}//operator`);
        const local = await node.connect();
        await local.rpc.author.insertKey('utcp', `//${name}//operator`, u8aToHex(operator.publicKey));
        await local.disconnect();
        accounts[`${name} operator`] = operator;
      }
      await waitFor('finalized #2', async () => (await heights(api)).finalized >= 2, 120_000);
    });

    await step('governance defines a completion module of six blocks per hour', async () => {
      const penalty = { minRate: 100_000_000, maxRate: 1_000_000_000, compensationPerUnit: MILLI_UNIT / 2n };
      const r = await ok('define_module', api.tx.sudo.sudo(api.tx.sla.defineModule(
        { CompletionTime: { maxBlocksPerUnit: RUN_BLOCKS } }, MILLI_UNIT / 2n, penalty)), accounts.alice);
      const defined = r.events.find(({ event }) => api.events.sla.ModuleDefined.is(event));
      assert.ok(defined, 'no sla.ModuleDefined: the sudo call failed');
      fast = defined.event.data.module.toNumber();
    });

    await step('Ferdie and Eve serve, each attested for and minting 10 hours', () => Promise.all(
      PROVIDERS.map((name, i) => serveProvider(api, {
        provider: accounts[name], operator: accounts[`${name} operator`], attestor, name,
        cls: H100, units: 10_000, modules: [START, fast], bond: 100n * UNIT, nonce: i + 1,
      }))));

    await step('Bob holds 2 hours, and both providers\' nodes beat', async () => {
      await ok('transfer', api.tx.assets.transferKeepAlive(H100, accounts.bob.address, 2_000), accounts.ferdie);
      for (const name of PROVIDERS) {
        await events.wait('federation', 'Heartbeat', (d) => d.provider.toString() === accounts[name].address);
      }
    });
  });

  after(async () => {
    events?.unsubscribe();
    await api?.disconnect();
    await net?.stop();
    for (const agent of Object.values(agents)) await agent.close();
  });

  test('the agent killed mid-job and started again: the outcome reaches the chain once', () => step('agent killed', async () => {
    const job = await submitJob('sleep 15; echo done');
    const { name, started } = await running(job);
    const agent = agents[name];
    await agent.kill();
    // The job ends while its agent is down; the provider node cannot ask meanwhile.
    await waitFor('three blocks without the agent',
      async () => (await heights(api)).best >= started.block + 3, 60_000);
    await agent.start();
    const done = await events.wait('federation', 'JobCompleted', (d) => d.job.toBigInt() === job);
    assert.equal(nameOf(done.event.data.provider.toString()), name);
    assert.ok(done.block <= started.event.data.completeBy.toNumber(), 'settled after the deadline');
    const { body } = await agent.job(job);
    assert.equal(body.state, 'completed', `the agent says ${JSON.stringify(body)}`);
    assert.equal(done.event.data.resultHash.toHex(), body.result_hash, 'the settled result is not the agent\'s');
    assert.equal(events.all('federation', 'JobCompleted', (d) => d.job.toBigInt() === job).length, 1);
    assert.equal(events.all('federation', 'JobBreached', (d) => d.job.toBigInt() === job).length, 0);
  }));

  test('the provider node killed mid-job: a violation, and the job re-routed to the other provider', () => step('provider node killed', async () => {
    const job = await submitJob('sleep 15; echo done');
    const { name, started } = await running(job);
    const other = PROVIDERS.find((n) => n !== name);
    await net.nodes[name].kill();
    const breached = await events.wait('federation', 'JobBreached', (d) => d.job.toBigInt() === job);
    assert.ok(breached.event.data.breach.isMissedCompletion, `breach ${breached.event.data.breach.type}`);
    assert.equal(breached.block, started.event.data.completeBy.toNumber(), 'breached off its deadline');
    assert.equal(nameOf(breached.event.data.provider.toString()), name);
    assert.equal(breached.event.data.module.toNumber(), fast);
    assert.ok(breached.event.data.violation.isTrue, 'the breach was not recorded as a violation');
    await events.wait('federation', 'JobRerouted', (d) => d.job.toBigInt() === job && d.attempt.toNumber() === 1);
    const assigned = await events.wait('federation', 'JobAssigned',
      (d) => d.job.toBigInt() === job && d.provider.toString() === accounts[other].address);
    assert.ok(assigned.block > breached.block);
    const done = await events.wait('federation', 'JobCompleted', (d) => d.job.toBigInt() === job);
    assert.equal(nameOf(done.event.data.provider.toString()), other);
    const { body } = await agents[other].job(job);
    assert.equal(done.event.data.resultHash.toHex(), body.result_hash, `the settled result is not ${other}'s agent's`);
    await events.wait('sla', 'Slashed', (d) => d.provider.toString() === accounts[name].address);
  }));
});
