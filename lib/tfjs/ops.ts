// TF.js's names and signatures for ops tensornode has under Keras 3's (tn.ops: arccos is TF.js's acos, isfinite its
// isFinite, ...), and the TF.js ops that ported programs call and that are compositions of existing ones: divNoNan,
// euclideanNorm, step, addN, gatherND, scatterND, tensorScatterUpdate, randomUniformInt, searchSorted / lowerBound / upperBound, bincount, meshgrid and the
// rank-named aliases (slice2d, concat3d, ...), which check the rank their name promises.
import { add, div, equal, greater, where } from '../ops/elementwise.js';
import { customGradient } from '../ops/keras-ops.js';
import { norm } from '../ops/linalg.js';
import { meshgrid as kerasMeshgrid, searchsorted } from '../ops/numpy.js';
import { concat, oneHot, pad, reshape, reverse, slice, stack } from '../ops/shape.js';
import { topk } from '../ops/sort.js';
import * as np from '../ops/numpy.js';
import { fmt } from '../shape-util.js';
import { isStringTensor, maxTensorElements, onesLike, randomUniform, Tensor, tensor, toTensor, zerosLike, type TensorLike } from '../tensor.js';
import * as image from './image.js';

// Each reads its arguments under its own (TF.js's) name first, so that an error (a string tensor, a bad shape) names
// the op the program called.
const unaryNamed = (name: string, f: (x: Tensor) => Tensor) => (x: TensorLike): Tensor => f(toNumeric(x, name));
const binaryNamed = (name: string, f: (a: Tensor, b: Tensor) => Tensor) => (a: TensorLike, b: TensorLike): Tensor => f(toNumeric(a, name), toNumeric(b, name));
function toNumeric(x: TensorLike, name: string): Tensor {
  const t = toTensor(x, name);
  if (isStringTensor(t)) throw new Error(`${name}: received a string tensor of shape ${fmt(t.shape)}; only the text preprocessing layers (StringLookup, Hashing, TextVectorization) take strings. Map strings to numbers with one of them first.`);
  return t;
}
export const acos = unaryNamed('acos', np.arccos);
export const acosh = unaryNamed('acosh', np.arccosh);
export const asin = unaryNamed('asin', np.arcsin);
export const asinh = unaryNamed('asinh', np.arcsinh);
export const atan = unaryNamed('atan', np.arctan);
export const atanh = unaryNamed('atanh', np.arctanh);
export const cosh = unaryNamed('cosh', np.cosh);
export const sinh = unaryNamed('sinh', np.sinh);
export const tan = unaryNamed('tan', np.tan);
export const isFinite = unaryNamed('isFinite', np.isfinite);
export const isInf = unaryNamed('isInf', np.isinf);
export const logSigmoid = unaryNamed('logSigmoid', np.logSigmoid);
export const atan2 = binaryNamed('atan2', np.arctan2);
export const logicalXor = binaryNamed('logicalXor', np.logicalXor);

/** TF.js's gatherND: the slices of x at the index tuples of `indices` [..., k], shape indices.shape[:-1] + x.shape[k:]. */
export function gatherND(x: TensorLike, indices: TensorLike): Tensor {
  return np.gatherRowsND(x, indices, 'gatherND');
}

/** TF.js's scatterND: zeros of `shape` with `updates` added at the index tuples (Keras's scatter). */
export function scatterND(indices: TensorLike, updates: TensorLike, shape: number[]): Tensor {
  return np.scatterAdd(indices, updates, shape, 'scatterND');
}

/** TF.js's tensorScatterUpdate: `tensor` with the slices at the index tuples replaced (Keras's scatter_update). */
export function tensorScatterUpdate(tensor: TensorLike, indices: TensorLike, updates: TensorLike): Tensor {
  return np.replaceRows(tensor, indices, updates, 'tensorScatterUpdate');
}

