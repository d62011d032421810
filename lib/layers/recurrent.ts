// The recurrent layers (SimpleRNN, LSTM, GRU) with Keras's weights, gate orders and defaults, the generic RNN(cell)
// with its cells (SimpleRNNCell, LSTMCell, GRUCell, StackedRNNCells, or a user's), and what they share: masks,
// initial and returned states, dropout inside the recurrence, stateful runs.
//
// A recurrent layer projects every timestep's input in one matMul, then steps through time. LSTM and GRU with a tanh
// cell and a sigmoid or hard sigmoid gate (Keras's defaults, and TF.js's) run the whole time loop in one native op
// (lstmSequence / gruSequence, forward and through time backward) when they start from zeros and nothing changes the
// loop (no mask, no recurrent dropout, no returned LSTM cell state); every other configuration steps with composed
// ops, which record their own gradients.
import { getActivation, type Activation as ActivationFunction, type ActivationIdentifier } from '../activations.js';
import { serializeInitializer, type InitializerIdentifier } from '../initializers.js';
import { persistent } from '../memory.js';
import { add, mul, sub } from '../ops/elementwise.js';
import { dense, matMul } from '../ops/matmul.js';
import { gruInference, gruSequence, lstmInference, lstmSequence, type RecurrentGateName } from '../ops/nn.js';
import { gather, reshape, slice, split, stack, transpose } from '../ops/shape.js';
import { generator } from '../random.js';
import { serializeRegularizer, type RegularizerIdentifier } from '../regularizers.js';
import { getConstraint, serializeConstraint, type ConstraintIdentifier } from '../constraints.js';
import { fmt } from '../shape-util.js';
import { Tensor, tensor, toTensor, zeros, type TensorLike, type Variable } from '../tensor.js';
import { invalid, positiveInt } from './core.js';
import { Layer, SymbolicTensor, formatShape, type CallArgs, type LayerArgs, type LayerInput, type LayerOutput, type Mask, type Shape } from './layer.js';
import { firstMask, maskValues } from './masking.js';
import { checkCallArgs } from '../names.js';

/** How the time loop runs and what it returns: shared by SimpleRNN, LSTM, GRU and RNN(cell). */

/**
 * The config every recurrent layer and cell shares: units (where it has them), activation and the weights'
 * initializers, regularizers and constraints.
 */
export function recurrentConfig(
  o: { units?: number; activation: ActivationFunction; useBias: boolean; dropout: number; recurrentDropout: number },
  a: Pick<RNNArgs, 'kernelInitializer' | 'recurrentInitializer' | 'biasInitializer' | 'kernelRegularizer' | 'recurrentRegularizer' | 'biasRegularizer' | 'kernelConstraint' | 'recurrentConstraint' | 'biasConstraint'>,
): Record<string, unknown> {
  // Constraints are written only when set, so that configs without them stay as they were.
  const constraints = Object.fromEntries((['kernelConstraint', 'recurrentConstraint', 'biasConstraint'] as const)
    .map((k) => [k, serializeConstraint(getConstraint(a[k]))] as const).filter(([, c]) => c !== null));
  return {
    ...(o.units === undefined ? {} : { units: o.units }), activation: o.activation.name, useBias: o.useBias,
    kernelInitializer: serializeInitializer(a.kernelInitializer ?? 'glorot_uniform'),
    recurrentInitializer: serializeInitializer(a.recurrentInitializer ?? 'orthogonal'),
    biasInitializer: serializeInitializer(a.biasInitializer ?? 'zeros'),
    kernelRegularizer: serializeRegularizer(a.kernelRegularizer), recurrentRegularizer: serializeRegularizer(a.recurrentRegularizer),
    biasRegularizer: serializeRegularizer(a.biasRegularizer), dropout: o.dropout, recurrentDropout: o.recurrentDropout,
    ...constraints,
  };
}

export interface RecurrentArgs extends LayerArgs {
  /** Output every timestep's output [batch, time, units] instead of the last one [batch, units]. */
  returnSequences?: boolean;
  /** Also return the final states: [output, ...states] (LSTM: h and c; GRU and SimpleRNN: h). */
  returnState?: boolean;
  /** Read the sequence from its end (the output sequence is then in reverse order too, as Keras's). */
  goBackwards?: boolean;
  /**
   * Each batch starts from the previous batch's final states (sample i of a batch continues sample i of the one
   * before). Needs a fixed batch size (batchInputShape, or batchSize with inputShape); resetStates() clears them.
   */
  stateful?: boolean;
  /** Masked steps output zeros instead of repeating the previous output (Keras's zero_output_for_mask). */
  zeroOutputForMask?: boolean;
  /** Accepted for Keras compatibility; the loop is the same either way. */
  unroll?: boolean;
}

export interface RNNArgs extends RecurrentArgs {
  units?: number;
  activation?: ActivationIdentifier;
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier;
  recurrentInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier;
  recurrentRegularizer?: RegularizerIdentifier;
  biasRegularizer?: RegularizerIdentifier;
  /** Applied to the weights after each optimizer update (Keras's kernel_constraint, ...). */
  kernelConstraint?: ConstraintIdentifier;
  recurrentConstraint?: ConstraintIdentifier;
  biasConstraint?: ConstraintIdentifier;
  /** Fraction of the input's features dropped in training, the same features at every step of a sequence. */
  dropout?: number;
  /** Fraction of the state's units dropped from the recurrent matMul in training, the same at every step. */
  recurrentDropout?: number;
}

export interface LSTMArgs extends RNNArgs {
  recurrentActivation?: ActivationIdentifier;
  /** Start the forget gate's bias at 1 (Keras's default). */
  unitForgetBias?: boolean;
}

export interface GRUArgs extends RNNArgs {
  recurrentActivation?: ActivationIdentifier;
  /** Apply the reset gate after the recurrent matMul (Keras's default, and cuDNN's): bias [2, 3 * units]. */
  resetAfter?: boolean;
}

function flag(v: unknown, cls: string, arg: string): boolean {
  if (v !== undefined && typeof v !== 'boolean') throw invalid(cls, arg, 'true or false', v);
  return v ?? false;
}

export function dropoutRate(v: unknown, cls: string, arg: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw invalid(cls, arg, 'a number in [0, 1)', v);
  return v;
}

/** An inverted-dropout mask [batch, n]: 0 with probability `rate`, else 1 / (1 - rate). Drawn once per sequence. */
export function dropoutMask(batch: number, n: number, rate: number): Tensor {
  const g = generator();
  const keep = 1 / (1 - rate);
  const v = new Float32Array(batch * n);
  for (let i = 0; i < v.length; i++) v[i] = g.uniform() < rate ? 0 : keep;
  return tensor(v, [batch, n]);
}

// ---------------------------------------------------------------------------------------------------------------
// One step of each recurrence, shared by the layers and the cells. xw is this step's x W + input bias, h the state
// and hr the state the recurrent matMul reads (h with recurrent dropout applied, else h itself).

/** h_t = activation(x_t W + b + h_{t-1} U). */
function simpleRNNStep(act: ActivationFunction, u: Tensor, xw: Tensor, hr: Tensor): Tensor {
  return act.apply(add(xw, matMul(hr, u)));
}

