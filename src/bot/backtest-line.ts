/**
 * The one-line form of /backtest and /compare:
 *
 *   /backtest BTCUSDT 15m 90d trend_following tp=3 sl=1.5 lev=3
 *   /compare ETHUSDT 1h 30d
 *
 * Words without `=` are read by their shape, in any order: the first interval is the timeframe
 * (a later `1d` is then the period), a period (`90d`, `1y`, two dates), a strategy (or `auto`),
 * the symbol. Options are `key=value`: tp, sl, lev (leverage), capital (amount), mode
 * (paper|live), strategy, tpsl (fixed|dynamic), risk, period, tf (timeframe), symbol. What is
 * missing takes a default (`BACKTEST_DEFAULTS`) and is listed in `defaulted`, for the reply.
 * Values go through the same rules as the step-by-step flow, so refusals read the same. Pure.
 */
import { AUTO_STRATEGY } from '../hub/backtest/types.js';
import { isInterval, type Interval } from '../shared/market.js';
import { clip } from './alert-format.js';
import { check, parseNumber, stopLossAnswer, symbolAnswer } from './agent-steps.js';
import { BACKTEST_DEFAULTS, parsePeriod, periodLabel, strategyAnswer, type BacktestRequest } from './backtest-args.js';
import { invalid, valid, type Parsed } from './flow.js';
import { escapeHtml } from './format.js';

export interface LineContext {
  /** Pair ids the active market data serves. */
  supportedSymbols: ReadonlySet<string>;
  maxLeverage: number;
  nowMs: number;
  /** /compare: every strategy runs, so naming one is refused. */
  compare?: boolean;
}

export interface ParsedLine {
  request: BacktestRequest;
  /** What took its default, in words (`timeframe 15m`, `paper`). */
  defaulted: string[];
}

type Given = Partial<BacktestRequest>;
type Option = (value: string, given: Given, c: LineContext) => Parsed<Given>;

const NONE = /^(none|off|skip|no|-)$/i;

const percent =
  (field: 'tpPct' | 'slPct', label: string): Option =>
  (value, _given, c) => {
    if (NONE.test(value)) return valid({ [field]: null });
    const n = parseNumber(value);
    if (n === undefined) return invalid(`${label} must be a percent like 2.5, or none.`);
    const checked = check(field, n, c.maxLeverage);
    return checked.ok ? valid({ [field]: checked.value }) : checked;
  };

const number =
  (field: 'amountUsdt' | 'leverage', label: string): Option =>
  (value, _given, c) => {
    const n = parseNumber(value);
    if (n === undefined) return invalid(`${label} must be a number, e.g. ${field === 'leverage' ? 3 : 500}.`);
    const checked = check(field, n, c.maxLeverage);
    return checked.ok ? valid({ [field]: checked.value }) : checked;
  };

const mapped = <T>(read: (value: string, c: LineContext) => Parsed<T>, write: (value: T) => Given): Option => {
  return (value, _given, c) => {
    const r = read(value, c);
    return r.ok ? valid(write(r.value)) : r;
  };
};

const OPTIONS: Record<string, Option> = {
  tp: percent('tpPct', 'Take-profit'),
  sl: percent('slPct', 'Stop-loss'),
  lev: number('leverage', 'Leverage'),
  capital: number('amountUsdt', 'Capital'),
  mode: (v) => (/^(paper|live)$/i.test(v) ? valid({ liveMode: v.toLowerCase() === 'live' }) : invalid('mode must be paper or live.')),
  strategy: (v, _g, c) => strategyOption(v, c),
  tpsl: mapped(
    (v, c) => check('tpSlMode', v.toLowerCase() as BacktestRequest['tpSlMode'], c.maxLeverage),
    (tpSlMode) => ({ tpSlMode }),
  ),
  risk: mapped(
    (v, c) => check('riskProfile', v.toLowerCase() as BacktestRequest['riskProfile'], c.maxLeverage),
    (riskProfile) => ({ riskProfile }),
  ),
  period: mapped(
    (v, c) => parsePeriod(v, c.nowMs),
    (period) => ({ period }),
  ),
  tf: mapped(
    (v, c) => check('timeframe', v.toLowerCase() as Interval, c.maxLeverage),
    (timeframe) => ({ timeframe }),
  ),
  symbol: mapped(
    (v, c) => symbolAnswer(v, c.supportedSymbols),
    (symbol) => ({ symbol }),
  ),
};
const ALIASES: Record<string, string> = { leverage: 'lev', amount: 'capital', timeframe: 'tf', interval: 'tf', pair: 'symbol' };
export const COMPARE_USAGE = '/compare takes a symbol, a timeframe and a period, e.g. /compare ETHUSDT 1h 90d.';
const OPTION_HELP = 'tp=, sl=, lev=, capital= (or amount=), mode=paper|live, strategy=, tpsl=fixed|dynamic, risk=, period=, tf=';

