/**
 * What the agent's HTTP endpoints act on: at most one trading session at a time (a hub client
 * plus an engine). `/start` begins a session, `/config` changes its live settings, `/stop` ends
 * it (closing the position when asked, then flushing pushes), and a signal ends it without
 * closing (the hub keeps the position and hands it back on the next start).
 */
import type { AgentHealth, AgentStatus, LiveConfigPatch, StartRequest, StopRequest } from '../../src/shared/wire.js';
import { safeUrl, type AgentLog } from './agent-log.js';
import { systemClock, type Clock } from '../../src/shared/clock.js';
import { createEngine, type Engine, type EngineOptions } from '../../src/engine/engine.js';
import type { SignalFn } from '../../src/engine/session.js';
import { AgentBusyError, AgentNotRunningError, BadRequestError } from './errors.js';
import { createHubClient, type HubClient, type HubClientOptions } from './hub-client.js';
import { normaliseHubUrls } from './hub-failover.js';
import { AGENT_VERSION } from './version.js';

export interface AgentControllerOptions {
  agentId: string;
  /** Agent token, also used for the agent's own pushes to the hub. */
  token: string;
  /** `HUB_URLS` / `HUB_URL` from the environment; a non-empty `StartRequest.hubUrls` or `hubUrl` wins. */
  defaultHubUrls: readonly string[];
  /** Stdout logger (no hub sink); sessions derive theirs from it. */
  log: AgentLog;
  /** Trading clock of the engine. Default: real. */
  clock?: Clock;
  /** Wall clock for uptime and shutdown bounds. Default: real. */
  timers?: Clock;
  engineOptions?: EngineOptions;
  /** Overrides for the hub client (tests: backoff, flush interval, fetch). */
  hubClientOptions?: Partial<Omit<HubClientOptions, 'hubUrl' | 'hubUrls' | 'agentId' | 'token' | 'firstLogSeq'>>;
  evaluateSignal?: SignalFn;
  /** Bound of the engine part of `/stop`, ms. Default 5000. */
  stopDeadlineMs?: number;
  /** Bound of the final push flush, ms. Default 2000. */
  flushTimeoutMs?: number;
}

export interface AgentController {
  health(): AgentHealth;
  status(): AgentStatus;
  /** Begins a session; throws `AgentBusyError` while one runs, `BadRequestError` on a mismatch. */
  start(req: StartRequest): AgentStatus;
  /** Applies live settings to the running session; throws `AgentNotRunningError` without one. */
  applyConfig(patch: LiveConfigPatch): AgentStatus;
  stop(req: StopRequest): Promise<AgentStatus>;
  /** SIGTERM/SIGINT: stop without closing the position, flush, release the hub client. */
  shutdown(deadlineMs: number): Promise<void>;
}

interface Session {
  engine: Engine;
  client: HubClient;
  closeOnStop: boolean;
}

function idleStatusOf(agentId: string, clock: Clock): AgentStatus {
  return {
    agentId,
    state: 'idle',
    price: null,
    position: null,
    unrealizedPnl: 0,
    realizedPnl: 0,
    strategy: null,
    lastAction: null,
    stale: false,
    simulated: false,
    ts: new Date(clock.now()).toISOString(),
  };
}

/**
 * A new session for `req`, not started yet: its own hub client (log numbering continues at
 * `req.nextLogSeq`) and an engine resuming `req.position`; the session's log also goes to the hub.
 */
function buildSession(
  opts: AgentControllerOptions,
  req: StartRequest,
  hubUrls: readonly string[],
  clock: Clock,
  timers: Clock,
): { session: Session; log: AgentLog } {
  const client = createHubClient({
    ...opts.hubClientOptions,
    hubUrls,
    agentId: opts.agentId,
    token: opts.token,
    firstLogSeq: req.nextLogSeq,
    diagnostic: (level, message) => opts.log[level](message),
  });
  const log = opts.log.withSink((level, message, ts) => client.log(level, message, ts));
  const engine = createEngine({
    config: req.config,
    position: req.position,
    realizedPnl: req.realizedPnl,
    hub: client,
    log,
    clock,
    timers,
    evaluateSignal: opts.evaluateSignal,
    options: opts.engineOptions,
  });
  return { session: { engine, client, closeOnStop: req.config.closeOnStop }, log };
}

