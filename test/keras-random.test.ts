// tn.random, Keras 3's keras.random: what a seed of each kind repeats, the distributions' moments and ranges, and the
// errors; a Sampling layer as keras.io's VAE writes it draws new noise at each call, the same sequence run to run.
import { describe, expect, it } from 'vitest';
import * as tn from '../lib/index.js';

const R = tn.random;
const values = (t: tn.Tensor) => Array.from(t.data() as Float32Array | Int32Array);
const meanOf = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
const stdOf = (v: number[]) => {
  const m = meanOf(v);
  return Math.sqrt(meanOf(v.map((x) => (x - m) ** 2)));
};

describe('tn.random (keras.random)', () => {
  it('a number seed repeats every call, a SeedGenerator moves on and repeats its sequence, no seed follows setSeed', () => {
    expect(values(R.normal([5], 0, 1, null, 3))).toEqual(values(R.normal([5], 0, 1, null, 3)));
    const a = new R.SeedGenerator(1337);
    const b = new R.SeedGenerator(1337);
    const a1 = values(R.normal([5], 0, 1, null, a));
    const a2 = values(R.normal([5], 0, 1, null, a));
    expect(a1).not.toEqual(a2);
    expect(values(R.normal([5], 0, 1, null, b))).toEqual(a1);
    expect(values(R.normal([5], 0, 1, null, b))).toEqual(a2);
    expect(a.getConfig()).toEqual({ seed: 1337 });
    tn.setSeed(9);
    const g1 = values(R.uniform([4]));
    const unseeded = new R.SeedGenerator();
    const u1 = values(R.uniform([4], 0, 1, null, unseeded));
    tn.setSeed(9);
    expect(values(R.uniform([4]))).toEqual(g1);
    expect(values(R.uniform([4], 0, 1, null, new R.SeedGenerator()))).toEqual(u1);
  });

  it("draws Keras's distributions with Keras's argument order", () => {
    const n = values(R.normal([20000], 2, 3, null, 1));
    expect(meanOf(n)).toBeCloseTo(2, 1);
    expect(stdOf(n)).toBeGreaterThan(2.9);
    expect(stdOf(n)).toBeLessThan(3.1);
    const u = values(R.uniform([20000], -1, 3, null, 2));
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...u)).toBeLessThan(3);
    expect(meanOf(u)).toBeCloseTo(1, 1);
    const t = values(R.truncatedNormal([20000], 0, 1, null, 3));
    expect(Math.max(...t.map(Math.abs))).toBeLessThanOrEqual(2);
    const i = R.randint([20000], 3, 7, 'int32', 4);
    expect(i.dtype).toBe('int32');
    expect([...new Set(values(i))].sort()).toEqual([3, 4, 5, 6]);
    // Logits that put nearly all the mass on class 2 of row 0 and class 0 of row 1.
    const c = R.categorical(tn.tensor([[0, 0, 20], [20, 0, 0]]), 6, 'int32', 5);
    expect(c.shape).toEqual([2, 6]);
    expect(c.array()).toEqual([[2, 2, 2, 2, 2, 2], [0, 0, 0, 0, 0, 0]]);
    const d = values(R.dropout(tn.ones([20000]), 0.25, null, 6));
    expect(new Set(d)).toEqual(new Set([0, 1 / 0.75].map(Math.fround)));
    expect(d.filter((v) => v === 0).length / d.length).toBeCloseTo(0.25, 1);
    const s = R.shuffle(tn.tensor([[0, 1, 2, 3, 4, 5], [10, 11, 12, 13, 14, 15]]), 1, 7).array() as number[][];
    expect([...s[0]].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(s[1]).toEqual(s[0].map((v) => v + 10));
    expect(s[0]).not.toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('refuses a seed, dtype or bounds it cannot use, naming the function', () => {
    expect(() => R.normal([2], 0, 1, null, '3' as never)).toThrow(/random.normal: seed must be a number or a tn.random.SeedGenerator, received "3"/);
    expect(() => R.uniform([2], 0, 1, 'int32')).toThrow(/random.uniform: dtype must be a float type/);
    expect(() => R.randint([2], 0.5, 3)).toThrow(/random.randint: minval and maxval must be integers/);
    expect(() => new R.SeedGenerator(Number.NaN)).toThrow(/SeedGenerator: seed must be a finite number/);
    expect(() => R.shuffle(tn.ones([2, 3]), 2)).toThrow(/random.shuffle: axis 2 is out of range for a tensor of shape \[2, 3\]/);
  });

  it("keras.io's Sampling layer: new noise at each call, the same sequence from the same seed", () => {
    class Sampling extends tn.Layer {
      seedGenerator = new R.SeedGenerator(1337);
      override call(inputs: tn.Tensor | tn.Tensor[]) {
        const [zMean, zLogVar] = inputs as tn.Tensor[];
        const epsilon = R.normal(zMean.shape, 0, 1, null, this.seedGenerator);
        return tn.add(zMean, tn.mul(tn.exp(tn.mul(0.5, zLogVar)), epsilon));
      }
    }
    const z = [tn.zeros([2, 3]), tn.zeros([2, 3])];
    const first = new Sampling();
    const second = new Sampling();
    const a = [values(first.apply(z)), values(first.apply(z))];
    expect(a[0]).not.toEqual(a[1]);
    expect([values(second.apply(z)), values(second.apply(z))]).toEqual(a);
  });
});
