import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { native } from '../../lib/native.js';

const { Dense, Conv2D, MaxPooling2D, Flatten } = tn.layers;

beforeEach(() => {
  tn.clearSession();
  tn.setSeed(1234);
});

/** Captures what fit/evaluate print. */
async function captureStdout(fn: () => Promise<unknown>): Promise<string> {
  const write = process.stdout.write.bind(process.stdout);
  let out = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stdout.write;
  try {
    await fn();
  } finally {
    process.stdout.write = write;
  }
  return out;
}

function regressionData(n: number) {
  const x = tn.randomUniform([n, 2], -1, 1, 'float32', 7);
  const xv = x.data();
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) y[i] = 3 * xv[2 * i] - 2 * xv[2 * i + 1] + 1;
  return [x, tn.tensor(y, [n, 1])] as const;
}

function xorData() {
  return [tn.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]), tn.tensor([[0], [1], [1], [0]])] as const;
}

function referenceCnn(): tn.Sequential {
  return new tn.Sequential([
    new Conv2D(32, [3, 3], { activation: 'relu', inputShape: [28, 28, 1] }),
    new MaxPooling2D([2, 2]),
    new Flatten(),
    new Dense(128, { activation: 'relu' }),
    new Dense(10, { activation: 'softmax' }),
  ]);
}

describe('training small models', () => {
  it('a linear regression with MSE recovers its coefficients', async () => {
    const [x, y] = regressionData(256);
    const model = new tn.Sequential([new Dense(1, { inputShape: [2] })]);
    model.compile({ optimizer: new tn.optimizers.Adam({ learningRate: 0.05 }), loss: 'mean_squared_error', metrics: ['mae'] });
    const history = await model.fit(x, y, { epochs: 60, batchSize: 32, verbose: 0 });
    const losses = history.history.loss;
    expect(losses[losses.length - 1]).toBeLessThan(1e-3);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] / 100);
    const [k, b] = model.getWeights();
    expect(k.data()[0]).toBeCloseTo(3, 1);
    expect(k.data()[1]).toBeCloseTo(-2, 1);
    expect(b.data()[0]).toBeCloseTo(1, 1);
    const [loss, mae] = await model.evaluate(x, y, { verbose: 0 });
    expect(loss).toBeLessThan(1e-3);
    expect(mae).toBeLessThan(0.05);
  });

  it('the seed loss L = sum((y - yhat)^2) trains as written', async () => {
    const [x, y] = regressionData(64);
    const model = new tn.Sequential([new Dense(1, { inputShape: [2] })]);
    model.compile({ optimizer: new tn.optimizers.SGD({ learningRate: 0.002 }), loss: 'sum_squared_error' });
    const first = model.testOnBatch(x, y)[0];
    const expected = tn.sum(tn.square(tn.sub(y, model.predict(x) as tn.Tensor))).item();
    expect(first).toBeCloseTo(expected, 3);
    await model.fit(x, y, { epochs: 100, batchSize: 64, verbose: 0 });
    expect(model.testOnBatch(x, y)[0]).toBeLessThan(first / 100);
  });

  it('learns XOR', async () => {
    const [x, y] = xorData();
    const model = new tn.Sequential([new Dense(8, { activation: 'tanh', inputShape: [2] }), new Dense(1, { activation: 'sigmoid' })]);
    model.compile({ optimizer: new tn.optimizers.Adam({ learningRate: 0.05 }), loss: 'binary_crossentropy', metrics: ['accuracy'] });
    const h = await model.fit(x, y, { epochs: 300, batchSize: 4, verbose: 0 });
    expect(h.history.accuracy[h.history.accuracy.length - 1]).toBe(1);
    const p = (model.predict(x) as tn.Tensor).data();
    expect(Array.from(p).map((v) => Math.round(v))).toEqual([0, 1, 1, 0]);
  });
});

