import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { initOrm, type Orm } from '../../src/db/orm.js';
import { buildHttpServer } from '../../src/http/server.js';
import { createHealthCheck } from '../../src/hub/health.js';
import { createLogger } from '../../src/logger.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { startTcpProxy, viaProxy, type TcpProxy } from '../support/tcp-proxy.js';

let db: TestDatabase;
let proxy: TcpProxy;
let orm: Orm;
let app: FastifyInstance;

beforeAll(async () => {
  db = await createTestDatabase('health');
  const target = new URL(db.url);
  proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
  orm = await initOrm(viaProxy(db.url, proxy), { pool: { min: 0, max: 2, acquireTimeoutMillis: 1500 } });
  const health = createHealthCheck({
    orm,
    version: '9.9.9',
    startedAt: Date.now() - 5000,
    runtime: () => 'docker',
    network: () => 'host',
    bot: () => 'disabled',
    role: () => 'follower',
    replica: 'hub-b',
  });
  app = await buildHttpServer({ logger: createLogger({ level: 'silent' }), health });
});

afterAll(async () => {
  await app?.close();
  await orm?.close(true);
  await proxy?.close();
  await db?.drop();
});

describe('GET /health', () => {
  it('answers 200 with the documented shape against a real PostgreSQL', async () => {
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toEqual({
      status: 'ok',
      db: 'ok',
      runtime: 'docker',
      network: 'host',
      bot: 'disabled',
      chain: 'disabled',
      agents: { running: 0, total: 0 },
      role: 'follower',
      replica: 'hub-b',
      version: '9.9.9',
      uptimeSeconds: expect.any(Number),
    });
    expect(body.uptimeSeconds).toBeGreaterThanOrEqual(5);
  });

  it('answers HEAD', async () => {
    const res = await app.inject({ method: 'HEAD', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
  });

  it('is 503 degraded while the database is unreachable, and 200 again once it is back', async () => {
    proxy.cut();
    const down = await app.inject({ method: 'GET', url: '/health' });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({ status: 'degraded', db: 'down', failing: ['db'] });

    proxy.restore();
    let res = await app.inject({ method: 'GET', url: '/health' });
    for (let i = 0; i < 20 && res.statusCode !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      res = await app.inject({ method: 'GET', url: '/health' });
    }
    expect(res.statusCode).toBe(200);
    expect(res.json().db).toBe('ok');
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await app.inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'NotFound', message: 'No route for GET /nope' });
  });
});
