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

/**
 * TF.js's dropout(x, rate, noiseShape?, seed?): elements set to 0 with probability `rate`, the others scaled by
 * 1 / (1 - rate), always (TF.js's op knows no training flag; the Dropout layer does). A null entry of noiseShape means
 * x's size on that axis, as in TF.js. With a seed (a number, or a string hashed to one) the mask repeats; without, it
 * comes from the global generator (tn.setSeed). The masks are not TF.js's: its generator differs.
 */
export function tfjsDropout(x: TensorLike, rate: number, noiseShape?: readonly (number | null)[] | null, seed?: number | string): Tensor {
  const t = floatArg(x, 'dropout');
  let shape: number[] | null = null;
  if (noiseShape !== undefined && noiseShape !== null) {
    if (!Array.isArray(noiseShape)) throw new Error(`dropout: noiseShape must be a list of sizes, received ${JSON.stringify(noiseShape)}`);
    shape = noiseShape.length === t.rank ? noiseShape.map((d, i) => (d === null || d === undefined ? t.shape[i] : d)) : noiseShape.slice() as number[];
  }
  if (seed !== undefined && seed !== null && typeof seed !== 'number' && typeof seed !== 'string') {
    throw new Error(`dropout: seed must be a number or a string, received ${JSON.stringify(seed)}`);
  }
  const gen = generator(typeof seed === 'string' ? hashString(seed) : seed);
  const y = dropout(t, rate, shape, gen, 'dropout');
  // TF.js returns a copy for rate 0; so does this (the op never hands back its input).
  return y === t ? mul(t, 1) : y;
}

/** FNV-1a: a string seed as a 32-bit number. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
