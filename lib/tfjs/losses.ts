// TF.js's tf.losses functions that Keras does not name, with TF.js's arguments: (labels, predictions, weights?,
// ..., reduction?) and its Reduction enum. Each composes differentiable ops, so they train in custom loops. (TF.js's
// tf.losses.meanSquaredError is not here: tn.losses.meanSquaredError is Keras's per-sample function.)
import { abs, add, cast, div, exp, log, log1p, minimum, mul, neg, notEqual, relu, square, sub } from '../ops/elementwise.js';
import { logSoftmax, mean, sum } from '../ops/reduce.js';
import { fmt, shapesEqual, broadcastShapes } from '../shape-util.js';
import { ones, Tensor, type TensorLike } from '../tensor.js';
import { floatArg } from '../ops/util.js';

/** TF.js's Reduction: how the weighted per-element losses become the result (TF.js's numbering). */
export const Reduction = Object.freeze({ NONE: 0, MEAN: 1, SUM: 2, SUM_BY_NONZERO_WEIGHTS: 3 } as const);
export type ReductionValue = (typeof Reduction)[keyof typeof Reduction];

/**
 * TF.js's computeWeightedLoss(losses, weights?, reduction = SUM_BY_NONZERO_WEIGHTS): losses * weights (weights
 * broadcast against losses), then NONE keeps them, SUM adds them, MEAN divides the sum by the sum of the weights (and
 * by how many times the weights broadcast), SUM_BY_NONZERO_WEIGHTS divides it by the number of nonzero weights
 * (after broadcasting; by the number of losses without weights).
 */
export function computeWeightedLoss(losses: TensorLike, weights?: TensorLike | null, reduction: ReductionValue = Reduction.SUM_BY_NONZERO_WEIGHTS): Tensor {
  return weighted(floatArg(losses, 'computeWeightedLoss'), weights, reduction, 'computeWeightedLoss');
}

function weighted(losses: Tensor, weights: TensorLike | null | undefined, reduction: ReductionValue, op: string): Tensor {
  if (!Object.values(Reduction).includes(reduction)) {
    throw new Error(`${op}: unknown reduction ${JSON.stringify(reduction)}; expected tn.losses.Reduction.NONE (0), MEAN (1), SUM (2) or SUM_BY_NONZERO_WEIGHTS (3)`);
  }
  const w = weights === undefined || weights === null ? null : floatArg(weights, op);
  if (w) {
    const joint = broadcastShapes(losses.shape, w.shape, op);
    if (!shapesEqual(joint, losses.shape)) {
      throw new Error(`${op}: weights of shape ${fmt(w.shape)} must broadcast to the losses' shape ${fmt(losses.shape)}`);
    }
  }
  const values = w ? mul(losses, w) : losses;
  if (reduction === Reduction.NONE) return values;
  if (reduction === Reduction.SUM) return sum(values);
  if (reduction === Reduction.MEAN) {
    if (!w) return mean(values);
    const result = div(sum(values), sum(w));
    const broadcastFactor = losses.size / w.size;
    return broadcastFactor > 1 ? div(result, broadcastFactor) : result;
  }
  if (!w) return div(sum(values), losses.size);
  const nonzero = sum(cast(notEqual(mul(w, ones(losses.shape)), 0), 'float32'));
  return div(sum(values), nonzero);
}

function pairOf(labels: TensorLike, predictions: TensorLike, op: string, names = ['labels', 'predictions']): [Tensor, Tensor] {
  const a = floatArg(labels, op);
  const b = floatArg(predictions, op);
  if (!shapesEqual(a.shape, b.shape)) throw new Error(`${op}: ${names[0]} of shape ${fmt(a.shape)} and ${names[1]} of shape ${fmt(b.shape)} must have the same shape`);
  return [a, b];
}

/** TF.js's absoluteDifference: |labels - predictions|, weighted and reduced. */
export function absoluteDifference(labels: TensorLike, predictions: TensorLike, weights?: TensorLike | null, reduction: ReductionValue = Reduction.SUM_BY_NONZERO_WEIGHTS): Tensor {
  const [y, p] = pairOf(labels, predictions, 'absoluteDifference');
  return weighted(abs(sub(y, p)), weights, reduction, 'absoluteDifference');
}

/**
 * TF.js's softmaxCrossEntropy(onehotLabels, logits, weights?, labelSmoothing = 0, reduction?): the cross-entropy of
 * softmax(logits) over the last axis, one value per row; labelSmoothing moves the labels toward 1 / classes.
 */
