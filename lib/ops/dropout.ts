// Dropout as an op: a random keep-mask scaled by 1 / (1 - rate), times x. The mask is a constant of the step, so the
// gradient is mul's (dy * mask, summed over the axes a noise shape shares) and needs no rule of its own.
import { native } from '../native.js';
import { Generator, generator } from '../random.js';
import { fmt } from '../shape-util.js';
import { empty, Tensor, type TensorLike } from '../tensor.js';
import { mul } from './elementwise.js';
import { f32, floatArg } from './util.js';

/**
 * Sets each element of x to 0 with probability `rate` and scales the others by 1 / (1 - rate), so the expected
 * value is unchanged. `noiseShape` (x's rank, each entry x's size or 1) shares one mask value along the axes where it
 * is 1, as Keras's `noise_shape`. The mask comes from the native counter-based stream keyed by two draws of `gen`
 * (the global generator unless given): a seeded generator repeats its masks, and a mask costs about a nanosecond per
 * element.
 */
export function dropout(
  x: TensorLike, rate: number, noiseShape: readonly number[] | null = null, gen: Generator = generator(), op = 'dropout',
): Tensor {
  const t = floatArg(x, op);
  if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) {
    throw new Error(`${op}: rate must be a number in [0, 1), received ${JSON.stringify(rate) ?? String(rate)}`);
  }
  const shape = noiseShape ? noiseShape.slice() : t.shape.slice();
  if (shape.length !== t.rank || shape.some((d, i) => d !== t.shape[i] && d !== 1)) {
    throw new Error(`${op}: noiseShape ${fmt(shape)} must have the input's rank and, on each axis, the input's size or 1 (input shape ${fmt(t.shape)})`);
  }
  if (rate === 0) return t;
  const mask = empty(shape);
  native.dropoutMask(f32(mask), mask.size, 1 - rate, gen.nextUint32(), gen.nextUint32());
  return mul(t, mask);
}
