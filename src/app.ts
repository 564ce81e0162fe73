/**
 * The composition root as a function: builds and starts every part in order and returns one
 * `stop()` that tears them down in the reverse order. `src/main.ts` calls it with the process
 * environment; end-to-end tests call it with their own config.
 */
import type { FastifyInstance } from 'fastify';
import { configWarnings, type ResolvedConfig } from './config.js';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './db/embedded-postgres.js';
import { initOrm, type Orm } from './db/orm.js';
import { buildHttpServer, type HttpDeps } from './http/server.js';
import { createHealthCheck } from './hub/health.js';
import { createHub, type Hub } from './hub/hub.js';
import { startEventBridge, type EventBridge } from './hub/cluster/event-bridge.js';
import { createTelegram, type Telegram } from './bot/telegram.js';
import type { AgentRuntime } from './hub/runtime/runtime.js';
import { internalAgentRoutes } from './http/routes/internal-agents.js';
import { wsRoutes } from './http/routes/ws.js';
import { apiRoutes, type ApiServices } from './http/routes/api/index.js';
import { supportedSymbolsFor } from './bot/bot.js';
import { internalLlmRoutes } from './http/routes/internal-llm.js';
import { internalMarketRoutes } from './http/routes/internal-market.js';
import { internalOrderRoutes } from './http/routes/internal-orders.js';
import { telegramWebhookRoutes } from './http/routes/telegram-webhook.js';
import { miniAppRoutes } from './http/routes/mini-app.js';
import { ensureAppBundle } from './http/app-bundle.js';
import type { Logger, SecretRegistry } from './logger.js';
import { VERSION } from './version.js';
import { createHubMetrics, type HubMetrics } from './hub/ops/metrics.js';
import { mainServerMetrics, startMetrics, watchHub } from './app-ops.js';

export interface App {
  /** Base URL of the HTTP server, e.g. `http://127.0.0.1:9000`. */
  url: string;
  orm: Orm;
  http: FastifyInstance;
  hub: Hub;
  /** Base URL of the metrics listener (scrape `${metricsUrl}/metrics`); undefined with METRICS_PORT=off. */
  metricsUrl: string | undefined;
  /** Hub events to and from the other replicas on the database (LISTEN/NOTIFY). */
  eventBridge: EventBridge;
  /** Ordered shutdown; safe to call twice. Resolves within `deadlineMs` (default 10 s). */
  stop(deadlineMs?: number): Promise<void>;
}

export interface StartOptions {
  logger: Logger;
  /** Secret values to scrub from logs; the vault adds the ones it decrypts. */
  secrets?: SecretRegistry;
  /** Tests inject an agent runtime; otherwise AGENT_RUNTIME decides. */
  runtime?: AgentRuntime;
  /** Tests may step the market data clock (see `HubDeps.marketNow`). */
  marketNow?: () => number;
}

interface ShutdownStep {
  name: string;
  run: () => Promise<unknown>;
}

/**
 * The ordered shutdown: steps are added as their parts start and run in the reverse order, each
 * bounded by what is left of the deadline (at least 250 ms); a failing or late step is logged and
 * the next one runs. The first `stop()` starts it; later calls get the same promise.
 */
function createShutdown(logger: Logger): { add(step: ShutdownStep): void; stop(deadlineMs?: number): Promise<void> } {
  const cleanups: ShutdownStep[] = [];
  let stopping: Promise<void> | undefined;
  return {
    add: (step) => void cleanups.push(step),
    stop(deadlineMs = 10_000) {
      stopping ??= (async () => {
        const deadline = Date.now() + deadlineMs;
        // Reverse order of start: bot → HTTP → workers → ORM → embedded PostgreSQL.
        for (const step of [...cleanups].reverse()) {
          const left = Math.max(deadline - Date.now(), 250);
          let timer: NodeJS.Timeout | undefined;
          try {
            await Promise.race([
              step.run(),
              new Promise((_, reject) => {
                timer = setTimeout(() => reject(new Error(`timed out after ${left} ms`)), left);
              }),
            ]);
            logger.debug({ step: step.name }, 'stopped');
          } catch (error) {
            logger.error({ err: error, step: step.name }, 'shutdown step failed');
          } finally {
            clearTimeout(timer);
          }
        }
      })();
      return stopping;
    },
  };
}

/** DATABASE_URL, or the URL of an embedded PostgreSQL started here (and stopped last). */
async function databaseUrlFor(config: ResolvedConfig, options: StartOptions, shutdown: ReturnType<typeof createShutdown>): Promise<string> {
  if (config.databaseUrl) return config.databaseUrl;
  const { logger } = options;
  const pg: EmbeddedPostgresHandle = await startEmbeddedPostgres({
    dataDir: config.dataDir,
    port: config.embeddedPgPort,
    sharedDir: config.embeddedPgSharedDir,
    logger: logger.child({ part: 'embedded-postgres' }),
  });
  options.secrets?.add(pg.password);
  shutdown.add({ name: 'embedded-postgres', run: () => pg.stop() });
  logger.info({ port: pg.port }, 'embedded PostgreSQL started');
  return pg.url;
}

/**
 * The HTTP routes over the hub: the agents' internal API, the client WebSocket and API, the
 * dashboard's files (`appDir`, undefined when there is none) and the Telegram webhook when set.
 */
