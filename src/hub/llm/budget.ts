/**
 * The daily budget of LLM tokens a user may spend on the server-wide keys (LLM_USER_DAILY_TOKENS,
 * prompt + completion, per UTC day; admins are exempt). The gateway asks `admit` before a call
 * on a server key and reports the tokens with `spend` after it.
 *
 * The check is "used so far < limit": a call admitted just under the limit may end over it (by at
 * most one answer per call in flight), which is the price of not reserving tokens up front.
 * When the budget is spent the owner is told once per day (`llm.budget_spent`, one atomic flag
 * flip on the day's row), however many agents and calls run into it.
 *
 * The same mechanism meters each agent's own optional budget in USD per UTC day
 * (`agents.llm_daily_budget_usd`, on any key, admins included: it is the owner's own limit):
 * `admitAgent` refuses once the agent's cost today (llm_agent_usage, written by usage.ts) has
 * reached it, and the owner hears it once per agent and day (`llm.agent_budget_spent`).
 */
import type { Orm } from '../../db/orm.js';
import { nameOf } from '../agents/agent-store.js';
import { agentBudgetOfDay, flagBudgetNotice } from './agent-usage-store.js';
import type { HubEvents } from '../events.js';

export type BudgetAdmission =
  | { metered: boolean; spent?: undefined }
  | { metered: true; spent: { usedTokens: number; limitTokens: number; resetsAt: Date; retryAfterSeconds: number } };

/** Why an agent's call is refused: its own daily budget in USD is reached. */
export interface AgentBudgetSpent {
  spentUsd: number;
  budgetUsd: number;
  resetsAt: Date;
  retryAfterSeconds: number;
}

export interface LlmBudget {
  /** Whether a call of `ownerId` on a server key is metered, or why it is refused (`spent`). */
  admit(ownerId: string, agentId: string): Promise<BudgetAdmission>;
  /** Adds the tokens of an answered call to the owner's day (atomic increment). */
  spend(ownerId: string, tokens: number): Promise<void>;
  /** Undefined when the agent may call (no budget, or under it today); why not otherwise. */
  admitAgent(ownerId: string, agentId: string): Promise<AgentBudgetSpent | undefined>;
}

export interface LlmBudgetDeps {
  orm: Orm;
  events: HubEvents;
  /** Tokens per user and UTC day; 0 leaves the server's LLM keys to the exempt (admins). */
  dailyTokens: number;
  /** Admins: unmetered. */
  isExempt(ownerId: string): Promise<boolean>;
  /** Wall clock, ms. */
  now?: () => number;
}

const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` of the UTC day holding `ms`. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** When the UTC day holding `at` (ms) ends, and the seconds until then (at least 1). */
function dayReset(at: number): { resetsAt: Date; retryAfterSeconds: number } {
  const resetsAt = new Date(Date.parse(`${utcDay(at)}T00:00:00.000Z`) + DAY_MS);
  return { resetsAt, retryAfterSeconds: Math.max(1, Math.ceil((resetsAt.getTime() - at) / 1000)) };
}

export function createLlmBudget(deps: LlmBudgetDeps): LlmBudget {
  const now = deps.now ?? Date.now;
  const sql = <T>(text: string, params: unknown[]) => deps.orm.em.getConnection().execute<T[]>(text, params);

  /** True exactly once per owner and day: the caller that flips the flag sends the notice. */
  async function firstRefusal(ownerId: string, day: string): Promise<boolean> {
    const rows = await sql<{ day: string }>(
      `insert into llm_daily_usage (user_id, day, tokens, notified) values (?, ?, 0, true)
       on conflict (user_id, day) do update set notified = true where llm_daily_usage.notified = false
       returning day`,
      [ownerId, day],
    );
    return rows.length > 0;
  }

  return {
    async admit(ownerId, agentId) {
      if (await deps.isExempt(ownerId)) return { metered: false };
      const at = now();
      const day = utcDay(at);
      const rows = await sql<{ tokens: string }>('select tokens from llm_daily_usage where user_id = ? and day = ?', [ownerId, day]);
      const usedTokens = Number(rows[0]?.tokens ?? 0);
      if (usedTokens < deps.dailyTokens) return { metered: true };
      const { resetsAt, retryAfterSeconds } = dayReset(at);
      const spent = { usedTokens, limitTokens: deps.dailyTokens, resetsAt, retryAfterSeconds };
      if (await firstRefusal(ownerId, day)) {
        const agentName = (await nameOf(deps.orm, ownerId, agentId)) ?? 'agent';
        deps.events.emit('llm.budget_spent', {
          ownerId,
          agentId,
          agentName,
          usedTokens,
          limitTokens: deps.dailyTokens,
          resetsAt: resetsAt.toISOString(),
        });
      }
      return { metered: true, spent };
    },

    async spend(ownerId, tokens) {
      if (tokens <= 0) return;
      await sql(
        `insert into llm_daily_usage (user_id, day, tokens) values (?, ?, ?)
         on conflict (user_id, day) do update set tokens = llm_daily_usage.tokens + excluded.tokens`,
        [ownerId, utcDay(now()), tokens],
      );
    },

    async admitAgent(ownerId, agentId) {
      const at = now();
      const day = utcDay(at);
      const state = await agentBudgetOfDay(deps.orm, ownerId, agentId, day);
      if (!state || state.budgetUsd === null || state.spentUsd < state.budgetUsd) return undefined;
      const spent = { spentUsd: state.spentUsd, budgetUsd: state.budgetUsd, ...dayReset(at) };
      if (await flagBudgetNotice(deps.orm, agentId, day)) {
        deps.events.emit('llm.agent_budget_spent', {
          ownerId,
          agentId,
          agentName: state.name,
          spentUsd: spent.spentUsd,
          budgetUsd: spent.budgetUsd,
          resetsAt: spent.resetsAt.toISOString(),
        });
      }
      return spent;
    },
  };
}
