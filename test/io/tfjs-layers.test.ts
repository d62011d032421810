// TF.js's layers-model files: real files from the wild, files TF.js 4.22 writes in the suite (shards, quantization,
// scopes, training config, optimizer weights), Keras 3 spellings, and clear errors. TF.js (the devDependency, CPU
// backend) computes every expected value from the same files.
import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import {
  expectClose, expectSamePredictions, quantizeAffine, quantizeFloat16, randomValues, randomizeTfjs, readFolder, tf, tfjsArtifacts, tfjsLoad,
  useCpu, weightBytes, writeFolder, type Artifacts,
} from '../helpers/tfjs.js';
import { gradCheck, randomTensor } from '../helpers/gradcheck.js';

// ../shared beside the project (as CI lays it out), or beside the worktrees' folder (/work/wt/<name>).
const REAL = [resolve(__dirname, '../../../shared/realmodels/tfjs'), resolve(__dirname, '../../../../shared/realmodels/tfjs')].find((d) => existsSync(d))
  ?? resolve(__dirname, '../../../shared/realmodels/tfjs');
const root = mkdtempSync(join(tmpdir(), 'tensornode-tfjs-'));
let dirs = 0;
const freshDir = () => join(root, `m${dirs++}`);
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeAll(useCpu);
beforeEach(() => tn.clearSession());

const input = (shape: number[], seed: number, f: (x: number) => number = (x) => x) => ({ values: randomValues(shape.reduce((p, d) => p * d, 1), seed).map(f), shape });
const ids = (shape: number[], vocab: number, seed: number) => input(shape, seed, (x) => Math.floor(((x + 1) / 2) * vocab));
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

/** Weights compared by name (TF.js lists trainable weights of all layers first, tensornode layer by layer). */
function expectSameWeights(ours: tn.Model, theirs: tf.LayersModel, rtol: number, atol: number): void {
  const byName = new Map(theirs.weights.map((w) => [w.originalName ?? w.name, w]));
  expect(ours.weights.length).toBe(theirs.weights.length);
  for (const v of ours.weights) {
    const w = byName.get(v.name);
    expect(w, v.name).toBeDefined();
    expectClose(v.data(), w!.read().dataSync(), rtol, atol, v.name);
  }
}

