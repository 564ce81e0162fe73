/**
 * One reconcile pass over the live order intents whose outcome is not recorded (at boot, then
 * periodically: ./reconcile-schedule.ts). Each is looked up at the exchange by client order id,
 * except those whose order is out in this process (their own call settles them): a fill is
 * recorded and published as the broker does after a commit, an order that ended unfilled is told
 * to its owner. A failing intent is logged and tried again on the next pass. One pass runs at a
 * time; asking during one joins it.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { OrderIntent } from '../../db/entities/index.js';
import type { Orm } from '../../db/orm.js';
import type { Logger } from '../../logger.js';
import { pendingIntents } from './intents.js';
import { ctxOfIntent, type Outcome } from './live-settlement.js';
import type { AgentContext, Executed } from './records.js';

/** What one reconcile pass did, by client order id. */
export interface ReconcileReport {
  recorded: string[];
  failed: string[];
  orphaned: string[];
  /** Still unknown (not at the exchange yet, not final, or the exchange did not answer). */
  pending: string[];
}

export interface ReconcilerDeps {
  orm: Orm;
  /** True while the key's order is out in this process. */
  isOut: (clientOrderId: string) => boolean;
  /** Looks the intent's order up at the exchange and settles what can be settled. */
  lookUp: (intent: OrderIntent, log: Logger) => Promise<Outcome>;
  /** Publishes a recorded fill (events, book), as the broker does after a commit. */
  publish: (executed: Executed, log: Logger) => void;
  /** Tells the owner (`order.error`). */
  alert: (ctx: AgentContext, message: string, log: Logger) => void;
  logger: Logger;
}

/** `reconcile()`: runs a pass, or joins the one under way. */
export function createReconciler(deps: ReconcilerDeps): () => Promise<ReconcileReport> {
  const { logger } = deps;
  let pass: Promise<ReconcileReport> | undefined;

  async function settleOne(intent: OrderIntent): Promise<Outcome> {
    const log = logger.child({ clientOrderId: intent.clientOrderId, agentId: intent.agentId });
    let outcome: Outcome;
    try {
      outcome = await deps.lookUp(intent, log);
    } catch (error) {
      log.error({ err: error }, 'reconcile of a live order intent failed; trying again on the next pass');
      outcome = { kind: 'pending', detail: String(error) };
    }
    if (outcome.kind === 'recorded') {
      log.info({ tradeId: intent.tradeId, action: intent.action }, 'reconcile recorded a live fill');
      deps.publish(outcome.executed, log);
    } else if (outcome.kind === 'failed' && !outcome.placeAgain) {
      // An order that never reached the exchange did nothing; one that ended unfilled is news.
      deps.alert(ctxOfIntent(intent), outcome.error.message, log);
    }
    return outcome;
  }

  async function reconcilePass(): Promise<ReconcileReport> {
    const report: ReconcileReport = { recorded: [], failed: [], orphaned: [], pending: [] };
    const intents = await pendingIntents(deps.orm.em.fork() as EntityManager);
    for (const intent of intents) {
      if (deps.isOut(intent.clientOrderId)) continue;
      const outcome = await settleOne(intent);
      report[outcome.kind].push(intent.clientOrderId);
    }
    if (intents.length > 0)
      logger.info(
        {
          recorded: report.recorded.length,
          failed: report.failed.length,
          orphaned: report.orphaned.length,
          pending: report.pending.length,
        },
        'reconciled live order intents',
      );
    return report;
  }

  return () => {
    pass ??= reconcilePass().finally(() => {
      pass = undefined;
    });
    return pass;
  };
}
