/**
 * Backtest history against the HashKey and Twelve Data stand-ins and real PostgreSQL, through the
 * market the hub builds from its configuration (the same provider, limiter and candle cache as the
 * agents): paging, cache reuse, the Twelve Data budget, simulated data and the typed errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config, MarketDataChoice } from '../../../src/config.js';
import type { Orm } from '../../../src/db/orm.js';
import { createHistoryDeps, loadHistory, type HistoryRequest } from '../../../src/hub/backtest/history.js';
import { BacktestSymbolError, HistoryRangeError } from '../../../src/hub/backtest/history-errors.js';
import { createMarketFromConfig, type Market } from '../../../src/hub/market/market-from-config.js';
import { parseSymbol } from '../../../src/hub/market/symbols.js';
import { INTERVAL_MS, type Candle } from '../../../src/shared/market.js';
import { createTestOrm } from '../../support/db.js';
import { startHashKeyServer, type HashKeyServer } from '../../support/hashkey-server.js';
import { rejectionOf } from '../../support/rejection.js';
import { startTwelveDataServer, type TwelveDataServer } from '../../support/twelve-data-server.js';

const NOW = Date.UTC(2026, 4, 5, 10, 7, 30);
/** HashKey lists every pair on this day (the stand-in has no kline before it). */
const LISTED = Date.UTC(2025, 5, 1);
const DAY = 86_400_000;
const M15 = INTERVAL_MS['15m'];
const WARMUP = { wanted: 200, least: 50 };

let clock = NOW;
const now = () => clock;
let orm: Orm;
let close: () => Promise<void>;
let hk: HashKeyServer;
let td: TwelveDataServer;

beforeAll(async () => {
  ({ orm, close } = await createTestOrm('history'));
  hk = await startHashKeyServer({ now, klinesFrom: LISTED });
  td = await startTwelveDataServer({ apiKey: 'td-key', now });
});
afterAll(async () => {
  await hk?.close();
  await td?.close();
  await close?.();
});

function market(source: MarketDataChoice, overrides: Partial<Config['market']> = {}): Market {
  const config = {
    market: {
      source,
      twelveDataApiKey: 'td-key',
      twelveDataBaseUrl: td.url,
      twelveDataPerMinute: 100,
      twelveDataDailyCredits: 800,
      cmcApiKey: undefined,
      cmcBaseUrl: 'http://127.0.0.1:9',
      simulatedSeed: 7,
      ...overrides,
    },
    hashkey: { apiKey: undefined, secret: undefined, sandbox: false, baseUrl: hk.url },
  } satisfies Pick<Config, 'market' | 'hashkey'>;
  return createMarketFromConfig(config, { orm, now });
}

const klineRequests = () =>
  hk.requests.filter((r) => r.path === '/quote/v1/klines').map((r) => Object.fromEntries(new URLSearchParams(r.query)));
const request = (symbol: string, fromMs: number, toMs = NOW): HistoryRequest => ({ symbol, interval: '15m', fromMs, toMs, warmup: WARMUP });

function expectContiguous(bars: Candle[], step: number): void {
  for (let i = 1; i < bars.length; i++) expect(bars[i]!.openTime - bars[i - 1]!.openTime).toBe(step);
}

async function cachedRows(symbol: string, interval: string, source: string): Promise<number> {
  const rows: Array<{ n: string }> = await orm.em
    .getConnection()
    .execute('select count(*) as n from candles where symbol = ? and "interval" = ? and source = ?', [symbol, interval, source]);
  return Number(rows[0]!.n);
}

