// TF.js's op names that tensornode has under Keras's (acos for arccos, ...) or as compositions (divNoNan, step,
// addN, bincount, ...): each against TF.js's own op on the same input (@tensorflow/tfjs, a dev dependency), the
// composed ones' gradients by finite differences, and the rank-named aliases' checks.
import { describe, expect, it } from 'vitest';
import * as tn from '../lib/index.js';
import { gradCheck, randomTensor } from './helpers/gradcheck.js';
import { tf, useCpu } from './helpers/tfjs.js';

const vals = (t: tn.Tensor) => Array.from(t.data() as ArrayLike<number>);

async function expectSameAsTfjs(ours: tn.Tensor, theirs: ReturnType<typeof tf.tensor>, what: string, digits = 5): Promise<void> {
  expect(ours.shape, what).toEqual(theirs.shape);
  const want = Array.from(await theirs.data() as ArrayLike<number>);
  vals(ours).forEach((v, i) => {
    if (Number.isNaN(want[i])) expect(Number.isNaN(v), `${what} [${i}]`).toBe(true);
    else expect(v, `${what} [${i}]`).toBeCloseTo(want[i], digits);
  });
}

describe('TF.js\'s names for tensornode\'s ops', () => {
  it('unary and binary math equal TF.js\'s on the same values', async () => {
    await useCpu();
    const inside = [-0.9, -0.3, 0, 0.4, 0.8];
    const above = [1, 1.5, 2.5, 4, 7];
    const any = [-3, -0.5, 0, 0.5, 2];
    const cases: [keyof typeof tn & string, number[]][] = [
      ['acos', inside], ['asin', inside], ['atan', any], ['atanh', inside], ['acosh', above], ['asinh', any], ['cosh', any],
      ['sinh', any], ['tan', inside], ['logSigmoid', any],
    ];
    for (const [name, x] of cases) {
      const f = (tn as unknown as Record<string, (t: tn.Tensor) => tn.Tensor>)[name];
      const g = (tf as unknown as Record<string, (t: ReturnType<typeof tf.tensor>) => ReturnType<typeof tf.tensor>>)[name];
      await expectSameAsTfjs(f(tn.tensor(x)), g(tf.tensor(x)), name);
    }
    const special = [1, -Infinity, NaN, Infinity, 0];
    await expectSameAsTfjs(tn.isFinite(tn.tensor(special)), tf.cast(tf.isFinite(tf.tensor(special)), 'int32'), 'isFinite');
    await expectSameAsTfjs(tn.isInf(tn.tensor(special)), tf.cast(tf.isInf(tf.tensor(special)), 'int32'), 'isInf');
    await expectSameAsTfjs(tn.atan2(tn.tensor(any), tn.tensor(above)), tf.atan2(tf.tensor(any), tf.tensor(above)), 'atan2');
    await expectSameAsTfjs(tn.divNoNan(tn.tensor([1, 2, 3, 0]), tn.tensor([2, 0, -1, 0])), tf.divNoNan(tf.tensor([1, 2, 3, 0]), tf.tensor([2, 0, -1, 0])), 'divNoNan');
    await expectSameAsTfjs(tn.logicalXor(tn.tensor([1, 0, 1, 0], [4], 'int32'), tn.tensor([1, 1, 0, 0], [4], 'int32')),
      tf.cast(tf.logicalXor(tf.tensor([1, 0, 1, 0], [4], 'bool'), tf.tensor([1, 1, 0, 0], [4], 'bool')), 'int32'), 'logicalXor');
    await expectSameAsTfjs(tn.step(tn.tensor(any), 0.25), tf.step(tf.tensor(any), 0.25), 'step');
  });

  it('norms, sums, searches, counts and grids equal TF.js\'s', async () => {
    await useCpu();
    const x = randomTensor([3, 4], 1);
    const tx = tf.tensor(vals(x), [3, 4]);
    await expectSameAsTfjs(tn.euclideanNorm(x), tf.euclideanNorm(tx), 'euclideanNorm');
    await expectSameAsTfjs(tn.euclideanNorm(x, 1, true), tf.euclideanNorm(tx, 1, true), 'euclideanNorm over an axis');
    await expectSameAsTfjs(tn.addN([x, x, tn.ones([3, 4])]), tf.addN([tx, tx, tf.ones([3, 4])]), 'addN');
    const sorted = [[0, 1, 3, 3, 7], [-2, 0, 0, 4, 9]];
    const values = [[3, 8, -1], [0, 5, 9]];
    await expectSameAsTfjs(tn.searchSorted(tn.tensor(sorted), tn.tensor(values)), tf.searchSorted(tf.tensor(sorted), tf.tensor(values)), 'searchSorted');
    await expectSameAsTfjs(tn.upperBound(tn.tensor(sorted), tn.tensor(values)), tf.upperBound(tf.tensor(sorted), tf.tensor(values)), 'upperBound');
    await expectSameAsTfjs(tn.lowerBound(tn.tensor(sorted), tn.tensor(values)), tf.lowerBound(tf.tensor(sorted), tf.tensor(values)), 'lowerBound');
    const ids = [0, 2, 2, 5, 1, 2];
    const w = [0.5, 1, 2, 3, 4, 5];
    await expectSameAsTfjs(tn.bincount(tn.tensor(ids, [6], 'int32'), tn.tensor(w), 4), tf.bincount(tf.tensor(ids, [6], 'int32'), tf.tensor(w), 4), 'bincount with weights');
    await expectSameAsTfjs(tn.bincount(tn.tensor(ids, [6], 'int32'), tn.tensor([]), 3), tf.bincount(tf.tensor(ids, [6], 'int32'), tf.tensor([], [0]), 3), 'bincount counts');
    // The result takes the weights' dtype, as TF.js's: float32 counts from an empty float32 tensor, int32 from int32.
    for (const dtype of ['float32', 'int32'] as const) {
      expect(tn.bincount(tn.tensor(ids, [6], 'int32'), tn.tensor([], [0], dtype), 3).dtype, dtype).toBe(tf.bincount(tf.tensor1d(ids, 'int32'), tf.tensor1d([], dtype), 3).dtype);
      expect(tn.bincount(tn.tensor(ids, [6], 'int32'), tn.tensor(ids, [6], dtype), 3).dtype, dtype).toBe(tf.bincount(tf.tensor1d(ids, 'int32'), tf.tensor1d(ids, dtype), 3).dtype);
    }
    for (const indexing of ['xy', 'ij'] as const) {
      const ours = tn.meshgrid(tn.tensor([1, 2, 3]), tn.tensor([4, 5]), { indexing });
      const theirs = tf.meshgrid(tf.tensor([1, 2, 3]), tf.tensor([4, 5]), { indexing });
      for (let i = 0; i < 2; i++) await expectSameAsTfjs(ours[i], theirs[i], `meshgrid ${indexing} ${i}`);
    }
    const r = tn.randomUniformInt([1000], -2, 3, { seed: 4 });
    expect(r.dtype).toBe('int32');
    expect(new Set(vals(r))).toEqual(new Set([-2, -1, 0, 1, 2]));
    expect(vals(tn.randomUniformInt([5], 0, 9, { seed: 7 }))).toEqual(vals(tn.randomUniformInt([5], 0, 9, { seed: 7 })));
  });

  it('customGrad and denseBincount, as TF.js\'s', async () => {
    await useCpu();
    // TF.js's customGrad: f(...inputs, save) gives { value, gradFunc(dy, saved) }.
    const ours = tn.customGrad((a: tn.Tensor, b: tn.Tensor, save: (t: tn.Tensor[]) => void) => {
      save([a, b]);
      return { value: tn.mul(a, b), gradFunc: (dy: tn.Tensor, [sa, sb]: tn.Tensor[]) => [tn.mul(dy, tn.mul(sb, 3)), tn.mul(dy, sa)] };
    });
    const theirs = tf.customGrad(((a: ReturnType<typeof tf.tensor>, b: ReturnType<typeof tf.tensor>, save: (t: ReturnType<typeof tf.tensor>[]) => void) => {
      save([a, b]);
      return { value: tf.mul(a, b), gradFunc: (dy: ReturnType<typeof tf.tensor>, [sa, sb]: ReturnType<typeof tf.tensor>[]) => [tf.mul(dy, tf.mul(sb, 3)), tf.mul(dy, sa)] };
    }) as never) as (a: ReturnType<typeof tf.tensor>, b: ReturnType<typeof tf.tensor>) => ReturnType<typeof tf.tensor>;
    const [a, b] = [[1, -2, 3], [0.5, 4, -1]];
    await expectSameAsTfjs(ours(tn.tensor(a), tn.tensor(b)), theirs(tf.tensor(a), tf.tensor(b)), 'customGrad value');
    const g = tn.grads((x: tn.Tensor, y: tn.Tensor) => tn.sum(tn.square(ours(x, y))))([tn.tensor(a), tn.tensor(b)]);
    const tg = tf.grads((x: ReturnType<typeof tf.tensor>, y: ReturnType<typeof tf.tensor>) => tf.sum(tf.square(theirs(x, y))))([tf.tensor(a), tf.tensor(b)]);
    for (let i = 0; i < 2; i++) await expectSameAsTfjs(g[i], tg[i], `customGrad gradient ${i}`);
    const ids = [[0, 2, 2, 5], [1, 1, 3, 0]];
    const w = [[0.5, 1, 2, 3], [4, 5, 6, 7]];
    for (const binary of [false, true]) {
      await expectSameAsTfjs(tn.denseBincount(tn.tensor(ids, [2, 4], 'int32'), tn.tensor(w), 4, binary), tf.denseBincount(tf.tensor2d(ids, [2, 4], 'int32'), tf.tensor2d(w), 4, binary), `denseBincount 2-D ${binary}`);
    }
    await expectSameAsTfjs(tn.denseBincount(tn.tensor(ids[0], [4], 'int32'), tn.tensor([]), 6), tf.denseBincount(tf.tensor1d(ids[0], 'int32'), tf.tensor1d([]), 6), 'denseBincount 1-D');
    // TF.js 4.22's CPU kernel ignores binaryOutput for a vector (its documentation and its 2-D path give 0/1).
    expect(vals(tn.denseBincount(tn.tensor(ids[0], [4], 'int32'), tn.tensor([]), 6, true))).toEqual([1, 0, 1, 0, 0, 1]);
  });

  it('the chained forms (x.atan2(y), x.isFinite(), x.asScalar(), ...) equal TF.js\'s', async () => {
    await useCpu();
    const a = [-0.9, -0.3, 0.4, 0.8];
    const b = [1, -2, 0, 3];
    const [x, y, tx, ty] = [tn.tensor(a), tn.tensor(b), tf.tensor(a), tf.tensor(b)];
    for (const name of ['acos', 'asin', 'atan', 'atanh', 'asinh', 'cosh', 'sinh', 'tan', 'logSigmoid', 'step', 'zerosLike', 'onesLike', 'euclideanNorm'] as const) {
      await expectSameAsTfjs((x[name] as () => tn.Tensor)(), (tx[name] as () => ReturnType<typeof tf.tensor>)(), `x.${name}()`);
    }
    await expectSameAsTfjs(tn.tensor([1, 2, 7]).acosh(), tf.tensor([1, 2, 7]).acosh(), 'x.acosh()');
    await expectSameAsTfjs(x.atan2(y), tx.atan2(ty), 'x.atan2(y)');
    await expectSameAsTfjs(x.divNoNan(y), tx.divNoNan(ty), 'x.divNoNan(y)');
    await expectSameAsTfjs(y.isFinite(), tf.cast(ty.isFinite(), 'int32'), 'x.isFinite()');
    await expectSameAsTfjs(y.isInf(), tf.cast(ty.isInf(), 'int32'), 'x.isInf()');
    await expectSameAsTfjs(tn.tensor([1, 0], [2], 'int32').logicalXor(tn.tensor([1, 1], [2], 'int32')), tf.cast(tf.tensor([1, 0], [2], 'bool').logicalXor(tf.tensor([1, 1], [2], 'bool')), 'int32'), 'x.logicalXor(y)');
    await expectSameAsTfjs(tn.tensor([3]).asScalar(), tf.tensor([3]).asScalar(), 'x.asScalar()');
    await expectSameAsTfjs(tn.range(0, 8).as5D(2, 1, 2, 2, 1), tf.range(0, 8).as5D(2, 1, 2, 2, 1), 'x.as5D()');
    await expectSameAsTfjs(x.reshapeAs(tn.zeros([2, 2])), tx.reshapeAs(tf.zeros([2, 2])), 'x.reshapeAs()');
    await expectSameAsTfjs(tn.tensor([0, 2], [2], 'int32').oneHot(3, 1, 0), tf.tensor1d([0, 2], 'int32').oneHot(3, 1, 0), 'x.oneHot(3)');
    await expectSameAsTfjs(x.where(tn.greater(y, 0), y), tx.where(tf.greater(ty, 0), ty), 'x.where(condition, y)');
    await expectSameAsTfjs(x.stack(y, 1), tx.stack(ty, 1), 'x.stack(y, 1)');
    await expectSameAsTfjs(x.topk(2).indices, tx.topk(2).indices, 'x.topk(2)');
    expect(() => x.asScalar()).toThrow('asScalar: the tensor must have one element, received shape [4]');
  });

  it('the rank-named aliases do what the general op does and check the rank they promise', () => {
    const x = randomTensor([3, 4], 2);
    expect(vals(tn.slice2d(x, [1, 1], [2, 2]))).toEqual(vals(tn.slice(x, [1, 1], [2, 2])));
    expect(vals(tn.reverse2d(x, 1))).toEqual(vals(tn.reverse(x, 1)));
    expect(vals(tn.concat2d([x, x], 1))).toEqual(vals(tn.concat([x, x], 1)));
    expect(vals(tn.pad2d(x, [[1, 0], [0, 1]], 3))).toEqual(vals(tn.pad(x, [[1, 0], [0, 1]], 3)));
    expect(vals(tn.slice1d(tn.tensor([1, 2, 3, 4]), 1, 2))).toEqual([2, 3]);
    expect(vals(tn.concat1d([tn.tensor([1]), tn.tensor([2, 3])]))).toEqual([1, 2, 3]);
    expect(vals(tn.pad1d(tn.tensor([1]), [1, 2]))).toEqual([0, 1, 0, 0]);
    expect(() => tn.slice3d(x, [0, 0, 0], [1, 1, 1])).toThrow('slice3d: expected a tensor of rank 3, received shape [3,4]');
    expect(() => tn.concat4d([x], 0)).toThrow('concat4d: expected a tensor of rank 4, received shape [3,4]');
    expect(() => tn.addN([x, tn.ones([4, 3])])).toThrow('addN: the tensors must have one shape; tensor 0 has shape [3,4] and tensor 1 [4,3]');
    expect(() => tn.bincount(tn.tensor([1.5]), tn.tensor([]), 2)).toThrow('bincount: x must be an int32 vector');
    expect(() => tn.randomUniformInt([2], 3, 3)).toThrow('randomUniformInt: maxval (3) must be greater than minval (3)');
  });

  it("gatherND, scatterND, tensorScatterUpdate and gather's batchDims (also chained) equal TF.js's", async () => {
    await useCpu();
    const xv = Array.from({ length: 24 }, (_, i) => i * 0.5 - 3);
    const x = tn.tensor(xv, [2, 3, 4]);
    const tx = tf.tensor(xv, [2, 3, 4]);
    const pairs = [[1, 2], [0, 0], [1, 0]];
    await expectSameAsTfjs(tn.gatherND(x, tn.tensor(pairs, undefined, 'int32')), tf.gatherND(tx, tf.tensor(pairs, undefined, 'int32')), 'gatherND, pairs');
    await expectSameAsTfjs(tn.gatherND(x, tn.tensor([[[1, 2, 3]], [[0, 1, 0]]], undefined, 'int32')), tf.gatherND(tx, tf.tensor([[[1, 2, 3]], [[0, 1, 0]]], undefined, 'int32')), 'gatherND, full tuples');
    // A DQN's Q-value of each sample's action, both ways TF.js programs write it.
    const q = [[1, 2, 3], [4, 5, 6]];
    await expectSameAsTfjs(tn.gatherND(tn.tensor(q), tn.tensor([[0, 2], [1, 0]], undefined, 'int32')), tf.gatherND(tf.tensor(q), tf.tensor([[0, 2], [1, 0]], undefined, 'int32')), 'gatherND q');
    await expectSameAsTfjs(tn.tensor(q).gather(tn.tensor([2, 0], [2], 'int32'), 1, 1), tf.tensor(q).gather(tf.tensor([2, 0], [2], 'int32'), 1, 1), 'q.gather(actions, 1, 1)');
    const updates = [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]];
    const at = [[1, 2], [0, 0], [1, 2]];
    await expectSameAsTfjs(tn.scatterND(tn.tensor(at, undefined, 'int32'), tn.tensor(updates), [2, 3, 4]), tf.scatterND(tf.tensor(at, undefined, 'int32'), tf.tensor(updates), [2, 3, 4]), 'scatterND (a repeated index adds)');
    const distinct = [[1, 2], [0, 0], [0, 1]];
    await expectSameAsTfjs(tn.tensorScatterUpdate(x, tn.tensor(distinct, undefined, 'int32'), tn.tensor(updates)), tf.tensorScatterUpdate(tx, tf.tensor(distinct, undefined, 'int32'), tf.tensor(updates)), 'tensorScatterUpdate');
    gradCheck((t) => tn.gatherND(t, tn.tensor([[1, 2], [1, 2], [0, 1]], undefined, 'int32')), [randomTensor([2, 3, 4], 5)]);
    gradCheck((u) => tn.scatterND(tn.tensor(at, undefined, 'int32'), u, [2, 3, 4]), [randomTensor([3, 4], 6)]);
    expect(() => tn.gatherND(x, tn.tensor([[2, 0]], undefined, 'int32'))).toThrow('gatherND: index [2,0] is out of range for shape [2,3,4]');
    expect(() => tn.scatterND(tn.tensor(at, undefined, 'int32'), tn.ones([3, 5]), [2, 3, 4])).toThrow('scatterND: updates must have shape [3,4] for indices of shape [3,2] into shape [2,3,4], received [3,5]');
    expect(() => tn.tensorScatterUpdate(x, tn.tensor([[0, 0, 0, 0]], undefined, 'int32'), tn.ones([1]))).toThrow('tensorScatterUpdate: index tuples of length 4');
  });

  it('the composed ones have the gradients finite differences give', () => {
    const a = randomTensor([2, 3], 3, 0.5, 2);
    const b = randomTensor([2, 3], 4, 0.5, 2, [], 0.2);
    gradCheck((x, y) => tn.divNoNan(x, y), [a, b]);
    gradCheck((x) => tn.euclideanNorm(x, 1), [a]);
    gradCheck((x, y) => tn.addN([x, y, x]), [a, b]);
    // Where the divisor is 0 the result is 0 and so is its gradient (no NaN from the division read there).
    const grads = tn.grads((x: tn.Tensor, y: tn.Tensor) => tn.sum(tn.divNoNan(x, y)))([tn.tensor([1, 2]), tn.tensor([0, 4])]);
    expect(vals(grads[0])).toEqual([0, 0.25]);
    expect(vals(grads[1])).toEqual([0, -2 / 16]);
  });
});

