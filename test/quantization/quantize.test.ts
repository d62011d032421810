// tn.quantization.quantizeModel: the reference CNN trained on real MNIST keeps its accuracy within a point in int8;
// the quantized layers compute what their definition says (against float64); quantized models save and load to
// the same predictions; and unsupported models and options fail with clear errors.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { foldNormalization } from '../../lib/quantization/quantize.js';
import { randomTensor } from '../helpers/gradcheck.js';

const { Conv2D, MaxPooling2D, Flatten, Dense, Dropout, BatchNormalization } = tn.layers;

function accuracy(model: tn.Model, x: tn.Tensor, y: tn.Tensor): number {
  const p = (model.predict(x, { batchSize: 256 }) as tn.Tensor).argMax(-1).data();
  const labels = y.data();
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (p[i] === labels[i]) correct++;
  return correct / labels.length;
}

describe('quantizeModel on the reference CNN (real MNIST digits)', () => {
  let float: tn.Sequential;
  let int8: tn.Sequential;
  let xTest: tn.Tensor;
  let yTest: tn.Tensor;
  beforeAll(async () => {
    const [[xTrain, yTrain], [xt, yt]] = await tn.datasets.mnist.loadData();
    xTest = xt;
    yTest = yt;
    tn.setSeed(1);
    float = new tn.Sequential([
      new Conv2D(32, [3, 3], { activation: 'relu', inputShape: [28, 28, 1] }),
      new MaxPooling2D([2, 2]),
      new Flatten(),
      new Dense(128, { activation: 'relu' }),
      new Dense(10, { activation: 'softmax' }),
    ]);
    float.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
    await float.fit(xTrain, yTrain, { epochs: 5, batchSize: 64, verbose: 0 });
    // Calibration on 512 training images (every 15th: all digits).
    const pick = tn.tensor(Int32Array.from({ length: 512 }, (_, i) => i * 15), [512], 'int32');
    int8 = tn.quantization.quantizeModel(float, { calibrationData: tn.gather(xTrain, pick), perChannel: true });
  });

  it('keeps the test accuracy within 1 point of float32', () => {
    const a32 = accuracy(float, xTest, yTest);
    const a8 = accuracy(int8, xTest, yTest);
    console.log(`reference CNN on the 2,000 MNIST test digits: float32 ${a32}, int8 ${a8}`);
    expect(a32).toBeGreaterThan(0.95);
    expect(Math.abs(a8 - a32)).toBeLessThanOrEqual(0.01);
  });

  it('quantizes both Dense layers; the 1-channel first Conv2D, its pooling and Flatten stay float32', () => {
    expect(int8.layers.map((l) => l.className)).toEqual(['Conv2D', 'MaxPooling2D', 'Flatten', 'QuantizedDense', 'QuantizedDense']);
    const kernel = int8.layers[3].getWeights()[0];
    expect(kernel.dtype).toBe('int32');
    const q = kernel.data();
    expect(q.every((v) => Number.isInteger(v) && v >= -127 && v <= 127)).toBe(true);
    // The first Dense writes its relu output in the second's input code, which the second reads as it is.
    const [dense1, dense2] = [int8.layers[3], int8.layers[4]] as tn.quantization.QuantizedDense[];
    expect(dense1.outputQuantization).toEqual(dense2.inputQuantization);
    expect(dense2.outputQuantization).toBeNull();
    // Per channel: each output unit's largest weight maps to +-127.
    const oc = 128;
    for (let j = 0; j < oc; j++) {
      let m = 0;
      for (let i = j; i < q.length; i += oc) m = Math.max(m, Math.abs(q[i]));
      expect(m).toBe(127);
    }
  });

  it('gives probabilities close to float32 for each image', () => {
    const x = tn.slice(xTest, [0, 0, 0, 0], [200, -1, -1, -1]);
    const p32 = (float.predict(x) as tn.Tensor).data();
    const p8 = (int8.predict(x) as tn.Tensor).data();
    let worst = 0;
    for (let i = 0; i < p32.length; i++) worst = Math.max(worst, Math.abs(p32[i] - p8[i]));
    expect(worst).toBeLessThan(0.1);
  });

  it('saves and loads to identical predictions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'int8-'));
    try {
      await int8.save(dir);
      const loaded = await tn.loadModel(dir);
      expect(loaded.layers.map((l) => l.className)).toEqual(int8.layers.map((l) => l.className));
      const x = tn.slice(xTest, [0, 0, 0, 0], [64, -1, -1, -1]);
      expect((loaded.predict(x) as tn.Tensor).data()).toEqual((int8.predict(x) as tn.Tensor).data());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** float64 reference of QuantizedDense from its definition. */
function refQuantizedDense(x: Float32Array, m: number, k: number, q: ArrayLike<number>, scales: ArrayLike<number>, bias: ArrayLike<number>, input: { scale: number; zeroPoint: number }, relu: boolean): number[] {
  const n = scales.length;
  const out: number[] = [];
  for (let r = 0; r < m; r++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = 0; i < k; i++) {
        const code = Math.min(255, Math.max(0, Math.round(x[r * k + i] / input.scale) + input.zeroPoint));
        s += (code - input.zeroPoint) * q[i * n + j];
      }
      const z = input.scale * scales[j] * s + bias[j];
      out.push(relu ? Math.max(0, z) : z);
    }
  }
  return out;
}

describe('quantized layers', () => {
  it('QuantizedDense computes its definition (float64 reference), and setWeights repacks', () => {
    const k = 37;
    const n = 19;
    const m = 5;
    const input = { scale: 0.02, zeroPoint: 100 };
    const layer = new tn.quantization.QuantizedDense({ units: n, activation: 'relu', inputQuantization: input });
    const x = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i) * 1.5);
    const q = Int32Array.from({ length: k * n }, (_, i) => ((i * 37) % 255) - 127);
    const scales = Float32Array.from({ length: n }, (_, j) => 0.001 * (j + 1));
    const bias = Float32Array.from({ length: n }, (_, j) => 0.1 * (j - 9));
    layer.apply(tn.zeros([1, k]));
    layer.setWeights([tn.tensor(q, [k, n], 'int32'), tn.tensor(scales), tn.tensor(bias)]);
    const check = () => {
      const y = (layer.apply(tn.tensor(x, [m, k])) as tn.Tensor).data();
      const ref = refQuantizedDense(x, m, k, layer.getWeights()[0].data(), layer.getWeights()[1].data(), layer.getWeights()[2].data(), input, true);
      ref.forEach((v, i) => expect(Math.abs(y[i] - v)).toBeLessThan(1e-5 * Math.max(1, Math.abs(v))));
    };
    check();
    layer.setWeights([tn.tensor(q.map((v) => -v), [k, n], 'int32'), tn.tensor(scales), tn.tensor(bias)]);
    check();
  });

  it('rejects kernels outside int8 and bad quantization parameters', () => {
    const layer = new tn.quantization.QuantizedDense({ units: 2, inputQuantization: { scale: 1, zeroPoint: 0 } });
    layer.apply(tn.zeros([1, 2]));
    layer.setWeights([tn.tensor(Int32Array.from([1, 2, 3, 200]), [2, 2], 'int32'), tn.ones([2]), tn.zeros([2])]);
    expect(() => layer.apply(tn.zeros([1, 2]))).toThrow(/kernel holds 200 at index 3; an int8 kernel holds integers in \[-127, 127\]/);
    expect(() => new tn.quantization.QuantizedDense({ units: 2, inputQuantization: { scale: 0, zeroPoint: 0 } })).toThrow(/QuantizedDense: received an invalid value for `inputQuantization`/);
    expect(() => new tn.quantization.QuantizedConv2D({ filters: 2, kernelSize: 3, activation: 'tanh', inputQuantization: { scale: 1, zeroPoint: 0 }, pool: { poolSize: 2, outputQuantization: { scale: 1, zeroPoint: 0 } } })).toThrow(/a fused max pooling needs relu or linear/);
    const dense = new tn.quantization.QuantizedDense({ units: 2, inputQuantization: { scale: 1, zeroPoint: 0 } });
    expect(() => dense.apply(tn.zeros([3, 4, 5]))).not.toThrow();
    expect(() => dense.apply(tn.zeros([3, 4, 6]))).toThrow();
  });
});