describe('real TF.js files', () => {
  it('mnist-cnn-conv (Keras 2.12, converter 4.4): Conv2D, MaxPooling2D, Flatten, Dense predict as TF.js does', async () => {
    const dir = join(REAL, 'mnist-cnn-conv');
    const ours = await tn.loadLayersModel(`file://${dir}/model.json`);
    const theirs = await tfjsLoad(readFolder(dir));
    expect(ours).toBeInstanceOf(tn.Sequential);
    expect(ours.countParams()).toBe(theirs.countParams());
    expectSamePredictions(ours, theirs, [input([5, 28, 28, 1], 1, (x) => (x + 1) / 2)]);
  });

  it('emotion-embedding-lstm (Keras 2.13, converter 3.21): Embedding, two LSTMs (lstm_cell scopes), Dense', async () => {
    const dir = join(REAL, 'emotion-embedding-lstm');
    const ours = await tn.models.loadModel(dir);
    const theirs = await tfjsLoad(readFolder(dir));
    expectSamePredictions(ours, theirs, [ids([4, 20], 5000, 2)]);
  });

  it('stock-lstm-keras3 (Keras 3.8): batch_shape, dtype policies, scoped names sequential_4/lstm_8/lstm_cell/kernel', async () => {
    const dir = join(REAL, 'stock-lstm-keras3');
    const ours = await tn.models.loadModel(join(dir, 'model.json'));
    // TF.js 4.22 cannot read Keras 3 spellings; hand it the same model in Keras 2 spelling.
    const a = readFolder(dir);
    const text = JSON.stringify(a.modelTopology)
      .replace(/"batch_shape"/g, '"batch_input_shape"')
      .replace(/\{"module":"keras","class_name":"DTypePolicy","config":\{"name":"[a-z_0-9]+"\},"registered_name":null\}/g, '"float32"');
    a.modelTopology = JSON.parse(text);
    a.weightSpecs = a.weightSpecs!.map((s) => ({ ...s, name: s.name.replace(/^sequential_4\//, '') }));
    const theirs = await tfjsLoad(a);
    expectSamePredictions(ours, theirs, [input([3, 60, 7], 3)]);
  });

  it("compile from their Keras training configs (Custom>Adam, MeanMetricWrapper, Keras 3's LossScaleOptimizer) when given as the trainingConfig", async () => {
    for (const [name, loss, metrics] of [
      ['mnist-cnn-conv', 'sparse_categorical_crossentropy', ['loss', 'accuracy']],
      ['emotion-embedding-lstm', 'categorical_crossentropy', ['loss', 'accuracy']],
      ['stock-lstm-keras3', 'mean_squared_error', ['loss']],
    ] as const) {
      const a = readFolder(join(REAL, name));
      const tc = (a.modelTopology as { training_config: tn.io.TrainingConfig }).training_config;
      // As TF.js, a training config inside the Keras topology alone does not compile.
      expect((await tn.loadLayersModel(tn.io.fromMemory(a))).optimizer).toBeNull();
      const model = await tn.loadLayersModel(tn.io.fromMemory({ ...a, trainingConfig: tc }));
      expect(model.optimizer, name).toBeInstanceOf(tn.optimizers.Adam);
      expect(model.optimizer!.learningRate).toBeCloseTo(0.001, 9);
      expect((model.optimizer as tn.optimizers.Adam).beta2).toBe(0.999);
      expect(model.compileArgs!.loss).toBe(loss);
      expect(model.metricsNames).toEqual(metrics);
    }
  });

  it('tm-mobilenet-v2 (Teachable Machine, TF.js 1.x file without "format"): a Sequential of a functional MobileNetV2 and a head predicts as TF.js does', async () => {
    const dir = join(REAL, 'tm-mobilenet-v2');
    const a = readFolder(dir);
    expect((a as { format?: string }).format).toBeUndefined();
    const ours = await tn.loadLayersModel(`file://${dir}/model.json`);
    const theirs = await tfjsLoad(a);
    expect(ours).toBeInstanceOf(tn.Sequential);
    expect(ours.countParams()).toBe(theirs.countParams());
    // MobileNetV2's own classes: ZeroPadding2D, DepthwiseConv2D, ReLU(max_value 6), inside a functional model.
    const inner = (ours.layers[0] as tn.Model).layers[0] as tn.Model;
    const classes = new Set(inner.layers.map((l) => l.className));
    for (const cls of ['ZeroPadding2D', 'DepthwiseConv2D', 'ReLU', 'Add', 'BatchNormalization']) expect(classes, cls).toContain(cls);
    expect((inner.getLayer('Conv1_relu') as tn.layers.ReLU).maxValue).toBe(6);
    expectSameWeights(ours, theirs, 0, 0);
    expectSamePredictions(ours, theirs, [input([2, 224, 224, 3], 4)], 1e-4, 1e-5);
  });
});

/** A TF.js Sequential CNN with every weight randomized. */
function tfjsCnn(): tf.LayersModel {
  const m = tf.sequential({ name: 'cnn' });
  m.add(tf.layers.conv2d({ inputShape: [10, 10, 3], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv_a' }));
  m.add(tf.layers.batchNormalization({ name: 'bn' }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2, name: 'pool_max' }));
  m.add(tf.layers.conv2d({ filters: 5, kernelSize: [2, 3], strides: [1, 2], useBias: false, name: 'conv_b' }));
  m.add(tf.layers.averagePooling2d({ poolSize: 2, strides: 1, name: 'pool_avg' }));
  m.add(tf.layers.dropout({ rate: 0.3, name: 'drop' }));
  m.add(tf.layers.flatten({ name: 'flat' }));
  m.add(tf.layers.dense({ units: 6, activation: 'softmax', name: 'out' }));
  randomizeTfjs(m, 10);
  return m;
}

/** A TF.js functional model: Embedding, LSTM, GRU, a shared Dense, Concatenate, Add, and a nested Sequential. */
function tfjsFunctional(): tf.LayersModel {
  const tokens = tf.input({ shape: [7], name: 'tokens' });
  const feats = tf.input({ shape: [5], name: 'feats' });
  const emb = tf.layers.embedding({ inputDim: 30, outputDim: 6, name: 'emb' }).apply(tokens) as tf.SymbolicTensor;
  // TF.js's default recurrent activation (hard_sigmoid) for the LSTM; sigmoid for the GRU, so that the graph reads
  // the same when the Keras 3 tests relabel the file as Keras 3 (whose hard_sigmoid differs).
  const seq = tf.layers.lstm({ units: 4, returnSequences: true, name: 'lstm' }).apply(emb) as tf.SymbolicTensor;
  const last = tf.layers.gru({ units: 5, recurrentActivation: 'sigmoid', name: 'gru' }).apply(seq) as tf.SymbolicTensor;
  const shared = tf.layers.dense({ units: 5, activation: 'tanh', name: 'shared' });
  const a = shared.apply(feats) as tf.SymbolicTensor;
  const b = shared.apply(last) as tf.SymbolicTensor;
  const sum = tf.layers.add({ name: 'sum' }).apply([a, b]) as tf.SymbolicTensor;
  const cat = tf.layers.concatenate({ name: 'cat' }).apply([sum, last, a]) as tf.SymbolicTensor;
  const head = tf.sequential({ name: 'head', layers: [tf.layers.dense({ inputShape: [15], units: 8, activation: 'relu', name: 'head_1' }), tf.layers.dense({ units: 3, name: 'head_2' })] });
  const out = head.apply(cat) as tf.SymbolicTensor;
  const m = tf.model({ inputs: [tokens, feats], outputs: [out, a], name: 'two_in_two_out' });
  randomizeTfjs(m, 20);
  return m;
}
const functionalInputs = () => [ids([4, 7], 30, 5), input([4, 5], 6)];

describe('files TF.js 4.22 writes', () => {
  it('a Sequential CNN (Conv2D, BatchNormalization, pooling, Dropout, Flatten, Dense) through tn.io.fromMemory', async () => {
    const theirs = tfjsCnn();
    const ours = await tn.loadLayersModel(tn.io.fromMemory(await tfjsArtifacts(theirs)));
    expect(ours.layers.map((l) => l.name)).toEqual(['conv_a', 'bn', 'pool_max', 'conv_b', 'pool_avg', 'drop', 'flat', 'out']);
    expectSamePredictions(ours, theirs, [input([3, 10, 10, 3], 7)]);
    // TF.js 1.x wrote no "format" and a bare topology; the same model reads the same.
    const { format: _format, ...old } = await tfjsArtifacts(theirs);
    expectSamePredictions(await tn.loadLayersModel(tn.io.fromMemory(old)), theirs, [input([2, 10, 10, 3], 8)]);
  });

  it('MobileNet-style and activation layers: ZeroPadding2D, DepthwiseConv2D, SeparableConv2D, ReLU, LeakyReLU, PReLU, ELU, ThresholdedReLU, Softmax', async () => {
    const m = tf.sequential({ name: 'mobile' });
    m.add(tf.layers.zeroPadding2d({ inputShape: [9, 9, 3], padding: [[0, 1], [1, 0]], name: 'pad' }));
    m.add(tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', name: 'dw' }));
    m.add(tf.layers.reLU({ maxValue: 6, name: 'relu6' }));
    m.add(tf.layers.separableConv2d({ filters: 5, kernelSize: 3, padding: 'same', activation: 'tanh', name: 'sep' }));
    m.add(tf.layers.prelu({ sharedAxes: [1, 2], name: 'prelu' }));
    m.add(tf.layers.leakyReLU({ alpha: 0.2, name: 'leaky' }));
    m.add(tf.layers.elu({ name: 'elu' }));  // TF.js implements alpha 1 only
    m.add(tf.layers.thresholdedReLU({ theta: 0.1, name: 'thresholded' }));
    m.add(tf.layers.flatten({ name: 'flat' }));
    m.add(tf.layers.dense({ units: 4, name: 'logits' }));
    m.add(tf.layers.softmax({ name: 'probs' }));
    randomizeTfjs(m, 20);
    const ours = await tn.loadLayersModel(tn.io.fromMemory(await tfjsArtifacts(m)));
    expect(ours.layers.map((l) => l.className)).toEqual([
      'ZeroPadding2D', 'DepthwiseConv2D', 'ReLU', 'SeparableConv2D', 'PReLU', 'LeakyReLU', 'ELU', 'ThresholdedReLU', 'Flatten', 'Dense', 'Softmax',
    ]);
    expectSamePredictions(ours, m, [input([3, 9, 9, 3], 21)]);
    // and back: the file tensornode writes, TF.js reads with the same weights
    const dir = freshDir();
    await ours.save(dir);
    expectSamePredictions(ours, await tfjsLoad(readFolder(dir)), [input([2, 9, 9, 3], 22)]);
  });

  it('a functional model with Embedding, LSTM, GRU, a shared layer, Add, Concatenate and a nested Sequential', async () => {
    const theirs = tfjsFunctional();
    const ours = await tn.loadLayersModel(tn.io.fromMemory(await tfjsArtifacts(theirs)));
    expect(ours.getLayer('shared').inboundNodes).toHaveLength(2);
    expect(ours.getLayer('head')).toBeInstanceOf(tn.Sequential);
    expectSamePredictions(ours, theirs, functionalInputs());
  });

  it('the newer layer classes TF.js has (image and sequence families), with their TF.js names and weights', async () => {
    const img = tf.sequential({ name: 'img' });
    img.add(tf.layers.zeroPadding2d({ inputShape: [6, 5, 2], padding: [[0, 1], [2, 0]], name: 'pad' }));
    img.add(tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, activation: 'relu', name: 'dw' }));
    img.add(tf.layers.separableConv2d({ filters: 3, kernelSize: 2, padding: 'same', name: 'sep' }));
    img.add(tf.layers.reLU({ maxValue: 1.5, name: 'relu6ish' }));
    img.add(tf.layers.upSampling2d({ size: [1, 2], name: 'up' }));
    img.add(tf.layers.cropping2D({ cropping: [[1, 0], [1, 2]], name: 'crop' }));
    img.add(tf.layers.prelu({ sharedAxes: [1, 2], name: 'prelu' }));
    img.add(tf.layers.elu({ name: 'elu' }));
    img.add(tf.layers.thresholdedReLU({ theta: 0.1, name: 'thr' }));
    img.add(tf.layers.gaussianNoise({ stddev: 0.5, name: 'noise' }));
    img.add(tf.layers.gaussianDropout({ rate: 0.3, name: 'gdrop' }));
    randomizeTfjs(img, 30);
    const oursImg = await tn.loadLayersModel(tn.io.fromMemory(await tfjsArtifacts(img)));
    expect(oursImg.layers.map((l) => l.className)).toEqual(['ZeroPadding2D', 'DepthwiseConv2D', 'SeparableConv2D', 'ReLU', 'UpSampling2D', 'Cropping2D', 'PReLU', 'ELU', 'ThresholdedReLU', 'GaussianNoise', 'GaussianDropout']);
    expectSameWeights(oursImg, img, 0, 0);
    expectSamePredictions(oursImg, img, [input([2, 6, 5, 2], 31, (v) => 2 * v)]);
    // Keras 3 names DepthwiseConv2D's weight `kernel` (the TF.js converter keeps that name, under scopes).
    const k3 = await tfjsArtifacts(img);
    k3.weightSpecs = k3.weightSpecs!.map((w) => ({ ...w, name: `img/${w.name.replace('dw/depthwise_kernel', 'dw/kernel')}` }));
    expect(k3.weightSpecs.some((w) => w.name === 'img/dw/kernel')).toBe(true);
    expectSamePredictions(await tn.loadLayersModel(tn.io.fromMemory(k3)), img, [input([2, 6, 5, 2], 34)]);

    const seq = tf.sequential({ name: 'seq' });
    seq.add(tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 3, activation: 'tanh', name: 'step_dense' }), inputShape: [4, 5], name: 'per_step' }));
    seq.add(tf.layers.spatialDropout1d({ rate: 0.2, name: 'sdrop' }));
    seq.add(tf.layers.alphaDropout({ rate: 0.1, name: 'adrop' }));
    seq.add(tf.layers.permute({ dims: [2, 1], name: 'perm' }));
    seq.add(tf.layers.flatten({ name: 'flat' }));
    seq.add(tf.layers.repeatVector({ n: 3, name: 'rep' }));
    seq.add(tf.layers.leakyReLU({ alpha: 0.25, name: 'leaky' }));
    seq.add(tf.layers.softmax({ axis: -1, name: 'soft' }));
    randomizeTfjs(seq, 32);
    const oursSeq = await tn.loadLayersModel(tn.io.fromMemory(await tfjsArtifacts(seq)));
    expect((oursSeq.getLayer('per_step') as tn.layers.TimeDistributed).layer.className).toBe('Dense');
    expect((oursSeq.getLayer('leaky') as tn.layers.LeakyReLU).alpha).toBe(0.25);
    expectSamePredictions(oursSeq, seq, [input([3, 4, 5], 33)]);
  });

  it('a Sequential whose first layer is a Sequential around a functional model (as Teachable Machine writes)', async () => {
    const x = tf.input({ shape: [6, 6, 2] });
    const base = tf.model({ inputs: x, outputs: tf.layers.globalAveragePooling2d({}).apply(tf.layers.conv2d({ filters: 3, kernelSize: 3 }).apply(x)) as tf.SymbolicTensor, name: 'base' });
    const trunk = tf.sequential({ layers: [base], name: 'trunk' });
    const head = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2, activation: 'softmax' })], name: 'head' });
    const theirs = tf.sequential({ layers: [trunk, head], name: 'outer' });
    randomizeTfjs(theirs, 90);
    const ours = await tn.loadLayersModel(tn.io.fromMemory(await tfjsArtifacts(theirs)));
    expect(ours.layers.map((l) => l.name)).toEqual(['trunk', 'head']);
    expectSamePredictions(ours, theirs, [input([3, 6, 6, 2], 91)]);
  });

  it('reads weights split over shards (one weight spanning two), in shuffled manifest order, with scoped names', async () => {
    const theirs = tfjsFunctional();
    const a = await tfjsArtifacts(theirs);
    const dir = freshDir();
    const order = [...a.weightSpecs!].reverse();
    const ranges = writeFolder(dir, a, { shardBytes: 1001, order, rename: (n) => `two_in_two_out/${n}` });
    const files = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).weightsManifest[0].paths as string[];
    expect(files.length).toBeGreaterThan(2);
    expect(files[0]).toMatch(/^group1-shard1of\d+\.bin$/);
    expect(ranges.some((r) => Math.floor(r.start / 1001) !== Math.floor((r.end - 1) / 1001))).toBe(true);
    const ours = await tn.loadLayersModel(`file://${dir}/model.json`);
    expectSamePredictions(ours, theirs, functionalInputs());
  });

  it('loads model.json and its shards over HTTP, as tf.loadLayersModel(url) does', async () => {
    const theirs = tfjsCnn();
    const dir = freshDir();
    writeFolder(dir, await tfjsArtifacts(theirs), { shardBytes: 400 });
    const n = (JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).weightsManifest[0].paths as string[]).length;
    expect(n).toBeGreaterThan(2);
    const requests: string[] = [];
    const server = createServer((req, res) => {
      requests.push(req.url!);
      const file = join(dir, req.url!.replace(/^\/models\//, ''));
      if (!existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200).end(readFileSync(file));
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/models/model.json`;
      const ours = await tn.loadLayersModel(url);
      expectSamePredictions(ours, theirs, [input([2, 10, 10, 3], 9)]);
      expect(requests.filter((r) => r.includes('shard'))).toHaveLength(n);
      unlinkSync(join(dir, `group1-shard2of${n}.bin`));
      await expect(tn.loadLayersModel(url)).rejects.toThrow(/cannot read weight shard group1-shard2of\d+\.bin: HTTP 404/);
      await expect(tn.loadLayersModel(url.replace('model.json', 'nothing.json'))).rejects.toThrow(/cannot read model\.json: HTTP 404/);
    } finally {
      server.close();
    }
  });

  for (const [kind, quantize, rtol, atol] of [
    ['uint8', quantizeAffine('uint8'), 1e-4, 1e-5],
    ['uint16', quantizeAffine('uint16'), 1e-4, 1e-5],
    ['float16', quantizeFloat16, 1e-3, 1e-4],
  ] as const) {
    it(`dequantizes ${kind} weights as tfjs-converter does (q * scale + min; float16 widened)`, async () => {
      const theirs = tfjsCnn();
      const a = await tfjsArtifacts(theirs);
      const dir = freshDir();
      writeFolder(dir, a, { quantize });
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
      expect(json.weightsManifest[0].weights[0].quantization.dtype).toBe(kind);
      const ours = await tn.models.loadModel(dir);
      // TF.js dequantizes the same file itself: the two must agree to float32 precision.
      const reference = await tfjsLoad(readFolder(dir));
      expectSameWeights(ours, reference, 1e-6, 1e-7);
      expectSamePredictions(ours, reference, [input([3, 10, 10, 3], 8)], rtol, atol);
      // And stay within the quantization error of the unquantized model.
      const step = kind === 'uint8' ? 1 / 255 : kind === 'uint16' ? 1 / 65535 : 2 ** -11;
      expectSameWeights(ours, theirs, step, step);
    });
  }

  it('decodes int32 weights, and int32 weights quantized to uint8 round back to integers', () => {
    const specs: tn.io.WeightSpec[] = [
      { name: 'a/ints', shape: [2, 2], dtype: 'int32' },
      { name: 'a/q', shape: [3], dtype: 'int32', quantization: { dtype: 'uint8', scale: 0.5, min: -3 } },
      { name: 'a/half', shape: [2], dtype: 'float32', quantization: { dtype: 'float16' } },
    ];
    const buf = new ArrayBuffer(16 + 3 + 4);
    new Int32Array(buf, 0, 4).set([7, -2, 2147483647, 0]);
    new Uint8Array(buf, 16, 3).set([0, 3, 255]);
    const dv = new DataView(buf);
    dv.setUint16(19, 0x3c00, true); // 1.0
    dv.setUint16(21, 0xc500, true); // -5.0
    const decoded = tn.io.decodeWeights(buf, specs);
    expect(decoded['a/ints'].dtype).toBe('int32');
    expect(Array.from(decoded['a/ints'].data())).toEqual([7, -2, 2147483647, 0]);
    expect(decoded['a/q'].dtype).toBe('int32');
    expect(Array.from(decoded['a/half'].data())).toEqual([1, -5]);
    // TF.js's own decoder on the same bytes is the reference (it rounds half up, as Math.round).
    const reference = tf.io.decodeWeights(buf, specs as tf.io.WeightsManifestEntry[]);
    for (const name of ['a/ints', 'a/q', 'a/half']) expect(Array.from(decoded[name].data()), name).toEqual(Array.from(reference[name].dataSync()));
    expect(Array.from(decoded['a/q'].data())).toEqual([-3, -1, 125]);
    expect(() => tn.io.decodeWeights(buf, [{ name: 'big', shape: [100], dtype: 'float32' }])).toThrow(/holds 23 bytes, but the manifest needs 400/);
  });

  it('compiles from trainingConfig as TF.js does, restores Adam\'s moments, and keeps training in step with TF.js', async () => {
    const make = () => {
      const m = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 6, activation: 'tanh', name: 'h' }), tf.layers.dense({ units: 3, activation: 'softmax', name: 'p' })] });
      randomizeTfjs(m, 30);
      m.compile({ optimizer: tf.train.adam(0.02), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      return m;
    };
    const theirs = make();
    const x = input([8, 4], 31);
    const y = { values: Float32Array.from({ length: 24 }, (_, i) => (i % 3 === (Math.floor(i / 3) % 3) ? 1 : 0)), shape: [8, 3] };
    for (let k = 0; k < 3; k++) await theirs.trainOnBatch(tf.tensor(x.values, x.shape), tf.tensor(y.values, y.shape));
    const a = await tfjsArtifacts(theirs, true);
    expect(a.weightSpecs!.filter((s) => s.group === 'optimizer').map((s) => s.name)).toContain('h/kernel/m');
    const ours = await tn.loadLayersModel(tn.io.fromMemory(a));

    const opt = ours.optimizer as tn.optimizers.Adam;
    expect(opt).toBeInstanceOf(tn.optimizers.Adam);
    expect(opt.learningRate).toBeCloseTo(0.02, 7);
    expect(opt.iterations).toBe(3);
    const kernel = ours.getLayer('h').weights[0];
    const bytes = weightBytes({ ...a, weightSpecs: a.weightSpecs });
    const m = bytes.get('h/kernel/m')!;
    expectClose(opt.slotsOf(kernel)![0], new Float32Array(m.buffer, m.byteOffset, m.byteLength / 4), 1e-7, 0);

    // One more step in each library from the same state lands on the same weights (Adam's epsilon placement differs
    // by sqrt(1 - beta2^t) between TF.js and Keras 3, far below the tolerance).
    ours.trainOnBatch(tn.tensor(x.values, x.shape), tn.tensor(y.values, y.shape));
    await theirs.trainOnBatch(tf.tensor(x.values, x.shape), tf.tensor(y.values, y.shape));
    ours.getWeights().forEach((w, i) => expectClose(w.data(), theirs.getWeights()[i].dataSync(), 1e-4, 1e-6, `weight ${i} after a step`));
    expect(ours.metricsNames).toEqual(['loss', 'accuracy']);
  });

  for (const [label, make] of [
    ['SGD', () => tf.train.sgd(0.1)],
    ['Momentum', () => tf.train.momentum(0.05, 0.9)],
    ['Momentum with Nesterov', () => tf.train.momentum(0.05, 0.9, true)],
    ['RMSProp', () => tf.train.rmsprop(0.01, 0.9)],
    ['RMSProp with momentum', () => tf.train.rmsprop(0.01, 0.9, 0.5)],
    ['Adagrad', () => tf.train.adagrad(0.1)],
  ] as [string, () => tf.Optimizer][]) {
    it(`resumes a TF.js ${label} optimizer from its saved state, in step with TF.js`, async () => {
      const theirs = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 4, activation: 'tanh', name: 'h' }), tf.layers.dense({ units: 2, name: 'o' })] });
      randomizeTfjs(theirs, 80);
      theirs.compile({ optimizer: make(), loss: 'meanSquaredError' });
      const x = input([6, 3], 81);
      const y = input([6, 2], 82);
      for (let k = 0; k < 3; k++) await theirs.trainOnBatch(tf.tensor(x.values, x.shape), tf.tensor(y.values, y.shape));
      const ours = await tn.loadLayersModel(tn.io.fromMemory(await tfjsArtifacts(theirs, true)));
      expect(ours.optimizer!.iterations).toBe(3);
      for (let k = 0; k < 2; k++) {
        ours.trainOnBatch(tn.tensor(x.values, x.shape), tn.tensor(y.values, y.shape));
        await theirs.trainOnBatch(tf.tensor(x.values, x.shape), tf.tensor(y.values, y.shape));
      }
      expectSameWeights(ours, theirs, 1e-4, 1e-6);
    });
  }

  it("restores a centered RMSProp's state (TF.js then steps with sqrt(ms - mg^2 - eps), Keras with + eps)", async () => {
    const theirs = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2, name: 'c' })] });
    theirs.compile({ optimizer: tf.train.rmsprop(0.01, 0.8, 0, 1e-7, true), loss: 'meanSquaredError' });
    await theirs.trainOnBatch(tf.tensor(input([4, 3], 83).values, [4, 3]), tf.tensor(input([4, 2], 84).values, [4, 2]));
    const a = await tfjsArtifacts(theirs, true);
    const ours = await tn.loadLayersModel(tn.io.fromMemory(a));
    const opt = ours.optimizer as tn.optimizers.RMSprop;
    expect(opt.centered).toBe(true);
    const bytes = weightBytes(a);
    const slot = (name: string) => {
      const b = [...bytes].find(([n]) => n.startsWith('c/kernel') && n.endsWith(`/${name}`))![1];
      return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
    };
    const kernel = ours.getLayer('c').weights[0];
    expectClose(opt.slotsOf(kernel)![0], slot('rms'), 0, 0);
    expectClose(opt.slotsOf(kernel)![2], slot('mg'), 0, 0);
  });

  it('loads with { compile: false } (Keras\'s compile=False) without the training config', async () => {
    const theirs = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 1 })] });
    theirs.compile({ optimizer: 'adadelta', loss: 'meanSquaredError' });
    const a = await tfjsArtifacts(theirs, true);
    expect(a.trainingConfig?.optimizer_config.class_name).toBe('Adadelta');
    const compiled = await tn.loadLayersModel(tn.io.fromMemory(a));
    expect(compiled.optimizer).toBeInstanceOf(tn.optimizers.Adadelta);
    // TF.js's 'adadelta' in compile() is tf.train.adadelta(1.0), Keras 2's rate.
    expect(compiled.optimizer!.getConfig()).toMatchObject({ learningRate: 1, rho: 0.95, epsilon: 1e-7 });
    // An optimizer tensornode does not have (Keras's Ftrl) is refused, pointing at { compile: false }.
    a.trainingConfig!.optimizer_config = { class_name: 'Ftrl', config: { learning_rate: 0.001 } };
    await expect(tn.loadLayersModel(tn.io.fromMemory(a))).rejects.toThrow(/no optimizer "Ftrl".*\{ compile: false \}/);
    const ours = await tn.loadLayersModel(tn.io.fromMemory(a), { compile: false });
    expect(ours.optimizer).toBeNull();
  });
});

/** Rewrites a TF.js topology in Keras 3's spelling: batch_shape, dtype policies, module/registered_name objects, { args, kwargs } nodes. */
function toKeras3(topology: Record<string, unknown>): Record<string, unknown> {
  const t = clone(topology);
  const policy = (name: string) => ({ module: 'keras', class_name: 'DTypePolicy', config: { name }, registered_name: null });
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (!v || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [k, e] of Object.entries(o)) {
      if (k === 'batch_input_shape') out.batch_shape = e;
      else if (k === 'dtype' && typeof e === 'string') out.dtype = policy(e);
      else if (k === 'inbound_nodes') {
        out.inbound_nodes = (e as unknown[][]).map((node) => {
          const tensors = (node as unknown[][]).map((r) => ({ class_name: '__keras_tensor__', config: { shape: null, dtype: 'float32', keras_history: r.slice(0, 3) } }));
          return { args: tensors.length === 1 ? tensors : [tensors], kwargs: {} };
        });
      } else out[k] = walk(e);
    }
    if (typeof o.class_name === 'string' && o.config && typeof o.config === 'object' && /Initializer|Zeros|Ones|Uniform|Normal|Scaling|Orthogonal/.test(o.class_name)) {
      out.module = 'keras.initializers';
      out.registered_name = null;
    }
    return out;
  };
  const res = walk(t) as Record<string, unknown>;
  const config = res.config as Record<string, unknown>;
  res.class_name = 'Functional';
  // One input and one output are written as a bare [name, node, tensor] in Keras 3.
  if (Array.isArray(config.input_layers) && config.input_layers.length === 1) config.input_layers = config.input_layers[0];
  return { keras_version: '3.8.0', backend: 'tensorflow', model_config: res };
}

describe("'hard_sigmoid_legacy', Keras 2's and TF.js's hard_sigmoid", () => {
  it('is clip(0.2 x + 0.5, 0, 1) with its gradient', () => {
    const act = tn.activations.getActivation('hard_sigmoid_legacy');
    const x = randomTensor([3, 7], 72, -4, 4, [-2.5, 2.5], 0.05);
    const expected = Array.from(x.data()).map((v) => Math.min(1, Math.max(0, 0.2 * v + 0.5)));
    expectClose(act.apply(x).data(), expected, 1e-6, 1e-7);
    gradCheck((t) => act.apply(t), [x]);
  });
});

describe('Keras 3 spellings', () => {
  it('read { args, kwargs } inbound nodes, batch_shape, dtype policies and module/registered_name initializers', async () => {
    const inp = tf.input({ shape: [6], name: 'x' });
    const d1 = tf.layers.dense({ units: 5, activation: 'relu', name: 'd1' }).apply(inp) as tf.SymbolicTensor;
    const d2 = tf.layers.dense({ units: 5, name: 'd2' }).apply(inp) as tf.SymbolicTensor;
    const merged = tf.layers.concatenate({ name: 'merged' }).apply([d1, d2]) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 2, name: 'y' }).apply(merged) as tf.SymbolicTensor;
    const theirs = tf.model({ inputs: inp, outputs: out });
    randomizeTfjs(theirs, 40);
    const a = await tfjsArtifacts(theirs);
    const k3 = { ...a, modelTopology: toKeras3(a.modelTopology as Record<string, unknown>) };
    expect(JSON.stringify(k3.modelTopology)).toContain('__keras_tensor__');
    const ours = await tn.loadLayersModel(tn.io.fromMemory(k3));
    expectSamePredictions(ours, theirs, [input([4, 6], 41)]);
  });

  it('read a nested Sequential whose calls Keras 3 counts from node 0, beside shared layers and two inputs', async () => {
    const theirs = tfjsFunctional();
    const a = await tfjsArtifacts(theirs);
    const k3 = toKeras3(a.modelTopology as Record<string, unknown>);
    // The LSTM computes TF.js's hard_sigmoid; under a Keras 3 label that function is tensornode's 'hard_sigmoid_legacy'.
    (((k3.model_config as { config: { layers: { name: string; config: Record<string, unknown> }[] } }).config.layers).find((l) => l.name === 'lstm')!).config.recurrent_activation = 'hard_sigmoid_legacy';
    // TF.js and Keras 2 count the nested model's own node as 0 and its first call as 1; Keras 3 counts the call as 0.
    const text = JSON.stringify(k3).replace(/"keras_history":\["head",1,0\]/g, '"keras_history":["head",0,0]').replace(/\["head",1,0\]/g, '["head",0,0]');
    expect(text).toContain('["head",0,0]');
    const ours = await tn.loadLayersModel(tn.io.fromMemory({ ...a, modelTopology: JSON.parse(text) }));
    expectSamePredictions(ours, theirs, functionalInputs());
    // The Keras 2 / TF.js numbering of the same graph loads too.
    expectSamePredictions(await tn.loadLayersModel(tn.io.fromMemory({ ...a, modelTopology: k3 })), theirs, functionalInputs());
  });

  it("read 'hard_sigmoid' as Keras 2 and TF.js define it in their files, and as Keras 3 does in Keras 3 files", async () => {
    const theirs = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 4, activation: 'hardSigmoid', name: 'hs' })] });
    randomizeTfjs(theirs, 50);
    const a = await tfjsArtifacts(theirs);
    const x = input([6, 3], 51, (v) => 8 * v);
    const legacy = await tn.loadLayersModel(tn.io.fromMemory(a));
    expectSamePredictions(legacy, theirs, [x]);
    const k3 = await tn.loadLayersModel(tn.io.fromMemory({ ...a, modelTopology: { ...(a.modelTopology as object), keras_version: '3.8.0' } }));
    const z = tf.tidy(() => tf.add(tf.matMul(tf.tensor(x.values, x.shape), theirs.getWeights()[0]), theirs.getWeights()[1]));
    const expected = Array.from(z.dataSync()).map((v) => Math.min(1, Math.max(0, v / 6 + 0.5)));
    expectClose((k3.predict(tn.tensor(x.values, x.shape)) as tn.Tensor).data(), expected);
  });
});

describe('models tensornode saves load in TF.js 4.22 and predict the same', () => {
  const { Dense, Conv2D, Conv1D, MaxPooling2D, AveragePooling2D, MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling2D, GlobalAveragePooling2D,
    BatchNormalization, LayerNormalization, Dropout, Flatten, Reshape, Activation, Embedding, SimpleRNN, LSTM, GRU, Bidirectional, Concatenate, Add, Multiply,
    Average, Maximum, Minimum, GlobalMaxPooling1D } = tn.layers;

  async function artifactsOf(model: tn.Model): Promise<Artifacts> {
    let saved: Artifacts | undefined;
    await model.save(tn.io.withSaveHandler((a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', modelTopologyBytes: 0, weightSpecsBytes: 0, weightDataBytes: 0 } };
    }));
    return saved!;
  }

  async function roundTrip(model: tn.Model, inputs: { values: Float32Array; shape: number[] }[]): Promise<tf.LayersModel> {
    let saved: Artifacts | undefined;
    const result = await model.save(tn.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', modelTopologyBytes: 0, weightSpecsBytes: 0, weightDataBytes: 0 } };
    }));
    expect(result.modelArtifactsInfo.modelTopologyType).toBe('JSON');
    expect(saved!.format).toBe('layers-model');
    const theirs = await tfjsLoad(saved!);
    expectSamePredictions(model, theirs, inputs);
    // And back into tensornode from the same artifacts.
    const again = await tn.loadLayersModel(tn.io.fromMemory(saved!));
    expectSamePredictions(again, theirs, inputs);
    return theirs;
  }

  it('a Sequential CNN: Conv2D, BatchNormalization, pooling, Dropout, Flatten, Dense', async () => {
    const model = new tn.Sequential([
      new Conv2D(4, 3, { inputShape: [9, 9, 2], padding: 'same', activation: 'relu' }), new BatchNormalization({ momentum: 0.9 }), new MaxPooling2D(2),
      new Conv2D(3, [2, 2], { strides: 1, dilationRate: 1, useBias: false }), new AveragePooling2D({ poolSize: 2, strides: 1, padding: 'same' }),
      new Dropout(0.25), new Flatten(), new Dense(5, { activation: 'softmax' }),
    ]);
    model.compile({ optimizer: 'adam', loss: 'categorical_crossentropy' });
    const x = input([6, 9, 9, 2], 60);
    const y = tn.oneHot(tn.tensor([0, 1, 2, 3, 4, 0], [6], 'int32'), 5);
    await model.fit(tn.tensor(x.values, x.shape), y, { epochs: 2, batchSize: 3, verbose: 0 });
    await roundTrip(model, [x]);
    // The folder model.save writes is what TF.js's file loaders read.
    const dir = freshDir();
    await model.save(`file://${dir}`);
    // One weights file, named by its content (crash-safe saving); TF.js reads the name from the manifest.
    expect(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).weightsManifest[0].paths).toEqual([expect.stringMatching(/^model\.weights\.[0-9a-f]{16}\.bin$/)]);
    expectSamePredictions(model, await tfjsLoad(readFolder(dir)), [x]);
  });

  it('1-D convolution and pooling, global pooling, LayerNormalization, Reshape, Activation', async () => {
    const model = new tn.Sequential([
      new Conv1D(4, 3, { inputShape: [12, 3], padding: 'same', activation: 'tanh' }), new MaxPooling1D(2), new AveragePooling1D({ poolSize: 2, strides: 1 }),
      new LayerNormalization(), new Reshape([5, 4, 1]), new GlobalMaxPooling2D(), new Activation('sigmoid'), new Dense(3),
    ]);
    await roundTrip(model, [input([3, 12, 3], 61)]);
    const pooled = new tn.Sequential([new Conv1D(2, 2, { inputShape: [6, 2] }), new GlobalAveragePooling1D()]);
    await roundTrip(pooled, [input([2, 6, 2], 62)]);
    const pooled2 = new tn.Sequential([new Conv2D(2, 2, { inputShape: [5, 5, 1] }), new GlobalAveragePooling2D()]);
    await roundTrip(pooled2, [input([2, 5, 5, 1], 63)]);
    const pooled3 = new tn.Sequential([new Conv1D(2, 2, { inputShape: [6, 2] }), new GlobalMaxPooling1D()]);
    await roundTrip(pooled3, [input([2, 6, 2], 64)]);
  });

  it('recurrent layers: Embedding, SimpleRNN, LSTM, GRU (reset_after false, as TF.js computes it), Bidirectional', async () => {
    const tokens = tn.input({ shape: [6] });
    const e = new Embedding(20, 4).apply(tokens) as tn.SymbolicTensor;
    const r1 = new SimpleRNN(3, { returnSequences: true }).apply(e) as tn.SymbolicTensor;
    const r2 = new LSTM(4, { returnSequences: true, goBackwards: true }).apply(r1) as tn.SymbolicTensor;
    const r3 = new Bidirectional(new GRU(3, { resetAfter: false, returnSequences: true, recurrentActivation: 'sigmoid' })).apply(r2) as tn.SymbolicTensor;
    const r4 = new Bidirectional(new LSTM(2), { mergeMode: 'sum' }).apply(r3) as tn.SymbolicTensor;
    const model = new tn.Model({ inputs: tokens, outputs: r4 });
    await roundTrip(model, [ids([3, 6], 20, 65)]);
  });

  it('merge layers, a shared layer and a nested Sequential in a functional model with two inputs and outputs', async () => {
    const a = tn.input({ shape: [4], name: 'a' });
    const b = tn.input({ shape: [4], name: 'b' });
    const shared = new Dense(4, { activation: 'relu', name: 'shared' });
    const sa = shared.apply(a) as tn.SymbolicTensor;
    const sb = shared.apply(b) as tn.SymbolicTensor;
    // TF.js 4.22 has no Subtract layer.
    const merged = [new Add(), new Multiply(), new Average(), new Maximum(), new Minimum()].map((l) => l.apply([sa, sb]) as tn.SymbolicTensor);
    const cat = new Concatenate().apply(merged) as tn.SymbolicTensor;
    const trunk = new tn.Sequential([new Dense(6, { inputShape: [20], activation: 'tanh' }), new Dense(2)], { name: 'trunk' });
    const model = new tn.Model({ inputs: [a, b], outputs: [trunk.apply(cat) as tn.SymbolicTensor, sa], name: 'agent' });
    const theirs = await roundTrip(model, [input([5, 4], 66), input([5, 4], 67)]);
    expect(theirs.getLayer('shared').inboundNodes.length).toBe(2);
  });

  it('a Sequential built from data (no inputShape) and one nested first in another', async () => {
    const fromData = new tn.Sequential([new Dense(3, { activation: 'relu' }), new Dense(2)]);
    fromData.build([null, 4]);
    await roundTrip(fromData, [input([2, 4], 92)]);
    const outer = new tn.Sequential([new tn.Sequential([new Dense(3, { inputShape: [4] })], { name: 'inner' }), new Dense(2, { name: 'top' })]);
    await roundTrip(outer, [input([2, 4], 93)]);
  });

  it('keeps the training config and Adam\'s state where TF.js reads them', async () => {
    const model = new tn.Sequential([new Dense(5, { inputShape: [3], activation: 'relu' }), new Dense(2)]);
    model.compile({ optimizer: new tn.optimizers.Adam({ learningRate: 0.03 }), loss: 'mse', metrics: ['mae'] });
    const x = input([8, 3], 68);
    await model.fit(tn.tensor(x.values, x.shape), tn.randomNormal([8, 2], 0, 1, 'float32', 69), { epochs: 2, batchSize: 4, verbose: 0 });
    const theirs = await roundTrip(model, [x]);
    const opt = theirs.optimizer as unknown as { getConfig(): Record<string, unknown>; getWeights(): Promise<{ name: string; tensor: tf.Tensor }[]> };
    expect(opt.getConfig().learningRate).toBeCloseTo(0.03, 7);
    const weights = await opt.getWeights();
    expect(weights[0].tensor.dataSync()[0]).toBe(4);
    const kernel = model.layers[0].weights[0];
    const m = weights.find((w) => w.name === `${kernel.name}/m`)!;
    expectClose(m.tensor.dataSync(), model.optimizer!.slotsOf(kernel)![0], 1e-7, 0);
  });

  it("keeps TF.js's metric names 'ce' and 'crossentropy' in the training config, which TF.js compiles with", async () => {
    const model = new tn.Sequential([new Dense(3, { inputShape: [2], activation: 'softmax' })]);
    model.compile({ optimizer: 'sgd', loss: 'categorical_crossentropy', metrics: ['ce', 'crossentropy'] });
    const saved = await artifactsOf(model);
    expect(saved.trainingConfig?.metrics).toEqual(['ce', 'crossentropy']);
    const theirs = await tfjsLoad(saved);
    // TF.js logs both as 'ce'.
    expect((theirs as unknown as { metricsNames: string[] }).metricsNames).toEqual(['loss', 'ce', 'ce']);
  });

  it('a model compiled with lossWeights loads in TF.js (which refuses loss_weights) and reloads compiled with them here', async () => {
    const inp = tn.input({ shape: [3] });
    const hidden = new Dense(4, { activation: 'relu' }).apply(inp);
    const model = new tn.Model({ inputs: inp, outputs: [new Dense(1, { name: 'price' }).apply(hidden), new Dense(2, { name: 'klass', activation: 'softmax' }).apply(hidden)] });
    model.compile({ optimizer: 'adam', loss: { price: 'mse', klass: 'sparse_categorical_crossentropy' }, lossWeights: { price: 0.5, klass: 1 } });
    const x = input([6, 3], 71);
    const xt = tn.tensor(x.values, x.shape);
    const ys = [tn.randomNormal([6, 1], 0, 1, 'float32', 72), tn.tensor([0, 1, 1, 0, 1, 0], [6], 'int32')];
    await model.fit(xt, ys, { epochs: 1, batchSize: 3, verbose: 0 });
    const saved = await artifactsOf(model);
    expect(saved.trainingConfig).toBeFalsy();
    await roundTrip(model, [x]);
    const again = await tn.loadLayersModel(tn.io.fromMemory(saved));
    expect(await again.evaluate(xt, ys, { verbose: 0 })).toEqual(await model.evaluate(xt, ys, { verbose: 0 }));
  });

  it('hands RMSprop (with and without momentum) and Adagrad state to TF.js in the order its setWeights reads', async () => {
    for (const optimizer of [new tn.optimizers.RMSprop({ learningRate: 0.01 }), new tn.optimizers.RMSprop({ learningRate: 0.01, momentum: 0.5 }), new tn.optimizers.Adagrad({ learningRate: 0.1 })]) {
      tn.clearSession();
      const model = new tn.Sequential([new Dense(3, { inputShape: [2] })]);
      model.compile({ optimizer, loss: 'mae' });
      const x = input([4, 2], 70);
      await model.fit(tn.tensor(x.values, x.shape), tn.ones([4, 3]), { epochs: 1, batchSize: 2, verbose: 0 });
      const theirs = await roundTrip(model, [x]);
      const weights = await (theirs.optimizer as unknown as { getWeights(): Promise<{ name: string; tensor: tf.Tensor }[]> }).getWeights();
      const kernel = model.layers[0].weights[0];
      const first = optimizer instanceof tn.optimizers.Adagrad ? 'accumulator' : 'rms';
      expectClose(weights.find((w) => w.name === `${kernel.name}/${first}`)!.tensor.dataSync(), optimizer.slotsOf(kernel)![0], 1e-7, 0, optimizer.constructor.name);
      // The reloaded tensornode model continues with the same state.
      const again = await tn.loadLayersModel(tn.io.fromMemory(await artifactsOf(model)));
      expect(again.optimizer!.constructor).toBe(optimizer.constructor);
      expect(again.optimizer!.iterations).toBe(2);
      expectClose(again.optimizer!.slotsOf(again.layers[0].weights[0])![0], optimizer.slotsOf(kernel)![0], 0, 0);
    }
  });

  it('hands SGD with momentum to TF.js as its Momentum optimizer, converting the state, so both train on in step', async () => {
    for (const nesterov of [false, true]) {
      tn.clearSession();
      const model = new tn.Sequential([new Dense(4, { inputShape: [3], activation: 'tanh' }), new Dense(2)]);
      model.compile({ optimizer: new tn.optimizers.SGD({ learningRate: 0.05, momentum: 0.9, nesterov }), loss: 'mse' });
      const x = input([6, 3], 85);
      const y = input([6, 2], 86);
      await model.fit(tn.tensor(x.values, x.shape), tn.tensor(y.values, y.shape), { epochs: 3, batchSize: 6, shuffle: false, verbose: 0 });
      const theirs = await roundTrip(model, [x]);
      expect(theirs.optimizer.getClassName()).toBe('Momentum');
      for (let k = 0; k < 2; k++) {
        model.trainOnBatch(tn.tensor(x.values, x.shape), tn.tensor(y.values, y.shape));
        await theirs.trainOnBatch(tf.tensor(x.values, x.shape), tf.tensor(y.values, y.shape));
      }
      expectSameWeights(model, theirs, 1e-4, 1e-6);
    }
  });

  it('image layers: ZeroPadding2D, DepthwiseConv2D, SeparableConv2D, ReLU, UpSampling2D, Cropping2D, PReLU, ELU, ThresholdedReLU, GaussianNoise, GaussianDropout', async () => {
    const L = tn.layers;
    const model = new tn.Sequential([
      new L.ZeroPadding2D({ padding: [[1, 0], [0, 2]], inputShape: [7, 6, 3] }),
      new L.DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2, activation: 'tanh', biasInitializer: 'random_normal' }),
      new L.SeparableConv2D({ filters: 4, kernelSize: [2, 3], padding: 'same', depthMultiplier: 2, biasInitializer: 'random_normal' }),
      new L.ReLU({ maxValue: 0.5 }), new L.GaussianNoise({ stddev: 0.3 }), new L.UpSampling2D({ size: [2, 1] }),
      new L.Cropping2D({ cropping: [[1, 2], [0, 1]] }), new L.PReLU({ sharedAxes: [1, 2], alphaInitializer: 'random_normal' }),
      new L.GaussianDropout({ rate: 0.2 }), new L.ELU(), // TF.js 4.22's ELU takes only alpha = 1
      new L.ThresholdedReLU({ theta: 0.05 }),
      new L.DepthwiseConv2D({ kernelSize: 2, strides: 2, useBias: false }),
    ]);
    const theirs = await roundTrip(model, [input([2, 7, 6, 3], 94, (v) => 3 * v)]);
    expect(theirs.layers.map((l) => l.getClassName())).toEqual(model.layers.map((l) => l.className));
    expectSameWeights(model, theirs, 0, 0);
  });

  it('sequence layers: TimeDistributed, SpatialDropout1D, AlphaDropout, Permute, RepeatVector, LeakyReLU, Softmax', async () => {
    const L = tn.layers;
    const steps = tn.input({ shape: [5, 4] });
    const t = new L.TimeDistributed(new L.Dense(3, { activation: 'relu', biasInitializer: 'random_normal' }), { name: 'per_step' }).apply(steps) as tn.SymbolicTensor;
    const d = new L.AlphaDropout({ rate: 0.1 }).apply(new L.SpatialDropout1D({ rate: 0.2 }).apply(t) as tn.SymbolicTensor) as tn.SymbolicTensor;
    const p = new L.Permute({ dims: [2, 1] }).apply(d) as tn.SymbolicTensor;
    const r = new L.RepeatVector({ n: 2 }).apply(new Flatten().apply(p) as tn.SymbolicTensor) as tn.SymbolicTensor;
    // TF.js 4.22's softmax works along the last axis only.
    const out = new L.Softmax({ axis: -1 }).apply(new L.LeakyReLU({ alpha: 0.2 }).apply(r) as tn.SymbolicTensor) as tn.SymbolicTensor;
    const model = new tn.Model({ inputs: steps, outputs: out });
    const theirs = await roundTrip(model, [input([3, 5, 4], 95, (v) => 2 * v)]);
    // TF.js creates the wrapped layer's weights in the wrapper's scope: per_step/kernel, per_step/bias.
    const wrapped = theirs.getLayer('per_step');
    expect(wrapped.getClassName()).toBe('TimeDistributed');
    expect(wrapped.weights.map((w) => w.originalName)).toEqual(['per_step/kernel', 'per_step/bias']);
    model.getLayer('per_step').weights.forEach((v, i) => expectClose(v.data(), wrapped.weights[i].read().dataSync(), 0, 0, v.name));
  });

  it('refuses what TF.js would compute differently, naming the layer', async () => {
    const model = new tn.Sequential([new GRU(2, { inputShape: [3, 2], recurrentActivation: 'hard_sigmoid' })]);
    await expect(model.save(freshDir())).rejects.toThrow(/layer "gru.*" uses Keras 3's hard_sigmoid/);
    const wrapped = new tn.Sequential([new Bidirectional(new LSTM(2, { recurrentActivation: 'hard_sigmoid' }), { inputShape: [3, 2] })]);
    await expect(wrapped.save(freshDir())).rejects.toThrow(/layer "bidirectional.*" uses Keras 3's hard_sigmoid/);
    // TF.js's own hard_sigmoid saves under its TF.js name and computes the same there.
    const legacy = new tn.Sequential([new Bidirectional(new LSTM(2, { recurrentActivation: 'hard_sigmoid_legacy', returnSequences: true }), { inputShape: [3, 2] })]);
    await roundTrip(legacy, [input([2, 3, 2], 71, (v) => 6 * v)]);
  });
});

