// Conv3D, MaxPooling3D, AveragePooling3D, GlobalAveragePooling3D and GlobalMaxPooling3D as layers: Keras's weights,
// output shapes and defaults, values against TF.js's own layers, gradients through the layers, Keras-style errors,
// configs, and saving (TF.js folder both ways, .keras).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { layerFromKeras, layerToKeras } from '../../lib/io/keras-config.js';
import { expectClose } from '../helpers/conv-reference.js';
import { gradCheck, randomTensor, variableGradCheck } from '../helpers/gradcheck.js';
import { expectSamePredictions, randomizeTfjs, readFolder, tf, tfjsArtifacts, tfjsLoad, useCpu } from '../helpers/tfjs.js';

const L = tn.layers;
const root = mkdtempSync(join(tmpdir(), 'tensornode-conv3d-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeEach(() => tn.clearSession());
let dirs = 0;

describe('Conv3D', () => {
  it('creates Keras\'s weights (kernel [kd, kh, kw, channels, filters], bias [filters]) and output shape', () => {
    const layer = new L.Conv3D(4, [3, 2, 2], { strides: [1, 2, 1], padding: 'same', activation: 'relu', biasInitializer: 'random_normal' });
    const x = randomTensor([2, 5, 6, 4, 3], 1);
    const y = layer.apply(x) as tn.Tensor;
    expect(layer.name).toMatch(/^conv3d/);
    expect(layer.weights.map((w) => [w.name.split('/')[1], w.shape])).toEqual([['kernel', [3, 2, 2, 3, 4]], ['bias', [4]]]);
    expect(y.shape).toEqual([2, 5, 3, 4, 4]);
    expect(layer.computeOutputShape([null, 5, 6, 4, 3])).toEqual([null, 5, 3, 4, 4]);
    const want = tn.relu(tn.add(tn.conv3d(x, layer.kernel!, [1, 2, 1], 'same'), layer.bias!));
    expectClose(y.data(), want.data(), null, 'y');
  });

  it('gradients by finite differences through the layer: input, kernel and bias', () => {
    const layer = new L.Conv3D(2, 2, { padding: 'same', activation: 'sigmoid', biasInitializer: 'random_normal' });
    const x = randomTensor([1, 3, 3, 2, 2], 2, -1, 1);
    gradCheck((t) => layer.apply(t) as tn.Tensor, [x], { maxPoints: 30 });
    variableGradCheck(() => layer.apply(x) as tn.Tensor, layer.trainableWeights, { maxPoints: 30 });
  });

  it('rejects bad arguments and inputs with Keras-style messages', () => {
    expect(() => new L.Conv3D({ filters: 2 })).toThrow('Conv3D: received an invalid value for `kernelSize`, expected a positive integer or a list of three positive integers. Received: kernelSize=undefined');
    expect(() => new L.Conv3D(2, [3, 3] as never)).toThrow('Conv3D: received an invalid value for `kernelSize`, expected a positive integer or a list of three positive integers. Received: kernelSize=[3,3]');
    expect(() => new L.Conv3D(2, 3, { strides: 2, dilationRate: 2 })).toThrow('Conv3D: strides > 1 are not compatible with dilationRate > 1. Received: strides=[2,2,2] and dilationRate=[2,2,2]');
    expect(() => new L.Conv3D(2, 3, { groups: 2 })).toThrow('Conv3D: received an invalid value for `groups`, expected 1 (grouped 3-D convolution is not supported). Received: groups=2');
    const layer = new L.Conv3D(2, 3, { name: 'conv3d' });
    expect(() => layer.apply(tn.zeros([1, 4, 4, 3]))).toThrow('Input 0 of layer "conv3d" is incompatible with the layer: expected ndim=5, found ndim=4. Full shape received: (1, 4, 4, 3)');
    layer.apply(tn.zeros([1, 4, 4, 4, 3]));
    expect(() => layer.apply(tn.zeros([1, 4, 4, 4, 2]))).toThrow('Input 0 of layer "conv3d" is incompatible with the layer: expected axis -1 of input shape to have value 3, but received input with shape (1, 4, 4, 4, 2)');
    expect(() => new L.Conv3D(2, 5, { name: 'big' }).apply(tn.zeros([1, 3, 6, 6, 1]))).toThrow(/the kernel 5x5x5 .* does not fit in the 3x6x6 input/);
  });
});

describe('3-D pooling layers', () => {
  it('Keras\'s defaults and shapes: pool 2, strides = pool, valid; global pooling with keepdims', () => {
    const x = randomTensor([2, 4, 5, 6, 3], 3);
    const max = new L.MaxPooling3D();
    expect((max.apply(x) as tn.Tensor).shape).toEqual([2, 2, 2, 3, 3]);
    expect(max.getConfig()).toMatchObject({ poolSize: [2, 2, 2], strides: [2, 2, 2], padding: 'valid' });
    const avg = new L.AveragePooling3D({ poolSize: [2, 3, 2], strides: 1, padding: 'same' });
    const ya = avg.apply(x) as tn.Tensor;
    expect(ya.shape).toEqual([2, 4, 5, 6, 3]);
    expectClose(ya.data(), tn.avgPool3d(x, [2, 3, 2], 1, 'same').data(), null, 'avg');
    expect(avg.computeOutputShape([null, 4, 5, 6, 3])).toEqual([null, 4, 5, 6, 3]);
    const gap = new L.GlobalAveragePooling3D();
    expectClose((gap.apply(x) as tn.Tensor).data(), tn.mean(x, [1, 2, 3]).data(), null, 'gap');
    expect((new L.GlobalMaxPooling3D({ keepdims: true }).apply(x) as tn.Tensor).shape).toEqual([2, 1, 1, 1, 3]);
    expect(() => new L.MaxPooling3D({ poolSize: [2, 2] as never })).toThrow('MaxPooling3D: received an invalid value for `poolSize`, expected a positive integer or a list of three positive integers. Received: poolSize=[2,2]');
    expect(() => new L.AveragePooling3D({ padding: 'full' as 'same' })).toThrow(/`padding`, expected 'valid' or 'same'/);
    expect(() => new L.MaxPooling3D({ name: 'p' }).apply(tn.zeros([1, 4, 4, 3]))).toThrow(/Input 0 of layer "p" is incompatible with the layer: expected ndim=5, found ndim=4/);
  });
});

describe('configs and saving', () => {
  it('configs give back equal layers, through the constructor and through the Keras mapping', () => {
    const layers: tn.Layer[] = [
      new L.Conv3D(4, [3, 2, 1], { strides: [2, 1, 1], padding: 'same', activation: 'elu', kernelInitializer: 'he_normal', biasRegularizer: 'l2' }),
      new L.Conv3D({ filters: 2, kernelSize: 2, dilationRate: [1, 2, 2], useBias: false }),
      new L.MaxPooling3D({ poolSize: [1, 2, 2], strides: [1, 2, 1], padding: 'same' }), new L.AveragePooling3D(3),
      new L.GlobalAveragePooling3D({ keepdims: true }), new L.GlobalMaxPooling3D(),
    ];
    for (const layer of layers) {
      const config = JSON.parse(JSON.stringify(layer.getConfig())) as Record<string, unknown>;
      const again = new (layer.constructor as new (c: Record<string, unknown>) => tn.Layer)(config);
      expect(again.getConfig(), layer.className).toEqual(layer.getConfig());
      const viaKeras = layerFromKeras(JSON.parse(JSON.stringify(layerToKeras(layer))));
      expect(viaKeras.constructor, layer.className).toBe(layer.constructor);
      expect(viaKeras.getConfig(), layer.className).toEqual(layer.getConfig());
    }
  });

  it('matches TF.js\'s Conv3D, MaxPooling3D and AveragePooling3D on a model TF.js saved, and TF.js reads ours', async () => {
    await useCpu();
    const m = tf.sequential();
    m.add(tf.layers.conv3d({ inputShape: [4, 6, 5, 2], filters: 3, kernelSize: [2, 3, 2], padding: 'same', activation: 'relu', name: 'c1' }));
    m.add(tf.layers.maxPooling3d({ poolSize: [2, 2, 2], padding: 'same', name: 'p1' }));
    m.add(tf.layers.conv3d({ filters: 2, kernelSize: 2, strides: [1, 2, 1], name: 'c2' }));
    m.add(tf.layers.averagePooling3d({ poolSize: [1, 1, 2], strides: 1, name: 'p2' }));
    randomizeTfjs(m, 41);
    const ours = await tn.loadLayersModel(tn.io.fromMemory(await tfjsArtifacts(m)));
    expect(ours.layers.map((l) => l.className)).toEqual(['Conv3D', 'MaxPooling3D', 'Conv3D', 'AveragePooling3D']);
    const input = { values: randomTensor([2, 4, 6, 5, 2], 42).data() as Float32Array, shape: [2, 4, 6, 5, 2] };
    expectSamePredictions(ours, m, [input]);
    const dir = join(root, `m${dirs++}`);
    await ours.save(dir);
    expectSamePredictions(ours, await tfjsLoad(readFolder(dir)), [input]);
  });

  for (const target of ['tfjs', 'model.keras']) {
    it(`a trained model with every 3-D layer saves and loads (${target}) with the same weights and predictions`, async () => {
      const model = new tn.Sequential([
        new L.Conv3D(4, 3, { padding: 'same', activation: 'relu', inputShape: [4, 6, 6, 2] }),
        new L.MaxPooling3D(2),
        new L.Conv3D(3, [1, 2, 2], { activation: 'tanh' }),
        new L.AveragePooling3D({ poolSize: [1, 2, 2], padding: 'same' }),
        new L.GlobalAveragePooling3D(),
        new L.Dense(2, { activation: 'softmax' }),
      ]);
      model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
      const x = tn.randomNormal([6, 4, 6, 6, 2], 0, 1, 'float32', 15);
      const y = tn.tensor(Array.from({ length: 6 }, (_, i) => i % 2), [6], 'int32');
      const before = model.getWeights().map((w) => Array.from(w.data()));
      await model.fit(x, y, { epochs: 1, batchSize: 3, verbose: 0 });
      expect(model.getWeights().map((w) => Array.from(w.data()))).not.toEqual(before);
      const dir = join(root, `m${dirs++}`);
      mkdirSync(dir);
      const path = join(dir, target);
      await model.save(path);
      const loaded = await tn.loadModel(path);
      expect(loaded.layers.map((l) => l.className)).toEqual(['Conv3D', 'MaxPooling3D', 'Conv3D', 'AveragePooling3D', 'GlobalAveragePooling3D', 'Dense']);
      expect(loaded.getWeights().map((w) => Array.from(w.data()))).toEqual(model.getWeights().map((w) => Array.from(w.data())));
      expect(Array.from((loaded.predict(x) as tn.Tensor).data())).toEqual(Array.from((model.predict(x) as tn.Tensor).data()));
    });
  }
});
