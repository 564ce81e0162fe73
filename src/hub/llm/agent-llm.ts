/**
 * Reads an agent's owner and LLM settings from its row, on every call: the trader may change the
 * provider or model while the agent runs, and one primary-key lookup per completion is cheap.
 */
import type { Orm } from '../../db/orm.js';

export interface AgentLlmSettings {
  ownerId: string;
  /** As stored; null when the agent has no LLM (the rules planner runs instead). */
  provider: string | null;
  model: string | null;
}

export type AgentLlmLookup = (agentId: string) => Promise<AgentLlmSettings | undefined>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createAgentLlmLookup({ orm }: { orm: Orm }): AgentLlmLookup {
  return async (agentId) => {
    if (!UUID.test(agentId)) return undefined;
    const rows: Array<{ owner_id: string; llm_provider: string | null; llm_model: string | null }> = await orm.em
      .getConnection()
      .execute('select owner_id, llm_provider, llm_model from agents where id = ?', [agentId]);
    const row = rows[0];
    if (!row) return undefined;
    return { ownerId: row.owner_id, provider: row.llm_provider, model: row.llm_model };
  };
}
