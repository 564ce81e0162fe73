/**
 * The offline agent image (scripts/build-agent-image.sh): it builds, runs as uid 10001, and a
 * container answers /health on 127.0.0.1 (host networking; never a bridge address).
 * Skipped with a printed reason when `docker info` fails — unless CI=true and
 * ARTIC_DOCKER_UNAVAILABLE is empty, where a missing engine is a failure.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerSkipReason } from '../support/docker.js';
import { freePort, runToEnd, waitForHttp } from './agent-process.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const IMAGE = 'artic-agent:vitest';
const TOKEN = 'image-test-token';

// One rule for every docker suite (test/support/docker.ts): skip with a printed reason locally,
// fail under CI unless .ci/run reported that it could not provision an engine.
const skip = await dockerSkipReason();

describe.skipIf(skip)('agent image (docker)', () => {
  let dir: string;
  let imageId: string;
  const containers: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'artic-agent-image-'));
    const env = {
      ...process.env,
      AGENT_IMAGE: IMAGE,
      AGENT_IMAGE_CONTEXT: path.join(dir, 'ctx'),
      AGENT_BUNDLE: path.join(dir, 'agent.mjs'),
    };
    const out = await runToEnd('bash', [path.join(ROOT, 'scripts/build-agent-image.sh')], { env, cwd: ROOT, timeoutMs: 170_000 });
    imageId = out.trim().split('\n').pop()!.trim();
  }, 180_000);

  afterAll(() => {
    for (const name of containers) {
      try {
        execFileSync('docker', ['rm', '-f', name], { stdio: 'pipe' });
      } catch {
        // already gone
      }
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('builds an image and prints its id; a rebuild gives the same id', async () => {
    expect(imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    const inspect = JSON.parse(execFileSync('docker', ['image', 'inspect', IMAGE]).toString())[0];
    expect(inspect.Id).toBe(imageId);
    expect(inspect.Config.User).toBe('10001:10001');
    expect(inspect.Config.Cmd).toEqual(['/usr/local/bin/node', '/app/agent.mjs']);
    expect(Object.keys(inspect.Config.ExposedPorts)).toEqual(['8000/tcp']);
    const env = {
      ...process.env,
      AGENT_IMAGE: IMAGE,
      AGENT_IMAGE_CONTEXT: path.join(dir, 'ctx'),
      AGENT_BUNDLE: path.join(dir, 'agent.mjs'),
    };
    const again = await runToEnd('bash', [path.join(ROOT, 'scripts/build-agent-image.sh')], { env, cwd: ROOT, timeoutMs: 170_000 });
    expect(again.trim().split('\n').pop()).toBe(imageId);
  }, 180_000);

  it('a container answers /health on 127.0.0.1 with the token, 401 without, and exits 0 on stop', async () => {
    const port = await freePort();
    const name = `artic-agent-vitest-${process.pid}-${port}`;
    containers.push(name);
    execFileSync(
      'docker',
      [
        'run',
        '-d',
        '--name',
        name,
        '--network',
        'host',
        '--read-only',
        '--cap-drop',
        'ALL',
        '--security-opt',
        'no-new-privileges',
        '--label',
        'artic.test=agent-image',
        '-e',
        `PORT=${port}`,
        '-e',
        'HOST=127.0.0.1',
        '-e',
        `AGENT_TOKEN=${TOKEN}`,
        '-e',
        'AGENT_ID=agent-img',
        '-e',
        'HUB_URL=http://127.0.0.1:1',
        IMAGE,
      ],
      { stdio: 'pipe' },
    );
    const res = await waitForHttp(`http://127.0.0.1:${port}/health`, TOKEN, 20_000);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, agentId: 'agent-img', state: 'idle' });
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(401);
    execFileSync('docker', ['stop', '-t', '10', name], { stdio: 'pipe' });
    const state = JSON.parse(execFileSync('docker', ['inspect', '--format', '{{json .State}}', name]).toString());
    expect(state.ExitCode).toBe(0);
    const logs = execFileSync('docker', ['logs', name]).toString();
    expect(logs).toContain('SIGTERM: shutting down');
    expect(logs).not.toContain(TOKEN);
  }, 60_000);
});
