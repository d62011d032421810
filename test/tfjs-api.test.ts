// TF.js names ported programs use beyond the ops: tn.util, the global helpers (nextFrame, version, print, time, ...),
// TensorBuffer, tf.losses and tf.metrics functions (against TF.js 4.22 on the CPU backend), callbacks, the optimizer's
// NamedTensor form, model.toJSON / outputShape / dispose, and the class and factory aliases.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import * as tn from '../lib/index.js';
import { expectClose, randomValues, tf, useCpu } from './helpers/tfjs.js';

beforeAll(useCpu);

describe('tn.util', () => {
  it('shuffle is an in-place permutation that tn.setSeed repeats; shuffleCombo keeps pairs together', () => {
    const a = Array.from({ length: 50 }, (_, i) => i);
    tn.setSeed(3);
    tn.util.shuffle(a);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(a).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    const b = Array.from({ length: 50 }, (_, i) => i);
    tn.setSeed(3);
    tn.util.shuffle(b);
    expect(b).toEqual(a);
    const xs = new Float32Array([0, 1, 2, 3, 4, 5]);
    const ys = ['a', 'b', 'c', 'd', 'e', 'f'];
    tn.util.shuffleCombo(xs, ys);
    xs.forEach((x, i) => expect(ys[i]).toBe('abcdef'[x]));
    expect(() => tn.util.shuffleCombo([1, 2], [1])).toThrow('shuffleCombo: the arrays must have the same length, received lengths 2 and 1');
    expect(() => tn.util.shuffle('abc' as unknown as number[])).toThrow(/shuffle: array must be an array/);
  });

  it('createShuffledIndices gives a Uint32Array permutation, as TF.js', () => {
    const ours = tn.util.createShuffledIndices(20);
    const theirs = tf.util.createShuffledIndices(20);
    expect(ours).toBeInstanceOf(Uint32Array);
    expect(ours.constructor).toBe(theirs.constructor);
    expect(Array.from(ours).sort((x, y) => x - y)).toEqual(Array.from(theirs).sort((x, y) => x - y));
    expect(tn.util.createShuffledIndices(0).length).toBe(0);
    expect(() => tn.util.createShuffledIndices(-1)).toThrow(/createShuffledIndices: n must be a non-negative integer/);
  });

  it('assert, sizeFromShape, arraysEqual, flatten and now behave as TF.js\'s', () => {
    expect(() => tn.util.assert(false, 'bad thing')).toThrow('bad thing');
    expect(() => tn.util.assert(0, () => 'lazy message')).toThrow('lazy message');
    expect(() => tn.util.assert(true, 'never')).not.toThrow();
    for (const shape of [[], [3], [2, 3, 4], [0, 5]]) expect(tn.util.sizeFromShape(shape)).toBe(tf.util.sizeFromShape(shape));
    for (const [a, b] of [[[1, 2], [1, 2]], [[1, 2], [2, 1]], [[1], [1, 1]], [new Float32Array([1, 2]), new Float32Array([1, 2])]] as [number[], number[]][]) {
      expect(tn.util.arraysEqual(a, b)).toBe(tf.util.arraysEqual(a, b));
    }
    const nested = [1, [2, [3, new Float32Array([4, 5])]], [[6]]];
    expect(tn.util.flatten(nested)).toEqual(tf.util.flatten(nested as never));
    expect(tn.util.flatten(nested, [], true)).toEqual(tf.util.flatten(nested as never, [], true));
    const t0 = tn.util.now();
    expect(typeof t0).toBe('number');
    expect(tn.util.now()).toBeGreaterThanOrEqual(t0);
    // Keras's utils stay where they were.
    expect(typeof tn.utils.toCategorical).toBe('function');
  });
});

