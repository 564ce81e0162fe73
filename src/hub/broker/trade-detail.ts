/**
 * The detail JSON of a trade event and the chain record that carries its hash. The JSON is a
 * pure function of the trade row (plus the symbol traded, which the chain record also carries in
 * clear), with a fixed key order, so anyone holding the PostgreSQL row can rebuild it and check
 * the on-chain `detailHash`. It is also stored verbatim in the outbox payload (`detail`).
 *
 * The open detail leaves out the fees: the row's `fees` grows at the close, so the open's share
 * would no longer be derivable; the close detail carries the total.
 */
import { hashText, type TradeRecord } from '../chain/encoding.js';
import type { PositionSide } from '../../shared/wire.js';
import { pnlPercentOfMargin } from './paper.js';

/** The trade row fields the detail is built from (a `Trade` entity fits). */
export interface TradeDetailSource {
  id: string;
  side: PositionSide;
  qty: number;
  leverage: number;
  margin: number;
  entryPrice: number;
  exitPrice?: number | null;
  liquidationPrice?: number | null;
  fees: number;
  pnl?: number | null;
  closeReason?: string | null;
  live: boolean;
  openedAt: Date;
  closedAt?: Date | null;
  exchangeOrderIds: string[];
  idempotencyKey: string;
  closeIdempotencyKey?: string | null;
}

export type TradeEventKind = 'open' | 'close';

/** Canonical detail JSON of one trade event (version 1). */
export function tradeDetailJson(agentId: string, symbol: string, trade: TradeDetailSource, kind: TradeEventKind): string {
  const common = {
    v: 1,
    kind,
    tradeId: trade.id,
    agentId,
    symbol,
    side: trade.side,
    qty: trade.qty,
    entryPrice: trade.entryPrice,
    leverage: trade.leverage,
    margin: trade.margin,
    liquidationPrice: trade.liquidationPrice ?? null,
    live: trade.live,
    idempotencyKey: trade.idempotencyKey,
    openedAt: trade.openedAt.toISOString(),
  };
  if (kind === 'open') return JSON.stringify({ ...common, exchangeOrderIds: trade.exchangeOrderIds.slice(0, 1) });
  return JSON.stringify({
    ...common,
    exitPrice: trade.exitPrice ?? null,
    fees: trade.fees,
    pnl: trade.pnl ?? null,
    closeReason: trade.closeReason ?? null,
    closeIdempotencyKey: trade.closeIdempotencyKey ?? null,
    closedAt: trade.closedAt ? trade.closedAt.toISOString() : null,
    exchangeOrderIds: trade.exchangeOrderIds,
  });
}

/** A trade record for the outbox, with the detail JSON it hashes. */
export type TradeOutboxRecord = TradeRecord & { detail: string };

/** The chain record of a trade event: prices, PnL as a percent of margin, hash of the detail JSON. */
export function tradeChainRecord(agentId: string, symbol: string, trade: TradeDetailSource, kind: TradeEventKind): TradeOutboxRecord {
  const detail = tradeDetailJson(agentId, symbol, trade, kind);
  const side = `${kind === 'open' ? 'OPEN' : 'CLOSE'}_${trade.side === 'long' ? 'LONG' : 'SHORT'}` as TradeRecord['side'];
  return {
    agentId,
    symbol,
    side,
    entryPrice: trade.entryPrice,
    exitPrice: kind === 'close' ? (trade.exitPrice ?? null) : null,
    pnlPct: kind === 'close' ? pnlPercentOfMargin(trade.pnl ?? 0, trade.margin) : 0,
    detailHash: hashText(detail),
    detail,
  };
}
