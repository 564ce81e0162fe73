/**
 * Candle hub under load: N agents over M symbols poll the candle service, which sits on the real
 * limiter (8 calls / 60 s, 800 credits / day) and cache, against the local Twelve Data server.
 *
 * Time is a scaled real clock: one simulated minute lasts `60 / SCALE` real seconds, the limiter's
 * window is `60 000 / SCALE` real ms, and every timestamp (server records, bar boundaries,
 * freshness, the daily counter) is simulated time. Latencies (`cache_hit_p99_ms`) are real ms.
 *
 * Prints `name=value` lines:
 *   upstream_calls_per_min_max / _mean  calls per calendar (simulated) minute, as Twelve Data counts
 *   upstream_starts_per_60s_window_max  calls leaving the limiter in any sliding 60 s window
 *   upstream_arrivals_per_60s_window_max  the same, by server arrival time; real-time jitter is
 *                                       multiplied by SCALE, so this can read above 8 at high scale
 *   upstream_429                        rate-limit errors the server answered (must be 0)
 *   cache_hit_p99_ms                    real latency of requests served from the store, fresh
 *   agents_starved                      agents that got no candles within STARVE_AFTER_SIM_MS of
 *                                       their first request (must be 0)
 *
 * Swap the store: `runCandleBench({ store })` takes any `CandleStore`. `BENCH_STORE=pg` runs on the
 * PostgreSQL candle and credit stores (a throwaway database on DATABASE_URL's server, or an
 * embedded PostgreSQL when unset), so `cache_hit_p99_ms` includes the real query.
 * Env: BENCH_AGENTS (200), BENCH_SYMBOLS (20), BENCH_SIM_MINUTES (10), BENCH_SCALE (20),
 * BENCH_STORE (memory | pg).
 */
import { performance } from 'node:perf_hooks';
import type { Interval } from '../src/shared/market.js';
import { createCandleLimiter } from '../src/hub/market/candle-limiter.js';
import { createCandleService, type CandlePriority } from '../src/hub/market/candle-service.js';
import { createMemoryCandleStore, type CandleStore } from '../src/hub/market/candle-store.js';
import { createMemoryCreditStore, type CreditStore } from '../src/hub/market/credit-store.js';
import type { MarketDataProvider } from '../src/hub/market/provider.js';
import { KNOWN_BASES } from '../src/hub/market/symbols.js';
import { createTwelveDataProvider } from '../src/hub/market/twelve-data.js';
import { startTwelveDataServer } from '../test/support/twelve-data-server.js';
import { initOrm } from '../src/db/orm.js';
import { createPgCandleStore } from '../src/hub/market/pg-candle-store.js';
import { createPgCreditStore } from '../src/hub/market/pg-credit-store.js';
import { benchDatabase } from './support/bench-db.js';

export interface CandleBenchOptions {
  agents?: number;
  symbols?: number;
  simMinutes?: number;
  /** Simulated ms per real ms. */
  scale?: number;
  store?: CandleStore;
  creditStore?: CreditStore;
}

export interface CandleBenchResult {
  upstream_calls_total: number;
  upstream_calls_per_min_max: number;
  upstream_calls_per_min_mean: number;
  upstream_starts_per_60s_window_max: number;
  upstream_arrivals_per_60s_window_max: number;
  upstream_429: number;
  requests_total: number;
  stale_ratio: number;
  coalesced_callers: number;
  cache_hit_p50_ms: number;
  cache_hit_p99_ms: number;
  first_candles_max_sim_s: number;
  agents_starved: number;
}

/** An agent that has received nothing this long after its first request is starved (sim ms). */
const STARVE_AFTER_SIM_MS = 6 * 60_000;
/** 09:08 UTC: the warm-up overlaps the 09:15 bar close, so a mass refresh happens mid-run. */
const SIM_T0 = Date.UTC(2026, 2, 10, 9, 8, 0);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const round = (n: number, digits = 3) => Number(n.toFixed(digits));

