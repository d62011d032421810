// numpy's ops that tensornode did not have, as Keras 3's keras.ops defines them (tn.ops in keras-ops.ts gathers them
// with the existing ops under Keras's names). Most are composed of differentiable ops, so their gradients come from
// those; the maps the native kernels lack (inverse trigonometric and hyperbolic functions, log2, ...) run here in
// float64 per element, rounded once, and record their derivative beside them.
import { record } from '../autograd/tape.js';
import { broadcastShapes, fmt, normalizeAxes, normalizeAxis, sizeOf } from '../shape-util.js';
import { empty, fill, Tensor, type TensorLike } from '../tensor.js';
import { broadcastTo, sumToShape } from './broadcast.js';
import {
  abs, add, cast, div, isNaN, log, maximum, minimum, mul, neg, notEqual, pow, sigmoid, sqrt, square, sub, where,
} from './elementwise.js';
import { matMul } from './matmul.js';
import { any, checkKeepDims, max, mean, min, sum } from './reduce.js';
import { concat, gather, pad as constantPad, reshape, slice, split, transpose, unsortedSegmentSum } from './shape.js';
import { sort } from './sort.js';
import { broadcastLayout, f32, floatArg, forEachBroadcast, toTensor } from './util.js';

export type AxisArg = number | number[] | null | undefined;

// ---------------------------------------------------------------------------------------------------------------
// Elementwise maps

/** y = f(x) per element in float64 (rounded to float32 once), with dx = dy * f'(x) from `grad`. */
function map(name: string, x: TensorLike, f: (v: number) => number, grad: (x: Tensor, y: Tensor, dy: Tensor) => Tensor): Tensor {
  const t = floatArg(x, name);
  const out = empty(t.shape.slice());
  const s = f32(t);
  const d = f32(out);
  for (let i = 0; i < s.length; i++) d[i] = f(s[i]);
  return record(out, name, [t], (dy) => [grad(t, out, dy)]);
}

const oneMinusSquare = (x: Tensor) => sub(1, square(x));

export const tan = (x: TensorLike): Tensor => map('tan', x, Math.tan, (_x, y, dy) => mul(dy, add(1, square(y))));
export const arcsin = (x: TensorLike): Tensor => map('arcsin', x, Math.asin, (t, _y, dy) => div(dy, sqrt(oneMinusSquare(t))));
export const arccos = (x: TensorLike): Tensor => map('arccos', x, Math.acos, (t, _y, dy) => neg(div(dy, sqrt(oneMinusSquare(t)))));
export const arctan = (x: TensorLike): Tensor => map('arctan', x, Math.atan, (t, _y, dy) => div(dy, add(1, square(t))));
export const sinh = (x: TensorLike): Tensor => map('sinh', x, Math.sinh, (t, _y, dy) => mul(dy, cosh(t)));
export const cosh = (x: TensorLike): Tensor => map('cosh', x, Math.cosh, (t, _y, dy) => mul(dy, sinh(t)));
export const arcsinh = (x: TensorLike): Tensor => map('arcsinh', x, Math.asinh, (t, _y, dy) => div(dy, sqrt(add(square(t), 1))));
export const arccosh = (x: TensorLike): Tensor => map('arccosh', x, Math.acosh, (t, _y, dy) => div(dy, sqrt(sub(square(t), 1))));
export const arctanh = (x: TensorLike): Tensor => map('arctanh', x, Math.atanh, (t, _y, dy) => div(dy, oneMinusSquare(t)));
export const log2 = (x: TensorLike): Tensor => map('log2', x, Math.log2, (t, _y, dy) => div(dy, mul(t, Math.LN2)));
export const log10 = (x: TensorLike): Tensor => map('log10', x, Math.log10, (t, _y, dy) => div(dy, mul(t, Math.LN10)));
export const exp2 = (x: TensorLike): Tensor => map('exp2', x, (v) => 2 ** v, (_t, y, dy) => mul(dy, mul(y, Math.LN2)));
/** The real cube root (negative for negative x). */
export const cbrt = (x: TensorLike): Tensor => map('cbrt', x, Math.cbrt, (_t, y, dy) => div(dy, mul(square(y), 3)));
/** Rounds toward zero; piecewise constant, so its gradient is 0. */
export function trunc(x: TensorLike): Tensor {
  const t = toTensor(x, 'trunc');
  if (t.dtype === 'int32') return t;
  return map('trunc', t, Math.trunc, (_t, _y, dy) => mul(dy, 0));
}

/** Values of a binary map over the broadcast of a and b, in float64 per element. */
function binaryMap(name: string, a: TensorLike, b: TensorLike, f: (u: number, v: number) => number): { x: Tensor; y: Tensor; out: Tensor } {
  const x = floatArg(a, name);
  const y = floatArg(b, name);
  const shape = broadcastShapes(x.shape, y.shape, name);
  const out = empty(shape);
  const xv = f32(x);
  const yv = f32(y);
  const ov = f32(out);
  forEachBroadcast(broadcastLayout(shape, [x.shape, y.shape]), (i, [ox, oy]) => {
    ov[i] = f(xv[ox], yv[oy]);
  });
  return { x, y, out };
}

/** The angle of the point (x2, x1) in (-pi, pi], as numpy's arctan2(x1, x2) (x1 is the y coordinate). */
export function arctan2(x1: TensorLike, x2: TensorLike): Tensor {
  const { x: y, y: x, out } = binaryMap('arctan2', x1, x2, Math.atan2);
  return record(out, 'arctan2', [y, x], (dy, needs) => {
    const r2 = add(square(x), square(y));
    return [
      needs[0] ? sumToShape(mul(dy, div(x, r2)), y.shape) : null,
      needs[1] ? sumToShape(neg(mul(dy, div(y, r2))), x.shape) : null,
    ];
  });
}

/**
 * log(exp(a) + exp(b)) without overflow: max(a, b) + log1p(exp(-|a - b|)). Its gradient is the softmax of the pair
 * (sigmoid(a - b) and sigmoid(b - a)), which also shares ties equally, where the composed form would not.
 */
export function logaddexp(a: TensorLike, b: TensorLike): Tensor {
  const { x, y, out } = binaryMap('logaddexp', a, b, (u, v) => {
    if (u === v) return u + Math.LN2; // also keeps logaddexp(-inf, -inf) = -inf rather than NaN
    const m = Math.max(u, v);
    return m + Math.log1p(Math.exp(-Math.abs(u - v)));
  });
  return record(out, 'logaddexp', [x, y], (dy, needs) => {
    const d = sub(x, y);
    return [
      needs[0] ? sumToShape(mul(dy, sigmoid(d)), x.shape) : null,
      needs[1] ? sumToShape(mul(dy, sigmoid(neg(d))), y.shape) : null,
    ];
  });
}

/** int32 0/1 per element, as tensornode's comparisons. */
function predicate(name: string, x: TensorLike, f: (v: number) => boolean): Tensor {
  const t = toTensor(x, name);
  const out = empty(t.shape.slice(), 'int32');
  const s = t.values;
  const d = out.values;
  for (let i = 0; i < s.length; i++) d[i] = f(s[i]) ? 1 : 0;
  return out;
}
export const isinf = (x: TensorLike): Tensor => predicate('isinf', x, (v) => v === Infinity || v === -Infinity);
export const isfinite = (x: TensorLike): Tensor => predicate('isfinite', x, Number.isFinite);

/** The largest finite float32, numpy's default replacement for +inf in a float32 array. */
const float32Max = 3.4028234663852886e38;

/**
 * NaN becomes `nan`, +inf `posinf` and -inf `neginf` (the largest finite float32 and its negative by default, as
 * numpy's nan_to_num for float32). The gradient passes where x was finite.
 */
