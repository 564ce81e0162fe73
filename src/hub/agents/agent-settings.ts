/**
 * Changing an agent's settings, as the trader sees it: the directory validates and saves the
 * change, then the live ones (LIVE_CONFIG_FIELDS in src/shared/wire.ts) go to the running session
 * through the lifecycle. A field counts as applied live only once the agent has taken it; when it
 * cannot be reached the change stays saved, applies at the next start, and the answer says so.
 * Pausing (/pause, /resume) goes the same way: saved first (from then on the broker refuses the
 * agent's opens), then sent as the live field `paused`.
 */
import type { Logger } from '../../logger.js';
import { isLiveConfigField, type LiveConfigField } from '../../shared/wire.js';
import { AgentStateError } from '../errors.js';
import { AgentCallError } from './agent-client.js';
import type { AgentDirectory } from './agent-directory.js';
import type { AgentInput } from './agent-input.js';
import type { AgentView } from './agent-view.js';
import type { AgentLifecycle } from './lifecycle.js';

export interface SettingsChange {
  agent: AgentView;
  /** Fields the running agent has taken. */
  appliedLive: Array<keyof AgentInput>;
  /** Fields that take effect on the next (re)start of the active agent. */
  needsRestart: Array<keyof AgentInput>;
  /** Live fields saved but not taken by the running agent, and why (lower case, for a sentence). */
  notApplied: { fields: Array<keyof AgentInput>; reason: string } | null;
}

/** What a pause or resume did. */
export interface PauseChange {
  agent: AgentView;
  /** False when the agent was paused (or not) already. */
  changed: boolean;
  /** True when the running agent has taken the setting; false when it is not running or did not. */
  appliedLive: boolean;
  /** Why the running agent did not take it (lower case, for a sentence), or null. */
  notApplied: string | null;
}

export interface AgentSettings {
  edit(ownerId: string, ref: string, patch: Partial<AgentInput>): Promise<SettingsChange>;
  /** Pauses (no new entries; an open position stays managed) or resumes the agent. */
  setPaused(ownerId: string, ref: string, paused: boolean): Promise<PauseChange>;
}

export interface AgentSettingsDeps {
  directory: Pick<AgentDirectory, 'edit' | 'setPaused'>;
  lifecycle: Pick<AgentLifecycle, 'applyLiveConfig'>;
  logger: Logger;
}

const NOT_RUNNING = 'the agent is not running';

function whyNotApplied(error: unknown): string {
  if (error instanceof AgentStateError) return NOT_RUNNING;
  if (error instanceof AgentCallError)
    return error.status === undefined ? 'the agent did not answer' : `the agent refused it (HTTP ${error.status})`;
  return 'it could not be sent to the agent';
}

export function createAgentSettings(deps: AgentSettingsDeps): AgentSettings {
  const log = deps.logger.child({ part: 'agent-settings' });

  /** Sends the saved `fields` to the running session; null when it took them, else why not. */
  async function deliver(agentId: string, fields: LiveConfigField[]): Promise<string | null> {
    try {
      await deps.lifecycle.applyLiveConfig(agentId, fields);
      return null;
    } catch (error) {
      const why = whyNotApplied(error);
      if (why !== NOT_RUNNING) log.warn({ err: error, agentId, fields }, 'live settings not delivered; saved for the next start');
      return why;
    }
  }

  return {
    async edit(ownerId, ref, patch) {
      const saved = await deps.directory.edit(ownerId, ref, patch);
      const done = { agent: saved.agent, needsRestart: saved.needsRestart };
      const live = saved.liveChanges.filter(isLiveConfigField);
      if (live.length === 0) return { ...done, appliedLive: [], notApplied: null };
      const notDelivered = await deliver(saved.agent.id, live);
      return notDelivered === null
        ? { ...done, appliedLive: live, notApplied: null }
        : { ...done, appliedLive: [], notApplied: { fields: live, reason: notDelivered } };
    },

    async setPaused(ownerId, ref, paused) {
      const { agent, changed } = await deps.directory.setPaused(ownerId, ref, paused);
      // Sent whatever the status, and even when unchanged (a second /pause repairs a delivery that
      // failed): through the agent's one-operation slot, a start under way ends first and is then
      // sent the value; a start begun later reads the saved value itself. Not running: nothing to send.
      const notDelivered = await deliver(agent.id, ['paused']);
      if (notDelivered === NOT_RUNNING) return { agent, changed, appliedLive: false, notApplied: null };
      return { agent, changed, appliedLive: notDelivered === null, notApplied: notDelivered };
    },
  };
}
