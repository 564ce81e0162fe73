/**
 * 🤔 Why? end to end: the real app on the simulated market with real agent processes. An agent
 * planned by the LLM (the OpenAI-compatible stand-in answers the planner with SuperTrend, which
 * always takes a side once warm) opens a trade that names its PLAN decision and carries every
 * strategy signal; Why? shows them with the provider, model and tokens. An agent with neither a
 * strategy nor an LLM plans by the rules, and its decision says so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { tradeWhyText } from '../../src/bot/why-format.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { appSql, startTradingApp, tradesOf } from '../support/e2e.js';
import { startOpenAiServer, type OpenAiServer } from '../support/openai-server.js';
import { waitUntil } from '../support/wait.js';

let db: TestDatabase;
let llm: OpenAiServer;
let app: App & { port: number; dataDir: string };
let ownerId: string;

beforeAll(async () => {
  db = await createTestDatabase('why');
  llm = await startOpenAiServer();
  app = await startTradingApp(db.url, 3, { SIMULATED_SEED: '11', OPENAI_API_KEY: 'sk-why-test', OPENAI_BASE_URL: `${llm.url}/openai/v1` });
  ownerId = (await app.hub.users.register(7201, 'Trader')).user.id;
}, 30_000);

afterAll(async () => {
  await app?.stop();
  await llm?.close();
  await db?.drop();
});

describe('Why? on trades of real agents', () => {
  it('links an LLM-planned trade to its decision, with signals, provider, model and tokens', { timeout: 60_000 }, async () => {
    const plan = { strategy: 'supertrend', lookback: 10, threshold: 0.3, reasoning: 'strong trend on the last hour' };
    llm.reply({ kind: 'answer', content: JSON.stringify(plan), usage: { prompt: 900, completion: 40 }, model: 'gpt-why' });
    const common = {
      symbol: 'BTCUSDT',
      timeframe: '1m' as const,
      pollSeconds: 1,
      amountUsdt: 100,
      leverage: 2,
      tpSlMode: 'fixed' as const,
    };
    const planned = await app.hub.agents.create(ownerId, {
      ...common,
      name: 'planned',
      llmProvider: 'openai',
      supervisorIntervalSeconds: 86_400,
    });
    const ruled = await app.hub.agents.create(ownerId, { ...common, name: 'ruled' });
    await app.hub.lifecycle.start(ownerId, planned.id);
    await app.hub.lifecycle.start(ownerId, ruled.id);

    await waitUntil(async () => (await tradesOf(app, planned.id)).length > 0, 30_000, 'a trade of the LLM-planned agent');
    const [trade] = await tradesOf(app, planned.id);
    const [row] = await appSql<{ decision_key: string | null }>(app, 'select decision_key from trades where id = ?', [trade!.id]);
    const [decision] = await appSql<{ idempotency_key: string; source: string }>(
      app,
      "select idempotency_key, source from decisions where agent_id = ? and action = 'PLAN'",
      [planned.id],
    );
    expect(row!.decision_key).toBe(decision!.idempotency_key);
    expect(decision!.source).toBe('llm');

    const view = await app.hub.tradeHistory.why(ownerId, trade!.id);
    expect(view.basis).toBe('linked');
    expect(view.planner).toMatchObject({ action: 'PLAN', source: 'llm', strategy: 'supertrend' });
    expect(view.planner!.llm).toMatchObject({ provider: 'openai', promptTokens: 900, completionTokens: 40, costUsd: null });
    const supertrend = view.signals.find((s) => s.name === 'supertrend');
    expect(Math.abs(supertrend!.value)).toBeGreaterThanOrEqual(0.5);
    expect(view.signals.length).toBeGreaterThan(5);
    for (const s of view.signals) expect(Math.abs(s.value)).toBeLessThanOrEqual(1);
    const text = tradeWhyText(view);
    expect(text).toContain('🧭 <b>LLM planner</b>');
    expect(text).toContain(`🧠 openai <code>${view.planner!.llm!.model}</code> · 900 + 40 tokens · cost unknown`);
    expect(text).toMatch(/supertrend\s+[+−][01]\.\d\d {2}◀ traded/);

    await waitUntil(
      async () => (await appSql(app, "select 1 from decisions where agent_id = ? and action = 'PLAN'", [ruled.id])).length > 0,
      20_000,
      'the rules plan',
    );
    const [rules] = await appSql<{ source: string; reasoning: string }>(
      app,
      "select source, reasoning from decisions where agent_id = ? and action = 'PLAN'",
      [ruled.id],
    );
    expect(rules!.source).toBe('rules');
    for (const a of [planned, ruled]) await app.hub.lifecycle.stop(ownerId, a.id, { reason: 'test over' });
  });
});