describe('clear errors', () => {
  async function cnnArtifacts(): Promise<Artifacts> {
    return tfjsArtifacts(tfjsCnn());
  }
  const layersOf = (a: Artifacts) => ((a.modelTopology as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } }).config.layers);

  it('data_format channels_first names the layer and the class', async () => {
    const a = await cnnArtifacts();
    layersOf(a)[0].config.data_format = 'channels_first';
    await expect(tn.loadLayersModel(tn.io.fromMemory(a))).rejects.toThrow(/layer "conv_a" \(Conv2D\): data_format "channels_first" is not supported/);
  });

  it('an unknown class names the layer and the class, and how to register it', async () => {
    const a = await cnnArtifacts();
    layersOf(a)[2].class_name = 'LocallyConnected2D';
    await expect(tn.loadLayersModel(tn.io.fromMemory(a))).rejects.toThrow(/layer "pool_max" \(LocallyConnected2D\): unknown layer class "LocallyConnected2D".*registerClass/);
  });

  it('a custom class loads once registered with tn.serialization.registerClass or tn.saving.registerKerasSerializable', async () => {
    class Scale extends tn.Layer {
      static className = 'Scale';
      factor: number;
      constructor(args: tn.layers.LayerArgs & { factor?: number } = {}) {
        super(args);
        this.factor = args.factor ?? 1;
      }
      call(x: tn.Tensor | tn.Tensor[]) {
        return tn.mul(x as tn.Tensor, this.factor);
      }
      override getConfig() {
        return { ...super.getConfig(), factor: this.factor };
      }
    }
    const topology = {
      class_name: 'Sequential',
      config: { name: 's', layers: [
        { class_name: 'Dense', config: { name: 'd', units: 2, batch_input_shape: [null, 3], activation: 'linear', use_bias: true } },
        { class_name: 'Scale', config: { name: 'scale', factor: 3 } },
      ] },
    };
    const kernel = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const bias = Float32Array.from([0.5, -0.5]);
    const data = new Uint8Array(32);
    data.set(new Uint8Array(kernel.buffer), 0);
    data.set(new Uint8Array(bias.buffer), 24);
    const artifacts = { modelTopology: topology, format: 'layers-model', weightSpecs: [{ name: 'd/kernel', shape: [3, 2], dtype: 'float32' as const }, { name: 'd/bias', shape: [2], dtype: 'float32' as const }], weightData: data.buffer };
    await expect(tn.loadLayersModel(tn.io.fromMemory(artifacts))).rejects.toThrow(/layer "scale" \(Scale\): unknown layer class "Scale".*tn\.serialization\.registerClass\(Scale\)/);
    tn.serialization.registerClass(Scale);
    const model = await tn.loadLayersModel(tn.io.fromMemory(artifacts));
    expect(Array.from((model.predict(tn.tensor([[1, 1, 1]])) as tn.Tensor).data())).toEqual([3 * 9.5, 3 * 11.5]);
    // Saved and loaded again, the custom class keeps its config.
    const dir = freshDir();
    await model.save(dir);
    expect((await tn.models.loadModel(dir)).getLayer('scale')).toMatchObject({ factor: 3 });

    // Keras 3 writes a registered class as "package>Name".
    class Shift extends Scale {
      static override className = 'Shift';
    }
    const k3 = clone(topology);
    Object.assign(k3.config.layers[1], { class_name: 'Shift', module: null, registered_name: 'MyPackage>Shift' });
    tn.saving.registerKerasSerializable(Shift, { package: 'MyPackage' });
    expect((await tn.loadLayersModel(tn.io.fromMemory({ ...artifacts, modelTopology: k3 }))).getLayer('scale')).toBeInstanceOf(Shift);
  });

  it('a missing shard, a short shard, and a manifest whose shapes or sizes disagree', async () => {
    const a = await cnnArtifacts();
    const dir = freshDir();
    writeFolder(dir, a, { shardBytes: 400 });
    const paths = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).weightsManifest[0].paths as string[];
    const n = paths.length;
    expect(n).toBeGreaterThan(2);
    unlinkSync(join(dir, `group1-shard2of${n}.bin`));
    await expect(tn.models.loadModel(dir)).rejects.toThrow(new RegExp(`the weights file .*group1-shard2of${n}\\.bin \\(weightsManifest\\[0\\]\\.paths\\[1\\]\\) is missing`));

    const short = freshDir();
    writeFolder(short, a, { shardBytes: 400 });
    truncateSync(join(short, `group1-shard${n}of${n}.bin`), 10);
    await expect(tn.models.loadModel(short)).rejects.toThrow(new RegExp(`group1-shard${n}of${n}\\.bin is truncated: it holds \\d+ bytes, the manifest describes \\d+`));

    const shape = freshDir();
    writeFolder(shape, a);
    const json = JSON.parse(readFileSync(join(shape, 'model.json'), 'utf8'));
    json.weightsManifest[0].weights[0].shape = [3, 3, 4, 3];
    writeFileSync(join(shape, 'model.json'), JSON.stringify(json));
    await expect(tn.models.loadModel(shape)).rejects.toThrow(/weight "conv_a\/kernel" in the file has shape \[3,3,4,3\], but conv_a\/kernel of layer "conv_a" has shape \[3,3,3,4\]/);

    json.weightsManifest[0].weights[0].shape = [3, 3, 3, 40];
    writeFileSync(join(shape, 'model.json'), JSON.stringify(json));
    await expect(tn.models.loadModel(shape)).rejects.toThrow(/is truncated: it holds \d+ bytes, the manifest describes \d+/);

    json.weightsManifest[0].weights[0].shape = [3, -3];
    writeFileSync(join(shape, 'model.json'), JSON.stringify(json));
    await expect(tn.models.loadModel(shape)).rejects.toThrow(/weightsManifest\[0\]\.weights\[0\] \("conv_a\/kernel"\): shape must be a list of at most 32 integers in \[0, 2\^31\), found \[3,-3\]/);

    json.weightsManifest[0].weights[0] = { ...json.weightsManifest[0].weights[0], shape: [3, 3, 3, 4], quantization: { dtype: 'uint8' } };
    writeFileSync(join(shape, 'model.json'), JSON.stringify(json));
    await expect(tn.models.loadModel(shape)).rejects.toThrow(/uint8 quantization needs finite scale and min/);
  });

  it('a weight the model does not have, or a layer without its weight in the file', async () => {
    const a = await cnnArtifacts();
    const extra = { ...a, weightSpecs: [...a.weightSpecs!, { name: 'ghost/kernel', shape: [1], dtype: 'float32' as const }], weightData: Buffer.concat([Buffer.from(a.weightData as ArrayBuffer), Buffer.alloc(4)]).buffer };
    await expect(tn.loadLayersModel(tn.io.fromMemory(extra))).rejects.toThrow(/weights that no layer of the model uses: ghost\/kernel/);
    const renamed = { ...a, weightSpecs: a.weightSpecs!.map((s) => ({ ...s, name: s.name.replace('out/', 'other/') })) };
    await expect(tn.loadLayersModel(tn.io.fromMemory(renamed))).rejects.toThrow(/no weight for out\/kernel of layer "out"/);
  });
});

