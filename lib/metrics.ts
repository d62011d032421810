// Stateful metrics with Keras's update/result/reset contract. Built-in metrics read the predictions' data directly
// (no graph, no allocation per batch); custom metric functions, and the losses used as metrics, run as ops (without
// recording gradients).
import { noGrad } from './autograd/tape.js';
import * as losses from './losses.js';
import type { Loss } from './losses.js';
import { checkOptionNames, fromConfig, lookup, normalizeName, toSnakeCase } from './names.js';
import { castTo } from './ops/util.js';
import { fmt } from './shape-util.js';
import { Tensor, toTensor, uniqueVariableName, variable, zeros, type TensorLike, type Variable } from './tensor.js';
import { getInitializer, type InitializerIdentifier } from './initializers.js';
import { persistent } from './memory.js';
import { cosineProximity } from './tfjs/metrics.js';

/** Keras 3's Metric.add_variable arguments (`aggregation` is taken and ignored: one process holds the state). */
export interface MetricVariableArgs {
  shape?: number[];
  initializer?: InitializerIdentifier;
  dtype?: 'float32' | 'int32';
  name?: string;
  aggregation?: string;
}

/**
 * A metric's result as logs hold it: a number, or the number of the scalar tensor a custom result() returned (Keras's
 * result() returns a tensor); any other tensor is an error naming the metric.
 */
export function resultValue<T>(result: T | Tensor, name: string): T | number {
  if (!(result instanceof Tensor)) return result;
  if (result.size !== 1) throw new Error(`metric "${name}": result() must return a number or a scalar tensor, received a tensor of shape ${fmt(result.shape)}`);
  return result.item();
}

/** TF.js's tf.metrics functions (binaryAccuracy, mse, precision, r2Score, ...), beside Keras's metric classes. */
export {
  binaryAccuracy, binaryCrossentropy, categoricalAccuracy, categoricalCrossentropy, cosineProximity, MAE, mae, MAPE, mape,
  meanAbsoluteError, meanAbsolutePercentageError, meanSquaredError, MSE, mse, precision, r2Score, recall,
  sparseCategoricalAccuracy, sparseCategoricalCrossentropy,
} from './tfjs/metrics.js';

export abstract class Metric {
  name: string;
  private readonly stateVariables: Variable[] = [];
  /**
   * `super(name)`, or Keras's keyword form `super({ name, dtype })` (a custom metric's `super().__init__(name=name,
   * **kwargs)`); without a name, the class name in snake_case, as Keras names it.
   */
  constructor(nameOrArgs?: string | { name?: string; dtype?: string }) {
    const name = typeof nameOrArgs === 'string' ? nameOrArgs : nameOrArgs?.name ?? toSnakeCase(new.target.name);
    if (typeof name !== 'string' || name === '') throw new Error(`${new.target.name}: name must be a non-empty string, received ${JSON.stringify(name)}`);
    const dtype = typeof nameOrArgs === 'object' ? nameOrArgs?.dtype : undefined;
    if (dtype !== undefined && dtype !== null && dtype !== 'float32') throw new Error(`${new.target.name}: dtype must be 'float32', received ${JSON.stringify(dtype)}`);
    this.name = name;
  }
  /** Accumulates one batch. sampleWeight (one weight per sample) weights the average. */
  abstract updateState(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: Tensor | null): void;
  /**
   * The metric's value. A custom metric may return a scalar tensor, as Keras's result() does (its state variable,
   * `return this.truePositives`); logs, the progress bar and evaluate take its number.
   */
  abstract result(): number;
  /**
   * Keras's reset_state: the state back to its start. By default, as Keras's, every variable from addVariable is set
   * to zeros; a metric whose state starts elsewhere, or is kept outside variables, overrides it.
   */
  resetState(): void {
    for (const v of this.stateVariables) v.assign(zeros(v.shape, v.dtype));
  }
  /**
   * Keras 3's add_variable (and add_weight): a state variable of the metric, never trained, created in the
   * constructor and updated in updateState with `assign`. `{ shape, initializer, dtype, name }`, shape [] (a scalar)
   * and initializer 'zeros' by default; `addWeight('tp', { initializer })` is Keras 2's spelling.
   */
  addVariable(args: MetricVariableArgs = {}): Variable {
    if (args === null || typeof args !== 'object') throw new Error(`${this.constructor.name}.addVariable: expected { shape, initializer, dtype, name }, received ${String(args)}`);
    checkOptionNames(args, ['shape', 'initializer', 'dtype', 'name', 'aggregation'], `${this.constructor.name}.addVariable`);
    const shape = args.shape ?? [];
    if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new Error(`${this.constructor.name}.addVariable: shape must be a list of non-negative integers, received ${JSON.stringify(args.shape)}`);
    }
    const dtype = args.dtype ?? 'float32';
    if (dtype !== 'float32' && dtype !== 'int32') throw new Error(`${this.constructor.name}.addVariable: dtype must be 'float32' or 'int32', received ${JSON.stringify(dtype)}`);
    const init = getInitializer(args.initializer ?? 'zeros');
    const v = persistent(() => variable(castTo(init.apply(shape), dtype), false, uniqueVariableName(`${this.name}/${args.name ?? 'variable'}`), dtype));
    this.stateVariables.push(v);
    return v;
  }
  addWeight(args?: MetricVariableArgs): Variable;
  addWeight(name: string, args?: MetricVariableArgs): Variable;
  addWeight(first?: string | MetricVariableArgs, args: MetricVariableArgs = {}): Variable {
    return typeof first === 'string' ? this.addVariable({ ...args, name: first }) : this.addVariable(first);
  }
  /** The variables addVariable made, in order (Keras's metric.variables). */
  get variables(): Variable[] {
    return this.stateVariables.slice();
  }
  /** The constructor arguments that rebuild this metric (a saved model's compile() metrics). */
  getConfig(): Record<string, unknown> {
    return { name: this.name };
  }
}

/** Weighted running mean of values. */
export class Mean extends Metric {
  protected total = 0;
  protected count = 0;
  /** new Mean('loss'), or Keras's keyword form new Mean({ name: 'loss' }) (a custom trainStep's trackers). */
  constructor(nameOrArgs: string | { name?: string; dtype?: string } = 'mean') {
    const name = typeof nameOrArgs === 'string' ? nameOrArgs : nameOrArgs?.name ?? 'mean';
    if (typeof name !== 'string') throw new Error(`Mean: name must be a string, received ${typeof name}`);
    super(name);
  }
  /** Adds values (a number or per-sample values) with optional per-sample weights. */
  addValues(values: ArrayLike<number> | number, weights?: ArrayLike<number> | null, weight = 1): void {
    if (typeof values === 'number') {
      this.total += values * weight;
      this.count += weight;
      return;
    }
    const perSample = weights && weights.length > 0 ? values.length / weights.length : 1;
    for (let i = 0; i < values.length; i++) {
      const w = weights && weights.length > 0 ? weights[Math.floor(i / perSample)] : 1;
      this.total += values[i] * w;
      this.count += w;
    }
  }
  /**
   * Keras's Mean.update_state(values): mean.updateState([1, 3, 5]) (sample weights as the third argument). As a
   * compile() metric it is called with (yTrue, yPred, sampleWeight) and averages yPred.
   */
  updateState(yTrueOrValues: TensorLike, yPred?: TensorLike, sampleWeight?: Tensor | TensorLike | null): void {
    const values = yPred === undefined ? yTrueOrValues : yPred;
    const w = sampleWeight === undefined || sampleWeight === null ? undefined : toTensor(sampleWeight, this.name).values;
    this.addValues(toTensor(values, this.name).values, w);
  }
  result(): number {
    return this.count === 0 ? 0 : this.total / this.count;
  }
  override resetState(): void {
    this.total = 0;
    this.count = 0;
  }
}

type PerSample = (yTrue: Tensor, yPred: Tensor) => ArrayLike<number>;

/** A Mean of per-sample values computed by `fn`. */
export class MeanMetricWrapper extends Mean {
  constructor(readonly fn: PerSample, name: string) {
    super(name);
  }
  override updateState(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: Tensor | null): void {
    const t = toTensor(yTrue, this.name);
    const p = toTensor(yPred, this.name);
    this.addValues(this.fn(t, p), sampleWeight?.values);
  }
}

function rowsOf(p: Tensor, name: string): [number, number] {
  if (p.rank < 1) throw new Error(`${name}: predictions need a class axis, received shape ${fmt(p.shape)}`);
  const classes = p.shape[p.rank - 1];
  return [classes === 0 ? 0 : p.size / classes, classes];
}

function argmaxRow(v: ArrayLike<number>, base: number, n: number): number {
  let best = 0;
  let bv = v[base];
  for (let c = 1; c < n; c++) {
    if (v[base + c] > bv) {
      bv = v[base + c];
      best = c;
    }
  }
  return best;
}

function checkRows(yTrue: Tensor, rows: number, name: string, what: string): void {
  if (yTrue.size !== rows) throw new Error(`${name}: expected ${rows} ${what}, received yTrue of shape ${fmt(yTrue.shape)}`);
}

export function sparseCategoricalAccuracyValues(yTrue: Tensor, yPred: Tensor, name = 'sparse_categorical_accuracy'): Float32Array {
  const [rows, classes] = rowsOf(yPred, name);
  checkRows(yTrue, rows, name, 'integer labels');
  const p = yPred.values;
  const t = yTrue.values;
  const out = new Float32Array(rows);
  for (let r = 0; r < rows; r++) out[r] = argmaxRow(p, r * classes, classes) === t[r] ? 1 : 0;
  return out;
}

export function categoricalAccuracyValues(yTrue: Tensor, yPred: Tensor, name = 'categorical_accuracy'): Float32Array {
  const [rows, classes] = rowsOf(yPred, name);
  checkRows(yTrue, rows * classes, name, 'one-hot values');
  const p = yPred.values;
  const t = yTrue.values;
  const out = new Float32Array(rows);
  for (let r = 0; r < rows; r++) out[r] = argmaxRow(p, r * classes, classes) === argmaxRow(t, r * classes, classes) ? 1 : 0;
  return out;
}

export function binaryAccuracyValues(yTrue: Tensor, yPred: Tensor, threshold = 0.5, name = 'binary_accuracy'): Float32Array {
  checkRows(yTrue, yPred.size, name, 'values');
  const p = yPred.values;
  const t = yTrue.values;
  const [rows, cols] = yPred.rank === 0 ? [1, 1] : rowsOf(yPred, name);
  const out = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let hit = 0;
    for (let c = 0; c < cols; c++) hit += (p[r * cols + c] > threshold ? 1 : 0) === (t[r * cols + c] > 0.5 ? 1 : 0) ? 1 : 0;
    out[r] = hit / cols;
  }
  return out;
}

