/**
 * Live orders, intent first. The broker admits an order in one transaction that locks the agent
 * row and writes the order's intent (./intents.ts), then commits. Here, with no lock and no pooled
 * connection held, the exchange is called; a second transaction locks the agent row again and
 * records the fill (./records.ts) unless the intent was settled meanwhile. So:
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
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AgentSchema, OrderIntentSchema, TradeSchema, type Agent, type OrderIntent } from '../../db/entities/index.js';
import type { Orm } from '../../db/orm.js';
import type { Logger } from '../../logger.js';
import type { OrderRequest } from '../../shared/wire.js';
import { ExchangeError, type Exchange, type Fill, type MarketOrderRequest, type OrderLookup } from '../exchange/exchange.js';
import { BrokerAgentNotFoundError, IdempotencyKeyConflictError, LiveOrderError, LiveOrderPendingError } from './errors.js';
import type { Fills } from './fills.js';
import { pendingIntents, settleIntent, writeIntent } from './intents.js';
import { liveCloseFill, liveOpenFill, liveOrderError, toLiveFill } from './live.js';
import { orderResultOf } from './order-results.js';
import { closeReasonOf, contextOf, recordClose, recordOpen, type AgentContext, type Executed } from './records.js';

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

/** What one reconcile pass did, by client order id. */
export interface ReconcileReport {
  recorded: string[];
  failed: string[];
  orphaned: string[];
  /** Still unknown (not at the exchange yet, not final, or the exchange did not answer). */
  pending: string[];
}

type Outcome =
  | { kind: 'recorded'; executed: Executed }
  /** `alert`: set by the call that orphaned it (the owner is told after the commit). */
  | { kind: 'orphaned'; alert?: { ctx: AgentContext; message: string } }
  | { kind: 'failed'; error: LiveOrderError; placeAgain: boolean }
  | { kind: 'pending'; detail: string };

