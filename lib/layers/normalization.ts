// BatchNormalization and LayerNormalization (Keras semantics and defaults).
import { noGrad } from '../autograd/tape.js';
import { serializeInitializer, type InitializerIdentifier } from '../initializers.js';
import { add, mul, rsqrt, square, sub } from '../ops/elementwise.js';
import { mean } from '../ops/reduce.js';
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
    if (this.gamma) y = mul(y, trailing ? this.gamma : reshape(this.gamma, this.paramShape.map((d, i) => (i === 0 ? 1 : d))));
    if (this.beta) y = add(y, trailing ? this.beta : reshape(this.beta, this.paramShape.map((d, i) => (i === 0 ? 1 : d))));
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
