// tn.ops, Keras 3's keras.ops: every op's values against numpy (and torch 1.13 for the nn ones) in float64
// (test/fixtures/keras-ops.json, written by keras-ops.py beside it), gradients by finite differences for the ops
// implemented for tn.ops, the control-flow helpers, and the errors for bad arguments.
import { describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { expectClose, fixture } from '../helpers/golden.js';
import { distinctTensor, gradCheck, randomTensor } from '../helpers/gradcheck.js';

type Num = number | 'nan' | 'inf' | '-inf';
interface Encoded { shape: number[]; data: Num[]; dtype: 'float32' | 'int32' }
type Arg = null | number | string | boolean | Arg[] | { tensor: Encoded } | { tensors: { tensor: Encoded }[] } | { number: Num } | Record<string, unknown>;
type Expected = { tensor: Encoded } | { list: Expected[] };
interface Case { name: string; op: string; args: Arg[]; expected: Expected; tol?: [number, number] }

const number = (v: Num): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v);
const values = (e: Encoded): number[] => e.data.map(number);
const decodeTensor = (e: Encoded): tn.Tensor =>
  tn.tensor(e.dtype === 'int32' ? Int32Array.from(values(e)) : Float32Array.from(values(e)), e.shape, e.dtype);

function decode(a: Arg): unknown {
  if (a === null || typeof a !== 'object') return a;
  if (Array.isArray(a)) return a.map(decode);
  if ('tensor' in a) return decodeTensor(a.tensor as Encoded);
  if ('tensors' in a) return (a.tensors as { tensor: Encoded }[]).map((t) => decodeTensor(t.tensor));
  if ('number' in a) return number(a.number as Num);
  return a;
}

function compare(actual: unknown, expected: Expected, tol: [number, number], what: string): void {
  if ('list' in expected) {
    expect(Array.isArray(actual), `${what}: a list`).toBe(true);
    const list = actual as unknown[];
    expect(list.length, `${what}: length of the list`).toBe(expected.list.length);
    expected.list.forEach((e, i) => compare(list[i], e, tol, `${what}[${i}]`));
    return;
  }
  expect(actual, `${what}: a tensor`).toBeInstanceOf(tn.Tensor);
  const t = actual as tn.Tensor;
  const e = expected.tensor;
  expect(t.dtype, `${what}: dtype`).toBe(e.dtype);
  expectClose(t, { shape: e.shape, data: values(e) }, tol[0], tol[1], what);
}

/** tn.ops.name, or tn.ops.image.name for 'image.name'. */
function opNamed(path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], tn.ops);
}

describe('against numpy and torch in float64', () => {
  for (const c of fixture<{ cases: Case[] }>('keras-ops.json').cases) {
    it(`${c.op}: ${c.name}`, () => {
      const f = opNamed(c.op);
      expect(typeof f, `tn.ops.${c.op}`).toBe('function');
      compare((f as (...args: unknown[]) => unknown)(...c.args.map(decode)), c.expected, c.tol ?? [2e-5, 2e-5], c.name);
    });
  }
});

