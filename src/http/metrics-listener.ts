/**
 * The metrics listener: a Fastify server of its own that serves only `GET /metrics`, on
 * METRICS_HOST:METRICS_PORT (default 127.0.0.1:9464), so Prometheus scrapes a private port and the
 * main server's exposure says nothing about it. Never public by accident: a host other than
 * loopback is refused unless a token guards it (the config refuses it first; this is the last
 * word for callers that build their own config).
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { isLoopbackHost } from '../config/checks.js';
import type { Logger } from '../logger.js';
import { metricsRoutes, type MetricsRoutesOptions } from './routes/metrics.js';

export interface MetricsListenerOptions extends MetricsRoutesOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  logger: Logger;
}

export interface MetricsListener {
  /** e.g. `http://127.0.0.1:9464` (the scrape URL is `${url}/metrics`). */
  url: string;
  server: FastifyInstance;
  close(): Promise<void>;
}

export class MetricsExposureError extends Error {
  override name = 'MetricsExposureError';
}

export async function startMetricsListener(options: MetricsListenerOptions): Promise<MetricsListener> {
  const { host, port, logger, ...routes } = options;
  if (!isLoopbackHost(host) && routes.token === undefined) {
    throw new MetricsExposureError(
      `refusing to serve /metrics on ${host} without METRICS_TOKEN: set METRICS_TOKEN, or METRICS_HOST=127.0.0.1`,
    );
  }
  const server = Fastify({ loggerInstance: logger.child({ part: 'metrics' }) as FastifyBaseLogger, forceCloseConnections: true });
  server.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'NotFound', message: 'Only GET /metrics is served here' }));
  await server.register(metricsRoutes, routes);
  await server.listen({ host, port });
  const address = server.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const shown = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return { url: `http://${shown}:${bound}`, server, close: () => server.close() };
}
