/**
 * The decision record behind a trade ("Why?"), as the contract bounds it: an order's `decisionKey`
 * and `signals`, a decision's `source` and `llm`. Every verdict holds on both sides: the hub's
 * routes (Fastify's Ajv, configured as the server is) and the agent's TypeBox compiler.
 */
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { STRATEGY_NAMES } from '../../src/shared/strategy-names.js';
import { DecisionPush, OrderRequest, WIRE_LIMITS } from '../../src/shared/wire.js';

const SCHEMAS = { order: OrderRequest, decision: DecisionPush } as const;
type SchemaName = keyof typeof SCHEMAS;

let app: FastifyInstance;

beforeAll(async () => {
  app = await buildHttpServer({
    logger: createLogger({ level: 'silent' }),
    health: async () => ({
      status: 'ok',
      db: 'ok',
      runtime: 'none',
      bot: 'disabled',
      chain: 'disabled',
      agents: { running: 0, total: 0 },
      version: 't',
      uptimeSeconds: 0,
    }),
    plugins: [
      {
        plugin: async (probe) => {
          for (const [name, schema] of Object.entries(SCHEMAS)) {
            probe.post(`/probe/${name}`, { schema: { body: schema as TSchema } }, async () => ({ ok: true }));
          }
        },
      },
    ],
  });
});
afterAll(async () => app?.close());

/** The verdict of both sides; they must agree. */
async function accepts(name: SchemaName, body: unknown): Promise<boolean> {
  const res = await app.inject({ method: 'POST', url: `/probe/${name}`, payload: body as object });
  if (res.statusCode !== 200 && res.statusCode !== 400) throw new Error(`probe answered ${res.statusCode}`);
  const compiled = TypeCompiler.Compile(SCHEMAS[name]).Check(body);
  expect(compiled, `the agent's compiler and the hub's route disagree on ${JSON.stringify(body)}`).toBe(res.statusCode === 200);
  return compiled;
}

const open = { idempotencyKey: 'o-1', action: 'open', side: 'long', amountUsdt: 100, reason: 'momentum +0.52 ≥ +0.3' };
const plan = { idempotencyKey: 'd-1', action: 'PLAN', strategy: 'momentum', confidence: 0.5, reasoning: 'rules: trending' };
const llm = { provider: 'openai', model: 'gpt-4o-mini', promptTokens: 812, completionTokens: 64 };
const allSignals = STRATEGY_NAMES.map((name, i) => ({ name, value: i % 2 ? 0.5 : -0.25 }));

describe('an order names the decision it follows from', () => {
  it.each([
    ['without the new fields (an older agent)', open],
    ['with a decision key and signals', { ...open, decisionKey: 'd-1', signals: [{ name: 'momentum', value: 0.52 }] }],
    ['with every library strategy', { ...open, signals: allSignals }],
    [
      'with the scale ends',
      {
        ...open,
        signals: [
          { name: 'rsi_signal', value: -1 },
          { name: 'macd_signal', value: 1 },
        ],
      },
    ],
    ['with no signals', { ...open, signals: [] }],
  ])('accepts an order %s', async (_, body) => {
    expect(await accepts('order', body)).toBe(true);
  });

  const tooMany = Array.from({ length: WIRE_LIMITS.maxOrderSignals + 1 }, () => ({ name: 'momentum', value: 0 }));
  it.each([
    ['a value above 1', { ...open, signals: [{ name: 'momentum', value: 1.01 }] }],
    ['a value below -1', { ...open, signals: [{ name: 'momentum', value: -2 }] }],
    ['a value that is not a number', { ...open, signals: [{ name: 'momentum', value: '0.5' }] }],
    ['a name outside the library', { ...open, signals: [{ name: 'moon_shot', value: 0.5 }] }],
    ['an unknown field in a signal', { ...open, signals: [{ name: 'momentum', value: 0.5, weight: 1 }] }],
    [`more than ${WIRE_LIMITS.maxOrderSignals} signals`, { ...open, signals: tooMany }],
    ['a decision key with a space', { ...open, decisionKey: 'd 1' }],
    ['a decision key over 128 characters', { ...open, decisionKey: 'd'.repeat(129) }],
    ['an unknown field', { ...open, decision: { signals: [] } }],
  ])('refuses an order with %s', async (_, body) => {
    expect(await accepts('order', body)).toBe(false);
  });
});

describe('a decision says who made it and with which LLM', () => {
  it.each([
    ['without the new fields (an older agent)', plan],
    ['from the rules planner', { ...plan, source: 'rules' }],
    ['from the config', { ...plan, source: 'config' }],
    ['from the LLM, with its usage', { ...plan, source: 'llm', llm }],
    ['with zero tokens', { ...plan, source: 'llm', llm: { ...llm, promptTokens: 0, completionTokens: 0 } }],
  ])('accepts a decision %s', async (_, body) => {
    expect(await accepts('decision', body)).toBe(true);
  });

  it.each([
    ['an unknown source', { ...plan, source: 'oracle' }],
    ['negative tokens', { ...plan, llm: { ...llm, promptTokens: -1 } }],
    ['fractional tokens', { ...plan, llm: { ...llm, completionTokens: 1.5 } }],
    ['no model', { ...plan, llm: { provider: 'openai', promptTokens: 1, completionTokens: 1 } }],
    ['an empty provider', { ...plan, llm: { ...llm, provider: '' } }],
    ['a model name over the limit', { ...plan, llm: { ...llm, model: 'm'.repeat(WIRE_LIMITS.maxLlmModelChars + 1) } }],
    ['an unknown field in llm', { ...plan, llm: { ...llm, costUsd: 0.01 } }],
    ['an unknown field', { ...plan, signals: [] }],
  ])('refuses a decision with %s', async (_, body) => {
    expect(await accepts('decision', body)).toBe(false);
  });
});
