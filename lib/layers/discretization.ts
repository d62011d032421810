// Discretization (Keras 3's keras.layers.Discretization): numbers to the index of the range they fall in, given
// `binBoundaries` or learned by adapt() as approximate quantiles of data (`numBins`, `epsilon`).
import { fromArray, Tensor, toTensor, type TensorLike } from '../tensor.js';
import { invalid, single, singleShape } from './core.js';
import { Layer, type LayerArgs, type LayerInput, type Shape } from './layer.js';
import { adaptSteps, collectAdaptElements, isAsyncSource, PendingAdapt, type AdaptData, type AdaptOptions, type AsyncAdaptData } from './preprocessing.js';
import { encode, encodedShape, type EncodingMode } from './preprocessing-text.js';

export interface DiscretizationArgs extends LayerArgs {
  /**
   * Sorted boundaries b0 <= b1 <= ...: bins (-inf, b0), [b0, b1), ..., [b_last, inf), numbered 0, 1, ... Given, the
   * layer is ready; otherwise give `numBins` and call adapt().
   */
  binBoundaries?: number[] | null;
  /** How many bins adapt() computes (their boundaries are approximate quantiles of the data). */
  numBins?: number | null;
  /** The quantile approximation's tolerance (default 0.01): larger is coarser and cheaper. */
  epsilon?: number;
  /** 'int' (the bin index, int32), 'one_hot', 'multi_hot' or 'count' (float32 over the bins), as CategoryEncoding. */
  outputMode?: 'int' | EncodingMode;
  sparse?: boolean;
}

/**
 * A weighted summary of sorted data: values[i] stands for weights[i] samples. Keras's quantile sketch: each batch
 * is reduced to about 1 / epsilon evenly spaced order statistics, summaries are merged by value and compressed back
 * to that size by interpolating the cumulative weights; the bin boundaries are the summary compressed to numBins
 * pieces. Sizes and weights are float32 as Keras keeps them, so the boundaries match Keras's.
 */
interface Summary {
  values: number[];
  weights: number[];
}

function summarize(data: Float32Array, epsilon: number): Summary {
  const sorted = Float32Array.from(data).sort();
  const n = sorted.length;
  const increment = n / (1 / epsilon);
  const step = Math.max(increment, 1);
  const values: number[] = [];
  for (let i = Math.trunc(increment); i < n; i += Math.trunc(step)) values.push(sorted[i]);
  return { values, weights: values.map(() => Math.fround(step)) };
}

/** numpy's interp: piecewise linear through (xp, fp), constant beyond the ends. */
function interp(x: number, xp: number[], fp: number[]): number {
  const last = xp.length - 1;
  if (x <= xp[0]) return fp[0];
  if (x >= xp[last]) return fp[last];
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xp[mid] <= x) lo = mid;
    else hi = mid;
  }
  return fp[lo] + ((x - xp[lo]) * (fp[hi] - fp[lo])) / (xp[hi] - xp[lo]);
}

function compress(s: Summary, epsilon: number): Summary {
  if (s.values.length * epsilon < 1) return s;
  // The percents epsilon, 2 epsilon, ..., as numpy's arange(0, 1, epsilon) + epsilon (its length rule included).
  const count = Math.ceil(1 / epsilon);
  const cum: number[] = [];
  let acc = 0;
  for (const w of s.weights) cum.push((acc = Math.fround(acc + w)));
  const total = cum[cum.length - 1];
  const cumPercent = cum.map((c) => Math.fround(c / total));
  const values: number[] = [];
  const weights: number[] = [];
  let prev = 0;
  for (let i = 0; i < count; i++) {
    const p = epsilon + i * epsilon;
    values.push(Math.fround(interp(p, cumPercent, s.values)));
    const c = interp(p, cumPercent, cum);
    weights.push(Math.fround(c - prev));
    prev = c;
  }
  return { values, weights };
}

function mergeSummaries(a: Summary, b: Summary, epsilon: number): Summary {
  const order = [...a.values.map((v, i) => [v, a.weights[i]]), ...b.values.map((v, i) => [v, b.weights[i]])].sort((p, q) => p[0] - q[0]);
  return compress({ values: order.map((p) => p[0]), weights: order.map((p) => p[1]) }, epsilon);
}

/**
 * Buckets numbers by ranges: output = the index i of the bin [b_{i-1}, b_i) holding x (numpy's digitize), as an int32
 * tensor of the input's shape, or encoded over the numBoundaries + 1 bins as CategoryEncoding encodes ids.
 */
export class Discretization extends Layer {
  binBoundaries: number[] | null;
  readonly numBins: number | null;
  readonly epsilon: number;
  readonly outputMode: 'int' | EncodingMode;
  private readonly adapting = new PendingAdapt();

  constructor(args: DiscretizationArgs = {}) {
    super(args);
    const b = args.binBoundaries ?? null;
    const n = args.numBins ?? null;
    if (n !== null && (typeof n !== 'number' || !Number.isInteger(n) || n <= 0)) throw invalid('Discretization', 'numBins', 'a positive integer', args.numBins);
    if (n !== null && b !== null) {
      throw new Error(`Discretization: both \`numBins\` and \`binBoundaries\` should not be set. Received: numBins=${n} and binBoundaries=${JSON.stringify(b)}`);
    }
    if (n === null && b === null) throw new Error('Discretization: you need to set either `numBins` (and call adapt()) or `binBoundaries`.');
    this.binBoundaries = b === null ? null : checkBoundaries(b);
    this.numBins = n;
    const eps = args.epsilon ?? 0.01;
    if (typeof eps !== 'number' || !(eps > 0 && eps <= 1)) throw invalid('Discretization', 'epsilon', 'a number in (0, 1]', args.epsilon);
    this.epsilon = eps;
    const mode = args.outputMode ?? 'int';
    if (!['int', 'one_hot', 'multi_hot', 'count'].includes(mode as string)) {
      throw invalid('Discretization', 'outputMode', "one of 'int', 'one_hot', 'multi_hot', 'count'", args.outputMode);
    }
    this.outputMode = mode;
    if (args.sparse) throw invalid('Discretization', 'sparse', 'false (tensornode has no sparse tensors)', args.sparse);
  }

