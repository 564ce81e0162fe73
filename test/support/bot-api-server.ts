/**
 * A local stand-in for the Telegram Bot API, for tests and benches (node:http on 127.0.0.1).
 *
 * Speaks Telegram's wire format on `POST|GET /bot<token>/<method>`: bodies as JSON,
 * `application/x-www-form-urlencoded` or `multipart/form-data` (grammY switches to multipart when
 * a file is sent), answers `{ok:true,result}` or `{ok:false,error_code,description,parameters?}`.
 * Point grammY at it with `new Bot(token, { client: { apiRoot } })` (or `new Api(token, { apiRoot })`).
 *
 * - Every call is recorded as `{method, payload, at, chatId?, status}` (`at` from `now()`, ms).
 *   An uploaded file is recorded as `{file: name, size, data: Buffer}` under its part's name.
 * - sendMessage / sendPhoto / sendDocument return a Message with per-chat increasing
 *   `message_id`s; editMessageText / editMessageReplyMarkup / deleteMessage check that the
 *   message exists ("message to edit not found") and, like Telegram, refuse an edit that changes
 *   nothing with 400 "message is not modified".
 * - getMe, answerCallbackQuery, setMyCommands, sendChatAction, setWebhook, deleteWebhook,
 *   getWebhookInfo and any unknown method answer plausibly (`true` for the unknown ones).
 * - getUpdates returns updates given to `pushUpdate` (honouring `offset`), else waits up to
 *   `min(timeout, 1 s)` and answers `[]`, so a long-polling bot does not spin.
 * - Scripted failures: `failNext({code: 429, retryAfter, chatId?, method?, times?})` (flood wait,
 *   per chat or global), `failNext({code: 400, description})`, `failNext({code: 403})` (bot
 *   blocked); `block(chatId)` makes every later call for that chat answer 403.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BotApiCall {
  method: string;
  /** The decoded parameters (numbers and JSON-encoded objects from form bodies are parsed). */
  payload: Record<string, unknown>;
  /** `now()` when the request arrived (ms). */
  at: number;
  /** `chat_id` of the call, as a string, when it has one. */
  chatId?: string;
  /** HTTP-level outcome: 200 on success, else the error code answered. */
  status: number;
}

export interface ScriptedFailure {
  /** 429 (flood wait), 400 (bad request), 403 (forbidden), or any other Bot API error code. */
  code: number;
  /** Seconds for `parameters.retry_after` (429 only; default 1). */
  retryAfter?: number;
  /** Overrides the default description for the code. */
  description?: string;
  /** Only calls for this chat fail (default: any chat, i.e. a global flood). */
  chatId?: number | string;
  /** Only calls of this method fail (default: any method). */
  method?: string;
  /** How many matching calls fail (default 1). */
  times?: number;
}

export interface BotApiServerOptions {
  /** Accepted bot token; omit to accept any. A wrong token answers 401 like Telegram. */
  token?: string;
  /** Clock for `at` and message dates (default `Date.now`). */
  now?: () => number;
  /** Added latency per call (ms), to imitate the network in benches. */
  latencyMs?: number;
  /** The bot's own user (getMe). */
  botUser?: { id: number; username: string; first_name: string };
}

export interface BotApiServer {
  /** Use as grammY's `client.apiRoot`. */
  apiRoot: string;
  calls: BotApiCall[];
  /** Recorded calls of one method (all outcomes). */
  callsTo(method: string): BotApiCall[];
  /** Successful calls of one method. */
  succeeded(method: string): BotApiCall[];
  failNext(failure: ScriptedFailure): void;
  /** Every later call for `chatId` answers 403 "bot was blocked by the user". */
  block(chatId: number | string): void;
  /** Queue an update for getUpdates (the `update_id` is assigned when omitted). */
  pushUpdate(update: Record<string, unknown>): void;
  /** The current text of a message the bot sent (after edits), or undefined when deleted/unknown. */
  messageText(chatId: number | string, messageId: number): string | undefined;
  /** Forget calls, scripted failures, blocks, messages and updates. */
  reset(): void;
  close(): Promise<void>;
}

const DEFAULT_DESCRIPTIONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden: bot was blocked by the user',
  404: 'Not Found',
  409: 'Conflict: terminated by other getUpdates request',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
};

interface StoredMessage {
  text?: string;
  markup?: string;
}

type Json = Record<string, unknown>;

/**
 * A decoded field as text: strings as they are, numbers and booleans printed, absent as ''
 * (a test reading a message's `text`, the stand-in reading `chat_id` or `text`).
 */
