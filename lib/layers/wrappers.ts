// Wrappers: layers that run another layer in a different way (Keras's keras/layers/rnn/bidirectional.py and
// keras/layers/rnn/time_distributed.py).
import { add, mul } from '../ops/elementwise.js';
import { concat, gather, reshape } from '../ops/shape.js';
import { tensor, type Tensor, type TensorLike, type Variable } from '../tensor.js';
import { invalid, single, singleShape } from './core.js';
import { Layer, SymbolicTensor, formatShape, type CallArgs, type LayerArgs, type LayerInput, type Mask, type Shape } from './layer.js';
import { firstMask } from './masking.js';
import { ConvLSTM } from './convolutional-recurrent.js';
import { RNNBase } from './recurrent.js';
import { checkCallArgs } from '../names.js';

export interface BidirectionalArgs extends LayerArgs {
  /** The recurrent layer to run both ways (SimpleRNN, LSTM, GRU or a ConvLSTM). */
  layer?: Layer;
  /**
   * How the two directions combine: 'concat' (Keras's default), 'sum', 'mul', 'ave', or null for no merge: the
   * output is then the list [forward, backward] (followed by the states with returnState).
   */
  mergeMode?: 'concat' | 'sum' | 'mul' | 'ave' | null;
  /**
   * Keras's backward_layer: the layer for the backward direction (its goBackwards true, its returnSequences and
   * returnState those of `layer`); by default a copy of `layer` running backwards.
   */
  backwardLayer?: Layer;
}

type MergeMode = 'concat' | 'sum' | 'mul' | 'ave' | null;

/**
 * Runs a recurrent layer over the sequence forwards and a copy of it backwards, and merges the two (Keras's
 * Bidirectional). With returnSequences the backward outputs are put back in time order before merging. Weights:
 * the forward layer's, then the backward layer's.
 */
/** The layers Bidirectional runs: the recurrent layers with their own weights. */
type Directional = RNNBase | ConvLSTM;
const isDirectional = (l: unknown): l is Directional => l instanceof RNNBase || l instanceof ConvLSTM;

export class Bidirectional extends Layer {
  readonly forwardLayer: Directional;
  readonly backwardLayer: Directional;
  readonly mergeMode: MergeMode;
  /** Whether backwardLayer was given (saved in the config) rather than copied from the forward layer. */
  private readonly ownBackward: boolean;

  constructor(layer: Layer | BidirectionalArgs, args: BidirectionalArgs = {}) {
    const a: BidirectionalArgs = layer instanceof Layer ? { ...args, layer } : layer;
    const inner = a.layer;
    if (!isDirectional(inner)) {
      throw invalid('Bidirectional', 'layer', 'a recurrent layer (SimpleRNN, LSTM, GRU or a ConvLSTM)', inner === undefined ? undefined : (inner as Layer).constructor?.name ?? inner);
    }
    super({ ...a, inputShape: a.inputShape, batchInputShape: a.batchInputShape ?? inner.batchInputShape ?? undefined });
    const mode = a.mergeMode === undefined ? 'concat' : a.mergeMode;
    if (mode !== null && !['concat', 'sum', 'mul', 'ave'].includes(mode)) throw invalid('Bidirectional', 'mergeMode', "'concat', 'sum', 'mul', 'ave' or null", a.mergeMode);
    this.mergeMode = mode;
    const config = inner.getConfig();
    delete config.batchInputShape;
    const Cls = inner.constructor as new (c: Record<string, unknown>) => Directional;
    // As Keras's: with a mask, masked steps of the output sequences are zeros in both directions.
    const zeroOutputForMask = inner.returnSequences;
    this.forwardLayer = new Cls({ ...config, name: `forward_${inner.name}`, zeroOutputForMask });
    const back = a.backwardLayer;
    if (back !== undefined && back !== null) {
      if (!isDirectional(back)) throw invalid('Bidirectional', 'backwardLayer', 'a recurrent layer (SimpleRNN, LSTM, GRU or a ConvLSTM)', (back as Layer).constructor?.name ?? back);
      // Keras's checks: the two directions differ in goBackwards and agree on what they return.
      if (back.goBackwards === inner.goBackwards) throw new Error(`Bidirectional: backwardLayer "${back.name}" must have goBackwards ${!inner.goBackwards}, the opposite of layer "${inner.name}"`);
      for (const k of ['returnSequences', 'returnState'] as const) {
        if (back[k] !== inner[k]) throw new Error(`Bidirectional: backwardLayer "${back.name}" has ${k} ${back[k]}, but layer "${inner.name}" has ${inner[k]}; they must match`);
      }
      back.zeroOutputForMask = zeroOutputForMask;
      // Keras renames both directions' layers the same way, given or copied.
      back.name = `backward_${back.name}`;
      this.backwardLayer = back;
    } else {
      this.backwardLayer = new Cls({ ...config, name: `backward_${inner.name}`, goBackwards: !inner.goBackwards, zeroOutputForMask });
    }
    this.ownBackward = back !== undefined && back !== null;
    this.inputSpec = { ndim: inner instanceof ConvLSTM ? inner.rank + 3 : 3 };
    this.supportsMasking = true;
  }

