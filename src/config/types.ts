/**
 * The shape of the product's configuration: what `parseConfig` (src/config.ts) returns. Units
 * are in the names or the comments (ms, seconds, days, bps); `undefined` means "not set".
 */

import type { LlmPriceTable } from '../hub/llm/prices.js';

export type NodeEnv = 'development' | 'production' | 'test';
export type AgentRuntimeChoice = 'auto' | 'docker' | 'process' | 'swarm';
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
  /** The Mini App dashboard (`/app`) and its client API (`/api/v1`). */
  dashboard: {
    /** Public base URL of the hub, no trailing slash (`PUBLIC_URL`); set: the bot offers the Mini App. */
    publicUrl: string | undefined;
    /** Oldest Telegram Mini App `initData` (by its `auth_date`) exchanged for a session, seconds. */
    initDataMaxAgeSeconds: number;
  };
  market: {
    source: MarketDataChoice;
    twelveDataApiKey: string | undefined;
    twelveDataBaseUrl: string;
    twelveDataPerMinute: number;
    twelveDataDailyCredits: number;
    cmcApiKey: string | undefined;
    /** CoinMarketCap Pro API base URL (`CMC_BASE_URL`; tests point it at a local stand-in). */
    cmcBaseUrl: string;
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
    /** USD per million tokens by `provider/model`: defaults (src/hub/llm/prices.ts) with LLM_PRICES over them. */
    prices: LlmPriceTable;
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
    /** Swarm placement constraints of agent services (AGENT_PLACEMENT, comma-separated). */
    placement: string[];
    /** URL agents use to reach the hub; defaults depend on the runtime (see hub/runtime). */
    hubUrl: string | undefined;
    /** Agent-facing URLs of every hub replica (AGENT_HUB_URLS); empty: the one of `hubUrl` or its default. */
    hubUrls: string[];
    portRange: { from: number; to: number };
    memoryMb: number;
    cpus: number;
    /** NODE_OPTIONS of every agent (process, container or service): its heap limits. */
    nodeOptions: string;
    restartOnCrash: boolean;
    maxRestarts: number;
    healthIntervalMs: number;
    maxLeverage: number;
  };
  /** `GET /metrics` for Prometheus (src/http/metrics-listener.ts). */
  metrics: {
    /** Interface of the metrics listener; anything but loopback needs `token`. */
    host: string;
    /** Port of the metrics listener; 0 picks a free one; null (`METRICS_PORT=off`): no listener. */
    port: number | null;
    /** Bearer token: required on the metrics listener and enables `/metrics` on the main HTTP server too. */
    token: string | undefined;
  };
  /** Alerts to the admins about the server itself (src/hub/alerts/operator-alerts.ts). */
  operatorAlerts: {
    /** The chain signer's balance below this alerts, in the chain's native unit (HSK); only with the chain logger on. */
    signerMinBalance: number;
    /** Percent (0-100) of the Twelve Data daily credits used that alerts. */
    creditsPct: number;
    /** Percent (0-100) of the agent port pool in use that alerts. */
    portsPct: number;
    /** This many crashes of one agent within `crashWindowMinutes` alert. */
    crashCount: number;
    crashWindowMinutes: number;
    /** How often the balance, credits and ports are read, in seconds. */
    checkIntervalSeconds: number;
    /** A condition that persists is alerted again after this many hours. */
    rearmHours: number;
  };
  paper: {
    feeBps: number;
    slippageBps: number;
  };
  backtests: {
    /** Backtests running at once, each in its worker thread. */
    concurrency: number;
    /** Backtests allowed to wait for a worker; more are refused. */
    queueMax: number;
  };
  ws: {
    /** Open `/ws` streams one user may hold. */
    maxStreamsPerUser: number;
    /** Open `/ws` streams of all users together. */
    maxStreams: number;
  };
  cluster: {
    /** This hub among the replicas on one database (HUB_REPLICA_ID): events it publishes carry it, so it ignores its own; `/health` shows it. */
    replicaId: string;
    /** A follower tries for the leader lock, and the leader checks its lock session, this often (ms). */
    leaderRetryMs: number;
  };
  /** Rows older than this many days are pruned; 0 keeps them forever. */
  retention: {
    logDays: number;
    /** Sent or failed bot messages (pending ones are never pruned). */
    outboundDays: number;
    decisionDays: number;
    /** Stored backtest results (each trader also keeps at most 50). */
    backtestDays: number;
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

/** A config with every secret present (after `resolveDevSecrets`). */
export type ResolvedConfig = Config & { internalSecret: string; jwtSecret: string; encryptionKey: string };
