/**
 * CPU time and resident memory of a process (from /proc) or of a container (from its cgroup,
 * v1 or v2), for `npm run bench:fleet`. Linux only.
 */
import { existsSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on every Linux we run on). */
const USER_HZ = 100;

export interface MemorySample {
  /** Resident memory, MiB: VmRSS for a process; anon + mapped file pages for a container. */
  rssMb: number;
  /**
   * What one more of it costs the host, MiB: the proportional set size for a process (pages it
   * shares with the other agents, the node binary first of all, counted once across them); for
   * a container the cgroup's anonymous memory (its page cache is shared and reclaimable).
   */
  costMb: number;
}

/** A process's or container's counters. */
export interface Probe {
  /** CPU seconds used so far (user + system; a process's own, not its children's). */
  cpuSeconds(): number;
  memory(): MemorySample;
}

const MB = 1024 * 1024;

function statusKb(text: string, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

export function processProbe(pid: number): Probe {
  return {
    cpuSeconds() {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
    },
    memory() {
      const rssKb = statusKb(readFileSync(`/proc/${pid}/status`, 'utf8'), 'VmRSS');
      const pssKb = statusKb(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'), 'Pss');
      return { rssMb: rssKb / 1024, costMb: pssKb / 1024 };
    },
  };
}

function statKeys(text: string): Map<string, number> {
  return new Map(
    text
      .trim()
      .split('\n')
      .map((l) => l.split(' '))
      .map(([k, v]) => [k!, Number(v)]),
  );
}

/** The cgroup directories of a Docker container, for the cgroupfs and systemd drivers. */
function containerCgroup(id: string): { version: 1 | 2; memory: string; cpu: string } {
  const v2 = [`/sys/fs/cgroup/system.slice/docker-${id}.scope`, `/sys/fs/cgroup/docker/${id}`].find((d) =>
    existsSync(`${d}/memory.current`),
  );
  if (v2) return { version: 2, memory: v2, cpu: v2 };
  for (const parent of ['docker', `system.slice/docker-${id}.scope`]) {
    const leaf = parent === 'docker' ? `docker/${id}` : parent;
    if (existsSync(`/sys/fs/cgroup/memory/${leaf}/memory.stat`)) {
      return { version: 1, memory: `/sys/fs/cgroup/memory/${leaf}`, cpu: `/sys/fs/cgroup/cpuacct/${leaf}` };
    }
  }
  throw new Error(`no cgroup found for container ${id.slice(0, 12)}`);
}

export function containerProbe(containerId: string): Probe {
  const cg = containerCgroup(containerId);
  return {
    cpuSeconds() {
      if (cg.version === 2) return (statKeys(readFileSync(`${cg.cpu}/cpu.stat`, 'utf8')).get('usage_usec') ?? 0) / 1e6;
      return Number(readFileSync(`${cg.cpu}/cpuacct.usage`, 'utf8')) / 1e9;
    },
    memory() {
      const stat = statKeys(readFileSync(`${cg.memory}/memory.stat`, 'utf8'));
      const anon = cg.version === 2 ? (stat.get('anon') ?? 0) : (stat.get('total_rss') ?? 0);
      const mapped = cg.version === 2 ? (stat.get('file_mapped') ?? 0) : (stat.get('total_mapped_file') ?? 0);
      return { rssMb: (anon + mapped) / MB, costMb: anon / MB };
    },
  };
}
