/**
 * The agent's way to the hub when the hub runs as several replicas on one database
 * (docs/architecture.md, "Two hubs, one database"): a list of hub URLs, one of them current.
 *
 * Every request goes to the current URL. When it fails in a way that says "this replica is
 * gone" (no answer: connection refused or reset, timeout; or a 502/503/504 from it or a proxy
 * before it), the next URL becomes current (sticky: later requests stay there while it works) and
 * the request is sent once more there. Other answers, 4xx above all, are the hub speaking and
 * are returned as they are: another replica would say the same.
 *
 * Sending a request again on another replica is safe because the replicas share one database:
 * pushes carry `seq`s or idempotency keys and orders their `idempotencyKey`, so an order the
 * first replica executed before it died is answered by the second from the stored result
 * (`replayed`), never filled twice. An LLM completion has no key; it is sent again like any
 * retry of it would be.
 */
import { safeUrl } from './agent-log.js';
import { HubRequestError } from './errors.js';
import type { HubFetch } from './http-fetch.js';
import { createHubTransport, type HubTransport } from './hub-request.js';
import type { WireLogLevel } from '../../src/shared/wire.js';

export interface FailoverTransportOptions {
  /** Hub base URLs, in order of preference; at least one. */
  baseUrls: readonly string[];
  /** The agent token sent as `Authorization: Bearer …`; never logged. */
  token: string;
  /** Default: `httpFetch` (node:http); the global `fetch` fits too. */
  fetch?: HubFetch;
  /** Told (warn) when the current hub URL changes; URLs are logged without credentials. */
  diagnostic?: (level: WireLogLevel, message: string) => void;
}

export interface FailoverTransport {
  request: HubTransport;
  /** The URL requests go to now. */
  current(): string;
}

/** Statuses a gateway or a replica going away answers with. */
const FAILOVER_STATUSES = new Set([502, 503, 504]);

/** True when `err` means "this replica did not serve the request": no answer at all, or 502/503/504. */
export function isFailoverTrigger(err: unknown): boolean {
  if (!(err instanceof HubRequestError)) return false;
  return err.status === null || FAILOVER_STATUSES.has(err.status);
}

/** Distinct, non-empty URLs without trailing slashes, in their first order. */
export function normaliseHubUrls(urls: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const url of urls) {
    const trimmed = url.trim().replace(/\/+$/, '');
    if (trimmed) seen.add(trimmed);
  }
  return [...seen];
}

export function createFailoverTransport(opts: FailoverTransportOptions): FailoverTransport {
  const urls = normaliseHubUrls(opts.baseUrls);
  if (urls.length === 0) throw new RangeError('createFailoverTransport: at least one hub URL is required');
  const transports = urls.map((baseUrl) => createHubTransport({ baseUrl, token: opts.token, fetch: opts.fetch }));
  const diagnostic = opts.diagnostic ?? (() => {});
  let current = 0;

  /** Moves on from `failed` (unless a concurrent request did already); returns the index to use now. */
  function moveOn(failed: number, err: HubRequestError): number {
    if (current === failed) {
      current = (failed + 1) % urls.length;
      diagnostic('warn', `hub ${safeUrl(urls[failed]!)} failed (${err.message}); switching to hub ${safeUrl(urls[current]!)}`);
    }
    return current;
  }

  async function request<T>(req: Parameters<HubTransport>[0]): Promise<T> {
    const first = current;
    try {
      return await transports[first]!<T>(req);
    } catch (err) {
      if (urls.length < 2 || !isFailoverTrigger(err)) throw err;
      const next = moveOn(first, err as HubRequestError);
      try {
        return await transports[next]!<T>(req);
      } catch (again) {
        // Both failed: the next attempt (the caller's retry, after its backoff) starts further on.
        if (next !== first && isFailoverTrigger(again)) moveOn(next, again as HubRequestError);
        throw again;
      }
    }
  }

  return { request, current: () => urls[current]! };
}
