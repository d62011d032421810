// The Layer base class (Keras's contract: validate in the constructor, create weights in build(inputShape),
// compute in call(), describe in getConfig()), symbolic tensors for the functional API, and InputLayer/input().
import type { DType } from '../dtype.js';
import { toInputTensor } from '../tensor.js';
import { getInitializer, type InitializerIdentifier } from '../initializers.js';
import { persistent } from '../memory.js';
import { checkCallArgsForm, checkOptionNames, toSnakeCase } from '../names.js';
import { noGrad } from '../autograd/tape.js';
import { getRegularizer, serializeRegularizer, type Regularizer, type RegularizerIdentifier } from '../regularizers.js';
import { getConstraint, type ConstraintIdentifier } from '../constraints.js';
import { symbolicTensorBrand, Tensor, toTensor, Variable, zeros, type TensorLike } from '../tensor.js';
import { castTo } from '../ops/util.js';
import { reshape } from '../ops/shape.js';
import { bfloat16Available, globalPolicy, Policy } from '../mixed-precision.js';

/** A shape whose first (batch) axis, or any axis, may be unknown: null, as Keras's None. */
export type Shape = (number | null)[];

/** Keras's way of printing a shape: (None, 28, 28, 1). */
export function formatShape(shape: readonly (number | null)[]): string {
  const items = shape.map((d) => (d === null ? 'None' : String(d)));
  return `(${items.join(', ')}${items.length === 1 ? ',' : ''})`;
}

const layerNames = new Map<string, number>();

/** How many Layer.apply calls are running (a model's apply calls its layers' inside its own). */
let callDepth = 0;
/** The `training` flag of the innermost running Layer.apply call that had one. */
let callTraining: boolean | undefined;

/** Keras's automatic names: dense, dense_1, dense_2, ... per base name. */
export function uniqueLayerName(base: string): string {
  const n = layerNames.get(base) ?? 0;
  layerNames.set(base, n + 1);
  return n === 0 ? base : `${base}_${n}`;
}

/** Forgets automatic names (Keras's clear_session), so that the next Dense is called 'dense' again. */
export function clearSession(): void {
  layerNames.clear();
}

export interface LayerArgs {
  name?: string;
  trainable?: boolean;
  /** Shape of one sample (without the batch axis), for the first layer of a Sequential model. */
  inputShape?: readonly (number | null)[];
  batchInputShape?: readonly (number | null)[];
  batchSize?: number;
  /**
   * The layer's dtype policy, as Keras spells it: 'float32' or 'mixed_bfloat16', a mixedPrecision.Policy,
   * { name } or { className: 'DTypePolicy', config: { name } }; left out, the global policy
   * (mixedPrecision.setGlobalPolicy). An InputLayer also takes 'int32' (indices). Variables are float32 under either.
   */
  dtype?: DType | 'string' | 'mixed_bfloat16' | Policy | DTypePolicySpec;
  /**
   * Keras's activity_regularizer: a penalty on the layer's outputs ('l1', 'l2', tn.regularizers.l2(0.01), ...) added to
   * the loss at every call, as Keras 3 adds it (the sum over the batch, not divided by the batch size).
   */
  activityRegularizer?: RegularizerIdentifier;
}

/**
 * Options every layer takes whether or not its config repeats them (TF.js's inputShape, batchSize, inputDim), and
 * dataFormat, which the image and sequence layers check for themselves ('channels_last', the only layout most take).
 */
const COMMON_LAYER_OPTIONS = ['name', 'trainable', 'dtype', 'inputShape', 'batchInputShape', 'batchSize', 'inputDim', 'dataFormat', 'activityRegularizer'];

/** Keras options that some of tensornode's layers do not implement: named as such when such a layer is given one. */
const UNSUPPORTED_KERAS_OPTIONS = new Set([
  'kernelConstraint', 'biasConstraint', 'recurrentConstraint', 'depthwiseConstraint', 'pointwiseConstraint',
  'gammaConstraint', 'betaConstraint', 'alphaConstraint',
]);

/** `own`, then each sublayer's variables that are not already listed (a sublayer may be shared). */
function withSublayers(own: Variable[], sublayers: Layer[], of: (l: Layer) => Variable[]): Variable[] {
  if (!sublayers.length) return own;
  const out = own.slice();
  for (const l of sublayers) for (const w of of(l)) if (!out.includes(w)) out.push(w);
  return out;
}

/** The layer classes tensornode ships, whose options are checked (see Layer.checkOptions). */
const builtinLayerClasses = new Set<unknown>();

/** @internal Called once by layers/index.ts with every class it exports. */
export function registerBuiltinLayerClasses(classes: Iterable<unknown>): void {
  for (const c of classes) if (typeof c === 'function' && (c as { prototype?: unknown }).prototype instanceof Layer) builtinLayerClasses.add(c);
}

/** Keras's serialized dtype policy: { name } or { className / class_name: 'DTypePolicy', config: { name } }. */
export type DTypePolicySpec = { name: string } | { className?: string; class_name?: string; config: { name: string } };

/** The policy name inside any of Keras's spellings of a dtype policy, or undefined when it is none of them. */
function policyName(value: unknown): unknown {
  if (typeof value === 'string' || value === null || typeof value !== 'object') return value;
  const v = value as Record<string, unknown>;
  if ('name' in v) return v.name;
  const cls = v.className ?? v.class_name;
  const config = v.config as Record<string, unknown> | undefined;
  if ((cls === 'DTypePolicy' || cls === 'FloatDTypePolicy') && config && typeof config === 'object') return config.name;
  return undefined;
}

/**
 * A layer's dtype (its variables' dtype): float32 under the float32 and mixed_bfloat16 policies; an input may also be
 * int32.
 */
