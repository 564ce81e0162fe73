/**
 * Order admission: one PostgreSQL transaction that locks the agent row (`select … for update`),
 * so one agent's orders are admitted one at a time, and
 *   1. returns the stored result when the idempotency key was already executed (`replayed`);
 *   2. finds the key's live order intent, if any: out in this process → follow it; pending but
 *      not out here → look it up at the exchange; failed → place it afresh (./live-orders.ts);
 *   3. refuses any order while another live order of the agent is out (`order_in_flight`);
 *   4. opens only for a RUNNING agent that its owner has not paused (checked here, under the
 *      lock: an open queued behind a stop or a pause is refused) with no position; closes go
 *      through whatever the status or pause, since the stop itself closes the position and a
 *      paused agent still manages its own; a close needs a position (the one-position rule);
 *   5. paper: fills (./fills.ts) and writes the trade row, the agent's `position` /
 *      `realizedPnl` / `lastPrice` and the chain outbox entry (./records.ts) in this same
 *      transaction; live: writes the order intent only, and commits it BEFORE the exchange is
 *      called, which happens with no lock and no pooled connection held; a second transaction
 *      records the fill (./live-orders.ts). A live order is sized on a fresh, real quote.
 *
 * Idempotency: the open's key is `trades.idempotency_key`, the close's `close_idempotency_key`,
 * a live order's `order_intents.client_order_id` (its client order id at the exchange), all
 * unique. Concurrent duplicates wait on the row lock, then find the stored trade or the intent;
 * one that slips past hits the unique index, and the broker admits it again with `replayOnly`,
 * which answers with the stored result.
 *
 * Venue and leverage: an open uses those of the agent's session, fixed at its `/start`
 * (`sessionLiveMode`, `sessionLeverage`), so an edit never changes a running session; a close
 * goes where its trade was opened (`trade.live`), whatever the mode is now.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Agent, OrderIntent } from '../../db/entities/index.js';
import type { Orm } from '../../db/orm.js';
import type { Logger } from '../../logger.js';
import type { OrderRequest, PositionSide } from '../../shared/wire.js';
import { agentVenue, lockAgentRow } from '../agents/position-store.js';
import {
  AgentNotRunningError,
  AgentPausedError,
  AgentStartingError,
  BrokerAgentNotFoundError,
  OrderInFlightError,
  PositionAlreadyOpenError,
} from './errors.js';
import type { Fills } from './fills.js';
import { checkSameOrder, intentByKey, pendingIntentOf } from './intents.js';
import type { LiveOrders, LiveTicket } from './live-orders.js';
import { marginOf } from './order-rules.js';
import type { Quote } from './price-source.js';
import { closeReasonOf, contextOf, recordClose, recordOpen, replayOf, tradeToClose, type AgentContext, type Executed } from './records.js';

/** A live open's quote as looked up before the transaction, for the agent's symbol then. */
export type EarlyQuote = { symbol: string; quote: Promise<Quote> } | undefined;

/** What the admitting transaction decided. */
export type Admitted =
  | { kind: 'executed'; executed: Executed }
  | { kind: 'live'; ticket: LiveTicket }
  | { kind: 'follow'; promise: Promise<Executed> }
  | { kind: 'resolve'; intent: OrderIntent };

/** What the caller learns of an order on its way: whose it is, and whether it followed another request. */
export interface OrderTrace {
  ctx?: AgentContext;
  following?: boolean;
}

export interface AdmissionDeps {
  orm: Orm;
  fills: Fills;
  live: Pick<LiveOrders, 'prepare' | 'abandon' | 'following'>;
  /** Clock for `openedAt` / `closedAt`. */
  now: () => Date;
}

export interface Admission {
  /**
   * A live open's quote, looked up before the row lock is taken (a fresh one may need an upstream
   * call); judged fit or not inside, after the replay checks. Undefined for other orders.
   */
  quoteEarly(agentId: string, order: OrderRequest): Promise<EarlyQuote>;
  /** One admission in one transaction; sets `trace.ctx`. `replayOnly` after a unique violation: never fills. */
  admit(agentId: string, order: OrderRequest, log: Logger, trace: OrderTrace, replayOnly: boolean, early: EarlyQuote): Promise<Admitted>;
}