/** A label is in the top k when fewer than k classes score strictly higher (ties count as in, as TensorFlow). */
function inTopK(p: ArrayLike<number>, base: number, classes: number, label: number, k: number): number {
  const s = p[base + label];
  let higher = 0;
  for (let c = 0; c < classes; c++) if (p[base + c] > s) higher++;
  return higher < k ? 1 : 0;
}

function errorValues(yTrue: Tensor, yPred: Tensor, name: string, f: (d: number) => number): Float32Array {
  checkRows(yTrue, yPred.size, name, 'values');
  const [rows, cols] = yPred.rank === 0 ? [1, 1] : rowsOf(yPred, name);
  const p = yPred.values;
  const t = yTrue.values;
  const out = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) s += f(p[r * cols + c] - t[r * cols + c]);
    out[r] = s / cols;
  }
  return out;
}

export class SparseCategoricalAccuracy extends MeanMetricWrapper {
  constructor(args: { name?: string } = {}) {
    super((t, p) => sparseCategoricalAccuracyValues(t, p, this.name), args.name ?? 'sparse_categorical_accuracy');
  }
}
export class CategoricalAccuracy extends MeanMetricWrapper {
  constructor(args: { name?: string } = {}) {
    super((t, p) => categoricalAccuracyValues(t, p, this.name), args.name ?? 'categorical_accuracy');
  }
}
export class BinaryAccuracy extends MeanMetricWrapper {
  readonly threshold: number;
  constructor(args: { name?: string; threshold?: number } = {}) {
    const threshold = args.threshold ?? 0.5;
    super((t, p) => binaryAccuracyValues(t, p, threshold, this.name), args.name ?? 'binary_accuracy');
    this.threshold = threshold;
  }
  override getConfig() {
    return { name: this.name, threshold: this.threshold };
  }
}
export class TopKCategoricalAccuracy extends MeanMetricWrapper {
  readonly k: number;
  constructor(args: { name?: string; k?: number } = {}) {
    const k = args.k ?? 5;
    super((t, p) => {
      const [rows, classes] = rowsOf(p, this.name);
      checkRows(t, rows * classes, this.name, 'one-hot values');
      const out = new Float32Array(rows);
      for (let r = 0; r < rows; r++) out[r] = inTopK(p.values, r * classes, classes, argmaxRow(t.values, r * classes, classes), k);
      return out;
    }, args.name ?? 'top_k_categorical_accuracy');
    this.k = k;
  }
  override getConfig() {
    return { name: this.name, k: this.k };
  }
}
export class SparseTopKCategoricalAccuracy extends MeanMetricWrapper {
  readonly k: number;
  constructor(args: { name?: string; k?: number } = {}) {
    const k = args.k ?? 5;
    super((t, p) => {
      const [rows, classes] = rowsOf(p, this.name);
      checkRows(t, rows, this.name, 'integer labels');
      const out = new Float32Array(rows);
      for (let r = 0; r < rows; r++) out[r] = inTopK(p.values, r * classes, classes, t.values[r], k);
      return out;
    }, args.name ?? 'sparse_top_k_categorical_accuracy');
    this.k = k;
  }
  override getConfig() {
    return { name: this.name, k: this.k };
  }
}
export class MeanSquaredError extends MeanMetricWrapper {
  constructor(args: { name?: string } = {}) {
    super((t, p) => errorValues(t, p, this.name, (d) => d * d), args.name ?? 'mean_squared_error');
  }
}
export class MeanAbsoluteError extends MeanMetricWrapper {
  constructor(args: { name?: string } = {}) {
    super((t, p) => errorValues(t, p, this.name, Math.abs), args.name ?? 'mean_absolute_error');
  }
}
/** Keras's RootMeanSquaredError: the square root of the epoch's mean squared error (not a mean of per-batch roots). */
export class RootMeanSquaredError extends MeanMetricWrapper {
  constructor(args: { name?: string } = {}) {
    super((t, p) => errorValues(t, p, this.name, (d) => d * d), args.name ?? 'root_mean_squared_error');
  }
  override result(): number {
    return Math.sqrt(super.result());
  }
}

/** Keras's NEG_INF: what top-k filtering gives the predictions outside the top k, below any threshold. */
const NEG_INF = -1e10;

export interface ConfusionArgs {
  name?: string;
  /** A prediction counts as positive when it is above the threshold (0.5; with topK, every top-k prediction). */
  thresholds?: number | number[];
  /** Only the k highest predictions of each row can count as positive. */
  topK?: number;
  /** Only this class (an index on the last axis) is counted. */
  classId?: number;
}

/**
 * Weighted counts of true/false positives and false negatives, as Keras's update_confusion_matrix_variables: a label
 * is positive when it is nonzero, a prediction when it is above the threshold (after top-k filtering and the class
 * slice).
 */
abstract class ConfusionMetric extends Metric {
  protected tp = 0;
  protected fp = 0;
  protected fn = 0;
  readonly threshold: number;
  readonly topK: number | null;
  readonly classId: number | null;
  constructor(args: ConfusionArgs, defaultName: string) {
    super(args.name ?? defaultName);
    const cls = this.constructor.name;
    const th = args.thresholds;
    if (Array.isArray(th) && th.length !== 1) {
      throw new Error(`${cls}: one threshold is supported (its result is one number), received thresholds=${JSON.stringify(th)}`);
    }
    const t = Array.isArray(th) ? th[0] : th;
    if (t !== undefined && !(typeof t === 'number' && t >= 0 && t <= 1)) {
      throw new Error(`${cls}: threshold values must be in [0, 1], received thresholds=${JSON.stringify(th)}`);
    }
    if (args.topK !== undefined && args.topK !== null && !(Number.isInteger(args.topK) && args.topK > 0)) {
      throw new Error(`${cls}: topK must be a positive integer, received topK=${args.topK}`);
    }
    if (args.classId !== undefined && args.classId !== null && !(Number.isInteger(args.classId) && args.classId >= 0)) {
      throw new Error(`${cls}: classId must be a non-negative integer, received classId=${args.classId}`);
    }
    this.topK = args.topK ?? null;
    this.classId = args.classId ?? null;
    this.threshold = t ?? (this.topK === null ? 0.5 : NEG_INF);
  }
  updateState(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: Tensor | null): void {
    const t = toTensor(yTrue, this.name);
    const p = toTensor(yPred, this.name);
    checkRows(t, p.size, this.name, 'values');
    const w = sampleWeight ? elementWeights(sampleWeight, p.size, this.name) : null;
    const byRow = this.topK !== null || this.classId !== null;
    const [rows, classes] = byRow ? rowsOf(p, this.name) : [1, p.size];
    if (this.classId !== null && this.classId >= classes) {
      throw new Error(`${this.name}: classId ${this.classId} is out of range for predictions of shape ${fmt(p.shape)}`);
    }
    const pv = p.values;
    const tv = t.values;
    const kept = this.topK !== null ? new Uint8Array(p.size) : null;
    if (kept) for (let r = 0; r < rows; r++) markTopK(pv, r * classes, classes, this.topK!, kept);
    for (let r = 0; r < rows; r++) {
      for (let c = this.classId ?? 0; c < (this.classId === null ? classes : this.classId + 1); c++) {
        const i = r * classes + c;
        const score = kept && !kept[i] ? NEG_INF : pv[i];
        const weight = w ? w(i) : 1;
        const pred = score > this.threshold;
        const truth = tv[i] !== 0;
        if (pred && truth) this.tp += weight;
        else if (pred) this.fp += weight;
        else if (truth) this.fn += weight;
      }
    }
  }
  override resetState(): void {
    this.tp = this.fp = this.fn = 0;
  }
  override getConfig(): Record<string, unknown> {
    return { name: this.name, thresholds: this.threshold === NEG_INF ? undefined : this.threshold, topK: this.topK ?? undefined, classId: this.classId ?? undefined };
  }
}

/** Sample weights for element i of n: one weight per element, per sample (repeated over its elements) or a scalar. */
function elementWeights(sampleWeight: Tensor, n: number, name: string): (i: number) => number {
  const w = sampleWeight.values;
  if (w.length === 0 || n % w.length !== 0) {
    throw new Error(`${name}: sample weights of shape ${fmt(sampleWeight.shape)} do not match ${n} predicted values`);
  }
  const per = n / w.length;
  return per === 1 ? (i) => w[i] : (i) => w[Math.floor(i / per)];
}

/** Marks the k largest of n values from base; ties go to the lower index, as top_k. */
function markTopK(v: ArrayLike<number>, base: number, n: number, k: number, out: Uint8Array): void {
  const order = Array.from({ length: n }, (_, c) => c).sort((a, b) => v[base + b] - v[base + a] || a - b);
  for (let j = 0; j < Math.min(k, n); j++) out[base + order[j]] = 1;
}

/** tp / (tp + fp): the weighted fraction of predicted positives that are positive (0 before any). */
export class Precision extends ConfusionMetric {
  constructor(args: ConfusionArgs = {}) {
    super(args, 'precision');
  }
  result(): number {
    return this.tp + this.fp === 0 ? 0 : this.tp / (this.tp + this.fp);
  }
}

/** tp / (tp + fn): the weighted fraction of positives predicted positive (0 before any). */
export class Recall extends ConfusionMetric {
  constructor(args: ConfusionArgs = {}) {
    super(args, 'recall');
  }
  result(): number {
    return this.tp + this.fn === 0 ? 0 : this.tp / (this.tp + this.fn);
  }
}

/** A metric from a function (yTrue, yPred) => tensor of per-sample values (averaged). */
export class FunctionMetric extends Mean {
  constructor(readonly fn: (yTrue: Tensor, yPred: Tensor) => Tensor, name: string) {
    super(name);
  }
  override updateState(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: Tensor | null): void {
    const v = noGrad(() => this.fn(toTensor(yTrue, this.name), toTensor(yPred, this.name)));
    if (!(v instanceof Tensor)) throw new Error(`metric function ${this.name} must return a tensor, received ${typeof v}`);
    this.addValues(v.values, v.size === 1 ? null : sampleWeight?.values);
  }
}

/** Which of the three forms of a classification metric the labels and predictions call for. */
type LabelKind = 'binary' | 'sparse' | 'categorical';

/**
 * A metric named by what it measures ('accuracy', 'crossentropy'), resolved to its binary, sparse or categorical form
 * once the loss and shapes are known, as Keras and TF.js resolve them: binary for one output unit or binary
 * cross-entropy, sparse for integer labels, categorical for one-hot labels.
 */
