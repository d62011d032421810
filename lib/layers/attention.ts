// Attention layers: Attention (Luong, dot-product or concat scores), AdditiveAttention (Bahdanau) and
// MultiHeadAttention, with Keras 3's arguments, weights and call signature (in camelCase).
//
// Calling them: the tensors go in a list, the rest in the call arguments:
//   attention.apply([query, value]) or ([query, value, key]), { mask: [queryMask, valueMask], useCausalMask,
//     returnAttentionScores, training }
//   mha.apply([query, value]) or ([query, value, key]), { attentionMask, queryMask, valueMask, keyMask,
//     useCausalMask, returnAttentionScores, training }; self-attention is mha.apply([x, x]).
// Masks are float tensors, nonzero = keep (attend), 0 = masked: queryMask [batch, Tq], valueMask / keyMask
// [batch, Tv], attentionMask broadcastable to [batch, Tq, Tv]. In a functional model the list of inputs and the
// boolean call arguments are recorded; the masks must be concrete tensors (eager calls).
import { serializeInitializer, type InitializerIdentifier } from '../initializers.js';
import { attentionMaskOf, dotProductAttention, dropoutWithKeys, maskBias } from '../ops/attention.js';
import { broadcastTo } from '../ops/broadcast.js';
import { add, mul, tanh } from '../ops/elementwise.js';
import { dense, matMul } from '../ops/matmul.js';
import { softmax, sum } from '../ops/reduce.js';
import { expandDims, reshape } from '../ops/shape.js';
import { Generator, generator } from '../random.js';
import { serializeRegularizer, type RegularizerIdentifier } from '../regularizers.js';
import { fmt, sizeOf } from '../shape-util.js';
import { tensor, Tensor, toTensor, type TensorLike, type Variable } from '../tensor.js';
import { invalid, positiveInt } from './core.js';
import { formatShape, Layer, SymbolicTensor, type CallArgs, type LayerArgs, type LayerInput, type LayerOutput, type Mask, type Shape } from './layer.js';
import { firstMask } from './masking.js';
import { checkCallArgs } from '../names.js';

type MaybeTensor = Tensor | null | undefined;

function dropoutRate(v: unknown, cls: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw invalid(cls, 'dropout', 'a number in [0, 1)', v);
  return v;
}

function seedOf(v: unknown, cls: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalid(cls, 'seed', 'an integer', v);
  return v;
}

function isShapeList(s: Shape | Shape[]): s is Shape[] {
  return s.length > 0 && Array.isArray(s[0]);
}

/** A symbolic tensor among the call arguments cannot be recorded in the graph: say so instead of ignoring it. */
function refuseSymbolicArgs(layer: Layer, args: Record<string, unknown>, names: string[]): void {
  for (const name of names) {
    const v = args[name];
    if (v instanceof SymbolicTensor || (Array.isArray(v) && v.some((e) => e instanceof SymbolicTensor))) {
      throw new Error(`Layer "${layer.name}" (${layer.className}): \`${name}\` is a symbolic tensor, which a functional model cannot record as a call argument yet. Pass masks as concrete tensors in eager calls`);
    }
  }
}

/** A float mask argument, checked against the shape it must have. */
function maskArg(v: unknown, want: number[], layer: Layer, what: string): Tensor | null {
  if (v === undefined || v === null) return null;
  const t = toTensor(v as TensorLike, `${layer.className} "${layer.name}" ${what}`);
  if (t.rank !== want.length || t.shape.some((d, i) => d !== want[i])) {
    throw new Error(`Layer "${layer.name}" (${layer.className}): \`${what}\` must have shape ${fmt(want)}, received shape ${fmt(t.shape)}`);
  }
  return t;
}

// ---------------------------------------------------------------------------------------------------------------
// Attention and AdditiveAttention

export interface AttentionArgs extends LayerArgs {
  /** Multiplies the scores by a learned scalar `scale` (Attention, default false) or vector (AdditiveAttention, default true). */
  useScale?: boolean;
  /** 'dot' (query . key) or 'concat' (sum of tanh(query + key), times a learned scalar). Attention only. */
  scoreMode?: 'dot' | 'concat';
  /** Fraction of attention probabilities dropped in training. */
  dropout?: number;
  seed?: number;
}

