// Conv1D, Conv2D (grouped too), Conv3D, Conv1DTranspose, Conv2DTranspose, DepthwiseConv2D and SeparableConv2D on
// channels-last input.
import { getActivation, type Activation as ActivationFunction, type ActivationIdentifier } from '../activations.js';
import { serializeInitializer, type InitializerIdentifier } from '../initializers.js';
import { conv2dBf16Fused, conv2dBfloat16Pays, conv2dFused, conv2dGeometry, conv2dTransposeFused, conv3dFused, conv3dTransposeFused, depthwiseConv2dFused, groupedConv2dFused, transposeOutputLength, type Conv2dCall } from '../ops/conv.js';
import { checkPadding, outputSize, pair, triple, type Padding } from '../ops/window.js';
import { serializeRegularizer, type RegularizerIdentifier } from '../regularizers.js';
import { pad, reshape } from '../ops/shape.js';
import type { Tensor, Variable } from '../tensor.js';
import { activate, channelsLastOnly, filterLayerArgs, invalid, KernelLayer, positiveInt, single, singleShape, windowPadding, type KernelLayerArgs } from './core.js';
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

/** Keras's `groups`: a positive integer that divides `filters`. */
function checkGroups(v: unknown, filters: number, cls: string): number {
  const groups = positiveInt(v ?? 1, cls, 'groups');
  if (filters % groups !== 0) {
    throw new Error(`${cls}: the number of filters must be evenly divisible by the number of groups. Received: groups=${groups}, filters=${filters}`);
  }
  return groups;
}

/** build()'s check that the input channels split into `groups` equal slices. */
function checkGroupChannels(layer: Layer, groups: number, channels: number, shape: Shape): void {
  if (channels % groups !== 0) {
    throw new Error(`Input 0 of layer "${layer.name}" is incompatible with the layer: the number of input channels must be evenly divisible by the number of groups. Received groups=${groups}, but the input has ${channels} channels (full input shape is ${JSON.stringify(shape)})`);
  }
}

/**
 * 2-D convolution: output = activation(conv2d(inputs, kernel) + bias), inputs [batch, height, width, channels],
 * kernel [kh, kw, channels / groups, filters]. With groups > 1, channel slice g (of channels / groups) is convolved
 * with filters g * filters / groups .. (g + 1) * filters / groups - 1 only.
 */
export class Conv2D extends KernelLayer {
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly dilationRate: [number, number];
  readonly groups: number;

  constructor(filters: number | Conv2DArgs, kernelSize?: number | [number, number] | Conv2DArgs, args: Conv2DArgs = {}) {
    const a = filterLayerArgs<Conv2DArgs>(filters, kernelSize, args);
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
    channelsLastOnly(a.dataFormat, 'Conv2D');
    this.groups = checkGroups(a.groups, this.filters, 'Conv2D');
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
    checkGroupChannels(this, this.groups, channels, s);
    this.addKernelAndBias([this.kernelSize[0], this.kernelSize[1], channels / this.groups, this.filters], this.filters);
    this.inputSpec = { ndim: 4, axes: { [-1]: channels } };
    super.build(inputShape);
  }

  /**
   * The op call this layer makes, its activation fused; null before build, when the activation is not one
   * elementwise map (it then runs after the convolution), or when the convolution is grouped (several op calls).
   */
  convolution(): Conv2dCall | null {
    const u = this.activation.unary;
    if (!this.kernel || !u || this.groups !== 1) return null;
    return {
      kernel: this.kernel, bias: this.bias, strides: this.strides, padding: this.padding, dilations: this.dilationRate,
      activation: u.op, alpha: u.alpha, op: `conv2d (layer "${this.name}")`,
    };
  }

  /**
   * Whether this layer's convolution on inputs of `inputShape` ([batch, h, w, c]) runs in bfloat16: its policy says
   * so, the CPU can, and the shape gains from it (conv2dBfloat16Pays). Only ungrouped convolutions do.
   */
  bfloat16Convolution(inputShape: readonly (number | null)[]): boolean {
    if (!this.kernel || this.groups !== 1 || !this.computesInBfloat16()) return false;
    const shape = inputShape.map((d) => d ?? 32);
    return conv2dBfloat16Pays(conv2dGeometry(shape, this.kernel.shape, this.strides, this.padding, this.dilationRate, this.name).native);
  }

