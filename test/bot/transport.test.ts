import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/bot/features/general.js';
import { secretMatches } from '../../src/http/auth.js';
import { telegramWebhookRoutes, TELEGRAM_WEBHOOK_PATH } from '../../src/http/routes/telegram-webhook.js';
import { createBotHarness, type BotHarness } from '../support/bot-harness.js';

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const startUpdate = (updateId: number, userId: number) => ({
  update_id: updateId,
  message: {
    message_id: 5,
    date: 1,
    chat: { id: userId, type: 'private', first_name: 'T' },
    from: { id: userId, is_bot: false, first_name: 'T' },
    text: '/start',
    entities: [{ type: 'bot_command', offset: 0, length: 6 }],
  },
});

describe('webhook mode', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await createBotHarness({ env: { ACCESS_MODE: 'open', TELEGRAM_WEBHOOK_URL: 'https://artic.example/telegram/webhook' } });
  });
  afterAll(async () => {
    await h?.artic.stop();
    await h?.close();
  });

  it('registers the commands and the webhook with a secret token', async () => {
    expect(h.artic.mode).toBe('webhook');
    await h.artic.start();
    expect(h.api.succeeded('setMyCommands')[0]!.payload.commands).toEqual(COMMANDS);
    const [hook] = h.api.succeeded('setWebhook');
    expect(hook!.payload).toMatchObject({ url: 'https://artic.example/telegram/webhook', secret_token: h.artic.webhookSecret });
    expect(h.artic.webhookSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(h.api.callsTo('getUpdates')).toHaveLength(0);
  });

  it('refuses a missing or wrong secret token and queues a good update, answering at once', async () => {
    const app = Fastify();
    await app.register(telegramWebhookRoutes, { secretToken: h.artic.webhookSecret, enqueue: (u) => h.artic.enqueue(u) });
    try {
      const post = (headers: Record<string, string>, update = startUpdate(1, 1201)) =>
        app.inject({
          method: 'POST',
          url: TELEGRAM_WEBHOOK_PATH,
          headers: { 'content-type': 'application/json', ...headers },
          payload: JSON.stringify(update),
        });
      expect((await post({})).statusCode).toBe(401);
      expect((await post({ 'x-telegram-bot-api-secret-token': 'wrong' })).statusCode).toBe(401);
      expect((await post({ 'x-telegram-bot-api-secret-token': `${h.artic.webhookSecret}x` })).statusCode).toBe(401);
      expect(h.api.succeeded('sendMessage')).toHaveLength(0);
      // The secret is checked before the body is read: an oversized or malformed body is still 401.
      for (const payload of ['x'.repeat(2 * 1024 * 1024), '{"update_id":']) {
        const res = await app.inject({
          method: 'POST',
          url: TELEGRAM_WEBHOOK_PATH,
          headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': 'wrong' },
          payload,
        });
        expect(res.statusCode).toBe(401);
      }

      const ok = await post({ 'x-telegram-bot-api-secret-token': h.artic.webhookSecret }, startUpdate(2, 1202));
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toEqual({ ok: true });
      await until(() => h.api.succeeded('sendMessage').some((c) => c.chatId === '1202'));
      const bad = await app.inject({
        method: 'POST',
        url: TELEGRAM_WEBHOOK_PATH,
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': h.artic.webhookSecret },
        payload: '{"nope":1}',
      });
      expect(bad.statusCode).toBe(400);
    } finally {
      await app.close();
    }
  });

  it('compares secrets in constant time regardless of length', () => {
    expect(secretMatches('abc', 'abc')).toBe(true);
    expect(secretMatches('abd', 'abc')).toBe(false);
    expect(secretMatches('', 'abc')).toBe(false);
    expect(secretMatches(undefined, 'abc')).toBe(false);
  });
});

describe('polling mode', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await createBotHarness({ env: { ACCESS_MODE: 'open' } });
  });
  afterAll(async () => h?.close());

  it('drops any webhook, polls for updates, handles them, and stops cleanly', async () => {
    expect(h.artic.mode).toBe('polling');
    await h.artic.start();
    expect(h.api.succeeded('deleteWebhook')).toHaveLength(1);
    h.api.pushUpdate(startUpdate(10, 1301));
    await until(() => h.api.succeeded('sendMessage').some((c) => c.chatId === '1301'));
    expect(String(h.api.succeeded('sendMessage').find((c) => c.chatId === '1301')!.payload.text)).toContain('Welcome');
    const started = Date.now();
    await h.artic.stop();
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
