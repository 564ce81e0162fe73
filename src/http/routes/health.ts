/** `GET /health` (and HEAD) for load balancers and container health checks. */
import type { FastifyPluginAsync } from 'fastify';
import type { HealthCheck } from '../../hub/health.js';

const healthSchema = {
  type: 'object',
  required: ['status', 'db', 'runtime', 'bot', 'agents', 'version', 'uptimeSeconds'],
  properties: {
    status: { type: 'string', enum: ['ok', 'degraded'] },
    db: { type: 'string', enum: ['ok', 'down'] },
    runtime: { type: 'string', enum: ['process', 'docker', 'none'] },
    network: { type: 'string' },
    bot: { type: 'string', enum: ['disabled', 'polling', 'webhook'] },
    chain: { type: 'string', enum: ['disabled', 'enabled'] },
    agents: {
      type: 'object',
      required: ['running', 'total'],
      properties: { running: { type: 'integer' }, total: { type: 'integer' } },
    },
    version: { type: 'string' },
    uptimeSeconds: { type: 'integer' },
    failing: { type: 'array', items: { type: 'string' } },
  },
} as const;

export const healthRoutes: FastifyPluginAsync<{ health: HealthCheck }> = async (app, { health }) => {
  app.get(
    '/health',
    {
      logLevel: 'warn',
      schema: { response: { 200: healthSchema, 503: healthSchema } },
    },
    async (_request, reply) => {
      const report = await health();
      return reply.code(report.status === 'ok' ? 200 : 503).send(report);
    },
  );
};