describe('gradients by finite differences', () => {
  const o = tn.ops;
  const x = randomTensor([3, 4], 1);
  it('elementwise maps', () => {
    const unit = randomTensor([3, 4], 2, -0.9, 0.9);
    const pos = randomTensor([3, 4], 3, 0.2, 3);
    const big = randomTensor([3, 4], 4, 1.1, 3);
    const maps: [(t: tn.Tensor) => tn.Tensor, tn.Tensor][] = [
      [o.tan, unit], [o.arcsin, unit], [o.arccos, unit], [o.arctan, x], [o.sinh, x], [o.cosh, x], [o.arcsinh, x],
      [o.arccosh, big], [o.arctanh, unit], [o.log2, pos], [o.log10, pos], [o.exp2, x],
    ];
    for (const [f, input] of maps) gradCheck(f, [input]);
    gradCheck(o.cbrt, [randomTensor([3, 4], 5, -2, 2, [0], 0.3)]);
    gradCheck(o.trunc, [randomTensor([3, 4], 6, -1.9, 1.9, [-1, 0, 1], 0.1)]);
    gradCheck(o.logSigmoid, [randomTensor([3, 4], 7, -6, 6)]);
    gradCheck((a, b) => o.arctan2(a, b), [x, randomTensor([4], 8)]);
    gradCheck((a, b) => o.logaddexp(a, b), [x, randomTensor([3, 1], 9)]);
    // NaN and infinities put in by where, whose gradient there is 0: what nanToNum replaces gets no gradient.
    const special = tn.tensor([[NaN, 0, Infinity, 0], [0, -Infinity, 0, 0], [0, 0, 0, NaN]]);
    gradCheck((a) => o.nanToNum(tn.where(tn.ops.logicalNot(tn.equal(special, 0)), special, a), 0.5, 9, -9), [randomTensor([3, 4], 10)]);
    gradCheck((a, lo, hi) => o.clip(a, lo, hi), [x, randomTensor([4], 11, -1.5, -0.2), randomTensor([3, 1], 12, 0.2, 1.5)]);
    // At b = 0 the result jumps (0 there, a / b beside it), so b's gradient is checked away from 0.
    gradCheck((a) => o.divideNoNan(a, tn.tensor([[1.5, 0, -2, 0.7]])), [x]);
    gradCheck((b) => o.divideNoNan(x, b), [randomTensor([4], 12, 0.5, 2)]);
  });
  it('logaddexp shares ties equally', () => {
    const a = tn.tensor([1, 2]);
    const [ga, gb] = tn.grads((u, v) => o.logaddexp(u, v))([a, a.clone()]);
    expect(Array.from(ga.data())).toEqual([0.5, 0.5]);
    expect(Array.from(gb.data())).toEqual([0.5, 0.5]);
  });
  it('reductions', () => {
    const d = distinctTensor([2, 3, 4], 13);
    gradCheck((a, w) => o.average(a, 1, w), [x, randomTensor([4], 14, 0.2, 1)]);
    gradCheck((a, w) => o.average(a, null, w), [x, randomTensor([3, 4], 15, 0.2, 1)]);
    gradCheck((a) => o.quantile(a, [0.1, 0.5, 0.75], 2), [d]);
    gradCheck((a) => o.quantile(a, 0.3, [0, 2], 'midpoint', true), [d]);
    gradCheck((a) => o.median(a, 1), [d]);
    gradCheck((a) => o.percentile(a, [20, 90]), [d]);
    gradCheck((a) => o.max(a, 1, false, 0.1), [distinctTensor([3, 4], 16)]);
    gradCheck((a) => o.min(a, null, true, -5), [distinctTensor([3, 4], 17)]);
    gradCheck((a) => o.cumsum(a), [x]);
    gradCheck((a) => o.cumprod(a), [randomTensor([3, 4], 18, 0.5, 1.5)]);
    gradCheck((a) => o.diff(a, 2, 0), [randomTensor([5, 3], 19)]);
    gradCheck((w) => o.bincount(tn.tensor([0, 2, 2, 1], undefined, 'int32'), w, 4), [randomTensor([4], 20)]);
  });
  it('shapes and indexing', () => {
    const t3 = randomTensor([2, 3, 4], 21);
    gradCheck((a) => o.moveaxis(a, [0, 1], [2, 0]), [t3]);
    gradCheck((a) => o.swapaxes(a, 0, 2), [t3]);
    gradCheck((a) => o.expandDims(a, [0, 3]), [x]);
    gradCheck((a, b) => o.concatenate([a, b], null), [x, randomTensor([5], 22)]);
    gradCheck((a, b) => o.hstack([a, b]), [x, randomTensor([3, 2], 23)]);
    gradCheck((a, b) => o.vstack([a, b]), [randomTensor([4], 24), x]);
    gradCheck((a) => tn.concat(o.split(a, [1, 3], 1).map((p, i) => tn.mul(p, i + 1)), 1), [x]);
    gradCheck((a) => tn.concat(o.arraySplit(a, 3, 1).map((p, i) => tn.mul(p, i + 1)), 1), [x]);
    gradCheck((a) => o.copy(a), [x]);
    gradCheck((a) => o.tile(a, [2, 1, 2]), [x]);
    gradCheck((a) => o.repeat(a, [2, 0, 1, 3], 1), [x]);
    gradCheck((a) => o.repeat(a, 2), [x]);
    gradCheck((a) => o.roll(a, [1, -2], [0, 2]), [t3]);
    gradCheck((a) => o.roll(a, 5), [x]);
    for (const mode of ['constant', 'reflect', 'symmetric', 'edge', 'wrap'] as const) gradCheck((a) => o.pad(a, [[1, 2], [3, 1]], mode), [x]);
    gradCheck((a) => o.pad(tn.reshape(a, [12]), [[7, 9]], 'reflect'), [x]);
    gradCheck((a) => o.take(a, tn.tensor([[0, -1], [5, 5]], undefined, 'int32')), [x]);
    gradCheck((a) => o.take(a, tn.tensor([2, 0, 2], undefined, 'int32'), 1), [t3]);
    gradCheck((a) => o.takeAlongAxis(a, tn.tensor([[[0, 3]], [[1, 1]]], undefined, 'int32'), 2), [t3]);
    gradCheck((a) => o.takeAlongAxis(a, tn.tensor([1, 1, 11], undefined, 'int32'), null), [x]);
    gradCheck((a, u) => o.sliceUpdate(a, [1, 1], u), [x, randomTensor([2, 3], 25)]);
    gradCheck((v) => o.scatter(tn.tensor([[0, 1], [2, 3], [0, 1]], undefined, 'int32'), v, [3, 4]), [randomTensor([3], 26)]);
    gradCheck((a, u) => o.scatterUpdate(a, tn.tensor([[0], [2], [0]], undefined, 'int32'), u), [x, randomTensor([3, 4], 27)]);
    gradCheck((a) => o.tril(a, -1), [t3]);
    gradCheck((a) => o.triu(a, 1), [t3]);
    gradCheck((a, b, c) => tn.add(tn.add(...(o.meshgrid(a, b) as [tn.Tensor, tn.Tensor])), tn.mul(o.meshgrid(a, c, { indexing: 'ij' })[1], 2)), [randomTensor([3], 28), randomTensor([3], 29), randomTensor([3], 30)]);
    gradCheck((a) => o.extractSequences(a, 4, 3), [randomTensor([2, 10], 31)]);
    gradCheck((a) => o.segmentMax(a, tn.tensor([0, 0, 2, 1, 2], undefined, 'int32'), 3), [distinctTensor([5, 3], 32)]);
  });
  it('linear algebra', () => {
    const t3 = randomTensor([2, 3, 4], 33);
    gradCheck((a, b) => o.tensordot(a, b, [[1, 2], [1, 0]]), [t3, randomTensor([4, 3, 2], 34)]);
    gradCheck((a, b) => o.tensordot(a, b), [t3, randomTensor([3, 4, 2], 35)]);
    gradCheck((a, b) => o.dot(a, b), [t3, randomTensor([2, 4, 3], 36)]);
    gradCheck((a, b) => o.dot(a, b), [t3, randomTensor([4], 37)]);
    gradCheck((a, b) => o.inner(a, b), [t3, randomTensor([2, 4], 38)]);
    gradCheck((a, b) => o.outer(a, b), [randomTensor([3], 39), randomTensor([2, 2], 40)]);
    gradCheck((a, b) => o.vdot(a, b), [t3, randomTensor([4, 6], 41)]);
    gradCheck((a) => o.diagonal(a, 1, 0, 2), [t3]);
    gradCheck((a) => o.trace(a, -1), [randomTensor([4, 3], 42)]);
    gradCheck((a) => o.diag(a, -1), [randomTensor([3], 43)]);
    gradCheck((a) => o.diag(a, 1), [randomTensor([3, 4], 44)]);
    const sq = tn.add(randomTensor([2, 3, 3], 90), tn.mul(tn.eye(3), 3));
    gradCheck((a) => o.inv(a), [sq]);
    gradCheck((a, b) => o.solve(a, b), [sq, randomTensor([2, 3, 2], 91)]);
    gradCheck((a, b) => o.solve(a, b), [tn.slice(sq, [0], [1]).reshape([3, 3]), randomTensor([3], 92)]);
    gradCheck((a, b) => o.solveTriangular(a, b, true), [sq, randomTensor([2, 3, 2], 93)]);
    gradCheck((a, b) => o.solveTriangular(a, b), [sq, randomTensor([2, 3, 1], 94)]);
    gradCheck((a) => o.det(a), [randomTensor([2, 4, 4], 95)]);
    // Cholesky's gradient is the one with respect to a symmetric matrix, so it is checked through a symmetrization.
    const spd = (a: tn.Tensor) => tn.add(tn.matMul(a, a, false, true), tn.mul(tn.eye(4), 0.5));
    const sym = (a: tn.Tensor) => tn.mul(tn.add(a, tn.transpose(a, [0, 2, 1])), 0.5);
    const base = spd(randomTensor([2, 4, 4], 96));
    gradCheck((a) => o.cholesky(sym(a)), [base]);
    gradCheck((a) => o.logdet(sym(a)), [base]);
    for (const ord of [null, 1, 3, 0.5, Infinity]) gradCheck((a) => o.norm(a, ord, -1), [distinctTensor([2, 3, 4], 45)]);
    for (const ord of ['fro', 1, -1, Infinity, -Infinity] as const) gradCheck((a) => o.norm(a, ord, [1, 2], true), [distinctTensor([2, 3, 4], 46)]);
  });
  it('nn', () => {
    const a = randomTensor([3, 6], 47, -3, 3, [-1, -0.7, 0, 0.7, 1, 0.5], 0.1);
    for (const f of [o.hardSilu, o.hardTanh, o.tanhShrink, o.sparsePlus, (t: tn.Tensor) => o.celu(t, 1.5), (t: tn.Tensor) => o.glu(t),
      (t: tn.Tensor) => o.hardShrink(t, 0.7), (t: tn.Tensor) => o.softShrink(t, 0.7), (t: tn.Tensor) => o.squareplus(t, 2),
      (t: tn.Tensor) => o.threshold(t, 0.5, -1)]) {
      gradCheck(f, [a]);
    }
    const z = randomTensor([3, 4], 48, 0, 1);
    gradCheck((t, l) => o.binaryCrossentropy(t, l, true), [z, randomTensor([3, 4], 49, -3, 3)]);
    gradCheck((t, p) => o.binaryCrossentropy(t, p), [z, randomTensor([3, 4], 50, 0.05, 0.95)]);
    gradCheck((t, l) => o.categoricalCrossentropy(t, l, true), [z, randomTensor([3, 4], 51, -3, 3)]);
    gradCheck((t, p) => o.categoricalCrossentropy(t, p, false, 0), [z, randomTensor([3, 4], 52, 0.1, 1)]);
    const labels = tn.tensor([2, 0, 3], undefined, 'int32');
    gradCheck((l) => o.sparseCategoricalCrossentropy(labels, l, true), [randomTensor([3, 4], 53, -3, 3)]);
    gradCheck((p) => o.sparseCategoricalCrossentropy(tn.tensor([1, 0], undefined, 'int32'), p, false, 0), [randomTensor([3, 2], 54, 0.1, 1)]);
    gradCheck((t) => o.normalize(t), [x]);
    gradCheck((t) => o.normalize(t, 0, 1), [randomTensor([3, 4], 55, -2, 2, [0], 0.1)]);
    gradCheck((t, m, v, b, s) => o.batchNormalization(t, m, v, 1, b, s), [x, randomTensor([4], 56), randomTensor([4], 57, 0.2, 2), randomTensor([4], 58), randomTensor([4], 59)]);
    gradCheck((t) => o.rmsNormalization(t, 2, -1), [x]);
    gradCheck((p, q) => o.psnr(p, q, 1), [randomTensor([2, 3], 60, 0, 1), randomTensor([2, 3], 61, 0, 1)]);
    gradCheck((t, k) => o.conv(t, k, 1, 'same', 'channels_first'), [randomTensor([1, 2, 4, 5], 62), randomTensor([3, 2, 2, 3], 63)]);
    gradCheck((t) => o.maxPool(t, 2), [distinctTensor([2, 6, 3], 64)]);
    gradCheck((t) => o.averagePool(t, 3, 2, 'same'), [randomTensor([2, 7, 3], 65)]);
  });
  it('select, cross, dotProductAttention, image', () => {
    const c1 = tn.tensor([[1, 0, 0], [0, 1, 0]], undefined, 'int32');
    const c2 = tn.tensor([[1, 1, 0], [0, 1, 1]], undefined, 'int32');
    gradCheck((a, b, d) => o.select([c1, c2], [a, b], d), [randomTensor([2, 3], 70), randomTensor([3], 71), randomTensor([2, 1], 72)]);
    gradCheck((a, b) => o.cross(a, b), [randomTensor([4, 3], 73), randomTensor([4, 3], 74)]);
    gradCheck((a, b) => o.cross(a, b, -1, -1, -1, 0), [randomTensor([3, 2], 75), randomTensor([2, 1], 76)]);
    const mask = tn.tensor([[[[1, 1, 0, 1], [0, 0, 0, 0]]]], undefined, 'int32');
    gradCheck((q, k, v, b) => o.dotProductAttention(q, k, v, b, mask, 0.4), [randomTensor([2, 2, 2, 3], 77), randomTensor([2, 4, 2, 3], 78), randomTensor([2, 4, 2, 2], 79), randomTensor([1, 2, 1, 4], 80)]);
    gradCheck((q, k, v) => o.dotProductAttention(q, k, v, null, null, null, true), [randomTensor([1, 3, 4, 2], 81), randomTensor([1, 3, 2, 2], 82), randomTensor([1, 3, 2, 2], 83)]);
    gradCheck((a) => o.image.resize(a, [5, 3], 'bilinear', false, false, 'channels_first'), [randomTensor([2, 3, 4], 84)]);
    gradCheck((a) => o.image.rgbToGrayscale(a), [randomTensor([1, 2, 3, 3], 85)]);
    gradCheck((a) => o.image.padImages(a, 1, 0, 4, 4), [randomTensor([2, 3, 1], 86)]);
  });
  it('customGradient uses the given rule', () => {
    // log(1 + e^x) with its stable gradient 1 - 1 / (1 + e^x), then a rule that doubles the upstream gradient.
    const log1pexp = o.customGradient((x) => {
      const e = tn.exp(x);
      return [tn.log(tn.add(e, 1)), (dy) => tn.mul(dy, tn.sub(1, tn.div(1, tn.add(e, 1))))];
    });
    gradCheck((x) => log1pexp(x), [randomTensor([5], 87, -3, 3)]);
    const [g100] = tn.grads((x) => log1pexp(x))([tn.tensor([100])]);
    expect(Array.from(g100.data())).toEqual([1]);
    const doubled = o.customGradient((x, y) => [tn.mul(x, y), (dy) => [tn.mul(dy, 2), null]]);
    const [gx, gy] = tn.grads((x, y) => doubled(x, y))([tn.tensor([1, 2]), tn.tensor([3, 4])]);
    expect(Array.from(gx.data())).toEqual([2, 2]);
    expect(Array.from(gy.data())).toEqual([0, 0]);
    expect(doubled(tn.tensor([1, 2]), tn.tensor([3, 4])).array()).toEqual([3, 8]);
    const wrong = o.customGradient((x) => [tn.square(x), (dy) => tn.sum(dy)]);
    expect(() => tn.grads((x) => wrong(x))([tn.tensor([1, 2])])).toThrow('customGradient: the gradient of input 0 must be a tensor of its shape [2], received []');
    expect(() => o.customGradient(((x: tn.Tensor) => x) as never)(tn.tensor([1]))).toThrow('customGradient: the function must return [y, grad], a tensor and a function of the upstream gradient');
  });
  it('loops carry gradients through each step', () => {
    const [g] = tn.grads((a) => o.foriLoop(0, 3, (_i, v: tn.Tensor) => tn.mul(v, a), tn.onesLike(a)))([tn.tensor([2, -1])]);
    expect(Array.from(g.data())).toEqual([12, 3]); // d a^3 = 3 a^2
    const [h] = tn.grads((a) => o.map((r) => tn.sum(tn.square(r)), a))([tn.tensor([[1, 2], [3, 4]])]);
    expect(h.array()).toEqual([[2, 4], [6, 8]]);
  });
});

