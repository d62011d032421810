// Dataset: a recipe for a stream of elements, read with `for await`, by model.fit, or through iterator(). Each
// iteration runs the recipe afresh (so shuffle reshuffles and repeat re-reads), and every stage pulls one element at
// a time from the one above it: nothing is read ahead unless a stage says so (prefetch holds at most n elements,
// a parallel map has at most numParallelCalls calls running, shuffle holds its buffer), so a slow consumer never
// makes a producer buffer without bound.
//
// TF.js's tf.data names and semantics (size, batch(n, smallLastBatch), mapAsync, forEachAsync, toArray), with
// Keras 3's additions (batch's dropRemainder, unbatch, cache, ignoreErrors, shuffle's reshuffleEachIteration).
import { checkOptionNames } from '../names.js';
import { availableParallelism } from 'node:os';
import { generator, Generator } from '../random.js';
import { readCacheFile, CacheWriter } from './cache-file.js';
import { Failure, toError, type ElementIterator } from './failure.js';
import { padElements, stackElements, unstackElement } from './structure.js';
import { WorkerFunction, WorkerPool } from './worker-map.js';

/** map's numParallelCalls: as many as the machine has cores (tf.data.AUTOTUNE). */
export const AUTOTUNE = -1;

export interface MapOptions {
  /**
   * How many calls of an async function run at once (elements still come out in order). Sync functions run on the
   * calling thread one at a time whatever this says; a function that awaits work done elsewhere (sharp's decoding on
   * libuv's threads, a file read) is where this pays. For a tn.data.workerFunction, the number of worker threads.
   */
  numParallelCalls?: number;
}

export interface BatchOptions {
  /** Drop the last batch when it is smaller than batchSize (Keras's drop_remainder). */
  dropRemainder?: boolean;
}

export interface PaddedBatchOptions extends BatchOptions {
  /**
   * Per tensor leaf (the same structure as the elements, or one list for a single tensor): the padded size of each
   * axis, null or -1 for the batch's largest. Default: every axis to the batch's largest.
   */
  paddedShapes?: unknown;
  /** The value padding adds: a number (default 0), a string for string tensors (default ''), or per leaf. */
  paddingValues?: unknown;
}

export interface ShuffleOptions {
  /** Seeds the order; without it the order comes from the global generator (tn.setSeed makes it repeat). */
  seed?: number;
  /** A new order on every iteration (each epoch), the default; false repeats the first order. */
  reshuffleEachIteration?: boolean;
}

export interface IgnoreErrorsOptions {
  /** Print a warning for each skipped element (Keras's log_warning). */
  logWarning?: boolean;
}

type MaybePromise<T> = T | Promise<T>;

const isPromise = (v: unknown): v is Promise<unknown> => v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function';

/** An iterator as a `for await` iterable (which calls its return() when the loop ends early). */
export function iterate<T>(it: AsyncIterator<T, undefined>): AsyncIterable<T> {
  return { [Symbol.asyncIterator]: () => it };
}