export function nanToNum(x: TensorLike, nan = 0, posinf: number | null = null, neginf: number | null = null): Tensor {
  for (const [k, v] of [['nan', nan], ['posinf', posinf ?? 0], ['neginf', neginf ?? 0]] as const) {
    if (typeof v !== 'number') throw new Error(`nanToNum: ${k} must be a number, received ${JSON.stringify(v)}`);
  }
  const t = toTensor(x, 'nanToNum');
  if (t.dtype === 'int32') return t;
  const hi = posinf ?? float32Max;
  const lo = neginf ?? -float32Max;
  return map('nanToNum', t, (v) => (v !== v ? nan : v === Infinity ? hi : v === -Infinity ? lo : v), (s, _y, dy) => {
    const g = empty(s.shape.slice());
    const sv = f32(s);
    const dv = f32(dy);
    const gv = f32(g);
    for (let i = 0; i < sv.length; i++) gv[i] = Number.isFinite(sv[i]) ? dv[i] : 0;
    return g;
  });
}

/** |a - b| <= atol + rtol * |b| per element (numpy's isclose, asymmetric in b); NaNs are equal only with equalNan. */
export function isclose(a: TensorLike, b: TensorLike, rtol = 1e-5, atol = 1e-8, equalNan = false): Tensor {
  if (typeof rtol !== 'number' || typeof atol !== 'number') throw new Error(`isclose: rtol and atol must be numbers, received ${JSON.stringify(rtol)} and ${JSON.stringify(atol)}`);
  if (typeof equalNan !== 'boolean') throw new Error(`isclose: equalNan must be true or false, received ${JSON.stringify(equalNan)}`);
  const x = toTensor(a, 'isclose');
  const y = toTensor(b, 'isclose');
  const shape = broadcastShapes(x.shape, y.shape, 'isclose');
  const out = empty(shape, 'int32');
  const xv = x.values;
  const yv = y.values;
  const ov = out.values;
  forEachBroadcast(broadcastLayout(shape, [x.shape, y.shape]), (i, [ox, oy]) => {
    const u = xv[ox];
    const v = yv[oy];
    if (u !== u || v !== v) ov[i] = equalNan && u !== u && v !== v ? 1 : 0;
    else if (u === v) ov[i] = 1; // equal infinities
    else ov[i] = Math.abs(u - v) <= atol + rtol * Math.abs(v) ? 1 : 0;
  });
  return out;
}

export function logicalXor(a: TensorLike, b: TensorLike): Tensor {
  return notEqual(notEqual(toTensor(a, 'logicalXor'), 0), notEqual(toTensor(b, 'logicalXor'), 0));
}

/** Rounds half to even to `decimals` places (numpy's round); decimals 0 is round itself. */
export function roundDecimals(x: TensorLike, decimals: number, round: (t: Tensor) => Tensor): Tensor {
  if (!Number.isInteger(decimals)) throw new Error(`round: decimals must be an integer, received ${JSON.stringify(decimals)}`);
  const t = floatArg(x, 'round');
  if (decimals === 0) return round(t);
  const scale = 10 ** decimals;
  return div(round(mul(t, scale)), scale);
}

// ---------------------------------------------------------------------------------------------------------------
// Reductions

/**
 * numpy's average: sum(x * w) / sum(w) over `axis`. Weights have x's shape, or (with one axis) are 1-D with that
 * axis's length. Differentiable in x and in the weights.
 */
export function average(x: TensorLike, axis: number | null = null, weights: TensorLike | null = null): Tensor {
  const t = floatArg(x, 'average');
  if (weights === null || weights === undefined) return mean(t, axis);
  let w = floatArg(weights, 'average');
  if (!(w.rank === t.rank && w.shape.every((d, i) => d === t.shape[i]))) {
    if (axis === null || axis === undefined || w.rank !== 1) {
      throw new Error(`average: weights of shape ${fmt(w.shape)} must have the shape of x ${fmt(t.shape)}, or be 1-D along the given axis`);
    }
    const a = normalizeAxis(axis, t.rank, 'average');
    if (w.shape[0] !== t.shape[a]) {
      throw new Error(`average: 1-D weights of length ${w.shape[0]} do not match axis ${a} of x's shape ${fmt(t.shape)} (length ${t.shape[a]})`);
    }
    w = reshape(w, t.shape.map((d, i) => (i === a ? d : 1)));
  }
  const axes = axis === null || axis === undefined ? null : axis;
  return div(sum(mul(t, w), axes), sum(broadcastTo(w, t.shape), axes));
}

/** The number of non-zero elements over `axis` (all when omitted), int32. */
export function countNonzero(x: TensorLike, axis: AxisArg = null): Tensor {
  const t = toTensor(x, 'countNonzero');
  normalizeAxes(axis, t.rank, 'countNonzero');
  return sum(notEqual(t, 0), axis);
}

export type QuantileMethod = 'linear' | 'lower' | 'higher' | 'midpoint' | 'nearest';
const quantileMethods: readonly string[] = ['linear', 'lower', 'higher', 'midpoint', 'nearest'];

/**
 * numpy's quantile: the q-th quantiles (q in [0, 1], a number or a 1-D list) of x over `axis` (all axes when
 * omitted), interpolated between the sorted values by `method`. A list of q adds a leading axis, as numpy. A NaN in
 * a group makes its quantiles NaN. Differentiable: the gradient flows through the sort to the picked elements.
 */
export function quantile(x: TensorLike, q: number | number[] | TensorLike, axis: AxisArg = null, method: QuantileMethod = 'linear', keepDims = false, op = 'quantile'): Tensor {
  checkKeepDims(keepDims, op);
  if (!quantileMethods.includes(method)) throw new Error(`${op}: method must be one of ${quantileMethods.join(', ')}, received ${JSON.stringify(method)}`);
  const t = floatArg(x, op);
  const qt = toTensor(q as TensorLike, op);
  if (qt.rank > 1) throw new Error(`${op}: q must be a number or a 1-D list, received shape ${fmt(qt.shape)}`);
  const qs = Array.from(qt.values);
  const scale = op === 'percentile' ? 100 : 1;
  for (const v of qs) {
    if (!(v >= 0 && v <= scale)) throw new Error(`${op}: q must lie in [0, ${scale}], received ${v} (x of shape ${fmt(t.shape)})`);
  }
  const axes = normalizeAxes(axis, t.rank, op);
  const kept = t.shape.filter((_, i) => !axes.includes(i));
  const n = sizeOf(axes.map((a) => t.shape[a]));
  if (n === 0) throw new Error(`${op}: cannot take a quantile over an empty axis (shape ${fmt(t.shape)}, axes ${JSON.stringify(axes)})`);
  // The reduced axes last, flattened into one, then sorted.
  const perm = [...t.shape.map((_, i) => i).filter((i) => !axes.includes(i)), ...axes];
  const grouped = reshape(transpose(t, perm), [...kept, n]);
  const sorted = sort(grouped, -1);
  const lo: number[] = [];
  const hi: number[] = [];
  const frac: number[] = [];
  for (const v of qs) {
    const pos = (v / scale) * (n - 1);
    const f = Math.floor(pos);
    const c = Math.min(f + 1, n - 1);
    const g = pos - f;
    if (method === 'linear') { lo.push(f); hi.push(c); frac.push(g); }
    else if (method === 'lower') { lo.push(f); hi.push(f); frac.push(0); }
    else if (method === 'higher') { const k = Math.ceil(pos); lo.push(k); hi.push(k); frac.push(0); }
    else if (method === 'midpoint') { lo.push(f); hi.push(g === 0 ? f : c); frac.push(0.5); }
    else { const k = roundHalfEven(pos); lo.push(k); hi.push(k); frac.push(0); }
  }
  const last = kept.length;
  const a = gather(sorted, lo, last);
  const b = gather(sorted, hi, last);
  let v = add(a, mul(sub(b, a), frac));
  // A NaN sorts last, where the interpolation might not reach it; numpy's answer for the group is NaN.
  const hasNaN = any(isNaN(grouped), -1, true);
  v = where(hasNaN, NaN, v);
  // The q axis first, as numpy, then the kept axes (with the reduced ones as 1 for keepDims).
  let out = qt.rank === 0 ? reshape(v, kept) : transpose(v, [last, ...kept.map((_, i) => i)]);
  if (keepDims) {
    const full = t.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    out = reshape(out, qt.rank === 0 ? full : [qs.length, ...full]);
  }
  return out;
}

