import { describe, expect, it } from 'vitest';
import { retryAfterMs, scrubUpstreamText } from '../../../src/hub/llm/classify-error.js';
import { createClientCache } from '../../../src/hub/llm/client-cache.js';

describe('retryAfterMs', () => {
  const at = Date.parse('2025-01-01T00:00:00Z');
  it.each([
    [{ 'retry-after-ms': '250' }, 250],
    [{ 'retry-after': '7' }, 7_000],
    [{ 'retry-after': '1.5' }, 1_500],
    [{ 'retry-after': 'Wed, 01 Jan 2025 00:00:20 GMT' }, 20_000],
    [{ 'retry-after': 'Tue, 31 Dec 2024 23:59:00 GMT' }, 0],
    [{ 'retry-after': 'soon' }, undefined],
    [{}, undefined],
  ])('%j → %s', (headers, expected) => {
    expect(retryAfterMs(new Headers(headers as Record<string, string>), at)).toBe(expected);
  });
});

describe('scrubUpstreamText', () => {
  it('removes the key, key-shaped tokens, and cuts long text', () => {
    const out = scrubUpstreamText('bad key sk-proj-abcdefghijkl and AIzaSyA1234567890 and secret123456', 'secret123456');
    expect(out).toBe('bad key [redacted] and [redacted] and [redacted]');
    expect(scrubUpstreamText('x'.repeat(500), 'k').length).toBe(200);
  });
});

describe('client cache', () => {
  const base = { provider: 'openai' as const, baseUrl: 'http://127.0.0.1:1/v1', timeoutMs: 1000 };
  it('reuses a client per (provider, base URL, key) and drops the least recently used', () => {
    const cache = createClientCache(2);
    const a = cache.get({ ...base, apiKey: 'key-a' });
    expect(cache.get({ ...base, apiKey: 'key-a' })).toBe(a);
    const b = cache.get({ ...base, apiKey: 'key-b' });
    expect(b).not.toBe(a);
    expect(cache.get({ ...base, provider: 'deepseek', apiKey: 'key-a' })).not.toBe(a);
    expect(cache.size).toBe(2);
    expect(cache.get({ ...base, apiKey: 'key-a' })).not.toBe(a); // evicted
  });
});
