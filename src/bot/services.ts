/** The hub services and settings the bot's features use, handed to each feature factory. */
import type { AccessMode } from '../config.js';
import type { Hub } from '../hub/hub.js';
import type { Vault } from '../hub/secrets/vault.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../shared/clock.js';
import type { FlowStorage } from './session-storage.js';

export interface BotServices {
  hub: Pick<
    Hub,
    | 'users'
    | 'access'
    | 'agents'
    | 'lifecycle'
    | 'settings'
    | 'logs'
    | 'userTokens'
    | 'info'
    | 'balances'
    | 'tradeHistory'
    | 'analytics'
    | 'llmCosts'
    | 'backtests'
    | 'charts'
    | 'dashboardSessions'
  >;
  vault: Vault;
  flows: FlowStorage;
  accessMode: AccessMode;
  maxLeverage: number;
  /** Canonical pair ids the active market data provider serves. */
  supportedSymbols: ReadonlySet<string>;
  /** PUBLIC_URL without a trailing slash: the Mini App's base (Dashboard buttons); undefined: none shown. */
  publicUrl: string | undefined;
  /** Where /dashboard login links point: PUBLIC_URL, else `http://127.0.0.1:PORT`. */
  dashboardBaseUrl: string;
  /** Wall clock in ms; tests inject one. */
  clock: () => number;
  /** Timers of paced work, on the same clock (tests inject a manual one). */
  timers: Pick<Clock, 'setTimeout' | 'clearTimeout'>;
  logger: Logger;
}
