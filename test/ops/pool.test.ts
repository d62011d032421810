// maxPool2d and avgPool2d on NHWC input: golden values and gradients, a float64 reference over pool sizes,
// strides and 'valid'/'same' padding ('same' never lets padding win a max or count in an average), finite
// differences, NaN and errors.
import { describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { expectClose, goldenCases, toTensor } from '../helpers/golden.js';
import { distinctTensor, gradCheck, randomTensor } from '../helpers/gradcheck.js';

type Pair = [number, number];

function poolReference(isMax: boolean, x: tn.Tensor, size: Pair, strides: Pair, padding: 'valid' | 'same') {
  const [n, h, w, c] = x.shape;
  const geom = (len: number, win: number, s: number): [number, number] => {
    if (padding === 'valid') return [Math.floor((len - win) / s) + 1, 0];
    const out = Math.ceil(len / s);
    return [out, Math.floor(Math.max((out - 1) * s + win - len, 0) / 2)];
  };
  const [oh, pt] = geom(h, size[0], strides[0]);
  const [ow, pl] = geom(w, size[1], strides[1]);
  const v = x.data();
  const out: number[] = [];
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let ch = 0; ch < c; ch++) {
          const vals: number[] = [];
          for (let p = 0; p < size[0]; p++)
            for (let q = 0; q < size[1]; q++) {
              const y = i * strides[0] - pt + p;
              const z = j * strides[1] - pl + q;
              if (y >= 0 && y < h && z >= 0 && z < w) vals.push(v[((b * h + y) * w + z) * c + ch]);
            }
          out.push(isMax ? (vals.some(Number.isNaN) ? NaN : Math.max(...vals)) : vals.reduce((s, t) => s + t, 0) / vals.length);
        }
  return { shape: [n, oh, ow, c], data: out };
}

const pools: [string, boolean, typeof tn.maxPool2d][] = [
  ['maxPool2d', true, tn.maxPool2d],
  ['avgPool2d', false, tn.avgPool2d],
];

describe('pooling: golden values', () => {
  for (const c of goldenCases('pool2d')) {
    it(`${c.name}: forward and gradient`, () => {
      const f = c.op === 'maxPool2d' ? tn.maxPool2d : tn.avgPool2d;
      const size = c.attrs.poolSize as Pair;
      const strides = c.attrs.strides as Pair;
      const padding = c.attrs.padding as 'valid' | 'same';
      const x = toTensor(c.inputs.x);
      expectClose(f(x, size, strides, padding), c.outputs.y, 1e-4, 1e-5, 'y');
      expectClose(tn.grad((t) => f(t, size, strides, padding))(x, toTensor(c.upstream)), c.grads.x, 1e-4, 1e-5, 'dx');
    });
  }
});

const geometries: [number[], Pair, Pair, 'valid' | 'same'][] = [
  [[1, 1, 1, 1], [1, 1], [1, 1], 'valid'],
  [[2, 5, 7, 3], [2, 2], [2, 2], 'same'],
  [[1, 6, 6, 17], [3, 3], [1, 1], 'same'],
  [[1, 7, 9, 2], [3, 2], [2, 3], 'valid'],
  [[2, 8, 8, 16], [2, 3], [1, 2], 'same'],
  [[1, 4, 4, 1], [4, 4], [4, 4], 'valid'],
  [[1, 5, 3, 5], [5, 3], [1, 1], 'same'],
  [[1, 5, 5, 2], [1, 1], [3, 3], 'same'],
];

