/**
 * Live orders, intent first. The broker admits an order in one transaction that locks the agent
 * row and writes the order's intent (./intents.ts), then commits. Here, with no lock and no pooled
 * connection held, the exchange is called; a second transaction locks the agent row again and
 * records the fill unless the intent was settled meanwhile (./live-settlement.ts). So:
 *
 * - a stop or a delete never waits for the exchange; a fill that comes back for a stopped agent is
 *   recorded and its position is on the agent row (the stop path re-reads it); a fill for a
 *   deleted agent leaves the intent `orphaned` and the owner is told what the exchange holds;
 * - a retry of the same key while the order is out in this process follows it (`following`);
 *   one whose order is not out here (an unknown outcome, or a crash) looks it up (`resolve`);
 * - a crash at any step leaves a `pending` intent that `reconcile` (at boot and periodically)
 *   resolves by client order id: a fill is recorded exactly once; an order the exchange does not
 *   hold once no request for it can still arrive (`orderArrivalWindowMs` after the last one ended,
 *   or after this process started) is `failed`, and a retry of its key places it afresh.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Agent, OrderIntent } from '../../db/entities/index.js';
import type { Orm } from '../../db/orm.js';
import type { Logger } from '../../logger.js';
import type { OrderRequest } from '../../shared/wire.js';
import { ExchangeError, type Exchange, type Fill, type MarketOrderRequest, type OrderLookup } from '../exchange/exchange.js';
import { BrokerAgentNotFoundError, LiveOrderError, LiveOrderPendingError } from './errors.js';
import type { Fills } from './fills.js';
import { writeIntent } from './intents.js';
import { liveOrderError } from './live.js';
import { createReconciler, type ReconcileReport } from './live-reconcile.js';
import { createIntentSettlement, type IntentSettlement, type Outcome } from './live-settlement.js';
import { createOrdersOut, type OrdersOut } from './orders-out.js';
import { contextOf, type AgentContext, type Executed } from './records.js';

export interface LiveOrdersDeps {
  orm: Orm;
  fills: Fills;
  now: () => Date;
  /** Publishes a fill recorded by `reconcile` (events, book), as the broker does after a commit. */
  publish: (executed: Executed, log: Logger) => void;
  /** Tells the owner (`order.error`). */
  alert: (ctx: AgentContext, message: string, log: Logger) => void;
  logger: Logger;
}

/** An intent written in the admitting transaction; `place` it once that committed. */
export interface LiveTicket {
  intentId: string;
  ctx: AgentContext;
  request: MarketOrderRequest;
  exchange: Exchange;
}

export interface LiveOrders {
  /** In the admitting transaction: writes the intent and marks its key as out in this process. */
  prepare(
    tx: EntityManager,
    agent: Agent,
    order: OrderRequest,
    request: MarketOrderRequest,
    exchange: Exchange,
    tradeId: string,
    failed: OrderIntent | null,
  ): Promise<LiveTicket>;
  /** The admitting transaction did not commit: the key is not out after all. */
  abandon(clientOrderId: string): void;
  /** Calls the exchange and records the fill; the result is not published yet (the broker does). */
  place(ticket: LiveTicket, log: Logger): Promise<Executed>;
  /** The order under this key, when it is out in this process. */
  following(clientOrderId: string): Promise<Executed> | undefined;
  /** A retry of a pending key that is not out here: the recorded fill, or `again` to place it afresh. */
  resolve(intent: OrderIntent, log: Logger): Promise<Executed | 'again'>;
  reconcile(): Promise<ReconcileReport>;
  /** Resolves when no order is out in this process. */
  idle(): Promise<void>;
}

/** What the steps of a live order share: the deps, the orders out in this process and when their calls ended. */
interface LiveState {
  deps: LiveOrdersDeps;
  settlement: IntentSettlement;
  out: OrdersOut;
  /** When the last exchange call for a key ended in this process, epoch ms. */
  callEnded: Map<string, number>;
  startedAtMs: number;
}

/** Records `fill` for the intent (./live-settlement.ts); the owner hears of an orphaned one. */
async function settle({ deps, settlement, callEnded }: LiveState, intentId: string, fill: Fill, log: Logger): Promise<Outcome> {
  const outcome = await settlement.recordFill(intentId, fill, log);
  if (outcome.kind !== 'pending') callEnded.delete(fill.clientOrderId);
  if (outcome.kind === 'orphaned' && outcome.alert) {
    log.error({ clientOrderId: fill.clientOrderId, orderId: fill.orderId }, 'live fill for a deleted agent: intent orphaned');
    deps.alert(outcome.alert.ctx, outcome.alert.message, log);
  }
  return outcome;
}

/**
 * Marks a pending intent failed. A look-up (`byCall` false) leaves it alone when its key went out
 * again meanwhile (a retry placed it afresh); the call that placed it knows its own outcome.
 */
async function fail(
  { settlement, out, callEnded }: LiveState,
  intentId: string,
  clientOrderId: string,
  reason: string,
  byCall = false,
): Promise<void> {
  await settlement.failPending(intentId, reason, () => byCall || !out.has(clientOrderId));
  callEnded.delete(clientOrderId);
}