/** a / b, and 0 wherever b is 0 (TF.js's divNoNan). */
export function divNoNan(a: TensorLike, b: TensorLike): Tensor {
  a = toNumeric(a, 'divNoNan');
  const bt = toNumeric(b, 'divNoNan');
  const zero = equal(bt, 0);
  // The division reads 1 where b is 0, so that neither the value nor its gradient there is NaN or infinite.
  return where(zero, 0, div(a, where(zero, 1, bt)));
}

/** The Euclidean norm over `axis` (all of x by default), TF.js's euclideanNorm. */
export function euclideanNorm(x: TensorLike, axis?: number | number[] | null, keepDims = false): Tensor {
  return norm(toNumeric(x, 'euclideanNorm'), 'euclidean', axis, keepDims);
}

/** 1 where x > 0, else `alpha` (TF.js's step); its gradient is 0. */
export function step(x: TensorLike, alpha = 0): Tensor {
  const t = toNumeric(x, 'step');
  return where(greater(t, 0), 1, alpha);
}

/** The elementwise sum of tensors of one shape (TF.js's addN). */
export function addN(tensors: TensorLike[]): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new Error('addN: expected a non-empty list of tensors');
  const ts = tensors.map((t) => toNumeric(t, 'addN'));
  const odd = ts.findIndex((t) => t.rank !== ts[0].rank || t.shape.some((d, k) => d !== ts[0].shape[k]));
  if (odd > 0) throw new Error(`addN: the tensors must have one shape; tensor 0 has shape ${fmt(ts[0].shape)} and tensor ${odd} ${fmt(ts[odd].shape)}`);
  return ts.slice(1).reduce((acc, t) => add(acc, t), ts[0]);
}

/** Integers uniform in [minval, maxval) (TF.js's randomUniformInt), from the seed or the global generator. */
export function randomUniformInt(shape: number[], minval: number, maxval: number, args: { seed?: number } = {}): Tensor {
  if (!Number.isInteger(minval) || !Number.isInteger(maxval)) throw new Error(`randomUniformInt: minval and maxval must be integers, received ${minval} and ${maxval}`);
  if (!(maxval > minval)) throw new Error(`randomUniformInt: maxval (${maxval}) must be greater than minval (${minval})`);
  return randomUniform(shape, minval, maxval, 'int32', args.seed);
}

/**
 * Indices where `values` would be inserted into each sorted row (TF.js's searchSorted; side 'left' or 'right'): a
 * sorted vector and values of any shape, or sorted rows [batch, n] and a row of values for each [batch, m].
 */
export function searchSorted(sortedSequence: TensorLike, values: TensorLike, side: 'left' | 'right' = 'left', op = 'searchSorted'): Tensor {
  const seq = toTensor(sortedSequence, op);
  if (seq.rank !== 2) return searchsorted(seq, values, side, op);
  const v = toTensor(values, op);
  if (v.rank !== 2 || v.shape[0] !== seq.shape[0]) {
    throw new Error(`${op}: with sorted rows of shape ${fmt(seq.shape)} the values must be rows of shape [${seq.shape[0]}, m], received ${fmt(v.shape)}`);
  }
  const rows = Array.from({ length: seq.shape[0] }, (_, r) => searchsorted(slice(seq, [r, 0], [1, -1]).reshape([seq.shape[1]]), slice(v, [r, 0], [1, -1]).reshape([v.shape[1]]), side, op));
  return stack(rows, 0);
}
export const lowerBound = (sortedSequence: TensorLike, values: TensorLike): Tensor => searchSorted(sortedSequence, values, 'left', 'lowerBound');
export const upperBound = (sortedSequence: TensorLike, values: TensorLike): Tensor => searchSorted(sortedSequence, values, 'right', 'upperBound');

/**
 * TF.js's bincount(x, weights, size): counts (or sums of weights) of each integer of x in [0, size), values outside
 * left out; weights of x's shape, or an empty tensor for counts.
 */
