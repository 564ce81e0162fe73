/**
 * Pure conversions from Artic's domain records to the argument lists of
 * `DecisionLogger.logDecision` and `TradeLogger.logTrade` (see contracts/README.md).
 * Numbers are converted through their decimal text, never by float multiplication, so
 * `scalePrice(0.1)` is exactly 10_000_000n.
 */
import { getBytes, hexlify, id, isHexString, keccak256, toUtf8Bytes } from 'ethers';

import { ChainEncodingError } from './errors.js';

/** Prices go on chain as integers of 1e-8 quote-currency units. */
export const PRICE_DECIMALS = 8;
/** Largest value of the contracts' uint128 price fields. */
export const MAX_UINT128 = (1n << 128n) - 1n;
/** Range of the contracts' int32 PnL fields (basis points). */
export const INT32_MIN = -(2 ** 31);
export const INT32_MAX = 2 ** 31 - 1;
/** Strategy index meaning "unknown / picked by the LLM". */
export const STRATEGY_UNKNOWN = 255;

/** Decision action codes (uint8). KEEP (the supervisor's word) is HOLD. */
export const DECISION_ACTIONS = {
  HOLD: 0,
  KEEP: 0,
  OPEN_LONG: 1,
  OPEN_SHORT: 2,
  CLOSE: 3,
  ADJUST_TP_SL: 4,
} as const;
export type DecisionAction = keyof typeof DECISION_ACTIONS;

/** Trade side codes (uint8). */
export const TRADE_SIDES = {
  OPEN_LONG: 0,
  OPEN_SHORT: 1,
  CLOSE_LONG: 2,
  CLOSE_SHORT: 3,
} as const;
export type TradeSide = keyof typeof TRADE_SIDES;

/**
 * A supervisor/LLM decision as queued for the chain. JSON-safe, so it can be an outbox payload.
 */
export interface DecisionRecord {
  agentId: string | number;
  /** Trading symbol, e.g. `BTCUSDT` (printable ASCII, at most 32 bytes). */
  symbol: string;
  action: DecisionAction;
  /** 0..255; `STRATEGY_UNKNOWN` (255) when unknown. */
  strategyIndex: number;
  /** Confidence as a fraction 0..1 (clamped); goes on chain as 0..10000 bps. */
  confidence: number;
  /** Position PnL at decision time in percent (12.5 = +12.5 %); clamped to int32 bps. */
  pnlPct: number;
  /** keccak256 of the reasoning text (`hashText(reasoning)`); the text stays in PostgreSQL. */
  reasoningHash: string;
}

/** A fill as queued for the chain. JSON-safe, so it can be an outbox payload. */
export interface TradeRecord {
  agentId: string | number;
  symbol: string;
  side: TradeSide;
  /** Entry price in quote currency per unit, as a number or a decimal string. */
  entryPrice: number | string;
  /** Exit price for closes; null/undefined (→ 0) for opens. */
  exitPrice?: number | string | null;
  /** Realised PnL in percent (0 for opens); clamped to int32 bps. */
  pnlPct: number;
  /** keccak256 of the detail JSON (`hashText(json)`); the JSON stays in PostgreSQL. */
  detailHash: string;
}

/** Positional arguments of `logDecision`, in contract order. */
export interface DecisionCallArgs {
  sessionId: string;
  symbol: string;
  action: number;
  strategy: number;
  confidenceBps: number;
  pnlBps: number;
  reasoningHash: string;
}

/** Positional arguments of `logTrade`, in contract order. */
export interface TradeCallArgs {
  sessionId: string;
  symbol: string;
  side: number;
  entryPrice: bigint;
  exitPrice: bigint;
  pnlBps: number;
  detailHash: string;
}

const DECIMAL_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * `value × 10^decimals` as a bigint, computed on the decimal text and rounded half away from
 * zero. Accepts numbers (through their shortest round-trip text) and decimal strings
 * (`"123.45"`, `"1e-7"`).
 */
export function scaleDecimal(value: number | string, decimals: number, field = 'value'): bigint {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new ChainEncodingError(`${field} must be finite, got ${value}`, field);
  }
  const text = typeof value === 'number' ? String(value) : value.trim();
  const m = DECIMAL_RE.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) {
    throw new ChainEncodingError(`${field} is not a decimal number: ${JSON.stringify(value)}`, field);
  }
  const negative = m[1] === '-';
  const intPart = m[2] ?? '';
  const fracPart = m[3] ?? '';
  const exponent = Number(m[4] ?? '0');
  const digits = BigInt(intPart + fracPart || '0');
  const shift = exponent - fracPart.length + decimals;
  if (Math.abs(exponent) > 1000) {
    if (digits === 0n) return 0n;
    throw new ChainEncodingError(`${field} exponent is out of range: ${text}`, field);
  }
  let magnitude: bigint;
  if (shift >= 0) {
    magnitude = digits * 10n ** BigInt(shift);
  } else {
    const divisor = 10n ** BigInt(-shift);
    magnitude = digits / divisor;
    if ((digits % divisor) * 2n >= divisor) magnitude += 1n;
  }
  return negative ? -magnitude : magnitude;
}

/**
 * Price (quote currency per unit) → uint128 integer of 1e-8 units, rounded half up.
 * Throws `ChainEncodingError` for negative, non-finite or oversized prices.
 */
