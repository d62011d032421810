// 2-D convolution on NHWC input with [kh, kw, in, out] kernels, and its gradients, on native kernels; depthwise,
// transposed and grouped convolution on the same kernels.
import { record } from '../autograd/tape.js';
import { BinaryOp, native, ReduceOp, UnaryOp, type NativeBindings } from '../native.js';
import { fmt } from '../shape-util.js';
import { empty, Tensor, type TensorLike } from '../tensor.js';
import { unary, unaryGrad } from './elementwise.js';
import { bfloat16Pays, epilogueActivation } from './matmul.js';
import { concat, pad as padOp, reshape, slice } from './shape.js';
import { f32, floatArg } from './util.js';
import { checkPadding, explicitPads, namedPadding, outputSize, pair, triple, type ExplicitPadding, type Padding } from './window.js';


/**
 * Records the gradient of a native convolution (plain or depthwise) whose forward wrote y: the input gradient and the
 * kernel (and bias) gradient, each pass run only when needed. The activation's gradient (from y: every epilogue
 * activation allows it) is folded into the native backward passes, row by row, rather than written out as a tensor
 * of its own.
 */
function recordConvBackward(
  y: Tensor, op: string, x: Tensor, kernel: Tensor, bias: Tensor | null, geometry: number[], activation: UnaryOp, alpha: number,
  backwardInput: NativeBindings['conv2dBackwardInput'], backwardFilter: NativeBindings['conv2dBackwardFilter'],
): Tensor {
  const inputs = bias ? [x, kernel, bias] : [x, kernel];
  return record(y, op, inputs, (dy, needs) => {
    const yArg = activation === UnaryOp.linear ? null : f32(y);
    let dx: Tensor | null = null;
    let dk: Tensor | null = null;
    let db: Tensor | null = null;
    if (needs[0]) {
      dx = empty(x.shape.slice());
      backwardInput(f32(dy), f32(kernel), f32(dx), geometry, yArg, activation, alpha);
    }
    if (needs[1] || (bias && needs[2])) {
      dk = empty(kernel.shape.slice());
      db = bias && needs[2] ? empty(bias.shape.slice()) : null;
      backwardFilter(f32(x), f32(dy), f32(dk), db ? f32(db) : null, geometry, yArg, activation, alpha);
    }
    return [dx, needs[1] ? dk : null, db];
  });
}

export interface Conv2dGeometry {
  /** [n, h, w, c, kh, kw, oc, oh, ow, strideH, strideW, dilationH, dilationW, padTop, padLeft] */
  native: number[];
  outShape: number[];
}

/** `shownShape` is the input's shape as the caller passed it (unbatched [h, w, c] inputs gain a batch axis first). */
export function conv2dGeometry(
  xShape: readonly number[], kShape: readonly number[], strides: [number, number], padding: Padding,
  dilations: [number, number], op: string, shownShape: readonly number[] = xShape,
): Conv2dGeometry {
  if (xShape.length !== 4) throw new Error(`${op}: input must have rank 4 [batch, height, width, channels], received shape ${fmt(shownShape)}`);
  if (kShape.length !== 4) throw new Error(`${op}: kernel must have rank 4 [kh, kw, inChannels, outChannels], received shape ${fmt(kShape)}`);
  const [n, h, w, c] = xShape;
  const [kh, kw, kc, oc] = kShape;
  if (kc !== c) {
    throw new Error(`${op}: the input has ${c} channels but the kernel expects ${kc} (input shape ${fmt(shownShape)}, kernel shape ${fmt(kShape)})`);
  }
  if ((strides[0] > 1 || strides[1] > 1) && (dilations[0] > 1 || dilations[1] > 1)) {
    throw new Error(`${op}: strides ${fmt(strides)} and dilations ${fmt(dilations)} cannot both exceed 1`);
  }
  const [oh, padTop] = outputSize(h, kh, strides[0], dilations[0], padding);
  const [ow, padLeft] = outputSize(w, kw, strides[1], dilations[1], padding);
  if (oh === 0 || ow === 0) {
    throw new Error(`${op}: the kernel ${kh}x${kw} (dilation ${fmt(dilations)}) does not fit in the ${h}x${w} input with '${padding}' padding (input shape ${fmt(shownShape)})`);
  }
  return {
    native: [n, h, w, c, kh, kw, oc, oh, ow, strides[0], strides[1], dilations[0], dilations[1], padTop, padLeft],
    outShape: [n, oh, ow, oc],
  };
}

/**
 * One conv2dFused call as a Conv2D layer makes it: what a model's fusion pass hands to a fused op, instead of reading
 * the layer's fields.
 */
export interface Conv2dCall {
  kernel: Tensor;
  bias: Tensor | null;
  strides: [number, number];
  padding: Padding;
  dilations: [number, number];
  activation: UnaryOp;
  alpha: number;
  /** The name errors give (the layer's). */
  op: string;
}

/**
 * The Conv2D layer's computation as one op: activation(conv(x, kernel) + bias). Bias and output-differentiable
 * activations are fused into the kernel's epilogue.
 */
export function conv2dFused(
  x: Tensor, kernel: Tensor, bias: Tensor | null, strides: [number, number], padding: Padding,
  dilations: [number, number], activation = UnaryOp.linear, alpha = 0, op = 'conv2d',
): Tensor {
  if (!epilogueActivation(activation, alpha)) {
    return unary(activation, 'activation', conv2dFused(x, kernel, bias, strides, padding, dilations, UnaryOp.linear, 0, op), alpha);
  }
  const g = conv2dGeometry(x.shape, kernel.shape, strides, padding, dilations, op);
  const y = empty(g.outShape);
  native.conv2dForward(f32(x), f32(kernel), bias ? f32(bias) : null, f32(y), g.native, activation, alpha);
  return recordConvBackward(y, op, x, kernel, bias, g.native, activation, alpha, native.conv2dBackwardInput, native.conv2dBackwardFilter);
}

