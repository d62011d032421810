// Broadcasting binary ops, comparisons, where, clipByValue and cast: values against a float64 reference for many
// shape pairs (including size 1, empty, and lengths that are not multiples of the vector width), gradients that sum
// back over broadcast axes, int32 rules, NaN, and error messages.
import { describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { expectClose } from '../helpers/golden.js';
import { gradCheck, randomTensor } from '../helpers/gradcheck.js';

type Binary = (a: tn.TensorLike, b: tn.TensorLike) => tn.Tensor;

/** out[i] = f(a[ia], b[ib]) by numpy broadcasting, in float64. */
function broadcastReference(a: tn.Tensor, b: tn.Tensor, f: (u: number, v: number) => number): { shape: number[]; data: number[] } {
  const rank = Math.max(a.rank, b.rank);
  const pa = [...new Array(rank - a.rank).fill(1), ...a.shape];
  const pb = [...new Array(rank - b.rank).fill(1), ...b.shape];
  const shape = pa.map((d, i) => (d === 1 ? pb[i] : d));
  const av = a.data();
  const bv = b.data();
  const size = shape.reduce((p, d) => p * d, 1);
  const data: number[] = [];
  for (let i = 0; i < size; i++) {
    let rem = i;
    let ia = 0;
    let ib = 0;
    let sa = 1;
    let sb = 1;
    for (let d = rank - 1; d >= 0; d--) {
      const idx = rem % shape[d];
      rem = Math.floor(rem / shape[d]);
      if (pa[d] !== 1) ia += idx * sa;
      if (pb[d] !== 1) ib += idx * sb;
      sa *= pa[d];
      sb *= pb[d];
    }
    data.push(f(av[ia], bv[ib]));
  }
  return { shape, data };
}

const arithmetic: [string, Binary, (u: number, v: number) => number][] = [
  ['add', tn.add, (u, v) => u + v],
  ['sub', tn.sub, (u, v) => u - v],
  ['mul', tn.mul, (u, v) => u * v],
  ['div', tn.div, (u, v) => u / v],
  ['pow', tn.pow, (u, v) => Math.pow(u, v)],
  ['maximum', tn.maximum, (u, v) => Math.max(u, v)],
  ['minimum', tn.minimum, (u, v) => Math.min(u, v)],
  ['squaredDifference', tn.squaredDifference, (u, v) => (u - v) * (u - v)],
];

const shapePairs: [number[], number[]][] = [
  [[1], [1]],
  [[], [17]],
  [[17], []],
  [[3, 5], [5]],
  [[3, 1], [1, 4]],
  [[2, 1, 5], [3, 1]],
  [[2, 3, 4], [2, 1, 4]],
  [[4, 1], [4, 33]],
  [[1, 9, 1], [2, 1, 16]],
  [[2, 3, 17], [2, 3, 17]],
  [[0, 3], [3]],
  [[5, 7, 1, 3], [1, 7, 2, 1]],
];

describe('binary arithmetic: values with broadcasting', () => {
  for (const [name, f, ref] of arithmetic) {
    it(`${name} over ${shapePairs.length} shape pairs`, () => {
      for (const [sa, sb] of shapePairs) {
        // pow needs a positive base for real results.
        const a = randomTensor(sa, sa.length * 13 + 1, name === 'pow' ? 0.1 : -3, 3);
        const b = randomTensor(sb, sb.length * 17 + 2, -3, 3, name === 'div' ? [0] : [], 0.1);
        const want = broadcastReference(a, b, (u, v) => Math.fround(ref(u, v)));
        expectClose(f(a, b), want, 1e-5, 1e-6, `${name} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`);
      }
    });
  }

  it('the parallel path gives the same values (large operands, broadcast rows and columns)', () => {
    const a = randomTensor([300, 257], 1);
    const row = randomTensor([257], 2);
    const col = randomTensor([300, 1], 3);
    for (const [name, f, ref] of arithmetic) {
      if (name === 'pow') continue;
      expectClose(f(a, row), broadcastReference(a, row, (u, v) => Math.fround(ref(u, v))), 1e-5, 1e-6, `${name} row`);
      expectClose(f(col, a), broadcastReference(col, a, (u, v) => Math.fround(ref(u, v))), 1e-5, 1e-6, `${name} col`);
    }
  });

  it('accepts numbers and nested arrays as operands', () => {
    expect(tn.add([1, 2], 1).array()).toEqual([2, 3]);
    expect(tn.mul(2, [[1], [2]]).array()).toEqual([[2], [4]]);
    expect(tn.tensor([1, 2]).add(3).sub([1, 1]).mul(2).div(4).array()).toEqual([1.5, 2]);
  });

  it('propagates NaN, and maximum/minimum return NaN when either side is NaN', () => {
    for (const [name, f] of arithmetic) {
      const y = f([NaN, 1, 2], [1, NaN, 2]).data();
      expect(Number.isNaN(y[0]), `${name}(NaN, 1)`).toBe(true);
      if (name !== 'pow') expect(Number.isNaN(y[1]), `${name}(1, NaN)`).toBe(true);
    }
    // pow(1, NaN) is 1 in IEEE and numpy.
    expect(tn.pow([1], [NaN]).item()).toBe(1);
  });

  it('follows IEEE division: x/0 is infinite, 0/0 is NaN', () => {
    expect(Array.from(tn.div([1, -1, 0], [0, 0, 0]).data())).toEqual([Infinity, -Infinity, NaN]);
  });

  it('pow handles negative bases with integer exponents and zero exponents', () => {
    expect(Array.from(tn.pow([-2, -2, 0, 5], [3, 2, 0, 0]).data())).toEqual([-8, 4, 1, 1]);
    expect(Number.isNaN(tn.pow([-2], [0.5]).item())).toBe(true);
  });
});

describe('binary arithmetic: int32', () => {
  const a = tn.tensor([[7, -3, 0]], undefined, 'int32');
  const b = tn.tensor([[2], [-5]], undefined, 'int32');
  it('add, sub, mul, maximum, minimum and squaredDifference of two int32 tensors stay int32', () => {
    for (const [name, f, ref] of arithmetic) {
      if (name === 'div' || name === 'pow') continue;
      const y = f(a, b);
      expect(y.dtype, name).toBe('int32');
      expect(Array.from(y.data()), name).toEqual(broadcastReference(a, b, (u, v) => ref(u, v) | 0).data);
    }
  });
  it('int32 arithmetic wraps around like TensorFlow', () => {
    const big = tn.tensor([2147483647], undefined, 'int32');
    expect(tn.add(big, tn.tensor([1], undefined, 'int32')).item()).toBe(-2147483648);
    expect(tn.mul(big, tn.tensor([2], undefined, 'int32')).item()).toBe(-2);
  });
  it('div and pow of int32 tensors give float32, and mixing with float32 gives float32', () => {
    expect(tn.div(a, b).dtype).toBe('float32');
    expect(Array.from(tn.div(tn.tensor([7], undefined, 'int32'), tn.tensor([2], undefined, 'int32')).data())).toEqual([3.5]);
    expect(tn.pow(a, b).dtype).toBe('float32');
    expect(tn.add(a, tn.tensor([0.5])).dtype).toBe('float32');
    expect(Array.from(tn.add(a, tn.tensor([0.5])).data())).toEqual([7.5, -2.5, 0.5]);
  });
});

describe('binary arithmetic: gradients', () => {
  const gradShapes: [number[], number[]][] = [
    [[1], [1]],
    [[3, 5], [5]],
    [[3, 1], [1, 4]],
    [[2, 1, 5], [3, 1]],
    [[], [2, 9]],
    [[17], [17]],
  ];
  for (const [name, f] of arithmetic) {
    it(`${name} matches finite differences, summing over broadcast axes`, () => {
      for (const [sa, sb] of gradShapes) {
        let a: tn.Tensor;
        let b: tn.Tensor;
        if (name === 'pow') {
          a = randomTensor(sa, 3, 0.5, 2);
          b = randomTensor(sb, 4, -2, 2);
        } else if (name === 'maximum' || name === 'minimum') {
          // Ties are kinks: keep the operands apart.
          a = randomTensor(sa, 5, 0.2, 1);
          b = randomTensor(sb, 6, -1, -0.2);
          if (sa.length % 2 === 0) a = tn.neg(a);
        } else {
          a = randomTensor(sa, 7);
          b = randomTensor(sb, 8, -2, 2, name === 'div' ? [0] : [], 0.3);
        }
        // maximum and minimum are piecewise linear: a small step stays on one piece, and costs no truncation error.
        gradCheck((x, y) => f(x, y), [a, b], name === 'maximum' || name === 'minimum' ? { eps: 1e-3 } : {});
      }
    });
  }

  it('maximum and minimum send the gradient of a tie to the first operand', () => {
    const [ga, gb] = tn.grads((x, y) => tn.maximum(x, y))([[1, 2], [1, 3]]);
    expect(Array.from(ga.data())).toEqual([1, 0]);
    expect(Array.from(gb.data())).toEqual([0, 1]);
    const [ha, hb] = tn.grads((x, y) => tn.minimum(x, y))([[1, 2], [1, 3]]);
    expect(Array.from(ha.data())).toEqual([1, 1]);
    expect(Array.from(hb.data())).toEqual([0, 0]);
  });

  it('pow: the exponent gradient is 0 where the base is not positive', () => {
    const [, gb] = tn.grads((x, y) => tn.pow(x, y))([[0, -2, 2], [2, 2, 2]]);
    const g = gb.data();
    expect(g[0]).toBe(0);
    expect(g[1]).toBe(0);
    expect(g[2]).toBeCloseTo(4 * Math.log(2), 5);
  });
});

describe('comparisons and logical ops', () => {
  const comparisons: [string, Binary, (u: number, v: number) => boolean][] = [
    ['equal', tn.equal, (u, v) => u === v],
    ['notEqual', tn.notEqual, (u, v) => u !== v],
    ['greater', tn.greater, (u, v) => u > v],
    ['greaterEqual', tn.greaterEqual, (u, v) => u >= v],
    ['less', tn.less, (u, v) => u < v],
    ['lessEqual', tn.lessEqual, (u, v) => u <= v],
  ];
  for (const [name, f, ref] of comparisons) {
    it(`${name} gives int32 0/1 with broadcasting, and NaN compares unequal`, () => {
      const a = tn.tensor([[1, 2, NaN], [3, 2, 1]]);
      const b = tn.tensor([2, 2, NaN]);
      const y = f(a, b);
      expect(y.dtype).toBe('int32');
      expect(Array.from(y.data())).toEqual(broadcastReference(a, b, (u, v) => (ref(u, v) ? 1 : 0)).data);
      const ia = tn.tensor([1, 5], undefined, 'int32');
      expect(f(ia, 5).dtype).toBe('int32');
      expect(Array.from(f(ia, 5).data())).toEqual([ref(1, 5) ? 1 : 0, ref(5, 5) ? 1 : 0]);
      for (const [sa, sb] of shapePairs) {
        const p = randomTensor(sa, 1, -1, 1);
        const q = randomTensor(sb, 2, -1, 1);
        expect(Array.from(f(p, q).data())).toEqual(broadcastReference(p, q, (u, v) => (ref(u, v) ? 1 : 0)).data);
      }
    });
  }

  it('comparisons are not differentiable: gradients through them are zero', () => {
    const g = tn.grad((x) => tn.mul(x, tn.cast(tn.greater(x, 0), 'float32')))([-1, 2]);
    expect(Array.from(g.data())).toEqual([0, 1]);
  });

  it('logicalAnd, logicalOr, logicalNot and isNaN', () => {
    expect(Array.from(tn.logicalAnd([0, 1, 1, 0], [0, 0, 1, 1]).data())).toEqual([0, 0, 1, 0]);
    expect(Array.from(tn.logicalOr([0, 1, 1, 0], [0, 0, 1, 1]).data())).toEqual([0, 1, 1, 1]);
    expect(Array.from(tn.logicalNot([0, 2, -1]).data())).toEqual([1, 0, 0]);
    expect(Array.from(tn.isNaN([NaN, 0, Infinity]).data())).toEqual([1, 0, 0]);
  });
});

describe('where', () => {
  it('picks a where the condition is non-zero, else b, broadcasting all three', () => {
    const c = tn.tensor([[1], [0]], undefined, 'int32');
    const a = tn.tensor([1, 2, 3]);
    const b = tn.tensor(-1);
    expect(tn.where(c, a, b).array()).toEqual([[1, 2, 3], [-1, -1, -1]]);
    const d = tn.where(tn.tensor([0, 1, 0, 1]), tn.tensor([1, 2, 3, 4], undefined, 'int32'), tn.tensor([5, 6, 7, 8], undefined, 'int32'));
    expect(d.dtype).toBe('int32');
    expect(Array.from(d.data())).toEqual([5, 2, 7, 4]);
  });

  it('is differentiable in both branches, summing over broadcast axes', () => {
    const c = tn.tensor([[1, 0, 1], [0, 0, 1]]);
    gradCheck((a, b) => tn.where(c, a, b), [randomTensor([2, 3], 1), randomTensor([3], 2)]);
    gradCheck((a, b) => tn.where(c, a, b), [randomTensor([1, 3], 3), randomTensor([2, 1], 4)]);
    const [ga, gb] = tn.grads((a, b) => tn.where(c, a, b))([tn.ones([2, 3]), tn.ones([3])]);
    expect(ga.array()).toEqual([[1, 0, 1], [0, 0, 1]]);
    expect(gb.array()).toEqual([1, 2, 0]);
  });

  it('rejects shapes that do not broadcast, naming the op', () => {
    expect(() => tn.where([1, 0], [1, 2, 3], 0)).toThrow('where: shapes [2] and [3] cannot be broadcast together');
  });
});

describe('clipByValue', () => {
  it('limits values, keeps NaN, and passes the gradient only inside the range', () => {
    const x = randomTensor([37], 5, -3, 3, [-1, 1], 0.05);
    const want = Array.from(x.data(), (v) => Math.min(1, Math.max(-1, v)));
    expectClose(tn.clipByValue(x, -1, 1), { shape: [37], data: want }, 0, 0);
    expect(Number.isNaN(tn.clipByValue([NaN], 0, 1).item())).toBe(true);
    gradCheck((t) => tn.clipByValue(t, -1, 1), [x]);
    const g = tn.grad((t) => tn.clipByValue(t, -1, 1))([-2, 0, 2]);
    expect(Array.from(g.data())).toEqual([0, 1, 0]);
  });
  it('rejects min > max', () => {
    expect(() => tn.clipByValue([1], 2, 1)).toThrow('clipByValue: clipValueMin (2) must be a number no larger than clipValueMax (1)');
  });
});

describe('cast', () => {
  it('float32 to int32 truncates toward zero and maps NaN to 0; int32 to float32 is exact', () => {
    const y = tn.cast([1.7, -1.7, 0.5, NaN, -0], 'int32');
    expect(y.dtype).toBe('int32');
    expect(Array.from(y.data())).toEqual([1, -1, 0, 0, 0]);
    const z = tn.cast(tn.tensor([1, -2, 16777217], undefined, 'int32'), 'float32');
    expect(z.dtype).toBe('float32');
    expect(Array.from(z.data())).toEqual([1, -2, 16777216]);
  });
  it('rejects an unknown dtype', () => {
    expect(() => tn.cast([1], 'float64' as 'float32')).toThrow(`cast: unknown dtype "float64"; expected 'float32' or 'int32'`);
  });
});

describe('binary ops: errors', () => {
  it('name the op and both shapes when shapes do not broadcast', () => {
    for (const [name, f] of arithmetic) {
      expect(() => f(tn.zeros([2, 3]), tn.zeros([4]))).toThrow(`${name}: shapes [2,3] and [4] cannot be broadcast together`);
    }
    expect(() => tn.equal(tn.zeros([2]), tn.zeros([3]))).toThrow('equal: shapes [2] and [3] cannot be broadcast together');
  });
  it('name the op when an operand is not a tensor', () => {
    expect(() => tn.add(undefined as unknown as number, 1)).toThrow('add: expected a tensor, received undefined');
  });
});
