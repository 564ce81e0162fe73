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

/**
 * A hub request that did not succeed. `status` is null when no HTTP answer came (refused,
 * reset, timeout). `retryable` is true for those and for 5xx, 408 and 429.
 */
export class HubRequestError extends Error {
  override readonly name = 'HubRequestError';
  constructor(
    message: string,
    readonly path: string,
    readonly status: number | null,
    readonly retryable: boolean,
    /** The hub's `error` code when it sent one. */
    readonly code: string | null = null,
    /** From a `Retry-After` header, in ms. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }
}

/** The agent is stopping: a wait or a retried request was abandoned on purpose. */
export class AgentStoppingError extends Error {
  override readonly name = 'AgentStoppingError';
  constructor(what = 'request') {
    super(`${what} abandoned: agent stopping`);
  }
}
