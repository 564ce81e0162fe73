/**
 * Rules that span more than one variable (a key without its secret, a chain key of the wrong
 * length, production without strong secrets), checked after every variable has been read. Each
 * adds its problem to the reader, so the boot still reports every mistake at once.
 */
import type { Reader } from './reader.js';
import { parseEncryptionKey, secretWeakness } from './secret-checks.js';
import type { Config } from './types.js';

export function checkConfig(config: Config, r: Reader): void {
  checkEncryptionKeys(config, r);
  checkExchangeAndChain(config, r);
  checkAgentNetwork(config, r);
  checkMetrics(config, r);
  if (config.telegram.webhookUrl && !config.telegram.botToken) {
    r.problems.push('TELEGRAM_WEBHOOK_URL is set but TELEGRAM_BOT_TOKEN is not');
  }
  if (config.nodeEnv === 'production') checkProductionSecrets(config, r);
}

function checkEncryptionKeys(config: Config, r: Reader): void {
  if (config.encryptionKey !== undefined && !parseEncryptionKey(config.encryptionKey)) {
    r.problems.push('ENCRYPTION_KEY must be 32 bytes as 64 hex characters or base64 (try: openssl rand -hex 32)');
  }
  for (const [i, previous] of config.encryptionKeyPrevious.entries()) {
    if (!parseEncryptionKey(previous)) {
      r.problems.push(`ENCRYPTION_KEY_PREVIOUS key ${i + 1} must be 32 bytes as 64 hex characters or base64`);
    }
  }
  if (config.encryptionKeyPrevious.length && config.encryptionKey === undefined) {
    r.problems.push('ENCRYPTION_KEY_PREVIOUS is set but ENCRYPTION_KEY is not (set the new key as ENCRYPTION_KEY)');
  }
}

function checkExchangeAndChain(config: Config, r: Reader): void {
  if (config.hashkey.apiKey !== undefined && config.hashkey.secret === undefined) {
    r.problems.push('HASHKEY_SECRET is required when HASHKEY_API_KEY is set');
  }
  if (config.chain.privateKey !== undefined && !/^(0x)?[0-9a-fA-F]{64}$/.test(config.chain.privateKey)) {
    r.problems.push('HSK_PRIVATE_KEY must be a 32-byte hex private key (64 hex characters, optional 0x)');
  }
  for (const name of ['DECISION_LOGGER_ADDRESS', 'TRADE_LOGGER_ADDRESS'] as const) {
    const value = r.optional(name);
    if (value !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(value)) {
      r.problems.push(`${name} must be a 0x-prefixed 20-byte address, got "${value}"`);
    }
  }
}

function checkAgentNetwork(config: Config, r: Reader): void {
  if (['bridge', 'none'].includes(config.agents.network)) {
    r.problems.push(
      `AGENT_NETWORK=${config.agents.network} gives agents no DNS name the hub can reach; use auto, host or a user-defined network such as artic-net`,
    );
  } else if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(config.agents.network)) {
    r.problems.push(`AGENT_NETWORK must be auto, host or a Docker network name (letters, digits, _ . -), got "${config.agents.network}"`);
  }
}

/** True for an address only this machine reaches (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Metrics are never public by accident: off loopback only with a token, and a token worth the name. */
function checkMetrics(config: Config, r: Reader): void {
  const { host, port, token } = config.metrics;
  if (token !== undefined && token.length < 16) r.problems.push('METRICS_TOKEN must be at least 16 characters (try: openssl rand -hex 24)');
  if (port !== null && token === undefined && !isLoopbackHost(host)) {
    r.problems.push(
      `METRICS_HOST=${host} is not a loopback address and METRICS_TOKEN is not set: /metrics would be public. Set METRICS_TOKEN, use METRICS_HOST=127.0.0.1, or METRICS_PORT=off`,
    );
  }
}

/** NODE_ENV=production refuses to boot without strong, distinct secrets and an encryption key. */
function checkProductionSecrets(config: Config, r: Reader): void {
  for (const [name, value] of [
    ['INTERNAL_SECRET', config.internalSecret],
    ['JWT_SECRET', config.jwtSecret],
  ] as const) {
    const weakness = secretWeakness(value);
    if (weakness) r.problems.push(`${name} ${weakness} (NODE_ENV=production refuses to boot; try: openssl rand -hex 32)`);
  }
  if (config.encryptionKey === undefined) {
    r.problems.push('ENCRYPTION_KEY is required in production (NODE_ENV=production refuses to boot; try: openssl rand -hex 32)');
  }
  if (config.internalSecret !== undefined && config.internalSecret === config.jwtSecret) {
    r.problems.push('INTERNAL_SECRET and JWT_SECRET must differ in production');
  }
}