function checkLayerDType(value: unknown, cls: string, name: string, integerInput: boolean): DType {
  if (value === undefined || value instanceof Policy) return 'float32';
  const policy = policyName(value);
  if (policy === 'float32' || policy === 'mixed_bfloat16') return 'float32';
  if (policy === 'mixed_float16' || policy === 'float16') {
    try {
      new Policy(policy);
    } catch (e) {
      throw new Error(`${cls} "${name}": ${(e as Error).message}`);
    }
  }
  if (integerInput && policy === 'int32') return 'int32';
  // A string input (tn.input({ dtype: 'string' })) or a layer that reads strings (StringLookup, TextVectorization):
  // 'string' is carried at run time only, see StringTensor.
  if (integerInput && policy === 'string') return 'string' as unknown as DType;
  const shown = JSON.stringify(value) ?? String(value);
  throw new Error(
    `${cls} "${name}": dtype ${shown} is not supported; tensornode computes in float32 or, for products, bfloat16. ` +
      `Pass dtype 'float32' or 'mixed_bfloat16'${integerInput ? " (or 'int32' / 'string' for integer or string inputs)" : ''}, or leave it out.`,
  );
}

/** The layer's dtype policy: the one given, or the global policy when none is. */
function layerPolicy(value: unknown): Policy {
  if (value === undefined) return globalPolicy();
  if (value instanceof Policy) return value;
  return policyName(value) === 'mixed_bfloat16' ? new Policy('mixed_bfloat16') : new Policy('float32');
}

/**
 * Keras's mask: for one input a [batch, time] tensor, 1 (any nonzero) for steps to keep and 0 for padding; for a
 * layer of several inputs one entry per input (null or undefined where an input has none); null for no mask.
 */
export type Mask = Tensor | null | (Tensor | null | undefined)[];

export interface CallArgs {
  /** True inside fit(): Dropout drops, BatchNormalization uses batch statistics. */
  training?: boolean;
  /**
   * The input's mask (a Mask). apply() fills it from the mask the input tensor carries (Embedding({ maskZero: true })
   * and Masking attach one) for layers with `supportsMasking`; passing it overrides that, for any layer. Typed `any` so
   * that a layer's own call arguments can narrow it (Attention's [queryMask, valueMask]) and still extend CallArgs.
   */
  mask?: any;
  /** A recurrent layer's starting states (LSTM: [h, c]; GRU and SimpleRNN: [h]), tensors or symbolic tensors. */
  initialState?: Tensor | SymbolicTensor | (Tensor | SymbolicTensor)[];
}

/** Whether a mask holds any tensor. */
export function hasMask(mask: Mask | undefined): mask is Tensor | (Tensor | null | undefined)[] {
  return Array.isArray(mask) ? mask.some((m) => m !== null && m !== undefined) : mask !== null && mask !== undefined;
}

/** The mask the inputs carry (their kerasMask), as call() receives it. */
function incomingMask(x: LayerInput): Mask {
  if (!Array.isArray(x) && !(x instanceof Tensor)) return null;
  if (!Array.isArray(x)) return x.kerasMask;
  const masks = x.map((t) => t.kerasMask);
  return masks.some((m) => m !== null) ? masks : null;
}

/** Attaches a layer's output mask to its outputs (undefined leaves whatever the outputs already carry). */
function attachMask(out: LayerOutput, mask: Mask | undefined): void {
  if (mask === undefined) return;
  if (!Array.isArray(out)) {
    out.kerasMask = Array.isArray(mask) ? mask[0] ?? null : mask;
    return;
  }
  out.forEach((t, i) => {
    t.kerasMask = Array.isArray(mask) ? mask[i] ?? null : mask;
  });
}

/** What an InputSpec requires of an input. */
interface InputSpecFields {
  /** The input's dtype. */
  dtype?: DType | 'string';
  /** The input's whole shape, batch axis included; null matches any size. */
  shape?: Shape;
  /** The input's rank. */
  ndim?: number;
  /** The largest rank taken (TF.js spells it maxNDim). */
  maxNdim?: number;
  /** The smallest rank taken (TF.js spells it minNDim). */
  minNdim?: number;
  /** Required sizes of given axes (negative axes count from the end). */
  axes?: Record<number, number>;
}

/** What a layer requires of an input: the arguments of InputSpec, or a plain object of them. */
export interface InputSpecArgs extends InputSpecFields {
  /** TF.js's spelling of maxNdim. */
  maxNDim?: number;
  /** TF.js's spelling of minNdim. */
  minNDim?: number;
}

/** A layer's plain-object spec as an InputSpec, made (and validated) once per object rather than on every call. */
const inputSpecs = new WeakMap<object, InputSpec>();
function asInputSpec(s: InputSpecArgs | InputSpec): InputSpec {
  if (s instanceof InputSpec) return s;
  let spec = inputSpecs.get(s);
  if (!spec) {
    spec = new InputSpec(s);
    inputSpecs.set(s, spec);
  }
  return spec;
}

const inputSpecOptions = ['dtype', 'shape', 'ndim', 'maxNdim', 'minNdim', 'axes', 'maxNDim', 'minNDim'];

// The fields of an InputSpec are its arguments, normalised (TF.js's spellings folded into Keras's).
export interface InputSpec extends InputSpecFields {}
/**
 * What a layer requires of its input, checked on every call before build (Keras's and TF.js's InputSpec). A custom
 * layer sets `this.inputSpec` in its constructor or build(): one spec, or a list with one per input (null for an
 * input left unchecked), as `new tn.InputSpec({ minNdim: 2, axes: { [-1]: inputDim } })` or a plain object.
 */
