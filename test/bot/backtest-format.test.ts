/**
 * What the bot writes about backtests (src/bot/backtest-format.ts): the result table with every
 * figure, aligned and narrow enough for a phone, the notes, the /compare ranking, progress lines
 * and the /backtests list.
 */
import { describe, expect, it } from 'vitest';
import { comparisonText, listText, progressText, requestSummary, resultText } from '../../src/bot/backtest-format.js';
import { BACKTEST_DEFAULTS } from '../../src/bot/backtest-args.js';
import type { BacktestResult, BacktestSummary, ComparisonResult } from '../../src/hub/backtest/types.js';
import { STRATEGY_NAMES, type StrategyName } from '../../src/shared/strategy-names.js';
import { backtestResult as fixtureResult, comparisonResult as fixtureComparison } from '../fixtures/backtest-results.js';

const DAY = 86_400_000;
const FROM = Date.UTC(2026, 7, 1);
const TO = FROM + 90 * DAY;

function summary(over: Partial<BacktestSummary> = {}): BacktestSummary {
  return {
    totalReturnPct: 12.345,
    buyHoldReturnPct: -5.1,
    maxDrawdownPct: 8.2,
    sharpe: 1.234,
    sortino: 1.8,
    winRatePct: 55,
    profitFactor: 1.45,
    trades: 42,
    avgDurationMs: 12_000_000,
    exposurePct: 38,
    feesUsdt: 12.3,
    liquidations: 1,
    finalEquity: 1123.45,
    ...over,
  };
}

/** The charts' fixture over 90 days from FROM, with the figures above (`auto`: the rules planner chose macd_signal). */
function backtestResult(params: Partial<BacktestResult['params']> = {}, figures: Partial<BacktestSummary> = {}): BacktestResult {
  const base = fixtureResult();
  const p = { ...base.params, fromMs: FROM, toMs: TO, ...params };
  const auto = p.strategy === 'auto';
  return {
    ...base,
    params: p,
    bars: 8640,
    warmupBars: 200,
    firstBarAt: FROM,
    lastBarAt: TO,
    summary: summary(figures),
    plan: {
      ...base.plan,
      strategy: auto ? 'macd_signal' : (p.strategy as StrategyName),
      source: auto ? 'rules' : 'config',
    },
  };
}

/** Every strategy, returns falling by 2.5 points from 30 %. */
function comparisonResult(): ComparisonResult {
  const base = fixtureComparison();
  const rows = STRATEGY_NAMES.map((strategy, i) => ({
    strategy,
    summary: summary({ totalReturnPct: 30 - i * 2.5, maxDrawdownPct: 5 + i, trades: 10 + i }),
  }));
  return { ...base, params: { ...base.params, fromMs: FROM, toMs: TO }, bars: 8640, firstBarAt: FROM, lastBarAt: TO, rows };
}

