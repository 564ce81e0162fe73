/** Shapes the broker's rows into the wire contract, and names a close's reason. */
import type { Agent, OpenPosition, Trade } from '../../db/entities/index.js';
import { LIQUIDATION_REASON } from '../../shared/liquidation.js';
import type { OrderRequest, OrderResult, PositionSide, PositionWire } from '../../shared/wire.js';
import type { OpenFill } from './fills.js';

/** Longest reason stored on the trade row (`trades.close_reason` is varchar(64)). */
export const CLOSE_REASON_MAX_CHARS = 64;
/** Longest reason carried by a trade event. */
export const EVENT_REASON_MAX_CHARS = 500;

/**
 * `tp` / `sl` / `liquidation` when the agent's reason says a take-profit, stop-loss or the
 * liquidation price was hit ("TP hit: …", "sl", "SL triggered", "liquidation: bar low …"),
 * otherwise the agent's own words, trimmed to `max` characters.
 */
export function tradeReason(reason: string, max: number): string {
  const text = reason.trim();
  if (/^(tp|take[ -]?profit)\b/i.test(text)) return 'tp';
  if (/^(sl|stop[ -]?loss)\b/i.test(text)) return 'sl';
  // Only "liquidation" / "liquidation: …" (what the engine sends): it fills at the liquidation price.
  if (/^liquidat(ed|ion)\s*(:|$)/i.test(text)) return LIQUIDATION_REASON;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The position an open `fill` of `order` makes (the broker's books and a backtest's alike). */
export function openedPosition(
  tradeId: string,
  order: OrderRequest,
  fill: Pick<OpenFill, 'price' | 'qty' | 'margin' | 'leverage' | 'liquidationPrice'>,
  openedAt: string,
): PositionWire {
  return {
    tradeId,
    side: order.side as PositionSide,
    qty: fill.qty,
    entryPrice: fill.price,
    leverage: fill.leverage,
    margin: fill.margin,
    liquidationPrice: fill.liquidationPrice,
    tpPrice: order.tpPrice ?? null,
    slPrice: order.slPrice ?? null,
    openedAt,
  };
}

export function toPositionWire(position: OpenPosition): PositionWire {
  return {
    tradeId: position.tradeId,
    side: position.side,
    qty: position.qty,
    entryPrice: position.entryPrice,
    leverage: position.leverage,
    margin: position.margin,
    liquidationPrice: position.liquidationPrice ?? null,
    tpPrice: position.tpPrice ?? null,
    slPrice: position.slPrice ?? null,
    openedAt: position.openedAt,
  };
}

/**
 * The result of the order that `action` names on `trade`, as the rows say now. `fees` is the
 * trade's fees so far (an open: its fee; a close: open + close fee) and `pnl` is net of them, so
 * a replayed close returns exactly what the first answer said. A replayed open whose trade has
 * since closed reports `status: 'closed'` with the entry price: the caller learns where its
 * trade stands instead of a stale copy.
 */
export function orderResultOf(trade: Trade, agent: Agent, action: 'open' | 'close', replayed: boolean): OrderResult {
  return {
    tradeId: trade.id,
    status: trade.status,
    side: trade.side,
    qty: trade.qty,
    price: action === 'open' ? trade.entryPrice : (trade.exitPrice ?? trade.entryPrice),
    fees: trade.fees,
    pnl: trade.pnl ?? null,
    realizedPnl: agent.realizedPnl,
    position: agent.position && agent.position.tradeId === trade.id ? toPositionWire(agent.position) : null,
    live: trade.live,
    replayed,
    ...(trade.status === 'closed' ? { closeReason: trade.closeReason ?? null } : {}),
  };
}