export class InputSpec {
  constructor(args: InputSpecArgs = {}) {
    checkOptionNames(args, inputSpecOptions, 'InputSpec');
    if (args.maxNdim !== undefined && args.maxNDim !== undefined) throw new Error('InputSpec: give maxNdim or maxNDim, not both');
    if (args.minNdim !== undefined && args.minNDim !== undefined) throw new Error('InputSpec: give minNdim or minNDim, not both');
    const rank = (v: unknown, what: string) => {
      if (v !== undefined && v !== null && !(Number.isInteger(v) && (v as number) >= 0)) throw new Error(`InputSpec: ${what} must be a non-negative integer, received ${JSON.stringify(v)}`);
      return (v ?? undefined) as number | undefined;
    };
    this.dtype = args.dtype ?? undefined;
    if (args.shape !== undefined && args.shape !== null) {
      if (!Array.isArray(args.shape) || args.shape.some((d) => d !== null && !(Number.isInteger(d) && d >= 0))) {
        throw new Error(`InputSpec: shape must be a list of non-negative integers or null, received ${JSON.stringify(args.shape)}`);
      }
      this.shape = args.shape.slice();
    }
    // As Keras's: a shape fixes the rank.
    this.ndim = this.shape ? this.shape.length : rank(args.ndim, 'ndim');
    this.maxNdim = rank(args.maxNdim ?? args.maxNDim, 'maxNdim');
    this.minNdim = rank(args.minNdim ?? args.minNDim, 'minNdim');
    if (args.axes !== undefined && args.axes !== null) {
      const bad = Object.entries(args.axes).find(([k, v]) => !Number.isInteger(Number(k)) || !(Number.isInteger(v) && v >= 0));
      if (typeof args.axes !== 'object' || bad) throw new Error(`InputSpec: axes must map integer axes to non-negative sizes, received ${JSON.stringify(args.axes)}`);
      const top = Math.max(...Object.keys(args.axes).map(Number));
      const known = this.ndim ?? this.maxNdim;
      if (known !== undefined && top >= known) throw new Error(`InputSpec: axis ${top} is beyond the input's rank ${known}`);
      this.axes = { ...args.axes };
    }
  }
  /** TF.js's name of maxNdim. */
  get maxNDim(): number | undefined {
    return this.maxNdim;
  }
  /** TF.js's name of minNdim. */
  get minNDim(): number | undefined {
    return this.minNdim;
  }
  /** Keras's get_config: the arguments that rebuild it. */
  getConfig(): Record<string, unknown> {
    return { dtype: this.dtype ?? null, shape: this.shape ?? null, ndim: this.ndim ?? null, maxNdim: this.maxNdim ?? null, minNdim: this.minNdim ?? null, axes: this.axes ?? null };
  }
}

export interface WeightOptions {
  shape: number[];
  initializer?: InitializerIdentifier;
  regularizer?: RegularizerIdentifier;
  /** Applied by the optimizer after each update (Keras's kernel_constraint). */
  constraint?: ConstraintIdentifier;
  trainable?: boolean;
  dtype?: DType;
}

/** A placeholder for a tensor in a functional model: a shape (batch axis null), and the layer call that makes it. */
export class SymbolicTensor {
  constructor(
    readonly shape: Shape,
    readonly dtype: DType,
    /** The layer call that produces this tensor. */
    readonly node: LayerNode,
    /** Which output of that call. */
    readonly index: number,
    readonly name: string,
  ) {}
  get rank(): number {
    return this.shape.length;
  }
  get [symbolicTensorBrand](): true {
    return true;
  }
  toString(): string {
    return `<SymbolicTensor shape=${formatShape(this.shape)}, dtype=${this.dtype}, name=${this.name}>`;
  }
}

/** One call of a layer on symbolic inputs. */
export class LayerNode {
  outputs: SymbolicTensor[] = [];
  constructor(
    readonly layer: Layer,
    readonly inputs: SymbolicTensor[],
    readonly args: CallArgs,
    /** Whether the layer was called on a list (a merge layer) rather than on one tensor. */
    readonly listInput: boolean,
  ) {}
}

export type LayerInput = Tensor | Tensor[];
export type LayerOutput = Tensor | Tensor[];

/** A plain object of tensors ({ left, right }), as Keras passes a dict of inputs to a model's call. */
export function isTensorDict(x: unknown): x is Record<string, Tensor> {
  if (x === null || typeof x !== 'object' || Object.getPrototypeOf(x) !== Object.prototype) return false;
  const values = Object.values(x);
  return values.length > 0 && values.every((v) => v instanceof Tensor);
}

function isSymbolic(x: unknown): x is SymbolicTensor | SymbolicTensor[] {
  return x instanceof SymbolicTensor || (Array.isArray(x) && x.length > 0 && x.every((e) => e instanceof SymbolicTensor));
}

function checkName(name: unknown, cls: string): void {
  if (name !== undefined && (typeof name !== 'string' || name.length === 0 || name.includes('/'))) {
    throw new Error(`${cls}: received an invalid value for \`name\`, expected a non-empty string without '/'. Received: name=${JSON.stringify(name)}`);
  }
}

/**
 * While a saved model is rebuilt from its file, the weight values the file holds: a layer whose (damaged or hostile)
 * config asks for more is refused before anything is allocated, so a config cannot exhaust memory.
 */
let weightBudget: { total: number; left: number } | null = null;

/** @internal Runs `build` (a model's reconstruction) with at most `values` weight values allowed. */
export function withWeightBudget<T>(values: number, build: () => T): T {
  const outer = weightBudget;
  weightBudget = { total: values, left: values };
  try {
    return build();
  } finally {
    weightBudget = outer;
  }
}

export abstract class Layer {
  /** Whether the layer's dtype may be int32: true of InputLayer, whose dtype is its data's. */
  protected static readonly takesIntegerInput: boolean = false;
  name: string;
  /** Set once build() has created the weights. */
  built = false;
  /** Shape (with batch axis) given by inputShape/batchInputShape, used by Sequential and summary(). */
  readonly batchInputShape: Shape | null;
  readonly dtype: DType;
  /** Keras's dtype_policy: the dtype the layer computes in and the one its variables hold (`dtype`). */
  readonly dtypePolicy: Policy;
  /**
   * What the layer requires of its input (Keras's input_spec, TF.js's inputSpec): one spec, a list with one per input
   * (null for an input left unchecked), or null for none. A single spec given a list of inputs checks nothing.
   */
  inputSpec: InputSpecArgs | (InputSpecArgs | null)[] | null = null;
  private _trainable: boolean;
  private readonly _weights: Variable[] = [];
  private readonly _trainableFlags = new Map<Variable, boolean>();
  private readonly _regularized: [Variable, Regularizer][] = [];
  /** Losses added by addLoss() (and the activity regularizer) during the current outermost call. */
  private _callLosses: Tensor[] = [];
  /** Keras's activity_regularizer: applied to every output of every call (see LayerArgs). */
  activityRegularizer: Regularizer | null;
  /** Symbolic calls of this layer, in order (the functional API). */
  readonly inboundNodes: LayerNode[] = [];
  /**
   * Whether call() accepts a mask (Keras's supports_masking). A layer without it that receives a masked input throws,
   * rather than compute over padding as if it were data. The default computeMask() passes the mask through.
   */
  supportsMasking = false;
  /** @internal The prefix of this layer's weight names when another layer owns it (a recurrent cell's RNN). */
  weightScope: string | null = null;

