/**
 * What the planned strategy's signal says to do this tick: open, close or nothing (decide.ts:
 * threshold, no flip-flop). No entry while the owner has paused the agent (`config.paused`; a
 * held position is still closed on a reversed signal), during the cooldown of `cooldownTicks`
 * ticks after any close, nor while the hub flags market data stale. A strategy still warming up is logged once
 * per episode and gives no signal.
 */
import type { StrategySignal } from '../strategies/index.js';
import { decide, type TradeDecision } from './decide.js';
import type { StrategyPlan } from './planner.js';
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

/** Why no position may be opened now, or null. */
function entryBlocked(s: EngineSession): string | null {
  if (s.config.paused === true) return 'paused by owner';
  const since = s.tickNo - s.lastCloseTick;
  if (since <= s.cooldownTicks) return `cooldown after a close (${s.cooldownTicks - since + 1} tick(s) left)`;
  if (s.feed.stale) return 'market data stale';
  return null;
}
