/**
 * Docker for tests: whether an engine answers, the rule for skipping (never under CI unless
 * .ci/run could not provision an engine), and the offline-built agent image.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { MANAGED_LABEL, OWNER_LABEL, dockerAvailable } from '../../src/hub/runtime/docker-runtime.js';

const run = promisify(execFile);

export const TEST_AGENT_IMAGE = process.env.AGENT_IMAGE ?? 'artic-agent:latest';

/**
 * Undefined when Docker tests can run; otherwise the reason to skip. Throws under CI=true when the
 * engine is missing although .ci/run did not report that it could not provision one.
 */
export async function dockerSkipReason(): Promise<string | undefined> {
  if (await dockerAvailable(new Docker())) return undefined;
  const provisioningFailed = process.env.ARTIC_DOCKER_UNAVAILABLE;
  if (process.env.CI === 'true' && !provisioningFailed) {
    throw new Error(
      'CI=true but no Docker engine answers, and .ci/run did not report a provisioning failure: the docker suite must not skip.',
    );
  }
  const reason = provisioningFailed
    ? `.ci/run could not provision Docker: ${provisioningFailed}`
    : 'no Docker engine answers on DOCKER_HOST or /var/run/docker.sock';
  process.stderr.write(`\n[docker suite skipped] ${reason}\n`);
  return reason;
}

/**
 * Builds the agent image offline from the current source (scripts/build-agent-image.sh; about
 * 1 s when Docker's layer cache holds the base files), so the suite never runs a stale agent.
 */
export async function ensureAgentImage(): Promise<void> {
  // The script wipes its context directory, so the bundle goes beside it.
  const ctx = mkdtempSync(path.join(os.tmpdir(), 'artic-agent-image-'));
  try {
    await run('bash', ['scripts/build-agent-image.sh'], {
      env: { ...process.env, AGENT_IMAGE: TEST_AGENT_IMAGE, AGENT_IMAGE_CONTEXT: ctx, AGENT_BUNDLE: `${ctx}.mjs` },
      maxBuffer: 64 * 1024 * 1024,
    });
  } finally {
    rmSync(ctx, { recursive: true, force: true });
    rmSync(`${ctx}.mjs`, { force: true });
  }
}

/**
 * The environment of a hub that runs its agents in small containers from the test image. No
 * AGENT_NETWORK on purpose: the default (auto) must work from where the test hub runs.
 */
export function dockerAgentEnv(range: { from: number; to: number }): Record<string, string> {
  return {
    AGENT_RUNTIME: 'docker',
    AGENT_IMAGE: TEST_AGENT_IMAGE,
    AGENT_PORT_RANGE: `${range.from}-${range.to}`,
    AGENT_HEALTH_INTERVAL_MS: '1000',
    AGENT_MEMORY_MB: '128',
    AGENT_CPUS: '0.25',
  };
}

/** Agent containers of one owner (docker suites may run side by side on one engine). */
export function agentContainersOf(docker: Docker, ownerId: string, all = true): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all, filters: { label: [`${MANAGED_LABEL}=true`, `${OWNER_LABEL}=${ownerId}`] } });
}
