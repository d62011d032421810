// tn.ops: Keras 3's keras.ops (numpy-style ops, keras.ops.nn, keras.ops.math and keras.ops.linalg's norm) under
// tensornode's camelCase spelling, with Keras's argument order and defaults, so that the body of a Keras 3 custom
// layer or loss ports line by line (ops.expand_dims(x, -1) -> tn.ops.expandDims(x, -1)). Keyword arguments become
// positional ones in Keras's order; a Python tuple result (topK, moments, meshgrid) is a JS array to destructure.
// Where a top-level tn op already has Keras's semantics it is re-exported; the rest are thin adapters here or new
// ops in numpy.ts.
import { noGrad, record } from '../autograd/tape.js';
import type { DType } from '../dtype.js';
import { fmt, normalizeAxis } from '../shape-util.js';
import { empty, eye as eye2, fill, ones as ones0, range, Tensor, tensor, toTensor, zeros as zeros0, type TensorLike } from '../tensor.js';
import { conv1d, conv2d, conv3d, depthwiseConv2d } from './conv.js';
import * as ew from './elementwise.js';
import * as np from './numpy.js';
import { avgPool2d, avgPool3d, maxPool2d, maxPool3d } from './pool.js';
import * as rd from './reduce.js';
import { cumprod as cumprod0, cumsum as cumsum0 } from './scan.js';
import * as sh from './shape.js';
import { topk } from './sort.js';
import { floatArg } from './util.js';
import { einsum } from './einsum.js';

export type { AxisArg, PadMode, QuantileMethod } from './numpy.js';
type Axis = number | number[] | null | undefined;

/** Keras's dtype names that tensornode holds: bool is int32 0/1, as tensornode's comparisons return. */
export type KerasDType = DType | 'bool';

function dtypeOf(dtype: unknown, op: string): DType {
  if (dtype === 'bool') return 'int32';
  if (dtype === 'float32' || dtype === 'int32') return dtype;
  throw new Error(`${op}: unknown dtype ${JSON.stringify(dtype)}; tensornode holds 'float32', 'int32' and 'bool' (as int32 0/1)`);
}

// ---------------------------------------------------------------------------------------------------------------
// Core

/** The shape as a list of numbers (Keras's ops.shape returns a tuple). */
export function shape(x: TensorLike): number[] {
  return toTensor(x, 'shape').shape.slice();
}
export function ndim(x: TensorLike): number {
  return toTensor(x, 'ndim').rank;
}
export function size(x: TensorLike): number {
  return toTensor(x, 'size').size;
}
export function dtype(x: TensorLike): DType {
  return toTensor(x, 'dtype').dtype;
}
/** cast to 'bool' gives int32 0/1 (x != 0). */
export function cast(x: TensorLike, dtype: KerasDType): Tensor {
  const t = toTensor(x, 'cast');
  const d = dtypeOf(dtype, 'cast');
  return dtype === 'bool' ? ew.notEqual(t, 0) : ew.cast(t, d);
}
/** A tensor from nested arrays, typed arrays or a tensor (returned as is, or cast when a dtype is given). */
export function convertToTensor(x: TensorLike, dtype: KerasDType | 'string' | null = null): Tensor {
  if (x instanceof Tensor) return dtype === null || (dtype === 'string' && x.dtype === ('string' as DType)) ? x : cast(x, dtype as KerasDType);
  // Strings become a string tensor (for the text and categorical preprocessing layers, as
  // keras.ops.convert_to_tensor(["fixed"]) feeds a FeatureSpace's inference model).
  if (isNestedStrings(x)) {
    if (dtype !== null && dtype !== 'string') throw new Error(`convertToTensor: cannot convert strings to ${dtype}`);
    return tensor(x);
  }
  if (dtype === 'string') throw new Error('convertToTensor: dtype "string" needs strings');
  const t = toTensor(x, 'convertToTensor');
  return dtype === null ? t : cast(t, dtype);
}
function isNestedStrings(x: unknown): boolean {
  let v = x;
  while (Array.isArray(v) && v.length > 0) v = v[0];
  return typeof v === 'string';
}
/** The values as nested arrays (Keras's convert_to_numpy returns a numpy array). */
export function convertToNumpy(x: TensorLike): unknown {
  return toTensor(x, 'convertToNumpy').array();
}
/** Keras's array: convertToTensor. */
export function array(x: TensorLike, dtype: KerasDType | null = null): Tensor {
  return convertToTensor(x, dtype);
}
/** A copy with its own values that gradients pass through (numpy's copy; tn.clone). */
export { clone as copy } from './elementwise.js';
export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}
export { stopGradient } from './elementwise.js';

/**
 * Keras's custom_gradient: `f(...inputs)` returns [y, grad] where grad(upstream) gives the gradient of each input
 * (one tensor for one input, else a list, null for none). The wrapped function computes y with f's own ops kept
 * off the tape, so only grad's rule reaches the inputs.
 */
export function customGradient(f: (...inputs: Tensor[]) => [Tensor, (upstream: Tensor) => Tensor | (Tensor | null)[] | null]): (...inputs: TensorLike[]) => Tensor {
  if (typeof f !== 'function') throw new Error('customGradient: expected a function returning [y, grad]');
  return (...inputs: TensorLike[]) => {
    const ts = inputs.map((x) => toTensor(x, 'customGradient'));
    const result = noGrad(() => f(...ts));
    if (!Array.isArray(result) || result.length !== 2 || !(result[0] instanceof Tensor) || typeof result[1] !== 'function') {
      throw new Error('customGradient: the function must return [y, grad], a tensor and a function of the upstream gradient');
    }
    const [y, grad] = result;
    // A tensor of its own (sharing y's values) to carry the rule, so that y itself, maybe an input, is left alone.
    const out = new Tensor(y._storage, y.shape.slice(), y.dtype);
    return record(out, 'customGradient', ts, (dy) => {
      const g = grad(dy);
      const list = Array.isArray(g) ? g : [g];
      if (list.length !== ts.length) throw new Error(`customGradient: grad returned ${list.length} gradients for ${ts.length} inputs`);
      return list.map((gi, k) => {
        if (gi === null || gi === undefined) return null;
        if (!(gi instanceof Tensor) || gi.shape.length !== ts[k].rank || gi.shape.some((d, i) => d !== ts[k].shape[i])) {
          throw new Error(`customGradient: the gradient of input ${k} must be a tensor of its shape ${fmt(ts[k].shape)}, received ${gi instanceof Tensor ? fmt(gi.shape) : typeof gi}`);
        }
        return gi;
      });
    });
  };
}

