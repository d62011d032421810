// Keras's keras.utils.to_categorical: integer class labels to one-hot rows.
import { oneHot } from '../ops/shape.js';
import { toTensor, type Tensor, type TensorLike } from '../tensor.js';

/**
 * Integer labels [n] (or [n, 1], or any shape) to float32 one-hot rows [..., numClasses]; numClasses defaults to the
 * largest label + 1, as in Keras. A trailing axis of 1 is dropped first, as Keras drops it.
 */
export function toCategorical(y: TensorLike, numClasses?: number | null): Tensor {
  const t = toTensor(y, 'toCategorical');
  const v = t.values;
  let max = -1;
  for (let i = 0; i < v.length; i++) {
    const k = v[i] as number;
    if (!Number.isInteger(k) || k < 0) throw new Error(`toCategorical: labels must be non-negative integers, found ${k} at position ${i}`);
    if (k > max) max = k;
  }
  const classes = numClasses ?? max + 1;
  if (!Number.isInteger(classes) || classes <= 0) throw new Error(`toCategorical: numClasses must be a positive integer, received ${String(numClasses)}`);
  if (max >= classes) throw new Error(`toCategorical: label ${max} is out of range for ${classes} classes`);
  const shape = t.shape.length > 1 && t.shape[t.shape.length - 1] === 1 ? t.shape.slice(0, -1) : t.shape.slice();
  return oneHot(toTensor(Int32Array.from(v as ArrayLike<number>), 'toCategorical').reshape(shape), classes);
}