/** Whether a convolution of this geometry (conv2dGeometry's native list) runs faster with bfloat16 operands. */
export function conv2dBfloat16Pays(geometry: readonly number[]): boolean {
  const [n, , , c, kh, kw, oc, oh, ow] = geometry;
  // im2col's copy is the price of the bfloat16 GEMM here, and each copied value meets oc multiply-adds: with few
  // output channels the copy outweighs the doubled multiply rate and the direct float32 kernels (which copy
  // nothing) stay. Measured on the CIFAR-style CNN's convolutions (oc 32 and 64): 1.5x to 5x slower in bfloat16 than
  // the direct kernels; 3x3x256 -> 256 on 8x8: 1.3x to 1.7x faster (benchmarks/RESULTS.md, Mixed precision).
  return oc >= CONV_BF16_MIN_FILTERS && kh * kw * c >= 64 && bfloat16Pays(n * oh * ow, oc, kh * kw * c);
}
const CONV_BF16_MIN_FILTERS = 128;

/**
 * conv2dFused with bfloat16 operands and float32 sums (mixed_bfloat16): im2col and the bfloat16 GEMM for the forward
 * pass and both gradients; bias, activation and outputs float32. The activation's gradient is applied before the
 * backward products (their upstream operand is rounded to bfloat16 as a whole).
 */
export function conv2dBf16Fused(
  x: Tensor, kernel: Tensor, bias: Tensor | null, strides: [number, number], padding: Padding,
  dilations: [number, number], activation = UnaryOp.linear, alpha = 0, op = 'conv2d',
): Tensor {
  if (!epilogueActivation(activation, alpha)) {
    return unary(activation, 'activation', conv2dBf16Fused(x, kernel, bias, strides, padding, dilations, UnaryOp.linear, 0, op), alpha);
  }
  const g = conv2dGeometry(x.shape, kernel.shape, strides, padding, dilations, op);
  const oc = kernel.shape[3];
  if (bias && (bias.rank !== 1 || bias.shape[0] !== oc)) throw new Error(`${op}: bias must have shape [${oc}], received shape ${fmt(bias.shape)}`);
  const y = empty(g.outShape);
  native.conv2dBf16Forward(f32(x), f32(kernel), bias ? f32(bias) : null, f32(y), g.native, activation, alpha);
  const inputs = bias ? [x, kernel, bias] : [x, kernel];
  return record(y, op, inputs, (dy, needs) => {
    const dz = activation === UnaryOp.linear ? dy : unaryGrad(activation, y, y, dy, alpha);
    let dx: Tensor | null = null;
    let dk: Tensor | null = null;
    let db: Tensor | null = null;
    if (needs[0]) {
      dx = empty(x.shape.slice());
      native.conv2dBf16BackwardInput(f32(dz), f32(kernel), f32(dx), g.native);
    }
    if (needs[1]) {
      dk = empty(kernel.shape.slice());
      native.conv2dBf16BackwardFilter(f32(x), f32(dz), f32(dk), g.native);
    }
    if (bias && needs[2]) {
      db = empty([oc]);
      native.reduce(ReduceOp.sum, f32(dz), 1, dz.size / oc, oc, f32(db));
    }
    return [dx, dk, db];
  });
}

/**
 * 2-D convolution (TF.js argument order): x [batch, h, w, in] (or [h, w, in]), filter [kh, kw, in, out].
 * 'same' padding follows TensorFlow (the odd pad goes at the end); TF.js's explicit padding (a count for every side,
 * or [[0, 0], [top, bottom], [left, right], [0, 0]], with its dimRoundingMode) pads with zeros.
 */
export function conv2d(
  x: TensorLike, filter: TensorLike, strides: number | [number, number] = 1, pad: Padding | ExplicitPadding = 'valid',
  dataFormat: 'NHWC' | 'channelsLast' = 'NHWC', dilations: number | [number, number] = 1, dimRoundingMode?: string,
): Tensor {
  if (dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`conv2d: only channels-last (NHWC) data is supported, received dataFormat ${JSON.stringify(dataFormat)}`);
  }
  let t = floatArg(x, 'conv2d');
  const k = floatArg(filter, 'conv2d');
  const unbatched = t.rank === 3;
  const shown = t.shape;
  if (unbatched) t = reshape(t, [1, ...t.shape]);
  const str = pair(strides, 'strides', 'conv2d');
  const dil = pair(dilations, 'dilations', 'conv2d');
  let padding: Padding = 'valid';
  if (namedPadding(pad, dimRoundingMode)) padding = checkPadding(pad, 'conv2d');
  else if (t.rank === 4 && k.rank === 4) {
    const pads = explicitPads(pad, [t.shape[1], t.shape[2]], [k.shape[0], k.shape[1]], str, dil, dimRoundingMode, 'conv2d')!;
    t = padOp(t, [[0, 0], pads[0], pads[1], [0, 0]]);
  }
  conv2dGeometry(t.shape, k.shape, str, padding, dil, 'conv2d', shown);
  const y = conv2dFused(t, k, null, str, padding, dil);
  return unbatched ? reshape(y, y.shape.slice(1)) : y;
}