  call(inputs: LayerInput): Tensor {
    const x = single(inputs, this);
    const c = this.convolution();
    if (c && this.bfloat16Convolution(x.shape)) {
      return conv2dBf16Fused(x, c.kernel, c.bias, c.strides, c.padding, c.dilations, c.activation, c.alpha, c.op);
    }
    if (c) return conv2dFused(x, c.kernel, c.bias, c.strides, c.padding, c.dilations, c.activation, c.alpha, c.op);
    const op = `conv2d (layer "${this.name}")`;
    const u = this.activation.unary;
    if (u) return groupedConv2dFused(x, this.kernel!, this.bias, this.groups, this.strides, this.padding, this.dilationRate, u.op, u.alpha, op);
    return activate(this.activation, groupedConv2dFused(x, this.kernel!, this.bias, this.groups, this.strides, this.padding, this.dilationRate, undefined, 0, op));
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
    return {
      ...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, padding: this.padding,
      dilationRate: this.dilationRate,
      // TF.js has no groups; written only when it is not the default, so TF.js reads every ungrouped config.
      ...(this.groups !== 1 ? { groups: this.groups } : {}),
    };
  }

  protected override optionsOutsideConfig(): string[] {
    return ['groups'];
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
  groups?: number;
}

/** A 1-D layer's size argument: a positive integer, or a list of one (Keras's tuple form). */
export function single1d(v: unknown, cls: string, arg: string): number {
  const x = Array.isArray(v) && v.length === 1 ? v[0] : v;
  if (typeof x !== 'number' || !Number.isInteger(x) || x <= 0) throw invalid(cls, arg, 'a positive integer (or a list of one)', v);
  return x;
}

/**
 * 1-D convolution over sequences [batch, steps, channels] with a kernel [kernelSize, channels / groups, filters],
 * run as a 2-D convolution of height 1 on the same native kernels.
 */
export class Conv1D extends KernelLayer {
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: Padding | 'causal';
  readonly dilationRate: number;
  readonly groups: number;

  constructor(filters: number | Conv1DArgs, kernelSize?: number | [number] | Conv1DArgs, args: Conv1DArgs = {}) {
    const a = filterLayerArgs<Conv1DArgs>(filters, kernelSize, args);
    super(a);
    this.filters = positiveInt(a.filters, 'Conv1D', 'filters');
    this.kernelSize = single1d(a.kernelSize, 'Conv1D', 'kernelSize');
    this.strides = single1d(a.strides ?? 1, 'Conv1D', 'strides');
    this.dilationRate = single1d(a.dilationRate ?? 1, 'Conv1D', 'dilationRate');
    const p = a.padding ?? 'valid';
    if (p !== 'valid' && p !== 'same' && p !== 'causal') throw invalid('Conv1D', 'padding', "'valid', 'same' or 'causal'", a.padding);
    this.padding = p;
    channelsLastOnly(a.dataFormat, 'Conv1D');
    this.groups = checkGroups(a.groups, this.filters, 'Conv1D');
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
    checkGroupChannels(this, this.groups, channels, s);
    this.addKernelAndBias([this.kernelSize, channels / this.groups, this.filters], this.filters);
    this.inputSpec = { ndim: 3, axes: { [-1]: channels } };
    super.build(inputShape);
  }

  call(inputs: LayerInput): Tensor {
    let x = single(inputs, this);
    // Checked here in the layer's own terms: the 2-D op below would report a 1 x k kernel on a [n, 1, steps, c] input.
    this.computeOutputShape(x.shape);
    const op = `conv1d (layer "${this.name}")`;
    const padding: Padding = this.padding === 'causal' ? 'valid' : this.padding;
    if (this.padding === 'causal') x = pad(x, [[0, 0], [this.dilationRate * (this.kernelSize - 1), 0], [0, 0]]);
    const [n, steps, channels] = x.shape;
    const x4 = reshape(x, [n, 1, steps, channels]);
    const k4 = reshape(this.kernel!, [1, this.kernelSize, channels / this.groups, this.filters]);
    const act = this.activation;
    const g = this.groups;
    const y4 = act.unary
      ? groupedConv2dFused(x4, k4, this.bias, g, [1, this.strides], padding, [1, this.dilationRate], act.unary.op, act.unary.alpha, op)
      : activate(act, groupedConv2dFused(x4, k4, this.bias, g, [1, this.strides], padding, [1, this.dilationRate], undefined, 0, op));
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
    return {
      ...super.getConfig(), filters: this.filters, kernelSize: [this.kernelSize], strides: [this.strides], padding: this.padding,
      dilationRate: [this.dilationRate], ...(this.groups !== 1 ? { groups: this.groups } : {}),
    };
  }

