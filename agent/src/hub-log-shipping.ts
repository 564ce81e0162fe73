/**
 * Log shipping: the agent's log entries on their way to the hub, in batches that respect the wire
 * limits (`WIRE_LIMITS`: entries per batch, body bytes, message length). An entry waits at most
 * `logFlushMs` for a batch; `logBatchSize` entries make a push due at once. While the hub is
 * unreachable the buffer keeps at most `maxBufferedLogs` entries (oldest debug/info dropped
 * first, log-buffer.ts); drops are reported to the hub in one warn entry sent with the last
 * batch. Each entry carries its `seq`, so a retried batch never makes a second row.
 */
import type { LogBatch, LogEntryWire, WireLogLevel } from '../../src/shared/wire.js';
import { WIRE_LIMITS } from '../../src/shared/wire.js';
import type { Clock } from '../../src/shared/clock.js';
import { createLogBuffer } from './log-buffer.js';
import type { PushFn } from './hub-request.js';

export interface LogShippingOptions {
  clock: Clock;
  /** `POST` path of log batches. */
  path: string;
  /** First log `seq` (StartRequest.nextLogSeq). */
  firstLogSeq: number;
  /** Longest time a log entry waits for a batch, ms. */
  logFlushMs: number;
  /** Entries that make a log push due at once. */
  logBatchSize: number;
  maxBufferedLogs: number;
  /** Lines about the client itself (stdout only). */
  diagnostic: (level: WireLogLevel, message: string) => void;
}

export interface LogShipping {
  /** Queues an entry; returns its `seq`. Messages are cut to the wire limit. */
  log(level: WireLogLevel, message: string, ts?: string): number;
  hasWork(): boolean;
  /** When a log push is due (epoch ms); Infinity when nothing waits. `flushing` sends at once. */
  dueAt(now: number, flushing: boolean): number;
  /** Sends batches until none is left (true) or one must be retried later (false). */
  send(push: PushFn, isClosed: () => boolean): Promise<boolean>;
  stats(): { bufferedLogs: number; droppedLogs: number; nextLogSeq: number };
}

export function createLogShipping(opts: LogShippingOptions): LogShipping {
  const { clock, diagnostic } = opts;
  const logs = createLogBuffer(opts.maxBufferedLogs);
  let nextLogSeq = opts.firstLogSeq;
  let oldestLogAt: number | null = null;
  let unreportedDrops = 0;
  let dropReport: LogEntryWire | null = null;

  function makeEntry(level: WireLogLevel, message: string, ts?: string): LogEntryWire {
    return {
      seq: nextLogSeq++,
      level,
      message: message.length > WIRE_LIMITS.maxLogMessageChars ? message.slice(0, WIRE_LIMITS.maxLogMessageChars - 1) + '…' : message,
      ts: ts ?? new Date(clock.now()).toISOString(),
    };
  }

  /** Turns drops not yet reported into the one pending drop report. */
  function noteDrops(): void {
    unreportedDrops += logs.takeDropCount();
    if (unreportedDrops > 0 && !dropReport) {
      // Kept outside the buffer (so reporting a drop never causes one), sent with the last batch.
      const message = `dropped ${unreportedDrops} log entries: hub unreachable and the buffer is full`;
      diagnostic('warn', message);
      dropReport = makeEntry('warn', message);
      unreportedDrops = 0;
    }
  }

  /** The next batch: as many entries as fit in one body, the drop report appended to the last. */
  function takeBatch(): { batch: LogEntryWire[]; report: LogEntryWire | null } {
    const budget = WIRE_LIMITS.maxBodyBytes - 2048;
    let bytes = 16;
    const batch = logs.take(WIRE_LIMITS.maxLogEntriesPerBatch - 1, (entry, taken) => {
      bytes += Buffer.byteLength(JSON.stringify(entry)) + 1;
      return taken === 0 || bytes <= budget;
    });
    return { batch, report: logs.size === 0 ? dropReport : null };
  }

  return {
    log(level, message, ts) {
      const entry = makeEntry(level, message, ts);
      if (logs.size === 0) oldestLogAt = clock.now();
      logs.push(entry);
      return entry.seq;
    },

    hasWork: () => logs.size > 0 || dropReport !== null,

    dueAt(now, flushing) {
      if (dropReport || logs.size >= opts.logBatchSize) return now;
      if (logs.size > 0) return flushing ? now : (oldestLogAt ?? now) + opts.logFlushMs;
      return Infinity;
    },

    async send(push, isClosed) {
      noteDrops();
      while ((logs.size > 0 || dropReport) && !isClosed()) {
        const { batch, report } = takeBatch();
        const entries = report ? [...batch, report] : batch;
        const body: LogBatch = { entries };
        const outcome = await push(opts.path, body, `log batch ${entries[0].seq}..${entries[entries.length - 1].seq}`);
        if (outcome === 'retry') {
          logs.putBack(batch);
          return false;
        }
        if (report) dropReport = null;
      }
      if (logs.size === 0) oldestLogAt = null;
      return true;
    },

    stats: () => ({ bufferedLogs: logs.size, droppedLogs: logs.totalDropped, nextLogSeq }),
  };
}
