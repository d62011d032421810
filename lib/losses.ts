// Losses with Keras's definitions: each maps (yTrue, yPred) to one value per sample (reducing the last axis), then
// a reduction turns those into the scalar that training minimises.
import { fromConfig, lookup, normalizeName, toSnakeCase } from './names.js';
import { abs, add, clipByValue, div, exp, log, log1p, minimum, mul, neg, relu, square, sub } from './ops/elementwise.js';
import { labelIndices, sparseSoftmaxCrossEntropy, takeAlongLastAxis } from './ops/nn.js';
import { logSoftmax, mean, softmaxLogits, sum } from './ops/reduce.js';
import { reshape, transpose } from './ops/shape.js';
import { castTo, floatArg } from './ops/util.js';
import { fmt, shapesEqual } from './shape-util.js';
import { Tensor, toTensor, type TensorLike } from './tensor.js';
import { ctcLoss } from './ops/ctc.js';
import { Reduction as TfjsReduction } from './tfjs/losses.js';

/** Keras's epsilon: probabilities are clipped to [eps, 1 - eps] before taking logs. */
export const EPSILON = 1e-7;

export type Reduction = 'sum_over_batch_size' | 'sum' | 'none' | 'mean';
/**
 * TF.js's Reduction enum (NONE, MEAN, SUM, SUM_BY_NONZERO_WEIGHTS) for the TF.js loss functions below
 * (computeWeightedLoss, absoluteDifference, ...). The type Reduction stays the Keras losses' reduction strings.
 */
export const Reduction = TfjsReduction;
export { absoluteDifference, computeWeightedLoss, cosineDistance, hingeLoss, huberLoss, logLoss, sigmoidCrossEntropy, softmaxCrossEntropy } from './tfjs/losses.js';
export type { ReductionValue } from './tfjs/losses.js';
export type LossFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

export interface LossArgs {
  reduction?: Reduction | 'sumOverBatchSize';
  name?: string;
}

function checkReduction(r: string | undefined, cls: string): Reduction {
  const k = normalizeName(r ?? 'sum_over_batch_size');
  if (k === 'sumoverbatchsize' || k === 'mean') return 'sum_over_batch_size';
  if (k === 'sum') return 'sum';
  if (k === 'none') return 'none';
  throw new Error(`${cls}: unknown reduction ${JSON.stringify(r)}; expected 'sum_over_batch_size', 'sum' or 'none'`);
}

export abstract class Loss {
  readonly name: string;
  readonly reduction: Reduction;
  /**
   * A subclass of your own may call `super()` or `super({ name, reduction })` (Keras's Loss(name, reduction)); its
   * name then defaults to the class name in snake_case.
   */
  constructor(args: LossArgs = {}, defaultName: string = toSnakeCase(new.target.name), defaultReduction: Reduction = 'sum_over_batch_size') {
    if (args === null || typeof args !== 'object') throw new Error(`${new.target.name}: expected an options object such as { name, reduction }, received ${String(args)}`);
    this.name = args.name ?? defaultName;
    this.reduction = args.reduction ? checkReduction(args.reduction, this.constructor.name) : defaultReduction;
  }

  /** One loss value per sample (the last axis is reduced). */
  abstract call(yTrue: Tensor, yPred: Tensor): Tensor;

  /** The reduced loss; sample weights scale each sample's value (and still divide by the sample count). */
  compute(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: Tensor | null): Tensor {
    const p = floatArg(yPred, this.name);
    const t = toTensor(yTrue, this.name);
    let values = this.call(t, p);
    if (sampleWeight) {
      if (sampleWeight.size !== values.shape[0] && sampleWeight.size !== values.size) {
        throw new Error(`${this.name}: sample weights of shape ${fmt(sampleWeight.shape)} do not match per-sample losses of shape ${fmt(values.shape)}`);
      }
      const w = sampleWeight.size === values.size ? reshape(sampleWeight, values.shape) : reshape(sampleWeight, [values.shape[0], ...values.shape.slice(1).map(() => 1)]);
      values = mul(values, w);
    }
    if (this.reduction === 'none') return values;
    if (this.reduction === 'sum') return sum(values);
    return mean(values);
  }

  /** Calling a loss object computes the reduced loss (loss(yTrue, yPred) as in Keras). */
  apply(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: Tensor | null): Tensor {
    return this.compute(yTrue, yPred, sampleWeight);
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, reduction: this.reduction };
  }
}

function checkSameShape(yTrue: Tensor, yPred: Tensor, name: string): Tensor {
  if (shapesEqual(yTrue.shape, yPred.shape)) return yTrue;
  if (yTrue.size === yPred.size) return reshape(yTrue, yPred.shape);
  throw new Error(`${name}: yTrue has shape ${fmt(yTrue.shape)} but yPred has shape ${fmt(yPred.shape)}; they must match`);
}

const lastAxisMean = (x: Tensor) => mean(x, -1);

export class MeanSquaredError extends Loss {
  constructor(args: LossArgs = {}) {
    super(args, 'mean_squared_error');
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    const t = checkSameShape(castTo(yTrue, 'float32'), yPred, this.name);
    return lastAxisMean(square(sub(yPred, t)));
  }
}

