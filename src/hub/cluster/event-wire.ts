/**
 * The wire format of hub events between replicas (./event-bridge.ts). PostgreSQL refuses a NOTIFY
 * payload of 8000 bytes or more, so events are packed into messages that fit:
 *
 *   `<header JSON>\n<body>`   header `{r: replica id, s: message seq, i: part index, n: parts}`
 *
 * The body of a message is a JSON array of `[name, data]` pairs, as many events (in order) as fit
 * in `maxBytes`. One event too big for a message on its own (a large `agent.log` batch) travels
 * as `n` parts of its body, cut at UTF-8 character boundaries; the receiver joins them by
 * (replica, seq). Parts are sent in one statement, so they arrive in order.
 */
import type { HubEventMap, HubEventName } from '../events.js';

/** What PostgreSQL accepts is < 8000 bytes; the rest is headroom for the header. */
export const MAX_NOTIFY_BYTES = 7900;

export interface WireEvent {
  name: HubEventName;
  data: HubEventMap[HubEventName];
}

interface Header {
  r: string;
  s: number;
  i: number;
  n: number;
}

/** Cuts `text` into pieces of at most `maxBytes` UTF-8 bytes, never inside a character. */
export function splitUtf8(text: string, maxBytes: number): string[] {
  const bytes = Buffer.from(text, 'utf8');
  const pieces: string[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = Math.min(start + maxBytes, bytes.length);
    // A continuation byte (10xxxxxx) is inside a character: step back to its first byte.
    while (end < bytes.length && end > start && (bytes[end]! & 0xc0) === 0x80) end--;
    pieces.push(bytes.subarray(start, end).toString('utf8'));
    start = end;
  }
  return pieces;
}

/** Packs events (in order) into NOTIFY payloads of `replicaId`, numbering messages from `nextSeq()`. */
export function packEvents(events: readonly WireEvent[], replicaId: string, nextSeq: () => number, maxBytes = MAX_NOTIFY_BYTES): string[] {
  const payloads: string[] = [];
  // Room for the body: the header of a many-part message is the longest (big seq, index and count).
  const room = maxBytes - Buffer.byteLength(JSON.stringify({ r: replicaId, s: Number.MAX_SAFE_INTEGER, i: 99_999, n: 99_999 })) - 1;
  if (room < 256) throw new Error(`replica id too long for a NOTIFY payload: ${replicaId.slice(0, 40)}…`);
  let batch: string[] = [];
  let batchBytes = 2; // the brackets
  const flush = () => {
    if (!batch.length) return;
    payloads.push(`${JSON.stringify({ r: replicaId, s: nextSeq(), i: 0, n: 1 } satisfies Header)}\n[${batch.join(',')}]`);
    batch = [];
    batchBytes = 2;
  };
  for (const event of events) {
    const encoded = JSON.stringify([event.name, event.data]);
    const bytes = Buffer.byteLength(encoded);
    if (bytes + 2 > room) {
      flush();
      const parts = splitUtf8(`[${encoded}]`, room);
      const s = nextSeq();
      parts.forEach((part, i) => payloads.push(`${JSON.stringify({ r: replicaId, s, i, n: parts.length } satisfies Header)}\n${part}`));
      continue;
    }
    if (batchBytes + bytes + (batch.length ? 1 : 0) > room) flush();
    batch.push(encoded);
    batchBytes += bytes + (batch.length > 1 ? 1 : 0);
  }
  flush();
  return payloads;
}

export interface Unpacker {
  /** The events of one payload (none while a many-part message is incomplete); own messages give none. */
  accept(payload: string): WireEvent[];
  /** Forgets incomplete messages (the connection dropped: their missing parts will not come). */
  reset(): void;
  /** Many-part messages waiting for parts (tests). */
  readonly incomplete: number;
}

/** Reads payloads of other replicas than `ownReplicaId`; throws on a payload that is not of this format. */
export function createUnpacker(ownReplicaId: string, maxIncomplete = 1000): Unpacker {
  const partial = new Map<string, { parts: string[]; got: number }>();
  return {
    accept(payload) {
      const cut = payload.indexOf('\n');
      if (cut < 0) throw new Error('event payload without a header');
      const header = JSON.parse(payload.slice(0, cut)) as Header;
      if (header.r === ownReplicaId) return [];
      const body = payload.slice(cut + 1);
      let text = body;
      if (header.n > 1) {
        const key = `${header.r}:${header.s}`;
        let entry = partial.get(key);
        if (!entry) {
          if (partial.size >= maxIncomplete) partial.delete(partial.keys().next().value!);
          partial.set(key, (entry = { parts: new Array<string>(header.n), got: 0 }));
        }
        if (entry.parts[header.i] === undefined) entry.got++;
        entry.parts[header.i] = body;
        if (entry.got < header.n) return [];
        partial.delete(key);
        text = entry.parts.join('');
      }
      return (JSON.parse(text) as [HubEventName, HubEventMap[HubEventName]][]).map(([name, data]) => ({ name, data }));
    },
    reset: () => partial.clear(),
    get incomplete() {
      return partial.size;
    },
  };
}
