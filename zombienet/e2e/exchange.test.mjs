// Listing UTC on an exchange, with the tools exchanges and custodians use and no
// chain-specific patches or types: Substrate API Sidecar serves blocks, balances,
// class tokens and transaction material, and estimates fees and submits; a
// custodian builds and signs offline with txwrapper (a native transfer, a class
// token transfer, an order that trades and a job) and sidecar decodes the blocks
// they land in, events included, as @polkadot/api reads them; polkadot-api's
// descriptors are generated from the running node and a typed script that
// transfers and places an order type-checks and runs.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Keyring } from '@polkadot/keyring';
import { stringToHex, u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { construct, decode, defineMethod, getRegistryBase } from '@substrate/txwrapper-core';
import { methods } from '@substrate/txwrapper-substrate';
import {
  backProvider, signAttestation, startNode, submitOk, traded, waitFinalized, walletTokens,
} from './node.mjs';
import { startSidecar } from './sidecar.mjs';

const H100 = 0;
const UNIT = 10n ** 12n;
const TICK = 1_000_000n;
const ASK = 2_000n * TICK;
const ERA_PERIOD = 64;

const ZOMBIENET = join(dirname(fileURLToPath(import.meta.url)), '..');
const PAPI_DIR = join(ZOMBIENET, 'papi');
const bin = (name) => join(ZOMBIENET, 'node_modules/.bin', name);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs a program from zombienet/node_modules/.bin in zombienet/papi; its stdout. */
function run(program, args, timeoutMs = 120_000) {
  // polkadot-api connects with the global WebSocket, behind a flag before Node 22.
  const flag = typeof WebSocket === 'undefined' ? ' --experimental-websocket' : '';
  const env = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''}${flag}` };
  return new Promise((resolve, reject) => {
    execFile(bin(program), args, { cwd: PAPI_DIR, env, timeout: timeoutMs, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${program} ${args.join(' ')}: ${error.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

describe('listing UTC on an exchange: sidecar, txwrapper and polkadot-api with utc-node --dev', () => {
  let node;
  let api;
  let sidecar;
  let charlie;
  let dave;
  let eve;
  let ferdie;
  let market;
  let setupBlock;
  // The custodian's four transactions, as built, signed and landed.
  const sent = {};

  before(async () => {
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519' });
    const alice = keyring.addFromUri('//Alice');
    const attestor = keyring.addFromUri('//Attestor');
    charlie = keyring.addFromUri('//Charlie');
    dave = keyring.addFromUri('//Dave');
    eve = keyring.addFromUri('//Eve');
    ferdie = keyring.addFromUri('//Ferdie');

    node = await startNode();
    api = await node.connect();
    sidecar = await startSidecar(node.endpoint);
    await waitFinalized(api, 1, 60_000);

    // Charlie, a provider, mints 1000 units of H100 (one hour) and gives Dave 300
    // while governance opens the H100 market; then Charlie asks for 400 there.
    const ok = (tx, what) => submitOk(api, tx, charlie, what);
    const [opened] = await Promise.all([
      submitOk(api, api.tx.sudo.sudo(api.tx.orderbook.createMarket(H100, TICK, 1, 1, 1_000, 3_000)), alice, 'create_market'),
      (async () => {
        await ok(api.tx.compute.registerProvider('Charlie GPUs', 'US-EAST'), 'register');
        await backProvider(api, charlie, { amount: UNIT, cls: H100 });
        const now = (await api.rpc.chain.getHeader()).number.toNumber();
        const { attestation, signature } = signAttestation(api, attestor, {
          provider: charlie.address, class: H100, units: 1_000,
          validFrom: now, validUntil: now + 1_000, evidenceHash: '0x' + '22'.repeat(32), nonce: 70,
        });
        await ok(api.tx.compute.submitAttestation({ Sr25519: attestor.publicKey }, attestation, { Sr25519: signature }), 'attest');
        await ok(api.tx.compute.mint(H100, 1_000), 'mint');
        await ok(api.tx.assets.transferKeepAlive(H100, dave.address, 300), 'give Dave 300');
      })(),
    ]);
    market = opened.events.find(({ event }) => api.events.orderbook.MarketCreated.is(event)).event.data.market.toNumber();
    setupBlock = (await ok(api.tx.orderbook.placeOrder(market, 'Ask', ASK, 400, 'Gtc', null, 8), 'ask')).blockHash;
  });

  after(async () => {
    await sidecar?.stop();
    await api?.disconnect();
    await node?.stop();
  });

  /**
   * Sidecar's `/blocks/{n}` next to what @polkadot/api reads of block `n`: the
   * same extrinsics (all of them version 4, the only version sidecar decodes)
   * with their signers, and the same events where sidecar lists them (under
   * their extrinsic, in `onInitialize` or in `onFinalize`), each field of
   * sidecar's JSON encoding back to the bytes the chain stored.
   */
  async function sidecarBlock(n) {
    const block = await sidecar.get(`/blocks/${n}`);
    const hash = await api.rpc.chain.getBlockHash(n);
    assert.equal(block.hash, hash.toHex(), `block #${n}`);
    const { block: { extrinsics } } = await api.rpc.chain.getBlock(hash);
    const records = await (await api.at(hash)).query.system.events();
    assert.equal(block.extrinsics.length, extrinsics.length, `#${n}: extrinsics`);
    extrinsics.forEach((ext, i) => {
      const seen = block.extrinsics[i];
      // The version byte: the low six bits are the format's version.
      assert.equal(ext.version & 0x3f, 4, `#${n}/${i}: extrinsic version`);
      assert.equal(seen.hash, ext.hash.toHex());
      assert.deepEqual(seen.method, { pallet: ext.method.section, method: ext.method.method });
      assert.equal(seen.signature?.signer.id ?? null, ext.isSigned ? ext.signer.toString() : null);
    });
    const sameEvents = (listed, phase, where) => {
      const expected = records.filter((r) => phase(r.phase)).map(({ event }) => event);
      assert.deepEqual(listed.map(({ method }) => `${method.pallet}.${method.method}`),
        expected.map((e) => `${e.section}.${e.method}`), `#${n} ${where}: events`);
      listed.forEach(({ method, data }, k) => expected[k].data.forEach((field, f) => {
        const again = api.registry.createTypeUnsafe(field.toRawType(), [data[f]]);
        assert.equal(again.toHex(), field.toHex(), `#${n} ${where}: ${method.pallet}.${method.method} field ${f}`);
      }));
    };
    sameEvents(block.onInitialize.events, (p) => p.isInitialization, 'onInitialize');
    block.extrinsics.forEach((seen, i) => sameEvents(seen.events,
      (p) => p.isApplyExtrinsic && p.asApplyExtrinsic.toNumber() === i, `extrinsic ${i}`));
    sameEvents(block.onFinalize.events, (p) => p.isFinalization, 'onFinalize');
    return block;
  }

  test('sidecar serves the finalized head and every block, inherents included, as the node has them', async () => {
    const finalized = (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
    const head = await sidecar.get('/blocks/head');
    const n = Number(head.number);
    assert.ok(n >= finalized && n >= 1, `sidecar's head #${n}, the node's finalized #${finalized}`);
    assert.equal(head.finalized, true);
    assert.equal(head.hash, (await api.rpc.chain.getBlockHash(n)).toHex());

    for (let i = 0; i <= n; i++) await sidecarBlock(i);

    // Every block opens with timestamp.set, decoded with the time the chain stored.
    const block = await sidecar.get(`/blocks/${n}`);
    const [set] = block.extrinsics;
    assert.deepEqual(set.method, { pallet: 'timestamp', method: 'set' });
    assert.equal(set.signature, null);
    const stored = await (await api.at(head.hash)).query.timestamp.now();
    assert.equal(set.args.now, stored.toString());
  });

  test('sidecar reads native balances, class token balances and the class asset as @polkadot/api does', async () => {
    const at = setupBlock.toHex();
    const state = await api.at(setupBlock);

    const info = await sidecar.get(`/accounts/${dave.address}/balance-info?at=${at}`);
    const account = await state.query.system.account(dave.address);
    assert.equal(info.at.hash, at);
    assert.equal(info.tokenSymbol, 'UNIT');
    assert.deepEqual([info.nonce, info.free, info.reserved, info.frozen], [
      account.nonce.toString(), account.data.free.toString(), account.data.reserved.toString(), account.data.frozen.toString(),
    ]);
    assert.ok(BigInt(info.free) > 0n);

    const { assets } = await sidecar.get(`/accounts/${dave.address}/asset-balances?at=${at}&assets[]=${H100}`);
    assert.deepEqual(assets.map(({ assetId, balance }) => [assetId, balance]),
      [[String(H100), String(await walletTokens(state, H100, dave.address))]]);
    assert.equal(assets[0].balance, '300');

    const { assetInfo, assetMetaData } = await sidecar.get(`/pallets/assets/${H100}/asset-info?at=${at}`);
    const asset = (await state.query.assets.asset(H100)).unwrap();
    const metadata = await state.query.assets.metadata(H100);
    assert.equal(assetInfo.supply, asset.supply.toString());
    assert.equal(assetInfo.supply, '1000', 'the minted hour');
    assert.equal(assetInfo.accounts, asset.accounts.toString());
    assert.equal(assetInfo.status, asset.status.type);
    assert.deepEqual([assetMetaData.symbol, assetMetaData.decimals], [metadata.symbol.toHex(), metadata.decimals.toString()]);
    assert.equal(metadata.symbol.toUtf8(), 'UTC-H100');
  });

  test('a custodian builds and signs offline with txwrapper, sidecar estimates and submits, all four land', async () => {
    // What an offline signer needs, from sidecar: metadata, genesis hash, spec and
    // transaction versions, the block the transactions' era starts at, the nonce.
    const material = await sidecar.get('/transaction/material?metadata=scale');
    const { nonce } = await sidecar.get(`/accounts/${dave.address}/balance-info?at=${material.at.hash}`);
    assert.equal(material.genesisHash, api.genesisHash.toHex());
    assert.equal(material.specVersion, api.runtimeVersion.specVersion.toString());
    assert.equal(material.txVersion, api.runtimeVersion.transactionVersion.toString());
    assert.equal(material.metadata, (await api.rpc.state.getMetadata(material.at.hash)).toHex());

    const registry = getRegistryBase({
      chainProperties: { ss58Format: 42, tokenDecimals: [12], tokenSymbol: ['UNIT'] },
      specTypes: {},
      metadataRpc: material.metadata,
    });
    const options = { metadataRpc: material.metadata, registry };
    const info = (i) => ({
      address: dave.address,
      blockHash: material.at.hash,
      blockNumber: Number(material.at.height),
      eraPeriod: ERA_PERIOD,
      genesisHash: material.genesisHash,
      metadataRpc: material.metadata,
      // Four transactions signed at once take the next four nonces.
      nonce: Number(nonce) + i,
      specVersion: Number(material.specVersion),
      tip: 0,
      transactionVersion: Number(material.txVersion),
    });
    const workload = {
      spec: { Command: { program: '/bin/sh', args: ['-c', 'echo listed'], env: [] } },
      input: null, output: null, gpus: 0, memoryMb: 64,
    };
    const transfer = { dest: { id: eve.address }, value: String(5n * UNIT / 2n) };
    const build = {
      transfer: [methods.balances.transferKeepAlive(transfer, info(0), options),
        { pallet: 'balances', name: 'transferKeepAlive', args: { dest: { id: eve.address }, value: '2500000000000' } }],
      tokens: [methods.assets.transferKeepAlive({ id: H100, target: eve.address, amount: '100' }, info(1), options),
        { pallet: 'assets', name: 'transferKeepAlive', args: { id: '0', target: { id: eve.address }, amount: '100' } }],
      order: [defineMethod({
        ...info(2),
        method: {
          pallet: 'orderbook', name: 'placeOrder',
          args: { market, side: 'Bid', price: String(ASK), amount: 150, timeInForce: 'Ioc', expiresAt: null, maxFills: 8 },
        },
      }, options), {
        pallet: 'orderbook', name: 'placeOrder',
        args: { market: String(market), side: 'Bid', price: String(ASK), amount: '150', timeInForce: 'Ioc', expiresAt: null, maxFills: '8' },
      }],
      job: [defineMethod({
        ...info(3),
        method: { pallet: 'federation', name: 'submitJob', args: { class: H100, units: 50, modules: [0], workload, maxStartDelay: 10 } },
      }, options), {
        pallet: 'federation', name: 'submitJob',
        args: {
          class: '0', units: '50', modules: [0], maxStartDelay: '10',
          workload: {
            spec: { command: { program: stringToHex('/bin/sh'), args: [stringToHex('-c'), stringToHex('echo listed')], env: [] } },
            input: null, output: null, gpus: 0, memoryMb: 64,
          },
        },
      }],
    };

    // txwrapper's own @polkadot/types knows neither AuthorizeCall nor WeightReclaim
    // and warns it treats them as no-effect: rightly, as neither adds a byte to the
    // transaction or to what is signed, which the four landing below shows.
    for (const [i, [name, [unsigned, expected]]] of Object.entries(build).entries()) {
      const payload = construct.signingPayload(unsigned, { registry });
      const { signature } = registry.createType('ExtrinsicPayload', payload, { version: 4 }).sign(dave);
      const tx = construct.signedTx(unsigned, signature, options);
      const decoded = decode(tx, options);
      assert.deepEqual(decoded.method, expected, `${name}: decoded call`);
      assert.deepEqual([decoded.address, decoded.nonce, decoded.eraPeriod, decoded.tip],
        [dave.address, Number(nonce) + i, ERA_PERIOD, 0], `${name}: decoded signature`);

      // Sidecar's estimate is the runtime's, for these very bytes.
      const estimate = await sidecar.post('/transaction/fee-estimate', { tx });
      // The runtime API takes the extrinsic as the metadata types it, opaque
      // bytes: @polkadot/api needs its encoding, not the Extrinsic object.
      const extrinsic = api.createType('Extrinsic', tx);
      const queried = await api.call.transactionPaymentApi.queryInfo(extrinsic.toU8a(), extrinsic.encodedLength);
      assert.equal(estimate.partialFee, queried.partialFee.toString(), `${name}: fee estimate`);
      sent[name] = { tx, hash: construct.txHash(tx), estimate: BigInt(estimate.partialFee) };
    }

    const from = (await api.rpc.chain.getHeader()).number.toNumber();
    for (const [name, { tx, hash }] of Object.entries(sent)) {
      const submitted = await sidecar.post('/transaction', { tx });
      assert.equal(submitted.hash, hash, `${name}: submitted hash`);
    }

    // Each lands in a block of the chain, successfully.
    const deadline = Date.now() + 60_000;
    for (let n = from; Object.values(sent).some((s) => !s.block);) {
      const best = (await api.rpc.chain.getHeader()).number.toNumber();
      for (; n <= best; n++) {
        const blockHash = await api.rpc.chain.getBlockHash(n);
        const { block } = await api.rpc.chain.getBlock(blockHash);
        const events = await (await api.at(blockHash)).query.system.events();
        block.extrinsics.forEach((ext, index) => {
          const landed = Object.values(sent).find((s) => s.hash === ext.hash.toHex());
          if (!landed) return;
          const own = events.filter(({ phase }) => phase.isApplyExtrinsic && phase.asApplyExtrinsic.toNumber() === index);
          Object.assign(landed, { block: n, blockHash, events: own.map(({ event }) => event) });
        });
      }
      assert.ok(Date.now() < deadline, `not all landed: ${Object.keys(sent).filter((k) => !sent[k].block)}`);
      await sleep(500);
    }
    const find = (name, section, method) => sent[name].events.find((e) => e.section === section && e.method === method);
    for (const [name, s] of Object.entries(sent)) {
      assert.ok(find(name, 'system', 'ExtrinsicSuccess'), `${name} failed: ${JSON.stringify(s.events.map((e) => e.toHuman()))}`);
      const paid = find(name, 'transactionPayment', 'TransactionFeePaid').data.actualFee.toBigInt();
      // Transfers pay what was estimated; an order or a job may pay less (unused weight is refunded).
      if (name === 'transfer' || name === 'tokens') assert.equal(paid, s.estimate, `${name}: fee paid`);
      else assert.ok(paid <= s.estimate, `${name}: paid ${paid}, estimated ${s.estimate}`);
    }
    console.log(`the four transactions landed in blocks ${[...new Set(Object.values(sent).map((s) => s.block))].join(', ')}`);

    // What each did, read from the chain.
    const at = async (name) => [await api.at(sent[name].blockHash), await api.at((await api.rpc.chain.getHeader(sent[name].blockHash)).parentHash)];
    let [now, then] = await at('transfer');
    const free = async (state, who) => (await state.query.system.account(who)).data.free.toBigInt();
    assert.equal(await free(now, eve.address) - await free(then, eve.address), 5n * UNIT / 2n);
    [now, then] = await at('tokens');
    assert.equal(await walletTokens(now, H100, eve.address) - await walletTokens(then, H100, eve.address), 100n);
    const trade = find('order', 'orderbook', 'Trade').data;
    assert.deepEqual([trade.maker.toString(), trade.taker.toString(), trade.price.toBigInt(), trade.amount.toBigInt()],
      [charlie.address, dave.address, ASK, 150n]);
    assert.ok(find('order', 'orderbook', 'OrderFilled'), 'the bid filled');
    [now] = await at('order');
    assert.equal(await traded(now, dave.address, { Class: H100 }), 150n);
    const job = find('job', 'federation', 'JobSubmitted').data;
    assert.deepEqual([job.owner.toString(), job.class.toNumber(), job.units.toBigInt()], [dave.address, H100, 50n]);
    [now] = await at('job');
    const view = (await now.call.federationApi.job(job.job)).unwrap();
    assert.equal(view.owner.toString(), dave.address);
    assert.equal(await walletTokens(now, H100, dave.address), 300n - 100n - 50n, 'the job drew on the wallet');
  });

  test('sidecar decodes the blocks of the trade and of the job, with their events, once final', async () => {
    const last = Math.max(...Object.values(sent).map((s) => s.block));
    await waitFinalized(api, last, 60_000);
    for (const [name, pallet, method, events] of [
      ['transfer', 'balances', 'transferKeepAlive', ['balances.Transfer']],
      ['tokens', 'assets', 'transferKeepAlive', ['assets.Transferred']],
      ['order', 'orderbook', 'placeOrder', ['orderbook.OrderPlaced', 'orderbook.Trade', 'orderbook.OrderFilled']],
      ['job', 'federation', 'submitJob', ['federation.JobSubmitted']],
    ]) {
      const block = await sidecarBlock(sent[name].block);
      assert.equal(block.finalized, true);
      const ext = block.extrinsics.find((e) => e.hash === sent[name].hash);
      assert.deepEqual(ext.method, { pallet, method }, name);
      assert.equal(ext.success, true);
      assert.equal(ext.signature.signer.id, dave.address);
      const listed = ext.events.map((e) => `${e.method.pallet}.${e.method.method}`);
      for (const event of events) assert.ok(listed.includes(event), `${name}: ${event} in ${listed}`);
      // The fee a custodian books is in the extrinsic's TransactionFeePaid event.
      const fee = ext.events.find((e) => e.method.method === 'TransactionFeePaid');
      assert.equal(fee.data[0], dave.address);
    }
    // The trade as sidecar lists it: Charlie's ask (maker) met Dave's bid (taker).
    const order = (await sidecar.get(`/blocks/${sent.order.block}`)).extrinsics.find((e) => e.hash === sent.order.hash);
    const [, , , maker, taker, side, price, amount] = order.events.find((e) => e.method.method === 'Trade').data;
    assert.deepEqual([maker, taker, side, price, amount], [charlie.address, dave.address, 'Bid', String(ASK), '150']);
    const job = (await sidecar.get(`/blocks/${sent.job.block}`)).extrinsics.find((e) => e.hash === sent.job.hash);
    const [, owner, cls, units] = job.events.find((e) => e.method.method === 'JobSubmitted').data;
    assert.deepEqual([owner, cls, units], [dave.address, String(H100), '50']);
  });

  test('polkadot-api descriptors generated from the node type-check a typed transfer and order, which land', async () => {
    // The commands of the README, in zombienet/papi. With no .papi/ there, papi
    // starts from the committed polkadot-api.json (descriptors kept in .papi/,
    // which tsconfig.json maps the package name to, rather than installed into a
    // package.json) and writes it, with the chain's entry, into .papi/ alone.
    const papi = join(PAPI_DIR, '.papi');
    const committed = readFileSync(join(PAPI_DIR, 'polkadot-api.json'), 'utf8');
    rmSync(papi, { recursive: true, force: true });
    let started = Date.now();
    await run('papi', ['add', 'utc', '-w', node.endpoint]);
    assert.equal(readFileSync(join(PAPI_DIR, 'polkadot-api.json'), 'utf8'), committed, 'the committed config is left as is');
    const config = JSON.parse(readFileSync(join(papi, 'polkadot-api.json'), 'utf8'));
    assert.deepEqual(config.options, { noDescriptorsPackage: true });
    const entry = config.entries.utc;
    assert.equal(entry.genesis, api.genesisHash.toHex());
    const metadata = await api.call.metadata.metadataAtVersion(16);
    assert.equal(u8aToHex(readFileSync(join(PAPI_DIR, entry.metadata))), metadata.unwrap().toHex());
    console.log(`papi add + generate: ${Date.now() - started} ms`);

    started = Date.now();
    await run('tsc', ['--noEmit', '-p', '.']);
    console.log(`tsc --noEmit: ${Date.now() - started} ms`);

    const recipient = new Keyring({ type: 'sr25519' }).addFromUri('//PolkadotApi');
    const value = 3n * UNIT;
    const price = ASK / 2n;
    started = Date.now();
    const out = await run('tsx', ['transfer-and-order.ts', '--endpoint', node.endpoint, '--seed', '//Ferdie',
      '--to', recipient.address, '--value', String(value), '--market', String(market), '--price', String(price), '--amount', '20']);
    console.log(`typed transfer and order, both finalized: ${Date.now() - started} ms`);
    const result = JSON.parse(out.trim().split('\n').at(-1));

    const transfer = await api.at(result.transfer.block);
    assert.equal(result.transfer.block, (await api.rpc.chain.getBlockHash(result.transfer.number)).toHex());
    assert.equal((await transfer.query.system.account(recipient.address)).data.free.toBigInt(), value);
    const moved = (await transfer.query.system.events()).find(({ event }) => api.events.balances.Transfer.is(event) &&
      event.data.to.toString() === recipient.address);
    assert.equal(moved.event.data.from.toString(), ferdie.address);

    assert.equal(result.order.resting, true);
    const placed = (await (await api.at(result.order.block)).query.system.events())
      .find(({ event }) => api.events.orderbook.OrderPlaced.is(event)).event.data;
    assert.deepEqual([placed.orderId.toString(), placed.who.toString(), placed.price.toBigInt(), placed.amount.toBigInt()],
      [result.order.orderId, ferdie.address, price, 20n]);
    const open = await api.call.orderbookApi.openOrders(ferdie.address);
    const [, order] = open.find(([id]) => id.toString() === result.order.orderId);
    assert.deepEqual([order.side.type, order.price.toBigInt(), order.remaining.toBigInt()], ['Bid', price, 20n]);
  });
});
