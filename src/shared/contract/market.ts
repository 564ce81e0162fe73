/**
 * Agent → hub market data, from the hub's cache (agents never call a provider themselves):
 *   GET /internal/market/candles?symbol=&interval=&limit=&priority= → CandlesResponse
 *   GET /internal/market/price?symbol=&priority= → PriceResponse
 * Prices in quote currency; times in Unix epoch milliseconds. See docs/architecture.md.
 */
import * as Type from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { Interval, OneOf, SymbolInput } from './primitives.js';

/** Bars per request an agent may ask for. */
export const MARKET_LIMITS = { maxCandles: 1000, defaultCandles: 200 } as const;

/** `position`: the agent holds an open position, so its refreshes are served first. */
export const MarketPriority = OneOf(['position', 'normal'] as const, { default: 'normal' });
export type MarketPriority = Static<typeof MarketPriority>;

export const CandlesQuery = Type.Object(
  {
    symbol: SymbolInput,
    interval: Interval,
    limit: Type.Integer({ minimum: 1, maximum: MARKET_LIMITS.maxCandles, default: MARKET_LIMITS.defaultCandles }),
    priority: MarketPriority,
  },
  { additionalProperties: false },
);
/** After the hub's defaults are applied (`limit`, `priority`). */
export type CandlesQuery = Static<typeof CandlesQuery>;

export const PriceQuery = Type.Object({ symbol: SymbolInput, priority: MarketPriority }, { additionalProperties: false });
export type PriceQuery = Static<typeof PriceQuery>;

/** One OHLCV bar. `openTime` is the bar's start (ms, UTC); `volume` is in base units. */
export const Candle = Type.Object({
  openTime: Type.Integer(),
  open: Type.Number(),
  high: Type.Number(),
  low: Type.Number(),
  close: Type.Number(),
  volume: Type.Number(),
});
export type Candle = Static<typeof Candle>;

/** Why the data is stale: the daily budget is spent, the queue would wait too long, or upstream failed. */
export const StaleReason = OneOf(['budget', 'deadline', 'upstream'] as const);

const marketAnswerFields = {
  /** The canonical symbol id the hub read the query's spelling as. */
  symbol: Type.String(),
  stale: Type.Boolean(),
  staleReason: Type.Optional(StaleReason),
  simulated: Type.Boolean(),
  source: Type.String(),
};

export const CandlesResponse = Type.Object({ ...marketAnswerFields, interval: Type.String(), candles: Type.Array(Candle) });
export type CandlesResponse = Static<typeof CandlesResponse>;

export const PriceResponse = Type.Object({
  ...marketAnswerFields,
  price: Type.Number(),
  /** When the price was observed, Unix ms. */
  at: Type.Optional(Type.Integer()),
});
export type PriceResponse = Static<typeof PriceResponse>;
