/**
 * Bounded waits on Telegram's flood control for messages sent outside the outbound queue
 * (command replies, flow questions, approval requests, expiry notices): a 429 answer with
 * `retry_after` is waited out and the call tried again, a bounded number of times; any other
 * error is never retried. grammY's `@grammyjs/auto-retry` does the work.
 *
 * Installed on `bot.api` (every update's `ctx.api` copies its transformers) and, through the
 * conversations plugin, beneath each flow's replay log (see `floodRetryInFlows`). The outbound
 * queue and the live tail pace and honour 429 themselves: they use an API without it.
 */
import { autoRetry } from '@grammyjs/auto-retry';
import { Api, type Context, type MiddlewareFn, type Transformer } from 'grammy';

/** Bounds of the retry. */
export const FLOOD_RETRY = {
  /** Retries after the first attempt. */
  maxRetryAttempts: 2,
  /** A longer `retry_after` (seconds) is not waited out: the call fails at once. */
  maxDelaySeconds: 30,
} as const;

/** The transformer: 429 with `retry_after` only; network errors and 5xx are rethrown at once. */
export function floodRetry(): Transformer {
  return autoRetry({ ...FLOOD_RETRY, rethrowHttpErrors: true, rethrowInternalServerErrors: true });
}

/**
 * A conversations plugin (`conversations({ plugins })`) that gives each flow context an API with
 * the retry *beneath* the conversation's own transformer, which records every call's result for
 * replays. Installed on top (the plugin's usual place), the retry would see the recorded 429
 * again on every later replay of the flow and wait again; beneath it, only the final answer is
 * recorded.
 */
export function floodRetryInFlows<C extends Context>(): MiddlewareFn<C> {
  return (ctx, next) => {
    const api = new Api(ctx.api.token, ctx.api.options);
    api.config.use(floodRetry(), ...ctx.api.config.installedTransformers());
    Object.defineProperty(ctx, 'api', { value: api, writable: true, configurable: true, enumerable: true });
    return next();
  };
}
