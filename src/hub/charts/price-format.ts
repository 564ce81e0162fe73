/**
 * Prices and money as chart labels: grouped thousands, and as many decimals as the size of the
 * number needs (65,432.1 · 3,456.78 · 0.12345), so axis labels stay short on a phone.
 */

/** Decimals that show a price of this size to about five significant digits (at most 8). */
export function priceDecimals(value: number): number {
  const abs = Math.abs(value);
  if (!Number.isFinite(abs) || abs === 0) return 2;
  if (abs >= 10_000) return 1;
  if (abs >= 1) return 2;
  return Math.min(8, 4 - Math.floor(Math.log10(abs)));
}

export function formatPrice(value: number, decimals = priceDecimals(value)): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: Math.min(decimals, 2), maximumFractionDigits: decimals });
}

/** `+12.34`, `−3.10` (two decimals, a real minus sign). */
export function formatSigned(value: number): string {
  const sign = value > 0 ? '+' : value < 0 ? '−' : '±';
  return `${sign}${Math.abs(value).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}
