/**
 * The whole life of a running agent: spawn (port → place → healthy → /start → running), stop,
 * crash detection from outside (runtime exit events and periodic /health probes), restarts
 * with backoff, and reconciliation with what the runtime actually runs when the hub boots.
 * Any failure leaves no container, no port and a `failed` status with a reason a user can read.
 * An agent that ends its session on its own (drawdown stop, engine error) says so with a status
 * push in state `stopped`; the hub then finishes the stop the same way as one it asked for.
 * A position a stop left open stays on the agent's row (the view returned says so): the owner
 * closes it with `closePosition` (the broker's market close for owners), and `delete` refuses
 * the agent until it is flat, or closes it first when asked.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { ACTIVE_AGENT_STATUSES, AgentSchema, TradeSchema, type Agent } from '../../db/entities/index.js';
import type { Orm } from '../../db/orm.js';
import type { Logger } from '../../logger.js';
import { WIRE_LIMITS, type AgentStatus, type LiveConfigField, type LiveConfigPatch, type OrderResult, type PositionWire, type StartRequest } from '../../shared/wire.js';
import type { AgentCredentials } from '../auth/agent-credentials.js';
import { AgentStateError, HubError, PositionHeldError, SpawnError } from '../errors.js';
import type { HubEvents, StopCause } from '../events.js';
import type { AgentExit, AgentRuntime } from '../runtime/runtime.js';
import { agentClient } from './agent-client.js';
import type { AgentDirectory } from './agent-directory.js';
import { toAgentConfigWire, toAgentView, type AgentView } from './agent-view.js';
import type { PortAllocator } from './port-allocator.js';
import { claimRunningSlot, type AgentQuotas } from './quotas.js';

export type SpawnStage = 'creating' | 'starting' | 'running';

export interface LifecycleOptions {
  orm: Orm;
  runtime: AgentRuntime;
  ports: PortAllocator;
  /** Agent tokens: a new generation at every start; the current one for an adopted agent. */
  tokens: Pick<AgentCredentials, 'issue' | 'current'>;
  events: HubEvents;
  directory: AgentDirectory;
  logger: Logger;
  /** URL agents use to reach the hub (a function: the HTTP port may be known only after listen). */
  hubUrl: () => string;
  restartOnCrash: boolean;
  maxRestarts: number;
  healthIntervalMs: number;
  /** Health wait during spawn: per attempt and in total. */
  healthAttemptMs?: number;
  healthBudgetMs?: number;
  /** Consecutive failed probes before a running agent counts as crashed. */
  healthFailuresToCrash?: number;
  restartBaseDelayMs?: number;
  /** MAX_RUNNING_AGENTS_PER_USER, claimed by `start` (restarts after a crash keep their slot). */
  quotas?: AgentQuotas;
  /** The broker's market close of an agent's trade for its owner (`broker.closeForOwner`). */
  closeForOwner: (agentId: string, tradeId: string) => Promise<OrderResult>;
}

/** An agent and the market close of the position it held, or null when none was made (it was flat). */
export interface PositionClose {
  /** After `closePosition`: the agent as it is now. After `delete`: as it was, before it went. */
  agent: AgentView;
  closed: OrderResult | null;
}

