// Pooling layers: windowed pooling on channels-last input; global pooling with the channels last or first.
import { outputSize, triple, type Padding } from '../ops/window.js';
import { avgPool2d, avgPool3d, maxPool2d, maxPool3d } from '../ops/pool.js';
import { div, mul } from '../ops/elementwise.js';
import { max, mean, sum } from '../ops/reduce.js';
import { reshape } from '../ops/shape.js';
import { tensor, type Tensor } from '../tensor.js';
import { single1d, spatialPair } from './convolutional.js';
import { channelsLastOnly, invalid, single, singleShape, windowPadding } from './core.js';
import { Layer, type CallArgs, type LayerArgs, type LayerInput, type Mask, type Shape } from './layer.js';
import { firstMask, maskValues } from './masking.js';

export interface Pooling2DArgs extends LayerArgs {
  poolSize?: number | [number, number];
  strides?: number | [number, number] | null;
  padding?: Padding;
  dataFormat?: 'channels_last' | 'channelsLast';
}

abstract class Pooling2D extends Layer {
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;

  constructor(poolSize: number | [number, number] | Pooling2DArgs | undefined, args: Pooling2DArgs) {
    const a = poolSize !== undefined && typeof poolSize === 'object' && !Array.isArray(poolSize) ? poolSize : { ...args, poolSize: poolSize ?? args.poolSize };
    super(a);
    const cls = new.target.name;
    this.poolSize = spatialPair(a.poolSize ?? 2, cls, 'poolSize');
    this.strides = a.strides === undefined || a.strides === null ? this.poolSize : spatialPair(a.strides, cls, 'strides');
    this.padding = windowPadding(a.padding, cls);
    channelsLastOnly(a.dataFormat, cls);
    this.inputSpec = { ndim: 4 };
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this);
    const dim = (d: number | null, i: 0 | 1) => (d === null ? null : outputSize(d, this.poolSize[i], this.strides[i], 1, this.padding)[0]);
    return [s[0], dim(s[1], 0), dim(s[2], 1), s[3]];
  }

  override getConfig() {
    return { ...super.getConfig(), poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }
}

/** Max over poolSize windows (strides default to poolSize). */
export class MaxPooling2D extends Pooling2D {
  constructor(poolSize?: number | [number, number] | Pooling2DArgs, args: Pooling2DArgs = {}) {
    super(poolSize, args);
  }
  call(inputs: LayerInput): Tensor {
    return maxPool2d(single(inputs, this), this.poolSize, this.strides, this.padding);
  }
}

/** Mean over poolSize windows; with 'same' padding only cells inside the input count. */
export class AveragePooling2D extends Pooling2D {
  constructor(poolSize?: number | [number, number] | Pooling2DArgs, args: Pooling2DArgs = {}) {
    super(poolSize, args);
  }
  call(inputs: LayerInput): Tensor {
    return avgPool2d(single(inputs, this), this.poolSize, this.strides, this.padding);
  }
}

export type DataFormat = 'channels_last' | 'channels_first';

export interface GlobalPooling2DArgs extends LayerArgs {
  /** Keep the pooled axes with size 1 (Keras's keepdims); default false. */
  keepdims?: boolean;
  /**
   * Where the channels are: 'channels_last' (default, [batch, ..., channels]) or 'channels_first'
   * ([batch, channels, ...]); the TF.js spellings 'channelsLast' and 'channelsFirst' are accepted.
   */
  dataFormat?: DataFormat | 'channelsLast' | 'channelsFirst';
}

/** The global-pooling arguments checked once for the 1-D and 2-D layers. */
function globalPoolingArgs(args: GlobalPooling2DArgs, cls: string): { keepdims: boolean; dataFormat: DataFormat } {
  const keepdims = args.keepdims ?? false;
  if (typeof keepdims !== 'boolean') throw invalid(cls, 'keepdims', 'a boolean', keepdims);
  const f = args.dataFormat ?? 'channels_last';
  let dataFormat: DataFormat;
  if (f === 'channels_last' || f === 'channelsLast') dataFormat = 'channels_last';
  else if (f === 'channels_first' || f === 'channelsFirst') dataFormat = 'channels_first';
  else throw invalid(cls, 'dataFormat', "'channels_last' or 'channels_first'", f);
  return { keepdims, dataFormat };
}

/** Global pooling over every axis but batch and channels, with the channels first or last. */
abstract class GlobalPooling extends Layer {
  readonly keepdims: boolean;
  readonly dataFormat: DataFormat;
  /** The pooled axes of the input. */
  protected readonly axes: number[];
  constructor(args: GlobalPooling2DArgs, spatialRank: number) {
    super(args);
    ({ keepdims: this.keepdims, dataFormat: this.dataFormat } = globalPoolingArgs(args, new.target.name));
    const first = this.dataFormat === 'channels_first' ? 2 : 1;
    this.axes = Array.from({ length: spatialRank }, (_, i) => first + i);
    this.inputSpec = { ndim: spatialRank + 2 };
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this);
    const channels = this.dataFormat === 'channels_first' ? s[1] : s[s.length - 1];
    if (!this.keepdims) return [s[0], channels];
    return s.map((d, i) => (this.axes.includes(i) ? 1 : d));
  }
  override getConfig() {
    return { ...super.getConfig(), keepdims: this.keepdims, dataFormat: this.dataFormat };
  }
}

