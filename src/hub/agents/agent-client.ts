/** The hub's HTTP client for one agent's control API (wire.ts: /health, /start, /stop, /status, /config). */
import type { AgentHealth, AgentStatus, LiveConfigPatch, StartRequest, StopRequest } from '../../shared/wire.js';

export class AgentCallError extends Error {
  override name = 'AgentCallError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

async function call<T>(baseUrl: string, token: string, method: 'GET' | 'POST', path: string, body: unknown, timeoutMs: number): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const why = (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (error as Error).message;
    throw new AgentCallError(`${method} ${path}: ${why}`);
  }
  const text = await res.text();
  if (!res.ok) {
    let message = text.slice(0, 300);
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? message;
    } catch {
      /* not JSON */
    }
    throw new AgentCallError(`${method} ${path}: HTTP ${res.status} ${message}`, res.status);
  }
  return (text ? JSON.parse(text) : undefined) as T;
}

export const agentClient = {
  health: (baseUrl: string, token: string, timeoutMs = 1000) => call<AgentHealth>(baseUrl, token, 'GET', '/health', undefined, timeoutMs),
  start: (baseUrl: string, token: string, req: StartRequest, timeoutMs = 10_000) =>
    call<AgentStatus>(baseUrl, token, 'POST', '/start', req, timeoutMs),
  stop: (baseUrl: string, token: string, req: StopRequest, timeoutMs = 15_000) =>
    call<AgentStatus>(baseUrl, token, 'POST', '/stop', req, timeoutMs),
  status: (baseUrl: string, token: string, timeoutMs = 2000) => call<AgentStatus>(baseUrl, token, 'GET', '/status', undefined, timeoutMs),
  config: (baseUrl: string, token: string, patch: LiveConfigPatch, timeoutMs = 5000) =>
    call<AgentStatus>(baseUrl, token, 'POST', '/config', patch, timeoutMs),
};
