/**
 * Every environment variable of the product, parsed and validated once at boot.
 *
 * `parseConfig(env)` is pure: it returns a typed `Config` or throws a `ConfigError` that lists
 * every problem, each naming the variable and what is wrong. Secrets that are missing in
 * development are filled in afterwards by `resolveDevSecrets` (src/dev-secrets.ts).
 * The README's configuration table mirrors `CONFIG_DOCS` below; keep them together.
 */

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

export type NodeEnv = 'development' | 'production' | 'test';
export type AgentRuntimeChoice = 'auto' | 'docker' | 'process';
export type MarketDataChoice = 'auto' | 'twelvedata' | 'hashkey' | 'simulated';
export type AccessMode = 'open' | 'allowlist' | 'approval';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  nodeEnv: NodeEnv;
  logLevel: LogLevel;
  host: string;
  port: number;
  dataDir: string;
  /** Unset: an embedded PostgreSQL is started under `dataDir/postgres`. */
  databaseUrl: string | undefined;
  embeddedPgPort: number;
  /** As root: where the embedded PostgreSQL's programs and data go when its user cannot reach node_modules or DATA_DIR. */
  embeddedPgSharedDir: string;
  /** May be undefined after parsing in development; `resolveDevSecrets` fills them. */
  internalSecret: string | undefined;
  jwtSecret: string | undefined;
  encryptionKey: string | undefined;
  /** Earlier ENCRYPTION_KEYs, still accepted for decryption until `npm run secrets:rotate` has run. */
  encryptionKeyPrevious: string[];

  telegram: {
    botToken: string | undefined;
    apiRoot: string;
    webhookUrl: string | undefined;
    webhookSecret: string | undefined;
    accessMode: AccessMode;
    adminIds: number[];
  };
  market: {
    source: MarketDataChoice;
    twelveDataApiKey: string | undefined;
    twelveDataBaseUrl: string;
    twelveDataPerMinute: number;
    twelveDataDailyCredits: number;
    cmcApiKey: string | undefined;
    simulatedSeed: number;
  };
  llm: {
    openaiApiKey: string | undefined;
    anthropicApiKey: string | undefined;
    deepseekApiKey: string | undefined;
    geminiApiKey: string | undefined;
    openaiBaseUrl: string;
    anthropicBaseUrl: string;
    deepseekBaseUrl: string;
    geminiBaseUrl: string;
  };
  hashkey: {
    apiKey: string | undefined;
    secret: string | undefined;
    sandbox: boolean;
    baseUrl: string | undefined;
  };
  live: {
    /** Oldest price a live order is sized on, seconds; an older or stale one refuses the order. */
    quoteMaxAgeSeconds: number;
  };
  chain: {
    rpcUrl: string | undefined;
    privateKey: string | undefined;
    chainId: number;
    decisionLoggerAddress: string | undefined;
    tradeLoggerAddress: string | undefined;
  };
  agents: {
    runtime: AgentRuntimeChoice;
    image: string;
    /** `auto` (decided at boot by where the hub runs, hub/runtime/agent-network.ts), `host` or a network name. */
    network: string;
    /** URL agents use to reach the hub; defaults depend on the runtime (see hub/runtime). */
    hubUrl: string | undefined;
    portRange: { from: number; to: number };
    memoryMb: number;
    cpus: number;
    restartOnCrash: boolean;
    maxRestarts: number;
    healthIntervalMs: number;
    maxLeverage: number;
  };
  paper: {
    feeBps: number;
    slippageBps: number;
  };
  ws: {
    /** Open `/ws` streams one user may hold. */
    maxStreamsPerUser: number;
    /** Open `/ws` streams of all users together. */
    maxStreams: number;
  };
  /** Rows older than this many days are pruned; 0 keeps them forever. */
  retention: {
    logDays: number;
    /** Sent or failed bot messages (pending ones are never pruned). */
    outboundDays: number;
    decisionDays: number;
    intervalMinutes: number;
  };
  /** Problems that did not stop the boot (a corrected value); main.ts logs each once. */
  warnings: string[];
  /** Per-user limits; admins are exempt from all three. */
  quotas: {
    maxAgentsPerUser: number;
    maxRunningAgentsPerUser: number;
    /** Tokens (prompt + completion) a user may spend per UTC day on the server-wide LLM keys. */
    llmUserDailyTokens: number;
  };
}

type Env = Record<string, string | undefined>;

