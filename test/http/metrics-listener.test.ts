/**
 * `/metrics` is never public by accident: the listener binds loopback by default, refuses another
 * host without a token (and so does the config, before anything starts), and with a token answers
 * 401 to a scrape without it or with a wrong one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config.js';
import { MetricsExposureError, startMetricsListener, type MetricsListener } from '../../src/http/metrics-listener.js';
import { secretMatches } from '../../src/http/auth.js';
import { createLogger } from '../../src/logger.js';

const logger = createLogger({ level: 'silent' });
const TOKEN = 'scrape-token-0123456789abcdef';
const render = async () => '# HELP up_test a test family\n# TYPE up_test gauge\nup_test 1\n';
const contentType = 'text/plain; version=0.0.4; charset=utf-8';
let listener: MetricsListener | undefined;

afterEach(async () => {
  await listener?.close();
  listener = undefined;
});

describe('metrics settings', () => {
  it('default to 127.0.0.1:9464 without a token; METRICS_PORT=off turns the listener off', () => {
    expect(parseConfig({}).metrics).toEqual({ host: '127.0.0.1', port: 9464, token: undefined });
    expect(parseConfig({ METRICS_PORT: 'off' }).metrics.port).toBeNull();
    expect(parseConfig({ METRICS_PORT: '0' }).metrics.port).toBe(0);
  });

  it('refuse a host other than loopback without METRICS_TOKEN, and a short token', () => {
    expect(() => parseConfig({ METRICS_HOST: '0.0.0.0' })).toThrow(ConfigError);
    expect(() => parseConfig({ METRICS_HOST: '0.0.0.0' })).toThrow(
      /METRICS_HOST=0\.0\.0\.0 is not a loopback address and METRICS_TOKEN is not set/,
    );
    expect(() => parseConfig({ METRICS_HOST: '0.0.0.0', METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN must be at least 16 characters/);
    expect(parseConfig({ METRICS_HOST: '0.0.0.0', METRICS_TOKEN: TOKEN }).metrics).toEqual({ host: '0.0.0.0', port: 9464, token: TOKEN });
    // No listener, nothing exposed: any host is fine.
    expect(parseConfig({ METRICS_HOST: '0.0.0.0', METRICS_PORT: 'off' }).metrics.port).toBeNull();
    for (const host of ['127.0.0.1', '127.0.0.2', '::1', 'localhost']) expect(parseConfig({ METRICS_HOST: host }).metrics.host).toBe(host);
  });
});

describe('the metrics listener', () => {
  it('serves GET /metrics on 127.0.0.1 and nothing else', async () => {
    listener = await startMetricsListener({ host: '127.0.0.1', port: 0, render, contentType, logger });
    expect(listener.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const address = listener.server.server.address();
    expect(address).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
    const res = await fetch(`${listener.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(contentType);
    expect(await res.text()).toContain('up_test 1');
    expect((await fetch(`${listener.url}/health`)).status).toBe(404);
  });

  it('refuses to start on a host other than loopback without a token', async () => {
    await expect(startMetricsListener({ host: '0.0.0.0', port: 0, render, contentType, logger })).rejects.toThrow(MetricsExposureError);
  });

  it('with a token answers 401 without it or with a wrong one, 200 with it', async () => {
    listener = await startMetricsListener({ host: '127.0.0.1', port: 0, render, contentType, token: TOKEN, logger });
    const scrape = (authorization?: string) => fetch(`${listener!.url}/metrics`, authorization ? { headers: { authorization } } : {});
    const none = await scrape();
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ error: 'Unauthorized', message: 'A valid bearer token is required for /metrics' });
    expect((await scrape(`Bearer ${TOKEN}x`)).status).toBe(401);
    expect((await scrape(`Bearer ${TOKEN.slice(0, -1)}`)).status).toBe(401);
    expect((await scrape(`Basic ${TOKEN}`)).status).toBe(401);
    const ok = await scrape(`Bearer ${TOKEN}`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('up_test 1');
  });

  it('compares tokens whatever their lengths', () => {
    expect(secretMatches(TOKEN, TOKEN)).toBe(true);
    expect(secretMatches(undefined, TOKEN)).toBe(false);
    expect(secretMatches('', TOKEN)).toBe(false);
    expect(secretMatches(`${TOKEN}${TOKEN}`, TOKEN)).toBe(false);
  });
});
