/**
 * The throttled progress message (src/bot/progress-message.ts) against the Bot API stand-in, on a
 * clock that moves only when told: at most one edit per 2 s, the latest state wins, a shown view
 * goes out at once, nothing after the final one, and "message is not modified" is no error.
 */
import { Api } from 'grammy';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createProgressMessage } from '../../src/bot/progress-message.js';
import { fieldText, startBotApiServer, type BotApiServer } from '../support/bot-api-server.js';
import { createManualClock, type ManualClock } from '../support/manual-clock.js';

const TOKEN = '7000000002:AAprogress-message-test-token-000001';
const CHAT = 4242;
let server: BotApiServer;
let api: Api;
let clock: ManualClock;
let errors: unknown[];

beforeAll(async () => {
  server = await startBotApiServer({ token: TOKEN });
  api = new Api(TOKEN, { apiRoot: server.apiRoot });
});
afterAll(async () => server?.close());
beforeEach(() => {
  server.reset();
  clock = createManualClock();
  errors = [];
});

async function message() {
  const sent = await api.sendMessage(CHAT, 'start');
  return createProgressMessage({ api, chatId: CHAT, messageId: sent.message_id, timers: clock, onError: (e) => errors.push(e) });
}

const edits = () => server.succeeded('editMessageText').map((c) => fieldText(c.payload.text));

describe('progress message', () => {
  it('edits at most once per 2 s, and the latest state wins', async () => {
    const p = await message();
    p.update({ text: 'a' });
    p.update({ text: 'b' });
    p.update({ text: 'c' });
    await p.settled();
    expect(edits()).toEqual(['a']);
    clock.advance(1_999);
    await p.settled();
    expect(edits()).toEqual(['a']);
    clock.advance(1);
    await p.settled();
    expect(edits()).toEqual(['a', 'c']);
    // Long after the last edit an update goes out at once.
    clock.advance(10_000);
    p.update({ text: 'd' });
    await p.settled();
    expect(edits()).toEqual(['a', 'c', 'd']);
    expect(errors).toEqual([]);
  });

  it('shows a view at once, drops the one waiting, and stops after the final one', async () => {
    const p = await message();
    p.update({ text: 'progress 1' });
    p.update({ text: 'progress 2' });
    await p.show({ text: 'done' }, true);
    p.update({ text: 'late' });
    clock.advance(5_000);
    await p.settled();
    expect(edits()).toEqual(['progress 1', 'done']);
    expect(clock.pending()).toBe(0);
  });

  it('sends an unchanged view only once, and takes "not modified" from Telegram as success', async () => {
    const p = await message();
    await p.show({ text: 'same' });
    await p.show({ text: 'same' });
    expect(edits()).toEqual(['same']);
    const other = await message();
    await other.show({ text: 'start' }); // the text it already has: Telegram says "not modified"
    expect(server.callsTo('editMessageText').at(-1)!.status).toBe(400);
    expect(errors).toEqual([]);
  });

  it('carries buttons, and an edit without them removes them', async () => {
    const p = await message();
    const markup = { inline_keyboard: [[{ text: 'Cancel', callback_data: 'x' }]] };
    await p.show({ text: 'running', markup });
    await p.show({ text: 'over' }, true);
    const [first, second] = server.succeeded('editMessageText');
    expect(first!.payload.reply_markup).toEqual(markup);
    expect(second!.payload.reply_markup).toBeUndefined();
  });

  it('reports an edit Telegram refuses and goes on', async () => {
    const p = await message();
    server.failNext({ code: 400, description: 'Bad Request: message to edit not found', method: 'editMessageText' });
    await p.show({ text: 'one' });
    await p.show({ text: 'two' });
    expect(errors).toHaveLength(1);
    expect(edits()).toEqual(['two']);
  });
});
