// Keras 3's newer image augmentations (keras/layers/preprocessing/image_preprocessing): Solarization, RandomInvert,
// AutoContrast, RandomPosterization and RandomSharpness. As the other Random* layers (preprocessing.ts,
// preprocessing-color.ts) the random ones act only when called with `training: true`, are the identity otherwise
// (output float32), take one image or a batch, draw one transformation per image, and draw from their own stream when
// given a `seed` (else from the global one, tn.setSeed). AutoContrast is not random and acts in inference too.
// Like Keras's, the colour operations work on values mapped from `valueRange` to [0, 255] and back.
import { add, cast, clipByValue, div, floor, isNaN as isNaNOp, less, mul, sub, where } from '../ops/elementwise.js';
import { max, min } from '../ops/reduce.js';
import { gather, pad, slice } from '../ops/shape.js';
import type { Generator } from '../random.js';
import { tensor, type Tensor, type TensorLike } from '../tensor.js';
import { invalid, singleShape } from './core.js';
import { isTensorDict, type CallArgs, type LayerArgs, type LayerInput, type Shape, type SymbolicTensor } from './layer.js';
import { kerasFactor, passThrough, RandomBrightness, RandomContrast, RangedAugmentation, valueRangeArg } from './preprocessing-color.js';
import { ImageLayer, positionalArgs, RandomImageLayer } from './preprocessing.js';

type DataFormatArg = 'channels_last' | 'channels_first' | 'channelsLast' | 'channelsFirst';

/** x mapped from the range `from` to `to` (Keras's _transform_value_range; unchanged when the ranges are equal). */
function mapRange(x: Tensor, from: [number, number], to: [number, number]): Tensor {
  if (from[0] === to[0] && from[1] === to[1]) return x;
  return add(mul(div(sub(x, from[0]), from[1] - from[0]), to[1] - to[0]), to[0]);
}

/** One number per image of a batch of n, shaped to broadcast against [n, h, w, c]. */
const perImage = (values: number[]): Tensor => tensor(Float32Array.from(values), [values.length, 1, 1, 1]);

/**
 * Solarization's factor rule: f in [0, 1] gives [0, f]; a list of two numbers in [0, 1] is sorted.
 */
function unitFactor(v: unknown, cls: string, arg: string): [number, number] {
  const ok = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0 && x <= 1;
  if (ok(v)) return [0, v];
  if (Array.isArray(v) && v.length === 2 && v.every(ok)) return [Math.min(v[0], v[1]), Math.max(v[0], v[1])];
  throw invalid(cls, arg, 'a number (or a list of two numbers) in the range [0, 1]', v);
}

/** What every layer here takes besides its factors. */
export interface AugmentArgs extends LayerArgs {
  /** The range of the pixel values (default [0, 255]). */
  valueRange?: [number, number];
  /** Seeds the layer's own stream (AutoContrast, not random, has none). */
  seed?: number;
  dataFormat?: DataFormatArg;
}

// Solarization

export interface SolarizationArgs extends AugmentArgs {
  /**
   * f or [lower, upper] in [0, 1] (default 0): each image gets an addition drawn uniformly from
   * [lower, upper * 255], added to its pixels (in [0, 255] units) before the threshold. As in Keras 3 only the upper
   * bound is scaled by 255, so a single number f draws from [0, 255 f].
   */
  additionFactor?: number | [number, number];
  /** f or [lower, upper] in [0, 1] (default 0): each image's threshold, drawn as the addition is. */
  thresholdFactor?: number | [number, number];
}

/**
 * Solarizes images in training (Keras 3's Solarization): with the pixels in [0, 255] units,
 * y = clip(x + addition, 0, 255), then y stays where y < threshold and becomes 255 - y elsewhere, one addition and
 * threshold per image; the result is mapped back to `valueRange`. With the defaults every pixel is inverted.
 */
export class Solarization extends RandomImageLayer {
  readonly additionFactor: [number, number];
  readonly thresholdFactor: [number, number];
  readonly valueRange: [number, number];

  constructor(additionFactor?: SolarizationArgs | SolarizationArgs['additionFactor'], thresholdFactor?: SolarizationArgs['thresholdFactor'] | Partial<SolarizationArgs>,
    valueRange?: [number, number] | Partial<SolarizationArgs>, options?: Partial<SolarizationArgs>) {
    const args = positionalArgs<SolarizationArgs>('Solarization', [additionFactor, thresholdFactor, valueRange, options], ['additionFactor', 'thresholdFactor', 'valueRange']);
    super(args);
    this.additionFactor = unitFactor(args.additionFactor ?? 0, 'Solarization', 'additionFactor');
    this.thresholdFactor = unitFactor(args.thresholdFactor ?? 0, 'Solarization', 'thresholdFactor');
    this.valueRange = valueRangeArg(args.valueRange, 'Solarization');
  }

  /** The additions and thresholds (in [0, 255] units) of a batch of n images. */
  getRandomTransformation(n: number): { additions: number[]; thresholds: number[] } {
    const additions = this.uniform(n, this.additionFactor[0], this.additionFactor[1] * 255);
    const thresholds = this.uniform(n, this.thresholdFactor[0], this.thresholdFactor[1] * 255);
    return { additions, thresholds };
  }

