/**
 * The client API (`/api/v1`) and `/ws` over a real hub (the bot harness: PostgreSQL, in-test
 * agents, the Bot API stand-in) on a real HTTP listener at 127.0.0.1, with helpers to sign in and
 * call it. Users register through the bot's /start, as traders do.
 */
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

export interface ApiHarness extends BotHarness {
  http: FastifyInstance;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** A signed initData of Telegram user `telegramId` (auth_date: now, or `authDate` in Unix seconds). */
  initData(telegramId: number, authDate?: number): string;
  /** Exchanges fresh initData of `telegramId` for a session token (throws unless 200). */
  signIn(telegramId: number): Promise<string>;
  call<T = Record<string, unknown>>(method: 'GET' | 'POST', path: string, token?: string, body?: unknown): Promise<ApiResponse<T>>;
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

  return {
    ...h,
    http,
    url,
    initData,
    call,
    async signIn(telegramId) {
      const res = await call<{ token: string }>('POST', '/api/v1/session', undefined, { initData: initData(telegramId) });
      if (res.status !== 200) throw new Error(`sign-in of ${telegramId} answered ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body.token;
    },
    async close() {
      await http.close();
      await h.close();
    },
  };
}
