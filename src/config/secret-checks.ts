/**
 * What makes a secret fit for production, and the accepted forms of ENCRYPTION_KEY. Used while
 * parsing the config and by the vault's keyring (src/hub/secrets/vault-keys.ts).
 */

const WEAK_SECRETS = new Set(['changeme', 'change-me', 'secret', 'password', 'default', 'test', 'dev']);
const MIN_SECRET_LENGTH = 32;

/** Why a secret is not fit for production, or undefined when it is. */
export function secretWeakness(value: string | undefined): string | undefined {
  if (value === undefined) return 'is required in production';
  if (WEAK_SECRETS.has(value.toLowerCase())) return 'is a well-known placeholder value';
  if (value.length < MIN_SECRET_LENGTH) return `must be at least ${MIN_SECRET_LENGTH} characters`;
  if (new Set(value).size < 8) return 'has too little variety (fewer than 8 distinct characters)';
  return undefined;
}

/** `ENCRYPTION_KEY` is 32 bytes, as 64 hex characters or base64. */
export function parseEncryptionKey(value: string): Buffer | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) {
    const buf = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (buf.length === 32) return buf;
  }
  return undefined;
}
