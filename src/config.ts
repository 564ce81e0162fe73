/**
 * Every environment variable of the product, parsed and validated once at boot.
 *
 * `parseConfig(env)` is pure: it returns a typed `Config` or throws a `ConfigError` that lists
 * every problem, each naming the variable and what is wrong. Secrets that are missing in
 * development are filled in afterwards by `resolveDevSecrets` (src/dev-secrets.ts).
 * Every variable read here is documented in `CONFIG_DOCS` (src/config/docs.ts), from which the
 * README table is generated; test/config.test.ts checks this file against it.
 *
 * The parts: the shape (config/types.ts), reading one variable (config/reader.ts), rules across
 * variables (config/checks.ts), secret strength (config/secret-checks.ts) and the docs table.
 */
import { availableParallelism, hostname } from 'node:os';
import { checkConfig } from './config/checks.js';
import { Reader, type Env } from './config/reader.js';
import { DEFAULT_LLM_PRICES, parseLlmPrices, withPriceOverrides, type LlmPriceTable } from './hub/llm/prices.js';
import { AGENT_NODE_OPTIONS } from './hub/runtime/agent-node-options.js';
import type { AccessMode, AgentRuntimeChoice, Config, LogLevel, MarketDataChoice, NodeEnv } from './config/types.js';

export type { AccessMode, AgentRuntimeChoice, Config, LogLevel, MarketDataChoice, NodeEnv, ResolvedConfig } from './config/types.js';
export { CONFIG_DOCS } from './config/docs.js';
export { redactUrl, withoutDriverSuffix } from './config/reader.js';
export { parseEncryptionKey, secretWeakness } from './config/secret-checks.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

export function parseConfig(env: Env = process.env): Config {
  const r = new Reader(env);
  // Sections are read in this order, so problems are listed in the order of the docs table.
  const config: Config = {
    ...readServer(r),
    telegram: readTelegram(r),
    dashboard: {
      publicUrl: r.url('PUBLIC_URL')?.replace(/\/+$/, ''),
      initDataMaxAgeSeconds: r.int('MINIAPP_MAX_AGE_S', 3600, 10, 7 * 86_400),
    },
    market: readMarket(r),
    llm: readLlm(r),
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
    agents: readAgents(r),
    metrics: readMetrics(r),
    operatorAlerts: readOperatorAlerts(r),
    ...readLimits(r),
  };
  checkConfig(config, r);
  if (r.problems.length) throw new ConfigError(r.problems);
  return config;
}

/** The process itself: environment, logging, the HTTP listener, storage and key material. */
function readServer(r: Reader) {
  const nodeEnv = r.oneOf<NodeEnv>('NODE_ENV', ['development', 'production', 'test'], 'development');
  const port = r.int('PORT', 9000, 1, 65535);
  return {
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
    encryptionKeyPrevious: (r.optional('ENCRYPTION_KEY_PREVIOUS') ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean),
  };
}

function readTelegram(r: Reader): Config['telegram'] {
  return {
    botToken: r.optional('TELEGRAM_BOT_TOKEN'),
    apiRoot: r.url('TELEGRAM_API_ROOT', 'https://api.telegram.org')!,
    webhookUrl: r.url('TELEGRAM_WEBHOOK_URL'),
    webhookSecret: r.optional('TELEGRAM_WEBHOOK_SECRET'),
    accessMode: r.oneOf<AccessMode>('ACCESS_MODE', ['open', 'allowlist', 'approval'], 'approval'),
    adminIds: r.intList('ADMIN_TELEGRAM_IDS'),
  };
}

function readMarket(r: Reader): Config['market'] {
  return {
    source: r.oneOf<MarketDataChoice>('MARKET_DATA', ['auto', 'twelvedata', 'hashkey', 'simulated'], 'auto'),
    twelveDataApiKey: r.optional('TWELVE_DATA_API_KEY'),
    twelveDataBaseUrl: r.url('TWELVE_DATA_BASE_URL', 'https://api.twelvedata.com')!,
    twelveDataPerMinute: r.int('TWELVE_DATA_PER_MINUTE', 8, 1, 10_000),
    twelveDataDailyCredits: r.int('TWELVE_DATA_DAILY_CREDITS', 800, 1, 10_000_000),
    cmcApiKey: r.optional('CMC_API_KEY'),
    cmcBaseUrl: r.url('CMC_BASE_URL', 'https://pro-api.coinmarketcap.com')!,
    simulatedSeed: r.int('SIMULATED_SEED', 42, 0, 2 ** 31 - 1),
  };
}

function readLlm(r: Reader): Config['llm'] {
  return {
    openaiApiKey: r.optional('OPENAI_API_KEY'),
    anthropicApiKey: r.optional('ANTHROPIC_API_KEY'),
    deepseekApiKey: r.optional('DEEPSEEK_API_KEY'),
    geminiApiKey: r.optional('GEMINI_API_KEY'),
    openaiBaseUrl: r.url('OPENAI_BASE_URL', 'https://api.openai.com/v1')!,
    anthropicBaseUrl: r.url('ANTHROPIC_BASE_URL', 'https://api.anthropic.com/v1/')!,
    deepseekBaseUrl: r.url('DEEPSEEK_BASE_URL', 'https://api.deepseek.com')!,
    geminiBaseUrl: r.url('GEMINI_BASE_URL', 'https://generativelanguage.googleapis.com/v1beta/openai/')!,
    prices: readLlmPrices(r),
  };
}

