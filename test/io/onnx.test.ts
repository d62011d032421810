// ONNX export: every exported model runs in ONNX Runtime (onnxruntime-node, CPU, one thread) and gives
// model.predict's outputs. Tolerance: |onnx - predict| <= 1e-5 + 1e-5 * |predict| (absolute plus relative), element by
// element. Weights are randomised (BatchNormalization's moving statistics too) so that no path is trivially zero.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { ModelProto } from '../../lib/io/onnx-proto.js';

const L = tn.layers;
const ATOL = 1e-5;
const RTOL = 1e-5;

const root = mkdtempSync(join(tmpdir(), 'tensornode-onnx-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

beforeEach(() => {
  tn.clearSession();
  tn.setSeed(1234);
});

/** Replaces every weight with random values: normal * scale, and moving variances in [0.5, 1.5]. */
function randomizeWeights(model: tn.Model, scale = 0.5): void {
  for (const w of model.weights) {
    const t = w.name.endsWith('moving_variance') ? tn.randomUniform(w.shape, 0.5, 1.5) : tn.mul(tn.randomNormal(w.shape), scale);
    w.assign(t);
  }
}

type Feeds = tn.Tensor | tn.Tensor[];

/** Runs the model's ONNX bytes on `inputs`; returns the outputs in the model's output order. */
async function runOnnx(bytes: Uint8Array, inputs: Feeds): Promise<{ names: string[]; outputs: ort.Tensor[] }> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const xs = Array.isArray(inputs) ? inputs : [inputs];
  const feeds: Record<string, ort.Tensor> = {};
  session.inputNames.forEach((name, i) => {
    const x = xs[i];
    feeds[name] = x.dtype === 'int32' ? new ort.Tensor('int32', x.data() as Int32Array, x.shape) : new ort.Tensor('float32', x.data() as Float32Array, x.shape);
  });
  const result = await session.run(feeds);
  return { names: session.outputNames.slice(), outputs: session.outputNames.map((n) => result[n]) };
}

function expectAgree(onnx: ort.Tensor, expected: tn.Tensor, what: string): void {
  expect(Array.from(onnx.dims), `${what}: shape`).toEqual(expected.shape);
  const a = onnx.data as Float32Array;
  const e = expected.data() as Float32Array;
  let worst = 0;
  let at = -1;
  for (let i = 0; i < e.length; i++) {
    const excess = Math.abs(a[i] - e[i]) - (ATOL + RTOL * Math.abs(e[i]));
    if (!(excess <= worst)) {
      worst = Number.isNaN(excess) ? Infinity : excess;
      at = i;
    }
  }
  if (at >= 0) throw new Error(`${what}: element ${at} is ${a[at]} in ONNX Runtime and ${e[at]} from predict (beyond ${ATOL} + ${RTOL} * |predict|)`);
}

/** Exports the model, runs it in ONNX Runtime and checks every output against predict. Returns the bytes. */
async function expectSameAsPredict(model: tn.Model, inputs: Feeds, what = model.name): Promise<Uint8Array> {
  const expected = model.predict(inputs);
  const bytes = await tn.onnx.exportModel(model);
  const { outputs } = await runOnnx(bytes, inputs);
  const es = Array.isArray(expected) ? expected : [expected];
  expect(outputs.length, `${what}: number of outputs`).toBe(es.length);
  es.forEach((e, i) => expectAgree(outputs[i], e, `${what} output ${i}`));
  // Nothing trivially zero: the comparison means something.
  for (const e of es) expect(Math.max(...Array.from(e.data() as Float32Array, Math.abs)), `${what}: outputs not all zero`).toBeGreaterThan(1e-3);
  return bytes;
}

function sequential(layers: tn.Layer[], inputShape: number[]): tn.Sequential {
  const model = tn.sequential({ layers: [tn.layers.inputLayer({ shape: inputShape }), ...layers] });
  randomizeWeights(model);
  return model;
}

function decode(bytes: Uint8Array) {
  return ModelProto.toObject(ModelProto.decode(bytes), { longs: Number }) as {
    irVersion: number;
    opsetImport: { domain?: string; version: number }[];
    graph: {
      node: { opType: string; input: string[]; output: string[] }[];
      input: { name: string; type: { tensorType: { shape: { dim: { dimValue?: number; dimParam?: string }[] } } } }[];
      output: { name: string; type: { tensorType: { shape: { dim: { dimValue?: number; dimParam?: string }[] } } } }[];
    };
  };
}

const opCount = (bytes: Uint8Array, op: string) => decode(bytes).graph.node.filter((n) => n.opType === op).length;

const ACTIVATIONS = ['linear', 'relu', 'relu6', 'sigmoid', 'hard_sigmoid', 'tanh', 'softmax', 'log_softmax', 'elu', 'selu',
  'softplus', 'softsign', 'swish', 'silu', 'gelu', 'leaky_relu', 'exponential'];

describe('ONNX export: the file', () => {
  it('is an opset-17 model with the model\'s input and output names and a dynamic batch axis "N"', async () => {
    const x = tn.input({ shape: [5], name: 'features' });
    const y = new L.Dense(3, { name: 'scores' }).apply(x);
    const model = tn.model({ inputs: x, outputs: y });
    const m = decode(tn.onnx.modelToOnnx(model));
    expect(m.irVersion).toBe(8);
    expect(m.opsetImport.map((o) => [o.domain ?? '', o.version])).toEqual([['', 17]]);
    expect(m.graph.input.map((i) => i.name)).toEqual(['features']);
    expect(m.graph.output.map((o) => o.name)).toEqual(['scores']);
    expect(m.graph.input[0].type.tensorType.shape.dim).toEqual([{ dimParam: 'N' }, { dimValue: 5 }]);
    expect(m.graph.output[0].type.tensorType.shape.dim).toEqual([{ dimParam: 'N' }, { dimValue: 3 }]);
  });

  it('writes the same bytes to a path (atomically, no temporary file left) as it returns, and the file runs', async () => {
    const model = sequential([new L.Conv2D(2, 3, { activation: 'relu' }), new L.Flatten(), new L.Dense(3)], [6, 6, 1]);
    const path = join(root, 'model.onnx');
    const written = await tn.onnx.exportModel(model, path);
    const returned = await tn.onnx.exportModel(model);
    expect(Buffer.compare(Buffer.from(readFileSync(path)), Buffer.from(returned))).toBe(0);
    expect(Buffer.compare(Buffer.from(written), Buffer.from(returned))).toBe(0);
    expect(readdirSync(root)).toEqual(['model.onnx']);
    // Overwriting an existing file replaces it whole.
    await tn.onnx.exportModel(sequential([new L.Dense(2)], [3]), path);
    expect(readFileSync(path).length).toBeLessThan(returned.length);
    const x = tn.randomNormal([2, 6, 6, 1]);
    await tn.onnx.exportModel(model, path);
    const session = await ort.InferenceSession.create(path, { intraOpNumThreads: 1 });
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x.data() as Float32Array, x.shape) });
    expectAgree(out[session.outputNames[0]], model.predict(x) as tn.Tensor, 'from the file');
  });

  it('fails with a clear error for a directory that does not exist, leaving nothing behind', async () => {
    const model = sequential([new L.Dense(2)], [3]);
    const path = join(root, 'missing-dir', 'model.onnx');
    await expect(tn.onnx.exportModel(model, path)).rejects.toThrow(/ENOENT/);
    expect(existsSync(join(root, 'missing-dir'))).toBe(false);
    await expect(tn.onnx.exportModel(model, '' as string)).rejects.toThrow(/expected a file path/);
  });

  it('runs with any batch size, including 1', async () => {
    const model = sequential([new L.Conv2D(3, 3, { padding: 'same' }), new L.GlobalAveragePooling2D(), new L.Dense(2)], [5, 5, 2]);
    const bytes = await tn.onnx.exportModel(model);
    for (const n of [1, 3, 7]) {
      const x = tn.randomNormal([n, 5, 5, 2]);
      const { outputs } = await runOnnx(bytes, x);
      expectAgree(outputs[0], model.predict(x) as tn.Tensor, `batch ${n}`);
    }
  });

  it('runs with spatial sizes and sequence lengths left unknown (Keras\'s \'same\' as SAME_UPPER)', async () => {
    const img = tn.input({ shape: [null, null, 2], name: 'image' });
    let h = new L.Conv2D(3, 3, { strides: 2, padding: 'same', activation: 'relu' }).apply(img);
    h = new L.MaxPooling2D({ poolSize: 3, strides: 2, padding: 'same' }).apply(h);
    h = new L.AveragePooling2D({ poolSize: 2, padding: 'same' }).apply(h);
    const model = tn.model({ inputs: img, outputs: new L.Dense(2).apply(new L.GlobalMaxPooling2D().apply(h)) });
    randomizeWeights(model);
    const bytes = await tn.onnx.exportModel(model);
    expect(decode(bytes).graph.input[0].type.tensorType.shape.dim).toEqual([{ dimParam: 'N' }, { dimParam: 'image_dim1' }, { dimParam: 'image_dim2' }, { dimValue: 2 }]);
    for (const shape of [[2, 7, 5, 2], [1, 4, 9, 2], [3, 8, 8, 2]]) {
      const x = tn.randomNormal(shape);
      expectAgree((await runOnnx(bytes, x)).outputs[0], model.predict(x) as tn.Tensor, `image ${shape}`);
    }
    const seq = tn.input({ shape: [null, 3] });
    const c = new L.Conv1D(4, 3, { padding: 'causal', dilationRate: 2 }).apply(seq);
    const r = new L.LSTM({ units: 4, returnSequences: true }).apply(new L.Conv1D(4, 2, { padding: 'same' }).apply(c));
    const text = tn.model({ inputs: seq, outputs: [r, new L.GRU({ units: 3, goBackwards: true }).apply(r)] });
    randomizeWeights(text);
    const textBytes = await tn.onnx.exportModel(text);
    for (const steps of [1, 4, 9]) {
      const x = tn.randomNormal([2, steps, 3]);
      const { outputs } = await runOnnx(textBytes, x);
      const expected = text.predict(x) as tn.Tensor[];
      expected.forEach((e, i) => expectAgree(outputs[i], e, `${steps} steps, output ${i}`));
    }
  });

  it('transposes only at the boundaries of a channels-first chain', async () => {
    const model = sequential([
      new L.Conv2D(4, 3, { padding: 'same', activation: 'relu' }), new L.BatchNormalization(), new L.Conv2D(4, 3),
      new L.Activation('tanh'), new L.MaxPooling2D(2), new L.Dropout(0.5), new L.Conv2D(3, 1, { activation: 'softmax' }),
    ], [9, 9, 2]);
    const bytes = await expectSameAsPredict(model, tn.randomNormal([2, 9, 9, 2]));
    expect(opCount(bytes, 'Transpose')).toBe(2);
    expect(opCount(bytes, 'BatchNormalization')).toBe(1);
    // Stacked recurrent layers stay time-major; a Dense on their sequences needs no transpose either.
    const rnn = sequential([new L.LSTM(5, { returnSequences: true }), new L.GRU(4, { returnSequences: true }), new L.Dense(3)], [6, 3]);
    const rnnBytes = await expectSameAsPredict(rnn, tn.randomNormal([2, 6, 3]));
    expect(opCount(rnnBytes, 'Transpose')).toBe(2);
  });
});

