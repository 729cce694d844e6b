// Order book load against a running `utc-node --dev` (an optimized build: a
// debug node spends its time validating transactions, so it measures the build,
// not the chain). Senders with funded trading accounts are offered, at a fixed
// rate for a bounded time, in turn: native transfers (the reference), resting
// orders (bids at spread prices), and a crossing mix (asks resting, bids taking
// them). Each phase is read back from the blocks; it prints included per
// second, the ratio of orders to transfers, p50/p99 inclusion latency and the
// fullest block's normal-class share. Loopback only; it stops by itself.
//   node load/orderbook.mjs [--url ws://127.0.0.1:9944] [--rate 800]
//     [--seconds 20] [--senders 200]

import { parseArgs } from 'node:util';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { ledgerFunds, serveProvider, submitOk } from '../e2e/node.mjs';
import { waitFor } from '../network/net.mjs';
import { drain, latency, offer, presign } from './offer.mjs';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string', default: 'ws://127.0.0.1:9944' },
    rate: { type: 'string', default: '800' },
    seconds: { type: 'string', default: '20' },
    senders: { type: 'string', default: '200' },
  },
});
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const SENDERS = Number(args.senders);
if (!new URL(args.url).hostname.match(/^(127\.0\.0\.1|localhost|\[::1\])$/)) {
  throw new Error(`--url ${args.url}: the load tool drives a node on this machine only`);
}

const H100 = 0;
const UNIT = 10n ** 12n;
// An order of 10 units at 751 ticks and more is worth at least the runtime's
// MinOrderValue (0.01 UNIT).
const TICK = 1_000_000_000n;
// Normal transactions may use 75% of a block's 2 s of ref time.
const NORMAL_LIMIT = 1_500_000_000_000n;

await cryptoWaitReady();
const raw = new WsProvider(args.url);
const api = await ApiPromise.create({ provider: raw, noInitWarn: true });
const keyring = new Keyring({ type: 'sr25519' });
const alice = keyring.addFromUri('//Alice');
const senders = Array.from({ length: SENDERS }, (_, i) => keyring.addFromUri(`//Load/${i}`));
const nonce = async (pair) => (await api.rpc.system.accountNextIndex(pair.address)).toNumber();

/** Whether the pool holds nothing: what was sent is in blocks. */
const poolEmpty = async () => (await api.rpc.author.pendingExtrinsics()).length === 0;

/**
 * Signs and sends `calls` (`[pair, call]` each, a pair's in the order of its
 * nonces) and waits for their blocks.
 */
async function sendAll(what, calls) {
  const pairs = [...new Set(calls.map(([pair]) => pair))];
  const next = new Map(await Promise.all(pairs.map(async (pair) => [pair, await nonce(pair)])));
  for (const [pair, call] of calls) {
    const tx = await call.signAsync(pair, { nonce: next.get(pair) });
    next.set(pair, next.get(pair) + 1);
    await raw.send('author_submitExtrinsic', [tx.toHex()]);
  }
  await waitFor(what, async () => (await Promise.all(pairs.map(async (pair) => (await nonce(pair)) >= next.get(pair))))
    .every(Boolean) && poolEmpty(), 300_000);
}

// What one side of the book holds at most (the runtime's MaxPriceLevels ×
// MaxOrdersPerLevel), less room for the levels' uneven shares.
const SIDE = 256 * 32 - 200;

// Setup: a provider mints tokens, a market opens, every sender gets native
// funds and tokens and deposits them into its trading account.
const provider = keyring.addFromUri('//Load/provider');
// Each sender sells at most a few hundred units (10 an ask); the provider keeps
// one sender's share (transfers keep its account alive).
const PER_SENDER = 1_000n;
const units = BigInt(SENDERS + 1) * PER_SENDER;
console.log(`setup: ${SENDERS} senders, a market, ${units} units minted`);
await submitOk(api, api.tx.balances.transferKeepAlive(provider.address, 200_000n * UNIT), alice, 'fund the provider');
await serveProvider(api, {
  provider, operator: keyring.addFromUri('//Load/provider//operator'), attestor: keyring.addFromUri('//Attestor'),
  name: 'Load GPUs', cls: H100, units, modules: [], bond: 100_000n * UNIT, nonce: 7_000 + Math.floor(Math.random() * 1e6),
});
const created = await submitOk(api, api.tx.sudo.sudo(api.tx.orderbook.createMarket(H100, TICK, 1, 1, 1_000, 3_000)), alice, 'market');
const market = created.events.find(({ event }) => api.events.orderbook.MarketCreated.is(event)).event.data.market;
await sendAll('senders funded', senders.map((s) => [alice, api.tx.balances.transferKeepAlive(s.address, 2_000n * UNIT)]));
await sendAll('senders given tokens', senders.map((s) => [provider, api.tx.assets.transferKeepAlive(H100, s.address, PER_SENDER)]));
await sendAll('native deposited', senders.map((s) => [s, api.tx.orderbook.deposit('Native', 1_000n * UNIT)]));
await sendAll('tokens deposited', senders.map((s) => [s, api.tx.orderbook.deposit({ Class: H100 }, PER_SENDER)]));
// The fan-outs wait for blocks, not outcomes: every trading account is checked.
const funded = async (pair) => {
  const [native, tokens] = await Promise.all([
    ledgerFunds(api, pair.address, 'Native'), ledgerFunds(api, pair.address, { Class: H100 })]);
  return native?.free === 1_000n * UNIT && tokens?.free === PER_SENDER;
};
const unfunded = (await Promise.all(senders.map(async (pair) => ((await funded(pair)) ? null : pair.address))))
  .filter(Boolean);
