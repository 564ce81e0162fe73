/**
 * The Telegram bot as a factory: `createBot(deps)` wires the features over the hub services in
 * an explicit order and returns controls for the composition root. Nothing starts on import or
 * in the factory; `start()` registers the command list and begins long polling (or sets the
 * webhook when TELEGRAM_WEBHOOK_URL is set; updates then arrive through the Fastify route).
 *
 * Order of the middleware (it matters):
 *   error boundary → access (groups, /start, active users) → session → idle-flow expiry →
 *   conversations plugin → secret intake and flow guard (before any flow sees, and records, the
 *   update: keys taken out, commands end the flow) → every flow → feature commands → extra
 *   features (alerts, tail) → unknown command (last).
 *
 * Idle-flow expiry lives in ./idle-flows.ts; starting, polling and stopping in ./bot-runner.ts.
 */
import { createHmac } from 'node:crypto';
import { conversations, createConversation } from '@grammyjs/conversations';
import { Api, Bot, BotError, Composer, GrammyError, HttpError, session, type ApiClientOptions, type MiddlewareFn } from 'grammy';
import type { Update, UserFromGetMe } from 'grammy/types';
import type { ResolvedConfig } from '../config.js';
import type { BotStateStore } from '../hub/bot-state-store.js';
import { HubError } from '../hub/errors.js';
import { SUPPORTED_SYMBOL_IDS } from '../hub/market/symbols.js';
import type { Vault } from '../hub/secrets/vault.js';
import type { Logger, SecretRegistry } from '../logger.js';
import { systemClock } from '../shared/clock.js';
import type { BotContext, SessionData } from './context.js';
import { createBotRunner } from './bot-runner.js';
import { createAccessFeature } from './features/access.js';
import { createAgentControlsFeature } from './features/agent-controls.js';
import { createAgentsFeature, panicFlow, PANIC_FLOW } from './features/agents.js';
import { createAnalyticsFeature } from './features/analytics.js';
import { backtestFlow, BACKTEST_FLOW, createBacktestFeature } from './features/backtest.js';
import { createCompareFeature } from './features/backtest-compare.js';
import { createBacktestsFeature } from './features/backtests.js';
import { createBalanceFeature } from './features/balance.js';
import { createCostsFeature } from './features/costs.js';
import { createCreateFeature, createFlow, CREATE_FLOW } from './features/create-agent.js';
import { createEditFeature, editFlow, EDIT_FLOW } from './features/edit-agent.js';
import { ADMIN_COMMANDS, createGeneralFeature, KNOWN_COMMANDS } from './features/general.js';
import { createDashboardFeature, dashboardMenuButton } from './features/dashboard.js';
import { createInfoFeature } from './features/info.js';
import { createSecretsFeature, secretIntake, secretsFlow, SECRETS_FLOW } from './features/secrets.js';
import { createTradesFeature } from './features/trades.js';
import { createUnknownFeature } from './features/unknown.js';
import { floodRetry, floodRetryInFlows } from './flood-retry.js';
import { createFlowGuard } from './flow-guard.js';
import { expireIdleFlow, sweepIdleFlows } from './idle-flows.js';
import type { BotServices } from './services.js';
import { chatUserKey, flowStorage, sessionStorage } from './session-storage.js';
import { createUpdateQueue } from './update-queue.js';

export type BotMode = 'polling' | 'webhook';

export interface BotDeps {
  config: ResolvedConfig;
  hub: BotServices['hub'];
  vault: Vault;
  /** Sessions and conversation state (`createBotStateStore(orm)`). */
  store: BotStateStore;
  logger: Logger;
  /** The logger's scrubber; the bot token is added to it. */
  secrets?: SecretRegistry;
  /** Skips getMe (tests; or a cached value). */
  botInfo?: UserFromGetMe;
  /** Wall clock in ms (idle-flow expiry, uptimes); default Date.now. */
  clock?: () => number;
  /** Composers of other features (alerts, tail), mounted before the unknown-command handler. */
  extraFeatures?: Array<Composer<BotContext>>;
  /** Pair ids the active market provider serves; default from MARKET_DATA. */
  supportedSymbols?: ReadonlySet<string>;
  /** Extra grammY client options (tests pass `fetch`). `apiRoot` comes from the config. */
  client?: ApiClientOptions;
  /** How often idle flows are swept while running (ms; default 60 s). */
  sweepIntervalMs?: number;
  /** Timers of paced work (backtest progress edits); default Node's. Tests pass a manual clock's. */
  timers?: BotServices['timers'];
}

