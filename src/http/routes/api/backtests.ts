/**
 * The caller's backtests (src/shared/contract/api-backtests.ts) through the hub's backtest
 * service, the same the bot is given: `GET /api/v1/backtests`, `POST /api/v1/backtests`
 * (validated by the service: 400 in the chat's words; 409 while the caller has one on; 429 when
 * the line is full), `GET …/:id` (the stored result; 409 while the job is on), `GET …/:id/status`
 * (polled; the states come from ../../../hub/backtest/backtest-jobs.ts) and `POST …/:id/cancel`.
 * Another user's id reads as a missing one: 404.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import {
  BacktestNotFinishedError,
  BacktestNotFoundError,
  createBacktestJobs,
  type BacktestJobStatus,
} from '../../../hub/backtest/backtest-jobs.js';
import type { BacktestParams, BacktestRecord } from '../../../hub/backtest/types.js';
import { ValidationError } from '../../../hub/errors.js';
import { tradableSymbol } from '../../../hub/market/symbols.js';
import {
  API_PREFIX,
  BACKTEST_PERIODS,
  BacktestDetail,
  BacktestList,
  BacktestParamsPath,
  BacktestRequest,
  BacktestStatus,
  BacktestSubmitted,
  ErrorBody,
} from '../../../shared/wire.js';
import { callerOf } from './api-errors.js';
import type { ApiServices } from './services.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const security = [{ bearer: [] }];
const tags = ['backtests'];
const DAY_MS = 86_400_000;
/** Runs the list shows (the service keeps 50 per trader). */
const LIST_LIMIT = 50;

/** The service's params from a request; the period from `period` (ending now) or `fromMs`/`toMs`. */
function paramsOf(body: BacktestRequest, supported: ReadonlySet<string>, nowMs: number): BacktestParams {
  let fromMs = body.fromMs;
  let toMs = body.toMs;
  if (body.period) [fromMs, toMs] = [nowMs - BACKTEST_PERIODS[body.period] * DAY_MS, nowMs];
  if (fromMs === undefined || toMs === undefined)
    throw new ValidationError('period', 'Choose a period: 7d, 30d, 90d or 1y (or fromMs and toMs).');
  return {
    symbol: tradableSymbol(body.symbol, supported),
    timeframe: body.timeframe as BacktestParams['timeframe'],
    strategy: body.strategy as BacktestParams['strategy'],
    fromMs,
    toMs,
    amountUsdt: body.amountUsdt,
    leverage: body.leverage,
    tpPct: body.tpPct ?? null,
    slPct: body.slPct ?? null,
    tpSlMode: (body.tpSlMode ?? 'fixed') as BacktestParams['tpSlMode'],
    riskProfile: (body.riskProfile ?? 'moderate') as BacktestParams['riskProfile'],
    maxSessionLossPct: body.maxSessionLossPct ?? 0,
    liveMode: false,
  };
}

function toStatus(s: BacktestJobStatus): BacktestStatus {
  return {
    id: s.id,
    state: s.state,
    position: s.state === 'queued' ? s.position : null,
    progress: s.state === 'running' ? s.progress : null,
    message: s.state === 'failed' ? s.message : null,
  };
}

/** The stored record without its owner; the result is the contract's shape already (plain JSON). */
function toDetail(record: BacktestRecord): BacktestDetail {
  const { id, createdAt, notes } = record;
  return record.kind === 'backtest'
    ? { id, createdAt, notes, kind: 'backtest', result: record.result }
    : { id, createdAt, notes, kind: 'compare', result: record.result };
}

export const backtestRoutes: FastifyPluginAsync<ApiServices> = async (fastify, { hub, supportedSymbols }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const jobs = createBacktestJobs(hub.backtests, { events: hub.events });
  const path = `${API_PREFIX}/backtests`;
  const found = (id: string) => (s: BacktestJobStatus | null) => {
    if (!s) throw new BacktestNotFoundError(id);
    return toStatus(s);
  };

  app.get(path, { schema: { tags, security, response: { 200: BacktestList, ...errors } } }, async (request) => ({
    backtests: await hub.backtests.list(callerOf(request), LIST_LIMIT),
  }));

  app.post(
    path,
    {
      bodyLimit: 4096,
      schema: { tags, security, body: BacktestRequest, response: { 202: BacktestSubmitted, ...errors, 409: ErrorBody, 429: ErrorBody } },
    },
    async (request, reply) => {
      const status = await jobs.submit(callerOf(request), paramsOf(request.body, supportedSymbols, Date.now()));
      return reply.code(202).send({ id: status.id, status: toStatus(status) });
    },
  );

  app.get(
    `${path}/:id`,
    { schema: { tags, security, params: BacktestParamsPath, response: { 200: BacktestDetail, ...errors, 409: ErrorBody } } },
    async (request) => {
      const { id } = request.params;
      const record = await hub.backtests.get(callerOf(request), id);
      if (record) return toDetail(record);
      const status = await jobs.status(callerOf(request), id);
      throw status?.state === 'queued' || status?.state === 'running' ? new BacktestNotFinishedError(id) : new BacktestNotFoundError(id);
    },
  );

  app.get(
    `${path}/:id/status`,
    { schema: { tags, security, params: BacktestParamsPath, response: { 200: BacktestStatus, ...errors } } },
    async (request) => found(request.params.id)(await jobs.status(callerOf(request), request.params.id)),
  );

  app.post(
    `${path}/:id/cancel`,
    { bodyLimit: 1024, schema: { tags, security, params: BacktestParamsPath, response: { 200: BacktestStatus, ...errors } } },
    async (request) => found(request.params.id)(await jobs.cancel(callerOf(request), request.params.id)),
  );
};