describe('pooling: values and gradients on odd geometries', () => {
  for (const [name, isMax, f] of pools) {
    for (const [xs, size, strides, padding] of geometries) {
      it(`${name} x ${JSON.stringify(xs)} pool ${size} strides ${strides} ${padding}`, () => {
        // Values at least 6 / size apart: max pooling has a kink where two window entries tie, and the step (1e-3 of
        // the input's scale, 4 steps wide) stays inside that gap.
        const x = distinctTensor(xs, xs.reduce((p, d) => p * 3 + d, 1), -3, 3);
        expectClose(f(x, size, strides, padding), poolReference(isMax, x, size, strides, padding), 1e-5, 1e-6);
        // Max pooling is piecewise linear: a small step stays on one piece (average pooling is linear).
        gradCheck((t) => f(t, size, strides, padding), [x], { maxPoints: 48, eps: isMax ? 1e-3 : 1e-2 });
      });
    }

    it(`${name}: strides default to the pool size, and an unbatched [h, w, c] input works`, () => {
      const x = randomTensor([6, 6, 2], 3);
      const y = f(x, 3);
      expect(y.shape).toEqual([2, 2, 2]);
      expectClose(y, { shape: [2, 2, 2], data: poolReference(isMax, tn.reshape(x, [1, 6, 6, 2]), [3, 3], [3, 3], 'valid').data }, 1e-5, 1e-6);
    });

    it(`${name}: a large input on the threaded path`, () => {
      const x = randomTensor([4, 33, 31, 19], 4);
      expectClose(f(x, [3, 3], [2, 2], 'same'), poolReference(isMax, x, [3, 3], [2, 2], 'same'), 1e-5, 1e-6);
    });

    it(`${name} propagates NaN to the windows that contain it`, () => {
      const x = tn.tensor([1, NaN, 3, 4, 5, 6, 7, 8], [1, 1, 8, 1]);
      const y = f(x, [1, 2], [1, 2], 'valid').data();
      expect(Array.from(y, Number.isNaN)).toEqual([true, false, false, false]);
    });
  }

  it("'same' max pooling never lets the padding win, even for all-negative inputs", () => {
    const x = tn.fill([1, 3, 3, 1], -5);
    expect(Array.from(tn.maxPool2d(x, 2, 2, 'same').data())).toEqual([-5, -5, -5, -5]);
  });

  it("'same' average pooling divides by the cells inside the input", () => {
    const x = tn.ones([1, 3, 3, 1]);
    expect(Array.from(tn.avgPool2d(x, 2, 2, 'same').data())).toEqual([1, 1, 1, 1]);
  });

  it('max pooling routes the gradient of a tie to one position only', () => {
    const g = tn.grad((t) => tn.maxPool2d(t, 2, 2))(tn.ones([1, 2, 2, 1]));
    expect(Array.from(g.data()).reduce((s, v) => s + v, 0)).toBe(1);
    expect(Array.from(g.data()).filter((v) => v !== 0).length).toBe(1);
  });
});

describe('pooling: errors', () => {
  for (const [name, , f] of pools) {
    it(`${name} names the op and the shape`, () => {
      expect(() => f(tn.zeros([5, 5]), 2)).toThrow(`${name}: input must have rank 4 [batch, height, width, channels], received shape [5,5]`);
      expect(() => f(tn.zeros([1, 2, 2, 1]), 3)).toThrow(
        `${name}: the pool window 3x3 does not fit in the 2x2 input with 'valid' padding (input shape [1,2,2,1])`,
      );
      expect(() => f(tn.zeros([2, 2, 1]), 3)).toThrow(
        `${name}: the pool window 3x3 does not fit in the 2x2 input with 'valid' padding (input shape [2,2,1])`,
      );
      expect(() => f(tn.zeros([1, 4, 4, 1]), 0)).toThrow(`${name}: poolSize must be a positive integer or a pair of them, received 0`);
      expect(() => f(tn.zeros([1, 4, 4, 1]), 2, [1, -1] as Pair)).toThrow(`${name}: strides must be a positive integer or a pair of them, received [1,-1]`);
      expect(() => f(tn.zeros([1, 4, 4, 1]), 2, 2, 'causal' as 'same')).toThrow(`${name}: padding must be 'valid' or 'same', received "causal"`);
    });
  }
});

describe('pooling: int32', () => {
  it('int32 input is pooled as float32 (averages are not truncated)', () => {
    const x = tn.tensor([1, 2, 3, 6], [1, 2, 2, 1], 'int32');
    expect(tn.maxPool2d(x, 2).dtype).toBe('float32');
    expect(tn.maxPool2d(x, 2).item()).toBe(6);
    expect(tn.avgPool2d(x, 2).item()).toBe(3);
    expect(tn.avgPool2d(tn.tensor([1, 2], [1, 1, 2, 1], 'int32'), [1, 2]).item()).toBe(1.5);
  });
});
