// ConvLSTM1D, ConvLSTM2D and ConvLSTM3D: an LSTM whose input and recurrent transformations are convolutions, so that
// its states are feature maps (Shi et al. 2015; Keras's ConvLSTM layers, TF.js's convLstm2d).
//
// Keras convolves each gate's quarter of the kernel separately; here the four quarters run as one convolution with
// 4 * filters outputs (the same sums), the input's for every timestep at once as one batch of batch * time maps,
// and the state's once per step. The loop, masks, initial and returned states and stateful runs are Recurrent's.
import { getActivation, type Activation as ActivationFunction } from '../activations.js';
import { conv2dFused, conv3dFused } from '../ops/conv.js';
import { add, mul } from '../ops/elementwise.js';
import { reshape, slice, split } from '../ops/shape.js';
import { outputSize, type Padding } from '../ops/window.js';
import type { Tensor, Variable } from '../tensor.js';
import { channelsLastOnly, filterLayerArgs, invalid, positiveInt, windowPadding } from './core.js';
import { formatShape, type Shape } from './layer.js';
import { dropoutMask, dropoutRate, Recurrent, recurrentConfig, setForgetBias, type LSTMArgs, type RunResult } from './recurrent.js';

/** LSTM's options (but units) and a convolution's geometry. */
export interface ConvLSTMArgs extends Omit<LSTMArgs, 'units'> {
  filters?: number;
  /** One integer for every spatial axis, or one per axis. */
  kernelSize?: number | number[];
  strides?: number | number[];
  /** The input convolution's padding; the state's convolution always keeps its size ('same'). */
  padding?: Padding;
  dataFormat?: 'channels_last' | 'channelsLast';
  dilationRate?: number | number[];
}

const AXES = ['', 'width', 'height, width', 'depth, height, width'];

/** What the three ConvLSTM layers share (Keras's ConvLSTM); `rank` is the number of spatial axes. */
export abstract class ConvLSTM extends Recurrent {
  readonly filters: number;
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: Padding;
  readonly dilationRate: number[];
  readonly activation: ActivationFunction;
  readonly recurrentActivation: ActivationFunction;
  readonly useBias: boolean;
  readonly unitForgetBias: boolean;
  readonly dropout: number;
  readonly recurrentDropout: number;
  kernel: Variable | null = null;
  recurrentKernel: Variable | null = null;
  bias: Variable | null = null;
  private readonly args: ConvLSTMArgs;
  /** The input shape the layer was built for: the states' size follows its spatial axes. */
  private builtShape: Shape | null = null;

  constructor(readonly rank: 1 | 2 | 3, filters: number | ConvLSTMArgs, kernelSize: number | number[] | ConvLSTMArgs | undefined, args: ConvLSTMArgs) {
    const a = filterLayerArgs<ConvLSTMArgs>(filters, kernelSize, args);
    const cls = `ConvLSTM${rank}D`;
    super(a, cls);
    this.args = a;
    this.filters = positiveInt(a.filters, cls, 'filters');
    const tuple = (v: unknown, arg: string): number[] => {
      const list = typeof v === 'number' ? Array(rank).fill(v) : v;
      if (!Array.isArray(list) || list.length !== rank || !list.every((d) => Number.isInteger(d) && d > 0)) {
        throw invalid(cls, arg, `a positive integer or a list of ${rank} positive integers`, v);
      }
      return list;
    };
    if (a.kernelSize === undefined) throw invalid(cls, 'kernelSize', `a positive integer or a list of ${rank} positive integers`, a.kernelSize);
    this.kernelSize = tuple(a.kernelSize, 'kernelSize');
    this.strides = tuple(a.strides ?? 1, 'strides');
    this.dilationRate = tuple(a.dilationRate ?? 1, 'dilationRate');
    this.padding = windowPadding(a.padding, cls);
    channelsLastOnly(a.dataFormat, cls);
    if (this.strides.some((v) => v > 1) && this.dilationRate.some((v) => v > 1)) {
      throw new Error(`${cls}: strides > 1 are not compatible with dilationRate > 1. Received: strides=${JSON.stringify(this.strides)} and dilationRate=${JSON.stringify(this.dilationRate)}`);
    }
    this.activation = getActivation(a.activation === undefined ? 'tanh' : a.activation);
    this.recurrentActivation = getActivation(a.recurrentActivation === undefined ? 'sigmoid' : a.recurrentActivation);
    this.useBias = a.useBias ?? true;
    this.unitForgetBias = a.unitForgetBias ?? true;
    this.dropout = dropoutRate(a.dropout, cls, 'dropout');
    this.recurrentDropout = dropoutRate(a.recurrentDropout, cls, 'recurrentDropout');
    this.inputSpec = { ndim: rank + 3 };
  }

