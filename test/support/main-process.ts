/**
 * Runs the product as `npm start` does (`tsx src/main.ts`) in a child process, for the
 * end-to-end tests of the entry point: collects its output and tells how it ended.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface MainProcess {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `env` replaces the inherited environment's entries; `undefined` removes one. */
export function spawnMain(cwd: string, env: Record<string, string | undefined>): MainProcess {
  // Hubs run side by side in tests: each metrics listener on a free port unless the test says otherwise.
  const merged: NodeJS.ProcessEnv = { METRICS_PORT: '0', ...process.env };
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete merged[name];
    else merged[name] = value;
  }
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd, env: merged, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

/** Polls `url` until it answers 200; throws with the last error after `timeoutMs`. */
export async function waitForHealth(url: string, timeoutMs: number, main?: MainProcess): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (main && main.child.exitCode !== null) throw new Error(`the process exited (${main.child.exitCode}):\n${main.output()}`);
    try {
      const res = await fetch(url);
      if (res.status === 200) return res;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no healthy answer from ${url}: ${String(lastError)}`);
}
