/**
 * grammY session and conversation storage over the hub's `BotStateStore` (the `bot_sessions`
 * table), so a restart resumes half-finished flows.
 *
 * Keys are per chat and user (`<chatId>:<userId>`): in a group two admins never share a flow.
 * Conversation state is wrapped with the time of the last activity (`touchedAt`, from the
 * injected clock) so idle flows can be expired lazily (on the next update) or by a sweep.
 */
import type { ConversationData, ConversationStorage, VersionedState } from '@grammyjs/conversations';
import type { StorageAdapter } from 'grammy';
import type { BotStateStore } from '../hub/bot-state-store.js';
import type { BotContext, SessionData } from './context.js';

/** A flow idle this long is over (ms). */
export const FLOW_IDLE_MS = 10 * 60_000;

const SESSION_PREFIX = 'sess:';
const FLOW_PREFIX = 'flow:';

export interface FlowRecord {
  touchedAt: number;
  state: VersionedState<ConversationData>;
}

export function chatUserKey(ctx: Pick<BotContext, 'chat' | 'from'>): string | undefined {
  if (!ctx.chat || !ctx.from) return undefined;
  return `${ctx.chat.id}:${ctx.from.id}`;
}

export function sessionStorage(store: BotStateStore): StorageAdapter<SessionData> {
  return {
    read: (key) => store.read<SessionData>(SESSION_PREFIX + key),
    write: (key, value) => store.write(SESSION_PREFIX + key, value),
    delete: (key) => store.delete(SESSION_PREFIX + key),
  };
}

export interface FlowStorage {
  /** For the conversations plugin. */
  storage: ConversationStorage<BotContext, ConversationData>;
  /** The stored flow of a chat/user, if any (expired or not). */
  peek(key: string): Promise<FlowRecord | undefined>;
  forget(key: string): Promise<void>;
  /** Clears the pending-secret marker of a chat/user (a flow that ends by expiry or sweep). */
  clearPendingSecret(key: string): Promise<void>;
  /** Flows idle for longer than `idleMs` at `now`: their keys and the names of their conversations. */
  idle(now: number, idleMs?: number): Promise<Array<{ key: string; chatId: number; flows: string[] }>>;
}

export function flowStorage(store: BotStateStore, clock: () => number): FlowStorage {
  return {
    storage: {
      type: 'key',
      getStorageKey: (ctx) => chatUserKey(ctx),
      adapter: {
        read: async (key) => (await store.read<FlowRecord>(FLOW_PREFIX + key))?.state,
        write: (key, state) => store.write(FLOW_PREFIX + key, { touchedAt: clock(), state } satisfies FlowRecord),
        delete: (key) => store.delete(FLOW_PREFIX + key),
      },
    },
    peek: (key) => store.read<FlowRecord>(FLOW_PREFIX + key),
    forget: (key) => store.delete(FLOW_PREFIX + key),
    async clearPendingSecret(key) {
      const session = await store.read<SessionData>(SESSION_PREFIX + key);
      if (session?.pendingSecret) {
        delete session.pendingSecret;
        await store.write(SESSION_PREFIX + key, session);
      }
    },
    async idle(now, idleMs = FLOW_IDLE_MS) {
      const rows = await store.list<FlowRecord>(FLOW_PREFIX);
      return rows
        .filter((r) => now - r.value.touchedAt > idleMs)
        .map((r) => {
          const key = r.key.slice(FLOW_PREFIX.length);
          return { key, chatId: Number(key.split(':')[0]), flows: Object.keys(r.value.state?.state ?? {}) };
        });
    },
  };
}
