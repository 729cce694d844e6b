// A local UTC chain network of real utc-node processes for the network tests:
// the `local` chain's four validators (Alice, Bob, Charlie, Dave, keys from
// their dev seeds), each with its own base path, so a node can be killed and
// started again on its own database.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_BIN, startNode } from '../e2e/node.mjs';

// Alice's network key (node key 0x…01) and the peer id it gives her.
const ALICE_NODE_KEY = '0'.repeat(63) + '1';
const ALICE_PEER_ID = '12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp';

const SPEC_SCRIPT = fileURLToPath(new URL('../spec.sh', import.meta.url));

export class LocalNetwork {
  /** The `local` chain with `sessionLength` blocks per session, in a fresh folder. */
  constructor({ sessionLength }) {
    this.dir = mkdtempSync(join(tmpdir(), 'utc-network-'));
    this.spec = join(this.dir, 'raw.json');
    // The zombienet networks' spec, with this session length.
    const path = `${dirname(NODE_BIN)}:${process.env.PATH}`;
    writeFileSync(this.spec, execFileSync(SPEC_SCRIPT, [String(sessionLength)],
      { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, env: { ...process.env, PATH: path } }));
    this.nodes = {};
  }

  /** Starts (or starts again, on its database) the validator `name` (alice, bob, ...). */
  async start(name) {
    const args = ['--chain', this.spec, `--${name}`, '--base-path', join(this.dir, name)];
    if (name === 'alice') args.push('--node-key', ALICE_NODE_KEY);
    else args.push(...this.peerArgs());
    this.nodes[name] = await startNode({ args });
    return this.nodes[name];
  }

  /**
   * Starts (or starts again) the provider node `name`: not a validator; its
   * offchain worker hands the jobs of the provider whose operator key is in its
   * keystore to `agent` and reports them.
   */
  async startProvider(name, agent) {
    const args = ['--chain', this.spec, '--name', name, '--base-path', join(this.dir, name),
      '--offchain-worker', 'always', '--agent-url', agent.url, '--agent-token-file', agent.tokenFile,
      ...this.peerArgs()];
    this.nodes[name] = await startNode({ args });
    return this.nodes[name];
  }

  // A node other than Alice's makes its own network key on first start, keeps it
  // in its base path, and finds the others through Alice.
  peerArgs() {
    return ['--unsafe-force-node-key-generation',
      '--bootnodes', `/ip4/127.0.0.1/tcp/${this.nodes.alice.p2pPort}/p2p/${ALICE_PEER_ID}`];
  }

  /** Runs a scenario's step; a failing one names itself and shows every node's last log lines. */
  async step(what, body) {
    try {
      return await body();
    } catch (error) {
      throw new Error(`${what}: ${error.message}\n${this.logTails()}`);
    }
  }

  /** Every node's last log lines, for a failure's message. */
  logTails(lines = 20) {
    return Object.entries(this.nodes)
      .map(([name, node]) => `--- ${name} ---\n${node.logTail(lines)}`)
      .join('\n');
  }

  async stop() {
    for (const node of Object.values(this.nodes)) await node.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The best and finalized heights a node sees. */
export async function heights(api) {
  const best = (await api.rpc.chain.getHeader()).number.toNumber();
  const finalized = (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
  return { best, finalized };
}

/** Polls `check` every half second until it returns a truthy value; fails with `what`. */
export async function waitFor(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
