/**
 * The whole life of a running agent, as the owner commands it: start, stop, delete, close a held
 * position, panic stop, live settings — each one operation at a time per agent. The parts live
 * beside this file: spawn.ts (start a session), halt.ts (end one), supervise.ts (crashes, restarts,
 * health probes, self-stops) and reconcile.ts (what a booting hub finds running); they share the
 * state of lifecycle-context.ts.
 * Any failure leaves no container, no port and a `failed` status with a reason a user can read.
 * A position a stop left open stays on the agent's row (the view returned says so): the owner
 * closes it with `closePosition` (the broker's market close for owners), and `delete` refuses
 * the agent until it is flat, or closes it first when asked. `forceExit` is the same market close
 * for any agent, running ones included (they keep running).
 */
import { ACTIVE_AGENT_STATUSES, type Agent } from '../../db/entities/index.js';
import type { LiveConfigField, LiveConfigPatch, OrderResult } from '../../shared/wire.js';
import { FORCE_EXIT_REASON } from '../broker/order-rules.js';
import { AgentStateError, PositionHeldError } from '../errors.js';
import { agentClient } from './agent-client.js';
import * as agentStore from './agent-store.js';
import { eventRefOf, toAgentConfigWire, toAgentView, type AgentView } from './agent-view.js';
import { stopForOwner, type StopOptions } from './halt.js';
import { createLifecycleContext, type LifecycleContext, type LifecycleOptions } from './lifecycle-context.js';
import { claimRunningSlot } from './quotas.js';
import { reconcileWithRuntime } from './reconcile.js';
import { spawnSession, type SpawnStage } from './spawn.js';
import { superviseSessions } from './supervise.js';

export type { LifecycleOptions } from './lifecycle-context.js';
export type { SpawnStage } from './spawn.js';

/** An agent and the market close of the position it held, or null when none was made (it was flat). */
export interface PositionClose {
  /** After `closePosition`: the agent as it is now. After `delete`: as it was, before it went. */
  agent: AgentView;
  closed: OrderResult | null;
}

export interface AgentLifecycle {
  start(ownerId: string, ref: string, onStage?: (stage: SpawnStage) => void): Promise<AgentView>;
  stop(ownerId: string, ref: string, options?: { closePosition?: boolean; reason?: string }): Promise<AgentView>;
  /**
   * Stop (when active) and delete the record. An agent holding a position is refused with
   * `PositionHeldError` (nothing stopped) unless `closePosition`: then it is stopped with
   * closing, whatever is still open is closed at the market, and the record goes.
   */
  delete(ownerId: string, ref: string, options?: { closePosition?: boolean }): Promise<PositionClose>;
  /**
   * Closes at the market the position a stopped (or failed) agent still holds. Refused with
   * `AgentStateError` while the agent is active: its session manages the position.
   */
  closePosition(ownerId: string, ref: string): Promise<PositionClose>;
  /**
   * Force exit: closes trade `tradeId`, the position the owner was shown, at the market now
   * (reason `force exit`), whatever the agent's status; a running agent keeps running and learns
   * of the close from its next status ack. Exactly one close fills even when the agent's own
   * close (TP/SL, signal, stop) races it: `closed.replayed` then says the other came first.
   * `closed` is null when the agent no longer holds that trade (closed already, or replaced).
   */
  forceExit(ownerId: string, ref: string, tradeId: string): Promise<PositionClose>;
  /** Stop every active agent of the owner (reason default `panic stop`); returns what was stopped. */
  stopAll(ownerId: string, reason?: string): Promise<AgentView[]>;
  /** Adopt, clean up and resume after a hub (re)start; then begin health probes. */
  reconcile(): Promise<{ adopted: string[]; removedOrphans: string[]; missing: string[] }>;
  /**
   * Sends the saved values of live settings to the running agent, after any start or stop under
   * way. Throws `AgentStateError` when it is not running, `AgentCallError` when it does not take them.
   */
  applyLiveConfig(agentId: string, fields: readonly LiveConfigField[]): Promise<void>;
  /** Base URL and token of a running agent (tests, tail of /status). */
  handle(agentId: string): { baseUrl: string; token: string } | undefined;
  /** Stops probes and pending restarts; running agents keep running (docker) or die with the runtime (process). */
  close(): Promise<void>;
}

