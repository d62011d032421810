import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as tn from '../../lib/index.js';
import { gradCheck, randomTensor, variableGradCheck } from '../helpers/gradcheck.js';
import { expectClose, goldenCases, toTensor } from '../helpers/golden.js';
import { expectClose as expectNear } from '../helpers/tfjs.js';
import { rnnReference, type Kind } from '../helpers/rnn-reference.js';
import { layerFixtureTests } from '../helpers/layer-fixtures.js';
import { native } from '../../lib/native.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const { Embedding, SimpleRNN, LSTM, GRU, Dense, Bidirectional, RNN, SimpleRNNCell, LSTMCell, GRUCell, StackedRNNCells } = tn.layers;

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

// TF.js's LSTM and GRU defaults (hard sigmoid gates, GRU without resetAfter) and Keras 3's hard_sigmoid: float64
// PyTorch references (test/fixtures/recurrent-gates.py), and the native loops run them (they used to step with
// recorded ops: 4x slower to train, 10-20x slower to predict).
describe('LSTM and GRU with hard sigmoid gates and the original GRU', () => {
  layerFixtureTests('recurrent-gates');

  it('run on the native loops, in inference and in training', async () => {
    // Spies call through to the addon and count the calls.
    const names = ['lstmInference', 'lstmForward', 'lstmBackward', 'gruInference', 'gruForward', 'gruBackward'] as const;
    const spies = Object.fromEntries(names.map((k) => [k, vi.spyOn(native, k)])) as unknown as Record<(typeof names)[number], { mock: { calls: unknown[][] }; mockRestore(): void }>;
    const calls = (k: (typeof names)[number]) => spies[k].mock.calls.length;
    try {
      const model = tn.sequential({ layers: [
        tn.layers.lstm({ units: 6, returnSequences: true, inputShape: [5, 3] }),  // TF.js's factory: hard sigmoid gates
        tn.layers.gru({ units: 4 }),  // hard sigmoid gates, no resetAfter
        new Dense(1),
      ] });
      model.compile({ optimizer: 'adam', loss: 'mse' });
      const x = randomTensor([8, 5, 3], 400, -1, 1);
      model.predict(x);
      expect([calls('lstmInference'), calls('gruInference')]).toEqual([1, 1]);
      await model.fit(x, tn.zeros([8, 1]), { epochs: 1, batchSize: 8, verbose: 0 });
      expect(names.map(calls)).toEqual([1, 1, 1, 1, 1, 1]);
    } finally {
      Object.values(spies).forEach((s) => s.mockRestore());
    }
  });
});

