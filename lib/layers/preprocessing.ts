// Preprocessing layers for numbers and images (Keras 3's keras/layers/preprocessing): Rescaling, Normalization (with
// adapt()), Resizing, CenterCrop, and the augmentation layers RandomFlip, RandomRotation, RandomZoom, RandomCrop and
// RandomTranslation. They work inside a model and on their own (layer.apply(x)).
//
// Images are [batch, height, width, channels] (channels_last) or [height, width, channels] (one image); with
// dataFormat 'channels_first' they are transposed to channels_last and back. The random layers act only when called
// with `training: true` (inside fit) and are the identity otherwise (RandomCrop then center-crops, as Keras does).
// A layer given a `seed` draws from its own stream (lib/random.ts), so its augmentations repeat from run to run;
// without one it draws from the global stream (tn.setSeed). The random rotations, zooms and translations build the
// transforms Keras 3 builds and apply them with the affineTransform op (TensorFlow's ImageProjectiveTransformV3).
import { add, cast, div, maximum, mul, sqrt, sub, where } from '../ops/elementwise.js';
import { affineTransform, type AffineFillMode, type AffineInterpolation } from '../ops/image.js';
import { resizeBilinear, resizeNearest } from '../ops/resize.js';
import { gather, pad, reshape, slice, transpose } from '../ops/shape.js';
import { Generator, generator } from '../random.js';
import { checkOptionNames } from '../names.js';
import { fmt } from '../shape-util.js';
import { Tensor, tensor, toTensor, type NestedArray, type TensorLike, type Variable } from '../tensor.js';
import { invalid, positiveInt, single, singleShape } from './core.js';
import { formatShape, Layer, type CallArgs, type LayerArgs, type LayerInput, type Shape } from './layer.js';

type DataFormat = 'channels_last' | 'channels_first';
type DataFormatArg = DataFormat | 'channelsLast' | 'channelsFirst';

function dataFormatArg(v: unknown, cls: string): DataFormat {
  if (v === undefined || v === null || v === 'channels_last' || v === 'channelsLast') return 'channels_last';
  if (v === 'channels_first' || v === 'channelsFirst') return 'channels_first';
  throw invalid(cls, 'dataFormat', "'channels_last' or 'channels_first'", v);
}

function seedArg(v: unknown, cls: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(cls, 'seed', 'a finite number', v);
  return v;
}

function finiteNumber(v: unknown, cls: string, arg: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(cls, arg, 'a finite number', v);
  return v;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], cls: string, arg: string, fallback: T): T {
  if (v === undefined || v === null) return fallback;
  if (!allowed.includes(v as T)) throw invalid(cls, arg, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, v);
  return v as T;
}

/** A factor as Keras takes it: f (meaning [-|f|, |f|]) or [lower, upper] (sorted), every number within [-1, 1]. */
function factorArg(v: unknown, cls: string, arg: string): [number, number] {
  const ok = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x >= -1 && x <= 1;
  if (typeof v === 'number' && ok(v)) return [-Math.abs(v), Math.abs(v)];
  if (Array.isArray(v) && v.length === 2 && v.every(ok)) return [Math.min(v[0], v[1]), Math.max(v[0], v[1])];
  throw invalid(cls, arg, 'a number or a list of two numbers in the range [-1, 1]', v);
}

/**
 * What the image layers share: rank 3 or 4 input, channels_last inside. `toNHWC` returns the input as a float32
 * [batch, height, width, channels] tensor, `fromNHWC` puts a result back in the input's layout and rank.
 */
export abstract class ImageLayer extends Layer {
  readonly dataFormat: DataFormat;

  constructor(args: LayerArgs & { dataFormat?: DataFormatArg }) {
    super(args);
    this.dataFormat = dataFormatArg(args.dataFormat, this.constructor.name);
  }

  protected toNHWC(inputs: LayerInput): { x: Tensor; batched: boolean } {
    let x = single(inputs, this);
    if (x.rank !== 3 && x.rank !== 4) {
      throw new Error(`Layer "${this.name}" (${this.className}) expects images of rank 3 (one image) or 4 (a batch), received shape ${fmt(x.shape)}`);
    }
    if (x.dtype !== 'float32') x = cast(x, 'float32');
    const batched = x.rank === 4;
    if (!batched) x = reshape(x, [1, ...x.shape]);
    if (this.dataFormat === 'channels_first') x = transpose(x, [0, 2, 3, 1]);
    return { x, batched };
  }

  protected fromNHWC(y: Tensor, batched: boolean): Tensor {
    if (this.dataFormat === 'channels_first') y = transpose(y, [0, 3, 1, 2]);
    return batched ? y : reshape(y, y.shape.slice(1));
  }

  /** The (height, width) axes of a shape of this layer's rank and layout. */
  protected spatialAxes(rank: number): [number, number] {
    return this.dataFormat === 'channels_last' ? [rank - 3, rank - 2] : [rank - 2, rank - 1];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), dataFormat: this.dataFormat };
  }
}

/** An image layer whose output has a fixed height and width. */
abstract class SizedImageLayer extends ImageLayer {
  readonly height: number;
  readonly width: number;

  constructor(args: LayerArgs & { height?: number; width?: number; dataFormat?: DataFormatArg }) {
    super(args);
    this.height = positiveInt(args.height, this.constructor.name, 'height');
    this.width = positiveInt(args.width, this.constructor.name, 'width');
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this).slice();
    const [h, w] = this.spatialAxes(s.length);
    s[h] = this.height;
    s[w] = this.width;
    return s;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), height: this.height, width: this.width };
  }
}

/** An augmentation layer: a seed and its stream, output shape = input shape. */
export abstract class RandomImageLayer extends ImageLayer {
  readonly seed: number | undefined;
  private readonly gen: Generator | null;

  constructor(args: LayerArgs & { seed?: number; dataFormat?: DataFormatArg }) {
    super(args);
    this.seed = seedArg(args.seed, this.constructor.name);
    this.gen = this.seed === undefined ? null : new Generator(this.seed);
  }