/** Collects problems instead of stopping at the first, so one boot shows every mistake. */
class Reader {
  readonly problems: string[] = [];
  readonly warnings: string[] = [];
  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const value = this.env[name];
    if (value === undefined) return undefined;
    const trimmed = value.trim();
    return trimmed === '' ? undefined : trimmed;
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  optional(name: string): string | undefined {
    return this.raw(name);
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!/^-?\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      this.problems.push(`${name} must be an integer ${min}-${max}, got "${value}"`);
      return fallback;
    }
    return Number(value);
  }

  number(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < min || parsed > max) {
      this.problems.push(`${name} must be a number ${min}-${max}, got "${value}"`);
      return fallback;
    }
    return parsed;
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const lower = value.toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(lower)) return true;
    if (['0', 'false', 'no', 'off'].includes(lower)) return false;
    this.problems.push(`${name} must be true or false, got "${value}"`);
    return fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(value)) {
      this.problems.push(`${name} must be one of ${allowed.join('|')}, got "${value}"`);
      return fallback;
    }
    return value as T;
  }

  url(name: string, fallback?: string): string | undefined {
    return this.checkUrl(name, this.raw(name), fallback);
  }

  /** A PostgreSQL URL; SQLAlchemy's `postgresql+asyncpg://` form loses its driver part, with a warning. */
  postgresUrl(name: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const { url, driver } = withoutDriverSuffix(value);
    if (driver) {
      this.warnings.push(
        `${name} names a Python driver (+${driver}, SQLAlchemy's form); using ${redactUrl(url)}. Remove "+${driver}" from ${name} to silence this warning.`,
      );
    }
    return this.checkUrl(name, url);
  }

  private checkUrl(name: string, value: string | undefined, fallback?: string): string | undefined {
    if (value === undefined) return fallback;
    try {
      const parsed = new URL(value);
      if (!['http:', 'https:', 'ws:', 'wss:', 'postgres:', 'postgresql:'].includes(parsed.protocol)) throw new Error();
      return value;
    } catch {
      this.problems.push(`${name} must be a URL (e.g. https://example.com), got "${redactUrl(value)}"`);
      return fallback;
    }
  }

  portRange(name: string, fallback: string): { from: number; to: number } {
    const value = this.string(name, fallback);
    const match = /^(\d+)-(\d+)$/.exec(value);
    const from = Number(match?.[1]);
    const to = Number(match?.[2]);
    if (!match || from < 1024 || to > 65535 || from > to) {
      this.problems.push(`${name} must look like 8000-8999 (1024-65535, from <= to), got "${value}"`);
      const [f, t] = fallback.split('-').map(Number);
      return { from: f, to: t };
    }
    return { from, to };
  }

  intList(name: string): number[] {
    const value = this.raw(name);
    if (value === undefined) return [];
    const parts = value.split(',').map((s) => s.trim()).filter(Boolean);
    const bad = parts.filter((s) => !/^\d+$/.test(s));
    if (bad.length) {
      this.problems.push(`${name} must be a comma-separated list of numeric Telegram ids, got "${value}"`);
      return [];
    }
    return parts.map(Number);
  }
}

const DRIVER_SUFFIX = /^(postgres(?:ql)?)\+([A-Za-z0-9_]+):/i;

/**
 * `postgresql+asyncpg://…` (the original Python hub's DATABASE_URL) → `postgresql://…`: the
 * `+driver` part picks a Python driver and means nothing to node-postgres.
 */
export function withoutDriverSuffix(value: string): { url: string; driver: string | undefined } {
  const match = DRIVER_SUFFIX.exec(value);
  if (!match) return { url: value, driver: undefined };
  return { url: `${match[1]}:${value.slice(match[0].length)}`, driver: match[2] };
}

