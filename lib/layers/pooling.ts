// Pooling layers on channels-last input.
import { checkPadding, outputSize, type Padding } from '../ops/conv.js';
import { avgPool2d, maxPool2d } from '../ops/pool.js';
import { max, mean } from '../ops/reduce.js';
import type { Tensor } from '../tensor.js';
import { spatialPair } from './convolutional.js';
import { invalid, single, singleShape } from './core.js';
import { Layer, type LayerArgs, type LayerInput, type Shape } from './layer.js';

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
    try {
      this.padding = checkPadding(a.padding ?? 'valid', cls);
    } catch {
      throw invalid(cls, 'padding', "'valid' or 'same'", a.padding);
    }
    if (a.dataFormat !== undefined && a.dataFormat !== 'channels_last' && a.dataFormat !== 'channelsLast') {
      throw invalid(cls, 'dataFormat', "'channels_last'", a.dataFormat);
    }
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

export interface GlobalPooling2DArgs extends LayerArgs {
  keepdims?: boolean;
  dataFormat?: 'channels_last' | 'channelsLast';
}

abstract class GlobalPooling2D extends Layer {
  readonly keepdims: boolean;
  constructor(args: GlobalPooling2DArgs) {
    super(args);
    this.keepdims = args.keepdims ?? false;
    this.inputSpec = { ndim: 4 };
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this);
    return this.keepdims ? [s[0], 1, 1, s[3]] : [s[0], s[3]];
  }
  override getConfig() {
    return { ...super.getConfig(), keepdims: this.keepdims };
  }
}

/** Mean over height and width: [batch, h, w, c] -> [batch, c]. */
export class GlobalAveragePooling2D extends GlobalPooling2D {
  constructor(args: GlobalPooling2DArgs = {}) {
    super(args);
  }
  call(inputs: LayerInput): Tensor {
    return mean(single(inputs, this), [1, 2], this.keepdims);
  }
}

/** Max over height and width: [batch, h, w, c] -> [batch, c]. */
export class GlobalMaxPooling2D extends GlobalPooling2D {
  constructor(args: GlobalPooling2DArgs = {}) {
    super(args);
  }
  call(inputs: LayerInput): Tensor {
    return max(single(inputs, this), [1, 2], this.keepdims);
  }
}