/** The key's live intent: follow or look up a pending one, reuse a failed one (null: none). */
async function existingIntent(
  live: AdmissionDeps['live'],
  tx: EntityManager,
  agent: Agent,
  order: OrderRequest,
): Promise<Admitted | OrderIntent | null> {
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

/** An order inside its admitting transaction: the agent (row locked) and the key's failed intent to reuse, if any. */
interface Admitting {
  tx: EntityManager;
  agent: Agent;
  order: OrderRequest;
  failed: OrderIntent | null;
  log: Logger;
}

async function admitOpen(
  { fills, live, now }: AdmissionDeps,
  { tx, agent, order, failed, log }: Admitting,
  early: EarlyQuote,
): Promise<Admitted> {
  if (agent.status === 'starting') throw new AgentStartingError();
  if (agent.status !== 'running') throw new AgentNotRunningError(agent.status);
  if (agent.paused) throw new AgentPausedError();
  if (agent.position) throw new PositionAlreadyOpenError(agent.position.tradeId);
  const margin = marginOf(agent.amountUsdt, order, log);
  if (agent.sessionLiveMode ?? agent.liveMode) {
    const exchange = await fills.exchangeOf(agent.owner.id, agent.id);
    const quote = await (early?.symbol === agent.symbol ? early.quote : fills.liveQuote(agent.symbol));
    const request = fills.liveOpen(agent, order, margin, quote);
    return { kind: 'live', ticket: await live.prepare(tx, agent, order, request, exchange, failed?.tradeId ?? randomUUID(), failed) };
  }
  const fill = await fills.paperOpen(agent, order.side as PositionSide, { margin, leverage: agent.sessionLeverage ?? agent.leverage }, log);
  return {
    kind: 'executed',
    executed: await recordOpen(tx, agent, order, fill, { tradeId: randomUUID(), live: false, openedAt: now() }),
  };
}

async function admitClose({ fills, live, now }: AdmissionDeps, { tx, agent, order, failed, log }: Admitting): Promise<Admitted> {
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

export function createAdmission(deps: AdmissionDeps): Admission {
  const { orm, fills, live } = deps;

  return {
    async quoteEarly(agentId, order) {
      if (order.action !== 'open') return undefined;
      const agent = await agentVenue(orm.em.fork() as EntityManager, agentId);
      if (!agent || !(agent.sessionLiveMode ?? agent.liveMode)) return undefined;
      const quote = fills.liveQuote(agent.symbol);
      await Promise.allSettled([quote]); // before the lock; a failure is thrown inside, if used
      return { symbol: agent.symbol, quote };
    },

    async admit(agentId, order, log, trace, replayOnly, early) {
      const em = orm.em.fork() as EntityManager;
      let placing: string | undefined;
      try {
        return await em.transactional(async (tx) => {
          const agent = await lockAgentRow(tx, agentId);
          if (!agent) throw new BrokerAgentNotFoundError(agentId);
          trace.ctx = contextOf(agent);
          const replayed = await replayOf(tx, agent, order);
          if (replayed) return { kind: 'executed', executed: { result: replayed } };
          const found = await existingIntent(live, tx, agent, order);
          if (found && 'kind' in found) return found;
          if (replayOnly) throw new Error(`idempotency key ${order.idempotencyKey} violated a unique index but names no trade or intent`);
          const pending = await pendingIntentOf(tx, agent.id);
          if (pending) throw new OrderInFlightError(pending.clientOrderId);
          const admitting: Admitting = { tx, agent, order, failed: found, log };
          const admitted = await (order.action === 'open' ? admitOpen(deps, admitting, early) : admitClose(deps, admitting));
          if (admitted.kind === 'live') placing = order.idempotencyKey;
          return admitted;
        });
      } catch (error) {
        // The intent did not commit: its order is not out after all.
        if (placing) live.abandon(placing);
        throw error;
      }
    },
  };
}
