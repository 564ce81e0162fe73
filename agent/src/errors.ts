/**
 * Typed errors of the agent program. At the HTTP edge they become `{error, message}` bodies.
 */

/** A request body or parameter the agent refuses (→ 400). */
export class BadRequestError extends Error {
  override readonly name = 'BadRequestError';
  constructor(
    message: string,
    /** Machine-readable code for the `error` field. */
    readonly code = 'bad_request',
  ) {
    super(message);
  }
}

/** `/start` while a session is running or stopping (→ 409). */
export class AgentBusyError extends Error {
  override readonly name = 'AgentBusyError';
  constructor(readonly state: string) {
    super(`agent is ${state}; stop it first`);
  }
}

/** `/config` while no session runs (→ 409): there is nothing to apply the change to. */
export class AgentNotRunningError extends Error {
  override readonly name = 'AgentNotRunningError';
  constructor(readonly state: string) {
    super(`agent is ${state}; the change applies at the next start`);
  }
}

/** Missing or invalid environment for the agent process. */
export class AgentEnvError extends Error {
  override readonly name = 'AgentEnvError';
}

/** Errors the engine's hub calls throw live in the engine's ports (src/engine/ports.ts). */
export { AgentStoppingError, HubRequestError } from '../../src/engine/ports.js';