/** LSTM, gates i, f, c, o: c_t = f c + i g, h_t = o act(c_t). */
function lstmStep(act: ActivationFunction, rec: ActivationFunction, u: Tensor, xw: Tensor, c: Tensor, hr: Tensor): [Tensor, Tensor] {
  const z = add(xw, matMul(hr, u));
  const [zi, zf, zc, zo] = split(z, 4, 1);
  const c2 = add(mul(rec.apply(zf), c), mul(rec.apply(zi), act.apply(zc)));
  return [mul(rec.apply(zo), act.apply(c2)), c2];
}

/** GRU, gates z, r, h: h_t = z h + (1 - z) hh; resetAfter applies r after the recurrent matMul (and its bias). */
function gruStep(
  act: ActivationFunction, rec: ActivationFunction, u: Tensor, recurrentBias: Tensor | null, resetAfter: boolean,
  xw: Tensor, h: Tensor, hr: Tensor,
): Tensor {
  const units = h.shape[1];
  const [xz, xr, xh] = split(xw, 3, 1);
  let z: Tensor;
  let hh: Tensor;
  if (resetAfter) {
    let hu = matMul(hr, u);
    if (recurrentBias) hu = add(hu, recurrentBias);
    const [hz, hrr, hhu] = split(hu, 3, 1);
    z = rec.apply(add(xz, hz));
    const r = rec.apply(add(xr, hrr));
    hh = act.apply(add(xh, mul(r, hhu)));
  } else {
    const [uz, ur, uh] = split(u, [units, units, units], 1);
    z = rec.apply(add(xz, matMul(hr, uz)));
    const r = rec.apply(add(xr, matMul(hr, ur)));
    hh = act.apply(add(xh, matMul(mul(r, hr), uh)));
  }
  return add(mul(z, h), mul(sub(1, z), hh));
}

// ---------------------------------------------------------------------------------------------------------------
// The loop over time

/**
 * Each sample's kept steps [start, end) when they form one contiguous block (right padding, left padding as Keras's
 * pad_sequences makes by default, or both); null for any other mask.
 */
function keptBlocks(mask: Float32Array, batch: number, time: number): { start: Int32Array; end: Int32Array } | null {
  const start = new Int32Array(batch);
  const end = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    let s = 0;
    while (s < time && !mask[b * time + s]) s++;
    let e = s;
    while (e < time && mask[b * time + e]) e++;
    for (let t = e; t < time; t++) if (mask[b * time + t]) return null;
    start[b] = s;
    end[b] = e;
  }
  return { start, end };
}

/** What a run of the loop produced: the layer's output (last or every step) and the final states. */
export interface RunResult {
  output: Tensor;
  states: Tensor[];
}

/**
 * What SimpleRNN, LSTM, GRU and RNN(cell) share: Keras's call protocol (masks, initialState, returnState, stateful
 * states), the output shapes and masks, and the masked loop over time.
 */
export abstract class Recurrent extends Layer {
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  readonly stateful: boolean;
  zeroOutputForMask: boolean;
  override supportsMasking = true;
  /** A stateful layer's states between batches (allocated outside any training step, updated in place). */
  private carried: Tensor[] | null = null;

  constructor(a: RecurrentArgs, cls: string) {
    super(a);
    this.returnSequences = flag(a.returnSequences, cls, 'returnSequences');
    this.returnState = flag(a.returnState, cls, 'returnState');
    this.goBackwards = flag(a.goBackwards, cls, 'goBackwards');
    this.stateful = flag(a.stateful, cls, 'stateful');
    this.zeroOutputForMask = flag(a.zeroOutputForMask, cls, 'zeroOutputForMask');
    flag(a.unroll, cls, 'unroll');
    this.inputSpec = { ndim: 3 };
  }

  /** Sizes of the states, in order (LSTM: [units, units]; ConvLSTM2D: [filters, filters], its channels). */
  abstract stateSizes(): number[];
  /**
   * Each state's shape without the batch axis, for an input of shape `inputShape` (ConvLSTM2D's states are feature
   * maps whose size follows the input's); a vector of stateSizes()[i] values by default.
   */
  stateShapes(_inputShape?: readonly (number | null)[]): number[][] {
    return this.stateSizes().map((n) => [n]);
  }
  /** Whether this is one of tensornode's own classes (whose call arguments are checked), not a user's subclass. */
  protected builtinClass(): boolean {
    return [SimpleRNN, LSTM, GRU, RNN].includes(this.constructor as never);
  }
  /** The input's rank, batch and time axes included, and its axes as errors name them. */
  protected sequenceRank(): number {
    return 3;
  }
  protected sequenceLayout(): string {
    return '[batch, timesteps, features]';
  }
  /** Size of the output at each step. */
  abstract outputSize(): number;
  /** Runs the loop from `initial` (zeros, given or carried: `fromZeros` says which) over x [batch, time, features]. */
  protected abstract run(x: Tensor, initial: Tensor[], fromZeros: boolean, mask: Float32Array | null, training: boolean): RunResult;

  /** Keras's initial_state joins the inputs, so that a functional model records the states as inputs of the call. */
  override apply(inputs: TensorLike | TensorLike[], args?: CallArgs): Tensor;
  override apply(inputs: SymbolicTensor | SymbolicTensor[], args?: CallArgs): SymbolicTensor;
  // With returnState the result is a list at run time; cast it (as Keras users unpack one).
  override apply(inputs: any, args: CallArgs = {}): any {
    // A subclass of its own may take more; the built-in classes take these.
    if (this.builtinClass()) checkCallArgs(args, ['initialState'], this);
    const { initialState, ...rest } = args;
    if (initialState === undefined || initialState === null) return super.apply(inputs, rest);
    if (Array.isArray(inputs)) throw new Error(`Layer "${this.name}" (${this.className}): pass the initial states either in the input list or as initialState, not both`);
    const states = Array.isArray(initialState) ? initialState : [initialState];
    const symbolic = states.map((s) => s instanceof SymbolicTensor);
    if ((inputs instanceof SymbolicTensor) !== symbolic.every(Boolean) || symbolic.some((b) => b !== symbolic[0])) {
      throw new Error(`Layer "${this.name}" (${this.className}): the input and the initialState must all be symbolic tensors (from tn.input()) or all be tensors`);
    }
    return super.apply([inputs, ...states], rest);
  }

  /** The sequence input's shape, from a call on [x, ...initial states] or on x. */
  protected sequenceShape(inputShape: Shape | Shape[]): Shape {
    const s = Array.isArray(inputShape[0]) ? (inputShape as Shape[])[0] : (inputShape as Shape);
    if (s.length !== 3 || s[2] === null) {
      throw new Error(`Input 0 of layer "${this.name}" is incompatible with the layer: expected ndim=3 [batch, timesteps, features] with known features, found shape=${formatShape(s)}`);
    }
    return s;
  }