function truth(pred: unknown, op: string): boolean {
  if (typeof pred === 'boolean') return pred;
  if (typeof pred === 'number') return pred !== 0;
  if (pred instanceof Tensor) {
    if (pred.size !== 1) throw new Error(`${op}: the predicate must be a boolean or a tensor with one element, received shape ${fmt(pred.shape)}`);
    return pred.values[0] !== 0;
  }
  throw new Error(`${op}: the predicate must be a boolean, a number or a one-element tensor, received ${typeof pred}`);
}

/** Keras's cond: calls trueFn or falseFn (eagerly, so only the chosen branch runs and records gradients). */
export function cond<T>(pred: boolean | number | Tensor, trueFn: () => T, falseFn: () => T): T {
  if (typeof trueFn !== 'function' || typeof falseFn !== 'function') throw new Error('cond: trueFn and falseFn must be functions');
  return truth(pred, 'cond') ? trueFn() : falseFn();
}

/** Keras's switch: branches[index](...operands), index clamped to the branches as Keras does. */
export function switchCase<T>(index: number | Tensor, branches: ((...operands: never[]) => T)[], ...operands: unknown[]): T {
  if (!Array.isArray(branches) || branches.length === 0) throw new Error('switch: branches must be a non-empty list of functions');
  const i = index instanceof Tensor ? index.values[0] : index;
  if (typeof i !== 'number' || !Number.isFinite(i)) throw new Error(`switch: index must be a number or a one-element tensor, received ${String(index)}`);
  const k = Math.min(branches.length - 1, Math.max(0, Math.trunc(i)));
  return (branches[k] as (...a: unknown[]) => T)(...operands);
}
export { switchCase as switch };

/** Keras's fori_loop: val = bodyFun(i, val) for i from lower to upper - 1, as a plain loop (gradients flow through). */
export function foriLoop<T>(lower: number, upper: number, bodyFun: (i: number, val: T) => T, initVal: T): T {
  if (!Number.isInteger(lower) || !Number.isInteger(upper)) throw new Error(`foriLoop: lower and upper must be integers, received ${JSON.stringify(lower)} and ${JSON.stringify(upper)}`);
  if (typeof bodyFun !== 'function') throw new Error('foriLoop: bodyFun must be a function (i, val) => val');
  let v = initVal;
  for (let i = lower; i < upper; i++) v = bodyFun(i, v);
  return v;
}

/**
 * Keras's while_loop: while cond(...vars), vars = body(...vars); a list of loop variables is spread into both
 * functions (as Keras unpacks a tuple), a single one is passed as is. maximumIterations bounds the loop.
 */
export function whileLoop<T>(cond: (...vars: never[]) => unknown, body: (...vars: never[]) => T, loopVars: T, maximumIterations: number | null = null): T {
  if (typeof cond !== 'function' || typeof body !== 'function') throw new Error('whileLoop: cond and body must be functions');
  if (maximumIterations !== null && (!Number.isInteger(maximumIterations) || maximumIterations < 0)) {
    throw new Error(`whileLoop: maximumIterations must be a non-negative integer or null, received ${JSON.stringify(maximumIterations)}`);
  }
  const spread = Array.isArray(loopVars);
  const args = (v: T) => (spread ? (v as unknown[]) : [v]);
  let v = loopVars;
  for (let n = 0; maximumIterations === null || n < maximumIterations; n++) {
    if (!truth((cond as (...a: unknown[]) => unknown)(...args(v)), 'whileLoop')) break;
    const next = (body as (...a: unknown[]) => T)(...args(v));
    if (spread && (!Array.isArray(next) || next.length !== (v as unknown[]).length)) {
      throw new Error(`whileLoop: body must return ${(v as unknown[]).length} loop variables, as many as it received`);
    }
    v = next;
  }
  return v;
}

/** Keras's map: f applied to each slice of xs along axis 0, the results stacked. */
export function map(f: (x: Tensor) => Tensor, xs: TensorLike): Tensor {
  const t = toTensor(xs, 'map');
  if (t.rank === 0) throw new Error('map: xs must have rank at least 1, received a scalar');
  const parts = sh.unstack(t, 0).map((x) => f(x));
  if (parts.length === 0) throw new Error(`map: xs of shape ${fmt(t.shape)} has no slices to map`);
  return sh.stack(parts, 0);
}

/**
 * Keras's scan: carry, y = f(carry, x) over the slices of xs (or `length` steps with x null), returning [carry, ys]
 * with the ys stacked; reverse walks xs from the end (ys keep xs's order).
 */
export function scan(f: (carry: Tensor, x: Tensor | null) => [Tensor, Tensor | null], init: TensorLike, xs: TensorLike | null = null, length: number | null = null, reverse = false): [Tensor, Tensor | null] {
  let carry = toTensor(init, 'scan');
  const slices = xs === null ? null : sh.unstack(toTensor(xs, 'scan'), 0);
  const n = slices ? slices.length : length;
  if (n === null || !Number.isInteger(n) || n < 0) throw new Error(`scan: give xs or a non-negative integer length, received length ${JSON.stringify(length)}`);
  if (slices && length !== null && length !== n) throw new Error(`scan: length ${length} does not match xs's ${n} slices`);
  const ys: (Tensor | null)[] = new Array(n);
  for (let k = 0; k < n; k++) {
    const i = reverse ? n - 1 - k : k;
    const [c, y] = f(carry, slices ? slices[i] : null);
    carry = c;
    ys[i] = y;
  }
  const kept = ys.filter((y): y is Tensor => y !== null);
  return [carry, kept.length === n && n > 0 ? sh.stack(kept, 0) : null];
}

export { scatter, scatterUpdate, sliceUpdate } from './numpy.js';
/** Keras's slice(inputs, startIndices, shape): the box of that shape at startIndices. */
export function slice(inputs: TensorLike, startIndices: number[], shape: number[]): Tensor {
  return sh.slice(inputs, startIndices, shape);
}
/** Keras's unstack(x, num, axis): num, when given, must equal the axis's length. */
export function unstack(x: TensorLike, num: number | null = null, axis = 0): Tensor[] {
  const t = toTensor(x, 'unstack');
  const parts = sh.unstack(t, axis);
  if (num !== null && num !== parts.length) throw new Error(`unstack: num ${num} does not match axis ${axis} of shape ${fmt(t.shape)} (${parts.length})`);
  return parts;
}