describe('the global helpers', () => {
  it('nextFrame resolves; enableProdMode and disposeVariables change nothing', async () => {
    await expect(tn.nextFrame()).resolves.toBeUndefined();
    const v = tn.variable(tn.tensor([1, 2]));
    tn.enableProdMode();
    tn.disposeVariables();
    expect(Array.from(v.data())).toEqual([1, 2]);
  });

  it('version names the TF.js API and tensornode\'s package version', () => {
    expect(tn.version['tfjs-core']).toBe(tf.version['tfjs-core']);
    expect(tn.version.tensornode).toBe(tn.backendInfo().version);
    expect(tn.version.tensornode).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('print logs the values (and with verbose the shape and dtype)', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      tn.print(tn.tensor([[1, 2], [3, 4]]));
      tn.print(tn.tensor([1, 2], [2], 'int32'), true);
      expect(log.mock.calls[0][0]).toMatch(/^Tensor\n/);
      expect(log.mock.calls[0][0]).toContain('3');
      expect(log.mock.calls[1][0]).toContain('int32');
      expect(() => tn.print([1, 2] as unknown as tn.Tensor)).toThrow('print: expected a tensor, received an array');
    } finally {
      log.mockRestore();
    }
  });

  it('time measures the wall time of a function (kernelMs the same)', async () => {
    const t = await tn.time(() => tn.matMul(tn.ones([64, 64]), tn.ones([64, 64])));
    expect(t.wallMs).toBeGreaterThanOrEqual(0);
    expect(t.kernelMs).toBe(t.wallMs);
    const slow = await tn.time(() => new Promise((r) => setTimeout(r, 20)));
    expect(slow.wallMs).toBeGreaterThanOrEqual(15);
    await expect(tn.time(5 as unknown as () => void)).rejects.toThrow('time: expected a function, received number');
  });
});

describe('TensorBuffer', () => {
  it('get/set by coordinates, locToIndex/indexToLoc and toTensor, as TF.js', () => {
    const ours = tn.buffer([2, 3, 4]);
    const theirs = tf.buffer([2, 3, 4]);
    ours.set(5, 1, 2, 3);
    theirs.set(5, 1, 2, 3);
    ours.set(-1, 0, 1, 0);
    theirs.set(-1, 0, 1, 0);
    expect(ours.get(1, 2, 3)).toBe(5);
    expect(Array.from(ours.toTensor().data())).toEqual(Array.from(theirs.toTensor().dataSync()));
    expect(ours.strides).toEqual(theirs.strides);
    for (const i of [0, 5, 17, 23]) expect(ours.indexToLoc(i)).toEqual(theirs.indexToLoc(i));
    expect(ours.locToIndex([1, 1, 1])).toBe(theirs.locToIndex([1, 1, 1]));
    expect(ours.rank).toBe(3);
    expect(ours.dtype).toBe('float32');
    const t = ours.toTensor();
    ours.set(9, 0, 0, 0);
    expect(t.data()[0]).toBe(0);
  });

  it('takes initial values and a dtype; a tensor gives one with bufferSync() or buffer()', async () => {
    const b = tn.buffer([2, 2], 'int32', [1, 2, 3, 4]);
    expect(b.get(1, 0)).toBe(3);
    expect(b.toTensor().dtype).toBe('int32');
    const values = new Float32Array(4);
    const shared = tn.buffer([4], 'float32', values);
    shared.set(7, 2);
    expect(values[2]).toBe(7);
    const x = tn.tensor([[1, 2], [3, 4]]);
    const bs = x.bufferSync();
    expect(bs).toBeInstanceOf(tn.TensorBuffer);
    bs.set(10, 0, 0);
    expect(x.data()[0]).toBe(1);
    const ba = await x.buffer();
    expect(ba.get(1, 1)).toBe(4);
    const s = tn.buffer([]);
    s.set(3);
    expect(s.get()).toBe(3);
    expect(s.toTensor().shape).toEqual([]);
  });

  it('errors name the function and the shape', () => {
    expect(() => tn.buffer([2, 2], 'float32', [1, 2, 3])).toThrow('buffer: 3 values do not match the size 4 of shape [2,2]');
    expect(() => tn.buffer([2, -1])).toThrow(/buffer: shape must be an array of non-negative integers/);
    expect(() => tn.buffer([2], 'float64' as 'float32')).toThrow(/buffer: unknown dtype "float64"/);
    const b = tn.buffer([2, 3]);
    expect(() => b.get(2, 0)).toThrow('TensorBuffer.get: coordinates [2, 0] are out of range for shape [2,3]');
    expect(() => b.set(1, 0)).toThrow('TensorBuffer.set: 1 coordinates given for a buffer of rank 2 (shape [2,3])');
    expect(() => tn.tensor(['a']).bufferSync()).toThrow(/bufferSync: received a string tensor/);
  });
});

