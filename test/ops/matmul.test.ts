// matMul (transposes, batching, broadcasting, vectors) and the fused dense op x @ kernel + bias -> activation:
// golden values and gradients, a float64 reference on odd sizes, finite differences, NaN and errors.
import { describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { UnaryOp } from '../../lib/native.js';
import { dense } from '../../lib/ops/matmul.js';
import { expectClose, goldenCases, toTensor } from '../helpers/golden.js';
import { gradCheck, randomTensor } from '../helpers/gradcheck.js';

/** op(a) @ op(b) in float64 for rank >= 2 operands with numpy-broadcast batch axes. */
function matmulReference(a: tn.Tensor, b: tn.Tensor, ta = false, tb = false) {
  const as = a.shape;
  const bs = b.shape;
  const [ar, ac] = as.slice(-2);
  const [br, bc] = bs.slice(-2);
  const m = ta ? ac : ar;
  const k = ta ? ar : ac;
  const n = tb ? br : bc;
  const ba = as.slice(0, -2);
  const bb = bs.slice(0, -2);
  const rank = Math.max(ba.length, bb.length);
  const pa = [...new Array(rank - ba.length).fill(1), ...ba];
  const pb = [...new Array(rank - bb.length).fill(1), ...bb];
  const batch = pa.map((d, i) => (d === 1 ? pb[i] : d));
  const count = batch.reduce((p, d) => p * d, 1);
  const av = a.data();
  const bv = b.data();
  const out: number[] = [];
  for (let t = 0; t < count; t++) {
    let rem = t;
    let ia = 0;
    let ib = 0;
    let sa = 1;
    let sb = 1;
    for (let d = rank - 1; d >= 0; d--) {
      const idx = rem % batch[d];
      rem = Math.floor(rem / batch[d]);
      if (pa[d] !== 1) ia += idx * sa;
      if (pb[d] !== 1) ib += idx * sb;
      sa *= pa[d];
      sb *= pb[d];
    }
    const A = (i: number, p: number) => av[ia * ar * ac + (ta ? p * ac + i : i * ac + p)];
    const B = (p: number, j: number) => bv[ib * br * bc + (tb ? j * bc + p : p * bc + j)];
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += A(i, p) * B(p, j);
        out.push(s);
      }
    }
  }
  return { shape: [...batch, m, n], data: out };
}

describe('matMul: golden values', () => {
  for (const c of goldenCases('matmul')) {
    it(`${c.name}: forward and both gradients`, () => {
      const ta = c.attrs.transposeA as boolean;
      const tb = c.attrs.transposeB as boolean;
      const a = toTensor(c.inputs.a);
      const b = toTensor(c.inputs.b);
      expectClose(tn.matMul(a, b, ta, tb), c.outputs.y, 1e-4, 1e-5, 'y');
      const [ga, gb] = tn.grads((x, y) => tn.matMul(x, y, ta, tb))([a, b], toTensor(c.upstream));
      expectClose(ga, c.grads.a, 1e-4, 1e-5, 'da');
      expectClose(gb, c.grads.b, 1e-4, 1e-5, 'db');
    });
  }
});

describe('dense: golden values', () => {
  for (const c of goldenCases('dense')) {
    const x = toTensor(c.inputs.x);
    const kernel = toTensor(c.inputs.kernel);
    const bias = toTensor(c.inputs.bias);
    const up = toTensor(c.upstream);
    it(`${c.name} as matMul + add`, () => {
      const f = (a: tn.Tensor, k: tn.Tensor, b: tn.Tensor) => tn.add(tn.matMul(a, k), b);
      expectClose(f(x, kernel, bias), c.outputs.y, 1e-4, 1e-5, 'y');
      const [gx, gk, gb] = tn.grads(f)([x, kernel, bias], up);
      expectClose(gx, c.grads.x, 1e-4, 1e-5, 'dx');
      expectClose(gk, c.grads.kernel, 1e-4, 1e-5, 'dkernel');
      expectClose(gb, c.grads.bias, 1e-4, 1e-5, 'dbias');
    });
    it(`${c.name} as the fused dense op`, () => {
      const f = (a: tn.Tensor, k: tn.Tensor, b: tn.Tensor) => dense(a, k, b);
      expectClose(f(x, kernel, bias), c.outputs.y, 1e-4, 1e-5, 'y');
      const [gx, gk, gb] = tn.grads(f)([x, kernel, bias], up);
      expectClose(gx, c.grads.x, 1e-4, 1e-5, 'dx');
      expectClose(gk, c.grads.kernel, 1e-4, 1e-5, 'dkernel');
      expectClose(gb, c.grads.bias, 1e-4, 1e-5, 'dbias');
    });
  }
});

