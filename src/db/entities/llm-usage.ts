/**
 * LLM tokens a user spent on the server-wide keys, per UTC day: the meter of the daily budget
 * (LLM_USER_DAILY_TOKENS). `notified` makes the "budget spent" notice a once-a-day message.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
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