describe('ONNX export: Dense and activations', () => {
  for (const activation of ACTIVATIONS) {
    it(`Dense with activation '${activation}'`, async () => {
      const model = sequential([new L.Dense(7, { activation }), new L.Activation(activation)], [5]);
      await expectSameAsPredict(model, tn.mul(tn.randomNormal([4, 5]), 2));
    });
  }

  it('Dense without bias, on rank-3 and rank-4 inputs, with odd sizes', async () => {
    await expectSameAsPredict(sequential([new L.Dense(1, { useBias: false }), new L.Dense(3, { activation: 'tanh' })], [1]), tn.randomNormal([3, 1]));
    await expectSameAsPredict(sequential([new L.Dense(5, { activation: 'relu' }), new L.Dense(3)], [4, 7]), tn.randomNormal([2, 4, 7]));
    await expectSameAsPredict(sequential([new L.Dense(2, { activation: 'softmax' })], [3, 2, 5]), tn.randomNormal([2, 3, 2, 5]));
  });

  it('Activation layers on channels-first data (softmax finds the channel axis)', async () => {
    for (const activation of ['softmax', 'log_softmax', 'gelu', 'hard_sigmoid', 'selu']) {
      const model = sequential([new L.Conv2D(3, 2), new L.Activation(activation)], [4, 5, 2]);
      await expectSameAsPredict(model, tn.randomNormal([2, 4, 5, 2]), activation);
    }
  });

  it('Flatten (NHWC order), Reshape (with -1) and Dropout (identity)', async () => {
    await expectSameAsPredict(sequential([new L.Conv2D(3, 2, { strides: 2 }), new L.Flatten(), new L.Dropout(0.4), new L.Dense(4)], [5, 7, 2]), tn.randomNormal([3, 5, 7, 2]));
    await expectSameAsPredict(sequential([new L.Reshape([3, -1]), new L.Dense(2), new L.Reshape([6]), new L.Dense(2)], [12]), tn.randomNormal([2, 12]));
    await expectSameAsPredict(sequential([new L.Conv1D(4, 2), new L.Reshape([2, 2, -1]), new L.Conv2D(2, 2)], [5, 3]), tn.randomNormal([2, 5, 3]));
  });
});

