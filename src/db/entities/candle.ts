/** One cached OHLCV bar, one row per candle; primary key symbol + interval + open time. */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const CandleSchema = defineEntity({
  name: 'CandleRow',
  tableName: 'candles',
  properties: {
    symbol: p.string().length(32).primary(),
    interval: p.string().length(8).primary(),
    /** Bar start, Unix epoch ms (UTC). */
    openTime: p.bigint('number').primary(),
    open: p.double().runtimeType('number').$type<number>(),
    high: p.double().runtimeType('number').$type<number>(),
    low: p.double().runtimeType('number').$type<number>(),
    close: p.double().runtimeType('number').$type<number>(),
    volume: p.double().runtimeType('number').$type<number>(),
    source: p.string().length(16),
    fetchedAt: p.datetime(),
  },
  primaryKeys: ['symbol', 'interval', 'openTime'],
});

export type CandleRow = InferEntity<typeof CandleSchema>;

/** Upstream credits spent per provider per UTC day, so a restart does not reset the budget. */
export const ApiCreditSchema = defineEntity({
  name: 'ApiCredit',
  tableName: 'api_credits',
  properties: {
    provider: p.string().length(32).primary(),
    /** UTC day, `YYYY-MM-DD`. */
    day: p.string().length(10).primary(),
    used: p.integer().default(0),
  },
  primaryKeys: ['provider', 'day'],
});

export type ApiCredit = InferEntity<typeof ApiCreditSchema>;
