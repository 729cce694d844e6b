// Resilience of a four-validator network (Alice, Bob, Charlie, Dave on the
// `local` chain, ten-minute sessions so that no validator is removed as offline
// while the scenarios run). Each test is one scenario with its own pass line:
//   1. one of four validators killed: finality continues;
//   2. a second killed: blocks are still authored, finality stalls;
//   3. both started again: finality recovers, each restarted node continuing
//      from its own database (no genesis initialisation, its best block at
//      least where it was killed);
//   4. a validator killed while 200 signed transfers and orders are in flight:
//      no finalized block is lost, every transaction lands exactly once (the
//      ones only the killed node had are submitted again, as a client does),
//      and the balances reconcile to the planck.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { submit } from '../e2e/node.mjs';
import { LocalNetwork, heights, waitFor } from './net.mjs';

const UNIT = 10n ** 12n;
const TICK = 1_000_000n;

describe('four validators, killed and started again', () => {
  let net;
  let api;
  const killedAt = {};

  const step = (what, body) => net.step(what, body);

  before(async () => {
    await cryptoWaitReady();
    net = new LocalNetwork({ sessionLength: 100 });
    for (const name of ['alice', 'bob', 'charlie', 'dave']) await net.start(name);
    api = await net.nodes.alice.connect();
    await step('the network finalizes', () =>
      waitFor('finalized #2', async () => (await heights(api)).finalized >= 2, 120_000));
  });

  after(async () => {
    await api?.disconnect();
    await net?.stop();
  });

  test('one of four validators killed: finality continues', () => step('dave killed', async () => {
    killedAt.dave = (await heights(api)).best;
    await net.nodes.dave.kill();
    const { finalized } = await heights(api);
    await waitFor(`finality past #${finalized + 3}`,
      async () => (await heights(api)).finalized >= finalized + 3, 120_000);
  }));

  test('a second validator killed: blocks are authored, finality stalls', () => step('charlie killed', async () => {
    killedAt.charlie = (await heights(api)).best;
    await net.nodes.charlie.kill();
    // Votes already cast may still finalize a block; after the next block none can.
    const settled = (await heights(api)).best + 1;
    await waitFor(`block #${settled}`, async () => (await heights(api)).best >= settled, 60_000);
    const stalled = await heights(api);
    await waitFor(`block #${stalled.best + 3} from Alice and Bob`,
      async () => (await heights(api)).best >= stalled.best + 3, 120_000);
    const now = await heights(api);
    assert.equal(now.finalized, stalled.finalized,
      `finality moved from #${stalled.finalized} to #${now.finalized} with two of four validators`);
  }));

  test('both started again: finality recovers, each on its own database', () => step('restart', async () => {
    const { best } = await heights(api);
    for (const name of ['charlie', 'dave']) {
      const node = await net.start(name);
      const line = await node.waitForLog(/Highest known block at #\d+/, 60_000);
      const known = Number(line.match(/#(\d+)/)[1]);
      assert.ok(known >= killedAt[name],
        `${name} restarted at #${known}, below #${killedAt[name]} where it was killed`);
      assert.ok(!node.log.some((l) => /Initializing Genesis/.test(l)), `${name} initialised genesis again`);
    }
    await waitFor(`finality past #${best}`, async () => (await heights(api)).finalized >= best, 180_000);
    for (const name of ['charlie', 'dave']) {
      const other = await net.nodes[name].connect();
      try {
        await waitFor(`${name} to finalize #${best}`, async () => (await heights(other)).finalized >= best, 120_000);
      } finally {
        await other.disconnect();
      }
    }
  }));

  test('a validator killed with 200 transfers and orders in flight: nothing is lost', () => step('in flight', async () => {
    const keyring = new Keyring({ type: 'sr25519' });
    const alice = keyring.addFromUri('//Alice');
    const senders = ['Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie', 'Bob//stash', 'Charlie//stash', 'Dave//stash']
      .map((name) => keyring.addFromUri(`//${name}`));

    let r = await submit(api, api.tx.sudo.sudo(api.tx.orderbook.createMarket(0, TICK, 1, 1, 0, 0)), alice);
    assert.equal(r.error, null);
    const market = r.events.find(({ event }) => api.events.orderbook.MarketCreated.is(event)).event.data.market;

    // 200 immortal transactions, signed ahead with each sender's next nonces:
    // even ones transfer to a fresh account, odd ones rest a bid.
    const nonces = new Map();
    for (const s of senders) nonces.set(s.address, (await api.rpc.system.accountNextIndex(s.address)).toNumber());
    const startNonces = new Map(nonces);
    const txs = [];
    for (let i = 0; i < 200; i++) {
      const sender = senders[i % senders.length];
      const nonce = nonces.get(sender.address);
      nonces.set(sender.address, nonce + 1);
      const recipient = keyring.addFromUri(`//InFlight/${i}`).address;
      const amount = UNIT + BigInt(i);
      const call = i % 2 === 0
        ? api.tx.balances.transferKeepAlive(recipient, amount)
        : api.tx.orderbook.placeOrder(market, 'Bid', TICK * BigInt(100_000 + i), 1_000, 'Gtc', null, 8);
      const signed = await call.signAsync(sender, { nonce, era: 0 });
      txs.push({ i, hex: signed.toHex(), hash: signed.hash.toHex(), recipient: i % 2 === 0 ? recipient : null, amount });
    }

    const from = (await heights(api)).best;
    const finalizedBefore = (await heights(api)).finalized;
    const finalizedHash = (await api.rpc.chain.getBlockHash(finalizedBefore)).toHex();

    // Resubmissions go straight to Alice's node: a transaction it already holds
    // is answered "already imported", which is fine.
    const resubmit = new WsProvider(net.nodes.alice.endpoint);
    await resubmit.isReady;

    // The first half goes to Bob's node, which is killed; the rest to Alice's.
    const bob = await net.nodes.bob.connect();
    for (const tx of txs.slice(0, 100)) await bob.rpc.author.submitExtrinsic(tx.hex);
    await bob.disconnect();
    killedAt.bob = (await heights(api)).best;
    await net.nodes.bob.kill();
    for (const tx of txs.slice(100)) await api.rpc.author.submitExtrinsic(tx.hex);
    await net.start('bob');

    // Count each transaction's inclusions in the finalized chain; resubmit the
    // ones no node has any more (a sender's nonce still below them, nothing pending).
    const seen = new Map();
    let scanned = from;
    const scan = async () => {
      const { finalized } = await heights(api);
      for (; scanned <= finalized; scanned++) {
        const block = await api.rpc.chain.getBlock(await api.rpc.chain.getBlockHash(scanned));
        for (const ex of block.block.extrinsics) {
          const hash = ex.hash.toHex();
          seen.set(hash, (seen.get(hash) ?? 0) + 1);
        }
      }
      return txs.every((tx) => seen.has(tx.hash));
    };
    let resubmitted = 0;
    await waitFor('all 200 transactions finalized', async () => {
      if (await scan()) return true;
      const pending = new Set((await api.rpc.author.pendingExtrinsics()).map((ex) => ex.hash.toHex()));
      for (const tx of txs) {
        if (seen.has(tx.hash) || pending.has(tx.hash)) continue;
        await resubmit.send('author_submitExtrinsic', [tx.hex]).then(() => resubmitted++, () => {});
      }
      return false;
    }, 300_000);
    await resubmit.disconnect();
    console.log(`# in flight: 200 finalized, ${resubmitted} submitted again after Bob was killed`);

    for (const tx of txs) assert.equal(seen.get(tx.hash), 1, `transaction ${tx.i} included ${seen.get(tx.hash)} times`);
    for (const tx of txs.filter((t) => t.recipient)) {
      const free = (await api.query.system.account(tx.recipient)).data.free.toBigInt();
      assert.equal(free, tx.amount, `recipient of transfer ${tx.i}`);
    }
    for (const s of senders) {
      const sent = txs.filter((t) => senders[t.i % senders.length] === s).length;
      assert.equal((await api.rpc.system.accountNextIndex(s.address)).toNumber(), startNonces.get(s.address) + sent);
    }
    const orders = (await api.query.orderbook.openOrders.entries()).length;
    assert.ok(orders >= 100, `${orders} resting orders, expected the 100 bids`);

    // Bob, started again, has the blocks finalized before the kill.
    const bobAgain = await net.nodes.bob.connect();
    try {
      assert.equal((await bobAgain.rpc.chain.getBlockHash(finalizedBefore)).toHex(), finalizedHash);
      await waitFor('Bob to finalize the transactions',
        async () => (await heights(bobAgain)).finalized >= scanned - 1, 120_000);
    } finally {
      await bobAgain.disconnect();
    }
  }));
});
