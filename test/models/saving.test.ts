import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';

const { Dense, Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, Flatten, Reshape, Activation, Dropout,
  BatchNormalization, LayerNormalization, Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate } = tn.layers;

const root = mkdtempSync(join(tmpdir(), 'tensornode-save-'));
let dirs = 0;
const freshDir = () => join(root, `m${dirs++}`);
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeEach(() => tn.clearSession());

function values(t: tn.Tensor | tn.Tensor[]): number[][] {
  return (Array.isArray(t) ? t : [t]).map((x) => Array.from(x.data()));
}

describe('layer configs', () => {
  it('give back an equal layer through the constructor, for every layer class', () => {
    const layers: tn.Layer[] = [
      new Dense(7, { activation: 'gelu', useBias: false, kernelInitializer: 'he_normal', kernelRegularizer: tn.regularizers.l1l2({ l1: 0.1, l2: 0.2 }), inputShape: [3] }),
      new Conv2D(5, [3, 2], { strides: 2, padding: 'same', activation: 'leaky_relu', biasInitializer: new tn.initializers.Constant({ value: 0.5 }), biasRegularizer: 'l2' }),
      new Conv2D({ filters: 3, kernelSize: 3, dilationRate: 2, kernelInitializer: new tn.initializers.RandomNormal({ mean: 1, stddev: 0.5, seed: 4 }) }),
      new MaxPooling2D([3, 3], { strides: 1, padding: 'same' }), new AveragePooling2D(2), new GlobalAveragePooling2D({ keepdims: true }),
      new GlobalMaxPooling2D(), new Flatten(), new Reshape([2, -1]), new Activation('softplus'), new Dropout(0.3, { seed: 9 }),
      new BatchNormalization({ axis: 1, momentum: 0.9, epsilon: 0.01, center: false, gammaInitializer: 'glorot_uniform', gammaRegularizer: 'l1' }),
      new LayerNormalization({ axis: [1, 2], epsilon: 1e-5, scale: false }),
      new Add(), new Subtract(), new Multiply(), new Average(), new Maximum(), new Minimum(), new Concatenate({ axis: 1 }),
      new tn.layers.Embedding(100, 8, { inputLength: 12 }), new tn.layers.SimpleRNN(4, { activation: 'relu', goBackwards: true }),
      new tn.layers.LSTM(5, { returnSequences: true, unitForgetBias: false, recurrentRegularizer: 'l2' }),
      new tn.layers.GRU({ units: 6, resetAfter: false, recurrentActivation: 'hard_sigmoid' }),
      new tn.layers.Conv1D(8, 5, { padding: 'causal', dilationRate: 2, activation: 'relu' }), new tn.layers.MaxPooling1D(3, { padding: 'same' }),
      new tn.layers.AveragePooling1D({ poolSize: 2, strides: 1 }), new tn.layers.GlobalAveragePooling1D(), new tn.layers.GlobalMaxPooling1D({ keepdims: true }),
    ];
    for (const layer of layers) {
      const config = JSON.parse(JSON.stringify(layer.getConfig())) as Record<string, unknown>;
      const Cls = layer.constructor as new (c: Record<string, unknown>) => tn.Layer;
      const again = new Cls(config);
      expect(again.getConfig(), layer.className).toEqual(layer.getConfig());
    }
  });

  it('record initializers and regularizers in Keras\'s { className, config } form', () => {
    const d = new Dense(2, { kernelInitializer: 'glorot_uniform', kernelRegularizer: 'l2' });
    const c = d.getConfig();
    expect(c.kernelInitializer).toMatchObject({ className: 'GlorotUniform' });
    expect(c.biasInitializer).toEqual({ className: 'Zeros', config: {} });
    expect(c.kernelRegularizer).toEqual({ className: 'L1L2', config: { l1: 0, l2: 0.01 } });
    expect(c.biasRegularizer).toBeNull();
  });
});