/** Hides the password of a URL so it can appear in an error message. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return value.length > 12 ? `${value.slice(0, 8)}…` : value;
  }
}

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

export function parseConfig(env: Env = process.env): Config {
  const r = new Reader(env);
  const nodeEnv = r.oneOf<NodeEnv>('NODE_ENV', ['development', 'production', 'test'], 'development');
  const port = r.int('PORT', 9000, 1, 65535);

  const config: Config = {
    nodeEnv,
    logLevel: r.oneOf<LogLevel>('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    host: r.string('HOST', '127.0.0.1'),
    port,
    dataDir: r.string('DATA_DIR', './data'),
    databaseUrl: r.postgresUrl('DATABASE_URL'),
    embeddedPgPort: r.int('EMBEDDED_PG_PORT', 54329, 1024, 65535),
    embeddedPgSharedDir: r.string('EMBEDDED_PG_SHARED_DIR', '/var/lib/artic'),
    internalSecret: r.optional('INTERNAL_SECRET'),
    jwtSecret: r.optional('JWT_SECRET'),
    encryptionKey: r.optional('ENCRYPTION_KEY'),
    encryptionKeyPrevious: (r.optional('ENCRYPTION_KEY_PREVIOUS') ?? '').split(',').map((k) => k.trim()).filter(Boolean),
    telegram: {
      botToken: r.optional('TELEGRAM_BOT_TOKEN'),
      apiRoot: r.url('TELEGRAM_API_ROOT', 'https://api.telegram.org')!,
      webhookUrl: r.url('TELEGRAM_WEBHOOK_URL'),
      webhookSecret: r.optional('TELEGRAM_WEBHOOK_SECRET'),
      accessMode: r.oneOf<AccessMode>('ACCESS_MODE', ['open', 'allowlist', 'approval'], 'approval'),
      adminIds: r.intList('ADMIN_TELEGRAM_IDS'),
    },
    market: {
      source: r.oneOf<MarketDataChoice>('MARKET_DATA', ['auto', 'twelvedata', 'hashkey', 'simulated'], 'auto'),
      twelveDataApiKey: r.optional('TWELVE_DATA_API_KEY'),
      twelveDataBaseUrl: r.url('TWELVE_DATA_BASE_URL', 'https://api.twelvedata.com')!,
      twelveDataPerMinute: r.int('TWELVE_DATA_PER_MINUTE', 8, 1, 10_000),
      twelveDataDailyCredits: r.int('TWELVE_DATA_DAILY_CREDITS', 800, 1, 10_000_000),
      cmcApiKey: r.optional('CMC_API_KEY'),
      simulatedSeed: r.int('SIMULATED_SEED', 42, 0, 2 ** 31 - 1),
    },
    llm: {
      openaiApiKey: r.optional('OPENAI_API_KEY'),
      anthropicApiKey: r.optional('ANTHROPIC_API_KEY'),
      deepseekApiKey: r.optional('DEEPSEEK_API_KEY'),
      geminiApiKey: r.optional('GEMINI_API_KEY'),
      openaiBaseUrl: r.url('OPENAI_BASE_URL', 'https://api.openai.com/v1')!,
      anthropicBaseUrl: r.url('ANTHROPIC_BASE_URL', 'https://api.anthropic.com/v1/')!,
      deepseekBaseUrl: r.url('DEEPSEEK_BASE_URL', 'https://api.deepseek.com')!,
      geminiBaseUrl: r.url('GEMINI_BASE_URL', 'https://generativelanguage.googleapis.com/v1beta/openai/')!,
    },
    hashkey: {
      apiKey: r.optional('HASHKEY_API_KEY'),
      secret: r.optional('HASHKEY_SECRET'),
      sandbox: r.bool('HASHKEY_SANDBOX', false),
      baseUrl: r.url('HASHKEY_BASE_URL'),
    },
    live: {
      quoteMaxAgeSeconds: r.int('LIVE_QUOTE_MAX_AGE_SECONDS', 30, 1, 3600),
    },
    chain: {
      rpcUrl: r.url('HSK_RPC_URL'),
      privateKey: r.optional('HSK_PRIVATE_KEY'),
      chainId: r.int('HSK_CHAIN_ID', 133, 1, 2 ** 31 - 1),
      decisionLoggerAddress: r.optional('DECISION_LOGGER_ADDRESS'),
      tradeLoggerAddress: r.optional('TRADE_LOGGER_ADDRESS'),
    },
    agents: {
      runtime: r.oneOf<AgentRuntimeChoice>('AGENT_RUNTIME', ['auto', 'docker', 'process'], 'auto'),
      image: r.string('AGENT_IMAGE', 'artic-agent:latest'),
      network: r.string('AGENT_NETWORK', 'auto'),
      hubUrl: r.url('AGENT_HUB_URL'),
      portRange: r.portRange('AGENT_PORT_RANGE', '8000-8999'),
      memoryMb: r.int('AGENT_MEMORY_MB', 256, 32, 65_536),
      cpus: r.number('AGENT_CPUS', 0.5, 0.05, 64),
      restartOnCrash: r.bool('AGENT_RESTART_ON_CRASH', true),
      maxRestarts: r.int('AGENT_MAX_RESTARTS', 3, 0, 100),
      healthIntervalMs: r.int('AGENT_HEALTH_INTERVAL_MS', 5000, 100, 3_600_000),
      maxLeverage: r.int('MAX_LEVERAGE', 20, 1, 125),
    },
    paper: {
      feeBps: r.number('PAPER_FEE_BPS', 6, 0, 1000),
      slippageBps: r.number('PAPER_SLIPPAGE_BPS', 2, 0, 1000),
    },
    ws: {
      maxStreamsPerUser: r.int('WS_MAX_STREAMS_PER_USER', 5, 1, 1000),
      maxStreams: r.int('WS_MAX_STREAMS', 1000, 1, 1_000_000),
    },
    retention: {
      logDays: r.int('LOG_RETENTION_DAYS', 30, 0, 36_500),
      outboundDays: r.int('OUTBOUND_RETENTION_DAYS', 14, 0, 36_500),
      decisionDays: r.int('DECISION_RETENTION_DAYS', 365, 0, 36_500),
      intervalMinutes: r.int('RETENTION_INTERVAL_MINUTES', 60, 1, 10_080),
    },
    warnings: r.warnings,
    quotas: {
      maxAgentsPerUser: r.int('MAX_AGENTS_PER_USER', 10, 1, 10_000),
      maxRunningAgentsPerUser: r.int('MAX_RUNNING_AGENTS_PER_USER', 5, 1, 10_000),
      llmUserDailyTokens: r.int('LLM_USER_DAILY_TOKENS', 200_000, 0, 1_000_000_000_000),
    },
  };

  if (config.encryptionKey !== undefined && !parseEncryptionKey(config.encryptionKey)) {
    r.problems.push('ENCRYPTION_KEY must be 32 bytes as 64 hex characters or base64 (try: openssl rand -hex 32)');
  }
  for (const [i, previous] of config.encryptionKeyPrevious.entries()) {
    if (!parseEncryptionKey(previous)) r.problems.push(`ENCRYPTION_KEY_PREVIOUS key ${i + 1} must be 32 bytes as 64 hex characters or base64`);
  }
  if (config.encryptionKeyPrevious.length && config.encryptionKey === undefined) {
    r.problems.push('ENCRYPTION_KEY_PREVIOUS is set but ENCRYPTION_KEY is not (set the new key as ENCRYPTION_KEY)');
  }
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
  if (['bridge', 'none'].includes(config.agents.network)) {
    r.problems.push(`AGENT_NETWORK=${config.agents.network} gives agents no DNS name the hub can reach; use auto, host or a user-defined network such as artic-net`);
  } else if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(config.agents.network)) {
    r.problems.push(`AGENT_NETWORK must be auto, host or a Docker network name (letters, digits, _ . -), got "${config.agents.network}"`);
  }
  if (config.telegram.webhookUrl && !config.telegram.botToken) {
    r.problems.push('TELEGRAM_WEBHOOK_URL is set but TELEGRAM_BOT_TOKEN is not');
  }
  if (nodeEnv === 'production') {
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

  if (r.problems.length) throw new ConfigError(r.problems);
  return config;
}

/**
 * What the operator should hear at every boot: values that were corrected while reading
 * (`config.warnings`), and a config that boots but is risky.
 */
