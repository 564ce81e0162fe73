/**
 * Two hubs on one database allocate agent ports at the same time: two OS processes, each with
 * its own ORM and allocator (test/support/port-race-child.ts), 100 allocations each, all at once.
 * Every one must succeed with a port no other agent holds. An in-process mutex alone cannot give
 * that; the allocator's transaction-scoped advisory lock does.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Orm } from '../../../src/db/orm.js';
import { createUserService } from '../../../src/hub/users.js';
import { createTestOrm, type TestDatabase } from '../../support/db.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const CHILD = path.join(ROOT, 'test/support/port-race-child.ts');
const PER_REPLICA = 100;

let orm: Orm;
let db: TestDatabase;
let close: () => Promise<void>;
let agentIds: string[];

beforeAll(async () => {
  ({ orm, db, close } = await createTestOrm('portrace'));
  const owner = (await createUserService({ orm, accessMode: 'open', adminIds: [] }).register(1, 'P')).user.id;
  const rows: Array<{ id: string }> = await orm.em.getConnection().execute(
    `insert into agents (id, owner_id, name, symbol, amount_usdt, status, created_at, updated_at)
       select gen_random_uuid(), ?, 'race-' || n, 'BTCUSDT', 100, 'starting', now(), now() from generate_series(1, ?) as n
       returning id`,
    [owner, 2 * PER_REPLICA],
  );
  agentIds = rows.map((r) => r.id);
});
afterAll(() => close?.());

interface Replica {
  ready: Promise<void>;
  go(): void;
  result: Promise<{ ports: number[]; errors: string[] }>;
}

function startReplica(ids: string[], range: string): Replica {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: db.url, PORT_RANGE: range, AGENT_IDS: ids.join(',') },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let onReady: () => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.includes('ready\n')) onReady();
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const result = new Promise<{ ports: number[]; errors: string[] }>((resolve, reject) => {
    child.on('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.startsWith('{')) reject(new Error(`replica exited ${code}: ${out}\n${err}`));
      else resolve(JSON.parse(last) as { ports: number[]; errors: string[] });
    });
  });
  return { ready, go: () => child.stdin.end('go\n'), result };
}

describe('ports across two hub processes', () => {
  it('200 concurrent allocations from two processes: all succeed, no port twice', async () => {
    const range = '30000-30399';
    const replicas = [startReplica(agentIds.slice(0, PER_REPLICA), range), startReplica(agentIds.slice(PER_REPLICA), range)];
    await Promise.all(replicas.map((r) => r.ready));
    for (const r of replicas) r.go();
    const [a, b] = await Promise.all(replicas.map((r) => r.result));
    expect([...a!.errors, ...b!.errors]).toEqual([]);
    const all = [...a!.ports, ...b!.ports];
    expect(all).toHaveLength(2 * PER_REPLICA);
    expect(new Set(all).size).toBe(2 * PER_REPLICA);
    const rows: Array<{ n: number; distinct: number }> = await orm.em
      .getConnection()
      .execute('select count(port)::int as n, count(distinct port)::int as distinct from agents');
    expect(rows[0]).toEqual({ n: 2 * PER_REPLICA, distinct: 2 * PER_REPLICA });
  }, 120_000);
});
