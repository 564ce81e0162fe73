/**
 * Validation of the hub's request bodies (`StartRequest`, `StopRequest`, `LiveConfigPatch`)
 * against the contract's schemas, with TypeBox's compiled checker. A refusal is a
 * `BadRequestError` naming the field and what it expects (`config.leverage: expected a number
 * in [1, 200]`). Unknown fields of `/start` and `/stop` are dropped (a newer hub may send
 * optional extras); those of `/config` are refused: a setting this agent cannot apply live must
 * not count as applied.
 */
import type { NumberOptions, Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { Clean } from '@sinclair/typebox/value';
import { LIVE_CONFIG_FIELDS, LiveConfigPatch, StartRequest, StopRequest, isLiveConfigField } from '../../src/shared/wire.js';
import { BadRequestError } from './errors.js';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(path: string, want: string): never {
  throw new BadRequestError(`${path}: expected ${want}`);
}

/** Interval notation of a number schema's bounds: `[1, 200]`, `(0, 100]`, `≥ 0`. */
function range(schema: NumberOptions): string {
  const low = schema.exclusiveMinimum ?? schema.minimum;
  const high = schema.exclusiveMaximum ?? schema.maximum;
  const open = schema.exclusiveMinimum !== undefined ? '(' : '[';
  const close = schema.exclusiveMaximum !== undefined ? ')' : ']';
  if (low !== undefined && high !== undefined && high < Number.MAX_SAFE_INTEGER) return ` in ${open}${low}, ${high}${close}`;
  if (low !== undefined) return ` ${open === '(' ? '>' : '≥'} ${low}`;
  return high !== undefined ? ` ≤ ${high}` : '';
}

/** What a schema accepts, in words for an error message. */
function describe(schema: TSchema): string {
  if (typeof schema.description === 'string') return schema.description;
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (Array.isArray(schema.anyOf)) {
    const variants = schema.anyOf as TSchema[];
    const literals = variants.filter((v) => v.const !== undefined);
    if (literals.length === variants.length) return `one of ${literals.map((v) => String(v.const)).join(', ')}`;
    return variants.map(describe).join(' or ');
  }
  switch (schema.type) {
    case 'object':
      return 'an object';
    case 'boolean':
      return 'a boolean';
    case 'null':
      return 'null';
    case 'integer':
      return `an integer${range(schema)}`;
    case 'number':
      return `a number${range(schema)}`;
    case 'string':
      return `${schema.minLength ? 'a non-empty' : 'a'} string${schema.maxLength !== undefined ? ` (≤ ${schema.maxLength} chars)` : ''}`;
    default:
      return 'a valid value';
  }
}

/** The error to report: inside a union, the variant's error that reaches deepest into the value. */
function deepest(error: ValueError): ValueError {
  if (error.type !== ValueErrorType.Union) return error;
  const inner = error.errors.map((variant) => variant.First()).filter((e): e is ValueError => e !== undefined);
  const best = inner.reduce<ValueError | undefined>((a, b) => (a && a.path.length >= b.path.length ? a : b), undefined);
  return best && best.path.length > error.path.length ? deepest(best) : error;
}

/** `/config/leverage` under `prefix` → `prefix.config.leverage`. */
function fieldPath(pointer: string, prefix: string): string {
  const parts = pointer
    .split('/')
    .filter(Boolean)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  return [prefix, ...parts].filter(Boolean).join('.') || 'body';
}

/** Checks `value` with a compiled schema; returns it typed, or throws naming the first bad field. */
function checked<T extends TSchema>(check: TypeCheck<T>, value: unknown, prefix: string): Static<T> {
  const first = check.Errors(value).First();
  if (first === undefined) return value as Static<T>;
  const error = deepest(first);
  if (error.type === ValueErrorType.ObjectAdditionalProperties) fail(fieldPath(error.path, prefix), 'no such field');
  fail(fieldPath(error.path, prefix), describe(error.schema));
}

const startRequest = TypeCompiler.Compile(StartRequest);
const stopRequest = TypeCompiler.Compile(StopRequest);
const liveConfigPatch = TypeCompiler.Compile(LiveConfigPatch);

export function parseStartRequest(v: unknown): StartRequest {
  if (!isObj(v)) fail('body', 'a JSON object');
  // A hub that sends no position means "flat".
  const body = { ...v, position: v.position ?? null };
  return Clean(StartRequest, checked(startRequest, body, '')) as StartRequest;
}

export function parseStopRequest(v: unknown): StopRequest {
  if (v === undefined || v === null) return {};
  if (!isObj(v)) fail('body', 'a JSON object');
  return Clean(StopRequest, checked(stopRequest, v, 'body')) as StopRequest;
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
  if (Object.keys(v).length === 0) fail('body', `at least one of ${LIVE_CONFIG_FIELDS.join(', ')}`);
  return checked(liveConfigPatch, v, 'body');
}
