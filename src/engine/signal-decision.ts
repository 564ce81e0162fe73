/**
 * What the planned strategy's signal says to do this tick: open, close or nothing (decide.ts:
 * threshold, no flip-flop). No entry while the owner has paused the agent (`config.paused`; a
 * held position is still closed on a reversed signal), during the cooldown of `cooldownTicks`
 * ticks after any close, nor while the hub flags market data stale. A strategy still warming up
 * is logged once per episode and gives no signal.
 */
import { WIRE_LIMITS, type SignalValue } from '../shared/wire.js';
import { STRATEGY_NAMES, type StrategySignal } from './strategies/index.js';
import { decide, type TradeDecision } from './decide.js';
import { defaultLookback, type StrategyPlan } from './planner.js';
import type { EngineSession } from './session.js';

/** The decision of this tick from the plan's signal, or null when there is no usable signal. */
export function signalDecision(s: EngineSession, plan: StrategyPlan): TradeDecision | null {
  const sig = currentSignal(s, plan);
  if (!sig) return null;
  return decide({
    side: s.position?.side ?? null,
    signal: sig.signal,
    threshold: plan.threshold,
    strategy: plan.strategy,
    entryBlocked: entryBlocked(s),
  });
}

/** The plan's strategy on the latest candles; null while warming up, without candles or on a non-finite signal. */
export function currentSignal(s: EngineSession, plan: StrategyPlan): StrategySignal | null {
  const candles = s.feed.candles;
  if (candles.length === 0) return null;
  const sig = s.evaluateSignal(plan.strategy, candles, { lookback: plan.lookback });
  if (sig.warmingUp) {
    s.episodes.enter('warmup', () => s.log.info(`${plan.strategy} warming up: ${candles.length} candles are not enough yet`));
    return null;
  }
  s.episodes.exit('warmup');
  return Number.isFinite(sig.signal) ? sig : null;
}

/**
 * Every library strategy's signal on the latest candles, for the record of an order ("Why?"): the
 * plan's strategy with the plan's lookback, the others with their defaults. Warming-up, failing
 * and non-finite ones are left out; values are clamped to [-1, 1] and rounded to 4 decimals.
 */
export function signalSnapshot(s: EngineSession, plan: StrategyPlan): SignalValue[] {
  const candles = s.feed.candles;
  const values: SignalValue[] = [];
  if (candles.length === 0) return values;
  for (const name of STRATEGY_NAMES.slice(0, WIRE_LIMITS.maxOrderSignals)) {
    const lookback = name === plan.strategy ? plan.lookback : defaultLookback(name);
    let sig: StrategySignal;
    try {
      sig = s.evaluateSignal(name, candles, { lookback });
    } catch {
      continue;
    }
    if (sig.warmingUp || !Number.isFinite(sig.signal)) continue;
    values.push({ name, value: Math.round(Math.max(-1, Math.min(1, sig.signal)) * 10_000) / 10_000 });
  }
  return values;
}

/** Why no position may be opened now, or null. */
function entryBlocked(s: EngineSession): string | null {
  if (s.config.paused === true) return 'paused by owner';
  const since = s.tickNo - s.lastCloseTick;
  if (since <= s.cooldownTicks) return `cooldown after a close (${s.cooldownTicks - since + 1} tick(s) left)`;
  if (s.feed.stale) return 'market data stale';
  return null;
}
