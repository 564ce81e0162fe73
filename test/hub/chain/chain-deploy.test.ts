/** scripts/chain-deploy.ts against a real anvil node, in-process and as the npm script runs it. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Contract, JsonRpcProvider } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DeployConfigError, deployFromEnv } from '../../../scripts/chain-deploy.js';
import { loadArtifact } from '../../../src/hub/chain/contracts.js';
import { ChainRejectedError, ChainUnavailableError } from '../../../src/hub/chain/errors.js';
import { startAnvil, type AnvilHandle } from '../../support/anvil.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..', '..', '..');
const tmp = mkdtempSync(path.join(tmpdir(), 'artic-deploy-'));
let anvil: AnvilHandle;
let provider: JsonRpcProvider;

beforeAll(async () => {
  anvil = await startAnvil({ chainId: 133 });
  provider = new JsonRpcProvider(anvil.rpcUrl, 133, { staticNetwork: true });
});

afterAll(async () => {
  provider?.destroy();
  await anvil?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

async function ownerOf(address: string): Promise<string> {
  const c = new Contract(address, loadArtifact('DecisionLogger').abi, provider);
  return (await c.getFunction('owner')()) as string;
}

describe('chain-deploy', () => {
  it('deploys both loggers, prints the address lines and writes chain-addresses.json', async () => {
    const lines: string[] = [];
    const notes: string[] = [];
    const dataDir = path.join(tmp, 'in-process');
    const result = await deployFromEnv(
      { HSK_RPC_URL: anvil.rpcUrl, HSK_PRIVATE_KEY: anvil.privateKeys[2], HSK_CHAIN_ID: '133', DATA_DIR: dataDir },
      { out: (line) => lines.push(line), info: (line) => notes.push(line) },
    );
    expect(notes).toContain(`explorer: https://testnet-explorer.hsk.xyz/address/${result.decisionLogger}`);
    expect(lines).toEqual([`DECISION_LOGGER_ADDRESS=${result.decisionLogger}`, `TRADE_LOGGER_ADDRESS=${result.tradeLogger}`]);
    expect(result.file).toBe(path.join(dataDir, 'chain-addresses.json'));
    const written = JSON.parse(readFileSync(result.file, 'utf8'));
    expect(written).toMatchObject({ chainId: 133, decisionLogger: result.decisionLogger, tradeLogger: result.tradeLogger });
    expect(written.sourceHash).toBe(loadArtifact('DecisionLogger').sourceHash);
    expect(await provider.getCode(result.tradeLogger)).toBe(loadArtifact('TradeLogger').deployedBytecode);
    expect(await ownerOf(result.decisionLogger)).toBe(written.owner);
  });

  it('refuses missing variables, bad keys, a wrong chain and an unreachable node', async () => {
    await expect(deployFromEnv({})).rejects.toThrow(/HSK_RPC_URL, HSK_PRIVATE_KEY/);
    await expect(deployFromEnv({ HSK_RPC_URL: anvil.rpcUrl })).rejects.toBeInstanceOf(DeployConfigError);
    await expect(deployFromEnv({ HSK_RPC_URL: anvil.rpcUrl, HSK_PRIVATE_KEY: '0x1234' })).rejects.toThrow(/HSK_PRIVATE_KEY/);
    const base = { HSK_PRIVATE_KEY: anvil.privateKeys[2], DATA_DIR: path.join(tmp, 'never') };
    await expect(deployFromEnv({ ...base, HSK_RPC_URL: anvil.rpcUrl, HSK_CHAIN_ID: '177' })).rejects.toBeInstanceOf(ChainRejectedError);
    await expect(deployFromEnv({ ...base, HSK_RPC_URL: 'http://127.0.0.1:1' })).rejects.toBeInstanceOf(ChainUnavailableError);
  });

  it('runs as a script with tsx', async () => {
    const dataDir = path.join(tmp, 'cli');
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/chain-deploy.ts'], {
      cwd: root,
      env: { ...process.env, HSK_RPC_URL: anvil.rpcUrl, HSK_PRIVATE_KEY: anvil.privateKeys[3], DATA_DIR: dataDir },
    });
    const match = /^DECISION_LOGGER_ADDRESS=(0x[0-9a-fA-F]{40})\nTRADE_LOGGER_ADDRESS=(0x[0-9a-fA-F]{40})\n$/.exec(stdout);
    expect(match, stdout).not.toBeNull();
    const written = JSON.parse(readFileSync(path.join(dataDir, 'chain-addresses.json'), 'utf8'));
    expect([written.decisionLogger, written.tradeLogger]).toEqual([match![1], match![2]]);

    const failed = await run(process.execPath, ['--import', 'tsx', 'scripts/chain-deploy.ts'], {
      cwd: root,
      env: { ...process.env, HSK_RPC_URL: '', HSK_PRIVATE_KEY: '' },
    }).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('missing environment variable(s): HSK_RPC_URL, HSK_PRIVATE_KEY'),
    });
  }, 30_000);
});