  call(inputs: LayerInput, args: CallArgs = {}): Tensor {
    if (!args.training) return passThrough(inputs, this);
    const { x, batched } = this.toNHWC(inputs);
    const { additions, thresholds } = this.getRandomTransformation(x.shape[0]);
    const y = clipByValue(add(mapRange(x, this.valueRange, [0, 255]), perImage(additions)), 0, 255);
    const solarized = where(less(y, perImage(thresholds)), y, sub(255, y));
    return this.fromNHWC(mapRange(solarized, [0, 255], this.valueRange), batched);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), additionFactor: this.additionFactor.slice(), thresholdFactor: this.thresholdFactor.slice(), valueRange: this.valueRange.slice() };
  }
}

// RandomInvert

export interface RandomInvertArgs extends AugmentArgs {
  /**
   * f or [lower, upper] in [0, 1] (default 1): each image draws an inversion probability p uniform in [lower, upper]
   * (a single f means [0, f]) and is inverted when a second uniform draw is below p, so an image is inverted with
   * probability (lower + upper) / 2 (Keras 3's RandomInvert).
   */
  factor?: number | [number, number];
}

/** Inverts the colours of random images in training: x becomes valueRange[1] - x (Keras 3's RandomInvert). */
export class RandomInvert extends RangedAugmentation {
  constructor(factor?: RandomInvertArgs | RandomInvertArgs['factor'], valueRange?: [number, number] | Partial<RandomInvertArgs>, options?: Partial<RandomInvertArgs>) {
    const args = positionalArgs<RandomInvertArgs>('RandomInvert', [factor, valueRange, options], ['factor', 'valueRange']);
    super({ ...args, factor: args.factor ?? 1 }, [0, 1]);
  }

  /** Which images of a batch of n are inverted. */
  getRandomTransformation(n: number): boolean[] {
    const p = this.uniform(n, this.factor[0], this.factor[1]);
    return this.uniform(n, 0, 1).map((u, i) => u < p[i]);
  }

  call(inputs: LayerInput, args: CallArgs = {}): Tensor {
    if (!args.training) return passThrough(inputs, this);
    const { x, batched } = this.toNHWC(inputs);
    const apply = perImage(this.getRandomTransformation(x.shape[0]).map((b) => (b ? 1 : 0)));
    return this.fromNHWC(where(apply, sub(this.valueRange[1], x), x), batched);
  }
}

// AutoContrast

export type AutoContrastArgs = Omit<AugmentArgs, 'seed'>;

/**
 * Stretches each image's channels over the whole value range, in training and inference (Keras 3's AutoContrast):
 * per image and channel, y = (x - min) * 255 / (max - min) in [0, 255] units, clipped and mapped back to
 * `valueRange`; a constant channel (max = min) is left as it is.
 */
export class AutoContrast extends ImageLayer {
  readonly valueRange: [number, number];

  constructor(valueRange?: AutoContrastArgs | [number, number], options?: Partial<AutoContrastArgs>) {
    const args = positionalArgs<AutoContrastArgs>('AutoContrast', [valueRange, options], ['valueRange']);
    super(args);
    this.valueRange = valueRangeArg(args.valueRange, 'AutoContrast');
  }

  call(inputs: LayerInput): Tensor {
    const { x, batched } = this.toNHWC(inputs);
    const images = mapRange(x, this.valueRange, [0, 255]);
    const low = min(images, [1, 2], true);
    const high = max(images, [1, 2], true);
    const scale = div(255, sub(high, low));
    const stretched = clipByValue(add(mul(images, scale), mul(low, mul(scale, -1))), 0, 255);
    const y = mapRange(stretched, [0, 255], this.valueRange);
    return this.fromNHWC(where(isNaNOp(y), x, y), batched);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape, this);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), valueRange: this.valueRange.slice() };
  }
}

// RandomPosterization

export interface RandomPosterizationArgs extends AugmentArgs {
  /**
   * The bits kept per channel, integers in [1, 8]: f means [1, f], [lower, upper] a range. As Keras 3 draws with
   * randint, upper is exclusive when lower < upper (factor 8 keeps 1 to 7 bits); [b, b] always keeps b bits.
   */
  factor: number | [number, number];
}

/**
 * Reduces the bits of each colour channel in training (Keras 3's RandomPosterization): in [0, 255] units the pixels
 * are cast to uint8 (truncated) and their low 8 - bits bits cleared, one bit count per image.
 */
export class RandomPosterization extends RangedAugmentation {
  constructor(factor?: RandomPosterizationArgs | RandomPosterizationArgs['factor'], valueRange?: [number, number] | Partial<RandomPosterizationArgs>, options?: Partial<RandomPosterizationArgs>) {
    const args = positionalArgs<RandomPosterizationArgs>('RandomPosterization', [factor, valueRange, options], ['factor', 'valueRange']);
    // Bit counts: whole numbers, none below 0 (Keras's rule lets [0, b] through; 0 bits is a black image).
    const f: unknown = args.factor;
    const ok = (Array.isArray(f) ? f : [f]).every((v) => Number.isInteger(v) && (v as number) >= 0);
    if (!ok) throw invalid('RandomPosterization', 'factor', 'an integer (or a list of two integers) in the range [1, 8]', f);
    super(args, [1, 8]);
  }

  /** The bits kept by each image of a batch of n. */
  getRandomTransformation(n: number): number[] {
    const [lo, hi] = this.factor;
    if (lo === hi) return new Array<number>(n).fill(lo);
    return this.uniform(n, 0, 1).map((u) => Math.min(hi - 1, lo + Math.floor(u * (hi - lo))));
  }

