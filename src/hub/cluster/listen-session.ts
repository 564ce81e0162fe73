/**
 * A dedicated PostgreSQL session that LISTENs on one channel and comes back when it drops (the
 * server restarted, the backend was terminated, the network broke): it connects again with backoff
 * (250 ms doubling up to 5 s) and LISTENs again. Notifications sent while it was away are lost;
 * `onReconnect` tells the caller so it can re-read what it follows.
 */
import pg from 'pg';
import type { Logger } from '../../logger.js';

export interface ListenSessionOptions {
  databaseUrl: string;
  channel: string;
  /** Each notification's payload, in the order the server delivers them. */
  onPayload: (payload: string) => void;
  /** After the session came back (not after the first connect). */
  onReconnect: () => void;
  logger: Logger;
  /** `application_name` of the session (pg_stat_activity). */
  applicationName: string;
}

export interface ListenSession {
  /** Resolves once the session is listening (at once when it is). */
  listening(): Promise<void>;
  /** Backend pid of the session; undefined while it is down. */
  readonly pid: number | undefined;
  /** Times the session came back. */
  readonly reconnects: number;
  close(): Promise<void>;
}

/** Connects and LISTENs; rejects when the first connection fails. */
export async function openListenSession(options: ListenSessionOptions): Promise<ListenSession> {
  const { logger } = options;
  let client: pg.Client | undefined;
  let pid: number | undefined;
  let closed = false;
  let waiters: (() => void)[] = [];
  let backoffMs = 250;
  let reconnects = 0;
  let timer: NodeJS.Timeout | undefined;

  async function connect(): Promise<void> {
    const next = new pg.Client({ connectionString: options.databaseUrl, keepAlive: true, application_name: options.applicationName });
    next.on('notification', (msg) => {
      if (msg.channel === options.channel && msg.payload !== undefined) options.onPayload(msg.payload);
    });
    next.on('error', (error) => lost(next, error));
    next.on('end', () => lost(next));
    try {
      await next.connect();
      await next.query(`LISTEN ${pg.escapeIdentifier(options.channel)}`);
      const { rows } = await next.query<{ pid: number }>('select pg_backend_pid() as pid');
      if (closed) throw new Error('closed while connecting');
      client = next;
      pid = rows[0]!.pid;
      backoffMs = 250;
      for (const resolve of waiters) resolve();
      waiters = [];
    } catch (error) {
      next.removeAllListeners('end');
      await next.end().catch(() => undefined);
      throw error;
    }
  }

  function lost(which: pg.Client, error?: Error): void {
    if (which !== client) return;
    client = undefined;
    pid = undefined;
    if (closed) return;
    logger.warn({ err: error }, 'LISTEN session lost; reconnecting');
    void which.end().catch(() => undefined);
    retry();
  }

  function retry(): void {
    timer = setTimeout(() => {
      connect()
        .then(() => {
          reconnects++;
          logger.info('LISTEN session back');
          options.onReconnect();
        })
        .catch((error) => {
          if (closed) return;
          logger.warn({ err: error, retryInMs: backoffMs }, 'LISTEN session could not reconnect');
          backoffMs = Math.min(backoffMs * 2, 5000);
          retry();
        });
    }, backoffMs);
    timer.unref();
  }

  await connect();
  return {
    listening: () => (client ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    get pid() {
      return pid;
    },
    get reconnects() {
      return reconnects;
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      const open = client;
      client = undefined;
      await open?.end().catch(() => undefined);
    },
  };
}
