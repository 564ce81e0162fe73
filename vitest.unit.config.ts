/**
 * `npm run test:unit`: the fast tests, those that need no PostgreSQL, Docker engine, EVM node or
 * child process (test/support/unit-files.ts decides from the import graph). No global setup, so no
 * embedded PostgreSQL starts. `npm test` (vitest.config.ts) still runs every file.
 */
import path from 'node:path';
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';
import { unitTestFiles } from './test/support/unit-files.js';

const root = import.meta.dirname;

export default defineConfig({
  ...base,
  test: { ...base.test, include: unitTestFiles(path.join(root, 'test'), root), globalSetup: [] },
});
