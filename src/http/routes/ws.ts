/**
 * `GET /ws`: a WebSocket stream for clients, authenticated with a user JWT (the bot's /token).
 * Streams the user's agents' status, logs, trades and lifecycle events — nothing of other users'.
 * The token comes as `Authorization: Bearer …` or, for browsers, `?token=…` (never logged: the
 * request serializer drops query strings).
 *
 * Refusals close the socket with a code a browser can read: 4401 bad, expired or revoked token
 * (also sent to open streams when their user revokes), 4403 account not active, 4429 too many
 * streams (per user or in total), 4408 client too slow.
 */
import websocket from '@fastify/websocket';
import type { FastifyPluginAsync } from 'fastify';
import type { WebSocket } from 'ws';
import type { UserTokens } from '../../hub/auth/user-tokens.js';
import type { HubEventMap, HubEventName, HubEvents } from '../../hub/events.js';
import { bearer } from '../auth.js';

export interface WsLimits {
  /** Open streams one user may hold. */
  perUser: number;
  /** Open streams of all users together. */
  total: number;
}

export interface WsRoutesOptions {
  userTokens: UserTokens;
  events: HubEvents;
  limits?: WsLimits;
}

export const WS_CLOSE = { unauthorized: 4401, forbidden: 4403, tooSlow: 4408, tooMany: 4429 } as const;

/** Bytes a slow client may have queued before it is dropped. */
const MAX_BUFFERED = 1024 * 1024;
const DEFAULT_LIMITS: WsLimits = { perUser: 5, total: 1000 };

export const wsRoutes: FastifyPluginAsync<WsRoutesOptions> = async (app, { userTokens, events, limits = DEFAULT_LIMITS }) => {
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  /** Open streams by user id. */
  const open = new Map<string, Set<WebSocket>>();
  let total = 0;

  const offRevoke = userTokens.onRevoke((userId) => {
    for (const socket of open.get(userId) ?? []) socket.close(WS_CLOSE.unauthorized, 'token revoked');
  });
  app.addHook('onClose', async () => offRevoke());

  /** Counts the stream in, or says why not; synchronous, so two connects cannot both take the last slot. */
  function admit(userId: string, socket: WebSocket): boolean {
    const mine = open.get(userId) ?? new Set<WebSocket>();
    if (mine.size >= limits.perUser || total >= limits.total) return false;
    mine.add(socket);
    open.set(userId, mine);
    total += 1;
    socket.once('close', () => {
      mine.delete(socket);
      total -= 1;
      if (mine.size === 0 && open.get(userId) === mine) open.delete(userId);
    });
    return true;
  }

  app.get<{ Querystring: { token?: string } }>('/ws', { websocket: true }, async (socket, request) => {
    const token = bearer(request) ?? request.query.token;
    let user: { userId: string; status: string };
    try {
      if (!token) throw new Error('missing token');
      user = await userTokens.verify(token);
    } catch {
      socket.close(WS_CLOSE.unauthorized, 'unauthorized');
      return;
    }
    if (user.status !== 'active') {
      socket.close(WS_CLOSE.forbidden, 'account not active');
      return;
    }
    const { userId } = user;
    // The client may have gone while the token was checked: a closed socket never emits 'close' again.
    if (socket.readyState !== socket.OPEN) return;
    if (!admit(userId, socket)) {
      socket.close(WS_CLOSE.tooMany, 'too many streams');
      return;
    }
    // Every replica's events: an agent may push to another hub than the one this client is on.
    const off = events.onAny(<K extends HubEventName>(name: K, data: HubEventMap[K]) => {
      if ((data as { ownerId?: string }).ownerId !== userId) return;
      if (socket.bufferedAmount > MAX_BUFFERED) {
        socket.close(WS_CLOSE.tooSlow, 'client too slow');
        return;
      }
      socket.send(JSON.stringify({ type: name, data }));
      // A denied user keeps no stream open (their token may still verify: tokens.ts decides that).
      if (name === 'user.access_revoked') socket.close(4403, 'access revoked');
    });
    socket.on('close', off);
    socket.on('message', (raw) => {
      // Only a ping is understood; everything else is ignored. (With ws's default binaryType a
      // message arrives as one Buffer.)
      if (Buffer.isBuffer(raw) && raw.toString() === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
    });
    socket.send(JSON.stringify({ type: 'hello', data: { userId } }));
  });
};