  call(inputs: LayerInput, args: CallArgs = {}): Tensor {
    if (!args.training) return passThrough(inputs, this);
    const { x, batched } = this.toNHWC(inputs);
    const step = perImage(this.getRandomTransformation(x.shape[0]).map((bits) => 2 ** (8 - bits)));
    const bytes = floor(clipByValue(mapRange(x, this.valueRange, [0, 255]), 0, 255));
    const y = mul(floor(div(bytes, step)), step);
    return this.fromNHWC(mapRange(y, [0, 255], this.valueRange), batched);
  }
}

// RandomSharpness

export interface RandomSharpnessArgs extends AugmentArgs {
  /**
   * f or [lower, upper] in [0, 1]: each image draws s uniform in [lower, upper] (a single f means [0, f]); 0 gives the
   * fully blurred image, 0.5 the image itself, 1 a sharpened one. [0.5, 0.5] always keeps the image.
   */
  factor: number | [number, number];
}

/**
 * Each channel of NHWC images filtered with `weights` (rows over height, odd sizes), zero padding keeping the size:
 * y[r, c] = sum of weights[i][j] x[r + i - (kh - 1) / 2, c + j - (kw - 1) / 2] (depthwise 'same' of a symmetric kernel).
 */
function filterSame(x: Tensor, weights: number[][]): Tensor {
  const [n, h, w, c] = x.shape;
  const kh = weights.length;
  const kw = weights[0].length;
  const padded = pad(x, [[0, 0], [(kh - 1) / 2, (kh - 1) / 2], [(kw - 1) / 2, (kw - 1) / 2], [0, 0]]);
  let y: Tensor | null = null;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const term = mul(slice(padded, [0, i, j, 0], [n, h, w, c]), weights[i][j]);
      y = y ? add(y, term) : term;
    }
  }
  return y as Tensor;
}

/** Keras 3's smoothing kernel: 1/13 around, 5/13 at the centre. */
const SMOOTH = [[1, 1, 1], [1, 5, 1], [1, 1, 1]].map((row) => row.map((v) => v / 13));

/**
 * Blurs or sharpens images in training (Keras 3's RandomSharpness): with `smoothed` the image convolved per channel
 * with a 3x3 kernel (1/13 around, 5/13 at the centre, zero padding 'same'), y = clip(x + (1 - 2 s) (smoothed - x),
 * valueRange), one s per image.
 */
export class RandomSharpness extends RangedAugmentation {
  constructor(factor?: RandomSharpnessArgs | RandomSharpnessArgs['factor'], valueRange?: [number, number] | Partial<RandomSharpnessArgs>, options?: Partial<RandomSharpnessArgs>) {
    super(positionalArgs<RandomSharpnessArgs>('RandomSharpness', [factor, valueRange, options], ['factor', 'valueRange']), [0, 1]);
  }

  /** The sharpness factors of a batch of n images. */
  getRandomTransformation(n: number): number[] {
    return this.uniform(n, this.factor[0], this.factor[1]);
  }

  call(inputs: LayerInput, args: CallArgs = {}): Tensor {
    if (!args.training) return passThrough(inputs, this);
    const { x, batched } = this.toNHWC(inputs);
    const smoothed = filterSame(x, SMOOTH);
    const s = perImage(this.getRandomTransformation(x.shape[0]).map((f) => 1 - 2 * f));
    const y = clipByValue(add(x, mul(s, sub(smoothed, x))), this.valueRange[0], this.valueRange[1]);
    return this.fromNHWC(y, batched);
  }
}

// RandomSaturation and RandomHue: per-pixel work in HSV (Keras 3's backend rgb_to_hsv / hsv_to_rgb, from dm_pix).

/** Smallest float32 step: Keras's rgb_to_hsv sets values below it in magnitude to 0. */
const F32_EPS = 2 ** -23;

/** One RGB pixel's (hue, saturation, value), hue in [0, 1) (Keras's rgb_planes_to_hsv_planes). */
function rgbToHsv(r: number, g: number, b: number): [number, number, number] {
  if (Math.abs(r) < F32_EPS) r = 0;
  if (Math.abs(g) < F32_EPS) g = 0;
  if (Math.abs(b) < F32_EPS) b = 0;
  const value = Math.max(r, g, b);
  const range = value - Math.min(r, g, b);
  const saturation = value > 0 ? range / value : 0;
  const norm = 1 / (6 * (range > 0 ? range : 1));
  let hue = value === g ? norm * (b - r) + 2 / 6 : norm * (r - g) + 4 / 6;
  if (value === r) hue = norm * (g - b);
  hue = (range > 0 ? hue : 0) + (hue < 0 ? 1 : 0);
  return [hue, saturation, value];
}

/** One HSV pixel's (r, g, b) (Keras's hsv_planes_to_rgb_planes). */
function hsvToRgb(hue: number, saturation: number, value: number, out: Float32Array, at: number): void {
  const dh = (((hue % 1) + 1) % 1) * 6;
  const clip01 = (v: number) => Math.min(1, Math.max(0, v));
  const dr = clip01(Math.abs(dh - 3) - 1);
  const dg = clip01(2 - Math.abs(dh - 2));
  const db = clip01(2 - Math.abs(dh - 4));
  const oneMinusS = 1 - saturation;
  out[at] = value * (oneMinusS + saturation * dr);
  out[at + 1] = value * (oneMinusS + saturation * dg);
  out[at + 2] = value * (oneMinusS + saturation * db);
}

