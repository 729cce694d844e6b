// Starts a real utc-node for end-to-end tests and stops it again.
//
// The node gets free ports; the harness confirms from the node's own log that
// its RPC server (and its Prometheus endpoint, when asked for) listens on the
// port it was given (utc-node silently falls back to a random port when its port
// is taken). A node that fails to start fails the test with the tail of its log.

import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { TestProcess } from './process.mjs';

export const NODE_BIN =
  process.env.UTC_NODE_BIN ||
  join(process.env.CARGO_TARGET_DIR || join(homedir(), '.cache/utc-chain/target'), 'debug/utc-node');

/** A TCP port nothing listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A utc-node started by `startNode`, on the ports it was given. */
export class UtcNode extends TestProcess {
  constructor(args, { rpcPort, p2pPort, prometheusPort }) {
    super('utc-node', NODE_BIN, args);
    this.rpcPort = rpcPort;
    this.p2pPort = p2pPort;
    this.prometheusPort = prometheusPort;
  }

  get endpoint() { return `ws://127.0.0.1:${this.rpcPort}`; }

  /** Connects @polkadot/api to the node. */
  async connect() {
    const provider = new WsProvider(this.endpoint, 1000, {}, 30_000);
    return ApiPromise.create({ provider, noInitWarn: true, throwOnConnect: true });
  }
}

/**
 * Starts `utc-node --dev --tmp` (or with `args` instead of `--dev`; `--tmp` only
 * when `args` name no `--base-path`) on free ports and waits until its RPC
 * server listens where it was told to. With `prometheus`, its Prometheus
 * endpoint listens too, on `node.prometheusPort`.
 */
export async function startNode({ args = ['--dev'], prometheus = false, startTimeoutMs = 120_000 } = {}) {
  const rpcPort = await freePort();
  const p2pPort = await freePort();
  const prometheusPort = prometheus ? await freePort() : null;
  const node = new UtcNode([
    ...args,
    ...(args.includes('--base-path') ? [] : ['--tmp']),
    '--rpc-port', String(rpcPort),
    '--port', String(p2pPort),
    ...(prometheus ? ['--prometheus-port', String(prometheusPort)] : ['--no-prometheus']),
    '--no-telemetry',
    '--no-mdns',
  ], { rpcPort, p2pPort, prometheusPort });
  try {
    const line = await node.waitForLog(/Running JSON-RPC server: addr=/, startTimeoutMs);
    if (!new RegExp(`addr=(127\\.0\\.0\\.1|\\[::1\\]):${rpcPort}\\b`).test(line)) {
      node.fail(`utc-node listens elsewhere than 127.0.0.1:${rpcPort}: ${line}`);
    }
    if (prometheus) {
      const line = await node.waitForLog(/Prometheus exporter started at/, 10_000);
      if (!new RegExp(`:${prometheusPort}\\b`).test(line)) {
        node.fail(`utc-node's Prometheus endpoint is elsewhere than port ${prometheusPort}: ${line}`);
      }
    }
  } catch (error) {
    await node.stop();
    throw error;
  }
  return node;
}

/** Resolves once the node's finalized head reaches `height`. */
export async function waitFinalized(api, height, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const head = await api.rpc.chain.getFinalizedHead();
    const header = await api.rpc.chain.getHeader(head);
    if (header.number.toNumber() >= height) return header.number.toNumber();
    await sleep(500);
  }
  throw new Error(`finalized height did not reach ${height} within ${timeoutMs} ms`);
}

/** A `DispatchError` as `{ section, name }`. */
function decodeError(api, dispatchError) {
  if (dispatchError.isModule) {
    const meta = api.registry.findMetaError(dispatchError.asModule);
    return { section: meta.section, name: meta.name };
  }
  if (dispatchError.isToken) return { section: 'token', name: dispatchError.asToken.type };
  return { section: 'dispatch', name: dispatchError.type };
}

/**
 * Signs and submits `tx` (`options` as for `signAndSend`, e.g. `{ nonce }`),
 * resolving when it is in a block with its events and, for a failed dispatch,
 * the decoded error `{ section, name }`.
 */
