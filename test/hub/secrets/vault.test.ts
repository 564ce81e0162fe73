import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Orm } from '../../../src/db/orm.js';
import { HubError } from '../../../src/hub/errors.js';
import { rotateSecrets } from '../../../src/hub/secrets/rotation.js';
import { serverSecretPolicy } from '../../../src/hub/secrets/server-secret-policy.js';
import { createVault, SecretRejectedError, VaultDecryptError, type Vault } from '../../../src/hub/secrets/vault.js';
import { createKeyring } from '../../../src/hub/secrets/vault-keys.js';
import { createUserService } from '../../../src/hub/users.js';
import { SecretRegistry } from '../../../src/logger.js';
import { createTestOrm, type TestDatabase } from '../../support/db.js';

const KEY = randomBytes(32).toString('hex');
const OPENAI = 'sk-test-0123456789abcdefWXYZ';
let orm: Orm;
let close: () => Promise<void>;
let db: TestDatabase;
let vault: Vault;
let registry: SecretRegistry;
let alice: string;
let bob: string;

beforeAll(async () => {
  ({ orm, close, db } = await createTestOrm('vault'));
  const users = createUserService({ orm, accessMode: 'open', adminIds: [11] });
  alice = (await users.register(11, 'Alice')).user.id;
  bob = (await users.register(12, 'Bob')).user.id;
  registry = new SecretRegistry();
  vault = createVault({
    orm,
    encryptionKey: KEY,
    registry,
    serverSecrets: { OPENAI_API_KEY: 'server-openai-key-000111', DEEPSEEK_API_KEY: undefined },
  });
});
afterAll(async () => close?.());

async function rows(
  ownerId: string,
): Promise<Array<{ scope: string; name: string; ciphertext: Buffer; nonce: Buffer; tag: Buffer; hint: string; key_version: number }>> {
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
      expect(r.key_version).toBe(createKeyring(KEY).currentId);
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
    await conn.execute(
      `update secrets set ciphertext = overlay(ciphertext placing '\\x00'::bytea from 1 for 1) where owner_id = ? and name = 'CMC_API_KEY'`,
      [alice],
    );
    await expect(vault.resolve(alice, 'CMC_API_KEY')).rejects.toBeInstanceOf(VaultDecryptError);

    await vault.set(alice, 'CMC_API_KEY', 'cmc-0123456789-abcdef');
    await conn.execute(
      `update secrets set tag = '\\x00000000000000000000000000000000'::bytea where owner_id = ? and name = 'CMC_API_KEY'`,
      [alice],
    );
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
      serverSecrets: {
        HASHKEY_API_KEY: 'server-hashkey-key-0001',
        HASHKEY_SECRET: 'server-hashkey-secret-0001',
        OPENAI_API_KEY: 'server-openai-key-000111',
      },
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

describe('key rotation', () => {
  const versions = async (): Promise<number[]> =>
    (await orm.em.getConnection().execute<Array<{ key_version: number }>>('select distinct key_version from secrets order by 1')).map(
      (r) => r.key_version,
    );

  it('reads rows under the old key with previous keys; rotation re-encrypts them all so they read without it', async () => {
    const NEW = randomBytes(32).toString('base64');
    await vault.set(alice, 'GEMINI_API_KEY', 'gemini-key-0123456789-old');
    // A row written before key ids existed (key_version 1) under the old key.
    await orm.em.getConnection().execute(`update secrets set key_version = 1 where owner_id = ? and name = 'GEMINI_API_KEY'`, [alice]);
    const before = await orm.em.getConnection().execute<Array<{ n: string }>>('select count(*) as n from secrets');

    await expect(createVault({ orm, encryptionKey: NEW }).resolve(alice, 'OPENAI_API_KEY')).rejects.toBeInstanceOf(VaultDecryptError);
    const during = createVault({ orm, encryptionKey: NEW, previousKeys: [KEY] });
    expect(await during.resolve(alice, 'OPENAI_API_KEY')).toBe(OPENAI);
    expect(await during.resolve(alice, 'GEMINI_API_KEY')).toBe('gemini-key-0123456789-old');
    // New writes during the rotation go under the new key.
    await during.set(bob, 'GEMINI_API_KEY', 'gemini-key-0123456789-bob');

    // One row no configured key opens is reported, not touched.
    const stranger = (await createUserService({ orm, accessMode: 'open', adminIds: [] }).register(13, 'Eve')).user.id;
    await createVault({ orm, encryptionKey: randomBytes(32).toString('hex') }).set(stranger, 'CMC_API_KEY', 'cmc-unknown-key-0123');

    const report = await rotateSecrets({ orm, keyring: createKeyring(NEW, [KEY]), pageSize: 2 });
    expect(report.unreadable).toEqual([expect.objectContaining({ ownerId: stranger, name: 'CMC_API_KEY', scope: 'user' })]);
    expect(JSON.stringify(report)).not.toContain('cmc-unknown');
    expect(report.rotated).toBe(Number(before[0].n)); // bob's new row is already under the new key
    await createVault({ orm, encryptionKey: NEW }).delete(stranger, 'CMC_API_KEY');
    expect(await versions()).toEqual([createKeyring(NEW).currentId]);

    const after = createVault({ orm, encryptionKey: NEW });
    expect(await after.resolve(alice, 'OPENAI_API_KEY')).toBe(OPENAI);
    expect(await after.resolve(alice, 'GEMINI_API_KEY')).toBe('gemini-key-0123456789-old');
    expect(await after.resolve(bob, 'GEMINI_API_KEY')).toBe('gemini-key-0123456789-bob');
    expect((await rotateSecrets({ orm, keyring: createKeyring(NEW, [KEY]) })).rotated).toBe(0);

    // `npm run secrets:rotate` does the same from the environment: ENCRYPTION_KEY + ENCRYPTION_KEY_PREVIOUS.
    const NEWER = randomBytes(32).toString('hex');
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'artic-rotate-'));
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/secrets-rotate.ts'], {
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: db.url,
        ENCRYPTION_KEY: NEWER,
        ENCRYPTION_KEY_PREVIOUS: NEW,
        DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
      },
    }).finally(() => rmSync(dataDir, { recursive: true, force: true }));
    expect(stdout).toMatch(new RegExp(`re-encrypted ${Number(before[0].n) + 1} secret`));
    expect(await createVault({ orm, encryptionKey: NEWER }).resolve(alice, 'OPENAI_API_KEY')).toBe(OPENAI);
    expect(await versions()).toEqual([createKeyring(NEWER).currentId]);
  });
});
