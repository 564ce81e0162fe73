/**
 * The trading engine of one agent session. After `start()` it plans (planner.ts), then ticks
 * every `pollSeconds` (engine clock):
 *
 *   price → liquidation (or the hub closed it) → drawdown stop → in a position: TP/SL, else the
 *   supervisor when due → strategy signal on candles → decide (threshold, cooldown, no
 *   flip-flop) → order via the hub → status push.
 *
 * Rules worth knowing:
 * - A close and an opposite open never happen in the same tick, and after any close no entry
 *   is taken for `cooldownTicks` ticks. No entries while the hub flags market data stale.
 * - Session drawdown stop: when realised + unrealised PnL ≤ −maxSessionLossPct % of
 *   `amountUsdt`, the position is closed, the engine stops itself and pushes state `stopped`.
 * - Orders go through the hub with a fresh idempotency key per intended order, retried with that
 *   same key until they succeed or the engine stops. The hub's answer is the truth for the
 *   position and the realised PnL.
 * - Live settings (`applyConfig`: TP/SL percents, loss limit, …) replace the config at once and
 *   count from the next tick; a changed TP/SL percent moves the open position's level (shared
 *   rule: src/shared/tp-sl-levels.ts).
 * - Liquidation (paper): when the price, or the high/low of a bar opened since the position,
 *   reaches the liquidation price, the engine closes with reason `liquidation: …` (the hub fills
 *   at the liquidation price). The hub may have liquidated first: a close names its trade, so the
 *   hub answers with the liquidation it made; a status answer saying the hub closed the pushed
 *   trade makes the engine ask the same way on the next tick.
 * - Logs: one line per change (plan, opened, closed, supervisor verdict, stale data, errors);
 *   a quiet tick writes nothing.
 * - `stop()` is bounded: the current tick gets a grace period, then in-flight requests are
 *   abandoned; closing the position (when asked) gets what remains of the deadline. Those
 *   bounds are wall-clock waits on `timers`, separate from the trading `clock`.
 */
import { randomUUID } from 'node:crypto';
import type { Candle } from '../../../src/shared/market.js';
import { getStrategy, type StrategyName, type StrategySignal } from '../strategies/index.js';
import { levelsAfterPctChange } from '../../../src/shared/tp-sl-levels.js';
import type { AgentConfigWire, AgentState, AgentStatus, LiveConfigPatch, PositionSide, PositionWire } from '../../../src/shared/wire.js';
import type { AgentLog } from '../agent-log.js';
import { errorMessage } from '../agent-log.js';
import { realClock, type Clock } from '../clock.js';
import { AgentStoppingError, HubRequestError } from '../errors.js';
import type { HubApi } from '../hub-client.js';
import { decide } from './decide.js';
import { createEpisodes } from './episodes.js';
import { fmtNum, fmtPrice, fmtUsd } from './format.js';
import { createMarketFeed } from './market-feed.js';
import { planStrategy, type StrategyPlan } from './planner.js';
import {
  checkTpSl,
  levelsFor,
  liquidationReason,
  sessionDrawdown,
  unrealizedPnl,
  type TpSlLevels,
} from './position-math.js';
import { LIQUIDATION_REASON } from '../../../src/shared/liquidation.js';
import { readSupervisorAnswer, supervisorRequest } from './supervisor.js';

/** Evaluates a strategy on candles; the default uses the shared strategy library. */
export type SignalFn = (strategy: StrategyName, candles: readonly Candle[], params: { lookback: number }) => StrategySignal;

export interface EngineOptions {
  /** Ticks after a close during which no position is opened. Default 3. */
  cooldownTicks?: number;
  /** Minimum time between candle fetches, ms of the engine clock. Default 15000. */
  candleRefreshMs?: number;
  /** How long `stop()` lets the current tick finish before abandoning it, ms. Default 3000. */
  stopGraceMs?: number;
}