export function submit(api, tx, signer, options = {}) {
  return new Promise((resolve, reject) => {
    let unsubscribe = () => {};
    tx.signAndSend(signer, options, ({ status, events, dispatchError }) => {
      if (status.isInBlock) {
        unsubscribe();
        const error = dispatchError ? decodeError(api, dispatchError) : null;
        resolve({ blockHash: status.asInBlock, events, error });
      } else if (status.isInvalid || status.isDropped || status.isUsurped) {
        unsubscribe();
        reject(new Error(`transaction ${status.type}`));
      }
    }).then((u) => { unsubscribe = u; }, reject);
  });
}

/**
 * `submit`, failing with `what` and the decoded error on a dispatch error or on
 * a sudo call whose inner call failed; the block's events otherwise.
 */
export async function submitOk(api, tx, signer, what, options = {}) {
  const r = await submit(api, tx, signer, options);
  if (r.error) throw new Error(`${what}: ${r.error.section}.${r.error.name}`);
  const failed = r.events.find(({ event }) => api.events.sudo?.Sudid.is(event) && event.data.sudoResult.isErr);
  if (failed) {
    const { section, name } = decodeError(api, failed.event.data.sudoResult.asErr);
    throw new Error(`${what}: sudo call failed: ${section}.${name}`);
  }
  return r;
}

/**
 * Submits `txs` of `signer` at once, with consecutive nonces: they execute in
 * order, in one block or the next. `submitOk`'s results, one per transaction.
 */
export async function submitAll(api, signer, txs, what) {
  const first = (await api.rpc.system.accountNextIndex(signer.address)).toNumber();
  return Promise.all(txs.map((tx, i) =>
    submitOk(api, tx, signer, `${what} (${i + 1}/${txs.length})`, { nonce: first + i })));
}

/**
 * Starts a dev node and connects to it; `close()` disconnects and stops it,
 * returning how the node exited.
 */
export async function openDevNode() {
  const node = await startNode();
  const api = await node.connect();
  return {
    node,
    api,
    async close() {
      await api.disconnect();
      return node.stop();
    },
  };
}

/**
 * The attestation payload of pallet-compute, typed from the chain's metadata,
 * and the attestor's signature of the domain tag `utc/attest` followed by its
 * SCALE encoding.
 */
export function signAttestation(api, attestor, fields) {
  const type = api.tx.compute.submitAttestation.meta.args[1].type.toString();
  const attestation = api.createType(type, { genesisHash: api.genesisHash, ...fields });
  const message = u8aConcat(stringToU8a('utc/attest'), attestation.toU8a());
  return { attestation, signature: attestor.sign(message) };
}

/** Resolves once the node's best block reaches `height`. */
export async function waitBlock(api, height, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const header = await api.rpc.chain.getHeader();
    if (header.number.toNumber() >= height) return header.number.toNumber();
    await sleep(500);
  }
  throw new Error(`best height did not reach ${height} within ${timeoutMs} ms`);
}

/**
 * Bonds `amount` of `provider`'s funds and subscribes it to SLA `module` for
 * class `cls`, so that its mints there are backed (up to the bond).
 */
export async function backProvider(api, provider, { amount, cls, module = 0 }) {
  await submitOk(api, api.tx.sla.bond(amount), provider, 'bond');
  await submitOk(api, api.tx.sla.subscribe(cls, module), provider, 'subscribe');
}

/**
 * Makes `provider` serve jobs of class `cls` through its node, whose keystore
 * holds `operator`'s key: registered as `name`, its bond of `bond` backing the
 * uptime module (0) and `modules`, attested by `attestor` for `units` and
 * minted, commands declared (`concurrency` at once), and the operator set and
 * funded for its reports. `nonce` is the attestation's, unique per provider.
 */
