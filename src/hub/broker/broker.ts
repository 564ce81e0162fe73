/**
 * The broker: executes an agent's order, paper or live, and records it. An order is admitted in
 * one transaction under the agent's row lock (./admission.ts: replays, the one-position and
 * one-order-out rules, the paper fill and its records); a live one is then placed at the exchange
 * with no lock held and recorded in a second transaction (./live-orders.ts). What it did is told
 * after the commit only (./order-events.ts): a live failure emits `order.error` and is returned as
 * `LiveOrderError`, never replaced by a paper fill.
 *
 * Liquidation (paper only, see ./fills.ts): `liquidate(agentId, tradeId)` is the hub's own close
 * of that trade, through the same lock and idempotency (key `hub:liquidation:<tradeId>`, a
 * prefix agents may not use), so it happens exactly once even when the agent's close races it:
 * whichever takes the row lock second finds the trade closed. A close naming its `tradeId` that
 * the hub has closed meanwhile is answered with that close (`replayed: true`), so the agent
 * learns the fill and the PnL. The open paper positions book (./open-positions.ts) is updated
 * after each commit. `closeForOwner` is the hub's other own close (key `hub:<tradeId without dashes>`): a
 * market close the owner asks for once the agent is stopped (Close now, Close and delete), or
 * while it runs (a force exit, reason `force exit`). Every hub close that filled is remembered
 * (./hub-closes.ts), so a running agent hears of it in its next status ack.
 */
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { Orm } from '../../db/orm.js';
import type { Logger } from '../../logger.js';
import type { OrderRequest, OrderResult } from '../../shared/wire.js';
import type { AgentDirectory } from '../agents/agent-directory.js';
import type { HubEvents } from '../events.js';
import type { HubCloses } from './hub-closes.js';
import { createAdmission, type Admitted, type OrderTrace } from './admission.js';
import { BrokerAgentNotFoundError, LiveOrderPendingError } from './errors.js';
import { createFills, type ExchangeFactory } from './fills.js';
import { createLiveOrders } from './live-orders.js';
import type { ReconcileReport } from './live-reconcile.js';
import type { OpenPositionBook } from './open-positions.js';
import { createOrderEvents } from './order-events.js';
import { liquidationOrder, ownerCloseOrder, UUID, validateOrder, type OwnerCloseReason } from './order-rules.js';
import { DEFAULT_MAINTENANCE_MARGIN_RATE } from './paper.js';
import type { PriceSource } from './price-source.js';
import type { Executed } from './records.js';

export type { ExchangeFactory } from './fills.js';
export type { ReconcileReport } from './live-reconcile.js';

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
  /** Trades the hub closed itself, for the status acks of their (running) agents. */
  hubCloses?: Pick<HubCloses, 'remember'>;
  logger: Logger;
  /** Clock for `openedAt` / `closedAt`, quote ages and the reconcile's waits. */
  now?: () => Date;
  /** Told the time (ms, monotonic) of each order that came back with a result (fills and replays), paper or live (metrics). */
  onOrder?: (ms: number, live: boolean) => void;
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
   * racing the agent's own close (TP/SL, signal, stop) or a liquidation, it fills once; a trade
   * closed meanwhile comes back as that close with `replayed: true`. `reason`: `closed by owner`
   * (default; the caller checks the agent is not running) or `force exit` (the agent may be
   * running: it learns of the close from its next status ack and asks for it by trade id).
   */
  closeForOwner(agentId: string, tradeId: string, reason?: OwnerCloseReason): Promise<OrderResult>;
  /** One pass over the live order intents whose outcome is not recorded (at boot, then periodically). */
  reconcile(): Promise<ReconcileReport>;
  /** Resolves when no live order of this process is out at the exchange (shutdown, tests). */
  idle(): Promise<void>;
}

export function createBroker(deps: BrokerDeps): Broker {
  const { orm, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const fills = createFills({
    prices: deps.prices,
    costs: { feeBps: deps.feeBps, slippageBps: deps.slippageBps },
    mmr: deps.maintenanceMarginRate ?? DEFAULT_MAINTENANCE_MARGIN_RATE,
    exchangeFor: deps.exchangeFor,
    liveQuoteMaxAgeMs: deps.liveQuoteMaxAgeMs ?? DEFAULT_LIVE_QUOTE_MAX_AGE_MS,
    now: () => now().getTime(),
  });
  const orderEvents = createOrderEvents({ events: deps.events, openPositions: deps.openPositions });
  const live = createLiveOrders({
    orm,
    fills,
    now,
    publish: orderEvents.publish,
    alert: orderEvents.alert,
    logger: logger.child({ part: 'live-orders' }),
  });
  const admission = createAdmission({ orm, fills, live, now });

  /** Admits (replaying a raced duplicate), then carries out what the admission decided. */
  async function carryOut(agentId: string, order: OrderRequest, log: Logger, trace: OrderTrace): Promise<Executed> {
    // Twice at most: a pending order found absent at the exchange is failed, then placed afresh.
    for (let round = 0; round < 2; round++) {
      let admitted: Admitted;
      try {
        admitted = await admission.admit(agentId, order, log, trace, false, await admission.quoteEarly(agentId, order));
      } catch (error) {
        if (!(error instanceof UniqueConstraintViolationException)) throw error;
        // A concurrent request with the same key committed first: answer with its result.
        log.info('duplicate order raced on the unique key; replaying the stored result');
        admitted = await admission.admit(agentId, order, log, trace, true, undefined);
      }
      if (admitted.kind === 'executed') return admitted.executed;
      if (admitted.kind === 'live') return live.place(admitted.ticket, log);
      if (admitted.kind === 'follow') {
        trace.following = true;
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
    const trace: OrderTrace = {};
    const startedAt = performance.now();
    let executed: Executed;
    try {
      executed = await carryOut(agentId, order, log, trace);
    } catch (error) {
      // The owner hears of a live order that failed once: from its first request, not a follower.
      orderEvents.reportFailure(error, trace.following ? undefined : trace.ctx, log);
      throw error;
    }
    orderEvents.publish(executed, log);
    deps.onOrder?.(performance.now() - startedAt, executed.result.live);
    return executed.result;
  }

  /** A close the hub makes itself; a fill (not a replay) is remembered for the agent's status ack. */
  async function closeByHub(agentId: string, order: OrderRequest): Promise<OrderResult> {
    const result = await run(agentId, order);
    if (!result.replayed && result.status === 'closed') deps.hubCloses?.remember(result.tradeId);
    return result;
  }

  return {
    async execute(agentId, order) {
      validateOrder(order);
      return run(agentId, order);
    },
    liquidate(agentId, tradeId) {
      return closeByHub(agentId, liquidationOrder(tradeId));
    },
    closeForOwner(agentId, tradeId, reason) {
      return closeByHub(agentId, ownerCloseOrder(tradeId, reason));
    },
    reconcile: () => live.reconcile(),
    idle: () => live.idle(),
  };
}