/** Sum of squared errors over all elements: L = sum((y - yhat)^2), the seed's loss as written. */
export class SumSquaredError extends Loss {
  constructor(args: LossArgs = {}) {
    super(args, 'sum_squared_error', 'sum');
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    const t = checkSameShape(castTo(yTrue, 'float32'), yPred, this.name);
    return sum(square(sub(yPred, t)), -1);
  }
}

export class MeanAbsoluteError extends Loss {
  constructor(args: LossArgs = {}) {
    super(args, 'mean_absolute_error');
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    const t = checkSameShape(castTo(yTrue, 'float32'), yPred, this.name);
    return lastAxisMean(abs(sub(yPred, t)));
  }
}

/** Quadratic for errors below delta, linear above: mean(0.5 q^2 + delta (|e| - q)) with q = min(|e|, delta). */
export class Huber extends Loss {
  readonly delta: number;
  constructor(args: LossArgs & { delta?: number } = {}) {
    super(args, 'huber_loss');
    this.delta = args.delta ?? 1;
    if (!(this.delta > 0)) throw new Error(`Huber: delta must be positive, received ${args.delta}`);
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    const t = checkSameShape(castTo(yTrue, 'float32'), yPred, this.name);
    const err = abs(sub(yPred, t));
    const q = minimum(err, this.delta);
    const lin = sub(err, q);
    return lastAxisMean(add(mul(square(q), 0.5), mul(lin, this.delta)));
  }
  override getConfig() {
    return { ...super.getConfig(), delta: this.delta };
  }
}

export interface CrossentropyArgs extends LossArgs {
  fromLogits?: boolean;
  labelSmoothing?: number;
  /** The class axis of yPred, reduced away (Keras's default -1: the last axis); negative values count from the end. */
  axis?: number;
}

/** Probabilities are clipped to [eps, 1 - eps] before the log, so a confident mistake costs -log(eps), not infinity. */
function clippedProbabilities(p: Tensor): Tensor {
  return clipByValue(p, EPSILON, 1 - EPSILON);
}

function checkAxisArg(axis: unknown, cls: string): number {
  if (axis === undefined) return -1;
  if (typeof axis !== 'number' || !Number.isInteger(axis)) {
    throw new Error(`${cls}: received an invalid value for \`axis\`, expected an integer. Received: axis=${JSON.stringify(axis) ?? String(axis)}`);
  }
  return axis;
}

/** The class axis of yPred as an index from 0; an axis outside yPred's rank is an error naming the loss and the shape. */
function resolveClassAxis(axis: number, yPred: Tensor, name: string): number {
  const r = yPred.rank;
  if (r === 0 || axis < -r || axis >= r) {
    throw new Error(
      `${name}: axis ${axis} is out of range for yPred of shape ${fmt(yPred.shape)} (rank ${r}); ` +
        (r === 0 ? 'yPred must have a class axis' : `expected an integer from ${-r} to ${r - 1}`),
    );
  }
  return axis < 0 ? axis + r : axis;
}

/**
 * x with its class axis moved last, the other axes in order: the per-sample values then come out with yPred's
 * shape minus that axis, as Keras's reduction over `axis` gives them. The last axis needs no copy.
 */
function classAxisLast(x: Tensor, axis: number): Tensor {
  if (axis === x.rank - 1) return x;
  const perm = x.shape.map((_, i) => i).filter((i) => i !== axis);
  return transpose(x, [...perm, axis]);
}

export class CategoricalCrossentropy extends Loss {
  readonly fromLogits: boolean;
  readonly labelSmoothing: number;
  readonly axis: number;
  constructor(args: CrossentropyArgs = {}) {
    super(args, 'categorical_crossentropy');
    this.fromLogits = args.fromLogits ?? false;
    this.labelSmoothing = args.labelSmoothing ?? 0;
    this.axis = checkAxisArg(args.axis, 'CategoricalCrossentropy');
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    const a = resolveClassAxis(this.axis, yPred, this.name);
    let t = classAxisLast(checkSameShape(castTo(yTrue, 'float32'), yPred, this.name), a);
    if (this.labelSmoothing) {
      // Spread over the classes of the class axis (Keras divides by the last axis's size even when `axis` is another).
      const c = yPred.shape[a];
      t = add(mul(t, 1 - this.labelSmoothing), this.labelSmoothing / c);
    }
    // A softmax's logits stand in for yPred when the softmax normalised over the class axis.
    const logits = this.fromLogits ? yPred : softmaxLogits(yPred, a);
    const p = classAxisLast(logits ?? yPred, a);
    // As Keras: probabilities are first rescaled to sum to one along the class axis.
    const logp = logits ? logSoftmax(p, -1) : log(clippedProbabilities(div(p, sum(p, -1, true))));
    return neg(sum(mul(t, logp), -1));
  }
  override getConfig() {
    return { ...super.getConfig(), fromLogits: this.fromLogits, labelSmoothing: this.labelSmoothing, axis: this.axis };
  }
}

/**
 * Keras's rule: labels have yPred's shape without the class axis, or with size 1 there, or that shape with a trailing
 * 1. Labels of the right count but another shape ([N, H*W] for [N, H, W, C] predictions) would otherwise be read in
 * row order and train on pixels they do not belong to.
 */
