// Fusion of adjacent layers into one op, in inference and in training alike. While gradients are recorded the fused
// op gives exactly the layers' outputs and, up to the order of float sums, their gradients. Inference uses the direct
// convolution kernels for every shape, so where the Conv2D alone would take GEMM or im2col (1x1 kernels, very wide
// layers) its outputs may differ from the layers' in the last bits.
import { Conv2D } from '../layers/convolutional.js';
import type { Layer } from '../layers/layer.js';
import { MaxPooling2D } from '../layers/pooling.js';
import { fuseConv2dMaxPool } from '../ops/conv-pool.js';
import type { Tensor } from '../tensor.js';

/**
 * Conv2D with relu followed by non-overlapping 'valid' max pooling: computing the pooled rows directly never
 * writes the full-size convolution output (4x the pooled size for 2x2 pooling), and its gradient never needs it.
 */
function convReluPool(a: Layer, b: Layer | undefined, inputShape: readonly number[]): [Conv2D, MaxPooling2D] | null {
  if (!(a instanceof Conv2D) || !(b instanceof MaxPooling2D) || !a.built) return null;
  // A convolution computed in bfloat16 runs as its layer does (the fused pass is float32).
  if (a.bfloat16Convolution(inputShape)) return null;
  const conv = a.convolution();
  return conv && fuseConv2dMaxPool(conv, b) ? [a, b] : null;
}

/** Whether layers[i] and layers[i + 1] can run as one fused op on an input of `inputShape`. */
export function fusedPair(layers: readonly Layer[], i: number, inputShape: readonly number[]): [Conv2D, MaxPooling2D] | null {
  return convReluPool(layers[i], layers[i + 1], inputShape);
}

/** Runs a fused Conv2D(relu) + MaxPooling2D pair on x (recording its gradient when the tape records). */
export function runConvReluPool(conv: Conv2D, pool: MaxPooling2D, x: Tensor): Tensor {
  conv.assertInputCompatibility(x.shape);
  const fused = fuseConv2dMaxPool(conv.convolution()!, pool);
  if (!fused) throw new Error(`runConvReluPool: layers "${conv.name}" and "${pool.name}" do not form a fusible pair`);
  return fused(x);
}
