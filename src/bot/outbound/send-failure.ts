/**
 * What a failed Bot API call means for the message it carried: wait and retry (429), give up on
 * the chat (blocked, gone), give up on the text (refused), or retry later (network, timeout, 5xx).
 */
import { GrammyError, HttpError } from 'grammy';

/** Telegram answers that mean "this chat will not take messages": do not retry. */
const GONE =
  /blocked|deactivated|chat not found|kicked|not enough rights|have no rights|bot was|user not found|PEER_ID_INVALID|CHAT_WRITE_FORBIDDEN/i;

export type SendFailure =
  | { kind: 'flood'; retryAfterSeconds: number }
  | { kind: 'gone'; description: string }
  | { kind: 'refused'; description: string }
  /** `unexpected`: neither a Telegram answer nor a transport error (worth a warning). */
  | { kind: 'transient'; unexpected: boolean };

/** Seconds Telegram asked to wait (429 `retry_after`, 1 when it names none); undefined for other errors. */
export function retryAfterOf(err: unknown): number | undefined {
  return err instanceof GrammyError && err.error_code === 429 ? (err.parameters.retry_after ?? 1) : undefined;
}

export function classifySendFailure(err: unknown): SendFailure {
  const retryAfterSeconds = retryAfterOf(err);
  if (retryAfterSeconds !== undefined) return { kind: 'flood', retryAfterSeconds };
  if (err instanceof GrammyError && (err.error_code === 403 || (err.error_code === 400 && GONE.test(err.description)))) {
    return { kind: 'gone', description: err.description };
  }
  if (err instanceof GrammyError && err.error_code === 400) return { kind: 'refused', description: err.description };
  return { kind: 'transient', unexpected: !(err instanceof HttpError || err instanceof GrammyError) };
}
