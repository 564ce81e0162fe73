/**
 * Leader election against the real PostgreSQL: two electors on their own sessions, one database.
 * One wins; the other takes over when the leader's session is terminated (pg_terminate_backend,
 * what a killed process amounts to for the server) or the leader leaves; a leader whose session
 * dies stops its tasks before anything else, in the reverse order of their start.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLeaderElection, type LeaderElection } from '../../../src/hub/cluster/leader.js';
import { createLeaderTasks } from '../../../src/hub/cluster/leader-tasks.js';
import { createLogger } from '../../../src/logger.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { waitUntil } from '../../support/wait.js';

const logger = createLogger({ level: 'silent' });
let db: TestDatabase;
let admin: pg.Client;
const electors: LeaderElection[] = [];

function elector(replicaId: string, channels: string[] = []): LeaderElection {
  const e = createLeaderElection({ connectionString: db.url, replicaId, retryMs: 100, channels, logger });
  electors.push(e);
  return e;
}

/** Ends the lock session of `replicaId` from the server side, as when its process dies. */
async function terminateSessionOf(replicaId: string): Promise<number> {
  const { rows } = await admin.query<{ n: number }>(
    `select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where application_name = $1`,
    [`artic-leader ${replicaId}`],
  );
  return rows[0]!.n;
}

beforeAll(async () => {
  db = await createTestDatabase('leader');
  admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
});

afterEach(async () => {
  for (const e of electors.splice(0)) await e.stop();
});

afterAll(async () => {
  await admin?.end();
  await db?.drop();
});

describe('leader election on a PostgreSQL advisory lock', () => {
  it('a lone replica is leader once start resolves', async () => {
    const a = elector('a');
    await a.start();
    expect(a.role()).toBe('leader');
    expect(a.replicaId).toBe('a');
  });

  it('of two replicas exactly one leads; the other takes over when the leader session is terminated', async () => {
    const a = elector('a');
    const b = elector('b');
    await a.start();
    await b.start();
    expect([a.role(), b.role()]).toEqual(['leader', 'follower']);
    // The follower keeps trying and keeps losing while the leader lives.
    await new Promise((r) => setTimeout(r, 350));
    expect(b.role()).toBe('follower');

    const lost: string[] = [];
    a.on('lost', () => lost.push('a'));
    expect(await terminateSessionOf('a')).toBe(1);
    await waitUntil(() => b.role() === 'leader', 5000, 'b to take over');
    expect(lost).toEqual(['a']);
    expect(a.role()).toBe('follower');
    // The old leader reconnects as a follower: still one leader.
    await new Promise((r) => setTimeout(r, 350));
    expect([a.role(), b.role()]).toEqual(['follower', 'leader']);
  });

  it('a leader that leaves releases the lock at once', async () => {
    const a = elector('a');
    const b = elector('b');
    await a.start();
    await b.start();
    await a.stop();
    await waitUntil(() => b.role() === 'leader', 5000, 'b to take over');
  });

  it('a leader that loses its session stops its tasks first, in reverse order, and starts them again on the next gain', async () => {
    const a = elector('a');
    const b = elector('b');
    const steps: string[] = [];
    const tasks = createLeaderTasks(a, logger);
    for (const name of ['one', 'two']) {
      tasks.add({ name, start: () => void steps.push(`start ${name}`), stop: () => void steps.push(`stop ${name}`) });
    }
    a.on('lost', () => steps.push(`lost (role ${a.role()})`));
    await a.start();
    await tasks.settled();
    expect(tasks.running()).toEqual(['one', 'two']);
    await b.start();

    await terminateSessionOf('a');
    await waitUntil(() => b.role() === 'leader', 5000, 'b to take over');
    await tasks.settled();
    expect(steps).toEqual(['start one', 'start two', 'lost (role follower)', 'stop two', 'stop one']);
    expect(tasks.running()).toEqual([]);

    await b.stop();
    await waitUntil(() => a.role() === 'leader', 5000, 'a to lead again');
    await tasks.settled();
    expect(tasks.running()).toEqual(['one', 'two']);
    await tasks.close();
    expect(steps.slice(-2)).toEqual(['stop two', 'stop one']);
  });

  it('a task that fails to start is left out; the others run', async () => {
    const a = elector('a');
    const tasks = createLeaderTasks(a, logger);
    tasks.add({ name: 'bad', start: () => Promise.reject(new Error('no')), stop: () => undefined });
    tasks.add({ name: 'good', start: () => undefined, stop: () => undefined });
    await a.start();
    await tasks.settled();
    expect(tasks.running()).toEqual(['good']);
    await tasks.close();
  });

  it('hears NOTIFY from other sessions on its channels', async () => {
    const a = elector('a', ['artic_test_wake']);
    await a.start();
    const heard: string[] = [];
    a.on('notify', (channel) => heard.push(channel));
    await admin.query(`select pg_notify('artic_test_wake', ''), pg_notify('artic_other', '')`);
    await waitUntil(() => heard.length > 0, 5000, 'the notification');
    expect(heard).toEqual(['artic_test_wake']);
  });
});
