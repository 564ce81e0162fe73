/**
 * The hub's HTTP server with only the route plugins a test needs, a silent logger (or the test's
 * own) and a fixed health report: what the HTTP tests and bench:push build.
 */
import type { FastifyInstance } from 'fastify';
import { buildHttpServer, type HttpDeps } from '../../src/http/server.js';
import { createLogger, type Logger } from '../../src/logger.js';

export function buildTestHttpServer(
  plugins: NonNullable<HttpDeps['plugins']> = [],
  logger: Logger = createLogger({ level: 'silent' }),
): Promise<FastifyInstance> {
  return buildHttpServer({
    logger,
    health: async () => ({
      status: 'ok',
      db: 'ok',
      runtime: 'none',
      bot: 'disabled',
      chain: 'disabled',
      role: 'leader',
      replica: 'test',
      agents: { running: 0, total: 0 },
      version: 't',
      uptimeSeconds: 0,
    }),
    plugins,
  });
}
