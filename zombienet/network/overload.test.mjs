// Overload: one validator (utc-node --dev) offered several times the transfers
// it can include, at a fixed rate for a bounded time, by a client that signs
// immortal transfers from many accounts with consecutive nonces and retries a
// refused nonce on its account's next turn (never skipping one). Every
// submission the node accepted must be included: a node may refuse at the door
// (the client sees the pool's error), never accept and drop. Prints the offered,
// accepted, refused and included counts, the inclusion rate and latency.
//   UTC_OVERLOAD_RATE, UTC_OVERLOAD_SECONDS, UTC_OVERLOAD_SENDERS and
//   UTC_OVERLOAD_NODE_ARGS (default `--pool-limit 1000`) change the run.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startNode } from '../e2e/node.mjs';
import { drain, latency, offer, presign } from '../load/offer.mjs';
import { waitFor } from './net.mjs';

const UNIT = 10n ** 12n;
const RATE = Number(process.env.UTC_OVERLOAD_RATE || 300);     // offered transfers per second
const SECONDS = Number(process.env.UTC_OVERLOAD_SECONDS || 30); // how long they are offered
const SENDERS = Number(process.env.UTC_OVERLOAD_SENDERS || 120);

describe('one validator overloaded with transfers', () => {
  let node;
  let api;
  let raw;

  before(async () => {
    await cryptoWaitReady();
    // A pool of 1,000 (utc-node admits half of it) fills within the run on a debug
    // node, which validates about a hundred submissions a second; the default
    // limit (8,192) takes minutes to fill and is refused the same way.
    const extra = (process.env.UTC_OVERLOAD_NODE_ARGS ?? '--pool-limit 1000').split(' ').filter(Boolean);
    node = await startNode({ args: ['--dev', ...extra] });
    api = await node.connect();
    raw = new WsProvider(node.endpoint);
    await raw.isReady;
  });

  after(async () => {
    await raw?.disconnect();
    await api?.disconnect();
    await node?.stop();
  });

  test(`offered ${RATE} transfers/s for ${SECONDS} s: every accepted transfer is included`, async () => {
    const keyring = new Keyring({ type: 'sr25519' });
    const alice = keyring.addFromUri('//Alice');
    // Senders funded by Alice, in one go of consecutive nonces.
    const senders = Array.from({ length: SENDERS }, (_, i) => keyring.addFromUri(`//Overload/${i}`));
    const first = (await api.rpc.system.accountNextIndex(alice.address)).toNumber();
    for (const [i, s] of senders.entries()) {
      const tx = await api.tx.balances.transferKeepAlive(s.address, 1_000n * UNIT).signAsync(alice, { nonce: first + i });
      await raw.send('author_submitExtrinsic', [tx.toHex()]);
    }
    await waitFor('the senders funded', async () =>
      (await api.query.system.account(alice.address)).nonce.toNumber() === first + SENDERS, 120_000);
    const recipient = keyring.addFromUri('//Overload/recipient').address;

    // Every transfer signed ahead, each sender's next nonces, one more round than
    // the run needs.
    const perSender = Math.ceil((RATE * SECONDS) / SENDERS) + 1;
    const state = await presign(api, senders, perSender, () => api.tx.balances.transferKeepAlive(recipient, UNIT));
    const startBlock = (await api.rpc.chain.getHeader()).number.toNumber();
    const { accepted, refused, offered, started } = await offer(raw, state, RATE, SECONDS);
    const { included, blocks } = await drain(api, accepted, startBlock + 1);

    const elapsed = (Date.now() - started) / 1000;
    const dropped = accepted.size - included.size;
    console.log(`# overload: offered=${offered} accepted=${accepted.size} refused=${[...refused.values()].reduce((a, b) => a + b, 0)}`
      + ` ${JSON.stringify(Object.fromEntries(refused))} included=${included.size} dropped=${dropped}`
      + ` included_per_s=${(included.size / elapsed).toFixed(1)} p50_ms=${latency(accepted, included, 0.5)}`
      + ` p99_ms=${latency(accepted, included, 0.99)} blocks=${blocks.length}`);
    assert.equal(dropped, 0, `${dropped} accepted transfers were never included`);
    assert.ok(included.size > 0);
    assert.ok(refused.size > 0, 'the node was never full: offer more to overload it');
  });
});
