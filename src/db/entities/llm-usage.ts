/**
 * LLM tokens a user spent on the server-wide keys, per UTC day: the meter of the daily budget
 * (LLM_USER_DAILY_TOKENS). `notified` makes the "budget spent" notice a once-a-day message.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { AgentSchema } from './agent.js';
import { UserSchema } from './user.js';

export const LlmDailyUsageSchema = defineEntity({
  name: 'LlmDailyUsage',
  tableName: 'llm_daily_usage',
  properties: {
    user: () => p.manyToOne(UserSchema).primary().deleteRule('cascade'),
    /** UTC date, `YYYY-MM-DD`. */
    day: p.string().length(10).primary(),
    /** Prompt + completion tokens. */
    tokens: p.bigint('number').default(0),
    notified: p.boolean().default(false),
  },
  primaryKeys: ['user', 'day'],
});

export type LlmDailyUsage = InferEntity<typeof LlmDailyUsageSchema>;

/**
 * LLM use of one agent per UTC day, on any key: the tokens and what they cost in USD at the
 * prices of the moment they were spent (src/hub/llm/prices.ts). `unpricedTokens` counts tokens of
 * models without a price (their cost is unknown, not zero). `budgetNotified` makes the "agent's
 * daily budget reached" alert a once-a-day message. All-time figures are sums over the days.
 */
export const LlmAgentUsageSchema = defineEntity({
  name: 'LlmAgentUsage',
  tableName: 'llm_agent_usage',
  properties: {
    agent: () => p.manyToOne(AgentSchema).primary().deleteRule('cascade'),
    /** UTC date, `YYYY-MM-DD`. */
    day: p.string().length(10).primary(),
    promptTokens: p.bigint('number').default(0),
    completionTokens: p.bigint('number').default(0),
    /** USD. */
    costUsd: p.double().runtimeType('number').$type<number>().default(0),
    unpricedTokens: p.bigint('number').default(0),
    budgetNotified: p.boolean().default(false),
  },
  primaryKeys: ['agent', 'day'],
});

export type LlmAgentUsage = InferEntity<typeof LlmAgentUsageSchema>;
