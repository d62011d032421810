// Optimizers with Keras 3's update rules and defaults. The update of each variable is one native pass over its
// values, gradient and slots; clipping and weight decay follow Keras's base optimizer.
import { asGradFunction, backward, type FusedUpdate } from '../autograd/tape.js';
import { applyConstraint } from '../constraints.js';
import { allocate } from '../memory.js';
import { native } from '../native.js';
import { checkOptionNames, lookup, normalizeName } from '../names.js';
import { fmt } from '../shape-util.js';
import { notScalarError, recordedVariable } from '../autograd/grad.js';
import { Tensor, Variable, variableByName } from '../tensor.js';
import { getSchedule, LearningRateSchedule } from './schedules.js';

export interface OptimizerArgs {
  learningRate?: number | LearningRateSchedule;
  /** Clip each gradient to this L2 norm. */
  clipnorm?: number | null;
  /** Clip each gradient element to [-clipvalue, clipvalue]. */
  clipvalue?: number | null;
  /** Scale all gradients together so that their joint L2 norm is at most this. */
  globalClipnorm?: number | null;
  /** Decoupled weight decay: w -= w * weightDecay * learningRate before each update. */
  weightDecay?: number | null;
  name?: string;
}

/** TF.js's NamedTensor: a gradient and the name of the variable it belongs to. */
export interface NamedTensor {
  name: string;
  tensor: Tensor;
}

// One array type with a union element (not a union of array types), so that `grads.map((g, i) => [g, vars[i]])`
// still infers pairs.
export type GradientsAndVariables = ([Tensor | null, Variable] | NamedTensor)[] | Record<string, Tensor>;

function isNamedTensor(entry: unknown): entry is NamedTensor {
  return entry !== null && typeof entry === 'object' && !Array.isArray(entry) && typeof (entry as NamedTensor).name === 'string' &&
    (entry as NamedTensor).tensor instanceof Tensor;
}

/** Keras's positional form, `Adam(1e-4)`: a bare number is the learning rate, as keras.io's examples pass it. */
function keywordArgs<T extends OptimizerArgs>(args: T | number): T {
  return typeof args === 'number' ? ({ learningRate: args } as T) : args;
}

function checkNonNegative(v: unknown, cls: string, arg: string): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) {
    throw new Error(`${cls}: received an invalid value for \`${arg}\`, expected a non-negative number. Received: ${arg}=${typeof v === 'string' ? JSON.stringify(v) : String(v)}`);
  }
  return v;
}

/** Checks that `arg` is a number in [0, 1], with either end excluded when open (Keras's message). */
function checkFraction(v: number, cls: string, arg: string, open: { low?: boolean; high?: boolean } = {}): number {
  if (!(typeof v === 'number' && (open.low ? v > 0 : v >= 0) && (open.high ? v < 1 : v <= 1))) {
    throw new Error(`${cls}: received an invalid value for \`${arg}\`, expected a number in ${open.low ? '(' : '['}0, 1${open.high ? ')' : ']'}. Received: ${arg}=${typeof v === 'string' ? JSON.stringify(v) : String(v)}`);
  }
  return v;
}

export abstract class Optimizer {
  /** A number, or a schedule of the step count. ReduceOnPlateau-style callbacks set it. */
  learningRate: number | LearningRateSchedule;
  /** Updates applied so far. */
  iterations = 0;
  readonly clipnorm: number | null;
  readonly clipvalue: number | null;
  readonly globalClipnorm: number | null;
  readonly weightDecay: number | null;
  readonly name: string;
  private readonly slots = new Map<Variable, Float32Array[]>();

