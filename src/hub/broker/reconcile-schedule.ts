/**
 * When the broker reconciles live order intents (./live-orders.ts): once at boot, before agents
 * are adopted, then every `intervalMs` for intents whose outcome stayed unknown (an exchange that
 * did not answer, an order not final yet). A pass that fails is logged and tried again on the
 * next tick; the boot never fails on it. `stop` waits for orders still out at the exchange.
 */
import type { Logger } from '../../logger.js';
import type { Broker } from './broker.js';

/** Default pause between reconcile passes, ms. */
export const RECONCILE_INTERVAL_MS = 30_000;

export interface LiveOrderReconciler {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function reconcileLiveOrders(deps: {
  broker: Pick<Broker, 'reconcile' | 'idle'>;
  logger: Logger;
  intervalMs?: number;
}): LiveOrderReconciler {
  const { broker, logger } = deps;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;

  const pass = () => {
    running = broker.reconcile().catch((error: unknown) => logger.error({ err: error }, 'reconcile of live order intents failed'));
    return running;
  };

  return {
    async start() {
      await pass();
      timer = setInterval(() => void pass(), deps.intervalMs ?? RECONCILE_INTERVAL_MS);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await running;
      await broker.idle();
    },
  };
}
