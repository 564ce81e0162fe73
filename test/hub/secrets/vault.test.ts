import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Orm } from '../../../src/db/orm.js';
import { HubError } from '../../../src/hub/errors.js';
import { serverSecretPolicy } from '../../../src/hub/secrets/server-secret-policy.js';
import { createVault, SecretRejectedError, VaultDecryptError, type Vault } from '../../../src/hub/secrets/vault.js';
import { createUserService } from '../../../src/hub/users.js';
import { SecretRegistry } from '../../../src/logger.js';
import { createTestOrm } from '../../support/db.js';

const KEY = randomBytes(32).toString('hex');
const OPENAI = 'sk-test-0123456789abcdefWXYZ';
let orm: Orm;
let close: () => Promise<void>;
let vault: Vault;
let registry: SecretRegistry;
let alice: string;
let bob: string;

beforeAll(async () => {
  ({ orm, close } = await createTestOrm('vault'));
  const users = createUserService({ orm, accessMode: 'open', adminIds: [11] });
  alice = (await users.register(11, 'Alice')).user.id;
  bob = (await users.register(12, 'Bob')).user.id;
  registry = new SecretRegistry();
  vault = createVault({ orm, encryptionKey: KEY, registry, serverSecrets: { OPENAI_API_KEY: 'server-openai-key-000111', DEEPSEEK_API_KEY: undefined } });
});
afterAll(async () => close?.());

async function rows(ownerId: string): Promise<Array<{ scope: string; name: string; ciphertext: Buffer; nonce: Buffer; tag: Buffer; hint: string; key_version: number }>> {
  return orm.em.getConnection().execute('select * from secrets where owner_id = ? order by name, scope', [ownerId]);
}

