// Keras's keras.utils.normalize: vectors scaled to unit norm along an axis.
import { abs, div, equal, pow, sqrt, square, where } from '../ops/elementwise.js';
import { max, sum } from '../ops/reduce.js';
import { floatArg } from '../ops/util.js';
import { fmt } from '../shape-util.js';
import { Tensor, type TensorLike } from '../tensor.js';

/**
 * x divided by its `order`-norm along `axis` (-1, or any axis of x): order 2 (default) is the
 * Euclidean norm, 1 the sum of magnitudes, Infinity the largest magnitude, any p > 0 (Σ|x|^p)^(1/p). A zero vector
 * stays zero (its norm counts as 1, as Keras does for arrays). Differentiable.
 */
export function normalize(x: TensorLike, axis = -1, order = 2): Tensor {
  const what = 'normalize';
  const t = floatArg(x, what);
  if (!(typeof order === 'number' && order > 0)) throw new Error(`${what}: order must be a positive number (or Infinity), received order=${String(order)}`);
  // Keras's axis=None takes numpy's matrix norms for 2-D input (the largest singular value for order 2); only vector
  // norms along one axis are offered here.
  if (!Number.isInteger(axis) || axis < -t.rank || axis >= t.rank) {
    throw new Error(`${what}: axis must be an integer from ${-t.rank} to ${t.rank - 1} for an array of shape ${fmt(t.shape)}, received axis=${String(axis)}`);
  }
  const ax = axis;
  let norm: Tensor;
  if (order === 2) norm = sqrt(sum(square(t), ax, true));
  else if (order === 1) norm = sum(abs(t), ax, true);
  else if (order === Infinity) norm = max(abs(t), ax, true);
  else norm = pow(sum(pow(abs(t), order), ax, true), 1 / order);
  return div(t, where(equal(norm, 0), 1, norm));
}
