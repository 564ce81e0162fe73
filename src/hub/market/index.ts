/** Public surface of the hub's market-data layer. */
export * from './provider.js';
export * from './symbols.js';
export * from './errors.js';
export * from './twelve-data.js';
export * from './hashkey-public.js';
export * from './simulated.js';
export * from './credit-store.js';
export * from './candle-store.js';
export * from './candle-limiter.js';
export * from './freshness.js';
export * from './candle-service.js';
