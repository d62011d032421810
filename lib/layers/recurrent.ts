// The recurrent layers (SimpleRNN, LSTM, GRU) with Keras's weights, gate orders and defaults. A recurrent layer
// projects every timestep's input in one matMul, then steps through time. LSTM and GRU with Keras's default
// activations run the whole time loop in one native op (lstmSequence / gruSequence, forward and through time
// backward); the other configurations step with composed ops, which record their own gradients.
import { getActivation, type Activation as ActivationFunction, type ActivationIdentifier } from '../activations.js';
import { serializeInitializer, type InitializerIdentifier } from '../initializers.js';
import { add, mul, sub } from '../ops/elementwise.js';
import { matMul } from '../ops/matmul.js';
import { gruSequence, lstmSequence } from '../ops/nn.js';
import { reshape, slice, split, stack, transpose } from '../ops/shape.js';
import { serializeRegularizer, type RegularizerIdentifier } from '../regularizers.js';
import { tensor, zeros, type Tensor, type Variable } from '../tensor.js';
import { invalid, positiveInt, single, singleShape } from './core.js';
import { Layer, type LayerArgs, type LayerInput, type Shape } from './layer.js';

export interface RNNArgs extends LayerArgs {
  units?: number;
  activation?: ActivationIdentifier;
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier;
  recurrentInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier;
  recurrentRegularizer?: RegularizerIdentifier;
  biasRegularizer?: RegularizerIdentifier;
  /** Output every timestep's state [batch, time, units] instead of the last one [batch, units]. */
  returnSequences?: boolean;
  /** Read the sequence from its end (the output sequence is then in reverse order too, as Keras's). */
  goBackwards?: boolean;
  returnState?: boolean;
  dropout?: number;
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

/** What the three recurrent layers share: arguments, weights, the loop over time. */
export abstract class RNNBase extends Layer {
  readonly units: number;
  readonly activation: ActivationFunction;
  readonly useBias: boolean;
  readonly returnSequences: boolean;
  readonly goBackwards: boolean;
  protected readonly args: RNNArgs;
  kernel: Variable | null = null;
  recurrentKernel: Variable | null = null;
  bias: Variable | null = null;
  /** Gates per step: the kernel has gates * units columns. */
  protected abstract readonly gates: number;

