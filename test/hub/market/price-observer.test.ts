import { describe, expect, it } from 'vitest';
import { createCandleService } from '../../../src/hub/market/candle-service.js';
import { createMemoryCandleStore } from '../../../src/hub/market/candle-store.js';
import { observeCandleService, type PriceObserver } from '../../../src/hub/market/price-observer.js';
import { createSimulatedProvider } from '../../../src/hub/market/simulated.js';
import type { Candle } from '../../../src/shared/market.js';

const T0 = Date.UTC(2026, 2, 10, 10, 5, 0);

function recorder(): PriceObserver & { prices: Array<[string, number, number]>; series: Array<[string, readonly Candle[]]> } {
  const prices: Array<[string, number, number]> = [];
  const series: Array<[string, readonly Candle[]]> = [];
  return {
    prices,
    series,
    price: (symbol, price, at) => void prices.push([symbol, price, at]),
    bars: (symbol, bars) => void series.push([symbol, bars]),
  };
}

describe('observeCandleService', () => {
  const now = () => T0;
  const inner = () => createCandleService({ provider: createSimulatedProvider({ now, seed: 3 }), store: createMemoryCandleStore(), now });

  it('reports every price and series it serves, fresh or cached, under the canonical symbol', async () => {
    const seen = recorder();
    const service = observeCandleService(inner(), seen, (e) => {
      throw e;
    });
    const first = await service.getPrice('btc/usdt');
    const again = await service.getPrice('BTCUSDT'); // cached: still a price the hub served
    expect(seen.prices).toEqual([
      ['BTCUSDT', first.price, first.at],
      ['BTCUSDT', again.price, again.at],
    ]);
    const candles = await service.getCandles({ symbol: 'ETHUSDT', interval: '1m', limit: 5 });
    expect(seen.series).toEqual([['ETHUSDT', candles.candles]]);
    expect(service.provider.name).toBe('simulated');
  });

  it('a throwing observer never fails the market answer', async () => {
    const errors: unknown[] = [];
    const service = observeCandleService(
      inner(),
      {
        price: () => {
          throw new Error('observer broke');
        },
        bars: () => {
          throw new Error('observer broke');
        },
      },
      (e) => errors.push(e),
    );
    expect((await service.getPrice('BTCUSDT')).price).toBeGreaterThan(0);
    expect((await service.getCandles({ symbol: 'BTCUSDT', interval: '1m', limit: 3 })).candles).toHaveLength(3);
    expect(errors).toHaveLength(2);
  });
});