describe("TF.js's tf.losses functions", () => {
  const shape = [4, 3];
  const v = (seed: number, f: (x: number) => number = (x) => x) => Array.from(randomValues(12, seed), f);
  const labels01 = v(1, (x) => (x > 0 ? 1 : 0));
  const probs = v(2, (x) => 0.05 + 0.9 * (x + 1) / 2);
  const preds = v(3);
  const weightsFull = v(4, (x) => (x > 0.3 ? 0 : x + 1));
  const weightsRow = [0.5, 0, 2, 1];
  const R = tn.losses.Reduction;
  const reductions = [R.NONE, R.MEAN, R.SUM, R.SUM_BY_NONZERO_WEIGHTS] as const;
  type Case = [string, (w: unknown, r: number) => tn.Tensor, (w: unknown, r: number) => tf.Tensor];
  const ours = (vals: number[]) => tn.tensor(vals, shape);
  const theirs = (vals: number[]) => tf.tensor(vals, shape);
  const cases: Case[] = [
    ['absoluteDifference', (w, r) => tn.losses.absoluteDifference(ours(preds), ours(probs), w as tn.Tensor, r as never), (w, r) => tf.losses.absoluteDifference(theirs(preds), theirs(probs), w as tf.Tensor, r)],
    ['huberLoss', (w, r) => tn.losses.huberLoss(ours(preds), ours(probs.map((p) => 3 * p)), w as tn.Tensor, 0.7, r as never), (w, r) => tf.losses.huberLoss(theirs(preds), theirs(probs.map((p) => 3 * p)), w as tf.Tensor, 0.7, r)],
    ['logLoss', (w, r) => tn.losses.logLoss(ours(labels01), ours(probs), w as tn.Tensor, 1e-7, r as never), (w, r) => tf.losses.logLoss(theirs(labels01), theirs(probs), w as tf.Tensor, 1e-7, r)],
    ['hingeLoss', (w, r) => tn.losses.hingeLoss(ours(labels01), ours(preds), w as tn.Tensor, r as never), (w, r) => tf.losses.hingeLoss(theirs(labels01), theirs(preds), w as tf.Tensor, r)],
    ['sigmoidCrossEntropy', (w, r) => tn.losses.sigmoidCrossEntropy(ours(labels01), ours(preds.map((p) => 4 * p)), w as tn.Tensor, 0.1, r as never), (w, r) => tf.losses.sigmoidCrossEntropy(theirs(labels01), theirs(preds.map((p) => 4 * p)), w as tf.Tensor, 0.1, r)],
    ['computeWeightedLoss', (w, r) => tn.losses.computeWeightedLoss(ours(probs), w as tn.Tensor, r as never), (w, r) => tf.losses.computeWeightedLoss(theirs(probs), w as tf.Tensor, r)],
  ];

  it('match TF.js for every reduction, with no weights, per-element weights (some 0) and broadcast weights', () => {
    expect(R).toEqual({ NONE: tf.Reduction.NONE, MEAN: tf.Reduction.MEAN, SUM: tf.Reduction.SUM, SUM_BY_NONZERO_WEIGHTS: tf.Reduction.SUM_BY_NONZERO_WEIGHTS });
    for (const [name, a, b] of cases) {
      for (const [wo, wt] of [[undefined, undefined], [tn.tensor(weightsFull, shape), tf.tensor(weightsFull, shape)], [tn.tensor(weightsRow, [4, 1]), tf.tensor(weightsRow, [4, 1])]]) {
        for (const r of reductions) {
          const x = a(wo, r);
          const y = b(wt, r);
          expect(x.shape, `${name} ${r}`).toEqual(y.shape);
          expectClose(x.data(), y.dataSync(), 1e-5, 1e-6, `${name} reduction ${r} weights ${wo?.shape}`);
        }
      }
      // The default reduction is SUM_BY_NONZERO_WEIGHTS.
      expectClose(a(undefined, R.SUM_BY_NONZERO_WEIGHTS).data(), b(undefined, undefined as never).dataSync(), 1e-5, 1e-6, name);
    }
  });

  it('softmaxCrossEntropy (with label smoothing and per-row weights) and cosineDistance match TF.js', () => {
    const onehot = [1, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0];
    for (const r of reductions) {
      for (const smoothing of [0, 0.2]) {
        expectClose(
          tn.losses.softmaxCrossEntropy(ours(onehot), ours(preds.map((p) => 3 * p)), tn.tensor(weightsRow), smoothing, r).data(),
          tf.losses.softmaxCrossEntropy(theirs(onehot), theirs(preds.map((p) => 3 * p)), tf.tensor(weightsRow), smoothing, r).dataSync(), 1e-5, 1e-6, `softmaxCrossEntropy ${r} ${smoothing}`,
        );
      }
      expectClose(tn.losses.cosineDistance(ours(preds), ours(probs), 1, undefined, r).data(), tf.losses.cosineDistance(theirs(preds), theirs(probs), 1, undefined, r).dataSync(), 1e-5, 1e-6, `cosineDistance ${r}`);
      expectClose(tn.losses.cosineDistance(ours(preds), ours(probs), 0, tn.tensor([1, 0, 2], [1, 3]), r).data(), tf.losses.cosineDistance(theirs(preds), theirs(probs), 0, tf.tensor([1, 0, 2], [1, 3]), r).dataSync(), 1e-5, 1e-6, `cosineDistance axis 0 ${r}`);
    }
  });

  it('are differentiable, leave the Keras losses alone, and name themselves in errors', () => {
    const g = tn.grad((p: tn.Tensor) => tn.losses.softmaxCrossEntropy(tn.tensor([[0, 1]]), p))(tn.tensor([[0.5, -0.5]]));
    const s = tn.softmax(tn.tensor([[0.5, -0.5]])).data();
    expectClose(g.data(), [s[0], s[1] - 1], 1e-5, 1e-6);
    expect(tn.losses.meanSquaredError(tn.tensor([[1, 2]]), tn.tensor([[1, 4]])).shape).toEqual([1]);
    expect(() => tn.losses.absoluteDifference(tn.zeros([2, 3]), tn.zeros([3, 2]))).toThrow('absoluteDifference: labels of shape [2,3] and predictions of shape [3,2] must have the same shape');
    expect(() => tn.losses.huberLoss(tn.zeros([2]), tn.zeros([2]), tn.ones([3]))).toThrow(/huberLoss: .*\[2\].*\[3\]/);
    expect(() => tn.losses.computeWeightedLoss(tn.zeros([2]), null, 7 as never)).toThrow(/computeWeightedLoss: unknown reduction 7/);
    expect(() => tn.losses.softmaxCrossEntropy(tn.zeros([2, 3]), tn.zeros([2, 3]), null, 2)).toThrow('softmaxCrossEntropy: labelSmoothing must be a number in [0, 1], received 2');
  });

  it("minimizing Keras's per-sample meanSquaredError as TF.js code does says to take its mean, with the shape", () => {
    const w = tn.variable(tn.zeros([2, 1]));
    const x = tn.tensor([[1, 2], [3, 4], [5, 6]]);
    const y = tn.tensor([[1], [2], [3]]);
    const perSample = () => tn.losses.meanSquaredError(y, tn.matMul(x, w));
    const hint = "f must return a scalar tensor, received shape [3]; a loss of one value per sample (Keras's tn.losses.meanSquaredError and the other tn.losses functions give one, where TF.js's reduce it) needs its .mean()";
    expect(() => tn.train.sgd(0.01).minimize(perSample)).toThrow(`SGD.minimize: ${hint}`);
    expect(() => tn.variableGrads(perSample)).toThrow(`variableGrads: ${hint}`);
    expect(() => tn.train.adam(0.01).minimize((() => 3) as never)).toThrow('Adam.minimize: f must return a scalar tensor, received number');
    // Its mean is what TF.js's meanSquaredError gives, and trains.
    const opt = tn.train.sgd(0.01);
    const first = opt.minimize(() => tn.mean(perSample()), true)!.data()[0];
    for (let i = 0; i < 50; i++) opt.minimize(() => tn.mean(perSample()));
    expect(tn.mean(perSample()).data()[0]).toBeLessThan(first / 10);
  });
});

