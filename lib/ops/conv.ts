// 2-D convolution on NHWC input with [kh, kw, in, out] kernels, and its gradients, on native kernels.
import { record } from '../autograd/tape.js';
import { native, UnaryOp } from '../native.js';
import { fmt } from '../shape-util.js';
import { empty, Tensor, type TensorLike } from '../tensor.js';
import { unary } from './elementwise.js';
import { epilogueActivation } from './matmul.js';
import { reshape } from './shape.js';
import { f32, floatArg } from './util.js';
import { checkPadding, outputSize, pair, type Padding } from './window.js';

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
  const inputs = bias ? [x, kernel, bias] : [x, kernel];
  return record(y, op, inputs, (dy, needs) => {
    // The activation's gradient (from y: every epilogue activation allows it) is folded into the native backward
    // passes, row by row, rather than written out as a tensor of its own.
    const yArg = activation === UnaryOp.linear ? null : f32(y);
    let dx: Tensor | null = null;
    let dk: Tensor | null = null;
    let db: Tensor | null = null;
    if (needs[0]) {
      dx = empty(x.shape.slice());
      native.conv2dBackwardInput(f32(dy), f32(kernel), f32(dx), g.native, yArg, activation, alpha);
    }
    if (needs[1] || (bias && needs[2])) {
      dk = empty(kernel.shape.slice());
      db = bias && needs[2] ? empty(bias.shape.slice()) : null;
      native.conv2dBackwardFilter(f32(x), f32(dy), f32(dk), db ? f32(db) : null, g.native, yArg, activation, alpha);
    }
    return [dx, needs[1] ? dk : null, db];
  });
}

/**
 * 2-D convolution (TF.js argument order): x [batch, h, w, in] (or [h, w, in]), filter [kh, kw, in, out].
 * 'same' padding follows TensorFlow (the odd pad goes at the end).
 */
export function conv2d(
  x: TensorLike, filter: TensorLike, strides: number | [number, number] = 1, pad: Padding = 'valid',
  dataFormat: 'NHWC' | 'channelsLast' = 'NHWC', dilations: number | [number, number] = 1,
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
  const padding = checkPadding(pad, 'conv2d');
  const dil = pair(dilations, 'dilations', 'conv2d');
  conv2dGeometry(t.shape, k.shape, str, padding, dil, 'conv2d', shown);
  const y = conv2dFused(t, k, null, str, padding, dil);
  return unbatched ? reshape(y, y.shape.slice(1)) : y;
}
