import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBotHarness, type BotHarness, type TestUser } from '../support/bot-harness.js';
import { CMC_TEST_KEY, startCmcServer, type CmcServer } from '../support/cmc-server.js';

const QUOTES = '/v2/cryptocurrency/quotes/latest';
const WRONG_KEY = 'wrong-cmc-key-0000111122223333';

let h: BotHarness;
let cmc: CmcServer;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  cmc = await startCmcServer();
  // No server-wide CMC_API_KEY: users bring their own (or /info says it is not configured).
  h = await createBotHarness({ env: { ACCESS_MODE: 'open', ADMIN_TELEGRAM_IDS: '777', CMC_BASE_URL: cmc.url } });
  alice = h.user(1801);
  bob = h.user(1802);
  await alice.send('/start');
  await bob.send('/start');
});
afterAll(async () => {
  await h?.close();
  await cmc?.close();
});

const userId = async (u: TestUser) => (await h.hub.users.byTelegramId(u.id))!.id;

describe('/info', () => {
  it('without a CoinMarketCap key says it is not configured and what the operator sets', async () => {
    await alice.send('/info BTC');
    expect(alice.lastText()).toBe(
      '⚠️ /info is not configured on this server: the operator sets CMC_API_KEY (a CoinMarketCap Pro API key). You can also store your own CoinMarketCap key with /secrets.',
    );
    expect(cmc.callCount()).toBe(0);
  });

  it('with a key shows the token card: rank, price, market cap, supplies, 24h change and links', async () => {
    await h.vault.set(await userId(alice), 'CMC_API_KEY', CMC_TEST_KEY);
    await alice.send('/info btcusdt');
    const card = alice.lastText();
    expect(card).toContain('🪙 <b>Bitcoin</b> (BTC) · rank #1');
    expect(card).toContain('Price: $65,432.1 · 24h −1.25%');
    expect(card).toContain('Market cap: $1.29T · Volume 24h: $31B');
    expect(card).toContain('Supply: circulating 19.7M · total 19.7M · max 21M');
    expect(card).toContain(
      '🔗 <a href="https://bitcoin.org/">Website</a> · <a href="https://blockchain.info/">Explorer</a> · <a href="https://github.com/bitcoin/bitcoin">Source code</a>',
    );
    expect(card).not.toContain('Twitter');
    expect(card).toMatch(/<i>CoinMarketCap · as of \d{4}-\d\d-\d\d \d\d:\d\d UTC<\/i>$/);
    const sent = h.api.succeeded('sendMessage').at(-1)!.payload;
    expect(sent).toMatchObject({ parse_mode: 'HTML', link_preview_options: { is_disabled: true } });
  });

  it('the same token again within the day comes from the cache', async () => {
    const before = cmc.callCount();
    await bob.send('/info BTC');
    // Bob has no key of his own and the server none: the cache does not bypass that.
    expect(bob.lastText()).toContain('/info is not configured');
    await alice.send('/info BTC');
    expect(alice.lastText()).toContain('(cached, refreshed daily)');
    expect(cmc.callCount()).toBe(before);
  });

  it('an ambiguous ticker shows the highest-ranked active token and says others share it', async () => {
    await alice.send('/info eth');
    expect(alice.lastText()).toContain('🪙 <b>Ethereum</b> (ETH) · rank #2');
    expect(alice.lastText()).toContain(
      'ℹ️ 2 other tokens on CoinMarketCap also use the ticker ETH; this is the highest-ranked active one.',
    );
    expect(alice.lastText()).toContain('max none');
  });

  it('bad input, unknown tickers and rate limits get specific messages', async () => {
    await alice.send('/info');
    expect(alice.lastText()).toBe('⚠️ Which token? Send a ticker like /info BTC, or a pair like /info BTCUSDT.');
    await alice.send('/info BTC/USDT');
    expect(alice.lastText()).toBe('⚠️ "BTC/USDT" is not a token ticker. Send a ticker like /info BTC, or a pair like /info BTCUSDT.');
    await alice.send('/info NOPE');
    expect(alice.lastText()).toBe('⚠️ CoinMarketCap lists no active token with the ticker NOPE. Check the spelling.');
    cmc.failNext(1009);
    await alice.send('/info SOL');
    expect(alice.lastText()).toBe('⚠️ CoinMarketCap is rate-limiting us. The daily allowance is spent; try again after 00:00 UTC.');
  });

  it('a refused key tells its owner to replace it, and the key appears nowhere', async () => {
    await h.vault.set(await userId(bob), 'CMC_API_KEY', WRONG_KEY);
    const calls = cmc.callCount(QUOTES);
    await bob.send('/info SOL');
    expect(bob.lastText()).toBe(
      "⚠️ CoinMarketCap refused your CoinMarketCap key (the key is invalid, code 1001). Replace it with /secrets, or delete it there to use the server's.",
    );
    expect(cmc.callCount(QUOTES)).toBe(calls + 1);
    const everything = [...h.api.calls.map((c) => JSON.stringify(c.payload)), ...h.logs].join('\n');
    expect(everything).not.toContain(WRONG_KEY);
    expect(everything).not.toContain(CMC_TEST_KEY);
  });

  it('is listed in /help', async () => {
    await alice.send('/help');
    expect(alice.lastText()).toContain('/info — Token facts from CoinMarketCap: /info BTC');
    expect(alice.lastText()).toContain('/balance — Paper equity per agent and your HashKey balances');
  });
});
