/**
 * Two hubs on one database, seen from an agent: the hub hands its agents every replica's URL
 * (AGENT_HUB_URLS) through the runtime's environment and the start request. Here the first URL is
 * a dead port, so an agent process on the process runtime only trades if it fails over to the
 * second, the real hub.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { freePort, freePortRange, startTestApp } from '../../support/app-harness.js';
import { waitUntil } from '../../support/wait.js';

let db: TestDatabase;
let app: App & { port: number; dataDir: string };
let deadUrl: string;
let hubUrl: string;

beforeAll(async () => {
  db = await createTestDatabase('hubfail');
  const [port, deadPort, range] = await Promise.all([freePort(), freePort(), freePortRange(4)]);
  deadUrl = `http://127.0.0.1:${deadPort}`;
  hubUrl = `http://127.0.0.1:${port}`;
  app = await startTestApp({
    databaseUrl: db.url,
    port,
    env: { AGENT_RUNTIME: 'process', AGENT_PORT_RANGE: `${range.from}-${range.to}`, AGENT_HUB_URLS: `${deadUrl},${hubUrl}` },
  });
});

afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

describe('an agent given two hub URLs, the first dead', () => {
  it('runs: its logs and status pushes reach the hub behind the second URL', async () => {
    const ownerId = (await app.hub.users.register(7101, 'Trader')).user.id;
    const created = await app.hub.agents.create(ownerId, { name: 'failover', symbol: 'BTCUSDT', amountUsdt: 100, pollSeconds: 1 });
    const agent = await app.hub.lifecycle.start(ownerId, created.id);
    expect(agent.status).toBe('running');
    // The runtime passed the list (and the first URL for older agent images) in the environment.
    const [{ container_id }] = await app.orm.em.fork().getConnection().execute('select container_id from agents where id = ?', [agent.id]);
    const pid = Number(String(container_id).slice('pid:'.length));
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    expect(environ).toContain(`HUB_URLS=${deadUrl},${hubUrl}`);
    expect(environ).toContain(`HUB_URL=${deadUrl}`);
    await waitUntil(async () => (await app.hub.logs.recent(agent.id, 5)).some((e) => e.message.startsWith('start:')), 15_000, 'start log');
    await waitUntil(
      async () =>
        (await app.orm.em.fork().getConnection().execute('select last_status_at from agents where id = ?', [agent.id]))[0]
          .last_status_at !== null,
      15_000,
      'a status push',
    );
    await app.hub.lifecycle.stop(ownerId, agent.id);
  }, 60_000);
});
