// Reductions (sum, mean, max, min, logSumExp) over any axes with keepDims, argMax/argMin, softmax and logSoftmax:
// golden values, a float64 reference over every axis subset, int32 rules, NaN, gradients and errors.
import { describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { softmaxLogits } from '../../lib/ops/reduce.js';
import { expectClose, goldenCases, toTensor } from '../helpers/golden.js';
import { gradCheck, randomTensor } from '../helpers/gradcheck.js';

type Reduce = (x: tn.TensorLike, axis?: number | number[] | null, keepDims?: boolean) => tn.Tensor;

/** Reduces `x` over `axes` in float64 with `f` applied to each group of values. */
function reduceReference(x: tn.Tensor, axes: number[], keepDims: boolean, f: (vals: number[]) => number) {
  const shape = x.shape;
  const rank = shape.length;
  const ax = axes.map((a) => (a < 0 ? a + rank : a));
  const kept = shape.map((d, i) => (ax.includes(i) ? 1 : d));
  const outShape = keepDims ? kept : shape.filter((_, i) => !ax.includes(i));
  const outSize = kept.reduce((p, d) => p * d, 1);
  const groups: number[][] = Array.from({ length: outSize }, () => []);
  const v = x.data();
  for (let i = 0; i < v.length; i++) {
    let rem = i;
    let o = 0;
    let stride = 1;
    for (let d = rank - 1; d >= 0; d--) {
      const idx = rem % shape[d];
      rem = Math.floor(rem / shape[d]);
      if (!ax.includes(d)) o += idx * stride;
      stride *= kept[d];
    }
    groups[o].push(v[i]);
  }
  return { shape: outShape, data: groups.map(f) };
}

const lse = (v: number[]) => {
  const m = Math.max(...v);
  if (!Number.isFinite(m)) return m;
  return m + Math.log(v.reduce((s, x) => s + Math.exp(x - m), 0));
};

const reductions: [string, Reduce, (v: number[]) => number][] = [
  ['sum', tn.sum, (v) => v.reduce((s, x) => s + x, 0)],
  ['mean', tn.mean, (v) => v.reduce((s, x) => s + x, 0) / v.length],
  ['max', tn.max, (v) => Math.max(...v)],
  ['min', tn.min, (v) => Math.min(...v)],
  ['logSumExp', tn.logSumExp, lse],
];

function allAxisSubsets(rank: number): number[][] {
  const out: number[][] = [];
  for (let mask = 1; mask < 1 << rank; mask++) out.push([...Array(rank).keys()].filter((i) => mask & (1 << i)));
  return out;
}

describe('reductions: values', () => {
  for (const [name, f, ref] of reductions) {
    it(`${name} over every subset of axes, with and without keepDims`, () => {
      for (const shape of [[3, 5], [2, 3, 17], [4, 1, 9], [1], [2, 3, 2, 5]]) {
        const x = randomTensor(shape, shape.length * 3 + shape[0]);
        for (const axes of allAxisSubsets(shape.length)) {
          for (const keepDims of [false, true]) {
            expectClose(f(x, axes, keepDims), reduceReference(x, axes, keepDims, ref), 1e-5, 1e-5, `${name} ${JSON.stringify(shape)} axes ${JSON.stringify(axes)} keepDims ${keepDims}`);
          }
        }
      }
    });

    it(`${name}: all axes by default, negative axes, a single number, long rows and the parallel path`, () => {
      const x = randomTensor([3, 4, 5], 11);
      expectClose(f(x), reduceReference(x, [0, 1, 2], false, ref), 1e-5, 1e-5, 'default');
      expect(f(x).shape).toEqual([]);
      expect(f(x, null, true).shape).toEqual([1, 1, 1]);
      expectClose(f(x, -1), reduceReference(x, [2], false, ref), 1e-5, 1e-5, 'axis -1');
      expectClose(f(x, [-3, -1]), reduceReference(x, [0, 2], false, ref), 1e-5, 1e-5, 'axes -3, -1');
      const long = randomTensor([3, 1001], 12);
      expectClose(f(long, 1), reduceReference(long, [1], false, ref), 1e-5, 1e-4, 'rows of 1001');
      const big = randomTensor([257, 300], 13);
      expectClose(f(big, 0), reduceReference(big, [0], false, ref), 1e-5, 1e-4, 'parallel, axis 0');
      expectClose(f(big, 1), reduceReference(big, [1], false, ref), 1e-5, 1e-4, 'parallel, axis 1');
    });

    it(`${name} propagates NaN`, () => {
      const y = f(tn.tensor([[1, NaN, 3], [1, 2, 3]]), 1).data();
      expect(Number.isNaN(y[0])).toBe(true);
      expect(Number.isNaN(y[1])).toBe(false);
    });
  }

  it('sum of an empty axis is 0 and mean is NaN; max and min of an empty axis are errors', () => {
    expect(Array.from(tn.sum(tn.zeros([2, 0]), 1).data())).toEqual([0, 0]);
    expect(Number.isNaN(tn.mean(tn.zeros([0])).item())).toBe(true);
    expect(() => tn.max(tn.zeros([2, 0]), 1)).toThrow('max: cannot reduce over an empty axis (shape [2,0], axes [1])');
    expect(() => tn.min(tn.zeros([0]))).toThrow('min: cannot reduce over an empty axis (shape [0], axes [0])');
  });

  it('a rank-0 tensor reduces to itself', () => {
    for (const [, f] of reductions) expect(f(tn.scalar(2.5)).item()).toBeCloseTo(2.5, 6);
  });

  it('logSumExp does not overflow for large logits and gives -Infinity for an all -Infinity row', () => {
    expect(tn.logSumExp([1000, 1000]).item()).toBeCloseTo(1000 + Math.log(2), 3);
    expect(tn.logSumExp([-1000, -1000]).item()).toBeCloseTo(-1000 + Math.log(2), 3);
    expect(tn.logSumExp([-Infinity, -Infinity]).item()).toBe(-Infinity);
    expect(tn.logSumExp([Infinity, 1]).item()).toBe(Infinity);
  });
});

describe('reductions: int32', () => {
  const x = tn.tensor([[1, -7, 3], [4, 5, 2147483647]], undefined, 'int32');
  it('sum, max and min of int32 stay int32 (sum wraps like TensorFlow)', () => {
    for (const [f, axis, want] of [
      [tn.sum, 1, [-3, -2147483640]],
      [tn.max, 0, [4, 5, 2147483647]],
      [tn.min, 1, [-7, 4]],
      [tn.max, null, [2147483647]],
    ] as [Reduce, number | null, number[]][]) {
      const y = f(x, axis);
      expect(y.dtype).toBe('int32');
      expect(Array.from(y.data())).toEqual(want);
    }
  });
  it('mean of int32 gives float32', () => {
    const y = tn.mean(tn.tensor([1, 2], undefined, 'int32'));
    expect(y.dtype).toBe('float32');
    expect(y.item()).toBe(1.5);
  });
  it('argMax and argMin give int32 indices', () => {
    expect(tn.argMax(x, 1).dtype).toBe('int32');
    expect(Array.from(tn.argMax(x, 1).data())).toEqual([2, 2]);
    expect(Array.from(tn.argMin(x, 0).data())).toEqual([0, 0, 0]);
  });
});

describe('reductions: gradients', () => {
  for (const [name, f] of reductions) {
    it(`${name} matches finite differences over several axis sets`, () => {
      // Distinct values keep max/min away from ties (where the function has a kink).
      for (const [shape, axes] of [[[3, 5], [1]], [[2, 3, 17], [0, 2]], [[4, 1, 9], [0]], [[1], [0]], [[2, 3, 4], [0, 1, 2]]] as [number[], number[]][]) {
        // max and min are piecewise linear: a small step stays on one piece, and costs no truncation error.
        const options = name === 'max' || name === 'min' ? { eps: 1e-3 } : {};
        gradCheck((x) => f(x, axes), [randomTensor(shape, shape[0] * 5 + axes.length)], options);
        gradCheck((x) => f(x, axes, true), [randomTensor(shape, shape[0] * 7 + 3)], options);
      }
    });
  }

  it('max and min share the gradient equally between tied extrema', () => {
    const g = tn.grad((x) => tn.max(x, 1))([[1, 3, 3], [2, 0, 1]]);
    expect(g.array()).toEqual([[0, 0.5, 0.5], [1, 0, 0]]);
    const h = tn.grad((x) => tn.min(x))([[1, 1], [2, 1]]);
    expect(Array.from(h.data()).map((v) => Math.fround(v))).toEqual([1 / 3, 1 / 3, 0, 1 / 3].map(Math.fround));
  });
});

describe('argMax and argMin', () => {
  it('find the first extreme along an axis (default 0), negative axes included', () => {
    const x = randomTensor([4, 17, 3], 4);
    const v = x.data();
    for (const axis of [0, 1, 2, -1]) {
      const a = axis < 0 ? axis + 3 : axis;
      const am = reduceReference(x, [a], false, (vals) => vals.indexOf(Math.max(...vals)));
      const an = reduceReference(x, [a], false, (vals) => vals.indexOf(Math.min(...vals)));
      expect(Array.from(tn.argMax(x, axis).data())).toEqual(am.data);
      expect(Array.from(tn.argMin(x, axis).data())).toEqual(an.data);
      expect(tn.argMax(x, axis).shape).toEqual(am.shape);
    }
    expect(Array.from(tn.argMax(tn.tensor([[1, 5], [3, 2]])).data())).toEqual([1, 0]);
    expect(v.length).toBe(204);
  });
  it('pick the first of tied values, and NaN wins as in numpy', () => {
    expect(tn.argMax([1, 3, 3]).item()).toBe(1);
    expect(tn.argMin([2, 1, 1]).item()).toBe(1);
    expect(tn.argMax([1, NaN, 3]).item()).toBe(1);
    expect(tn.argMin([1, 0, NaN]).item()).toBe(2);
  });
  it('reject scalars, empty axes and bad axes', () => {
    expect(() => tn.argMax(tn.scalar(1))).toThrow('argMax: needs a tensor of rank at least 1, received a scalar');
    expect(() => tn.argMin(tn.zeros([2, 0]), 1)).toThrow('argMin: axis 1 of shape [2,0] is empty');
    expect(() => tn.argMax(tn.zeros([2, 3]), 2)).toThrow('argMax: axis 2 is out of range for a tensor of rank 2 (valid: -2 to 1)');
  });
});

describe('softmax and logSoftmax', () => {
  const cases = goldenCases('activations').filter((c) => c.op === 'softmax' || c.op === 'logSoftmax');
  for (const c of cases) {
    it(`golden ${c.name}: forward and gradient`, () => {
      const f = c.op === 'softmax' ? (x: tn.Tensor) => tn.softmax(x) : (x: tn.Tensor) => tn.logSoftmax(x);
      const x = toTensor(c.inputs.x);
      expectClose(f(x), c.outputs.y, 1e-4, 1e-5, 'y');
      expectClose(tn.grad(f)(x, toTensor(c.upstream)), c.grads.x, 1e-4, 1e-5, 'dx');
    });
  }

  const softmaxRef = (v: number[]) => {
    const m = Math.max(...v);
    const e = v.map((x) => Math.exp(x - m));
    const s = e.reduce((p, q) => p + q, 0);
    return e.map((x) => x / s);
  };

  it('normalise along any axis, rows of any length, on the parallel path too', () => {
    for (const [shape, axis] of [[[3, 17], -1], [[2, 5, 3], 1], [[4, 6], 0], [[1, 1], -1], [[2000, 33], 1]] as [number[], number][]) {
      const x = randomTensor(shape, shape[0] + shape.length, -5, 5);
      const y = tn.softmax(x, axis);
      const ly = tn.logSoftmax(x, axis);
      const a = axis < 0 ? axis + shape.length : axis;
      const sums = tn.sum(y, a).data();
      for (const s of sums) expect(Math.abs(s - 1)).toBeLessThan(1e-5);
      // Compare every row: gather values along the axis with the reference.
      const moved = tn.transpose(x, [...shape.keys()].filter((i) => i !== a).concat([a]));
      const rows = moved.data();
      const n = shape[a];
      const want: number[] = [];
      for (let r = 0; r < rows.length / n; r++) want.push(...softmaxRef(Array.from(rows.subarray(r * n, (r + 1) * n))));
      const got = tn.transpose(y, [...shape.keys()].filter((i) => i !== a).concat([a]));
      expectClose(got, { shape: got.shape, data: want }, 1e-5, 1e-7, `softmax ${JSON.stringify(shape)} axis ${axis}`);
      const gotLog = tn.transpose(ly, [...shape.keys()].filter((i) => i !== a).concat([a]));
      expectClose(gotLog, { shape: got.shape, data: want.map(Math.log) }, 1e-5, 1e-5, `logSoftmax ${JSON.stringify(shape)}`);
    }
  });

  it('are stable for huge logits and propagate NaN', () => {
    const y = tn.softmax([1e30, 0, -1e30]).data();
    expect(Array.from(y)).toEqual([1, 0, 0]);
    const ly = tn.logSoftmax([1000, 0]).data();
    expect(ly[0]).toBe(0);
    expect(ly[1]).toBe(-1000);
    expect(Array.from(tn.softmax([NaN, 1]).data()).every(Number.isNaN)).toBe(true);
  });

  it('match finite differences on several shapes and axes', () => {
    for (const [shape, axis] of [[[3, 7], -1], [[2, 5, 3], 1], [[4, 6], 0], [[1, 1], 0], [[2, 17], 1]] as [number[], number][]) {
      gradCheck((x) => tn.softmax(x, axis), [randomTensor(shape, 21, -3, 3)]);
      gradCheck((x) => tn.logSoftmax(x, axis), [randomTensor(shape, 22, -3, 3)]);
    }
  });

  it('reject scalars', () => {
    expect(() => tn.softmax(tn.scalar(1))).toThrow('softmax: needs a tensor of rank at least 1, received a scalar');
    expect(() => tn.logSoftmax(tn.scalar(1))).toThrow('logSoftmax: needs a tensor of rank at least 1, received a scalar');
  });
});

describe('reductions: errors', () => {
  it('name the op, the bad axis and the valid range', () => {
    expect(() => tn.sum(tn.zeros([2, 3]), 2)).toThrow('sum: axis 2 is out of range for a tensor of rank 2 (valid: -2 to 1)');
    expect(() => tn.mean(tn.zeros([2, 3]), -3)).toThrow('mean: axis -3 is out of range for a tensor of rank 2 (valid: -2 to 1)');
    expect(() => tn.max(tn.zeros([2, 3]), [0, 0])).toThrow('max: repeated axis in [0,0]');
    expect(() => tn.min(tn.zeros([2, 3]), 0.5)).toThrow('min: axis must be an integer, received 0.5');
    expect(() => tn.softmax(tn.zeros([2, 3]), 5)).toThrow('softmax: axis 5 is out of range for a tensor of rank 2 (valid: -2 to 1)');
  });
});

describe('softmax outputs keep their logits', () => {
  it('for the axis they normalised, so cross-entropy on them takes the stable logits form', () => {
    const logits = tn.tensor([[300, 0], [0, 1]]);
    const p = tn.softmax(logits);
    expect(softmaxLogits(p)).toBe(logits);
    expect(softmaxLogits(p, 1)).toBe(logits);
    expect(softmaxLogits(p, 0)).toBeNull();
    expect(softmaxLogits(tn.softmax(logits, 0))).toBeNull();
    expect(softmaxLogits(tn.logSoftmax(logits))).toBeNull();
    expect(softmaxLogits(logits)).toBeNull();
    // p[0][1] underflows to 0: through the probabilities the loss would be the clipped -log(1e-7) = 16.1.
    expect(p.data()[1]).toBe(0);
    const loss = tn.losses.categoricalCrossentropy(tn.tensor([[0, 1], [0, 1]]), p).data();
    expect(loss[0]).toBeCloseTo(300, 3);
    expect(loss[1]).toBeCloseTo(Math.log(1 + Math.E) - 1, 6);
  });
});