export function scalePrice(price: number | string, field = 'price'): bigint {
  const scaled = scaleDecimal(price, PRICE_DECIMALS, field);
  if (scaled < 0n) throw new ChainEncodingError(`${field} must not be negative: ${price}`, field);
  if (scaled > MAX_UINT128) throw new ChainEncodingError(`${field} exceeds uint128 at 1e8 scale: ${price}`, field);
  return scaled;
}

function clampInt32(value: bigint): number {
  if (value < BigInt(INT32_MIN)) return INT32_MIN;
  if (value > BigInt(INT32_MAX)) return INT32_MAX;
  return Number(value);
}

/**
 * PnL in percent (1.5 = +1.5 %) → int32 basis points (150), rounded half away from zero and
 * clamped to [INT32_MIN, INT32_MAX] (±21 474 836.47 %). ±Infinity clamps; NaN throws.
 */
export function pnlBps(pnlPct: number): number {
  if (Number.isNaN(pnlPct)) throw new ChainEncodingError('pnlPct is NaN', 'pnlPct');
  if (!Number.isFinite(pnlPct)) return pnlPct > 0 ? INT32_MAX : INT32_MIN;
  return clampInt32(scaleDecimal(pnlPct, 2, 'pnlPct'));
}

/** PnL as a fraction (0.015 = +1.5 %) → int32 basis points; same rounding/clamping as `pnlBps`. */
export function pnlBpsFromFraction(pnlFraction: number): number {
  if (Number.isNaN(pnlFraction)) throw new ChainEncodingError('pnlFraction is NaN', 'pnlFraction');
  if (!Number.isFinite(pnlFraction)) return pnlFraction > 0 ? INT32_MAX : INT32_MIN;
  return clampInt32(scaleDecimal(pnlFraction, 4, 'pnlFraction'));
}

/** Confidence fraction (0..1) → 0..10000 bps, clamped into range; NaN throws. */
export function confidenceBps(confidence: number): number {
  if (Number.isNaN(confidence)) throw new ChainEncodingError('confidence is NaN', 'confidence');
  if (confidence <= 0) return 0;
  if (confidence >= 1) return 10_000;
  return Number(scaleDecimal(confidence, 4, 'confidence'));
}

/**
 * Symbol → bytes32: its ASCII bytes, right-padded with zeros (`bytes32("BTCUSDT")` in
 * Solidity), so explorers show it readably. Printable ASCII only, 1..32 characters.
 */
export function symbolToBytes32(symbol: string): string {
  if (!/^[\x21-\x7e]{1,32}$/.test(symbol)) {
    throw new ChainEncodingError(`symbol must be 1..32 printable ASCII characters: ${JSON.stringify(symbol)}`, 'symbol');
  }
  const out = new Uint8Array(32);
  out.set(toUtf8Bytes(symbol));
  return hexlify(out);
}

/** Inverse of `symbolToBytes32` (drops the zero padding). */
export function bytes32ToSymbol(value: string): string {
  const bytes = getBytes(value);
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return new TextDecoder().decode(bytes.subarray(0, end));
}

/** Stable per-agent session id: keccak256(utf8("artic:agent:" + agentId)). */
export function sessionIdFor(agentId: string | number): string {
  const text = String(agentId);
  if (text.length === 0) throw new ChainEncodingError('agentId must not be empty', 'agentId');
  return keccak256(toUtf8Bytes(`artic:agent:${text}`));
}

/** keccak256 of the UTF-8 bytes of `text`, as 0x-prefixed bytes32 hex. */
export function hashText(text: string): string {
  return id(text);
}

function bytes32(value: string, field: string): string {
  if (!isHexString(value, 32)) throw new ChainEncodingError(`${field} must be 0x-prefixed bytes32 hex`, field);
  return value.toLowerCase();
}

function uint8(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 255) {
    throw new ChainEncodingError(`${field} must be an integer 0..255, got ${value}`, field);
  }
  return value;
}

function code<T extends Record<string, number>>(table: T, value: string, field: string): number {
  if (!Object.prototype.hasOwnProperty.call(table, value)) {
    throw new ChainEncodingError(`${field} must be one of ${Object.keys(table).join(', ')}; got ${JSON.stringify(value)}`, field);
  }
  return table[value as keyof T];
}

/** Decision record → `logDecision` arguments. Throws `ChainEncodingError` on bad input. */
export function decisionCallArgs(record: DecisionRecord): DecisionCallArgs {
  return {
    sessionId: sessionIdFor(record.agentId),
    symbol: symbolToBytes32(record.symbol),
    action: code(DECISION_ACTIONS, record.action, 'action'),
    strategy: uint8(record.strategyIndex, 'strategyIndex'),
    confidenceBps: confidenceBps(record.confidence),
    pnlBps: pnlBps(record.pnlPct),
    reasoningHash: bytes32(record.reasoningHash, 'reasoningHash'),
  };
}

/** Trade record → `logTrade` arguments. Throws `ChainEncodingError` on bad input. */
export function tradeCallArgs(record: TradeRecord): TradeCallArgs {
  return {
    sessionId: sessionIdFor(record.agentId),
    symbol: symbolToBytes32(record.symbol),
    side: code(TRADE_SIDES, record.side, 'side'),
    entryPrice: scalePrice(record.entryPrice, 'entryPrice'),
    exitPrice: record.exitPrice == null ? 0n : scalePrice(record.exitPrice, 'exitPrice'),
    pnlBps: pnlBps(record.pnlPct),
    detailHash: bytes32(record.detailHash, 'detailHash'),
  };
}
