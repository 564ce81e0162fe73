/**
 * A local server speaking OpenAI's chat-completions wire format, for the LLM gateway's tests.
 *
 * - `POST <any prefix>/chat/completions` → `{id, object:'chat.completion', created, model,
 *   choices:[{index:0, message:{role:'assistant', content}, finish_reason}], usage}`. Any prefix
 *   is accepted, so each provider's base URL can point at its own path (`/openai/v1`,
 *   `/deepseek`, …) and the recorded `path` tells which one was called.
 * - Auth: `Authorization: Bearer <key>` must be one of `keys` (when given); a wrong key gets
 *   OpenAI's 401 body, whose message quotes the key (worse than OpenAI's masked echo, to prove
 *   the gateway never passes upstream 401 text on).
 * - Scripted replies (`reply(...)`, consumed in order; when none is queued the default answer
 *   is used): content with usage, `null` content, no choices, an HTTP error with body and
 *   headers (401/429 with `retry-after`/500), a raw non-JSON body, and a delay (slow answers).
 * - Every request is recorded: path, bearer key, parsed body.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedLlmRequest {
  path: string;
  /** The bearer token sent (the API key), or undefined. */
  key: string | undefined;
  body: Record<string, any>;
  at: number;
}

export type ScriptedReply =
  | {
      kind: 'answer';
      content: string | null;
      usage?: { prompt: number; completion: number } | null;
      model?: string;
      finishReason?: string;
      delayMs?: number;
    }
  | { kind: 'no-choices'; delayMs?: number }
  | { kind: 'error'; status: number; message?: string; headers?: Record<string, string>; delayMs?: number }
  | { kind: 'raw'; status: number; body: string; delayMs?: number };

export interface OpenAiServerOptions {
  /** Accepted API keys; omit to accept any bearer token. */
  keys?: string[];
  /** Answer when nothing is scripted (default `{"ok":true}` with usage 10/5). */
  defaultContent?: string;
}

export interface OpenAiServer {
  url: string;
  requests: RecordedLlmRequest[];
  /** Queue replies for the next requests, in order. */
  reply(...replies: ScriptedReply[]): void;
  /** Replace the accepted keys. */
  setKeys(keys: string[] | undefined): void;
  reset(): void;
  close(): Promise<void>;
}

const errorTypes: Record<number, { type: string; code: string | null }> = {
  400: { type: 'invalid_request_error', code: null },
  401: { type: 'invalid_request_error', code: 'invalid_api_key' },
  404: { type: 'invalid_request_error', code: 'model_not_found' },
  429: { type: 'requests', code: 'rate_limit_exceeded' },
  500: { type: 'server_error', code: null },
};

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

export async function startOpenAiServer(options: OpenAiServerOptions = {}): Promise<OpenAiServer> {
  let keys = options.keys ? new Set(options.keys) : undefined;
  const queue: ScriptedReply[] = [];
  const requests: RecordedLlmRequest[] = [];
  let counter = 0;

  // Every failure is answered with a 500 inside, so the promise never rejects.
  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (req.method !== 'POST' || !path.endsWith('/chat/completions')) {
        return send(res, 404, { error: { message: `Unknown path ${path}`, type: 'invalid_request_error', code: null } });
      }
      const raw = await readBody(req);
      const key = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
      let body: Record<string, any> = {};
      try {
        body = JSON.parse(raw) as Record<string, any>;
      } catch {
        return send(res, 400, {
          error: { message: 'We could not parse the JSON body of your request.', type: 'invalid_request_error', code: null },
        });
      }
      requests.push({ path, key, body, at: Date.now() });

      if (keys && (!key || !keys.has(key))) {
        return send(res, 401, {
          error: {
            message: `Incorrect API key provided: ${key ?? '(none)'}. You can find your API key at https://platform.openai.com/account/api-keys.`,
            ...errorTypes[401],
          },
        });
      }

      const scripted = queue.shift() ?? { kind: 'answer', content: options.defaultContent ?? '{"ok":true}' };
      if (scripted.delayMs) await new Promise((r) => setTimeout(r, scripted.delayMs));
      if (res.destroyed) return;

      switch (scripted.kind) {
        case 'error': {
          const t = errorTypes[scripted.status] ?? { type: 'api_error', code: null };
          return send(
            res,
            scripted.status,
            { error: { message: scripted.message ?? `Scripted error ${scripted.status}`, ...t, param: null } },
            scripted.headers,
          );
        }
        case 'raw':
          return send(res, scripted.status, scripted.body);
        case 'no-choices':
          return send(res, 200, {
            id: `chatcmpl-${++counter}`,
            object: 'chat.completion',
            created: Math.floor(Date.now() / 1000),
            model: body.model,
            choices: [],
          });
        case 'answer': {
          const usage = scripted.usage === null ? undefined : (scripted.usage ?? { prompt: 10, completion: 5 });
          return send(res, 200, {
            id: `chatcmpl-${++counter}`,
            object: 'chat.completion',
            created: Math.floor(Date.now() / 1000),
            model: scripted.model ?? body.model,
            choices: [
              {
                index: 0,
                message: { role: 'assistant', content: scripted.content, refusal: null },
                logprobs: null,
                finish_reason: scripted.finishReason ?? 'stop',
              },
            ],
            ...(usage
              ? {
                  usage: {
                    prompt_tokens: usage.prompt,
                    completion_tokens: usage.completion,
                    total_tokens: usage.prompt + usage.completion,
                  },
                }
              : {}),
          });
        }
      }
    } catch (err) {
      if (!res.headersSent) send(res, 500, { error: { message: String(err), type: 'server_error', code: null } });
    }
  }
  const server = createServer((req, res) => void answer(req, res));

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    reply(...replies) {
      queue.push(...replies);
    },
    setKeys(next) {
      keys = next ? new Set(next) : undefined;
    },
    reset() {
      queue.length = 0;
      requests.length = 0;
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
