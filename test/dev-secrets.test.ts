import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../src/config.js';
import { resolveDevSecrets } from '../src/dev-secrets.js';

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
});
