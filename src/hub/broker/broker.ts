/**
 * The broker: executes an agent's order, paper or live, and records it.
 *
 * Admission is one PostgreSQL transaction that locks the agent row (`select … for update`), so
 * one agent's orders are admitted one at a time, and
 *   1. returns the stored result when the idempotency key was already executed (`replayed`);
 *   2. finds the key's live order intent, if any: out in this process → follow it; pending but
 *      not out here → look it up at the exchange; failed → place it afresh (./live-orders.ts);
 *   3. refuses any order while another live order of the agent is out (`order_in_flight`);
 *   4. opens only for a RUNNING agent (checked here, under the lock: an open queued behind a stop
 *      is refused) with no position; closes go through whatever the status, since the stop
 *      itself closes the position; a close needs a position (the one-position rule);
 *   5. paper: fills (./fills.ts) and writes the trade row, the agent's `position` /
 *      `realizedPnl` / `lastPrice` and the chain outbox entry (./records.ts) in this same
 *      transaction; live: writes the order intent only, and commits it BEFORE the exchange is
 *      called, which happens with no lock and no pooled connection held; a second transaction
 *      records the fill (./live-orders.ts). A live order is sized on a fresh, real quote.
 * Events (`trade.opened` / `trade.closed`) go out after the commit only; a live failure emits
 * `order.error` and is returned as `LiveOrderError`, never replaced by a paper fill.
 *
 * Idempotency: the open's key is `trades.idempotency_key`, the close's `close_idempotency_key`,
 * a live order's `order_intents.client_order_id` (its client order id at the exchange), all
 * unique. Concurrent duplicates wait on the row lock, then find the stored trade or the intent;
 * one that slips past hits the unique index, and the stored result is replayed.
 *
 * Venue and leverage: an open uses those of the agent's session, fixed at its `/start`
 * (`sessionLiveMode`, `sessionLeverage`), so an edit never changes a running session; a close
 * goes where its trade was opened (`trade.live`), whatever the mode is now.
 *
 * Liquidation (paper only, see ./fills.ts): `liquidate(agentId, tradeId)` is the hub's own close
 * of that trade, through the same lock and idempotency (key `hub:liquidation:<tradeId>`, a
 * prefix agents may not use), so it happens exactly once even when the agent's close races it:
 * whichever takes the row lock second finds the trade closed. A close naming its `tradeId` that
 * the hub has closed meanwhile is answered with that close (`replayed: true`), so the agent
 * learns the fill and the PnL. The open paper positions book (./open-positions.ts) is updated
 * after each commit. `closeForOwner` is the hub's other own close (key `hub:<tradeId without dashes>`): a
 * market close the owner asks for once the agent is stopped (Close now, Close and delete).
 */
import { randomUUID } from 'node:crypto';
import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AgentSchema, type Agent, type OrderIntent } from '../../db/entities/index.js';
import type { Orm } from '../../db/orm.js';
import type { Logger } from '../../logger.js';
import type { OrderRequest, OrderResult, PositionSide } from '../../shared/wire.js';
import type { AgentDirectory } from '../agents/agent-directory.js';
import type { HubEventMap, HubEvents } from '../events.js';
import {
  AgentNotRunningError,
  AgentStartingError,
  BrokerAgentNotFoundError,
  LiveOrderError,
  LiveOrderPendingError,
  LiveShortUnsupportedError,
  OrderInFlightError,
  PositionAlreadyOpenError,
  QuoteStaleError,
  SimulatedQuoteError,
} from './errors.js';
import { createFills, type ExchangeFactory } from './fills.js';
import { checkSameOrder, intentByKey, pendingIntentOf } from './intents.js';
import { createLiveOrders, type LiveTicket, type ReconcileReport } from './live-orders.js';
import type { OpenPositionBook } from './open-positions.js';
import { liquidationOrder, marginOf, ownerCloseOrder, UUID, validateOrder } from './order-rules.js';
import { DEFAULT_MAINTENANCE_MARGIN_RATE } from './paper.js';
import type { PriceSource, Quote } from './price-source.js';
import { closeReasonOf, contextOf, recordClose, recordOpen, replayOf, tradeToClose, type AgentContext, type Executed } from './records.js';

