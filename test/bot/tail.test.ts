/**
 * /tail on a manual clock against the Bot API stand-in and a real database: one message edited
 * with new lines at most every 2 s (only when there are new lines), 429 honoured, ⏹ Stop,
 * 10-minute expiry, length limit, replacement, and owner scoping.
 */
import { Api, Bot } from 'grammy';
import type { Update, UserFromGetMe } from 'grammy/types';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock } from '../support/manual-clock.js';
import type { BotContext } from '../../src/bot/context.js';
import { floodRetry } from '../../src/bot/flood-retry.js';
import { createTailFeature } from '../../src/bot/features/tail.js';
import { createTailManager, type TailManager } from '../../src/bot/tail/tail-manager.js';
import type { Orm } from '../../src/db/orm.js';
import { createAgentDirectory } from '../../src/hub/agents/agent-directory.js';
import { createLogQuery } from '../../src/hub/agents/agent-logs.js';
import { createUserService, type UserView } from '../../src/hub/users.js';
import { fieldText, startBotApiServer, type BotApiServer } from '../support/bot-api-server.js';
import { createTestOrm } from '../support/db.js';

let orm: Orm;
let closeDb: () => Promise<void>;
let server: BotApiServer;
let alice: UserView;
let bob: UserView;
let agentId: string;
let clock: ManualClock;
let tails: TailManager;
let bot: Bot<BotContext>;
let seq = 0;
let updateId = 1;

const botInfo = {
  id: 1,
  is_bot: true,
  first_name: 'Artic',
  username: 'artic_test_bot',
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
} as UserFromGetMe;

beforeAll(async () => {
  const t = await createTestOrm('tail');
  orm = t.orm;
  closeDb = t.close;
  const users = createUserService({ orm, accessMode: 'open', adminIds: [] });
  alice = (await users.register(6001, 'Alice')).user;
  bob = (await users.register(6002, 'Bob')).user;
  const agents = createAgentDirectory({ orm, limits: { maxLeverage: 20 } });
  agentId = (await agents.create(alice.id, { symbol: 'BTCUSDT', amountUsdt: 500, name: 'tracker' })).id;
  server = await startBotApiServer({ now: () => clock.now() });
});

afterAll(async () => {
  await tails?.stopAll();
  await server.close();
  await closeDb();
});

beforeEach(async () => {
  await tails?.stopAll();
  server.reset();
  clock = createManualClock();
  const logs = createLogQuery(orm);
  tails = createTailManager({ logs, clock });
  const agents = createAgentDirectory({ orm, limits: { maxLeverage: 20 } });
  bot = new Bot<BotContext>('1:test', { botInfo, client: { apiRoot: server.apiRoot } });
  bot.use(async (ctx, next) => {
    ctx.trader = ctx.from?.id === alice.telegramId ? alice : ctx.from?.id === bob.telegramId ? bob : undefined;
    await next();
  });
  bot.use(createTailFeature({ agents, logs, tails, clock }));
});

async function log(level: 'debug' | 'info' | 'warn' | 'error', message: string): Promise<void> {
  seq += 1;
  await orm.em
    .getConnection()
    .execute('insert into log_entries (agent_id, seq, level, message, ts) values (?, ?, ?, ?, ?)', [
      agentId,
      seq,
      level,
      message,
      new Date(clock.now()),
    ]);
}

const from = (id: number) => ({ id, is_bot: false, first_name: 'T' });
const command = (id: number, text: string): Update => ({
  update_id: updateId++,
  message: {
    message_id: updateId,
    date: 1,
    chat: { id, type: 'private', first_name: 'T' },
    from: from(id),
    text,
    entities: [{ type: 'bot_command', offset: 0, length: text.split(' ')[0]!.length }],
  },
});
const press = (id: number, messageId: number, data: string): Update => ({
  update_id: updateId++,
  callback_query: {
    id: String(updateId),
    from: from(id),
    chat_instance: 'c',
    data,
    message: { message_id: messageId, date: 1, chat: { id, type: 'private', first_name: 'T' }, text: 'x' },
  },
});

/** Moves the clock in 500 ms steps (round times fall on step ends), letting each round finish. */
async function elapse(ms: number): Promise<void> {
  for (let done = 0; done < ms; done += 500) {
    clock.advance(500);
    await tails.idle();
  }
}

const edits = () => server.succeeded('editMessageText');
const lastText = () => fieldText(edits().at(-1)?.payload.text);

