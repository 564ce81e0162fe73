/**
 * A throwaway database for a benchmark: on DATABASE_URL's server when set (created and dropped),
 * otherwise an embedded PostgreSQL in a temporary directory.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres.js';

export interface BenchDatabase {
  url: string;
  close(): Promise<void>;
}

async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function benchDatabase(prefix: string): Promise<BenchDatabase> {
  const name = `artic_bench_${prefix}_${randomBytes(3).toString('hex')}`;
  const base = process.env.DATABASE_URL;
  if (base) {
    await admin(base, `create database "${name}"`);
    const url = new URL(base);
    url.pathname = `/${name}`;
    return { url: url.toString(), close: () => admin(base, `drop database if exists "${name}" with (force)`) };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'artic-bench-pg-'));
  const server = await startEmbeddedPostgres({ dataDir: dir, port: 57_000 + Math.floor(Math.random() * 2000), database: name });
  return {
    url: server.url,
    async close() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Percentile of an unsorted sample (nearest rank). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
