/**
 * The live orders out at the exchange in this process, by client order id. A retry of a key that
 * is out here follows its order instead of looking it up; a reconcile pass leaves it alone; `idle`
 * waits for them all (shutdown, tests). A key is marked in the admitting transaction, before its
 * intent commits, and dropped when its order settles or fails, or when the admission does not
 * commit.
 */
import { IdempotencyKeyConflictError } from './errors.js';
import type { Executed } from './records.js';

export interface OrdersOut {
  /** Marks `clientOrderId` out; conflicts when another order holds it here. */
  mark(clientOrderId: string): void;
  has(clientOrderId: string): boolean;
  /** The order under this key, when it is out in this process. */
  following(clientOrderId: string): Promise<Executed> | undefined;
  /** Runs the marked key's exchange call; its followers get the same outcome; the key is dropped when it ends. */
  run(clientOrderId: string, call: () => Promise<Executed>): Promise<Executed>;
  /** The admitting transaction did not commit: the key is not out after all. */
  abandon(clientOrderId: string): void;
  /** Resolves when no order is out in this process. */
  idle(): Promise<void>;
}

export function createOrdersOut(): OrdersOut {
  /** Settled or failed when the promise ends. */
  const out = new Map<string, { promise: Promise<Executed>; done: (run: () => Promise<Executed>) => void }>();

  return {
    mark(clientOrderId) {
      // Only another agent's order can hold this key here (the agent's own retries follow it).
      if (out.has(clientOrderId)) throw new IdempotencyKeyConflictError(clientOrderId, 'is in use by another order');
      let done!: (run: () => Promise<Executed>) => void;
      const promise = new Promise<Executed>((resolve, reject) => {
        done = (run) => void run().then(resolve, reject);
      });
      promise.catch(() => undefined); // followers may be none
      out.set(clientOrderId, { promise, done });
    },

    has: (clientOrderId) => out.has(clientOrderId),

    following: (clientOrderId) => out.get(clientOrderId)?.promise,

    run(clientOrderId, call) {
      const entry = out.get(clientOrderId)!;
      entry.done(() => call().finally(() => out.delete(clientOrderId)));
      return entry.promise;
    },

    abandon(clientOrderId) {
      out.get(clientOrderId)?.done(() => Promise.reject(new Error(`order ${clientOrderId} was not admitted`)));
      out.delete(clientOrderId);
    },

    async idle() {
      await Promise.allSettled([...out.values()].map((o) => o.promise));
    },
  };
}
