/**
 * What the agent page reads, each scoped to the caller (another user's agent id: 404):
 * `GET /api/v1/agents/:id/trades` (a page, newest first), `…/candles` (the chart's bars, trades
 * and levels), `…/equity`, `…/profit`, `…/logs` (a page, with a level filter), and
 * `GET /api/v1/profit` over all the caller's agents. The figures are the hub's (trade history,
 * analytics, the chart service, the log door), the ones the chat shows.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import {
  AgentCandles,
  API_PREFIX,
  ApiAgentParams,
  CandlesApiQuery,
  EquityCurve,
  ErrorBody,
  LogsPage,
  LogsQuery,
  ProfitFigures,
  TradesPage,
  TradesQuery,
} from '../../../shared/wire.js';
import { AgentNotFoundError } from '../../../hub/errors.js';
import { numericQuery } from '../../query-numbers.js';
import { toCandlesResponse } from '../internal-market.js';
import { callerOf } from './api-errors.js';
import type { ApiServices } from './services.js';
import { toProfitFigures, toTradeMarker } from './views.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const security = [{ bearer: [] }];
const params = ApiAgentParams;

export const agentDataRoutes: FastifyPluginAsync<ApiServices> = async (fastify, { hub }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('preValidation', numericQuery(['page', 'pageSize', 'limit', 'beforeSeq', 'afterSeq']));
  const tags = ['agent data'];
  /**
   * The caller's agent id (404 when it is not theirs), before anything is read about it; from the
   * directory's owner cache, so the page's several requests cost no extra query.
   */
  const owned = async (userId: string, agentId: string) => {
    if ((await hub.agents.ref(agentId))?.ownerId !== userId) throw new AgentNotFoundError(agentId);
    return agentId;
  };

  app.get(
    `${API_PREFIX}/agents/:id/trades`,
    { schema: { tags, security, params, querystring: TradesQuery, response: { 200: TradesPage, ...errors } } },
    async (request) => {
      const ownerId = callerOf(request);
      const agentId = await owned(ownerId, request.params.id);
      return hub.tradeHistory.page({ ownerId, agentId }, request.query.page, request.query.pageSize);
    },
  );

  app.get(
    `${API_PREFIX}/agents/:id/candles`,
    { schema: { tags, security, params, querystring: CandlesApiQuery, response: { 200: AgentCandles, ...errors, 503: ErrorBody } } },
    async (request) => {
      const { market, trades, levels } = await hub.charts.series({
        ownerId: callerOf(request),
        agent: request.params.id,
        interval: request.query.interval,
        bars: request.query.limit,
      });
      return {
        ...toCandlesResponse(market),
        trades: trades.map(toTradeMarker),
        levels,
      };
    },
  );

  app.get(
    `${API_PREFIX}/agents/:id/equity`,
    { schema: { tags, security, params, response: { 200: EquityCurve, ...errors } } },
    async (request) => {
      const ownerId = callerOf(request);
      return hub.analytics.equity(ownerId, { agentId: await owned(ownerId, request.params.id) });
    },
  );

  app.get(
    `${API_PREFIX}/agents/:id/profit`,
    { schema: { tags, security, params, response: { 200: ProfitFigures, ...errors } } },
    async (request) => {
      const ownerId = callerOf(request);
      return toProfitFigures(await hub.analytics.profit(ownerId, { agentId: await owned(ownerId, request.params.id) }));
    },
  );

  app.get(`${API_PREFIX}/profit`, { schema: { tags, security, response: { 200: ProfitFigures, ...errors } } }, async (request) =>
    toProfitFigures(await hub.analytics.profit(callerOf(request))),
  );

  app.get(
    `${API_PREFIX}/agents/:id/logs`,
    { schema: { tags, security, params, querystring: LogsQuery, response: { 200: LogsPage, ...errors } } },
    async (request) => {
      const agentId = await owned(callerOf(request), request.params.id);
      const { level, limit, beforeSeq, afterSeq } = request.query;
      if (afterSeq !== undefined) return { entries: await hub.logs.after(agentId, afterSeq, limit, level), olderBeforeSeq: null };
      const entries = await hub.logs.before(agentId, beforeSeq ?? Number.MAX_SAFE_INTEGER, limit, level);
      // A full page may have older lines behind it; a short one is the first page.
      return { entries, olderBeforeSeq: entries.length === limit ? entries[0]!.seq : null };
    },
  );
};