abstract class ResolvedMetric extends Metric {
  private inner: MeanMetricWrapper | null = null;
  constructor(name: string, private readonly lossName: string) {
    super(name);
  }
  protected abstract make(kind: LabelKind): MeanMetricWrapper;
  private resolve(t: Tensor, p: Tensor): MeanMetricWrapper {
    const loss = normalizeName(this.lossName);
    if (loss.includes('binarycrossentropy') || p.shape[p.rank - 1] === 1) return this.make('binary');
    if (loss.includes('sparsecategorical') || t.rank < p.rank || (t.rank === p.rank && t.shape[t.rank - 1] === 1)) return this.make('sparse');
    return this.make('categorical');
  }
  updateState(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: Tensor | null): void {
    const t = toTensor(yTrue, this.name);
    const p = toTensor(yPred, this.name);
    if (!this.inner) this.inner = this.resolve(t, p);
    this.inner.updateState(t, p, sampleWeight);
  }
  result(): number {
    return this.inner ? this.inner.result() : 0;
  }
  override resetState(): void {
    this.inner?.resetState();
  }
}

/** 'accuracy' (or 'acc'): binary, sparse categorical or categorical accuracy. */
export class Accuracy extends ResolvedMetric {
  constructor(name = 'accuracy', lossName = '') {
    super(name, lossName);
  }
  protected make(kind: LabelKind): MeanMetricWrapper {
    const name = this.name;
    return kind === 'binary' ? new BinaryAccuracy({ name }) : kind === 'sparse' ? new SparseCategoricalAccuracy({ name }) : new CategoricalAccuracy({ name });
  }
}

