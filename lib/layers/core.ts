// Core layers: Dense, Activation, Dropout, Flatten, Reshape, Identity.
import { getActivation, isLinear, type Activation as ActivationFunction, type ActivationIdentifier } from '../activations.js';
import { getConstraint, serializeConstraint, type Constraint, type ConstraintIdentifier } from '../constraints.js';
import { serializeInitializer, type InitializerIdentifier } from '../initializers.js';
import { dropout } from '../ops/dropout.js';
import { dense } from '../ops/matmul.js';
import { reshape } from '../ops/shape.js';
import { castTo } from '../ops/util.js';
import { checkPadding, type Padding } from '../ops/window.js';
import { isStringTensor, Tensor, type Variable } from '../tensor.js';
import { Generator, generator } from '../random.js';
import { serializeRegularizer, type RegularizerIdentifier } from '../regularizers.js';
import { formatShape, Layer, type CallArgs, type LayerArgs, type LayerInput, type LayerOutput, type Shape } from './layer.js';

/** The single tensor a one-input layer expects. */
export function single(inputs: LayerInput, layer: Layer): Tensor {
  if (Array.isArray(inputs)) {
    if (inputs.length !== 1) throw new Error(`Layer "${layer.name}" expects 1 input, but it received ${inputs.length} input tensors`);
    return inputs[0];
  }
  return inputs;
}

/** For layers that are the identity outside training: a string input must not pass through as if it were numbers. */
export function numeric(x: Tensor, layer: Layer): Tensor {
  if (isStringTensor(x)) throw new Error(`Layer "${layer.name}" (${layer.className}) takes numeric inputs, received a string tensor of shape [${x.shape.join(', ')}]`);
  return x;
}

export function singleShape(shape: Shape | Shape[], layer: Layer): Shape {
  if (shape.length > 0 && Array.isArray(shape[0])) {
    if (shape.length !== 1) throw new Error(`Layer "${layer.name}" expects 1 input, but it received ${shape.length} inputs`);
    return shape[0] as Shape;
  }
  return shape as Shape;
}

/** Keras's message for a bad constructor argument. */
export function invalid(cls: string, arg: string, expected: string, value: unknown): Error {
  return new Error(`${cls}: received an invalid value for \`${arg}\`, expected ${expected}. Received: ${arg}=${JSON.stringify(value) ?? String(value)}`);
}

/**
 * A convolution's options from Keras's positional form (filters, kernelSize, options), its (filters, options) form,
 * or TF.js's single options object.
 */
export function filterLayerArgs<A extends { filters?: number; kernelSize?: unknown }>(filters: number | A, kernelSize: A['kernelSize'] | A | undefined, args: A): A {
  if (typeof filters === 'object') return filters;
  if (kernelSize !== undefined && kernelSize !== null && typeof kernelSize === 'object' && !Array.isArray(kernelSize)) return { ...(kernelSize as A), filters };
  return { ...args, filters, kernelSize: kernelSize as A['kernelSize'] };
}

/** A windowed layer's `padding` ('valid' or 'same'; Keras's default 'valid'), refused by name otherwise. */
export function windowPadding(v: unknown, cls: string): Padding {
  try {
    return checkPadding(v ?? 'valid', cls);
  } catch {
    throw invalid(cls, 'padding', "'valid' or 'same'", v);
  }
}

/** `dataFormat` for a layer that reads channels-last data only (undefined or null: Keras's default, channels_last). */
export function channelsLastOnly(v: unknown, cls: string): void {
  if (v !== undefined && v !== null && v !== 'channels_last' && v !== 'channelsLast') {
    throw invalid(cls, 'dataFormat', "'channels_last' (channels-first data is not supported)", v);
  }
}

export function positiveInt(v: unknown, cls: string, arg: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw invalid(cls, arg, 'a positive integer', v);
  return v;
}