/** An augmentation of RGB images done pixel by pixel in HSV: `adjust` changes [h, s, v] of image i in place. */
abstract class HsvAugmentation extends RangedAugmentation {
  protected abstract adjust(hsv: [number, number, number], image: number, draws: number[]): void;

  /** The image's values as adjust() takes them (Keras's RandomHue maps them to [0, 1]; RandomSaturation does not). */
  protected toUnit(x: Tensor): Tensor {
    return x;
  }

  protected fromUnit(y: Tensor): Tensor {
    return y;
  }

  abstract getRandomTransformation(n: number): number[];

  call(inputs: LayerInput, args: CallArgs = {}): Tensor {
    if (!args.training) return passThrough(inputs, this);
    const { x, batched } = this.toNHWC(inputs);
    const [n, h, w, channels] = x.shape;
    if (channels !== 3) {
      throw new Error(`Layer "${this.name}" (${this.className}) expects RGB images with 3 channels, received ${channels} channels (images ${JSON.stringify(x.shape)} in channels_last)`);
    }
    const draws = this.getRandomTransformation(n);
    const src = this.toUnit(x).data() as Float32Array;
    const out = new Float32Array(src.length);
    const pixels = h * w;
    for (let i = 0; i < n; i++) {
      for (let p = 0; p < pixels; p++) {
        const at = (i * pixels + p) * 3;
        const hsv = rgbToHsv(src[at], src[at + 1], src[at + 2]);
        this.adjust(hsv, i, draws);
        hsvToRgb(hsv[0], hsv[1], hsv[2], out, at);
      }
    }
    return this.fromNHWC(this.fromUnit(tensor(out, x.shape)), batched);
  }
}

export interface RandomSaturationArgs extends AugmentArgs {
  /**
   * f or [lower, upper] in [-1, 1] (Keras 3's rule: a single f means [-f, f]): each image draws u uniform in the range
   * and multiplies its saturation by u / (1 - u + 1e-7), so 0.5 keeps the image, 1 saturates it fully and 0 or less
   * makes it gray. [0.5, 0.5] always keeps the image.
   */
  factor: number | [number, number];
}

/**
 * Changes the saturation of RGB images in training (Keras 3's RandomSaturation): in HSV (of the pixel values as they
 * are), s becomes clip(s * u / (1 - u + 1e-7), valueRange), one u per image.
 */
export class RandomSaturation extends HsvAugmentation {
  constructor(factor?: RandomSaturationArgs | RandomSaturationArgs['factor'], valueRange?: [number, number] | Partial<RandomSaturationArgs>, options?: Partial<RandomSaturationArgs>) {
    super(positionalArgs<RandomSaturationArgs>('RandomSaturation', [factor, valueRange, options], ['factor', 'valueRange']), [-1, 1]);
  }

  /** The saturation multipliers of a batch of n images. */
  getRandomTransformation(n: number): number[] {
    return this.uniform(n, this.factor[0], this.factor[1]).map((u) => u / (1 - u + 1e-7));
  }

  protected adjust(hsv: [number, number, number], image: number, draws: number[]): void {
    hsv[1] = Math.min(this.valueRange[1], Math.max(this.valueRange[0], hsv[1] * draws[image]));
  }
}

export interface RandomHueArgs extends AugmentArgs {
  /**
   * f or [lower, upper] in [0, 1] (a single f means [0, f]): each image's hue turns by ±u / 2 of a full turn, u uniform
   * in the range and the sign + or - with even odds; 0 keeps the image.
   */
  factor: number | [number, number];
  /** The range of the pixel values; unlike the other layers here Keras 3 requires it. */
  valueRange: [number, number];
}

/**
 * Rotates the hue of RGB images in training (Keras 3's RandomHue): with the pixels mapped to [0, 1], in HSV
 * h becomes h + delta (wrapped once into [0, 1]), the result clipped to [0, 1] and mapped back to `valueRange`.
 */
export class RandomHue extends HsvAugmentation {
  constructor(factor?: RandomHueArgs | RandomHueArgs['factor'], valueRange?: [number, number] | Partial<RandomHueArgs>, options?: Partial<RandomHueArgs>) {
    const args = positionalArgs<RandomHueArgs>('RandomHue', [factor, valueRange, options], ['factor', 'valueRange']);
    if (args.valueRange === undefined || args.valueRange === null) throw invalid('RandomHue', 'valueRange', 'a list of two numbers [low, high] (Keras 3 has no default)', args.valueRange);
    super(args, [0, 1]);
  }

  /** The hue shifts (in turns) of a batch of n images. */
  getRandomTransformation(n: number): number[] {
    const signs = this.uniform(n, 0, 1).map((u) => (u > 0.5 ? -1 : 1));
    return this.uniform(n, this.factor[0], this.factor[1]).map((f, i) => signs[i] * f * 0.5);
  }

  protected override toUnit(x: Tensor): Tensor {
    return mapRange(x, this.valueRange, [0, 1]);
  }

  protected override fromUnit(y: Tensor): Tensor {
    return mapRange(clipByValue(y, 0, 1), [0, 1], this.valueRange);
  }

