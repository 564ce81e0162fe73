/**
 * The contract's one rule per concept, seen from every side that applies it: the hub's routes
 * (Fastify's Ajv, configured as the server is), the agent's request check (TypeBox's compiler),
 * the hub's input validation for users and `parseSymbol`. Each table entry states the verdict
 * once; a side that drifts from the others fails here.
 */
import * as Type from '@sinclair/typebox';
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseStartRequest } from '../../agent/src/validate.js';
import { validateField, type AgentInput } from '../../src/hub/agents/agent-input.js';
import { isUuid as hubIsUuid } from '../../src/hub/ids.js';
import { parseSymbol } from '../../src/hub/market/symbols.js';
import { buildTestHttpServer } from '../support/internal-server.js';
import { STRATEGY_NAMES } from '../../src/shared/strategy-names.js';
import {
  DecisionPush,
  INTERVALS,
  Interval,
  isSymbolId,
  isUuid,
  OrderRequest,
  PositivePercent,
  SymbolId,
  SymbolInput,
  Uuid,
  WIRE_LIMITS,
} from '../../src/shared/wire.js';
import type { AgentConfigWire } from '../../src/shared/wire.js';
import { startRequest } from '../agent/helpers.js';

const RULES = {
  symbol: SymbolId,
  symbolInput: SymbolInput,
  uuid: Uuid,
  percent: PositivePercent,
  interval: Interval,
  order: OrderRequest,
  decision: DecisionPush,
} as const;
type RuleName = keyof typeof RULES;

let app: FastifyInstance;

/** `[verdict, value]` rows: every side accepts the values of `accepted` and refuses those of `refused`. */
function verdicts<T>(accepted: T[], refused: T[]): Array<[boolean, T]> {
  return [...accepted.map((v): [boolean, T] => [true, v]), ...refused.map((v): [boolean, T] => [false, v])];
}

/** The hub's routes: one probe route per rule on the real server (same Ajv options). */
beforeAll(async () => {
  app = await buildTestHttpServer([
    {
      plugin: async (probe) => {
        for (const [name, schema] of Object.entries(RULES)) {
          probe.post(`/probe/${name}`, { schema: { body: Type.Object({ value: schema as TSchema }) } }, async () => ({ ok: true }));
        }
      },
    },
  ]);
});
afterAll(async () => app?.close());

async function hubRouteAccepts(rule: RuleName, value: unknown): Promise<boolean> {
  const res = await app.inject({ method: 'POST', url: `/probe/${rule}`, payload: { value } });
  if (res.statusCode !== 200 && res.statusCode !== 400) throw new Error(`probe answered ${res.statusCode}`);
  return res.statusCode === 200;
}

function compiledAccepts(rule: RuleName, value: unknown): boolean {
  return TypeCompiler.Compile(RULES[rule]).Check(value);
}

function agentAccepts(config: Partial<AgentConfigWire>): boolean {
  try {
    parseStartRequest(startRequest('', { config }));
    return true;
  } catch {
    return false;
  }
}

function hubInputAccepts<K extends keyof AgentInput>(field: K, value: unknown): boolean {
  try {
    validateField(field, value as AgentInput[K], { maxLeverage: 20 });
    return true;
  } catch {
    return false;
  }
}