// ---------------------------------------------------------------------------------------------------------------
// Elementwise

export {
  abs, abs as absolute, add, ceil, cos, exp, expm1, floor, floorDiv as floorDivide, log, log1p, maximum, minimum, mod,
  mul as multiply, neg as negative, pow as power, reciprocal, sign, sin, sqrt, square, sub as subtract, tanh,
  equal, notEqual, greater, greaterEqual, less, lessEqual, logicalAnd, logicalNot, logicalOr, isNaN as isnan, erf, rsqrt,
} from './elementwise.js';
export { div as divide, div as trueDivide } from './elementwise.js';
export {
  arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh, cbrt, cosh, exp2, isclose, isfinite, isinf, log10, log2,
  logaddexp, logicalXor, nanToNum, sinh, tan, trunc,
} from './numpy.js';

/** numpy's round: half to even, to `decimals` places. */
export function round(x: TensorLike, decimals = 0): Tensor {
  return np.roundDecimals(x, decimals, ew.round);
}
/** numpy's clip: bounds may be numbers or tensors (broadcast); the gradient passes inside [min, max]. */
export function clip(x: TensorLike, xMin: number | TensorLike, xMax: number | TensorLike): Tensor {
  if (typeof xMin === 'number' && typeof xMax === 'number') return ew.clipByValue(x, xMin, xMax);
  return ew.minimum(ew.maximum(floatArg(x, 'clip'), xMin), xMax);
}
/** numpy's allclose: whether every element of a is close to b's (isclose's test), as an int32 scalar 0/1. */
export function allclose(a: TensorLike, b: TensorLike, rtol = 1e-5, atol = 1e-8, equalNan = false): Tensor {
  return rd.all(np.isclose(a, b, rtol, atol, equalNan));
}
/** numpy's positive: the values themselves (a copy). */
export function positive(x: TensorLike): Tensor {
  return ew.clone(x);
}
/** a / b, with 0 where b is 0 (Keras's divide_no_nan). */
export function divideNoNan(a: TensorLike, b: TensorLike): Tensor {
  const y = floatArg(b, 'divideNoNan');
  const zero = ew.equal(y, 0);
  return ew.where(zero, 0, ew.div(a, ew.where(zero, 1, y)));
}

/** numpy's where(condition, x1, x2); with the condition alone, its non-zero indices (nonzero). */
export function where(condition: TensorLike): Tensor[];
export function where(condition: TensorLike, x1: TensorLike, x2: TensorLike): Tensor;
export function where(condition: TensorLike, x1?: TensorLike | null, x2?: TensorLike | null): Tensor | Tensor[] {
  if ((x1 === undefined || x1 === null) && (x2 === undefined || x2 === null)) return nonzero(condition);
  if (x1 === undefined || x1 === null || x2 === undefined || x2 === null) throw new Error('where: give both x1 and x2, or neither');
  return ew.where(condition, x1, x2);
}

/** numpy's nonzero: for each axis, the int32 indices of the non-zero elements (in row-major order). */
export function nonzero(x: TensorLike): Tensor[] {
  const t = toTensor(x, 'nonzero');
  const hits: number[] = [];
  t.values.forEach((v, i) => { if (v !== 0) hits.push(i); });
  const strides = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((p, d) => p * d, 1));
  return t.shape.map((d, a) => tensor(Int32Array.from(hits, (i) => Math.floor(i / strides[a]) % d), [hits.length], 'int32'));
}

// ---------------------------------------------------------------------------------------------------------------
// Reductions

export { all, any, argmax, argmin, logSumExp as logsumexp, mean, prod, std, sum, variance as var } from './reduce.js';
export { average, countNonzero, median, quantile } from './numpy.js';
export { cross, digitize, searchsorted, select } from './numpy.js';

/** numpy's max with `initial`: the maximum also against that value (and an empty reduction gives it). */
export function max(x: TensorLike, axis: Axis = null, keepdims = false, initial: number | null = null): Tensor {
  if (initial === null) return rd.max(x, axis, keepdims);
  return ew.maximum(rd.max(x, axis, keepdims), initial);
}
export function min(x: TensorLike, axis: Axis = null, keepdims = false, initial: number | null = null): Tensor {
  if (initial === null) return rd.min(x, axis, keepdims);
  return ew.minimum(rd.min(x, axis, keepdims), initial);
}
export { max as amax, min as amin };

/** numpy's percentile: quantile with q in [0, 100]. */
export function percentile(x: TensorLike, q: number | number[] | TensorLike, axis: Axis = null, method: np.QuantileMethod = 'linear', keepdims = false): Tensor {
  return np.quantile(x, q, axis, method, keepdims, 'percentile');
}

/** Keras's cumsum(x, axis = null): over the flattened x when axis is null. */
export function cumsum(x: TensorLike, axis: number | null = null): Tensor {
  const t = toTensor(x, 'cumsum');
  return axis === null ? cumsum0(sh.reshape(t, [t.size]), 0) : cumsum0(t, axis);
}
export function cumprod(x: TensorLike, axis: number | null = null): Tensor {
  const t = toTensor(x, 'cumprod');
  return axis === null ? cumprod0(sh.reshape(t, [t.size]), 0) : cumprod0(t, axis);
}

/** numpy's diff: the n-th differences along `axis`. */
export function diff(a: TensorLike, n = 1, axis = -1): Tensor {
  let t = toTensor(a, 'diff');
  if (!Number.isInteger(n) || n < 0) throw new Error(`diff: n must be a non-negative integer, received ${JSON.stringify(n)}`);
  if (t.rank === 0) throw new Error('diff: needs a tensor of rank at least 1, received a scalar');
  const ax = normalizeAxis(axis, t.rank, 'diff');
  for (let k = 0; k < n; k++) {
    const len = t.shape[ax];
    if (len === 0) break;
    const box = t.shape.map((d, i) => (i === ax ? len - 1 : d));
    t = ew.sub(sh.slice(t, t.shape.map((_, i) => (i === ax ? 1 : 0)), box), sh.slice(t, t.shape.map(() => 0), box));
  }
  return t;
}

