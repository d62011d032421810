// Wrappers: layers that run another layer in a different way (Keras's keras/layers/rnn/bidirectional.py and
// keras/layers/rnn/time_distributed.py).
import { add, mul } from '../ops/elementwise.js';
import { concat, gather, reshape } from '../ops/shape.js';
import { tensor, type Tensor, type Variable } from '../tensor.js';
import { invalid, single, singleShape } from './core.js';
import { Layer, formatShape, type CallArgs, type LayerArgs, type LayerInput, type Mask, type Shape } from './layer.js';
import { firstMask } from './masking.js';
import { RNNBase } from './recurrent.js';

export interface BidirectionalArgs extends LayerArgs {
  /** The recurrent layer to run both ways (SimpleRNN, LSTM or GRU). */
  layer?: Layer;
  /** How the two directions combine: 'concat' (Keras's default), 'sum', 'mul', 'ave'. */
  mergeMode?: 'concat' | 'sum' | 'mul' | 'ave';
}

/**
 * Runs a recurrent layer over the sequence forwards and a copy of it backwards, and merges the two (Keras's
 * Bidirectional). With returnSequences the backward outputs are put back in time order before merging. Weights:
 * the forward layer's, then the backward layer's.
 */
export class Bidirectional extends Layer {
  readonly forwardLayer: RNNBase;
  readonly backwardLayer: RNNBase;
  readonly mergeMode: 'concat' | 'sum' | 'mul' | 'ave';

  constructor(layer: Layer | BidirectionalArgs, args: BidirectionalArgs = {}) {
    const a: BidirectionalArgs = layer instanceof Layer ? { ...args, layer } : layer;
    const inner = a.layer;
    if (!(inner instanceof RNNBase)) {
      throw invalid('Bidirectional', 'layer', 'a recurrent layer (SimpleRNN, LSTM or GRU)', inner === undefined ? undefined : (inner as Layer).constructor?.name ?? inner);
    }
    super({ ...a, inputShape: a.inputShape, batchInputShape: a.batchInputShape ?? inner.batchInputShape ?? undefined });
    const mode = a.mergeMode ?? 'concat';
    if (!['concat', 'sum', 'mul', 'ave'].includes(mode)) throw invalid('Bidirectional', 'mergeMode', "'concat', 'sum', 'mul' or 'ave'", a.mergeMode);
    this.mergeMode = mode;
    const config = inner.getConfig();
    delete config.batchInputShape;
    const Cls = inner.constructor as new (c: Record<string, unknown>) => RNNBase;
    // As Keras's: with a mask, masked steps of the output sequences are zeros in both directions.
    const zeroOutputForMask = inner.returnSequences;
    this.forwardLayer = new Cls({ ...config, name: `forward_${inner.name}`, zeroOutputForMask });
    this.backwardLayer = new Cls({ ...config, name: `backward_${inner.name}`, goBackwards: !inner.goBackwards, zeroOutputForMask });
    this.inputSpec = { ndim: 3 };
    this.supportsMasking = true;
  }

  override build(inputShape: Shape | Shape[]): void {
    this.forwardLayer.maybeBuild(inputShape);
    this.backwardLayer.maybeBuild(inputShape);
    super.build(inputShape);
  }

  /** With the inner layer's returnState: [merged output, ...forward states, ...backward states], as Keras's. */
  get returnState(): boolean {
    return this.forwardLayer.returnState;
  }

  call(inputs: LayerInput, args: CallArgs = {}): Tensor | Tensor[] {
    const x = single(inputs, this);
    // Both directions read the same mask (the backward one walks it from the end, as its input).
    const inner: CallArgs = { training: args.training, mask: firstMask(args.mask) };
    const split = (out: Tensor | Tensor[]): [Tensor, Tensor[]] => (Array.isArray(out) ? [out[0], out.slice(1)] : [out, []]);
    const [yf, statesF] = split(this.forwardLayer.apply(x, inner) as Tensor | Tensor[]);
    const [yb, statesB] = split(this.backwardLayer.apply(x, inner) as Tensor | Tensor[]);
    const merged = this.merge(yf, this.forwardLayer.returnSequences ? this.timeReversed(yb) : yb);
    return this.returnState ? [merged, ...statesF, ...statesB] : merged;
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
    return this.returnState ? [out, ...this.forwardLayer.stateSizes().flatMap(() => [null, null])] : out;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const inner = this.forwardLayer.computeOutputShape(inputShape);
    const [s, ...states] = this.returnState ? (inner as Shape[]) : [inner as Shape];
    const last = s[s.length - 1];
    const merged = this.mergeMode === 'concat' ? [...s.slice(0, -1), last === null ? null : 2 * last] : s;
    return this.returnState ? [merged, ...states, ...states] : merged;
  }

  override get trainableWeights(): Variable[] {
    return this.trainable ? [...this.forwardLayer.trainableWeights, ...this.backwardLayer.trainableWeights] : [];
  }
  override get nonTrainableWeights(): Variable[] {
    const [f, b] = [this.forwardLayer, this.backwardLayer];
    return this.trainable ? [...f.nonTrainableWeights, ...b.nonTrainableWeights] : [...f.weights, ...b.weights];
  }
  override get losses(): Tensor[] {
    return [...this.forwardLayer.losses, ...this.backwardLayer.losses];
  }

  override getConfig() {
    const inner = this.forwardLayer.getConfig();
    delete inner.zeroOutputForMask;
    inner.name = this.forwardLayer.name.replace(/^forward_/, '');
    return { ...super.getConfig(), mergeMode: this.mergeMode, layer: { className: this.forwardLayer.className, config: inner } };
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

  override get trainableWeights(): Variable[] {
    return this.trainable ? this.layer.trainableWeights : [];
  }
  override get nonTrainableWeights(): Variable[] {
    return this.trainable ? this.layer.nonTrainableWeights : this.layer.weights;
  }
  override get losses(): Tensor[] {
    return this.layer.losses;
  }

  override getConfig() {
    return { ...super.getConfig(), layer: { className: this.layer.className, config: this.layer.getConfig() } };
  }
}
