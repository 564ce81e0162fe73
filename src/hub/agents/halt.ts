/**
 * Ending an agent's session: the hub asks the agent to /stop (closing its position or not), then
 * tears the session down and records the agent `stopped`. Whoever ended it — the owner, the
 * agent itself, its drawdown limit — is said once, on `agent.stopped`.
 * A position a stop left open stays on the agent's row (the view returned says so): the owner
 * closes it later (lifecycle `closePosition`).
 */
import type { Agent } from '../../db/entities/index.js';
import { hasOpenTrade } from '../broker/trades.js';
import type { StopCause } from '../events.js';
import { agentClient } from './agent-client.js';
import * as agentStore from './agent-store.js';
import { eventRefOf } from './agent-view.js';
import type { LifecycleContext } from './lifecycle-context.js';
import { teardownSession } from './spawn.js';

export interface StopOptions {
  closePosition?: boolean;
  reason?: string;
}

/** Stops a running agent and records it stopped; `announceStop` tells who ended it. */
export async function haltSession(ctx: LifecycleContext, agent: Agent, options: StopOptions): Promise<Agent> {
  const { opts, log } = ctx;
  const agentId = agent.id;
  ctx.restarts.cancel(agentId);
  await agentStore.updateById(opts.orm, agentId, { status: 'stopping' });
  const handle = ctx.handles.get(agentId);
  if (handle) {
    await agentClient
      .stop(handle.baseUrl, handle.token, { closePosition: options.closePosition ?? agent.closeOnStop, reason: options.reason })
      .catch((e) => log.warn({ err: e, agentId }, 'agent /stop failed; removing it anyway'));
  }
  await teardownSession(ctx, agentId);
  return agentStore.updateById(opts.orm, agentId, {
    status: 'stopped',
    statusReason: options.reason ?? 'stopped by you',
    containerId: null,
  });
}

export async function announceStop(ctx: LifecycleContext, stopped: Agent, cause: StopCause): Promise<void> {
  const positionOpen = await hasOpenTrade(ctx.opts.orm.em.fork(), stopped.id);
  ctx.opts.events.emit('agent.stopped', { ...eventRefOf(stopped), reason: stopped.statusReason ?? '', cause, positionOpen });
}

/** A stop the owner asked for (also /panic and delete). */
export async function stopForOwner(ctx: LifecycleContext, agent: Agent, options: StopOptions): Promise<Agent> {
  const stopped = await haltSession(ctx, agent, options);
  await announceStop(ctx, stopped, 'owner');
  return stopped;
}
