// The fused batch normalization op (layers' BatchNormalization on channels-last data): finite differences in both
// modes, float64 references (including inputs whose mean dwarfs their spread), and sums that do not depend on the
// number of threads.
import { afterAll, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { native } from '../../lib/native.js';
import { fusedBatchNorm } from '../../lib/ops/nn.js';
import { gradCheck, randomTensor } from '../helpers/gradcheck.js';

const defaultThreads = native.backendInfo().threads;
afterAll(() => tn.setNumThreads(defaultThreads));

/** float64 batch normalization over all axes but the last, with the batch's own statistics or given ones. */
function reference(x: tn.Tensor, gamma: Float32Array | null, beta: Float32Array | null, eps: number, stats?: [Float32Array, Float32Array]) {
  const c = x.shape[x.rank - 1];
  const v = x.data() as Float32Array;
  const rows = v.length / c;
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  if (stats) {
    stats[0].forEach((m, j) => (mean[j] = m));
    stats[1].forEach((s, j) => (variance[j] = s));
  } else {
    for (let r = 0; r < rows; r++) for (let j = 0; j < c; j++) mean[j] += v[r * c + j] / rows;
    for (let r = 0; r < rows; r++) for (let j = 0; j < c; j++) variance[j] += (v[r * c + j] - mean[j]) ** 2 / rows;
  }
  const y = new Float64Array(v.length);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < c; j++) {
      y[r * c + j] = ((v[r * c + j] - mean[j]) / Math.sqrt(variance[j] + eps)) * (gamma ? gamma[j] : 1) + (beta ? beta[j] : 0);
    }
  }
  return { y, mean, variance };
}

function maxRelError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i])));
  return worst;
}

describe(`fused batch normalization on ${native.backendInfo().isa}`, () => {
  it('matches float64 references with batch statistics and with given statistics', () => {
    for (const shape of [[5, 3], [2, 3, 4, 17], [1, 1], [7, 1, 1, 33]]) {
      const c = shape[shape.length - 1];
      const x = randomTensor(shape, 11, -3, 3);
      const gamma = randomTensor([c], 12, 0.5, 2);
      const beta = randomTensor([c], 13);
      const train = fusedBatchNorm(x, gamma, beta, 1e-3, null);
      const want = reference(x, gamma.data() as Float32Array, beta.data() as Float32Array, 1e-3);
      expect(maxRelError(train.y.data(), want.y), `${shape} y`).toBeLessThan(2e-5);
      expect(maxRelError(train.mean.data(), want.mean), `${shape} mean`).toBeLessThan(1e-6);
      expect(maxRelError(train.variance.data(), want.variance), `${shape} variance`).toBeLessThan(1e-5);

      const mean = randomTensor([c], 14);
      const variance = randomTensor([c], 15, 0.1, 3);
      const infer = fusedBatchNorm(x, null, beta, 1e-2, { mean, variance });
      const want2 = reference(x, null, beta.data() as Float32Array, 1e-2, [mean.data() as Float32Array, variance.data() as Float32Array]);
      expect(maxRelError(infer.y.data(), want2.y), `${shape} inference y`).toBeLessThan(2e-5);
    }
  });

  it('keeps the variance of an input whose mean is far larger than its spread', () => {
    const n = 4096;
    const v = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      v[2 * i] = 10000 + (i % 7) * 0.01;
      v[2 * i + 1] = -5000 + (i % 3);
    }
    const x = tn.tensor(v, [n, 2]);
    const got = fusedBatchNorm(x, null, null, 1e-8, null);
    const want = reference(x, null, null, 1e-8);
    expect(maxRelError(got.variance.data(), want.variance)).toBeLessThan(1e-4);
    // The mean is stored in float32 (spacing 0.001 at 10000), and y = (x - mean) / 0.02 carries that rounding:
    // up to 0.025 here, for any float32 implementation; a lost variance would be off by orders of magnitude.
    expect(maxRelError(got.y.data(), want.y)).toBeLessThan(0.03);
  });

  it('has the gradients of finite differences with batch statistics (training)', () => {
    for (const shape of [[6, 3], [2, 3, 2, 5], [3, 1]]) {
      const c = shape[shape.length - 1];
      const f = (x: tn.Tensor, g: tn.Tensor, b: tn.Tensor) => fusedBatchNorm(x, g, b, 1e-3, null).y;
      gradCheck(f, [randomTensor(shape, 21), randomTensor([c], 22, 0.5, 2), randomTensor([c], 23)]);
      gradCheck((x: tn.Tensor) => fusedBatchNorm(x, null, null, 1e-3, null).y, [randomTensor(shape, 24)]);
    }
  });

  it('has the gradients of finite differences with given statistics (inference)', () => {
    const stats = { mean: randomTensor([4], 31), variance: randomTensor([4], 32, 0.2, 2) };
    const f = (x: tn.Tensor, g: tn.Tensor, b: tn.Tensor) => fusedBatchNorm(x, g, b, 1e-3, stats).y;
    gradCheck(f, [randomTensor([3, 2, 4], 33), randomTensor([4], 34, 0.5, 2), randomTensor([4], 35)]);
  });

  it('gives bitwise the same results on one thread and on two', () => {
    const x = randomTensor([64, 16, 16, 24], 41, -2, 5);
    const gamma = tn.variable(randomTensor([24], 42, 0.5, 2));
    const beta = tn.variable(randomTensor([24], 43));
    const upstream = randomTensor([64, 16, 16, 24], 44);
    const run = () => {
      const xv = tn.variable(x);
      const { y, mean, variance } = fusedBatchNorm(xv, gamma, beta, 1e-3, null);
      const g = tn.gradients(tn.sum(tn.mul(y, upstream)), [xv, gamma, beta]);
      return [y, mean, variance, ...g].map((t) => Array.from(t.data()));
    };
    tn.setNumThreads(1);
    const one = run();
    tn.setNumThreads(2);
    const two = run();
    expect(two).toEqual(one);
  });

  it('names the op and the shapes on bad input', () => {
    const x = tn.zeros([4, 3]);
    expect(() => fusedBatchNorm(x, tn.ones([4]), null, 1e-3, null, 'BatchNormalization (layer "bn")')).toThrow(
      'BatchNormalization (layer "bn"): gamma must have shape [3] (one per channel of the input [4,3]), received [4]',
    );
    expect(() => fusedBatchNorm(tn.zeros([0, 3]), null, null, 1e-3, null)).toThrow(/cannot take batch statistics of an empty input \[0,3\]/);
  });
});
