// Conv1D, Conv2D, DepthwiseConv2D and SeparableConv2D on channels-last input.
import { getActivation, type Activation as ActivationFunction, type ActivationIdentifier } from '../activations.js';
import { serializeInitializer, type InitializerIdentifier } from '../initializers.js';
import { conv2dFused, depthwiseConv2dFused, type Conv2dCall } from '../ops/conv.js';
import { checkPadding, outputSize, pair, type Padding } from '../ops/window.js';
import { serializeRegularizer, type RegularizerIdentifier } from '../regularizers.js';
import { pad, reshape } from '../ops/shape.js';
import type { Tensor, Variable } from '../tensor.js';
import { activate, invalid, KernelLayer, positiveInt, single, singleShape, type KernelLayerArgs } from './core.js';
import { Layer, type LayerArgs, type LayerInput, type Shape } from './layer.js';

export interface Conv2DArgs extends KernelLayerArgs {
  filters?: number;
  kernelSize?: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding;
  dataFormat?: 'channels_last' | 'channelsLast';
  dilationRate?: number | [number, number];
  groups?: number;
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
export class Conv2D extends KernelLayer {
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly dilationRate: [number, number];

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
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = singleShape(inputShape, this);
    const channels = s[s.length - 1];
    if (s.length !== 4 || channels === null) {
      throw new Error(`Input 0 of layer "${this.name}" is incompatible with the layer: expected ndim=4 with a known channel axis, received shape ${JSON.stringify(s)}`);
    }
    this.addKernelAndBias([this.kernelSize[0], this.kernelSize[1], channels, this.filters], this.filters);
    this.inputSpec = { ndim: 4, axes: { [-1]: channels } };
    super.build(inputShape);
  }

  /**
   * The op call this layer makes, its activation fused; null before build, or when the activation is not one
   * elementwise map (it then runs after the convolution).
   */
  convolution(): Conv2dCall | null {
    const u = this.activation.unary;
    if (!this.kernel || !u) return null;
    return {
      kernel: this.kernel, bias: this.bias, strides: this.strides, padding: this.padding, dilations: this.dilationRate,
      activation: u.op, alpha: u.alpha, op: `conv2d (layer "${this.name}")`,
    };
  }

  call(inputs: LayerInput): Tensor {
    const x = single(inputs, this);
    const c = this.convolution();
    if (c) return conv2dFused(x, c.kernel, c.bias, c.strides, c.padding, c.dilations, c.activation, c.alpha, c.op);
    const op = `conv2d (layer "${this.name}")`;
    return activate(this.activation, conv2dFused(x, this.kernel!, this.bias, this.strides, this.padding, this.dilationRate, undefined, 0, op));
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

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, padding: this.padding, dilationRate: this.dilationRate };
  }
}

export interface Conv1DArgs extends KernelLayerArgs {
  filters?: number;
  kernelSize?: number | [number];
  strides?: number | [number];
  /** 'causal' pads only the start, so output t sees inputs up to t (WaveNet-style audio and sequence models). */
  padding?: Padding | 'causal';
  dataFormat?: 'channels_last' | 'channelsLast';
  dilationRate?: number | [number];
}

/** A 1-D layer's size argument: a positive integer, or a list of one (Keras's tuple form). */
export function single1d(v: unknown, cls: string, arg: string): number {
  const x = Array.isArray(v) && v.length === 1 ? v[0] : v;
  if (typeof x !== 'number' || !Number.isInteger(x) || x <= 0) throw invalid(cls, arg, 'a positive integer (or a list of one)', v);
  return x;
}

/**
 * 1-D convolution over sequences [batch, steps, channels] with a kernel [kernelSize, channels, filters], run as a
 * 2-D convolution of height 1 on the same native kernels.
 */
export class Conv1D extends KernelLayer {
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: Padding | 'causal';
  readonly dilationRate: number;

