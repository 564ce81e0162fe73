/** `GET /health` (and HEAD) for load balancers and container health checks. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { HealthReport, type HealthCheck } from '../../hub/health.js';

export const healthRoutes: FastifyPluginAsync<{ health: HealthCheck }> = async (fastify, { health }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/health',
    {
      logLevel: 'warn',
      schema: { response: { 200: HealthReport, 503: HealthReport } },
    },
    async (_request, reply) => {
      const report = await health();
      return reply.code(report.status === 'ok' ? 200 : 503).send(report);
    },
  );
};