/** numpy's bincount: counts (or summed weights) of each non-negative integer, at least minlength of them. */
export function bincount(x: TensorLike, weights: TensorLike | null = null, minlength = 0): Tensor {
  const t = toTensor(x, 'bincount');
  if (t.rank !== 1) throw new Error(`bincount: x must be 1-D, received shape ${fmt(t.shape)}`);
  const v = t.values;
  let n = minlength;
  for (let i = 0; i < v.length; i++) {
    if (!Number.isInteger(v[i]) || v[i] < 0) throw new Error(`bincount: values must be non-negative integers, received ${v[i]}`);
    n = Math.max(n, v[i] + 1);
  }
  if (weights === null) {
    const out = empty([n], 'int32', true);
    for (let i = 0; i < v.length; i++) out.values[v[i]]++;
    return out;
  }
  const w = floatArg(weights, 'bincount');
  if (w.rank !== 1 || w.shape[0] !== t.shape[0]) throw new Error(`bincount: weights of shape ${fmt(w.shape)} must match x's shape ${fmt(t.shape)}`);
  return sh.unsortedSegmentSum(w, t, n);
}

// ---------------------------------------------------------------------------------------------------------------
// Shape and indexing

export { reshape, stack, transpose } from './shape.js';
/** Keras's squeeze(x, axis = null): every size-1 axis, or the listed ones (an error if one is not of size 1). */
export function squeeze(x: TensorLike, axis: number | number[] | null = null): Tensor {
  return sh.squeeze(x, axis ?? undefined);
}
export { broadcastTo } from './broadcast.js';
export { diag, diagonal, moveaxis, roll, swapaxes, take, takeAlongAxis, trace } from './numpy.js';
export { sort, argsort } from './sort.js';

/** Keras's expand_dims: one axis, or a list of positions in the result. */
export function expandDims(x: TensorLike, axis: number | number[]): Tensor {
  const t = toTensor(x, 'expandDims');
  if (!Array.isArray(axis)) return sh.expandDims(t, axis);
  const rank = t.rank + axis.length;
  const at = axis.map((a) => normalizeAxis(a, rank, 'expandDims'));
  if (new Set(at).size !== at.length) throw new Error(`expandDims: repeated axis in ${JSON.stringify(axis)} for shape ${fmt(t.shape)}`);
  const dims = t.shape.slice();
  for (const a of [...at].sort((p, q) => p - q)) dims.splice(a, 0, 1);
  return sh.reshape(t, dims);
}
/** numpy's concatenate; axis null joins the flattened tensors. */
export function concatenate(xs: TensorLike[], axis: number | null = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) throw new Error('concatenate: needs a non-empty list of tensors');
  if (axis === null) return sh.concat(xs.map((x) => sh.flatten(toTensor(x, 'concatenate'))), 0);
  return sh.concat(xs, axis);
}
/** numpy's append: concatenate of two, flattened when axis is null. */
export function append(x1: TensorLike, x2: TensorLike, axis: number | null = null): Tensor {
  return concatenate([x1, x2], axis);
}
/** numpy's hstack: along axis 0 for 1-D tensors, else axis 1. */
export function hstack(xs: TensorLike[]): Tensor {
  const ts = (xs ?? []).map((x) => toTensor(x, 'hstack'));
  if (ts.length === 0) throw new Error('hstack: needs a non-empty list of tensors');
  const ats = ts.map((t) => (t.rank === 0 ? sh.reshape(t, [1]) : t));
  return sh.concat(ats, ats[0].rank === 1 ? 0 : 1);
}
/** numpy's vstack: along axis 0, 1-D tensors as rows. */
export function vstack(xs: TensorLike[]): Tensor {
  const ts = (xs ?? []).map((x) => toTensor(x, 'vstack'));
  if (ts.length === 0) throw new Error('vstack: needs a non-empty list of tensors');
  return sh.concat(ts.map((t) => (t.rank === 0 ? sh.reshape(t, [1, 1]) : t.rank === 1 ? sh.reshape(t, [1, t.size]) : t)), 0);
}
export { splitAt as split } from './numpy.js';
/** numpy's array_split: n sections that may differ by one (the first d % n get one more), or split points. */
export function arraySplit(x: TensorLike, indicesOrSections: number | number[], axis = 0): Tensor[] {
  const t = toTensor(x, 'arraySplit');
  if (typeof indicesOrSections !== 'number') return np.splitAt(t, indicesOrSections, axis);
  const n = indicesOrSections;
  if (!Number.isInteger(n) || n <= 0) throw new Error(`arraySplit: the number of sections must be a positive integer, received ${JSON.stringify(n)} (shape ${fmt(t.shape)})`);
  const d = t.shape[normalizeAxis(axis, t.rank, 'arraySplit')];
  const points: number[] = [];
  for (let i = 1, at = 0; i < n; i++) points.push((at += Math.floor(d / n) + (i - 1 < d % n ? 1 : 0)));
  return np.splitAt(t, points, axis);
}
export function tile(x: TensorLike, repeats: number | number[]): Tensor {
  return np.tileNumpy(x, repeats, sh.tile);
}
export { repeatNumpy as repeat, padNumpy as pad } from './numpy.js';
/** numpy's flip: reversed along `axis` (all axes when null). */
export function flip(x: TensorLike, axis: number | number[] | null = null): Tensor {
  return sh.reverse(x, axis ?? undefined);
}
export function ravel(x: TensorLike): Tensor {
  return sh.flatten(x);
}
/** Keras's top_k: [values, indices] of the k largest along the last axis. */
export function topK(x: TensorLike, k: number, sorted = true): [Tensor, Tensor] {
  const { values, indices } = topk(x, k, sorted);
  return [values, indices];
}
/** Keras's in_top_k: whether each target's prediction is among its row's k largest (int32 0/1; ties count in). */
export function inTopK(targets: TensorLike, predictions: TensorLike, k: number): Tensor {
  const p = floatArg(predictions, 'inTopK');
  const t = toTensor(targets, 'inTopK', 'int32');
  if (p.rank !== 2 || t.rank !== 1 || t.shape[0] !== p.shape[0]) {
    throw new Error(`inTopK: predictions must be [batch, classes] and targets [batch], received ${fmt(p.shape)} and ${fmt(t.shape)}`);
  }
  const target = np.takeAlongAxis(p, sh.reshape(t, [t.size, 1]), 1);
  return ew.less(rd.sum(ew.greater(p, target), 1), k);
}

// ---------------------------------------------------------------------------------------------------------------
// Creation

