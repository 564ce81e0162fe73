/**
 * The agent port pool. An allocation is one transaction holding a transaction-scoped advisory
 * lock (`pg_advisory_xact_lock`, released at commit or rollback, also when the connection dies),
 * so allocations are serialised across every hub replica on the database, not only inside this
 * process; an async mutex keeps this process's allocations from each holding a pooled connection
 * while they wait for the lock. The unique constraint on `agents.port` stays as the last guard. A
 * port is written to the agent row before the container starts and set back to NULL on stop,
 * removal or failure, so the database is the allocator's whole state (re-read at every
 * allocation under the lock; nothing to rebuild at boot).
 * This module is the one door to the `agents.port` column (agent-store.ts holds the rest of the row).
 */
import net from 'node:net';
import { Mutex } from 'async-mutex';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Orm } from '../../db/orm.js';
import { PortsExhaustedError } from '../errors.js';

export interface PortAllocator {
  /** Reserves a free port for the agent and records it on its row. */
  allocate(agentId: string): Promise<number>;
  release(agentId: string): Promise<void>;
  /** Returns to the pool the ports of agents that are not active any more (a crash between steps). */
  releaseInactive(): Promise<void>;
  /** Ports of the pool held by agents now (`used`) and the pool's size, read from the database. */
  usage(): Promise<{ used: number; size: number }>;
  readonly range: { from: number; to: number };
}

/** True when nothing on this host listens on 127.0.0.1:port (process and host-network agents bind there). */
export function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export interface PortAllocatorOptions {
  orm: Orm;
  range: { from: number; to: number };
  /** Also require the port to be bindable on the host (process runtime, docker host network). */
  checkHost: boolean;
}

/**
 * The advisory lock of port allocation, in the two-int4 key space (`pg_advisory_xact_lock(int,
 * int)`), which never meets a lock taken with one bigint key: the namespace is "ARTC" as an int4.
 */
export const PORT_LOCK_KEY: readonly [namespace: number, key: number] = [0x41525443, 1];

/** Inside the caller's transaction, holding the port lock: the agent's port, a new one if it has none. */
async function allocateLocked(em: EntityManager, agentId: string, range: PortAllocator['range'], checkHost: boolean): Promise<number> {
  await em.execute('select pg_advisory_xact_lock(?, ?)', [...PORT_LOCK_KEY]);
  const own = await em.execute<Array<{ port: number | null }>>('select port from agents where id = ?', [agentId]);
  if (own[0]?.port != null) return own[0].port;
  const rows = await em.execute<Array<{ port: number }>>('select port from agents where port between ? and ?', [range.from, range.to]);
  const used = new Set(rows.map((r) => r.port));
  for (let port = range.from; port <= range.to; port++) {
    if (used.has(port)) continue;
    if (checkHost && !(await canBind(port))) continue;
    await em.execute('update agents set port = ? where id = ?', [port, agentId]);
    return port;
  }
  throw new PortsExhaustedError(range);
}

export function createPortAllocator({ orm, range, checkHost }: PortAllocatorOptions): PortAllocator {
  const mutex = new Mutex();
  return {
    range,
    allocate(agentId) {
      return mutex.runExclusive(() =>
        (orm.em.fork() as EntityManager).transactional((em) => allocateLocked(em, agentId, range, checkHost)),
      );
    },
    async release(agentId) {
      await orm.em.getConnection().execute('update agents set port = null where id = ?', [agentId]);
    },
    async releaseInactive() {
      await orm.em
        .getConnection()
        .execute(`update agents set port = null where port is not null and status not in ('starting','running','stopping')`);
    },
    async usage() {
      const rows: Array<{ used: number }> = await orm.em
        .getConnection()
        .execute('select count(*)::int as used from agents where port between ? and ?', [range.from, range.to]);
      return { used: rows[0]?.used ?? 0, size: range.to - range.from + 1 };
    },
  };
}
