/**
 * Runs a built agent (a bundle file under plain node, or a container) and talks to it over
 * 127.0.0.1, for the bundle and image tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export { freePort } from '../support/ports.js';

/** GET `url` with the bearer token until it answers (any status) or `timeoutMs` passes. */
export async function waitForHttp(url: string, token: string | null, timeoutMs: number): Promise<Response> {
  const t0 = Date.now();
  let last: unknown;
  while (Date.now() - t0 < timeoutMs) {
    try {
      return await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(1_000) });
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`no answer from ${url} within ${timeoutMs} ms: ${String(last)}`);
}

export interface RunningProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): RunningProcess {
  const child = spawn(cmd, args, { env: opts.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** Runs a command to completion; rejects with its output on a non-zero exit. */
export async function runToEnd(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<string> {
  const p = run(cmd, args, opts);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
  const code = await p.exited;
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${p.output()}`);
  return p.output();
}