  stateSizes(): number[] {
    return [this.filters, this.filters];
  }

  outputSize(): number {
    return this.filters;
  }

  /** The states are [...output spatial axes, filters]: the input convolution's output size. */
  override stateShapes(inputShape?: readonly (number | null)[]): number[][] {
    const s = inputShape ?? this.builtShape;
    const spatial = s ? this.outputSpatial(s) : null;
    if (!spatial || spatial.some((d) => d === null)) {
      throw new Error(`Layer "${this.name}" (${this.className}): its states' size follows the input's ${AXES[this.rank]}, which are not known (input shape ${s ? formatShape(s) : 'unknown'}); give the layer a batchInputShape`);
    }
    const shape = [...(spatial as number[]), this.filters];
    return [shape, shape.slice()];
  }

  protected override sequenceRank(): number {
    return this.rank + 3;
  }

  protected override builtinClass(): boolean {
    return [ConvLSTM1D, ConvLSTM2D, ConvLSTM3D].includes(this.constructor as never);
  }

  protected override sequenceLayout(): string {
    return `[batch, timesteps, ${AXES[this.rank]}, channels]`;
  }

  protected override sequenceShape(inputShape: Shape | Shape[]): Shape {
    const s = Array.isArray(inputShape[0]) ? (inputShape as Shape[])[0] : (inputShape as Shape);
    if (s.length !== this.rank + 3 || s[s.length - 1] === null) {
      throw new Error(`Input 0 of layer "${this.name}" is incompatible with the layer: expected ndim=${this.rank + 3} ${this.sequenceLayout()} with known channels, found shape=${formatShape(s)}`);
    }
    return s;
  }

  private outputSpatial(s: readonly (number | null)[]): (number | null)[] {
    return s.slice(2, 2 + this.rank).map((d, i) => {
      if (d === null) return null;
      const [n] = outputSize(d, this.kernelSize[i], this.strides[i], this.dilationRate[i], this.padding);
      if (n === 0) {
        throw new Error(`Layer "${this.name}" (${this.className}): the ${this.kernelSize.join('x')} kernel does not fit its input of shape ${formatShape(s)} with '${this.padding}' padding`);
      }
      return n;
    });
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = this.sequenceShape(inputShape);
    const channels = s[s.length - 1] as number;
    this.outputSpatial(s);
    const a = this.args;
    const cols = 4 * this.filters;
    this.kernel = this.addWeight('kernel', { shape: [...this.kernelSize, channels, cols], initializer: a.kernelInitializer ?? 'glorot_uniform', regularizer: a.kernelRegularizer, constraint: a.kernelConstraint });
    this.recurrentKernel = this.addWeight('recurrent_kernel', { shape: [...this.kernelSize, this.filters, cols], initializer: a.recurrentInitializer ?? 'orthogonal', regularizer: a.recurrentRegularizer, constraint: a.recurrentConstraint });
    if (this.useBias) {
      this.bias = this.addWeight('bias', { shape: [cols], initializer: a.biasInitializer ?? 'zeros', regularizer: a.biasRegularizer, constraint: a.biasConstraint });
      if (a.biasInitializer === undefined && this.unitForgetBias) setForgetBias(this.bias, this.filters);
    }
    this.builtShape = s;
    this.inputSpec = { ndim: this.rank + 3, axes: { [-1]: channels } };
    super.build(inputShape);
  }