/** 'crossentropy' (or 'ce', Keras 2's and TF.js's names): binary, sparse categorical or categorical cross-entropy. */
class Crossentropy extends ResolvedMetric {
  protected make(kind: LabelKind): MeanMetricWrapper {
    const name = this.name;
    return kind === 'binary' ? new BinaryCrossentropy({ name }) : kind === 'sparse' ? new SparseCategoricalCrossentropy({ name }) : new CategoricalCrossentropy({ name });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Losses as metrics: the per-sample values of a loss, averaged over the epoch (Keras's KLDivergence, Poisson,
// CosineSimilarity, LogCoshError, Hinge, SquaredHinge, CategoricalHinge, MeanAbsolutePercentageError,
// MeanSquaredLogarithmicError and the cross-entropy metrics).

/** A Mean of a loss's per-sample values, computed without recording gradients. */
abstract class LossMetric extends MeanMetricWrapper {
  constructor(loss: Loss, name: string, sign = 1) {
    super((t, p) => {
      const v = noGrad(() => loss.call(t, p.dtype === 'float32' ? p : castTo(p, 'float32'))).values;
      if (sign === 1) return v;
      const out = new Float32Array(v.length);
      for (let i = 0; i < v.length; i++) out[i] = sign * v[i];
      return out;
    }, name);
    // The loss reports errors under the metric's name.
    Object.assign(loss, { name });
  }
}

export class KLDivergence extends LossMetric {
  constructor(args: { name?: string } = {}) {
    super(new losses.KLDivergence(), args.name ?? 'kl_divergence');
  }
}
export class Poisson extends LossMetric {
  constructor(args: { name?: string } = {}) {
    super(new losses.Poisson(), args.name ?? 'poisson');
  }
}
/** The cosine of the angle between yTrue and yPred along `axis` (the loss with the opposite sign, as Keras). */
export class CosineSimilarity extends LossMetric {
  readonly axis: number;
  constructor(args: { name?: string; axis?: number } = {}) {
    super(new losses.CosineSimilarity({ axis: args.axis }), args.name ?? 'cosine_similarity', -1);
    this.axis = args.axis ?? -1;
  }
  override getConfig() {
    return { name: this.name, axis: this.axis };
  }
}
export class LogCoshError extends LossMetric {
  constructor(args: { name?: string } = {}) {
    super(new losses.LogCosh(), args.name ?? 'logcosh');
  }
}
export class Hinge extends LossMetric {
  constructor(args: { name?: string } = {}) {
    super(new losses.Hinge(), args.name ?? 'hinge');
  }
}
export class SquaredHinge extends LossMetric {
  constructor(args: { name?: string } = {}) {
    super(new losses.SquaredHinge(), args.name ?? 'squared_hinge');
  }
}
export class CategoricalHinge extends LossMetric {
  constructor(args: { name?: string } = {}) {
    super(new losses.CategoricalHinge(), args.name ?? 'categorical_hinge');
  }
}
export class MeanAbsolutePercentageError extends LossMetric {
  constructor(args: { name?: string } = {}) {
    super(new losses.MeanAbsolutePercentageError(), args.name ?? 'mean_absolute_percentage_error');
  }
}
export class MeanSquaredLogarithmicError extends LossMetric {
  constructor(args: { name?: string } = {}) {
    super(new losses.MeanSquaredLogarithmicError(), args.name ?? 'mean_squared_logarithmic_error');
  }
}
interface CrossentropyMetricArgs {
  name?: string;
  fromLogits?: boolean;
  labelSmoothing?: number;
}
export class BinaryCrossentropy extends LossMetric {
  readonly fromLogits: boolean;
  readonly labelSmoothing: number;
  constructor(args: CrossentropyMetricArgs = {}) {
    super(new losses.BinaryCrossentropy({ fromLogits: args.fromLogits, labelSmoothing: args.labelSmoothing }), args.name ?? 'binary_crossentropy');
    this.fromLogits = args.fromLogits ?? false;
    this.labelSmoothing = args.labelSmoothing ?? 0;
  }
  override getConfig() {
    return { name: this.name, fromLogits: this.fromLogits, labelSmoothing: this.labelSmoothing };
  }
}
export class CategoricalCrossentropy extends LossMetric {
  readonly fromLogits: boolean;
  readonly labelSmoothing: number;
  constructor(args: CrossentropyMetricArgs = {}) {
    super(new losses.CategoricalCrossentropy({ fromLogits: args.fromLogits, labelSmoothing: args.labelSmoothing }), args.name ?? 'categorical_crossentropy');
    this.fromLogits = args.fromLogits ?? false;
    this.labelSmoothing = args.labelSmoothing ?? 0;
  }
  override getConfig() {
    return { name: this.name, fromLogits: this.fromLogits, labelSmoothing: this.labelSmoothing };
  }
}
export class SparseCategoricalCrossentropy extends LossMetric {
  readonly fromLogits: boolean;
  constructor(args: { name?: string; fromLogits?: boolean } = {}) {
    super(new losses.SparseCategoricalCrossentropy({ fromLogits: args.fromLogits }), args.name ?? 'sparse_categorical_crossentropy');
    this.fromLogits = args.fromLogits ?? false;
  }
  override getConfig() {
    return { name: this.name, fromLogits: this.fromLogits };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// AUC: the area under the ROC or precision-recall curve, from confusion counts at fixed thresholds accumulated over
// batches (Keras 3's AUC). The counts are kept per threshold bucket, so an update costs O(log T) per prediction.

export interface AUCArgs {
  name?: string;
  /** Evenly spaced thresholds in [0, 1] (200); ignored when `thresholds` is given. */
  numThresholds?: number;
  curve?: 'ROC' | 'PR' | 'roc' | 'pr';
  summationMethod?: 'interpolation' | 'minoring' | 'majoring';
  /** Explicit thresholds in [0, 1]; -eps and 1 + eps are added at the ends, as Keras does. */
  thresholds?: number[];
  /** Treat the last axis as independent labels: one curve per label, and the mean (or labelWeights average) of their areas. */
  multiLabel?: boolean;
  numLabels?: number;
  /** Per-label weights: of each label's area (multiLabel), or of each label's counts (flattened). */
  labelWeights?: number[];
  /** Predictions are logits: a sigmoid is applied first. */
  fromLogits?: boolean;
}

export class AUC extends Metric {
  readonly numThresholds: number;
  readonly curve: 'ROC' | 'PR';
  readonly summationMethod: 'interpolation' | 'minoring' | 'majoring';
  readonly multiLabel: boolean;
  readonly fromLogits: boolean;
  readonly labelWeights: number[] | null;
  /** The thresholds, float32 as Keras compares them, increasing. */
  readonly thresholds: Float32Array;
  private readonly userThresholds: number[] | null;
  private readonly evenlySpaced: boolean;
  numLabels: number | null;
  // Weighted positives and negatives whose prediction is above thresholds[0..b] but not thresholds[b + 1]: bucket b,
  // one row of numThresholds buckets per label (one row when not multiLabel).
  private posBuckets: Float64Array | null = null;
  private negBuckets: Float64Array | null = null;
  private belowPos: Float64Array | null = null;
  private belowNeg: Float64Array | null = null;

  constructor(args: AUCArgs = {}) {
    super(args.name ?? 'auc');
    const curve = String(args.curve ?? 'ROC').toUpperCase();
    if (curve !== 'ROC' && curve !== 'PR') throw new Error(`AUC: curve must be 'ROC' or 'PR', received ${JSON.stringify(args.curve)}`);
    this.curve = curve;
    const method = String(args.summationMethod ?? 'interpolation').toLowerCase();
    if (method !== 'interpolation' && method !== 'minoring' && method !== 'majoring') {
      throw new Error(`AUC: summationMethod must be 'interpolation', 'minoring' or 'majoring', received ${JSON.stringify(args.summationMethod)}`);
    }
    this.summationMethod = method;
    const eps = 1e-7;
    if (args.thresholds !== undefined && args.thresholds !== null) {
      const th = args.thresholds;
      if (!Array.isArray(th) || th.some((t) => typeof t !== 'number' || !(t >= 0 && t <= 1))) {
        throw new Error(`AUC: threshold values must be in [0, 1], received thresholds=${JSON.stringify(th)}`);
      }
      this.userThresholds = th.slice().sort((a, b) => a - b);
      this.thresholds = Float32Array.from([0 - eps, ...this.userThresholds, 1 + eps]);
      this.evenlySpaced = false;
    } else {
      const n = args.numThresholds ?? 200;
      if (!Number.isInteger(n) || n <= 1) throw new Error(`AUC: numThresholds must be an integer > 1, received numThresholds=${args.numThresholds}`);
      this.userThresholds = null;
      this.thresholds = Float32Array.from({ length: n }, (_, i) => (i === 0 ? -eps : i === n - 1 ? 1 + eps : i / (n - 1)));
      this.evenlySpaced = true;
    }
    this.numThresholds = this.thresholds.length;
    this.multiLabel = args.multiLabel ?? false;
    this.fromLogits = args.fromLogits ?? false;
    if (args.labelWeights !== undefined && args.labelWeights !== null) {
      if (!Array.isArray(args.labelWeights) || args.labelWeights.some((w) => !(w >= 0))) {
        throw new Error(`AUC: labelWeights must be non-negative numbers, received ${JSON.stringify(args.labelWeights)}`);
      }
      this.labelWeights = args.labelWeights.slice();
    } else this.labelWeights = null;
    this.numLabels = args.numLabels ?? this.labelWeights?.length ?? null;
  }

  /** Index of the last threshold a prediction is above (-1 for none): predictions above t count as positive at t. */
  private bucketOf(p: number): number {
    const th = this.thresholds;
    if (this.evenlySpaced) {
      // Keras's bucketing for evenly spaced thresholds: predictions are clipped to [0, 1] and the first threshold
      // (-eps) takes every one of them; ceil(p (T - 1)) - 1 is the last threshold strictly below p.
      const q = p < 0 ? 0 : p > 1 ? 1 : p;
      return Math.max(0, Math.ceil(Math.fround(q * (th.length - 1))) - 1);
    }
    let lo = 0;
    let hi = th.length; // the first threshold >= p lies in [lo, hi]
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (th[mid] < p) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  updateState(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: Tensor | null): void {
    const t = toTensor(yTrue, this.name);
    const p = toTensor(yPred, this.name);
    checkRows(t, p.size, this.name, 'labels (one per prediction)');
    const labels = p.rank === 0 ? 1 : p.shape[p.rank - 1];
    if (this.multiLabel || this.labelWeights) {
      if (p.rank < 2) throw new Error(`${this.name}: multiLabel and labelWeights need predictions of shape [samples, labels], received ${fmt(p.shape)}`);
      if (this.numLabels !== null && labels !== this.numLabels) {
        throw new Error(`${this.name}: predictions of shape ${fmt(p.shape)} have ${labels} labels, expected ${this.numLabels}`);
      }
      if (this.labelWeights && this.labelWeights.length !== labels) {
        throw new Error(`${this.name}: ${this.labelWeights.length} labelWeights for predictions of shape ${fmt(p.shape)} with ${labels} labels`);
      }
      this.numLabels = labels;
    }
    const rowsPerLabel = this.multiLabel ? labels : 1;
    const T = this.numThresholds;
    if (!this.posBuckets) {
      this.posBuckets = new Float64Array(T * rowsPerLabel);
      this.negBuckets = new Float64Array(T * rowsPerLabel);
      this.belowPos = new Float64Array(rowsPerLabel);
      this.belowNeg = new Float64Array(rowsPerLabel);
    }
    const w = sampleWeight ? elementWeights(sampleWeight, p.size, this.name) : null;
    const lw = this.multiLabel ? null : this.labelWeights;
    const pv = p.values;
    const tv = t.values;
    for (let i = 0; i < pv.length; i++) {
      let weight = w ? w(i) : 1;
      if (lw) weight *= lw[i % labels];
      const row = this.multiLabel ? i % labels : 0;
      const b = this.bucketOf(this.fromLogits ? 1 / (1 + Math.exp(-pv[i])) : pv[i]);
      // A label is positive when nonzero (Keras casts it to bool). A prediction below every threshold (only possible
      // with explicit thresholds) still counts towards the totals that fn and tn come from.
      if (b < 0) (tv[i] !== 0 ? this.belowPos! : this.belowNeg!)[row] += weight;
      else (tv[i] !== 0 ? this.posBuckets : this.negBuckets!)[row * T + b] += weight;
    }
  }

  /** tp, fp, fn, tn at each threshold for one label row. */
  private counts(row: number): { tp: Float64Array; fp: Float64Array; fn: Float64Array; tn: Float64Array } {
    const T = this.numThresholds;
    const tp = new Float64Array(T);
    const fp = new Float64Array(T);
    let accP = 0;
    let accN = 0;
    for (let b = T - 1; b >= 0; b--) {
      accP += this.posBuckets![row * T + b];
      accN += this.negBuckets![row * T + b];
      tp[b] = accP;
      fp[b] = accN;
    }
    const totalP = accP + this.belowPos![row];
    const totalN = accN + this.belowNeg![row];
    const fn = tp.map((v) => totalP - v);
    const tn = fp.map((v) => totalN - v);
    return { tp, fp, fn, tn };
  }

  /** The area for one label row. */
  private area(row: number): number {
    const { tp, fp, fn, tn } = this.counts(row);
    const T = this.numThresholds;
    const divideNoNan = (a: number, b: number) => (b === 0 ? 0 : a / b);
    let total = 0;
    if (this.curve === 'PR' && this.summationMethod === 'interpolation') {
      // Davis & Goadrich: between two thresholds tp and tp + fp move linearly together, so precision is
      // tp / p with tp = slope p + intercept, and its integral over recall has the closed form below.
      for (let i = 0; i < T - 1; i++) {
        const dtp = tp[i] - tp[i + 1];
        const p0 = tp[i] + fp[i];
        const p1 = tp[i + 1] + fp[i + 1];
        const slope = divideNoNan(dtp, Math.max(p0 - p1, 0));
        const intercept = tp[i + 1] - slope * p1;
        const ratio = p0 > 0 && p1 > 0 ? divideNoNan(p0, Math.max(p1, 0)) : 1;
        total += divideNoNan(slope * (dtp + intercept * Math.log(ratio)), Math.max(tp[i + 1] + fn[i + 1], 0));
      }
      return total;
    }
    const x = new Float64Array(T);
    const y = new Float64Array(T);
    for (let i = 0; i < T; i++) {
      const recall = divideNoNan(tp[i], tp[i] + fn[i]);
      if (this.curve === 'ROC') {
        x[i] = divideNoNan(fp[i], fp[i] + tn[i]);
        y[i] = recall;
      } else {
        x[i] = recall;
        y[i] = divideNoNan(tp[i], tp[i] + fp[i]);
      }
    }
    for (let i = 0; i < T - 1; i++) {
      const height = this.summationMethod === 'interpolation' ? (y[i] + y[i + 1]) / 2 : this.summationMethod === 'minoring' ? Math.min(y[i], y[i + 1]) : Math.max(y[i], y[i + 1]);
      total += (x[i] - x[i + 1]) * height;
    }
    return total;
  }

  result(): number {
    if (!this.posBuckets) return 0;
    if (!this.multiLabel) return this.area(0);
    const labels = this.numLabels!;
    let s = 0;
    let ws = 0;
    for (let l = 0; l < labels; l++) {
      const w = this.labelWeights ? this.labelWeights[l] : 1;
      s += w * this.area(l);
      ws += w;
    }
    return ws === 0 ? 0 : s / ws;
  }
  override resetState(): void {
    this.posBuckets = this.negBuckets = this.belowPos = this.belowNeg = null;
  }
  override getConfig(): Record<string, unknown> {
    return {
      name: this.name, numThresholds: this.numThresholds, curve: this.curve, summationMethod: this.summationMethod,
      thresholds: this.userThresholds ?? undefined, multiLabel: this.multiLabel, numLabels: this.numLabels ?? undefined,
      labelWeights: this.labelWeights ?? undefined, fromLogits: this.fromLogits,
    };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Intersection over union, for segmentation: a confusion matrix of (true class, predicted class) accumulated over
// batches (Keras 3's IoU, MeanIoU, BinaryIoU, OneHotIoU, OneHotMeanIoU).

export interface IoUArgs {
  numClasses: number;
  /** The classes whose IoUs are averaged (IoU, OneHotIoU, BinaryIoU); every class for the Mean variants. */
  targetClassIds: number[];
  name?: string;
  /** A label value to leave out (a "void" class such as 255 or -1). */
  ignoreClass?: number | null;
  /** Labels are class indices (true) or scores whose argmax along `axis` is the class (false). */
  sparseYTrue?: boolean;
  /** Predictions are class indices (true, Keras's default) or scores whose argmax along `axis` is the class (false). */
  sparseYPred?: boolean;
  axis?: number;
}

/** Argmax along `axis`, in the order of the remaining axes. */
function argmaxAlong(x: Tensor, axis: number, name: string, what: string): Int32Array {
  if (x.rank === 0) throw new Error(`${name}: ${what} of shape ${fmt(x.shape)} have no class axis to take the argmax of`);
  const a = axis < 0 ? axis + x.rank : axis;
  if (a < 0 || a >= x.rank) throw new Error(`${name}: axis ${axis} is out of range for ${what} of shape ${fmt(x.shape)}`);
  const k = x.shape[a];
  const inner = x.shape.slice(a + 1).reduce((p, d) => p * d, 1);
  const outer = k === 0 ? 0 : x.size / (k * inner);
  const v = x.values;
  const out = new Int32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = 0;
      let bv = v[o * k * inner + i];
      for (let c = 1; c < k; c++) {
        const e = v[(o * k + c) * inner + i];
        if (e > bv) {
          bv = e;
          best = c;
        }
      }
      out[o * inner + i] = best;
    }
  }
  return out;
}

export class IoU extends Metric {
  readonly numClasses: number;
  readonly targetClassIds: number[];
  readonly ignoreClass: number | null;
  readonly sparseYTrue: boolean;
  readonly sparseYPred: boolean;
  readonly axis: number;
  /** total[t * numClasses + p]: the weight of elements of true class t predicted as p. */
  protected total: Float64Array;

  constructor(args: IoUArgs, defaultName = 'io_u') {
    super(args?.name ?? defaultName);
    const cls = this.constructor.name;
    const n = args?.numClasses;
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${cls}: numClasses must be a positive integer, received numClasses=${n}`);
    const ids = args.targetClassIds;
    if (!Array.isArray(ids) || ids.length === 0 || ids.some((c) => !Number.isInteger(c) || c < 0 || c >= n)) {
      throw new Error(`${cls}: targetClassIds must be class ids in [0, ${n}), received ${JSON.stringify(ids)}`);
    }
    this.numClasses = n;
    this.targetClassIds = ids.slice();
    this.ignoreClass = args.ignoreClass ?? null;
    this.sparseYTrue = args.sparseYTrue ?? true;
    this.sparseYPred = args.sparseYPred ?? true;
    this.axis = args.axis ?? -1;
    this.total = new Float64Array(n * n);
  }

  /** Class indices of labels or predictions: truncated values, or argmax along the axis for dense scores. */
  protected classesOf(x: Tensor, sparse: boolean, what: string): ArrayLike<number> {
    return sparse ? x.values : argmaxAlong(x, this.axis, this.name, what);
  }

  protected predictedClasses(yPred: Tensor): ArrayLike<number> {
    return this.classesOf(yPred, this.sparseYPred, 'predictions');
  }

  updateState(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: Tensor | null): void {
    const t = this.classesOf(toTensor(yTrue, this.name), this.sparseYTrue, 'labels');
    const p = this.predictedClasses(toTensor(yPred, this.name));
    if (t.length !== p.length) {
      const hint = this.sparseYPred && p.length === t.length * this.numClasses ? ' (for class scores, pass sparseYPred: false)' : '';
      throw new Error(`${this.name}: ${t.length} labels but ${p.length} predicted classes${hint}; yTrue has shape ${fmt(toTensor(yTrue, this.name).shape)}, yPred ${fmt(toTensor(yPred, this.name).shape)}`);
    }
    const w = sampleWeight ? elementWeights(sampleWeight, t.length, this.name) : null;
    const n = this.numClasses;
    for (let i = 0; i < t.length; i++) {
      const tc = Math.trunc(t[i]);
      if (this.ignoreClass !== null && tc === this.ignoreClass) continue;
      const pc = Math.trunc(p[i]);
      if (!(tc >= 0 && tc < n)) throw new Error(`${this.name}: label ${t[i]} at position ${i} is out of range for ${n} classes`);
      if (!(pc >= 0 && pc < n)) throw new Error(`${this.name}: predicted class ${p[i]} at position ${i} is out of range for ${n} classes`);
      this.total[tc * n + pc] += w ? w(i) : 1;
    }
  }

  /** The confusion matrix so far, rows true classes and columns predicted ones. */
  confusionMatrix(): number[][] {
    const n = this.numClasses;
    return Array.from({ length: n }, (_, r) => Array.from(this.total.subarray(r * n, (r + 1) * n)));
  }

  /**
   * Mean over the target classes of tp / (tp + fp + fn), each with Keras's epsilon in the denominator; a class that
   * is neither present nor predicted (denominator 0) is left out of the mean.
   */
  result(): number {
    const n = this.numClasses;
    const eps = 1e-7;
    let sum = 0;
    let valid = 0;
    for (const c of this.targetClassIds) {
      let row = 0;
      let col = 0;
      for (let k = 0; k < n; k++) {
        row += this.total[c * n + k];
        col += this.total[k * n + c];
      }
      const tp = this.total[c * n + c];
      const denominator = row + col - tp;
      if (denominator > 1e-9) valid++;
      sum += tp / (denominator + eps);
    }
    return sum / (valid + eps);
  }
  override resetState(): void {
    this.total.fill(0);
  }
  override getConfig(): Record<string, unknown> {
    return {
      name: this.name, numClasses: this.numClasses, targetClassIds: this.targetClassIds, ignoreClass: this.ignoreClass,
      sparseYTrue: this.sparseYTrue, sparseYPred: this.sparseYPred, axis: this.axis,
    };
  }
}

type IoUOptions = Partial<Omit<IoUArgs, 'numClasses' | 'targetClassIds'>>;
const range = (n: number) => Array.from({ length: Number.isInteger(n) && n > 0 ? n : 0 }, (_, i) => i);

/** IoU averaged over every class: `new MeanIoU(3)` or `new MeanIoU({ numClasses: 3, sparseYPred: false })`. */
export class MeanIoU extends IoU {
  constructor(numClasses: number | (IoUOptions & { numClasses: number }), args: IoUOptions = {}) {
    const a = typeof numClasses === 'number' ? { ...args, numClasses } : numClasses;
    super({ ...a, targetClassIds: range(a?.numClasses) }, 'mean_io_u');
  }
  override getConfig() {
    const { targetClassIds: _, ...rest } = super.getConfig();
    return rest;
  }
}

/** IoU for one-hot labels and class scores (argmax of both). */
export class OneHotIoU extends IoU {
  constructor(args: IoUArgs) {
    super({ ...args, sparseYTrue: false, sparseYPred: false }, 'one_hot_io_u');
  }
}

/** MeanIoU for one-hot labels and class scores (argmax of both). */
export class OneHotMeanIoU extends IoU {
  constructor(numClasses: number | (IoUOptions & { numClasses: number }), args: IoUOptions = {}) {
    const a = typeof numClasses === 'number' ? { ...args, numClasses } : numClasses;
    super({ ...a, targetClassIds: range(a?.numClasses), sparseYTrue: false, sparseYPred: false }, 'one_hot_mean_io_u');
  }
  override getConfig() {
    const { targetClassIds: _, sparseYTrue: _t, sparseYPred: _p, ...rest } = super.getConfig();
    return rest;
  }
}

/** IoU of a binary segmentation: predictions >= threshold are class 1, labels are 0 or 1. */
export class BinaryIoU extends IoU {
  readonly threshold: number;
  constructor(args: { targetClassIds?: number[]; threshold?: number; name?: string } = {}) {
    super({ numClasses: 2, targetClassIds: args.targetClassIds ?? [0, 1], name: args.name }, 'binary_io_u');
    this.threshold = args.threshold ?? 0.5;
  }
  protected override predictedClasses(yPred: Tensor): ArrayLike<number> {
    const classes = new Int32Array(yPred.size);
    for (let i = 0; i < yPred.size; i++) classes[i] = yPred.values[i] >= this.threshold ? 1 : 0;
    return classes;
  }
  override getConfig() {
    return { name: this.name, targetClassIds: this.targetClassIds, threshold: this.threshold };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// F-scores (Keras 3's FBetaScore and F1Score): per-class true/false positives and false negatives over batches.

/** yTrue and yPred of one shape [batchSize, outputDim], as Keras's FBetaScore and R2Score require. */
function matching2D(yTrue: TensorLike, yPred: TensorLike, name: string): [Tensor, Tensor] {
  const t = toTensor(yTrue, name);
  const p = toTensor(yPred, name);
  if (p.rank !== 2 || t.rank !== 2) {
    throw new Error(`${name}: expects 2D inputs of shape [batchSize, outputDim], received yTrue of shape ${fmt(t.shape)} and yPred of shape ${fmt(p.shape)}`);
  }
  if (t.shape[0] !== p.shape[0] || t.shape[1] !== p.shape[1]) {
    throw new Error(`${name}: yTrue has shape ${fmt(t.shape)} but yPred has shape ${fmt(p.shape)}; they must match`);
  }
  return [t, p];
}

export interface FBetaArgs {
  name?: string;
  /** null: one score per class (read them with resultPerClass()); 'micro': from the counts pooled over classes;
   * 'macro': the mean of the class scores; 'weighted': their mean weighted by each class's (weighted) label count. */
  average?: null | 'micro' | 'macro' | 'weighted';
  beta?: number;
  /** Predictions above it are positive; null (default) takes each row's largest prediction as its positive. */
  threshold?: number | null;
}

export class FBetaScore extends Metric {
  readonly average: null | 'micro' | 'macro' | 'weighted';
  readonly beta: number;
  readonly threshold: number | null;
  private tp: Float64Array | null = null;
  private fp: Float64Array | null = null;
  private fn: Float64Array | null = null;
  private support: Float64Array | null = null;

  constructor(args: FBetaArgs = {}, defaultName = 'fbeta_score') {
    super(args.name ?? defaultName);
    const cls = this.constructor.name;
    const average = args.average ?? null;
    if (average !== null && average !== 'micro' && average !== 'macro' && average !== 'weighted') {
      throw new Error(`${cls}: invalid average ${JSON.stringify(args.average)}; expected null, 'micro', 'macro' or 'weighted'`);
    }
    const beta = args.beta ?? 1;
    if (!(typeof beta === 'number' && beta > 0)) throw new Error(`${cls}: beta must be a positive number, received beta=${args.beta}`);
    const threshold = args.threshold ?? null;
    if (threshold !== null && !(typeof threshold === 'number' && threshold > 0 && threshold <= 1)) {
      throw new Error(`${cls}: threshold must be a number in (0, 1], received threshold=${args.threshold}`);
    }
    this.average = average;
    this.beta = beta;
    this.threshold = threshold;
  }

  updateState(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: Tensor | null): void {
    const [t, p] = matching2D(yTrue, yPred, this.name);
    const [rows, classes] = p.shape;
    if (!this.tp) {
      this.tp = new Float64Array(classes);
      this.fp = new Float64Array(classes);
      this.fn = new Float64Array(classes);
      this.support = new Float64Array(classes);
    } else if (this.tp.length !== classes) {
      throw new Error(`${this.name}: predictions of shape ${fmt(p.shape)} have ${classes} classes, earlier batches had ${this.tp.length}`);
    }
    let w: ((i: number) => number) | null = null;
    if (sampleWeight) {
      if (sampleWeight.size !== rows) throw new Error(`${this.name}: expected one sample weight per row (${rows}), received shape ${fmt(sampleWeight.shape)}`);
      w = (r) => sampleWeight.values[r];
    }
    const pv = p.values;
    const tv = t.values;
    for (let r = 0; r < rows; r++) {
      const weight = w ? w(r) : 1;
      let top = -Infinity;
      if (this.threshold === null) for (let c = 0; c < classes; c++) top = Math.max(top, pv[r * classes + c]);
      for (let c = 0; c < classes; c++) {
        const v = pv[r * classes + c];
        // Without a threshold the row's largest score is the positive (ties: all of them), unless it is 0: a row of
        // zeros predicts nothing, as in Keras.
        const pred = this.threshold === null ? (v >= top && Math.abs(v) > 1e-9 ? 1 : 0) : v > this.threshold ? 1 : 0;
        const truth = tv[r * classes + c];
        this.tp[c] += weight * pred * truth;
        this.fp![c] += weight * pred * (1 - truth);
        this.fn![c] += weight * (1 - pred) * truth;
        this.support![c] += weight * truth;
      }
    }
  }

  /** (1 + beta^2) P R / (beta^2 P + R) from pooled or per-class counts, with Keras's epsilons. */
  private score(tp: number, fp: number, fn: number): number {
    const eps = 1e-7;
    const precision = tp / (tp + fp + eps);
    const recall = tp / (tp + fn + eps);
    const b2 = this.beta * this.beta;
    return ((precision * recall) / (b2 * precision + recall + eps)) * (1 + b2);
  }

  /** One score per class (before averaging). */
  resultPerClass(): number[] {
    if (!this.tp) return [];
    return Array.from(this.tp, (tp, c) => this.score(tp, this.fp![c], this.fn![c]));
  }

  result(): number {
    if (this.average === null) {
      throw new Error(`${this.name}: with average null the result is one score per class; read resultPerClass(), or pass average 'micro', 'macro' or 'weighted' for one number`);
    }
    if (!this.tp) return 0;
    if (this.average === 'micro') {
      const s = (a: Float64Array) => a.reduce((x, y) => x + y, 0);
      return this.score(s(this.tp), s(this.fp!), s(this.fn!));
    }
    const perClass = this.resultPerClass();
    if (this.average === 'macro') return perClass.reduce((x, y) => x + y, 0) / perClass.length;
    const totalSupport = this.support!.reduce((x, y) => x + y, 0);
    return perClass.reduce((acc, f, c) => acc + (f * this.support![c]) / (totalSupport + 1e-7), 0);
  }
  override resetState(): void {
    this.tp = this.fp = this.fn = this.support = null;
  }
  override getConfig(): Record<string, unknown> {
    return { name: this.name, average: this.average, beta: this.beta, threshold: this.threshold };
  }
}

/** FBetaScore with beta 1: the harmonic mean of precision and recall. */
export class F1Score extends FBetaScore {
  constructor(args: Omit<FBetaArgs, 'beta'> = {}) {
    super({ ...args, beta: 1 }, 'f1_score');
  }
  override getConfig() {
    const { beta: _, ...rest } = super.getConfig();
    return rest;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Counts at thresholds (Keras 3's TruePositives, FalsePositives, TrueNegatives, FalseNegatives) and the metrics that
// pick one point of a curve (PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity,
// SpecificityAtSensitivity), from weighted tp / fp / tn / fn kept at every threshold, as Keras's
// update_confusion_matrix_variables: a label is positive when nonzero, a prediction when strictly above the threshold.

/** Keras's `thresholds` argument: a number or a list of numbers in [0, 1] (default `def`). */
function parseThresholds(cls: string, th: unknown, def: number): number[] {
  if (th === undefined || th === null) return [def];
  const list = Array.isArray(th) ? th : [th];
  if (list.length === 0 || list.some((t) => typeof t !== 'number' || !(t >= 0 && t <= 1))) {
    throw new Error(`${cls}: threshold values must be numbers in [0, 1], received thresholds=${JSON.stringify(th)}`);
  }
  return list as number[];
}

/** Keras's is_evenly_distributed_thresholds: i / (n - 1) for n >= 3, within its epsilon. */
function evenlyDistributed(th: number[]): boolean {
  return th.length >= 3 && th.every((t, i) => Math.abs(t - Math.fround(i / (th.length - 1))) <= 1e-7 + 1e-5 * Math.abs(Math.fround(i / (th.length - 1))));
}

/**
 * Weighted tp, fp, tn, fn at each of a fixed list of thresholds, accumulated over batches. A prediction is bucketed by
 * how many (sorted) thresholds lie strictly below it, so an update costs O(log T) per prediction.
 */
class ThresholdCounts {
  readonly tp: Float64Array;
  readonly fp: Float64Array;
  readonly tn: Float64Array;
  readonly fn: Float64Array;
  /** Thresholds as float32, which Keras compares in; `order[j]` is the position in the user's list of sorted j. */
  private readonly sorted: Float32Array;
  private readonly order: number[];
  /** With evenly distributed thresholds Keras clips predictions to [0, 1] first (its bucketed fast path). */
  private readonly clip: boolean;

  constructor(thresholds: number[]) {
    const n = thresholds.length;
    this.order = thresholds.map((_, i) => i).sort((a, b) => thresholds[a] - thresholds[b]);
    this.sorted = Float32Array.from(this.order, (i) => thresholds[i]);
    this.clip = evenlyDistributed(thresholds);
    this.tp = new Float64Array(n);
    this.fp = new Float64Array(n);
    this.tn = new Float64Array(n);
    this.fn = new Float64Array(n);
  }

  /** Counts every prediction, or with classId only the predictions of that class (an index on the last axis). */
  update(name: string, yTrue: TensorLike, yPred: TensorLike, sampleWeight: Tensor | null | undefined, classId: number | null): void {
    const t = toTensor(yTrue, name);
    const p = toTensor(yPred, name);
    checkRows(t, p.size, name, 'labels (one per prediction)');
    let classes = 1;
    if (classId !== null) {
      if (p.rank < 2) throw new Error(`${name}: with classId, predictions must have shape [samples, classes], received ${fmt(p.shape)}`);
      classes = p.shape[p.rank - 1];
      if (classId >= classes) throw new Error(`${name}: classId ${classId} is out of range for predictions of shape ${fmt(p.shape)}`);
    }
    const w = sampleWeight ? elementWeights(sampleWeight, p.size, name) : null;
    const T = this.sorted.length;
    // pos[k] / neg[k]: the weight of positives / negatives above exactly the k lowest thresholds.
    const pos = new Float64Array(T + 1);
    const neg = new Float64Array(T + 1);
    const pv = p.values;
    const tv = t.values;
    for (let i = classId ?? 0; i < pv.length; i += classes) {
      let v = pv[i];
      if (this.clip) v = v < 0 ? 0 : v > 1 ? 1 : v;
      let lo = 0;
      let hi = T;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.sorted[mid] < v) lo = mid + 1;
        else hi = mid;
      }
      (tv[i] !== 0 ? pos : neg)[lo] += w ? w(i) : 1;
    }
    let above = 0;
    let aboveN = 0;
    let totalP = 0;
    let totalN = 0;
    for (let k = 0; k <= T; k++) {
      totalP += pos[k];
      totalN += neg[k];
    }
    for (let j = T - 1; j >= 0; j--) {
      above += pos[j + 1];
      aboveN += neg[j + 1];
      const at = this.order[j];
      this.tp[at] += above;
      this.fp[at] += aboveN;
      this.fn[at] += totalP - above;
      this.tn[at] += totalN - aboveN;
    }
  }

  reset(): void {
    for (const a of [this.tp, this.fp, this.tn, this.fn]) a.fill(0);
  }
}

export interface ConfusionCountArgs {
  /** A prediction above a threshold counts as positive: one threshold (0.5) or a list, one count per threshold. */
  thresholds?: number | number[];
  name?: string;
}

/** A subclass names the cell it counts (`cell`); its default name is its class name in snake case, as Keras's. */
abstract class ConfusionCount extends Metric {
  static readonly cell: 'tp' | 'fp' | 'tn' | 'fn';
  protected readonly counts: ThresholdCounts;
  /** The thresholds as given: a number, a list, or undefined for the default 0.5. */
  readonly thresholds: number | number[] | undefined;
  private readonly cell: 'tp' | 'fp' | 'tn' | 'fn';
  constructor(args: ConfusionCountArgs = {}) {
    const cls = new.target.name;
    super(args.name ?? toSnakeCase(cls));
    checkOptionNames(args, ['thresholds', 'name', 'dtype'], cls);
    this.cell = (new.target as unknown as typeof ConfusionCount).cell;
    this.counts = new ThresholdCounts(parseThresholds(cls, args.thresholds, 0.5));
    this.thresholds = Array.isArray(args.thresholds) ? args.thresholds.slice() : args.thresholds ?? undefined;
  }
  updateState(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: Tensor | null): void {
    this.counts.update(this.name, yTrue, yPred, sampleWeight, null);
  }
  /** The count at each threshold, in the order given. */
  resultPerThreshold(): number[] {
    return Array.from(this.counts[this.cell]);
  }
  result(): number {
    const all = this.counts[this.cell];
    if (all.length !== 1) {
      throw new Error(`${this.name}: with ${all.length} thresholds the result is one count per threshold; read resultPerThreshold(), or pass one threshold for one number`);
    }
    return all[0];
  }
  override resetState(): void {
    this.counts.reset();
  }
  override getConfig(): Record<string, unknown> {
    return { name: this.name, thresholds: this.thresholds };
  }
}

/** The weighted number of positive labels predicted above the threshold. */
export class TruePositives extends ConfusionCount {
  static override readonly cell = 'tp';
}
/** The weighted number of negative labels predicted above the threshold. */
export class FalsePositives extends ConfusionCount {
  static override readonly cell = 'fp';
}
/** The weighted number of negative labels predicted at or below the threshold. */
export class TrueNegatives extends ConfusionCount {
  static override readonly cell = 'tn';
}
/** The weighted number of positive labels predicted at or below the threshold. */
export class FalseNegatives extends ConfusionCount {
  static override readonly cell = 'fn';
}

export interface AtValueOptions {
  /** Evenly spaced thresholds from 0 to 1 (200); 1 means the single threshold 0.5. */
  numThresholds?: number;
  /** Only this class (an index on the last axis of [samples, classes] predictions) is counted. */
  classId?: number;
  name?: string;
}

type Curve = 'recall' | 'precision' | 'specificity' | 'sensitivity';
/** The target value by its Keras name: { recall: 0.8 } for PrecisionAtRecall, { precision: 0.9 } for RecallAtPrecision, ... */
export type AtValueArgs = AtValueOptions & { [k in Curve]?: number };

/**
 * Keras's SensitivitySpecificityBase: the best value of one statistic over the thresholds at which another is at least
 * the target value (0 when no threshold gets there). A subclass names the two (`curves`: [constrained, maximised]);
 * its target comes first, as in Keras (`new PrecisionAtRecall(0.8, { numThresholds })`), or by name in the options.
 */
abstract class AtValueMetric extends Metric {
  static readonly curves: readonly [Curve, Curve];
  readonly numThresholds: number;
  readonly classId: number | null;
  private readonly constraint: Curve;
  private readonly maximised: Curve;
  private readonly value: number;
  private readonly counts: ThresholdCounts;

  constructor(valueOrArgs: number | AtValueArgs, args: AtValueOptions = {}) {
    const cls = new.target.name;
    const [constraint, maximised] = (new.target as unknown as typeof AtValueMetric).curves;
    const a: AtValueArgs = typeof valueOrArgs === 'number' ? { ...args, [constraint]: valueOrArgs } : { ...valueOrArgs };
    super(a.name ?? toSnakeCase(cls));
    checkOptionNames(a, [constraint, 'numThresholds', 'classId', 'name', 'dtype'], cls);
    const value = a[constraint];
    if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
      throw new Error(`${cls}: argument \`${constraint}\` must be a number in the range [0, 1], received ${constraint}=${JSON.stringify(value)}`);
    }
    const n = a.numThresholds ?? 200;
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${cls}: argument \`numThresholds\` must be an integer > 0, received numThresholds=${a.numThresholds}`);
    if (a.classId !== undefined && a.classId !== null && !(Number.isInteger(a.classId) && a.classId >= 0)) {
      throw new Error(`${cls}: classId must be a non-negative integer, received classId=${a.classId}`);
    }
    this.constraint = constraint;
    this.maximised = maximised;
    this.value = value;
    this.numThresholds = n;
    this.classId = a.classId ?? null;
    const thresholds = n === 1 ? [0.5] : Array.from({ length: n }, (_, i) => (i === 0 ? 0 : i === n - 1 ? 1 : i / (n - 1)));
    this.counts = new ThresholdCounts(thresholds);
  }

  updateState(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: Tensor | null): void {
    this.counts.update(this.name, yTrue, yPred, sampleWeight, this.classId);
  }

  private statistic(which: Curve, i: number): number {
    const { tp, fp, tn, fn } = this.counts;
    const divideNoNan = (a: number, b: number) => (b === 0 ? 0 : a / b);
    if (which === 'recall' || which === 'sensitivity') return divideNoNan(tp[i], tp[i] + fn[i]);
    if (which === 'precision') return divideNoNan(tp[i], tp[i] + fp[i]);
    return divideNoNan(tn[i], tn[i] + fp[i]);
  }

  result(): number {
    let best = 0;
    for (let i = 0; i < this.numThresholds; i++) {
      if (this.statistic(this.constraint, i) >= this.value) best = Math.max(best, this.statistic(this.maximised, i));
    }
    return best;
  }
  override resetState(): void {
    this.counts.reset();
  }
  override getConfig(): Record<string, unknown> {
    return { name: this.name, [this.constraint]: this.value, numThresholds: this.numThresholds, classId: this.classId ?? undefined };
  }
}

/** The best precision at a threshold whose recall is at least `recall`: `new PrecisionAtRecall(0.8)`. */
export class PrecisionAtRecall extends AtValueMetric {
  static override readonly curves = ['recall', 'precision'] as const;
}
/** The best recall at a threshold whose precision is at least `precision` (0 when none is). */
export class RecallAtPrecision extends AtValueMetric {
  static override readonly curves = ['precision', 'recall'] as const;
}
/** The best sensitivity tp / (tp + fn) at a threshold whose specificity tn / (tn + fp) is at least `specificity`. */
export class SensitivityAtSpecificity extends AtValueMetric {
  static override readonly curves = ['specificity', 'sensitivity'] as const;
}
/** The best specificity tn / (tn + fp) at a threshold whose sensitivity tp / (tp + fn) is at least `sensitivity`. */
export class SpecificityAtSensitivity extends AtValueMetric {
  static override readonly curves = ['sensitivity', 'specificity'] as const;
}

// ---------------------------------------------------------------------------------------------------------------
// Regression scores: Keras 3's R2Score (sums kept per output over batches) and its correlation metrics (a
// coefficient per sample along an axis, averaged).

export interface R2ScoreArgs {
  /** How the per-output scores combine: 'uniform_average' (their mean), 'variance_weighted_average' (weighted by
   * each output's total sum of squares), or null (one score per output: read resultPerClass()). */
  classAggregation?: 'uniform_average' | 'variance_weighted_average' | null;
  /** Independent regressors, for the adjusted R²; 0 (default) is the plain R². */
  numRegressors?: number;
  name?: string;
}

/**
 * The coefficient of determination 1 - Σ(y - ŷ)² / Σ(y - ȳ)², per output (the last axis of [samples, outputs]
 * inputs) over every batch seen, with sample weights; adjusted for numRegressors as
 * 1 - (1 - R²)(n - 1) / (n - p - 1), n counting every value (as Keras does).
 */
export class R2Score extends Metric {
  readonly classAggregation: 'uniform_average' | 'variance_weighted_average' | null;
  readonly numRegressors: number;
  /** Per output, weighted: Σy, Σy², Σ(y - ŷ)² and Σw. */
  private sums: { sum: Float64Array; squaredSum: Float64Array; residual: Float64Array; count: Float64Array } | null = null;
  private numSamples = 0;

  constructor(args: R2ScoreArgs = {}) {
    super(args.name ?? 'r2_score');
    checkOptionNames(args, ['classAggregation', 'numRegressors', 'name', 'dtype'], 'R2Score');
    const agg = args.classAggregation === undefined ? 'uniform_average' : args.classAggregation;
    if (agg !== null && agg !== 'uniform_average' && agg !== 'variance_weighted_average') {
      throw new Error(`R2Score: invalid value for argument \`classAggregation\`; expected one of null, 'uniform_average', 'variance_weighted_average', received classAggregation=${JSON.stringify(args.classAggregation)}`);
    }
    const p = args.numRegressors ?? 0;
    if (!(Number.isInteger(p) && p >= 0)) throw new Error(`R2Score: invalid value for argument \`numRegressors\`; expected an integer >= 0, received numRegressors=${args.numRegressors}`);
    this.classAggregation = agg;
    this.numRegressors = p;
  }

  updateState(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: Tensor | null): void {
    const [t, p] = matching2D(yTrue, yPred, this.name);
    const outputs = p.shape[1];
    if (!this.sums) {
      const zeros = () => new Float64Array(outputs);
      this.sums = { sum: zeros(), squaredSum: zeros(), residual: zeros(), count: zeros() };
    } else if (this.sums.sum.length !== outputs) {
      throw new Error(`${this.name}: predictions of shape ${fmt(p.shape)} have ${outputs} outputs, earlier batches had ${this.sums.sum.length}`);
    }
    const { sum, squaredSum, residual, count } = this.sums;
    const w = sampleWeight ? elementWeights(sampleWeight, p.size, this.name) : null;
    const tv = t.values;
    const pv = p.values;
    for (let i = 0; i < pv.length; i++) {
      const c = i % outputs;
      const weight = w ? w(i) : 1;
      const y = tv[i];
      sum[c] += weight * y;
      squaredSum[c] += weight * y * y;
      residual[c] += weight * (y - pv[i]) * (y - pv[i]);
      count[c] += weight;
    }
    this.numSamples += t.size;
  }

  /** Σw(y - ȳ)² per output, as Keras computes it: Σwy² - (Σwy)² / Σw. */
  private totals(): number[] {
    const { sum, squaredSum, count } = this.sums!;
    return Array.from(sum, (s, c) => squaredSum[c] - (s * s) / count[c]);
  }

  /** The score of each output (before aggregation). */
  resultPerClass(): number[] {
    if (!this.sums) return [];
    const { residual } = this.sums;
    return this.totals().map((total, c) => {
      const raw = 1 - residual[c] / total;
      return raw === Infinity || raw === -Infinity ? 0 : raw;
    });
  }

  result(): number {
    if (this.classAggregation === null) {
      throw new Error(`${this.name}: with classAggregation null the result is one score per output; read resultPerClass(), or pass classAggregation 'uniform_average' or 'variance_weighted_average'`);
    }
    if (!this.sums) return 0;
    const raw = this.resultPerClass();
    let r2: number;
    if (this.classAggregation === 'uniform_average') r2 = raw.reduce((a, b) => a + b, 0) / raw.length;
    else {
      const totals = this.totals();
      r2 = raw.reduce((acc, r, c) => acc + totals[c] * r, 0) / totals.reduce((x, y) => x + y, 0);
    }
    const n = this.numSamples;
    const p = this.numRegressors;
    // Keras falls back to the plain score (with a warning) where the adjustment divides by zero or flips sign.
    if (p !== 0 && p < n - 1) r2 = 1 - ((1 - r2) * (n - 1)) / (n - p - 1);
    return r2;
  }
  override resetState(): void {
    this.sums = null;
    this.numSamples = 0;
  }
  override getConfig(): Record<string, unknown> {
    return { name: this.name, classAggregation: this.classAggregation, numRegressors: this.numRegressors };
  }
}

/** Per-sample statistics along `axis` of same-shaped yTrue and yPred: f gets each pair of lines. */
function alongAxis(yTrue: Tensor, yPred: Tensor, axis: number, name: string, f: (t: Float64Array, p: Float64Array) => number): Float32Array {
  if (yTrue.rank !== yPred.rank || yTrue.shape.some((d, i) => d !== yPred.shape[i])) {
    throw new Error(`${name}: yTrue of shape ${fmt(yTrue.shape)} and yPred of shape ${fmt(yPred.shape)} must have the same shape`);
  }
  const rank = yPred.rank;
  const ax = axis < 0 ? axis + rank : axis;
  if (rank === 0 || !(ax >= 0 && ax < rank)) throw new Error(`${name}: axis ${axis} is out of range for inputs of shape ${fmt(yPred.shape)}`);
  const len = yPred.shape[ax];
  const inner = yPred.shape.slice(ax + 1).reduce((a, b) => a * b, 1);
  const outer = yPred.shape.slice(0, ax).reduce((a, b) => a * b, 1);
  const out = new Float32Array(outer * inner);
  const t = new Float64Array(len);
  const p = new Float64Array(len);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      for (let k = 0; k < len; k++) {
        t[k] = yTrue.values[(o * len + k) * inner + j];
        p[k] = yPred.values[(o * len + k) * inner + j];
      }
      out[o * inner + j] = f(t, p);
    }
  }
  return out;
}

const meanOf = (v: Float64Array) => v.reduce((a, b) => a + b, 0) / v.length;
const varianceOf = (v: Float64Array, m: number) => v.reduce((a, b) => a + (b - m) * (b - m), 0) / v.length;

/** Keras's pearson_correlation along an axis: mean of the standardised products, each std plus epsilon 1e-7. */
function pearson(t: Float64Array, p: Float64Array): number {
  const mt = meanOf(t);
  const mp = meanOf(p);
  const st = Math.sqrt(varianceOf(t, mt)) + 1e-7;
  const sp = Math.sqrt(varianceOf(p, mp)) + 1e-7;
  let s = 0;
  for (let k = 0; k < t.length; k++) s += ((t[k] - mt) / st) * ((p[k] - mp) / sp);
  return s / t.length;
}

/** Keras's concordance_correlation: 2 cov / (var_t + var_p + (mean_t - mean_p)² + epsilon). */
function concordance(t: Float64Array, p: Float64Array): number {
  const mt = meanOf(t);
  const mp = meanOf(p);
  const norm = varianceOf(t, mt) + varianceOf(p, mp) + (mt - mp) * (mt - mp) + 1e-7;
  let s = 0;
  for (let k = 0; k < t.length; k++) s += (2 * (t[k] - mt) * (p[k] - mp)) / norm;
  return s / t.length;
}

abstract class CorrelationMetric extends Mean {
  readonly axis: number;
  constructor(args: { name?: string; axis?: number; dtype?: string }, defaultName: string, private readonly coefficient: (t: Float64Array, p: Float64Array) => number) {
    super(args.name ?? defaultName);
    checkOptionNames(args, ['name', 'axis', 'dtype'], new.target.name);
    const axis = args.axis ?? -1;
    if (!Number.isInteger(axis)) throw new Error(`${new.target.name}: axis must be an integer, received axis=${JSON.stringify(args.axis)}`);
    this.axis = axis;
  }
  override updateState(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: Tensor | null): void {
    const values = alongAxis(toTensor(yTrue, this.name), toTensor(yPred, this.name), this.axis, this.name, this.coefficient);
    const w = sampleWeight?.values;
    if (w && w.length > 0 && values.length % w.length !== 0) {
      throw new Error(`${this.name}: sample weights of shape ${fmt(sampleWeight!.shape)} do not match the ${values.length} coefficients along axis ${this.axis}`);
    }
    this.addValues(values, w);
  }
  override getConfig(): Record<string, unknown> {
    return { name: this.name, axis: this.axis };
  }
}

/** The Pearson correlation between yTrue and yPred along `axis` (-1), averaged over the other positions and batches. */
export class PearsonCorrelation extends CorrelationMetric {
  constructor(args: { name?: string; axis?: number } = {}) {
    super(args, 'pearson_correlation', pearson);
  }
}
/** Lin's concordance correlation between yTrue and yPred along `axis` (-1), averaged over the other positions and batches. */
export class ConcordanceCorrelation extends CorrelationMetric {
  constructor(args: { name?: string; axis?: number } = {}) {
    super(args, 'concordance_correlation', concordance);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Lookup: compile()'s metric names, objects, functions and saved configs.

export type MetricIdentifier = string | Metric | ((yTrue: Tensor, yPred: Tensor) => Tensor) | { className: string; config?: Record<string, unknown> };

/** Metric classes a saved model's compile() metrics can name ({ className, config: getConfig() }). */
const metricClasses: Record<string, new (config: never) => Metric> = {
  Precision, Recall, AUC, KLDivergence, Poisson, CosineSimilarity, LogCoshError, Hinge, SquaredHinge, CategoricalHinge,
  MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
  BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy, IoU, OneHotIoU, BinaryIoU, FBetaScore, F1Score,
  BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
  MeanSquaredError, MeanAbsoluteError, RootMeanSquaredError,
  TruePositives, FalsePositives, TrueNegatives, FalseNegatives, R2Score, PearsonCorrelation, ConcordanceCorrelation,
  // Their constructors take their target value first; the config has it as an option, which they accept too.
  PrecisionAtRecall: PrecisionAtRecall as never, RecallAtPrecision: RecallAtPrecision as never,
  SensitivityAtSpecificity: SensitivityAtSpecificity as never, SpecificityAtSensitivity: SpecificityAtSensitivity as never,
  // Their constructors take numClasses first; the config has it as an option, which they accept too.
  MeanIoU: MeanIoU as never, OneHotMeanIoU: OneHotMeanIoU as never,
};

/** Metric subclasses registered with tn.serialization.registerClass, by class name. */
const customMetrics = new Map<string, new (config: never) => Metric>();

/** @internal registerClass's part for a Metric subclass: a serialized { className, config } can rebuild it. */
export function registerMetricClass(cls: new (config: never) => Metric): void {
  customMetrics.set(cls.name, cls);
}

/** The class names getMetric rebuilds from { className, config }: the built-in ones and the registered ones. */
export function metricClassNames(): string[] {
  return [...Object.keys(metricClasses), ...customMetrics.keys()];
}

/** The serialized form of a metric object whose class can be rebuilt from its config, or null. */
export function serializeMetric(m: Metric): { className: string; config: Record<string, unknown> } | null {
  const className = m.constructor.name;
  const known = (Object.hasOwn(metricClasses, className) && metricClasses[className] === m.constructor) || customMetrics.get(className) === m.constructor;
  return known ? { className, config: m.getConfig() } : null;
}

const factories: Record<string, (name: string) => Metric> = {
  binary_accuracy: (n) => new BinaryAccuracy({ name: n }),
  categorical_accuracy: (n) => new CategoricalAccuracy({ name: n }),
  sparse_categorical_accuracy: (n) => new SparseCategoricalAccuracy({ name: n }),
  top_k_categorical_accuracy: (n) => new TopKCategoricalAccuracy({ name: n }),
  sparse_top_k_categorical_accuracy: (n) => new SparseTopKCategoricalAccuracy({ name: n }),
  mean_squared_error: (n) => new MeanSquaredError({ name: n }),
  mse: (n) => new MeanSquaredError({ name: n }),
  mean_absolute_error: (n) => new MeanAbsoluteError({ name: n }),
  mae: (n) => new MeanAbsoluteError({ name: n }),
  root_mean_squared_error: (n) => new RootMeanSquaredError({ name: n }),
  precision: (n) => new Precision({ name: n }),
  recall: (n) => new Recall({ name: n }),
  auc: (n) => new AUC({ name: n }),
  true_positives: (n) => new TruePositives({ name: n }),
  false_positives: (n) => new FalsePositives({ name: n }),
  true_negatives: (n) => new TrueNegatives({ name: n }),
  false_negatives: (n) => new FalseNegatives({ name: n }),
  r2_score: (n) => new R2Score({ name: n }),
  pearson_correlation: (n) => new PearsonCorrelation({ name: n }),
  concordance_correlation: (n) => new ConcordanceCorrelation({ name: n }),
  // Losses as metrics (names normalised: 'logcosh' and 'log_cosh' are one key).
  kl_divergence: (n) => new KLDivergence({ name: n }),
  kld: (n) => new KLDivergence({ name: n }),
  kullback_leibler_divergence: (n) => new KLDivergence({ name: n }),
  poisson: (n) => new Poisson({ name: n }),
  cosine_similarity: (n) => new CosineSimilarity({ name: n }),
  logcosh: (n) => new LogCoshError({ name: n }),
  log_cosh_error: (n) => new LogCoshError({ name: n }),
  hinge: (n) => new Hinge({ name: n }),
  squared_hinge: (n) => new SquaredHinge({ name: n }),
  categorical_hinge: (n) => new CategoricalHinge({ name: n }),
  binary_crossentropy: (n) => new BinaryCrossentropy({ name: n }),
  bce: (n) => new BinaryCrossentropy({ name: n }),
  categorical_crossentropy: (n) => new CategoricalCrossentropy({ name: n }),
  sparse_categorical_crossentropy: (n) => new SparseCategoricalCrossentropy({ name: n }),
  mean_absolute_percentage_error: (n) => new MeanAbsolutePercentageError({ name: n }),
  mape: (n) => new MeanAbsolutePercentageError({ name: n }),
  mean_squared_logarithmic_error: (n) => new MeanSquaredLogarithmicError({ name: n }),
  msle: (n) => new MeanSquaredLogarithmicError({ name: n }),
  // TF.js's 'cosine' and Keras 2's 'cosine_proximity': the negated cosine similarity, TF.js's cosineProximity.
  cosine: (n) => new FunctionMetric(cosineProximity, n),
  cosine_proximity: (n) => new FunctionMetric(cosineProximity, n),
};
const table = new Map(Object.entries(factories).map(([k, v]) => [normalizeName(k), v]));
/** Keras 2's and TF.js's capital aliases of metric functions (keras.metrics.MSE, tf.metrics.MAPE). */
const capitalFunctionNames = new Set(['MSE', 'MAE', 'MAPE', 'MSLE', 'KLD', 'BCE']);
const known = ['accuracy', 'acc', 'crossentropy', 'ce', ...Object.keys(factories)];

/** Resolves a metric by name, object or function. 'accuracy'/'acc' resolve from the loss and shapes, as in Keras. */
/**
 * The name a metric class logs under when made without arguments, as Keras 3 names `metrics=['LogCoshError']`
 * ('logcosh', not 'log_cosh_error'); the class name in snake case for a class that needs arguments.
 */
function defaultMetricName(className: string): string {
  if (!Object.hasOwn(metricClasses, className)) return toSnakeCase(className);
  try {
    return new (metricClasses[className] as new () => Metric)().name;
  } catch {
    return toSnakeCase(className);
  }
}

export function getMetric(id: MetricIdentifier, lossName = ''): Metric {
  if (id instanceof FBetaScore && id.average === null) {
    // Training logs hold one number per metric.
    throw new Error(`${id.name}: with average null the result is one score per class, which compile() cannot log; pass average 'micro', 'macro' or 'weighted'`);
  }
  if (id instanceof R2Score && id.classAggregation === null) {
    throw new Error(`${id.name}: with classAggregation null the result is one score per output, which compile() cannot log; pass classAggregation 'uniform_average' or 'variance_weighted_average'`);
  }
  if (id instanceof ConfusionCount && Array.isArray(id.thresholds) && id.thresholds.length > 1) {
    throw new Error(`${id.name}: with ${id.thresholds.length} thresholds the result is one count per threshold, which compile() cannot log; compile one metric per threshold`);
  }
  if (id instanceof Metric) return id;
  if (typeof id === 'function') return new FunctionMetric(id, id.name || 'custom_metric');
  if (typeof id === 'string') {
    if (id === 'accuracy' || id === 'acc') return new Accuracy(id, lossName);
    if (id === 'crossentropy' || id === 'ce') return new Crossentropy(id, lossName);
    // A class name ('AUC', 'MeanSquaredError') makes the class with its default name, as Keras logs it ('auc',
    // 'mean_squared_error'); a function's name ('mse', 'precision', and the capital aliases 'MSE', 'MAE' that TF.js
    // and Keras 2 log as given) is logged as given.
    const className = /^[A-Z]/.test(id) && !capitalFunctionNames.has(id);
    return lookup(table, id, 'metric', known)(className ? defaultMetricName(id) : id);
  }
  if (id && typeof id === 'object' && typeof id.className === 'string') {
    const Cls = Object.hasOwn(metricClasses, id.className) ? metricClasses[id.className] : customMetrics.get(id.className);
    if (!Cls) throw new Error(`Unknown metric class ${JSON.stringify(id.className)}. Known: ${[...Object.keys(metricClasses), ...customMetrics.keys()].join(', ')} (a custom Metric subclass must be registered with tn.serialization.registerClass)`);
    return customMetrics.get(id.className) === Cls ? fromConfig(Cls, id.config ?? {}) : new Cls((id.config ?? {}) as never);
  }
  throw new Error(`Unknown metric ${JSON.stringify(id)}. Known metrics: ${known.join(', ')}`);
}