describe('matMul: values on odd sizes', () => {
  // Sizes around the register-block and vector widths of the GEMM microkernels (and far from them).
  const sizes = [1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 33, 65];
  it('every m, n, k combination of small sizes, with each transpose', () => {
    let seed = 1;
    for (const m of [1, 3, 8, 17]) {
      for (const n of [1, 7, 16, 33]) {
        for (const k of [1, 5, 9, 31]) {
          for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
            const a = randomTensor(ta ? [k, m] : [m, k], seed++);
            const b = randomTensor(tb ? [n, k] : [k, n], seed++);
            expectClose(tn.matMul(a, b, ta, tb), matmulReference(a, b, ta, tb), 1e-4, 1e-4, `m${m} n${n} k${k} ta${ta} tb${tb}`);
          }
        }
      }
    }
  });

  it('square sizes around the block sizes', () => {
    for (const s of sizes) {
      const a = randomTensor([s, s], s);
      const b = randomTensor([s, s], s + 1000);
      expectClose(tn.matMul(a, b), matmulReference(a, b), 1e-4, 1e-4, `${s}x${s}`);
    }
  });

  it('large products that take the blocked, threaded path', () => {
    for (const [m, n, k] of [[200, 130, 300], [129, 257, 65], [1, 1000, 513], [517, 3, 700]]) {
      const a = randomTensor([m, k], m);
      const b = randomTensor([k, n], n);
      expectClose(tn.matMul(a, b), matmulReference(a, b), 1e-4, 2e-4, `${m}x${k} @ ${k}x${n}`);
      const at = tn.transpose(a);
      const bt = tn.transpose(b);
      expectClose(tn.matMul(at, bt, true, true), matmulReference(a, b), 1e-4, 2e-4, `transposed ${m}x${k} @ ${k}x${n}`);
    }
  });

  it('batched with broadcast batch axes, and rank-3 @ rank-2', () => {
    for (const [sa, sb, ta, tb] of [
      [[2, 3, 4], [2, 4, 5], false, false],
      [[3, 4, 5], [5, 2], false, false],
      [[2, 1, 3, 4], [3, 4, 6], false, false],
      [[1, 3, 4], [2, 5, 4], false, true],
      [[2, 4, 3], [4, 5], true, false],
      [[4, 3, 17], [1, 17, 9], false, false],
      [[2, 2, 3, 4], [2, 1, 4, 3], false, false],
      [[3, 4], [2, 4, 5], false, false],
      [[4, 3], [2, 5, 4], true, true],
    ] as [number[], number[], boolean, boolean][]) {
      const a = randomTensor(sa, sa.length);
      const b = randomTensor(sb, sb.length + 10);
      expectClose(tn.matMul(a, b, ta, tb), matmulReference(a, b, ta, tb), 1e-4, 1e-4, `${JSON.stringify(sa)} @ ${JSON.stringify(sb)}`);
    }
  });

  it('rank-1 operands are a row and a column vector whose axis is dropped', () => {
    const m = tn.tensor([[1, 2], [3, 4], [5, 6]]);
    expect(tn.matMul([1, 1, 1], m).array()).toEqual([9, 12]);
    expect(tn.matMul(m, [1, -1]).array()).toEqual([-1, -1, -1]);
    expect(tn.matMul([1, 2], [3, 4]).array()).toEqual(11);
    expect(tn.matMul([1, 2], [3, 4]).shape).toEqual([]);
    const batched = tn.matMul([1, 2], tn.tensor([[[1, 0, 2], [0, 1, 3]], [[1, 1, 1], [2, 2, 2]]]));
    expect(batched.array()).toEqual([[1, 2, 8], [5, 5, 5]]);
    expect(tn.matMul(tn.ones([2, 3, 4]), [1, 1, 1, 1]).array()).toEqual([[4, 4, 4], [4, 4, 4]]);
  });

  it('empty operands give zeros of the right shape', () => {
    expect(tn.matMul(tn.zeros([0, 3]), tn.zeros([3, 4])).shape).toEqual([0, 4]);
    const z = tn.matMul(tn.ones([2, 0]), tn.ones([0, 3]));
    expect(z.array()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(tn.matMul(tn.ones([2, 3, 0]), tn.ones([0, 4])).array()).toEqual([[[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]], [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]]);
  });

  it('NaN and infinity propagate into the rows and columns they touch', () => {
    const a = tn.tensor([[1, NaN], [1, 1]]);
    const y = tn.matMul(a, tn.eye(2)).data();
    expect(Number.isNaN(y[1])).toBe(true);
    expect(Array.from(y.subarray(2))).toEqual([1, 1]);
    const inf = tn.matMul(tn.tensor([[Infinity, 1]]), tn.tensor([[1], [1]])).item();
    expect(inf).toBe(Infinity);
  });
});

