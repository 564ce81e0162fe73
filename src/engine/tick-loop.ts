/**
 * The engine's loop: plan once (planner.ts), then tick every `pollSeconds` of the engine clock
 * until stopped:
 *
 *   price → candles (when due) → liquidation (or the hub closed it) → drawdown stop → in a position: TP/SL, else the
 *   supervisor when due → strategy signal on candles → decide → order via the hub → status push.
 *
 * A close and an opposite open never happen in the same tick. A failing tick is logged once per
 * distinct error and the loop goes on; only `AgentStoppingError` (stop abandoned the tick) or an
 * engine error ends it. A quiet tick writes no log line.
 */
import type { PositionWire } from '../shared/wire.js';
import { AgentStoppingError, errorMessage } from './ports.js';
import { getStrategy, type StrategyName } from './strategies/index.js';
import { drawdownStop } from './drawdown-stop.js';
import { fmtLevel, fmtNum, fmtPrice } from './format.js';
import { planStrategy, type StrategyPlan } from './planner.js';
import { checkTpSl, levelsFor } from './position-math.js';
import { closeIfGone, closePosition, openPosition } from './position-orders.js';
import { pushStatus, type EngineSession } from './session.js';
import { signalDecision } from './signal-decision.js';
import { superviseOnce, supervisorDue } from './supervisor.js';

/** Plans, resumes the handed-back position, then ticks every `pollMs` until the session stops. */
export async function runSession(s: EngineSession, pollMs: number): Promise<void> {
  const { log } = s;
  try {
    await planSession(s);
    if (s.position) resume(s, s.position);
    let lastTickError: string | null = null;
    let lastTickAt: number | null = null;
    while (!s.stopRequested && s.state === 'running') {
      const startedAt = s.clock.now();
      if (lastTickAt !== null && startedAt - lastTickAt > 2 * pollMs) s.lateTicks++;
      lastTickAt = startedAt;
      try {
        await tick(s);
        lastTickError = null;
      } catch (err) {
        if (err instanceof AgentStoppingError) throw err;
        const m = errorMessage(err);
        if (m !== lastTickError) log.error(`tick failed: ${m}`);
        lastTickError = m;
        pushStatus(s);
      }
      if (s.stopRequested || s.state !== 'running') break;
      await s.clock.sleep(pollMs, s.wake.signal);
    }
  } catch (err) {
    if (!(err instanceof AgentStoppingError)) {
      log.error(`engine failed: ${errorMessage(err)}`);
      s.state = 'stopped';
      s.lastAction = 'STOP: engine error';
      pushStatus(s);
    }
  }
}

/** Fetches the first candles, chooses the plan, logs it and records it as a PLAN decision (the one its orders name). */
async function planSession(s: EngineSession): Promise<void> {
  await s.feed.refreshCandles(candleLimit(s), true, s.hard.signal);
  const plan = await planStrategy({ config: s.config, candles: s.feed.candles, hub: s.hub, log: s.log, signal: s.hard.signal });
  s.plan = plan;
  s.log.info(
    `plan (${plan.source}): ${plan.strategy}, lookback ${plan.lookback}, threshold ${fmtNum(plan.threshold)}` +
      (plan.reasoning ? ` — ${plan.reasoning}` : ''),
  );
  s.planDecisionKey = s.newKey();
  s.hub.pushDecision({
    idempotencyKey: s.planDecisionKey,
    action: 'PLAN',
    strategy: plan.strategy,
    confidence: plan.source === 'config' ? 1 : 0.5,
    reasoning: `${plan.source}: lookback ${plan.lookback}, threshold ${plan.threshold}. ${plan.reasoning}`.trim(),
    source: plan.source,
    ...(plan.llm ? { llm: plan.llm } : {}),
  });
}

/** Takes over the position the hub handed back; levels are planned afresh when it had none. */
function resume(s: EngineSession, pos: PositionWire): void {
  if (s.levels.tpPrice === null && s.levels.slPrice === null) {
    s.levels = levelsFor(s.config, pos.side, pos.entryPrice, s.feed.candles);
    s.position = { ...pos, ...s.levels };
  }
  s.lastSupervisorAt = s.clock.now();
  s.log.info(
    `resumed ${pos.side} ${pos.qty} ${s.config.symbol} @ ${fmtPrice(pos.entryPrice)} (TP ${fmtLevel(s.levels.tpPrice)}, SL ${fmtLevel(s.levels.slPrice)})`,
  );
}

/** Candles the engine holds for `strategy` at `lookback`: what it needs plus a margin, within 250..1000. */
export function candleWindowFor(strategy: StrategyName, lookback: number): number {
  const need = getStrategy(strategy).requiredCandles({ lookback });
  return Math.min(1000, Math.max(250, need + 5));
}

/** Candles to fetch: 250 before the plan, then the planned strategy's window. */
function candleLimit(s: EngineSession): number {
  if (!s.plan) return 250;
  let limit = limits.get(s.plan);
  if (limit === undefined) {
    limit = candleWindowFor(s.plan.strategy, s.plan.lookback);
    limits.set(s.plan, limit);
  }
  return limit;
}

/** `candleLimit` per plan, worked out once (it is asked every tick). */
const limits = new WeakMap<StrategyPlan, number>();

async function tick(s: EngineSession): Promise<void> {
  s.tickNo++;
  const now = await s.feed.price(s.hard.signal);
  if (now === null) {
    pushStatus(s);
    return;
  }
  // After the price: a price observed past the next bar's close fetches that bar at once.
  await s.feed.refreshCandles(candleLimit(s), s.feed.newBarDue(), s.hard.signal);
  s.price = now;
  let closedThisTick = await closeIfGone(s, now);
  if (await drawdownStop(s)) return;

  if (s.position) {
    closedThisTick = await managePosition(s, s.position, now);
    if (closedThisTick && (await drawdownStop(s))) return;
  }

  if (!closedThisTick && s.plan) {
    const decision = signalDecision(s, s.plan);
    if (decision?.kind === 'close') {
      if ((await closePosition(s, decision.reason, s.hard.signal)) && (await drawdownStop(s))) return;
    } else if (decision?.kind === 'open') {
      await openPosition(s, decision.side, decision.reason, now);
    }
  }
  pushStatus(s);
}

/** TP/SL first, else the supervisor when due; true when the position was closed. */
async function managePosition(s: EngineSession, position: PositionWire, now: number): Promise<boolean> {
  const hit = checkTpSl(position.side, now, s.levels);
  if (hit) {
    const cmp = (hit.kind === 'TP') === (position.side === 'long') ? '≥' : '≤';
    return closePosition(s, `${hit.kind} hit: price ${fmtPrice(now)} ${cmp} ${hit.kind} ${fmtPrice(hit.level)}`, s.hard.signal);
  }
  if (supervisorDue(s)) return superviseOnce(s, position, now);
  return false;
}
