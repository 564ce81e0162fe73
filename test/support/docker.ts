/**
 * Docker for tests: whether an engine answers, the rule for skipping (never under CI unless
 * .ci/run could not provision an engine), and the offline-built agent image.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { dockerAvailable } from '../../src/hub/runtime/docker-runtime.js';

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
    throw new Error('CI=true but no Docker engine answers, and .ci/run did not report a provisioning failure: the docker suite must not skip.');
  }
  const reason = provisioningFailed ? `.ci/run could not provision Docker: ${provisioningFailed}` : 'no Docker engine answers on DOCKER_HOST or /var/run/docker.sock';
  process.stderr.write(`\n[docker suite skipped] ${reason}\n`);
  return reason;
}

/** Builds the agent image offline once (scripts/build-agent-image.sh) unless it exists. */
export async function ensureAgentImage(): Promise<void> {
  const docker = new Docker();
  const exists = await docker
    .getImage(TEST_AGENT_IMAGE)
    .inspect()
    .then(() => true)
    .catch(() => false);
  if (exists && process.env.ARTIC_REBUILD_AGENT_IMAGE !== '1') return;
  await run('bash', ['scripts/build-agent-image.sh'], { env: { ...process.env, AGENT_IMAGE: TEST_AGENT_IMAGE }, maxBuffer: 64 * 1024 * 1024 });
}