export interface AttentionCallArgs extends CallArgs {
  /** [queryMask [batch, Tq], valueMask [batch, Tv]], either may be null: nonzero keeps, 0 masks. */
  mask?: MaybeTensor[] | null;
  /** Also return the attention probabilities [batch, Tq, Tv] (after masking, softmax and dropout). */
  returnAttentionScores?: boolean;
  /** Query i attends only to values j <= i (decoder self-attention). */
  useCausalMask?: boolean;
}

/**
 * Dot-product (Luong-style) attention: scores = query . key^T [batch, Tq, Tv] (times `scale` when useScale), or with
 * scoreMode 'concat' scores = concatScoreWeight * sum(tanh(scale * (query + key)), -1); masked scores get -1e9;
 * output = softmax(scores) . value [batch, Tq, dim], zeroed where the query mask is 0. Key defaults to value.
 */
export class Attention extends Layer {
  /** Propagated masks arrive as [queryMask, valueMask]; the output keeps the query's (Keras's compute_mask). */
  override supportsMasking = true;
  override computeMask(_inputs: LayerInput, mask: Mask): Mask {
    return firstMask(mask);
  }
  readonly useScale: boolean;
  readonly scoreMode: 'dot' | 'concat';
  readonly dropout: number;
  readonly seed: number | undefined;
  scale: Variable | null = null;
  concatScoreWeight: Variable | null = null;
  private readonly gen: Generator | null;
  /** The call arguments of the symbolic call in progress, for computeOutputShape. */
  private shapeArgs: AttentionCallArgs = {};

  constructor(args: AttentionArgs = {}) {
    super(args);
    const cls = this.className;
    if (args.useScale !== undefined && typeof args.useScale !== 'boolean') throw invalid(cls, 'useScale', 'a boolean', args.useScale);
    this.useScale = args.useScale ?? this.defaultUseScale();
    const mode = args.scoreMode ?? 'dot';
    if (mode !== 'dot' && mode !== 'concat') throw new Error(`${cls}: invalid value for argument \`scoreMode\`, expected one of 'dot', 'concat'. Received: scoreMode=${JSON.stringify(mode)}`);
    this.scoreMode = mode;
    this.dropout = dropoutRate(args.dropout, cls);
    this.seed = seedOf(args.seed, cls);
    this.gen = this.seed === undefined ? null : new Generator(this.seed);
  }

  protected defaultUseScale(): boolean {
    return false;
  }

  /** [query, value, key] shapes from the input list, checked (rank 3, agreeing batch, lengths and depths). */
  protected shapesOf(inputShape: Shape | Shape[]): [Shape, Shape, Shape] {
    if (!isShapeList(inputShape) || inputShape.length < 2 || inputShape.length > 3) {
      const n = isShapeList(inputShape) ? `a list of length ${inputShape.length}` : `one tensor of shape ${formatShape(inputShape)}`;
      throw new Error(`Layer "${this.name}" (${this.className}) must be called on a list of inputs, namely [query, value] or [query, value, key]. Received: ${n}`);
    }
    const [q, v, k = v] = inputShape;
    const all = inputShape.map(formatShape).join(', ');
    if (q.length !== 3 || v.length !== 3 || k.length !== 3) {
      throw new Error(`Layer "${this.name}" (${this.className}) expects query, value and key of rank 3 ([batch, time, dim]). Received shapes: ${all}`);
    }
    const same = (a: number | null, b: number | null) => a === null || b === null || a === b;
    if (!same(q[0], v[0]) || !same(q[0], k[0]) || !same(v[1], k[1]) || !same(q[2], k[2])) {
      throw new Error(`Layer "${this.name}" (${this.className}) needs query and key with the same last axis, value and key with the same length, and one batch size. Received shapes (query, value${inputShape.length > 2 ? ', key' : ''}): ${all}`);
    }
    return [q, v, k];
  }

  override build(inputShape: Shape | Shape[]): void {
    this.shapesOf(inputShape);
    if (this.useScale) this.scale = this.addWeight('scale', { shape: [], initializer: 'ones' });
    if (this.scoreMode === 'concat') this.concatScoreWeight = this.addWeight('concat_score_weight', { shape: [], initializer: 'ones' });
    super.build(inputShape);
  }