/** Depthwise geometry: x [n, h, w, c], kernel [kh, kw, c, depthMultiplier] -> [n, oh, ow, c * depthMultiplier]. */
export function depthwiseConv2dGeometry(
  xShape: readonly number[], kShape: readonly number[], strides: [number, number], padding: Padding,
  dilations: [number, number], op: string, shownShape: readonly number[] = xShape,
): Conv2dGeometry {
  if (xShape.length !== 4) throw new Error(`${op}: input must have rank 4 [batch, height, width, channels], received shape ${fmt(shownShape)}`);
  if (kShape.length !== 4) throw new Error(`${op}: kernel must have rank 4 [kh, kw, inChannels, depthMultiplier], received shape ${fmt(kShape)}`);
  const [n, h, w, c] = xShape;
  const [kh, kw, kc, m] = kShape;
  if (kc !== c) {
    throw new Error(`${op}: the input has ${c} channels but the kernel expects ${kc} (input shape ${fmt(shownShape)}, kernel shape ${fmt(kShape)})`);
  }
  if (kh < 1 || kw < 1 || m < 1) throw new Error(`${op}: the kernel's window and depth multiplier must be positive, received kernel shape ${fmt(kShape)}`);
  if ((strides[0] > 1 || strides[1] > 1) && (dilations[0] > 1 || dilations[1] > 1)) {
    throw new Error(`${op}: strides ${fmt(strides)} and dilations ${fmt(dilations)} cannot both exceed 1`);
  }
  const [oh, padTop] = outputSize(h, kh, strides[0], dilations[0], padding);
  const [ow, padLeft] = outputSize(w, kw, strides[1], dilations[1], padding);
  if (oh === 0 || ow === 0) {
    throw new Error(`${op}: the kernel ${kh}x${kw} (dilation ${fmt(dilations)}) does not fit in the ${h}x${w} input with '${padding}' padding (input shape ${fmt(shownShape)})`);
  }
  return {
    native: [n, h, w, c, kh, kw, m, oh, ow, strides[0], strides[1], dilations[0], dilations[1], padTop, padLeft],
    outShape: [n, oh, ow, c * m],
  };
}

/**
 * The DepthwiseConv2D layer's computation as one op: activation(depthwiseConv(x, kernel) + bias), with the bias and
 * an output-differentiable activation fused into the native kernel, and the activation's gradient folded into both
 * backward passes.
 */
export function depthwiseConv2dFused(
  x: Tensor, kernel: Tensor, bias: Tensor | null, strides: [number, number], padding: Padding,
  dilations: [number, number], activation = UnaryOp.linear, alpha = 0, op = 'depthwiseConv2d',
): Tensor {
  if (!epilogueActivation(activation, alpha)) {
    return unary(activation, 'activation', depthwiseConv2dFused(x, kernel, bias, strides, padding, dilations, UnaryOp.linear, 0, op), alpha);
  }
  const g = depthwiseConv2dGeometry(x.shape, kernel.shape, strides, padding, dilations, op);
  const channels = g.outShape[3];
  if (bias && (bias.rank !== 1 || bias.shape[0] !== channels)) {
    throw new Error(`${op}: bias must have shape [${channels}] (inChannels * depthMultiplier), received shape ${fmt(bias.shape)}`);
  }
  const y = empty(g.outShape);
  native.depthwiseConv2dForward(f32(x), f32(kernel), bias ? f32(bias) : null, f32(y), g.native, activation, alpha);
  return recordConvBackward(y, op, x, kernel, bias, g.native, activation, alpha, native.depthwiseConv2dBackwardInput, native.depthwiseConv2dBackwardFilter);
}

/** Activations a fused depthwise convolution takes by name (TF.js's fused-op spellings). */
const fusedActivations: Record<string, UnaryOp> = {
  linear: UnaryOp.linear, relu: UnaryOp.relu, relu6: UnaryOp.relu6, elu: UnaryOp.elu, leakyrelu: UnaryOp.leakyRelu,
  sigmoid: UnaryOp.sigmoid, tanh: UnaryOp.tanh,
};

const depthwiseOptionNames = new Set(['strides', 'padding', 'dilationRate', 'dilations', 'bias', 'activation', 'leakyreluAlpha', 'dataFormat', 'dimRoundingMode']);

export interface DepthwiseConv2dOptions {
  strides?: number | [number, number];
  /** 'valid', 'same', or TF.js's explicit padding: a count for every side, or [[0, 0], [top, bottom], [left, right], [0, 0]]. */
  padding?: Padding | ExplicitPadding;
  /** Keras's name; TF.js's `dilations` is accepted too. */
  dilationRate?: number | [number, number];
  dilations?: number | [number, number];
  /** [inChannels * depthMultiplier] */
  bias?: TensorLike | null;
  /** 'linear' (default), 'relu', 'relu6', 'elu', 'leakyrelu', 'sigmoid' or 'tanh'. */
  activation?: string;
  /** The negative slope of 'leakyrelu' (TF.js's default 0.2). */
  leakyreluAlpha?: number;
  dataFormat?: 'NHWC' | 'channelsLast';
  /** TF.js's rounding of the output size with a numeric pad: 'floor', 'round' or 'ceil'. */
  dimRoundingMode?: string;
}

/**
 * Depthwise 2-D convolution: x [batch, h, w, c] (or [h, w, c]), filter [kh, kw, c, depthMultiplier]; each input
 * channel is convolved with its own depthMultiplier filters, output channel c * depthMultiplier + q. Called as TF.js
 * does (`depthwiseConv2d(x, filter, strides, pad, dataFormat, dilations, dimRoundingMode)`, with TF.js's numeric
 * and explicit pads as conv2d takes them) or with an options object (`depthwiseConv2d(x, filter, { strides, padding,
 * dilationRate, bias, activation })`). 'same' padding follows TensorFlow (the odd pad goes at the end).
 */
