// The foundation, as a user sees it: a dev node that authors and finalizes,
// balance transfers with polkadot.js, specific errors, metadata and chain
// properties, and bad input that harms nothing. (The command line's own
// errors are tested in node/tests/cli.rs.)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { openDevNode, submit, waitFinalized } from './node.mjs';

const UNIT = 10n ** 12n;

describe('utc-node --dev', () => {
  let dev;
  let node;
  let api;
  let alice;
  let bob;
  let ferdie;

  before(async () => {
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519' });
    alice = keyring.addFromUri('//Alice');
    bob = keyring.addFromUri('//Bob');
    ferdie = keyring.addFromUri('//Ferdie');
    dev = await openDevNode();
    ({ node, api } = dev);
  });

  after(async () => {
    if (dev) {
      const exit = await dev.close();
      assert.equal(exit.signal ?? 'exit', 'exit', `utc-node was killed: ${JSON.stringify(exit)}`);
    }
  });

  test('finalizes blocks', async () => {
    const height = await waitFinalized(api, 3, 90_000);
    assert.ok(height >= 3);
  });

  test('transfers balance from Alice to Bob', async () => {
    const amount = 123n * UNIT;
    const aliceBefore = (await api.query.system.account(alice.address)).data.free.toBigInt();
    const bobBefore = (await api.query.system.account(bob.address)).data.free.toBigInt();

    const { blockHash, events, error } = await submit(
      api, api.tx.balances.transferKeepAlive(bob.address, amount), alice);
    assert.equal(error, null);

    const transfer = events.find(({ event }) => api.events.balances.Transfer.is(event));
    assert.ok(transfer, 'a Transfer event');
    assert.equal(transfer.event.data.from.toString(), alice.address);
    assert.equal(transfer.event.data.to.toString(), bob.address);
    assert.equal(transfer.event.data.amount.toBigInt(), amount);
    const feePaid = events.find(({ event }) => api.events.transactionPayment.TransactionFeePaid.is(event));
    assert.ok(feePaid, 'a TransactionFeePaid event');
    const fee = feePaid.event.data.actualFee.toBigInt();
    assert.ok(fee > 0n);

    const at = await api.at(blockHash);
    const aliceAfter = (await at.query.system.account(alice.address)).data.free.toBigInt();
    const bobAfter = (await at.query.system.account(bob.address)).data.free.toBigInt();
    assert.equal(bobAfter, bobBefore + amount);
    assert.equal(aliceAfter, aliceBefore - amount - fee);
  });

  test('a transfer beyond the balance fails with FundsUnavailable and moves nothing', async () => {
    const ferdieBefore = (await api.query.system.account(ferdie.address)).data.free.toBigInt();
    const { blockHash, error } = await submit(
      api, api.tx.balances.transferKeepAlive(bob.address, ferdieBefore * 2n), ferdie);
    assert.deepEqual(error, { section: 'token', name: 'FundsUnavailable' });
    const at = await api.at(blockHash);
    const ferdieAfter = (await at.query.system.account(ferdie.address)).data.free.toBigInt();
    // Only the fee left the account.
    assert.ok(ferdieAfter < ferdieBefore && ferdieBefore - ferdieAfter < UNIT);
  });

  test('a signed account cannot create an asset', async () => {
    const { error } = await submit(api, api.tx.assets.create(77, alice.address, 1), alice);
    assert.deepEqual(error, { section: 'dispatch', name: 'BadOrigin' });
    assert.ok((await api.query.assets.asset(77)).isNone);
  });

  test('exposes metadata v15 and the chain properties', async () => {
    const versions = (await api.call.metadata.metadataVersions()).map((v) => v.toNumber());
    assert.ok(versions.includes(15), `metadata versions ${versions}`);
    assert.ok(api.runtimeMetadata.version >= 14);
    const pallets = api.runtimeMetadata.asLatest.pallets.map((p) => p.name.toString());
    for (const name of ['System', 'Balances', 'Assets', 'Sudo', 'Aura', 'Grandpa', 'TransactionPayment']) {
      assert.ok(pallets.includes(name), `pallet ${name} in metadata`);
    }
    // What polkadot.js Apps shows: the registry is filled from system_properties.
    assert.deepEqual(api.registry.chainTokens, ['UNIT']);
    assert.deepEqual(api.registry.chainDecimals, [12]);
    assert.equal(api.registry.chainSS58, 42);
    assert.equal(api.runtimeVersion.specName.toString(), 'utc-runtime');
  });

  test('a malformed extrinsic is rejected over RPC and the node goes on', async () => {
    // Raw JSON-RPC: polkadot.js would refuse to encode such bytes itself.
    const provider = new WsProvider(node.endpoint);
    await provider.isReady;
    try {
      await assert.rejects(
        provider.send('author_submitExtrinsic', ['0x0102030405']),
        (e) => /decode|invalid|verification/i.test(e.message),
      );
    } finally {
      await provider.disconnect();
    }
    const before = (await api.rpc.chain.getHeader()).number.toNumber();
    const deadline = Date.now() + 30_000;
    let now = before;
    while (now <= before && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      now = (await api.rpc.chain.getHeader()).number.toNumber();
    }
    assert.ok(now > before, 'blocks keep coming');
  });
});
