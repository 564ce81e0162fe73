/**
 * /broadcast over the real bot, hub and PostgreSQL, delivered by the real outbound queue to the
 * Bot API stand-in: the confirmation states the count, Send queues one message per active user
 * (pending and denied users get nothing), a second Send and Cancel send nothing, non-admins and
 * empty texts get clear answers, and a flow gives way to it like to any other command.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBroadcastFeature } from '../../src/bot/features/broadcast.js';
import { createOutboundQueue, type OutboundQueue } from '../../src/bot/outbound-queue.js';
import { fieldText } from '../support/bot-api-server.js';
import { createBotHarness, type BotHarness } from '../support/bot-harness.js';

const ADMIN = 900;
const ACTIVE = [1001, 1002, 1003];
const PENDING = 1004;
const DENIED = 1005;

let h: BotHarness;
let queue: OutboundQueue;

beforeAll(async () => {
  h = await createBotHarness({
    env: { ACCESS_MODE: 'approval', ADMIN_TELEGRAM_IDS: String(ADMIN) },
    extraFeatures: (hub) => [createBroadcastFeature({ users: hub.users, queue: { enqueue: (m) => queue.enqueue(m) } })],
  });
  queue = createOutboundQueue({ store: h.hub.alerts.outbox, api: h.artic.directApi, perChatIntervalMs: 1, globalPerSecond: 1000 });
  await queue.start();
  await h.user(ADMIN).send('/start');
  for (const id of [...ACTIVE, PENDING, DENIED]) await h.user(id).send('/start');
  for (const id of ACTIVE) await h.user(ADMIN).send(`/approve ${id}`);
  await h.user(ADMIN).send(`/deny ${DENIED}`);
});

afterAll(async () => {
  await queue?.stop();
  await h?.close();
});

/** Messages the queue delivered to `chat` with exactly this text. */
const received = (chat: number, text: string) =>
  h.api.succeeded('sendMessage').filter((c) => c.chatId === String(chat) && c.payload.text === text).length;
const lastCallbackAnswer = () => fieldText(h.api.callsTo('answerCallbackQuery').at(-1)?.payload.text);
const lastEdit = (chat: number) =>
  fieldText(
    h.api
      .succeeded('editMessageText')
      .filter((c) => c.chatId === String(chat))
      .at(-1)?.payload.text,
  );
const queued = async () => {
  const counts = await h.hub.alerts.outbox.counts();
  return counts.sent + counts.pending + counts.failed;
};

describe('/broadcast', () => {
  it('is an unknown command to a user who is not an admin, and queues nothing', async () => {
    const user = h.user(ACTIVE[0]!);
    await user.send('/broadcast hello everyone');
    expect(user.lastText()).toBe("I don't know /broadcast. Send /help for the list of commands.");
    expect(await queued()).toBe(0);
  });

  it('says what to type when the text is empty', async () => {
    const admin = h.user(ADMIN);
    await admin.send('/broadcast   ');
    expect(admin.lastText()).toContain('Nothing to send. Type the message after the command');
    expect(admin.lastText()).toContain('/broadcast Maintenance tonight');
    expect(admin.lastButtons()).toEqual([]);
  });

  it('confirms with the count, then queues one message per active user; a second Send sends nothing', async () => {
    const admin = h.user(ADMIN);
    const text = 'Maintenance at <22:00> UTC & agents restart';
    const escaped = 'Maintenance at &lt;22:00&gt; UTC &amp; agents restart';
    await admin.send(`/broadcast ${text}`);
    expect(admin.lastText()).toContain('📣 Send to 4 active users?');
    expect(admin.lastText()).toContain(`<blockquote>${escaped}</blockquote>`);
    const [send, cancel] = admin.lastButtons();
    expect(send).toMatch(/^bc:[0-9a-z]+:send:[0-9a-f]{8}$/);
    expect(cancel).toMatch(/^bc:[0-9a-z]+:cancel:[0-9a-f]{8}$/);
    expect(await queued()).toBe(0);

    await admin.press(send!);
    expect(lastCallbackAnswer()).toBe('Queued for 4 active users');
    expect(lastEdit(ADMIN)).toContain('📣 Queued for 4 active users');
    await queue.settled();
    for (const id of [ADMIN, ...ACTIVE]) expect(received(id, escaped)).toBe(1);
    expect(
      h.api.calls.filter(
        (c) => c.method === 'sendMessage' && [String(PENDING), String(DENIED)].includes(c.chatId ?? '') && c.payload.text === escaped,
      ),
    ).toEqual([]);
    const sentRows = await h.orm.em
      .getConnection()
      .execute<Array<{ n: number }>>(`select count(*)::int as n from outbound_messages where event_type = 'broadcast'`);
    expect(sentRows[0]!.n).toBe(4);

    await admin.press(send!);
    expect(lastCallbackAnswer()).toBe('This broadcast was already sent or cancelled.');
    await queue.settled();
    for (const id of [ADMIN, ...ACTIVE]) expect(received(id, escaped)).toBe(1);
    expect(await queued()).toBe(4);
  });

  it('Cancel sends nothing, and the cancelled confirmation cannot be sent afterwards', async () => {
    const admin = h.user(ADMIN);
    const before = await queued();
    await admin.send('/broadcast never sent');
    const [send, cancel] = admin.lastButtons();
    await admin.press(cancel!);
    expect(lastEdit(ADMIN)).toBe('✖️ Broadcast cancelled: nothing was sent.');
    await admin.press(send!);
    expect(lastCallbackAnswer()).toBe('This broadcast was already sent or cancelled.');
    await queue.settled();
    expect(await queued()).toBe(before);
    for (const id of [ADMIN, ...ACTIVE]) expect(received(id, 'never sent')).toBe(0);
  });

  it('a newer /broadcast replaces the pending one: the older confirmation sends nothing', async () => {
    const admin = h.user(ADMIN);
    await admin.send('/broadcast first draft');
    const [oldSend] = admin.lastButtons();
    await admin.send('/broadcast second draft');
    await admin.press(oldSend!);
    expect(lastCallbackAnswer()).toBe('This broadcast was already sent or cancelled.');
    const [, cancel] = admin.lastButtons();
    await admin.press(cancel!);
    await queue.settled();
    expect(received(ADMIN, 'first draft') + received(ADMIN, 'second draft')).toBe(0);
  });

  it("refuses another user's press on the admin's confirmation", async () => {
    const admin = h.user(ADMIN);
    await admin.send('/broadcast not yours');
    const [send, cancel] = admin.lastButtons();
    await h.user(ACTIVE[1]!).press(send!);
    expect(lastCallbackAnswer()).toContain('belong to another user');
    await admin.press(cancel!);
    await queue.settled();
    expect(received(ACTIVE[1]!, 'not yours')).toBe(0);
  });

  it('ends an open flow for an admin like any command; for anyone else the flow stays open', async () => {
    const admin = h.user(ADMIN);
    await admin.send('/create');
    await admin.send('/broadcast during a flow');
    expect(admin.texts().slice(-2)).toEqual([
      '✖️ /create closed to run /broadcast.',
      expect.stringContaining('📣 Send to 4 active users?'),
    ]);
    await admin.press(admin.lastButtons()[1]!);

    const user = h.user(ACTIVE[2]!);
    await user.send('/create');
    await user.send('/broadcast sneaky');
    expect(user.lastText()).toBe("I don't know /broadcast. You are still in /create: answer the question above, or send /cancel.");
    await user.send('/cancel');
  });
});
