/**
 * Reads an agent's owner and LLM settings from its row, on every call: the trader may change the
 * provider or model while the agent runs, and one primary-key lookup per completion is cheap.
 */
import type { Orm } from '../../db/orm.js';
import { llmSettings } from '../agents/agent-store.js';
import { isUuid } from '../ids.js';

export interface AgentLlmSettings {
  ownerId: string;
  /** As stored; null when the agent has no LLM (the rules planner runs instead). */
  provider: string | null;
  model: string | null;
}

export type AgentLlmLookup = (agentId: string) => Promise<AgentLlmSettings | undefined>;

export function createAgentLlmLookup({ orm }: { orm: Orm }): AgentLlmLookup {
  return async (agentId) => {
    if (!isUuid(agentId)) return undefined;
    return llmSettings(orm, agentId);
  };
}
