/**
 * Picks the agent runtime at boot from AGENT_RUNTIME (and, for Docker, the agent network from
 * AGENT_NETWORK and where the hub runs), logs the choice once, and says how agents reach the hub.
 * `swarm` is chosen only by name: it needs an engine that manages a swarm, and the agent image.
 */
import Docker from 'dockerode';
import type { Config } from '../../config.js';
import type { Logger } from '../../logger.js';
import { RuntimeUnavailableError } from '../errors.js';
import { chooseAgentNetwork, findHubContainer, systemHubProbe } from './agent-network.js';
import { createDockerRuntime, dockerAvailable } from './docker-runtime.js';
import { createProcessRuntime } from './process-runtime.js';
import type { AgentRuntime } from './runtime.js';
import { createSwarmRuntime, swarmManager } from './swarm-runtime.js';

type RuntimeConfig = Pick<Config, 'agents'>;

/** The command that builds the agent image `image` (the offline script honours AGENT_IMAGE). */
export function buildImageCommand(image: string): string {
  return image === 'artic-agent:latest' ? 'npm run build:agent-image' : `AGENT_IMAGE=${image} npm run build:agent-image`;
}

async function imageExists(docker: Docker, image: string): Promise<boolean> {
  return docker
    .getImage(image)
    .inspect()
    .then(() => true)
    .catch(() => false);
}

/**
 * `auto` uses Docker when an engine answers and has the agent image, else child processes.
 * `docker` refuses to boot without an engine or without the image (saying how to build it).
 */
export async function selectRuntime(config: RuntimeConfig, logger: Logger, docker = new Docker()): Promise<AgentRuntime> {
  const { runtime: choice, image } = config.agents;
  if (choice === 'swarm') return startSwarmRuntime(config, logger, docker);
  if (choice !== 'process') {
    const engine = await dockerAvailable(docker);
    const hasImage = engine && (await imageExists(docker, image));
    if (choice === 'docker' && !engine) {
      throw new RuntimeUnavailableError('AGENT_RUNTIME=docker but no Docker engine answers (DOCKER_HOST or /var/run/docker.sock)');
    }
    if (choice === 'docker' && !hasImage) {
      throw new RuntimeUnavailableError(
        `AGENT_RUNTIME=docker but the agent image ${image} does not exist; build it with: ${buildImageCommand(image)}`,
      );
    }
    if (hasImage) return startDockerRuntime(config, logger, docker);
    if (engine)
      logger.warn(
        { image, build: buildImageCommand(image) },
        'a Docker engine answers but the agent image is missing; using the process runtime',
      );
  }
  const runtime = createProcessRuntime({ logger: logger.child({ part: 'process-runtime' }) });
  logger.info({ runtime: 'process', network: runtime.network }, 'agents run as child processes on 127.0.0.1');
  return runtime;
}

async function startDockerRuntime(config: RuntimeConfig, logger: Logger, docker: Docker): Promise<AgentRuntime> {
  const hub = await findHubContainer(systemHubProbe(docker));
  const decision = chooseAgentNetwork(config.agents.network, hub);
  const runtime = createDockerRuntime({
    docker,
    image: config.agents.image,
    network: decision.network,
    hubHost: decision.hubHost,
    attachContainer: decision.attachHub ? hub?.id : undefined,
    memoryMb: config.agents.memoryMb,
    cpus: config.agents.cpus,
    logger: logger.child({ part: 'docker-runtime' }),
  });
  await runtime.ready();
  logger.info(
    { runtime: 'docker', network: decision.network, hubHost: decision.hubHost, why: decision.why },
    'agents run in docker containers',
  );
  if (decision.warning) logger.warn({ network: decision.network }, decision.warning);
  return runtime;
}

/**
 * AGENT_RUNTIME=swarm: the engine must manage a swarm and hold the agent image (on a cluster,
 * every node that may run agents needs it too). The network rule is the docker runtime's: the
 * hub on the host → `host`; in a container → AGENT_NETWORK (an attachable overlay).
 */
async function startSwarmRuntime(config: RuntimeConfig, logger: Logger, docker: Docker): Promise<AgentRuntime> {
  const { image } = config.agents;
  if (!(await dockerAvailable(docker))) {
    throw new RuntimeUnavailableError('AGENT_RUNTIME=swarm but no Docker engine answers (DOCKER_HOST or /var/run/docker.sock)');
  }
  if (!(await swarmManager(docker))) {
    throw new RuntimeUnavailableError(
      'AGENT_RUNTIME=swarm but this Docker engine is not a swarm manager; run `docker swarm init` (or point DOCKER_HOST at a manager)',
    );
  }
  if (!(await imageExists(docker, image))) {
    throw new RuntimeUnavailableError(
      `AGENT_RUNTIME=swarm but the agent image ${image} does not exist; build it with: ${buildImageCommand(image)}`,
    );
  }
  const hub = await findHubContainer(systemHubProbe(docker));
  const decision = chooseAgentNetwork(config.agents.network, hub);
  const runtime = createSwarmRuntime({
    docker,
    image,
    network: decision.network,
    hubHost: decision.hubHost,
    memoryMb: config.agents.memoryMb,
    cpus: config.agents.cpus,
    placement: config.agents.placement,
    maxRestarts: config.agents.maxRestarts,
    logger: logger.child({ part: 'swarm-runtime' }),
  });
  await runtime.ready();
  logger.info(
    { runtime: 'swarm', network: decision.network, placement: config.agents.placement, why: decision.why },
    'agents run as swarm services',
  );
  if (decision.warning) logger.warn({ network: decision.network }, decision.warning);
  return runtime;
}

/** AGENT_HUB_URL, else the hub's HTTP port on the host agents reach it by. */
export function defaultAgentHubUrl(config: RuntimeConfig, runtime: AgentRuntime, httpPort: number): string {
  return config.agents.hubUrl ?? `http://${runtime.hubHost}:${httpPort}`;
}

/**
 * Every URL agents may reach a hub replica by, in order of preference: AGENT_HUB_URLS when set
 * (two hubs on one database list both), else the one of `defaultAgentHubUrl`. Agents fail over
 * between them (agent/src/hub-failover.ts).
 */
export function agentHubUrls(config: RuntimeConfig, runtime: AgentRuntime, httpPort: number): string[] {
  return config.agents.hubUrls.length ? [...config.agents.hubUrls] : [defaultAgentHubUrl(config, runtime, httpPort)];
}