describe('ONNX export: convolutions and pooling', () => {
  const conv2d: [string, ConstructorParameters<typeof L.Conv2D>[0]][] = [
    ['3x3 valid', { filters: 4, kernelSize: 3 }],
    ['3x3 same', { filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }],
    ['2x2 same (extra pad at the end)', { filters: 2, kernelSize: 2, padding: 'same' }],
    ['[3, 2] kernel, strides 2, same, odd sizes', { filters: 5, kernelSize: [3, 2], strides: 2, padding: 'same', activation: 'elu' }],
    ['strides [2, 3] valid', { filters: 3, kernelSize: 3, strides: [2, 3] }],
    ['dilation 2 same', { filters: 3, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'swish' }],
    ['dilation [2, 1] valid, no bias', { filters: 2, kernelSize: [2, 3], dilationRate: [2, 1], useBias: false }],
    ['1x1', { filters: 6, kernelSize: 1, activation: 'sigmoid' }],
    ['fused softmax', { filters: 3, kernelSize: 3, padding: 'same', activation: 'softmax' }],
  ];
  for (const [name, args] of conv2d) {
    it(`Conv2D ${name}`, async () => {
      await expectSameAsPredict(sequential([new L.Conv2D(args)], [7, 9, 3]), tn.randomNormal([2, 7, 9, 3]));
    });
  }

  const conv1d: [string, ConstructorParameters<typeof L.Conv1D>[0]][] = [
    ['valid', { filters: 4, kernelSize: 3 }],
    ['same, even kernel', { filters: 3, kernelSize: 4, padding: 'same', activation: 'relu' }],
    ['causal', { filters: 3, kernelSize: 3, padding: 'causal' }],
    ['causal, dilation 2', { filters: 2, kernelSize: 2, padding: 'causal', dilationRate: 2, activation: 'tanh' }],
    ['same, dilation 3', { filters: 2, kernelSize: 3, padding: 'same', dilationRate: 3 }],
    ['strides 2 same', { filters: 5, kernelSize: 3, strides: 2, padding: 'same', useBias: false }],
  ];
  for (const [name, args] of conv1d) {
    it(`Conv1D ${name}`, async () => {
      await expectSameAsPredict(sequential([new L.Conv1D(args)], [11, 3]), tn.randomNormal([2, 11, 3]));
    });
  }

  it('MaxPooling2D and AveragePooling2D: valid, same (partial windows count only inside cells), strides, odd sizes', async () => {
    for (const Pool of [L.MaxPooling2D, L.AveragePooling2D]) {
      for (const args of [{ poolSize: 2 }, { poolSize: 3, strides: 2, padding: 'same' as const }, { poolSize: [2, 3] as [number, number], strides: 1 },
        { poolSize: 2, padding: 'same' as const }]) {
        const model = sequential([new Pool(args)], [7, 5, 3]);
        await expectSameAsPredict(model, tn.randomNormal([2, 7, 5, 3]), `${Pool.name} ${JSON.stringify(args)}`);
      }
    }
  });

  it('MaxPooling1D and AveragePooling1D', async () => {
    for (const Pool of [L.MaxPooling1D, L.AveragePooling1D]) {
      for (const args of [{ poolSize: 2 }, { poolSize: 3, strides: 2, padding: 'same' as const }, { poolSize: 2, padding: 'same' as const }]) {
        await expectSameAsPredict(sequential([new Pool(args)], [9, 4]), tn.randomNormal([2, 9, 4]), `${Pool.name} ${JSON.stringify(args)}`);
      }
    }
  });

  it('global pooling 1D and 2D, with and without keepdims, after convolutions and directly on the input', async () => {
    for (const keepdims of [false, true]) {
      await expectSameAsPredict(sequential([new L.Conv2D(3, 2), new L.GlobalAveragePooling2D({ keepdims })], [5, 6, 2]), tn.randomNormal([2, 5, 6, 2]));
      await expectSameAsPredict(sequential([new L.Conv2D(3, 2), new L.GlobalMaxPooling2D({ keepdims })], [5, 6, 2]), tn.randomNormal([2, 5, 6, 2]));
      await expectSameAsPredict(sequential([new L.GlobalAveragePooling1D({ keepdims })], [5, 3]), tn.randomNormal([2, 5, 3]));
      await expectSameAsPredict(sequential([new L.Conv1D(3, 2), new L.GlobalMaxPooling1D({ keepdims }), new L.Dense(2)], [5, 3]), tn.randomNormal([2, 5, 3]));
    }
  });

  it('Conv2D(relu) then MaxPooling2D, which predict runs as one fused op', async () => {
    const model = sequential([new L.Conv2D(4, 3, { activation: 'relu' }), new L.MaxPooling2D(2), new L.Conv2D(3, 2, { activation: 'relu' }),
      new L.MaxPooling2D([2, 2]), new L.Flatten()], [12, 11, 2]);
    await expectSameAsPredict(model, tn.randomNormal([3, 12, 11, 2]));
  });

  it('a CNN: Conv2D, BatchNormalization, pooling, Flatten, Dense, trained a few steps', async () => {
    const model = sequential([
      new L.Conv2D(4, 3, { padding: 'same', activation: 'relu' }), new L.BatchNormalization(), new L.MaxPooling2D(2),
      new L.Conv2D(5, 3, { strides: 2, padding: 'same' }), new L.Activation('relu'), new L.Flatten(), new L.Dropout(0.3),
      new L.Dense(3, { activation: 'softmax' }),
    ], [10, 10, 1]);
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const x = tn.randomNormal([16, 10, 10, 1]);
    const y = tn.tensor(Array.from({ length: 16 }, (_, i) => i % 3), [16]);
    await model.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
    await expectSameAsPredict(model, tn.slice(x, [0, 0, 0, 0], [5, 10, 10, 1]));
  });
});

