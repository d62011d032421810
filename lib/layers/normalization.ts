// BatchNormalization, LayerNormalization, GroupNormalization, UnitNormalization and RMSNormalization (Keras semantics and defaults).
import { noGrad } from '../autograd/tape.js';
import { serializeInitializer, type InitializerIdentifier } from '../initializers.js';
import { add, maximum, mul, rsqrt, square, sub } from '../ops/elementwise.js';
import { mean, sum } from '../ops/reduce.js';
import { fusedBatchNorm } from '../ops/nn.js';
import { reshape } from '../ops/shape.js';
import { serializeRegularizer, type RegularizerIdentifier } from '../regularizers.js';
import { normalizeAxis } from '../shape-util.js';
import type { Tensor, Variable } from '../tensor.js';
import { invalid, single, singleShape } from './core.js';
import { Layer, type CallArgs, type LayerArgs, type LayerInput, type Shape } from './layer.js';

export interface BatchNormalizationArgs extends LayerArgs {
  axis?: number;
  momentum?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitializerIdentifier;
  gammaInitializer?: InitializerIdentifier;
  movingMeanInitializer?: InitializerIdentifier;
  movingVarianceInitializer?: InitializerIdentifier;
  betaRegularizer?: RegularizerIdentifier;
  gammaRegularizer?: RegularizerIdentifier;
}

/**
 * Normalizes over every axis but `axis` (the channels): in training with the batch's mean and (biased) variance,
 * updating moving averages with `momentum`; in inference with those moving averages. A non-trainable
 * BatchNormalization always runs in inference mode, as in Keras.
 */
export class BatchNormalization extends Layer {
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  private readonly args: BatchNormalizationArgs;
  gamma: Variable | null = null;
  beta: Variable | null = null;
  movingMean: Variable | null = null;
  movingVariance: Variable | null = null;
  private axisIndex = -1;
  private paramShape: number[] = [];

  constructor(args: BatchNormalizationArgs = {}) {
    super(args);
    this.args = args;
    this.axis = args.axis ?? -1;
    this.momentum = args.momentum ?? 0.99;
    this.epsilon = args.epsilon ?? 1e-3;
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    if (!Number.isInteger(this.axis)) throw invalid('BatchNormalization', 'axis', 'an integer', args.axis);
    if (!(this.momentum >= 0 && this.momentum <= 1)) throw invalid('BatchNormalization', 'momentum', 'a number in [0, 1]', args.momentum);
    if (!(this.epsilon > 0)) throw invalid('BatchNormalization', 'epsilon', 'a positive number', args.epsilon);
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = singleShape(inputShape, this);
    this.axisIndex = normalizeAxis(this.axis, s.length, `BatchNormalization "${this.name}"`);
    const c = s[this.axisIndex];
    if (c === null) throw new Error(`Layer "${this.name}": axis ${this.axis} of the input must be known, received shape ${JSON.stringify(s)}`);
    this.paramShape = s.map((_, i) => (i === this.axisIndex ? c : 1));
    if (this.scale) this.gamma = this.addWeight('gamma', { shape: [c], initializer: this.args.gammaInitializer ?? 'ones', regularizer: this.args.gammaRegularizer });
    if (this.center) this.beta = this.addWeight('beta', { shape: [c], initializer: this.args.betaInitializer ?? 'zeros', regularizer: this.args.betaRegularizer });
    this.movingMean = this.addWeight('moving_mean', { shape: [c], initializer: this.args.movingMeanInitializer ?? 'zeros', trainable: false });
    this.movingVariance = this.addWeight('moving_variance', { shape: [c], initializer: this.args.movingVarianceInitializer ?? 'ones', trainable: false });
    this.inputSpec = { ndim: s.length, axes: { [this.axisIndex]: c } };
    super.build(inputShape);
  }