  call(inputs: LayerInput, args: CallArgs = {}): LayerOutput {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const x = list[0];
    // apply() checks a single input against the InputSpec; with initial states it sees a list, so check x here.
    if (list.length > 1) this.assertInputCompatibility(x.shape);
    if (x.rank !== this.sequenceRank()) {
      throw new Error(`Input 0 of layer "${this.name}" is incompatible with the layer: expected ndim=${this.sequenceRank()} ${this.sequenceLayout()}, found ndim=${x.rank}. Full shape received: ${formatShape(x.shape)}`);
    }
    const [batch, time] = x.shape;
    if (time === 0) throw new Error(`Layer "${this.name}" received a sequence with no timesteps (shape ${fmt(x.shape)})`);
    const shapes = this.stateShapes(x.shape).map((s) => [batch, ...s]);
    const given = list.slice(1);
    let initial: Tensor[];
    let fromZeros = false;
    if (given.length) {
      if (given.length !== shapes.length) {
        throw new Error(`Layer "${this.name}" (${this.className}) has ${shapes.length} state(s) but received ${given.length} initial state tensor(s)`);
      }
      given.forEach((s, i) => {
        if (s.rank !== shapes[i].length || s.shape.some((d, k) => d !== shapes[i][k])) {
          throw new Error(`Layer "${this.name}" (${this.className}): initial state ${i} must have shape ${fmt(shapes[i])}, received ${fmt(s.shape)}`);
        }
      });
      initial = given;
    } else if (this.stateful) {
      // A copy: the carried values are overwritten after the loop, and the backward pass may still read the start.
      initial = this.carriedStates(batch, x.shape).map((s) => s.clone());
    } else {
      initial = shapes.map((s) => zeros(s));
      fromZeros = true;
    }
    const m = firstMask(args.mask);
    const mask = m ? maskValues(m, x, this) : null;
    const { output, states } = this.run(x, initial, fromZeros, mask, args.training ?? false);
    if (this.stateful) this.carriedStates(batch, x.shape).forEach((c, i) => c.values.set(states[i].values));
    return this.returnState ? [output, ...states] : output;
  }

  /** The stateful layer's states, allocated at the first batch (whose size every later batch must have). */
  private carriedStates(batch: number, inputShape: readonly number[]): Tensor[] {
    if (!this.carried) {
      const known = this.batchInputShape?.[0] ?? batch;
      this.carried = persistent(() => this.stateShapes(inputShape).map((s) => zeros([known, ...s])));
    }
    const held = this.carried[0].shape[0];
    if (held !== batch) {
      throw new Error(`Layer "${this.name}" (${this.className}) is stateful with a batch size of ${held}, but received a batch of ${batch}. A stateful layer needs every batch to have the same size (its sample i continues sample i of the batch before).`);
    }
    return this.carried;
  }

  /** The carried states (stateful layers), as copies; null before the first batch. */
  get states(): Tensor[] | null {
    return this.carried ? this.carried.map((s) => s.clone()) : null;
  }

  /** Sets a stateful layer's states to zeros, or to `states` (one [batch, ...stateShapes()[i]] tensor per state). */
  resetStates(states?: TensorLike | TensorLike[]): void {
    if (!this.stateful) throw new Error(`Layer "${this.name}" (${this.className}) is not stateful; resetStates() applies to layers created with stateful: true`);
    if (states === undefined) {
      for (const c of this.carried ?? []) c.values.fill(0);
      return;
    }
    const list: TensorLike[] = Array.isArray(states) && states.length > 0 && states.every((s) => s instanceof Tensor) ? states : [states as TensorLike];
    const shapes = this.stateShapes(this.batchInputShape ?? undefined);
    if (list.length !== shapes.length) throw new Error(`Layer "${this.name}" (${this.className}) has ${shapes.length} state(s), but resetStates received ${list.length}`);
    const ts = list.map((s) => toTensor(s, `resetStates of layer "${this.name}"`));
    // A declared batch size is the one every later batch must have, so states of another size would only move the
    // error to the next call; without one, the states set it.
    const declared = this.batchInputShape?.[0] ?? null;
    const batch = declared ?? ts[0].shape[0];
    const of = declared === null ? 'state 0\'s batch size' : 'the layer\'s batch size';
    ts.forEach((t, i) => {
      if (t.rank !== shapes[i].length + 1 || t.shape[0] !== batch || shapes[i].some((d, k) => d !== t.shape[k + 1])) {
        throw new Error(`Layer "${this.name}" (${this.className}): state ${i} must have shape ${fmt([batch, ...shapes[i]])} (${of}, ${batch}, first), received ${fmt(t.shape)}`);
      }
    });
    if (!this.carried || this.carried[0].shape[0] !== batch) this.carried = persistent(() => shapes.map((s) => zeros([batch, ...s])));
    this.carried.forEach((c, i) => c.values.set(ts[i].values));
  }

  /**
   * The loop: `step(t, states)` gives step t's output and new states. A masked step keeps the states it received and
   * repeats the previous output (or outputs zeros with zeroOutputForMask), as Keras's.
   */
  protected loop(x: Tensor, initial: Tensor[], mask: Float32Array | null, step: (t: number, states: Tensor[]) => [Tensor, Tensor[]]): RunResult {
    const [batch, time] = x.shape;
    let states = initial;
    let previous: Tensor | null = null;
    const outputs: Tensor[] = [];
    for (let k = 0; k < time; k++) {
      const t = this.goBackwards ? time - 1 - k : k;
      let [y, next] = step(t, states);
      if (mask) {
        const keep = new Float32Array(batch);
        let kept = 0;
        for (let b = 0; b < batch; b++) kept += keep[b] = mask[b * time + t];
        // A step no sample masks is a plain step; otherwise blend: keep * new + (1 - keep) * old, per sample.
        if (kept < batch) {
          // [batch, 1, ...]: one weight per sample, against states and outputs of any rank.
          const column = [batch, ...y.shape.slice(1).map(() => 1)];
          const m = tensor(keep, column);
          const rest = tensor(keep.map((v) => 1 - v), column);
          const old = states;
          next = next.map((s, i) => add(mul(m, s), mul(rest, old[i])));
          y = this.zeroOutputForMask ? mul(m, y) : add(mul(m, y), mul(rest, previous ?? zeros(y.shape)));
        }
      }
      states = next;
      previous = y;
      if (this.returnSequences) outputs.push(y);
    }
    return { output: this.returnSequences ? stack(outputs, 1) : previous!, states };
  }

  override computeMask(_inputs: LayerInput, mask: Mask): Mask {
    const out = this.returnSequences ? firstMask(mask) : null;
    return this.returnState ? [out, ...this.stateSizes().map(() => null)] : out;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const s = this.sequenceShape(inputShape);
    const out: Shape = this.returnSequences ? [s[0], s[1], this.outputSize()] : [s[0], this.outputSize()];
    return this.returnState ? [out, ...this.stateSizes().map((n): Shape => [s[0], n])] : out;
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), returnSequences: this.returnSequences, returnState: this.returnState, goBackwards: this.goBackwards,
      stateful: this.stateful,
      // Written only when set, as Keras 2 writes it (readers that do not know the key never see it otherwise).
      ...(this.zeroOutputForMask ? { zeroOutputForMask: true } : {}),
    };
  }

  protected override optionsOutsideConfig(): string[] {
    // unroll is taken and has no effect: it changes how Keras builds the loop, not what it computes.
    return ['zeroOutputForMask', 'unroll'];
  }
}

