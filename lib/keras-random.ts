// Keras 3's keras.random, as tn.random: the draws keras.io's models take in their own layers and steps (a VAE's
// Sampling layer, a GAN's latent vectors), with Keras's argument order and defaults. A seed is a number (every call
// gives the same draws, as Keras's integer seed does), a SeedGenerator (each call a new draw, the sequence repeating
// from the generator's seed), or none (the global generator tn.setSeed seeds).
import { checkDType, type DType } from './dtype.js';
import { dropout as dropoutOp } from './ops/dropout.js';
import { multinomial } from './ops/sampling.js';
import { gather } from './ops/shape.js';
import { castTo } from './ops/util.js';
import { Generator, generator } from './random.js';
import { randomNormal, randomUniform, tensor, toTensor, truncatedNormal as truncatedNormalOp, type Tensor, type TensorLike } from './tensor.js';

/**
 * Keras's keras.random.SeedGenerator: the state a layer or model keeps so that its random calls differ from call to
 * call and repeat from run to run. `new SeedGenerator(1337)`, or without a seed one drawn from the global generator.
 */
export class SeedGenerator {
  readonly seed: number;
  private readonly stream: Generator;

  constructor(seed?: number | { seed?: number | null } | null) {
    const given = seed !== null && typeof seed === 'object' ? seed.seed : seed;
    if (given !== undefined && given !== null && (typeof given !== 'number' || !Number.isFinite(given))) {
      throw new Error(`SeedGenerator: seed must be a finite number, received ${JSON.stringify(given) ?? String(given)}`);
    }
    this.seed = given === undefined || given === null ? generator().nextUint32() : Math.floor(given) >>> 0;
    this.stream = new Generator(this.seed);
  }

  /** @internal The seed of the next call that draws from this generator. */
  nextSeed(): number {
    return this.stream.nextUint32();
  }

  getConfig(): { seed: number } {
    return { seed: this.seed };
  }
}

export type Seed = number | SeedGenerator | null | undefined;

/** One call's seed: a number as it is, a SeedGenerator's next, or undefined for the global generator. */
function drawSeed(seed: Seed, op: string): number | undefined {
  if (seed === null || seed === undefined) return undefined;
  if (seed instanceof SeedGenerator) return seed.nextSeed();
  if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    throw new Error(`random.${op}: seed must be a number or a tn.random.SeedGenerator, received ${typeof seed === 'object' ? 'an object' : JSON.stringify(seed) ?? String(seed)}`);
  }
  return seed;
}

const floatDType = (dtype: DType | null | undefined, op: string): DType => {
  const d = dtype ?? 'float32';
  checkDType(d, `random.${op}`);
  if (d !== 'float32') throw new Error(`random.${op}: dtype must be a float type ('float32'), received '${d}'`);
  return d;
};

/** Keras's keras.random.normal(shape, mean, stddev, dtype, seed). */
export function normal(shape: readonly number[], mean = 0, stddev = 1, dtype: DType | null = null, seed?: Seed): Tensor {
  return randomNormal(shape, mean, stddev, floatDType(dtype, 'normal'), drawSeed(seed, 'normal'));
}

/** Keras's keras.random.uniform(shape, minval, maxval, dtype, seed): values in [minval, maxval). */
export function uniform(shape: readonly number[], minval = 0, maxval = 1, dtype: DType | null = null, seed?: Seed): Tensor {
  return randomUniform(shape, minval, maxval, floatDType(dtype, 'uniform'), drawSeed(seed, 'uniform'));
}

/** Keras's keras.random.truncated_normal: normal values within two standard deviations of the mean. */
export function truncatedNormal(shape: readonly number[], mean = 0, stddev = 1, dtype: DType | null = null, seed?: Seed): Tensor {
  return truncatedNormalOp(shape, mean, stddev, floatDType(dtype, 'truncatedNormal'), drawSeed(seed, 'truncatedNormal'));
}

/** Keras's keras.random.randint(shape, minval, maxval, dtype, seed): integers in [minval, maxval). */
export function randint(shape: readonly number[], minval: number, maxval: number, dtype: DType = 'int32', seed?: Seed): Tensor {
  if (!Number.isInteger(minval) || !Number.isInteger(maxval)) throw new Error(`random.randint: minval and maxval must be integers, received ${minval} and ${maxval}`);
  if (!(maxval > minval)) throw new Error(`random.randint: maxval (${maxval}) must be greater than minval (${minval})`);
  checkDType(dtype, 'random.randint');
  return castTo(randomUniform(shape, minval, maxval, 'int32', drawSeed(seed, 'randint')), dtype);
}

/** Keras's keras.random.categorical(logits, numSamples, dtype, seed): [batch, classes] logits to [batch, numSamples]. */
export function categorical(logits: TensorLike, numSamples: number, dtype: DType = 'int32', seed?: Seed): Tensor {
  checkDType(dtype, 'random.categorical');
  const l = toTensor(logits, 'random.categorical');
  if (l.rank !== 2) throw new Error(`random.categorical: logits must be [batch, classes], received shape [${l.shape.join(', ')}]`);
  return castTo(multinomial(l, numSamples, drawSeed(seed, 'categorical')), dtype);
}

/** Keras's keras.random.dropout(inputs, rate, noiseShape, seed): always active, the kept values scaled by 1 / (1 - rate). */
export function dropout(inputs: TensorLike, rate: number, noiseShape: readonly number[] | null = null, seed?: Seed): Tensor {
  const s = drawSeed(seed, 'dropout');
  return dropoutOp(inputs, rate, noiseShape, s === undefined ? generator() : new Generator(Math.floor(s) >>> 0), 'random.dropout');
}

/** Keras's keras.random.shuffle(x, axis, seed): x with its slices along `axis` in a random order. */
export function shuffle(x: TensorLike, axis = 0, seed?: Seed): Tensor {
  const t = toTensor(x, 'random.shuffle');
  if (!Number.isInteger(axis) || axis < -t.rank || axis >= t.rank) throw new Error(`random.shuffle: axis ${axis} is out of range for a tensor of shape [${t.shape.join(', ')}]`);
  const n = t.shape[axis < 0 ? axis + t.rank : axis];
  const s = drawSeed(seed, 'shuffle');
  const g = s === undefined ? generator() : new Generator(Math.floor(s) >>> 0);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(g.uniform() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return gather(t, tensor(order, [n], 'int32'), axis);
}
