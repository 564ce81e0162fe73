/**
 * How the docker runtime learns of exits: the engine's event stream (`die`, `oom`) for managed
 * containers, read line by line and reconnected when it closes, turned into `AgentExit`s for the
 * runtime's listeners. A `die` of an agent being removed on purpose is not a crash.
 */
import type { DockerRuntimeState } from './docker-containers.js';
import { AGENT_LABEL, MANAGED_LABEL, containerName } from './docker-engine.js';
import { describeExit, type AgentExit } from './runtime.js';

/** One line of the engine's event stream (the fields read here). */
interface DockerEvent {
  Action?: string;
  status?: string;
  Actor?: { Attributes?: Record<string, string> };
}

export async function watchEvents(state: DockerRuntimeState): Promise<void> {
  const { docker, options } = state;
  const stream = await docker.getEvents({
    filters: { type: ['container'], event: ['die', 'oom'], label: [`${MANAGED_LABEL}=true`] },
  });
  state.events = stream;
  let buffer = '';
  stream.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line) handleEvent(state, line);
    }
  });
  stream.on('error', (error) => options.logger.warn({ err: error }, 'docker event stream error'));
  stream.on('close', () => {
    if (state.closed) return;
    options.logger.warn('docker event stream closed; reconnecting in 1 s');
    setTimeout(() => void watchEvents(state).catch((e) => options.logger.error({ err: e }, 'docker events reconnect failed')), 1000);
  });
}

function handleEvent(state: DockerRuntimeState, line: string): void {
  const { docker, listeners, removing, oomSeen } = state;
  let event: DockerEvent;
  try {
    event = JSON.parse(line) as DockerEvent;
  } catch {
    return;
  }
  const attrs = event.Actor?.Attributes ?? {};
  const agentId = attrs[AGENT_LABEL];
  if (!agentId) return;
  const action = event.Action ?? event.status;
  if (action === 'oom') {
    oomSeen.add(agentId);
    return;
  }
  if (action !== 'die' || removing.has(agentId)) return;
  void (async () => {
    let oom = oomSeen.delete(agentId);
    const exitCode = attrs.exitCode !== undefined ? Number(attrs.exitCode) : null;
    if (!oom) {
      const info = await docker
        .getContainer(containerName(agentId))
        .inspect()
        .catch(() => undefined);
      oom = info?.State?.OOMKilled ?? false;
    }
    const exit: AgentExit = { agentId, exitCode, oom, reason: describeExit(exitCode, null, oom) };
    for (const l of listeners) l(exit);
  })();
}
