/**
 * Compiled logger contracts (contracts/build/*.json, produced by `npm run contracts:compile`)
 * and their deployment.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ContractFactory, Interface, type InterfaceAbi, type Signer } from 'ethers';

export type LoggerContractName = 'DecisionLogger' | 'TradeLogger';

/** One file of contracts/build. */
export interface ContractArtifact {
  contractName: LoggerContractName;
  abi: InterfaceAbi;
  /** 0x-prefixed creation bytecode. */
  bytecode: string;
  deployedBytecode: string;
  solcVersion: string;
  sourceHash: string;
}

/** Addresses of a deployed pair of loggers (checksummed). */
export interface LoggerAddresses {
  decisionLogger: string;
  tradeLogger: string;
}

/** Thrown when contracts/build cannot be found next to this module or above it. */
export class ContractArtifactsNotFoundError extends Error {
  override readonly name = 'ContractArtifactsNotFoundError';
}

let buildDir: string | undefined;
const cache = new Map<LoggerContractName, ContractArtifact>();

/**
 * The contracts/build directory, found by walking up from this module, so the same code works
 * from src/ (tsx) and from a compiled dist/ tree as long as contracts/build ships beside it.
 */
export function contractsBuildDir(): string {
  if (buildDir) return buildDir;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'contracts', 'build');
    if (existsSync(path.join(candidate, 'DecisionLogger.json'))) return (buildDir = candidate);
    const parent = path.dirname(dir);
    if (parent === dir) throw new ContractArtifactsNotFoundError('contracts/build/*.json not found; run npm run contracts:compile');
    dir = parent;
  }
}

/** Reads (once) and returns the artifact of one logger contract. */
export function loadArtifact(name: LoggerContractName): ContractArtifact {
  let artifact = cache.get(name);
  if (!artifact) {
    artifact = JSON.parse(readFileSync(path.join(contractsBuildDir(), `${name}.json`), 'utf8')) as ContractArtifact;
    cache.set(name, artifact);
  }
  return artifact;
}

/** The ethers Interface of one logger contract. */
export function loggerInterface(name: LoggerContractName): Interface {
  return new Interface(loadArtifact(name).abi);
}

/**
 * Deploys DecisionLogger then TradeLogger from `signer` (which becomes their owner) and waits
 * for both deployments to be mined. Nonces are assigned explicitly from one `pending` count,
 * because ethers providers briefly cache identical `eth_getTransactionCount` answers.
 */
export async function deployLoggers(signer: Signer): Promise<LoggerAddresses> {
  const firstNonce = await signer.getNonce('pending');
  const deploy = async (name: LoggerContractName, nonce: number): Promise<string> => {
    const { abi, bytecode } = loadArtifact(name);
    const contract = await new ContractFactory(abi, bytecode, signer).deploy({ nonce });
    await contract.waitForDeployment();
    return contract.getAddress();
  };
  const decisionLogger = await deploy('DecisionLogger', firstNonce);
  const tradeLogger = await deploy('TradeLogger', firstNonce + 1);
  return { decisionLogger, tradeLogger };
}