/** numpy's arange: int32 when start, stop and step are all integers (and no dtype is given), else float32. */
export function arange(start: number, stop: number | null = null, step = 1, dtype: KerasDType | null = null): Tensor {
  const d = dtype === null ? ([start, stop ?? 0, step].every(Number.isInteger) ? 'int32' : 'float32') : dtypeOf(dtype, 'arange');
  return stop === null ? range(0, start, step, d) : range(start, stop, step, d);
}
/** numpy's linspace: num values from start to stop (stop left out when endpoint is false), computed in float64. */
export function linspace(start: number, stop: number, num = 50, endpoint = true, dtype: KerasDType | null = null): Tensor {
  for (const [k, v] of [['start', start], ['stop', stop]] as const) if (typeof v !== 'number') throw new Error(`linspace: ${k} must be a number, received ${JSON.stringify(v)}`);
  if (!Number.isInteger(num) || num < 0) throw new Error(`linspace: num must be a non-negative integer, received ${JSON.stringify(num)}`);
  const out = empty([num], dtype === null ? 'float32' : dtypeOf(dtype, 'linspace'));
  const div = endpoint ? num - 1 : num;
  const step = div > 0 ? (stop - start) / div : 0;
  for (let i = 0; i < num; i++) out.values[i] = out.dtype === 'int32' ? Math.floor(start + i * step) : start + i * step;
  if (endpoint && num > 1) out.values[num - 1] = out.dtype === 'int32' ? Math.floor(stop) : stop;
  return out;
}
/** numpy's logspace: base ** linspace(start, stop), in float64. */
export function logspace(start: number, stop: number, num = 50, endpoint = true, base = 10, dtype: KerasDType | null = null): Tensor {
  for (const [k, v] of [['start', start], ['stop', stop], ['base', base]] as const) if (typeof v !== 'number') throw new Error(`logspace: ${k} must be a number, received ${JSON.stringify(v)}`);
  if (!Number.isInteger(num) || num < 0) throw new Error(`logspace: num must be a non-negative integer, received ${JSON.stringify(num)}`);
  const out = empty([num], dtype === null ? 'float32' : dtypeOf(dtype, 'logspace'));
  const div = endpoint ? num - 1 : num;
  for (let i = 0; i < num; i++) {
    const e = endpoint && i === num - 1 ? stop : start + (div > 0 ? (i * (stop - start)) / div : 0);
    out.values[i] = out.dtype === 'int32' ? Math.floor(base ** e) : base ** e;
  }
  return out;
}
export function eye(N: number, M: number | null = null, k = 0, dtype: KerasDType | null = null): Tensor {
  return np.eyeK(N, M, k, dtype === null ? 'float32' : dtypeOf(dtype, 'eye'));
}
export function identity(n: number, dtype: KerasDType | null = null): Tensor {
  return eye2(n, n, dtype === null ? 'float32' : dtypeOf(dtype, 'identity'));
}
export function tri(N: number, M: number | null = null, k = 0, dtype: KerasDType | null = null): Tensor {
  return np.tri(N, M, k, dtype === null ? 'float32' : dtypeOf(dtype, 'tri'));
}
export { tril, triu } from './numpy.js';
export function zeros(shape: number[], dtype: KerasDType = 'float32'): Tensor {
  return zeros0(shape, dtypeOf(dtype, 'zeros'));
}
export function ones(shape: number[], dtype: KerasDType = 'float32'): Tensor {
  return ones0(shape, dtypeOf(dtype, 'ones'));
}
/** numpy's empty: tensornode has no uninitialized memory to hand out, so zeros. */
export function emptyTensor(shape: number[], dtype: KerasDType = 'float32'): Tensor {
  return zeros(shape, dtype);
}
export { emptyTensor as empty };
export function full(shape: number[], fillValue: number, dtype: KerasDType | null = null): Tensor {
  return fill(shape, fillValue, dtype === null ? 'float32' : dtypeOf(dtype, 'full'));
}
export function fullLike(x: TensorLike, fillValue: number, dtype: KerasDType | null = null): Tensor {
  const t = toTensor(x, 'fullLike');
  return fill(t.shape, fillValue, dtype === null ? t.dtype : dtypeOf(dtype, 'fullLike'));
}
export function zerosLike(x: TensorLike, dtype: KerasDType | null = null): Tensor {
  return fullLike(x, 0, dtype);
}
export function onesLike(x: TensorLike, dtype: KerasDType | null = null): Tensor {
  return fullLike(x, 1, dtype);
}
/** numpy's meshgrid(*x, indexing): the 1-D tensors, then optionally { indexing: 'xy' | 'ij' }. */
export function meshgrid(...args: (TensorLike | { indexing?: 'xy' | 'ij' })[]): Tensor[] {
  const last = args[args.length - 1];
  const options = last !== null && typeof last === 'object' && !Array.isArray(last) && !(last instanceof Tensor) && !ArrayBuffer.isView(last) ? (args.pop() as { indexing?: 'xy' | 'ij' }) : {};
  return np.meshgrid(args as TensorLike[], options.indexing ?? 'xy');
}
/** Keras's one_hot(x, numClasses, axis = -1): the one-hot axis placed at `axis`. */
export function oneHot(x: TensorLike, numClasses: number, axis = -1, dtype: KerasDType = 'float32'): Tensor {
  const h = sh.oneHot(x, numClasses, 1, 0, dtypeOf(dtype, 'oneHot'));
  const a = normalizeAxis(axis, h.rank, 'oneHot');
  return a === h.rank - 1 ? h : np.moveaxis(h, -1, a);
}
/** Keras's multi_hot: one-hot rows of the indices along the last axis, merged (1 where any index hits). */
export function multiHot(x: TensorLike, numClasses: number, axis = -1, dtype: KerasDType = 'float32'): Tensor {
  const h = rd.max(sh.oneHot(x, numClasses, 1, 0, dtypeOf(dtype, 'multiHot')), -2);
  const a = normalizeAxis(axis, h.rank, 'multiHot');
  return a === h.rank - 1 ? h : np.moveaxis(h, -1, a);
}

// ---------------------------------------------------------------------------------------------------------------
// Linear algebra

export { matMul as matmul } from './matmul.js';
export { einsum } from './einsum.js';
export { ctcDecode, ctcLoss } from './ctc.js';
export { dotNumpy as dot, inner, normNumpy as norm, outer, tensordot, vdot } from './numpy.js';
export { cholesky, det, inv, logdet, solve, solveTriangular } from './keras-linalg.js';

// ---------------------------------------------------------------------------------------------------------------
// nn

