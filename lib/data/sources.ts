// Where datasets start: an array in memory, several datasets side by side, a generator function, or any async
// iterable (a Node Readable in object mode, a database cursor). TF.js's tf.data.array / zip / generator.
import { Dataset } from './dataset.js';
import { Failure, type ElementIterator } from './failure.js';
import { tuple } from './structure.js';

/** The items of an array, in order. */
export function array<T>(items: readonly T[]): Dataset<T> {
  if (!Array.isArray(items)) throw new Error(`data.array: expected an array, received ${typeof items}`);
  const copy = items.slice();
  return new Dataset(async function* () {
    for (const e of copy) yield e;
    return undefined;
  }, copy.length);
}

type ElementOf<D> = D extends Dataset<infer T> ? T : never;

/**
 * Datasets side by side: zip([a, b]) gives [a_i, b_i], zip({ xs: a, ys: b }) gives { xs: a_i, ys: b_i }. It ends with
 * the shortest.
 */
export function zip<const D extends readonly Dataset<unknown>[]>(datasets: D): Dataset<{ -readonly [K in keyof D]: ElementOf<D[K]> }>;
export function zip<D extends Record<string, Dataset<unknown>>>(datasets: D): Dataset<{ [K in keyof D]: ElementOf<D[K]> }>;
export function zip(datasets: readonly Dataset<unknown>[] | Record<string, Dataset<unknown>>): Dataset<unknown> {
  const isList = Array.isArray(datasets);
  const keys = isList ? null : Object.keys(datasets ?? {});
  const list: Dataset<unknown>[] = isList ? (datasets as Dataset<unknown>[]).slice() : keys!.map((k) => (datasets as Record<string, Dataset<unknown>>)[k]);
  if (list.length === 0) throw new Error('data.zip: expected a non-empty array or object of datasets');
  list.forEach((d, i) => {
    if (!(d instanceof Dataset)) throw new Error(`data.zip: ${isList ? `item ${i}` : `'${keys![i]}'`} is not a Dataset (make one with tn.data.array(...))`);
  });
  const sizes = list.map((d) => d.size);
  const size = sizes.some((s) => s === null) ? (sizes.some((s) => s === 0) ? 0 : null) : Math.min(...(sizes as number[]));
  return new Dataset(async function* () {
    const its = list.map((d) => d.make());
    try {
      for (;;) {
        const rs = await Promise.all(its.map((it) => it.next()));
        if (rs.some((r) => r.done)) return undefined;
        const values = rs.map((r) => r.value);
        const failed = values.find((v): v is Failure => v instanceof Failure);
        if (failed) yield failed;
        else if (isList) yield tuple(values);
        else yield Object.fromEntries(keys!.map((k, i) => [k, values[i]]));
      }
    } finally {
      await Promise.all(its.map((it) => it.return?.()));
    }
  }, size);
}

/**
 * The values of a generator: `fn` is called at the start of each iteration (each epoch) and returns an iterator or
 * iterable, sync or async (a `function*` or an `async function*`).
 */
export function generator<T>(fn: () => Iterator<T> | Iterable<T> | AsyncIterator<T> | AsyncIterable<T>): Dataset<T> {
  if (typeof fn !== 'function') throw new Error(`data.generator: expected a function returning an iterator (a function* or async function*), received ${typeof fn}`);
  return new Dataset(() => fromIterator(fn(), 'data.generator'), null);
}

function fromIterator<T>(source: Iterator<T> | Iterable<T> | AsyncIterator<T> | AsyncIterable<T>, what: string): ElementIterator<T> {
  const s = source as Partial<AsyncIterable<T> & Iterable<T> & Iterator<T>>;
  let iterable: AsyncIterable<T> | Iterable<T>;
  if (s && (typeof s[Symbol.asyncIterator] === 'function' || typeof s[Symbol.iterator] === 'function')) iterable = s as AsyncIterable<T> | Iterable<T>;
  else if (s && typeof s.next === 'function') iterable = { [Symbol.asyncIterator]: () => s as unknown as AsyncIterator<T> };
  else throw new Error(`${what}: the function must return an iterator or an iterable (a generator), received ${typeof source}`);
  return (async function* () {
    yield* iterable;
    return undefined;
  })();
}

/**
 * The items of an async iterable: a Node Readable in object mode, an async generator, a database cursor. A stream
 * can be read once; to read one for several epochs, pass a function that opens it (it is called for each iteration)
 * or put cache() after it.
 */
export function fromAsyncIterable<T>(source: AsyncIterable<T> | (() => AsyncIterable<T>)): Dataset<T> {
  if (typeof source === 'function') return new Dataset(() => fromIterator(source(), 'data.fromAsyncIterable'), null);
  if (!source || typeof (source as AsyncIterable<T>)[Symbol.asyncIterator] !== 'function') {
    throw new Error('data.fromAsyncIterable: expected an async iterable (a Node Readable in object mode, an async generator) or a function returning one');
  }
  let used = false;
  return new Dataset(() => {
    if (used) {
      throw new Error('data.fromAsyncIterable: this dataset reads a stream, which can be read only once; pass a function that opens the stream (called for each epoch), or add .cache()');
    }
    used = true;
    return fromIterator(source, 'data.fromAsyncIterable');
  }, null);
}
