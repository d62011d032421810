// Keras's own files: the real .keras and .h5 files in ../shared/realmodels/keras (Keras 2.13, 2.15 on Windows, 3.4,
// 3.6 writing legacy HDF5, 3.10), files tensornode writes (checked against the real files' layout and read back), and
// clear errors for what cannot be loaded. There is no Keras here: every expected output comes from
// test/helpers/keras-reference.ts, a float64 forward pass over the weights read straight from the file with h5wasm.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import h5wasm, { type Group } from 'h5wasm';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as tn from '../../lib/index.js';
import { kerasArchiveReference, kerasH5Reference, referenceForward, type Ref } from '../helpers/keras-reference.js';

// ../shared beside the project (as CI lays it out), or beside the worktrees' folder (/work/wt/<name>).
const REAL = [resolve(__dirname, '../../../shared/realmodels/keras'), resolve(__dirname, '../../../../shared/realmodels/keras')].find((d) => existsSync(d))
  ?? resolve(__dirname, '../../../shared/realmodels/keras');
const real = (name: string) => join(REAL, name);
const root = mkdtempSync(join(tmpdir(), 'tensornode-keras-'));
let files = 0;
const fresh = (ext: string) => join(root, `f${files++}${ext}`);
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeEach(() => tn.clearSession());

type Json = Record<string, any>;

/** Deterministic inputs in [lo, hi). */
function values(n: number, seed: number, lo = 0, hi = 1): Float64Array {
  let s = seed >>> 0;
  return Float64Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + ((hi - lo) * s) / 2 ** 32;
  });
}
const ref = (shape: number[], data: Float64Array): Ref => ({ shape, data });

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i])));
  expect(worst).toBeLessThan(tol);
}

function predict(model: tn.Model, x: Ref, dtype: 'float32' | 'int32' = 'float32'): Float32Array {
  const t = tn.tensor(dtype === 'int32' ? Int32Array.from(x.data) : Float32Array.from(x.data), x.shape, dtype);
  return (model.predict(t) as tn.Tensor).values as Float32Array;
}

async function h5<T>(bytes: Uint8Array, f: (root: Group) => T): Promise<T> {
  const m = await h5wasm.ready;
  m.FS.writeFile('/keras-test.h5', bytes);
  const file = new h5wasm.File('/keras-test.h5', 'r');
  try {
    return f(file);
  } finally {
    file.close();
    m.FS.unlink('/keras-test.h5');
  }
}

/** Every group path in an HDF5 file with its datasets' shapes, backslashes read as '/'. */
async function layout(bytes: Uint8Array): Promise<Map<string, number[][]>> {
  return h5(bytes, (file) => {
    const out = new Map<string, number[][]>();
    const walk = (g: Group, path: string) => {
      const shapes: number[][] = [];
      for (const k of g.keys().sort((a, b) => (Number(a) - Number(b)) || a.localeCompare(b))) {
        const c = g.get(k);
        if (c instanceof h5wasm.Group) walk(c, path ? `${path}/${k}` : k);
        else if (c instanceof h5wasm.Dataset) shapes.push(c.shape ?? []);
      }
      out.set(path.replace(/\\/g, '/'), shapes);
    };
    walk(file, '');
    return out;
  });
}

function archive(path: string): { config: Json; metadata: Json; weights: Uint8Array } {
  const files = unzipSync(readFileSync(path));
  return { config: JSON.parse(strFromU8(files['config.json'])), metadata: JSON.parse(strFromU8(files['metadata.json'])), weights: files['model.weights.h5'] };
}

function rezip(path: string, edit: (config: Json) => void): string {
  const a = archive(path);
  edit(a.config);
  const out = fresh('.keras');
  writeFileSync(out, zipSync({ 'metadata.json': strToU8(JSON.stringify(a.metadata)), 'config.json': strToU8(JSON.stringify(a.config)), 'model.weights.h5': a.weights }));
  return out;
}