  constructor(args: OptimizerArgs, defaults: { learningRate: number; name: string; weightDecay?: number }) {
    const cls = this.constructor.name;
    if (args === null || typeof args !== 'object') {
      throw new Error(`${cls}: expected the learning rate or an options object such as { learningRate: 0.001 }, received ${typeof args === 'string' ? JSON.stringify(args) : String(args)}`);
    }
    const lr = args.learningRate ?? defaults.learningRate;
    if (!(lr instanceof LearningRateSchedule) && (typeof lr !== 'number' || !(lr >= 0) || !Number.isFinite(lr))) {
      throw new Error(`${cls}: received an invalid value for \`learningRate\`, expected a non-negative number or a LearningRateSchedule. Received: learningRate=${typeof lr === 'string' ? JSON.stringify(lr) : String(lr)}`);
    }
    this.learningRate = lr;
    this.clipnorm = checkNonNegative(args.clipnorm, cls, 'clipnorm');
    this.clipvalue = checkNonNegative(args.clipvalue, cls, 'clipvalue');
    this.globalClipnorm = checkNonNegative(args.globalClipnorm, cls, 'globalClipnorm');
    if ([this.clipnorm, this.clipvalue, this.globalClipnorm].filter((v) => v !== null).length > 1) {
      throw new Error(`${cls}: only one of clipnorm, clipvalue and globalClipnorm can be set`);
    }
    this.weightDecay = checkNonNegative(args.weightDecay ?? defaults.weightDecay, cls, 'weightDecay');
    this.name = args.name ?? defaults.name;
    // Keras raises "Argument(s) not recognized" (Adam(lr=...), a misspelt clipNorm): a built-in class lists its own.
    const own = Object.hasOwn(new.target, 'options') ? (new.target as unknown as { options: readonly string[] }).options : null;
    if (own) checkOptionNames(args, ['learningRate', 'clipnorm', 'clipvalue', 'globalClipnorm', 'weightDecay', 'name', ...own], cls, { lr: 'did you mean learningRate?' });
  }

  /** The learning rate the next update will use. */
  currentLearningRate(): number {
    return this.learningRate instanceof LearningRateSchedule ? this.learningRate.call(this.iterations) : this.learningRate;
  }

  /** How many slot arrays (moments, accumulators) each variable needs, and their initial value. */
  protected abstract slotSpec(): { count: number; initial: number[] };
  /** Applies one update to w in place; g is the (clipped) gradient. */
  protected abstract update(w: Float32Array, g: Float32Array, slots: Float32Array[], lr: number, step: number): void;

  protected slotsFor(v: Variable): Float32Array[] {
    let s = this.slots.get(v);
    if (!s) {
      const spec = this.slotSpec();
      s = Array.from({ length: spec.count }, (_, i) => new Float32Array(v.size).fill(spec.initial[i] ?? 0));
      this.slots.set(v, s);
    }
    return s;
  }

  /** @internal A variable's slot arrays (moments, accumulators), if it has been updated; for model.save(). */
  slotsOf(v: Variable): readonly Float32Array[] | undefined {
    return this.slots.get(v);
  }

  /**
   * @internal Puts `arrays` (or none) in place of a variable's slot arrays and returns those it had, without copying:
   * a save shows the optimizer's state of the moment it was called, then puts the live arrays back.
   */
  swapSlots(v: Variable, arrays: Float32Array[] | undefined): Float32Array[] | undefined {
    const had = this.slots.get(v);
    if (arrays) this.slots.set(v, arrays);
    else this.slots.delete(v);
    return had;
  }

  /** @internal Restores a variable's slot arrays, as model.save() wrote them. */
  restoreSlots(v: Variable, arrays: Float32Array[]): void {
    const spec = this.slotSpec();
    if (arrays.length !== spec.count || arrays.some((a) => a.length !== v.size)) {
      throw new Error(`${this.constructor.name}: variable '${v.name}' needs ${spec.count} slot arrays of ${v.size} values, received ${arrays.length}`);
    }
    // In place when the variable has its slots already (a worker's fit syncs them every epoch or batch).
    const own = this.slots.get(v);
    if (own) own.forEach((s, i) => s.set(arrays[i]));
    else this.slots.set(v, arrays.map((a) => Float32Array.from(a)));
  }

