/**
 * Picks the agent runtime at boot from AGENT_RUNTIME (and, for Docker, the agent network from
 * AGENT_NETWORK and where the hub runs), logs the choice once, and says how agents reach the hub.
 */
import Docker from 'dockerode';
import type { Config } from '../../config.js';
import type { Logger } from '../../logger.js';
import { RuntimeUnavailableError } from '../errors.js';
import { chooseAgentNetwork, findHubContainer, systemHubProbe } from './agent-network.js';
import { createDockerRuntime, dockerAvailable } from './docker-runtime.js';
import { createProcessRuntime } from './process-runtime.js';
import type { AgentRuntime } from './runtime.js';

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

/** AGENT_HUB_URL, else the hub's HTTP port on the host agents reach it by. */
export function defaultAgentHubUrl(config: RuntimeConfig, runtime: AgentRuntime, httpPort: number): string {
  return config.agents.hubUrl ?? `http://${runtime.hubHost}:${httpPort}`;
}