/** Applies an activation (a softmax output keeps its logits through the op, for a stable cross-entropy). */
export function activate(act: ActivationFunction, z: Tensor): Tensor {
  return isLinear(act) ? z : act.apply(z);
}

/** The arguments of the layers that own a kernel and a bias (Dense, Conv1D, Conv2D). */
export interface KernelLayerArgs extends LayerArgs {
  activation?: ActivationIdentifier;
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier;
  biasRegularizer?: RegularizerIdentifier;
  /** Applied to the kernel after each optimizer update: tn.constraints.maxNorm({ maxValue: 3 }), 'non_neg', ... */
  kernelConstraint?: ConstraintIdentifier;
  biasConstraint?: ConstraintIdentifier;
}

/** What Dense, Conv1D and Conv2D share: an activation, a kernel and an optional bias, with Keras's defaults. */
export abstract class KernelLayer extends Layer {
  readonly activation: ActivationFunction;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerIdentifier;
  readonly biasInitializer: InitializerIdentifier;
  readonly kernelRegularizer: RegularizerIdentifier;
  readonly biasRegularizer: RegularizerIdentifier;
  readonly kernelConstraint: Constraint | null;
  readonly biasConstraint: Constraint | null;
  kernel: Variable | null = null;
  bias: Variable | null = null;

  constructor(a: KernelLayerArgs) {
    super(a);
    this.activation = getActivation(a.activation);
    this.useBias = a.useBias ?? true;
    this.kernelInitializer = a.kernelInitializer ?? 'glorot_uniform';
    this.biasInitializer = a.biasInitializer ?? 'zeros';
    this.kernelRegularizer = a.kernelRegularizer;
    this.biasRegularizer = a.biasRegularizer;
    this.kernelConstraint = getConstraint(a.kernelConstraint);
    this.biasConstraint = getConstraint(a.biasConstraint);
  }

  /** Creates the kernel, and the bias of `units` values when useBias. Called from build(). */
  protected addKernelAndBias(kernelShape: number[], units: number): void {
    this.kernel = this.addWeight('kernel', { shape: kernelShape, initializer: this.kernelInitializer, regularizer: this.kernelRegularizer, constraint: this.kernelConstraint });
    if (this.useBias) this.bias = this.addWeight('bias', { shape: [units], initializer: this.biasInitializer, regularizer: this.biasRegularizer, constraint: this.biasConstraint });
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), activation: this.activation.name, useBias: this.useBias,
      kernelInitializer: serializeInitializer(this.kernelInitializer), biasInitializer: serializeInitializer(this.biasInitializer),
      kernelRegularizer: serializeRegularizer(this.kernelRegularizer), biasRegularizer: serializeRegularizer(this.biasRegularizer),
      // Written only when set, so that configs without constraints stay as they were.
      ...(this.kernelConstraint ? { kernelConstraint: serializeConstraint(this.kernelConstraint) } : {}),
      ...(this.biasConstraint ? { biasConstraint: serializeConstraint(this.biasConstraint) } : {}),
    };
  }

}

export interface DenseArgs extends KernelLayerArgs {
  units?: number;
  /** TF.js's inputDim: the same as inputShape [inputDim] (for a first layer). */
  inputDim?: number;
}

/**
 * Densely connected layer: output = activation(dot(input, kernel) + bias), kernel [inputDim, units].
 * Applies to the last axis of inputs of any rank >= 2.
 */
export class Dense extends KernelLayer {
  /** A mask passes through unchanged (the layer works on each step alone). */
  override supportsMasking = true;
  readonly units: number;

