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

  it('after a full window, asks only for the bars opened since its last one and appends them; a gap fetches the window again', async () => {
    const MIN = 60_000;
    const bar = (i: number, close = 100 + i) => ({ openTime: i * MIN, open: close, high: close, low: close, close, volume: 1 });
    let last = 299; // the hub's newest closed bar
    let gapAt: number | null = null;
    const limits: number[] = [];
    const hub: Pick<HubApi, 'candles' | 'price'> = {
      async candles(symbol, interval, limit) {
        limits.push(limit);
        const from = gapAt !== null && limit < 250 ? gapAt : last - limit + 1;
        const candles = [];
        for (let i = Math.max(0, from); i <= last; i++) candles.push(bar(i, i === last ? 500 : undefined));
        return { symbol, interval, candles, stale: false, simulated: true, source: 'simulated' };
      },
      async price(symbol) {
        return { symbol, price: 1, stale: false, simulated: true, source: 'simulated' };
      },
    };
    let now = (last + 1) * MIN;
    const feed = createMarketFeed({
      hub,
      symbol: 'BTCUSDT',
      interval: '1m',
      clock: { now: () => now, sleep: async () => undefined } as never,
      log: createAgentLog({ agentId: 'a', write: () => undefined }),
      candleRefreshMs: 0,
    });
    await feed.refreshCandles(250, true);
    expect(feed.candles.map((c) => c.openTime)).toEqual(Array.from({ length: 250 }, (_, i) => (50 + i) * MIN));

    // One bar later: the last known bar (revised: its close changed) and the new one.
    last = 300;
    now = (last + 1) * MIN;
    await feed.refreshCandles(250, false);
    expect(limits.at(-1)).toBe(2);
    expect(feed.candles).toHaveLength(250);
    expect(feed.candles[0]!.openTime).toBe(51 * MIN);
    expect(feed.candles.at(-2)!.close).toBe(100 + 299);
    expect(feed.candles.at(-1)).toEqual(bar(300, 500));

    // Three bars later: four asked.
    last = 303;
    now = (last + 1) * MIN;
    await feed.refreshCandles(250, false);
    expect(limits.at(-1)).toBe(4);
    expect(feed.candles.map((c) => c.openTime)).toEqual(Array.from({ length: 250 }, (_, i) => (54 + i) * MIN));

    // An answer that does not continue the window (a gap): the whole window is fetched again.
    last = 310;
    gapAt = 309;
    now = (last + 1) * MIN;
    limits.length = 0;
    await feed.refreshCandles(250, false);
    expect(limits).toEqual([8, 250]);
    expect(feed.candles.map((c) => c.openTime)).toEqual(Array.from({ length: 250 }, (_, i) => (61 + i) * MIN));
  });

  it('says a new bar is due once the hub prices the market past the close of the bar after its newest candle', async () => {
    const MIN = 60_000;
    let at: number | undefined = 10 * MIN;
    const hub: Pick<HubApi, 'candles' | 'price'> = {
      async candles(symbol, interval) {
        const candles = [{ openTime: 9 * MIN, open: 1, high: 1, low: 1, close: 1, volume: 1 }];
        return { symbol, interval, candles, stale: false, simulated: true, source: 'simulated' };
      },
      async price(symbol) {
        return { symbol, price: 1, stale: false, simulated: true, source: 'simulated', ...(at === undefined ? {} : { at }) };
      },
    };
    const feed = createMarketFeed({
      hub,
      symbol: 'BTCUSDT',
      interval: '1m',
      clock: { now: () => 0, sleep: async () => undefined } as never,
      log: createAgentLog({ agentId: 'a', write: () => undefined }),
      candleRefreshMs: 1e12,
    });
    await feed.refreshCandles(10, true);
    expect(feed.newBarDue()).toBe(false); // no price yet
    await feed.price();
    expect(feed.newBarDue()).toBe(false); // the newest candle (9:00–10:00) just closed
    at = 11 * MIN - 1;
    await feed.price();
    expect(feed.newBarDue()).toBe(false);
    at = 11 * MIN; // the 10:00 bar has closed
    await feed.price();
    expect(feed.newBarDue()).toBe(true);
    at = undefined; // a hub that does not say when: only the refresh interval applies
    await feed.price();
    expect(feed.newBarDue()).toBe(false);
  });
});
