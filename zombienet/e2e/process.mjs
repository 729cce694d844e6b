// A process the tests start (utc-node, Substrate API Sidecar, utc-exporter):
// its output lines are kept, to wait for one of them and to show the last ones
// when a test fails.

import { spawn } from 'node:child_process';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class TestProcess {
  /** Spawns `command` with `args` (`options` as for `spawn`); `name` names it in errors. */
  constructor(name, command, args, options = {}) {
    this.name = name;
    this.log = [];
    this.exited = null;
    this.child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk) => {
      for (const line of chunk.toString().split('\n')) if (line) this.log.push(line);
      if (this.log.length > 2000) this.log.splice(0, this.log.length - 2000);
    };
    this.child.stdout.on('data', keep);
    this.child.stderr.on('data', keep);
    this.child.on('exit', (code, signal) => { this.exited = { code, signal }; });
    // A command that cannot be started emits 'error', not always 'exit'.
    this.child.on('error', (error) => { this.exited ??= { error: `cannot start ${command}: ${error.message}` }; });
  }

  logTail(lines = 40) { return this.log.slice(-lines).join('\n'); }

  /** Throws `message` followed by the tail of the log. */
  fail(message) {
    throw new Error(`${message}\n--- ${this.name} log tail ---\n${this.logTail()}`);
  }

  /** Waits for a log line matching `pattern`; fails if the process exits first. */
  async waitForLog(pattern, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const line = this.log.find((l) => pattern.test(l));
      if (line) return line;
      if (this.exited) this.fail(`${this.name} exited (${JSON.stringify(this.exited)}) before logging ${pattern}`);
      await sleep(100);
    }
    return this.fail(`${this.name} did not log ${pattern} within ${timeoutMs} ms`);
  }

  /** Kills the process (SIGKILL: no shutdown at all) and waits for it to exit. */
  async kill() {
    if (this.exited) return this.exited;
    const done = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    this.child.kill('SIGKILL');
    return done;
  }

  /** Stops the process with SIGTERM (SIGKILL after 20 s) and waits for it to exit. */
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