describe('model.save and tn.models.loadModel', () => {
  it('round-trip a trained Sequential CNN: same predictions, weights and evaluation, compiled as saved', async () => {
    const model = new tn.Sequential([
      new Conv2D(4, [3, 3], { activation: 'relu', inputShape: [8, 8, 1], kernelRegularizer: 'l2' }),
      new BatchNormalization(),
      new MaxPooling2D([2, 2]),
      new Flatten(),
      new Dropout(0.2),
      new Dense(3, { activation: 'softmax' }),
    ]);
    const schedule = new tn.optimizers.ExponentialDecay({ initialLearningRate: 0.01, decaySteps: 10, decayRate: 0.9 });
    model.compile({ optimizer: new tn.optimizers.Adam({ learningRate: schedule, beta2: 0.99 }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const x = tn.randomNormal([24, 8, 8, 1], 0, 1, 'float32', 1);
    const y = tn.tensor(Array.from({ length: 24 }, (_, i) => i % 3), [24], 'int32');
    await model.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });

    const dir = freshDir();
    await model.save(dir);
    const loaded = await tn.models.loadModel(dir);

    expect(loaded).toBeInstanceOf(tn.Sequential);
    expect(loaded.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    expect(loaded.getWeights().map((w) => Array.from(w.data()))).toEqual(model.getWeights().map((w) => Array.from(w.data())));
    expect(values(loaded.predict(x))).toEqual(values(model.predict(x)));
    expect(await loaded.evaluate(x, y, { verbose: 0 })).toEqual(await model.evaluate(x, y, { verbose: 0 }));

    const opt = loaded.optimizer as tn.optimizers.Adam;
    expect(opt).toBeInstanceOf(tn.optimizers.Adam);
    expect(opt.beta2).toBe(0.99);
    expect(opt.learningRate).toBeInstanceOf(tn.optimizers.ExponentialDecay);
    expect((opt.learningRate as tn.optimizers.ExponentialDecay).getConfig()).toEqual(schedule.getConfig());
    // The regularizer came back too: the training loss includes its penalty, so a step changes the loss the same way.
    const history = await loaded.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    expect(history.history.loss[0]).toBeGreaterThan(0);
    expect(Object.keys(history.history)).toEqual(['loss', 'accuracy']);
  });

  it('save the optimizer state, so that training resumes exactly where it stopped', async () => {
    const make = () => {
      const m = new tn.Sequential([new Dense(8, { activation: 'tanh', inputShape: [3] }), new Dense(1)]);
      m.compile({ optimizer: new tn.optimizers.Adam({ learningRate: 0.05 }), loss: 'mse' });
      return m;
    };
    const x = tn.randomNormal([64, 3], 0, 1, 'float32', 11);
    const y = tn.sum(x, -1, true);
    const model = make();
    await model.fit(x, y, { epochs: 3, batchSize: 16, shuffle: false, verbose: 0 });
    const dir = freshDir();
    await model.save(dir);
    const loaded = await tn.models.loadModel(dir);
    expect(loaded.optimizer!.iterations).toBe(12);
    await model.fit(x, y, { epochs: 2, batchSize: 16, shuffle: false, verbose: 0 });
    await loaded.fit(x, y, { epochs: 2, batchSize: 16, shuffle: false, verbose: 0 });
    expect(loaded.getWeights().map((w) => Array.from(w.data()))).toEqual(model.getWeights().map((w) => Array.from(w.data())));
    // Without the moments (a fresh Adam on the same weights) the next steps differ.
    const fresh = await tn.models.loadModel(dir);
    fresh.compile({ optimizer: new tn.optimizers.Adam({ learningRate: 0.05 }), loss: 'mse' });
    await fresh.fit(x, y, { epochs: 2, batchSize: 16, shuffle: false, verbose: 0 });
    expect(fresh.getWeights().map((w) => Array.from(w.data()))).not.toEqual(model.getWeights().map((w) => Array.from(w.data())));
  });

  // The TF.js file keeps SGD's momentum in TF.js's convention (a = momentum a + g, not m = momentum m - lr g) beside
  // tensornode's own compile config; reading it back must undo that whichever config compiles the model.
  it.each([
    ['SGD with momentum', () => new tn.optimizers.SGD({ learningRate: 0.05, momentum: 0.9 })],
    ['SGD with Nesterov momentum', () => new tn.optimizers.SGD({ learningRate: 0.05, momentum: 0.9, nesterov: true })],
    ['RMSprop with momentum', () => new tn.optimizers.RMSprop({ learningRate: 0.01, momentum: 0.5 })],
    ['Adagrad', () => new tn.optimizers.Adagrad({ learningRate: 0.1 })],
  ])('save the state of %s, so that training resumes where it stopped', async (_label, optimizer) => {
    const model = new tn.Sequential([new Dense(8, { activation: 'tanh', inputShape: [3] }), new Dense(1)]);
    model.compile({ optimizer: optimizer(), loss: 'mse' });
    const x = tn.randomNormal([64, 3], 0, 1, 'float32', 12);
    const y = tn.sum(x, -1, true);
    await model.fit(x, y, { epochs: 2, batchSize: 16, shuffle: false, verbose: 0 });
    const dir = freshDir();
    await model.save(dir);
    const loaded = await tn.models.loadModel(dir);
    const slots = (m: tn.Model) => m.optimizer!.slotsOf(m.trainableWeights[0])!.map((a) => Array.from(a));
    const before = slots(model);
    expect(before.flat().some((v) => v !== 0)).toBe(true);
    const after = slots(loaded);
    for (let k = 0; k < before.length; k++) for (let i = 0; i < before[k].length; i++) expect(after[k][i]).toBeCloseTo(before[k][i], 6);
    const a = await model.fit(x, y, { epochs: 1, batchSize: 16, shuffle: false, verbose: 0 });
    const b = await loaded.fit(x, y, { epochs: 1, batchSize: 16, shuffle: false, verbose: 0 });
    expect(b.history.loss[0]).toBeCloseTo(a.history.loss[0], 5);
  });

  it('round-trip a functional model with two inputs, two outputs and a shared layer', async () => {
    const a = tn.input({ shape: [4], name: 'a' });
    const b = tn.input({ shape: [4], name: 'b' });
    const shared = new Dense(5, { activation: 'tanh', name: 'shared' });
    const h = new Concatenate().apply([shared.apply(a) as tn.SymbolicTensor, shared.apply(b) as tn.SymbolicTensor]) as tn.SymbolicTensor;
    const out1 = new Dense(1, { name: 'value' }).apply(h) as tn.SymbolicTensor;
    const out2 = new Dense(3, { activation: 'softmax', name: 'policy' }).apply(new Add().apply([h, h]) as tn.SymbolicTensor) as tn.SymbolicTensor;
    const model = new tn.Model({ inputs: [a, b], outputs: [out1, out2], name: 'agent' });
    model.compile({ optimizer: 'rmsprop', loss: ['mse', new tn.losses.SparseCategoricalCrossentropy({ fromLogits: false })], metrics: [['mae'], ['accuracy']], lossWeights: [0.5, 1] });

    const dir = freshDir();
    await model.save(`file://${dir}`);
    const loaded = await tn.loadLayersModel(`file://${join(dir, 'model.json')}`);

    expect(loaded.name).toBe('agent');
    expect(loaded.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    const xa = tn.randomNormal([6, 4], 0, 1, 'float32', 2);
    const xb = tn.randomNormal([6, 4], 0, 1, 'float32', 3);
    expect(values(loaded.predict([xa, xb]))).toEqual(values(model.predict([xa, xb])));
    const ys = [tn.randomNormal([6, 1], 0, 1, 'float32', 4), tn.tensor([0, 1, 2, 0, 1, 2], [6], 'int32')];
    expect(await loaded.evaluate([xa, xb], ys, { verbose: 0 })).toEqual(await model.evaluate([xa, xb], ys, { verbose: 0 }));
    // The shared layer is still one layer with one set of weights, called twice.
    expect(loaded.getLayer('shared').inboundNodes).toHaveLength(2);
    expect(loaded.countParams()).toBe(model.countParams());
  });

  it('round-trip a Sequential model nested in a functional one', async () => {
    const trunk = new tn.Sequential([new Dense(6, { activation: 'relu', inputShape: [3] }), new LayerNormalization()], { name: 'trunk' });
    const x = tn.input({ shape: [3] });
    const y = new Dense(2).apply(trunk.apply(x) as tn.SymbolicTensor) as tn.SymbolicTensor;
    const model = new tn.Model({ inputs: x, outputs: y });
    const dir = freshDir();
    await model.save(dir);
    const loaded = await tn.models.loadModel(dir);
    const data = tn.randomNormal([5, 3], 0, 1, 'float32', 5);
    expect(values(loaded.predict(data))).toEqual(values(model.predict(data)));
    expect(loaded.getLayer('trunk')).toBeInstanceOf(tn.Sequential);
    // Saved without compile(): loaded without it, and says so when asked to train.
    expect(loaded.optimizer).toBeNull();
    await expect(loaded.evaluate(data, data)).rejects.toThrow(/compile\(\)/);
  });

  it('keeps the model but not a custom loss function, which needs compile() again after loading', async () => {
    const model = new tn.Sequential([new Dense(1, { inputShape: [2] })]);
    model.compile({ optimizer: 'sgd', loss: (t: tn.Tensor, p: tn.Tensor) => tn.mean(tn.abs(tn.sub(t, p)), -1) });
    const dir = freshDir();
    await model.save(dir);
    const file = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { trainingConfig: unknown; userDefinedMetadata: { tensornode: { unsaved?: string } } };
    expect(file.trainingConfig).toBeNull();
    expect(file.userDefinedMetadata.tensornode.unsaved).toMatch(/custom loss or metric function/);
    const loaded = await tn.models.loadModel(dir);
    expect(loaded.optimizer).toBeNull();
    expect(values(loaded.predict(tn.ones([2, 2])))).toEqual(values(model.predict(tn.ones([2, 2]))));
  });

  it('refuses what it cannot save, naming the layer or model', async () => {
    const custom = new tn.Sequential([new Dense(2, { inputShape: [2], activation: (x: tn.Tensor) => tn.mul(x, 2) })]);
    await expect(custom.save(freshDir())).rejects.toThrow(/layer "dense.*custom activation/);
    const unbuilt = new tn.Sequential([new Dense(2)]);
    await expect(unbuilt.save(freshDir())).rejects.toThrow(/not built/);
    class Custom extends tn.Model {
      d = new Dense(1);
      override call(x: tn.Tensor | tn.Tensor[]) {
        return this.d.apply(x) as tn.Tensor;
      }
    }
    const sub = new Custom();
    sub.built = true;
    await expect(sub.save(freshDir())).rejects.toThrow(/subclassed Model/);
  });

  it('reports a missing, foreign or damaged file clearly', async () => {
    await expect(tn.models.loadModel(join(root, 'nothing-here'))).rejects.toThrow(/cannot read .*nothing-here.*model\.json/);
    const foreign = freshDir();
    await new tn.Sequential([new Dense(1, { inputShape: [1] })]).save(foreign);
    writeFileSync(join(foreign, 'model.json'), JSON.stringify({ format: 'graph-model', modelTopology: { node: [] }, weightsManifest: [] }));
    await expect(tn.models.loadModel(foreign)).rejects.toThrow(/format "graph-model" is not a layers model/);
    writeFileSync(join(foreign, 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: {}, weightsManifest: [] }));
    await expect(tn.models.loadModel(foreign)).rejects.toThrow(/modelTopology: has no class_name/);

    const damaged = freshDir();
    await new tn.Sequential([new Dense(4, { inputShape: [3] })]).save(damaged);
    const [weightsFile] = (JSON.parse(readFileSync(join(damaged, 'model.json'), 'utf8')) as tn.models.ModelJSON).weightsManifest[0].paths;
    truncateSync(join(damaged, weightsFile), 20);
    await expect(tn.models.loadModel(damaged)).rejects.toThrow(/model\.weights\.[0-9a-f]{16}\.bin is truncated: it holds 20 bytes, the manifest describes 64/);

    const unknown = freshDir();
    await new tn.Sequential([new Dense(1, { inputShape: [1] })]).save(unknown);
    const text = readFileSync(join(unknown, 'model.json'), 'utf8').replace('"Dense"', '"Dense3D"');
    writeFileSync(join(unknown, 'model.json'), text);
    await expect(tn.models.loadModel(unknown)).rejects.toThrow(/unknown layer class "Dense3D"/);
  });
});

describe('registered losses, metrics, constraints and regularizers with their own static fromConfig', () => {
  // Keras calls a class's from_config(config) when it defines one (a constructor that does not take the config
  // as it is); each is given positional constructor arguments here, so `new cls(config)` would build it wrong.
  class ScaledMse extends tn.losses.Loss {
    constructor(readonly scale = 1, name = 'scaled_mse') {
      super({ name });
    }
    call(t: tn.Tensor, p: tn.Tensor) {
      return tn.mul(tn.mean(tn.square(tn.sub(p, t)), -1), this.scale);
    }
    override getConfig() {
      return { ...super.getConfig(), scale: this.scale };
    }
    static fromConfig(config: { scale: number; name: string }) {
      return new ScaledMse(config.scale, config.name);
    }
  }
  class Offset extends tn.metrics.Metric {
    private total = 0;
    constructor(readonly offset: number, name = 'offset') {
      super(name);
    }
    updateState() {
      this.total = this.offset;
    }
    result() {
      return this.total;
    }
    override resetState() {
      this.total = 0;
    }
    override getConfig() {
      return { name: this.name, offset: this.offset };
    }
    // TF.js's form, fromConfig(cls, config).
    static fromConfig(cls: typeof Offset, config: { offset: number; name: string }) {
      return new cls(config.offset, config.name);
    }
  }
  class Shift extends tn.constraints.Constraint {
    readonly className = 'Shift';
    constructor(readonly by: number) {
      super();
    }
    apply(values: Float32Array) {
      for (let i = 0; i < values.length; i++) values[i] = this.by;
    }
    override getConfig() {
      return { by: this.by };
    }
    static fromConfig(config: { by: number }) {
      return new Shift(config.by);
    }
  }
  class Sum extends tn.regularizers.Regularizer {
    constructor(readonly factor: number) {
      super();
    }
    override apply(w: tn.Tensor) {
      return tn.mul(tn.sum(w), this.factor);
    }
    override getConfig() {
      return { factor: this.factor };
    }
    static fromConfig(config: { factor: number }) {
      return new Sum(config.factor);
    }
  }
  for (const cls of [ScaledMse, Offset, Shift, Sum]) tn.serialization.registerClass(cls as never);

  it('rebuilds each through it when the model loads', async () => {
    const model = new tn.Sequential([new tn.layers.Dense(1, { inputShape: [2], kernelConstraint: new Shift(0.5), biasRegularizer: new Sum(3), biasInitializer: 'ones' })]);
    model.compile({ optimizer: new tn.optimizers.SGD({ learningRate: 0 }), loss: new ScaledMse(3), metrics: [new Offset(7)] });
    const path = join(root, 'from-config.keras');
    await model.save(path);
    const loaded = await tn.models.loadModel(path);
    const x = tn.ones([4, 2]);
    const y = tn.zeros([4, 1]);
    const logs = (await loaded.evaluate(x, y, { verbose: 0, returnDict: true })) as Record<string, number>;
    const p = (loaded.predict(x) as tn.Tensor).data();
    // 3 * mean(p^2) plus the bias penalty 3 * bias (bias 1), and the metric's offset.
    expect(logs.loss).toBeCloseTo(3 * Array.from(p).reduce((s, v) => s + v * v, 0) / 4 + 3, 5);
    expect(logs.offset).toBe(7);
    loaded.trainOnBatch(x, y);
    expect(Array.from(loaded.layers[0].getWeights()[0].data())).toEqual([0.5, 0.5]);
  });
});
