// The dropout op: mask values and kept fraction, seeded repetition, noise shapes shared along axes, the gradient
// (finite differences and the exact mask), and bad arguments.
import { describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { dropout } from '../../lib/ops/dropout.js';
import { native } from '../../lib/native.js';
import { Generator } from '../../lib/random.js';
import { gradCheck, randomTensor } from '../helpers/gradcheck.js';

describe('dropout', () => {
  it('zeroes a rate of the elements and scales the rest by 1 / (1 - rate)', () => {
    const n = 40001; // odd: the mask's tail after the last full vector
    const x = randomTensor([n], 3, 0.5, 2);
    for (const rate of [0.2, 0.75]) {
      const y = dropout(x, rate, null, new Generator(11)).data();
      const xs = x.data();
      const scale = Math.fround(1 / (1 - rate));
      let kept = 0;
      let wrong = 0;
      for (let i = 0; i < n; i++) {
        if (y[i] === 0) continue;
        kept++;
        if (y[i] !== Math.fround(xs[i] * scale)) wrong++;
      }
      expect(wrong).toBe(0);
      const sd = Math.sqrt(n * rate * (1 - rate));
      expect(Math.abs(kept - n * (1 - rate)), `rate ${rate}`).toBeLessThan(5 * sd);
    }
  });

  it('draws the same mask on every ISA path: splitmix64 of (key, index), its top 24 bits against keep * 2^24', () => {
    // A BigInt reference of the native stream (native/random.h): any path that vectorised the 64-bit products
    // differently, or split the work so that an index moved, would change these bits.
    const M = (1n << 64n) - 1n;
    const mix = (z: bigint) => {
      z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M;
      z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M;
      return z ^ (z >> 31n);
    };
    const [lo, hi] = [0x9abcdef0, 0x12345678];
    const keep = 0.7;
    const base = mix((BigInt(hi) << 32n) | BigInt(lo));
    const threshold = BigInt(Math.floor(Math.fround(keep) * 16777216));
    const n = 200003; // several threads' shares, and a tail after the last full vector
    const out = new Float32Array(n).fill(Number.NaN);
    native.dropoutMask(out, n, keep, lo, hi);
    const scale = Math.fround(1 / Math.fround(keep));
    let checked = 0;
    for (let i = 0; i < n; i += i < 40 || i > n - 40 ? 1 : 997) {
      const r = mix((base + BigInt(i + 1) * 0x9e3779b97f4a7c15n) & M) >> 40n;
      expect(out[i], `element ${i}`).toBe(r < threshold ? scale : 0);
      checked++;
    }
    expect(checked).toBeGreaterThan(200);
    expect(out.every((v) => v === 0 || v === scale)).toBe(true);
  });

  it('repeats its mask for the same generator state and draws a new one each call', () => {
    const x = tn.ones([257]);
    const a = dropout(x, 0.5, null, new Generator(5)).data();
    expect(dropout(x, 0.5, null, new Generator(5)).data()).toEqual(a);
    const g = new Generator(5);
    dropout(x, 0.5, null, g);
    expect(dropout(x, 0.5, null, g).data()).not.toEqual(a);
  });

  it('shares one mask value along the axes where the noise shape is 1', () => {
    const y = dropout(tn.ones([64, 5]), 0.5, [64, 1], new Generator(2)).array() as number[][];
    for (const row of y) expect(new Set(row).size).toBe(1);
    const values = new Set(y.map((row) => row[0]));
    expect(values).toEqual(new Set([0, 2]));
  });

  it('is the identity for rate 0, and takes int32 input as float', () => {
    const x = tn.tensor([1, 2, 3]);
    expect(dropout(x, 0)).toBe(x);
    const y = dropout(tn.tensor([3, 3, 3, 3], [4], 'int32'), 0.5, null, new Generator(1));
    expect(y.dtype).toBe('float32');
    expect(Array.from(y.data()).every((v) => v === 0 || v === 6)).toBe(true);
  });

  it('has the mask as its gradient, and matches finite differences', () => {
    const x = tn.variable(tn.ones([3, 7]));
    const y = dropout(x, 0.4, null, new Generator(9));
    const [g] = tn.gradients(tn.sum(y), [x]);
    expect(g.data()).toEqual(y.data());
    gradCheck((t) => dropout(t, 0.4, null, new Generator(9)), [randomTensor([3, 7], 1)]);
    gradCheck((t) => dropout(t, 0.5, [1, 7], new Generator(4)), [randomTensor([3, 7], 2)]);
  });

  it('rejects a rate outside [0, 1) and a noise shape that does not broadcast to the input', () => {
    const x = tn.ones([2, 3]);
    for (const rate of [1, -0.1, NaN]) expect(() => dropout(x, rate)).toThrow(/dropout: rate must be a number in \[0, 1\)/);
    expect(() => dropout(x, 0.5, [2])).toThrow('dropout: noiseShape [2] must have the input\'s rank and, on each axis, the input\'s size or 1 (input shape [2,3])');
    expect(() => dropout(x, 0.5, [2, 2])).toThrow(/noiseShape \[2,2\] must have the input's rank/);
    expect(() => new tn.layers.Dropout({ rate: 0.5, noiseShape: [null, 2], name: 'drop' }).apply(x, { training: true })).toThrow(
      'Dropout (layer "drop"): noiseShape [2,2] must have the input\'s rank and, on each axis, the input\'s size or 1 (input shape [2,3])',
    );
  });
});