describe("TF.js's tf.metrics functions", () => {
  const yTrue01 = [[1, 0, 1], [0, 0, 1], [1, 1, 0], [0, 1, 0]];
  const yPredP = [[0.9, 0.2, 0.4], [0.1, 0.6, 0.8], [0.7, 0.55, 0.3], [0.2, 0.3, 0.1]];
  const yPred01 = [[1, 0, 0], [0, 1, 1], [1, 1, 0], [0, 0, 0]];
  const reg = [[1.5, -2, 0.3], [0, 2, 5], [-1, 1, 2], [3, 3, 0.5]];
  const regP = [[1, -1.5, 0.2], [0.1, 2.5, 4], [-1.2, 0.7, 2.2], [2.5, 3.3, 0.6]];
  const pairs: [string, number[][], number[][]][] = [
    ['binaryAccuracy', yTrue01, yPredP], ['binaryCrossentropy', yTrue01, yPredP], ['categoricalAccuracy', yTrue01, yPredP],
    ['categoricalCrossentropy', yTrue01, yPredP], ['meanSquaredError', reg, regP], ['MSE', reg, regP], ['mse', reg, regP],
    ['meanAbsoluteError', reg, regP], ['meanAbsolutePercentageError', reg, regP], ['MAPE', reg, regP], ['mape', reg, regP],
    ['cosineProximity', reg, regP], ['precision', yTrue01, yPred01], ['recall', yTrue01, yPred01], ['r2Score', reg, regP],
  ];

  it('match TF.js (per-sample values; precision, recall and r2Score scalars)', () => {
    const ourMetrics = tn.metrics as unknown as Record<string, (a: tn.Tensor, b: tn.Tensor) => tn.Tensor>;
    const theirMetrics = tf.metrics as unknown as Record<string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor>;
    for (const [name, t, p] of pairs) {
      const x = ourMetrics[name](tn.tensor(t), tn.tensor(p));
      const y = theirMetrics[name](tf.tensor(t), tf.tensor(p));
      expect(x.shape, name).toEqual(y.shape);
      expectClose(x.data(), y.dataSync(), 1e-5, 1e-6, name);
    }
    const sparse = [2, 1, 0, 1];
    expectClose(tn.metrics.sparseCategoricalAccuracy(tn.tensor(sparse), tn.tensor(yPredP)).data(), tf.metrics.sparseCategoricalAccuracy(tf.tensor(sparse), tf.tensor(yPredP)).dataSync());
    expectClose(tn.metrics.sparseCategoricalAccuracy(tn.tensor(sparse, [4, 1]), tn.tensor(yPredP)).data(), tf.metrics.sparseCategoricalAccuracy(tf.tensor(sparse, [4, 1]), tf.tensor(yPredP)).dataSync());
    // TF.js 4.22 does not export these three from tf.metrics (its source has them): the values are its losses'.
    expectClose(tn.metrics.sparseCategoricalCrossentropy(tn.tensor(sparse), tn.tensor(yPredP)).data(), tf.metrics.categoricalCrossentropy(tf.oneHot(tf.tensor1d(sparse, 'int32'), 3), tf.tensor(yPredP)).dataSync(), 1e-5, 1e-6);
    expectClose(tn.metrics.MAE(tn.tensor(reg), tn.tensor(regP)).data(), tf.metrics.meanAbsoluteError(tf.tensor(reg), tf.tensor(regP)).dataSync());
    expectClose(tn.metrics.mae(tn.tensor(reg), tn.tensor(regP)).data(), tf.metrics.meanAbsoluteError(tf.tensor(reg), tf.tensor(regP)).dataSync());
    // The Keras classes are untouched.
    expect(new tn.metrics.BinaryAccuracy().name).toBe('binary_accuracy');
  });

  it('work in compile() and log under their TF.js names', async () => {
    const model = tn.sequential({ layers: [tn.layers.dense({ units: 3, inputShape: [2], activation: 'sigmoid' })] });
    model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', metrics: [tn.metrics.binaryAccuracy, tn.metrics.mse, tn.metrics.MAPE, tn.metrics.precision, tn.metrics.r2Score] });
    const h = await model.fit(tn.tensor([[1, 2], [3, 4], [0, 1], [2, 2]]), tn.tensor(yTrue01), { epochs: 1, verbose: 0, batchSize: 4 });
    expect(Object.keys(h.history)).toEqual(['loss', 'binaryAccuracy', 'mse', 'MAPE', 'precision', 'r2Score']);
    const yp = model.predict(tn.tensor([[1, 2], [3, 4], [0, 1], [2, 2]])) as tn.Tensor;
    // evaluate's value is the mean of the per-sample values over the data, as TF.js averages them.
    const [, acc] = (await model.evaluate(tn.tensor([[1, 2], [3, 4], [0, 1], [2, 2]]), tn.tensor(yTrue01), { verbose: 0 })) as number[];
    expect(acc).toBeCloseTo(tn.mean(tn.metrics.binaryAccuracy(tn.tensor(yTrue01), yp)).item(), 5);
  });

  it('name themselves and the shapes in errors', () => {
    expect(() => tn.metrics.binaryAccuracy(tn.zeros([2, 3]), tn.zeros([2, 2]))).toThrow('binaryAccuracy: yTrue of shape [2,3] and yPred of shape [2,2] must have the same shape');
    expect(() => tn.metrics.sparseCategoricalAccuracy(tn.zeros([3]), tn.zeros([2, 4]))).toThrow(/sparseCategoricalAccuracy: yTrue of shape \[3\] does not match yPred of shape \[2,4\]/);
    expect(() => tn.metrics.sparseCategoricalCrossentropy(tn.zeros([3]), tn.zeros([2, 4]))).toThrow(/sparseCategoricalCrossentropy: yTrue of shape \[3\] must hold one class index per row/);
  });
});

