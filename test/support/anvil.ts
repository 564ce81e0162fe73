/**
 * Test support: a real anvil node (from `@foundry-rs/anvil`) on 127.0.0.1 and a free port.
 *
 * State is kept in a temp file (removed when the test process exits) through anvil's `--state` flag (loaded at start, dumped on a
 * graceful exit), so `restart()` brings the same chain back on the same port: deployed
 * contracts, nonces and mined blocks survive, which lets tests simulate an RPC outage.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HDNodeWallet } from 'ethers';
import { freePort } from './ports.js';

/** Anvil's default development mnemonic; its accounts are funded with 10 000 ETH each. */
export const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';

export interface StartAnvilOptions {
  /** Chain id reported by the node. Default 133 (HashKey Chain testnet). */
  chainId?: number;
  /** Port to listen on; default: a free port chosen by the OS. */
  port?: number;
  /** Number of funded dev accounts. Default 4. */
  accounts?: number;
}

export interface AnvilHandle {
  /** `http://127.0.0.1:<port>` */
  readonly rpcUrl: string;
  readonly port: number;
  readonly chainId: number;
  /** 0x-prefixed private keys of the funded dev accounts, in anvil's order. */
  readonly privateKeys: string[];
  /** Kills the node (SIGTERM, so it dumps its state) and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
  /** Starts the node again on the same port with the state saved by the last stop. */
  restart(): Promise<void>;
}

/** Error raised when the anvil binary cannot be found or does not come up. */
export class AnvilStartError extends Error {
  override readonly name = 'AnvilStartError';
}

/** Absolute path to the platform's anvil binary, made executable if npm dropped the run bit. */
export function anvilBinaryPath(): string {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const bin = path.join(root, 'node_modules', '@foundry-rs', `anvil-${process.platform}-${arch}`, 'bin', 'anvil');
  if (!existsSync(bin)) throw new AnvilStartError(`anvil binary not found at ${bin}`);
  const mode = statSync(bin).mode;
  if ((mode & 0o111) !== 0o111) chmodSync(bin, mode | 0o755);
  return bin;
}

async function rpcChainId(rpcUrl: string): Promise<number | null> {
  try {
    const res = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(1000),
    });
    const body = (await res.json()) as { result?: string };
    return body.result ? Number(BigInt(body.result)) : null;
  } catch {
    return null;
  }
}

/** Starts anvil and resolves once `eth_chainId` answers with the requested chain id. */
export async function startAnvil(options: StartAnvilOptions = {}): Promise<AnvilHandle> {
  const chainId = options.chainId ?? 133;
  const accounts = options.accounts ?? 4;
  const port = options.port ?? (await freePort());
  const rpcUrl = `http://127.0.0.1:${port}`;
  const bin = anvilBinaryPath();
  const stateDir = mkdtempSync(path.join(tmpdir(), 'artic-anvil-'));
  const stateFile = path.join(stateDir, 'state.json');
  const privateKeys = Array.from(
    { length: accounts },
    (_, i) => HDNodeWallet.fromPhrase(ANVIL_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).privateKey,
  );

  let child: ChildProcess | null = null;
  // Last resort if a test forgets stop(): no orphaned node, no leftover state file.
  const killOnExit = (): void => {
    child?.kill('SIGKILL');
    rmSync(stateDir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);

  async function launch(): Promise<void> {
    let stderr = '';
    let exited = false;
    const proc = spawn(
      bin,
      [
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
        '--chain-id',
        String(chainId),
        '--accounts',
        String(accounts),
        '--mnemonic',
        ANVIL_MNEMONIC,
        '--state',
        stateFile,
        '--preserve-historical-states',
        '--silent',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    proc.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    proc.once('exit', () => {
      exited = true;
    });
    child = proc;
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (exited) throw new AnvilStartError(`anvil exited during start-up: ${stderr.trim()}`);
      const answered = await rpcChainId(rpcUrl);
      if (answered === chainId) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    proc.kill('SIGKILL');
    throw new AnvilStartError(`anvil did not answer on ${rpcUrl} within 15 s: ${stderr.trim()}`);
  }

  async function stop(): Promise<void> {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      proc.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      proc.kill('SIGTERM');
    });
  }

  await launch();
  return {
    rpcUrl,
    port,
    chainId,
    privateKeys,
    stop,
    restart: async () => {
      await stop();
      await launch();
    },
  };
}
