// TF.js's tf.metrics functions: (yTrue, yPred) -> one value per sample (the last axis reduced), except precision,
// recall and r2Score, which give one scalar for the batch. Their definitions are TF.js's (epsilon 1e-7, exact 0/1
// comparisons in precision and recall); as compile() metrics they log under their function names, as in TF.js
// (binaryAccuracy, mse, MAPE, ...). Keras's metric classes (tn.metrics.BinaryAccuracy, ...) are separate.
import { abs, cast, clipByValue, div, equal, exp, greater, log, log1p, logicalAnd, maximum, mul, neg, relu, sqrt, square, sub, where, add, floor } from '../ops/elementwise.js';
import { argMax, mean, sum } from '../ops/reduce.js';
import { oneHot, reshape, squeeze } from '../ops/shape.js';
import { floatArg, toTensor } from '../ops/util.js';
import { fmt, shapesEqual } from '../shape-util.js';
import type { Tensor, TensorLike } from '../tensor.js';

const EPSILON = 1e-7;

function sameShape(yTrue: TensorLike, yPred: TensorLike, op: string): [Tensor, Tensor] {
  const t = floatArg(yTrue, op);
  const p = floatArg(yPred, op);
  if (!shapesEqual(t.shape, p.shape)) throw new Error(`${op}: yTrue of shape ${fmt(t.shape)} and yPred of shape ${fmt(p.shape)} must have the same shape`);
  if (t.rank === 0) throw new Error(`${op}: expected tensors with a last axis to reduce, received scalars`);
  return [t, p];
}

/** TF.js's binaryAccuracy: the fraction of the last axis where (yPred > 0.5) equals yTrue. */
export function binaryAccuracy(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = sameShape(yTrue, yPred, 'binaryAccuracy');
  return mean(cast(equal(t, cast(greater(p, 0.5), 'float32')), 'float32'), -1);
}

/** TF.js's categoricalAccuracy: 1 where argMax(yTrue) equals argMax(yPred) along the last axis, else 0. */
export function categoricalAccuracy(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = sameShape(yTrue, yPred, 'categoricalAccuracy');
  return cast(equal(argMax(t, -1), argMax(p, -1)), 'float32');
}

/** TF.js's sparseCategoricalAccuracy: yTrue holds class indices ([batch] or [batch, 1]); 1 where argMax(yPred) is it. */
export function sparseCategoricalAccuracy(yTrue: TensorLike, yPred: TensorLike): Tensor {
  let t = floatArg(yTrue, 'sparseCategoricalAccuracy');
  const p = floatArg(yPred, 'sparseCategoricalAccuracy');
  if (p.rank === 0) throw new Error('sparseCategoricalAccuracy: yPred must have a class axis, received a scalar');
  if (t.rank === p.rank) {
    if (t.shape[t.rank - 1] !== 1) throw new Error(`sparseCategoricalAccuracy: yTrue of shape ${fmt(t.shape)} must hold one class index per sample (shape ${fmt(p.shape.slice(0, -1))} or ${fmt([...p.shape.slice(0, -1), 1])}), for yPred of shape ${fmt(p.shape)}`);
    t = squeeze(t, [t.rank - 1]);
  }
  if (!shapesEqual(t.shape, p.shape.slice(0, -1))) {
    throw new Error(`sparseCategoricalAccuracy: yTrue of shape ${fmt(t.shape)} does not match yPred of shape ${fmt(p.shape)} (expected ${fmt(p.shape.slice(0, -1))})`);
  }
  return cast(equal(t, cast(argMax(p, -1), 'float32')), 'float32');
}

/** TF.js's binaryCrossentropy: yPred (probabilities) clipped to [1e-7, 1 - 1e-7], mean over the last axis. */
export function binaryCrossentropy(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = sameShape(yTrue, yPred, 'binaryCrossentropy');
  const y = clipByValue(p, EPSILON, 1 - EPSILON);
  const logits = log(div(y, sub(1, y)));
  return mean(add(sub(relu(logits), mul(logits, t)), log1p(exp(neg(abs(logits))))), -1);
}

function crossentropy(t: Tensor, p: Tensor): Tensor {
  const last = p.rank - 1;
  const y = clipByValue(div(p, sum(p, last, true)), EPSILON, 1 - EPSILON);
  return neg(sum(mul(t, log(y)), last));
}

/** TF.js's categoricalCrossentropy: yPred normalized to sum 1 and clipped to [1e-7, 1 - 1e-7] along the last axis. */
export function categoricalCrossentropy(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = sameShape(yTrue, yPred, 'categoricalCrossentropy');
  return crossentropy(t, p);
}