  /** The stream this call draws from. */
  protected stream(): Generator {
    return this.gen ?? generator();
  }

  /** n uniform draws in [lo, hi). */
  protected uniform(n: number, lo: number, hi: number): number[] {
    const g = this.stream();
    return Array.from({ length: n }, () => lo + (hi - lo) * g.uniform());
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape, this);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), seed: this.seed };
  }
}

// ---------------------------------------------------------------------------------------------------------------
/** Whether v is an options object ({ ... }) rather than a positional value (a number, string, array or tensor). */
function isOptions(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;
}

/**
 * Keras's positional form (`RandomFlip('horizontal')`, `Rescaling(1 / 255)`, `RandomCrop(24, 24)`) or one options
 * object: leading values fill `keys` in order, and an options object after them adds the rest.
 */
export function positionalArgs<T>(cls: string, params: unknown[], keys: string[]): T {
  if (isOptions(params[0])) {
    if (params.slice(1).some((p) => p !== undefined)) throw new Error(`${cls}: after an options object no further arguments are taken`);
    return params[0] as T;
  }
  const out: Record<string, unknown> = {};
  let i = 0;
  for (; i < params.length && !isOptions(params[i]); i++) {
    if (params[i] === undefined) continue;
    if (i >= keys.length) throw new Error(`${cls}: takes at most ${keys.length} positional argument${keys.length > 1 ? 's' : ''} (${keys.join(', ')}) before its options, received ${JSON.stringify(params[i])}`);
    out[keys[i]] = params[i];
  }
  const opts = params[i];
  if (isOptions(opts)) {
    for (const k of Object.keys(out)) if (k in opts) throw new Error(`${cls}: \`${k}\` is given both as a positional argument and in the options`);
    return { ...opts, ...out } as T;
  }
  return out as T;
}

// Rescaling and Normalization

export interface RescalingArgs extends LayerArgs {
  /** Multiplier of the input (a number, or values broadcast against the input). */
  scale: number | NestedArray;
  /** Added after scaling (default 0). */
  offset?: number | NestedArray;
}

/** y = x * scale + offset, in training and inference (e.g. scale 1/255 maps [0, 255] to [0, 1]). */
export class Rescaling extends Layer {
  readonly scale: number | NestedArray;
  readonly offset: number | NestedArray;
  private readonly scaleTensor: Tensor;
  private readonly offsetTensor: Tensor;

  constructor(scale?: RescalingArgs | number | NestedArray, offset?: Partial<RescalingArgs> | number | NestedArray, options?: Partial<RescalingArgs>) {
    const args = positionalArgs<RescalingArgs>('Rescaling', [scale, offset, options], ['scale', 'offset']);
    super(args);
    const numbers = (v: unknown, arg: string): Tensor => {
      let t: Tensor;
      try {
        t = toTensor(v as TensorLike, 'Rescaling', 'float32');
      } catch {
        throw invalid('Rescaling', arg, 'a number or an array of numbers', v);
      }
      const vals = t.values;
      for (let i = 0; i < vals.length; i++) if (!Number.isFinite(vals[i])) throw invalid('Rescaling', arg, 'finite numbers', v);
      return t;
    };
    if (args?.scale === undefined || args.scale === null) throw invalid('Rescaling', 'scale', 'a number or an array of numbers', args?.scale);
    this.scale = args.scale;
    this.offset = args.offset ?? 0;
    this.scaleTensor = numbers(this.scale, 'scale');
    this.offsetTensor = numbers(this.offset, 'offset');
  }

  call(inputs: LayerInput): Tensor {
    let x = single(inputs, this);
    if (x.dtype !== 'float32') x = cast(x, 'float32');
    return add(mul(x, this.scaleTensor), this.offsetTensor);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape, this);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), scale: this.scale, offset: this.offset };
  }
}

export interface NormalizationArgs extends LayerArgs {
  /** The axis or axes with their own mean and variance (default -1, the features); null: one scalar for all. */
  axis?: number | number[] | null;
  /** The mean, broadcast to the kept axes (given together with `variance`; otherwise adapt() computes both). */
  mean?: number | NestedArray | null;
  variance?: number | NestedArray | null;
  /** Apply the inverse, mean + x * sqrt(variance) (default false). */
  invert?: boolean;
}

/** What adapt() takes: one tensor (or array) of data, or batches of it (tensors, or [x, y] pairs whose x is used). */
export type AdaptData = TensorLike | Iterable<Tensor | Tensor[]>;

/**
 * Keras's adapt(dataset): a tn.data Dataset or any async iterable of batches (Keras's idiom is
 * adapt(ds.map((x, y) => x)); [x, y] pairs and { xs, ys } elements give their x). adapt() then returns a promise.
 */
export type AsyncAdaptData = AsyncIterable<unknown>;

