/**
 * Drives the real bot over a real hub for tests: a migrated private database, the hub with an
 * in-test agent runtime (each agent is a tiny HTTP server on 127.0.0.1 speaking the control
 * API, so the REAL lifecycle runs), the local Bot API stand-in (test/support/bot-api-server.ts)
 * as the transport, and helpers that feed updates through `bot.handleUpdate`.
 *
 * One adjustment at the fetch level: the stand-in only knows messages the bot sent, so a
 * `deleteMessage` of a user's message (ids from USER_MESSAGE_IDS up) is still recorded by the
 * stand-in but answered `true`, as Telegram would.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Composer } from 'grammy';
import type { Update } from 'grammy/types';
import { createBot, type ArticBot, type BotDeps } from '../../src/bot/bot.js';
import type { BotContext } from '../../src/bot/context.js';
import { parseConfig, type ResolvedConfig } from '../../src/config.js';
import type { Orm } from '../../src/db/orm.js';
import { resolveDevSecrets } from '../../src/dev-secrets.js';
import { createBotStateStore, type BotStateStore } from '../../src/hub/bot-state-store.js';
import { createHub, type Hub } from '../../src/hub/hub.js';
import type { AgentExit, AgentRuntime, AgentSpec } from '../../src/hub/runtime/runtime.js';
import type { Vault } from '../../src/hub/secrets/vault.js';
import { createVaultFromConfig } from '../../src/hub/secrets/vault-from-config.js';
import { createLogger, SecretRegistry } from '../../src/logger.js';
import { fieldText, startBotApiServer, type BotApiServer } from './bot-api-server.js';
import { createTestOrm } from './db.js';
import { createManualClock } from './manual-clock.js';
import { freePortRange } from './ports.js';

export const BOT_TOKEN = '7000000001:AAtest-token-for-the-bot-harness-0001';
export const BOT_INFO = {
  id: 7_000_000_001,
  is_bot: true as const,
  first_name: 'Artic',
  username: 'artic_test_bot',
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
  can_manage_bots: false,
  supports_join_request_queries: false,
} as const;
export const USER_MESSAGE_IDS = 100_000;

/**
 * An agent runtime whose agents are small HTTP servers answering /health, /start, /stop, /status
 * and /config (whose bodies are recorded in `configs`).
 */