  constructor(units: number | RNNArgs, args: RNNArgs, cls: string) {
    const a = typeof units === 'object' ? units : { ...args, units };
    super(a);
    this.args = a;
    this.units = positiveInt(a.units, cls, 'units');
    this.activation = getActivation(a.activation === undefined ? 'tanh' : a.activation);
    this.useBias = a.useBias ?? true;
    this.returnSequences = a.returnSequences ?? false;
    this.goBackwards = a.goBackwards ?? false;
    if (a.returnState) throw invalid(cls, 'returnState', 'false (returning the final states is not supported yet)', a.returnState);
    for (const k of ['dropout', 'recurrentDropout'] as const) {
      if (a[k]) throw invalid(cls, k, '0 (dropout inside the recurrence is not supported yet; put a Dropout layer before or after)', a[k]);
    }
    this.inputSpec = { ndim: 3 };
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = singleShape(inputShape, this);
    const features = s[2];
    if (s.length !== 3 || features === null) {
      throw new Error(`Input 0 of layer "${this.name}" is incompatible with the layer: expected ndim=3 [batch, timesteps, features] with known features, found shape=${JSON.stringify(s)}`);
    }
    const a = this.args;
    const cols = this.gates * this.units;
    this.kernel = this.addWeight('kernel', { shape: [features, cols], initializer: a.kernelInitializer ?? 'glorot_uniform', regularizer: a.kernelRegularizer });
    this.recurrentKernel = this.addWeight('recurrent_kernel', { shape: [this.units, cols], initializer: a.recurrentInitializer ?? 'orthogonal', regularizer: a.recurrentRegularizer });
    if (this.useBias) this.bias = this.addWeight('bias', { shape: this.biasShape(), initializer: this.biasInit(), regularizer: a.biasRegularizer });
    this.inputSpec = { ndim: 3, axes: { 2: features } };
    super.build(inputShape);
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

  /** One step: the projected input of this timestep [batch, gates*units] and the states; returns the new states. */
  protected abstract step(xw: Tensor, states: Tensor[]): Tensor[];

  protected abstract stateCount(): number;

  /**
   * Every timestep's input times the kernel, plus the input bias, in one matMul: [batch, time, gates*units], or
   * time-major [time, batch, gates*units] for the native loops (each step then reads one contiguous block).
   */
  protected project(x: Tensor, timeMajor = false): Tensor {
    const [batch, time, features] = x.shape;
    if (time === 0) throw new Error(`Layer "${this.name}" received a sequence with no timesteps (shape [${x.shape.join(',')}])`);
    const rows = timeMajor ? reshape(transpose(x, [1, 0, 2]), [time * batch, features]) : reshape(x, [batch * time, features]);
    let xw = matMul(rows, this.kernel!);
    const b = this.inputBias();
    if (b) xw = add(xw, b);
    return reshape(xw, timeMajor ? [time, batch, this.gates * this.units] : [batch, time, this.gates * this.units]);
  }

  /** The layer's output from time-major states [time, batch, units]. */
  protected fromTimeMajor(hs: Tensor): Tensor {
    const [time, batch] = hs.shape;
    if (this.returnSequences) return transpose(hs, [1, 0, 2]);
    return reshape(slice(hs, [time - 1, 0, 0], [1, batch, this.units]), [batch, this.units]);
  }

  call(inputs: LayerInput): Tensor {
    const x = single(inputs, this);
    const [batch, time] = x.shape;
    const cols = this.gates * this.units;
    const projected = this.project(x);
    let states: Tensor[] = Array.from({ length: this.stateCount() }, () => zeros([batch, this.units]));
    const outputs: Tensor[] = [];
    for (let k = 0; k < time; k++) {
      const t = this.goBackwards ? time - 1 - k : k;
      const xt = reshape(slice(projected, [0, t, 0], [batch, 1, cols]), [batch, cols]);
      states = this.step(xt, states);
      if (this.returnSequences) outputs.push(states[0]);
    }
    return this.returnSequences ? stack(outputs, 1) : states[0];
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this);
    return this.returnSequences ? [s[0], s[1], this.units] : [s[0], this.units];
  }