abstract class GlobalPooling2D extends GlobalPooling {
  constructor(args: GlobalPooling2DArgs) {
    super(args, 2);
  }
}

/** Mean over height and width: [batch, h, w, c] -> [batch, c] (channels first: [batch, c, h, w] -> [batch, c]). */
export class GlobalAveragePooling2D extends GlobalPooling2D {
  constructor(args: GlobalPooling2DArgs = {}) {
    super(args);
  }
  call(inputs: LayerInput): Tensor {
    return mean(single(inputs, this), this.axes, this.keepdims);
  }
}

/** Max over height and width: [batch, h, w, c] -> [batch, c] (channels first: [batch, c, h, w] -> [batch, c]). */
export class GlobalMaxPooling2D extends GlobalPooling2D {
  constructor(args: GlobalPooling2DArgs = {}) {
    super(args);
  }
  call(inputs: LayerInput): Tensor {
    return max(single(inputs, this), this.axes, this.keepdims);
  }
}

export interface Pooling1DArgs extends LayerArgs {
  poolSize?: number | [number];
  strides?: number | [number] | null;
  padding?: Padding;
  dataFormat?: 'channels_last' | 'channelsLast';
}

/** Pooling over the steps of [batch, steps, channels], run as 2-D pooling of height 1. */
abstract class Pooling1D extends Layer {
  readonly poolSize: number;
  readonly strides: number;
  readonly padding: Padding;
  constructor(poolSize: number | [number] | Pooling1DArgs | undefined, args: Pooling1DArgs) {
    const a = poolSize !== undefined && typeof poolSize === 'object' && !Array.isArray(poolSize) ? poolSize : { ...args, poolSize: poolSize ?? args.poolSize };
    super(a);
    const cls = new.target.name;
    this.poolSize = single1d(a.poolSize ?? 2, cls, 'poolSize');
    this.strides = a.strides === undefined || a.strides === null ? this.poolSize : single1d(a.strides, cls, 'strides');
    if (a.padding !== undefined && a.padding !== 'valid' && a.padding !== 'same') throw invalid(cls, 'padding', "'valid' or 'same'", a.padding);
    this.padding = a.padding ?? 'valid';
    if (a.dataFormat !== undefined && a.dataFormat !== 'channels_last' && a.dataFormat !== 'channelsLast') throw invalid(cls, 'dataFormat', "'channels_last'", a.dataFormat);
    this.inputSpec = { ndim: 3 };
  }
  protected pool(x: Tensor, isMax: boolean): Tensor {
    const [n, steps, c] = x.shape;
    // Checked here in the layer's own terms: the 2-D op below would name itself and a 1 x k window.
    if (this.padding === 'valid' && steps < this.poolSize) {
      throw new Error(`Layer "${this.name}" (${this.className}): the pool window of ${this.poolSize} steps does not fit its input of ${steps} steps (input shape ${JSON.stringify(x.shape)}) with 'valid' padding`);
    }
    const x4 = reshape(x, [n, 1, steps, c]);
    const y = isMax ? maxPool2d(x4, [1, this.poolSize], [1, this.strides], this.padding) : avgPool2d(x4, [1, this.poolSize], [1, this.strides], this.padding);
    return reshape(y, [n, y.shape[2], c]);
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this);
    return [s[0], s[1] === null ? null : outputSize(s[1], this.poolSize, this.strides, 1, this.padding)[0], s[2]];
  }
  override getConfig() {
    return { ...super.getConfig(), poolSize: [this.poolSize], strides: [this.strides], padding: this.padding };
  }
}

/** Max over windows of poolSize steps (strides default to poolSize). */
export class MaxPooling1D extends Pooling1D {
  constructor(poolSize?: number | [number] | Pooling1DArgs, args: Pooling1DArgs = {}) {
    super(poolSize, args);
  }
  call(inputs: LayerInput): Tensor {
    return this.pool(single(inputs, this), true);
  }
}

/** Mean over windows of poolSize steps; with 'same' padding only steps inside the input count. */
export class AveragePooling1D extends Pooling1D {
  constructor(poolSize?: number | [number] | Pooling1DArgs, args: Pooling1DArgs = {}) {
    super(poolSize, args);
  }
  call(inputs: LayerInput): Tensor {
    return this.pool(single(inputs, this), false);
  }
}

abstract class GlobalPooling1D extends GlobalPooling {
  constructor(args: GlobalPooling2DArgs) {
    super(args, 1);
  }
}

/**
 * Mean over the steps: [batch, steps, channels] -> [batch, channels] (a text classifier's usual pooling);
 * channels first: [batch, channels, steps] -> [batch, channels]. With a mask [batch, steps] the mean is over the
 * unmasked steps only, sum(x * mask) / sum(mask), as Keras's (a sample with every step masked gives NaN there too).
 */