export function createFakeRuntime(
  options: { failStart?: () => boolean } = {},
): AgentRuntime & { servers: Map<string, Server>; configs: Array<{ agentId: string; body: unknown }> } {
  const servers = new Map<string, Server>();
  const configs: Array<{ agentId: string; body: unknown }> = [];
  const listeners = new Set<(e: AgentExit) => void>();
  const baseUrls = new Map<string, string>();
  return {
    kind: 'process',
    network: 'host',
    hubHost: '127.0.0.1',
    servers,
    configs,
    async place(spec: AgentSpec) {
      let state = 'idle';
      const server = createServer((req, res) => {
        const send = (code: number, body: unknown) => {
          res.writeHead(code, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        if (req.headers.authorization !== `Bearer ${spec.env.AGENT_TOKEN}`)
          return send(401, { error: 'Unauthorized', message: 'bad token' });
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          const status = () => ({
            agentId: spec.agentId,
            state,
            price: null,
            position: null,
            unrealizedPnl: 0,
            realizedPnl: 0,
            strategy: null,
            lastAction: null,
            stale: false,
            simulated: true,
            ts: new Date().toISOString(),
          });
          if (req.url === '/health') return send(200, { ok: true, agentId: spec.agentId, state, uptimeMs: 1, version: 'test' });
          if (req.url === '/start') {
            if (options.failStart?.()) return send(500, { error: 'StartFailed', message: 'the strategy could not load' });
            state = 'running';
            return send(200, status());
          }
          if (req.url === '/stop') {
            state = 'stopped';
            return send(200, status());
          }
          if (req.url === '/status') return send(200, status());
          if (req.url === '/config') {
            configs.push({ agentId: spec.agentId, body: JSON.parse(body) as unknown });
            return send(200, status());
          }
          send(404, { error: 'NotFound', message: req.url ?? '' });
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      servers.set(spec.agentId, server);
      const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      baseUrls.set(spec.agentId, baseUrl);
      return { handleId: `pid:${process.pid}`, baseUrl };
    },
    async remove(agentId) {
      const server = servers.get(agentId);
      servers.delete(agentId);
      if (server) {
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
      }
    },
    baseUrl: (agentId) => baseUrls.get(agentId) ?? 'http://127.0.0.1:9',
    list: async () => [],
    lastLogs: async () => [],
    onExit(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      for (const id of [...servers.keys()]) await this.remove(id);
    },
  };
}

export interface HarnessOptions {
  env?: Record<string, string>;
  /** Features mounted before the unknown-command handler; a function receives the harness's hub. */
  extraFeatures?: Array<Composer<BotContext>> | ((hub: Hub) => Array<Composer<BotContext>>);
  failStart?: () => boolean;
  /** The hub services the bot gets (default: the harness's hub as it is); called at each (re)build of the bot. */
  botHub?: (hub: Hub, parts: { orm: Orm; config: ResolvedConfig; now: () => number }) => BotDeps['hub'];
}

export interface TestUser {
  id: number;
  chatId: number;
  /** Sends a text message (commands get a bot_command entity); returns its message id. */
  send(text: string): Promise<number>;
  /** Taps an inline button on the bot's message `messageId` (default: the bot's last message to this chat). */
  press(data: string, messageId?: number): Promise<void>;
  /** Texts the bot sent (sendMessage) to this chat, in order. */
  texts(): string[];
  lastText(): string;
  /** The inline keyboard buttons' callback data of the bot's last message to this chat. */
  lastButtons(): string[];
}

export interface BotHarness {
  api: BotApiServer;
  hub: Hub;
  vault: Vault;
  store: BotStateStore;
  orm: Orm;
  config: ResolvedConfig;
  clock: { now: number };
  logs: string[];
  artic: ArticBot;
  runtime: ReturnType<typeof createFakeRuntime>;
  user(id: number, chatId?: number, chatType?: 'private' | 'group'): TestUser;
  /** A new bot instance over the same database (a hub restart); the old one is dropped. */
  restartBot(): ArticBot;
  close(): Promise<void>;
}

export async function createBotHarness(options: HarnessOptions = {}): Promise<BotHarness> {
  const { orm, close: closeDb } = await createTestOrm('bot');
  const api = await startBotApiServer({
    token: BOT_TOKEN,
    botUser: { id: BOT_INFO.id, username: BOT_INFO.username, first_name: BOT_INFO.first_name },
  });
  const range = await freePortRange(201);
  const config = resolveDevSecrets(
    parseConfig({
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'artic-bot-')),
      TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      TELEGRAM_API_ROOT: api.apiRoot,
      MARKET_DATA: 'simulated',
      AGENT_PORT_RANGE: `${range.from}-${range.to}`,
      ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      ...options.env,
    }),
  );
  const logs: string[] = [];
  const registry = new SecretRegistry();
  const logger = createLogger({ level: 'debug', secrets: registry, destination: { write: (line: string) => void logs.push(line) } });
  const runtime = createFakeRuntime({ failStart: options.failStart });
  const hub = await createHub({ config, orm, logger, httpPort: () => 0, runtime });
  // The hub's vault without its exchange-key verifier (that one calls HashKey).
  const vault = createVaultFromConfig(config, { orm, users: hub.users, registry });
  const store = createBotStateStore(orm);
  // `clock.now` moves the bot's clock; moving it fires the bot's timers that fall due.
  const timers = createManualClock(Date.UTC(2026, 10, 30, 12, 0, 0));
  const clock = {
    get now() {
      return timers.now();
    },
    set now(value: number) {
      timers.advance(value - timers.now());
    },
  };

  // Answer deletions of users' messages like Telegram would; the stand-in still records them.
  const fetchImpl: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    const url = String(input instanceof Request ? input.url : input);
    if (url.endsWith('/deleteMessage')) {
      const last = api.calls.at(-1);
      if (last?.method === 'deleteMessage' && Number(last.payload.message_id) >= USER_MESSAGE_IDS) {
        return new Response(JSON.stringify({ ok: true, result: true }), { headers: { 'content-type': 'application/json' } });
      }
    }
    return res;
  };
  const build = () =>
    createBot({
      config,
      hub: options.botHub?.(hub, { orm, config, now: () => clock.now }) ?? hub,
      vault,
      store,
      logger,
      secrets: registry,
      botInfo: BOT_INFO,
      clock: () => clock.now,
      timers,
      extraFeatures: typeof options.extraFeatures === 'function' ? options.extraFeatures(hub) : options.extraFeatures,
      client: { fetch: fetchImpl as never },
    });

  const harness: BotHarness = {
    api,
    hub,
    vault,
    store,
    orm,
    config,
    clock,
    logs,
    runtime,
    artic: build(),
    user(id, chatId = id, chatType = 'private') {
      let nextMessageId = USER_MESSAGE_IDS + id * 1000;
      let nextUpdate = id * 1_000_000;
      const fromUser = { id, is_bot: false, first_name: `Trader${id}`, username: `trader${id}` };
      const chat =
        chatType === 'private'
          ? { id: chatId, type: 'private' as const, first_name: fromUser.first_name }
          : { id: chatId, type: 'group' as const, title: 'Group' };
      const sent = () => api.succeeded('sendMessage').filter((c) => c.chatId === String(chatId));
      const u: TestUser = {
        id,
        chatId,
        async send(text) {
          const message_id = nextMessageId++;
          const command = /^\/\w+/.exec(text);
          const update = {
            update_id: nextUpdate++,
            message: {
              message_id,
              date: Math.floor(clock.now / 1000),
              chat,
              from: fromUser,
              text,
              ...(command ? { entities: [{ type: 'bot_command' as const, offset: 0, length: command[0].length }] } : {}),
            },
          } as Update;
          await harness.artic.handleUpdate(update);
          return message_id;
        },
        async press(data, messageId) {
          const lastId = messageId ?? lastMessageId(api, chatId) ?? 1;
          const update = {
            update_id: nextUpdate++,
            callback_query: {
              id: String(nextUpdate),
              from: fromUser,
              chat_instance: String(chatId),
              data,
              message: { message_id: lastId, date: Math.floor(clock.now / 1000), chat, from: BOT_INFO, text: 'x' },
            },
          } as Update;
          await harness.artic.handleUpdate(update);
        },
        texts: () => sent().map((c) => String(c.payload.text)),
        lastText: () => fieldText(sent().at(-1)?.payload.text),
        lastButtons() {
          const markup = sent().at(-1)?.payload.reply_markup as { inline_keyboard?: Array<Array<{ callback_data?: string }>> } | undefined;
          return (markup?.inline_keyboard ?? []).flat().map((b) => b.callback_data ?? '');
        },
      };
      return u;
    },
    restartBot() {
      harness.artic = build();
      return harness.artic;
    },
    async close() {
      await hub.stop();
      await api.close();
      await closeDb();
    },
  };
  return harness;
}

/** The message id the stand-in gave the bot's last sendMessage to `chatId`. */
function lastMessageId(api: BotApiServer, chatId: number): number | undefined {
  let count = 0;
  for (const c of api.calls) if (c.method === 'sendMessage' && c.chatId === String(chatId) && c.status === 200) count++;
  return count || undefined;
}
