// Random tensors for the noise and dropout layers, drawn from the library's seeded streams (lib/random.ts): a layer
// with a seed passes its own Generator, so its noise repeats from run to run; otherwise the global one. These are
// constants (no gradient flows into a random draw); the layers multiply or add them to their inputs with ops.
import { native } from '../native.js';
import type { Generator } from '../random.js';
import { checkShape } from '../shape-util.js';
import { empty, type Tensor } from '../tensor.js';

function checkRate(rate: number, op: string): void {
  if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) throw new Error(`${op}: rate must be a number in [0, 1), received ${String(rate)}`);
}

/**
 * Inverted-dropout mask: 1 / (1 - rate) with probability 1 - rate, else 0. The values come from a native
 * counter-based stream keyed by two draws of `gen`, so the mask costs about a nanosecond per element.
 */
export function dropoutMask(shape: number[], rate: number, gen: Generator): Tensor {
  const s = checkShape(shape, 'dropoutMask');
  checkRate(rate, 'dropoutMask');
  const mask = empty(s);
  native.dropoutMask(mask.values as Float32Array, mask.size, 1 - rate, gen.nextUint32(), gen.nextUint32());
  return mask;
}

/** 1 where an element is kept (probability 1 - rate), 0 where it is dropped: Keras's `uniform >= rate`. */
export function keepMask(shape: number[], rate: number, gen: Generator): Tensor {
  const s = checkShape(shape, 'keepMask');
  checkRate(rate, 'keepMask');
  const mask = empty(s);
  const v = mask.values;
  for (let i = 0; i < v.length; i++) v[i] = gen.uniform() >= rate ? 1 : 0;
  return mask;
}

/** Normal values with the given mean and standard deviation (Box-Muller on `gen`). */
export function normalNoise(shape: number[], mean: number, stddev: number, gen: Generator): Tensor {
  const s = checkShape(shape, 'normalNoise');
  if (!Number.isFinite(mean) || !Number.isFinite(stddev) || stddev < 0) {
    throw new Error(`normalNoise: mean must be finite and stddev finite and >= 0, received mean=${mean}, stddev=${stddev}`);
  }
  const t = empty(s);
  const v = t.values;
  for (let i = 0; i < v.length; i++) v[i] = mean + stddev * gen.normal();
  return t;
}
