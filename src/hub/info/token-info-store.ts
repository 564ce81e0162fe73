/**
 * The door to the `token_info` table: the day-long cache of `/info` answers, one row per ticker.
 * Only token-info.ts calls it; test/hub/info/token-info.test.ts pins what it stores.
 */
import type { Orm } from '../../db/orm.js';

export interface CachedTokenInfo<T> {
  data: T;
  /** When CoinMarketCap answered, epoch ms. */
  fetchedAt: number;
}

export interface TokenInfoStore<T> {
  load(symbol: string): Promise<CachedTokenInfo<T> | undefined>;
  /** Inserts or replaces the ticker's row. */
  save(symbol: string, cmcId: number, data: T, fetchedAt: number): Promise<void>;
}

export function createTokenInfoStore<T>(orm: Orm): TokenInfoStore<T> {
  const connection = () => orm.em.getConnection();
  return {
    async load(symbol) {
      const rows: Array<{ data: T | string; fetched_at: Date | string }> = await connection().execute(
        'select data, fetched_at from token_info where symbol = ?',
        [symbol],
      );
      const row = rows[0];
      if (!row) return undefined;
      const data = typeof row.data === 'string' ? (JSON.parse(row.data) as T) : row.data;
      return { data, fetchedAt: new Date(row.fetched_at).getTime() };
    },

    async save(symbol, cmcId, data, fetchedAt) {
      await connection().execute(
        `insert into token_info (symbol, cmc_id, data, fetched_at) values (?, ?, ?::jsonb, ?)
         on conflict (symbol) do update set cmc_id = excluded.cmc_id, data = excluded.data, fetched_at = excluded.fetched_at`,
        [symbol, cmcId, JSON.stringify(data), new Date(fetchedAt)],
      );
    },
  };
}
