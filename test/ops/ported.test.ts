// The ops ported from TF.js and Keras 3's keras.ops: stopGradient, cumsum, cumprod, topk, sort, argsort, multinomial,
// randomStandardNormal, norm, dot, outerProduct, unstack, reverse, mod, prod, moments, variance, std, erf, all, any,
// argmax, argmin. Values against float64 PyTorch (test/fixtures/ported-ops.json) or by hand, gradients by finite
// differences, sampling frequencies within 5 standard errors, and the errors. einsum has its own file.
import { describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { goldenCases, toTensor } from '../helpers/golden.js';
import { distinctTensor, gradCheck, randomTensor } from '../helpers/gradcheck.js';
import { fixtureCases } from './ported-cases.js';

describe('against float64 PyTorch', () => {
  fixtureCases((op) => op !== 'einsum' && op !== 'erf');
});

describe('stopGradient', () => {
  it('keeps the values and stops the gradient', () => {
    const x = tn.tensor([[1, -2], [3, 4]]);
    expect(tn.stopGradient(x).array()).toEqual([[1, -2], [3, 4]]);
    expect(tn.stopGradient(tn.tensor([1, 2], undefined, 'int32')).dtype).toBe('int32');
    // d/dx (x * stop(x)) = stop(x): only the first factor carries a gradient.
    const [g] = tn.grads((t) => tn.mul(t, tn.stopGradient(t)))([x]);
    expect(g.array()).toEqual([[1, -2], [3, 4]]);
    const [z] = tn.grads((t) => tn.add(tn.mul(tn.stopGradient(t), 3), 0))([x]);
    expect(z.array()).toEqual([[0, 0], [0, 0]]);
  });
});

describe('cumsum and cumprod', () => {
  it('follow TF.js on small cases (exclusive, reverse, int32)', () => {
    const x = tn.tensor([1, 2, 3, 4]);
    expect(tn.cumsum(x).array()).toEqual([1, 3, 6, 10]);
    expect(tn.cumsum(x, 0, true).array()).toEqual([0, 1, 3, 6]);
    expect(tn.cumsum(x, 0, false, true).array()).toEqual([10, 9, 7, 4]);
    expect(tn.cumsum(x, 0, true, true).array()).toEqual([9, 7, 4, 0]);
    expect(tn.cumprod(x).array()).toEqual([1, 2, 6, 24]);
    expect(tn.cumprod(x, 0, true).array()).toEqual([1, 1, 2, 6]);
    expect(tn.cumprod(x, 0, true, true).array()).toEqual([24, 12, 4, 1]);
    const m = tn.tensor([[1, 2], [3, 4]], undefined, 'int32');
    expect(tn.cumsum(m, 1).dtype).toBe('int32');
    expect(tn.cumsum(m, 1).array()).toEqual([[1, 3], [3, 7]]);
    expect(tn.cumprod(m, -2).array()).toEqual([[1, 2], [3, 8]]);
    expect(x.cumsum().array()).toEqual([1, 3, 6, 10]);
    expect(tn.cumsum(tn.zeros([2, 0]), 1).shape).toEqual([2, 0]);
    expect(Array.from(tn.cumsum(tn.tensor([1, NaN, 2])).data())).toEqual([1, NaN, NaN]);
  });
  it('gradients by finite differences, cumprod also through zeros', () => {
    for (const [exclusive, reverse] of [[false, false], [true, false], [false, true], [true, true]]) {
      gradCheck((t) => tn.cumsum(t, 1, exclusive, reverse), [randomTensor([3, 7], 1)]);
      gradCheck((t) => tn.cumprod(t, 0, exclusive, reverse), [randomTensor([5, 3], 2, 0.5, 1.5)]);
      const z = tn.tensor([[0.8, 0, 1.2, -0.9, 0, 1.1], [0, 1.3, -0.7, 0.9, 1.05, 0]]);
      gradCheck((t) => tn.cumprod(t, 1, exclusive, reverse), [z]);
    }
  });
  it('reject bad arguments, naming the op and the shape', () => {
    expect(() => tn.cumsum(tn.scalar(1))).toThrow('cumsum: needs a tensor of rank at least 1, received a scalar');
    expect(() => tn.cumprod(tn.zeros([2, 3]), 2)).toThrow('cumprod: axis 2 is out of range for a tensor of rank 2 (valid: -2 to 1)');
    expect(() => tn.cumsum(tn.zeros([2, 3]), 0, 1 as unknown as boolean)).toThrow('cumsum: exclusive must be true or false, received 1 (shape [2,3])');
    expect(() => tn.cumsum(tn.zeros([2]), 0, false, 'yes' as unknown as boolean)).toThrow('cumsum: reverse must be true or false, received "yes" (shape [2])');
  });
});

describe('topk, sort, argsort', () => {
  it('topk picks the k largest along the last axis, ties to the lower index', () => {
    const x = tn.tensor([[1, 5, 3, 5, 2], [4, 4, 4, 0, 9]]);
    const { values, indices } = tn.topk(x, 3);
    expect(values.array()).toEqual([[5, 5, 3], [9, 4, 4]]);
    expect(indices.array()).toEqual([[1, 3, 2], [4, 0, 1]]);
    expect(indices.dtype).toBe('int32');
    expect(tn.topk(tn.tensor([3, 1, 2])).indices.array()).toEqual([0]);
    expect(tn.topk(tn.tensor([3, 1, 2]), 0).values.shape).toEqual([0]);
    const ints = tn.topk(tn.tensor([[2, 7, 1]], undefined, 'int32'), 2);
    expect(ints.values.dtype).toBe('int32');
    expect(ints.values.array()).toEqual([[7, 2]]);
    const nan = tn.topk(tn.tensor([1, NaN, 3]), 2);
    expect(Array.from(nan.values.data())).toEqual([NaN, 3]);
    expect(tn.topk(randomTensor([2, 3, 4], 3), 2).values.shape).toEqual([2, 3, 2]);
  });
  it('sort and argsort order ascending along an axis (NaN last, ties by index)', () => {
    const x = tn.tensor([[3, 1, 2, 1], [NaN, -1, 0, 5]]);
    expect(Array.from(tn.sort(x).data())).toEqual([1, 1, 2, 3, -1, 0, 5, NaN]);
    expect(tn.argsort(x).array()).toEqual([[1, 3, 2, 0], [1, 2, 3, 0]]);
    expect(tn.argsort(x).dtype).toBe('int32');
    const y = tn.tensor([[3, 1], [1, 2], [2, 0]]);
    expect(tn.sort(y, 0).array()).toEqual([[1, 0], [2, 1], [3, 2]]);
    expect(tn.argsort(y, 0).array()).toEqual([[1, 2], [2, 0], [0, 1]]);
  });
  it('gradients flow to the picked positions', () => {
    const x = distinctTensor([3, 6], 4);
    gradCheck((t) => tn.topk(t, 3).values, [x]);
    gradCheck((t) => tn.sort(t, 0), [distinctTensor([5, 2], 5)]);
    const [g] = tn.grads((t) => tn.topk(t, 2).values)([tn.tensor([1, 9, 4, 7])], tn.tensor([10, 20]));
    expect(g.array()).toEqual([0, 10, 0, 20]);
  });
  it('reject bad arguments', () => {
    expect(() => tn.topk(tn.scalar(1))).toThrow('topk: needs a tensor of rank at least 1, received a scalar');
    expect(() => tn.topk(tn.zeros([2, 3]), 4)).toThrow('topk: k must be an integer from 0 to the last dimension (3) of shape [2,3], received k=4');
    expect(() => tn.topk(tn.zeros([3]), 1.5)).toThrow('topk: k must be an integer from 0 to the last dimension (3) of shape [3], received k=1.5');
    expect(() => tn.sort(tn.zeros([2, 3]), 2)).toThrow('sort: axis 2 is out of range for a tensor of rank 2 (valid: -2 to 1)');
    expect(() => tn.argsort(tn.scalar(2))).toThrow('argsort: needs a tensor of rank at least 1, received a scalar');
  });
});

describe('multinomial and randomStandardNormal', () => {
  const p = [0.1, 0.2, 0.3, 0.4];
  /** Each outcome's count within 5 standard errors of n p. */
  function expectFrequencies(samples: ArrayLike<number>, probs: number[]): void {
    const n = samples.length;
    const counts = probs.map(() => 0);
    for (let i = 0; i < n; i++) counts[samples[i]]++;
    probs.forEach((q, k) => {
      const se = Math.sqrt(n * q * (1 - q));
      expect(Math.abs(counts[k] - n * q), `outcome ${k}: ${counts[k]} of ${n}, p = ${q}`).toBeLessThanOrEqual(5 * se + 1e-9);
    });
  }
  it('draws with the frequencies of softmax(logits), or of the probabilities with normalized: true', () => {
    const logits = tn.tensor(p.map((q) => Math.log(q) + 3));
    const s = tn.multinomial(logits, 20000, 11);
    expect(s.shape).toEqual([20000]);
    expect(s.dtype).toBe('int32');
    expectFrequencies(s.data(), p);
    expectFrequencies(tn.multinomial(tn.tensor(p), 20000, 12, true).data(), p);
    // Read as logits, the same numbers give a different (flatter) distribution.
    const e = p.map(Math.exp);
    const z = e.reduce((a, b) => a + b, 0);
    expectFrequencies(tn.multinomial(tn.tensor(p), 20000, 13).data(), e.map((v) => v / z));
  });
  it('samples each row of a batch, never an outcome of probability 0', () => {
    const rows = [[0.7, 0, 0.3], [0, 0, 1], [0.25, 0.5, 0.25]];
    const s = tn.multinomial(tn.tensor(rows), 5000, 3, true);
    expect(s.shape).toEqual([3, 5000]);
    const v = s.data();
    rows.forEach((r, b) => expectFrequencies(v.subarray(b * 5000, (b + 1) * 5000), r));
    const masked = tn.multinomial(tn.tensor([[0, -Infinity, 1]]), 2000, 4).data();
    expect(Array.from(masked).includes(1)).toBe(false);
  });
  it('repeats with a seed, and unseeded draws follow tn.setSeed', () => {
    const l = tn.tensor([[0.5, 1, 2, -1]]);
    expect(tn.multinomial(l, 50, 7).array()).toEqual(tn.multinomial(l, 50, 7).array());
    expect(tn.multinomial(l, 50, 7).array()).not.toEqual(tn.multinomial(l, 50, 8).array());
    tn.setSeed(99);
    const a = tn.multinomial(l, 50).array();
    tn.setSeed(99);
    expect(tn.multinomial(l, 50).array()).toEqual(a);
    tn.setSeed(99);
    const n1 = tn.randomStandardNormal([4, 3]).data();
    tn.setSeed(99);
    expect(tn.randomStandardNormal([4, 3]).data()).toEqual(n1);
  });
  it('randomStandardNormal has mean 0 and standard deviation 1', () => {
    const x = tn.randomStandardNormal([20000], 'float32', 5);
    expect(x.shape).toEqual([20000]);
    expect(Math.abs(tn.mean(x).item())).toBeLessThan(5 / Math.sqrt(20000));
    expect(Math.abs(tn.std(x).item() - 1)).toBeLessThan(5 * Math.sqrt(0.5 / 20000));
    expect(tn.randomStandardNormal([2], 'float32', 3).data()).toEqual(tn.randomNormal([2], 0, 1, 'float32', 3).data());
    expect(tn.randomStandardNormal([3], 'int32', 1).dtype).toBe('int32');
  });
  it('reject bad arguments', () => {
    expect(() => tn.multinomial(tn.zeros([2, 2, 2]), 3)).toThrow('multinomial: logits must be 1-D [numOutcomes] or 2-D [batch, numOutcomes], received shape [2,2,2]');
    expect(() => tn.multinomial(tn.zeros([3]), 1.5)).toThrow('multinomial: numSamples must be a non-negative integer, received 1.5 (logits shape [3])');
    expect(() => tn.multinomial(tn.tensor([0.5, -0.1]), 3, 1, true)).toThrow('multinomial: with normalized = true the probabilities must be finite and non-negative, received -0.10000000149011612 (logits shape [2])');
    expect(() => tn.multinomial(tn.tensor([0, 0]), 3, 1, true)).toThrow('multinomial: a row of probabilities that sum to 0 defines no distribution (logits shape [2])');
    expect(() => tn.multinomial(tn.tensor([-Infinity, -Infinity]), 3, 1)).toThrow('multinomial: a row of logits without a finite maximum');
    expect(() => tn.multinomial(tn.zeros([2, 0]), 3)).toThrow('multinomial: needs at least one outcome, received logits of shape [2,0]');
    expect(() => tn.randomStandardNormal([2, -1])).toThrow('randomStandardNormal: shape must be an array of non-negative integers, received [2,-1]');
    expect(() => tn.randomStandardNormal([2], 'float64' as tn.DType)).toThrow(`randomStandardNormal: unknown dtype "float64"; expected 'float32' or 'int32'`);
  });
});

describe('erf', () => {
  it('is within 1e-6 of float64 erf, with gradient 2/sqrt(pi) exp(-x^2)', () => {
    const c = goldenCases('ported-ops').find((k) => k.op === 'erf')!;
    const x = toTensor(c.inputs.x);
    const y = tn.erf(x).data();
    let worst = 0;
    c.outputs.y.data.forEach((e, i) => (worst = Math.max(worst, Math.abs(y[i] - e))));
    expect(worst).toBeLessThanOrEqual(1e-6);
    const [g] = tn.grads((t) => tn.erf(t))([x], toTensor(c.upstream));
    const gv = g.data();
    c.grads.x.data.forEach((e, i) => expect(Math.abs(gv[i] - e)).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(e)));
    expect(Number.isNaN(tn.erf(tn.tensor([NaN])).item())).toBe(true);
    expect(tn.erf(tn.tensor([1], undefined, 'int32')).dtype).toBe('float32');
    gradCheck((t) => tn.erf(t), [randomTensor([4, 5], 6, -2.5, 2.5)]);
  });
});