export async function runCandleBench(options: CandleBenchOptions = {}): Promise<CandleBenchResult> {
  const agents = options.agents ?? 200;
  const symbolCount = options.symbols ?? 20;
  const simMinutes = options.simMinutes ?? 10;
  const scale = options.scale ?? 20;
  // Date.now (not performance.now): the same clock p-queue's window uses, so counts line up.
  let realStart = Date.now();
  const simNow = () => SIM_T0 + (Date.now() - realStart) * scale;
  const realSleep = (simMs: number) => new Promise((resolve) => setTimeout(resolve, simMs / scale));

  const server = await startTwelveDataServer({ apiKey: 'bench-key', now: simNow, enforce: { perMinute: 8, perDay: 800 } });
  // Warm connections and code paths before the clock starts: at SCALE x, a cold first request's
  // ~100 real ms would show up as seconds of simulated latency and skew the window counts.
  const warm = createTwelveDataProvider({ apiKey: 'bench-key', baseUrl: server.url });
  await Promise.all(Array.from({ length: 8 }, () => warm.candles({ base: 'BTC', quote: 'USDT', id: 'BTCUSDT' }, '1m', 300)));
  server.reset();
  realStart = Date.now();
  const limiter = createCandleLimiter({
    creditStore: options.creditStore ?? createMemoryCreditStore(),
    intervalCap: 8,
    intervalMs: 60_000 / scale,
    safetyMarginMs: 1_000 / scale,
    dailyCredits: 800,
    now: simNow,
  });
  // Record when each upstream call leaves the limiter (sim ms), next to the server's arrival times.
  const upstream = createTwelveDataProvider({ apiKey: 'bench-key', baseUrl: server.url });
  const starts: number[] = [];
  const provider: MarketDataProvider = {
    ...upstream,
    candles(symbol, interval, limit) {
      starts.push(simNow());
      return upstream.candles(symbol, interval, limit);
    },
  };
  const service = createCandleService({
    provider,
    limiter,
    store: options.store ?? createMemoryCandleStore(),
    now: simNow,
    maxWaitMs: 5_000 / scale, // 5 simulated seconds, in real ms (the limiter's timers are real)
  });

  const symbols = KNOWN_BASES.slice(0, symbolCount);
  const intervals: Interval[] = ['15m', '1h'];
  const end = SIM_T0 + simMinutes * 60_000;
  const hitLatencies: number[] = [];
  const firstServedSimMs: number[] = new Array<number>(agents).fill(Number.POSITIVE_INFINITY);
  let requests = 0;
  let stale = 0;

  async function agent(i: number): Promise<void> {
    const symbol = `${symbols[i % symbols.length]}USDT`;
    const interval = intervals[Math.floor(i / symbols.length) % intervals.length]!;
    const priority: CandlePriority = i % 10 < 3 ? 'position' : 'normal';
    const pollSimMs = 10_000 + ((i * 7919) % 30_000);
    const limit = 100 + ((i * 31) % 200);
    await realSleep((i * 1_777) % 20_000); // agents start over the first 20 simulated seconds
    const firstAskedAt = simNow();
    while (simNow() < end) {
      const t = performance.now();
      try {
        const result = await service.getCandles({ symbol, interval, limit, priority });
        const ms = performance.now() - t;
        requests++;
        if (result.stale) stale++;
        if (result.cached && !result.stale) hitLatencies.push(ms);
        if (result.candles.length > 0 && !Number.isFinite(firstServedSimMs[i]!)) firstServedSimMs[i] = simNow() - firstAskedAt;
      } catch {
        requests++;
      }
      await realSleep(pollSimMs);
    }
  }

  await Promise.all(Array.from({ length: agents }, (_, i) => agent(i)));
  await limiter.onIdle();
  await server.close();

  const times = server.calls.map((c) => c.at).sort((a, b) => a - b);
  if (process.env.BENCH_DEBUG) process.stderr.write(`starts_sim_ms=${starts.map((t) => t - SIM_T0).join(',')}\n`);
  const perMinute = new Map<number, number>();
  for (const t of times) perMinute.set(Math.floor(t / 60_000), (perMinute.get(Math.floor(t / 60_000)) ?? 0) + 1);
  const minutes = Math.max(1, Math.ceil((end - SIM_T0) / 60_000));
  const windowMax = (sorted: number[]) => {
    let max = 0;
    for (let i = 0, j = 0; i < sorted.length; i++) {
      while (sorted[i]! - sorted[j]! >= 60_000) j++;
      max = Math.max(max, i - j + 1);
    }
    return max;
  };
  hitLatencies.sort((a, b) => a - b);
  const firstMax = Math.max(...firstServedSimMs);
  return {
    upstream_calls_total: times.length,
    upstream_calls_per_min_max: Math.max(0, ...perMinute.values()),
    upstream_calls_per_min_mean: round(times.length / minutes, 2),
    upstream_starts_per_60s_window_max: windowMax(starts),
    upstream_arrivals_per_60s_window_max: windowMax(times),
    upstream_429: server.calls.filter((c) => c.errorCode === 429).length,
    requests_total: requests,
    stale_ratio: round(requests ? stale / requests : 0),
    coalesced_callers: limiter.stats().coalesced,
    cache_hit_p50_ms: round(percentile(hitLatencies, 50)),
    cache_hit_p99_ms: round(percentile(hitLatencies, 99)),
    first_candles_max_sim_s: Number.isFinite(firstMax) ? round(firstMax / 1000, 1) : -1,
    agents_starved: firstServedSimMs.filter((ms) => !(ms <= STARVE_AFTER_SIM_MS)).length,
  };
}

/** Run with the store named by `BENCH_STORE` (`memory`, default, or `pg`). */
async function runWithStore(options: CandleBenchOptions): Promise<CandleBenchResult> {
  const kind = process.env.BENCH_STORE ?? 'memory';
  if (kind === 'memory') return runCandleBench(options);
  if (kind !== 'pg') throw new Error(`BENCH_STORE must be memory or pg, not ${kind}`);
  const db = await benchDatabase('candles');
  try {
    const orm = await initOrm(db.url);
    try {
      return await runCandleBench({
        ...options,
        store: createPgCandleStore(orm, { source: 'twelvedata' }),
        creditStore: createPgCreditStore(orm, 'twelvedata'),
      });
    } finally {
      await orm.close(true);
    }
  } finally {
    await db.close();
  }
}

async function main(): Promise<void> {
  const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
  const result = await runWithStore({
    agents: env('BENCH_AGENTS', 200),
    symbols: env('BENCH_SYMBOLS', 20),
    simMinutes: env('BENCH_SIM_MINUTES', 10),
    scale: env('BENCH_SCALE', 20),
  });
  for (const [name, value] of Object.entries(result)) process.stdout.write(`${name}=${value}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