function strategyOption(value: string, c: LineContext): Parsed<Given> {
  const s = strategyAnswer(value);
  const shown = escapeHtml(clip(value, 30));
  if (c.compare && s.ok) return invalid(`/compare runs every strategy on the same bars: leave "${shown}" out.`);
  if (c.compare) return invalid(`I cannot read "${shown}". ${COMPARE_USAGE}`);
  return s.ok ? valid({ strategy: s.value }) : s;
}

/** A word without `=`, read by its shape (module header). */
function positional(word: string, given: Given, c: LineContext): Parsed<Given> {
  const lower = word.toLowerCase();
  const shown = escapeHtml(clip(word, 30));
  if (isInterval(lower) && given.timeframe === undefined) return valid({ timeframe: lower });
  if (/^\d+[a-z]$/.test(lower) || /^\d{4}-\d{2}-\d{2}/.test(lower)) {
    if (given.period !== undefined) return invalid(`"${shown}": the period is already ${periodLabel(given.period)}. Give one period.`);
    return mapped(
      (v) => parsePeriod(v, c.nowMs),
      (period) => ({ period }),
    )(word, given, c);
  }
  if (lower === AUTO_STRATEGY || strategyAnswer(word).ok) {
    if (given.strategy !== undefined) return invalid(`"${shown}": the strategy is already ${given.strategy}. Give one strategy.`);
    return strategyOption(word, c);
  }
  const symbol = symbolAnswer(word, c.supportedSymbols);
  if (symbol.ok && given.symbol !== undefined)
    return invalid(`"${shown}": the symbol is already ${given.symbol}. One symbol per ${c.compare ? 'comparison' : 'backtest'}.`);
  if (symbol.ok) return valid({ symbol: symbol.value });
  // snake_case is a strategy's shape; anything else that is not a pair gets the pair's refusal.
  if (word.includes('_') || given.symbol !== undefined) return strategyOption(word, c);
  return symbol;
}

/** Words of the line; two dates in a row become one period word (`2024-01-01..2024-03-31`). */
function words(text: string): string[] {
  return text
    .trim()
    .replace(/(\d{4}-\d{2}-\d{2})\s+(\d{4}-\d{2}-\d{2})/g, '$1..$2')
    .split(/\s+/)
    .filter(Boolean);
}

function defaultedWords(given: Given, c: LineContext): string[] {
  const d = BACKTEST_DEFAULTS;
  const out: string[] = [];
  if (given.symbol === undefined) out.push(d.symbol);
  if (given.timeframe === undefined) out.push(`timeframe ${d.timeframe}`);
  if (given.period === undefined) out.push(`period ${periodLabel(d.period)}`);
  if (given.strategy === undefined && !c.compare) out.push('strategy auto (the rules planner picks)');
  if (given.amountUsdt === undefined) out.push(`capital ${d.amountUsdt} USDT`);
  if (given.leverage === undefined) out.push(`leverage ${d.leverage}x`);
  if (given.tpPct === undefined) out.push('no take-profit');
  if (given.slPct === undefined) out.push('no stop-loss');
  if (given.tpSlMode === undefined) out.push(`TP/SL ${d.tpSlMode}`);
  if (given.riskProfile === undefined) out.push(`risk ${d.riskProfile}`);
  if (given.liveMode === undefined) out.push('paper');
  return out;
}

/** Reads the arguments of /backtest or /compare (module header); a refusal says what was wrong and what to type. */
export function parseBacktestLine(text: string, c: LineContext): Parsed<ParsedLine> {
  let given: Given = {};
  for (const word of words(text)) {
    const eq = word.indexOf('=');
    let read: Parsed<Given>;
    if (eq > 0) {
      const key = word.slice(0, eq).toLowerCase();
      const option = OPTIONS[ALIASES[key] ?? key];
      if (!option) return invalid(`I don't know the option "${escapeHtml(clip(key, 20))}=". Options: ${OPTION_HELP}.`);
      const value = word.slice(eq + 1);
      if (!value) return invalid(`"${escapeHtml(clip(word, 30))}" has no value, e.g. tp=3.`);
      read = option(value, given, c);
    } else read = positional(word, given, c);
    if (!read.ok) return read;
    given = { ...given, ...read.value };
  }
  const request: BacktestRequest = { ...BACKTEST_DEFAULTS, ...given };
  if (!c.supportedSymbols.has(request.symbol) && given.symbol === undefined)
    return invalid(`Name the pair to test, e.g. /${c.compare ? 'compare' : 'backtest'} ETHUSDT 15m 30d.`);
  if (request.slPct !== null) {
    const past = stopLossAnswer(request.slPct, request.leverage, c.maxLeverage);
    if (!past.ok) return past;
  }
  return valid({ request, defaulted: defaultedWords(given, c) });
}
