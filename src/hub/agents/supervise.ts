/**
 * Watching running agents from outside: a crash is seen from the runtime's exit events and from
 * periodic /health probes; it is recorded (`failed`, with the reason in the agent's own log) and,
 * when the hub restarts crashed agents, followed by restarts with exponential backoff. An agent
 * that ends its session on its own (drawdown stop, engine error) says so with a status push in
 * state `stopped`; the hub then finishes the stop the same way as one it asked for.
 */
import type { AgentStatus } from '../../shared/wire.js';
import type { AgentExit } from '../runtime/runtime.js';
import { agentClient } from './agent-client.js';
import { appendHubErrorLine } from './agent-logs.js';
import * as agentStore from './agent-store.js';
import { eventRefOf } from './agent-view.js';
import { announceStop, haltSession } from './halt.js';
import type { LifecycleContext } from './lifecycle-context.js';
import { spawnSession, teardownSession } from './spawn.js';

/**
 * The agent cannot log its own death: the hub writes it into the agent's log (what /logs and
 * /tail show) with the runtime's last output lines (stderr included). The agent is gone, so
 * nothing else writes to its log now; a restart continues after this seq.
 */
async function recordCrashInAgentLog(ctx: LifecycleContext, agentId: string, reason: string, lastLogs: string[]): Promise<void> {
  const tail = lastLogs.slice(-5).join('\n');
  await appendHubErrorLine(ctx.opts.orm, agentId, `${reason}${tail ? `; last output:\n${tail}` : ''}`).catch((e) =>
    ctx.log.warn({ err: e, agentId }, 'could not record the crash in the agent log'),
  );
}

/** Restarts the failed agent after the backoff of `attempt` (1 s, 2 s, 4 s … at most 60 s). */
export function scheduleRestart(ctx: LifecycleContext, agentId: string, attempt: number, reason: string): void {
  const { opts, log } = ctx;
  const delay = Math.min((opts.restartBaseDelayMs ?? 1000) * 2 ** (attempt - 1), 60_000);
  const timer = setTimeout(() => {
    ctx.restarts.cancel(agentId);
    void ctx
      .serial(agentId, async () => {
        const agent = await agentStore.findById(opts.orm, agentId);
        if (!agent || agent.status !== 'failed' || ctx.closed) return; // user stopped or deleted it meanwhile
        await agentStore.updateById(opts.orm, agentId, { restartCount: attempt });
        try {
          await spawnSession(ctx, agentId);
          opts.events.emit('agent.restarted', { ...eventRefOf(agent), attempt, reason });
        } catch (error) {
          log.warn({ err: error, agentId, attempt }, 'restart failed');
          if (opts.restartOnCrash && attempt < opts.maxRestarts) scheduleRestart(ctx, agentId, attempt + 1, reason);
        }
      })
      .catch((e) => log.error({ err: e, agentId }, 'restart failed'));
  }, delay);
  timer.unref();
  ctx.restarts.set(agentId, timer);
}

async function handleCrash(ctx: LifecycleContext, exit: AgentExit): Promise<void> {
  const { opts, log } = ctx;
  if (ctx.closed) return;
  const agent = await agentStore.findById(opts.orm, exit.agentId);
  if (!agent) return;
  if (agent.status === 'starting') {
    ctx.exitedDuringSpawn.set(exit.agentId, exit);
    return;
  }
  await ctx.serial(exit.agentId, async () => {
    const current = await agentStore.findById(opts.orm, exit.agentId);
    if (!current || current.status !== 'running') return;
    const lastLogs = await opts.runtime.lastLogs(exit.agentId, 15).catch(() => []);
    await teardownSession(ctx, exit.agentId);
    const attempt = current.restartCount + 1;
    const willRestart = opts.restartOnCrash && attempt <= opts.maxRestarts;
    const reason = `crashed: ${exit.reason}`;
    const failed = await agentStore.updateById(opts.orm, exit.agentId, { status: 'failed', statusReason: reason, containerId: null });
    await recordCrashInAgentLog(ctx, exit.agentId, reason, lastLogs);
    log.warn({ agentId: exit.agentId, exit, willRestart }, 'agent crashed');
    opts.events.emit('agent.crashed', { ...eventRefOf(failed), exitCode: exit.exitCode, oom: exit.oom, reason, lastLogs, willRestart });
    if (willRestart) scheduleRestart(ctx, exit.agentId, attempt, reason);
  });
}

