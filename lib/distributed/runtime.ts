// The MPI world of this process: init(), the rank and size queries, the exit hooks that keep one failed rank from
// hanging the others, and the agreement check every collective runs first.
import { availableParallelism } from 'node:os';
import { setNumThreads } from '../backend.js';
import { mpiBindings, type MpiBindings } from '../native.js';

interface World {
  mpi: MpiBindings;
  rank: number;
  size: number;
  localRank: number;
  localSize: number;
  threadLevel: string;
  library: string;
}

let world: World | null = null;

export interface InitArgs {
  /**
   * OpenMP threads for this rank's kernels. Default: the host's cores shared among the ranks on it
   * (availableParallelism() / localSize(), at least 1), unless OMP_NUM_THREADS is set.
   */
  threads?: number;
}

/**
 * Joins the world mpirun (or srun, or the MPI Operator) started: MPI_Init_thread(MPI_THREAD_FUNNELED). Call it once,
 * before any other tn.distributed function; a second call returns at once. Without mpirun the process is a world of
 * one (rank 0 of 1), so the same script runs alone.
 */
export function init(args: InitArgs = {}): void {
  if (world) return;
  const mpi = mpiBindings();
  const w = mpi.init();
  world = { mpi, ...w };
  const threads = args.threads ?? (process.env.OMP_NUM_THREADS ? null : Math.max(1, Math.floor(availableParallelism() / w.localSize)));
  if (threads !== null) setNumThreads(threads);
  installExitHooks(world);
}

/** True once init() has run (Horovod's is_initialized). */
export function isInitialized(): boolean {
  return world !== null;
}

/** @internal The world, or a clear error naming the function called before init(). */
export function requireWorld(fn: string): World {
  if (!world) throw new Error(`tn.distributed.${fn}: call tn.distributed.init() first`);
  return world;
}

/** This process's rank in the world, 0 .. size() - 1. */
export function rank(): number {
  return requireWorld('rank').rank;
}
/** The number of processes in the world. */
export function size(): number {
  return requireWorld('size').size;
}
/** This process's rank among those on its host. */
export function localRank(): number {
  return requireWorld('localRank').localRank;
}
/** The number of processes on this host (they share its cores: see init's threads). */
export function localSize(): number {
  return requireWorld('localSize').localSize;
}
/** True when MPI allows calls from several threads (Horovod's mpi_threads_supported); tensornode asks for FUNNELED. */
export function mpiThreadsSupported(): boolean {
  return requireWorld('mpiThreadsSupported').threadLevel === 'multiple';
}
/** The MPI library's own version string (MPI_Get_library_version). */
export function mpiLibraryVersion(): string {
  return requireWorld('mpiLibraryVersion').library;
}

/**
 * Ends the job from this rank: prints the message (with the rank) and calls MPI_Abort, which makes mpirun end every
 * rank. For a rank-local failure that the others cannot know about (they would wait in their next collective).
 */
export function abort(message: string, code = 1): never {
  const w = requireWorld('abort');
  return w.mpi.abort(code, `tn.distributed: rank ${w.rank} of ${w.size}: ${message}`);
}

/**
 * A rank that exits normally finalises MPI. One that exits with an error (an uncaught exception, a rejected top-level
 * await, process.exit(1)) calls MPI_Abort: the others may be waiting in a collective this rank will never join,
 * and MPI_Abort makes mpirun end them at once, instead of waiting forever. Node emits 'exit' before it prints an
 * uncaught error, and MPI_Abort does not return, so the error is caught on its way (uncaughtExceptionMonitor) and
 * printed in the abort message.
 */
