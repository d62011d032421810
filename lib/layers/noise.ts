// Noise and regularisation layers (Keras's keras/layers/regularization): GaussianNoise, GaussianDropout,
// AlphaDropout, SpatialDropout1D/2D/3D and ActivityRegularization. The noise layers act only when called with
// `training: true` (inside fit) and are the identity otherwise. A layer given a `seed` draws from its own stream
// (lib/random.ts), so its noise repeats from run to run; without one it draws from the global stream (tn.setSeed).
import { abs, add, mul, square, sub } from '../ops/elementwise.js';
import { dropoutMask, keepMask, normalNoise } from '../ops/noise.js';
import { sum } from '../ops/reduce.js';
import { Generator, generator } from '../random.js';
import type { Tensor } from '../tensor.js';
import { invalid, numeric, single, singleShape } from './core.js';
import { Layer, type CallArgs, type LayerArgs, type LayerInput, type Shape } from './layer.js';

function rateArg(v: unknown, cls: string): number {
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw invalid(cls, 'rate', 'a number in [0, 1)', v);
  return v;
}

function seedArg(v: unknown, cls: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(cls, 'seed', 'a finite number', v);
  return v;
}

/** What the noise layers share: a rate or stddev, a seed and its stream, output shape = input shape. */
abstract class NoiseLayer extends Layer {
  readonly seed: number | undefined;
  private readonly gen: Generator | null;

  constructor(args: LayerArgs & { seed?: number }) {
    super(args);
    this.seed = seedArg(args.seed, this.constructor.name);
    this.gen = this.seed === undefined ? null : new Generator(this.seed);
  }

  /** The stream this call draws from. */
  protected stream(): Generator {
    return this.gen ?? generator();
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape, this);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), seed: this.seed };
  }
}

export interface GaussianNoiseArgs extends LayerArgs {
  /** Standard deviation of the added noise. */
  stddev?: number;
  seed?: number;
}

/** Adds zero-centred Gaussian noise of standard deviation `stddev` in training: y = x + N(0, stddev^2). */
export class GaussianNoise extends NoiseLayer {
  readonly stddev: number;

  constructor(stddev: number | GaussianNoiseArgs, args: GaussianNoiseArgs = {}) {
    const a = typeof stddev === 'object' ? stddev : { ...args, stddev };
    super(a);
    if (typeof a.stddev !== 'number' || !Number.isFinite(a.stddev) || a.stddev < 0) throw invalid('GaussianNoise', 'stddev', 'a finite number >= 0', a.stddev);
    this.stddev = a.stddev;
  }

  call(inputs: LayerInput, args: CallArgs = {}): Tensor {
    const x = numeric(single(inputs, this), this);
    if (!args.training || this.stddev === 0) return x;
    return add(x, normalNoise(x.shape, 0, this.stddev, this.stream()));
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), stddev: this.stddev };
  }
}

export interface GaussianDropoutArgs extends LayerArgs {
  /** Drop probability; the multiplicative noise has standard deviation sqrt(rate / (1 - rate)). */
  rate?: number;
  seed?: number;
}

/** Multiplies by Gaussian noise of mean 1 and standard deviation sqrt(rate / (1 - rate)) in training. */
export class GaussianDropout extends NoiseLayer {
  readonly rate: number;

  constructor(rate: number | GaussianDropoutArgs, args: GaussianDropoutArgs = {}) {
    const a = typeof rate === 'object' ? rate : { ...args, rate };
    super(a);
    this.rate = rateArg(a.rate, 'GaussianDropout');
  }

  call(inputs: LayerInput, args: CallArgs = {}): Tensor {
    const x = numeric(single(inputs, this), this);
    if (!args.training || this.rate === 0) return x;
    return mul(x, normalNoise(x.shape, 1, Math.sqrt(this.rate / (1 - this.rate)), this.stream()));
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate };
  }
}

export interface AlphaDropoutArgs extends LayerArgs {
  /** Drop probability. */
  rate?: number;
  /** Shape of the keep mask (null entries: the input's size), broadcast over the input. */
  noiseShape?: (number | null)[] | null;
  seed?: number;
}

/** SELU's negative saturation value, -lambda * alpha (Klambauer et al. 2017). */
const ALPHA_P = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946;