  constructor(units: number | DenseArgs, args: DenseArgs = {}) {
    const given = typeof units === 'object' ? units : { ...args, units };
    // TF.js's inputDim n means inputShape [n] (it was taken and ignored, leaving the model without an input shape).
    const { inputDim, ...rest } = given ?? {};
    if (inputDim !== undefined && inputDim !== null && !(Number.isInteger(inputDim) && inputDim > 0)) throw new Error(`Dense: received an invalid value for \`inputDim\`, expected a positive integer. Received: inputDim=${JSON.stringify(inputDim)}`);
    const a: DenseArgs = inputDim != null && rest.inputShape === undefined && rest.batchInputShape === undefined ? { ...rest, inputShape: [inputDim] } : rest;
    super(a);
    this.units = positiveInt(a.units, 'Dense', 'units');
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(inputShape, this);
    const inputDim = shape[shape.length - 1];
    if (shape.length < 2 || inputDim === null) {
      throw new Error(`Layer "${this.name}" needs the last axis of its input to be known and the input to have rank >= 2, received shape ${JSON.stringify(shape)}`);
    }
    this.addKernelAndBias([inputDim, this.units], this.units);
    this.inputSpec = { minNdim: 2, axes: { [-1]: inputDim } };
    super.build(inputShape);
  }

  call(inputs: LayerInput): Tensor {
    // Keras casts an integer input to the layer's float32 compute dtype; the GEMM reads float32 only.
    const given = single(inputs, this);
    const x = given.dtype === 'int32' ? castTo(given, 'float32') : given;
    const act = this.activation;
    const bf16 = this.computesInBfloat16();
    if (act.unary) return dense(x, this.kernel!, this.bias, act.unary.op, act.unary.alpha, bf16);
    return activate(act, dense(x, this.kernel!, this.bias, undefined, 0, bf16));
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this);
    return [...s.slice(0, -1), this.units];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), units: this.units };
  }
}

/** Applies an activation function. */
export class Activation extends Layer {
  /** A mask passes through unchanged (the layer works on each step alone). */
  override supportsMasking = true;
  readonly activation: ActivationFunction;
  constructor(activation: ActivationIdentifier | (LayerArgs & { activation?: ActivationIdentifier }), args: LayerArgs = {}) {
    const a = activation !== null && typeof activation === 'object' ? activation : { ...args, activation };
    super(a);
    if (a.activation === undefined || a.activation === null) throw invalid('Activation', 'activation', 'a name or a function', a.activation);
    this.activation = getActivation(a.activation);
  }
  call(inputs: LayerInput): Tensor {
    return activate(this.activation, single(inputs, this));
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape, this);
  }
  override getConfig() {
    return { ...super.getConfig(), activation: this.activation.name };
  }
}

export interface DropoutArgs extends LayerArgs {
  rate?: number;
  noiseShape?: (number | null)[];
  seed?: number;
}

/** Sets a fraction `rate` of inputs to 0 during training and scales the rest by 1 / (1 - rate); identity otherwise. */
export class Dropout extends Layer {
  /** A mask passes through unchanged (the layer works on each step alone). */
  override supportsMasking = true;
  readonly rate: number;
  readonly noiseShape: (number | null)[] | null;
  readonly seed: number | undefined;
  /** A seeded layer draws from its own stream, so its masks repeat from run to run. */
  private readonly gen: Generator | null;
  constructor(rate: number | DropoutArgs, args: DropoutArgs = {}) {
    const a = typeof rate === 'object' ? rate : { ...args, rate };
    super(a);
    if (typeof a.rate !== 'number' || !(a.rate >= 0 && a.rate < 1)) throw invalid('Dropout', 'rate', 'a number in [0, 1)', a.rate);
    this.rate = a.rate;
    this.noiseShape = a.noiseShape ?? null;
    this.seed = a.seed;
    this.gen = a.seed === undefined ? null : new Generator(a.seed);
  }
  call(inputs: LayerInput, args: CallArgs): Tensor {
    const x = numeric(single(inputs, this), this);
    if (!args.training || this.rate === 0) return x;
    const shape = this.noiseShape ? this.noiseShape.map((d, i) => d ?? x.shape[i]) : null;
    return dropout(x, this.rate, shape, this.gen ?? generator(), `Dropout (layer "${this.name}")`);
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape, this);
  }
  override getConfig() {
    return { ...super.getConfig(), rate: this.rate, noiseShape: this.noiseShape, seed: this.seed };
  }
}