function installExitHooks(w: World): void {
  let failure: unknown = undefined;
  process.on('uncaughtExceptionMonitor', (err) => {
    failure ??= err;
  });
  process.on('exit', (code) => {
    if (code === 0) {
      w.mpi.finalize();
      return;
    }
    const others = `the other ${w.size - 1} rank${w.size === 2 ? '' : 's'}`;
    const error = failure === undefined ? '' : `:\n${failure instanceof Error ? (failure.stack ?? `${failure.name}: ${failure.message}`) : String(failure)}`;
    w.mpi.abort(code, `tn.distributed: rank ${w.rank} of ${w.size} ${failure === undefined ? `is exiting with code ${code}` : 'failed'};` +
      ` ending ${others} with MPI_Abort instead of leaving them waiting in a collective${error}`);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Agreement: before moving data, every collective gathers a small header from each rank (what it is called, the
// operation, dtype and shape) and checks that they agree. A mismatch, which in plain MPI would read wrong data, hang or
// crash, becomes the same Error on every rank, naming the tensor and what each rank sent.

const HEADER = 7;
const dtypeCodes: Record<string, number> = { float32: 1, int32: 2, float64: 3, uint8: 4 };

function hash(text: string): number {
  // FNV-1a, 32 bits: names and shapes are compared by hash first; the text is gathered only when they differ.
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

export interface Description {
  /** The collective: 'allreduce', 'allgather', 'broadcast', 'DistributedOptimizer', ... */
  kind: string;
  name: string;
  dtype: string;
  shape: number[];
  /** The op, or the root rank: anything else that must agree. */
  detail: string;
  /** allgather: the first dimension may differ between ranks. */
  freeFirstDim?: boolean;
  /**
   * Shown in the error, not compared: variables' names, which are unique per process and so may differ between ranks
   * that built the same model after different other ones.
   */
  note?: string;
}

const describe = (d: Description) => `${d.kind} ${d.dtype} [${d.shape.join(', ')}]${d.detail ? ` ${d.detail}` : ''}${d.note ? ` (${d.note})` : ''}`;

/** Checks that every rank calls the same collective on a matching tensor; returns each rank's first dimension. */
export function agree(w: World, fn: string, d: Description): number[] {
  const head = new Int32Array(HEADER);
  head[0] = hash(d.kind);
  head[1] = hash(d.name);
  head[2] = dtypeCodes[d.dtype] ?? hash(d.dtype);
  head[3] = d.shape.length;
  head[4] = hash((d.freeFirstDim ? d.shape.slice(1) : d.shape).join(','));
  head[5] = hash(d.detail);
  head[6] = d.shape.length ? d.shape[0] : 1;
  const all = new Int32Array(HEADER * w.size);
  w.mpi.allgatherv(head, all, new Array(w.size).fill(HEADER));
  let differs: string | null = null;
  for (let r = 1; r < w.size && differs === null; r++) {
    const at = r * HEADER;
    if (all[at] !== all[0]) differs = 'the ranks called different collectives';
    else if (all[at + 1] !== all[1]) differs = 'the ranks called collectives on differently named tensors (in a different order?)';
    else if (all[at + 2] !== all[2]) differs = 'dtypes differ across ranks';
    else if (all[at + 3] !== all[3] || all[at + 4] !== all[4] || (!d.freeFirstDim && all[at + 6] !== all[6])) differs = 'shapes differ across ranks';
    else if (all[at + 5] !== all[5]) differs = 'the ranks passed different arguments (roots, ops or variables)';
  }
  if (differs !== null) {
    // Every rank sees the same gathered headers, so every rank takes this path and the gathers below match.
    const mine = new TextEncoder().encode(`'${d.name}' ${describe(d)}`);
    const lengths = new Int32Array(w.size);
    w.mpi.allgatherv(Int32Array.of(mine.length), lengths, new Array(w.size).fill(1));
    const text = new Uint8Array(lengths.reduce((s, n) => s + n, 0));
    w.mpi.allgatherv(mine, text, Array.from(lengths));
    const decoder = new TextDecoder();
    let at = 0;
    const each = Array.from(lengths, (n, r) => {
      const s = `rank ${r}: ${decoder.decode(text.subarray(at, at + n))}`;
      at += n;
      return s;
    });
    throw new Error(`tn.distributed.${fn}: ${differs} for tensor '${d.name}'. ${each.join('; ')}`);
  }
  return Array.from({ length: w.size }, (_, r) => all[r * HEADER + 6]);
}
