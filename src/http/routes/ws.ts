/**
 * `GET /ws`: a WebSocket stream for clients, authenticated with a user JWT (the bot's /token).
 * Streams the user's agents' status, logs, trades and lifecycle events — nothing of other users'.
 * The token comes as `Authorization: Bearer …` or, for browsers, `?token=…`.
 */
import websocket from '@fastify/websocket';
import type { FastifyPluginAsync } from 'fastify';
import type { TokenService } from '../../hub/auth/tokens.js';
import type { HubEventMap, HubEventName, HubEvents } from '../../hub/events.js';
import { bearer } from '../auth.js';

export interface WsRoutesOptions {
  tokens: TokenService;
  events: HubEvents;
}

/** Bytes a slow client may have queued before it is dropped. */
const MAX_BUFFERED = 1024 * 1024;

export const wsRoutes: FastifyPluginAsync<WsRoutesOptions> = async (app, { tokens, events }) => {
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });

  app.get<{ Querystring: { token?: string } }>('/ws', { websocket: true }, async (socket, request) => {
    const token = bearer(request) ?? request.query.token;
    let userId: string;
    try {
      if (!token) throw new Error('missing token');
      userId = await tokens.verifyUserToken(token);
    } catch {
      socket.close(4401, 'unauthorized');
      return;
    }
    const off = events.onAny(<K extends HubEventName>(name: K, data: HubEventMap[K]) => {
      if ((data as { ownerId?: string }).ownerId !== userId) return;
      if (socket.bufferedAmount > MAX_BUFFERED) {
        socket.close(4408, 'client too slow');
        return;
      }
      socket.send(JSON.stringify({ type: name, data }));
      // A denied user keeps no stream open (their token may still verify: tokens.ts decides that).
      if (name === 'user.access_revoked') socket.close(4403, 'access revoked');
    });
    socket.on('close', off);
    socket.on('message', (raw) => {
      // Only a ping is understood; everything else is ignored.
      if (String(raw) === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
    });
    socket.send(JSON.stringify({ type: 'hello', data: { userId } }));
  });
};