export async function serveProvider(api, {
  provider, operator, attestor, name, cls, units, modules, bond, nonce, concurrency = 4,
}) {
  const ok = (what, tx) => submitOk(api, tx, provider, `${name}: ${what}`);
  await ok('fund the operator', api.tx.balances.transferKeepAlive(operator.address, 10n ** 13n));
  await ok('register', api.tx.compute.registerProvider(name, 'EU-WEST'));
  await backProvider(api, provider, { amount: bond, cls, module: 0 });
  for (const module of modules) await ok(`subscribe ${module}`, api.tx.sla.subscribe(cls, module));
  const now = (await api.rpc.chain.getHeader()).number.toNumber();
  const { attestation, signature } = signAttestation(api, attestor, {
    provider: provider.address, class: cls, units, validFrom: now, validUntil: now + 5_000,
    evidenceHash: u8aToHex(new Uint8Array(32).fill(nonce % 256)), nonce,
  });
  await ok('attest', api.tx.compute.submitAttestation(
    { Sr25519: attestor.publicKey }, attestation, { Sr25519: signature }));
  await ok('mint', api.tx.compute.mint(cls, units));
  await ok('declare', api.tx.federation.declareService({ command: true, container: false, batch: false }, concurrency));
  await ok('operator', api.tx.federation.setOperator(operator.address));
}

/**
 * Every event of every new best block a node imports, in order, with its block
 * number; `wait` resolves with the first record of `section.name` whose data
 * passes `filter`, and fails naming the event and listing the last ones seen.
 */
export class EventWatch {
  static async start(api) {
    const watch = new EventWatch(api);
    watch.unsubscribe = await api.rpc.chain.subscribeNewHeads(async (header) => {
      const records = await (await api.at(header.hash)).query.system.events();
      for (const { event } of records) watch.seen.push({ block: header.number.toNumber(), event });
    });
    return watch;
  }

  constructor(api) {
    this.api = api;
    this.seen = [];
    this.unsubscribe = () => {};
  }

  /** The records of `section.name` whose data passes `filter`. */
  all(section, name, filter = () => true) {
    const type = this.api.events[section][name];
    return this.seen.filter(({ event }) => type.is(event) && filter(event.data));
  }

  async wait(section, name, filter = () => true, timeoutMs = 120_000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const [hit] = this.all(section, name, filter);
      if (hit) return hit;
      await sleep(250);
    }
    const recent = this.seen
      .filter(({ event }) => !(event.section === 'system' && event.method === 'ExtrinsicSuccess'))
      .slice(-30)
      .map(({ block, event }) => `#${block} ${event.section}.${event.method} ${JSON.stringify(event.data.toHuman())}`);
    throw new Error(`no ${section}.${name} within ${timeoutMs / 1000} s\n--- recent events ---\n${recent.join('\n')}`);
  }
}

/** `who`'s units of class `cls` in its wallet, at `at` (`api`, or `api.at(hash)`). */
export async function walletTokens(at, cls, who) {
  const account = await at.query.assets.account(cls, who);
  return account.isSome ? account.unwrap().balance.toBigInt() : 0n;
}

/**
 * `who`'s funds of `asset` (`'Native'` or `{ Class: id }`) in its trading
 * account, at `at`: `{ free, locked, orders }` as bigints, null without an entry.
 */
export async function ledgerFunds(at, who, asset) {
  const holdings = await at.query.orderbook.ledger(who);
  if (holdings.isNone) return null;
  const { native, classes } = holdings.unwrap();
  const funds = asset === 'Native' ? native : classes.find(([cls]) => cls.toNumber() === Number(asset.Class))?.[1];
  if (!funds) return null;
  const [free, locked, orders] = [funds.free.toBigInt(), funds.locked.toBigInt(), funds.orders.toBigInt()];
  return free || locked || orders ? { free, locked, orders } : null;
}

/** `who`'s funds of `asset` in its trading account (free and locked), 0 without an entry. */
export async function traded(at, who, asset) {
  const funds = await ledgerFunds(at, who, asset);
  return funds ? funds.free + funds.locked : 0n;
}

/**
 * The units of class `cls` that `who` owns: in its wallet and in its trading
 * account (free and locked), at the best block or at `at` (`api.at(hash)`).
 */
export async function ownedTokens(api, cls, who, at = api) {
  const [inWallet, inLedger] = await Promise.all([walletTokens(at, cls, who), traded(at, who, { Class: cls })]);
  return inWallet + inLedger;
}