/** Whether adapt() was given an async source (a Dataset), which it reads to the end before adapting. */
export function isAsyncSource(data: unknown): data is AsyncIterable<unknown> {
  return data !== null && typeof data === 'object' && typeof (data as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
    && typeof (data as Iterable<unknown>)[Symbol.iterator] !== 'function';
}

/**
 * adapt()'s options, Keras's keywords: `steps` reads at most that many elements (batches) of a dataset, as Keras's
 * data.take(steps); `batchSize` (tf.keras 2's, for arrays) changes no statistic and is accepted for ported code.
 */
export interface AdaptOptions {
  steps?: number | null;
  batchSize?: number | null;
}

/** The steps adapt() reads (Infinity for all), after checking the options; `layer` names the layer for errors. */
export function adaptSteps(options: AdaptOptions | undefined, layer: string): number {
  if (options === undefined || options === null) return Infinity;
  checkOptionNames(options, ['steps', 'batchSize'], `${layer} adapt`);
  for (const k of ['steps', 'batchSize'] as const) {
    const v = options[k];
    if (v !== undefined && v !== null && !(Number.isInteger(v) && v > 0)) throw new Error(`${layer} adapt: ${k} must be a positive integer or null, received ${JSON.stringify(v) ?? String(v)}`);
  }
  return options.steps ?? Infinity;
}

/** The elements of an async source, each reduced to its x: a tensor, the first of [x, y], or xs of { xs, ys }. */
export async function collectAdaptElements(data: AsyncIterable<unknown>, layer: string, steps = Infinity): Promise<unknown[]> {
  const out: unknown[] = [];
  if (steps <= 0) throw new Error(`${layer}: adapt() received a dataset with no elements`);
  for await (const e of data) {
    // [x, y] or [x, y, w]: x a tensor (a batch), or a string (one text) beside numbers. A plain array of numbers is
    // a row of features, not a pair, and stays whole.
    const pair = Array.isArray(e) && e.length >= 2 && e.length <= 3
      && (e[0] instanceof Tensor || (typeof e[0] === 'string' && e.slice(1).every((v) => typeof v !== 'string')));
    if (pair) out.push(e[0]);
    else if (e !== null && typeof e === 'object' && !(e instanceof Tensor) && !Array.isArray(e) && 'xs' in e) out.push((e as { xs: unknown }).xs);
    else out.push(e);
    if (out.length >= steps) break;
  }
  if (!out.length) throw new Error(`${layer}: adapt() received a dataset with no elements`);
  return out;
}

/**
 * An adapt(dataset) still reading. Keras's adapt returns when done; here a dataset makes it a promise, and a layer
 * whose statistics it sets refuses to run until it settles, rather than compute with its initial values (code that
 * did not await adapt would train an epoch on raw data, silently).
 */
export class PendingAdapt {
  private pending: Promise<void> | null = null;

  /** Tracks `adapting` until it settles; returns it. */
  track(adapting: Promise<void>): Promise<void> {
    this.pending = adapting;
    const settle = () => {
      if (this.pending === adapting) this.pending = null;
    };
    adapting.then(settle, settle);
    return adapting;
  }

  /** Throws, naming the layer, while an adapt(dataset) is reading. */
  check(layer: Layer): void {
    if (this.pending) throw new Error(`Layer "${layer.name}" (${layer.className}): adapt() is still reading its dataset; await it (adapt(dataset) returns a promise) before using the layer`);
  }
}

/** Keras's backend.epsilon(): the floor of the standard deviation. */
const EPSILON = 1e-7;

/**
 * Shifts and scales features to mean 0 and variance 1: y = (x - mean) / max(sqrt(variance), 1e-7), or the inverse
 * mean + x * max(sqrt(variance), 1e-7) with `invert`. The mean and variance are given, or computed from data by
 * adapt() over every axis except `axis` and then held as the layer's (non-trainable) weights mean, variance and
 * count, as Keras saves them.
 */
export class Normalization extends Layer {
  readonly axis: number[];
  readonly invert: boolean;
  readonly inputMean: number | NestedArray | null;
  readonly inputVariance: number | NestedArray | null;
  /** Set by build(): the kept axes (non-negative, sorted) and the shape the statistics broadcast with. */
  private keepAxis: number[] = [];
  private broadcastShape: number[] = [];
  private buildShape: Shape | null = null;
  private fixedMean: Tensor | null = null;
  private fixedVariance: Tensor | null = null;
  private readonly adapting = new PendingAdapt();
  adaptMean: Variable | null = null;
  adaptVariance: Variable | null = null;
  count: Variable | null = null;

  constructor(args: NormalizationArgs = {}) {
    super(args);
    const a = args.axis === undefined ? -1 : args.axis;
    const axes = a === null ? [] : Array.isArray(a) ? a : [a];
    if (!axes.every((d) => Number.isInteger(d))) throw invalid('Normalization', 'axis', 'an integer, a list of integers or null', a);
    this.axis = axes.slice();
    this.invert = args.invert ?? false;
    if (typeof this.invert !== 'boolean') throw invalid('Normalization', 'invert', 'a boolean', args.invert);
    const mean = args.mean ?? null;
    const variance = args.variance ?? null;
    if ((mean === null) !== (variance === null)) {
      throw new Error(`Normalization: when setting values directly, both \`mean\` and \`variance\` must be set. Received: mean=${JSON.stringify(mean)} and variance=${JSON.stringify(variance)}`);
    }
    if (mean !== null) {
      const m = toTensor(mean as TensorLike, 'Normalization mean', 'float32');
      const v = toTensor(variance as TensorLike, 'Normalization variance', 'float32');
      if (fmt(m.shape) !== fmt(v.shape)) {
        throw new Error(`Normalization: when setting values directly, \`mean\` and \`variance\` must have the same shape. Received: mean shape ${fmt(m.shape)} and variance shape ${fmt(v.shape)}`);
      }
      if (m.rank > this.axis.length) {
        throw new Error(`Normalization: the rank of \`mean\` must be less than or equal to the number of axes (${this.axis.length}). Received: mean shape ${fmt(m.shape)} for axis ${JSON.stringify(this.axis)}`);
      }
    }
    this.inputMean = mean;
    this.inputVariance = variance;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(inputShape, this);
    const ndim = shape.length;
    if (this.axis.some((a) => a < -ndim || a >= ndim)) {
      throw new Error(`Layer "${this.name}" (Normalization): all \`axis\` values must be in the range [-ndim, ndim). Received inputs with ndim=${ndim}, while axis=${JSON.stringify(this.axis)}`);
    }
    this.keepAxis = [...new Set(this.axis.map((a) => (a < 0 ? a + ndim : a)))].sort((p, q) => p - q);
    for (const d of this.keepAxis) {
      if (shape[d] === null) {
        throw new Error(`Layer "${this.name}" (Normalization): all \`axis\` values to be kept must have a known shape. Received axis=${JSON.stringify(this.axis)}, inputs.shape=${formatShape(shape)}, with unknown axis at index ${d}`);
      }
    }
    this.buildShape = shape.slice();
    // Keras broadcasts the statistics against any input: later inputs must keep the sizes of the kept axes, counted
    // from the right, and may have another rank (axis null, adapted on [N] values, then called on [N, 1] columns).
    this.inputSpec = {
      minNdim: this.keepAxis.length ? ndim - this.keepAxis[0] : undefined,
      axes: Object.fromEntries(this.keepAxis.map((d) => [d - ndim, shape[d] as number])),
    };
    this.broadcastShape = shape.map((d, i) => (this.keepAxis.includes(i) ? (d as number) : 1));
    const statShape = this.keepAxis.map((d) => shape[d] as number);
    if (this.inputMean === null) {
      this.adaptMean = this.addWeight('mean', { shape: statShape, initializer: 'zeros', trainable: false });
      this.adaptVariance = this.addWeight('variance', { shape: statShape, initializer: 'ones', trainable: false });
      this.count = this.addWeight('count', { shape: [], initializer: 'zeros', trainable: false, dtype: 'int32' });
    } else {
      this.fixedMean = this.alignToKept(this.inputMean, 'mean');
      this.fixedVariance = this.alignToKept(this.inputVariance!, 'variance');
    }
    super.build(inputShape);
  }

  /** A given mean or variance, its axes matched to the kept axes from the right, broadcast to broadcastShape. */
  private alignToKept(v: number | NestedArray, what: string): Tensor {
    const t = toTensor(v as TensorLike, 'Normalization', 'float32');
    const expanded = this.broadcastShape.map(() => 1);
    for (let i = 1; i <= t.rank; i++) expanded[this.keepAxis[this.keepAxis.length - i]] = t.shape[t.rank - i];
    const out = new Float32Array(this.broadcastShape.reduce((p, d) => p * d, 1));
    const ok = expanded.every((d, i) => d === 1 || d === this.broadcastShape[i]);
    if (!ok) {
      throw new Error(`Layer "${this.name}" (Normalization): \`${what}\` of shape ${fmt(t.shape)} does not broadcast to the kept axes of shape ${fmt(this.broadcastShape)}`);
    }
    // Broadcast by index arithmetic (a constant: no gradient is wanted).
    const strides: number[] = [];
    let s = 1;
    for (let i = expanded.length - 1; i >= 0; i--) {
      strides[i] = expanded[i] === 1 ? 0 : s;
      s *= expanded[i];
    }
    const src = t.values;
    for (let j = 0; j < out.length; j++) {
      let rem = j;
      let at = 0;
      for (let i = this.broadcastShape.length - 1; i >= 0; i--) {
        const d = this.broadcastShape[i];
        at += (rem % d) * strides[i];
        rem = Math.floor(rem / d);
      }
      out[j] = src[at];
    }
    return tensor(out, this.broadcastShape.slice());
  }

  /**
   * Computes the mean and variance of `data` over every axis but `axis` and stores them as the layer's weights. Data
   * is one tensor (or nested array), or batches (an array or other iterable of tensors, or of [x, y] pairs), which
   * are combined as they come (each batch's mean and variance merged into the running ones, Keras's formula), so a
   * dataset need not fit in memory at once.
   */
  adapt(data: AsyncAdaptData, options?: AdaptOptions): Promise<void>;
  adapt(data: AdaptData, options?: AdaptOptions): void;
  adapt(data: AdaptData | AsyncAdaptData, options?: AdaptOptions): void | Promise<void> {
    this.checkOptionsNow();
    const steps = adaptSteps(options, `Layer "${this.name}" (Normalization)`);
    if (isAsyncSource(data)) return this.adapting.track(collectAdaptElements(data, `Layer "${this.name}" (Normalization)`, steps).then((batches) => this.adapt(batches as Tensor[])));
    if (this.inputMean !== null) {
      throw new Error(`Layer "${this.name}" (Normalization): adapt() computes the mean and variance, but this layer was given them (mean=${JSON.stringify(this.inputMean)}); create it without mean and variance to adapt it`);
    }
    const batches = asBatches(data, this.name);
    let totalMean: Float64Array | null = null;
    let totalVar: Float64Array | null = null;
    let totalCount = 0;
    for (const raw of batches) {
      const batch = raw.dtype === 'float32' ? raw : cast(raw, 'float32');
      if (!this.built) {
        // Built from the data's shape; the batch axis stays unknown unless it is a kept axis.
        const keepsBatch = this.axis.some((a) => a === 0 || a === -batch.rank);
        this.maybeBuild(batch.shape.map((d, i) => (i === 0 && !keepsBatch ? null : d)));
      }
      if (!this.buildShape || batch.rank !== this.buildShape.length || this.keepAxis.some((d) => batch.shape[d] !== this.buildShape![d])) {
        // Batches of scalars ([N] each) read as samples of N features, as Keras reads rank-1 elements: say how to mean them.
        const hint = batch.rank === 1 && this.keepAxis.includes(0)
          ? '. Each element of rank 1 is one sample, its values the features; for batches of one feature, expand them to [batch, 1] (dataset.map((x) => tn.expandDims(x, -1)), as keras.io does) or use axis: null'
          : '';
        throw new Error(`Layer "${this.name}" (Normalization): the layer was built with input shape ${formatShape(this.buildShape ?? [])}, but adapt() received data of shape ${fmt(batch.shape)} (the kept axes ${JSON.stringify(this.keepAxis)} must match)${hint}`);
      }
      const { mean, variance, count } = momentsOver(batch, this.keepAxis);
      if (count === 0) continue;
      if (!totalMean || !totalVar) {
        totalMean = mean;
        totalVar = variance;
        totalCount = count;
        continue;
      }
      totalCount += count;
      const wb = count / totalCount;
      const we = 1 - wb;
      for (let i = 0; i < mean.length; i++) {
        const m = totalMean[i] * we + mean[i] * wb;
        // The lack-of-fit sum of squares: each part's variance plus its mean's squared distance to the new mean.
        totalVar[i] = (totalVar[i] + (totalMean[i] - m) ** 2) * we + (variance[i] + (mean[i] - m) ** 2) * wb;
        totalMean[i] = m;
      }
    }
    if (!totalMean || !totalVar) throw new Error(`Layer "${this.name}" (Normalization): adapt() received no data (an empty dataset or only empty batches)`);
    this.adaptMean!.assign(tensor(Float32Array.from(totalMean), this.adaptMean!.shape.slice()));
    this.adaptVariance!.assign(tensor(Float32Array.from(totalVar), this.adaptVariance!.shape.slice()));
    this.count!.assign(tensor(Int32Array.of(Math.min(totalCount, 2147483647)), [], 'int32'));
  }

  call(inputs: LayerInput): Tensor {
    this.adapting.check(this);
    let x = single(inputs, this);
    if (x.dtype !== 'float32') x = cast(x, 'float32');
    // The statistics' leading axes of 1 that the input lacks are dropped, so that the output keeps the input's shape.
    const statShape = this.broadcastShape.slice(Math.max(0, this.broadcastShape.length - x.rank));
    const mean = reshape(this.fixedMean ?? this.adaptMean!, statShape);
    const variance = reshape(this.fixedVariance ?? this.adaptVariance!, statShape);
    const std = maximum(sqrt(variance), EPSILON);
    return this.invert ? add(mean, mul(x, std)) : div(sub(x, mean), std);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape, this);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: this.axis.slice(), invert: this.invert, mean: this.inputMean, variance: this.inputVariance };
  }
}

