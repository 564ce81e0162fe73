/** What the client API's route plugins receive: hub services (the same the bot uses) and the server's limits. */
import type { Hub } from '../../../hub/hub.js';

export interface ApiServices {
  hub: Pick<
    Hub,
    | 'dashboardSessions'
    | 'userTokens'
    | 'users'
    | 'agents'
    | 'lifecycle'
    | 'settings'
    | 'logs'
    | 'tradeHistory'
    | 'analytics'
    | 'charts'
    | 'vault'
    | 'backtests'
    | 'events'
  >;
  /** MAX_LEVERAGE. */
  maxLeverage: number;
  /** Canonical pair ids the active market data serves (the chat's /symbols). */
  supportedSymbols: ReadonlySet<string>;
}