function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  return d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f;
}

/** numpy's median: the 0.5 quantile, the mean of the two middle values for an even count. */
export function median(x: TensorLike, axis: AxisArg = null, keepDims = false): Tensor {
  return quantile(x, 0.5, axis, 'linear', keepDims, 'median');
}

// ---------------------------------------------------------------------------------------------------------------
// Shape and indexing

/** numpy's moveaxis: the listed axes moved to the destination positions, the others keeping their order. */
export function moveaxis(x: TensorLike, source: number | number[], destination: number | number[]): Tensor {
  const t = toTensor(x, 'moveaxis');
  const src = (Array.isArray(source) ? source : [source]).map((a) => normalizeAxis(a, t.rank, 'moveaxis'));
  const dst = (Array.isArray(destination) ? destination : [destination]).map((a) => normalizeAxis(a, t.rank, 'moveaxis'));
  if (src.length !== dst.length) {
    throw new Error(`moveaxis: source ${JSON.stringify(source)} and destination ${JSON.stringify(destination)} must list as many axes (shape ${fmt(t.shape)})`);
  }
  if (new Set(src).size !== src.length || new Set(dst).size !== dst.length) {
    throw new Error(`moveaxis: repeated axis in source ${JSON.stringify(source)} or destination ${JSON.stringify(destination)}`);
  }
  const rest = t.shape.map((_, i) => i).filter((i) => !src.includes(i));
  const perm = new Array<number>(t.rank).fill(-1);
  dst.forEach((d, k) => (perm[d] = src[k]));
  for (let i = 0, r = 0; i < t.rank; i++) if (perm[i] === -1) perm[i] = rest[r++];
  return transpose(t, perm);
}

export function swapaxes(x: TensorLike, axis1: number, axis2: number): Tensor {
  const t = toTensor(x, 'swapaxes');
  const a = normalizeAxis(axis1, t.rank, 'swapaxes');
  const b = normalizeAxis(axis2, t.rank, 'swapaxes');
  const perm = t.shape.map((_, i) => (i === a ? b : i === b ? a : i));
  return transpose(t, perm);
}

/** Gathers x's elements along `axis` by an index list (the differentiable building block of roll, pad and repeat). */
function along(t: Tensor, index: number[], axis: number): Tensor {
  return gather(t, Int32Array.from(index), axis);
}

/**
 * numpy's split: a number n cuts `axis` into n equal parts (an error when it does not divide), a list gives the
 * indices where the parts start (sections past the end are empty, as numpy).
 */
export function splitAt(x: TensorLike, indicesOrSections: number | number[], axis = 0): Tensor[] {
  const t = toTensor(x, 'split');
  if (typeof indicesOrSections === 'number') return split(t, indicesOrSections, axis);
  const a = normalizeAxis(axis, t.rank, 'split');
  const d = t.shape[a];
  if (!Array.isArray(indicesOrSections) || indicesOrSections.some((s) => !Number.isInteger(s))) {
    throw new Error(`split: indicesOrSections must be a positive integer or a list of integer indices, received ${JSON.stringify(indicesOrSections)}`);
  }
  // Unordered indices give overlapping or empty sections, as numpy's (each runs from its index to the next).
  const points = indicesOrSections.map((p) => Math.min(d, Math.max(0, p < 0 ? p + d : p)));
  const bounds = [0, ...points, d];
  const out: Tensor[] = [];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const start = bounds[k];
    const size = Math.max(0, bounds[k + 1] - start);
    out.push(slice(t, t.shape.map((_, i) => (i === a ? Math.min(start, d) : 0)), t.shape.map((e, i) => (i === a ? size : e))));
  }
  return out;
}

/** numpy's tile: reps shorter than x's rank repeat the last axes; longer, x gains leading axes of size 1. */
export function tileNumpy(x: TensorLike, repeats: number | number[], tile: (t: Tensor, reps: number[]) => Tensor): Tensor {
  const t = toTensor(x, 'tile');
  const reps = typeof repeats === 'number' ? [repeats] : repeats;
  if (!Array.isArray(reps) || reps.some((r) => !Number.isInteger(r) || r < 0)) {
    throw new Error(`tile: repeats must be a non-negative integer or a list of them, received ${JSON.stringify(repeats)} (shape ${fmt(t.shape)})`);
  }
  const rank = Math.max(t.rank, reps.length);
  const shape = [...new Array<number>(rank - t.rank).fill(1), ...t.shape];
  const full = [...new Array<number>(rank - reps.length).fill(1), ...reps];
  return tile(reshape(t, shape), full);
}

/**
 * numpy's repeat: each element repeated `repeats` times (a number, or one count per element along the axis) along
 * `axis`, or over the flattened tensor when axis is null. A gather, so repeated copies sum their gradients back.
 */
export function repeatNumpy(x: TensorLike, repeats: number | number[], axis: number | null = null): Tensor {
  let t = toTensor(x, 'repeat');
  if (axis === null || axis === undefined) {
    t = reshape(t, [t.size]);
    axis = 0;
  }
  const a = normalizeAxis(axis, t.rank, 'repeat');
  const n = t.shape[a];
  const counts = typeof repeats === 'number' ? new Array<number>(n).fill(repeats) : repeats;
  if (!Array.isArray(counts) || counts.some((r) => !Number.isInteger(r) || r < 0)) {
    throw new Error(`repeat: repeats must be a non-negative integer or a list of them, received ${JSON.stringify(repeats)}`);
  }
  if (counts.length !== n) {
    throw new Error(`repeat: ${counts.length} repeat counts for axis ${a} of shape ${fmt(t.shape)} (length ${n}); give one per element or a single number`);
  }
  const index: number[] = [];
  counts.forEach((r, i) => { for (let k = 0; k < r; k++) index.push(i); });
  return along(t, index, a);
}

/** numpy's roll: elements shifted along `axis` (over the flattened tensor when null), wrapping around. */
export function roll(x: TensorLike, shift: number | number[], axis: number | number[] | null = null): Tensor {
  const t = toTensor(x, 'roll');
  const shifts = Array.isArray(shift) ? shift : [shift];
  if (shifts.some((s) => !Number.isInteger(s))) throw new Error(`roll: shift must be an integer or a list of them, received ${JSON.stringify(shift)}`);
  if (axis === null || axis === undefined) {
    if (shifts.length !== 1) throw new Error(`roll: without an axis, shift must be one integer, received ${JSON.stringify(shift)}`);
    return reshape(roll(reshape(t, [t.size]), shifts[0], 0), t.shape.slice());
  }
  const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => normalizeAxis(a, t.rank, 'roll'));
  if (shifts.length !== axes.length && shifts.length !== 1) {
    throw new Error(`roll: ${shifts.length} shifts for ${axes.length} axes (shape ${fmt(t.shape)})`);
  }
  // Repeated axes add their shifts, as numpy.
  const total = new Map<number, number>();
  axes.forEach((a, k) => total.set(a, (total.get(a) ?? 0) + shifts[shifts.length === 1 ? 0 : k]));
  let out = t;
  for (const [a, s] of total) {
    const n = t.shape[a];
    if (n === 0) continue;
    out = along(out, Array.from({ length: n }, (_, i) => (((i - s) % n) + n) % n), a);
  }
  return out;
}

