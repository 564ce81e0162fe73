/**
 * The exchange's symbols and their trading rules, from `exchangeInfo`: reused for a while, and
 * loaded once for however many callers ask at the same time.
 */
import type { HashKeyClient } from './client.js';
import { UnknownSymbolError } from './errors.js';
import type { SymbolInfo } from './responses.js';

export interface SymbolCacheOptions {
  /** How long one `exchangeInfo` answer is reused, ms. */
  ttlMs: number;
  /** Clock, epoch ms. */
  now: () => number;
}

/** `symbolInfo(symbol)`: the symbol's listing and rules; throws `UnknownSymbolError` for one the exchange does not list. */
export function createSymbolCache(client: Pick<HashKeyClient, 'exchangeInfo'>, { ttlMs, now }: SymbolCacheOptions) {
  let symbols: { at: number; bySymbol: Map<string, SymbolInfo> } | undefined;
  let loading: Promise<Map<string, SymbolInfo>> | undefined;

  async function symbolMap(): Promise<Map<string, SymbolInfo>> {
    if (symbols && now() - symbols.at < ttlMs) return symbols.bySymbol;
    // Coalesce concurrent loads into one exchangeInfo call (weight 5).
    loading ??= client
      .exchangeInfo()
      .then((info) => {
        const bySymbol = new Map(info.symbols.map((s) => [s.symbol, s]));
        symbols = { at: now(), bySymbol };
        return bySymbol;
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  }

  return async function symbolInfo(symbol: string): Promise<SymbolInfo> {
    const info = (await symbolMap()).get(symbol);
    if (!info) throw new UnknownSymbolError(symbol);
    return info;
  };
}