export function fieldText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Form fields arrive as strings; Telegram parses numbers, booleans and JSON objects. */
function decodeField(value: string): unknown {
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (value === 'true' || value === 'false') return value === 'true';
  if (/^[[{]/.test(value)) {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  }
  return value;
}

/**
 * A lenient multipart parser: grammY writes headers without spaces and unquoted filenames
 * (`content-disposition:form-data;name="doc";filename=a.txt`), which stricter parsers refuse.
 */
function parseMultipart(body: Buffer, contentType: string): Array<{ name: string; filename?: string; data: Buffer }> {
  const boundary = /boundary=("?)([^";]+)\1/i.exec(contentType)?.[2];
  if (!boundary) throw new Error('multipart body without boundary');
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Array<{ name: string; filename?: string; data: Buffer }> = [];
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const afterDelimiter = start + delimiter.length;
    if (body.subarray(afterDelimiter, afterDelimiter + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, afterDelimiter);
    if (next === -1) break;
    const chunk = body.subarray(afterDelimiter + 2, next - 2); // skip CRLF after delimiter and before the next
    const headerEnd = chunk.indexOf('\r\n\r\n');
    const headers = chunk.subarray(0, headerEnd).toString('utf8');
    const disposition = /content-disposition:\s*form-data(.*)/i.exec(headers)?.[1] ?? '';
    const name = /;\s*name="?([^";\r\n]+)"?/i.exec(disposition)?.[1];
    const filename = /;\s*filename="?([^";\r\n]+)"?/i.exec(disposition)?.[1];
    if (name !== undefined) parts.push({ name, ...(filename !== undefined ? { filename } : {}), data: chunk.subarray(headerEnd + 4) });
    start = next;
  }
  return parts;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function decodePayload(req: IncomingMessage, url: URL): Promise<Json> {
  const payload: Json = {};
  for (const [k, v] of url.searchParams) payload[k] = decodeField(v);
  const body = await readBody(req);
  if (body.length === 0) return payload;
  const type = String(req.headers['content-type'] ?? '');
  if (type.includes('application/json')) {
    return { ...payload, ...(JSON.parse(body.toString('utf8')) as Json) };
  }
  if (type.includes('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) payload[k] = decodeField(v);
    return payload;
  }
  if (type.includes('multipart/form-data')) {
    for (const part of parseMultipart(body, type)) {
      payload[part.name] =
        part.filename === undefined
          ? decodeField(part.data.toString('utf8'))
          : { file: part.filename, size: part.data.length, data: part.data };
    }
    return payload;
  }
  return payload;
}

export async function startBotApiServer(options: BotApiServerOptions = {}): Promise<BotApiServer> {
  const now = options.now ?? Date.now;
  const botUser = options.botUser ?? { id: 7_000_000_001, username: 'artic_test_bot', first_name: 'Artic' };
  const calls: BotApiCall[] = [];
  let failures: Array<ScriptedFailure & { left: number }> = [];
  const blocked = new Set<string>();
  const messages = new Map<string, Map<number, StoredMessage>>();
  const nextMessageId = new Map<string, number>();
  let updates: Json[] = [];
  let nextUpdateId = 1;
  let updateWaiters: Array<() => void> = [];

  function send(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  function chatOf(payload: Json): string | undefined {
    const id = payload.chat_id;
    return id === undefined || id === null ? undefined : fieldText(id);
  }

  function takeFailure(method: string, chatId: string | undefined): ScriptedFailure | undefined {
    const hit = failures.find(
      (f) => (f.method === undefined || f.method === method) && (f.chatId === undefined || String(f.chatId) === chatId),
    );
    if (!hit) return undefined;
    hit.left -= 1;
    if (hit.left <= 0) failures = failures.filter((f) => f !== hit);
    return hit;
  }

  function errorBody(code: number, description?: string, retryAfter?: number): Json {
    const base = description ?? DEFAULT_DESCRIPTIONS[code] ?? `Error ${code}`;
    if (code === 429) {
      const after = retryAfter ?? 1;
      return {
        ok: false,
        error_code: 429,
        description: description ?? `Too Many Requests: retry after ${after}`,
        parameters: { retry_after: after },
      };
    }
    return { ok: false, error_code: code, description: base };
  }

  function chatMessages(chatId: string): Map<number, StoredMessage> {
    let m = messages.get(chatId);
    if (!m) messages.set(chatId, (m = new Map()));
    return m;
  }

  function newMessage(chatId: string, payload: Json): Json {
    const id = (nextMessageId.get(chatId) ?? 0) + 1;
    nextMessageId.set(chatId, id);
    const text = typeof payload.text === 'string' ? payload.text : undefined;
    chatMessages(chatId).set(id, { text, markup: payload.reply_markup ? JSON.stringify(payload.reply_markup) : undefined });
    const numericChat = Number(chatId);
    return {
      message_id: id,
      date: Math.floor(now() / 1000),
      chat:
        Number.isFinite(numericChat) && numericChat > 0
          ? { id: numericChat, type: 'private', first_name: 'Trader' }
          : { id: Number.isFinite(numericChat) ? numericChat : chatId, type: 'supergroup', title: 'Group' },
      from: { ...botUser, is_bot: true },
      ...(text !== undefined ? { text } : {}),
      ...(payload.reply_markup ? { reply_markup: payload.reply_markup } : {}),
    };
  }

  /** Answers one method call: `[httpStatus, body]`. */
  async function answer(method: string, payload: Json, chatId: string | undefined): Promise<[number, Json]> {
    const ok = (result: unknown): [number, Json] => [200, { ok: true, result }];
    const bad = (description: string): [number, Json] => [400, errorBody(400, description)];
    switch (method) {
      case 'getMe':
        return ok({ ...botUser, is_bot: true, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false });
      case 'sendMessage':
      case 'sendPhoto':
      case 'sendDocument': {
        if (!chatId) return bad('Bad Request: chat_id is empty');
        if (method === 'sendMessage' && (typeof payload.text !== 'string' || payload.text.length === 0))
          return bad('Bad Request: message text is empty');
        if (typeof payload.text === 'string' && payload.text.length > 4096) return bad('Bad Request: message is too long');
        return ok(newMessage(chatId, payload));
      }
      case 'editMessageText':
      case 'editMessageReplyMarkup': {
        if (!chatId) return bad('Bad Request: chat_id is empty');
        const stored = chatMessages(chatId).get(Number(payload.message_id));
        if (!stored) return bad('Bad Request: message to edit not found');
        const text = method === 'editMessageText' ? fieldText(payload.text) : stored.text;
        if (method === 'editMessageText' && !text) return bad('Bad Request: message text is empty');
        if (text && text.length > 4096) return bad('Bad Request: MESSAGE_TOO_LONG');
        const markup = payload.reply_markup ? JSON.stringify(payload.reply_markup) : undefined;
        if (text === stored.text && markup === stored.markup) {
          return bad(
            'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
          );
        }
        stored.text = text;
        stored.markup = markup;
        return ok({
          message_id: Number(payload.message_id),
          date: Math.floor(now() / 1000),
          chat: { id: Number(chatId), type: 'private' },
          text,
          ...(payload.reply_markup ? { reply_markup: payload.reply_markup } : {}),
        });
      }
      case 'deleteMessage': {
        if (!chatId) return bad('Bad Request: chat_id is empty');
        const m = chatMessages(chatId);
        if (!m.delete(Number(payload.message_id))) return bad('Bad Request: message to delete not found');
        return ok(true);
      }
      case 'getUpdates': {
        const offset = typeof payload.offset === 'number' ? payload.offset : 0;
        updates = updates.filter((u) => Number(u.update_id) >= offset);
        if (updates.length === 0) {
          const waitMs = Math.min(Number(payload.timeout ?? 0) * 1000, 1000);
          if (waitMs > 0) {
            await new Promise<void>((resolve) => {
              const timer = setTimeout(done, waitMs);
              function done(): void {
                clearTimeout(timer);
                updateWaiters = updateWaiters.filter((w) => w !== done);
                resolve();
              }
              updateWaiters.push(done);
            });
          }
        }
        const limit = typeof payload.limit === 'number' ? payload.limit : 100;
        return ok(updates.filter((u) => Number(u.update_id) >= offset).slice(0, limit));
      }
      case 'getWebhookInfo':
        return ok({ url: '', has_custom_certificate: false, pending_update_count: 0 });
      case 'getChat':
        return ok({ id: Number(chatId), type: 'private', first_name: 'Trader' });
      // answerCallbackQuery, setMyCommands, sendChatAction, setWebhook, deleteWebhook, …
      default:
        return ok(true);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!match) return send(res, 404, errorBody(404));
    const [, token, method] = match as unknown as [string, string, string];
    const at = now();
    let payload: Json;
    try {
      payload = await decodePayload(req, url);
    } catch {
      return send(res, 400, errorBody(400, 'Bad Request: cannot parse request body'));
    }
    const chatId = chatOf(payload);
    const call: BotApiCall = { method, payload, at, status: 200, ...(chatId !== undefined ? { chatId } : {}) };
    calls.push(call);
    if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
    if (options.token !== undefined && token !== options.token) {
      call.status = 401;
      return send(res, 401, errorBody(401));
    }
    if (chatId !== undefined && blocked.has(chatId)) {
      call.status = 403;
      return send(res, 403, errorBody(403));
    }
    const failure = takeFailure(method, chatId);
    if (failure) {
      call.status = failure.code;
      return send(res, failure.code, errorBody(failure.code, failure.description, failure.retryAfter));
    }
    const [status, body] = await answer(method, payload, chatId);
    call.status = status;
    send(res, status, body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, errorBody(500));
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    apiRoot: `http://127.0.0.1:${port}`,
    calls,
    callsTo: (method) => calls.filter((c) => c.method === method),
    succeeded: (method) => calls.filter((c) => c.method === method && c.status === 200),
    failNext(failure) {
      failures.push({ ...failure, left: failure.times ?? 1 });
    },
    block(chatId) {
      blocked.add(String(chatId));
    },
    pushUpdate(update) {
      const id = typeof update.update_id === 'number' ? update.update_id : nextUpdateId;
      nextUpdateId = Math.max(nextUpdateId, id + 1);
      updates.push({ ...update, update_id: id });
      for (const wake of [...updateWaiters]) wake();
    },
    messageText(chatId, messageId) {
      return messages.get(String(chatId))?.get(messageId)?.text;
    },
    reset() {
      calls.length = 0;
      failures = [];
      blocked.clear();
      messages.clear();
      nextMessageId.clear();
      updates = [];
    },
    close() {
      for (const wake of [...updateWaiters]) wake();
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
