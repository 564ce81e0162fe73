/**
 * The Telegram front door inside the real app: long polling against a local Bot API stand-in,
 * /start answered, an agent created and launched through /create's hub services, a hub event
 * turned into an alert that the outbound queue delivers, and a clean stop.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { startBotApiServer, type BotApiServer } from '../support/bot-api-server.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { freePortRange, startTestApp } from '../support/app-harness.js';

const TOKEN = '123456:TEST-token-for-the-stand-in';
const CHAT = 424242;
let api: BotApiServer;
let db: TestDatabase;
let app: App & { port: number };
let updateId = 1;

function send(text: string) {
  api.pushUpdate({
    update_id: updateId++,
    message: {
      message_id: updateId,
      date: Math.floor(Date.now() / 1000),
      text,
      chat: { id: CHAT, type: 'private', first_name: 'Tess' },
      from: { id: CHAT, is_bot: false, first_name: 'Tess', username: 'tess' },
      ...(text.startsWith('/') ? { entities: [{ type: 'bot_command', offset: 0, length: text.split(' ')[0].length }] } : {}),
    },
  });
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const textsTo = (chatId: number) =>
  api
    .succeeded('sendMessage')
    .filter((c) => Number(c.payload.chat_id) === chatId)
    .map((c) => String(c.payload.text));

beforeAll(async () => {
  api = await startBotApiServer({ token: TOKEN });
  db = await createTestDatabase('tg');
  const range = await freePortRange(6);
  app = await startTestApp({
    databaseUrl: db.url,
    env: {
      ACCESS_MODE: 'open',
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: api.apiRoot,
      AGENT_RUNTIME: 'process',
      AGENT_PORT_RANGE: `${range.from}-${range.to}`,
    },
  });
}, 60_000);

afterAll(async () => {
  await app?.stop();
  await api?.close();
  await db?.drop();
});

describe('Telegram in the running app', () => {
  it('polls, registers commands, and answers /start', async () => {
    const health = (await (await fetch(`${app.url}/health`)).json()) as { bot: string };
    expect(health.bot).toBe('polling');
    expect(api.succeeded('setMyCommands').length).toBeGreaterThan(0);
    send('/start');
    const reply = await waitFor(() => textsTo(CHAT)[0], 10_000, 'a reply to /start');
    expect(reply.length).toBeGreaterThan(0);
    const user = await app.hub.users.byTelegramId(CHAT);
    expect(user?.status).toBe('active');
  });

  it('lists agents and pushes a trade alert through the outbound queue', async () => {
    const user = (await app.hub.users.byTelegramId(CHAT))!;
    const agent = await app.hub.agents.create(user.id, { name: 'alerted', symbol: 'BTCUSDT', amountUsdt: 100 });
    const before = textsTo(CHAT).length;
    send('/agents');
    await waitFor(() => (textsTo(CHAT).length > before ? true : undefined), 10_000, '/agents reply');
    expect(textsTo(CHAT).slice(before).join('\n')).toContain('alerted');

    const sent = textsTo(CHAT).length;
    app.hub.events.emit('trade.closed', {
      agentId: agent.id,
      ownerId: user.id,
      agentName: 'alerted',
      tradeId: '00000000-0000-4000-8000-00000000abcd',
      symbol: 'BTCUSDT',
      side: 'long',
      qty: 0.01,
      price: 65_000,
      fees: 0.4,
      pnl: 12.5,
      reason: 'tp',
      live: false,
    });
    const alert = await waitFor(
      () =>
        textsTo(CHAT)
          .slice(sent)
          .find((t) => t.includes('alerted')),
      10_000,
      'the trade alert',
    );
    expect(alert).toMatch(/12\.5/);
  });

  it('stops cleanly: polling ends with the app', async () => {
    await app.stop();
    const polls = api.callsTo('getUpdates').length;
    await new Promise((r) => setTimeout(r, 1500));
    expect(api.callsTo('getUpdates').length).toBeLessThanOrEqual(polls + 1);
  });
});
