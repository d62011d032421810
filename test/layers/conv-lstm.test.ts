// ConvLSTM1D, ConvLSTM2D and ConvLSTM3D: values and gradients against float64 PyTorch written per gate as Keras's
// ConvLSTMCell computes them (test/fixtures/conv-lstm.json, from conv-lstm.py), finite differences, shapes and
// states, dropout, training on a task only motion can solve, saving, Keras 3's and TF.js's configs, and the errors.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { layerFromKeras, layerToKeras } from '../../lib/io/keras-config.js';
import { gradCheck, randomTensor, variableGradCheck } from '../helpers/gradcheck.js';
import { layerFixtureTests } from '../helpers/layer-fixtures.js';

const L = tn.layers;
const root = mkdtempSync(join(tmpdir(), 'tensornode-conv-lstm-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeEach(() => tn.clearSession());

describe('against float64 PyTorch (Keras\'s per-gate convolutions)', () => {
  layerFixtureTests('conv-lstm');
});

describe('finite differences', () => {
  it('ConvLSTM2D and ConvLSTM1D with non-default activations, from a given initial state', () => {
    const layer2 = new L.ConvLSTM2D(2, 2, { padding: 'same', activation: 'softsign', recurrentActivation: 'hard_sigmoid', returnSequences: true });
    const x2 = randomTensor([1, 2, 3, 3, 2], 4, -1, 1);
    const h0 = randomTensor([1, 3, 3, 2], 5, -1, 1);
    const c0 = randomTensor([1, 3, 3, 2], 6, -1, 1);
    layer2.apply(x2, { initialState: [h0, c0] });
    for (const w of layer2.weights) w.assign(randomTensor(w.shape, 7, -0.5, 0.5));
    gradCheck((v, h, c) => layer2.apply(v, { initialState: [h, c] }) as tn.Tensor, [x2, h0, c0]);
    variableGradCheck(() => layer2.apply(x2) as tn.Tensor, layer2.trainableWeights);
    const layer1 = new L.ConvLSTM1D(3, 2, { strides: 2 });
    const x1 = randomTensor([2, 3, 5, 2], 8, -1, 1);
    layer1.apply(x1);
    for (const w of layer1.weights) w.assign(randomTensor(w.shape, 9, -0.5, 0.5));
    gradCheck((v) => layer1.apply(v) as tn.Tensor, [x1]);
    variableGradCheck(() => layer1.apply(x1) as tn.Tensor, layer1.trainableWeights);
  });
});

describe('ConvLSTM2D', () => {
  it('has Keras\'s weights, defaults, output shapes and states', () => {
    const layer = new L.ConvLSTM2D(4, 3);
    const y = layer.apply(tn.zeros([2, 5, 7, 6, 3])) as tn.Tensor;
    expect(y.shape).toEqual([2, 5, 4, 4]);
    expect(layer.weights.map((w) => [w.name, w.shape])).toEqual([
      ['conv_lstm2d/kernel', [3, 3, 3, 16]], ['conv_lstm2d/recurrent_kernel', [3, 3, 4, 16]], ['conv_lstm2d/bias', [16]],
    ]);
    // unitForgetBias: the forget gate's quarter of the bias starts at 1.
    expect(Array.from(layer.weights[2].data())).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect([layer.activation.name, layer.recurrentActivation.name, layer.padding, layer.strides]).toEqual(['tanh', 'sigmoid', 'valid', [1, 1]]);
    const seq = new L.ConvLSTM2D({ filters: 2, kernelSize: [3, 2], strides: 2, padding: 'same', returnSequences: true, returnState: true });
    expect(seq.computeOutputShape([null, 4, 9, null, 1])).toEqual([[null, 4, 5, null, 2], [null, 5, null, 2], [null, 5, null, 2]]);
    const [out, h, c] = seq.apply(tn.ones([3, 4, 9, 8, 1])) as unknown as tn.Tensor[];
    expect([out.shape, h.shape, c.shape]).toEqual([[3, 4, 5, 4, 2], [3, 5, 4, 2], [3, 5, 4, 2]]);
    // The returned h is the last step's output.
    expect(Array.from(tn.slice(out, [0, 3, 0, 0, 0], [3, 1, 5, 4, 2]).data())).toEqual(Array.from(h.data()));
  });

  it('continues from the states it returned, and a stateful layer carries them between batches', () => {
    const x = randomTensor([2, 4, 5, 5, 1], 1, -1, 1);
    const whole = new L.ConvLSTM2D(2, 3, { padding: 'same', returnState: true });
    const [yWhole] = whole.apply(x) as unknown as tn.Tensor[];
    const half = new L.ConvLSTM2D(2, 3, { padding: 'same', returnState: true });
    half.apply(tn.slice(x, [0, 0, 0, 0, 0], [2, 2, 5, 5, 1]));
    half.setWeights(whole.getWeights());
    const [, h, c] = half.apply(tn.slice(x, [0, 0, 0, 0, 0], [2, 2, 5, 5, 1])) as unknown as tn.Tensor[];
    const [yHalves] = half.apply(tn.slice(x, [0, 2, 0, 0, 0], [2, 2, 5, 5, 1]), { initialState: [h, c] }) as unknown as tn.Tensor[];
    expect(Array.from(yHalves.data())).toEqual(Array.from(yWhole.data()));

    const stateful = new L.ConvLSTM2D(2, 3, { padding: 'same', stateful: true, batchInputShape: [2, 2, 5, 5, 1] });
    stateful.apply(tn.slice(x, [0, 0, 0, 0, 0], [2, 2, 5, 5, 1]));
    stateful.setWeights(whole.getWeights());
    stateful.resetStates();
    stateful.apply(tn.slice(x, [0, 0, 0, 0, 0], [2, 2, 5, 5, 1]));
    const carried = stateful.apply(tn.slice(x, [0, 2, 0, 0, 0], [2, 2, 5, 5, 1])) as tn.Tensor;
    expect(Array.from(carried.data())).toEqual(Array.from(yWhole.data()));
    expect(stateful.states!.map((s) => s.shape)).toEqual([[2, 5, 5, 2], [2, 5, 5, 2]]);
    stateful.resetStates();
    expect(Math.max(...stateful.states!.map((s) => Math.max(...Array.from(s.data()).map(Math.abs))))).toBe(0);
    expect(() => stateful.resetStates([tn.zeros([2, 5, 5, 3]), tn.zeros([2, 5, 5, 2])])).toThrow("state 0 must have shape [2,5,5,2] (the layer's batch size, 2, first), received [2,5,5,3]");
  });

  it('masks steps as the other recurrent layers do: a masked step keeps the states', () => {
    const layer = new L.ConvLSTM2D(2, 2, { padding: 'same', returnSequences: true });
    const x = randomTensor([2, 3, 3, 3, 1], 2, -1, 1);
    const mask = tn.tensor([1, 1, 0, 1, 1, 1], [2, 3]);
    const y = layer.apply(x, { mask }) as tn.Tensor;
    const y0 = tn.slice(y, [0, 1, 0, 0, 0], [1, 1, 3, 3, 2]);
    const y0masked = tn.slice(y, [0, 2, 0, 0, 0], [1, 1, 3, 3, 2]);
    expect(Array.from(y0masked.data())).toEqual(Array.from(y0.data()));
    const unmasked = layer.apply(x) as tn.Tensor;
    expect(Array.from(tn.slice(y, [1, 0, 0, 0, 0], [1, 3, 3, 3, 2]).data())).toEqual(Array.from(tn.slice(unmasked, [1, 0, 0, 0, 0], [1, 3, 3, 3, 2]).data()));
  });

  it('drops inputs and states in training only, the same positions at every step', () => {
    tn.setSeed(3);
    const layer = new L.ConvLSTM2D(2, 3, { padding: 'same', dropout: 0.5, recurrentDropout: 0.5 });
    const x = tn.ones([2, 3, 4, 4, 1]);
    const inference = Array.from((layer.apply(x) as tn.Tensor).data());
    expect(Array.from((layer.apply(x) as tn.Tensor).data())).toEqual(inference);
    const trained = Array.from((layer.apply(x, { training: true }) as tn.Tensor).data());
    expect(trained).not.toEqual(inference);
    const plain = new L.ConvLSTM2D(2, 3, { padding: 'same' });
    plain.apply(x);
    plain.setWeights(layer.getWeights());
    expect(Array.from((plain.apply(x) as tn.Tensor).data())).toEqual(inference);
  });

  it('learns the direction a dot moves in over frames, which no single frame shows', async () => {
    tn.setSeed(1);
    const T = 5, H = 8, W = 8;
    let s = 7;
    const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
    const data = (n: number): [tn.Tensor, tn.Tensor] => {
      const x = new Float32Array(n * T * H * W);
      const y = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const right = i % 2;
        y[i] = right;
        const row = Math.floor(rand() * H);
        let col = right ? Math.floor(rand() * 3) : 7 - Math.floor(rand() * 3);
        for (let k = 0; k < T; k++, col += right ? 1 : -1) x[((i * T + k) * H + row) * W + col] = 1;
      }
      return [tn.tensor(x, [n, T, H, W, 1]), tn.tensor(y, [n], 'int32')];
    };
    const model = new tn.Sequential([
      new L.ConvLSTM2D(4, 3, { padding: 'same', inputShape: [T, H, W, 1] }),
      new L.GlobalAveragePooling2D(),
      new L.Dense(2, { activation: 'softmax' }),
    ]);
    model.compile({ optimizer: new tn.optimizers.Adam({ learningRate: 0.02 }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const [x, y] = data(256);
    await model.fit(x, y, { epochs: 20, batchSize: 32, verbose: 0 });
    const [xTest, yTest] = data(128);
    const [, accuracy] = await model.evaluate(xTest, yTest, { verbose: 0 });
    expect(accuracy).toBeGreaterThan(0.95);
  });

  it('saves and loads through a TF.js folder and a .keras file with the same outputs', async () => {
    const model = new tn.Sequential([
      new L.ConvLSTM2D(3, 2, { padding: 'same', returnSequences: true, inputShape: [3, 5, 5, 2] }),
      new L.ConvLSTM2D(2, 3, { activation: 'relu', unitForgetBias: false }),
      new L.Flatten(),
      new L.Dense(1),
    ]);
    const x = randomTensor([2, 3, 5, 5, 2], 3, -1, 1);
    const expected = Array.from((model.predict(x) as tn.Tensor).data());
    for (const target of [join(root, 'tfjs'), join(root, 'model.keras')]) {
      await model.save(target);
      const loaded = await tn.loadModel(target);
      expect(loaded.layers.map((l) => l.className), target).toEqual(model.layers.map((l) => l.className));
      expect(Array.from((loaded.predict(x) as tn.Tensor).data()), target).toEqual(expected);
    }
  });

  it('runs both ways in Bidirectional (channels concatenated), saves and loads, and is refused by the ONNX export', async () => {
    const inp = tn.input({ shape: [3, 6, 6, 1] });
    const bi = new L.Bidirectional(new L.ConvLSTM2D(2, 3, { padding: 'same' }));
    const out = new L.Dense(1).apply(new L.Flatten().apply(bi.apply(inp) as tn.SymbolicTensor)) as tn.SymbolicTensor;
    expect(bi.computeOutputShape([null, 3, 6, 6, 1])).toEqual([null, 6, 6, 4]);
    const model = tn.model({ inputs: inp, outputs: out });
    const x = randomTensor([2, 3, 6, 6, 1], 12, -1, 1);
    const y = bi.apply(x) as tn.Tensor;
    // The first two channels are the forward layer's, the last two the backward layer's over the reversed sequence.
    const forward = bi.forwardLayer.apply(x) as tn.Tensor;
    const backward = bi.backwardLayer.apply(x) as tn.Tensor;
    expect(Array.from(y.data())).toEqual(Array.from(tn.concat([forward, backward], -1).data()));
    // With the forward layer's weights, the backward layer gives what the forward one gives on the reversed frames.
    bi.backwardLayer.setWeights(bi.forwardLayer.getWeights());
    const reversed = bi.forwardLayer.apply(tn.reverse(x, 1)) as tn.Tensor;
    expect(Array.from((bi.backwardLayer.apply(x) as tn.Tensor).data())).toEqual(Array.from(reversed.data()));
    const expected = Array.from((model.predict(x) as tn.Tensor).data());
    for (const target of [join(root, 'bi-tfjs'), join(root, 'bi.keras')]) {
      await model.save(target);
      expect(Array.from(((await tn.loadModel(target)).predict(x) as tn.Tensor).data()), target).toEqual(expected);
    }
    await expect(tn.onnx.exportModel(model)).rejects.toThrow(/layer "bidirectional" \(Bidirectional\).*wraps a ConvLSTM2D, which ONNX has no recurrent node for/);
  });

  it('round-trips its config, directly and in Keras\'s spelling, and reads Keras 3\'s and TF.js\'s configs', () => {
    for (const layer of [
      new L.ConvLSTM2D({ filters: 3, kernelSize: [3, 2], strides: [2, 1], padding: 'same', dropout: 0.1, recurrentDropout: 0.2, goBackwards: true, returnState: true }),
      new L.ConvLSTM1D(2, 3, { dilationRate: 2, activation: 'relu', useBias: false }),
      new L.ConvLSTM3D(2, 2, { kernelRegularizer: 'l2', recurrentInitializer: 'glorot_uniform' }),
    ] as tn.Layer[]) {
      const Cls = layer.constructor as new (c: Record<string, unknown>) => tn.Layer;
      expect(new Cls(JSON.parse(JSON.stringify(layer.getConfig()))).getConfig(), layer.className).toEqual(layer.getConfig());
      const viaKeras = layerFromKeras(JSON.parse(JSON.stringify(layerToKeras(layer))));
      expect(viaKeras.constructor, layer.className).toBe(layer.constructor);
      expect(viaKeras.getConfig(), layer.className).toEqual(layer.getConfig());
    }
    const initializer = (name: string) => ({ module: 'keras.initializers', class_name: name, config: { seed: null }, registered_name: null });
    const keras3 = layerFromKeras({
      module: 'keras.layers', class_name: 'ConvLSTM2D', registered_name: null,
      config: {
        name: 'conv_lstm2d', trainable: true, dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null },
        filters: 8, kernel_size: [3, 3], strides: [1, 1], padding: 'same', data_format: 'channels_last', dilation_rate: [1, 1],
        activation: 'tanh', recurrent_activation: 'sigmoid', use_bias: true, kernel_initializer: initializer('GlorotUniform'),
        recurrent_initializer: initializer('Orthogonal'), bias_initializer: { module: 'keras.initializers', class_name: 'Zeros', config: {}, registered_name: null },
        unit_forget_bias: true, kernel_regularizer: null, recurrent_regularizer: null, bias_regularizer: null, activity_regularizer: null,
        kernel_constraint: null, recurrent_constraint: null, bias_constraint: null, dropout: 0.0, recurrent_dropout: 0.0, seed: null,
        return_sequences: true, return_state: false, go_backwards: false, stateful: false,
      },
    }) as InstanceType<typeof L.ConvLSTM2D>;
    expect([keras3.filters, keras3.kernelSize, keras3.padding, keras3.returnSequences]).toEqual([8, [3, 3], 'same', true]);
    // TF.js's convLstm2d writes Keras 2's keys, with hard_sigmoid (Keras 2's) as its recurrent activation.
    const tfjs = layerFromKeras({
      class_name: 'ConvLSTM2D',
      config: {
        name: 'conv_lst_m2d', trainable: true, batch_input_shape: [null, 4, 8, 8, 1], dtype: 'float32', filters: 4, kernel_size: [3, 3],
        strides: [1, 1], padding: 'valid', data_format: 'channels_last', dilation_rate: [1, 1], activation: 'tanh',
        recurrent_activation: 'hard_sigmoid', use_bias: true, unit_forget_bias: true, dropout: 0, recurrent_dropout: 0,
        return_sequences: false, return_state: false, go_backwards: false, stateful: false, unroll: false,
        kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } }, recurrent_initializer: { class_name: 'Orthogonal', config: { gain: 1, seed: null } },
        bias_initializer: { class_name: 'Zeros', config: {} }, kernel_regularizer: null, recurrent_regularizer: null, bias_regularizer: null,
        activity_regularizer: null, kernel_constraint: null, recurrent_constraint: null, bias_constraint: null,
      },
    }) as InstanceType<typeof L.ConvLSTM2D>;
    expect([tfjs.filters, tfjs.recurrentActivation.name]).toEqual([4, 'hard_sigmoid_legacy']);
    expect((tfjs.apply(tn.zeros([1, 4, 8, 8, 1])) as tn.Tensor).shape).toEqual([1, 6, 6, 4]);
  });

  it('TF.js\'s factories and Keras\'s positional forms build the same layers', () => {
    const config = (l: tn.Layer) => ({ ...l.getConfig(), name: undefined });
    // TF.js's convLstm2d keeps TF.js's default recurrent activation, Keras 2's hard sigmoid.
    expect(config(L.convLstm2d({ filters: 2, kernelSize: 3 }))).toEqual(config(new L.ConvLSTM2D(2, 3, { recurrentActivation: 'hard_sigmoid_legacy' })));
    expect(config(L.convLstm1d({ filters: 2, kernelSize: [3] }))).toEqual(config(new L.ConvLSTM1D({ filters: 2, kernelSize: 3 })));
    expect(config(L.convLstm3d({ filters: 1, kernelSize: 2, padding: 'same' }))).toEqual(config(new L.ConvLSTM3D(1, 2, { padding: 'same' })));
  });

  it('refuses bad options and inputs, naming the layer and the shapes', () => {
    expect(() => new L.ConvLSTM2D({ kernelSize: 3 })).toThrow('ConvLSTM2D: received an invalid value for `filters`');
    expect(() => new L.ConvLSTM2D({ filters: 2 })).toThrow('ConvLSTM2D: received an invalid value for `kernelSize`');
    expect(() => new L.ConvLSTM2D(2, [3, 3, 3])).toThrow('ConvLSTM2D: received an invalid value for `kernelSize`, expected a positive integer or a list of 2 positive integers');
    expect(() => new L.ConvLSTM2D(2, 3, { padding: 'causal' as 'same' })).toThrow("ConvLSTM2D: received an invalid value for `padding`, expected 'valid' or 'same'");
    expect(() => new L.ConvLSTM2D(2, 3, { strides: 2, dilationRate: 2 })).toThrow('ConvLSTM2D: strides > 1 are not compatible with dilationRate > 1');
    expect(() => new L.ConvLSTM2D(2, 3, { dropout: 1 })).toThrow('ConvLSTM2D: received an invalid value for `dropout`');
    expect(() => new L.ConvLSTM2D(2, 3, { paddng: 'same' } as never).apply(tn.zeros([1, 2, 4, 4, 1]))).toThrow(/paddng/);
    // A misspelt call argument would silently start from zero states.
    expect(() => new L.ConvLSTM2D(2, 3).apply(tn.zeros([1, 2, 4, 4, 1]), { initial_state: [] } as never)).toThrow(/initial_state/);
    expect(() => new L.ConvLSTM2D(2, 3, { name: 'clstm' }).apply(tn.zeros([1, 2, 4, 4]))).toThrow('Input 0 of layer "clstm" is incompatible with the layer: expected ndim=5');
    expect(() => new L.ConvLSTM2D(2, 5, { name: 'clstm' }).apply(tn.zeros([1, 2, 4, 4, 1]))).toThrow("Layer \"clstm\" (ConvLSTM2D): the 5x5 kernel does not fit its input of shape (1, 2, 4, 4, 1) with 'valid' padding");
    const layer = new L.ConvLSTM2D(2, 3, { name: 'clstm' });
    expect(() => layer.apply(tn.zeros([1, 2, 5, 5, 1]), { initialState: [tn.zeros([1, 3, 3, 3]), tn.zeros([1, 3, 3, 2])] }))
      .toThrow('Layer "clstm" (ConvLSTM2D): initial state 0 must have shape [1,3,3,2], received [1,3,3,3]');
  });
});