describe('mod', () => {
  it('is floor-mod: the sign of the divisor, as TF.js', () => {
    expect(tn.mod(tn.tensor([5, -5, 5, -5, 4.5]), tn.tensor([3, 3, -3, -3, 2])).array()).toEqual([2, 1, -1, -2, 0.5]);
    const i = tn.mod(tn.tensor([7, -7, 7, -7], undefined, 'int32'), tn.tensor([2, 2, -2, -2], undefined, 'int32'));
    expect(i.dtype).toBe('int32');
    expect(i.array()).toEqual([1, 1, -1, -1]);
    expect(tn.mod(tn.tensor([[1, 2], [3, 4]]), 3).array()).toEqual([[1, 2], [0, 1]]);
    expect(Number.isNaN(tn.mod(tn.tensor([1]), tn.tensor([0])).item())).toBe(true);
    expect(tn.tensor([-1]).mod(4).array()).toEqual([3]);
  });
  it('gradients: dy to a, -dy * floor(a / b) to b', () => {
    const a = tn.tensor([[5.3, -2.2, 7.9], [1.1, -6.4, 3.3]]);
    const b = tn.tensor([2.5, -1.75, 3.1]);
    gradCheck((x, y) => tn.mod(x, y), [a, b], { eps: 1e-3 });
  });
  it('rejects shapes that do not broadcast and integer division by zero', () => {
    expect(() => tn.mod(tn.zeros([2, 3]), tn.zeros([2]))).toThrow('mod: shapes [2,3] and [2] cannot be broadcast together');
    expect(() => tn.mod(tn.tensor([1], undefined, 'int32'), tn.tensor([0], undefined, 'int32'))).toThrow('mod: integer division by zero (shapes [1] and [1])');
  });
});

