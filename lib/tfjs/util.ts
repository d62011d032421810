// TF.js's tf.util: the helpers ported programs call (shuffling, assertions, shape arithmetic). Keras's keras.utils is
// tn.utils, a different namespace. Shuffling draws from tensornode's generator, so tn.setSeed makes it repeat.
import { generator } from '../random.js';

type Shufflable = unknown[] | Uint32Array | Int32Array | Float32Array;

/**
 * TF.js's util.shuffle(array): shuffles in place (Fisher-Yates, uniform over permutations) and returns nothing, as
 * TF.js. The draws come from the global generator, so after tn.setSeed(s) the order repeats from run to run (TF.js
 * uses Math.random, so the orders are not TF.js's).
 */
export function shuffle(array: Shufflable): void {
  checkShufflable(array, 'shuffle', 'array');
  const g = generator();
  for (let counter = array.length; counter > 1; counter--) swap(array, counter - 1, g.int(counter));
}

/** TF.js's util.shuffleCombo(a, b): shuffles two arrays of the same length in place by one permutation. */
export function shuffleCombo(array: Shufflable, array2: Shufflable): void {
  checkShufflable(array, 'shuffleCombo', 'array');
  checkShufflable(array2, 'shuffleCombo', 'array2');
  if (array.length !== array2.length) {
    throw new Error(`shuffleCombo: the arrays must have the same length, received lengths ${array.length} and ${array2.length}`);
  }
  const g = generator();
  for (let counter = array.length; counter > 1; counter--) {
    const j = g.int(counter);
    swap(array, counter - 1, j);
    swap(array2, counter - 1, j);
  }
}

/** TF.js's util.createShuffledIndices(n): 0 ... n - 1 in a random order (tn.setSeed makes it repeat). */
export function createShuffledIndices(n: number): Uint32Array {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 2 ** 32 - 1) {
    throw new Error(`createShuffledIndices: n must be a non-negative integer below 2^32, received ${JSON.stringify(n) ?? String(n)}`);
  }
  const indices = new Uint32Array(n);
  for (let i = 0; i < n; i++) indices[i] = i;
  shuffle(indices);
  return indices;
}

/** TF.js's util.assert(condition, message): throws Error(message) (or message()) when condition is falsy. */
export function assert(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new Error(typeof message === 'function' ? message() : message);
}

/** TF.js's util.sizeFromShape(shape): the product of the sizes (1 for a scalar's []). */
export function sizeFromShape(shape: readonly number[]): number {
  if (!Array.isArray(shape)) throw new Error(`sizeFromShape: expected a list of sizes, received ${JSON.stringify(shape)}`);
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

/** TF.js's util.arraysEqual(a, b): the same length and the same elements (===), for arrays or typed arrays. */
export function arraysEqual(a: ArrayLike<unknown>, b: ArrayLike<unknown>): boolean {
  if (a === b) return true;
  if (a == null || b == null || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * TF.js's util.flatten(nested, result?, skipTypedArray?): the leaves of nested arrays (and of typed arrays inside
 * them, unless skipTypedArray), depth first, appended to result.
 */
export function flatten<T>(arr: unknown, result: T[] = [], skipTypedArray = false): T[] {
  if (arr === null || arr === undefined || typeof arr !== 'object' || (skipTypedArray && ArrayBuffer.isView(arr)) || typeof (arr as { then?: unknown }).then === 'function') {
    result.push(arr as T);
  } else if (Array.isArray(arr) || ArrayBuffer.isView(arr)) {
    const list = arr as ArrayLike<unknown>;
    for (let i = 0; i < list.length; i++) flatten(list[i], result, skipTypedArray);
  } else {
    // An array-like object ({0: a, 1: b}), as TF.js reads it: its integer keys in order.
    let maxIndex = -1;
    for (const key of Object.keys(arr)) if (/^([1-9][0-9]*|0)$/.test(key)) maxIndex = Math.max(maxIndex, Number(key));
    for (let i = 0; i <= maxIndex; i++) flatten((arr as Record<number, unknown>)[i], result, skipTypedArray);
  }
  return result;
}

/** TF.js's util.now(): a high-resolution time in milliseconds (performance.now()). */
export function now(): number {
  return performance.now();
}

function checkShufflable(a: unknown, op: string, name: string): asserts a is Shufflable {
  if (!Array.isArray(a) && !(a instanceof Uint32Array || a instanceof Int32Array || a instanceof Float32Array)) {
    throw new Error(`${op}: ${name} must be an array or a Uint32Array, Int32Array or Float32Array, received ${a === null ? 'null' : typeof a}`);
  }
}

function swap(a: Shufflable, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  (a as unknown[])[j] = t;
}
