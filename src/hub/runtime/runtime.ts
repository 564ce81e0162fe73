/**
 * Where agents run. One narrow interface, so Docker, local processes (and later Swarm or
 * Kubernetes) are each one file. The runtime only places and removes agent programs and reports
 * their exits; the lifecycle rules (ports, health, /start, restarts) live in hub/agents.
 */

export type RuntimeKind = 'docker' | 'process' | 'swarm';

export interface AgentSpec {
  agentId: string;
  ownerId: string;
  /** Allocated port: what the agent binds (process, docker host network) or only reserves (bridge). */
  port: number;
  /** HUB_URL, HUB_URLS, AGENT_ID, AGENT_TOKEN (PORT and HOST are set by the runtime). */
  env: Record<string, string>;
}

export interface PlacedAgent {
  /** Container id or `pid:<n>`. */
  handleId: string;
  /** Base URL the hub uses to reach the agent, e.g. `http://127.0.0.1:8003`. */
  baseUrl: string;
}

export interface ManagedAgent {
  agentId: string;
  handleId: string;
  running: boolean;
  baseUrl: string;
  /** The token the agent was started with (an adopted agent only accepts that one). */
  token?: string;
}

export interface AgentExit {
  agentId: string;
  exitCode: number | null;
  oom: boolean;
  /** e.g. `exit code 137`, `killed by SIGKILL`, `out of memory`. */
  reason: string;
}

export interface AgentRuntime {
  readonly kind: RuntimeKind;
  /** Where agents are on the network: `host` (127.0.0.1:{port}) or a Docker bridge network's name. */
  readonly network: string;
  /** Host name agents use to reach the hub (`127.0.0.1`, `host.docker.internal`, the hub's container). */
  readonly hubHost: string;
  /** Starts the agent program; resolves once it is launched (not yet healthy). */
  place(spec: AgentSpec): Promise<PlacedAgent>;
  /** Stops and removes it; succeeds when it is already gone. */
  remove(agentId: string, graceMs?: number): Promise<void>;
  /** Where the hub reaches an agent that holds `port` (also for adopted agents after a restart). */
  baseUrl(agentId: string, port: number): string;
  /** Agents this runtime manages right now (labelled containers / child processes). */
  list(): Promise<ManagedAgent[]>;
  /** The agent's last output lines (for crash reports). */
  lastLogs(agentId: string, lines?: number): Promise<string[]>;
  /** Exit notifications for agents that stopped without `remove` being called. */
  onExit(listener: (exit: AgentExit) => void): () => void;
  close(): Promise<void>;
}

export function describeExit(exitCode: number | null, signal: string | null, oom: boolean): string {
  if (oom) return 'out of memory (killed by the memory limit)';
  if (signal) return `killed by ${signal}`;
  if (exitCode === 137) return 'exit code 137 (killed)';
  if (exitCode === 143) return 'exit code 143 (terminated)';
  return `exit code ${exitCode ?? 'unknown'}`;
}
