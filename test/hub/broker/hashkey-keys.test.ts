import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHashKeyExchangeFactory, verifyHashKeyKeys } from '../../../src/hub/broker/hashkey-keys.js';
import type { SecretResolver } from '../../../src/hub/secrets/secret-resolver.js';
import { startHashKeyServer, type HashKeyServer } from '../../support/hashkey-server.js';

let hk: HashKeyServer;

beforeAll(async () => {
  hk = await startHashKeyServer();
});

afterAll(async () => {
  await hk?.close();
});

/** A 127.0.0.1 port nothing listens on. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe('verifyHashKeyKeys', () => {
  it('passes keys that authenticate on the account endpoint', async () => {
    const before = hk.requests.length;
    expect(await verifyHashKeyKeys(hk.apiKey, hk.secret, { baseUrl: hk.url })).toEqual({ status: 'valid' });
    expect(hk.requests.slice(before).map((r) => `${r.method} ${r.path} ${r.status}`)).toContain('GET /api/v1/account 200');
  });

  it('refuses a wrong secret without echoing the key or the secret', async () => {
    const wrongSecret = 'S'.repeat(64);
    const result = await verifyHashKeyKeys(hk.apiKey, wrongSecret, { baseUrl: hk.url });
    expect(result.status).toBe('invalid');
    const message = (result as { message: string }).message;
    expect(message).toMatch(/did not accept these keys/);
    expect(message).not.toContain(hk.apiKey);
    expect(message).not.toContain(wrongSecret);
  });

  it('refuses an unknown API key without echoing it', async () => {
    const unknownKey = 'K'.repeat(64);
    const result = await verifyHashKeyKeys(unknownKey, hk.secret, { baseUrl: hk.url });
    expect(result.status).toBe('invalid');
    expect((result as { message: string }).message).not.toContain(unknownKey);
    expect((result as { message: string }).message).not.toContain(hk.secret);
  });

  it('refuses empty input without a request', async () => {
    const before = hk.requests.length;
    expect((await verifyHashKeyKeys('  ', hk.secret, { baseUrl: hk.url })).status).toBe('invalid');
    expect(hk.requests.length).toBe(before);
  });

  it('says "unreachable" (not "invalid") when the exchange does not answer', async () => {
    const result = await verifyHashKeyKeys(hk.apiKey, hk.secret, { baseUrl: await closedPortUrl(), timeoutMs: 2000 });
    expect(result.status).toBe('unreachable');
    expect((result as { message: string }).message).not.toContain(hk.secret);
  });
});

describe('createHashKeyExchangeFactory', () => {
  const calls: Array<[string, string, string | undefined]> = [];
  const secrets: Pick<SecretResolver, 'resolve'> = {
    async resolve(ownerId, name, agentId) {
      calls.push([ownerId, name, agentId]);
      if (ownerId === 'nobody') return undefined;
      if (ownerId === 'half' && name === 'HASHKEY_SECRET') return undefined;
      return name === 'HASHKEY_API_KEY' ? hk.apiKey : hk.secret;
    },
  };
  let exchangeFor: ReturnType<typeof createHashKeyExchangeFactory>;
  beforeAll(() => {
    exchangeFor = createHashKeyExchangeFactory({ secrets, baseUrl: hk.url });
  });

  it('resolves both secrets for the agent (override → user → env is the vault’s order) and reuses the exchange', async () => {
    const a = await exchangeFor('owner-1', 'agent-1');
    const b = await exchangeFor('owner-1', 'agent-2');
    expect(a).toBeDefined();
    expect(a).toBe(b); // same credentials → same exchange (and symbol cache)
    expect(calls).toContainEqual(['owner-1', 'HASHKEY_API_KEY', 'agent-1']);
    expect(calls).toContainEqual(['owner-1', 'HASHKEY_SECRET', 'agent-1']);
    await expect(a!.checkCredentials()).resolves.toBeUndefined();
  });

  it('returns undefined when the key or the secret is missing', async () => {
    expect(await exchangeFor('nobody', 'agent-1')).toBeUndefined();
    expect(await exchangeFor('half', 'agent-1')).toBeUndefined();
  });
});

describe('hashKeyPairVerifier (the vault check when a user saves exchange keys)', () => {
  it('accepts a pair the exchange authenticates and refuses one it does not, without echoing it', async () => {
    const { createTestOrm } = await import('../../support/db.js');
    const { createVault, SecretRejectedError } = await import('../../../src/hub/secrets/vault.js');
    const { createUserService } = await import('../../../src/hub/users.js');
    const { hashKeyPairVerifier } = await import('../../../src/hub/broker/hashkey-keys.js');
    const t = await createTestOrm('hkverify');
    try {
      const owner = (await createUserService({ orm: t.orm, accessMode: 'open', adminIds: [] }).register(77, 'K')).user.id;
      const vault = createVault({ orm: t.orm, encryptionKey: 'ab'.repeat(32) });
      vault.setVerifier('HASHKEY_SECRET', hashKeyPairVerifier(vault, { baseUrl: hk.url }));

      await expect(vault.set(owner, 'HASHKEY_SECRET', hk.secret)).rejects.toThrow(SecretRejectedError); // no API key yet
      await vault.set(owner, 'HASHKEY_API_KEY', hk.apiKey);
      const wrong = 'W'.repeat(64);
      const refused = await vault.set(owner, 'HASHKEY_SECRET', wrong).catch((e: { userMessage: string }) => e);
      expect(refused).toBeInstanceOf(SecretRejectedError);
      expect((refused as { userMessage: string }).userMessage).not.toContain(wrong);
      expect(await vault.resolve(owner, 'HASHKEY_SECRET')).toBeUndefined();

      await vault.set(owner, 'HASHKEY_SECRET', hk.secret);
      expect(await vault.resolve(owner, 'HASHKEY_SECRET')).toBe(hk.secret);
    } finally {
      await t.close();
    }
  });
});
