/**
 * Validation of the hub's request bodies (`StartRequest`, `StopRequest`, `LiveConfigPatch`).
 * Missing or mistyped fields are refused with a `BadRequestError` naming the field. Unknown
 * fields of `/start` and `/stop` are ignored (a newer hub may send optional extras); those of
 * `/config` are refused: a setting this agent cannot apply live must not count as applied.
 */
import { isInterval } from '../../src/shared/market.js';
import {
  LIVE_CONFIG_FIELDS,
  WIRE_LIMITS,
  isLiveConfigField,
  type AgentConfigWire,
  type LiveConfigField,
  type LiveConfigPatch,
  type PositionWire,
  type StartRequest,
  type StopRequest,
} from '../../src/shared/wire.js';
import { BadRequestError } from './errors.js';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(path: string, want: string): never {
  throw new BadRequestError(`${path}: expected ${want}`);
}

interface StrOpts {
  max?: number;
  nonEmpty?: boolean;
}

function str(o: Obj, k: string, path: string, opts: StrOpts = {}): string {
  const v = o[k];
  if (typeof v !== 'string' || (opts.nonEmpty && v.trim() === '') || v.length > (opts.max ?? 200)) {
    fail(`${path}.${k}`, `${opts.nonEmpty ? 'a non-empty ' : 'a '}string (≤ ${opts.max ?? 200} chars)`);
  }
  return v;
}

function strOrNull(o: Obj, k: string, path: string, opts: StrOpts = {}): string | null {
  return o[k] === null ? null : str(o, k, path, opts);
}

interface NumOpts {
  minExclusive?: boolean;
}

function num(o: Obj, k: string, path: string, min: number, max: number, opts: NumOpts = {}): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isFinite(v) || (opts.minExclusive ? v <= min : v < min) || v > max) {
    fail(`${path}.${k}`, `a number in ${opts.minExclusive ? '(' : '['}${min}, ${max}]`);
  }
  return v;
}

function numOrNull(o: Obj, k: string, path: string, min: number, max: number, opts: NumOpts = {}): number | null {
  return o[k] === null ? null : num(o, k, path, min, max, opts);
}

function bool(o: Obj, k: string, path: string): boolean {
  if (typeof o[k] !== 'boolean') fail(`${path}.${k}`, 'a boolean');
  return o[k] as boolean;
}

function oneOf<T extends string>(o: Obj, k: string, path: string, values: readonly T[]): T {
  const v = o[k];
  if (typeof v !== 'string' || !values.includes(v as T)) fail(`${path}.${k}`, `one of ${values.join(', ')}`);
  return v as T;
}

/** The rule of each live setting: one place for `/start`'s config and `/config`'s body. */
const LIVE_RULES: { [K in LiveConfigField]: (o: Obj, path: string) => AgentConfigWire[K] } = {
  name: (o, path) => str(o, 'name', path),
  tpPct: (o, path) => numOrNull(o, 'tpPct', path, 0, 1000, { minExclusive: true }),
  slPct: (o, path) => numOrNull(o, 'slPct', path, 0, 100, { minExclusive: true }),
  maxSessionLossPct: (o, path) => num(o, 'maxSessionLossPct', path, 0, 100),
  closeOnStop: (o, path) => bool(o, 'closeOnStop', path),
};