  /**
   * @internal The update of variable `v` that the next applyGradients would make, as a Dense layer's backward pass
   * can apply it while it computes the gradient (autograd/tape.ts, FusedUpdate); null when this optimizer has none or
   * the gradient must first be seen whole (clipping). trainStep asks before the backward pass; the applyGradients
   * that follows then gets no gradient for `v` and counts the step as usual. (The native pass checks v's length
   * against the op's inputDim x units.)
   */
  fusedDenseUpdate(_v: Variable): FusedUpdate | null {
    return null;
  }

  /** Whether the gradients reach update() unchanged: no clipping, and applyGradients not overridden (the distributed optimizer averages them across processes first). */
  protected gradientsPassThrough(): boolean {
    return this.clipnorm === null && this.clipvalue === null && this.globalClipnorm === null &&
      this.applyGradients === Optimizer.prototype.applyGradients;
  }

  /**
   * Applies gradients: [[grad, variable], ...] (null gradients are skipped), or TF.js's {variableName: grad} or
   * [{ name: variableName, tensor: grad }, ...].
   */
  applyGradients(gradsAndVars: GradientsAndVariables): void {
    const pairs: [Tensor, Variable][] = [];
    if (Array.isArray(gradsAndVars)) {
      for (const entry of gradsAndVars as unknown[]) {
        if (isNamedTensor(entry)) {
          // TF.js's NamedTensor[] form: [{ name: variable.name, tensor: gradient }, ...].
          const v = variableByName(entry.name);
          if (!v) throw new Error(`${this.constructor.name}.applyGradients: no live variable is named '${entry.name}'`);
          pairs.push([entry.tensor, v]);
          continue;
        }
        if (!Array.isArray(entry) || entry.length !== 2 || !(entry[1] instanceof Variable)) {
          throw new Error(`${this.constructor.name}.applyGradients: expected [gradient, variable] pairs or TF.js's { name, tensor } objects`);
        }
        if (entry[0] !== null && entry[0] !== undefined) pairs.push([entry[0] as Tensor, entry[1]]);
      }
    } else {
      for (const [name, g] of Object.entries(gradsAndVars)) {
        const v = recordedVariable(gradsAndVars, name) ?? variableByName(name);
        if (!v) throw new Error(`${this.constructor.name}.applyGradients: no live variable is named '${name}'`);
        pairs.push([g, v]);
      }
    }
    for (const [g, v] of pairs) {
      if (g.size !== v.size || g.shape.some((d, i) => d !== v.shape[i])) {
        throw new Error(`${this.constructor.name}.applyGradients: gradient of shape ${fmt(g.shape)} does not match variable '${v.name}' of shape ${fmt(v.shape)}`);
      }
      if (v.dtype !== 'float32') throw new Error(`${this.constructor.name}.applyGradients: variable '${v.name}' has dtype ${v.dtype}; only float32 variables can be trained`);
    }
    const grads = this.clip(pairs.map(([g]) => g.values as Float32Array));
    const lr = this.currentLearningRate();
    const step = this.iterations + 1;
    pairs.forEach(([, v], i) => {
      const w = v.values as Float32Array;
      this.update(w, grads[i], this.slotsFor(v), lr, step);
      // Keras applies a variable's constraint right after its update.
      if (v.constraint) applyConstraint(v.constraint, w, v.shape);
    });
    this.iterations++;
  }

