import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubEventMap } from '../../src/hub/events.js';
import { createUserService } from '../../src/hub/users.js';
import { createBotHarness, type BotHarness } from '../support/bot-harness.js';

describe('approval mode', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await createBotHarness({ env: { ACCESS_MODE: 'approval', ADMIN_TELEGRAM_IDS: '900,901' } });
  });
  afterAll(async () => h?.close());

  const toChat = (chat: number) => h.api.succeeded('sendMessage').filter((c) => c.chatId === String(chat));

  it("keeps a new user pending, asks every admin, and applies an admin's decision", async () => {
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
    const edit = h.api
      .succeeded('editMessageText')
      .filter((c) => c.chatId === '900')
      .at(-1)!;
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

  it("/deny stops the user's agents and revokes their streams", async () => {
    const trader = h.user(955);
    await trader.send('/start');
    await h.user(900).send('/approve 955');
    const userId = (await h.hub.users.byTelegramId(955))!.id;
    const running = await h.hub.agents.create(userId, { name: 'runner', symbol: 'BTCUSDT', amountUsdt: 100 });
    await h.hub.lifecycle.start(userId, running.id);
    await h.hub.agents.create(userId, { name: 'idle', symbol: 'ETHUSDT', amountUsdt: 100 });
    const revoked: Array<HubEventMap['user.access_revoked']> = [];
    h.hub.events.on('user.access_revoked', (e) => revoked.push(e));

    await h.user(900).send('/deny 955');
    expect(h.user(900).lastText()).toContain('⛔ Denied Trader955 (<code>955</code>) by @trader900; stopped 1 running agent.');
    expect(await h.hub.agents.find(userId, running.id)).toMatchObject({ status: 'stopped', statusReason: 'access revoked by an admin' });
    expect(h.runtime.servers.has(running.id)).toBe(false);
    expect(revoked).toEqual([{ ownerId: userId, reason: 'access revoked by an admin' }]);
    expect(trader.lastText()).toBe('⛔ An admin declined your access request.');
    await trader.send('/agents');
    expect(trader.lastText()).toBe('⛔ You do not have access to this bot.');
  });

  it('asks the admins about a user who was let in under ACCESS_MODE=open when the mode changed', async () => {
    await createUserService({ orm: h.orm, accessMode: 'open', adminIds: [900, 901] }).register(956, 'Trader956', 'trader956');
    await h.hub.users.syncAccess();
    const walkedIn = h.user(956);
    await walkedIn.send('/agents');
    expect(walkedIn.lastText()).toContain('still with the admins');
    const asked = toChat(900).length;
    await walkedIn.send('/start');
    expect(walkedIn.lastText()).toContain('Your access request is with the admins');
    expect(toChat(900)).toHaveLength(asked + 1);
    expect(String(toChat(900).at(-1)!.payload.text)).toContain('Access request from Trader956');
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

describe('no ADMIN_TELEGRAM_IDS', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await createBotHarness({ env: { ACCESS_MODE: 'approval' } });
  });
  afterAll(async () => h?.close());

  it('makes the first user to /start the admin and says so; the next one waits for that admin', async () => {
    const first = h.user(980);
    await first.send('/start');
    expect(first.lastText()).toContain('Welcome to <b>Artic</b>');
    expect(first.lastText()).toContain('You are the first user of this server, so you are its admin');
    expect(
      h.logs.some((l) => l.includes('the first user to /start, Telegram id 980, is now this server') && JSON.parse(l).level === 40),
    ).toBe(true);
    expect((await h.hub.users.byTelegramId(980))!.isAdmin).toBe(true);

    const second = h.user(981);
    await second.send('/start');
    expect(second.lastText()).toContain('Your access request is with the admins');
    expect(
      String(
        h.api
          .succeeded('sendMessage')
          .filter((c) => c.chatId === '980')
          .at(-1)!.payload.text,
      ),
    ).toContain('Access request from Trader981');
    await first.send('/approve 981');
    expect(first.lastText()).toContain('✅ Approved Trader981');
    await second.send('/start');
    expect(second.lastText()).toContain('Welcome back');
    expect(second.lastText()).not.toContain('admin');
  });
});
