import { describe, expect, it } from 'vitest';

import { classifyChainError } from '../../../src/hub/chain/classify-error.js';
import { ChainEncodingError, ChainRejectedError, ChainUnavailableError, isRetryableChainError } from '../../../src/hub/chain/errors.js';
import { explorerAddressUrl, explorerTxUrl, hashKeyNetwork } from '../../../src/hub/chain/networks.js';

describe('explorer links', () => {
  const tx = '0x' + 'ab'.repeat(32);
  it('knows HashKey testnet and mainnet', () => {
    expect(explorerTxUrl(133, tx)).toBe(`https://testnet-explorer.hsk.xyz/tx/${tx}`);
    expect(explorerTxUrl(177, tx)).toBe(`https://hashkey.blockscout.com/tx/${tx}`);
    expect(explorerAddressUrl(177, '0xabc')).toBe('https://hashkey.blockscout.com/address/0xabc');
    expect(hashKeyNetwork(133)?.rpcUrl).toBe('https://testnet.hsk.xyz');
  });
  it('returns undefined for other chains', () => {
    expect(explorerTxUrl(31337, tx)).toBeUndefined();
    expect(hashKeyNetwork(230315)).toBeUndefined();
  });
});

describe('classifyChainError', () => {
  it('treats reverts and bad arguments as rejected', () => {
    const err = classifyChainError(Object.assign(new Error('execution reverted'), { code: 'CALL_EXCEPTION', reason: 'nope' }));
    expect(err).toBeInstanceOf(ChainRejectedError);
    expect(err.details.reason).toBe('nope');
    expect(isRetryableChainError(err)).toBe(false);
    expect(classifyChainError(Object.assign(new Error('x'), { code: 'INVALID_ARGUMENT' }))).toBeInstanceOf(ChainRejectedError);
  });

  it('wraps encoding errors as rejected invalid input', () => {
    const err = classifyChainError(new ChainEncodingError('bad', 'symbol'));
    expect(err).toBeInstanceOf(ChainRejectedError);
    expect(err.details.reason).toBe('invalid-input');
  });

  it('treats connection, server, nonce and unknown errors as unavailable', () => {
    for (const code of [
      'ECONNREFUSED',
      'NETWORK_ERROR',
      'SERVER_ERROR',
      'TIMEOUT',
      'NONCE_EXPIRED',
      'INSUFFICIENT_FUNDS',
      'UNKNOWN_ERROR',
      undefined,
    ]) {
      const err = classifyChainError(Object.assign(new Error('boom'), { code }), { txHash: '0x01' });
      expect(err, String(code)).toBeInstanceOf(ChainUnavailableError);
      expect(err.txHash).toBe('0x01');
      expect(isRetryableChainError(err)).toBe(true);
    }
    expect(classifyChainError('weird')).toBeInstanceOf(ChainUnavailableError);
  });

  it('passes already classified errors through', () => {
    const e = new ChainRejectedError('x');
    expect(classifyChainError(e)).toBe(e);
    expect(e.name).toBe('ChainRejectedError');
    expect(new ChainUnavailableError('y').name).toBe('ChainUnavailableError');
  });
});