describe('quantizeModel on a CIFAR-style CNN', () => {
  it('quantizes Conv2D (with its max pooling) and Dense, keeps the 3-channel first Conv2D and Dropout in float, folds BatchNormalization into the Conv2D after it, and stays close to float32', () => {
    tn.setSeed(3);
    const model = new tn.Sequential([
      new Conv2D(8, 3, { padding: 'same', activation: 'relu', inputShape: [12, 12, 3] }),
      new BatchNormalization(),
      new Conv2D(8, 3, { activation: 'relu' }),
      new MaxPooling2D(2),
      new Dropout(0.25),
      new Conv2D(16, 3, { padding: 'same', activation: 'tanh' }),
      new Flatten(),
      new Dense(32, { activation: 'relu' }),
      new Dense(4),
    ]);
    const x = tn.randomUniform([64, 12, 12, 3], 0, 1, 'float32', 5);
    model.predict(x);
    // Statistics of their own, so that folding the normalization changes the kernel.
    const bn = model.layers[1] as InstanceType<typeof BatchNormalization>;
    bn.setWeights([randomTensor([8], 6, 0.5, 1.5), randomTensor([8], 7, -0.5, 0.5), randomTensor([8], 8, -0.2, 0.5), randomTensor([8], 9, 0.05, 0.4)]);
    const q = tn.quantization.quantizeModel(model, { calibrationData: x, batchSize: 16 });
    expect(q.layers.map((l) => l.className)).toEqual(['Conv2D', 'QuantizedConv2D', 'Dropout', 'QuantizedConv2D', 'Flatten', 'QuantizedDense', 'QuantizedDense']);
    expect((q.layers[1] as tn.quantization.QuantizedConv2D).pool?.poolSize).toEqual([2, 2]);
    const y32 = (model.predict(x) as tn.Tensor).data();
    const y8 = (q.predict(x) as tn.Tensor).data();
    let worst = 0;
    let range = 0;
    for (let i = 0; i < y32.length; i++) {
      worst = Math.max(worst, Math.abs(y32[i] - y8[i]));
      range = Math.max(range, Math.abs(y32[i]));
    }
    expect(worst).toBeLessThan(0.05 * range);
  });

  it('folds BatchNormalization exactly into a \'valid\' Conv2D or a Dense after Flatten, and leaves it before a \'same\' Conv2D', () => {
    const bn = new BatchNormalization();
    const conv = new Conv2D(5, [3, 2], { strides: [1, 2] });
    const x = randomTensor([3, 7, 8, 4], 10);
    conv.apply(bn.apply(x) as tn.Tensor);
    bn.setWeights([randomTensor([4], 11, 0.5, 1.5), randomTensor([4], 12, -0.5, 0.5), randomTensor([4], 13, -1, 1), randomTensor([4], 14, 0.1, 2)]);
    const folded = foldNormalization(bn, conv);
    const want = Array.from((conv.apply(bn.apply(x) as tn.Tensor) as tn.Tensor).data());
    const plain = new Conv2D(5, [3, 2], { strides: [1, 2] });
    plain.apply(x);
    plain.setWeights([tn.tensor(folded.kernel, folded.shape), tn.tensor(folded.bias!, [5])]);
    const got = Array.from((plain.apply(x) as tn.Tensor).data());
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 4));
    // Through Flatten: the channel is the fastest axis of the flattened vector.
    const dense = new Dense(3, { useBias: false });
    const flat = new Flatten();
    dense.apply(flat.apply(bn.apply(x) as tn.Tensor) as tn.Tensor);
    const fd = foldNormalization(bn, dense);
    const wantDense = Array.from((dense.apply(flat.apply(bn.apply(x) as tn.Tensor) as tn.Tensor) as tn.Tensor).data());
    const gotDense = tn.add(tn.matMul(flat.apply(x) as tn.Tensor, tn.tensor(fd.kernel, fd.shape)), tn.tensor(fd.bias!, [3]));
    Array.from(gotDense.data()).forEach((v, i) => expect(v).toBeCloseTo(wantDense[i], 4));
    // Before a 'same' Conv2D the border would read zeros the normalization moves: not folded.
    const same = new tn.Sequential([new Conv2D(6, 3, { activation: 'relu', inputShape: [6, 6, 4] }), new BatchNormalization(), new Conv2D(6, 3, { padding: 'same' }), new Flatten(), new Dense(2)]);
    const q = tn.quantization.quantizeModel(same, { calibrationData: tn.randomUniform([8, 6, 6, 4], 0, 1, 'float32', 15) });
    expect(q.layers.map((l) => l.className)).toEqual(['QuantizedConv2D', 'BatchNormalization', 'QuantizedConv2D', 'Flatten', 'QuantizedDense']);
  });

  it('quantizes a Sequential whose input shape comes from tn.input() (as every Keras 3 Sequential has it)', () => {
    const model = new tn.Sequential([tn.input({ shape: [8, 8, 1] }), new Conv2D(4, 3, { activation: 'relu' }), new Flatten(), new Dense(3)]);
    const x = tn.randomUniform([16, 8, 8, 1], 0, 1, 'float32', 4);
    const q = tn.quantization.quantizeModel(model, { calibrationData: x });
    expect(q.built).toBe(true);
    const want = Array.from((model.predict(x) as tn.Tensor).data());
    const got = Array.from((q.predict(x) as tn.Tensor).data());
    const scale = Math.max(...want.map(Math.abs));
    got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(0.05 * scale));
  });

  it('quantizes per layer with perChannel: false (one scale per kernel)', () => {
    const model = new tn.Sequential([new Dense(6, { activation: 'relu', inputShape: [5] }), new Dense(3)]);
    const q = tn.quantization.quantizeModel(model, { calibrationData: tn.randomNormal([32, 5], 0, 1, 'float32', 2), perChannel: false });
    const scales = q.layers[0].getWeights()[1].data();
    expect(new Set(scales).size).toBe(1);
  });
});