/** adapt()'s data as a sequence of tensors. */
function asBatches(data: AdaptData, name: string): Iterable<Tensor> {
  if (data instanceof Tensor) return [data];
  const isBatchList = Array.isArray(data) && data.length > 0 && data.every((e) => e instanceof Tensor || (Array.isArray(e) && e[0] instanceof Tensor));
  const iterable = isBatchList || (data !== null && typeof data === 'object' && !Array.isArray(data) && !ArrayBuffer.isView(data) && typeof (data as Iterable<unknown>)[Symbol.iterator] === 'function');
  if (!iterable) return [toTensor(data as TensorLike, `adapt of layer "${name}"`)];
  return (function* () {
    for (const e of data as Iterable<Tensor | Tensor[]>) {
      const t = Array.isArray(e) ? e[0] : e;
      if (!(t instanceof Tensor)) throw new Error(`Layer "${name}" (Normalization): adapt() expects batches that are tensors or [x, y] pairs of tensors, received ${typeof t}`);
      yield t;
    }
  })();
}

/** Mean and (biased) variance of x over every axis but `keep`, in float64, per kept index. */
function momentsOver(x: Tensor, keep: number[]): { mean: Float64Array; variance: Float64Array; count: number } {
  const shape = x.shape;
  const statSize = keep.reduce((p, d) => p * shape[d], 1);
  const count = statSize === 0 ? 0 : x.size / statSize;
  const sum = new Float64Array(statSize);
  const sq = new Float64Array(statSize);
  const v = x.values;
  // The statistic index of each element: its kept coordinates in row-major order.
  const strides = new Array(shape.length).fill(0);
  let s = 1;
  for (let i = keep.length - 1; i >= 0; i--) {
    strides[keep[i]] = s;
    s *= shape[keep[i]];
  }
  const coord = new Array(shape.length).fill(0);
  let stat = 0;
  for (let j = 0; j < x.size; j++) {
    sum[stat] += v[j];
    // Advance the row-major coordinate and the statistic index with it.
    for (let d = shape.length - 1; d >= 0; d--) {
      coord[d]++;
      stat += strides[d];
      if (coord[d] < shape[d]) break;
      stat -= strides[d] * shape[d];
      coord[d] = 0;
    }
  }
  const mean = new Float64Array(statSize);
  for (let i = 0; i < statSize; i++) mean[i] = sum[i] / count;
  coord.fill(0);
  stat = 0;
  for (let j = 0; j < x.size; j++) {
    sq[stat] += (v[j] - mean[stat]) ** 2;
    for (let d = shape.length - 1; d >= 0; d--) {
      coord[d]++;
      stat += strides[d];
      if (coord[d] < shape[d]) break;
      stat -= strides[d] * shape[d];
      coord[d] = 0;
    }
  }
  const variance = new Float64Array(statSize);
  for (let i = 0; i < statSize; i++) variance[i] = sq[i] / count;
  return { mean, variance, count };
}