interface Handle {
  baseUrl: string;
  token: string;
  healthFailures: number;
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

export function createAgentLifecycle(opts: LifecycleOptions): AgentLifecycle {
  const log = opts.logger.child({ part: 'lifecycle' });
  const handles = new Map<string, Handle>();
  const inFlight = new Map<string, Promise<unknown>>();
  const restartTimers = new Map<string, NodeJS.Timeout>();
  const exitedDuringSpawn = new Map<string, AgentExit>();
  const healthAttemptMs = opts.healthAttemptMs ?? 1000;
  const healthBudgetMs = opts.healthBudgetMs ?? 20_000;
  const failuresToCrash = opts.healthFailuresToCrash ?? 2;
  const restartBase = opts.restartBaseDelayMs ?? 1000;
  let probeTimer: NodeJS.Timeout | undefined;
  let closed = false;

  const fork = () => opts.orm.em.fork() as EntityManager;

  /** One operation per agent at a time (start, stop, crash handling). */
  function serial<T>(agentId: string, work: () => Promise<T>): Promise<T> {
    const previous = inFlight.get(agentId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    inFlight.set(agentId, next);
    void next.finally(() => {
      if (inFlight.get(agentId) === next) inFlight.delete(agentId);
    }).catch(() => undefined);
    return next;
  }

  async function update(agentId: string, fields: Partial<Agent>): Promise<Agent> {
    const em = fork();
    const agent = await em.findOneOrFail(AgentSchema, { id: agentId });
    Object.assign(agent, fields);
    await em.flush();
    return agent;
  }

  function refOf(agent: Agent) {
    const ownerId = typeof agent.owner === 'object' ? (agent.owner as { id: string }).id : String(agent.owner);
    return { agentId: agent.id, ownerId, agentName: agent.name };
  }

  async function startRequest(agent: Agent): Promise<StartRequest> {
    const em = fork();
    const open = await em.findOne(TradeSchema, { agent: agent.id, status: 'open' }, { orderBy: { openedAt: 'desc' } });
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
    const seq: Array<{ next: string | number }> = await em
      .getConnection()
      .execute('select coalesce(max(seq), 0) + 1 as next from log_entries where agent_id = ?', [agent.id]);
    return { config: toAgentConfigWire(toAgentView(agent)), position, realizedPnl: agent.realizedPnl, nextLogSeq: Number(seq[0].next), hubUrl: opts.hubUrl() };
  }

  async function waitHealthy(agentId: string, handle: Handle): Promise<void> {
    const deadline = Date.now() + healthBudgetMs;
    let last = 'no answer';
    while (Date.now() < deadline) {
      const exit = exitedDuringSpawn.get(agentId);
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
    throw new SpawnError(`agent not healthy within ${healthBudgetMs} ms (${last})`, `The agent did not become healthy within ${Math.round(healthBudgetMs / 1000)} s.`);
  }

  async function teardown(agentId: string): Promise<void> {
    handles.delete(agentId);
    await opts.runtime.remove(agentId).catch((e) => log.warn({ err: e, agentId }, 'remove failed'));
    await opts.ports.release(agentId);
  }

  /** The spawn pipeline proper; the caller holds the agent's serial slot. */
  async function spawn(agentId: string, onStage?: (stage: SpawnStage) => void): Promise<Agent> {
    let agent = await update(agentId, { status: 'starting', statusReason: null });
    const ref = refOf(agent);
    opts.events.emit('agent.starting', ref);
    onStage?.('creating');
    exitedDuringSpawn.delete(agentId);
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
        env: { HUB_URL: opts.hubUrl(), AGENT_ID: agentId, AGENT_TOKEN: token },
      });
      mark('placedMs');
      const handle: Handle = { baseUrl: placed.baseUrl, token, healthFailures: 0 };
      handles.set(agentId, handle);
      await update(agentId, { containerId: placed.handleId, runtime: opts.runtime.kind });
      onStage?.('starting');
      // The start request (open position, next log seq) is read while the agent boots.
      const request = startRequest(agent);
      request.catch(() => undefined);
      await waitHealthy(agentId, handle);
      mark('healthyMs');
      const started = await request;
      // Before /start, so the session's first order finds them: the broker trades the session on
      // the leverage and mode it starts with; edits of those wait for the next start.
      await update(agentId, { sessionLeverage: started.config.leverage, sessionLiveMode: started.config.liveMode });
      await agentClient.start(handle.baseUrl, token, started);
      mark('startedMs');
      agent = await update(agentId, { status: 'running', startedAt: new Date(), statusReason: null });
      opts.events.emit('agent.started', { ...ref, port, runtime: opts.runtime.kind });
      onStage?.('running');
      mark('runningMs');
      log.info({ agentId, port, ...timings }, 'agent running');
      return agent;
    } catch (error) {
      const reason = error instanceof HubError ? error.userMessage : `Could not start the agent: ${(error as Error).message}`;
      const lastLogs = await opts.runtime.lastLogs(agentId, 5).catch(() => []);
      log.warn({ err: error, agentId, lastLogs }, 'spawn failed');
      await teardown(agentId);
      await update(agentId, { status: 'failed', statusReason: reason, containerId: null });
      opts.events.emit('agent.failed', { ...ref, reason });
      throw error instanceof SpawnError ? error : new SpawnError((error as Error).message, reason);
    } finally {
      exitedDuringSpawn.delete(agentId);
    }
  }