/** A string seed (TF.js's) as a 32-bit number: FNV-1a. */
function stringSeed(seed: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function checkCount(v: unknown, what: string, min = 0): number {
  if (typeof v !== 'number' || !(Number.isInteger(v) || v === Infinity) || v < min) throw new Error(`${what} must be an integer >= ${min}, received ${String(v)}`);
  return v;
}

export class Dataset<T = unknown> {
  /**
   * @internal
   * @param make starts one iteration
   * @param size the number of elements when known (Infinity for a dataset that never ends), null when not
   */
  constructor(readonly make: () => ElementIterator<T>, readonly size: number | null) {}

  /** The elements, one by one; an element that failed upstream throws its error here. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, undefined, undefined> {
    for await (const e of iterate(this.make())) {
      if (e instanceof Failure) throw e.error;
      yield e;
    }
    return undefined;
  }

  /** TF.js's iterator(): `const it = await ds.iterator(); const { value, done } = await it.next();` */
  async iterator(): Promise<AsyncIterator<T, undefined>> {
    return this[Symbol.asyncIterator]();
  }

  /** Calls f on each element, in order (awaiting it when it returns a promise). */
  async forEachAsync(f: (element: T) => unknown): Promise<void> {
    for await (const e of this) {
      const r = f(e);
      if (isPromise(r)) await r;
    }
  }

  /** All the elements in an array (only for a dataset that ends). */
  async toArray(): Promise<T[]> {
    if (this.size === Infinity) throw new Error('toArray: this dataset never ends (it repeats without a count); take(n) first');
    const out: T[] = [];
    for await (const e of this) out.push(e);
    return out;
  }

  /**
   * f applied to each element. f may be async; with numParallelCalls > 1 that many calls run at once, in order. A sync
   * f runs on this thread; to run CPU-heavy JavaScript on worker threads, pass tn.data.workerFunction(module, name)
   * as f, and numParallelCalls threads (default: one per core) run it.
   */
  map<U>(f: ((element: T) => MaybePromise<U>) | WorkerFunction, options: MapOptions = {}): Dataset<U> {
    if (typeof f !== 'function' && !(f instanceof WorkerFunction)) throw new Error(`map: expected a function (or tn.data.workerFunction(...)), received ${typeof f}`);
    checkOptionNames(options, ['numParallelCalls'], 'map');
    let parallel = options.numParallelCalls ?? (f instanceof WorkerFunction ? AUTOTUNE : 1);
    if (parallel === AUTOTUNE) parallel = availableParallelism();
    checkCount(parallel, 'map: numParallelCalls', 1);
    const up = this.make;
    if (f instanceof WorkerFunction) {
      return new Dataset(async function* () {
        const pool = new WorkerPool(f, parallel);
        try {
          // Two calls queued per thread, so that a thread never waits for this one to hand it the next.
          yield* iterate(mapParallel(up(), (e) => pool.run(e) as Promise<U>, 2 * parallel));
        } finally {
          await pool.close();
        }
        return undefined;
      }, this.size);
    }
    return new Dataset(() => (parallel > 1 ? mapParallel(up(), f, parallel) : mapSequential(up(), f)), this.size);
  }

  /** TF.js's name for map with an async function. */
  mapAsync<U>(f: ((element: T) => Promise<U>) | WorkerFunction, options: MapOptions = {}): Dataset<U> {
    return this.map(f, options);
  }

  /** The elements for which predicate returns true (or a promise of true). */
  filter(predicate: (element: T) => MaybePromise<boolean>): Dataset<T> {
    if (typeof predicate !== 'function') throw new Error(`filter: expected a function, received ${typeof predicate}`);
    const up = this.make;
    return new Dataset(async function* () {
      for await (const e of iterate(up())) {
        if (e instanceof Failure) {
          yield e;
          continue;
        }
        let keep: boolean | Failure;
        try {
          const r = predicate(e);
          keep = isPromise(r) ? await r : r;
        } catch (err) {
          keep = new Failure(toError(err));
        }
        if (keep instanceof Failure) yield keep;
        else if (keep) yield e;
      }
      return undefined;
    }, null);
  }

  /**
   * Groups consecutive elements into batches: tensors (and numbers, strings, typed arrays) at the same place in each
   * element are stacked along a new first axis; arrays and objects keep their structure. The last batch is smaller
   * unless dropRemainder (TF.js's second argument, smallLastBatch = false, says the same).
   */
  batch(batchSize: number, options: BatchOptions | boolean = {}): Dataset<BatchOf<T>> {
    checkCount(batchSize, 'batch: batchSize', 1);
    if (typeof options === 'object') checkOptionNames(options, ['dropRemainder'], 'batch');
    const drop = typeof options === 'boolean' ? !options : options.dropRemainder ?? false;
    return this.batchWith(batchSize, drop, stackElements);
  }

  /**
   * tf.data's padded_batch: batch() for elements whose tensors differ in size (sequences, clips), each padded at the
   * end of every axis to the batch's largest size (or to `paddedShapes`) with `paddingValues`.
   */
  paddedBatch(batchSize: number, options: PaddedBatchOptions = {}): Dataset<BatchOf<T>> {
    checkCount(batchSize, 'paddedBatch: batchSize', 1);
    checkOptionNames(options, ['dropRemainder', 'paddedShapes', 'paddingValues'], 'paddedBatch');
    return this.batchWith(batchSize, options.dropRemainder ?? false, (items) => stackElements(padElements(items, options.paddedShapes, options.paddingValues)));
  }

  private batchWith(batchSize: number, drop: boolean, stack: (items: T[]) => unknown): Dataset<BatchOf<T>> {
    const up = this.make;
    const size = this.size === null ? null : this.size === Infinity ? Infinity : drop ? Math.floor(this.size / batchSize) : Math.ceil(this.size / batchSize);
    return new Dataset(async function* () {
      let window: (T | Failure)[] = [];
      const emit = (): BatchOf<T> | Failure => {
        const failed = window.find((e): e is Failure => e instanceof Failure);
        const items = window;
        window = [];
        if (failed) return failed;
        try {
          return stack(items as T[]) as BatchOf<T>;
        } catch (err) {
          return new Failure(toError(err));
        }
      };
      for await (const e of iterate(up())) {
        window.push(e);
        if (window.length === batchSize) yield emit();
      }
      if (window.length > 0 && !drop) yield emit();
      return undefined;
    }, size);
  }

  /** Splits each element (whose leaves have a leading batch axis) into its rows: batch's inverse. */
  unbatch(): Dataset<UnbatchOf<T>> {
    const up = this.make;
    return new Dataset(async function* () {
      for await (const e of iterate(up())) {
        if (e instanceof Failure) {
          yield e;
          continue;
        }
        let rows: unknown[] | Failure;
        try {
          rows = unstackElement(e);
        } catch (err) {
          rows = new Failure(toError(err));
        }
        if (rows instanceof Failure) yield rows;
        else for (const r of rows) yield r as UnbatchOf<T>;
      }
      return undefined;
    }, this.size === Infinity ? Infinity : null);
  }

  /**
   * Shuffles with a buffer of bufferSize elements, as tf.data does: each output is drawn at random from the buffer and
   * its slot refilled from upstream. A buffer at least as large as the dataset gives a uniform shuffle.
   */
  shuffle(bufferSize: number, options: ShuffleOptions | number | string = {}, reshuffleEachIteration?: boolean): Dataset<T> {
    checkCount(bufferSize, 'shuffle: bufferSize', 1);
    // TF.js's positional form: shuffle(bufferSize, seed, reshuffleEachIteration), with a string seed.
    const opts = typeof options === 'object' && options !== null ? options : { seed: typeof options === 'string' ? stringSeed(options) : options, reshuffleEachIteration };
    checkOptionNames(opts, ['seed', 'reshuffleEachIteration'], 'shuffle');
    if (opts.seed !== undefined && !Number.isFinite(opts.seed)) throw new Error(`shuffle: seed must be a finite number (or a string), received ${String(opts.seed)}`);
    const reshuffle = opts.reshuffleEachIteration ?? true;
    // A seeded dataset draws each iteration's seed from its own generator, so iteration k's order depends only on
    // the seed and k; an unseeded one draws from the global generator when the iteration starts.
    const seeds = opts.seed === undefined ? null : new Generator(Math.floor(opts.seed) >>> 0);
    let fixed: number | null = null;
    const nextSeed = () => {
      if (!reshuffle) return (fixed ??= opts.seed === undefined ? generator().nextUint32() : Math.floor(opts.seed) >>> 0);
      return (seeds ?? generator()).nextUint32();
    };
    const up = this.make;
    return new Dataset(async function* () {
      const g = new Generator(nextSeed());
      const buffer: (T | Failure)[] = [];
      const it = up();
      try {
        let ended = false;
        while (!ended && buffer.length < bufferSize) {
          const r = await it.next();
          if (r.done) ended = true;
          else buffer.push(r.value);
        }
        while (buffer.length > 0) {
          const i = g.int(buffer.length);
          const out = buffer[i];
          const r = ended ? null : await it.next();
          if (r && !r.done) buffer[i] = r.value;
          else {
            ended = true;
            buffer[i] = buffer[buffer.length - 1];
            buffer.pop();
          }
          yield out;
        }
      } finally {
        await it.return?.();
      }
      return undefined;
    }, this.size);
  }

  /** The dataset `count` times over (forever without a count); each pass is a fresh iteration. */
  repeat(count?: number): Dataset<T> {
    const n = count === undefined || count === -1 ? Infinity : checkCount(count, 'repeat: count');
    const up = this.make;
    const size = this.size === null ? null : this.size === 0 || n === 0 ? 0 : this.size * n;
    return new Dataset(async function* () {
      for (let pass = 0; pass < n; pass++) {
        let any = false;
        for await (const e of iterate(up())) {
          any = true;
          yield e;
        }
        // An empty dataset repeated forever would spin without yielding.
        if (!any) return undefined;
      }
      return undefined;
    }, size);
  }

  /** The first count elements. */
  take(count: number): Dataset<T> {
    const n = count === -1 ? Infinity : checkCount(count, 'take: count');
    const up = this.make;
    return new Dataset(async function* () {
      if (n === 0) return undefined;
      let i = 0;
      for await (const e of iterate(up())) {
        yield e;
        if (++i >= n) break;
      }
      return undefined;
    }, this.size === null ? (n === 0 ? 0 : null) : Math.min(this.size, n));
  }

  /** All but the first count elements (a failed element among them is skipped like any other). */
  skip(count: number): Dataset<T> {
    const n = checkCount(count, 'skip: count');
    const up = this.make;
    return new Dataset(async function* () {
      let i = 0;
      for await (const e of iterate(up())) {
        if (i++ >= n) yield e;
      }
      return undefined;
    }, this.size === null ? null : this.size === Infinity ? Infinity : Math.max(0, this.size - n));
  }

  /**
   * tf.data's shard: every numShards-th element, starting at index (element i is kept when i % numShards === index),
   * so that the shards 0 .. numShards - 1 split the dataset between them (a validation set halved into a test set).
   */
  shard(numShards: number, index: number): Dataset<T> {
    const k = checkCount(numShards, 'shard: numShards', 1);
    if (k === Infinity) throw new Error('shard: numShards must be a finite integer >= 1, received Infinity');
    const at = checkCount(index, 'shard: index');
    if (at >= k) throw new Error(`shard: index must be less than numShards (${k}), received ${at}`);
    const up = this.make;
    const size = this.size === null || this.size === Infinity ? this.size : Math.max(0, Math.ceil((this.size - at) / k));
    return new Dataset(async function* () {
      let i = 0;
      for await (const e of iterate(up())) {
        if (i++ % k === at) yield e;
      }
      return undefined;
    }, size);
  }

  /**
   * Reads up to bufferSize elements ahead while the consumer works on the current one (model.fit trains on a batch
   * while the next are decoded). It never holds more than bufferSize elements.
   */
  prefetch(bufferSize: number): Dataset<T> {
    const n = bufferSize === AUTOTUNE ? 2 : checkCount(bufferSize, 'prefetch: bufferSize', 1);
    const up = this.make;
    return new Dataset(() => prefetchIterator(up(), n), this.size);
  }

  /**
   * Keeps the elements of the first complete iteration and replays them afterwards: in memory, or in the file
   * `path` (written when the first iteration completes; later runs read it instead of the upstream pipeline).
   */
  cache(path?: string): Dataset<T> {
    if (this.size === Infinity) throw new Error('cache: this dataset never ends; cache before repeat() (or take(n) first)');
    const up = this.make;
    if (path !== undefined) {
      if (typeof path !== 'string' || path === '') throw new Error(`cache: path must be a non-empty string (or omitted, to cache in memory), received ${String(path)}`);
      return new Dataset(async function* () {
        const cached = await readCacheFile<T>(path);
        if (cached) {
          yield* cached;
          return undefined;
        }
        const writer = await CacheWriter.open(path);
        let complete = false;
        try {
          for await (const e of iterate(up())) {
            await writer.write(e);
            yield e;
          }
          complete = true;
        } finally {
          await writer.close(complete);
        }
        return undefined;
      }, this.size);
    }
    let memory: (T | Failure)[] | null = null;
    return new Dataset(async function* () {
      if (memory) {
        for (const e of memory) yield e;
        return undefined;
      }
      const seen: (T | Failure)[] = [];
      for await (const e of iterate(up())) {
        seen.push(e);
        yield e;
      }
      memory = seen;
      return undefined;
    }, this.size);
  }

  /** This dataset's elements, then other's. */
  concatenate<U>(other: Dataset<U>): Dataset<T | U> {
    if (!(other instanceof Dataset)) throw new Error('concatenate: expected a Dataset');
    const a = this.make;
    const b = other.make;
    const size = this.size === null || other.size === null ? null : this.size + other.size;
    return new Dataset<T | U>(async function* () {
      yield* iterate(a());
      yield* iterate(b());
      return undefined;
    }, size);
  }

  /**
   * Skips the elements that failed upstream (a map that threw, an image that does not decode, a bad CSV row) instead
   * of stopping the iteration; `errorsIgnored` counts them (over all iterations), `lastError` is the latest.
   */
  ignoreErrors(options: IgnoreErrorsOptions = {}): Dataset<T> & { errorsIgnored: number; lastError: Error | null } {
    const up = this.make;
    const ds = new Dataset<T>(async function* () {
      for await (const e of iterate(up())) {
        if (e instanceof Failure) {
          counter.errorsIgnored++;
          counter.lastError = e.error;
          if (options.logWarning) console.warn(`ignoreErrors: skipped an element: ${e.error.message}`);
          continue;
        }
        yield e;
      }
      return undefined;
    }, null) as Dataset<T> & { errorsIgnored: number; lastError: Error | null };
    const counter = ds;
    ds.errorsIgnored = 0;
    ds.lastError = null;
    return ds;
  }
}

type Tensor = import('../tensor.js').Tensor;
type NestedNumbers = number | boolean | readonly NestedNumbers[];
/** The type of a batch of elements of type T (leaves, including arrays of numbers, become tensors). */
export type BatchOf<T> = T extends NestedNumbers | string | ArrayBufferView | Tensor ? Tensor : T extends readonly unknown[] ? { -readonly [K in keyof T]: BatchOf<T[K]> } : T extends object ? { [K in keyof T]: BatchOf<T[K]> } : unknown;
/** The type of a row of a batched element. */
export type UnbatchOf<T> = T extends Tensor ? Tensor : T extends readonly unknown[] ? { -readonly [K in keyof T]: UnbatchOf<T[K]> } : T extends object ? { [K in keyof T]: UnbatchOf<T[K]> } : unknown;

async function* mapSequential<T, U>(up: ElementIterator<T>, f: (e: T) => MaybePromise<U>): ElementIterator<U> {
  for await (const e of iterate(up)) {
    if (e instanceof Failure) {
      yield e;
      continue;
    }
    let out: U | Failure;
    try {
      const r = f(e);
      out = isPromise(r) ? await r : r;
    } catch (err) {
      out = new Failure(toError(err));
    }
    yield out;
  }
  return undefined;
}

/** f on each element with up to `parallel` calls in flight, in order (a failed call fails its element only). */
export async function* mapParallel<T, U>(up: ElementIterator<T>, f: (e: T) => MaybePromise<U>, parallel: number): ElementIterator<U> {
  const apply = async (e: T | Failure): Promise<U | Failure> => {
    if (e instanceof Failure) return e;
    try {
      return await f(e);
    } catch (err) {
      return new Failure(toError(err));
    }
  };
  // Calls in flight, oldest first: the next one out waits for its own call only.
  const window: Promise<U | Failure>[] = [];
  let ended = false;
  try {
    for (;;) {
      while (!ended && window.length < parallel) {
        const r = await up.next();
        if (r.done) ended = true;
        else window.push(apply(r.value));
      }
      if (window.length === 0) return undefined;
      yield await window.shift()!;
    }
  } finally {
    if (!ended) await up.return?.();
  }
}

function prefetchIterator<T>(up: ElementIterator<T>, n: number): ElementIterator<T> {
  const queue: (T | Failure)[] = [];
  let pulling = false;
  let ended = false;
  let closed = false;
  let error: unknown = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const fill = () => {
    if (pulling || ended || closed || queue.length >= n) return;
    pulling = true;
    up.next().then(
      (r) => {
        pulling = false;
        if (r.done) ended = true;
        else if (!closed) queue.push(r.value);
        notify();
        fill();
      },
      (err) => {
        pulling = false;
        ended = true;
        error = err ?? new Error('prefetch: the upstream iterator failed');
        notify();
      },
    );
  };
  return {
    async next(): Promise<IteratorResult<T | Failure, undefined>> {
      for (;;) {
        if (queue.length > 0) {
          const value = queue.shift()!;
          fill();
          return { value, done: false };
        }
        if (error !== null) {
          const e = error;
          error = null;
          closed = true;
          throw e;
        }
        if (ended || closed) return { value: undefined, done: true };
        fill();
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
    async return(): Promise<IteratorResult<T | Failure, undefined>> {
      closed = true;
      queue.length = 0;
      if (!ended) {
        ended = true;
        await up.return?.();
      }
      return { value: undefined, done: true };
    },
  };
}
