import { describe, expect, it } from 'vitest';
import { createAgentLog } from '../../agent/src/agent-log.js';
import { createMarketFeed } from '../../src/engine/market-feed.js';
import type { HubApi } from '../../agent/src/hub-client.js';

describe('market feed', () => {
  it('asks the hub for priority while the agent holds a position', async () => {
    const asked: Array<[string, string | undefined]> = [];
    const hub: Pick<HubApi, 'candles' | 'price'> = {
      async candles(symbol, interval, limit, _signal, priority) {
        asked.push(['candles', priority]);
        return {
          symbol,
          interval,
          candles: [{ openTime: 0, open: 1, high: 1, low: 1, close: 1, volume: 1 }],
          stale: false,
          simulated: true,
          source: 'simulated',
        };
      },
      async price(symbol, _signal, priority) {
        asked.push(['price', priority]);
        return { symbol, price: 1, stale: false, simulated: true, source: 'simulated' };
      },
    };
    let holding = false;
    let now = 0;
    const feed = createMarketFeed({
      hub,
      symbol: 'BTCUSDT',
      interval: '1m',
      clock: { now: () => now, sleep: async () => undefined } as never,
      log: createAgentLog({ agentId: 'a', write: () => undefined }),
      candleRefreshMs: 0,
      inPosition: () => holding,
    });
    await feed.refreshCandles(10, true);
    await feed.price();
    holding = true;
    now += 1;
    await feed.refreshCandles(10, true);
    await feed.price();
    expect(asked).toEqual([
      ['candles', undefined],
      ['price', undefined],
      ['candles', 'position'],
      ['price', 'position'],
    ]);
  });
});
