// TF.js's tf.linalg (bandPart, gramSchmidt, qr) and tf.math.confusionMatrix against TF.js's own ops on the same
// values (@tensorflow/tfjs, CPU backend), their gradients by finite differences, and errors that name the op and the
// shapes.
import { describe, expect, it } from 'vitest';
import * as tn from '../lib/index.js';
import { gradCheck, randomTensor } from './helpers/gradcheck.js';
import { expectClose, tf, useCpu } from './helpers/tfjs.js';

type TfTensor = ReturnType<typeof tf.tensor>;
const vals = (t: tn.Tensor) => Array.from(t.data() as ArrayLike<number>);
const tfOf = (t: tn.Tensor): TfTensor => tf.tensor(vals(t), t.shape.slice(), t.dtype === 'int32' ? 'int32' : 'float32');

function expectSame(ours: tn.Tensor, theirs: TfTensor, what: string, rtol = 1e-5, atol = 1e-5): void {
  expect(ours.shape, what).toEqual(theirs.shape);
  expectClose(Float32Array.from(ours.data() as ArrayLike<number>), Float32Array.from(theirs.dataSync() as ArrayLike<number>), rtol, atol, what);
}

describe('TF.js\'s tn.linalg and tn.math', () => {
  it('linalg.bandPart equals TF.js\'s on matrices and batches, with scalar-tensor widths and its gradient', async () => {
    await useCpu();
    const a = randomTensor([2, 4, 5], 1, -2, 2, [0]);
    for (const [lo, up] of [[-1, 0], [0, -1], [0, 0], [1, 2], [-1, -1], [3, 1], [4, 5]]) {
      expectSame(tn.linalg.bandPart(a, lo, up), tf.linalg.bandPart(tfOf(a), lo, up), `bandPart(${lo}, ${up})`);
    }
    expectSame(tn.linalg.bandPart(a, tn.scalar(1, 'int32'), tn.scalar(-1, 'int32')), tf.linalg.bandPart(tfOf(a), tf.scalar(1, 'int32'), tf.scalar(-1, 'int32')), 'bandPart with scalar tensors');
    gradCheck((t) => tn.linalg.bandPart(t, 1, 0), [randomTensor([3, 3], 2)]);
    expect(() => tn.linalg.bandPart(tn.zeros([4]), 0, 0)).toThrow(/linalg.bandPart: a must have rank 2 or more \(\[..., M, N\]\), received shape \[4\]/);
    expect(() => tn.linalg.bandPart(a, 5, 0)).toThrow(/linalg.bandPart: numLower \(5\) must be at most 4, the matrix's size/);
  });

  it('linalg.gramSchmidt equals TF.js\'s on a matrix and a list, with its gradient', async () => {
    await useCpu();
    const m = randomTensor([3, 4], 3);
    expectSame(tn.linalg.gramSchmidt(m) as tn.Tensor, tf.linalg.gramSchmidt(tfOf(m) as never) as TfTensor, 'gramSchmidt of a matrix', 1e-4, 1e-5);
    const list = [randomTensor([3], 4), randomTensor([3], 5)];
    const ours = tn.linalg.gramSchmidt(list) as tn.Tensor[];
    const theirs = tf.linalg.gramSchmidt(list.map(tfOf) as never) as TfTensor[];
    expect(ours.length).toBe(2);
    ours.forEach((o, k) => expectSame(o, theirs[k], `gramSchmidt of a list, vector ${k}`, 1e-4, 1e-5));
    gradCheck((t) => tn.linalg.gramSchmidt(t) as tn.Tensor, [randomTensor([2, 3], 6)]);
    expect(() => tn.linalg.gramSchmidt([randomTensor([3], 1), randomTensor([2], 2)])).toThrow(/linalg.gramSchmidt: every vector must have shape \[3\], vector 1 has \[2\]/);
    expect(() => tn.linalg.gramSchmidt(randomTensor([4, 3], 1))).toThrow(/linalg.gramSchmidt: 4 vectors of dimension 3 cannot be orthonormal/);
  });

  it('linalg.qr equals TF.js\'s for tall, wide, square and batched matrices, reduced and full, with its gradient', async () => {
    await useCpu();
    // TF.js's batched qr reshapes q and r to x's shape, which only fits square matrices (a batch of [4, 2] fails
    // with 'Size(24) must match the product of shape 2,3,4,2'), so non-square batches are compared matrix by matrix.
    const tfQr = (x: TfTensor, full: boolean): [TfTensor, TfTensor] => {
      if (x.rank === 2 || x.shape[x.rank - 1] === x.shape[x.rank - 2]) return tf.linalg.qr(x, full) as [TfTensor, TfTensor];
      const [m, n] = x.shape.slice(-2);
      const parts = tf.unstack(x.reshape([-1, m, n])).map((a) => tf.linalg.qr(a, full));
      const lead = x.shape.slice(0, -2);
      const q = tf.stack(parts.map((p) => p[0]));
      const r = tf.stack(parts.map((p) => p[1]));
      return [q.reshape([...lead, ...q.shape.slice(1)]), r.reshape([...lead, ...r.shape.slice(1)])];
    };
    for (const [shape, full] of [[[5, 3], false], [[5, 3], true], [[3, 5], false], [[4, 4], true], [[2, 3, 3, 3], false], [[2, 3, 4, 2], false], [[2, 4, 3], true]] as [number[], boolean][]) {
      const x = randomTensor(shape, shape.length + shape[0] * 7);
      const [q, r] = tn.linalg.qr(x, full);
      const [tq, tr] = tfQr(tfOf(x), full);
      expectSame(q, tq, `qr q ${JSON.stringify(shape)} full ${full}`, 1e-4, 1e-5);
      expectSame(r, tr, `qr r ${JSON.stringify(shape)} full ${full}`, 1e-4, 1e-5);
      expectSame(tn.matMul(q, r), tfOf(x), `q r = x for ${JSON.stringify(shape)}`, 1e-4, 1e-5);
    }
    // The reflection's sign follows the sign of R's diagonal entry before it, so q and r jump where one crosses 0:
    // these matrices keep every such entry further from 0 than the finite-difference steps reach.
    gradCheck((t) => tn.linalg.qr(t)[1], [randomTensor([4, 3], 8)]);
    gradCheck((t) => tn.linalg.qr(t)[0], [randomTensor([4, 3], 11)]);
    gradCheck((t) => tn.linalg.qr(t, true)[0], [randomTensor([3, 3], 12)]);
    expect(() => tn.linalg.qr(tn.zeros([3]))).toThrow(/linalg.qr: x must have rank 2 or more \(\[..., M, N\]\), received shape \[3\]/);
  });

  it('math.confusionMatrix equals TF.js\'s', async () => {
    await useCpu();
    const labels = [0, 1, 2, 2, 1, 0, 3, 3, 3];
    const predictions = [0, 2, 2, 1, 1, 0, 3, 0, 3];
    const ours = tn.math.confusionMatrix(tn.tensor(labels, [9], 'int32'), tn.tensor(predictions, [9], 'int32'), 5);
    const theirs = tf.math.confusionMatrix(tf.tensor1d(labels, 'int32'), tf.tensor1d(predictions, 'int32'), 5);
    expect(ours.dtype).toBe('int32');
    expect(ours.shape).toEqual(theirs.shape);
    expect(vals(ours)).toEqual(Array.from(theirs.dataSync()));
    expect(() => tn.math.confusionMatrix(tn.tensor([0, 1], [2], 'int32'), tn.tensor([0], [1], 'int32'), 2)).toThrow(/math.confusionMatrix: labels and predictions must be vectors of one length, received shapes \[2\] and \[1\]/);
    expect(() => tn.math.confusionMatrix(tn.tensor([0, 4], [2], 'int32'), tn.tensor([0, 1], [2], 'int32'), 3)).toThrow(/math.confusionMatrix: label 4 and prediction 1 at index 1 must be integers in \[0, 3\)/);
  });
});