  protected override optionsOutsideConfig(): string[] {
    return ['groups'];
  }
}

export interface Conv3DArgs extends KernelLayerArgs {
  filters?: number;
  kernelSize?: number | [number, number, number];
  strides?: number | [number, number, number];
  padding?: Padding;
  dataFormat?: 'channels_last' | 'channelsLast';
  dilationRate?: number | [number, number, number];
  /** Only 1 (Keras's default) is supported for Conv3D. */
  groups?: number;
}

function spatialTriple(v: unknown, cls: string, arg: string): [number, number, number] {
  try {
    return triple(v as number | number[], arg, cls);
  } catch {
    throw invalid(cls, arg, 'a positive integer or a list of three positive integers', v);
  }
}

/** Conv3D's and Conv3DTranspose's filters and per-axis window, strides and dilation. */
function volumeWindow(a: Conv3DArgs | Conv3DTransposeArgs, cls: string) {
  const filters = positiveInt(a.filters, cls, 'filters');
  if (a.kernelSize === undefined) throw invalid(cls, 'kernelSize', 'a positive integer or a list of three positive integers', a.kernelSize);
  return {
    filters, kernelSize: spatialTriple(a.kernelSize, cls, 'kernelSize'), strides: spatialTriple(a.strides ?? 1, cls, 'strides'),
    dilationRate: spatialTriple(a.dilationRate ?? 1, cls, 'dilationRate'),
  };
}

/**
 * 3-D convolution over volumes (video, scans): output = activation(conv3d(inputs, kernel) + bias), inputs
 * [batch, depth, height, width, channels], kernel [kd, kh, kw, channels, filters], output [batch, od, oh, ow, filters].
 */
export class Conv3D extends KernelLayer {
  readonly filters: number;
  readonly kernelSize: [number, number, number];
  readonly strides: [number, number, number];
  readonly padding: Padding;
  readonly dilationRate: [number, number, number];

  constructor(filters: number | Conv3DArgs, kernelSize?: number | [number, number, number] | Conv3DArgs, args: Conv3DArgs = {}) {
    const a = filterLayerArgs<Conv3DArgs>(filters, kernelSize, args);
    super(a);
    const cls = 'Conv3D';
    ({ filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, dilationRate: this.dilationRate } = volumeWindow(a, cls));
    this.padding = windowPadding(a.padding, cls);
    channelsLastOnly(a.dataFormat, cls);
    if (a.groups !== undefined && a.groups !== null && a.groups !== 1) throw invalid(cls, 'groups', '1 (grouped 3-D convolution is not supported)', a.groups);
    if (this.strides.some((v) => v > 1) && this.dilationRate.some((v) => v > 1)) {
      throw new Error(`${cls}: strides > 1 are not compatible with dilationRate > 1. Received: strides=${JSON.stringify(this.strides)} and dilationRate=${JSON.stringify(this.dilationRate)}`);
    }
    this.inputSpec = { ndim: 5 };
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = singleShape(inputShape, this);
    const channels = s[s.length - 1];
    if (s.length !== 5 || channels === null) {
      throw new Error(`Input 0 of layer "${this.name}" is incompatible with the layer: expected ndim=5 [batch, depth, height, width, channels] with a known channel axis, received shape ${JSON.stringify(s)}`);
    }
    this.addKernelAndBias([...this.kernelSize, channels, this.filters], this.filters);
    this.inputSpec = { ndim: 5, axes: { [-1]: channels } };
    super.build(inputShape);
  }

  call(inputs: LayerInput): Tensor {
    const x = single(inputs, this);
    const op = `conv3d (layer "${this.name}")`;
    const u = this.activation.unary;
    if (u) return conv3dFused(x, this.kernel!, this.bias, this.strides, this.padding, this.dilationRate, u.op, u.alpha, op);
    return activate(this.activation, conv3dFused(x, this.kernel!, this.bias, this.strides, this.padding, this.dilationRate, undefined, 0, op));
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this);
    const dims = [1, 2, 3].map((axis, i) => {
      const d = s[axis];
      return d === null ? null : outputSize(d, this.kernelSize[i], this.strides[i], this.dilationRate[i], this.padding)[0];
    });
    if (dims.some((d) => d === 0)) {
      throw new Error(`Layer "${this.name}": the ${this.kernelSize.join('x')} kernel does not fit its input of shape ${JSON.stringify(s)} with '${this.padding}' padding`);
    }
    return [s[0], ...dims, this.filters];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, padding: this.padding,
      dataFormat: 'channels_last', dilationRate: this.dilationRate,
    };
  }
}