// ---------------------------------------------------------------------------------------------------------------
// Resizing and cropping

/** The largest centered window of an h x w image with the aspect ratio of th x tw (Keras's smart_resize box). */
function aspectCropBox(h: number, w: number, th: number, tw: number): { top: number; left: number; height: number; width: number } {
  const height = Math.max(Math.min(h, Math.trunc((w * th) / tw)), 1);
  const width = Math.max(Math.min(w, Math.trunc((h * tw) / th)), 1);
  return { top: Math.trunc((h - height) / 2), left: Math.trunc((w - width) / 2), height, width };
}

function resize(x: Tensor, size: [number, number], interpolation: 'bilinear' | 'nearest'): Tensor {
  if (x.shape[1] === size[0] && x.shape[2] === size[1]) return x;
  return interpolation === 'nearest' ? resizeNearest(x, size) : resizeBilinear(x, size);
}

/** Keras's smart_resize on NHWC images: the largest centered window of the target aspect ratio, resized bilinearly. */
function smartResize(x: Tensor, height: number, width: number, interpolation: 'bilinear' | 'nearest' = 'bilinear'): Tensor {
  const box = aspectCropBox(x.shape[1], x.shape[2], height, width);
  const cropped = box.height === x.shape[1] && box.width === x.shape[2] ? x : slice(x, [0, box.top, box.left, 0], [-1, box.height, box.width, -1]);
  return resize(cropped, [height, width], interpolation);
}