  protected adjust(hsv: [number, number, number], image: number, draws: number[]): void {
    let hue = hsv[0] + draws[image];
    if (hue > 1) hue -= 1;
    if (hue < 0) hue += 1;
    hsv[0] = hue;
  }
}

// RandomColorJitter

export interface RandomColorJitterArgs extends AugmentArgs {
  /** RandomBrightness's factor (f or [lower, upper] in [-1, 1]); left out, no brightness change. */
  brightnessFactor?: number | [number, number] | null;
  /** RandomContrast's factor (f or [lower, upper] in [0, 1]); left out, no contrast change. */
  contrastFactor?: number | [number, number] | null;
  /** RandomSaturation's factor (f or [lower, upper] in [-1, 1]); left out, no saturation change. */
  saturationFactor?: number | [number, number] | null;
  /** RandomHue's factor (f or [lower, upper] in [0, 1]); left out, no hue change. */
  hueFactor?: number | [number, number] | null;
}

/**
 * Applies, in training, RandomBrightness, RandomContrast, RandomSaturation and RandomHue in that order, each only
 * when its factor is given, all with the layer's `valueRange` (Keras 3's RandomColorJitter). With a `seed` the four
 * draw from streams seeded seed, seed + 1, seed + 2 and seed + 3.
 */
export class RandomColorJitter extends RandomImageLayer {
  readonly valueRange: [number, number];
  readonly brightnessFactor: number | [number, number] | null;
  readonly contrastFactor: number | [number, number] | null;
  readonly saturationFactor: number | [number, number] | null;
  readonly hueFactor: number | [number, number] | null;
  /** The steps that run, in order (the ones whose factor is given). */
  readonly steps: RandomImageLayer[];

  constructor(args: RandomColorJitterArgs = {}) {
    super(args);
    this.valueRange = valueRangeArg(args.valueRange, 'RandomColorJitter');
    this.brightnessFactor = args.brightnessFactor ?? null;
    this.contrastFactor = args.contrastFactor ?? null;
    this.saturationFactor = args.saturationFactor ?? null;
    this.hueFactor = args.hueFactor ?? null;
    const made: [number | [number, number] | null, string, new (a: never) => RandomImageLayer][] = [
      [this.brightnessFactor, 'brightness', RandomBrightness], [this.contrastFactor, 'contrast', RandomContrast],
      [this.saturationFactor, 'saturation', RandomSaturation], [this.hueFactor, 'hue', RandomHue],
    ];
    this.steps = [];
    made.forEach(([factor, what, Cls], k) => {
      if (factor === null) return;
      const seed = this.seed === undefined ? undefined : this.seed + k;
      try {
        this.steps.push(new Cls({ factor, valueRange: this.valueRange, seed, dataFormat: this.dataFormat, name: `${this.name}_${what}` } as never));
      } catch (e) {
        throw new Error(`RandomColorJitter: \`${what}Factor\`: ${(e as Error).message}`);
      }
    });
  }

  call(inputs: LayerInput, args: CallArgs = {}): Tensor {
    let x = passThrough(inputs, this);
    if (!args.training) return x;
    for (const step of this.steps) x = step.call(x, args) as Tensor;
    return x;
  }

  override getConfig(): Record<string, unknown> {
    const copy = (f: number | [number, number] | null) => (Array.isArray(f) ? f.slice() : f);
    return {
      ...super.getConfig(), valueRange: this.valueRange.slice(), brightnessFactor: copy(this.brightnessFactor), contrastFactor: copy(this.contrastFactor),
      saturationFactor: copy(this.saturationFactor), hueFactor: copy(this.hueFactor),
    };
  }
}

// RandomGaussianBlur

export interface RandomGaussianBlurArgs extends AugmentArgs {
  /**
   * f or [lower, upper] in [0, 1] (default 1; a single f means [0, f]): each image draws a blur probability p in the
   * range and is blurred when a second uniform draw is below p, so with probability (lower + upper) / 2.
   */
  factor?: number | [number, number];
  /** The kernel's size, an odd integer (default 3), or [width, height] of odd integers (Keras saves [k, k]). */
  kernelSize?: number | [number, number];
  /**
   * s or [lower, upper] in [0, 1] (default 1; Keras 3's rule, a single s means [0, s]): the kernel's standard
   * deviations along x and y, drawn once per call for the whole batch (plus 1e-6), as Keras 3 draws them.
   */
  sigma?: number | [number, number];
}

/**
 * Blurs random images in training with a Gaussian kernel (Keras 3's RandomGaussianBlur): the kernel is
 * outer(gy, gx) of normalized 1-D Gaussians over the offsets -(k - 1) / 2 .. (k - 1) / 2, applied per channel with
 * zero padding ('same'); then every image is clipped to `valueRange`.
 */
export class RandomGaussianBlur extends RangedAugmentation {
  readonly kernelSize: [number, number];
  readonly sigma: [number, number];

