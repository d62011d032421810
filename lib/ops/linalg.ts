// Vector and matrix products and norms in TF.js's terms: dot, outerProduct, norm. Composed of differentiable ops,
// so their gradients come from those.
import { fmt, normalizeAxes, normalizeAxis } from '../shape-util.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { abs, sqrt, square } from './elementwise.js';
import { matMul } from './matmul.js';
import { checkKeepDims, max, min, sum } from './reduce.js';
import { reshape } from './shape.js';
import { floatArg } from './util.js';

/**
 * TF.js's dot: vector . vector (a scalar), matrix . vector, vector . matrix and matrix . matrix. Operands of other
 * ranks are an error (matMul takes batches).
 */
export function dot(a: TensorLike, b: TensorLike): Tensor {
  const x = floatArg(a, 'dot');
  const y = floatArg(b, 'dot');
  if (x.rank < 1 || x.rank > 2 || y.rank < 1 || y.rank > 2) {
    throw new Error(`dot: operands must be vectors or matrices (rank 1 or 2), received shapes ${fmt(x.shape)} and ${fmt(y.shape)}`);
  }
  const k1 = x.shape[x.rank - 1];
  const k2 = y.shape[0];
  if (k1 !== k2) throw new Error(`dot: inner dimensions must agree (${k1} and ${k2}), received shapes ${fmt(x.shape)} and ${fmt(y.shape)}`);
  return matMul(x, y);
}

/** TF.js's outerProduct: v1 [m] and v2 [n] give [m, n] with v1[i] * v2[j]. */
export function outerProduct(v1: TensorLike, v2: TensorLike): Tensor {
  const x = floatArg(v1, 'outerProduct');
  const y = floatArg(v2, 'outerProduct');
  if (x.rank !== 1 || y.rank !== 1) throw new Error(`outerProduct: operands must be vectors (rank 1), received shapes ${fmt(x.shape)} and ${fmt(y.shape)}`);
  return matMul(reshape(x, [x.size, 1]), reshape(y, [1, y.size]));
}

export type NormOrder = 'euclidean' | 'fro' | number;

/**
 * TF.js's norm. With no axis, x is read as one vector. Vector norms (one axis): 'euclidean' or 2 (and 'fro', the
 * same), 1, Infinity (max |x|), -Infinity (min |x|). Matrix norms (two axes [rows, columns]): 'fro' or 'euclidean',
 * 1 (largest column sum of |x|), Infinity (largest row sum), -Infinity (smallest row sum); the spectral norm (2) is
 * not available. The gradient of the Euclidean norm at x = 0 is NaN, as TensorFlow's.
 */
export function norm(x: TensorLike, ord: NormOrder = 'euclidean', axis?: number | number[] | null, keepDims = false): Tensor {
  const t = floatArg(x, 'norm');
  checkKeepDims(keepDims, 'norm');
  const given = axis === undefined || axis === null ? null : Array.isArray(axis) ? axis : [axis];
  if (given !== null && (given.length < 1 || given.length > 2)) {
    throw new Error(`norm: axis must be one axis (a vector norm) or two (a matrix norm), received ${JSON.stringify(axis)} for shape ${fmt(t.shape)}`);
  }
  const axes = given === null ? normalizeAxes(null, t.rank, 'norm') : given.map((a) => normalizeAxis(a, t.rank, 'norm'));
  if (axes.length === 2 && axes[0] === axes[1]) throw new Error(`norm: the two axes of a matrix norm must differ, received ${JSON.stringify(axis)}`);
  const kept = t.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outShape = keepDims ? kept : t.shape.filter((_, i) => !axes.includes(i));
  const invalid = () => new Error(`norm: invalid ord ${String(ord)} for a ${given !== null && given.length === 2 ? 'matrix' : 'vector'} norm of shape ${fmt(t.shape)}; expected ${given !== null && given.length === 2 ? "'fro', 'euclidean', 1, Infinity or -Infinity" : "'euclidean', 'fro', 1, 2, Infinity or -Infinity"}`);
  if (given === null || given.length === 1) {
    // A vector norm over `axes` (all of them when no axis is given: x read as one vector).
    if (ord === 'euclidean' || ord === 'fro' || ord === 2) return reshape(sqrt(sum(square(t), axes, true)), outShape);
    if (ord === 1) return reshape(sum(abs(t), axes, true), outShape);
    if (ord === Infinity) return reshape(max(abs(t), axes, true), outShape);
    if (ord === -Infinity) return reshape(min(abs(t), axes, true), outShape);
    throw invalid();
  }
  const [rows, cols] = axes;
  if (ord === 'euclidean' || ord === 'fro') return reshape(sqrt(sum(square(t), axes, true)), outShape);
  if (ord === 1) return reshape(max(sum(abs(t), rows, true), cols, true), outShape);
  if (ord === Infinity) return reshape(max(sum(abs(t), cols, true), rows, true), outShape);
  if (ord === -Infinity) return reshape(min(sum(abs(t), cols, true), rows, true), outShape);
  throw invalid();
}