  call(inputs: LayerInput, args: CallArgs): Tensor {
    const x = single(inputs, this);
    const training = Boolean(args.training && this.trainable);
    // Channels last (Conv2D and Dense outputs, the default axis): one fused native pass each way.
    if (this.axisIndex === x.rank - 1 && x.dtype === 'float32') {
      const op = `BatchNormalization (layer "${this.name}")`;
      const stats = training ? null : { mean: this.movingMean!, variance: this.movingVariance! };
      const { y, mean, variance } = fusedBatchNorm(x, this.gamma, this.beta, this.epsilon, stats, op);
      if (training) this.updateMovingStatistics(mean, variance);
      return y;
    }
    const axes = x.shape.map((_, i) => i).filter((i) => i !== this.axisIndex);
    const param = (v: Tensor) => (this.axisIndex === x.rank - 1 ? v : reshape(v, this.paramShape));
    let m: Tensor;
    let variance: Tensor;
    if (training) {
      m = mean(x, axes, true);
      variance = mean(square(sub(x, m)), axes, true);
      const c = this.paramShape[this.axisIndex];
      this.updateMovingStatistics(reshape(m, [c]), reshape(variance, [c]));
    } else {
      m = param(this.movingMean!);
      variance = param(this.movingVariance!);
    }
    let y = mul(sub(x, m), rsqrt(add(variance, this.epsilon)));
    if (this.gamma) y = mul(y, param(this.gamma));
    if (this.beta) y = add(y, param(this.beta));
    return y;
  }

  /** moving = moving * momentum + batch * (1 - momentum), Keras's update. */
  private updateMovingStatistics(batchMean: Tensor, batchVariance: Tensor): void {
    noGrad(() => {
      const k = this.momentum;
      this.movingMean!.assign(add(mul(this.movingMean!, k), mul(batchMean, 1 - k)));
      this.movingVariance!.assign(add(mul(this.movingVariance!, k), mul(batchVariance, 1 - k)));
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape, this);
  }

  override getConfig() {
    const a = this.args;
    return {
      ...super.getConfig(), axis: this.axis, momentum: this.momentum, epsilon: this.epsilon, center: this.center, scale: this.scale,
      betaInitializer: serializeInitializer(a.betaInitializer ?? 'zeros'), gammaInitializer: serializeInitializer(a.gammaInitializer ?? 'ones'),
      movingMeanInitializer: serializeInitializer(a.movingMeanInitializer ?? 'zeros'),
      movingVarianceInitializer: serializeInitializer(a.movingVarianceInitializer ?? 'ones'),
      betaRegularizer: serializeRegularizer(a.betaRegularizer), gammaRegularizer: serializeRegularizer(a.gammaRegularizer),
    };
  }
}

export interface LayerNormalizationArgs extends LayerArgs {
  axis?: number | number[];
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitializerIdentifier;
  gammaInitializer?: InitializerIdentifier;
}

/** Normalizes each sample over `axis` (default the last) with its own mean and variance, then scales and shifts. */
export class LayerNormalization extends Layer {
  /** Each step is normalized on its own, so a [batch, time] mask passes through (as Keras's). */
  override supportsMasking = true;
  readonly axis: number | number[];
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  private readonly args: LayerNormalizationArgs;
  gamma: Variable | null = null;
  beta: Variable | null = null;
  private axes: number[] = [];
  private paramShape: number[] = [];

  constructor(args: LayerNormalizationArgs = {}) {
    super(args);
    this.args = args;
    this.axis = args.axis ?? -1;
    this.epsilon = args.epsilon ?? 1e-3;
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    if (!(this.epsilon > 0)) throw invalid('LayerNormalization', 'epsilon', 'a positive number', args.epsilon);
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = singleShape(inputShape, this);
    const list = Array.isArray(this.axis) ? this.axis : [this.axis];
    this.axes = list.map((a) => normalizeAxis(a, s.length, `LayerNormalization "${this.name}"`)).sort((a, b) => a - b);
    const shape = this.axes.map((a) => {
      const d = s[a];
      if (d === null) throw new Error(`Layer "${this.name}": normalized axes must be known, received shape ${JSON.stringify(s)}`);
      return d;
    });
    this.paramShape = s.map((d, i) => (this.axes.includes(i) ? (d as number) : 1));
    if (this.scale) this.gamma = this.addWeight('gamma', { shape, initializer: this.args.gammaInitializer ?? 'ones' });
    if (this.center) this.beta = this.addWeight('beta', { shape, initializer: this.args.betaInitializer ?? 'zeros' });
    super.build(inputShape);
  }