export function depthwiseConv2d(
  x: TensorLike, filter: TensorLike, stridesOrOptions: number | [number, number] | DepthwiseConv2dOptions = 1,
  pad: Padding | ExplicitPadding = 'valid', dataFormat: 'NHWC' | 'channelsLast' = 'NHWC', dilations: number | [number, number] = 1,
  dimRoundingMode?: string,
): Tensor {
  const op = 'depthwiseConv2d';
  const o: DepthwiseConv2dOptions = typeof stridesOrOptions === 'object' && !Array.isArray(stridesOrOptions)
    ? stridesOrOptions
    : { strides: stridesOrOptions, padding: pad, dataFormat, dilations, dimRoundingMode };
  // A misspelt option (stride, dilation) would otherwise be dropped and the default used without a word.
  const unknown = Object.keys(o).filter((key) => !depthwiseOptionNames.has(key));
  if (unknown.length) throw new Error(`${op}: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => JSON.stringify(u)).join(', ')}; the options are ${[...depthwiseOptionNames].join(', ')}`);
  const format = o.dataFormat ?? 'NHWC';
  if (format !== 'NHWC' && format !== 'channelsLast') {
    throw new Error(`${op}: only channels-last (NHWC) data is supported, received dataFormat ${JSON.stringify(format)}`);
  }
  if (o.dilationRate !== undefined && o.dilations !== undefined) throw new Error(`${op}: give dilationRate or dilations, not both`);
  let t = floatArg(x, op);
  const k = floatArg(filter, op);
  const unbatched = t.rank === 3;
  const shown = t.shape;
  if (unbatched) t = reshape(t, [1, ...t.shape]);
  const str = pair(o.strides ?? 1, 'strides', op);
  const dil = pair(o.dilationRate ?? o.dilations ?? 1, 'dilationRate', op);
  let padding: Padding = 'valid';
  const given = o.padding ?? 'valid';
  if (namedPadding(given, o.dimRoundingMode)) padding = checkPadding(given, op);
  else if (t.rank === 4 && k.rank === 4) {
    // A numeric or explicit pad is zeros around the input, then 'valid', as conv2d does it.
    const pads = explicitPads(given, [t.shape[1], t.shape[2]], [k.shape[0], k.shape[1]], str, dil, o.dimRoundingMode, op)!;
    t = padOp(t, [[0, 0], pads[0], pads[1], [0, 0]]);
  }
  const g = depthwiseConv2dGeometry(t.shape, k.shape, str, padding, dil, op, shown);
  const name = (o.activation ?? 'linear').toLowerCase();
  if (!Object.hasOwn(fusedActivations, name)) {
    throw new Error(`${op}: activation must be one of ${Object.keys(fusedActivations).join(', ')}, received ${JSON.stringify(o.activation)}`);
  }
  const act = fusedActivations[name];
  const alpha = act === UnaryOp.leakyRelu ? (o.leakyreluAlpha ?? 0.2) : act === UnaryOp.elu ? 1 : 0;
  if (!Number.isFinite(alpha)) throw new Error(`${op}: leakyreluAlpha must be a finite number, received ${o.leakyreluAlpha}`);
  let b: Tensor | null = null;
  if (o.bias !== undefined && o.bias !== null) {
    b = floatArg(o.bias, op);
    const channels = g.outShape[3];
    if (b.rank !== 1 || b.shape[0] !== channels) {
      throw new Error(`${op}: bias must have shape [${channels}] (inChannels * depthMultiplier), received shape ${fmt(b.shape)}`);
    }
  }
  const y = depthwiseConv2dFused(t, k, b, str, padding, dil, act, alpha, op);
  return unbatched ? reshape(y, y.shape.slice(1)) : y;
}

/**
 * Geometry of a transposed convolution x [n, ih, iw, ic] with kernel [kh, kw, oc, ic] to output [n, oh, ow, oc]:
 * the convolution whose input gradient it is (input [n, oh, ow, oc], output [n, ih, iw, ic]). The output size is
 * given, as TensorFlow's conv2d_transpose takes it, and must be one the convolution maps back onto the input's size
 * (with 'same' padding, its leading pad follows from the output size by TensorFlow's rule).
 */
export function conv2dTransposeGeometry(
  xShape: readonly number[], kShape: readonly number[], outHW: readonly [number, number], strides: [number, number],
  padding: Padding, dilations: [number, number], op: string, shownShape: readonly number[] = xShape,
): Conv2dGeometry {
  if (xShape.length !== 4) throw new Error(`${op}: input must have rank 4 [batch, height, width, channels], received shape ${fmt(shownShape)}`);
  if (kShape.length !== 4) throw new Error(`${op}: kernel must have rank 4 [kh, kw, outChannels, inChannels], received shape ${fmt(kShape)}`);
  const [n, ih, iw, ic] = xShape;
  const [kh, kw, oc, kc] = kShape;
  if (kc !== ic) {
    throw new Error(`${op}: the input has ${ic} channels but the kernel [kh, kw, outChannels, inChannels] expects ${kc} (input shape ${fmt(shownShape)}, kernel shape ${fmt(kShape)})`);
  }
  if (kh < 1 || kw < 1 || oc < 1) throw new Error(`${op}: the kernel's window and output channels must be positive, received kernel shape ${fmt(kShape)}`);
  if ((strides[0] > 1 || strides[1] > 1) && (dilations[0] > 1 || dilations[1] > 1)) {
    throw new Error(`${op}: strides ${fmt(strides)} and dilations ${fmt(dilations)} cannot both exceed 1`);
  }
  const [oh, ow] = outHW;
  if (!Number.isInteger(oh) || !Number.isInteger(ow) || oh < 1 || ow < 1) {
    throw new Error(`${op}: the output height and width must be positive integers, received ${fmt([oh, ow])}`);
  }
  const [backH, padTop] = outputSize(oh, kh, strides[0], dilations[0], padding);
  const [backW, padLeft] = outputSize(ow, kw, strides[1], dilations[1], padding);
  if (backH !== ih || backW !== iw) {
    throw new Error(`${op}: an output of ${oh}x${ow} does not match the ${ih}x${iw} input with a ${kh}x${kw} kernel, strides ${fmt(strides)}, dilations ${fmt(dilations)} and '${padding}' padding (a ${padding} convolution of the output would give ${backH}x${backW}; input shape ${fmt(shownShape)})`);
  }
  return {
    native: [n, oh, ow, oc, kh, kw, ic, ih, iw, strides[0], strides[1], dilations[0], dilations[1], padTop, padLeft],
    outShape: [n, oh, ow, oc],
  };
}

/**
 * Keras's output length of a transposed convolution along one axis (keras.src.utils.conv_utils.deconv_output_length):
 * without outputPadding, in * stride (+ the window's overhang beyond the stride for 'valid'); with it,
 * (in - 1) * stride + window - 2 * pad + outputPadding, pad being window // 2 for 'same' and 0 for 'valid'.
 */
