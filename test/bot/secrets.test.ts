import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBotHarness, type BotHarness } from '../support/bot-harness.js';

let h: BotHarness;
beforeAll(async () => {
  h = await createBotHarness({ env: { ACCESS_MODE: 'open' } });
});
afterAll(async () => h?.close());

const OPENAI = 'sk-proj-OPENAIsecret0123456789abcdWXYZ';
const ANTHROPIC = 'sk-ant-api03-ANTHROPICsecret987654321QRST';
const HK_KEY = 'hkApiKeyLIVE0123456789abcdefKEY1';
const HK_SECRET = 'hkSecretLIVE0123456789abcdefSEC2';
const PASTED = 'sk-ant-api03-PASTEDoutsideAflow55554444ZZZZ';
const LATE = 'AIzaSyLATEkeyAfterExpiry0123456789abcd';
const ALL = [OPENAI, ANTHROPIC, HK_KEY, HK_SECRET, PASTED, LATE];

const userId = async (telegramId: number) => (await h.hub.users.byTelegramId(telegramId))!.id;
const deletedIds = (chat: number) =>
  h.api
    .callsTo('deleteMessage')
    .filter((c) => c.chatId === String(chat))
    .map((c) => Number(c.payload.message_id));

describe('secrets', () => {
  it('/secrets: the message with the key is deleted, the value is stored encrypted, only the mask is shown', async () => {
    const alice = h.user(601);
    await alice.send('/start');
    await alice.send('/secrets');
    expect(alice.lastText()).toContain('You have no secrets stored');
    await alice.press('s:set');
    await alice.press('s:n:OPENAI_API_KEY');
    await alice.press('s:scope:user');
    expect(alice.lastText()).toContain('Send your <b>OpenAI key</b>');

    // A malformed value: deleted too, refused with a reason, and the same question stays open.
    const bad = await alice.send('not a key');
    expect(deletedIds(601)).toContain(bad);
    expect(alice.lastText()).toContain('has no spaces or line breaks');
    expect(alice.lastText()).toContain('I deleted your message');

    const good = await alice.send(OPENAI);
    expect(deletedIds(601)).toContain(good);
    const confirmation = alice.texts().at(-2)!;
    expect(confirmation).toContain('Saved your OpenAI key (••••WXYZ), encrypted. I deleted your message.');
    expect(alice.lastText()).toContain('<b>OPENAI_API_KEY</b> ••••WXYZ');
    await alice.press('s:done');

    expect(await h.vault.resolve(await userId(601), 'OPENAI_API_KEY')).toBe(OPENAI);
    const rows: Array<{ ciphertext: Buffer }> = await h.orm.em
      .getConnection()
      .execute('select ciphertext from secrets where owner_id = ?', [await userId(601)]);
    expect(rows).toHaveLength(1);
    expect(Buffer.from(rows[0]!.ciphertext).includes(Buffer.from(OPENAI))).toBe(false);
  });

  it('adds a key inline from /create and asks for exchange keys before live mode', async () => {
    const bob = h.user(602);
    await bob.send('/start');
    await bob.send('/create');
    for (const step of [
      'f:sym:BTCUSDT',
      'f:name:default',
      'f:amt:500',
      'f:lev:3',
      'f:risk:moderate',
      'f:tf:15m',
      'f:tp:skip',
      'f:sl:skip',
      'f:mode:fixed',
    ])
      await bob.press(step);
    await bob.press('f:llm:add');
    await bob.press('f:addllm:anthropic');
    expect(bob.lastText()).toContain('Send your <b>Anthropic key</b>');
    const keyMessage = await bob.send(ANTHROPIC);
    expect(deletedIds(602)).toContain(keyMessage);
    // With an LLM chosen, /create asks for its daily USD budget before the mode.
    expect(bob.lastText()).toContain('Daily LLM budget in USD');
    await bob.press('f:bud:none');
    expect(bob.lastText()).toContain('Paper trading or live');
    expect(bob.lastButtons()).toEqual(['f:live:paper', 'f:live:live']);
    await bob.press('f:live:live');
    expect(bob.lastText()).toContain('Send your <b>HashKey API key</b>');
    await bob.send(HK_KEY);
    expect(bob.lastText()).toContain('Send your <b>HashKey API secret</b>');
    await bob.send('/frobnicate'); // an unknown command is not a key, and leaves the prompt open
    expect(bob.lastText()).toContain("I don't know /frobnicate. You are still in /create");
    await bob.send(HK_SECRET);
    expect(bob.lastText()).toContain('Summary');
    expect(bob.lastText()).toContain('LLM: anthropic');
    expect(bob.lastText()).toContain('LIVE on HashKey');
    await bob.press('f:sum:cancel');
    const id = await userId(602);
    expect(await h.vault.resolve(id, 'ANTHROPIC_API_KEY')).toBe(ANTHROPIC);
    expect(await h.vault.resolve(id, 'HASHKEY_SECRET')).toBe(HK_SECRET);
  });

  it('deletes a key pasted outside any flow and saves it when the user names it', async () => {
    const carol = h.user(603);
    await carol.send('/start');
    const pasted = await carol.send(PASTED);
    expect(deletedIds(603)).toContain(pasted);
    expect(carol.lastText()).toContain('looks like an API key (••••ZZZZ), so I deleted your message');
    const buttons = carol.lastButtons();
    expect(buttons[0]).toMatch(/^stage:[0-9a-f]{8}:3$/); // ANTHROPIC_API_KEY guessed first
    expect(buttons.at(-1)).toMatch(/:x$/);
    await carol.press(buttons[0]!);
    const edit = h.api
      .succeeded('editMessageText')
      .filter((c) => c.chatId === '603')
      .at(-1)!;
    expect(String(edit.payload.text)).toContain('Saved as your Anthropic key (••••ZZZZ)');
    expect(await h.vault.resolve(await userId(603), 'ANTHROPIC_API_KEY')).toBe(PASTED);
    // Ordinary words are not mistaken for keys.
    await carol.send('hello there');
    expect(carol.lastText()).toBe('Send /help to see what I can do.');
  });

  it('stores an override for one agent of the user only', async () => {
    const dan = h.user(604);
    await dan.send('/start');
    const id = await userId(604);
    const agent = await h.hub.agents.create(id, { symbol: 'SOLUSDT', amountUsdt: 100, name: 'sol-one' });
    await dan.send('/secrets');
    await dan.press('s:set');
    await dan.press('s:n:OPENAI_API_KEY');
    await dan.press('s:scope:agent');
    await dan.send('eth-agent-of-someone-else');
    expect(dan.texts().at(-2)).toContain('No agent matches');
    await dan.send('sol-one');
    await dan.send(OPENAI.replace('WXYZ', 'AGNT'));
    expect(await h.vault.source(id, 'OPENAI_API_KEY', agent.id)).toBe('agent');
    expect(await h.vault.source(id, 'OPENAI_API_KEY')).toBeUndefined();
    expect(dan.lastText()).toContain('••••AGNT — only for sol-one');
  });

  it('offers only the LLM providers the user has a key for, and deletes secrets from /secrets', async () => {
    const alice = h.user(601); // has an OpenAI key from the first test
    await alice.send('/create');
    for (const step of [
      'f:sym:BTCUSDT',
      'f:name:default',
      'f:amt:500',
      'f:lev:3',
      'f:risk:moderate',
      'f:tf:15m',
      'f:tp:skip',
      'f:sl:skip',
      'f:mode:fixed',
    ])
      await alice.press(step);
    expect(alice.lastButtons()).toEqual(['f:llm:openai', 'f:llm:none', 'f:llm:add']);
    await alice.send('/cancel');

    await alice.send('/secrets');
    await alice.press('s:del');
    expect(alice.lastButtons()).toEqual(['s:d:0']);
    await alice.press('s:d:0');
    expect(alice.texts().at(-2)).toBe('🗑 Deleted OPENAI_API_KEY.');
    expect(alice.lastText()).toContain('You have no secrets stored');
    await alice.press('s:done');
    expect(await h.vault.source(await userId(601), 'OPENAI_API_KEY')).toBeUndefined();
  });

  it('a key sent after its prompt expired is still taken out of the chat', async () => {
    const erin = h.user(605);
    await erin.send('/start');
    await erin.send('/secrets');
    await erin.press('s:set');
    await erin.press('s:n:GEMINI_API_KEY');
    await erin.press('s:scope:user');
    h.clock.now += 10 * 60_000 + 1;
    const late = await erin.send(LATE);
    expect(erin.texts().at(-2)).toContain('⌛ /secrets expired');
    expect(deletedIds(605)).toContain(late);
    expect(erin.lastText()).toContain('looks like an API key');
    expect(await h.vault.source(await userId(605), 'GEMINI_API_KEY')).toBeUndefined();
  });

  it('never lets a secret into conversation storage, outgoing calls or logs', async () => {
    const sessions: Array<{ key: string; value: unknown }> = await h.orm.em.getConnection().execute('select key, value from bot_sessions');
    const outgoing = JSON.stringify(h.api.calls.map((c) => c.payload));
    const logs = h.logs.join('\n');
    for (const secret of [...ALL, OPENAI.replace('WXYZ', 'AGNT')]) {
      expect(JSON.stringify(sessions)).not.toContain(secret);
      expect(outgoing).not.toContain(secret);
      expect(logs).not.toContain(secret);
      expect(JSON.stringify(sessions)).not.toContain(secret.slice(0, 16));
    }
    expect(JSON.stringify(sessions)).not.toContain(h.config.telegram.botToken!);
  });
});
