/**
 * A stored backtest or comparison (`/backtests` lists and re-sends them). The door to this table
 * is src/hub/backtest/backtest-store.ts. `params`, `summary` and `result` are the shapes of
 * src/hub/backtest/types.ts, stored as JSON (curves already downsampled to at most 1,000 points).
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { UserSchema } from './user.js';

export const BacktestSchema = defineEntity({
  name: 'Backtest',
  tableName: 'backtests',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => crypto.randomUUID()),
    owner: () => p.manyToOne(UserSchema).deleteRule('cascade'),
    /** `backtest` | `compare`. */
    kind: p.string().length(16),
    params: p.json<Record<string, unknown>>(),
    summary: p.json<Record<string, unknown>>(),
    result: p.json<Record<string, unknown>>(),
    /** What shaped the run, in the trader's words. */
    notes: p.json<string[]>(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  // A trader's runs newest first (`/backtests`, the per-trader cap); createdAt alone: retention by age.
  indexes: [
    {
      name: 'backtests_owner_id_created_at_index',
      expression: 'create index "backtests_owner_id_created_at_index" on "backtests" ("owner_id", "created_at" desc)',
    },
    { properties: ['createdAt'] },
  ],
});

export type Backtest = InferEntity<typeof BacktestSchema>;
