/**
 * Validation of what a trader asks to backtest. The agent's settings go through the agents' own
 * rules (src/hub/agents/agent-input.ts: symbol, timeframe, capital, leverage, TP/SL, risk
 * profile, and a stop-loss at or past the liquidation price); the strategy through the strategy
 * registry's names and aliases; the period through the limits below. Each failure is a
 * `ValidationError` naming the field and saying what to type instead.
 *
 * Period limits: at most `MAX_PERIOD_DAYS` days AND at most `MAX_PERIOD_BARS` bars (a year of
 * 5m bars is 105,120 bars; a year of 1m bars is refused, 76 days of it are not), at least
 * `MIN_PERIOD_BARS` bars. A period ending in the future ends now.
 */
import { validateField, type InputLimits } from '../agents/agent-input.js';
import { ValidationError } from '../errors.js';
import { stopLossPastLiquidation } from '../../shared/liquidation.js';
import { INTERVAL_MS } from '../../shared/market.js';
import { STRATEGY_NAMES, resolveStrategyName } from '../../shared/strategy-names.js';
import { AUTO_STRATEGY, type BacktestParams, type BacktestStrategy } from './types.js';

export const MAX_PERIOD_DAYS = 366;
export const MAX_PERIOD_BARS = 110_000;
export const MIN_PERIOD_BARS = 10;

const DAY_MS = 86_400_000;

export type ComparisonParams = Omit<BacktestParams, 'strategy'>;

/** `auto`, or a strategy name in any spelling the registry accepts (`trend-following`, aliases). */
export function backtestStrategy(input: string): BacktestStrategy {
  if (input.trim().toLowerCase() === AUTO_STRATEGY) return AUTO_STRATEGY;
  const name = resolveStrategyName(input);
  if (!name) throw new ValidationError('strategy', `Unknown strategy "${input}". Choose auto or one of: ${STRATEGY_NAMES.join(', ')}.`);
  return name;
}

function period(params: ComparisonParams, nowMs: number): { fromMs: number; toMs: number } {
  const { fromMs, timeframe } = params;
  if (!Number.isFinite(fromMs) || !Number.isFinite(params.toMs))
    throw new ValidationError('period', 'The period needs a start and an end date.');
  const toMs = Math.min(params.toMs, nowMs);
  if (fromMs >= nowMs) throw new ValidationError('period', 'The period starts in the future. Choose dates up to today.');
  if (fromMs >= toMs) throw new ValidationError('period', 'The period must start before it ends.');
  if (toMs - fromMs > MAX_PERIOD_DAYS * DAY_MS)
    throw new ValidationError('period', `A backtest covers at most ${MAX_PERIOD_DAYS} days. Choose a shorter period.`);
  const bars = Math.floor((toMs - fromMs) / INTERVAL_MS[timeframe]);
  if (bars > MAX_PERIOD_BARS)
    throw new ValidationError(
      'period',
      `That is ${bars.toLocaleString('en-US')} bars of ${timeframe}; a backtest covers at most ${MAX_PERIOD_BARS.toLocaleString('en-US')}. Choose a shorter period or a longer timeframe.`,
    );
  if (bars < MIN_PERIOD_BARS)
    throw new ValidationError(
      'period',
      `The period holds ${bars} bars of ${timeframe}; a backtest needs at least ${MIN_PERIOD_BARS}. Choose a longer period.`,
    );
  return { fromMs: Math.trunc(fromMs), toMs: Math.trunc(toMs) };
}

/** The settings shared by a backtest and a comparison, normalised (symbol upper case, period clamped to now). */
export function validateComparisonParams(params: ComparisonParams, limits: InputLimits, nowMs: number): ComparisonParams {
  const timeframe = validateField('timeframe', params.timeframe, limits);
  const leverage = validateField('leverage', params.leverage, limits);
  const slPct = validateField('slPct', params.slPct, limits);
  const pastLiquidation = slPct === null ? null : stopLossPastLiquidation(slPct, leverage);
  if (pastLiquidation) throw new ValidationError('slPct', pastLiquidation);
  if (typeof params.liveMode !== 'boolean') throw new ValidationError('liveMode', 'Mode must be paper or live.');
  return {
    symbol: validateField('symbol', params.symbol, limits),
    timeframe,
    ...period({ ...params, timeframe }, nowMs),
    amountUsdt: validateField('amountUsdt', params.amountUsdt, limits),
    leverage,
    tpPct: validateField('tpPct', params.tpPct, limits),
    slPct,
    tpSlMode: validateField('tpSlMode', params.tpSlMode, limits),
    riskProfile: validateField('riskProfile', params.riskProfile, limits),
    // 0 turns the session loss stop off in a backtest; any other value follows the agents' rule.
    maxSessionLossPct: params.maxSessionLossPct === 0 ? 0 : validateField('maxSessionLossPct', params.maxSessionLossPct, limits),
    liveMode: params.liveMode,
  };
}

export function validateBacktestParams(params: BacktestParams, limits: InputLimits, nowMs: number): BacktestParams {
  const strategy = backtestStrategy(String(params.strategy));
  return { ...validateComparisonParams(params, limits, nowMs), strategy };
}
