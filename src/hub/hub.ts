/**
 * The hub core, assembled: events, tokens, users, agents (records, lifecycle, ingest), the
 * agent runtime and retention. Knows nothing of Telegram or HTTP; `src/bot` and `src/http` adapt it.
 */
import type { ResolvedConfig } from '../config.js';
import type { Orm } from '../db/orm.js';
import type { Logger, SecretRegistry } from '../logger.js';
import { createAgentDirectory, type AgentDirectory } from './agents/agent-directory.js';
import { createAgentIngest, type AgentIngest } from './agents/ingest.js';
import { createLogQuery, type LogQuery } from './agents/agent-logs.js';
import { createAgentLifecycle, type AgentLifecycle } from './agents/lifecycle.js';
import { createAgentSettings, type AgentSettings } from './agents/agent-settings.js';
import { createPortAllocator } from './agents/port-allocator.js';
import { createAgentCredentials, type AgentCredentials } from './auth/agent-credentials.js';
import { createTokenService, type TokenService } from './auth/tokens.js';
import { createUserTokens, type UserTokens } from './auth/user-tokens.js';
import { createHubAlerts, type HubAlerts } from './alerts/hub-alerts.js';
import { createBotStateStore, type BotStateStore } from './bot-state-store.js';
import { createRetention, type Retention } from './retention.js';
import { HubEvents } from './events.js';
import { defaultAgentHubUrl, selectRuntime } from './runtime/select-runtime.js';
import type { AgentRuntime } from './runtime/runtime.js';
import { createVaultFromConfig } from './secrets/vault-from-config.js';
import type { Vault } from './secrets/vault.js';
import { createAccessControl, type AccessControl } from './access.js';
import { createUserService, type UserService } from './users.js';
import { createBroker, type Broker } from './broker/broker.js';
import { createDecisionRecorder, type DecisionRecorder } from './broker/decisions.js';
import { createHashKeyExchangeFactory, hashKeyPairVerifier } from './broker/hashkey-keys.js';
import type { PriceSource } from './broker/price-source.js';
import { reconcileLiveOrders } from './broker/reconcile-schedule.js';
import { watchLiquidations, type LiquidationWatch } from './broker/liquidation-watch.js';
import { bridgeChainEvents } from './chain/chain-events.js';
import { createChainLoggerFromConfig } from './chain/chain-from-config.js';
import type { ChainLogger } from './chain/chain-logger.js';
import { createAgentLlmLookup, type AgentLlmLookup } from './llm/agent-llm.js';
import { createLlmBudget } from './llm/budget.js';
import { createLlmGateway, type LlmGateway } from './llm/gateway.js';
import { createMarketFromConfig, type Market } from './market/market-from-config.js';
import { createChartService, type ChartService } from './charts/chart-service.js';
import { createRenderPool } from './charts/render-pool.js';

export interface Hub {
  events: HubEvents;
  tokens: TokenService;
  /** Agent tokens tied to the agent row (a generation per start); what the internal routes check. */
  agentAuth: AgentCredentials;
  /** Revocable user tokens for the client API. */
  userTokens: UserTokens;
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
  runtime: AgentRuntime;
  market: Market;
  broker: Broker;
  /** Open paper positions (`has(tradeId)`: still open) and their liquidator on every served price. */
  openPositions: Pick<LiquidationWatch['book'], 'has'>;
  liquidator: LiquidationWatch['liquidator'];
  decisions: DecisionRecorder;
  llm: LlmGateway;
  agentLlm: AgentLlmLookup;
  chain: ChainLogger;
  retention: Retention;
  /** Alert modes, the outbox of bot messages and routers of hub events to a chat (src/bot delivers). */
  alerts: HubAlerts;
  /** Key/value state of the chat adapter (sessions, half-finished flows). */
  botState: BotStateStore;
  /** Chart images (candles with trades, equity), drawn in a worker thread. */
  charts: ChartService;
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
}

