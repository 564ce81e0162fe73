/**
 * `GET /metrics` for Prometheus: the hub's registry in the text exposition format. Mounted on the
 * metrics listener (src/http/metrics-listener.ts) and, when METRICS_TOKEN is set, on the main HTTP
 * server too. With a token every request must carry `Authorization: Bearer <token>` (compared in
 * constant time); a missing or wrong one gets 401 before anything is read.
 */
import type { FastifyPluginAsync } from 'fastify';
import { bearer, secretMatches } from '../auth.js';

export interface MetricsRoutesOptions {
  /** The exposition text (src/hub/ops/metrics.ts `render`). */
  render: () => Promise<string>;
  contentType: string;
  /** When set, the bearer token every scrape must carry. */
  token?: string;
}

export const metricsRoutes: FastifyPluginAsync<MetricsRoutesOptions> = async (fastify, { render, contentType, token }) => {
  fastify.get(
    '/metrics',
    {
      logLevel: 'warn',
      onRequest: async (request, reply) => {
        if (token !== undefined && !secretMatches(bearer(request), token)) {
          return reply.code(401).send({ error: 'Unauthorized', message: 'A valid bearer token is required for /metrics' });
        }
      },
    },
    async (_request, reply) => reply.type(contentType).send(await render()),
  );
};