export function transposeOutputLength(
  size: number, window: number, stride: number, dilation: number, padding: Padding, outputPadding: number | null,
): number {
  const effective = (window - 1) * dilation + 1;
  if (outputPadding === null) return padding === 'valid' ? size * stride + Math.max(effective - stride, 0) : size * stride;
  const pad = padding === 'same' ? Math.floor(effective / 2) : 0;
  return (size - 1) * stride + effective - 2 * pad + outputPadding;
}

/**
 * The Conv2DTranspose layer's computation: activation(conv2dTranspose(x, kernel) + bias), x [n, ih, iw, ic],
 * kernel [kh, kw, oc, ic] (Keras's layout), output [n, outHW[0], outHW[1], oc]. A transposed convolution is the
 * input gradient of a convolution, so all three passes run on the native convolution kernels with roles swapped:
 * forward = conv2d backward-input, input gradient = conv2d forward, kernel gradient = conv2d backward-filter with the
 * output gradient as the convolution's input and x as its output gradient. The bias and an output-differentiable
 * activation are applied in place on the output (one op on the tape), their gradients read off the output as Dense
 * does; other activations run as their own op.
 */
export function conv2dTransposeFused(
  x: Tensor, kernel: Tensor, bias: Tensor | null, outHW: readonly [number, number], strides: [number, number],
  padding: Padding, dilations: [number, number], activation = UnaryOp.linear, alpha = 0, op = 'conv2dTranspose',
): Tensor {
  if (!epilogueActivation(activation, alpha)) {
    return unary(activation, 'activation', conv2dTransposeFused(x, kernel, bias, outHW, strides, padding, dilations, UnaryOp.linear, 0, op), alpha);
  }
  const g = conv2dTransposeGeometry(x.shape, kernel.shape, outHW, strides, padding, dilations, op);
  return onConvolutionKernels(x, kernel, bias, g, activation, alpha, op, native.conv2dBackwardInput, native.conv2dForward, native.conv2dBackwardFilter);
}

type F = Float32Array;
/**
 * A transposed convolution run on a convolution's kernels with the roles swapped (see conv2dTransposeFused): the
 * convolution of geometry `g` maps the transposed one's output back onto x.
 */
function onConvolutionKernels(
  x: Tensor, kernel: Tensor, bias: Tensor | null, g: Conv2dGeometry, activation: UnaryOp, alpha: number, op: string,
  backwardInput: (dy: F, kernel: F, dx: F, geometry: number[]) => void,
  forward: (x: F, kernel: F, bias: F | null, y: F, geometry: number[], activation: UnaryOp, alpha: number) => void,
  backwardFilter: (x: F, dy: F, dKernel: F, dBias: F | null, geometry: number[]) => void,
): Tensor {
  const oc = g.outShape[g.outShape.length - 1];
  if (bias && (bias.rank !== 1 || bias.shape[0] !== oc)) throw new Error(`${op}: bias must have shape [${oc}], received shape ${fmt(bias.shape)}`);
  const y = empty(g.outShape);
  backwardInput(f32(x), f32(kernel), f32(y), g.native);
  const rows = y.size / oc;
  if (bias) native.binary(BinaryOp.add, f32(y), [oc, 1], f32(bias), [0, 1], f32(y), [rows, oc]);
  if (activation !== UnaryOp.linear) native.unary(activation, f32(y), f32(y), alpha);
  const inputs = bias ? [x, kernel, bias] : [x, kernel];
  return record(y, op, inputs, (dyOut, needs) => {
    const dy = activation === UnaryOp.linear ? dyOut : unaryGrad(activation, y, y, dyOut, alpha);
    let dx: Tensor | null = null;
    let dk: Tensor | null = null;
    let db: Tensor | null = null;
    if (needs[0]) {
      dx = empty(x.shape.slice());
      forward(f32(dy), f32(kernel), null, f32(dx), g.native, UnaryOp.linear, 0);
    }
    if (needs[1]) {
      dk = empty(kernel.shape.slice());
      backwardFilter(f32(dy), f32(x), f32(dk), null, g.native);
    }
    if (bias && needs[2]) {
      db = empty([oc]);
      native.reduce(ReduceOp.sum, f32(dy), 1, rows, oc, f32(db));
    }
    return [dx, dk, db];
  });
}

/**
 * Transposed 2-D convolution (TF.js's conv2dTranspose, "deconvolution"): x [batch, h, w, inChannels] (or [h, w, in]),
 * filter [kh, kw, outChannels, inChannels], outputShape [batch, oh, ow, outChannels] (or [oh, ow, outChannels]): the
 * gradient of conv2d(y, filter, strides, pad) with respect to y, for a y of outputShape.
 */