describe('ONNX export: transposed and grouped convolutions', () => {
  it('Conv2DTranspose (ConvTranspose) over strides, padding, outputPadding and dilation; Conv1DTranspose', async () => {
    const cases: [string, tn.layers.Conv2DTransposeArgs][] = [
      ['3x3, stride 2, same', { filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }],
      ['[3, 2], stride 2, valid', { filters: 2, kernelSize: [3, 2], strides: 2 }],
      ['2x2, stride 3, valid (output_padding)', { filters: 2, kernelSize: 2, strides: 3 }],
      ['4x4, stride 2, same (even window)', { filters: 2, kernelSize: 4, strides: 2, padding: 'same' }],
      ['outputPadding [1, 0], stride 2, same', { filters: 3, kernelSize: 3, strides: 2, padding: 'same', outputPadding: [1, 0] }],
      ['outputPadding 2, stride 3, valid', { filters: 2, kernelSize: [2, 3], strides: 3, outputPadding: 2, useBias: false }],
      ['dilation 2, same', { filters: 2, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'tanh' }],
    ];
    for (const [what, args] of cases) {
      await expectSameAsPredict(sequential([new L.Conv2DTranspose(args)], [3, 4, 2]), tn.randomNormal([2, 3, 4, 2]), what);
    }
    await expectSameAsPredict(sequential([new L.Conv1DTranspose(3, 3, { strides: 2, padding: 'same' }), new L.Conv1DTranspose(2, 2, { strides: 3, outputPadding: 1 })], [5, 2]), tn.randomNormal([2, 5, 2]), 'Conv1DTranspose');
  });

  it('Conv3D, Conv3DTranspose, MaxPooling3D, AveragePooling3D and the global 3-D pooling layers', async () => {
    const model = sequential([
      new L.Conv3D(3, [2, 3, 2], { padding: 'same', activation: 'relu' }), new L.MaxPooling3D({ poolSize: 2, padding: 'same' }),
      new L.Conv3D(4, 2, { strides: [1, 2, 1], dilationRate: 1 }), new L.AveragePooling3D({ poolSize: [1, 2, 2], strides: 1, padding: 'same' }),
      new L.GlobalAveragePooling3D(),
    ], [4, 7, 6, 2]);
    await expectSameAsPredict(model, tn.randomNormal([2, 4, 7, 6, 2]), 'Conv3D and pooling');
    await expectSameAsPredict(sequential([new L.Conv3D(2, 3, { dilationRate: [1, 2, 1], useBias: false }), new L.GlobalMaxPooling3D({ keepdims: true })], [3, 6, 4, 1]), tn.randomNormal([2, 3, 6, 4, 1]), 'dilated Conv3D, GlobalMaxPooling3D');
    await expectSameAsPredict(sequential([
      new L.Conv3DTranspose(3, [3, 2, 3], { strides: [2, 1, 2], padding: 'same', activation: 'relu' }),
      new L.Conv3DTranspose(2, 2, { strides: 3, outputPadding: [1, 0, 2] }),
      new L.Conv3DTranspose(1, 3, { dilationRate: 2, useBias: false }),
    ], [2, 3, 2, 2]), tn.randomNormal([2, 2, 3, 2, 2]), 'Conv3DTranspose (ConvTranspose)');
  });

  it('grouped Conv2D and Conv1D (Conv with group)', async () => {
    await expectSameAsPredict(sequential([new L.Conv2D(6, 3, { groups: 3, padding: 'same', activation: 'relu' }), new L.Conv2D(4, 2, { groups: 2, strides: 2 })], [5, 6, 6]), tn.randomNormal([2, 5, 6, 6]), 'Conv2D groups');
    await expectSameAsPredict(sequential([new L.Conv1D(4, 3, { groups: 2, padding: 'causal' })], [7, 4]), tn.randomNormal([2, 7, 4]), 'Conv1D groups');
  });
});

describe('ONNX export: normalization', () => {
  it('BatchNormalization: after Conv2D (ONNX BatchNormalization in NCHW), on Dense outputs, on sequences, axis 1, no center/scale', async () => {
    await expectSameAsPredict(sequential([new L.Conv2D(3, 2), new L.BatchNormalization({ epsilon: 0.01 })], [4, 5, 2]), tn.randomNormal([2, 4, 5, 2]));
    await expectSameAsPredict(sequential([new L.Dense(4), new L.BatchNormalization({ center: false })], [3]), tn.randomNormal([3, 3]));
    await expectSameAsPredict(sequential([new L.BatchNormalization({ scale: false })], [5, 3]), tn.randomNormal([2, 5, 3]));
    await expectSameAsPredict(sequential([new L.BatchNormalization({ axis: 1 })], [4, 3, 2]), tn.randomNormal([2, 4, 3, 2]));
    await expectSameAsPredict(sequential([new L.BatchNormalization({ axis: 2 })], [4, 3, 2]), tn.randomNormal([2, 4, 3, 2]));
    // One BatchNormalization shared by an NHWC input and a channels-first Conv2D output.
    const img = tn.input({ shape: [5, 5, 3] });
    const bn = new L.BatchNormalization();
    const conv = new L.Conv2D(3, 3, { padding: 'same' }).apply(img);
    const shared = tn.model({ inputs: img, outputs: new L.Add().apply([bn.apply(img), bn.apply(conv)]) });
    randomizeWeights(shared);
    await expectSameAsPredict(shared, tn.randomNormal([2, 5, 5, 3]));
  });

  it('LayerNormalization: last axis, trailing axes (ONNX LayerNormalization), a middle axis (its arithmetic), no center/scale', async () => {
    await expectSameAsPredict(sequential([new L.Dense(6), new L.LayerNormalization()], [3]), tn.randomNormal([3, 3]));
    await expectSameAsPredict(sequential([new L.LayerNormalization({ axis: [1, 2], epsilon: 1e-5 })], [4, 3]), tn.randomNormal([2, 4, 3]));
    await expectSameAsPredict(sequential([new L.LayerNormalization({ axis: 1 })], [4, 3]), tn.randomNormal([2, 4, 3]));
    await expectSameAsPredict(sequential([new L.LayerNormalization({ axis: [1, 3], scale: false })], [4, 3, 2]), tn.randomNormal([2, 4, 3, 2]));
    await expectSameAsPredict(sequential([new L.Conv2D(3, 2), new L.LayerNormalization({ center: false })], [4, 4, 2]), tn.randomNormal([2, 4, 4, 2]));
    const bytes = await tn.onnx.exportModel(sequential([new L.LayerNormalization({ axis: [1, 2] })], [4, 3]));
    expect(opCount(bytes, 'LayerNormalization')).toBe(1);
  });
});

