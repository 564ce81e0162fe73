/**
 * Dashboard sign-in over real HTTP against PostgreSQL: Mini App initData (valid, forged,
 * tampered, expired, replayed), access-mode refusals (pending, denied, unknown), /dashboard login
 * codes (single use), the bearer guard (missing, bad, revoked tokens) and the OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHarness, type ApiHarness } from '../support/api-harness.js';
import { signInitData } from '../support/init-data.js';

let h: ApiHarness;
const ADMIN = 9101;
const PENDING = 9102;
const DENIED = 9103;

beforeAll(async () => {
  // approval mode: the first user is the admin; later ones wait for a decision.
  h = await createApiHarness({ env: { ACCESS_MODE: 'approval', MINIAPP_MAX_AGE_S: '600' } });
  await h.user(ADMIN).send('/start');
  await h.user(PENDING).send('/start');
  await h.user(DENIED).send('/start');
  await h.hub.access.decide(DENIED, 'deny');
});
afterAll(async () => h?.close());

const session = (body: unknown) => h.call('POST', '/api/v1/session', undefined, body);
const nowS = () => Math.floor(Date.now() / 1000);

describe('POST /api/v1/session with Mini App initData', () => {
  it('exchanges valid initData for a token that works on the API, with the user and its expiry', async () => {
    const res = await session({ initData: h.initData(ADMIN) });
    expect(res.status).toBe(200);
    const body = res.body as { token: string; expiresAt: string; user: { telegramId: number; status: string } };
    expect(body.user).toMatchObject({ telegramId: ADMIN, status: 'active', isAdmin: true });
    const ttlMs = Date.parse(body.expiresAt) - Date.now();
    expect(ttlMs).toBeGreaterThan(7 * 3600_000);
    expect(ttlMs).toBeLessThanOrEqual(8 * 3600_000);
    const me = await h.call('GET', '/api/v1/me', body.token);
    expect(me).toMatchObject({ status: 200, body: { telegramId: ADMIN } });
  });

  it('refuses initData signed with another bot token (forged) with 401', async () => {
    const forged = signInitData({ botToken: '7000000002:AAanother-bot-token', user: { id: ADMIN } });
    const res = await session({ initData: forged });
    expect(res).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    expect(String(res.body.message)).toContain('not signed for this bot');
  });

  it('refuses initData whose user was changed after signing (tampered) with 401', async () => {
    const signed = new URLSearchParams(h.initData(PENDING));
    signed.set('user', JSON.stringify({ id: ADMIN, first_name: 'Mallory' }));
    expect((await session({ initData: signed.toString() })).status).toBe(401);
  });

  it('refuses initData older than MINIAPP_MAX_AGE_S with 401, and accepts it just inside', async () => {
    const old = await session({ initData: h.initData(ADMIN, nowS() - 601) });
    expect(old.status).toBe(401);
    expect(String(old.body.message)).toContain('too old');
    expect((await session({ initData: h.initData(ADMIN, nowS() - 590) })).status).toBe(200);
  });

  it('exchanges an initData once: the replay is 401', async () => {
    const initData = h.initData(ADMIN);
    expect((await session({ initData })).status).toBe(200);
    const replay = await session({ initData });
    expect(replay).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    expect(String(replay.body.message)).toContain('used already');
  });

  it('tells a pending, a denied and an unknown account why with 403, and nothing else', async () => {
    for (const [telegramId, error, words] of [
      [PENDING, 'account_pending', 'waiting for an admin'],
      [DENIED, 'account_denied', 'not approved'],
      [9199, 'account_unknown', 'send /start'],
    ] as const) {
      const res = await session({ initData: h.initData(telegramId) });
      expect(res.status).toBe(403);
      expect(Object.keys(res.body).sort()).toEqual(['error', 'message']);
      expect(res.body.error).toBe(error);
      expect(String(res.body.message)).toContain(words);
    }
  });

  it('refuses a body with both or neither credential, or unknown fields, with 400', async () => {
    for (const body of [{}, { initData: 'a', loginCode: 'b' }, { initData: 'a', extra: 1 }, { initData: '' }]) {
      expect((await session(body)).body.error).toBe('validation_failed');
    }
    expect((await session({ initData: 'no-hash-here' })).status).toBe(401);
  });
});

describe('/dashboard login links', () => {
  it('sends a link with a one-time code that signs in once', async () => {
    await h.user(ADMIN).send('/dashboard');
    const text = h.user(ADMIN).lastText();
    const match = /(http:\/\/127\.0\.0\.1:\d+)\/app#login=([A-Za-z0-9_-]+)/.exec(text);
    expect(match, text).not.toBeNull();
    expect(text).toContain('works once');
    const first = await session({ loginCode: match![2] });
    expect(first).toMatchObject({ status: 200, body: { user: { telegramId: ADMIN } } });
    const again = await session({ loginCode: match![2] });
    expect(again).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    expect((await session({ loginCode: 'made-up-code' })).status).toBe(401);
  });

  it('is refused in a group chat (the link signs its holder in)', async () => {
    await h.user(ADMIN, -5001, 'group').send('/dashboard');
    expect(h.user(ADMIN, -5001, 'group').lastText()).toBe('📊 Dashboard links only in a private chat with me.');
  });
});

describe('the bearer guard of /api/v1', () => {
  it('answers 401 without a token, with a bad one, and with a revoked one', async () => {
    expect(await h.call('GET', '/api/v1/agents')).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    expect((await h.call('GET', '/api/v1/agents', 'not.a.token')).status).toBe(401);
    const agentToken = await h.hub.tokens.mintAgentToken('00000000-0000-4000-8000-000000000000');
    expect((await h.call('GET', '/api/v1/agents', agentToken)).status).toBe(401);
    const token = await h.signIn(ADMIN);
    expect((await h.call('GET', '/api/v1/agents', token)).status).toBe(200);
    const admin = await h.hub.users.byTelegramId(ADMIN);
    await h.hub.userTokens.revoke(admin!.id);
    expect((await h.call('GET', '/api/v1/agents', token)).status).toBe(401);
  });

  it('answers 403 to a token of an account that is not active (a /token minted before a denial)', async () => {
    const pending = await h.hub.users.byTelegramId(PENDING);
    const token = await h.hub.userTokens.issue(pending!.id);
    expect(await h.call('GET', '/api/v1/agents', token)).toMatchObject({ status: 403, body: { error: 'account_pending' } });
  });
});

describe('GET /api/v1/openapi.json', () => {
  it('documents every client API route from the TypeBox schemas, and nothing internal', async () => {
    const res = await h.call<{ openapi: string; paths: Record<string, Record<string, unknown>> }>('GET', '/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const paths = Object.keys(res.body.paths).sort();
    expect(paths).toEqual(
      [
        '/api/v1/session',
        '/api/v1/me',
        '/api/v1/create-options',
        '/api/v1/agents',
        '/api/v1/agents/{id}',
        '/api/v1/agents/{id}/trades',
        '/api/v1/agents/{id}/candles',
        '/api/v1/agents/{id}/equity',
        '/api/v1/agents/{id}/profit',
        '/api/v1/profit',
        '/api/v1/agents/{id}/logs',
        '/api/v1/agents/{id}/start',
        '/api/v1/agents/{id}/stop',
        '/api/v1/agents/{id}/force-exit',
        '/api/v1/agents/{id}/pause',
        '/api/v1/agents/{id}/resume',
        '/api/v1/backtests',
        '/api/v1/backtests/{id}',
        '/api/v1/backtests/{id}/status',
        '/api/v1/backtests/{id}/cancel',
      ].sort(),
    );
    const create = res.body.paths['/api/v1/agents']!.post as {
      requestBody: { content: Record<string, { schema: { required: string[] } }> };
    };
    expect(create.requestBody.content['application/json']!.schema.required).toEqual(['symbol', 'amountUsdt']);
  });
});