export function conv2dTranspose(
  x: TensorLike, filter: TensorLike, outputShape: number[], strides: number | [number, number] = 1,
  pad: Padding | ExplicitPadding = 'valid', dimRoundingMode?: string,
): Tensor {
  const op = 'conv2dTranspose';
  let t = floatArg(x, op);
  const k = floatArg(filter, op);
  const unbatched = t.rank === 3;
  const shown = t.shape;
  if (unbatched) t = reshape(t, [1, ...t.shape]);
  if (!Array.isArray(outputShape) || outputShape.length !== t.rank - (unbatched ? 1 : 0)) {
    throw new Error(`${op}: outputShape must be [${unbatched ? '' : 'batch, '}height, width, outChannels] like the input's rank, received ${JSON.stringify(outputShape)} for input shape ${fmt(shown)}`);
  }
  const out = unbatched ? [t.shape[0], ...outputShape] : outputShape;
  if (out[0] !== t.shape[0]) throw new Error(`${op}: outputShape's batch ${out[0]} differs from the input's ${t.shape[0]}`);
  if (k.rank === 4 && out[3] !== k.shape[2]) {
    throw new Error(`${op}: outputShape has ${out[3]} channels but the filter [kh, kw, outChannels, inChannels] makes ${k.shape[2]} (filter shape ${fmt(k.shape)})`);
  }
  const str = pair(strides, 'strides', op);
  let y: Tensor;
  if (namedPadding(pad, dimRoundingMode)) {
    const padding = checkPadding(pad, op);
    conv2dTransposeGeometry(t.shape, k.shape, [out[1], out[2]], str, padding, [1, 1], op, shown);
    y = conv2dTransposeFused(t, k, null, [out[1], out[2]], str, padding, [1, 1]);
  } else {
    // TF.js's numeric or explicit pad belongs to the convolution this one transposes, whose input is the output: the
    // 'valid' transpose onto the padded output, with the pads cut off.
    const window: [number, number] = k.rank === 4 ? [k.shape[0], k.shape[1]] : [1, 1];
    const [[top, bottom], [left, right]] = explicitPads(pad, [out[1], out[2]], window, str, [1, 1], dimRoundingMode, op)!;
    const padded: [number, number] = [out[1] + top + bottom, out[2] + left + right];
    conv2dTransposeGeometry(t.shape, k.shape, padded, str, 'valid', [1, 1], op, shown);
    y = slice(conv2dTransposeFused(t, k, null, padded, str, 'valid', [1, 1]), [0, top, left, 0], [out[0], out[1], out[2], out[3]]);
  }
  return unbatched ? reshape(y, y.shape.slice(1)) : y;
}

/**
 * Grouped 2-D convolution (Keras's `groups`): the channels split into `groups` equal slices, slice g convolved with
 * kernel[..., g * filters / groups : (g + 1) * filters / groups] (kernel [kh, kw, in / groups, filters]) and the
 * results concatenated on the channel axis, each group on the native kernels with its bias slice and activation fused.
 */
export function groupedConv2dFused(
  x: Tensor, kernel: Tensor, bias: Tensor | null, groups: number, strides: [number, number], padding: Padding,
  dilations: [number, number], activation = UnaryOp.linear, alpha = 0, op = 'conv2d',
): Tensor {
  if (groups === 1) return conv2dFused(x, kernel, bias, strides, padding, dilations, activation, alpha, op);
  if (x.rank !== 4 || kernel.rank !== 4) {
    throw new Error(`${op}: input and kernel must have rank 4, received shapes ${fmt(x.shape)} and ${fmt(kernel.shape)}`);
  }
  const c = x.shape[3];
  const [kh, kw, kc, filters] = kernel.shape;
  if (c % groups !== 0 || filters % groups !== 0 || kc * groups !== c) {
    throw new Error(`${op}: with ${groups} groups the input's ${c} channels and the kernel's ${filters} filters must divide into groups and the kernel must take ${c / groups} channels per group, received input shape ${fmt(x.shape)} and kernel shape ${fmt(kernel.shape)}`);
  }
  const per = filters / groups;
  const [n, h, w] = x.shape;
  const outs: Tensor[] = [];
  for (let gi = 0; gi < groups; gi++) {
    const xg = slice(x, [0, 0, 0, gi * kc], [n, h, w, kc]);
    const kg = slice(kernel, [0, 0, 0, gi * per], [kh, kw, kc, per]);
    const bg = bias ? slice(bias, [gi * per], [per]) : null;
    outs.push(conv2dFused(xg, kg, bg, strides, padding, dilations, activation, alpha, op));
  }
  return concat(outs, 3);
}

type Triple = [number, number, number];

/** x [n, d, h, w, c], kernel [kd, kh, kw, c, oc] -> the native geometry and output shape [n, od, oh, ow, oc]. */
export function conv3dGeometry(
  xShape: readonly number[], kShape: readonly number[], strides: Triple, padding: Padding, dilations: Triple, op: string,
  shownShape: readonly number[] = xShape,
): Conv2dGeometry {
  if (xShape.length !== 5) throw new Error(`${op}: input must have rank 5 [batch, depth, height, width, channels], received shape ${fmt(shownShape)}`);
  if (kShape.length !== 5) throw new Error(`${op}: kernel must have rank 5 [kd, kh, kw, inChannels, outChannels], received shape ${fmt(kShape)}`);
  const [n, d, h, w, c] = xShape;
  const [kd, kh, kw, kc, oc] = kShape;
  if (kc !== c) {
    throw new Error(`${op}: the input has ${c} channels but the kernel expects ${kc} (input shape ${fmt(shownShape)}, kernel shape ${fmt(kShape)})`);
  }
  if (kd < 1 || kh < 1 || kw < 1 || oc < 1) throw new Error(`${op}: the kernel's window and output channels must be positive, received kernel shape ${fmt(kShape)}`);
  if (strides.some((v) => v > 1) && dilations.some((v) => v > 1)) {
    throw new Error(`${op}: strides ${fmt(strides)} and dilations ${fmt(dilations)} cannot both exceed 1`);
  }
  const [od, front] = outputSize(d, kd, strides[0], dilations[0], padding);
  const [oh, top] = outputSize(h, kh, strides[1], dilations[1], padding);
  const [ow, left] = outputSize(w, kw, strides[2], dilations[2], padding);
  if (od === 0 || oh === 0 || ow === 0) {
    throw new Error(`${op}: the kernel ${kd}x${kh}x${kw} (dilation ${fmt(dilations)}) does not fit in the ${d}x${h}x${w} input with '${padding}' padding (input shape ${fmt(shownShape)})`);
  }
  return {
    native: [n, d, h, w, c, kd, kh, kw, oc, od, oh, ow, ...strides, ...dilations, front, top, left],
    outShape: [n, od, oh, ow, oc],
  };
}

/**
 * The Conv3D layer's computation: activation(conv3d(x, kernel) + bias). The bias and an output-differentiable
 * activation run in the native forward's epilogue (the activation's gradient is then read off the output, as Dense
 * does); other activations run as their own op. Forward and both gradients are direct native loops over NDHWC data.
 */
