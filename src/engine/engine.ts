/**
 * The trading engine of one agent session: the agent controller starts it, stops it and hands it
 * live settings. The work is split by responsibility:
 *
 * - tick-loop.ts — plan, then one tick every `pollSeconds` (engine clock): price → candles (when due) → liquidation
 *   (or the hub closed it) → drawdown stop → in a position: TP/SL, else the supervisor when due
 *   → strategy signal on candles → decide → order via the hub → status push;
 * - signal-decision.ts — the strategy signal (by default from streams kept across ticks:
 *   signal-streams.ts), the cooldown after a close, no entries on stale data;
 * - position-orders.ts — orders through the hub (fresh idempotency key per intended order; the
 *   hub's answer is the truth), liquidation and hub-side closes;
 * - supervisor.ts — the LLM supervisor check of an open position;
 * - drawdown-stop.ts — the session loss limit, which stops the engine by itself;
 * - stop-session.ts — the bounded `stop()`;
 * - session.ts — the session state all of them share, and the status pushed to the hub.
 *
 * Live settings (`applyConfig`: TP/SL percents, loss limit, …) replace the config at once and
 * count from the next tick; a changed TP/SL percent moves the open position's level (shared rule:
 * src/shared/tp-sl-levels.ts). Logs: one line per change (plan, opened, closed, supervisor
 * verdict, stale data, errors); a quiet tick writes nothing.
 */
import { randomUUID } from 'node:crypto';
import { levelsAfterPctChange } from '../shared/tp-sl-levels.js';
import type { AgentState, AgentStatus, LiveConfigPatch } from '../shared/wire.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { fmtLevel } from './format.js';
import { createSession, sessionStatus, type EngineSession, type SessionSetup, type SignalFn } from './session.js';
import { createStreamingSignals } from './signal-streams.js';
import { stopSession, type StopOptions } from './stop-session.js';
import { runSession } from './tick-loop.js';
import type { StrategyPlan } from './planner.js';

export interface EngineOptions {
  /** Ticks after a close during which no position is opened. Default 3. */
  cooldownTicks?: number;
  /** Minimum time between candle fetches, ms of the engine clock. Default 15000. */
  candleRefreshMs?: number;
  /** How long `stop()` lets the current tick finish before abandoning it, ms. Default 3000. */
  stopGraceMs?: number;
  /**
   * Record every strategy's signal with each open (the trade's "Why?"). Default true; a backtest
   * turns it off, since it evaluates all strategies at every open and stores nothing of it.
   */
  recordSignals?: boolean;
  /** Push the status to the hub (every tick). Default true; a backtest's hub has no use for it. */
  statusPushes?: boolean;
}

export interface EngineDeps extends Pick<SessionSetup, 'config' | 'position' | 'realizedPnl' | 'hub' | 'log' | 'clock'> {
  /** Wall-clock waits bounding `stop()`. Default: the real clock. */
  timers?: Clock;
  /** Default: the strategies' streams, fed only the candles each tick adds (signal-streams.ts). */
  evaluateSignal?: SignalFn;
  options?: EngineOptions;
  /** Idempotency keys for orders and decisions. Default: random UUIDs. */
  newKey?: () => string;
}

export interface Engine {
  readonly state: AgentState;
  /** The session's plan once made (strategy, lookback, threshold, source), else null. */
  readonly plan: StrategyPlan | null;
  /** Starts planning and the tick loop; returns at once. Only the first call has an effect. */
  start(): void;
  /** Stops the loop (bounded), closes the position when asked, pushes the final status. */
  stop(opts: StopOptions): Promise<AgentStatus>;
  status(): AgentStatus;
  /** Replaces live settings of the session (from the next tick); returns the status after. */
  applyConfig(patch: LiveConfigPatch): AgentStatus;
  /** Resolves when the loop has ended, by `stop()` or by the drawdown stop. */
  done(): Promise<void>;
}

export function createEngine(deps: EngineDeps): Engine {
  const session = createSession({
    config: deps.config,
    position: deps.position,
    realizedPnl: deps.realizedPnl,
    hub: deps.hub,
    log: deps.log,
    clock: deps.clock,
    evaluateSignal: deps.evaluateSignal ?? createStreamingSignals(),
    newKey: deps.newKey ?? (() => randomUUID()),
    cooldownTicks: deps.options?.cooldownTicks ?? 3,
    candleRefreshMs: deps.options?.candleRefreshMs ?? 15_000,
    recordSignals: deps.options?.recordSignals ?? true,
    statusPushes: deps.options?.statusPushes ?? true,
  });
  const stopTiming = { timers: deps.timers ?? systemClock, graceMs: deps.options?.stopGraceMs ?? 3_000 };
  /** Fixed for the session: `pollSeconds` is not a live setting. */
  const pollMs = deps.config.pollSeconds * 1000;
  let loop: Promise<void> = Promise.resolve();
  let loopEnded = true;
  let stopping: Promise<AgentStatus> | null = null;

  return {
    get state() {
      return session.state;
    },
    get plan() {
      return session.plan;
    },

    start() {
      if (session.state !== 'idle') return;
      session.state = 'running';
      loopEnded = false;
      loop = runSession(session, pollMs).finally(() => {
        loopEnded = true;
      });
    },

    stop(opts) {
      if (stopping) return stopping;
      if (session.state === 'idle' || session.state === 'stopped') {
        session.state = 'stopped';
        return Promise.resolve(sessionStatus(session));
      }
      stopping = stopSession(session, { done: loop, ended: () => loopEnded }, opts, stopTiming);
      return stopping;
    },

    status: () => sessionStatus(session),
    applyConfig: (patch) => applyLiveConfig(session, patch),
    done: () => loop,
  };
}

/** Replaces live settings; a changed TP/SL percent moves the open position's level at once. */
function applyLiveConfig(s: EngineSession, patch: LiveConfigPatch): AgentStatus {
  s.config = { ...s.config, ...patch };
  const changed = Object.entries(patch)
    .map(([k, v]) => `${k} ${v === null ? 'none' : String(v)}`)
    .join(', ');
  if (s.position && ('tpPct' in patch || 'slPct' in patch)) {
    s.levels = levelsAfterPctChange({ ...s.position, ...s.levels }, s.config.tpSlMode, patch);
    s.position = { ...s.position, ...s.levels };
    s.log.info(
      `settings changed: ${changed}; ${s.position.side} position: TP ${fmtLevel(s.levels.tpPrice)}, SL ${fmtLevel(s.levels.slPrice)}`,
    );
  } else {
    s.log.info(`settings changed: ${changed}`);
  }
  return sessionStatus(s);
}
