/**
 * The chain logger the configuration asks for: enabled with HSK_RPC_URL, HSK_PRIVATE_KEY and the
 * two contract addresses (from the environment, or from `DATA_DIR/chain-addresses.json` written
 * by `npm run chain:deploy`); otherwise disabled, and /health says so.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config.js';
import type { Orm } from '../../db/orm.js';
import type { Logger } from '../../logger.js';
import { createChainLogger, createDisabledChainLogger, type ChainLogger } from './chain-logger.js';
import { createChainSender } from './chain-sender.js';

export interface LoggerAddresses {
  decisionLoggerAddress: string;
  tradeLoggerAddress: string;
}

/** Addresses from the environment, else from the file chain:deploy writes. */
export function loggerAddresses(config: Pick<Config, 'chain' | 'dataDir'>): LoggerAddresses | undefined {
  const { decisionLoggerAddress, tradeLoggerAddress } = config.chain;
  if (decisionLoggerAddress && tradeLoggerAddress) return { decisionLoggerAddress, tradeLoggerAddress };
  const file = path.resolve(config.dataDir, 'chain-addresses.json');
  if (!existsSync(file)) return undefined;
  const stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<Record<string, string>>;
  const decision = stored.DECISION_LOGGER_ADDRESS ?? stored.decisionLoggerAddress ?? stored.decisionLogger;
  const trade = stored.TRADE_LOGGER_ADDRESS ?? stored.tradeLoggerAddress ?? stored.tradeLogger;
  return decision && trade ? { decisionLoggerAddress: decision, tradeLoggerAddress: trade } : undefined;
}

export function createChainLoggerFromConfig(config: Pick<Config, 'chain' | 'dataDir'>, deps: { orm: Orm; logger: Logger }): ChainLogger {
  const { rpcUrl, privateKey, chainId } = config.chain;
  if (!rpcUrl || !privateKey) return createDisabledChainLogger();
  const addresses = loggerAddresses(config);
  if (!addresses) {
    deps.logger.warn(
      'HSK_RPC_URL and HSK_PRIVATE_KEY are set but no logger contracts are known: run `npm run chain:deploy` (or set DECISION_LOGGER_ADDRESS and TRADE_LOGGER_ADDRESS); chain logging is off',
    );
    return createDisabledChainLogger();
  }
  const sender = createChainSender({
    rpcUrl,
    privateKey: privateKey.startsWith('0x') ? privateKey : `0x${privateKey}`,
    chainId,
    ...addresses,
  });
  return createChainLogger({ orm: deps.orm, sender, logger: deps.logger, chainId });
}
