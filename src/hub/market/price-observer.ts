/**
 * Every price the hub's market layer serves, reported as it goes out: a wrapper around a
 * `CandleService` that tells an observer about each price (with the time it was observed) and
 * each series of candles it returns, cached or fresh. The broker's liquidator listens here, so a
 * price any agent, order or chat view looks up is checked against open positions.
 *
 * Observers are called synchronously and must be cheap and never throw into the market path
 * (a throwing observer is reported to `onError` and the answer still goes out).
 */
import type { Candle } from '../../shared/market.js';
import type { CandleService } from './candle-service.js';

export interface PriceObserver {
  /** `price` (quote currency) of `symbol` (canonical id) as observed at `atMs` (Unix ms). */
  price(symbol: string, price: number, atMs: number): void;
  /** Candles of `symbol` served, oldest-first. */
  bars(symbol: string, bars: readonly Candle[]): void;
}

/** `service` with every served price and series reported to `observer`. */
export function observeCandleService(service: CandleService, observer: PriceObserver, onError: (error: unknown) => void): CandleService {
  const report = (f: () => void) => {
    try {
      f();
    } catch (error) {
      onError(error);
    }
  };
  return {
    provider: service.provider,
    stats: () => service.stats(),
    async getCandles(request) {
      const result = await service.getCandles(request);
      report(() => observer.bars(result.symbol.id, result.candles));
      return result;
    },
    async getPrice(symbol, priority, options) {
      const result = await service.getPrice(symbol, priority, options);
      report(() => observer.price(result.symbol.id, result.price, result.at));
      return result;
    },
  };
}
