// Conv2D on channels-last input.
import { getActivation, type Activation as ActivationFunction, type ActivationIdentifier } from '../activations.js';
import { serializeInitializer, type InitializerIdentifier } from '../initializers.js';
import { checkPadding, conv2dFused, outputSize, pair, type Padding } from '../ops/conv.js';
import { serializeRegularizer, type RegularizerIdentifier } from '../regularizers.js';
import type { Tensor, Variable } from '../tensor.js';
import { activate, invalid, positiveInt, single, singleShape } from './core.js';
import { Layer, type LayerArgs, type LayerInput, type Shape } from './layer.js';

export interface Conv2DArgs extends LayerArgs {
  filters?: number;
  kernelSize?: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding;
  dataFormat?: 'channels_last' | 'channelsLast';
  dilationRate?: number | [number, number];
  groups?: number;
  activation?: ActivationIdentifier;
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier;
  biasRegularizer?: RegularizerIdentifier;
}

export function spatialPair(v: unknown, cls: string, arg: string): [number, number] {
  try {
    return pair(v as number | number[], arg, cls);
  } catch {
    throw invalid(cls, arg, 'a positive integer or a pair of positive integers', v);
  }
}

/**
 * 2-D convolution: output = activation(conv2d(inputs, kernel) + bias), inputs [batch, height, width, channels],
 * kernel [kh, kw, channels, filters].
 */
export class Conv2D extends Layer {
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly dilationRate: [number, number];
  readonly activation: ActivationFunction;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerIdentifier;
  readonly biasInitializer: InitializerIdentifier;
  readonly kernelRegularizer: RegularizerIdentifier;
  readonly biasRegularizer: RegularizerIdentifier;
  kernel: Variable | null = null;
  bias: Variable | null = null;

  constructor(filters: number | Conv2DArgs, kernelSize?: number | [number, number] | Conv2DArgs, args: Conv2DArgs = {}) {
    let a: Conv2DArgs;
    if (typeof filters === 'object') a = filters;
    else if (kernelSize !== undefined && typeof kernelSize === 'object' && !Array.isArray(kernelSize)) a = { ...kernelSize, filters };
    else a = { ...args, filters, kernelSize: kernelSize as number | [number, number] };
    super(a);
    this.filters = positiveInt(a.filters, 'Conv2D', 'filters');
    if (a.kernelSize === undefined) throw invalid('Conv2D', 'kernelSize', 'a positive integer or a pair of positive integers', a.kernelSize);
    this.kernelSize = spatialPair(a.kernelSize, 'Conv2D', 'kernelSize');
    this.strides = spatialPair(a.strides ?? 1, 'Conv2D', 'strides');
    this.dilationRate = spatialPair(a.dilationRate ?? 1, 'Conv2D', 'dilationRate');
    try {
      this.padding = checkPadding(a.padding ?? 'valid', 'Conv2D');
    } catch {
      throw invalid('Conv2D', 'padding', "'valid' or 'same'", a.padding);
    }
    if (a.dataFormat !== undefined && a.dataFormat !== 'channels_last' && a.dataFormat !== 'channelsLast') {
      throw invalid('Conv2D', 'dataFormat', "'channels_last' (channels-first data is not supported)", a.dataFormat);
    }
    if (a.groups !== undefined && a.groups !== 1) throw invalid('Conv2D', 'groups', '1 (grouped convolution is not supported)', a.groups);
    if ((this.strides[0] > 1 || this.strides[1] > 1) && (this.dilationRate[0] > 1 || this.dilationRate[1] > 1)) {
      throw new Error(`Conv2D: strides > 1 are not compatible with dilationRate > 1. Received: strides=${JSON.stringify(this.strides)} and dilationRate=${JSON.stringify(this.dilationRate)}`);
    }
    this.activation = getActivation(a.activation);
    this.useBias = a.useBias ?? true;
    this.kernelInitializer = a.kernelInitializer ?? 'glorot_uniform';
    this.biasInitializer = a.biasInitializer ?? 'zeros';
    this.kernelRegularizer = a.kernelRegularizer;
    this.biasRegularizer = a.biasRegularizer;
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = singleShape(inputShape, this);
    const channels = s[s.length - 1];
    if (s.length !== 4 || channels === null) {
      throw new Error(`Input 0 of layer "${this.name}" is incompatible with the layer: expected ndim=4 with a known channel axis, received shape ${JSON.stringify(s)}`);
    }
    this.kernel = this.addWeight('kernel', {
      shape: [this.kernelSize[0], this.kernelSize[1], channels, this.filters],
      initializer: this.kernelInitializer,
      regularizer: this.kernelRegularizer,
    });
    if (this.useBias) this.bias = this.addWeight('bias', { shape: [this.filters], initializer: this.biasInitializer, regularizer: this.biasRegularizer });
    this.inputSpec = { ndim: 4, axes: { [-1]: channels } };
    super.build(inputShape);
  }

  call(inputs: LayerInput): Tensor {
    const x = single(inputs, this);
    const act = this.activation;
    const op = `conv2d (layer "${this.name}")`;
    if (act.unary) {
      return conv2dFused(x, this.kernel!, this.bias, this.strides, this.padding, this.dilationRate, act.unary.op, act.unary.alpha, op);
    }
    return activate(act, conv2dFused(x, this.kernel!, this.bias, this.strides, this.padding, this.dilationRate, undefined, 0, op));
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this);
    const dim = (d: number | null, i: 0 | 1): number | null =>
      d === null ? null : outputSize(d, this.kernelSize[i], this.strides[i], this.dilationRate[i], this.padding)[0];
    const oh = dim(s[1], 0);
    const ow = dim(s[2], 1);
    if (oh === 0 || ow === 0) {
      throw new Error(`Layer "${this.name}": the ${this.kernelSize[0]}x${this.kernelSize[1]} kernel does not fit its input of shape ${JSON.stringify(s)} with '${this.padding}' padding`);
    }
    return [s[0], oh, ow, this.filters];
  }

  override getConfig() {
    return {
      ...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, padding: this.padding,
      dilationRate: this.dilationRate, activation: this.activation.name, useBias: this.useBias,
      kernelInitializer: serializeInitializer(this.kernelInitializer), biasInitializer: serializeInitializer(this.biasInitializer),
      kernelRegularizer: serializeRegularizer(this.kernelRegularizer), biasRegularizer: serializeRegularizer(this.biasRegularizer),
    };
  }
}
