/**
 * The composition root as a function: builds and starts every part in order and returns one
 * `stop()` that tears them down in the reverse order. `src/main.ts` calls it with the process
 * environment; end-to-end tests call it with their own config.
 */
import type { FastifyInstance } from 'fastify';
import { configWarnings, type ResolvedConfig } from './config.js';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './db/embedded-postgres.js';
import { initOrm, type Orm } from './db/orm.js';
import { buildHttpServer } from './http/server.js';
import { createHealthCheck } from './hub/health.js';
import { createHub, type Hub } from './hub/hub.js';
import { createTelegram } from './bot/telegram.js';
import type { AgentRuntime } from './hub/runtime/runtime.js';
import { internalAgentRoutes } from './http/routes/internal-agents.js';
import { wsRoutes } from './http/routes/ws.js';
import { internalLlmRoutes } from './http/routes/internal-llm.js';
import { internalMarketRoutes } from './http/routes/internal-market.js';
import { internalOrderRoutes } from './http/routes/internal-orders.js';
import { telegramWebhookRoutes } from './http/routes/telegram-webhook.js';
import type { Logger, SecretRegistry } from './logger.js';
import { VERSION } from './version.js';

export interface App {
  /** Base URL of the HTTP server, e.g. `http://127.0.0.1:9000`. */
  url: string;
  orm: Orm;
  http: FastifyInstance;
  hub: Hub;
  /** Ordered shutdown; safe to call twice. Resolves within `deadlineMs` (default 10 s). */
  stop(deadlineMs?: number): Promise<void>;
}

export interface StartOptions {
  logger: Logger;
  /** Secret values to scrub from logs; the vault adds the ones it decrypts. */
  secrets?: SecretRegistry;
  /** Tests inject an agent runtime; otherwise AGENT_RUNTIME decides. */
  runtime?: AgentRuntime;
}

export async function startApp(config: ResolvedConfig, options: StartOptions): Promise<App> {
  const { logger } = options;
  const startedAt = Date.now();
  const cleanups: Array<{ name: string; run: () => Promise<unknown> }> = [];
  let stopping: Promise<void> | undefined;

  const stop = (deadlineMs = 10_000): Promise<void> => {
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
  };

  for (const warning of configWarnings(config)) logger.warn(warning);
  try {
    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      const pg: EmbeddedPostgresHandle = await startEmbeddedPostgres({
        dataDir: config.dataDir,
        port: config.embeddedPgPort,
        sharedDir: config.embeddedPgSharedDir,
        logger: logger.child({ part: 'embedded-postgres' }),
      });
      options.secrets?.add(pg.password);
      cleanups.push({ name: 'embedded-postgres', run: () => pg.stop() });
      databaseUrl = pg.url;
      logger.info({ port: pg.port }, 'embedded PostgreSQL started');
    }

    const orm = await initOrm(databaseUrl);
    cleanups.push({ name: 'orm', run: () => orm.close(true) });

    let port = config.port;
    const hub = await createHub({ config, orm, logger, httpPort: () => port, runtime: options.runtime, secrets: options.secrets });
    cleanups.push({ name: 'hub', run: () => hub.stop() });

    const telegram = config.telegram.botToken ? createTelegram({ config, hub, logger, secrets: options.secrets }) : undefined;

    const health = createHealthCheck({
      orm,
      version: VERSION,
      startedAt,
      runtime: () => hub.runtime.kind,
      network: () => hub.runtime.network,
      bot: () => telegram?.mode ?? 'disabled',
      chain: () => (hub.chain.enabled ? 'enabled' : 'disabled'),
    });

    const http = await buildHttpServer({
      logger,
      health,
      plugins: [
        {
          plugin: internalAgentRoutes,
          options: {
            agentAuth: hub.agentAuth,
            directory: hub.agents,
            ingest: hub.ingest,
            openPositions: hub.openPositions,
            hubCloses: hub.hubCloses,
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
        ...(telegram?.webhook ? [{ plugin: telegramWebhookRoutes, options: { ...telegram.webhook } }] : []),
      ],
    });
    await http.listen({ host: config.host, port: config.port });
    cleanups.push({ name: 'http', run: () => http.close() });
    const address = http.server.address();
    port = typeof address === 'object' && address ? address.port : config.port;
    await hub.start();
    if (telegram) {
      cleanups.push({ name: 'bot', run: () => telegram.stop() });
      await telegram.start();
    }
    const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    const url = `http://${host}:${port}`;

    logger.info({ url, bootMs: Date.now() - startedAt, version: VERSION }, 'Artic is up');
    return { url, orm, http, hub, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
