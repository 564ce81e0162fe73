/** Numbers and times as the dashboard shows them (English, the viewer's time zone). */

/** USDT with a sign for PnL: `+12.30`, `−4.05`. */
export function signedUsd(value: number): string {
  const text = Math.abs(value).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return value > 0 ? `+${text}` : value < 0 ? `−${text}` : text;
}

export function usd(value: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/** A price with enough digits for its size (BTC 2 decimals, a meme coin 8). */
export function price(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const digits = value >= 1000 ? 2 : value >= 1 ? 4 : 8;
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: Math.min(2, digits) });
}

export function qty(value: number): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: 8 });
}

/** A fraction as a percent: 0.123 → `12.3%`. */
export function percentOf(fraction: number | null): string {
  return fraction === null ? '—' : `${(fraction * 100).toLocaleString('en-US', { maximumFractionDigits: 1 })}%`;
}

export function dateTime(iso: string | number): string {
  return new Date(iso).toLocaleString('en-GB', { day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit' });
}

export function time(iso: string): string {
  return new Date(iso).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function duration(ms: number | null): string {
  if (ms === null) return '—';
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours}h ${minutes % 60}m` : `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/** CSS class of a PnL figure. */
export function pnlClass(value: number | null): string {
  return value === null || value === 0 ? '' : value > 0 ? 'up' : 'down';
}
