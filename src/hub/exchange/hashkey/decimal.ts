/**
 * Exact decimal helpers for order quantities and prices.
 *
 * Exchanges compare quantities against step and tick sizes as decimals; binary floats would turn
 * `0.3 / 0.1` into 2.9999999999999996 and round an order down by one step. These helpers scale
 * decimal strings to BigInt, so rounding to a step is exact.
 */

/** Thrown when a value is not a finite, non-negative decimal. */
export class InvalidDecimalError extends Error {
  override name = 'InvalidDecimalError';
}

interface Scaled {
  units: bigint;
  scale: number;
}

const DECIMAL_RE = /^(\d+)(?:\.(\d*))?$/;

/**
 * Plain decimal text for a non-negative number or decimal string, never exponent notation:
 * `1.5e-7` → `0.00000015`, `'2.50'` → `2.5`, `3` → `3`.
 */
export function toDecimalString(value: number | string): string {
  return format(parse(value));
}

/** Round `value` down to a whole multiple of `step` (`step` of 0 or '' leaves it unchanged). */
export function floorToStep(value: number | string, step: number | string | undefined): string {
  const v = parse(value);
  if (step === undefined || step === '' || isZero(step)) return format(v);
  const s = parse(step);
  const scale = Math.max(v.scale, s.scale);
  const vu = rescale(v, scale);
  const su = rescale(s, scale);
  return format({ units: (vu / su) * su, scale });
}

/** -1, 0 or 1 as `a` is less than, equal to or greater than `b`, compared exactly. */
export function compareDecimal(a: number | string, b: number | string): number {
  const x = parse(a);
  const y = parse(b);
  const scale = Math.max(x.scale, y.scale);
  const xu = rescale(x, scale);
  const yu = rescale(y, scale);
  return xu < yu ? -1 : xu > yu ? 1 : 0;
}

/** True for 0, '0', '0.000' and the like. */
export function isZero(value: number | string): boolean {
  return parse(value).units === 0n;
}

function parse(value: number | string): Scaled {
  const text = typeof value === 'number' ? numberToPlain(value) : value.trim();
  const match = DECIMAL_RE.exec(text);
  if (!match) throw new InvalidDecimalError(`not a non-negative decimal: ${JSON.stringify(String(value))}`);
  const whole = match[1];
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  return { units: BigInt(whole + fraction), scale: fraction.length };
}

function numberToPlain(value: number): string {
  if (!Number.isFinite(value) || value < 0) {
    throw new InvalidDecimalError(`not a finite non-negative number: ${value}`);
  }
  // Number#toString gives the shortest text that round-trips, sometimes in exponent form.
  const text = value.toString();
  const exp = /^(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!exp) return text;
  const digits = exp[1] + (exp[2] ?? '');
  const pointAt = exp[1].length + Number(exp[3]);
  if (pointAt <= 0) return `0.${'0'.repeat(-pointAt)}${digits}`;
  if (pointAt >= digits.length) return digits + '0'.repeat(pointAt - digits.length);
  return `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
}

function rescale(x: Scaled, scale: number): bigint {
  return x.units * 10n ** BigInt(scale - x.scale);
}

function format(x: Scaled): string {
  const text = x.units.toString().padStart(x.scale + 1, '0');
  if (x.scale === 0) return text;
  const whole = text.slice(0, text.length - x.scale);
  const fraction = text.slice(text.length - x.scale).replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : whole;
}