export { relu, relu6, sigmoid, softplus, softsign, selu, hardSigmoid, swish as silu, swish } from './elementwise.js';
export { softmax, logSoftmax } from './reduce.js';
export { logSigmoid, normalize } from './numpy.js';

/** Keras's leaky_relu: the negative slope defaults to 0.2 (tn.leakyRelu's alpha to 0.3, Keras 2's). */
export function leakyRelu(x: TensorLike, negativeSlope = 0.2): Tensor {
  return ew.leakyRelu(x, negativeSlope);
}
/** Keras's gelu: the tanh approximation by default (tn.gelu is exact by default). */
export function gelu(x: TensorLike, approximate = true): Tensor {
  return ew.gelu(x, approximate);
}
export function elu(x: TensorLike, alpha = 1): Tensor {
  return ew.elu(x, alpha);
}
/** x * hardSigmoid(x) = x * relu6(x + 3) / 6. */
export function hardSilu(x: TensorLike): Tensor {
  const t = floatArg(x, 'hardSilu');
  return ew.mul(t, ew.hardSigmoid(t));
}
export { hardSilu as hardSwish };
/** max(0, x) + min(0, alpha * (exp(x / alpha) - 1)). */
export function celu(x: TensorLike, alpha = 1): Tensor {
  if (typeof alpha !== 'number' || !(alpha !== 0)) throw new Error(`celu: alpha must be a non-zero number, received ${JSON.stringify(alpha)}`);
  const t = floatArg(x, 'celu');
  return ew.add(ew.relu(t), ew.minimum(0, ew.mul(ew.expm1(ew.div(t, alpha)), alpha)));
}
/** Gated linear unit: the first half of `axis` times the sigmoid of the second half. */
export function glu(x: TensorLike, axis = -1): Tensor {
  const t = floatArg(x, 'glu');
  const a = normalizeAxis(axis, t.rank, 'glu');
  if (t.shape[a] % 2 !== 0) throw new Error(`glu: axis ${a} of shape ${fmt(t.shape)} must have an even length`);
  const [u, v] = sh.split(t, 2, a);
  return ew.mul(u, ew.sigmoid(v));
}
/** clip(x, -1, 1). */
export function hardTanh(x: TensorLike): Tensor {
  return ew.clipByValue(x, -1, 1);
}
/** x where |x| > threshold, else 0. */
export function hardShrink(x: TensorLike, threshold = 0.5): Tensor {
  const t = floatArg(x, 'hardShrink');
  return ew.where(ew.greater(ew.abs(t), threshold), t, 0);
}
/** x - threshold above it, x + threshold below -threshold, else 0. */
export function softShrink(x: TensorLike, threshold = 0.5): Tensor {
  const t = floatArg(x, 'softShrink');
  return ew.where(ew.greater(t, threshold), ew.sub(t, threshold), ew.where(ew.less(t, -threshold), ew.add(t, threshold), 0));
}
/** x - tanh(x). */
export function tanhShrink(x: TensorLike): Tensor {
  const t = floatArg(x, 'tanhShrink');
  return ew.sub(t, ew.tanh(t));
}
/** (x + sqrt(x^2 + b)) / 2. */
export function squareplus(x: TensorLike, b = 4): Tensor {
  if (typeof b !== 'number' || b < 0) throw new Error(`squareplus: b must be a non-negative number, received ${JSON.stringify(b)}`);
  const t = floatArg(x, 'squareplus');
  return ew.mul(ew.add(t, ew.sqrt(ew.add(ew.square(t), b))), 0.5);
}
/** 0 below -1, (x + 1)^2 / 4 up to 1, x above. */
export function sparsePlus(x: TensorLike): Tensor {
  const t = floatArg(x, 'sparsePlus');
  return ew.where(ew.lessEqual(t, -1), 0, ew.where(ew.greaterEqual(t, 1), t, ew.mul(ew.square(ew.add(t, 1)), 0.25)));
}
/** x where x > threshold, else defaultValue. */
export function threshold(x: TensorLike, thresholdValue: number, defaultValue: number): Tensor {
  const t = floatArg(x, 'threshold');
  return ew.where(ew.greater(t, thresholdValue), t, defaultValue);
}

/** Keras's crossentropy ops: elementwise binary, per row categorical (no averaging, unlike tn.losses). */
export function binaryCrossentropy(target: TensorLike, output: TensorLike, fromLogits = false): Tensor {
  return np.binaryCrossentropy(target, output, fromLogits);
}
export function categoricalCrossentropy(target: TensorLike, output: TensorLike, fromLogits = false, axis = -1): Tensor {
  return np.categoricalCrossentropy(target, output, fromLogits, axis, rd.logSoftmax);
}
export function sparseCategoricalCrossentropy(target: TensorLike, output: TensorLike, fromLogits = false, axis = -1): Tensor {
  return np.sparseCategoricalCrossentropy(target, output, fromLogits, axis, rd.logSoftmax);
}

/** Keras's moments: [mean, variance] over `axes`. */
export function moments(x: TensorLike, axes: number | number[], keepdims = false): [Tensor, Tensor] {
  const { mean, variance } = rd.moments(x, axes, keepdims);
  return [mean, variance];
}
/** Keras's batch_normalization: (x - mean) / sqrt(variance + epsilon) * scale + offset, the statistics along `axis`. */
export function batchNormalization(x: TensorLike, mean: TensorLike, variance: TensorLike, axis: number, offset: TensorLike | null = null, scale: TensorLike | null = null, epsilon = 1e-3): Tensor {
  const t = floatArg(x, 'batchNormalization');
  const a = normalizeAxis(axis, t.rank, 'batchNormalization');
  const along = (v: TensorLike, what: string) => {
    const u = floatArg(v, 'batchNormalization');
    if (u.rank !== 1 || u.shape[0] !== t.shape[a]) throw new Error(`batchNormalization: ${what} must be 1-D with ${t.shape[a]} values (axis ${a} of shape ${fmt(t.shape)}), received shape ${fmt(u.shape)}`);
    return sh.reshape(u, t.shape.map((d, i) => (i === a ? d : 1)));
  };
  let y = ew.div(ew.sub(t, along(mean, 'mean')), ew.sqrt(ew.add(along(variance, 'variance'), epsilon)));
  if (scale !== null) y = ew.mul(y, along(scale, 'scale'));
  if (offset !== null) y = ew.add(y, along(offset, 'offset'));
  return y;
}
/** Keras's rms_normalization: x * rsqrt(mean(x^2) + epsilon) * scale over `axis`. */
export function rmsNormalization(x: TensorLike, scale: number | TensorLike = 1, axis: number | number[] = -1, epsilon = 1e-7): Tensor {
  let t = floatArg(x, 'rmsNormalization');
  if (t.rank === 0) t = sh.reshape(t, [1]);
  return ew.mul(ew.mul(t, ew.rsqrt(ew.add(rd.mean(ew.square(t), axis, true), epsilon))), scale);
}
/** Peak signal-to-noise ratio of two signals of one shape: 20 log10(maxVal) - 10 log10(mse). */
export function psnr(x1: TensorLike, x2: TensorLike, maxVal: number): Tensor {
  const a = floatArg(x1, 'psnr');
  const b = floatArg(x2, 'psnr');
  if (a.rank !== b.rank || a.shape.some((d, i) => d !== b.shape[i])) throw new Error(`psnr: x1 and x2 must have the same shape, received ${fmt(a.shape)} and ${fmt(b.shape)}`);
  return ew.sub(20 * Math.log10(maxVal), ew.mul(np.log10(rd.mean(ew.squaredDifference(a, b))), 10));
}

