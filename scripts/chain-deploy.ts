/**
 * Deploys DecisionLogger and TradeLogger to the chain behind HSK_RPC_URL, owned by the wallet
 * of HSK_PRIVATE_KEY. Prints `DECISION_LOGGER_ADDRESS=0x…` and `TRADE_LOGGER_ADDRESS=0x…` and
 * writes them to ${DATA_DIR:-./data}/chain-addresses.json.
 *
 *   HSK_RPC_URL=https://testnet.hsk.xyz HSK_PRIVATE_KEY=0x… npm run chain:deploy
 *
 * Optional: HSK_CHAIN_ID (refuse to deploy if the node serves another chain).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Wallet } from 'ethers';

import { deployLoggers, loadArtifact } from '../src/hub/chain/contracts.js';
import { explorerAddressUrl } from '../src/hub/chain/networks.js';
import { connectProvider } from '../src/hub/chain/rpc.js';

/** A required variable is missing or malformed. */
export class DeployConfigError extends Error {
  override readonly name = 'DeployConfigError';
}

/** Content of chain-addresses.json. */
export interface ChainAddressesFile {
  chainId: number;
  decisionLogger: string;
  tradeLogger: string;
  owner: string;
  sourceHash: string;
  deployedAt: string;
}

/** Where the script writes: `out` gets the `NAME=value` lines, `info` the human notes. */
export interface DeployOutput {
  out(line: string): void;
  info(line: string): void;
}

const STDIO: DeployOutput = {
  out: (line) => process.stdout.write(`${line}\n`),
  info: (line) => process.stderr.write(`${line}\n`),
};

/**
 * Deploys both loggers per `env`, writes the addresses file, prints the address lines, and
 * returns what it wrote (plus the file path). Throws `DeployConfigError` for bad variables,
 * `ChainUnavailableError` / `ChainRejectedError` for node problems.
 */
export async function deployFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  output: DeployOutput = STDIO,
): Promise<ChainAddressesFile & { file: string }> {
  const rpcUrl = env.HSK_RPC_URL?.trim();
  const privateKey = env.HSK_PRIVATE_KEY?.trim();
  const missing = [!rpcUrl && 'HSK_RPC_URL', !privateKey && 'HSK_PRIVATE_KEY'].filter(Boolean);
  if (missing.length > 0) throw new DeployConfigError(`missing environment variable(s): ${missing.join(', ')}`);
  const expectedChainId = env.HSK_CHAIN_ID ? Number(env.HSK_CHAIN_ID) : undefined;
  if (expectedChainId !== undefined && !Number.isInteger(expectedChainId)) {
    throw new DeployConfigError(`HSK_CHAIN_ID must be an integer, got ${env.HSK_CHAIN_ID}`);
  }
  let wallet: Wallet;
  try {
    wallet = new Wallet(privateKey!);
  } catch {
    throw new DeployConfigError('HSK_PRIVATE_KEY is not a valid 32-byte hex private key');
  }

  const provider = await connectProvider(rpcUrl!, { chainId: expectedChainId });
  try {
    const chainId = Number((await provider.getNetwork()).chainId);
    const addresses = await deployLoggers(wallet.connect(provider));
    const result: ChainAddressesFile = {
      chainId,
      decisionLogger: addresses.decisionLogger,
      tradeLogger: addresses.tradeLogger,
      owner: wallet.address,
      sourceHash: loadArtifact('DecisionLogger').sourceHash,
      deployedAt: new Date().toISOString(),
    };
    const dataDir = path.resolve(env.DATA_DIR?.trim() || './data');
    mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, 'chain-addresses.json');
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);

    output.out(`DECISION_LOGGER_ADDRESS=${result.decisionLogger}`);
    output.out(`TRADE_LOGGER_ADDRESS=${result.tradeLogger}`);
    for (const address of [result.decisionLogger, result.tradeLogger]) {
      const url = explorerAddressUrl(chainId, address);
      if (url) output.info(`explorer: ${url}`);
    }
    output.info(`wrote ${file}`);
    return { ...result, file };
  } finally {
    provider.destroy();
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) {
  deployFromEnv().catch((err: unknown) => {
    process.stderr.write(`chain-deploy: ${(err as Error).name}: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
