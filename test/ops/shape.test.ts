// Shape and indexing ops: reshape, flatten, transpose, expandDims, squeeze, slice, concat, stack, split, pad,
// gather, oneHot, tile, broadcastTo. Values, int32, gradients (finite differences and exact adjoints) and errors.
import { describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { gradCheck, randomTensor } from '../helpers/gradcheck.js';

const iota = (shape: number[], dtype: tn.DType = 'float32') => tn.reshape(tn.range(0, shape.reduce((p, d) => p * d, 1), 1, dtype), shape);

describe('reshape, flatten, expandDims, squeeze', () => {
  it('reshape keeps row-major order and infers one -1', () => {
    const x = iota([2, 3, 4]);
    expect(tn.reshape(x, [4, -1]).shape).toEqual([4, 6]);
    expect(tn.reshape(x, [-1]).data()).toEqual(x.data());
    expect(tn.reshape(x, [3, 8]).array()).toEqual([[0, 1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11, 12, 13, 14, 15], [16, 17, 18, 19, 20, 21, 22, 23]]);
    expect(tn.reshape(tn.scalar(3), [1, 1]).shape).toEqual([1, 1]);
    expect(tn.reshape(iota([3], 'int32'), [3, 1]).dtype).toBe('int32');
  });
  it('reshape rejects two -1, bad sizes and fractional dimensions', () => {
    const x = iota([2, 3]);
    expect(() => tn.reshape(x, [-1, -1])).toThrow('reshape: only one dimension may be -1, received [-1,-1]');
    expect(() => tn.reshape(x, [4, 2])).toThrow('reshape: cannot reshape a tensor of shape [2,3] (6 elements) into [4,2] (8 elements)');
    expect(() => tn.reshape(x, [4, -1])).toThrow('reshape: cannot reshape a tensor of shape [2,3] (6 elements) into [4,-1]');
    expect(() => tn.reshape(x, [1.5, 4])).toThrow('reshape: dimensions must be non-negative integers or -1, received [1.5,4]');
  });
  it('flatten, expandDims and squeeze', () => {
    const x = iota([2, 1, 3, 1]);
    expect(tn.flatten(x).shape).toEqual([6]);
    expect(tn.expandDims(x).shape).toEqual([1, 2, 1, 3, 1]);
    expect(tn.expandDims(x, 4).shape).toEqual([2, 1, 3, 1, 1]);
    expect(tn.expandDims(x, -1).shape).toEqual([2, 1, 3, 1, 1]);
    expect(tn.expandDims(x, -5).shape).toEqual([1, 2, 1, 3, 1]);
    expect(tn.squeeze(x).shape).toEqual([2, 3]);
    expect(tn.squeeze(x, -1).shape).toEqual([2, 1, 3]);
    expect(tn.squeeze(x, [1, 3]).shape).toEqual([2, 3]);
    expect(() => tn.squeeze(x, 0)).toThrow('squeeze: axis 0 of shape [2,1,3,1] has size 2, not 1');
    expect(() => tn.expandDims(x, 6)).toThrow('expandDims: axis 6 is out of range for a tensor of rank 5 (valid: -5 to 4)');
  });
  it('views carry the gradient back to the original shape', () => {
    gradCheck((t) => tn.mul(tn.reshape(t, [3, -1]), tn.tensor([1, 2, 3, 4])), [randomTensor([2, 6], 1)]);
    gradCheck((t) => tn.square(tn.squeeze(tn.expandDims(tn.flatten(t), 1))), [randomTensor([2, 3], 2)]);
  });
});

describe('transpose', () => {
  it('permutes axes, reverses them by default, and keeps int32', () => {
    const x = iota([2, 3, 4]);
    const y = tn.transpose(x, [2, 0, 1]);
    expect(y.shape).toEqual([4, 2, 3]);
    const xv = x.array() as number[][][];
    const yv = y.array() as number[][][];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) expect(yv[k][i][j]).toBe(xv[i][j][k]);
    expect(tn.transpose(iota([2, 3])).array()).toEqual([[0, 3], [1, 4], [2, 5]]);
    const t = tn.transpose(iota([2, 3], 'int32'));
    expect(t.dtype).toBe('int32');
    expect(Array.from(t.data())).toEqual([0, 3, 1, 4, 2, 5]);
    expect(tn.transpose(x, [-3, -2, -1])).toBe(x);
  });
  it('large and odd shapes', () => {
    const x = randomTensor([33, 17, 9], 3);
    const y = tn.transpose(x, [1, 2, 0]);
    const xv = x.data();
    const yv = y.data();
    for (let i = 0; i < 33; i += 4) for (let j = 0; j < 17; j++) for (let k = 0; k < 9; k++) expect(yv[(j * 9 + k) * 33 + i]).toBe(xv[(i * 17 + j) * 9 + k]);
  });
  it('gradient is the inverse permutation', () => {
    gradCheck((t) => tn.transpose(t, [1, 2, 0]), [randomTensor([2, 3, 5], 4)]);
  });
  it('rejects perms that are not permutations', () => {
    expect(() => tn.transpose(iota([2, 3]), [0, 0])).toThrow('transpose: perm [0,0] must list each of the 2 axes of shape [2,3] once');
    expect(() => tn.transpose(iota([2, 3]), [0])).toThrow('transpose: perm [0] must list each of the 2 axes of shape [2,3] once');
    expect(() => tn.transpose(iota([2, 3]), [0, 2])).toThrow('transpose: axis 2 is out of range for a tensor of rank 2 (valid: -2 to 1)');
  });
});

