/**
 * The agent's environment: `HUB_URLS` (every hub replica's URL, comma-separated) or `HUB_URL`
 * (one hub), `AGENT_ID`, `AGENT_TOKEN` or `AGENT_TOKEN_FILE`, `PORT`
 * (default 8000) and `HOST` (default 0.0.0.0, the container case; the process runtime passes
 * 127.0.0.1). The swarm runtime hands the token as a Swarm secret file (`AGENT_TOKEN_FILE`,
 * under /run/secrets) so it never sits in the service's environment; the other runtimes set
 * `AGENT_TOKEN`.
 */
import { readFileSync } from 'node:fs';
import { safeUrl } from './agent-log.js';
import { AgentEnvError } from './errors.js';
import { normaliseHubUrls } from './hub-failover.js';

export interface AgentEnv {
  /**
   * Hub URLs in order of preference: `HUB_URLS` when set, else `HUB_URL`. May be empty:
   * `StartRequest.hubUrls` / `hubUrl` then has to provide them.
   */
  hubUrls: string[];
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
  return { hubUrls: readHubUrls(env), agentId, token, port, host: env.HOST?.trim() || '0.0.0.0' };
}

const HTTP_URL = /^https?:\/\/\S+$/;

/** `HUB_URLS` (comma-separated) when set, else `HUB_URL`; each must be an http(s) URL. */
function readHubUrls(env: NodeJS.ProcessEnv): string[] {
  const list = env.HUB_URLS?.trim() ?? '';
  if (list) {
    const urls = list
      .split(',')
      .map((u) => u.trim())
      .filter(Boolean);
    const bad = urls.findIndex((u) => !HTTP_URL.test(u));
    if (bad >= 0) {
      throw new AgentEnvError(`HUB_URLS must be comma-separated http(s) URLs; entry ${bad + 1} (${safeUrl(urls[bad]!)}) is not one`);
    }
    return normaliseHubUrls(urls);
  }
  const hubUrl = env.HUB_URL?.trim() ?? '';
  if (hubUrl && !HTTP_URL.test(hubUrl)) throw new AgentEnvError('HUB_URL must be an http(s) URL');
  return hubUrl ? [hubUrl] : [];
}
