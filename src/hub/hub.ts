/**
 * The hub core, assembled: events, tokens, users, agents (records, lifecycle, ingest), the
 * agent runtime and retention. Knows nothing of Telegram or HTTP; `src/bot` and `src/http` adapt it.
 */
import { createAgentDirectory } from './agents/agent-directory.js';
import { createAgentIngest } from './agents/ingest.js';
import { createLogQuery } from './agents/agent-logs.js';
import { createAgentLifecycle, type AgentLifecycle } from './agents/lifecycle.js';
import { createAgentSettings } from './agents/agent-settings.js';
import { createPortAllocator, type PortAllocator } from './agents/port-allocator.js';
import type { AgentQuotas } from './agents/quotas.js';
import { createAgentCredentials } from './auth/agent-credentials.js';
import { createTokenService } from './auth/tokens.js';
import { createUserTokens } from './auth/user-tokens.js';
import { createDashboardSessions } from './auth/dashboard-sessions.js';
import { createDashboardCredentialStore } from './auth/dashboard-credential-store.js';
import { createHubAlerts } from './alerts/hub-alerts.js';
import { createBotStateStore } from './bot-state-store.js';
import { createRetention } from './retention.js';
import { HubEvents } from './events.js';
import { forgetOnClusterEvents } from './cluster/cluster-caches.js';
import { agentHubUrls, selectRuntime } from './runtime/select-runtime.js';
import { createVaultFromConfig } from './secrets/vault-from-config.js';
import type { Vault } from './secrets/vault.js';
import { createAccessControl } from './access.js';
import { createUserService } from './users.js';
import { createBroker, type Broker } from './broker/broker.js';
import { createHubCloses, type HubCloses } from './broker/hub-closes.js';
import { createDecisionRecorder } from './broker/decisions.js';
import { createHashKeyExchangeFactory, hashKeyPairVerifier } from './broker/hashkey-keys.js';
import type { PriceSource } from './broker/price-source.js';
import { reconcileLiveOrders } from './broker/reconcile-schedule.js';
import { buildLeadership } from './cluster/leadership.js';
import { watchLiquidations, type LiquidationWatch, type LiquidationWatchDeps } from './broker/liquidation-watch.js';
import { bridgeChainEvents } from './chain/chain-events.js';
import { createChainLoggerFromConfig } from './chain/chain-from-config.js';
import type { ChainLogger } from './chain/chain-logger.js';
import { createAgentLlmLookup } from './llm/agent-llm.js';
import { createLlmBudget } from './llm/budget.js';
import { createLlmCostReport } from './llm/cost-report.js';
import { llmCostUsd } from './llm/prices.js';
import { createLlmGateway, type LlmGateway } from './llm/gateway.js';
import { createMarketFromConfig } from './market/market-from-config.js';
import { createChartService } from './charts/chart-service.js';
import { buildBacktests, type Backtests } from './backtest/build.js';
import type { Hub, HubDeps } from './hub-types.js';
import { createTradeHistory } from './analytics/trade-history.js';
import { createAnalyticsService } from './analytics/analytics-service.js';
import { createTokenInfoService } from './info/token-info.js';
import { createBalanceService } from './account/balances.js';
import type { ExchangeFactory } from './broker/fills.js';

export type { Hub, HubDeps } from './hub-types.js';

/** Identity and records: tokens, users, the vault and the agent directory under the quotas. */
function buildAccounts({ config, orm, logger, secrets }: HubDeps) {
  const tokens = createTokenService(config);
  const agentAuth = createAgentCredentials({ orm, tokens });
  const userTokens = createUserTokens({ orm, tokens });
  const users = createUserService({
    orm,
    accessMode: config.telegram.accessMode,
    adminIds: config.telegram.adminIds,
    logger: logger.child({ part: 'users' }),
  });
  const vault = createVaultFromConfig(config, { orm, users, registry: secrets });
  // Admins are exempt from the quotas and the LLM budget alike.
  const isAdminUser = (userId: string) => users.isAdmin({ userId });
  const quotas = { maxAgents: config.quotas.maxAgentsPerUser, maxRunning: config.quotas.maxRunningAgentsPerUser, isExempt: isAdminUser };
  const agents = createAgentDirectory({ orm, limits: { maxLeverage: config.agents.maxLeverage }, quotas });
  const dashboardSessions = createDashboardSessions({
    credentials: createDashboardCredentialStore(orm),
    users,
    userTokens,
    botToken: config.telegram.botToken,
    initDataMaxAgeSeconds: config.dashboard.initDataMaxAgeSeconds,
  });
  return { tokens, agentAuth, userTokens, users, vault, isAdminUser, quotas, agents, dashboardSessions };
}