  /** Keras's initial_state: the forward layer's states, then the backward layer's; they join the inputs, as an RNN's do. */
  override apply(inputs: TensorLike | TensorLike[], args?: CallArgs): Tensor;
  override apply(inputs: SymbolicTensor | SymbolicTensor[], args?: CallArgs): SymbolicTensor;
  override apply(inputs: any, args: CallArgs = {}): any {
    if (this.constructor === Bidirectional) checkCallArgs(args, ['initialState'], this);
    const { initialState, ...rest } = args;
    if (initialState === undefined || initialState === null) return super.apply(inputs, rest);
    if (Array.isArray(inputs)) throw new Error(`Layer "${this.name}" (Bidirectional): pass the initial states either in the input list or as initialState, not both`);
    const states = Array.isArray(initialState) ? initialState : [initialState];
    return super.apply([inputs, ...states], rest);
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = Array.isArray(inputShape[0]) ? (inputShape as Shape[])[0] : (inputShape as Shape);
    this.forwardLayer.maybeBuild(s);
    this.backwardLayer.maybeBuild(s);
    super.build(inputShape);
  }

  /** With the inner layer's returnState: [merged output, ...forward states, ...backward states], as Keras's. */
  get returnState(): boolean {
    return this.forwardLayer.returnState;
  }

  call(inputs: LayerInput, args: CallArgs = {}): Tensor | Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const x = list[0];
    if (list.length > 1) this.assertInputCompatibility(x.shape);
    const given = list.slice(1);
    const nf = this.forwardLayer.stateSizes().length;
    const nb = this.backwardLayer.stateSizes().length;
    if (given.length && given.length !== nf + nb) {
      throw new Error(`Layer "${this.name}" (Bidirectional): initialState has ${given.length} tensors; it takes the forward layer's ${nf} state(s), then the backward layer's ${nb}`);
    }
    // Both directions read the same mask (the backward one walks it from the end, as its input).
    const mask = firstMask(args.mask);
    const innerArgs = (states: Tensor[]): CallArgs => ({ training: args.training, mask, ...(states.length ? { initialState: states } : {}) });
    const split = (out: Tensor | Tensor[]): [Tensor, Tensor[]] => (Array.isArray(out) ? [out[0], out.slice(1)] : [out, []]);
    const [yf, statesF] = split(this.forwardLayer.apply(x, innerArgs(given.slice(0, nf))) as Tensor | Tensor[]);
    const [yb, statesB] = split(this.backwardLayer.apply(x, innerArgs(given.slice(nf))) as Tensor | Tensor[]);
    const back = this.forwardLayer.returnSequences ? this.timeReversed(yb) : yb;
    const outputs = this.mergeMode === null ? [yf, back] : [this.merge(yf, back)];
    return this.returnState || outputs.length > 1 ? [...outputs, ...(this.returnState ? [...statesF, ...statesB] : [])] : outputs[0];
  }

  /** The backward outputs, put back in time order. */
  private timeReversed(yb: Tensor): Tensor {
    const time = yb.shape[1];
    return gather(yb, tensor(Int32Array.from({ length: time }, (_, k) => time - 1 - k), [time], 'int32'), 1);
  }

  private merge(yf: Tensor, yb: Tensor): Tensor {
    switch (this.mergeMode) {
      case 'sum': return add(yf, yb);
      case 'mul': return mul(yf, yb);
      case 'ave': return mul(add(yf, yb), 0.5);
      default: return concat([yf, yb], -1);
    }
  }

  override computeMask(_inputs: LayerInput, mask: Mask): Mask {
    const out = this.forwardLayer.returnSequences ? firstMask(mask) : null;
    const outs = this.mergeMode === null ? [out, out] : [out];
    const states = this.returnState ? [...this.forwardLayer.stateSizes(), ...this.backwardLayer.stateSizes()].map(() => null) : [];
    return outs.length + states.length > 1 ? [...outs, ...states] : out;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const s0 = Array.isArray(inputShape[0]) ? (inputShape as Shape[])[0] : (inputShape as Shape);
    const split = (inner: Shape | Shape[]): [Shape, Shape[]] => {
      const [s, ...states] = this.returnState ? (inner as Shape[]) : [inner as Shape];
      return [s, states];
    };
    const [f, statesF] = split(this.forwardLayer.computeOutputShape(s0));
    const [b, statesB] = split(this.backwardLayer.computeOutputShape(s0));
    const lf = f[f.length - 1];
    const lb = b[b.length - 1];
    const outs: Shape[] = this.mergeMode === null ? [f, b]
      : this.mergeMode === 'concat' ? [[...f.slice(0, -1), lf === null || lb === null ? null : lf + lb]] : [f];
    return outs.length > 1 || this.returnState ? [...outs, ...statesF, ...statesB] : outs[0];
  }

  protected override innerLayers(): Layer[] {
    return [this.forwardLayer, this.backwardLayer];
  }

  override get trainableWeights(): Variable[] {
    return this.trainable ? [...this.forwardLayer.trainableWeights, ...this.backwardLayer.trainableWeights] : [];
  }
  override get nonTrainableWeights(): Variable[] {
    const [f, b] = [this.forwardLayer, this.backwardLayer];
    return this.trainable ? [...f.nonTrainableWeights, ...b.nonTrainableWeights] : [...f.weights, ...b.weights];
  }
  override get losses(): Tensor[] {
    return [...super.losses, ...this.forwardLayer.losses, ...this.backwardLayer.losses];
  }

  override getConfig() {
    // Each direction's config as its layer was given: without the prefix and the mask setting the wrapper adds.
    const spec = (layer: Directional, prefix: RegExp) => {
      const config = layer.getConfig();
      delete config.zeroOutputForMask;
      config.name = layer.name.replace(prefix, '');
      return { className: layer.className, config };
    };
    const backward = this.ownBackward ? { backwardLayer: spec(this.backwardLayer, /^backward_/) } : {};
    return { ...super.getConfig(), mergeMode: this.mergeMode, layer: spec(this.forwardLayer, /^forward_/), ...backward };
  }
}

