// The order book as traders use it: a provider mints UTC and posts two asks, a
// buyer's bid crosses both, each drawing what its trading account lacks from its
// wallet; the Trade events, balances (wallet and trading account), fees and the
// depth API are checked before and after; the buyer withdraws exactly what its
// trading account holds, and the fees reach the treasury.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import {
  backProvider, ledgerFunds, openDevNode, ownedTokens, signAttestation, submit, traded, waitFinalized, walletTokens,
} from './node.mjs';

const H100 = 0;
const TICK = 1_000_000n;
const MAKER_FEE = 1_000n; // per million
const TAKER_FEE = 3_000n;
// A maker's fee rounds down, a taker's up.
const fee = (rate, value) => (value * rate) / 1_000_000n;
const takerFee = (rate, value) => (value * rate + 999_999n) / 1_000_000n;

describe('pallet-orderbook on utc-node --dev', () => {
  let dev;
  let api;
  let alice;
  let provider;
  let buyer;
  let market;

  before(async () => {
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519' });
    alice = keyring.addFromUri('//Alice');
    provider = keyring.addFromUri('//Charlie');
    buyer = keyring.addFromUri('//Dave');
    const attestor = keyring.addFromUri('//Attestor');
    dev = await openDevNode();
    ({ api } = dev);
    await waitFinalized(api, 1, 60_000);

    // The provider registers, is attested and mints 1000 units (one H100 hour).
    let r = await submit(api, api.tx.compute.registerProvider('Charlie GPUs', 'US-EAST'), provider);
    assert.equal(r.error, null);
    await backProvider(api, provider, { amount: 10n ** 12n, cls: H100 });
    const now = (await api.rpc.chain.getHeader()).number.toNumber();
    const { attestation, signature } = signAttestation(api, attestor, {
      provider: provider.address, class: H100, units: 1_000,
      validFrom: now, validUntil: now + 1_000, evidenceHash: '0x' + '11'.repeat(32), nonce: 40,
    });
    r = await submit(api, api.tx.compute.submitAttestation(
      { Sr25519: attestor.publicKey }, attestation, { Sr25519: signature }), provider);
    assert.equal(r.error, null);
    r = await submit(api, api.tx.compute.mint(H100, 1_000), provider);
    assert.equal(r.error, null);

    // Governance opens the H100 market: tick 1e6, lot 1, fees 0.1% / 0.3%.
    r = await submit(api, api.tx.sudo.sudo(
      api.tx.orderbook.createMarket(H100, TICK, 1, 1, MAKER_FEE, TAKER_FEE)), alice);
    assert.equal(r.error, null);
    const created = r.events.find(({ event }) => api.events.orderbook.MarketCreated.is(event));
    assert.ok(created, 'MarketCreated');
    market = created.event.data.market.toNumber();
  });

  after(async () => {
    await dev?.close();
  });

  const BASE = { Class: H100 };
  const wallet = async (at, who) => (await at.query.system.account(who)).data.free.toBigInt();
  // What an account owns: its wallet and its trading account together.
  const native = async (at, who) => await wallet(at, who) + await traded(at, who, 'Native');
  const tokens = (at, who) => ownedTokens(api, H100, who, at);
  const txFee = (r) => r.events.find(({ event }) => api.events.transactionPayment.TransactionFeePaid.is(event))
    .event.data.actualFee.toBigInt();
  let fees = 0n;

  test('a bid crossing two asks fills both at the makers\' prices', async () => {
    const p1 = 2_000n * TICK;
    const p2 = 2_100n * TICK;
    let r = await submit(api, api.tx.orderbook.placeOrder(market, 'Ask', p1, 300, 'Gtc', null, 8), provider);
    assert.equal(r.error, null);
    r = await submit(api, api.tx.orderbook.placeOrder(market, 'Ask', p2, 300, 'Gtc', null, 8), provider);
    assert.equal(r.error, null);

    const [bids, asks] = await api.call.orderbookApi.depth(market, 10);
    assert.equal(bids.length, 0);
    assert.deepEqual(asks.map(([p, t]) => [p.toBigInt(), t.toBigInt()]), [[p1, 300n], [p2, 300n]]);

    const before = await api.at(r.blockHash);
    const providerBefore = await native(before, provider.address);
    const buyerBefore = await native(before, buyer.address);

    r = await submit(api, api.tx.orderbook.placeOrder(market, 'Bid', p2, 400, 'Gtc', null, 8), buyer);
    assert.equal(r.error, null);
    const trades = r.events
      .filter(({ event }) => api.events.orderbook.Trade.is(event))
      .map(({ event }) => event.data);
    assert.equal(trades.length, 2);
    const v1 = p1 * 300n;
    const v2 = p2 * 100n;
    assert.deepEqual(trades.map((t) => [t.price.toBigInt(), t.amount.toBigInt(), t.makerFee.toBigInt(), t.takerFee.toBigInt()]), [
      [p1, 300n, fee(MAKER_FEE, v1), takerFee(TAKER_FEE, v1)],
      [p2, 100n, fee(MAKER_FEE, v2), takerFee(TAKER_FEE, v2)],
    ]);
    for (const t of trades) {
      assert.equal(t.maker.toString(), provider.address);
      assert.equal(t.taker.toString(), buyer.address);
    }

    const after_ = await api.at(r.blockHash);
    assert.equal(await tokens(after_, buyer.address), 400n);
    assert.equal(await traded(after_, buyer.address, BASE), 400n, 'the tokens are in the buyer\'s trading account');
    // The first ask is gone (its deposit unlocked), the second rests with 200; the
    // provider's takings are in its trading account.
    assert.equal(await native(after_, provider.address),
      providerBefore + v1 - fee(MAKER_FEE, v1) + v2 - fee(MAKER_FEE, v2));
    // The buyer paid both values, its taker fees and the transaction fee.
    assert.equal(await native(after_, buyer.address),
      buyerBefore - v1 - v2 - takerFee(TAKER_FEE, v1) - takerFee(TAKER_FEE, v2) - txFee(r));
    fees = trades.reduce((sum, t) => sum + t.makerFee.toBigInt() + t.takerFee.toBigInt(), 0n);

    const [bidsAfter, asksAfter] = await api.call.orderbookApi.depth(market, 10);
    assert.equal(bidsAfter.length, 0, 'the bid filled completely');
    assert.deepEqual(asksAfter.map(([p, t]) => [p.toBigInt(), t.toBigInt()]), [[p2, 200n]]);
    const [bestBid, bestAsk] = await api.call.orderbookApi.bestBidAsk(market);
    assert.ok(bestBid.isNone);
    assert.equal(bestAsk.unwrap()[0].toBigInt(), p2);
  });

  test('the buyer withdraws exactly what its trading account holds', async () => {
    const account = await api.call.orderbookApi.tradingAccount(buyer.address);
    const funds = (asset) => account.find(([a]) => (asset === 'Native' ? a.isNative : a.isClass))[1];
    const [toks, nat] = [funds(BASE), funds('Native')];
    assert.equal(toks.free.toBigInt(), 400n);
    assert.equal(toks.locked.toBigInt() + nat.locked.toBigInt(), 0n, 'nothing rests, nothing is locked');
    let r = await submit(api, api.tx.orderbook.withdraw('Native', nat.free.toBigInt() + 1n), buyer);
    assert.deepEqual(r.error, { section: 'orderbook', name: 'InsufficientBalance' });
    const before = await api.at(r.blockHash);
    const walletBefore = await wallet(before, buyer.address);
    r = await submit(api, api.tx.orderbook.withdraw(BASE, 400), buyer);
    assert.equal(r.error, null);
    const fee1 = txFee(r);
    r = await submit(api, api.tx.orderbook.withdraw('Native', nat.free.toBigInt()), buyer);
    assert.equal(r.error, null);
    const at = await api.at(r.blockHash);
    assert.equal(await walletTokens(at, H100, buyer.address), 400n);
    assert.equal(await wallet(at, buyer.address), walletBefore + nat.free.toBigInt() - fee1 - txFee(r));
    assert.equal(await ledgerFunds(at, buyer.address, 'Native'), null);
    assert.equal(await ledgerFunds(at, buyer.address, BASE), null);
    assert.equal((await at.query.orderbook.ledger(buyer.address)).isNone, true);
  });

  test('the trades\' fees are paid to the treasury', async () => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const accrued = await api.query.orderbook.fees(market);
      if (accrued.isNone) break;
      assert.ok(Date.now() < deadline, 'the fees were not paid within a minute');
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const paid = [];
    for (let n = (await api.rpc.chain.getHeader()).number.toNumber(); n > 0 && paid.length === 0; n--) {
      const events = await (await api.at(await api.rpc.chain.getBlockHash(n))).query.system.events();
      for (const { event } of events) {
        if (api.events.orderbook.FeesPaid.is(event) && event.data.market.toNumber() === market) paid.push(event.data.amount.toBigInt());
      }
    }
    assert.deepEqual(paid, [fees], 'one payout of every fee the trades accrued');
  });

  test('a post-only order that would cross is refused with its error', async () => {
    const r = await submit(api, api.tx.orderbook.placeOrder(market, 'Bid', 2_100n * TICK, 10, 'PostOnly', null, 1), buyer);
    assert.deepEqual(r.error, { section: 'orderbook', name: 'PostOnlyWouldCross' });
  });
});