describe('slice', () => {
  it('takes boxes with -1 and omitted sizes', () => {
    const x = iota([3, 4]);
    expect(tn.slice(x, [1, 1], [2, 2]).array()).toEqual([[5, 6], [9, 10]]);
    expect(tn.slice(x, [1, 2], [-1, -1]).array()).toEqual([[6, 7], [10, 11]]);
    expect(tn.slice(x, [2]).array()).toEqual([[8, 9, 10, 11]]);
    expect(tn.slice(x, 1, 1).array()).toEqual([[4, 5, 6, 7]]);
    expect(tn.slice(x, [0, 4], [3, 0]).shape).toEqual([3, 0]);
    expect(tn.slice(iota([40], 'int32'), [20], [17]).dtype).toBe('int32');
    expect(Array.from(tn.slice(iota([40]), [20], [17]).data())).toEqual(Array.from({ length: 17 }, (_, i) => 20 + i));
  });
  it('gradient pads with zeros', () => {
    gradCheck((t) => tn.slice(t, [1, 0, 2], [2, -1, 3]), [randomTensor([3, 2, 6], 5)]);
  });
  it('rejects boxes outside the tensor', () => {
    const x = iota([3, 4]);
    expect(() => tn.slice(x, [2, 0], [2, 1])).toThrow('slice: begin [2,0] and size [2,1] reach outside shape [3,4]');
    expect(() => tn.slice(x, [4, 0])).toThrow('slice: begin [4,0] is out of range for shape [3,4]');
    expect(() => tn.slice(x, [0, 0, 0])).toThrow('slice: begin [0,0,0] does not fit shape [3,4]');
  });
});