const ACTIVE = ACTIVE_AGENT_STATUSES;

/** The owner's agent `ref`, read afresh from its row (the directory checks the owner). */
async function loadOwned(ctx: LifecycleContext, ownerId: string, ref: string): Promise<Agent> {
  const view = await ctx.opts.directory.find(ownerId, ref);
  return agentStore.getById(ctx.opts.orm, view.id);
}

/** Closes what the (not running) agent holds now, as the row says after any stop; null when flat. */
async function closeHeld(ctx: LifecycleContext, agentId: string): Promise<OrderResult | null> {
  const held = (await agentStore.getById(ctx.opts.orm, agentId)).position;
  return held ? ctx.opts.closeForOwner(agentId, held.tradeId) : null;
}

/** True while the agent has a session under way or a handle in this hub. */
const isActive = (ctx: LifecycleContext, agent: Agent) => ACTIVE.has(agent.status) || ctx.handles.has(agent.id);

async function startAgent(ctx: LifecycleContext, ownerId: string, id: string, onStage?: (stage: SpawnStage) => void): Promise<AgentView> {
  const { opts } = ctx;
  const agent = await agentStore.getById(opts.orm, id);
  if (agent.status === 'running' && ctx.handles.has(id)) {
    onStage?.('running');
    return toAgentView(agent);
  }
  if (opts.quotas) await claimRunningSlot(opts.orm, opts.quotas, ownerId, id);
  await agentStore.updateById(opts.orm, id, { restartCount: 0 });
  return toAgentView(await spawnSession(ctx, id, onStage));
}

async function stopAgent(ctx: LifecycleContext, ownerId: string, id: string, options: StopOptions): Promise<AgentView> {
  const agent = await loadOwned(ctx, ownerId, id);
  if (!isActive(ctx, agent)) {
    if (agent.status === 'failed') {
      // A failed agent may still have a restart pending: cancel it.
      ctx.restarts.cancel(id);
      return toAgentView(await agentStore.updateById(ctx.opts.orm, id, { status: 'stopped', statusReason: 'stopped by you' }));
    }
    throw new AgentStateError(`agent ${id} is ${agent.status}`, `${agent.name} is not running (${agent.status}).`);
  }
  return toAgentView(await stopForOwner(ctx, agent, options));
}

async function deleteAgent(
  ctx: LifecycleContext,
  ownerId: string,
  id: string,
  options: { closePosition?: boolean },
): Promise<PositionClose> {
  const { opts } = ctx;
  const agent = await loadOwned(ctx, ownerId, id);
  if (agent.position && !options.closePosition) throw new PositionHeldError(agent.name);
  // Without closing asked for, a position opened since the check stays (if the agent is not
  // set to close on stop) and the record's removal below refuses it.
  if (isActive(ctx, agent))
    await stopForOwner(ctx, agent, { reason: 'deleted', ...(options.closePosition ? { closePosition: true } : {}) });
  ctx.restarts.cancel(id);
  const closed = options.closePosition ? await closeHeld(ctx, id) : null;
  await opts.runtime.remove(id).catch(() => undefined);
  await opts.directory.remove(ownerId, id);
  opts.events.emit('agent.deleted', eventRefOf(agent));
  return { agent: toAgentView(agent), closed };
}