describe('fit', () => {
  it('returns a History with Keras keys, one entry per epoch', async () => {
    const [x, y] = regressionData(100);
    const model = new tn.Sequential([new Dense(1, { inputShape: [2] })]);
    model.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae'] });
    const h = await model.fit(x, y, { epochs: 3, batchSize: 10, validationSplit: 0.2, verbose: 0 });
    expect(Object.keys(h.history).sort()).toEqual(['loss', 'mae', 'val_loss', 'val_mae']);
    for (const v of Object.values(h.history)) expect(v).toHaveLength(3);
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(h.params).toMatchObject({ epochs: 3, steps: 8, samples: 80 });
  });

  it('accuracy resolves to the right variant and counts correctly', async () => {
    const model = new tn.Sequential([new Dense(3, { activation: 'softmax', inputShape: [2], kernelInitializer: 'zeros' })]);
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    model.setWeights([tn.tensor([[1, 0, 0], [0, 1, 0]]), tn.zeros([3])]);
    // argmax of each row: 0, 1, 0, 1 ; labels 0, 1, 2, 2 -> 2 of 4
    const x = tn.tensor([[2, 1], [1, 2], [3, 0], [0, 3]]);
    const [, acc] = model.testOnBatch(x, tn.tensor([0, 1, 2, 2], [4], 'int32'));
    expect(acc).toBe(0.5);
    const onehot = new tn.Sequential([new Dense(3, { activation: 'softmax', inputShape: [2] })]);
    onehot.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
    onehot.setWeights(model.getWeights());
    expect(onehot.testOnBatch(x, tn.oneHot(tn.tensor([0, 1, 2, 2], [4], 'int32'), 3))[1]).toBe(0.5);
  });

  it('yields to the event loop between batches', async () => {
    const [x, y] = regressionData(512);
    const model = new tn.Sequential([new Dense(1, { inputShape: [2] })]);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const fitting = model.fit(x, y, { epochs: 5, batchSize: 8, verbose: 0 });
    let answered = false;
    setImmediate(() => (answered = true));
    await fitting;
    clearInterval(timer);
    expect(answered).toBe(true);
    expect(ticks).toBeGreaterThan(5);
  });

  it('prints Keras progress: a line per epoch off a terminal, verbose 2 lines, and nothing for verbose 0', async () => {
    const [x, y] = regressionData(64);
    const model = new tn.Sequential([new Dense(1, { inputShape: [2] })]);
    model.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae'] });
    const v1 = await captureStdout(() => model.fit(x, y, { epochs: 2, batchSize: 16, verbose: 1, validationData: [x, y] }));
    const lines1 = v1.trim().split('\n');
    expect(lines1[0]).toBe('Epoch 1/2');
    expect(lines1[1]).toMatch(/^4\/4 ━{20} \d+s \d+(ms|us)\/step - loss: \d\.\d{4} - mae: \d\.\d{4} - val_loss: \d\.\d{4} - val_mae: \d\.\d{4}$/);
    expect(lines1[2]).toBe('Epoch 2/2');
    expect(lines1).toHaveLength(4);
    const v2 = await captureStdout(() => model.fit(x, y, { epochs: 1, batchSize: 16, verbose: 2 }));
    expect(v2.trim().split('\n')[1]).toMatch(/^4\/4 - \d+s - \d+(ms|us)\/step - loss: \d\.\d{4} - mae: \d\.\d{4}$/);
    expect(await captureStdout(() => model.fit(x, y, { epochs: 1, verbose: 0 }))).toBe('');
    const ev = await captureStdout(() => model.evaluate(x, y, { batchSize: 16 }));
    expect(ev).toMatch(/^4\/4 ━{20} \d+s \d+(ms|us)\/step - loss: \d\.\d{4} - mae: \d\.\d{4}\n$/);
  });

  it('stops when a callback sets stopTraining, and calls hooks in Keras order', async () => {
    const [x, y] = regressionData(40);
    const model = new tn.Sequential([new Dense(1, { inputShape: [2] })]);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const calls: string[] = [];
    class Recorder extends tn.Callback {
      override onTrainBegin() { calls.push('trainBegin'); }
      override onEpochBegin(e: number) { calls.push(`epochBegin ${e}`); }
      override onTrainBatchEnd(b: number) { calls.push(`batchEnd ${b}`); }
      override onEpochEnd(e: number, logs?: tn.callbacks.Logs) {
        calls.push(`epochEnd ${e}`);
        expect(logs?.loss).toBeTypeOf('number');
        if (e === 1) this.model!.stopTraining = true;
      }
      override onTrainEnd() { calls.push('trainEnd'); }
    }
    const h = await model.fit(x, y, { epochs: 10, batchSize: 20, verbose: 0, callbacks: [new Recorder()] });
    expect(calls).toEqual(['trainBegin', 'epochBegin 0', 'batchEnd 0', 'batchEnd 1', 'epochEnd 0', 'epochBegin 1', 'batchEnd 0', 'batchEnd 1', 'epochEnd 1', 'trainEnd']);
    expect(h.epoch).toEqual([0, 1]);
    const seen: number[] = [];
    await model.fit(x, y, { epochs: 2, batchSize: 40, verbose: 0, callbacks: [new tn.LambdaCallback({ onEpochEnd: (e) => { seen.push(e); } })] });
    expect(seen).toEqual([0, 1]);
  });

  it('weights the loss by classWeight', async () => {
    const model = new tn.Sequential([new Dense(2, { activation: 'softmax', inputShape: [1], kernelInitializer: 'zeros' })]);
    model.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy' });
    const x = tn.tensor([[1], [1]]);
    const labels = tn.tensor([0, 1], [2], 'int32');
    const plain = model.testOnBatch(x, labels)[0];
    const weighted = model.trainOnBatch(x, labels, { classWeight: { 0: 1, 1: 3 } })[0];
    expect(plain).toBeCloseTo(Math.log(2), 5);
    expect(weighted).toBeCloseTo((Math.log(2) * 4) / 2, 5);
  });

  it("refuses, as Keras does, two layers of one name in a model, an unknown output in lossWeights, and y beside a dataset", async () => {
    const x = tn.input({ shape: [2] });
    expect(() => new tn.Model({ inputs: x, outputs: new Dense(2, { name: 'same' }).apply(new Dense(3, { name: 'same' }).apply(x) as tn.SymbolicTensor) as tn.SymbolicTensor }))
      .toThrow(/Model: the name "same" is used 2 times in the model/);
    const a = new Dense(1, { name: 'r' }).apply(x) as tn.SymbolicTensor;
    const b = new Dense(1, { name: 'c' }).apply(x) as tn.SymbolicTensor;
    const two = new tn.Model({ inputs: x, outputs: [a, b] });
    expect(() => two.compile({ optimizer: 'sgd', loss: 'mse', lossWeights: { r: 1, cx: 2 } })).toThrow(/unknown output name 'cx' in lossWeights; outputs are r, c/);
    const one = new tn.Sequential([new Dense(1, { inputShape: [2] })]);
    one.compile({ optimizer: 'sgd', loss: 'mse' });
    const ds = tn.data.zip([tn.data.array([[1, 2]]), tn.data.array([[3]])]).batch(1);
    await expect(one.fit(ds as never, tn.ones([1, 1]) as never, { epochs: 1 } as never)).rejects.toThrow(/fit: `y` is not taken when x is a dataset/);
    await expect(one.fit(ds, { epochs: 1, verbose: 0 })).resolves.toBeDefined();
  });

  it('fit with epochs 0, or no more than initialEpoch, trains nothing and returns an empty History, as Keras does', async () => {
    const model = new tn.Sequential([new Dense(1, { inputShape: [2] })]);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const before = model.getWeights().map((w) => Array.from(w.data()));
    expect((await model.fit(tn.ones([4, 2]), tn.ones([4, 1]), { epochs: 0, verbose: 0 })).epoch).toEqual([]);
    expect((await model.fit(tn.ones([4, 2]), tn.ones([4, 1]), { epochs: 2, initialEpoch: 2, verbose: 0 })).epoch).toEqual([]);
    expect(model.getWeights().map((w) => Array.from(w.data()))).toEqual(before);
    await expect(model.fit(tn.ones([4, 2]), tn.ones([4, 1]), { epochs: 1.5, verbose: 0 })).rejects.toThrow(/fit: epochs must be a non-negative integer, received 1.5/);
  });

  it('names the sample of a bad sparse label, not its position in a shuffled batch', async () => {
    const model = new tn.Sequential([new Dense(3, { activation: 'softmax', inputShape: [4] })]);
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
    const labels = Array.from({ length: 100 }, (_, i) => (i === 70 ? 0.5 : i % 3));
    await expect(model.fit(tn.zeros([100, 4]), tn.tensor(labels), { verbose: 0 })).rejects.toThrow(/fit: y: label 0.5 of sample 70 is out of range for 3 classes/);
    const good = tn.tensor(Array.from({ length: 100 }, (_, i) => i % 3));
    await expect(model.fit(tn.zeros([100, 4]), good, { verbose: 0, validationData: [tn.zeros([2, 4]), tn.tensor([1, 3])] })).rejects.toThrow(/fit: validationData y: label 3 of sample 1/);
  });

  it('gives a class that classWeight leaves out the weight 1, as Keras 3 does', () => {
    const model = new tn.Sequential([new Dense(3, { activation: 'softmax', inputShape: [1], kernelInitializer: 'zeros' })]);
    model.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy' });
    const x = tn.tensor([[1], [1], [1]]);
    const labels = tn.tensor([0, 1, 2], [3], 'int32');
    const weighted = model.testOnBatch(x, labels);
    const withClassWeight = model.trainOnBatch(x, labels, { classWeight: { 2: 4 } })[0];
    expect(weighted[0]).toBeCloseTo(Math.log(3), 5);
    expect(withClassWeight).toBeCloseTo((Math.log(3) * (1 + 1 + 4)) / 3, 5);
  });

  it('refuses an option fit, evaluate or predict does not take, or a layer option its class does not take, naming it', async () => {
    const model = new tn.Sequential([new Dense(1, { inputShape: [2] })]);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = tn.zeros([4, 2]);
    const y = tn.zeros([4, 1]);
    await expect(model.fit(x, y, { epoch: 3, verbose: 0 } as tn.FitArgs)).rejects.toThrow(/fit: unrecognized option "epoch"/);
    await expect(model.fit(x, y, { batch_size: 3, verbose: 0 } as tn.FitArgs)).rejects.toThrow(/"batch_size" \(did you mean batchSize\?\)/);
    await expect(model.evaluate(x, y, { batchsize: 2 } as tn.EvaluateArgs)).rejects.toThrow(/evaluate: unrecognized option "batchsize"/);
    expect(() => model.predict(x, { batchSize: 2, steps: 1 } as tn.PredictArgs)).toThrow(/predict: unrecognized option "steps"/);
    // What fit takes with tensors but not with a dataset says so, as Keras's errors do.
    const ds = tn.data.zip([tn.data.array(tn.unstack(x)), tn.data.array(tn.unstack(y))]).batch(2);
    await expect(model.fit(ds, { validationSplit: 0.5, verbose: 0 } as never)).rejects.toThrow(/"validationSplit" \(validationSplit is only supported for tensors; split a dataset with tn\.utils\.splitDataset/);
    await expect(model.fit(ds, { sampleWeight: tn.ones([4]), verbose: 0 } as never)).rejects.toThrow(/"sampleWeight" \(a dataset gives its sample weights in its elements, as \[x, y, sampleWeight\]\)/);
    // A string where a number goes is quoted, so that it does not read as the number.
    await expect(model.fit(x, y, { batchSize: '32', verbose: 0 } as unknown as tn.FitArgs)).rejects.toThrow(/batchSize must be a positive integer, received "32"/);
    expect(() => new tn.optimizers.Adam({ learningRate: '0.01' as unknown as number })).toThrow(/Received: learningRate="0.01"/);
    expect(() => new tn.layers.Conv2D(8, 3, { paddin: 'same' } as tn.layers.Conv2DArgs).apply(tn.zeros([1, 5, 5, 1]))).toThrow(/Conv2D \(layer "conv2d\w*"\): unrecognized option "paddin"/);
    expect(() => new tn.layers.LSTM(4, { return_sequences: true } as tn.layers.LSTMArgs).apply(tn.zeros([1, 3, 2]))).toThrow(/"return_sequences" \(did you mean returnSequences\?\)/);
    expect(() => new tn.Sequential([new Dense(2, { inputShape: [3] }), new tn.layers.BatchNormalization({ gammaConstraint: 'non_neg' } as tn.layers.BatchNormalizationArgs)])).toThrow(/"gammaConstraint" \(a Keras option tensornode does not support\)/);
    // null asks for the default, as TF.js's configs write it; defaults given explicitly are taken.
    expect(new tn.layers.Dense(2, { kernelConstraint: null } as tn.layers.DenseArgs).apply(tn.zeros([1, 3])).shape).toEqual([1, 2]);
    expect(new tn.layers.Conv2D(4, 3, { groups: 1 }).apply(tn.zeros([1, 5, 5, 2])).shape).toEqual([1, 3, 3, 4]);
    expect(new tn.layers.LSTM(2, { zeroOutputForMask: false }).apply(tn.zeros([1, 3, 2])).shape).toEqual([1, 2]);
  });
});

describe("a Model subclass's own trainStep and testStep (Keras 3's train_step)", () => {
  // Keras's "Customizing what happens in fit()": the model computes its loss, applies its gradients and tracks its
  // own metrics, listed in `metrics` so that fit resets them each epoch.
  class Regressor extends tn.Model {
    lossTracker = new tn.metrics.Mean('loss');
    maeTracker = new tn.metrics.Mean('mae');
    steps = 0;
    override get metrics(): tn.metrics.Metric[] {
      return [this.lossTracker, this.maeTracker];
    }
    override trainStep([x, y]: [tn.Tensor | tn.Tensor[], tn.Tensor | tn.Tensor[] | null, tn.Tensor | null]) {
      this.steps++;
      const { value, grads } = tn.variableGrads(() => tn.mean(tn.square(tn.sub(this.apply(x as tn.Tensor) as tn.Tensor, y as tn.Tensor))), this.trainableWeights);
      this.optimizer!.applyGradients(grads);
      this.lossTracker.updateState(value);
      return { loss: this.lossTracker.result() };
    }
    override testStep([x, y]: [tn.Tensor | tn.Tensor[], tn.Tensor | tn.Tensor[] | null, tn.Tensor | null]) {
      const err = tn.mean(tn.abs(tn.sub(this.apply(x as tn.Tensor) as tn.Tensor, y as tn.Tensor)));
      this.maeTracker.updateState(err);
      return { mae: this.maeTracker.result() };
    }
  }

  it('fit calls trainStep per batch and logs what it returns; evaluate and validation call testStep; compile needs no loss', async () => {
    const [x, y] = regressionData(64);
    const input = tn.input({ shape: [2] });
    const model = new Regressor({ inputs: input, outputs: new Dense(1).apply(input) as tn.SymbolicTensor });
    model.compile({ optimizer: new tn.optimizers.SGD({ learningRate: 0.1 }) });
    const h = await model.fit(x, y, { epochs: 4, batchSize: 16, shuffle: false, verbose: 0, validationData: [x, y] });
    expect(model.steps).toBe(16);
    expect(Object.keys(h.history).sort()).toEqual(['loss', 'val_mae']);
    const loss = h.history.loss as number[];
    // Reset each epoch: an epoch's loss is the mean over its own batches, so it falls epoch after epoch.
    expect(loss[3]).toBeLessThan(loss[0] / 2);
    const [mae] = await model.evaluate(x, y, { verbose: 0 });
    expect(mae).toBeCloseTo(h.history.val_mae[3] as number, 6);
    // By hand: the mean absolute error of the trained model's predictions.
    const p = (model.predict(x) as tn.Tensor).data();
    const t = y.data();
    expect(mae).toBeCloseTo(Array.from(p).reduce((s, v, i) => s + Math.abs(v - t[i]), 0) / p.length, 5);
    // A plain model still needs its loss.
    const plain = new tn.Sequential([new Dense(1, { inputShape: [2] })]);
    expect(() => plain.compile({ optimizer: 'sgd' } as tn.CompileArgs)).toThrow(/`loss` is required .*unless the model has its own trainStep/);
  });
});

describe("a Model subclass's own computeLoss (Keras 3's compute_loss, as keras.io's Distiller overrides it)", () => {
  // The built-in step calls the subclass's computeLoss: here the student's squared error to the targets plus its
  // squared distance to a frozen teacher's predictions, so one SGD step can be computed by hand.
  class Distiller extends tn.Model {
    constructor(readonly student: tn.Model, readonly teacher: tn.Model) {
      super({});
    }
    override call(x: tn.Tensor | tn.Tensor[]) {
      return this.student.apply(x as tn.Tensor);
    }
    override computeLoss(args: { x?: unknown; y?: tn.Tensor | tn.Tensor[] | null; yPred?: tn.Tensor | tn.Tensor[] }): tn.Tensor {
      const yPred = args.yPred as tn.Tensor;
      const teacherPred = this.teacher.apply(args.x as tn.Tensor, { training: false });
      return tn.add(tn.mean(tn.square(tn.sub(yPred, args.y as tn.Tensor))), tn.mean(tn.square(tn.sub(yPred, teacherPred))));
    }
  }
  const xs = [[1, 2], [-1, 0.5], [0.5, -2], [2, 1]];
  const ys = [1, 0, -1, 2];
  const v = [0.5, 0.25];
  const w0 = [0.3, -0.2];
  const dot = (a: number[], b: number[]) => a[0] * b[0] + a[1] * b[1];
  const lossAt = (w: number[]) => xs.reduce((s, x, i) => s + (dot(x, w) - ys[i]) ** 2 + (dot(x, w) - dot(x, v)) ** 2, 0) / xs.length;

  function distiller(): Distiller {
    const student = new tn.Sequential([new Dense(1, { inputShape: [2], useBias: false })]);
    student.setWeights([tn.tensor(w0.map((e) => [e]))]);
    const teacher = new tn.Sequential([new Dense(1, { inputShape: [2], useBias: false })]);
    teacher.setWeights([tn.tensor(v.map((e) => [e]))]);
    teacher.trainable = false;
    return new Distiller(student, teacher);
  }

  it('fit and evaluate take their loss from it, compile needs no loss, and the metrics are the student\'s', async () => {
    const model = distiller();
    model.compile({ optimizer: new tn.optimizers.SGD({ learningRate: 0.1 }), metrics: ['mae'] });
    const x = tn.tensor(xs);
    const y = tn.tensor(ys.map((e) => [e]));
    const h = await model.fit(x, y, { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
    expect(h.history.loss[0]).toBeCloseTo(lossAt(w0), 5);
    expect(h.history.mae[0]).toBeCloseTo(xs.reduce((s, e, i) => s + Math.abs(dot(e, w0) - ys[i]), 0) / 4, 5);
    // One SGD step on the loss by hand: d/dw = 2/n sum x ((x.w - y) + (x.w - x.v)).
    const g = [0, 1].map((k) => xs.reduce((s, e, i) => s + e[k] * ((dot(e, w0) - ys[i]) + (dot(e, w0) - dot(e, v))), 0) * 2 / 4);
    const w1 = w0.map((e, k) => e - 0.1 * g[k]);
    expect(Array.from(model.student.getWeights()[0].data())).toEqual(w1.map((e) => expect.closeTo(e, 6)));
    expect(Array.from(model.teacher.getWeights()[0].data())).toEqual(v);
    const logs = (await model.evaluate(x, y, { verbose: 0, returnDict: true })) as Record<string, number>;
    expect(logs.loss).toBeCloseTo(lossAt(w1), 5);
    expect(logs.mae).toBeCloseTo(xs.reduce((s, e, i) => s + Math.abs(dot(e, w1) - ys[i]), 0) / 4, 5);
    await expect(model.fit(x, y, { epochs: 1, verbose: 0, worker: true })).rejects.toThrow(/has its own computeLoss, which a worker thread cannot run/);
  });
});

describe('a functional model called on a dict keyed by its input names', () => {
  // keras.io's triplet network: a custom step calls the model on { anchor, positive, negative }, as Keras 3 takes it.
  it('takes the tensors in its inputs\' order, concrete or symbolic, and names missing keys', () => {
    const anchor = tn.input({ name: 'anchor', shape: [2] });
    const positive = tn.input({ name: 'positive', shape: [2] });
    const out = new tn.layers.Subtract().apply([anchor, positive]) as tn.SymbolicTensor;
    const model = new tn.Model({ inputs: [anchor, positive], outputs: out });
    const a = tn.tensor([[1, 2], [3, 4]]);
    const p = tn.tensor([[10, 20], [30, 40]]);
    // Keys in the other order: the names decide, so anchor - positive, not positive - anchor.
    expect((model.apply({ positive: p, anchor: a }) as tn.Tensor).array()).toEqual([[-9, -18], [-27, -36]]);
    expect((model.apply({ positive: p, anchor: a }, { training: true }) as tn.Tensor).array()).toEqual([[-9, -18], [-27, -36]]);
    const x1 = tn.input({ name: 'x1', shape: [2] });
    const x2 = tn.input({ name: 'x2', shape: [2] });
    const outer = new tn.Model({ inputs: [x1, x2], outputs: model.apply({ anchor: x2, positive: x1 }) });
    expect((outer.predict([a, p]) as tn.Tensor).array()).toEqual([[9, 18], [27, 36]]);
    expect(() => model.apply({ anchor: a, positve: p })).toThrow(/Model "functional\w*" was called on a dict without 'positive': its inputs are named anchor, positive; received keys anchor, positve/);
  });
});

describe('a trainStep model trained as Keras trains a VAE or a GAN', () => {
  // An autoencoder whose trainStep needs no targets: fit(x, { epochs }) as Keras's vae.fit(x, epochs=...), and a
  // dataset of x alone; compiled with the default optimizer (RMSprop), no loss, no testStep.
  class AutoEncoder extends tn.Model {
    tracker = new tn.metrics.Mean('reconstruction');
    ys: unknown[] = [];
    override get metrics(): tn.metrics.Metric[] {
      return [this.tracker];
    }
    override trainStep([x, y]: [tn.Tensor | tn.Tensor[], tn.Tensor | tn.Tensor[] | null, tn.Tensor | null]) {
      this.ys.push(y);
      const { value, grads } = tn.variableGrads(() => tn.mean(tn.square(tn.sub(this.apply(x as tn.Tensor) as tn.Tensor, x as tn.Tensor))), this.trainableWeights);
      this.optimizer!.applyGradients(grads);
      this.tracker.updateState(value);
      return { reconstruction: this.tracker.result() };
    }
  }

  it('fit(x, { epochs, batchSize }), fit on a dataset of x, and validation through the default test step', async () => {
    const input = tn.input({ shape: [4] });
    const model = new AutoEncoder({ inputs: input, outputs: new Dense(4).apply(new Dense(2).apply(input) as tn.SymbolicTensor) as tn.SymbolicTensor });
    model.compile();
    expect(model.optimizer).toBeInstanceOf(tn.optimizers.RMSprop);
    const x = tn.randomNormal([32, 4], 0, 1, 'float32', 4);
    const h = await model.fit(x, { epochs: 3, batchSize: 8, verbose: 0 });
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(model.ys.length).toBe(12);
    expect(model.ys[0]).toBeNull();
    const d = await model.fit(tn.data.array([x]), { epochs: 2, verbose: 0, validationData: tn.data.array([[x, x]]) });
    expect(Object.keys(d.history).sort()).toEqual(['reconstruction', 'val_loss', 'val_reconstruction']);
    expect(d.history.val_loss).toEqual([0, 0]);
    // A plain model still needs its targets; an empty dataset or no samples is an error, not a loss of 0.
    const plain = new tn.Sequential([new Dense(1, { inputShape: [4] })]);
    plain.compile({ loss: 'mse' });
    await expect(plain.fit(x, { epochs: 1 } as never)).rejects.toThrow(/fit: y \(the targets\) must be given/);
    await expect(plain.fit(tn.data.array([] as tn.Tensor[]).batch(4), { epochs: 1, verbose: 0 })).rejects.toThrow(/fit: the dataset gave no batches/);
    await expect(plain.fit(tn.zeros([0, 4]), tn.zeros([0, 1]), { verbose: 0 })).rejects.toThrow(/fit: the data has no samples/);
    await expect(model.fit(x, { epochs: 1, worker: true })).rejects.toThrow(/has its own trainStep, which a worker thread cannot run/);
  });
});

describe('evaluate(x) without y, as Keras evaluates a model whose own steps need no targets', () => {
  class Reconstructor extends tn.Model {
    tracker = new tn.metrics.Mean('reconstruction');
    ys: unknown[] = [];
    override get metrics(): tn.metrics.Metric[] {
      return [this.tracker];
    }
    override trainStep([x]: [tn.Tensor | tn.Tensor[], tn.Tensor | tn.Tensor[] | null, tn.Tensor | null]) {
      this.tracker.updateState(tn.mean(tn.square(tn.sub(this.apply(x as tn.Tensor) as tn.Tensor, x as tn.Tensor))));
      return { reconstruction: this.tracker.result() };
    }
    override testStep([x, y]: [tn.Tensor | tn.Tensor[], tn.Tensor | tn.Tensor[] | null, tn.Tensor | null]) {
      this.ys.push(y);
      return this.trainStep([x, y, null]);
    }
  }

  it('gives testStep y null, takes the options in y\'s place, and refuses a model that needs targets', async () => {
    const input = tn.input({ shape: [2] });
    const model = new Reconstructor({ inputs: input, outputs: new Dense(2, { kernelInitializer: 'zeros', biasInitializer: 'ones' }).apply(input) as tn.SymbolicTensor });
    model.compile();
    const x = tn.tensor([[1, 2], [0, 1], [3, -1], [1, 1]]);
    // The model predicts [1, 1] for every row: the mean squared error by hand.
    const expected = [[1, 2], [0, 1], [3, -1], [1, 1]].flat().reduce((s, v) => s + (v - 1) ** 2, 0) / 8;
    expect(await model.evaluate(x, { verbose: 0, returnDict: true })).toEqual({ reconstruction: expect.closeTo(expected, 6) });
    expect(await model.evaluate(x, { batchSize: 4, verbose: 0 })).toEqual([expect.closeTo(expected, 6)]);
    expect(model.ys).toEqual([null, null]);
    const plain = new tn.Sequential([new Dense(1, { inputShape: [2] })]);
    plain.compile({ loss: 'mse' });
    await expect(plain.evaluate(x, { verbose: 0 })).rejects.toThrow(/evaluate: y \(the targets\) must be given; only a model with its own testStep/);
  });
});

describe('sampleWeight and classWeight', () => {
  // A linear model y = x W + b under mse and plain SGD, so one step can be computed by hand in float64.
  const x = [[1, 2], [-1, 0.5], [0.5, -2], [2, 1]];
  const labels = [0, 1, 1, 0];
  const w0 = [[0.3], [-0.2]];
  const b0 = [0.1];
  const learningRate = 0.1;
  const sampleWeight = [1, 2, 0.5, 3];
  const classWeight = { 0: 2, 1: 0.25 };

  function model(): tn.Sequential {
    const m = new tn.Sequential([new Dense(1, { inputShape: [2] })]);
    m.setWeights([tn.tensor(w0), tn.tensor(b0)]);
    m.compile({ optimizer: new tn.optimizers.SGD({ learningRate }), loss: 'mse' });
    return m;
  }

  /** The loss mean_i(s_i (yhat_i - y_i)^2) for weights s, and the kernel and bias after one SGD step on it. */
  function byHand(weights: number[]) {
    const n = x.length;
    let loss = 0;
    const gw = [0, 0];
    let gb = 0;
    x.forEach(([a, c], i) => {
      const e = a * w0[0][0] + c * w0[1][0] + b0[0] - labels[i];
      loss += (weights[i] * e * e) / n;
      const g = (2 * weights[i] * e) / n;
      gw[0] += g * a;
      gw[1] += g * c;
      gb += g;
    });
    return { loss, kernel: [w0[0][0] - learningRate * gw[0], w0[1][0] - learningRate * gw[1]], bias: b0[0] - learningRate * gb };
  }

  const cases = [
    { name: 'neither', args: {}, weights: [1, 1, 1, 1] },
    { name: 'sampleWeight alone', args: { sampleWeight }, weights: sampleWeight },
    { name: 'classWeight alone', args: { classWeight }, weights: labels.map((l) => classWeight[l as 0 | 1]) },
    // Keras multiplies the two when both are given
    { name: 'both (multiplied)', args: { sampleWeight, classWeight }, weights: labels.map((l, i) => sampleWeight[i] * classWeight[l as 0 | 1]) },
  ];

  for (const c of cases) {
    it(`trainOnBatch and fit agree with a hand computation: ${c.name}`, async () => {
      const ref = byHand(c.weights);
      const args = { ...c.args, ...(c.args.sampleWeight ? { sampleWeight: tn.tensor(c.args.sampleWeight) } : {}) };
      const y = tn.tensor(labels.map((l) => [l]));

      const onBatch = model();
      const [loss] = onBatch.trainOnBatch(tn.tensor(x), y, args);
      expect(loss).toBeCloseTo(ref.loss, 5);
      const [kernel, bias] = onBatch.getWeights().map((t) => Array.from(t.data()));
      kernel.forEach((v, i) => expect(v).toBeCloseTo(ref.kernel[i], 6));
      expect(bias[0]).toBeCloseTo(ref.bias, 6);

      const fitted = model();
      const history = await fitted.fit(tn.tensor(x), y, { ...args, batchSize: x.length, epochs: 1, shuffle: false, verbose: 0 });
      expect(history.history.loss[0]).toBeCloseTo(ref.loss, 5);
      expect(fitted.getWeights().map((t) => Array.from(t.data()))).toEqual([kernel, bias]);
    });
  }

  it("metrics ignore the weights and weightedMetrics apply them, as Keras's metrics and weighted_metrics", async () => {
    // Eight samples, one predicted right: accuracy 1/8 unweighted.
    const m = new tn.Sequential([new Dense(2, { activation: 'softmax', inputShape: [1], kernelInitializer: 'zeros', biasInitializer: 'zeros' })]);
    m.setWeights([tn.zeros([1, 2]), tn.tensor([1, 0])]);
    m.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'], weightedMetrics: ['accuracy'] });
    const xs = tn.zeros([8, 1]);
    const ys = tn.tensor([0, 1, 1, 1, 1, 1, 1, 1], [8], 'int32');
    const sw = [3, 1, 1, 1, 1, 1, 1, 1];
    expect(m.metricsNames).toEqual(['loss', 'accuracy', 'weighted_accuracy']);
    const logs = (await m.evaluate(xs, ys, { sampleWeight: tn.tensor(sw), verbose: 0, returnDict: true })) as Record<string, number>;
    expect(logs.accuracy).toBeCloseTo(1 / 8, 6);
    expect(logs.weighted_accuracy).toBeCloseTo(3 / 10, 6);
    const fitted = await m.fit(xs, ys, { classWeight: { 0: 7 }, epochs: 1, batchSize: 8, verbose: 0 });
    expect(fitted.history.accuracy[0]).toBeCloseTo(1 / 8, 6);
    expect(fitted.history.weighted_accuracy[0]).toBeCloseTo(7 / 14, 6);
  });

  it('the weights change the step: each case gives a different loss', () => {
    const losses = cases.map((c) => byHand(c.weights).loss);
    expect(new Set(losses.map((l) => l.toFixed(6))).size).toBe(cases.length);
  });
});

describe('predictAsync', () => {
  function model(): tn.Sequential {
    const m = new tn.Sequential([new Dense(8, { activation: 'tanh', inputShape: [3] }), new tn.layers.Dropout(0.5), new Dense(2)]);
    m.build([null, 3]);
    return m;
  }

  it('gives predict\'s values, for one output and several, and for no samples', async () => {
    const m = model();
    const x = tn.randomNormal([70, 3], 0, 1, 'float32', 3);
    const sync = m.predict(x, { batchSize: 16 }) as tn.Tensor;
    const async = (await m.predictAsync(x, { batchSize: 16 })) as tn.Tensor;
    expect(async.shape).toEqual([70, 2]);
    expect(async.data()).toEqual(sync.data());
    expect(((await m.predictAsync(x)) as tn.Tensor).data()).toEqual(sync.data());
    expect(((await m.predictAsync(tn.zeros([0, 3]))) as tn.Tensor).shape).toEqual([0, 2]);

    const a = tn.input({ shape: [3] });
    const two = new tn.Model({ inputs: a, outputs: [new Dense(2).apply(a), new Dense(4).apply(a)] });
    const outs = (await two.predictAsync(x, { batchSize: 7 })) as tn.Tensor[];
    (two.predict(x) as tn.Tensor[]).forEach((t, i) => expect(outs[i].data()).toEqual(t.data()));
  });

  it('lets a timer set before the call run before it resolves, when there are several batches', async () => {
    const m = model();
    const x = tn.randomNormal([64, 3], 0, 1, 'float32', 4);
    const events: string[] = [];
    // A timer of 0 ms comes due after 1 ms: wait past that, so it is due before the first batch runs.
    const setDueTimer = (label: string) => {
      setTimeout(() => events.push(label), 0);
      const set = Date.now();
      while (Date.now() - set < 3);
    };
    // predict holds the thread: the timer only runs after it returns
    setDueTimer('timer (sync)');
    m.predict(x, { batchSize: 8 });
    events.push('predict returned');
    await new Promise((r) => setTimeout(r, 5));
    // Continue from the check phase: the loop's next turn starts with the timers, so a due timer runs before any
    // reply from the worker can be read (in the poll phase after them). From inside the timers phase, as after the
    // setTimeout above, a timer set now would wait for the turn after, and a fast worker's reply could come first.
    await new Promise((r) => setImmediate(r));
    setDueTimer('timer');
    const pending = m.predictAsync(x, { batchSize: 8 }).then(() => events.push('predictAsync resolved'));
    events.push('predictAsync called');
    await pending;
    expect(events).toEqual(['predict returned', 'timer (sync)', 'predictAsync called', 'timer', 'predictAsync resolved']);
  });

  it('rejects bad arguments as predict throws them', async () => {
    const m = model();
    await expect(m.predictAsync(tn.zeros([4, 3]), { batchSize: 0 })).rejects.toThrow('predictAsync: batchSize must be a positive integer, received 0');
    await expect(m.predictAsync(tn.zeros([4, 5]))).rejects.toThrow(/incompatible|expected/);
  });
});

describe('EarlyStopping', () => {
  async function run(es: tn.EarlyStopping, losses: number[]): Promise<number> {
    const model = new tn.Sequential([new Dense(1, { inputShape: [1] })]);
    es.setModel(model);
    es.onTrainBegin();
    let epochs = 0;
    for (let e = 0; e < losses.length && !model.stopTraining; e++) {
      es.onEpochEnd(e, { loss: losses[e] });
      epochs++;
    }
    return epochs;
  }

  it('stops after `patience` epochs without improvement beyond minDelta', async () => {
    expect(await run(new tn.EarlyStopping({ monitor: 'loss', patience: 2 }), [5, 4, 4, 4, 1])).toBe(4);
    expect(await run(new tn.EarlyStopping({ monitor: 'loss', patience: 0 }), [5, 4, 4.5, 1])).toBe(3);
    // Improvements smaller than minDelta do not count: with patience 1 the first such epoch stops training.
    expect(await run(new tn.EarlyStopping({ monitor: 'loss', patience: 1, minDelta: 0.5 }), [5, 4.8, 4.7, 1])).toBe(2);
    expect(await run(new tn.EarlyStopping({ monitor: 'loss', patience: 1, minDelta: 0.5 }), [5, 4.4, 3.8, 1])).toBe(4);
    // "train until the loss stops improving": a loss that keeps falling never stops.
    expect(await run(new tn.EarlyStopping({ monitor: 'loss', patience: 1 }), [5, 4, 3, 2, 1])).toBe(5);
  });

  it('uses mode max for accuracy, a baseline, and startFromEpoch', async () => {
    const accuracy = [0.5, 0.6, 0.6, 0.6];
    const es = new tn.EarlyStopping({ monitor: 'val_accuracy', patience: 1 });
    const model = new tn.Sequential([new Dense(1, { inputShape: [1] })]);
    es.setModel(model);
    es.onTrainBegin();
    accuracy.forEach((a, e) => !model.stopTraining && es.onEpochEnd(e, { val_accuracy: a }));
    expect(es.stoppedEpoch).toBe(2);
    const acc = new tn.EarlyStopping({ monitor: 'acc', patience: 1 });
    expect(acc.mode).toBe('max');
    // The baseline must be beaten for the wait to reset, so a flat loss above it stops one epoch sooner.
    expect(await run(new tn.EarlyStopping({ monitor: 'loss', patience: 2 }), [5, 5, 5, 5])).toBe(3);
    expect(await run(new tn.EarlyStopping({ monitor: 'loss', patience: 2, baseline: 1 }), [5, 5, 5, 5])).toBe(2);
    expect(await run(new tn.EarlyStopping({ monitor: 'loss', patience: 0, startFromEpoch: 3 }), [5, 6, 7, 8, 9])).toBe(5);
  });

  it('stops a real fit and restores the weights of the best epoch', async () => {
    const es = new tn.EarlyStopping({ monitor: 'val_loss', patience: 2, restoreBestWeights: true });
    const { x, y, model, atEpochEnd, h } = await divergingFit(es, 20);
    const valLoss = h.history.val_loss as number[];
    expect(valLoss[1]).toBeLessThan(valLoss[0]);
    expect(valLoss[2]).toBeLessThan(valLoss[1]);
    expect(valLoss[3]).toBeGreaterThan(valLoss[2]);
    expect(valLoss[4]).toBeGreaterThan(valLoss[3]);
    expect(h.epoch).toEqual([0, 1, 2, 3, 4]);
    expect(es.bestEpoch).toBe(2);
    expect(es.stoppedEpoch).toBe(4);
    // The model ends with epoch 2's weights, not the diverged ones of epoch 4, and evaluates to epoch 2's loss.
    const final = model.getWeights().flatMap((w) => Array.from(w.data()));
    expect(final).toEqual(atEpochEnd[2]);
    expect(final).not.toEqual(atEpochEnd[4]);
    const [loss] = await model.evaluate(x, y, { verbose: 0 });
    expect(loss).toBeCloseTo(valLoss[2], 5);
  });
});

/**
 * A fit whose loss falls for three epochs of full-batch steps and then grows: a learning rate far past 2 / (the
 * loss's largest curvature) from epoch 3 on makes each later step overshoot further. Records the weights after each epoch.
 */
async function divergingFit(es: tn.EarlyStopping, epochs: number) {
  const [x, y] = regressionData(32);
  const model = new tn.Sequential([new Dense(1, { inputShape: [2] })]);
  model.compile({ optimizer: new tn.optimizers.SGD({ learningRate: 0.1 }), loss: 'mse' });
  const schedule = new tn.LearningRateScheduler((epoch) => (epoch < 3 ? 0.1 : 5));
  const atEpochEnd: number[][] = [];
  const record = new tn.LambdaCallback({ onEpochEnd: () => { atEpochEnd.push(model.getWeights().flatMap((w) => Array.from(w.data()))); } });
  const h = await model.fit(x, y, { epochs, batchSize: 32, shuffle: false, verbose: 0, validationData: [x, y], callbacks: [schedule, record, es] });
  return { x, y, model, atEpochEnd, h };
}

describe('EarlyStopping when it never stops', () => {
  it('still restores the best epoch at the end of training, as Keras 3 does', async () => {
    const es = new tn.EarlyStopping({ monitor: 'val_loss', patience: 100, restoreBestWeights: true });
    const { model, atEpochEnd, h } = await divergingFit(es, 6);
    expect(h.epoch).toEqual([0, 1, 2, 3, 4, 5]);
    expect(es.stoppedEpoch).toBe(0);
    expect(es.bestEpoch).toBe(2);
    expect(model.getWeights().flatMap((w) => Array.from(w.data()))).toEqual(atEpochEnd[2]);
  });
});

describe('other callbacks', () => {
  it("LearningRateScheduler and ReduceLROnPlateau refuse an optimizer whose learning rate is a schedule (Keras: 'not settable')", async () => {
    const [x, y] = regressionData(8);
    const model = new tn.Sequential([new Dense(1, { inputShape: [2] })]);
    const schedule = () => new tn.optimizers.ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 1, decayRate: 0.5 });
    model.compile({ optimizer: new tn.optimizers.SGD({ learningRate: schedule() }), loss: 'mse' });
    await expect(model.fit(x, y, { epochs: 1, verbose: 0, callbacks: [new tn.LearningRateScheduler((_, lr) => lr)] })).rejects.toThrow(/LearningRateScheduler: the optimizer's learningRate is a schedule \(ExponentialDecay\), so it cannot be set per epoch/);
    expect(model.optimizer!.learningRate).toBeInstanceOf(tn.optimizers.ExponentialDecay);
    await expect(model.fit(x, y, { epochs: 1, verbose: 0, callbacks: [new tn.ReduceLROnPlateau({ monitor: 'loss' })] })).rejects.toThrow(/ReduceLROnPlateau: the optimizer uses a LearningRateSchedule/);
  });

  it('ReduceLROnPlateau waits out its cooldown and stops at minLr, as Keras does', async () => {
    const [x, y] = regressionData(32);
    const model = new tn.Sequential([new Dense(1, { inputShape: [2] })]);
    const run = async (cooldown: number, minLr: number) => {
      model.compile({ optimizer: new tn.optimizers.SGD({ learningRate: 0.1 }), loss: 'mse' });
      // minDelta 100: only the first epoch counts as an improvement, so every later epoch is a plateau.
      const cb = new tn.ReduceLROnPlateau({ monitor: 'loss', patience: 1, factor: 0.5, minDelta: 100, cooldown, minLr });
      const h = await model.fit(x, y, { epochs: 8, batchSize: 32, verbose: 0, shuffle: false, callbacks: [cb] });
      return { logged: h.history.learning_rate, final: model.optimizer!.learningRate };
    };
    // Keras's on_epoch_end by hand (the rate is logged before the epoch's reduction). Without cooldown: reduce at
    // every plateau epoch from epoch 1 on.
    expect(await run(0, 0)).toEqual({ logged: [0.1, 0.1, 0.05, 0.025, 0.0125, 0.00625, 0.003125, 0.0015625], final: 0.00078125 });
    // cooldown 2 after each reduction at epochs 1, 3, 5, 7: the epoch after a reduction only counts the cooldown down
    // (to 1); the next counts it to 0 and, no longer in cooldown, waits 1 = patience and reduces again.
    expect(await run(2, 0)).toEqual({ logged: [0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125], final: 0.00625 });
    // minLr: the reduction at epoch 5 is clamped to 0.02, and at epoch 7 the rate is no longer above minLr.
    expect(await run(2, 0.02)).toEqual({ logged: [0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02], final: 0.02 });
  });

  it('ReduceLROnPlateau, LearningRateScheduler, TerminateOnNaN and CSVLogger', async () => {
    const [x, y] = regressionData(32);
    const model = new tn.Sequential([new Dense(1, { inputShape: [2] })]);
    model.compile({ optimizer: new tn.optimizers.SGD({ learningRate: 0.1 }), loss: 'mse' });
    const h = await model.fit(x, y, { epochs: 4, batchSize: 32, verbose: 0, callbacks: [new tn.ReduceLROnPlateau({ monitor: 'loss', patience: 0, factor: 0.5, minDelta: 100 })] });
    // Logged at each epoch's end before that epoch's reduction, as Keras does.
    expect(h.history.learning_rate).toEqual([0.1, 0.1, 0.05, 0.025]);
    expect(model.optimizer!.learningRate).toBeCloseTo(0.0125);

    const lrs: number[] = [];
    await model.fit(x, y, {
      epochs: 3, verbose: 0,
      callbacks: [new tn.LearningRateScheduler((epoch) => 0.1 / (epoch + 1)), new tn.LambdaCallback({ onEpochBegin: () => { lrs.push(model.optimizer!.currentLearningRate()); } })],
    });
    expect(lrs).toEqual([0.1, 0.05, 0.1 / 3]);

    model.compile({ optimizer: new tn.optimizers.SGD({ learningRate: 1e30 }), loss: 'mse' });
    const nan = await captureStdout(() => model.fit(tn.mul(x, 1e20), y, { epochs: 5, batchSize: 4, verbose: 0, callbacks: [new tn.TerminateOnNaN()] }));
    expect(nan).toMatch(/Batch \d+: Invalid loss, terminating training/);

    const file = join(mkdtempSync(join(tmpdir(), 'tn-')), 'log.csv');
    model.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae'] });
    await model.fit(x, y, { epochs: 2, verbose: 0, callbacks: [new tn.CSVLogger(file)] });
    const rows = readFileSync(file, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('epoch,loss,mae');
    expect(rows).toHaveLength(3);
    expect(rows[2].startsWith('1,')).toBe(true);
    // A resumed run appending to the file adds rows under the one header; the options form takes the same settings.
    await model.fit(x, y, { epochs: 4, initialEpoch: 2, verbose: 0, callbacks: [new tn.CSVLogger(file, { separator: ';', append: true })] });
    const all = readFileSync(file, 'utf8').trim().split('\n');
    expect(all).toHaveLength(5);
    expect(all.filter((r) => r.startsWith('epoch'))).toHaveLength(1);
    expect(all[3].startsWith('2;')).toBe(true);
    expect(() => new tn.CSVLogger(file, { separator: ';', appnd: true } as never)).toThrow(/CSVLogger: unrecognized option "appnd"/);
    expect(() => new tn.CSVLogger(file, 5 as never)).toThrow(/CSVLogger: separator must be a non-empty string, received 5/);
  });
});

describe('bad input', () => {
  it('mismatched x and y lengths', async () => {
    const model = new tn.Sequential([new Dense(1, { inputShape: [2] })]);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    await expect(model.fit(tn.zeros([10, 2]), tn.zeros([9, 1]), { verbose: 0 })).rejects.toThrow("Data cardinality is ambiguous. Make sure all arrays contain the same number of samples.\n'x' sizes: 10\n'y' sizes: 9");
  });

  it('a wrong input shape names the model and both shapes', async () => {
    const model = referenceCnn();
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    await expect(model.fit(tn.zeros([4, 28, 27]), tn.zeros([4], 'int32'), { verbose: 0 })).rejects.toThrow(
      'Input 0 of layer "sequential" is incompatible with the layer: expected shape=(None, 28, 28, 1), found shape=(4, 28, 27)',
    );
    await expect(model.fit(tn.zeros([4, 784]), tn.zeros([4], 'int32'), { verbose: 0 })).rejects.toThrow('expected shape=(None, 28, 28, 1), found shape=(4, 784)');
    expect(() => model.predict(tn.zeros([2, 28, 28, 3]))).toThrow('expected shape=(None, 28, 28, 1), found shape=(2, 28, 28, 3)');
    const d = new tn.Sequential([new Dense(4), new Dense(2)]);
    d.predict(tn.zeros([1, 3]));
    expect(() => d.predict(tn.zeros([1, 5]))).toThrow('Input 0 of layer "sequential_1" is incompatible with the layer: expected shape=(None, 3), found shape=(1, 5)');
    const dense = new Dense(2);
    dense.apply(tn.zeros([1, 3]));
    expect(() => dense.apply(tn.zeros([1, 5]))).toThrow('Input 0 of layer "dense_4" is incompatible with the layer: expected axis -1 of input shape to have value 3, but received input with shape (1, 5)');
  });

  it("data one axis short of an input ending in 1, or with an extra last axis of 1, is reshaped, as Keras 3's functional models do", async () => {
    // keras.io's structured data example: Input(shape=(1,)) per column, fed a dataset of dicts of scalars.
    const a = tn.input({ shape: [1], name: 'a' });
    const b = tn.input({ shape: [1], name: 'b' });
    const model = tn.model({ inputs: [a, b], outputs: new Dense(1, { kernelInitializer: 'ones' }).apply(tn.layers.concatenate([a, b])) as tn.SymbolicTensor });
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const flat = model.predict([tn.tensor([1, 2, 3]), tn.tensor([4, 5, 6])]) as tn.Tensor;
    expect(flat.shape).toEqual([3, 1]);
    expect(Array.from(flat.dataSync())).toEqual([5, 7, 9]);
    const rows = [{ a: 1, b: 4 }, { a: 2, b: 5 }, { a: 3, b: 6 }].map((x, i) => [x, i] as const);
    const ds = tn.data.array(rows as never).batch(2);
    const [loss] = await model.evaluate(ds as never, { verbose: 0 });
    expect(loss).toBeCloseTo(((5 - 0) ** 2 + (7 - 1) ** 2 + (9 - 2) ** 2) / 3, 4);
    const history = await model.fit(ds as never, { epochs: 1, verbose: 0 });
    expect(history.history.loss).toHaveLength(1);

    // The other way, and an image batch without its channel axis.
    const seq = new tn.Sequential([new Dense(2, { inputShape: [3] })]);
    const x = tn.tensor([[1, 2, 3]]);
    expect((seq.predict(x.reshape([1, 3, 1])) as tn.Tensor).dataSync()).toEqual((seq.predict(x) as tn.Tensor).dataSync());
    const cnn = referenceCnn();
    const images = tn.randomUniform([2, 28, 28]);
    expect((cnn.predict(images) as tn.Tensor).dataSync()).toEqual((cnn.predict(images.reshape([2, 28, 28, 1])) as tn.Tensor).dataSync());

    // Strings too: a text model whose input is shape [1] predicts on a plain list of strings.
    const text = tn.input({ shape: [1], dtype: 'string' });
    const lookup = new tn.layers.StringLookup({ vocabulary: ['x', 'y'], outputMode: 'one_hot' });
    const textModel = tn.model({ inputs: text, outputs: lookup.apply(text) as tn.SymbolicTensor });
    expect((textModel.predict(tn.tensor(['y', 'z'])) as tn.Tensor).arraySync()).toEqual([[0, 0, 1], [1, 0, 0]]);
  });

  it('unknown loss, optimizer, metric and activation names list the known ones', () => {
    const model = new tn.Sequential([new Dense(1, { inputShape: [2] })]);
    expect(() => model.compile({ optimizer: 'adamm', loss: 'mse' })).toThrow(/Unknown optimizer "adamm"\. Known optimizers: sgd, adam, adamw, rmsprop, adagrad/);
    expect(() => model.compile({ optimizer: 'adam', loss: 'mean_squared_errors' })).toThrow(/Unknown loss "mean_squared_errors"\. Known losses: mean_squared_error/);
    expect(() => model.compile({ optimizer: 'adam', loss: 'mse', metrics: ['acuracy'] })).toThrow(/Unknown metric "acuracy"\. Known metrics: accuracy/);
    expect(() => new Dense(1, { activation: 'rellu' })).toThrow(/Unknown activation "rellu"\. Known activations: linear, relu, relu6, sigmoid/);
  });

  it('fit before compile says what to do', async () => {
    const model = new tn.Sequential([new Dense(1, { inputShape: [2] })]);
    await expect(model.fit(tn.zeros([2, 2]), tn.zeros([2, 1]))).rejects.toThrow(/You must call compile\(\) before using the model for training/);
  });
});

describe("fit's yieldEvery (TF.js)", () => {
  it("lets the event loop run after every batch ('auto', 'batch'), after each epoch ('epoch'), or not until the end ('never')", async () => {
    const x = tn.ones([8, 2]);
    const y = tn.zeros([8, 1]);
    const turns = async (yieldEvery?: tn.FitArgs['yieldEvery']) => {
      const model = new tn.Sequential([new Dense(1, { inputShape: [2] })]);
      model.compile({ optimizer: 'sgd', loss: 'mse' });
      let count = 0;
      let done = false;
      const spin = () => {
        if (done) return;
        count++;
        setImmediate(spin);
      };
      setImmediate(spin);
      await model.fit(x, y, { epochs: 3, batchSize: 2, verbose: 0, ...(yieldEvery === undefined ? {} : { yieldEvery }) });
      done = true;
      return count;
    };
    // 3 epochs of 4 batches: a turn per batch, per epoch, or none.
    expect(await turns()).toBeGreaterThanOrEqual(12);
    expect(await turns('batch')).toBeGreaterThanOrEqual(12);
    const perEpoch = await turns('epoch');
    expect(perEpoch).toBeGreaterThanOrEqual(3);
    expect(perEpoch).toBeLessThan(12);
    expect(await turns('never')).toBe(0);
    await expect(turns('sometimes' as 'never')).rejects.toThrow(`fit: yieldEvery must be 'auto', 'batch', 'epoch', 'never' or a number of milliseconds >= 0, received "sometimes"`);
  });
});

describe('a training flag fixed when the graph is built', () => {
  it("base.apply(x, { training: false }) keeps a nested BatchNormalization in inference during fit, also after a reload; Dropout(x, { training: true }) drops in predict", async () => {
    const build = () => {
      const inner = new tn.Sequential([new tn.layers.BatchNormalization({ inputShape: [4] })], 'base');
      const inp = tn.input({ shape: [4] });
      return new tn.Model({ inputs: inp, outputs: new Dense(1, { name: 'head' }).apply(inner.apply(inp, { training: false })) });
    };
    const x = tn.add(tn.randomNormal([64, 4], 0, 1, 'float32', 1), 5);
    const movingMean = (m: tn.Model) => Array.from((m.getLayer('base') as tn.Sequential).layers[0].getWeights()[2].data());
    const model = build();
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    await model.fit(x, tn.zeros([64, 1]), { epochs: 1, verbose: 0 });
    expect(movingMean(model)).toEqual([0, 0, 0, 0]);
    const dir = join(tmpdir(), `tensornode-training-flag-${process.pid}`);
    for (const path of [dir, `${dir}.keras`]) {
      await model.save(path);
      const loaded = await tn.models.loadModel(path);
      loaded.compile({ optimizer: 'sgd', loss: 'mse' });
      await loaded.fit(x, tn.zeros([64, 1]), { epochs: 1, verbose: 0 });
      expect(movingMean(loaded), path).toEqual([0, 0, 0, 0]);
      rmSync(path, { recursive: true, force: true });
    }
    const inp = tn.input({ shape: [400] });
    const mc = new tn.Model({ inputs: inp, outputs: new tn.layers.Dropout(0.5).apply(inp, { training: true }) });
    const zeros = Array.from((mc.predict(tn.ones([1, 400])) as tn.Tensor).data()).filter((v) => v === 0).length;
    expect(zeros).toBeGreaterThan(100);
    expect(zeros).toBeLessThan(300);
  });
});

describe('a Sequential has one output', () => {
  it('refuses a layer with several outputs, as Keras does, and types predict as a Tensor', async () => {
    // With the input shape known, when the layer is added (as Keras raises); otherwise at the first call.
    expect(() => new tn.Sequential([new tn.layers.LSTM(2, { returnState: true, inputShape: [3, 2], name: 'lstm' })], 'stack')).toThrow(/Sequential model "stack": layer "lstm" \(LSTM\) returns 3 outputs, but all layers in a Sequential model should have a single output tensor/);
    const lazy = new tn.Sequential([new tn.layers.LSTM(2, { returnState: true })]);
    expect(() => lazy.predict(tn.ones([1, 3, 2]))).toThrow(/should have a single output tensor\. For multi-output layers, use the functional API/);
    const seq = new tn.Sequential([new Dense(2, { inputShape: [3] })]);
    const x = tn.ones([4, 3]);
    const out: tn.Tensor = seq.predict(x);
    const later: tn.Tensor = await seq.predictAsync(x);
    expect(out.shape).toEqual([4, 2]);
    expect(Array.from(later.data())).toEqual(Array.from(seq.predictOnBatch(x).data()));
  });
});

describe('models', () => {
  it('a functional model given outputs as an object keyed by name says to pass a list (inputs may be one, keyed by their names)', () => {
    const a = tn.input({ shape: [2], name: 'a' });
    const out = new Dense(1).apply(a);
    expect(new tn.Model({ inputs: { a }, outputs: out }).inputs).toEqual([a]);
    expect(() => new tn.Model({ inputs: a, outputs: { out } as unknown as tn.SymbolicTensor })).toThrow(/`outputs` as an object keyed by name is not supported/);
  });

  it('summary prints the Keras table for the reference CNN', () => {
    const lines: string[] = [];
    referenceCnn().summary(undefined, undefined, (l) => lines.push(l));
    const text = lines.join('\n');
    expect(lines[0]).toBe('Model: "sequential"');
    expect(text).toMatch(/│ conv2d \(Conv2D\) +│ \(None, 26, 26, 32\) +│ +320 │/);
    expect(text).toMatch(/│ max_pooling2d \(MaxPooling2D\) +│ \(None, 13, 13, 32\) +│ +0 │/);
    expect(text).toMatch(/│ flatten \(Flatten\) +│ \(None, 5408\) +│ +0 │/);
    expect(text).toMatch(/│ dense \(Dense\) +│ \(None, 128\) +│ +692,352 │/);
    expect(text).toMatch(/│ dense_1 \(Dense\) +│ \(None, 10\) +│ +1,290 │/);
    expect(text).toContain(' Total params: 693,962 (2.65 MB)');
    expect(text).toContain(' Trainable params: 693,962 (2.65 MB)');
    expect(text).toContain(' Non-trainable params: 0 (0.00 B)');
  });

  it('summary places the columns at the given positions, relative or absolute, and wraps what does not fit', () => {
    const model = new tn.Sequential([new Dense(4, { inputShape: [3] }), new Dense(2, { name: 'a_rather_long_layer_name' })]);
    const table = (lineLength?: number, positions?: number[]) => {
      const lines: string[] = [];
      model.summary(lineLength, positions, (l) => lines.push(l));
      return lines.slice(1, lines.findIndex((l) => l.startsWith('└')) + 1);
    };
    // the character index of each column border on a line
    const borders = (l: string) => [...l].flatMap((ch, i) => ('┏┳┓┃│├┼┤└┴┘┡╇┩'.includes(ch) ? [i] : []));
    // relative stops: fractions of lineLength; the right edge of column i is at floor(p_i * lineLength)
    const relative = table(60, [0.5, 0.75, 1]);
    for (const l of relative) {
      expect(l).toHaveLength(60);
      expect(borders(l)).toEqual([0, 29, 44, 59]);
    }
    expect(relative[3]).toBe(`│ ${'dense (Dense)'.padEnd(26)} │ ${'(None, 4)'.padEnd(12)} │ ${'16'.padStart(12)} │`);
    // absolute stops: the same table from character columns
    expect(table(undefined, [30, 45, 60])).toEqual(relative);
    expect(table(999, [30, 45, 60])).toEqual(relative);
    // lineLength alone: Keras's default stops [0.45, 0.8, 1]
    expect(borders(table(80)[0])).toEqual([0, 35, 63, 79]);
    // a cell wider than its column continues on the next lines of the same row, broken at a space if one fits:
    // edges [16, 30, 40] leave 12, 11 and 7 characters of text
    const narrow = table(40, [0.4, 0.75, 1]);
    const row = narrow.findIndex((l) => l.includes('a_rather'));
    expect(narrow.slice(row, row + 3)).toEqual([
      '│ a_rather_lon │ (None, 2)   │      10 │',
      '│ g_layer_name │             │         │',
      '│ (Dense)      │             │         │',
    ]);
    expect(narrow.slice(1, 3)).toEqual(['┃ Layer (type) ┃ Output      ┃ Param # ┃', '┃              ┃ Shape       ┃         ┃']);
    for (const l of narrow) expect(borders(l)).toEqual([0, 15, 29, 39]);
  });

  it('summary rejects positions that do not fit the table', () => {
    const model = new tn.Sequential([new Dense(4, { inputShape: [3] })]);
    const print = () => {};
    expect(() => model.summary(20, [0.1, 0.5, 1], print)).toThrow(
      'summary: positions [0.1,0.5,1] of a 20-character line leave column "Layer (type)" no room (its right edge is at character 2, the line starts at 0)',
    );
    expect(() => model.summary(undefined, [30, 32, 60], print)).toThrow(/leave column "Output Shape" no room/);
    expect(() => model.summary(80, [0.5, 1], print)).toThrow(/summary: positions must list 3 positive numbers, one right edge per column \("Layer \(type\)", "Output Shape", "Param #"\); received \[0.5,1\]/);
    expect(() => model.summary(-5, undefined, print)).toThrow('summary: lineLength must be a positive integer, received -5');
  });

  it('Sequential add/pop, and TF.js sequential({ layers })', () => {
    const m = new tn.Sequential();
    m.add(new Dense(4, { inputShape: [3] }));
    m.add(new Dense(2));
    expect(m.layers.map((l) => l.name)).toEqual(['dense', 'dense_1']);
    expect(m.countParams()).toBe(16 + 10);
    m.pop();
    expect(m.layers).toHaveLength(1);
    expect(() => m.add(new Dense(2, { name: 'dense' }))).toThrow(/All layers added to a Sequential model should have unique names/);
    const t = tn.sequential({ layers: [tn.layers.dense({ units: 2, inputShape: [3] })] });
    expect((t.predict(tn.zeros([5, 3])) as tn.Tensor).shape).toEqual([5, 2]);
  });

  it("two outputs of one layer get distinct names (lstm, lstm_1), so each output's loss is logged", async () => {
    const inp = tn.input({ shape: [5, 3] });
    const [, h, c] = new tn.layers.LSTM(4, { returnSequences: true, returnState: true, name: 'lstm' }).apply(inp) as unknown as tn.SymbolicTensor[];
    const model = new tn.Model({ inputs: inp, outputs: [h, c] });
    expect(model.outputNames).toEqual(['lstm', 'lstm_1']);
    model.compile({ optimizer: 'sgd', loss: { lstm: 'mse', lstm_1: 'mae' } });
    const history = await model.fit(tn.ones([4, 5, 3]), { lstm: tn.zeros([4, 4]), lstm_1: tn.zeros([4, 4]) }, { epochs: 1, verbose: 0 });
    expect(Object.keys(history.history).sort()).toEqual(['loss', 'lstm_1_loss', 'lstm_loss']);
    expect(history.history.loss[0]).toBeCloseTo(history.history.lstm_loss[0] + history.history.lstm_1_loss[0], 5);
  });

  it('the functional API: several inputs and outputs, per-output losses and metrics', async () => {
    const a = tn.input({ shape: [3], name: 'a' });
    const b = tn.input({ shape: [2], name: 'b' });
    const merged = new tn.layers.Concatenate().apply([a, b]);
    const hidden = new Dense(8, { activation: 'relu' }).apply(merged);
    const reg = new Dense(1, { name: 'value' }).apply(hidden);
    const cls = new Dense(3, { activation: 'softmax', name: 'kind' }).apply(hidden);
    const model = new tn.Model({ inputs: [a, b], outputs: [reg, cls] });
    expect(model.layers.map((l) => l.className)).toEqual(['InputLayer', 'InputLayer', 'Concatenate', 'Dense', 'Dense', 'Dense']);
    model.compile({ optimizer: 'adam', loss: { value: 'mse', kind: 'sparse_categorical_crossentropy' }, metrics: { kind: ['accuracy'] } });
    const n = 64;
    const xa = tn.randomNormal([n, 3], 0, 1, 'float32', 1);
    const xb = tn.randomNormal([n, 2], 0, 1, 'float32', 2);
    const yv = tn.sum(xa, 1, true);
    const yk = tn.argMax(tn.concat([xa.slice([0, 0], [n, 2]), xb.slice([0, 0], [n, 1])], 1), 1);
    const h = await model.fit({ a: xa, b: xb }, [yv, yk], { epochs: 30, batchSize: 16, verbose: 0 });
    expect(Object.keys(h.history).sort()).toEqual(['kind_accuracy', 'kind_loss', 'loss', 'value_loss']);
    expect(h.history.loss[29]).toBeLessThan(h.history.loss[0]);
    expect(model.metricsNames).toEqual(['loss', 'value_loss', 'kind_loss', 'kind_accuracy']);
    const result = await model.evaluate([xa, xb], [yv, yk], { verbose: 0 });
    expect(result).toHaveLength(4);
    expect(result[0]).toBeCloseTo(result[1] + result[2], 4);
    const [pv, pk] = model.predict([xa, xb]) as tn.Tensor[];
    expect(pv.shape).toEqual([n, 1]);
    expect(pk.shape).toEqual([n, 3]);
    const lines: string[] = [];
    model.summary(undefined, undefined, (l) => lines.push(l));
    expect(lines.join('\n')).toMatch(/Connected to/);
  });

  it('a subclassed Model (layers as properties, call overridden) is named, counted and trained by fit', async () => {
    class TwoLayer extends tn.Model {
      hidden = new Dense(16, { activation: 'tanh' });
      head = new Dense(1);
      override call(x: tn.Tensor | tn.Tensor[]) {
        return this.head.apply(this.hidden.apply(x) as tn.Tensor) as tn.Tensor;
      }
    }
    const model = new TwoLayer();
    expect(model.name).toBe('two_layer');
    model.compile({ optimizer: new tn.optimizers.Adam({ learningRate: 0.02 }), loss: 'mse' });
    const x = tn.randomUniform([128, 3], -1, 1, 'float32', 7);
    const y = tn.sum(x, -1, true);
    const history = await model.fit(x, y, { epochs: 40, batchSize: 32, verbose: 0 });
    expect(model.layers.map((l) => l.name)).toEqual(['dense', 'dense_1']);
    expect(model.countParams()).toBe(3 * 16 + 16 + 16 + 1);
    expect(history.history.loss[39]).toBeLessThan(0.05 * history.history.loss[0]);
  });

  it('rejects a disconnected graph', () => {
    const a = tn.input({ shape: [3] });
    const b = tn.input({ shape: [3] });
    const out = new Dense(1).apply(new tn.layers.Add().apply([a, b]));
    expect(() => new tn.Model({ inputs: a, outputs: out })).toThrow(/Graph disconnected/);
  });
});

describe('fusion of Conv2D(relu) + MaxPooling2D', () => {
  /** The stack one layer at a time: what the model computes without fusion. */
  const layered = (model: tn.Sequential, x: tn.Tensor): tn.Tensor => model.layers.reduce<tn.Tensor>((t, l) => l.apply(t) as tn.Tensor, x);

  /** Counts the calls of a native binding while fn runs. */
  function countCalls(name: 'conv2dReluMaxPool' | 'conv2dReluMaxPoolTrain' | 'conv2dReluMaxPoolBackward', fn: () => void): number {
    const original = native[name] as (...a: unknown[]) => void;
    let calls = 0;
    (native as unknown as Record<string, unknown>)[name] = (...a: unknown[]) => {
      calls++;
      original(...a);
    };
    try {
      fn();
    } finally {
      (native as unknown as Record<string, unknown>)[name] = original;
    }
    return calls;
  }

  it('predict runs the pair as one kernel with the same results as layer by layer', () => {
    const model = referenceCnn();
    const x = tn.randomUniform([5, 28, 28, 1], 0, 1, 'float32', 3);
    let fused: Float32Array | Int32Array = new Float32Array(0);
    expect(countCalls('conv2dReluMaxPool', () => (fused = (model.predict(x) as tn.Tensor).data()))).toBe(1);
    expect(Array.from(fused)).toEqual(Array.from(tn.noGrad(() => layered(model, x)).data()));
    // A pool that overlaps or pads is not fused, and still agrees.
    const overlapping = new tn.Sequential([new Conv2D(4, 3, { activation: 'relu', inputShape: [9, 9, 2] }), new MaxPooling2D({ poolSize: 3, strides: 2 }), new Flatten()]);
    const y = tn.randomNormal([2, 9, 9, 2], 0, 1, 'float32', 4);
    expect(Array.from((overlapping.predict(y) as tn.Tensor).data())).toEqual(Array.from(tn.noGrad(() => layered(overlapping, y)).data()));
  });

  for (const [name, build, inputShape] of [
    ['the reference CNN', referenceCnn, [28, 28, 1]],
    [
      'two fused pairs (the second needs dx), odd 27x27 output, same padding',
      () => new tn.Sequential([
        new Conv2D(8, 3, { activation: 'relu', inputShape: [29, 29, 3] }),
        new MaxPooling2D(2),
        new Conv2D(16, 3, { activation: 'relu', padding: 'same' }),
        new MaxPooling2D(2),
        new Flatten(),
        new Dense(10, { activation: 'softmax' }),
      ]),
      [29, 29, 3],
    ],
  ] as const) {
    it(`training runs each pair as one op, with the outputs and gradients of layer by layer: ${name}`, () => {
      const model = build();
      const n = 6;
      const x = tn.randomUniform([n, ...inputShape], -1, 1, 'float32', 5);
      const labels = tn.tensor(Int32Array.from({ length: n }, (_, i) => (i * 7) % 10), [n], 'int32');
      const loss = new tn.losses.SparseCategoricalCrossentropy();
      const pairs = model.layers.filter((l) => l instanceof MaxPooling2D).length;
      let fusedOut: tn.Tensor | null = null;
      let fusedGrads: tn.Tensor[] = [];
      const forward = countCalls('conv2dReluMaxPoolTrain', () => {
        const backward = countCalls('conv2dReluMaxPoolBackward', () => {
          fusedOut = model.apply(x, { training: true }) as tn.Tensor;
          fusedGrads = tn.gradients(loss.compute(labels, fusedOut), model.trainableWeights);
        });
        expect(backward).toBe(pairs);
      });
      expect(forward).toBe(pairs);
      const layeredOut = layered(model, x);
      expect(Array.from(fusedOut!.data())).toEqual(Array.from(layeredOut.data()));
      const layeredGrads = tn.gradients(loss.compute(labels, layeredOut), model.trainableWeights);
      fusedGrads.forEach((g, i) => {
        const want = layeredGrads[i].data();
        const got = g.data();
        const scale = Array.from(want).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        for (let j = 0; j < want.length; j++) {
          if (Math.abs(got[j] - want[j]) > 1e-5 * scale + 1e-7) {
            throw new Error(`${model.trainableWeights[i].name}[${j}]: fused ${got[j]}, layer by layer ${want[j]}`);
          }
        }
      });
    });
  }
});

describe('compile', () => {
  it('takes a serialized loss ({ className, config }) as one loss for every output', () => {
    const model = new tn.Sequential([new tn.layers.Dense(1, { inputShape: [2] })]);
    model.compile({ optimizer: 'sgd', loss: { className: 'Huber', config: { delta: 0.25 } } as unknown as tn.CompileArgs['loss'] });
    const loss = model.compiled!.losses[0] as tn.losses.Huber;
    expect(loss).toBeInstanceOf(tn.losses.Huber);
    expect(loss.getConfig()).toMatchObject({ delta: 0.25 });
  });
});

describe('compile() fixes what fit trains (Keras, TF.js)', () => {
  // D(x) = x . w, MSE against 0 on x = [1, 2]: the gradient is 2 (x . w) x, so SGD(0.1) from w = [0.5, 0.25] gives
  // [0.5, 0.25] - 0.1 * 2 * 1 * [1, 2] = [0.3, -0.15].
  const x = () => tn.tensor([[1, 2]]);
  const w0 = [0.5, 0.25];
  function discriminator(): tn.Sequential {
    const d = new tn.Sequential([new Dense(1, { inputShape: [2], useBias: false })]);
    d.setWeights([tn.tensor(w0.map((v) => [v]))]);
    d.compile({ optimizer: new tn.optimizers.SGD({ learningRate: 0.1 }), loss: 'mse' });
    return d;
  }
  const weightsOf = (m: tn.Model) => Array.from(m.getWeights()[0].data());

  it("a GAN's discriminator, frozen after its compile to build the combined model, still trains on its own batches", async () => {
    const d = discriminator();
    d.trainable = false;
    const g = new tn.Sequential([new Dense(2, { inputShape: [3] })]);
    const z = tn.input({ shape: [3] });
    const combined = tn.model({ inputs: z, outputs: d.apply(g.apply(z)) as tn.SymbolicTensor });
    combined.compile({ optimizer: new tn.optimizers.SGD({ learningRate: 0.1 }), loss: 'mse' });
    const gBefore = Array.from(g.getWeights()[0].data());
    combined.trainOnBatch(tn.ones([4, 3]), tn.ones([4, 1]));
    expect(weightsOf(d)).toEqual(w0);
    expect(Array.from(g.getWeights()[0].data())).not.toEqual(gBefore);
    d.trainOnBatch(x(), tn.zeros([1, 1]));
    weightsOf(d).forEach((v, i) => expect(v).toBeCloseTo([0.3, -0.15][i], 6));
    // fit too (towards 1, as D(x) is now 0); and the flag itself stays as set, so custom loops and the combined model
    // keep it frozen.
    const afterOne = weightsOf(d);
    await d.fit(x(), tn.ones([1, 1]), { epochs: 1, verbose: 0 });
    expect(weightsOf(d)).not.toEqual(afterOne);
    expect(d.trainable).toBe(false);
    expect(d.trainableWeights).toEqual([]);
    const held = weightsOf(d);
    new tn.optimizers.SGD({ learningRate: 0.1 }).minimize(() => tn.mean(tn.square(d.apply(x()) as tn.Tensor)));
    combined.trainOnBatch(tn.ones([4, 3]), tn.ones([4, 1]));
    expect(weightsOf(d)).toEqual(held);
  });

  it('a layer frozen when compile() ran stays frozen when unfrozen later, until compile() runs again', async () => {
    const d = new tn.Sequential([new Dense(1, { inputShape: [2], useBias: false })]);
    d.setWeights([tn.tensor(w0.map((v) => [v]))]);
    d.trainable = false;
    d.compile({ optimizer: new tn.optimizers.SGD({ learningRate: 0.1 }), loss: 'mse' });
    d.trainable = true;
    d.trainOnBatch(x(), tn.zeros([1, 1]));
    expect(weightsOf(d)).toEqual(w0);
    d.compile({ optimizer: new tn.optimizers.SGD({ learningRate: 0.1 }), loss: 'mse' });
    d.trainOnBatch(x(), tn.zeros([1, 1]));
    weightsOf(d).forEach((v, i) => expect(v).toBeCloseTo([0.3, -0.15][i], 6));
  });
});

describe('a loss that fails names the output', () => {
  it("says whose targets did not fit, with both shapes, as TF.js names the output layer", async () => {
    const i = tn.input({ shape: [3] });
    const box = new Dense(2, { name: 'box' }).apply(i) as tn.SymbolicTensor;
    const cls = new Dense(4, { activation: 'softmax', name: 'cls' }).apply(i) as tn.SymbolicTensor;
    const m = tn.model({ inputs: i, outputs: [box, cls] });
    m.compile({ optimizer: 'sgd', loss: ['mse', 'categorical_crossentropy'] });
    await expect(m.fit(tn.ones([4, 3]), [tn.ones([4, 2]), tn.ones([4, 3])], { verbose: 0 })).rejects.toThrow(
      "yTrue has shape [4,3] but yPred has shape [4,4]; they must match (computing the loss of output 'cls': targets of shape [4,3], predictions of shape [4,4])");
    // A loss function of one's own that fails on the shapes gets the same context.
    const s = new tn.Sequential([new Dense(2, { inputShape: [3], name: 'out' })]);
    s.compile({ optimizer: 'sgd', loss: (yTrue: tn.Tensor, yPred: tn.Tensor) => tn.mean(tn.square(tn.sub(yTrue, yPred))) });
    expect(() => s.trainOnBatch(tn.ones([4, 3]), tn.ones([4, 5]))).toThrow(
      "sub: shapes [4,5] and [4,2] cannot be broadcast together (computing the loss of output 'out': targets of shape [4,5], predictions of shape [4,2])");
  });
});
