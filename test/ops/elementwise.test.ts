// Unary math maps: values against float64 on lengths around the vector widths, domains and non-finite inputs,
// int32 behaviour, and finite-difference gradients.
import { describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { expectClose } from '../helpers/golden.js';
import { gradCheck, randomTensor } from '../helpers/gradcheck.js';
import { unaryReference } from '../helpers/reference.js';

type Unary = (x: tn.Tensor) => tn.Tensor;

// name, op, input range, points to avoid (kinks, poles), differentiable
const maps: [string, Unary, [number, number], number[], boolean][] = [
  ['neg', tn.neg, [-5, 5], [], true],
  ['abs', tn.abs, [-5, 5], [0], true],
  ['exp', tn.exp, [-20, 20], [], true],
  ['log', tn.log, [1e-3, 50], [], true],
  ['sqrt', tn.sqrt, [1e-2, 50], [], true],
  ['square', tn.square, [-5, 5], [], true],
  ['rsqrt', tn.rsqrt, [0.1, 50], [], true],
  ['reciprocal', tn.reciprocal, [-4, 4], [0], true],
  ['log1p', tn.log1p, [-0.9, 20], [], true],
  ['expm1', tn.expm1, [-5, 5], [], true],
  ['sin', tn.sin, [-10, 10], [], true],
  ['cos', tn.cos, [-10, 10], [], true],
  ['floor', tn.floor, [-5, 5], [], false],
  ['ceil', tn.ceil, [-5, 5], [], false],
  ['round', tn.round, [-5, 5], [], false],
  ['sign', tn.sign, [-5, 5], [0], false],
];

function expectReference(name: string, f: Unary, x: tn.Tensor, rtol = 2e-6 * 50, atol = 1e-6): void {
  const ref = unaryReference[name];
  const expected = Array.from(x.data(), (v) => Math.fround(ref(v, 0)));
  expectClose(f(x), { shape: x.shape, data: expected }, rtol, atol, `${name}`);
}

describe('unary maps: values', () => {
  const lengths = [1, 3, 8, 13, 16, 17, 40];
  for (const [name, f, [lo, hi], avoid] of maps) {
    it(`${name} matches float64 on lengths ${lengths.join(', ')} and on the parallel path`, () => {
      for (const n of lengths) expectReference(name, f, randomTensor([n], n + 100, lo, hi, avoid, 1e-3));
      expectReference(name, f, randomTensor([50003], 9, lo, hi, avoid, 1e-3));
    });
  }

  it('keeps the shape of rank-0 and empty tensors', () => {
    expect(tn.exp(tn.scalar(0)).shape).toEqual([]);
    expect(tn.exp(tn.scalar(0)).item()).toBe(1);
    expect(tn.sqrt(tn.zeros([0, 3])).shape).toEqual([0, 3]);
  });

  it('exp and log follow IEEE limits: overflow, underflow, 0, negatives and subnormals', () => {
    const e = tn.exp([100, 89, -104, -200, 88, -87]).data();
    expect(e[0]).toBe(Infinity);
    expect(e[1]).toBe(Infinity);
    expect(e[2]).toBeLessThan(1e-44);
    expect(e[3]).toBe(0);
    expect(Math.abs(e[4] / Math.exp(88) - 1)).toBeLessThan(1e-5);
    expect(Math.abs(e[5] / Math.exp(-87) - 1)).toBeLessThan(1e-5);
    const l = tn.log([0, -1, Infinity, 1e-40, 1, Math.E]).data();
    expect(l[0]).toBe(-Infinity);
    expect(Number.isNaN(l[1])).toBe(true);
    expect(l[2]).toBe(Infinity);
    expect(Math.abs(l[3] - Math.log(Math.fround(1e-40)))).toBeLessThan(1e-4);
    expect(l[4]).toBe(0);
    expect(l[5]).toBeCloseTo(1, 6);
    expect(Number.isNaN(tn.sqrt([-1]).item())).toBe(true);
    expect(tn.log1p([1e-10]).item()).toBeCloseTo(1e-10, 15);
    expect(tn.expm1([1e-10]).item()).toBeCloseTo(1e-10, 15);
  });

  it('rounds half to even', () => {
    expect(Array.from(tn.round([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, -2.6]).data())).toEqual([0, 2, 2, -0, -2, 2, -3]);
  });

  it('propagates NaN through every map', () => {
    for (const [name, f] of maps) expect(Number.isNaN(f(tn.tensor([NaN])).item()), name).toBe(true);
  });
});

describe('unary maps: int32', () => {
  const ints = tn.tensor([-3, 0, 2, 7], undefined, 'int32');
  it('neg, abs, square and sign keep int32', () => {
    for (const [f, want] of [
      [tn.neg, [3, 0, -2, -7]],
      [tn.abs, [3, 0, 2, 7]],
      [tn.square, [9, 0, 4, 49]],
      [tn.sign, [-1, 0, 1, 1]],
    ] as [Unary, number[]][]) {
      const y = f(ints);
      expect(y.dtype).toBe('int32');
      expect(Array.from(y.data())).toEqual(want);
    }
  });
  it('maps on real numbers return float32', () => {
    const y = tn.sqrt(tn.tensor([4, 9], undefined, 'int32'));
    expect(y.dtype).toBe('float32');
    expect(Array.from(y.data())).toEqual([2, 3]);
  });
});

describe('unary maps: gradients', () => {
  for (const [name, f, [lo, hi], avoid, differentiable] of maps) {
    if (differentiable) {
      it(`${name} matches finite differences`, () => {
        const range: [number, number] = name === 'exp' ? [-3, 3] : name === 'log' || name === 'sqrt' || name === 'rsqrt' ? [0.3, 5] : name === 'log1p' ? [-0.7, 4] : [lo, hi];
        for (const shape of [[1], [2, 9], [17]]) {
          gradCheck(f, [randomTensor(shape, shape[0] * 7 + 1, range[0], range[1], avoid, 0.1)]);
        }
      });
    } else {
      it(`${name} has a zero gradient`, () => {
        const g = tn.grad(f)(randomTensor([19], 5, lo, hi, [0, 0.5, 1.5, -0.5, -1.5], 0.05));
        expect(Array.from(g.data()).every((v) => v === 0)).toBe(true);
      });
    }
  }
});