describe('callbacks', () => {
  it('earlyStopping(args) makes an EarlyStopping that stops fit; CustomCallback takes TF.js hooks', async () => {
    const es = tn.callbacks.earlyStopping({ monitor: 'loss', patience: 0, minDelta: 1e9 });
    expect(es).toBeInstanceOf(tn.EarlyStopping);
    const epochs: number[] = [];
    const custom = new tn.CustomCallback({ onEpochEnd: async (epoch) => { epochs.push(epoch); } });
    expect(custom).toBeInstanceOf(tn.LambdaCallback);
    const model = tn.sequential({ layers: [tn.layers.dense({ units: 1, inputShape: [2] })] });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const h = await model.fit(tn.ones([8, 2]), tn.ones([8, 1]), { epochs: 10, verbose: 0, callbacks: [es, custom] });
    expect(h.epoch.length).toBe(2);
    expect(epochs).toEqual([0, 1]);
    expect(() => new tn.CustomCallback({ onEpochEnd: 3 } as never)).toThrow('CustomCallback: onEpochEnd must be a function');
    expect(() => new tn.CustomCallback({ onEpochEnds: () => {} } as never)).toThrow(/CustomCallback/);
    expect(() => tn.callbacks.earlyStopping({ patience: -1 })).toThrow(/EarlyStopping: patience must be a non-negative integer/);
  });
});

