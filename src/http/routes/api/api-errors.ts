/**
 * The client API's errors: the hub's typed errors as HTTP statuses with `{error, message}`
 * bodies (`message` is the hub's `userMessage`, the chat's words), and the bearer guard. Codes:
 * 400 `validation_failed` · 401 `unauthorized` · 403 `account_pending` | `account_denied` |
 * `account_unknown` · 404 `not_found` · 409 `conflict` (or the broker's code) · 429
 * `quota_exceeded` | `queue_full` · 502 `start_failed` · 503 `unavailable` · 500 `internal_error`.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { QuotaExceededError } from '../../../hub/agents/quotas.js';
import { TradeNotFoundError } from '../../../hub/analytics/trade-history.js';
import { AccountRefusedError, accountRefusal, SessionRefusedError } from '../../../hub/auth/dashboard-sessions.js';
import { TokenError } from '../../../hub/auth/tokens.js';
import type { UserTokens } from '../../../hub/auth/user-tokens.js';
import { BacktestNotFoundError } from '../../../hub/backtest/backtest-jobs.js';
import { BacktestSymbolError, HistoryRangeError, HistoryUnavailableError } from '../../../hub/backtest/history-errors.js';
import { BacktestQueueFullError, BacktestsClosedError } from '../../../hub/backtest/queue-errors.js';
import { BrokerError } from '../../../hub/broker/errors.js';
import { ChartError } from '../../../hub/charts/errors.js';
import { AgentNotFoundError, HubError, PortsExhaustedError, SpawnError, ValidationError } from '../../../hub/errors.js';
import { bearer } from '../../auth.js';

/** Status and `error` code of a hub error. */
function statusOf(error: HubError): [number, string] {
  if (error instanceof ValidationError || error instanceof BacktestSymbolError || error instanceof HistoryRangeError)
    return [400, 'validation_failed'];
  if (error instanceof SessionRefusedError) return [401, 'unauthorized'];
  if (error instanceof AccountRefusedError) return [403, error.code];
  if (error instanceof AgentNotFoundError || error instanceof TradeNotFoundError || error instanceof BacktestNotFoundError)
    return [404, 'not_found'];
  if (error instanceof QuotaExceededError) return [429, 'quota_exceeded'];
  if (error instanceof BacktestQueueFullError) return [429, 'queue_full'];
  if (error instanceof BacktestsClosedError || error instanceof HistoryUnavailableError) return [503, 'unavailable'];
  if (error instanceof BrokerError) return [error.httpStatus, error.code];
  if (error instanceof SpawnError) return [502, 'start_failed'];
  if (error instanceof PortsExhaustedError || error instanceof ChartError) return [503, 'unavailable'];
  return [409, 'conflict'];
}

/** The API scope's error handler: hub errors in the trader's words, schema failures as 400, the rest 500. */
export function sendApiError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof HubError) {
    const [status, code] = statusOf(error);
    return reply.code(status).send({ error: code, message: error.userMessage });
  }
  if (error.validation) return reply.code(400).send({ error: 'validation_failed', message: error.message });
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
  if (status === 500) request.log.error({ err: error }, 'API request failed');
  return reply.code(status).send({
    error: status === 500 ? 'internal_error' : (error.code ?? 'bad_request'),
    message: status === 500 ? 'Internal server error' : error.message,
  });
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller of a client API route (a verified user token of an active account). */
    userId?: string;
  }
}

/**
 * `onRequest` hook of the authenticated API routes: 401 without a valid, unexpired, unrevoked
 * user token (before the body is read); 403 with the account's refusal when it is not active.
 */
export function userGuard(userTokens: Pick<UserTokens, 'verify'>) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const token = bearer(request);
    if (!token) return reply.code(401).send({ error: 'unauthorized', message: 'Missing bearer token' });
    let user: { userId: string; status: string };
    try {
      user = await userTokens.verify(token);
    } catch (error) {
      if (!(error instanceof TokenError)) throw error;
      return reply.code(401).send({ error: 'unauthorized', message: 'Invalid, expired or revoked token' });
    }
    const refusal = accountRefusal(user.status as 'active');
    if (refusal) return reply.code(403).send({ error: refusal.code, message: refusal.userMessage });
    request.userId = user.userId;
  };
}

/** The caller's id (set by `userGuard`). */
export const callerOf = (request: FastifyRequest): string => request.userId!;
