/**
 * The embedded default: each agent is a child process of the hub on 127.0.0.1:{port}, running
 * the same agent program as the container image. Output is captured (the last lines are kept for
 * crash reports and forwarded to the hub logger); children die with the hub.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../../logger.js';
import { PROJECT_ROOT } from '../../paths.js';
import { rememberBounded } from '../bounded-map.js';
import { prepareAgentCommand } from './agent-bundle.js';
import { describeExit, type AgentExit, type AgentRuntime, type AgentSpec, type ManagedAgent, type PlacedAgent } from './runtime.js';

/** Exited agents whose last output lines are kept. */
const MAX_EXITED_KEPT = 1000;

interface Child {
  spec: AgentSpec;
  proc: ChildProcess;
  output: string[];
  removing: boolean;
  baseUrl: string;
}

export interface ProcessRuntimeOptions {
  logger: Logger;
  /** Node arguments that run the agent; default `prepareAgentCommand()` (the bundle). */
  command?: string[];
  keepLines?: number;
}

/** The runtime's children and what it keeps of them. */
interface ProcessRuntimeState {
  readonly logger: Logger;
  /** Running children by agent id. */
  readonly children: Map<string, Child>;
  /** Output of children that already exited, kept for crash reports (the newest MAX_EXITED_KEPT). */
  readonly lastOutput: Map<string, string[]>;
  readonly listeners: Set<(exit: AgentExit) => void>;
  /** Output lines kept per child. */
  readonly keep: number;
  /** Node arguments that run the agent (prepared once, on first use). */
  readonly agentArgs: () => Promise<string[]>;
}

export function createProcessRuntime(options: ProcessRuntimeOptions): AgentRuntime {
  let command: Promise<string[]> | undefined;
  const state: ProcessRuntimeState = {
    logger: options.logger,
    children: new Map(),
    lastOutput: new Map(),
    listeners: new Set(),
    keep: options.keepLines ?? 50,
    agentArgs: () => (command ??= options.command ? Promise.resolve(options.command) : prepareAgentCommand()),
  };
  const { children, lastOutput, listeners } = state;

  return {
    kind: 'process',
    network: 'host',
    hubHost: '127.0.0.1',

    async place(spec) {
      const existing = children.get(spec.agentId);
      if (existing) await this.remove(spec.agentId);
      return spawnChild(state, spec);
    },

    async remove(agentId, graceMs = 5000) {
      const child = children.get(agentId);
      if (!child) return;
      child.removing = true;
      children.delete(agentId);
      if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.proc.once('exit', () => resolve()));
      child.proc.kill('SIGTERM');
      const timer = setTimeout(() => child.proc.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },

    baseUrl: (_agentId, port) => `http://127.0.0.1:${port}`,

    async list() {
      return [...children.values()].map((c): ManagedAgent => ({
        agentId: c.spec.agentId,
        handleId: `pid:${c.proc.pid}`,
        running: c.proc.exitCode === null,
        baseUrl: c.baseUrl,
        // An adopted agent only accepts the token it was started with.
        token: c.spec.env.AGENT_TOKEN,
      }));
    },

    async lastLogs(agentId, lines = 20) {
      return (children.get(agentId)?.output ?? lastOutput.get(agentId) ?? []).slice(-lines);
    },

    onExit(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async close() {
      await Promise.all([...children.keys()].map((id) => this.remove(id, 3000)));
    },
  };
}

/** Starts the agent program as a child on 127.0.0.1:{port}; resolves once it has spawned. */
async function spawnChild(state: ProcessRuntimeState, spec: AgentSpec): Promise<PlacedAgent> {
  const { children, lastOutput, listeners } = state;
  const proc = spawn(process.execPath, await state.agentArgs(), {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      NODE_ENV: process.env.NODE_ENV ?? 'development',
      ...spec.env,
      PORT: String(spec.port),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const child: Child = { spec, proc, output: [], removing: false, baseUrl: `http://127.0.0.1:${spec.port}` };
  children.set(spec.agentId, child);
  proc.stdout?.on('data', (c: Buffer) => capture(state, child, c, 'stdout'));
  proc.stderr?.on('data', (c: Buffer) => capture(state, child, c, 'stderr'));
  proc.once('exit', (code, signal) => {
    if (children.get(spec.agentId) === child) children.delete(spec.agentId);
    rememberBounded(lastOutput, spec.agentId, child.output, MAX_EXITED_KEPT);
    if (child.removing) return;
    const exit: AgentExit = { agentId: spec.agentId, exitCode: code, oom: false, reason: describeExit(code, signal, false) };
    for (const l of listeners) l(exit);
  });
  await new Promise<void>((resolve, reject) => {
    proc.once('spawn', () => resolve());
    proc.once('error', reject);
  });
  return { handleId: `pid:${proc.pid}`, baseUrl: child.baseUrl } satisfies PlacedAgent;
}

/** Keeps the last `keep` output lines of `child` and forwards each to the hub logger. */
function capture(state: ProcessRuntimeState, child: Child, chunk: Buffer, stream: 'stdout' | 'stderr') {
  for (const line of chunk.toString('utf8').split('\n')) {
    if (!line.trim()) continue;
    child.output.push(line);
    if (child.output.length > state.keep) child.output.shift();
    state.logger.debug({ agentId: child.spec.agentId, stream, line }, 'agent output');
  }
}
