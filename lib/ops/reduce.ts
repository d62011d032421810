// Reductions over axes, arg-reductions, softmax and logSoftmax.
import { record } from '../autograd/tape.js';
import { native, ReduceOp } from '../native.js';
import { fmt, normalizeAxes, normalizeAxis, sizeOf } from '../shape-util.js';
import { empty, Tensor, type TensorLike } from '../tensor.js';
import { broadcastTo } from './broadcast.js';
import { equal, greater, mul, div, exp, notEqual, sqrt, square, sub, cast } from './elementwise.js';
import { reshape, transpose } from './shape.js';
import { f32, floatArg, layoutForReduce, reducePlan, toTensor, type ReducePlan } from './util.js';

type AxisArg = number | number[] | null | undefined;

function reduceInt(op: ReduceOp, x: Int32Array, p: ReducePlan, out: Int32Array): void {
  for (let o = 0; o < p.outer; o++) {
    for (let i = 0; i < p.inner; i++) {
      let acc = op === ReduceOp.max ? -2147483648 : op === ReduceOp.min ? 2147483647 : op === ReduceOp.prod ? 1 : 0;
      for (let k = 0; k < p.n; k++) {
        const v = x[(o * p.n + k) * p.inner + i];
        if (op === ReduceOp.max) acc = v > acc ? v : acc;
        else if (op === ReduceOp.min) acc = v < acc ? v : acc;
        else if (op === ReduceOp.prod) acc = Math.imul(acc, v);
        else acc = (acc + v) | 0;
      }
      out[o * p.inner + i] = acc;
    }
  }
}

/** Runs one native reduction; no gradient. */
/** keepDims is a flag: a string or a number there is a mistaken call (an argument in the wrong place), not a truthy value. */
export function checkKeepDims(keepDims: unknown, op: string): void {
  if (typeof keepDims !== 'boolean') throw new Error(`${op}: keepDims must be true or false, received ${JSON.stringify(keepDims)}`);
}

function reduceRaw(op: ReduceOp, t: Tensor, axes: number[], keepDims: boolean): Tensor {
  const p = reducePlan(t.shape, axes, keepDims);
  const src = layoutForReduce(t, p);
  if (t.dtype === 'int32' && (op === ReduceOp.sum || op === ReduceOp.max || op === ReduceOp.min || op === ReduceOp.prod)) {
    const out = empty(p.outShape, 'int32');
    reduceInt(op, src.values as Int32Array, p, out.values as Int32Array);
    return out;
  }
  const xf = src.dtype === 'float32' ? src : cast(src, 'float32');
  const out = empty(p.outShape);
  native.reduce(op, f32(xf), p.outer, p.n, p.inner, f32(out));
  return out;
}

function reduction(op: ReduceOp, name: string, x: TensorLike, axis: AxisArg, keepDims: boolean): Tensor {
  checkKeepDims(keepDims, name);
  const t = toTensor(x, name);
  const axes = normalizeAxes(axis, t.rank, name);
  if ((op === ReduceOp.max || op === ReduceOp.min) && axes.some((a) => t.shape[a] === 0)) {
    throw new Error(`${name}: cannot reduce over an empty axis (shape ${fmt(t.shape)}, axes ${JSON.stringify(axes)})`);
  }
  const y = reduceRaw(op, t, axes, keepDims);
  if (t.dtype !== 'float32') return y;
  const keptShape = reducePlan(t.shape, axes, true).keptShape;
  const n = sizeOf(axes.map((a) => t.shape[a]));
  return record(y, name, [t], (dy) => {
    const g = reshape(dy, keptShape);
    switch (op) {
      case ReduceOp.sum:
        return [broadcastTo(g, t.shape)];
      case ReduceOp.mean:
        return [broadcastTo(div(g, n), t.shape)];
      case ReduceOp.logSumExp:
        return [mul(broadcastTo(g, t.shape), exp(sub(t, reshape(y, keptShape))))];
      case ReduceOp.prod:
        return [mul(broadcastTo(g, t.shape), productOfOthers(t, axes))];
      default: {
        // max/min: the gradient is shared equally between tied extrema (as TensorFlow does).
        const mask = cast(equal(t, reshape(y, keptShape)), 'float32');
        const count = reduceRaw(ReduceOp.sum, mask, axes, true);
        return [mul(mask, broadcastTo(div(g, count), t.shape))];
      }
    }
  });
}

