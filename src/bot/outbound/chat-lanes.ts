/**
 * The outbound queue's messages in memory, one lane per chat in arrival order, with each chat's
 * pacing state. A message loaded from the database is admitted once, however often it is read.
 */
import type { AlertButton } from '../../hub/alerts/alert-router.js';
import type { ChatSlot } from './rate-limiter.js';

export interface Item {
  /** Arrival order across all chats: the oldest waiting message goes first. */
  seq: number;
  /** Row id in outbound_messages; absent while unpersisted (or when persisting failed). */
  id?: number;
  chatId: number;
  eventType: string;
  text: string;
  silent: boolean;
  buttons?: AlertButton[];
  /** When it was queued (ms, the queue's clock). */
  createdAt: number;
}

export interface ChatState extends ChatSlot {
  items: Item[];
  /** Current backoff for transient errors (ms). */
  backoffMs: number;
  /** Send the next batch unmerged (a merged text was refused). */
  noMerge: boolean;
}

export interface ChatLanes {
  /** The next arrival number (`Item.seq`). */
  nextSeq(): number;
  /** The chat's lane, created on first use. */
  chat(chatId: number): ChatState;
  /** Adds a message to its chat's lane, unless a message with the same row id is already there. */
  admit(item: Item): void;
  /** The ready chat (nothing in flight, its slot free at `t`) whose oldest message came first; forgets idle chats. */
  pickReady(t: number): ChatState | undefined;
  /** The messages the next send carries: the whole lane, or only its head after a refused merge. */
  takeBatch(c: ChatState): Item[];
  /** Removes a finished batch (delivered or given up on) from its lane. */
  remove(c: ChatState, batch: readonly Item[]): void;
  /** Chats with messages waiting and nothing in flight. */
  waitingChats(): ChatState[];
  /** Messages held in all lanes. */
  count(): number;
  /** Drops every written message (the queue stopped sending: they stay pending in the database for the next sender); unwritten ones stay. */
  dropPersisted(): void;
}

export function createChatLanes(): ChatLanes {
  const chats = new Map<number, ChatState>();
  const knownIds = new Set<number>();
  let seq = 0;

  function chat(chatId: number): ChatState {
    let c = chats.get(chatId);
    if (!c) chats.set(chatId, (c = { items: [], nextAt: 0, inFlight: false, backoffMs: 0, noMerge: false }));
    return c;
  }

  return {
    nextSeq: () => ++seq,
    chat,
    admit(item) {
      if (item.id !== undefined) {
        if (knownIds.has(item.id)) return;
        knownIds.add(item.id);
      }
      chat(item.chatId).items.push(item);
    },
    pickReady(t) {
      let best: ChatState | undefined;
      for (const [id, c] of chats) {
        if (c.items.length === 0) {
          if (!c.inFlight && c.nextAt <= t) chats.delete(id); // idle: forget it
          continue;
        }
        if (c.inFlight || c.nextAt > t) continue;
        if (!best || c.items[0]!.seq < best.items[0]!.seq) best = c;
      }
      return best;
    },
    takeBatch(c) {
      const batch = c.noMerge ? c.items.slice(0, 1) : c.items.slice();
      c.noMerge = false;
      return batch;
    },
    remove(c, batch) {
      const sent = new Set(batch);
      c.items = c.items.filter((i) => !sent.has(i));
      for (const i of batch) if (i.id !== undefined) knownIds.delete(i.id);
    },
    waitingChats: () => [...chats.values()].filter((c) => c.items.length && !c.inFlight),
    dropPersisted() {
      for (const [id, c] of chats) {
        c.items = c.items.filter((i) => i.id === undefined);
        if (c.items.length === 0 && !c.inFlight) chats.delete(id);
      }
      knownIds.clear();
    },
    count() {
      let n = 0;
      for (const c of chats.values()) n += c.items.length;
      return n;
    },
  };
}
