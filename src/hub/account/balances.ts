/**
 * `/balance`: what a trader holds, in two parts that never mix.
 * - Paper: per paper agent, equity = capital (`amountUsdt`) + realised PnL + unrealised PnL, from
 *   the agents table, and the sum over them. Live agents are named, not counted: their money is
 *   the exchange account's.
 * - Live: when the trader's HashKey keys resolve, the account's spot balances (signed
 *   `GET /api/v1/account`), zero balances left out. The vault resolves the keys (user → server),
 *   and its policy gives the server-wide exchange keys to admins only, so no one else ever sees
 *   the operator's account. A refusal is reported with the exchange's code, never the key.
 * Money in quote currency (USDT); exchange balances in units of their asset.
 */
import type { AgentDirectory } from '../agents/agent-directory.js';
import type { AgentView } from '../agents/agent-view.js';
import type { ExchangeFactory } from '../broker/broker.js';
import { ExchangeError, type Balance } from '../exchange/exchange.js';
import { HashKeyApiError } from '../exchange/hashkey/errors.js';
import { HASHKEY_API_KEY_NAME } from '../secrets/secret-names.js';
import type { SecretSource } from '../secrets/secret-resolver.js';
import type { Vault } from '../secrets/vault.js';

/** One paper agent's equity, USDT. */
export interface PaperEquity {
  agentId: string;
  name: string;
  shortId: string;
  symbol: string;
  capital: number;
  realized: number;
  unrealized: number;
  /** capital + realized + unrealized. */
  equity: number;
}

export type PaperTotals = Pick<PaperEquity, 'capital' | 'realized' | 'unrealized' | 'equity'>;

/**
 * The exchange part: `none` without keys; `ok` with the non-zero balances (largest first);
 * `refused` when the exchange refused the keys (`code`: its error code, when it sent one);
 * `unavailable` when it could not answer now. `source` says whose keys: the user's or (admins)
 * the server's.
 */
export type LiveBalances =
  | { status: 'none' }
  | { status: 'ok'; source: SecretSource; balances: Balance[] }
  | { status: 'refused'; source: SecretSource; code: string | null }
  | { status: 'unavailable'; source: SecretSource; reason: string };

export interface BalanceReport {
  paper: PaperEquity[];
  paperTotal: PaperTotals;
  /** Names of the owner's live agents (their funds are in the exchange balances). */
  liveAgents: string[];
  live: LiveBalances;
}

export interface BalanceService {
  /** The owner's balances; only the owner's agents and keys are read. */
  report(ownerId: string): Promise<BalanceReport>;
}

export interface BalanceDeps {
  agents: Pick<AgentDirectory, 'list'>;
  /** Where the owner's HashKey key comes from (no decryption). */
  vault: Pick<Vault, 'source'>;
  /** The owner's HashKey exchange (user keys, or the server's for admins); undefined without keys. */
  exchangeFor: ExchangeFactory;
}

/** Per-agent paper equity and the total over them. */
export function paperEquity(
  agents: ReadonlyArray<Pick<AgentView, 'id' | 'name' | 'shortId' | 'symbol' | 'amountUsdt' | 'realizedPnl' | 'unrealizedPnl'>>,
): {
  paper: PaperEquity[];
  paperTotal: PaperTotals;
} {
  const paper = agents.map((a) => ({
    agentId: a.id,
    name: a.name,
    shortId: a.shortId,
    symbol: a.symbol,
    capital: a.amountUsdt,
    realized: a.realizedPnl,
    unrealized: a.unrealizedPnl,
    equity: a.amountUsdt + a.realizedPnl + a.unrealizedPnl,
  }));
  const paperTotal = paper.reduce(
    (t, p) => ({
      capital: t.capital + p.capital,
      realized: t.realized + p.realized,
      unrealized: t.unrealized + p.unrealized,
      equity: t.equity + p.equity,
    }),
    { capital: 0, realized: 0, unrealized: 0, equity: 0 },
  );
  return { paper, paperTotal };
}

async function liveBalances(deps: BalanceDeps, ownerId: string): Promise<LiveBalances> {
  const exchange = await deps.exchangeFor(ownerId);
  if (!exchange) return { status: 'none' };
  const source = (await deps.vault.source(ownerId, HASHKEY_API_KEY_NAME)) ?? 'user';
  try {
    const balances = (await exchange.balances()).filter((b) => b.total > 0).sort((a, b) => b.total - a.total);
    return { status: 'ok', source, balances };
  } catch (error) {
    if (error instanceof ExchangeError && error.kind === 'auth')
      return { status: 'refused', source, code: error instanceof HashKeyApiError ? error.code : null };
    if (error instanceof ExchangeError) return { status: 'unavailable', source, reason: error.kind };
    throw error;
  }
}

export function createBalanceService(deps: BalanceDeps): BalanceService {
  return {
    async report(ownerId) {
      const agents = await deps.agents.list(ownerId);
      const live = await liveBalances(deps, ownerId);
      return {
        ...paperEquity(agents.filter((a) => !a.liveMode)),
        liveAgents: agents.filter((a) => a.liveMode).map((a) => a.name),
        live,
      };
    },
  };
}