type DataFormat = 'channels_last' | 'channels_first' | 'channelsLast' | 'channelsFirst' | null;

/** Runs f on channels-last data: channels_first inputs have their channel axis moved last and back. */
function channelsLast(x: Tensor, dataFormat: DataFormat, op: string, f: (t: Tensor) => Tensor): Tensor {
  if (dataFormat === null || dataFormat === undefined || dataFormat === 'channels_last' || dataFormat === 'channelsLast') return f(x);
  if (dataFormat !== 'channels_first' && dataFormat !== 'channelsFirst') throw new Error(`${op}: dataFormat must be 'channels_last' or 'channels_first', received ${JSON.stringify(dataFormat)}`);
  return np.moveaxis(f(np.moveaxis(x, 1, -1)), -1, 1);
}

type Padding = 'valid' | 'same';
function paddingOf(padding: string, op: string): Padding {
  const p = typeof padding === 'string' ? padding.toLowerCase() : padding;
  if (p !== 'valid' && p !== 'same') throw new Error(`${op}: padding must be 'valid' or 'same', received ${JSON.stringify(padding)}`);
  return p;
}

/** One number for every spatial axis, or one per axis. */
function spatial(v: number | number[], n: number, what: string, op: string): number[] {
  const list = typeof v === 'number' ? new Array<number>(n).fill(v) : v;
  if (!Array.isArray(list) || list.length !== n || list.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new Error(`${op}: ${what} must be a positive integer or ${n} of them, received ${JSON.stringify(v)}`);
  }
  return list;
}

function spatialRank(x: Tensor, op: string): number {
  if (x.rank < 3 || x.rank > 5) throw new Error(`${op}: inputs must be batched 1-D, 2-D or 3-D data (rank 3 to 5), received shape ${fmt(x.shape)}`);
  return x.rank - 2;
}

/**
 * Keras's conv: inputs [batch, ...spatial, channels] (1 to 3 spatial axes) and kernel [...spatial, in, out]; 'same'
 * padding puts the odd pad at the end, as TensorFlow.
 */
export function conv(inputs: TensorLike, kernel: TensorLike, strides: number | number[] = 1, padding: Padding = 'valid', dataFormat: DataFormat = null, dilationRate: number | number[] = 1): Tensor {
  const x = floatArg(inputs, 'conv');
  const k = floatArg(kernel, 'conv');
  const n = spatialRank(x, 'conv');
  if (k.rank !== n + 2) throw new Error(`conv: kernel must have rank ${n + 2} ([...spatial, in, out]) for inputs of shape ${fmt(x.shape)}, received shape ${fmt(k.shape)}`);
  const s = spatial(strides, n, 'strides', 'conv');
  const d = spatial(dilationRate, n, 'dilationRate', 'conv');
  const p = paddingOf(padding, 'conv');
  return channelsLast(x, dataFormat, 'conv', (t) => {
    if (n === 1) return conv1d(t, k, s[0], p, 'NWC', d[0]);
    if (n === 2) return conv2d(t, k, s as [number, number], p, 'NHWC', d as [number, number]);
    return conv3d(t, k, s as [number, number, number], p, 'NDHWC', d as [number, number, number]);
  });
}

/** Keras's depthwise_conv on 2-D data: kernel [kh, kw, in, multiplier]. */
export function depthwiseConv(inputs: TensorLike, kernel: TensorLike, strides: number | number[] = 1, padding: Padding = 'valid', dataFormat: DataFormat = null, dilationRate: number | number[] = 1): Tensor {
  const x = floatArg(inputs, 'depthwiseConv');
  if (x.rank !== 4) throw new Error(`depthwiseConv: tensornode has 2-D depthwise convolution only; inputs must be [batch, height, width, channels], received shape ${fmt(x.shape)}`);
  const s = spatial(strides, 2, 'strides', 'depthwiseConv') as [number, number];
  const d = spatial(dilationRate, 2, 'dilationRate', 'depthwiseConv') as [number, number];
  const p = paddingOf(padding, 'depthwiseConv');
  return channelsLast(x, dataFormat, 'depthwiseConv', (t) => depthwiseConv2d(t, kernel, s, p, 'NHWC', d));
}

function pool(isMax: boolean, inputs: TensorLike, poolSize: number | number[], strides: number | number[] | null, padding: Padding, dataFormat: DataFormat): Tensor {
  const op = isMax ? 'maxPool' : 'averagePool';
  const x = floatArg(inputs, op);
  const n = spatialRank(x, op);
  const size = spatial(poolSize, n, 'poolSize', op);
  const str = strides === null || strides === undefined ? size : spatial(strides, n, 'strides', op);
  const p = paddingOf(padding, op);
  return channelsLast(x, dataFormat, op, (t) => {
    if (n === 1) {
      // A height-1 image: the 2-D kernels pool the width.
      const t4 = sh.reshape(t, [t.shape[0], 1, t.shape[1], t.shape[2]]);
      const y = (isMax ? maxPool2d : avgPool2d)(t4, [1, size[0]], [1, str[0]], p);
      return sh.reshape(y, [y.shape[0], y.shape[2], y.shape[3]]);
    }
    if (n === 2) return (isMax ? maxPool2d : avgPool2d)(t, size as [number, number], str as [number, number], p);
    return (isMax ? maxPool3d : avgPool3d)(t, size as [number, number, number], str as [number, number, number], p);
  });
}
/** Keras's max_pool on 1-D to 3-D data; strides default to the pool size. */
export function maxPool(inputs: TensorLike, poolSize: number | number[], strides: number | number[] | null = null, padding: Padding = 'valid', dataFormat: DataFormat = null): Tensor {
  return pool(true, inputs, poolSize, strides, padding, dataFormat);
}
/** Keras's average_pool; with 'same' padding only the cells inside the input are averaged. */
export function averagePool(inputs: TensorLike, poolSize: number | number[], strides: number | number[] | null = null, padding: Padding = 'valid', dataFormat: DataFormat = null): Tensor {
  return pool(false, inputs, poolSize, strides, padding, dataFormat);
}