describe('prod, moments, variance, std', () => {
  it('values, int32 and empty axes', () => {
    expect(tn.prod(tn.tensor([[1, 2], [3, 4]])).item()).toBe(24);
    expect(tn.prod(tn.tensor([[1, 2], [3, 4]]), 1).array()).toEqual([2, 12]);
    const pi = tn.prod(tn.tensor([[1, 2], [3, 4]], undefined, 'int32'), 0, true);
    expect(pi.dtype).toBe('int32');
    expect(pi.array()).toEqual([[3, 8]]);
    expect(tn.prod(tn.zeros([2, 0]), 1).array()).toEqual([1, 1]);
    const { mean, variance } = tn.moments(tn.tensor([[1, 2], [3, 6]]), 0);
    expect(mean.array()).toEqual([2, 4]);
    expect(variance.array()).toEqual([1, 4]);
    expect(tn.moments(tn.tensor([[1, 2], [3, 6]]), 1, true).mean.shape).toEqual([2, 1]);
    expect(tn.variance(tn.tensor([1, 2, 3, 4], undefined, 'int32')).item()).toBe(1.25);
    expect(tn.std(tn.tensor([2, 4, 4, 4, 5, 5, 7, 9])).item()).toBe(2);
    // Centred, so an offset of 1e4 does not cancel the variance away in float32.
    expect(tn.variance(tn.add(tn.tensor([0, 1, 2, 3]), 1e4)).item()).toBeCloseTo(1.25, 5);
  });
  it('gradients by finite differences (prod through zeros)', () => {
    gradCheck((t) => tn.prod(t, 1), [randomTensor([3, 4], 7, 0.5, 1.5)]);
    gradCheck((t) => tn.prod(t, [0, 2], true), [tn.tensor([[[0, 1.2], [0.7, -1.1]], [[0, 0.9], [1.3, 0]]])]);
    gradCheck((t) => tn.variance(t, 1), [randomTensor([3, 5], 8)]);
    gradCheck((t) => tn.std(t, [0, 1]), [randomTensor([3, 5], 9)]);
    gradCheck((t) => { const m = tn.moments(t, 0); return tn.add(m.mean, tn.mul(m.variance, 2)); }, [randomTensor([4, 3], 10)]);
  });
  it('errors name the op', () => {
    expect(() => tn.prod(tn.zeros([2]), 1)).toThrow('prod: axis 1 is out of range for a tensor of rank 1 (valid: -1 to 0)');
    expect(() => tn.variance(tn.zeros([2]), 0, 'yes' as unknown as boolean)).toThrow('variance: keepDims must be true or false, received "yes"');
    expect(() => tn.std(tn.zeros([2, 2]), 2)).toThrow('std: axis 2 is out of range for a tensor of rank 2 (valid: -2 to 1)');
    expect(() => tn.moments(tn.zeros([2]), [0, 0])).toThrow('moments: repeated axis in [0,0]');
  });
});