  /** x [n, ...spatial, c] convolved with kernel [...window, c, oc] (plus bias) as the layer's rank says. */
  private conv(x: Tensor, kernel: Tensor, bias: Tensor | null, strides: number[], padding: Padding, dilations: number[], op: string): Tensor {
    if (this.rank === 2) return conv2dFused(x, kernel, bias, strides as [number, number], padding, dilations as [number, number], undefined, 0, op);
    if (this.rank === 3) return conv3dFused(x, kernel, bias, strides as [number, number, number], padding, dilations as [number, number, number], undefined, 0, op);
    // 1-D as a height-1 image, as Conv1D runs.
    const [n, w, c] = x.shape;
    const y = conv2dFused(reshape(x, [n, 1, w, c]), reshape(kernel, [1, ...kernel.shape]), bias, [1, strides[0]], padding, [1, dilations[0]], undefined, 0, op);
    return reshape(y, [n, y.shape[2], y.shape[3]]);
  }

  protected run(x: Tensor, initial: Tensor[], _fromZeros: boolean, mask: Float32Array | null, training: boolean): RunResult {
    const [batch, time] = x.shape;
    const step = x.shape.slice(2);
    const perSample = step.reduce((p, d) => p * d, 1);
    const op = `${this.className} (layer "${this.name}")`;
    // Keras's dropout: one mask per sequence over a step's whole input, and one over the state.
    const input = training && this.dropout > 0 ? mul(x, reshape(dropoutMask(batch, perSample, this.dropout), [batch, 1, ...step])) : x;
    const projected = this.conv(reshape(input, [batch * time, ...step]), this.kernel!, this.bias, this.strides, this.padding, this.dilationRate, op);
    const out = projected.shape.slice(1);
    const byStep = reshape(projected, [batch, time, ...out]);
    const stateShape = [batch, ...out.slice(0, -1), this.filters];
    const recurrentMask = training && this.recurrentDropout > 0
      ? reshape(dropoutMask(batch, stateShape.slice(1).reduce((p, d) => p * d, 1), this.recurrentDropout), stateShape)
      : null;
    const ones = Array<number>(this.rank).fill(1);
    const rec = this.recurrentActivation;
    const act = this.activation;
    return this.loop(x, initial, mask, (t, [h, c]) => {
      const xt = reshape(slice(byStep, [0, t, ...out.map(() => 0)], [batch, 1, ...out]), [batch, ...out]);
      const hr = recurrentMask ? mul(h, recurrentMask) : h;
      const z = add(xt, this.conv(hr, this.recurrentKernel!, null, ones, 'same', ones, op));
      const [zi, zf, zc, zo] = split(z, 4, -1);
      const c2 = add(mul(rec.apply(zf), c), mul(rec.apply(zi), act.apply(zc)));
      const h2 = mul(rec.apply(zo), act.apply(c2));
      return [h2, [h2, c2]];
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const s = this.sequenceShape(inputShape);
    const spatial = this.outputSpatial(s);
    const state: Shape = [s[0], ...spatial, this.filters];
    const out: Shape = this.returnSequences ? [s[0], s[1], ...spatial, this.filters] : state;
    return this.returnState ? [out, state, state.slice()] : out;
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, padding: this.padding,
      dataFormat: 'channels_last', dilationRate: this.dilationRate, ...recurrentConfig(this, this.args),
      recurrentActivation: this.recurrentActivation.name, unitForgetBias: this.unitForgetBias,
    };
  }
}

/** ConvLSTM over sequences of 1-D maps: input [batch, time, width, channels]. */
export class ConvLSTM1D extends ConvLSTM {
  constructor(filters: number | ConvLSTMArgs, kernelSize?: number | number[] | ConvLSTMArgs, args: ConvLSTMArgs = {}) {
    super(1, filters, kernelSize, args);
  }
}

/**
 * ConvLSTM over sequences of images (video frames, radar maps): input [batch, time, height, width, channels], output
 * [batch, oh, ow, filters] (every step's with returnSequences). Gates i, f, c, o as LSTM's, each from a convolution of
 * the input and one of the state.
 */
export class ConvLSTM2D extends ConvLSTM {
  constructor(filters: number | ConvLSTMArgs, kernelSize?: number | number[] | ConvLSTMArgs, args: ConvLSTMArgs = {}) {
    super(2, filters, kernelSize, args);
  }
}

/** ConvLSTM over sequences of volumes: input [batch, time, depth, height, width, channels]. */
export class ConvLSTM3D extends ConvLSTM {
  constructor(filters: number | ConvLSTMArgs, kernelSize?: number | number[] | ConvLSTMArgs, args: ConvLSTMArgs = {}) {
    super(3, filters, kernelSize, args);
  }
}
