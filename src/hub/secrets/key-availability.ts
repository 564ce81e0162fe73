/**
 * Which keys a trader can use for an agent, without decrypting any: the LLM providers with a key
 * (the agent's, the trader's or, where the policy allows, the server's) and whether live trading
 * has its HashKey key and secret. The chat's /create and the client API's new-agent form offer
 * and accept exactly these.
 */
import { LLM_PROVIDERS, type LlmProvider } from '../agents/agent-input.js';
import { ValidationError } from '../errors.js';
import { EXCHANGE_SECRETS, PROVIDER_SECRET } from './secret-names.js';
import type { Vault } from './vault.js';

type KeySource = Pick<Vault, 'source'>;

/** Providers whose key `userId` (for agent `agentId`, when editing one) can use. */
export async function availableLlmProviders(vault: KeySource, userId: string, agentId?: string): Promise<LlmProvider[]> {
  const out: LlmProvider[] = [];
  for (const p of LLM_PROVIDERS) if (await vault.source(userId, PROVIDER_SECRET[p], agentId)) out.push(p);
  return out;
}

/** True when `userId` has every HashKey credential live trading needs. */
export async function hasExchangeKeys(vault: KeySource, userId: string, agentId?: string): Promise<boolean> {
  for (const name of EXCHANGE_SECRETS) if (!(await vault.source(userId, name, agentId))) return false;
  return true;
}

/**
 * Refuses (`ValidationError`) a new agent's LLM provider or live mode that the creator has no key
 * for; the chat never offers them, the API answers 400 with these words.
 */
export async function checkKeysFor(
  vault: KeySource,
  userId: string,
  settings: { llmProvider?: string | null; liveMode?: boolean },
): Promise<void> {
  const provider = settings.llmProvider;
  if (provider && !(await availableLlmProviders(vault, userId)).includes(provider as LlmProvider))
    throw new ValidationError(
      'llmProvider',
      `There is no ${provider} key for you yet. Store one with /secrets in the chat, or choose none.`,
    );
  if (settings.liveMode && !(await hasExchangeKeys(vault, userId)))
    throw new ValidationError(
      'liveMode',
      'Live trading needs your own HashKey API key and secret: store them with /secrets in the chat first.',
    );
}
