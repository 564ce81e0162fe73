/**
 * What a swarm agent service's environment carries: every hub replica's URL (`HUB_URLS`, and the
 * first as `HUB_URL` for older agent images), never the token (a Swarm secret file instead).
 */
import { describe, expect, it } from 'vitest';
import { serviceSpec, type SwarmRuntimeState } from '../../../src/hub/runtime/swarm-services.js';

describe('swarm service spec', () => {
  it('passes the hub URLs and keeps the token out of the environment', () => {
    const state = {
      options: { image: 'artic-agent:latest', network: 'host', memoryMb: 256, cpus: 0.5, placement: [], maxRestarts: 3 },
      hostNetwork: true,
      networkId: '',
    } as unknown as SwarmRuntimeState;
    const spec = serviceSpec(
      state,
      {
        agentId: 'a1',
        ownerId: 'o1',
        port: 8123,
        env: { HUB_URL: 'http://hub-a:9000', HUB_URLS: 'http://hub-a:9000,http://hub-b:9000', AGENT_ID: 'a1', AGENT_TOKEN: 'secret-token' },
      },
      { id: 's1', name: 'artic-agent-a1-token-1' },
    );
    const env = (spec.TaskTemplate as { ContainerSpec: { Env: string[] } }).ContainerSpec.Env;
    expect(env).toContain('HUB_URLS=http://hub-a:9000,http://hub-b:9000');
    expect(env).toContain('HUB_URL=http://hub-a:9000');
    expect(env.join('\n')).not.toContain('secret-token');
  });
});