  /** Whether scopeTrackedLayers() has run. */
  private scopedTracked = false;
  /** @internal The option names the constructor was given (with a value), checked against the class's at first use. */
  private givenOptions: string[] | null;

  constructor(args: LayerArgs = {}) {
    const cls = this.constructor.name;
    if (args === null || typeof args !== 'object') throw new Error(`${cls}: expected an options object, received ${String(args)}`);
    // An option given as null or undefined asks for the default, as TF.js's { kernelConstraint: null } does.
    this.givenOptions = Object.keys(args).filter((k) => (args as Record<string, unknown>)[k] != null);
    checkName(args.name, cls);
    this.name = args.name ?? uniqueLayerName(toSnakeCase(this.className));
    this._trainable = args.trainable ?? true;
    this.dtype = checkLayerDType(args.dtype, cls, this.name, (new.target as typeof Layer).takesIntegerInput);
    this.dtypePolicy = layerPolicy(args.dtype);
    try {
      this.activityRegularizer = getRegularizer(args.activityRegularizer);
    } catch (e) {
      throw new Error(`${cls}: invalid activityRegularizer: ${(e as Error).message}`);
    }
    if (this.dtypePolicy.computeDtype === 'bfloat16') bfloat16Available();
    if (args.batchInputShape) {
      this.batchInputShape = validateShape(args.batchInputShape, cls, 'batchInputShape');
    } else if (args.inputShape) {
      const s = validateShape(args.inputShape, cls, 'inputShape');
      this.batchInputShape = [args.batchSize ?? null, ...s];
    } else {
      this.batchInputShape = null;
    }
  }

  /** Keras's class name (used in summary() and getConfig()). */
  get className(): string {
    return this.constructor.name;
  }

  /**
   * TF.js's getClassName(): the name the class is registered and saved under (its static className, as a layer
   * class written for TF.js declares it), else its class name. Ported code filters layers with it
   * (`model.layers.filter((l) => l.getClassName() === 'Conv2D')`).
   */
  getClassName(): string {
    const declared = (this.constructor as { className?: unknown }).className;
    return typeof declared === 'string' ? declared : this.className;
  }

  get trainable(): boolean {
    return this._trainable;
  }
  set trainable(t: boolean) {
    this._trainable = t;
    for (const w of this._weights) w.trainable = t && this._trainableFlags.get(w)!;
    // As Keras (and TF.js) set it: on every layer inside too, so that the variables themselves say whether they train
    // (a custom loop's variableGrads and minimize read that), and model.trainable = true unfreezes what was frozen.
    for (const l of this.innerLayers()) l.trainable = t;
  }

  /** Layers this one owns and calls (a model's layers, a wrapper's wrapped layer), which trainable reaches. */
  protected innerLayers(): Layer[] {
    return this.trackedLayers();
  }

  /** Creates the weights from the input shape. Subclasses call super.build() (or set built) at the end. */
  build(_inputShape: Shape | Shape[]): void {
    this.built = true;
  }

  /** The computation, on concrete tensors. */
  abstract call(inputs: LayerInput, args: CallArgs): LayerOutput;

  /**
   * The mask of the output, from the input's (Keras's compute_mask). The default passes the mask through; layers that
   * consume it (pooling over time, an RNN returning its last state) return null, those that make one (Embedding,
   * Masking) return theirs. undefined leaves the masks the outputs already carry (a model's inner layers set them).
   */
  computeMask(_inputs: LayerInput, mask: Mask): Mask | undefined {
    return this.supportsMasking ? mask : null;
  }