export interface Conv2DTransposeArgs extends KernelLayerArgs {
  filters?: number;
  kernelSize?: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding;
  /** Extra rows/columns at the end of the output (each below its stride); null (default): Keras's size rule. */
  outputPadding?: number | [number, number] | null;
  dataFormat?: 'channels_last' | 'channelsLast';
  dilationRate?: number | [number, number];
}

export interface Conv1DTransposeArgs extends KernelLayerArgs {
  filters?: number;
  kernelSize?: number | [number];
  strides?: number | [number];
  padding?: Padding;
  outputPadding?: number | [number] | null;
  dataFormat?: 'channels_last' | 'channelsLast';
  dilationRate?: number | [number];
}

/** The checks the transposed convolutions share, on per-axis values. */
function transposeOptions(cls: string, a: Conv2DTransposeArgs | Conv1DTransposeArgs | Conv3DTransposeArgs, strides: number[], dilations: number[], outputPadding: number[] | null): Padding {
  const padding = windowPadding(a.padding, cls);
  channelsLastOnly(a.dataFormat, cls);
  if (strides.some((v) => v > 1) && dilations.some((v) => v > 1)) {
    throw new Error(`${cls}: strides > 1 are not compatible with dilationRate > 1. Received: strides=${JSON.stringify(strides)} and dilationRate=${JSON.stringify(dilations)}`);
  }
  if (outputPadding && outputPadding.some((p, i) => p >= strides[i])) {
    throw new Error(`${cls}: strides must be greater than output padding. Received strides=${JSON.stringify(strides)}, outputPadding=${JSON.stringify(outputPadding)}`);
  }
  return padding;
}

/** outputPadding: null, or a non-negative integer (or a list of `n` of them) per spatial axis. */
function outputPaddingOf(v: unknown, n: number, cls: string): number[] | null {
  if (v === undefined || v === null) return null;
  const list = Array.isArray(v) ? v : Array(n).fill(v);
  if (list.length !== n || list.some((p) => typeof p !== 'number' || !Number.isInteger(p) || p < 0)) {
    throw invalid(cls, 'outputPadding', `null, a non-negative integer or a list of ${n} of them`, v);
  }
  return list as number[];
}

/**
 * Transposed 2-D convolution ("deconvolution"), the gradient of a Conv2D with respect to its input, used to upsample:
 * output = activation(conv2dTranspose(inputs, kernel) + bias), inputs [batch, height, width, channels], kernel
 * [kh, kw, filters, channels] (Keras's layout: the forward convolution's [kh, kw, in, out] seen from the output),
 * output [batch, oh, ow, filters] with Keras's sizes: height * stride for 'same', height * stride + max(kh - stride, 0)
 * for 'valid' (dilated kh), or with outputPadding p: (height - 1) * stride + kh - 2 * pad + p (pad kh // 2 for 'same').
 */
export class Conv2DTranspose extends KernelLayer {
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly outputPadding: [number, number] | null;
  readonly dilationRate: [number, number];

  constructor(filters: number | Conv2DTransposeArgs, kernelSize?: number | [number, number] | Conv2DTransposeArgs, args: Conv2DTransposeArgs = {}) {
    const a = filterLayerArgs<Conv2DTransposeArgs>(filters, kernelSize, args);
    super(a);
    const cls = 'Conv2DTranspose';
    this.filters = positiveInt(a.filters, cls, 'filters');
    if (a.kernelSize === undefined) throw invalid(cls, 'kernelSize', 'a positive integer or a pair of positive integers', a.kernelSize);
    this.kernelSize = spatialPair(a.kernelSize, cls, 'kernelSize');
    this.strides = spatialPair(a.strides ?? 1, cls, 'strides');
    this.dilationRate = spatialPair(a.dilationRate ?? 1, cls, 'dilationRate');
    this.outputPadding = outputPaddingOf(a.outputPadding, 2, cls) as [number, number] | null;
    this.padding = transposeOptions(cls, a, this.strides, this.dilationRate, this.outputPadding);
    this.inputSpec = { ndim: 4 };
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = singleShape(inputShape, this);
    const channels = s[s.length - 1];
    if (s.length !== 4 || channels === null) {
      throw new Error(`Input 0 of layer "${this.name}" is incompatible with the layer: expected ndim=4 [batch, height, width, channels] with a known channel axis, received shape ${JSON.stringify(s)}`);
    }
    this.addKernelAndBias([this.kernelSize[0], this.kernelSize[1], this.filters, channels], this.filters);
    this.inputSpec = { ndim: 4, axes: { [-1]: channels } };
    super.build(inputShape);
  }

