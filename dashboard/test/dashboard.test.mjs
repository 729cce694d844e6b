// The web dashboard in a real browser against a real chain: a utc-node --dev
// where a provider minted UTC, orders rest on the book, a trade happened and
// jobs were submitted; the built dashboard, served as static files, opened in
// headless Chromium. Each view must show what the chain holds (read by the test
// through @polkadot/api at the same time); an order placed through the page as
// a dev account must reach the chain and the depth chart, and its cancel leave
// both; a refused order shows its decoded error; a job submitted through the
// page reaches the chain. A screenshot of each view goes to $UTC_TEST_OUT
// (dashboard/test-output/ by default).
//
// The chain harness (zombienet/e2e/node.mjs) loads its own copy of
// @polkadot/api, of the same versions as the dashboard's: `npm test` sets
// POLKADOTJS_DISABLE_ESM_CJS_WARNING so that @polkadot/util does not warn
// about two copies of one version.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import puppeteer from 'puppeteer-core';
import { freePort, signAttestation, startNode, waitBlock } from '../../zombienet/e2e/node.mjs';

const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const OUT = process.env.UTC_TEST_OUT || fileURLToPath(new URL('../test-output/', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

const H100 = 0;
const TICK = 1_000_000n;
const UNIT = 10n ** 12n;
const START_LATENCY = 1;

// ---- the figures as the page must write them (an independent copy of its rules) ----

const NATIVE_DECIMALS = 12;
let classDecimals = 0;

/** `value` × 10^-decimals with thousands separators, at most `maxFraction` digits (cut), no trailing zeros. */
function decimal(value, decimals, maxFraction = decimals) {
  const digits = value.toString().padStart(decimals + 1, '0');
  const whole = BigInt(digits.slice(0, digits.length - decimals)).toLocaleString('en-US');
  const fraction = digits.slice(digits.length - decimals, digits.length - decimals + maxFraction).replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : whole;
}
const native = (v) => decimal(v, NATIVE_DECIMALS, 4);
const units = (v) => decimal(v, classDecimals);
const price = (p) => decimal(p * 10n ** BigInt(classDecimals), NATIVE_DECIMALS);

// ---- chain setup ----

/**
 * Signs `txs` as `signer` with consecutive nonces, so that they go into one
 * block in order, and resolves with each one's events once all are in a block;
 * fails on any dispatch error, naming it.
 */
async function sendInOrder(api, signer, txs) {
  const first = (await api.rpc.system.accountNextIndex(signer.address)).toNumber();
  return Promise.all(txs.map(([what, tx], i) => new Promise((resolve, reject) => {
    let unsubscribe = () => {};
    tx.signAndSend(signer, { nonce: first + i }, ({ status, events, dispatchError }) => {
      if (status.isInBlock) {
        unsubscribe();
        if (dispatchError) {
          const error = dispatchError.isModule ? api.registry.findMetaError(dispatchError.asModule) : null;
          reject(new Error(`${what}: ${error ? `${error.section}.${error.name}` : dispatchError.toString()}`));
        } else {
          const sudoFailed = events.find(({ event }) => api.events.sudo.Sudid.is(event) && event.data.sudoResult.isErr);
          if (sudoFailed) reject(new Error(`${what}: ${sudoFailed.event.data.sudoResult.toString()}`));
          else resolve({ blockHash: status.asInBlock, events });
        }
      } else if (status.isInvalid || status.isDropped || status.isUsurped) {
        unsubscribe();
        reject(new Error(`${what}: transaction ${status.type}`));
      }
    }).then((u) => { unsubscribe = u; }, reject);
  })));
}

const eventOf = (api, results, section, name) => results
  .flatMap((r) => r.events)
  .find(({ event }) => api.events[section][name].is(event))?.event.data;

// ---- a static file server for dist/ ----

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

async function serveDist() {
  const server = createServer(async (req, res) => {
    const path = normalize(join(DIST, decodeURIComponent(new URL(req.url, 'http://x').pathname)));
    const file = path.endsWith('/') ? join(path, 'index.html') : path;
    if (!file.startsWith(DIST) || !(await stat(file).catch(() => null))?.isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  const port = await freePort();
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${port}/` };
}

// ---- a browser wallet extension ----

/**
 * Injects, before the page loads, a wallet extension (`window.injectedWeb3`, the
 * interface @polkadot/extension-dapp reads) that holds `pair`'s account and
 * signs the payloads the page hands it with `pair` in the test process, as an
 * extension does: the payload decoded with the chain's types, then signed.
 */
async function injectWallet(page, registry, pair) {
  await page.exposeFunction('utcTestWalletSign', (payload) =>
    registry.createType('ExtrinsicPayload', payload, { version: payload.version }).sign(pair).signature);
  await page.evaluateOnNewDocument((address) => {
    const account = { address, name: 'Eve', type: 'sr25519' };
    window.injectedWeb3 = {
      'utc-test-wallet': {
        version: '1.0.0',
        enable: async () => ({
          accounts: { get: async () => [account], subscribe: (cb) => { cb([account]); return () => {}; } },
          signer: { signPayload: async (payload) => ({ id: 1, signature: await window.utcTestWalletSign(payload) }) },
        }),
      },
    };
  }, pair.address);
}

// ---- reading the page ----

/**
 * Retries `check` (which reads chain and page and asserts) until it passes or
 * `timeoutMs` ends, then throws its last error. Any error is retried: a row the
 * page has not drawn yet fails as a TypeError or a puppeteer error as readily as
 * an assertion.
 */
async function eventually(check, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

describe('the web dashboard against utc-node --dev, in headless Chromium', () => {
  let node;
  let api;
  let web;
  let browser;
  let page;
  const pageErrors = [];
  let alice;
  let bob;
  let charlie;
  let dave;
  let eve;
  let market;
  let trade;
  let jobs;

  /** Opens the tab `id` and waits until it shows data of the chain's best block or the one before. */
  async function view(id) {
    await page.evaluate((v) => { location.hash = v; }, id);
    const best = (await api.rpc.chain.getHeader()).number.toNumber();
    await page.waitForFunction((v, block) => {
      const el = document.querySelector(`[data-testid="view-${v}"]`);
      return !el.hidden && Number(el.dataset.block) >= block;
    }, { timeout: 30_000 }, id, best - 1);
  }
  /** The text of each cell of each table row matching `selector`. */
  const cellsOf = (selector) => page.$$eval(selector, (trs) => trs.map((tr) =>
    [...tr.cells].map((td) => td.textContent.trim())));
  /** The cells of the body rows of the table `selector`, e.g. '[data-testid="bids"]'. */
  const rows = (selector) => cellsOf(`${selector} tbody tr`);
  const text = (selector) => page.$eval(selector, (el) => el.textContent.trim());
  const screenshot = (name) => page.screenshot({ path: join(OUT, `dashboard-${name}.png`), fullPage: true });

  before(async () => {
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519' });
    [alice, bob, charlie, dave, eve] = ['//Alice', '//Bob', '//Charlie', '//Dave', '//Eve'].map((uri) => keyring.addFromUri(uri));
    const attestor = keyring.addFromUri('//Attestor');
    const started = Date.now();

    // One after the other, so that after() stops whichever started when the other fails.
    web = await serveDist();
    node = await startNode();
    api = await node.connect();
    await waitBlock(api, 1, 60_000);
    classDecimals = (await api.call.computeApi.class(H100)).unwrap().decimals.toNumber();

    // Charlie registers, bonds, is attested and mints 5 H100 hours, and gives Dave
    // one; governance opens the H100 market.
    const now = (await api.rpc.chain.getHeader()).number.toNumber();
    const { attestation, signature } = signAttestation(api, attestor, {
      provider: charlie.address, class: H100, units: 5_000, validFrom: now, validUntil: now + 5_000,
      evidenceHash: `0x${'42'.repeat(32)}`, nonce: 1,
    });
    const [created] = await Promise.all([
      sendInOrder(api, alice, [['market', api.tx.sudo.sudo(api.tx.orderbook.createMarket(H100, TICK, 1, 1, 1_000, 3_000))]]),
      sendInOrder(api, charlie, [
        ['register', api.tx.compute.registerProvider('Charlie GPUs', 'EU-WEST')],
        ['bond', api.tx.sla.bond(100n * UNIT)],
        ['uptime', api.tx.sla.subscribe(H100, 0)],
        ['start latency', api.tx.sla.subscribe(H100, START_LATENCY)],
        ['attest', api.tx.compute.submitAttestation({ Sr25519: attestor.publicKey }, attestation, { Sr25519: signature })],
        ['mint', api.tx.compute.mint(H100, 5_000)],
        ['give Dave', api.tx.assets.transfer(H100, dave.address, 1_000)],
      ]),
    ]);
    market = eventOf(api, created, 'orderbook', 'MarketCreated').market.toNumber();

    // Charlie asks at 2 and 2.1, Dave bids at 1.9; Dave submits two jobs, the
    // first of which he cancels.
    const firstJob = (await api.query.federation.nextJobId()).toBigInt();
    const workload = { spec: { Command: { program: '/bin/sh', args: ['-c', 'true'], env: [] } }, input: null, output: null, gpus: 0, memoryMb: 64 };
    await Promise.all([
      sendInOrder(api, charlie, [
        ['ask 2', api.tx.orderbook.placeOrder(market, 'Ask', 2_000n * TICK, 300, 'Gtc', null, 8)],
        ['ask 2.1', api.tx.orderbook.placeOrder(market, 'Ask', 2_100n * TICK, 200, 'Gtc', null, 8)],
      ]),
      sendInOrder(api, dave, [
        ['bid 1.9', api.tx.orderbook.placeOrder(market, 'Bid', 1_900n * TICK, 200, 'Gtc', null, 8)],
        ['job', api.tx.federation.submitJob(H100, 50, [START_LATENCY], workload, 4)],
        ['cancel job', api.tx.federation.cancelJob(firstJob)],
        ['job', api.tx.federation.submitJob(H100, 70, [START_LATENCY], workload, 4)],
      ]),
    ]);
    jobs = [firstJob, firstJob + 1n];

    // Bob buys 0.1 hour from the ask at 2: a trade.
    const bought = await sendInOrder(api, bob, [
      ['buy', api.tx.orderbook.placeOrder(market, 'Bid', 2_000n * TICK, 100, 'Ioc', null, 8)]]);
    const block = (await api.rpc.chain.getHeader(bought[0].blockHash)).number.toNumber();
    const traded = eventOf(api, bought, 'orderbook', 'Trade');
    trade = { block, price: traded.price.toBigInt(), amount: traded.amount.toBigInt() };
    console.log(`# chain state set up in ${((Date.now() - started) / 1000).toFixed(1)} s (block #${block})`);

    await mkdir(OUT, { recursive: true });
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      // Chromium's sandbox needs user namespaces that a root shell or container may lack.
      args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
    });
    page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => { if (message.type() === 'error') pageErrors.push(message.text()); });
    await page.setViewport({ width: 1280, height: 900 });
    await injectWallet(page, api.registry, eve);
    await page.goto(`${web.url}?rpc=${encodeURIComponent(node.endpoint)}#markets`);
    await page.waitForSelector(`[data-testid="view-markets"][data-block]`, { timeout: 30_000 });
  });

  after(async () => {
    await browser?.close();
    await api?.disconnect();
    await node?.stop();
    web?.server.close();
  });

  test('the header names the chain and follows its best block', async () => {
    assert.equal(await text('[data-testid="chain"]'), `${(await api.rpc.system.chain()).toString()} (Development)`);
    await eventually(async () => {
      const best = (await api.rpc.chain.getHeader()).number.toNumber();
      const shown = Number(await page.$eval('[data-testid="block"]', (el) => el.dataset.block));
      assert.ok(shown >= best - 1 && shown <= best, `page at #${shown}, chain at #${best}`);
    });
  });

  /** Bids and asks as the page's tables and depth chart must show them, from the chain. */
  async function expectedBook() {
    const [bids, asks] = await api.call.orderbookApi.depth(market, 20);
    const [bestBid, bestAsk] = await api.call.orderbookApi.bestBidAsk(market);
    const side = (levels, name) => {
      let sum = 0n;
      return levels.map(([p, a]) => {
        sum += a.toBigInt();
        return { row: [price(p.toBigInt()), units(a.toBigInt()), units(sum)], step: { side: name, price: p.toString(), cumulative: sum.toString() } };
      });
    };
    const quote = (best) => (best.isSome ? `${price(best.unwrap()[0].toBigInt())} × ${units(best.unwrap()[1].toBigInt())}` : '—');
    return { bids: side(bids, 'bid'), asks: side(asks, 'ask'), bestBid: quote(bestBid), bestAsk: quote(bestAsk) };
  }

  async function checkBook() {
    const card = `[data-testid="market"][data-market="${market}"]`;
    await eventually(async () => {
      const book = await expectedBook();
      assert.deepEqual(await rows(`${card} [data-testid="bids"]`), book.bids.map((l) => l.row));
      assert.deepEqual(await rows(`${card} [data-testid="asks"]`), book.asks.map((l) => l.row));
      assert.equal(await text(`${card} [data-testid="best-bid"]`), book.bestBid);
      assert.equal(await text(`${card} [data-testid="best-ask"]`), book.bestAsk);
      const steps = await page.$$eval(`${card} [data-testid="depth-step"]`, (rects) => rects.map((r) =>
        ({ side: r.dataset.side, price: r.dataset.price, cumulative: r.dataset.cumulative })));
      assert.deepEqual(steps, [...book.bids, ...book.asks].map((l) => l.step));
    });
  }

  test('Markets: the book, its depth chart and the recent trade', async () => {
    await view('markets');
    await checkBook();
    const card = `[data-testid="market"][data-market="${market}"]`;
    // The trade shows once its block is final.
    await eventually(async () => {
      assert.deepEqual((await rows(`${card} [data-testid="trades"]`))[0],
        [`#${trade.block}`, 'buy', price(trade.price), units(trade.amount)]);
      assert.equal(await text(`${card} [data-testid="last-trade"]`), price(trade.price));
    });
    await screenshot('markets');
  });

  test('Classes: supply, open obligations and price', async () => {
    await view('classes');
    await eventually(async () => {
      const cls = (await api.call.computeApi.class(H100)).unwrap();
      const supply = await api.query.compute.supply(H100);
      const issued = (await api.query.assets.asset(H100)).unwrap().supply.toBigInt();
      const [bestBid, bestAsk] = await api.call.orderbookApi.bestBidAsk(market);
      const [row] = await cellsOf(`[data-testid="classes"] tr[data-class="${H100}"]`);
      assert.deepEqual(row, [
        String(H100), cls.name.toUtf8(), cls.symbol.toUtf8(), `${cls.kind.type} · ${cls.unit.type}`,
        `${cls.floor.modelFamily.toUtf8()}, ≥ ${cls.floor.minMemoryMib.toNumber()} MiB, score ≥ ${cls.floor.minPerformance.toNumber()}`,
        units(issued), units(supply.obligations.toBigInt()), units(supply.redeemed.toBigInt()),
        price(bestBid.unwrap()[0].toBigInt()), price(bestAsk.unwrap()[0].toBigInt()), price(trade.price),
      ]);
      assert.ok(issued > 0n && supply.obligations.toBigInt() === 5_000n, 'Charlie minted and owes 5 hours');
    });
    await screenshot('classes');
  });

  test('Providers: capacity, bond, requirement, reputation and SLA modules', async () => {
    await view('providers');
    const card = `[data-testid="provider"][data-address="${charlie.address}"]`;
    await page.waitForSelector(card, { timeout: 15_000 });
    await eventually(async () => {
      const bond = await api.call.slaApi.bond(charlie.address);
      const reputation = await api.call.federationApi.reputation(charlie.address);
      const state = await api.call.computeApi.providerClassState(charlie.address, H100);
      const subscriptions = await api.call.slaApi.subscriptions(charlie.address);
      assert.equal(await text(`${card} [data-testid="provider-name"]`), 'Charlie GPUs');
      assert.equal(await text(`${card} [data-testid="provider-region"]`), 'EU-WEST');
      assert.equal(await text(`${card} [data-testid="bond"]`), native(bond.active.toBigInt()));
      assert.equal(await text(`${card} [data-testid="bond-required"]`), native(bond.required.toBigInt()));
      assert.equal(await text(`${card} [data-testid="reputation"]`),
        `${reputation.score} (${reputation.completed} completed, ${reputation.violations} violations)`);
      assert.equal(await text(`${card} [data-testid="service"]`), 'not declared');
      assert.deepEqual(await rows(`${card} [data-testid="capacity"]`), [[
        'UTC-H100', units(state.liveCapacity.toBigInt()), units(state.pendingCapacity.toBigInt()),
        units(state.mintable.toBigInt()), units(state.ledger.minted.toBigInt()), units(state.ledger.obligation.toBigInt()),
      ]]);
      const modules = await rows(`${card} [data-testid="sla-modules"]`);
      assert.deepEqual(modules.map((r) => r.slice(0, 2)), subscriptions.map(([c, m]) => [c.toNumber() === H100 ? 'UTC-H100' : '?', `#${m}`]));
      assert.match(modules.find((r) => r[1] === `#${START_LATENCY}`)[2], /^start within \d+ blocks$/);
    });
    await screenshot('providers');
  });

  test('Jobs: each job\'s state and timeline', async () => {
    await view('jobs');
    await eventually(async () => {
      for (const id of jobs) {
        const job = (await api.call.federationApi.job(id)).unwrap();
        const [row] = await cellsOf(`[data-testid="jobs"] tr[data-job="${id}"]`);
        assert.ok(row, `job ${id} is listed`);
        assert.deepEqual(row.slice(2, 7), ['UTC-H100', units(job.units.toBigInt()), `#${START_LATENCY}`, job.kind.type, job.state.type]);
        const steps = await page.$$eval(`tr[data-job="${id}"] [data-testid="timeline"] li`, (lis) => lis.map((li) => li.textContent));
        assert.deepEqual(steps, job.history.map(([block, event]) => `${event.type} #${block}`));
      }
    });
    const steps = await page.$$eval(`tr[data-job="${jobs[0]}"] [data-testid="timeline"] li`, (lis) => lis.map((li) => li.textContent.split(' ')[0]));
    assert.deepEqual(steps, ['Submitted', 'Cancelled']);
    await screenshot('jobs');
  });

  /** Dave's balances and open orders as the Account view must show them, from the chain. */
  async function checkAccount() {
    await eventually(async () => {
      const wallet = (await api.query.system.account(dave.address)).data.free.toBigInt();
      const trading = await api.call.orderbookApi.tradingAccount(dave.address);
      const funds = (isNative) => trading.find(([a]) => (isNative ? a.isNative : a.isClass && a.asClass.toNumber() === H100))?.[1];
      const cell = (f, field) => (f ? f[field].toBigInt() : 0n);
      const tokens = await api.query.assets.account(H100, dave.address);
      const [n, c] = [funds(true), funds(false)];
      assert.deepEqual(await rows('[data-testid="balances"]'), [
        ['UNIT', native(wallet), native(cell(n, 'free')), native(cell(n, 'locked'))],
        ['UTC-H100', units(tokens.isSome ? tokens.unwrap().balance.toBigInt() : 0n), units(cell(c, 'free')), units(cell(c, 'locked'))],
      ]);
      const orders = await api.call.orderbookApi.openOrders(dave.address);
      assert.deepEqual(await rows('[data-testid="open-orders"]'), orders.map(([id, o]) => [
        id.toString(), `${market} · UTC-H100`, o.side.isBid ? 'buy' : 'sell', price(o.price.toBigInt()),
        units(o.remaining.toBigInt()), `${native(o.locked.toBigInt())} UNIT`, 'never', 'Cancel',
      ]));
    });
  }

  test('Account: a dev account\'s balances, open orders and jobs', async () => {
    await page.select('[data-testid="account-select"]', dave.address);
    await view('account');
    await page.waitForSelector('[data-testid="balances"]', { timeout: 15_000 });
    assert.equal(await text('[data-testid="account-address"]'), dave.address);
    await checkAccount();
    const listed = await page.$$eval('[data-testid="account-jobs"] tbody tr', (trs) => trs.map((tr) => tr.dataset.job));
    assert.deepEqual(listed, jobs.map(String).reverse());
    await screenshot('account');
  });

  /** Waits for the transaction status line to settle; its state and text. */
  async function txOutcome() {
    const status = () => page.$eval('[data-testid="tx-status"]', (el) => ({ state: el.dataset.state, text: el.textContent }));
    try {
      await page.waitForSelector('[data-testid="tx-status"]:not([data-state="pending"]):not([hidden])', { timeout: 60_000 });
    } catch (error) {
      throw new Error(`the transaction did not settle: ${JSON.stringify(await status())}`, { cause: error });
    }
    return status();
  }

  async function fillOrder({ side, priceText, amountText }) {
    await view('markets');
    await page.select('[data-testid="order-market"]', String(market));
    await page.select('[data-testid="order-side"]', side);
    await page.select('[data-testid="order-tif"]', 'Gtc');
    for (const [field, value] of [['order-price', priceText], ['order-amount', amountText]]) {
      await page.$eval(`[data-testid="${field}"]`, (el) => { el.value = ''; });
      await page.type(`[data-testid="${field}"]`, value);
    }
    // A new submission hides the last outcome until its own arrives.
    await page.$eval('[data-testid="tx-status"]', (el) => { el.hidden = true; });
    await page.click('[data-testid="order-submit"]');
    return txOutcome();
  }

  test('an order off the market\'s tick is refused with its decoded error', async () => {
    const before = (await api.call.orderbookApi.openOrders(dave.address)).length;
    const outcome = await fillOrder({ side: 'Bid', priceText: '1.9505', amountText: '0.25' });
    assert.equal(outcome.state, 'error', outcome.text);
    assert.equal(await text('[data-testid="tx-error"]'), 'orderbook.PriceOffTick');
    assert.equal((await api.call.orderbookApi.openOrders(dave.address)).length, before);
  });

  let placed;

  test('an order placed through the page rests on chain and shows in the depth chart', async () => {
    const outcome = await fillOrder({ side: 'Bid', priceText: '1.95', amountText: '0.25' });
    assert.equal(outcome.state, 'ok', outcome.text);
    placed = BigInt(/orderbook\.OrderPlaced #(\d+)/.exec(outcome.text)[1]);
    const order = (await api.call.orderbookApi.openOrders(dave.address)).find(([id]) => id.toBigInt() === placed)?.[1];
    assert.ok(order, `order ${placed} rests`);
    assert.equal(order.side.type, 'Bid');
    assert.equal(order.price.toBigInt(), 1_950n * TICK);
    assert.equal(order.remaining.toBigInt(), 250n);
    await checkBook();
    const card = `[data-testid="market"][data-market="${market}"]`;
    assert.equal(await page.$$eval(`${card} [data-testid="depth-step"][data-side="bid"][data-price="${1_950n * TICK}"]`,
      (rects) => rects.map((r) => r.dataset.cumulative).join()), '250');
    await screenshot('markets-with-order');
  });

  test('the order cancelled through the page leaves the chain and the chart', async () => {
    await view('account');
    await checkAccount();
    await page.$eval('[data-testid="tx-status"]', (el) => { el.hidden = true; });
    // The view redraws every block: click inside the page, where no redraw can come in between.
    await page.$eval(`[data-testid="cancel-order-${placed}"]`, (button) => button.click());
    const outcome = await txOutcome();
    assert.equal(outcome.state, 'ok', outcome.text);
    assert.ok(!(await api.call.orderbookApi.openOrders(dave.address)).some(([id]) => id.toBigInt() === placed));
    await checkAccount();
    await view('markets');
    await checkBook();
    const card = `[data-testid="market"][data-market="${market}"]`;
    assert.equal((await page.$$(`${card} [data-testid="depth-step"][data-price="${1_950n * TICK}"]`)).length, 0);
  });

  test('a job submitted through the page reaches the chain and the Jobs view', async () => {
    await view('account');
    await page.select('[data-testid="job-class"]', String(H100));
    await page.type('[data-testid="job-units"]', '0.02');
    await page.click(`[data-testid="job-module-${START_LATENCY}"]`);
    await page.$eval('[data-testid="tx-status"]', (el) => { el.hidden = true; });
    await page.click('[data-testid="job-submit"]');
    const outcome = await txOutcome();
    assert.equal(outcome.state, 'ok', outcome.text);
    const id = BigInt(/federation\.JobSubmitted #(\d+)/.exec(outcome.text)[1]);
    const job = (await api.call.federationApi.job(id)).unwrap();
    assert.equal(job.owner.toString(), dave.address);
    assert.equal(job.units.toBigInt(), 20n);
    assert.deepEqual(job.modules.map((m) => m.toNumber()), [START_LATENCY]);
    assert.equal(job.kind.type, 'Command');
    await view('jobs');
    await eventually(async () => {
      const state = (await api.call.federationApi.job(id)).unwrap().state.type;
      const [row] = await cellsOf(`[data-testid="jobs"] tr[data-job="${id}"]`);
      assert.ok(row, `job ${id} is listed`);
      assert.equal(row[6], state);
    });
    await screenshot('jobs-after-submit');
  });

  test('a wallet extension\'s account signs an order placed through the page', async () => {
    await page.click('[data-testid="connect-wallet"]');
    await page.waitForSelector(`[data-testid="account-select"] option[value="${eve.address}"]`, { timeout: 10_000 });
    assert.equal(await text(`[data-testid="account-select"] option[value="${eve.address}"]`), 'Eve (utc-test-wallet)');
    await page.select('[data-testid="account-select"]', eve.address);
    const outcome = await fillOrder({ side: 'Bid', priceText: '1.8', amountText: '0.1' });
    assert.equal(outcome.state, 'ok', outcome.text);
    const orders = await api.call.orderbookApi.openOrders(eve.address);
    assert.deepEqual(orders.map(([, o]) => [o.side.type, o.price.toBigInt(), o.remaining.toBigInt()]), [['Bid', 1_800n * TICK, 100n]]);
    await checkBook();
  });

  test('the page logged no error', () => {
    assert.deepEqual(pageErrors, []);
  });
});
