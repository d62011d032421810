// Where tensor data lives.
//
// Outside a step scope, every buffer is an ordinary typed array owned by the garbage collector: nothing to free.
// Inside one (the training, evaluation and prediction loops open one per batch), buffers come from a pool keyed by
// length and go back to it when the step ends. On this class of machine the first touch of a fresh page costs about
// 16 us, and a malloc'ed buffer is also zero-filled, so a training step that allocated fresh memory for every
// intermediate would spend more time faulting pages than computing. Reusing the same warm buffers every step makes
// allocation free and keeps memory flat. The pool is given back after a while without any step (trimPoolWhenIdle).
//
// Finalizers cannot do this job: they run only when the event loop turns, so a synchronous loop would pile up
// buffers until the process ran out of memory.
import type { DType } from './dtype.js';

export type DataArray = Float32Array | Int32Array;

/** A tensor's buffer, shared by tensors that are views of one another (reshape, expandDims, squeeze). */
export class Storage {
  constructor(
    public data: DataArray | null,
    /** The step scope that will recycle this buffer, or null when the garbage collector owns it. */
    public scope: Scope | null,
  ) {}
}

class Pool {
  private readonly floats = new Map<number, Float32Array[]>();
  private readonly ints = new Map<number, Int32Array[]>();
  private bytes = 0;
  /** Above this, returned buffers are left to the garbage collector instead of being kept. */
  static readonly maxBytes = 1 << 30;

  take(dtype: DType, length: number): DataArray | undefined {
    const list = (dtype === 'int32' ? this.ints : this.floats).get(length);
    const a = list?.pop();
    if (a) this.bytes -= a.byteLength;
    return a;
  }

  give(a: DataArray): void {
    if (this.bytes + a.byteLength > Pool.maxBytes) return;
    const map = (a instanceof Int32Array ? this.ints : this.floats) as Map<number, DataArray[]>;
    let list = map.get(a.length);
    if (!list) map.set(a.length, (list = []));
    list.push(a);
    this.bytes += a.byteLength;
  }

  /** Bytes held for reuse. */
  size(): number {
    return this.bytes;
  }

  clear(): void {
    this.floats.clear();
    this.ints.clear();
    this.bytes = 0;
  }
}

const pool = new Pool();

/** A region of work whose intermediate buffers are recycled when it ends. */
export class Scope {
  readonly storages: Storage[] = [];
  constructor(readonly parent: Scope | null) {}
}

let current: Scope | null = null;
/** Depth of `persistent` sections: allocation there bypasses the scope even while one is open. */
let persistentDepth = 0;

// Big buffers skip the zero fill of `new Float32Array` (every kernel writes all of its output); small ones are
// cheaper to allocate the ordinary way.
const unsafeThreshold = 4096;

function fresh(dtype: DType, length: number): DataArray {
  if (length >= unsafeThreshold) {
    const buf = Buffer.allocUnsafeSlow(length * 4);
    return dtype === 'int32'
      ? new Int32Array(buf.buffer, buf.byteOffset, length)
      : new Float32Array(buf.buffer, buf.byteOffset, length);
  }
  return dtype === 'int32' ? new Int32Array(length) : new Float32Array(length);
}

/**
 * A buffer of `length` elements. Its contents are unspecified unless `zero` is set: callers that do not overwrite
 * every element must ask for zeros.
 */
export function allocate(dtype: DType, length: number, zero = false): Storage {
  const scope = persistentDepth === 0 ? current : null;
  if (scope === null) {
    const data = zero ? (dtype === 'int32' ? new Int32Array(length) : new Float32Array(length)) : fresh(dtype, length);
    return new Storage(data, null);
  }
  let data = pool.take(dtype, length);
  if (data === undefined) data = fresh(dtype, length);
  if (zero) data.fill(0);
  const s = new Storage(data, scope);
  scope.storages.push(s);
  return s;
}

/** Wraps an existing array (owned by the garbage collector from now on). */
export function adopt(data: DataArray): Storage {
  return new Storage(data, null);
}

/**
 * Runs `fn` in a fresh step scope. Buffers allocated inside are recycled when it returns, except those of the
 * storages `keep` picks from the result, which move to the enclosing scope (or to the garbage collector).
 * A tensor whose buffer was recycled throws a clear error if it is used again.
 */
export function withScope<T>(fn: () => T, keep: (result: T) => Iterable<Storage> = () => []): T {
  const scope = new Scope(current);
  current = scope;
  lastStep = performance.now();
  let result: T;
  try {
    result = fn();
  } catch (err) {
    current = scope.parent;
    release(scope, new Set());
    throw err;
  }
  current = scope.parent;
  release(scope, new Set(keep(result)));
  lastStep = performance.now();
  trimPoolWhenIdle();
  return result;
}

function release(scope: Scope, kept: Set<Storage>): void {
  const parent = scope.parent;
  for (const s of scope.storages) {
    if (s.scope !== scope) continue; // already detached (made persistent)
    if (kept.has(s)) {
      s.scope = parent;
      if (parent) parent.storages.push(s);
      continue;
    }
    if (s.data) pool.give(s.data);
    s.data = null;
  }
  scope.storages.length = 0;
}

/** Runs `fn` with scoped allocation suspended: whatever it creates belongs to the garbage collector (weights, slots). */
export function persistent<T>(fn: () => T): T {
  persistentDepth++;
  try {
    return fn();
  } finally {
    persistentDepth--;
  }
}

/** Detaches a storage from its scope so that it outlives the step. */
export function keepStorage(s: Storage): void {
  s.scope = null;
}

export function inScope(): boolean {
  return current !== null && persistentDepth === 0;
}

/** Bytes of tensor buffers this thread's pool holds for reuse (each worker thread has a pool of its own). */
export function pooledBytes(): number {
  return pool.size();
}

/** Drops the pooled buffers now. */
export function trimPool(): void {
  pool.clear();
}

/** How long the pool keeps its buffers after the last step scope, in ms (see trimPoolWhenIdle). */
let idleTrimMs = 10_000;
/** When the last step scope opened or closed (performance.now()). */
let lastStep = 0;
let trimTimer: ReturnType<typeof setTimeout> | null = null;

/**
 * Drops the pooled buffers once no training, evaluation or prediction step has run for a while (10 s; every step
 * scope arms the check), so that a process that trains once does not keep the cache, while fit, predict and evaluate called one after another (an
 * agent's training loop, a server predicting between short fits) keep their warm buffers. Dropping them as soon as
 * each fit ended made the next predict of the CIFAR-style CNN at batch 256 take 345-403 ms instead of 220 (every
 * buffer's pages touched afresh), and every fit start cold. The timer never keeps the process alive.
 */
function trimPoolWhenIdle(): void {
  if (trimTimer) return;
  const check = () => {
    const idle = performance.now() - lastStep;
    if (idle >= idleTrimMs) {
      trimTimer = null;
      pool.clear();
      return;
    }
    trimTimer = setTimeout(check, idleTrimMs - idle);
    trimTimer.unref?.();
  };
  trimTimer = setTimeout(check, idleTrimMs);
  trimTimer.unref?.();
}

/** For the tests: how long the pool stays after the last step before trimPoolWhenIdle drops it (ms). */
export function setPoolIdleTrim(ms: number): void {
  idleTrimMs = ms;
  if (trimTimer) clearTimeout(trimTimer);
  trimTimer = null;
}
