/**
 * The agent's environment: `HUB_URL`, `AGENT_ID`, `AGENT_TOKEN`, `PORT` (default 8000) and
 * `HOST` (default 0.0.0.0, the container case; the process runtime passes 127.0.0.1).
 */
import { AgentEnvError } from './errors.js';

export interface AgentEnv {
  /** May be empty: `StartRequest.hubUrl` then has to provide it. */
  hubUrl: string;
  agentId: string;
  token: string;
  port: number;
  host: string;
}

export function readAgentEnv(env: NodeJS.ProcessEnv): AgentEnv {
  const agentId = env.AGENT_ID?.trim() ?? '';
  const token = env.AGENT_TOKEN?.trim() ?? '';
  if (!agentId) throw new AgentEnvError('AGENT_ID is required');
  if (!token) throw new AgentEnvError('AGENT_TOKEN is required');
  const portText = env.PORT?.trim() || '8000';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new AgentEnvError(`PORT must be 0..65535, got ${JSON.stringify(portText)}`);
  const hubUrl = env.HUB_URL?.trim() ?? '';
  if (hubUrl && !/^https?:\/\/\S+$/.test(hubUrl)) throw new AgentEnvError('HUB_URL must be an http(s) URL');
  return { hubUrl, agentId, token, port, host: env.HOST?.trim() || '0.0.0.0' };
}
