// Offering signed transactions to a node at a fixed rate and finding where they
// landed: shared by the overload scenario and the order book load tool.

import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Signs, ahead of time, `perSender` transactions for each of `senders` with
 * consecutive nonces from `firstNonce(sender)` (immortal, so signing does not
 * bound the offered rate); `make(sender, i)` builds the i-th call of a sender.
 */
export async function presign(api, senders, perSender, make, firstNonce = async () => 0) {
  const options = {
    era: 0, blockHash: api.genesisHash, genesisHash: api.genesisHash,
    runtimeVersion: api.runtimeVersion, signedExtensions: api.registry.signedExtensions,
  };
  return Promise.all(senders.map(async (pair) => {
    const first = await firstNonce(pair);
    return {
      next: 0,
      busy: false,
      txs: Array.from({ length: perSender }, (_, i) => {
        const tx = make(pair, i).sign(pair, { ...options, nonce: first + i });
        return { hex: tx.toHex(), hash: tx.hash.toHex() };
      }),
    };
  }));
}

/**
 * Offers the presigned transactions of `state` over the raw provider `raw` at
 * `rate` a second for `seconds`, each sender one submission in flight at most: a
 * refused nonce is offered again on the sender's next turn, so no accepted
 * transaction waits on a gap. Returns the accepted (hash -> submitted at, ms),
 * the refusals by reason and how many were offered.
 */
export async function offer(raw, state, rate, seconds) {
  const accepted = new Map();
  const refused = new Map();
  let offered = 0;
  const started = Date.now();
  const inFlight = new Set();
  while (Date.now() - started < seconds * 1000) {
    const due = Math.floor(((Date.now() - started) / 1000) * rate);
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
    await sleep(10);
  }
  await Promise.all(inFlight);
  return { accepted, refused, offered, started };
}

/**
 * Follows the chain from block `from` and records which of `accepted` are
 * included (hash -> block timestamp, ms), until all are, or three blocks in a
 * row included none of them while the pool showed nothing pending (the missing
 * ones were dropped). One empty look is not enough: a busy node may show a view
 * still being filled. Returns the inclusions, those whose dispatch failed (hash ->
 * the error's name), and the blocks it read with the ref time normal
 * transactions used.
 */
export async function drain(api, accepted, from, { timeoutMs = 600_000 } = {}) {
  const included = new Map();
  const failed = new Map();
  const blocks = [];
  let scanned = from;
  const scan = async () => {
    const best = (await api.rpc.chain.getHeader()).number.toNumber();
    for (; scanned <= best; scanned++) {
      const hash = await api.rpc.chain.getBlockHash(scanned);
      const at = await api.at(hash);
      const [block, now, weight, events] = await Promise.all([
        api.rpc.chain.getBlock(hash), at.query.timestamp.now(), at.query.system.blockWeight(),
        at.query.system.events()]);
      blocks.push({ number: scanned, normal: weight.normal.refTime.toBigInt() });
      const failedAt = new Map(events
        .filter(({ event, phase }) => api.events.system.ExtrinsicFailed.is(event) && phase.isApplyExtrinsic)
        .map(({ event, phase }) => [phase.asApplyExtrinsic.toNumber(), errorName(api, event.data[0])]));
      block.block.extrinsics.forEach((ex, i) => {
        const h = ex.hash.toHex();
        if (!accepted.has(h)) return;
        included.set(h, now.toNumber());
        if (failedAt.has(i)) failed.set(h, failedAt.get(i));
      });
    }
  };
  let settled = { block: 0, included: -1, quiet: 0 };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await scan();
    if (included.size === accepted.size) break;
    const pending = (await api.rpc.author.pendingExtrinsics()).length;
    if (scanned - 1 !== settled.block) {
      const quiet = pending === 0 && included.size === settled.included;
      settled = { block: scanned - 1, included: included.size, quiet: quiet ? settled.quiet + 1 : 0 };
      if (settled.quiet >= 3) break;
    }
    if (Date.now() > deadline) throw new Error(`the pool did not drain within ${timeoutMs / 1000} s`);
    await sleep(500);
  }
  await scan();
  return { included, failed, blocks };
}

/** A dispatch error's name: `section.Name` for a pallet's error. */
function errorName(api, error) {
  if (!error.isModule) return error.type;
  const { section, name } = api.registry.findMetaError(error.asModule);
  return `${section}.${name}`;
}

/** The p-th fraction of the inclusion latencies (ms) of `included`. */
export function latency(accepted, included, p) {
  const sorted = [...included].map(([h, t]) => Math.max(0, t - accepted.get(h))).sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}
