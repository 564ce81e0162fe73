/**
 * The client API (`/api/v1`) and `/ws` over a real hub (the bot harness: PostgreSQL, in-test
 * agents, the Bot API stand-in) on a real HTTP listener at 127.0.0.1, with helpers to sign in and
 * call it. Users register through the bot's /start, as traders do.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { apiRoutes } from '../../src/http/routes/api/index.js';
import { wsRoutes } from '../../src/http/routes/ws.js';
import { supportedSymbolsFor } from '../../src/bot/bot.js';
import { createBotHarness, BOT_TOKEN, type BotHarness, type HarnessOptions } from './bot-harness.js';
import { signInitData } from './init-data.js';
import { buildTestHttpServer } from './internal-server.js';

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/** A signed-in trader: their user id and session token. */
export interface ApiUser {
  id: string;
  token: string;
}

export interface ApiHarness extends BotHarness {
  http: FastifyInstance;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** A signed initData of Telegram user `telegramId` (auth_date: now, or `authDate` in Unix seconds). */
  initData(telegramId: number, authDate?: number): string;
  /** Exchanges fresh initData of `telegramId` for a session token (throws unless 200). */
  signIn(telegramId: number): Promise<string>;
  call<T = Record<string, unknown>>(method: 'GET' | 'POST', path: string, token?: string, body?: unknown): Promise<ApiResponse<T>>;
  /** Registers Telegram user `telegramId` through /start and signs them in. */
  trader(telegramId: number): Promise<ApiUser>;
  /** A new agent of `owner` on BTCUSDT with `amountUsdt` (default 1000), started when asked. */
  agentOf(
    owner: Pick<ApiUser, 'id'>,
    name: string,
    options?: { start?: boolean; amountUsdt?: number },
  ): Promise<{ id: string; name: string }>;
  /** A paper long of 100 USDT for the (running) agent, through the broker. */
  openLong(agentId: string): Promise<{ tradeId: string }>;
}

export async function createApiHarness(options: HarnessOptions = {}): Promise<ApiHarness> {
  const h = await createBotHarness(options);
  const { hub, config } = h;
  const http = await buildTestHttpServer([
    { plugin: apiRoutes, options: { hub, maxLeverage: config.agents.maxLeverage, supportedSymbols: supportedSymbolsFor(config) } },
    { plugin: wsRoutes, options: { userTokens: hub.userTokens, events: hub.events } },
  ]);
  await http.listen({ host: '127.0.0.1', port: 0 });
  const address = http.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  const call: ApiHarness['call'] = async (method, path, token, body) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as never };
  };
  const initData = (telegramId: number, authDate?: number) => signInitData({ botToken: BOT_TOKEN, user: { id: telegramId }, authDate });
  async function signIn(telegramId: number): Promise<string> {
    const res = await call<{ token: string }>('POST', '/api/v1/session', undefined, { initData: initData(telegramId) });
    if (res.status !== 200) throw new Error(`sign-in of ${telegramId} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.token;
  }

  return {
    ...h,
    http,
    url,
    initData,
    call,
    async trader(telegramId) {
      await h.user(telegramId).send('/start');
      return { id: (await hub.users.byTelegramId(telegramId))!.id, token: await signIn(telegramId) };
    },
    async agentOf(owner, name, { start = false, amountUsdt = 1000 } = {}) {
      const agent = await hub.agents.create(owner.id, { symbol: 'BTCUSDT', amountUsdt, name });
      if (start) await hub.lifecycle.start(owner.id, agent.id);
      return agent;
    },
    openLong: (agentId) =>
      hub.broker.execute(agentId, { idempotencyKey: randomUUID(), action: 'open', side: 'long', amountUsdt: 100, reason: 'signal' }),
    signIn,
    async close() {
      await http.close();
      await h.close();
    },
  };
}
