/**
 * Agent → hub market-data routes (see docs/architecture.md): candles and last price from the hub's
 * cache. Agents never call a provider themselves; the hub owns the one rate limit and credit
 * budget.
 *
 * - A valid token of an existing agent (its current generation) passes (no `:id` in these paths);
 *   401 otherwise, checked before the query is validated.
 * - `GET /internal/market/candles?symbol=&interval=&limit=&priority=` → `CandlesResponse`. `limit`
 *   1..1000 (default 200). `priority=position` is for agents holding an open position: their
 *   refreshes are served first. When the budget is spent (or the queue is too long, or the
 *   upstream fails) and bars are cached, the answer is 200 with `stale: true` and `staleReason`.
 * - `GET /internal/market/price?symbol=&priority=` → `PriceResponse` (+ `at`, observed time in
 *   ms).
 * - Errors are `{error, message}`: 400 for a symbol the hub cannot read (`UnknownSymbolError`, the
 *   message lists accepted spellings) or the provider does not list (`UnsupportedSymbolError`);
 *   503 when nothing is cached and the upstream cannot answer (`CandlesUnavailableError`, or the
 *   provider/budget error behind a missing price).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { CandleResult, CandleService } from '../../hub/market/candle-service.js';
import { CandlesUnavailableError, MarketDataError, UnsupportedSymbolError } from '../../hub/market/errors.js';
import { UnknownSymbolError } from '../../hub/market/symbols.js';
import { CandlesQuery, CandlesResponse, ErrorBody, PriceQuery, PriceResponse } from '../../shared/wire.js';
import { agentGuard, type AgentAuth } from '../auth.js';
import { numericQuery } from '../query-numbers.js';

export interface InternalMarketRoutesOptions {
  agentAuth: AgentAuth;
  market: CandleService;
}

/** Map a market-data failure to `{error, message}` with a 4xx/503 status; anything else is rethrown (500). */
function sendMarketError(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof UnknownSymbolError || error instanceof UnsupportedSymbolError) {
    return reply.code(400).send({ error: error.name, message: error.message });
  }
  if (error instanceof MarketDataError) {
    const cause = error instanceof CandlesUnavailableError && error.cause instanceof Error ? error.cause : undefined;
    request.log.warn({ err: error, cause: cause?.message }, 'market data unavailable');
    const message = cause ? `${error.message}: ${cause.message}` : error.message;
    return reply.code(503).send({ error: error.name, message });
  }
  throw error;
}

/** The candle service's answer in the contract's shape (also the client API's chart data). */
export function toCandlesResponse(result: CandleResult): CandlesResponse {
  return {
    symbol: result.symbol.id,
    interval: result.interval,
    candles: result.candles,
    stale: result.stale,
    ...(result.staleReason ? { staleReason: result.staleReason } : {}),
    simulated: result.simulated,
    source: result.source,
  };
}

export const internalMarketRoutes: FastifyPluginAsync<InternalMarketRoutesOptions> = async (fastify, { agentAuth, market }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  // onRequest: an unauthenticated caller learns nothing, not even whether its query was valid.
  app.addHook('onRequest', agentGuard(agentAuth));
  app.addHook('preValidation', numericQuery(['limit']));

  app.get(
    '/internal/market/candles',
    {
      logLevel: 'warn',
      schema: {
        querystring: CandlesQuery,
        response: { 200: CandlesResponse, 400: ErrorBody, 503: ErrorBody },
      },
    },
    async (request, reply) => {
      const { symbol, interval, limit, priority } = request.query;
      try {
        const result = await market.getCandles({ symbol, interval, limit, priority });
        if (result.stale) request.log.debug({ symbol: result.symbol.id, interval, reason: result.staleReason }, 'served stale candles');
        return toCandlesResponse(result);
      } catch (error) {
        return sendMarketError(request, reply, error);
      }
    },
  );

  app.get(
    '/internal/market/price',
    {
      logLevel: 'warn',
      schema: {
        querystring: PriceQuery,
        response: { 200: PriceResponse, 400: ErrorBody, 503: ErrorBody },
      },
    },
    async (request, reply) => {
      try {
        const result = await market.getPrice(request.query.symbol, request.query.priority);
        const body: PriceResponse = {
          symbol: result.symbol.id,
          price: result.price,
          at: result.at,
          stale: result.stale,
          ...(result.staleReason ? { staleReason: result.staleReason } : {}),
          simulated: result.simulated,
          source: result.source,
        };
        return body;
      } catch (error) {
        return sendMarketError(request, reply, error);
      }
    },
  );
};
