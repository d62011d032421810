// Stateful metrics with Keras's update/result/reset contract. Built-in metrics read the predictions' data directly
// (no graph, no allocation per batch); custom metric functions run as ops.
import { noGrad } from './autograd/tape.js';
import { lookup, normalizeName } from './names.js';
import { fmt } from './shape-util.js';
import { Tensor, toTensor, type TensorLike } from './tensor.js';

export abstract class Metric {
  constructor(public name: string) {}
  /** Accumulates one batch. sampleWeight (one weight per sample) weights the average. */
  abstract updateState(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: Tensor | null): void;
  abstract result(): number;
  abstract resetState(): void;
}

/** Weighted running mean of values. */
export class Mean extends Metric {
  protected total = 0;
  protected count = 0;
  constructor(name = 'mean') {
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
  updateState(_yTrue: TensorLike, yPred: TensorLike, sampleWeight?: Tensor | null): void {
    this.addValues(toTensor(yPred, this.name).values, sampleWeight?.values);
  }
  result(): number {
    return this.count === 0 ? 0 : this.total / this.count;
  }
  resetState(): void {
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
  constructor(args: { name?: string; threshold?: number } = {}) {
    const threshold = args.threshold ?? 0.5;
    super((t, p) => binaryAccuracyValues(t, p, threshold, this.name), args.name ?? 'binary_accuracy');
  }
}
export class TopKCategoricalAccuracy extends MeanMetricWrapper {
  constructor(args: { name?: string; k?: number } = {}) {
    const k = args.k ?? 5;
    super((t, p) => {
      const [rows, classes] = rowsOf(p, this.name);
      checkRows(t, rows * classes, this.name, 'one-hot values');
      const out = new Float32Array(rows);
      for (let r = 0; r < rows; r++) out[r] = inTopK(p.values, r * classes, classes, argmaxRow(t.values, r * classes, classes), k);
      return out;
    }, args.name ?? 'top_k_categorical_accuracy');
  }
}
export class SparseTopKCategoricalAccuracy extends MeanMetricWrapper {
  constructor(args: { name?: string; k?: number } = {}) {
    const k = args.k ?? 5;
    super((t, p) => {
      const [rows, classes] = rowsOf(p, this.name);
      checkRows(t, rows, this.name, 'integer labels');
      const out = new Float32Array(rows);
      for (let r = 0; r < rows; r++) out[r] = inTopK(p.values, r * classes, classes, t.values[r], k);
      return out;
    }, args.name ?? 'sparse_top_k_categorical_accuracy');
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

/** Counts of true/false positives and false negatives over all elements, thresholded at 0.5. */
abstract class ConfusionMetric extends Metric {
  protected tp = 0;
  protected fp = 0;
  protected fn = 0;
  constructor(name: string, readonly threshold: number) {
    super(name);
  }
  updateState(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: Tensor | null): void {
    const t = toTensor(yTrue, this.name);
    const p = toTensor(yPred, this.name);
    checkRows(t, p.size, this.name, 'values');
    const per = sampleWeight ? p.size / sampleWeight.size : 1;
    for (let i = 0; i < p.size; i++) {
      const w = sampleWeight ? sampleWeight.values[Math.floor(i / per)] : 1;
      const pred = p.values[i] > this.threshold;
      const truth = t.values[i] > 0.5;
      if (pred && truth) this.tp += w;
      else if (pred) this.fp += w;
      else if (truth) this.fn += w;
    }
  }
  resetState(): void {
    this.tp = this.fp = this.fn = 0;
  }
}

export class Precision extends ConfusionMetric {
  constructor(args: { name?: string; thresholds?: number } = {}) {
    super(args.name ?? 'precision', args.thresholds ?? 0.5);
  }
  result(): number {
    return this.tp + this.fp === 0 ? 0 : this.tp / (this.tp + this.fp);
  }
}

export class Recall extends ConfusionMetric {
  constructor(args: { name?: string; thresholds?: number } = {}) {
    super(args.name ?? 'recall', args.thresholds ?? 0.5);
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

/**
 * 'accuracy' resolved as Keras does once the loss and shapes are known: binary accuracy for one output unit or
 * binary cross-entropy, sparse categorical accuracy for integer labels, categorical accuracy for one-hot labels.
 */
export class Accuracy extends Metric {
  private inner: MeanMetricWrapper | null = null;
  constructor(name = 'accuracy', private readonly lossName = '') {
    super(name);
  }
  private resolve(t: Tensor, p: Tensor): MeanMetricWrapper {
    const loss = normalizeName(this.lossName);
    const n = this.name;
    if (loss.includes('binarycrossentropy') || p.shape[p.rank - 1] === 1) return new BinaryAccuracy({ name: n });
    if (loss.includes('sparsecategorical') || t.rank < p.rank || (t.rank === p.rank && t.shape[t.rank - 1] === 1)) {
      return new SparseCategoricalAccuracy({ name: n });
    }
    return new CategoricalAccuracy({ name: n });
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
  resetState(): void {
    this.inner?.resetState();
  }
}

export type MetricIdentifier = string | Metric | ((yTrue: Tensor, yPred: Tensor) => Tensor);

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
  precision: (n) => new Precision({ name: n }),
  recall: (n) => new Recall({ name: n }),
};
const table = new Map(Object.entries(factories).map(([k, v]) => [normalizeName(k), v]));
const known = ['accuracy', 'acc', ...Object.keys(factories)];

/** Resolves a metric by name, object or function. 'accuracy'/'acc' resolve from the loss and shapes, as in Keras. */
export function getMetric(id: MetricIdentifier, lossName = ''): Metric {
  if (id instanceof Metric) return id;
  if (typeof id === 'function') return new FunctionMetric(id, id.name || 'custom_metric');
  if (typeof id === 'string') {
    if (id === 'accuracy' || id === 'acc') return new Accuracy(id, lossName);
    return lookup(table, id, 'metric', known)(id);
  }
  throw new Error(`Unknown metric ${JSON.stringify(id)}. Known metrics: ${known.join(', ')}`);
}
