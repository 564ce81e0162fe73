import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBotHarness, type BotHarness } from '../support/bot-harness.js';

describe('approval mode', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await createBotHarness({ env: { ACCESS_MODE: 'approval', ADMIN_TELEGRAM_IDS: '900,901' } });
  });
  afterAll(async () => h?.close());

  const toChat = (chat: number) => h.api.succeeded('sendMessage').filter((c) => c.chatId === String(chat));

  it('keeps a new user pending, asks every admin, and applies an admin\'s decision', async () => {
    const newcomer = h.user(950);
    await newcomer.send('/start');
    expect(newcomer.lastText()).toContain('Your access request is with the admins');
    expect((await h.hub.users.byTelegramId(950))!.status).toBe('pending');
    for (const admin of [900, 901]) {
      const [request] = toChat(admin);
      expect(String(request!.payload.text)).toContain('Access request from Trader950 (@trader950) · id <code>950</code>');
      expect(JSON.stringify(request!.payload.reply_markup)).toContain('acc:ok:950');
      expect(JSON.stringify(request!.payload.reply_markup)).toContain('acc:no:950');
    }
    await newcomer.send('/agents');
    expect(newcomer.lastText()).toContain('still with the admins');
    await newcomer.send('/start'); // a second /start does not ask the admins again
    expect(toChat(900)).toHaveLength(1);

    // Someone who is not an admin cannot decide.
    await newcomer.press('acc:ok:950');
    expect(h.api.callsTo('answerCallbackQuery').at(-1)!.payload.text).toBe('Only admins decide access.');
    expect((await h.hub.users.byTelegramId(950))!.status).toBe('pending');

    const admin = h.user(900);
    await admin.press('acc:ok:950', 1);
    expect((await h.hub.users.byTelegramId(950))!.status).toBe('active');
    const edit = h.api.succeeded('editMessageText').filter((c) => c.chatId === '900').at(-1)!;
    expect(String(edit.payload.text)).toContain('✅ Approved Trader950 (<code>950</code>) by @trader900');
    expect(newcomer.lastText()).toContain('An admin approved your access');
    await newcomer.send('/agents');
    expect(newcomer.lastText()).toContain('You have no agents yet');
  });

  it('tells a denied user, who then gets nothing', async () => {
    const other = h.user(951);
    await other.send('/start');
    await h.user(901).press('acc:no:951', toChat(901).length);
    expect((await h.hub.users.byTelegramId(951))!.status).toBe('denied');
    expect(other.lastText()).toBe('⛔ An admin declined your access request.');
    await other.send('/create');
    expect(other.lastText()).toBe('⛔ You do not have access to this bot.');
  });

  it('asks unknown users to /start first', async () => {
    const ghost = h.user(952);
    await ghost.send('/agents');
    expect(ghost.lastText()).toBe('Send /start first.');
  });
});

describe('allowlist mode', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await createBotHarness({ env: { ACCESS_MODE: 'allowlist', ADMIN_TELEGRAM_IDS: '910' } });
  });
  afterAll(async () => h?.close());

  it('lets admins in, refuses others until an admin approves them', async () => {
    const admin = h.user(910);
    await admin.send('/start');
    expect(admin.lastText()).toContain('Welcome to <b>Artic</b>');
    const outsider = h.user(960);
    await outsider.send('/start');
    expect(outsider.lastText()).toContain('This Artic server is private');
    expect(outsider.lastText()).toContain('<code>960</code>');
    await admin.send('/approve 960');
    expect(admin.lastText()).toContain('✅ Approved Trader960');
    expect(outsider.lastText()).toContain('An admin approved your access');
    await outsider.send('/agents');
    expect(outsider.lastText()).toContain('You have no agents yet');
    // Non-admins do not have /approve.
    await outsider.send('/approve 961');
    expect(outsider.lastText()).toBe("I don't know /approve. Send /help for the list of commands.");
  });
});