  /** Keras's output length along spatial axis i. */
  private outputLength(size: number, i: 0 | 1): number {
    return transposeOutputLength(size, this.kernelSize[i], this.strides[i], this.dilationRate[i], this.padding, this.outputPadding ? this.outputPadding[i] : null);
  }

  call(inputs: LayerInput): Tensor {
    const x = single(inputs, this);
    const out: [number, number] = [this.outputLength(x.shape[1], 0), this.outputLength(x.shape[2], 1)];
    const op = `conv2dTranspose (layer "${this.name}")`;
    const u = this.activation.unary;
    if (u) return conv2dTransposeFused(x, this.kernel!, this.bias, out, this.strides, this.padding, this.dilationRate, u.op, u.alpha, op);
    return activate(this.activation, conv2dTransposeFused(x, this.kernel!, this.bias, out, this.strides, this.padding, this.dilationRate, undefined, 0, op));
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this);
    return [s[0], s[1] === null ? null : this.outputLength(s[1], 0), s[2] === null ? null : this.outputLength(s[2], 1), this.filters];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, padding: this.padding,
      outputPadding: this.outputPadding, dataFormat: 'channels_last', dilationRate: this.dilationRate,
    };
  }
}

/**
 * Transposed 1-D convolution over sequences [batch, steps, channels]: kernel [kernelSize, filters, channels], output
 * [batch, outSteps, filters] with Conv2DTranspose's size rule; run as a Conv2DTranspose of height 1.
 */
export class Conv1DTranspose extends KernelLayer {
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: Padding;
  readonly outputPadding: number | null;
  readonly dilationRate: number;

  constructor(filters: number | Conv1DTransposeArgs, kernelSize?: number | [number] | Conv1DTransposeArgs, args: Conv1DTransposeArgs = {}) {
    const a = filterLayerArgs<Conv1DTransposeArgs>(filters, kernelSize, args);
    super(a);
    const cls = 'Conv1DTranspose';
    this.filters = positiveInt(a.filters, cls, 'filters');
    this.kernelSize = single1d(a.kernelSize, cls, 'kernelSize');
    this.strides = single1d(a.strides ?? 1, cls, 'strides');
    this.dilationRate = single1d(a.dilationRate ?? 1, cls, 'dilationRate');
    const p = outputPaddingOf(a.outputPadding, 1, cls);
    this.outputPadding = p ? p[0] : null;
    this.padding = transposeOptions(cls, a, [this.strides], [this.dilationRate], p);
    this.inputSpec = { ndim: 3 };
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = singleShape(inputShape, this);
    const channels = s[2];
    if (s.length !== 3 || channels === null) {
      throw new Error(`Input 0 of layer "${this.name}" is incompatible with the layer: expected ndim=3 [batch, steps, channels] with known channels, found shape=${JSON.stringify(s)}`);
    }
    this.addKernelAndBias([this.kernelSize, this.filters, channels], this.filters);
    this.inputSpec = { ndim: 3, axes: { [-1]: channels } };
    super.build(inputShape);
  }

  private outputLength(steps: number): number {
    return transposeOutputLength(steps, this.kernelSize, this.strides, this.dilationRate, this.padding, this.outputPadding);
  }

  call(inputs: LayerInput): Tensor {
    const x = single(inputs, this);
    const [n, steps, channels] = x.shape;
    const out: [number, number] = [1, this.outputLength(steps)];
    const x4 = reshape(x, [n, 1, steps, channels]);
    const k4 = reshape(this.kernel!, [1, this.kernelSize, this.filters, channels]);
    const op = `conv1dTranspose (layer "${this.name}")`;
    const u = this.activation.unary;
    const y4 = u
      ? conv2dTransposeFused(x4, k4, this.bias, out, [1, this.strides], this.padding, [1, this.dilationRate], u.op, u.alpha, op)
      : activate(this.activation, conv2dTransposeFused(x4, k4, this.bias, out, [1, this.strides], this.padding, [1, this.dilationRate], undefined, 0, op));
    return reshape(y4, [n, out[1], this.filters]);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this);
    return [s[0], s[1] === null ? null : this.outputLength(s[1]), this.filters];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), filters: this.filters, kernelSize: [this.kernelSize], strides: [this.strides], padding: this.padding,
      outputPadding: this.outputPadding === null ? null : [this.outputPadding], dataFormat: 'channels_last', dilationRate: [this.dilationRate],
    };
  }
}

