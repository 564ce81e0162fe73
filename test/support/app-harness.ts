/**
 * Boots the real app (src/app.ts) for end-to-end tests: real HTTP server, hub, runtime and a
 * private database; the environment is what a user would set.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startApp, type App } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { resolveDevSecrets } from '../../src/dev-secrets.js';
import type { AgentRuntime } from '../../src/hub/runtime/runtime.js';
import { createLogger } from '../../src/logger.js';
import { freePort } from './ports.js';

export { freePort, freePortRange } from './ports.js';

export interface TestAppOptions {
  databaseUrl: string;
  env?: Record<string, string>;
  /** Keep the same port across restarts. */
  port?: number;
  dataDir?: string;
  /** An agent runtime to use instead of the one AGENT_RUNTIME picks (e.g. one that outlives this app). */
  runtime?: AgentRuntime;
  /** The market data clock (default `Date.now`). */
  marketNow?: () => number;
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
      // Tests run hubs side by side: each metrics listener on a free port.
      METRICS_PORT: '0',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...options.env,
    }),
  );
  const logger = createLogger({ level: config.logLevel });
  const app = await startApp(config, { logger, runtime: options.runtime, marketNow: options.marketNow });
  return Object.assign(app, { port, dataDir });
}