export function bincount(x: TensorLike, weights: TensorLike, size: number): Tensor {
  const t = toTensor(x, 'bincount');
  if (t.dtype !== 'int32' || t.rank !== 1) throw new Error(`bincount: x must be an int32 vector, received a ${t.dtype} tensor of shape ${fmt(t.shape)}`);
  if (!Number.isInteger(size) || size < 0 || size > maxTensorElements) throw new Error(`bincount: size must be a non-negative integer of at most ${maxTensorElements}, received ${size}`);
  const w = toTensor(weights, 'bincount');
  if (w.size !== 0 && (w.rank !== 1 || w.shape[0] !== t.shape[0])) throw new Error(`bincount: weights must be empty or have x's shape ${fmt(t.shape)}, received ${fmt(w.shape)}`);
  const out = new Float32Array(size);
  const v = t.values;
  for (let i = 0; i < v.length; i++) if (v[i] >= 0 && v[i] < size) out[v[i]] += w.size ? w.values[i] : 1;
  // The weights' dtype, as TF.js's: counts from an empty float32 tensor (tf.tensor([])) are float32 too.
  return w.dtype === 'float32' ? tensor(out, [size]) : tensor(Int32Array.from(out), [size], 'int32');
}

/** TF.js's meshgrid(x, y, { indexing }): the two coordinate grids, 'xy' (the default) or 'ij'. */
export function meshgrid(x: TensorLike, y?: TensorLike, args: { indexing?: 'xy' | 'ij' } = {}): Tensor[] {
  return kerasMeshgrid(y === undefined ? [x] : [x, y], args.indexing ?? 'xy');
}

function ranked(name: string, rank: number, x: TensorLike): Tensor {
  const t = toNumeric(x, name);
  if (t.rank !== rank) throw new Error(`${name}: expected a tensor of rank ${rank}, received shape ${fmt(t.shape)}`);
  return t;
}

export const slice1d = (x: TensorLike, begin: number, size: number): Tensor => slice(ranked('slice1d', 1, x), [begin], [size]);
export const slice2d = (x: TensorLike, begin: [number, number], size: [number, number]): Tensor => slice(ranked('slice2d', 2, x), begin, size);
export const slice3d = (x: TensorLike, begin: [number, number, number], size: [number, number, number]): Tensor => slice(ranked('slice3d', 3, x), begin, size);
export const slice4d = (x: TensorLike, begin: [number, number, number, number], size: [number, number, number, number]): Tensor => slice(ranked('slice4d', 4, x), begin, size);
export const reverse1d = (x: TensorLike): Tensor => reverse(ranked('reverse1d', 1, x));
export const reverse2d = (x: TensorLike, axis?: number | number[]): Tensor => reverse(ranked('reverse2d', 2, x), axis);
export const reverse3d = (x: TensorLike, axis?: number | number[]): Tensor => reverse(ranked('reverse3d', 3, x), axis);
export const reverse4d = (x: TensorLike, axis?: number | number[]): Tensor => reverse(ranked('reverse4d', 4, x), axis);
const concatRanked = (name: string, rank: number) => (tensors: TensorLike[], axis = 0): Tensor => {
  if (!Array.isArray(tensors)) throw new Error(`${name}: expected a list of tensors, received ${tensors === null ? 'null' : typeof tensors}`);
  return concat(tensors.map((t) => ranked(name, rank, t)), axis);
};
export const concat1d = (tensors: TensorLike[]): Tensor => concatRanked('concat1d', 1)(tensors, 0);
export const concat2d = concatRanked('concat2d', 2);
export const concat3d = concatRanked('concat3d', 3);
export const concat4d = concatRanked('concat4d', 4);
export const pad1d = (x: TensorLike, paddings: [number, number], constantValue = 0): Tensor => pad(ranked('pad1d', 1, x), [paddings], constantValue);
export const pad2d = (x: TensorLike, paddings: [[number, number], [number, number]], constantValue = 0): Tensor => pad(ranked('pad2d', 2, x), paddings, constantValue);
export const pad3d = (x: TensorLike, paddings: [[number, number], [number, number], [number, number]], constantValue = 0): Tensor => pad(ranked('pad3d', 3, x), paddings, constantValue);
export const pad4d = (x: TensorLike, paddings: [[number, number], [number, number], [number, number], [number, number]], constantValue = 0): Tensor => pad(ranked('pad4d', 4, x), paddings, constantValue);

