/**
 * Runs updates outside the code that received them (the webhook request, the polling loop):
 * updates of one chat run in order, different chats run concurrently up to `concurrency`.
 * A slow flow (an agent starting) therefore never holds up other traders.
 */
import type { Update } from 'grammy/types';
import type { Logger } from '../logger.js';

export interface UpdateQueue {
  push(update: Update): void;
  /** Resolves when everything pushed so far has been handled. */
  drain(): Promise<void>;
  /** Number of updates waiting or running. */
  size(): number;
}

function chatOf(u: Update): string {
  const chat =
    u.message?.chat ?? u.edited_message?.chat ?? u.callback_query?.message?.chat ?? u.my_chat_member?.chat ?? u.channel_post?.chat;
  const from = u.callback_query?.from ?? u.inline_query?.from;
  return chat ? `c${chat.id}` : from ? `u${from.id}` : 'misc';
}

export function createUpdateQueue(handle: (u: Update) => Promise<void>, logger: Logger, concurrency = 16): UpdateQueue {
  const chains = new Map<string, Promise<void>>();
  let running = 0;
  let pending = 0;
  const waiting: Array<() => void> = [];
  const idle: Array<() => void> = [];

  async function slot<T>(work: () => Promise<T>): Promise<T> {
    if (running >= concurrency) await new Promise<void>((r) => waiting.push(r));
    running++;
    try {
      return await work();
    } finally {
      running--;
      waiting.shift()?.();
    }
  }

  return {
    push(update) {
      const key = chatOf(update);
      pending++;
      const previous = chains.get(key) ?? Promise.resolve();
      const next = previous
        .then(() => slot(() => handle(update)))
        .catch((error: unknown) => logger.error({ err: error, updateId: update.update_id }, 'update failed'))
        .finally(() => {
          pending--;
          if (chains.get(key) === next) chains.delete(key);
          if (pending === 0) for (const r of idle.splice(0)) r();
        });
      chains.set(key, next);
    },
    drain() {
      return pending === 0 ? Promise.resolve() : new Promise<void>((r) => idle.push(r));
    },
    size: () => pending,
  };
}