  override getConfig(): Record<string, unknown> {
    const a = this.args;
    return {
      ...super.getConfig(), units: this.units, activation: this.activation.name, useBias: this.useBias,
      returnSequences: this.returnSequences, goBackwards: this.goBackwards,
      kernelInitializer: serializeInitializer(a.kernelInitializer ?? 'glorot_uniform'),
      recurrentInitializer: serializeInitializer(a.recurrentInitializer ?? 'orthogonal'),
      biasInitializer: serializeInitializer(a.biasInitializer ?? 'zeros'),
      kernelRegularizer: serializeRegularizer(a.kernelRegularizer), recurrentRegularizer: serializeRegularizer(a.recurrentRegularizer),
      biasRegularizer: serializeRegularizer(a.biasRegularizer),
    };
  }
}

/** h_t = activation(x_t W + h_{t-1} U + b). */
export class SimpleRNN extends RNNBase {
  protected readonly gates = 1;
  constructor(units: number | RNNArgs, args: RNNArgs = {}) {
    super(units, args, 'SimpleRNN');
  }
  protected stateCount(): number {
    return 1;
  }
  protected step(xw: Tensor, [h]: Tensor[]): Tensor[] {
    return [this.activation.apply(add(xw, matMul(h, this.recurrentKernel!)))];
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
  protected stateCount(): number {
    return 2;
  }
  override build(inputShape: Shape | Shape[]): void {
    super.build(inputShape);
    // Keras's unit_forget_bias: the forget gate's quarter of the bias starts at 1, the rest as initialized.
    if (this.bias && this.args.biasInitializer === undefined && this.unitForgetBias) {
      const v = this.bias.data() as Float32Array;
      v.fill(1, this.units, 2 * this.units);
      this.bias.assign(tensor(v, [4 * this.units]));
    }
  }
  override call(inputs: LayerInput): Tensor {
    // Keras's default activations: the whole time loop runs natively (lstmSequence), forward and backward.
    if (this.activation.name !== 'tanh' || this.recurrentActivation.name !== 'sigmoid') return super.call(inputs);
    const x = single(inputs, this);
    return this.fromTimeMajor(lstmSequence(this.project(x, true), this.recurrentKernel!, this.goBackwards, `lstm (layer "${this.name}")`));
  }
  protected step(xw: Tensor, [h, c]: Tensor[]): Tensor[] {
    const z = add(xw, matMul(h, this.recurrentKernel!));
    const [zi, zf, zc, zo] = split(z, 4, 1);
    const i = this.recurrentActivation.apply(zi);
    const f = this.recurrentActivation.apply(zf);
    const g = this.activation.apply(zc);
    const o = this.recurrentActivation.apply(zo);
    const c2 = add(mul(f, c), mul(i, g));
    return [mul(o, this.activation.apply(c2)), c2];
  }
  override getConfig() {
    return { ...super.getConfig(), recurrentActivation: this.recurrentActivation.name, unitForgetBias: this.unitForgetBias };
  }
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
  protected stateCount(): number {
    return 1;
  }
  protected override biasShape(): number[] {
    return this.resetAfter ? [2, 3 * this.units] : [3 * this.units];
  }
  /** Row i of the resetAfter bias [2, 3u]: row 0 joins the input projection, row 1 the state's. */
  private biasRow(i: number): Tensor {
    const cols = 3 * this.units;
    return reshape(slice(this.bias!, [i, 0], [1, cols]), [cols]);
  }
  protected override inputBias(): Tensor | null {
    if (!this.bias) return null;
    return this.resetAfter ? this.biasRow(0) : this.bias;
  }
  override call(inputs: LayerInput): Tensor {
    // Sliced per call, inside the step scope, so that the slice is recorded for the gradient of the one bias.
    this.recurrentBias = this.bias && this.resetAfter ? this.biasRow(1) : null;
    // resetAfter with Keras's default activations: the whole time loop runs natively (gruSequence).
    if (!this.resetAfter || this.activation.name !== 'tanh' || this.recurrentActivation.name !== 'sigmoid') return super.call(inputs);
    const x = single(inputs, this);
    return this.fromTimeMajor(gruSequence(this.project(x, true), this.recurrentKernel!, this.recurrentBias, this.goBackwards, `gru (layer "${this.name}")`));
  }
  protected step(xw: Tensor, [h]: Tensor[]): Tensor[] {
    const u = this.units;
    const [xz, xr, xh] = split(xw, 3, 1);
    let z: Tensor;
    let r: Tensor;
    let hh: Tensor;
    if (this.resetAfter) {
      let hu = matMul(h, this.recurrentKernel!);
      if (this.recurrentBias) hu = add(hu, this.recurrentBias);
      const [hz, hr, hhu] = split(hu, 3, 1);
      z = this.recurrentActivation.apply(add(xz, hz));
      r = this.recurrentActivation.apply(add(xr, hr));
      hh = this.activation.apply(add(xh, mul(r, hhu)));
    } else {
      const [uz, ur, uh] = split(this.recurrentKernel!, [u, u, u], 1);
      z = this.recurrentActivation.apply(add(xz, matMul(h, uz)));
      r = this.recurrentActivation.apply(add(xr, matMul(h, ur)));
      hh = this.activation.apply(add(xh, matMul(mul(r, h), uh)));
    }
    return [add(mul(z, h), mul(sub(1, z), hh))];
  }
  override getConfig() {
    return { ...super.getConfig(), recurrentActivation: this.recurrentActivation.name, resetAfter: this.resetAfter };
  }
}