/** Flattens all axes but the batch axis: [batch, ...] -> [batch, product]. */
export class Flatten extends Layer {
  constructor(args: LayerArgs = {}) {
    super(args);
  }
  call(inputs: LayerInput): Tensor {
    const x = single(inputs, this);
    if (x.rank === 0) throw new Error(`Layer "${this.name}" cannot flatten a scalar`);
    return reshape(x, [x.shape[0], x.rank === 1 ? 1 : -1]);
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this);
    const rest = s.slice(1);
    return [s[0], rest.some((d) => d === null) ? null : rest.reduce((p: number, d) => p * (d as number), 1)];
  }
}

export interface ReshapeArgs extends LayerArgs {
  targetShape?: number[];
}

/** Reshapes each sample to targetShape (one entry may be -1). */
export class Reshape extends Layer {
  readonly targetShape: number[];
  constructor(targetShape: number[] | ReshapeArgs, args: ReshapeArgs = {}) {
    const a = Array.isArray(targetShape) ? { ...args, targetShape } : targetShape;
    super(a);
    const t = a.targetShape;
    if (!Array.isArray(t) || t.some((d) => !Number.isInteger(d) || (d <= 0 && d !== -1)) || t.filter((d) => d === -1).length > 1) {
      throw invalid('Reshape', 'targetShape', 'an array of positive integers with at most one -1', t);
    }
    this.targetShape = t.slice();
  }
  call(inputs: LayerInput): Tensor {
    const x = single(inputs, this);
    const perSample = x.rank === 0 ? 0 : x.size / (x.shape[0] || 1);
    const want = this.targetShape.reduce((p, d) => (d === -1 ? p : p * d), 1);
    if (x.shape[0] > 0 && (this.targetShape.includes(-1) ? perSample % want !== 0 : perSample !== want)) {
      throw new Error(`Layer "${this.name}": cannot reshape input of shape ${JSON.stringify(x.shape)} (${perSample} values per sample) to target shape ${JSON.stringify(this.targetShape)}`);
    }
    return reshape(x, [x.shape[0], ...this.targetShape]);
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this);
    const t: Shape = this.targetShape.slice();
    const rest = s.slice(1);
    if (rest.some((d) => d === null)) {
      if (t.includes(-1)) t[t.indexOf(-1)] = null;
      return [s[0], ...t];
    }
    // Known sizes are checked when the model is built, as Keras does, not at the first batch.
    const size = rest.reduce((p: number, d) => p * (d as number), 1);
    const known = this.targetShape.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
    if (t.includes(-1) ? size % known !== 0 : size !== known) {
      throw new Error(`Layer "${this.name}": the total size of the new array must be unchanged: cannot reshape input of shape ${formatShape(s)} (${size} values per sample) to target shape ${JSON.stringify(this.targetShape)}`);
    }
    if (t.includes(-1)) t[t.indexOf(-1)] = size / known;
    return [s[0], ...t];
  }
  override getConfig() {
    return { ...super.getConfig(), targetShape: this.targetShape };
  }
}

/**
 * Keras 3's Identity: returns its input unchanged (a tensor, or a list of tensors as a list), and passes a mask on.
 * A placeholder where a model's code expects a layer, e.g. an optional projection that is switched off.
 */
export class Identity extends Layer {
  /** Any tensor passes, as in Keras: integers and strings too (so the layer's dtype may be int32). */
  protected static override readonly takesIntegerInput = true;
  override supportsMasking = true;

  constructor(args: LayerArgs = {}) {
    super(args);
  }

  call(inputs: LayerInput): LayerOutput {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const bad = list.find((x) => !(x instanceof Tensor));
    if (bad !== undefined) throw new Error(`Layer "${this.name}" (Identity) expects a tensor or a list of tensors, received ${typeof bad === 'string' ? JSON.stringify(bad) : typeof bad}`);
    return inputs;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }
}