/** Where agents run (injected by tests, else chosen from the config) and the ports they listen on. */
async function buildRuntime({ config, orm, logger, runtime: injected }: HubDeps) {
  const runtime = injected ?? (await selectRuntime(config, logger));
  const ports = createPortAllocator({ orm, range: config.agents.portRange, checkHost: runtime.network === 'host' });
  return { runtime, ports };
}

/**
 * The market as configured, watched for liquidations (`liquidate` is `broker.liquidate`, once built), and the broker's price source.
 */
async function buildMarket({ config, orm, logger, marketNow }: HubDeps, events: HubEvents, liquidate: LiquidationWatchDeps['liquidate']) {
  // Every price the market layer serves is checked against the open paper positions (liquidation).
  const liquidation = await watchLiquidations({
    orm,
    events,
    market: createMarketFromConfig(config, { orm, now: marketNow }),
    liquidate,
    logger: logger.child({ part: 'liquidator' }),
  });
  const market = liquidation.market;
  const prices: PriceSource = {
    price: async (symbol, options) => {
      const quote = await market.service.getPrice(symbol, 'position', options);
      return { price: quote.price, stale: quote.stale, at: quote.at, simulated: quote.simulated };
    },
  };
  return { liquidation, market, prices };
}

/** The owners' HashKey accounts (their keys from the vault), shared by the broker and /balance. */
function buildExchangeAccess({ config }: HubDeps, vault: Vault): ExchangeFactory {
  const hashkey = { baseUrl: config.hashkey.baseUrl, sandbox: config.hashkey.sandbox };
  // Exchange keys are checked against the account endpoint before they are stored.
  vault.setVerifier('HASHKEY_SECRET', hashKeyPairVerifier(vault, hashkey));
  return createHashKeyExchangeFactory({ secrets: vault, ...hashkey });
}

/** The broker, paper and live (HashKey with the owner's keys), and the book of open paper positions it keeps. */
function buildBroker(
  { config, orm, logger, probes }: HubDeps,
  parts: Pick<Hub, 'events' | 'agents'> & {
    prices: PriceSource;
    liquidation: LiquidationWatch;
    exchangeFor: ExchangeFactory;
    hubCloses: HubCloses;
  },
): Broker {
  return createBroker({
    orm,
    events: parts.events,
    prices: parts.prices,
    feeBps: config.paper.feeBps,
    slippageBps: config.paper.slippageBps,
    exchangeFor: parts.exchangeFor,
    liveQuoteMaxAgeMs: config.live.quoteMaxAgeSeconds * 1000,
    directory: parts.agents,
    openPositions: parts.liquidation.book,
    hubCloses: parts.hubCloses,
    logger: logger.child({ part: 'broker' }),
    onOrder: probes?.order,
  });
}

/** The LLM gateway on the owners' keys, the server's keys rationed by a daily budget (admins exempt). */
function buildLlm(
  { config, orm, logger, probes }: HubDeps,
  parts: Pick<Hub, 'events' | 'vault'> & { isAdminUser: (userId: string) => Promise<boolean> },
): LlmGateway {
  return createLlmGateway({
    orm,
    secrets: parts.vault,
    budget: createLlmBudget({ orm, events: parts.events, dailyTokens: config.quotas.llmUserDailyTokens, isExempt: parts.isAdminUser }),
    prices: config.llm.prices,
    logger: logger.child({ part: 'llm' }),
    onUsage: probes?.llmUsage,
    baseUrls: {
      openai: config.llm.openaiBaseUrl,
      anthropic: config.llm.anthropicBaseUrl,
      deepseek: config.llm.deepseekBaseUrl,
      gemini: config.llm.geminiBaseUrl,
    },
  });
}

/** The on-chain logger as configured, its outcomes bridged to hub events. */
function buildChain({ config, orm, logger }: HubDeps, parts: Pick<Hub, 'events' | 'agents'>): ChainLogger {
  const chain = createChainLoggerFromConfig(config, { orm, logger: logger.child({ part: 'chain' }) });
  bridgeChainEvents({ chain, events: parts.events, agents: parts.agents, logger: logger.child({ part: 'chain-events' }) });
  return chain;
}

/** Spawn, supervise and reconcile agents; a stop with closing goes through the broker. */
function buildLifecycle(
  deps: HubDeps,
  parts: Pick<Hub, 'events' | 'agentAuth' | 'agents' | 'runtime' | 'broker'> & { ports: PortAllocator; quotas: AgentQuotas },
): AgentLifecycle {
  const { config, orm, logger } = deps;
  const { runtime, broker } = parts;
  return createAgentLifecycle({
    orm,
    runtime,
    ports: parts.ports,
    tokens: parts.agentAuth,
    events: parts.events,
    directory: parts.agents,
    logger,
    hubUrls: () => agentHubUrls(config, runtime, deps.httpPort()),
    agentNodeOptions: config.agents.nodeOptions,
    restartOnCrash: config.agents.restartOnCrash,
    maxRestarts: config.agents.maxRestarts,
    healthIntervalMs: config.agents.healthIntervalMs,
    quotas: parts.quotas,
    closeForOwner: (agentId, tradeId, reason) => broker.closeForOwner(agentId, tradeId, reason),
  });
}