function httpPlugins(
  config: ResolvedConfig,
  hub: Hub,
  telegram: Telegram | undefined,
  appDir: string | undefined,
  metrics: HubMetrics,
): NonNullable<HttpDeps['plugins']> {
  return [
    {
      plugin: internalAgentRoutes,
      options: {
        agentAuth: hub.agentAuth,
        directory: hub.agents,
        ingest: hub.ingest,
        openPositions: hub.openPositions,
        hubCloses: hub.hubCloses,
        observePush: metrics.observeStatusPush,
      },
    },
    { plugin: internalOrderRoutes, options: { agentAuth: hub.agentAuth, broker: hub.broker, decisions: hub.decisions } },
    { plugin: internalLlmRoutes, options: { agentAuth: hub.agentAuth, gateway: hub.llm, agentLlm: hub.agentLlm } },
    { plugin: internalMarketRoutes, options: { agentAuth: hub.agentAuth, market: hub.market.service } },
    {
      plugin: wsRoutes,
      options: {
        userTokens: hub.userTokens,
        events: hub.events,
        limits: { perUser: config.ws.maxStreamsPerUser, total: config.ws.maxStreams },
      },
    },
    {
      plugin: apiRoutes,
      options: { hub, maxLeverage: config.agents.maxLeverage, supportedSymbols: supportedSymbolsFor(config) } satisfies ApiServices,
    },
    { plugin: miniAppRoutes, options: { dir: appDir } },
    ...(telegram?.webhook ? [{ plugin: telegramWebhookRoutes, options: { ...telegram.webhook } }] : []),
    ...mainServerMetrics(config, metrics),
  ];
}

/** The dashboard's bundle, built first when it is missing or stale; a failed build leaves the hub without `/app`, not down. */
async function dashboardDir(logger: Logger): Promise<string | undefined> {
  try {
    const dir = await ensureAppBundle();
    if (!dir) logger.warn('no dashboard bundle and no sources to build it from: /app is off (run npm run build:app)');
    return dir;
  } catch (error) {
    logger.error({ err: error }, 'the dashboard could not be built: /app is off');
    return undefined;
  }
}

export async function startApp(config: ResolvedConfig, options: StartOptions): Promise<App> {
  const { logger } = options;
  const startedAt = Date.now();
  const shutdown = createShutdown(logger);
  const stop = shutdown.stop;

  for (const warning of configWarnings(config)) logger.warn(warning);
  try {
    const databaseUrl = await databaseUrlFor(config, options, shutdown);
    const orm = await initOrm(databaseUrl);
    shutdown.add({ name: 'orm', run: () => orm.close(true) });

    let port = config.port;
    const metrics = createHubMetrics();
    // Stopped after the hub (steps run in reverse), so what the hub emits while stopping still crosses.
    const cluster: { bridge?: EventBridge } = {};
    shutdown.add({ name: 'event-bridge', run: async () => cluster.bridge?.stop() });
    const hub = await createHub({
      config,
      orm,
      logger,
      httpPort: () => port,
      runtime: options.runtime,
      secrets: options.secrets,
      marketNow: options.marketNow,
      probes: metrics.probes,
    });
    shutdown.add({ name: 'hub', run: () => hub.stop() });
    const { replicaId } = config.cluster;
    cluster.bridge = await startEventBridge({ databaseUrl, events: hub.events, replicaId, logger: logger.child({ part: 'event-bridge' }) });

    // The bot's outbound queue, once the bot exists (its counts are read at scrape time).
    const bot: { outbound?: Telegram['outbound'] } = {};
    const readings = watchHub(metrics, hub, orm, () => bot.outbound?.stats());
    shutdown.add({
      name: 'ops',
      run: async () => {
        readings.close();
        metrics.close();
      },
    });
    const telegram = config.telegram.botToken ? createTelegram({ config, hub, logger, secrets: options.secrets, readings }) : undefined;
    bot.outbound = telegram?.outbound;

    const health = createHealthCheck({
      orm,
      version: VERSION,
      startedAt,
      runtime: () => hub.runtime.kind,
      network: () => hub.runtime.network,
      bot: () => telegram?.mode ?? 'disabled',
      chain: () => (hub.chain.enabled ? 'enabled' : 'disabled'),
      role: () => hub.leadership.role(),
      replica: hub.leadership.replicaId,
    });

    const appDir = await dashboardDir(logger);
    const http = await buildHttpServer({ logger, health, plugins: httpPlugins(config, hub, telegram, appDir, metrics) });
    await http.listen({ host: config.host, port: config.port });
    shutdown.add({ name: 'http', run: () => http.close() });
    const address = http.server.address();
    port = typeof address === 'object' && address ? address.port : config.port;
    const metricsListener = await startMetrics(config, metrics, logger);
    if (metricsListener) shutdown.add({ name: 'metrics', run: () => metricsListener.close() });
    await hub.start();
    if (telegram) {
      shutdown.add({ name: 'bot', run: () => telegram.stop() });
      await telegram.start();
    }
    const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    const url = `http://${host}:${port}`;

    logger.info({ url, bootMs: Date.now() - startedAt, version: VERSION }, 'Artic is up');
    return { url, orm, http, hub, metricsUrl: metricsListener?.url, eventBridge: cluster.bridge, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
