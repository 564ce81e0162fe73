/**
 * "Why did it do that?": the decision record behind one trade. The order names the decision it
 * followed from (`trades.decision_key`, the session's PLAN) and carries the strategy signals the
 * agent read; the supervisor's verdicts while the trade was open come from `decisions`. A trade of
 * an older agent names no decision: its basis is then the agent's latest decision at or before the
 * open, and the view says so (`basis: 'fallback'`). Plain JSON out, read through the doors of
 * `trades` and `decisions`.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Decision, Trade } from '../../db/entities/index.js';
import { DECISION_SOURCES, type DecisionSource, type SignalValue } from '../../shared/wire.js';
import { decisionOfAgentByKey, latestDecisionAtOrBefore, supervisorDecisionsBetween } from '../broker/decisions.js';

/**
 * The price of an LLM call in USD, or null when unknown. Wired where the hub is built
 * (src/hub/hub.ts); without it every cost is null.
 */
export type LlmCostOf = (provider: string, model: string, promptTokens: number, completionTokens: number) => number | null;

/** The LLM call behind a decision. */
export interface WhyLlmView {
  provider: string;
  model: string;
  promptTokens: number;
  completionTokens: number;
  /** USD; null when the price of the model is unknown. */
  costUsd: number | null;
}

export interface WhyDecisionView {
  action: string;
  /** Who decided; null for decisions of agents older than the decision record. */
  source: DecisionSource | null;
  strategy: string | null;
  /** 0..1 */
  confidence: number;
  reasoning: string;
  /** ISO 8601, UTC. */
  createdAt: string;
  llm: WhyLlmView | null;
}

/** How the planner decision was found: named by the order, or the latest one at or before the open. */
export type WhyBasis = 'linked' | 'fallback' | 'none';

export interface TradeWhyRecord {
  basis: WhyBasis;
  planner: WhyDecisionView | null;
  /** The supervisor's latest verdicts while the trade was open, newest first (at most SUPERVISOR_VERDICTS_SHOWN). */
  supervisor: WhyDecisionView[];
  /** Every strategy signal the agent read before opening, each in [-1, 1] (empty for older agents). */
  signals: SignalValue[];
}

export const SUPERVISOR_VERDICTS_SHOWN = 3;

function sourceOf(value: string | null | undefined): DecisionSource | null {
  return (DECISION_SOURCES as readonly string[]).includes(value ?? '') ? (value as DecisionSource) : null;
}

function decisionView(d: Decision, costOf: LlmCostOf): WhyDecisionView {
  const llm = d.llm ?? null;
  return {
    action: d.action,
    source: sourceOf(d.source),
    strategy: d.strategy ?? null,
    confidence: d.confidence,
    reasoning: d.reasoning,
    createdAt: d.createdAt.toISOString(),
    llm: llm && { ...llm, costUsd: costOf(llm.provider, llm.model, llm.promptTokens, llm.completionTokens) },
  };
}

/** The decision record of `trade` (its agent populated), read in `em`. */
export async function tradeWhyRecord(em: EntityManager, trade: Trade, costOf: LlmCostOf): Promise<TradeWhyRecord> {
  const agentId = trade.agent.id;
  const linked = trade.decisionKey ? await decisionOfAgentByKey(em, agentId, trade.decisionKey) : null;
  const planner = linked ?? (await latestDecisionAtOrBefore(em, agentId, trade.openedAt));
  const supervisor = await supervisorDecisionsBetween(em, agentId, trade.openedAt, trade.closedAt ?? null, SUPERVISOR_VERDICTS_SHOWN);
  return {
    basis: linked ? 'linked' : planner ? 'fallback' : 'none',
    planner: planner && decisionView(planner, costOf),
    supervisor: supervisor.map((d) => decisionView(d, costOf)),
    signals: trade.signals ?? [],
  };
}
