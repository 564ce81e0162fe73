/** A supervisor/planner decision. The full reasoning stays here; the chain gets its hash. */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { WIRE_LIMITS, type DecisionLlm } from '../../shared/wire.js';
import { AgentSchema } from './agent.js';

export const DecisionSchema = defineEntity({
  name: 'Decision',
  tableName: 'decisions',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => crypto.randomUUID()),
    agent: () => p.manyToOne(AgentSchema).deleteRule('cascade'),
    /** KEEP | CLOSE | ADJUST_TP_SL | PLAN … */
    action: p.string().length(32),
    strategy: p.string().length(WIRE_LIMITS.maxStrategyNameChars).nullable(),
    /** 0..1 */
    confidence: p.double().runtimeType('number').$type<number>().default(0),
    reasoning: p.text(),
    /** keccak256 of the reasoning text, 0x-prefixed. */
    reasoningHash: p.string().length(66),
    idempotencyKey: p.string().length(128).unique(),
    /** `config` | `llm` | `rules`: who made it; null for decisions of older agents. */
    source: p.string().length(16).nullable(),
    /** The LLM call behind it (provider, model, tokens); null when no LLM answered. */
    llm: p.json<DecisionLlm>().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  // createdAt alone: retention prunes by age across agents.
  indexes: [{ properties: ['agent', 'createdAt'] }, { properties: ['createdAt'] }],
});

export type Decision = InferEntity<typeof DecisionSchema>;