async function closeAgentPosition(ctx: LifecycleContext, ownerId: string, id: string): Promise<PositionClose> {
  const agent = await loadOwned(ctx, ownerId, id);
  if (isActive(ctx, agent)) {
    throw new AgentStateError(
      `agent ${id} is ${agent.status}`,
      `${agent.name} is ${agent.status}: its session manages the position. Stop it first; it closes the position if set to close on stop.`,
    );
  }
  const closed = await closeHeld(ctx, id);
  return { agent: toAgentView(await agentStore.getById(ctx.opts.orm, id)), closed };
}

async function forceExitAgent(ctx: LifecycleContext, ownerId: string, id: string, tradeId: string): Promise<PositionClose> {
  const held = (await loadOwned(ctx, ownerId, id)).position;
  // The trade the owner confirmed, never another: the broker closes the trade named, or answers
  // with its close when it was closed meanwhile.
  const closed = held?.tradeId === tradeId ? await ctx.opts.closeForOwner(id, tradeId, FORCE_EXIT_REASON) : null;
  return { agent: toAgentView(await agentStore.getById(ctx.opts.orm, id)), closed };
}

/** Sends the saved values of `fields` to the running session. */
async function sendLiveConfig(ctx: LifecycleContext, agentId: string, fields: readonly LiveConfigField[]): Promise<void> {
  const agent = await agentStore.findById(ctx.opts.orm, agentId);
  const handle = ctx.handles.get(agentId);
  if (!agent || agent.status !== 'running' || !handle) {
    throw new AgentStateError(`agent ${agentId} is not running`, 'The agent is not running.');
  }
  const config = toAgentConfigWire(toAgentView(agent));
  const patch: LiveConfigPatch = Object.fromEntries(fields.map((f) => [f, config[f]]));
  await agentClient.config(handle.baseUrl, handle.token, patch);
}

export function createAgentLifecycle(opts: LifecycleOptions): AgentLifecycle {
  const ctx = createLifecycleContext(opts);
  const supervisor = superviseSessions(ctx);
  /** Every owner command runs in the agent's serial slot, after the directory found it for the owner. */
  const forOwned = async <T>(ownerId: string, ref: string, work: (id: string) => Promise<T>): Promise<T> => {
    const { id } = await opts.directory.find(ownerId, ref);
    return ctx.serial(id, () => work(id));
  };

  return {
    start: (ownerId, ref, onStage) => forOwned(ownerId, ref, (id) => startAgent(ctx, ownerId, id, onStage)),
    stop: (ownerId, ref, options = {}) => forOwned(ownerId, ref, (id) => stopAgent(ctx, ownerId, id, options)),
    delete: (ownerId, ref, options = {}) => forOwned(ownerId, ref, (id) => deleteAgent(ctx, ownerId, id, options)),
    closePosition: (ownerId, ref) => forOwned(ownerId, ref, (id) => closeAgentPosition(ctx, ownerId, id)),
    forceExit: (ownerId, ref, tradeId) => forOwned(ownerId, ref, (id) => forceExitAgent(ctx, ownerId, id, tradeId)),

    async stopAll(ownerId, reason = 'panic stop') {
      const agents = await opts.directory.list(ownerId);
      const stopped: AgentView[] = [];
      for (const a of agents) {
        if (!ACTIVE.has(a.status) && !(a.status === 'failed' && ctx.restarts.has(a.id))) continue;
        try {
          stopped.push(await this.stop(ownerId, a.id, { reason }));
        } catch (error) {
          ctx.log.warn({ err: error, agentId: a.id }, 'panic stop failed');
        }
      }
      return stopped;
    },

    async reconcile() {
      const result = await reconcileWithRuntime(ctx);
      supervisor.startProbes();
      return result;
    },

    applyLiveConfig: (agentId, fields) => ctx.serial(agentId, () => sendLiveConfig(ctx, agentId, fields)),

    handle(agentId) {
      const h = ctx.handles.get(agentId);
      return h ? { baseUrl: h.baseUrl, token: h.token } : undefined;
    },

    async close() {
      ctx.closed = true;
      supervisor.close();
      ctx.restarts.cancelAll();
      await ctx.settle();
    },
  };
}