/** Logs, the alerts (with the bot's outbox) and the retention that prunes logs, outbox, decisions and backtests. */
function buildUpkeep({ config, orm, logger }: HubDeps, parts: Pick<Hub, 'events' | 'users' | 'decisions'> & { backtests: Backtests }) {
  const logs = createLogQuery(orm);
  const alerts = createHubAlerts({ orm, events: parts.events, users: parts.users });
  const retention = createRetention({
    targets: [
      { table: 'log_entries', days: config.retention.logDays, prune: logs.prune },
      { table: 'outbound_messages', days: config.retention.outboundDays, prune: alerts.outbox.prune },
      { table: 'decisions', days: config.retention.decisionDays, prune: parts.decisions.prune },
      { table: 'backtests', days: config.retention.backtestDays, prune: parts.backtests.store.prune },
    ],
    intervalMs: config.retention.intervalMinutes * 60_000,
    logger: logger.child({ part: 'retention' }),
  });
  return { logs, alerts, retention };
}

/** Trades as the chat and the API read them, with the chain's id and the LLM cost of their decisions. */
function buildTradeHistory({ orm, config }: HubDeps) {
  return createTradeHistory({
    orm,
    chainId: config.chain.chainId,
    costOf: (provider, model, p, c) => llmCostUsd(config.llm.prices, provider, model, p, c),
  });
}

/** The composition root of the core: parts are built in this order, and stopped in the order of `stop`. */
export async function createHub(deps: HubDeps): Promise<Hub> {
  const { orm, logger } = deps;
  const events = new HubEvents();
  const { tokens, agentAuth, userTokens, users, vault, isAdminUser, quotas, agents, dashboardSessions } = buildAccounts(deps);
  const { runtime, ports } = await buildRuntime(deps);
  const { liquidation, market, prices } = await buildMarket(deps, events, (agentId, tradeId) => broker.liquidate(agentId, tradeId));
  const exchangeFor = buildExchangeAccess(deps, vault);
  const hubCloses = createHubCloses({ events });
  const broker = buildBroker(deps, { events, agents, prices, liquidation, exchangeFor, hubCloses });
  const decisions = createDecisionRecorder({ orm, events, directory: agents, logger: logger.child({ part: 'decisions' }) });
  const llm = buildLlm(deps, { events, vault, isAdminUser });
  const chain = buildChain(deps, { events, agents });
  const ingest = createAgentIngest({ orm, events, logger: logger.child({ part: 'ingest' }) });
  const lifecycle = buildLifecycle(deps, { events, agentAuth, agents, runtime, broker, ports, quotas });
  forgetOnClusterEvents(events, { agentAuth, ingest });
  const backtests = buildBacktests(deps, market);
  const { logs, alerts, retention } = buildUpkeep(deps, { events, users, decisions, backtests });

  const charts = createChartService({ orm, agents, candles: market.service, logger: logger.child({ part: 'charts' }) });
  const access = createAccessControl({ users, lifecycle, events, logger: logger.child({ part: 'access' }) });
  const liveOrders = reconcileLiveOrders({ broker, logger: logger.child({ part: 'live-reconcile' }) });
  const leadership = buildLeadership(deps, { liveOrders, chain, lifecycle, retention });

  return {
    events,
    tokens,
    agentAuth,
    userTokens,
    dashboardSessions,
    users,
    access,
    vault,
    agents,
    lifecycle,
    settings: createAgentSettings({ directory: agents, lifecycle, logger }),
    ingest,
    logs,
    tradeHistory: buildTradeHistory(deps),
    analytics: createAnalyticsService({ orm }),
    runtime,
    ports,
    market,
    broker,
    openPositions: liquidation.openPositions,
    hubCloses,
    liquidator: liquidation.liquidator,
    decisions,
    llm,
    agentLlm: createAgentLlmLookup({ orm }),
    llmCosts: createLlmCostReport({ orm }),
    chain,
    retention,
    alerts,
    botState: createBotStateStore(orm),
    info: createTokenInfoService({ orm, keys: vault, baseUrl: deps.config.market.cmcBaseUrl }),
    balances: createBalanceService({ agents, vault, exchangeFor }),
    charts,
    backtests: backtests.service,
    leadership,
    async start() {
      await users.syncAccess();
      // The singletons (live-order reconcile, chain worker, agent reconcile, retention) run on the leader.
      await leadership.start();
    },
    async stop() {
      await leadership.stop();
      await backtests.service.stop();
      await charts.close();
      await lifecycle.close();
      await liquidation.liquidator.idle();
      await ingest.close();
      await runtime.close();
    },
  };
}
