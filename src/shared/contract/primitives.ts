/**
 * The contract's building blocks: one rule per concept (a symbol id, a UUID, an interval, a
 * percentage, a strategy name), each written once as a TypeBox schema. The hub's routes (Ajv),
 * the agent's request checks (TypeBox's compiler) and the hub's own input checks all use these,
 * so a value one side accepts the other accepts too. See docs/architecture.md.
 *
 * `import * as Type` rather than `{ Type }`: the agent bundle then keeps only the builders used.
 */
import * as Type from '@sinclair/typebox';
import type { SchemaOptions, Static, TLiteral, TNull, TSchema, TUnion } from '@sinclair/typebox';

/** `schema` or `null`. */
export function Nullable<T extends TSchema>(schema: T, options?: SchemaOptions): TUnion<[T, TNull]> {
  return Type.Union([schema, Type.Null()], options);
}

type Literals<T extends readonly string[]> = { -readonly [K in keyof T]: TLiteral<T[K]> };

/** One string of a fixed list; the list stays the one place the values are named. */
export function OneOf<const T extends readonly string[]>(values: T, options?: SchemaOptions): TUnion<Literals<T>> {
  return Type.Union(
    values.map((value) => Type.Literal(value)),
    options,
  ) as unknown as TUnion<Literals<T>>;
}

/** A string with at least one non-blank character and at most `maxLength` characters. */
export function NonEmptyString(maxLength: number) {
  return Type.String({ minLength: 1, maxLength, pattern: '\\S' });
}

/** Limits the hub enforces on pushes (and the agent respects). */
export const WIRE_LIMITS = {
  maxLogEntriesPerBatch: 500,
  maxLogMessageChars: 4000,
  maxBodyBytes: 512 * 1024,
  /**
   * Longest strategy name anywhere: status pushes, decisions, the agent's config and the
   * database columns (`agents.strategy`, `agents.active_strategy`, `decisions.strategy`).
   */
  maxStrategyNameChars: 64,
  /** Most strategy signals one order carries (the library has 24 strategies). */
  maxOrderSignals: 32,
  /** Longest LLM provider and model names a decision records. */
  maxLlmProviderChars: 32,
  maxLlmModelChars: 128,
} as const;

// --- Symbols ---------------------------------------------------------------------------------

/** Quotes of a canonical symbol id (an input `USD` is read as `USDT`: src/hub/market/symbols.ts). */
export const QUOTE_ASSETS = ['USDT', 'USDC'] as const;

/**
 * THE symbol rule. A canonical symbol id is the base asset's ticker (2–12 upper-case letters or
 * digits) followed by its quote, e.g. `BTCUSDT`: what `parseSymbol` builds, what the database
 * stores and what the hub sends an agent. At most 16 characters.
 */
export const SYMBOL_ID_PATTERN = `^[A-Z0-9]{2,12}(?:${QUOTE_ASSETS.join('|')})$`;
const SYMBOL_ID = new RegExp(SYMBOL_ID_PATTERN);

export function isSymbolId(value: string): boolean {
  return SYMBOL_ID.test(value);
}

export const SymbolId = Type.String({ pattern: SYMBOL_ID_PATTERN, description: 'a symbol id like BTCUSDT' });

/** Longest spelling of a pair the hub reads (`BINANCE:BTCUSDT-PERP`, `btc/usd`, `SOL`). */
export const SYMBOL_INPUT_MAX_CHARS = 40;

/** Any spelling `parseSymbol` reads into a `SymbolId`; market-data queries take these. */
export const SymbolInput = Type.String({ minLength: 1, maxLength: SYMBOL_INPUT_MAX_CHARS });

// --- Ids, times, keys ------------------------------------------------------------------------

/** Row ids are UUIDs; a string that is not one must not reach a `uuid` column (PostgreSQL would raise). */
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
export const UUID_REGEX = new RegExp(UUID_PATTERN);

export function isUuid(value: string): boolean {
  return UUID_REGEX.test(value);
}

export const Uuid = Type.String({ pattern: UUID_PATTERN, description: 'a UUID' });

/** `:id` of the `/internal/agents/:id/…` routes. */
export const AgentIdParams = Type.Object({ id: Uuid });

/** An ISO-8601 time as the agent sends it (`new Date().toISOString()`). */
export const IsoTime = Type.String({ format: 'date-time' });

/** Unique per intended order or decision; a retry with the same key never acts twice. */
export const IdempotencyKey = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' });

// --- Market and trading words ----------------------------------------------------------------

/** Bar intervals Artic supports, in the product's own spelling. */
export const INTERVALS = ['1m', '5m', '15m', '30m', '1h', '4h', '1d'] as const;
export const Interval = OneOf(INTERVALS);
export type Interval = Static<typeof Interval>;

export function isInterval(value: string): value is Interval {
  return (INTERVALS as readonly string[]).includes(value);
}

export const POSITION_SIDES = ['long', 'short'] as const;
export const PositionSide = OneOf(POSITION_SIDES);
export type PositionSide = Static<typeof PositionSide>;

/** A strategy name from the library, or what an agent reports it runs. */
export const StrategyName = Type.String({ maxLength: WIRE_LIMITS.maxStrategyNameChars });

/** A price in quote currency, above 0. */
export const Price = Type.Number({ exclusiveMinimum: 0 });

/** A percentage in percent (2.5 = 2.5 %) from 0 to 100. */
export const Percent = Type.Number({ minimum: 0, maximum: 100 });

/** A percentage in percent above 0 and at most 100: take-profit, stop-loss, a loss limit a user sets. */
export const PositivePercent = Type.Number({ exclusiveMinimum: 0, maximum: 100 });

/** `{error, message}`: every 4xx/5xx body of the hub and of the agent. */
export const ErrorBody = Type.Object({ error: Type.String(), message: Type.String() });
export type ErrorBody = Static<typeof ErrorBody>;