  constructor(filters: number | Conv1DArgs, kernelSize?: number | [number] | Conv1DArgs, args: Conv1DArgs = {}) {
    let a: Conv1DArgs;
    if (typeof filters === 'object') a = filters;
    else if (kernelSize !== undefined && typeof kernelSize === 'object' && !Array.isArray(kernelSize)) a = { ...kernelSize, filters };
    else a = { ...args, filters, kernelSize: kernelSize as number | [number] };
    super(a);
    this.filters = positiveInt(a.filters, 'Conv1D', 'filters');
    this.kernelSize = single1d(a.kernelSize, 'Conv1D', 'kernelSize');
    this.strides = single1d(a.strides ?? 1, 'Conv1D', 'strides');
    this.dilationRate = single1d(a.dilationRate ?? 1, 'Conv1D', 'dilationRate');
    const p = a.padding ?? 'valid';
    if (p !== 'valid' && p !== 'same' && p !== 'causal') throw invalid('Conv1D', 'padding', "'valid', 'same' or 'causal'", a.padding);
    this.padding = p;
    if (a.dataFormat !== undefined && a.dataFormat !== 'channels_last' && a.dataFormat !== 'channelsLast') {
      throw invalid('Conv1D', 'dataFormat', "'channels_last' (channels-first data is not supported)", a.dataFormat);
    }
    if (this.strides > 1 && this.dilationRate > 1) {
      throw new Error(`Conv1D: strides > 1 are not compatible with dilationRate > 1. Received: strides=${this.strides} and dilationRate=${this.dilationRate}`);
    }
    this.inputSpec = { ndim: 3 };
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = singleShape(inputShape, this);
    const channels = s[2];
    if (s.length !== 3 || channels === null) {
      throw new Error(`Input 0 of layer "${this.name}" is incompatible with the layer: expected ndim=3 [batch, steps, channels] with known channels, found shape=${JSON.stringify(s)}`);
    }
    this.addKernelAndBias([this.kernelSize, channels, this.filters], this.filters);
    this.inputSpec = { ndim: 3, axes: { [-1]: channels } };
    super.build(inputShape);
  }

  call(inputs: LayerInput): Tensor {
    let x = single(inputs, this);
    const op = `conv1d (layer "${this.name}")`;
    const padding: Padding = this.padding === 'causal' ? 'valid' : this.padding;
    if (this.padding === 'causal') x = pad(x, [[0, 0], [this.dilationRate * (this.kernelSize - 1), 0], [0, 0]]);
    const [n, steps, channels] = x.shape;
    const x4 = reshape(x, [n, 1, steps, channels]);
    const k4 = reshape(this.kernel!, [1, this.kernelSize, channels, this.filters]);
    const act = this.activation;
    const y4 = act.unary
      ? conv2dFused(x4, k4, this.bias, [1, this.strides], padding, [1, this.dilationRate], act.unary.op, act.unary.alpha, op)
      : activate(act, conv2dFused(x4, k4, this.bias, [1, this.strides], padding, [1, this.dilationRate], undefined, 0, op));
    return reshape(y4, [n, y4.shape[2], this.filters]);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this);
    const steps = s[1];
    let out: number | null = null;
    if (steps !== null) {
      const len = this.padding === 'causal' ? steps + this.dilationRate * (this.kernelSize - 1) : steps;
      out = outputSize(len, this.kernelSize, this.strides, this.dilationRate, this.padding === 'same' ? 'same' : 'valid')[0];
      if (out === 0) throw new Error(`Layer "${this.name}": the kernel of size ${this.kernelSize} does not fit its input of shape ${JSON.stringify(s)} with '${this.padding}' padding`);
    }
    return [s[0], out, this.filters];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), filters: this.filters, kernelSize: [this.kernelSize], strides: [this.strides], padding: this.padding, dilationRate: [this.dilationRate] };
  }
}

