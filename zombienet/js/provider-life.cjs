// The whole life of a compute unit on the network, run against the provider's
// node (the node this step names): a real utc-agent is started beside it and the
// node pointed at it (the agent's URL and token in its offchain storage, the
// operator key in its keystore, as `utc-node --agent-url` and `key insert` do);
// governance trusts an attestor; Ferdie registers, bonds and subscribes, is
// attested and mints; he asks on the order book and Bob's crossing bid buys; Bob
// redeems for a job that the validators' workers route to Ferdie, Ferdie's agent
// runs, and the chain settles at the metered usage; a failing job is a violation
// whose slash compensates Bob. Returns 1 when all of it happened.
const { stringToHex, u8aToHex } = require('@polkadot/util');
const { cryptoWaitReady } = require('@polkadot/util-crypto');
const { connect, dev, submit } = require('./lib.cjs');

const H100 = 0;
const START = 1;
const COMPLETION = 2;
const UNIT = 10n ** 12n;
const TICK = 1_000_000n;
const START_DELAY = 4;

async function run(nodeName, networkInfo) {
  await cryptoWaitReady();
  const { Agent } = await import('../e2e/agent.mjs');
  const { EventWatch, ownedTokens, serveProvider } = await import('../e2e/node.mjs');
  const { api } = await connect(networkInfo, nodeName);
  const agent = new Agent();
  let events;
  const step = async (what, body) => {
    try {
      const value = await body();
      console.log(`provider life: ${what}`);
      return value;
    } catch (error) {
      throw new Error(`${what}: ${error.message}`);
    }
  };
  const ok = (what, tx, signer) => submit(api, tx, signer, what);
  const event = (section, name, filter) => events.wait(section, name, filter, 180_000);
  // Bought units land in the trading account; a job draws on it.
  const tokens = (who) => ownedTokens(api, H100, who);

  try {
    events = await EventWatch.start(api);
    const alice = dev('alice');
    const ferdie = dev('ferdie');
    const bob = dev('bob');
    const { Keyring } = require('@polkadot/keyring');
    const keyring = new Keyring({ type: 'sr25519' });
    const operator = keyring.addFromUri('//Ferdie//operator');
    const attestor = keyring.addFromUri('//Attestor');

    await step('the agent runs beside the provider node, which hands it jobs', async () => {
      const url = await agent.start();
      await api.rpc.offchain.localStorageSet('PERSISTENT', stringToHex('utc::agent_url'), stringToHex(url));
      await api.rpc.offchain.localStorageSet('PERSISTENT', stringToHex('utc::agent_token'), stringToHex(agent.token));
      await api.rpc.author.insertKey('utcp', '//Ferdie//operator', u8aToHex(operator.publicKey));
    });

    await step('Ferdie is registered, bonded, subscribed, attested and mints 10 hours', async () => {
      await serveProvider(api, {
        provider: ferdie, operator, attestor, name: 'Ferdie GPUs', cls: H100, units: 10_000,
        modules: [START, COMPLETION], bond: 100n * UNIT, nonce: 1,
      });
      if (await tokens(ferdie.address) !== 10_000n) throw new Error('Ferdie does not hold the 10 hours minted');
    });

    await step('Ferdie asks, Bob\'s crossing bid buys 5 hours', async () => {
      const r = await ok('market', api.tx.sudo.sudo(api.tx.orderbook.createMarket(H100, TICK, 1, 1, 1_000, 3_000)), alice);
      const market = r.events.find(({ event: e }) => api.events.orderbook.MarketCreated.is(e)).event.data.market;
      await ok('ask', api.tx.orderbook.placeOrder(market, 'Ask', 2_000n * TICK, 5_000, 'Gtc', null, 8), ferdie);
      await ok('bid', api.tx.orderbook.placeOrder(market, 'Bid', 2_100n * TICK, 5_000, 'Ioc', null, 8), bob);
      if (await tokens(bob.address) !== 5_000n) throw new Error(`Bob holds ${await tokens(bob.address)}, not 5,000`);
    });

    await step('the provider node beats for Ferdie', () =>
      event('federation', 'Heartbeat', (d) => d.provider.toString() === ferdie.address));

    const submitJob = async (units, script) => {
      const workload = { spec: { Command: { program: '/bin/sh', args: ['-c', script], env: [] } }, input: null, output: null, gpus: 0, memoryMb: 64 };
      const r = await ok('submit_job', api.tx.federation.submitJob(H100, units, [START, COMPLETION], workload, START_DELAY), bob);
      return r.events.find(({ event: e }) => api.events.federation.JobSubmitted.is(e)).event.data.job.toBigInt();
    };

    await step('a job is routed by the validators, run by Ferdie\'s agent and settled', async () => {
      const before = await tokens(bob.address);
      const job = await submitJob(1_000, 'echo "compute is liquid"; sleep 2');
      const assigned = await event('federation', 'JobAssigned', (d) => d.job.toBigInt() === job);
      if (assigned.event.data.provider.toString() !== ferdie.address) throw new Error('assigned to someone else');
      const done = (await event('federation', 'JobCompleted', (d) => d.job.toBigInt() === job)).event.data;
      const { status, body } = await agent.job(job);
      if (status !== 200 || body.state !== 'completed') throw new Error(`the agent says ${status} ${JSON.stringify(body)}`);
      if (done.resultHash.toHex() !== body.result_hash) throw new Error('the settled result is not the agent\'s');
      const usage = done.usage.toBigInt();
      if (await tokens(bob.address) !== before - usage) throw new Error('Bob was not refunded all but the usage');
    });

    await step('a failing job is a violation: Bob is compensated from Ferdie\'s bond', async () => {
      const job = await submitJob(1_000, 'echo broken >&2; exit 3');
      const breached = (await event('federation', 'JobBreached', (d) => d.job.toBigInt() === job)).event.data;
      if (!breached.breach.isFailed) throw new Error(`breach ${breached.breach.type}`);
      await event('federation', 'JobRefunded', (d) => d.job.toBigInt() === job);
      await event('sla', 'Slashed', (d) => d.provider.toString() === ferdie.address && d.toOwner.toBigInt() > 0n);
    });
    return 1;
  } finally {
    events?.unsubscribe();
    await agent.close();
    await api.disconnect();
  }
}

module.exports = { run };
