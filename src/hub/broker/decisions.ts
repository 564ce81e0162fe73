/**
 * Records supervisor / planner decisions: the full reasoning in `decisions` (with its keccak256
 * `reasoningHash`), the chain outbox entry in the same transaction, `decision.made` after the
 * commit. Idempotent by the push's key: a retried push returns the stored decision and emits
 * nothing. `ADJUST_TP_SL` also moves the open position's take-profit / stop-loss (a field left
 * out keeps its value, `null` clears it).
 *
 * On chain: the contract has no PLAN action, so a PLAN (the planner's strategy choice) is logged
 * as HOLD with the chosen strategy's index; the row keeps the real action. The PnL logged is the
 * open position's unrealised PnL at the agent's last price, as a percent of its margin (0 when
 * flat or without a price).
 *
 * The one door to `decisions` (its reads, inserts and the retention prune). The agent's row is
 * locked and its position's levels moved through src/hub/agents/position-store.ts.
 */
import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException, type QueryResult } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DecisionSchema, type Agent, type Decision } from '../../db/entities/index.js';
import type { Orm } from '../../db/orm.js';
import type { Logger } from '../../logger.js';
import { resolveStrategyName, strategyIndex, UNKNOWN_STRATEGY_INDEX } from '../../shared/strategy-names.js';
import { DECISION_ACTIONS, isUuid, type DecisionPush } from '../../shared/wire.js';
import type { AgentDirectory } from '../agents/agent-directory.js';
import { lockAgentRow, moveTpSl } from '../agents/position-store.js';
import { hashText, type DecisionRecord } from '../chain/encoding.js';
import { enqueueChainEntry } from '../chain/outbox.js';
import type { HubEvents } from '../events.js';
import { BrokerAgentNotFoundError, IdempotencyKeyConflictError, InvalidOrderError } from './errors.js';
import { grossPnl, pnlPercentOfMargin } from './paper.js';

export { DECISION_ACTIONS };

export interface DecisionRecorderDeps {
  orm: Orm;
  events: HubEvents;
  directory?: Pick<AgentDirectory, 'ref'>;
  logger?: Logger;
}

export interface RecordedDecision {
  decisionId: string;
  /** True when this key had been recorded before; nothing was written or emitted this time. */
  replayed: boolean;
  /** The position after an ADJUST_TP_SL (null when flat or for other actions). */
  tpPrice: number | null;
  slPrice: number | null;
}

export interface DecisionRecorder {
  record(agentId: string, push: DecisionPush): Promise<RecordedDecision>;
  /** Deletes at most `limit` decisions recorded before `before`, oldest first; returns how many (their hashes stay on chain). */
  prune(before: Date, limit: number): Promise<number>;
}

function chainAction(action: DecisionPush['action']): DecisionRecord['action'] {
  return action === 'PLAN' ? 'HOLD' : action;
}

function strategyIndexOf(name: string | null): number {
  const resolved = name ? resolveStrategyName(name) : undefined;
  return resolved ? strategyIndex(resolved) : UNKNOWN_STRATEGY_INDEX;
}

function positionPnlPct(agent: Agent): number {
  const p = agent.position;
  if (!p || agent.lastPrice == null || !(agent.lastPrice > 0)) return 0;
  return pnlPercentOfMargin(grossPnl(p.side, p.entryPrice, agent.lastPrice, p.qty), p.margin);
}

function validate(push: DecisionPush): void {
  if (!push.idempotencyKey || push.idempotencyKey.length > 128) throw new InvalidOrderError('idempotencyKey must be 1..128 characters');
  if (!(DECISION_ACTIONS as readonly string[]).includes(push.action))
    throw new InvalidOrderError(`action must be one of ${DECISION_ACTIONS.join(', ')}`);
  if (!(push.confidence >= 0 && push.confidence <= 1)) throw new InvalidOrderError('confidence must be between 0 and 1');
  for (const field of ['tpPrice', 'slPrice'] as const) {
    const v = push[field];
    if (v !== undefined && v !== null && !(Number.isFinite(v) && v > 0))
      throw new InvalidOrderError(`${field} must be a positive price or null`);
  }
}

/** The decision stored under the push's idempotency key (unique), if any. */
function decisionByKey(em: EntityManager, idempotencyKey: string): Promise<Decision | null> {
  return em.findOne(DecisionSchema, { idempotencyKey });
}