describe('ONNX export: merges and functional models', () => {
  const merges = [L.Add, L.Subtract, L.Multiply, L.Average, L.Maximum, L.Minimum];
  for (const Merge of merges) {
    it(`${Merge.name} of two inputs, and of Conv2D outputs (merged in NCHW)`, async () => {
      const a = tn.input({ shape: [4], name: 'a' });
      const b = tn.input({ shape: [4], name: 'b' });
      const y = new L.Dense(3).apply(new Merge().apply([new L.Dense(4).apply(a), b]));
      const model = tn.model({ inputs: [a, b], outputs: y });
      randomizeWeights(model);
      await expectSameAsPredict(model, [tn.randomNormal([3, 4]), tn.randomNormal([3, 4])]);

      const img = tn.input({ shape: [5, 5, 2] });
      const c1 = new L.Conv2D(3, 2, { activation: 'relu' }).apply(img);
      const c2 = new L.Conv2D(3, 2).apply(img);
      const m = new Merge().apply([c1, c2]);
      const conv = tn.model({ inputs: img, outputs: new L.Conv2D(2, 2).apply(m) });
      randomizeWeights(conv);
      const bytes = await expectSameAsPredict(conv, tn.randomNormal([2, 5, 5, 2]));
      expect(opCount(bytes, 'Transpose')).toBe(2);
    });
  }

  it('Add, Multiply, Maximum of three inputs; Concatenate on the last axis, axis 1, and of channels-first values', async () => {
    const a = tn.input({ shape: [3, 4] });
    const b = tn.input({ shape: [3, 4] });
    const c = tn.input({ shape: [3, 4] });
    const outs = [new L.Add().apply([a, b, c]), new L.Multiply().apply([a, b, c]), new L.Maximum().apply([a, b, c]),
      new L.Concatenate().apply([a, b]), new L.Concatenate({ axis: 1 }).apply([a, b, c])];
    const model = tn.model({ inputs: [a, b, c], outputs: outs });
    await expectSameAsPredict(model, [tn.randomNormal([2, 3, 4]), tn.randomNormal([2, 3, 4]), tn.randomNormal([2, 3, 4])]);

    const img = tn.input({ shape: [6, 6, 2] });
    const branches = [new L.Conv2D(3, 3, { padding: 'same' }).apply(img), new L.Conv2D(2, 1).apply(img)];
    const joined = new L.Concatenate().apply(branches);
    const inception = tn.model({ inputs: img, outputs: new L.Conv2D(2, 3).apply(joined) });
    randomizeWeights(inception);
    await expectSameAsPredict(inception, tn.randomNormal([2, 6, 6, 2]));
  });

  it('two inputs, a shared layer, two outputs, a nested model, outputs named after their layers', async () => {
    const left = tn.input({ shape: [6], name: 'left' });
    const right = tn.input({ shape: [6], name: 'right' });
    const shared = new L.Dense(5, { activation: 'tanh', name: 'shared' });
    const inner = tn.sequential({ layers: [new L.Dense(4, { activation: 'relu', inputShape: [10] }), new L.Dense(4)], name: 'inner' });
    const merged = new L.Concatenate().apply([shared.apply(left), shared.apply(right)]);
    const out1 = new L.Dense(2, { activation: 'softmax', name: 'label' }).apply(inner.apply(merged));
    const out2 = new L.Subtract({ name: 'difference' }).apply([shared.apply(left), shared.apply(right)]);
    const model = tn.model({ inputs: [left, right], outputs: [out1, out2] });
    randomizeWeights(model);
    const bytes = await expectSameAsPredict(model, [tn.randomNormal([3, 6]), tn.randomNormal([3, 6])]);
    const m = decode(bytes);
    expect(m.graph.input.map((i) => i.name)).toEqual(['left', 'right']);
    expect(m.graph.output.map((o) => o.name)).toEqual(['label', 'difference']);
    // The shared layer's kernel is stored once.
    expect(m.graph.node.filter((n) => n.input.includes('shared/kernel')).length).toBe(4);
  });

  it('an output that is the input itself, and the same tensor as two outputs', async () => {
    const x = tn.input({ shape: [3], name: 'x' });
    const y = new L.Dense(2, { name: 'y' }).apply(x);
    const model = tn.model({ inputs: x, outputs: [y, x, y] });
    randomizeWeights(model);
    const bytes = await expectSameAsPredict(model, tn.randomNormal([2, 3]));
    expect(decode(bytes).graph.output.map((o) => o.name)).toEqual(['y', 'x_output', 'y_output']);
    // A channels-first Conv2D output, as two outputs and as the input of a Flatten: transposed back once.
    const img = tn.input({ shape: [5, 5, 2], name: 'img' });
    const conv = new L.Conv2D(3, 2, { name: 'conv' }).apply(img);
    const head = new L.Dense(2, { name: 'head' }).apply(new L.Flatten().apply(conv));
    const cnn = tn.model({ inputs: img, outputs: [conv, head, conv] });
    randomizeWeights(cnn);
    const cnnBytes = await expectSameAsPredict(cnn, tn.randomNormal([2, 5, 5, 2]));
    expect(decode(cnnBytes).graph.output.map((o) => o.name)).toEqual(['conv', 'head', 'conv_output']);
    expect(opCount(cnnBytes, 'Transpose')).toBe(2);
  });
});

