// TF.js's batchNorm (and batchNorm2d..4d), separableConv2d, prelu, localResponseNormalization, movingAverage and
// inTopKAsync: each against TF.js's own op on the same values (@tensorflow/tfjs, CPU backend), the chained forms,
// finite-difference gradients of the differentiable ones, and errors that name the op and the shapes.
import { describe, expect, it } from 'vitest';
import * as tn from '../lib/index.js';
import { gradCheck, randomTensor } from './helpers/gradcheck.js';
import { expectClose, tf, useCpu } from './helpers/tfjs.js';

type TfTensor = ReturnType<typeof tf.tensor>;
const vals = (t: tn.Tensor) => Float32Array.from(t.data() as ArrayLike<number>);
const tfOf = (t: tn.Tensor): TfTensor => tf.tensor(vals(t), t.shape.slice());

function expectSame(ours: tn.Tensor, theirs: TfTensor, what: string, rtol = 1e-5, atol = 1e-5): void {
  expect(ours.shape, what).toEqual(theirs.shape);
  expectClose(vals(ours), theirs.dataSync() as Float32Array, rtol, atol, what);
}

describe('TF.js\'s neural-network ops', () => {
  it('batchNorm and batchNorm2d..4d equal TF.js\'s, per-channel vectors and full-rank statistics, chained too', async () => {
    await useCpu();
    const x = randomTensor([2, 3, 4, 5], 1);
    const mean = randomTensor([5], 2);
    const variance = randomTensor([5], 3, 0.1, 2);
    const offset = randomTensor([5], 4);
    const scale = randomTensor([5], 5);
    expectSame(tn.batchNorm(x, mean, variance, offset, scale), tf.batchNorm(tfOf(x), tfOf(mean), tfOf(variance), tfOf(offset), tfOf(scale)), 'batchNorm');
    expectSame(tn.batchNorm(x, mean, variance), tf.batchNorm(tfOf(x), tfOf(mean), tfOf(variance)), 'batchNorm without offset and scale');
    expectSame(tn.batchNorm(x, mean, variance, undefined, scale, 0.5), tf.batchNorm(tfOf(x), tfOf(mean), tfOf(variance), undefined, tfOf(scale), 0.5), 'batchNorm with scale only');
    expectSame(tn.batchNorm4d(x, mean, variance, offset, scale, 1e-2), tf.batchNorm4d(tfOf(x) as never, tfOf(mean) as never, tfOf(variance) as never, tfOf(offset) as never, tfOf(scale) as never, 1e-2), 'batchNorm4d');
    expectSame(x.batchNorm(mean, variance, offset, scale), tfOf(x).batchNorm(tfOf(mean), tfOf(variance), tfOf(offset), tfOf(scale)), 'x.batchNorm');
    const x2 = randomTensor([6, 5], 6);
    const full = [randomTensor([6, 5], 7), randomTensor([6, 5], 8, 0.1, 2), randomTensor([6, 5], 9), randomTensor([6, 5], 10)];
    expectSame(tn.batchNorm2d(x2, full[0], full[1], full[2], full[3]), tf.batchNorm2d(tfOf(x2) as never, tfOf(full[0]) as never, tfOf(full[1]) as never, tfOf(full[2]) as never, tfOf(full[3]) as never), 'batchNorm2d, statistics of x\'s shape');
    const x3 = randomTensor([3, 4, 5], 11);
    expectSame(tn.batchNorm3d(x3, mean, variance, offset, scale), tf.batchNorm3d(tfOf(x3) as never, tfOf(mean) as never, tfOf(variance) as never, tfOf(offset) as never, tfOf(scale) as never), 'batchNorm3d');

    gradCheck((a, m, v, o, s) => tn.batchNorm(a, m, v, o, s), [randomTensor([2, 3, 4], 12), randomTensor([4], 13), randomTensor([4], 14, 0.5, 2), randomTensor([4], 15), randomTensor([4], 16)]);

    expect(() => tn.batchNorm(x, randomTensor([4], 1), variance)).toThrow(/batchNorm: mean of shape \[4\] does not broadcast to x's shape \[2,3,4,5\]/);
    expect(() => tn.batchNorm(x, mean, randomTensor([1, 5], 1))).toThrow(/batchNorm: mean and variance must have the same rank, received shapes \[5\] and \[1,5\]/);
    expect(() => tn.batchNorm2d(x3, mean, variance)).toThrow(/batchNorm2d: x must have rank 2, received shape \[3,4,5\]/);
    expect(() => tn.batchNorm4d(x, randomTensor([1, 5], 1), randomTensor([1, 5], 2))).toThrow(/batchNorm4d: mean must have rank 1 or 4, received shape \[1,5\]/);
  });

  it('separableConv2d equals TF.js\'s for valid, same and numeric padding, strides, dilation and one image', async () => {
    await useCpu();
    const x = randomTensor([2, 7, 6, 3], 20);
    const dw = randomTensor([3, 3, 3, 2], 21);
    const pw = randomTensor([1, 1, 6, 4], 22);
    const cases: [number | [number, number], 'valid' | 'same' | number, number | [number, number]][] = [
      [1, 'valid', 1], [1, 'same', 1], [2, 'same', 1], [[2, 1], 'valid', 1], [1, 'valid', 2], [1, 1, 1], [2, 2, 1],
    ];
    for (const [strides, pad, dilation] of cases) {
      const what = `separableConv2d strides ${JSON.stringify(strides)} pad ${pad} dilation ${dilation}`;
      expectSame(tn.separableConv2d(x, dw, pw, strides, pad, dilation), tf.separableConv2d(tfOf(x) as never, tfOf(dw) as never, tfOf(pw) as never, strides, pad as never, dilation), what, 1e-4, 1e-4);
    }
    const image = randomTensor([5, 5, 3], 23);
    expectSame(tn.separableConv2d(image, dw, pw, 1, 'same'), tf.separableConv2d(tfOf(image) as never, tfOf(dw) as never, tfOf(pw) as never, 1, 'same'), 'separableConv2d on one image', 1e-4, 1e-4);
    expectSame(x.separableConv2d(dw, pw, 1, 'same'), tfOf(x).separableConv2d(tfOf(dw) as never, tfOf(pw) as never, 1, 'same'), 'x.separableConv2d', 1e-4, 1e-4);

    gradCheck((a, d, p) => tn.separableConv2d(a, d, p, 1, 'same'), [randomTensor([1, 4, 4, 2], 24), randomTensor([2, 2, 2, 2], 25), randomTensor([1, 1, 4, 3], 26)]);
    gradCheck((a, d, p) => tn.separableConv2d(a, d, p, 2, 1), [randomTensor([1, 5, 4, 2], 27), randomTensor([3, 3, 2, 1], 28), randomTensor([1, 1, 2, 2], 29)]);

    expect(() => tn.separableConv2d(x, randomTensor([3, 3, 4, 2], 1), pw)).toThrow(/separableConv2d: depthwiseFilter must be \[filterHeight, filterWidth, 3, channelMultiplier\] for x of shape \[2,7,6,3\], received \[3,3,4,2\]/);
    expect(() => tn.separableConv2d(x, dw, randomTensor([1, 1, 5, 4], 1))).toThrow(/separableConv2d: pointwiseFilter must be \[1, 1, 6, outChannels\] for depthwiseFilter of shape \[3,3,3,2\], received \[1,1,5,4\]/);
    expect(() => tn.separableConv2d(randomTensor([7, 6], 1), dw, pw)).toThrow(/separableConv2d: x must be .* received shape \[7,6\]/);
  });

  it('prelu and localResponseNormalization equal TF.js\'s, with their gradients', async () => {
    await useCpu();
    const x = randomTensor([2, 3, 4], 30);
    const alpha = randomTensor([4], 31, 0, 0.5);
    expectSame(tn.prelu(x, alpha), tf.prelu(tfOf(x), tfOf(alpha)), 'prelu');
    expectSame(x.prelu(0.1), tfOf(x).prelu(tf.scalar(0.1)), 'x.prelu');
    gradCheck((a, s) => tn.prelu(a, s), [randomTensor([2, 3, 4], 32, -2, 2, [0]), alpha]);
    expect(() => tn.prelu(x, randomTensor([3], 1))).toThrow(/prelu: alpha of shape \[3\] does not broadcast against x of shape \[2,3,4\]/);

    const images = randomTensor([2, 3, 3, 7], 33);
    for (const [r, bias, a, beta] of [[5, 1, 1, 0.5], [1, 2, 0.5, 0.75], [2, 1, 0.3, 1], [10, 0.5, 1, 0.5], [0, 1, 1, 0.5]]) {
      expectSame(tn.localResponseNormalization(images, r, bias, a, beta), tf.localResponseNormalization(tfOf(images) as never, r, bias, a, beta), `localResponseNormalization(${r}, ${bias}, ${a}, ${beta})`);
    }
    const one = randomTensor([3, 3, 7], 34);
    expectSame(one.localResponseNormalization(2), tfOf(one).localResponseNormalization(2), 'x.localResponseNormalization on one image');
    // The gradient against TF.js's own LRN gradient kernel, and by finite differences.
    const lrnGrad = tn.grad((t: tn.Tensor) => tn.sum(tn.mul(tn.localResponseNormalization(t, 2, 1, 0.5, 0.75), tn.range(0, 126).reshape([2, 3, 3, 7]))))(images);
    const tfGrad = tf.grad((t: TfTensor) => tf.sum(tf.mul(tf.localResponseNormalization(t as never, 2, 1, 0.5, 0.75), tf.range(0, 126).reshape([2, 3, 3, 7]))))(tfOf(images));
    expectSame(lrnGrad, tfGrad, 'localResponseNormalization gradient', 1e-4, 1e-4);
    gradCheck((t) => tn.localResponseNormalization(t, 2, 1, 0.5, 0.75), [randomTensor([1, 2, 2, 5], 35)]);
    expect(() => tn.localResponseNormalization(randomTensor([3, 7], 1))).toThrow(/localResponseNormalization: x must be .* received shape \[3,7\]/);
  });

  it('movingAverage and inTopKAsync equal TF.js\'s', async () => {
    await useCpu();
    const v = randomTensor([3, 4], 40);
    const x = randomTensor([3, 4], 41);
    expectSame(tn.movingAverage(v, x, 0.9, 3), tf.movingAverage(tfOf(v), tfOf(x), 0.9, 3), 'movingAverage with zeroDebias');
    expectSame(tn.movingAverage(v, x, 0.8, undefined, false), tf.movingAverage(tfOf(v), tfOf(x), 0.8, undefined, false), 'movingAverage without zeroDebias');
    gradCheck((a, b) => tn.movingAverage(a, b, 0.7, 2), [v, x]);
    expect(() => tn.movingAverage(v, x, 0.9)).toThrow(/movingAverage: step is required when zeroDebias is true/);
    expect(() => tn.movingAverage(v, randomTensor([4, 3], 1), 0.9, 1)).toThrow(/movingAverage: v and x must have one shape, received \[3,4\] and \[4,3\]/);

    // Ties (row 1) are ranked in class order, as TF.js's stable sort ranks them.
    const p = [[0.1, 0.5, 0.2, 0.2], [0.3, 0.3, 0.3, 0.1], [0.9, 0.05, 0.03, 0.02]];
    const targets = [2, 2, 0];
    for (const k of [1, 2, 3, 4]) {
      const ours = await tn.inTopKAsync(tn.tensor(p), tn.tensor(targets, [3], 'int32'), k);
      const theirs = await tf.inTopKAsync(tf.tensor(p), tf.tensor1d(targets, 'int32'), k);
      expect(Array.from(ours.data() as Int32Array), `inTopKAsync k ${k}`).toEqual(Array.from(theirs.dataSync(), Number));
    }
    await expect(tn.inTopKAsync(tn.tensor(p), tn.tensor([1, 2], [2], 'int32'))).rejects.toThrow(/inTopKAsync: predictions must be \[..., classes\] and targets their leading shape, received \[3,4\] and \[2\]/);
    await expect(tn.inTopKAsync(tn.tensor(p), tn.tensor(targets, [3], 'int32'), 5)).rejects.toThrow(/inTopKAsync: k must be an integer in \[1, 4\]/);
  });
});
