/**
 * The door to `llm_agent_usage`: each agent's LLM tokens and their cost in USD per UTC day, the
 * meter of the agent's own daily budget (`agents.llm_daily_budget_usd`) and the source of the
 * cost figures on the agent card and in /costs. Every query is scoped by owner; the raw SQL is
 * pinned by test/hub/llm/llm-cost.test.ts.
 *
 * Cost is written as it is incurred, at the price of the model used then: a later price change
 * or model switch does not rewrite history. Tokens of a model without a price count in
 * `unpriced_tokens` (unknown, not free).
 */
import type { Orm } from '../../db/orm.js';

const sql = <T>(orm: Orm, text: string, params: unknown[]) => orm.em.getConnection().execute<T[]>(text, params);

/** One answered call's share of the day. `costUsd` null: the model has no price. */
export interface UsageIncrement {
  promptTokens: number;
  completionTokens: number;
  costUsd: number | null;
}

/** Adds a call to the agent's day (atomic upsert); nothing when the agent is not the owner's. */
export async function addAgentDayUsage(orm: Orm, ownerId: string, agentId: string, day: string, inc: UsageIncrement): Promise<void> {
  const tokens = inc.promptTokens + inc.completionTokens;
  await sql(
    orm,
    `insert into llm_agent_usage (agent_id, day, prompt_tokens, completion_tokens, cost_usd, unpriced_tokens)
     select id, ?, ?, ?, ?, ? from agents where id = ? and owner_id = ?
     on conflict (agent_id, day) do update set
       prompt_tokens = llm_agent_usage.prompt_tokens + excluded.prompt_tokens,
       completion_tokens = llm_agent_usage.completion_tokens + excluded.completion_tokens,
       cost_usd = llm_agent_usage.cost_usd + excluded.cost_usd,
       unpriced_tokens = llm_agent_usage.unpriced_tokens + excluded.unpriced_tokens`,
    [day, inc.promptTokens, inc.completionTokens, inc.costUsd ?? 0, inc.costUsd === null ? tokens : 0, agentId, ownerId],
  );
}

/** The agent's daily budget (null: none) and what it spent on `day` (USD). Undefined: not the owner's agent. */
export async function agentBudgetOfDay(
  orm: Orm,
  ownerId: string,
  agentId: string,
  day: string,
): Promise<{ name: string; budgetUsd: number | null; spentUsd: number } | undefined> {
  const rows = await sql<{ name: string; budget: number | null; spent: number | null }>(
    orm,
    `select a.name, a.llm_daily_budget_usd as budget, u.cost_usd as spent
       from agents a left join llm_agent_usage u on u.agent_id = a.id and u.day = ?
      where a.id = ? and a.owner_id = ?`,
    [day, agentId, ownerId],
  );
  const row = rows[0];
  return row ? { name: row.name, budgetUsd: row.budget === null ? null : Number(row.budget), spentUsd: Number(row.spent ?? 0) } : undefined;
}

/** True exactly once per agent and day: the caller that flips the flag sends the alert. */
export async function flagBudgetNotice(orm: Orm, agentId: string, day: string): Promise<boolean> {
  const rows = await sql<{ day: string }>(
    orm,
    `insert into llm_agent_usage (agent_id, day, budget_notified) values (?, ?, true)
     on conflict (agent_id, day) do update set budget_notified = true where llm_agent_usage.budget_notified = false
     returning day`,
    [agentId, day],
  );
  return rows.length > 0;
}

/** Tokens and USD over a period; `unpricedTokens` were spent on models without a price. */
export interface UsageFigures {
  tokens: number;
  costUsd: number;
  unpricedTokens: number;
}

export interface AgentCostRow {
  agentId: string;
  name: string;
  budgetUsd: number | null;
  today: UsageFigures;
  total: UsageFigures;
}

/** Cost figures of the owner's agents (all of them, or the one `agentId`), today (`day`) and all time, in creation order. */
export async function agentCosts(orm: Orm, ownerId: string, day: string, agentId?: string): Promise<AgentCostRow[]> {
  const rows = await sql<Record<string, string | number | null>>(
    orm,
    `select a.id, a.name, a.llm_daily_budget_usd as budget,
            coalesce(sum(u.prompt_tokens + u.completion_tokens) filter (where u.day = ?), 0) as tokens_today,
            coalesce(sum(u.cost_usd) filter (where u.day = ?), 0) as cost_today,
            coalesce(sum(u.unpriced_tokens) filter (where u.day = ?), 0) as unpriced_today,
            coalesce(sum(u.prompt_tokens + u.completion_tokens), 0) as tokens_total,
            coalesce(sum(u.cost_usd), 0) as cost_total,
            coalesce(sum(u.unpriced_tokens), 0) as unpriced_total
       from agents a left join llm_agent_usage u on u.agent_id = a.id
      where a.owner_id = ? and (?::uuid is null or a.id = ?::uuid)
      group by a.id order by a.created_at asc`,
    [day, day, day, ownerId, agentId ?? null, agentId ?? null],
  );
  return rows.map((r) => ({
    agentId: String(r.id),
    name: String(r.name),
    budgetUsd: r.budget === null ? null : Number(r.budget),
    today: { tokens: Number(r.tokens_today), costUsd: Number(r.cost_today), unpricedTokens: Number(r.unpriced_today) },
    total: { tokens: Number(r.tokens_total), costUsd: Number(r.cost_total), unpricedTokens: Number(r.unpriced_total) },
  }));
}
