// Colour augmentations (Keras 3's keras/layers/preprocessing/image_preprocessing): RandomContrast, RandomBrightness and
// RandomGrayscale. Like the other Random* layers (preprocessing.ts) they act only when called with `training: true`,
// are the identity otherwise (output float32), take one image or a batch, and draw from their own stream when given
// a `seed` (else from the global one, tn.setSeed). Each image of a batch gets its own draw.
import { add, cast, clipByValue, mul, sub, where } from '../ops/elementwise.js';
import { broadcastTo } from '../ops/broadcast.js';
import { mean, sum } from '../ops/reduce.js';
import { tensor, type Tensor } from '../tensor.js';
import { invalid, single } from './core.js';
import type { CallArgs, LayerArgs, LayerInput } from './layer.js';
import { positionalArgs, RandomImageLayer } from './preprocessing.js';

type DataFormatArg = 'channels_last' | 'channels_first' | 'channelsLast' | 'channelsFirst';

/**
 * Keras 3's factor rule (BaseImagePreprocessingLayer._set_factor) within [lo, hi]: a number f gives
 * [max(-|f|, lo), |f|]; a list [a, b] is sorted, refused only when a > hi or b < lo (Keras's own check).
 */
export function kerasFactor(v: unknown, bounds: [number, number], cls: string): [number, number] {
  const expected = `a number (or a list of two numbers) in the range [${bounds[0]}, ${bounds[1]}]`;
  const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
  if (finite(v)) {
    if (v < bounds[0] || v > bounds[1]) throw invalid(cls, 'factor', expected, v);
    return [Math.max(-Math.abs(v), bounds[0]), Math.abs(v)];
  }
  if (Array.isArray(v) && v.length === 2 && v.every(finite)) {
    if (v[0] > bounds[1] || v[1] < bounds[0]) throw invalid(cls, 'factor', expected, v);
    return [Math.min(v[0], v[1]), Math.max(v[0], v[1])];
  }
  throw invalid(cls, 'factor', expected, v);
}

/** [low, high] of the pixel values, sorted (Keras's value_range). */
export function valueRangeArg(v: unknown, cls: string): [number, number] {
  if (v === undefined || v === null) return [0, 255];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isFinite(x))) return [Math.min(v[0], v[1]), Math.max(v[0], v[1])];
  throw invalid(cls, 'valueRange', 'a list of two numbers [low, high]', v);
}

/** The input itself as float32: what the augmentations return in inference. */
export function passThrough(inputs: LayerInput, layer: RandomImageLayer): Tensor {
  const x = single(inputs, layer);
  return x.dtype === 'float32' ? x : cast(x, 'float32');
}

/** RandomContrast and RandomBrightness: a factor range within `bounds` (Keras's rule) and the pixels' value range. */
export abstract class RangedAugmentation extends RandomImageLayer {
  readonly factor: [number, number];
  readonly valueRange: [number, number];

  constructor(args: LayerArgs & { factor: unknown; valueRange?: unknown; seed?: number; dataFormat?: DataFormatArg }, bounds: [number, number]) {
    super(args);
    this.factor = kerasFactor(args.factor, bounds, this.constructor.name);
    this.valueRange = valueRangeArg(args.valueRange, this.constructor.name);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), factor: this.factor.slice(), valueRange: this.valueRange.slice() };
  }
}

export interface RandomContrastArgs extends LayerArgs {
  /**
   * f or [lower, upper] in [0, 1]: each image's contrast factor is uniform in [1 - lower, 1 + upper]. As in Keras 3,
   * a single number f means lower = 0, upper = f (contrast in [1, 1 + f]); give [f, f] for [1 - f, 1 + f].
   */
  factor: number | [number, number];
  /** The range of the pixel values; the output is clipped to it (default [0, 255]). */
  valueRange?: [number, number];
  seed?: number;
  dataFormat?: DataFormatArg;
}

/**
 * Adjusts the contrast of each image by a random factor in training: per image and channel,
 * y = clip((x - mean) * factor + mean, valueRange), with mean that channel's mean over the image's pixels and one
 * factor per image (Keras 3's RandomContrast).
 */
export class RandomContrast extends RangedAugmentation {
  constructor(factor?: RandomContrastArgs | RandomContrastArgs['factor'], valueRange?: [number, number] | Partial<RandomContrastArgs>, options?: Partial<RandomContrastArgs>) {
    super(positionalArgs<RandomContrastArgs>('RandomContrast', [factor, valueRange, options], ['factor', 'valueRange']), [0, 1]);
  }

  /** The contrast factors of a batch of n images. */
  getRandomTransformation(n: number): number[] {
    return this.uniform(n, 1 - this.factor[0], 1 + this.factor[1]);
  }

