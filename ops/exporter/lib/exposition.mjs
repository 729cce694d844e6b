// Prometheus text exposition format, version 0.0.4: metric families with their
// HELP and TYPE lines and labelled samples. Values may be bigints (balances and
// units are u128 on chain) or decimal strings (`decimal`): both are written exactly.

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const escapeHelp = (text) => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeLabel = (value) => String(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export class Exposition {
  constructor() {
    this.families = new Map();
  }

  /**
   * Declares a family once (`type` is `gauge` or `counter`); a family without
   * samples is still written with its HELP and TYPE lines.
   */
  family(name, type, help) {
    if (!this.families.has(name)) this.families.set(name, { type, help, samples: [] });
    return this;
  }

  /** Adds a sample of a declared family. */
  sample(name, labels, value) {
    const family = this.families.get(name);
    if (!family) throw new Error(`metric ${name} is not declared`);
    family.samples.push({ labels, value });
    return this;
  }

  render() {
    const lines = [];
    for (const [name, { type, help, samples }] of this.families) {
      lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
      for (const { labels, value } of samples) {
        const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
        lines.push(`${name}${pairs.length ? `{${pairs.join(',')}}` : ''} ${value.toString()}`);
      }
    }
    return `${lines.join('\n')}\n`;
  }
}

/**
 * `value / 10^decimals` as an exact decimal: how an amount of a token's
 * smallest part reads in whole tokens (`decimal(2_500n, 3)` is `2.5`).
 */
export function decimal(value, decimals) {
  const digits = value.toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : whole;
}
