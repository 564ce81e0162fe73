/**
 * The token an adopted agent service holds. A Swarm secret's value cannot be read back through
 * the API, and the agent only accepts the exact token it was started with, so after a hub
 * restart the hub reads the secret file inside the agent's running container (the agent image
 * has `node`, no shell). That works for tasks on the node whose engine the hub talks to; for a
 * task elsewhere in the cluster it gives undefined, the reconcile cannot prove the agent is
 * its own, and the agent is restarted instead of adopted (its position is in the database).
 */
import type Docker from 'dockerode';
import { demuxLogs } from './docker-engine.js';

/** Where the token secret appears inside the agent's container (the agent reads AGENT_TOKEN_FILE). */
export const TOKEN_SECRET_FILE = 'artic-agent-token';
export const TOKEN_SECRET_PATH = `/run/secrets/${TOKEN_SECRET_FILE}`;

const READ_TOKEN = `process.stdout.write(require('node:fs').readFileSync(${JSON.stringify(TOKEN_SECRET_PATH)}, 'utf8'))`;

/** Reads the token secret of a service's running task on this node; undefined when there is none here. */
export async function readLocalToken(docker: Docker, serviceName: string): Promise<string | undefined> {
  const [container] = await docker.listContainers({ filters: { label: [`com.docker.swarm.service.name=${serviceName}`] } });
  if (!container) return undefined;
  try {
    const exec = await docker
      .getContainer(container.Id)
      .exec({ Cmd: ['/usr/local/bin/node', '-e', READ_TOKEN], AttachStdout: true, AttachStderr: false });
    const stream = await exec.start({ hijack: true, stdin: false });
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    const token = demuxLogs(Buffer.concat(chunks)).join('').trim();
    return token || undefined;
  } catch {
    return undefined;
  }
}
