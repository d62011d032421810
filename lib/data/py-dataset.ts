// Keras 3's keras.utils.PyDataset (Keras 2's keras.utils.Sequence): a class that hands out batches by index, which
// fit, evaluate and predictAsync read as a tn.data Dataset of those batches.
import { checkOptionNames } from '../names.js';
import { Dataset } from './dataset.js';

export interface PyDatasetOptions {
  /**
   * How many getItem calls may be in flight at once (default 1). Only an async getItem (one that awaits a file read,
   * a fetch or a decode on a worker) overlaps with others: the calls are made from this thread.
   */
  workers?: number;
  /** Keras's multiprocessing switch. Only false: getItem runs in this process. */
  useMultiprocessing?: boolean;
  /** The most batches fetched ahead of the one being trained on (default 10, as Keras's). */
  maxQueueSize?: number;
}

/**
 * Batches by index, as keras.utils.PyDataset: a subclass sets `numBatches` (Keras's `__len__` / `num_batches`) and
 * `getItem(index)` (Keras's `__getitem__`), which returns one batch, `[x, y]`, `[x, y, sampleWeight]` or `x` alone
 * for predicting, or a promise of one; `onEpochBegin` / `onEpochEnd` run around each pass (reshuffle there).
 *
 * ```ts
 * class Pets extends tn.utils.PyDataset {
 *   constructor(private paths: string[], private batchSize: number) { super({ workers: 4 }); }
 *   get numBatches() { return Math.ceil(this.paths.length / this.batchSize); }
 *   async getItem(i: number) { return loadBatch(this.paths.slice(i * this.batchSize, (i + 1) * this.batchSize)); }
 * }
 * await model.fit(new Pets(trainPaths, 32), { epochs: 5, validationData: new Pets(valPaths, 32) });
 * ```
 */
export abstract class PyDataset<T = unknown> {
  readonly workers: number;
  readonly useMultiprocessing: boolean;
  readonly maxQueueSize: number;

  constructor(options: PyDatasetOptions = {}) {
    checkOptionNames(options, ['workers', 'useMultiprocessing', 'maxQueueSize'], 'PyDataset');
    const positive = (v: unknown, what: string, fallback: number): number => {
      if (v === undefined) return fallback;
      if (!Number.isInteger(v) || (v as number) < 1) throw new Error(`PyDataset: ${what} must be a positive integer, received ${String(v)}`);
      return v as number;
    };
    this.workers = positive(options.workers, 'workers', 1);
    this.maxQueueSize = positive(options.maxQueueSize, 'maxQueueSize', 10);
    if (options.useMultiprocessing !== undefined && typeof options.useMultiprocessing !== 'boolean') {
      throw new Error(`PyDataset: useMultiprocessing must be a boolean, received ${String(options.useMultiprocessing)}`);
    }
    if (options.useMultiprocessing) {
      throw new Error('PyDataset: useMultiprocessing is not supported (getItem runs in this process); an async getItem with workers > 1 overlaps the loading of several batches, and tn.data\'s map({ numParallelCalls }) decodes on worker threads');
    }
    this.useMultiprocessing = false;
  }

  /** The number of batches in one pass (Keras's __len__); Infinity for one that never ends (fit then needs stepsPerEpoch). */
  abstract get numBatches(): number;

  /** Batch `index` (0 <= index < numBatches). */
  abstract getItem(index: number): T | Promise<T>;

  /** Called before each pass over the batches. */
  onEpochBegin(): void | Promise<void> {}

  /** Called after each pass over the batches (Keras's on_epoch_end: reshuffle here). */
  onEpochEnd(): void | Promise<void> {}

  /** The batches as a tn.data Dataset, one pass per iteration: what fit, evaluate and predictAsync read. */
  asDataset(): Dataset<T> {
    const n = this.numBatches;
    const name = this.constructor.name || 'PyDataset';
    if (!(n === Infinity || (Number.isInteger(n) && n >= 0))) {
      throw new Error(`${name}: numBatches must be a non-negative integer or Infinity, received ${String(n)}`);
    }
    // Keras fetches up to maxQueueSize batches ahead with `workers` threads; here `workers` calls may be pending.
    const ahead = Math.min(this.workers, this.maxQueueSize);
    const self = this;
    return new Dataset<T>(() => (async function* () {
      await self.onEpochBegin();
      const pending: Promise<T>[] = [];
      let next = 0;
      const fetch = (i: number) => Promise.resolve().then(() => self.getItem(i)).catch((err: unknown) => {
        throw new Error(`${name}.getItem(${i}) failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      });
      try {
        for (let i = 0; i < n; i++) {
          while (next < n && next - i < ahead) pending.push(fetch(next++));
          const item = await pending.shift()!;
          if (item === undefined || item === null) throw new Error(`${name}.getItem(${i}) returned ${String(item)}; it must return a batch ([x, y], [x, y, sampleWeight] or x)`);
          yield item;
        }
      } finally {
        // Batches fetched ahead when a pass stops early (stepsPerEpoch) are dropped; their errors with them.
        for (const p of pending) p.catch(() => undefined);
      }
      await self.onEpochEnd();
      return undefined;
    })(), n);
  }
}

/** Keras 2's name of PyDataset (keras.utils.Sequence). */
export { PyDataset as Sequence };
