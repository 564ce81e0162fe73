/**
 * The live stream: the hub's `GET /ws` (messages in src/shared/contract/api.ts, `WsMessage`)
 * with the session token. Reconnects with backoff when the connection drops; after a reconnect
 * listeners get `{type: 'reconnected'}` so that pages refetch what they may have missed. Close
 * codes 4401 (token refused) and 4403 (account not active) end the session instead.
 */
import type { WsMessage } from '../../src/shared/wire.js';

export type LiveListener = (message: WsMessage) => void;

export interface Live {
  /** Every message from now on; returns the unsubscribe. */
  subscribe(listener: LiveListener): () => void;
  /** Called with true/false as the stream opens and drops. */
  onConnected(listener: (connected: boolean) => void): () => void;
  close(): void;
}

const SESSION_ENDED = new Set([4401, 4403]);
const PING_MS = 25_000;

export function connectLive(token: string, onSessionEnd: (code: number) => void): Live {
  const listeners = new Set<LiveListener>();
  const connectionListeners = new Set<(connected: boolean) => void>();
  let socket: WebSocket | undefined;
  let closed = false;
  let attempt = 0;
  let ping: ReturnType<typeof setInterval> | undefined;
  const emit = (message: WsMessage) => listeners.forEach((listener) => listener(message));
  const tell = (connected: boolean) => connectionListeners.forEach((listener) => listener(connected));

  const open = () => {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(`${scheme}://${location.host}/ws?token=${encodeURIComponent(token)}`);
    socket = ws;
    ws.onopen = () => {
      if (attempt > 0) emit({ type: 'reconnected' });
      attempt = 0;
      tell(true);
      ping = setInterval(() => ws.send('ping'), PING_MS);
    };
    ws.onmessage = (event) => {
      try {
        emit(JSON.parse(String(event.data)) as WsMessage);
      } catch {
        // Not JSON: nothing the hub sends.
      }
    };
    ws.onclose = (event) => {
      clearInterval(ping);
      tell(false);
      if (closed) return;
      if (SESSION_ENDED.has(event.code)) {
        onSessionEnd(event.code);
        return;
      }
      attempt += 1;
      setTimeout(open, Math.min(15_000, 500 * 2 ** Math.min(attempt, 5)));
    };
  };
  open();

  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onConnected(listener) {
      connectionListeners.add(listener);
      return () => connectionListeners.delete(listener);
    },
    close() {
      closed = true;
      socket?.close();
    },
  };
}
