import { describe, expect, it } from 'vitest';
import { AGENT_NODE_OPTIONS } from '../src/hub/runtime/agent-node-options.js';
import {
  CONFIG_DOCS,
  ConfigError,
  configWarnings,
  parseConfig,
  parseEncryptionKey,
  secretWeakness,
  withoutDriverSuffix,
} from '../src/config.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

const strong = 'a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8';
const strong2 = 'z9y8x7w6v5u4t3s2r1q0p9o8n7m6l5k4j3i2';
const key = 'ab'.repeat(32);

describe('parseConfig', () => {
  it('has documented defaults', () => {
    const c = parseConfig({});
    expect(c.port).toBe(9000);
    expect(c.dataDir).toBe('./data');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.agents.runtime).toBe('auto');
    expect(c.agents.portRange).toEqual({ from: 8000, to: 8999 });
    expect(c.telegram.apiRoot).toBe('https://api.telegram.org');
    expect(c.embeddedPgPort).not.toBe(5432);
    expect(c.telegram.accessMode).toBe('approval');
    expect(c.quotas).toEqual({ maxAgentsPerUser: 10, maxRunningAgentsPerUser: 5, llmUserDailyTokens: 200_000 });
  });

  it('AGENT_NODE_OPTIONS: the tuned heap limits by default, none when empty, and only Node options', () => {
    expect(parseConfig({}).agents.nodeOptions).toBe(AGENT_NODE_OPTIONS);
    expect(parseConfig({ AGENT_NODE_OPTIONS: '' }).agents.nodeOptions).toBe('');
    expect(parseConfig({ AGENT_NODE_OPTIONS: ' --max-old-space-size=96 ' }).agents.nodeOptions).toBe('--max-old-space-size=96');
    for (const bad of ['--max-old-space-size=64; rm -rf /', '-r ./evil.js', 'max-old-space-size=64', '--require "x y"']) {
      expect(() => parseConfig({ AGENT_NODE_OPTIONS: bad })).toThrow(/AGENT_NODE_OPTIONS must be Node options/);
    }
  });

  it('needs no ADMIN_TELEGRAM_IDS outside open mode: the first user to /start becomes the admin', () => {
    for (const mode of ['approval', 'allowlist']) expect(parseConfig({ ACCESS_MODE: mode }).telegram.adminIds).toEqual([]);
  });

  it('warns at every production boot in open mode, and only then', () => {
    const prod = { NODE_ENV: 'production', INTERNAL_SECRET: strong, JWT_SECRET: strong2, ENCRYPTION_KEY: key };
    expect(configWarnings(parseConfig({ ...prod, ACCESS_MODE: 'open' }))).toEqual([
      'ACCESS_MODE=open in production: anyone who finds the bot can register, run agents (within MAX_AGENTS_PER_USER) and spend the server-wide LLM keys (within LLM_USER_DAILY_TOKENS a day each). Set ACCESS_MODE=approval or allowlist unless that is what you want.',
    ]);
    expect(configWarnings(parseConfig(prod))).toEqual([]);
    expect(configWarnings(parseConfig({ ACCESS_MODE: 'open' }))).toEqual([]);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT must be an integer 1-65535, got "abc"'],
    [{ PORT: '70000' }, 'PORT must be an integer 1-65535, got "70000"'],
    [{ PORT: '9.5' }, 'PORT must be an integer 1-65535, got "9.5"'],
    [{ AGENT_RUNTIME: 'kubernetes' }, 'AGENT_RUNTIME must be one of auto|docker|process|swarm, got "kubernetes"'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of fatal|error|warn|info|debug|trace|silent, got "loud"'],
    [{ HASHKEY_SANDBOX: 'maybe' }, 'HASHKEY_SANDBOX must be true or false, got "maybe"'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL must be a URL (e.g. https://example.com), got "not a url"'],
    [{ AGENT_PORT_RANGE: '9000-8000' }, 'AGENT_PORT_RANGE must look like 8000-8999 (1024-65535, from <= to), got "9000-8000"'],
    [{ ENCRYPTION_KEY: 'short' }, 'ENCRYPTION_KEY must be 32 bytes as 64 hex characters or base64 (try: openssl rand -hex 32)'],
    [{ HSK_PRIVATE_KEY: '0x1234' }, 'HSK_PRIVATE_KEY must be a 32-byte hex private key (64 hex characters, optional 0x)'],
    [{ ADMIN_TELEGRAM_IDS: '12,abc' }, 'ADMIN_TELEGRAM_IDS must be a comma-separated list of numeric Telegram ids, got "12,abc"'],
    [{ ACCESS_MODE: 'public' }, 'ACCESS_MODE must be one of open|allowlist|approval, got "public"'],
    [{ MAX_AGENTS_PER_USER: '0' }, 'MAX_AGENTS_PER_USER must be an integer 1-10000, got "0"'],
    [{ MAX_RUNNING_AGENTS_PER_USER: 'many' }, 'MAX_RUNNING_AGENTS_PER_USER must be an integer 1-10000, got "many"'],
    [{ LLM_USER_DAILY_TOKENS: '-1' }, 'LLM_USER_DAILY_TOKENS must be an integer 0-1000000000000, got "-1"'],
    [{ HASHKEY_API_KEY: 'k' }, 'HASHKEY_SECRET is required when HASHKEY_API_KEY is set'],
    [{ MARKET_DATA: 'binance' }, 'MARKET_DATA must be one of auto|twelvedata|hashkey|simulated, got "binance"'],
    [{ TRADE_LOGGER_ADDRESS: '0x12' }, 'TRADE_LOGGER_ADDRESS must be a 0x-prefixed 20-byte address, got "0x12"'],
    [
      { ENCRYPTION_KEY: key, ENCRYPTION_KEY_PREVIOUS: `${'cd'.repeat(32)},nope` },
      'ENCRYPTION_KEY_PREVIOUS key 2 must be 32 bytes as 64 hex characters or base64',
    ],
    [{ ENCRYPTION_KEY_PREVIOUS: key }, 'ENCRYPTION_KEY_PREVIOUS is set but ENCRYPTION_KEY is not (set the new key as ENCRYPTION_KEY)'],
    [{ WS_MAX_STREAMS_PER_USER: '0' }, 'WS_MAX_STREAMS_PER_USER must be an integer 1-1000, got "0"'],
    [{ LOG_RETENTION_DAYS: '-1' }, 'LOG_RETENTION_DAYS must be an integer 0-36500, got "-1"'],
  ])('rejects %j with a specific message', (env, message) => {
    expect(problemsOf(env)).toEqual([message]);
  });

  it('reads previous encryption keys, stream caps and retention', () => {
    const c = parseConfig({
      ENCRYPTION_KEY: key,
      ENCRYPTION_KEY_PREVIOUS: ` ${'cd'.repeat(32)} , ${'ef'.repeat(32)} `,
      LOG_RETENTION_DAYS: '0',
    });
    expect(c.encryptionKeyPrevious).toEqual(['cd'.repeat(32), 'ef'.repeat(32)]);
    expect(c.retention).toEqual({ logDays: 0, outboundDays: 14, decisionDays: 365, backtestDays: 180, intervalMinutes: 60 });
    expect(c.ws).toEqual({ maxStreamsPerUser: 5, maxStreams: 1000 });
    expect(parseConfig({}).encryptionKeyPrevious).toEqual([]);
  });

  it('reports every problem at once', () => {
    expect(problemsOf({ PORT: 'x', AGENT_RUNTIME: 'y' })).toHaveLength(2);
  });

  it('never echoes the password of a bad database URL', () => {
    const problems = problemsOf({ DATABASE_URL: 'ftp://user:hunter22secret@db/x' });
    expect(problems[0]).toContain('DATABASE_URL');
    expect(problems[0]).not.toContain('hunter22secret');
  });

  it("accepts the Python hub's postgresql+asyncpg:// DATABASE_URL: drops the driver part, with a warning that hides the password", () => {
    const c = parseConfig({ DATABASE_URL: 'postgresql+asyncpg://artic:hunter22secret@db.example.com:5432/artic?sslmode=require' });
    expect(c.databaseUrl).toBe('postgresql://artic:hunter22secret@db.example.com:5432/artic?sslmode=require');
    expect(c.warnings).toEqual([
      `DATABASE_URL names a Python driver (+asyncpg, SQLAlchemy's form); using postgresql://artic:***@db.example.com:5432/artic?sslmode=require. Remove "+asyncpg" from DATABASE_URL to silence this warning.`,
    ]);
    expect(parseConfig({ DATABASE_URL: 'postgres+psycopg2://u@h/d' }).databaseUrl).toBe('postgres://u@h/d');
    expect(parseConfig({ DATABASE_URL: 'postgres://u:p@h/d' })).toMatchObject({ databaseUrl: 'postgres://u:p@h/d', warnings: [] });
    expect(withoutDriverSuffix('mysql+pymysql://u@h/d')).toEqual({ url: 'mysql+pymysql://u@h/d', driver: undefined });
  });

  it('production refuses missing secrets', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    expect(problems).toEqual([
      'INTERNAL_SECRET is required in production (NODE_ENV=production refuses to boot; try: openssl rand -hex 32)',
      'JWT_SECRET is required in production (NODE_ENV=production refuses to boot; try: openssl rand -hex 32)',
      'ENCRYPTION_KEY is required in production (NODE_ENV=production refuses to boot; try: openssl rand -hex 32)',
    ]);
  });

  it('production refuses weak secrets', () => {
    const problems = problemsOf({ NODE_ENV: 'production', INTERNAL_SECRET: 'changeme', JWT_SECRET: 'short', ENCRYPTION_KEY: key });
    expect(problems[0]).toMatch(/^INTERNAL_SECRET is a well-known placeholder value/);
    expect(problems[1]).toMatch(/^JWT_SECRET must be at least 32 characters/);
  });

  it('production boots with strong secrets', () => {
    const c = parseConfig({ NODE_ENV: 'production', INTERNAL_SECRET: strong, JWT_SECRET: strong2, ENCRYPTION_KEY: key });
    expect(c.nodeEnv).toBe('production');
  });

  it('parses encryption keys in hex and base64', () => {
    expect(parseEncryptionKey(key)?.length).toBe(32);
    expect(parseEncryptionKey(Buffer.alloc(32, 7).toString('base64'))?.length).toBe(32);
    expect(parseEncryptionKey('zz')).toBeUndefined();
    expect(secretWeakness('a'.repeat(40))).toMatch(/variety/);
  });

  it('AGENT_NETWORK: auto by default; host or a network name; never a network without DNS names', () => {
    expect(parseConfig({}).agents.network).toBe('auto');
    expect(parseConfig({ AGENT_NETWORK: 'host' }).agents.network).toBe('host');
    expect(parseConfig({ AGENT_NETWORK: 'shop_default' }).agents.network).toBe('shop_default');
    expect(problemsOf({ AGENT_NETWORK: 'bridge' })).toEqual([
      'AGENT_NETWORK=bridge gives agents no DNS name the hub can reach; use auto, host or a user-defined network such as artic-net',
    ]);
    expect(problemsOf({ AGENT_NETWORK: 'my net' })).toEqual([
      'AGENT_NETWORK must be auto, host or a Docker network name (letters, digits, _ . -), got "my net"',
    ]);
  });

  it('backtests: one core left to the hub by default (1 on a 2-core machine), a bounded line', async () => {
    const { availableParallelism } = await import('node:os');
    expect(parseConfig({}).backtests).toEqual({ concurrency: Math.max(1, availableParallelism() - 1), queueMax: 20 });
    expect(parseConfig({ BACKTEST_CONCURRENCY: '3', BACKTEST_QUEUE_MAX: '5' }).backtests).toEqual({ concurrency: 3, queueMax: 5 });
    expect(problemsOf({ BACKTEST_CONCURRENCY: '0' })).toEqual(['BACKTEST_CONCURRENCY must be an integer 1-256, got "0"']);
  });

  it('documents every variable it reads', async () => {
    const { readFileSync } = await import('node:fs');
    const source = readFileSync(new URL('../src/config.ts', import.meta.url), 'utf8');
    const read = new Set([...source.matchAll(/r\.\w+(?:<[^>]+>)?\('([A-Z0-9_]+)'/g)].map((m) => m[1]));
    const documented = new Set(CONFIG_DOCS.map(([name]) => name));
    for (const name of read) expect(documented, `${name} is read but not in CONFIG_DOCS`).toContain(name);
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const name of documented) expect(readme, `${name} missing from the README table`).toContain(`\`${name}\``);
    const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    for (const name of documented) expect(example, `${name} missing from .env.example`).toContain(`# ${name}=`);
  });
});
