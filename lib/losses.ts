// Losses with Keras's definitions: each maps (yTrue, yPred) to one value per sample (reducing the last axis), then
// a reduction turns those into the scalar that training minimises.
import { lookup, normalizeName } from './names.js';
import { abs, add, clipByValue, div, exp, log, log1p, minimum, mul, neg, relu, square, sub } from './ops/elementwise.js';
import { labelIndices, sparseSoftmaxCrossEntropy, takeAlongLastAxis } from './ops/nn.js';
import { logSoftmax, mean, softmaxLogits, sum } from './ops/reduce.js';
import { reshape, transpose } from './ops/shape.js';
import { castTo, floatArg } from './ops/util.js';
import { fmt, shapesEqual } from './shape-util.js';
import { Tensor, toTensor, type TensorLike } from './tensor.js';

/** Keras's epsilon: probabilities are clipped to [eps, 1 - eps] before taking logs. */
export const EPSILON = 1e-7;

export type Reduction = 'sum_over_batch_size' | 'sum' | 'none' | 'mean';
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
  constructor(args: LossArgs, defaultName: string, defaultReduction: Reduction = 'sum_over_batch_size') {
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

export type LossIdentifier = string | Loss | LossFn | { className: string; config?: Record<string, unknown> };

const classes: Record<string, new (args?: never) => Loss> = {
  mean_squared_error: MeanSquaredError, mse: MeanSquaredError,
  mean_absolute_error: MeanAbsoluteError, mae: MeanAbsoluteError,
  huber: Huber as never, huber_loss: Huber as never,
  binary_crossentropy: BinaryCrossentropy as never,
  categorical_crossentropy: CategoricalCrossentropy as never,
  sparse_categorical_crossentropy: SparseCategoricalCrossentropy as never,
  sum_squared_error: SumSquaredError,
};
const table = new Map(Object.entries(classes).map(([k, v]) => [normalizeName(k), v]));
const known = Object.keys(classes);

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