export interface DepthwiseConv2DArgs extends LayerArgs {
  kernelSize?: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding;
  /** Filters per input channel: the output has inChannels * depthMultiplier channels. */
  depthMultiplier?: number;
  dataFormat?: 'channels_last' | 'channelsLast';
  dilationRate?: number | [number, number];
  activation?: ActivationIdentifier;
  useBias?: boolean;
  depthwiseInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  depthwiseRegularizer?: RegularizerIdentifier;
  biasRegularizer?: RegularizerIdentifier;
  /** Weight constraints are not supported: only null (as Keras files store "no constraint") is accepted. */
  depthwiseConstraint?: null;
  biasConstraint?: null;
  activityRegularizer?: null;
}

export interface SeparableConv2DArgs extends DepthwiseConv2DArgs {
  filters?: number;
  pointwiseInitializer?: InitializerIdentifier;
  pointwiseRegularizer?: RegularizerIdentifier;
  pointwiseConstraint?: null;
}

/** The options every depthwise-based layer takes, checked with Keras's messages. */
function depthwiseOptions(cls: string, a: SeparableConv2DArgs) {
  if (a.kernelSize === undefined) throw invalid(cls, 'kernelSize', 'a positive integer or a pair of positive integers', a.kernelSize);
  const kernelSize = spatialPair(a.kernelSize, cls, 'kernelSize');
  const strides = spatialPair(a.strides ?? 1, cls, 'strides');
  const dilationRate = spatialPair(a.dilationRate ?? 1, cls, 'dilationRate');
  let padding: Padding;
  try {
    padding = checkPadding(a.padding ?? 'valid', cls);
  } catch {
    throw invalid(cls, 'padding', "'valid' or 'same'", a.padding);
  }
  if (a.dataFormat !== undefined && a.dataFormat !== null && a.dataFormat !== 'channels_last' && a.dataFormat !== 'channelsLast') {
    throw invalid(cls, 'dataFormat', "'channels_last' (channels-first data is not supported)", a.dataFormat);
  }
  if ((strides[0] > 1 || strides[1] > 1) && (dilationRate[0] > 1 || dilationRate[1] > 1)) {
    throw new Error(`${cls}: strides > 1 are not compatible with dilationRate > 1. Received: strides=${JSON.stringify(strides)} and dilationRate=${JSON.stringify(dilationRate)}`);
  }
  for (const k of ['depthwiseConstraint', 'pointwiseConstraint', 'biasConstraint', 'activityRegularizer'] as const) {
    if (a[k] !== undefined && a[k] !== null) throw invalid(cls, k, 'null (not supported by tensornode)', a[k]);
  }
  return {
    kernelSize, strides, dilationRate, padding,
    depthMultiplier: positiveInt(a.depthMultiplier ?? 1, cls, 'depthMultiplier'),
    activation: getActivation(a.activation),
    useBias: a.useBias ?? true,
    depthwiseInitializer: a.depthwiseInitializer ?? 'glorot_uniform',
    biasInitializer: a.biasInitializer ?? 'zeros',
    depthwiseRegularizer: a.depthwiseRegularizer,
    biasRegularizer: a.biasRegularizer,
  };
}

/** Keras's forms: (kernelSize, options), (options), and SeparableConv2D's (filters, kernelSize, options). */
function depthwiseArgs<A extends DepthwiseConv2DArgs>(kernelSize: number | [number, number] | A, args: A): A {
  if (typeof kernelSize === 'object' && !Array.isArray(kernelSize)) return kernelSize;
  return { ...args, kernelSize };
}

/**
 * The part DepthwiseConv2D and SeparableConv2D share: the depthwise kernel [kh, kw, inChannels, depthMultiplier]
 * (weight "depthwise_kernel"), its geometry and its checks.
 */
abstract class DepthwiseBase extends Layer {
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly dilationRate: [number, number];
  readonly depthMultiplier: number;
  readonly activation: ActivationFunction;
  readonly useBias: boolean;
  readonly depthwiseInitializer: InitializerIdentifier;
  readonly biasInitializer: InitializerIdentifier;
  readonly depthwiseRegularizer: RegularizerIdentifier;
  readonly biasRegularizer: RegularizerIdentifier;
  depthwiseKernel: Variable | null = null;
  bias: Variable | null = null;

