/**
 * Secrets generated once and kept in `DATA_DIR/dev-secrets.json` (mode 0600), so a restart
 * keeps agent tokens, ciphertexts and the embedded database's password valid.
 *
 * - `resolveDevSecrets`: development convenience for INTERNAL_SECRET/JWT_SECRET/ENCRYPTION_KEY.
 *   Production never gets here: `parseConfig` refuses to boot without them.
 * - `storedSecret`: one named secret that belongs to the data directory whatever the
 *   environment (the embedded PostgreSQL's superuser password).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config, ResolvedConfig } from './config.js';
import type { Logger } from './logger.js';

export interface StoredSecrets {
  INTERNAL_SECRET?: string;
  JWT_SECRET?: string;
  ENCRYPTION_KEY?: string;
  /** Superuser password of the embedded PostgreSQL whose data is under this DATA_DIR. */
  EMBEDDED_PG_PASSWORD?: string;
}

export const DEV_SECRETS_FILE = 'dev-secrets.json';

/** 32 random bytes as 64 hex characters (URL-safe, so it can sit in a connection URL). */
const newSecret = (): string => randomBytes(32).toString('hex');

/** The secrets file of one data directory: read once, written atomically when it changed. */
class SecretsFile {
  readonly file: string;
  private readonly stored: StoredSecrets;
  readonly generated: Array<keyof StoredSecrets> = [];

  constructor(dataDir: string) {
    this.file = path.resolve(dataDir, DEV_SECRETS_FILE);
    this.stored = existsSync(this.file) ? (JSON.parse(readFileSync(this.file, 'utf8')) as StoredSecrets) : {};
  }

  /** The stored value of `name`, generated (not yet saved) when missing. */
  take(name: keyof StoredSecrets): string {
    if (!this.stored[name]) {
      this.stored[name] = newSecret();
      this.generated.push(name);
    }
    return this.stored[name]!;
  }

  /**
   * Writes a temporary file and renames it over the old one, so a crash mid-write never
   * leaves a truncated file (losing ENCRYPTION_KEY would make every stored secret unreadable).
   */
  saveIfChanged(): void {
    if (!this.generated.length) return;
    mkdirSync(path.dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.stored, null, 2) + '\n', { mode: 0o600 });
    chmodSync(temporary, 0o600);
    renameSync(temporary, this.file);
  }
}

/** The secret `name` kept for `dataDir`, generated and saved on first use. */
export function storedSecret(dataDir: string, name: keyof StoredSecrets): { value: string; generated: boolean; file: string } {
  const secrets = new SecretsFile(dataDir);
  const value = secrets.take(name);
  secrets.saveIfChanged();
  return { value, generated: secrets.generated.length > 0, file: secrets.file };
}

export function resolveDevSecrets(config: Config, logger?: Pick<Logger, 'warn'>): ResolvedConfig {
  if (config.internalSecret && config.jwtSecret && config.encryptionKey) return config as ResolvedConfig;
  if (config.nodeEnv === 'production') {
    // parseConfig already refuses this; keep the guard so the contract is local too.
    throw new Error('Refusing to generate secrets with NODE_ENV=production');
  }
  const secrets = new SecretsFile(config.dataDir);
  const resolved: ResolvedConfig = {
    ...config,
    internalSecret: config.internalSecret ?? secrets.take('INTERNAL_SECRET'),
    jwtSecret: config.jwtSecret ?? secrets.take('JWT_SECRET'),
    encryptionKey: config.encryptionKey ?? secrets.take('ENCRYPTION_KEY'),
  };
  secrets.saveIfChanged();
  const { file, generated } = secrets;
  logger?.warn(
    { file, generated },
    '!!! DEVELOPMENT SECRETS: INTERNAL_SECRET/JWT_SECRET/ENCRYPTION_KEY not all set; using values kept in ' +
      file +
      '. Set them explicitly (and NODE_ENV=production) before running this for real. !!!',
  );
  return resolved;
}
