/**
 * Development convenience: secrets that are not set are generated once and kept in
 * `DATA_DIR/dev-secrets.json` (mode 0600), so a restart keeps agent tokens and ciphertexts
 * valid. Production never gets here: `parseConfig` refuses to boot without them.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config, ResolvedConfig } from './config.js';
import type { Logger } from './logger.js';

interface StoredSecrets {
  INTERNAL_SECRET?: string;
  JWT_SECRET?: string;
  ENCRYPTION_KEY?: string;
}

export const DEV_SECRETS_FILE = 'dev-secrets.json';

export function resolveDevSecrets(config: Config, logger?: Pick<Logger, 'warn'>): ResolvedConfig {
  if (config.internalSecret && config.jwtSecret && config.encryptionKey) return config as ResolvedConfig;
  if (config.nodeEnv === 'production') {
    // parseConfig already refuses this; keep the guard so the contract is local too.
    throw new Error('Refusing to generate secrets with NODE_ENV=production');
  }
  const file = path.resolve(config.dataDir, DEV_SECRETS_FILE);
  const stored: StoredSecrets = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const generated: string[] = [];
  const take = (name: keyof StoredSecrets, current: string | undefined): string => {
    if (current) return current;
    if (!stored[name]) {
      stored[name] = randomBytes(32).toString('hex');
      generated.push(name);
    }
    return stored[name]!;
  };
  const resolved: ResolvedConfig = {
    ...config,
    internalSecret: take('INTERNAL_SECRET', config.internalSecret),
    jwtSecret: take('JWT_SECRET', config.jwtSecret),
    encryptionKey: take('ENCRYPTION_KEY', config.encryptionKey),
  };
  if (generated.length) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(stored, null, 2) + '\n', { mode: 0o600 });
  }
  logger?.warn(
    { file, generated },
    '!!! DEVELOPMENT SECRETS: INTERNAL_SECRET/JWT_SECRET/ENCRYPTION_KEY not all set; using values kept in ' +
      file +
      '. Set them explicitly (and NODE_ENV=production) before running this for real. !!!',
  );
  return resolved;
}
