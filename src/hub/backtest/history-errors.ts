/**
 * Why a backtest's history cannot be loaded, as typed hub errors: `userMessage` is what the trader
 * reads (it says what to do instead). Dates in messages are UTC.
 */
import { HubError } from '../errors.js';
import type { ProviderName } from '../market/provider.js';

/** Provider names as a trader reads them. */
export const PROVIDER_LABEL: Record<ProviderName, string> = {
  hashkey: 'HashKey',
  twelvedata: 'Twelve Data',
  simulated: 'The simulated market',
};

/** `ms` as `YYYY-MM-DD HH:MM UTC` (`YYYY-MM-DD` at midnight). */
export function formatUtc(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.slice(11, 16) === '00:00' ? iso.slice(0, 10) : `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

/** The pair cannot be backtested: it cannot be read, or the hub's market data does not serve it. */
export class BacktestSymbolError extends HubError {
  override name = 'BacktestSymbolError';
  constructor(
    readonly input: string,
    reason: string,
  ) {
    super(`cannot backtest "${input}": ${reason}`, `Cannot backtest "${input}": ${reason}. Send /symbols for the pairs you can backtest.`);
  }
}

/**
 * The period asks for bars the provider does not have: in the future, before its history, or too
 * close to its start for the strategies' warm-up. `earliestMs` is the provider's first bar when known.
 */
export class HistoryRangeError extends HubError {
  override name = 'HistoryRangeError';
  constructor(
    message: string,
    readonly earliestMs: number | null,
  ) {
    super(message);
  }
}

/** The credits Twelve Data leaves backtests today cannot load even the shortest run. */
export class HistoryBudgetError extends HubError {
  override name = 'HistoryBudgetError';
  constructor() {
    super(
      "Twelve Data's daily credits for backtests are spent (running agents keep their share). Try again after 00:00 UTC, or a shorter period.",
    );
  }
}

/** The provider failed while history was loading (the cause is attached, never shown). */
export class HistoryUnavailableError extends HubError {
  override name = 'HistoryUnavailableError';
  constructor(provider: ProviderName, options: { cause: unknown }) {
    super(`${PROVIDER_LABEL[provider]} did not deliver the history. Try again in a few minutes.`);
    this.cause = options.cause;
  }
}