describe('real Keras files', () => {
  it('fashion-cnn (.keras, Keras 3.10): Conv2D, MaxPooling2D, Flatten, Dropout, Dense predict as the reference; compiled with its Adam state', async () => {
    const path = real('fashion-cnn/model.keras');
    const model = await tn.models.loadModel(path);
    expect(model).toBeInstanceOf(tn.Sequential);
    expect(model.layers.map((l) => l.name)).toEqual(['conv2d', 'max_pooling2d', 'conv2d_1', 'max_pooling2d_1', 'flatten', 'dropout', 'dense', 'dense_1']);
    const x = ref([3, 28, 28, 1], values(3 * 784, 1));
    const expected = referenceForward(await kerasArchiveReference(readFileSync(path)), x);
    expect(expected.shape).toEqual([3, 10]);
    expectClose(predict(model, x), expected.data);
    // compile_config: Adam(learning_rate=0.001), sparse_categorical_crossentropy, accuracy; the step count and
    // moments from optimizer/vars.
    const { weights } = archive(path);
    const [iterations, momentum] = await h5(weights, (f) => [Number((f.get('optimizer/vars/0') as any).value), (f.get('optimizer/vars/2') as any).value as Float32Array]);
    expect(model.optimizer).toBeInstanceOf(tn.optimizers.Adam);
    expect(model.optimizer!.learningRate).toBeCloseTo(0.001, 9);
    expect(model.optimizer!.iterations).toBe(iterations);
    expect(iterations).toBeGreaterThan(0);
    expect(Array.from(model.optimizer!.slotsOf(model.trainableWeights[0])![0])).toEqual(Array.from(momentum));
    expect(model.metricsNames).toEqual(['loss', 'accuracy']);
    const loss = await model.evaluate(tn.tensor(Float32Array.from(x.data), x.shape), tn.tensor([1, 2, 3], [3]));
    expect(Number.isFinite(loss[0])).toBe(true);
  });

  it('stock-lstm2 (.keras, Keras 3.4): LSTM weights from layers/lstm/cell/vars, return_sequences, Dropout, second LSTM, Dense relu', async () => {
    const path = real('stock-lstm2/model.keras');
    const model = await tn.models.loadModel(path);
    const x = ref([4, 10, 6], values(240, 2));
    const layers = await kerasArchiveReference(readFileSync(path));
    expect(layers.map((l) => l.weights.map((w) => w.shape.join('x')).join(','))).toEqual(['6x400,100x400,400', '', '100x256,64x256,256', '64x1,1']);
    // The Dense relu output alone can be 0; compare the recurrent part as well (the model without its last layer).
    const hidden = referenceForward(layers.slice(0, 3), x);
    const truncated = new tn.Sequential({ layers: [tn.layers.inputLayer({ shape: [10, 6] }), ...model.layers.slice(0, 3)] });
    expectClose(predict(truncated, x), hidden.data);
    expectClose(predict(model, x), referenceForward(layers, x).data);
    expect(model.optimizer).toBeInstanceOf(tn.optimizers.Adam);
    // Keras 3's R2Score comes back as tn.metrics.R2Score, beside mse.
    expect(model.metricsNames).toEqual(['loss', 'mse', 'r2_score']);
    expect(tn.metrics.getMetric((model.compileArgs!.metrics as string[])[1])).toBeInstanceOf(tn.metrics.R2Score);
  });

  it('churn-ann (.keras from Keras 2.15 on Windows): groups named layers\\dense load; Keras 2 optimizer vars (no learning-rate variable)', async () => {
    const path = real('churn-ann/model.keras');
    const { weights } = archive(path);
    const groups = await h5(weights, (f) => f.keys());
    expect(groups).toContain('layers\\dense');
    const model = await tn.models.loadModel(path);
    const x = ref([5, 12], values(60, 3, -2, 2));
    const expected = referenceForward(await kerasArchiveReference(readFileSync(path)), x);
    expectClose(predict(model, x), expected.data);
    expect(model.compileArgs!.loss).toBeInstanceOf(tn.losses.BinaryCrossentropy);
    const [iterations, secondMoment] = await h5(weights, (f) => [Number((f.get('optimizer/vars/0') as any).value), (f.get('optimizer/vars/2') as any).value as Float32Array]);
    expect(model.optimizer!.iterations).toBe(iterations);
    expect(Array.from(model.optimizer!.slotsOf(model.trainableWeights[0])![1])).toEqual(Array.from(secondMoment));
    expect(model.optimizer!.learningRate).toBeCloseTo(0.01, 8);
  });

  it('alphabet-mlp-h5 (legacy .h5 written by Keras 3.6): batch_shape, weights at sequential_4/dense_13/kernel', async () => {
    const path = real('alphabet-mlp-h5/model.h5');
    const model = await tn.models.loadModel(path);
    expect(model.name).toBe('sequential_4');
    const x = ref([4, 784], values(4 * 784, 4));
    expectClose(predict(model, x), referenceForward(await kerasH5Reference(readFileSync(path)), x).data);
    expect(model.optimizer).toBeInstanceOf(tn.optimizers.Adam);
    expect(model.metricsNames).toEqual(['loss', 'accuracy']);
    // Keras 3's optimizer_weights: adam/iteration, adam/learning_rate, then momentum and velocity per variable.
    const [iterations, velocity] = await h5(readFileSync(path), (f) => [
      Number((f.get('optimizer_weights/adam/iteration') as any).value),
      (f.get('optimizer_weights/adam/sequential_4_dense_15_kernel_velocity') as any).value as Float32Array,
    ]);
    expect(model.optimizer!.iterations).toBe(iterations);
    expect(Array.from(model.optimizer!.slotsOf(model.layers[2].weights[0])![1])).toEqual(Array.from(velocity));
  });

  it('emotion-lstm-h5 (Keras 2.13 .h5): Embedding and two LSTMs (lstm_cell/kernel:0), variable-length input', async () => {
    const path = real('emotion-lstm-h5/model.h5');
    const model = await tn.models.loadModel(path);
    const layers = await kerasH5Reference(readFileSync(path));
    for (const steps of [7, 20]) {
      const x = ref([3, steps], values(3 * steps, 5 + steps, 0, 5000).map(Math.floor));
      expectClose(predict(model, x, 'int32'), referenceForward(layers, x).data);
    }
    expect(model.compileArgs!.loss).toBe('categorical_crossentropy');
    expect(model.metricsNames).toEqual(['loss', 'accuracy']);
    // optimizer_weights: iteration:0, then Adam/m and Adam/v of each variable in turn.
    const [iterations, m, v] = await h5(readFileSync(path), (f) => [
      Number((f.get('optimizer_weights/iteration:0') as any).value),
      (f.get('optimizer_weights/Adam/m/lstm_30/lstm_cell/recurrent_kernel:0') as any).value as Float32Array,
      (f.get('optimizer_weights/Adam/v/dense_58/bias:0') as any).value as Float32Array,
    ]);
    expect(model.optimizer!.iterations).toBe(iterations);
    expect(Array.from(model.optimizer!.slotsOf(model.layers[1].weights[1])![0])).toEqual(Array.from(m));
    expect(Array.from(model.optimizer!.slotsOf(model.layers[5].weights[1])![1])).toEqual(Array.from(v));
  });

  it('loads without compiling when asked ({ compile: false })', async () => {
    const model = await tn.models.loadModel(real('fashion-cnn/model.keras'), { compile: false });
    expect(model.optimizer).toBeNull();
  });
});

