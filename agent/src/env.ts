/**
 * The agent's environment: `HUB_URL`, `AGENT_ID`, `AGENT_TOKEN` or `AGENT_TOKEN_FILE`, `PORT`
 * (default 8000) and `HOST` (default 0.0.0.0, the container case; the process runtime passes
 * 127.0.0.1). The swarm runtime hands the token as a Swarm secret file (`AGENT_TOKEN_FILE`,
 * under /run/secrets) so it never sits in the service's environment; the other runtimes set
 * `AGENT_TOKEN`.
 */
import { readFileSync } from 'node:fs';
import { AgentEnvError } from './errors.js';

export interface AgentEnv {
  /** May be empty: `StartRequest.hubUrl` then has to provide it. */
  hubUrl: string;
  agentId: string;
  token: string;
  port: number;
  host: string;
}

/** The token from AGENT_TOKEN, else from the file AGENT_TOKEN_FILE names (its whitespace trimmed). */
function readToken(env: NodeJS.ProcessEnv, readFile: (path: string) => string): string {
  const direct = env.AGENT_TOKEN?.trim() ?? '';
  if (direct) return direct;
  const file = env.AGENT_TOKEN_FILE?.trim() ?? '';
  if (!file) throw new AgentEnvError('AGENT_TOKEN or AGENT_TOKEN_FILE is required');
  let text: string;
  try {
    text = readFile(file);
  } catch (error) {
    throw new AgentEnvError(`AGENT_TOKEN_FILE ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const token = text.trim();
  if (!token) throw new AgentEnvError(`AGENT_TOKEN_FILE ${file} is empty`);
  return token;
}

export function readAgentEnv(env: NodeJS.ProcessEnv, readFile = (path: string) => readFileSync(path, 'utf8')): AgentEnv {
  const agentId = env.AGENT_ID?.trim() ?? '';
  if (!agentId) throw new AgentEnvError('AGENT_ID is required');
  const token = readToken(env, readFile);
  const portText = env.PORT?.trim() || '8000';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new AgentEnvError(`PORT must be 0..65535, got ${JSON.stringify(portText)}`);
  const hubUrl = env.HUB_URL?.trim() ?? '';
  if (hubUrl && !/^https?:\/\/\S+$/.test(hubUrl)) throw new AgentEnvError('HUB_URL must be an http(s) URL');
  return { hubUrl, agentId, token, port, host: env.HOST?.trim() || '0.0.0.0' };
}