/** Sum over `axis` (all axes when omitted). */
export function sum(x: TensorLike, axis?: AxisArg, keepDims = false): Tensor {
  return reduction(ReduceOp.sum, 'sum', x, axis, keepDims);
}
export function mean(x: TensorLike, axis?: AxisArg, keepDims = false): Tensor {
  const t = toTensor(x, 'mean');
  return reduction(ReduceOp.mean, 'mean', t.dtype === 'int32' ? cast(t, 'float32') : t, axis, keepDims);
}
export function max(x: TensorLike, axis?: AxisArg, keepDims = false): Tensor {
  return reduction(ReduceOp.max, 'max', x, axis, keepDims);
}
export function min(x: TensorLike, axis?: AxisArg, keepDims = false): Tensor {
  return reduction(ReduceOp.min, 'min', x, axis, keepDims);
}
/**
 * Product over `axis` (all axes when omitted); int32 stays int32 (wrapping as TensorFlow's int32 arithmetic). The
 * gradient of each element is dy times the product of the others in its group, taken from prefix and suffix
 * products rather than y / x, so it is exact where x has zeros (as TensorFlow's Prod gradient).
 */
export function prod(x: TensorLike, axis?: AxisArg, keepDims = false): Tensor {
  return reduction(ReduceOp.prod, 'prod', x, axis, keepDims);
}

/** For each element of t, the product of the other elements of its group over `axes` (float32, t's shape). */
function productOfOthers(t: Tensor, axes: number[]): Tensor {
  const p = reducePlan(t.shape, axes, true);
  const src = f32(layoutForReduce(t, p));
  const laidOut = p.perm ? p.perm.map((a) => t.shape[a]) : t.shape.slice();
  const out = empty(laidOut);
  const dst = f32(out);
  for (let o = 0; o < p.outer; o++) {
    for (let i = 0; i < p.inner; i++) {
      const base = o * p.n * p.inner + i;
      let before = 1;
      for (let k = 0; k < p.n; k++) {
        dst[base + k * p.inner] = before;
        before *= src[base + k * p.inner];
      }
      let after = 1;
      for (let k = p.n - 1; k >= 0; k--) {
        dst[base + k * p.inner] *= after;
        after *= src[base + k * p.inner];
      }
    }
  }
  if (!p.perm) return out;
  const inverse = new Array<number>(p.perm.length);
  p.perm.forEach((a, i) => (inverse[a] = i));
  return transpose(out, inverse);
}

/** Reads axis and keepDims as a reduction named `op` does, so that the composed reductions' errors name themselves. */
function reductionArgs(x: TensorLike, axis: AxisArg, keepDims: unknown, op: string): Tensor {
  checkKeepDims(keepDims, op);
  const t = toTensor(x, op);
  normalizeAxes(axis, t.rank, op);
  return t;
}

/**
 * Whether any element over `axis` is non-zero (TF.js's any, Keras's ops.any), as the comparisons answer: int32 1 or
 * 0. NaN counts as true; over an empty axis the answer is 0.
 */
export function any(x: TensorLike, axis?: AxisArg, keepDims = false): Tensor {
  const t = reductionArgs(x, axis, keepDims, 'any');
  return greater(sum(notEqual(t, 0), axis, keepDims), 0);
}

/** Whether every element over `axis` is non-zero (TF.js's all, Keras's ops.all): int32 1 or 0; 1 over an empty axis. */
export function all(x: TensorLike, axis?: AxisArg, keepDims = false): Tensor {
  const t = reductionArgs(x, axis, keepDims, 'all');
  return equal(sum(equal(t, 0), axis, keepDims), 0);
}

/**
 * Mean and population variance over `axes` (all when omitted), as TF.js's moments: variance = mean((x - mean)^2),
 * from the centred values rather than E[x^2] - E[x]^2, which cancels catastrophically for data far from zero.
 */
export function moments(x: TensorLike, axes?: AxisArg, keepDims = false): { mean: Tensor; variance: Tensor } {
  const t = reductionArgs(x, axes, keepDims, 'moments');
  const m = mean(t, axes, true);
  const v = mean(square(sub(t, m)), axes, keepDims);
  return { mean: keepDims ? m : reshape(m, v.shape), variance: v };
}

/** Population variance over `axis` (Keras's ops.var; divides by n, not n - 1). */
export function variance(x: TensorLike, axis?: AxisArg, keepDims = false): Tensor {
  reductionArgs(x, axis, keepDims, 'variance');
  return moments(x, axis, keepDims).variance;
}

/**
 * Population standard deviation over `axis` (Keras's ops.std). Its gradient is NaN where the variance is 0 (the
 * square root's slope is infinite there), as in TensorFlow.
 */
export function std(x: TensorLike, axis?: AxisArg, keepDims = false): Tensor {
  reductionArgs(x, axis, keepDims, 'std');
  return sqrt(moments(x, axis, keepDims).variance);
}

/** log(sum(exp(x))) over `axis`, computed without overflow. */
export function logSumExp(x: TensorLike, axis?: AxisArg, keepDims = false): Tensor {
  return reduction(ReduceOp.logSumExp, 'logSumExp', floatArg(x, 'logSumExp'), axis, keepDims);
}