  call(inputs: LayerInput, args: CallArgs = {}): Tensor {
    if (!args.training) return passThrough(inputs, this);
    const { x, batched } = this.toNHWC(inputs);
    const n = x.shape[0];
    const f = tensor(Float32Array.from(this.getRandomTransformation(n)), [n, 1, 1, 1]);
    const m = mean(x, [1, 2], true);
    const y = clipByValue(add(mul(sub(x, m), f), m), this.valueRange[0], this.valueRange[1]);
    return this.fromNHWC(y, batched);
  }
}

export interface RandomBrightnessArgs extends LayerArgs {
  /** f or [lower, upper] in [-1, 1]: each image gets delta uniform in [lower, upper] times the value range's width. */
  factor: number | [number, number];
  /** The range of the pixel values (default [0, 255]); the output is clipped to it. */
  valueRange?: [number, number];
  seed?: number;
  dataFormat?: DataFormatArg;
}

/**
 * Shifts the brightness of each image by a random amount in training: y = clip(x + delta, low, high) with
 * delta = u * (high - low), u uniform in [lower, upper], one per image (Keras 3's RandomBrightness: -1 makes the
 * image black, 1 white).
 */
export class RandomBrightness extends RangedAugmentation {
  constructor(factor?: RandomBrightnessArgs | RandomBrightnessArgs['factor'], valueRange?: [number, number] | Partial<RandomBrightnessArgs>, options?: Partial<RandomBrightnessArgs>) {
    super(positionalArgs<RandomBrightnessArgs>('RandomBrightness', [factor, valueRange, options], ['factor', 'valueRange']), [-1, 1]);
  }

  /** The brightness shifts of a batch of n images, in pixel units. */
  getRandomTransformation(n: number): number[] {
    const width = this.valueRange[1] - this.valueRange[0];
    return this.uniform(n, this.factor[0], this.factor[1]).map((u) => u * width);
  }

  call(inputs: LayerInput, args: CallArgs = {}): Tensor {
    if (!args.training) return passThrough(inputs, this);
    const { x, batched } = this.toNHWC(inputs);
    const n = x.shape[0];
    const delta = tensor(Float32Array.from(this.getRandomTransformation(n)), [n, 1, 1, 1]);
    return this.fromNHWC(clipByValue(add(x, delta), this.valueRange[0], this.valueRange[1]), batched);
  }
}

export interface RandomGrayscaleArgs extends LayerArgs {
  /** The probability that an image is turned to grayscale, in [0, 1] (default 0.5). */
  factor?: number;
  dataFormat?: DataFormatArg;
  seed?: number;
}

/** tf.image.rgb_to_grayscale's luma weights, which Keras 3 uses. */
const LUMA = [0.2989, 0.587, 0.114];

/**
 * Turns each RGB image to grayscale with probability `factor` in training: every channel becomes
 * 0.2989 R + 0.587 G + 0.114 B, so the image keeps its 3 channels (Keras 3's RandomGrayscale).
 */
export class RandomGrayscale extends RandomImageLayer {
  readonly factor: number;

  constructor(factor?: RandomGrayscaleArgs | number, options?: Partial<RandomGrayscaleArgs>) {
    const args = positionalArgs<RandomGrayscaleArgs>('RandomGrayscale', [factor, options], ['factor']);
    super(args);
    const f = args.factor ?? 0.5;
    if (typeof f !== 'number' || !(f >= 0 && f <= 1)) throw invalid('RandomGrayscale', 'factor', 'a number between 0 and 1', args.factor);
    this.factor = f;
  }

  /** Which images of a batch of n turn gray (Keras: uniform < factor). */
  getRandomTransformation(n: number): boolean[] {
    return this.uniform(n, 0, 1).map((u) => u < this.factor);
  }

  call(inputs: LayerInput, args: CallArgs = {}): Tensor {
    if (!args.training) return passThrough(inputs, this);
    const { x, batched } = this.toNHWC(inputs);
    const [n, , , channels] = x.shape;
    if (channels !== 3) {
      throw new Error(`Layer "${this.name}" (RandomGrayscale) expects RGB images with 3 channels, received shape ${JSON.stringify(single(inputs, this).shape)} (${channels} channels in ${this.dataFormat})`);
    }
    const gray = broadcastTo(sum(mul(x, tensor(Float32Array.from(LUMA), [3])), -1, true), x.shape);
    const apply = tensor(Float32Array.from(this.getRandomTransformation(n), (b) => (b ? 1 : 0)), [n, 1, 1, 1]);
    return this.fromNHWC(where(apply, gray, x), batched);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), factor: this.factor };
  }
}