  /**
   * The output shape for an input shape. The default runs the layer on zeros with a batch of 1, which is always
   * right; layers override it when the shape is cheap to compute.
   */
  computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const batch = (isShapeList(inputShape) ? (inputShape as Shape[])[0][0] : (inputShape as Shape)[0]) ?? null;
    const out = this.callOnZeros(inputShape);
    const symbolic = (t: Tensor): Shape => [batch, ...t.shape.slice(1)];
    return Array.isArray(out) ? out.map(symbolic) : symbolic(out);
  }

  /** Runs call() on zeros of the input shape (unknown axes as 1), in inference mode and without gradients. */
  private callOnZeros(inputShape: Shape | Shape[]): LayerOutput {
    const multi = isShapeList(inputShape);
    const shapes = multi ? (inputShape as Shape[]) : [inputShape as Shape];
    const dummies = shapes.map((s) => zeros(s.map((d) => d ?? 1)));
    return noGrad(() => this.call(multi ? dummies : dummies[0], { training: false }));
  }

  /**
   * Calls the layer: on tensors it runs the computation (building the weights on first use); on symbolic tensors
   * (from tn.input()) it records the call for a functional model and returns symbolic outputs.
   */
  apply(inputs: TensorLike | TensorLike[], args?: CallArgs): Tensor;
  apply(inputs: SymbolicTensor | SymbolicTensor[], args?: CallArgs): SymbolicTensor;
  // Layers with several outputs return arrays at run time; cast the result (as Keras users unpack a list).
  apply(inputs: TensorLike | TensorLike[] | SymbolicTensor | SymbolicTensor[] | Record<string, Tensor>, args: CallArgs = {}): any {
    checkCallArgsForm(args, this);
    args ??= {};
    if (isSymbolic(inputs)) return this.applySymbolic(inputs, args);
    const list = Array.isArray(inputs) && inputs.length > 0 && inputs.every((e) => e instanceof Tensor)
      ? (inputs as Tensor[])
      : null;
    // Keras calls a model on a dict of named tensors as it was given (a subclassed model's call reads inputs.left):
    // the dict reaches call() as it is, and build() gets a dict of shapes.
    const dict = !list && isTensorDict(inputs) ? inputs : null;
    const x: LayerInput = list ?? (dict as unknown as LayerInput | null) ?? toInputTensor(inputs as TensorLike, `layer "${this.name}"`);
    const shapes = dict
      ? Object.fromEntries(Object.entries(dict).map(([k, t]) => [k, t.shape as Shape])) as unknown as Shape[]
      : Array.isArray(x) ? x.map((t) => t.shape as Shape) : ((x as Tensor).shape as Shape);
    if (!dict) this.assertInputCompatibility(shapes, Array.isArray(x) ? x.map((t) => t.dtype) : [(x as Tensor).dtype]);
    this.maybeBuild(shapes);
    // A mask passed in the call arguments is the caller's to give (a layer may take one explicitly, as Attention's
    // [queryMask, valueMask]); one propagated from the input reaches only layers that support masking.
    const explicit = args.mask !== undefined;
    const mask: Mask = explicit ? args.mask : incomingMask(x);
    if (hasMask(mask) && !explicit && !this.supportsMasking) {
      throw new Error(
        `Layer "${this.name}" (${this.className}) does not support masking, but it received a mask (its input comes from ` +
          'Embedding({ maskZero: true }), Masking, or a layer that passes their mask on). Consume the mask first (an RNN ' +
          'without returnSequences, GlobalAveragePooling1D), or drop maskZero / Masking.',
      );
    }
    const { mask: _given, ...rest } = args;
    // A layer called inside another's call() without `training` takes the outer call's, as Keras passes it down (a
    // custom block's Dropout drops in fit without the block passing the flag by hand).
    if (rest.training === undefined && callTraining !== undefined) rest.training = callTraining;
    // Losses belong to one forward pass: the outermost call (a model's, or a layer's called alone) forgets those of
    // the last one, as Keras clears them; nested calls add to them, so a layer shared by two branches counts twice.
    const outermost = callDepth === 0;
    if (outermost) this.clearCallLosses();
    callDepth++;
    const outerTraining = callTraining;
    callTraining = rest.training;
    let out: LayerOutput;
    try {
      out = this.call(x, hasMask(mask) ? { ...rest, mask } : rest);
    } finally {
      callDepth--;
      callTraining = outerTraining;
    }
    if (this.activityRegularizer) for (const o of Array.isArray(out) ? out : [out]) this.addLoss(this.activityRegularizer.apply(o));
    attachMask(out, this.computeMask(x, hasMask(mask) ? mask : null));
    return out;
  }

  /**
   * Keras's add_loss: a scalar penalty (a tensor, usually computed from this call's inputs or outputs) that fit adds to
   * the training loss of the current forward pass. Call it from call(); `layer.losses` and `model.losses` list it
   * until the next forward pass.
   */
  addLoss(loss: Tensor | number): void {
    const t = typeof loss === 'number' ? toTensor(loss, `addLoss of layer "${this.name}"`) : loss;
    if (!(t instanceof Tensor)) throw new Error(`addLoss of layer "${this.name}": expected a scalar tensor or a number, received ${typeof loss}`);
    if (t.size !== 1) throw new Error(`addLoss of layer "${this.name}": a loss must be a scalar, received a tensor of shape ${formatShape(t.shape)} (reduce it with tn.sum or tn.mean first)`);
    this._callLosses.push(t.shape.length ? reshape(t, []) : t);
  }

  /** @internal Forgets the losses of the last forward pass, in this layer and every layer inside it. */
  clearCallLosses(): void {
    this._callLosses = [];
    for (const l of this.innerLayers()) l.clearCallLosses();
  }

  /** @internal Builds the layer once, with allocation outside any training-step scope (weights outlive steps). */
  maybeBuild(inputShape: Shape | Shape[]): void {
    if (this.givenOptions) this.checkOptions();
    this.scopeTrackedLayers();
    if (this.built) return;
    persistent(() => this.build(inputShape));
    this.built = true;
  }

  private applySymbolic(inputs: SymbolicTensor | SymbolicTensor[], args: CallArgs): SymbolicTensor | SymbolicTensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const shapes = list.map((t) => t.shape);
    const inShape = Array.isArray(inputs) ? shapes : shapes[0];
    this.assertInputCompatibility(inShape, list.map((t) => t.dtype));
    this.maybeBuild(inShape);
    const out = this.computeOutputShape(inShape);
    // A custom layer whose own computeOutputShape does not call it, and whose sublayers are built only by its first
    // call (no build() of its own), would leave them without weights: a model rebuilt from a file would then find no
    // place for theirs. Calling it on zeros builds them, as the default computeOutputShape does.
    if (this.trackedLayers().some((l) => !l.built)) this.callOnZeros(inShape);
    // computeOutputShape may have run the layer on zeros: those are not losses of any forward pass.
    this.clearCallLosses();
    const node = new LayerNode(this, list, args, Array.isArray(inputs));
    const outShapes = isShapeList(out) ? (out as Shape[]) : [out as Shape];
    node.outputs = outShapes.map((s, i) => new SymbolicTensor(s, 'float32', node, i, outShapes.length > 1 ? `${this.name}_${i}` : this.name));
    this.inboundNodes.push(node);
    return isShapeList(out) ? node.outputs : node.outputs[0];
  }

  /** @internal Checks input shapes (and dtypes, when known) against the layer's InputSpec, with Keras's error messages. */
  assertInputCompatibility(inputShape: Shape | Shape[], dtypes?: readonly string[]): void {
    const given = this.inputSpec;
    if (!given) return;
    const list = isShapeList(inputShape);
    if (!Array.isArray(given) && list) return;
    const specs = Array.isArray(given) ? given : [given];
    const shapes = list ? (inputShape as Shape[]) : [inputShape as Shape];
    if (specs.length === 0) return;
    if (specs.length !== shapes.length) {
      throw new Error(`Layer "${this.name}" expects ${specs.length} input(s), but it received ${shapes.length} input tensors. Shapes received: ${shapes.map(formatShape).join(', ')}`);
    }
    specs.forEach((s, index) => {
      if (!s) return;
      const spec = asInputSpec(s);
      const shape = shapes[index];
      // The messages are built only when thrown: this runs on every call of every layer (a batch-1 predict).
      const fail = (what: string, withShape = true) =>
        new Error(`Input ${index} of layer "${this.name}" is incompatible with the layer: ${what}${withShape ? `. Full shape received: ${formatShape(shape)}` : ''}`);
      if (spec.ndim !== undefined && shape.length !== spec.ndim) throw fail(`expected ndim=${spec.ndim}, found ndim=${shape.length}`);
      if (spec.maxNdim !== undefined && shape.length > spec.maxNdim) throw fail(`expected max_ndim=${spec.maxNdim}, found ndim=${shape.length}`);
      if (spec.minNdim !== undefined && shape.length < spec.minNdim) throw fail(`expected min_ndim=${spec.minNdim}, found ndim=${shape.length}`);
      const dtype = dtypes?.[index];
      if (spec.dtype !== undefined && dtype !== undefined && dtype !== spec.dtype) throw fail(`expected dtype=${spec.dtype}, found dtype=${dtype}`, false);
      for (const [k, v] of Object.entries(spec.axes ?? {})) {
        const axis = Number(k);
        const d = shape[axis < 0 ? shape.length + axis : axis];
        if (d !== null && d !== undefined && d !== v) {
          throw fail(`expected axis ${axis} of input shape to have value ${v}, but received input with shape ${formatShape(shape)}`, false);
        }
      }
      if (spec.shape?.some((d, i) => d !== null && shape[i] !== null && shape[i] !== d)) {
        throw fail(`expected shape=${formatShape(spec.shape)}, found shape=${formatShape(shape)}`, false);
      }
    });
  }

  /**
   * Creates a weight (Keras's add_weight). Call it from build(). Three spellings: `addWeight('kernel', { shape,
   * initializer })`, Keras 3's `addWeight({ shape, initializer, name })`, and TF.js's positional `addWeight(name,
   * shape, dtype, initializer, regularizer, trainable, constraint)`.
   */
  addWeight(options: WeightOptions & { name?: string }): Variable;
  addWeight(name: string, options: WeightOptions): Variable;
  addWeight(name: string, shape: number[], dtype?: DType | null, initializer?: InitializerIdentifier | null, regularizer?: RegularizerIdentifier | null, trainable?: boolean | null, constraint?: ConstraintIdentifier | null): Variable;
  addWeight(first: string | (WeightOptions & { name?: string }), second?: WeightOptions | number[], ...rest: unknown[]): Variable {
    let name: string;
    let options: WeightOptions;
    if (typeof first === 'string' && Array.isArray(second)) {
      const [dtype, initializer, regularizer, trainable, constraint] = rest as [DType?, InitializerIdentifier?, RegularizerIdentifier?, boolean?, ConstraintIdentifier?];
      name = first;
      options = { shape: second, dtype: dtype ?? undefined, initializer: initializer ?? undefined, regularizer: regularizer ?? undefined, trainable: trainable ?? undefined, constraint: constraint ?? undefined };
    } else if (typeof first === 'string' && second !== null && typeof second === 'object') {
      name = first;
      options = second as WeightOptions;
    } else if (first !== null && typeof first === 'object' && second === undefined) {
      const { name: given, ...o } = first;
      const count = this._weights.length;
      name = given ?? (count ? `variable_${count}` : 'variable');
      options = o;
    } else {
      throw new Error(`addWeight of layer "${this.name}": expected addWeight(name, { shape, initializer, ... }) or addWeight({ shape, initializer, name }), received (${[first, second].map((a) => (a === null ? 'null' : Array.isArray(a) ? 'an array' : typeof a)).join(', ')})`);
    }
    if (!Array.isArray(options.shape) || options.shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new Error(`addWeight of layer "${this.name}": weight "${name}" needs a shape of non-negative integers, received ${JSON.stringify(options.shape)}`);
    }
    if (weightBudget !== null) {
      const size = options.shape.reduce((p, d) => p * d, 1);
      if (!(size <= weightBudget.left)) {
        throw new Error(`layer "${this.name}" asks for a weight "${name}" of shape [${options.shape.join(',')}] (${size} values), more than the ${weightBudget.left} values left of the ${weightBudget.total} the file holds`);
      }
      weightBudget.left -= size;
    }
    const init = getInitializer(options.initializer ?? 'glorot_uniform');
    const trainable = options.trainable ?? true;
    // An integer weight (Normalization's count) holds its initial values as int32.
    const value = persistent(() => (options.dtype === 'int32' ? castTo(init.apply(options.shape), 'int32') : init.apply(options.shape)));
    const v = new Variable(value._storage, value.shape, options.dtype ?? 'float32', trainable && this._trainable, `${this.weightScope ?? this.name}/${name}`);
    this._weights.push(v);
    this._trainableFlags.set(v, trainable);
    const reg = getRegularizer(options.regularizer);
    if (reg) this._regularized.push([v, reg]);
    v.constraint = getConstraint(options.constraint);
    return v;
  }

  /**
   * Keras 3's layer.output: what the layer's first call on symbolic inputs returned (a Sequential with a known input
   * shape calls its layers so). With layer.input, it cuts sub-models out of a model:
   * `new Model({ inputs: model.inputs, outputs: model.getLayer('dense').output })`.
   */
  get output(): SymbolicTensor | SymbolicTensor[] {
    const node = this.inboundNodes[0];
    if (!node) throw new Error(`Layer "${this.name}" has never been called on a symbolic input, so it has no output yet: call it on tn.input() or put it in a model whose input shape is known`);
    return node.outputs.length === 1 ? node.outputs[0] : node.outputs;
  }

  /** Keras 3's layer.input: the symbolic input(s) of the layer's first call. */
  get input(): SymbolicTensor | SymbolicTensor[] {
    const node = this.inboundNodes[0];
    if (!node) throw new Error(`Layer "${this.name}" has never been called on a symbolic input, so it has no input yet: call it on tn.input() or put it in a model whose input shape is known`);
    return node.listInput ? node.inputs : node.inputs[0];
  }

  /**
   * TF.js's layer.outputShape: the shape of the layer's output on symbolic inputs (null for the batch axis), a list
   * of shapes for several outputs; an error naming the layer if it has never been called on a symbolic input, or if
   * its calls gave different shapes (as TF.js). A getter on Layer.prototype (see layerOutputShape below), so that the
   * layers whose Keras option has this name (MultiHeadAttention, Lambda) keep it as a field of their own.
   */
  declare readonly outputShape: any;

  /**
   * TF.js's layer.dispose(): frees nothing (weights are garbage-collected, and the layer stays usable); returns
   * TF.js's DisposeResult, counting the layer's weights as the variables TF.js would dispose.
   */
  dispose(): { refCountAfterDispose: number; numDisposedVariables: number } {
    return { refCountAfterDispose: 0, numDisposedVariables: this.weights.length };
  }

  /**
   * TF.js's call hook: custom layers written for TF.js call `this.invokeCallHook(inputs, kwargs)` first thing in
   * call() (tfjs-examples' Antirectifier), which runs the function setCallHook gave, if any.
   */
  private callHook: ((inputs: LayerInput, kwargs: unknown) => void) | null = null;
  setCallHook(hook: (inputs: LayerInput, kwargs: unknown) => void): void {
    this.callHook = hook;
  }
  clearCallHook(): void {
    this.callHook = null;
  }
  protected invokeCallHook(inputs: LayerInput, kwargs?: unknown): void {
    this.callHook?.(inputs, kwargs);
  }

  /** All weights: trainable ones first, then the others (Keras's order); a custom layer's include its sublayers'. */
  get weights(): Variable[] {
    return [...this.trainableWeights, ...this.nonTrainableWeights];
  }
  get trainableWeights(): Variable[] {
    const own = this._trainable ? this._weights.filter((w) => this._trainableFlags.get(w)) : [];
    return this._trainable ? withSublayers(own, this.trackedLayers(), (l) => l.trainableWeights) : own;
  }
  get nonTrainableWeights(): Variable[] {
    const own = this._trainable ? this._weights.filter((w) => !this._trainableFlags.get(w)) : this._weights.slice();
    return withSublayers(own, this.trackedLayers(), (l) => (this._trainable ? l.nonTrainableWeights : l.weights));
  }
  /** Keras 3's names for the same lists: variables, trainable_variables, non_trainable_variables. */
  get variables(): Variable[] {
    return this.weights;
  }
  get trainableVariables(): Variable[] {
    return this.trainableWeights;
  }
  get nonTrainableVariables(): Variable[] {
    return this.nonTrainableWeights;
  }

  /**
   * The layers a user's Layer subclass holds as properties (alone or in arrays), as Keras tracks a layer's attributes:
   * a TransformerBlock that calls its own Dense and MultiHeadAttention owns their weights, trains them, saves them and
   * passes `trainable` and the call's `training` on. The built-in classes list theirs in innerLayers().
   */
  protected trackedLayers(): Layer[] {
    return this.trackedEntries().map(([, l]) => l);
  }

  /**
   * trackedLayers() with the property path each is held at ('ffn', or 'blocks/0' for an array's first). A model
   * overrides it: its layers (its graph's or its stack's) are its own business, not properties to scope.
   */
  protected trackedEntries(): [string, Layer][] {
    if (builtinLayerClasses.has(this.constructor)) return [];
    const found: [string, Layer][] = [];
    const add = (key: string, l: unknown) => {
      if (l instanceof Layer && l !== this && !found.some(([, f]) => f === l)) found.push([key, l]);
    };
    for (const [k, v] of Object.entries(this)) {
      // Arrays of layers only (a vocabulary or a lookup table held beside them is not walked at every step).
      if (Array.isArray(v)) {
        if (v[0] instanceof Layer) v.forEach((e, i) => add(`${k}/${i}`, e));
      } else add(k, v);
    }
    return found;
  }

  /**
   * Names the weights of the sublayers this layer tracks after the properties that hold them (`block/ffn/kernel`),
   * before they are built, as Keras's saving paths do: their own automatic names (dense_3) depend on what else the
   * program made first, so a model reloaded in another program would not find its weights by them.
   */
  private scopeTrackedLayers(): void {
    if (this.scopedTracked) return;
    this.scopedTracked = true;
    for (const [key, l] of this.trackedEntries()) {
      if (l.built || l.weightScope !== null) continue;
      l.weightScope = `${this.weightScope ?? this.name}/${key}`;
      l.scopeInnerLayers();
    }
  }

  /**
   * @internal Names the weights of the layers a model held as a property keeps inside it (a TransformerBlock's `ffn`
   * Sequential) under that model's scope; a plain layer has none. Model overrides it.
   */
  scopeInnerLayers(): void {}

  /**
   * The penalties fit adds to the loss, as scalar tensors: those of this layer's weights (their regularizers), then
   * those its last forward pass added (addLoss, the activity regularizer), then those of the sublayers it tracks.
   */
  get losses(): Tensor[] {
    const out = [...this._regularized.map(([w, r]) => r.apply(w)), ...this._callLosses];
    for (const l of this.trackedLayers()) out.push(...l.losses);
    return out;
  }

  /** Copies of the weights' values, in `weights` order. */
  getWeights(): Tensor[] {
    return this.weights.map((w) => w.clone());
  }

  /** Replaces the weights' values (same order and shapes as getWeights()). */
  setWeights(weights: TensorLike[]): void {
    const ws = this.weights;
    if (!Array.isArray(weights) || weights.length !== ws.length) {
      throw new Error(`Layer "${this.name}" expects ${ws.length} weights, but setWeights received ${Array.isArray(weights) ? weights.length : typeof weights}`);
    }
    ws.forEach((w, i) => {
      // An integer weight (Normalization's count) takes numbers given as float, as Keras's set_weights casts.
      const given = toTensor(weights[i], `setWeights of layer "${this.name}"`, w.dtype);
      const t = given.dtype === w.dtype ? given : castTo(given, w.dtype);
      if (t.shape.length !== w.shape.length || t.shape.some((d, j) => d !== w.shape[j])) {
        throw new Error(`Layer "${this.name}" weight ${i} (${w.name}) has shape ${formatShape(w.shape)}, but setWeights received shape ${formatShape(t.shape)}`);
      }
      w.assign(t);
    });
  }

  /** Number of scalars in all weights. */
  countParams(): number {
    if (!this.built) throw new Error(`You tried to call countParams on layer "${this.name}", but the layer isn't built. Build it first (call it on data, or give the model an inputShape).`);
    return this.weights.reduce((n, w) => n + w.size, 0);
  }

  /** Keras's compute_dtype: 'bfloat16' under mixed_bfloat16 (see computesInBfloat16 for whether it does here). */
  get computeDtype(): 'float32' | 'bfloat16' {
    return this.dtypePolicy.computeDtype;
  }

  /** @internal Whether this layer's products run in bfloat16: its policy says so and the CPU has AVX512_BF16. */
  computesInBfloat16(): boolean {
    return this.dtypePolicy.computeDtype === 'bfloat16' && bfloat16Available();
  }

  /**
   * Keras refuses a keyword argument a layer does not take (`Dense(2, paddin='same')` raises "Unrecognized keyword
   * arguments"); a misspelt option here would otherwise be dropped and the model built wrong. The options a built-in
   * class takes are those of its config (which rebuilds it) plus the shape arguments every layer takes; a user's
   * subclass is not checked, since its config need not list what its constructor reads. Runs at a layer's first call,
   * once the subclass's constructor has finished.
   */
  /** @internal Checks the constructor's options now (a preprocessing layer's adapt(), which runs before any call). */
  protected checkOptionsNow(): void {
    if (this.givenOptions) this.checkOptions();
  }

  private checkOptions(): void {
    const given = this.givenOptions!;
    this.givenOptions = null;
    if (!builtinLayerClasses.has(this.constructor)) return;
    let config: Record<string, unknown>;
    try {
      config = this.getConfig();
    } catch {
      return;
    }
    const known = [...new Set([...Object.keys(config), ...COMMON_LAYER_OPTIONS, ...this.optionsOutsideConfig()])].sort();
    const hints = Object.fromEntries([...UNSUPPORTED_KERAS_OPTIONS].map((k) => [k, 'a Keras option tensornode does not support']));
    checkOptionNames(Object.fromEntries(given.map((k) => [k, true])), known, `${this.className} (layer "${this.name}")`, hints);
  }

  /** Options the constructor takes that getConfig() leaves out when they hold their default (see checkOptions). */
  protected optionsOutsideConfig(): string[] {
    return [];
  }

  /** The layer's constructor arguments (Keras's get_config). */
  getConfig(): Record<string, unknown> {
    const dtype = this.dtypePolicy.name === 'mixed_bfloat16' ? this.dtypePolicy.name : this.dtype;
    const c: Record<string, unknown> = { name: this.name, trainable: this.trainable, dtype };
    if (this.batchInputShape) c.batchInputShape = this.batchInputShape.slice();
    if (this.activityRegularizer) c.activityRegularizer = serializeRegularizer(this.activityRegularizer);
    return c;
  }
}