  /** Gradients never get modified in place: clipping works on copies (from the step's pool when in a step). */
  private clip(grads: Float32Array[]): Float32Array[] {
    const copy = (g: Float32Array) => {
      const c = allocate('float32', g.length).data as Float32Array;
      c.set(g);
      return c;
    };
    if (this.clipvalue !== null) {
      const cv = this.clipvalue;
      return grads.map((g) => {
        const c = copy(g);
        for (let i = 0; i < c.length; i++) c[i] = c[i] > cv ? cv : c[i] < -cv ? -cv : c[i];
        return c;
      });
    }
    const norm = (g: Float32Array) => {
      let s = 0;
      for (let i = 0; i < g.length; i++) s += g[i] * g[i];
      return s;
    };
    if (this.clipnorm !== null) {
      const cn = this.clipnorm;
      return grads.map((g) => {
        const n = Math.sqrt(norm(g));
        if (n <= cn) return g;
        const c = copy(g);
        const k = cn / n;
        for (let i = 0; i < c.length; i++) c[i] *= k;
        return c;
      });
    }
    if (this.globalClipnorm !== null) {
      const n = Math.sqrt(grads.reduce((s, g) => s + norm(g), 0));
      if (n <= this.globalClipnorm) return grads;
      const k = this.globalClipnorm / n;
      return grads.map((g) => {
        const c = copy(g);
        for (let i = 0; i < c.length; i++) c[i] *= k;
        return c;
      });
    }
    return grads;
  }

  /** Decoupled weight decay for optimizers whose native update does not fuse it. */
  protected decay(w: Float32Array, lr: number): void {
    if (!this.weightDecay) return;
    const k = 1 - this.weightDecay * lr;
    for (let i = 0; i < w.length; i++) w[i] *= k;
  }

  /**
   * Keras 3's optimizer.apply(grads, trainableVariables): the i-th gradient updates the i-th variable (a null
   * gradient leaves its variable as it is), as `applyGradients(grads.map((g, i) => [g, vars[i]]))` does.
   */
  apply(grads: (Tensor | null)[], trainableVariables: Variable[]): void {
    const cls = this.constructor.name;
    if (!Array.isArray(grads) || !Array.isArray(trainableVariables)) throw new Error(`${cls}.apply: expected apply(grads, trainableVariables), two arrays in the same order`);
    if (grads.length !== trainableVariables.length) throw new Error(`${cls}.apply: received ${grads.length} gradients for ${trainableVariables.length} variables`);
    this.applyGradients(grads.map((g, i) => [g, trainableVariables[i]] as [Tensor | null, Variable]));
  }

  /**
   * Computes f()'s gradients with respect to varList (default: every trainable variable f uses) and applies them.
   * Returns the cost when returnCost is set.
   */
  minimize(f: () => Tensor, returnCost = false, varList?: Variable[]): Tensor | null {
    const cost = asGradFunction(f);
    if (!(cost instanceof Tensor) || cost.size !== 1) throw notScalarError(`${this.constructor.name}.minimize`, cost);
    const g = backward(cost, null, varList ? varList.filter((v) => v.trainable) : null);
    const pairs: [Tensor, Variable][] = [];
    for (const [t, gt] of g) if (t instanceof Variable) pairs.push([gt, t]);
    this.applyGradients(pairs);
    return returnCost ? cost : null;
  }

  /**
   * TF.js's getClassName(): its optimizer classes' names, which tf.train's factories give and a saved TF.js model
   * names (an SGD with momentum is TF.js's 'Momentum', RMSprop its 'RMSProp'); Keras's class name for the others.
   */
  getClassName(): string {
    const name = this.constructor.name;
    if (name === 'SGD' && (this as unknown as { momentum?: number }).momentum) return 'Momentum';
    return name === 'RMSprop' ? 'RMSProp' : name;
  }

  getConfig(): Record<string, unknown> {
    return {
      name: this.name,
      learningRate: this.learningRate instanceof LearningRateSchedule ? { className: this.learningRate.className, config: this.learningRate.getConfig() } : this.learningRate,
      clipnorm: this.clipnorm, clipvalue: this.clipvalue, globalClipnorm: this.globalClipnorm, weightDecay: this.weightDecay,
    };
  }

