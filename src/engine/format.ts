/**
 * Number formatting for the engine's log lines: short, readable, stable across assets.
 */

/** A price with 6 significant digits (61234.5, 0.0234567), no exponent for normal prices. */
export function fmtPrice(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  if (abs >= 1e6) return x.toFixed(2);
  return String(Number(x.toPrecision(6)));
}

/** Quote-currency amount with a sign and 2 decimals: "+3.21", "-0.50". */
export function fmtUsd(x: number): string {
  const s = Math.abs(x).toFixed(2);
  return `${x < 0 && s !== '0.00' ? '-' : '+'}${s}`;
}

/** A plain number without trailing zeros, at most `digits` decimals: 10, 2.5, 0.33. */
export function fmtNum(x: number, digits = 2): string {
  return String(Number(x.toFixed(digits)));
}

/** A signal in [-1, 1] with 2 decimals and a sign: "+0.62", "-0.31". */
export function fmtSignal(x: number): string {
  return `${x < 0 ? '-' : '+'}${Math.abs(x).toFixed(2)}`;
}

/** A TP/SL level for a log line: its price, or "none" when the level is not set. */
export function fmtLevel(x: number | null): string {
  return x === null ? 'none' : fmtPrice(x);
}
