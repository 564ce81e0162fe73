/**
 * The live tails that are running: at most one per chat and agent (starting again replaces the
 * old one), each a `TailSession` that edits its own message. The composition root holds one
 * manager so that shutdown stops every tail with a closing note.
 */
import type { LogQuery } from '../../hub/agents/agent-logs.js';
import type { Logger } from '../../logger.js';
import type { WireLogLevel } from '../../shared/wire.js';
import { systemClock, type Clock } from '../../shared/clock.js';
import type { OutboundQueue } from '../outbound-queue.js';
import { createPendingWork } from '../pending-work.js';
import type { TailEndReason } from './tail-text.js';
import { createTailSession, type TailApi, type TailInfo, type TailSession } from './tail-session.js';

export interface TailOptions {
  clock?: Clock;
  /** Minimum gap between two edits of a tail message (ms, default 2000). */
  editIntervalMs?: number;
  /** A tail stops by itself after this long (ms, default 10 min). */
  maxDurationMs?: number;
  /** Lines kept in the message (default 30; fewer when they would pass the length limit). */
  maxLines?: number;
  /** Level used when /tail names none (default `info`). */
  defaultLevel?: WireLogLevel;
  /** Shares the outbound queue's limits (slots and 429 pauses) when given. */
  pacer?: Pick<OutboundQueue, 'tryReserve' | 'noteRetryAfter'>;
  logger?: Logger;
}

export interface TailManager {
  /** Sends the tail message and starts editing it; replaces a tail of the same chat and agent. */
  start(api: TailApi, chatId: number, agent: { id: string; name: string }, level: WireLogLevel): Promise<TailInfo>;
  /** Stops a tail (final edit says why); false when none was running. */
  stop(chatId: number, agentId: string, reason?: TailEndReason): Promise<boolean>;
  /** Stops every tail (shutdown). */
  stopAll(): Promise<void>;
  active(): TailInfo[];
  /** Resolves when no round (read + edit) is running (tests). */
  idle(): Promise<void>;
}

const key = (chatId: number, agentId: string) => `${chatId}:${agentId}`;

export function createTailManager(deps: { logs: Pick<LogQuery, 'after' | 'recent'> } & TailOptions): TailManager {
  const maxLines = deps.maxLines ?? 30;
  const sessions = new Map<string, TailSession>();
  const work = createPendingWork();
  const sessionDeps = {
    clock: deps.clock ?? systemClock,
    editIntervalMs: deps.editIntervalMs ?? 2000,
    maxDurationMs: deps.maxDurationMs ?? 10 * 60_000,
    maxLines,
    logs: deps.logs,
    pacer: deps.pacer,
    logger: deps.logger,
    work,
    onEnd(session: TailSession) {
      const { chatId, agentId } = session.info();
      if (sessions.get(key(chatId, agentId)) === session) sessions.delete(key(chatId, agentId));
    },
  };

  return {
    async start(api, chatId, agent, level) {
      const previous = sessions.get(key(chatId, agent.id));
      if (previous) await previous.end('replaced');
      const recent = await deps.logs.recent(agent.id, maxLines, level);
      const session = createTailSession(sessionDeps, api, chatId, agent, level);
      await session.send(recent);
      sessions.set(key(chatId, agent.id), session);
      session.run();
      return session.info();
    },
    async stop(chatId, agentId, reason = 'stopped') {
      const session = sessions.get(key(chatId, agentId));
      if (!session) return false;
      await session.end(reason);
      return true;
    },
    async stopAll() {
      await Promise.allSettled([...sessions.values()].map((s) => s.end('shutdown')));
    },
    idle: () => work.drained(),
    active: () => [...sessions.values()].map((s) => s.info()),
  };
}
