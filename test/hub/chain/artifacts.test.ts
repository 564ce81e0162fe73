import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

import { contractsBuildDir, loadArtifact, loggerInterface } from '../../../src/hub/chain/contracts.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..', '..', '..');
const tmp = mkdtempSync(path.join(tmpdir(), 'artic-contracts-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('contract artifacts', () => {
  it('recompiling the sources reproduces the committed artifacts byte for byte', async () => {
    await run(process.execPath, [path.join(root, 'scripts', 'compile-contracts.mjs'), '--out-dir', tmp], { cwd: root });
    for (const name of ['DecisionLogger', 'TradeLogger']) {
      const fresh = readFileSync(path.join(tmp, `${name}.json`), 'utf8');
      const committed = readFileSync(path.join(root, 'contracts', 'build', `${name}.json`), 'utf8');
      expect(fresh, `${name}.json drifted: run npm run contracts:compile`).toBe(committed);
    }
  }, 30_000);

  it('loads artifacts with the documented shape', () => {
    expect(contractsBuildDir()).toBe(path.join(root, 'contracts', 'build'));
    const a = loadArtifact('TradeLogger');
    expect(a.contractName).toBe('TradeLogger');
    expect(a.bytecode).toMatch(/^0x[0-9a-f]+$/);
    expect(a.solcVersion).toMatch(/^0\.8\.28\+/);
    expect(a.sourceHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('declares int32 PnL and the documented event layouts', () => {
    expect(loggerInterface('DecisionLogger').getEvent('DecisionLogged')?.format('sighash')).toBe(
      'DecisionLogged(bytes32,bytes32,uint8,uint8,uint16,int32,bytes32)',
    );
    expect(loggerInterface('TradeLogger').getEvent('TradeLogged')?.format('sighash')).toBe(
      'TradeLogged(bytes32,bytes32,uint8,uint128,uint128,int32,bytes32)',
    );
    expect(loggerInterface('TradeLogger').getFunction('logTrade')?.format('sighash')).toBe(
      'logTrade(bytes32,bytes32,uint8,uint128,uint128,int32,bytes32)',
    );
  });
});