  /**
   * TF.js's optimizer.dispose(): does nothing. The slots are garbage-collected with the optimizer, and it stays
   * usable (in TF.js its variables would be freed).
   */
  dispose(): void {}
}

export interface SGDArgs extends OptimizerArgs {
  momentum?: number;
  nesterov?: boolean;
}

/** Gradient descent with optional (Nesterov) momentum: m = momentum * m - lr * g; w += m. */
export class SGD extends Optimizer {
  static readonly options: readonly string[] = ['momentum', 'nesterov'];
  readonly momentum: number;
  readonly nesterov: boolean;
  constructor(args: SGDArgs | number = {}) {
    args = keywordArgs(args);
    super(args, { learningRate: 0.01, name: 'SGD' });
    this.momentum = args.momentum ?? 0;
    this.nesterov = args.nesterov ?? false;
    if (!(this.momentum >= 0 && this.momentum <= 1)) throw new Error(`SGD: received an invalid value for \`momentum\`, expected a number in [0, 1]. Received: momentum=${args.momentum}`);
  }
  protected slotSpec() {
    return { count: this.momentum ? 1 : 0, initial: [0] };
  }
  protected update(w: Float32Array, g: Float32Array, slots: Float32Array[], lr: number): void {
    this.decay(w, lr);
    native.sgdUpdate(w, g, slots[0] ?? null, lr, this.momentum, this.nesterov);
  }
  override fusedDenseUpdate(v: Variable): FusedUpdate | null {
    // Weight decay runs as its own pass over w before update(); the fused pass has none.
    if (!this.gradientsPassThrough() || this.update !== SGD.prototype.update || this.weightDecay || v.dtype !== 'float32') return null;
    const lr = this.currentLearningRate();
    const slot = this.slotsFor(v)[0] ?? null;
    const w = v.values as Float32Array;
    return (x, dz, dx, rows, inputDim, units) =>
      native.denseBackwardSgd(x, dz, dx, w, slot, rows, inputDim, units, lr, this.momentum, this.nesterov);
  }

  override getConfig() {
    return { ...super.getConfig(), momentum: this.momentum, nesterov: this.nesterov };
  }
}

export interface AdamArgs extends OptimizerArgs {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  amsgrad?: boolean;
}

/** Adam (Keras 3): alpha = lr sqrt(1 - b2^t) / (1 - b1^t); w -= alpha m / (sqrt(v) + eps). */
export class Adam extends Optimizer {
  static readonly options: readonly string[] = ['beta1', 'beta2', 'epsilon', 'amsgrad'];
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly amsgrad: boolean;
  constructor(args: AdamArgs | number = {}, defaults = { learningRate: 0.001, name: 'adam' } as { learningRate: number; name: string; weightDecay?: number }) {
    args = keywordArgs(args);
    super(args, defaults);
    this.beta1 = args.beta1 ?? 0.9;
    this.beta2 = args.beta2 ?? 0.999;
    this.epsilon = args.epsilon ?? 1e-7;
    this.amsgrad = args.amsgrad ?? false;
    checkFraction(this.beta1, this.constructor.name, 'beta1', { high: true });
    checkFraction(this.beta2, this.constructor.name, 'beta2', { high: true });
  }
  protected slotSpec() {
    return { count: this.amsgrad ? 3 : 2, initial: [0, 0, 0] };
  }
  /** The step size of update t: lr with both moments' bias corrections folded in. */
  private alpha(lr: number, t: number): number {
    return (lr * Math.sqrt(1 - Math.pow(this.beta2, t))) / (1 - Math.pow(this.beta1, t));
  }
  protected update(w: Float32Array, g: Float32Array, slots: Float32Array[], lr: number, t: number): void {
    native.adamUpdate(w, g, slots[0], slots[1], slots[2] ?? null, lr, this.alpha(lr, t), this.beta1, this.beta2, this.epsilon, this.weightDecay ?? 0);
  }
  override fusedDenseUpdate(v: Variable): FusedUpdate | null {
    // Only where the fused pass computes exactly what applyGradients then update() would (a subclass may change update()).
    if (!this.gradientsPassThrough() || this.update !== Adam.prototype.update || v.dtype !== 'float32') return null;
    const lr = this.currentLearningRate();
    const alpha = this.alpha(lr, this.iterations + 1);
    const slots = this.slotsFor(v);
    const w = v.values as Float32Array;
    return (x, dz, dx, rows, inputDim, units) =>
      native.denseBackwardAdam(x, dz, dx, w, slots[0], slots[1], slots[2] ?? null, rows, inputDim, units, lr, alpha, this.beta1, this.beta2, this.epsilon, this.weightDecay ?? 0);
  }
  override getConfig() {
    return { ...super.getConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, amsgrad: this.amsgrad };
  }
}

