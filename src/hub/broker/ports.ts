/**
 * The narrow interfaces the broker leans on, so it depends on neither the market service nor the
 * secrets vault directly (the composition root adapts them).
 */

/** Last traded price of a symbol, quote currency per base unit. */
export interface PriceSource {
  /** `stale` is true when the value could not be refreshed (budget spent, provider down). */
  price(symbol: string): Promise<{ price: number; stale: boolean }>;
}

/** Resolves a secret by name: agent override → user secret → process env. */
export interface SecretResolver {
  resolve(ownerId: string, name: string, agentId?: string): Promise<string | undefined>;
}

/** Names under which the HashKey Global credentials are stored (the same names as the env fallback). */
export const HASHKEY_API_KEY_SECRET = 'HASHKEY_API_KEY';
export const HASHKEY_SECRET_SECRET = 'HASHKEY_SECRET';
