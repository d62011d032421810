import { describe, expect, it } from 'vitest';
import * as tn from '../lib/index.js';

const M = tn.metrics;

describe('metrics', () => {
  const probs = tn.tensor([[0.1, 0.6, 0.3], [0.5, 0.2, 0.3], [0.2, 0.3, 0.5], [0.4, 0.35, 0.25]]);
  const labels = tn.tensor([1, 2, 2, 1], [4], 'int32');

  it('sparse and categorical accuracy, accumulated over batches', () => {
    const m = new M.SparseCategoricalAccuracy();
    m.updateState(labels, probs);
    expect(m.result()).toBe(0.5);
    m.updateState(tn.tensor([0], [1], 'int32'), tn.tensor([[0.9, 0.05, 0.05]]));
    expect(m.result()).toBeCloseTo(3 / 5);
    m.resetState();
    expect(m.result()).toBe(0);
    const c = new M.CategoricalAccuracy();
    c.updateState(tn.oneHot(labels, 3), probs);
    expect(c.result()).toBe(0.5);
  });

  it('top-k accuracy counts ties as in', () => {
    const k2 = new M.SparseTopKCategoricalAccuracy({ k: 2 });
    k2.updateState(labels, probs);
    expect(k2.result()).toBe(1);
    const k1 = new M.TopKCategoricalAccuracy({ k: 1 });
    k1.updateState(tn.oneHot(labels, 3), probs);
    expect(k1.result()).toBe(0.5);
    const tie = new M.SparseTopKCategoricalAccuracy({ k: 1 });
    tie.updateState(tn.tensor([1], [1], 'int32'), tn.tensor([[0.5, 0.5, 0]]));
    expect(tie.result()).toBe(1);
  });

  it('binary accuracy, precision and recall', () => {
    const yTrue = tn.tensor([[1], [0], [1], [1], [0]]);
    const yPred = tn.tensor([[0.9], [0.6], [0.4], [0.7], [0.1]]);
    const acc = new M.BinaryAccuracy();
    acc.updateState(yTrue, yPred);
    expect(acc.result()).toBeCloseTo(3 / 5);
    const p = new M.Precision();
    p.updateState(yTrue, yPred);
    expect(p.result()).toBeCloseTo(2 / 3);
    const r = new M.Recall();
    r.updateState(yTrue, yPred);
    expect(r.result()).toBeCloseTo(2 / 3);
  });

  it('mse, mae, sample weights, custom functions and accuracy resolution', () => {
    const mse = new M.MeanSquaredError();
    mse.updateState(tn.tensor([[1, 2], [3, 4]]), tn.tensor([[1, 0], [3, 5]]));
    expect(mse.result()).toBeCloseTo((2 + 0.5) / 2);
    const mae = new M.MeanAbsoluteError();
    mae.updateState(tn.tensor([[1, 2], [3, 4]]), tn.tensor([[1, 0], [3, 5]]), tn.tensor([1, 3]));
    expect(mae.result()).toBeCloseTo((1 * 1 + 0.5 * 3) / 4);
    const custom = M.getMetric(function maxError(t: tn.Tensor, p: tn.Tensor) {
      return tn.max(tn.abs(tn.sub(t, p)), -1);
    });
    expect(custom.name).toBe('maxError');
    custom.updateState(tn.tensor([[1, 2], [3, 4]]), tn.tensor([[1, 0], [3, 5]]));
    expect(custom.result()).toBeCloseTo(1.5);
    const auto = M.getMetric('accuracy', 'binary_crossentropy');
    auto.updateState(tn.tensor([[1], [0]]), tn.tensor([[0.8], [0.3]]));
    expect(auto.result()).toBe(1);
    expect(auto.name).toBe('accuracy');
  });
});

describe("Keras's RootMeanSquaredError", () => {
  it('is the root of the mean squared error over every batch so far, by class, by name and in compile()', async () => {
    const m = new M.RootMeanSquaredError();
    expect(m.name).toBe('root_mean_squared_error');
    m.updateState(tn.tensor([[1, 2], [3, 4]]), tn.tensor([[1, 0], [3, 5]]));
    expect(m.result()).toBeCloseTo(Math.sqrt((4 + 1) / 4));
    m.updateState(tn.tensor([[0, 0]]), tn.tensor([[3, 3]]));
    // One root of all three rows' mean, not the mean of two batches' roots.
    expect(m.result()).toBeCloseTo(Math.sqrt((2 + 0.5 + 9) / 3));
    const w = new M.RootMeanSquaredError({ name: 'rmse' });
    w.updateState(tn.tensor([[1], [2]]), tn.tensor([[3], [2]]), tn.tensor([3, 1]));
    expect(w.result()).toBeCloseTo(Math.sqrt((4 * 3) / 4));
    expect(M.getMetric('root_mean_squared_error')).toBeInstanceOf(M.RootMeanSquaredError);
    expect(M.getMetric('RootMeanSquaredError').name).toBe('root_mean_squared_error');
    expect(M.getMetric({ className: 'RootMeanSquaredError', config: { name: 'r' } }).name).toBe('r');

    const model = new tn.Sequential([new tn.layers.Dense(1, { inputShape: [1], kernelInitializer: 'ones', biasInitializer: 'zeros' })]);
    model.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['root_mean_squared_error'] });
    const [loss, rmse] = await model.evaluate(tn.tensor([[1], [2], [3], [4]]), tn.tensor([[2], [2], [2], [2]]), { batchSize: 2, verbose: 0 });
    expect(loss).toBeCloseTo((1 + 0 + 1 + 4) / 4);
    expect(rmse).toBeCloseTo(Math.sqrt(6 / 4));
  });
});

describe("Keras's Mean.update_state(values)", () => {
  it('takes the values alone (weights third), and still averages yPred as a compile() metric', () => {
    const m = new tn.metrics.Mean();
    m.updateState([1, 3, 5, 7]);
    expect(m.result()).toBe(4);
    m.resetState();
    m.updateState([1, 3, 5, 7], undefined, [1, 1, 0, 0]);
    expect(m.result()).toBe(2);
    m.resetState();
    m.updateState(tn.zeros([2]), tn.tensor([2, 4]));
    expect(m.result()).toBe(3);
  });
});
