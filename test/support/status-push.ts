/** A valid status push (the wire shape agents send every tick), for tests; `extra` overrides fields. */
import type { StatusPush } from '../../src/shared/wire.js';

export function statusPush(seq: number, extra: Record<string, unknown> = {}): StatusPush {
  return {
    seq,
    state: 'running',
    price: 100 + seq,
    position: null,
    unrealizedPnl: 1.5,
    realizedPnl: 0,
    strategy: 'momentum',
    lastAction: 'hold',
    stale: false,
    simulated: true,
    ts: new Date().toISOString(),
    ...extra,
  } as StatusPush;
}
