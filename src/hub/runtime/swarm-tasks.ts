/**
 * How the swarm runtime learns of exits: a watch on task states. Every `pollMs` it lists the
 * managed services and their tasks from a manager, and reports each task that ended (failed,
 * complete, rejected) as an `AgentExit`, once. Task states live in the manager's store, so this
 * sees agents on every node; the engine's event stream would only show this node's containers
 * (and API 1.41 has no task events). Tasks that had ended before the first read are history,
 * not news; a task ended by a removal the hub asked for is not a crash.
 */
import { AGENT_LABEL, MANAGED_LABEL } from './docker-engine.js';
import { describeExit, type AgentExit } from './runtime.js';
import { ENDED_TASK_STATES, type SwarmRuntimeState, type SwarmTask } from './swarm-services.js';

/** Starts the watch; returns a function that ends it. */
export function watchTasks(state: SwarmRuntimeState): () => void {
  let timer: NodeJS.Timeout | undefined;
  let first = true;
  const round = async () => {
    try {
      await readTasks(state, first);
      first = false;
    } catch (error) {
      state.options.logger.warn({ err: error }, 'could not read swarm task states');
    }
    if (!state.closed) timer = setTimeout(() => void round(), state.options.pollMs ?? 1000);
  };
  void round();
  return () => clearTimeout(timer);
}

/** An exit from a task's final status: its exit code when it had one, else the engine's error. */
export function exitOfTask(agentId: string, task: SwarmTask): AgentExit {
  const exitCode = task.Status?.ContainerStatus?.ExitCode ?? null;
  const err = task.Status?.Err ?? '';
  // Swarm does not record OOMKilled; the kernel's kill of an over-limit task shows as 137 only.
  const oom = /out of memory|oom/i.test(err);
  const reason = exitCode === null && err ? `task ${task.Status?.State}: ${err}` : describeExit(exitCode, null, oom);
  return { agentId, exitCode, oom, reason };
}

/** One read of task states: reports each task that ended since the last read (`baseline`: none, only remembered). */
export async function readTasks(state: SwarmRuntimeState, baseline: boolean): Promise<void> {
  const { docker, listeners, removing, seenEnded } = state;
  const services = await docker.listServices({ filters: { label: [`${MANAGED_LABEL}=true`] } });
  const agentOf = new Map(services.map((s) => [s.ID, s.Spec?.Labels?.[AGENT_LABEL]]));
  if (services.length === 0) {
    seenEnded.clear();
    return;
  }
  const tasks = (await docker.listTasks({ filters: { service: services.map((s) => s.ID) } })) as SwarmTask[];
  // Forget tasks the manager no longer keeps (history limit, removed services): the set stays small.
  const present = new Set(tasks.map((t) => t.ID));
  for (const id of seenEnded) if (!present.has(id)) seenEnded.delete(id);
  const ended = tasks
    .filter((t) => ENDED_TASK_STATES.has(t.Status?.State ?? '') && !seenEnded.has(t.ID))
    .sort((a, b) => (a.CreatedAt ?? '').localeCompare(b.CreatedAt ?? ''));
  for (const task of ended) {
    seenEnded.add(task.ID);
    const agentId = agentOf.get(task.ServiceID);
    // Shut down because the service was removed or scaled: the hub's own doing, not a crash.
    if (baseline || !agentId || removing.has(agentId) || task.Status?.State === 'shutdown') continue;
    const exit = exitOfTask(agentId, task);
    for (const l of listeners) l(exit);
  }
}
