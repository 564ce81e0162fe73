/**
 * The one door to the `backtests` table: stored runs (a backtest or a comparison, whole result
 * included), listed per trader newest first, read back by their owner only, capped per trader
 * and pruned by age (retention). Every read is scoped by owner: another trader's id reads as null.
 */
import type { QueryResult } from '@mikro-orm/core';
import type { Orm } from '../../db/orm.js';
import { isUuid } from '../../shared/wire.js';
import type { BacktestListItem, BacktestRecord, BacktestResult, ComparisonResult } from './types.js';

/**
 * A run to store; `params` and `summary` are taken from the result. `createdAt` defaults to the
 * database's clock at the insert (microseconds: a trader's runs never tie in the newest-first order).
 */
export type NewBacktestRecord = BacktestRecord extends infer R
  ? R extends BacktestRecord
    ? Omit<R, 'createdAt'> & { createdAt?: Date }
    : never
  : never;

export interface BacktestStore {
  insert(record: NewBacktestRecord): Promise<BacktestRecord>;
  /** The owner's runs, newest first, at most `limit`. */
  list(ownerId: string, limit: number): Promise<BacktestListItem[]>;
  get(ownerId: string, id: string): Promise<BacktestRecord | null>;
  /** Keeps the owner's `keep` newest runs; returns how many older ones were deleted. */
  keepNewest(ownerId: string, keep: number): Promise<number>;
  /** Retention: deletes at most `limit` runs created before `before`; returns how many. */
  prune(before: Date, limit: number): Promise<number>;
}

/** What `summary` holds for a comparison: its best row. */
interface ComparisonSummary {
  best: string | null;
  totalReturnPct: number | null;
}

interface Row {
  id: string;
  owner_id: string;
  kind: 'backtest' | 'compare';
  params: unknown;
  summary: unknown;
  result?: unknown;
  notes?: unknown;
  created_at: Date | string;
}

const json = <T>(value: unknown): T => (typeof value === 'string' ? (JSON.parse(value) as T) : (value as T));
const iso = (value: Date | string) => new Date(value).toISOString();

function summaryOf(record: NewBacktestRecord): object {
  if (record.kind === 'backtest') return record.result.summary;
  const best = record.result.rows[0];
  return { best: best?.strategy ?? null, totalReturnPct: best?.summary.totalReturnPct ?? null } satisfies ComparisonSummary;
}

function listItem(row: Row): BacktestListItem {
  const params = json<BacktestResult['params'] | ComparisonResult['params']>(row.params);
  const summary = json<{ totalReturnPct?: number | null }>(row.summary);
  return {
    id: row.id,
    kind: row.kind,
    createdAt: iso(row.created_at),
    symbol: params.symbol,
    timeframe: params.timeframe,
    label: row.kind === 'backtest' && 'strategy' in params ? params.strategy : 'compare',
    fromMs: params.fromMs,
    toMs: params.toMs,
    totalReturnPct: summary.totalReturnPct ?? null,
  };
}

function record(row: Row): BacktestRecord {
  const base = { id: row.id, ownerId: row.owner_id, createdAt: iso(row.created_at), notes: json<string[]>(row.notes) };
  return row.kind === 'backtest'
    ? { ...base, kind: 'backtest', result: json<BacktestResult>(row.result) }
    : { ...base, kind: 'compare', result: json<ComparisonResult>(row.result) };
}

export function createBacktestStore(orm: Orm): BacktestStore {
  const connection = () => orm.em.getConnection();
  const rows = (sql: string, params: unknown[]): Promise<Row[]> => connection().execute(sql, params);
  const run = async (sql: string, params: unknown[]) => (await connection().execute<QueryResult>(sql, params, 'run')).affectedRows;
  return {
    async insert(r) {
      const [row] = await rows(
        `insert into backtests (id, owner_id, kind, params, summary, result, notes, created_at)
         values (?, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb, ?::jsonb, coalesce(?::timestamptz, clock_timestamp()))
         returning created_at`,
        [
          r.id,
          r.ownerId,
          r.kind,
          JSON.stringify(r.result.params),
          JSON.stringify(summaryOf(r)),
          JSON.stringify(r.result),
          JSON.stringify(r.notes),
          r.createdAt ?? null,
        ],
      );
      return { ...r, createdAt: iso(row!.created_at) } as BacktestRecord;
    },

    async list(ownerId, limit) {
      const found = await rows(
        `select id, owner_id, kind, params, summary, created_at from backtests
         where owner_id = ? order by created_at desc limit ?`,
        [ownerId, Math.max(0, Math.floor(limit))],
      );
      return found.map(listItem);
    },

    async get(ownerId, id) {
      if (!isUuid(id)) return null;
      const [row] = await rows('select * from backtests where id = ? and owner_id = ?', [id, ownerId]);
      return row ? record(row) : null;
    },

    async keepNewest(ownerId, keep) {
      return run(
        `delete from backtests where id in
           (select id from backtests where owner_id = ? order by created_at desc offset ?)`,
        [ownerId, Math.max(0, Math.floor(keep))],
      );
    },

    async prune(before, limit) {
      return run('delete from backtests where id in (select id from backtests where created_at < ? order by created_at limit ?)', [
        before,
        limit,
      ]);
    },
  };
}