if (unfunded.length) throw new Error(`setup: ${unfunded.length} trading accounts not funded, first ${unfunded[0]}`);

/**
 * Offers `make(sender, i)` from every sender at RATE for SECONDS (at most `cap`
 * in all); what landed.
 */
async function phase(name, make, cap = Infinity) {
  const perSender = Math.min(Math.ceil((RATE * SECONDS) / SENDERS) + 1, Math.floor(cap / SENDERS));
  const state = await presign(api, senders, perSender, make, nonce);
  const from = (await api.rpc.chain.getHeader()).number.toNumber() + 1;
  const { accepted, refused, offered, started } = await offer(raw, state, RATE, SECONDS);
  const { included, failed, blocks } = await drain(api, accepted, from);
  const elapsed = (Math.max(...included.values(), started) - started) / 1000 || 1;
  const succeeded = included.size - failed.size;
  const fullest = blocks.reduce((max, b) => (b.normal > max ? b.normal : max), 0n);
  const result = {
    offered, accepted: accepted.size, refused: [...refused.values()].reduce((a, b) => a + b, 0),
    included: included.size, failed: failed.size, per_s: succeeded / elapsed,
    p50_ms: latency(accepted, included, 0.5), p99_ms: latency(accepted, included, 0.99),
    fullness: Number((fullest * 1000n) / NORMAL_LIMIT) / 10,
  };
  const tally = (counts) => [...counts].map(([why, n]) => `${n}×${why}`).join(', ');
  const errors = new Map();
  for (const why of failed.values()) errors.set(why, (errors.get(why) ?? 0) + 1);
  const [reasons, failures] = [tally(refused), tally(errors)];
  console.log(`${name}: offered=${result.offered} accepted=${result.accepted} refused=${result.refused}${reasons ? ` (${reasons})` : ''}`
    + ` included=${result.included} failed=${result.failed}${failures ? ` (${failures})` : ''} included_per_s=${result.per_s.toFixed(1)}`
    + ` p50_ms=${result.p50_ms} p99_ms=${result.p99_ms} fullest_block=${result.fullness}%`);
  return result;
}

const recipient = keyring.addFromUri('//Load/recipient').address;
const transfers = await phase('transfer_keep_alive', () => api.tx.balances.transferKeepAlive(recipient, UNIT));
// Resting: bids over 250 prices below 1,000 ticks and asks over 250 above, as
// many as the book and the senders' open-order caps (64) hold.
const level = (pair, i) => BigInt((senders.indexOf(pair) * 7 + (i >> 1)) % 250);
const bid = (pair, i) => api.tx.orderbook.placeOrder(market, 'Bid', (1_000n - level(pair, i)) * TICK, 10, 'Gtc', null, 1);
const ask = (pair, i) => api.tx.orderbook.placeOrder(market, 'Ask', (1_001n + level(pair, i)) * TICK, 10, 'Gtc', null, 1);
const resting = await phase('place_order (resting)', (pair, i) => (i % 2 === 0 ? bid(pair, i) : ask(pair, i)),
  Math.min(2 * SIDE, SENDERS * 60));
await sendAll('book cleared', senders.map((s) => [s, api.tx.orderbook.cancelAll(market)]));
// Crossing: every sender alternates a resting bid with an IOC ask that sells
// into the best bid, so the book keeps its size.
const crossing = await phase('place_order (crossing)', (pair, i) => (i % 2 === 0
  ? bid(pair, i)
  : api.tx.orderbook.placeOrder(market, 'Ask', TICK, 10, 'Ioc', null, 1)));
for (const [name, r] of [['resting', resting], ['crossing', crossing]]) {
  console.log(`ratio orders_per_s/transfers_per_s[${name}]=${(r.per_s / transfers.per_s).toFixed(2)}`);
}
await api.disconnect();
