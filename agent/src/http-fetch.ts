/**
 * The agent's HTTP client for the hub: the subset of `fetch` the hub transport uses, over
 * `node:http` (or `node:https` for an https hub) with kept-alive connections.
 *
 * Why not the global `fetch`: Node's implementation (undici, with its WebAssembly HTTP parser)
 * costs each agent about 9 MB of resident memory on first use, for requests `node:http` (already
 * loaded for the agent's own server) makes as well. See docs/architecture.md, "How many agents
 * per host".
 */
import http from 'node:http';
import type { RequestOptions } from 'node:https';

/** The part of a fetch `Response` the hub transport reads. */
export interface HubResponse {
  ok: boolean;
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

export interface HubFetchInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

/** What the hub transport calls; the global `fetch` fits too (tests inject it). */
export type HubFetch = (url: string, init: HubFetchInit) => Promise<HubResponse>;

/** Connections to the hub stay open between ticks (as fetch's pool keeps them). */
const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 8 });
let tlsAgent: Promise<{ request: typeof http.request; agent: http.Agent }> | undefined;

/** `node:https` is loaded only by an agent whose hub is served over TLS. */
function tls() {
  return (tlsAgent ??= import('node:https').then((https) => ({
    request: https.request,
    agent: new https.Agent({ keepAlive: true, maxSockets: 8 }),
  })));
}

/** Sends one request; rejects on a network error or abort (the error's `code`, e.g. ECONNREFUSED, says which). */
export const httpFetch: HubFetch = async (url, init) => {
  const target = new URL(url);
  const { request, agent } = target.protocol === 'https:' ? await tls() : { request: http.request, agent: keepAlive };
  const headers: Record<string, string | number> = { ...init.headers };
  if (init.body !== undefined) headers['content-length'] = Buffer.byteLength(init.body);
  const options: RequestOptions = { method: init.method, headers, agent, signal: init.signal };
  return new Promise<HubResponse>((resolve, reject) => {
    const req = request(target, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('error', reject);
      res.once('close', () => {
        if (!res.complete) reject(Object.assign(new Error('the hub closed the connection mid-answer'), { code: 'ECONNRESET' }));
      });
      res.once('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        resolve({
          ok: status >= 200 && status < 300,
          status,
          headers: { get: (name) => headerValue(res.headers[name.toLowerCase()]) },
          text: () => Promise.resolve(text),
        });
      });
    });
    req.once('error', reject);
    req.end(init.body);
  });
};

function headerValue(v: string | string[] | undefined): string | null {
  if (v === undefined) return null;
  return Array.isArray(v) ? v.join(', ') : v;
}