  /** Scores [batch, Tq, Tv] from query [batch, Tq, dim] and key [batch, Tv, dim]. */
  protected scores(query: Tensor, key: Tensor): Tensor {
    if (this.scoreMode === 'dot') {
      const s = matMul(query, key, false, true);
      return this.scale ? mul(s, this.scale) : s;
    }
    let pairs = add(expandDims(query, -2), expandDims(key, -3));
    if (this.scale) pairs = mul(pairs, this.scale);
    return mul(sum(tanh(pairs), -1), this.concatScoreWeight!);
  }

  override apply(inputs: any, args?: AttentionCallArgs): any {
    // A subclass of its own may take more; the built-in classes take these.
    if (this.constructor === Attention || this.constructor === AdditiveAttention) checkCallArgs(args, ['useCausalMask', 'returnAttentionScores'], this);
    this.shapeArgs = args ?? {};
    if (Array.isArray(inputs) && inputs.some((t) => t instanceof SymbolicTensor)) refuseSymbolicArgs(this, this.shapeArgs as Record<string, unknown>, ['mask']);
    try {
      return super.apply(inputs, args);
    } finally {
      this.shapeArgs = {};
    }
  }

  call(inputs: LayerInput, args: AttentionCallArgs = {}): LayerOutput {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    // A built layer called on one tensor is told so, as its first call is, not as a list of one.
    this.shapesOf(Array.isArray(inputs) ? inputs.map((t) => t.shape as Shape) : (inputs.shape as Shape));
    const [q, v, k = v] = list;
    for (const [t, what] of [[q, 'query'], [k, 'key']] as const) {
      if (this.scale && this.scale.rank === 1 && t.shape[2] !== this.scale.shape[0]) {
        throw new Error(`Layer "${this.name}" (${this.className}) was built for a last axis of ${this.scale.shape[0]}, but ${what} has shape ${fmt(t.shape)}`);
      }
    }
    if (args.mask !== undefined && args.mask !== null && (!Array.isArray(args.mask) || args.mask.length < 2 || args.mask.length > 3)) {
      throw new Error(`Layer "${this.name}" (${this.className}): \`mask\` must be a list [queryMask, valueMask] (either may be null). Received: ${Array.isArray(args.mask) ? `a list of length ${args.mask.length}` : String(args.mask)}`);
    }
    const [B, Tq] = q.shape;
    const Tv = v.shape[1];
    const queryMask = maskArg(args.mask?.[0], [B, Tq], this, 'mask[0] (query mask)');
    const valueMask = maskArg(args.mask?.[1], [B, Tv], this, 'mask[1] (value mask)');
    let scores = this.scores(q, k);
    const combined = attentionMaskOf(valueMask && reshape(valueMask, [B, 1, Tv]), args.useCausalMask ?? false, B, Tq, Tv, `Layer "${this.name}"`);
    if (combined) scores = add(scores, reshape(maskBias(combined, Tq, Tv), [combined.batch, Tq, Tv]));
    let weights = softmax(scores, -1);
    if (args.training && this.dropout > 0) {
      const g = this.gen ?? generator();
      weights = dropoutWithKeys(weights, this.dropout, [g.nextUint32(), g.nextUint32()]);
    }
    let result = matMul(weights, v);
    if (queryMask) result = mul(result, reshape(queryMask, [B, Tq, 1]));
    return args.returnAttentionScores ? [result, weights] : result;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const [q, v] = this.shapesOf(inputShape);
    const out: Shape = [q[0], q[1], v[2]];
    return this.shapeArgs.returnAttentionScores ? [out, [q[0], q[1], v[1]]] : out;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), useScale: this.useScale, scoreMode: this.scoreMode, dropout: this.dropout, seed: this.seed };
  }
}

/**
 * Additive (Bahdanau-style) attention: scores = sum(scale * tanh(query + key), -1) with a learned `scale` of the
 * query's last axis (when useScale, the default), then as Attention.
 */
export class AdditiveAttention extends Attention {
  constructor(args: Omit<AttentionArgs, 'scoreMode'> = {}) {
    if (args && typeof args === 'object' && (args as AttentionArgs).scoreMode !== undefined) throw new Error(`AdditiveAttention: has no \`scoreMode\` argument (its scores are always additive). Received: scoreMode=${JSON.stringify((args as AttentionArgs).scoreMode)}`);
    super(args);
  }

  protected override defaultUseScale(): boolean {
    return true;
  }