export interface LiveOrders {
  /** In the admitting transaction: writes the intent and marks its key as out in this process. */
  prepare(tx: EntityManager, agent: Agent, order: OrderRequest, request: MarketOrderRequest, exchange: Exchange, tradeId: string, failed: OrderIntent | null): Promise<LiveTicket>;
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

export function createLiveOrders(deps: LiveOrdersDeps): LiveOrders {
  const { orm, fills, logger } = deps;
  const startedAtMs = deps.now().getTime();
  /** Orders out in this process, by client order id (settled or failed when the promise ends). */
  const out = new Map<string, { promise: Promise<Executed>; done: (run: () => Promise<Executed>) => void }>();
  /** When the last exchange call for a key ended in this process, epoch ms. */
  const callEnded = new Map<string, number>();

  const ctxOfIntent = (intent: OrderIntent): AgentContext => ({ agentId: intent.agentId, ownerId: intent.owner.id, agentName: intent.agentName });

  /** Records `fill` for the intent (agent row locked), or settles it as orphaned/failed. */
  async function settle(intentId: string, fill: Fill, log: Logger): Promise<Outcome> {
    const outcome = await (orm.em.fork() as EntityManager).transactional(async (tx): Promise<Outcome> => {
      // The agent row first, then the intent: the order the admitting transaction locks in.
      const { agentId } = await tx.findOneOrFail(OrderIntentSchema, { id: intentId });
      const agent = await tx.findOne(AgentSchema, { id: agentId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const intent = await tx.findOneOrFail(OrderIntentSchema, { id: intentId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
      if (intent.status !== 'pending') return settledAlready(tx, intent, agent);
      const live = toLiveFill(fill, log);
      if (fill.symbol !== intent.symbol || fill.side !== intent.side) {
        await settleIntent(tx, intent, 'failed', `the exchange's order ${fill.orderId} under this id is a ${fill.side} ${fill.symbol}`);
        return { kind: 'failed', error: new LiveOrderError('duplicate_order', false, `client order id ${intent.clientOrderId} names another order at the exchange`), placeAgain: false };
      }
      if (!agent) {
        const message = `Agent "${intent.agentName}" was deleted while its live ${fill.side} of ${fill.symbol} was at the exchange: it filled ${live.executedQty} at ${live.price} (order ${fill.orderId}). That is on your exchange account and no agent tracks it.`;
        await settleIntent(tx, intent, 'orphaned', message);
        return { kind: 'orphaned', alert: { ctx: ctxOfIntent(intent), message } };
      }
      let executed: Executed;
      if (intent.action === 'open') {
        if (agent.position) throw new Error(`agent ${agent.id} holds trade ${agent.position.tradeId}; live open ${intent.clientOrderId} left pending`);
        executed = await recordOpen(tx, agent, intent.order, liveOpenFill(live), { tradeId: intent.tradeId, live: true, openedAt: deps.now() });
        if (agent.status !== 'running') log.warn({ status: agent.status, tradeId: intent.tradeId }, 'live open filled after the agent stopped running; its position is recorded');
      } else {
        const trade = await tx.findOne(TradeSchema, { id: intent.tradeId, agent: agent.id });
        if (trade?.status !== 'open') throw new Error(`live close ${intent.clientOrderId} names trade ${intent.tradeId}, which is not open; left pending`);
        executed = await recordClose(tx, agent, trade, intent.order, liveCloseFill(trade, live, closeReasonOf(intent.order)), deps.now());
      }
      await settleIntent(tx, intent, 'done');
      return { kind: 'recorded', executed };
    });
    if (outcome.kind !== 'pending') callEnded.delete(fill.clientOrderId);
    if (outcome.kind === 'orphaned' && outcome.alert) {
      log.error({ clientOrderId: fill.clientOrderId, orderId: fill.orderId }, 'live fill for a deleted agent: intent orphaned');
      deps.alert(outcome.alert.ctx, outcome.alert.message, log);
    }
    return outcome;
  }

  /** What a settled intent means to a late caller: its recorded trade, or why there is none. */
  async function settledAlready(tx: EntityManager, intent: OrderIntent, agent: Agent | null): Promise<Outcome> {
    if (intent.status === 'done' && agent) {
      const trade = await tx.findOneOrFail(TradeSchema, { id: intent.tradeId });
      return { kind: 'recorded', executed: { result: orderResultOf(trade, agent, intent.action, true) } };
    }
    if (intent.status === 'orphaned' || !agent) return { kind: 'orphaned' };
    return { kind: 'failed', error: new LiveOrderError('rejected', false, intent.error ?? `order ${intent.clientOrderId} failed`), placeAgain: false };
  }

  /**
   * Marks a pending intent failed. A look-up (`byCall` false) leaves it alone when its key went out
   * again meanwhile (a retry placed it afresh); the call that placed it knows its own outcome.
   */
  async function fail(intentId: string, clientOrderId: string, reason: string, byCall = false): Promise<void> {
    await (orm.em.fork() as EntityManager).transactional(async (tx) => {
      const intent = await tx.findOneOrFail(OrderIntentSchema, { id: intentId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (intent.status === 'pending' && (byCall || !out.has(clientOrderId))) await settleIntent(tx, intent, 'failed', reason);
    });
    callEnded.delete(clientOrderId);
  }

  /** Looks the intent's order up at the exchange and settles what can be settled. */
  async function lookUp(intent: OrderIntent, log: Logger): Promise<Outcome> {
    const key = intent.clientOrderId;
    const exchange = await fills.exchangeOf(intent.owner.id, intent.agentId);
    let found: OrderLookup;
    try {
      found = await exchange.findOrder(key);
    } catch (error) {
      if (error instanceof ExchangeError) return { kind: 'pending', detail: error.message };
      throw error;
    }
    switch (found.state) {
      case 'filled':
        return settle(intent.id, found.fill, log);
      case 'working':
        return { kind: 'pending', detail: `the order is ${found.status} at the exchange` };
      case 'unfilled': {
        const reason = `order ${key} ended ${found.status} at the exchange with nothing executed`;
        await fail(intent.id, key, reason);
        return { kind: 'failed', error: new LiveOrderError('rejected', false, `${exchange.name} ${intent.side} ${intent.symbol}: ${reason}`), placeAgain: false };
      }
      case 'absent': {
        const since = callEnded.get(key) ?? startedAtMs;
        if (deps.now().getTime() - since < exchange.orderArrivalWindowMs) return { kind: 'pending', detail: 'not at the exchange yet' };
        await fail(intent.id, key, 'never reached the exchange');
        return { kind: 'failed', error: new LiveOrderError('rejected', false, `order ${key} never reached the exchange`), placeAgain: true };
      }
    }
  }

  async function call(ticket: LiveTicket, log: Logger): Promise<Executed> {
    const { request, exchange } = ticket;
    let fill: Fill;
    try {
      fill = await exchange.marketOrder(request);
    } catch (error) {
      callEnded.set(request.clientOrderId, deps.now().getTime());
      if (error instanceof ExchangeError && error.nothingExecuted) {
        await fail(ticket.intentId, request.clientOrderId, error.message, true);
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
    const outcome = await settle(ticket.intentId, fill, log);
    if (outcome.kind === 'recorded') return outcome.executed;
    if (outcome.kind === 'failed') throw outcome.error;
    if (outcome.kind === 'orphaned') throw new BrokerAgentNotFoundError(ticket.ctx.agentId);
    throw new LiveOrderPendingError(request.clientOrderId, outcome.detail);
  }

  function abandon(clientOrderId: string): void {
    out.get(clientOrderId)?.done(() => Promise.reject(new Error(`order ${clientOrderId} was not admitted`)));
    out.delete(clientOrderId);
  }

  let pass: Promise<ReconcileReport> | undefined;

  async function reconcilePass(): Promise<ReconcileReport> {
    const report: ReconcileReport = { recorded: [], failed: [], orphaned: [], pending: [] };
    const intents = await pendingIntents(orm.em.fork() as EntityManager);
    for (const intent of intents) {
      const key = intent.clientOrderId;
      if (out.has(key)) continue;
      const log = logger.child({ clientOrderId: key, agentId: intent.agentId });
      let outcome: Outcome;
      try {
        outcome = await lookUp(intent, log);
      } catch (error) {
        log.error({ err: error }, 'reconcile of a live order intent failed; trying again on the next pass');
        outcome = { kind: 'pending', detail: String(error) };
      }
      if (outcome.kind === 'recorded') {
        log.info({ tradeId: intent.tradeId, action: intent.action }, 'reconcile recorded a live fill');
        deps.publish(outcome.executed, log);
      } else if (outcome.kind === 'failed' && !outcome.placeAgain) {
        // An order that never reached the exchange did nothing; one that ended unfilled is news.
        deps.alert(ctxOfIntent(intent), outcome.error.message, log);
      }
      report[outcome.kind].push(key);
    }
    if (intents.length > 0) logger.info({ recorded: report.recorded.length, failed: report.failed.length, orphaned: report.orphaned.length, pending: report.pending.length }, 'reconciled live order intents');
    return report;
  }

  return {
    async prepare(tx, agent, order, request, exchange, tradeId, failed) {
      // Only another agent's order can hold this key here (the agent's own retries follow it).
      if (out.has(request.clientOrderId)) throw new IdempotencyKeyConflictError(request.clientOrderId, 'is in use by another order');
      let done!: (run: () => Promise<Executed>) => void;
      const promise = new Promise<Executed>((resolve, reject) => {
        done = (run) => void run().then(resolve, reject);
      });
      promise.catch(() => undefined); // followers may be none
      // Marked before the commit: a retry that sees the committed intent finds it out here.
      out.set(request.clientOrderId, { promise, done });
      try {
        const intent = await writeIntent(tx, agent, order, request, tradeId, failed);
        return { intentId: intent.id, ctx: contextOf(agent), request, exchange };
      } catch (error) {
        abandon(request.clientOrderId);
        throw error;
      }
    },

    abandon,

    place(ticket, log) {
      const key = ticket.request.clientOrderId;
      const entry = out.get(key)!;
      entry.done(() => call(ticket, log).finally(() => out.delete(key)));
      return entry.promise;
    },

    following: (clientOrderId) => out.get(clientOrderId)?.promise,

    async resolve(intent, log) {
      const outcome = await lookUp(intent, log);
      if (outcome.kind === 'recorded') return outcome.executed;
      if (outcome.kind === 'orphaned') throw new BrokerAgentNotFoundError(intent.agentId);
      if (outcome.kind === 'failed') {
        if (outcome.placeAgain) return 'again';
        throw outcome.error;
      }
      throw new LiveOrderPendingError(intent.clientOrderId, outcome.detail);
    },

    reconcile() {
      pass ??= reconcilePass().finally(() => {
        pass = undefined;
      });
      return pass;
    },

    async idle() {
      await Promise.allSettled([...out.values()].map((o) => o.promise));
    },
  };
}