  /** Stops a running agent and records it stopped; `announceStop` tells who ended it. */
  async function haltRunning(agent: Agent, options: { closePosition?: boolean; reason?: string }): Promise<Agent> {
    const agentId = agent.id;
    clearTimeout(restartTimers.get(agentId));
    restartTimers.delete(agentId);
    await update(agentId, { status: 'stopping' });
    const handle = handles.get(agentId);
    if (handle) {
      await agentClient
        .stop(handle.baseUrl, handle.token, { closePosition: options.closePosition ?? agent.closeOnStop, reason: options.reason })
        .catch((e) => log.warn({ err: e, agentId }, 'agent /stop failed; removing it anyway'));
    }
    await teardown(agentId);
    return update(agentId, { status: 'stopped', statusReason: options.reason ?? 'stopped by you', containerId: null });
  }

  async function announceStop(stopped: Agent, cause: StopCause): Promise<void> {
    const positionOpen = (await fork().count(TradeSchema, { agent: stopped.id, status: 'open' })) > 0;
    opts.events.emit('agent.stopped', { ...refOf(stopped), reason: stopped.statusReason ?? '', cause, positionOpen });
  }

  /** A stop the owner asked for (also /panic and delete). */
  async function stopRunning(agent: Agent, options: { closePosition?: boolean; reason?: string }): Promise<Agent> {
    const stopped = await haltRunning(agent, options);
    await announceStop(stopped, 'owner');
    return stopped;
  }

  /**
   * The agent cannot log its own death: the hub writes it into the agent's log (what /logs and
   * /tail show) with the runtime's last output lines (stderr included). The agent is gone, so
   * nothing else writes to its log now; a restart continues after this seq.
   */
  async function recordCrashInAgentLog(agentId: string, reason: string, lastLogs: string[]): Promise<void> {
    const tail = lastLogs.slice(-5).join('\n');
    const message = `${reason}${tail ? `; last output:\n${tail}` : ''}`.slice(0, WIRE_LIMITS.maxLogMessageChars);
    await opts.orm.em
      .getConnection()
      .execute(
        `insert into log_entries (agent_id, seq, level, message, ts)
         select ?::uuid, coalesce(max(seq), 0) + 1, 'error', ?, now() from log_entries where agent_id = ?`,
        [agentId, message, agentId],
      )
      .catch((e) => log.warn({ err: e, agentId }, 'could not record the crash in the agent log'));
  }

