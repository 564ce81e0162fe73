/**
 * Starting an agent's session: port → credentials → place → healthy → /start → running. Any
 * failure leaves no container, no port and a `failed` status with a reason a user can read.
 * `teardownSession` is the one way a session's process and port go away (failure, stop, crash).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Agent } from '../../db/entities/index.js';
import { latestOpenTrade } from '../broker/trades.js';
import type { PositionWire, StartRequest } from '../../shared/wire.js';
import { HubError, SpawnError } from '../errors.js';
import { agentClient } from './agent-client.js';
import { nextLogSeq } from './agent-logs.js';
import * as agentStore from './agent-store.js';
import { eventRefOf, toAgentConfigWire, toAgentView, type EventRef } from './agent-view.js';
import type { LifecycleContext, SessionHandle } from './lifecycle-context.js';

export type SpawnStage = 'creating' | 'starting' | 'running';

/** What /start hands the agent: its settings, the position it holds, where its log goes on. */
async function startRequest(ctx: LifecycleContext, agent: Agent): Promise<StartRequest> {
  const { opts } = ctx;
  const em = opts.orm.em.fork() as EntityManager;
  const open = await latestOpenTrade(em, agent.id);
  const position: PositionWire | null = open
    ? {
        tradeId: open.id,
        side: open.side,
        qty: open.qty,
        entryPrice: open.entryPrice,
        leverage: open.leverage,
        margin: open.margin,
        liquidationPrice: open.liquidationPrice ?? null,
        tpPrice: agent.position?.tpPrice ?? null,
        slPrice: agent.position?.slPrice ?? null,
        openedAt: open.openedAt.toISOString(),
      }
    : null;
  const nextSeq = await nextLogSeq(opts.orm, agent.id);
  const hubUrls = opts.hubUrls();
  return {
    config: toAgentConfigWire(toAgentView(agent)),
    position,
    realizedPnl: agent.realizedPnl,
    nextLogSeq: nextSeq,
    hubUrl: hubUrls[0]!,
    hubUrls,
  };
}

/**
 * The agent's hub URLs as environment: `HUB_URLS` (every replica, the agent fails over between
 * them) and `HUB_URL` (the first, for an agent image older than the list).
 */
function hubUrlEnv(hubUrls: string[]): { HUB_URL: string; HUB_URLS: string } {
  return { HUB_URL: hubUrls[0]!, HUB_URLS: hubUrls.join(',') };
}

async function waitHealthy(ctx: LifecycleContext, agentId: string, handle: SessionHandle): Promise<void> {
  const healthAttemptMs = ctx.opts.healthAttemptMs ?? 1000;
  const healthBudgetMs = ctx.opts.healthBudgetMs ?? 20_000;
  const deadline = Date.now() + healthBudgetMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    const exit = ctx.exitedDuringSpawn.get(agentId);
    if (exit) throw new SpawnError(`agent exited while starting: ${exit.reason}`, `The agent stopped while starting (${exit.reason}).`);
    try {
      await agentClient.health(handle.baseUrl, handle.token, healthAttemptMs);
      return;
    } catch (error) {
      last = (error as Error).message;
    }
    // Short: the agent answers ~100-200 ms after launch; a long pause here is pure spawn latency.
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new SpawnError(
    `agent not healthy within ${healthBudgetMs} ms (${last})`,
    `The agent did not become healthy within ${Math.round(healthBudgetMs / 1000)} s.`,
  );
}

/** Forgets the session's handle, removes its process or container and releases its port. */
export async function teardownSession(ctx: LifecycleContext, agentId: string): Promise<void> {
  ctx.handles.delete(agentId);
  await ctx.opts.runtime.remove(agentId).catch((e) => ctx.log.warn({ err: e, agentId }, 'remove failed'));
  await ctx.opts.ports.release(agentId);
}

/** Records the failure (no container, no port), tells the owner, and returns the error to throw. */
async function failSpawn(ctx: LifecycleContext, ref: EventRef, error: unknown): Promise<SpawnError> {
  const { opts } = ctx;
  const { agentId } = ref;
  const reason = error instanceof HubError ? error.userMessage : `Could not start the agent: ${(error as Error).message}`;
  const lastLogs = await opts.runtime.lastLogs(agentId, 5).catch(() => []);
  ctx.log.warn({ err: error, agentId, lastLogs }, 'spawn failed');
  await teardownSession(ctx, agentId);
  await agentStore.updateById(opts.orm, agentId, { status: 'failed', statusReason: reason, containerId: null });
  opts.events.emit('agent.failed', { ...ref, reason });
  return error instanceof SpawnError ? error : new SpawnError((error as Error).message, reason);
}

/** The spawn pipeline proper; the caller holds the agent's serial slot. */
export async function spawnSession(ctx: LifecycleContext, agentId: string, onStage?: (stage: SpawnStage) => void): Promise<Agent> {
  const { opts, log } = ctx;
  const update = (fields: Partial<Agent>) => agentStore.updateById(opts.orm, agentId, fields);
  let agent = await update({ status: 'starting', statusReason: null });
  const ref = eventRefOf(agent);
  opts.events.emit('agent.starting', ref);
  onStage?.('creating');
  ctx.exitedDuringSpawn.delete(agentId);
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  const mark = (step: string) => (timings[step] = Math.round(performance.now() - t0));
  try {
    const port = await opts.ports.allocate(agentId);
    mark('portMs');
    const token = await opts.tokens.issue(agentId);
    const placed = await opts.runtime.place({
      agentId,
      ownerId: ref.ownerId,
      port,
      env: {
        ...hubUrlEnv(opts.hubUrls()),
        AGENT_ID: agentId,
        AGENT_TOKEN: token,
        ...(opts.agentNodeOptions ? { NODE_OPTIONS: opts.agentNodeOptions } : {}),
      },
    });
    mark('placedMs');
    const handle: SessionHandle = { baseUrl: placed.baseUrl, token, healthFailures: 0 };
    ctx.handles.set(agentId, handle);
    await update({ containerId: placed.handleId, runtime: opts.runtime.kind });
    onStage?.('starting');
    // The start request (open position, next log seq) is read while the agent boots.
    const request = startRequest(ctx, agent);
    request.catch(() => undefined);
    await waitHealthy(ctx, agentId, handle);
    mark('healthyMs');
    const started = await request;
    // Before /start, so the session's first order finds them: the broker trades the session on
    // the leverage and mode it starts with; edits of those wait for the next start.
    await update({ sessionLeverage: started.config.leverage, sessionLiveMode: started.config.liveMode });
    await agentClient.start(handle.baseUrl, token, started);
    mark('startedMs');
    agent = await update({ status: 'running', startedAt: new Date(), statusReason: null });
    opts.events.emit('agent.started', { ...ref, port, runtime: opts.runtime.kind });
    onStage?.('running');
    mark('runningMs');
    log.info({ agentId, port, ...timings }, 'agent running');
    return agent;
  } catch (error) {
    throw await failSpawn(ctx, ref, error);
  } finally {
    ctx.exitedDuringSpawn.delete(agentId);
  }
}
