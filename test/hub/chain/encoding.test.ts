import { describe, expect, it } from 'vitest';
import { keccak256, toUtf8Bytes } from 'ethers';

import {
  DECISION_ACTIONS,
  INT32_MAX,
  INT32_MIN,
  MAX_UINT128,
  STRATEGY_UNKNOWN,
  bytes32ToSymbol,
  confidenceBps,
  decisionCallArgs,
  hashText,
  pnlBps,
  pnlBpsFromFraction,
  scaleDecimal,
  scalePrice,
  sessionIdFor,
  symbolToBytes32,
  tradeCallArgs,
} from '../../../src/hub/chain/encoding.js';
import { ChainEncodingError } from '../../../src/hub/chain/errors.js';

describe('scalePrice', () => {
  it('is exact where float multiplication is not', () => {
    expect(0.1 * 1e8).not.toBe(10_000_000.0000001); // sanity: the float path is what we avoid
    expect(scalePrice(0.1)).toBe(10_000_000n);
    expect(scalePrice(1.1)).toBe(110_000_000n);
    expect(1.1 * 1e8).toBe(110000000.00000001); // float error the old code truncated around
    expect(scalePrice(0.29)).toBe(29_000_000n);
    expect(Math.trunc(0.29 * 1e8)).toBe(28_999_999); // the original's int(price*1e8) bug
    expect(scalePrice(67234.12345678)).toBe(6_723_412_345_678n);
    expect(scalePrice('67234.12345678')).toBe(6_723_412_345_678n);
    expect(scalePrice(0)).toBe(0n);
    expect(scalePrice('42')).toBe(4_200_000_000n);
  });

  it('handles exponent notation from number-to-string conversion', () => {
    expect(String(1e-7)).toBe('1e-7');
    expect(scalePrice(1e-7)).toBe(10n);
    expect(scalePrice(1.5e-8)).toBe(2n); // rounds half up at the 9th decimal
    expect(scalePrice(1.4e-8)).toBe(1n);
    expect(scalePrice(1e21)).toBe(10n ** 29n);
    expect(scalePrice('2.5E3')).toBe(250_000_000_000n);
  });

  it('rounds beyond 8 decimals half up', () => {
    expect(scalePrice('0.000000014')).toBe(1n);
    expect(scalePrice('0.000000015')).toBe(2n);
    expect(scalePrice('1.999999999')).toBe(200_000_000n);
  });

  it('refuses negative, non-finite, malformed and oversized prices', () => {
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, '', '.', 'abc', '1.2.3', '0x10', '1e']) {
      expect(() => scalePrice(bad as number | string), String(bad)).toThrow(ChainEncodingError);
    }
    expect(scalePrice(MAX_UINT128.toString() + 'e-8')).toBe(MAX_UINT128);
    expect(() => scalePrice((MAX_UINT128 + 1n).toString() + 'e-8')).toThrow(/uint128/);
  });

  it('reports the field in errors', () => {
    try {
      scalePrice(-5, 'entryPrice');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ChainEncodingError);
      expect((err as ChainEncodingError).field).toBe('entryPrice');
      expect((err as ChainEncodingError).name).toBe('ChainEncodingError');
    }
  });
});

describe('scaleDecimal', () => {
  it('rounds half away from zero for negatives', () => {
    expect(scaleDecimal('-1.005', 2)).toBe(-101n);
    expect(scaleDecimal('-1.004', 2)).toBe(-100n);
    expect(scaleDecimal('+3', 1)).toBe(30n);
    expect(scaleDecimal('-0', 3)).toBe(0n);
    expect(scaleDecimal('.5', 0)).toBe(1n);
  });
});

describe('pnlBps', () => {
  it('converts percent to basis points exactly', () => {
    expect(pnlBps(1.5)).toBe(150);
    expect(pnlBps(-2.25)).toBe(-225);
    expect(pnlBps(1.005)).toBe(101); // 1.005 * 100 = 100.49999… in floats
    expect(pnlBps(-1.005)).toBe(-101);
    expect(pnlBps(0)).toBe(0);
  });

  it('represents values beyond the old int16 limit (±327.67 %)', () => {
    expect(pnlBps(500)).toBe(50_000);
    expect(pnlBps(-450.5)).toBe(-45_050);
    expect(pnlBps(12_345.67)).toBe(1_234_567);
  });

  it('clamps to int32 explicitly', () => {
    expect(pnlBps(1e9)).toBe(INT32_MAX);
    expect(pnlBps(-1e9)).toBe(INT32_MIN);
    expect(pnlBps(Number.POSITIVE_INFINITY)).toBe(INT32_MAX);
    expect(pnlBps(Number.NEGATIVE_INFINITY)).toBe(INT32_MIN);
    expect(pnlBps(21_474_836.47)).toBe(INT32_MAX);
    expect(pnlBps(21_474_836.46)).toBe(INT32_MAX - 1);
    expect(() => pnlBps(Number.NaN)).toThrow(ChainEncodingError);
  });

  it('has a fraction variant', () => {
    expect(pnlBpsFromFraction(0.015)).toBe(150);
    expect(pnlBpsFromFraction(-5)).toBe(-50_000);
    expect(pnlBpsFromFraction(1e6)).toBe(INT32_MAX);
  });
});

