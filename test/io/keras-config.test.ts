// The Keras layer-config mapping (lib/io/keras-config.ts) class by class: Keras 2 / TF.js and Keras 3 spellings of
// the same layer build the same tensornode layer, and every layer class tensornode exports has an entry.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as tn from '../../lib/index.js';
import { kerasLayerClasses, layerFromKeras, layerToKeras, modelFromKeras } from '../../lib/io/keras-config.js';

beforeEach(() => tn.clearSession());

const L = tn.layers;

describe('the Keras config mapping', () => {
  it('has an entry for every layer class lib/layers exports', () => {
    // RNNCell is the base custom cells extend (TF.js's tf.layers.RNNCell, 906e7fc), never a layer in a file: Keras 3
    // has no class of that name.
    const bases = new Set(['RNNCell']);
    const exported = Object.entries(L).filter(([k, v]) => /^[A-Z]/.test(k) && !bases.has(k) && typeof v === 'function' && (v as { prototype?: unknown }).prototype instanceof tn.Layer).map(([k]) => k);
    expect(exported.length).toBeGreaterThan(25);
    for (const name of exported) expect(Object.keys(kerasLayerClasses), `no Keras mapping for ${name}`).toContain(name);
  });

  it("has Keras 3's aliases (MaxPool1D, GlobalAvgPool1D, Convolution2D, ...) as the same classes, and loads files naming them", async () => {
    const pairs: [unknown, unknown][] = [
      [L.MaxPool1D, L.MaxPooling1D], [L.MaxPool2D, L.MaxPooling2D], [L.MaxPool3D, L.MaxPooling3D],
      [L.AvgPool1D, L.AveragePooling1D], [L.AvgPool2D, L.AveragePooling2D], [L.AvgPool3D, L.AveragePooling3D],
      [L.GlobalMaxPool1D, L.GlobalMaxPooling1D], [L.GlobalMaxPool2D, L.GlobalMaxPooling2D], [L.GlobalMaxPool3D, L.GlobalMaxPooling3D],
      [L.GlobalAvgPool1D, L.GlobalAveragePooling1D], [L.GlobalAvgPool2D, L.GlobalAveragePooling2D], [L.GlobalAvgPool3D, L.GlobalAveragePooling3D],
      [L.Convolution1D, L.Conv1D], [L.Convolution2D, L.Conv2D], [L.Convolution3D, L.Conv3D],
      [L.Convolution1DTranspose, L.Conv1DTranspose], [L.Convolution2DTranspose, L.Conv2DTranspose], [L.Convolution3DTranspose, L.Conv3DTranspose],
      [L.SeparableConvolution1D, L.SeparableConv1D], [L.SeparableConvolution2D, L.SeparableConv2D],
    ];
    for (const [alias, cls] of pairs) expect(alias).toBe(cls);
    // keras.io's speaker recognition block, spelled with the aliases; saved under the classes' own names.
    const input = tn.input({ shape: [16, 1] });
    const h = new L.Convolution1D(4, 3, { padding: 'same' }).apply(input);
    const out = new L.GlobalAvgPool1D().apply(new L.MaxPool1D({ poolSize: 2, strides: 2 }).apply(h));
    const model = new tn.Model({ inputs: input, outputs: out });
    const topology = model.toJSON(null, false) as unknown as { config: { layers: { class_name: string }[] } };
    expect(topology.config.layers.map((l) => l.class_name)).toEqual(['InputLayer', 'Conv1D', 'MaxPooling1D', 'GlobalAveragePooling1D']);
    const renamed = { ['Conv1D']: 'Convolution1D', ['MaxPooling1D']: 'MaxPool1D', ['GlobalAveragePooling1D']: 'GlobalAvgPool1D' } as Record<string, string>;
    for (const l of topology.config.layers) l.class_name = renamed[l.class_name] ?? l.class_name;
    const rebuilt = await tn.models.modelFromJSON(topology);
    expect(rebuilt.layers.map((l) => l.constructor)).toEqual([tn.InputLayer, L.Conv1D, L.MaxPooling1D, L.GlobalAveragePooling1D]);
  });

  it('gives back an equal layer from what it writes, for every built-in class', () => {
    const layers: tn.Layer[] = [
      new L.Dense(7, { activation: 'gelu', useBias: false, kernelInitializer: 'he_normal', kernelRegularizer: tn.regularizers.l1l2({ l1: 0.1, l2: 0.2 }), inputShape: [3] }),
      new L.Conv2D(5, [3, 2], { strides: 2, padding: 'same', activation: 'relu', biasInitializer: new tn.initializers.Constant({ value: 0.5 }), biasRegularizer: 'l2' }),
      new L.Conv2D({ filters: 3, kernelSize: 3, dilationRate: 2, kernelInitializer: new tn.initializers.RandomNormal({ mean: 1, stddev: 0.5, seed: 4 }) }),
      new L.MaxPooling2D([3, 3], { strides: 1, padding: 'same' }), new L.AveragePooling2D(2), new L.GlobalAveragePooling2D({ keepdims: true }),
      new L.GlobalMaxPooling2D(), new L.Flatten(), new L.Reshape([2, -1]), new L.Activation('softplus'), new L.Dropout(0.3, { seed: 9 }),
      new L.BatchNormalization({ axis: 1, momentum: 0.9, epsilon: 0.01, center: false, gammaInitializer: 'glorot_uniform', gammaRegularizer: 'l1' }),
      new L.LayerNormalization({ axis: [1, 2], epsilon: 1e-5, scale: false }),
      new L.Add(), new L.Subtract(), new L.Multiply(), new L.Average(), new L.Maximum(), new L.Minimum(), new L.Concatenate({ axis: 1 }),
      new L.Embedding(100, 8, { inputLength: 12 }), new L.SimpleRNN(4, { activation: 'relu', goBackwards: true }),
      new L.LSTM(5, { returnSequences: true, unitForgetBias: false, recurrentRegularizer: 'l2' }),
      new L.GRU({ units: 6, resetAfter: false, recurrentActivation: 'hard_sigmoid_legacy' }),
      new L.Bidirectional(new L.GRU(3, { returnSequences: true }), { mergeMode: 'ave' }),
      new L.Conv1D(8, 5, { padding: 'causal', dilationRate: 2, activation: 'relu' }), new L.MaxPooling1D(3, { padding: 'same' }),
      new L.AveragePooling1D({ poolSize: 2, strides: 1 }), new L.GlobalAveragePooling1D(), new L.GlobalMaxPooling1D({ keepdims: true }),
      new L.DepthwiseConv2D({ kernelSize: [3, 2], strides: 2, depthMultiplier: 3, padding: 'same', activation: 'relu', useBias: false, depthwiseRegularizer: 'l2' }),
      new L.SeparableConv2D({ filters: 5, kernelSize: 3, dilationRate: 2, pointwiseInitializer: 'he_uniform', pointwiseRegularizer: 'l1' }),
      new L.ReLU({ maxValue: 6, negativeSlope: 0.1, threshold: 0.5 }), new L.ReLU(), new L.LeakyReLU({ alpha: 0.2 }), new L.ELU({ alpha: 0.5 }),
      new L.PReLU({ sharedAxes: [1, 2], alphaInitializer: new tn.initializers.Constant({ value: 0.25 }), alphaRegularizer: 'l2' }),
      new L.Softmax({ axis: 1 }), new L.ThresholdedReLU({ theta: 0.3 }), new L.ZeroPadding1D([2, 1]), new L.ZeroPadding2D({ padding: [[1, 2], [3, 0]] }),
      new L.UpSampling1D(3), new L.UpSampling2D({ size: [2, 3], interpolation: 'bilinear' }), new L.Cropping1D([1, 0]), new L.Cropping2D({ cropping: [[0, 1], [2, 2]] }),
      new L.ZeroPadding2D({ padding: 1, dataFormat: 'channels_first' }), new L.UpSampling2D({ dataFormat: 'channels_first' }), new L.Cropping2D({ cropping: 1, dataFormat: 'channels_first' }),
      new L.RepeatVector({ n: 4 }), new L.Permute({ dims: [3, 1, 2] }), new L.TimeDistributed(new L.Conv2D(2, 3, { activation: 'hard_sigmoid_legacy' })),
      new L.GaussianNoise({ stddev: 0.4, seed: 3 }), new L.GaussianDropout({ rate: 0.2 }), new L.AlphaDropout({ rate: 0.1, noiseShape: [null, 1, 4], seed: 5 }),
      new L.SpatialDropout1D({ rate: 0.3 }), new L.SpatialDropout2D({ rate: 0.4, dataFormat: 'channels_first', seed: 2 }), new L.ActivityRegularization({ l1: 0.01, l2: 0.02 }),
      new L.GroupNormalization({ groups: 4, axis: -1, epsilon: 1e-5, center: false, gammaRegularizer: 'l2' }), new L.UnitNormalization({ axis: [1, 2] }),
      new L.Embedding(20, 4, { maskZero: true }), new L.Masking({ maskValue: -1 }),
      new L.LSTM(3, { stateful: true, returnState: true, recurrentDropout: 0.25, dropout: 0.1, batchInputShape: [4, 5, 2] }),
      new L.GRU(2, { zeroOutputForMask: true, returnSequences: true }),
      new L.SimpleRNNCell(3, { activation: 'relu' }), new L.LSTMCell({ units: 2, unitForgetBias: false, recurrentDropout: 0.5 }), new L.GRUCell(4),
      new L.StackedRNNCells([new L.GRUCell(2, { resetAfter: false }), new L.LSTMCell(3)]),
      new L.RNN(new L.LSTMCell(3), { returnSequences: true, goBackwards: true }),
      new L.RNN([new L.SimpleRNNCell(2), new L.GRUCell(2)], { returnState: true, stateful: true, batchInputShape: [2, 3, 1] }),
      new L.Conv2DTranspose(4, [3, 2], { strides: 2, padding: 'same', outputPadding: [1, 0], activation: 'relu' }), new L.Conv2DTranspose({ filters: 2, kernelSize: 3, dilationRate: 2 }),
      new L.Conv1DTranspose(3, 5, { strides: 2, outputPadding: 1, useBias: false }), new L.Conv2D(6, 3, { groups: 3 }), new L.Conv1D(4, 2, { groups: 2 }),
    ];
    for (const layer of layers) {
      const spec = JSON.parse(JSON.stringify(layerToKeras(layer)));
      expect(spec.class_name).toBe(layer.className);
      expect(Object.keys(spec.config).every((k) => k === k.toLowerCase()), `${layer.className} keys in snake_case`).toBe(true);
      const again = layerFromKeras(spec);
      expect(again.constructor, layer.className).toBe(layer.constructor);
      expect(again.getConfig(), layer.className).toEqual(layer.getConfig());
    }
  });

  it("reads Keras 2's and Keras 3's spelling of a Conv2D the same way", () => {
    const keras2 = {
      class_name: 'Conv2D',
      config: {
        name: 'conv', trainable: true, dtype: 'float32', batch_input_shape: [null, 8, 8, 3], filters: 4, kernel_size: [3, 3], strides: [2, 2],
        padding: 'same', data_format: 'channels_last', dilation_rate: [1, 1], groups: 1, activation: 'relu', use_bias: false,
        kernel_initializer: { class_name: 'VarianceScaling', config: { scale: 2, mode: 'fan_in', distribution: 'truncated_normal', seed: null } },
        bias_initializer: { class_name: 'Zeros', config: {} }, kernel_regularizer: { class_name: 'L1L2', config: { l1: 0, l2: 0.01 } },
        bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null,
      },
    };
    const keras3 = {
      module: 'keras.layers', class_name: 'Conv2D', registered_name: null, build_config: { input_shape: [null, 8, 8, 3] },
      config: {
        ...keras2.config, batch_input_shape: undefined, batch_shape: [null, 8, 8, 3],
        dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null },
        kernel_initializer: { module: 'keras.initializers', class_name: 'VarianceScaling', config: { scale: 2, mode: 'fan_in', distribution: 'truncated_normal', seed: null }, registered_name: null },
        bias_initializer: { module: 'keras.initializers', class_name: 'Zeros', config: {}, registered_name: null },
        kernel_regularizer: { module: 'keras.regularizers', class_name: 'L2', config: { l2: 0.01 }, registered_name: null },
      },
    };
    const a = layerFromKeras(JSON.parse(JSON.stringify(keras2))) as tn.layers.Conv2D;
    const b = layerFromKeras(JSON.parse(JSON.stringify(keras3))) as tn.layers.Conv2D;
    expect(a.getConfig()).toEqual(b.getConfig());
    expect(a.getConfig()).toMatchObject({
      name: 'conv', filters: 4, kernelSize: [3, 3], strides: [2, 2], padding: 'same', useBias: false, activation: 'relu', batchInputShape: [null, 8, 8, 3],
      kernelInitializer: { className: 'VarianceScaling', config: { scale: 2, mode: 'fan_in', distribution: 'truncated_normal' } },
      kernelRegularizer: { className: 'L1L2', config: { l1: 0, l2: 0.01 } },
    });
  });

  it("reads Keras 3's Conv2DTranspose, Conv1DTranspose and grouped Conv2D configs, and refuses groups on a transposed one", () => {
    const k3 = (class_name: string, config: Record<string, unknown>) => layerFromKeras({ module: 'keras.layers', class_name, registered_name: null, config: { name: 'z', trainable: true, data_format: 'channels_last', activity_regularizer: null, kernel_constraint: null, bias_constraint: null, ...config } });
    const t = k3('Conv2DTranspose', { filters: 4, kernel_size: [3, 3], strides: [2, 2], padding: 'same', output_padding: [1, 1], dilation_rate: [1, 1], activation: 'relu', use_bias: true });
    expect(t).toBeInstanceOf(L.Conv2DTranspose);
    expect(t.getConfig()).toMatchObject({ filters: 4, kernelSize: [3, 3], strides: [2, 2], padding: 'same', outputPadding: [1, 1], activation: 'relu' });
    expect(k3('Conv1DTranspose', { filters: 2, kernel_size: [5], strides: [2], padding: 'valid', output_padding: null, dilation_rate: [1] }).getConfig()).toMatchObject({ kernelSize: [5], strides: [2], outputPadding: null });
    expect((k3('Conv2D', { filters: 6, kernel_size: [3, 3], groups: 3 }) as tn.layers.Conv2D).groups).toBe(3);
    expect(() => k3('Conv2DTranspose', { filters: 4, kernel_size: [3, 3], groups: 2 })).toThrow(/groups=2 is not supported: transposed convolutions have no groups/);
    expect(layerToKeras(new L.Conv2DTranspose(2, 3, { outputPadding: null })).config).toMatchObject({ output_padding: null, kernel_size: [3, 3] });
  });

  it("reads Keras 3's and TF.js 1.x's spellings of the newer classes", () => {
    const k3 = (class_name: string, config: Record<string, unknown>) => layerFromKeras({ module: 'keras.layers', class_name, registered_name: null, config: { name: 'z', trainable: true, ...config } });
    expect((k3('LeakyReLU', { negative_slope: 0.05 }) as tn.layers.LeakyReLU).alpha).toBe(0.05);
    expect(k3('ReLU', { max_value: null, negative_slope: 0, threshold: 0 }).getConfig()).toMatchObject({ maxValue: null, negativeSlope: 0, threshold: 0 });
    expect(k3('ReLU', { max_value: 6 }).getConfig()).toMatchObject({ maxValue: 6, negativeSlope: 0, threshold: 0 });
    expect(k3('SpatialDropout1D', { rate: 0.5, seed: null }).getConfig()).toMatchObject({ rate: 0.5 });
    expect(k3('UpSampling1D', { size: [3] }).getConfig()).toMatchObject({ size: 3 });
    const td = k3('TimeDistributed', { layer: { module: 'keras.layers', class_name: 'Dense', registered_name: null, config: { name: 'inner', units: 4, activation: 'relu' } } }) as tn.layers.TimeDistributed;
    expect(td.layer).toBeInstanceOf(L.Dense);
    expect(td.layer.getConfig()).toMatchObject({ name: 'inner', units: 4, activation: 'relu' });
    expect(() => k3('TimeDistributed', {})).toThrow(/layer "z" \(TimeDistributed\): a TimeDistributed needs the `layer` it wraps/);
    // Channels-first is read where the layer computes it, and still refused where it does not.
    expect(k3('ZeroPadding2D', { padding: [[1, 1], [0, 2]], data_format: 'channels_first' }).getConfig()).toMatchObject({ dataFormat: 'channels_first' });
    expect(() => k3('DepthwiseConv2D', { kernel_size: [3, 3], data_format: 'channels_first' })).toThrow(/layer "z" \(DepthwiseConv2D\): data_format "channels_first"/);
    // A bad value names the layer.
    expect(() => k3('ZeroPadding1D', { padding: -1 })).toThrow(/layer "z" \(ZeroPadding1D\): .*padding/);
  });

  it('refuses, naming the layer and the class, what would compute differently', () => {
    const spec = (class_name: string, config: Record<string, unknown>) => ({ class_name, config: { name: 'x', ...config } });
    expect(() => layerFromKeras(spec('MaxPooling2D', { data_format: 'channels_first' }))).toThrow(/layer "x" \(MaxPooling2D\): data_format "channels_first"/);
    expect(() => layerFromKeras(spec('LSTM', { units: 2, time_major: true }))).toThrow(/layer "x" \(LSTM\): time_major=true is not supported/);
    expect(() => layerFromKeras(spec('RNN', { return_sequences: true }))).toThrow(/layer "x" \(RNN\): an RNN needs the `cell` it runs/);
    // Stateful recurrences and masks are read (they compute as Keras does).
    expect((layerFromKeras(spec('LSTM', { units: 2, stateful: true, batch_input_shape: [1, 3, 2] })) as tn.layers.LSTM).stateful).toBe(true);
    expect((layerFromKeras(spec('Embedding', { input_dim: 3, output_dim: 2, mask_zero: true })) as tn.layers.Embedding).maskZero).toBe(true);
    expect(() => layerFromKeras(spec('Dense', { units: 2, dtype: 'complex64' }))).toThrow(/layer "x" \(Dense\): dtype "complex64" is not supported/);
    expect(() => layerFromKeras(spec('Dense', { units: 0 }))).toThrow(/layer "x" \(Dense\): .*units/);
    expect(() => layerFromKeras(spec('Dense', { units: 2, kernel_regularizer: { class_name: 'OrthogonalRegularizer', config: {} } }))).toThrow(/layer "x" \(Dense\): `kernel_regularizer`/);
  });

  it("reads Keras 3's initial_state call argument as the recurrent layer's extra inputs", () => {
    const kt = (layer: string, node: number, index: number) => ({ class_name: '__keras_tensor__', config: { shape: [null, 3], dtype: 'float32', keras_history: [layer, node, index] } });
    const topology = {
      class_name: 'Functional',
      config: {
        name: 'seq2seq',
        layers: [
          { class_name: 'InputLayer', name: 'x', config: { batch_shape: [null, 4, 2], name: 'x' }, inbound_nodes: [] },
          { class_name: 'LSTM', name: 'enc', config: { name: 'enc', units: 3, return_state: true }, inbound_nodes: [{ args: [kt('x', 0, 0)], kwargs: {} }] },
          { class_name: 'LSTM', name: 'dec', config: { name: 'dec', units: 3 }, inbound_nodes: [{ args: [kt('x', 0, 0)], kwargs: { initial_state: [kt('enc', 0, 1), kt('enc', 0, 2)], training: false } }] },
        ],
        input_layers: [['x', 0, 0]],
        output_layers: [['dec', 0, 0]],
      },
    };
    const model = modelFromKeras(topology, 'm', { kerasVersion: '3.8.0' });
    const x = tn.randomNormal([2, 4, 2], 0, 1, 'float32', 3);
    const [, h, c] = model.getLayer('enc').apply(x) as unknown as tn.Tensor[];
    const want = model.getLayer('dec').apply(x, { initialState: [h, c] });
    expect(Array.from((model.predict(x) as tn.Tensor).data())).toEqual(Array.from(want.data()));
    expect(Array.from(want.data())).not.toEqual(Array.from(model.getLayer('dec').apply(x).data()));
  });

  it('names the layer and a class tensornode lacks, and which classes it reads', () => {
    for (const cls of ['LocallyConnected2D', 'LocallyConnected1D']) {
      expect(cls in L).toBe(false);
      const build = () => layerFromKeras({ class_name: cls, config: { name: 'y', filters: 2, kernel_size: [3, 3, 3] } });
      expect(build).toThrow(new RegExp(`layer "y" \\(${cls}\\): unknown layer class "${cls}"\\..*Classes tensornode reads: .*\\bGroupNormalization\\b`));
    }
  });

  it("refuses a Keras Lambda (its function is Python bytecode), naming the layer", () => {
    const spec = { class_name: 'Lambda', config: { name: 'lam', function: ['4wEAAAAAAAAA', null, null], function_type: 'lambda', output_shape: null, arguments: {} } };
    expect(() => layerFromKeras(spec)).toThrow(/layer "lam" \(Lambda\): a Lambda layer wraps a function that a saved config cannot hold/);
  });

  it('reports a damaged graph clearly instead of building something else', () => {
    const graph = (inbound: unknown, extra: Record<string, unknown> = {}) => ({
      class_name: 'Functional',
      config: {
        name: 'g',
        layers: [
          { name: 'in', class_name: 'InputLayer', config: { name: 'in', batch_input_shape: [null, 3] }, inbound_nodes: [] },
          { name: 'd', class_name: 'Dense', config: { name: 'd', units: 2 }, inbound_nodes: inbound },
        ],
        input_layers: [['in', 0, 0]], output_layers: [['d', 0, 0]], ...extra,
      },
    });
    expect(modelFromKeras(graph([[['in', 0, 0, {}]]])).outputs[0].shape).toEqual([null, 2]);
    expect(() => modelFromKeras(graph([[['nowhere', 0, 0, {}]]]))).toThrow(/the graph cannot be rebuilt; these layer calls refer to tensors that no layer produces: "d" \(needs \[\["nowhere",0,0\]\]\)/);
    expect(() => modelFromKeras(graph([[['in', 0, 0, {}]]], { output_layers: [['d', 1, 0]] }))).toThrow(/output_layers refers to \["d",1,0\], which no layer call produces/);
    expect(() => modelFromKeras(graph([[['in', 0, 0, {}]]], { input_layers: 'in' }))).toThrow(/cannot read input_layers "in"/);
    expect(() => modelFromKeras(graph(['in']))).toThrow(/cannot read the inbound node "in" of layer "d"/);
    expect(() => modelFromKeras({ class_name: 'Dense', config: { units: 1 } })).toThrow(/holds a Dense, not a model/);
    expect(() => modelFromKeras([1, 2])).toThrow(/expected an object/);
  });
});

describe('what tensornode does not have', () => {
  it('a weight constraint tensornode lacks in a file is dropped with a warning naming it, the layer still loads; an activity regularizer is kept', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const layer = layerFromKeras({
        class_name: 'Dense',
        config: { name: 'd', units: 2, kernel_constraint: { class_name: 'RadialConstraint', config: {} }, bias_constraint: { class_name: 'MaxNorm', config: { max_value: 2, axis: 0 } }, activity_regularizer: { class_name: 'L1L2', config: { l1: 0.01, l2: 0 } } },
      }) as tn.layers.Dense;
      expect(layer.units).toBe(2);
      // MaxNorm is one tensornode applies: kept, and not in the warning.
      expect(layer.biasConstraint).toBeInstanceOf(tn.constraints.MaxNorm);
      expect(layer.activityRegularizer?.getConfig()).toEqual({ l1: 0.01, l2: 0 });
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0][0])).toMatch(/layer "d" \(Dense\): kernel_constraint RadialConstraint dropped/);
      warn.mockClear();
      layerFromKeras({ class_name: 'Dense', config: { name: 'e', units: 2, kernel_constraint: null, activity_regularizer: null } });
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });
});