/** The lines inside the first `<pre>` block, entities decoded. */
function preLines(html: string): string[] {
  const body = /<pre>([\s\S]*?)<\/pre>/.exec(html)![1]!;
  return body.split('\n').map((l) => l.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
}

describe('resultText', () => {
  it('has every figure in an aligned monospace table that fits a phone', () => {
    const text = resultText(backtestResult(), ['The planner ran on its rules: no LLM is called in a backtest.']);
    const lines = preLines(text);
    expect(lines).toEqual([
      'Total return   +12.35%',
      'Buy and hold    −5.10%',
      'Max drawdown    −8.20%',
      'Sharpe            1.23',
      'Sortino           1.80',
      'Win rate         55.0%',
      'Profit factor     1.45',
      'Trades              42',
      'Avg duration    3h 20m',
      'Exposure         38.0%',
      'Fees USDT        12.30',
      'Liquidations         1',
      'Final equity  1,123.45',
    ]);
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(32);
    expect(text).toContain('🧪 <b>Backtest</b> · BTCUSDT 15m · trend_following · 2026-08-01 → 2026-10-29');
    expect(text).toContain('2026-08-01 → 2026-10-29 UTC · 8,640 bars (+200 warm-up)');
    expect(text).toContain('Strategy: <b>trend_following</b>');
    expect(text).toContain('Capital 1,000 USDT · 3x · TP 3% · SL 1.5% (fixed) · risk moderate · 📝 paper');
    expect(text).toContain('fee 0.10% + slippage 0.05% a side');
    expect(text).toContain('ℹ️ The planner ran on its rules: no LLM is called in a backtest.');
  });

  it('says which strategy the rules planner chose for auto, and shows unknown figures as —', () => {
    const text = resultText(
      backtestResult(
        { strategy: 'auto', tpPct: null, slPct: null },
        { trades: 0, sharpe: null, sortino: null, winRatePct: null, profitFactor: null, avgDurationMs: null },
      ),
      [],
    );
    expect(text).toContain('Strategy: auto → <b>macd_signal</b> (the rules planner chose it)');
    expect(text).toContain('no TP/SL (fixed)');
    const lines = preLines(text);
    expect(lines.find((l) => l.startsWith('Sharpe'))).toMatch(/ —$/);
    expect(lines.find((l) => l.startsWith('Profit factor'))).toMatch(/ —$/);
    expect(lines.find((l) => l.startsWith('Avg duration'))).toMatch(/ —$/);
  });

  it('escapes what a note says', () => {
    expect(resultText(backtestResult(), ['a <b> note'])).toContain('ℹ️ a &lt;b&gt; note');
  });
});

describe('comparisonText', () => {
  it('ranks every strategy with buy-and-hold under them, narrow enough for a phone', () => {
    const text = comparisonText(comparisonResult(), ['Twelve Data budget limited the period.']);
    const lines = preLines(text);
    expect(lines[0]).toMatch(/^# {2}Strategy +Return +MaxDD +Tr$/);
    expect(lines[1]).toMatch(/^1 {2}momentum +\+30\.0% +−5\.0% +10$/);
    expect(lines).toHaveLength(STRATEGY_NAMES.length + 2);
    expect(lines.find((l) => l.includes('linear_regre'))).toContain('linear_regre…');
    expect(lines.at(-1)).toMatch(/^ {3}buy and hold +−5\.1%$/);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(36);
    expect(text).toContain(`${STRATEGY_NAMES.length} strategies`);
    expect(text).toContain('ℹ️ Twelve Data budget limited the period.');
  });
});

describe('progress and list', () => {
  it('writes each state of a run', () => {
    const h = 'HEAD';
    expect(progressText(h, { phase: 'loading' })).toBe('HEAD\n⏳ Loading the price history…');
    expect(progressText(h, { phase: 'queued', position: 2 })).toContain('position 2');
    expect(progressText(h, { phase: 'running', progress: { barsDone: 14_016, barsTotal: 35_040, trades: 14 } })).toBe(
      'HEAD\n▶️ ▓▓▓▓░░░░░░ 40%\n14,016 / 35,040 bars · 14 trades so far',
    );
    expect(progressText(h, { phase: 'done', bars: 35_040, trades: 1 })).toBe('HEAD\n✅ Done: 35,040 bars, 1 trade. The result follows.');
    expect(progressText(h, { phase: 'failed', message: 'a <b>' })).toBe('HEAD\n❌ The backtest failed: a &lt;b&gt;');
    expect(progressText(h, { phase: 'refused', message: 'Busy.' })).toBe('HEAD\n⚠️ Busy.');
  });

  it('lists runs newest first, and says when there are none', () => {
    const text = listText([
      {
        id: 'a',
        kind: 'backtest',
        createdAt: '2026-11-30T10:00:00Z',
        symbol: 'BTCUSDT',
        timeframe: '15m',
        label: 'trend_following',
        fromMs: FROM,
        toMs: TO,
        totalReturnPct: 12.3,
      },
      {
        id: 'b',
        kind: 'compare',
        createdAt: '2026-11-29T10:00:00Z',
        symbol: 'ETHUSDT',
        timeframe: '1h',
        label: 'compare',
        fromMs: FROM,
        toMs: TO,
        totalReturnPct: -1,
      },
    ]);
    expect(text.split('\n')).toEqual([
      '🗂 <b>Your recent backtests</b>, newest first. Tap a number to see one again.',
      '1. BTCUSDT 15m · trend_following · 2026-08-01 → 2026-10-29 · <b>+12.30%</b> · run 2026-11-30',
      '2. ETHUSDT 1h · all strategies · 2026-08-01 → 2026-10-29 · best <b>−1.00%</b> · run 2026-11-29',
    ]);
    expect(listText([])).toContain('You have no backtests yet');
  });

  it('summarises a request before it runs', () => {
    expect(requestSummary({ ...BACKTEST_DEFAULTS, period: { days: 90 } }).split('\n')).toEqual([
      'Pair: <b>BTCUSDT</b> · 15m',
      'Strategy: auto (the rules planner picks)',
      'Period: 90 days',
      'Capital 1,000 USDT · 5x · no TP/SL (fixed) · risk moderate · 📝 paper',
    ]);
  });
});
