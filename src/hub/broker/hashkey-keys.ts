/**
 * The owner's HashKey Global credentials, as the broker and the bot use them:
 * - `createHashKeyExchangeFactory` resolves the key and secret from the vault (agent override →
 *   user → env, under `HASHKEY_API_KEY` / `HASHKEY_SECRET`) and builds the `Exchange` a live
 *   agent trades through; exchanges are reused per credential pair (their symbol-rule cache too).
 * - `verifyHashKeyKeys` is the key check when a user saves keys: it calls the signed account
 *   endpoint and says whether the keys authenticate. Its messages never contain the key or secret.
 */
import { createHash } from 'node:crypto';
import { scrubSecrets } from '../../logger.js';
import { HubError } from '../errors.js';
import { ExchangeError, type Exchange } from '../exchange/exchange.js';
import { createHashKeyClient } from '../exchange/hashkey/client.js';
import { HashKeyApiError } from '../exchange/hashkey/errors.js';
import { createHashKeyExchange, type HashKeyExchangeOptions } from '../exchange/hashkey/exchange.js';
import { HASHKEY_API_KEY_NAME, HASHKEY_API_SECRET_NAME } from '../secrets/secret-names.js';
import type { SecretResolver } from '../secrets/secret-resolver.js';
import type { ExchangeFactory } from './broker.js';

export interface HashKeyConnectionOptions {
  /** Overrides `sandbox` (e.g. `HASHKEY_BASE_URL`, or a local stand-in server in tests). */
  baseUrl?: string;
  /** The sandbox host instead of production (`HASHKEY_SANDBOX`). */
  sandbox?: boolean;
  /** Per-request timeout, ms (client default 10 000). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface HashKeyExchangeFactoryOptions extends HashKeyConnectionOptions {
  secrets: Pick<SecretResolver, 'resolve'>;
  /** Passed to each exchange (fill polling, symbol cache). */
  exchange?: HashKeyExchangeOptions;
  /** Most exchanges kept for reuse (oldest dropped first). Default 256. */
  maxCached?: number;
}

/** sha256 of the pair, so the cache holds no secret text as a key. */
function fingerprint(apiKey: string, secret: string): string {
  return createHash('sha256').update(apiKey).update('\0').update(secret).digest('hex');
}

/** `exchangeFor(ownerId, agentId)` for `createBroker`; undefined when key or secret is missing. */
export function createHashKeyExchangeFactory(options: HashKeyExchangeFactoryOptions): ExchangeFactory {
  const cache = new Map<string, Exchange>();
  const maxCached = options.maxCached ?? 256;
  return async (ownerId, agentId) => {
    const [apiKey, secret] = await Promise.all([
      options.secrets.resolve(ownerId, HASHKEY_API_KEY_NAME, agentId),
      options.secrets.resolve(ownerId, HASHKEY_API_SECRET_NAME, agentId),
    ]);
    if (!apiKey || !secret) return undefined;
    const id = fingerprint(apiKey, secret);
    const known = cache.get(id);
    if (known) return known;
    const client = createHashKeyClient({
      apiKey,
      secret,
      baseUrl: options.baseUrl,
      sandbox: options.sandbox,
      timeoutMs: options.timeoutMs,
      fetch: options.fetch,
    });
    const exchange = createHashKeyExchange(client, options.exchange);
    cache.set(id, exchange);
    if (cache.size > maxCached) cache.delete(cache.keys().next().value as string);
    return exchange;
  };
}

/**
 * Outcome of a key check:
 * - `valid`: the account endpoint answered with these keys;
 * - `invalid`: the exchange refused them (wrong key or secret, expired, IP not whitelisted, a
 *   sandbox key on production or the reverse); do not save them;
 * - `unreachable`: no verdict (network, rate limit, exchange error); try again later.
 * `message` is for the user and never contains the key or the secret.
 */
export type KeyCheckResult = { status: 'valid' } | { status: 'invalid' | 'unreachable'; message: string };

export async function verifyHashKeyKeys(apiKey: string, secret: string, options: HashKeyConnectionOptions = {}): Promise<KeyCheckResult> {
  const key = apiKey.trim();
  const sec = secret.trim();
  if (!key || !sec) return { status: 'invalid', message: 'Both the API key and the secret are needed.' };
  const client = createHashKeyClient({
    apiKey: key,
    secret: sec,
    baseUrl: options.baseUrl,
    sandbox: options.sandbox,
    timeoutMs: options.timeoutMs,
    fetch: options.fetch,
  });
  try {
    await createHashKeyExchange(client).checkCredentials();
    return { status: 'valid' };
  } catch (error) {
    const clean = (text: string) => scrubSecrets(text, [key, sec]);
    if (error instanceof ExchangeError && error.kind === 'auth') {
      const detail = error instanceof HashKeyApiError ? ` (HashKey said: ${error.code} ${error.msg})` : '';
      return {
        status: 'invalid',
        message: clean(
          `HashKey Global did not accept these keys${detail}. Check that they were copied whole, are enabled for reading and spot trading, allow this server's IP, and belong to the ${options.sandbox ? 'sandbox' : 'production'} environment.`,
        ),
      };
    }
    const reason = error instanceof ExchangeError ? error.message : 'unexpected error';
    return { status: 'unreachable', message: clean(`Could not check the keys with HashKey Global right now: ${reason}. Try again later.`) };
  }
}

/**
 * The vault check for a HashKey key pair, for `vault.setVerifier('HASHKEY_SECRET', …)`: the
 * secret completes the pair, so it is the one verified, together with the API key saved just
 * before it in the same scope. Throws a `HubError` whose user message says what was wrong.
 */
export function hashKeyPairVerifier(secrets: Pick<SecretResolver, 'resolve'>, options: HashKeyConnectionOptions = {}) {
  return async (secret: string, { ownerId, scope }: { ownerId: string; scope: string }): Promise<void> => {
    const apiKey = await secrets.resolve(ownerId, HASHKEY_API_KEY_NAME, scope === 'user' ? undefined : scope);
    if (!apiKey) throw new HubError('no API key', 'save the HashKey API key first, then its secret.');
    const check = await verifyHashKeyKeys(apiKey, secret, options);
    if (check.status !== 'valid') throw new HubError('exchange refused the keys', check.message);
  };
}