  call(inputs: LayerInput): Tensor {
    const x = single(inputs, this);
    const m = mean(x, this.axes, true);
    const centered = sub(x, m);
    const variance = mean(square(centered), this.axes, true);
    let y = mul(centered, rsqrt(add(variance, this.epsilon)));
    const trailing = this.axes.length === 1 && this.axes[0] === x.rank - 1;
    // paramShape keeps every normalized axis (the batch axis too, when listed) and is 1 elsewhere.
    if (this.gamma) y = mul(y, trailing ? this.gamma : reshape(this.gamma, this.paramShape));
    if (this.beta) y = add(y, trailing ? this.beta : reshape(this.beta, this.paramShape));
    return y;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape, this);
  }

  override getConfig() {
    return {
      ...super.getConfig(), axis: this.axis, epsilon: this.epsilon, center: this.center, scale: this.scale,
      betaInitializer: serializeInitializer(this.args.betaInitializer ?? 'zeros'), gammaInitializer: serializeInitializer(this.args.gammaInitializer ?? 'ones'),
    };
  }
}

export interface GroupNormalizationArgs extends LayerArgs {
  /** Number of groups the channels are split into (default 32); -1: one per channel (instance normalization). */
  groups?: number;
  /** The channels axis (default -1). */
  axis?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitializerIdentifier;
  gammaInitializer?: InitializerIdentifier;
  betaRegularizer?: RegularizerIdentifier;
  gammaRegularizer?: RegularizerIdentifier;
}

/**
 * Group normalization (Wu & He 2018): the channels of each sample are split into `groups` consecutive groups, and
 * each group is normalized with its own mean and (biased) variance over its channels and every other non-batch
 * axis: y = (x - mean) / sqrt(variance + epsilon) * gamma + beta, with gamma and beta one per channel. groups = 1
 * normalizes over the whole sample; groups = channels is instance normalization. Weights: gamma, then beta (Keras 3).
 */
export class GroupNormalization extends Layer {
  groups: number;
  readonly axis: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  private readonly args: GroupNormalizationArgs;
  gamma: Variable | null = null;
  beta: Variable | null = null;
  private channelAxis = -1;