export function parseConfig(v: unknown, path = 'config'): AgentConfigWire {
  if (!isObj(v)) fail(path, 'an object');
  const timeframe = str(v, 'timeframe', path, { max: 8 });
  if (!isInterval(timeframe)) fail(`${path}.timeframe`, 'one of 1m 5m 15m 30m 1h 4h 1d');
  const symbol = str(v, 'symbol', path, { max: 30, nonEmpty: true });
  if (!/^[A-Za-z0-9]{2,30}$/.test(symbol)) fail(`${path}.symbol`, 'a symbol id like BTCUSDT');
  return {
    agentId: str(v, 'agentId', path, { nonEmpty: true }),
    name: LIVE_RULES.name(v, path),
    symbol,
    amountUsdt: num(v, 'amountUsdt', path, 0, 1e9, { minExclusive: true }),
    leverage: num(v, 'leverage', path, 1, 200),
    riskProfile: oneOf(v, 'riskProfile', path, ['conservative', 'moderate', 'aggressive'] as const),
    timeframe,
    tpPct: LIVE_RULES.tpPct(v, path),
    slPct: LIVE_RULES.slPct(v, path),
    tpSlMode: oneOf(v, 'tpSlMode', path, ['fixed', 'dynamic'] as const),
    pollSeconds: num(v, 'pollSeconds', path, 0.05, 86_400),
    supervisorIntervalSeconds: num(v, 'supervisorIntervalSeconds', path, 1, 86_400),
    maxSessionLossPct: LIVE_RULES.maxSessionLossPct(v, path),
    closeOnStop: LIVE_RULES.closeOnStop(v, path),
    llmProvider: strOrNull(v, 'llmProvider', path, { max: 50 }),
    llmModel: strOrNull(v, 'llmModel', path, { max: 100 }),
    liveMode: bool(v, 'liveMode', path),
    strategy: strOrNull(v, 'strategy', path, { max: WIRE_LIMITS.maxStrategyNameChars }),
  };
}

export function parsePosition(v: unknown, path = 'position'): PositionWire | null {
  if (v === null) return null;
  if (!isObj(v)) fail(path, 'an object or null');
  return {
    tradeId: str(v, 'tradeId', path, { nonEmpty: true }),
    side: oneOf(v, 'side', path, ['long', 'short'] as const),
    qty: num(v, 'qty', path, 0, 1e15, { minExclusive: true }),
    entryPrice: num(v, 'entryPrice', path, 0, 1e15, { minExclusive: true }),
    leverage: num(v, 'leverage', path, 1, 200),
    margin: num(v, 'margin', path, 0, 1e12),
    liquidationPrice: numOrNull(v, 'liquidationPrice', path, 0, 1e15),
    tpPrice: numOrNull(v, 'tpPrice', path, 0, 1e15),
    slPrice: numOrNull(v, 'slPrice', path, 0, 1e15),
    openedAt: str(v, 'openedAt', path, { max: 40 }),
  };
}

export function parseStartRequest(v: unknown): StartRequest {
  if (!isObj(v)) fail('body', 'a JSON object');
  const nextLogSeq = v.nextLogSeq;
  if (typeof nextLogSeq !== 'number' || !Number.isSafeInteger(nextLogSeq) || nextLogSeq < 0) fail('nextLogSeq', 'an integer ≥ 0');
  const hubUrl = v.hubUrl;
  if (typeof hubUrl !== 'string' || (hubUrl !== '' && !/^https?:\/\/[^\s]+$/.test(hubUrl))) fail('hubUrl', 'an http(s) URL or ""');
  return {
    config: parseConfig(v.config),
    position: parsePosition(v.position ?? null),
    realizedPnl: num(v, 'realizedPnl', 'body', -1e12, 1e12),
    nextLogSeq,
    hubUrl,
  };
}

export function parseStopRequest(v: unknown): StopRequest {
  if (v === undefined || v === null) return {};
  if (!isObj(v)) fail('body', 'a JSON object');
  const out: StopRequest = {};
  if (v.closePosition !== undefined) out.closePosition = bool(v, 'closePosition', 'body');
  if (v.reason !== undefined) out.reason = str(v, 'reason', 'body', { max: 500 });
  return out;
}

/** `POST /config`: at least one live setting, nothing else. */
export function parseLiveConfigPatch(v: unknown): LiveConfigPatch {
  if (!isObj(v)) fail('body', 'a JSON object');
  const unknown = Object.keys(v).filter((k) => !isLiveConfigField(k));
  if (unknown.length > 0) {
    throw new BadRequestError(
      `body.${unknown[0]}: not a setting a running agent applies (live: ${LIVE_CONFIG_FIELDS.join(', ')}; others need a restart)`,
      'unknown_field',
    );
  }
  const patch: LiveConfigPatch = {};
  const take = <K extends LiveConfigField>(k: K) => {
    if (k in v) patch[k] = LIVE_RULES[k](v, 'body');
  };
  LIVE_CONFIG_FIELDS.forEach(take);
  if (Object.keys(patch).length === 0) fail('body', `at least one of ${LIVE_CONFIG_FIELDS.join(', ')}`);
  return patch;
}
