/**
 * The Fastify application: an adapter over the hub. It owns no state of its own; every route
 * plugin receives the hub services it needs. Built by a factory so tests use `inject`.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import type { Logger } from '../logger.js';
import type { HealthCheck } from '../hub/health.js';
import { healthRoutes } from './routes/health.js';

export interface HttpDeps {
  logger: Logger;
  health: HealthCheck;
  /**
   * Extra route plugins (internal API, WebSocket, Telegram webhook), registered in order. Their
   * option types differ: `never` lets one list hold them all (each `options` is handed as given).
   */
  plugins?: Array<{ plugin: FastifyPluginAsync<never>; options?: Record<string, unknown> }>;
  bodyLimitBytes?: number;
}

/** Every error leaves as `{error, message}`; bad input is a 4xx, never a 500. */
function errorBody(name: string, message: string) {
  return { error: name, message };
}

export async function buildHttpServer(deps: HttpDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.bodyLimitBytes ?? 256 * 1024,
    // Agents and proxies keep connections open; do not let shutdown wait on idle ones.
    forceCloseConnections: 'idle',
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });

  app.setErrorHandler((error: Error & { statusCode?: number; validation?: unknown; code?: string }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    const name = error.validation ? 'ValidationError' : status >= 500 ? 'InternalError' : (error.code ?? error.name);
    const message = status >= 500 ? 'Internal server error' : error.message;
    return reply.code(status).send(errorBody(name, message));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody('NotFound', `No route for ${request.method} ${request.url.split('?')[0]}`)),
  );

  await app.register(healthRoutes, { health: deps.health });
  for (const { plugin, options } of deps.plugins ?? [])
    await app.register(plugin as FastifyPluginAsync<Record<string, unknown>>, options ?? {});
  return app;
}
