/**
 * One HTTP request from the agent to the hub: bearer token, JSON in and out, a timeout, and a
 * classification of failures into retryable (no answer, 5xx, 408, 429) or not (other 4xx).
 * It never retries by itself; `hub-client.ts` (orders) and `hub-push-pump.ts` (pushes) decide
 * what to retry.
 */
import { linkSignals } from './abort.js';
import { AgentStoppingError, HubRequestError } from './errors.js';
import { httpFetch, type HubFetch, type HubResponse } from './http-fetch.js';

export interface HubTransportOptions {
  /** Hub base URL, e.g. `http://artic:9000`. */
  baseUrl: string;
  /** The agent token sent as `Authorization: Bearer …`. */
  token: string;
  /** Default: `httpFetch` (node:http); the global `fetch` fits too. */
  fetch?: HubFetch;
}

export interface HubRequest {
  method: 'GET' | 'POST';
  /** Path with query string, starting with `/`. */
  path: string;
  body?: unknown;
  timeoutMs: number;
  /** Aborting it abandons the request with `AgentStoppingError`. */
  signal?: AbortSignal;
}

export type HubTransport = <T>(req: HubRequest) => Promise<T>;

/** How one push attempt ended: delivered, to be retried later, or refused for good. */
export type PushOutcome = 'ok' | 'retry' | 'dropped';

/** One push (a POST) to the hub, as the push pump makes it; `onAnswer` gets the hub's answer. */
export type PushFn = (path: string, body: unknown, what: string, onAnswer?: (answer: unknown) => void) => Promise<PushOutcome>;

export function createHubTransport(opts: HubTransportOptions): HubTransport {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const doFetch = opts.fetch ?? httpFetch;
  const auth = `Bearer ${opts.token}`;

  return async function request<T>(req: HubRequest): Promise<T> {
    if (req.signal?.aborted) throw new AgentStoppingError(`${req.method} ${pathOnly(req.path)}`);
    const linked = linkSignals([req.signal], req.timeoutMs);
    const signal = linked.signal;
    const what = `${req.method} ${pathOnly(req.path)}`;
    let res: HubResponse;
    let text: string;
    try {
      res = await doFetch(base + req.path, {
        method: req.method,
        headers: {
          authorization: auth,
          accept: 'application/json',
          ...(req.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
        signal,
      });
      text = await res.text();
    } catch (err) {
      if (req.signal?.aborted) throw new AgentStoppingError(what);
      if (linked.timedOut) throw new HubRequestError(`${what}: no answer within ${req.timeoutMs} ms`, req.path, null, true);
      throw new HubRequestError(`${what}: ${describeNetworkError(err)}`, req.path, null, true);
    } finally {
      linked.dispose();
    }
    if (res.ok) {
      if (text === '') return undefined as T;
      try {
        return JSON.parse(text) as T;
      } catch {
        // The hub may have acted (an order may be filled): retrying with the same key is safe.
        throw new HubRequestError(`${what}: ${res.status} with a body that is not JSON`, req.path, res.status, true);
      }
    }
    const { code, message } = parseErrorBody(text);
    const retryable = res.status >= 500 || res.status === 408 || res.status === 429;
    throw new HubRequestError(
      `${what}: ${res.status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`,
      req.path,
      res.status,
      retryable,
      code,
      parseRetryAfter(res.headers.get('retry-after')),
    );
  };
}

function pathOnly(path: string): string {
  const q = path.indexOf('?');
  return q < 0 ? path : path.slice(0, q);
}

function parseErrorBody(text: string): { code: string | null; message: string | null } {
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    return {
      code: typeof body.error === 'string' ? body.error : null,
      message: typeof body.message === 'string' ? body.message.slice(0, 300) : null,
    };
  } catch {
    return { code: null, message: text ? text.slice(0, 200) : null };
  }
}

/** `Retry-After` in seconds (the only form the hub sends) → ms; null when absent or odd. */
function parseRetryAfter(value: string | null): number | null {
  if (!value) return null;
  const s = Number(value);
  return Number.isFinite(s) && s >= 0 ? Math.min(s * 1000, 300_000) : null;
}

function describeNetworkError(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && code !== 'ABORT_ERR') return code;
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}
