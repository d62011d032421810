// TF.js's stridedSlice, unique, whereAsync, booleanMaskAsync, setdiff1dAsync, mirrorPad, depthToSpace,
// spaceToBatchND, batchToSpaceND, diag and ensureShape: each against TF.js's own op on the same values
// (@tensorflow/tfjs, CPU backend), the chained forms, finite-difference gradients of those that move values, and
// errors that name the op and the shapes.
import { describe, expect, it } from 'vitest';
import * as tn from '../lib/index.js';
import { gradCheck, randomTensor, rng } from './helpers/gradcheck.js';
import { tf, useCpu } from './helpers/tfjs.js';

type TfTensor = ReturnType<typeof tf.tensor>;
const vals = (t: tn.Tensor) => Array.from(t.data() as ArrayLike<number>);
const tfOf = (t: tn.Tensor): TfTensor => tf.tensor(vals(t), t.shape.slice(), t.dtype === 'int32' ? 'int32' : 'float32');

function expectSame(ours: tn.Tensor, theirs: TfTensor, what: string): void {
  expect(ours.shape, what).toEqual(theirs.shape);
  expect(vals(ours), what).toEqual(Array.from(theirs.dataSync(), Number));
}

describe('TF.js\'s indexing and rearranging ops', () => {
  it('stridedSlice equals TF.js\'s over random begins, ends, strides and all five masks', async () => {
    await useCpu();
    const x = tn.range(0, 120).reshape([2, 3, 4, 5]);
    const tx = tfOf(x);
    const next = rng(3);
    const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
    let compared = 0;
    for (let trial = 0; trial < 400; trial++) {
      const n = int(1, 5);
      const begin = Array.from({ length: n }, () => int(-6, 6));
      const end = Array.from({ length: n }, () => int(-6, 6));
      const strides = Array.from({ length: n }, () => (next() < 0.5 ? 1 : [-2, -1, 2, 3][int(0, 3)]));
      const m = () => int(0, 2 ** n - 1);
      const [beginMask, endMask] = [m(), m()];
      const ellipsisMask = next() < 0.3 ? 2 ** int(0, n - 1) : 0;
      const newAxisMask = next() < 0.3 ? m() & ~ellipsisMask : 0;
      // Shrunk entries take an index inside their axis and stride 1, as TensorFlow requires.
      let shrinkAxisMask = next() < 0.4 ? m() & ~ellipsisMask & ~newAxisMask : 0;
      for (let i = 0; i < n; i++) {
        if ((shrinkAxisMask >> i) & 1) {
          strides[i] = 1;
          begin[i] = int(-2, 1);
        }
      }
      if (ellipsisMask === 0 && n - popcount(newAxisMask) > 4) shrinkAxisMask = 0;
      const args = [begin, end, strides, beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask] as const;
      let theirs: TfTensor;
      try {
        theirs = tf.stridedSlice(tx, ...args);
      } catch {
        continue;
      }
      const ours = tn.stridedSlice(x, ...args);
      // TF.js's CPU kernel indexes the wrong axes when an axis is shrunk before the last strided one (it walks the
      // output's rank, not the input's), so with shrunk axes the reference is TF.js's own resolution of the
      // arguments (slice_util.sliceInfo: each axis's begin and stride, and the final shape) gathered axis by axis.
      if (shrinkAxisMask === 0) expectSame(ours, theirs, `stridedSlice(${JSON.stringify(args)})`);
      expectSame(ours, fromSliceInfo(tx, args), `stridedSlice(${JSON.stringify(args)}) by sliceInfo`);
      compared++;
    }
    expect(compared).toBeGreaterThan(300);
    expectSame(x.stridedSlice([1, 0], [2, 3], [1, 2]), tx.stridedSlice([1, 0], [2, 3], [1, 2]), 'x.stridedSlice');
    expectSame(tn.stridedSlice(x, [0, 1], [2, 3]), tf.stridedSlice(tx, [0, 1], [2, 3]), 'stridedSlice without strides');
    gradCheck((t) => tn.stridedSlice(t, [0, 3, 1], [2, 0, 4], [1, -2, 2], 0, 0, 0, 0, 0), [randomTensor([2, 4, 5], 1)]);
    gradCheck((t) => tn.stridedSlice(t, [1, 0], [0, 0], [1, 1], 0, 2, 0, 0, 1), [randomTensor([3, 4], 2)]);
    expect(() => tn.stridedSlice(x, [0, 0], [1, 1], [1, 0])).toThrow(/stridedSlice: strides must be non-zero integers, received \[1,0\]/);
    expect(() => tn.stridedSlice(x, [0, 5], [1, 6], [1, 1], 0, 0, 0, 0, 2)).toThrow(/stridedSlice: index 5 of entry 1 is out of range for axis 1 of shape \[2,3,4,5\]/);
    expect(() => tn.stridedSlice(x, [0, 0, 0, 0, 0], [1, 1, 1, 1, 1])).toThrow(/stridedSlice: begin \[0,0,0,0,0\] names more axes than x of shape \[2,3,4,5\] has/);
  });

  it('unique equals TF.js\'s on vectors, along an axis of a matrix, with NaN, int32 and chained', async () => {
    await useCpu();
    const v = [3, 1, 3, NaN, 2, 1, NaN, -0, 0, 7];
    const ours = tn.unique(tn.tensor(v));
    const theirs = tf.unique(tf.tensor(v));
    expect(vals(ours.values).map(String)).toEqual(Array.from(theirs.values.dataSync()).map(String));
    expectSame(ours.indices, theirs.indices, 'unique indices');
    const ints = tn.tensor([5, 5, -1, 4, -1, 5], [6], 'int32');
    const ti = tf.unique(tfOf(ints));
    const oi = ints.unique();
    expect(oi.values.dtype).toBe('int32');
    expectSame(oi.values, ti.values, 'x.unique() values');
    expectSame(oi.indices, ti.indices, 'x.unique() indices');
    const m = tn.tensor([[1, 2, 1, 2], [3, 4, 3, 5], [1, 2, 1, 2]]);
    for (const axis of [0, 1, -1]) {
      const o = tn.unique(m, axis);
      const t = tf.unique(tfOf(m), axis);
      expectSame(o.values, t.values, `unique axis ${axis} values`);
      expectSame(o.indices, t.indices, `unique axis ${axis} indices`);
    }
    expect(() => tn.unique(tn.scalar(1))).toThrow(/unique: x must have at least one axis, received a scalar/);
    expect(() => tn.unique(m, 2)).toThrow(/unique/);
  });

  it('whereAsync, booleanMaskAsync and setdiff1dAsync resolve to TF.js\'s values', async () => {
    await useCpu();
    const cond = [[1, 0, 1], [0, 0, 1]];
    const w = tn.whereAsync(tn.tensor(cond, [2, 3], 'int32'));
    expect(w).toBeInstanceOf(Promise);
    expectSame(await w, await tf.whereAsync(tf.tensor(cond, [2, 3], 'bool')), 'whereAsync');
    expectSame(await tn.whereAsync(tn.zeros([2, 2])), await tf.whereAsync(tf.zeros([2, 2], 'bool')), 'whereAsync with no hits');

    const x = tn.range(0, 24).reshape([2, 3, 4]);
    const cases: [number[][] | number[], number | undefined][] = [[[1, 0], undefined], [[[1, 0, 1], [0, 1, 1]], undefined], [[0, 1, 1], 1], [[1, 0, 0, 1], 2], [[[1, 0, 1, 1], [0, 0, 0, 1], [1, 1, 0, 0]], 1]];
    for (const [mask, axis] of cases) {
      const shape = Array.isArray(mask[0]) ? [mask.length, (mask[0] as number[]).length] : [mask.length];
      const ours = await tn.booleanMaskAsync(x, tn.tensor(mask.flat(), shape, 'int32'), axis);
      const theirs = await tf.booleanMaskAsync(tfOf(x), tf.tensor(mask.flat(), shape, 'bool'), axis);
      expectSame(ours, theirs, `booleanMaskAsync ${JSON.stringify(mask)} axis ${axis}`);
    }
    // The kept slices' gradient: booleanMaskAsync resolves before the gradient is taken, so the mask is fixed.
    const mask = tn.tensor([1, 0, 1], [3], 'int32');
    const hits = await tn.whereAsync(mask);
    expect(hits.shape).toEqual([2, 1]);
    gradCheck((t) => tn.gather(t, hits.reshape([2]), 1), [randomTensor([2, 3, 2], 5)]);
    await expect(tn.booleanMaskAsync(x, tn.tensor([1, 0], [2], 'int32'), 1)).rejects.toThrow(/booleanMaskAsync: mask's shape \[2\] must match axes 1 .. 1 of the tensor's shape \[2,3,4\]/);
    await expect(tn.booleanMaskAsync(x, tn.scalar(1))).rejects.toThrow(/booleanMaskAsync: mask cannot be a scalar/);

    const [out, idx] = await tn.setdiff1dAsync(tn.tensor([1, 2, 3, 4, 2, 6], [6], 'int32'), tn.tensor([2, 5, 6], [3], 'int32'));
    const [tout, tidx] = await tf.setdiff1dAsync(tf.tensor1d([1, 2, 3, 4, 2, 6], 'int32'), tf.tensor1d([2, 5, 6], 'int32'));
    expectSame(out, tout, 'setdiff1dAsync values');
    expectSame(idx, tidx, 'setdiff1dAsync indices');
    await expect(tn.setdiff1dAsync(tn.tensor([[1]]), tn.tensor([1]))).rejects.toThrow(/setdiff1dAsync: x and y must be vectors, received shapes \[1,1\] and \[1\]/);
  });

  it('mirrorPad, depthToSpace, spaceToBatchND, batchToSpaceND and diag equal TF.js\'s, with gradients', async () => {
    await useCpu();
    const x = tn.range(0, 12).reshape([3, 4]);
    for (const mode of ['reflect', 'symmetric'] as const) {
      for (const p of [[[1, 2], [3, 0]], [[2, 0], [1, 3]], [[0, 0], [0, 1]]] as [number, number][][]) {
        if (mode === 'reflect' && p.some(([b, e], i) => b > x.shape[i] - 1 || e > x.shape[i] - 1)) continue;
        expectSame(tn.mirrorPad(x, p, mode), tf.mirrorPad(tfOf(x), p, mode), `mirrorPad ${mode} ${JSON.stringify(p)}`);
      }
      gradCheck((t) => tn.mirrorPad(t, [[1, 2], [2, 1]], mode), [randomTensor([3, 4], 6)]);
    }
    expectSame(x.mirrorPad([[1, 1], [1, 1]], 'reflect'), tfOf(x).mirrorPad([[1, 1], [1, 1]], 'reflect'), 'x.mirrorPad');
    expect(() => tn.mirrorPad(x, [[3, 0], [0, 0]], 'reflect')).toThrow(/mirrorPad: padding \[3, 0\] of axis 0 must be in \[0, 2\] for x of shape \[3,4\] in mode 'reflect'/);
    expect(() => tn.mirrorPad(x, [[1, 1]], 'reflect')).toThrow(/mirrorPad: paddings must be 2 pairs/);

    const d = tn.range(0, 2 * 2 * 3 * 8).reshape([2, 2, 3, 8]);
    expectSame(tn.depthToSpace(d, 2), tf.depthToSpace(tfOf(d) as never, 2), 'depthToSpace');
    expectSame(d.depthToSpace(2), tfOf(d).depthToSpace(2, 'NHWC'), 'x.depthToSpace');
    // NCHW is NHWC with the channels moved (TF.js's CPU kernel takes NHWC only).
    expectSame(tn.depthToSpace(tn.transpose(d, [0, 3, 1, 2]), 2, 'NCHW'), tf.transpose(tf.depthToSpace(tfOf(d) as never, 2), [0, 3, 1, 2]), 'depthToSpace NCHW');
    gradCheck((t) => tn.depthToSpace(t, 2), [randomTensor([1, 2, 2, 8], 7)]);
    expect(() => tn.depthToSpace(d, 3)).toThrow(/depthToSpace: the depth 8 must be divisible by blockSize\^2 = 9 \(x of shape \[2,2,3,8\]\)/);

    const s = tn.range(0, 2 * 4 * 6 * 3).reshape([2, 4, 6, 3]);
    const cases: [number[], [number, number][]][] = [[[2, 2], [[0, 0], [0, 0]]], [[2, 3], [[1, 1], [0, 0]]], [[3], [[1, 1]]], [[1, 4], [[0, 2], [1, 1]]]];
    for (const [block, paddings] of cases) {
      const ours = tn.spaceToBatchND(s, block, paddings);
      expectSame(ours, tf.spaceToBatchND(tfOf(s), block, paddings), `spaceToBatchND ${JSON.stringify([block, paddings])}`);
      expectSame(tn.batchToSpaceND(ours, block, paddings), tf.batchToSpaceND(tfOf(ours), block, paddings), `batchToSpaceND ${JSON.stringify([block, paddings])}`);
      expect(vals(tn.batchToSpaceND(ours, block, paddings))).toEqual(vals(s));
    }
    expectSame(s.spaceToBatchND([2, 2], [[0, 0], [1, 1]]), tfOf(s).spaceToBatchND([2, 2], [[0, 0], [1, 1]]), 'x.spaceToBatchND');
    const b = tn.range(0, 8 * 2 * 2 * 1).reshape([8, 2, 2, 1]);
    expectSame(b.batchToSpaceND([2, 2], [[0, 1], [1, 0]]), tfOf(b).batchToSpaceND([2, 2], [[0, 1], [1, 0]]), 'x.batchToSpaceND with crops');
    gradCheck((t) => tn.spaceToBatchND(t, [2, 2], [[1, 1], [0, 2]]), [randomTensor([1, 2, 2, 2], 8)]);
    gradCheck((t) => tn.batchToSpaceND(t, [2, 2], [[1, 0], [0, 1]]), [randomTensor([4, 2, 2, 1], 9)]);
    expect(() => tn.spaceToBatchND(s, [4, 4], [[0, 0], [0, 0]])).toThrow(/spaceToBatchND: the padded spatial shape \[4,6\] .* must be divisible by blockShape \[4,4\]/);
    expect(() => tn.batchToSpaceND(s, [4], [[0, 0]])).toThrow(/batchToSpaceND: the batch 2 of x \(shape \[2,4,6,3\]\) must be divisible by the product of blockShape \[4\], 4/);

    for (const v of [[1, 2, 3], [[1, -2], [3, 4]]]) {
      expectSame(tn.diag(tn.tensor(v)), tf.diag(tf.tensor(v)), `diag ${JSON.stringify(v)}`);
    }
    expectSame(tn.diag(tn.tensor([1, 2], [2], 'int32')), tf.diag(tf.tensor1d([1, 2], 'int32')), 'diag int32');
    gradCheck((t) => tn.diag(t), [randomTensor([2, 2], 10)]);
    expect(() => tn.diag(tn.scalar(1))).toThrow(/diag: x must have at least one axis, received a scalar/);
  });

  it('ensureShape returns its tensor or names both shapes, as TF.js\'s', async () => {
    await useCpu();
    const x = tn.zeros([2, 3]);
    expect(tn.ensureShape(x, [2, null])).toBe(x);
    expect(() => tf.ensureShape(tf.zeros([2, 3]), [3, 3])).toThrow();
    expect(() => tn.ensureShape(x, [3, 3])).toThrow(/ensureShape: the tensor has shape \[2,3\], expected \[3,3\]/);
    expect(() => tn.ensureShape(x, [2])).toThrow(/ensureShape: the tensor has shape \[2,3\], expected \[2\]/);
  });
});

function fromSliceInfo(x: TfTensor, args: readonly [number[], number[], number[], number, number, number, number, number]): TfTensor {
  const info = tf.slice_util.sliceInfo(x.shape, ...args);
  let y = x;
  info.begin.forEach((b, axis) => {
    const count = Math.max(0, Math.ceil((info.end[axis] - b) / info.strides[axis]));
    y = tf.gather(y, tf.tensor1d(Array.from({ length: count }, (_, j) => b + j * info.strides[axis]), 'int32'), axis);
  });
  return y.reshape(info.finalShape);
}

function popcount(v: number): number {
  let c = 0;
  for (; v; v &= v - 1) c++;
  return c;
}