  constructor(groups: number | GroupNormalizationArgs = {}, options: GroupNormalizationArgs = {}) {
    const args = typeof groups === 'object' ? groups : { ...options, groups };
    super(args);
    this.args = args;
    const g = args.groups ?? 32;
    if (!Number.isInteger(g) || (g <= 0 && g !== -1)) throw invalid('GroupNormalization', 'groups', 'a positive integer or -1 (one group per channel)', args.groups);
    this.groups = g;
    const axis = args.axis ?? -1;
    if (!Number.isInteger(axis) || axis === 0) throw invalid('GroupNormalization', 'axis', 'a non-zero integer (axis 0 is the batch axis)', args.axis);
    this.axis = axis;
    this.epsilon = args.epsilon ?? 1e-3;
    if (typeof this.epsilon !== 'number' || !(this.epsilon > 0)) throw invalid('GroupNormalization', 'epsilon', 'a positive number', args.epsilon);
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = singleShape(inputShape, this);
    if (s.length < 2) throw new Error(`Input 0 of layer "${this.name}" is incompatible with the layer: expected min_ndim=2, found ndim=${s.length}. Full shape received: ${JSON.stringify(s)}`);
    const a = normalizeAxis(this.axis, s.length, `GroupNormalization "${this.name}"`);
    if (a === 0) throw new Error(`Layer "${this.name}": axis ${this.axis} is the batch axis of its input (shape ${JSON.stringify(s)}); give the channels axis`);
    const channels = s[a];
    if (channels === null) throw new Error(`Layer "${this.name}": axis ${this.axis} of its input should have a defined dimension, but the layer received an input with shape ${JSON.stringify(s)}`);
    if (this.groups === -1) this.groups = channels;
    if (this.groups > channels) throw new Error(`Layer "${this.name}": the number of groups (${this.groups}) cannot be more than the number of channels (${channels}). Input shape: ${JSON.stringify(s)}`);
    if (channels % this.groups !== 0) throw new Error(`Layer "${this.name}": the number of channels (${channels}) must be a multiple of the number of groups (${this.groups}). Input shape: ${JSON.stringify(s)}`);
    this.channelAxis = a;
    const a2 = this.args;
    if (this.scale) this.gamma = this.addWeight('gamma', { shape: [channels], initializer: a2.gammaInitializer ?? 'ones', regularizer: a2.gammaRegularizer });
    if (this.center) this.beta = this.addWeight('beta', { shape: [channels], initializer: a2.betaInitializer ?? 'zeros', regularizer: a2.betaRegularizer });
    this.inputSpec = { ndim: s.length, axes: { [a]: channels } };
    super.build(inputShape);
  }

  call(inputs: LayerInput): Tensor {
    const x = single(inputs, this);
    const a = this.channelAxis;
    const channels = x.shape[a];
    // [..., channels, ...] -> [..., groups, channels / groups, ...]; statistics over every axis but batch and group.
    const grouped = x.shape.slice();
    grouped.splice(a, 1, this.groups, channels / this.groups);
    const g = reshape(x, grouped);
    const axes = grouped.map((_, i) => i).filter((i) => i !== 0 && i !== a);
    const m = mean(g, axes, true);
    const centered = sub(g, m);
    const variance = mean(square(centered), axes, true);
    let y = reshape(mul(centered, rsqrt(add(variance, this.epsilon))), x.shape);
    const paramShape = x.shape.map((d, i) => (i === a ? d : 1));
    const trailing = a === x.rank - 1;
    if (this.gamma) y = mul(y, trailing ? this.gamma : reshape(this.gamma, paramShape));
    if (this.beta) y = add(y, trailing ? this.beta : reshape(this.beta, paramShape));
    return y;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape, this);
  }

  override getConfig() {
    const a = this.args;
    return {
      ...super.getConfig(), groups: this.groups, axis: this.axis, epsilon: this.epsilon, center: this.center, scale: this.scale,
      betaInitializer: serializeInitializer(a.betaInitializer ?? 'zeros'), gammaInitializer: serializeInitializer(a.gammaInitializer ?? 'ones'),
      betaRegularizer: serializeRegularizer(a.betaRegularizer), gammaRegularizer: serializeRegularizer(a.gammaRegularizer),
    };
  }
}

export interface UnitNormalizationArgs extends LayerArgs {
  /** The axis or axes over which each vector is normalized (default -1). */
  axis?: number | number[];
}

/**
 * Scales each vector along `axis` to unit L2 norm: y = x / max(||x||, 1e-12), computed as Keras 3 does,
 * x * min(rsqrt(sum(x^2)), 1e12), here as x * rsqrt(max(sum(x^2), 1e-24)) (the same values, and a finite gradient
 * at x = 0).
 */
export class UnitNormalization extends Layer {
  readonly axis: number | number[];
  private axes: number[] = [];

