// tn.distributed: data-parallel training over MPI with Horovod's API in camelCase. The rest of the library does not
// know MPI exists; this folder and native/mpi_binding.cc are all of it.
export { init, isInitialized, rank, size, localRank, localSize, mpiThreadsSupported, mpiLibraryVersion, abort } from './runtime.js';
export type { InitArgs } from './runtime.js';
export { allreduce, allgather, broadcast, broadcastVariables, broadcastObject, barrier, shard } from './collectives.js';
export type { AllreduceArgs, ReduceOp, ShardArgs } from './collectives.js';
export { DistributedOptimizer } from './optimizer.js';
export type { DistributedOptimizerArgs, DistributedMembers } from './optimizer.js';
export * as callbacks from './callbacks.js';
export type { LearningRateWarmupArgs } from './callbacks.js';