describe('confidenceBps', () => {
  it('maps a 0..1 fraction to bps and clamps', () => {
    expect(confidenceBps(0.75)).toBe(7500);
    expect(confidenceBps(0.12345)).toBe(1235);
    expect(confidenceBps(1.7)).toBe(10_000);
    expect(confidenceBps(-0.2)).toBe(0);
    expect(() => confidenceBps(Number.NaN)).toThrow(ChainEncodingError);
  });
});

describe('symbols, sessions and hashes', () => {
  it('pads the ASCII symbol to bytes32 and back', () => {
    const b = symbolToBytes32('BTCUSDT');
    expect(b).toBe('0x4254435553445400000000000000000000000000000000000000000000000000');
    expect(bytes32ToSymbol(b)).toBe('BTCUSDT');
    expect(bytes32ToSymbol(symbolToBytes32('X'.repeat(32)))).toBe('X'.repeat(32));
    for (const bad of ['', 'BTC USDT', 'X'.repeat(33), 'ÉTH']) {
      expect(() => symbolToBytes32(bad), bad).toThrow(ChainEncodingError);
    }
  });

  it('derives a stable per-agent session id', () => {
    expect(sessionIdFor('a1')).toBe(keccak256(toUtf8Bytes('artic:agent:a1')));
    expect(sessionIdFor(7)).toBe(sessionIdFor('7'));
    expect(sessionIdFor('a1')).not.toBe(sessionIdFor('a2'));
    expect(() => sessionIdFor('')).toThrow(ChainEncodingError);
  });

  it('hashes UTF-8 text with keccak256', () => {
    expect(hashText('')).toBe('0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470');
    expect(hashText('héllo')).toBe(keccak256(toUtf8Bytes('héllo')));
  });
});

describe('call arguments', () => {
  const hash = hashText('because');

  it('encodes a decision record', () => {
    expect(
      decisionCallArgs({
        agentId: 'agent-1',
        symbol: 'ETHUSDT',
        action: 'ADJUST_TP_SL',
        strategyIndex: STRATEGY_UNKNOWN,
        confidence: 0.8,
        pnlPct: -400,
        reasoningHash: hash.toUpperCase().replace('0X', '0x'),
      }),
    ).toEqual({
      sessionId: sessionIdFor('agent-1'),
      symbol: symbolToBytes32('ETHUSDT'),
      action: 4,
      strategy: 255,
      confidenceBps: 8000,
      pnlBps: -40_000,
      reasoningHash: hash,
    });
    expect(DECISION_ACTIONS.KEEP).toBe(DECISION_ACTIONS.HOLD);
  });

  it('rejects unknown actions, strategies and hashes', () => {
    const base = {
      agentId: 'a',
      symbol: 'BTCUSDT',
      action: 'HOLD' as const,
      strategyIndex: 1,
      confidence: 0.5,
      pnlPct: 0,
      reasoningHash: hash,
    };
    expect(() => decisionCallArgs({ ...base, action: 'BUY' as never })).toThrow(/action/);
    expect(() => decisionCallArgs({ ...base, action: 'toString' as never })).toThrow(/action/);
    expect(() => decisionCallArgs({ ...base, strategyIndex: 256 })).toThrow(/strategyIndex/);
    expect(() => decisionCallArgs({ ...base, strategyIndex: 1.5 })).toThrow(/strategyIndex/);
    expect(() => decisionCallArgs({ ...base, reasoningHash: '0x1234' })).toThrow(/reasoningHash/);
  });

  it('encodes a trade record; opens have exit price 0', () => {
    const open = tradeCallArgs({ agentId: 3, symbol: 'BTCUSDT', side: 'OPEN_SHORT', entryPrice: '64000.5', pnlPct: 0, detailHash: hash });
    expect(open).toMatchObject({ side: 1, entryPrice: 6_400_050_000_000n, exitPrice: 0n, pnlBps: 0 });
    const closeRecord = {
      agentId: 3,
      symbol: 'BTCUSDT',
      side: 'CLOSE_LONG' as const,
      entryPrice: 100,
      exitPrice: 0.3,
      pnlPct: -99.7,
      detailHash: hash,
    };
    expect(tradeCallArgs(closeRecord)).toMatchObject({ side: 2, entryPrice: 10_000_000_000n, exitPrice: 30_000_000n, pnlBps: -9970 });
    expect(() => tradeCallArgs({ ...closeRecord, side: 'LONG' as never })).toThrow(/side/);
    expect(() => tradeCallArgs({ ...closeRecord, exitPrice: -1 })).toThrow(/exitPrice/);
  });
});
