/**
 * Token usage per agent, for the LLM-cost figures shown next to PnL: the agent's all-time token
 * counters, and its day (tokens and USD at the price of the model used, llm_agent_usage). Atomic
 * increments (`col = col + ?`), so concurrent calls never lose a count.
 */
import type { Orm } from '../../db/orm.js';
import { addLlmTokens } from '../agents/agent-store.js';
import { addAgentDayUsage } from './agent-usage-store.js';

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

/** A count the provider reported, as a non-negative integer (0 when absent or nonsense). */
export function tokenCount(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

/**
 * Adds `usage` to the agent's counters and to its UTC `day` with its cost in USD (null: the
 * model has no price); scoped by owner like every agent query.
 */
export async function recordTokenUsage(
  orm: Orm,
  agentId: string,
  ownerId: string,
  usage: TokenUsage,
  cost: { costUsd: number | null; day: string },
): Promise<void> {
  if (usage.promptTokens === 0 && usage.completionTokens === 0) return;
  await addLlmTokens(orm, agentId, ownerId, usage.promptTokens, usage.completionTokens);
  await addAgentDayUsage(orm, ownerId, agentId, cost.day, { ...usage, costUsd: cost.costUsd });
}
