/**
 * The agent port pool. One async mutex serialises allocation inside this process; the unique
 * constraint on `agents.port` guards against anything else. A port is written to the agent row
 * before the container starts and set back to NULL on stop, removal or failure, so the
 * database is the allocator's whole state (re-read at every allocation; nothing to rebuild at boot).
 * This module is the one door to the `agents.port` column (agent-store.ts holds the rest of the row).
 */
import net from 'node:net';
import { Mutex } from 'async-mutex';
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

export function createPortAllocator({ orm, range, checkHost }: PortAllocatorOptions): PortAllocator {
  const mutex = new Mutex();
  return {
    range,
    allocate(agentId) {
      return mutex.runExclusive(async () => {
        const conn = orm.em.getConnection();
        const own: Array<{ port: number | null }> = await conn.execute('select port from agents where id = ?', [agentId]);
        if (own[0]?.port != null) return own[0].port;
        const rows: Array<{ port: number }> = await conn.execute('select port from agents where port is not null');
        const used = new Set(rows.map((r) => r.port));
        for (let port = range.from; port <= range.to; port++) {
          if (used.has(port)) continue;
          if (checkHost && !(await canBind(port))) continue;
          await conn.execute('update agents set port = ? where id = ?', [port, agentId]);
          return port;
        }
        throw new PortsExhaustedError(range);
      });
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
