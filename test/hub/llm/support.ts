/**
 * Shared fixtures of the LLM gateway tests: a layered secret resolver with the vault's contract
 * (agent override → user → env), base URLs that send every provider to its own path on one local
 * server, and a logger whose output the tests can search for leaked keys.
 */
import { Writable } from 'node:stream';
import type { SecretResolver } from '../../../src/hub/secrets/secret-resolver.js';
import type { LlmProvider } from '../../../src/hub/llm/providers.js';
import { createLogger, type Logger } from '../../../src/logger.js';

export interface LayeredSecrets extends Pick<SecretResolver, 'lookup'> {
  env: Map<string, string>;
  /** `${ownerId}|${name}` → value */
  user: Map<string, string>;
  /** `${agentId}|${name}` → value */
  agent: Map<string, string>;
  calls: Array<{ ownerId: string; name: string; agentId?: string }>;
}

export function layeredSecrets(): LayeredSecrets {
  const env = new Map<string, string>();
  const user = new Map<string, string>();
  const agent = new Map<string, string>();
  const calls: LayeredSecrets['calls'] = [];
  return {
    env,
    user,
    agent,
    calls,
    async lookup(ownerId, name, agentId) {
      calls.push({ ownerId, name, agentId });
      const layers = [
        ['agent', agentId ? agent.get(`${agentId}|${name}`) : undefined],
        ['user', user.get(`${ownerId}|${name}`)],
        ['server', env.get(name)],
      ] as const;
      const hit = layers.find(([, value]) => value !== undefined);
      return hit ? { value: hit[1]!, source: hit[0] } : undefined;
    },
  };
}

/** Paths mimic each provider's real base URL shape. */
export const PROVIDER_PATHS: Record<LlmProvider, string> = {
  openai: '/openai/v1',
  anthropic: '/anthropic/v1/',
  deepseek: '/deepseek',
  gemini: '/gemini/v1beta/openai/',
};

export function localBaseUrls(serverUrl: string): Record<LlmProvider, string> {
  return Object.fromEntries(Object.entries(PROVIDER_PATHS).map(([p, path]) => [p, `${serverUrl}${path}`])) as Record<LlmProvider, string>;
}

/** The chat-completions path the SDK calls for a provider's base URL. */
export function completionsPath(provider: LlmProvider): string {
  return `${PROVIDER_PATHS[provider].replace(/\/$/, '')}/chat/completions`;
}

export function capturingLogger(): { logger: Logger; output: () => string } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), output: () => chunks.join('') };
}