/** The start request's hub URLs (the list, else its one URL), else the environment's. */
function hubUrlsOf(req: StartRequest, fallback: readonly string[]): string[] {
  if (req.hubUrls?.length) return normaliseHubUrls(req.hubUrls);
  if (req.hubUrl) return [req.hubUrl];
  return normaliseHubUrls(fallback);
}

export function createAgentController(opts: AgentControllerOptions): AgentController {
  const timers = opts.timers ?? systemClock;
  const clock = opts.clock ?? systemClock;
  const startedAt = timers.now();
  const stopDeadlineMs = opts.stopDeadlineMs ?? 5_000;
  const flushTimeoutMs = opts.flushTimeoutMs ?? 2_000;
  let session: Session | null = null;
  const idleStatus = () => idleStatusOf(opts.agentId, clock);

  return {
    health() {
      return {
        ok: true,
        agentId: opts.agentId,
        state: session?.engine.state ?? 'idle',
        uptimeMs: timers.now() - startedAt,
        version: AGENT_VERSION,
      };
    },

    status() {
      return session ? session.engine.status() : idleStatus();
    },

    start(req) {
      if (req.config.agentId !== opts.agentId) {
        throw new BadRequestError(`config.agentId ${JSON.stringify(req.config.agentId)} is not this agent`, 'agent_mismatch');
      }
      const current = session?.engine.state;
      if (current === 'running' || current === 'stopping') throw new AgentBusyError(current);
      const hubUrls = hubUrlsOf(req, opts.defaultHubUrls);
      if (hubUrls.length === 0) {
        throw new BadRequestError('no hub URL: StartRequest.hubUrls and hubUrl are empty and HUB_URLS/HUB_URL are unset', 'no_hub_url');
      }
      session?.client.close();

      const { session: started, log } = buildSession(opts, req, hubUrls, clock, timers);
      const { engine, client } = started;
      const { config } = req;
      session = started;
      log.info(
        `start: ${config.symbol} ${config.timeframe}, margin ${config.amountUsdt} USDT ${config.leverage}x, ` +
          `${config.liveMode ? 'live' : 'paper'}, hub ${hubUrls.map(safeUrl).join(' | ')}${req.position ? ', resuming an open position' : ''}` +
          `${config.paused === true ? ', paused by owner (no new entries)' : ''}`,
      );
      engine.start();
      // When the engine stops itself (drawdown stop), deliver its last words.
      void engine.done().then(() => client.flush(flushTimeoutMs));
      return engine.status();
    },

    applyConfig(patch) {
      const s = session;
      const state = s?.engine.state ?? 'idle';
      if (!s || state !== 'running') throw new AgentNotRunningError(state);
      if (patch.closeOnStop !== undefined) s.closeOnStop = patch.closeOnStop;
      return s.engine.applyConfig(patch);
    },

    async stop(req) {
      const s = session;
      if (!s) return idleStatus();
      const status = await s.engine.stop({
        closePosition: req.closePosition ?? s.closeOnStop,
        reason: req.reason ?? 'stop requested',
        deadlineMs: stopDeadlineMs,
      });
      await s.client.flush(flushTimeoutMs);
      return status;
    },

    async shutdown(deadlineMs) {
      const s = session;
      if (!s) return;
      const t0 = timers.now();
      await s.engine.stop({ closePosition: false, reason: 'agent process shutting down', deadlineMs: deadlineMs * 0.6 });
      await s.client.flush(Math.max(100, deadlineMs - (timers.now() - t0)));
      s.client.close();
    },
  };
}