describe('ONNX export: Embedding and recurrent layers', () => {
  const ids = (n: number, t: number, vocab: number) => tn.tensor(Array.from({ length: n * t }, (_, i) => (i * 7 + 3) % vocab), [n, t]);

  it('Embedding on float ids (as predict takes them) and on int32 ids', async () => {
    await expectSameAsPredict(sequential([new L.Embedding(11, 4), new L.Flatten(), new L.Dense(2)], [5]), ids(3, 5, 11));
    const x = tn.input({ shape: [4], dtype: 'int32' });
    const model = tn.model({ inputs: x, outputs: new L.GlobalAveragePooling1D().apply(new L.Embedding(9, 3).apply(x)) });
    randomizeWeights(model);
    await expectSameAsPredict(model, tn.tensor(Int32Array.from([1, 2, 3, 8, 0, 0, 5, 7]), [2, 4], 'int32'));
  });

  for (const [Cls, extra] of [[L.SimpleRNN, {}], [L.LSTM, {}], [L.GRU, { resetAfter: true }], [L.GRU, { resetAfter: false }]] as const) {
    for (const returnSequences of [false, true]) {
      for (const goBackwards of [false, true]) {
        const label = `${Cls.name}${'resetAfter' in extra ? ` resetAfter=${extra.resetAfter}` : ''} returnSequences=${returnSequences} goBackwards=${goBackwards}`;
        it(label, async () => {
          const model = sequential([new Cls({ units: 5, returnSequences, goBackwards, ...extra })], [7, 3]);
          await expectSameAsPredict(model, tn.randomNormal([3, 7, 3]), label);
        });
      }
    }
  }

  it('recurrent layers without bias, with other activations, single steps, stacked, after an Embedding', async () => {
    await expectSameAsPredict(sequential([new L.LSTM({ units: 3, useBias: false, recurrentActivation: 'hard_sigmoid', activation: 'relu' })], [4, 2]), tn.randomNormal([2, 4, 2]));
    await expectSameAsPredict(sequential([new L.GRU({ units: 4, recurrentActivation: 'hard_sigmoid', activation: 'softsign', returnSequences: true })], [5, 2]), tn.randomNormal([2, 5, 2]));
    await expectSameAsPredict(sequential([new L.SimpleRNN({ units: 4, activation: 'relu', useBias: false })], [5, 2]), tn.randomNormal([2, 5, 2]));
    await expectSameAsPredict(sequential([new L.LSTM({ units: 2 })], [1, 3]), tn.randomNormal([2, 1, 3]));
    for (const activation of ['leaky_relu', 'elu', 'softplus', 'linear', 'sigmoid']) {
      await expectSameAsPredict(sequential([new L.SimpleRNN({ units: 3, activation, returnSequences: true })], [4, 2]), tn.randomNormal([2, 4, 2]), `SimpleRNN ${activation}`);
    }
    await expectSameAsPredict(sequential([new L.GRU({ units: 3, activation: 'elu', recurrentActivation: 'softplus', resetAfter: false })], [4, 2]), tn.randomNormal([2, 4, 2]));
    const stacked = sequential([new L.Embedding(13, 6), new L.LSTM({ units: 5, returnSequences: true, goBackwards: true }),
      new L.GRU({ units: 4, returnSequences: true }), new L.SimpleRNN({ units: 3 }), new L.Dense(2, { activation: 'softmax' })], [8]);
    await expectSameAsPredict(stacked, ids(3, 8, 13));
  });

  for (const Cls of [L.LSTM, L.GRU, L.SimpleRNN]) {
    for (const mergeMode of ['concat', 'sum', 'mul', 'ave'] as const) {
      it(`Bidirectional(${Cls.name}) mergeMode=${mergeMode}, with and without returnSequences and goBackwards`, async () => {
        for (const returnSequences of [false, true]) {
          for (const goBackwards of [false, true]) {
            const layer = new L.Bidirectional(new Cls({ units: 4, returnSequences, goBackwards }), { mergeMode });
            const model = sequential([layer], [6, 3]);
            await expectSameAsPredict(model, tn.randomNormal([2, 6, 3]), `returnSequences=${returnSequences} goBackwards=${goBackwards}`);
          }
        }
      });
    }
  }

  it('a text classifier: Embedding, Bidirectional LSTM, pooling, Dense, trained a few steps', async () => {
    const model = sequential([new L.Embedding(20, 8), new L.Bidirectional(new L.LSTM({ units: 6, returnSequences: true })),
      new L.Conv1D(4, 3, { padding: 'causal', activation: 'relu' }), new L.GlobalMaxPooling1D(), new L.Dense(1, { activation: 'sigmoid' })], [10]);
    model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
    const x = ids(8, 10, 20);
    await model.fit(x, tn.tensor([0, 1, 0, 1, 1, 0, 1, 0], [8, 1]), { epochs: 2, batchSize: 4, verbose: 0 });
    await expectSameAsPredict(model, x);
  });
});

