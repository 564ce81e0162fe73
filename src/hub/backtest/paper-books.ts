/**
 * A backtest's books: the open position, the closed trades and the realised PnL, kept with the
 * paper broker's fill model (src/hub/broker/paper.ts) — the arithmetic the hub's broker applies to
 * a paper agent, without its tables. Answers are the wire's `OrderResult`, as the broker's are.
 */
import { HubRequestError } from '../../engine/ports.js';
import { LIQUIDATION_REASON } from '../../shared/liquidation.js';
import type { OrderRequest, OrderResult, PositionWire } from '../../shared/wire.js';
import { openedPosition, tradeReason } from '../broker/order-results.js';
import { paperCloseAt, paperOpen, type PaperCosts } from '../broker/paper.js';

/** The open position as the books hold it. */
export interface BookPosition extends PositionWire {
  openFee: number;
  entryBar: number;
}

/** A closed trade (bar indexes are into all bars, warm-up included). */
export interface BookTrade {
  side: 'long' | 'short';
  entryBar: number;
  exitBar: number;
  entryPrice: number;
  exitPrice: number;
  qty: number;
  /** Both fills' fees, USDT. */
  fees: number;
  /** Net of both fees, USDT. */
  pnl: number;
  liquidated: boolean;
  /** The engine's reason for the close. */
  reason: string;
}

/** Where and when an order executes: the bar that has just closed. */
export interface BarQuote {
  bar: number;
  /** Its close: the last price. */
  price: number;
  /** Its close time, ISO (a position's `openedAt`). */
  at: string;
}

export interface PaperBooks {
  readonly position: Readonly<BookPosition> | null;
  readonly trades: readonly BookTrade[];
  execute(order: OrderRequest, quote: BarQuote): OrderResult;
  /** Realised PnL plus the open position marked at `price` (its open fee paid), USDT. */
  pnlAt(price: number): number;
}

export function createPaperBooks(opts: { costs: PaperCosts; leverage: number; mmr?: number }): PaperBooks {
  const { costs } = opts;
  let position: BookPosition | null = null;
  let realizedPnl = 0;
  let tradeNo = 0;
  const trades: BookTrade[] = [];

  function open(order: OrderRequest, quote: BarQuote): OrderResult {
    if (position) throw new HubRequestError('a position is already open', 'orders', 409, false, 'position_open');
    const side = order.side!;
    const fill = paperOpen({ side, lastPrice: quote.price, margin: order.amountUsdt!, leverage: opts.leverage, mmr: opts.mmr }, costs);
    const wire = openedPosition(`bt-${++tradeNo}`, order, fill, quote.at);
    position = Object.assign({ openFee: fill.fee, entryBar: quote.bar }, wire);
    return {
      live: false,
      replayed: false,
      tradeId: wire.tradeId,
      status: 'open',
      side,
      qty: fill.qty,
      price: fill.price,
      fees: fill.fee,
      pnl: null,
      realizedPnl,
      position: wire,
    };
  }

  function close(order: OrderRequest, quote: BarQuote): OrderResult {
    const pos = position;
    if (!pos || (order.tradeId !== undefined && order.tradeId !== pos.tradeId)) {
      throw new HubRequestError('no open position', 'orders', 409, false, 'no_position');
    }
    const claims = tradeReason(order.reason, 64) === LIQUIDATION_REASON;
    const fill = paperCloseAt(pos, quote.price, claims, costs);
    realizedPnl += fill.pnl;
    position = null;
    const { side, entryBar, entryPrice, qty } = pos;
    trades.push({
      side,
      entryBar,
      exitBar: quote.bar,
      entryPrice,
      exitPrice: fill.price,
      qty,
      fees: pos.openFee + fill.fee,
      pnl: fill.pnl,
      liquidated: fill.liquidated,
      reason: order.reason,
    });
    const closeReason = fill.liquidated ? LIQUIDATION_REASON : tradeReason(order.reason, 64);
    return {
      live: false,
      replayed: false,
      tradeId: pos.tradeId,
      status: 'closed',
      side,
      qty,
      price: fill.price,
      fees: fill.fee,
      pnl: fill.pnl,
      realizedPnl,
      position: null,
      closeReason,
    };
  }

  return {
    get position() {
      return position;
    },
    trades,
    execute: (order, quote) => (order.action === 'open' ? open(order, quote) : close(order, quote)),
    pnlAt(price) {
      if (!position) return realizedPnl;
      const d = position.side === 'long' ? 1 : -1;
      return realizedPnl + d * (price - position.entryPrice) * position.qty - position.openFee;
    },
  };
}
