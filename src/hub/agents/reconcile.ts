/**
 * What a booting hub does with what the runtime actually runs: it adopts the agents its database
 * says are running and that still answer, removes its own containers nobody should be running
 * (orphans), records the agents it expected but did not find as crashed (restarting them when
 * set to), and returns ports of inactive agents to the pool.
 */
import type { Agent } from '../../db/entities/index.js';
import { isUuid } from '../ids.js';
import type { ManagedAgent } from '../runtime/runtime.js';
import { agentClient } from './agent-client.js';
import * as agentStore from './agent-store.js';
import { eventRefOf } from './agent-view.js';
import type { LifecycleContext, SessionHandle } from './lifecycle-context.js';
import { scheduleRestart } from './supervise.js';

export interface ReconcileResult {
  adopted: string[];
  removedOrphans: string[];
  missing: string[];
}

/** Takes over a session that outlived the hub when it still answers; false when it does not. */
async function adopt(ctx: LifecycleContext, agentId: string, port: number, managed: ManagedAgent): Promise<boolean> {
  const { opts } = ctx;
  const handle: SessionHandle = {
    baseUrl: opts.runtime.baseUrl(agentId, port),
    token: managed.token ?? (await opts.tokens.current(agentId)),
    healthFailures: 0,
  };
  try {
    await agentClient.health(handle.baseUrl, handle.token, 2000);
    ctx.handles.set(agentId, handle);
    return true;
  } catch {
    return false; // not answering: treat as missing
  }
}

/** Records an agent the hub expected running but did not find as crashed; restarts it when it was running. */
async function recordMissing(ctx: LifecycleContext, row: Agent): Promise<void> {
  const { opts } = ctx;
  await opts.ports.release(row.id);
  const reason = 'not running after the hub restarted';
  const failed = await agentStore.updateById(opts.orm, row.id, { status: 'failed', statusReason: reason, containerId: null });
  const willRestart = opts.restartOnCrash && row.status === 'running';
  opts.events.emit('agent.crashed', { ...eventRefOf(failed), exitCode: null, oom: false, reason, lastLogs: [], willRestart });
  if (willRestart) scheduleRestart(ctx, row.id, 1, reason);
}

export async function reconcileWithRuntime(ctx: LifecycleContext): Promise<ReconcileResult> {
  const { opts } = ctx;
  const managed = await opts.runtime.list();
  const rows = await agentStore.listInStatuses(opts.orm, ['starting', 'running', 'stopping']);
  const byId = new Map(rows.map((r) => [r.id, r]));
  // Another hub may share the engine (its own database, its own agents): their containers
  // are not orphans of this one, and removing them would end someone else's agents. Agent
  // ids are UUIDs; a label that is not one belongs to nothing in this database.
  const known = await agentStore.existingIds(opts.orm, managed.map((m) => m.agentId).filter(isUuid));
  const adopted: string[] = [];
  const removedOrphans: string[] = [];
  const foreign: string[] = [];
  for (const m of managed) {
    if (!known.has(m.agentId)) {
      foreign.push(m.agentId);
      continue;
    }
    const row = byId.get(m.agentId);
    if (row && row.status === 'running' && m.running && row.port != null && (await adopt(ctx, row.id, row.port, m))) {
      adopted.push(row.id);
      continue;
    }
    await opts.runtime.remove(m.agentId).catch(() => undefined);
    removedOrphans.push(m.agentId);
  }
  const missing = rows.filter((r) => !adopted.includes(r.id));
  for (const row of missing) await recordMissing(ctx, row);
  // Ports held by agents that are not active any more (a crash between steps) go back to the pool.
  await opts.ports.releaseInactive();
  ctx.log.info(
    { adopted: adopted.length, removedOrphans: removedOrphans.length, missing: missing.length, foreign: foreign.length },
    'reconciled agents',
  );
  return { adopted, removedOrphans, missing: missing.map((m) => m.id) };
}
