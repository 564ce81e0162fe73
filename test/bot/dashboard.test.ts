/**
 * The bot's ways into the dashboard, through the Bot API stand-in: the chat menu button set at
 * start (Dashboard with PUBLIC_URL, Telegram's default without), the agent card's Open in
 * dashboard web-app button (private chats, PUBLIC_URL set) and /dashboard's link base.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBotHarness, type BotHarness } from '../support/bot-harness.js';

type Button = { text: string; callback_data?: string; web_app?: { url: string } };
const buttonsOf = (payload: Record<string, unknown> | undefined): Button[] =>
  ((payload?.reply_markup as { inline_keyboard?: Button[][] } | undefined)?.inline_keyboard ?? []).flat();

async function cardButtons(h: BotHarness, telegramId: number, name: string, chatId = telegramId, chat: 'private' | 'group' = 'private') {
  const user = h.user(telegramId, chatId, chat);
  await user.send(`/agent ${name}`);
  return buttonsOf(
    h.api
      .succeeded('sendMessage')
      .filter((c) => c.chatId === String(chatId))
      .at(-1)?.payload,
  );
}

describe('with PUBLIC_URL', () => {
  let h: BotHarness;
  let agentId: string;
  beforeAll(async () => {
    h = await createBotHarness({ env: { ACCESS_MODE: 'open', PUBLIC_URL: 'https://artic.example.com/' } });
    await h.user(9401).send('/start');
    const userId = (await h.hub.users.byTelegramId(9401))!.id;
    agentId = (await h.hub.agents.create(userId, { symbol: 'BTCUSDT', amountUsdt: 100, name: 'dash-bot' })).id;
  });
  afterAll(async () => h?.close());

  it('sets the Dashboard menu button to the Mini App at start', async () => {
    await h.artic.start();
    await h.artic.stop();
    const calls = h.api.succeeded('setChatMenuButton');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.payload.menu_button).toEqual({
      type: 'web_app',
      text: 'Dashboard',
      web_app: { url: 'https://artic.example.com/app' },
    });
  });

  it('puts Open in dashboard on the agent card, deep-linking to the agent', async () => {
    const buttons = await cardButtons(h, 9401, 'dash-bot');
    expect(buttons.filter((b) => b.web_app)).toEqual([
      { text: '📊 Open in dashboard', web_app: { url: `https://artic.example.com/app?agent=${agentId}` } },
    ]);
  });

  it('leaves it off the card in a group chat (Telegram allows web-app buttons in private chats only)', async () => {
    const buttons = await cardButtons(h, 9401, 'dash-bot', -7001, 'group');
    expect(buttons.length).toBeGreaterThan(0);
    expect(buttons.some((b) => b.web_app)).toBe(false);
  });

  it('links /dashboard to PUBLIC_URL', async () => {
    await h.user(9401).send('/dashboard');
    expect(h.user(9401).lastText()).toMatch(/https:\/\/artic\.example\.com\/app#login=[A-Za-z0-9_-]{32}\n/);
  });
});

describe('without PUBLIC_URL', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await createBotHarness({ env: { ACCESS_MODE: 'open', PORT: '9123' } });
    await h.user(9402).send('/start');
    const userId = (await h.hub.users.byTelegramId(9402))!.id;
    await h.hub.agents.create(userId, { symbol: 'BTCUSDT', amountUsdt: 100, name: 'plain-bot' });
  });
  afterAll(async () => h?.close());

  it('resets the menu button to the default and shows no dashboard button', async () => {
    await h.artic.start();
    await h.artic.stop();
    expect(h.api.succeeded('setChatMenuButton').map((c) => c.payload.menu_button)).toEqual([{ type: 'default' }]);
    expect((await cardButtons(h, 9402, 'plain-bot')).some((b) => b.web_app)).toBe(false);
  });

  it('links /dashboard to the local port for a plain browser', async () => {
    await h.user(9402).send('/dashboard');
    expect(h.user(9402).lastText()).toMatch(/http:\/\/127\.0\.0\.1:9123\/app#login=[A-Za-z0-9_-]{32}$/);
  });
});
