/**
 * LLM cost in money against real PostgreSQL: tokens and USD recorded per agent and UTC day at the
 * model's price, the agent's own daily budget refusing further calls with one alert, and the
 * agent's planner falling back to its rules when the hub refuses (through the real route).
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { planStrategy } from '../../../src/engine/planner.js';
import { createHubClient } from '../../../agent/src/hub-client.js';
import type { AgentLog } from '../../../agent/src/agent-log.js';
import { createAgentDirectory, type AgentDirectory } from '../../../src/hub/agents/agent-directory.js';
import { createAgentCredentials } from '../../../src/hub/auth/agent-credentials.js';
import { createTokenService } from '../../../src/hub/auth/tokens.js';
import { HubEvents, type HubEventMap } from '../../../src/hub/events.js';
import { createAgentLlmLookup } from '../../../src/hub/llm/agent-llm.js';
import { agentCosts } from '../../../src/hub/llm/agent-usage-store.js';
import { createLlmBudget } from '../../../src/hub/llm/budget.js';
import { LlmAgentBudgetExhaustedError } from '../../../src/hub/llm/errors.js';
import { createLlmGateway, type LlmGateway } from '../../../src/hub/llm/gateway.js';
import { createUserService } from '../../../src/hub/users.js';
import { internalLlmRoutes } from '../../../src/http/routes/internal-llm.js';
import { createLogger } from '../../../src/logger.js';
import type { Orm } from '../../../src/db/orm.js';
import type { AgentConfigWire, LlmRequest } from '../../../src/shared/wire.js';
import type { Candle } from '../../../src/shared/market.js';
import { createTestOrm } from '../../support/db.js';
import { buildTestHttpServer } from '../../support/internal-server.js';
import { startOpenAiServer, type OpenAiServer } from '../../support/openai-server.js';
import { layeredSecrets, localBaseUrls } from './support.js';

const KEY = 'sk-cost-0000000000000000';
const DAY = Date.UTC(2026, 11, 3, 18, 0, 0);
const PLAN = '{"strategy":"momentum","lookback":10,"threshold":0.3,"reasoning":"trend"}';
const tokens = createTokenService({ internalSecret: 'i'.repeat(40), jwtSecret: 'j'.repeat(40) });

let orm: Orm;
let close: () => Promise<void>;
let server: OpenAiServer;
let directory: AgentDirectory;
let owner: string;
let clock = DAY;
let events: HubEvents;
let notices: Array<HubEventMap['llm.agent_budget_spent']>;
let gateway: LlmGateway;

const request: LlmRequest = { purpose: 'planner', messages: [{ role: 'user', content: 'Plan.' }] };

async function newAgent(name: string, budget: number | null = null): Promise<string> {
  const id = (await directory.create(owner, { name, symbol: 'BTCUSDT', amountUsdt: 100, llmProvider: 'openai' })).id;
  await orm.em.getConnection().execute('update agents set llm_daily_budget_usd = ? where id = ?', [budget, id]);
  return id;
}

async function dayRow(agentId: string, day = '2026-12-03') {
  const rows: Array<Record<string, string | number>> = await orm.em
    .getConnection()
    .execute('select prompt_tokens, completion_tokens, cost_usd, unpriced_tokens from llm_agent_usage where agent_id = ? and day = ?', [
      agentId,
      day,
    ]);
  const r = rows[0];
  return (
    r && {
      prompt: Number(r.prompt_tokens),
      completion: Number(r.completion_tokens),
      cost: Number(r.cost_usd),
      unpriced: Number(r.unpriced_tokens),
    }
  );
}

beforeAll(async () => {
  ({ orm, close } = await createTestOrm('llm_cost'));
  const users = createUserService({ orm, accessMode: 'open', adminIds: [] });
  directory = createAgentDirectory({ orm, limits: { maxLeverage: 20 } });
  owner = (await users.register(301, 'Owner')).user.id;
  server = await startOpenAiServer({ keys: [KEY] });
});

afterAll(async () => {
  await server?.close();
  await close?.();
});

beforeEach(() => {
  server.reset();
  clock = DAY;
  events = new HubEvents();
  notices = [];
  events.on('llm.agent_budget_spent', (e) => notices.push(e));
  const secrets = layeredSecrets();
  secrets.user.set(`${owner}|OPENAI_API_KEY`, KEY);
  gateway = createLlmGateway({
    orm,
    secrets,
    budget: createLlmBudget({ orm, events, dailyTokens: 0, isExempt: async () => false, now: () => clock }),
    prices: { 'openai/gpt-4.1-mini': { input: 0.4, output: 1.6 }, 'openai/priced': { input: 2, output: 10 } },
    now: () => clock,
    baseUrls: localBaseUrls(server.url),
    logger: createLogger({ level: 'silent' }),
    retryDelayMs: 5,
  });
});

describe('LLM cost per agent and day', () => {
  it('records tokens and USD at the price of the model used, per UTC day, and sums them all time', async () => {
    const agent = await newAgent('costed');
    server.reply({ kind: 'answer', content: '{}', usage: { prompt: 10_000, completion: 2_000 } });
    server.reply({ kind: 'answer', content: '{}', usage: { prompt: 5_000, completion: 1_000 } });
    await gateway.complete(agent, owner, 'openai', null, request); // gpt-4.1-mini: 10k × 0.4 + 2k × 1.6 = $0.0072
    await gateway.complete(agent, owner, 'openai', 'priced', request); // 5k × 2 + 1k × 10 = $0.02
    expect(await dayRow(agent)).toEqual({ prompt: 15_000, completion: 3_000, cost: expect.closeTo(0.0272, 10), unpriced: 0 });

    clock = DAY + 12 * 3600_000; // the next UTC day
    server.reply({ kind: 'answer', content: '{}', usage: { prompt: 1_000, completion: 1_000 } });
    await gateway.complete(agent, owner, 'openai', 'no-price-model', request);
    expect(await dayRow(agent, '2026-12-04')).toEqual({ prompt: 1_000, completion: 1_000, cost: 0, unpriced: 2_000 });

    const [row] = await agentCosts(orm, owner, '2026-12-04', agent);
    expect(row).toMatchObject({
      name: 'costed',
      budgetUsd: null,
      today: { tokens: 2_000, costUsd: 0, unpricedTokens: 2_000 },
      total: { tokens: 20_000, costUsd: expect.closeTo(0.0272, 10), unpricedTokens: 2_000 },
    });
  });

  it("never records on another owner's agent", async () => {
    const agent = await newAgent('scoped');
    server.reply({ kind: 'answer', content: '{}', usage: { prompt: 100, completion: 100 } });
    await gateway.complete(agent, crypto.randomUUID(), 'openai', null, request).catch(() => undefined);
    expect(await dayRow(agent)).toBeUndefined();
  });
});

describe("an agent's daily budget in USD", () => {
  it('refuses calls once reached, nothing sent upstream, with one alert per day; opens again the next UTC day', async () => {
    const agent = await newAgent('budgeted', 0.01);
    // 20k × 0.4 + 2k × 1.6 = $0.0112 ≥ $0.01 after the first call.
    server.reply({ kind: 'answer', content: '{}', usage: { prompt: 20_000, completion: 2_000 } });
    await gateway.complete(agent, owner, 'openai', null, request);
    for (let i = 0; i < 3; i++) {
      const err = await gateway.complete(agent, owner, 'openai', null, request).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LlmAgentBudgetExhaustedError);
      expect((err as Error).message).toBe(
        "This agent's LLM budget of $0.01 a day is reached ($0.01 spent today); it uses its rules until 00:00 UTC. Raise or remove the budget with /edit to go on.",
      );
      expect((err as LlmAgentBudgetExhaustedError).retryAfterSeconds).toBe(6 * 3600);
    }
    expect(server.requests).toHaveLength(1);
    expect(notices).toEqual([
      {
        ownerId: owner,
        agentId: agent,
        agentName: 'budgeted',
        spentUsd: expect.closeTo(0.0112, 10),
        budgetUsd: 0.01,
        resetsAt: '2026-12-04T00:00:00.000Z',
      },
    ]);

    clock = DAY + 6 * 3600_000;
    await gateway.complete(agent, owner, 'openai', null, request);
    expect(server.requests).toHaveLength(2);
    expect(notices).toHaveLength(1);
  });

  it('leaves an agent without a budget unmetered', async () => {
    const agent = await newAgent('unlimited');
    for (let i = 0; i < 3; i++) server.reply({ kind: 'answer', content: '{}', usage: { prompt: 1_000_000, completion: 1_000_000 } });
    for (let i = 0; i < 3; i++) await gateway.complete(agent, owner, 'openai', null, request);
    expect(notices).toEqual([]);
  });
});

describe('an exhausted budget switches the agent to rules', () => {
  let app: FastifyInstance;
  afterAll(async () => app?.close());

  it("the next planner call is refused by the hub's route and the agent's planner plans with its rules; one alert", async () => {
    const agent = await newAgent('planner', 0.005);
    app = await buildTestHttpServer([
      {
        plugin: internalLlmRoutes,
        options: { agentAuth: createAgentCredentials({ orm, tokens }), gateway, agentLlm: createAgentLlmLookup({ orm }) },
      },
    ]);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const hub = createHubClient({
      hubUrl: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
      agentId: agent,
      token: await tokens.mintAgentToken(agent),
      firstLogSeq: 1,
    });
    const warnings: string[] = [];
    const log: AgentLog = { debug() {}, info() {}, warn: (m) => warnings.push(m), error() {}, withSink: () => log };
    const config = { ...(await directory.find(owner, agent)), agentId: agent } as unknown as AgentConfigWire;
    const candles: Candle[] = Array.from({ length: 120 }, (_, i) => {
      const close = 100 + Math.sin(i / 5) * 3 + i * 0.1;
      return { openTime: i * 900_000, open: close, high: close + 1, low: close - 1, close, volume: 10 };
    });

    // 10k × 0.4 + 1k × 1.6 = $0.0056 ≥ $0.005: this plan spends the day's budget.
    server.reply({ kind: 'answer', content: PLAN, usage: { prompt: 10_000, completion: 1_000 } });
    expect((await planStrategy({ config, candles, hub, log })).source).toBe('llm');
    for (let i = 0; i < 3; i++) {
      const plan = await planStrategy({ config, candles, hub, log });
      expect(plan.source).toBe('rules');
    }
    expect(server.requests).toHaveLength(1);
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toContain('429 LlmAgentBudgetExhausted');
    expect(warnings[0]).toContain('using the rules planner');
    expect(notices.map((n) => n.agentName)).toEqual(['planner']);
    hub.close();
  });
});
