// ONNX export: a Sequential or functional model as one ONNX graph (opset 17) that takes and gives the same
// channels-last tensors as model.predict, with a dynamic batch axis.
//
// ONNX's convolutions, pooling and recurrent ops want channels-first or time-major data, our layers work on NHWC and
// batch-major data. Rather than wrapping every such op in a pair of Transposes, each value of the graph remembers the
// permutation its ONNX tensor holds (`perm`: axis i of the ONNX tensor is axis perm[i] of the Keras tensor). A layer
// asks for the layout it needs; a Transpose is emitted only when the layouts differ, and only once per layout. So a
// Conv2D -> relu -> BatchNormalization -> MaxPooling2D chain stays NCHW from end to end, and stacked LSTMs stay
// time-major, with one Transpose at each boundary of the chain.
import { backendInfo } from '../backend.js';
import { writeFileAtomic } from './atomic.js';
import { getActivation, type Activation as ActivationFunction } from '../activations.js';
import type { DType } from '../dtype.js';
import {
  Activation, ActivityRegularization, Add, AlphaDropout, Average, AveragePooling1D, AveragePooling2D, BatchNormalization,
  AveragePooling3D, Bidirectional, Concatenate, Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Conv3D, Conv3DTranspose, Cropping1D,
  GlobalAveragePooling3D, GlobalMaxPooling3D, MaxPooling3D, Cropping2D, Dense, DepthwiseConv2D, Dropout, ELU, Embedding,
  Flatten, GaussianDropout, GaussianNoise, Lambda, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D,
  GlobalMaxPooling2D, GroupNormalization, GRU, LayerNormalization, LeakyReLU, LSTM, Maximum, MaxPooling1D, MaxPooling2D,
  Minimum, Multiply, Permute, PReLU, ReLU, RepeatVector, Reshape, SeparableConv2D, SimpleRNN, Softmax, SpatialDropout1D,
  SpatialDropout2D, Subtract, ThresholdedReLU, TimeDistributed, UnitNormalization, UpSampling1D, UpSampling2D, ZeroPadding1D, ZeroPadding2D,
} from '../layers/index.js';
import * as layerClasses from '../layers/index.js';
import { InputLayer, Layer, type Shape } from '../layers/layer.js';
import { ConvLSTM } from '../layers/convolutional-recurrent.js';
import { Model } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import { UnaryOp } from '../native.js';
import { transposeOutputLength } from '../ops/conv.js';
import { outputSize } from '../ops/window.js';
import { normalizeAxis } from '../shape-util.js';
import type { Tensor } from '../tensor.js';
import {
  AttributeType, DataType, IR_VERSION, ModelProto, OPSET,
  type AttributeMessage, type DimensionMessage, type NodeMessage, type TensorMessage, type ValueInfoMessage,
} from './onnx-proto.js';

/** A Keras tensor of the graph: the ONNX tensor holding it, and how that tensor's axes are ordered. */
interface Value {
  name: string;
  /** Axis i of the ONNX tensor is axis perm[i] of the Keras tensor. */
  perm: number[];
  /** The Keras shape (batch axis null). */
  shape: Shape;
  dtype: DType;
}

type Attributes = Record<string, AttributeMessage>;
const int = (v: number) => ({ type: AttributeType.INT, i: v }) as AttributeMessage;
const float = (v: number) => ({ type: AttributeType.FLOAT, f: v }) as AttributeMessage;
const ints = (v: number[]) => ({ type: AttributeType.INTS, ints: v }) as AttributeMessage;
const floats = (v: number[]) => ({ type: AttributeType.FLOATS, floats: v }) as AttributeMessage;
const text = new TextEncoder();
const string = (v: string) => ({ type: AttributeType.STRING, s: text.encode(v) }) as AttributeMessage;
const strings = (v: string[]) => ({ type: AttributeType.STRINGS, strings: v.map((s) => text.encode(s)) }) as AttributeMessage;

/** The lowest int64: Slice's `ends` for "through the first element" when stepping backwards. */
const INT64_MIN = -(2n ** 63n);
/** The highest int64: Slice's `ends` for "through the last element". */
const INT64_MAX = 2n ** 63n - 1n;

const identity = (rank: number) => Array.from({ length: rank }, (_, i) => i);
const inverse = (perm: number[]) => {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
};
const samePerm = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => v === b[i]);
/** Channels-first layouts of channels-last tensors: NCW for [N, W, C], NCHW for [N, H, W, C]. */
const channelsFirst = (rank: number) => [0, rank - 1, ...identity(rank).slice(1, rank - 1)];

function littleEndianBytes(a: Float32Array | Int32Array | BigInt64Array): Uint8Array {
  const out = new Uint8Array(a.byteLength);
  const view = new DataView(out.buffer);
  if (a instanceof Float32Array) a.forEach((v, i) => view.setFloat32(4 * i, v, true));
  else if (a instanceof Int32Array) a.forEach((v, i) => view.setInt32(4 * i, v, true));
  else a.forEach((v, i) => view.setBigInt64(8 * i, v, true));
  return out;
}