/** What the three recurrent layers share: arguments, weights, the projection of the inputs. */
export abstract class RNNBase extends Recurrent {
  readonly units: number;
  readonly activation: ActivationFunction;
  readonly useBias: boolean;
  readonly dropout: number;
  readonly recurrentDropout: number;
  protected readonly args: RNNArgs;
  kernel: Variable | null = null;
  recurrentKernel: Variable | null = null;
  bias: Variable | null = null;
  /** Gates per step: the kernel has gates * units columns. */
  protected abstract readonly gates: number;

  constructor(units: number | RNNArgs, args: RNNArgs, cls: string) {
    const a = typeof units === 'object' ? units : { ...args, units };
    super(a, cls);
    this.args = a;
    this.units = positiveInt(a.units, cls, 'units');
    this.activation = getActivation(a.activation === undefined ? 'tanh' : a.activation);
    this.useBias = a.useBias ?? true;
    this.dropout = dropoutRate(a.dropout, cls, 'dropout');
    this.recurrentDropout = dropoutRate(a.recurrentDropout, cls, 'recurrentDropout');
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = this.sequenceShape(inputShape);
    const features = s[2] as number;
    const a = this.args;
    const cols = this.gates * this.units;
    this.kernel = this.addWeight('kernel', { shape: [features, cols], initializer: a.kernelInitializer ?? 'glorot_uniform', regularizer: a.kernelRegularizer, constraint: a.kernelConstraint });
    this.recurrentKernel = this.addWeight('recurrent_kernel', { shape: [this.units, cols], initializer: a.recurrentInitializer ?? 'orthogonal', regularizer: a.recurrentRegularizer, constraint: a.recurrentConstraint });
    if (this.useBias) this.bias = this.addWeight('bias', { shape: this.biasShape(), initializer: this.biasInit(), regularizer: a.biasRegularizer, constraint: a.biasConstraint });
    this.inputSpec = { ndim: 3, axes: { 2: features } };
    super.build(inputShape);
  }

  outputSize(): number {
    return this.units;
  }

  protected biasShape(): number[] {
    return [this.gates * this.units];
  }

  protected biasInit(): InitializerIdentifier {
    return this.args.biasInitializer ?? 'zeros';
  }

  /** The bias added to the input projection (all of it, except GRU's recurrent half). */
  protected inputBias(): Tensor | null {
    return this.bias;
  }

  /** One step from the projected input [batch, gates*units], the states and the state the recurrent matMul reads. */
  protected abstract step(xw: Tensor, states: Tensor[], hr: Tensor): Tensor[];

  /** The whole loop in one native op, when this configuration has one: h after every step, time-major. */
  protected nativeSequence(_xw: Tensor, _reverse: boolean): Tensor | null {
    return null;
  }

  /**
   * The whole forward pass in one native op for inference, input projection included (x batch-major), when this
   * configuration has one and no gradient is recorded: h time-major, [time, batch, units] with `sequences`, else the
   * last step only, [1, batch, units].
   */
  protected nativeInference(_x: Tensor, _reverse: boolean, _sequences: boolean): Tensor | null {
    return null;
  }

  /**
   * A masked batch whose kept steps are one block per sample, on the native loop: each sample's kept steps are moved
   * to the front in the order the loop reads them (reversed for goBackwards), the loop runs once, and every output is
   * read from the state after the kept steps processed so far (zeros before the first). Exactly the masked loop: a
   * state depends on the steps before it only. Null when this layer has no native loop.
   */
  private nativeBlocks(input: Tensor, blocks: { start: Int32Array; end: Int32Array }): RunResult | null {
    const [batch, time, features] = input.shape;
    const { start, end } = blocks;
    const gatherRows = new Int32Array(batch * time);
    for (let b = 0; b < batch; b++) {
      const n = end[b] - start[b];
      for (let k = 0; k < time; k++) {
        const t = k < n ? (this.goBackwards ? end[b] - 1 - k : start[b] + k) : k;
        gatherRows[b * time + k] = b * time + t;
      }
    }
    const moved = reshape(gather(reshape(input, [batch * time, features]), tensor(gatherRows, [batch * time], 'int32'), 0), [batch, time, features]);
    const hs = this.nativeInference(moved, false, true) ?? this.nativeSequence(this.project(moved, true), false);
    if (!hs) return null;
    const flat = reshape(hs, [time * batch, this.units]);
    // Rows (step, sample) of the time-major states to read, and whether each output is that state (else zeros).
    const pick = (rows: Int32Array, keep: Float32Array, shape: number[]): Tensor => {
      const picked = reshape(gather(flat, tensor(rows, [rows.length], 'int32'), 0), shape);
      return keep.every((k) => k === 1) ? picked : mul(picked, tensor(keep, [...shape.slice(0, -1), 1]));
    };
    const lengths = Int32Array.from(end, (e, b) => e - start[b]);
    const last = pick(Int32Array.from(lengths, (n, b) => Math.max(n - 1, 0) * batch + b), Float32Array.from(lengths, (n) => (n > 0 ? 1 : 0)), [batch, this.units]);
    if (!this.returnSequences) return { output: last, states: [last] };
    const rows = new Int32Array(batch * time);
    const keep = new Float32Array(batch * time);
    for (let b = 0; b < batch; b++) {
      for (let k = 0; k < time; k++) {
        const t = this.goBackwards ? time - 1 - k : k;
        // Kept steps processed up to and including processing step k.
        const done = this.goBackwards ? Math.min(Math.max(end[b] - t, 0), lengths[b]) : Math.min(Math.max(t - start[b] + 1, 0), lengths[b]);
        const kept = t >= start[b] && t < end[b];
        rows[b * time + k] = Math.max(done - 1, 0) * batch + b;
        keep[b * time + k] = done > 0 && (kept || !this.zeroOutputForMask) ? 1 : 0;
      }
    }
    return { output: pick(rows, keep, [batch, time, this.units]), states: [last] };
  }

  /**
   * Every timestep's input times the kernel, plus the input bias, in one matMul: [batch, time, gates*units], or
   * time-major [time, batch, gates*units] for the native loops (each step then reads one contiguous block).
   */
  protected project(x: Tensor, timeMajor = false): Tensor {
    const [batch, time, features] = x.shape;
    const rows = timeMajor ? reshape(transpose(x, [1, 0, 2]), [time * batch, features]) : reshape(x, [batch * time, features]);
    // The bias rides in the GEMM's epilogue and its gradient is one column sum: as a separate broadcast add, the
    // [batch * time, gates * units] pass and its reduction took 0.6 ms of an 8 ms LSTM training step at batch 32.
    const xw = dense(rows, this.kernel!, this.inputBias());
    return reshape(xw, timeMajor ? [time, batch, this.gates * this.units] : [batch, time, this.gates * this.units]);
  }