  constructor(factor?: RandomGaussianBlurArgs | RandomGaussianBlurArgs['factor'], options?: Partial<RandomGaussianBlurArgs>) {
    const args = positionalArgs<RandomGaussianBlurArgs>('RandomGaussianBlur', [factor, options], ['factor']);
    super({ ...args, factor: args.factor ?? 1 }, [0, 1]);
    const k = args.kernelSize ?? 3;
    const odd = (v: unknown) => Number.isInteger(v) && (v as number) > 0 && (v as number) % 2 === 1;
    if (!(odd(k) || (Array.isArray(k) && k.length === 2 && k.every(odd)))) {
      throw invalid('RandomGaussianBlur', 'kernelSize', 'an odd positive integer (or a list of two)', k);
    }
    this.kernelSize = Array.isArray(k) ? [k[0], k[1]] : [k, k];
    try {
      this.sigma = kerasFactor(args.sigma ?? 1, [0, 1], 'RandomGaussianBlur');
    } catch {
      throw invalid('RandomGaussianBlur', 'sigma', 'a number (or a list of two numbers) in the range [0, 1]', args.sigma);
    }
  }

  /** Which images of a batch of n are blurred, and the batch's (sigma x, sigma y). */
  getRandomTransformation(n: number): { apply: boolean[]; sigma: [number, number] } {
    const p = this.uniform(n, this.factor[0], this.factor[1]);
    const apply = this.uniform(n, 0, 1).map((u, i) => u < p[i]);
    const [sx, sy] = this.uniform(2, this.sigma[0], this.sigma[1]).map((s) => s + 1e-6);
    return { apply, sigma: [sx, sy] };
  }

  call(inputs: LayerInput, args: CallArgs = {}): Tensor {
    if (!args.training) return passThrough(inputs, this);
    const { x, batched } = this.toNHWC(inputs);
    const { apply, sigma } = this.getRandomTransformation(x.shape[0]);
    const gauss = (size: number, s: number): number[] => {
      const g = Array.from({ length: size }, (_, i) => Math.fround(Math.exp(-0.5 * ((i - (size - 1) / 2) / s) ** 2)));
      const total = g.reduce((a, b) => a + b, 0);
      return g.map((v) => v / total);
    };
    const gx = gauss(this.kernelSize[0], sigma[0]);
    const blurred = filterSame(x, gauss(this.kernelSize[1], sigma[1]).map((wy) => gx.map((wx) => wy * wx)));
    const chosen = where(perImage(apply.map((b) => (b ? 1 : 0))), blurred, x);
    return this.fromNHWC(clipByValue(chosen, this.valueRange[0], this.valueRange[1]), batched);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), kernelSize: this.kernelSize.slice(), sigma: this.sigma.slice() };
  }
}

// RandomErasing

export interface RandomErasingArgs extends AugmentArgs {
  /**
   * f or [lower, upper] in [0, 1] (default 1; a single f means [0, f]): each image draws an erasing probability p in
   * the range and is erased when a second uniform draw is below p, so with probability (lower + upper) / 2.
   */
  factor?: number | [number, number];
  /**
   * s or [lower, upper] in [0, 1] (default [0.02, 0.33]; a single s means [0, s]): the patch's width and height are
   * sqrt(u1) and sqrt(u2) of the image's, u1 and u2 drawn uniformly from it (Keras 3's RandomErasing).
   */
  scale?: number | [number, number];
  /**
   * What fills the patch: a number, one number per channel ([r, g, b]), or null (default) for Gaussian noise times
   * valueRange[1]; clipped to `valueRange`.
   */
  fillValue?: number | number[] | null;
}

/** One erased patch: columns x0 <= x < x1 and rows y0 <= y < y1 (in pixels, fractional bounds). */
export interface ErasingBox {
  x0: number; x1: number; y0: number; y1: number;
}

/** 1 at the pixels (row r, column c) of image i with x0 <= c < x1 and y0 <= r < y1 of its box, where apply[i]. */
function boxMask(boxes: ErasingBox[], apply: boolean[], h: number, w: number): Float32Array {
  const mask = new Float32Array(boxes.length * h * w);
  boxes.forEach((b, i) => {
    if (!apply[i]) return;
    for (let r = 0; r < h; r++) {
      if (r < b.y0 || r >= b.y1) continue;
      for (let col = 0; col < w; col++) if (col >= b.x0 && col < b.x1) mask[(i * h + r) * w + col] = 1;
    }
  });
  return mask;
}

/**
 * Erases a random rectangle of random images in training (Keras 3's RandomErasing): the patch's size is drawn from
 * `scale`, its position uniformly within the image, and it is filled with `fillValue` (or clipped Gaussian noise).
 */
export class RandomErasing extends RangedAugmentation {
  readonly scale: [number, number];
  readonly fillValue: number | number[] | null;

  constructor(factor?: RandomErasingArgs | RandomErasingArgs['factor'], options?: Partial<RandomErasingArgs>) {
    const args = positionalArgs<RandomErasingArgs>('RandomErasing', [factor, options], ['factor']);
    super({ ...args, factor: args.factor ?? 1 }, [0, 1]);
    try {
      this.scale = kerasFactor(args.scale ?? [0.02, 0.33], [0, 1], 'RandomErasing');
    } catch {
      throw invalid('RandomErasing', 'scale', 'a number (or a list of two numbers) in the range [0, 1]', args.scale);
    }
    const f = args.fillValue ?? null;
    const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
    if (!(f === null || finite(f) || (Array.isArray(f) && f.length === 3 && f.every(finite)))) {
      throw invalid('RandomErasing', 'fillValue', 'a number, a list of three numbers (one per channel) or null (noise)', f);
    }
    this.fillValue = Array.isArray(f) ? f.slice() : f;
  }