export type { ExchangeFactory } from './fills.js';
export type { ReconcileReport } from './live-orders.js';

/** Default oldest quote a live order is sized on (LIVE_QUOTE_MAX_AGE_SECONDS), ms. */
export const DEFAULT_LIVE_QUOTE_MAX_AGE_MS = 30_000;

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
  /** Oldest quote a live order is sized on, ms (default 30 000). */
  liveQuoteMaxAgeMs?: number;
  /** Cheap existence check (cached) before a transaction is opened. */
  directory?: Pick<AgentDirectory, 'ref'>;
  /** Open paper positions by symbol, kept in step after each commit (for liquidation). */
  openPositions?: Pick<OpenPositionBook, 'track' | 'untrack'>;
  logger: Logger;
  /** Clock for `openedAt` / `closedAt`, quote ages and the reconcile's waits. */
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
   * it was opened), under the same lock, with the key `hub:<tradeId without dashes>`: asked twice, or
   * racing the agent's own close or a liquidation, it fills once; a trade closed meanwhile comes
   * back as that close with `replayed: true`. The caller checks the agent is not running.
   */
  closeForOwner(agentId: string, tradeId: string): Promise<OrderResult>;
  /** One pass over the live order intents whose outcome is not recorded (at boot, then periodically). */
  reconcile(): Promise<ReconcileReport>;
  /** Resolves when no live order of this process is out at the exchange (shutdown, tests). */
  idle(): Promise<void>;
}

/** A live open's quote as looked up before the transaction, for the agent's symbol then. */
type EarlyQuote = { symbol: string; quote: Promise<Quote> } | undefined;

/** What the admitting transaction decided. */
type Admitted =
  | { kind: 'executed'; executed: Executed }
  | { kind: 'live'; ticket: LiveTicket }
  | { kind: 'follow'; promise: Promise<Executed> }
  | { kind: 'resolve'; intent: OrderIntent };