export function configWarnings(config: Config): string[] {
  const warnings = [...config.warnings];
  if (config.nodeEnv === 'production' && config.telegram.accessMode === 'open') {
    warnings.push(
      'ACCESS_MODE=open in production: anyone who finds the bot can register, run agents (within MAX_AGENTS_PER_USER) and spend the server-wide LLM keys (within LLM_USER_DAILY_TOKENS a day each). Set ACCESS_MODE=approval or allowlist unless that is what you want.',
    );
  }
  return warnings;
}

/** A config with every secret present (after `resolveDevSecrets`). */
export type ResolvedConfig = Config & { internalSecret: string; jwtSecret: string; encryptionKey: string };

/**
 * One row per environment variable: name, default, meaning. The README table is generated
 * from this list by `node scripts/config-table.mjs` (and a test checks they agree).
 */
export const CONFIG_DOCS: ReadonlyArray<readonly [name: string, fallback: string, meaning: string]> = [
  ['NODE_ENV', 'development', '`production` refuses to boot with missing or weak secrets'],
  ['LOG_LEVEL', 'info', 'pino level: fatal, error, warn, info, debug, trace, silent'],
  ['HOST', '127.0.0.1', 'Interface the HTTP server binds (use 0.0.0.0 in containers)'],
  ['PORT', '9000', 'HTTP port: `/health`, `/internal/*` for agents, `/ws` for clients'],
  ['DATA_DIR', './data', 'Embedded PostgreSQL data, generated dev secrets, chain addresses'],
  ['DATABASE_URL', '(unset: embedded)', 'PostgreSQL URL (`postgres://` or `postgresql://`; a `postgresql+asyncpg://` URL is accepted, with a warning); unset starts an embedded PostgreSQL 17 under `DATA_DIR/postgres`'],
  ['EMBEDDED_PG_PORT', '54329', 'Port of the embedded PostgreSQL (never 5432, which a system server may hold)'],
  ['EMBEDDED_PG_SHARED_DIR', '/var/lib/artic', 'As root: where the embedded PostgreSQL\'s programs and data go when its `postgres` user cannot enter the project or `DATA_DIR` (a private directory)'],
  ['INTERNAL_SECRET', '(generated in dev)', 'Key material for agent tokens (JWT HS256); ≥32 chars in production'],
  ['JWT_SECRET', '(generated in dev)', 'Key for user JWTs (WebSocket API); ≥32 chars in production'],
  ['ENCRYPTION_KEY', '(generated in dev)', '32 bytes (64 hex chars or base64) for AES-256-GCM secret storage'],
  ['ENCRYPTION_KEY_PREVIOUS', '(unset)', 'Earlier ENCRYPTION_KEY(s), comma-separated, still read during a key rotation; run `npm run secrets:rotate`, then unset'],
  ['TELEGRAM_BOT_TOKEN', '(unset: bot disabled)', 'Bot token from @BotFather'],
  ['TELEGRAM_API_ROOT', 'https://api.telegram.org', 'Bot API server (self-hosted one, or an emulator in tests)'],
  ['TELEGRAM_WEBHOOK_URL', '(unset: long polling)', 'Public URL for webhook mode, served by the hub at `/telegram/webhook`'],
  ['TELEGRAM_WEBHOOK_SECRET', '(derived)', 'Secret-token header Telegram must send in webhook mode'],
  ['ACCESS_MODE', 'approval', 'approval (admins approve new users), allowlist (only admins and users they approve) or open (anyone; warned at every production boot). Leaving open puts users admitted under open back to pending'],
  ['ADMIN_TELEGRAM_IDS', '(empty: first user)', 'Comma-separated Telegram user ids of admins; when empty, the first user to /start becomes the admin'],
  ['MAX_AGENTS_PER_USER', '10', 'Agents one user may have (admins exempt)'],
  ['MAX_RUNNING_AGENTS_PER_USER', '5', 'Agents one user may run at once (admins exempt)'],
  ['LLM_USER_DAILY_TOKENS', '200000', 'Tokens per user and UTC day on the server-wide LLM keys (admins unlimited; 0: admins only); then the agent uses its rules'],
  ['MARKET_DATA', 'auto', 'auto (Twelve Data with a key, else HashKey), twelvedata, hashkey, simulated (offline)'],
  ['TWELVE_DATA_API_KEY', '(unset)', 'Twelve Data key; enables the Twelve Data provider'],
  ['TWELVE_DATA_BASE_URL', 'https://api.twelvedata.com', 'Twelve Data API base URL'],
  ['TWELVE_DATA_PER_MINUTE', '8', 'Upstream Twelve Data requests per minute (one p-queue for all agents)'],
  ['TWELVE_DATA_DAILY_CREDITS', '800', 'Daily Twelve Data credit budget (persisted across restarts)'],
  ['CMC_API_KEY', '(unset)', 'CoinMarketCap key for token metadata'],
  ['SIMULATED_SEED', '42', 'Seed of the simulated market'],
  ['OPENAI_API_KEY', '(unset)', 'Server-wide OpenAI key, shared within LLM_USER_DAILY_TOKENS (users can set their own)'],
  ['ANTHROPIC_API_KEY', '(unset)', 'Server-wide Anthropic key'],
  ['DEEPSEEK_API_KEY', '(unset)', 'Server-wide DeepSeek key'],
  ['GEMINI_API_KEY', '(unset)', 'Server-wide Gemini key'],
  ['OPENAI_BASE_URL', 'https://api.openai.com/v1', 'OpenAI-compatible endpoint for OpenAI'],
  ['ANTHROPIC_BASE_URL', 'https://api.anthropic.com/v1/', 'OpenAI-compatible endpoint for Anthropic'],
  ['DEEPSEEK_BASE_URL', 'https://api.deepseek.com', 'OpenAI-compatible endpoint for DeepSeek'],
  ['GEMINI_BASE_URL', 'https://generativelanguage.googleapis.com/v1beta/openai/', 'OpenAI-compatible endpoint for Gemini'],
  ['HASHKEY_API_KEY', '(unset)', 'Server-wide HashKey Global API key: trades for admins only (everyone else stores their own)'],
  ['HASHKEY_SECRET', '(unset)', 'Secret of HASHKEY_API_KEY'],
  ['HASHKEY_SANDBOX', 'false', 'Use the HashKey Global sandbox (https://api-glb.sim.hashkeydev.com)'],
  ['HASHKEY_BASE_URL', '(by HASHKEY_SANDBOX)', 'Override the HashKey Global REST base URL'],
  ['LIVE_QUOTE_MAX_AGE_SECONDS', '30', 'A live order is sized (quantity = amount / price) on a price at most this old, refreshed first when the cached one is older; a stale or simulated price refuses the order (409 `quote_stale`, 422 `live_quote_simulated`)'],
  ['HSK_RPC_URL', '(unset: chain logging off)', 'HashKey Chain JSON-RPC URL'],
  ['HSK_PRIVATE_KEY', '(unset: chain logging off)', 'Key of the one signer that logs decisions and trades'],
  ['HSK_CHAIN_ID', '133', 'Chain id (133 testnet, 177 mainnet)'],
  ['DECISION_LOGGER_ADDRESS', '(from chain:deploy)', 'Deployed DecisionLogger contract'],
  ['TRADE_LOGGER_ADDRESS', '(from chain:deploy)', 'Deployed TradeLogger contract'],
  ['AGENT_RUNTIME', 'auto', 'auto (docker when an engine answers and AGENT_IMAGE exists, else process), docker (refuses to boot without both), process'],
  ['AGENT_IMAGE', 'artic-agent:latest', 'Image of agent containers'],
  ['AGENT_NETWORK', 'auto', 'Docker network of agents. auto: by where the hub runs (on the host → `host`, agents bind 127.0.0.1:{port}; in a container → its network, e.g. `artic-net`, DNS names); or `host`, or a network name'],
  ['AGENT_HUB_URL', '(by network)', 'URL agents use to reach the hub; default `http://127.0.0.1:PORT` on the host network, `http://{hub container}:PORT` on the hub\'s network'],
  ['AGENT_PORT_RANGE', '8000-8999', 'Pool of agent ports'],
  ['AGENT_MEMORY_MB', '256', 'Memory limit per agent container'],
  ['AGENT_CPUS', '0.5', 'CPU limit per agent container'],
  ['AGENT_RESTART_ON_CRASH', 'true', 'Restart a crashed agent with backoff'],
  ['AGENT_MAX_RESTARTS', '3', 'Restarts before an agent stays failed'],
  ['AGENT_HEALTH_INTERVAL_MS', '5000', 'How often the hub probes each running agent'],
  ['MAX_LEVERAGE', '20', 'Highest leverage a user may choose'],
  ['PAPER_FEE_BPS', '6', 'Paper taker fee in basis points'],
  ['PAPER_SLIPPAGE_BPS', '2', 'Paper slippage in basis points'],
  ['WS_MAX_STREAMS_PER_USER', '5', 'Open `/ws` streams one user may hold (more are closed with 4429)'],
  ['WS_MAX_STREAMS', '1000', 'Open `/ws` streams of all users together'],
  ['LOG_RETENTION_DAYS', '30', 'Agent log lines older than this are pruned (0 keeps them; each agent keeps its newest line)'],
  ['OUTBOUND_RETENTION_DAYS', '14', 'Sent or failed bot messages older than this are pruned (0 keeps them; pending ones always stay)'],
  ['DECISION_RETENTION_DAYS', '365', 'Supervisor/planner decisions older than this are pruned (0 keeps them; on-chain hashes stay on chain)'],
  ['RETENTION_INTERVAL_MINUTES', '60', 'How often the pruning runs (in batches of 5000 rows)'],
  ['DOCKER_HOST', '(unset: /var/run/docker.sock)', 'Docker engine address (read by dockerode)'],
];