export type PadMode = 'constant' | 'reflect' | 'symmetric' | 'edge' | 'wrap';
const padModes: readonly string[] = ['constant', 'reflect', 'symmetric', 'edge', 'wrap'];

/** The source index of each position of an axis of length n padded by [before, after] in `mode` (not constant). */
function padIndex(n: number, before: number, after: number, mode: PadMode): number[] {
  const out: number[] = [];
  for (let i = -before; i < n + after; i++) {
    let j = i;
    if (mode === 'edge') j = Math.min(n - 1, Math.max(0, i));
    else if (mode === 'wrap') j = ((i % n) + n) % n;
    else {
      // reflect mirrors about the edge elements (period 2n - 2); symmetric repeats them (period 2n).
      const period = mode === 'reflect' ? 2 * n - 2 : 2 * n;
      if (period === 0) j = 0;
      else {
        j = ((i % period) + period) % period;
        if (j >= n) j = mode === 'reflect' ? period - j : period - 1 - j;
      }
    }
    out.push(j);
  }
  return out;
}

/**
 * numpy's pad: padWidth is one number (every side), one [before, after] pair (every axis) or one pair per axis.
 * Modes constant (with constantValues), reflect, symmetric, edge and wrap; the others index x, so their gradient
 * sums the copies back.
 */
export function padNumpy(x: TensorLike, padWidth: number | [number, number] | [number, number][], mode: PadMode = 'constant', constantValues = 0): Tensor {
  const t = toTensor(x, 'pad');
  if (!padModes.includes(mode)) throw new Error(`pad: mode must be one of ${padModes.join(', ')}, received ${JSON.stringify(mode)}`);
  let pairs: [number, number][];
  if (typeof padWidth === 'number') pairs = t.shape.map(() => [padWidth, padWidth]);
  else if (Array.isArray(padWidth) && padWidth.length === 2 && padWidth.every((v) => typeof v === 'number')) pairs = t.shape.map(() => padWidth as [number, number]);
  else if (Array.isArray(padWidth) && padWidth.length === 1 && Array.isArray(padWidth[0])) pairs = t.shape.map(() => (padWidth as [number, number][])[0]);
  else pairs = padWidth as [number, number][];
  if (!Array.isArray(pairs) || pairs.length !== t.rank || pairs.some((p) => !Array.isArray(p) || p.length !== 2 || p.some((v) => !Number.isInteger(v) || v < 0))) {
    throw new Error(`pad: padWidth must be a non-negative integer, a pair [before, after] or ${t.rank} pairs for shape ${fmt(t.shape)}, received ${JSON.stringify(padWidth)}`);
  }
  if (mode === 'constant') return constantPad(t, pairs, constantValues);
  let out = t;
  pairs.forEach(([b, e], a) => {
    if (b === 0 && e === 0) return;
    const n = t.shape[a];
    if (n === 0) throw new Error(`pad: cannot pad the empty axis ${a} of shape ${fmt(t.shape)} in mode ${mode}`);
    if (mode === 'reflect' && n === 1) throw new Error(`pad: reflect needs at least 2 elements along axis ${a} (shape ${fmt(t.shape)})`);
    out = along(out, padIndex(n, b, e, mode), a);
  });
  return out;
}

/** Resolves indices against an axis of length n: negative ones count from the end; out of range is an error. */
function indexValues(indices: Tensor, n: number, op: string, shape: readonly number[], axis: number | null): Int32Array {
  const v = indices.values;
  const out = new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const k = v[i];
    if (!Number.isInteger(k) || k < -n || k >= n) {
      throw new Error(`${op}: index ${k} is out of range for ${axis === null ? 'the flattened tensor' : `axis ${axis}`} of shape ${fmt(shape)} (valid: ${-n} to ${n - 1})`);
    }
    out[i] = k < 0 ? k + n : k;
  }
  return out;
}

/** numpy's take: elements along `axis` by index (negative counts from the end), or of the flattened x when null. */
export function take(x: TensorLike, indices: TensorLike, axis: number | null = null): Tensor {
  const t = toTensor(x, 'take');
  const it = toTensor(indices, 'take', 'int32');
  if (axis === null || axis === undefined) {
    const flat = reshape(t, [t.size]);
    return reshape(gather(flat, indexValues(it, t.size, 'take', t.shape, null), 0), it.shape.slice());
  }
  const a = normalizeAxis(axis, t.rank, 'take');
  const idx = indexValues(it, t.shape[a], 'take', t.shape, a);
  const g = gather(t, idx, a);
  return reshape(g, [...t.shape.slice(0, a), ...it.shape, ...t.shape.slice(a + 1)]);
}

/**
 * numpy's take_along_axis: out[..., i, ...] = x[..., indices[..., i, ...], ...] along `axis`, x and indices
 * broadcasting against each other on the other axes (of the flattened x and 1-D indices when axis is null).
 */
export function takeAlongAxis(x: TensorLike, indices: TensorLike, axis: number | null = null): Tensor {
  let t = toTensor(x, 'takeAlongAxis');
  const it = toTensor(indices, 'takeAlongAxis', 'int32');
  if (axis === null || axis === undefined) {
    if (it.rank !== 1) throw new Error(`takeAlongAxis: without an axis, indices must be 1-D, received shape ${fmt(it.shape)}`);
    t = reshape(t, [t.size]);
    axis = 0;
  }
  if (it.rank !== t.rank) {
    throw new Error(`takeAlongAxis: indices (shape ${fmt(it.shape)}) must have the rank of x (shape ${fmt(t.shape)})`);
  }
  const a = normalizeAxis(axis, t.rank, 'takeAlongAxis');
  const n = t.shape[a];
  const xOther = t.shape.map((d, i) => (i === a ? 1 : d));
  const iOther = it.shape.map((d, i) => (i === a ? 1 : d));
  let outShape: number[];
  try {
    outShape = broadcastShapes(xOther, iOther, 'takeAlongAxis');
  } catch {
    throw new Error(`takeAlongAxis: the shapes of x ${fmt(t.shape)} and indices ${fmt(it.shape)} do not broadcast outside axis ${a}`);
  }
  outShape[a] = it.shape[a];
  const idx = indexValues(it, n, 'takeAlongAxis', t.shape, a);
  // The flat position in x of every output element, then one gather of the flattened x.
  const flatIndex = new Int32Array(sizeOf(outShape));
  const xStrides = t.shape.map((_, i) => sizeOf(t.shape.slice(i + 1)));
  const xs = xStrides.map((s, i) => (i === a ? 0 : t.shape[i] === 1 ? 0 : s));
  const is = it.shape.map((_, i) => (it.shape[i] === 1 && outShape[i] !== 1 ? 0 : sizeOf(it.shape.slice(i + 1))));
  forEachBroadcast({ shape: outShape, strides: [xs, is] }, (o, [ox, oi]) => {
    flatIndex[o] = ox + idx[oi] * xStrides[a];
  });
  return reshape(gather(reshape(t, [t.size]), flatIndex, 0), outShape);
}

/** Keras's slice_update: x with the box at `startIndices` replaced by `updates`. Gradients to both. */
export function sliceUpdate(x: TensorLike, startIndices: number[], updates: TensorLike): Tensor {
  const t = floatArg(x, 'sliceUpdate');
  const u = floatArg(updates, 'sliceUpdate');
  if (!Array.isArray(startIndices) || startIndices.length !== t.rank || u.rank !== t.rank ||
      startIndices.some((s, i) => !Number.isInteger(s) || s < 0 || s + u.shape[i] > t.shape[i])) {
    throw new Error(`sliceUpdate: updates of shape ${fmt(u.shape)} at ${JSON.stringify(startIndices)} do not fit inside x of shape ${fmt(t.shape)}`);
  }
  const pads = t.shape.map((d, i) => [startIndices[i], d - startIndices[i] - u.shape[i]] as [number, number]);
  const inside = constantPad(fill(u.shape, 1, 'int32'), pads, 0);
  return add(where(inside, 0, t), constantPad(u, pads, 0));
}

