/**
 * `POST /api/v1/session`: the dashboard's sign-in. Exchanges a Telegram Mini App `initData` or a
 * /dashboard login code (each once) for a short-lived user token; no bearer token needed. 401
 * for a forged, expired, replayed or unknown credential; 403 (`account_pending`,
 * `account_denied`, `account_unknown`) for an account that may not use the server.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { DashboardSessions } from '../../../hub/auth/dashboard-sessions.js';
import { API_PREFIX, ErrorBody, SESSION_LIMITS, SessionRequest, SessionResponse } from '../../../shared/wire.js';
import { toApiUser } from './views.js';

export interface SessionRoutesOptions {
  sessions: Pick<DashboardSessions, 'exchange'>;
}

export const sessionRoutes: FastifyPluginAsync<SessionRoutesOptions> = async (fastify, { sessions }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    `${API_PREFIX}/session`,
    {
      bodyLimit: SESSION_LIMITS.maxInitDataChars + 1024,
      schema: {
        tags: ['session'],
        summary: 'Exchange Mini App initData or a /dashboard login code for a session token',
        body: SessionRequest,
        response: { 200: SessionResponse, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (request) => {
      const { initData, loginCode } = request.body;
      const session = await sessions.exchange(initData !== undefined ? { initData } : { loginCode: loginCode! });
      return { token: session.token, expiresAt: session.expiresAt.toISOString(), user: toApiUser(session.user) };
    },
  );
};
