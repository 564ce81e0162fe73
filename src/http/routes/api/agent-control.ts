/**
 * Controls of one of the caller's agents, through the same hub services as the chat's buttons
 * (lifecycle, settings): `POST /api/v1/agents/:id/start`, `…/stop` (`closePosition`),
 * `…/force-exit` (`tradeId`: the position the trader was shown; never one opened since),
 * `…/pause` (no new entries; the open position stays managed) and `…/resume` (entries again;
 * it does not start a stopped agent: that is `start`). Answers the agent afterwards, the close
 * made (force exit) and what happened in words. 409 when the agent's state does not allow it.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { AgentView } from '../../../hub/agents/agent-view.js';
import type { PauseChange } from '../../../hub/agents/agent-settings.js';
import {
  API_PREFIX,
  ApiAgentParams,
  ControlResponse,
  ErrorBody,
  ForceExitRequest,
  StopAgentRequest,
  type OrderResult,
} from '../../../shared/wire.js';
import { callerOf } from './api-errors.js';
import type { ApiServices } from './services.js';
import { toCloseFill, toDetail } from './views.js';

const security = [{ bearer: [] }];
const schemaOf = (summary: string) => ({
  tags: ['agent control'],
  summary,
  security,
  params: ApiAgentParams,
  response: {
    200: ControlResponse,
    400: ErrorBody,
    401: ErrorBody,
    403: ErrorBody,
    404: ErrorBody,
    409: ErrorBody,
    429: ErrorBody,
    502: ErrorBody,
  },
});

const isActive = (a: AgentView) => a.status === 'starting' || a.status === 'running' || a.status === 'stopping';

function answer(agent: AgentView, message: string, closed: OrderResult | null = null) {
  return { agent: toDetail(agent), closed: toCloseFill(closed), message };
}

function stopWords(a: AgentView): string {
  return a.position
    ? `${a.name} stopped. It still holds an open position: nothing manages it while the agent is stopped; force exit closes it.`
    : `${a.name} stopped.`;
}

function forceExitWords(agent: AgentView, closed: OrderResult | null): string {
  const keeps = isActive(agent) ? 'It keeps running.' : `It stays ${agent.status}.`;
  if (closed && !closed.replayed) return `${agent.name}: force exit done, closed at ${closed.price}. ${keeps}`;
  if (closed)
    return `${agent.name}: the position was closed already${closed.closeReason ? ` (${closed.closeReason})` : ''}. Nothing more was closed.`;
  if (agent.position) return `${agent.name} no longer holds the position you confirmed; it now holds another one. Nothing was closed.`;
  return `${agent.name} holds no open position now. Nothing was closed.`;
}

function pauseWords(paused: boolean, change: PauseChange): string {
  const { agent } = change;
  let text = paused
    ? change.changed
      ? `${agent.name} paused: it opens no new position; an open one stays managed (TP/SL, supervisor, drawdown stop).`
      : `${agent.name} is already paused.`
    : change.changed
      ? `${agent.name} resumed: new entries are allowed again.`
      : `${agent.name} is not paused.`;
  if (change.notApplied) text += ` The running agent has not taken it yet (${change.notApplied}).`;
  return text;
}

export const agentControlRoutes: FastifyPluginAsync<ApiServices> = async (fastify, { hub }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const path = (action: string) => `${API_PREFIX}/agents/:id/${action}`;
  const opts = { bodyLimit: 4096 };

  app.post(path('start'), { ...opts, schema: schemaOf('Start the agent') }, async (request) => {
    const agent = await hub.lifecycle.start(callerOf(request), request.params.id);
    return answer(agent, `${agent.name} is running.`);
  });

  app.post(path('stop'), { ...opts, schema: { ...schemaOf('Stop the agent'), body: StopAgentRequest } }, async (request) => {
    const agent = await hub.lifecycle.stop(callerOf(request), request.params.id, { closePosition: request.body?.closePosition });
    return answer(agent, stopWords(agent));
  });

  app.post(
    path('force-exit'),
    { ...opts, schema: { ...schemaOf('Close the shown position at the market now'), body: ForceExitRequest } },
    async (request) => {
      const { agent, closed } = await hub.lifecycle.forceExit(callerOf(request), request.params.id, request.body.tradeId);
      return answer(agent, forceExitWords(agent, closed), closed);
    },
  );

  for (const [action, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    app.post(path(action), { ...opts, schema: schemaOf(paused ? 'Pause entries' : 'Allow entries again') }, async (request) => {
      const change = await hub.settings.setPaused(callerOf(request), request.params.id, paused);
      return answer(change.agent, pauseWords(paused, change));
    });
  }
};