export interface TimeDistributedArgs extends LayerArgs {
  /** The layer applied to every time step (any layer with one input and one output). */
  layer?: Layer;
}

/**
 * Applies a layer to every time step of [batch, time, ...] independently: the time axis is folded into the batch
 * ([batch * time, ...]), the layer runs once, and the result is unfolded to [batch, time, ...out]. The weights are
 * the wrapped layer's (one set shared by all steps), under its own name.
 */
export class TimeDistributed extends Layer {
  /**
   * A [batch, time] mask passes through to the output, as Keras's TimeDistributed passes it (supports_masking): each
   * step is computed on its own, so padding steps do not mix into the others; the layer after it (a masked loss, an
   * RNN) is the one that skips them.
   */
  override supportsMasking = true;
  readonly layer: Layer;

  constructor(layer: Layer | TimeDistributedArgs, args: TimeDistributedArgs = {}) {
    const a: TimeDistributedArgs = layer instanceof Layer ? { ...args, layer } : layer;
    const inner = a.layer;
    if (!(inner instanceof Layer)) {
      throw invalid('TimeDistributed', 'layer', 'a Layer instance', typeof inner === 'object' && inner !== null ? (inner as object).constructor?.name : inner);
    }
    // The wrapper's inputShape (with the time axis) is its own; an inputShape given to the inner layer is per step.
    super(a);
    this.layer = inner;
    this.inputSpec = { minNdim: 3 };
  }

  /** The shape one time step has for the wrapped layer: [batch, ...] without the time axis. */
  private stepShape(s: Shape): Shape {
    return [s[0] === null || s[1] === null ? null : s[0] * s[1], ...s.slice(2)];
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = singleShape(inputShape, this);
    this.layer.maybeBuild([null, ...s.slice(2)]);
    super.build(inputShape);
  }

  call(inputs: LayerInput, args: CallArgs = {}): Tensor {
    const x = single(inputs, this);
    const [batch, time] = x.shape;
    const { mask: _mask, ...rest } = args;
    const y = this.layer.apply(reshape(x, [batch * time, ...x.shape.slice(2)]), rest);
    if (Array.isArray(y)) throw new Error(`TimeDistributed "${this.name}": the wrapped layer "${this.layer.name}" returned ${y.length} tensors; it must return one`);
    return reshape(y, [batch, time, ...y.shape.slice(1)]);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this);
    const out = this.layer.computeOutputShape(this.stepShape(s));
    if (out.length > 0 && Array.isArray(out[0])) throw new Error(`TimeDistributed "${this.name}": the wrapped layer "${this.layer.name}" has several outputs for input ${formatShape(s)}; it must have one`);
    return [s[0], s[1], ...(out as Shape).slice(1)];
  }

  protected override innerLayers(): Layer[] {
    return [this.layer];
  }

  override get trainableWeights(): Variable[] {
    return this.trainable ? this.layer.trainableWeights : [];
  }
  override get nonTrainableWeights(): Variable[] {
    return this.trainable ? this.layer.nonTrainableWeights : this.layer.weights;
  }
  override get losses(): Tensor[] {
    return [...super.losses, ...this.layer.losses];
  }

  override getConfig() {
    return { ...super.getConfig(), layer: { className: this.layer.className, config: this.layer.getConfig() } };
  }
}
