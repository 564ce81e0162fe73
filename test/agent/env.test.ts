/**
 * The agent's environment: the token comes from AGENT_TOKEN (docker, process runtimes) or from the
 * file AGENT_TOKEN_FILE names (the swarm runtime's secret under /run/secrets).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readAgentEnv } from '../../agent/src/env.js';
import { AgentEnvError } from '../../agent/src/errors.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'artic-agent-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readAgentEnv', () => {
  it('reads the token from AGENT_TOKEN', () => {
    expect(readAgentEnv({ AGENT_ID: 'a1', AGENT_TOKEN: ' tok ', PORT: '8001' })).toEqual({
      hubUrls: [],
      agentId: 'a1',
      token: 'tok',
      port: 8001,
      host: '0.0.0.0',
    });
  });

  it('reads the hub URLs from HUB_URLS (comma-separated, deduplicated), else from HUB_URL', () => {
    const env = { AGENT_ID: 'a1', AGENT_TOKEN: 't' };
    expect(readAgentEnv({ ...env, HUB_URL: 'http://hub:9000' }).hubUrls).toEqual(['http://hub:9000']);
    expect(
      readAgentEnv({ ...env, HUB_URL: 'http://hub-a:9000', HUB_URLS: ' http://hub-a:9000/, http://hub-b:9000 ,,http://hub-a:9000' })
        .hubUrls,
    ).toEqual(['http://hub-a:9000', 'http://hub-b:9000']);
    expect(() => readAgentEnv({ ...env, HUB_URLS: 'http://hub-a:9000,ftp://hub-b' })).toThrow(
      new AgentEnvError('HUB_URLS must be comma-separated http(s) URLs; entry 2 (ftp://hub-b) is not one'),
    );
    expect(() => readAgentEnv({ ...env, HUB_URL: 'hub:9000' })).toThrow(new AgentEnvError('HUB_URL must be an http(s) URL'));
  });

  it('reads the token from the file AGENT_TOKEN_FILE names, without its trailing newline', () => {
    const file = path.join(dir, 'token');
    writeFileSync(file, 'secret-token\n');
    expect(readAgentEnv({ AGENT_ID: 'a1', AGENT_TOKEN_FILE: file }).token).toBe('secret-token');
  });

  it('refuses a missing token, an unreadable file and an empty one, naming the file but not its content', () => {
    expect(() => readAgentEnv({ AGENT_ID: 'a1' })).toThrow(new AgentEnvError('AGENT_TOKEN or AGENT_TOKEN_FILE is required'));
    const missing = path.join(dir, 'absent');
    expect(() => readAgentEnv({ AGENT_ID: 'a1', AGENT_TOKEN_FILE: missing })).toThrow(
      new AgentEnvError(`AGENT_TOKEN_FILE ${missing} cannot be read (ENOENT)`),
    );
    const empty = path.join(dir, 'empty');
    writeFileSync(empty, ' \n');
    expect(() => readAgentEnv({ AGENT_ID: 'a1', AGENT_TOKEN_FILE: empty })).toThrow(
      new AgentEnvError(`AGENT_TOKEN_FILE ${empty} is empty`),
    );
  });
});
