/**
 * Reads an agent's owner and LLM settings from its row, on every call: the trader may change the
 * provider or model while the agent runs, and one primary-key lookup per completion is cheap.
 */
import type { Orm } from '../../db/orm.js';
import { isUuid } from '../../shared/wire.js';

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
    const rows: Array<{ owner_id: string; llm_provider: string | null; llm_model: string | null }> = await orm.em
      .getConnection()
      .execute('select owner_id, llm_provider, llm_model from agents where id = ?', [agentId]);
    const row = rows[0];
    if (!row) return undefined;
    return { ownerId: row.owner_id, provider: row.llm_provider, model: row.llm_model };
  };
}