describe('norm, dot, outerProduct', () => {
  it('norm of a scalar, keepDims, int32 input', () => {
    expect(tn.norm(tn.scalar(-3)).item()).toBe(3);
    expect(tn.norm(tn.tensor([[3, 4]]), 'euclidean', null, true).shape).toEqual([1, 1]);
    expect(tn.norm(tn.tensor([3, 4], undefined, 'int32')).item()).toBe(5);
    expect(tn.tensor([[3, 0], [0, 4]]).norm().item()).toBe(5);
  });
  it('gradients by finite differences', () => {
    const x = distinctTensor([3, 4], 11);
    for (const ord of ['euclidean', 1, Infinity, -Infinity] as tn.NormOrder[]) gradCheck((t) => tn.norm(t, ord, 1), [x]);
    for (const ord of ['fro', 1, Infinity, -Infinity] as tn.NormOrder[]) gradCheck((t) => tn.norm(t, ord, [0, 1]), [x]);
  });
  it('norm rejects what TF.js rejects', () => {
    const x = tn.zeros([2, 3]);
    expect(() => tn.norm(x, 3)).toThrow("norm: invalid ord 3 for a vector norm of shape [2,3]; expected 'euclidean', 'fro', 1, 2, Infinity or -Infinity");
    expect(() => tn.norm(x, 2, [0, 1])).toThrow("norm: invalid ord 2 for a matrix norm of shape [2,3]; expected 'fro', 'euclidean', 1, Infinity or -Infinity");
    expect(() => tn.norm(x, 'fro', [0, 1, 1])).toThrow('norm: axis must be one axis (a vector norm) or two (a matrix norm), received [0,1,1] for shape [2,3]');
    expect(() => tn.norm(x, 'fro', [1, -1])).toThrow('norm: the two axes of a matrix norm must differ, received [1,-1]');
    expect(() => tn.norm(x, 'fro', 2)).toThrow('norm: axis 2 is out of range for a tensor of rank 2 (valid: -2 to 1)');
  });
  it('dot: vector and matrix products as TF.js', () => {
    const v = tn.tensor([1, 2]);
    const m = tn.tensor([[1, 2], [3, 4]]);
    expect(tn.dot(v, v).shape).toEqual([]);
    expect(tn.dot(v, v).item()).toBe(5);
    expect(tn.dot(m, v).array()).toEqual([5, 11]);
    expect(tn.dot(v, m).array()).toEqual([7, 10]);
    expect(tn.dot(m, m).array()).toEqual([[7, 10], [15, 22]]);
    expect(tn.outerProduct(tn.tensor([1, 2]), tn.tensor([3, 4, 5])).array()).toEqual([[3, 4, 5], [6, 8, 10]]);
    gradCheck((a, b) => tn.dot(a, b), [randomTensor([3, 4], 12), randomTensor([4], 13)]);
    gradCheck((a, b) => tn.outerProduct(a, b), [randomTensor([3], 14), randomTensor([2], 15)]);
  });
  it('dot and outerProduct reject other ranks and mismatched dimensions', () => {
    expect(() => tn.dot(tn.zeros([2, 3]), tn.zeros([2]))).toThrow('dot: inner dimensions must agree (3 and 2), received shapes [2,3] and [2]');
    expect(() => tn.dot(tn.zeros([2, 2, 2]), tn.zeros([2]))).toThrow('dot: operands must be vectors or matrices (rank 1 or 2), received shapes [2,2,2] and [2]');
    expect(() => tn.dot(tn.scalar(1), tn.zeros([2]))).toThrow('dot: operands must be vectors or matrices (rank 1 or 2), received shapes [] and [2]');
    expect(() => tn.outerProduct(tn.zeros([2, 1]), tn.zeros([2]))).toThrow('outerProduct: operands must be vectors (rank 1), received shapes [2,1] and [2]');
  });
});