/** What TF.js's customGrad function returns: its value, and the inputs' gradients from the upstream one. */
export interface CustomGradientResult {
  value: Tensor;
  gradFunc: (dy: Tensor, saved: Tensor[]) => Tensor | Tensor[];
}

/**
 * TF.js's customGrad(f): `f(...inputs, save)` returns `{ value, gradFunc }`; `save(tensors)` keeps tensors that
 * `gradFunc(dy, saved)` receives, and gradFunc returns the inputs' gradients (one tensor, or one per input).
 * The same as tn.ops.customGradient (Keras's `[y, grad]` form), in TF.js's spelling.
 */
export function customGrad(f: (...args: never[]) => CustomGradientResult): (...inputs: TensorLike[]) => Tensor {
  if (typeof f !== 'function') throw new Error('customGrad: expected a function returning { value, gradFunc }');
  const fn = f as unknown as (...args: unknown[]) => CustomGradientResult;
  return customGradient((...ts: Tensor[]) => {
    let saved: Tensor[] = [];
    const result = fn(...ts, (tensors: Tensor[]) => { saved = Array.isArray(tensors) ? tensors : [tensors]; });
    if (result === null || typeof result !== 'object' || !(result.value instanceof Tensor) || typeof result.gradFunc !== 'function') {
      throw new Error('customGrad: the function must return { value, gradFunc }, a tensor and a function (dy, saved) => gradients');
    }
    return [result.value, (dy: Tensor) => result.gradFunc(dy, saved)];
  });
}

/** TF.js's denseBincount(x, weights, size, binaryOutput): bincount over a vector, or over each row of a matrix. */
export function denseBincount(x: TensorLike, weights: TensorLike, size: number, binaryOutput = false): Tensor {
  if (typeof binaryOutput !== 'boolean') throw new Error(`denseBincount: binaryOutput must be true or false, received ${JSON.stringify(binaryOutput)}`);
  const t = toTensor(x, 'denseBincount');
  if (t.dtype !== 'int32' || (t.rank !== 1 && t.rank !== 2)) throw new Error(`denseBincount: x must be an int32 vector or matrix, received a ${t.dtype} tensor of shape ${fmt(t.shape)}`);
  const w = toTensor(weights, 'denseBincount');
  if (w.size !== 0 && (w.rank !== t.rank || w.shape.some((d, i) => d !== t.shape[i]))) throw new Error(`denseBincount: weights must be empty or have x's shape ${fmt(t.shape)}, received ${fmt(w.shape)}`);
  const one = (row: Tensor, wRow: Tensor): Tensor => {
    const counts = bincount(row, binaryOutput ? [] : wRow, size);
    return binaryOutput ? where(greater(counts, 0), 1, 0).cast(w.dtype) : counts;
  };
  if (t.rank === 1) return one(t, w);
  const rows = Array.from({ length: t.shape[0] }, (_, r) => one(slice(t, [r, 0], [1, -1]).reshape([t.shape[1]]), w.size ? slice(w, [r, 0], [1, -1]).reshape([t.shape[1]]) : w));
  return stack(rows, 0);
}