export async function createHub(deps: HubDeps): Promise<Hub> {
  const { config, orm, logger } = deps;
  const events = new HubEvents();
  const tokens = createTokenService(config);
  const agentAuth = createAgentCredentials({ orm, tokens });
  const userTokens = createUserTokens({ orm, tokens });
  const users = createUserService({
    orm,
    accessMode: config.telegram.accessMode,
    adminIds: config.telegram.adminIds,
    logger: logger.child({ part: 'users' }),
  });
  const vault = createVaultFromConfig(config, { orm, users, registry: deps.secrets });
  // Admins are exempt from the quotas and the LLM budget alike.
  const isAdminUser = (userId: string) => users.isAdmin({ userId });
  const quotas = { maxAgents: config.quotas.maxAgentsPerUser, maxRunning: config.quotas.maxRunningAgentsPerUser, isExempt: isAdminUser };
  const agents = createAgentDirectory({ orm, limits: { maxLeverage: config.agents.maxLeverage }, quotas });
  const runtime = deps.runtime ?? (await selectRuntime(config, logger));
  const ports = createPortAllocator({
    orm,
    range: config.agents.portRange,
    checkHost: runtime.network === 'host',
  });
  // Every price the market layer serves is checked against the open paper positions (liquidation).
  const liquidation = await watchLiquidations({
    orm,
    events,
    market: createMarketFromConfig(config, { orm }),
    liquidate: (agentId, tradeId) => broker.liquidate(agentId, tradeId),
    logger: logger.child({ part: 'liquidator' }),
  });
  const market = liquidation.market;
  const prices: PriceSource = {
    price: async (symbol, options) => {
      const quote = await market.service.getPrice(symbol, 'position', options);
      return { price: quote.price, stale: quote.stale, at: quote.at, simulated: quote.simulated };
    },
  };
  const hashkey = { baseUrl: config.hashkey.baseUrl, sandbox: config.hashkey.sandbox };
  // Exchange keys are checked against the account endpoint before they are stored.
  vault.setVerifier('HASHKEY_SECRET', hashKeyPairVerifier(vault, hashkey));
  const broker = createBroker({
    orm,
    events,
    prices,
    feeBps: config.paper.feeBps,
    slippageBps: config.paper.slippageBps,
    exchangeFor: createHashKeyExchangeFactory({ secrets: vault, ...hashkey }),
    liveQuoteMaxAgeMs: config.live.quoteMaxAgeSeconds * 1000,
    directory: agents,
    openPositions: liquidation.book,
    logger: logger.child({ part: 'broker' }),
  });
  const decisions = createDecisionRecorder({ orm, events, directory: agents, logger: logger.child({ part: 'decisions' }) });
  const llm = createLlmGateway({
    orm,
    secrets: vault,
    budget: createLlmBudget({ orm, events, dailyTokens: config.quotas.llmUserDailyTokens, isExempt: isAdminUser }),
    logger: logger.child({ part: 'llm' }),
    baseUrls: {
      openai: config.llm.openaiBaseUrl,
      anthropic: config.llm.anthropicBaseUrl,
      deepseek: config.llm.deepseekBaseUrl,
      gemini: config.llm.geminiBaseUrl,
    },
  });
  const chain = createChainLoggerFromConfig(config, { orm, logger: logger.child({ part: 'chain' }) });
  bridgeChainEvents({ chain, events, agents, logger: logger.child({ part: 'chain-events' }) });
  const ingest = createAgentIngest({ orm, events, logger: logger.child({ part: 'ingest' }) });
  const lifecycle = createAgentLifecycle({
    orm,
    runtime,
    ports,
    tokens: agentAuth,
    events,
    directory: agents,
    logger,
    hubUrl: () => defaultAgentHubUrl(config, runtime, deps.httpPort()),
    restartOnCrash: config.agents.restartOnCrash,
    maxRestarts: config.agents.maxRestarts,
    healthIntervalMs: config.agents.healthIntervalMs,
    quotas,
    closeForOwner: (agentId, tradeId) => broker.closeForOwner(agentId, tradeId),
  });
  // A deleted agent leaves nothing in memory: its token fails at once, its push state goes.
  events.on('agent.deleted', ({ agentId }) => {
    agentAuth.forget(agentId);
    ingest.forget(agentId);
  });
  const logs = createLogQuery(orm);
  const alerts = createHubAlerts({ orm, events, users });
  const retention = createRetention({
    targets: [
      { table: 'log_entries', days: config.retention.logDays, prune: logs.prune },
      { table: 'outbound_messages', days: config.retention.outboundDays, prune: alerts.outbox.prune },
      { table: 'decisions', days: config.retention.decisionDays, prune: decisions.prune },
    ],
    intervalMs: config.retention.intervalMinutes * 60_000,
    logger: logger.child({ part: 'retention' }),
  });

  const charts = createChartService({
    orm,
    agents,
    candles: market.service,
    renderer: createRenderPool({ logger: logger.child({ part: 'charts' }) }),
  });
  const access = createAccessControl({ users, lifecycle, events, logger: logger.child({ part: 'access' }) });
  const liveOrders = reconcileLiveOrders({ broker, logger: logger.child({ part: 'live-reconcile' }) });

  return {
    events,
    tokens,
    agentAuth,
    userTokens,
    users,
    access,
    vault,
    agents,
    lifecycle,
    settings: createAgentSettings({ directory: agents, lifecycle, logger }),
    ingest,
    logs,
    runtime,
    market,
    broker,
    openPositions: liquidation.book,
    liquidator: liquidation.liquidator,
    decisions,
    llm,
    agentLlm: createAgentLlmLookup({ orm }),
    chain,
    retention,
    alerts,
    botState: createBotStateStore(orm),
    charts,
    async start() {
      await users.syncAccess();
      // Before agents are adopted: a fill the last process did not live to record is booked first.
      await liveOrders.start();
      await chain.start();
      await lifecycle.reconcile();
      retention.start();
    },
    async stop() {
      await charts.close();
      await retention.stop();
      await liveOrders.stop();
      await lifecycle.close();
      await liquidation.liquidator.idle();
      await chain.stop();
      await ingest.close();
      await runtime.close();
    },
  };
}
