// Keras 3 layers added together: Identity, RandomContrast, RandomBrightness, RandomGrayscale, Discretization,
// DepthwiseConv1D, SeparableConv1D, ZeroPadding3D, Cropping3D, UpSampling3D, SpatialDropout3D, RMSNormalization.
// Values and gradients against float64 PyTorch (test/fixtures/keras3-extra.json, from keras3-extra.py), finite
// differences, seeded statistics of the random layers, configs, saving through a TF.js folder and a .keras file,
// Keras 3 spellings of their configs, and the errors.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { layerFromKeras } from '../../lib/io/keras-config.js';
import { expectConfigRoundTrip } from '../helpers/config-roundtrip.js';
import { gradCheck, randomTensor, variableGradCheck } from '../helpers/gradcheck.js';
import { layerFixtureTests } from '../helpers/layer-fixtures.js';

const L = tn.layers;
const root = mkdtempSync(join(tmpdir(), 'tensornode-keras3-extra-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeEach(() => tn.clearSession());

describe('against float64 PyTorch', () => {
  layerFixtureTests('keras3-extra');
});

describe('finite differences', () => {
  it('DepthwiseConv1D and SeparableConv1D (same, stride 2, relu-free activations), input and weights', () => {
    for (const layer of [
      new L.DepthwiseConv1D({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'tanh' }),
      new L.SeparableConv1D({ filters: 3, kernelSize: 2, dilationRate: 2, activation: 'sigmoid' }),
    ] as tn.Layer[]) {
      const x = randomTensor([2, 7, 3], 11);
      layer.apply(x);
      for (const w of layer.weights) w.assign(randomTensor(w.shape, 3));
      gradCheck((v) => layer.apply(v) as tn.Tensor, [x]);
      variableGradCheck(() => layer.apply(x) as tn.Tensor, layer.trainableWeights);
    }
  });

  it('RMSNormalization over one and two axes', () => {
    for (const axis of [-1, [1, 2]]) {
      const layer = new L.RMSNormalization({ axis });
      const x = randomTensor([2, 3, 5], 5);
      layer.apply(x);
      layer.weights[0].assign(randomTensor(layer.weights[0].shape, 6, 0.5, 1.5));
      gradCheck((v) => layer.apply(v) as tn.Tensor, [x]);
      variableGradCheck(() => layer.apply(x) as tn.Tensor, layer.trainableWeights);
    }
  });

  it('ZeroPadding3D, Cropping3D, UpSampling3D', () => {
    const x = randomTensor([1, 3, 4, 3, 2], 9);
    gradCheck((v) => new L.ZeroPadding3D([1, 0, 2]).apply(v) as tn.Tensor, [x]);
    gradCheck((v) => new L.Cropping3D([[1, 1], [0, 2], [1, 0]]).apply(v) as tn.Tensor, [x]);
    gradCheck((v) => new L.UpSampling3D({ size: [1, 2, 2], dataFormat: 'channels_first' }).apply(v) as tn.Tensor, [x]);
  });
});

describe('DepthwiseConv1D and SeparableConv1D', () => {
  it('create Keras 3\'s weights and shapes, and take Keras\'s positional forms', () => {
    const d = new L.DepthwiseConv1D(3, { depthMultiplier: 2 });
    expect((d.apply(tn.zeros([2, 8, 5])) as tn.Tensor).shape).toEqual([2, 6, 10]);
    expect(d.weights.map((w) => [w.name, w.shape])).toEqual([['depthwise_conv1d/depthwise_kernel', [3, 5, 2]], ['depthwise_conv1d/bias', [10]]]);
    expect(d.computeOutputShape([null, null, 5])).toEqual([null, null, 10]);
    const s = new L.SeparableConv1D(4, 3, { padding: 'same', strides: 2, depthMultiplier: 3 });
    expect((s.apply(tn.zeros([2, 9, 2])) as tn.Tensor).shape).toEqual([2, 5, 4]);
    expect(s.weights.map((w) => [w.name, w.shape])).toEqual([
      ['separable_conv1d/depthwise_kernel', [3, 2, 3]], ['separable_conv1d/pointwise_kernel', [1, 6, 4]], ['separable_conv1d/bias', [4]],
    ]);
    expect(L.separableConv1d({ filters: 2, kernelSize: [2] }).kernelSize).toBe(2);
    expect(L.depthwiseConv1d({ kernelSize: 2, useBias: false }).useBias).toBe(false);
  });

  it('refuse bad options, naming the layer', () => {
    expect(() => new L.DepthwiseConv1D({})).toThrow('DepthwiseConv1D: received an invalid value for `kernelSize`');
    expect(() => new L.DepthwiseConv1D(3, { padding: 'causal' as 'same' })).toThrow("DepthwiseConv1D: received an invalid value for `padding`, expected 'valid' or 'same'");
    expect(() => new L.SeparableConv1D(0, 3)).toThrow('SeparableConv1D: received an invalid value for `filters`, expected a positive integer');
    expect(() => new L.SeparableConv1D(2, 3, { strides: 2, dilationRate: 2 })).toThrow('SeparableConv1D: strides > 1 are not compatible with dilationRate > 1');
    expect(() => new L.DepthwiseConv1D(3, { depthMultiplier: 0 })).toThrow('DepthwiseConv1D: received an invalid value for `depthMultiplier`');
    expect(() => new L.DepthwiseConv1D(5, { name: 'dw' }).apply(tn.zeros([1, 3, 2]))).toThrow('Layer "dw": the kernel of size 5 does not fit its input of shape [1,3,2]');
  });
});

describe('ZeroPadding3D, Cropping3D, UpSampling3D, SpatialDropout3D', () => {
  it('take Keras\'s forms and defaults', () => {
    expect(new L.ZeroPadding3D().padding).toEqual([[1, 1], [1, 1], [1, 1]]);
    expect(new L.ZeroPadding3D(2).padding).toEqual([[2, 2], [2, 2], [2, 2]]);
    expect(new L.Cropping3D().cropping).toEqual([[1, 1], [1, 1], [1, 1]]);
    expect(new L.Cropping3D([1, 0, 2]).cropping).toEqual([[1, 1], [0, 0], [2, 2]]);
    expect(new L.UpSampling3D().size).toEqual([2, 2, 2]);
    expect(L.zeroPadding3d({ padding: [[0, 1], [1, 0], [2, 2]] }).computeOutputShape([null, 2, null, 3, 4])).toEqual([null, 3, null, 7, 4]);
    expect(L.cropping3d({ cropping: 1, dataFormat: 'channels_first' }).computeOutputShape([null, 4, 3, 5, 6])).toEqual([null, 4, 1, 3, 4]);
    expect(L.upSampling3d({ size: 3 }).computeOutputShape([null, 1, 2, null, 4])).toEqual([null, 3, 6, null, 4]);
  });

  it('SpatialDropout3D drops whole channels of a volume in training only, the same from the same seed', () => {
    const x = tn.ones([3, 2, 3, 4, 6]);
    const layer = new L.SpatialDropout3D({ rate: 0.5, seed: 3 });
    expect(layer.apply(x)).toBe(x);
    const y = (layer.apply(x, { training: true }) as tn.Tensor).data() as Float32Array;
    // Each (sample, channel) is all 0 or all 2 across the 24 voxels.
    for (let n = 0; n < 3; n++) {
      for (let c = 0; c < 6; c++) {
        const vals = new Set<number>();
        for (let v = 0; v < 24; v++) vals.add(y[(n * 24 + v) * 6 + c]);
        expect(vals.size).toBe(1);
        expect([0, 2]).toContain([...vals][0]);
      }
    }
    const again = (new L.SpatialDropout3D({ rate: 0.5, seed: 3 }).apply(x, { training: true }) as tn.Tensor).data();
    expect(Array.from(again)).toEqual(Array.from(y));
    const first = (new L.SpatialDropout3D({ rate: 0.5, seed: 3, dataFormat: 'channels_first' }).apply(tn.ones([2, 3, 2, 2, 2]), { training: true }) as tn.Tensor).data();
    for (let k = 0; k < 6; k++) expect(new Set(Array.from(first.slice(k * 8, k * 8 + 8))).size).toBe(1);
  });

  it('refuse bad options, naming the layer', () => {
    expect(() => new L.ZeroPadding3D([1, 2] as unknown as number)).toThrow('ZeroPadding3D: received an invalid value for `padding`');
    expect(() => new L.Cropping3D(-1)).toThrow('Cropping3D: received an invalid value for `cropping`');
    expect(() => new L.UpSampling3D({ size: [2, 0, 1] as [number, number, number] })).toThrow('UpSampling3D: received an invalid value for `size`, expected a positive integer or a list of 3 positive integers');
    expect(() => new L.UpSampling3D({ dataFormat: 'nchw' as 'channels_last' })).toThrow('UpSampling3D: received an invalid value for `dataFormat`');
    expect(() => new L.SpatialDropout3D({ rate: 1 })).toThrow('SpatialDropout3D: received an invalid value for `rate`, expected a number in [0, 1)');
    expect(() => new L.Cropping3D({ cropping: 2, name: 'c3' }).apply(tn.zeros([1, 4, 5, 5, 1]))).toThrow('Layer "c3": `cropping` [[2,2],[2,2],[2,2]] removes 4 entries of spatial axis 1, but the input has 4');
    expect(() => new L.ZeroPadding3D({ name: 'z3' }).apply(tn.zeros([1, 2, 2, 2]))).toThrow('Input 0 of layer "z3" is incompatible with the layer: expected ndim=5, found ndim=4');
  });
});

describe('Identity', () => {
  it('returns its input and passes its mask on', () => {
    const x = tn.tensor([[1, 2, 0], [3, 0, 0]]);
    expect(new L.Identity().apply(x)).toBe(x);
    const pair = new L.Identity().apply([x, x]) as unknown as tn.Tensor[];
    expect(pair).toEqual([x, x]);
    const ids = tn.input({ shape: [3] });
    const emb = new L.Embedding({ inputDim: 5, outputDim: 2, maskZero: true }).apply(ids);
    const out = L.identity().apply(emb) as tn.SymbolicTensor;
    const model = tn.model({ inputs: ids, outputs: out });
    const y = model.predict(x) as tn.Tensor;
    expect(y.shape).toEqual([2, 3, 2]);
    expect(new L.Identity().apply(emb)).toBeDefined();
    expect(new L.Identity().computeOutputShape([null, 3])).toEqual([null, 3]);
    // Any tensor passes, as in Keras: strings and integers too.
    const words = tn.tensor(['a', 'b']);
    expect(new L.Identity().apply(words)).toBe(words);
    expect((new L.Identity({ dtype: 'int32' }).apply(tn.tensor([1, 2], [2], 'int32')) as tn.Tensor).dtype).toBe('int32');
  });

  it('ONNX export refuses RMSNormalization, naming the layer (Identity and the 3-D padding and cropping: test/io/onnx.test.ts)', async () => {
    const model = tn.sequential({ layers: [tn.layers.inputLayer({ shape: [4] }), new L.RMSNormalization({ name: 'rms' })] });
    await expect(tn.onnx.exportModel(model)).rejects.toThrow(/layer "rms" \(RMSNormalization\) is not one of the layers ONNX export translates/);
  });
});

describe('RMSNormalization', () => {
  it('has Keras 3\'s defaults and a scale weight per normalized entry', () => {
    const layer = new L.RMSNormalization();
    expect([layer.axis, layer.epsilon]).toEqual([-1, 1e-6]);
    layer.apply(tn.zeros([2, 5]));
    expect(layer.weights.map((w) => [w.name, w.shape, Array.from(w.data())])).toEqual([['rms_normalization/scale', [5], [1, 1, 1, 1, 1]]]);
    // Keras's docstring example shape: build([5, 20, 30, 10]) -> scale (10,)
    const b = L.rmsNormalization();
    b.build([5, 20, 30, 10]);
    expect(b.weights[0].shape).toEqual([10]);
    const y = new L.RMSNormalization().apply(tn.tensor([[3, 4]])) as tn.Tensor;
    const r = Math.sqrt(12.5 + 1e-6);
    expect(Math.abs(y.data()[0] - 3 / r)).toBeLessThan(1e-6);
    expect(Math.abs(y.data()[1] - 4 / r)).toBeLessThan(1e-6);
  });

  it('refuses bad options', () => {
    expect(() => new L.RMSNormalization({ axis: 1.5 })).toThrow('RMSNormalization: received an invalid value for `axis`, expected an integer or a non-empty list of integers');
    expect(() => new L.RMSNormalization({ epsilon: -1 })).toThrow('RMSNormalization: received an invalid value for `epsilon`');
    expect(() => new L.RMSNormalization({ axis: 3, name: 'rms' }).apply(tn.zeros([2, 3]))).toThrow('RMSNormalization "rms"');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Colour augmentations

/** Images with values in [0, 255), distinct per pixel and channel. */
const images = (n = 4, h = 5, w = 6, c = 3) => tn.randomUniform([n, h, w, c], 0, 255, 'float32', 17);

describe('RandomContrast, RandomBrightness, RandomGrayscale', () => {
  it('are the identity in inference (as float32)', () => {
    const x = images();
    for (const layer of [new L.RandomContrast(0.5), new L.RandomBrightness(0.3), new L.RandomGrayscale({ factor: 1 })] as tn.Layer[]) {
      expect(Array.from((layer.apply(x) as tn.Tensor).data())).toEqual(Array.from(x.data()));
    }
    const ints = tn.tensor([[[1, 2, 3]]], [1, 1, 3], 'int32');
    expect((new L.RandomBrightness(0.1).apply(ints) as tn.Tensor).dtype).toBe('float32');
  });

  it('RandomContrast: per image (x - mean) * factor + mean, factor in [1 - lower, 1 + upper], per-channel means, clipped', () => {
    const x = images();
    const layer = new L.RandomContrast({ factor: [0.4, 0.6], seed: 5 });
    expect(layer.factor).toEqual([0.4, 0.6]);
    const y = layer.apply(x, { training: true }) as tn.Tensor;
    const again = new L.RandomContrast({ factor: [0.4, 0.6], seed: 5 });
    const factors = again.getRandomTransformation(4);
    expect(Array.from((again.apply(x, { training: true }) as tn.Tensor).data())).not.toEqual(Array.from(y.data()));
    expect(Array.from((new L.RandomContrast({ factor: [0.4, 0.6], seed: 5 }).apply(x, { training: true }) as tn.Tensor).data())).toEqual(Array.from(y.data()));
    const xv = x.data();
    const yv = y.data();
    const [n, h, w, c] = x.shape;
    for (let i = 0; i < n; i++) {
      expect(factors[i]).toBeGreaterThanOrEqual(0.6);
      expect(factors[i]).toBeLessThanOrEqual(1.6);
      for (let ch = 0; ch < c; ch++) {
        let m = 0;
        for (let p = 0; p < h * w; p++) m += xv[(i * h * w + p) * c + ch];
        m /= h * w;
        for (let p = 0; p < h * w; p++) {
          const k = (i * h * w + p) * c + ch;
          expect(yv[k]).toBeCloseTo(Math.min(255, Math.max(0, (xv[k] - m) * factors[i] + m)), 2);
        }
      }
    }
    // Keras 3's rule for one number f: lower 0, upper f (contrast in [1, 1 + f]).
    expect(new L.RandomContrast(0.3).factor).toEqual([0, 0.3]);
    expect(new L.RandomContrast(0.3, { valueRange: [0, 1] }).valueRange).toEqual([0, 1]);
    const unit = new L.RandomContrast({ factor: [0.9, 0.9], valueRange: [0, 1], seed: 1 }).apply(tn.div(x, 255), { training: true }) as tn.Tensor;
    expect(Math.max(...unit.data())).toBeLessThanOrEqual(1);
    expect(Math.min(...unit.data())).toBeGreaterThanOrEqual(0);
  });

  it('RandomContrast follows channels_first and takes one image', () => {
    const x = images(1);
    const last = new L.RandomContrast({ factor: [0.5, 0.5], seed: 2 }).apply(x, { training: true }) as tn.Tensor;
    const first = new L.RandomContrast({ factor: [0.5, 0.5], seed: 2, dataFormat: 'channels_first' }).apply(tn.transpose(x, [0, 3, 1, 2]), { training: true }) as tn.Tensor;
    expect(Array.from(tn.transpose(first, [0, 2, 3, 1]).data())).toEqual(Array.from(last.data()));
    const one = new L.RandomContrast({ factor: [0.5, 0.5], seed: 2 }).apply(tn.reshape(x, [5, 6, 3]), { training: true }) as tn.Tensor;
    expect(one.shape).toEqual([5, 6, 3]);
    expect(Array.from(one.data())).toEqual(Array.from(last.data()));
  });

  it('RandomBrightness: one shift per image, uniform in factor * (high - low), clipped to the value range', () => {
    const x = images(64, 2, 2, 3);
    const layer = new L.RandomBrightness({ factor: [-0.2, 0.1], seed: 9 });
    const y = layer.apply(x, { training: true }) as tn.Tensor;
    const xv = x.data();
    const yv = y.data();
    const shifts: number[] = [];
    for (let i = 0; i < 64; i++) {
      // An unclipped element gives the image's shift; every element agrees with it up to the clip.
      let shift: number | null = null;
      for (let k = i * 12; k < i * 12 + 12; k++) if (yv[k] > 0 && yv[k] < 255) shift = yv[k] - xv[k];
      expect(shift).not.toBeNull();
      shifts.push(shift!);
      for (let k = i * 12; k < i * 12 + 12; k++) expect(yv[k]).toBeCloseTo(Math.min(255, Math.max(0, xv[k] + shift!)), 3);
    }
    expect(Math.min(...shifts)).toBeGreaterThanOrEqual(-0.2 * 255 - 1e-3);
    expect(Math.max(...shifts)).toBeLessThanOrEqual(0.1 * 255 + 1e-3);
    // Spread over the range (64 draws: both ends reached within a tenth of it).
    expect(Math.min(...shifts)).toBeLessThan(-0.17 * 255);
    expect(Math.max(...shifts)).toBeGreaterThan(0.07 * 255);
    const scaled = new L.RandomBrightness(1, [0, 1]).apply(tn.div(x, 255), { training: true }) as tn.Tensor;
    expect(Math.max(...scaled.data())).toBeLessThanOrEqual(1);
    expect(new L.RandomBrightness(0.2).factor).toEqual([-0.2, 0.2]);
    expect(new L.RandomBrightness({ factor: 0.2, valueRange: [255, 0] }).valueRange).toEqual([0, 255]);
  });

  it('RandomGrayscale: about `factor` of the images turn to 0.2989 R + 0.587 G + 0.114 B on every channel', () => {
    const x = images(200, 2, 2, 3);
    const y = (new L.RandomGrayscale({ factor: 0.3, seed: 4 }).apply(x, { training: true }) as tn.Tensor).data();
    const xv = x.data();
    let gray = 0;
    for (let i = 0; i < 200; i++) {
      const changed = Array.from({ length: 12 }, (_, k) => y[i * 12 + k] !== xv[i * 12 + k]).some(Boolean);
      if (!changed) continue;
      gray++;
      for (let p = 0; p < 4; p++) {
        const o = i * 12 + p * 3;
        const l = 0.2989 * xv[o] + 0.587 * xv[o + 1] + 0.114 * xv[o + 2];
        for (let ch = 0; ch < 3; ch++) expect(y[o + ch]).toBeCloseTo(l, 3);
      }
    }
    // Binomial(200, 0.3): mean 60, standard deviation 6.5; within 4 of them.
    expect(Math.abs(gray - 60)).toBeLessThan(26);
    expect(Array.from((new L.RandomGrayscale({ factor: 0 }).apply(x, { training: true }) as tn.Tensor).data())).toEqual(Array.from(xv));
    const all = new L.RandomGrayscale({ factor: 1, dataFormat: 'channels_first' }).apply(tn.transpose(x, [0, 3, 1, 2]), { training: true }) as tn.Tensor;
    const allLast = new L.RandomGrayscale({ factor: 1 }).apply(x, { training: true }) as tn.Tensor;
    expect(Array.from(tn.transpose(all, [0, 2, 3, 1]).data())).toEqual(Array.from(allLast.data()));
    expect(new L.RandomGrayscale().factor).toBe(0.5);
  });

  it('refuse bad options, naming the layer', () => {
    expect(() => new L.RandomContrast(1.5)).toThrow('RandomContrast: received an invalid value for `factor`, expected a number (or a list of two numbers) in the range [0, 1]. Received: factor=1.5');
    expect(() => new L.RandomContrast({} as never)).toThrow('RandomContrast: received an invalid value for `factor`');
    expect(() => new L.RandomBrightness(-2)).toThrow('RandomBrightness: received an invalid value for `factor`, expected a number (or a list of two numbers) in the range [-1, 1]');
    expect(() => new L.RandomBrightness({ factor: 0.1, valueRange: [0] as unknown as [number, number] })).toThrow('RandomBrightness: received an invalid value for `valueRange`');
    expect(() => new L.RandomGrayscale({ factor: 2 })).toThrow('RandomGrayscale: received an invalid value for `factor`, expected a number between 0 and 1');
    expect(() => new L.RandomContrast(0.1, { seed: NaN })).toThrow('RandomContrast: received an invalid value for `seed`');
    expect(() => new L.RandomGrayscale({ name: 'g' }).apply(tn.zeros([1, 2, 2, 4]), { training: true })).toThrow('Layer "g" (RandomGrayscale) expects RGB images with 3 channels');
    expect(() => new L.RandomContrast(0.1, { name: 'rc' }).apply(tn.zeros([2, 2]), { training: true })).toThrow('Layer "rc" (RandomContrast) expects images of rank 3 (one image) or 4 (a batch)');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Discretization

describe('Discretization', () => {
  it('buckets by binBoundaries as Keras\'s docstring example, in every output mode', () => {
    const x = tn.tensor([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]]);
    const layer = new L.Discretization({ binBoundaries: [0, 1, 2] });
    const y = layer.apply(x) as tn.Tensor;
    expect(y.dtype).toBe('int32');
    expect(y.array()).toEqual([[0, 2, 3, 1], [1, 3, 2, 1]]);
    expect((L.discretization({ binBoundaries: [0, 1, 2], outputMode: 'one_hot' }).apply(tn.tensor([[0.5], [2.5]])) as tn.Tensor).array()).toEqual([[0, 1, 0, 0], [0, 0, 0, 1]]);
    expect((new L.Discretization({ binBoundaries: [0, 1, 2], outputMode: 'multi_hot' }).apply(x) as tn.Tensor).array()).toEqual([[1, 1, 1, 1], [0, 1, 1, 1]]);
    expect((new L.Discretization({ binBoundaries: [0, 1, 2], outputMode: 'count' }).apply(x) as tn.Tensor).array()).toEqual([[1, 1, 1, 1], [0, 2, 1, 1]]);
    expect(new L.Discretization({ binBoundaries: [0, 1, 2], outputMode: 'count' }).computeOutputShape([null, 4])).toEqual([null, 4]);
  });

  it('adapts quantile boundaries as Keras does (the docstring example), from a tensor, batches or a dataset', async () => {
    const x = tn.tensor([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]]);
    const layer = new L.Discretization({ numBins: 4, epsilon: 0.01 });
    layer.adapt(x);
    expect((layer.apply(x) as tn.Tensor).array()).toEqual([[0, 2, 3, 2], [1, 3, 3, 1]]);
    expect(layer.binBoundaries!.length).toBe(3);
    // Uniform data: the boundaries of 4 bins sit near the quartiles.
    const u = tn.randomUniform([4000], 0, 1, 'float32', 3);
    const q = new L.Discretization({ numBins: 4 });
    q.adapt([tn.slice(u, [0], [1500]), tn.slice(u, [1500], [2500])]);
    q.binBoundaries!.forEach((b, i) => expect(Math.abs(b - (i + 1) / 4)).toBeLessThan(0.04));
    const ds = tn.data.array([tn.slice(u, [0], [2000]), tn.slice(u, [2000], [2000])]);
    const fromDs = new L.Discretization({ numBins: 4 });
    const pending = fromDs.adapt(ds);
    expect(() => fromDs.apply(u)).toThrow('adapt() is still reading its dataset');
    await pending;
    fromDs.binBoundaries!.forEach((b, i) => expect(Math.abs(b - (i + 1) / 4)).toBeLessThan(0.04));
  });

  it('refuses bad options and misuse, naming the layer', () => {
    expect(() => new L.Discretization()).toThrow('Discretization: you need to set either `numBins` (and call adapt()) or `binBoundaries`.');
    expect(() => new L.Discretization({ numBins: 2, binBoundaries: [0] })).toThrow('Discretization: both `numBins` and `binBoundaries` should not be set');
    expect(() => new L.Discretization({ binBoundaries: [2, 1] })).toThrow('Discretization: received an invalid value for `binBoundaries`, expected a list of numbers in increasing order');
    expect(() => new L.Discretization({ numBins: 1.5 })).toThrow('Discretization: received an invalid value for `numBins`, expected a positive integer');
    expect(() => new L.Discretization({ binBoundaries: [0], outputMode: 'tf_idf' as 'int' })).toThrow('Discretization: received an invalid value for `outputMode`');
    expect(() => new L.Discretization({ binBoundaries: [0], epsilon: 0 })).toThrow('Discretization: received an invalid value for `epsilon`');
    expect(() => new L.Discretization({ binBoundaries: [0], name: 'd' }).adapt(tn.ones([3]))).toThrow('Layer "d" (Discretization): cannot adapt a Discretization layer that has been initialized with `binBoundaries`, use `numBins` instead.');
    expect(() => new L.Discretization({ numBins: 3, name: 'd2' }).apply(tn.ones([3]))).toThrow('Layer "d2" (Discretization): you need to either pass the `binBoundaries` argument at construction time or call `adapt(dataset)`');
    expect(() => new L.Discretization({ numBins: 3 }).adapt([] as tn.Tensor[])).toThrow('adapt() received no data');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Configs and saving

describe('configs, Keras spellings and saving', () => {
  const made = (): tn.Layer[] => [
    new L.Identity(), new L.RandomContrast({ factor: [0.1, 0.2], seed: 3, valueRange: [0, 1] }), new L.RandomBrightness({ factor: 0.2, seed: 1 }),
    new L.RandomGrayscale({ factor: 0.25, dataFormat: 'channels_first', seed: 2 }), new L.Discretization({ binBoundaries: [0, 1], outputMode: 'one_hot' }),
    new L.DepthwiseConv1D({ kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'relu' }),
    new L.SeparableConv1D({ filters: 3, kernelSize: 2, strides: 2 }), new L.ZeroPadding3D([[1, 0], [0, 1], [2, 2]]),
    new L.Cropping3D({ cropping: 1, dataFormat: 'channels_first' }), new L.UpSampling3D({ size: [1, 2, 3] }),
    new L.SpatialDropout3D({ rate: 0.3, seed: 4 }), new L.RMSNormalization({ axis: [1, 2], epsilon: 1e-5 }),
  ];

  it('getConfig gives back an equal layer, directly and through Keras\'s (TF.js\'s) spelling', () => {
    expectConfigRoundTrip(made());
  });

  it('reads Keras 3\'s spellings (module objects, nulls, Keras 3\'s weight name `kernel`)', () => {
    const k3 = (className: string, config: Record<string, unknown>) => layerFromKeras({ module: 'keras.layers', class_name: className, config: { name: 'x', trainable: true, dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null }, ...config }, registered_name: null });
    const c = k3('RandomContrast', { factor: [0, 0.2], value_range: [0, 255], seed: null }) as InstanceType<typeof L.RandomContrast>;
    expect([c.factor, c.seed]).toEqual([[0, 0.2], undefined]);
    const g = k3('RandomGrayscale', { factor: 0.5, data_format: 'channels_last', seed: null }) as InstanceType<typeof L.RandomGrayscale>;
    expect(g.factor).toBe(0.5);
    const d = k3('Discretization', { bin_boundaries: [0.5, 1.5], num_bins: 3, epsilon: 0.01, output_mode: 'int', sparse: false }) as InstanceType<typeof L.Discretization>;
    expect([d.binBoundaries, d.numBins]).toEqual([[0.5, 1.5], 3]);
    const r = k3('RMSNormalization', { axis: -1, epsilon: 1e-6 }) as InstanceType<typeof L.RMSNormalization>;
    expect(r.epsilon).toBe(1e-6);
    const s = k3('SeparableConv1D', { filters: 2, kernel_size: [3], strides: [1], padding: 'valid', data_format: 'channels_last', dilation_rate: [1], depth_multiplier: 1, activation: 'linear', use_bias: true, depthwise_initializer: { module: 'keras.initializers', class_name: 'GlorotUniform', config: { seed: null }, registered_name: null }, pointwise_initializer: null, bias_initializer: null, depthwise_regularizer: null, pointwise_regularizer: null, bias_regularizer: null, activity_regularizer: null, depthwise_constraint: null, pointwise_constraint: null, bias_constraint: null });
    expect(s.className).toBe('SeparableConv1D');
    const z = k3('ZeroPadding3D', { padding: [[1, 1], [2, 2], [0, 0]], data_format: 'channels_first' }) as InstanceType<typeof L.ZeroPadding3D>;
    expect([z.padding, z.dataFormat]).toEqual([[[1, 1], [2, 2], [0, 0]], 'channels_first']);
    expect(k3('SpatialDropout3D', { rate: 0.2, seed: null, data_format: null }).className).toBe('SpatialDropout3D');
    expect(k3('Identity', {}).className).toBe('Identity');
  });

  it('a model with them trains, then saves and loads through a TF.js folder and a .keras file with the same outputs', async () => {
    const inp = tn.input({ shape: [8, 3] });
    let h = new L.DepthwiseConv1D({ kernelSize: 3, depthMultiplier: 2, padding: 'same' }).apply(inp) as tn.SymbolicTensor;
    h = new L.SeparableConv1D({ filters: 4, kernelSize: 2 }).apply(h) as tn.SymbolicTensor;
    h = new L.RMSNormalization().apply(h) as tn.SymbolicTensor;
    h = new L.Identity().apply(h) as tn.SymbolicTensor;
    h = new L.Reshape([7, 4, 1, 1]).apply(h) as tn.SymbolicTensor;
    h = new L.ZeroPadding3D([1, 0, 1]).apply(h) as tn.SymbolicTensor;
    h = new L.UpSampling3D([1, 1, 2]).apply(h) as tn.SymbolicTensor;
    h = new L.Cropping3D([1, 0, 1]).apply(h) as tn.SymbolicTensor;
    h = new L.SpatialDropout3D({ rate: 0.2, seed: 1 }).apply(h) as tn.SymbolicTensor;
    h = new L.Flatten().apply(h) as tn.SymbolicTensor;
    const out = new L.Dense(1).apply(h) as tn.SymbolicTensor;
    const model = tn.model({ inputs: inp, outputs: out });
    model.compile({ optimizer: 'adam', loss: 'mse' });
    const x = tn.randomNormal([6, 8, 3], 0, 1, 'float32', 2);
    await model.fit(x, tn.randomNormal([6, 1], 0, 1, 'float32', 3), { epochs: 2, verbose: 0 });
    const expected = Array.from((model.predict(x) as tn.Tensor).data());
    for (const target of [join(root, 'tfjs'), join(root, 'model.keras')]) {
      await model.save(target);
      const loaded = await tn.loadModel(target);
      expect(loaded.layers.map((l) => l.className), target).toEqual(model.layers.map((l) => l.className));
      const got = Array.from((loaded.predict(x) as tn.Tensor).data());
      got.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
    }
  });

  it('the image and numeric preprocessing layers save and load too (Discretization adapted)', async () => {
    const disc = new L.Discretization({ numBins: 3 });
    disc.adapt(tn.randomUniform([300], 0, 1, 'float32', 8));
    const model = tn.sequential({
      layers: [
        new L.RandomContrast({ factor: 0.2, seed: 1, inputShape: [4, 4, 3] }), new L.RandomBrightness({ factor: 0.2, seed: 1 }), new L.RandomGrayscale({ seed: 1 }),
        new L.Rescaling(1 / 255), disc,
      ],
    });
    const x = tn.randomUniform([2, 4, 4, 3], 0, 255, 'float32', 5);
    const expected = (model.predict(x) as tn.Tensor).array();
    for (const target of [join(root, 'pre-tfjs'), join(root, 'pre.keras')]) {
      await model.save(target);
      const loaded = await tn.loadModel(target);
      expect((loaded.layers[4] as InstanceType<typeof L.Discretization>).binBoundaries, target).toEqual(disc.binBoundaries);
      expect((loaded.predict(x) as tn.Tensor).array(), target).toEqual(expected);
    }
  });
});
