/**
 * Retention: rows that only grow (agent log lines, sent bot messages, decisions) are pruned by
 * age. Each table's own module does the delete (one door per table); this worker only says when
 * and how much. Deletes run in bounded batches (`batchRows` per statement, at most `maxBatches`
 * statements per table per run, yielding between them), so pruning never holds long locks or
 * starves the pushes; what is left over goes in the next run.
 */
import type { Logger } from '../logger.js';

export interface RetentionTarget {
  /** Table name, for logs. */
  table: string;
  /** Rows older than this many days go; 0 keeps them forever. */
  days: number;
  /** Deletes at most `limit` rows older than `before`; returns how many. */
  prune(before: Date, limit: number): Promise<number>;
}

export interface RetentionOptions {
  targets: RetentionTarget[];
  logger: Logger;
  /** Time between runs (ms). */
  intervalMs: number;
  /** Rows per delete statement (default 5000). */
  batchRows?: number;
  /** Statements per table per run (default 100). */
  maxBatches?: number;
  now?: () => number;
}

export interface Retention {
  /** Prunes once now; returns rows deleted per table. */
  runOnce(): Promise<Record<string, number>>;
  /** Runs now and then every `intervalMs` (again after a `stop`: leadership comes and goes). */
  start(): void;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

const DAY_MS = 86_400_000;

export function createRetention(options: RetentionOptions): Retention {
  const batchRows = options.batchRows ?? 5000;
  const maxBatches = options.maxBatches ?? 100;
  const now = options.now ?? Date.now;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;

  async function pruneTable(target: RetentionTarget): Promise<number> {
    const before = new Date(now() - target.days * DAY_MS);
    let deleted = 0;
    for (let batch = 0; batch < maxBatches && !stopped; batch++) {
      const n = await target.prune(before, batchRows);
      deleted += n;
      if (n < batchRows) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return deleted;
  }

  async function runOnce(): Promise<Record<string, number>> {
    const deleted: Record<string, number> = {};
    for (const target of options.targets) {
      if (target.days <= 0) continue;
      try {
        deleted[target.table] = await pruneTable(target);
      } catch (error) {
        options.logger.warn({ err: error, table: target.table }, 'retention: pruning failed; next run retries');
      }
    }
    if (Object.values(deleted).some((n) => n > 0)) options.logger.info({ deleted }, 'retention: pruned old rows');
    return deleted;
  }

  const tick = () => {
    running ??= runOnce().finally(() => (running = undefined));
  };

  return {
    runOnce,
    start() {
      if (timer) return;
      stopped = false;
      tick();
      timer = setInterval(tick, options.intervalMs);
      timer.unref();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