describe('history from HashKey public klines', () => {
  it('loads a range of several pages: contiguous closed bars, warm-up first, every page cached, through the hub limiter', async () => {
    const hub = market('hashkey');
    const deps = createHistoryDeps(hub, now);
    const before = klineRequests().length;
    const fromMs = NOW - 30 * DAY + 1; // not on a bar boundary: the first traded bar is the next one
    const history = await loadHistory(deps, request('btc/usdt', fromMs));

    const firstTraded = Math.ceil(fromMs / M15) * M15;
    const lastClosed = Math.floor(NOW / M15) * M15 - M15;
    expect(history).toMatchObject({ warmupBars: 200, notes: [], simulated: false, source: 'hashkey' });
    expect(history.bars[200]!.openTime).toBe(firstTraded);
    expect(history.bars.at(-1)!.openTime).toBe(lastClosed);
    expectContiguous(history.bars, M15);
    const total = history.bars.length;
    expect(total).toBe((lastClosed - firstTraded) / M15 + 201);

    // Pages of at most 1000 bars, newest first, tiling the range without overlap.
    const pages = klineRequests().slice(before);
    expect(pages).toHaveLength(Math.ceil(total / 1000));
    const windows = pages.map((p) => [Number(p.startTime), Number(p.endTime) - M15 + 1]).sort((a, b) => a[0]! - b[0]!);
    expect(windows[0]![0]).toBe(history.bars[0]!.openTime);
    expect(windows.at(-1)![1]).toBe(lastClosed);
    for (let i = 1; i < windows.length; i++) expect(windows[i]![0]).toBe(windows[i - 1]![1]! + M15);
    for (const p of pages) expect(Number(p.limit)).toBeLessThanOrEqual(1000);
    expect(hub.limiter!.stats().upstreamCalls).toBe(pages.length);
    expect(await cachedRows('BTCUSDT', '15m', 'hashkey')).toBe(total);

    // Bars across a page boundary are the ones HashKey serves in one window.
    const edge = windows[1]![0]!;
    const direct = await hub.service.provider.candlesBetween(parseSymbol('BTCUSDT'), '15m', edge - 5 * M15, edge + 4 * M15);
    const at = history.bars.findIndex((c) => c.openTime === edge - 5 * M15);
    expect(history.bars.slice(at, at + 10)).toEqual(direct);
  });

  it('reuses cached closed bars: an identical load makes no upstream call, a longer one fetches only what is missing', async () => {
    const deps = createHistoryDeps(market('hashkey'), now);
    const req = request('ETHUSDT', NOW - 20 * DAY);
    const first = await loadHistory(deps, req);
    const afterFirst = klineRequests().length;

    // A new hub (fresh limiter and memory) on the same database: everything comes from PostgreSQL.
    const again = await loadHistory(createHistoryDeps(market('hashkey'), now), req);
    expect(klineRequests().length).toBe(afterFirst);
    expect(again).toEqual(first);

    const longer = await loadHistory(deps, request('ETHUSDT', NOW - 25 * DAY));
    const added = klineRequests().slice(afterFirst);
    expect(added).toHaveLength(1);
    expect(Number(added[0]!.startTime)).toBe(longer.bars[0]!.openTime);
    expect(Number(added[0]!.endTime)).toBe(first.bars[0]!.openTime - 1);
    expect(longer.bars.slice(-first.bars.length)).toEqual(first.bars);
  });

  it('does not trust a bar the agents cached while it was forming: it is fetched again once closed', async () => {
    const hub = market('hashkey');
    clock = NOW;
    await hub.service.getCandles({ symbol: 'ETHUSDT', interval: '1h', limit: 300 }); // the agents' path: stores the forming bar
    const forming = Math.floor(NOW / 3_600_000) * 3_600_000;
    clock = forming + 3_600_000 + 60_000; // that bar has closed
    try {
      const before = klineRequests().length;
      const history = await loadHistory(createHistoryDeps(hub, now), { ...request('ETHUSDT', forming - 100 * 3_600_000), interval: '1h' });
      expect(history.bars.at(-1)!.openTime).toBe(forming);
      const added = klineRequests().slice(before);
      // One page for the warm-up older than the agents' 300 bars, one for the bar that was forming.
      expect(added.map((p) => Number(p.startTime)).sort((a, b) => a - b)).toEqual([history.bars[0]!.openTime, forming]);
      expect(added.find((p) => Number(p.startTime) === forming)!.limit).toBe('1');
    } finally {
      clock = NOW;
    }
  });

  it('cuts a period that starts before the listing, and refuses one that ends before it, naming the first date', async () => {
    const deps = createHistoryDeps(market('hashkey'), now);
    const cut = await loadHistory(deps, request('BTCUSDT', LISTED - 10 * DAY, LISTED + 20 * DAY));
    expect(cut.bars[0]!.openTime).toBe(LISTED);
    expect(cut.warmupBars).toBe(200);
    expect(cut.notes).toEqual([
      `HashKey's BTCUSDT 15m history starts at 2025-06-01: the period starts at 2025-06-03 02:00 UTC, after 200 warm-up bars.`,
    ]);

    // Listed within the warm-up, with at least `least` bars before the period: runs with fewer.
    const shortWarmup = await loadHistory(deps, request('BTCUSDT', LISTED + 60 * M15, LISTED + 5 * DAY));
    expect(shortWarmup).toMatchObject({ warmupBars: 60, notes: [] });

    const before = await rejectionOf(loadHistory(deps, request('BTCUSDT', Date.UTC(2025, 0, 1), Date.UTC(2025, 1, 1))));
    expect(before).toBeInstanceOf(HistoryRangeError);
    expect(before).toMatchObject({ earliestMs: LISTED });
    expect((before as HistoryRangeError).userMessage).toMatch(
      /^HashKey has no BTCUSDT 15m bars before 2025-06-01\. Choose a period that starts later/,
    );

    const tooShort = await rejectionOf(loadHistory(deps, request('BTCUSDT', LISTED - DAY, LISTED + 20 * M15)));
    expect(tooShort).toBeInstanceOf(HistoryRangeError);
    expect((tooShort as HistoryRangeError).userMessage).toContain('starts after 2025-06-01 12:30 UTC');
  });

  it('refuses unknown pairs, pairs HashKey does not serve and periods with no closed bar, without an upstream call', async () => {
    const deps = createHistoryDeps(market('hashkey'), now);
    const before = klineRequests().length;
    const unknown = await rejectionOf(loadHistory(deps, request('NOPEUSDT', NOW - DAY)));
    expect(unknown).toBeInstanceOf(BacktestSymbolError);
    expect((unknown as BacktestSymbolError).userMessage).toBe(
      'Cannot backtest "NOPEUSDT": it is not a pair Artic knows. Send /symbols for the pairs you can backtest.',
    );
    const unserved = await rejectionOf(loadHistory(deps, request('ATOM', NOW - DAY)));
    expect((unserved as BacktestSymbolError).userMessage).toContain('HashKey does not serve ATOMUSDT');
    const future = await rejectionOf(loadHistory(deps, request('BTCUSDT', NOW + DAY, NOW + 2 * DAY)));
    expect(future).toBeInstanceOf(HistoryRangeError);
    expect(klineRequests().length).toBe(before);
    // A pair Artic expects on HashKey that the exchange does not list (the stand-in lists BTC and ETH).
    const unlisted = await rejectionOf(loadHistory(deps, request('SOLUSDT', NOW - DAY)));
    expect(unlisted).toBeInstanceOf(BacktestSymbolError);
    expect((unlisted as BacktestSymbolError).userMessage).toContain('HashKey does not list SOLUSDT');
  });
});

