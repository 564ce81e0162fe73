/**
 * The vault's keys: the current ENCRYPTION_KEY seals, it and the previous ones
 * (ENCRYPTION_KEY_PREVIOUS) open. AES-256-GCM with a fresh 12-byte nonce per value; the additional
 * authenticated data binds a ciphertext to its (owner, scope, name).
 *
 * Each key has an id derived from the key itself (31 bits of an HMAC of it), stored with every
 * ciphertext as `secrets.key_version`, so an operator never numbers keys: swapping ENCRYPTION_KEY
 * and ENCRYPTION_KEY_PREVIOUS is all a rotation needs. Rows written before ids existed say 1; to
 * read any row, the key its id names is tried first, then every other configured key (the GCM
 * tag tells a wrong key with certainty).
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { parseEncryptionKey } from '../../config.js';

const NONCE_BYTES = 12;

export interface SealedValue {
  ciphertext: Buffer;
  nonce: Buffer;
  tag: Buffer;
  keyVersion: number;
}

/** A stored secret as the keyring needs it to open it. */
export interface SealedRow {
  ciphertext: Uint8Array;
  nonce: Uint8Array;
  tag: Uint8Array;
  keyVersion: number;
  scope: string;
  name: string;
}

export interface VaultKeyring {
  /** Id of the current key: what `seal` stores as `keyVersion`. */
  readonly currentId: number;
  seal(ownerId: string, scope: string, name: string, value: string): SealedValue;
  /** The plaintext, or undefined when no configured key opens the row (wrong key, tampered, moved). */
  open(row: SealedRow, ownerId: string): string | undefined;
}

function keyBytes(configured: string): Buffer {
  const key = parseEncryptionKey(configured);
  if (!key) throw new Error('ENCRYPTION_KEY must be 32 bytes as 64 hex characters or base64');
  // Derive a purpose-bound key so ENCRYPTION_KEY could later serve other uses without reuse.
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), Buffer.from('artic/vault/v1', 'utf8'), 32));
}

/** A positive 31-bit id for a key, stable across restarts; it reveals nothing usable about the key. */
function idOf(key: Buffer): number {
  return createHmac('sha256', key).update('artic/vault/key-id').digest().readUInt32BE(0) & 0x7fffffff;
}

function aad(ownerId: string, scope: string, name: string): Buffer {
  return Buffer.from(`artic-secret\u0000${ownerId}\u0000${scope}\u0000${name}`, 'utf8');
}

function tryOpen(key: Buffer, row: SealedRow, ownerId: string): string | undefined {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, row.nonce);
    decipher.setAAD(aad(ownerId, row.scope, row.name));
    decipher.setAuthTag(row.tag);
    return Buffer.concat([decipher.update(row.ciphertext), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

/** `current` is ENCRYPTION_KEY; `previous` are keys still accepted for reading. */
export function createKeyring(current: string, previous: readonly string[] = []): VaultKeyring {
  const currentKey = keyBytes(current);
  const currentId = idOf(currentKey);
  const keys = new Map<number, Buffer>([[currentId, currentKey]]);
  for (const k of previous) {
    const bytes = keyBytes(k);
    if (!keys.has(idOf(bytes))) keys.set(idOf(bytes), bytes);
  }

  return {
    currentId,
    seal(ownerId, scope, name, value) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', currentKey, nonce);
      cipher.setAAD(aad(ownerId, scope, name));
      const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
      return { ciphertext, nonce, tag: cipher.getAuthTag(), keyVersion: currentId };
    },
    open(row, ownerId) {
      const named = keys.get(row.keyVersion);
      const order = named ? [named, ...[...keys.values()].filter((k) => k !== named)] : [...keys.values()];
      for (const key of order) {
        const value = tryOpen(key, row, ownerId);
        if (value !== undefined) return value;
      }
      return undefined;
    },
  };
}
