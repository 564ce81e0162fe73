/** Typed errors of the hub core; adapters turn them into chat messages or HTTP statuses. */

/** Base: `userMessage` is safe to show to the trader as it is. */
export class HubError extends Error {
  constructor(
    message: string,
    readonly userMessage: string = message,
  ) {
    super(message);
  }
}

export class AgentNotFoundError extends HubError {
  override name = 'AgentNotFoundError';
  constructor(ref: string) {
    super(`No agent matches "${ref}"`, `No agent matches "${ref}". Send /agents to see yours.`);
  }
}

export class AmbiguousAgentError extends HubError {
  override name = 'AmbiguousAgentError';
  constructor(ref: string, names: string[]) {
    super(
      `"${ref}" matches several agents: ${names.join(', ')}`,
      `"${ref}" matches several agents (${names.join(', ')}). Use more of the id or the full name.`,
    );
  }
}

export class ValidationError extends HubError {
  override name = 'ValidationError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export class PortsExhaustedError extends HubError {
  override name = 'PortsExhaustedError';
  constructor(range: { from: number; to: number }) {
    super(`No free agent port in ${range.from}-${range.to}`, 'The server has no room for another agent right now. Stop one and try again.');
  }
}

export class SpawnError extends HubError {
  override name = 'SpawnError';
}

export class AgentStateError extends HubError {
  override name = 'AgentStateError';
}

/** AGENT_RUNTIME asks for a runtime this machine cannot give (no engine, no agent image): boot stops. */
export class RuntimeUnavailableError extends HubError {
  override name = 'RuntimeUnavailableError';
}

/**
 * The agent holds an open position and the action needs it flat (delete). Its position stays as
 * it is; the owner closes it first, or asks for the close as part of the action.
 */
export class PositionHeldError extends AgentStateError {
  override name = 'PositionHeldError';
  constructor(readonly agentName: string) {
    super(
      `agent ${agentName} holds an open position`,
      `${agentName} holds an open position: close it first, or delete the agent with closing.`,
    );
  }
}