  async function onCrash(exit: AgentExit): Promise<void> {
    if (closed) return;
    const em = fork();
    const agent = await em.findOne(AgentSchema, { id: exit.agentId });
    if (!agent) return;
    if (agent.status === 'starting') {
      exitedDuringSpawn.set(exit.agentId, exit);
      return;
    }
    await serial(exit.agentId, async () => {
      const current = await fork().findOne(AgentSchema, { id: exit.agentId });
      if (!current || current.status !== 'running') return;
      const lastLogs = await opts.runtime.lastLogs(exit.agentId, 15).catch(() => []);
      await teardown(exit.agentId);
      const attempt = current.restartCount + 1;
      const willRestart = opts.restartOnCrash && attempt <= opts.maxRestarts;
      const reason = `crashed: ${exit.reason}`;
      const failed = await update(exit.agentId, { status: 'failed', statusReason: reason, containerId: null });
      await recordCrashInAgentLog(exit.agentId, reason, lastLogs);
      log.warn({ agentId: exit.agentId, exit, willRestart }, 'agent crashed');
      opts.events.emit('agent.crashed', { ...refOf(failed), exitCode: exit.exitCode, oom: exit.oom, reason, lastLogs, willRestart });
      if (willRestart) scheduleRestart(exit.agentId, attempt, reason);
    });
  }

  function scheduleRestart(agentId: string, attempt: number, reason: string): void {
    const delay = Math.min(restartBase * 2 ** (attempt - 1), 60_000);
    const timer = setTimeout(() => {
      restartTimers.delete(agentId);
      void serial(agentId, async () => {
        const agent = await fork().findOne(AgentSchema, { id: agentId });
        if (!agent || agent.status !== 'failed' || closed) return; // user stopped or deleted it meanwhile
        await update(agentId, { restartCount: attempt });
        try {
          await spawn(agentId);
          opts.events.emit('agent.restarted', { ...refOf(agent), attempt, reason });
        } catch (error) {
          log.warn({ err: error, agentId, attempt }, 'restart failed');
          if (opts.restartOnCrash && attempt < opts.maxRestarts) scheduleRestart(agentId, attempt + 1, reason);
        }
      }).catch((e) => log.error({ err: e, agentId }, 'restart failed'));
    }, delay);
    timer.unref();
    restartTimers.set(agentId, timer);
  }

