// DepthwiseConv1D and SeparableConv1D on sequences [batch, steps, channels]: run as their 2-D siblings on an image of
// height 1, so the native depthwise kernel (and its backward passes) serves both. Weights in Keras 3's shapes.
import { getActivation, type Activation as ActivationFunction, type ActivationIdentifier } from '../activations.js';
import { serializeInitializer, type InitializerIdentifier } from '../initializers.js';
import { conv2dFused, depthwiseConv2dFused } from '../ops/conv.js';
import { outputSize, type Padding } from '../ops/window.js';
import { reshape } from '../ops/shape.js';
import { serializeRegularizer, type RegularizerIdentifier } from '../regularizers.js';
import type { Tensor, Variable } from '../tensor.js';
import { single1d } from './convolutional.js';
import { activate, channelsLastOnly, filterLayerArgs, invalid, positiveInt, single, singleShape, windowPadding } from './core.js';
import { Layer, type LayerArgs, type LayerInput, type Shape } from './layer.js';

export interface DepthwiseConv1DArgs extends LayerArgs {
  kernelSize?: number | [number];
  strides?: number | [number];
  padding?: Padding;
  /** Filters per input channel: the output has channels * depthMultiplier channels (default 1). */
  depthMultiplier?: number;
  dataFormat?: 'channels_last' | 'channelsLast';
  dilationRate?: number | [number];
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

export interface SeparableConv1DArgs extends DepthwiseConv1DArgs {
  filters?: number;
  pointwiseInitializer?: InitializerIdentifier;
  pointwiseRegularizer?: RegularizerIdentifier;
  pointwiseConstraint?: null;
}

/**
 * What DepthwiseConv1D and SeparableConv1D share: the depthwise kernel [kernelSize, channels, depthMultiplier]
 * (weight "depthwise_kernel"), the options and the geometry.
 */
abstract class Depthwise1DBase extends Layer {
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: Padding;
  readonly dilationRate: number;
  readonly depthMultiplier: number;
  readonly activation: ActivationFunction;
  readonly useBias: boolean;
  readonly depthwiseInitializer: InitializerIdentifier;
  readonly biasInitializer: InitializerIdentifier;
  readonly depthwiseRegularizer: RegularizerIdentifier;
  readonly biasRegularizer: RegularizerIdentifier;
  depthwiseKernel: Variable | null = null;
  bias: Variable | null = null;

  constructor(cls: string, a: SeparableConv1DArgs) {
    super(a);
    if (a.kernelSize === undefined) throw invalid(cls, 'kernelSize', 'a positive integer (or a list of one)', a.kernelSize);
    this.kernelSize = single1d(a.kernelSize, cls, 'kernelSize');
    this.strides = single1d(a.strides ?? 1, cls, 'strides');
    this.dilationRate = single1d(a.dilationRate ?? 1, cls, 'dilationRate');
    this.padding = windowPadding(a.padding, cls);
    channelsLastOnly(a.dataFormat, cls);
    if (this.strides > 1 && this.dilationRate > 1) {
      throw new Error(`${cls}: strides > 1 are not compatible with dilationRate > 1. Received: strides=${this.strides} and dilationRate=${this.dilationRate}`);
    }
    for (const k of ['depthwiseConstraint', 'pointwiseConstraint', 'biasConstraint'] as const) {
      if (a[k] !== undefined && a[k] !== null) throw invalid(cls, k, 'null (not supported by tensornode)', a[k]);
    }
    this.depthMultiplier = positiveInt(a.depthMultiplier ?? 1, cls, 'depthMultiplier');
    this.activation = getActivation(a.activation);
    this.useBias = a.useBias ?? true;
    if (typeof this.useBias !== 'boolean') throw invalid(cls, 'useBias', 'a boolean', a.useBias);
    this.depthwiseInitializer = a.depthwiseInitializer ?? 'glorot_uniform';
    this.biasInitializer = a.biasInitializer ?? 'zeros';
    this.depthwiseRegularizer = a.depthwiseRegularizer;
    this.biasRegularizer = a.biasRegularizer;
    this.inputSpec = { ndim: 3 };
  }

  /** Creates the depthwise kernel for the input's channels; returns them. */
  protected buildDepthwise(inputShape: Shape | Shape[]): number {
    const s = singleShape(inputShape, this);
    const channels = s[2];
    if (s.length !== 3 || channels === null) {
      throw new Error(`Input 0 of layer "${this.name}" is incompatible with the layer: expected ndim=3 [batch, steps, channels] with known channels, found shape=${JSON.stringify(s)}`);
    }
    this.depthwiseKernel = this.addWeight('depthwise_kernel', {
      shape: [this.kernelSize, channels, this.depthMultiplier], initializer: this.depthwiseInitializer, regularizer: this.depthwiseRegularizer,
    });
    this.inputSpec = { ndim: 3, axes: { [-1]: channels } };
    return channels;
  }

  /** The depthwise step on [n, 1, steps, c], with the bias when `withBias` (DepthwiseConv1D's), fused activation. */
  protected depthwise(x: Tensor, withBias: boolean, activation: ActivationFunction | null): Tensor {
    this.steps(x.shape);
    const [n, steps, channels] = x.shape;
    const x4 = reshape(x, [n, 1, steps, channels]);
    const k4 = reshape(this.depthwiseKernel!, [1, this.kernelSize, channels, this.depthMultiplier]);
    const bias = withBias ? this.bias : null;
    const op = `depthwiseConv1d (layer "${this.name}")`;
    const run = (unary: ActivationFunction['unary'] | undefined) =>
      depthwiseConv2dFused(x4, k4, bias, [1, this.strides], this.padding, [1, this.dilationRate], unary?.op, unary?.alpha ?? 0, op);
    if (!activation) return run(undefined);
    return activation.unary ? run(activation.unary) : activate(activation, run(undefined));
  }

