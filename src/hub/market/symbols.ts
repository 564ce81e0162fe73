/**
 * Symbol normalisation: every user- or agent-supplied spelling (`BTCUSDT`, `BTC/USD`, `btc-usdt`,
 * `BINANCE:BTCUSDT`, `bitcoin`, `BTC`) is parsed ONCE into a canonical `MarketSymbol`; everything
 * downstream (cache keys, providers, DB rows) uses `id`. Providers get their own spelling through
 * `toTwelveDataSymbol` / `toHashKeySymbol`.
 *
 * For crypto, `USD` is treated as `USDT` (the quote agents trade against on HashKey). `USDC` is kept.
 * What comes out always passes the contract's one symbol rule (`isSymbolId`, src/shared/contract).
 */
import { isSymbolId, SYMBOL_INPUT_MAX_CHARS } from '../../shared/wire.js';
import { ValidationError } from '../errors.js';

/** A canonical trading pair. `id` is `base + quote`, upper case, e.g. `BTCUSDT`. */
export interface MarketSymbol {
  readonly base: string;
  readonly quote: string;
  readonly id: string;
}

/** Quotes we accept, longest first so `…USDT` is not read as `…USD` + `T`. */
const QUOTES = ['USDT', 'USDC', 'USD'] as const;

/** Canonical quote for an accepted quote spelling. */
const QUOTE_ALIASES: Record<string, string> = { USDT: 'USDT', USD: 'USDT', USDC: 'USDC' };

/** Base assets Artic knows, in canonical spelling. */
export const KNOWN_BASES: readonly string[] = [
  'BTC',
  'ETH',
  'SOL',
  'BNB',
  'XRP',
  'ADA',
  'DOGE',
  'AVAX',
  'LINK',
  'DOT',
  'LTC',
  'UNI',
  'ATOM',
  'NEAR',
  'ARB',
  'OP',
  'SUI',
  'APT',
  'PEPE',
  'INJ',
  'TON',
  'POL',
  'RENDER',
  'AAVE',
  'FIL',
  'BCH',
  'ETC',
  'XLM',
  'HBAR',
  'TRX',
  'SHIB',
  'HSK',
];

/** Names and retired tickers mapped to the canonical base (MATIC became POL, RNDR became RENDER). */
const BASE_ALIASES: Record<string, string> = {
  BITCOIN: 'BTC',
  XBT: 'BTC',
  ETHEREUM: 'ETH',
  ETHER: 'ETH',
  SOLANA: 'SOL',
  BINANCECOIN: 'BNB',
  RIPPLE: 'XRP',
  CARDANO: 'ADA',
  DOGECOIN: 'DOGE',
  AVALANCHE: 'AVAX',
  CHAINLINK: 'LINK',
  POLKADOT: 'DOT',
  LITECOIN: 'LTC',
  UNISWAP: 'UNI',
  COSMOS: 'ATOM',
  ARBITRUM: 'ARB',
  OPTIMISM: 'OP',
  APTOS: 'APT',
  INJECTIVE: 'INJ',
  TONCOIN: 'TON',
  MATIC: 'POL',
  POLYGON: 'POL',
  RNDR: 'RENDER',
  TRON: 'TRX',
};

const EXAMPLES = 'BTCUSDT, BTC/USD, eth-usdt, SOL';

/** The input could not be read as a pair Artic knows. The message lists accepted spellings. */
export class UnknownSymbolError extends Error {
  override name = 'UnknownSymbolError';
  constructor(
    readonly input: string,
    reason?: string,
  ) {
    super(
      `Unknown symbol "${input}"${reason ? ` (${reason})` : ''}. ` +
        `Use a pair such as ${EXAMPLES}; known assets: ${KNOWN_BASES.slice(0, 12).join(', ')}, …`,
    );
  }
}

export interface ParseSymbolOptions {
  /** Accept a well-formed base that is not in `KNOWN_BASES` (e.g. a new HashKey listing). Default false. */
  allowUnlisted?: boolean;
}

/** Build a canonical symbol from canonical parts. */
export function marketSymbol(base: string, quote = 'USDT'): MarketSymbol {
  return { base, quote, id: `${base}${quote}` };
}

/**
 * Parse any accepted spelling into a canonical `MarketSymbol`.
 * Throws `UnknownSymbolError` for empty, malformed or (unless `allowUnlisted`) unknown input.
 */