describe('ONNX export: the newer layers', () => {
  it('DepthwiseConv2D (Conv with group = channels) and SeparableConv2D (then a 1x1 Conv): multipliers, strides, dilation, same/valid, activations', async () => {
    await expectSameAsPredict(sequential([new L.DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2, activation: 'relu' })], [6, 5, 3]), tn.randomNormal([2, 6, 5, 3]));
    await expectSameAsPredict(sequential([new L.DepthwiseConv2D({ kernelSize: [2, 3], strides: 2, padding: 'same', useBias: false })], [7, 6, 2]), tn.randomNormal([2, 7, 6, 2]));
    await expectSameAsPredict(sequential([new L.DepthwiseConv2D({ kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'relu6' })], [7, 7, 3]), tn.randomNormal([1, 7, 7, 3]));
    await expectSameAsPredict(sequential([new L.SeparableConv2D({ filters: 4, kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'tanh' })], [5, 6, 3]), tn.randomNormal([2, 5, 6, 3]));
    await expectSameAsPredict(sequential([new L.SeparableConv2D({ filters: 3, kernelSize: 2, strides: 2, useBias: false })], [6, 6, 2]), tn.randomNormal([2, 6, 6, 2]));
    // MobileNet's block: Conv2D, BatchNormalization, ReLU(6), DepthwiseConv2D, ZeroPadding2D stay channels-first throughout.
    const bytes = await expectSameAsPredict(sequential([
      new L.ZeroPadding2D({ padding: [[0, 1], [0, 1]] }), new L.Conv2D(4, 3, { strides: 2, useBias: false }), new L.BatchNormalization(), new L.ReLU({ maxValue: 6 }),
      new L.DepthwiseConv2D({ kernelSize: 3, padding: 'same', useBias: false }), new L.BatchNormalization(), new L.ReLU({ maxValue: 6 }), new L.GlobalAveragePooling2D(),
    ], [9, 9, 3]), tn.randomNormal([2, 9, 9, 3]));
    expect(opCount(bytes, 'Transpose')).toBe(1);
  });

  it('ReLU with maxValue, negativeSlope and threshold; LeakyReLU, PReLU (shared axes), ELU, ThresholdedReLU, Softmax along an axis', async () => {
    const x = () => tn.mul(tn.randomNormal([3, 4, 5]), 4);
    for (const args of [{}, { maxValue: 6 }, { maxValue: 1.5 }, { negativeSlope: 0.2 }, { negativeSlope: 0.1, maxValue: 2 }, { threshold: 0.5 }, { threshold: 0.3, negativeSlope: 0.3, maxValue: 3 }]) {
      await expectSameAsPredict(sequential([new L.ReLU(args)], [4, 5]), x(), `ReLU ${JSON.stringify(args)}`);
    }
    await expectSameAsPredict(sequential([new L.LeakyReLU({ alpha: 0.15 }), new L.ELU({ alpha: 0.6 }), new L.ThresholdedReLU({ theta: 0.4 })], [4, 5]), x());
    await expectSameAsPredict(sequential([new L.PReLU({ alphaInitializer: 'random_normal' })], [4, 5]), x());
    await expectSameAsPredict(sequential([new L.Conv2D(3, 2), new L.PReLU({ sharedAxes: [1, 2] })], [4, 4, 2]), tn.randomNormal([2, 4, 4, 2]));
    await expectSameAsPredict(sequential([new L.Softmax({ axis: 1 })], [4, 5]), x());
    await expectSameAsPredict(sequential([new L.Conv2D(3, 2), new L.Softmax()], [4, 4, 2]), tn.randomNormal([2, 4, 4, 2]));
  });

  it('ZeroPadding3D (Pad) and Cropping3D (Slice), channels last and first; Identity and SpatialDropout3D pass through', async () => {
    await expectSameAsPredict(sequential([new L.ZeroPadding3D([[1, 0], [0, 2], [1, 1]]), new L.Cropping3D([[0, 1], [2, 0], [1, 2]]), new L.Identity()], [3, 4, 3, 2]), tn.randomNormal([2, 3, 4, 3, 2]));
    await expectSameAsPredict(sequential([new L.Conv3D(2, 2), new L.ZeroPadding3D(1), new L.SpatialDropout3D({ rate: 0.5 })], [3, 3, 3, 2]), tn.randomNormal([2, 3, 3, 3, 2]));
    await expectSameAsPredict(sequential([new L.ZeroPadding3D({ padding: [1, 2, 0], dataFormat: 'channels_first' }), new L.Cropping3D({ cropping: 1, dataFormat: 'channels_first' })], [2, 3, 4, 5]), tn.randomNormal([2, 2, 3, 4, 5]));
  });

  it('ZeroPadding1D/2D (Pad) and Cropping1D/2D (Slice), channels last and first; UpSampling1D/2D nearest and bilinear (Resize)', async () => {
    await expectSameAsPredict(sequential([new L.ZeroPadding1D([2, 1]), new L.Cropping1D([1, 3])], [6, 3]), tn.randomNormal([2, 6, 3]));
    await expectSameAsPredict(sequential([new L.ZeroPadding2D({ padding: [[1, 2], [0, 3]] }), new L.Cropping2D({ cropping: [[2, 0], [1, 1]] })], [4, 5, 2]), tn.randomNormal([2, 4, 5, 2]));
    await expectSameAsPredict(sequential([new L.Conv2D(3, 2), new L.ZeroPadding2D(1), new L.Cropping2D({ cropping: [[0, 1], [2, 0]] })], [5, 5, 2]), tn.randomNormal([2, 5, 5, 2]));
    await expectSameAsPredict(sequential([new L.ZeroPadding2D({ padding: [1, 2], dataFormat: 'channels_first' }), new L.Cropping2D({ cropping: 1, dataFormat: 'channels_first' })], [2, 4, 5]), tn.randomNormal([2, 2, 4, 5]));
    await expectSameAsPredict(sequential([new L.UpSampling1D({ size: 3 })], [4, 3]), tn.randomNormal([2, 4, 3]));
    await expectSameAsPredict(sequential([new L.UpSampling2D({ size: [2, 3] })], [3, 4, 2]), tn.randomNormal([2, 3, 4, 2]));
    await expectSameAsPredict(sequential([new L.UpSampling2D({ size: [3, 2], interpolation: 'bilinear' })], [4, 3, 2]), tn.randomNormal([2, 4, 3, 2]));
    await expectSameAsPredict(sequential([new L.UpSampling2D({ size: 2, dataFormat: 'channels_first', interpolation: 'bilinear' })], [2, 3, 4]), tn.randomNormal([2, 2, 3, 4]));
    await expectSameAsPredict(sequential([new L.Conv2D(2, 2), new L.UpSampling2D(2)], [4, 4, 1]), tn.randomNormal([2, 4, 4, 1]));
  });

  it('RepeatVector (Unsqueeze + Tile), Permute (a change of layout), and the noise layers and ActivityRegularization as the identity', async () => {
    await expectSameAsPredict(sequential([new L.Dense(4), new L.RepeatVector({ n: 3 }), new L.Permute({ dims: [2, 1] }), new L.Dense(2)], [5]), tn.randomNormal([2, 5]));
    await expectSameAsPredict(sequential([new L.Permute({ dims: [3, 1, 2] })], [2, 3, 4]), tn.randomNormal([2, 2, 3, 4]));
    await expectSameAsPredict(sequential([new L.Conv2D(3, 2), new L.Permute({ dims: [2, 1, 3] }), new L.Flatten()], [4, 5, 2]), tn.randomNormal([2, 4, 5, 2]));
    const bytes = await expectSameAsPredict(sequential([
      new L.GaussianNoise({ stddev: 1 }), new L.GaussianDropout({ rate: 0.5 }), new L.AlphaDropout({ rate: 0.5 }), new L.SpatialDropout1D({ rate: 0.5 }),
      new L.ActivityRegularization({ l1: 0.1 }), new L.Reshape([2, 2, 3]), new L.SpatialDropout2D({ rate: 0.5 }), new L.Flatten(),
    ], [4, 3]), tn.randomNormal([2, 4, 3]));
    expect(decode(bytes).graph.node.map((n) => n.opType)).toEqual(['Reshape', 'Flatten']);
  });

  it('TimeDistributed (time folded into the batch) around Dense, Conv2D and DepthwiseConv2D, with an unknown number of steps', async () => {
    await expectSameAsPredict(sequential([new L.TimeDistributed(new L.Dense(3, { activation: 'tanh' }))], [4, 5]), tn.randomNormal([2, 4, 5]));
    await expectSameAsPredict(sequential([new L.TimeDistributed(new L.Conv2D(2, 2, { activation: 'relu' })), new L.TimeDistributed(new L.DepthwiseConv2D({ kernelSize: 2 }))], [3, 5, 4, 2]), tn.randomNormal([2, 3, 5, 4, 2]));
    const steps = tn.input({ shape: [null, 4] });
    const model = tn.model({ inputs: steps, outputs: new L.TimeDistributed(new L.Dense(2)).apply(steps) });
    randomizeWeights(model);
    const bytes = await tn.onnx.exportModel(model);
    for (const t of [3, 6]) {
      const x = tn.randomNormal([2, t, 4]);
      expectAgree((await runOnnx(bytes, x)).outputs[0], model.predict(x) as tn.Tensor, `${t} steps`);
    }
  });

  it('GroupNormalization (composed: opset 17 has none) and UnitNormalization, on several axes and layouts', async () => {
    await expectSameAsPredict(sequential([new L.GroupNormalization({ groups: 2, betaInitializer: 'random_normal', gammaInitializer: 'random_normal' })], [6]), tn.randomNormal([3, 6]));
    await expectSameAsPredict(sequential([new L.Conv2D(4, 2), new L.GroupNormalization({ groups: 2, epsilon: 1e-5 })], [5, 5, 2]), tn.randomNormal([2, 5, 5, 2]));
    await expectSameAsPredict(sequential([new L.GroupNormalization({ groups: 3, axis: 1, center: false })], [6, 4]), tn.randomNormal([2, 6, 4]));
    await expectSameAsPredict(sequential([new L.GroupNormalization({ groups: -1, scale: false })], [5, 4]), tn.randomNormal([2, 5, 4]));
    await expectSameAsPredict(sequential([new L.UnitNormalization()], [7]), tn.randomNormal([3, 7]));
    await expectSameAsPredict(sequential([new L.Conv2D(3, 2), new L.UnitNormalization({ axis: [1, 2] })], [4, 4, 2]), tn.randomNormal([2, 4, 4, 2]));
  });
});

