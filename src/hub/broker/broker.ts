/**
 * The broker: executes an agent's order intent, paper or live, and records it.
 *
 * One order = one PostgreSQL transaction that
 *   1. locks the agent row (`select … for update`), so one agent's orders run one at a time;
 *   2. returns the stored result when the idempotency key was already executed (`replayed`);
 *   3. checks the one-position rule (an open while open, or a close while flat, is refused);
 *   4. fills: paper (see ./paper.ts) or live through the owner's `Exchange` (see ./live.ts);
 *   5. writes the trade row, the agent's `position` / `realizedPnl` / `lastPrice`, and the chain
 *      outbox entry; all or nothing.
 * Events (`trade.opened` / `trade.closed`) go out after the commit only; a live failure emits
 * `order.error` and is returned as `LiveOrderError`, never replaced by a paper fill.
 *
 * Idempotency: the open's key is `trades.idempotency_key`, the close's `close_idempotency_key`,
 * both unique. Concurrent duplicates wait on the row lock and then find the stored trade; should
 * one still slip past (the unique index is the final guard), the violation is caught and the
 * stored result replayed. A live order is placed while the lock is held with
 * `clientOrderId = idempotency key`; if the commit then fails, the retry with the same key gets
 * the same fill back from the exchange (it deduplicates by client order id) and stores it.
 *
 * Which venue and leverage: an open uses those of the agent's session, fixed at its `/start`
 * (`sessionLiveMode`, `sessionLeverage`; the settings themselves before a first start), so an
 * edit to live mode or another leverage never changes a running session; a close goes where its
 * trade was opened (`trade.live`), whatever the mode is now.
 *
 * Liquidation (paper only, see ./fills.ts): `liquidate(agentId, tradeId)` is the hub's own close
 * of that trade, through the same lock and idempotency (key `hub:liquidation:<tradeId>`, a
 * prefix agents may not use), so it happens exactly once even when the agent's close races it:
 * whichever takes the row lock second finds the trade closed. A close naming its `tradeId` that
 * the hub has closed meanwhile is answered with that close (`replayed: true`), so the agent
 * learns the fill and the PnL. The open paper positions book (./open-positions.ts) is updated
 * after each commit. `closeForOwner` is the hub's other own close (key `hub:close:<tradeId>`): a
 * market close the owner asks for once the agent is stopped (Close now, Close and delete).
 */
import { randomUUID } from 'node:crypto';
import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AgentSchema, TradeSchema, type Agent, type OpenPosition, type Trade } from '../../db/entities/index.js';
import type { Orm } from '../../db/orm.js';
import type { Logger } from '../../logger.js';
import { LIQUIDATION_REASON } from '../../shared/liquidation.js';
import type { OrderRequest, OrderResult, PositionSide } from '../../shared/wire.js';
import type { AgentDirectory } from '../agents/agent-directory.js';
import { enqueueChainEntry } from '../chain/outbox.js';
import type { HubEventMap, HubEvents, TradeEventData } from '../events.js';
import {
  BrokerAgentNotFoundError,
  IdempotencyKeyConflictError,
  InvalidOrderError,
  LiveOrderError,
  LiveShortUnsupportedError,
  NoOpenPositionError,
  PositionAlreadyOpenError,
} from './errors.js';
import { createFills, type ExchangeFactory } from './fills.js';
import type { OpenPositionBook, WatchedPosition } from './open-positions.js';
import { CLOSE_REASON_MAX_CHARS, EVENT_REASON_MAX_CHARS, orderResultOf, toPositionWire, tradeReason } from './order-results.js';
import { AMOUNT_EPSILON, liquidationOrder, ownerCloseOrder, UUID, validateOrder } from './order-rules.js';
import { DEFAULT_MAINTENANCE_MARGIN_RATE } from './paper.js';
import type { PriceSource } from './ports.js';
import { tradeChainRecord } from './trade-detail.js';

export type { ExchangeFactory } from './fills.js';