export function createBroker(deps: BrokerDeps): Broker {
  const { orm, events, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const fills = createFills({
    prices: deps.prices,
    costs: { feeBps: deps.feeBps, slippageBps: deps.slippageBps },
    mmr: deps.maintenanceMarginRate ?? DEFAULT_MAINTENANCE_MARGIN_RATE,
    exchangeFor: deps.exchangeFor,
    liveQuoteMaxAgeMs: deps.liveQuoteMaxAgeMs ?? DEFAULT_LIVE_QUOTE_MAX_AGE_MS,
    now: () => now().getTime(),
  });
  const live = createLiveOrders({
    orm,
    fills,
    now,
    publish,
    alert: (ctx, message, log) => emitSafely('order.error', { ...ctx, message, live: true }, log),
    logger: logger.child({ part: 'live-orders' }),
  });

  /** The key's live intent: follow or look up a pending one, reuse a failed one (null: none). */
  async function existingIntent(tx: EntityManager, agent: Agent, order: OrderRequest): Promise<Admitted | OrderIntent | null> {
    const key = order.idempotencyKey;
    const intent = await intentByKey(tx, key);
    if (!intent) return null;
    checkSameOrder(intent, agent.id, order);
    if (intent.status === 'pending') {
      const promise = live.following(key);
      return promise ? { kind: 'follow', promise } : { kind: 'resolve', intent };
    }
    if (intent.status === 'failed') return intent;
    throw new Error(`live order ${key} is ${intent.status} but no trade answers it`);
  }

  async function admitOpen(tx: EntityManager, agent: Agent, order: OrderRequest, failed: OrderIntent | null, log: Logger, early: EarlyQuote): Promise<Admitted> {
    if (agent.status === 'starting') throw new AgentStartingError();
    if (agent.status !== 'running') throw new AgentNotRunningError(agent.status);
    if (agent.position) throw new PositionAlreadyOpenError(agent.position.tradeId);
    const margin = marginOf(agent.amountUsdt, order, log);
    if (agent.sessionLiveMode ?? agent.liveMode) {
      const exchange = await fills.exchangeOf(agent.owner.id, agent.id);
      const quote = await (early?.symbol === agent.symbol ? early.quote : fills.liveQuote(agent.symbol));
      const request = fills.liveOpen(agent, order, margin, quote);
      return { kind: 'live', ticket: await live.prepare(tx, agent, order, request, exchange, failed?.tradeId ?? randomUUID(), failed) };
    }
    const fill = await fills.paperOpen(agent, order.side as PositionSide, { margin, leverage: agent.sessionLeverage ?? agent.leverage }, log);
    return { kind: 'executed', executed: await recordOpen(tx, agent, order, fill, { tradeId: randomUUID(), live: false, openedAt: now() }) };
  }

  /**
   * A live open's quote, looked up before the row lock is taken (a fresh one may need an upstream
   * call); judged fit or not inside, after the replay checks. Undefined for other orders.
   */
  async function quoteEarly(agentId: string, order: OrderRequest): Promise<EarlyQuote> {
    if (order.action !== 'open') return undefined;
    const agent = await orm.em.fork().findOne(AgentSchema, { id: agentId }, { fields: ['symbol', 'liveMode', 'sessionLiveMode'] });
    if (!agent || !(agent.sessionLiveMode ?? agent.liveMode)) return undefined;
    const quote = fills.liveQuote(agent.symbol);
    await Promise.allSettled([quote]); // before the lock; a failure is thrown inside, if used
    return { symbol: agent.symbol, quote };
  }

  async function admitClose(tx: EntityManager, agent: Agent, order: OrderRequest, failed: OrderIntent | null, log: Logger): Promise<Admitted> {
    const trade = await tradeToClose(tx, agent, order);
    if (!('agent' in trade)) return { kind: 'executed', executed: { result: trade } };
    if (trade.live) {
      const request = fills.liveClose(agent, trade, order);
      const exchange = await fills.exchangeOf(agent.owner.id, agent.id);
      return { kind: 'live', ticket: await live.prepare(tx, agent, order, request, exchange, trade.id, failed) };
    }
    const exit = await fills.paperClose(agent, trade, closeReasonOf(order), log);
    return { kind: 'executed', executed: await recordClose(tx, agent, trade, order, exit, now()) };
  }

  /** One admission in one transaction. `replayOnly` after a unique violation: never fills. */
  async function attempt(agentId: string, order: OrderRequest, log: Logger, ctxOut: { ctx?: AgentContext }, replayOnly: boolean, early: EarlyQuote): Promise<Admitted> {
    const em = orm.em.fork() as EntityManager;
    let placing: string | undefined;
    try {
      return await em.transactional(async (tx) => {
        const agent = await tx.findOne(AgentSchema, { id: agentId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        if (!agent) throw new BrokerAgentNotFoundError(agentId);
        ctxOut.ctx = contextOf(agent);
        const replayed = await replayOf(tx, agent, order);
        if (replayed) return { kind: 'executed', executed: { result: replayed } };
        const found = await existingIntent(tx, agent, order);
        if (found && 'kind' in found) return found;
        if (replayOnly) throw new Error(`idempotency key ${order.idempotencyKey} violated a unique index but names no trade or intent`);
        const pending = await pendingIntentOf(tx, agent.id);
        if (pending) throw new OrderInFlightError(pending.clientOrderId);
        const admitted = await (order.action === 'open' ? admitOpen(tx, agent, order, found, log, early) : admitClose(tx, agent, order, found, log));
        if (admitted.kind === 'live') placing = order.idempotencyKey;
        return admitted;
      });
    } catch (error) {
      // The intent did not commit: its order is not out after all.
      if (placing) live.abandon(placing);
      throw error;
    }
  }

  /** The trade is committed whatever a listener does: a throwing listener is logged, not returned. */
  function emitSafely<K extends 'trade.opened' | 'trade.closed' | 'order.error'>(name: K, data: HubEventMap[K], log: Logger): void {
    try {
      events.emit(name, data);
    } catch (error) {
      log.error({ err: error, event: name }, 'event listener failed');
    }
  }

  /** After the commit: the paper book, then the trade event. */
  function publish(executed: Executed, log: Logger): void {
    if (executed.book && deps.openPositions) {
      if ('track' in executed.book) deps.openPositions.track(executed.book.track);
      else deps.openPositions.untrack(executed.book.untrack);
    }
    if (executed.event) {
      const { name, data } = executed.event;
      log.info({ tradeId: data.tradeId, side: data.side, qty: data.qty, price: data.price, fees: data.fees, pnl: data.pnl, live: data.live, reason: data.reason }, name);
      emitSafely(name, data, log);
    }
  }

  /** Admits (replaying a raced duplicate), then carries out what the admission decided. */
  async function carryOut(agentId: string, order: OrderRequest, log: Logger, ctxOut: { ctx?: AgentContext; following?: boolean }): Promise<Executed> {
    // Twice at most: a pending order found absent at the exchange is failed, then placed afresh.
    for (let round = 0; round < 2; round++) {
      let admitted: Admitted;
      try {
        admitted = await attempt(agentId, order, log, ctxOut, false, await quoteEarly(agentId, order));
      } catch (error) {
        if (!(error instanceof UniqueConstraintViolationException)) throw error;
        // A concurrent request with the same key committed first: answer with its result.
        log.info('duplicate order raced on the unique key; replaying the stored result');
        admitted = await attempt(agentId, order, log, ctxOut, true, undefined);
      }
      if (admitted.kind === 'executed') return admitted.executed;
      if (admitted.kind === 'live') return live.place(admitted.ticket, log);
      if (admitted.kind === 'follow') {
        ctxOut.following = true;
        const first = await admitted.promise;
        return { result: { ...first.result, replayed: true } };
      }
      const resolved = await live.resolve(admitted.intent, log);
      if (resolved !== 'again') return resolved;
    }
    throw new LiveOrderPendingError(order.idempotencyKey, 'its earlier attempt is being resolved');
  }

  async function run(agentId: string, order: OrderRequest): Promise<OrderResult> {
    if (!UUID.test(agentId)) throw new BrokerAgentNotFoundError(agentId);
    if (deps.directory && !(await deps.directory.ref(agentId))) throw new BrokerAgentNotFoundError(agentId);
    const log = logger.child({ agentId, idempotencyKey: order.idempotencyKey, action: order.action });
    const ctxOut: { ctx?: AgentContext; following?: boolean } = {};
    let executed: Executed;
    try {
      executed = await carryOut(agentId, order, log, ctxOut);
    } catch (error) {
      // The owner hears of a live order that failed once: from its first request, not a follower.
      const tell = ctxOut.ctx && !ctxOut.following;
      if (error instanceof LiveOrderError) {
        log.error({ kind: error.kind, retryable: error.retryable, err: error }, 'live order failed');
        if (tell) emitSafely('order.error', { ...ctxOut.ctx!, message: error.message, live: true }, log);
      } else if (error instanceof QuoteStaleError || error instanceof SimulatedQuoteError) {
        // No alert: the agent logs the refusal, and would ask again every tick while it lasts.
        log.warn({ code: error.code }, error.message);
      } else if (error instanceof LiveShortUnsupportedError) {
        log.warn('live short refused (spot only)');
      }
      throw error;
    }
    publish(executed, log);
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
    reconcile: () => live.reconcile(),
    idle: () => live.idle(),
  };
}
