// Inference-time fusion of adjacent layers into one native kernel. Only used when no gradient is being recorded
// and not training, so results are the same as layer by layer (the fused kernels compute the same arithmetic).
import { isRecording } from '../autograd/tape.js';
import { Conv2D } from '../layers/convolutional.js';
import type { Layer } from '../layers/layer.js';
import { MaxPooling2D } from '../layers/pooling.js';
import { UnaryOp } from '../native.js';
import { conv2dBiasReluMaxPool } from '../ops/conv.js';
import type { Tensor } from '../tensor.js';

/**
 * Conv2D with relu followed by non-overlapping 'valid' max pooling: computing the pooled rows directly never
 * writes the full-size convolution output (4x the pooled size for 2x2 pooling).
 */
function convReluPool(a: Layer, b: Layer | undefined): [Conv2D, MaxPooling2D] | null {
  if (!(a instanceof Conv2D) || !(b instanceof MaxPooling2D)) return null;
  if (a.activation.unary?.op !== UnaryOp.relu || !a.built) return null;
  if (b.padding !== 'valid' || b.strides[0] !== b.poolSize[0] || b.strides[1] !== b.poolSize[1]) return null;
  return [a, b];
}

/** Whether layers[i] and layers[i + 1] can run as one fused kernel in this call. */
export function fusedPair(layers: readonly Layer[], i: number, training: boolean): [Conv2D, MaxPooling2D] | null {
  if (training || isRecording()) return null;
  return convReluPool(layers[i], layers[i + 1]);
}

/** Runs a fused Conv2D(relu) + MaxPooling2D pair on x. */
export function runConvReluPool(conv: Conv2D, pool: MaxPooling2D, x: Tensor): Tensor {
  conv.assertInputCompatibility(x.shape);
  return conv2dBiasReluMaxPool(x, conv.kernel!, conv.bias, conv.strides, conv.padding, conv.dilationRate, pool.poolSize);
}
