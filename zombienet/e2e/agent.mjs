// A real utc-agent for the end-to-end and network tests: the process backend,
// a free port on 127.0.0.1, its state in a temp folder.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const AGENT_BIN = process.env.UTC_AGENT_BIN ||
  join(process.env.CARGO_TARGET_DIR || join(homedir(), '.cache/utc-chain/target'), 'debug/utc-agent');

/** A real utc-agent with the process backend, on a free port, in a temp folder. */
export class Agent {
  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'utc-e2e-agent-'));
    // Jobs run as users of their own, who must reach their folders under it.
    chmodSync(this.dir, 0o711);
    this.config = join(this.dir, 'agent.toml');
    writeFileSync(this.config, [
      `state_dir = "${join(this.dir, 'state')}"`,
      'poll_interval_ms = 100',
      '[backends]', 'process = true', 'container = false', 'slurm = false',
      '[classes.default]', 'command = "process"', 'network = false',
    ].join('\n') + '\n');
  }

  get running() { return Boolean(this.child) && this.child.exitCode === null && this.child.signalCode === null; }

  get tokenFile() { return join(this.dir, 'state', 'token'); }

  /** Starts the agent: on a free port the first time, on the same address again after a stop. */
  async start() {
    const listen = this.url ? new URL(this.url).host : '127.0.0.1:0';
    this.child = spawn(AGENT_BIN, ['run', '--config', this.config, '--listen', listen],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: this.child.stdout });
    const first = await new Promise((resolve, reject) => {
      lines.once('line', resolve);
      this.child.once('error', reject);
      this.child.once('exit', (code) => reject(new Error(`utc-agent exited with ${code}`)));
    });
    const url = first.trim().replace(/^utc-agent listening on /, '');
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/, `utc-agent did not start: ${first}`);
    this.url = this.url ?? url;
    assert.equal(url, this.url, 'the agent came back on its address');
    this.token = readFileSync(this.tokenFile, 'utf8').trim();
    return url;
  }

  /** Stops the agent (SIGTERM) and waits for it to exit; its jobs go on running. */
  stop() { return this.signal('SIGTERM'); }

  /** Kills the agent's process (SIGKILL: no shutdown at all) and waits for it to exit. */
  kill() { return this.signal('SIGKILL'); }

  async signal(name) {
    if (!this.running) return;
    const done = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill(name);
    await done;
  }

  async job(id) {
    const res = await fetch(`${this.url}/v1/jobs/${id}`, { headers: { authorization: `Bearer ${this.token}` } });
    return { status: res.status, body: await res.json() };
  }

  async close() {
    await this.stop();
    // UTC_E2E_KEEP=1 keeps the agent's folder (jobs' output and logs) to look at.
    if (process.env.UTC_E2E_KEEP) console.log(`agent folder kept: ${this.dir}`);
    else rmSync(this.dir, { recursive: true, force: true });
  }
}
