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

describe('a custom Metric subclass as Keras writes one', () => {
  // keras.io's CategoricalTruePositives: state in a variable from addVariable, updated with assignAdd, result() the
  // variable itself (a scalar tensor, as Keras's result returns).
  class CategoricalTruePositives extends M.Metric {
    readonly truePositives: tn.Variable;
    constructor(args: { name?: string } = {}) {
      super({ name: args.name ?? 'categorical_true_positives' });
      this.truePositives = this.addVariable({ shape: [], name: 'ctp', initializer: 'zeros' });
    }
    updateState(yTrue: tn.TensorLike, yPred: tn.TensorLike) {
      const hit = tn.cast(tn.equal(tn.reshape(tn.cast(tn.tensor(yTrue as tn.Tensor), 'int32'), [-1]), tn.argMax(yPred as tn.Tensor, -1)), 'float32');
      this.truePositives.assignAdd(tn.sum(hit));
    }
    result() {
      return this.truePositives as unknown as number;
    }
    override resetState() {
      this.truePositives.assign(0);
    }
  }

  it('takes its state from addVariable and its result as a scalar tensor in fit, evaluate and the progress bar', async () => {
    const m = new CategoricalTruePositives();
    expect(m.name).toBe('categorical_true_positives');
    expect(m.variables).toEqual([m.truePositives]);
    expect(m.truePositives.trainable).toBe(false);
    const model = new tn.Sequential([new tn.layers.Dense(3, { inputShape: [3], useBias: false, kernelInitializer: 'identity' })]);
    model.compile({ optimizer: new tn.optimizers.SGD({ learningRate: 0 }), loss: 'sparse_categorical_crossentropy', metrics: [m] });
    // The identity kernel predicts each row's largest feature: rows 0, 1 and 3 right, row 2 wrong, row 4 right.
    const x = tn.tensor([[3, 1, 0], [0, 2, 1], [1, 0, 0], [0, 1, 5], [0, 4, 1]]);
    const y = tn.tensor([0, 1, 2, 2, 1], [5], 'int32');
    const lines: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((s: string) => (lines.push(String(s)), true)) as typeof process.stdout.write;
    let h: tn.History;
    try {
      h = await model.fit(x, y, { epochs: 2, batchSize: 2, verbose: 1 });
    } finally {
      process.stdout.write = write;
    }
    // Reset at each epoch: 4 right per epoch, not 4 then 8.
    expect(h.history.categorical_true_positives).toEqual([4, 4]);
    expect(lines.join('')).toMatch(/categorical_true_positives: 4\.0000/);
    expect(await model.evaluate(x, y, { verbose: 0, returnDict: true })).toMatchObject({ categorical_true_positives: 4 });
    m.resetState();
    expect(m.truePositives.item()).toBe(0);
  });

  it("without a resetState of its own, Keras's default sets every variable to zeros (fit reset it at each epoch)", async () => {
    // keras.io's metrics that keep their state in variables leave reset_state to the base class.
    class Seen extends M.Metric {
      readonly count = this.addVariable({ shape: [], name: 'count' });
      readonly sums = this.addVariable({ shape: [2], name: 'sums', initializer: 'ones' });
      updateState(_y: tn.TensorLike, yPred: tn.TensorLike) {
        const p = yPred as tn.Tensor;
        this.count.assignAdd(p.shape[0]);
        this.sums.assignAdd(tn.sum(p, 0));
      }
      result() {
        return this.count.item();
      }
    }
    const seen = new Seen();
    seen.updateState(null as never, tn.tensor([[1, 2], [3, 4], [5, 6]]));
    expect([seen.count.item(), Array.from(seen.sums.data())]).toEqual([3, [10, 13]]);
    seen.resetState();
    // Zeros, as Keras's Metric.reset_state assigns, not the initializer's ones.
    expect([seen.count.item(), Array.from(seen.sums.data())]).toEqual([0, [0, 0]]);
    const model = new tn.Sequential([new tn.layers.Dense(2, { inputShape: [2] })]);
    model.compile({ optimizer: 'sgd', loss: 'mse', metrics: [seen] });
    const h = await model.fit(tn.ones([6, 2]), tn.ones([6, 2]), { epochs: 3, batchSize: 4, verbose: 0 });
    expect(h.history.seen).toEqual([6, 6, 6]);
  });

  it("Keras 2's addWeight spelling, the class name as default name, and a result that is not a scalar", () => {
    class Counts extends M.Metric {
      readonly counts = this.addWeight('counts', { shape: [2], initializer: 'ones' });
      updateState(_y: tn.TensorLike, yPred: tn.TensorLike) {
        this.counts.assignSub(tn.tensor([1, 0]));
        this.counts.assignAdd(tn.sum(yPred as tn.Tensor, 0));
      }
      result() {
        return this.counts as unknown as number;
      }
      override resetState() {
        this.counts.assign(tn.ones([2]));
      }
    }
    const c = new Counts();
    expect(c.name).toBe('counts');
    c.updateState(null as never, tn.tensor([[1, 2], [3, 4]]));
    expect(Array.from(c.counts.data())).toEqual([4, 7]);
    const model = new tn.Sequential([new tn.layers.Dense(2, { inputShape: [2] })]);
    model.compile({ optimizer: 'sgd', loss: 'mse', metrics: [c] });
    expect(() => model.trainOnBatch(tn.ones([2, 2]), tn.ones([2, 2]))).toThrow(/metric "counts": result\(\) must return a number or a scalar tensor, received a tensor of shape \[2\]/);
    expect(() => c.addVariable({ shape: [2], intializer: 'ones' } as never)).toThrow(/Counts.addVariable.*intializer/);
    expect(() => c.counts.assignAdd(tn.ones([3]))).toThrow(/assignAdd to variable '.*counts.*': shape \[3\] does not match the variable's shape \[2\]/);
  });
});

describe("compile's metric names from Keras 2 and TF.js: 'crossentropy' / 'ce' and 'cosine' / 'cosine_proximity'", () => {
  const x = tn.tensor([[1, 0], [0, 1], [1, 1], [2, -1], [-1, 2], [0.5, 0.5]]);
  const ids = tn.tensor([0, 1, 2, 0, 1, 2], [6], 'int32');

  async function evaluated(units: number, activation: string, loss: string, metric: string, y: tn.Tensor) {
    const model = new tn.Sequential([new tn.layers.Dense(units, { inputShape: [2], activation, kernelInitializer: tn.initializers.glorotUniform({ seed: 3 }) })]);
    model.compile({ optimizer: 'sgd', loss, metrics: [metric] });
    const logs = (await model.evaluate(x, y, { verbose: 0, returnDict: true })) as unknown as Record<string, number>;
    return { logs, yPred: model.predict(x) as tn.Tensor };
  }
  const meanOf = (t: tn.Tensor) => Array.from(t.data()).reduce((s, v) => s + v, 0) / t.size;

  it('the cross-entropy resolves to binary, sparse or categorical from the loss and shapes, and logs under the name given', async () => {
    const binary = tn.tensor([[1], [0], [1], [1], [0], [0]]);
    // With the same cross-entropy as the loss, the metric is the loss.
    for (const [units, activation, loss, metric, y] of [
      [1, 'sigmoid', 'binary_crossentropy', 'ce', binary],
      [3, 'softmax', 'sparse_categorical_crossentropy', 'crossentropy', ids],
      [3, 'softmax', 'categorical_crossentropy', 'ce', tn.oneHot(ids, 3)],
    ] as const) {
      const { logs } = await evaluated(units, activation, loss, metric, y);
      expect(Object.keys(logs)).toEqual(['loss', metric]);
      expect(logs[metric], `${loss} ${metric}`).toBeCloseTo(logs.loss, 5);
    }
    // Another loss: the metric still follows the labels (one-hot: categorical).
    const { logs, yPred } = await evaluated(3, 'softmax', 'mse', 'ce', tn.oneHot(ids, 3));
    expect(logs.ce).toBeCloseTo(meanOf(M.categoricalCrossentropy(tn.oneHot(ids, 3), yPred)), 5);
  });

  it("the capital aliases 'MSE', 'MAE', 'MAPE' are logged as given, as TF.js and Keras 2 log them; class names under the class's default name", async () => {
    const y = tn.tensor([[1, 0, 0], [0, 1, 1], [1, 1, 0], [0, 0, 1], [2, 0, 1], [1, -1, 0]]);
    const model = new tn.Sequential([new tn.layers.Dense(3, { inputShape: [2] })]);
    model.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['MSE', 'MAE', 'MAPE', 'KLD', 'MeanSquaredError', 'LogCoshError'] });
    const logs = (await model.evaluate(x, y, { verbose: 0, returnDict: true })) as unknown as Record<string, number>;
    // Keras 3 logs LogCoshError() as 'logcosh', its default name, not the class name in snake case.
    expect(Object.keys(logs)).toEqual(['loss', 'MSE', 'MAE', 'MAPE', 'KLD', 'mean_squared_error', 'logcosh']);
    expect(logs.MSE).toBeCloseTo(logs.loss, 5);
    expect(logs.mean_squared_error).toBe(logs.MSE);
  });

  it("'cosine' and 'cosine_proximity' are TF.js's cosineProximity (the negated cosine similarity)", async () => {
    const y = tn.tensor([[1, 0, 0], [0, 1, 1], [1, 1, 0], [0, 0, 1], [2, 0, 1], [1, -1, 0]]);
    for (const metric of ['cosine', 'cosine_proximity', 'cosineProximity']) {
      const { logs, yPred } = await evaluated(3, 'linear', 'mse', metric, y);
      expect(logs[metric], metric).toBeCloseTo(meanOf(M.cosineProximity(y, yPred)), 5);
      const similarity = new M.CosineSimilarity();
      similarity.updateState(y, yPred);
      expect(logs[metric]).toBeCloseTo(-similarity.result(), 5);
    }
  });
});