  override build(inputShape: Shape | Shape[]): void {
    const [q] = this.shapesOf(inputShape);
    const dim = q[2];
    if (dim === null) throw new Error(`Layer "${this.name}" (AdditiveAttention) needs the last axis of the query to be known, received ${formatShape(q)}`);
    if (this.useScale) this.scale = this.addWeight('scale', { shape: [dim], initializer: 'glorot_uniform' });
    this.built = true;
  }

  protected override scores(query: Tensor, key: Tensor): Tensor {
    const t = tanh(add(expandDims(query, -2), expandDims(key, -3)));
    return sum(this.scale ? mul(t, this.scale) : t, -1);
  }

  override getConfig(): Record<string, unknown> {
    const c = super.getConfig();
    delete c.scoreMode;
    return c;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// MultiHeadAttention

export interface MultiHeadAttentionArgs extends LayerArgs {
  numHeads?: number;
  /** Size of each head of query and key. */
  keyDim?: number;
  /** Size of each head of value (default keyDim). */
  valueDim?: number | null;
  /** Fraction of attention probabilities dropped in training. */
  dropout?: number;
  useBias?: boolean;
  /** The output's shape besides the batch and query axes (an integer or a list); default the query's last axis. */
  outputShape?: number | number[] | null;
  /** Axes attention runs over; only Keras's default (every axis but batch, heads and features) is implemented. */
  attentionAxes?: number | number[] | null;
  kernelInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier;
  biasRegularizer?: RegularizerIdentifier;
  seed?: number | null;
}

export interface MultiHeadAttentionCallArgs extends CallArgs {
  /** Which keys each query may attend to, broadcastable to [batch, ...Tq, ...Tv]: nonzero attends, 0 does not. */
  attentionMask?: TensorLike | null;
  /** [batch, ...Tq], [batch, ...Tv], [batch, ...Tv]: combined with attentionMask as Keras's _compute_attention_mask. */
  queryMask?: MaybeTensor;
  valueMask?: MaybeTensor;
  keyMask?: MaybeTensor;
  /** Keras's propagated masks as one list [queryMask, valueMask, keyMask], used where the named ones are absent. */
  mask?: MaybeTensor[] | null;
  /** Also return the attention probabilities [batch, heads, ...Tq, ...Tv] (before dropout). */
  returnAttentionScores?: boolean;
  useCausalMask?: boolean;
}

/**
 * Multi-head attention (Vaswani et al. 2017) with Keras's weights: query, key and value projections (kernels
 * [dim, numHeads, keyDim | valueDim], biases [numHeads, keyDim | valueDim]), softmax(Q K^T / sqrt(keyDim) + mask) V
 * per head, and the output projection (kernel [numHeads, valueDim, ...outputShape], bias [...outputShape]).
 * Inputs may have several attention axes ([batch, a1, a2, dim]); attention then runs over all of them jointly.
 */
export class MultiHeadAttention extends Layer {
  /** Propagated masks arrive as [queryMask, valueMask(, keyMask)]; the output keeps the query's. */
  override supportsMasking = true;
  override computeMask(_inputs: LayerInput, mask: Mask): Mask {
    return firstMask(mask);
  }
  readonly numHeads: number;
  readonly keyDim: number;
  readonly valueDim: number;
  readonly dropout: number;
  readonly useBias: boolean;
  override readonly outputShape: number[] | null;
  readonly attentionAxes: number[] | null;
  readonly kernelInitializer: InitializerIdentifier;
  readonly biasInitializer: InitializerIdentifier;
  readonly kernelRegularizer: RegularizerIdentifier;
  readonly biasRegularizer: RegularizerIdentifier;
  readonly seed: number | undefined;
  queryKernel: Variable | null = null;
  queryBias: Variable | null = null;
  keyKernel: Variable | null = null;
  keyBias: Variable | null = null;
  valueKernel: Variable | null = null;
  valueBias: Variable | null = null;
  outputKernel: Variable | null = null;
  outputBias: Variable | null = null;
  private readonly gen: Generator | null;
  private shapeArgs: MultiHeadAttentionCallArgs = {};

  constructor(args: MultiHeadAttentionArgs) {
    super(args);
    const cls = 'MultiHeadAttention';
    this.numHeads = positiveInt(args.numHeads, cls, 'numHeads');
    this.keyDim = positiveInt(args.keyDim, cls, 'keyDim');
    this.valueDim = args.valueDim === undefined || args.valueDim === null ? this.keyDim : positiveInt(args.valueDim, cls, 'valueDim');
    this.dropout = dropoutRate(args.dropout, cls);
    if (args.useBias !== undefined && typeof args.useBias !== 'boolean') throw invalid(cls, 'useBias', 'a boolean', args.useBias);
    this.useBias = args.useBias ?? true;
    const os = args.outputShape;
    if (os === undefined || os === null) this.outputShape = null;
    else {
      const list = typeof os === 'number' ? [os] : os;
      if (!Array.isArray(list) || list.length === 0 || list.some((d) => !Number.isInteger(d) || d <= 0)) {
        throw invalid(cls, 'outputShape', 'a positive integer or a non-empty list of positive integers', os);
      }
      this.outputShape = list.slice();
    }
    const axes = args.attentionAxes;
    if (axes === undefined || axes === null) this.attentionAxes = null;
    else {
      const list = typeof axes === 'number' ? [axes] : axes;
      if (!Array.isArray(list) || list.length === 0 || list.some((a) => !Number.isInteger(a))) throw invalid(cls, 'attentionAxes', 'an integer or a list of integers', axes);
      this.attentionAxes = list.slice();
    }
    this.kernelInitializer = args.kernelInitializer ?? 'glorot_uniform';
    this.biasInitializer = args.biasInitializer ?? 'zeros';
    this.kernelRegularizer = args.kernelRegularizer;
    this.biasRegularizer = args.biasRegularizer;
    this.seed = seedOf(args.seed, cls);
    this.gen = this.seed === undefined ? null : new Generator(this.seed);
  }

  /** [query, value, key] shapes, checked: equal ranks >= 3, value and key agreeing on every axis but the last. */
  private shapesOf(inputShape: Shape | Shape[]): [Shape, Shape, Shape] {
    if (!isShapeList(inputShape) || inputShape.length < 2 || inputShape.length > 3) {
      const n = isShapeList(inputShape) ? `a list of length ${inputShape.length}` : `one tensor of shape ${formatShape(inputShape)}`;
      throw new Error(`Layer "${this.name}" (MultiHeadAttention) must be called on a list [query, value] or [query, value, key] (self-attention: [x, x]). Received: ${n}`);
    }
    const [q, v, k = v] = inputShape;
    const all = inputShape.map(formatShape).join(', ');
    if (q.length < 3 || v.length !== q.length || k.length !== q.length) {
      throw new Error(`Layer "${this.name}" (MultiHeadAttention) expects query, value and key of one rank, at least 3 ([batch, ...attention axes, dim]). Received shapes: ${all}`);
    }
    if (v.slice(1, -1).some((d, i) => d !== null && k[i + 1] !== null && d !== k[i + 1]) || (q[0] !== null && v[0] !== null && q[0] !== v[0]) || (v[0] !== null && k[0] !== null && v[0] !== k[0])) {
      throw new Error(`Layer "${this.name}" (MultiHeadAttention): all dimensions of \`value\` and \`key\`, except the last one, must be equal, and the batch sizes must agree. Received shapes (query, value${inputShape.length > 2 ? ', key' : ''}): ${all}`);
    }
    return [q, v, k];
  }

  private checkAxes(rank: number): void {
    if (!this.attentionAxes) return;
    // Keras normalizes against the rank of the projected tensors (input rank + 1); its default is 1 .. rank - 2.
    const projected = rank + 1;
    const got = this.attentionAxes.map((a) => (a >= 0 ? a : projected - 1 + a)).sort((x, y) => x - y);
    const want = Array.from({ length: rank - 2 }, (_, i) => i + 1);
    if (got.length !== want.length || got.some((a, i) => a !== want[i])) {
      throw new Error(`Layer "${this.name}" (MultiHeadAttention): attentionAxes=${JSON.stringify(this.attentionAxes)} is not supported for inputs of rank ${rank}; tensornode attends over every axis between the batch and the features (attentionAxes ${JSON.stringify(want)}, Keras's default). Leave attentionAxes out, or fold the other axes into the batch first`);
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    const [q, v, k] = this.shapesOf(inputShape);
    this.checkAxes(q.length);
    const dims = [q, v, k].map((s) => s[s.length - 1]);
    if (dims.some((d) => d === null)) throw new Error(`Layer "${this.name}" (MultiHeadAttention) needs the last axes of query, value and key to be known. Received shapes: ${[q, v, k].map(formatShape).join(', ')}`);
    const [dq, dv, dk] = dims as number[];
    const N = this.numHeads;
    const kernel = (name: string, shape: number[]) => this.addWeight(`${name}/kernel`, { shape, initializer: this.kernelInitializer, regularizer: this.kernelRegularizer });
    const bias = (name: string, shape: number[]) => (this.useBias ? this.addWeight(`${name}/bias`, { shape, initializer: this.biasInitializer, regularizer: this.biasRegularizer }) : null);
    // Keras's order of `weights`: query, key, value, attention_output, each kernel then bias.
    this.queryKernel = kernel('query', [dq, N, this.keyDim]);
    this.queryBias = bias('query', [N, this.keyDim]);
    this.keyKernel = kernel('key', [dk, N, this.keyDim]);
    this.keyBias = bias('key', [N, this.keyDim]);
    this.valueKernel = kernel('value', [dv, N, this.valueDim]);
    this.valueBias = bias('value', [N, this.valueDim]);
    const out = this.outputShape ?? [dq];
    this.outputKernel = kernel('attention_output', [N, this.valueDim, ...out]);
    this.outputBias = bias('attention_output', out);
    super.build(inputShape);
  }

  override apply(inputs: any, args?: MultiHeadAttentionCallArgs): any {
    if (this.constructor === MultiHeadAttention) {
      checkCallArgs(args, ['attentionMask', 'queryMask', 'valueMask', 'keyMask', 'useCausalMask', 'returnAttentionScores'], this);
    }
    this.shapeArgs = args ?? {};
    if (Array.isArray(inputs) && inputs.some((t) => t instanceof SymbolicTensor)) {
      refuseSymbolicArgs(this, this.shapeArgs as Record<string, unknown>, ['attentionMask', 'queryMask', 'valueMask', 'keyMask', 'mask']);
    }
    try {
      return super.apply(inputs, args);
    } finally {
      this.shapeArgs = {};
    }
  }

  /** One EinsumDense projection [B, T, dim] -> [B, T, heads, depth], as a single GEMM over the flattened heads. */
  private project(x: Tensor, kernel: Variable, bias: Variable | null, depth: number): Tensor {
    const [B, T, D] = x.shape;
    const y = dense(x, reshape(kernel, [D, this.numHeads * depth]), bias && reshape(bias, [this.numHeads * depth]));
    return reshape(y, [B, T, this.numHeads, depth]);
  }

  /** The combined mask [B, Tq, Tv] (flattened attention axes) from attentionMask and the query / value / key masks. */
  private combinedMask(args: MultiHeadAttentionCallArgs, qShape: number[], vShape: number[], hasKey: boolean): Tensor | null {
    const B = qShape[0];
    const tq = qShape.slice(1, -1);
    const tv = vShape.slice(1, -1);
    const Tq = sizeOf(tq);
    const Tv = sizeOf(tv);
    const propagated = Array.isArray(args.mask) ? args.mask : [];
    const queryMask = maskArg(args.queryMask ?? propagated[0], [B, ...tq], this, 'queryMask');
    const valueMask = maskArg(args.valueMask ?? propagated[1], [B, ...tv], this, 'valueMask');
    const keyMask = maskArg(args.keyMask ?? (hasKey ? propagated[2] : undefined), [B, ...tv], this, 'keyMask');
    let attention: Tensor | null = null;
    if (args.attentionMask !== undefined && args.attentionMask !== null) {
      const t = toTensor(args.attentionMask, `MultiHeadAttention "${this.name}" attentionMask`);
      const full = [B, ...tq, ...tv];
      const padded = [...new Array(Math.max(0, full.length - t.rank)).fill(1), ...t.shape];
      if (t.rank > full.length || padded.some((d, i) => d !== 1 && d !== full[i])) {
        throw new Error(`Layer "${this.name}" (MultiHeadAttention): \`attentionMask\` must broadcast to [batch, ...query axes, ...key axes] = ${fmt(full)}, received shape ${fmt(t.shape)}`);
      }
      // Flattening the attention axes needs them whole; only the batch axis may still broadcast then.
      let whole = reshape(t, padded);
      if (padded.slice(1).some((d, i) => d !== full[i + 1])) whole = broadcastTo(whole, [padded[0], ...full.slice(1)]);
      attention = reshape(whole, [padded[0], Tq, Tv]);
    }
    if (!queryMask && !valueMask && !keyMask) return attention;
    const m = new Float32Array(B * Tq * Tv).fill(1);
    const a = attention?.values;
    const ab = attention && attention.shape[0] !== 1 ? Tq * Tv : 0;
    const qm = queryMask?.values;
    const vm = valueMask?.values;
    const km = keyMask?.values;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < Tq; t++) {
        for (let s = 0; s < Tv; s++) {
          const i = (b * Tq + t) * Tv + s;
          const keep = (!a || a[b * ab + t * Tv + s] !== 0) && (!qm || qm[b * Tq + t] !== 0) && (!vm || vm[b * Tv + s] !== 0) && (!km || km[b * Tv + s] !== 0);
          m[i] = keep ? 1 : 0;
        }
      }
    }
    return tensor(m, [B, Tq, Tv]);
  }

  call(inputs: LayerInput, args: MultiHeadAttentionCallArgs = {}): LayerOutput {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const [qs, vs, ks] = this.shapesOf(Array.isArray(inputs) ? inputs.map((t) => t.shape as Shape) : (inputs.shape as Shape)) as number[][];
    const [q, v, k = v] = list;
    const want = [this.queryKernel!, this.valueKernel!, this.keyKernel!].map((w) => w.shape[0]);
    if (qs[qs.length - 1] !== want[0] || vs[vs.length - 1] !== want[1] || ks[ks.length - 1] !== want[2]) {
      throw new Error(`Layer "${this.name}" (MultiHeadAttention) was built for query, value and key with last axes ${want.join(', ')}, received shapes ${[qs, vs, ks].map((s) => fmt(s)).join(', ')}`);
    }
    const B = qs[0];
    const tq = qs.slice(1, -1);
    const tv = vs.slice(1, -1);
    const Tq = sizeOf(tq);
    const causal = args.useCausalMask ?? false;
    if (causal && qs.length !== 3) throw new Error(`Layer "${this.name}" (MultiHeadAttention): useCausalMask needs inputs of rank 3 ([batch, time, dim]), received query shape ${fmt(qs)}`);
    const flat = (t: Tensor, s: number[]) => reshape(t, [B, sizeOf(s.slice(1, -1)), s[s.length - 1]]);
    const query = this.project(flat(q, qs), this.queryKernel!, this.queryBias, this.keyDim);
    const key = this.project(flat(k, ks), this.keyKernel!, this.keyBias, this.keyDim);
    const value = this.project(flat(v, vs), this.valueKernel!, this.valueBias, this.valueDim);
    const mask = this.combinedMask(args, qs, vs, list.length > 2);
    let dropout: { rate: number; keys: [number, number] } | null = null;
    if (args.training && this.dropout > 0) {
      const g = this.gen ?? generator();
      dropout = { rate: this.dropout, keys: [g.nextUint32(), g.nextUint32()] };
    }
    const options = { scale: 1 / Math.sqrt(this.keyDim), mask, causal, dropout };
    const op = `MultiHeadAttention "${this.name}"`;
    const { output: heads, probs } = dotProductAttention(query, key, value, options, op);
    const out = this.outputShape ?? [qs[qs.length - 1]];
    const N = this.numHeads;
    const y = dense(reshape(heads, [B, Tq, N * this.valueDim]), reshape(this.outputKernel!, [N * this.valueDim, sizeOf(out)]), this.outputBias && reshape(this.outputBias, [sizeOf(out)]));
    const output = reshape(y, [B, ...tq, ...out]);
    return args.returnAttentionScores ? [output, reshape(probs, [B, N, ...tq, ...tv])] : output;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const [q, v] = this.shapesOf(inputShape);
    const out: Shape = [...q.slice(0, -1), ...(this.outputShape ?? [q[q.length - 1]])];
    if (!this.shapeArgs.returnAttentionScores) return out;
    return [out, [q[0], this.numHeads, ...q.slice(1, -1), ...v.slice(1, -1)]];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), numHeads: this.numHeads, keyDim: this.keyDim, valueDim: this.valueDim, dropout: this.dropout, useBias: this.useBias,
      outputShape: this.outputShape, attentionAxes: this.attentionAxes,
      kernelInitializer: serializeInitializer(this.kernelInitializer), biasInitializer: serializeInitializer(this.biasInitializer),
      kernelRegularizer: serializeRegularizer(this.kernelRegularizer), biasRegularizer: serializeRegularizer(this.biasRegularizer),
      seed: this.seed ?? null,
    };
  }
}