export interface ArticBot {
  bot: Bot<BotContext>;
  /**
   * The Bot API without the bounded 429 retry that `bot.api` (and so every reply) has: for
   * senders that pace themselves and honour `retry_after` on their own (outbound queue, live tail).
   */
  directApi: Api;
  mode: BotMode;
  /** Secret token Telegram must send in webhook mode (X-Telegram-Bot-Api-Secret-Token). */
  webhookSecret: string;
  /** Handles one update now and resolves when done (tests). */
  handleUpdate(update: Update): Promise<void>;
  /** Queues an update (per-chat order, chats concurrent) and returns at once (webhook, polling). */
  enqueue(update: Update): void;
  /** Asks Telegram who the bot is (getMe), once: what every hub replica needs to handle updates. */
  init(): Promise<void>;
  /** Registers commands, then polls or sets the webhook; starts the idle-flow sweep (the leader replica's work). */
  start(): Promise<void>;
  /** Stops polling and the sweep, and waits (briefly) for queued updates. */
  stop(): Promise<void>;
  /** Expires flows idle for 10 minutes and tells their chats; returns how many. */
  sweepIdleFlows(): Promise<number>;
}

export function supportedSymbolsFor(config: ResolvedConfig): ReadonlySet<string> {
  const source = config.market.source === 'auto' ? (config.market.twelveDataApiKey ? 'twelvedata' : 'hashkey') : config.market.source;
  return SUPPORTED_SYMBOL_IDS[source];
}

/** The webhook secret: TELEGRAM_WEBHOOK_SECRET, or derived from INTERNAL_SECRET and the bot token. */
export function webhookSecretFor(config: ResolvedConfig): string {
  return (
    config.telegram.webhookSecret ??
    createHmac('sha256', config.internalSecret)
      .update(`telegram-webhook:${config.telegram.botToken ?? ''}`)
      .digest('hex')
  );
}

/** Typed hub errors are the trader's business: say them. Anything else goes on to `bot.catch`. */
const replyHubErrors: MiddlewareFn<BotContext> = async (ctx, next) => {
  try {
    await next();
  } catch (error) {
    if (!(error instanceof HubError)) throw error;
    if (ctx.callbackQuery)
      await ctx.answerCallbackQuery({ text: error.userMessage.slice(0, 190), show_alert: true }).catch(() => undefined);
    else if (ctx.chat) await ctx.reply(`⚠️ ${error.userMessage}`);
  }
};

/**
 * Everything before the flows: error boundary → access → session → idle-flow expiry →
 * conversations plugin → secret intake and flow guard (before any flow sees, and records, the
 * update: keys taken out, commands end the flow).
 */
function installMiddleware(bot: Bot<BotContext>, services: BotServices, store: BotStateStore): void {
  bot.use(replyHubErrors);
  bot.use(createAccessFeature(services));
  bot.use(session<SessionData, BotContext>({ initial: () => ({}), storage: sessionStorage(store), getSessionKey: chatUserKey }));
  bot.use(expireIdleFlow(services.flows, services.clock));
  bot.use(conversations<BotContext, BotContext>({ storage: services.flows.storage, plugins: [floodRetryInFlows()] }));
  bot.use(secretIntake(services));
  bot.use(createFlowGuard({ knownCommands: KNOWN_COMMANDS, adminCommands: ADMIN_COMMANDS }));
}

/** Every flow (conversation), under its constant id. */
function registerFlows(bot: Bot<BotContext>, services: BotServices): void {
  bot.use(createConversation(createFlow(services), { id: CREATE_FLOW }));
  bot.use(createConversation(editFlow(services), { id: EDIT_FLOW }));
  bot.use(createConversation(secretsFlow(services), { id: SECRETS_FLOW }));
  bot.use(createConversation(panicFlow(services), { id: PANIC_FLOW }));
  bot.use(createConversation(backtestFlow(services), { id: BACKTEST_FLOW }));
}