  /** Which images of a batch of n (height h, width w) are erased, and each image's patch. */
  getRandomTransformation(n: number, h: number, w: number): { apply: boolean[]; boxes: ErasingBox[] } {
    const u = this.uniform(2 * n, this.scale[0], this.scale[1]).map(Math.sqrt);
    const bounds = (size: number, ratio: number[]) => this.uniform(n, 0, 1).map((s, i) => {
      const length = ratio[i] * size;
      const start = s * (size - length);
      return [start, start + length];
    });
    const xs = bounds(w, u.filter((_, k) => k % 2 === 0));
    const ys = bounds(h, u.filter((_, k) => k % 2 === 1));
    const p = this.uniform(n, this.factor[0], this.factor[1]);
    const apply = this.uniform(n, 0, 1).map((t, i) => t < p[i]);
    return { apply, boxes: xs.map(([x0, x1], i) => ({ x0, x1, y0: ys[i][0], y1: ys[i][1] })) };
  }

  call(inputs: LayerInput, args: CallArgs = {}): Tensor {
    if (!args.training) return passThrough(inputs, this);
    const { x, batched } = this.toNHWC(inputs);
    const [n, h, w, c] = x.shape;
    if (Array.isArray(this.fillValue) && c !== 3) {
      throw new Error(`Layer "${this.name}" (RandomErasing) has a fillValue of 3 numbers (one per channel) but received ${c} channels`);
    }
    const { apply, boxes } = this.getRandomTransformation(n, h, w);
    const mask = boxMask(boxes, apply, h, w);
    let fill: Tensor;
    if (this.fillValue === null) {
      const g = this.stream();
      fill = tensor(Float32Array.from({ length: n * h * w * c }, () => g.normal() * this.valueRange[1]), x.shape);
    } else {
      fill = tensor(Float32Array.from(Array.isArray(this.fillValue) ? this.fillValue : [this.fillValue]), [Array.isArray(this.fillValue) ? 3 : 1]);
    }
    const y = where(tensor(mask, [n, h, w, 1]), clipByValue(fill, this.valueRange[0], this.valueRange[1]), x);
    return this.fromNHWC(y, batched);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), scale: this.scale.slice(), fillValue: Array.isArray(this.fillValue) ? this.fillValue.slice() : this.fillValue };
  }
}

// MixUp and CutMix: images mixed within the batch, and their labels when called on { images, labels }.

/** log of a Gamma(a, 1) draw (Marsaglia and Tsang; a < 1 through Gamma(a + 1) U^(1 / a)), kept in logs for tiny a. */
function logGamma(a: number, g: Generator): number {
  if (a < 1) return logGamma(a + 1, g) + Math.log(1 - g.uniform()) / a;
  const d = a - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const z = g.normal();
    const v = (1 + c * z) ** 3;
    if (v <= 0) continue;
    const u = 1 - g.uniform();
    if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return Math.log(d * v);
  }
}

/** A Beta(a, b) draw: X / (X + Y) of Gamma draws, computed from their logs. */
function betaDraw(a: number, b: number, g: Generator): number {
  const lx = logGamma(a, g);
  const ly = logGamma(b, g);
  return 1 / (1 + Math.exp(ly - lx));
}

function positiveNumber(v: unknown, cls: string, arg: string): number {
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v;
  throw invalid(cls, arg, 'a positive number', v);
}

/** A uniformly random order of 0 .. n - 1 (Fisher-Yates). */
function permutation(n: number, g: Generator): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = g.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** What MixUp and CutMix draw for a batch: the partner of each image and the weight its own labels keep. */
export interface BatchMix {
  permutation: number[];
  /** Per image, the weight of its own labels (MixUp: one weight for the batch, repeated; also its images'). */
  labelWeights: number[];
  /** CutMix: each image's pasted patch. */
  boxes?: ErasingBox[];
}

/**
 * A layer that mixes each image with another of its batch (Keras 3's MixUp and CutMix): it takes images, or
 * { images, labels } and then returns { images, labels } with the labels mixed in the same proportions. In inference
 * (and for a single image) images and labels come back as they are (images as float32).
 */
abstract class BatchMixLayer extends RandomImageLayer {
  /** The images mixed with `partners` (the batch reordered by the permutation) under the draws `mix`. */
  protected abstract mixImages(x: Tensor, partners: Tensor, mix: BatchMix): Tensor;

  abstract getRandomTransformation(n: number, height: number, width: number): BatchMix;

  override computeMask(): undefined {
    return undefined;
  }

  override apply(inputs: TensorLike | TensorLike[], args?: CallArgs): Tensor;
  override apply(inputs: SymbolicTensor | SymbolicTensor[], args?: CallArgs): SymbolicTensor;
  /** Keras's dict form: the images and their labels, mixed alike. */
  override apply(inputs: { images: Tensor; labels?: Tensor }, args?: CallArgs): { images: Tensor; labels?: Tensor };
  // The overloads above are the types callers see; `any` as in Layer.apply.
  override apply(inputs: SymbolicTensor | SymbolicTensor[] | TensorLike | TensorLike[] | { images: Tensor; labels?: Tensor }, args: CallArgs = {}): any {
    return super.apply(inputs as TensorLike, args);
  }

