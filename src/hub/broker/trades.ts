/**
 * The one door to `trades` (see src/db/entities/trade.ts): every query made on it. All run in the
 * caller's EntityManager (its transaction); a writer changes or creates the managed entity only,
 * and the caller's flush writes it together with the agent row and the chain outbox entry
 * (./records.ts).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { TradeSchema, type Agent, type Trade } from '../../db/entities/index.js';
import type { PositionSide, SignalValue } from '../../shared/wire.js';
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
  /** The decision the order followed from, and the strategy signals the agent read (OrderRequest). */
  decisionKey?: string | undefined;
  signals?: SignalValue[] | undefined;
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
    decisionKey: opening.decisionKey ?? null,
    signals: opening.signals?.length ? opening.signals : null,
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

// ─── The owner's trades, for the trader's views (/trades, /trade, /export) ──────────────────
// Each read is scoped by the agent's owner: another user's trade is exactly like a missing one.
// The agent is populated (name, symbol) so the views need no second query.

/** Which of the owner's trades: all of them, or one agent's. */
export interface OwnerTradeScope {
  ownerId: string;
  /** Only this agent's trades (it must be the owner's, or nothing matches). */
  agentId?: string;
}

function ownedBy({ ownerId, agentId }: OwnerTradeScope) {
  return { agent: agentId ? { id: agentId, owner: ownerId } : { owner: ownerId } };
}

/** One page of the owner's trades, newest opened first (ties by id), and how many there are in all. */
export async function ownerTradesPage(
  em: EntityManager,
  scope: OwnerTradeScope,
  page: { offset: number; limit: number },
): Promise<{ trades: Trade[]; total: number }> {
  const [trades, total] = await em.findAndCount(TradeSchema, ownedBy(scope), {
    orderBy: [{ openedAt: 'desc' }, { id: 'desc' }],
    offset: page.offset,
    limit: page.limit,
    populate: ['agent'],
  });
  return { trades, total };
}

/**
 * The owner's trades whose id starts with `idPrefix` (hex digits and dashes; a full id is its own
 * prefix), at most `limit` of them, newest opened first: the caller tells one from several.
 */
export async function ownerTradesByIdPrefix(em: EntityManager, ownerId: string, idPrefix: string, limit = 2): Promise<Trade[]> {
  const needle = idPrefix.toLowerCase().replace(/[^0-9a-f-]/g, '');
  if (!needle) return [];
  const rows: Array<{ id: string }> = await em.getConnection().execute(
    `select t.id from trades t join agents a on a.id = t.agent_id
      where a.owner_id = ? and t.id::text like ? order by t.opened_at desc, t.id desc limit ?`,
    [ownerId, `${needle}%`, limit],
  );
  if (!rows.length) return [];
  return em.find(
    TradeSchema,
    { id: { $in: rows.map((r) => r.id) } },
    { orderBy: [{ openedAt: 'desc' }, { id: 'desc' }], populate: ['agent'] },
  );
}

/**
 * The owner's newest `limit` trades, returned oldest opened first (the order of an export), and how
 * many there are in all (more than returned when the limit cut the oldest off).
 */
export async function ownerTradesForExport(
  em: EntityManager,
  scope: OwnerTradeScope,
  limit: number,
): Promise<{ trades: Trade[]; total: number }> {
  const { trades, total } = await ownerTradesPage(em, scope, { offset: 0, limit });
  return { trades: trades.reverse(), total };
}

// ─── Closed trades for the analytics (src/hub/analytics), agent populated, in close order ───

const CLOSE_ORDER = [{ closedAt: 'asc' }, { id: 'asc' }] as const;

/** The owner's closed trades (all agents or one; closed at or after `since` when given), oldest close first. */
export function ownerClosedTrades(em: EntityManager, scope: OwnerTradeScope & { since?: Date }): Promise<Trade[]> {
  return em.find(
    TradeSchema,
    { ...ownedBy(scope), status: 'closed', closedAt: scope.since ? { $gte: scope.since } : { $ne: null } },
    { orderBy: [...CLOSE_ORDER], populate: ['agent'] },
  );
}

/**
 * A closed trade with its agent's name, symbol and strategy (configured, else the one it ran last),
 * as the analytics read it. Money in quote currency, `pnl` net of fees, qty in base units.
 */
export interface ClosedTradeRow {
  id: string;
  agentId: string;
  agentName: string;
  symbol: string;
  strategy: string | null;
  side: PositionSide;
  qty: number;
  entryPrice: number;
  exitPrice: number;
  margin: number;
  leverage: number;
  fees: number;
  pnl: number;
  openedAt: Date;
  closedAt: Date;
  closeReason: string | null;
  live: boolean;
}

/**
 * `ownerClosedTrades` as plain rows in one SQL statement, no entities: what /profit and the
 * dashboard's profit and equity read (often, and over many trades).
 */
export async function ownerClosedTradeRows(em: EntityManager, scope: OwnerTradeScope & { since?: Date }): Promise<ClosedTradeRow[]> {
  const where = [`a.owner_id = ?`, `t.status = 'closed'`, 't.closed_at is not null'];
  const params: unknown[] = [scope.ownerId];
  if (scope.agentId) {
    where.push('t.agent_id = ?');
    params.push(scope.agentId);
  }
  if (scope.since) {
    where.push('t.closed_at >= ?');
    params.push(scope.since);
  }
  const rows: Array<Omit<ClosedTradeRow, 'openedAt' | 'closedAt'> & { openedAt: string; closedAt: string }> = await em
    .getConnection()
    .execute(
      `select t.id, t.agent_id as "agentId", a.name as "agentName", a.symbol, coalesce(a.strategy, a.active_strategy) as strategy,
            t.side, t.qty, t.entry_price as "entryPrice", coalesce(t.exit_price, t.entry_price) as "exitPrice", t.margin,
            t.leverage, t.fees, coalesce(t.pnl, 0) as pnl, t.opened_at as "openedAt", t.closed_at as "closedAt",
            t.close_reason as "closeReason", t.live
       from trades t join agents a on a.id = t.agent_id
      where ${where.join(' and ')}
      order by t.closed_at asc, t.id asc`,
      params,
    );
  // The driver hands timestamps over as text (the ORM's setting).
  return rows.map((r) => ({ ...r, openedAt: new Date(r.openedAt), closedAt: new Date(r.closedAt) }));
}

/** The closed paper trades (`live` false) of agents `agentIds`, whoever owns them (the leaderboard), oldest close first. */
export function closedPaperTradesOf(em: EntityManager, agentIds: readonly string[]): Promise<Trade[]> {
  if (!agentIds.length) return Promise.resolve([]);
  return em.find(
    TradeSchema,
    { agent: { $in: [...agentIds] }, status: 'closed', closedAt: { $ne: null }, live: false },
    { orderBy: [...CLOSE_ORDER], populate: ['agent'] },
  );
}

/**
 * The owner's trades that were open at some time in [from, to] (a chart's window): opened by `to`
 * (default: now), and closed at or after `from` or still open; oldest opened first.
 */
export function ownerTradesInWindow(em: EntityManager, scope: OwnerTradeScope & { from: Date; to?: Date }): Promise<Trade[]> {
  return em.find(
    TradeSchema,
    {
      ...ownedBy(scope),
      openedAt: { $lte: scope.to ?? new Date() },
      $or: [{ closedAt: null }, { closedAt: { $gte: scope.from } }],
    },
    { orderBy: [{ openedAt: 'asc' }, { id: 'asc' }] },
  );
}
