import { beforeEach, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { gradCheck, randomTensor, variableGradCheck } from '../helpers/gradcheck.js';
import { expectClose, goldenCases, toTensor } from '../helpers/golden.js';

const { Embedding, SimpleRNN, LSTM, GRU, Dense, Bidirectional } = tn.layers;

beforeEach(() => {
  tn.clearSession();
  tn.setSeed(99);
});

function build(op: string, units: number, extra: Record<string, unknown> = {}) {
  if (op === 'lstm') return new LSTM(units, { returnSequences: true, ...extra });
  if (op === 'gru') return new GRU(units, { returnSequences: true, resetAfter: true, ...extra });
  return new SimpleRNN(units, { returnSequences: true, ...extra });
}

describe('recurrent layers match the reference values', () => {
  for (const c of goldenCases('recurrent')) {
    it(c.name, () => {
      const layer = build(c.op, c.attrs.units as number);
      const x = toTensor(c.inputs.x);
      layer.apply(x);
      layer.setWeights([toTensor(c.inputs.kernel), toTensor(c.inputs.recurrentKernel), toTensor(c.inputs.bias)]);
      const upstream = toTensor(c.upstream);
      const [kernel, recurrent, bias] = layer.trainableWeights;
      const xv = tn.variable(x);
      const y = layer.apply(xv) as tn.Tensor;
      expectClose(y, c.outputs.y, 1e-4, 1e-5, `${c.name} y`);
      const g = tn.gradients(tn.sum(tn.mul(y, upstream)), [xv, kernel, recurrent, bias]);
      expectClose(g[0], c.grads.x, 1e-4, 1e-5, `${c.name} dx`);
      expectClose(g[1], c.grads.kernel, 1e-4, 1e-5, `${c.name} dkernel`);
      expectClose(g[2], c.grads.recurrentKernel, 1e-4, 1e-5, `${c.name} drecurrentKernel`);
      expectClose(g[3], c.grads.bias, 1e-4, 1e-5, `${c.name} dbias`);
    });
  }

  it('Embedding looks rows up and scatter-adds its gradient into repeated ids', () => {
    const c = goldenCases('embedding')[0];
    const [vocab, dim] = c.inputs.embeddings.shape;
    const layer = new Embedding(vocab, dim);
    const ids = toTensor(c.inputs.ids, 'int32');
    layer.apply(ids);
    layer.setWeights([toTensor(c.inputs.embeddings)]);
    const y = layer.apply(ids) as tn.Tensor;
    expectClose(y, c.outputs.y, 1e-6, 1e-7, 'embedding y');
    const [g] = tn.gradients(tn.sum(tn.mul(y, toTensor(c.upstream))), [layer.trainableWeights[0]]);
    expectClose(g, c.grads.embeddings, 1e-5, 1e-6, 'embedding gradient');
  });
});

describe('recurrent layers', () => {
  it('have the input gradients of finite differences, also read backwards and returning only the last state', () => {
    for (const [op, extra] of [['lstm', {}], ['gru', { goBackwards: true }], ['simpleRNN', { returnSequences: false }], ['gru', { resetAfter: false, returnSequences: false }]] as const) {
      const layer = build(op, 3, extra);
      const x = randomTensor([2, 4, 3], 5, -1, 1);
      layer.apply(x);
      // The weights' gradients are checked against the reference values above.
      gradCheck((xx: tn.Tensor) => layer.apply(xx) as tn.Tensor, [x]);
    }
  });

  it('use Keras defaults: orthogonal recurrent kernel, forget-gate bias 1, GRU bias [2, 3*units], output shapes', () => {
    const lstm = new LSTM(4);
    expect(lstm.apply(tn.zeros([2, 7, 3])).shape).toEqual([2, 4]);
    const [kernel, recurrent, bias] = lstm.getWeights();
    expect(kernel.shape).toEqual([3, 16]);
    const u = recurrent.array() as number[][];
    // The recurrent kernel [units, 4*units] is orthogonal: its rows are orthonormal.
    expect(recurrent.shape).toEqual([4, 16]);
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        let dot = 0;
        for (let k = 0; k < 16; k++) dot += u[i][k] * u[j][k];
        expect(dot).toBeCloseTo(i === j ? 1 : 0, 5);
      }
    }
    expect(Array.from(bias.data())).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    const gru = new GRU({ units: 5, returnSequences: true });
    expect(gru.apply(tn.zeros([1, 3, 2])).shape).toEqual([1, 3, 5]);
    expect(gru.getWeights()[2].shape).toEqual([2, 15]);
    expect(new GRU(5, { resetAfter: false }).apply(tn.zeros([1, 3, 2])).shape).toEqual([1, 5]);
    expect(() => new LSTM(4, { returnState: 1 as unknown as boolean })).toThrow(/LSTM: received an invalid value for `returnState`, expected true or false/);
    expect(() => new GRU(4, { recurrentDropout: 1 })).toThrow(/GRU: received an invalid value for `recurrentDropout`, expected a number in \[0, 1\)/);
    expect(() => new SimpleRNN(4, { dropout: -0.1 })).toThrow(/SimpleRNN: received an invalid value for `dropout`/);
    expect(() => new SimpleRNN(4).apply(tn.zeros([2, 3]))).toThrow(/expected ndim=3/);
    expect(() => new Embedding(5, 2).apply(tn.tensor([[1, 5]], [1, 2], 'int32'))).toThrow(/Embedding with inputDim 5.*index 5 is out of range/);
  });

  it('learn a sequence task in a Sequential model: Embedding → LSTM → Dense, saved and loaded', async () => {
    // Is the token 1 anywhere in the sequence? The answer depends on every timestep.
    const n = 256;
    const t = 8;
    const ids = new Int32Array(n * t);
    const labels = new Float32Array(n);
    let s = 7;
    for (let i = 0; i < n; i++) {
      const has = i % 2 === 0;
      for (let k = 0; k < t; k++) ids[i * t + k] = 2 + ((s = (s * 1103515245 + 12345) >>> 0) % 8);
      if (has) ids[i * t + (s % t)] = 1;
      labels[i] = has ? 1 : 0;
    }
    const x = tn.tensor(ids, [n, t], 'int32');
    const y = tn.tensor(labels, [n, 1]);
    const model = new tn.Sequential([new Embedding(10, 8, { inputLength: t }), new LSTM(16), new Dense(1, { activation: 'sigmoid' })]);
    model.compile({ optimizer: new tn.optimizers.Adam({ learningRate: 0.01 }), loss: 'binary_crossentropy', metrics: ['accuracy'] });
    const history = await model.fit(x, y, { epochs: 15, batchSize: 32, verbose: 0 });
    expect(history.history.accuracy[14]).toBeGreaterThan(0.95);
    const dir = (await import('node:fs')).mkdtempSync((await import('node:path')).join((await import('node:os')).tmpdir(), 'tn-rnn-'));
    await model.save(dir);
    const loaded = await tn.models.loadModel(dir);
    expect(Array.from((loaded.predict(x) as tn.Tensor).data())).toEqual(Array.from((model.predict(x) as tn.Tensor).data()));
  });
});

