/**
 * The broker's book-keeping, inside the caller's transaction with the agent row locked: a fill
 * (paper or live, see ./fills.ts) becomes the trade row (./trades.ts), the agent's `position` /
 * `realizedPnl` / `lastPrice` (src/hub/agents/position-store.ts), and the chain outbox entry, all
 * in the one transaction, all or nothing; a retried key finds its stored answer.
 * Paper orders record in the transaction that admitted them; live ones in a second transaction
 * after the exchange answered (./live-orders.ts), or at reconcile.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Agent, OpenPosition, Trade } from '../../db/entities/index.js';
import { LIQUIDATION_REASON } from '../../shared/liquidation.js';
import type { OrderRequest, OrderResult, PositionSide } from '../../shared/wire.js';
import { holdPosition, releasePosition } from '../agents/position-store.js';
import { enqueueChainEntry } from '../chain/outbox.js';
import type { TradeEventData } from '../events.js';
import { IdempotencyKeyConflictError, InvalidOrderError, NoOpenPositionError } from './errors.js';
import type { CloseFill, OpenFill } from './fills.js';
import type { WatchedPosition } from './open-positions.js';
import {
  CLOSE_REASON_MAX_CHARS,
  EVENT_REASON_MAX_CHARS,
  openedPosition,
  orderResultOf,
  toPositionWire,
  tradeReason,
} from './order-results.js';
import { tradeChainRecord } from './trade-detail.js';
import { closeTrade, createOpenTrade, tradeOfAgent, tradesByKey } from './trades.js';

/** Who an order belongs to, for events and alerts. */
export interface AgentContext {
  agentId: string;
  ownerId: string;
  agentName: string;
}

/** What one order did, for the caller to publish after the commit. */
export interface Executed {
  result: OrderResult;
  /** Set when a new fill was recorded (not for a replay). */
  event?: { name: 'trade.opened' | 'trade.closed'; data: TradeEventData };
  /** The open paper position to add to the book, or the trade to drop from it. */
  book?: { track: WatchedPosition } | { untrack: string };
}

export function contextOf(agent: Agent): AgentContext {
  return { agentId: agent.id, ownerId: agent.owner.id, agentName: agent.name };
}

/** The stored result for this key, or undefined; conflicts when the key names another order. */
export async function replayOf(em: EntityManager, agent: Agent, order: OrderRequest): Promise<OrderResult | undefined> {
  const key = order.idempotencyKey;
  const trades = await tradesByKey(em, key);
  if (trades.length === 0) return undefined;
  const trade = trades.find((t) => (order.action === 'open' ? t.idempotencyKey : t.closeIdempotencyKey) === key);
  if (!trade) throw new IdempotencyKeyConflictError(key, `was already used for ${order.action === 'open' ? 'a close' : 'an open'}`);
  if (trade.agent.id !== agent.id) throw new IdempotencyKeyConflictError(key, 'was already used by another agent');
  if (order.action === 'open' && order.side && order.side !== trade.side) {
    throw new IdempotencyKeyConflictError(key, `was already used to open a ${trade.side}`);
  }
  return orderResultOf(trade, agent, order.action, true);
}

/** The open trade a close is for, or a stored answer when the trade it names is closed already. */
export async function tradeToClose(em: EntityManager, agent: Agent, order: OrderRequest): Promise<Trade | OrderResult> {
  const meant = order.tradeId;
  if (meant !== undefined && agent.position?.tradeId !== meant) {
    const named = await tradeOfAgent(em, agent.id, meant);
    if (named?.status === 'closed') return orderResultOf(named, agent, 'close', true);
    if (agent.position) throw new InvalidOrderError(`tradeId ${meant} is not this agent's open trade (${agent.position.tradeId} is)`);
  }
  if (!agent.position) throw new NoOpenPositionError();
  const trade = await tradeOfAgent(em, agent.id, agent.position.tradeId);
  if (!trade || trade.status !== 'open') {
    throw new Error(`agent ${agent.id} position names trade ${agent.position.tradeId}, which is not an open trade of this agent`);
  }
  return trade;
}

function eventData(ctx: AgentContext, symbol: string, trade: Trade, price: number, fees: number, reason: string): TradeEventData {
  return {
    ...ctx,
    tradeId: trade.id,
    symbol,
    side: trade.side,
    qty: trade.qty,
    price,
    fees,
    pnl: trade.pnl ?? null,
    reason,
    live: trade.live,
  };
}

/** Records an open of `fill` as trade `tradeId` (chosen up front for a live order's intent). */
export async function recordOpen(
  em: EntityManager,
  agent: Agent,
  order: OrderRequest,
  fill: OpenFill,
  opening: { tradeId: string; live: boolean; openedAt: Date },
): Promise<Executed> {
  const side = order.side as PositionSide;
  const { live, openedAt } = opening;
  const trade = createOpenTrade(em, agent, {
    tradeId: opening.tradeId,
    side,
    fill,
    live,
    openedAt,
    idempotencyKey: order.idempotencyKey,
    decisionKey: order.decisionKey,
    signals: order.signals,
  });
  const position: OpenPosition = openedPosition(trade.id, order, fill, openedAt.toISOString());
  holdPosition(agent, position, fill.marketPrice);
  await em.flush();
  await enqueueChainEntry(em, 'trade', tradeChainRecord(agent.id, agent.symbol, trade, 'open'));
  const reason = tradeReason(order.reason, EVENT_REASON_MAX_CHARS);
  const watched =
    !live && fill.liquidationPrice !== null
      ? {
          tradeId: trade.id,
          agentId: agent.id,
          symbol: agent.symbol,
          side,
          liquidationPrice: fill.liquidationPrice,
          openedAtMs: openedAt.getTime(),
        }
      : undefined;
  return {
    result: { ...orderResultOf(trade, agent, 'open', false), position: toPositionWire(position) },
    event: { name: 'trade.opened', data: eventData(contextOf(agent), agent.symbol, trade, fill.price, fill.fee, reason) },
    ...(watched ? { book: { track: watched } } : {}),
  };
}

/** Records the close of `trade` by `exit`. */
export async function recordClose(
  em: EntityManager,
  agent: Agent,
  trade: Trade,
  order: OrderRequest,
  exit: CloseFill,
  closedAt: Date,
): Promise<Executed> {
  closeTrade(trade, exit, order.idempotencyKey, closedAt);
  releasePosition(agent, exit.pnl, exit.marketPrice);
  await em.flush();
  await enqueueChainEntry(em, 'trade', tradeChainRecord(agent.id, agent.symbol, trade, 'close'));
  // The event carries the agent's full words unless the fill decided otherwise (liquidated, or a
  // "liquidation" on spot that was a market close).
  const asked = tradeReason(order.reason, EVENT_REASON_MAX_CHARS);
  const reason = exit.reason === LIQUIDATION_REASON || asked === LIQUIDATION_REASON ? exit.reason : asked;
  return {
    result: orderResultOf(trade, agent, 'close', false),
    event: { name: 'trade.closed', data: eventData(contextOf(agent), agent.symbol, trade, exit.price, trade.fees, reason) },
    book: { untrack: trade.id },
  };
}

/** The close reason as stored for `order`. */
export function closeReasonOf(order: OrderRequest): string {
  return tradeReason(order.reason, CLOSE_REASON_MAX_CHARS);
}