describe('optimizers', () => {
  it("applyGradients takes TF.js's NamedTensor list, as the {name: grad} map and the pairs", () => {
    const w = tn.variable(tn.tensor([1, 2]), true, 'tfjs_api_named_w');
    const b = tn.variable(tn.tensor([3]), true, 'tfjs_api_named_b');
    const opt = tn.train.sgd(0.5);
    opt.applyGradients([{ name: w.name, tensor: tn.tensor([2, 2]) }, { name: b.name, tensor: tn.tensor([1]) }]);
    expect(Array.from(w.data())).toEqual([0, 1]);
    expect(Array.from(b.data())).toEqual([2.5]);
    const wt = tf.variable(tf.tensor([1, 2]), true, 'tfjs_api_named_w');
    tf.train.sgd(0.5).applyGradients([{ name: wt.name, tensor: tf.tensor([2, 2]) }]);
    expect(Array.from(wt.dataSync())).toEqual(Array.from(w.data()));
    expect(() => opt.applyGradients([{ name: 'no_such_variable_here', tensor: tn.tensor([1]) }])).toThrow("SGD.applyGradients: no live variable is named 'no_such_variable_here'");
    expect(() => opt.applyGradients([{ name: w.name, tensor: tn.tensor([1]) }])).toThrow(/SGD.applyGradients: gradient of shape \[1\] does not match variable/);
    opt.dispose();
    opt.applyGradients([[tn.tensor([1, 1]), w]]);
    expect(Array.from(w.data())).toEqual([-0.5, 0.5]);
    expect(tn.train.adam()).toBeInstanceOf(tn.Optimizer);
    expect(tn.Optimizer).toBe(tn.optimizers.Optimizer);
  });
});