/** TF.js's sparseCategoricalCrossentropy: categoricalCrossentropy of the one-hot of yTrue's class indices. */
export function sparseCategoricalCrossentropy(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const t = toTensor(yTrue, 'sparseCategoricalCrossentropy');
  const p = floatArg(yPred, 'sparseCategoricalCrossentropy');
  if (p.rank === 0) throw new Error('sparseCategoricalCrossentropy: yPred must have a class axis, received a scalar');
  const classes = p.shape[p.rank - 1];
  if (t.size * classes !== p.size) {
    throw new Error(`sparseCategoricalCrossentropy: yTrue of shape ${fmt(t.shape)} must hold one class index per row of yPred (shape ${fmt(p.shape)})`);
  }
  const indices = cast(floor(reshape(floatArg(t, 'sparseCategoricalCrossentropy'), [t.size])), 'int32');
  const target = reshape(oneHot(indices, classes), p.shape);
  return crossentropy(target, clipByValue(p, EPSILON, 1 - EPSILON));
}

/** TF.js's meanSquaredError metric: mean((yPred - yTrue)^2) over the last axis. */
export function meanSquaredError(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = sameShape(yTrue, yPred, 'meanSquaredError');
  return mean(square(sub(p, t)), -1);
}

/** TF.js's meanAbsoluteError metric: mean(|yPred - yTrue|) over the last axis. */
export function meanAbsoluteError(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = sameShape(yTrue, yPred, 'meanAbsoluteError');
  return mean(abs(sub(p, t)), -1);
}

/** TF.js's meanAbsolutePercentageError: 100 * mean(|yTrue - yPred| / max(|yTrue|, 1e-7)) over the last axis. */
export function meanAbsolutePercentageError(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = sameShape(yTrue, yPred, 'meanAbsolutePercentageError');
  return mul(mean(abs(div(sub(t, p), clipByValue(abs(t), EPSILON, 3.4028234663852886e38))), -1), 100);
}

/** TF.js's cosineProximity: -(cosine similarity) along the last axis (each side L2-normalized with epsilon 1e-7). */
export function cosineProximity(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = sameShape(yTrue, yPred, 'cosineProximity');
  const l2Normalize = (x: Tensor) => div(x, sqrt(maximum(sum(square(x), -1, true), EPSILON)));
  return neg(sum(mul(l2Normalize(t), l2Normalize(p)), -1));
}

function counts(yTrue: TensorLike, yPred: TensorLike, op: string): { tp: Tensor; fp: Tensor; fn: Tensor } {
  const [t, p] = sameShape(yTrue, yPred, op);
  const both = (a: Tensor, b: Tensor) => sum(cast(logicalAnd(a, b), 'float32'));
  return {
    tp: both(equal(t, 1), equal(p, 1)),
    fp: both(equal(t, 0), equal(p, 1)),
    fn: both(equal(t, 1), equal(p, 0)),
  };
}

/**
 * TF.js's precision: true positives / (true positives + false positives) over the whole batch, a scalar (0 when
 * nothing is predicted positive). As in TF.js, yPred must already be 0 or 1: only values equal to 1 count as
 * predicted positive (threshold probabilities first).
 */
export function precision(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const { tp, fp } = counts(yTrue, yPred, 'precision');
  const denominator = add(tp, fp);
  return where(greater(denominator, 0), div(tp, denominator), 0);
}

/** TF.js's recall: true positives / (true positives + false negatives), a scalar; yPred must be 0 or 1, as in precision. */
export function recall(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const { tp, fn } = counts(yTrue, yPred, 'recall');
  const denominator = add(tp, fn);
  return where(greater(denominator, 0), div(tp, denominator), 0);
}

/** TF.js's r2Score: 1 - sum((yTrue - yPred)^2) / sum((yTrue - mean(yTrue))^2) over the whole batch, a scalar. */
export function r2Score(yTrue: TensorLike, yPred: TensorLike): Tensor {
  const [t, p] = sameShape(yTrue, yPred, 'r2Score');
  return sub(1, div(sum(square(sub(t, p))), sum(square(sub(t, mean(t))))));
}

/** A copy of fn named `name`, so that compile() logs an alias under its own name as TF.js does (mse, MAPE). */
function alias<F extends (yTrue: TensorLike, yPred: TensorLike) => Tensor>(name: string, fn: F): F {
  const f = ((yTrue: TensorLike, yPred: TensorLike) => fn(yTrue, yPred)) as F;
  Object.defineProperty(f, 'name', { value: name });
  return f;
}

export const MSE = alias('MSE', meanSquaredError);
export const mse = alias('mse', meanSquaredError);
export const MAE = alias('MAE', meanAbsoluteError);
export const mae = alias('mae', meanAbsoluteError);
export const MAPE = alias('MAPE', meanAbsolutePercentageError);
export const mape = alias('mape', meanAbsolutePercentageError);