/** fashion-cnn's architecture built in code, as a user would write it. */
function fashionCnn(dropout = true): tn.Sequential {
  return new tn.Sequential({
    layers: [
      tn.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
      tn.layers.maxPooling2d({ poolSize: 2 }),
      tn.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      tn.layers.maxPooling2d({ poolSize: 2 }),
      tn.layers.flatten(),
      ...(dropout ? [tn.layers.dropout({ rate: 0.5 })] : []),
      tn.layers.dense({ units: 64, activation: 'relu' }),
      tn.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

describe('model.save(x.keras)', () => {
  it('writes what Keras 3 writes: the same zip members, config keys and weights layout as a real Keras 3 file', async () => {
    const model = fashionCnn();
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    model.trainOnBatch(tn.randomUniform([4, 28, 28, 1]), tn.tensor([1, 2, 3, 4], [4]));
    const path = fresh('.keras');
    await model.save(path);
    const ours = archive(path);
    const theirs = archive(real('fashion-cnn/model.keras'));
    expect(Object.keys(unzipSync(readFileSync(path))).sort()).toEqual(['config.json', 'metadata.json', 'model.weights.h5']);
    expect(Object.keys(ours.metadata).sort()).toEqual(Object.keys(theirs.metadata).sort());
    expect(ours.metadata.keras_version).toMatch(/^3\./);
    // Top level: module, class_name, config, registered_name, build_config, compile_config.
    expect(Object.keys(ours.config).sort()).toEqual(Object.keys(theirs.config).sort());
    expect(ours.config.build_config).toEqual(theirs.config.build_config);
    const ourLayers = ours.config.config.layers as Json[];
    const theirLayers = theirs.config.config.layers as Json[];
    expect(ourLayers.map((l) => l.class_name)).toEqual(theirLayers.map((l) => l.class_name));
    ourLayers.forEach((l, i) => {
      const t = theirLayers[i];
      // Keras 3.10 leaves build_config out for pooling and dropout layers (3.4 writes it for Dropout); we always write it.
      expect(Object.keys(l).filter((k) => k !== 'build_config').sort(), l.class_name).toEqual(Object.keys(t).filter((k) => k !== 'build_config').sort());
      // Every key we write is one Keras wrote for the class, with the same value where the models agree.
      for (const k of Object.keys(l.config)) expect(Object.keys(t.config), `${l.class_name}.${k}`).toContain(k);
      for (const k of ['filters', 'kernel_size', 'strides', 'padding', 'data_format', 'activation', 'use_bias', 'units', 'rate', 'pool_size', 'batch_shape', 'name']) {
        if (k in t.config) expect(l.config[k], `${l.class_name}.${k}`).toEqual(t.config[k]);
      }
      if (t.build_config) expect(l.build_config).toEqual(t.build_config);
      for (const k of ['kernel_initializer', 'bias_initializer']) if (k in t.config) expect(l.config[k]).toEqual(t.config[k]);
    });
    const cc = ours.config.compile_config;
    for (const k of Object.keys(cc)) expect(Object.keys(theirs.config.compile_config)).toContain(k);
    expect(cc.optimizer.class_name).toBe('Adam');
    expect(Object.keys(cc.optimizer)).toEqual(Object.keys(theirs.config.compile_config.optimizer));
    for (const k of Object.keys(cc.optimizer.config)) expect(Object.keys(theirs.config.compile_config.optimizer.config)).toContain(k);
    expect(cc.loss).toBe('sparse_categorical_crossentropy');
    // The HDF5 layout: the same groups with the same dataset shapes (optimizer: step count, learning rate, m and v per variable).
    expect(await layout(ours.weights)).toEqual(await layout(theirs.weights));
  });

  it('reads back: same predictions, compile arguments and optimizer state; training continues identically', async () => {
    // Without Dropout, so that the next training step is deterministic.
    const model = fashionCnn(false);
    model.compile({ optimizer: tn.optimizers.adam({ learningRate: 0.002 }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const x = tn.randomUniform([6, 28, 28, 1]);
    const y = tn.tensor([0, 1, 2, 3, 4, 5], [6]);
    model.trainOnBatch(x, y);
    const path = fresh('.keras');
    await model.save(path);
    const loaded = await tn.models.loadModel(path);
    expect(Array.from((loaded.predict(x) as tn.Tensor).values)).toEqual(Array.from((model.predict(x) as tn.Tensor).values));
    expect(loaded.optimizer!.learningRate).toBeCloseTo(0.002, 9);
    expect(loaded.optimizer!.iterations).toBe(1);
    const a = model.trainOnBatch(x, y);
    const b = loaded.trainOnBatch(x, y);
    expectClose(b, a, 1e-6);
    model.weights.forEach((w, i) => expectClose(loaded.weights[i].values as Float32Array, w.values as Float32Array, 1e-6));
  });

  it('a Loss object in compile() is written as Keras 3 serializes it, and read back', async () => {
    const model = new tn.Sequential({ layers: [tn.layers.dense({ units: 1, inputShape: [3] })] });
    model.compile({ optimizer: tn.optimizers.sgd({ learningRate: 0.05, momentum: 0.9 }), loss: new tn.losses.BinaryCrossentropy({ fromLogits: true, labelSmoothing: 0.1 }) });
    model.trainOnBatch(tn.randomUniform([4, 3]), tn.tensor([0, 1, 1, 0], [4, 1]));
    const path = fresh('.keras');
    await model.save(path);
    const cc = archive(path).config.compile_config;
    expect(cc.loss).toMatchObject({ module: 'keras.losses', class_name: 'BinaryCrossentropy', config: { from_logits: true, label_smoothing: 0.1 }, registered_name: null });
    expect(cc.optimizer).toMatchObject({ class_name: 'SGD', config: { momentum: 0.9, nesterov: false } });
    const loaded = await tn.models.loadModel(path);
    const loss = loaded.compileArgs!.loss as tn.losses.BinaryCrossentropy;
    expect(loss).toBeInstanceOf(tn.losses.BinaryCrossentropy);
    expect(loss.getConfig()).toMatchObject({ fromLogits: true, labelSmoothing: 0.1 });
    expect(loaded.optimizer).toBeInstanceOf(tn.optimizers.SGD);
    expect(Array.from(loaded.optimizer!.slotsOf(loaded.trainableWeights[0])![0])).toEqual(Array.from(model.optimizer!.slotsOf(model.trainableWeights[0])![0]));
  });

  it("every built-in Loss object Keras 3 has is written by its class and read back (Poisson's fields once read as a dict of outputs)", async () => {
    const x = tn.randomUniform([4, 3], 0, 1, 'float32', 2);
    const y = tn.randomUniform([4, 2], 0, 1, 'float32', 3);
    const losses = [new tn.losses.Poisson(), new tn.losses.KLDivergence(), new tn.losses.LogCosh(), new tn.losses.Hinge(), new tn.losses.SquaredHinge(),
      new tn.losses.CategoricalHinge(), new tn.losses.CosineSimilarity({ axis: -1 }), new tn.losses.MeanAbsolutePercentageError(), new tn.losses.MeanSquaredLogarithmicError()];
    for (const loss of losses) {
      const model = new tn.Sequential([new tn.layers.Dense(2, { activation: 'softplus', inputShape: [3] })]);
      model.compile({ optimizer: 'sgd', loss });
      const path = fresh('.keras');
      await model.save(path);
      expect(archive(path).config.compile_config.loss, loss.constructor.name).toMatchObject({ module: 'keras.losses', class_name: loss.constructor.name });
      const loaded = await tn.models.loadModel(path);
      expect(loaded.compileArgs!.loss, loss.constructor.name).toBeInstanceOf(loss.constructor);
      expect((await loaded.evaluate(x, y, { verbose: 0 }))[0], loss.constructor.name).toBeCloseTo((await model.evaluate(x, y, { verbose: 0 }))[0], 6);
    }
    // One with no Keras name (tensornode's SumSquaredError) leaves the compile arguments out, with the warning.
    const model = new tn.Sequential([new tn.layers.Dense(2, { inputShape: [3] })]);
    model.compile({ optimizer: 'sgd', loss: new tn.losses.SumSquaredError() });
    const warn = console.warn;
    const warnings: string[] = [];
    console.warn = (m: string) => void warnings.push(m);
    try {
      const path = fresh('.keras');
      await model.save(path);
      expect(archive(path).config.compile_config).toBeUndefined();
      expect((await tn.models.loadModel(path)).compileArgs).toBeFalsy();
    } finally {
      console.warn = warn;
    }
    expect(warnings.join('\n')).toMatch(/saved without its compile\(\) arguments/);
  });

  it('metric objects and a learning-rate schedule are written as Keras 3 serializes them, and read back with the optimizer state', async () => {
    const model = new tn.Sequential([new tn.layers.Dense(4, { activation: 'softmax', inputShape: [3] })]);
    const schedule = new tn.optimizers.ExponentialDecay({ initialLearningRate: 0.05, decaySteps: 3, decayRate: 0.5 });
    model.compile({
      optimizer: new tn.optimizers.Adam({ learningRate: schedule }), loss: 'sparse_categorical_crossentropy',
      metrics: [new tn.metrics.SparseTopKCategoricalAccuracy({ k: 2, name: 'top2' }), 'accuracy'], weightedMetrics: ['accuracy'],
    });
    const x = tn.randomUniform([8, 3], -1, 1, 'float32', 5);
    const y = tn.tensor([0, 1, 2, 3, 0, 1, 2, 3], [8], 'int32');
    await model.fit(x, y, { epochs: 2, batchSize: 4, shuffle: false, verbose: 0 });
    const path = fresh('.keras');
    await model.save(path);
    const cc = archive(path).config.compile_config;
    expect(cc.metrics[0]).toMatchObject({ module: 'keras.metrics', class_name: 'SparseTopKCategoricalAccuracy', config: { name: 'top2', k: 2 } });
    expect(cc.metrics[1]).toBe('accuracy');
    expect(cc.weighted_metrics).toEqual(['accuracy']);
    expect(cc.optimizer.config.learning_rate).toMatchObject({
      module: 'keras.optimizers.schedules', class_name: 'ExponentialDecay', config: { initial_learning_rate: 0.05, decay_steps: 3, decay_rate: 0.5, staircase: false },
    });
    const loaded = await tn.models.loadModel(path);
    expect(loaded.optimizer!.iterations).toBe(4);
    expect(loaded.metricsNames).toEqual(['loss', 'top2', 'accuracy', 'weighted_accuracy']);
    expect((loaded.optimizer!.learningRate as tn.optimizers.ExponentialDecay).getConfig()).toEqual(schedule.getConfig());
    const a = await model.fit(x, y, { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
    const b = await loaded.fit(x, y, { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
    expect(Object.keys(b.history)).toEqual(Object.keys(a.history));
    expect(b.history.top2[0]).toBe(a.history.top2[0]);
    expect(b.history.loss[0]).toBeCloseTo(a.history.loss[0], 6);
    expect(Array.from(loaded.getWeights()[0].data())).toEqual(Array.from(model.getWeights()[0].data()));
  });

  it('a Loss subclass registered with registerClass is written with its registered name and rebuilt from its config', async () => {
    class ScaledMSE extends tn.losses.Loss {
      factor: number;
      constructor(args: { factor?: number } = {}) {
        super({}, 'scaled_mse');
        this.factor = args.factor ?? 2;
      }
      call(t: tn.Tensor, p: tn.Tensor): tn.Tensor {
        return tn.mul(tn.mean(tn.square(tn.sub(t, p)), -1), this.factor);
      }
      override getConfig() {
        return { ...super.getConfig(), factor: this.factor };
      }
    }
    tn.serialization.registerClass(ScaledMSE);
    const model = new tn.Sequential([new tn.layers.Dense(1, { inputShape: [2] })]);
    model.compile({ optimizer: 'adam', loss: new ScaledMSE({ factor: 3 }) });
    const x = tn.randomNormal([16, 2], 0, 1, 'float32', 3);
    const y = tn.randomNormal([16, 1], 0, 1, 'float32', 4);
    await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    const path = fresh('.keras');
    await model.save(path);
    expect(archive(path).config.compile_config.loss).toMatchObject({ class_name: 'ScaledMSE', config: { factor: 3 }, registered_name: 'Custom>ScaledMSE' });
    const loaded = await tn.models.loadModel(path);
    expect(loaded.compileArgs!.loss).toBeInstanceOf(ScaledMSE);
    expect((loaded.compileArgs!.loss as ScaledMSE).factor).toBe(3);
    expect(loaded.optimizer!.iterations).toBe(2);
    expect((await loaded.evaluate(x, y, { verbose: 0 }))[0]).toBeCloseTo((await model.evaluate(x, y, { verbose: 0 }))[0], 6);
  });

  it("an LSTM's zeroOutputForMask is written and read back, so masked steps stay zero", async () => {
    const model = new tn.Sequential([
      new tn.layers.Embedding(10, 4, { maskZero: true, inputShape: [4] }),
      new tn.layers.LSTM(2, { returnSequences: true, zeroOutputForMask: true }),
    ]);
    const x = tn.tensor([[1, 2, 0, 0]], [1, 4], 'int32');
    const before = (model.predict(x) as tn.Tensor).array() as number[][][];
    expect(before[0][3].map(Math.abs)).toEqual([0, 0]);
    const path = fresh('.keras');
    await model.save(path);
    expect((archive(path).config.config.layers as Json[]).find((l) => l.class_name === 'LSTM')!.config.zero_output_for_mask).toBe(true);
    const loaded = await tn.models.loadModel(path);
    expect((loaded.predict(x) as tn.Tensor).array()).toEqual(before);
  });

  it('a custom metric function leaves the compile config out, with a warning, rather than half of it', async () => {
    const model = new tn.Sequential([new tn.layers.Dense(1, { inputShape: [3] })]);
    model.compile({ optimizer: 'adam', loss: 'mse', metrics: [(t: tn.Tensor, p: tn.Tensor) => tn.abs(tn.sub(t, p))] });
    const path = fresh('.keras');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      await model.save(path);
      expect(warn.mock.calls.map((c) => String(c[0])).join('\n')).toMatch(/without its compile\(\) arguments/);
    } finally {
      warn.mockRestore();
    }
    expect(archive(path).config.compile_config).toBeUndefined();
  });

  it('a built-in loss function (keras.losses.binary_crossentropy) is saved by its name, in .keras and TF.js folders', async () => {
    const model = new tn.Sequential([new tn.layers.Dense(1, { inputShape: [3], activation: 'sigmoid' })]);
    model.compile({ optimizer: 'adam', loss: tn.losses.binaryCrossentropy });
    await model.fit(tn.tensor([[1, 2, 3], [0, 1, 0]]), tn.tensor([[1], [0]]), { epochs: 1, verbose: 0 });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const path = fresh('.keras');
      await model.save(path);
      expect(archive(path).config.compile_config.loss).toBe('binary_crossentropy');
      const dir = mkdtempSync(join(root, 'lossfn-'));
      await model.save(dir);
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
      expect(json.trainingConfig.loss).toBe('binary_crossentropy');
      for (const loaded of [await tn.models.loadModel(path), await tn.models.loadModel(dir)]) {
        expect(loaded.optimizer).toBeDefined();
        const [l] = await loaded.evaluate(tn.tensor([[1, 2, 3]]), tn.tensor([[1]]), { verbose: 0 });
        expect(Number.isFinite(l)).toBe(true);
      }
      expect(warn.mock.calls.map((c) => String(c[0])).join('\n')).not.toMatch(/without its compile\(\) arguments/);
    } finally {
      warn.mockRestore();
    }
    for (const f of [tn.losses.meanSquaredError, tn.losses.logCosh, tn.losses.dice, tn.losses.categoricalFocalCrossentropy, tn.losses.klDivergence]) {
      const m = new tn.Sequential([new tn.layers.Dense(2, { inputShape: [3], activation: 'softmax' })]);
      m.compile({ optimizer: 'sgd', loss: f });
      const path = fresh('.keras');
      await m.save(path);
      expect(typeof archive(path).config.compile_config.loss).toBe('string');
      expect((await tn.models.loadModel(path)).optimizer).toBeDefined();
    }
  });

  it('a functional model with Embedding, Bidirectional(LSTM), GRU, BatchNormalization, Concatenate and two inputs round-trips', async () => {
    const tokens = tn.input({ shape: [6], name: 'tokens' });
    const extra = tn.input({ shape: [3], name: 'extra' });
    let h = tn.layers.embedding({ inputDim: 20, outputDim: 4 }).apply(tokens) as tn.SymbolicTensor;
    // Keras 3's recurrent defaults, which TF.js's factories (TF.js's defaults) need spelled out.
    h = tn.layers.bidirectional({ layer: tn.layers.lstm({ units: 3, returnSequences: true, recurrentActivation: 'sigmoid' }) }).apply(h) as tn.SymbolicTensor;
    h = tn.layers.gru({ units: 5, recurrentActivation: 'sigmoid', resetAfter: true }).apply(h) as tn.SymbolicTensor;
    const e = tn.layers.batchNormalization().apply(tn.layers.dense({ units: 4, activation: 'tanh' }).apply(extra) as tn.SymbolicTensor) as tn.SymbolicTensor;
    const out = tn.layers.dense({ units: 2, activation: 'softmax' }).apply(tn.layers.concatenate().apply([h, e]) as tn.SymbolicTensor) as tn.SymbolicTensor;
    const model = tn.model({ inputs: [tokens, extra], outputs: out });
    // Moving statistics away from their initial values, so that they are checked too.
    const bn = model.layers.find((l) => l instanceof tn.layers.BatchNormalization)!;
    bn.setWeights(bn.getWeights().map((w, i) => tn.randomUniform(w.shape, i === 3 ? 0.5 : -1, i === 3 ? 2 : 1)));
    const path = fresh('.keras');
    await model.save(path);
    const { config, weights } = archive(path);
    expect(config.class_name).toBe('Functional');
    const gru = (config.config.layers as Json[]).find((l) => l.class_name === 'GRU')!;
    expect(gru.inbound_nodes[0].args[0].config.keras_history).toEqual([model.layers.find((l) => l instanceof tn.layers.Bidirectional)!.name, 0, 0]);
    const groups = await layout(weights);
    expect(groups.get('layers/bidirectional/forward_layer/cell/vars')!.map((s) => s.join('x'))).toEqual(['4x12', '3x12', '12']);
    expect(groups.get('layers/gru/cell/vars')!.map((s) => s.join('x'))).toEqual(['6x15', '5x15', '2x15']);
    expect(groups.get('layers/batch_normalization/vars')!).toEqual([[4], [4], [4], [4]]);
    tn.clearSession();
    const loaded = await tn.models.loadModel(path);
    const xs = [tn.tensor([1, 5, 7, 19, 0, 3, 2, 2, 4, 8, 16, 11], [2, 6], 'int32'), tn.randomUniform([2, 3])];
    expect(Array.from((loaded.predict(xs) as tn.Tensor).values)).toEqual(Array.from((model.predict(xs) as tn.Tensor).values));
  });

  it('the newer layer classes round-trip in Keras 3 spelling (LeakyReLU negative_slope, SpatialDropout without trainable, TimeDistributed layer/vars)', async () => {
    const L = tn.layers;
    const img = tn.input({ shape: [6, 6, 2] });
    let x = new L.ZeroPadding2D({ padding: [[1, 0], [0, 1]] }).apply(img) as tn.SymbolicTensor;
    x = new L.DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2, biasInitializer: 'random_normal' }).apply(x) as tn.SymbolicTensor;
    x = new L.SeparableConv2D({ filters: 4, kernelSize: 2, padding: 'same' }).apply(x) as tn.SymbolicTensor;
    x = new L.GroupNormalization({ groups: 2, betaInitializer: 'random_normal' }).apply(new L.ReLU({ maxValue: 6 }).apply(x) as tn.SymbolicTensor) as tn.SymbolicTensor;
    x = new L.PReLU({ sharedAxes: [1, 2], alphaInitializer: 'random_normal' }).apply(new L.UpSampling2D({ size: 2, interpolation: 'bilinear' }).apply(x) as tn.SymbolicTensor) as tn.SymbolicTensor;
    x = new L.SpatialDropout2D({ rate: 0.2 }).apply(new L.Cropping2D({ cropping: [[1, 1], [2, 0]] }).apply(x) as tn.SymbolicTensor) as tn.SymbolicTensor;
    x = new L.Reshape([8, 32]).apply(new L.GaussianNoise({ stddev: 0.1 }).apply(x) as tn.SymbolicTensor) as tn.SymbolicTensor;
    x = new L.TimeDistributed(new L.Dense(3, { biasInitializer: 'random_normal' })).apply(x) as tn.SymbolicTensor;
    x = new L.ZeroPadding1D({ padding: [1, 2] }).apply(new L.LeakyReLU({ alpha: 0.1 }).apply(x) as tn.SymbolicTensor) as tn.SymbolicTensor;
    x = new L.Cropping1D({ cropping: [0, 1] }).apply(new L.UpSampling1D({ size: 2 }).apply(x) as tn.SymbolicTensor) as tn.SymbolicTensor;
    x = new L.Permute({ dims: [2, 1] }).apply(new L.SpatialDropout1D({ rate: 0.3 }).apply(x) as tn.SymbolicTensor) as tn.SymbolicTensor;
    x = new L.UnitNormalization().apply(new L.ELU().apply(new L.AlphaDropout({ rate: 0.1 }).apply(x) as tn.SymbolicTensor) as tn.SymbolicTensor) as tn.SymbolicTensor;
    x = new L.RepeatVector({ n: 2 }).apply(new L.Flatten().apply(new L.GaussianDropout({ rate: 0.1 }).apply(x) as tn.SymbolicTensor) as tn.SymbolicTensor) as tn.SymbolicTensor;
    const out = new L.Softmax({ axis: 1 }).apply(new L.ActivityRegularization({ l2: 0.01 }).apply(x) as tn.SymbolicTensor) as tn.SymbolicTensor;
    const model = tn.model({ inputs: img, outputs: out });
    const path = fresh('.keras');
    await model.save(path);
    const { config, weights } = archive(path);
    const byClass = (cls: string) => (config.config.layers as Json[]).find((l) => l.class_name === cls)!;
    expect(byClass('LeakyReLU').config).toMatchObject({ negative_slope: 0.1 });
    expect(byClass('LeakyReLU').config.alpha).toBeUndefined();
    expect(Object.keys(byClass('SpatialDropout1D').config).sort()).toEqual(['dtype', 'name', 'rate', 'seed']);
    expect(byClass('TimeDistributed').config.layer).toMatchObject({ module: 'keras.layers', class_name: 'Dense', config: { units: 3 } });
    expect(byClass('DepthwiseConv2D').module).toBe('keras.layers');
    const groups = await layout(weights);
    expect(groups.get('layers/time_distributed/layer/vars')!.map((s) => s.join('x'))).toEqual(['32x3', '3']);
    expect(groups.get('layers/separable_conv2d/vars')!.map((s) => s.join('x'))).toEqual(['2x2x4x1', '1x1x4x4', '4']);
    expect(groups.get('layers/p_re_lu/vars')!.map((s) => s.join('x'))).toEqual(['1x1x4']);
    tn.clearSession();
    const loaded = await tn.models.loadModel(path);
    const input = tn.randomUniform([2, 6, 6, 2], -1, 1);
    expect(Array.from((loaded.predict(input) as tn.Tensor).values)).toEqual(Array.from((model.predict(input) as tn.Tensor).values));
    // Keras 3 has no ThresholdedReLU; a .keras file cannot hold one, and says so.
    const thr = new tn.Sequential([new L.ThresholdedReLU({ theta: 0.5, inputShape: [3], name: 'thr' })]);
    await expect(thr.save(fresh('.keras'))).rejects.toThrow(/layer "thr" is a ThresholdedReLU, which Keras 3 does not have/);
  });

  it('nested Sequentials (as Teachable Machine builds them) sit under layers/sequential/layers/... and round-trip', async () => {
    const body = new tn.Sequential({ layers: [tn.layers.dense({ units: 5, activation: 'relu', inputShape: [3] }), tn.layers.batchNormalization()] });
    const head = new tn.Sequential({ layers: [tn.layers.dense({ units: 2, activation: 'softmax', inputShape: [5] })] });
    const model = new tn.Sequential({ layers: [tn.layers.inputLayer({ shape: [3] }), body, head] });
    const path = fresh('.keras');
    await model.save(path);
    const groups = await layout(archive(path).weights);
    expect(groups.get('layers/sequential/layers/dense/vars')!.map((s) => s.join('x'))).toEqual(['3x5', '5']);
    expect(groups.get('layers/sequential/layers/batch_normalization/vars')!.length).toBe(4);
    expect(groups.get('layers/sequential_1/layers/dense/vars')!.map((s) => s.join('x'))).toEqual(['5x2', '2']);
    tn.clearSession();
    const loaded = await tn.models.loadModel(path);
    const x = tn.randomUniform([3, 3]);
    expect(Array.from((loaded.predict(x) as tn.Tensor).values)).toEqual(Array.from((model.predict(x) as tn.Tensor).values));
  });

  it('refuses the legacy .h5 format and unbuilt models, with what to do instead', async () => {
    const model = fashionCnn();
    await expect(model.save(fresh('.h5'))).rejects.toThrow(/does not write the legacy \.h5 format.*\.keras/);
    await expect(new tn.Sequential().save(fresh('.keras'))).rejects.toThrow(/not built yet/);
    class Subclassed extends tn.Model {
      dense = tn.layers.dense({ units: 2 });
      override call(x: tn.Tensor | tn.Tensor[]) {
        return this.dense.apply(x as tn.Tensor);
      }
    }
    const sub = new Subclassed();
    sub.predict(tn.ones([1, 3]));
    await expect(sub.save(fresh('.keras'))).rejects.toThrow(/subclassed Model.*saveWeights\('weights\.weights\.h5'\)/);
  });

  it('overwrites atomically: the old file is replaced whole and no temporary file is left behind', async () => {
    const dir = mkdtempSync(join(root, 'atomic-'));
    const path = join(dir, 'model.keras');
    writeFileSync(path, 'old contents');
    await fashionCnn().save(path);
    expect(readdirSync(dir)).toEqual(['model.keras']);
    expect(Object.keys(unzipSync(readFileSync(path))).length).toBe(3);
  });
});

describe('saveWeights / loadWeights (.weights.h5)', () => {
  it('round-trips into a fresh model of the same architecture', async () => {
    const a = fashionCnn();
    const b = fashionCnn();
    const x = tn.randomUniform([2, 28, 28, 1]);
    const path = fresh('.weights.h5');
    await a.saveWeights(path);
    expect(Array.from((b.predict(x) as tn.Tensor).values)).not.toEqual(Array.from((a.predict(x) as tn.Tensor).values));
    await b.loadWeights(path);
    expect(Array.from((b.predict(x) as tn.Tensor).values)).toEqual(Array.from((a.predict(x) as tn.Tensor).values));
    expect([...(await layout(readFileSync(path))).keys()]).toContain('layers/conv2d_1/vars');
  });

  it("loads the weights file inside a real .keras (Keras 3.10's layout) into the architecture built in code", async () => {
    const path = fresh('.weights.h5');
    writeFileSync(path, archive(real('fashion-cnn/model.keras')).weights);
    const model = fashionCnn();
    await model.loadWeights(path);
    const x = ref([2, 28, 28, 1], values(2 * 784, 9));
    expectClose(predict(model, x), referenceForward(await kerasArchiveReference(readFileSync(real('fashion-cnn/model.keras'))), x).data);
  });

  it("loads Keras 2-format .h5 weights by layer order (Keras's load_weights)", async () => {
    const model = new tn.Sequential({ layers: [
      tn.layers.dense({ units: 128, activation: 'relu', inputShape: [784] }), tn.layers.dense({ units: 64, activation: 'relu' }),
      tn.layers.dense({ units: 32, activation: 'relu' }), tn.layers.dense({ units: 26, activation: 'softmax' }),
    ] });
    await model.loadWeights(real('alphabet-mlp-h5/model.h5'));
    const x = ref([2, 784], values(2 * 784, 10));
    expectClose(predict(model, x), referenceForward(await kerasH5Reference(readFileSync(real('alphabet-mlp-h5/model.h5'))), x).data);
  });

  it('names the layer, the path and both shapes when the architecture does not fit', async () => {
    const path = fresh('.weights.h5');
    await fashionCnn().saveWeights(path);
    const other = new tn.Sequential({ layers: [tn.layers.conv2d({ filters: 16, kernelSize: 3, inputShape: [28, 28, 1] })] });
    await expect(other.loadWeights(path)).rejects.toThrow(/layers\/conv2d\/vars\/0.*\[3, 3, 1, 32\].*\[3, 3, 1, 16\]/);
    const fewer = new tn.Sequential({ layers: [tn.layers.flatten({ inputShape: [28, 28, 1] }), tn.layers.dense({ units: 10 })] });
    await expect(fewer.loadWeights(path)).rejects.toThrow(/variable 0 of layer "dense_\d+" \(layers\/dense\/vars\/0\) has shape \[1600, 64\] in the file, but the model's dense_\d+\/kernel has shape \[784, 10\]/);
    await expect(fashionCnn().saveWeights(fresh('.weights.json'))).rejects.toThrow(/\.weights\.h5/);
    await expect(fashionCnn().loadWeights(real('fashion-cnn/model.keras'))).rejects.toThrow(/whole-model format/);
  });
});

describe('what cannot be loaded, and custom classes', () => {
  const fashion = () => real('fashion-cnn/model.keras');

  it('channels_first: an error naming the layer and its class', async () => {
    const path = rezip(fashion(), (c) => {
      c.config.layers[1].config.data_format = 'channels_first';
    });
    await expect(tn.models.loadModel(path)).rejects.toThrow(/layer "conv2d" \(Conv2D\).*channels_first/);
  });

  it('a Keras class tensornode lacks: an error naming the layer and the class', async () => {
    const path = rezip(fashion(), (c) => {
      c.config.layers[6].class_name = 'LocallyConnected2D';
    });
    await expect(tn.models.loadModel(path)).rejects.toThrow(/layer "dropout" \(LocallyConnected2D\).*unknown layer class "LocallyConnected2D"/);
  });

  it('a custom class: an error that says how to register it; registered (tn.serialization.registerClass), it loads', async () => {
    class ScaledDense extends tn.layers.Dense {
      static className = 'ScaledDense';
    }
    const path = rezip(fashion(), (c) => {
      Object.assign(c.config.layers[8], { module: null, class_name: 'ScaledDense', registered_name: 'Custom>ScaledDense' });
    });
    await expect(tn.models.loadModel(path)).rejects.toThrow(/layer "dense_1" \(ScaledDense\).*registerClass\(ScaledDense\)/);
    // Keras names the weights group after the class, so the renamed layer's weights sit under layers/scaled_dense in a
    // file Keras would write: save one with the class registered, and load it back.
    tn.serialization.registerClass(ScaledDense);
    const model = fashionCnn();
    const original = model.layers[7] as tn.layers.Dense;
    const custom = new ScaledDense({ units: 10, activation: 'softmax', name: 'dense_out' });
    const withCustom = new tn.Sequential({ layers: [...model.layers.slice(0, 7), custom] });
    custom.setWeights(original.getWeights());
    const saved = fresh('.keras');
    await withCustom.save(saved);
    const { config, weights } = archive(saved);
    expect(config.config.layers[8]).toMatchObject({ class_name: 'ScaledDense', registered_name: 'Custom>ScaledDense' });
    expect([...(await layout(weights)).keys()]).toContain('layers/scaled_dense/vars');
    const loaded = await tn.models.loadModel(saved);
    expect(loaded.layers[7]).toBeInstanceOf(ScaledDense);
    const x = tn.randomUniform([2, 28, 28, 1]);
    expect(Array.from((loaded.predict(x) as tn.Tensor).values)).toEqual(Array.from((withCustom.predict(x) as tn.Tensor).values));
  });

  it('tn.saving.registerKerasSerializable answers to the "package>Name" Keras 3 writes', async () => {
    class Doubler extends tn.layers.Activation {}
    tn.saving.registerKerasSerializable(Doubler, { package: 'my_package', name: 'Doubler' });
    const path = rezip(fashion(), (c) => {
      c.config.layers.splice(7, 0, { module: null, class_name: 'Doubler', config: { name: 'doubler', activation: 'linear' }, registered_name: 'my_package>Doubler' });
    });
    const model = await tn.models.loadModel(path);
    expect(model.layers[6]).toBeInstanceOf(Doubler);
    // Saving writes the registered package back, as Keras does.
    const saved = fresh('.keras');
    await model.save(saved);
    expect(archive(saved).config.config.layers[7]).toMatchObject({ class_name: 'Doubler', registered_name: 'my_package>Doubler' });
    expect((await tn.models.loadModel(saved)).layers[6]).toBeInstanceOf(Doubler);
  });

  it("a custom class's static fromConfig may take Keras's one argument (config) or TF.js's two (cls, config)", async () => {
    class ScaleBase extends tn.Layer {
      factor: number;
      constructor(args: tn.layers.LayerArgs & { factor?: number } = {}) {
        const { factor = 1, ...rest } = args;
        super(rest);
        this.factor = factor;
      }
      call(x: tn.Tensor | tn.Tensor[]) {
        return tn.mul(x as tn.Tensor, this.factor);
      }
      override getConfig() {
        return { ...super.getConfig(), factor: this.factor };
      }
    }
    class Scale extends ScaleBase {
      static fromConfig(config: Record<string, unknown>) {
        return new this(config);
      }
    }
    class TfjsScale extends ScaleBase {
      static fromConfig(cls: unknown, config: Record<string, unknown>): ScaleBase {
        return new (cls as typeof TfjsScale)({ ...config, factor: (config.factor as number) + 1 });
      }
    }
    tn.serialization.registerClass(Scale);
    tn.serialization.registerClass(TfjsScale);
    for (const [Cls, want] of [[Scale, 3], [TfjsScale, 4]] as const) {
      const model = new tn.Sequential([new Cls({ factor: 3, inputShape: [2] })]);
      const saved = fresh('.keras');
      await model.save(saved);
      const loaded = await tn.models.loadModel(saved);
      expect(Array.from((loaded.predict(tn.ones([1, 2])) as tn.Tensor).data()), Cls.name).toEqual([want, want]);
    }
  });

  it('an unknown optimizer or loss in compile_config is an error that names it (and loading without compiling works)', async () => {
    const badOpt = rezip(fashion(), (c) => {
      c.compile_config.optimizer.class_name = 'Adafactor';
    });
    await expect(tn.models.loadModel(badOpt)).rejects.toThrow(/compile_config.*no optimizer "Adafactor"/);
    const badLoss = rezip(fashion(), (c) => {
      // Keras 3.6's Circle loss, which tensornode lacks (CTC served here until tensornode had it).
      c.compile_config.loss = { module: 'keras.losses', class_name: 'Circle', config: { name: 'circle' }, registered_name: null };
    });
    await expect(tn.models.loadModel(badLoss)).rejects.toThrow(/compile_config.*Circle/);
    expect((await tn.models.loadModel(badLoss, { compile: false })).optimizer).toBeNull();
  });

  it('damaged files: truncated and corrupted zips, truncated and foreign HDF5, missing members', async () => {
    const keras = readFileSync(fashion());
    const a0 = () => archive(fashion());
    const write = (bytes: Uint8Array, ext: string) => {
      const p = fresh(ext);
      writeFileSync(p, bytes);
      return p;
    };
    await expect(tn.models.loadModel(write(keras.subarray(0, keras.length >> 1), '.keras'))).rejects.toThrow(/zip archive is damaged or truncated/);
    await expect(tn.models.loadModel(write(strToU8('{"not": "a zip"}'), '.keras'))).rejects.toThrow(/not a \.keras file/);
    const bomb = zipSync({ 'metadata.json': strToU8('{}'), 'config.json': new Uint8Array(1 << 22), 'model.weights.h5': a0().weights }, { level: 9 });
    // A header that claims more than deflate can expand to: refused before inflating.
    const view = new DataView(bomb.buffer);
    for (let i = 0; i + 4 <= bomb.length; i++) {
      if (view.getUint32(i, true) === 0x02014b50 && strFromU8(bomb.subarray(i + 46, i + 57)) === 'config.json') view.setUint32(i + 24, 0xfffffff0, true);
    }
    await expect(tn.models.loadModel(write(bomb, '.keras'))).rejects.toThrow(/damaged or truncated \(config\.json claims 4294967280 bytes/);
    // The HDF5 member cut short inside an intact zip.
    const a = archive(fashion());
    const cut = zipSync({ 'metadata.json': strToU8(JSON.stringify(a.metadata)), 'config.json': strToU8(JSON.stringify(a.config)), 'model.weights.h5': a.weights.subarray(0, 100000) });
    await expect(tn.models.loadModel(write(cut, '.keras'))).rejects.toThrow(/model\.weights\.h5: the HDF5 file is truncated/);
    const noWeights = zipSync({ 'metadata.json': strToU8('{}'), 'config.json': strToU8(JSON.stringify(a.config)) });
    await expect(tn.models.loadModel(write(noWeights, '.keras'))).rejects.toThrow(/has no model\.weights\.h5/);
    const badJson = zipSync({ 'metadata.json': strToU8('{}'), 'config.json': strToU8('{"class_name": '), 'model.weights.h5': a.weights });
    await expect(tn.models.loadModel(write(badJson, '.keras'))).rejects.toThrow(/config\.json is not valid JSON/);
    // Compressed data corrupted in the middle of the zip: the HDF5 bytes no longer add up.
    const corrupted = Uint8Array.from(keras);
    for (let i = 200000; i < 200400; i++) corrupted[i] ^= 0x5a;
    await expect(tn.models.loadModel(write(corrupted, '.keras'))).rejects.toThrow(/model\.weights\.h5 in the \.keras archive is corrupted \(its CRC-32/);
    const h5file = readFileSync(real('alphabet-mlp-h5/model.h5'));
    await expect(tn.models.loadModel(write(h5file.subarray(0, 4096), '.h5'))).rejects.toThrow(/HDF5 file is truncated: its superblock says it is 1376784 bytes long, but only 4096/);
    await expect(tn.models.loadModel(write(strToU8('plain text, not HDF5'), '.h5'))).rejects.toThrow(/not an HDF5 file/);
    await expect(tn.models.loadModel(write(a.weights, '.h5'))).rejects.toThrow(/Keras 3 weights file.*weights\.h5/);
    await expect(tn.models.loadModel(write(a.weights, '.weights.h5'))).rejects.toThrow(/holds only weights.*loadWeights/);
    await expect(tn.models.loadModel(join(root, 'missing.keras'))).rejects.toThrow(/cannot read .*missing\.keras/);
  });
});
