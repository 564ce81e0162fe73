/**
 * The state of one engine session, and what every step of the engine needs from it: the status
 * the agent reports and its push to the hub. The steps (tick-loop.ts, signal-decision.ts,
 * position-orders.ts, supervisor.ts, drawdown-stop.ts, stop-session.ts) read and write this one
 * object; they run one at a time (the loop, then `stop()` once the loop has ended or been
 * abandoned), so no step sees another half done.
 */
import type { Candle } from '../shared/market.js';
import type { AgentConfigWire, AgentState, AgentStatus, PositionWire } from '../shared/wire.js';
import type { EngineHub, EngineLog } from './ports.js';
import type { Clock } from '../shared/clock.js';
import type { StrategyName, StrategySignal } from './strategies/index.js';
import { createEpisodes, type Episodes } from './episodes.js';
import { createMarketFeed, type MarketFeed } from './market-feed.js';
import type { StrategyPlan } from './planner.js';
import { unrealizedPnl, type TpSlLevels } from './position-math.js';

/**
 * The strategy's signal at the last of `candles` (oldest first). The engine's default keeps one
 * stream per strategy and lookback and pushes only the candles newer than those it has seen
 * (signal-streams.ts); any function giving `Strategy.evaluate`'s answer will do.
 */
export type SignalFn = (strategy: StrategyName, candles: readonly Candle[], params: { lookback: number }) => StrategySignal;

/** What a session is built from: the engine's dependencies with their defaults resolved. */
export interface SessionSetup {
  config: AgentConfigWire;
  /** Position to resume (from StartRequest), or null. */
  position: PositionWire | null;
  /** Realised PnL of the session so far, quote currency. */
  realizedPnl: number;
  hub: EngineHub;
  log: EngineLog;
  /** Trading time: poll interval, supervisor interval, timestamps. */
  clock: Clock;
  evaluateSignal: SignalFn;
  /** Idempotency keys for orders and decisions. */
  newKey: () => string;
  /** Ticks after a close during which no position is opened. */
  cooldownTicks: number;
  /** Minimum time between candle fetches, ms of the engine clock. */
  candleRefreshMs: number;
  /** Attach every strategy's signal to each open (see `EngineOptions.recordSignals`). */
  recordSignals: boolean;
  /** Push the status every tick (see `EngineOptions.statusPushes`). */
  statusPushes: boolean;
}

export interface EngineSession {
  readonly hub: EngineHub;
  readonly log: EngineLog;
  readonly clock: Clock;
  readonly feed: MarketFeed;
  /** Once-per-episode log lines (warming up, supervisor unavailable). */
  readonly episodes: Episodes;
  readonly evaluateSignal: SignalFn;
  readonly newKey: () => string;
  readonly cooldownTicks: number;
  readonly recordSignals: boolean;
  readonly statusPushes: boolean;
  /** Aborts the loop's sleep between ticks (stop requested). */
  readonly wake: AbortController;
  /** Abandons the loop's in-flight hub requests (the stop grace period is over). */
  readonly hard: AbortController;

  /** The session's settings; `applyConfig` replaces the live ones. */
  config: AgentConfigWire;
  state: AgentState;
  stopRequested: boolean;
  position: PositionWire | null;
  /** The TP/SL levels the engine enforces for `position`, quote currency. */
  levels: TpSlLevels;
  /** Quote currency; the hub's answer to each order is the truth. */
  realizedPnl: number;
  plan: StrategyPlan | null;
  /** Idempotency key of the PLAN decision pushed for `plan`: the decision the session's opens name. */
  planDecisionKey: string | null;
  /** Last price seen, quote currency. */
  price: number | null;
  lastAction: string | null;
  /** Ticks run so far; the cooldown counts in ticks. */
  tickNo: number;
  /** Ticks that began more than one poll interval after they were due (see `AgentStatus.lateTicks`). */
  lateTicks: number;
  lastCloseTick: number;
  /** Engine-clock ms of the last supervisor check (or of the open/resume). */
  lastSupervisorAt: number;
}

export function createSession(setup: SessionSetup): EngineSession {
  const { config, position, clock } = setup;
  const session: EngineSession = {
    hub: setup.hub,
    log: setup.log,
    clock,
    feed: createMarketFeed({
      hub: setup.hub,
      symbol: config.symbol,
      interval: config.timeframe,
      clock,
      log: setup.log,
      candleRefreshMs: setup.candleRefreshMs,
      inPosition: () => session.position !== null,
    }),
    episodes: createEpisodes(),
    evaluateSignal: setup.evaluateSignal,
    newKey: setup.newKey,
    cooldownTicks: setup.cooldownTicks,
    recordSignals: setup.recordSignals,
    statusPushes: setup.statusPushes,
    wake: new AbortController(),
    hard: new AbortController(),
    config,
    state: 'idle',
    stopRequested: false,
    position,
    levels: { tpPrice: position?.tpPrice ?? null, slPrice: position?.slPrice ?? null },
    realizedPnl: setup.realizedPnl,
    plan: null,
    planDecisionKey: null,
    price: null,
    lastAction: null,
    tickNo: 0,
    lateTicks: 0,
    lastCloseTick: -Infinity,
    lastSupervisorAt: clock.now(),
  };
  return session;
}

/** Unrealised PnL of the open position at the last price, quote currency; 0 when flat or unpriced. */
export function unrealized(s: EngineSession): number {
  return s.position && s.price !== null ? unrealizedPnl(s.position, s.price) : 0;
}

export function sessionStatus(s: EngineSession): AgentStatus {
  return {
    agentId: s.config.agentId,
    state: s.state,
    price: s.price,
    position: s.position,
    unrealizedPnl: unrealized(s),
    realizedPnl: s.realizedPnl,
    strategy: s.plan?.strategy ?? s.config.strategy,
    lastAction: s.lastAction,
    stale: s.feed.stale,
    simulated: s.feed.simulated,
    lateTicks: s.lateTicks,
    ts: new Date(s.clock.now()).toISOString(),
  };
}

/** Queues the current status for the hub (fire-and-forget; the hub client retries). */
export function pushStatus(s: EngineSession): void {
  if (!s.statusPushes) return;
  const { agentId: _agentId, ...push } = sessionStatus(s);
  s.hub.pushStatus(push);
}
