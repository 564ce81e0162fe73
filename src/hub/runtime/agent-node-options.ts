/**
 * The Node options every agent runs with by default (AGENT_NODE_OPTIONS), whichever the runtime:
 * the hub passes them as the agent's NODE_OPTIONS. They bound the V8 heap of a program that holds
 * at most a thousand candles (measured steady state: under 10 MB of heap) so that a leak or a burst
 * ends in a clear heap error and a restart rather than a container grown to its memory limit;
 * `npm run bench:fleet` showed no cost in CPU, memory or late ticks (docs/architecture.md, "How
 * many agents per host").
 */
export const AGENT_NODE_OPTIONS = '--max-old-space-size=64 --max-semi-space-size=1';
