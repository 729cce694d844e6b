// The exporter's test harness: utc-exporter as a child process and a parser of
// the Prometheus text format it serves. The node, its events and the
// transactions come from the end-to-end harness, zombienet/e2e/node.mjs.

import { freePort } from '../../../zombienet/e2e/node.mjs';
import { TestProcess } from '../../../zombienet/e2e/process.mjs';

const EXPORTER = new URL('../exporter.mjs', import.meta.url).pathname;

/** A Prometheus text exposition: its samples and the TYPE and HELP of each family. */
export class Scrape {
  constructor(text) {
    this.text = text;
    this.types = new Map();
    this.helps = new Map();
    this.samples = [];
    for (const line of text.split('\n')) {
      const meta = /^# (TYPE|HELP) (\S+) (.*)$/.exec(line);
      if (meta) {
        (meta[1] === 'TYPE' ? this.types : this.helps).set(meta[2], meta[3]);
        continue;
      }
      if (!line || line.startsWith('#')) continue;
      const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!m) throw new Error(`not a sample line: ${line}`);
      const labels = {};
      for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
      this.samples.push({ name: m[1], labels, value: m[3] });
    }
  }

  /** The samples of `name` whose labels include `labels`. */
  all(name, labels = {}) {
    return this.samples.filter((s) => s.name === name
      && Object.entries(labels).every(([k, v]) => s.labels[k] === String(v)));
  }

  /** The value of the one sample of `name` with `labels`, as written; undefined if absent. */
  value(name, labels = {}) {
    const found = this.all(name, labels);
    if (found.length > 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
    return found[0]?.value;
  }

  /** `value` as a bigint. */
  int(name, labels = {}) {
    const value = this.value(name, labels);
    return value === undefined ? undefined : BigInt(value);
  }

  /** `value` as a number. */
  num(name, labels = {}) {
    const value = this.value(name, labels);
    return value === undefined ? undefined : Number(value);
  }
}

/** Fetches and parses a Prometheus endpoint. */
export async function scrape(url) {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
  return new Scrape(await res.text());
}

/** utc-exporter as a child process, reading `rpc`. */
export class ExporterProcess extends TestProcess {
  static async start(rpc, args = []) {
    const port = await freePort();
    const exporter = new ExporterProcess('utc-exporter', process.execPath,
      [EXPORTER, '--rpc', rpc, '--port', String(port), ...args]);
    exporter.url = `http://127.0.0.1:${port}/metrics`;
    try {
      await exporter.waitForLog(new RegExp(`serving http://127\\.0\\.0\\.1:${port}/metrics`), 10_000);
    } catch (error) {
      await exporter.stop();
      throw error;
    }
    return exporter;
  }

  scrape() {
    return scrape(this.url);
  }

  /**
   * Scrapes until the exporter is up at a finalized height of at least `height`
   * and `until(scrape)` holds; the scrape.
   */
  async scrapeAt(height, { until = () => true, timeoutMs = 60_000 } = {}) {
    const deadline = Date.now() + timeoutMs;
    let last;
    for (;;) {
      last = await this.scrape();
      const at = last.int('utc_chain_height', { status: 'finalized' });
      if (last.int('utc_exporter_up') === 1n && at >= BigInt(height) && until(last)) return last;
      if (Date.now() > deadline) {
        throw new Error(`the exporter did not reach block ${height} within ${timeoutMs} ms\n`
          + `--- last scrape ---\n${last.text}--- exporter log ---\n${this.log.join('\n')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }
}
