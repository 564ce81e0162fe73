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
 */
import { randomUUID } from 'node:crypto';
import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AgentSchema, TradeSchema, type Agent, type OpenPosition, type Trade } from '../../db/entities/index.js';
import type { Orm } from '../../db/orm.js';
import type { Logger } from '../../logger.js';
import type { OrderRequest, OrderResult, PositionSide } from '../../shared/wire.js';
import type { AgentDirectory } from '../agents/agent-directory.js';
import { enqueueChainEntry } from '../chain/outbox.js';
import type { HubEventMap, HubEvents, TradeEventData } from '../events.js';
import type { Exchange } from '../exchange/exchange.js';
import {
  BrokerAgentNotFoundError,
  IdempotencyKeyConflictError,
  InvalidOrderError,
  LiveOrderError,
  LiveShortUnsupportedError,
  NoOpenPositionError,
  PositionAlreadyOpenError,
  PriceUnavailableError,
} from './errors.js';
import { placeLiveOrder, type LiveFill } from './live.js';
import { CLOSE_REASON_MAX_CHARS, EVENT_REASON_MAX_CHARS, orderResultOf, toPositionWire, tradeReason } from './order-results.js';
import { DEFAULT_MAINTENANCE_MARGIN_RATE, grossPnl, paperClose, paperOpen, type PaperCosts } from './paper.js';
import type { PriceSource } from './ports.js';
import { tradeChainRecord } from './trade-detail.js';

/** Builds the owner's exchange for a live agent; undefined when no keys are configured. */
export type ExchangeFactory = (ownerId: string, agentId: string) => Promise<Exchange | undefined>;

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
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Tolerance when comparing a requested margin with the configured amount (float noise). */
const AMOUNT_EPSILON = 1e-9;

interface Executed {
  result: OrderResult;
  /** Set when a new fill was recorded (not for a replay). */
  event?: { name: 'trade.opened' | 'trade.closed'; data: TradeEventData };
}

interface AgentContext {
  agentId: string;
  ownerId: string;
  agentName: string;
}

function positive(value: number | null | undefined): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

function validate(order: OrderRequest): void {
  if (!order.idempotencyKey || order.idempotencyKey.length > 128) throw new InvalidOrderError('idempotencyKey must be 1..128 characters');
  for (const field of ['tpPrice', 'slPrice'] as const) {
    const v = order[field];
    if (v !== undefined && v !== null && !positive(v)) throw new InvalidOrderError(`${field} must be a positive price or null`);
  }
  if (order.action === 'open') {
    if (order.side !== 'long' && order.side !== 'short') throw new InvalidOrderError('An open needs side "long" or "short"');
    if (order.amountUsdt !== undefined && !positive(order.amountUsdt)) throw new InvalidOrderError('amountUsdt must be a positive amount');
  } else if (order.action !== 'close') {
    throw new InvalidOrderError('action must be "open" or "close"');
  }
}

