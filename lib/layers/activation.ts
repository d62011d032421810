// Activations as layers, with their own arguments (Keras's keras/layers/activations): ReLU, LeakyReLU, PReLU, ELU,
// Softmax, ThresholdedReLU. The common settings map onto one native elementwise map (relu, relu6, leaky_relu, elu);
// the others are composed from differentiable ops.
import { serializeInitializer, type InitializerIdentifier } from '../initializers.js';
import { add, cast, elu, greater, leakyRelu, minimum, mul, neg, relu, relu6, sub } from '../ops/elementwise.js';
import { softmax } from '../ops/reduce.js';
import { serializeRegularizer, type RegularizerIdentifier } from '../regularizers.js';
import type { Tensor, Variable } from '../tensor.js';
import { invalid, single, singleShape } from './core.js';
import { Layer, type CallArgs, type LayerArgs, type LayerInput, type Shape } from './layer.js';
import { firstMask, maskedLogits } from './masking.js';

/** A finite number, at least 0 unless `negative` is allowed. */
function finite(v: unknown, cls: string, arg: string, nonNegative: boolean): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || (nonNegative && v < 0)) {
    throw invalid(cls, arg, nonNegative ? 'a finite number >= 0' : 'a finite number', v);
  }
  return v;
}

/** The base of the layers here: one input, output of the same shape. */
abstract class ElementwiseLayer extends Layer {
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape, this);
  }
}

export interface ReLUArgs extends LayerArgs {
  /** The output's upper bound (null or absent: none). */
  maxValue?: number | null;
  /** The slope below the threshold (default 0). */
  negativeSlope?: number;
  /** Where the function leaves the negative slope (default 0). */
  threshold?: number;
}

/**
 * Rectified linear unit with Keras's options: f(x) = maxValue for x >= maxValue, x for threshold < x < maxValue,
 * negativeSlope * (x - threshold) for x < threshold (and 0 at x = threshold, as Keras computes it when the threshold
 * is not 0). The defaults give max(x, 0); maxValue 6 is relu6.
 */
export class ReLU extends ElementwiseLayer {
  readonly maxValue: number | null;
  readonly negativeSlope: number;
  readonly threshold: number;

  constructor(args: ReLUArgs = {}) {
    super(args);
    this.maxValue = args.maxValue === undefined || args.maxValue === null ? null : finite(args.maxValue, 'ReLU', 'maxValue', true);
    this.negativeSlope = finite(args.negativeSlope ?? 0, 'ReLU', 'negativeSlope', true);
    this.threshold = finite(args.threshold ?? 0, 'ReLU', 'threshold', true);
  }

  call(inputs: LayerInput): Tensor {
    const x = single(inputs, this);
    const { maxValue, negativeSlope: slope, threshold } = this;
    if (threshold === 0 && slope === 0) {
      if (maxValue === null) return relu(x);
      if (maxValue === 6) return relu6(x);
    }
    if (threshold === 0 && maxValue === null) return leakyRelu(x, slope);
    // Keras's composition: the part above the threshold, clipped, minus the slope's part below it.
    let y = threshold === 0 ? relu(x) : mul(x, cast(greater(x, threshold), 'float32'));
    if (maxValue !== null) y = minimum(y, maxValue);
    if (slope !== 0) y = sub(y, mul(relu(sub(threshold, x)), slope));
    return y;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), maxValue: this.maxValue, negativeSlope: this.negativeSlope, threshold: this.threshold };
  }
}

export interface LeakyReLUArgs extends LayerArgs {
  /** The slope for x < 0 (default 0.3, as in Keras 2 and TF.js). */
  alpha?: number;
  /** Keras 3's name for alpha. */
  negativeSlope?: number;
}

/** f(x) = x for x >= 0, alpha * x otherwise. */
export class LeakyReLU extends ElementwiseLayer {
  readonly alpha: number;

  constructor(args: LeakyReLUArgs = {}) {
    super(args);
    if (args.alpha !== undefined && args.negativeSlope !== undefined && args.alpha !== args.negativeSlope) {
      throw new Error(`LeakyReLU: \`alpha\` and \`negativeSlope\` name the same slope; give one. Received: alpha=${args.alpha}, negativeSlope=${args.negativeSlope}`);
    }
    const which = args.alpha !== undefined ? 'alpha' : 'negativeSlope';
    this.alpha = finite(args.alpha ?? args.negativeSlope ?? 0.3, 'LeakyReLU', which, true);
  }

  call(inputs: LayerInput): Tensor {
    return leakyRelu(single(inputs, this), this.alpha);
  }

  protected override optionsOutsideConfig(): string[] {
    return ['negativeSlope'];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}

export interface PReLUArgs extends LayerArgs {
  alphaInitializer?: InitializerIdentifier;
  alphaRegularizer?: RegularizerIdentifier;
  /** Constraints are not supported: only null is accepted. */
  alphaConstraint?: null;
  /** Axes (1-based: axis 0 is the batch) along which one alpha is shared, e.g. [1, 2] for one per channel of images. */
  sharedAxes?: number | number[] | null;
}

/**
 * Parametric ReLU: f(x) = x for x >= 0, alpha * x otherwise, with a learned alpha (weight "alpha") per element of
 * one sample, or shared along `sharedAxes`.
 */
export class PReLU extends ElementwiseLayer {
  readonly alphaInitializer: InitializerIdentifier;
  readonly alphaRegularizer: RegularizerIdentifier;
  readonly sharedAxes: number[] | null;
  alpha: Variable | null = null;