  protected run(x: Tensor, initial: Tensor[], fromZeros: boolean, mask: Float32Array | null, training: boolean): RunResult {
    const [batch, time, features] = x.shape;
    // Keras's dropout: one mask per sequence, on the inputs (before the projection) and on the recurrent state.
    const input = training && this.dropout > 0 ? mul(x, reshape(dropoutMask(batch, features, this.dropout), [batch, 1, features])) : x;
    const recurrentMask = training && this.recurrentDropout > 0 ? dropoutMask(batch, this.units, this.recurrentDropout) : null;
    // The native loops start from zeros, step every sample at every step, and give h only.
    const nativeOk = fromZeros && !recurrentMask && !(this.returnState && this.stateSizes().length > 1);
    const blocks = mask && nativeOk ? keptBlocks(mask, batch, time) : null;
    if (blocks) {
      const result = this.nativeBlocks(input, blocks);
      if (result) return result;
    }
    if (nativeOk && !mask) {
      const hs = this.nativeInference(input, this.goBackwards, this.returnSequences) ?? this.nativeSequence(this.project(input, true), this.goBackwards);
      if (hs) {
        const last = reshape(slice(hs, [hs.shape[0] - 1, 0, 0], [1, batch, this.units]), [batch, this.units]);
        return { output: this.returnSequences ? transpose(hs, [1, 0, 2]) : last, states: [last] };
      }
    }
    const projected = this.project(input);
    const cols = this.gates * this.units;
    return this.loop(x, initial, mask, (t, states) => {
      const xt = reshape(slice(projected, [0, t, 0], [batch, 1, cols]), [batch, cols]);
      const next = this.step(xt, states, recurrentMask ? mul(states[0], recurrentMask) : states[0]);
      return [next[0], next];
    });
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), ...recurrentConfig(this, this.args) };
  }
}

/** h_t = activation(x_t W + h_{t-1} U + b). */
export class SimpleRNN extends RNNBase {
  protected readonly gates = 1;
  constructor(units: number | RNNArgs, args: RNNArgs = {}) {
    super(units, args, 'SimpleRNN');
  }
  stateSizes(): number[] {
    return [this.units];
  }
  protected step(xw: Tensor, _states: Tensor[], hr: Tensor): Tensor[] {
    return [simpleRNNStep(this.activation, this.recurrentKernel!, xw, hr)];
  }
}

/** Long short-term memory, gates in Keras's kernel order i, f, c, o: c_t = f c + i g, h_t = o tanh(c_t). */
export class LSTM extends RNNBase {
  protected readonly gates = 4;
  readonly recurrentActivation: ActivationFunction;
  readonly unitForgetBias: boolean;
  constructor(units: number | LSTMArgs, args: LSTMArgs = {}) {
    super(units, args, 'LSTM');
    const a = (typeof units === 'object' ? units : args) as LSTMArgs;
    this.recurrentActivation = getActivation(a.recurrentActivation ?? 'sigmoid');
    this.unitForgetBias = a.unitForgetBias ?? true;
  }
  stateSizes(): number[] {
    return [this.units, this.units];
  }
  override build(inputShape: Shape | Shape[]): void {
    super.build(inputShape);
    if (this.bias && this.args.biasInitializer === undefined && this.unitForgetBias) setForgetBias(this.bias, this.units);
  }
  protected override nativeSequence(xw: Tensor, reverse: boolean): Tensor | null {
    // A tanh cell with a sigmoid or hard sigmoid gate: the whole time loop runs natively (lstmSequence), forward
    // and backward.
    const gate = nativeGate(this.activation, this.recurrentActivation);
    if (gate === null) return null;
    return lstmSequence(xw, this.recurrentKernel!, reverse, `lstm (layer "${this.name}")`, gate);
  }
  protected override nativeInference(x: Tensor, reverse: boolean, sequences: boolean): Tensor | null {
    const gate = nativeGate(this.activation, this.recurrentActivation);
    if (gate === null) return null;
    return lstmInference(x, this.kernel!, this.inputBias(), this.recurrentKernel!, reverse, sequences, `lstm (layer "${this.name}")`, gate);
  }
  protected step(xw: Tensor, [, c]: Tensor[], hr: Tensor): Tensor[] {
    return lstmStep(this.activation, this.recurrentActivation, this.recurrentKernel!, xw, c, hr);
  }
  override getConfig() {
    return { ...super.getConfig(), recurrentActivation: this.recurrentActivation.name, unitForgetBias: this.unitForgetBias };
  }
}

/**
 * The native loops' gate for these activations: a tanh cell and candidate with the sigmoid or one of the hard
 * sigmoids (TF.js's default) as the gate; null for anything else (the step-by-step path runs it).
 */
function nativeGate(activation: ActivationFunction, recurrentActivation: ActivationFunction): RecurrentGateName | null {
  if (activation.name !== 'tanh') return null;
  const gate = recurrentActivation.name;
  return gate === 'sigmoid' || gate === 'hard_sigmoid' || gate === 'hard_sigmoid_legacy' ? gate : null;
}

/** Keras's unit_forget_bias: the forget gate's quarter of the bias starts at 1, the rest as initialized. */
export function setForgetBias(bias: Variable, units: number): void {
  const v = bias.data() as Float32Array;
  v.fill(1, units, 2 * units);
  bias.assign(tensor(v, [4 * units]));
}

/** Row i of a resetAfter GRU bias [2, 3u]: row 0 joins the input projection, row 1 the state's. */
function biasRow(bias: Tensor, i: number): Tensor {
  const cols = bias.shape[1];
  return reshape(slice(bias, [i, 0], [1, cols]), [cols]);
}

/**
 * Gated recurrent unit, gates in Keras's order z, r, h. With resetAfter (the default): hh = tanh(x W_h + b_h +
 * r * (h U_h + b'_h)) with the input and recurrent biases as the two rows of bias [2, 3*units]; h_t = z h + (1 - z) hh.
 */
