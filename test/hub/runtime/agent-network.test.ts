/**
 * Where agents live on the network, decided by where the hub runs (no Docker engine needed):
 * the pure rule, the container ids this process may run in, and the engine's confirmation.
 */
import { describe, expect, it } from 'vitest';
import {
  chooseAgentNetwork,
  containerIdCandidates,
  findHubContainer,
  type HubContainer,
  type InspectedContainer,
} from '../../../src/hub/runtime/agent-network.js';

const ID = 'a3f1c0de'.repeat(8);
const container = (over: Partial<HubContainer> = {}): HubContainer => ({
  id: ID,
  name: 'artic-hub-1',
  networkMode: 'artic-net',
  networks: ['artic-net'],
  ...over,
});

describe('chooseAgentNetwork (AGENT_NETWORK=auto)', () => {
  it('the hub on the host: host networking, agents on 127.0.0.1', () => {
    expect(chooseAgentNetwork('auto', undefined)).toEqual({
      network: 'host',
      hubHost: '127.0.0.1',
      attachHub: false,
      why: 'the hub runs on the host: agents bind 127.0.0.1:{port}',
    });
  });

  it('the hub in a compose container on artic-net: that network, DNS names both ways', () => {
    expect(chooseAgentNetwork('auto', container())).toEqual({
      network: 'artic-net',
      hubHost: 'artic-hub-1',
      attachHub: false,
      why: "the hub's container artic-hub-1 is on artic-net",
    });
  });

  it('the hub in a container on another user-defined bridge: agents join it and keep DNS names', () => {
    const hub = container({ networkMode: 'shop_default', networks: ['shop_default'] });
    expect(chooseAgentNetwork('auto', hub)).toMatchObject({ network: 'shop_default', hubHost: 'artic-hub-1', attachHub: false });
  });

  it('prefers artic-net when the hub is on several networks, else the first by name', () => {
    expect(chooseAgentNetwork('auto', container({ networks: ['zeta', 'artic-net', 'alpha'] })).network).toBe('artic-net');
    expect(chooseAgentNetwork('auto', container({ networks: ['zeta', 'bridge', 'alpha'] })).network).toBe('alpha');
  });

  it('the hub in a container on the default bridge only (no DNS there): artic-net, which the hub joins', () => {
    const hub = container({ networkMode: 'bridge', networks: ['bridge'] });
    expect(chooseAgentNetwork('auto', hub)).toEqual({
      network: 'artic-net',
      hubHost: 'artic-hub-1',
      attachHub: true,
      why: "the hub's container artic-hub-1 is on no network with DNS names; the hub's container joins artic-net",
    });
  });

  it('the hub in a container with host networking: host networking for agents', () => {
    expect(chooseAgentNetwork('auto', container({ networkMode: 'host', networks: ['host'] }))).toMatchObject({
      network: 'host',
      hubHost: '127.0.0.1',
      attachHub: false,
    });
  });
});

describe('chooseAgentNetwork (explicit AGENT_NETWORK wins)', () => {
  it('host stays host wherever the hub runs; in a bridged container it warns', () => {
    expect(chooseAgentNetwork('host', undefined)).toEqual({
      network: 'host',
      hubHost: '127.0.0.1',
      attachHub: false,
      why: 'AGENT_NETWORK=host',
    });
    const inContainer = chooseAgentNetwork('host', container());
    expect(inContainer).toMatchObject({ network: 'host', attachHub: false });
    expect(inContainer.warning).toMatch(/out of its reach; unset AGENT_NETWORK \(auto\)/);
  });

  it('a named network for a hub on the host is used, with a warning that launches will fail', () => {
    const decision = chooseAgentNetwork('artic-net', undefined);
    expect(decision).toMatchObject({ network: 'artic-net', hubHost: 'host.docker.internal', attachHub: false });
    expect(decision.warning).toMatch(/do not resolve: every launch will fail/);
  });

  it('a named network the hub container is not on: agents go there and the hub joins it', () => {
    expect(chooseAgentNetwork('agents-net', container())).toEqual({
      network: 'agents-net',
      hubHost: 'artic-hub-1',
      attachHub: true,
      why: "AGENT_NETWORK=agents-net; the hub's container joins agents-net",
    });
    expect(chooseAgentNetwork('artic-net', container())).toMatchObject({ network: 'artic-net', attachHub: false });
  });
});

describe('containerIdCandidates', () => {
  it('reads the engine paths of mountinfo (cgroup v2), cgroup paths (v1, systemd) and a default host name', () => {
    const other = 'b'.repeat(64);
    const third = 'c'.repeat(64);
    const mountinfo = [
      `612 590 254:0 /var/lib/docker/containers/${ID}/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/vda rw`,
      `613 590 254:0 /var/lib/docker/containers/${ID}/hostname /etc/hostname rw,relatime - ext4 /dev/vda rw`,
    ].join('\n');
    const cgroup = `12:memory:/docker/${other}\n1:name=systemd:/system.slice/docker-${third}.scope\n`;
    expect(containerIdCandidates({ mountinfo, cgroup, hostname: ID.slice(0, 12) })).toEqual([ID, other, third, ID.slice(0, 12)]);
  });

  it('finds nothing on a host: cgroup "/", no engine paths, a chosen host name', () => {
    const mountinfo = '45 27 254:0 /var/lib/docker /var/lib/docker rw,relatime shared:1 - ext4 /dev/vda rw';
    expect(containerIdCandidates({ mountinfo, cgroup: '0::/\n9:name=systemd:/', hostname: 'vm' })).toEqual([]);
    expect(containerIdCandidates({ hostname: 'deadbeefcafe0' })).toEqual([]);
  });
});

describe('findHubContainer', () => {
  const inspected = (over: Partial<InspectedContainer> = {}): InspectedContainer => ({
    Id: ID,
    Name: '/artic-hub-1',
    State: { Running: true },
    HostConfig: { NetworkMode: 'artic-net' },
    NetworkSettings: { Networks: { 'artic-net': {} } },
    ...over,
  });
  const probe = (files: Record<string, string>, hostname: string, known: Record<string, InspectedContainer>) => ({
    readFile: (path: string) => files[path],
    hostname: () => hostname,
    inspect: async (id: string) => known[id],
  });

  it('is the container the engine knows by one of this process ids', async () => {
    const hub = await findHubContainer(probe({ '/proc/self/cgroup': `0::/docker/${ID}` }, ID.slice(0, 12), { [ID]: inspected() }));
    expect(hub).toEqual({ id: ID, name: 'artic-hub-1', networkMode: 'artic-net', networks: ['artic-net'] });
  });

  it('is undefined when the engine knows none of them (a host, or a container of another engine)', async () => {
    expect(await findHubContainer(probe({ '/proc/self/cgroup': `0::/docker/${ID}` }, 'vm', {}))).toBeUndefined();
    expect(await findHubContainer(probe({}, 'vm', { vm: inspected() }))).toBeUndefined();
  });

  it('skips a stopped container with that id', async () => {
    const stopped = inspected({ State: { Running: false } });
    expect(await findHubContainer(probe({}, ID.slice(0, 12), { [ID.slice(0, 12)]: stopped }))).toBeUndefined();
  });
});
