/**
 * npm run bench:backtest — the backtest runner (the agents' engine over history) on one year of
 * 15m bars (35,040) of the simulated market, in this process (one core):
 *   backtest_bars_per_s        one strategy (BENCH_STRATEGY, default ema_crossover), history in memory
 *   backtest_all_strategies_s  every strategy on the same year (what /compare runs)
 *   backtest_year_s            one strategy on the year from a cold start: history loaded the way
 *                              the hub loads it (loadHistory over the simulated market) plus the run
 * Medians over BENCH_RUNS (3) runs; the push latency with a backtest running is bench:push-backtest.
 */
import { performance } from 'node:perf_hooks';
import { createHistoryDeps, loadHistory } from '../src/hub/backtest/history.js';
import { runBacktest, runComparison, warmupBars } from '../src/hub/backtest/run-backtest.js';
import type { BacktestParams } from '../src/hub/backtest/types.js';
import { createMarketFromConfig } from '../src/hub/market/market-from-config.js';
import type { Orm } from '../src/db/orm.js';
import { BENCH_COSTS, YEAR_BARS, YEAR_END, yearOfBars, yearParams } from './support/backtest-year.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const STRATEGY = (process.env.BENCH_STRATEGY ?? 'ema_crossover') as BacktestParams['strategy'];
const END = YEAR_END;
const costs = BENCH_COSTS;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const params = (strategy: BacktestParams['strategy']): BacktestParams => yearParams(strategy);

async function timed<T>(f: () => Promise<T>): Promise<{ s: number; value: T }> {
  const t0 = performance.now();
  const value = await f();
  return { s: (performance.now() - t0) / 1000, value };
}

const bars = await yearOfBars();

const one: number[] = [];
const all: number[] = [];
const year: number[] = [];
let trades = 0;
for (let run = 0; run < RUNS; run++) {
  const single = await timed(() => runBacktest({ params: params(STRATEGY), bars, costs }));
  one.push(single.s);
  trades = single.value.summary.trades;
  all.push((await timed(() => runComparison({ params: params(STRATEGY), bars, costs }))).s);
  // Cold: a market built afresh (nothing memoised); simulated history is not cached (it is generated).
  const market = createMarketFromConfig(
    {
      market: {
        source: 'simulated',
        twelveDataApiKey: undefined,
        twelveDataBaseUrl: 'http://127.0.0.1:9',
        twelveDataPerMinute: 8,
        twelveDataDailyCredits: 800,
        cmcApiKey: undefined,
        cmcBaseUrl: 'http://127.0.0.1:9',
        simulatedSeed: 100 + run,
      },
      hashkey: { apiKey: undefined, secret: undefined, sandbox: false, baseUrl: 'http://127.0.0.1:9' },
    },
    // Simulated history never touches the candle cache, so no database is needed here.
    { orm: {} as Orm, now: () => END },
  );
  year.push(
    (
      await timed(async () => {
        const p = params(STRATEGY);
        const history = await loadHistory(
          createHistoryDeps(market, () => END),
          {
            symbol: p.symbol,
            interval: p.timeframe,
            fromMs: p.fromMs,
            toMs: p.toMs,
            warmup: warmupBars(p),
          },
        );
        return runBacktest({ params: { ...p, fromMs: history.bars[history.warmupBars]!.openTime }, bars: history.bars, costs });
      })
    ).s,
  );
}

console.log(`backtest_runs=${RUNS}`);
console.log(`backtest_bars=${YEAR_BARS}`);
console.log(`backtest_strategy=${STRATEGY}`);
console.log(`backtest_trades=${trades}`);
console.log(`backtest_bars_per_s=${Math.round(YEAR_BARS / median(one))}`);
console.log(`backtest_all_strategies_s=${median(all).toFixed(2)}`);
console.log(`backtest_year_s=${median(year).toFixed(2)}`);
