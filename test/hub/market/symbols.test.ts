import { describe, expect, it } from 'vitest';
import {
  parseSymbol,
  POPULAR_SYMBOLS,
  SUPPORTED_SYMBOL_IDS,
  toHashKeySymbol,
  toTwelveDataSymbol,
  UnknownSymbolError,
} from '../../../src/hub/market/symbols.js';

describe('parseSymbol', () => {
  it.each([
    'BTCUSDT',
    'BTC/USD',
    'btc-usdt',
    'BTC',
    'btc/usdt',
    ' BTC_USDT ',
    'BINANCE:BTCUSDT',
    'BTCUSDT-PERPETUAL',
    'bitcoin',
    'XBT/USD',
    'BTCUSD',
  ])('%s → BTCUSDT', (input) => {
    expect(parseSymbol(input)).toEqual({ base: 'BTC', quote: 'USDT', id: 'BTCUSDT' });
  });

  it('maps retired tickers and keeps USDC distinct', () => {
    expect(parseSymbol('MATICUSDT').id).toBe('POLUSDT');
    expect(parseSymbol('rndr').id).toBe('RENDERUSDT');
    expect(parseSymbol('OPUSDT')).toEqual({ base: 'OP', quote: 'USDT', id: 'OPUSDT' });
    expect(parseSymbol('SOL/USDC')).toEqual({ base: 'SOL', quote: 'USDC', id: 'SOLUSDC' });
  });

  it('throws a typed error with examples for unknown or malformed input', () => {
    for (const input of ['', 'FOOBARUSDT', 'BTC/EUR', 'A/B/C', 'USDT', '$$$']) {
      const error = (() => {
        try {
          parseSymbol(input);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error, input).toBeInstanceOf(UnknownSymbolError);
      expect((error as UnknownSymbolError).name).toBe('UnknownSymbolError');
      expect((error as Error).message).toContain('BTCUSDT, BTC/USD');
    }
  });

  it('accepts unlisted well-formed bases only when asked', () => {
    expect(() => parseSymbol('NEWCOINUSDT')).toThrow(UnknownSymbolError);
    expect(parseSymbol('NEWCOINUSDT', { allowUnlisted: true }).id).toBe('NEWCOINUSDT');
  });
});

describe('provider spellings and sets', () => {
  it('spells pairs per provider', () => {
    const btc = parseSymbol('btc-usdt');
    expect(toTwelveDataSymbol(btc)).toBe('BTC/USD');
    expect(toHashKeySymbol(btc)).toBe('BTCUSDT');
    expect(toTwelveDataSymbol(parseSymbol('ETH/USDC'))).toBe('ETH/USDC');
  });

  it('popular symbols are canonical and served by Twelve Data and the simulator', () => {
    expect(POPULAR_SYMBOLS[0]).toEqual({ base: 'BTC', quote: 'USDT', id: 'BTCUSDT' });
    for (const s of POPULAR_SYMBOLS) {
      expect(parseSymbol(s.id)).toEqual(s);
      expect(SUPPORTED_SYMBOL_IDS.twelvedata.has(s.id)).toBe(true);
      expect(SUPPORTED_SYMBOL_IDS.simulated.has(s.id)).toBe(true);
    }
    expect(SUPPORTED_SYMBOL_IDS.hashkey.has('BTCUSDT')).toBe(true);
  });
});