export class GRU extends RNNBase {
  protected readonly gates = 3;
  readonly recurrentActivation: ActivationFunction;
  readonly resetAfter: boolean;
  private recurrentBias: Tensor | null = null;
  constructor(units: number | GRUArgs, args: GRUArgs = {}) {
    super(units, args, 'GRU');
    const a = (typeof units === 'object' ? units : args) as GRUArgs;
    this.recurrentActivation = getActivation(a.recurrentActivation ?? 'sigmoid');
    this.resetAfter = a.resetAfter ?? true;
  }
  stateSizes(): number[] {
    return [this.units];
  }
  protected override biasShape(): number[] {
    return this.resetAfter ? [2, 3 * this.units] : [3 * this.units];
  }
  protected override inputBias(): Tensor | null {
    if (!this.bias) return null;
    return this.resetAfter ? biasRow(this.bias, 0) : this.bias;
  }
  protected override run(x: Tensor, initial: Tensor[], fromZeros: boolean, mask: Float32Array | null, training: boolean): RunResult {
    // Sliced per call, inside the step scope, so that the slice is recorded for the gradient of the one bias.
    this.recurrentBias = this.bias && this.resetAfter ? biasRow(this.bias, 1) : null;
    return super.run(x, initial, fromZeros, mask, training);
  }
  protected override nativeSequence(xw: Tensor, reverse: boolean): Tensor | null {
    // A tanh candidate with a sigmoid or hard sigmoid gate, with or without resetAfter: the whole time loop runs
    // natively (gruSequence).
    const gate = nativeGate(this.activation, this.recurrentActivation);
    if (gate === null) return null;
    return gruSequence(xw, this.recurrentKernel!, this.recurrentBias, reverse, `gru (layer "${this.name}")`, gate, this.resetAfter);
  }
  protected override nativeInference(x: Tensor, reverse: boolean, sequences: boolean): Tensor | null {
    const gate = nativeGate(this.activation, this.recurrentActivation);
    if (gate === null) return null;
    return gruInference(x, this.kernel!, this.inputBias(), this.recurrentKernel!, this.recurrentBias, reverse, sequences, `gru (layer "${this.name}")`,
      gate, this.resetAfter);
  }
  protected step(xw: Tensor, [h]: Tensor[], hr: Tensor): Tensor[] {
    return [gruStep(this.activation, this.recurrentActivation, this.recurrentKernel!, this.recurrentBias, this.resetAfter, xw, h, hr)];
  }
  override getConfig() {
    return { ...super.getConfig(), recurrentActivation: this.recurrentActivation.name, resetAfter: this.resetAfter };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Cells, and the RNN layer that runs any of them over time

/**
 * A user's cell, as Keras's: `stateSize` (a number, or one per state) and `call(input, states, { training })`
 * returning [output, newStates] for one step, input [batch, features], states [batch, size] each. A tn.Layer
 * subclass may be one (its weights are then the RNN's); build(inputShape), if present, runs once on [batch, features].
 */
export interface UserCell {
  stateSize: number | number[];
  /** The output's size at each step (default: the first state's size). */
  outputSize?: number;
  call(input: Tensor, states: Tensor[], args: { training: boolean }): [Tensor, Tensor | Tensor[]];
  build?(inputShape: Shape): void;
  trainableWeights?: Variable[];
  nonTrainableWeights?: Variable[];
}

export type Cell = RNNCell | UserCell;

function isCell(c: unknown): c is Cell {
  if (c instanceof RNNCell) return true;
  if (c === null || typeof c !== 'object') return false;
  const u = c as Partial<UserCell>;
  const sizes = Array.isArray(u.stateSize) ? u.stateSize : [u.stateSize];
  return typeof u.call === 'function' && sizes.length > 0 && sizes.every((n) => Number.isInteger(n) && (n as number) > 0);
}

function cellName(c: Cell): string {
  return c instanceof Layer ? `cell "${c.name}" (${c.className})` : 'the cell';
}

function stateSizesOf(c: Cell): number[] {
  if (c instanceof RNNCell) return c.stateSizes();
  return Array.isArray(c.stateSize) ? c.stateSize.slice() : [c.stateSize];
}

function outputSizeOf(c: Cell): number {
  if (c instanceof RNNCell) return c.outputSize;
  return c.outputSize ?? stateSizesOf(c)[0];
}

/** One step of any cell, with its result checked (a user's cell may return anything). */
function stepCell(c: Cell, x: Tensor, states: Tensor[], training: boolean): [Tensor, Tensor[]] {
  if (c instanceof RNNCell) return c.step(x, states, training);
  const r = c.call(x, states, { training });
  const sizes = stateSizesOf(c);
  const next = Array.isArray(r) ? (Array.isArray(r[1]) ? r[1] : [r[1]]) : [];
  if (!Array.isArray(r) || r.length !== 2 || !(r[0] instanceof Tensor) || next.length !== sizes.length || next.some((s) => !(s instanceof Tensor))) {
    throw new Error(`RNN: ${cellName(c)} must return [output, newStates] with ${sizes.length} state tensor(s), as Keras's cells do`);
  }
  next.forEach((s, i) => {
    if (s.rank !== 2 || s.shape[0] !== x.shape[0] || s.shape[1] !== sizes[i]) {
      throw new Error(`RNN: ${cellName(c)} returned state ${i} of shape ${fmt(s.shape)}; its stateSize says ${fmt([x.shape[0], sizes[i]])}`);
    }
  });
  return [r[0], next];
}

const builtUserCells = new WeakSet<object>();

/** Builds a cell once for inputs [batch, features]; a Layer cell's weights are named in the RNN's scope. */
function buildCell(c: Cell, scope: string, shape: Shape): void {
  if (c instanceof Layer) {
    if (!c.built && c.weightScope === null) c.weightScope = scope;
    c.maybeBuild(shape);
  } else if (typeof c.build === 'function' && !builtUserCells.has(c)) {
    persistent(() => c.build!(shape));
    builtUserCells.add(c);
  }
}

function cellWeights(c: Cell, trainable: boolean): Variable[] {
  if (c instanceof Layer) return trainable ? c.trainableWeights : c.nonTrainableWeights;
  return (trainable ? c.trainableWeights : c.nonTrainableWeights) ?? [];
}

function serializeCell(c: Cell, owner: string): { className: string; config: Record<string, unknown> } {
  if (!(c instanceof Layer)) {
    throw new Error(`${owner}: its cell is a plain object, which has no config to save; make it a tn.Layer subclass registered with tn.serialization.registerClass to save the model`);
  }
  return { className: c.className, config: c.getConfig() };
}

/**
 * The base of the built-in cells, and TF.js's tf.layers.RNNCell: one step of a recurrence, with its own weights.
 * RNN(cell) runs it over time; called on its own (TF.js's way) it takes [input, ...states] and returns [output,
 * ...newStates]. A subclass defines step(x, states, training), or, as a cell ported from TF.js does, stateSize and
 * call([input, ...states], kwargs) returning [output, ...newStates] (with build(inputShape) creating its weights).
 */
export abstract class RNNCell extends Layer {
  /** The states' sizes: a number for one state (SimpleRNNCell, GRUCell), one per state otherwise (LSTMCell). */
  abstract stateSize: number | number[];

  /** The output's size at each step: the first state's, unless a cell says otherwise. */
  get outputSize(): number {
    return this.stateSizes()[0];
  }

  stateSizes(): number[] {
    const s = this.stateSize;
    return Array.isArray(s) ? s.slice() : [s];
  }

  /** Called before the first step of a sequence: draws that sequence's dropout masks. */
  beginSequence(_batch: number, _inputSize: number, _training: boolean): void {}

  /**
   * One step: input [batch, features] and the states; returns the output and the new states. By default the step is
   * the subclass's own call([x, ...states]), TF.js's convention for a cell.
   */
  step(x: Tensor, states: Tensor[], training: boolean): [Tensor, Tensor[]] {
    if (this.call === RNNCell.prototype.call) {
      throw new Error(`Layer "${this.name}" (${this.className}) is an RNNCell that defines neither step(x, states, training) nor, as TF.js's cells do, call([input, ...states]) returning [output, ...newStates]`);
    }
    const r = this.call([x, ...states], { training });
    const out = Array.isArray(r) ? r : [r];
    if (out.length !== states.length + 1 || out.some((t) => !(t instanceof Tensor))) {
      throw new Error(`Layer "${this.name}" (${this.className}): call([input, ...states]) must return [output, ...newStates], ${states.length + 1} tensors for its ${states.length} state(s), received ${out.length} value(s)`);
    }
    return [out[0] as Tensor, out.slice(1) as Tensor[]];
  }

  call(inputs: LayerInput, args: CallArgs = {}): LayerOutput {
    const [x, ...states] = Array.isArray(inputs) ? inputs : [inputs];
    const sizes = this.stateSizes();
    if (states.length !== sizes.length) {
      throw new Error(`Layer "${this.name}" (${this.className}) is called on [input, ...states] with ${sizes.length} state(s), but received ${states.length}`);
    }
    this.beginSequence(x.shape[0], x.shape[x.rank - 1], args.training ?? false);
    const [y, next] = this.step(x, states, args.training ?? false);
    return [y, ...next];
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape[] {
    const s = Array.isArray(inputShape[0]) ? (inputShape as Shape[])[0] : (inputShape as Shape);
    return [[s[0], this.outputSize], ...this.stateSizes().map((n): Shape => [s[0], n])];
  }
}

export interface RNNCellArgs extends LayerArgs {
  units?: number;
  activation?: ActivationIdentifier;
  recurrentActivation?: ActivationIdentifier;
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier;
  recurrentInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier;
  recurrentRegularizer?: RegularizerIdentifier;
  biasRegularizer?: RegularizerIdentifier;
  kernelConstraint?: ConstraintIdentifier;
  recurrentConstraint?: ConstraintIdentifier;
  biasConstraint?: ConstraintIdentifier;
  dropout?: number;
  recurrentDropout?: number;
  /** LSTMCell: start the forget gate's bias at 1. */
  unitForgetBias?: boolean;
  /** GRUCell: apply the reset gate after the recurrent matMul (bias [2, 3 * units]). */
  resetAfter?: boolean;
}

/** The weights and options SimpleRNNCell, LSTMCell and GRUCell share (the same as their layers'). */
abstract class GateCell extends RNNCell {
  readonly units: number;
  readonly activation: ActivationFunction;
  readonly useBias: boolean;
  readonly dropout: number;
  readonly recurrentDropout: number;
  protected readonly args: RNNCellArgs;
  protected abstract readonly gates: number;
  kernel: Variable | null = null;
  recurrentKernel: Variable | null = null;
  bias: Variable | null = null;
  /** This sequence's dropout masks, and the input bias as sliced for it. */
  protected inputMask: Tensor | null = null;
  protected recurrentMask: Tensor | null = null;

  constructor(units: number | RNNCellArgs, args: RNNCellArgs, cls: string) {
    const a = typeof units === 'object' ? units : { ...args, units };
    super(a);
    this.args = a;
    this.units = positiveInt(a.units, cls, 'units');
    this.activation = getActivation(a.activation === undefined ? 'tanh' : a.activation);
    this.useBias = a.useBias ?? true;
    this.dropout = dropoutRate(a.dropout, cls, 'dropout');
    this.recurrentDropout = dropoutRate(a.recurrentDropout, cls, 'recurrentDropout');
  }

  override get outputSize(): number {
    return this.units;
  }

  protected biasShape(): number[] {
    return [this.gates * this.units];
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = Array.isArray(inputShape[0]) ? (inputShape as Shape[])[0] : (inputShape as Shape);
    const features = s[s.length - 1];
    if (s.length !== 2 || features === null) {
      throw new Error(`Layer "${this.name}" (${this.className}) expects inputs [batch, features] with known features, received shape ${formatShape(s)}`);
    }
    const a = this.args;
    const cols = this.gates * this.units;
    this.kernel = this.addWeight('kernel', { shape: [features, cols], initializer: a.kernelInitializer ?? 'glorot_uniform', regularizer: a.kernelRegularizer, constraint: a.kernelConstraint });
    this.recurrentKernel = this.addWeight('recurrent_kernel', { shape: [this.units, cols], initializer: a.recurrentInitializer ?? 'orthogonal', regularizer: a.recurrentRegularizer, constraint: a.recurrentConstraint });
    if (this.useBias) this.bias = this.addWeight('bias', { shape: this.biasShape(), initializer: a.biasInitializer ?? 'zeros', regularizer: a.biasRegularizer, constraint: a.biasConstraint });
    super.build(inputShape);
  }

  override beginSequence(batch: number, inputSize: number, training: boolean): void {
    this.inputMask = training && this.dropout > 0 ? dropoutMask(batch, inputSize, this.dropout) : null;
    this.recurrentMask = training && this.recurrentDropout > 0 ? dropoutMask(batch, this.units, this.recurrentDropout) : null;
  }

  protected inputBias(): Tensor | null {
    return this.bias;
  }

  /** This step's x W + input bias (x after input dropout), and the state the recurrent matMul reads. */
  protected project(x: Tensor, h: Tensor): [Tensor, Tensor] {
    const features = this.kernel!.shape[0];
    if (x.rank !== 2 || x.shape[1] !== features) {
      throw new Error(`Layer "${this.name}" (${this.className}) expects inputs [batch, ${features}], received shape ${fmt(x.shape)}`);
    }
    const xi = this.inputMask && this.inputMask.shape[0] === x.shape[0] ? mul(x, this.inputMask) : x;
    let xw = matMul(xi, this.kernel!);
    const b = this.inputBias();
    if (b) xw = add(xw, b);
    return [xw, this.recurrentMask && this.recurrentMask.shape[0] === h.shape[0] ? mul(h, this.recurrentMask) : h];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), ...recurrentConfig(this, this.args) };
  }
}

/** SimpleRNN's step as a cell: h_t = activation(x_t W + h_{t-1} U + b); state [h]. */
export class SimpleRNNCell extends GateCell {
  protected readonly gates = 1;
  constructor(units: number | RNNCellArgs, args: RNNCellArgs = {}) {
    super(units, args, 'SimpleRNNCell');
  }
  get stateSize(): number {
    return this.units;
  }
  override step(x: Tensor, [h]: Tensor[]): [Tensor, Tensor[]] {
    const [xw, hr] = this.project(x, h);
    const y = simpleRNNStep(this.activation, this.recurrentKernel!, xw, hr);
    return [y, [y]];
  }
}

/** LSTM's step as a cell (gates i, f, c, o); states [h, c]. */
export class LSTMCell extends GateCell {
  protected readonly gates = 4;
  readonly recurrentActivation: ActivationFunction;
  readonly unitForgetBias: boolean;
  constructor(units: number | RNNCellArgs, args: RNNCellArgs = {}) {
    super(units, args, 'LSTMCell');
    this.recurrentActivation = getActivation(this.args.recurrentActivation ?? 'sigmoid');
    this.unitForgetBias = this.args.unitForgetBias ?? true;
  }
  get stateSize(): number[] {
    return [this.units, this.units];
  }
  override build(inputShape: Shape | Shape[]): void {
    super.build(inputShape);
    if (this.bias && this.args.biasInitializer === undefined && this.unitForgetBias) setForgetBias(this.bias, this.units);
  }
  override step(x: Tensor, [h, c]: Tensor[]): [Tensor, Tensor[]] {
    const [xw, hr] = this.project(x, h);
    const [h2, c2] = lstmStep(this.activation, this.recurrentActivation, this.recurrentKernel!, xw, c, hr);
    return [h2, [h2, c2]];
  }
  override getConfig() {
    return { ...super.getConfig(), recurrentActivation: this.recurrentActivation.name, unitForgetBias: this.unitForgetBias };
  }
}

/** GRU's step as a cell (gates z, r, h; resetAfter by default, as Keras 3's); state [h]. */
export class GRUCell extends GateCell {
  protected readonly gates = 3;
  readonly recurrentActivation: ActivationFunction;
  readonly resetAfter: boolean;
  constructor(units: number | RNNCellArgs, args: RNNCellArgs = {}) {
    super(units, args, 'GRUCell');
    this.recurrentActivation = getActivation(this.args.recurrentActivation ?? 'sigmoid');
    this.resetAfter = this.args.resetAfter ?? true;
  }
  get stateSize(): number {
    return this.units;
  }
  protected override biasShape(): number[] {
    return this.resetAfter ? [2, 3 * this.units] : [3 * this.units];
  }
  protected override inputBias(): Tensor | null {
    if (!this.bias) return null;
    return this.resetAfter ? biasRow(this.bias, 0) : this.bias;
  }
  override step(x: Tensor, [h]: Tensor[]): [Tensor, Tensor[]] {
    const [xw, hr] = this.project(x, h);
    const recurrentBias = this.bias && this.resetAfter ? biasRow(this.bias, 1) : null;
    const y = gruStep(this.activation, this.recurrentActivation, this.recurrentKernel!, recurrentBias, this.resetAfter, xw, h, hr);
    return [y, [y]];
  }
  override getConfig() {
    return { ...super.getConfig(), recurrentActivation: this.recurrentActivation.name, resetAfter: this.resetAfter };
  }
}

export interface StackedRNNCellsArgs extends LayerArgs {
  cells?: Cell[];
}

/**
 * Cells run one after another within each step (a deep recurrence in one loop): cell k reads cell k-1's output. The
 * states are every cell's states in cell order; the output is the last cell's.
 */
export class StackedRNNCells extends RNNCell {
  readonly cells: Cell[];
  constructor(cells: Cell[] | StackedRNNCellsArgs, args: StackedRNNCellsArgs = {}) {
    const a = Array.isArray(cells) ? { ...args, cells } : cells;
    super(a);
    if (!Array.isArray(a.cells) || a.cells.length === 0 || !a.cells.every(isCell)) {
      throw invalid('StackedRNNCells', 'cells', 'a non-empty list of cells (SimpleRNNCell, LSTMCell, GRUCell, or objects with stateSize and call)', Array.isArray(a.cells) ? a.cells.map((c) => (c as object)?.constructor?.name ?? typeof c) : a.cells);
    }
    this.cells = a.cells.slice();
  }
  get stateSize(): number[] {
    return this.cells.flatMap(stateSizesOf);
  }
  override get outputSize(): number {
    return outputSizeOf(this.cells[this.cells.length - 1]);
  }
  override build(inputShape: Shape | Shape[]): void {
    const s = Array.isArray(inputShape[0]) ? (inputShape as Shape[])[0] : (inputShape as Shape);
    let width = s[s.length - 1];
    this.cells.forEach((c, i) => {
      buildCell(c, `${this.weightScope ?? this.name}/cell_${i}`, [s[0], width]);
      width = outputSizeOf(c);
    });
    super.build(inputShape);
  }
  override beginSequence(batch: number, inputSize: number, training: boolean): void {
    let width = inputSize;
    for (const c of this.cells) {
      if (c instanceof RNNCell) c.beginSequence(batch, width, training);
      width = outputSizeOf(c);
    }
  }
  override step(x: Tensor, states: Tensor[], training: boolean): [Tensor, Tensor[]] {
    let y = x;
    let at = 0;
    const next: Tensor[] = [];
    for (const c of this.cells) {
      const n = stateSizesOf(c).length;
      const [out, s] = stepCell(c, y, states.slice(at, at + n), training);
      at += n;
      y = out;
      next.push(...s);
    }
    return [y, next];
  }
  protected override innerLayers(): Layer[] {
    return (this.cells as unknown[]).filter((c): c is Layer => c instanceof Layer);
  }