/** One /health round over every session; a session failing `healthFailuresToCrash` in a row has crashed. */
async function probeSessions(ctx: LifecycleContext): Promise<void> {
  const failuresToCrash = ctx.opts.healthFailuresToCrash ?? 2;
  await Promise.all(
    [...ctx.handles.entries()].map(async ([agentId, handle]) => {
      if (ctx.busy(agentId)) return;
      try {
        await agentClient.health(handle.baseUrl, handle.token, 1000);
        handle.healthFailures = 0;
      } catch {
        handle.healthFailures += 1;
        if (handle.healthFailures >= failuresToCrash && ctx.handles.get(agentId) === handle) {
          await handleCrash(ctx, { agentId, exitCode: null, oom: false, reason: `health check failed ${handle.healthFailures} times` });
        }
      }
    }),
  );
}

/**
 * The agent stopped its engine by itself and pushed state `stopped`. The hub completes the stop
 * as if asked (the agent's /stop delivers its last log lines; nothing is left to close), keeps
 * the agent's own words as the reason, and raises `drawdown.stop` when its own books show the
 * session loss limit reached: the broker's realised PnL plus the unrealised PnL the agent last
 * reported, against the agent's `maxSessionLossPct` of `amountUsdt` (the engine's rule).
 * `agent.stopped` follows with cause `drawdown` then, else `self` (an engine error), so the
 * owner is alerted once per stop.
 */
async function handleSelfStop(ctx: LifecycleContext, agentId: string, status: Omit<AgentStatus, 'agentId'>): Promise<void> {
  await ctx.serial(agentId, async () => {
    const agent = await agentStore.findById(ctx.opts.orm, agentId);
    // Not running (any more): a stop the hub asked for, already completed or under way.
    if (!agent || agent.status !== 'running' || !ctx.handles.has(agentId)) return;
    const said = status.lastAction?.startsWith('STOP: ') ? status.lastAction.slice('STOP: '.length).trim() : '';
    const reason = said || 'the agent stopped on its own';
    ctx.log.info({ agentId, reason }, 'agent stopped itself');
    const stopped = await haltSession(ctx, agent, { closePosition: false, reason });
    const limitPct = stopped.maxSessionLossPct;
    const lossPct = stopped.amountUsdt > 0 ? (-(stopped.realizedPnl + status.unrealizedPnl) / stopped.amountUsdt) * 100 : 0;
    const drawdown = limitPct > 0 && lossPct >= limitPct;
    if (drawdown) ctx.opts.events.emit('drawdown.stop', { ...eventRefOf(stopped), lossPct, limitPct });
    await announceStop(ctx, stopped, drawdown ? 'drawdown' : 'self');
  });
}

export interface Supervisor {
  /** Begins the periodic health probes of every session the hub holds a handle of (once; later calls do nothing). */
  startProbes(): void;
  /** Stops probes and listening for exits and self-stops; pending restarts are the context's to cancel. */
  close(): void;
}

/** Listens for runtime exits and self-stop pushes from now on; probes begin with `startProbes`. */
export function superviseSessions(ctx: LifecycleContext): Supervisor {
  const { opts, log } = ctx;
  let probeTimer: NodeJS.Timeout | undefined;
  // Cluster-wide: an agent spawned by this replica may push to another one. Only the replica that
  // holds the agent's session (its handle) acts, so the stop is finished once, where it can be.
  const offStatus = opts.events.on('agent.status', (e) => {
    if (ctx.closed || e.status.state !== 'stopped' || !ctx.handles.has(e.agentId)) return;
    void handleSelfStop(ctx, e.agentId, e.status).catch((err) => log.error({ err, agentId: e.agentId }, 'self-stop handling failed'));
  });
  const offExit = opts.runtime.onExit((exit) => {
    void handleCrash(ctx, exit).catch((e) => log.error({ err: e, exit }, 'crash handling failed'));
  });
  return {
    startProbes() {
      if (probeTimer) return;
      probeTimer = setInterval(
        () => void probeSessions(ctx).catch((e) => log.error({ err: e }, 'health probe failed')),
        opts.healthIntervalMs,
      );
      probeTimer.unref();
    },
    close() {
      clearInterval(probeTimer);
      offExit();
      offStatus();
    },
  };
}
