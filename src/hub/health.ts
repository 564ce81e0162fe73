/**
 * The hub's view of its own health, for `GET /health`: database reachability, which agent
 * runtime (and agent network) and bot transport are active, how many agents run, and this
 * replica's name and role among hubs on one database (the leader runs the singletons).
 */
import * as Type from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import type { Orm } from '../db/orm.js';
import { pingDatabase } from '../db/orm.js';
import { OneOf } from '../shared/wire.js';
import { countByStatus } from './agents/agent-store.js';

/** The body of `GET /health` (200 when `ok`, 503 when `degraded`); the route's schema too. */
export const HealthReport = Type.Object({
  status: OneOf(['ok', 'degraded'] as const),
  db: OneOf(['ok', 'down'] as const),
  runtime: OneOf(['process', 'docker', 'swarm', 'none'] as const),
  /** Where agents are: `host` (127.0.0.1:{port}) or the Docker network they join (absent without a runtime). */
  network: Type.Optional(Type.String()),
  bot: OneOf(['disabled', 'polling', 'webhook'] as const),
  chain: OneOf(['disabled', 'enabled'] as const),
  agents: Type.Object({ running: Type.Integer(), total: Type.Integer() }),
  /** `leader` runs the singletons (bot updates, outbound sender, chain worker, reconcile, retention); every replica serves. */
  role: OneOf(['leader', 'follower'] as const),
  /** This replica's name (`HUB_REPLICA_ID`). */
  replica: Type.String(),
  version: Type.String(),
  uptimeSeconds: Type.Integer(),
  /** The parts that are failing, when degraded. */
  failing: Type.Optional(Type.Array(Type.String())),
});
export type HealthReport = Static<typeof HealthReport>;

export interface HealthDeps {
  orm: Orm;
  version: string;
  startedAt: number;
  runtime: () => HealthReport['runtime'];
  network: () => string;
  bot: () => HealthReport['bot'];
  chain?: () => HealthReport['chain'];
  /** This replica's role; default `leader` (a lone hub). */
  role?: () => HealthReport['role'];
  replica?: string;
  now?: () => number;
}

export type HealthCheck = () => Promise<HealthReport>;

export function createHealthCheck(deps: HealthDeps): HealthCheck {
  const now = deps.now ?? Date.now;
  // Counts survive a database outage so the report keeps its shape.
  let agents = { running: 0, total: 0 };

  async function countAgents(): Promise<void> {
    let running = 0;
    let total = 0;
    for (const { status, n } of await countByStatus(deps.orm)) {
      total += n;
      if (status === 'running') running += n;
    }
    agents = { running, total };
  }

  return async () => {
    const dbOk = await pingDatabase(deps.orm);
    if (dbOk) await countAgents().catch(() => undefined);
    const failing = dbOk ? [] : ['db'];
    return {
      status: failing.length ? 'degraded' : 'ok',
      db: dbOk ? 'ok' : 'down',
      runtime: deps.runtime(),
      network: deps.network(),
      bot: deps.bot(),
      chain: deps.chain?.() ?? 'disabled',
      agents,
      role: deps.role?.() ?? 'leader',
      replica: deps.replica ?? 'main',
      version: deps.version,
      uptimeSeconds: Math.round((now() - deps.startedAt) / 1000),
      ...(failing.length ? { failing } : {}),
    };
  };
}