  override get trainableWeights(): Variable[] {
    return this.trainable ? this.cells.flatMap((c) => cellWeights(c, true)) : [];
  }
  override get nonTrainableWeights(): Variable[] {
    const all = this.cells.flatMap((c) => [...cellWeights(c, true), ...cellWeights(c, false)]);
    return this.trainable ? this.cells.flatMap((c) => cellWeights(c, false)) : all;
  }
  override get losses(): Tensor[] {
    return [...super.losses, ...this.cells.flatMap((c) => (c instanceof Layer ? c.losses : []))];
  }
  override getConfig() {
    return { ...super.getConfig(), cells: this.cells.map((c) => serializeCell(c, `StackedRNNCells "${this.name}"`)) };
  }
}

export interface RNNLayerArgs extends RecurrentArgs {
  /** The cell run at every step; a list of cells is run as StackedRNNCells. */
  cell?: Cell | Cell[];
}

/**
 * Keras's RNN(cell): runs a cell over the time axis of [batch, time, features], with the same options as the
 * recurrent layers (returnSequences, returnState, goBackwards, stateful, masks, initialState). RNN(LSTMCell(u))
 * computes what LSTM(u) does with the same weights.
 */
export class RNN extends Recurrent {
  readonly cell: Cell;
  constructor(cell: Cell | Cell[] | RNNLayerArgs, args: RNNLayerArgs = {}) {
    const a: RNNLayerArgs = Array.isArray(cell) || isCell(cell) ? { ...args, cell: cell as Cell | Cell[] } : (cell as RNNLayerArgs);
    super(a, 'RNN');
    const c = Array.isArray(a.cell) ? new StackedRNNCells({ cells: a.cell }) : a.cell;
    if (!isCell(c)) {
      throw invalid('RNN', 'cell', 'a cell (SimpleRNNCell, LSTMCell, GRUCell, StackedRNNCells, or an object with stateSize and call(input, states))', c === undefined ? undefined : (c as object)?.constructor?.name ?? c);
    }
    this.cell = c;
  }
  stateSizes(): number[] {
    return stateSizesOf(this.cell);
  }
  outputSize(): number {
    return outputSizeOf(this.cell);
  }
  override build(inputShape: Shape | Shape[]): void {
    const s = this.sequenceShape(inputShape);
    buildCell(this.cell, this.name, [s[0], s[2]]);
    this.inputSpec = { ndim: 3, axes: { 2: s[2] as number } };
    super.build(inputShape);
  }
  protected run(x: Tensor, initial: Tensor[], _fromZeros: boolean, mask: Float32Array | null, training: boolean): RunResult {
    const [batch, , features] = x.shape;
    if (this.cell instanceof RNNCell) this.cell.beginSequence(batch, features, training);
    return this.loop(x, initial, mask, (t, states) => stepCell(this.cell, reshape(slice(x, [0, t, 0], [batch, 1, features]), [batch, features]), states, training));
  }
  protected override innerLayers(): Layer[] {
    return this.cell instanceof Layer ? [this.cell] : [];
  }

  override get trainableWeights(): Variable[] {
    return this.trainable ? cellWeights(this.cell, true) : [];
  }
  override get nonTrainableWeights(): Variable[] {
    return this.trainable ? cellWeights(this.cell, false) : [...cellWeights(this.cell, true), ...cellWeights(this.cell, false)];
  }
  override get losses(): Tensor[] {
    return [...super.losses, ...(this.cell instanceof Layer ? this.cell.losses : [])];
  }
  override getConfig() {
    return { ...super.getConfig(), cell: serializeCell(this.cell, `RNN "${this.name}"`) };
  }
}
