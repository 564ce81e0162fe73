/**
 * Changing an agent's settings, as the trader sees it: the directory validates and saves the
 * change, then the live ones (LIVE_CONFIG_FIELDS in src/shared/wire.ts) go to the running session
 * through the lifecycle. A field counts as applied live only once the agent has taken it; when it
 * cannot be reached the change stays saved, applies at the next start, and the answer says so.
 */
import type { Logger } from '../../logger.js';
import { isLiveConfigField } from '../../shared/wire.js';
import { AgentStateError } from '../errors.js';
import { AgentCallError } from './agent-client.js';
import type { AgentDirectory } from './agent-directory.js';
import type { AgentInput } from './agent-input.js';
import type { AgentView } from './agent-view.js';
import type { AgentLifecycle } from './lifecycle.js';

export interface SettingsChange {
  agent: AgentView;
  /** Fields the running agent has taken (and those the hub enforces itself, in force at once). */
  appliedLive: Array<keyof AgentInput>;
  /** Fields that take effect on the next (re)start of the active agent. */
  needsRestart: Array<keyof AgentInput>;
  /** Live fields saved but not taken by the running agent, and why (lower case, for a sentence). */
  notApplied: { fields: Array<keyof AgentInput>; reason: string } | null;
}

export interface AgentSettings {
  edit(ownerId: string, ref: string, patch: Partial<AgentInput>): Promise<SettingsChange>;
}

export interface AgentSettingsDeps {
  directory: Pick<AgentDirectory, 'edit'>;
  lifecycle: Pick<AgentLifecycle, 'applyLiveConfig'>;
  logger: Logger;
}

function whyNotApplied(error: unknown): string {
  if (error instanceof AgentStateError) return 'the agent is not running';
  if (error instanceof AgentCallError)
    return error.status === undefined ? 'the agent did not answer' : `the agent refused it (HTTP ${error.status})`;
  return 'it could not be sent to the agent';
}

export function createAgentSettings(deps: AgentSettingsDeps): AgentSettings {
  const log = deps.logger.child({ part: 'agent-settings' });
  return {
    async edit(ownerId, ref, patch) {
      const saved = await deps.directory.edit(ownerId, ref, patch);
      const done = { agent: saved.agent, needsRestart: saved.needsRestart };
      const live = saved.liveChanges.filter(isLiveConfigField);
      const byHub = saved.appliedByHub;
      if (live.length === 0) return { ...done, appliedLive: byHub, notApplied: null };
      try {
        await deps.lifecycle.applyLiveConfig(saved.agent.id, live);
        return { ...done, appliedLive: [...byHub, ...live], notApplied: null };
      } catch (error) {
        log.warn({ err: error, agentId: saved.agent.id, fields: live }, 'live settings not delivered; saved for the next start');
        return { ...done, appliedLive: byHub, notApplied: { fields: live, reason: whyNotApplied(error) } };
      }
    },
  };
}