describe("TF.js's explicit padding and the chained convolutions (tfjs-examples' mnist-core: x.conv2d(w, 1, 'same').maxPool([2, 2], 2, 0))", () => {
  const x = randomTensor([2, 7, 6, 3], 11);
  const filter = randomTensor([3, 2, 3, 4], 12);
  const tx = () => tf.tensor4d(Array.from(x.data() as Float32Array), [2, 7, 6, 3]);
  const tfilter = () => tf.tensor4d(Array.from(filter.data() as Float32Array), [3, 2, 3, 4]);
  type Pad = number | number[][];
  type Rounding = 'floor' | 'round' | 'ceil' | undefined;
  const pads: [Pad, Rounding][] = [
    [0, undefined], [1, undefined], [2, 'ceil'], [1, 'round'], [1, 'floor'], [[[0, 0], [2, 0], [1, 3], [0, 0]], undefined],
  ];

  it('conv2d, maxPool and avgPool with a count or [[0, 0], [t, b], [l, r], [0, 0]] and dimRoundingMode equal TF.js\'s', async () => {
    await useCpu();
    const square = randomTensor([3, 3, 3, 4], 17);
    const tsquare = tf.tensor4d(Array.from(square.data() as Float32Array), [3, 3, 3, 4]);
    const dw = randomTensor([3, 3, 3, 2], 18);
    const tdw = tf.tensor4d(Array.from(dw.data() as Float32Array), [3, 3, 3, 2]);
    for (const [pad, mode] of pads) {
      const what = `pad ${JSON.stringify(pad)} ${mode}`;
      if (Array.isArray(pad)) {
        await expectSameAsTfjs(tn.conv2d(x, filter, [2, 1], pad, 'NHWC', 1, mode), tf.conv2d(tx(), tfilter(), [2, 1], pad as never, 'NHWC', 1, mode), `conv2d ${what}`);
        await expectSameAsTfjs(tn.conv2d(x, filter, 1, pad, 'NHWC', [2, 2]), tf.conv2d(tx(), tfilter(), 1, pad as never, 'NHWC', [2, 2]), `dilated conv2d ${what}`);
        await expectSameAsTfjs(tn.depthwiseConv2d(x, dw, [2, 1], pad, 'NHWC', 1, mode), tf.depthwiseConv2d(tx(), tdw, [2, 1], pad as never, 'NHWC', 1, mode), `depthwiseConv2d ${what}`);
        continue; // TF.js's pooling takes a count only
      }
      // TF.js sizes both axes of a count's output with the window's and stride's first entry, so square ones here.
      await expectSameAsTfjs(tn.conv2d(x, square, 2, pad, 'NHWC', 1, mode), tf.conv2d(tx(), tsquare, 2, pad, 'NHWC', 1, mode), `conv2d ${what}`);
      await expectSameAsTfjs(tn.depthwiseConv2d(x, dw, 2, pad, 'NHWC', 1, mode), tf.depthwiseConv2d(tx(), tdw, 2, pad, 'NHWC', 1, mode), `depthwiseConv2d ${what}`);
      await expectSameAsTfjs(x.depthwiseConv2d(dw, 1, pad, 'NHWC', 2, mode), tx().depthwiseConv2d(tdw, 1, pad, 'NHWC', 2, mode), `chained dilated depthwiseConv2d ${what}`);
      await expectSameAsTfjs(tn.maxPool(x, 3, 2, pad, mode), tf.maxPool(tx(), 3, 2, pad, mode), `maxPool ${what}`);
      await expectSameAsTfjs(tn.avgPool(x, 3, 2, pad, mode), tf.avgPool(tx(), 3, 2, pad, mode), `avgPool ${what}`);
    }
    // Chained, and unbatched [h, w, c].
    await expectSameAsTfjs(x.conv2d(filter, 1, 'same').relu().maxPool([2, 2], 2, 0), tx().conv2d(tfilter(), 1, 'same').relu().maxPool([2, 2], 2, 0), 'mnist-core chain');
    await expectSameAsTfjs(x.avgPool(3, 1, 1), tx().avgPool(3, 1, 1), 'chained avgPool');
    const one = tn.slice(x, [1, 0, 0, 0], [1, 7, 6, 3]).reshape([7, 6, 3]);
    await expectSameAsTfjs(one.maxPool(2, 2, 1), tf.maxPool(tx().slice([1, 0, 0, 0], [1, 7, 6, 3]).reshape([7, 6, 3]) as never, 2, 2, 1), 'unbatched maxPool');
    const dw2 = randomTensor([2, 2, 3, 2], 13);
    const tdw2 = tf.tensor4d(Array.from(dw2.data() as Float32Array), [2, 2, 3, 2]);
    await expectSameAsTfjs(x.depthwiseConv2d(dw2, 1, 'same'), tx().depthwiseConv2d(tdw2, 1, 'same'), 'chained depthwiseConv2d');
    const up = randomTensor([3, 3, 2, 3], 14);
    const tup = tf.tensor4d(Array.from(up.data() as Float32Array), [3, 3, 2, 3]);
    await expectSameAsTfjs(x.conv2dTranspose(up, [2, 14, 12, 2], 2, 'same'), tx().conv2dTranspose(tup, [2, 14, 12, 2], 2, 'same'), 'chained conv2dTranspose');
    // conv2dTranspose with the pads of the convolution it transposes (whose input has outputShape).
    const dy = randomTensor([2, 4, 3, 3], 20);
    const tdy = tf.tensor4d(Array.from(dy.data() as Float32Array), [2, 4, 3, 3]);
    const transposes: [number[], number | [number, number], Pad, Rounding][] = [
      [[2, 8, 5, 2], 2, 1, undefined], [[2, 7, 6, 2], 2, 1, 'floor'], [[2, 6, 5, 2], 2, 1, 'ceil'], [[2, 9, 6, 2], 2, 0, 'round'],
      [[2, 7, 1, 2], [2, 1], [[0, 0], [2, 0], [1, 3], [0, 0]], undefined],
    ];
    for (const [shape, strides, pad, mode] of transposes) {
      const what = `conv2dTranspose to ${JSON.stringify(shape)} strides ${JSON.stringify(strides)} pad ${JSON.stringify(pad)} ${mode}`;
      await expectSameAsTfjs(dy.conv2dTranspose(up, shape, strides, pad, mode), tf.conv2dTranspose(tdy, tup, shape as never, strides, pad as never, mode), what);
    }
  });

  it('has finite-difference gradients through the pads, and clear errors', () => {
    const small = randomTensor([1, 4, 5, 2], 15);
    const k = randomTensor([2, 3, 2, 2], 16);
    gradCheck((a, b) => tn.conv2d(a, b, 2, 1, 'NHWC', 1, 'ceil'), [small, k]);
    gradCheck((a) => tn.maxPool(a, 2, 2, 1, 'ceil'), [small]);
    gradCheck((a) => tn.avgPool(a, [2, 3], 2, [[0, 0], [1, 0], [0, 2], [0, 0]] as never), [small]);
    gradCheck((a, b) => tn.depthwiseConv2d(a, b, 2, [[0, 0], [1, 0], [0, 2], [0, 0]]), [small, randomTensor([2, 3, 2, 2], 19)]);
    gradCheck((a, b) => tn.conv2dTranspose(a, b, [1, 6, 5, 3], 2, 1, 'ceil'), [randomTensor([1, 4, 3, 2], 21), randomTensor([3, 3, 3, 2], 22)]);
    expect(() => tn.conv2dTranspose(small, randomTensor([3, 3, 3, 2], 22), [1, 9, 5, 3], 2, 1)).toThrow(/conv2dTranspose: an output of 11x7 does not match the 4x5 input/);
    expect(() => tn.depthwiseConv2d(small, k, 1, -1)).toThrow("depthwiseConv2d: pad must be 'valid', 'same', a non-negative integer or [[0, 0], [top, bottom], [left, right], [0, 0]], received -1");
    expect(() => tn.depthwiseConv2d(small, k, 1, 'same', 'NHWC', 1, 'ceil')).toThrow('depthwiseConv2d: dimRoundingMode applies to numeric padding; received pad "same" with dimRoundingMode "ceil"');
    expect(() => tn.maxPool(small, 2, 2, -1)).toThrow("maxPool: pad must be 'valid', 'same', a non-negative integer or [[0, 0], [top, bottom], [left, right], [0, 0]], received -1");
    expect(() => tn.conv2d(small, k, 1, [[1, 0], [0, 0], [0, 0], [0, 0]])).toThrow("conv2d: pad must be 'valid', 'same', a non-negative integer or [[0, 0], [top, bottom], [left, right], [0, 0]], received [[1,0],[0,0],[0,0],[0,0]]");
    expect(() => tn.avgPool(small, 2, 2, 'same', 'ceil')).toThrow('avgPool: dimRoundingMode applies to numeric padding; received pad "same" with dimRoundingMode "ceil"');
    expect(() => tn.maxPool(small, 2, 2, 0, 'up')).toThrow(`maxPool: dimRoundingMode must be 'floor', 'round' or 'ceil', received "up"`);
    expect(() => tn.maxPool(small, 7, 1, 1)).toThrow('maxPool: the window 7x7 does not fit in the 4x5 input with pad 1');
    expect(() => tn.conv2d(small, randomTensor([2, 2, 3, 1], 1), 1, 1)).toThrow('conv2d: the input has 2 channels but the kernel expects 3');
  });
});

