// A seedable generator for initialisers, dropout and shuffling. xoshiro128** (fast, 2^128 - 1 period), seeded
// through splitmix32 so that nearby seeds give unrelated streams.

export class Generator {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  constructor(seed: number) {
    let x = seed >>> 0;
    const next = () => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 random bits. */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Standard normal by the Box-Muller transform (both values of each pair are used). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * v;
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** @internal The whole state (the four words and Box-Muller's spare value), for checkpoints. */
  getState(): RandomState {
    return { words: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0], spare: this.spare };
  }

  /** @internal Continues exactly where the generator whose getState() gave `state` was. */
  setState(state: RandomState): void {
    const w = state?.words;
    if (!Array.isArray(w) || w.length !== 4 || w.some((x) => !Number.isInteger(x) || x < 0 || x > 0xffffffff) || (w[0] | w[1] | w[2] | w[3]) === 0) {
      throw new Error(`setRandomState: expected { words: four 32-bit unsigned integers, not all 0, spare: number | null }, received ${JSON.stringify(state)?.slice(0, 200)}`);
    }
    if (state.spare !== null && typeof state.spare !== 'number') throw new Error(`setRandomState: spare must be a number or null, received ${JSON.stringify(state.spare)}`);
    // The words are kept as int32 (the arithmetic above works on them with | and Math.imul).
    [this.s0, this.s1, this.s2, this.s3] = w.map((x) => x | 0);
    this.spare = state.spare;
  }
}

/** A generator's state as plain JSON: xoshiro128**'s four words and the normal() value held back for the next call. */
export interface RandomState {
  words: number[];
  spare: number | null;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

let global = new Generator((Math.random() * 4294967296) >>> 0);
/** Whether setSeed (or a restored checkpoint's state) has fixed the global stream. */
let seeded = false;
let deterministic = false;

/** Seeds the global generator, so that initialisers, dropout and shuffling repeat from run to run. */
export function setSeed(seed: number): void {
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new Error(`setSeed: seed must be a finite number, received ${seed}`);
  global = new Generator(Math.floor(seed) >>> 0);
  seeded = true;
}

/**
 * Keras's tf.config.experimental.enable_op_determinism(): with it on, a random draw from the global stream before
 * tn.setSeed raises instead of drawing from a clock-seeded stream, as TensorFlow's random ops do, so that a program
 * meant to repeat cannot silently depend on an unseeded draw. The kernels always reduce in an order fixed by the
 * shapes and the thread count, so with a seed two runs on the same machine, thread count and SIMD path give
 * bit-identical weights; README "Reproducible runs" says what changes with the thread count and the path.
 */
export function setDeterministic(enabled: boolean): void {
  if (typeof enabled !== 'boolean') throw new Error(`setDeterministic: enabled must be true or false, received ${JSON.stringify(enabled)}`);
  deterministic = enabled;
}

/** Whether setDeterministic(true) is in force. */
export function isDeterministic(): boolean {
  return deterministic;
}

/**
 * @internal The global generator's state. Shuffling in fit() and unseeded Dropout draw from it (Dropout's mask comes
 * from a stateless native counter-based stream keyed by two draws of this generator), so with the weights this is all
 * a checkpoint needs to continue training as if it had not stopped. Seeded Dropout layers hold their own Generator.
 */
export function getRandomState(): RandomState {
  return global.getState();
}

/** @internal Restores the global generator to a state getRandomState() returned. */
export function setRandomState(state: RandomState): void {
  const g = new Generator(1);
  g.setState(state);
  global = g;
  seeded = true;
}

/** The generator for one call: a fresh one when the call gives a seed, else the global one. */
export function generator(seed?: number): Generator {
  if (seed === undefined || seed === null) {
    if (deterministic && !seeded) {
      throw new Error('Random draws need a seed when determinism is enabled (tn.setDeterministic(true)): call tn.setSeed(seed) first, or give the initializer, layer or op a seed of its own');
    }
    return global;
  }
  if (!Number.isFinite(seed)) throw new Error(`seed must be a finite number, received ${seed}`);
  return new Generator(Math.floor(seed) >>> 0);
}