// ---------------------------------------------------------------------------------------------------------------
// math

/** Keras's segment_sum: rows of data added into numSegments rows by segment id (ids outside are dropped). */
export function segmentSum(data: TensorLike, segmentIds: TensorLike, numSegments: number | null = null): Tensor {
  const ids = toTensor(segmentIds, 'segmentSum', 'int32');
  const n = numSegments ?? (ids.size === 0 ? 0 : Math.max(...Array.from(ids.values)) + 1);
  return sh.unsortedSegmentSum(data, ids, n);
}
/**
 * Keras's segment_max: the elementwise maximum of each segment's rows (an empty segment gives -inf, the identity
 * of max). The gradient goes to the rows holding each maximum, shared between ties.
 */
export function segmentMax(data: TensorLike, segmentIds: TensorLike, numSegments: number | null = null): Tensor {
  const t = floatArg(data, 'segmentMax');
  const ids = toTensor(segmentIds, 'segmentMax', 'int32');
  if (t.rank === 0 || ids.rank !== 1 || ids.shape[0] !== t.shape[0]) {
    throw new Error(`segmentMax: segmentIds must be 1-D with one id per row of data (shape ${fmt(t.shape)}), received shape ${fmt(ids.shape)}`);
  }
  const n = numSegments ?? (ids.size === 0 ? 0 : Math.max(...Array.from(ids.values)) + 1);
  const rows: Tensor[] = [];
  for (let s = 0; s < n; s++) {
    const members: number[] = [];
    ids.values.forEach((v, i) => { if (v === s) members.push(i); });
    rows.push(members.length === 0 ? fill(t.shape.slice(1), -Infinity) : rd.max(sh.gather(t, members, 0), 0));
  }
  if (n === 0) return empty([0, ...t.shape.slice(1)]);
  return sh.stack(rows, 0);
}
/** Keras's extract_sequences: frames of sequenceLength every sequenceStride along the last axis ([..., frames, length]). */
export function extractSequences(x: TensorLike, sequenceLength: number, sequenceStride: number): Tensor {
  const t = toTensor(x, 'extractSequences');
  if (t.rank === 0) throw new Error('extractSequences: needs a tensor of rank at least 1, received a scalar');
  const n = t.shape[t.rank - 1];
  if (!Number.isInteger(sequenceLength) || sequenceLength < 1 || sequenceLength > n) throw new Error(`extractSequences: sequenceLength must be an integer from 1 to ${n} (last axis of shape ${fmt(t.shape)}), received ${JSON.stringify(sequenceLength)}`);
  if (!Number.isInteger(sequenceStride) || sequenceStride < 1) throw new Error(`extractSequences: sequenceStride must be a positive integer, received ${JSON.stringify(sequenceStride)}`);
  const frames = Math.floor((n - sequenceLength) / sequenceStride) + 1;
  const index: number[] = [];
  for (let f = 0; f < frames; f++) for (let j = 0; j < sequenceLength; j++) index.push(f * sequenceStride + j);
  const g = sh.gather(t, index, t.rank - 1);
  return sh.reshape(g, [...t.shape.slice(0, -1), frames, sequenceLength]);
}

/**
 * Keras's dot_product_attention: softmax(scale * Q K^T + bias) V for query [B, T, N, H], key and value [B, S, K, H]
 * (K divides N: grouped-query attention repeats each key/value head N / K times). scale defaults to 1 / sqrt(H);
 * a boolean mask broadcastable to [B, N, T, S] (nonzero attends) and isCausal replace masked scores by a large
 * negative number, as Keras does, rather than adding to them.
 */
export function dotProductAttention(query: TensorLike, key: TensorLike, value: TensorLike, bias: TensorLike | null = null, mask: TensorLike | null = null, scale: number | null = null, isCausal = false): Tensor {
  const op = 'dotProductAttention';
  const q = floatArg(query, op);
  let k = floatArg(key, op);
  let v = floatArg(value, op);
  if (q.rank !== 4 || k.rank !== 4 || v.rank !== 4) {
    throw new Error(`${op}: query, key and value must be 4-D [batch, length, heads, depth], received shapes ${fmt(q.shape)}, ${fmt(k.shape)} and ${fmt(v.shape)}`);
  }
  const [B, T, N, H] = q.shape;
  const [kb, S, K, kh] = k.shape;
  if (kb !== B || kh !== H || v.shape[0] !== B || v.shape[1] !== S || v.shape[2] !== K || K === 0 || N % K !== 0) {
    throw new Error(`${op}: key must be [${B}, S, K, ${H}] and value [${B}, S, K, Hv] with K dividing the query's ${N} heads, received shapes ${fmt(k.shape)} and ${fmt(v.shape)} (query ${fmt(q.shape)})`);
  }
  if (K !== N) {
    k = np.repeatNumpy(k, N / K, 2);
    v = np.repeatNumpy(v, N / K, 2);
  }
  let logits = ew.mul(einsum('btnh,bsnh->bnts', q, k), scale ?? 1 / Math.sqrt(H));
  if (bias !== null) logits = ew.add(logits, bias);
  let keep: Tensor | null = mask === null ? null : ew.notEqual(toTensor(mask, op), 0);
  if (isCausal) {
    const causal = sh.reshape(np.tri(T, S, 0, 'int32'), [1, 1, T, S]);
    keep = keep === null ? causal : ew.logicalAnd(keep, causal);
  }
  // Keras's _large_negative_number for float32 (a finite number, so a fully masked row stays uniform, not NaN).
  if (keep !== null) logits = ew.where(keep, logits, -0.7 * 3.4028234663852886e38);
  return einsum('bnts,bsnh->btnh', rd.softmax(logits, -1), v);
}

export * as image from './keras-image.js';