describe('quantizeModel errors', () => {
  const model = new tn.Sequential([new Dense(3, { inputShape: [4] })]);
  it('names what is wrong', () => {
    const input = tn.input({ shape: [4] });
    const functional = tn.model({ inputs: input, outputs: new Dense(2).apply(input) as tn.SymbolicTensor });
    expect(() => tn.quantization.quantizeModel(functional, { calibrationData: tn.zeros([2, 4]) })).toThrow(/quantizeModel: supports Sequential models; received/);
    expect(() => tn.quantization.quantizeModel(model, {} as tn.quantization.QuantizeOptions)).toThrow(/calibrationData is required/);
    expect(() => tn.quantization.quantizeModel(model, { calibrationData: tn.zeros([2, 4]), perChanel: true } as unknown as tn.quantization.QuantizeOptions)).toThrow(/unknown option "perChanel"/);
    expect(() => tn.quantization.quantizeModel(model, { calibrationData: tn.zeros([2, 4]), batchSize: 0 })).toThrow(/batchSize must be a positive integer/);
    expect(() => tn.quantization.quantizeModel(model, { calibrationData: tn.tensor([[1, NaN, 0, 0]]) })).toThrow(/quantizeModel: the input of layer "dense_?\w*" holds NaN on the calibration data/);
    const unbuilt = new tn.Sequential([new Dense(3)]);
    expect(() => tn.quantization.quantizeModel(unbuilt, { calibrationData: tn.zeros([2, 4]) })).toThrow(/the model must be built/);
  });
});
