/**
 * Trader analytics in chat, one feature mounted once in createBot: /profit, /stats, /performance
 * (./profit.ts), /daily, /weekly, /monthly (./period-tables.ts) and /leaderboard, /optin, /optout
 * (./leaderboard.ts).
 */
import { Composer } from 'grammy';
import type { BotContext } from '../context.js';
import type { BotServices } from '../services.js';
import { createLeaderboardFeature } from './leaderboard.js';
import { createPeriodTablesFeature } from './period-tables.js';
import { createProfitFeature } from './profit.js';

export function createAnalyticsFeature(services: BotServices): Composer<BotContext> {
  return new Composer<BotContext>(createProfitFeature(services), createPeriodTablesFeature(services), createLeaderboardFeature(services));
}