function checkSparseLabelShape(yTrue: Tensor, yPred: Tensor, axis: number, name: string): void {
  const without = yPred.shape.filter((_, i) => i !== axis);
  const same = (s: readonly number[]) => s.length === yTrue.rank && s.every((d, i) => d === yTrue.shape[i]);
  if (same(without) || same(yPred.shape.map((d, i) => (i === axis ? 1 : d))) || same([...without, 1])) return;
  throw new Error(
    `${name}: labels of shape ${fmt(yTrue.shape)} do not fit predictions of shape ${fmt(yPred.shape)}; ` +
      `expected ${fmt(without)} (the predictions' shape without the class axis) or ${fmt([...without, 1])}`,
  );
}

export class SparseCategoricalCrossentropy extends Loss {
  readonly fromLogits: boolean;
  readonly axis: number;
  constructor(args: CrossentropyArgs = {}) {
    super(args, 'sparse_categorical_crossentropy');
    this.fromLogits = args.fromLogits ?? false;
    this.axis = checkAxisArg(args.axis, 'SparseCategoricalCrossentropy');
    // Keras's sparse loss has no label smoothing; taking the option and ignoring it would train something else.
    if (args.labelSmoothing) {
      throw new Error(
        `SparseCategoricalCrossentropy: labelSmoothing is not an option of the sparse loss (received ${args.labelSmoothing}); ` +
          'use CategoricalCrossentropy with one-hot labels for label smoothing',
      );
    }
  }
  /** Labels have yPred's shape without the class axis (or with size 1 there, or a trailing 1, as Keras accepts). */
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    if (yPred.rank < 1) throw new Error(`${this.name}: yPred must have a class axis, received shape ${fmt(yPred.shape)}`);
    const a = resolveClassAxis(this.axis, yPred, this.name);
    const classes = yPred.shape[a];
    const rows = yPred.size / (classes || 1);
    checkSparseLabelShape(yTrue, yPred, a, this.name);
    // Labels come as [batch] or [batch, 1]; either order is the row order of yPred with its class axis moved last.
    const logits = this.fromLogits ? yPred : softmaxLogits(yPred, a);
    if (logits) return sparseSoftmaxCrossEntropy(classAxisLast(logits, a), yTrue, this.name);
    const idx = labelIndices(yTrue, classes, this.name, rows);
    return neg(log(takeAlongLastAxis(clippedProbabilities(classAxisLast(yPred, a)), idx)));
  }
  override getConfig() {
    return { ...super.getConfig(), fromLogits: this.fromLogits, axis: this.axis };
  }
}

export class BinaryCrossentropy extends Loss {
  readonly fromLogits: boolean;
  readonly labelSmoothing: number;
  readonly axis: number;
  constructor(args: CrossentropyArgs = {}) {
    super(args, 'binary_crossentropy');
    this.fromLogits = args.fromLogits ?? false;
    this.labelSmoothing = args.labelSmoothing ?? 0;
    this.axis = checkAxisArg(args.axis, 'BinaryCrossentropy');
  }
  /** The elementwise losses averaged over `axis`. */
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    const a = resolveClassAxis(this.axis, yPred, this.name);
    let t = checkSameShape(castTo(yTrue, 'float32'), yPred, this.name);
    if (this.labelSmoothing) t = add(mul(t, 1 - this.labelSmoothing), 0.5 * this.labelSmoothing);
    if (this.fromLogits) {
      // max(x, 0) - x z + log(1 + exp(-|x|)): no overflow for any logit.
      return mean(add(sub(relu(yPred), mul(yPred, t)), log1p(exp(neg(abs(yPred))))), a);
    }
    const p = clipByValue(yPred, EPSILON, 1 - EPSILON);
    const ll = add(mul(t, log(p)), mul(sub(1, t), log(sub(1, p))));
    return neg(mean(ll, a));
  }
  override getConfig() {
    return { ...super.getConfig(), fromLogits: this.fromLogits, labelSmoothing: this.labelSmoothing, axis: this.axis };
  }
}

