/** A line an agent logged. `seq` is the agent's own counter: (agent, seq) is unique, so retries dedupe. */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { LOG_LEVELS } from '../../shared/wire.js';
import { AgentSchema } from './agent.js';

export const LogEntrySchema = defineEntity({
  name: 'LogEntry',
  tableName: 'log_entries',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    agent: () => p.manyToOne(AgentSchema).deleteRule('cascade'),
    seq: p.bigint('number'),
    level: p.enum([...LOG_LEVELS]),
    message: p.text(),
    ts: p.datetime(),
  },
  uniques: [{ properties: ['agent', 'seq'] }],
  // Retention prunes by age across agents.
  indexes: [{ properties: ['ts'] }],
});

export type LogEntry = InferEntity<typeof LogEntrySchema>;
