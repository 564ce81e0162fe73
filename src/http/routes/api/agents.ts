/**
 * The caller's agents: `GET /api/v1/me`, `GET /api/v1/create-options`, `GET /api/v1/agents`,
 * `POST /api/v1/agents` and `GET /api/v1/agents/:id`. Every read goes through the agent
 * directory scoped to the caller, so another user's agent id answers 404 like a missing one. A
 * new agent passes the chat's rules (the hub's `validateAgentInput`, `tradableSymbol`, the key
 * checks) and, unless `start: false`, is started like the chat's Launch.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { HubError } from '../../../hub/errors.js';
import { POPULAR_SYMBOLS, tradableSymbol } from '../../../hub/market/symbols.js';
import { availableLlmProviders, checkKeysFor, hasExchangeKeys } from '../../../hub/secrets/key-availability.js';
import {
  AGENT_DEFAULTS,
  AgentDetail,
  AgentList,
  API_PREFIX,
  ApiAgentParams,
  ApiUser,
  CreateAgentRequest,
  CreateAgentResponse,
  CreateOptions,
  ErrorBody,
} from '../../../shared/wire.js';
import { callerOf } from './api-errors.js';
import type { ApiServices } from './services.js';
import { toApiUser, toDetail, toListItem } from './views.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const security = [{ bearer: [] }];

/** The served pairs, popular ones first (as /symbols lists them). */
function symbolsFor(supported: ReadonlySet<string>): string[] {
  const popular = POPULAR_SYMBOLS.map((s) => s.id).filter((id) => supported.has(id));
  return [...popular, ...[...supported].filter((id) => !popular.includes(id)).sort()];
}

export const agentRoutes: FastifyPluginAsync<ApiServices> = async (fastify, { hub, maxLeverage, supportedSymbols }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['agents'];

  app.get(`${API_PREFIX}/me`, { schema: { tags: ['session'], security, response: { 200: ApiUser, ...errors } } }, async (request) => {
    const user = await hub.users.byId(callerOf(request));
    return toApiUser(user!);
  });

  app.get(`${API_PREFIX}/create-options`, { schema: { tags, security, response: { 200: CreateOptions, ...errors } } }, async (request) => {
    const userId = callerOf(request);
    return {
      symbols: symbolsFor(supportedSymbols),
      maxLeverage,
      llmProviders: await availableLlmProviders(hub.vault, userId),
      liveAvailable: await hasExchangeKeys(hub.vault, userId),
      defaults: AGENT_DEFAULTS,
    };
  });

  app.get(`${API_PREFIX}/agents`, { schema: { tags, security, response: { 200: AgentList, ...errors } } }, async (request) => ({
    agents: (await hub.agents.list(callerOf(request))).map(toListItem),
  }));

  app.get(
    `${API_PREFIX}/agents/:id`,
    { schema: { tags, security, params: ApiAgentParams, response: { 200: AgentDetail, ...errors } } },
    async (request) => toDetail(await hub.agents.find(callerOf(request), request.params.id)),
  );

  app.post(
    `${API_PREFIX}/agents`,
    {
      bodyLimit: 16 * 1024,
      schema: {
        tags,
        security,
        body: CreateAgentRequest,
        response: { 201: CreateAgentResponse, ...errors, 409: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      const userId = callerOf(request);
      const { start = true, ...settings } = request.body;
      const symbol = tradableSymbol(settings.symbol, supportedSymbols);
      await checkKeysFor(hub.vault, userId, settings);
      const created = await hub.agents.create(userId, { ...settings, symbol });
      let startError: string | null = null;
      let agent = created;
      if (start) {
        try {
          agent = await hub.lifecycle.start(userId, created.id);
        } catch (error) {
          if (!(error instanceof HubError)) throw error;
          // Saved but not running, as the chat's Launch leaves it: the trader starts it later.
          startError = error.userMessage;
          agent = await hub.agents.find(userId, created.id);
        }
      }
      return reply.code(201).send({ agent: toDetail(agent), started: start && startError === null, startError });
    },
  );
};
