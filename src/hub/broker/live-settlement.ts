/**
 * The second transaction of a live order (./live-orders.ts): what the exchange answered becomes
 * the intent's end. A fill is recorded (./records.ts) with the agent row locked again, unless the
 * intent was settled meanwhile (a late caller gets the recorded trade, or why there is none); a
 * fill for a deleted agent leaves the intent `orphaned`; a fill that is another order under the
 * same client order id, or an order that certainly did not execute, leaves it `failed`.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Agent, OrderIntent } from '../../db/entities/index.js';
import type { Orm } from '../../db/orm.js';
import type { Logger } from '../../logger.js';
import { lockAgentRow } from '../agents/position-store.js';
import type { Fill } from '../exchange/exchange.js';
import { LiveOrderError } from './errors.js';
import { intentById, lockIntent, settleIntent } from './intents.js';
import { liveCloseFill, liveOpenFill, toLiveFill, type LiveFill } from './live.js';
import { orderResultOf } from './order-results.js';
import { closeReasonOf, recordClose, recordOpen, type AgentContext, type Executed } from './records.js';
import { tradeById, tradeOfAgent } from './trades.js';

/** How a live order ended, or that it has not yet. */
export type Outcome =
  | { kind: 'recorded'; executed: Executed }
  /** `alert`: set by the call that orphaned it (the owner is told after the commit). */
  | { kind: 'orphaned'; alert?: { ctx: AgentContext; message: string } }
  | { kind: 'failed'; error: LiveOrderError; placeAgain: boolean }
  | { kind: 'pending'; detail: string };

export interface IntentSettlement {
  /** Records `fill` for the intent (agent row locked), or settles it as orphaned/failed. */
  recordFill(intentId: string, fill: Fill, log: Logger): Promise<Outcome>;
  /**
   * Marks the intent failed with `reason` when it is still pending and `mayFail()` says so
   * (asked under the intent's lock).
   */
  failPending(intentId: string, reason: string, mayFail: () => boolean): Promise<void>;
}

/** Who the intent's order belongs to, for alerts (the agent may be gone). */
export function ctxOfIntent(intent: OrderIntent): AgentContext {
  return { agentId: intent.agentId, ownerId: intent.owner.id, agentName: intent.agentName };
}

export function createIntentSettlement(deps: { orm: Orm; now: () => Date }): IntentSettlement {
  const fork = () => deps.orm.em.fork() as EntityManager;

  /** Books the fill of a pending intent on its (locked) agent. */
  async function bookFill(tx: EntityManager, agent: Agent, intent: OrderIntent, live: LiveFill, log: Logger): Promise<Executed> {
    if (intent.action === 'open') {
      if (agent.position)
        throw new Error(`agent ${agent.id} holds trade ${agent.position.tradeId}; live open ${intent.clientOrderId} left pending`);
      const executed = await recordOpen(tx, agent, intent.order, liveOpenFill(live), {
        tradeId: intent.tradeId,
        live: true,
        openedAt: deps.now(),
      });
      if (agent.status !== 'running')
        log.warn(
          { status: agent.status, tradeId: intent.tradeId },
          'live open filled after the agent stopped running; its position is recorded',
        );
      return executed;
    }
    const trade = await tradeOfAgent(tx, agent.id, intent.tradeId);
    if (trade?.status !== 'open')
      throw new Error(`live close ${intent.clientOrderId} names trade ${intent.tradeId}, which is not open; left pending`);
    return recordClose(tx, agent, trade, intent.order, liveCloseFill(trade, live, closeReasonOf(intent.order)), deps.now());
  }

  /** What a settled intent means to a late caller: its recorded trade, or why there is none. */
  async function settledAlready(tx: EntityManager, intent: OrderIntent, agent: Agent | null): Promise<Outcome> {
    if (intent.status === 'done' && agent) {
      const trade = await tradeById(tx, intent.tradeId);
      return { kind: 'recorded', executed: { result: orderResultOf(trade, agent, intent.action, true) } };
    }
    if (intent.status === 'orphaned' || !agent) return { kind: 'orphaned' };
    return {
      kind: 'failed',
      error: new LiveOrderError('rejected', false, intent.error ?? `order ${intent.clientOrderId} failed`),
      placeAgain: false,
    };
  }

  return {
    recordFill(intentId, fill, log) {
      return fork().transactional(async (tx): Promise<Outcome> => {
        // The agent row first, then the intent: the order the admitting transaction locks in.
        const { agentId } = await intentById(tx, intentId);
        const agent = await lockAgentRow(tx, agentId);
        const intent = await lockIntent(tx, intentId, true);
        if (intent.status !== 'pending') return settledAlready(tx, intent, agent);
        const live = toLiveFill(fill, log);
        if (fill.symbol !== intent.symbol || fill.side !== intent.side) {
          await settleIntent(tx, intent, 'failed', `the exchange's order ${fill.orderId} under this id is a ${fill.side} ${fill.symbol}`);
          return {
            kind: 'failed',
            error: new LiveOrderError(
              'duplicate_order',
              false,
              `client order id ${intent.clientOrderId} names another order at the exchange`,
            ),
            placeAgain: false,
          };
        }
        if (!agent) {
          const message = `Agent "${intent.agentName}" was deleted while its live ${fill.side} of ${fill.symbol} was at the exchange: it filled ${live.executedQty} at ${live.price} (order ${fill.orderId}). That is on your exchange account and no agent tracks it.`;
          await settleIntent(tx, intent, 'orphaned', message);
          return { kind: 'orphaned', alert: { ctx: ctxOfIntent(intent), message } };
        }
        const executed = await bookFill(tx, agent, intent, live, log);
        await settleIntent(tx, intent, 'done');
        return { kind: 'recorded', executed };
      });
    },

    async failPending(intentId, reason, mayFail) {
      await fork().transactional(async (tx) => {
        const intent = await lockIntent(tx, intentId);
        if (intent.status === 'pending' && mayFail()) await settleIntent(tx, intent, 'failed', reason);
      });
    },
  };
}
