/**
 * The secrets a trader (or the server) can hold, with the words the bot uses for them and the
 * LLM provider each key unlocks. The vault refuses any other name.
 */
import type { LlmProvider } from '../agents/agent-input.js';

/** Names under which the HashKey Global credentials are stored (the same names as the env fallback). */
export const HASHKEY_API_KEY_NAME = 'HASHKEY_API_KEY';
export const HASHKEY_API_SECRET_NAME = 'HASHKEY_SECRET';

export const SECRET_NAMES = [
  HASHKEY_API_KEY_NAME,
  HASHKEY_API_SECRET_NAME,
  'OPENAI_API_KEY',
  'ANTHROPIC_API_KEY',
  'DEEPSEEK_API_KEY',
  'GEMINI_API_KEY',
  'TWELVE_DATA_API_KEY',
  'CMC_API_KEY',
] as const;

export type SecretName = (typeof SECRET_NAMES)[number];

export const SECRET_LABELS: Record<SecretName, string> = {
  HASHKEY_API_KEY: 'HashKey API key',
  HASHKEY_SECRET: 'HashKey API secret',
  OPENAI_API_KEY: 'OpenAI key',
  ANTHROPIC_API_KEY: 'Anthropic key',
  DEEPSEEK_API_KEY: 'DeepSeek key',
  GEMINI_API_KEY: 'Gemini key',
  TWELVE_DATA_API_KEY: 'Twelve Data key',
  CMC_API_KEY: 'CoinMarketCap key',
};

/** The key each LLM provider needs. */
export const PROVIDER_SECRET: Record<LlmProvider, SecretName> = {
  openai: 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
  deepseek: 'DEEPSEEK_API_KEY',
  gemini: 'GEMINI_API_KEY',
};

/** Both halves of the exchange credentials; live trading needs the two. */
export const EXCHANGE_SECRETS: readonly SecretName[] = [HASHKEY_API_KEY_NAME, HASHKEY_API_SECRET_NAME];

export function isSecretName(value: string): value is SecretName {
  return (SECRET_NAMES as readonly string[]).includes(value);
}
