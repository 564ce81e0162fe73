/**
 * What the owner's agents spent on LLMs, for the agent card and /costs: tokens and USD per agent,
 * today (UTC) and all time, and their totals. Figures come from llm_agent_usage, where each call's
 * cost was written at the price of its model then (usage.ts).
 */
import type { Orm } from '../../db/orm.js';
import { agentCosts, type AgentCostRow, type UsageFigures } from './agent-usage-store.js';
import { utcDay } from './budget.js';
import { DEFAULT_PRICES_DATE } from './prices.js';

export type { AgentCostRow, UsageFigures };

export interface OwnerCosts {
  /** The UTC day "today" means, `YYYY-MM-DD`. */
  day: string;
  /** When the built-in prices were taken (LLM_PRICES may override them). */
  pricesDate: string;
  agents: AgentCostRow[];
  today: UsageFigures;
  total: UsageFigures;
}

export interface LlmCostReport {
  /** Every agent of the owner, or only `agentId` (an id the caller resolved for this owner). */
  ofOwner(ownerId: string, agentId?: string): Promise<OwnerCosts>;
  /** One agent's figures (undefined: not the owner's). */
  ofAgent(ownerId: string, agentId: string): Promise<AgentCostRow | undefined>;
}

function sum(rows: UsageFigures[]): UsageFigures {
  return rows.reduce(
    (acc, r) => ({
      tokens: acc.tokens + r.tokens,
      costUsd: acc.costUsd + r.costUsd,
      unpricedTokens: acc.unpricedTokens + r.unpricedTokens,
    }),
    { tokens: 0, costUsd: 0, unpricedTokens: 0 },
  );
}

export function createLlmCostReport({ orm, now = Date.now }: { orm: Orm; now?: () => number }): LlmCostReport {
  return {
    async ofOwner(ownerId, agentId) {
      const day = utcDay(now());
      const agents = await agentCosts(orm, ownerId, day, agentId);
      return {
        day,
        pricesDate: DEFAULT_PRICES_DATE,
        agents,
        today: sum(agents.map((a) => a.today)),
        total: sum(agents.map((a) => a.total)),
      };
    },
    async ofAgent(ownerId, agentId) {
      return (await agentCosts(orm, ownerId, utcDay(now()), agentId))[0];
    },
  };
}