describe('the symbol id rule', () => {
  const table = verdicts(
    ['BTCUSDT', 'ETHUSDC', 'OPUSDT', '1INCHUSDT', 'RENDERUSDT', 'ABCDEFGHIJKLUSDT'],
    ['ABCDEFGHIJKLMUSDT', 'XUSDT', 'BTC', 'BTCEUR', 'btcusdt', 'BTC/USDT', 'BTC-USDT', '', 'BTCUSDT ', 'BTCUSDTX'],
  );

  it.each(table)('%s: %j on every side', async (expected, value) => {
    expect(isSymbolId(value)).toBe(expected);
    expect(compiledAccepts('symbol', value)).toBe(expected);
    expect(await hubRouteAccepts('symbol', value)).toBe(expected);
    expect(agentAccepts({ symbol: value })).toBe(expected);
    // The hub's input check trims and upper-cases first: compare on what it would store.
    expect(hubInputAccepts('symbol', value)).toBe(isSymbolId(value.trim().toUpperCase()));
  });

  it('parseSymbol always builds a symbol id, and reads every id back as itself', () => {
    const spellings = ['btc', 'BTC/USD', 'eth-usdc', 'BINANCE:SOLUSDT', 'matic', 'newcoinusdt', 'ab/usdt', 'abcdefghijkl/usdt'];
    for (const input of spellings) expect(isSymbolId(parseSymbol(input, { allowUnlisted: true }).id), input).toBe(true);
    for (const [, id] of table.filter(([canonical]) => canonical)) expect(parseSymbol(id, { allowUnlisted: true }).id, id).toBe(id);
    for (const malformed of ['x/usdt', 'abcdefghijklm/usdt', '$$$']) {
      expect(() => parseSymbol(malformed, { allowUnlisted: true }), malformed).toThrow(/malformed|Unknown symbol/);
    }
  });

  it('bounds a spelling the same way in the market routes and in parseSymbol', async () => {
    const longest = `${' '.repeat(25)}BINANCE:BTCUSDT`;
    expect(longest).toHaveLength(40);
    expect(await hubRouteAccepts('symbolInput', longest)).toBe(true);
    expect(parseSymbol(longest).id).toBe('BTCUSDT');
    const tooLong = ` ${longest}`;
    expect(await hubRouteAccepts('symbolInput', tooLong)).toBe(false);
    expect(() => parseSymbol(tooLong)).toThrow(/too long/);
  });
});

describe('the UUID rule', () => {
  const lower = '8c735422-d3a3-4e86-9e7c-a86939beb60b';
  const table = verdicts(
    [lower, lower.toUpperCase(), '00000000-0000-0000-0000-000000000000'],
    [`urn:uuid:${lower}`, lower.replace(/-/g, ''), lower.slice(0, -1), 'not-a-uuid', ''],
  );

  it.each(table)('%s: %j on every side', async (expected, value) => {
    expect(isUuid(value)).toBe(expected);
    expect(hubIsUuid(value)).toBe(expected);
    expect(compiledAccepts('uuid', value)).toBe(expected);
    expect(await hubRouteAccepts('uuid', value)).toBe(expected);
  });
});

describe('the take-profit / stop-loss percent rule', () => {
  const table = verdicts([0.01, 2.5, 100], [0, -1, 100.01, 500]);

  it.each(table)('%s: %d on every side', async (expected, value) => {
    expect(compiledAccepts('percent', value)).toBe(expected);
    expect(await hubRouteAccepts('percent', value)).toBe(expected);
    expect(agentAccepts({ tpPct: value })).toBe(expected);
    expect(agentAccepts({ slPct: value })).toBe(expected);
    expect(hubInputAccepts('tpPct', value)).toBe(expected);
    expect(hubInputAccepts('slPct', value)).toBe(expected);
  });
});

describe('the interval rule', () => {
  const table = verdicts<string>([...INTERVALS], ['2h', '1M', '', '15min']);

  it.each(table)('%s: %j on every side', async (expected, value) => {
    expect(compiledAccepts('interval', value)).toBe(expected);
    expect(await hubRouteAccepts('interval', value)).toBe(expected);
    expect(agentAccepts({ timeframe: value as AgentConfigWire['timeframe'] })).toBe(expected);
    expect(hubInputAccepts('timeframe', value)).toBe(expected);
  });
});

/** The decision record behind a trade ("Why?"): the verdict of both sides, which must agree. */
async function accepts(rule: 'order' | 'decision', body: unknown): Promise<boolean> {
  const compiled = compiledAccepts(rule, body);
  expect(await hubRouteAccepts(rule, body), `the agent's compiler and the hub's route disagree on ${JSON.stringify(body)}`).toBe(compiled);
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
