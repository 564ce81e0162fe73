/**
 * Maps whatever ethers / Node throw while talking to an RPC node onto the two outcomes the
 * outbox worker cares about: retry later (`ChainUnavailableError`) or give up
 * (`ChainRejectedError`).
 */
import type { Interface } from 'ethers';

import { ChainEncodingError, ChainRejectedError, ChainUnavailableError } from './errors.js';

/** ethers error codes that mean "this request can never succeed as sent". */
const REJECTED_CODES = new Set([
  'CALL_EXCEPTION',
  'INVALID_ARGUMENT',
  'MISSING_ARGUMENT',
  'UNEXPECTED_ARGUMENT',
  'NUMERIC_FAULT',
  'ACTION_REJECTED',
  'UNCONFIGURED_NAME',
  'NOT_IMPLEMENTED',
]);

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Name of the contract's custom error in revert data (e.g. `NotOwner`), when it decodes. */
function revertReason(err: unknown, iface: Interface | undefined): string | undefined {
  const e = err as { reason?: unknown; data?: unknown; revert?: { name?: unknown } } | null;
  if (typeof e?.revert?.name === 'string') return e.revert.name;
  if (iface && typeof e?.data === 'string' && e.data.length >= 10) {
    try {
      const parsed = iface.parseError(e.data);
      if (parsed) return parsed.name;
    } catch {
      /* unknown selector: fall through */
    }
  }
  return typeof e?.reason === 'string' ? e.reason : undefined;
}

/**
 * Classifies `err`. Unknown failures count as unavailable (retryable): the outbox caps
 * attempts, and dropping a record because of a transient oddity is the worse mistake.
 * @param txHash set when the transaction had already been broadcast.
 * @param iface the called contract's interface, to name custom-error reverts.
 */
export function classifyChainError(
  err: unknown,
  context: { txHash?: string; iface?: Interface } = {},
): ChainUnavailableError | ChainRejectedError {
  if (err instanceof ChainUnavailableError || err instanceof ChainRejectedError) return err;
  const { txHash, iface } = context;
  if (err instanceof ChainEncodingError) {
    return new ChainRejectedError(`invalid record: ${err.message}`, { reason: 'invalid-input', txHash, cause: err });
  }
  const code = errorCode(err);
  const message = (err as { shortMessage?: unknown; message?: unknown } | null)?.shortMessage ?? (err as Error)?.message;
  const text = typeof message === 'string' ? message : String(err);
  if (code && REJECTED_CODES.has(code)) {
    const reason = revertReason(err, iface);
    return new ChainRejectedError(`chain rejected the transaction: ${reason ?? text}`, { code, txHash, reason, cause: err });
  }
  return new ChainUnavailableError(`chain RPC unavailable: ${text}`, { code, txHash, cause: err });
}