function isShapeList(s: Shape | Shape[]): boolean {
  return s.length > 0 && Array.isArray(s[0]);
}

export function validateShape(shape: unknown, cls: string, what: string): Shape {
  if (!Array.isArray(shape) || shape.some((d) => d !== null && (!Number.isInteger(d) || (d as number) <= 0))) {
    throw new Error(`${cls}: received an invalid value for \`${what}\`, expected an array of positive integers (or null). Received: ${what}=${JSON.stringify(shape)}`);
  }
  return shape.slice();
}

/** The entry point of a functional model: its output is the symbolic input tensor. */
function layerOutputShape(this: Layer): Shape | Shape[] {
  if (this.inboundNodes.length === 0) {
    throw new Error(`Layer "${this.name}" has never been called on a symbolic input, so it has no output shape yet: call it on tn.input() or put it in a model whose input shape is known`);
  }
  const shapesOf = (node: LayerNode): Shape | Shape[] => (node.outputs.length === 1 ? node.outputs[0].shape.slice() : node.outputs.map((o) => o.shape.slice()));
  const first = shapesOf(this.inboundNodes[0]);
  const key = JSON.stringify(first);
  if (this.inboundNodes.some((n) => JSON.stringify(shapesOf(n)) !== key)) {
    throw new Error(`Layer "${this.name}" has been called on inputs of different shapes, so it has no single output shape (as in TF.js); read layer.output of one call instead`);
  }
  return first;
}
Object.defineProperty(Layer.prototype, 'outputShape', { get: layerOutputShape, configurable: true, enumerable: false });

