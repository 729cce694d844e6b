// Exact conversions between the chain's integers and the decimal numbers people read.

/**
 * `value` in units of 10^-`decimals`, as a decimal with thousands separators,
 * at most `maxFraction` fraction digits (cut, not rounded) and no trailing zeros.
 */
export function formatUnits(value: bigint, decimals: number, maxFraction = decimals): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const fraction = digits.slice(digits.length - decimals).slice(0, maxFraction).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** A decimal typed by a person as an integer in units of 10^-`decimals`; throws when it is not one. */
export function parseUnits(text: string, decimals: number): bigint {
  const match = /^\s*(\d*)(?:\.(\d*))?\s*$/.exec(text.replace(/,/g, ''));
  if (!match || (match[1] === '' && !match[2])) throw new Error(`"${text}" is not a number`);
  const [, whole, fraction = ''] = match;
  if (fraction.replace(/0+$/, '').length > decimals) {
    throw new Error(`"${text}" has more than ${decimals} decimals`);
  }
  return BigInt(whole || '0') * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, '0').slice(0, decimals) || '0');
}

/** A permill (parts per million) as a percentage. */
export function formatPermill(permill: number): string {
  return `${formatUnits(BigInt(permill), 4)}%`;
}

/** An SS58 address shortened for tables; the full one goes in a title. */
export function shortAddress(address: string): string {
  return address.length > 14 ? `${address.slice(0, 6)}…${address.slice(-6)}` : address;
}
