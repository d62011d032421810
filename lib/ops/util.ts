// Helpers shared by the op families: argument conversion and the broadcasting layout handed to native code.
import { checkDType, type DType } from '../dtype.js';
import type { DataArray } from '../memory.js';
import { native, type BinaryOp } from '../native.js';
import { broadcastStrides, fmt, sizeOf, stridesOf } from '../shape-util.js';
import { empty, Tensor, toTensor, type TensorLike } from '../tensor.js';

export { toTensor };

/** Converts an argument and requires float32 (int32 is converted: ops on real numbers accept integer input). */
export function floatArg(x: TensorLike, op: string): Tensor {
  const t = toTensor(x, op);
  return t.dtype === 'float32' ? t : castTo(t, 'float32');
}

export function castTo(t: Tensor, dtype: DType): Tensor {
  checkDType(dtype, 'cast');
  if (t.dtype === dtype) return t;
  const out = empty(t.shape.slice(), dtype);
  const src = t.values;
  const dst = out.values;
  if (dtype === 'int32') {
    // Truncation toward zero, as TensorFlow's cast; NaN becomes 0 and out-of-range values saturate.
    for (let i = 0; i < src.length; i++) dst[i] = Number.isNaN(src[i]) ? 0 : Math.trunc(src[i]);
  } else {
    dst.set(src);
  }
  return out;
}

/** The layout of a broadcasting elementwise op after merging axes that can be walked as one. */
export interface BroadcastLayout {
  shape: number[];
  strides: number[][];
}

/**
 * Strides of each operand over the output shape, with size-1 axes dropped and adjacent axes merged when every
 * operand walks them contiguously (or broadcasts both). Most calls collapse to rank 1 or 2.
 */
export function broadcastLayout(outShape: readonly number[], shapes: readonly (readonly number[])[]): BroadcastLayout {
  const all = shapes.map((s) => broadcastStrides(s, outShape));
  const shape: number[] = [];
  const strides: number[][] = shapes.map(() => []);
  for (let d = 0; d < outShape.length; d++) {
    if (outShape[d] === 1) continue;
    const last = shape.length - 1;
    if (last >= 0 && all.every((s, k) => strides[k][last] === s[d] * outShape[d])) {
      shape[last] *= outShape[d];
      for (let k = 0; k < all.length; k++) strides[k][last] = all[k][d];
      continue;
    }
    shape.push(outShape[d]);
    for (let k = 0; k < all.length; k++) strides[k].push(all[k][d]);
  }
  if (shape.length === 0 && sizeOf(outShape) === 1) {
    shape.push(1);
    for (const s of strides) s.push(0);
  }
  return { shape, strides };
}

/** Calls f(outIndex, offsets...) for every output element of a broadcast over `layout` (for the non-native paths). */
export function forEachBroadcast(layout: BroadcastLayout, f: (i: number, offsets: number[]) => void): void {
  const { shape, strides } = layout;
  const rank = shape.length;
  const total = sizeOf(shape);
  if (total === 0) return;
  const idx = new Array<number>(rank).fill(0);
  const offsets = strides.map(() => 0);
  for (let i = 0; i < total; i++) {
    f(i, offsets);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      for (let k = 0; k < offsets.length; k++) offsets[k] += strides[k][d];
      if (idx[d] < shape[d]) break;
      for (let k = 0; k < offsets.length; k++) offsets[k] -= strides[k][d] * shape[d];
      idx[d] = 0;
    }
  }
}

export function checkSameShape(a: Tensor, b: Tensor, op: string): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`${op}: shapes ${fmt(a.shape)} and ${fmt(b.shape)} must be equal`);
  }
}

export function f32(t: Tensor): Float32Array {
  return t.values as Float32Array;
}

/** The highest rank the native strided kernels take (tn::kMaxRank); higher ranks are split or walked here. */
const maxNativeRank = 8;

/**
 * out = a (op) b over `shape` with per-operand strides (a broadcast layout). Layouts that stay above the native
 * rank limit after merging (alternating broadcast axes) run as one native call per index of the leading axes.
 */
export function binaryStrided(
  op: BinaryOp, a: Float32Array, aStrides: number[], b: Float32Array, bStrides: number[], out: Float32Array, shape: number[],
): void {
  const rank = shape.length;
  if (rank <= maxNativeRank) {
    native.binary(op, a, aStrides, b, bStrides, out, shape);
    return;
  }
  const lead = rank - maxNativeRank;
  const tail = shape.slice(lead);
  const tailSize = sizeOf(tail);
  const sa = aStrides.slice(lead);
  const sb = bStrides.slice(lead);
  forEachBroadcast({ shape: shape.slice(0, lead), strides: [aStrides.slice(0, lead), bStrides.slice(0, lead)] }, (i, [oa, ob]) => {
    native.binary(op, a.subarray(oa), sa, b.subarray(ob), sb, out.subarray(i * tailSize, (i + 1) * tailSize), tail);
  });
}

/**
 * dst = src (of `shape`) with its axes permuted by perm. Size-1 axes are dropped and axes that stay neighbours are
 * merged first, so the native kernel sees the smallest rank; a permutation that still needs more than its limit is
 * walked here.
 */
export function transposeInto(src: DataArray, shape: readonly number[], perm: readonly number[], dst: DataArray): void {
  const keep = shape.map((d, i) => (d === 1 ? -1 : i)).filter((i) => i >= 0);
  const renumber = new Map(keep.map((axis, k) => [axis, k]));
  const p = perm.filter((a) => shape[a] !== 1).map((a) => renumber.get(a)!);
  const s = keep.map((a) => shape[a]);
  // Runs of output axes that read consecutive input axes become one axis.
  const groups: number[][] = [];
  for (const a of p) {
    const last = groups[groups.length - 1];
    if (last && last[last.length - 1] + 1 === a) last.push(a);
    else groups.push([a]);
  }
  const byInput = groups.map((g, i) => [g[0], i]).sort((u, v) => u[0] - v[0]);
  const mergedShape = byInput.map(([, i]) => sizeOf(groups[i].map((a) => s[a])));
  const position = new Array<number>(groups.length);
  byInput.forEach(([, i], k) => (position[i] = k));
  const mergedPerm = groups.map((_, i) => position[i]);
  if (mergedShape.length <= maxNativeRank) {
    native.transpose(src, mergedShape, mergedPerm, dst);
    return;
  }
  const strides = stridesOf(mergedShape);
  const layout = { shape: mergedPerm.map((a) => mergedShape[a]), strides: [mergedPerm.map((a) => strides[a])] };
  forEachBroadcast(layout, (i, [o]) => {
    dst[i] = src[o];
  });
}

/**
 * How a reduction over `axes` maps onto the native [outer, n, inner] loop: contiguous reduced axes are reduced in
 * place, scattered ones are first transposed to the end.
 */
export interface ReducePlan {
  outer: number;
  n: number;
  inner: number;
  /** A permutation that makes the reduced axes contiguous at the end, when they are not already contiguous. */
  perm: number[] | null;
  keptShape: number[];
  outShape: number[];
}

export function reducePlan(shape: readonly number[], axes: readonly number[], keepDims: boolean): ReducePlan {
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

/** The input in the layout its plan reduces: t itself, or a transposed copy. */
export function layoutForReduce(t: Tensor, p: ReducePlan): Tensor {
  if (!p.perm) return t;
  const out = empty(p.perm.map((i) => t.shape[i]), t.dtype);
  transposeInto(t.values, t.shape, p.perm, out.values);
  return out;
}
