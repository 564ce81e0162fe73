/**
 * Market data shared by the hub and the agent bundle: bars and intervals (their rules live in
 * the contract, src/shared/contract/) and interval lengths.
 * Prices are in quote currency (USDT for `BTCUSDT`); times are Unix epoch milliseconds.
 */
import type { Interval } from './contract/primitives.js';

export { INTERVALS, isInterval, Interval } from './contract/primitives.js';
export { Candle } from './contract/market.js';

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
