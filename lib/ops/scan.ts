// Scans along one axis: cumsum and cumprod (TF.js's signatures: axis, exclusive, reverse), each with its gradient.
import { record } from '../autograd/tape.js';
import type { DataArray } from '../memory.js';
import { fmt, normalizeAxis, sizeOf } from '../shape-util.js';
import { empty, Tensor, type TensorLike } from '../tensor.js';
import { toTensor } from './util.js';

/** One scan's geometry: the axis as [outer, n, inner] and the direction and inclusion flags. */
interface Scan {
  outer: number;
  n: number;
  inner: number;
  exclusive: boolean;
  reverse: boolean;
}

function scanArgs(x: TensorLike, axis: number, exclusive: unknown, reverse: unknown, op: string): { t: Tensor; scan: Scan } {
  const t = toTensor(x, op);
  if (t.rank === 0) throw new Error(`${op}: needs a tensor of rank at least 1, received a scalar`);
  const a = normalizeAxis(axis, t.rank, op);
  if (typeof exclusive !== 'boolean') throw new Error(`${op}: exclusive must be true or false, received ${JSON.stringify(exclusive)} (shape ${fmt(t.shape)})`);
  if (typeof reverse !== 'boolean') throw new Error(`${op}: reverse must be true or false, received ${JSON.stringify(reverse)} (shape ${fmt(t.shape)})`);
  const scan = { outer: sizeOf(t.shape.slice(0, a)), n: t.shape[a], inner: sizeOf(t.shape.slice(a + 1)), exclusive, reverse };
  return { t, scan };
}

/** Calls f(first, step) for every line of the scan: the offset of its first element in scan order and the stride. */
function forEachLine(s: Scan, f: (first: number, step: number) => void): void {
  for (let o = 0; o < s.outer; o++) {
    for (let i = 0; i < s.inner; i++) {
      const base = o * s.n * s.inner + i;
      if (s.reverse) f(base + (s.n - 1) * s.inner, -s.inner);
      else f(base, s.inner);
    }
  }
}

/** out = the running sum (product) of src along the scan, accumulated in float64 (int32: wrapping int32 arithmetic). */
function scanInto(src: DataArray, dst: DataArray, s: Scan, product: boolean, int: boolean): void {
  forEachLine(s, (first, step) => {
    let acc = product ? 1 : 0;
    for (let k = 0, p = first; k < s.n; k++, p += step) {
      const v = src[p];
      if (s.exclusive) dst[p] = acc;
      acc = product ? (int ? Math.imul(acc, v) : acc * v) : int ? (acc + v) | 0 : acc + v;
      if (!s.exclusive) dst[p] = acc;
    }
  });
}

function scanForward(t: Tensor, s: Scan, product: boolean): Tensor {
  const out = empty(t.shape.slice(), t.dtype);
  scanInto(t.values, out.values, s, product, t.dtype === 'int32');
  return out;
}

/**
 * Cumulative sum along `axis` (TF.js's cumsum): with `exclusive` each output leaves out its own element (starting
 * at 0), with `reverse` the sum runs from the end. int32 stays int32. The gradient is the cumulative sum of dy in the
 * opposite direction.
 */
export function cumsum(x: TensorLike, axis = 0, exclusive = false, reverse = false): Tensor {
  const { t, scan } = scanArgs(x, axis, exclusive, reverse, 'cumsum');
  const out = scanForward(t, scan, false);
  if (t.dtype !== 'float32') return out;
  return record(out, 'cumsum', [t], (dy) => [scanForward(dy, { ...scan, reverse: !scan.reverse }, false)]);
}

/**
 * Cumulative product along `axis` (TF.js's cumprod), with `exclusive` (starting at 1) and `reverse` as cumsum.
 * int32 stays int32. The gradient needs no division by x, so it is exact where x has zeros (see cumprodGrad).
 */
export function cumprod(x: TensorLike, axis = 0, exclusive = false, reverse = false): Tensor {
  const { t, scan } = scanArgs(x, axis, exclusive, reverse, 'cumprod');
  const out = scanForward(t, scan, true);
  if (t.dtype !== 'float32') return out;
  return record(out, 'cumprod', [t], (dy) => [cumprodGrad(t, dy, scan)]);
}

/**
 * With y_i = prod_{j <= i} x_j along the scan (j < i when exclusive), dL/dx_k = P_k * S_k where P_k is the product of
 * the elements before k and S_k = sum_{i >= k} g_i prod_{k < j <= i} x_j (i > k and j < i when exclusive). S runs
 * backward as S_k = g_k + x_{k+1} S_{k+1} (exclusive: S_k = g_{k+1} + x_{k+1} S_{k+1}), so the whole gradient is two
 * passes with products only, exact with zeros (TensorFlow divides by x when it has no zeros, a costlier path otherwise).
 */
function cumprodGrad(t: Tensor, dy: Tensor, s: Scan): Tensor {
  const x = t.values;
  const g = dy.values;
  const dx = empty(t.shape.slice());
  const d = dx.values;
  forEachLine(s, (first, step) => {
    const last = first + (s.n - 1) * step;
    // Backward over the line: d holds S_k for now.
    let acc = 0;
    for (let k = s.n - 1, p = last; k >= 0; k--, p -= step) {
      if (s.exclusive) {
        d[p] = acc;
        acc = g[p] + x[p] * acc;
      } else {
        acc = g[p] + (k === s.n - 1 ? 0 : x[p + step] * acc);
        d[p] = acc;
      }
    }
    let before = 1;
    for (let k = 0, p = first; k < s.n; k++, p += step) {
      d[p] *= before;
      before *= x[p];
    }
  });
  return dx;
}