export interface Conv3DTransposeArgs extends KernelLayerArgs {
  filters?: number;
  kernelSize?: number | [number, number, number];
  strides?: number | [number, number, number];
  padding?: Padding;
  outputPadding?: number | [number, number, number] | null;
  dataFormat?: 'channels_last' | 'channelsLast';
  dilationRate?: number | [number, number, number];
}

/**
 * Transposed 3-D convolution, upsampling volumes [batch, depth, height, width, channels]: kernel [kd, kh, kw, filters,
 * channels], output [batch, od, oh, ow, filters] with Conv2DTranspose's size rule on each axis.
 */
export class Conv3DTranspose extends KernelLayer {
  readonly filters: number;
  readonly kernelSize: [number, number, number];
  readonly strides: [number, number, number];
  readonly padding: Padding;
  readonly outputPadding: [number, number, number] | null;
  readonly dilationRate: [number, number, number];

  constructor(filters: number | Conv3DTransposeArgs, kernelSize?: number | [number, number, number] | Conv3DTransposeArgs, args: Conv3DTransposeArgs = {}) {
    const a = filterLayerArgs<Conv3DTransposeArgs>(filters, kernelSize, args);
    super(a);
    const cls = 'Conv3DTranspose';
    ({ filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, dilationRate: this.dilationRate } = volumeWindow(a, cls));
    this.outputPadding = outputPaddingOf(a.outputPadding, 3, cls) as [number, number, number] | null;
    this.padding = transposeOptions(cls, a, this.strides, this.dilationRate, this.outputPadding);
    this.inputSpec = { ndim: 5 };
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = singleShape(inputShape, this);
    const channels = s[s.length - 1];
    if (s.length !== 5 || channels === null) {
      throw new Error(`Input 0 of layer "${this.name}" is incompatible with the layer: expected ndim=5 [batch, depth, height, width, channels] with a known channel axis, received shape ${JSON.stringify(s)}`);
    }
    this.addKernelAndBias([...this.kernelSize, this.filters, channels], this.filters);
    this.inputSpec = { ndim: 5, axes: { [-1]: channels } };
    super.build(inputShape);
  }

  /** Keras's output length along spatial axis i. */
  private outputLength(size: number, i: number): number {
    return transposeOutputLength(size, this.kernelSize[i], this.strides[i], this.dilationRate[i], this.padding, this.outputPadding ? this.outputPadding[i] : null);
  }

  call(inputs: LayerInput): Tensor {
    const x = single(inputs, this);
    const out: [number, number, number] = [this.outputLength(x.shape[1], 0), this.outputLength(x.shape[2], 1), this.outputLength(x.shape[3], 2)];
    const op = `conv3dTranspose (layer "${this.name}")`;
    const u = this.activation.unary;
    if (u) return conv3dTransposeFused(x, this.kernel!, this.bias, out, this.strides, this.padding, this.dilationRate, u.op, u.alpha, op);
    return activate(this.activation, conv3dTransposeFused(x, this.kernel!, this.bias, out, this.strides, this.padding, this.dilationRate, undefined, 0, op));
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this);
    return [s[0], ...[1, 2, 3].map((axis, i) => (s[axis] === null ? null : this.outputLength(s[axis] as number, i))), this.filters];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, padding: this.padding,
      outputPadding: this.outputPadding, dataFormat: 'channels_last', dilationRate: this.dilationRate,
    };
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
  const padding = windowPadding(a.padding, cls);
  channelsLastOnly(a.dataFormat, cls);
  if ((strides[0] > 1 || strides[1] > 1) && (dilationRate[0] > 1 || dilationRate[1] > 1)) {
    throw new Error(`${cls}: strides > 1 are not compatible with dilationRate > 1. Received: strides=${JSON.stringify(strides)} and dilationRate=${JSON.stringify(dilationRate)}`);
  }
  for (const k of ['depthwiseConstraint', 'pointwiseConstraint', 'biasConstraint'] as const) {
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
    const a = filterLayerArgs<SeparableConv2DArgs>(filters, kernelSize, args);
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