describe('Bidirectional', () => {
  it('merges a forward run and a backward run in time order, with the forward then backward weights', () => {
    for (const [inner, mode] of [[new LSTM(3, { returnSequences: true }), 'concat'], [new GRU(3), 'sum'], [new SimpleRNN(2, { returnSequences: true }), 'ave'], [new LSTM(2), 'mul']] as const) {
      const bi = new Bidirectional(inner, { mergeMode: mode });
      const x = randomTensor([2, 5, 4], 8);
      const y = bi.apply(x) as tn.Tensor;
      // The same computation by hand, with the wrapper's own weights.
      const Cls = inner.constructor as new (c: Record<string, unknown>) => tn.Layer;
      const cfg = inner.getConfig();
      const f = new Cls({ ...cfg, name: 'f' });
      const b = new Cls({ ...cfg, name: 'b', goBackwards: true });
      f.apply(x);
      b.apply(x);
      const ws = bi.getWeights();
      f.setWeights(ws.slice(0, ws.length / 2));
      b.setWeights(ws.slice(ws.length / 2));
      const yf = f.apply(x) as tn.Tensor;
      let yb = b.apply(x) as tn.Tensor;
      if (yb.rank === 3) yb = tn.gather(yb, tn.tensor([4, 3, 2, 1, 0], [5], 'int32'), 1);
      const want = mode === 'concat' ? tn.concat([yf, yb], -1) : mode === 'sum' ? tn.add(yf, yb) : mode === 'mul' ? tn.mul(yf, yb) : tn.mul(tn.add(yf, yb), 0.5);
      expect(y.shape).toEqual(want.shape);
      expect(bi.computeOutputShape([null, 5, 4])).toEqual([null, ...want.shape.slice(1)]);
      const got = y.data();
      Array.from(want.data()).forEach((v, i) => expect(got[i]).toBeCloseTo(v, 6));
    }
    const named = new Bidirectional(new LSTM(2, { name: 'enc' }));
    named.apply(tn.zeros([1, 3, 2]));
    expect(named.weights.map((w) => w.name)).toEqual(['forward_enc/kernel', 'forward_enc/recurrent_kernel', 'forward_enc/bias', 'backward_enc/kernel', 'backward_enc/recurrent_kernel', 'backward_enc/bias']);
    expect(() => new Bidirectional(new Dense(3))).toThrow(/Bidirectional: received an invalid value for `layer`, expected a recurrent layer/);
    expect(() => new Bidirectional(new LSTM(2), { mergeMode: 'max' as never })).toThrow(/`mergeMode`/);
  });

  it('has the gradients of finite differences for its input and both directions\' weights, in every merge mode', () => {
    for (const [inner, mode] of [[new LSTM(3, { returnSequences: true }), 'concat'], [new GRU(3), 'sum'], [new SimpleRNN(2, { returnSequences: true }), 'ave'], [new LSTM(2), 'mul']] as const) {
      const bi = new Bidirectional(inner, { mergeMode: mode });
      const x = randomTensor([2, 4, 3], 11, -1, 1);
      bi.apply(x);
      // Each weight of the two directions is checked on its own, so a gradient that reaches only one direction (or
      // the wrong one) fails.
      const weights = bi.trainableWeights;
      expect(weights).toHaveLength(6);
      // The recurrent kernels' gradients are small against the outputs, so a larger step keeps the float32 noise of
      // the probe well below them (norm error about 2e-4 instead of up to 1e-3 at the default step).
      variableGradCheck(() => bi.apply(x) as tn.Tensor, weights, { eps: 3e-2 });
      gradCheck((xx: tn.Tensor) => bi.apply(xx) as tn.Tensor, [x]);
    }
  });

  it('trains in a model, moves the weights of both directions, and saves and loads', async () => {
    const model = new tn.Sequential([new Embedding(6, 4, { inputLength: 6 }), new Bidirectional(new GRU(5)), new Dense(1, { activation: 'sigmoid' })]);
    model.compile({ optimizer: new tn.optimizers.Adam({ learningRate: 0.03 }), loss: 'binary_crossentropy', metrics: ['accuracy'] });
    // Is the first token greater than the last? Each direction sees one of them last.
    const n = 128;
    const ids = Int32Array.from({ length: n * 6 }, (_, i) => ((i * 7 + (i >> 3) * 3) % 6));
    const labels = Float32Array.from({ length: n }, (_, i) => (ids[i * 6] > ids[i * 6 + 5] ? 1 : 0));
    const x = tn.tensor(ids, [n, 6], 'int32');
    const bi = model.layers[1];
    const before = bi.getWeights().map((w) => w.data());
    const history = await model.fit(x, tn.tensor(labels, [n, 1]), { epochs: 40, batchSize: 16, verbose: 0 });
    expect(history.history.accuracy[39]).toBeGreaterThan(0.9);
    expect(model.trainableWeights.length).toBe(1 + 6 + 2);
    // Every weight of both directions was trained.
    bi.getWeights().forEach((w, i) => expect(w.data(), bi.weights[i].name).not.toEqual(before[i]));
    const dir = (await import('node:fs')).mkdtempSync((await import('node:path')).join((await import('node:os')).tmpdir(), 'tn-bi-'));
    await model.save(dir);
    const loaded = await tn.models.loadModel(dir);
    expect(Array.from((loaded.predict(x) as tn.Tensor).data())).toEqual(Array.from((model.predict(x) as tn.Tensor).data()));
  });
});