/**
 * Dropout for self-normalizing networks (SELU): dropped elements are set to SELU's saturation value
 * alpha' = -lambda * alpha rather than 0, and the result goes through the affine map a * y + b with
 * a = ((1 - rate) * (1 + rate * alpha'^2))^-1/2 and b = -a * alpha' * rate, which keeps inputs of mean 0 and
 * variance 1 at mean 0 and variance 1 (Keras's formula).
 */
export class AlphaDropout extends NoiseLayer {
  readonly rate: number;
  readonly noiseShape: (number | null)[] | null;

  constructor(rate: number | AlphaDropoutArgs, args: AlphaDropoutArgs = {}) {
    const a = typeof rate === 'object' ? rate : { ...args, rate };
    super(a);
    this.rate = rateArg(a.rate, 'AlphaDropout');
    const ns = a.noiseShape;
    if (ns !== undefined && ns !== null && (!Array.isArray(ns) || ns.some((d) => d !== null && (!Number.isInteger(d) || d <= 0)))) {
      throw invalid('AlphaDropout', 'noiseShape', 'an array of positive integers (or null)', ns);
    }
    this.noiseShape = ns ? ns.slice() : null;
  }

  call(inputs: LayerInput, args: CallArgs = {}): Tensor {
    const x = numeric(single(inputs, this), this);
    if (!args.training || this.rate === 0) return x;
    const shape = this.noiseShape ? noiseShapeFor(this.noiseShape, x, this.name) : x.shape.slice();
    const kept = keepMask(shape, this.rate, this.stream());
    const rate = this.rate;
    const a = ((1 - rate) * (1 + rate * ALPHA_P * ALPHA_P)) ** -0.5;
    const b = -a * ALPHA_P * rate;
    // a * (x * kept + alpha' * (1 - kept)) + b, with the constant part folded: a * x * kept + (a * alpha' * (1 - kept) + b)
    const offset = add(mul(sub(1, kept), a * ALPHA_P), b);
    return add(mul(x, mul(kept, a)), offset);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate, noiseShape: this.noiseShape };
  }
}

function noiseShapeFor(noiseShape: (number | null)[], x: Tensor, name: string): number[] {
  const shape = noiseShape.map((d, i) => d ?? x.shape[i]);
  if (shape.length !== x.rank || shape.some((d, i) => d !== 1 && d !== x.shape[i])) {
    throw new Error(`Layer "${name}": noiseShape ${JSON.stringify(noiseShape)} does not broadcast to its input of shape ${JSON.stringify(x.shape)} (each entry must be null, 1 or the input's size)`);
  }
  return shape;
}

export interface SpatialDropout1DArgs extends LayerArgs {
  /** Fraction of the feature channels to drop. */
  rate?: number;
  seed?: number;
}

/**
 * Dropout of whole feature channels of [batch, steps, channels]: one keep/drop decision per (sample, channel),
 * shared by all steps (noise shape [batch, 1, channels]); kept channels are scaled by 1 / (1 - rate).
 */
export class SpatialDropout1D extends NoiseLayer {
  readonly rate: number;

  constructor(rate: number | SpatialDropout1DArgs, args: SpatialDropout1DArgs = {}) {
    const a = typeof rate === 'object' ? rate : { ...args, rate };
    super(a);
    this.rate = rateArg(a.rate, 'SpatialDropout1D');
    this.inputSpec = { ndim: 3 };
  }

  call(inputs: LayerInput, args: CallArgs = {}): Tensor {
    const x = numeric(single(inputs, this), this);
    if (!args.training || this.rate === 0) return x;
    return mul(x, dropoutMask([x.shape[0], 1, x.shape[2]], this.rate, this.stream()));
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate };
  }
}

export interface SpatialDropout2DArgs extends SpatialDropout1DArgs {
  dataFormat?: 'channels_last' | 'channelsLast' | 'channels_first' | 'channelsFirst';
}

/**
 * Dropout of whole feature maps of images: one decision per (sample, channel), shared by all pixels (noise shape
 * [batch, 1, 1, channels], or [batch, channels, 1, 1] channels first); kept maps are scaled by 1 / (1 - rate).
 */
export class SpatialDropout2D extends NoiseLayer {
  readonly rate: number;
  readonly dataFormat: 'channels_last' | 'channels_first';

