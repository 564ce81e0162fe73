/**
 * The operator's view, assembled for `startApp` (src/app.ts): the readings shared by `/metrics`
 * and `/admin` (src/hub/ops/readings.ts), the metrics registry attached to the hub, `/metrics` on
 * the main HTTP server when METRICS_TOKEN is set, and the metrics listener of its own
 * (METRICS_HOST:METRICS_PORT, unless METRICS_PORT=off). The registry itself is built before the
 * hub (`createHubMetrics`), since the hub's probes report to it.
 */
import type { ResolvedConfig } from './config.js';
import type { Orm } from './db/orm.js';
import { startMetricsListener, type MetricsListener } from './http/metrics-listener.js';
import { metricsRoutes, type MetricsRoutesOptions } from './http/routes/metrics.js';
import type { HttpDeps } from './http/server.js';
import type { Hub } from './hub/hub.js';
import type { HubMetrics, OutboundCounts } from './hub/ops/metrics.js';
import { createOpsReadings, type OpsReadings } from './hub/ops/readings.js';
import type { Logger } from './logger.js';

/** The readings over `hub`, and the metrics reading them; `outbound` is the bot's queue once there is one. */
export function watchHub(metrics: HubMetrics, hub: Hub, orm: Orm, outbound: () => OutboundCounts | undefined): OpsReadings {
  const readings = createOpsReadings({ orm, events: hub.events, chain: hub.chain, market: hub.market, backtests: hub.backtests, outbound });
  metrics.attach({ events: hub.events, readings, candles: hub.market.service, provider: hub.market.provider, outbound });
  return readings;
}

/** `/metrics` on the main HTTP server: only behind METRICS_TOKEN. */
export function mainServerMetrics(config: ResolvedConfig, metrics: HubMetrics): NonNullable<HttpDeps['plugins']> {
  const { token } = config.metrics;
  if (token === undefined) return [];
  const options: MetricsRoutesOptions = { render: () => metrics.render(), contentType: metrics.contentType, token };
  return [{ plugin: metricsRoutes, options: { ...options } }];
}

/** The metrics listener of its own, or undefined with METRICS_PORT=off. */
export async function startMetrics(config: ResolvedConfig, metrics: HubMetrics, logger: Logger): Promise<MetricsListener | undefined> {
  const { host, port, token } = config.metrics;
  if (port === null) return undefined;
  const listener = await startMetricsListener({
    host,
    port,
    token,
    render: () => metrics.render(),
    contentType: metrics.contentType,
    logger,
  });
  logger.info({ url: `${listener.url}/metrics`, token: token !== undefined }, 'metrics listening');
  return listener;
}