export function conv3dFused(
  x: Tensor, kernel: Tensor, bias: Tensor | null, strides: Triple, padding: Padding, dilations: Triple,
  activation = UnaryOp.linear, alpha = 0, op = 'conv3d',
): Tensor {
  if (!epilogueActivation(activation, alpha)) {
    return unary(activation, 'activation', conv3dFused(x, kernel, bias, strides, padding, dilations, UnaryOp.linear, 0, op), alpha);
  }
  const g = conv3dGeometry(x.shape, kernel.shape, strides, padding, dilations, op);
  const oc = g.outShape[4];
  if (bias && (bias.rank !== 1 || bias.shape[0] !== oc)) throw new Error(`${op}: bias must have shape [${oc}], received shape ${fmt(bias.shape)}`);
  const y = empty(g.outShape);
  native.conv3dForward(f32(x), f32(kernel), bias ? f32(bias) : null, f32(y), g.native, activation, alpha);
  const inputs = bias ? [x, kernel, bias] : [x, kernel];
  return record(y, op, inputs, (dyOut, needs) => {
    const dy = activation === UnaryOp.linear ? dyOut : unaryGrad(activation, y, y, dyOut, alpha);
    let dx: Tensor | null = null;
    let dk: Tensor | null = null;
    let db: Tensor | null = null;
    if (needs[0]) {
      dx = empty(x.shape.slice());
      native.conv3dBackwardInput(f32(dy), f32(kernel), f32(dx), g.native);
    }
    if (needs[1] || (bias && needs[2])) {
      dk = empty(kernel.shape.slice());
      db = bias && needs[2] ? empty(bias.shape.slice()) : null;
      native.conv3dBackwardFilter(f32(x), f32(dy), f32(dk), db ? f32(db) : null, g.native);
    }
    return [dx, needs[1] ? dk : null, db];
  });
}

/**
 * Geometry of a transposed 3-D convolution x [n, id, ih, iw, ic] with kernel [kd, kh, kw, oc, ic] to output
 * [n, od, oh, ow, oc]: the convolution (conv3dGeometry's native list) whose input gradient it is, as for 2-D.
 */
export function conv3dTransposeGeometry(
  xShape: readonly number[], kShape: readonly number[], out: readonly [number, number, number], strides: Triple,
  padding: Padding, dilations: Triple, op: string, shownShape: readonly number[] = xShape,
): Conv2dGeometry {
  if (xShape.length !== 5) throw new Error(`${op}: input must have rank 5 [batch, depth, height, width, channels], received shape ${fmt(shownShape)}`);
  if (kShape.length !== 5) throw new Error(`${op}: kernel must have rank 5 [kd, kh, kw, outChannels, inChannels], received shape ${fmt(kShape)}`);
  const [n, ...inSizes] = xShape.slice(0, 4);
  const ic = xShape[4];
  const [kd, kh, kw, oc, kc] = kShape;
  if (kc !== ic) {
    throw new Error(`${op}: the input has ${ic} channels but the kernel [kd, kh, kw, outChannels, inChannels] expects ${kc} (input shape ${fmt(shownShape)}, kernel shape ${fmt(kShape)})`);
  }
  if (kd < 1 || kh < 1 || kw < 1 || oc < 1) throw new Error(`${op}: the kernel's window and output channels must be positive, received kernel shape ${fmt(kShape)}`);
  if (strides.some((v) => v > 1) && dilations.some((v) => v > 1)) {
    throw new Error(`${op}: strides ${fmt(strides)} and dilations ${fmt(dilations)} cannot both exceed 1`);
  }
  if (out.some((d) => !Number.isInteger(d) || d < 1)) throw new Error(`${op}: the output depth, height and width must be positive integers, received ${fmt(out)}`);
  const back = out.map((d, i) => outputSize(d, kShape[i], strides[i], dilations[i], padding));
  if (back.some(([b], i) => b !== inSizes[i])) {
    throw new Error(`${op}: an output of ${out.join('x')} does not match the ${inSizes.join('x')} input with a ${kd}x${kh}x${kw} kernel, strides ${fmt(strides)}, dilations ${fmt(dilations)} and '${padding}' padding (a ${padding} convolution of the output would give ${back.map(([b]) => b).join('x')}; input shape ${fmt(shownShape)})`);
  }
  return {
    native: [n, ...out, oc, kd, kh, kw, ic, ...inSizes, ...strides, ...dilations, ...back.map(([, p]) => p)],
    outShape: [n, ...out, oc],
  };
}

/**
 * The Conv3DTranspose layer's computation: activation(conv3dTranspose(x, kernel) + bias), kernel [kd, kh, kw, oc, ic]
 * (Keras's layout). As conv2dTransposeFused: forward = conv3d's input gradient, input gradient = conv3d forward,
 * kernel gradient = conv3d's filter gradient with the roles of input and output gradient swapped.
 */
export function conv3dTransposeFused(
  x: Tensor, kernel: Tensor, bias: Tensor | null, out: readonly [number, number, number], strides: Triple, padding: Padding,
  dilations: Triple, activation = UnaryOp.linear, alpha = 0, op = 'conv3dTranspose',
): Tensor {
  if (!epilogueActivation(activation, alpha)) {
    return unary(activation, 'activation', conv3dTransposeFused(x, kernel, bias, out, strides, padding, dilations, UnaryOp.linear, 0, op), alpha);
  }
  const g = conv3dTransposeGeometry(x.shape, kernel.shape, out, strides, padding, dilations, op);
  return onConvolutionKernels(x, kernel, bias, g, activation, alpha, op, native.conv3dBackwardInput, native.conv3dForward, native.conv3dBackwardFilter);
}

/**
 * Transposed 3-D convolution (TF.js's conv3dTranspose): x [batch, d, h, w, inChannels] (or [d, h, w, in]), filter
 * [kd, kh, kw, outChannels, inChannels], outputShape [batch, od, oh, ow, outChannels] (or without the batch): the
 * gradient of conv3d(y, filter, strides, pad) with respect to y, for a y of outputShape.
 */
