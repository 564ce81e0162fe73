/**
 * The narrow interfaces the broker leans on, so it depends on neither the market service nor the
 * secrets vault directly (the composition root adapts them).
 */

/** A last traded price, quote currency per base unit, and how far to trust it. */
export interface Quote {
  price: number;
  /** True when the value could not be refreshed (budget spent, provider down). */
  stale: boolean;
  /** When the price was observed, epoch ms. */
  at: number;
  /** Synthetic market data (MARKET_DATA=simulated): never sizes a live order. */
  simulated: boolean;
}

/** Last traded price of a symbol. */
export interface PriceSource {
  /** `maxAgeMs`: a cached price older than this is refreshed first (a live order asks for one). */
  price(symbol: string, options?: { maxAgeMs?: number }): Promise<Quote>;
}

/** Resolves a secret by name: agent override → user secret → process env. */
export interface SecretResolver {
  resolve(ownerId: string, name: string, agentId?: string): Promise<string | undefined>;
}

/** Names under which the HashKey Global credentials are stored (the same names as the env fallback). */
export const HASHKEY_API_KEY_SECRET = 'HASHKEY_API_KEY';
export const HASHKEY_SECRET_SECRET = 'HASHKEY_SECRET';
