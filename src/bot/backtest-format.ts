/**
 * What the bot says about backtests, in Telegram HTML: the settings of a run, its progress line,
 * the result table (monospace, narrow enough for a phone: at most 32 characters a line) with its
 * notes, the /compare ranking and the /backtests list. Percentages arrive in percent (2.5 =
 * 2.5 %), money in USDT, times in UTC ms (src/hub/backtest/types.ts). Every name is escaped.
 */
import type {
  BacktestListItem,
  BacktestParams,
  BacktestProgress,
  BacktestRecord,
  BacktestResult,
  BacktestSummary,
  ComparisonResult,
} from '../hub/backtest/types.js';
import { fmtPct, fmtRatio, preRows } from './analytics-text.js';
import { periodLabel, type BacktestRequest, type PeriodSpec } from './backtest-args.js';
import { escapeHtml, fmtDuration } from './format.js';

/** Longest strategy name in the /compare table; longer ones are cut with "…". */
const NAME_CHARS = 13;
const BAR_CELLS = 10;

const pct = (v: number | null, digits = 2, signed = false) => fmtPct(v === null ? null : v / 100, digits, signed);
const money = (v: number) => v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const count = (v: number) => v.toLocaleString('en-US');
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

type Settings = Pick<
  BacktestParams,
  'symbol' | 'timeframe' | 'amountUsdt' | 'leverage' | 'tpPct' | 'slPct' | 'tpSlMode' | 'riskProfile' | 'liveMode'
>;

/** `BTCUSDT 15m · trend_following · 90 days` (no strategy for a comparison). */
export function runTitle(s: Pick<Settings, 'symbol' | 'timeframe'> & { strategy?: string }, period: PeriodSpec | string): string {
  const when = typeof period === 'string' ? period : periodLabel(period);
  return [`${s.symbol} ${s.timeframe}`, ...(s.strategy ? [s.strategy] : []), when].map(escapeHtml).join(' · ');
}

/** `Capital 1,000 USDT · 3x · TP 3% · SL 1.5% (fixed) · risk moderate · 📝 paper`. */
export function settingsLine(s: Settings): string {
  const tpsl =
    s.tpPct === null && s.slPct === null
      ? 'no TP/SL'
      : `TP ${s.tpPct === null ? '—' : `${s.tpPct}%`} · SL ${s.slPct === null ? '—' : `${s.slPct}%`}`;
  const mode = s.tpSlMode === 'dynamic' ? 'dynamic (ATR)' : 'fixed';
  return `Capital ${count(s.amountUsdt)} USDT · ${s.leverage}x · ${tpsl} (${mode}) · risk ${s.riskProfile} · ${s.liveMode ? '💰 live' : '📝 paper'}`;
}

/** The summary of a /backtest draft or one-line request before it runs. */
export function requestSummary(r: BacktestRequest): string {
  const strategy = r.strategy === 'auto' ? 'auto (the rules planner picks)' : r.strategy;
  return [
    `Pair: <b>${escapeHtml(r.symbol)}</b> · ${r.timeframe}`,
    `Strategy: ${escapeHtml(strategy)}`,
    `Period: ${periodLabel(r.period)}`,
    settingsLine(r),
  ].join('\n');
}

/** Where a job stands, for its progress message. */
export type JobState =
  | { phase: 'loading' }
  /** Taken by the hub; its first event (queued or started) is on its way. */
  | { phase: 'accepted' }
  | { phase: 'queued'; position: number }
  | { phase: 'running'; progress?: BacktestProgress }
  | { phase: 'done'; bars: number; trades: number }
  | { phase: 'failed'; message: string }
  /** The hub would not take the job (bad input, busy, queue full): its words. */
  | { phase: 'refused'; message: string }
  | { phase: 'cancelled' };

function progressBar(done: number, total: number): string {
  const filled = total > 0 ? Math.min(BAR_CELLS, Math.floor((done / total) * BAR_CELLS)) : 0;
  return '▓'.repeat(filled) + '░'.repeat(BAR_CELLS - filled);
}

function stateLine(state: JobState): string {
  switch (state.phase) {
    case 'loading':
      return '⏳ Loading the price history…';
    case 'accepted':
      return '⏳ Starting…';
    case 'queued':
      return `⏳ Waiting in the queue: position ${state.position}. It starts when the runs ahead of it finish.`;
    case 'running': {
      const p = state.progress;
      if (!p) return '▶️ Running…';
      const share = p.barsTotal > 0 ? Math.floor((p.barsDone / p.barsTotal) * 100) : 0;
      return `▶️ ${progressBar(p.barsDone, p.barsTotal)} ${share}%\n${count(p.barsDone)} / ${count(p.barsTotal)} bars · ${count(p.trades)} ${p.trades === 1 ? 'trade' : 'trades'} so far`;
    }
    case 'done':
      return `✅ Done: ${count(state.bars)} bars, ${count(state.trades)} ${state.trades === 1 ? 'trade' : 'trades'}. The result follows.`;
    case 'failed':
      return `❌ The backtest failed: ${escapeHtml(state.message)}`;
    case 'refused':
      return `⚠️ ${escapeHtml(state.message)}`;
    case 'cancelled':
      return '✖️ Cancelled. Nothing was stored.';
  }
}

