/** The logger contracts' own rules (ownership, range checks) on a real anvil node. */
import { Contract, NonceManager, Wallet, ZeroAddress, type JsonRpcProvider } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { deployLoggers, loadArtifact, type LoggerAddresses } from '../../../src/hub/chain/contracts.js';
import { hashText, sessionIdFor, symbolToBytes32 } from '../../../src/hub/chain/encoding.js';
import { connectProvider } from '../../../src/hub/chain/rpc.js';
import { startAnvil, type AnvilHandle } from '../../support/anvil.js';

let anvil: AnvilHandle;
let provider: JsonRpcProvider;
let addresses: LoggerAddresses;
let owner: NonceManager;
let other: NonceManager;

beforeAll(async () => {
  anvil = await startAnvil({ chainId: 133 });
  provider = await connectProvider(anvil.rpcUrl, { chainId: 133, pollingIntervalMs: 100 });
  owner = new NonceManager(new Wallet(anvil.privateKeys[0], provider));
  other = new NonceManager(new Wallet(anvil.privateKeys[1], provider));
  addresses = await deployLoggers(owner);
});

afterAll(async () => {
  provider?.destroy();
  await anvil?.stop();
});

const decisionArgs = (confidenceBps: number) =>
  [sessionIdFor('a'), symbolToBytes32('BTCUSDT'), 1, 2, confidenceBps, -70_000, hashText('r')] as const;

describe('logger contracts', () => {
  it('deploys both with the deployer as owner', async () => {
    for (const [name, address] of [
      ['DecisionLogger', addresses.decisionLogger],
      ['TradeLogger', addresses.tradeLogger],
    ] as const) {
      const c = new Contract(address, loadArtifact(name).abi, provider);
      expect(await c.getFunction('owner')()).toBe(await owner.getAddress());
    }
  });

  it('reverts confidence above 10000 bps with ConfidenceOutOfRange', async () => {
    const c = new Contract(addresses.decisionLogger, loadArtifact('DecisionLogger').abi, owner);
    await expect(c.getFunction('logDecision').staticCall(...decisionArgs(10_001))).rejects.toMatchObject({
      revert: { name: 'ConfidenceOutOfRange', args: [10_001n] },
    });
    await expect(c.getFunction('logDecision').staticCall(...decisionArgs(10_000))).resolves.toBeDefined();
  });

  it('transfers ownership once, refuses the zero address and non-owners', async () => {
    const asOwner = new Contract(addresses.tradeLogger, loadArtifact('TradeLogger').abi, owner);
    const asOther = new Contract(addresses.tradeLogger, loadArtifact('TradeLogger').abi, other);
    const tradeArgs = [sessionIdFor('a'), symbolToBytes32('BTCUSDT'), 0, 1n, 0n, 0, hashText('d')] as const;

    await expect(asOther.getFunction('logTrade').staticCall(...tradeArgs)).rejects.toMatchObject({ revert: { name: 'NotOwner' } });
    await expect(asOwner.getFunction('transferOwnership').staticCall(ZeroAddress)).rejects.toMatchObject({ revert: { name: 'ZeroOwner' } });

    const tx = await asOwner.getFunction('transferOwnership')(await other.getAddress());
    const receipt = await tx.wait();
    const transferred = receipt.logs
      .map((l: { topics: string[]; data: string }) => asOwner.interface.parseLog(l))
      .find((l: { name: string } | null) => l?.name === 'OwnershipTransferred');
    expect(transferred?.args).toEqual([await owner.getAddress(), await other.getAddress()]);

    await expect(asOwner.getFunction('logTrade').staticCall(...tradeArgs)).rejects.toMatchObject({ revert: { name: 'NotOwner' } });
    await expect(asOther.getFunction('logTrade').staticCall(...tradeArgs)).resolves.toBeDefined();
  });
});