  constructor(rate: number | SpatialDropout2DArgs, args: SpatialDropout2DArgs = {}) {
    const a = typeof rate === 'object' ? rate : { ...args, rate };
    super(a);
    this.rate = rateArg(a.rate, 'SpatialDropout2D');
    const f = a.dataFormat ?? 'channels_last';
    if (f === 'channels_last' || f === 'channelsLast') this.dataFormat = 'channels_last';
    else if (f === 'channels_first' || f === 'channelsFirst') this.dataFormat = 'channels_first';
    else throw invalid('SpatialDropout2D', 'dataFormat', "'channels_last' or 'channels_first'", a.dataFormat);
    this.inputSpec = { ndim: 4 };
  }

  call(inputs: LayerInput, args: CallArgs = {}): Tensor {
    const x = numeric(single(inputs, this), this);
    if (!args.training || this.rate === 0) return x;
    const [n, , , last] = x.shape;
    const shape = this.dataFormat === 'channels_last' ? [n, 1, 1, last] : [n, x.shape[1], 1, 1];
    return mul(x, dropoutMask(shape, this.rate, this.stream()));
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate, dataFormat: this.dataFormat };
  }
}

export interface ActivityRegularizationArgs extends LayerArgs {
  /** L1 factor (default 0). */
  l1?: number;
  /** L2 factor (default 0). */
  l2?: number;
}

/**
 * The identity, adding l1 * sum(|x|) + l2 * sum(x^2) of its input to the training loss (Keras 3's activity
 * penalty: summed over the whole batch, not divided by the batch size), through addLoss: `losses` holds the penalties
 * of the current forward pass, which the training loop reads right after it.
 */
export class ActivityRegularization extends Layer {
  readonly l1: number;
  readonly l2: number;

  constructor(args: ActivityRegularizationArgs = {}) {
    super(args);
    for (const k of ['l1', 'l2'] as const) {
      const v = args[k];
      if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) throw invalid('ActivityRegularization', k, 'a finite number >= 0', v);
    }
    this.l1 = args.l1 ?? 0;
    this.l2 = args.l2 ?? 0;
  }

  call(inputs: LayerInput): Tensor {
    const x = numeric(single(inputs, this), this);
    let p: Tensor | null = null;
    if (this.l1 !== 0) p = mul(sum(abs(x)), this.l1);
    if (this.l2 !== 0) {
      const q = mul(sum(square(x)), this.l2);
      p = p ? add(p, q) : q;
    }
    if (p) this.addLoss(p);
    return x;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape, this);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), l1: this.l1, l2: this.l2 };
  }
}

export type SpatialDropout3DArgs = SpatialDropout2DArgs;

/**
 * Dropout of whole feature maps of volumes: one decision per (sample, channel), shared by all voxels (noise shape
 * [batch, 1, 1, 1, channels], or [batch, channels, 1, 1, 1] channels first); kept maps are scaled by 1 / (1 - rate).
 */
export class SpatialDropout3D extends NoiseLayer {
  readonly rate: number;
  readonly dataFormat: 'channels_last' | 'channels_first';

  constructor(rate: number | SpatialDropout3DArgs, args: SpatialDropout3DArgs = {}) {
    const a = typeof rate === 'object' ? rate : { ...args, rate };
    super(a);
    this.rate = rateArg(a.rate, 'SpatialDropout3D');
    const f = a.dataFormat ?? 'channels_last';
    if (f === 'channels_last' || f === 'channelsLast') this.dataFormat = 'channels_last';
    else if (f === 'channels_first' || f === 'channelsFirst') this.dataFormat = 'channels_first';
    else throw invalid('SpatialDropout3D', 'dataFormat', "'channels_last' or 'channels_first'", a.dataFormat);
    this.inputSpec = { ndim: 5 };
  }

  call(inputs: LayerInput, args: CallArgs = {}): Tensor {
    const x = numeric(single(inputs, this), this);
    if (!args.training || this.rate === 0) return x;
    const n = x.shape[0];
    const shape = this.dataFormat === 'channels_last' ? [n, 1, 1, 1, x.shape[4]] : [n, x.shape[1], 1, 1, 1];
    return mul(x, dropoutMask(shape, this.rate, this.stream()));
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate, dataFormat: this.dataFormat };
  }
}