  async function probe(): Promise<void> {
    await Promise.all(
      [...handles.entries()].map(async ([agentId, handle]) => {
        if (inFlight.has(agentId)) return;
        try {
          await agentClient.health(handle.baseUrl, handle.token, 1000);
          handle.healthFailures = 0;
        } catch {
          handle.healthFailures += 1;
          if (handle.healthFailures >= failuresToCrash && handles.get(agentId) === handle) {
            await onCrash({ agentId, exitCode: null, oom: false, reason: `health check failed ${handle.healthFailures} times` });
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
  async function onSelfStop(agentId: string, status: Omit<AgentStatus, 'agentId'>): Promise<void> {
    await serial(agentId, async () => {
      const agent = await fork().findOne(AgentSchema, { id: agentId });
      // Not running (any more): a stop the hub asked for, already completed or under way.
      if (!agent || agent.status !== 'running' || !handles.has(agentId)) return;
      const said = status.lastAction?.startsWith('STOP: ') ? status.lastAction.slice('STOP: '.length).trim() : '';
      const reason = said || 'the agent stopped on its own';
      log.info({ agentId, reason }, 'agent stopped itself');
      const stopped = await haltRunning(agent, { closePosition: false, reason });
      const limitPct = stopped.maxSessionLossPct;
      const lossPct = stopped.amountUsdt > 0 ? (-(stopped.realizedPnl + status.unrealizedPnl) / stopped.amountUsdt) * 100 : 0;
      const drawdown = limitPct > 0 && lossPct >= limitPct;
      if (drawdown) opts.events.emit('drawdown.stop', { ...refOf(stopped), lossPct, limitPct });
      await announceStop(stopped, drawdown ? 'drawdown' : 'self');
    });
  }

  const offStatus = opts.events.on('agent.status', (e) => {
    if (closed || e.status.state !== 'stopped' || !handles.has(e.agentId)) return;
    void onSelfStop(e.agentId, e.status).catch((err) => log.error({ err, agentId: e.agentId }, 'self-stop handling failed'));
  });

  const offExit = opts.runtime.onExit((exit) => {
    void onCrash(exit).catch((e) => log.error({ err: e, exit }, 'crash handling failed'));
  });

  async function loadOwned(ownerId: string, ref: string): Promise<Agent> {
    const view = await opts.directory.find(ownerId, ref);
    return fork().findOneOrFail(AgentSchema, { id: view.id });
  }

  /** Closes what the (not running) agent holds now, as the row says after any stop; null when flat. */
  async function closeHeld(agentId: string): Promise<OrderResult | null> {
    const held = (await fork().findOneOrFail(AgentSchema, { id: agentId })).position;
    return held ? opts.closeForOwner(agentId, held.tradeId) : null;
  }

  return {
    async start(ownerId, ref, onStage) {
      const { id } = await opts.directory.find(ownerId, ref);
      return serial(id, async () => {
        const agent = await fork().findOneOrFail(AgentSchema, { id });
        if (agent.status === 'running' && handles.has(id)) {
          onStage?.('running');
          return toAgentView(agent);
        }
        if (opts.quotas) await claimRunningSlot(opts.orm, opts.quotas, ownerId, id);
        await update(id, { restartCount: 0 });
        return toAgentView(await spawn(id, onStage));
      });
    },

    async stop(ownerId, ref, options = {}) {
      const { id } = await opts.directory.find(ownerId, ref);
      return serial(id, async () => {
        const agent = await loadOwned(ownerId, id);
        if (!ACTIVE.has(agent.status) && !handles.has(id)) {
          if (agent.status === 'failed') {
            // A failed agent may still have a restart pending: cancel it.
            clearTimeout(restartTimers.get(id));
            restartTimers.delete(id);
            return toAgentView(await update(id, { status: 'stopped', statusReason: 'stopped by you' }));
          }
          throw new AgentStateError(`agent ${id} is ${agent.status}`, `${agent.name} is not running (${agent.status}).`);
        }
        return toAgentView(await stopRunning(agent, options));
      });
    },

    async delete(ownerId, ref, options = {}) {
      const { id } = await opts.directory.find(ownerId, ref);
      return serial(id, async () => {
        const agent = await loadOwned(ownerId, id);
        if (agent.position && !options.closePosition) throw new PositionHeldError(agent.name);
        // Without closing asked for, a position opened since the check stays (if the agent is not
        // set to close on stop) and the record's removal below refuses it.
        if (ACTIVE.has(agent.status) || handles.has(id)) await stopRunning(agent, { reason: 'deleted', ...(options.closePosition ? { closePosition: true } : {}) });
        clearTimeout(restartTimers.get(id));
        restartTimers.delete(id);
        const closed = options.closePosition ? await closeHeld(id) : null;
        await opts.runtime.remove(id).catch(() => undefined);
        await opts.directory.remove(ownerId, id);
        opts.events.emit('agent.deleted', refOf(agent));
        return { agent: toAgentView(agent), closed };
      });
    },

    async closePosition(ownerId, ref) {
      const { id } = await opts.directory.find(ownerId, ref);
      return serial(id, async () => {
        const agent = await loadOwned(ownerId, id);
        if (ACTIVE.has(agent.status) || handles.has(id)) {
          throw new AgentStateError(`agent ${id} is ${agent.status}`, `${agent.name} is ${agent.status}: its session manages the position. Stop it first; it closes the position if set to close on stop.`);
        }
        const closed = await closeHeld(id);
        return { agent: toAgentView(await fork().findOneOrFail(AgentSchema, { id })), closed };
      });
    },

    async stopAll(ownerId, reason = 'panic stop') {
      const agents = await opts.directory.list(ownerId);
      const stopped: AgentView[] = [];
      for (const a of agents) {
        if (!ACTIVE.has(a.status) && !(a.status === 'failed' && restartTimers.has(a.id))) continue;
        try {
          stopped.push(await this.stop(ownerId, a.id, { reason }));
        } catch (error) {
          log.warn({ err: error, agentId: a.id }, 'panic stop failed');
        }
      }
      return stopped;
    },

    async reconcile() {
      const em = fork();
      const managed = await opts.runtime.list();
      const rows = await em.find(AgentSchema, { status: { $in: ['starting', 'running', 'stopping'] } });
      const byId = new Map(rows.map((r) => [r.id, r]));
      // Another hub may share the engine (its own database, its own agents): their containers
      // are not orphans of this one, and removing them would end someone else's agents. Agent
      // ids are UUIDs; a label that is not one belongs to nothing in this database.
      const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
      const candidates = managed.map((m) => m.agentId).filter((id) => uuid.test(id));
      const known = new Set(candidates.length ? (await em.find(AgentSchema, { id: { $in: candidates } }, { fields: ['id'] })).map((a) => a.id) : []);
      const adopted: string[] = [];
      const removedOrphans: string[] = [];
      const foreign: string[] = [];
      for (const m of managed) {
        if (!known.has(m.agentId)) {
          foreign.push(m.agentId);
          continue;
        }
        const row = byId.get(m.agentId);
        if (row && row.status === 'running' && m.running && row.port != null) {
          const handle: Handle = { baseUrl: opts.runtime.baseUrl(row.id, row.port), token: m.token ?? (await opts.tokens.current(row.id)), healthFailures: 0 };
          try {
            await agentClient.health(handle.baseUrl, handle.token, 2000);
            handles.set(row.id, handle);
            adopted.push(row.id);
            continue;
          } catch {
            /* not answering: treat as missing */
          }
        }
        await opts.runtime.remove(m.agentId).catch(() => undefined);
        removedOrphans.push(m.agentId);
      }
      const missing = rows.filter((r) => !adopted.includes(r.id));
      for (const row of missing) {
        await opts.ports.release(row.id);
        const reason = 'not running after the hub restarted';
        const failed = await update(row.id, { status: 'failed', statusReason: reason, containerId: null });
        const willRestart = opts.restartOnCrash && row.status === 'running';
        opts.events.emit('agent.crashed', { ...refOf(failed), exitCode: null, oom: false, reason, lastLogs: [], willRestart });
        if (willRestart) scheduleRestart(row.id, 1, reason);
      }
      // Ports held by agents that are not active any more (a crash between steps) go back to the pool.
      await em.getConnection().execute(`update agents set port = null where port is not null and status not in ('starting','running','stopping')`);
      probeTimer = setInterval(() => void probe().catch((e) => log.error({ err: e }, 'health probe failed')), opts.healthIntervalMs);
      probeTimer.unref();
      log.info({ adopted: adopted.length, removedOrphans: removedOrphans.length, missing: missing.length, foreign: foreign.length }, 'reconciled agents');
      return { adopted, removedOrphans, missing: missing.map((m) => m.id) };
    },

    applyLiveConfig(agentId, fields) {
      return serial(agentId, async () => {
        const agent = await fork().findOne(AgentSchema, { id: agentId });
        const handle = handles.get(agentId);
        if (!agent || agent.status !== 'running' || !handle) {
          throw new AgentStateError(`agent ${agentId} is not running`, 'The agent is not running.');
        }
        const config = toAgentConfigWire(toAgentView(agent));
        const patch: LiveConfigPatch = Object.fromEntries(fields.map((f) => [f, config[f]]));
        await agentClient.config(handle.baseUrl, handle.token, patch);
      });
    },

    handle(agentId) {
      const h = handles.get(agentId);
      return h ? { baseUrl: h.baseUrl, token: h.token } : undefined;
    },

    async close() {
      closed = true;
      clearInterval(probeTimer);
      for (const t of restartTimers.values()) clearTimeout(t);
      restartTimers.clear();
      offExit();
      offStatus();
      await Promise.allSettled([...inFlight.values()]);
    },
  };
}