describe('models and layers', () => {
  it("getClassName() gives TF.js's names for layers, models and the tf.train optimizers", () => {
    const pairs: [{ getClassName(): string }, { getClassName(): string }][] = [
      [tn.layers.conv2d({ filters: 2, kernelSize: 3 }), tf.layers.conv2d({ filters: 2, kernelSize: 3 })],
      [tn.layers.dense({ units: 2 }), tf.layers.dense({ units: 2 })],
      [tn.layers.lstm({ units: 2 }), tf.layers.lstm({ units: 2 })],
      [tn.layers.maxPooling2d({ poolSize: 2 }), tf.layers.maxPooling2d({ poolSize: 2 })],
      [tn.layers.batchNormalization(), tf.layers.batchNormalization()],
      [tn.sequential(), tf.sequential()],
      [tn.train.sgd(0.1), tf.train.sgd(0.1)],
      [tn.train.momentum(0.1, 0.9), tf.train.momentum(0.1, 0.9)],
      [tn.train.adam(), tf.train.adam()],
      [tn.train.rmsprop(0.01), tf.train.rmsprop(0.01)],
      [tn.train.adagrad(0.1), tf.train.adagrad(0.1)],
      [tn.train.adadelta(), tf.train.adadelta()],
      [tn.train.adamax(), tf.train.adamax()],
    ];
    for (const [ours, theirs] of pairs) expect(ours.getClassName()).toBe(theirs.getClassName());
    // A layer class of one's own answers the name it declares and is registered under.
    class Scale extends tn.Layer {
      static className = 'MyScale';
      call(x: tn.Tensor | tn.Tensor[]) { return x as tn.Tensor; }
    }
    expect(new Scale().getClassName()).toBe('MyScale');
    expect(new tn.layers.Dense(2).getClassName()).toBe('Dense');
  });

  it('toJSON gives model.json\'s modelTopology, which TF.js reads', async () => {
    const model = tn.sequential({ layers: [tn.layers.dense({ units: 3, inputShape: [4], activation: 'relu' }), tn.layers.dense({ units: 2 })] });
    const json = model.toJSON() as string;
    expect(typeof json).toBe('string');
    const topology = model.toJSON(null, false) as Record<string, unknown>;
    expect(JSON.parse(json)).toEqual(topology);
    expect(Object.keys(topology).sort()).toEqual(['backend', 'class_name', 'config', 'keras_version']);
    const reference = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4], activation: 'relu' }), tf.layers.dense({ units: 2 })] });
    expect(Object.keys(topology).sort()).toEqual(Object.keys(reference.toJSON(null, false) as object).sort());
    const loaded = await tf.models.modelFromJSON({ modelTopology: topology } as never);
    expect(loaded.outputShape).toEqual([null, 2]);
    let saved: unknown;
    await model.save(tn.io.withSaveHandler(async (a) => {
      saved = a.modelTopology;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } } as never;
    }));
    expect(saved).toEqual(topology);
  });

  it('outputShape of layers and models, with null for the batch, as TF.js', () => {
    const x = tn.input({ shape: [5] });
    const d1 = tn.layers.dense({ units: 4 });
    const h = d1.apply(x);
    const a = tn.layers.dense({ units: 2 }).apply(h);
    const b = tn.layers.dense({ units: 3 }).apply(h);
    const model = tn.model({ inputs: x, outputs: [a, b] });
    expect(d1.outputShape).toEqual([null, 4]);
    expect(model.outputShape).toEqual([[null, 2], [null, 3]]);
    const seq = tn.sequential({ layers: [tn.layers.dense({ units: 3, inputShape: [4] }), tn.layers.dense({ units: 2 })] });
    const ref = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4] }), tf.layers.dense({ units: 2 })] });
    expect(seq.outputShape).toEqual(ref.outputShape);
    expect(seq.layers[0].outputShape).toEqual(ref.layers[0].outputShape);
    const lstm = new tn.layers.LSTM({ units: 2, returnState: true });
    lstm.apply(tn.input({ shape: [3, 4] }));
    expect(lstm.outputShape).toEqual([[null, 2], [null, 2], [null, 2]]);
    expect(() => tn.layers.dense({ units: 2, name: 'never_called' }).outputShape).toThrow('Layer "never_called" has never been called on a symbolic input, so it has no output shape yet');
    expect(() => tn.sequential({ name: 'no_input_shape' }).outputShape).toThrow(/Model "no_input_shape" has no symbolic outputs yet/);
    // Keras's option of the same name stays what it was on the layers that take it.
    expect(new tn.layers.MultiHeadAttention({ numHeads: 1, keyDim: 2, outputShape: 3 }).outputShape).toEqual([3]);
  });

  it("trainableWeights' read() and write() are TF.js's LayerVariable's: the variable for variableGrads, an assignment", () => {
    tn.setSeed(4);
    const model = tn.sequential({ layers: [tn.layers.dense({ units: 2, inputShape: [3] })] });
    const x = tn.tensor([[1, 2, 3]]);
    const vars = model.trainableWeights.map((w) => w.read());
    const { grads } = tn.variableGrads(() => tn.sum(model.predict(x) as tn.Tensor) as tn.Scalar, vars);
    // d sum(x W + b) / dW is x for every column, and 1 for the bias.
    expect(grads[vars[0].name].arraySync()).toEqual([[1, 1], [2, 2], [3, 3]]);
    expect(grads[vars[1].name].arraySync()).toEqual([1, 1]);
    const [kernel] = model.trainableWeights;
    expect(kernel.write(tn.ones([3, 2]))).toBe(kernel);
    expect((model.predict(x) as tn.Tensor).arraySync()).toEqual([[6, 6]]);
    expect(() => kernel.write(tn.ones([2, 3]))).toThrow(`assign to variable '${kernel.name}': shape [2,3] does not match the variable's shape [3,2]`);
  });

  it('dispose() frees nothing and reports the variables TF.js would dispose', () => {
    const model = tn.sequential({ layers: [tn.layers.dense({ units: 3, inputShape: [4] }), tn.layers.dense({ units: 2, useBias: false })] });
    expect(model.dispose()).toEqual({ refCountAfterDispose: 0, numDisposedVariables: 3 });
    const ref = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4] }), tf.layers.dense({ units: 2, useBias: false })] });
    expect(ref.dispose()).toEqual(model.dispose());
    expect(model.layers[0].dispose()).toEqual({ refCountAfterDispose: 0, numDisposedVariables: 2 });
    expect((model.predict(tn.ones([1, 4])) as tn.Tensor).shape).toEqual([1, 2]);
  });
});

