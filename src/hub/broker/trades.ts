/**
 * The one door to `trades` (see src/db/entities/trade.ts): every query made on it. All run in the
 * caller's EntityManager (its transaction); a writer changes or creates the managed entity only,
 * and the caller's flush writes it together with the agent row and the chain outbox entry
 * (./records.ts).
 */
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

// ─── Reads for analytics (src/hub/analytics): closed trades with their agent's name and symbol ──

/**
 * A closed trade as the analytics read it. Money in quote currency (USDT), `pnl` net of fees,
 * qty in base units. `strategy` is the agent's (configured, else the one it ran last): trades do
 * not record the strategy they were opened under.
 */
export interface ClosedTradeRecord {
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

interface ClosedTradeSqlRow {
  id: string;
  agent_id: string;
  agent_name: string;
  symbol: string;
  strategy: string | null;
  side: PositionSide;
  qty: number;
  entry_price: number;
  exit_price: number | null;
  margin: number;
  leverage: number;
  fees: number;
  pnl: number | null;
  opened_at: Date | string;
  closed_at: Date | string;
  close_reason: string | null;
  live: boolean;
}

const CLOSED_TRADE_COLUMNS = `t.id, t.agent_id, a.name as agent_name, a.symbol, coalesce(a.strategy, a.active_strategy) as strategy,
  t.side, t.qty, t.entry_price, t.exit_price, t.margin, t.leverage, t.fees, t.pnl, t.opened_at, t.closed_at, t.close_reason, t.live`;

function toClosedTrade(r: ClosedTradeSqlRow): ClosedTradeRecord {
  return {
    id: r.id,
    agentId: r.agent_id,
    agentName: r.agent_name,
    symbol: r.symbol,
    strategy: r.strategy,
    side: r.side,
    qty: Number(r.qty),
    entryPrice: Number(r.entry_price),
    exitPrice: Number(r.exit_price ?? r.entry_price),
    margin: Number(r.margin),
    leverage: Number(r.leverage),
    fees: Number(r.fees),
    pnl: Number(r.pnl ?? 0),
    openedAt: new Date(r.opened_at),
    closedAt: new Date(r.closed_at),
    closeReason: r.close_reason,
    live: r.live,
  };
}

/**
 * The closed trades of the owner's agents (only agent `agentId` when given, and only those closed
 * at or after `since`), in close order. Scoped by owner: another owner's agent id yields nothing.
 */
export async function closedTradesOfOwner(
  em: EntityManager,
  ownerId: string,
  options: { agentId?: string; since?: Date } = {},
): Promise<ClosedTradeRecord[]> {
  const params: unknown[] = [ownerId];
  let where = `a.owner_id = ? and t.status = 'closed' and t.closed_at is not null`;
  if (options.agentId !== undefined) {
    where += ' and t.agent_id = ?';
    params.push(options.agentId);
  }
  if (options.since !== undefined) {
    where += ' and t.closed_at >= ?';
    params.push(options.since);
  }
  const rows: ClosedTradeSqlRow[] = await em
    .getConnection()
    .execute(
      `select ${CLOSED_TRADE_COLUMNS} from trades t join agents a on a.id = t.agent_id where ${where} order by t.closed_at, t.id`,
      params,
    );
  return rows.map(toClosedTrade);
}

/** The closed paper trades (`live` false) of agents `agentIds`, whoever owns them, in close order (the leaderboard). */
export async function closedPaperTradesOf(em: EntityManager, agentIds: readonly string[]): Promise<ClosedTradeRecord[]> {
  if (!agentIds.length) return [];
  const rows: ClosedTradeSqlRow[] = await em.getConnection().execute(
    `select ${CLOSED_TRADE_COLUMNS} from trades t join agents a on a.id = t.agent_id
       where t.agent_id in (${agentIds.map(() => '?').join(', ')}) and t.status = 'closed' and t.closed_at is not null and not t.live
       order by t.closed_at, t.id`,
    [...agentIds],
  );
  return rows.map(toClosedTrade);
}