describe('concat, stack, split', () => {
  it('concat along any axis, with int32 staying int32 and mixed dtypes giving float32', () => {
    const a = iota([2, 3]);
    const b = tn.add(iota([2, 2]), 100);
    expect(tn.concat([a, b], 1).array()).toEqual([[0, 1, 2, 100, 101], [3, 4, 5, 102, 103]]);
    expect(tn.concat([a, a], -2).shape).toEqual([4, 3]);
    expect(tn.concat([iota([2], 'int32'), iota([1], 'int32')]).dtype).toBe('int32');
    const mixed = tn.concat([iota([2], 'int32'), tn.tensor([0.5])]);
    expect(mixed.dtype).toBe('float32');
    expect(Array.from(mixed.data())).toEqual([0, 1, 0.5]);
  });
  it('concat gradient splits back to each input', () => {
    gradCheck((p, q, r) => tn.concat([p, q, r], 1), [randomTensor([2, 3], 1), randomTensor([2, 1], 2), randomTensor([2, 17], 3)]);
    gradCheck((p, q) => tn.concat([p, q], 0), [randomTensor([1, 3], 1), randomTensor([2, 3], 2)]);
  });
  it('stack along a new axis, and its gradient', () => {
    const s = tn.stack([tn.tensor([1, 2]), tn.tensor([3, 4])], 1);
    expect(s.array()).toEqual([[1, 3], [2, 4]]);
    expect(tn.stack([tn.scalar(1), tn.scalar(2)]).array()).toEqual([1, 2]);
    gradCheck((p, q) => tn.stack([p, q], -1), [randomTensor([2, 3], 1), randomTensor([2, 3], 2)]);
  });
  it('split into equal parts or listed sizes (one may be -1), and its gradient', () => {
    const x = iota([2, 6]);
    const parts = tn.split(x, 3, 1);
    expect(parts.map((p) => p.array())).toEqual([[[0, 1], [6, 7]], [[2, 3], [8, 9]], [[4, 5], [10, 11]]]);
    expect(tn.split(x, [1, -1, 2], 1).map((p) => p.shape)).toEqual([[2, 1], [2, 3], [2, 2]]);
    gradCheck((t) => {
      const [p, q] = tn.split(t, [2, 3], 1);
      return tn.add(tn.mul(p, 2), tn.sum(q, 1, true));
    }, [randomTensor([3, 5], 4)]);
  });
  it('errors name the shapes', () => {
    expect(() => tn.concat([iota([2, 3]), iota([3, 3])], 1)).toThrow('concat: shapes [2,3], [3,3] must match except along axis 1');
    expect(() => tn.concat([])).toThrow('concat: needs a non-empty array of tensors');
    expect(() => tn.concat([tn.scalar(1)])).toThrow('concat: cannot concatenate scalars; use stack');
    expect(() => tn.stack([iota([2]), iota([3])])).toThrow('stack: all shapes must be equal, received [2], [3]');
    expect(() => tn.split(iota([2, 5]), 2, 1)).toThrow('split: axis 1 of shape [2,5] (size 5) cannot be split into 2 equal parts');
    expect(() => tn.split(iota([2, 5]), [2, 2], 1)).toThrow('split: sizes [2,2] must add up to 5, the size of axis 1 of shape [2,5]');
    expect(() => tn.split(iota([2, 5]), [-1, -1], 1)).toThrow('split: at most one size may be -1');
  });
});

describe('pad', () => {
  it('pads with a constant, keeps int32, and its gradient is the inner box', () => {
    expect(tn.pad(tn.tensor([[1, 2]]), [[1, 0], [0, 2]], 9).array()).toEqual([[9, 9, 9, 9], [1, 2, 9, 9]]);
    const i = tn.pad(iota([2], 'int32'), [[1, 1]]);
    expect(i.dtype).toBe('int32');
    expect(Array.from(i.data())).toEqual([0, 0, 1, 0]);
    gradCheck((t) => tn.pad(t, [[0, 1], [2, 3], [1, 0]]), [randomTensor([2, 3, 17], 3)]);
  });
  it('rejects bad paddings', () => {
    expect(() => tn.pad(iota([2, 2]), [[1, 1]])).toThrow('pad: paddings must be 2 pairs [before, after] of non-negative integers for shape [2,2], received [[1,1]]');
    expect(() => tn.pad(iota([2]), [[-1, 0]])).toThrow('pad: paddings must be 1 pairs [before, after] of non-negative integers for shape [2], received [[-1,0]]');
  });
});

