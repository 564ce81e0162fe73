/**
 * Vitest global setup: with DATABASE_URL the tests use that server (CI does); without it they
 * start their own embedded PostgreSQL under a temporary directory and stop it afterwards.
 * Each test file then creates its own database (test/support/db.ts), so files never share rows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.DATABASE_URL) {
    project.provide('databaseUrl', process.env.DATABASE_URL);
    return async () => {};
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'artic-test-pg-'));
  const port = 55_000 + Math.floor(Math.random() * 5_000);
  const pg = await startEmbeddedPostgres({ dataDir: dir, port, database: 'artic_test' });
  project.provide('databaseUrl', pg.url);
  return async () => {
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
