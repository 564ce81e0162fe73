/**
 * Token usage per agent, for the LLM-cost figure shown next to PnL. One atomic increment per
 * answered call (`col = col + ?`), so concurrent calls never lose a count.
 */
import type { Orm } from '../../db/orm.js';
import { addLlmTokens } from '../agents/agent-store.js';

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

/** A count the provider reported, as a non-negative integer (0 when absent or nonsense). */
export function tokenCount(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

/** Adds `usage` to the agent's counters; scoped by owner like every agent query. */
export async function recordTokenUsage(orm: Orm, agentId: string, ownerId: string, usage: TokenUsage): Promise<void> {
  if (usage.promptTokens === 0 && usage.completionTokens === 0) return;
  await addLlmTokens(orm, agentId, ownerId, usage.promptTokens, usage.completionTokens);
}
