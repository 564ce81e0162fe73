/**
 * Turns decision and trade records into calls of the DecisionLogger / TradeLogger contracts:
 * the target address, the calldata, and the interface that names the contract's custom-error
 * reverts. A record that cannot be encoded throws `ChainRejectedError` (invalid input: retrying
 * will not help) before anything touches the chain.
 */
import { getAddress, type Interface } from 'ethers';

import { classifyChainError } from './classify-error.js';
import { loggerInterface } from './contracts.js';
import { decisionCallArgs, tradeCallArgs, type DecisionRecord, type TradeRecord } from './encoding.js';

/** One contract call, ready to be signed. */
export interface ContractCall {
  to: string;
  /** The called contract's interface, to name custom-error reverts (e.g. `NotOwner`). */
  iface: Interface;
  data: string;
}

export interface LoggerContractCalls {
  logDecision(record: DecisionRecord): ContractCall;
  logTrade(record: TradeRecord): ContractCall;
}

/** Checksums both addresses now (a bad address throws here, not on the first send). */
export function createLoggerContractCalls(addresses: { decisionLoggerAddress: string; tradeLoggerAddress: string }): LoggerContractCalls {
  const decisionLogger = getAddress(addresses.decisionLoggerAddress);
  const tradeLogger = getAddress(addresses.tradeLoggerAddress);
  const decisionIface = loggerInterface('DecisionLogger');
  const tradeIface = loggerInterface('TradeLogger');

  return {
    logDecision: (record) =>
      encodeCall(decisionLogger, decisionIface, 'logDecision', () => {
        const a = decisionCallArgs(record);
        return [a.sessionId, a.symbol, a.action, a.strategy, a.confidenceBps, a.pnlBps, a.reasoningHash];
      }),
    logTrade: (record) =>
      encodeCall(tradeLogger, tradeIface, 'logTrade', () => {
        const a = tradeCallArgs(record);
        return [a.sessionId, a.symbol, a.side, a.entryPrice, a.exitPrice, a.pnlBps, a.detailHash];
      }),
  };
}

/** Encodes `fn(args())`; any failure (a bad record, arguments out of range) is classified. */
function encodeCall(to: string, iface: Interface, fn: string, args: () => unknown[]): ContractCall {
  try {
    return { to, iface, data: iface.encodeFunctionData(fn, args()) };
  } catch (err) {
    throw classifyChainError(err);
  }
}
