/**
 * The price the broker sizes and fills orders on, as a narrow interface, so the broker depends
 * on the market layer only through it (the composition root, src/hub/hub.ts, adapts the market).
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
