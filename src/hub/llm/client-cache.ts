/**
 * SDK clients cached per (provider, base URL, key hash): building an `OpenAI` client is cheap but
 * not free, and one per call would also throw away its connection pool. The cache key holds a
 * SHA-256 prefix of the API key, never the key; the bounded size drops the least recently used
 * client, so rotated keys do not pile up.
 */
import { createHash } from 'node:crypto';
import OpenAI from 'openai';
import type { LlmProvider } from './providers.js';

export interface ClientSettings {
  provider: LlmProvider;
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

export interface ClientCache {
  get(settings: ClientSettings): OpenAI;
  readonly size: number;
}

export function keyHash(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex').slice(0, 16);
}

export function createClientCache(maxClients = 64): ClientCache {
  const clients = new Map<string, OpenAI>();
  return {
    get(settings) {
      const id = `${settings.provider}|${settings.baseUrl}|${keyHash(settings.apiKey)}`;
      const cached = clients.get(id);
      if (cached) {
        clients.delete(id);
        clients.set(id, cached);
        return cached;
      }
      const client = new OpenAI({
        apiKey: settings.apiKey,
        baseURL: settings.baseUrl,
        timeout: settings.timeoutMs,
        // The gateway retries itself (see gateway.ts): the SDK would honour a retry-after of up
        // to a minute while the agent's request waits.
        maxRetries: 0,
        fetch: settings.fetch,
        // Do not let OPENAI_ORG_ID / OPENAI_PROJECT_ID from the hub's env travel to other
        // providers, nor OPENAI_LOG print requests.
        organization: null,
        project: null,
        webhookSecret: null,
        logLevel: 'off',
      });
      clients.set(id, client);
      if (clients.size > maxClients) {
        const oldest = clients.keys().next().value;
        if (oldest !== undefined) clients.delete(oldest);
      }
      return client;
    },
    get size() {
      return clients.size;
    },
  };
}