describe('/tail', () => {
  it('sends one message with the newest lines, then edits it only when new lines arrive, at most every 2 s', async () => {
    await log('info', 'booted <ok> & ready');
    await bot.handleUpdate(command(6001, '/tail tracker'));
    const [first] = server.succeeded('sendMessage');
    expect(String(first!.payload.text)).toContain('booted &lt;ok&gt; &amp; ready');
    expect(JSON.stringify(first!.payload.reply_markup)).toContain(`tail:stop:${agentId}`);

    await elapse(4000);
    expect(edits()).toHaveLength(0); // nothing new, nothing edited

    for (let i = 0; i < 6; i++) {
      await log('info', `tick ${i}`);
      await elapse(500);
    }
    await elapse(2000);
    const at = edits().map((c) => c.at);
    expect(at.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(2000);
    expect(edits().every((c) => c.payload.message_id === first!.payload.message_id || c.payload.message_id === 1)).toBe(true);
    expect(lastText()).toContain('tick 5');
    expect(server.calls.filter((c) => c.status === 400)).toHaveLength(0); // no "message is not modified"
    expect(server.succeeded('sendMessage')).toHaveLength(1);
  });

  it('filters by level', async () => {
    await bot.handleUpdate(command(6001, '/tail tracker warn'));
    await log('info', 'chatter');
    await log('error', 'order rejected');
    await elapse(2000);
    expect(lastText()).toContain('order rejected');
    expect(lastText()).not.toContain('chatter');
  });

  it('skips edits while Telegram asks to wait (429 retry_after)', async () => {
    await bot.handleUpdate(command(6001, '/tail tracker'));
    server.failNext({ code: 429, retryAfter: 7, method: 'editMessageText' });
    await log('info', 'first');
    await elapse(2000);
    const flooded = server.callsTo('editMessageText');
    expect(flooded.map((c) => c.status)).toEqual([429]);
    await log('info', 'second');
    await elapse(6500);
    expect(server.callsTo('editMessageText')).toHaveLength(1); // still waiting
    await elapse(1000);
    const ok = edits();
    expect(ok).toHaveLength(1);
    expect(ok[0]!.at - flooded[0]!.at).toBeGreaterThanOrEqual(7000);
    expect(lastText()).toContain('second');
  });

  it("edits through the API it is given, not the update's (which waits out 429s): a flood wait is skipped, not waited for", async () => {
    const retrying = new Bot<BotContext>('1:test', { botInfo, client: { apiRoot: server.apiRoot } });
    retrying.api.config.use(floodRetry());
    retrying.use(async (ctx, next) => {
      ctx.trader = alice;
      await next();
    });
    const agents = createAgentDirectory({ orm, limits: { maxLeverage: 20 } });
    retrying.use(
      createTailFeature({ agents, logs: createLogQuery(orm), tails, clock, api: new Api('1:test', { apiRoot: server.apiRoot }) }),
    );
    await retrying.handleUpdate(command(6001, '/tail tracker'));
    server.failNext({ code: 429, retryAfter: 1, method: 'editMessageText' });
    await log('info', 'first');
    await elapse(2000);
    expect(server.callsTo('editMessageText').map((c) => c.status)).toEqual([429]);
  });

  it('stops on ⏹ and removes the button', async () => {
    await bot.handleUpdate(command(6001, '/tail tracker'));
    const messageId = server.succeeded('sendMessage')[0]!.payload.message_id as number;
    await bot.handleUpdate(press(6001, messageId, `tail:stop:${agentId}`));
    expect(lastText()).toContain('⏹ Tail stopped.');
    expect(edits().at(-1)!.payload.reply_markup).toBeUndefined();
    expect(tails.active()).toHaveLength(0);
    const count = server.callsTo('editMessageText').length;
    await log('info', 'after stop');
    await elapse(6000);
    expect(server.callsTo('editMessageText')).toHaveLength(count);
  });

  it('stops by itself after 10 minutes and says so', async () => {
    await bot.handleUpdate(command(6001, '/tail tracker'));
    await elapse(9 * 60_000);
    expect(tails.active()).toHaveLength(1);
    await elapse(60_000);
    expect(tails.active()).toHaveLength(0);
    expect(lastText()).toContain('Tail stopped after 10 minutes');
    expect(edits().at(-1)!.payload.reply_markup).toBeUndefined();
  });

  it('keeps the message under 4096 characters by dropping the oldest lines', async () => {
    await bot.handleUpdate(command(6001, '/tail tracker'));
    for (let i = 0; i < 60; i++) await log('info', `line ${String(i).padStart(2, '0')} ${'<x>'.repeat(100)}`);
    await elapse(2000);
    const text = lastText();
    expect(text.length).toBeLessThanOrEqual(4096);
    expect(text).toContain('line 59');
    expect(text).not.toContain('line 00');
  });

  it('replaces an earlier tail of the same agent in the same chat', async () => {
    await bot.handleUpdate(command(6001, '/tail tracker'));
    await bot.handleUpdate(command(6001, '/tail tracker error'));
    expect(server.succeeded('sendMessage')).toHaveLength(2);
    expect(tails.active()).toHaveLength(1);
    expect(tails.active()[0]!.level).toBe('error');
    expect(lastText()).toContain('Replaced by a newer tail');
  });

  it("treats another user's agent as not found (command and card button)", async () => {
    await bot.handleUpdate(command(6002, '/tail tracker'));
    await bot.handleUpdate(command(6002, `/tail ${agentId.slice(0, 8)}`));
    await bot.handleUpdate(press(6002, 1, `tail:${agentId}`));
    const texts = server.succeeded('sendMessage').map((c) => String(c.payload.text));
    expect(texts).toHaveLength(3);
    for (const t of texts) expect(t).toMatch(/No agent matches/);
    expect(tails.active()).toHaveLength(0);
  });

  it('starts from the agent card button for the owner', async () => {
    await bot.handleUpdate(press(6001, 1, `tail:${agentId}`));
    expect(server.succeeded('answerCallbackQuery')).toHaveLength(1);
    expect(tails.active()).toEqual([expect.objectContaining({ agentId, chatId: 6001, level: 'info' })]);
  });

  it('explains its usage', async () => {
    await bot.handleUpdate(command(6001, '/tail'));
    await bot.handleUpdate(command(6001, '/tail tracker loud'));
    const texts = server.succeeded('sendMessage').map((c) => String(c.payload.text));
    expect(texts.every((t) => t.startsWith('Usage: /tail'))).toBe(true);
  });
});