export interface ResizingArgs extends LayerArgs {
  height: number;
  width: number;
  /** 'bilinear' (default) or 'nearest', both with half-pixel centers as tf.image.resize. */
  interpolation?: 'bilinear' | 'nearest';
  /** Crop the largest centered window of the target aspect ratio first, so nothing is stretched (default false). */
  cropToAspectRatio?: boolean;
  /** Pad the short side evenly with fillValue first, so nothing is stretched (default false). */
  padToAspectRatio?: boolean;
  /** Only 'constant' (Keras supports no other). */
  fillMode?: 'constant';
  /** The padding value of padToAspectRatio (default 0). */
  fillValue?: number;
  dataFormat?: DataFormatArg;
}

/** Resizes images to height x width (Keras 3's Resizing); differentiable, so it can sit inside a trained model. */
export class Resizing extends SizedImageLayer {
  readonly interpolation: 'bilinear' | 'nearest';
  readonly cropToAspectRatio: boolean;
  readonly padToAspectRatio: boolean;
  readonly fillMode: 'constant';
  readonly fillValue: number;

  constructor(height?: ResizingArgs | number, width?: Partial<ResizingArgs> | number, options?: Partial<ResizingArgs>) {
    const args = positionalArgs<ResizingArgs>('Resizing', [height, width, options], ['height', 'width']);
    super(args);
    this.interpolation = oneOf(args.interpolation, ['bilinear', 'nearest'] as const, 'Resizing', 'interpolation', 'bilinear');
    this.cropToAspectRatio = args.cropToAspectRatio ?? false;
    this.padToAspectRatio = args.padToAspectRatio ?? false;
    if (this.cropToAspectRatio && this.padToAspectRatio) throw new Error('Resizing: only one of `padToAspectRatio` and `cropToAspectRatio` can be true');
    this.fillMode = oneOf(args.fillMode, ['constant'] as const, 'Resizing', 'fillMode', 'constant');
    this.fillValue = args.fillValue === undefined ? 0 : finiteNumber(args.fillValue, 'Resizing', 'fillValue');
  }

  call(inputs: LayerInput): Tensor {
    const { x, batched } = this.toNHWC(inputs);
    let src = x;
    if (this.cropToAspectRatio) {
      const box = aspectCropBox(x.shape[1], x.shape[2], this.height, this.width);
      src = slice(x, [0, box.top, box.left, 0], [-1, box.height, box.width, -1]);
    } else if (this.padToAspectRatio) {
      const [h, w] = [x.shape[1], x.shape[2]];
      const padHeight = Math.max(h, Math.trunc((w * this.height) / this.width));
      const padWidth = Math.max(w, Math.trunc((h * this.width) / this.height));
      // Keras pads the same amount on both sides of the short axis.
      const top = Math.trunc((padHeight - h) / 2);
      const left = Math.trunc((padWidth - w) / 2);
      if (top > 0) src = pad(x, [[0, 0], [top, top], [0, 0], [0, 0]], this.fillValue);
      else if (left > 0) src = pad(x, [[0, 0], [0, 0], [left, left], [0, 0]], this.fillValue);
    }
    return this.fromNHWC(resize(src, [this.height, this.width], this.interpolation), batched);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), interpolation: this.interpolation, cropToAspectRatio: this.cropToAspectRatio,
      padToAspectRatio: this.padToAspectRatio, fillMode: this.fillMode, fillValue: this.fillValue,
    };
  }
}

export interface CenterCropArgs extends LayerArgs {
  height: number;
  width: number;
  dataFormat?: DataFormatArg;
}

/**
 * Crops the central height x width window (offsets floor((H - height) / 2), floor((W - width) / 2)). An image smaller
 * than the target on either axis is instead cropped to the largest centered window of the target aspect ratio and
 * resized bilinearly (Keras 3).
 */
export class CenterCrop extends SizedImageLayer {
  constructor(height?: CenterCropArgs | number, width?: Partial<CenterCropArgs> | number, options?: Partial<CenterCropArgs>) {
    const args = positionalArgs<CenterCropArgs>('CenterCrop', [height, width, options], ['height', 'width']);
    super(args);
  }

  call(inputs: LayerInput): Tensor {
    const { x, batched } = this.toNHWC(inputs);
    const dh = x.shape[1] - this.height;
    const dw = x.shape[2] - this.width;
    const y = dh >= 0 && dw >= 0
      ? slice(x, [0, Math.trunc(dh / 2), Math.trunc(dw / 2), 0], [-1, this.height, this.width, -1])
      : smartResize(x, this.height, this.width);
    return this.fromNHWC(y, batched);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Augmentation

export interface RandomFlipArgs extends LayerArgs {
  /** 'horizontal' (left-right), 'vertical' (top-bottom) or 'horizontal_and_vertical' (default). */
  mode?: 'horizontal' | 'vertical' | 'horizontal_and_vertical';
  seed?: number;
  dataFormat?: DataFormatArg;
}

/**
 * Flips each image with probability 1/2 in training. As in Keras 3, 'horizontal_and_vertical' draws once per image
 * and flips that image both ways (a 180-degree turn) or not at all.
 */
export class RandomFlip extends RandomImageLayer {
  readonly mode: 'horizontal' | 'vertical' | 'horizontal_and_vertical';

  constructor(mode?: RandomFlipArgs | RandomFlipArgs['mode'], options?: Partial<RandomFlipArgs>) {
    const args = positionalArgs<RandomFlipArgs>('RandomFlip', [mode, options], ['mode']);
    super(args);
    this.mode = oneOf(args.mode, ['horizontal', 'vertical', 'horizontal_and_vertical'] as const, 'RandomFlip', 'mode', 'horizontal_and_vertical');
  }

  /** Which images of a batch of n flip (Keras: uniform <= 0.5). */
  getRandomTransformation(n: number): boolean[] {
    return this.uniform(n, 0, 1).map((u) => u <= 0.5);
  }

  call(inputs: LayerInput, args: CallArgs = {}): Tensor {
    if (!args.training) return this.passThrough(inputs);
    const { x, batched } = this.toNHWC(inputs);
    const flips = this.getRandomTransformation(x.shape[0]);
    let flipped = x;
    const reversed = (n: number) => Int32Array.from({ length: n }, (_, i) => n - 1 - i);
    if (this.mode !== 'vertical') flipped = gather(flipped, reversed(x.shape[2]), 2);
    if (this.mode !== 'horizontal') flipped = gather(flipped, reversed(x.shape[1]), 1);
    const mask = tensor(Float32Array.from(flips, (f) => (f ? 1 : 0)), [x.shape[0], 1, 1, 1]);
    return this.fromNHWC(where(mask, flipped, x), batched);
  }

  /** Inference: the input itself (as float32). */
  protected passThrough(inputs: LayerInput): Tensor {
    const x = single(inputs, this);
    return x.dtype === 'float32' ? x : cast(x, 'float32');
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), mode: this.mode };
  }
}