describe('ONNX export: what cannot be exported', () => {
  class Scale extends tn.Layer {
    call(x: tn.Tensor | tn.Tensor[]) {
      return tn.mul(x as tn.Tensor, 2);
    }
  }

  it('a custom Layer subclass: the error names the layer and its class', async () => {
    const model = tn.sequential({ layers: [new L.Dense(3, { inputShape: [2] }), new Scale({ name: 'my_scale' })] });
    await expect(tn.onnx.exportModel(model)).rejects.toThrow(/layer "my_scale" \(Scale\) is a custom Layer subclass, whose call\(\) ONNX export cannot translate/);
  });

  it('a built-in layer the export lacks (Normalization) is not blamed on a custom subclass', async () => {
    const model = tn.sequential({ layers: [new L.Normalization({ mean: 1, variance: 4, inputShape: [2] }), new L.Dense(1)] });
    await expect(tn.onnx.exportModel(model)).rejects.toThrow(/layer "normalization\w*" \(Normalization\) is not one of the layers ONNX export translates/);
  });

  it('a quantized model says to export the float32 one', async () => {
    const model = tn.sequential({ layers: [new L.Dense(8, { inputShape: [4], activation: 'relu' }), new L.Dense(2)] });
    const q = tn.quantization.quantizeModel(model, { calibrationData: tn.randomNormal([16, 4], 0, 1, 'float32', 1) });
    await expect(tn.onnx.exportModel(q)).rejects.toThrow(/\(QuantizedDense\) is an int8 layer of tn.quantization.quantizeModel, which ONNX export does not translate; export the float32 model/);
  });

  it('a Lambda layer: the error names the layer and says why', async () => {
    const model = tn.sequential({ layers: [new L.Dense(3, { inputShape: [2] }), new L.Lambda((x) => tn.mul(x as tn.Tensor, 2), { name: 'twice' })] });
    await expect(tn.onnx.exportModel(model)).rejects.toThrow(/layer "twice" \(Lambda\) wraps a JavaScript function, which ONNX export cannot translate/);
  });

  it('a custom activation function, and a recurrent activation ONNX does not offer', async () => {
    const custom = tn.sequential({ layers: [new L.Dense(3, { inputShape: [2], activation: function cube(x: tn.Tensor) { return tn.mul(tn.mul(x, x), x); }, name: 'd' })] });
    await expect(tn.onnx.exportModel(custom)).rejects.toThrow(/layer "d" \(Dense\) has the custom activation function "cube"/);
    const rnn = tn.sequential({ layers: [new L.LSTM({ units: 2, activation: 'swish', inputShape: [3, 2], name: 'rnn' })] });
    await expect(tn.onnx.exportModel(rnn)).rejects.toThrow(/layer "rnn" \(LSTM\) has activation "swish", which ONNX's recurrent ops do not offer/);
    const gru = tn.sequential({ layers: [new L.Bidirectional(new L.GRU({ units: 2, recurrentActivation: 'gelu' }), { inputShape: [3, 2], name: 'bi' })] });
    await expect(tn.onnx.exportModel(gru)).rejects.toThrow(/layer "bi" \(Bidirectional\) has recurrentActivation "gelu"/);
  });

  it('a subclassed model, an unbuilt Sequential, and something that is not a model', async () => {
    class MyModel extends tn.Model {
      dense = new L.Dense(2);
      override call(x: tn.Tensor | tn.Tensor[]) {
        return this.dense.apply(x as tn.Tensor);
      }
    }
    await expect(tn.onnx.exportModel(new MyModel({ name: 'mine' }))).rejects.toThrow(/"mine" \(MyModel\) is a subclassed model/);
    await expect(tn.onnx.exportModel(tn.sequential({ layers: [new L.Dense(2)] }))).rejects.toThrow(/is not built/);
    await expect(tn.onnx.exportModel({} as tn.Model)).rejects.toThrow(/expected a tensornode Model/);
  });
});