describe('core and control flow', () => {
  const o = tn.ops;
  it('shape, ndim, size, dtype, cast, convertToTensor, isTensor, convertToNumpy, stopGradient', () => {
    const x = tn.tensor([[1.5, -2, 0], [3, 4, 5]]);
    expect(o.shape(x)).toEqual([2, 3]);
    expect(o.ndim(x)).toBe(2);
    expect(o.size(x)).toBe(6);
    expect(o.dtype(x)).toBe('float32');
    expect(o.cast(x, 'int32').array()).toEqual([[1, -2, 0], [3, 4, 5]]);
    expect(o.cast(x, 'bool').array()).toEqual([[1, 1, 0], [1, 1, 1]]);
    expect(o.convertToTensor([[1, 2]]).shape).toEqual([1, 2]);
    expect(o.convertToTensor(x)).toBe(x);
    expect(o.convertToTensor([1.7, 2], 'int32').array()).toEqual([1, 2]);
    expect(o.isTensor(x)).toBe(true);
    expect(o.isTensor([1, 2])).toBe(false);
    expect(o.convertToNumpy(x)).toEqual([[1.5, -2, 0], [3, 4, 5]]);
    const [g] = tn.grads((t) => tn.mul(t, o.stopGradient(t)))([tn.tensor([3, -1])]);
    expect(Array.from(g.data())).toEqual([3, -1]);
    expect(o.empty([2, 1]).array()).toEqual([[0], [0]]);
  });
  it('convertToTensor takes strings, as keras.ops.convert_to_tensor(["fixed"]) feeds a FeatureSpace model', () => {
    const t = o.convertToTensor(['fixed']);
    expect(tn.isStringTensor(t)).toBe(true);
    expect(t.shape).toEqual([1]);
    expect(t.array()).toEqual(['fixed']);
    expect(o.convertToTensor([['a', 'b']], 'string').shape).toEqual([1, 2]);
    expect(() => o.convertToTensor(['a'], 'float32')).toThrow(/cannot convert strings to float32/);
  });
  it('cond runs only the chosen branch', () => {
    let calls = 0;
    const branch = (v: number) => () => { calls++; return v; };
    expect(o.cond(tn.scalar(1), branch(1), branch(2))).toBe(1);
    expect(o.cond(false, branch(1), branch(2))).toBe(2);
    expect(o.cond(tn.tensor([0]), branch(1), branch(2))).toBe(2);
    expect(calls).toBe(3);
    expect(() => o.cond(tn.tensor([1, 0]), branch(1), branch(2))).toThrow('cond: the predicate must be a boolean or a tensor with one element, received shape [2]');
  });
  it('switch clamps its index', () => {
    const branches = [(a: number) => a + 1, (a: number) => a * 10];
    expect(o.switch(1, branches, 4)).toBe(40);
    expect(o.switch(tn.scalar(7, 'int32'), branches, 4)).toBe(40);
    expect(o.switch(-3, branches, 4)).toBe(5);
  });
  it('foriLoop and whileLoop', () => {
    expect(o.foriLoop(2, 5, (i, v: number) => v + i, 0)).toBe(9);
    expect(o.foriLoop(3, 3, (i, v: number) => v + i, 7)).toBe(7);
    const [i, s] = o.whileLoop((k: tn.Tensor) => tn.less(k, 10), (k: tn.Tensor, t: tn.Tensor) => [tn.add(k, 1), tn.add(t, k)], [tn.scalar(0), tn.scalar(0)]);
    expect(i.array()).toBe(10);
    expect(s.array()).toBe(45);
    expect(o.whileLoop((k: number) => k < 100, (k: number) => k * 2, 1)).toBe(128);
    expect(o.whileLoop(() => true, (k: number) => k + 1, 0, 5)).toBe(5);
    expect(() => o.whileLoop((a: number) => a < 3, (a: number) => [a + 1], [0, 1])).toThrow('whileLoop: body must return 2 loop variables, as many as it received');
  });
  it('map and scan', () => {
    expect(o.map((r) => tn.sum(r), tn.tensor([[1, 2], [3, 4]])).array()).toEqual([3, 7]);
    const [carry, ys] = o.scan((c, v) => [tn.add(c, v!), tn.mul(c, 2)], tn.scalar(0), tn.tensor([1, 2, 3]));
    expect(carry.array()).toBe(6);
    expect(ys!.array()).toEqual([0, 2, 6]);
    const [rc, rys] = o.scan((c, v) => [tn.add(c, v!), c], tn.scalar(0), tn.tensor([1, 2, 3]), null, true);
    expect(rc.array()).toBe(6);
    expect(rys!.array()).toEqual([5, 3, 0]);
    const [n] = o.scan((c) => [tn.add(c, 1), null], tn.scalar(0), null, 4);
    expect(n.array()).toBe(4);
  });
  it('tn.ops re-exports the top-level ops that already have Keras semantics', () => {
    expect(tn.ops.sum).toBe(tn.sum);
    expect(tn.ops.matmul).toBe(tn.matMul);
    expect(tn.ops.argmax).toBe(tn.argmax);
    expect(tn.ops.var).toBe(tn.variance);
    expect(tn.ops.absolute).toBe(tn.abs);
  });
});

