#!/usr/bin/env node
// Compiles contracts/*.sol with the pinned `solc` npm package (standard JSON input, fixed
// optimizer and EVM settings) into contracts/build/<Name>.json artifacts:
//   { contractName, abi, bytecode, deployedBytecode, solcVersion, settings, sourceHash }
// The output is reproducible: the same sources and compiler give byte-identical files, and
// test/hub/chain/artifacts.test.ts recompiles into a temp dir and compares.
//
// Usage: node scripts/compile-contracts.mjs [--out-dir <dir>]   (default: contracts/build)
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import solc from 'solc';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const contractsDir = path.join(root, 'contracts');

/** Contracts that get an artifact (abstract bases such as Owned are only compiled in). */
const DEPLOYABLE = ['DecisionLogger', 'TradeLogger'];

/**
 * Fixed compiler settings. `shanghai` keeps the bytecode runnable on HashKey Chain (OP Stack,
 * Canyon+ activates Shanghai) and on any anvil hardfork; nothing here needs Cancun opcodes.
 */
const SETTINGS = {
  evmVersion: 'shanghai',
  optimizer: { enabled: true, runs: 200 },
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
};

function parseArgs(argv) {
  let outDir = path.join(contractsDir, 'build');
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out-dir' && argv[i + 1]) outDir = path.resolve(argv[++i]);
    else throw new Error(`unknown argument: ${argv[i]}`);
  }
  return { outDir };
}

function readSources() {
  const files = readdirSync(contractsDir)
    .filter((f) => f.endsWith('.sol'))
    .sort();
  const sources = {};
  // Source unit names are bare file names so `import "./Owned.sol"` resolves and the
  // metadata hash does not depend on where the checkout lives.
  for (const file of files) sources[file] = { content: readFileSync(path.join(contractsDir, file), 'utf8') };
  return sources;
}

function main() {
  const { outDir } = parseArgs(process.argv.slice(2));
  const input = { language: 'Solidity', sources: readSources(), settings: SETTINGS };
  const inputJson = JSON.stringify(input);
  const sourceHash = createHash('sha256').update(inputJson).digest('hex');
  const output = JSON.parse(solc.compile(inputJson));

  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  for (const e of output.errors ?? []) process.stderr.write(`${e.formattedMessage ?? e.message}\n`);
  if (errors.length > 0) {
    process.stderr.write(`compile-contracts: ${errors.length} error(s)\n`);
    process.exit(1);
  }

  mkdirSync(outDir, { recursive: true });
  for (const name of DEPLOYABLE) {
    const compiled = output.contracts?.[`${name}.sol`]?.[name];
    if (!compiled) throw new Error(`compile-contracts: no output for ${name}`);
    const artifact = {
      contractName: name,
      abi: compiled.abi,
      bytecode: `0x${compiled.evm.bytecode.object}`,
      deployedBytecode: `0x${compiled.evm.deployedBytecode.object}`,
      solcVersion: solc.version(),
      settings: { evmVersion: SETTINGS.evmVersion, optimizer: SETTINGS.optimizer },
      sourceHash,
    };
    writeFileSync(path.join(outDir, `${name}.json`), `${JSON.stringify(artifact, null, 2)}\n`);
  }
  process.stdout.write(`compile-contracts: wrote ${DEPLOYABLE.join(', ')} to ${path.relative(root, outDir) || '.'}\n`);
}

main();