const FILL_MODES = ['reflect', 'wrap', 'constant', 'nearest'] as const;
const INTERPOLATIONS = ['bilinear', 'nearest'] as const;

interface AffineArgs extends LayerArgs {
  fillMode?: AffineFillMode;
  interpolation?: AffineInterpolation;
  fillValue?: number;
  seed?: number;
  dataFormat?: DataFormatArg;
}

/** RandomRotation, RandomZoom and RandomTranslation: per-image transforms applied by affineTransform. */
abstract class RandomAffineLayer extends RandomImageLayer {
  readonly fillMode: AffineFillMode;
  readonly interpolation: AffineInterpolation;
  readonly fillValue: number;

  constructor(args: AffineArgs) {
    super(args);
    const cls = this.constructor.name;
    this.fillMode = oneOf(args.fillMode, FILL_MODES, cls, 'fillMode', 'reflect');
    this.interpolation = oneOf(args.interpolation, INTERPOLATIONS, cls, 'interpolation', 'bilinear');
    this.fillValue = args.fillValue === undefined ? 0 : finiteNumber(args.fillValue, cls, 'fillValue');
  }

  /** One transform [a0, a1, a2, b0, b1, b2, c0, c1] per image of a batch of n images of height x width. */
  abstract getRandomTransformation(n: number, height: number, width: number): number[][];

  call(inputs: LayerInput, args: CallArgs = {}): Tensor {
    if (!args.training) {
      const x = single(inputs, this);
      return x.dtype === 'float32' ? x : cast(x, 'float32');
    }
    const { x, batched } = this.toNHWC(inputs);
    const [n, h, w] = x.shape;
    const transforms = this.getRandomTransformation(n, h, w);
    const t = tensor(Float32Array.from(transforms.flat()), [n, 8]);
    const y = affineTransform(x, t, { interpolation: this.interpolation, fillMode: this.fillMode, fillValue: this.fillValue });
    return this.fromNHWC(y, batched);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), fillMode: this.fillMode, interpolation: this.interpolation, fillValue: this.fillValue };
  }
}

export interface RandomRotationArgs extends AffineArgs {
  /** Fraction of a full turn: f rotates by a uniform angle in [-f, f] * 2 pi, [lo, hi] in [lo, hi] * 2 pi. */
  factor: number | [number, number];
}

/**
 * Rotates each image by its own uniform random angle about its center in training (positive: counter-clockwise).
 * The transform maps output (x, y) to input (cos x - sin y + x_offset, sin x + cos y + y_offset), with the offsets
 * that keep the center ((W - 1) / 2, (H - 1) / 2) in place (Keras 3).
 */
export class RandomRotation extends RandomAffineLayer {
  readonly factor: [number, number];

  constructor(factor?: RandomRotationArgs | RandomRotationArgs['factor'], options?: Partial<RandomRotationArgs>) {
    const args = positionalArgs<RandomRotationArgs>('RandomRotation', [factor, options], ['factor']);
    super(args);
    this.factor = factorArg(args.factor, 'RandomRotation', 'factor');
  }

  /** The rotation transforms of a batch; angles uniform in factor * 2 pi. */
  getRandomTransformation(n: number, height: number, width: number): number[][] {
    const angles = this.uniform(n, this.factor[0] * 2 * Math.PI, this.factor[1] * 2 * Math.PI);
    return angles.map((a) => rotationTransform(a, height, width));
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), factor: this.factor.slice() };
  }
}

/** Keras 3's rotation matrix for an angle (radians) on an image of height x width. */
export function rotationTransform(angle: number, height: number, width: number): number[] {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const xOffset = (width - 1 - (c * (width - 1) - s * (height - 1))) / 2;
  const yOffset = (height - 1 - (s * (width - 1) + c * (height - 1))) / 2;
  return [c, -s, xOffset, s, c, yOffset, 0, 0];
}

export interface RandomZoomArgs extends AffineArgs {
  /** Vertical zoom: f draws from [1 - |f|, 1 + |f|], [lo, hi] from [1 + lo, 1 + hi]; positive zooms out. */
  heightFactor: number | [number, number];
  /** Horizontal zoom, likewise; null (default) zooms both axes by the vertical draw, keeping the aspect ratio. */
  widthFactor?: number | [number, number] | null;
}

/** Zooms each image in or out about its center by its own random factors in training (Keras 3's RandomZoom). */
export class RandomZoom extends RandomAffineLayer {
  readonly heightFactor: number | [number, number];
  readonly widthFactor: number | [number, number] | null;
  private readonly heightRange: [number, number];
  private readonly widthRange: [number, number] | null;

