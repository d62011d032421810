// TF.js's basicLSTMCell, multiRNNCell, sparseToDense, randomGamma, rand, broadcastArgs, bitwiseAnd,
// enclosingPowerOfTwo, cosineWindow and the chained x.variable() / x.toBool(), against TF.js's own ops on the same
// values (@tensorflow/tfjs, CPU backend; randomGamma by its moments), finite-difference gradients of the cells and of
// sparseToDense's values, and errors that name the op and the shapes.
import { describe, expect, it } from 'vitest';
import * as tn from '../lib/index.js';
import { gradCheck, randomTensor } from './helpers/gradcheck.js';
import { expectClose, tf, useCpu } from './helpers/tfjs.js';

type TfTensor = ReturnType<typeof tf.tensor>;
const vals = (t: tn.Tensor) => Array.from(t.data() as ArrayLike<number>);
const tfOf = (t: tn.Tensor): TfTensor => tf.tensor(vals(t), t.shape.slice(), t.dtype === 'int32' ? 'int32' : 'float32');

function expectSame(ours: tn.Tensor, theirs: TfTensor, what: string): void {
  expect(ours.shape, what).toEqual(theirs.shape);
  expectClose(Float32Array.from(ours.data() as ArrayLike<number>), Float32Array.from(theirs.dataSync() as ArrayLike<number>), 1e-5, 1e-5, what);
}

