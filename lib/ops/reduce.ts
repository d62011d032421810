// Reductions over axes, arg-reductions, softmax and logSoftmax, and broadcastTo (the adjoint of a sum).
import { record } from '../autograd/tape.js';
import { native, BinaryOp, ReduceOp } from '../native.js';
import { checkShape, fmt, normalizeAxes, normalizeAxis, shapesEqual, sizeOf } from '../shape-util.js';
import { empty, Tensor, type TensorLike } from '../tensor.js';
import { binaryStrided, broadcastLayout, f32, floatArg, toTensor, transposeInto } from './util.js';
import { reshape, transpose } from './shape.js';
import { equal, mul, div, exp, sub, cast } from './elementwise.js';

type AxisArg = number | number[] | null | undefined;

interface Plan {
  outer: number;
  n: number;
  inner: number;
  /** A permutation that makes the reduced axes contiguous at the end, when they are not already contiguous. */
  perm: number[] | null;
  keptShape: number[];
  outShape: number[];
}

function plan(shape: readonly number[], axes: number[], keepDims: boolean): Plan {
  const rank = shape.length;
  const reduced = new Set(axes);
  const keptShape = shape.map((d, i) => (reduced.has(i) ? 1 : d));
  const outShape = keepDims ? keptShape : shape.filter((_, i) => !reduced.has(i));
  const contiguous = axes.length === 0 || axes[axes.length - 1] - axes[0] === axes.length - 1;
  if (contiguous) {
    const a0 = axes.length ? axes[0] : rank;
    const a1 = axes.length ? axes[axes.length - 1] : rank - 1;
    return {
      outer: sizeOf(shape.slice(0, a0)),
      n: sizeOf(shape.slice(a0, a1 + 1)),
      inner: sizeOf(shape.slice(a1 + 1)),
      perm: null,
      keptShape,
      outShape,
    };
  }
  const kept = shape.map((_, i) => i).filter((i) => !reduced.has(i));
  return {
    outer: sizeOf(kept.map((i) => shape[i])),
    n: sizeOf(axes.map((i) => shape[i])),
    inner: 1,
    perm: [...kept, ...axes],
    keptShape,
    outShape,
  };
}

function layoutInput(t: Tensor, p: Plan): Tensor {
  if (!p.perm) return t;
  const out = empty(p.perm.map((i) => t.shape[i]), t.dtype);
  transposeInto(t.values, t.shape, p.perm, out.values);
  return out;
}

function reduceInt(op: ReduceOp, x: Int32Array, p: Plan, out: Int32Array): void {
  for (let o = 0; o < p.outer; o++) {
    for (let i = 0; i < p.inner; i++) {
      let acc = op === ReduceOp.max ? -2147483648 : op === ReduceOp.min ? 2147483647 : 0;
      for (let k = 0; k < p.n; k++) {
        const v = x[(o * p.n + k) * p.inner + i];
        if (op === ReduceOp.max) acc = v > acc ? v : acc;
        else if (op === ReduceOp.min) acc = v < acc ? v : acc;
        else acc = (acc + v) | 0;
      }
      out[o * p.inner + i] = acc;
    }
  }
}

/** Runs one native reduction; no gradient. */
function reduceRaw(op: ReduceOp, t: Tensor, axes: number[], keepDims: boolean): Tensor {
  const p = plan(t.shape, axes, keepDims);
  const src = layoutInput(t, p);
  if (t.dtype === 'int32' && (op === ReduceOp.sum || op === ReduceOp.max || op === ReduceOp.min)) {
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
  const t = toTensor(x, name);
  const axes = normalizeAxes(axis, t.rank, name);
  if ((op === ReduceOp.max || op === ReduceOp.min) && axes.some((a) => t.shape[a] === 0)) {
    throw new Error(`${name}: cannot reduce over an empty axis (shape ${fmt(t.shape)}, axes ${JSON.stringify(axes)})`);
  }
  const y = reduceRaw(op, t, axes, keepDims);
  if (t.dtype !== 'float32') return y;
  const keptShape = plan(t.shape, axes, true).keptShape;
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

/** exp(x) / sum(exp(x)) along `axis` (default last), stable for any finite logits. */
export function softmax(x: TensorLike, axis = -1): Tensor {
  return softmaxLike(false, 'softmax', x, axis);
}
export function logSoftmax(x: TensorLike, axis = -1): Tensor {
  return softmaxLike(true, 'logSoftmax', x, axis);
}

/** Repeats x along broadcast axes to reach `shape` (numpy rules). Its gradient sums back. */
export function broadcastTo(x: TensorLike, shape: number[]): Tensor {
  const t = toTensor(x, 'broadcastTo');
  checkShape(shape, 'broadcastTo');
  if (shapesEqual(t.shape, shape)) return t;
  if (shape.length < t.rank) throw new Error(`broadcastTo: cannot broadcast shape ${fmt(t.shape)} to the lower-rank ${fmt(shape)}`);
  for (let i = 0; i < t.rank; i++) {
    const d = t.shape[t.rank - 1 - i];
    const s = shape[shape.length - 1 - i];
    if (d !== s && d !== 1) throw new Error(`broadcastTo: cannot broadcast shape ${fmt(t.shape)} to ${fmt(shape)}`);
  }
  const out = empty(shape.slice(), t.dtype);
  if (t.size === 1) {
    out.values.fill(t.values[0]);
  } else if (t.dtype === 'float32') {
    const layout = broadcastLayout(shape, [t.shape, [1]]);
    binaryStrided(BinaryOp.add, f32(t), layout.strides[0], zeroScalar(), layout.strides[1], f32(out), layout.shape);
  } else {
    const layout = broadcastLayout(shape, [t.shape]);
    const src = t.values;
    const dst = out.values;
    const strides = layout.strides[0];
    const idx = new Array<number>(layout.shape.length).fill(0);
    for (let i = 0; i < dst.length; i++) {
      let off = 0;
      for (let d = 0; d < idx.length; d++) off += idx[d] * strides[d];
      dst[i] = src[off];
      for (let d = idx.length - 1; d >= 0; d--) {
        if (++idx[d] < layout.shape[d]) break;
        idx[d] = 0;
      }
    }
  }
  if (t.dtype !== 'float32') return out;
  return record(out, 'broadcastTo', [t], (dy) => [sumToShape(dy, t.shape)]);
}

const zero = new Float32Array(1);
function zeroScalar(): Float32Array {
  return zero;
}

/** Sums a broadcast gradient back to an operand's shape. */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const s = sum(g, axes, true);
  return reshape(s, shape.slice());
}