export function softmaxCrossEntropy(
  onehotLabels: TensorLike, logits: TensorLike, weights?: TensorLike | null, labelSmoothing = 0, reduction: ReductionValue = Reduction.SUM_BY_NONZERO_WEIGHTS,
): Tensor {
  let [y, z] = pairOf(onehotLabels, logits, 'softmaxCrossEntropy', ['onehotLabels', 'logits']);
  checkSmoothing(labelSmoothing, 'softmaxCrossEntropy');
  if (y.rank === 0) throw new Error('softmaxCrossEntropy: onehotLabels and logits must have a class axis, received scalars');
  if (labelSmoothing > 0) y = add(mul(y, 1 - labelSmoothing), labelSmoothing / y.shape[y.rank - 1]);
  const losses = neg(sum(mul(y, logSoftmax(z, -1)), -1));
  return weighted(losses, weights, reduction, 'softmaxCrossEntropy');
}

/**
 * TF.js's sigmoidCrossEntropy(multiClassLabels, logits, weights?, labelSmoothing = 0, reduction?): per element,
 * max(z, 0) - z * y + log(1 + exp(-|z|)); labelSmoothing moves the labels toward 1/2.
 */
export function sigmoidCrossEntropy(
  multiClassLabels: TensorLike, logits: TensorLike, weights?: TensorLike | null, labelSmoothing = 0, reduction: ReductionValue = Reduction.SUM_BY_NONZERO_WEIGHTS,
): Tensor {
  let [y, z] = pairOf(multiClassLabels, logits, 'sigmoidCrossEntropy', ['multiClassLabels', 'logits']);
  checkSmoothing(labelSmoothing, 'sigmoidCrossEntropy');
  if (labelSmoothing > 0) y = add(mul(y, 1 - labelSmoothing), 0.5 * labelSmoothing);
  const losses = add(sub(relu(z), mul(z, y)), log1p(exp(neg(abs(z)))));
  return weighted(losses, weights, reduction, 'sigmoidCrossEntropy');
}

/** TF.js's huberLoss(labels, predictions, weights?, delta = 1, reduction?): quadratic within delta, linear beyond. */
export function huberLoss(labels: TensorLike, predictions: TensorLike, weights?: TensorLike | null, delta = 1, reduction: ReductionValue = Reduction.SUM_BY_NONZERO_WEIGHTS): Tensor {
  const [y, p] = pairOf(labels, predictions, 'huberLoss');
  if (typeof delta !== 'number' || !(delta >= 0)) throw new Error(`huberLoss: delta must be a non-negative number, received ${JSON.stringify(delta)}`);
  const error = abs(sub(p, y));
  const quadratic = minimum(error, delta);
  const linear = sub(error, quadratic);
  return weighted(add(mul(square(quadratic), 0.5), mul(linear, delta)), weights, reduction, 'huberLoss');
}

/** TF.js's logLoss(labels, predictions, weights?, epsilon = 1e-7, reduction?): -y log(p + eps) - (1 - y) log(1 - p + eps). */
export function logLoss(labels: TensorLike, predictions: TensorLike, weights?: TensorLike | null, epsilon = 1e-7, reduction: ReductionValue = Reduction.SUM_BY_NONZERO_WEIGHTS): Tensor {
  const [y, p] = pairOf(labels, predictions, 'logLoss');
  if (typeof epsilon !== 'number' || !Number.isFinite(epsilon)) throw new Error(`logLoss: epsilon must be a finite number, received ${JSON.stringify(epsilon)}`);
  const positive = neg(mul(y, log(add(p, epsilon))));
  const negative = mul(sub(1, y), log(add(sub(1, p), epsilon)));
  return weighted(sub(positive, negative), weights, reduction, 'logLoss');
}

/** TF.js's hingeLoss(labels, predictions, weights?, reduction?): labels in {0, 1} become {-1, 1}; max(0, 1 - y p). */
export function hingeLoss(labels: TensorLike, predictions: TensorLike, weights?: TensorLike | null, reduction: ReductionValue = Reduction.SUM_BY_NONZERO_WEIGHTS): Tensor {
  const [y, p] = pairOf(labels, predictions, 'hingeLoss');
  const signed = sub(mul(y, 2), 1);
  return weighted(relu(sub(1, mul(signed, p))), weights, reduction, 'hingeLoss');
}

/**
 * TF.js's cosineDistance(labels, predictions, axis, weights?, reduction?): 1 - sum(labels * predictions) along axis
 * (kept, size 1). As in TF.js the inputs are expected to be unit vectors already: nothing normalizes them.
 */
export function cosineDistance(labels: TensorLike, predictions: TensorLike, axis: number, weights?: TensorLike | null, reduction: ReductionValue = Reduction.SUM_BY_NONZERO_WEIGHTS): Tensor {
  const [y, p] = pairOf(labels, predictions, 'cosineDistance');
  if (typeof axis !== 'number' || !Number.isInteger(axis)) throw new Error(`cosineDistance: axis must be an integer, received ${JSON.stringify(axis)}`);
  return weighted(sub(1, sum(mul(y, p), axis, true)), weights, reduction, 'cosineDistance');
}

function checkSmoothing(s: unknown, op: string): void {
  if (typeof s !== 'number' || !(s >= 0 && s <= 1)) throw new Error(`${op}: labelSmoothing must be a number in [0, 1], received ${JSON.stringify(s)}`);
}

