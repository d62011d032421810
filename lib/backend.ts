// Backend facts and knobs: which SIMD path runs, how many threads.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pooledBytes } from './memory.js';
import { native, packageRoot } from './native.js';
import { liveVariables } from './tensor.js';

/** The version in tensornode's package.json ('unknown' if it cannot be read). */
export const packageVersion: string = (() => {
  try {
    return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
})();

export interface BackendInfo {
  /** The SIMD path the kernels run: 'avx512', 'avx2' or 'scalar' (portable C++). */
  isa: 'avx512' | 'avx2' | 'scalar';
  /** The best path this CPU supports (TENSORNODE_MAX_ISA may cap isa below it). */
  hardwareIsa: string;
  /** OpenMP threads the kernels use. */
  threads: number;
  /** Whether bfloat16 products (AVX512_BF16's vdpbf16ps) run on the active path: what mixed_bfloat16 needs. */
  avx512Bf16: boolean;
  version: string;
}

export function backendInfo(): BackendInfo {
  const b = native.backendInfo();
  return { isa: b.isa, hardwareIsa: b.hardwareIsa, threads: b.threads, avx512Bf16: b.avx512Bf16, version: packageVersion };
}

/** Sets how many threads the kernels use (for the calling thread; each worker_thread has its own setting). */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`setNumThreads: n must be a positive integer, received ${String(n)}`);
  native.setNumThreads(n);
}

export interface MemoryInfo {
  /**
   * TF.js's numTensors, for what tensornode holds: the variables alive (weights, metric state, tn.variable). Other
   * tensors are garbage-collected and never leak, so a training loop's count stays flat as a TF.js loop with tidy()
   * does; a tensor made and dropped does not count.
   */
  numTensors: number;
  /** The buffers behind numTensors: one per variable. */
  numDataBuffers: number;
  /** Bytes of those variables' values (4 per element). */
  numBytes: number;
  /** Bytes of tensor buffers kept by this thread for reuse by the next training or prediction step (at most 1 GiB). */
  pooledBytes: number;
  /** Always true, as TF.js sets it when its counts leave tensors out. */
  unreliable: true;
  /** Why the counts leave tensors out. */
  reasons: string[];
}

const memoryReasons = [
  'tensornode counts variables only: other tensors are garbage-collected (dispose() and tidy() free nothing), so they never accumulate',
];

/**
 * TF.js's tf.memory(), for what tensornode holds beyond the garbage collector's own tensors: the variables alive, and
 * the buffers pooled for reuse.
 */
export function memory(): MemoryInfo {
  const { count, bytes } = liveVariables();
  return { numTensors: count, numDataBuffers: count, numBytes: bytes, pooledBytes: pooledBytes(), unreliable: true, reasons: memoryReasons.slice() };
}
