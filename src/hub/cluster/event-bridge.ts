/**
 * Hub events across replicas (docs/architecture.md, Cluster). Every event emitted on this replica
 * (`HubEvents.onAnyLocal`) is published with `pg_notify` on one channel; every event another
 * replica published is re-emitted here with `HubEvents.emitRemote`, so it reaches cluster-wide
 * listeners only (a WebSocket client, a cache), never the local-only ones (alerts, records).
 * Payloads carry the publishing replica's id: a replica ignores its own.
 *
 * - Publishing never blocks or fails the emitter: an event is queued in memory and sent by one
 *   flush at a time on a dedicated connection. Events queued while a flush runs go in the next
 *   one, packed several to a NOTIFY (./event-wire.ts), all NOTIFYs of a flush in one statement.
 *   One connection and one flush at a time keep the order of events (an agent's logs).
 * - LISTEN holds its own dedicated `pg.Client` (./listen-session.ts); when it drops, it connects
 *   again (backoff up to 5 s), LISTENs again and the bridge signals `HubEvents.remoteGap` so
 *   holders of state fed by remote events re-read it: events published while it was away are not replayed (they are notices for
 *   clients and caches; what must not be lost is in the database).
 * - While the database is unreachable the queue keeps at most `maxQueued` events; older ones are
 *   dropped (counted in `stats.dropped`).
 */
import pg from 'pg';
import type { Logger } from '../../logger.js';
import type { HubEventName, HubEvents } from '../events.js';
import { createUnpacker, packEvents, type WireEvent } from './event-wire.js';
import { openListenSession } from './listen-session.js';

export const EVENT_CHANNEL = 'artic_events';

export interface EventBridgeOptions {
  databaseUrl: string;
  events: Pick<HubEvents, 'onAnyLocal' | 'emitRemote' | 'remoteGap'>;
  /** This replica (HUB_REPLICA_ID). */
  replicaId: string;
  logger: Logger;
  channel?: string;
  /** Events kept while the database is unreachable (default 10 000). */
  maxQueued?: number;
}

export interface EventBridgeStats {
  /** Events handed to PostgreSQL. */
  published: number;
  /** NOTIFY payloads sent (fewer than events when they were packed together). */
  notifies: number;
  /** Events of other replicas re-emitted here. */
  received: number;
  /** Events dropped because the queue was full. */
  dropped: number;
}

export interface EventBridge {
  readonly stats: EventBridgeStats;
  /** Resolves once the LISTEN session is up (at once when it is). */
  listening(): Promise<void>;
  /** The backend pid of the LISTEN session, undefined while it is down (tests). */
  readonly listenerPid: number | undefined;
  /** Times the LISTEN session came back. */
  readonly reconnects: number;
  /** Resolves when every queued event has been handed to PostgreSQL (or dropped). */
  drain(): Promise<void>;
  /** Sends what is queued (for at most 2 s), then closes both sessions. */
  stop(): Promise<void>;
}

interface Publisher {
  enqueue(event: WireEvent): void;
  drain(): Promise<void>;
  close(): Promise<void>;
}

/** The sending half: a queue, one flush at a time on a dedicated session, one statement per flush. */
function createPublisher(options: EventBridgeOptions, channel: string, stats: EventBridgeStats): Publisher {
  const { replicaId, logger } = options;
  const maxQueued = options.maxQueued ?? 10_000;
  let queue: WireEvent[] = [];
  let client: pg.Client | undefined;
  let flushing: Promise<void> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let closed = false;
  let seq = 0;

  async function session(): Promise<pg.Client> {
    if (client) return client;
    const next = new pg.Client({ connectionString: options.databaseUrl, keepAlive: true, application_name: 'artic-events-notify' });
    const forget = () => void (client === next && (client = undefined));
    next.on('error', forget);
    next.on('end', forget);
    await next.connect();
    return (client = next);
  }

  function trim(): void {
    if (queue.length <= maxQueued) return;
    stats.dropped += queue.length - maxQueued;
    queue = queue.slice(queue.length - maxQueued);
  }

  async function flushOnce(): Promise<void> {
    const batch = queue;
    queue = [];
    const payloads = packEvents(batch, replicaId, () => ++seq);
    try {
      // pg_notify is volatile: it runs after the sort, so the NOTIFYs go in order.
      const sql = 'select pg_notify($1, p) from unnest($2::text[]) with ordinality as t(p, i) order by i';
      await (await session()).query(sql, [channel, payloads]);
      stats.published += batch.length;
      stats.notifies += payloads.length;
    } catch (error) {
      // Back in front of what came meanwhile, in order; the queue bound applies.
      queue = [...batch, ...queue];
      trim();
      void client?.end().catch(() => undefined);
      client = undefined;
      throw error;
    }
  }

  function flush(): void {
    if (flushing || queue.length === 0 || retryTimer || closed) return;
    flushing = (async () => {
      try {
        while (queue.length) await flushOnce();
      } catch (error) {
        logger.warn({ err: error, queued: queue.length }, 'cluster events could not be published; retrying in 1 s');
        retryTimer = setTimeout(() => {
          retryTimer = undefined;
          flush();
        }, 1000);
        retryTimer.unref();
      }
    })().finally(() => {
      flushing = undefined;
      flush();
    });
  }

  async function drain(): Promise<void> {
    while ((queue.length || flushing) && !closed) {
      flush();
      await (flushing ?? new Promise((resolve) => setTimeout(resolve, 50)));
    }
  }

  return {
    enqueue(event) {
      queue.push(event);
      trim();
      // After the current turn: events emitted together (a fill and its trade event) share a NOTIFY.
      if (queue.length === 1) setImmediate(flush);
    },
    drain,
    async close() {
      await Promise.race([drain(), new Promise((resolve) => setTimeout(resolve, 2000))]);
      closed = true;
      clearTimeout(retryTimer);
      await client?.end().catch(() => undefined);
      client = undefined;
    },
  };
}

/** Connects and LISTENs; resolves once events of other replicas are being received. */
export async function startEventBridge(options: EventBridgeOptions): Promise<EventBridge> {
  const { events, replicaId, logger } = options;
  const channel = options.channel ?? EVENT_CHANNEL;
  const stats: EventBridgeStats = { published: 0, notifies: 0, received: 0, dropped: 0 };
  const unpacker = createUnpacker(replicaId);

  function receive(payload: string): void {
    let received: WireEvent[];
    try {
      received = unpacker.accept(payload);
    } catch (error) {
      logger.warn({ err: error }, 'unreadable cluster event payload ignored');
      return;
    }
    for (const { name, data } of received) {
      stats.received++;
      try {
        events.emitRemote(name, data);
      } catch (error) {
        logger.error({ err: error, event: name }, 'listener of a remote event failed');
      }
    }
  }

  const listener = await openListenSession({
    databaseUrl: options.databaseUrl,
    channel,
    onPayload: receive,
    onReconnect: () => {
      // Parts of a message cut by the drop will not come; what was missed is signalled.
      unpacker.reset();
      events.remoteGap();
    },
    logger,
    applicationName: 'artic-events-listen',
  });
  const publisher = createPublisher(options, channel, stats);
  const offLocal = events.onAnyLocal((name: HubEventName, data) => publisher.enqueue({ name, data }));

  return {
    stats,
    listening: () => listener.listening(),
    get listenerPid() {
      return listener.pid;
    },
    get reconnects() {
      return listener.reconnects;
    },
    drain: () => publisher.drain(),
    async stop() {
      offLocal();
      await publisher.close();
      await listener.close();
    },
  };
}