describe('Bidirectional', () => {
  it("takes Keras's initialState (forward states, then backward), backwardLayer and mergeMode null, and saves them", async () => {
    const x = randomTensor([2, 4, 5], 21);
    const s = (v: number) => tn.fill([2, 3], v);
    const bi = new Bidirectional(new LSTM(3));
    const plain = bi.apply(x) as tn.Tensor;
    const withStates = bi.apply(x, { initialState: [s(0.5), s(0.5), s(-0.5), s(-0.5)] }) as tn.Tensor;
    expect(Array.from(withStates.data())).not.toEqual(Array.from(plain.data()));
    // The halves are the two layers' own initial states.
    const f = bi.forwardLayer.apply(x, { initialState: [s(0.5), s(0.5)] }) as tn.Tensor;
    const b = bi.backwardLayer.apply(x, { initialState: [s(-0.5), s(-0.5)] }) as tn.Tensor;
    expectNear(withStates.data(), tn.concat([f, b], -1).data(), 1e-6);
    expect(() => bi.apply(x, { initialState: [s(0), s(0)] })).toThrow(/initialState has 2 tensors; it takes the forward layer's 2 state\(s\), then the backward layer's 2/);

    // A GRU running backwards beside an LSTM, not merged: [forward, backward] in time order.
    const mixed = new Bidirectional(new LSTM(3, { returnSequences: true }), { backwardLayer: new GRU(2, { returnSequences: true, goBackwards: true }), mergeMode: null });
    const [yf, yb] = mixed.apply(x) as unknown as tn.Tensor[];
    expect([yf.shape, yb.shape]).toEqual([[2, 4, 3], [2, 4, 2]]);
    expect(mixed.backwardLayer.constructor).toBe(GRU);
    expect(mixed.computeOutputShape([null, 4, 5])).toEqual([[null, 4, 3], [null, 4, 2]]);
    expect(() => new Bidirectional(new LSTM(3), { backwardLayer: new LSTM(3) })).toThrow(/must have goBackwards true/);
    expect(() => new Bidirectional(new LSTM(3), { backwardLayer: new LSTM(3, { goBackwards: true, returnSequences: true }) })).toThrow(/returnSequences true, but layer .* has false/);

    // Saved and loaded (TF.js folder and .keras), the model predicts the same.
    const input = tn.input({ shape: [4, 5] });
    const outs = mixed.apply(input) as unknown as tn.SymbolicTensor[];
    const model = new tn.Model({ inputs: input, outputs: new tn.layers.Concatenate().apply(outs) as tn.SymbolicTensor });
    const want = Array.from((model.predict(x) as tn.Tensor).data());
    const dir = mkdtempSync(join(tmpdir(), 'tn-bidir-'));
    try {
      for (const path of [join(dir, 'tfjs'), join(dir, 'm.keras')]) {
        await model.save(path);
        const loaded = await tn.models.loadModel(path);
        const layer = loaded.layers.find((l) => l instanceof Bidirectional) as tn.layers.Bidirectional;
        expect(layer.mergeMode).toBeNull();
        expect(layer.backwardLayer.constructor).toBe(GRU);
        expect(Array.from((loaded.predict(x) as tn.Tensor).data())).toEqual(want);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

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

  it('with returnState gives [merged output, ...forward states, ...backward states]; symbolic, saved and loaded', async () => {
    const bi = new Bidirectional(new LSTM(3, { returnState: true, returnSequences: true }));
    const x = randomTensor([2, 4, 2], 230);
    const out = bi.apply(x) as unknown as tn.Tensor[];
    expect(out.map((t) => t.shape)).toEqual([[2, 4, 6], [2, 3], [2, 3], [2, 3], [2, 3]]);
    const f = new LSTM(3, { returnState: true, returnSequences: true });
    const b = new LSTM(3, { returnState: true, returnSequences: true, goBackwards: true });
    f.apply(x);
    b.apply(x);
    const ws = bi.getWeights();
    f.setWeights(ws.slice(0, 3));
    b.setWeights(ws.slice(3));
    const [yf, hf, cf] = f.apply(x) as unknown as tn.Tensor[];
    const [, hb, cb] = b.apply(x) as unknown as tn.Tensor[];
    [hf, cf, hb, cb].forEach((want, i) => expect(Array.from(out[1 + i].data())).toEqual(Array.from(want.data())));
    expect(Array.from(tn.slice(out[0], [0, 0, 0], [2, 4, 3]).data())).toEqual(Array.from(yf.data()));
    const input = tn.input({ shape: [4, 2] });
    const sym = new Bidirectional(new GRU(2, { returnState: true }), { mergeMode: 'sum' }).apply(input) as unknown as tn.SymbolicTensor[];
    expect(sym.map((t) => t.shape)).toEqual([[null, 2], [null, 2], [null, 2]]);
    const model = new tn.Model({ inputs: input, outputs: sym });
    const before = (model.predict(x) as tn.Tensor[]).map((t) => Array.from(t.data()));
    const dir = tmp('tn-bistate-');
    try {
      await model.save(dir);
      const loaded = await tn.models.loadModel(dir);
      expect((loaded.predict(x) as tn.Tensor[]).map((t) => Array.from(t.data()))).toEqual(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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

// ---------------------------------------------------------------------------------------------------------------
// States, dropout inside the recurrence, stateful runs, RNN(cell)

function layerOf(kind: Kind, units: number, extra: Record<string, unknown> = {}): tn.layers.RNNBase {
  if (kind === 'simple') return new SimpleRNN(units, extra);
  if (kind === 'lstm') return new LSTM(units, extra);
  return new GRU(units, { resetAfter: kind === 'gru', ...extra });
}

function cellOf(kind: Kind, units: number): tn.layers.RNNCell {
  if (kind === 'simple') return new SimpleRNNCell(units);
  if (kind === 'lstm') return new LSTMCell(units);
  return new GRUCell(units, { resetAfter: kind === 'gru' });
}

function randomWeights(layer: tn.Layer, features: number, seed: number): tn.Tensor[] {
  layer.apply(tn.zeros([1, 1, features]));
  const ws = layer.getWeights().map((w, i) => randomTensor(w.shape, seed + i, -0.7, 0.7));
  layer.setWeights(ws);
  return ws;
}

const kinds: Kind[] = ['simple', 'lstm', 'gru', 'gru_before'];

function tmp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

describe('returnState and initialState', () => {
  for (const kind of kinds) {
    it(`${kind}: returns [output, ...final states] and starts from given states, as the float64 loop`, () => {
      const units = 3;
      const layer = layerOf(kind, units, { returnSequences: true, returnState: true });
      const ws = randomWeights(layer, 2, 100);
      const x = randomTensor([2, 4, 2], 101);
      const nStates = kind === 'lstm' ? 2 : 1;
      const w = { kernel: ws[0].data(), recurrentKernel: ws[1].data(), bias: ws[2].data() };
      const out = layer.apply(x) as unknown as tn.Tensor[];
      expect(out).toHaveLength(1 + nStates);
      const ref = rnnReference(kind, x.data(), [2, 4, 2], units, w);
      expectNear(out[0].data(), ref.sequence, 1e-4, 1e-5, 'sequence');
      ref.states.forEach((st, i) => expectNear(out[1 + i].data(), st, 1e-4, 1e-5, `state ${i}`));
      expect(layer.computeOutputShape([null, 4, 2])).toEqual([[null, 4, units], ...Array.from({ length: nStates }, () => [null, units])]);
      // From given states.
      const init = Array.from({ length: nStates }, (_, i) => randomTensor([2, units], 110 + i, -1, 1));
      const fromInit = layer.apply(x, { initialState: init }) as unknown as tn.Tensor[];
      const refInit = rnnReference(kind, x.data(), [2, 4, 2], units, w, { initialStates: init.map((t) => t.data()) });
      expectNear(fromInit[0].data(), refInit.sequence, 1e-4, 1e-5, 'sequence from initial states');
      refInit.states.forEach((st, i) => expectNear(fromInit[1 + i].data(), st, 1e-4, 1e-5, `state ${i} from initial states`));
      // Gradients reach the initial states (and the input) as finite differences say.
      const last = layerOf(kind, units, { returnState: true });
      last.apply(tn.zeros([1, 1, 2]));
      last.setWeights(ws);
      gradCheck((xx: tn.Tensor, ...states: tn.Tensor[]) => tn.concat(last.apply(xx, { initialState: states }) as unknown as tn.Tensor[], 1), [randomTensor([2, 4, 2], 120, -1, 1), ...init]);
    });
  }

  it('initialState in a functional model: the states are inputs of the call, saved and loaded', async () => {
    const x = tn.input({ shape: [5, 2] });
    const h0 = tn.input({ shape: [3] });
    const c0 = tn.input({ shape: [3] });
    const encoder = new LSTM(3, { returnState: true, name: 'encoder' });
    const [, h, c] = encoder.apply(x) as unknown as tn.SymbolicTensor[];
    const decoder = new LSTM(3, { returnSequences: true, name: 'decoder' });
    const y = decoder.apply(x, { initialState: [h, c] });
    const seeded = new LSTM(3, { name: 'seeded' }).apply(x, { initialState: [h0, c0] });
    const model = new tn.Model({ inputs: [x, h0, c0], outputs: [y, seeded] });
    const xs = [randomTensor([2, 5, 2], 130), randomTensor([2, 3], 131), randomTensor([2, 3], 132)];
    const [ys, ss] = model.predict(xs) as tn.Tensor[];
    // The same by hand.
    const [, eh, ec] = encoder.apply(xs[0]) as unknown as tn.Tensor[];
    expectNear(ys.data(), decoder.apply(xs[0], { initialState: [eh, ec] }).data(), 1e-6, 1e-7, 'decoder');
    expect(Array.from(ss.data())).not.toEqual(Array.from((new LSTM(3).apply(xs[0])).data()));
    const dir = tmp('tn-state-');
    try {
      await model.save(dir);
      const loaded = await tn.models.loadModel(dir);
      const [ly, ls] = loaded.predict(xs) as tn.Tensor[];
      expect(Array.from(ly.data())).toEqual(Array.from(ys.data()));
      expect(Array.from(ls.data())).toEqual(Array.from(ss.data()));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bad initial states are errors naming the layer and the shapes', () => {
    const lstm = new LSTM(3, { name: 'enc' });
    const x = tn.zeros([2, 4, 2]);
    expect(() => lstm.apply(x, { initialState: [tn.zeros([2, 3])] })).toThrow(/Layer "enc" \(LSTM\) has 2 state\(s\) but received 1 initial state tensor\(s\)/);
    expect(() => lstm.apply(x, { initialState: [tn.zeros([2, 3]), tn.zeros([1, 3])] })).toThrow(/Layer "enc" \(LSTM\): initial state 1 must have shape \[2,3\], received \[1,3\]/);
    expect(() => lstm.apply(tn.input({ shape: [4, 2] }), { initialState: [tn.zeros([2, 3]), tn.zeros([2, 3])] })).toThrow(/must all be symbolic tensors/);
    expect(() => lstm.apply(tn.zeros([2, 4, 5]), { initialState: [tn.zeros([2, 3]), tn.zeros([2, 3])] })).toThrow(/Input 0 of layer "enc" is incompatible with the layer: expected axis 2 of input shape to have value 2/);
    expect(() => new RNN(new GRUCell(2), { name: 'r' }).apply(tn.zeros([2, 3]))).toThrow(/Input 0 of layer "r" is incompatible with the layer: expected ndim=3/);
    const built = new RNN(new GRUCell(2), { name: 'r2' });
    built.apply(tn.zeros([1, 2, 3]));
    expect(() => built.apply(tn.zeros([1, 2, 4]))).toThrow(/Input 0 of layer "r2" is incompatible with the layer: expected axis 2 of input shape to have value 3/);
    expect(() => new RNN(new GRUCell(2), { name: 'r3' }).apply(tn.zeros([1, 0, 3]))).toThrow(/Layer "r3" received a sequence with no timesteps/);
  });
});

describe('call arguments the recurrent layers do not take', () => {
  it("are errors naming the layer, as Keras raises on them (a snake_case initial_state was ignored: the states started at zero)", () => {
    const x = randomTensor([2, 3, 4], 31);
    const states = [tn.ones([2, 5]), tn.ones([2, 5])];
    expect(() => new LSTM({ units: 5, name: 'enc' }).apply(x, { initial_state: states } as never)).toThrow(
      'Layer "enc" (LSTM) call: unrecognized option "initial_state" (did you mean initialState?). It takes: training, mask, initialState',
    );
    expect(() => new GRU({ units: 5, name: 'g' }).apply(x, { constants: [x] } as never)).toThrow('Layer "g" (GRU) call: unrecognized option "constants"');
    expect(() => new Bidirectional(new SimpleRNN({ units: 2 }), { name: 'bi' }).apply(x, { initial_states: [] } as never)).toThrow('Layer "bi" (Bidirectional) call: unrecognized option "initial_states"');
    // initialState itself still sets the states.
    const lstm = new LSTM({ units: 5 });
    const fromOnes = lstm.apply(x, { initialState: states }) as tn.Tensor;
    const fromZeros = lstm.apply(x) as tn.Tensor;
    expect(Array.from(fromOnes.dataSync())).not.toEqual(Array.from(fromZeros.dataSync()));
  });
});

describe('dropout and recurrentDropout', () => {
  it('recurrentDropout drops the same state units at every step of a sequence, a fraction `rate` of them, in training only', () => {
    // h_t = h_{t-1} m + 1 with kernel 0, recurrent kernel I, bias 1, linear: a unit whose mask is 0 stays at 1, one
    // kept at scale s = 1 / (1 - rate) gives 1 + s + s^2 + ... : the outputs show each unit's mask.
    const units = 50;
    const rate = 0.3;
    // The layer, and the same cell in RNN(cell).
    for (const layer of [
      new SimpleRNN(units, { activation: 'linear', recurrentDropout: rate, returnSequences: true }),
      new RNN(new SimpleRNNCell(units, { activation: 'linear', recurrentDropout: rate }), { returnSequences: true }),
    ]) {
      layer.apply(tn.zeros([1, 1, 1]));
      layer.setWeights([tn.zeros([1, units]), tn.eye(units), tn.ones([units])]);
      const batch = 200;
      const time = 4;
      const y = layer.apply(tn.zeros([batch, time, 1]), { training: true }).array() as number[][][];
      const s = 1 / (1 - rate);
      let dropped = 0;
      for (let b = 0; b < batch; b++) {
        for (let j = 0; j < units; j++) {
          const kept = Math.abs(y[b][1][j] - (1 + s)) < 1e-4;
          if (!kept) expect(y[b][1][j]).toBeCloseTo(1, 5);
          dropped += kept ? 0 : 1;
          // The same mask at every step.
          let want = 1;
          for (let t = 1; t < time; t++) {
            want = kept ? want * s + 1 : 1;
            expect(y[b][t][j]).toBeCloseTo(want, 4);
          }
        }
      }
      const frac = dropped / (batch * units);
      // Binomial: standard deviation sqrt(0.3 * 0.7 / 10000) = 0.0046.
      expect(Math.abs(frac - rate)).toBeLessThan(0.02);
      const inference = layer.apply(tn.zeros([2, time, 1])).array() as number[][][];
      expect(inference[1][time - 1][7]).toBeCloseTo(time, 5);
    }
  });

  it('dropout drops the same input features at every step; the trained outputs average the inference ones', () => {
    // One unit summing its input (kernel 1, recurrent 0, linear): each step's output is the sum of its kept inputs.
    const features = 40;
    for (const layer of [
      new SimpleRNN(1, { activation: 'linear', dropout: 0.5, returnSequences: true }),
      new RNN(new SimpleRNNCell(1, { activation: 'linear', dropout: 0.5 }), { returnSequences: true }),
    ]) {
      layer.apply(tn.zeros([1, 1, features]));
      layer.setWeights([tn.ones([features, 1]), tn.zeros([1, 1]), tn.zeros([1])]);
      const y = layer.apply(tn.ones([300, 3, features]), { training: true }).array() as number[][][];
      let total = 0;
      for (const seq of y) {
        expect(seq[1][0]).toBe(seq[0][0]);
        expect(seq[2][0]).toBe(seq[0][0]);
        expect(seq[0][0] % 2).toBe(0);
        total += seq[0][0];
      }
      expect(Math.abs(total / 300 - features)).toBeLessThan(1.5);
      expect((layer.apply(tn.ones([1, 3, features])).array() as number[][][])[0][2][0]).toBe(features);
    }
  });

  it('a layer with recurrent dropout trains (the gradients flow through the dropped state)', async () => {
    const model = new tn.Sequential([new LSTM(4, { inputShape: [5, 2], recurrentDropout: 0.2, dropout: 0.1 }), new Dense(1)]);
    model.compile({ optimizer: new tn.optimizers.Adam({ learningRate: 0.02 }), loss: 'mse' });
    const x = randomTensor([32, 5, 2], 150);
    const y = tn.sum(x, [1, 2]).reshape([32, 1]);
    const h = await model.fit(x, y, { epochs: 30, batchSize: 32, verbose: 0 });
    expect(h.history.loss[29]).toBeLessThan(h.history.loss[0] * 0.5);
  });
});

describe('stateful', () => {
  it('carries the final states into the next batch: two halves give the whole sequence; resetStates starts over', () => {
    for (const kind of kinds) {
      tn.clearSession();
      const whole = layerOf(kind, 3, { returnSequences: true });
      const ws = randomWeights(whole, 2, 160);
      const stateful = layerOf(kind, 3, { returnSequences: true, stateful: true, batchInputShape: [2, 3, 2] });
      stateful.apply(tn.zeros([2, 1, 2]));
      stateful.resetStates();
      stateful.setWeights(ws);
      const x = randomTensor([2, 6, 2], 161);
      const want = whole.apply(x).array() as number[][][];
      const a = stateful.apply(tn.slice(x, [0, 0, 0], [2, 3, 2])).array() as number[][][];
      const b = stateful.apply(tn.slice(x, [0, 3, 0], [2, 3, 2])).array() as number[][][];
      expectNear([...a[0], ...b[0], ...a[1], ...b[1]].flat(), want.flat(2), 1e-5, 1e-6, `${kind} halves`);
      expect(stateful.states![0].shape).toEqual([2, 3]);
      stateful.resetStates();
      expect(Array.from(stateful.states![0].data())).toEqual([0, 0, 0, 0, 0, 0]);
      expectNear((stateful.apply(tn.slice(x, [0, 0, 0], [2, 3, 2])).array() as number[][][]).flat(2), a.flat(2), 1e-6, 1e-7, `${kind} after reset`);
      expect(() => stateful.apply(tn.zeros([3, 3, 2]))).toThrow(/is stateful with a batch size of 2, but received a batch of 3/);
    }
  });

  it('resetStates takes values; a model resets its stateful layers; the config survives save and load', async () => {
    const lstm = new LSTM(2, { stateful: true, batchInputShape: [1, 3, 1], name: 'mem' });
    const model = new tn.Sequential([lstm, new Dense(1)]);
    const x = randomTensor([1, 3, 1], 170);
    const first = (model.predict(x) as tn.Tensor).data();
    const second = (model.predict(x) as tn.Tensor).data();
    expect(Array.from(second)).not.toEqual(Array.from(first));
    model.resetStates();
    expect(Array.from((model.predict(x) as tn.Tensor).data())).toEqual(Array.from(first));
    lstm.resetStates([tn.tensor([[0.5, -0.5]]), tn.tensor([[1, 2]])]);
    expect(Array.from(lstm.states![1].data())).toEqual([1, 2]);
    expect(() => lstm.resetStates([tn.zeros([1, 2])])).toThrow(/Layer "mem" \(LSTM\) has 2 state\(s\), but resetStates received 1/);
    // States of another batch than the declared one are refused there, naming the state that is off, rather than
    // accepted and failing the next predict; the states held are left as they were.
    expect(() => lstm.resetStates([tn.zeros([2, 2]), tn.zeros([2, 2])])).toThrow(
      `Layer "mem" (LSTM): state 0 must have shape [1,2] (the layer's batch size, 1, first), received [2,2]`,
    );
    expect(() => lstm.resetStates([tn.zeros([1, 2]), tn.zeros([2, 2])])).toThrow('state 1 must have shape [1,2]');
    expect(Array.from(lstm.states![1].data())).toEqual([1, 2]);
    expect((model.predict(x) as tn.Tensor).shape).toEqual([1, 1]);
    const free = new LSTM(2, { stateful: true, name: 'free' });
    free.apply(tn.zeros([3, 2, 1]));
    expect(() => free.resetStates([tn.zeros([2, 2]), tn.zeros([3, 2])])).toThrow(
      `Layer "free" (LSTM): state 1 must have shape [2,2] (state 0's batch size, 2, first), received [3,2]`,
    );
    expect(() => new LSTM(2).resetStates()).toThrow(/is not stateful/);
    const dir = tmp('tn-stateful-');
    try {
      model.resetStates();
      await model.save(dir);
      const loaded = await tn.models.loadModel(dir);
      expect((loaded.layers[0] as tn.layers.RNNBase).stateful).toBe(true);
      expect(Array.from((loaded.predict(x) as tn.Tensor).data())).toEqual(Array.from(first));
      expect(Array.from((loaded.predict(x) as tn.Tensor).data())).toEqual(Array.from(second));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('RNN(cell)', () => {
  for (const kind of kinds) {
    it(`RNN(${kind} cell) computes what the layer computes with the same weights, and its gradients are finite differences`, () => {
      const layer = layerOf(kind, 3, { returnSequences: true });
      const ws = randomWeights(layer, 2, 180);
      const rnn = new RNN(cellOf(kind, 3), { returnSequences: true, name: 'generic' });
      rnn.apply(tn.zeros([1, 1, 2]));
      expect(rnn.weights.map((w) => w.name)).toEqual(['generic/kernel', 'generic/recurrent_kernel', 'generic/bias']);
      rnn.setWeights(ws);
      const x = randomTensor([2, 5, 2], 181);
      expectNear(rnn.apply(x).data(), layer.apply(x).data(), 1e-5, 1e-6, kind);
      const mask = tn.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], [2, 5]);
      expectNear(rnn.apply(x, { mask }).data(), layer.apply(x, { mask }).data(), 1e-5, 1e-6, `${kind} masked`);
      gradCheck((xx: tn.Tensor) => rnn.apply(xx), [randomTensor([2, 4, 2], 182, -1, 1)]);
      variableGradCheck(() => rnn.apply(x), rnn.trainableWeights);
    });
  }

  it('a cell called alone takes [input, ...states] and returns [output, ...states]', () => {
    const cell = new LSTMCell(3);
    const [y, h, c] = cell.apply([tn.ones([2, 4]), tn.zeros([2, 3]), tn.zeros([2, 3])]) as unknown as tn.Tensor[];
    expect(y.shape).toEqual([2, 3]);
    expect(Array.from(h.data())).toEqual(Array.from(y.data()));
    expect(c.shape).toEqual([2, 3]);
    expect(cell.stateSize).toEqual([3, 3]);
    expect(new GRUCell(4).stateSize).toBe(4);
    expect(() => cell.apply([tn.ones([2, 4]), tn.zeros([2, 3])])).toThrow(/is called on \[input, \.\.\.states\] with 2 state\(s\), but received 1/);
    expect(() => cell.apply([tn.ones([2, 5]), tn.zeros([2, 3]), tn.zeros([2, 3])])).toThrow(/expects inputs \[batch, 4\], received shape \[2,5\]/);
  });

  it('StackedRNNCells runs its cells in order within each step: the same as stacked layers', () => {
    const l1 = new GRU(4, { returnSequences: true });
    const l2 = new LSTM(3, { returnState: true });
    const w1 = randomWeights(l1, 2, 190);
    l2.apply(tn.zeros([1, 1, 4]));
    const w2 = l2.getWeights().map((w, i) => randomTensor(w.shape, 195 + i, -0.7, 0.7));
    l2.setWeights(w2);
    const rnn = new RNN([new GRUCell(4), new LSTMCell(3)], { returnState: true, name: 'deep' });
    rnn.apply(tn.zeros([1, 1, 2]));
    expect(rnn.cell).toBeInstanceOf(StackedRNNCells);
    expect(rnn.weights.map((w) => w.name)).toEqual(['deep/cell_0/kernel', 'deep/cell_0/recurrent_kernel', 'deep/cell_0/bias', 'deep/cell_1/kernel', 'deep/cell_1/recurrent_kernel', 'deep/cell_1/bias']);
    rnn.setWeights([...w1, ...w2]);
    const x = randomTensor([2, 5, 2], 199);
    const seq1 = l1.apply(x);
    const [want, wh, wc] = l2.apply(seq1) as unknown as tn.Tensor[];
    const [got, gh1, gh2, gc2] = rnn.apply(x) as unknown as tn.Tensor[];
    expectNear(got.data(), want.data(), 1e-5, 1e-6, 'stacked output');
    expectNear(gh1.data(), tn.slice(seq1, [0, 4, 0], [2, 1, 4]).data(), 1e-5, 1e-6, 'first cell state');
    expectNear(gh2.data(), wh.data(), 1e-5, 1e-6, 'second cell h');
    expectNear(gc2.data(), wc.data(), 1e-5, 1e-6, 'second cell c');
    expect(() => new StackedRNNCells([])).toThrow(/StackedRNNCells: received an invalid value for `cells`/);
  });

  it('runs a user cell (an object with stateSize and call), whose weights are the layer\'s, against a direct loop', () => {
    // A minimal RNN: h_t = tanh(x_t W + h_{t-1} U), output 2 h_t.
    const W = tn.variable(randomTensor([2, 3], 200, -0.8, 0.8), true, 'user_w');
    const U = tn.variable(randomTensor([3, 3], 201, -0.8, 0.8), true, 'user_u');
    const cell: tn.layers.UserCell = {
      stateSize: 3,
      call: (x, [h]) => {
        const hNew = tn.tanh(tn.add(tn.matMul(x, W), tn.matMul(h, U)));
        return [tn.mul(hNew, 2), [hNew]];
      },
      trainableWeights: [W, U],
    };
    const rnn = new RNN(cell, { returnSequences: true });
    const x = randomTensor([2, 4, 2], 202);
    const y = rnn.apply(x).array() as number[][][];
    const xv = x.array() as number[][][];
    const wv = W.array() as number[][];
    const uv = U.array() as number[][];
    for (let b = 0; b < 2; b++) {
      let h = [0, 0, 0];
      for (let t = 0; t < 4; t++) {
        h = [0, 1, 2].map((j) => Math.tanh(xv[b][t][0] * wv[0][j] + xv[b][t][1] * wv[1][j] + h.reduce((s, hq, q) => s + hq * uv[q][j], 0)));
        expectNear(y[b][t], h.map((v) => 2 * v), 1e-5, 1e-6, `user cell b${b} t${t}`);
      }
    }
    expect(rnn.trainableWeights).toEqual([W, U]);
    variableGradCheck(() => rnn.apply(x), [W, U]);
    expect(() => rnn.getConfig()).toThrow(/its cell is a plain object, which has no config to save/);
    const bad = new RNN({ stateSize: 3, call: (xx: tn.Tensor) => [xx, []] } as unknown as tn.layers.UserCell);
    expect(() => bad.apply(x)).toThrow(/RNN: the cell must return \[output, newStates\] with 1 state tensor\(s\)/);
    expect(() => new RNN({ units: 3 } as never)).toThrow(/RNN: received an invalid value for `cell`, expected a cell/);
  });

  it('a registered tn.Layer subclass works as a cell: its weights are the RNN\'s, and the model saves and loads', async () => {
    /** h_t = tanh(x_t W + h_{t-1} U) with a user's own weights. */
    class MinimalCell extends tn.Layer {
      static className = 'MinimalCell';
      readonly units: number;
      readonly stateSize: number;
      kernel: tn.Variable | null = null;
      recurrentKernel: tn.Variable | null = null;
      constructor(args: tn.layers.LayerArgs & { units?: number } = {}) {
        super(args);
        this.units = args.units ?? 2;
        this.stateSize = this.units;
      }
      override build(shape: tn.layers.Shape | tn.layers.Shape[]): void {
        const s = shape as tn.layers.Shape;
        this.kernel = this.addWeight('kernel', { shape: [s[s.length - 1] as number, this.units] });
        this.recurrentKernel = this.addWeight('recurrent_kernel', { shape: [this.units, this.units] });
        super.build(shape);
      }
      // Keras's cell protocol: call(input, states) -> [output, newStates].
      call(input: any, states?: any): any {
        const h = tn.tanh(tn.add(tn.matMul(input, this.kernel!), tn.matMul((states as tn.Tensor[])[0], this.recurrentKernel!)));
        return [h, [h]];
      }
      override getConfig() {
        return { ...super.getConfig(), units: this.units };
      }
    }
    tn.serialization.registerClass(MinimalCell);
    const model = new tn.Sequential([new RNN(new MinimalCell({ units: 3 }), { inputShape: [4, 2], name: 'mine' }), new Dense(1)]);
    const rnn = model.layers[0];
    expect(rnn.trainableWeights.map((w) => w.name)).toEqual(['mine/kernel', 'mine/recurrent_kernel']);
    const x = randomTensor([2, 4, 2], 205);
    // The same as a SimpleRNN without bias over the same weights.
    const plain = new SimpleRNN(3, { useBias: false });
    plain.apply(x);
    plain.setWeights(rnn.getWeights());
    expectNear(rnn.apply(x).data(), plain.apply(x).data(), 1e-6, 1e-7, 'user Layer cell');
    const before = (model.predict(x) as tn.Tensor).data();
    const dir = tmp('tn-usercell-');
    try {
      await model.save(dir);
      const loaded = await tn.models.loadModel(dir);
      expect(Array.from((loaded.predict(x) as tn.Tensor).data())).toEqual(Array.from(before));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('RNN(cell) and StackedRNNCells save and load with the same outputs (cells as { className, config })', async () => {
    const input = tn.input({ shape: [4, 2] });
    const a = new RNN(new LSTMCell(3), { returnSequences: true }).apply(input);
    const b = new RNN(new StackedRNNCells([new SimpleRNNCell(3), new GRUCell(2, { resetAfter: false })]), { goBackwards: true }).apply(a);
    const model = new tn.Model({ inputs: input, outputs: b });
    const x = randomTensor([3, 4, 2], 210);
    const before = (model.predict(x) as tn.Tensor).data();
    const cfg = model.layers[2].getConfig() as { cell: { className: string; config: { cells: { className: string }[] } } };
    expect(cfg.cell.className).toBe('StackedRNNCells');
    expect(cfg.cell.config.cells.map((c) => c.className)).toEqual(['SimpleRNNCell', 'GRUCell']);
    const dir = tmp('tn-cell-');
    try {
      await model.save(dir);
      const loaded = await tn.models.loadModel(dir);
      expect(Array.from((loaded.predict(x) as tn.Tensor).data())).toEqual(Array.from(before));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