describe('gather and oneHot', () => {
  it('gathers along an axis with any shape of indices', () => {
    const x = iota([3, 4]);
    expect(tn.gather(x, [2, 0]).array()).toEqual([[8, 9, 10, 11], [0, 1, 2, 3]]);
    expect(tn.gather(x, tn.tensor([[3, 1], [0, 0]], undefined, 'int32'), 1).shape).toEqual([3, 2, 2]);
    expect(tn.gather(x, [3, 1], -1).array()).toEqual([[3, 1], [7, 5], [11, 9]]);
    expect(tn.gather(iota([5], 'int32'), [4, 4]).dtype).toBe('int32');
    const wide = randomTensor([4, 40], 1);
    expect(Array.from(tn.gather(wide, [3]).data())).toEqual(Array.from(wide.data().subarray(120, 160)));
  });
  it('its gradient scatters and adds for repeated indices', () => {
    const g = tn.grad((t) => tn.gather(t, [1, 1, 0, 1]))(tn.zeros([3, 2]));
    expect(g.array()).toEqual([[1, 1], [3, 3], [0, 0]]);
    gradCheck((t) => tn.gather(t, tn.tensor([[2, 0], [2, 2]], undefined, 'int32'), 1), [randomTensor([2, 3, 5], 2)]);
  });
  it('batchDims walks the leading axes of x and indices in step, as TF.js: each row picks with its own indices', () => {
    // A DQN's Q-values of the actions taken: row 0 takes action 2, row 1 action 0.
    const q = tn.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(tn.gather(q, tn.tensor([2, 0], [2], 'int32'), 1, 1).array()).toEqual([3, 4]);
    expect(tn.gather(q, tn.tensor([[2], [0]], [2, 1], 'int32'), 1, 1).array()).toEqual([[3], [4]]);
    expect(tn.gather(q, tn.tensor([[2], [0]], [2, 1], 'int32'), 1, -1).array()).toEqual([[3], [4]]);
    // Two batch axes, an axis after the batch and rows kept on both sides: [2, 3, 4, 5, 2] by [2, 3, 6] on axis 3.
    const x = iota([2, 3, 4, 5, 2]);
    const idx = tn.tensor(Array.from({ length: 36 }, (_, i) => (i * 7) % 5), [2, 3, 6], 'int32');
    const y = tn.gather(x, idx, 3, 2);
    expect(y.shape).toEqual([2, 3, 4, 6, 2]);
    const xv = x.array() as number[][][][][];
    const iv = idx.array() as number[][][];
    const want = xv.map((xa, a) => xa.map((xb, b) => xb.map((xc) => iv[a][b].map((k) => xc[k]))));
    expect(y.array()).toEqual(want);
    expect(tn.gather(iota([2, 3], 'int32'), tn.tensor([1, 2], [2], 'int32'), 1, 1).array()).toEqual([1, 5]);
    // The gradient scatters into each row's own picks only, adding repeats.
    const g = tn.grad((t) => tn.gather(t, tn.tensor([[2, 2], [0, 1]], [2, 2], 'int32'), 1, 1))(tn.zeros([2, 3]));
    expect(g.array()).toEqual([[0, 0, 2], [1, 1, 0]]);
    gradCheck((t) => tn.gather(t, tn.tensor([[1, 0], [2, 2]], [2, 2], 'int32'), 2, 1), [randomTensor([2, 3, 4], 3)]);
    expect(() => tn.gather(q, tn.tensor([0, 1, 2], [3], 'int32'), 1, 1)).toThrow(
      'gather: with batchDims 1, the first 1 axes of x and indices must agree, received shapes [2,3] and [3]',
    );
    expect(() => tn.gather(q, tn.tensor([0, 1], [2], 'int32'), 0, 1)).toThrow(
      'gather: batchDims 1 must be in [-1, 1] (the rank of indices, shape [2]) and at most the axis, 0, for x of shape [2,3]',
    );
    expect(() => tn.gather(q, tn.tensor([0, 1], [2], 'int32'), 1, 2)).toThrow('gather: batchDims 2 must be in [-1, 1]');
    expect(() => tn.gather(q, tn.tensor([0, 1], [2], 'int32'), 1, 0.5)).toThrow('gather: batchDims must be an integer, received 0.5');
  });
  it('rejects out-of-range and fractional indices', () => {
    expect(() => tn.gather(iota([3, 4]), [3])).toThrow('gather: index 3 is out of range for axis 0 of shape [3,4] (valid: 0 to 2)');
    expect(() => tn.gather(iota([3, 4]), [-1])).toThrow('gather: index -1 is out of range for axis 0 of shape [3,4] (valid: 0 to 2)');
    expect(() => tn.gather(iota([3, 4]), tn.tensor([0.5]))).toThrow('gather: indices must be integers, received 0.5');
  });
  it('oneHot puts onValue at each index and leaves out-of-range rows off', () => {
    expect(tn.oneHot([0, 2, 5, -1], 3).array()).toEqual([[1, 0, 0], [0, 0, 1], [0, 0, 0], [0, 0, 0]]);
    const i = tn.oneHot(tn.tensor([[1]], undefined, 'int32'), 2, 5, -1, 'int32');
    expect(i.dtype).toBe('int32');
    expect(i.array()).toEqual([[[-1, 5]]]);
    expect(() => tn.oneHot([0], -1)).toThrow('oneHot: depth must be a non-negative integer, received -1');
    expect(() => tn.oneHot([0], 2.5)).toThrow('oneHot: depth must be a non-negative integer, received 2.5');
    expect(() => tn.oneHot([0], 2, 1, 0, 'bool' as 'int32')).toThrow(`oneHot: unknown dtype "bool"; expected 'float32' or 'int32'`);
  });
});