describe('matMul and dense: gradients', () => {
  it('match finite differences for every transpose combination and odd sizes', () => {
    for (const [m, n, k] of [[1, 1, 1], [3, 5, 4], [2, 17, 9], [9, 1, 16]]) {
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
        const a = randomTensor(ta ? [k, m] : [m, k], m * 3 + k);
        const b = randomTensor(tb ? [n, k] : [k, n], n * 5 + k);
        gradCheck((x, y) => tn.matMul(x, y, ta, tb), [a, b]);
      }
    }
  });

  it('sum over broadcast batch axes and through the rank-3 @ rank-2 fold', () => {
    gradCheck((x, y) => tn.matMul(x, y), [randomTensor([2, 1, 3, 4], 1), randomTensor([3, 4, 2], 2)]);
    gradCheck((x, y) => tn.matMul(x, y), [randomTensor([3, 2, 5], 3), randomTensor([5, 3], 4)]);
    gradCheck((x, y) => tn.matMul(x, y, true, true), [randomTensor([2, 5, 3], 5), randomTensor([4, 5], 6)]);
    gradCheck((x, y) => tn.matMul(x, y), [randomTensor([4], 7), randomTensor([4, 3], 8)]);
    gradCheck((x, y) => tn.matMul(x, y), [randomTensor([2, 4], 9), randomTensor([4], 10)]);
    gradCheck((x, y) => tn.matMul(x, y), [randomTensor([3, 4], 11), randomTensor([2, 4, 5], 12)]);
    gradCheck((x, y) => tn.matMul(x, y), [randomTensor([4], 13), randomTensor([2, 4, 3], 14)]);
  });

  it('the fused dense op with each epilogue activation matches finite differences', () => {
    const acts: [UnaryOp, number][] = [
      [UnaryOp.linear, 0], [UnaryOp.relu, 0], [UnaryOp.sigmoid, 0], [UnaryOp.tanh, 0], [UnaryOp.elu, 1],
      [UnaryOp.leakyRelu, 0.3], [UnaryOp.selu, 0], [UnaryOp.relu6, 0], [UnaryOp.gelu, 0], [UnaryOp.swish, 0],
      [UnaryOp.leakyRelu, -0.5],
    ];
    for (const [act, alpha] of acts) {
      const x = randomTensor([5, 7], act + 1);
      const k = randomTensor([7, 3], act + 2, -1, 1);
      // Keep pre-activations away from the kinks of relu-like functions.
      const z = tn.matMul(x, k).data();
      const bias = tn.tensor([0.1, -0.2, 0.3]);
      const pre = Array.from(z, (v, i) => v + bias.data()[i % 3]);
      if (pre.some((v) => Math.abs(v) < 0.05 || Math.abs(v - 6) < 0.05)) continue;
      gradCheck((a, b, c) => dense(a, b, c, act, alpha), [x, k, bias]);
      gradCheck((a, b) => dense(a, b, null, act, alpha), [x, k]);
    }
    // Rank-3 input: the leading axes fold into the rows.
    gradCheck((a, b, c) => dense(a, b, c, UnaryOp.tanh, 0), [randomTensor([2, 3, 4], 1), randomTensor([4, 5], 2), randomTensor([5], 3)]);
  });
});