  constructor(cls: string, a: SeparableConv2DArgs) {
    super(a);
    const o = depthwiseOptions(cls, a);
    this.kernelSize = o.kernelSize;
    this.strides = o.strides;
    this.padding = o.padding;
    this.dilationRate = o.dilationRate;
    this.depthMultiplier = o.depthMultiplier;
    this.activation = o.activation;
    this.useBias = o.useBias;
    this.depthwiseInitializer = o.depthwiseInitializer;
    this.biasInitializer = o.biasInitializer;
    this.depthwiseRegularizer = o.depthwiseRegularizer;
    this.biasRegularizer = o.biasRegularizer;
    this.inputSpec = { ndim: 4 };
  }

  /** Creates the depthwise kernel for `channels` input channels; returns them. */
  protected buildDepthwise(inputShape: Shape | Shape[]): number {
    const s = singleShape(inputShape, this);
    const channels = s[s.length - 1];
    if (s.length !== 4 || channels === null) {
      throw new Error(`Input 0 of layer "${this.name}" is incompatible with the layer: expected ndim=4 [batch, height, width, channels] with a known channel axis, received shape ${JSON.stringify(s)}`);
    }
    this.depthwiseKernel = this.addWeight('depthwise_kernel', {
      shape: [this.kernelSize[0], this.kernelSize[1], channels, this.depthMultiplier],
      initializer: this.depthwiseInitializer, regularizer: this.depthwiseRegularizer,
    });
    this.inputSpec = { ndim: 4, axes: { [-1]: channels } };
    return channels;
  }

  protected spatialOutput(s: Shape): [number | null, number | null] {
    const dim = (d: number | null, i: 0 | 1): number | null =>
      d === null ? null : outputSize(d, this.kernelSize[i], this.strides[i], this.dilationRate[i], this.padding)[0];
    const oh = dim(s[1], 0);
    const ow = dim(s[2], 1);
    if (oh === 0 || ow === 0) {
      throw new Error(`Layer "${this.name}": the ${this.kernelSize[0]}x${this.kernelSize[1]} kernel does not fit its input of shape ${JSON.stringify(s)} with '${this.padding}' padding`);
    }
    return [oh, ow];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), kernelSize: this.kernelSize, strides: this.strides, padding: this.padding,
      dataFormat: 'channels_last', dilationRate: this.dilationRate, depthMultiplier: this.depthMultiplier,
      activation: this.activation.name, useBias: this.useBias,
      depthwiseInitializer: serializeInitializer(this.depthwiseInitializer), biasInitializer: serializeInitializer(this.biasInitializer),
      depthwiseRegularizer: serializeRegularizer(this.depthwiseRegularizer), biasRegularizer: serializeRegularizer(this.biasRegularizer),
    };
  }
}

/**
 * Depthwise 2-D convolution: each input channel c is convolved with its own depthMultiplier filters,
 * output[..., c * depthMultiplier + q] = activation(sum over the window of input[..., c] * depthwise_kernel[i, j, c, q]
 * + bias[c * depthMultiplier + q]); inputs [batch, height, width, channels], depthwise_kernel
 * [kh, kw, channels, depthMultiplier] (Keras's layout), bias [channels * depthMultiplier].
 */
export class DepthwiseConv2D extends DepthwiseBase {
  constructor(kernelSize: number | [number, number] | DepthwiseConv2DArgs, args: DepthwiseConv2DArgs = {}) {
    super('DepthwiseConv2D', depthwiseArgs(kernelSize, args));
  }

  override build(inputShape: Shape | Shape[]): void {
    const channels = this.buildDepthwise(inputShape);
    if (this.useBias) {
      this.bias = this.addWeight('bias', { shape: [channels * this.depthMultiplier], initializer: this.biasInitializer, regularizer: this.biasRegularizer });
    }
    super.build(inputShape);
  }

