// Starts a real utc-node for end-to-end tests and stops it again.
//
// The node gets free ports; the harness confirms from the node's own log that
// its RPC server listens on the port asked for (utc-node silently falls back to
// a random port when its port is taken). A node that fails to start fails the
// test with the tail of its log.

import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';

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

export class UtcNode {
  constructor(child, rpcPort, p2pPort) {
    this.child = child;
    this.rpcPort = rpcPort;
    this.p2pPort = p2pPort;
    this.log = [];
    this.exited = null;
    const keep = (chunk) => {
      for (const line of chunk.toString().split('\n')) if (line) this.log.push(line);
      if (this.log.length > 2000) this.log.splice(0, this.log.length - 2000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('exit', (code, signal) => { this.exited = { code, signal }; });
  }

  get endpoint() { return `ws://127.0.0.1:${this.rpcPort}`; }

  logTail(lines = 40) { return this.log.slice(-lines).join('\n'); }

  fail(message) {
    throw new Error(`${message}\n--- utc-node log tail ---\n${this.logTail()}`);
  }

  /** Waits for a log line matching `pattern`; fails if the node exits first. */
  async waitForLog(pattern, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const line = this.log.find((l) => pattern.test(l));
      if (line) return line;
      if (this.exited) this.fail(`utc-node exited (${JSON.stringify(this.exited)}) before logging ${pattern}`);
      await sleep(100);
    }
    this.fail(`utc-node did not log ${pattern} within ${timeoutMs} ms`);
  }

  /** Connects @polkadot/api to the node. */
  async connect() {
    const provider = new WsProvider(this.endpoint, 1000, {}, 30_000);
    return ApiPromise.create({ provider, noInitWarn: true, throwOnConnect: true });
  }

  /** Kills the node's process (SIGKILL: no shutdown at all) and waits for it to exit. */
  async kill() {
    if (this.exited) return this.exited;
    const done = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    this.child.kill('SIGKILL');
    return done;
  }

  /** Stops the node with SIGTERM (SIGKILL after 20 s) and waits for it to exit. */
  async stop() {
    if (this.exited) return this.exited;
    const done = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    const result = await done;
    clearTimeout(timer);
    return result;
  }
}

/**
 * Starts `utc-node --dev --tmp` (or with `args` instead of `--dev`; `--tmp` only
 * when `args` name no `--base-path`) on free ports and waits until its RPC
 * server listens where it was told to.
 */
export async function startNode({ args = ['--dev'], startTimeoutMs = 120_000 } = {}) {
  const rpcPort = await freePort();
  const p2pPort = await freePort();
  const child = spawn(NODE_BIN, [
    ...args,
    ...(args.includes('--base-path') ? [] : ['--tmp']),
    '--rpc-port', String(rpcPort),
    '--port', String(p2pPort),
    '--no-prometheus',
    '--no-telemetry',
    '--no-mdns',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  const node = new UtcNode(child, rpcPort, p2pPort);
  await new Promise((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (e) => reject(new Error(`cannot start ${NODE_BIN}: ${e.message}`)));
  });
  const line = await node.waitForLog(/Running JSON-RPC server: addr=/, startTimeoutMs);
  if (!new RegExp(`addr=(127\\.0\\.0\\.1|\\[::1\\]):${rpcPort}\\b`).test(line)) {
    await node.stop();
    node.fail(`utc-node listens elsewhere than 127.0.0.1:${rpcPort}: ${line}`);
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

/**
 * Signs and submits `tx`, resolving when it is in a block with its events and,
 * for a failed dispatch, the decoded error `{ section, name }`.
 */
export function submit(api, tx, signer) {
  return new Promise((resolve, reject) => {
    let unsubscribe = () => {};
    tx.signAndSend(signer, ({ status, events, dispatchError }) => {
      if (status.isInBlock) {
        unsubscribe();
        let error = null;
        if (dispatchError) {
          if (dispatchError.isModule) {
            const meta = api.registry.findMetaError(dispatchError.asModule);
            error = { section: meta.section, name: meta.name };
          } else if (dispatchError.isToken) {
            error = { section: 'token', name: dispatchError.asToken.type };
          } else {
            error = { section: 'dispatch', name: dispatchError.type };
          }
        }
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
export async function submitOk(api, tx, signer, what) {
  const r = await submit(api, tx, signer);
  if (r.error) throw new Error(`${what}: ${r.error.section}.${r.error.name}`);
  const failed = r.events.find(({ event }) => api.events.sudo?.Sudid.is(event) && event.data.sudoResult.isErr);
  if (failed) throw new Error(`${what}: sudo call failed: ${failed.event.data.sudoResult.toString()}`);
  return r;
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
