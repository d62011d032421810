import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { expectClose, fixture, toTensor, type GoldenTensor as Spec } from '../helpers/golden.js';
import { gradCheck, randomTensor } from '../helpers/gradcheck.js';

const { Dense, Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, Flatten, Reshape, Activation, Dropout, Add, Concatenate, Multiply } = tn.layers;

beforeEach(() => tn.clearSession());

describe('layer construction', () => {
  it('names layers automatically as Keras does', () => {
    const a = new Dense(3);
    const b = new Dense(3);
    const c = new Conv2D(2, 3);
    const d = new MaxPooling2D();
    const e = new tn.layers.BatchNormalization();
    const f = new GlobalAveragePooling2D();
    expect([a.name, b.name, c.name, d.name, e.name, f.name]).toEqual(['dense', 'dense_1', 'conv2d', 'max_pooling2d', 'batch_normalization', 'global_average_pooling2d']);
    expect(new Dense({ units: 2, name: 'head' }).name).toBe('head');
  });

  it('accepts Keras positional forms, one options object, and TF.js factories', () => {
    const forms = [new Dense(128, { activation: 'relu' }), new Dense({ units: 128, activation: 'relu' }), tn.layers.dense({ units: 128, activation: 'relu' })];
    for (const l of forms) {
      expect(l.units).toBe(128);
      expect(l.activation.name).toBe('relu');
    }
    const convs = [new Conv2D(32, [3, 3], { activation: 'relu' }), new Conv2D({ filters: 32, kernelSize: 3, activation: 'relu' }), tn.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' })];
    for (const c of convs) expect([c.filters, ...c.kernelSize]).toEqual([32, 3, 3]);
    expect(new MaxPooling2D([3, 3]).poolSize).toEqual([3, 3]);
    expect(new MaxPooling2D({ poolSize: 2, strides: 1 }).strides).toEqual([1, 1]);
    // snake_case and camelCase option strings
    expect(new Dense(2, { kernelInitializer: 'glorotUniform' }).kernelInitializer).toBe('glorotUniform');
    expect(() => new Dense(2, { kernelInitializer: 'he_normal' }).apply(tn.zeros([1, 3]))).not.toThrow();
    expect(() => new Dense(2, { kernelInitializer: 'heNormal' }).apply(tn.zeros([1, 3]))).not.toThrow();
  });

  it("takes Keras's positional Model(inputs, outputs), the functional merge forms layers.add([a, b]), and utils.toCategorical", () => {
    const a = tn.Input({ shape: [3] });
    const b = tn.Input({ shape: [3] });
    const sum = tn.layers.add([a, b]);
    expect(sum).toBeInstanceOf(tn.SymbolicTensor);
    const cat = tn.layers.concatenate([a, sum], { axis: -1 });
    expect(cat.shape).toEqual([null, 6]);
    const model = new tn.Model([a, b], new Dense(2, { kernelInitializer: 'ones' }).apply(cat) as tn.SymbolicTensor, { name: 'positional' });
    expect(model.name).toBe('positional');
    expect(model.layers.length).toBe(5);
    // 1 + 2 (x) and 1+1 + 2+2 (x + y) summed into each unit: 3 + 6.
    expect((model.predict([tn.ones([1, 3]), tn.ones([1, 3])]) as tn.Tensor).array()).toEqual([[9, 9]]);
    // Eager tensors work too, and TF.js's form still makes a layer.
    expect(tn.layers.maximum([tn.tensor([1, 5]), tn.tensor([4, 2])]).array()).toEqual([4, 5]);
    expect(tn.layers.add({ name: 'plus' })).toBeInstanceOf(tn.layers.Add);
    expect(() => new tn.Model({ inputs: a, output: sum } as never)).toThrow(/Model: unrecognized option "output"/);
    expect(new tn.Model([a, b], sum, 'named').name).toBe('named');
    expect(tn.layers.concatenate([a, b], 0 + 1).shape).toEqual([null, 6]);
    expect(() => model.getLayer(1.5)).toThrow(/getLayer: an index must be an integer, received 1.5/);
    expect(tn.utils.toCategorical([0, 2, 1]).array()).toEqual([[1, 0, 0], [0, 0, 1], [0, 1, 0]]);
    expect(tn.utils.toCategorical(tn.tensor([[1], [0]]), 3).shape).toEqual([2, 3]);
    expect(() => tn.utils.toCategorical([0, 1.5])).toThrow(/toCategorical: labels must be non-negative integers, found 1.5/);
    expect(() => tn.utils.toCategorical([3], 3)).toThrow(/label 3 is out of range for 3 classes/);
  });

  it('names functional models functional, functional_1, ... as Keras 3 does', () => {
    tn.clearSession();
    const make = () => {
      const x = tn.input({ shape: [2] });
      return new tn.Model({ inputs: x, outputs: new Dense(1).apply(x) as tn.SymbolicTensor });
    };
    expect([make().name, make().name]).toEqual(['functional', 'functional_1']);
  });

  it("takes TF.js's inputLayer({ inputShape }) and Keras's Input / batchShape spellings", () => {
    expect(tn.layers.inputLayer({ inputShape: [3] }).batchInputShape).toEqual([null, 3]);
    expect(new tn.layers.InputLayer({ batchShape: [4, 3] }).batchInputShape).toEqual([4, 3]);
    const x = tn.layers.Input({ shape: [5] });
    expect(x.shape).toEqual([null, 5]);
    expect(tn.Input({ shape: [2, 2] }).shape).toEqual([null, 2, 2]);
    const model = new tn.Model({ inputs: x, outputs: new Dense(2).apply(x) as tn.SymbolicTensor });
    expect((model.predict(tn.zeros([3, 5])) as tn.Tensor).shape).toEqual([3, 2]);
  });

  it("a Sequential with a known input shape has inputs, outputs and each layer's output, to cut a feature extractor out of it", () => {
    const seq = new tn.Sequential([
      new Conv2D(4, 3, { activation: 'relu', inputShape: [8, 8, 1] }), new MaxPooling2D(2), new tn.layers.Flatten(), new Dense(5, { activation: 'relu' }), new Dense(3),
    ]);
    expect(seq.inputs.map((t) => t.shape)).toEqual([[null, 8, 8, 1]]);
    expect(seq.outputs.map((t) => t.shape)).toEqual([[null, 3]]);
    expect((seq.input as tn.SymbolicTensor).shape).toEqual([null, 8, 8, 1]);
    expect((seq.layers[3].output as tn.SymbolicTensor).shape).toEqual([null, 5]);
    const features = new tn.Model({ inputs: seq.inputs, outputs: seq.layers[3].output as tn.SymbolicTensor });
    const x = tn.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 3);
    // The extractor shares the layers (and weights): its output is what the full model's fourth layer computes.
    let h: tn.Tensor = x;
    for (const l of seq.layers.slice(0, 4)) h = l.apply(h);
    expect(Array.from((features.predict(x) as tn.Tensor).data())).toEqual(Array.from(h.data()));
    expect(features.layers.length).toBe(5);
    // getLayer by name, by index (negative from the end, as in Python), and TF.js's getLayer(undefined, index).
    expect(seq.getLayer(-1)).toBe(seq.layers[4]);
    expect(seq.getLayer(undefined, 1)).toBe(seq.layers[1]);
    expect(seq.getLayer(seq.layers[2].name)).toBe(seq.layers[2]);
    expect(() => seq.getLayer(9)).toThrow(/index 9 but model only has 5 layers/);
    // pop() moves the outputs back; a model built from data gets its graph then.
    seq.pop();
    expect(seq.outputs[0].shape).toEqual([null, 5]);
    const late = new tn.Sequential([new Dense(2)]);
    expect(late.inputs).toEqual([]);
    expect(() => late.layers[0].output).toThrow(/has never been called on a symbolic input/);
    late.predict(tn.zeros([1, 4]));
    expect((late.output as tn.SymbolicTensor).shape).toEqual([null, 2]);
  });

  it('validates arguments in the constructor with Keras messages', () => {
    expect(() => new Dense(0)).toThrow('Dense: received an invalid value for `units`, expected a positive integer. Received: units=0');
    expect(() => new Conv2D(8, [3, 0])).toThrow(/Conv2D: received an invalid value for `kernelSize`/);
    expect(() => new Conv2D(8, 3, { padding: 'full' as never })).toThrow(/Conv2D: received an invalid value for `padding`, expected 'valid' or 'same'/);
    expect(() => new Dropout(1.5)).toThrow(/Dropout: received an invalid value for `rate`/);
    expect(() => new Dense(4, { activation: 'relu7' })).toThrow(/Unknown activation "relu7"\. Known activations: linear, relu/);
    expect(() => new Dense(4, { kernelInitializer: 'glorot' }).apply(tn.zeros([1, 2]))).toThrow(/Unknown initializer "glorot"\. Known initializers: zeros/);
  });
});

