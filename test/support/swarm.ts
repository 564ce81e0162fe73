/**
 * A single-node swarm for the swarm suite: `docker swarm init --advertise-addr 127.0.0.1` when
 * the engine is not a swarm yet, and `docker swarm leave --force` afterwards only when this
 * setup initialised it, so an operator's swarm is left as it was found.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { AGENT_LABEL, MANAGED_LABEL, OWNER_LABEL } from '../../src/hub/runtime/docker-runtime.js';

const run = promisify(execFile);

async function swarmState(): Promise<string> {
  const { stdout } = await run('docker', ['info', '--format', '{{.Swarm.LocalNodeState}}']);
  return stdout.trim();
}

/** Makes the engine a single-node swarm manager when it is none; `restore` undoes only what this did. */
export async function ensureSingleNodeSwarm(): Promise<{ initialised: boolean; restore(): Promise<void> }> {
  const initialised = (await swarmState()) !== 'active';
  if (initialised) await run('docker', ['swarm', 'init', '--advertise-addr', '127.0.0.1']);
  return {
    initialised,
    async restore() {
      if (initialised) await run('docker', ['swarm', 'leave', '--force']);
    },
  };
}

/** Agent services of one owner (suites may share the engine). */
export function agentServicesOf(docker: Docker, ownerId: string): Promise<Docker.Service[]> {
  return docker.listServices({ filters: { label: [`${MANAGED_LABEL}=true`, `${OWNER_LABEL}=${ownerId}`] } });
}

/** Token secrets of one agent. */
export async function tokenSecretsOf(docker: Docker, agentId: string): Promise<string[]> {
  const secrets = (await docker.listSecrets({ filters: { label: [`${AGENT_LABEL}=${agentId}`] } })) as Array<{ Spec: { Name: string } }>;
  return secrets.map((s) => s.Spec.Name);
}

/** The running container of an agent's service on this node (its task's container). */
export async function taskContainerOf(docker: Docker, serviceName: string): Promise<Docker.ContainerInfo | undefined> {
  const [container] = await docker.listContainers({ filters: { label: [`com.docker.swarm.service.name=${serviceName}`] } });
  return container;
}