describe('tile and broadcastTo', () => {
  it('tile repeats along each axis, with its gradient summing the copies', () => {
    expect(tn.tile(tn.tensor([[1, 2]]), [2, 2]).array()).toEqual([[1, 2, 1, 2], [1, 2, 1, 2]]);
    gradCheck((t) => tn.tile(t, [2, 1, 3]), [randomTensor([2, 3, 1], 3)]);
  });
  it('broadcastTo repeats along broadcast axes and sums back in the gradient', () => {
    expect(tn.broadcastTo(tn.tensor([1, 2]), [2, 2]).array()).toEqual([[1, 2], [1, 2]]);
    const i = tn.broadcastTo(tn.tensor([[1], [2]], undefined, 'int32'), [2, 3]);
    expect(i.dtype).toBe('int32');
    expect(i.array()).toEqual([[1, 1, 1], [2, 2, 2]]);
    gradCheck((t) => tn.broadcastTo(t, [4, 2, 3]), [randomTensor([2, 1], 4)]);
    expect(() => tn.broadcastTo(tn.tensor([1, 2]), [3])).toThrow('broadcastTo: cannot broadcast shape [2] to [3]');
    expect(() => tn.broadcastTo(tn.scalar(1), [1.5])).toThrow('broadcastTo: shape must be an array of non-negative integers, received [1.5]');
    expect(() => tn.broadcastTo(tn.scalar(1), [-1, 2])).toThrow('broadcastTo: shape must be an array of non-negative integers, received [-1,2]');
  });
});

describe('high ranks', () => {
  it('broadcasting and transposes beyond rank 8 (what the native kernels take in one call) still work', () => {
    const a = randomTensor([2, 1, 2, 1, 2, 1, 2, 1, 2, 1], 1);
    const b = randomTensor([1, 2, 1, 2, 1, 2, 1, 2, 1, 3], 2);
    const y = tn.add(a, b);
    expect(y.shape).toEqual([2, 2, 2, 2, 2, 2, 2, 2, 2, 3]);
    const av = a.data();
    const bv = b.data();
    const yv = y.data();
    for (let i = 0; i < yv.length; i++) {
      const idx: number[] = [];
      let rem = i;
      for (const d of [...y.shape].reverse()) {
        idx.unshift(rem % d);
        rem = Math.floor(rem / d);
      }
      const ia = idx.filter((_, k) => k % 2 === 0).reduce((p, v) => p * 2 + v, 0);
      const ib = idx.filter((_, k) => k % 2 === 1).reduce((p, v, k) => (k === 4 ? p * 3 + v : p * 2 + v), 0);
      expect(yv[i]).toBe(Math.fround(av[ia] + bv[ib]));
    }
    gradCheck((p, q) => tn.mul(p, q), [a, b], { maxPoints: 16 });

    const x = randomTensor([2, 3, 2, 3, 2, 3, 2, 3, 2], 3);
    const perm = [8, 6, 4, 2, 0, 1, 3, 5, 7];
    const t = tn.transpose(x, perm);
    expect(t.shape).toEqual(perm.map((p) => x.shape[p]));
    const back = tn.transpose(t, perm.map((_, i) => perm.indexOf(i)));
    expect(back.data()).toEqual(x.data());
    expect(tn.transpose(tn.transpose(x)).data()).toEqual(x.data());
    const s = tn.sum(x, [0, 2, 4, 6, 8]);
    expect(s.shape).toEqual([3, 3, 3, 3]);
    expect(tn.sum(s).item()).toBeCloseTo(tn.sum(x).item(), 3);
    gradCheck((p) => tn.transpose(p, perm), [x], { maxPoints: 16 });
  });

  it('transposes that merge into fewer axes give the same values as the plain definition', () => {
    const x = randomTensor([4, 1, 3, 5, 2], 4);
    for (const perm of [[0, 2, 3, 1, 4], [3, 4, 0, 1, 2], [1, 0, 2, 4, 3], [4, 3, 2, 1, 0]]) {
      const y = tn.transpose(x, perm);
      const xs = x.shape;
      const xv = x.data();
      const yv = y.data();
      const strides = [30, 30, 10, 2, 1];
      for (let i = 0; i < yv.length; i++) {
        let rem = i;
        let off = 0;
        for (let d = 4; d >= 0; d--) {
          const n = xs[perm[d]];
          off += (rem % n) * strides[perm[d]];
          rem = Math.floor(rem / n);
        }
        expect(yv[i]).toBe(xv[off]);
      }
    }
  });
});