/** Keras's 'same' padding of one spatial axis: the odd pixel goes at the end. */
function samePads(size: number, kernel: number, stride: number, dilation: number): [number, number] {
  const effective = (kernel - 1) * dilation + 1;
  const total = Math.max((Math.ceil(size / stride) - 1) * stride + effective - size, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** Builds the node list and the initializers of one ONNX graph. */
class GraphBuilder {
  readonly nodes: NodeMessage[] = [];
  readonly initializers: TensorMessage[] = [];
  /** Tensor names (inputs, outputs, initializers, intermediate values) and node names: two namespaces in ONNX. */
  private readonly names = new Set<string>();
  private readonly nodeNames = new Set<string>();
  /** Transposes already emitted: source tensor name + target perm -> transposed tensor name. */
  private readonly transposed = new Map<string, string>();
  /** Initializers already made for an owner (a layer, or a scalar value) under a key. */
  private readonly constants = new Map<unknown, Map<string, string>>();

  /** A tensor or node name not used before: base, or base_1, base_2, ... */
  unique(base: string, taken = this.names): string {
    let name = base;
    for (let k = 1; taken.has(name); k++) name = `${base}_${k}`;
    taken.add(name);
    return name;
  }

  reserve(name: string): void {
    this.names.add(name);
  }

  taken(name: string): boolean {
    return this.names.has(name);
  }

  /** Emits a node; returns the names of its outputs (an empty `outputs` entry leaves that optional output unset). */
  node(opType: string, scope: string, inputs: string[], attributes: Attributes = {}, outputs: (string | null)[] = [null]): string[] {
    const outNames = outputs.map((o, i) => (o === '' ? '' : o ?? this.unique(`${scope}/${opType}${outputs.length > 1 ? `:${i}` : ''}`)));
    const attribute = Object.entries(attributes).map(([name, a]) => ({ ...a, name }));
    this.nodes.push({ name: this.unique(`${scope}/${opType}`, this.nodeNames), opType, input: inputs, output: outNames, attribute });
    return outNames;
  }

  /** One-output node. */
  op(opType: string, scope: string, inputs: string[], attributes: Attributes = {}): string {
    return this.node(opType, scope, inputs, attributes)[0];
  }

  /** An initializer made once per (owner, key): shared layers share their weights. */
  constant(owner: unknown, key: string, make: () => { data: Float32Array | Int32Array | BigInt64Array; dims: number[] }): string {
    let byKey = this.constants.get(owner);
    if (!byKey) this.constants.set(owner, (byKey = new Map()));
    const hit = byKey.get(key);
    if (hit) return hit;
    const { data, dims } = make();
    const name = this.unique(key);
    const dataType = data instanceof Float32Array ? DataType.FLOAT : data instanceof Int32Array ? DataType.INT32 : DataType.INT64;
    this.initializers.push({ name, dims, dataType, rawData: littleEndianBytes(data) });
    byKey.set(key, name);
    return name;
  }

  scalar(v: number): string {
    return this.constant('scalar', `const/${v}`, () => ({ data: Float32Array.of(v), dims: [] }));
  }

  int64s(values: (number | bigint)[]): string {
    return this.constant('int64', `const/[${values.join(',')}]`, () => ({ data: BigInt64Array.from(values.map((v) => BigInt(v))), dims: [values.length] }));
  }

  /** The name of a tensor holding `v` with its axes in the order `perm`, transposing at most once per layout. */
  layout(v: Value, perm: number[], scope: string): string {
    if (samePerm(v.perm, perm)) return v.name;
    const key = `${v.name}|${perm.join(',')}`;
    const hit = this.transposed.get(key);
    if (hit) return hit;
    const inv = inverse(v.perm);
    const out = this.op('Transpose', scope, [v.name], { perm: ints(perm.map((p) => inv[p])) });
    this.transposed.set(key, out);
    return out;
  }

  /** Renames the tensor `from` (produced by a node) to `to` everywhere. */
  rename(from: string, to: string): void {
    for (const n of this.nodes) {
      n.input = n.input.map((x) => (x === from ? to : x));
      n.output = n.output.map((x) => (x === from ? to : x));
    }
    for (const [k, x] of this.transposed) if (x === from) this.transposed.set(k, to);
  }

  producedByNode(name: string): boolean {
    return this.nodes.some((n) => n.output.includes(name));
  }
}

function noEquivalent(layer: Layer, what: string): Error {
  return new Error(`ONNX export: layer "${layer.name}" (${layer.className}) ${what}`);
}

/** Whether `act` is one of the built-in activations (a custom function may share a built-in's name). */
function isBuiltin(act: ActivationFunction): boolean {
  try {
    return getActivation(act.name) === act;
  } catch {
    return false;
  }
}

const SELU_ALPHA = 1.67326324235437728481;
const SELU_SCALE = 1.05070098735548049342;

/** Applies an activation to a value, in the layout the value has (softmax finds its axis through the perm). */
function activate(b: GraphBuilder, act: ActivationFunction, v: Value, layer: Layer, option = 'activation'): Value {
  if (!isBuiltin(act)) throw noEquivalent(layer, `has the custom ${option} function "${act.name}", which has no ONNX equivalent; use a built-in activation to export`);
  const scope = layer.name;
  const x = v.name;
  const lastAxis = inverse(v.perm)[v.shape.length - 1];
  const out = (name: string): Value => ({ ...v, name });
  if (act.softmax) return out(b.op('Softmax', scope, [x], { axis: int(lastAxis) }));
  if (act.name === 'log_softmax') return out(b.op('LogSoftmax', scope, [x], { axis: int(lastAxis) }));
  const u = act.unary!;
  switch (u.op) {
    case UnaryOp.linear: return v;
    case UnaryOp.relu: return out(b.op('Relu', scope, [x]));
    case UnaryOp.relu6: return out(b.op('Clip', scope, [x, b.scalar(0), b.scalar(6)]));
    case UnaryOp.leakyRelu: return out(b.op('LeakyRelu', scope, [x], { alpha: float(u.alpha) }));
    case UnaryOp.elu: return out(b.op('Elu', scope, [x], { alpha: float(u.alpha) }));
    case UnaryOp.selu: return out(b.op('Selu', scope, [x], { alpha: float(SELU_ALPHA), gamma: float(SELU_SCALE) }));
    case UnaryOp.sigmoid: return out(b.op('Sigmoid', scope, [x]));
    // Keras 3's hard_sigmoid is relu6(x + 3) / 6: slope 1/6 (ONNX's default slope is Keras 2's 0.2).
    case UnaryOp.hardSigmoid: return out(b.op('HardSigmoid', scope, [x], { alpha: float(1 / 6), beta: float(0.5) }));
    case UnaryOp.tanh: return out(b.op('Tanh', scope, [x]));
    case UnaryOp.softplus: return out(b.op('Softplus', scope, [x]));
    case UnaryOp.softsign: return out(b.op('Softsign', scope, [x]));
    case UnaryOp.swish: return out(b.op('Mul', scope, [x, b.op('Sigmoid', scope, [x])]));
    case UnaryOp.exp: return out(b.op('Exp', scope, [x]));
    case UnaryOp.gelu: {
      // Opset 17 has no Gelu: x * 0.5 * (1 + erf(x / sqrt(2))).
      const erf = b.op('Erf', scope, [b.op('Mul', scope, [x, b.scalar(Math.SQRT1_2)])]);
      return out(b.op('Mul', scope, [b.op('Mul', scope, [x, b.scalar(0.5)]), b.op('Add', scope, [erf, b.scalar(1)])]));
    }
    default:
      throw noEquivalent(layer, `has the ${option} "${act.name}", which has no ONNX equivalent`);
  }
}

/** ONNX's names for the activations its recurrent ops accept, with their alpha/beta. */
function recurrentActivation(act: ActivationFunction, layer: Layer, option: string): { name: string; alpha?: number; beta?: number } {
  if (isBuiltin(act) && act.unary) {
    const u = act.unary;
    switch (u.op) {
      case UnaryOp.tanh: return { name: 'Tanh' };
      case UnaryOp.sigmoid: return { name: 'Sigmoid' };
      case UnaryOp.relu: return { name: 'Relu' };
      case UnaryOp.hardSigmoid: return { name: 'HardSigmoid', alpha: 1 / 6, beta: 0.5 };
      case UnaryOp.leakyRelu: return { name: 'LeakyRelu', alpha: u.alpha };
      case UnaryOp.elu: return { name: 'Elu', alpha: u.alpha };
      case UnaryOp.softsign: return { name: 'Softsign' };
      case UnaryOp.softplus: return { name: 'Softplus' };
      case UnaryOp.linear: return { name: 'Affine', alpha: 1, beta: 0 };
    }
  }
  throw noEquivalent(layer, `has ${option} "${act.name}", which ONNX's recurrent ops do not offer (they take tanh, sigmoid, relu, hard_sigmoid, leaky_relu, elu, softsign, softplus and linear)`);
}

type Recurrent = SimpleRNN | LSTM | GRU;

/** Keras's gate blocks in ONNX's order: LSTM i,f,c,o -> i,o,f,c; GRU z,r,h and SimpleRNN keep theirs. */
function gateOrder(layer: Recurrent): number[] {
  if (layer instanceof LSTM) return [0, 3, 1, 2];
  if (layer instanceof GRU) return [0, 1, 2];
  return [0];
}

/** The W, R and B inputs of an ONNX recurrent op, one direction per layer in `dirs`. */
function recurrentWeights(b: GraphBuilder, owner: Layer, dirs: Recurrent[]): [string, string, string] {
  const first = dirs[0];
  const order = gateOrder(first);
  const g = order.length;
  const u = first.units;
  const features = first.kernel!.shape[0];
  const key = owner.name;
  // Kernel [in, g*u] in Keras's gate order -> ONNX's [g*u, in] per direction, gates reordered.
  const pack = (k: Tensor, rows: number) => {
    const src = k.data() as Float32Array;
    const out = new Float32Array(g * u * rows);
    order.forEach((from, to) => {
      for (let j = 0; j < u; j++) for (let r = 0; r < rows; r++) out[(to * u + j) * rows + r] = src[r * g * u + from * u + j];
    });
    return out;
  };
  const stack = (parts: Float32Array[]) => {
    const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) (out.set(p, o), (o += p.length));
    return out;
  };
  const W = b.constant(owner, `${key}/W`, () => ({ data: stack(dirs.map((l) => pack(l.kernel!, features))), dims: [dirs.length, g * u, features] }));
  const R = b.constant(owner, `${key}/R`, () => ({ data: stack(dirs.map((l) => pack(l.recurrentKernel!, u))), dims: [dirs.length, g * u, u] }));
  // B is [Wb, Rb] per direction. Keras has one bias, except GRU with resetAfter: rows [input bias, recurrent bias].
  const reorder = (v: Float32Array) => {
    const out = new Float32Array(g * u);
    order.forEach((from, to) => out.set(v.subarray(from * u, (from + 1) * u), to * u));
    return out;
  };
  const B = b.constant(owner, `${key}/B`, () => ({
    data: stack(dirs.map((l) => {
      const bias = l.bias ? (l.bias.data() as Float32Array) : new Float32Array(g * u);
      const twoRows = l instanceof GRU && l.resetAfter && l.bias !== null;
      const wb = reorder(bias.subarray(0, g * u));
      const rb = twoRows ? reorder(bias.subarray(g * u, 2 * g * u)) : new Float32Array(g * u);
      return stack([wb, rb]);
    })),
    dims: [dirs.length, 2 * g * u],
  }));
  return [W, R, B];
}

/** Runs an ONNX RNN/LSTM/GRU node over time-major x; returns Y [time, dirs, batch, units] and Y_h [dirs, batch, units]. */
function recurrentNode(b: GraphBuilder, owner: Layer, dirs: Recurrent[], direction: string, x: string, wantSequence: boolean): { y: string; yh: string } {
  const first = dirs[0];
  const opType = first instanceof LSTM ? 'LSTM' : first instanceof GRU ? 'GRU' : 'RNN';
  const acts = dirs.flatMap((l) => {
    if (l instanceof SimpleRNN) return [recurrentActivation(l.activation, owner, 'activation')];
    const rec = recurrentActivation((l as LSTM | GRU).recurrentActivation, owner, 'recurrentActivation');
    const main = recurrentActivation(l.activation, owner, 'activation');
    return l instanceof LSTM ? [rec, main, main] : [rec, main];
  });
  const attributes: Attributes = {
    hidden_size: int(first.units),
    direction: string(direction),
    activations: strings(acts.map((a) => a.name)),
  };
  // ONNX Runtime reads alpha and beta only for the activations that take them, in order.
  const alphas = acts.filter((a) => a.alpha !== undefined).map((a) => a.alpha!);
  const betas = acts.filter((a) => a.beta !== undefined).map((a) => a.beta!);
  if (alphas.length) attributes.activation_alpha = floats(alphas);
  if (betas.length) attributes.activation_beta = floats(betas);
  if (first instanceof GRU) attributes.linear_before_reset = int(first.resetAfter ? 1 : 0);
  const [W, R, B] = recurrentWeights(b, owner, dirs);
  const [y, yh] = b.node(opType, owner.name, [x, W, R, B], attributes, wantSequence ? [null, ''] : ['', null]);
  return { y, yh };
}

/** Reverses the time axis (axis 0) of a time-major tensor, and also `alsoAxis` if given. */
function reverseAxes(b: GraphBuilder, scope: string, x: string, axes: number[]): string {
  return b.op('Slice', scope, [x, b.int64s(axes.map(() => -1)), b.int64s(axes.map(() => INT64_MIN)), b.int64s(axes), b.int64s(axes.map(() => -1))]);
}

function convertRecurrent(b: GraphBuilder, layer: Recurrent, v: Value, outShape: Shape): Value {
  const scope = layer.name;
  const x = b.layout(v, [1, 0, 2], scope);
  const { y, yh } = recurrentNode(b, layer, [layer], layer.goBackwards ? 'reverse' : 'forward', x, layer.returnSequences);
  if (!layer.returnSequences) return { name: b.op('Squeeze', scope, [yh, b.int64s([0])]), perm: [0, 1], shape: outShape, dtype: 'float32' };
  let seq = b.op('Squeeze', scope, [y, b.int64s([1])]);
  // ONNX's reverse direction keeps outputs aligned with the input steps; Keras's goBackwards gives them in the
  // order it computed them, last step first.
  if (layer.goBackwards) seq = reverseAxes(b, scope, seq, [0]);
  return { name: seq, perm: [1, 0, 2], shape: outShape, dtype: 'float32' };
}

function convertBidirectional(b: GraphBuilder, layer: Bidirectional, v: Value, outShape: Shape): Value {
  const scope = layer.name;
  const f = layer.forwardLayer as Recurrent;
  const k = layer.backwardLayer as Recurrent;
  // ONNX's first direction reads forwards. When the wrapped layer has goBackwards, Keras's forward layer is the one
  // reading backwards: the directions swap, and both of Keras's outputs come in reversed time order.
  const swapped = f.goBackwards;
  const x = b.layout(v, [1, 0, 2], scope);
  const { y, yh } = recurrentNode(b, layer, swapped ? [k, f] : [f, k], 'bidirectional', x, f.returnSequences);
  const mode = layer.mergeMode;
  const merge = (t: string, dirAxis: number): string => {
    if (mode === 'sum') return b.op('ReduceSum', scope, [t, b.int64s([dirAxis])], { keepdims: int(0) });
    if (mode === 'mul') return b.op('ReduceProd', scope, [t], { axes: ints([dirAxis]), keepdims: int(0) });
    if (mode === 'ave') return b.op('ReduceMean', scope, [t], { axes: ints([dirAxis]), keepdims: int(0) });
    // concat: [..., dirs, units] with the direction just before the units -> [..., 2 * units].
    return t;
  };
  if (f.returnSequences) {
    // Y [time, 2, batch, units].
    const ordered = swapped ? reverseAxes(b, scope, y, mode === 'concat' ? [0, 1] : [0]) : y;
    if (mode !== 'concat') return { name: merge(ordered, 1), perm: [1, 0, 2], shape: outShape, dtype: 'float32' };
    const t = b.op('Transpose', scope, [ordered], { perm: ints([0, 2, 1, 3]) });
    return { name: b.op('Reshape', scope, [t, b.int64s([0, 0, -1])]), perm: [1, 0, 2], shape: outShape, dtype: 'float32' };
  }
  // Y_h [2, batch, units].
  const ordered = swapped && mode === 'concat' ? reverseAxes(b, scope, yh, [0]) : yh;
  if (mode !== 'concat') return { name: merge(ordered, 0), perm: [0, 1], shape: outShape, dtype: 'float32' };
  const t = b.op('Transpose', scope, [ordered], { perm: ints([1, 0, 2]) });
  return { name: b.op('Reshape', scope, [t, b.int64s([0, -1])]), perm: [0, 1], shape: outShape, dtype: 'float32' };
}

/** Conv or pooling pads (ONNX's [begin..., end...]) for Keras's padding of the spatial axes. */
function spatialPads(padding: string, spatial: (number | null)[], kernel: number[], strides: number[], dilations: number[]): Attributes {
  if (padding === 'valid') return {};
  if (padding === 'causal') return { pads: ints([dilations[0] * (kernel[0] - 1), 0]) };
  // 'same' with an unknown spatial size: ONNX's SAME_UPPER is Keras's rule (the extra pad at the end).
  if (spatial.some((d) => d === null)) return { auto_pad: string('SAME_UPPER') };
  const pairs = spatial.map((d, i) => samePads(d as number, kernel[i], strides[i], dilations[i]));
  if (pairs.every(([p, q]) => p === 0 && q === 0)) return {};
  return { pads: ints([...pairs.map((p) => p[0]), ...pairs.map((p) => p[1])]) };
}

function convertConv(b: GraphBuilder, layer: Conv1D | Conv2D | Conv3D, v: Value, outShape: Shape): Value {
  const scope = layer.name;
  const rank = v.shape.length;
  const perm = channelsFirst(rank);
  const x = b.layout(v, perm, scope);
  const kernelSize = layer instanceof Conv1D ? [layer.kernelSize] : layer.kernelSize;
  const strides = layer instanceof Conv1D ? [layer.strides] : layer.strides;
  const dilations = layer instanceof Conv1D ? [layer.dilationRate] : layer.dilationRate;
  const groups = layer instanceof Conv3D ? 1 : layer.groups;
  // Keras's kernel [k..., in, out] -> ONNX's [out, in, k...].
  const W = b.constant(layer, `${scope}/kernel`, () => {
    const k = layer.kernel!;
    const s = k.shape;
    const src = k.data() as Float32Array;
    const spatial = s.slice(0, -2);
    const [cin, cout] = s.slice(-2);
    const area = spatial.reduce((p, d) => p * d, 1);
    const out = new Float32Array(src.length);
    for (let p = 0; p < area; p++) for (let c = 0; c < cin; c++) for (let o = 0; o < cout; o++) out[(o * cin + c) * area + p] = src[(p * cin + c) * cout + o];
    return { data: out, dims: [cout, cin, ...spatial] };
  });
  const inputs = [x, W];
  if (layer.bias) inputs.push(b.constant(layer, `${scope}/bias`, () => ({ data: layer.bias!.data() as Float32Array, dims: [layer.filters] })));
  const attributes: Attributes = {
    kernel_shape: ints(kernelSize), strides: ints(strides), dilations: ints(dilations),
    ...spatialPads(layer.padding, v.shape.slice(1, -1), kernelSize, strides, dilations),
    // Keras's grouped kernel [k..., in / groups, out] is ONNX's [out, in / groups, k...] with group = groups.
    ...(groups !== 1 ? { group: int(groups) } : {}),
  };
  const y: Value = { name: b.op('Conv', scope, inputs, attributes), perm, shape: outShape, dtype: 'float32' };
  return activate(b, layer.activation, y, layer);
}

/**
 * Conv1DTranspose / Conv2DTranspose / Conv3DTranspose: ONNX's ConvTranspose. Keras's kernel [k..., filters, in] -> ONNX's
 * [in, filters, k...]. The pads are TensorFlow's for a convolution of the output back onto the input (the leading
 * pad by its 'same' rule); where Keras's output is longer than the pads allow (a stride wider than the window, or
 * outputPadding), the rest is ONNX's output_padding. Both depend only on the window, stride and padding, not on the
 * input's size.
 */
function convertConvTranspose(b: GraphBuilder, layer: Conv1DTranspose | Conv2DTranspose | Conv3DTranspose, v: Value, outShape: Shape): Value {
  const scope = layer.name;
  const perm = channelsFirst(v.shape.length);
  const x = b.layout(v, perm, scope);
  const one = layer instanceof Conv1DTranspose;
  const kernelSize: number[] = one ? [layer.kernelSize] : layer.kernelSize;
  const strides: number[] = one ? [layer.strides] : layer.strides;
  const dilations: number[] = one ? [layer.dilationRate] : layer.dilationRate;
  const outputPadding: number[] | null = one ? (layer.outputPadding === null ? null : [layer.outputPadding]) : layer.outputPadding;
  const W = b.constant(layer, `${scope}/kernel`, () => {
    const k = layer.kernel!;
    const s = k.shape;
    const src = k.data() as Float32Array;
    const spatial = s.slice(0, -2);
    const [cout, cin] = s.slice(-2);
    const area = spatial.reduce((p, d) => p * d, 1);
    const out = new Float32Array(src.length);
    for (let p = 0; p < area; p++) for (let o = 0; o < cout; o++) for (let c = 0; c < cin; c++) out[(c * cout + o) * area + p] = src[(p * cout + o) * cin + c];
    return { data: out, dims: [cin, cout, ...spatial] };
  });
  const inputs = [x, W];
  if (layer.bias) inputs.push(b.constant(layer, `${scope}/bias`, () => ({ data: layer.bias!.data() as Float32Array, dims: [layer.filters] })));
  const begins: number[] = [];
  const ends: number[] = [];
  const extra: number[] = [];
  kernelSize.forEach((k, i) => {
    // An input of length 1 stands for any: the totals below do not depend on it.
    const out = transposeOutputLength(1, k, strides[i], dilations[i], layer.padding, outputPadding ? outputPadding[i] : null);
    const effective = (k - 1) * dilations[i] + 1;
    const total = effective - out;
    const lead = outputSize(out, k, strides[i], dilations[i], layer.padding)[1];
    begins.push(lead);
    ends.push(Math.max(total - lead, 0));
    extra.push(Math.max(lead - total, 0));
  });
  const attributes: Attributes = {
    kernel_shape: ints(kernelSize), strides: ints(strides), dilations: ints(dilations), pads: ints([...begins, ...ends]),
    ...(extra.some((e) => e > 0) ? { output_padding: ints(extra) } : {}),
  };
  const y: Value = { name: b.op('ConvTranspose', scope, inputs, attributes), perm, shape: outShape, dtype: 'float32' };
  return activate(b, layer.activation, y, layer);
}

function convertPool(
  b: GraphBuilder, layer: MaxPooling1D | MaxPooling2D | MaxPooling3D | AveragePooling1D | AveragePooling2D | AveragePooling3D, v: Value, outShape: Shape,
): Value {
  const scope = layer.name;
  const perm = channelsFirst(v.shape.length);
  const x = b.layout(v, perm, scope);
  const poolSize = Array.isArray(layer.poolSize) ? layer.poolSize : [layer.poolSize];
  const strides = Array.isArray(layer.strides) ? layer.strides : [layer.strides];
  const isMax = layer instanceof MaxPooling1D || layer instanceof MaxPooling2D || layer instanceof MaxPooling3D;
  // AveragePool's default count_include_pad=0 is Keras's: only cells inside the input count.
  const attributes: Attributes = {
    kernel_shape: ints(poolSize), strides: ints(strides),
    ...spatialPads(layer.padding, v.shape.slice(1, -1), poolSize, strides, poolSize.map(() => 1)),
  };
  return { name: b.op(isMax ? 'MaxPool' : 'AveragePool', scope, [x], attributes), perm, shape: outShape, dtype: 'float32' };
}

/** ReduceMean/ReduceMax over Keras axes, in the value's layout. */
function reduce(b: GraphBuilder, opType: string, scope: string, v: Value, axes: number[], keepdims: boolean, outShape: Shape): Value {
  const inv = inverse(v.perm);
  const physical = axes.map((a) => inv[a]).sort((p, q) => p - q);
  const name = b.op(opType, scope, [v.name], { axes: ints(physical), keepdims: int(keepdims ? 1 : 0) });
  if (keepdims) return { name, perm: v.perm, shape: outShape, dtype: v.dtype };
  const kept = v.perm.filter((_, i) => !physical.includes(i));
  const sorted = kept.slice().sort((p, q) => p - q);
  return { name, perm: kept.map((a) => sorted.indexOf(a)), shape: outShape, dtype: v.dtype };
}

function convertDense(b: GraphBuilder, layer: Dense, v: Value, outShape: Shape): Value {
  const scope = layer.name;
  const rank = v.shape.length;
  // MatMul works on the last axis: any layout that keeps it last will do (a time-major LSTM output, say).
  const perm = v.perm[rank - 1] === rank - 1 ? v.perm : identity(rank);
  const x = b.layout(v, perm, scope);
  const W = b.constant(layer, `${scope}/kernel`, () => ({ data: layer.kernel!.data() as Float32Array, dims: layer.kernel!.shape.slice() }));
  const B = layer.bias ? b.constant(layer, `${scope}/bias`, () => ({ data: layer.bias!.data() as Float32Array, dims: [layer.units] })) : null;
  let y: string;
  if (rank === 2) y = b.op('Gemm', scope, B ? [x, W, B] : [x, W]);
  else {
    y = b.op('MatMul', scope, [x, W]);
    if (B) y = b.op('Add', scope, [y, B]);
  }
  return activate(b, layer.activation, { name: y, perm, shape: outShape, dtype: 'float32' }, layer);
}

function convertBatchNorm(b: GraphBuilder, layer: BatchNormalization, v: Value, outShape: Shape): Value {
  const scope = layer.name;
  const rank = v.shape.length;
  const axis = normalizeAxis(layer.axis, rank, `BatchNormalization "${layer.name}"`);
  const channels = layer.movingMean!.size;
  const physical = inverse(v.perm)[axis];
  const mean = layer.movingMean!.data() as Float32Array;
  const variance = layer.movingVariance!.data() as Float32Array;
  const gamma = layer.gamma ? (layer.gamma.data() as Float32Array) : new Float32Array(channels).fill(1);
  const beta = layer.beta ? (layer.beta.data() as Float32Array) : new Float32Array(channels);
  if (physical === 1) {
    // The channels sit where ONNX's BatchNormalization wants them (NCHW after a Conv, or a Dense output).
    const c = (key: string, data: Float32Array) => b.constant(layer, `${scope}/${key}`, () => ({ data, dims: [channels] }));
    const name = b.op('BatchNormalization', scope, [v.name, c('scale', gamma), c('bias', beta), c('mean', mean), c('var', variance)], { epsilon: float(layer.epsilon) });
    return { ...v, name, shape: outShape };
  }
  // Elsewhere, the inference form in place: (x - mean) * (gamma / sqrt(var + eps)) + beta, broadcast on that axis.
  const dims = [channels, ...new Array<number>(rank - 1 - physical).fill(1)];
  const scale = Float32Array.from(gamma, (g, i) => g / Math.sqrt(variance[i] + layer.epsilon));
  // Keyed by the broadcast shape too: a shared layer may meet its inputs in different layouts.
  const c = (key: string, data: Float32Array) => b.constant(layer, `${scope}/${key}[${dims}]`, () => ({ data, dims }));
  const centered = b.op('Sub', scope, [v.name, c('mean', mean)]);
  const scaled = b.op('Mul', scope, [centered, c('scale', scale)]);
  const name = b.op('Add', scope, [scaled, c('bias', beta)]);
  return { ...v, name, shape: outShape };
}

function convertLayerNorm(b: GraphBuilder, layer: LayerNormalization, v: Value, outShape: Shape): Value {
  const scope = layer.name;
  const rank = v.shape.length;
  const axes = (Array.isArray(layer.axis) ? layer.axis : [layer.axis]).map((a) => normalizeAxis(a, rank, `LayerNormalization "${layer.name}"`)).sort((p, q) => p - q);
  const x = b.layout(v, identity(rank), scope);
  const dims = axes.map((a) => v.shape[a] as number);
  const size = dims.reduce((p, d) => p * d, 1);
  const suffix = axes[0] > 0 && axes.every((a, i) => a === axes[0] + i) && axes[axes.length - 1] === rank - 1;
  if (suffix) {
    // ONNX's LayerNormalization normalizes over the axes from `axis` to the end, as Keras does for these axes.
    const scale = b.constant(layer, `${scope}/scale`, () => ({ data: layer.gamma ? (layer.gamma.data() as Float32Array) : new Float32Array(size).fill(1), dims }));
    const inputs = [x, scale];
    if (layer.beta) inputs.push(b.constant(layer, `${scope}/bias`, () => ({ data: layer.beta!.data() as Float32Array, dims })));
    const name = b.op('LayerNormalization', scope, inputs, { axis: int(axes[0]), epsilon: float(layer.epsilon) });
    return { name, perm: identity(rank), shape: outShape, dtype: 'float32' };
  }
  // Other axes: the layer's own arithmetic, mean and variance over the axes, the parameters broadcast along them.
  const paramDims = v.shape.map((d, i) => (axes.includes(i) ? (d as number) : 1));
  const m = b.op('ReduceMean', scope, [x], { axes: ints(axes), keepdims: int(1) });
  const centered = b.op('Sub', scope, [x, m]);
  const variance = b.op('ReduceMean', scope, [b.op('Mul', scope, [centered, centered])], { axes: ints(axes), keepdims: int(1) });
  const inv = b.op('Reciprocal', scope, [b.op('Sqrt', scope, [b.op('Add', scope, [variance, b.scalar(layer.epsilon)])])]);
  let y = b.op('Mul', scope, [centered, inv]);
  if (layer.gamma) y = b.op('Mul', scope, [y, b.constant(layer, `${scope}/scale`, () => ({ data: layer.gamma!.data() as Float32Array, dims: paramDims }))]);
  if (layer.beta) y = b.op('Add', scope, [y, b.constant(layer, `${scope}/bias`, () => ({ data: layer.beta!.data() as Float32Array, dims: paramDims }))]);
  return { name: y, perm: identity(rank), shape: outShape, dtype: 'float32' };
}

function convertMerge(b: GraphBuilder, layer: Layer, vs: Value[], outShape: Shape): Value {
  const scope = layer.name;
  // Inputs that share a layout are merged in it; otherwise all go back to Keras's order.
  const rank = vs[0].shape.length;
  const common = vs.every((v) => v.shape.length === rank && samePerm(v.perm, vs[0].perm)) ? vs[0].perm : identity(outShape.length);
  const xs = vs.map((v) => b.layout(v, v.shape.length === common.length ? common : identity(v.shape.length), scope));
  const chain = (op: string) => xs.slice(1).reduce((acc, x) => b.op(op, scope, [acc, x]), xs[0]);
  let name: string;
  if (layer instanceof Add) name = chain('Add');
  else if (layer instanceof Subtract) {
    if (xs.length !== 2) throw noEquivalent(layer, `should be called on exactly 2 inputs, received ${xs.length}`);
    name = b.op('Sub', scope, xs);
  } else if (layer instanceof Multiply) name = chain('Mul');
  else if (layer instanceof Average) name = b.op('Div', scope, [chain('Add'), b.scalar(xs.length)]);
  else if (layer instanceof Maximum) name = b.op('Max', scope, xs);
  else if (layer instanceof Minimum) name = b.op('Min', scope, xs);
  else {
    const axis = normalizeAxis((layer as Concatenate).axis, outShape.length, `Concatenate "${layer.name}"`);
    name = b.op('Concat', scope, xs, { axis: int(inverse(common)[axis]) });
  }
  return { name, perm: common, shape: outShape, dtype: vs[0].dtype };
}

function convertEmbedding(b: GraphBuilder, layer: Embedding, v: Value, outShape: Shape): Value {
  const scope = layer.name;
  // Ids may come as float32 (as predict accepts them): ONNX's Gather wants integers. Cast truncates, as ours does.
  const ids = v.dtype === 'int32' ? v.name : b.op('Cast', scope, [v.name], { to: int(DataType.INT64) });
  const E = b.constant(layer, `${scope}/embeddings`, () => ({ data: layer.embeddings!.data() as Float32Array, dims: [layer.inputDim, layer.outputDim] }));
  const name = b.op('Gather', scope, [E, ids], { axis: int(0) });
  return { name, perm: [...v.perm, v.perm.length], shape: outShape, dtype: 'float32' };
}

/** Keras's depthwise kernel [kh, kw, channels, multiplier] as ONNX's grouped Conv weight [channels * multiplier, 1, kh, kw]. */
function depthwiseWeight(b: GraphBuilder, layer: DepthwiseConv2D | SeparableConv2D): string {
  return b.constant(layer, `${layer.name}/depthwise_kernel`, () => {
    const k = layer.depthwiseKernel!;
    const [kh, kw, channels, m] = k.shape;
    const src = k.data() as Float32Array;
    const area = kh * kw;
    const out = new Float32Array(src.length);
    for (let p = 0; p < area; p++) for (let c = 0; c < channels; c++) for (let q = 0; q < m; q++) out[(c * m + q) * area + p] = src[(p * channels + c) * m + q];
    return { data: out, dims: [channels * m, 1, kh, kw] };
  });
}

/**
 * DepthwiseConv2D: ONNX's Conv with group = channels (each group one input channel and its `multiplier` filters);
 * SeparableConv2D: that without bias, then a 1x1 Conv with the pointwise kernel and the bias.
 */
function convertDepthwise(b: GraphBuilder, layer: DepthwiseConv2D | SeparableConv2D, v: Value, outShape: Shape): Value {
  const scope = layer.name;
  const perm = channelsFirst(4);
  const x = b.layout(v, perm, scope);
  const channels = layer.depthwiseKernel!.shape[2];
  const mid = channels * layer.depthMultiplier;
  const attributes: Attributes = {
    group: int(channels), kernel_shape: ints(layer.kernelSize), strides: ints(layer.strides), dilations: ints(layer.dilationRate),
    ...spatialPads(layer.padding, v.shape.slice(1, -1), layer.kernelSize, layer.strides, layer.dilationRate),
  };
  const inputs = [x, depthwiseWeight(b, layer)];
  if (layer instanceof DepthwiseConv2D && layer.bias) inputs.push(b.constant(layer, `${scope}/bias`, () => ({ data: layer.bias!.data() as Float32Array, dims: [mid] })));
  let y = b.op('Conv', scope, inputs, attributes);
  if (layer instanceof SeparableConv2D) {
    const filters = layer.filters;
    // Pointwise kernel [1, 1, mid, filters] -> [filters, mid, 1, 1].
    const W = b.constant(layer, `${scope}/pointwise_kernel`, () => {
      const src = layer.pointwiseKernel!.data() as Float32Array;
      const out = new Float32Array(src.length);
      for (let k = 0; k < mid; k++) for (let f = 0; f < filters; f++) out[f * mid + k] = src[k * filters + f];
      return { data: out, dims: [filters, mid, 1, 1] };
    });
    const pointwise = [y, W];
    if (layer.bias) pointwise.push(b.constant(layer, `${scope}/bias`, () => ({ data: layer.bias!.data() as Float32Array, dims: [filters] })));
    y = b.op('Conv', scope, pointwise, { kernel_shape: ints([1, 1]) });
  }
  return activate(b, layer.activation, { name: y, perm, shape: outShape, dtype: 'float32' }, layer);
}

/** ReLU with Keras's options, as the layer composes it: Relu, Clip, LeakyRelu, or threshold, cap and slope parts. */
function convertReLU(b: GraphBuilder, layer: ReLU, v: Value, outShape: Shape): Value {
  const scope = layer.name;
  const { maxValue, negativeSlope: slope, threshold } = layer;
  const out = (name: string): Value => ({ ...v, name, shape: outShape });
  if (threshold === 0 && slope === 0) {
    return out(maxValue === null ? b.op('Relu', scope, [v.name]) : b.op('Clip', scope, [v.name, b.scalar(0), b.scalar(maxValue)]));
  }
  if (threshold === 0 && maxValue === null) return out(b.op('LeakyRelu', scope, [v.name], { alpha: float(slope) }));
  let y = threshold === 0 ? b.op('Relu', scope, [v.name])
    : b.op('Mul', scope, [v.name, b.op('Cast', scope, [b.op('Greater', scope, [v.name, b.scalar(threshold)])], { to: int(DataType.FLOAT) })]);
  if (maxValue !== null) y = b.op('Min', scope, [y, b.scalar(maxValue)]);
  if (slope !== 0) y = b.op('Sub', scope, [y, b.op('Mul', scope, [b.op('Relu', scope, [b.op('Sub', scope, [b.scalar(threshold), v.name])]), b.scalar(slope)])]);
  return out(y);
}

/** Pads (ZeroPadding) or slices (Cropping) Keras axes by [start, end] amounts, in the value's own layout. */
function padOrCrop(b: GraphBuilder, scope: string, v: Value, byAxis: Map<number, [number, number]>, crop: boolean, outShape: Shape): Value {
  const inv = inverse(v.perm);
  const rank = v.shape.length;
  if (!crop) {
    const begins = new Array<number>(rank).fill(0);
    const ends = new Array<number>(rank).fill(0);
    for (const [axis, [p, q]] of byAxis) (begins[inv[axis]] = p), (ends[inv[axis]] = q);
    return { ...v, name: b.op('Pad', scope, [v.name, b.int64s([...begins, ...ends])], { mode: string('constant') }), shape: outShape };
  }
  const axes = [...byAxis.keys()];
  const starts = axes.map((a) => byAxis.get(a)![0]);
  const ends = axes.map((a) => (byAxis.get(a)![1] > 0 ? -byAxis.get(a)![1] : INT64_MAX));
  return { ...v, name: b.op('Slice', scope, [v.name, b.int64s(starts), b.int64s(ends), b.int64s(axes.map((a) => inv[a]))]), shape: outShape };
}

/**
 * UpSampling: ONNX's Resize on the spatial axes, placed last (NCW / NCHW). 'nearest' with asymmetric coordinates and
 * floor rounding repeats each row and column; 'bilinear' with half_pixel coordinates is tf.image.resize's
 * half-pixel-centers rule (as the layer computes it), edges clamped.
 */
function convertUpSampling(b: GraphBuilder, layer: UpSampling1D | UpSampling2D, v: Value, outShape: Shape): Value {
  const scope = layer.name;
  const rank = v.shape.length;
  const firstSpatial = layer instanceof UpSampling2D && layer.dataFormat === 'channels_first' ? 2 : 1;
  const perm = firstSpatial === 2 ? identity(rank) : channelsFirst(rank);
  const x = b.layout(v, perm, scope);
  const factors = layer instanceof UpSampling2D ? layer.size : [layer.size];
  const scales = b.constant('scales', `const/scales[${[1, 1, ...factors]}]`, () => ({ data: Float32Array.from([1, 1, ...factors]), dims: [rank] }));
  const bilinear = layer instanceof UpSampling2D && layer.interpolation === 'bilinear';
  const attributes: Attributes = bilinear
    ? { mode: string('linear'), coordinate_transformation_mode: string('half_pixel') }
    : { mode: string('nearest'), coordinate_transformation_mode: string('asymmetric'), nearest_mode: string('floor') };
  return { name: b.op('Resize', scope, [x, '', scales], attributes), perm, shape: outShape, dtype: v.dtype };
}

/** GroupNormalization composed (opset 17 has no GroupNormalization): channels split into groups, each normalized. */
function convertGroupNorm(b: GraphBuilder, layer: GroupNormalization, v: Value, outShape: Shape): Value {
  const scope = layer.name;
  const rank = v.shape.length;
  const a = normalizeAxis(layer.axis, rank, `GroupNormalization "${layer.name}"`);
  const x = b.layout(v, identity(rank), scope);
  const channels = v.shape[a] as number;
  const groups = layer.groups;
  // [..., channels, ...] -> [..., groups, channels / groups, ...]: 0 copies the input's size (the batch, and any
  // axis before the channels); the axes after them must be known.
  const after = v.shape.slice(a + 1);
  if (after.some((d) => d === null)) throw noEquivalent(layer, `needs the sizes of the axes after its channels axis to export; its input has shape ${JSON.stringify(v.shape)}`);
  const grouped = [...new Array<number>(a).fill(0), groups, channels / groups, ...(after as number[])];
  const g = b.op('Reshape', scope, [x, b.int64s(grouped)]);
  const axes = identity(rank + 1).filter((i) => i !== 0 && i !== a);
  const m = b.op('ReduceMean', scope, [g], { axes: ints(axes), keepdims: int(1) });
  const centered = b.op('Sub', scope, [g, m]);
  const variance = b.op('ReduceMean', scope, [b.op('Mul', scope, [centered, centered])], { axes: ints(axes), keepdims: int(1) });
  const normed = b.op('Div', scope, [centered, b.op('Sqrt', scope, [b.op('Add', scope, [variance, b.scalar(layer.epsilon)])])]);
  let y = b.op('Reshape', scope, [normed, b.op('Shape', scope, [x])]);
  const dims = v.shape.slice(a).map((d, i) => (i === 0 ? (d as number) : 1));
  if (layer.gamma) y = b.op('Mul', scope, [y, b.constant(layer, `${scope}/gamma`, () => ({ data: layer.gamma!.data() as Float32Array, dims }))]);
  if (layer.beta) y = b.op('Add', scope, [y, b.constant(layer, `${scope}/beta`, () => ({ data: layer.beta!.data() as Float32Array, dims }))]);
  return { name: y, perm: identity(rank), shape: outShape, dtype: 'float32' };
}

/** UnitNormalization: x * 1 / sqrt(max(sum(x^2), 1e-24)) over its axes, in the value's layout. */
function convertUnitNorm(b: GraphBuilder, layer: UnitNormalization, v: Value, outShape: Shape): Value {
  const scope = layer.name;
  const rank = v.shape.length;
  const inv = inverse(v.perm);
  const axes = (Array.isArray(layer.axis) ? layer.axis : [layer.axis]).map((a) => inv[normalizeAxis(a, rank, `UnitNormalization "${layer.name}"`)]).sort((p, q) => p - q);
  const ss = b.op('ReduceSumSquare', scope, [v.name], { axes: ints(axes), keepdims: int(1) });
  const norm = b.op('Sqrt', scope, [b.op('Max', scope, [ss, b.scalar(1e-24)])]);
  return { ...v, name: b.op('Div', scope, [v.name, norm]), shape: outShape };
}

/** TimeDistributed: time folded into the batch (Reshape), the wrapped layer's own graph, then unfolded. */
function convertTimeDistributed(b: GraphBuilder, layer: TimeDistributed, v: Value, outShape: Shape): Value {
  const scope = layer.name;
  const rest = v.shape.slice(2);
  const outRest = outShape.slice(2);
  if (rest.some((d) => d === null) || outRest.some((d) => d === null)) {
    throw noEquivalent(layer, `needs the sizes of every axis after the time axis to export; its input has shape ${JSON.stringify(v.shape)} and its output ${JSON.stringify(outShape)}`);
  }
  const x = b.layout(v, identity(v.shape.length), scope);
  const folded: Value = { name: b.op('Reshape', scope, [x, b.int64s([-1, ...(rest as number[])])]), perm: identity(rest.length + 1), shape: [null, ...rest], dtype: v.dtype };
  const inner = convertLayer(b, layer.layer, [folded], false);
  if (inner.length !== 1) throw noEquivalent(layer, `wraps layer "${layer.layer.name}", which has ${inner.length} outputs; it must have one`);
  const y = b.layout(inner[0], identity(inner[0].shape.length), scope);
  // [batch, time] of the input (either may be unknown), then the wrapped layer's per-step output shape.
  const batchTime = b.op('Slice', scope, [b.op('Shape', scope, [x]), b.int64s([0]), b.int64s([2])]);
  const target = b.op('Concat', scope, [batchTime, b.int64s(outRest as number[])], { axis: int(0) });
  return { name: b.op('Reshape', scope, [y, target]), perm: identity(outShape.length), shape: outShape, dtype: inner[0].dtype };
}

/** One layer call on values; returns its outputs. */
function convertLayer(b: GraphBuilder, layer: Layer, inputs: Value[], listInput: boolean): Value[] {
  if (layer instanceof Model) return convertModel(b, layer, inputs);
  if (!listInput && inputs.length !== 1) throw noEquivalent(layer, `expects 1 input, received ${inputs.length}`);
  const shapes = inputs.map((v) => v.shape);
  const outShape = layer.computeOutputShape(listInput ? shapes : shapes[0]) as Shape;
  const v = inputs[0];
  const scope = layer.name;
  if (layer instanceof Dense) return [convertDense(b, layer, v, outShape)];
  if (layer instanceof Conv1D || layer instanceof Conv2D || layer instanceof Conv3D) return [convertConv(b, layer, v, outShape)];
  if (layer instanceof Conv1DTranspose || layer instanceof Conv2DTranspose || layer instanceof Conv3DTranspose) return [convertConvTranspose(b, layer, v, outShape)];
  if (layer instanceof MaxPooling1D || layer instanceof MaxPooling2D || layer instanceof AveragePooling1D || layer instanceof AveragePooling2D
    || layer instanceof MaxPooling3D || layer instanceof AveragePooling3D) {
    return [convertPool(b, layer, v, outShape)];
  }
  if (layer instanceof GlobalAveragePooling1D || layer instanceof GlobalMaxPooling1D || layer instanceof GlobalAveragePooling2D || layer instanceof GlobalMaxPooling2D
    || layer instanceof GlobalAveragePooling3D || layer instanceof GlobalMaxPooling3D) {
    const isMax = layer instanceof GlobalMaxPooling1D || layer instanceof GlobalMaxPooling2D || layer instanceof GlobalMaxPooling3D;
    const axes = identity(v.shape.length).slice(1, -1);
    return [reduce(b, isMax ? 'ReduceMax' : 'ReduceMean', scope, v, axes, layer.keepdims, outShape)];
  }
  if (layer instanceof Activation) return [{ ...activate(b, layer.activation, v, layer), shape: outShape }];
  // Dropout is the identity at inference, and predict runs in inference mode.
  if (layer instanceof Dropout) return [v];
  if (layer instanceof Flatten) {
    // Our tensors are NHWC, so Keras's flattening order is ONNX's Flatten of the NHWC tensor.
    const x = b.layout(v, identity(v.shape.length), scope);
    return [{ name: b.op('Flatten', scope, [x], { axis: int(1) }), perm: [0, 1], shape: outShape, dtype: v.dtype }];
  }
  if (layer instanceof Reshape) {
    const x = b.layout(v, identity(v.shape.length), scope);
    return [{ name: b.op('Reshape', scope, [x, b.int64s([0, ...layer.targetShape])]), perm: identity(outShape.length), shape: outShape, dtype: v.dtype }];
  }
  if (layer instanceof BatchNormalization) return [convertBatchNorm(b, layer, v, outShape)];
  if (layer instanceof LayerNormalization) return [convertLayerNorm(b, layer, v, outShape)];
  if (layer instanceof Add || layer instanceof Subtract || layer instanceof Multiply || layer instanceof Average
    || layer instanceof Maximum || layer instanceof Minimum || layer instanceof Concatenate) {
    if (!listInput) throw noEquivalent(layer, 'should be called on a list of inputs');
    return [convertMerge(b, layer, inputs, outShape)];
  }
  // A mask changes what the layers after it compute, and the exported graph would not carry it.
  if (layer instanceof Embedding && layer.maskZero) throw noEquivalent(layer, 'has maskZero: the exported graph would compute over the padding as if it were data');
  if (layer instanceof Embedding) return [convertEmbedding(b, layer, v, outShape)];
  if ((layer instanceof SimpleRNN || layer instanceof LSTM || layer instanceof GRU) && (layer.stateful || layer.returnState || listInput)) {
    throw noEquivalent(layer, 'is stateful, returns its states or takes initial states, which the export does not translate');
  }
  if (layer instanceof SimpleRNN || layer instanceof LSTM || layer instanceof GRU) return [convertRecurrent(b, layer, v, outShape)];
  if (layer instanceof Bidirectional && layer.forwardLayer instanceof ConvLSTM) {
    throw noEquivalent(layer, `wraps a ${layer.forwardLayer.className}, which ONNX has no recurrent node for`);
  }
  if (layer instanceof Bidirectional && (layer.returnState || layer.forwardLayer.stateful)) {
    throw noEquivalent(layer, 'is stateful or returns its states, which the export does not translate');
  }
  // ONNX's bidirectional RNN node runs one cell type and size both ways and merges by concatenation or a reduction.
  if (layer instanceof Bidirectional && (layer.mergeMode === null || layer.backwardLayer.constructor !== layer.forwardLayer.constructor || layer.backwardLayer.stateSizes().join() !== layer.forwardLayer.stateSizes().join())) {
    throw noEquivalent(layer, 'has a backwardLayer of another class or size, or mergeMode null, which one ONNX bidirectional node cannot express');
  }
  if (layer instanceof Bidirectional) return [convertBidirectional(b, layer, v, outShape)];
  if (layer instanceof DepthwiseConv2D || layer instanceof SeparableConv2D) return [convertDepthwise(b, layer, v, outShape)];
  if (layer instanceof ReLU) return [convertReLU(b, layer, v, outShape)];
  if (layer instanceof LeakyReLU) return [{ ...v, name: b.op('LeakyRelu', scope, [v.name], { alpha: float(layer.alpha) }), shape: outShape }];
  if (layer instanceof ELU) return [{ ...v, name: b.op('Elu', scope, [v.name], { alpha: float(layer.alpha) }), shape: outShape }];
  if (layer instanceof ThresholdedReLU) return [{ ...v, name: b.op('ThresholdedRelu', scope, [v.name], { alpha: float(layer.theta) }), shape: outShape }];
  if (layer instanceof Softmax) {
    const axis = inverse(v.perm)[normalizeAxis(layer.axis, v.shape.length, `Softmax "${layer.name}"`)];
    return [{ ...v, name: b.op('Softmax', scope, [v.name], { axis: int(axis) }), shape: outShape }];
  }
  if (layer instanceof PReLU) {
    // alpha [non-batch axes] (1 on shared axes) broadcasts against [batch, ...] from the right, in Keras's order.
    const x = b.layout(v, identity(v.shape.length), scope);
    const slope = b.constant(layer, `${scope}/alpha`, () => ({ data: layer.alpha!.data() as Float32Array, dims: layer.alpha!.shape.slice() }));
    return [{ name: b.op('PRelu', scope, [x, slope]), perm: identity(v.shape.length), shape: outShape, dtype: 'float32' }];
  }
  if (layer instanceof ZeroPadding1D) return [padOrCrop(b, scope, v, new Map([[1, layer.padding]]), false, outShape)];
  if (layer instanceof ZeroPadding2D) {
    const h = layer.dataFormat === 'channels_first' ? 2 : 1;
    return [padOrCrop(b, scope, v, new Map([[h, layer.padding[0]], [h + 1, layer.padding[1]]]), false, outShape)];
  }
  if (layer instanceof Cropping1D) return [padOrCrop(b, scope, v, new Map([[1, layer.cropping]]), true, outShape)];
  if (layer instanceof Cropping2D) {
    const h = layer.dataFormat === 'channels_first' ? 2 : 1;
    return [padOrCrop(b, scope, v, new Map([[h, layer.cropping[0]], [h + 1, layer.cropping[1]]]), true, outShape)];
  }
  if (layer instanceof UpSampling1D || layer instanceof UpSampling2D) return [convertUpSampling(b, layer, v, outShape)];
  if (layer instanceof layerClasses.ZeroPadding3D || layer instanceof layerClasses.Cropping3D) {
    const h = layer.dataFormat === 'channels_first' ? 2 : 1;
    const sides = layer instanceof layerClasses.ZeroPadding3D ? layer.padding : layer.cropping;
    return [padOrCrop(b, scope, v, new Map(sides.map((p, k) => [h + k, p])), layer instanceof layerClasses.Cropping3D, outShape)];
  }
  if (layer instanceof layerClasses.Identity && !listInput) return [{ ...v, shape: outShape }];
  if (layer instanceof RepeatVector) {
    const x = b.layout(v, identity(2), scope);
    const tiled = b.op('Tile', scope, [b.op('Unsqueeze', scope, [x, b.int64s([1])]), b.int64s([1, layer.n, 1])]);
    return [{ name: tiled, perm: identity(3), shape: outShape, dtype: v.dtype }];
  }
  if (layer instanceof Permute) {
    // No data moves: the ONNX tensor stays, and only which Keras axis each of its axes holds changes (a Transpose
    // follows where a later op or the output needs another order).
    const back = inverse([0, ...layer.dims]);
    return [{ ...v, perm: v.perm.map((a) => back[a]), shape: outShape }];
  }
  // The noise layers act only in training; predict runs in inference mode, where they (and the penalty) are the identity.
  if (layer instanceof GaussianNoise || layer instanceof GaussianDropout || layer instanceof AlphaDropout || layer instanceof SpatialDropout1D
    || layer instanceof SpatialDropout2D || layer instanceof layerClasses.SpatialDropout3D || layer instanceof ActivityRegularization) return [{ ...v, shape: outShape }];
  if (layer instanceof GroupNormalization) return [convertGroupNorm(b, layer, v, outShape)];
  if (layer instanceof UnitNormalization) return [convertUnitNorm(b, layer, v, outShape)];
  if (layer instanceof TimeDistributed) return [convertTimeDistributed(b, layer, v, outShape)];
  if (layer instanceof Lambda) throw noEquivalent(layer, 'wraps a JavaScript function, which ONNX export cannot translate into ONNX ops; build the computation from layers ONNX export supports');
  const builtin = (layerClasses as unknown as Record<string, unknown>)[layer.className] === layer.constructor;
  if (/^Quantized/.test(layer.className)) throw noEquivalent(layer, "is an int8 layer of tn.quantization.quantizeModel, which ONNX export does not translate; export the float32 model (ONNX Runtime can quantize it with its own tools)");
  throw noEquivalent(layer, builtin
    ? 'is not one of the layers ONNX export translates (the README lists them; the preprocessing and attention layers are not among them)'
    : 'is a custom Layer subclass, whose call() ONNX export cannot translate; build it from the layers the export supports');
}

/** The graph of a model called on `inputs`: a Sequential's stack, or a functional model's layer calls. */
function convertModel(b: GraphBuilder, model: Model, inputs: Value[]): Value[] {
  if (model instanceof Sequential) {
    if (inputs.length !== 1) throw noEquivalent(model, `expects 1 input, received ${inputs.length}`);
    let xs = inputs;
    for (const layer of model.layers) xs = convertLayer(b, layer, xs, xs.length > 1);
    return xs;
  }
  const graph = model.graph();
  if (!graph.nodes.length) {
    throw noEquivalent(model, 'is a subclassed model (its own call()); ONNX export needs a Sequential or functional model, whose graph it can read');
  }
  if (inputs.length !== graph.inputs.length) throw noEquivalent(model, `expects ${graph.inputs.length} inputs, received ${inputs.length}`);
  const values = new Map(graph.inputs.map((t, i) => [t, inputs[i]]));
  for (const node of graph.nodes) {
    if (node.layer instanceof InputLayer) continue;
    const ins = node.inputs.map((t) => values.get(t)!);
    const outs = convertLayer(b, node.layer, ins, node.listInput);
    node.outputs.forEach((t, i) => values.set(t, outs[i]));
  }
  return graph.outputs.map((t) => values.get(t)!);
}

const ELEM_TYPE: Record<DType, number> = { float32: DataType.FLOAT, int32: DataType.INT32 };

function valueInfo(name: string, dtype: DType, shape: Shape, dimName: (axis: number) => string | null): ValueInfoMessage {
  const dim: DimensionMessage[] = shape.map((d, i) => {
    if (d !== null) return { dimValue: d };
    const param = dimName(i);
    return param === null ? {} : { dimParam: param };
  });
  return { name, type: { tensorType: { elemType: ELEM_TYPE[dtype], shape: { dim } } } };
}

/** The model's inputs as (name, Keras shape, dtype), from its graph or a built Sequential's input shape. */
function modelInputs(model: Model): { name: string; shape: Shape; dtype: DType }[] {
  if (model instanceof Sequential) {
    const shape = model.inputBatchShape;
    if (!shape || !model.built || !model.layers.length) {
      throw new Error(`ONNX export: Sequential model "${model.name}" is not built; give its first layer an inputShape, or call it (fit/predict) once, before exporting`);
    }
    return [{ name: model.inputNames[0], shape: [null, ...shape.slice(1)], dtype: model.layers[0].dtype === 'int32' ? 'int32' : 'float32' }];
  }
  const graph = model.graph();
  if (!graph.nodes.length) return [];
  return graph.inputs.map((t) => ({ name: t.node.layer.name, shape: [null, ...t.shape.slice(1)], dtype: t.dtype }));
}

/**
 * The model as the bytes of an ONNX file (opset 17): inputs and outputs named as the model's, NHWC as predict takes
 * and gives them, with a dynamic batch axis "N". A layer with no ONNX equivalent throws an Error naming it.
 */
export function modelToOnnx(model: Model): Uint8Array {
  if (!(model instanceof Model)) throw new Error(`ONNX export: expected a tensornode Model or Sequential, received ${String(model)}`);
  const b = new GraphBuilder();
  const ins = modelInputs(model);
  if (!ins.length) throw noEquivalent(model, 'is a subclassed model (its own call()); ONNX export needs a Sequential or functional model, whose graph it can read');
  for (const i of ins) b.reserve(i.name);
  const inputValues: Value[] = ins.map((i) => ({ name: i.name, perm: identity(i.shape.length), shape: i.shape, dtype: i.dtype }));
  const outs = convertModel(b, model, inputValues);

  const outNames = model instanceof Sequential ? model.outputNames : model.outputs.map((t) => t.name);
  const outputs: ValueInfoMessage[] = [];
  outs.forEach((v, i) => {
    // Layer names never contain '/', so they meet only the inputs' and earlier outputs' names.
    const base = outNames[i] ?? `output_${i}`;
    const name = b.unique(b.taken(base) ? `${base}_output` : base);
    // Back to Keras's layout, then the tensor takes the output's name (an Identity when it already has another
    // name that must stay: a graph input, or an earlier output).
    const t = b.layout(v, identity(v.shape.length), name);
    if (b.producedByNode(t) && !outputs.some((o) => o.name === t)) {
      b.rename(t, name);
      // Later outputs that are the same value now find it under its new name.
      for (const w of outs) if (w.name === t) w.name = name;
    } else {
      b.node('Identity', name, [t], {}, [name]);
    }
    outputs.push(valueInfo(name, v.dtype, v.shape, (axis) => (axis === 0 ? 'N' : null)));
  });

  const message = ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'tensornode',
    producerVersion: backendInfo().version,
    graph: {
      name: model.name,
      node: b.nodes,
      initializer: b.initializers,
      input: ins.map((i) => valueInfo(i.name, i.dtype, i.shape, (axis) => (axis === 0 ? 'N' : `${i.name}_dim${axis}`))),
      output: outputs,
    },
  });
  return ModelProto.encode(message).finish();
}

/**
 * Exports a model to ONNX (opset 17) for ONNX Runtime and other ONNX tools: `await tn.onnx.exportModel(model,
 * 'model.onnx')` writes the file (atomically) and returns its bytes; without a path it only returns the bytes.
 */
export async function exportModel(model: Model, path?: string): Promise<Uint8Array> {
  const bytes = modelToOnnx(model);
  if (path !== undefined) {
    if (typeof path !== 'string' || path.length === 0) throw new Error(`ONNX export: expected a file path (a non-empty string), received ${JSON.stringify(path)}`);
    await writeFileAtomic(path, bytes);
  }
  return bytes;
}
