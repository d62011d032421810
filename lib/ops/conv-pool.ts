// Conv2D + relu + MaxPooling2D as one op with its own backward: above both conv.ts and pool.ts, whose unfused ops it
// falls back to.
import { record, willRecord } from '../autograd/tape.js';
import { native, UnaryOp } from '../native.js';
import { fmt } from '../shape-util.js';
import { empty, Tensor } from '../tensor.js';
import { conv2dFused, conv2dGeometry, type Conv2dCall } from './conv.js';
import { maxPool2d } from './pool.js';
import { f32 } from './util.js';
import { pair, type Padding } from './window.js';

/**
 * Conv2D with relu followed by MaxPooling2D (strides equal to the pool size, 'valid' padding) as one op:
 * maxPool2d(relu(conv(x, kernel) + bias), poolSize), computed in one native pass that never writes out the
 * convolution's output (4x the pooled size for 2x2 pooling). When gradients are being recorded, that pass also keeps
 * the position of each window's maximum (one byte per output element), and the backward pass computes from it, the
 * pooled output and dy the gradients that conv2dFused and maxPool2d give, without their full-size intermediates.
 * Sequential models use it wherever a Conv2D(relu) feeds such a pooling layer.
 */
export function conv2dBiasReluMaxPool(
  x: Tensor, kernel: Tensor, bias: Tensor | null, strides: [number, number], padding: Padding,
  dilations: [number, number], poolSize: [number, number],
): Tensor {
  const op = 'conv2dBiasReluMaxPool';
  const g = conv2dGeometry(x.shape, kernel.shape, strides, padding, dilations, op);
  const [n, oh, ow, oc] = g.outShape;
  const [ph, pw] = pair(poolSize, 'poolSize', op);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== oc)) {
    throw new Error(`${op}: bias must have shape [${oc}] (one value per output channel), received shape ${fmt(bias.shape)}`);
  }
  if (oh < ph || ow < pw) {
    throw new Error(`${op}: the pool window ${ph}x${pw} does not fit in the ${oh}x${ow} convolution output (input shape ${fmt(x.shape)}, kernel shape ${fmt(kernel.shape)})`);
  }
  const inputs = bias ? [x, kernel, bias] : [x, kernel];
  const outShape = [n, Math.floor(oh / ph), Math.floor(ow / pw), oc];
  if (!willRecord(inputs)) {
    const y = empty(outShape);
    native.conv2dReluMaxPool(f32(x), f32(kernel), bias ? f32(bias) : null, f32(y), g.native, ph, pw);
    return y;
  }
  // One byte holds a window position: larger windows take the unfused ops.
  if (ph * pw > 256) return maxPool2d(conv2dFused(x, kernel, bias, strides, padding, dilations, UnaryOp.relu, 0, op), [ph, pw]);
  const y = empty(outShape);
  // The argmax bytes live in an int32 buffer, so that the step's pool recycles them with the other intermediates.
  const argmax = empty([Math.ceil(y.size / 4)], 'int32');
  const bytes = () => {
    const v = argmax.values;
    return new Uint8Array(v.buffer, v.byteOffset, y.size);
  };
  native.conv2dReluMaxPoolTrain(f32(x), f32(kernel), bias ? f32(bias) : null, f32(y), bytes(), g.native, ph, pw);
  return record(y, op, inputs, (dy, needs) => {
    const dx = needs[0] ? empty(x.shape.slice()) : null;
    const dk = needs[1] ? empty(kernel.shape.slice()) : null;
    const db = bias && needs[2] ? empty(bias.shape.slice()) : null;
    native.conv2dReluMaxPoolBackward(
      f32(x), f32(kernel), f32(dy), f32(y), bytes(), dk && f32(dk), db && f32(db), dx && f32(dx), g.native, ph, pw,
    );
    return [dx, dk, db];
  });
}

/** A max pooling as MaxPooling2D configures it. */
export interface MaxPool2dConfig {
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
}

/**
 * conv2dBiasReluMaxPool for a convolution followed by a max pooling, or null when the pair is not the one it computes:
 * a relu convolution, then non-overlapping 'valid' windows (strides equal to the pool size).
 */
export function fuseConv2dMaxPool(conv: Conv2dCall, pool: MaxPool2dConfig): ((x: Tensor) => Tensor) | null {
  if (conv.activation !== UnaryOp.relu) return null;
  if (pool.padding !== 'valid' || pool.strides[0] !== pool.poolSize[0] || pool.strides[1] !== pool.poolSize[1]) return null;
  return (x) => conv2dBiasReluMaxPool(x, conv.kernel, conv.bias, conv.strides, conv.padding, conv.dilations, pool.poolSize);
}
