/**
 * Boots the real app (src/app.ts) for end-to-end tests: real HTTP server, hub, runtime and a
 * private database; the environment is what a user would set.
 */
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startApp, type App } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { resolveDevSecrets } from '../../src/dev-secrets.js';
import { createLogger } from '../../src/logger.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A block of `size` consecutive ports that are free right now (for AGENT_PORT_RANGE). */
export async function freePortRange(size: number): Promise<{ from: number; to: number }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const from = 20_000 + Math.floor(Math.random() * 30_000);
    const probes = await Promise.all(
      Array.from({ length: size }, (_, i) =>
        new Promise<boolean>((resolve) => {
          const s = net.createServer();
          s.once('error', () => resolve(false));
          s.listen(from + i, '127.0.0.1', () => s.close(() => resolve(true)));
        }),
      ),
    );
    if (probes.every(Boolean)) return { from, to: from + size - 1 };
  }
  throw new Error('no free port range');
}

export interface TestAppOptions {
  databaseUrl: string;
  env?: Record<string, string>;
  /** Keep the same port across restarts. */
  port?: number;
  dataDir?: string;
}

export async function startTestApp(options: TestAppOptions): Promise<App & { port: number; dataDir: string }> {
  const port = options.port ?? (await freePort());
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'artic-app-'));
  const config = resolveDevSecrets(
    parseConfig({
      DATABASE_URL: options.databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      MARKET_DATA: 'simulated',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...options.env,
    }),
  );
  const logger = createLogger({ level: config.logLevel });
  const app = await startApp(config, { logger });
  return Object.assign(app, { port, dataDir });
}
