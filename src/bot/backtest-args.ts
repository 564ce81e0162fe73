/**
 * What a trader asks to backtest, and its period: 7d, 30d, 90d, 1y (any 1–365d or 1–52w), or two
 * dates; the strategy: one of the library's, or `auto`. Shared by the /backtest flow, its one-line
 * form (./backtest-line.ts), /compare and the agent card's button. Every refusal says what was
 * wrong and what to type. Pure: the clock is passed in. Messages are Telegram HTML (input escaped).
 */
import { AGENT_DEFAULTS, type AgentInput } from '../hub/agents/agent-input.js';
import { AUTO_STRATEGY, type BacktestParams, type BacktestStrategy } from '../hub/backtest/types.js';
import { INTERVAL_MS, type Interval } from '../shared/market.js';
import { resolveStrategyName, STRATEGY_NAMES } from '../shared/strategy-names.js';
import { clip } from './alert-format.js';
import { invalid, valid, type Parsed } from './flow.js';
import { escapeHtml } from './format.js';

export const DAY_MS = 86_400_000;
/** Longest period a backtest covers, days (a year of 15m bars is 35,040 bars). */
export const MAX_PERIOD_DAYS = 365;
/** The periods offered as buttons. */
export const PERIOD_PRESETS = ['7d', '30d', '90d', '1y'] as const;

/** A period: the last `days` days up to now, or the UTC days `from` to `to` (both included, YYYY-MM-DD). */
export type PeriodSpec = { days: number } | { from: string; to: string };

/** Everything a backtest needs but its exact times (fixed when it is submitted). */
export interface BacktestRequest extends Omit<BacktestParams, 'strategy' | 'fromMs' | 'toMs'> {
  strategy: BacktestStrategy;
  period: PeriodSpec;
}

export const BACKTEST_DEFAULTS: Omit<BacktestRequest, 'symbol'> & { symbol: string } = {
  symbol: 'BTCUSDT',
  timeframe: '15m',
  strategy: AUTO_STRATEGY,
  period: { days: 30 },
  amountUsdt: 1000,
  leverage: AGENT_DEFAULTS.leverage,
  tpPct: null,
  slPct: null,
  tpSlMode: AGENT_DEFAULTS.tpSlMode,
  riskProfile: AGENT_DEFAULTS.riskProfile,
  maxSessionLossPct: AGENT_DEFAULTS.maxSessionLossPct,
  liveMode: false,
};

