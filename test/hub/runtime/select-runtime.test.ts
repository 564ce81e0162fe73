/**
 * AGENT_RUNTIME at boot, without a Docker engine: `docker` refuses to boot with the reason and
 * the command that fixes it; `auto` falls back to child processes; agents get the hub's URL.
 */
import { Writable } from 'node:stream';
import Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config.js';
import { RuntimeUnavailableError } from '../../../src/hub/errors.js';
import { createProcessRuntime } from '../../../src/hub/runtime/process-runtime.js';
import { agentHubUrls, defaultAgentHubUrl, selectRuntime } from '../../../src/hub/runtime/select-runtime.js';
import { createLogger } from '../../../src/logger.js';
import { rejectionOf } from '../../support/rejection.js';

const silent = createLogger({ level: 'silent' });
const noEngine = new Docker({ socketPath: '/nonexistent/docker.sock' });
/** An engine that answers and has no image at all. */
const engineWithoutImages = {
  ping: async () => 'OK',
  getImage: () => ({ inspect: async () => Promise.reject(Object.assign(new Error('no such image'), { statusCode: 404 })) }),
} as unknown as Docker;

function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(chunk.toString('utf8')));
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
}

describe('selectRuntime', () => {
  it('AGENT_RUNTIME=docker without an engine refuses to boot', async () => {
    const error = await rejectionOf(selectRuntime(parseConfig({ AGENT_RUNTIME: 'docker' }), silent, noEngine));
    expect(error).toBeInstanceOf(RuntimeUnavailableError);
    expect((error as Error).message).toBe('AGENT_RUNTIME=docker but no Docker engine answers (DOCKER_HOST or /var/run/docker.sock)');
  });

  it('AGENT_RUNTIME=docker without the agent image refuses to boot and names the command that builds it', async () => {
    const error = await rejectionOf(selectRuntime(parseConfig({ AGENT_RUNTIME: 'docker' }), silent, engineWithoutImages));
    expect(error).toBeInstanceOf(RuntimeUnavailableError);
    expect((error as Error).message).toBe(
      'AGENT_RUNTIME=docker but the agent image artic-agent:latest does not exist; build it with: npm run build:agent-image',
    );
    const custom = await rejectionOf(
      selectRuntime(parseConfig({ AGENT_RUNTIME: 'docker', AGENT_IMAGE: 'artic-agent:dev' }), silent, engineWithoutImages),
    );
    expect((custom as Error).message).toMatch(/build it with: AGENT_IMAGE=artic-agent:dev npm run build:agent-image$/);
  });

  it('auto with an engine but no image runs agents as child processes and says how to get containers', async () => {
    const { logger, lines } = capturingLogger();
    const runtime = await selectRuntime(parseConfig({}), logger, engineWithoutImages);
    expect(runtime).toMatchObject({ kind: 'process', network: 'host', hubHost: '127.0.0.1' });
    expect(lines.map((l) => [l.msg, l.build ?? l.network])).toEqual([
      ['a Docker engine answers but the agent image is missing; using the process runtime', 'npm run build:agent-image'],
      ['agents run as child processes on 127.0.0.1', 'host'],
    ]);
    await runtime.close();
  });
});

describe('selectRuntime with AGENT_RUNTIME=swarm', () => {
  const engine = (swarm: { LocalNodeState: string; ControlAvailable: boolean }) =>
    ({ ...engineWithoutImages, info: async () => ({ Swarm: swarm }) }) as unknown as Docker;

  it('refuses to boot without an engine, on an engine that manages no swarm, and without the agent image', async () => {
    const messageOf = async (docker: Docker) =>
      ((await rejectionOf(selectRuntime(parseConfig({ AGENT_RUNTIME: 'swarm' }), silent, docker))) as Error).message;
    expect(await messageOf(noEngine)).toBe('AGENT_RUNTIME=swarm but no Docker engine answers (DOCKER_HOST or /var/run/docker.sock)');
    const notManager =
      'AGENT_RUNTIME=swarm but this Docker engine is not a swarm manager; run `docker swarm init` (or point DOCKER_HOST at a manager)';
    expect(await messageOf(engine({ LocalNodeState: 'inactive', ControlAvailable: false }))).toBe(notManager);
    // A worker node is in the swarm but cannot create services.
    expect(await messageOf(engine({ LocalNodeState: 'active', ControlAvailable: false }))).toBe(notManager);
    expect(await messageOf(engine({ LocalNodeState: 'active', ControlAvailable: true }))).toBe(
      'AGENT_RUNTIME=swarm but the agent image artic-agent:latest does not exist; build it with: npm run build:agent-image',
    );
  });

  it('reads AGENT_PLACEMENT as a list of constraints', () => {
    expect(parseConfig({}).agents.placement).toEqual([]);
    expect(parseConfig({ AGENT_PLACEMENT: 'node.labels.artic==agents, node.role!=manager' }).agents.placement).toEqual([
      'node.labels.artic==agents',
      'node.role!=manager',
    ]);
  });
});

describe('defaultAgentHubUrl', () => {
  it('is the hub port on the host agents reach the hub by, unless AGENT_HUB_URL says otherwise', () => {
    const runtime = createProcessRuntime({ logger: silent });
    expect(defaultAgentHubUrl(parseConfig({}), runtime, 9100)).toBe('http://127.0.0.1:9100');
    expect(defaultAgentHubUrl(parseConfig({ AGENT_HUB_URL: 'http://hub:9000' }), runtime, 9100)).toBe('http://hub:9000');
    expect(defaultAgentHubUrl(parseConfig({}), { ...runtime, hubHost: 'artic-hub-1' }, 9000)).toBe('http://artic-hub-1:9000');
  });
});

describe('agentHubUrls', () => {
  it('is AGENT_HUB_URLS (every replica) when set, else the one default URL', () => {
    const runtime = createProcessRuntime({ logger: silent });
    expect(agentHubUrls(parseConfig({}), runtime, 9100)).toEqual(['http://127.0.0.1:9100']);
    expect(agentHubUrls(parseConfig({ AGENT_HUB_URL: 'http://hub:9000' }), runtime, 9100)).toEqual(['http://hub:9000']);
    expect(
      agentHubUrls(
        parseConfig({ AGENT_HUB_URL: 'http://hub:9000', AGENT_HUB_URLS: 'http://hub-a:9000, http://hub-b:9000' }),
        runtime,
        9100,
      ),
    ).toEqual(['http://hub-a:9000', 'http://hub-b:9000']);
  });

  it('refuses an entry of AGENT_HUB_URLS that is not an http(s) URL, hiding its password', () => {
    expect(() => parseConfig({ AGENT_HUB_URLS: 'http://hub-a:9000,postgres://u:secret@db/x' })).toThrow(
      /AGENT_HUB_URLS must be comma-separated http\(s\) URLs; entry 2 "postgres:\/\/u:\*+@db\/x" is not one/,
    );
  });
});
