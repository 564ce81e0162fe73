import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../src/config.js';
import { resolveDevSecrets, storedSecret } from '../src/dev-secrets.js';

describe('resolveDevSecrets', () => {
  it('generates missing secrets once, keeps them across restarts, and warns loudly', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'artic-secrets-'));
    const warn = vi.fn();
    const first = resolveDevSecrets(parseConfig({ DATA_DIR: dir }), { warn });
    expect(first.internalSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(first.encryptionKey).toMatch(/^[0-9a-f]{64}$/);
    expect(first.jwtSecret).not.toBe(first.internalSecret);
    expect(warn).toHaveBeenCalledOnce();
    expect(String(warn.mock.calls[0][1])).toContain('DEVELOPMENT SECRETS');

    const second = resolveDevSecrets(parseConfig({ DATA_DIR: dir }), { warn });
    expect(second.internalSecret).toBe(first.internalSecret);
    expect(second.encryptionKey).toBe(first.encryptionKey);
    const file = path.join(dir, 'dev-secrets.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8')).JWT_SECRET).toBe(first.jwtSecret);
  });

  it('keeps explicit values and writes nothing for them', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'artic-secrets-'));
    const c = resolveDevSecrets(parseConfig({ DATA_DIR: dir, INTERNAL_SECRET: 'x'.repeat(10) + 'abcdefghij' }));
    expect(c.internalSecret).toBe('xxxxxxxxxxabcdefghij');
  });

  it('keeps the embedded PostgreSQL password with them: generated once per data directory, mode 0600, nothing else touched', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'artic-secrets-'));
    const dev = resolveDevSecrets(parseConfig({ DATA_DIR: dir }));
    const first = storedSecret(dir, 'EMBEDDED_PG_PASSWORD');
    expect(first).toEqual({ value: expect.stringMatching(/^[0-9a-f]{64}$/), generated: true, file: path.join(dir, 'dev-secrets.json') });
    expect(storedSecret(dir, 'EMBEDDED_PG_PASSWORD')).toEqual({ ...first, generated: false });
    const stored = JSON.parse(readFileSync(first.file, 'utf8'));
    expect(stored).toEqual({
      INTERNAL_SECRET: dev.internalSecret,
      JWT_SECRET: dev.jwtSecret,
      ENCRYPTION_KEY: dev.encryptionKey,
      EMBEDDED_PG_PASSWORD: first.value,
    });
    expect(statSync(first.file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['dev-secrets.json']); // written by rename: no temporary left
    // Another data directory gets its own.
    expect(storedSecret(mkdtempSync(path.join(os.tmpdir(), 'artic-secrets-')), 'EMBEDDED_PG_PASSWORD').value).not.toBe(first.value);
  });
});
