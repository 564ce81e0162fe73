/**
 * Market data types shared by the hub and the agent bundle.
 * Prices are in quote currency (USDT for `BTCUSDT`); times are Unix epoch milliseconds.
 */

/** One OHLCV bar. `openTime` is the bar's start (ms, UTC); `volume` is in base units. */
export interface Candle {
  openTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** Bar intervals Artic supports, in the product's own spelling. */
export const INTERVALS = ['1m', '5m', '15m', '30m', '1h', '4h', '1d'] as const;
export type Interval = (typeof INTERVALS)[number];

/** Interval length in milliseconds. */
export const INTERVAL_MS: Record<Interval, number> = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '1h': 3_600_000,
  '4h': 14_400_000,
  '1d': 86_400_000,
};

export function isInterval(value: string): value is Interval {
  return (INTERVALS as readonly string[]).includes(value);
}