/** A loss from a plain function (yTrue, yPred) => per-sample values (or an already reduced scalar). */
export class LossFunctionWrapper extends Loss {
  constructor(readonly fn: LossFn, args: LossArgs = {}) {
    super(args, args.name ?? (fn.name || 'custom_loss'));
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    const v = this.fn(yTrue, yPred);
    if (!(v instanceof Tensor)) throw new Error(`loss function ${this.name} must return a tensor, received ${typeof v}`);
    return v;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Distribution, similarity, margin and relative-error losses (Keras 3's KLDivergence, Poisson, CosineSimilarity,
// LogCosh, Hinge, SquaredHinge, CategoricalHinge, MeanAbsolutePercentageError, MeanSquaredLogarithmicError). Their
// imports sit here, with them, so this block stays one piece.
import { maximum as maximumOf, rsqrt, softplus } from './ops/elementwise.js';
import { max as maxOf } from './ops/reduce.js';

/** sum(t log(t / p)) over the last axis, both clipped to [eps, 1] first as Keras does (so t = 0 adds nothing). */
export class KLDivergence extends Loss {
  constructor(args: LossArgs = {}) {
    super(args, 'kl_divergence');
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    const t = clipByValue(checkSameShape(castTo(yTrue, 'float32'), yPred, this.name), EPSILON, 1);
    const p = clipByValue(yPred, EPSILON, 1);
    return sum(mul(t, log(div(t, p))), -1);
  }
}

/** mean(p - t log(p + eps)) over the last axis: the negative Poisson log-likelihood without its log(t!) constant. */
export class Poisson extends Loss {
  constructor(args: LossArgs = {}) {
    super(args, 'poisson');
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    const t = checkSameShape(castTo(yTrue, 'float32'), yPred, this.name);
    return lastAxisMean(sub(yPred, mul(t, log(add(yPred, EPSILON)))));
  }
}

/**
 * x / max(||x||, eps) along `axis`, as keras.ops.normalize: rsqrt of the clamped squared norm, which equals Keras's
 * min(rsqrt(||x||^2), 1 / eps) and keeps the gradient finite for an all-zero vector.
 */
function l2Normalize(x: Tensor, axis: number): Tensor {
  return mul(x, rsqrt(maximumOf(sum(square(x), axis, true), EPSILON * EPSILON)));
}

function checkAxis(axis: number, rank: number, name: string, shape: readonly number[]): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new Error(`${name}: axis ${axis} is out of range for yPred of shape ${fmt(shape)} (rank ${rank})`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** -sum(normalize(t) * normalize(p)) along `axis`: -1 for parallel vectors, 0 for orthogonal ones, 1 for opposite. */
export class CosineSimilarity extends Loss {
  readonly axis: number;
  constructor(args: LossArgs & { axis?: number } = {}) {
    super(args, 'cosine_similarity');
    this.axis = args.axis ?? -1;
    if (!Number.isInteger(this.axis)) throw new Error(`CosineSimilarity: axis must be an integer, received ${args.axis}`);
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    const t = checkSameShape(castTo(yTrue, 'float32'), yPred, this.name);
    const axis = checkAxis(this.axis, yPred.rank, this.name, yPred.shape);
    return neg(sum(mul(l2Normalize(t, axis), l2Normalize(yPred, axis)), axis));
  }
  override getConfig() {
    return { ...super.getConfig(), axis: this.axis };
  }
}

/**
 * mean(log(cosh(p - t))) over the last axis, as x + softplus(-2x) - log 2: cosh overflows float32 for |x| > 89,
 * this form never does (about x^2 / 2 for small errors, |x| - log 2 for large ones).
 */
export class LogCosh extends Loss {
  constructor(args: LossArgs = {}) {
    super(args, 'log_cosh');
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    const x = sub(yPred, checkSameShape(castTo(yTrue, 'float32'), yPred, this.name));
    return lastAxisMean(sub(add(x, softplus(mul(x, -2))), Math.LN2));
  }
}

/** Keras's convert_binary_labels_to_hinge: labels that are all 0 or 1 become -1 or 1; any other labels stay as given. */
function hingeLabels(yTrue: Tensor): Tensor {
  const t = castTo(yTrue, 'float32');
  const v = t.values;
  for (let i = 0; i < v.length; i++) if (v[i] !== 0 && v[i] !== 1) return t;
  return sub(mul(t, 2), 1);
}

/** mean(max(1 - t p, 0)) over the last axis, for labels in {-1, 1} (or {0, 1}, converted). */
export class Hinge extends Loss {
  constructor(args: LossArgs = {}) {
    super(args, 'hinge');
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    const t = hingeLabels(checkSameShape(yTrue, yPred, this.name));
    return lastAxisMean(relu(sub(1, mul(t, yPred))));
  }
}

/** mean(max(1 - t p, 0)^2) over the last axis, for labels in {-1, 1} (or {0, 1}, converted). */
export class SquaredHinge extends Loss {
  constructor(args: LossArgs = {}) {
    super(args, 'squared_hinge');
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    const t = hingeLabels(checkSameShape(yTrue, yPred, this.name));
    return lastAxisMean(square(relu(sub(1, mul(t, yPred)))));
  }
}

/** max(neg - pos + 1, 0) with pos = sum(t p) and neg = max((1 - t) p) over the last axis (one-hot labels). */
export class CategoricalHinge extends Loss {
  constructor(args: LossArgs = {}) {
    super(args, 'categorical_hinge');
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    if (yPred.rank < 1) throw new Error(`${this.name}: yPred must have a class axis, received shape ${fmt(yPred.shape)}`);
    const t = checkSameShape(castTo(yTrue, 'float32'), yPred, this.name);
    const pos = sum(mul(t, yPred), -1);
    const negative = maxOf(mul(sub(1, t), yPred), -1);
    return relu(add(sub(negative, pos), 1));
  }
}

/** 100 mean(|t - p| / max(|t|, eps)) over the last axis: the error as a percentage of the target. */
export class MeanAbsolutePercentageError extends Loss {
  constructor(args: LossArgs = {}) {
    super(args, 'mean_absolute_percentage_error');
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    const t = checkSameShape(castTo(yTrue, 'float32'), yPred, this.name);
    return mul(lastAxisMean(abs(div(sub(t, yPred), maximumOf(abs(t), EPSILON)))), 100);
  }
}

/** mean((log(max(p, eps) + 1) - log(max(t, eps) + 1))^2) over the last axis: squared error of log(1 + x). */
export class MeanSquaredLogarithmicError extends Loss {
  constructor(args: LossArgs = {}) {
    super(args, 'mean_squared_logarithmic_error');
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    const t = checkSameShape(castTo(yTrue, 'float32'), yPred, this.name);
    return lastAxisMean(square(sub(log1p(maximumOf(yPred, EPSILON)), log1p(maximumOf(t, EPSILON)))));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Focal and overlap losses (Keras 3's BinaryFocalCrossentropy, CategoricalFocalCrossentropy, Dice, Tversky). Their
// imports sit here, with them, so this block stays one piece.
import { pow, sigmoid } from './ops/elementwise.js';
import { softmax } from './ops/reduce.js';

function checkNumberArg(v: unknown, what: string, cls: string, lo = -Infinity, hi = Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) {
    const range = lo === -Infinity ? 'a finite number' : hi === Infinity ? `a number >= ${lo}` : `a number in [${lo}, ${hi}]`;
    throw new Error(`${cls}: received an invalid value for \`${what}\`, expected ${range}. Received: ${what}=${JSON.stringify(v) ?? String(v)}`);
  }
  return v;
}

export interface FocalArgs extends CrossentropyArgs {
  /** The focusing parameter: (1 - p_t)^gamma scales each term (2; 0 is plain cross-entropy). */
  gamma?: number;
}

/** What the two focal losses share: gamma, fromLogits, labelSmoothing and the class axis. */
abstract class FocalCrossentropy extends Loss {
  readonly gamma: number;
  readonly fromLogits: boolean;
  readonly labelSmoothing: number;
  readonly axis: number;
  constructor(args: FocalArgs, defaultName: string) {
    super(args, defaultName);
    const cls = new.target.name;
    this.gamma = checkNumberArg(args.gamma ?? 2, 'gamma', cls, 0);
    this.fromLogits = args.fromLogits ?? false;
    this.labelSmoothing = checkNumberArg(args.labelSmoothing ?? 0, 'labelSmoothing', cls, 0, 1);
    this.axis = checkAxisArg(args.axis, cls);
  }
  /** The class axis (from 0) and the labels as float32 of yPred's shape. */
  protected classAxisAndLabels(yTrue: Tensor, yPred: Tensor): [number, Tensor] {
    return [resolveClassAxis(this.axis, yPred, this.name), checkSameShape(castTo(yTrue, 'float32'), yPred, this.name)];
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), gamma: this.gamma, fromLogits: this.fromLogits, labelSmoothing: this.labelSmoothing, axis: this.axis };
  }
}

/**
 * Lin et al.'s focal loss for binary labels: the binary cross-entropy of each element times (1 - p_t)^gamma, p_t being
 * the probability given to the label, averaged over `axis`; with applyClassBalancing, times alpha for positives and
 * 1 - alpha for negatives.
 */
export class BinaryFocalCrossentropy extends FocalCrossentropy {
  readonly applyClassBalancing: boolean;
  readonly alpha: number;
  constructor(args: FocalArgs & { applyClassBalancing?: boolean; alpha?: number } = {}) {
    super(args, 'binary_focal_crossentropy');
    this.applyClassBalancing = args.applyClassBalancing ?? false;
    this.alpha = checkNumberArg(args.alpha ?? 0.25, 'alpha', 'BinaryFocalCrossentropy', 0, 1);
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    const [a, labels] = this.classAxisAndLabels(yTrue, yPred);
    let t = labels;
    if (this.labelSmoothing) t = add(mul(t, 1 - this.labelSmoothing), 0.5 * this.labelSmoothing);
    const p = this.fromLogits ? sigmoid(yPred) : yPred;
    const clipped = clippedProbabilities(p);
    const bce = neg(add(mul(t, log(clipped)), mul(sub(1, t), log(sub(1, clipped)))));
    // p_t from the unclipped probabilities, as Keras: a confident right answer gets a focal factor of exactly 0.
    const pT = add(mul(t, p), mul(sub(1, t), sub(1, p)));
    let focal = mul(pow(sub(1, pT), this.gamma), bce);
    if (this.applyClassBalancing) focal = mul(add(mul(t, this.alpha), mul(sub(1, t), 1 - this.alpha)), focal);
    return mean(focal, a);
  }
  override getConfig() {
    return { ...super.getConfig(), applyClassBalancing: this.applyClassBalancing, alpha: this.alpha };
  }
}

/**
 * The focal loss for one-hot labels: Σ over the class axis of alpha (1 - p)^gamma (-t log p), the probabilities
 * rescaled to sum to one and clipped to [eps, 1 - eps]. alpha is one number or one weight per class (the last axis).
 */
export class CategoricalFocalCrossentropy extends FocalCrossentropy {
  readonly alpha: number | number[];
  constructor(args: FocalArgs & { alpha?: number | number[] } = {}) {
    super(args, 'categorical_focal_crossentropy');
    const alpha = args.alpha ?? 0.25;
    const check = (v: unknown) => checkNumberArg(v, 'alpha', 'CategoricalFocalCrossentropy');
    this.alpha = Array.isArray(alpha) ? alpha.map(check) : check(alpha);
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    const [a, labels] = this.classAxisAndLabels(yTrue, yPred);
    let t = labels;
    const last = yPred.shape[yPred.rank - 1];
    // Keras spreads the smoothing over the last axis's classes, whichever axis is the class axis.
    if (this.labelSmoothing) t = add(mul(t, 1 - this.labelSmoothing), this.labelSmoothing / last);
    const p = this.fromLogits ? softmax(yPred, a) : yPred;
    const output = clippedProbabilities(div(p, sum(p, a, true)));
    let alpha: number | Tensor = this.alpha as number;
    if (Array.isArray(this.alpha)) {
      if (this.alpha.length !== last) {
        throw new Error(`${this.name}: ${this.alpha.length} alpha weights for predictions of shape ${fmt(yPred.shape)}, expected one per class (${last}, the last axis)`);
      }
      alpha = toTensor(this.alpha, this.name);
    }
    const weighting = mul(pow(sub(1, output), this.gamma), alpha);
    return sum(mul(weighting, neg(mul(t, log(output)))), a);
  }
  override getConfig() {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}

/** Resolves Keras's `axis` of Dice: null for every axis, else the axes summed over (negative from the end). */
function overlapAxes(axis: number[] | null, yPred: Tensor, name: string): number[] | undefined {
  if (axis === null) return undefined;
  return axis.map((ax) => {
    const r = ax < 0 ? ax + yPred.rank : ax;
    if (!(r >= 0 && r < yPred.rank)) throw new Error(`${name}: axis ${ax} is out of range for yPred of shape ${fmt(yPred.shape)}`);
    return r;
  });
}

/**
 * 1 - 2 Σ(y ŷ) / (Σy + Σŷ + eps), the sums over `axis` (null, the default: over everything, one loss for the batch;
 * [1, 2, 3]: one per sample of a [batch, h, w, c] segmentation).
 */
export class Dice extends Loss {
  readonly axis: number[] | null;
  constructor(args: LossArgs & { axis?: number | number[] | null } = {}) {
    super(args, 'dice');
    const axis = args.axis ?? null;
    const list = axis === null ? null : Array.isArray(axis) ? axis : [axis];
    if (list && list.some((a) => !Number.isInteger(a))) {
      throw new Error(`Dice: received an invalid value for \`axis\`, expected null or integers. Received: axis=${JSON.stringify(args.axis)}`);
    }
    this.axis = list;
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    const t = checkSameShape(castTo(yTrue, 'float32'), yPred, this.name);
    const axes = overlapAxes(this.axis, yPred, this.name);
    const intersection = sum(mul(t, yPred), axes);
    return sub(1, div(mul(intersection, 2), add(add(sum(t, axes), sum(yPred, axes)), EPSILON)));
  }
  override getConfig() {
    return { ...super.getConfig(), axis: this.axis };
  }
}

/**
 * 1 - TP / (TP + alpha FP + beta FN + eps) over the whole batch, with TP = Σ y ŷ, FP = Σ (1 - ŷ) y and
 * FN = Σ ŷ (1 - y) as Keras names them; alpha = beta = 0.5 is the Dice loss.
 */
export class Tversky extends Loss {
  readonly alpha: number;
  readonly beta: number;
  constructor(args: LossArgs & { alpha?: number; beta?: number } = {}) {
    super(args, 'tversky');
    this.alpha = checkNumberArg(args.alpha ?? 0.5, 'alpha', 'Tversky');
    this.beta = checkNumberArg(args.beta ?? 0.5, 'beta', 'Tversky');
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    const t = checkSameShape(castTo(yTrue, 'float32'), yPred, this.name);
    const intersection = sum(mul(t, yPred));
    const fp = sum(mul(sub(1, yPred), t));
    const fn = sum(mul(yPred, sub(1, t)));
    return sub(1, div(intersection, add(add(add(intersection, mul(fp, this.alpha)), mul(fn, this.beta)), EPSILON)));
  }
  override getConfig() {
    return { ...super.getConfig(), alpha: this.alpha, beta: this.beta };
  }
}

/**
 * Keras 3's CTC loss: y_true int labels [batch, maxLabelLength] padded with 0 (the blank, which no label may be),
 * y_pred logits [batch, time, classes]; each sample's labels are its nonzero entries and all its steps count, as
 * Keras's ctc() passes ops.ctc_loss. For other lengths, call tn.ops.ctcLoss yourself.
 */
export class CTC extends Loss {
  constructor(args: LossArgs = {}) {
    super(args, 'ctc');
  }
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    if (yTrue.rank !== 2) throw new Error(`${this.name}: y_true must be labels [batch, maxLabelLength], received shape ${fmt(yTrue.shape)}`);
    if (yPred.rank !== 3) throw new Error(`${this.name}: y_pred must be logits [batch, time, classes], received shape ${fmt(yPred.shape)}`);
    const labels = yTrue.data();
    const width = yTrue.shape[1];
    const labelLength = Array.from({ length: yTrue.shape[0] }, (_, b) => {
      let n = 0;
      for (let i = 0; i < width; i++) if (labels[b * width + i] !== 0) n++;
      return n;
    });
    // As Keras's: the first (count of nonzero) entries are the labels, so the padding must follow them.
    return ctcLoss(yTrue, yPred, labelLength, new Array(yPred.shape[0]).fill(yPred.shape[1]), 0);
  }
}

export type LossIdentifier = string | Loss | LossFn | { className: string; config?: Record<string, unknown> };

const classes: Record<string, new (args?: never) => Loss> = {
  mean_squared_error: MeanSquaredError, mse: MeanSquaredError,
  mean_absolute_error: MeanAbsoluteError, mae: MeanAbsoluteError,
  huber: Huber as never, huber_loss: Huber as never,
  binary_crossentropy: BinaryCrossentropy as never,
  categorical_crossentropy: CategoricalCrossentropy as never,
  sparse_categorical_crossentropy: SparseCategoricalCrossentropy as never,
  sum_squared_error: SumSquaredError,
  // Distribution, similarity and margin losses (normalised, 'log_cosh' and 'logcosh' are one key).
  kl_divergence: KLDivergence, kld: KLDivergence, kullback_leibler_divergence: KLDivergence,
  poisson: Poisson,
  cosine_similarity: CosineSimilarity as never, cosine_proximity: CosineSimilarity as never,
  log_cosh: LogCosh,
  hinge: Hinge, squared_hinge: SquaredHinge, categorical_hinge: CategoricalHinge,
  mean_absolute_percentage_error: MeanAbsolutePercentageError, mape: MeanAbsolutePercentageError,
  mean_squared_logarithmic_error: MeanSquaredLogarithmicError, msle: MeanSquaredLogarithmicError,
  binary_focal_crossentropy: BinaryFocalCrossentropy as never, categorical_focal_crossentropy: CategoricalFocalCrossentropy as never,
  dice: Dice as never, tversky: Tversky as never,
  ctc: CTC,
};
const table = new Map(Object.entries(classes).map(([k, v]) => [normalizeName(k), v]));
const known = Object.keys(classes);
/** Loss subclasses registered with tn.serialization.registerClass, by class name (as serialized compile args name them). */
const customLosses = new Map<string, new (config: Record<string, unknown>) => Loss>();

/** @internal registerClass's part for a Loss subclass: a serialized { className, config } can rebuild it. */
export function registerLossClass(cls: new (config: Record<string, unknown>) => Loss): void {
  customLosses.set(cls.name, cls);
}

/** Whether `l` is an instance of a class registered with registerClass, so that { className, config } rebuilds it. */
export function isRegisteredLoss(l: Loss): boolean {
  return customLosses.get(l.constructor.name) === l.constructor;
}

/** Resolves a loss by name ('sparse_categorical_crossentropy' or 'sparseCategoricalCrossentropy'), object or function. */
export function getLoss(id: LossIdentifier): Loss {
  if (id instanceof Loss) return id;
  if (typeof id === 'function') return new LossFunctionWrapper(id);
  if (typeof id === 'string') {
    const Cls = lookup(table, id, 'loss', known);
    const l = new Cls();
    // A loss given by name reports under that name, as Keras does.
    return Object.assign(l, { name: id });
  }
  // The serialized form, as a saved model's training config holds it: { className: 'Huber', config: getConfig() }.
  if (id && typeof id === 'object' && typeof id.className === 'string') {
    const custom = customLosses.get(id.className);
    if (custom) return fromConfig(custom, id.config ?? {});
    const Cls = lookup(table, id.className, 'loss', known) as unknown as new (a: Record<string, unknown>) => Loss;
    return new Cls(id.config ?? {});
  }
  throw new Error(`Unknown loss ${JSON.stringify(id)}. Known losses: ${known.join(', ')}`);
}

// Functional forms: per-sample values, as keras.losses.mean_squared_error(y_true, y_pred).
export const meanSquaredError = (yTrue: TensorLike, yPred: TensorLike) => new MeanSquaredError().call(toTensor(yTrue, 'meanSquaredError'), floatArg(yPred, 'meanSquaredError'));
export const meanAbsoluteError = (yTrue: TensorLike, yPred: TensorLike) => new MeanAbsoluteError().call(toTensor(yTrue, 'meanAbsoluteError'), floatArg(yPred, 'meanAbsoluteError'));
export const binaryCrossentropy = (yTrue: TensorLike, yPred: TensorLike, fromLogits = false, labelSmoothing = 0, axis = -1) => new BinaryCrossentropy({ fromLogits, labelSmoothing, axis }).call(toTensor(yTrue, 'binaryCrossentropy'), floatArg(yPred, 'binaryCrossentropy'));
export const categoricalCrossentropy = (yTrue: TensorLike, yPred: TensorLike, fromLogits = false, labelSmoothing = 0, axis = -1) => new CategoricalCrossentropy({ fromLogits, labelSmoothing, axis }).call(toTensor(yTrue, 'categoricalCrossentropy'), floatArg(yPred, 'categoricalCrossentropy'));
export const sparseCategoricalCrossentropy = (yTrue: TensorLike, yPred: TensorLike, fromLogits = false) => new SparseCategoricalCrossentropy({ fromLogits }).call(toTensor(yTrue, 'sparseCategoricalCrossentropy'), floatArg(yPred, 'sparseCategoricalCrossentropy'));
export const huber = (yTrue: TensorLike, yPred: TensorLike, delta = 1) => new Huber({ delta }).call(toTensor(yTrue, 'huber'), floatArg(yPred, 'huber'));

// Functional forms of the distribution, similarity and margin losses.
export const klDivergence = (yTrue: TensorLike, yPred: TensorLike) => new KLDivergence().call(toTensor(yTrue, 'klDivergence'), floatArg(yPred, 'klDivergence'));
export const kld = klDivergence;
export const poisson = (yTrue: TensorLike, yPred: TensorLike) => new Poisson().call(toTensor(yTrue, 'poisson'), floatArg(yPred, 'poisson'));
export const cosineSimilarity = (yTrue: TensorLike, yPred: TensorLike, axis = -1) => new CosineSimilarity({ axis }).call(toTensor(yTrue, 'cosineSimilarity'), floatArg(yPred, 'cosineSimilarity'));
export const logCosh = (yTrue: TensorLike, yPred: TensorLike) => new LogCosh().call(toTensor(yTrue, 'logCosh'), floatArg(yPred, 'logCosh'));
export const logcosh = logCosh;
export const hinge = (yTrue: TensorLike, yPred: TensorLike) => new Hinge().call(toTensor(yTrue, 'hinge'), floatArg(yPred, 'hinge'));
export const squaredHinge = (yTrue: TensorLike, yPred: TensorLike) => new SquaredHinge().call(toTensor(yTrue, 'squaredHinge'), floatArg(yPred, 'squaredHinge'));
export const meanAbsolutePercentageError = (yTrue: TensorLike, yPred: TensorLike) => new MeanAbsolutePercentageError().call(toTensor(yTrue, 'meanAbsolutePercentageError'), floatArg(yPred, 'meanAbsolutePercentageError'));
export const meanSquaredLogarithmicError = (yTrue: TensorLike, yPred: TensorLike) => new MeanSquaredLogarithmicError().call(toTensor(yTrue, 'meanSquaredLogarithmicError'), floatArg(yPred, 'meanSquaredLogarithmicError'));
export const categoricalHinge = (yTrue: TensorLike, yPred: TensorLike) => new CategoricalHinge().call(toTensor(yTrue, 'categoricalHinge'), floatArg(yPred, 'categoricalHinge'));
export const binaryFocalCrossentropy = (yTrue: TensorLike, yPred: TensorLike, applyClassBalancing = false, alpha = 0.25, gamma = 2, fromLogits = false, labelSmoothing = 0, axis = -1) => new BinaryFocalCrossentropy({ applyClassBalancing, alpha, gamma, fromLogits, labelSmoothing, axis }).call(toTensor(yTrue, 'binaryFocalCrossentropy'), floatArg(yPred, 'binaryFocalCrossentropy'));
export const categoricalFocalCrossentropy = (yTrue: TensorLike, yPred: TensorLike, alpha: number | number[] = 0.25, gamma = 2, fromLogits = false, labelSmoothing = 0, axis = -1) => new CategoricalFocalCrossentropy({ alpha, gamma, fromLogits, labelSmoothing, axis }).call(toTensor(yTrue, 'categoricalFocalCrossentropy'), floatArg(yPred, 'categoricalFocalCrossentropy'));
export const dice = (yTrue: TensorLike, yPred: TensorLike, axis: number | number[] | null = null) => new Dice({ axis }).call(toTensor(yTrue, 'dice'), floatArg(yPred, 'dice'));
export const tversky = (yTrue: TensorLike, yPred: TensorLike, alpha = 0.5, beta = 0.5) => new Tversky({ alpha, beta }).call(toTensor(yTrue, 'tversky'), floatArg(yPred, 'tversky'));

/**
 * The Keras name of a functional form above (keras.losses.binary_crossentropy): compile({ loss: tn.losses.binaryCrossentropy })
 * is saved as 'binary_crossentropy', as Keras 3 saves its built-in loss functions by name. Other functions: undefined.
 */
export function builtinLossFunctionName(fn: unknown): string | undefined {
  if (typeof fn !== 'function') return undefined;
  builtinFunctionNames ??= new Map<unknown, string>([
    [meanSquaredError, 'mean_squared_error'], [meanAbsoluteError, 'mean_absolute_error'], [binaryCrossentropy, 'binary_crossentropy'],
    [categoricalCrossentropy, 'categorical_crossentropy'], [sparseCategoricalCrossentropy, 'sparse_categorical_crossentropy'], [huber, 'huber'],
    [klDivergence, 'kl_divergence'], [poisson, 'poisson'], [cosineSimilarity, 'cosine_similarity'], [logCosh, 'log_cosh'], [hinge, 'hinge'],
    [squaredHinge, 'squared_hinge'], [meanAbsolutePercentageError, 'mean_absolute_percentage_error'],
    [meanSquaredLogarithmicError, 'mean_squared_logarithmic_error'], [categoricalHinge, 'categorical_hinge'],
    [binaryFocalCrossentropy, 'binary_focal_crossentropy'], [categoricalFocalCrossentropy, 'categorical_focal_crossentropy'], [dice, 'dice'], [tversky, 'tversky'],
  ]);
  return builtinFunctionNames.get(fn);
}
let builtinFunctionNames: Map<unknown, string> | undefined;
