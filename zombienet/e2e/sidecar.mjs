// Substrate API Sidecar (@substrate/api-sidecar), the REST service exchanges and
// custodians put in front of a node, run as a child process against a utc-node
// on a free port of 127.0.0.1, with its stock configuration: no custom types.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { freePort } from './node.mjs';
import { TestProcess } from './process.mjs';

const require = createRequire(import.meta.url);
const manifest = require.resolve('@substrate/api-sidecar/package.json');
export const SIDECAR_BIN = join(dirname(manifest), require(manifest).bin['substrate-api-sidecar']);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sidecar on 127.0.0.1:`port`, reading the node at `endpoint`. */
export class Sidecar extends TestProcess {
  constructor(endpoint, port) {
    super('sidecar', process.execPath, [SIDECAR_BIN], {
      env: {
        ...process.env,
        SAS_SUBSTRATE_URL: endpoint,
        SAS_EXPRESS_PORT: String(port),
        SAS_EXPRESS_BIND_HOST: '127.0.0.1',
      },
    });
    this.url = `http://127.0.0.1:${port}`;
  }

  /** The JSON answer of `method path`; fails with the status, the body and the log tail otherwise. */
  async request(method, path, body) {
    const res = await fetch(this.url + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) this.fail(`sidecar ${method} ${path}: ${res.status} ${text.slice(0, 2_000)}`);
    return JSON.parse(text);
  }

  get(path) { return this.request('GET', path); }

  post(path, body) { return this.request('POST', path, body); }
}

/** Starts sidecar against the node at `endpoint` and waits until it answers. */
export async function startSidecar(endpoint, { startTimeoutMs = 60_000 } = {}) {
  const sidecar = new Sidecar(endpoint, await freePort());
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (sidecar.exited) sidecar.fail(`sidecar exited (${JSON.stringify(sidecar.exited)})`);
    try {
      const res = await fetch(`${sidecar.url}/node/version`);
      if (res.ok) return sidecar;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await sidecar.stop();
      sidecar.fail(`sidecar did not answer within ${startTimeoutMs} ms`);
    }
    await sleep(250);
  }
}
