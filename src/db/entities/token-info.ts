/**
 * CoinMarketCap metadata of one ticker (`/info`), cached for a day; one row per ticker asked for.
 * The door to this table is src/hub/info/token-info-store.ts; `data` is the hub's `TokenInfo`
 * (src/hub/info/token-info.ts), stored as JSON so a new field needs no migration.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const TokenInfoSchema = defineEntity({
  name: 'TokenInfoRow',
  tableName: 'token_info',
  properties: {
    /** The ticker, upper case (`BTC`): the base of the contract's symbol rule, at most 12 characters. */
    symbol: p.string().length(16).primary(),
    /** CoinMarketCap's id of the entry chosen for the ticker (1 = Bitcoin). */
    cmcId: p.integer(),
    data: p.json<Record<string, unknown>>(),
    /** When CoinMarketCap answered; the row is served until a day after this. */
    fetchedAt: p.datetime(),
  },
});

export type TokenInfoRow = InferEntity<typeof TokenInfoSchema>;