// TF.js's chained forms of the ops above and of a few others (x.atan2(y), x.isFinite(), x.asScalar(), x.oneHot(10),
// ...), each the function applied to the tensor, as TF.js's Tensor methods are.
declare module '../tensor.js' {
  interface Tensor {
    acos(): Tensor; acosh(): Tensor; asin(): Tensor; asinh(): Tensor; atan(): Tensor; atanh(): Tensor;
    cosh(): Tensor; sinh(): Tensor; tan(): Tensor; isFinite(): Tensor; isInf(): Tensor; logSigmoid(): Tensor;
    atan2(b: TensorLike): Tensor;
    logicalXor(b: TensorLike): Tensor;
    divNoNan(b: TensorLike): Tensor;
    euclideanNorm(axis?: number | number[] | null, keepDims?: boolean): Tensor;
    step(alpha?: number): Tensor;
    asScalar(): Tensor;
    as5D(d0: number, d1: number, d2: number, d3: number, d4: number): Tensor;
    reshapeAs(x: Tensor): Tensor;
    zerosLike(): Tensor;
    onesLike(): Tensor;
    oneHot(depth: number, onValue?: number, offValue?: number): Tensor;
    /** TF.js's x.where(condition, other): x where condition holds, else other. */
    where(condition: TensorLike, other: TensorLike): Tensor;
    /** TF.js's x.stack(others, axis): [x, ...others] stacked. */
    stack(others: TensorLike | TensorLike[], axis?: number): Tensor;
    topk(k?: number, sorted?: boolean): { values: Tensor; indices: Tensor };
    /** TF.js's x.resizeBilinear(size, alignCorners, halfPixelCenters): tn.image.resizeBilinear. */
    resizeBilinear(size: [number, number], alignCorners?: boolean, halfPixelCenters?: boolean): Tensor;
    resizeNearestNeighbor(size: [number, number], alignCorners?: boolean, halfPixelCenters?: boolean): Tensor;
  }
}

const chained: Record<string, (this: Tensor, ...args: never[]) => unknown> = {
  acos() { return np.arccos(this); },
  acosh() { return np.arccosh(this); },
  asin() { return np.arcsin(this); },
  asinh() { return np.arcsinh(this); },
  atan() { return np.arctan(this); },
  atanh() { return np.arctanh(this); },
  cosh() { return np.cosh(this); },
  sinh() { return np.sinh(this); },
  tan() { return np.tan(this); },
  isFinite() { return np.isfinite(this); },
  isInf() { return np.isinf(this); },
  logSigmoid() { return np.logSigmoid(this); },
  atan2(b: TensorLike) { return np.arctan2(this, b); },
  logicalXor(b: TensorLike) { return np.logicalXor(this, b); },
  divNoNan(b: TensorLike) { return divNoNan(this, b); },
  euclideanNorm(axis?: number | number[] | null, keepDims?: boolean) { return euclideanNorm(this, axis, keepDims); },
  step(alpha?: number) { return step(this, alpha); },
  asScalar() {
    if (this.size !== 1) throw new Error(`asScalar: the tensor must have one element, received shape ${fmt(this.shape)}`);
    return reshape(this, []);
  },
  as5D(d0: number, d1: number, d2: number, d3: number, d4: number) { return reshape(this, [d0, d1, d2, d3, d4]); },
  reshapeAs(x: Tensor) { return reshape(this, toTensor(x, 'reshapeAs').shape); },
  zerosLike() { return zerosLike(this); },
  onesLike() { return onesLike(this); },
  oneHot(depth: number, onValue?: number, offValue?: number) { return oneHot(this, depth, onValue, offValue); },
  where(condition: TensorLike, other: TensorLike) { return where(condition, this, other); },
  stack(others: TensorLike | TensorLike[], axis?: number) { return stack([this, ...(Array.isArray(others) ? others : [others])], axis); },
  topk(k?: number, sorted?: boolean) { return topk(this, k, sorted); },
  resizeBilinear(size: [number, number], alignCorners?: boolean, halfPixelCenters?: boolean) { return image.resizeBilinear(this, size, alignCorners, halfPixelCenters); },
  resizeNearestNeighbor(size: [number, number], alignCorners?: boolean, halfPixelCenters?: boolean) { return image.resizeNearestNeighbor(this, size, alignCorners, halfPixelCenters); },
};
for (const [name, fn] of Object.entries(chained)) {
  Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true, enumerable: false });
}
