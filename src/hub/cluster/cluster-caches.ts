/**
 * What this replica keeps in memory about agents that an action on any replica invalidates: the
 * agent token cache and the push state. They follow the cluster-wide events (docs/architecture.md,
 * Cluster), so a delete or a start through another hub takes effect here at once, not after a TTL.
 */
import type { AgentCredentials } from '../auth/agent-credentials.js';
import type { AgentIngest } from '../agents/ingest.js';
import type { HubEvents } from '../events.js';

export function forgetOnClusterEvents(events: Pick<HubEvents, 'on'>, caches: { agentAuth: AgentCredentials; ingest: AgentIngest }): void {
  // A deleted agent leaves nothing in memory: its token fails at once, its push state goes.
  events.on('agent.deleted', ({ agentId }) => {
    caches.agentAuth.forget(agentId);
    caches.ingest.forget(agentId);
  });
  // A start (on any replica) began a new token generation: the tokens from before it stop working here too.
  events.on('agent.started', ({ agentId }) => caches.agentAuth.forget(agentId));
}