/** Row-major linear positions of `indices` [..., k] into the first k axes of `shape`, checked. */
function scatterRows(indices: Tensor, shape: readonly number[], op: string): { rows: Int32Array; k: number } {
  if (indices.rank < 1) throw new Error(`${op}: indices must have rank at least 1 ([..., k] index tuples), received a scalar`);
  const k = indices.shape[indices.rank - 1];
  if (k < 1 || k > shape.length) throw new Error(`${op}: index tuples of length ${k} (indices of shape ${fmt(indices.shape)}) do not fit shape ${fmt(shape)}`);
  const n = indices.size / k;
  const rows = new Int32Array(n);
  const v = indices.values;
  for (let r = 0; r < n; r++) {
    let lin = 0;
    for (let j = 0; j < k; j++) {
      const i = v[r * k + j];
      if (!Number.isInteger(i) || i < 0 || i >= shape[j]) {
        throw new Error(`${op}: index ${JSON.stringify(Array.from(v.subarray(r * k, r * k + k)))} is out of range for shape ${fmt(shape)}`);
      }
      lin = lin * shape[j] + i;
    }
    rows[r] = lin;
  }
  return { rows, k };
}

function checkUpdates(u: Tensor, indices: Tensor, shape: readonly number[], k: number, op: string, what: string): void {
  const want = [...indices.shape.slice(0, -1), ...shape.slice(k)];
  if (u.rank !== want.length || u.shape.some((d, i) => d !== want[i])) {
    throw new Error(`${op}: ${what} must have shape ${fmt(want)} for indices of shape ${fmt(indices.shape)} into shape ${fmt(shape)}, received ${fmt(u.shape)}`);
  }
}

/** Keras's scatter: zeros of `shape` with `values` added at the index tuples (repeated indices add up). */
export function scatter(indices: TensorLike, values: TensorLike, shape: number[]): Tensor {
  return scatterAdd(indices, values, shape, 'scatter');
}

/** @internal scatter under the name of the op called (TF.js's scatterND), for its errors. */
export function scatterAdd(indices: TensorLike, values: TensorLike, shape: number[], op: string): Tensor {
  const it = toTensor(indices, op, 'int32');
  const v = floatArg(values, op);
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`${op}: shape must be a list of non-negative integers, received ${JSON.stringify(shape)}`);
  const { rows, k } = scatterRows(it, shape, op);
  checkUpdates(v, it, shape, k, op, op === 'scatter' ? 'values' : 'updates');
  const inner = sizeOf(shape.slice(k));
  const summed = unsortedSegmentSum(reshape(v, [rows.length, inner]), rows, sizeOf(shape.slice(0, k)));
  return reshape(summed, shape.slice());
}

/**
 * @internal TF.js's gatherND: the slices of x at the index tuples of `indices` [..., k], shape indices.shape[:-1] +
 * x.shape[k:]; one row gather over x seen as [x.shape[:k] flattened, ...x.shape[k:]], so the gradient is gather's.
 */
export function gatherRowsND(x: TensorLike, indices: TensorLike, op: string): Tensor {
  const t = toTensor(x, op);
  const it = toTensor(indices, op, 'int32');
  const { rows, k } = scatterRows(it, t.shape, op);
  const rest = t.shape.slice(k);
  const picked = gather(reshape(t, [sizeOf(t.shape.slice(0, k)), ...rest]), rows, 0);
  return reshape(picked, [...it.shape.slice(0, -1), ...rest]);
}

/**
 * Keras's scatter_update: x with the slices at the index tuples replaced by `updates` (a repeated index keeps its
 * last update). The gradient reaches x where nothing was written and each update where it was kept.
 */
export function scatterUpdate(x: TensorLike, indices: TensorLike, updates: TensorLike): Tensor {
  return replaceRows(x, indices, updates, 'scatterUpdate');
}

