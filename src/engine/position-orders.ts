/**
 * Opening and closing the session's position through the hub. Each intended order gets a fresh
 * idempotency key; the hub client retries it with that same key until it succeeds, is refused or
 * the engine stops. The hub's answer is the truth for the position and the realised PnL.
 *
 * Liquidation: the hub may have liquidated first. A close names its trade, so the hub answers
 * with the liquidation it made (close reason `LIQUIDATION_REASON`); a status answer saying the
 * hub closed the pushed trade makes `closeIfGone` ask the same way on the next tick.
 */
import { LIQUIDATION_REASON } from '../shared/liquidation.js';
import type { PositionSide, SignalValue } from '../shared/wire.js';
import { HubRequestError } from './ports.js';
import { fmtLevel, fmtPrice, fmtUsd } from './format.js';
import { levelsFor, liquidationReason } from './position-math.js';
import type { EngineSession } from './session.js';
import { signalSnapshot } from './signal-decision.js';

/** Opens a position at about `at` (quote currency); a refusal by the hub is logged, not thrown. */
export async function openPosition(s: EngineSession, side: PositionSide, reason: string, at: number): Promise<void> {
  const { config, feed, hub, clock } = s;
  const planned = levelsFor(config, side, at, feed.candles);
  let result;
  try {
    result = await hub.placeOrder(
      { idempotencyKey: s.newKey(), action: 'open', side, amountUsdt: config.amountUsdt, ...planned, reason, ...decisionRecord(s) },
      s.hard.signal,
    );
  } catch (err) {
    if (!(err instanceof HubRequestError)) throw err;
    s.log.error(`open ${side} refused by the hub: ${err.message}`);
    s.lastAction = `OPEN_${side.toUpperCase()} refused`;
    return;
  }
  s.realizedPnl = result.realizedPnl;
  const entry = result.position?.entryPrice ?? result.price;
  s.levels = levelsFor(config, side, entry, feed.candles);
  const position = {
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
    ...s.levels,
  };
  s.position = position;
  s.lastSupervisorAt = clock.now();
  s.lastAction = `OPEN_${side.toUpperCase()}: ${reason}`;
  s.log.info(
    `opened ${side} ${position.qty} ${config.symbol} @ ${fmtPrice(entry)} (margin ${config.amountUsdt} USDT, ${config.leverage}x; ` +
      `TP ${fmtLevel(s.levels.tpPrice)}, SL ${fmtLevel(s.levels.slPrice)}): ${reason}`,
  );
}

/** What an open records of the decision behind it: the PLAN decision's key and the signals read now. */
function decisionRecord(s: EngineSession): { decisionKey?: string; signals?: SignalValue[] } {
  const signals = s.plan && s.recordSignals ? signalSnapshot(s, s.plan) : [];
  return { ...(s.planDecisionKey ? { decisionKey: s.planDecisionKey } : {}), ...(signals.length ? { signals } : {}) };
}

/** Closes when the hub has closed the position or the market reached its liquidation price; true when gone. */
export async function closeIfGone(s: EngineSession, at: number): Promise<boolean> {
  const position = s.position;
  if (!position) return false;
  const why = s.hub.closedByHub?.() === position.tradeId ? 'the hub closed the position' : liquidationReason(position, at, s.feed.candles);
  return why !== null && closePosition(s, why, s.hard.signal);
}

/** Closes through the hub; true when the position is gone afterwards. */
export async function closePosition(s: EngineSession, reason: string, signal: AbortSignal): Promise<boolean> {
  const pos = s.position;
  if (!pos) return false;
  let result;
  try {
    result = await s.hub.placeOrder({ idempotencyKey: s.newKey(), action: 'close', reason, tradeId: pos.tradeId }, signal);
  } catch (err) {
    if (!(err instanceof HubRequestError)) throw err;
    if (err.code === 'no_position') {
      s.log.warn(`close refused: the hub has no open position; now flat (${reason})`);
      markClosed(s, `CLOSE: ${reason}`);
      return true;
    }
    s.log.error(`close refused by the hub: ${err.message}; position kept (${reason})`);
    return false;
  }
  s.realizedPnl = result.realizedPnl;
  const liquidated = result.closeReason === LIQUIDATION_REASON;
  markClosed(s, `${liquidated ? 'LIQUIDATED' : 'CLOSE'}: ${reason}`);
  s.position = result.position;
  const line =
    `${liquidated ? 'liquidated' : 'closed'} ${pos.side} ${pos.qty} ${s.config.symbol} @ ${fmtPrice(result.price)}: PnL ${fmtUsd(result.pnl ?? 0)} USDT ` +
    `(session ${fmtUsd(s.realizedPnl)}) — ${reason}`;
  if (liquidated) s.log.warn(line);
  else s.log.info(line);
  return s.position === null;
}

/** Flat from now on; the cooldown counts from this tick. */
function markClosed(s: EngineSession, action: string): void {
  s.position = null;
  s.levels = { tpPrice: null, slPrice: null };
  s.lastCloseTick = s.tickNo;
  s.lastAction = action;
}