export class InputLayer extends Layer {
  protected static override readonly takesIntegerInput = true;
  private readonly tensor: SymbolicTensor;
  constructor(args: LayerArgs & { shape?: readonly (number | null)[]; batchShape?: readonly (number | null)[] } = {}) {
    // shape (Keras), inputShape (TF.js's inputLayer({ inputShape })), batchShape (Keras 3) or batchInputShape.
    const sample = args.shape ?? args.inputShape;
    const batchInputShape = args.batchInputShape ?? (args.batchShape ? validateShape(args.batchShape, 'InputLayer', 'batchShape') : undefined)
      ?? (sample ? [args.batchSize ?? null, ...validateShape(sample, 'InputLayer', args.shape ? 'shape' : 'inputShape')] : undefined);
    if (!batchInputShape) throw new Error('InputLayer: needs `shape` (the shape of one sample) or `batchInputShape`');
    super({ ...args, inputShape: undefined, batchInputShape });
    this.built = true;
    const node = new LayerNode(this, [], {}, false);
    this.tensor = new SymbolicTensor(this.batchInputShape!.slice(), this.dtype, node, 0, this.name);
    node.outputs = [this.tensor];
    this.inboundNodes.push(node);
  }
  override get output(): SymbolicTensor {
    return this.tensor;
  }
  override get input(): SymbolicTensor {
    return this.tensor;
  }
  call(inputs: LayerInput): LayerOutput {
    return inputs;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }
  protected override optionsOutsideConfig(): string[] {
    return ['shape', 'batchShape'];
  }
}

/** A symbolic input for the functional API: tn.input({ shape: [28, 28, 1] }). */
export function input(args: { shape?: readonly (number | null)[]; batchShape?: readonly (number | null)[]; batchSize?: number; name?: string; dtype?: DType | 'string' }): SymbolicTensor {
  if (!args || typeof args !== 'object') throw new Error('input: expected an options object with `shape`');
  return new InputLayer({ shape: args.shape, batchInputShape: args.batchShape, batchSize: args.batchSize, name: args.name, dtype: args.dtype }).output;
}