export function parseSymbol(input: string, options: ParseSymbolOptions = {}): MarketSymbol {
  // The same bound as the market routes' `SymbolInput`: no spelling of a pair is longer.
  if (input.length > SYMBOL_INPUT_MAX_CHARS) throw new UnknownSymbolError(input.slice(0, SYMBOL_INPUT_MAX_CHARS), 'too long');
  let text = input.trim().toUpperCase();
  if (!text) throw new UnknownSymbolError(input, 'empty');
  // `BINANCE:BTCUSDT` → `BTCUSDT`; `BTCUSDT-PERPETUAL` → `BTCUSDT`.
  if (text.includes(':')) text = text.slice(text.lastIndexOf(':') + 1);
  text = text.replace(/[-_ ]?(PERPETUAL|PERP)$/, '');

  let base: string;
  let quote: string;
  const parts = text.split(/[/\-_ ]+/).filter(Boolean);
  if (parts.length === 2) {
    [base, quote] = parts as [string, string];
  } else if (parts.length === 1) {
    const single = parts[0]!;
    const aliased = BASE_ALIASES[single] ?? single;
    const suffix = KNOWN_BASES.includes(aliased) ? undefined : QUOTES.find((q) => single.endsWith(q) && single.length > q.length);
    base = suffix ? single.slice(0, -suffix.length) : single;
    quote = suffix ?? 'USDT';
  } else {
    throw new UnknownSymbolError(input, 'expected BASE/QUOTE');
  }

  const canonicalQuote = QUOTE_ALIASES[quote];
  if (!canonicalQuote) throw new UnknownSymbolError(input, `unsupported quote ${quote}; use USDT`);
  const canonicalBase = BASE_ALIASES[base] ?? base;
  const symbol = marketSymbol(canonicalBase, canonicalQuote);
  if (!isSymbolId(symbol.id)) throw new UnknownSymbolError(input, 'malformed base asset');
  if (!options.allowUnlisted && !KNOWN_BASES.includes(canonicalBase)) {
    throw new UnknownSymbolError(input, `unknown asset ${canonicalBase}`);
  }
  return symbol;
}

/** Accept either a raw string or an already canonical symbol. */
export function toMarketSymbol(symbol: string | MarketSymbol, options?: ParseSymbolOptions): MarketSymbol {
  return typeof symbol === 'string' ? parseSymbol(symbol, options) : symbol;
}

/** Twelve Data spelling: `BTC/USD` for USDT pairs (Twelve Data prices crypto against USD), `BTC/USDC` otherwise. */
export function toTwelveDataSymbol(symbol: MarketSymbol): string {
  return `${symbol.base}/${symbol.quote === 'USDT' ? 'USD' : symbol.quote}`;
}

/** HashKey Global spot spelling: `BTCUSDT`. */
export function toHashKeySymbol(symbol: MarketSymbol): string {
  return symbol.id;
}

/** Pairs offered on the bot's keyboard, most traded first. */
export const POPULAR_SYMBOLS: readonly MarketSymbol[] = [
  'BTC',
  'ETH',
  'SOL',
  'BNB',
  'XRP',
  'DOGE',
  'ADA',
  'AVAX',
  'LINK',
  'TON',
  'SUI',
  'LTC',
].map((base) => marketSymbol(base));

const usdtPairs = (bases: readonly string[]): ReadonlySet<string> => new Set(bases.map((b) => `${b}USDT`));

/**
 * Pair ids each provider is known to serve. Twelve Data lists every major crypto against USD;
 * HashKey Global spot lists fewer pairs (check `/api/v1/exchangeInfo` before widening this).
 */
export const SUPPORTED_SYMBOL_IDS = {
  twelvedata: usdtPairs(KNOWN_BASES.filter((b) => b !== 'HSK')),
  hashkey: usdtPairs([
    'BTC',
    'ETH',
    'SOL',
    'XRP',
    'DOGE',
    'ADA',
    'AVAX',
    'LINK',
    'DOT',
    'LTC',
    'UNI',
    'TON',
    'SUI',
    'ARB',
    'OP',
    'PEPE',
    'BNB',
    'HSK',
  ]),
  simulated: usdtPairs(KNOWN_BASES),
} as const;

/**
 * The pair a trader typed, as the canonical id of a pair the server's market data serves; throws
 * `ValidationError('symbol', …)` in the words the chat shows (the client API answers 400 with them).
 */
export function tradableSymbol(input: string, supported: ReadonlySet<string>): string {
  let symbol: MarketSymbol;
  try {
    symbol = parseSymbol(input);
  } catch (error) {
    throw new ValidationError('symbol', error instanceof UnknownSymbolError ? error.message : 'That is not a pair I know. Try BTCUSDT.');
  }
  if (!supported.has(symbol.id))
    throw new ValidationError(
      'symbol',
      `${symbol.id} is not served by the current market data. Send /symbols to see the pairs you can trade, or pick one above.`,
    );
  return symbol.id;
}
