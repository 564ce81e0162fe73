/**
 * The leader-only work of a hub replica: a list of `LeaderTask`s started in list order when this
 * replica gains leadership and stopped in the reverse order when it loses it (or the hub stops).
 * Transitions run one at a time; a gain that is lost half-way starts no further task, and the
 * stop that follows stops exactly the tasks that started. A task that fails to start is logged
 * and left out until the next gain; the others still start.
 */
import type { Logger } from '../../logger.js';
import type { LeaderElection } from './leader.js';

export interface LeaderTask {
  /** For logs and `/health`-style listings. */
  name: string;
  start(): Promise<void> | void;
  /** Must be safe to call after a failed or partial start. */
  stop(): Promise<void> | void;
}

export interface LeaderTasks {
  /** Adds a task at the end of the list; started at once when this replica leads. Returns its removal (stopping it when running). */
  add(task: LeaderTask): () => Promise<void>;
  /** Names of the tasks running now, in start order. */
  running(): string[];
  /** Resolves when the transitions asked for so far are done. */
  settled(): Promise<void>;
  /** Stops following the election and stops every running task. */
  close(): Promise<void>;
}

export function createLeaderTasks(election: Pick<LeaderElection, 'on' | 'role'>, logger: Logger): LeaderTasks {
  const tasks: LeaderTask[] = [];
  const started: LeaderTask[] = [];
  let chain: Promise<void> = Promise.resolve();
  const leads = () => election.role() === 'leader';

  const inTurn = (work: () => Promise<void>): Promise<void> => (chain = chain.then(work, work));

  async function startOne(task: LeaderTask): Promise<void> {
    if (!leads() || started.includes(task) || !tasks.includes(task)) return;
    try {
      await task.start();
      started.push(task);
      logger.debug({ task: task.name }, 'leader task started');
    } catch (err) {
      logger.error({ err, task: task.name }, 'leader task failed to start; it runs after the next gain');
      await Promise.resolve(task.stop()).catch(() => undefined);
    }
  }

  async function stopOne(task: LeaderTask): Promise<void> {
    const at = started.indexOf(task);
    if (at < 0) return;
    started.splice(at, 1);
    try {
      await task.stop();
      logger.debug({ task: task.name }, 'leader task stopped');
    } catch (err) {
      logger.error({ err, task: task.name }, 'leader task failed to stop');
    }
  }

  async function startAll(): Promise<void> {
    for (const task of [...tasks]) {
      if (!leads()) break;
      await startOne(task);
    }
  }

  async function stopAll(): Promise<void> {
    for (const task of [...started].reverse()) await stopOne(task);
  }

  const offGained = election.on('gained', () => void inTurn(startAll));
  const offLost = election.on('lost', () => void inTurn(stopAll));

  return {
    add(task) {
      tasks.push(task);
      void inTurn(() => startOne(task));
      return () =>
        inTurn(async () => {
          await stopOne(task);
          const at = tasks.indexOf(task);
          if (at >= 0) tasks.splice(at, 1);
        });
    },
    running: () => started.map((t) => t.name),
    settled: () => chain,
    async close() {
      offGained();
      offLost();
      await inTurn(stopAll);
    },
  };
}
