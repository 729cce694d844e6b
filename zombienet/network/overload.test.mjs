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

    // Every transfer signed ahead (immortal), so the offered rate is not bounded
    // by signing: each sender's next nonces, one more round than the run needs.
    const perSender = Math.ceil((RATE * SECONDS) / SENDERS) + 1;
    const options = {
      era: 0, blockHash: api.genesisHash, genesisHash: api.genesisHash,
      runtimeVersion: api.runtimeVersion, signedExtensions: api.registry.signedExtensions,
    };
    const state = senders.map((pair) => ({
      next: 0,
      busy: false,
      txs: Array.from({ length: perSender }, (_, nonce) => {
        const tx = api.tx.balances.transferKeepAlive(recipient, UNIT).sign(pair, { ...options, nonce });
        return { hex: tx.toHex(), hash: tx.hash.toHex() };
      }),
    }));
    const accepted = new Map();   // hash -> submitted at (ms)
    const refused = new Map();    // reason -> count
    let offered = 0;
    const startBlock = (await api.rpc.chain.getHeader()).number.toNumber();
    const started = Date.now();
    const inFlight = new Set();
    // Each sender has one submission in flight at most: a refused nonce is offered
    // again on the sender's next turn, so no accepted transfer waits on a gap.
    while (Date.now() - started < SECONDS * 1000) {
      const due = Math.floor(((Date.now() - started) / 1000) * RATE);
      for (const s of state) {
        if (offered >= due) break;
        if (s.busy || s.next >= s.txs.length) continue;
        const tx = s.txs[s.next];
        s.busy = true;
        offered++;
        const sent = raw.send('author_submitExtrinsic', [tx.hex]).then(
          () => { accepted.set(tx.hash, Date.now()); s.next++; },
          (e) => { const reason = e.message.replace(/:.*$/, ''); refused.set(reason, (refused.get(reason) ?? 0) + 1); },
        ).finally(() => { s.busy = false; inFlight.delete(sent); });
        inFlight.add(sent);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await Promise.all(inFlight);

    // Drain: until every accepted transfer is in a block, or three blocks in a
    // row included none of them while the pool showed nothing pending (the
    // missing ones were dropped). One empty look is not enough: a busy node may
    // show a view still being filled.
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
    let settled = { block: 0, included: -1, quiet: 0 };
    await waitFor('the pool to drain', async () => {
      await scan();
      if (included.size === accepted.size) return true;
      const pending = (await api.rpc.author.pendingExtrinsics()).length;
      if (scanned - 1 === settled.block) return false;
      const quiet = pending === 0 && included.size === settled.included;
      settled = { block: scanned - 1, included: included.size, quiet: quiet ? settled.quiet + 1 : 0 };
      return settled.quiet >= 3;
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
    assert.ok(refused.size > 0, 'the node was never full: offer more to overload it');
  });
});