describe("model.layers in Keras's and TF.js's order", () => {
  // tfjs-examples' translation reads the encoder LSTM as model.layers[2] and the decoder's as layers[3]; the
  // date-conversion model's getWeights() starts with the encoder's embedding. Both frameworks order layers by depth
  // from the outputs (inputs first), ties in the order a walk from the outputs first reaches them.
  function build<L extends typeof tn | typeof tf>(lib: L) {
    const t = lib as unknown as typeof tn;
    const encIn = t.input({ shape: [12], name: 'enc_in' });
    const decIn = t.input({ shape: [10], name: 'dec_in' });
    const enc = t.layers.embedding({ inputDim: 20, outputDim: 4, name: 'enc_emb' }).apply(encIn) as tn.SymbolicTensor;
    const encSeq = t.layers.lstm({ units: 3, returnSequences: true, name: 'enc_lstm' }).apply(enc) as tn.SymbolicTensor;
    const last = t.layers.globalMaxPooling1d({ name: 'enc_last' }).apply(encSeq) as tn.SymbolicTensor;
    const dec = t.layers.embedding({ inputDim: 9, outputDim: 4, name: 'dec_emb' }).apply(decIn) as tn.SymbolicTensor;
    const decSeq = t.layers.lstm({ units: 3, returnSequences: true, name: 'dec_lstm' }).apply(dec, { initialState: [last, last] }) as tn.SymbolicTensor;
    const scores = t.layers.dot({ axes: [2, 2], name: 'scores' }).apply([decSeq, encSeq]) as tn.SymbolicTensor;
    const out = t.layers.dense({ units: 2, name: 'out' }).apply(t.layers.concatenate({ name: 'cat' }).apply([scores, decSeq]) as tn.SymbolicTensor) as tn.SymbolicTensor;
    return t.model({ inputs: [encIn, decIn], outputs: out });
  }

  it('an encoder-decoder lists its layers, and so its weights, as TF.js does', () => {
    const ours = build(tn);
    const theirs = build(tf);
    expect(ours.layers.map((l) => l.name)).toEqual(theirs.layers.map((l) => l.name));
    expect(ours.layers.map((l) => l.name).slice(0, 4)).toEqual(['enc_in', 'enc_emb', 'dec_in', 'enc_lstm']);
    expect(ours.getWeights().map((w) => w.shape)).toEqual(theirs.getWeights().map((w) => w.shape));
    // Execution is unchanged: the model runs, its summary lists the layers in the same order.
    const lines: string[] = [];
    ours.summary(undefined, undefined, (l: string) => lines.push(l));
    const listed = lines.map((l) => /^│ (\w+) \(/.exec(l)?.[1]).filter((n): n is string => n !== undefined);
    expect(listed).toEqual(theirs.layers.map((l) => l.name));
    expect((ours.predict([tn.ones([2, 12]), tn.ones([2, 10])]) as tn.Tensor).shape).toEqual([2, 10, 2]);
  });
});