/** Adam with decoupled weight decay (default 0.004, as Keras 3). */
export class AdamW extends Adam {
  static override readonly options: readonly string[] = Adam.options;
  constructor(args: AdamArgs | number = {}) {
    super(args, { learningRate: 0.001, name: 'adamw', weightDecay: 0.004 });
  }
}

export interface RMSpropArgs extends OptimizerArgs {
  rho?: number;
  momentum?: number;
  epsilon?: number;
  centered?: boolean;
}

/** RMSprop (Keras 3): a = rho a + (1 - rho) g^2; w -= lr g / sqrt(a + eps), with optional momentum and centering. */
export class RMSprop extends Optimizer {
  static readonly options: readonly string[] = ['rho', 'momentum', 'epsilon', 'centered'];
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;
  constructor(args: RMSpropArgs | number = {}) {
    args = keywordArgs(args);
    super(args, { learningRate: 0.001, name: 'rmsprop' });
    this.rho = args.rho ?? 0.9;
    this.momentum = args.momentum ?? 0;
    this.epsilon = args.epsilon ?? 1e-7;
    this.centered = args.centered ?? false;
  }
  protected slotSpec() {
    return { count: 3, initial: [0, 0, 0] };
  }
  protected update(w: Float32Array, g: Float32Array, slots: Float32Array[], lr: number): void {
    this.decay(w, lr);
    native.rmspropUpdate(w, g, slots[0], this.momentum ? slots[1] : null, this.centered ? slots[2] : null, lr, this.rho, this.momentum, this.epsilon);
  }
  override getConfig() {
    return { ...super.getConfig(), rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered };
  }
}

export interface AdagradArgs extends OptimizerArgs {
  initialAccumulatorValue?: number;
  epsilon?: number;
}

/** Adagrad (Keras 3): a += g^2; w -= lr g / sqrt(a + eps). */
export class Adagrad extends Optimizer {
  static readonly options: readonly string[] = ['initialAccumulatorValue', 'epsilon'];
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;
  constructor(args: AdagradArgs | number = {}) {
    args = keywordArgs(args);
    super(args, { learningRate: 0.001, name: 'adagrad' });
    this.initialAccumulatorValue = args.initialAccumulatorValue ?? 0.1;
    this.epsilon = args.epsilon ?? 1e-7;
  }
  protected slotSpec() {
    return { count: 1, initial: [this.initialAccumulatorValue] };
  }
  protected update(w: Float32Array, g: Float32Array, slots: Float32Array[], lr: number): void {
    this.decay(w, lr);
    native.adagradUpdate(w, g, slots[0], lr, this.epsilon);
  }
  override getConfig() {
    return { ...super.getConfig(), initialAccumulatorValue: this.initialAccumulatorValue, epsilon: this.epsilon };
  }
}

export interface AdadeltaArgs extends OptimizerArgs {
  rho?: number;
  epsilon?: number;
}

