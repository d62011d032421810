// Conv2DTranspose, Conv1DTranspose and grouped Conv1D/Conv2D as layers: Keras's weights and output sizes, values
// against the float64 references and against TF.js's own Conv2DTranspose, gradients by finite differences through
// the layers, Keras-style errors, configs, and saving (TF.js folder both ways, .keras).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { expectClose, transposeReference } from '../helpers/conv-reference.js';
import { gradCheck, randomTensor, variableGradCheck } from '../helpers/gradcheck.js';
import { expectSamePredictions, randomizeTfjs, readFolder, tf, tfjsArtifacts, tfjsLoad, useCpu } from '../helpers/tfjs.js';
import { layerFixtureTests } from '../helpers/layer-fixtures.js';

const { Conv1D, Conv2D, Conv1DTranspose, Conv2DTranspose } = tn.layers;
const root = mkdtempSync(join(tmpdir(), 'tensornode-convt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeEach(() => tn.clearSession());
let dirs = 0;
const freshDir = () => join(root, `m${dirs++}`);

const f32 = (t: tn.Tensor) => t.data() as Float32Array;

describe('Conv2DTranspose', () => {
  it('creates Keras\'s weights (kernel [kh, kw, filters, channels], bias [filters]) and the default name', () => {
    const layer = new Conv2DTranspose(5, [3, 2]);
    const y = layer.apply(tn.zeros([2, 4, 6, 3])) as tn.Tensor;
    expect(layer.name).toMatch(/^conv2d_transpose/);
    expect(layer.weights.map((w) => [w.name.split('/')[1], w.shape])).toEqual([['kernel', [3, 2, 5, 3]], ['bias', [5]]]);
    // 'valid', stride 1: in + k - 1
    expect(y.shape).toEqual([2, 6, 7, 5]);
    expect(layer.computeOutputShape([null, 4, 6, 3])).toEqual([null, 6, 7, 5]);
  });

  const geometries: { name: string; args: tn.layers.Conv2DTransposeArgs; x: number[]; out: [number, number] }[] = [
    { name: 'stride 2, same', args: { filters: 4, kernelSize: 3, strides: 2, padding: 'same' }, x: [2, 3, 4, 2], out: [6, 8] },
    { name: 'stride 2, valid', args: { filters: 3, kernelSize: 3, strides: 2 }, x: [1, 3, 2, 3], out: [7, 5] },
    { name: 'stride 3 over a 2-wide kernel, valid', args: { filters: 2, kernelSize: [2, 2], strides: 3 }, x: [1, 2, 3, 2], out: [6, 9] },
    { name: 'outputPadding (1, 0), stride 2, same', args: { filters: 3, kernelSize: 3, strides: 2, padding: 'same', outputPadding: [1, 0] }, x: [1, 3, 3, 2], out: [6, 5] },
    { name: 'outputPadding 2, stride 3, valid', args: { filters: 2, kernelSize: [3, 2], strides: 3, outputPadding: 2 }, x: [1, 2, 2, 3], out: [8, 7] },
    { name: 'dilation 2, same', args: { filters: 2, kernelSize: 3, dilationRate: 2, padding: 'same' }, x: [1, 4, 5, 2], out: [4, 5] },
    { name: 'dilation (1, 2), valid', args: { filters: 2, kernelSize: 3, dilationRate: [1, 2] }, x: [1, 3, 3, 2], out: [5, 7] },
  ];
  for (const g of geometries) {
    it(`${g.name}: Keras's output size and the float64 reference (relu + bias)`, () => {
      const layer = new Conv2DTranspose({ ...g.args, activation: 'relu', biasInitializer: 'random_normal' });
      const x = randomTensor(g.x, 3);
      const y = layer.apply(x) as tn.Tensor;
      expect(y.shape).toEqual([g.x[0], ...g.out, g.args.filters]);
      expect(layer.computeOutputShape(g.x)).toEqual(y.shape);
      const d = layer.dilationRate;
      const ref = transposeReference(f32(x), g.x, f32(layer.kernel!), layer.kernel!.shape, g.out, layer.strides, layer.padding, d, f32(layer.bias!));
      expectClose(y.data(), ref.y.map((v) => Math.max(v, 0)), ref.mag, 'y');
    });
  }

  it('gradients by finite differences through the layer: input, kernel and bias', () => {
    const layer = new Conv2DTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', outputPadding: 1, activation: 'tanh', biasInitializer: 'random_normal' });
    const x = randomTensor([2, 3, 2, 2], 5, -1, 1);
    gradCheck((t) => layer.apply(t) as tn.Tensor, [x], { maxPoints: 30 });
    variableGradCheck(() => layer.apply(x) as tn.Tensor, layer.trainableWeights, { maxPoints: 30 });
  });

  it('matches TF.js\'s Conv2DTranspose on a model TF.js saved, and TF.js reads the model tensornode saves', async () => {
    await useCpu();
    const m = tf.sequential();
    m.add(tf.layers.conv2dTranspose({ inputShape: [5, 4, 3], filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: 'up1' }));
    m.add(tf.layers.conv2dTranspose({ filters: 2, kernelSize: [2, 3], strides: [1, 2], padding: 'valid', name: 'up2' }));
    randomizeTfjs(m, 31);
    const ours = await tn.loadLayersModel(tn.io.fromMemory(await tfjsArtifacts(m)));
    expect(ours.layers.map((l) => l.className)).toEqual(['Conv2DTranspose', 'Conv2DTranspose']);
    const input = { values: randomTensor([2, 5, 4, 3], 32).data() as Float32Array, shape: [2, 5, 4, 3] };
    expectSamePredictions(ours, m, [input]);
    const dir = freshDir();
    await ours.save(dir);
    expectSamePredictions(ours, await tfjsLoad(readFolder(dir)), [input]);
  });

  it('rejects bad arguments and inputs with Keras-style messages', () => {
    expect(() => new Conv2DTranspose({ kernelSize: 3 })).toThrow('Conv2DTranspose: received an invalid value for `filters`, expected a positive integer. Received: filters=undefined');
    expect(() => new Conv2DTranspose(2, { strides: 2, dilationRate: 2 } as never)).toThrow(/kernelSize/);
    expect(() => new Conv2DTranspose(2, 3, { strides: 2, dilationRate: 2 })).toThrow('Conv2DTranspose: strides > 1 are not compatible with dilationRate > 1. Received: strides=[2,2] and dilationRate=[2,2]');
    expect(() => new Conv2DTranspose(2, 3, { strides: 2, outputPadding: 2 })).toThrow('Conv2DTranspose: strides must be greater than output padding. Received strides=[2,2], outputPadding=[2,2]');
    expect(() => new Conv2DTranspose(2, 3, { outputPadding: -1 })).toThrow('Conv2DTranspose: received an invalid value for `outputPadding`, expected null, a non-negative integer or a list of 2 of them. Received: outputPadding=-1');
    expect(() => new Conv2DTranspose(2, 3, { padding: 'causal' as 'same' })).toThrow(`Conv2DTranspose: received an invalid value for \`padding\`, expected 'valid' or 'same'. Received: padding="causal"`);
    expect(() => new Conv2DTranspose(2, 3, { dataFormat: 'channels_first' as 'channels_last' })).toThrow(/expected 'channels_last'/);
    const layer = new Conv2DTranspose(2, 3, { name: 'conv2d_transpose' });
    expect(() => layer.apply(tn.zeros([4, 4, 3]))).toThrow('Input 0 of layer "conv2d_transpose" is incompatible with the layer: expected ndim=4, found ndim=3. Full shape received: (4, 4, 3)');
    layer.apply(tn.zeros([1, 4, 4, 3]));
    expect(() => layer.apply(tn.zeros([1, 4, 4, 5]))).toThrow('Input 0 of layer "conv2d_transpose" is incompatible with the layer: expected axis -1 of input shape to have value 3, but received input with shape (1, 4, 4, 5)');
  });
});

describe('Conv1DTranspose', () => {
  it('kernel [kernelSize, filters, channels]; Keras\'s output length; values as a height-1 Conv2DTranspose', () => {
    for (const [args, steps, out] of [
      [{ filters: 3, kernelSize: 3, strides: 2, padding: 'same' }, 5, 10],
      [{ filters: 2, kernelSize: 4, strides: 3 }, 4, 13],
      [{ filters: 2, kernelSize: 3, strides: 2, outputPadding: 1 }, 4, 10],
      [{ filters: 4, kernelSize: 2, dilationRate: 3, padding: 'same' }, 6, 6],
    ] as [tn.layers.Conv1DTransposeArgs, number, number][]) {
      const layer = new Conv1DTranspose({ ...args, activation: 'sigmoid', biasInitializer: 'random_normal' });
      const x = randomTensor([2, steps, 3], 7);
      const y = layer.apply(x) as tn.Tensor;
      expect(layer.kernel!.shape).toEqual([args.kernelSize, args.filters, 3]);
      expect(y.shape).toEqual([2, out, args.filters]);
      expect(layer.computeOutputShape([null, steps, 3])).toEqual([null, out, args.filters]);
      const k = layer.kernel!;
      const ref = transposeReference(f32(x), [2, 1, steps, 3], f32(k), [1, ...k.shape], [1, out], [1, layer.strides], layer.padding, [1, layer.dilationRate], f32(layer.bias!));
      expectClose(y.data(), ref.y.map((v) => 1 / (1 + Math.exp(-v))), null, JSON.stringify(args));
    }
  });

  it('gradients by finite differences: input, kernel and bias', () => {
    const layer = new Conv1DTranspose(3, 3, { strides: 2, padding: 'same', biasInitializer: 'random_normal' });
    const x = randomTensor([2, 4, 2], 8);
    gradCheck((t) => layer.apply(t) as tn.Tensor, [x], { maxPoints: 30 });
    variableGradCheck(() => layer.apply(x) as tn.Tensor, layer.trainableWeights, { maxPoints: 30 });
  });

  it('rejects bad arguments and inputs', () => {
    expect(() => new Conv1DTranspose(2, [3, 3] as never)).toThrow('Conv1DTranspose: received an invalid value for `kernelSize`, expected a positive integer (or a list of one). Received: kernelSize=[3,3]');
    expect(() => new Conv1DTranspose(2, 3, { strides: 2, outputPadding: 3 })).toThrow('Conv1DTranspose: strides must be greater than output padding. Received strides=[2], outputPadding=[3]');
    expect(() => new Conv1DTranspose(2, 3, { padding: 'causal' as 'same' })).toThrow(/`padding`, expected 'valid' or 'same'/);
    const layer = new Conv1DTranspose(2, 3, { name: 'conv1d_transpose' });
    expect(() => layer.apply(tn.zeros([1, 4, 4, 3]))).toThrow(/Input 0 of layer "conv1d_transpose" is incompatible with the layer: expected ndim=3/);
  });
});

describe('grouped Conv2D and Conv1D', () => {
  it('Conv2D groups: kernel [kh, kw, channels / groups, filters]; each filter sees only its group\'s channels', () => {
    const layer = new Conv2D({ filters: 6, kernelSize: 3, groups: 3, padding: 'same', biasInitializer: 'random_normal' });
    const x = randomTensor([2, 5, 4, 9], 9);
    const y = layer.apply(x) as tn.Tensor;
    expect(layer.kernel!.shape).toEqual([3, 3, 3, 6]);
    expect(y.shape).toEqual([2, 5, 4, 6]);
    // Group g alone: a plain Conv2D with group g's channels and kernel columns.
    const k = layer.kernel!;
    for (let g = 0; g < 3; g++) {
      const xg = tn.slice(x, [0, 0, 0, 3 * g], [2, 5, 4, 3]);
      const kg = tn.slice(k, [0, 0, 0, 2 * g], [3, 3, 3, 2]);
      const want = tn.add(tn.conv2d(xg, kg, 1, 'same'), tn.slice(layer.bias!, [2 * g], [2]));
      expectClose(tn.slice(y, [0, 0, 0, 2 * g], [2, 5, 4, 2]).data(), want.data(), null, `group ${g}`);
    }
    // Independently: zeroing the other groups' channels does not change group 0's outputs.
    const mask = tn.tensor(Array.from({ length: 9 }, (_, c) => (c < 3 ? 1 : 0)), [9]);
    const y0 = layer.apply(tn.mul(x, mask)) as tn.Tensor;
    expect(Array.from(tn.slice(y0, [0, 0, 0, 0], [2, 5, 4, 2]).data())).toEqual(Array.from(tn.slice(y, [0, 0, 0, 0], [2, 5, 4, 2]).data()));
    gradCheck((t) => layer.apply(t) as tn.Tensor, [randomTensor([1, 3, 3, 9], 10)], { maxPoints: 30 });
    variableGradCheck(() => layer.apply(randomTensor([1, 3, 3, 9], 10)) as tn.Tensor, layer.trainableWeights, { maxPoints: 30 });
  });

  it('Conv1D groups (with causal padding): a direct float64 loop', () => {
    const layer = new Conv1D({ filters: 4, kernelSize: 2, groups: 2, padding: 'causal', dilationRate: 2, activation: 'tanh', biasInitializer: 'random_normal' });
    const x = randomTensor([2, 6, 4], 11);
    const y = layer.apply(x) as tn.Tensor;
    expect(layer.kernel!.shape).toEqual([2, 2, 4]);
    expect(y.shape).toEqual([2, 6, 4]);
    const xv = f32(x);
    const kv = f32(layer.kernel!);
    const bv = f32(layer.bias!);
    const ref = new Float64Array(2 * 6 * 4);
    for (let b = 0; b < 2; b++)
      for (let t = 0; t < 6; t++)
        for (let o = 0; o < 4; o++) {
          const g = Math.floor(o / 2);
          let s = bv[o];
          for (let p = 0; p < 2; p++) {
            const src = t - 2 * (1 - p); // causal: tap p sees step t - dilation * (kernelSize - 1 - p)
            if (src < 0) continue;
            for (let e = 0; e < 2; e++) s += xv[(b * 6 + src) * 4 + 2 * g + e] * kv[(p * 2 + e) * 4 + o];
          }
          ref[(b * 6 + t) * 4 + o] = Math.tanh(s);
        }
    expectClose(y.data(), ref, null, 'y');
    gradCheck((t) => layer.apply(t) as tn.Tensor, [x], { maxPoints: 30 });
  });

  it('rejects groups that do not divide filters or channels', () => {
    expect(() => new Conv2D({ filters: 6, kernelSize: 3, groups: 4 })).toThrow('Conv2D: the number of filters must be evenly divisible by the number of groups. Received: groups=4, filters=6');
    expect(() => new Conv1D({ filters: 6, kernelSize: 3, groups: 0 })).toThrow('Conv1D: received an invalid value for `groups`, expected a positive integer. Received: groups=0');
    expect(() => new Conv2D({ filters: 6, kernelSize: 3, groups: 2, name: 'g' }).apply(tn.zeros([1, 4, 4, 5]))).toThrow(
      'Input 0 of layer "g" is incompatible with the layer: the number of input channels must be evenly divisible by the number of groups. Received groups=2, but the input has 5 channels (full input shape is [1,4,4,5])',
    );
  });
});

describe('configs and saving', () => {
  it('configs give back equal layers through the constructor', () => {
    const layers: tn.Layer[] = [
      new Conv2DTranspose(4, [3, 2], { strides: [2, 1], padding: 'same', outputPadding: [1, 0], activation: 'relu', useBias: false, kernelInitializer: 'he_normal' }),
      new Conv2DTranspose({ filters: 2, kernelSize: 3, dilationRate: 2, biasRegularizer: 'l2' }),
      new Conv1DTranspose(3, 5, { strides: 2, outputPadding: 1 }),
      new Conv2D(6, 3, { groups: 3 }),
      new Conv1D(4, 2, { groups: 2, padding: 'causal' }),
    ];
    for (const layer of layers) {
      const config = JSON.parse(JSON.stringify(layer.getConfig())) as Record<string, unknown>;
      const again = new (layer.constructor as new (c: Record<string, unknown>) => tn.Layer)(config);
      expect(again.getConfig(), layer.className).toEqual(layer.getConfig());
    }
    expect(new Conv2D(6, 3).getConfig().groups).toBeUndefined();
  });

  for (const target of ['tfjs', 'model.keras']) {
    it(`a trained model with every new layer saves and loads (${target}) with the same weights and predictions`, async () => {
      const model = new tn.Sequential([
        new Conv2D(4, 3, { groups: 2, padding: 'same', activation: 'relu', inputShape: [6, 6, 2] }),
        new Conv2DTranspose(4, 3, { strides: 2, padding: 'same', outputPadding: 1, activation: 'relu' }),
        new tn.layers.Reshape({ targetShape: [12 * 12, 4] }),
        new Conv1D(4, 3, { groups: 4, strides: 4 }),
        new Conv1DTranspose(2, 2, { strides: 2 }),
        new tn.layers.GlobalAveragePooling1D(),
        new tn.layers.Dense(2, { activation: 'softmax' }),
      ]);
      model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
      const x = tn.randomNormal([8, 6, 6, 2], 0, 1, 'float32', 15);
      const y = tn.tensor(Array.from({ length: 8 }, (_, i) => i % 2), [8], 'int32');
      const before = model.getWeights().map((w) => Array.from(w.data()));
      await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
      expect(model.getWeights().map((w) => Array.from(w.data()))).not.toEqual(before);
      const dir = freshDir();
      mkdirSync(dir);
      const path = join(dir, target);
      await model.save(path);
      const loaded = await tn.loadModel(path);
      expect(loaded.layers.map((l) => l.className)).toEqual(['Conv2D', 'Conv2DTranspose', 'Reshape', 'Conv1D', 'Conv1DTranspose', 'GlobalAveragePooling1D', 'Dense']);
      expect((loaded.layers[0] as InstanceType<typeof Conv2D>).groups).toBe(2);
      expect((loaded.layers[1] as InstanceType<typeof Conv2DTranspose>).outputPadding).toEqual([1, 1]);
      expect(loaded.getWeights().map((w) => Array.from(w.data()))).toEqual(model.getWeights().map((w) => Array.from(w.data())));
      expect(Array.from((loaded.predict(x) as tn.Tensor).data())).toEqual(Array.from((model.predict(x) as tn.Tensor).data()));
    });
  }
});


describe('Conv3DTranspose', () => {
  const { Conv3DTranspose } = tn.layers;

  describe('against float64 PyTorch (the gradient of a convolution of Keras\'s output size)', () => {
    layerFixtureTests('conv3d-transpose');
  });

  it('has Keras\'s kernel [kd, kh, kw, filters, channels], output sizes and positional forms', () => {
    const layer = new Conv3DTranspose(4, [3, 2, 2], { strides: [2, 1, 3] });
    const y = layer.apply(tn.zeros([2, 3, 4, 2, 5])) as tn.Tensor;
    expect(layer.weights.map((w) => [w.name, w.shape])).toEqual([['conv3d_transpose/kernel', [3, 2, 2, 4, 5]], ['conv3d_transpose/bias', [4]]]);
    // 'valid': size * stride + max(window - stride, 0) per axis.
    expect(y.shape).toEqual([2, 7, 5, 6, 4]);
    expect(layer.computeOutputShape([null, 3, null, 2, 5])).toEqual([null, 7, null, 6, 4]);
    expect(new Conv3DTranspose(2, 3, { strides: 2, padding: 'same', outputPadding: 1 }).computeOutputShape([null, 2, 3, 4, 1])).toEqual([null, 4, 6, 8, 2]);
    expect(tn.layers.conv3dTranspose({ filters: 2, kernelSize: 3 }).kernelSize).toEqual([3, 3, 3]);
  });

  it('gradients by finite differences through the layer: input, kernel and bias', () => {
    const layer = new Conv3DTranspose(2, 2, { strides: 2, padding: 'same', activation: 'tanh' });
    const x = randomTensor([1, 2, 2, 1, 2], 21);
    layer.apply(x);
    for (const w of layer.weights) w.assign(randomTensor(w.shape, 22, -0.5, 0.5));
    gradCheck((v) => layer.apply(v) as tn.Tensor, [x]);
    variableGradCheck(() => layer.apply(x) as tn.Tensor, layer.trainableWeights);
  });

  it('tn.conv3dTranspose equals TF.js\'s tf.conv3dTranspose', async () => {
    await useCpu();
    const x = randomTensor([2, 2, 3, 2, 3], 23);
    const k = randomTensor([3, 2, 3, 4, 3], 24);
    for (const [out, strides, pad] of [[[2, 4, 6, 4, 4], 2, 'same'], [[2, 4, 4, 5, 4], [1, 1, 2], 'valid']] as const) {
      const ours = tn.conv3dTranspose(x, k, out.slice(), strides as number | [number, number, number], pad);
      const five = (t: tn.Tensor) => tf.tensor5d(Array.from(f32(t)), t.shape as [number, number, number, number, number]);
      const theirs = tf.conv3dTranspose(five(x), five(k), out.slice() as [number, number, number, number, number], strides as number | [number, number, number], pad);
      expect(ours.shape).toEqual(theirs.shape);
      const want = await theirs.data();
      f32(ours).forEach((v, i) => expect(v).toBeCloseTo(want[i], 4));
    }
    expect(() => tn.conv3dTranspose(x, k, [2, 5, 6, 4, 4], 2, 'same')).toThrow('conv3dTranspose: an output of 5x6x4 does not match the 2x3x2 input with a 3x2x3 kernel, strides [2,2,2]');
  });

  it('rejects bad arguments and inputs, naming the layer', () => {
    expect(() => new Conv3DTranspose({ kernelSize: 3 })).toThrow('Conv3DTranspose: received an invalid value for `filters`');
    expect(() => new Conv3DTranspose(2, [3, 3] as never)).toThrow('Conv3DTranspose: received an invalid value for `kernelSize`');
    expect(() => new Conv3DTranspose(2, 3, { strides: 2, outputPadding: 2 })).toThrow('Conv3DTranspose: strides must be greater than output padding');
    expect(() => new Conv3DTranspose(2, 3, { dataFormat: 'channels_first' as 'channels_last' })).toThrow('Conv3DTranspose: received an invalid value for `dataFormat`');
    expect(() => new Conv3DTranspose(2, 3, { name: 'up' }).apply(tn.zeros([1, 2, 2, 2]))).toThrow('Input 0 of layer "up" is incompatible with the layer: expected ndim=5');
  });

  it('round-trips its config, and saves and loads (TF.js folder, .keras) with the same predictions', async () => {
    const layer = new Conv3DTranspose(3, [2, 3, 2], { strides: [2, 1, 2], padding: 'same', outputPadding: [1, 0, 1], activation: 'relu', dilationRate: 1 });
    const again = new Conv3DTranspose(JSON.parse(JSON.stringify(layer.getConfig())) as tn.layers.Conv3DTransposeArgs);
    expect(again.getConfig()).toEqual(layer.getConfig());
    const model = new tn.Sequential([
      new tn.layers.Conv3D(4, 2, { strides: 2, padding: 'same', activation: 'relu', inputShape: [4, 4, 4, 1] }),
      new Conv3DTranspose(1, 3, { strides: 2, padding: 'same' }),
    ]);
    model.compile({ optimizer: 'adam', loss: 'mse' });
    const x = tn.randomNormal([3, 4, 4, 4, 1], 0, 1, 'float32', 25);
    await model.fit(x, x, { epochs: 1, verbose: 0 });
    const expected = Array.from((model.predict(x) as tn.Tensor).data());
    for (const target of ['tfjs3d', 'model3d.keras']) {
      const dir = freshDir();
      mkdirSync(dir);
      await model.save(join(dir, target));
      expect(Array.from(((await tn.loadModel(join(dir, target))).predict(x) as tn.Tensor).data()), target).toEqual(expected);
    }
  });
});
