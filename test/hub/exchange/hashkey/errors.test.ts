import { describe, expect, it } from 'vitest';
import { ExchangeError } from '../../../../src/hub/exchange/exchange.js';
import { HashKeyApiError, kindForCode, redact } from '../../../../src/hub/exchange/hashkey/errors.js';

describe('HashKey error codes', () => {
  it.each([
    ['0002', 'Incorrect signature', 400, 'auth'],
    ['0001', 'Incorrect signature', 400, 'auth'],
    ['0001', 'Required field symbol missing or invalid', 400, 'bad_request'],
    ['0003', 'Rate limit exceeded', 400, 'rate_limited'],
    ['-3145', 'Please DO NOT submit request too frequently', 400, 'rate_limited'],
    ['0102', 'Invalid APIKey', 400, 'auth'],
    ['-1002', 'Unauthorized operation', 400, 'auth'],
    ['0202', 'Invalid IP', 400, 'auth'],
    ['0401', 'Insufficient asset', 400, 'insufficient_balance'],
    ['0211', 'Order not found', 400, 'order_not_found'],
    ['-1021', 'Timestamp for this request is outside of the recvWindow', 400, 'timestamp'],
    ['-1141', 'Duplicate order', 400, 'duplicate_order'],
    ['-1133', 'Order price lower than the minimum', 400, 'rejected'],
    ['-1006', 'Execution status unknown', 400, 'unavailable'],
    ['-100012', 'Parameter symbol [String] missing!', 400, 'bad_request'],
    ['9999', 'whatever', 429, 'rate_limited'],
    ['9999', 'whatever', 503, 'unavailable'],
    ['9999', 'whatever', 400, 'unknown'],
  ])('%s "%s" (HTTP %i) is %s', (code, msg, status, kind) => {
    expect(kindForCode(code, msg, status)).toBe(kind);
  });

  it('HashKeyApiError carries code, msg, status and a name, and is an ExchangeError', () => {
    const error = new HashKeyApiError('0401', 'Insufficient asset', 400, 'POST /api/v1.1/spot/order');
    expect(error).toBeInstanceOf(ExchangeError);
    expect(error).toMatchObject({
      name: 'HashKeyApiError',
      code: '0401',
      msg: 'Insufficient asset',
      httpStatus: 400,
      kind: 'insufficient_balance',
    });
    expect(error.retryable).toBe(false);
    expect(error.message).toBe('HashKey POST /api/v1.1/spot/order failed: 0401 Insufficient asset (HTTP 400)');
  });

  it('redacts every occurrence of each secret', () => {
    expect(redact('a SECRET1 b SECRET1', ['SECRET1', undefined, ''])).toBe('a [redacted] b [redacted]');
  });
});