/**
 * Adadelta (Keras 3): a = rho a + (1 - rho) g^2; delta = -sqrt(d + eps) / sqrt(a + eps) g;
 * d = rho d + (1 - rho) delta^2; w += lr delta. Keras's default rate is 0.001; Zeiler's paper has none (1.0).
 */
export class Adadelta extends Optimizer {
  static readonly options: readonly string[] = ['rho', 'epsilon'];
  readonly rho: number;
  readonly epsilon: number;
  constructor(args: AdadeltaArgs | number = {}) {
    args = keywordArgs(args);
    super(args, { learningRate: 0.001, name: 'adadelta' });
    this.rho = checkFraction(args.rho ?? 0.95, 'Adadelta', 'rho');
    this.epsilon = args.epsilon ?? 1e-7;
  }
  protected slotSpec() {
    return { count: 2, initial: [0, 0] };
  }
  protected update(w: Float32Array, g: Float32Array, slots: Float32Array[], lr: number): void {
    this.decay(w, lr);
    native.adadeltaUpdate(w, g, slots[0], slots[1], lr, this.rho, this.epsilon);
  }
  override getConfig() {
    return { ...super.getConfig(), rho: this.rho, epsilon: this.epsilon };
  }
}

export interface AdamaxArgs extends OptimizerArgs {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** Adamax's and Nadam's options, two moment rates and epsilon with Keras 3's defaults, and two slots of zeros. */
abstract class TwoMomentOptimizer extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  constructor(args: AdamaxArgs, name: string) {
    super(args, { learningRate: 0.001, name });
    this.beta1 = checkFraction(args.beta1 ?? 0.9, new.target.name, 'beta1', { high: true });
    this.beta2 = checkFraction(args.beta2 ?? 0.999, new.target.name, 'beta2', { high: true });
    this.epsilon = args.epsilon ?? 1e-7;
  }
  protected slotSpec() {
    return { count: 2, initial: [0, 0] };
  }
  override getConfig() {
    return { ...super.getConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

/** Adamax (Keras 3): m += (1 - b1)(g - m); u = max(b2 u, |g|); w -= lr m / ((1 - b1^t)(u + eps)). */
export class Adamax extends TwoMomentOptimizer {
  static readonly options: readonly string[] = ['beta1', 'beta2', 'epsilon'];
  constructor(args: AdamaxArgs | number = {}) {
    args = keywordArgs(args);
    super(args, 'adamax');
  }
  protected update(w: Float32Array, g: Float32Array, slots: Float32Array[], lr: number, t: number): void {
    this.decay(w, lr);
    native.adamaxUpdate(w, g, slots[0], slots[1], lr / (1 - Math.pow(this.beta1, t)), this.beta1, this.beta2, this.epsilon);
  }
}

export type NadamArgs = AdamaxArgs;

/**
 * Nadam (Keras 3), Adam with Nesterov momentum under Dozat's momentum schedule u_t = b1 (1 - 0.5 * 0.96^t):
 * m += (1 - b1)(g - m); v += (1 - b2)(g^2 - v);
 * w -= lr (u_{t+1} m / (1 - U_t u_{t+1}) + (1 - u_t) g / (1 - U_t)) / (sqrt(v / (1 - b2^t)) + eps), U_t = u_1 ... u_t.
 */
export class Nadam extends TwoMomentOptimizer {
  static readonly options: readonly string[] = ['beta1', 'beta2', 'epsilon'];
  /** U_t of the last step computed: Keras keeps it as a variable; here it follows from the step, so loading a step count is enough. */
  private uProduct = { step: 0, value: 1 };
  constructor(args: NadamArgs | number = {}) {
    args = keywordArgs(args);
    super(args, 'nadam');
  }
  private momentumAt(t: number): number {
    return this.beta1 * (1 - 0.5 * Math.pow(0.96, t));
  }
  /** U_t, from the previous step's product when t follows it (every step but the first after a load). */
  private productTo(t: number): number {
    let { step, value } = this.uProduct;
    if (step > t) [step, value] = [0, 1];
    for (; step < t; step++) value *= this.momentumAt(step + 1);
    this.uProduct = { step, value };
    return value;
  }
  /** @internal The product of the momentum schedule up to the last update, as Keras's Nadam keeps it (for .keras files). */
  momentumProduct(): number {
    return this.productTo(this.iterations);
  }
  protected update(w: Float32Array, g: Float32Array, slots: Float32Array[], lr: number, t: number): void {
    this.decay(w, lr);
    const u = this.momentumAt(t), next = this.momentumAt(t + 1), product = this.productTo(t);
    const cm = (lr * next) / (1 - product * next);
    const cg = (lr * (1 - u)) / (1 - product);
    native.nadamUpdate(w, g, slots[0], slots[1], cm, cg, 1 / (1 - Math.pow(this.beta2, t)), this.beta1, this.beta2, this.epsilon);
  }
}

export interface LionArgs extends OptimizerArgs {
  beta1?: number;
  beta2?: number;
}

/**
 * Lion (Keras 3): w -= lr sign(b1 m + (1 - b1) g); m = b2 m + (1 - b2) g. Its steps are all of size lr, so its
 * rate is typically 3-10x smaller than AdamW's (and its weight decay as much larger).
 */
export class Lion extends Optimizer {
  static readonly options: readonly string[] = ['beta1', 'beta2'];
  readonly beta1: number;
  readonly beta2: number;
  constructor(args: LionArgs | number = {}) {
    args = keywordArgs(args);
    super(args, { learningRate: 0.001, name: 'lion' });
    // Keras: with beta1 = 0 the update degenerates to SignSGD.
    this.beta1 = checkFraction(args.beta1 ?? 0.9, 'Lion', 'beta1', { low: true });
    this.beta2 = checkFraction(args.beta2 ?? 0.99, 'Lion', 'beta2');
  }
  protected slotSpec() {
    return { count: 1, initial: [0] };
  }
  protected update(w: Float32Array, g: Float32Array, slots: Float32Array[], lr: number): void {
    this.decay(w, lr);
    native.lionUpdate(w, g, slots[0], lr, this.beta1, this.beta2);
  }
  override getConfig() {
    return { ...super.getConfig(), beta1: this.beta1, beta2: this.beta2 };
  }
}

export type OptimizerIdentifier = string | Optimizer | { className: string; config?: Record<string, unknown> };

const classes: Record<string, new () => Optimizer> = {
  sgd: SGD, adam: Adam, adamw: AdamW, rmsprop: RMSprop, adagrad: Adagrad, adadelta: Adadelta, adamax: Adamax, nadam: Nadam, lion: Lion,
};
const table = new Map(Object.entries(classes).map(([k, v]) => [normalizeName(k), v]));

/** Resolves 'adam', 'sgd', 'rmsprop', 'adagrad', 'adamw', 'adadelta', 'adamax', 'nadam', 'lion' (any case) or an Optimizer. */
export function getOptimizer(id: OptimizerIdentifier): Optimizer {
  if (id instanceof Optimizer) return id;
  if (typeof id === 'string') return new (lookup(table, id, 'optimizer', Object.keys(classes)))();
  // The serialized form, as a saved model's training config holds it: { className: 'Adam', config: getConfig() }.
  if (id && typeof id === 'object' && typeof id.className === 'string') {
    const Cls = lookup(table, id.className, 'optimizer', Object.keys(classes)) as unknown as new (a: Record<string, unknown>) => Optimizer;
    const config = { ...(id.config ?? {}) };
    const lr = config.learningRate as { className?: unknown; config?: Record<string, unknown> } | undefined;
    if (lr && typeof lr === 'object') config.learningRate = getSchedule(lr);
    return new Cls(config);
  }
  throw new Error(`Unknown optimizer ${JSON.stringify(id)}. Known optimizers: ${Object.keys(classes).join(', ')}`);
}
