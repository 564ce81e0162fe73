/**
 * Runs the real app in a child process (test/support/app-child.ts) so a test can SIGKILL the
 * hub and start another on the same database. Commands go over IPC; the child's hub events and
 * its pino output (stdout, JSON lines) are collected here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { AgentInput } from '../../src/hub/agents/agent-input.js';
import type { AgentView } from '../../src/hub/agents/agent-view.js';
import type { HubEventMap, HubEventName } from '../../src/hub/events.js';
import type { OrderRequest, OrderResult } from '../../src/shared/wire.js';
import { waitUntil } from './wait.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

export type AppCommand =
  | { op: 'register'; telegramId: number; name: string }
  | { op: 'create'; ownerId: string; input: Partial<AgentInput> & Pick<AgentInput, 'symbol' | 'amountUsdt'> }
  | { op: 'start'; ownerId: string; agentId: string }
  | { op: 'stop'; ownerId: string; agentId: string; reason?: string }
  | { op: 'order'; agentId: string; order: OrderRequest }
  | { op: 'agentToken'; agentId: string }
  | { op: 'userToken'; ownerId: string };

export type ChildMessage =
  | { type: 'ready'; url: string }
  | { type: 'event'; name: HubEventName; data: unknown }
  | { type: 'result'; id: number; result?: unknown; error?: string };

export interface AppProcess {
  url: string;
  pid: number;
  /** Every hub event the child emitted, in order. */
  events: Array<{ name: HubEventName; data: unknown }>;
  eventsOf<K extends HubEventName>(name: K, agentId: string): Array<HubEventMap[K]>;
  /** Parsed pino lines (stdout). */
  logs(): Array<Record<string, unknown> & { msg?: string; level?: number }>;
  register(telegramId: number, name: string): Promise<string>;
  create(ownerId: string, input: Extract<AppCommand, { op: 'create' }>['input']): Promise<AgentView>;
  start(ownerId: string, agentId: string): Promise<AgentView>;
  stop(ownerId: string, agentId: string, reason?: string): Promise<AgentView>;
  /** An agent's order, as its push to `/internal/agents/:id/orders` reaches this hub's broker. */
  order(agentId: string, order: OrderRequest): Promise<OrderResult>;
  /** A fresh token for the agent (its pushes to `/internal/agents/:id/*`). */
  agentToken(agentId: string): Promise<string>;
  /** A fresh user token of the owner (`/ws`, `/api`). */
  userToken(ownerId: string): Promise<string>;
  /** SIGKILL: the hub dies at once, its containers are left alone. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit. */
  shutdown(): Promise<void>;
}

/** Starts `app-child.ts` with exactly `env` on top of PATH/HOME; resolves when the app is up. */
export async function spawnAppProcess(env: Record<string, string>, bootTimeoutMs = 60_000): Promise<AppProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/support/app-child.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, METRICS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const events: AppProcess['events'] = [];
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let url: string | undefined;
  let nextId = 1;
  child.on('message', (m: ChildMessage) => {
    if (m.type === 'ready') url = m.url;
    else if (m.type === 'event') events.push({ name: m.name, data: m.data });
    else {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.error) p?.reject(new Error(m.error));
      else p?.resolve(m.result);
    }
  });
  child.once('exit', (code, signal) => {
    for (const p of pending.values()) p.reject(new Error(`app process exited (${code ?? signal})`));
    pending.clear();
  });

  try {
    await waitUntil(() => url !== undefined || child.exitCode !== null, bootTimeoutMs, 'the app process to boot');
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  if (url === undefined) throw new Error(`app process exited during boot (code ${child.exitCode}):\n${err}\n${out.slice(-4000)}`);

  const call = <T>(command: AppCommand) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, command });
    });

  return {
    url,
    pid: child.pid!,
    events,
    eventsOf: <K extends HubEventName>(name: K, agentId: string) =>
      events.filter((e) => e.name === name && (e.data as { agentId?: string }).agentId === agentId).map((e) => e.data as HubEventMap[K]),
    logs: () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    register: (telegramId, name) => call({ op: 'register', telegramId, name }),
    create: (ownerId, input) => call({ op: 'create', ownerId, input }),
    start: (ownerId, agentId) => call({ op: 'start', ownerId, agentId }),
    stop: (ownerId, agentId, reason) => call({ op: 'stop', ownerId, agentId, reason }),
    order: (agentId, order) => call({ op: 'order', agentId, order }),
    agentToken: (agentId) => call({ op: 'agentToken', agentId }),
    userToken: (ownerId) => call({ op: 'userToken', ownerId }),
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async shutdown() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
