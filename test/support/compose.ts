/**
 * Docker Compose for tests: which CLI this machine has (`docker compose`, the v2 plugin, or
 * Debian's `docker-compose` v1; both take the same arguments here) and the offline-built hub image.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const TEST_HUB_IMAGE = process.env.HUB_IMAGE ?? 'artic-hub:latest';

/** The compose command as argv (`['docker', 'compose']` or `['docker-compose']`), or undefined when neither runs. */
export async function composeCommand(): Promise<string[] | undefined> {
  for (const argv of [['docker', 'compose'], ['docker-compose']]) {
    try {
      await run(argv[0]!, [...argv.slice(1), 'version'], { timeout: 15_000 });
      return argv;
    } catch {
      // Not installed (or not a compose): try the next one.
    }
  }
  return undefined;
}

/** Runs compose with `args` in the project folder; throws with its output when it fails. */
export async function compose(argv: string[], args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  try {
    const { stdout, stderr } = await run(argv[0]!, [...argv.slice(1), ...args], { env, maxBuffer: 16 * 1024 * 1024, timeout: 120_000 });
    return stdout + stderr;
  } catch (error) {
    const e = error as Error & { stdout?: string; stderr?: string };
    throw new Error(`${argv.join(' ')} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/**
 * Builds the hub image offline from the current source (scripts/build-hub-image.sh) and returns
 * how long that took in ms, so the suite never runs a stale hub.
 */
export async function ensureHubImage(): Promise<number> {
  const ctx = mkdtempSync(path.join(os.tmpdir(), 'artic-hub-image-'));
  const started = Date.now();
  try {
    await run('bash', ['scripts/build-hub-image.sh'], {
      env: { ...process.env, HUB_IMAGE: TEST_HUB_IMAGE, HUB_IMAGE_CONTEXT: ctx },
      maxBuffer: 64 * 1024 * 1024,
    });
    return Date.now() - started;
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}