/** The progress message: what runs (`heading`, HTML) and where it stands. */
export function progressText(heading: string, state: JobState): string {
  return `${heading}\n${stateLine(state)}`;
}

function summaryRows(s: BacktestSummary): string[][] {
  return [
    ['Total return', pct(s.totalReturnPct, 2, true)],
    ['Buy and hold', pct(s.buyHoldReturnPct, 2, true)],
    ['Max drawdown', pct(-s.maxDrawdownPct)],
    ['Sharpe', fmtRatio(s.sharpe)],
    ['Sortino', fmtRatio(s.sortino)],
    ['Win rate', pct(s.winRatePct, 1)],
    ['Profit factor', s.profitFactor === null && s.trades > 0 ? '∞' : fmtRatio(s.profitFactor)],
    ['Trades', count(s.trades)],
    ['Avg duration', s.avgDurationMs === null ? '—' : fmtDuration(s.avgDurationMs)],
    ['Exposure', pct(s.exposurePct, 1)],
    ['Fees USDT', money(s.feesUsdt)],
    ['Liquidations', count(s.liquidations)],
    ['Final equity', money(s.finalEquity)],
  ];
}

function spanLine(r: Pick<BacktestResult, 'firstBarAt' | 'lastBarAt' | 'bars'>, warmup?: number): string {
  const warm = warmup ? ` (+${count(warmup)} warm-up)` : '';
  return `${day(r.firstBarAt)} → ${day(r.lastBarAt - 1)} UTC · ${count(r.bars)} bars${warm}`;
}

function costsLine(r: Pick<BacktestResult, 'costs'>): string {
  return `Fills as the paper broker makes them: fee ${(r.costs.feeBps / 100).toFixed(2)}% + slippage ${(r.costs.slippageBps / 100).toFixed(2)}% a side.`;
}

const notesLines = (notes: string[]) => notes.map((n) => `ℹ️ ${escapeHtml(n)}`);

/** The result of one backtest: title, span, the table, the strategy traded, settings, costs, notes. */
export function resultText(result: BacktestResult, notes: string[]): string {
  const { params, plan } = result;
  const period = `${day(params.fromMs)} → ${day(params.toMs - 1)}`;
  const strategy =
    plan.source === 'rules'
      ? `auto → <b>${escapeHtml(plan.strategy)}</b> (the rules planner chose it)`
      : `<b>${escapeHtml(plan.strategy)}</b>`;
  const table = preRows(['', ''], summaryRows(result.summary)).slice(1);
  return [
    `🧪 <b>Backtest</b> · ${runTitle(params, period)}`,
    spanLine(result, result.warmupBars),
    `<pre>${table.join('\n')}</pre>`,
    `Strategy: ${strategy}`,
    settingsLine(params),
    costsLine(result),
    ...notesLines(notes),
  ].join('\n');
}

const shortName = (name: string) => (name.length > NAME_CHARS ? `${name.slice(0, NAME_CHARS - 1)}…` : name);

/** The /compare ranking: every strategy, best total return first, and buy-and-hold under it. */
export function comparisonText(result: ComparisonResult, notes: string[]): string {
  const { params } = result;
  const period = `${day(params.fromMs)} → ${day(params.toMs - 1)}`;
  const rows = result.rows.map((r, i) => [
    String(i + 1),
    shortName(r.strategy),
    pct(r.summary.totalReturnPct, 1, true),
    pct(-r.summary.maxDrawdownPct, 1),
    count(r.summary.trades),
  ]);
  const buyHold = result.rows[0]?.summary.buyHoldReturnPct ?? null;
  rows.push(['', 'buy and hold', pct(buyHold, 1, true), '', '']);
  const table = preRows(['#', 'Strategy', 'Return', 'MaxDD', 'Tr'], rows, 2);
  return [
    `🏁 <b>Compare</b> · ${runTitle(params, period)}`,
    `${spanLine(result)} · ${result.rows.length} strategies`,
    `<pre>${table.join('\n')}</pre>`,
    settingsLine(params),
    costsLine(result),
    ...notesLines(notes),
  ].join('\n');
}

/** The message of a stored run, whichever kind it is. */
export function recordText(record: BacktestRecord): string {
  return record.kind === 'backtest' ? resultText(record.result, record.notes) : comparisonText(record.result, record.notes);
}

/** One line of /backtests. */
export function listLine(item: BacktestListItem, n: number): string {
  const best = item.kind === 'compare' ? 'best ' : '';
  const ret = item.totalReturnPct === null ? '' : ` · ${best}<b>${pct(item.totalReturnPct, 2, true)}</b>`;
  const label = item.kind === 'compare' ? 'all strategies' : item.label;
  const span = `${day(item.fromMs)} → ${day(item.toMs - 1)}`;
  return `${n}. ${escapeHtml(`${item.symbol} ${item.timeframe} · ${label}`)} · ${span}${ret} · run ${item.createdAt.slice(0, 10)}`;
}

export function listText(items: BacktestListItem[]): string {
  if (!items.length) return 'You have no backtests yet. /backtest runs one, /compare ranks every strategy.';
  return [
    '🗂 <b>Your recent backtests</b>, newest first. Tap a number to see one again.',
    ...items.map((it, i) => listLine(it, i + 1)),
  ].join('\n');
}