/** Looks the intent's order up at the exchange and settles what can be settled. */
async function lookUp(state: LiveState, intent: OrderIntent, log: Logger): Promise<Outcome> {
  const { deps, callEnded, startedAtMs } = state;
  const key = intent.clientOrderId;
  const exchange = await deps.fills.exchangeOf(intent.owner.id, intent.agentId);
  let found: OrderLookup;
  try {
    found = await exchange.findOrder(key);
  } catch (error) {
    if (error instanceof ExchangeError) return { kind: 'pending', detail: error.message };
    throw error;
  }
  switch (found.state) {
    case 'filled':
      return settle(state, intent.id, found.fill, log);
    case 'working':
      return { kind: 'pending', detail: `the order is ${found.status} at the exchange` };
    case 'unfilled': {
      const reason = `order ${key} ended ${found.status} at the exchange with nothing executed`;
      await fail(state, intent.id, key, reason);
      return {
        kind: 'failed',
        error: new LiveOrderError('rejected', false, `${exchange.name} ${intent.side} ${intent.symbol}: ${reason}`),
        placeAgain: false,
      };
    }
    case 'absent': {
      const since = callEnded.get(key) ?? startedAtMs;
      if (deps.now().getTime() - since < exchange.orderArrivalWindowMs) return { kind: 'pending', detail: 'not at the exchange yet' };
      await fail(state, intent.id, key, 'never reached the exchange');
      return {
        kind: 'failed',
        error: new LiveOrderError('rejected', false, `order ${key} never reached the exchange`),
        placeAgain: true,
      };
    }
  }
}

async function call(state: LiveState, ticket: LiveTicket, log: Logger): Promise<Executed> {
  const { deps, callEnded } = state;
  const { request, exchange } = ticket;
  let fill: Fill;
  try {
    fill = await exchange.marketOrder(request);
  } catch (error) {
    callEnded.set(request.clientOrderId, deps.now().getTime());
    if (error instanceof ExchangeError && error.nothingExecuted) {
      await fail(state, ticket.intentId, request.clientOrderId, error.message, true);
      throw liveOrderError(exchange.name, request, error);
    }
    if (error instanceof ExchangeError) {
      log.warn({ err: error, clientOrderId: request.clientOrderId }, 'live order outcome unknown; its intent stays open for reconcile');
      deps.alert(
        ticket.ctx,
        `${exchange.name} did not confirm the live ${request.side} of ${request.symbol} (order ${request.clientOrderId}): ${error.message}. The hub looks it up and records the trade if it filled; no other order of this agent is sent meanwhile.`,
        log,
      );
      throw new LiveOrderPendingError(request.clientOrderId, error.message, { cause: error });
    }
    throw error;
  }
  callEnded.set(request.clientOrderId, deps.now().getTime());
  const outcome = await settle(state, ticket.intentId, fill, log);
  if (outcome.kind === 'recorded') return outcome.executed;
  if (outcome.kind === 'failed') throw outcome.error;
  if (outcome.kind === 'orphaned') throw new BrokerAgentNotFoundError(ticket.ctx.agentId);
  throw new LiveOrderPendingError(request.clientOrderId, outcome.detail);
}

export function createLiveOrders(deps: LiveOrdersDeps): LiveOrders {
  const { orm } = deps;
  const state: LiveState = {
    deps,
    startedAtMs: deps.now().getTime(),
    out: createOrdersOut(),
    callEnded: new Map<string, number>(),
    settlement: createIntentSettlement({ orm, now: deps.now }),
  };
  const { out } = state;

  const reconcile = createReconciler({
    orm,
    isOut: out.has,
    lookUp: (intent, log) => lookUp(state, intent, log),
    publish: deps.publish,
    alert: deps.alert,
    logger: deps.logger,
  });

  return {
    async prepare(tx, agent, order, request, exchange, tradeId, failed) {
      // Marked before the commit: a retry that sees the committed intent finds it out here.
      out.mark(request.clientOrderId);
      try {
        const intent = await writeIntent(tx, agent, order, request, tradeId, failed);
        return { intentId: intent.id, ctx: contextOf(agent), request, exchange };
      } catch (error) {
        out.abandon(request.clientOrderId);
        throw error;
      }
    },

    abandon: out.abandon,

    place: (ticket, log) => out.run(ticket.request.clientOrderId, () => call(state, ticket, log)),

    following: out.following,

    async resolve(intent, log) {
      const outcome = await lookUp(state, intent, log);
      if (outcome.kind === 'recorded') return outcome.executed;
      if (outcome.kind === 'orphaned') throw new BrokerAgentNotFoundError(intent.agentId);
      if (outcome.kind === 'failed') {
        if (outcome.placeAgain) return 'again';
        throw outcome.error;
      }
      throw new LiveOrderPendingError(intent.clientOrderId, outcome.detail);
    },

    reconcile,

    idle: out.idle,
  };
}
