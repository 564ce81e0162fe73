import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBotHarness, type BotHarness, type TestUser } from '../support/bot-harness.js';
import { startHashKeyServer, type HashKeyServer } from '../support/hashkey-server.js';

const ACCOUNT = '/api/v1/account';
const WRONG_KEY = 'wrong-hashkey-api-key-9999888877776666';

let h: BotHarness;
let hk: HashKeyServer;
let admin: TestUser;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;

const userId = async (u: TestUser) => (await h.hub.users.byTelegramId(u.id))!.id;
const accountCalls = () => hk.requests.filter((r) => r.path === ACCOUNT).length;

async function setPnl(agentId: string, realized: number, unrealized: number): Promise<void> {
  await h.orm.em
    .getConnection()
    .execute('update agents set realized_pnl = ?, unrealized_pnl = ? where id = ?', [realized, unrealized, agentId]);
}

beforeAll(async () => {
  hk = await startHashKeyServer({ balances: { USDT: 1234.5, BTC: 0.12345678, ETH: 0 } });
  // The stand-in's key pair is also the server-wide one: it must reach admins only.
  h = await createBotHarness({
    env: {
      ACCESS_MODE: 'open',
      ADMIN_TELEGRAM_IDS: '1900',
      HASHKEY_BASE_URL: hk.url,
      HASHKEY_API_KEY: hk.apiKey,
      HASHKEY_SECRET: hk.secret,
    },
  });
  [admin, alice, bob, carol] = [h.user(1900), h.user(1901), h.user(1902), h.user(1903)];
  for (const u of [admin, alice, bob, carol]) await u.send('/start');

  const aliceId = await userId(alice);
  const a = await h.hub.agents.create(aliceId, { symbol: 'BTCUSDT', amountUsdt: 500, name: 'btc-paper' });
  const b = await h.hub.agents.create(aliceId, { symbol: 'ETHUSDT', amountUsdt: 1000, name: 'eth-paper' });
  const live = await h.hub.agents.create(aliceId, { symbol: 'BTCUSDT', amountUsdt: 200, name: 'btc-live', liveMode: true });
  await setPnl(a.id, -2, 12.5);
  await setPnl(b.id, 40.25, -5.75);
  await setPnl(live.id, 99, 99);
  const other = await h.hub.agents.create(await userId(bob), { symbol: 'SOLUSDT', amountUsdt: 9000, name: 'bobs-agent' });
  await setPnl(other.id, 1000, 1000);
});
afterAll(async () => {
  await h?.close();
  await hk?.close();
});

describe('/balance', () => {
  it('paper equity per agent and the total, computed by hand; only the caller’s agents', async () => {
    // btc-paper: 500 − 2 + 12.5 = 510.50; eth-paper: 1000 + 40.25 − 5.75 = 1034.50; total 1545.00.
    await alice.send('/balance');
    const text = alice.lastText();
    expect(text).toContain('<b>Paper</b> · equity = capital + realised + unrealised PnL (USDT)');
    expect(text).toContain('• <b>btc-paper</b> · BTCUSDT · <b>510.50</b> (capital 500 · realised −2.00 · unrealised +12.50)');
    expect(text).toContain('• <b>eth-paper</b> · ETHUSDT · <b>1,034.50</b> (capital 1,000 · realised +40.25 · unrealised −5.75)');
    expect(text).toContain('Total: <b>1,545.00 USDT</b> (capital 1,500 · realised +38.25 · unrealised +6.75)');
    expect(text).toContain('Live agents (their funds are in your HashKey account): btc-live');
    expect(text).not.toContain('bobs-agent');
    expect(text).not.toContain('9,000');
  });

  it('without keys of their own, a non-admin sees only paper: the server account is not theirs', async () => {
    const before = accountCalls();
    await bob.send('/balance');
    const text = bob.lastText();
    expect(text).toContain('• <b>bobs-agent</b> · SOLUSDT · <b>11,000.00</b>');
    expect(text).not.toContain('HashKey spot');
    expect(text).not.toContain('1,234.5');
    expect(text).toContain('Store your HashKey API key and secret with /secrets to see your live spot balances here.');
    expect(accountCalls()).toBe(before);
    await carol.send('/balance');
    expect(carol.lastText()).toContain('No paper agents. /create one.');
  });

  it('an admin without own keys sees the server account, labelled as such', async () => {
    await admin.send('/balance');
    expect(admin.lastText()).toContain("<b>HashKey spot</b> (the server's keys)");
  });

  it('with HashKey keys the live spot balances follow, signed, zero balances hidden', async () => {
    const aliceId = await userId(alice);
    await h.vault.set(aliceId, 'HASHKEY_API_KEY', hk.apiKey);
    await h.vault.set(aliceId, 'HASHKEY_SECRET', hk.secret);
    const before = accountCalls();
    await alice.send('/balance');
    const text = alice.lastText();
    expect(text).toContain('<b>HashKey spot</b> (your keys)\n• USDT <b>1,234.5</b>\n• BTC <b>0.12345678</b>');
    expect(text).not.toContain('ETH <b>');
    expect(text).toContain('Total: <b>1,545.00 USDT</b>');
    const call = hk.requests.at(-1)!;
    expect(accountCalls()).toBe(before + 1);
    expect(call).toMatchObject({ path: ACCOUNT, method: 'GET', status: 200, apiKey: hk.apiKey });
    expect(call.query).toMatch(/signature=/);
  });

  it('a refused key is said with the exchange code and where to fix it, never the key', async () => {
    const carolId = await userId(carol);
    await h.vault.set(carolId, 'HASHKEY_API_KEY', WRONG_KEY);
    await h.vault.set(carolId, 'HASHKEY_SECRET', hk.secret);
    await carol.send('/balance');
    expect(carol.lastText()).toContain(
      "⚠️ HashKey refused your API key (code 0102). Check it with /secrets (copied whole, reading enabled, this server's IP allowed).",
    );
    // The right key with a wrong secret: the signature does not verify.
    await h.vault.set(carolId, 'HASHKEY_API_KEY', hk.apiKey);
    await h.vault.set(carolId, 'HASHKEY_SECRET', 'not-the-secret-0123456789abcdef');
    await carol.send('/balance');
    expect(carol.lastText()).toContain('⚠️ HashKey refused your API key (code 0002).');
    const everything = [...h.api.calls.map((c) => JSON.stringify(c.payload)), ...h.logs].join('\n');
    for (const secret of [WRONG_KEY, hk.secret, 'not-the-secret-0123456789abcdef']) expect(everything).not.toContain(secret);
  });

  it('is refused in groups, even for admins', async () => {
    const group = h.user(1900, -5_001, 'group');
    await group.send('/balance');
    expect(group.lastText()).toBe('💼 Balances only in a private chat with me.');
  });
});
