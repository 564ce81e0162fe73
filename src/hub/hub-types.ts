/**
 * What the hub core offers its adapters (`Hub`) and what it is built from (`HubDeps`); assembled
 * by `createHub` in ./hub.ts.
 */
import type { ResolvedConfig } from '../config.js';
import type { Orm } from '../db/orm.js';
import type { Logger, SecretRegistry } from '../logger.js';
import type { AgentDirectory } from './agents/agent-directory.js';
import type { AgentIngest } from './agents/ingest.js';
import type { LogQuery } from './agents/agent-logs.js';
import type { AgentLifecycle } from './agents/lifecycle.js';
import type { AgentSettings } from './agents/agent-settings.js';
import type { PortAllocator } from './agents/port-allocator.js';
import type { AgentCredentials } from './auth/agent-credentials.js';
import type { TokenService } from './auth/tokens.js';
import type { UserTokens } from './auth/user-tokens.js';
import type { DashboardSessions } from './auth/dashboard-sessions.js';
import type { HubAlerts } from './alerts/hub-alerts.js';
import type { BotStateStore } from './bot-state-store.js';
import type { Retention } from './retention.js';
import type { HubEvents } from './events.js';
import type { AgentRuntime } from './runtime/runtime.js';
import type { Vault } from './secrets/vault.js';
import type { AccessControl } from './access.js';
import type { UserService } from './users.js';
import type { Broker } from './broker/broker.js';
import type { HubCloses } from './broker/hub-closes.js';
import type { DecisionRecorder } from './broker/decisions.js';
import type { LiquidationWatch } from './broker/liquidation-watch.js';
import type { ChainLogger } from './chain/chain-logger.js';
import type { AgentLlmLookup } from './llm/agent-llm.js';
import type { LlmCostReport } from './llm/cost-report.js';
import type { LlmGateway } from './llm/gateway.js';
import type { Market } from './market/market-from-config.js';
import type { ChartService } from './charts/chart-service.js';
import type { TradeHistory } from './analytics/trade-history.js';
import type { AnalyticsService } from './analytics/analytics-service.js';
import type { TokenInfoService } from './info/token-info.js';
import type { BalanceService } from './account/balances.js';
import type { BacktestService } from './backtest/types.js';
import type { Leadership } from './cluster/leadership.js';
import type { HubProbes } from './ops/probes.js';

export interface Hub {
  events: HubEvents;
  tokens: TokenService;
  /** Agent tokens tied to the agent row (a generation per start); what the internal routes check. */
  agentAuth: AgentCredentials;
  /** Revocable user tokens for the client API. */
  userTokens: UserTokens;
  /** Dashboard sign-in: Mini App initData or a /dashboard login code → a short-lived user token. */
  dashboardSessions: DashboardSessions;
  users: UserService;
  /** Admins' decisions on users, with their consequences (a denied user's agents stop). */
  access: AccessControl;
  vault: Vault;
  agents: AgentDirectory;
  lifecycle: AgentLifecycle;
  /** Edits of agents' settings, delivered to running sessions where they apply live. */
  settings: AgentSettings;
  ingest: AgentIngest;
  logs: LogQuery;
  /** The owner's trades as the chat shows and exports them. */
  tradeHistory: TradeHistory;
  /** Trader analytics over closed trades (/profit, /daily, /leaderboard…). */
  analytics: AnalyticsService;
  runtime: AgentRuntime;
  /** The agent port pool (its `usage()` feeds the operator alerts). */
  ports: PortAllocator;
  market: Market;
  broker: Broker;
  /** Open paper positions (`has(tradeId)`: still open; `confirmOpen`: asks the agent's row) and their liquidator on every served price. */
  openPositions: LiquidationWatch['openPositions'];
  /** Trades the hub closed itself (force exit, owner close, liquidation): `has(tradeId)` for status acks. */
  hubCloses: Pick<HubCloses, 'has'>;
  liquidator: LiquidationWatch['liquidator'];
  decisions: DecisionRecorder;
  llm: LlmGateway;
  agentLlm: AgentLlmLookup;
  /** What the owner's agents spent on LLMs (tokens, USD), for the card and /costs. */
  llmCosts: LlmCostReport;
  chain: ChainLogger;
  retention: Retention;
  /** Alert modes, the outbox of bot messages and routers of hub events to a chat (src/bot delivers). */
  alerts: HubAlerts;
  /** Key/value state of the chat adapter (sessions, half-finished flows). */
  botState: BotStateStore;
  /** `/info`: CoinMarketCap token metadata, cached a day. */
  info: TokenInfoService;
  /** `/balance`: paper equity per agent and the owner's live HashKey balances. */
  balances: BalanceService;
  /** Chart images (candles with trades, equity), drawn in a worker thread. */
  charts: ChartService;
  /** Backtests of agents' settings over history, run in worker threads, stored per trader. */
  backtests: BacktestService;
  /** This replica's role among hubs on one database, and the leader-only tasks (adapters add theirs). */
  leadership: Leadership;
  /** Reconcile with the runtime and start background work. */
  start(): Promise<void>;
  /** Stop background work (agents in containers keep running; child processes stop). */
  stop(): Promise<void>;
}

export interface HubDeps {
  config: ResolvedConfig;
  orm: Orm;
  logger: Logger;
  /** Port the HTTP server listens on (for the default agent → hub URL); read when agents spawn. */
  httpPort: () => number;
  /** Tests inject a runtime. */
  runtime?: AgentRuntime;
  /** Decrypted secrets are added here so logs scrub them. */
  secrets?: SecretRegistry;
  /** The market data layer's clock (default `Date.now`); the backtest parity test steps it bar by bar. */
  marketNow?: () => number;
  /** Hooks the core calls where things happen (order and LLM figures for metrics); none: nothing is measured. */
  probes?: HubProbes;
}