/** The price table of LLM costs: the built-in defaults with `LLM_PRICES` (JSON) laid over them. */
function readLlmPrices(r: Reader): LlmPriceTable {
  const raw = r.optional('LLM_PRICES');
  if (raw === undefined) return DEFAULT_LLM_PRICES;
  const parsed = parseLlmPrices(raw);
  if ('problem' in parsed) {
    r.problems.push(`LLM_PRICES ${parsed.problem}`);
    return DEFAULT_LLM_PRICES;
  }
  return withPriceOverrides(parsed.prices);
}

function readAgents(r: Reader): Config['agents'] {
  return {
    runtime: r.oneOf<AgentRuntimeChoice>('AGENT_RUNTIME', ['auto', 'docker', 'process', 'swarm'], 'auto'),
    image: r.string('AGENT_IMAGE', 'artic-agent:latest'),
    network: r.string('AGENT_NETWORK', 'auto'),
    placement: r
      .string('AGENT_PLACEMENT', '')
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean),
    hubUrl: r.url('AGENT_HUB_URL'),
    hubUrls: r.urlList('AGENT_HUB_URLS'),
    portRange: r.portRange('AGENT_PORT_RANGE', '8000-8999'),
    memoryMb: r.int('AGENT_MEMORY_MB', 256, 32, 65_536),
    cpus: r.number('AGENT_CPUS', 0.5, 0.05, 64),
    nodeOptions: r.nodeOptions('AGENT_NODE_OPTIONS', AGENT_NODE_OPTIONS),
    restartOnCrash: r.bool('AGENT_RESTART_ON_CRASH', true),
    maxRestarts: r.int('AGENT_MAX_RESTARTS', 3, 0, 100),
    healthIntervalMs: r.int('AGENT_HEALTH_INTERVAL_MS', 5000, 100, 3_600_000),
    maxLeverage: r.int('MAX_LEVERAGE', 20, 1, 125),
  };
}

/** The Prometheus endpoint: its own listener (`METRICS_PORT=off`: none) and the optional bearer token. */
function readMetrics(r: Reader): Config['metrics'] {
  const off = r.raw('METRICS_PORT')?.toLowerCase() === 'off';
  return {
    host: r.string('METRICS_HOST', '127.0.0.1'),
    port: off ? null : r.int('METRICS_PORT', 9464, 0, 65535),
    token: r.optional('METRICS_TOKEN'),
  };
}

function readOperatorAlerts(r: Reader): Config['operatorAlerts'] {
  return {
    signerMinBalance: r.number('OPERATOR_SIGNER_MIN_BALANCE', 0.1, 0, 1e12),
    creditsPct: r.number('OPERATOR_CREDITS_ALERT_PCT', 90, 1, 100),
    portsPct: r.number('OPERATOR_PORTS_ALERT_PCT', 90, 1, 100),
    crashCount: r.int('OPERATOR_CRASH_ALERT_COUNT', 3, 2, 1000),
    crashWindowMinutes: r.int('OPERATOR_CRASH_ALERT_MINUTES', 15, 1, 10_080),
    checkIntervalSeconds: r.int('OPERATOR_ALERT_INTERVAL_S', 60, 1, 86_400),
    rearmHours: r.number('OPERATOR_ALERT_REARM_HOURS', 24, 0.01, 8760),
  };
}

/** Paper costs, backtest capacity, stream caps, retention and per-user quotas; `warnings` collects the corrected values. */
function readLimits(r: Reader): Pick<Config, 'paper' | 'backtests' | 'ws' | 'cluster' | 'retention' | 'warnings' | 'quotas'> {
  return {
    paper: {
      feeBps: r.number('PAPER_FEE_BPS', 6, 0, 1000),
      slippageBps: r.number('PAPER_SLIPPAGE_BPS', 2, 0, 1000),
    },
    backtests: {
      // One core stays for the hub's event loop (and the agents): 1 on a 2-core machine.
      concurrency: r.int('BACKTEST_CONCURRENCY', Math.max(1, availableParallelism() - 1), 1, 256),
      queueMax: r.int('BACKTEST_QUEUE_MAX', 20, 1, 10_000),
    },
    ws: {
      maxStreamsPerUser: r.int('WS_MAX_STREAMS_PER_USER', 5, 1, 1000),
      maxStreams: r.int('WS_MAX_STREAMS', 1000, 1, 1_000_000),
    },
    cluster: {
      replicaId: r.string('HUB_REPLICA_ID', `${hostname()}:${process.pid}`),
      leaderRetryMs: r.int('LEADER_RETRY_MS', 1000, 50, 60_000),
    },
    retention: {
      logDays: r.int('LOG_RETENTION_DAYS', 30, 0, 36_500),
      outboundDays: r.int('OUTBOUND_RETENTION_DAYS', 14, 0, 36_500),
      decisionDays: r.int('DECISION_RETENTION_DAYS', 365, 0, 36_500),
      backtestDays: r.int('BACKTEST_RETENTION_DAYS', 180, 0, 36_500),
      intervalMinutes: r.int('RETENTION_INTERVAL_MINUTES', 60, 1, 10_080),
    },
    warnings: r.warnings,
    quotas: {
      maxAgentsPerUser: r.int('MAX_AGENTS_PER_USER', 10, 1, 10_000),
      maxRunningAgentsPerUser: r.int('MAX_RUNNING_AGENTS_PER_USER', 5, 1, 10_000),
      llmUserDailyTokens: r.int('LLM_USER_DAILY_TOKENS', 200_000, 0, 1_000_000_000_000),
    },
  };
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
  const { publicUrl } = config.dashboard;
  if (publicUrl && config.telegram.botToken && !publicUrl.startsWith('https://')) {
    warnings.push(
      `PUBLIC_URL is not https (${publicUrl}): Telegram opens Mini Apps only over HTTPS, so the Dashboard buttons will not open. Put the hub behind a TLS proxy (README, API and dashboard).`,
    );
  }
  return warnings;
}
