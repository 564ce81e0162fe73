/**
 * /admin through the Bot API stand-in over a real hub and PostgreSQL: an admin sees the
 * operator's figures (users and agents by status, host, queues, market, chain, the last crash),
 * anyone else gets the unknown-command answer, and Refresh edits the same message in place with
 * fresh figures. The readings are the ones /metrics uses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminFeature } from '../../src/bot/features/admin.js';
import { createOpsReadings, type OpsReadings } from '../../src/hub/ops/readings.js';
import { createBotHarness, type BotHarness } from '../support/bot-harness.js';

const ADMIN = 800;
let h: BotHarness;
let readings: OpsReadings;

beforeAll(async () => {
  h = await createBotHarness({
    env: { ACCESS_MODE: 'open', ADMIN_TELEGRAM_IDS: String(ADMIN) },
    // The readings need the harness's database: built once the harness is.
    extraFeatures: (hub) => [createAdminFeature({ users: hub.users, readings: { snapshot: () => readings.snapshot() } })],
  });
  readings = createOpsReadings({
    orm: h.orm,
    events: h.hub.events,
    chain: h.hub.chain,
    market: h.hub.market,
    backtests: h.hub.backtests,
    outbound: () => ({ waiting: 3 }),
  });
});
afterAll(async () => {
  readings?.close();
  await h?.close();
});

const editsTo = (chat: number) => h.api.succeeded('editMessageText').filter((c) => c.chatId === String(chat));

describe('/admin', () => {
  it('shows an admin the figures, and refuses anyone else like an unknown command', async () => {
    const admin = h.user(ADMIN);
    await admin.send('/start');
    const trader = h.user(801);
    await trader.send('/start');
    const ownerId = (await h.hub.users.byTelegramId(801))!.id;
    const agent = await h.hub.agents.create(ownerId, { name: 'runner', symbol: 'BTCUSDT', amountUsdt: 100 });
    await h.hub.lifecycle.start(ownerId, agent.id);
    await h.hub.agents.create(ownerId, { name: 'idle', symbol: 'ETHUSDT', amountUsdt: 100 });

    await trader.send('/admin');
    expect(trader.lastText()).toBe("I don't know /admin. Send /help for the list of commands.");

    await admin.send('/admin');
    const view = admin.lastText();
    expect(view).toContain('Operator view');
    expect(view).toContain('👥 Users: 2 active');
    expect(view).toContain('🤖 Agents: 1 created · 1 running');
    expect(view).toMatch(/🖥 Host: load \d+\.\d\d \/ \d+\.\d\d \/ \d+\.\d\d on \d+ cores · memory \d+\.\d of \d+\.\d GiB used · hub \d+ MB/);
    expect(view).toContain('📬 Queues: outbound 3 · chain outbox 0 · backtests 0 waiting, 0 running');
    expect(view).toContain('📈 Market: simulated (no daily credit budget)');
    expect(view).toContain('⛓ Chain: off · outbox 0 waiting');
    expect(view).toContain('💥 Last crash: none since the hub started');
    expect(admin.lastButtons()).toEqual([`adm:${ADMIN.toString(36)}:r`]);
  });

  it('Refresh edits the same message with fresh figures; only the asker may press it', async () => {
    const admin = h.user(ADMIN);
    const sent = h.api.succeeded('sendMessage').filter((c) => c.chatId === String(ADMIN));
    const messageId = sent.length; // the stand-in numbers each chat's messages from 1
    const ownerId = (await h.hub.users.byTelegramId(801))!.id;
    const [runner] = (await h.hub.agents.list(ownerId)).filter((a) => a.name === 'runner');
    h.hub.events.emit('agent.crashed', {
      agentId: runner.id,
      ownerId,
      agentName: 'runner',
      exitCode: 137,
      oom: true,
      reason: 'out of memory',
      lastLogs: [],
      willRestart: false,
    });

    await admin.press(`adm:${ADMIN.toString(36)}:r`, messageId);
    const [edit] = editsTo(ADMIN);
    expect(edit.payload.message_id).toBe(messageId);
    expect(String(edit.payload.text)).toContain(`💥 Last crash: <b>runner</b> <code>${runner.id.slice(0, 8)}</code>`);
    expect(String(edit.payload.text)).toContain(': out of memory');
    expect(h.api.messageText(ADMIN, messageId)).toContain('out of memory');
    expect(h.api.succeeded('sendMessage').filter((c) => c.chatId === String(ADMIN))).toHaveLength(sent.length); // no new message
    expect(h.api.callsTo('answerCallbackQuery').at(-1)!.payload.text).toBe('Refreshed');

    // A non-admin pressing an admin's button (data forged or forwarded) is refused.
    await h.user(801).press(`adm:${ADMIN.toString(36)}:r`, messageId);
    expect(h.api.callsTo('answerCallbackQuery').at(-1)!.payload.text).toBe('Only admins can see this.');
    expect(editsTo(ADMIN)).toHaveLength(1);
  });
});
