/**
 * The one door to `trades` (see src/db/entities/trade.ts): every query made on it. All run in the
 * caller's EntityManager (its transaction); a writer changes or creates the managed entity only,
 * and the caller's flush writes it together with the agent row and the chain outbox entry
 * (./records.ts).
 */
import type { FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { TradeSchema, type Agent, type Trade } from '../../db/entities/index.js';
import type { PositionSide } from '../../shared/wire.js';
import type { CloseFill, OpenFill } from './fills.js';

/** A new open trade as the broker records it. */
export interface TradeOpening {
  tradeId: string;
  side: PositionSide;
  fill: OpenFill;
  live: boolean;
  openedAt: Date;
  /** The open's idempotency key (`trades.idempotency_key`, unique). */
  idempotencyKey: string;
}

/** The trades whose open or close idempotency key is `key` (each key is unique in its column). */
export function tradesByKey(em: EntityManager, key: string): Promise<Trade[]> {
  return em.find(TradeSchema, { $or: [{ idempotencyKey: key }, { closeIdempotencyKey: key }] });
}

/** Trade `tradeId` if it belongs to agent `agentId`, else null. */
export function tradeOfAgent(em: EntityManager, agentId: string, tradeId: string): Promise<Trade | null> {
  return em.findOne(TradeSchema, { id: tradeId, agent: agentId });
}

/** Trade `tradeId`; throws when there is none. */
export function tradeById(em: EntityManager, tradeId: string): Promise<Trade> {
  return em.findOneOrFail(TradeSchema, { id: tradeId });
}

/** The agent's most recently opened trade that is still open, or null. */
export function latestOpenTrade(em: EntityManager, agentId: string): Promise<Trade | null> {
  return em.findOne(TradeSchema, { agent: agentId, status: 'open' }, { orderBy: { openedAt: 'desc' } });
}

/** True when the agent has a trade that is still open. */
export async function hasOpenTrade(em: EntityManager, agentId: string): Promise<boolean> {
  return (await em.count(TradeSchema, { agent: agentId, status: 'open' })) > 0;
}

/** Which of an owner's trades to read (charts, reports). */
export interface OwnerTradesQuery {
  ownerId: string;
  /** Agents to read; an agent of another owner contributes nothing. */
  agentIds: readonly string[];
  /** Trades that were open at some time in [from, to]: opened by `to`, and closed at or after `from` or still open. */
  from?: Date;
  to?: Date;
  /** Only closed trades. */
  closedOnly?: boolean;
}

/** The owner's trades matching `query`, oldest opening first. Scoped by owner. */
export function ownerTrades(em: EntityManager, query: OwnerTradesQuery): Promise<Trade[]> {
  if (query.agentIds.length === 0) return Promise.resolve([]);
  const where: FilterQuery<Trade> = { agent: { id: { $in: [...query.agentIds] }, owner: query.ownerId } };
  if (query.to) where.openedAt = { $lte: query.to };
  if (query.from) where.$or = [{ closedAt: null }, { closedAt: { $gte: query.from } }];
  if (query.closedOnly) where.status = 'closed';
  return em.find(TradeSchema, where, { orderBy: { openedAt: 'asc', id: 'asc' } });
}

/** The open trade row of `opening` for `agent` (inserted by the caller's flush). */
export function createOpenTrade(em: EntityManager, agent: Agent, opening: TradeOpening): Trade {
  const { fill } = opening;
  return em.create(TradeSchema, {
    id: opening.tradeId,
    agent,
    side: opening.side,
    qty: fill.qty,
    leverage: fill.leverage,
    margin: fill.margin,
    entryPrice: fill.price,
    exitPrice: null,
    liquidationPrice: fill.liquidationPrice,
    fees: fill.fee,
    pnl: null,
    status: 'open',
    closeReason: null,
    live: opening.live,
    openedAt: opening.openedAt,
    closedAt: null,
    exchangeOrderIds: fill.orderIds,
    idempotencyKey: opening.idempotencyKey,
    closeIdempotencyKey: null,
  });
}

/** Closes `trade` by `exit` under the close's idempotency key (updated by the caller's flush). */
export function closeTrade(trade: Trade, exit: CloseFill, closeIdempotencyKey: string, closedAt: Date): void {
  trade.exitPrice = exit.price;
  trade.fees = trade.fees + exit.fee;
  trade.pnl = exit.pnl;
  trade.status = 'closed';
  trade.closeReason = exit.reason;
  trade.closedAt = closedAt;
  trade.closeIdempotencyKey = closeIdempotencyKey;
  trade.exchangeOrderIds = [...trade.exchangeOrderIds, ...exit.orderIds];
}
