/**
 * The compiled build (what the hub image runs: `node dist/src/main.js`) finds everything it needs
 * outside its own folder: package.json (version), the agent bundle, migrations, contracts.
 * It compiles to a folder inside the project (as `npm run build` does) and boots it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AGENT_BUNDLE } from '../src/hub/runtime/agent-bundle.js';
import { PROJECT_ROOT, PROJECT_VERSION } from '../src/paths.js';
import { freePort } from './support/app-harness.js';
import { createTestDatabase } from './support/db.js';
import { waitUntil } from './support/wait.js';

const outDir = path.join(PROJECT_ROOT, 'node_modules', '.cache', `artic-build-${process.pid}`);
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('compiled build', () => {
  it('boots from its output folder and resolves project files from the project root', async () => {
    execFileSync(
      process.execPath,
      [path.join(PROJECT_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir],
      { cwd: PROJECT_ROOT, stdio: 'pipe' },
    );
    const probe = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(path.join(outDir, 'src/hub/runtime/agent-bundle.js'))}); const p = await import(${JSON.stringify(path.join(outDir, 'src/paths.js'))}); console.log(JSON.stringify({ bundle: m.AGENT_BUNDLE, root: p.PROJECT_ROOT, version: p.PROJECT_VERSION }));`,
      ],
      { encoding: 'utf8' },
    );
    expect(JSON.parse(probe)).toEqual({ bundle: AGENT_BUNDLE, root: PROJECT_ROOT, version: PROJECT_VERSION });

    const db = await createTestDatabase('build');
    const port = await freePort();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'artic-build-data-'));
    const child = spawn(process.execPath, [path.join(outDir, 'src/main.js')], {
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        PORT: String(port),
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        AGENT_RUNTIME: 'process',
        MARKET_DATA: 'simulated',
      },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      let body: { status?: string; version?: string } = {};
      await waitUntil(
        async () => {
          body = (await fetch(`http://127.0.0.1:${port}/health`)
            .then((r) => r.json())
            .catch(() => ({}))) as typeof body;
          return body.status === 'ok';
        },
        30_000,
        'the compiled hub',
      );
      expect(body.version).toBe(PROJECT_VERSION);
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      rmSync(dataDir, { recursive: true, force: true });
      await db.drop();
    }
  }, 90_000);
});