  constructor(heightFactor?: RandomZoomArgs | RandomZoomArgs['heightFactor'] | null, widthFactor?: Partial<RandomZoomArgs> | RandomZoomArgs['heightFactor'] | null, options?: Partial<RandomZoomArgs>) {
    const args = positionalArgs<RandomZoomArgs>('RandomZoom', [heightFactor, widthFactor, options], ['heightFactor', 'widthFactor']);
    super(args);
    this.heightRange = factorArg(args.heightFactor, 'RandomZoom', 'heightFactor');
    this.heightFactor = Array.isArray(args.heightFactor) ? [args.heightFactor[0], args.heightFactor[1]] : args.heightFactor;
    const wf = args.widthFactor ?? null;
    this.widthRange = wf === null ? null : factorArg(wf, 'RandomZoom', 'widthFactor');
    this.widthFactor = Array.isArray(wf) ? [wf[0], wf[1]] : wf;
  }

  /** The zoom transforms of a batch: output (x, y) samples input (zx x + (W - 1)/2 (1 - zx), zy y + (H - 1)/2 (1 - zy)). */
  getRandomTransformation(n: number, height: number, width: number): number[][] {
    const zy = this.uniform(n, 1 + this.heightRange[0], 1 + this.heightRange[1]);
    const zx = this.widthRange ? this.uniform(n, 1 + this.widthRange[0], 1 + this.widthRange[1]) : zy;
    return zy.map((y, i) => zoomTransform(zx[i], y, height, width));
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), heightFactor: this.heightFactor, widthFactor: this.widthFactor };
  }
}

/** Keras 3's zoom matrix. */
export function zoomTransform(zx: number, zy: number, height: number, width: number): number[] {
  return [zx, 0, ((width - 1) / 2) * (1 - zx), 0, zy, ((height - 1) / 2) * (1 - zy), 0, 0];
}

export interface RandomTranslationArgs extends AffineArgs {
  /** Vertical shift as a fraction of the height: f draws from [-|f|, |f|], [lo, hi] from [lo, hi]. */
  heightFactor: number | [number, number];
  /** Horizontal shift as a fraction of the width, likewise. */
  widthFactor: number | [number, number];
}

/** Shifts each image by its own random offsets in training (Keras 3's RandomTranslation; positive: down / right). */
export class RandomTranslation extends RandomAffineLayer {
  readonly heightFactor: number | [number, number];
  readonly widthFactor: number | [number, number];
  private readonly heightRange: [number, number];
  private readonly widthRange: [number, number];

  constructor(heightFactor?: RandomTranslationArgs | RandomTranslationArgs['heightFactor'], widthFactor?: Partial<RandomTranslationArgs> | RandomTranslationArgs['heightFactor'], options?: Partial<RandomTranslationArgs>) {
    const args = positionalArgs<RandomTranslationArgs>('RandomTranslation', [heightFactor, widthFactor, options], ['heightFactor', 'widthFactor']);
    super(args);
    this.heightRange = factorArg(args.heightFactor, 'RandomTranslation', 'heightFactor');
    this.widthRange = factorArg(args.widthFactor, 'RandomTranslation', 'widthFactor');
    this.heightFactor = Array.isArray(args.heightFactor) ? [args.heightFactor[0], args.heightFactor[1]] : args.heightFactor;
    this.widthFactor = Array.isArray(args.widthFactor) ? [args.widthFactor[0], args.widthFactor[1]] : args.widthFactor;
  }

  /** The translation transforms of a batch: output (x, y) samples input (x - dx, y - dy), dy = height * draw. */
  getRandomTransformation(n: number, height: number, width: number): number[][] {
    // Keras draws all the vertical shifts, then all the horizontal ones.
    const dy = this.uniform(n, this.heightRange[0], this.heightRange[1]).map((f) => f * height);
    const dx = this.uniform(n, this.widthRange[0], this.widthRange[1]).map((f) => f * width);
    return dy.map((y, i) => [1, 0, -dx[i], 0, 1, -y, 0, 0]);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), heightFactor: this.heightFactor, widthFactor: this.widthFactor };
  }
}

export interface RandomCropArgs extends LayerArgs {
  height: number;
  width: number;
  seed?: number;
  dataFormat?: DataFormatArg;
}

/**
 * Crops height x width at a random offset in training, the same offset for the whole batch (Keras 3). In inference,
 * and in training when an image is smaller than the target, it crops the largest centered window of the target aspect
 * ratio and resizes it bilinearly to height x width (Keras's smart_resize).
 */
export class RandomCrop extends SizedImageLayer {
  readonly seed: number | undefined;
  private readonly gen: Generator | null;

  constructor(height?: RandomCropArgs | number, width?: Partial<RandomCropArgs> | number, options?: Partial<RandomCropArgs>) {
    const args = positionalArgs<RandomCropArgs>('RandomCrop', [height, width, options], ['height', 'width']);
    super(args);
    this.seed = seedArg(args.seed, 'RandomCrop');
    this.gen = this.seed === undefined ? null : new Generator(this.seed);
  }

  /** The batch's crop offsets [top, left], or null when the layer resizes instead. */
  getRandomTransformation(height: number, width: number, training = true): [number, number] | null {
    if (!training || height < this.height || width < this.width) return null;
    const g = this.gen ?? generator();
    // Keras: int(uniform(0, H - height + 1)), then the same for the width.
    const top = Math.floor(g.uniform() * (height - this.height + 1));
    const left = Math.floor(g.uniform() * (width - this.width + 1));
    return [top, left];
  }

  call(inputs: LayerInput, args: CallArgs = {}): Tensor {
    const { x, batched } = this.toNHWC(inputs);
    const offset = this.getRandomTransformation(x.shape[1], x.shape[2], Boolean(args.training));
    const y = offset ? slice(x, [0, offset[0], offset[1], 0], [-1, this.height, this.width, -1]) : smartResize(x, this.height, this.width);
    return this.fromNHWC(y, batched);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), seed: this.seed };
  }
}