/** The decision row of `push` for `agent` (inserted by the caller's flush). */
function createDecision(em: EntityManager, agent: Agent, push: DecisionPush, reasoningHash: string): Decision {
  return em.create(DecisionSchema, {
    id: randomUUID(),
    agent,
    action: push.action,
    strategy: push.strategy,
    confidence: push.confidence,
    reasoning: push.reasoning,
    reasoningHash,
    idempotencyKey: push.idempotencyKey,
    source: push.source ?? null,
    llm: push.llm ?? null,
    createdAt: new Date(),
  });
}

export function createDecisionRecorder(deps: DecisionRecorderDeps): DecisionRecorder {
  const { orm, events } = deps;

  async function attempt(agentId: string, push: DecisionPush): Promise<{ recorded: RecordedDecision; agent: Agent }> {
    const em = orm.em.fork() as EntityManager;
    return em.transactional(async (tx) => {
      const agent = await lockAgentRow(tx, agentId);
      if (!agent) throw new BrokerAgentNotFoundError(agentId);
      const stored = await decisionByKey(tx, push.idempotencyKey);
      const position = (): Pick<RecordedDecision, 'tpPrice' | 'slPrice'> => ({
        tpPrice: agent.position?.tpPrice ?? null,
        slPrice: agent.position?.slPrice ?? null,
      });
      if (stored) {
        if (stored.agent.id !== agentId) throw new IdempotencyKeyConflictError(push.idempotencyKey, 'was already used by another agent');
        return { recorded: { decisionId: stored.id, replayed: true, ...position() }, agent };
      }
      const reasoningHash = hashText(push.reasoning);
      const decision = createDecision(tx, agent, push, reasoningHash);
      if (push.action === 'ADJUST_TP_SL') moveTpSl(agent, push);
      await tx.flush();
      await enqueueChainEntry(tx, 'decision', {
        agentId,
        symbol: agent.symbol,
        action: chainAction(push.action),
        strategyIndex: strategyIndexOf(push.strategy),
        confidence: push.confidence,
        pnlPct: positionPnlPct(agent),
        reasoningHash,
      });
      return { recorded: { decisionId: decision.id, replayed: false, ...position() }, agent };
    });
  }

  return {
    async record(agentId, push) {
      validate(push);
      if (!isUuid(agentId)) throw new BrokerAgentNotFoundError(agentId);
      if (deps.directory && !(await deps.directory.ref(agentId))) throw new BrokerAgentNotFoundError(agentId);
      let outcome: { recorded: RecordedDecision; agent: Agent };
      try {
        outcome = await attempt(agentId, push);
      } catch (error) {
        if (!(error instanceof UniqueConstraintViolationException)) throw error;
        outcome = await attempt(agentId, push); // the concurrent twin committed: this finds it
      }
      const { recorded, agent } = outcome;
      if (!recorded.replayed) {
        try {
          events.emit('decision.made', {
            agentId,
            ownerId: agent.owner.id,
            agentName: agent.name,
            action: push.action,
            strategy: push.strategy,
            confidence: push.confidence,
            reasoning: push.reasoning,
          });
        } catch (error) {
          deps.logger?.error({ err: error, agentId }, 'decision.made listener failed');
        }
      }
      return recorded;
    },

    async prune(before, limit) {
      const result = await orm.em
        .getConnection()
        .execute<QueryResult>(
          `delete from decisions where id in (select id from decisions where created_at < ? order by created_at limit ?)`,
          [before, limit],
          'run',
        );
      return result.affectedRows;
    },
  };
}

/**
 * The agent's latest decision recorded at or before `at` (e.g. the one behind a trade opened at
 * `at`), or null: none was made, or retention pruned it.
 */
export function latestDecisionAtOrBefore(em: EntityManager, agentId: string, at: Date): Promise<Decision | null> {
  return em.findOne(DecisionSchema, { agent: agentId, createdAt: { $lte: at } }, { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
}

/** Agent `agentId`'s decision pushed under `idempotencyKey` (the one an order names), or null. */
export function decisionOfAgentByKey(em: EntityManager, agentId: string, idempotencyKey: string): Promise<Decision | null> {
  return em.findOne(DecisionSchema, { agent: agentId, idempotencyKey });
}

/** The agent's supervisor verdicts (KEEP, CLOSE, ADJUST_TP_SL) from `from` to `to` (open end when null), the newest `limit`, newest first. */
export function supervisorDecisionsBetween(
  em: EntityManager,
  agentId: string,
  from: Date,
  to: Date | null,
  limit: number,
): Promise<Decision[]> {
  return em.find(
    DecisionSchema,
    { agent: agentId, action: { $ne: 'PLAN' }, createdAt: to ? { $gte: from, $lte: to } : { $gte: from } },
    { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], limit },
  );
}
