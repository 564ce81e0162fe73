/**
 * `POST /telegram/webhook`: Telegram's webhook in webhook mode. The secret-token header is
 * compared in constant time before the body is read; a good update is queued and answered 200 at once, so slow work
 * (an agent starting) never runs inside Telegram's request.
 */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { Update } from 'grammy/types';
import { secretMatches } from '../auth.js';

export const TELEGRAM_WEBHOOK_PATH = '/telegram/webhook';

export interface TelegramWebhookOptions {
  /** The value given to setWebhook as `secret_token`. */
  secretToken: string;
  /** Takes the update (ArticBot.enqueue); must not block. */
  enqueue: (update: Update) => void;
  path?: string;
}

const plugin: FastifyPluginAsync<TelegramWebhookOptions> = async (app, options) => {
  app.post<{ Body: Update }>(
    options.path ?? TELEGRAM_WEBHOOK_PATH,
    {
      bodyLimit: 1024 * 1024,
      // A route hook (the plugin is not encapsulated), run before the body is read: a caller
      // without the secret gets 401 whatever it sends, and its body is never parsed.
      onRequest: async (request, reply) => {
        const header = request.headers['x-telegram-bot-api-secret-token'];
        if (!secretMatches(typeof header === 'string' ? header : undefined, options.secretToken)) {
          return reply.code(401).send({ error: 'Unauthorized', message: 'Bad or missing secret token' });
        }
      },
      schema: {
        body: { type: 'object', required: ['update_id'], properties: { update_id: { type: 'integer' } } },
        response: { 200: { type: 'object', properties: { ok: { type: 'boolean' } } } },
      },
    },
    async (request) => {
      options.enqueue(request.body);
      return { ok: true };
    },
  );
};

export const telegramWebhookRoutes = fp(plugin, { name: 'telegram-webhook', fastify: '5.x' });
