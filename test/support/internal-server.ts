/**
 * The hub's HTTP server with only the route plugins a test needs, a silent logger and a fixed
 * health report: what the internal-route tests build.
 */
import type { FastifyInstance } from 'fastify';
import { buildHttpServer, type HttpDeps } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';

export function buildTestHttpServer(plugins: NonNullable<HttpDeps['plugins']>): Promise<FastifyInstance> {
  return buildHttpServer({
    logger: createLogger({ level: 'silent' }),
    health: async () => ({
      status: 'ok',
      db: 'ok',
      runtime: 'none',
      bot: 'disabled',
      chain: 'disabled',
      agents: { running: 0, total: 0 },
      version: 't',
      uptimeSeconds: 0,
    }),
    plugins,
  });
}