  constructor(args: PReLUArgs = {}) {
    super(args);
    this.alphaInitializer = args.alphaInitializer ?? 'zeros';
    this.alphaRegularizer = args.alphaRegularizer;
    if (args.alphaConstraint !== undefined && args.alphaConstraint !== null) {
      throw invalid('PReLU', 'alphaConstraint', 'null (not supported by tensornode)', args.alphaConstraint);
    }
    const axes = args.sharedAxes;
    if (axes === undefined || axes === null) {
      this.sharedAxes = null;
    } else {
      const list = typeof axes === 'number' ? [axes] : axes;
      if (!Array.isArray(list) || list.some((a) => !Number.isInteger(a) || a < 1)) {
        throw invalid('PReLU', 'sharedAxes', 'a positive integer or a list of them (axis 0 is the batch axis)', axes);
      }
      this.sharedAxes = [...new Set(list)].sort((a, b) => a - b);
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = singleShape(inputShape, this);
    if (s.length < 2) throw new Error(`Input 0 of layer "${this.name}" is incompatible with the layer: expected min_ndim=2, found ndim=${s.length}. Full shape received: ${JSON.stringify(s)}`);
    const shape = s.slice(1);
    for (const a of this.sharedAxes ?? []) {
      if (a >= s.length) throw new Error(`Layer "${this.name}": sharedAxes ${JSON.stringify(this.sharedAxes)} names axis ${a}, but its input has rank ${s.length} (shape ${JSON.stringify(s)})`);
      shape[a - 1] = 1;
    }
    const axes: Record<number, number> = {};
    shape.forEach((d, i) => {
      if (d === null) throw new Error(`Layer "${this.name}": axis ${i + 1} of its input (shape ${JSON.stringify(s)}) is unknown; give its size or share alpha along it with sharedAxes`);
      if (!this.sharedAxes?.includes(i + 1)) axes[i + 1] = d;
    });
    this.alpha = this.addWeight('alpha', { shape: shape as number[], initializer: this.alphaInitializer, regularizer: this.alphaRegularizer });
    this.inputSpec = { ndim: s.length, axes };
    super.build(inputShape);
  }

  call(inputs: LayerInput): Tensor {
    const x = single(inputs, this);
    // relu(x) - alpha * relu(-x): the product broadcasts alpha over the batch and shared axes, and its gradient sums
    // back over them.
    return add(relu(x), mul(neg(this.alpha!), relu(neg(x))));
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), alphaInitializer: serializeInitializer(this.alphaInitializer),
      alphaRegularizer: serializeRegularizer(this.alphaRegularizer), sharedAxes: this.sharedAxes,
    };
  }
}

export interface ELUArgs extends LayerArgs {
  /** The scale of the negative branch (default 1). */
  alpha?: number;
}

/** Exponential linear unit: f(x) = x for x > 0, alpha * (exp(x) - 1) otherwise. */
export class ELU extends ElementwiseLayer {
  readonly alpha: number;

  constructor(args: ELUArgs = {}) {
    super(args);
    this.alpha = finite(args.alpha ?? 1, 'ELU', 'alpha', false);
  }

  call(inputs: LayerInput): Tensor {
    return elu(single(inputs, this), this.alpha);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}

export interface SoftmaxArgs extends LayerArgs {
  /** The axis normalized over (default -1); a list of one axis is accepted as Keras 3 writes it. */
  axis?: number | number[];
}

/** softmax(x) along `axis`: exp(x) / sum(exp(x)) over that axis. */
export class Softmax extends ElementwiseLayer {
  readonly axis: number;
  /** With a mask, masked positions get -1e9 before the softmax (Keras's), so they get no weight; the mask passes on. */
  override supportsMasking = true;

  constructor(args: SoftmaxArgs = {}) {
    super(args);
    const a = Array.isArray(args.axis) && args.axis.length === 1 ? args.axis[0] : (args.axis ?? -1);
    if (typeof a !== 'number' || !Number.isInteger(a)) throw invalid('Softmax', 'axis', 'an integer (one axis)', args.axis);
    this.axis = a;
  }

  call(inputs: LayerInput, args: CallArgs = {}): Tensor {
    const x = single(inputs, this);
    if (this.axis < -x.rank || this.axis >= x.rank) {
      throw new Error(`Layer "${this.name}": axis ${this.axis} is out of range for its input of shape ${JSON.stringify(x.shape)}`);
    }
    const mask = firstMask(args.mask);
    return softmax(mask ? maskedLogits(x, mask, this) : x, this.axis);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: this.axis };
  }
}

export interface ThresholdedReLUArgs extends LayerArgs {
  /** Where the unit turns on (default 1). */
  theta?: number;
}

/** f(x) = x for x > theta, 0 otherwise. */
export class ThresholdedReLU extends ElementwiseLayer {
  readonly theta: number;

  constructor(args: ThresholdedReLUArgs = {}) {
    super(args);
    this.theta = finite(args.theta ?? 1, 'ThresholdedReLU', 'theta', true);
  }

  call(inputs: LayerInput): Tensor {
    const x = single(inputs, this);
    return mul(x, cast(greater(x, this.theta), 'float32'));
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), theta: this.theta };
  }
}