describe('aliases', () => {
  it('LayersModel is Model; the layer factory aliases are TF.js\'s and build the same layers', () => {
    const seq = tn.sequential({ layers: [tn.layers.dense({ units: 1, inputShape: [2] })] });
    expect(seq).toBeInstanceOf(tn.LayersModel);
    expect(tn.LayersModel).toBe(tn.Model);
    const pairs: [string, string][] = [
      ['maxPool1d', 'MaxPooling1D'], ['maxPool2d', 'MaxPooling2D'], ['avgPool1d', 'AveragePooling1D'], ['avgPool2d', 'AveragePooling2D'],
      ['avgPool3d', 'AveragePooling3D'], ['avgPooling1d', 'AveragePooling1D'], ['avgPooling2d', 'AveragePooling2D'], ['avgPooling3d', 'AveragePooling3D'],
      ['globalMaxPool1d', 'GlobalMaxPooling1D'], ['globalMaxPool2d', 'GlobalMaxPooling2D'],
    ];
    const ours = tn.layers as unknown as Record<string, (a: object) => tn.Layer>;
    const theirs = tf.layers as unknown as Record<string, (a: object) => { getClassName(): string }>;
    for (const [alias, cls] of pairs) {
      expect(typeof theirs[alias], alias).toBe('function');
      expect(ours[alias]({}).className, alias).toBe(cls);
      expect(theirs[alias]({ poolSize: 2 }).getClassName(), alias).toBe(cls);
    }
    expect(tn.layers.input).toBe(tn.input);
    expect(typeof tf.layers.input).toBe('function');
  });
});