export interface BrokerDeps {
  orm: Orm;
  events: HubEvents;
  prices: PriceSource;
  /** Paper taker fee, basis points of notional. */
  feeBps: number;
  /** Paper slippage, basis points of the last price. */
  slippageBps: number;
  /** Paper maintenance margin rate as a fraction (default 0.005 = 0.5 %). */
  maintenanceMarginRate?: number;
  /** Live mode; without it a live agent's orders fail with `LiveOrderError`. */
  exchangeFor?: ExchangeFactory;
  /** Cheap existence check (cached) before a transaction is opened. */
  directory?: Pick<AgentDirectory, 'ref'>;
  /** Open paper positions by symbol, kept in step after each commit (for liquidation). */
  openPositions?: Pick<OpenPositionBook, 'track' | 'untrack'>;
  logger: Logger;
  /** Clock for `openedAt` / `closedAt`. */
  now?: () => Date;
}

export interface Broker {
  /**
   * Executes `order` for `agentId` and returns its result (`replayed: true` when the key was
   * executed before). Throws the typed errors of ./errors.ts.
   */
  execute(agentId: string, order: OrderRequest): Promise<OrderResult>;
  /**
   * The hub liquidates paper trade `tradeId` of `agentId` at its liquidation price. When the
   * trade is closed already (the agent's close won the race) its stored close comes back with
   * `replayed: true` and nothing is filled.
   */
  liquidate(agentId: string, tradeId: string): Promise<OrderResult>;
  /**
   * The hub closes trade `tradeId` of `agentId` at the market for its owner (paper or live, where
   * it was opened), under the same lock, with the key `hub:close:<tradeId>`: asked twice, or
   * racing the agent's own close or a liquidation, it fills once; a trade closed meanwhile comes
   * back as that close with `replayed: true`. The caller checks the agent is not running.
   */
  closeForOwner(agentId: string, tradeId: string): Promise<OrderResult>;
}

interface Executed {
  result: OrderResult;
  /** Set when a new fill was recorded (not for a replay). */
  event?: { name: 'trade.opened' | 'trade.closed'; data: TradeEventData };
  /** The open paper position to add to the book, or the trade to drop from it. */
  book?: { track: WatchedPosition } | { untrack: string };
}

interface AgentContext {
  agentId: string;
  ownerId: string;
  agentName: string;
}

