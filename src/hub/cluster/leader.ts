/**
 * Leader election among hub replicas that share one PostgreSQL database: the leader is the
 * replica holding a session-level advisory lock (`pg_try_advisory_lock`) on a dedicated session,
 * a `pg.Client` of its own (never the ORM's pool, whose connections come and go).
 *
 * - A follower tries for the lock every `retryMs`. When the leader's session ends (its process was
 *   killed: the kernel closes the socket and PostgreSQL releases the lock), the next try wins. A
 *   replica that just lost its own session waits three tries before it tries again, so a healthy
 *   follower comes first.
 * - The leader checks its session every `retryMs` with `select 1` (bounded by `queryTimeoutMs`),
 *   and TCP keepalive is on, so a dead network is noticed on this side too.
 * - The moment the lock session errors, ends or fails its check, leadership is lost: `lost` is
 *   emitted synchronously, before any reconnect, so leader-only work stops first. The server
 *   releases the lock only when it notices the session is gone, which is never earlier than this
 *   side gives up on a dead network; two leaders never run at once unless a partitioned leader's
 *   session outlives its own check (see docs/architecture.md, "Two hubs, one database").
 *
 * The same session LISTENs on `channels`: other replicas NOTIFY there when they write rows the
 * leader must act on (the bot's outbox, the chain outbox); `notify` listeners hear the channel.
 */
import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { Logger } from '../../logger.js';

export type ReplicaRole = 'leader' | 'follower';

/** The advisory lock key of the hub leader ("Artic" in ASCII); one leader per database. */
export const LEADER_LOCK_KEY = '280520616291';

export interface LeaderElectionOptions {
  connectionString: string;
  replicaId: string;
  /** Time between tries for the lock as a follower, and between session checks as the leader (ms). */
  retryMs: number;
  /** A session check or lock try slower than this counts as a dead session (ms, default max(2 s, 3 × retryMs)). */
  queryTimeoutMs?: number;
  /** Channels LISTENed on the lock session; payloads go to `notify` listeners. */
  channels?: readonly string[];
  logger: Logger;
}

export interface LeaderElection {
  readonly replicaId: string;
  role(): ReplicaRole;
  /** Connects and tries for the lock once (so a lone hub is leader when this resolves), then keeps trying in the background. */
  start(): Promise<void>;
  /** Releases the lock (emitting `lost` when leader) and closes the session. Idempotent. */
  stop(): Promise<void>;
  on(event: 'gained' | 'lost', listener: () => void): () => void;
  on(event: 'notify', listener: (channel: string) => void): () => void;
}

/** Opens the lock session and LISTENs on `channels`; `onGone` hears its error or end, `onNotify` its notifications. */
async function openLockSession(
  options: LeaderElectionOptions,
  queryTimeoutMs: number,
  handlers: { onGone(c: pg.Client, reason: string): void; onNotify(channel: string): void },
): Promise<pg.Client> {
  const c = new pg.Client({
    connectionString: options.connectionString,
    keepAlive: true,
    keepAliveInitialDelayMillis: 5000,
    query_timeout: queryTimeoutMs,
    connectionTimeoutMillis: queryTimeoutMs,
    application_name: `artic-leader ${options.replicaId}`.slice(0, 63),
  });
  c.on('error', (err) => handlers.onGone(c, `lock session error: ${err.message}`));
  c.on('end', () => handlers.onGone(c, 'lock session ended'));
  c.on('notification', (n) => handlers.onNotify(n.channel));
  await c.connect();
  for (const channel of options.channels ?? []) await c.query(`listen ${pg.escapeIdentifier(channel)}`);
  return c;
}

/** Unlocks and closes a session this replica leaves; failures do not matter (the server unlocks at the end). */
async function closeLockSession(c: pg.Client): Promise<void> {
  await c.query('select pg_advisory_unlock_all()').catch(() => undefined);
  await c.end().catch(() => undefined);
}

export function createLeaderElection(options: LeaderElectionOptions): LeaderElection {
  const { logger: log, replicaId, retryMs } = options;
  const queryTimeoutMs = options.queryTimeoutMs ?? Math.max(2000, 3 * retryMs);
  const emitter = new EventEmitter();
  let client: pg.Client | undefined;
  let leader = false;
  let stopped = true;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> | undefined;
  /** A replica that just lost its session lets the others try first (epoch ms before which it does not try). */
  let holdOffUntil = 0;

  function loseLeadership(reason: string): void {
    if (!leader) return;
    leader = false;
    holdOffUntil = Date.now() + 3 * retryMs;
    log.warn({ replicaId, reason }, 'leadership lost');
    emitter.emit('lost');
  }

  /** Forgets the session (it errored, ended or failed a check): leadership goes first, then the socket. */
  function drop(c: pg.Client, reason: string): void {
    if (client !== c) return;
    client = undefined;
    loseLeadership(reason);
    void c.end().catch(() => undefined);
  }

  async function tryRound(): Promise<void> {
    if (!client) {
      const opened = await openLockSession(options, queryTimeoutMs, { onGone: drop, onNotify: (ch) => emitter.emit('notify', ch) });
      if (stopped) return void (await opened.end().catch(() => undefined));
      client = opened;
    }
    const c = client;
    if (leader) {
      await c.query('select 1');
      return;
    }
    if (Date.now() < holdOffUntil) return;
    const { rows } = await c.query<{ ok: boolean }>('select pg_try_advisory_lock($1::bigint) as ok', [LEADER_LOCK_KEY]);
    if (rows[0]?.ok && client === c && !stopped) {
      leader = true;
      log.info({ replicaId }, 'leadership gained');
      emitter.emit('gained');
    }
  }

  function runRound(): Promise<void> {
    round = tryRound().catch((err: Error) => {
      if (client) drop(client, `lock session check failed: ${err.message}`);
      else log.debug({ err: err.message }, 'leader election: database not reachable; retrying');
    });
    return round;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => void runRound().finally(schedule), retryMs);
    timer.unref();
  }

  return {
    replicaId,
    role: () => (leader ? 'leader' : 'follower'),
    async start() {
      if (!stopped) return;
      stopped = false;
      await runRound();
      schedule();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      await round;
      const c = client;
      client = undefined;
      loseLeadership('stopping');
      if (c) await closeLockSession(c);
    },
    on(event: string, listener: (channel: string) => void) {
      emitter.on(event, listener);
      return () => void emitter.off(event, listener);
    },
  };
}