  constructor(args: UnitNormalizationArgs = {}) {
    super(args);
    const axis = args.axis ?? -1;
    const list = Array.isArray(axis) ? axis : [axis];
    if (list.length === 0 || list.some((v) => !Number.isInteger(v))) throw invalid('UnitNormalization', 'axis', 'an integer or a non-empty list of integers', args.axis);
    this.axis = Array.isArray(axis) ? axis.slice() : axis;
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = singleShape(inputShape, this);
    const list = Array.isArray(this.axis) ? this.axis : [this.axis];
    this.axes = list.map((v) => normalizeAxis(v, s.length, `UnitNormalization "${this.name}"`));
    if (this.axes.includes(0)) throw new Error(`Layer "${this.name}": axis ${JSON.stringify(this.axis)} includes the batch axis of its input (shape ${JSON.stringify(s)})`);
    this.inputSpec = { ndim: s.length };
    super.build(inputShape);
  }

  call(inputs: LayerInput): Tensor {
    const x = single(inputs, this);
    return mul(x, rsqrt(maximum(sum(square(x), this.axes, true), 1e-24)));
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape, this);
  }

  override getConfig() {
    return { ...super.getConfig(), axis: Array.isArray(this.axis) ? this.axis.slice() : this.axis };
  }
}

export interface RMSNormalizationArgs extends LayerArgs {
  /** The axis (or axes) whose root mean square normalizes (default -1, the features). */
  axis?: number | number[];
  /** Added to the mean square before the square root (default 1e-6). */
  epsilon?: number;
}

/**
 * Root mean square normalization (Zhang and Sennrich 2019, Keras 3.9's RMSNormalization):
 * y = x * rsqrt(mean(x^2 over axis) + epsilon) * scale, with one trainable `scale` (initialized to ones) per entry of
 * the normalized axes. No centering and no bias, unlike LayerNormalization.
 */
export class RMSNormalization extends Layer {
  readonly axis: number | number[];
  readonly epsilon: number;
  scale: Variable | null = null;
  private axes: number[] = [];
  private paramShape: number[] = [];

  constructor(args: RMSNormalizationArgs = {}) {
    super(args);
    const axis = args.axis ?? -1;
    const axisOk = (a: unknown) => typeof a === 'number' && Number.isInteger(a);
    if (!(axisOk(axis) || (Array.isArray(axis) && axis.length > 0 && axis.every(axisOk)))) {
      throw invalid('RMSNormalization', 'axis', 'an integer or a non-empty list of integers', args.axis);
    }
    this.axis = Array.isArray(axis) ? axis.slice() : axis;
    const eps = args.epsilon ?? 1e-6;
    if (typeof eps !== 'number' || !Number.isFinite(eps) || eps < 0) throw invalid('RMSNormalization', 'epsilon', 'a finite number >= 0', args.epsilon);
    this.epsilon = eps;
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = singleShape(inputShape, this);
    const list = Array.isArray(this.axis) ? this.axis : [this.axis];
    this.axes = [...new Set(list.map((a) => normalizeAxis(a, s.length, `RMSNormalization "${this.name}"`)))].sort((a, b) => a - b);
    const shape = this.axes.map((a) => {
      const d = s[a];
      if (d === null) throw new Error(`Layer "${this.name}" (RMSNormalization): normalized axes must be known, received shape ${JSON.stringify(s)}`);
      return d;
    });
    this.paramShape = s.map((d, i) => (this.axes.includes(i) ? (d as number) : 1));
    this.scale = this.addWeight('scale', { shape, initializer: 'ones' });
    super.build(inputShape);
  }

  call(inputs: LayerInput): Tensor {
    const x = single(inputs, this);
    const y = mul(x, rsqrt(add(mean(square(x), this.axes, true), this.epsilon)));
    const trailing = this.axes.length === 1 && this.axes[0] === x.rank - 1;
    return mul(y, trailing ? this.scale! : reshape(this.scale!, this.paramShape));
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape, this);
  }

  override getConfig() {
    return { ...super.getConfig(), axis: Array.isArray(this.axis) ? this.axis.slice() : this.axis, epsilon: this.epsilon };
  }
}
