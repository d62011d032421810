// tn.serving: a pool of worker threads serving a model with dynamic batching.
export { createPool, ServingPool } from './pool.js';
export type { CloseOptions, PoolOptions, PoolStats, PoolResult } from './pool.js';
export type { Percentiles } from './stats.js';
