/**
 * Backtest history benchmark: one year of 15m bars (35 040, no warm-up) for one pair, loaded the
 * way a backtest loads it (`loadHistory` over the market the hub builds from its configuration).
 *
 * - HashKey (the stand-in on 127.0.0.1, PostgreSQL candle cache): cold (empty cache: 36 pages of
 *   1 000 bars, each written to the cache) and warm (everything from the cache, no upstream call).
 * - Twelve Data (the stand-in, budget and minute cap wide enough for the year): cold and warm.
 * - Simulated (straight from the provider, nothing cached): cold (a new provider, nothing
 *   memoised) and warm (the same provider again).
 *
 * Prints `name=value` lines, medians over `RUNS` runs (each cold run on a pair not loaded before):
 *   history_<provider>_year_15m_cold_ms / _warm_ms, history_<provider>_upstream_calls (cold run),
 *   history_year_15m_bars.
 * Env: BENCH_RUNS (3), DATABASE_URL (else an embedded PostgreSQL).
 */
import { performance } from 'node:perf_hooks';
import type { Config, MarketDataChoice } from '../src/config.js';
import { initOrm, type Orm } from '../src/db/orm.js';
import { createHistoryDeps, loadHistory, type History } from '../src/hub/backtest/history.js';
import { createMarketFromConfig } from '../src/hub/market/market-from-config.js';
import { startHashKeyServer, DEFAULT_HASHKEY_SYMBOLS } from '../test/support/hashkey-server.js';
import { startTwelveDataServer } from '../test/support/twelve-data-server.js';
import { benchDatabase } from './support/bench-db.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const NOW = Date.UTC(2026, 4, 5, 0, 0, 0);
const YEAR_MS = 365 * 86_400_000;
/** Pairs every provider here serves, one per cold run. */
const PAIRS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT', 'DOGEUSDT', 'ADAUSDT', 'LINKUSDT', 'LTCUSDT'];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed(load: () => Promise<History>): Promise<{ ms: number; bars: number }> {
  const t0 = performance.now();
  const history = await load();
  return { ms: performance.now() - t0, bars: history.bars.length };
}

async function main(): Promise<void> {
  const db = await benchDatabase('history');
  const orm: Orm = await initOrm(db.url);
  const symbols = PAIRS.map((symbol) => ({ ...DEFAULT_HASHKEY_SYMBOLS[0]!, symbol, baseAsset: symbol.replace('USDT', '') }));
  const hk = await startHashKeyServer({ now: () => NOW, symbols });
  const td = await startTwelveDataServer({ apiKey: 'bench-key', now: () => NOW });
  const config = (source: MarketDataChoice) =>
    ({
      market: {
        source,
        twelveDataApiKey: 'bench-key',
        twelveDataBaseUrl: td.url,
        twelveDataPerMinute: 1_000,
        twelveDataDailyCredits: 100_000,
        cmcApiKey: undefined,
        cmcBaseUrl: 'http://127.0.0.1:9',
        simulatedSeed: 42,
      },
      hashkey: { apiKey: undefined, secret: undefined, sandbox: false, baseUrl: hk.url },
    }) satisfies Pick<Config, 'market' | 'hashkey'>;
  const upstreamCalls = { hashkey: () => hk.requests.length, twelvedata: () => td.calls.length, simulated: () => 0 };
  const lines: string[] = [`history_runs=${RUNS}`];
  try {
    let bars = 0;
    for (const source of ['hashkey', 'twelvedata', 'simulated'] as const) {
      const cold: number[] = [];
      const warm: number[] = [];
      let calls = 0;
      for (let run = 0; run < RUNS; run++) {
        const deps = createHistoryDeps(createMarketFromConfig(config(source), { orm, now: () => NOW }), () => NOW);
        const request = {
          symbol: PAIRS[run % PAIRS.length]!,
          interval: '15m' as const,
          fromMs: NOW - YEAR_MS,
          toMs: NOW,
          warmup: { wanted: 0, least: 0 },
        };
        const before = upstreamCalls[source]();
        const first = await timed(() => loadHistory(deps, request));
        calls = upstreamCalls[source]() - before;
        cold.push(first.ms);
        warm.push((await timed(() => loadHistory(deps, request))).ms);
        bars = first.bars;
      }
      lines.push(
        `history_${source}_year_15m_cold_ms=${median(cold).toFixed(0)}`,
        `history_${source}_year_15m_warm_ms=${median(warm).toFixed(0)}`,
        `history_${source}_upstream_calls=${calls}`,
      );
    }
    lines.push(`history_year_15m_bars=${bars}`);
  } finally {
    await hk.close();
    await td.close();
    await orm.close(true);
    await db.close();
  }
  process.stdout.write(lines.join('\n') + '\n');
}

await main();