  /** The output length for `shape`'s steps, refusing a kernel that does not fit. */
  protected steps(shape: Shape): number | null {
    const steps = shape[1];
    if (steps === null) return null;
    const out = outputSize(steps, this.kernelSize, this.strides, this.dilationRate, this.padding)[0];
    if (out === 0) throw new Error(`Layer "${this.name}": the kernel of size ${this.kernelSize} does not fit its input of shape ${JSON.stringify(shape)} with '${this.padding}' padding`);
    return out;
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), kernelSize: [this.kernelSize], strides: [this.strides], padding: this.padding,
      dataFormat: 'channels_last', dilationRate: [this.dilationRate], depthMultiplier: this.depthMultiplier,
      activation: this.activation.name, useBias: this.useBias,
      depthwiseInitializer: serializeInitializer(this.depthwiseInitializer), biasInitializer: serializeInitializer(this.biasInitializer),
      depthwiseRegularizer: serializeRegularizer(this.depthwiseRegularizer), biasRegularizer: serializeRegularizer(this.biasRegularizer),
    };
  }
}

/** Keras's forms: (kernelSize, options), (options), and SeparableConv1D's (filters, kernelSize, options). */
function kernelFirst<A extends DepthwiseConv1DArgs>(kernelSize: number | [number] | A, args: A): A {
  if (typeof kernelSize === 'object' && !Array.isArray(kernelSize)) return kernelSize;
  return { ...args, kernelSize };
}

/**
 * Depthwise 1-D convolution: each input channel c is convolved with its own depthMultiplier filters,
 * output[..., c * depthMultiplier + q] = activation(sum over the window of input[..., c] * depthwise_kernel[i, c, q]
 * + bias[c * depthMultiplier + q]); depthwise_kernel [kernelSize, channels, depthMultiplier], bias
 * [channels * depthMultiplier] (Keras 3's layout; Keras 3 names the kernel `kernel`, which loading also accepts).
 */
export class DepthwiseConv1D extends Depthwise1DBase {
  constructor(kernelSize: number | [number] | DepthwiseConv1DArgs, args: DepthwiseConv1DArgs = {}) {
    super('DepthwiseConv1D', kernelFirst(kernelSize, args));
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
    const y4 = this.depthwise(x, true, this.activation);
    return reshape(y4, [y4.shape[0], y4.shape[2], y4.shape[3]]);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this);
    return [s[0], this.steps(s), s[2] === null ? null : s[2] * this.depthMultiplier];
  }
}

/**
 * Depthwise separable 1-D convolution: a DepthwiseConv1D without bias or activation, then a pointwise (size 1)
 * convolution to `filters` channels with the bias and activation. Weights (Keras 3's names and shapes):
 * depthwise_kernel [kernelSize, channels, depthMultiplier], pointwise_kernel [1, channels * depthMultiplier, filters],
 * bias [filters].
 */
export class SeparableConv1D extends Depthwise1DBase {
  readonly filters: number;
  readonly pointwiseInitializer: InitializerIdentifier;
  readonly pointwiseRegularizer: RegularizerIdentifier;
  pointwiseKernel: Variable | null = null;

  constructor(filters: number | SeparableConv1DArgs, kernelSize?: number | [number] | SeparableConv1DArgs, args: SeparableConv1DArgs = {}) {
    const a = filterLayerArgs<SeparableConv1DArgs>(filters, kernelSize, args);
    super('SeparableConv1D', a);
    this.filters = positiveInt(a.filters, 'SeparableConv1D', 'filters');
    this.pointwiseInitializer = a.pointwiseInitializer ?? 'glorot_uniform';
    this.pointwiseRegularizer = a.pointwiseRegularizer;
  }

  override build(inputShape: Shape | Shape[]): void {
    const channels = this.buildDepthwise(inputShape);
    this.pointwiseKernel = this.addWeight('pointwise_kernel', {
      shape: [1, channels * this.depthMultiplier, this.filters], initializer: this.pointwiseInitializer, regularizer: this.pointwiseRegularizer,
    });
    if (this.useBias) this.bias = this.addWeight('bias', { shape: [this.filters], initializer: this.biasInitializer, regularizer: this.biasRegularizer });
    super.build(inputShape);
  }

  call(inputs: LayerInput): Tensor {
    const x = single(inputs, this);
    const mid = this.depthwise(x, false, null);
    const k4 = reshape(this.pointwiseKernel!, [1, 1, mid.shape[3], this.filters]);
    const act = this.activation;
    const op = `conv1d (layer "${this.name}", pointwise)`;
    const y4 = act.unary
      ? conv2dFused(mid, k4, this.bias, [1, 1], 'valid', [1, 1], act.unary.op, act.unary.alpha, op)
      : activate(act, conv2dFused(mid, k4, this.bias, [1, 1], 'valid', [1, 1], undefined, 0, op));
    return reshape(y4, [y4.shape[0], y4.shape[2], this.filters]);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this);
    return [s[0], this.steps(s), this.filters];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), filters: this.filters,
      pointwiseInitializer: serializeInitializer(this.pointwiseInitializer), pointwiseRegularizer: serializeRegularizer(this.pointwiseRegularizer),
    };
  }
}