/** @internal scatterUpdate under the name of the op called (TF.js's tensorScatterUpdate), for its errors. */
export function replaceRows(x: TensorLike, indices: TensorLike, updates: TensorLike, op: string): Tensor {
  const t = floatArg(x, op);
  const it = toTensor(indices, op, 'int32');
  const u = floatArg(updates, op);
  const { rows, k } = scatterRows(it, t.shape, op);
  checkUpdates(u, it, t.shape, k, op, 'updates');
  const inner = sizeOf(t.shape.slice(k));
  const winner = new Map<number, number>();
  rows.forEach((r, i) => winner.set(r, i));
  const out = t.clone();
  const ov = f32(out);
  const uv = f32(u);
  for (const [r, i] of winner) ov.set(uv.subarray(i * inner, (i + 1) * inner), r * inner);
  return record(out, 'scatterUpdate', [t, u], (dy, needs) => {
    const dv = f32(dy);
    let gx: Tensor | null = null;
    let gu: Tensor | null = null;
    if (needs[0]) {
      gx = dy.clone();
      const gv = f32(gx);
      for (const r of winner.keys()) gv.fill(0, r * inner, (r + 1) * inner);
    }
    if (needs[1]) {
      gu = empty(u.shape.slice(), 'float32', true);
      const gv = f32(gu);
      for (const [r, i] of winner) gv.set(dv.subarray(r * inner, (r + 1) * inner), i * inner);
    }
    return [gx, gu];
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Creation

/** Ones on the k-th diagonal of an n x m matrix (numpy's eye with k). */
export function eyeK(n: number, m: number | null = null, k = 0, dtype: 'float32' | 'int32' = 'float32'): Tensor {
  const cols = m ?? n;
  for (const [name, v] of [['N', n], ['M', cols], ['k', k]] as const) {
    if (!Number.isInteger(v) || (name !== 'k' && v < 0)) throw new Error(`eye: ${name} must be ${name === 'k' ? 'an integer' : 'a non-negative integer'}, received ${JSON.stringify(v)}`);
  }
  const out = empty([n, cols], dtype, true);
  for (let i = 0; i < n; i++) if (i + k >= 0 && i + k < cols) out.values[i * cols + i + k] = 1;
  return out;
}

/** numpy's tri: ones at and below the k-th diagonal of an n x m matrix. */
export function tri(n: number, m: number | null = null, k = 0, dtype: 'float32' | 'int32' = 'float32'): Tensor {
  const cols = m ?? n;
  for (const [name, v] of [['N', n], ['M', cols], ['k', k]] as const) {
    if (!Number.isInteger(v) || (name !== 'k' && v < 0)) throw new Error(`tri: ${name} must be ${name === 'k' ? 'an integer' : 'a non-negative integer'}, received ${JSON.stringify(v)}`);
  }
  const out = empty([n, cols], dtype, true);
  for (let i = 0; i < n; i++) for (let j = 0; j < cols && j <= i + k; j++) out.values[i * cols + j] = 1;
  return out;
}

function triangle(x: TensorLike, k: number, lower: boolean): Tensor {
  const op = lower ? 'tril' : 'triu';
  const t = toTensor(x, op);
  if (!Number.isInteger(k)) throw new Error(`${op}: k must be an integer, received ${JSON.stringify(k)}`);
  if (t.rank < 2) throw new Error(`${op}: needs a tensor of rank at least 2 (matrices in the last two axes), received shape ${fmt(t.shape)}`);
  const [n, m] = t.shape.slice(-2);
  // triu keeps what tri(k - 1) drops; where rather than a product, so inf and NaN outside become 0 as numpy's.
  const mask = tri(n, m, lower ? k : k - 1, 'int32');
  return lower ? where(mask, t, 0) : where(mask, 0, t);
}
export const tril = (x: TensorLike, k = 0): Tensor => triangle(x, k, true);
export const triu = (x: TensorLike, k = 0): Tensor => triangle(x, k, false);

/**
 * numpy's meshgrid: coordinate grids from 1-D tensors; 'xy' (Cartesian, the default) swaps the first two output
 * axes, 'ij' (matrix) does not. Broadcasts, so gradients sum back to each vector.
 */
export function meshgrid(xs: TensorLike[], indexing: 'xy' | 'ij' = 'xy'): Tensor[] {
  if (indexing !== 'xy' && indexing !== 'ij') throw new Error(`meshgrid: indexing must be 'xy' or 'ij', received ${JSON.stringify(indexing)}`);
  const ts = xs.map((x) => toTensor(x, 'meshgrid'));
  const bad = ts.find((t) => t.rank !== 1);
  if (bad) throw new Error(`meshgrid: every input must be 1-D, received shapes ${ts.map((t) => fmt(t.shape)).join(', ')}`);
  const lengths = ts.map((t) => t.shape[0]);
  const swap = indexing === 'xy' && ts.length >= 2;
  const order = lengths.map((_, i) => i);
  if (swap) [order[0], order[1]] = [order[1], order[0]];
  const shape = order.map((i) => lengths[i]);
  return ts.map((t, i) => {
    const at = order.indexOf(i);
    return broadcastTo(reshape(t, shape.map((d, j) => (j === at ? d : 1))), shape);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Linear algebra

/** numpy's tensordot: the sum of products over axes (a count n: a's last n with b's first n; or two axis lists). */
export function tensordot(a: TensorLike, b: TensorLike, axes: number | [number | number[], number | number[]] = 2): Tensor {
  const x = floatArg(a, 'tensordot');
  const y = floatArg(b, 'tensordot');
  let ax: number[];
  let bx: number[];
  if (typeof axes === 'number') {
    if (!Number.isInteger(axes) || axes < 0 || axes > x.rank || axes > y.rank) {
      throw new Error(`tensordot: axes=${axes} does not fit shapes ${fmt(x.shape)} and ${fmt(y.shape)}`);
    }
    ax = Array.from({ length: axes }, (_, i) => x.rank - axes + i);
    bx = Array.from({ length: axes }, (_, i) => i);
  } else {
    if (!Array.isArray(axes) || axes.length !== 2) throw new Error(`tensordot: axes must be a number or two axis lists, received ${JSON.stringify(axes)}`);
    const la = Array.isArray(axes[0]) ? axes[0] : [axes[0]];
    const lb = Array.isArray(axes[1]) ? axes[1] : [axes[1]];
    if (la.length !== lb.length) throw new Error(`tensordot: axis lists ${JSON.stringify(axes)} must have the same length`);
    ax = la.map((v) => normalizeAxis(v, x.rank, 'tensordot'));
    bx = lb.map((v) => normalizeAxis(v, y.rank, 'tensordot'));
  }
  ax.forEach((p, i) => {
    if (x.shape[p] !== y.shape[bx[i]]) {
      throw new Error(`tensordot: axis ${p} of shape ${fmt(x.shape)} (${x.shape[p]}) does not match axis ${bx[i]} of shape ${fmt(y.shape)} (${y.shape[bx[i]]})`);
    }
  });
  const freeA = x.shape.map((_, i) => i).filter((i) => !ax.includes(i));
  const freeB = y.shape.map((_, i) => i).filter((i) => !bx.includes(i));
  const k = sizeOf(ax.map((i) => x.shape[i]));
  const ma = reshape(transpose(x, [...freeA, ...ax]), [sizeOf(freeA.map((i) => x.shape[i])), k]);
  const mb = reshape(transpose(y, [...bx, ...freeB]), [k, sizeOf(freeB.map((i) => y.shape[i]))]);
  return reshape(matMul(ma, mb), [...freeA.map((i) => x.shape[i]), ...freeB.map((i) => y.shape[i])]);
}

/**
 * numpy's dot: products of scalars, the inner product of vectors, and for N-D operands the sum over a's last axis
 * and b's second-to-last (its only axis when b is 1-D).
 */
export function dotNumpy(a: TensorLike, b: TensorLike): Tensor {
  const x = floatArg(a, 'dot');
  const y = floatArg(b, 'dot');
  if (x.rank === 0 || y.rank === 0) return mul(x, y);
  const bAxis = y.rank === 1 ? 0 : y.rank - 2;
  if (x.shape[x.rank - 1] !== y.shape[bAxis]) {
    throw new Error(`dot: the last axis of shape ${fmt(x.shape)} (${x.shape[x.rank - 1]}) does not match axis ${bAxis} of shape ${fmt(y.shape)} (${y.shape[bAxis]})`);
  }
  return tensordot(x, y, [[x.rank - 1], [bAxis]]);
}

/** numpy's inner: the sum over the last axes of both. */
export function inner(a: TensorLike, b: TensorLike): Tensor {
  const x = floatArg(a, 'inner');
  const y = floatArg(b, 'inner');
  if (x.rank === 0 || y.rank === 0) return mul(x, y);
  if (x.shape[x.rank - 1] !== y.shape[y.rank - 1]) throw new Error(`inner: the last axes of shapes ${fmt(x.shape)} and ${fmt(y.shape)} differ`);
  return tensordot(x, y, [[x.rank - 1], [y.rank - 1]]);
}

/** numpy's outer: every product of the flattened a and b, as a [a.size, b.size] matrix. */
export function outer(a: TensorLike, b: TensorLike): Tensor {
  const x = floatArg(a, 'outer');
  const y = floatArg(b, 'outer');
  return matMul(reshape(x, [x.size, 1]), reshape(y, [1, y.size]));
}

/** numpy's vdot: the inner product of the flattened a and b. */
export function vdot(a: TensorLike, b: TensorLike): Tensor {
  const x = floatArg(a, 'vdot');
  const y = floatArg(b, 'vdot');
  if (x.size !== y.size) throw new Error(`vdot: operands must have the same number of elements, received shapes ${fmt(x.shape)} and ${fmt(y.shape)}`);
  return sum(mul(reshape(x, [x.size]), reshape(y, [y.size])));
}

/**
 * numpy's diagonal: the `offset` diagonal of the matrices in axes axis1 and axis2, which are removed; the diagonal
 * becomes the last axis. A gather, so its gradient lands on the diagonal.
 */
export function diagonal(x: TensorLike, offset = 0, axis1 = 0, axis2 = 1): Tensor {
  const t = toTensor(x, 'diagonal');
  if (t.rank < 2) throw new Error(`diagonal: needs a tensor of rank at least 2, received shape ${fmt(t.shape)}`);
  if (!Number.isInteger(offset)) throw new Error(`diagonal: offset must be an integer, received ${JSON.stringify(offset)}`);
  const a = normalizeAxis(axis1, t.rank, 'diagonal');
  const b = normalizeAxis(axis2, t.rank, 'diagonal');
  if (a === b) throw new Error(`diagonal: axis1 and axis2 must differ, received ${axis1} and ${axis2} for shape ${fmt(t.shape)}`);
  const rest = t.shape.map((_, i) => i).filter((i) => i !== a && i !== b);
  const n = t.shape[a];
  const m = t.shape[b];
  const flat = reshape(transpose(t, [...rest, a, b]), [...rest.map((i) => t.shape[i]), n * m]);
  const index: number[] = [];
  for (let i = Math.max(0, -offset); i < n && i + offset < m; i++) index.push(i * m + i + offset);
  return along(flat, index, rest.length);
}

/** numpy's trace: the sum of the `offset` diagonal over axes axis1 and axis2. */
export function trace(x: TensorLike, offset = 0, axis1 = 0, axis2 = 1): Tensor {
  const d = diagonal(x, offset, axis1, axis2);
  return sum(d, -1);
}

/** numpy's diag: of a 1-D x, the matrix with x on its k-th diagonal; of a 2-D x, its k-th diagonal. */
export function diag(x: TensorLike, k = 0): Tensor {
  const t = toTensor(x, 'diag');
  if (!Number.isInteger(k)) throw new Error(`diag: k must be an integer, received ${JSON.stringify(k)}`);
  if (t.rank === 2) return diagonal(t, k, 0, 1);
  if (t.rank !== 1) throw new Error(`diag: needs a 1-D or 2-D tensor, received shape ${fmt(t.shape)}`);
  const n = t.shape[0] + Math.abs(k);
  const positions = Array.from({ length: t.shape[0] }, (_, i) => (k >= 0 ? i * n + i + k : (i - k) * n + i));
  return reshape(unsortedSegmentSum(floatArg(t, 'diag'), positions, n * n), [n, n]);
}

/**
 * numpy's (and Keras's) norm. With no axis: the 2-norm of the flattened x (ord null), or a vector or matrix norm of
 * a 1-D or 2-D x. Vector ords: null/2, any positive number p (sum |x|^p)^(1/p), 0 (count of non-zeros), inf, -inf.
 * Matrix ords: null/'fro', 1, -1 (column sums), inf, -inf (row sums); 2, -2 and 'nuc' need singular values, which
 * tensornode does not compute, and are an error.
 */
export function normNumpy(x: TensorLike, ord: number | 'fro' | 'nuc' | null = null, axis: number | number[] | null = null, keepDims = false): Tensor {
  const t = floatArg(x, 'norm');
  checkKeepDims(keepDims, 'norm');
  let axes: number[];
  if (axis === null || axis === undefined) {
    if (ord === null) {
      const r = sqrt(sum(square(t)));
      return keepDims ? reshape(r, t.shape.map(() => 1)) : r;
    }
    if (t.rank !== 1 && t.rank !== 2) throw new Error(`norm: with ord ${String(ord)} and no axis, x must be 1-D or 2-D, received shape ${fmt(t.shape)}`);
    axes = t.shape.map((_, i) => i);
  } else {
    const list = Array.isArray(axis) ? axis : [axis];
    if (list.length < 1 || list.length > 2) throw new Error(`norm: axis must be one axis or two, received ${JSON.stringify(axis)} for shape ${fmt(t.shape)}`);
    axes = list.map((a) => normalizeAxis(a, t.rank, 'norm'));
    if (axes.length === 2 && axes[0] === axes[1]) throw new Error(`norm: the two axes of a matrix norm must differ, received ${JSON.stringify(axis)}`);
  }
  const keep = (r: Tensor) => (keepDims ? r : reshape(r, t.shape.filter((_, i) => !axes.includes(i))));
  if (axes.length === 1) {
    const a = axes[0];
    if (ord === null || ord === 2) return keep(sqrt(sum(square(t), a, true)));
    if (ord === Infinity) return keep(max(abs(t), a, true));
    if (ord === -Infinity) return keep(min(abs(t), a, true));
    if (ord === 0) return keep(sum(cast(notEqual(t, 0), 'float32'), a, true));
    if (ord === 1) return keep(sum(abs(t), a, true));
    if (typeof ord === 'number' && Number.isFinite(ord)) return keep(pow(sum(pow(abs(t), ord), a, true), 1 / ord));
    throw new Error(`norm: invalid ord ${JSON.stringify(ord)} for a vector norm of shape ${fmt(t.shape)}`);
  }
  const [r, c] = axes;
  if (ord === null || ord === 'fro') return keep(sqrt(sum(square(t), axes, true)));
  if (ord === 1) return keep(max(sum(abs(t), r, true), c, true));
  if (ord === -1) return keep(min(sum(abs(t), r, true), c, true));
  if (ord === Infinity) return keep(max(sum(abs(t), c, true), r, true));
  if (ord === -Infinity) return keep(min(sum(abs(t), c, true), r, true));
  throw new Error(`norm: ord ${JSON.stringify(ord)} for a matrix norm needs singular values, which tensornode does not compute; use 'fro', 1, -1, Infinity or -Infinity (shape ${fmt(t.shape)})`);
}

// ---------------------------------------------------------------------------------------------------------------
// nn

/** log(sigmoid(x)) = -softplus(-x), stable for large |x|; gradient sigmoid(-x). */
export function logSigmoid(x: TensorLike): Tensor {
  const t = floatArg(x, 'logSigmoid');
  const out = empty(t.shape.slice());
  const s = f32(t);
  const d = f32(out);
  for (let i = 0; i < s.length; i++) d[i] = -softplus64(-s[i]);
  return record(out, 'logSigmoid', [t], (dy) => [mul(dy, sigmoid(neg(t)))]);
}

function softplus64(v: number): number {
  return v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v));
}

/**
 * Keras's binary_crossentropy op: elementwise (not averaged). From logits, max(x, 0) - x z + log1p(exp(-|x|)) with
 * gradient sigmoid(x) - z in x; from probabilities, clipped to [eps, 1 - eps] first (eps = 1e-7, Keras's epsilon).
 */
export function binaryCrossentropy(target: TensorLike, output: TensorLike, fromLogits = false): Tensor {
  if (typeof fromLogits !== 'boolean') throw new Error(`binaryCrossentropy: fromLogits must be true or false, received ${JSON.stringify(fromLogits)}`);
  const z = floatArg(target, 'binaryCrossentropy');
  const o = floatArg(output, 'binaryCrossentropy');
  broadcastShapes(z.shape, o.shape, 'binaryCrossentropy');
  if (!fromLogits) {
    const p = clip(o, 1e-7, 1 - 1e-7);
    return neg(add(mul(z, log(p)), mul(sub(1, z), log(sub(1, p)))));
  }
  const { x: zz, y: xx, out } = binaryMap('binaryCrossentropy', z, o, (t, v) => Math.max(v, 0) - v * t + Math.log1p(Math.exp(-Math.abs(v))));
  return record(out, 'binaryCrossentropy', [zz, xx], (dy, needs) => [
    needs[0] ? sumToShape(neg(mul(dy, xx)), zz.shape) : null,
    needs[1] ? sumToShape(mul(dy, sub(sigmoid(xx), zz)), xx.shape) : null,
  ]);
}

function clip(x: Tensor, lo: number, hi: number): Tensor {
  return minimum(maximum(x, lo), hi);
}

/**
 * Keras's categorical_crossentropy op: -sum(target * log(p)) over `axis`, p = softmax(output) from logits, else the
 * output divided by its sum over the axis and clipped to [eps, 1 - eps].
 */
export function categoricalCrossentropy(target: TensorLike, output: TensorLike, fromLogits = false, axis = -1, logSoftmax?: (t: Tensor, axis: number) => Tensor): Tensor {
  const op = 'categoricalCrossentropy';
  if (typeof fromLogits !== 'boolean') throw new Error(`${op}: fromLogits must be true or false, received ${JSON.stringify(fromLogits)}`);
  const z = floatArg(target, op);
  const o = floatArg(output, op);
  if (z.rank !== o.rank || z.shape.some((d, i) => d !== o.shape[i])) {
    throw new Error(`${op}: target and output must have the same shape, received ${fmt(z.shape)} and ${fmt(o.shape)}`);
  }
  if (o.rank < 1) throw new Error(`${op}: output must have rank at least 1, received a scalar`);
  const a = normalizeAxis(axis, o.rank, op);
  const logP = fromLogits ? logSoftmax!(o, a) : log(clip(div(o, sum(o, a, true)), 1e-7, 1 - 1e-7));
  return neg(sum(mul(z, logP), a));
}

/** Keras's sparse_categorical_crossentropy op: categoricalCrossentropy of the one-hot integer targets. */
export function sparseCategoricalCrossentropy(target: TensorLike, output: TensorLike, fromLogits = false, axis = -1, logSoftmax?: (t: Tensor, axis: number) => Tensor): Tensor {
  const op = 'sparseCategoricalCrossentropy';
  const o = floatArg(output, op);
  let z = toTensor(target, op, 'int32');
  if (o.rank < 1) throw new Error(`${op}: output must have rank at least 1, received a scalar`);
  const a = normalizeAxis(axis, o.rank, op);
  // Labels with a trailing axis of 1 ([batch, 1]) are taken as [batch], as Keras does.
  if (z.rank === o.rank && z.shape[z.rank - 1] === 1) z = reshape(z, z.shape.slice(0, -1));
  const want = o.shape.filter((_, i) => i !== a);
  if (z.rank !== want.length || z.shape.some((d, i) => d !== want[i])) {
    throw new Error(`${op}: target of shape ${fmt(z.shape)} must have the output's shape ${fmt(o.shape)} without axis ${a}, ${fmt(want)}`);
  }
  const n = o.shape[a];
  const v = z.values;
  for (let i = 0; i < v.length; i++) {
    if (!Number.isInteger(v[i]) || v[i] < 0 || v[i] >= n) throw new Error(`${op}: label ${v[i]} is out of range for ${n} classes (output shape ${fmt(o.shape)})`);
  }
  const hot = moveaxisTo(oneHotOf(z, n), a);
  return categoricalCrossentropy(hot, o, fromLogits, a, logSoftmax);
}

function oneHotOf(z: Tensor, n: number): Tensor {
  const out = empty([...z.shape, n], 'float32', true);
  const v = z.values;
  for (let i = 0; i < v.length; i++) out.values[i * n + v[i]] = 1;
  return out;
}

function moveaxisTo(t: Tensor, a: number): Tensor {
  return a === t.rank - 1 ? t : moveaxis(t, -1, a);
}

/** Keras's normalize: x / max(norm(x), eps) over `axis` (x * min(rsqrt(sum x^2), 1/eps) for order 2, as Keras). */
export function normalize(x: TensorLike, axis: number | number[] = -1, order = 2, epsilon = 1e-7): Tensor {
  let t = floatArg(x, 'normalize');
  if (t.rank === 0) t = reshape(t, [1]);
  if (order === 2) return mul(t, minimum(div(1, sqrt(sum(square(t), axis, true))), 1 / epsilon));
  return div(t, maximum(normNumpy(t, order, axis, true), epsilon));
}

// ---------------------------------------------------------------------------------------------------------------
// More of numpy

/** numpy's select: per element, the choice of the first true condition, else `defaultValue`. */
export function select(condlist: TensorLike[], choicelist: TensorLike[], defaultValue: number | TensorLike = 0): Tensor {
  if (!Array.isArray(condlist) || !Array.isArray(choicelist) || condlist.length !== choicelist.length || condlist.length === 0) {
    throw new Error(`select: condlist and choicelist must be non-empty lists of the same length, received ${Array.isArray(condlist) ? condlist.length : typeof condlist} and ${Array.isArray(choicelist) ? choicelist.length : typeof choicelist}`);
  }
  // From the last condition to the first, so that the first true one is applied last and wins.
  let out = floatArg(defaultValue, 'select');
  for (let i = condlist.length - 1; i >= 0; i--) out = where(toTensor(condlist[i], 'select'), floatArg(choicelist[i], 'select'), out);
  return out;
}

/**
 * numpy's cross: the cross product of 3-vectors (or 2-vectors, taken with z = 0; two 2-vectors give the z
 * component alone) along axisa of x1 and axisb of x2, the result's vectors along axisc (`axis` sets all three).
 */
export function cross(x1: TensorLike, x2: TensorLike, axisa = -1, axisb = -1, axisc = -1, axis: number | null = null): Tensor {
  if (axis !== null && axis !== undefined) axisa = axisb = axisc = axis;
  const a = floatArg(x1, 'cross');
  const b = floatArg(x2, 'cross');
  if (a.rank === 0 || b.rank === 0) throw new Error(`cross: operands must be vectors or stacks of them, received shapes ${fmt(a.shape)} and ${fmt(b.shape)}`);
  const u = moveaxis(a, axisa, -1);
  const v = moveaxis(b, axisb, -1);
  const du = u.shape[u.rank - 1];
  const dv = v.shape[v.rank - 1];
  if ((du !== 2 && du !== 3) || (dv !== 2 && dv !== 3)) {
    throw new Error(`cross: vectors must have 2 or 3 components, received ${du} (shape ${fmt(a.shape)}, axisa ${axisa}) and ${dv} (shape ${fmt(b.shape)}, axisb ${axisb})`);
  }
  const parts = (t: Tensor, d: number): [Tensor, Tensor, Tensor | null] => {
    const ps = split(t, d, -1);
    return [ps[0], ps[1], d === 3 ? ps[2] : null];
  };
  const [a0, a1, a2] = parts(u, du);
  const [b0, b1, b2] = parts(v, dv);
  const z = sub(mul(a0, b1), mul(a1, b0));
  if (du === 2 && dv === 2) return reshape(z, z.shape.slice(0, -1));
  const term = (p: Tensor | null, q: Tensor | null) => (p && q ? mul(p, q) : null);
  const minus = (p: Tensor | null, q: Tensor | null) => (p && q ? sub(p, q) : p ?? neg(q!));
  const x = minus(term(a1, b2), term(a2, b1));
  const y = minus(term(a2, b0), term(a0, b2));
  const c = concatAll([x, y, z]);
  return moveaxis(c, -1, axisc);
}

function concatAll(ts: Tensor[]): Tensor {
  const shape = broadcastShapes(broadcastShapes(ts[0].shape, ts[1].shape, 'cross'), ts[2].shape, 'cross');
  return concat(ts.map((t) => broadcastTo(t, shape)), -1);
}

/**
 * numpy's searchsorted: for each value, the index where it would be inserted into the 1-D ascending `sortedSequence`
 * to keep it sorted, before equal elements ('left') or after them ('right'). int32; not differentiable.
 */
export function searchsorted(sortedSequence: TensorLike, values: TensorLike, side: 'left' | 'right' = 'left', op = 'searchsorted'): Tensor {
  if (side !== 'left' && side !== 'right') throw new Error(`${op}: side must be 'left' or 'right', received ${JSON.stringify(side)}`);
  const seq = toTensor(sortedSequence, op);
  if (seq.rank !== 1) throw new Error(`${op}: the sorted sequence must be 1-D, received shape ${fmt(seq.shape)}`);
  const sv = seq.values;
  for (let i = 1; i < sv.length; i++) {
    if (!(sv[i - 1] <= sv[i])) throw new Error(`${op}: the sequence must be sorted in ascending order (element ${i - 1} is ${sv[i - 1]}, element ${i} is ${sv[i]})`);
  }
  const v = toTensor(values, op);
  const out = empty(v.shape.slice(), 'int32');
  const vv = v.values;
  for (let i = 0; i < vv.length; i++) {
    let lo = 0;
    let hi = sv.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (side === 'left' ? sv[mid] < vv[i] : sv[mid] <= vv[i]) lo = mid + 1;
      else hi = mid;
    }
    out.values[i] = lo;
  }
  return out;
}

/** numpy's digitize for ascending bins: i with bins[i - 1] <= x < bins[i] (0 below the first, bins.length past the last). */
export function digitize(x: TensorLike, bins: TensorLike): Tensor {
  return searchsorted(bins, x, 'right', 'digitize');
}
