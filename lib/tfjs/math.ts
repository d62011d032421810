// TF.js's tf.math namespace: confusionMatrix.
import { fmt } from '../shape-util.js';
import { maxTensorElements, Tensor, tensor, toTensor, type TensorLike } from '../tensor.js';

/**
 * TF.js's math.confusionMatrix(labels, predictions, numClasses): int32 [numClasses, numClasses] counts, row the
 * label and column the prediction, from two int32 vectors of classes in [0, numClasses).
 */
export function confusionMatrix(labels: TensorLike, predictions: TensorLike, numClasses: number): Tensor {
  const op = 'math.confusionMatrix';
  const l = toTensor(labels, op, 'int32');
  const p = toTensor(predictions, op, 'int32');
  if (!Number.isInteger(numClasses) || numClasses < 1 || numClasses * numClasses > maxTensorElements) {
    throw new Error(`${op}: numClasses must be a positive integer whose square a tensor can hold (at most ${Math.floor(Math.sqrt(maxTensorElements))}), received ${numClasses}`);
  }
  if (l.rank !== 1 || p.rank !== 1 || l.shape[0] !== p.shape[0]) throw new Error(`${op}: labels and predictions must be vectors of one length, received shapes ${fmt(l.shape)} and ${fmt(p.shape)}`);
  const out = new Int32Array(numClasses * numClasses);
  for (let i = 0; i < l.shape[0]; i++) {
    const [a, b] = [l.values[i], p.values[i]];
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0 || a >= numClasses || b >= numClasses) {
      throw new Error(`${op}: label ${a} and prediction ${b} at index ${i} must be integers in [0, ${numClasses})`);
    }
    out[a * numClasses + b]++;
  }
  return tensor(out, [numClasses, numClasses], 'int32');
}