describe('history from Twelve Data', () => {
  it("loads the most recent part the backtests' share of the daily budget allows, says so, and leaves the agents their share", async () => {
    const hub = market('twelvedata', { twelveDataDailyCredits: 10 });
    const deps = createHistoryDeps(hub, now);
    const before = td.callCount('/time_series');
    const history = await loadHistory(deps, request('SOLUSDT', NOW - 365 * DAY));

    // 10 credits, half left to agents: 5 pages of 4 999 bars, the newest ones.
    expect(td.callCount('/time_series') - before).toBe(5);
    expect(await hub.limiter!.credits()).toMatchObject({ used: 5, budget: 10 });
    const lastClosed = Math.floor(NOW / M15) * M15 - M15;
    expect(history.bars).toHaveLength(5 * 4_999);
    expect(history.bars.at(-1)!.openTime).toBe(lastClosed);
    expectContiguous(history.bars, M15);
    expect(history.warmupBars).toBe(200);
    const tradedFrom = history.bars[200]!.openTime;
    expect(history.notes).toEqual([
      `Twelve Data's daily budget limited the period to ${new Date(tradedFrom).toISOString().slice(0, 16).replace('T', ' ')} UTC – ${new Date(lastClosed + M15).toISOString().slice(0, 16).replace('T', ' ')} UTC (running agents keep their share of the day's credits).`,
    ]);

    // The same load again: cached pages reused, the rest refused before any call.
    expect(await loadHistory(deps, request('SOLUSDT', NOW - 365 * DAY))).toEqual(history);
    expect(td.callCount('/time_series') - before).toBe(5);
    // Agents are still served from their share.
    const agent = await hub.service.getCandles({ symbol: 'ETHUSDT', interval: '1h', limit: 100 });
    expect(agent).toMatchObject({ stale: false, source: 'twelvedata' });
    expect(await hub.limiter!.credits()).toMatchObject({ used: 6 });
  });
});

describe('history from the simulated market', () => {
  it('is deterministic, straight from the provider (nothing cached), and labelled simulated', async () => {
    const req = { ...request('SOLUSDT', NOW - 10 * DAY), interval: '1h' as const };
    const first = await loadHistory(createHistoryDeps(market('simulated'), now), req);
    const second = await loadHistory(createHistoryDeps(market('simulated'), now), req);
    expect(second).toEqual(first);
    expect(first).toMatchObject({
      warmupBars: 200,
      simulated: true,
      source: 'simulated',
      notes: ['simulated market data (not real prices)'],
    });
    expect(first.bars).toHaveLength(10 * 24 + 200 - 1); // the bar opening at NOW's hour is still forming
    expectContiguous(first.bars, 3_600_000);
    expect(await cachedRows('SOLUSDT', '1h', 'simulated')).toBe(0);
    const otherSeed = await loadHistory(createHistoryDeps(market('simulated', { simulatedSeed: 8 }), now), req);
    expect(otherSeed.bars[0]).not.toEqual(first.bars[0]);
  });
});
