/**
 * Exits of the swarm runtime from task states, against a stand-in of the engine's task list: an
 * ended task is reported once, history from before the first read is not news, and a removal
 * the hub asked for is not a crash.
 */
import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import type { AgentExit } from '../../../src/hub/runtime/runtime.js';
import type { SwarmRuntimeState, SwarmTask } from '../../../src/hub/runtime/swarm-services.js';
import { exitOfTask, readTasks } from '../../../src/hub/runtime/swarm-tasks.js';
import { createLogger } from '../../../src/logger.js';

const AGENT = '0b8e7c1e-6a43-4f0e-9d55-3f1d2f2b7a10';

function engine(tasks: SwarmTask[]) {
  const services = [{ ID: 'svc1', Spec: { Name: `artic-agent-${AGENT}`, Labels: { 'artic.managed': 'true', 'artic.agent.id': AGENT } } }];
  return { listServices: async () => services, listTasks: async () => tasks } as unknown as Docker;
}

function stateOf(tasks: SwarmTask[]) {
  const exits: AgentExit[] = [];
  const state = {
    docker: engine(tasks),
    options: { logger: createLogger({ level: 'silent' }) },
    listeners: new Set([(e: AgentExit) => void exits.push(e)]),
    removing: new Set<string>(),
    seenEnded: new Set<string>(),
  } as unknown as SwarmRuntimeState;
  return { state, exits };
}

const task = (ID: string, State: string, ExitCode?: number, Err?: string): SwarmTask => ({
  ID,
  ServiceID: 'svc1',
  CreatedAt: `2026-01-01T00:00:0${ID.slice(-1)}Z`,
  Status: { State, Err, ContainerStatus: ExitCode === undefined ? undefined : { ExitCode } },
});

describe('swarm task exits', () => {
  it('reports a task that ended after the first read once, with its exit code; earlier endings are history', async () => {
    const tasks = [task('t1', 'failed', 1, 'task: non-zero exit (1)'), task('t2', 'running')];
    const { state, exits } = stateOf(tasks);
    await readTasks(state, true);
    expect(exits).toEqual([]);
    tasks[1] = task('t2', 'failed', 137, 'task: non-zero exit (137)');
    tasks.push(task('t3', 'running'));
    await readTasks(state, false);
    await readTasks(state, false);
    expect(exits).toEqual([{ agentId: AGENT, exitCode: 137, oom: false, reason: 'exit code 137 (killed)' }]);
  });

  it('a task shut down, or one of an agent being removed, is not a crash', async () => {
    const tasks = [task('t1', 'running')];
    const { state, exits } = stateOf(tasks);
    await readTasks(state, true);
    tasks[0] = task('t1', 'shutdown', 0);
    tasks.push(task('t2', 'failed', 143));
    state.removing.add(AGENT);
    await readTasks(state, false);
    expect(exits).toEqual([]);
  });

  it('a task that never ran says why the engine refused it', () => {
    expect(exitOfTask(AGENT, task('t1', 'rejected', undefined, 'no suitable node (scheduling constraints not satisfied)'))).toEqual({
      agentId: AGENT,
      exitCode: null,
      oom: false,
      reason: 'task rejected: no suitable node (scheduling constraints not satisfied)',
    });
  });
});