export function createBroker(deps: BrokerDeps): Broker {
  const { orm, events, prices, logger } = deps;
  const costs: PaperCosts = { feeBps: deps.feeBps, slippageBps: deps.slippageBps };
  const mmr = deps.maintenanceMarginRate ?? DEFAULT_MAINTENANCE_MARGIN_RATE;
  const now = deps.now ?? (() => new Date());

  async function lastPrice(symbol: string, log: Logger): Promise<number> {
    let quote: { price: number; stale: boolean };
    try {
      quote = await prices.price(symbol);
    } catch (error) {
      throw new PriceUnavailableError(symbol, error instanceof Error ? error.message : String(error), { cause: error });
    }
    if (!positive(quote.price)) throw new PriceUnavailableError(symbol, `unusable price ${quote.price}`);
    if (quote.stale) log.warn({ symbol, price: quote.price }, 'order priced on a stale last price');
    return quote.price;
  }

  async function exchangeOf(ctx: AgentContext): Promise<Exchange> {
    const exchange = deps.exchangeFor ? await deps.exchangeFor(ctx.ownerId, ctx.agentId) : undefined;
    if (!exchange) {
      throw new LiveOrderError(
        'auth',
        false,
        'Live mode is on but no HashKey API key and secret are set for this agent or its owner; the order was not executed.',
      );
    }
    return exchange;
  }

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
    let fill: { price: number; qty: number; fee: number; margin: number; leverage: number; liquidationPrice: number | null; orderIds: string[] };
    let marketPrice: number;
    if (live) {
      if (side === 'short') throw new LiveShortUnsupportedError(agent.symbol);
      const exchange = await exchangeOf(ctx);
      const reference = await lastPrice(agent.symbol, log);
      // Spot: 1×, the margin buys margin / price base units; the exchange rounds to its step.
      const executed: LiveFill = await placeLiveOrder(
        exchange,
        { symbol: agent.symbol, side: 'BUY', quantity: margin / reference, clientOrderId: order.idempotencyKey },
        log,
      );
      marketPrice = executed.price;
      fill = {
        price: executed.price,
        qty: executed.heldQty,
        fee: executed.fee,
        margin: executed.price * executed.executedQty,
        leverage: 1,
        liquidationPrice: null,
        orderIds: [executed.orderId],
      };
    } else {
      marketPrice = await lastPrice(agent.symbol, log);
      const paper = paperOpen({ side, lastPrice: marketPrice, margin, leverage, mmr }, costs);
      fill = { ...paper, orderIds: [] };
    }

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
    agent.lastPrice = marketPrice;
    agent.unrealizedPnl = 0;
    await em.flush();
    await enqueueChainEntry(em, 'trade', tradeChainRecord(agent.id, agent.symbol, trade, 'open'));
    const reason = tradeReason(order.reason, EVENT_REASON_MAX_CHARS);
    return {
      result: { ...orderResultOf(trade, agent, 'open', false), position: toPositionWire(position) },
      event: { name: 'trade.opened', data: eventData(ctx, agent.symbol, trade, fill.price, fill.fee, reason) },
    };
  }

  async function close(em: EntityManager, agent: Agent, ctx: AgentContext, order: OrderRequest, log: Logger): Promise<Executed> {
    if (!agent.position) throw new NoOpenPositionError();
    const trade = await em.findOne(TradeSchema, { id: agent.position.tradeId, agent: agent.id });
    if (!trade || trade.status !== 'open') {
      throw new Error(`agent ${agent.id} position names trade ${agent.position.tradeId}, which is not an open trade of this agent`);
    }
    let exit: { price: number; qty: number; fee: number; pnl: number; orderIds: string[] };
    let marketPrice: number;
    if (trade.live) {
      const exchange = await exchangeOf(ctx);
      const executed = await placeLiveOrder(
        exchange,
        { symbol: agent.symbol, side: trade.side === 'long' ? 'SELL' : 'BUY', quantity: trade.qty, clientOrderId: order.idempotencyKey },
        log,
      );
      marketPrice = executed.price;
      const pnl = grossPnl(trade.side, trade.entryPrice, executed.price, executed.executedQty) - trade.fees - executed.fee;
      exit = { price: executed.price, qty: executed.executedQty, fee: executed.fee, pnl, orderIds: [executed.orderId] };
    } else {
      marketPrice = await lastPrice(agent.symbol, log);
      const paper = paperClose({ side: trade.side, lastPrice: marketPrice, entryPrice: trade.entryPrice, qty: trade.qty, openFee: trade.fees }, costs);
      exit = { price: paper.price, qty: paper.qty, fee: paper.fee, pnl: paper.pnl, orderIds: [] };
    }

    trade.exitPrice = exit.price;
    trade.fees = trade.fees + exit.fee;
    trade.pnl = exit.pnl;
    trade.status = 'closed';
    trade.closeReason = tradeReason(order.reason, CLOSE_REASON_MAX_CHARS);
    trade.closedAt = now();
    trade.closeIdempotencyKey = order.idempotencyKey;
    trade.exchangeOrderIds = [...trade.exchangeOrderIds, ...exit.orderIds];
    agent.position = null;
    agent.realizedPnl = agent.realizedPnl + exit.pnl;
    agent.lastPrice = marketPrice;
    agent.unrealizedPnl = 0;
    await em.flush();
    await enqueueChainEntry(em, 'trade', tradeChainRecord(agent.id, agent.symbol, trade, 'close'));
    const reason = tradeReason(order.reason, EVENT_REASON_MAX_CHARS);
    return {
      result: orderResultOf(trade, agent, 'close', false),
      event: { name: 'trade.closed', data: eventData(ctx, agent.symbol, trade, exit.price, trade.fees, reason) },
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

  return {
    async execute(agentId, order) {
      validate(order);
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
      if (executed.event) {
        const { name, data } = executed.event;
        log.info({ tradeId: data.tradeId, side: data.side, qty: data.qty, price: data.price, fees: data.fees, pnl: data.pnl, live: data.live }, name);
        emitSafely(name, data, log);
      }
      return executed.result;
    },
  };
}