function argReduce(isMax: boolean, name: string, x: TensorLike, axis: number): Tensor {
  const t = floatArg(x, name);
  if (t.rank === 0) throw new Error(`${name}: needs a tensor of rank at least 1, received a scalar`);
  const a = normalizeAxis(axis, t.rank, name);
  if (t.shape[a] === 0) throw new Error(`${name}: axis ${axis} of shape ${fmt(t.shape)} is empty`);
  const outer = sizeOf(t.shape.slice(0, a));
  const inner = sizeOf(t.shape.slice(a + 1));
  const out = empty(t.shape.filter((_, i) => i !== a), 'int32');
  native.argReduce(isMax, f32(t), outer, t.shape[a], inner, out.values as Int32Array);
  return out;
}

/** Index of the largest value along `axis` (default 0, as TensorFlow); int32, not differentiable. */
export function argMax(x: TensorLike, axis = 0): Tensor {
  return argReduce(true, 'argMax', x, axis);
}
export function argMin(x: TensorLike, axis = 0): Tensor {
  return argReduce(false, 'argMin', x, axis);
}

/**
 * Keras's ops.argmax(x, axis = null, keepdims = false): with no axis, the index into the flattened tensor (not axis 0
 * as TF.js's argMax); keepDims keeps the reduced axis (or every axis) with size 1.
 */
export function argmax(x: TensorLike, axis: number | null = null, keepDims = false): Tensor {
  return kerasArgReduce(true, 'argmax', x, axis, keepDims);
}
/** Keras's ops.argmin; see argmax. */
export function argmin(x: TensorLike, axis: number | null = null, keepDims = false): Tensor {
  return kerasArgReduce(false, 'argmin', x, axis, keepDims);
}

function kerasArgReduce(isMax: boolean, name: string, x: TensorLike, axis: number | null | undefined, keepDims: boolean): Tensor {
  checkKeepDims(keepDims, name);
  const t = toTensor(x, name);
  if (axis === null || axis === undefined) {
    const r = argReduce(isMax, name, reshape(t, [t.size]), 0);
    return keepDims ? reshape(r, t.shape.map(() => 1)) : r;
  }
  const a = normalizeAxis(axis, t.rank, name);
  const r = argReduce(isMax, name, t, a);
  return keepDims ? reshape(r, t.shape.map((d, i) => (i === a ? 1 : d))) : r;
}

function softmaxLike(log: boolean, name: string, x: TensorLike, axis: number): Tensor {
  const t = floatArg(x, name);
  if (t.rank === 0) throw new Error(`${name}: needs a tensor of rank at least 1, received a scalar`);
  const a = normalizeAxis(axis, t.rank, name);
  if (a !== t.rank - 1) {
    // Move the axis last, apply, move it back: the two transposes carry the gradient.
    const perm = t.shape.map((_, i) => i).filter((i) => i !== a);
    perm.push(a);
    const inverse = new Array<number>(perm.length);
    perm.forEach((p, i) => (inverse[p] = i));
    return transpose(softmaxLike(log, name, transpose(t, perm), -1), inverse);
  }
  const n = t.shape[a];
  const outer = n === 0 ? 0 : t.size / n;
  const y = empty(t.shape.slice());
  native.softmax(f32(t), outer, n, f32(y), log);
  return record(y, name, [t], (dy) => {
    const dx = empty(t.shape.slice());
    native.softmaxGrad(f32(y), f32(dy), outer, n, f32(dx), log);
    return [dx];
  });
}

/**
 * Softmax outputs and the logits they came from: cross-entropy on probabilities from a softmax then takes the stable
 * logits form (as Keras keeps `_keras_logits` on a softmax's output). Weak, so it keeps nothing alive.
 */
const softmaxInputs = new WeakMap<Tensor, { logits: Tensor; axis: number }>();

/** exp(x) / sum(exp(x)) along `axis` (default last), stable for any finite logits. */
export function softmax(x: TensorLike, axis = -1): Tensor {
  const t = floatArg(x, 'softmax');
  const y = softmaxLike(false, 'softmax', t, axis);
  softmaxInputs.set(y, { logits: t, axis: normalizeAxis(axis, t.rank, 'softmax') });
  return y;
}

/** The logits of a softmax output over `axis`, or null when `probabilities` did not come from softmax on that axis. */
export function softmaxLogits(probabilities: Tensor, axis = -1): Tensor | null {
  const entry = softmaxInputs.get(probabilities);
  if (!entry || probabilities.rank === 0) return null;
  return entry.axis === normalizeAxis(axis, probabilities.rank, 'softmaxLogits') ? entry.logits : null;
}
export function logSoftmax(x: TensorLike, axis = -1): Tensor {
  return softmaxLike(true, 'logSoftmax', x, axis);
}
