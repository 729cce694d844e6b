// Overload: one validator (utc-node --dev) offered several times the transfers
// it can include, at a fixed rate for a bounded time, by a client that signs
// immortal transfers from many accounts with consecutive nonces and retries a
// refused nonce on its account's next turn (never skipping one). Every
// submission the node accepted must be included: a node may refuse at the door
// (the client sees the pool's error), never accept and drop. Prints the offered,
// accepted, refused and included counts, the inclusion rate and latency.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startNode } from '../e2e/node.mjs';
import { waitFor } from './net.mjs';

const UNIT = 10n ** 12n;
const RATE = Number(process.env.UTC_OVERLOAD_RATE || 300);     // offered transfers per second
const SECONDS = Number(process.env.UTC_OVERLOAD_SECONDS || 30); // how long they are offered
const SENDERS = 60;

describe('one validator overloaded with transfers', () => {
  let node;
  let api;
  let raw;

  before(async () => {
    await cryptoWaitReady();
    node = await startNode();
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

    const state = senders.map((pair) => ({ pair, nonce: 0, signed: null }));
    const accepted = new Map();   // hash -> submitted at (ms)
    const refused = new Map();    // reason -> count
    let offered = 0;
    const startBlock = (await api.rpc.chain.getHeader()).number.toNumber();
    const started = Date.now();
    let turn = 0;
    while (Date.now() - started < SECONDS * 1000) {
      const due = Math.floor(((Date.now() - started) / 1000) * RATE);
      const sends = [];
      while (offered < due) {
        const s = state[turn++ % state.length];
        if (!s.signed) {
          s.signed = await api.tx.balances.transferKeepAlive(recipient, UNIT)
            .signAsync(s.pair, { nonce: s.nonce, era: 0 });
        }
        const tx = s.signed;
        offered++;
        sends.push(raw.send('author_submitExtrinsic', [tx.toHex()]).then(
          () => { accepted.set(tx.hash.toHex(), Date.now()); s.nonce++; s.signed = null; },
          (e) => { const reason = e.message.replace(/:.*$/, ''); refused.set(reason, (refused.get(reason) ?? 0) + 1); },
        ));
        if (sends.length >= 50) break;
      }
      await Promise.all(sends);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    // Drain: until every accepted transfer is in a block or the pool is empty
    // with some still missing (those were dropped).
    const included = new Map();  // hash -> block time (ms)
    let scanned = startBlock + 1;
    const scan = async () => {
      const best = (await api.rpc.chain.getHeader()).number.toNumber();
      for (; scanned <= best; scanned++) {
        const hash = await api.rpc.chain.getBlockHash(scanned);
        const [block, now] = await Promise.all([api.rpc.chain.getBlock(hash), (await api.at(hash)).query.timestamp.now()]);
        for (const ex of block.block.extrinsics) {
          const h = ex.hash.toHex();
          if (accepted.has(h)) included.set(h, now.toNumber());
        }
      }
    };
    await waitFor('the pool to drain', async () => {
      await scan();
      if (included.size === accepted.size) return true;
      return (await api.rpc.author.pendingExtrinsics()).length === 0 && (await scan(), true);
    }, 600_000);
    await scan();

    const elapsed = (Date.now() - started) / 1000;
    const latencies = [...included].map(([h, t]) => Math.max(0, t - accepted.get(h))).sort((a, b) => a - b);
    const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
    const dropped = accepted.size - included.size;
    console.log(`# overload: offered=${offered} accepted=${accepted.size} refused=${[...refused.values()].reduce((a, b) => a + b, 0)}`
      + ` ${JSON.stringify(Object.fromEntries(refused))} included=${included.size} dropped=${dropped}`
      + ` included_per_s=${(included.size / elapsed).toFixed(1)} p50_ms=${pct(0.5)} p99_ms=${pct(0.99)}`
      + ` blocks=${scanned - startBlock - 1}`);
    assert.equal(dropped, 0, `${dropped} accepted transfers were never included`);
    assert.ok(included.size > 0);
  });
});