const PERIOD_HELP = 'Use 7d, 30d, 90d or 1y (any 1–365d or 1–52w), or two dates like 2024-01-01 2024-03-31.';
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** `"2024-02-30"` → null; else the UTC midnight of that day, ms. */
function dayMs(text: string): number | null {
  if (!DATE.test(text)) return null;
  const ms = Date.parse(`${text}T00:00:00Z`);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === text ? ms : null;
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Two dates (`first last`, `first..last`), checked against today (UTC, from `nowMs`). */
function dateRange(text: string, nowMs: number): Parsed<PeriodSpec> {
  const [from, to, ...rest] = text.split(/\s*(?:\.\.|–|—|\s)\s*/).filter(Boolean);
  if (!from || !to || rest.length) return invalid(`Type the first and the last day as YYYY-MM-DD, e.g. 2024-01-01 2024-03-31.`);
  for (const d of [from, to])
    if (dayMs(d) === null) return invalid(`"${escapeHtml(clip(d, 20))}" is not a date. Type dates as YYYY-MM-DD, e.g. 2024-01-01.`);
  const [first, last] = [dayMs(from)!, dayMs(to)!];
  const today = isoDay(nowMs);
  if (last > dayMs(today)!) return invalid(`${to} is in the future. The last day can be today (${today}) at the latest.`);
  if (first > last) return invalid(`The first day (${from}) must come before the last (${to}).`);
  const days = (last - first) / DAY_MS + 1;
  if (days > MAX_PERIOD_DAYS) return invalid(`That is ${days} days; a backtest covers at most ${MAX_PERIOD_DAYS}. Shorten the period.`);
  return valid({ from, to });
}

/** A period as typed: `30d`, `6w`, `1y`, or two dates. */
export function parsePeriod(text: string, nowMs: number): Parsed<PeriodSpec> {
  const t = text.trim().toLowerCase();
  if (/\d{4}-/.test(t)) return dateRange(t, nowMs);
  const m = /^(\d{1,4})\s*([dwy])$/.exec(t);
  const days = m ? Number(m[1]) * { d: 1, w: 7, y: 365 }[m[2] as 'd' | 'w' | 'y'] : NaN;
  if (!(days >= 1 && days <= MAX_PERIOD_DAYS))
    return invalid(`"${escapeHtml(clip(text.trim(), 20))}" is not a period I can test. ${PERIOD_HELP}`);
  return valid({ days });
}

/** `30 days`, `1 year`, `2024-01-01 → 2024-03-31`. */
export function periodLabel(period: PeriodSpec): string {
  if ('from' in period) return `${period.from} → ${period.to}`;
  if (period.days === 365) return '1 year';
  return period.days === 1 ? '1 day' : `${period.days} days`;
}

/**
 * The times of a period for `timeframe` at `nowMs`: up to the open of the bar under way (only
 * closed bars are traded), from that many days before it; a range of dates ends at the end of its
 * last day, or at the bar under way when that day is today.
 */
export function periodRange(period: PeriodSpec, timeframe: Interval, nowMs: number): { fromMs: number; toMs: number } {
  const barOpen = Math.floor(nowMs / INTERVAL_MS[timeframe]) * INTERVAL_MS[timeframe];
  if ('days' in period) return { fromMs: barOpen - period.days * DAY_MS, toMs: barOpen };
  return { fromMs: dayMs(period.from)!, toMs: Math.min(dayMs(period.to)! + DAY_MS, barOpen) };
}

export function toBacktestParams(request: BacktestRequest, nowMs: number): BacktestParams {
  const { period, ...rest } = request;
  return { ...rest, ...periodRange(period, request.timeframe, nowMs) };
}

/** `auto` or a library strategy (aliases and any case accepted). */
export function strategyAnswer(text: string): Parsed<BacktestStrategy> {
  if (text.trim().toLowerCase() === AUTO_STRATEGY) return valid(AUTO_STRATEGY);
  const name = resolveStrategyName(text);
  return name
    ? valid(name)
    : invalid(
        `Unknown strategy "${escapeHtml(clip(text.trim(), 30))}". Use auto (the rules planner picks) or one of: ${STRATEGY_NAMES.join(', ')}.`,
      );
}

/** The agent settings a backtest of `agent` uses: its own, over the last 30 days. */
export function requestOfAgent(agent: AgentInput): BacktestRequest {
  return {
    symbol: agent.symbol,
    timeframe: agent.timeframe,
    strategy: (agent.strategy as BacktestStrategy | null) ?? AUTO_STRATEGY,
    period: { days: 30 },
    amountUsdt: agent.amountUsdt,
    leverage: agent.leverage,
    tpPct: agent.tpPct,
    slPct: agent.slPct,
    tpSlMode: agent.tpSlMode,
    riskProfile: agent.riskProfile,
    maxSessionLossPct: agent.maxSessionLossPct,
    liveMode: agent.liveMode,
  };
}

/** The answers a backtest gives /create (🚀 Launch agent with these settings); `auto` leaves the strategy to the planner. */
export function agentPrefill(p: BacktestParams): Partial<AgentInput> {
  return {
    symbol: p.symbol,
    timeframe: p.timeframe,
    amountUsdt: p.amountUsdt,
    leverage: p.leverage,
    riskProfile: p.riskProfile,
    tpPct: p.tpPct,
    slPct: p.slPct,
    tpSlMode: p.tpSlMode,
    maxSessionLossPct: p.maxSessionLossPct,
    liveMode: p.liveMode,
    strategy: p.strategy === AUTO_STRATEGY ? null : p.strategy,
  };
}