describe('differences from the top-level ops', () => {
  const o = tn.ops;
  it('Keras defaults: leakyRelu slope 0.2, gelu approximate, take flattens, cumsum flattens, split at indices', () => {
    expect(o.leakyRelu(tn.tensor([-1])).data()[0]).toBeCloseTo(-0.2, 6);
    expect(o.gelu(tn.tensor([1])).data()[0]).toBeCloseTo(tn.gelu(tn.tensor([1]), true).data()[0], 7);
    expect(o.take(tn.tensor([[1, 2], [3, 4]]), tn.tensor([3, 0], undefined, 'int32')).array()).toEqual([4, 1]);
    expect(o.cumsum(tn.tensor([[1, 2], [3, 4]])).array()).toEqual([1, 3, 6, 10]);
    expect(o.split(tn.tensor([1, 2, 3, 4, 5]), [1, 4]).map((t) => t.array())).toEqual([[1], [2, 3, 4], [5]]);
    expect(o.repeat(tn.tensor([[1, 2]]), 2).array()).toEqual([1, 1, 2, 2]);
    expect(o.arange(3).dtype).toBe('int32');
    expect(o.arange(0, 1, 0.5).dtype).toBe('float32');
  });
});

describe('errors name the op and the shapes', () => {
  const o = tn.ops;
  const x = tn.zeros([2, 3]);
  it('shape ops', () => {
    expect(() => o.split(x, 2, 1)).toThrow('split: axis 1 of shape [2,3] (size 3) cannot be split into 2 equal parts');
    expect(() => o.takeAlongAxis(x, tn.tensor([0], undefined, 'int32'), 1)).toThrow('takeAlongAxis: indices (shape [1]) must have the rank of x (shape [2,3])');
    expect(() => o.takeAlongAxis(x, tn.tensor([[0], [1], [2]], undefined, 'int32'), 1)).toThrow('takeAlongAxis: the shapes of x [2,3] and indices [3,1] do not broadcast outside axis 1');
    expect(() => o.takeAlongAxis(x, tn.tensor([[3]], undefined, 'int32'), 1)).toThrow('takeAlongAxis: index 3 is out of range for axis 1 of shape [2,3] (valid: -3 to 2)');
    expect(() => o.take(x, tn.tensor([6], undefined, 'int32'))).toThrow('take: index 6 is out of range for the flattened tensor of shape [2,3] (valid: -6 to 5)');
    expect(() => o.moveaxis(x, [0, 1], [1])).toThrow('moveaxis: source [0,1] and destination [1] must list as many axes (shape [2,3])');
    expect(() => o.repeat(x, [1, 2], 1)).toThrow('repeat: 2 repeat counts for axis 1 of shape [2,3] (length 3); give one per element or a single number');
    expect(() => o.roll(x, [1, 2], 0)).toThrow('roll: 2 shifts for 1 axes (shape [2,3])');
    expect(() => o.pad(x, [[1, 1]] as [number, number][], 'reflectt' as 'reflect')).toThrow("pad: mode must be one of constant, reflect, symmetric, edge, wrap, received \"reflectt\"");
    expect(() => o.pad(x, [[1, 1], [1, 1], [1, 1]])).toThrow('pad: padWidth must be a non-negative integer, a pair [before, after] or 2 pairs for shape [2,3], received [[1,1],[1,1],[1,1]]');
    expect(() => o.pad(tn.zeros([1, 3]), [[1, 0], [0, 0]], 'reflect')).toThrow('pad: reflect needs at least 2 elements along axis 0 (shape [1,3])');
    expect(() => o.arraySplit(x, 0, 1)).toThrow('arraySplit: the number of sections must be a positive integer, received 0 (shape [2,3])');
    expect(() => o.tile(x, [-1])).toThrow('tile: repeats must be a non-negative integer or a list of them, received [-1] (shape [2,3])');
    expect(() => o.sliceUpdate(x, [1, 2], tn.zeros([1, 2]))).toThrow('sliceUpdate: updates of shape [1,2] at [1,2] do not fit inside x of shape [2,3]');
    expect(() => o.scatter(tn.tensor([[0, 3]], undefined, 'int32'), tn.tensor([1]), [2, 3])).toThrow('scatter: index [0,3] is out of range for shape [2,3]');
    expect(() => o.scatter(tn.tensor([[0, 1]], undefined, 'int32'), tn.tensor([1, 2]), [2, 3])).toThrow('scatter: values must have shape [1] for indices of shape [1,2] into shape [2,3], received [2]');
    expect(() => o.scatterUpdate(x, tn.tensor([[0]], undefined, 'int32'), tn.zeros([1, 2]))).toThrow('scatterUpdate: updates must have shape [1,3] for indices of shape [1,1] into shape [2,3], received [1,2]');
    expect(() => o.expandDims(x, [0, 0])).toThrow('expandDims: repeated axis in [0,0] for shape [2,3]');
    expect(() => o.unstack(x, 3)).toThrow('unstack: num 3 does not match axis 0 of shape [2,3] (2)');
    expect(() => o.meshgrid(x)).toThrow('meshgrid: every input must be 1-D, received shapes [2,3]');
    expect(() => o.tril(tn.zeros([3]))).toThrow('tril: needs a tensor of rank at least 2 (matrices in the last two axes), received shape [3]');
  });
  it('reductions and linear algebra', () => {
    expect(() => o.quantile(x, 1.5)).toThrow('quantile: q must lie in [0, 1], received 1.5 (x of shape [2,3])');
    expect(() => o.percentile(x, 101)).toThrow('percentile: q must lie in [0, 100], received 101 (x of shape [2,3])');
    expect(() => o.quantile(x, 0.5, 1, 'cubic' as 'linear')).toThrow('quantile: method must be one of linear, lower, higher, midpoint, nearest, received "cubic"');
    expect(() => o.median(tn.zeros([2, 0]), 1)).toThrow('median: cannot take a quantile over an empty axis (shape [2,0], axes [1])');
    expect(() => o.average(x, 1, tn.ones([2]))).toThrow('average: 1-D weights of length 2 do not match axis 1 of x\'s shape [2,3] (length 3)');
    expect(() => o.average(x, null, tn.ones([3]))).toThrow('average: weights of shape [3] must have the shape of x [2,3], or be 1-D along the given axis');
    expect(() => o.tensordot(x, tn.zeros([2, 3]), [[1], [1]])).not.toThrow();
    expect(() => o.tensordot(x, tn.zeros([2, 3]), [[1], [0]])).toThrow('tensordot: axis 1 of shape [2,3] (3) does not match axis 0 of shape [2,3] (2)');
    expect(() => o.dot(x, tn.zeros([2, 3]))).toThrow('dot: the last axis of shape [2,3] (3) does not match axis 0 of shape [2,3] (2)');
    expect(() => o.vdot(x, tn.zeros([5]))).toThrow('vdot: operands must have the same number of elements, received shapes [2,3] and [5]');
    expect(() => o.norm(x, 2, [0, 1])).toThrow("norm: ord 2 for a matrix norm needs singular values, which tensornode does not compute; use 'fro', 1, -1, Infinity or -Infinity (shape [2,3])");
    expect(() => o.norm(tn.zeros([2, 2, 2]), 1)).toThrow('norm: with ord 1 and no axis, x must be 1-D or 2-D, received shape [2,2,2]');
    expect(() => o.inv(tn.zeros([2, 3]))).toThrow('inv: needs square matrices in the last two axes, received shape [2,3]');
    expect(() => o.inv(tn.tensor([[[1, 0], [0, 1]], [[1, 2], [2, 4]]]))).toThrow('inv: matrix 1 of the batch of shape [2,2,2] is singular');
    expect(() => o.solve(tn.eye(3), tn.zeros([2, 3]))).toThrow('solve: b must be [..., 3, k] or [..., 3] with a\'s batch axes, received shape [2,3] for a of shape [3,3]');
    expect(() => o.cholesky(tn.tensor([[1, 2], [2, 1]]))).toThrow('cholesky: matrix 0 of the batch of shape [2,2] is not positive definite');
    expect(() => o.solveTriangular(tn.tensor([[1, 0], [1, 0]]), tn.ones([2]), true)).toThrow('solveTriangular: a zero on the diagonal of a (shape [2,2]) makes it singular');
    expect(() => o.diagonal(tn.zeros([3]))).toThrow('diagonal: needs a tensor of rank at least 2, received shape [3]');
    expect(() => o.diag(tn.zeros([2, 2, 2]))).toThrow('diag: needs a 1-D or 2-D tensor, received shape [2,2,2]');
  });
  it('nn', () => {
    expect(o.sparseCategoricalCrossentropy(tn.tensor([[2], [0]], undefined, 'int32'), tn.tensor([[1, 2, 3], [3, 1, 0]]), true).array())
      .toEqual(o.sparseCategoricalCrossentropy(tn.tensor([2, 0], undefined, 'int32'), tn.tensor([[1, 2, 3], [3, 1, 0]]), true).array());
    expect(() => o.dotProductAttention(tn.zeros([1, 2, 3, 4]), tn.zeros([1, 5, 2, 4]), tn.zeros([1, 5, 2, 4]))).toThrow('dotProductAttention: key must be [1, S, K, 4] and value [1, S, K, Hv] with K dividing the query\'s 3 heads, received shapes [1,5,2,4] and [1,5,2,4] (query [1,2,3,4])');
    expect(() => o.dotProductAttention(tn.zeros([2, 3, 4]), tn.zeros([1, 5, 2, 4]), tn.zeros([1, 5, 2, 4]))).toThrow('dotProductAttention: query, key and value must be 4-D [batch, length, heads, depth], received shapes [2,3,4], [1,5,2,4] and [1,5,2,4]');
    expect(() => o.image.resize(tn.zeros([4, 4]), [2, 2])).toThrow('resize: images must be 3-D (one image) or 4-D (a batch), received shape [4,4]');
    expect(() => o.image.resize(tn.zeros([4, 4, 1]), [2, 2], 'bilinear', true)).toThrow('resize: antialias and cropToAspectRatio are not supported');
    expect(() => o.image.rgbToGrayscale(tn.zeros([4, 4, 2]))).toThrow('rgbToGrayscale: images must have 3 channels, received shape [1,4,4,2] (channels last)');
    expect(() => o.image.padImages(tn.zeros([4, 4, 1]), 1, 1, 4, 6)).toThrow('padImages: an image of 4 x 4 at (1, 1) does not fit a target of 4 x 6');
    expect(() => o.cross(tn.zeros([2, 4]), tn.zeros([2, 3]))).toThrow('cross: vectors must have 2 or 3 components, received 4 (shape [2,4], axisa -1) and 3 (shape [2,3], axisb -1)');
    expect(() => o.select([tn.tensor([1])], [])).toThrow('select: condlist and choicelist must be non-empty lists of the same length, received 1 and 0');
    expect(() => o.searchsorted(tn.tensor([2, 1]), tn.tensor([1]))).toThrow('searchsorted: the sequence must be sorted in ascending order (element 0 is 2, element 1 is 1)');
    expect(() => o.digitize(tn.tensor([1]), tn.tensor([[1, 2]]))).toThrow('digitize: the sorted sequence must be 1-D, received shape [1,2]');
    expect(() => o.categoricalCrossentropy(tn.zeros([2, 3]), tn.zeros([2, 4]))).toThrow('categoricalCrossentropy: target and output must have the same shape, received [2,3] and [2,4]');
    expect(() => o.sparseCategoricalCrossentropy(tn.tensor([0, 4], undefined, 'int32'), tn.zeros([2, 4]), true)).toThrow('sparseCategoricalCrossentropy: label 4 is out of range for 4 classes (output shape [2,4])');
    expect(() => o.sparseCategoricalCrossentropy(tn.tensor([[0, 1]], undefined, 'int32'), tn.zeros([2, 4]))).toThrow("sparseCategoricalCrossentropy: target of shape [1,2] must have the output's shape [2,4] without axis 1, [2]");
    expect(() => o.binaryCrossentropy(tn.zeros([2]), tn.zeros([3]))).toThrow('binaryCrossentropy');
    expect(() => o.conv(tn.zeros([2, 5]), tn.zeros([3, 1, 1]))).toThrow('conv: inputs must be batched 1-D, 2-D or 3-D data (rank 3 to 5), received shape [2,5]');
    expect(() => o.conv(tn.zeros([1, 5, 2]), tn.zeros([3, 3, 2, 1]))).toThrow('conv: kernel must have rank 3 ([...spatial, in, out]) for inputs of shape [1,5,2], received shape [3,3,2,1]');
    expect(() => o.conv(tn.zeros([1, 5, 2]), tn.zeros([3, 2, 1]), 1, 'full' as 'valid')).toThrow('conv: padding must be \'valid\' or \'same\', received "full"');
    expect(() => o.maxPool(tn.zeros([1, 4, 4, 1]), [2, 2, 2])).toThrow('maxPool: poolSize must be a positive integer or 2 of them, received [2,2,2]');
    expect(() => o.averagePool(tn.zeros([1, 4, 1]), 2, null, 'valid', 'nchw' as 'channels_last')).toThrow('averagePool: dataFormat must be \'channels_last\' or \'channels_first\', received "nchw"');
    expect(() => o.glu(tn.zeros([2, 3]))).toThrow('glu: axis 1 of shape [2,3] must have an even length');
    expect(() => o.batchNormalization(x, tn.zeros([2]), tn.ones([3]), 1)).toThrow('batchNormalization: mean must be 1-D with 3 values (axis 1 of shape [2,3]), received shape [2]');
    expect(() => o.cast(x, 'float64' as 'float32')).toThrow("cast: unknown dtype \"float64\"; tensornode holds 'float32', 'int32' and 'bool' (as int32 0/1)");
    expect(() => o.inTopK(tn.tensor([0], undefined, 'int32'), x, 1)).toThrow('inTopK: predictions must be [batch, classes] and targets [batch], received [2,3] and [1]');
    expect(() => o.segmentMax(x, tn.tensor([0], undefined, 'int32'))).toThrow('segmentMax: segmentIds must be 1-D with one id per row of data (shape [2,3]), received shape [1]');
    expect(() => o.extractSequences(x, 4, 1)).toThrow('extractSequences: sequenceLength must be an integer from 1 to 3 (last axis of shape [2,3]), received 4');
  });
});
