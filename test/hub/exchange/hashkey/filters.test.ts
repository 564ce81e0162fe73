import { describe, expect, it } from 'vitest';
import { OrderRejectedLocallyError } from '../../../../src/hub/exchange/hashkey/errors.js';
import { parseSymbolFilters, roundToFilters, validateOrder, type SymbolFilters } from '../../../../src/hub/exchange/hashkey/filters.js';

// The BTCUSDT filters from ccxt's captured exchangeInfo sample (reference §1.4).
const RAW = [
  { minPrice: '0.01', maxPrice: '100000.00000000', tickSize: '0.01', filterType: 'PRICE_FILTER' },
  { minQty: '0.00001', maxQty: '8', stepSize: '0.00001', marketOrderMinQty: '0.00001', marketOrderMaxQty: '4', filterType: 'LOT_SIZE' },
  { minNotional: '1', filterType: 'MIN_NOTIONAL' },
  {
    minAmount: '1',
    maxAmount: '400000',
    minBuyPrice: '0',
    marketOrderMinAmount: '1',
    marketOrderMaxAmount: '200000',
    filterType: 'TRADE_AMOUNT',
  },
  { maxSellPrice: '0', buyPriceUpRate: '0.1', sellPriceDownRate: '0.1', filterType: 'LIMIT_TRADING' },
];

const BTC: SymbolFilters = parseSymbolFilters('BTCUSDT', RAW, '0.0000001');

function rejection(fn: () => unknown): OrderRejectedLocallyError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(OrderRejectedLocallyError);
    return error as OrderRejectedLocallyError;
  }
  throw new Error('expected a rejection');
}

describe('symbol filters', () => {
  it('parses the documented filter entries and drops disabled (zero) rules', () => {
    expect(BTC).toEqual({
      symbol: 'BTCUSDT',
      tickSize: '0.01',
      minPrice: '0.01',
      maxPrice: '100000',
      stepSize: '0.00001',
      minQty: '0.00001',
      maxQty: '8',
      marketOrderMinQty: '0.00001',
      marketOrderMaxQty: '4',
      minNotional: '1',
      minAmount: '1',
      maxAmount: '400000',
      marketOrderMinAmount: '1',
      marketOrderMaxAmount: '200000',
      amountStep: '0.0000001',
    });
    expect(parseSymbolFilters('X', [{ minNotional: '0', filterType: 'MIN_NOTIONAL' }])).toEqual({ symbol: 'X' });
  });

  it('rounds quantity down to the step and price down to the tick', () => {
    expect(roundToFilters({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: 0.0123456, price: 60000.129 }, BTC)).toEqual({
      quantity: '0.01234',
      price: '60000.12',
    });
    expect(roundToFilters({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', amount: '10.123456789' }, BTC)).toEqual({
      amount: '10.1234567',
    });
  });

  it('accepts a valid market order and returns the rounded quantity', () => {
    expect(validateOrder({ symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: 0.0012345 }, BTC, { referencePrice: 60000 })).toEqual(
      {
        quantity: '0.00123',
      },
    );
  });

  it('rejects a quantity that rounds down to zero, naming the step', () => {
    const e = rejection(() => validateOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: 0.000004 }, BTC));
    expect(e.rule).toBe('stepSize');
    expect(e.kind).toBe('rejected');
    expect(e.name).toBe('OrderRejectedLocallyError');
    expect(e.message).toContain('0.000004');
    expect(e.message).toContain('0.00001');
  });

  it('rejects below the minimum notional using the reference price, and skips that check without one', () => {
    const draft = { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: 0.00001 } as const;
    const e = rejection(() => validateOrder(draft, BTC, { referencePrice: 60000 }));
    expect(e.rule).toBe('minNotional');
    expect(e.message).toMatch(/order value \(quote\) 0\.6 is below the minimum 1/);
    expect(validateOrder(draft, BTC)).toEqual({ quantity: '0.00001' });
  });

  it('uses the market-order quantity limits for MARKET and the plain ones for LIMIT', () => {
    expect(rejection(() => validateOrder({ symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: 5 }, BTC)).rule).toBe(
      'marketOrderMaxQty',
    );
    expect(validateOrder({ symbol: 'BTCUSDT', side: 'SELL', type: 'LIMIT', quantity: 5, price: 70000 }, BTC)).toEqual({
      quantity: '5',
      price: '70000',
    });
    expect(rejection(() => validateOrder({ symbol: 'BTCUSDT', side: 'SELL', type: 'LIMIT', quantity: 9, price: 1 }, BTC)).rule).toBe(
      'maxQty',
    );
  });

  it('checks LIMIT notional and price bounds', () => {
    expect(rejection(() => validateOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: 0.001, price: 500 }, BTC)).rule).toBe(
      'minNotional',
    );
    expect(
      rejection(() => validateOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: 0.001, price: 200000 }, BTC)).rule,
    ).toBe('maxPrice');
    expect(rejection(() => validateOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: 1, price: 0.001 }, BTC)).rule).toBe(
      'tickSize',
    );
  });

  it('checks a MARKET amount against the market amount limits', () => {
    expect(rejection(() => validateOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', amount: 0.5 }, BTC)).rule).toBe('minNotional');
    expect(rejection(() => validateOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', amount: 250000 }, BTC)).rule).toBe(
      'marketOrderMaxAmount',
    );
    expect(validateOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', amount: 25 }, BTC)).toEqual({ amount: '25' });
  });

  it('refuses malformed drafts', () => {
    expect(rejection(() => validateOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: 1, amount: 1 }, BTC)).rule).toBe(
      'quantity',
    );
    expect(rejection(() => validateOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET' }, BTC)).rule).toBe('quantity');
    expect(rejection(() => validateOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: 1 }, BTC)).rule).toBe('price');
    expect(rejection(() => validateOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: -1 }, BTC)).rule).toBe('format');
  });
});