describe('TF.js\'s remaining top-level ops', () => {
  it('basicLSTMCell and multiRNNCell equal TF.js\'s, with gradients in every weight', async () => {
    await useCpu();
    const [batch, features, units] = [3, 4, 5];
    const kernel = randomTensor([features + units, 4 * units], 1, -0.5, 0.5);
    const bias = randomTensor([4 * units], 2, -0.5, 0.5);
    const data = randomTensor([batch, features], 3);
    const c = randomTensor([batch, units], 4);
    const h = randomTensor([batch, units], 5);
    const ours = tn.basicLSTMCell(1, kernel, bias, data, c, h);
    const theirs = tf.basicLSTMCell(tf.scalar(1), tfOf(kernel) as never, tfOf(bias) as never, tfOf(data) as never, tfOf(c) as never, tfOf(h) as never);
    expectSame(ours[0], theirs[0], 'basicLSTMCell c');
    expectSame(ours[1], theirs[1], 'basicLSTMCell h');
    gradCheck((k, b, x, c0, h0) => tn.add(...tn.basicLSTMCell(0.5, k, b, x, c0, h0)), [kernel, bias, data, c, h]);

    const kernel2 = randomTensor([2 * units, 4 * units], 6, -0.5, 0.5);
    const cellsOurs = [kernel, kernel2].map((k) => (x: tn.Tensor, cc: tn.Tensor, hh: tn.Tensor) => tn.basicLSTMCell(1, k, bias, x, cc, hh));
    const cellsTheirs = [kernel, kernel2].map((k) => (x: TfTensor, cc: TfTensor, hh: TfTensor) => tf.basicLSTMCell(tf.scalar(1), tfOf(k) as never, tfOf(bias) as never, x as never, cc as never, hh as never));
    const [oc, oh] = tn.multiRNNCell(cellsOurs, data, [c, h], [h, c]);
    const [tc, th] = tf.multiRNNCell(cellsTheirs as never, tfOf(data) as never, [tfOf(c), tfOf(h)] as never, [tfOf(h), tfOf(c)] as never);
    for (let i = 0; i < 2; i++) {
      expectSame(oc[i], tc[i], `multiRNNCell c[${i}]`);
      expectSame(oh[i], th[i], `multiRNNCell h[${i}]`);
    }
    expect(() => tn.basicLSTMCell(1, randomTensor([8, 20], 1), bias, data, c, h)).toThrow(/basicLSTMCell: lstmKernel must be \[9, 20\] .* received \[8,20\]/);
    expect(() => tn.multiRNNCell(cellsOurs, data, [c], [h, c])).toThrow(/multiRNNCell: c and h must be lists with one state per cell \(2\), received 1 and 2/);
  });

  it('sparseToDense equals TF.js\'s for scalar, vector and matrix indices, float and int values, with the values\' gradient', async () => {
    await useCpu();
    const cases: [number | number[] | number[][], number[] | number, number[], number][] = [
      [[0, 3, 5], [1.5, -2, 4], [7], 0.25], [[[0, 1], [2, 0], [1, 2]], [1, 2, 3], [3, 3], -1], [2, 9, [4], 0], [[[1, 1], [0, 2]], 7, [2, 3], 1],
    ];
    for (const [indices, values, shape, def] of cases) {
      for (const dtype of ['float32', 'int32'] as const) {
        const ours = tn.sparseToDense(tn.tensor(indices as never, undefined, 'int32'), tn.tensor(values as never, undefined, dtype), shape, tn.scalar(def, dtype));
        const theirs = tf.sparseToDense(tf.tensor(indices as never, undefined, 'int32'), tf.tensor(values as never, undefined, dtype), shape, tf.scalar(def, dtype));
        expect(ours.dtype).toBe(theirs.dtype);
        expectSame(ours, theirs, `sparseToDense ${JSON.stringify([indices, values, shape, def, dtype])}`);
      }
    }
    gradCheck((v) => tn.sparseToDense(tn.tensor([[0, 1], [2, 0]], [2, 2], 'int32'), v, [3, 2], 0.5), [randomTensor([2], 7)]);
    expect(() => tn.sparseToDense(tn.tensor([[0, 3]], [1, 2], 'int32'), [1], [2, 2])).toThrow(/sparseToDense: index \[0,3\] \(row 0\) is outside outputShape \[2,2\]/);
    expect(() => tn.sparseToDense(tn.tensor([0, 1], [2], 'int32'), [1, 2, 3], [4])).toThrow(/sparseToDense: sparseValues must be a scalar or \[2\] \(one per index\), received shape \[3\]/);
  });

  it('randomGamma has TF.js\'s moments (beta scales), rand calls its function per element, seeded draws repeat', async () => {
    await useCpu();
    for (const [alpha, beta] of [[2, 3], [0.5, 1], [5, 0.5]]) {
      const ours = tn.randomGamma([20000], alpha, beta, 'float32', 7);
      const theirs = tf.randomGamma([20000], alpha, beta, 'float32', 7);
      const mean = (v: number[]) => v.reduce((p, q) => p + q, 0) / v.length;
      const [om, tm] = [mean(vals(ours)), mean(Array.from(theirs.dataSync()))];
      const ov = mean(vals(ours).map((x) => (x - om) ** 2));
      // Both are Gamma(alpha) scaled by beta: mean alpha beta, variance alpha beta^2 (20,000 draws: within 4%).
      expect(Math.abs(om - tm) / (alpha * beta), `randomGamma(${alpha}, ${beta}) mean ${om} vs TF.js's ${tm}`).toBeLessThan(0.04);
      expect(Math.abs(ov - alpha * beta * beta) / (alpha * beta * beta), `randomGamma(${alpha}, ${beta}) variance ${ov}`).toBeLessThan(0.06);
      expect(Math.min(...vals(ours))).toBeGreaterThan(0);
    }
    expect(vals(tn.randomGamma([5], 2, 1, 'float32', 3))).toEqual(vals(tn.randomGamma([5], 2, 1, 'float32', 3)));
    expect(tn.randomGamma([4], 3, 1, 'int32', 1).dtype).toBe('int32');
    let k = 0;
    expect(vals(tn.rand([2, 3], () => k++))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(() => tn.randomGamma([3], -1)).toThrow(/randomGamma: alpha must be a positive number, received -1/);
  });

  it('broadcastArgs, bitwiseAnd, enclosingPowerOfTwo, cosineWindow, x.variable() and x.toBool() equal TF.js\'s', async () => {
    await useCpu();
    expectSame(tn.broadcastArgs(tn.tensor([2, 1, 4], [3], 'int32'), tn.tensor([3, 1], [2], 'int32')), tf.broadcastArgs(tf.tensor1d([2, 1, 4], 'int32'), tf.tensor1d([3, 1], 'int32')), 'broadcastArgs');
    expect(() => tn.broadcastArgs(tn.tensor([2, 3], [2], 'int32'), tn.tensor([4], [1], 'int32'))).toThrow(/broadcastArgs/);
    const [a, b] = [[5, 12, -7, 255], [3, 10, 6, 15]];
    expectSame(tn.bitwiseAnd(tn.tensor(a, [4], 'int32'), tn.tensor(b, [4], 'int32')), tf.bitwiseAnd(tf.tensor1d(a, 'int32'), tf.tensor1d(b, 'int32')), 'bitwiseAnd');
    expect(() => tn.bitwiseAnd(tn.tensor([1.5]), tn.tensor([1]))).toThrow(/bitwiseAnd: x and y must be int32, received float32 and float32/);
    for (const v of [1, 3, 8, 1000]) expect(tn.enclosingPowerOfTwo(v), `enclosingPowerOfTwo(${v})`).toBe(Number(tf.enclosingPowerOfTwo(v)));
    for (const n of [5, 8]) expectSame(tn.cosineWindow(n, 0.54, 0.46), tf.cosineWindow(n, 0.54, 0.46), `cosineWindow(${n})`);
    const v = tn.tensor([1, 2]).variable(false, 'chained_variable');
    expect(v).toBeInstanceOf(tn.Variable);
    expect(v.trainable).toBe(false);
    expect(v.name).toContain('chained_variable');
    expect(vals(tn.tensor([0, 2, -1, 0]).toBool())).toEqual(Array.from(tf.tensor([0, 2, -1, 0]).toBool().dataSync()));
    for (const [ours, theirs] of [[tn.tensor([1.5, -2]), tf.tensor([1.5, -2])], [tn.tensor([7, -3], [2], 'int32'), tf.tensor([7, -3], [2], 'int32')], [tn.tensor(['ab', 'ü']), tf.tensor(['ab', 'ü'])]] as const) {
      const [a, b] = [await ours.bytes(), await theirs.bytes()];
      expect(Array.isArray(a) ? a.map((u) => Array.from(u)) : Array.from(a), `bytes of ${ours.dtype}`).toEqual(Array.isArray(b) ? b.map((u) => Array.from(u)) : Array.from(b));
    }
    expect(tn.tensor([1]).throwIfDisposed()).toBe(tf.tensor([1]).throwIfDisposed());
  });
});