export class GlobalAveragePooling1D extends GlobalPooling1D {
  override supportsMasking = true;
  constructor(args: GlobalPooling2DArgs = {}) {
    super(args);
  }
  call(inputs: LayerInput, args: CallArgs = {}): Tensor {
    const x = single(inputs, this);
    const mask = firstMask(args.mask);
    if (!mask) return mean(x, this.axes, this.keepdims);
    const [batch, steps] = [x.shape[0], x.shape[this.axes[0]]];
    const m = tensor(maskValues(mask, x, this, [batch, steps]), [batch, steps]);
    const m3 = this.dataFormat === 'channels_first' ? reshape(m, [batch, 1, steps]) : reshape(m, [batch, steps, 1]);
    return div(sum(mul(x, m3), this.axes, this.keepdims), sum(m3, this.axes, this.keepdims));
  }
  /** The steps are pooled away, and their mask with them. */
  override computeMask(): Mask {
    return null;
  }
}

/** Max over the steps: [batch, steps, channels] -> [batch, channels] (channels first: [batch, channels, steps]). */
export class GlobalMaxPooling1D extends GlobalPooling1D {
  constructor(args: GlobalPooling2DArgs = {}) {
    super(args);
  }
  call(inputs: LayerInput): Tensor {
    return max(single(inputs, this), this.axes, this.keepdims);
  }
}

export interface Pooling3DArgs extends LayerArgs {
  poolSize?: number | [number, number, number];
  strides?: number | [number, number, number] | null;
  padding?: Padding;
  dataFormat?: 'channels_last' | 'channelsLast';
}

/** Pooling over the depth, height and width of [batch, d, h, w, channels]. */
abstract class Pooling3D extends Layer {
  readonly poolSize: [number, number, number];
  readonly strides: [number, number, number];
  readonly padding: Padding;

  constructor(poolSize: number | [number, number, number] | Pooling3DArgs | undefined, args: Pooling3DArgs) {
    const a = poolSize !== undefined && typeof poolSize === 'object' && !Array.isArray(poolSize) ? poolSize : { ...args, poolSize: poolSize ?? args.poolSize };
    super(a);
    const cls = new.target.name;
    const three = (v: unknown, arg: string): [number, number, number] => {
      try {
        return triple(v as number | number[], arg, cls);
      } catch {
        throw invalid(cls, arg, 'a positive integer or a list of three positive integers', v);
      }
    };
    this.poolSize = three(a.poolSize ?? 2, 'poolSize');
    this.strides = a.strides === undefined || a.strides === null ? this.poolSize : three(a.strides, 'strides');
    this.padding = windowPadding(a.padding, cls);
    channelsLastOnly(a.dataFormat, cls);
    this.inputSpec = { ndim: 5 };
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this);
    const dim = (d: number | null, i: number) => (d === null ? null : outputSize(d, this.poolSize[i], this.strides[i], 1, this.padding)[0]);
    return [s[0], dim(s[1], 0), dim(s[2], 1), dim(s[3], 2), s[4]];
  }

  override getConfig() {
    return { ...super.getConfig(), poolSize: this.poolSize, strides: this.strides, padding: this.padding, dataFormat: 'channels_last' };
  }
}

/** Max over poolSize windows of [batch, d, h, w, channels] (strides default to poolSize). */
export class MaxPooling3D extends Pooling3D {
  constructor(poolSize?: number | [number, number, number] | Pooling3DArgs, args: Pooling3DArgs = {}) {
    super(poolSize, args);
  }
  call(inputs: LayerInput): Tensor {
    return maxPool3d(single(inputs, this), this.poolSize, this.strides, this.padding);
  }
}

/** Mean over poolSize windows of [batch, d, h, w, channels]; with 'same' padding only cells inside the input count. */
export class AveragePooling3D extends Pooling3D {
  constructor(poolSize?: number | [number, number, number] | Pooling3DArgs, args: Pooling3DArgs = {}) {
    super(poolSize, args);
  }
  call(inputs: LayerInput): Tensor {
    return avgPool3d(single(inputs, this), this.poolSize, this.strides, this.padding);
  }
}

/** Mean over depth, height and width: [batch, d, h, w, c] -> [batch, c] (channels first: [batch, c, d, h, w]). */
export class GlobalAveragePooling3D extends GlobalPooling {
  constructor(args: GlobalPooling2DArgs = {}) {
    super(args, 3);
  }
  call(inputs: LayerInput): Tensor {
    return mean(single(inputs, this), this.axes, this.keepdims);
  }
}

/** Max over depth, height and width: [batch, d, h, w, c] -> [batch, c] (channels first: [batch, c, d, h, w]). */
export class GlobalMaxPooling3D extends GlobalPooling {
  constructor(args: GlobalPooling2DArgs = {}) {
    super(args, 3);
  }
  call(inputs: LayerInput): Tensor {
    return max(single(inputs, this), this.axes, this.keepdims);
  }
}
