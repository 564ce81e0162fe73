import { describe, expect, it } from 'vitest';
import { encodeParams, signParams, signTotalParams } from '../../../../src/hub/exchange/hashkey/signing.js';

// Test vectors from /work/shared/reference/hashkey-api.md §1.3 (the HashKey docs' example secret).
const SECRET = 'lH3ELTNiFxCQTmi9pPcWWikhsjO04Yoqw3euoHUuOLC3GYBW64ZqzQsiOEHXQS76';

describe('HashKey signing', () => {
  it('reproduces the documented example signature exactly', () => {
    expect(
      signTotalParams(
        SECRET,
        'symbol=ETHBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1538323200000',
      ),
    ).toBe('5f2750ad7589d1d40757a55342e621a44037dad23b5128cc70e18ec1d1c3f4c6');
  });

  it('signs query string + body concatenated without a separator (doc example 3)', () => {
    const query = 'symbol=ETHBTC&side=BUY&type=LIMIT&timeInForce=GTC';
    const body = 'quantity=1&price=0.1&recvWindow=5000&timestamp=1538323200000';
    expect(signTotalParams(SECRET, query + body)).toBe('885c9e3dd89ccd13408b25e6d54c2330703759d7494bea6dd5a3d1fd16ba3afa');
  });

  it.each([
    ['timestamp=1538323200000', SECRET, 'b5bcf90d5740c5bf2fd601d4f4d4a80b328dcaa0a451b5686656fd1d4d758ef6'],
    ['recvWindow=5000&timestamp=1538323200000', SECRET, '41be9d50ddbb6244640ea1c9771c5612652a73d6ed67d98ed75d23c609456679'],
    [
      'symbol=BTCUSDT&side=BUY&type=MARKET&quantity=10&timestamp=1538323200000',
      SECRET,
      'cc256c5b57a5b74c9783908aa7eed8b74abebae17e363c1d0b30c3884532b6d9',
    ],
    ['orderId=1738708541676585728&timestamp=1538323200000', SECRET, 'f14b6ef3864c88c45bc9638adca8da4f77fcdd682c8257ce55390e95983e0097'],
    ['timestamp=1000000', 'testSecretKey', '52815749ea921c80e65072a0392a59cabb89cf6bd16bfede8263cec527e3c34c'],
  ])('vector %s', (text, secret, expected) => {
    expect(signTotalParams(secret, text)).toBe(expected);
  });

  it('signParams builds the documented string in insertion order with recvWindow before timestamp', () => {
    const signed = signParams(
      { symbol: 'ETHBTC', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '1', price: '0.1' },
      { secret: SECRET, timestamp: 1538323200000, recvWindow: 5000 },
    );
    expect(signed.payload).toBe(
      'symbol=ETHBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1538323200000',
    );
    expect(signed.signature).toBe('5f2750ad7589d1d40757a55342e621a44037dad23b5128cc70e18ec1d1c3f4c6');
    expect(signed.text).toBe(`${signed.payload}&signature=${signed.signature}`);
  });

  it('omits recvWindow when not given and skips undefined params', () => {
    const signed = signParams(
      { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', price: undefined, quantity: 10 },
      {
        secret: SECRET,
        timestamp: 1538323200000,
      },
    );
    expect(signed.payload).toBe('symbol=BTCUSDT&side=BUY&type=MARKET&quantity=10&timestamp=1538323200000');
    expect(signed.signature).toBe('cc256c5b57a5b74c9783908aa7eed8b74abebae17e363c1d0b30c3884532b6d9');
  });

  it('percent-encodes reserved characters so the signed text is the sent text', () => {
    expect(encodeParams({ clientOrderId: 'a b&c=d', ids: '1,2' })).toBe('clientOrderId=a%20b%26c%3Dd&ids=1%2C2');
  });
});