  call(inputs: LayerInput): Tensor {
    const x = single(inputs, this);
    const act = this.activation;
    const op = `depthwiseConv2d (layer "${this.name}")`;
    if (act.unary) {
      return depthwiseConv2dFused(x, this.depthwiseKernel!, this.bias, this.strides, this.padding, this.dilationRate, act.unary.op, act.unary.alpha, op);
    }
    return activate(act, depthwiseConv2dFused(x, this.depthwiseKernel!, this.bias, this.strides, this.padding, this.dilationRate, undefined, 0, op));
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this);
    const [oh, ow] = this.spatialOutput(s);
    return [s[0], oh, ow, s[3] === null ? null : s[3] * this.depthMultiplier];
  }
}

/**
 * Depthwise separable 2-D convolution: a DepthwiseConv2D without bias or activation, then a 1x1 convolution to
 * `filters` channels with the bias and activation. Weights (Keras's names and layouts): depthwise_kernel
 * [kh, kw, channels, depthMultiplier], pointwise_kernel [1, 1, channels * depthMultiplier, filters], bias [filters].
 */
export class SeparableConv2D extends DepthwiseBase {
  readonly filters: number;
  readonly pointwiseInitializer: InitializerIdentifier;
  readonly pointwiseRegularizer: RegularizerIdentifier;
  pointwiseKernel: Variable | null = null;

  constructor(
    filters: number | SeparableConv2DArgs, kernelSize?: number | [number, number] | SeparableConv2DArgs, args: SeparableConv2DArgs = {},
  ) {
    let a: SeparableConv2DArgs;
    if (typeof filters === 'object') a = filters;
    else if (kernelSize !== undefined && typeof kernelSize === 'object' && !Array.isArray(kernelSize)) a = { ...kernelSize, filters };
    else a = { ...args, filters, kernelSize: kernelSize as number | [number, number] };
    super('SeparableConv2D', a);
    this.filters = positiveInt(a.filters, 'SeparableConv2D', 'filters');
    if (a.pointwiseConstraint !== undefined && a.pointwiseConstraint !== null) {
      throw invalid('SeparableConv2D', 'pointwiseConstraint', 'null (not supported by tensornode)', a.pointwiseConstraint);
    }
    this.pointwiseInitializer = a.pointwiseInitializer ?? 'glorot_uniform';
    this.pointwiseRegularizer = a.pointwiseRegularizer;
  }

  override build(inputShape: Shape | Shape[]): void {
    const channels = this.buildDepthwise(inputShape);
    this.pointwiseKernel = this.addWeight('pointwise_kernel', {
      shape: [1, 1, channels * this.depthMultiplier, this.filters], initializer: this.pointwiseInitializer, regularizer: this.pointwiseRegularizer,
    });
    if (this.useBias) this.bias = this.addWeight('bias', { shape: [this.filters], initializer: this.biasInitializer, regularizer: this.biasRegularizer });
    super.build(inputShape);
  }

  call(inputs: LayerInput): Tensor {
    const x = single(inputs, this);
    const depthwise = depthwiseConv2dFused(x, this.depthwiseKernel!, null, this.strides, this.padding, this.dilationRate, undefined, 0, `depthwiseConv2d (layer "${this.name}")`);
    const act = this.activation;
    const op = `conv2d (layer "${this.name}", pointwise)`;
    if (act.unary) return conv2dFused(depthwise, this.pointwiseKernel!, this.bias, [1, 1], 'valid', [1, 1], act.unary.op, act.unary.alpha, op);
    return activate(act, conv2dFused(depthwise, this.pointwiseKernel!, this.bias, [1, 1], 'valid', [1, 1], undefined, 0, op));
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this);
    const [oh, ow] = this.spatialOutput(s);
    return [s[0], oh, ow, this.filters];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), filters: this.filters,
      pointwiseInitializer: serializeInitializer(this.pointwiseInitializer), pointwiseRegularizer: serializeRegularizer(this.pointwiseRegularizer),
    };
  }
}