describe('matMul: errors', () => {
  it('names the shapes when inner dimensions disagree', () => {
    expect(() => tn.matMul(tn.zeros([2, 3]), tn.zeros([4, 5]))).toThrow('matMul: inner dimensions must agree, received shapes [2,3] and [4,5]');
    expect(() => tn.matMul(tn.zeros([2, 3]), tn.zeros([2, 5]), false, true)).toThrow(
      'matMul: inner dimensions must agree, received shapes [2,3] and [2,5] (transposeA=false, transposeB=true)',
    );
  });
  it('names the caller\'s shapes for vectors and for rank-3 @ rank-2, not the reshaped ones', () => {
    expect(() => tn.matMul(tn.zeros([2, 3, 4]), tn.zeros([5, 6]))).toThrow('matMul: inner dimensions must agree, received shapes [2,3,4] and [5,6]');
    expect(() => tn.matMul(tn.zeros([2, 3, 4]), tn.zeros([5, 6]), false, true)).toThrow(
      'matMul: inner dimensions must agree, received shapes [2,3,4] and [5,6] (transposeA=false, transposeB=true)',
    );
    expect(() => tn.matMul(tn.zeros([3]), tn.zeros([4, 5]))).toThrow('matMul: inner dimensions must agree, received shapes [3] and [4,5]');
    expect(() => tn.matMul(tn.zeros([2, 3]), tn.zeros([4]))).toThrow('matMul: inner dimensions must agree, received shapes [2,3] and [4]');
  });
  it('names the shapes when batch axes do not broadcast', () => {
    expect(() => tn.matMul(tn.zeros([2, 3, 4]), tn.zeros([3, 4, 5]))).toThrow(
      'matMul: batch dimensions must broadcast, received shapes [2,3,4] and [3,4,5]',
    );
  });
  it('rejects scalars', () => {
    expect(() => tn.matMul(tn.scalar(1), tn.zeros([1, 1]))).toThrow('matMul: operands must have rank at least 1, received shapes [] and [1,1]');
  });
});

describe('dense: errors', () => {
  it('names the shapes when the input does not match the kernel or the bias', () => {
    expect(() => dense(tn.zeros([2, 3]), tn.zeros([4, 5]), null)).toThrow(
      "dense: the input's last axis must match the kernel's first, received input shape [2,3] and kernel shape [4,5]",
    );
    expect(() => dense(tn.zeros([2, 3]), tn.zeros([3, 5]), tn.zeros([4]))).toThrow('dense: bias must have shape [5], received [4]');
  });
});

describe('matMul: int32', () => {
  it('int32 operands are multiplied as float32 and give float32', () => {
    const a = tn.tensor([[1, 2], [3, 4]], undefined, 'int32');
    const y = tn.matMul(a, tn.tensor([[5], [6]], undefined, 'int32'));
    expect(y.dtype).toBe('float32');
    expect(y.array()).toEqual([[17], [39]]);
    expect(tn.matMul(a, tn.tensor([[0.5], [0.25]])).array()).toEqual([[1], [2.5]]);
  });
});