  /**
   * Learns `numBins` bins of about equal counts from data: one tensor (or nested array) or batches of it (an array
   * or other iterable of tensors, or [x, y] pairs), merged as they come; a dataset (async iterable) makes adapt()
   * return a promise. Replaces the boundaries of an earlier adapt().
   */
  adapt(data: AsyncAdaptData, options?: AdaptOptions): Promise<void>;
  adapt(data: AdaptData, options?: AdaptOptions): void;
  adapt(data: AdaptData | AsyncAdaptData, options?: AdaptOptions): void | Promise<void> {
    this.checkOptionsNow();
    const steps = adaptSteps(options, `Layer "${this.name}" (Discretization)`);
    if (this.numBins === null) {
      throw new Error(`Layer "${this.name}" (Discretization): cannot adapt a Discretization layer that has been initialized with \`binBoundaries\`, use \`numBins\` instead.`);
    }
    if (isAsyncSource(data)) return this.adapting.track(collectAdaptElements(data, `Layer "${this.name}" (Discretization)`, steps).then((batches) => this.adapt(batches as Tensor[])));
    let summary: Summary = { values: [], weights: [] };
    let seen = 0;
    for (const batch of batchesOf(data, this.name)) {
      const x = batch.dtype === 'float32' ? batch.values as Float32Array : Float32Array.from(batch.values as ArrayLike<number>);
      if (x.length === 0) continue;
      if (x.some((v) => Number.isNaN(v))) throw new Error(`Layer "${this.name}" (Discretization): adapt() received NaN values`);
      seen += x.length;
      summary = mergeSummaries(summarize(x, this.epsilon), summary, this.epsilon);
    }
    if (seen === 0) throw new Error(`Layer "${this.name}" (Discretization): adapt() received no data (an empty dataset or only empty batches)`);
    this.binBoundaries = compress(summary, 1 / this.numBins).values.slice(0, -1);
  }

  call(inputs: LayerInput): Tensor {
    this.adapting.check(this);
    const b = this.binBoundaries;
    if (b === null) {
      throw new Error(`Layer "${this.name}" (Discretization): you need to either pass the \`binBoundaries\` argument at construction time or call \`adapt(dataset)\` before you can start using the \`Discretization\` layer.`);
    }
    const x = single(inputs, this);
    const v = toTensor(x, `Layer "${this.name}" (Discretization)`).values as ArrayLike<number>;
    const ids = new Int32Array(v.length);
    for (let i = 0; i < v.length; i++) ids[i] = digitize(v[i], b);
    if (this.outputMode === 'int') return fromArray(ids, x.shape.slice());
    return encode(ids, x.shape, this.outputMode, b.length + 1, null, `Layer "${this.name}" (Discretization)`);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this);
    if (this.outputMode === 'int') return s;
    if (this.binBoundaries === null) {
      throw new Error(`Layer "${this.name}" (Discretization): the output size of outputMode '${this.outputMode}' is the number of bins, unknown before adapt() (give \`binBoundaries\`, or adapt the layer before using it in a model)`);
    }
    return encodedShape(s, this.outputMode, this.binBoundaries.length + 1);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), binBoundaries: this.binBoundaries === null ? null : this.binBoundaries.slice(), numBins: this.numBins,
      epsilon: this.epsilon, outputMode: this.outputMode, sparse: false,
    };
  }

  /** @internal Sets the boundaries an adapted layer's saved config holds (it has both numBins and binBoundaries). */
  setBinBoundaries(boundaries: number[]): void {
    this.binBoundaries = checkBoundaries(boundaries);
  }
}

function checkBoundaries(b: unknown): number[] {
  if (!Array.isArray(b) || !b.every((v) => typeof v === 'number' && !Number.isNaN(v)) || b.some((v, i) => i > 0 && v < b[i - 1])) {
    throw invalid('Discretization', 'binBoundaries', 'a list of numbers in increasing order', b);
  }
  return b.slice();
}

/** The number of boundaries <= x (numpy's digitize with right=false on increasing bins); NaN goes to the last bin. */
function digitize(x: number, b: number[]): number {
  if (Number.isNaN(x)) return b.length;
  let lo = 0;
  let hi = b.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (b[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** adapt()'s data as a sequence of tensors. */
function batchesOf(data: AdaptData, name: string): Tensor[] {
  if (data instanceof Tensor) return [data];
  const where = `Layer "${name}" (Discretization) adapt`;
  const isBatchList = Array.isArray(data) && data.length > 0 && data.every((e) => e instanceof Tensor || (Array.isArray(e) && e[0] instanceof Tensor));
  const iterable = isBatchList || (data !== null && typeof data === 'object' && !Array.isArray(data) && !ArrayBuffer.isView(data) && typeof (data as Iterable<unknown>)[Symbol.iterator] === 'function');
  if (!iterable) return [toTensor(data as TensorLike, where)];
  return [...(data as Iterable<Tensor | Tensor[]>)].map((e) => {
    const t = Array.isArray(e) ? e[0] : e;
    if (!(t instanceof Tensor)) throw new Error(`${where}: expected batches that are tensors or [x, y] pairs of tensors, received ${typeof t}`);
    return toTensor(t, where);
  });
}
