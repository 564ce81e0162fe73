/**
 * The hub core, assembled: events, tokens, users, agents (records, lifecycle, ingest), and the
 * agent runtime. Knows nothing of Telegram or HTTP; `src/bot` and `src/http` adapt it.
 */
import type { ResolvedConfig } from '../config.js';
import type { Orm } from '../db/orm.js';
import type { Logger, SecretRegistry } from '../logger.js';
import { createAgentDirectory, type AgentDirectory } from './agents/agent-directory.js';
import { createAgentIngest, type AgentIngest } from './agents/ingest.js';
import { createLogQuery, type LogQuery } from './agents/agent-logs.js';
import { createAgentLifecycle, type AgentLifecycle } from './agents/lifecycle.js';
import { createPortAllocator } from './agents/port-allocator.js';
import { createTokenService, type TokenService } from './auth/tokens.js';
import { HubEvents } from './events.js';
import { defaultAgentHubUrl, selectRuntime } from './runtime/select-runtime.js';
import type { AgentRuntime } from './runtime/runtime.js';
import { createVault, serverSecretsFromConfig, type Vault } from './secrets/vault.js';
import { createUserService, type UserService } from './users.js';
import { createBroker, createDecisionRecorder, createHashKeyExchangeFactory, hashKeyPairVerifier, type Broker, type DecisionRecorder } from './broker/index.js';
import { bridgeChainEvents } from './chain/chain-events.js';
import { createChainLoggerFromConfig } from './chain/chain-from-config.js';
import type { ChainLogger } from './chain/chain-logger.js';
import { createAgentLlmLookup, createLlmGateway, type AgentLlmLookup, type LlmGateway } from './llm/index.js';
import { createMarketFromConfig, type Market } from './market/market-from-config.js';

export interface Hub {
  events: HubEvents;
  tokens: TokenService;
  users: UserService;
  vault: Vault;
  agents: AgentDirectory;
  lifecycle: AgentLifecycle;
  ingest: AgentIngest;
  logs: LogQuery;
  runtime: AgentRuntime;
  market: Market;
  broker: Broker;
  decisions: DecisionRecorder;
  llm: LlmGateway;
  agentLlm: AgentLlmLookup;
  chain: ChainLogger;
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
  const users = createUserService({ orm, accessMode: config.telegram.accessMode, adminIds: config.telegram.adminIds });
  const vault = createVault({ orm, encryptionKey: config.encryptionKey, serverSecrets: serverSecretsFromConfig(config), registry: deps.secrets });
  const agents = createAgentDirectory({ orm, limits: { maxLeverage: config.agents.maxLeverage } });
  const runtime = deps.runtime ?? (await selectRuntime(config, logger));
  const ports = createPortAllocator({
    orm,
    range: config.agents.portRange,
    checkHost: runtime.network === 'host',
  });
  const market = createMarketFromConfig(config, { orm });
  const prices = {
    price: async (symbol: string) => {
      const quote = await market.service.getPrice(symbol, 'position');
      return { price: quote.price, stale: quote.stale };
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
    directory: agents,
    logger: logger.child({ part: 'broker' }),
  });
  const decisions = createDecisionRecorder({ orm, events, directory: agents, logger: logger.child({ part: 'decisions' }) });
  const llm = createLlmGateway({
    orm,
    secrets: vault,
    logger: logger.child({ part: 'llm' }),
    baseUrls: { openai: config.llm.openaiBaseUrl, anthropic: config.llm.anthropicBaseUrl, deepseek: config.llm.deepseekBaseUrl, gemini: config.llm.geminiBaseUrl },
  });
  const chain = createChainLoggerFromConfig(config, { orm, logger: logger.child({ part: 'chain' }) });
  bridgeChainEvents({ chain, events, agents, logger: logger.child({ part: 'chain-events' }) });
  const ingest = createAgentIngest({ orm, events, logger: logger.child({ part: 'ingest' }) });
  const lifecycle = createAgentLifecycle({
    orm,
    runtime,
    ports,
    tokens,
    events,
    directory: agents,
    logger,
    hubUrl: () => defaultAgentHubUrl(config, runtime, deps.httpPort()),
    restartOnCrash: config.agents.restartOnCrash,
    maxRestarts: config.agents.maxRestarts,
    healthIntervalMs: config.agents.healthIntervalMs,
  });

  return {
    events,
    tokens,
    users,
    vault,
    agents,
    lifecycle,
    ingest,
    logs: createLogQuery(orm),
    runtime,
    market,
    broker,
    decisions,
    llm,
    agentLlm: createAgentLlmLookup({ orm }),
    chain,
    async start() {
      await chain.start();
      await lifecycle.reconcile();
    },
    async stop() {
      await lifecycle.close();
      await chain.stop();
      await ingest.close();
      await runtime.close();
    },
  };
}