export interface EngineDeps {
  config: AgentConfigWire;
  /** Position to resume (from StartRequest), or null. */
  position: PositionWire | null;
  /** Realised PnL of the session so far, quote currency. */
  realizedPnl: number;
  hub: HubApi;
  log: AgentLog;
  /** Trading time: poll interval, supervisor interval, timestamps. */
  clock: Clock;
  /** Wall-clock waits bounding `stop()`. Default: the real clock. */
  timers?: Clock;
  evaluateSignal?: SignalFn;
  options?: EngineOptions;
  /** Idempotency keys for orders and decisions. Default: random UUIDs. */
  newKey?: () => string;
}

export interface StopOptions {
  closePosition: boolean;
  reason: string;
  /** Upper bound for the whole stop, wall-clock ms. */
  deadlineMs: number;
}

export interface Engine {
  readonly state: AgentState;
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

const defaultSignal: SignalFn = (strategy, candles, params) => getStrategy(strategy).evaluate(candles, params);

export function createEngine(deps: EngineDeps): Engine {
  const { hub, clock } = deps;
  /** The session's settings; `applyConfig` replaces the live ones. */
  let config = deps.config;
  const log = deps.log;
  const timers = deps.timers ?? realClock;
  const evaluateSignal = deps.evaluateSignal ?? defaultSignal;
  const newKey = deps.newKey ?? (() => randomUUID());
  const cooldownTicks = deps.options?.cooldownTicks ?? 3;
  const stopGraceMs = deps.options?.stopGraceMs ?? 3_000;
  const pollMs = config.pollSeconds * 1000;
  const feed = createMarketFeed({
    hub,
    symbol: config.symbol,
    interval: config.timeframe,
    clock,
    log,
    candleRefreshMs: deps.options?.candleRefreshMs ?? 15_000,
    inPosition: () => position !== null,
  });
  const episodes = createEpisodes();

  let state: AgentState = 'idle';
  let position: PositionWire | null = deps.position;
  let levels: TpSlLevels = { tpPrice: position?.tpPrice ?? null, slPrice: position?.slPrice ?? null };
  let realizedPnl = deps.realizedPnl;
  let plan: StrategyPlan | null = null;
  let price: number | null = null;
  let lastAction: string | null = null;
  let tickNo = 0;
  let lastCloseTick = -Infinity;
  let lastSupervisorAt = clock.now();
  let lastTickError: string | null = null;
  let stopRequested = false;
  const wake = new AbortController();
  const hard = new AbortController();
  let loop: Promise<void> = Promise.resolve();
  let loopEnded = true;
  let stopping: Promise<AgentStatus> | null = null;

  const unrealized = () => (position && price !== null ? unrealizedPnl(position, price) : 0);

  function status(): AgentStatus {
    return {
      agentId: config.agentId,
      state,
      price,
      position,
      unrealizedPnl: unrealized(),
      realizedPnl,
      strategy: plan?.strategy ?? config.strategy,
      lastAction,
      stale: feed.stale,
      simulated: feed.simulated,
      ts: new Date(clock.now()).toISOString(),
    };
  }

  function pushStatus(): void {
    const { agentId: _agentId, ...push } = status();
    hub.pushStatus(push);
  }

  function candleLimit(): number {
    if (!plan) return 250;
    const need = getStrategy(plan.strategy).requiredCandles({ lookback: plan.lookback });
    return Math.min(1000, Math.max(250, need + 5));
  }

  async function run(): Promise<void> {
    try {
      await feed.refreshCandles(candleLimit(), true, hard.signal);
      plan = await planStrategy({ config, candles: feed.candles, hub, log, signal: hard.signal });
      log.info(
        `plan (${plan.source}): ${plan.strategy}, lookback ${plan.lookback}, threshold ${fmtNum(plan.threshold)}` +
          (plan.reasoning ? ` — ${plan.reasoning}` : ''),
      );
      hub.pushDecision({
        idempotencyKey: newKey(),
        action: 'PLAN',
        strategy: plan.strategy,
        confidence: plan.source === 'config' ? 1 : 0.5,
        reasoning: `${plan.source}: lookback ${plan.lookback}, threshold ${plan.threshold}. ${plan.reasoning}`.trim(),
      });
      if (position) resume(position);
      while (!stopRequested && state === 'running') {
        try {
          await tick();
          lastTickError = null;
        } catch (err) {
          if (err instanceof AgentStoppingError) throw err;
          const m = errorMessage(err);
          if (m !== lastTickError) log.error(`tick failed: ${m}`);
          lastTickError = m;
          pushStatus();
        }
        if (stopRequested || state !== 'running') break;
        await clock.sleep(pollMs, wake.signal);
      }
    } catch (err) {
      if (!(err instanceof AgentStoppingError)) {
        log.error(`engine failed: ${errorMessage(err)}`);
        state = 'stopped';
        lastAction = 'STOP: engine error';
        pushStatus();
      }
    }
  }

  function resume(pos: PositionWire): void {
    if (levels.tpPrice === null && levels.slPrice === null) {
      levels = levelsFor(config, pos.side, pos.entryPrice, feed.candles);
      position = { ...pos, ...levels };
    }
    lastSupervisorAt = clock.now();
    log.info(
      `resumed ${pos.side} ${pos.qty} ${config.symbol} @ ${fmtPrice(pos.entryPrice)} (TP ${lvl(levels.tpPrice)}, SL ${lvl(levels.slPrice)})`,
    );
  }

  async function tick(): Promise<void> {
    tickNo++;
    await feed.refreshCandles(candleLimit(), false, hard.signal);
    const now = await feed.price(hard.signal);
    if (now === null) {
      pushStatus();
      return;
    }
    price = now;
    let closedThisTick = await closeIfGone(now);
    if (await drawdownStop()) return;

    if (position) {
      const hit = checkTpSl(position.side, now, levels);
      if (hit) {
        const cmp = (hit.kind === 'TP') === (position.side === 'long') ? '≥' : '≤';
        closedThisTick = await closePosition(`${hit.kind} hit: price ${fmtPrice(now)} ${cmp} ${hit.kind} ${fmtPrice(hit.level)}`, hard.signal);
      } else if (supervisorDue()) {
        closedThisTick = await supervise(position, now);
      }
      if (closedThisTick && (await drawdownStop())) return;
    }

    if (!closedThisTick && plan) {
      const sig = currentSignal(plan);
      if (sig) {
        const decision = decide({
          side: position?.side ?? null,
          signal: sig.signal,
          threshold: plan.threshold,
          strategy: plan.strategy,
          entryBlocked: entryBlocked(),
        });
        if (decision.kind === 'close') {
          if ((await closePosition(decision.reason, hard.signal)) && (await drawdownStop())) return;
        } else if (decision.kind === 'open') {
          await openPosition(decision.side, decision.reason, now);
        }
      }
    }
    pushStatus();
  }

  function entryBlocked(): string | null {
    const since = tickNo - lastCloseTick;
    if (since <= cooldownTicks) return `cooldown after a close (${cooldownTicks - since + 1} tick(s) left)`;
    if (feed.stale) return 'market data stale';
    return null;
  }

  function currentSignal(p: StrategyPlan): StrategySignal | null {
    const candles = feed.candles;
    if (candles.length === 0) return null;
    const sig = evaluateSignal(p.strategy, candles, { lookback: p.lookback });
    if (sig.warmingUp) {
      episodes.enter('warmup', () => log.info(`${p.strategy} warming up: ${candles.length} candles are not enough yet`));
      return null;
    }
    episodes.exit('warmup');
    return Number.isFinite(sig.signal) ? sig : null;
  }

  async function openPosition(side: PositionSide, reason: string, at: number): Promise<void> {
    const planned = levelsFor(config, side, at, feed.candles);
    let result;
    try {
      result = await hub.placeOrder(
        { idempotencyKey: newKey(), action: 'open', side, amountUsdt: config.amountUsdt, ...planned, reason },
        hard.signal,
      );
    } catch (err) {
      if (!(err instanceof HubRequestError)) throw err;
      log.error(`open ${side} refused by the hub: ${err.message}`);
      lastAction = `OPEN_${side.toUpperCase()} refused`;
      return;
    }
    realizedPnl = result.realizedPnl;
    const entry = result.position?.entryPrice ?? result.price;
    levels = levelsFor(config, side, entry, feed.candles);
    position = {
      ...(result.position ?? {
        tradeId: result.tradeId,
        side,
        qty: result.qty,
        entryPrice: entry,
        leverage: config.leverage,
        margin: config.amountUsdt,
        liquidationPrice: null,
        openedAt: new Date(clock.now()).toISOString(),
      }),
      ...levels,
    };
    lastSupervisorAt = clock.now();
    lastAction = `OPEN_${side.toUpperCase()}: ${reason}`;
    log.info(
      `opened ${side} ${position.qty} ${config.symbol} @ ${fmtPrice(entry)} (margin ${config.amountUsdt} USDT, ${config.leverage}x; ` +
        `TP ${lvl(levels.tpPrice)}, SL ${lvl(levels.slPrice)}): ${reason}`,
    );
  }

  /** Closes when the hub has closed the position or the market reached its liquidation price; true when gone. */
  async function closeIfGone(at: number): Promise<boolean> {
    if (!position) return false;
    const why = hub.closedByHub?.() === position.tradeId ? 'the hub closed the position' : liquidationReason(position, at, feed.candles);
    return why !== null && closePosition(why, hard.signal);
  }

  /** Closes through the hub; true when the position is gone afterwards. */
  async function closePosition(reason: string, signal: AbortSignal): Promise<boolean> {
    const pos = position;
    if (!pos) return false;
    let result;
    try {
      result = await hub.placeOrder({ idempotencyKey: newKey(), action: 'close', reason, tradeId: pos.tradeId }, signal);
    } catch (err) {
      if (!(err instanceof HubRequestError)) throw err;
      if (err.code === 'no_position') {
        log.warn(`close refused: the hub has no open position; now flat (${reason})`);
        markClosed(`CLOSE: ${reason}`);
        return true;
      }
      log.error(`close refused by the hub: ${err.message}; position kept (${reason})`);
      return false;
    }
    realizedPnl = result.realizedPnl;
    const liquidated = result.closeReason === LIQUIDATION_REASON;
    markClosed(`${liquidated ? 'LIQUIDATED' : 'CLOSE'}: ${reason}`);
    position = result.position;
    const line =
      `${liquidated ? 'liquidated' : 'closed'} ${pos.side} ${pos.qty} ${config.symbol} @ ${fmtPrice(result.price)}: PnL ${fmtUsd(result.pnl ?? 0)} USDT ` +
      `(session ${fmtUsd(realizedPnl)}) — ${reason}`;
    if (liquidated) log.warn(line);
    else log.info(line);
    return position === null;
  }

  function markClosed(action: string): void {
    position = null;
    levels = { tpPrice: null, slPrice: null };
    lastCloseTick = tickNo;
    lastAction = action;
  }

  function supervisorDue(): boolean {
    return config.llmProvider !== null && clock.now() - lastSupervisorAt >= config.supervisorIntervalSeconds * 1000;
  }

  /** One supervisor check; true when it closed the position. */
  async function supervise(pos: PositionWire, at: number): Promise<boolean> {
    lastSupervisorAt = clock.now();
    const strategy = plan?.strategy ?? 'unknown';
    const sig = plan ? currentSignal(plan) : null;
    const input = {
      config,
      position: pos,
      price: at,
      unrealizedPnl: unrealized(),
      realizedPnl,
      strategy,
      ...(sig ? { signal: { value: sig.signal, reason: sig.reason } } : {}),
      candles: feed.candles,
      levels,
    };
    let content: string;
    try {
      content = (await hub.llm(supervisorRequest(input), hard.signal)).content;
      episodes.exit('supervisor', () => log.info('supervisor available again'));
    } catch (err) {
      if (err instanceof AgentStoppingError) throw err;
      episodes.enter('supervisor', () => log.warn(`supervisor unavailable (${errorMessage(err)}); keeping the position`));
      return false;
    }
    const verdict = readSupervisorAnswer(typeof content === 'string' ? content : '', input);
    if (verdict.levels) {
      levels = verdict.levels;
      position = { ...pos, ...verdict.levels };
    }
    if (verdict.rejected) log.warn(`supervisor: KEEP (answer rejected: ${verdict.rejected})`);
    else {
      const extra = verdict.levels ? ` (TP ${lvl(verdict.levels.tpPrice)}, SL ${lvl(verdict.levels.slPrice)})` : '';
      log.info(`supervisor: ${verdict.action}${extra}${verdict.reasoning ? ` — ${verdict.reasoning}` : ''}`);
    }
    hub.pushDecision({
      idempotencyKey: newKey(),
      action: verdict.action,
      strategy: plan?.strategy ?? null,
      confidence: verdict.confidence,
      reasoning: verdict.rejected ? `kept: answer rejected: ${verdict.rejected}` : verdict.reasoning,
      ...(verdict.levels ?? {}),
    });
    if (verdict.action === 'CLOSE') return closePosition(`supervisor: ${verdict.reasoning || 'close'}`, hard.signal);
    return false;
  }

  /** Checks the session drawdown stop; when hit, closes, stops the loop and returns true. */
  async function drawdownStop(): Promise<boolean> {
    const dd = sessionDrawdown({
      realizedPnl,
      unrealizedPnl: unrealized(),
      amountUsdt: config.amountUsdt,
      maxSessionLossPct: config.maxSessionLossPct,
    });
    if (!dd.hit) return false;
    const why = `drawdown stop: loss ${fmtNum(-dd.pct, 2)}% of capital ≥ ${fmtNum(config.maxSessionLossPct)}% limit`;
    log.warn(`${why} (session PnL ${fmtUsd(dd.pnl)} USDT on ${config.amountUsdt} USDT)`);
    if (position && !(await closePosition(why, hard.signal))) {
      log.error('drawdown stop: the position could not be closed; it stays open in the hub');
    }
    state = 'stopped';
    lastAction = `STOP: ${why}`;
    pushStatus();
    return true;
  }

  return {
    get state() {
      return state;
    },

    start() {
      if (state !== 'idle') return;
      state = 'running';
      loopEnded = false;
      loop = run().finally(() => {
        loopEnded = true;
      });
    },

    stop(opts) {
      if (stopping) return stopping;
      if (state === 'idle' || state === 'stopped') {
        state = 'stopped';
        return Promise.resolve(status());
      }
      stopping = (async () => {
        const startedAt = timers.now();
        state = 'stopping';
        stopRequested = true;
        wake.abort();
        pushStatus();
        const graceCtl = new AbortController();
        await Promise.race([loop, timers.sleep(Math.min(stopGraceMs, opts.deadlineMs / 2), graceCtl.signal)]);
        graceCtl.abort();
        if (!loopEnded) {
          hard.abort();
          await loop;
        }
        if (opts.closePosition && position && state === 'stopping') {
          const left = Math.max(500, opts.deadlineMs - (timers.now() - startedAt) - 250);
          const closeCtl = new AbortController();
          const timerCtl = new AbortController();
          void timers.sleep(left, timerCtl.signal).then(() => closeCtl.abort());
          try {
            await closePosition(`stop: ${opts.reason}`, closeCtl.signal);
          } catch (err) {
            if (!(err instanceof AgentStoppingError)) throw err;
            log.error(`stop: could not close the position within ${opts.deadlineMs} ms; it stays open in the hub`);
          } finally {
            timerCtl.abort();
          }
        }
        if (state === 'stopping') {
          state = 'stopped';
          lastAction = `STOP: ${opts.reason}`;
          log.info(`stopped: ${opts.reason}${position ? ' (position left open)' : ''}`);
        }
        pushStatus();
        return status();
      })();
      return stopping;
    },

    status,

    applyConfig(patch) {
      config = { ...config, ...patch };
      const changed = Object.entries(patch)
        .map(([k, v]) => `${k} ${v === null ? 'none' : String(v)}`)
        .join(', ');
      if (position && ('tpPct' in patch || 'slPct' in patch)) {
        levels = levelsAfterPctChange({ ...position, ...levels }, config.tpSlMode, patch);
        position = { ...position, ...levels };
        log.info(`settings changed: ${changed}; ${position.side} position: TP ${lvl(levels.tpPrice)}, SL ${lvl(levels.slPrice)}`);
      } else {
        log.info(`settings changed: ${changed}`);
      }
      return status();
    },

    done: () => loop,
  };
}

function lvl(x: number | null): string {
  return x === null ? 'none' : fmtPrice(x);
}
