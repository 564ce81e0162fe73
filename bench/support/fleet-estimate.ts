/**
 * `npm run bench:fleet`'s answer to "how many agents fit on one host": 24 GiB and 2 cores, with
 * headroom for the operating system, PostgreSQL and bursts. Memory: the hub as measured, plus
 * what one more agent costs (PSS or cgroup anon). CPU: each agent's own CPU plus its share of the
 * hub's (the hub's work is almost all per-agent: pushes, candles, orders).
 */

/** The host the estimate is for. */
export const HOST_MEMORY_MB = 24 * 1024;
export const HOST_CORES = 2;
/** Share of memory left to the hub and agents (the rest: kernel, page cache, PostgreSQL). */
const MEMORY_USABLE = 0.8;
/** Share of the cores the fleet may use on average (bursts, PostgreSQL, the bot). */
const CPU_USABLE = 0.7;

export interface FleetFigures {
  agents: number;
  hubRssMb: number;
  /** % of one core. */
  hubCpuPct: number;
  agentCostMb: number;
  /** % of one core, one agent. */
  agentCpuPct: number;
}

export interface HostEstimate {
  agents: number;
  limit: 'memory' | 'cpu';
  byMemory: number;
  byCpu: number;
}

export function hostEstimate(f: FleetFigures): HostEstimate {
  const byMemory = Math.floor((HOST_MEMORY_MB * MEMORY_USABLE - f.hubRssMb) / f.agentCostMb);
  const perAgentCpu = f.agentCpuPct + f.hubCpuPct / f.agents;
  const byCpu = Math.floor((HOST_CORES * 100 * CPU_USABLE) / perAgentCpu);
  return byCpu < byMemory ? { agents: byCpu, limit: 'cpu', byMemory, byCpu } : { agents: byMemory, limit: 'memory', byMemory, byCpu };
}