describe('unstack and reverse', () => {
  it('unstack is the inverse of stack', () => {
    const x = tn.reshape(tn.range(0, 24), [2, 3, 4]);
    for (const axis of [0, 1, 2, -1]) {
      const parts = tn.unstack(x, axis);
      expect(parts.length).toBe(x.shape[axis < 0 ? axis + 3 : axis]);
      expect(tn.stack(parts, axis).array()).toEqual(x.array());
    }
    expect(tn.unstack(tn.tensor([[1, 2], [3, 4]]), 1).map((t) => t.array())).toEqual([[1, 3], [2, 4]]);
    expect(tn.unstack(tn.zeros([0, 2])).length).toBe(0);
    expect(tn.tensor([[1, 2], [3, 4]], undefined, 'int32').unstack()[1].dtype).toBe('int32');
    gradCheck((t) => tn.mul(tn.unstack(t, 1)[2], tn.unstack(t, 1)[0]), [randomTensor([3, 4], 16)]);
    expect(() => tn.unstack(tn.scalar(1))).toThrow('unstack: needs a tensor of rank at least 1, received a scalar');
    expect(() => tn.unstack(tn.zeros([2]), 1)).toThrow('unstack: axis 1 is out of range for a tensor of rank 1 (valid: -1 to 0)');
  });
  it('reverse flips the given axes (all when omitted)', () => {
    const x = tn.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(tn.reverse(x).array()).toEqual([[6, 5, 4], [3, 2, 1]]);
    expect(tn.reverse(x, 1).array()).toEqual([[3, 2, 1], [6, 5, 4]]);
    expect(tn.reverse(x, [-2]).array()).toEqual([[4, 5, 6], [1, 2, 3]]);
    expect(tn.reverse(tn.tensor([1, 2], undefined, 'int32')).array()).toEqual([2, 1]);
    expect(tn.reverse(tn.scalar(4)).item()).toBe(4);
    gradCheck((t) => tn.mul(tn.reverse(t, [0, 2]), tn.tensor([1, 2, 3])), [randomTensor([2, 4, 3], 17)]);
    expect(() => tn.reverse(x, [1, -1])).toThrow('reverse: repeated axis in [1,-1] for shape [2,3]');
    expect(() => tn.reverse(x, 2)).toThrow('reverse: axis 2 is out of range for a tensor of rank 2 (valid: -2 to 1)');
  });
});