export function createBroker(deps: BrokerDeps): Broker {
  const { orm, events, logger } = deps;
  const fills = createFills({
    prices: deps.prices,
    costs: { feeBps: deps.feeBps, slippageBps: deps.slippageBps },
    mmr: deps.maintenanceMarginRate ?? DEFAULT_MAINTENANCE_MARGIN_RATE,
    exchangeFor: deps.exchangeFor,
  });
  const now = deps.now ?? (() => new Date());

  /** The stored result for this key, or undefined; conflicts when the key names another order. */
  async function replayOf(em: EntityManager, agent: Agent, order: OrderRequest): Promise<OrderResult | undefined> {
    const key = order.idempotencyKey;
    const trades = await em.find(TradeSchema, { $or: [{ idempotencyKey: key }, { closeIdempotencyKey: key }] });
    if (trades.length === 0) return undefined;
    const trade = trades.find((t) => (order.action === 'open' ? t.idempotencyKey : t.closeIdempotencyKey) === key);
    if (!trade) throw new IdempotencyKeyConflictError(key, `was already used for ${order.action === 'open' ? 'a close' : 'an open'}`);
    if (trade.agent.id !== agent.id) throw new IdempotencyKeyConflictError(key, 'was already used by another agent');
    if (order.action === 'open' && order.side && order.side !== trade.side) {
      throw new IdempotencyKeyConflictError(key, `was already used to open a ${trade.side}`);
    }
    return orderResultOf(trade, agent, order.action, true);
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

  async function open(em: EntityManager, agent: Agent, ctx: AgentContext, order: OrderRequest, log: Logger): Promise<Executed> {
    if (agent.position) throw new PositionAlreadyOpenError(agent.position.tradeId);
    const side = order.side as PositionSide;
    // The user's configured amount bounds what an agent may commit (an agent is not trusted with
    // more). A larger request is clamped, not refused: after the user lowers the amount, a running
    // agent still sends the old one until its restart, and the lower amount is what the user chose.
    let margin = order.amountUsdt ?? agent.amountUsdt;
    if (margin > agent.amountUsdt * (1 + AMOUNT_EPSILON)) {
      log.warn({ requested: margin, configured: agent.amountUsdt }, 'order margin clamped to the configured amount');
      margin = agent.amountUsdt;
    }
    const live = agent.sessionLiveMode ?? agent.liveMode;
    const leverage = agent.sessionLeverage ?? agent.leverage;
    const fill = await fills.open(agent, order, { margin, live, leverage }, log);

    const openedAt = now();
    const trade = em.create(TradeSchema, {
      id: randomUUID(),
      agent,
      side,
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
      live,
      openedAt,
      closedAt: null,
      exchangeOrderIds: fill.orderIds,
      idempotencyKey: order.idempotencyKey,
      closeIdempotencyKey: null,
    });
    const position: OpenPosition = {
      tradeId: trade.id,
      side,
      qty: fill.qty,
      entryPrice: fill.price,
      leverage: fill.leverage,
      margin: fill.margin,
      liquidationPrice: fill.liquidationPrice,
      tpPrice: order.tpPrice ?? null,
      slPrice: order.slPrice ?? null,
      openedAt: openedAt.toISOString(),
    };
    agent.position = position;
    agent.lastPrice = fill.marketPrice;
    agent.unrealizedPnl = 0;
    await em.flush();
    await enqueueChainEntry(em, 'trade', tradeChainRecord(agent.id, agent.symbol, trade, 'open'));
    const reason = tradeReason(order.reason, EVENT_REASON_MAX_CHARS);
    const watched =
      !live && fill.liquidationPrice !== null
        ? { tradeId: trade.id, agentId: agent.id, symbol: agent.symbol, side, liquidationPrice: fill.liquidationPrice, openedAtMs: openedAt.getTime() }
        : undefined;
    return {
      result: { ...orderResultOf(trade, agent, 'open', false), position: toPositionWire(position) },
      event: { name: 'trade.opened', data: eventData(ctx, agent.symbol, trade, fill.price, fill.fee, reason) },
      ...(watched ? { book: { track: watched } } : {}),
    };
  }

  /** The open trade a close is for, or a stored answer when the trade it names is closed already. */
  async function tradeToClose(em: EntityManager, agent: Agent, order: OrderRequest): Promise<Trade | OrderResult> {
    const meant = order.tradeId;
    if (meant !== undefined && agent.position?.tradeId !== meant) {
      const named = await em.findOne(TradeSchema, { id: meant, agent: agent.id });
      if (named?.status === 'closed') return orderResultOf(named, agent, 'close', true);
      if (agent.position) throw new InvalidOrderError(`tradeId ${meant} is not this agent's open trade (${agent.position.tradeId} is)`);
    }
    if (!agent.position) throw new NoOpenPositionError();
    const trade = await em.findOne(TradeSchema, { id: agent.position.tradeId, agent: agent.id });
    if (!trade || trade.status !== 'open') {
      throw new Error(`agent ${agent.id} position names trade ${agent.position.tradeId}, which is not an open trade of this agent`);
    }
    return trade;
  }

  async function close(em: EntityManager, agent: Agent, ctx: AgentContext, order: OrderRequest, log: Logger): Promise<Executed> {
    const trade = await tradeToClose(em, agent, order);
    if (!('agent' in trade)) return { result: trade };
    const exit = await fills.close(agent, trade, order, tradeReason(order.reason, CLOSE_REASON_MAX_CHARS), log);

    trade.exitPrice = exit.price;
    trade.fees = trade.fees + exit.fee;
    trade.pnl = exit.pnl;
    trade.status = 'closed';
    trade.closeReason = exit.reason;
    trade.closedAt = now();
    trade.closeIdempotencyKey = order.idempotencyKey;
    trade.exchangeOrderIds = [...trade.exchangeOrderIds, ...exit.orderIds];
    agent.position = null;
    agent.realizedPnl = agent.realizedPnl + exit.pnl;
    if (exit.marketPrice !== null) agent.lastPrice = exit.marketPrice;
    agent.unrealizedPnl = 0;
    await em.flush();
    await enqueueChainEntry(em, 'trade', tradeChainRecord(agent.id, agent.symbol, trade, 'close'));
    // The event carries the agent's full words unless the fill decided otherwise (liquidated, or a
    // "liquidation" on spot that was a market close).
    const asked = tradeReason(order.reason, EVENT_REASON_MAX_CHARS);
    const reason = exit.reason === LIQUIDATION_REASON || asked === LIQUIDATION_REASON ? exit.reason : asked;
    return {
      result: orderResultOf(trade, agent, 'close', false),
      event: { name: 'trade.closed', data: eventData(ctx, agent.symbol, trade, exit.price, trade.fees, reason) },
      book: { untrack: trade.id },
    };
  }

  /** One attempt in one transaction. `replayOnly` after a unique violation: never fills. */
  async function attempt(agentId: string, order: OrderRequest, log: Logger, ctxOut: { ctx?: AgentContext }, replayOnly: boolean): Promise<Executed> {
    const em = orm.em.fork() as EntityManager;
    return em.transactional(async (tx) => {
      const agent = await tx.findOne(AgentSchema, { id: agentId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!agent) throw new BrokerAgentNotFoundError(agentId);
      const ctx: AgentContext = { agentId, ownerId: agent.owner.id, agentName: agent.name };
      ctxOut.ctx = ctx;
      const replayed = await replayOf(tx, agent, order);
      if (replayed) return { result: replayed };
      if (replayOnly) throw new Error(`idempotency key ${order.idempotencyKey} violated a unique index but names no trade`);
      return order.action === 'open' ? open(tx, agent, ctx, order, log) : close(tx, agent, ctx, order, log);
    });
  }

  /** The trade is committed whatever a listener does: a throwing listener is logged, not returned. */
  function emitSafely<K extends 'trade.opened' | 'trade.closed' | 'order.error'>(name: K, data: HubEventMap[K], log: Logger): void {
    try {
      events.emit(name, data);
    } catch (error) {
      log.error({ err: error, event: name }, 'event listener failed');
    }
  }

  async function run(agentId: string, order: OrderRequest): Promise<OrderResult> {
    if (!UUID.test(agentId)) throw new BrokerAgentNotFoundError(agentId);
    if (deps.directory && !(await deps.directory.ref(agentId))) throw new BrokerAgentNotFoundError(agentId);
    const log = logger.child({ agentId, idempotencyKey: order.idempotencyKey, action: order.action });
    const ctxOut: { ctx?: AgentContext } = {};
    let executed: Executed;
    try {
      try {
        executed = await attempt(agentId, order, log, ctxOut, false);
      } catch (error) {
        if (!(error instanceof UniqueConstraintViolationException)) throw error;
        // A concurrent request with the same key committed first: answer with its result.
        log.info('duplicate order raced on the unique key; replaying the stored result');
        executed = await attempt(agentId, order, log, ctxOut, true);
      }
    } catch (error) {
      if (error instanceof LiveOrderError) {
        log.error({ kind: error.kind, retryable: error.retryable, err: error }, 'live order failed');
        if (ctxOut.ctx) emitSafely('order.error', { ...ctxOut.ctx, message: error.message, live: true }, log);
      } else if (error instanceof LiveShortUnsupportedError) {
        log.warn('live short refused (spot only)');
      }
      throw error;
    }
    if (executed.book && deps.openPositions) {
      if ('track' in executed.book) deps.openPositions.track(executed.book.track);
      else deps.openPositions.untrack(executed.book.untrack);
    }
    if (executed.event) {
      const { name, data } = executed.event;
      log.info({ tradeId: data.tradeId, side: data.side, qty: data.qty, price: data.price, fees: data.fees, pnl: data.pnl, live: data.live, reason: data.reason }, name);
      emitSafely(name, data, log);
    }
    return executed.result;
  }

  return {
    async execute(agentId, order) {
      validateOrder(order);
      return run(agentId, order);
    },
    liquidate(agentId, tradeId) {
      return run(agentId, liquidationOrder(tradeId));
    },
    closeForOwner(agentId, tradeId) {
      return run(agentId, ownerCloseOrder(tradeId));
    },
  };
}