describe('vault', () => {
  it('stores ciphertext that does not contain the plaintext, with a fresh nonce per value', async () => {
    expect(await vault.set(alice, 'OPENAI_API_KEY', OPENAI)).toEqual({ masked: '••••WXYZ' });
    await vault.set(alice, 'ANTHROPIC_API_KEY', OPENAI); // same plaintext, different row
    const stored = await rows(alice);
    expect(stored).toHaveLength(2);
    for (const r of stored) {
      expect(Buffer.from(r.ciphertext).includes(Buffer.from(OPENAI))).toBe(false);
      expect(Buffer.from(r.ciphertext).includes(Buffer.from(OPENAI.slice(0, 12)))).toBe(false);
      expect(JSON.stringify(r)).not.toContain(OPENAI);
      expect(r.nonce).toHaveLength(12);
      expect(r.key_version).toBe(1);
    }
    expect(Buffer.compare(stored[0].nonce, stored[1].nonce)).not.toBe(0);
    expect(Buffer.compare(stored[0].ciphertext, stored[1].ciphertext)).not.toBe(0);
    expect(await vault.resolve(alice, 'OPENAI_API_KEY')).toBe(OPENAI);
  });

  it('lists only masked values', async () => {
    const list = await vault.list(alice);
    expect(list.map((s) => [s.name, s.scope, s.masked])).toEqual([
      ['ANTHROPIC_API_KEY', 'user', '••••WXYZ'],
      ['OPENAI_API_KEY', 'user', '••••WXYZ'],
    ]);
    expect(JSON.stringify(list)).not.toContain(OPENAI);
  });

  it('refuses a tampered ciphertext, tag, or a row moved to another owner', async () => {
    await vault.set(alice, 'CMC_API_KEY', 'cmc-0123456789-abcdef');
    const conn = orm.em.getConnection();
    await conn.execute(`update secrets set ciphertext = overlay(ciphertext placing '\\x00'::bytea from 1 for 1) where owner_id = ? and name = 'CMC_API_KEY'`, [alice]);
    await expect(vault.resolve(alice, 'CMC_API_KEY')).rejects.toBeInstanceOf(VaultDecryptError);

    await vault.set(alice, 'CMC_API_KEY', 'cmc-0123456789-abcdef');
    await conn.execute(`update secrets set tag = '\\x00000000000000000000000000000000'::bytea where owner_id = ? and name = 'CMC_API_KEY'`, [alice]);
    await expect(vault.resolve(alice, 'CMC_API_KEY')).rejects.toBeInstanceOf(VaultDecryptError);

    await vault.set(alice, 'CMC_API_KEY', 'cmc-0123456789-abcdef');
    await conn.execute(`update secrets set owner_id = ? where owner_id = ? and name = 'CMC_API_KEY'`, [bob, alice]);
    const err = await vault.resolve(bob, 'CMC_API_KEY').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VaultDecryptError);
    expect((err as HubError).userMessage).not.toContain('cmc-');
    await vault.delete(bob, 'CMC_API_KEY');
  });

  it('does not decrypt with another key', async () => {
    const other = createVault({ orm, encryptionKey: randomBytes(32).toString('hex') });
    await expect(other.resolve(alice, 'OPENAI_API_KEY')).rejects.toBeInstanceOf(VaultDecryptError);
  });

  it('resolves agent override → user secret → server value', async () => {
    const agentId = randomUUID();
    expect(await vault.resolve(bob, 'OPENAI_API_KEY', agentId)).toBe('server-openai-key-000111');
    expect(await vault.source(bob, 'OPENAI_API_KEY', agentId)).toBe('server');
    await vault.set(bob, 'OPENAI_API_KEY', 'sk-bob-user-level-key-1');
    expect(await vault.resolve(bob, 'OPENAI_API_KEY', agentId)).toBe('sk-bob-user-level-key-1');
    expect(await vault.source(bob, 'OPENAI_API_KEY', agentId)).toBe('user');
    await vault.set(bob, 'OPENAI_API_KEY', 'sk-bob-agent-override-2', agentId);
    expect(await vault.resolve(bob, 'OPENAI_API_KEY', agentId)).toBe('sk-bob-agent-override-2');
    expect(await vault.source(bob, 'OPENAI_API_KEY', agentId)).toBe('agent');
    expect(await vault.resolve(bob, 'OPENAI_API_KEY', randomUUID())).toBe('sk-bob-user-level-key-1');
    expect(await vault.resolve(bob, 'OPENAI_API_KEY')).toBe('sk-bob-user-level-key-1');
    expect(await vault.delete(bob, 'OPENAI_API_KEY', agentId)).toBe(true);
    expect(await vault.resolve(bob, 'OPENAI_API_KEY', agentId)).toBe('sk-bob-user-level-key-1');
    expect(await vault.resolve(bob, 'DEEPSEEK_API_KEY')).toBeUndefined();
    // Alice's secrets never answer for Bob.
    expect(await vault.resolve(bob, 'ANTHROPIC_API_KEY')).toBeUndefined();
  });

  it('lends the server-wide exchange keys to admins only, the server-wide LLM keys to everyone', async () => {
    const users = createUserService({ orm, accessMode: 'open', adminIds: [11, 14] });
    const carol = (await users.register(13, 'Carol')).user.id;
    const dave = (await users.register(14, 'Dave, admin')).user.id;
    const guarded = createVault({
      orm,
      encryptionKey: KEY,
      serverSecrets: { HASHKEY_API_KEY: 'server-hashkey-key-0001', HASHKEY_SECRET: 'server-hashkey-secret-0001', OPENAI_API_KEY: 'server-openai-key-000111' },
      serverSecretAllowed: serverSecretPolicy(users),
    });
    for (const name of ['HASHKEY_API_KEY', 'HASHKEY_SECRET'] as const) {
      expect(await guarded.resolve(carol, name)).toBeUndefined();
      expect(await guarded.source(carol, name)).toBeUndefined();
      expect(await guarded.lookup(carol, name, randomUUID())).toBeUndefined();
    }
    expect(await guarded.lookup(dave, 'HASHKEY_API_KEY')).toEqual({ value: 'server-hashkey-key-0001', source: 'server' });
    expect(await guarded.source(dave, 'HASHKEY_SECRET')).toBe('server');
    expect(await guarded.lookup(carol, 'OPENAI_API_KEY')).toEqual({ value: 'server-openai-key-000111', source: 'server' });
    // Her own keys are hers to trade with.
    await guarded.set(carol, 'HASHKEY_API_KEY', 'carol-own-hashkey-key-1');
    expect(await guarded.lookup(carol, 'HASHKEY_API_KEY')).toEqual({ value: 'carol-own-hashkey-key-1', source: 'user' });
    expect(await guarded.resolve(carol, 'HASHKEY_SECRET')).toBeUndefined(); // never half hers, half the server's
  });

  it('adds decrypted values to the log scrubber', async () => {
    await vault.resolve(alice, 'OPENAI_API_KEY');
    expect(registry.scrub(`calling with ${OPENAI}`)).toBe('calling with [redacted]');
  });

  it('runs the verifier before storing and keeps nothing when it refuses', async () => {
    vault.setVerifier('HASHKEY_API_KEY', async (value) => {
      if (!value.startsWith('good')) throw new HubError('bad key', 'the exchange did not accept it');
    });
    const err = await vault.set(alice, 'HASHKEY_API_KEY', 'bad-hashkey-0123456789').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretRejectedError);
    expect((err as HubError).userMessage).toContain('the exchange did not accept it');
    expect((err as HubError).userMessage).not.toContain('bad-hashkey');
    expect(await vault.source(alice, 'HASHKEY_API_KEY')).toBeUndefined();
    await vault.set(alice, 'HASHKEY_API_KEY', 'good-hashkey-0123456789');
    expect(await vault.source(alice, 'HASHKEY_API_KEY')).toBe('user');
    vault.setVerifier('HASHKEY_API_KEY', undefined);
  });

  it('stages an unnamed value encrypted, then promotes or discards it', async () => {
    const staged = await vault.stage(bob, 'sk-pasted-outside-flow-9876');
    expect(staged.masked).toBe('••••9876');
    expect(JSON.stringify(await rows(bob))).not.toContain('sk-pasted-outside-flow-9876');
    expect((await vault.list(bob)).some((s) => s.masked === '••••9876')).toBe(false);
    expect(await vault.promote(bob, staged.ref, 'DEEPSEEK_API_KEY')).toEqual({ masked: '••••9876' });
    expect(await vault.resolve(bob, 'DEEPSEEK_API_KEY')).toBe('sk-pasted-outside-flow-9876');
    expect(await vault.promote(bob, staged.ref, 'DEEPSEEK_API_KEY')).toBeUndefined(); // used once
    const other = await vault.stage(bob, 'sk-another-pasted-key-5555');
    await vault.discard(bob, other.ref);
    expect(await vault.promote(bob, other.ref, 'GEMINI_API_KEY')).toBeUndefined();
  });

  it('validates names, scopes and values with messages that do not echo the value', async () => {
    await expect(vault.set(alice, 'NOPE' as never, 'x'.repeat(20))).rejects.toThrow(/Unknown secret/);
    await expect(vault.set(alice, 'OPENAI_API_KEY', 'x'.repeat(20), 'someone-else')).rejects.toThrow(/user\) or to one agent/);
    const err = await vault.set(alice, 'OPENAI_API_KEY', 'two words here ok').catch((e: unknown) => e);
    expect((err as HubError).userMessage).toMatch(/no spaces/);
    expect((err as HubError).userMessage).not.toContain('two words');
    await expect(vault.set(alice, 'OPENAI_API_KEY', 'short')).rejects.toThrow(/too short/);
  });
});