describe("TF.js's tf.image", () => {
  it('resizeBilinear and resizeNearestNeighbor equal TF.js\'s for every alignCorners / halfPixelCenters, up and down, 3-D and 4-D', async () => {
    await useCpu();
    const x = randomTensor([2, 5, 7, 3], 21);
    const tx = tf.tensor4d(Array.from(x.data() as Float32Array), [2, 5, 7, 3]);
    const flags: [boolean, boolean][] = [[false, false], [true, false], [false, true]];
    for (const size of [[9, 4], [3, 7], [1, 1], [10, 14]] as [number, number][]) {
      for (const [align, half] of flags) {
        const what = `${size} align ${align} half ${half}`;
        await expectSameAsTfjs(tn.image.resizeBilinear(x, size, align, half), tf.image.resizeBilinear(tx, size, align, half), `bilinear ${what}`);
        await expectSameAsTfjs(tn.image.resizeNearestNeighbor(x, size, align, half), tf.image.resizeNearestNeighbor(tx, size, align, half), `nearest ${what}`);
      }
    }
    // TF.js's defaults (neither flag) and the chained forms.
    await expectSameAsTfjs(x.resizeBilinear([8, 3]), tx.resizeBilinear([8, 3]), 'chained bilinear');
    await expectSameAsTfjs(x.resizeNearestNeighbor([8, 3], true), tx.resizeNearestNeighbor([8, 3], true), 'chained nearest');
    const one = tn.slice(x, [0, 0, 0, 0], [1, 5, 7, 3]).reshape([5, 7, 3]);
    await expectSameAsTfjs(tn.image.resizeBilinear(one, [4, 4]), tf.image.resizeBilinear(tx.slice([0, 0, 0, 0], [1, 5, 7, 3]).reshape([5, 7, 3]) as never, [4, 4]), 'unbatched');
    await expectSameAsTfjs(tn.image.flipLeftRight(x), tf.image.flipLeftRight(tx), 'flipLeftRight');
    const gray = tn.image.rgbToGrayscale(x);
    await expectSameAsTfjs(gray, tf.image.rgbToGrayscale(tx), 'rgbToGrayscale');
    await expectSameAsTfjs(tn.image.grayscaleToRGB(gray), tf.image.grayscaleToRGB(tf.image.rgbToGrayscale(tx)), 'grayscaleToRGB');
    const ints = tn.tensor([[[10, 200, 30]]], [1, 1, 3], 'int32');
    await expectSameAsTfjs(tn.image.rgbToGrayscale(ints), tf.image.rgbToGrayscale(tf.tensor3d([[[10, 200, 30]]], [1, 1, 3], 'int32')), 'int32 rgbToGrayscale');
    expect(tn.image.rgbToGrayscale(ints).dtype).toBe('int32');
  });

  it('the resizes have finite-difference gradients; bad calls name the op', () => {
    const x = randomTensor([1, 3, 4, 2], 22);
    gradCheck((a) => tn.image.resizeBilinear(a, [5, 3], true, false), [x]);
    gradCheck((a) => tn.image.resizeBilinear(a, [2, 6]), [x]);
    gradCheck((a) => tn.image.resizeNearestNeighbor(a, [5, 7], false, true), [x]);
    expect(() => tn.image.resizeBilinear(x, [2, 2], true, true)).toThrow('image.resizeBilinear: if halfPixelCenters is true, alignCorners must be false');
    expect(() => tn.image.resizeNearestNeighbor(tn.zeros([4, 4]), [2, 2])).toThrow('image.resizeNearestNeighbor: images must be rank 3 [height, width, channels] or 4 [batch, height, width, channels], received shape [4,4]');
    expect(() => tn.image.resizeBilinear(x, [0, 2])).toThrow('image.resizeBilinear: size must be [height, width] of positive integers, received [0,2]');
    expect(() => tn.image.flipLeftRight(tn.zeros([3, 4, 2]))).toThrow('image.flipLeftRight: images must be rank 4 [batch, height, width, channels], received shape [3,4,2]');
    expect(() => tn.image.rgbToGrayscale(tn.zeros([2, 4]))).toThrow('image.rgbToGrayscale: the image must have rank 2 or more and 3 channels last, received shape [2,4]');
    expect(() => tn.image.grayscaleToRGB(tn.zeros([2, 3]))).toThrow('image.grayscaleToRGB: the image must have rank 2 or more and 1 channel last, received shape [2,3]');
  });
});