export function conv3dTranspose(
  x: TensorLike, filter: TensorLike, outputShape: number[], strides: number | Triple = 1, pad: Padding = 'valid',
): Tensor {
  const op = 'conv3dTranspose';
  let t = floatArg(x, op);
  const k = floatArg(filter, op);
  const unbatched = t.rank === 4;
  const shown = t.shape;
  if (unbatched) t = reshape(t, [1, ...t.shape]);
  if (!Array.isArray(outputShape) || outputShape.length !== t.rank - (unbatched ? 1 : 0)) {
    throw new Error(`${op}: outputShape must be [${unbatched ? '' : 'batch, '}depth, height, width, outChannels] like the input's rank, received ${JSON.stringify(outputShape)} for input shape ${fmt(shown)}`);
  }
  const full = unbatched ? [t.shape[0], ...outputShape] : outputShape;
  if (full[0] !== t.shape[0]) throw new Error(`${op}: outputShape's batch ${full[0]} differs from the input's ${t.shape[0]}`);
  if (k.rank === 5 && full[4] !== k.shape[3]) {
    throw new Error(`${op}: outputShape has ${full[4]} channels but the filter [kd, kh, kw, outChannels, inChannels] makes ${k.shape[3]} (filter shape ${fmt(k.shape)})`);
  }
  const str = triple(strides, 'strides', op);
  const padding = checkPadding(pad, op);
  const out: [number, number, number] = [full[1], full[2], full[3]];
  conv3dTransposeGeometry(t.shape, k.shape, out, str, padding, [1, 1, 1], op, shown);
  const y = conv3dTransposeFused(t, k, null, out, str, padding, [1, 1, 1]);
  return unbatched ? reshape(y, y.shape.slice(1)) : y;
}

/**
 * 3-D convolution (TF.js's conv3d): x [batch, d, h, w, in] (or [d, h, w, in]), filter [kd, kh, kw, in, out].
 * 'same' padding follows TensorFlow (the odd pad goes at the end).
 */
export function conv3d(
  x: TensorLike, filter: TensorLike, strides: number | Triple = 1, pad: Padding = 'valid',
  dataFormat: 'NDHWC' | 'channelsLast' = 'NDHWC', dilations: number | Triple = 1,
): Tensor {
  const op = 'conv3d';
  if (dataFormat !== 'NDHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`${op}: only channels-last (NDHWC) data is supported, received dataFormat ${JSON.stringify(dataFormat)}`);
  }
  let t = floatArg(x, op);
  const k = floatArg(filter, op);
  const unbatched = t.rank === 4;
  const shown = t.shape;
  if (unbatched) t = reshape(t, [1, ...t.shape]);
  const str = triple(strides, 'strides', op);
  const padding = checkPadding(pad, op);
  const dil = triple(dilations, 'dilations', op);
  conv3dGeometry(t.shape, k.shape, str, padding, dil, op, shown);
  const y = conv3dFused(t, k, null, str, padding, dil);
  return unbatched ? reshape(y, y.shape.slice(1)) : y;
}

/**
 * TF.js's conv1d(x, filter, stride, pad, dataFormat, dilation): x [batch, width, in] (or [width, in]), filter
 * [fw, in, out], as conv2d on a height-1 image, so its gradients are conv2d's.
 */
export function conv1d(
  x: TensorLike, filter: TensorLike, stride: number, pad: Padding, dataFormat: 'NWC' | 'NCW' = 'NWC', dilation = 1,
  dimRoundingMode?: string,
): Tensor {
  if (dataFormat !== 'NWC') throw new Error(`conv1d: only channels-last (NWC) data is supported, received dataFormat ${JSON.stringify(dataFormat)}`);
  if (dimRoundingMode !== undefined && dimRoundingMode !== null) {
    throw new Error(`conv1d: dimRoundingMode applies to numeric padding, which is not supported ('valid' or 'same' only); received ${JSON.stringify(dimRoundingMode)}`);
  }
  let t = floatArg(x, 'conv1d');
  const k = floatArg(filter, 'conv1d');
  const unbatched = t.rank === 2;
  if (unbatched) t = reshape(t, [1, ...t.shape]);
  if (t.rank !== 3) throw new Error(`conv1d: input must have rank 3 [batch, width, channels] (or 2), received shape ${fmt(x instanceof Tensor ? x.shape : t.shape)}`);
  if (k.rank !== 3) throw new Error(`conv1d: filter must have rank 3 [filterWidth, inChannels, outChannels], received shape ${fmt(k.shape)}`);
  if (k.shape[1] !== t.shape[2]) {
    throw new Error(`conv1d: the input's ${t.shape[2]} channels (shape ${fmt(t.shape)}) do not match the filter's ${k.shape[1]} input channels (shape ${fmt(k.shape)})`);
  }
  if (typeof stride !== 'number') throw new Error(`conv1d: stride must be a positive integer, received ${JSON.stringify(stride)}`);
  if (typeof dilation !== 'number') throw new Error(`conv1d: dilation must be a positive integer, received ${JSON.stringify(dilation)}`);
  const str = pair([1, stride], 'stride', 'conv1d');
  const dil = pair([1, dilation], 'dilation', 'conv1d');
  const padding = checkPadding(pad, 'conv1d');
  const x4 = reshape(t, [t.shape[0], 1, t.shape[1], t.shape[2]]);
  const k4 = reshape(k, [1, ...k.shape]);
  conv2dGeometry(x4.shape, k4.shape, str, padding, dil, 'conv1d', t.shape);
  const y = conv2dFused(x4, k4, null, str, padding, dil, UnaryOp.linear, 0, 'conv1d');
  return reshape(y, unbatched ? [y.shape[2], y.shape[3]] : [y.shape[0], y.shape[2], y.shape[3]]);
}