  call(inputs: LayerInput, args: CallArgs = {}): Tensor {
    const dict = isTensorDict(inputs) ? (inputs as unknown as Record<string, Tensor>) : null;
    if (dict) {
      const extra = Object.keys(dict).filter((k) => k !== 'images' && k !== 'labels');
      if (!('images' in dict) || extra.length) {
        throw new Error(`Layer "${this.name}" (${this.className}) takes images or a dict { images, labels }, received a dict with keys ${JSON.stringify(Object.keys(dict))}`);
      }
    }
    const images = dict ? dict.images : inputs;
    let labels = dict?.labels;
    let { x, batched } = this.toNHWC(images);
    if (args.training && batched && x.shape[0] > 1) {
      const n = x.shape[0];
      const mix = this.getRandomTransformation(n, x.shape[1], x.shape[2]);
      if (labels !== undefined && (labels.rank < 1 || labels.shape[0] !== n)) {
        throw new Error(`Layer "${this.name}" (${this.className}) needs one row of labels per image: ${n} images, labels of shape ${JSON.stringify(labels.shape)}`);
      }
      const order = tensor(Int32Array.from(mix.permutation), [n], 'int32');
      x = this.mixImages(x, gather(x, order), mix);
      if (labels !== undefined) {
        const l = labels.dtype === 'float32' ? labels : cast(labels, 'float32');
        const w = tensor(Float32Array.from(mix.labelWeights), [n, ...new Array<number>(l.rank - 1).fill(1)]);
        labels = add(mul(w, l), mul(sub(1, w), gather(l, order)));
      }
    }
    const out = this.fromNHWC(x, batched);
    if (!dict) return out;
    return (labels === undefined ? { images: out } : { images: out, labels }) as unknown as Tensor;
  }
}

export interface MixUpArgs extends LayerArgs {
  /** The Beta(alpha, alpha) distribution's parameter that the mixing weight is drawn from (default 0.2). */
  alpha?: number;
  seed?: number;
  dataFormat?: DataFormatArg;
}

/**
 * MixUp in training (Keras 3's MixUp): one weight w ~ Beta(alpha, alpha) per batch and a random permutation p;
 * images become w x + (1 - w) x[p], and labels (given as { images, labels }) w y + (1 - w) y[p].
 */
export class MixUp extends BatchMixLayer {
  readonly alpha: number;

  constructor(alpha?: MixUpArgs | number, options?: Partial<MixUpArgs>) {
    const args = positionalArgs<MixUpArgs>('MixUp', [alpha, options], ['alpha']);
    super(args);
    this.alpha = positiveNumber(args.alpha ?? 0.2, 'MixUp', 'alpha');
  }

  /** The permutation and the weight (the same for every image) of a batch of n. */
  getRandomTransformation(n: number): BatchMix {
    const g = this.stream();
    const order = permutation(n, g);
    const weight = betaDraw(this.alpha, this.alpha, g);
    return { permutation: order, labelWeights: new Array<number>(n).fill(weight) };
  }

  protected mixImages(x: Tensor, partners: Tensor, mix: BatchMix): Tensor {
    const w = mix.labelWeights[0];
    return add(mul(x, w), mul(partners, 1 - w));
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}

export interface CutMixArgs extends LayerArgs {
  /**
   * f or [lower, upper] in [0, 1] (default 1; a single f means [0, f]): a batch draws alpha uniform in the range
   * (+1e-6), and each image a weight from Beta(alpha, alpha) that sets its patch's size.
   */
  factor?: number | [number, number];
  seed?: number;
  dataFormat?: DataFormatArg;
}

/**
 * CutMix in training (Keras 3's CutMix): each image i draws w ~ Beta(alpha, alpha); a patch of sides
 * sqrt(1 - w) of the image's, placed uniformly, is pasted from image p[i] of a random permutation p; labels (given as
 * { images, labels }) become v y + (1 - v) y[p] with v = 1 - the patch's area / the image's.
 */
export class CutMix extends BatchMixLayer {
  readonly factor: [number, number];

  constructor(factor?: CutMixArgs | CutMixArgs['factor'], options?: Partial<CutMixArgs>) {
    const args = positionalArgs<CutMixArgs>('CutMix', [factor, options], ['factor']);
    super(args);
    this.factor = kerasFactor(args.factor ?? 1, [0, 1], 'CutMix');
  }

  /** The permutation, each image's patch (fractional pixel bounds) and label weight, for n images of h x w. */
  getRandomTransformation(n: number, h: number, w: number): BatchMix {
    const g = this.stream();
    const alpha = this.factor[0] + (this.factor[1] - this.factor[0]) * g.uniform() + 1e-6;
    const ratio = Array.from({ length: n }, () => Math.sqrt(1 - betaDraw(alpha, alpha, g)));
    const bounds = (size: number) => ratio.map((r) => {
      const length = r * size;
      const start = g.uniform() * (size - length);
      return [start, start + length];
    });
    const xs = bounds(w);
    const ys = bounds(h);
    const boxes = xs.map(([x0, x1], i) => ({ x0, x1, y0: ys[i][0], y1: ys[i][1] }));
    const labelWeights = boxes.map((b) => 1 - ((b.x1 - b.x0) * (b.y1 - b.y0)) / (w * h));
    return { permutation: permutation(n, g), boxes, labelWeights };
  }

  protected mixImages(x: Tensor, partners: Tensor, mix: BatchMix): Tensor {
    const [n, h, w] = x.shape;
    const mask = boxMask(mix.boxes ?? [], new Array<boolean>(n).fill(true), h, w);
    return where(tensor(mask, [n, h, w, 1]), partners, x);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), factor: this.factor.slice() };
  }
}