/** The feature commands, then the extra features (alerts, tail), then the unknown-command handler last. */
function mountFeatures(bot: Bot<BotContext>, services: BotServices, extraFeatures: Array<Composer<BotContext>>): void {
  bot.use(createCreateFeature(services));
  bot.use(createEditFeature(services));
  bot.use(createAgentControlsFeature(services)); // before the agents feature: its /resume falls through to it
  bot.use(createAgentsFeature(services));
  bot.use(createTradesFeature(services));
  bot.use(createAnalyticsFeature(services));
  bot.use(createBacktestFeature(services), createCompareFeature(services), createBacktestsFeature(services));
  bot.use(createSecretsFeature(services));
  bot.use(createInfoFeature(services), createBalanceFeature(services));
  bot.use(createCostsFeature(services));
  bot.use(createGeneralFeature(services));
  bot.use(createDashboardFeature(services));
  for (const feature of extraFeatures) bot.use(feature);
  bot.use(createUnknownFeature());
}

/** `bot.catch`: Telegram refusing or not answering is logged; anything else also gets an apology in the chat. */
function reportUpdateError(log: Logger): (err: BotError<BotContext>) => Promise<void> {
  return async (err) => {
    const error = err.error;
    const updateId = err.ctx.update.update_id;
    if (error instanceof GrammyError) {
      // Never log `error.payload`: it holds message texts.
      log.warn({ updateId, method: error.method, code: error.error_code, description: error.description }, 'Telegram refused a call');
      return;
    }
    if (error instanceof HttpError) {
      log.warn({ updateId, reason: String((error.error as Error)?.message ?? error.error) }, 'Telegram did not answer');
      return;
    }
    log.error({ err: error, updateId }, 'update handler failed');
    if (err.ctx.chat) await err.ctx.reply('⚠️ Something went wrong on our side. Please try again.').catch(() => undefined);
  };
}

function servicesFor(deps: BotDeps, clock: () => number, log: Logger): BotServices {
  const { config } = deps;
  return {
    hub: deps.hub,
    vault: deps.vault,
    flows: flowStorage(deps.store, clock),
    accessMode: config.telegram.accessMode,
    maxLeverage: config.agents.maxLeverage,
    supportedSymbols: deps.supportedSymbols ?? supportedSymbolsFor(config),
    publicUrl: config.dashboard.publicUrl,
    dashboardBaseUrl: config.dashboard.publicUrl ?? `http://127.0.0.1:${config.port}`,
    clock,
    timers: deps.timers ?? systemClock,
    logger: log,
  };
}

export function createBot(deps: BotDeps): ArticBot {
  const { config, logger } = deps;
  const token = config.telegram.botToken;
  if (!token) throw new Error('createBot needs TELEGRAM_BOT_TOKEN');
  deps.secrets?.add(token);
  const clock = deps.clock ?? Date.now;
  const log = logger.child({ part: 'bot' });
  const services = servicesFor(deps, clock, log);
  const mode: BotMode = config.telegram.webhookUrl ? 'webhook' : 'polling';
  const webhookSecret = webhookSecretFor(config);

  const client: ApiClientOptions = { ...deps.client, apiRoot: config.telegram.apiRoot };
  const bot = new Bot<BotContext>(token, { ...(deps.botInfo ? { botInfo: deps.botInfo } : {}), client });
  const directApi = new Api(token, client);
  bot.api.config.use(floodRetry());

  // The order is the one in the module header; the unknown-command handler comes last.
  installMiddleware(bot, services, deps.store);
  registerFlows(bot, services);
  mountFeatures(bot, services, deps.extraFeatures ?? []);
  bot.catch(reportUpdateError(log));

  // `bot.handleUpdate` rethrows what the middleware threw; `bot.catch` only sees errors when
  // grammY's own runner is used, so every update we handle goes through the handler here.
  async function handleUpdate(update: Update): Promise<void> {
    try {
      await bot.handleUpdate(update);
    } catch (error) {
      if (!(error instanceof BotError)) throw error;
      // `instanceof` cannot carry the context type; every BotError here comes from this bot's middleware.
      await bot.errorHandler(error as BotError<BotContext>);
    }
  }
  const queue = createUpdateQueue(handleUpdate, log);
  const sweep = () => sweepIdleFlows(services.flows, bot.api, clock, log);
  const runner = createBotRunner({
    bot,
    directApi,
    queue,
    webhookUrl: config.telegram.webhookUrl,
    webhookSecret,
    sweepIdleFlows: sweep,
    menuButton: dashboardMenuButton(config.dashboard.publicUrl),
    sweepIntervalMs: deps.sweepIntervalMs ?? 60_000,
    log,
  });

  return {
    bot,
    directApi,
    mode,
    webhookSecret,
    handleUpdate,
    enqueue: (update) => queue.push(update),
    sweepIdleFlows: sweep,
    init: () => bot.init(),
    start: runner.start,
    stop: runner.stop,
  };
}