describe('layer dtype', () => {
  const policies = ['float32', { name: 'float32' }, { className: 'DTypePolicy', config: { name: 'float32' } }, { class_name: 'DTypePolicy', config: { name: 'float32' } }];

  it('takes the float32 policy in each of Keras\'s spellings and keeps it as \'float32\'', () => {
    for (const dtype of policies) {
      const d = new Dense(2, { dtype: dtype as never });
      expect(d.dtype).toBe('float32');
      expect(d.getConfig().dtype).toBe('float32');
      expect((d.apply(tn.ones([1, 3])) as tn.Tensor).dtype).toBe('float32');
    }
    expect(new Dense(2).dtype).toBe('float32');
  });

  it('rejects any other dtype, naming the layer and the dtype', () => {
    expect(() => new Dense(2, { name: 'head', dtype: 'float64' as never })).toThrow(
      `Dense "head": dtype "float64" is not supported; tensornode computes in float32 or, for products, bfloat16. Pass dtype 'float32' or 'mixed_bfloat16', or leave it out.`,
    );
    for (const dtype of ['bfloat16', 'int32', { className: 'DTypePolicy', config: { name: 'float64' } }, { className: 'QuantizedDTypePolicy', config: { name: 'int8_from_float32' } }, 32]) {
      expect(() => new Conv2D(2, 3, { name: 'features', dtype: dtype as never }), JSON.stringify(dtype)).toThrow(`Conv2D "features": dtype ${JSON.stringify(dtype)} is not supported`);
    }
    // float16 policies say why (see test/mixed-precision.test.ts for mixed_bfloat16, which is accepted).
    for (const dtype of ['float16', 'mixed_float16', { name: 'mixed_float16' }]) {
      expect(() => new Conv2D(2, 3, { name: 'features', dtype: dtype as never }), JSON.stringify(dtype)).toThrow(/Conv2D "features": Policy: '(mixed_)?float16' is not supported: tensornode has no float16 arithmetic/);
    }
  });

  it('lets an input be int32 (indices for an Embedding), and keeps that through save and load', async () => {
    const ids = tn.input({ shape: [4], dtype: 'int32', name: 'ids' });
    expect(ids.dtype).toBe('int32');
    expect(() => tn.input({ shape: [4], dtype: 'float64' as never, name: 'x64' })).toThrow(`InputLayer "x64": dtype "float64" is not supported; tensornode computes in float32 or, for products, bfloat16. Pass dtype 'float32' or 'mixed_bfloat16' (or 'int32' / 'string' for integer or string inputs), or leave it out.`);
    const hidden = new tn.layers.Embedding(10, 3, { dtype: { className: 'DTypePolicy', config: { name: 'float32' } } as never }).apply(ids);
    const model = new tn.Model({ inputs: ids, outputs: new tn.layers.GlobalAveragePooling1D().apply(hidden) });
    const dir = mkdtempSync(join(tmpdir(), 'tensornode-dtype-'));
    try {
      await model.save(join(dir, 'model'));
      const loaded = await tn.loadModel(join(dir, 'model'));
      expect(loaded.layers.map((l) => l.dtype)).toEqual(['int32', 'float32', 'float32']);
      const x = tn.tensor([[1, 2, 3, 9]], [1, 4], 'int32');
      expect((loaded.predict(x) as tn.Tensor).data()).toEqual((model.predict(x) as tn.Tensor).data());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a custom activation function registered with registerKerasSerializable', () => {
  // Keras's @register_keras_serializable on an activation: saved by its registered name, found again when loading.
  function scaledTanh(x: tn.Tensor): tn.Tensor {
    return tn.mul(tn.tanh(x), 1.7159);
  }
  tn.saving.registerKerasSerializable(scaledTanh, { package: 'my_package' });

  it('is saved by name in both formats and computes the same after loading; Keras 3\'s serialized form loads too', async () => {
    const input = tn.input({ shape: [3] });
    const seq = new tn.layers.Reshape([3, 1]).apply(input);
    const h = new tn.layers.LSTM(4, { activation: scaledTanh }).apply(seq);
    const model = new tn.Model({ inputs: input, outputs: new tn.layers.Dense(2, { activation: scaledTanh }).apply(h) });
    expect(model.getLayer(-1).getConfig().activation).toBe('my_package>scaledTanh');
    const x = tn.randomNormal([4, 3], 0, 1, 'float32', 3);
    const want = (model.predict(x) as tn.Tensor).arraySync();
    const dir = mkdtempSync(join(tmpdir(), 'tensornode-activation-'));
    try {
      for (const path of [join(dir, 'model.keras'), join(dir, 'folder')]) {
        await model.save(path);
        const loaded = await tn.loadModel(path);
        expect((loaded.predict(x) as tn.Tensor).arraySync(), path).toEqual(want);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect((new Dense(2, { activation: 'my_package>scaledTanh' }).activation.apply(tn.tensor([1])) as tn.Tensor).dataSync()[0]).toBeCloseTo(1.7159 * Math.tanh(1), 5);
    const topology = model.toJSON(null, false) as unknown as Record<string, any>;
    const dense = topology.config.layers.find((l: { class_name: string }) => l.class_name === 'Dense');
    dense.config.activation = { module: '__main__', class_name: 'function', config: 'my_package>scaledTanh', registered_name: 'my_package>scaledTanh' };
    const rebuilt = await tn.models.modelFromJSON(topology);
    expect(rebuilt.getLayer(-1).getConfig().activation).toBe('my_package>scaledTanh');
    dense.config.activation = { module: '__main__', class_name: 'function', config: 'elsewhere', registered_name: 'elsewhere' };
    await expect(tn.models.modelFromJSON(topology)).rejects.toThrow(/activation names the function "elsewhere", which is not registered: call tn\.saving\.registerKerasSerializable/);
    expect(() => new Dense(2, { activation: 'scaled_tanh_2' })).toThrow(/or a function of your own, registered with tn\.saving\.registerKerasSerializable\(fn\)/);
  });
});

describe("apply's second argument", () => {
  // Keras's positional calls ported as they are: mha(query, value) and layer(x, True).
  it('is the call options: a tensor or a flag there is an error saying where it goes', () => {
    const q = tn.input({ shape: [4, 8] });
    const said = /apply's second argument is the call's options \(\{ training, mask, \.\.\. \}\), but it received a tensor; several inputs go in one list, as in apply\(\[query, value\]\)/;
    expect(() => new tn.layers.MultiHeadAttention({ numHeads: 2, keyDim: 4, name: 'mha' }).apply(q, q as never)).toThrow(/^Layer "mha" \(MultiHeadAttention\): apply's second argument/);
    expect(() => new tn.layers.MultiHeadAttention({ numHeads: 2, keyDim: 4 }).apply(tn.ones([1, 4, 8]), tn.ones([1, 4, 8]) as never)).toThrow(said);
    expect(() => new tn.layers.Attention().apply(q, q as never)).toThrow(said);
    // Dense ignored it before and computed on the first tensor alone.
    expect(() => new Dense(3).apply(q, q as never)).toThrow(said);
    expect(() => new tn.layers.Dropout(0.5).apply(tn.ones([2, 2]), true as never)).toThrow(/received true; Keras's layer\(x, True\) is apply\(x, \{ training: true \}\)/);
    expect((new tn.layers.Dropout(0.5).apply(tn.ones([2, 2]), { training: false }) as tn.Tensor).shape).toEqual([2, 2]);
  });
});

describe('Dense', () => {
  const cases = fixture<{ cases: { name: string; inputs: { x: Spec; kernel: Spec; bias: Spec }; upstream: Spec; outputs: { y: Spec }; grads: Record<string, Spec> }[] }>('dense.json').cases;
  for (const c of cases) {
    it(`matches the reference ${c.name} (output and gradients)`, () => {
      const layer = new Dense(c.inputs.kernel.shape[1]);
      const x = toTensor(c.inputs.x);
      layer.apply(x);
      layer.setWeights([toTensor(c.inputs.kernel), toTensor(c.inputs.bias)]);
      const up = toTensor(c.upstream);
      const y = layer.apply(x) as tn.Tensor;
      expectClose(y, c.outputs.y, 1e-4, 1e-5, 'y');
      const [gk, gb] = tn.gradients(tn.sum(tn.mul(y, up)), [layer.kernel!, layer.bias!]);
      expectClose(gk, c.grads.kernel, 1e-4, 1e-5, 'd kernel');
      expectClose(gb, c.grads.bias, 1e-4, 1e-5, 'd bias');
      const dx = tn.grad((xx: tn.Tensor) => tn.sum(tn.mul(layer.apply(xx) as tn.Tensor, up)))(x);
      expectClose(dx, c.grads.x, 1e-4, 1e-5, 'dx');
    });
  }

  it('builds from the input shape, counts and exchanges its weights, and describes itself', () => {
    const d = new Dense(4, { activation: 'tanh', useBias: true });
    expect(() => d.countParams()).toThrow(/isn't built/);
    d.apply(tn.zeros([2, 3]));
    expect(d.countParams()).toBe(16);
    expect(d.weights.map((w) => w.shape)).toEqual([[3, 4], [4]]);
    const ws = d.getWeights();
    ws[1] = tn.ones([4]);
    d.setWeights(ws);
    expect(Array.from(d.bias!.data())).toEqual([1, 1, 1, 1]);
    expect(() => d.setWeights([tn.zeros([3, 4])])).toThrow(/expects 2 weights, but setWeights received 1/);
    expect(() => d.setWeights([tn.zeros([4, 4]), tn.zeros([4])])).toThrow(/has shape \(3, 4\), but setWeights received shape \(4, 4\)/);
    expect(d.getConfig()).toMatchObject({ name: d.name, units: 4, activation: 'tanh', useBias: true, trainable: true });
    // Dense applies to the last axis of any rank.
    expect((d.apply(tn.zeros([5, 2, 3])) as tn.Tensor).shape).toEqual([5, 2, 4]);
  });

  it('initialises kernels with glorot_uniform and biases with zeros; seeds repeat', () => {
    const d = new Dense(200, { kernelInitializer: new tn.initializers.GlorotUniform({ seed: 3 }) });
    d.apply(tn.zeros([1, 300]));
    const k = Array.from(d.kernel!.data());
    const limit = Math.sqrt(6 / 500);
    expect(Math.max(...k)).toBeLessThanOrEqual(limit);
    expect(Math.min(...k)).toBeGreaterThanOrEqual(-limit);
    const variance = k.reduce((s, v) => s + v * v, 0) / k.length;
    expect(variance).toBeCloseTo(limit * limit / 3, 3);
    expect(Array.from(d.bias!.data()).every((v) => v === 0)).toBe(true);
    const again = new Dense(200, { kernelInitializer: new tn.initializers.GlorotUniform({ seed: 3 }) });
    again.apply(tn.zeros([1, 300]));
    expect(Array.from(again.kernel!.data())).toEqual(k);
  });

  it('rejects an input whose last axis does not match, naming the layer and shapes', () => {
    const d = new Dense(2);
    d.apply(tn.zeros([1, 3]));
    expect(() => d.apply(tn.zeros([1, 5]))).toThrow('Input 0 of layer "dense" is incompatible with the layer: expected axis -1 of input shape to have value 3, but received input with shape (1, 5)');
  });

  it('adds kernel regularization penalties to its losses', () => {
    const d = new Dense(1, { kernelRegularizer: tn.regularizers.l2({ l2: 0.5 }), kernelInitializer: 'ones' });
    d.apply(tn.zeros([1, 2]));
    expect(d.losses.map((l) => l.item())).toEqual([1]);
    const l1 = new Dense(1, { kernelRegularizer: 'l1', kernelInitializer: 'ones' });
    l1.apply(tn.zeros([1, 3]));
    expect(l1.losses[0].item()).toBeCloseTo(0.03, 6);
  });
});

describe('convolution and pooling layers', () => {
  it('Conv2D computes output shapes for valid/same, strides and dilation', () => {
    const x = tn.zeros([2, 28, 28, 1]);
    expect((new Conv2D(32, 3).apply(x) as tn.Tensor).shape).toEqual([2, 26, 26, 32]);
    expect((new Conv2D(8, 3, { padding: 'same' }).apply(x) as tn.Tensor).shape).toEqual([2, 28, 28, 8]);
    expect((new Conv2D(8, 3, { strides: 2, padding: 'same' }).apply(x) as tn.Tensor).shape).toEqual([2, 14, 14, 8]);
    expect((new Conv2D(8, 3, { dilationRate: 2 }).apply(x) as tn.Tensor).shape).toEqual([2, 24, 24, 8]);
    const c = new Conv2D(4, [3, 3], { useBias: false });
    c.apply(tn.zeros([1, 5, 5, 2]));
    expect(c.weights.map((w) => w.shape)).toEqual([[3, 3, 2, 4]]);
    expect(() => c.apply(tn.zeros([1, 5, 5]))).toThrow(/Input 0 of layer "conv2d_4" is incompatible with the layer: expected ndim=4, found ndim=3/);
  });

  it('Conv2D matches a direct computation', () => {
    const c = new Conv2D(2, [2, 2], { activation: 'relu' });
    const x = tn.randomNormal([1, 3, 3, 1], 0, 1, 'float32', 5);
    const y = c.apply(x) as tn.Tensor;
    const k = c.kernel!.data();
    const xv = x.data();
    const expected: number[] = [];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) for (let o = 0; o < 2; o++) {
      let s = 0;
      for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) s += xv[(i + a) * 3 + j + b] * k[(a * 2 + b) * 2 + o];
      expected.push(Math.max(0, s));
    }
    expectClose(y, expected, 1e-5, 1e-6, 'conv output');
  });

  it('pooling layers reduce as Keras does', () => {
    const x = tn.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], [1, 4, 4, 1]);
    expect(Array.from((new MaxPooling2D([2, 2]).apply(x) as tn.Tensor).data())).toEqual([6, 8, 14, 16]);
    expect(Array.from((new AveragePooling2D(2).apply(x) as tn.Tensor).data())).toEqual([3.5, 5.5, 11.5, 13.5]);
    expect((new MaxPooling2D({ poolSize: 3, strides: 2, padding: 'same' }).apply(x) as tn.Tensor).shape).toEqual([1, 2, 2, 1]);
    expect(Array.from((new GlobalAveragePooling2D().apply(x) as tn.Tensor).data())).toEqual([8.5]);
    expect((new GlobalMaxPooling2D({ keepdims: true }).apply(x) as tn.Tensor).shape).toEqual([1, 1, 1, 1]);
  });

  it('global 2-D pooling takes dataFormat: channels first pools axes 2 and 3, as Keras does', () => {
    // x [batch 2, h 2, w 3, channels 4] with distinct values; xf is the same data as [batch, channels, h, w].
    const x = tn.tensor(Array.from({ length: 48 }, (_, i) => ((i * 37) % 48) - 20), [2, 2, 3, 4]);
    const xf = tn.transpose(x, [0, 3, 1, 2]);
    for (const [Cls, reduce] of [[GlobalAveragePooling2D, tn.mean], [GlobalMaxPooling2D, tn.max]] as const) {
      const last = new Cls().apply(x) as tn.Tensor;
      for (const dataFormat of ['channels_first', 'channelsFirst'] as const) {
        const first = new Cls({ dataFormat }).apply(xf) as tn.Tensor;
        expect(first.shape).toEqual([2, 4]);
        expect(first.data()).toEqual(last.data());
        expect(first.data()).toEqual(reduce(xf, [2, 3]).data());
      }
      const kept = new Cls({ dataFormat: 'channels_first', keepdims: true });
      expect((kept.apply(xf) as tn.Tensor).shape).toEqual([2, 4, 1, 1]);
      expect(kept.computeOutputShape([null, 4, 2, 3])).toEqual([null, 4, 1, 1]);
      expect(new Cls({ dataFormat: 'channels_first' }).computeOutputShape([null, 4, 2, 3])).toEqual([null, 4]);
      expect(new Cls({ dataFormat: 'channelsLast', keepdims: true }).computeOutputShape([null, 2, 3, 4])).toEqual([null, 1, 1, 4]);
      // the format survives a config round trip (the saved form)
      const again = new Cls(new Cls({ dataFormat: 'channelsFirst' }).getConfig() as never);
      expect(again.dataFormat).toBe('channels_first');
      expect((again.apply(xf) as tn.Tensor).data()).toEqual(last.data());
    }
  });

  it('global 2-D pooling rejects an unknown dataFormat and a non-boolean keepdims', () => {
    expect(() => new GlobalAveragePooling2D({ dataFormat: 'NCHW' as never })).toThrow(
      'GlobalAveragePooling2D: received an invalid value for `dataFormat`, expected \'channels_last\' or \'channels_first\'. Received: dataFormat="NCHW"',
    );
    expect(() => new GlobalMaxPooling2D({ keepdims: 1 as never })).toThrow('GlobalMaxPooling2D: received an invalid value for `keepdims`, expected a boolean. Received: keepdims=1');
    expect(() => new GlobalMaxPooling2D({ dataFormat: 'channels_first' }).apply(tn.zeros([2, 3, 4]))).toThrow(/expected ndim=4, found ndim=3/);
  });
});

describe('shape and utility layers', () => {
  it('Flatten, Reshape and Activation', () => {
    expect((new Flatten().apply(tn.zeros([2, 3, 4])) as tn.Tensor).shape).toEqual([2, 12]);
    expect((new Reshape([3, -1]).apply(tn.zeros([2, 12])) as tn.Tensor).shape).toEqual([2, 3, 4]);
    expect(() => new Reshape([5]).apply(tn.zeros([2, 12]))).toThrow(/cannot reshape input of shape \[2,12\]/);
    // A symbolic input of known size is checked when the model is built, as Keras does (it divided to 3.33 before).
    expect(() => new Reshape([-1, 3], { name: 'r' }).apply(tn.input({ shape: [10] }))).toThrow('Layer "r": the total size of the new array must be unchanged: cannot reshape input of shape (None, 10) (10 values per sample) to target shape [-1,3]');
    expect(() => new tn.Sequential([new tn.layers.Dense(10, { inputShape: [4] }), new Reshape([3, 3])])).toThrow(/cannot reshape input of shape \(None, 10\)/);
    expect(new Reshape([-1, 2]).apply(tn.input({ shape: [3, 4] })).shape).toEqual([null, 6, 2]);
    expect(new Reshape([-1, 2]).apply(tn.input({ shape: [null, 4] })).shape).toEqual([null, null, 2]);
    expect(Array.from((new Activation('relu').apply(tn.tensor([-1, 2])) as tn.Tensor).data())).toEqual([0, 2]);
    const sm = new Activation('softmax').apply(tn.tensor([[0, 0]])) as tn.Tensor;
    expect(Array.from(sm.data())).toEqual([0.5, 0.5]);
  });

  it("Concatenate names itself and the shapes when a model of unknown image size meets sizes that do not join", () => {
    const inputs = tn.input({ shape: [null, null, 3] });
    const c1 = new tn.layers.Conv2D(4, 3, { padding: 'same' }).apply(inputs);
    const up = new tn.layers.UpSampling2D(2).apply(new tn.layers.MaxPooling2D(2).apply(c1));
    const model = new tn.Model(inputs, new tn.layers.Concatenate({ name: 'skip' }).apply([up, c1]));
    expect((model.predict(tn.zeros([1, 8, 6, 3])) as tn.Tensor).shape).toEqual([1, 8, 6, 8]);
    expect(() => model.predict(tn.zeros([1, 7, 7, 3]))).toThrow('Layer "skip" (Concatenate) requires inputs with matching shapes except for the concatenation axis. Received: input_shape=(1, 6, 6, 4), (1, 7, 7, 4)');
  });

  it('Dropout drops only in training, scaling the kept values', () => {
    const d = new Dropout(0.5, { seed: 1 });
    const x = tn.ones([1000]);
    expect((d.apply(x) as tn.Tensor).data()).toEqual(x.data());
    const y = (d.apply(x, { training: true }) as tn.Tensor).data();
    const kept = y.filter((v) => v !== 0);
    expect(kept.every((v) => v === 2)).toBe(true);
    expect(kept.length).toBeGreaterThan(400);
    expect(kept.length).toBeLessThan(600);
  });

  it('Dropout masks: the kept fraction and its spread, repeatable with a seed, new on every call, any rate', () => {
    const x = tn.ones([200000]);
    for (const rate of [0.1, 0.5, 0.9]) {
      const keep = 1 - rate;
      const y = (new Dropout(rate).apply(x, { training: true }) as tn.Tensor).data();
      let kept = 0;
      for (const v of y) if (v !== 0) kept++;
      // Binomial: the kept count is within 5 standard deviations of its mean.
      const sd = Math.sqrt(y.length * keep * (1 - keep));
      expect(Math.abs(kept - y.length * keep), `rate ${rate}`).toBeLessThan(5 * sd);
      expect(y.every((v) => v === 0 || v === Math.fround(1 / keep))).toBe(true);
      // No runs: neighbouring elements are independent (a kept element is followed by a kept one keep of the time).
      let pairs = 0;
      for (let i = 1; i < y.length; i++) if (y[i] !== 0 && y[i - 1] !== 0) pairs++;
      expect(Math.abs(pairs / kept - keep), `rate ${rate} neighbours`).toBeLessThan(0.01);
    }
    const a = new Dropout(0.3, { seed: 5 });
    const b = new Dropout(0.3, { seed: 5 });
    const first = (a.apply(x, { training: true }) as tn.Tensor).data();
    expect((b.apply(x, { training: true }) as tn.Tensor).data()).toEqual(first);
    expect((a.apply(x, { training: true }) as tn.Tensor).data()).not.toEqual(first);
  });

  it('Dropout noiseShape shares one mask entry along the axes of size 1, as Keras does', () => {
    const x = randomTensor([4, 50, 6], 3, 0.5, 2);
    const keep = 1 - 0.4;
    // [null, 1, 6]: one mask per (sample, channel), shared by all 50 steps (Keras's SpatialDropout1D).
    const y = (new Dropout(0.4, { noiseShape: [null, 1, 6] }).apply(x, { training: true }) as tn.Tensor).data();
    const xv = x.data();
    let keptColumns = 0;
    for (let b = 0; b < 4; b++) {
      for (let c = 0; c < 6; c++) {
        const scale = y[(b * 50) * 6 + c] / xv[(b * 50) * 6 + c];
        expect(scale === 0 || Math.abs(scale - 1 / keep) < 1e-6, `scale ${scale}`).toBe(true);
        for (let t = 0; t < 50; t++) expect(y[(b * 50 + t) * 6 + c], `sample ${b} step ${t} channel ${c}`).toBeCloseTo(xv[(b * 50 + t) * 6 + c] * scale, 5);
        if (scale !== 0) keptColumns++;
      }
    }
    // Of 24 columns some are kept and some dropped (with a 0.6 keep rate, all-or-none has chance < 1e-5).
    expect(keptColumns).toBeGreaterThan(0);
    expect(keptColumns).toBeLessThan(24);
    // [1, 50, 1]: one mask over the steps, shared by every sample and channel.
    const z = (new Dropout(0.4, { noiseShape: [1, 50, 1] }).apply(x, { training: true }) as tn.Tensor).data();
    for (let t = 0; t < 50; t++) {
      const dropped = z[t * 6] === 0;
      for (let b = 0; b < 4; b++) for (let c = 0; c < 6; c++) expect(z[(b * 50 + t) * 6 + c] === 0, `step ${t}`).toBe(dropped);
    }
  });

  it('Dropout passes the gradient through its mask, with and without noiseShape', () => {
    for (const noiseShape of [undefined, [null, 1, 3]]) {
      const d = new Dropout(0.5, { noiseShape });
      const x = randomTensor([2, 5, 3], 4);
      // The same mask on every evaluation: the global seed is reset before each call.
      const f = (t: tn.Tensor) => {
        tn.setSeed(17);
        return d.apply(t, { training: true }) as tn.Tensor;
      };
      const [g] = gradCheck(f, [x]);
      const y = f(x).data();
      const xv = x.data();
      // Where the mask dropped an element its gradient is 0; elsewhere it is r * 2, so never 0.
      g.data().forEach((v, i) => expect(v === 0, `element ${i}`).toBe(y[i] === 0 && xv[i] !== 0));
    }
  });

  it('merge layers combine lists of tensors', () => {
    const a = tn.tensor([[1, 2]]);
    const b = tn.tensor([[3, 4]]);
    expect(Array.from((new Add().apply([a, b]) as tn.Tensor).data())).toEqual([4, 6]);
    expect(Array.from((new Multiply().apply([a, b]) as tn.Tensor).data())).toEqual([3, 8]);
    expect((new Concatenate().apply([a, b]) as tn.Tensor).shape).toEqual([1, 4]);
    expect(() => new Add().apply([a])).toThrow(/should be called on a list of at least 2 inputs/);
  });
});

describe('ops given a functional model\'s symbolic tensors', () => {
  // Keras 3 builds op nodes from `x + inputs` on KerasTensors; a port writes tn.add(x, inputs), which has no symbolic
  // form here and must say so and point to the layers, not fail to convert "an object".
  it('are errors naming the op, the tensor and the layer to use', () => {
    const inputs = tn.input({ shape: [4] });
    const x = new tn.layers.Dense(4, { name: 'proj' }).apply(inputs) as tn.SymbolicTensor;
    const sym = x as unknown as tn.Tensor;
    const said = /a functional model's symbolic tensor; .*tn\.layers\.add\(\[a, b\]\)/;
    expect(() => tn.add(sym, inputs as unknown as tn.Tensor)).toThrow(/^add: received <SymbolicTensor shape=\(None, 4\), dtype=float32, name=proj>/);
    expect(() => tn.add(sym, inputs as unknown as tn.Tensor)).toThrow(said);
    expect(() => tn.mul(sym, 2)).toThrow(/^mul: received <SymbolicTensor/);
    expect(() => tn.concat([sym, sym], -1)).toThrow(/^concat: received <SymbolicTensor/);
    expect(() => tn.reshape(sym, [-1, 2, 2])).toThrow(said);
    // The layer form builds the model.
    const res = tn.layers.add([x, inputs]) as tn.SymbolicTensor;
    const model = new tn.Model({ inputs, outputs: res });
    expect((model.predict(tn.ones([2, 4])) as tn.Tensor).shape).toEqual([2, 4]);
  });
});