describe('all, any, argmax, argmin', () => {
  it('all and any answer as the comparisons do (int32 0/1)', () => {
    expect(tn.greater(1, 0).dtype).toBe('int32');
    const x = tn.tensor([[1, 0, 2], [3, 4, NaN]]);
    expect(tn.all(x).dtype).toBe(tn.greater(1, 0).dtype);
    expect(tn.all(x).item()).toBe(0);
    expect(tn.any(x).item()).toBe(1);
    expect(tn.all(x, 1).array()).toEqual([0, 1]);
    expect(tn.any(tn.tensor([[0, 0], [0, 1]]), 1, true).array()).toEqual([[0], [1]]);
    expect(tn.all(tn.zeros([2, 0]), 1).array()).toEqual([1, 1]);
    expect(tn.any(tn.zeros([2, 0]), 1).array()).toEqual([0, 0]);
    expect(tn.all(tn.greater(tn.tensor([2, 3]), 1)).item()).toBe(1);
    expect(() => tn.all(x, 2)).toThrow('all: axis 2 is out of range for a tensor of rank 2 (valid: -2 to 1)');
    expect(() => tn.any(x, 0, 1 as unknown as boolean)).toThrow('any: keepDims must be true or false, received 1');
  });
  it("argmax and argmin take Keras's axis = null (the flattened index) and keepdims", () => {
    const x = tn.tensor([[1, 9, 3], [7, 2, 8]]);
    expect(tn.argmax(x).item()).toBe(1);
    expect(tn.argmin(x).item()).toBe(0);
    expect(tn.argmax(x, 0).array()).toEqual(tn.argMax(x, 0).array());
    expect(tn.argmin(x, -1).array()).toEqual([0, 1]);
    expect(tn.argmax(x, 1, true).array()).toEqual([[1], [2]]);
    expect(tn.argmax(x, null, true).shape).toEqual([1, 1]);
    expect(tn.argmax(x).dtype).toBe('int32');
    expect(() => tn.argmax(x, 2)).toThrow('argmax: axis 2 is out of range for a tensor of rank 2 (valid: -2 to 1)');
  });
});
