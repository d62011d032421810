import { beforeEach, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { gradCheck, randomTensor, variableGradCheck } from '../helpers/gradcheck.js';
import { expectClose, expectSamePredictions, randomizeTfjs, tf, tfjsArtifacts, useCpu } from '../helpers/tfjs.js';
import { rnnReference, type Kind } from '../helpers/rnn-reference.js';
import { modelToOnnx } from '../../lib/io/onnx.js';
import { maskedLogits } from '../../lib/layers/masking.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const { Embedding, Masking, SimpleRNN, LSTM, GRU, Dense, GlobalAveragePooling1D, Bidirectional, Flatten, Conv1D, Concatenate, Add } = tn.layers;

beforeEach(() => {
  tn.clearSession();
  tn.setSeed(5);
});

function layerOf(kind: Kind, units: number, extra: Record<string, unknown> = {}): tn.layers.RNNBase {
  if (kind === 'simple') return new SimpleRNN(units, extra);
  if (kind === 'lstm') return new LSTM(units, extra);
  return new GRU(units, { resetAfter: kind === 'gru', ...extra });
}

/** Builds the layer for `features` inputs and gives it random weights (larger than the initializers', to exercise the gates). */
function randomWeights(layer: tn.layers.RNNBase, features: number, seed: number): tn.Tensor[] {
  layer.apply(tn.zeros([1, 1, features]));
  const ws = layer.getWeights().map((w, i) => randomTensor(w.shape, seed + i, -0.7, 0.7));
  layer.setWeights(ws);
  return ws;
}

/** [batch, time] 0/1 values: sample b keeps `lengths[b]` steps, at the start (right padding) or the end (left padding). */
function lengthsMask(lengths: number[], time: number, left = false): Float32Array {
  const m = new Float32Array(lengths.length * time);
  lengths.forEach((n, b) => {
    for (let t = 0; t < time; t++) m[b * time + t] = (left ? t >= time - n : t < n) ? 1 : 0;
  });
  return m;
}

const kinds: Kind[] = ['simple', 'lstm', 'gru', 'gru_before'];

describe('Embedding({ maskZero }) and Masking make masks', () => {
  it('Embedding marks id 0 as padding; the mask rides on the output tensor and is [batch, time]', () => {
    const emb = new Embedding(10, 3, { maskZero: true });
    const y = emb.apply(tn.tensor([[1, 2, 0, 0], [4, 0, 0, 0]], [2, 4], 'int32'));
    expect(y.kerasMask!.shape).toEqual([2, 4]);
    expect(Array.from(y.kerasMask!.data())).toEqual([1, 1, 0, 0, 1, 0, 0, 0]);
    expect(new Embedding(10, 3).apply(tn.tensor([[0, 1]], [1, 2], 'int32')).kerasMask).toBeNull();
    expect(emb.getConfig().maskZero).toBe(true);
    expect(() => new Embedding(10, 3, { maskZero: 'yes' as unknown as boolean })).toThrow(/Embedding: received an invalid value for `maskZero`/);
  });

  it('Masking zeroes the steps whose every feature equals maskValue and masks them; its gradient passes the kept steps', () => {
    const x = tn.tensor([[[1, 2], [-1, -1], [0, -1]], [[-1, -1], [3, 4], [-1, -1]]], [2, 3, 2]);
    const m = new Masking({ maskValue: -1 });
    const y = m.apply(x);
    expect(Array.from(y.kerasMask!.data())).toEqual([1, 0, 1, 0, 1, 0]);
    expect(Array.from(y.data(), (v) => v + 0)).toEqual([1, 2, 0, 0, 0, -1, 0, 0, 3, 4, 0, 0]);
    gradCheck((xx: tn.Tensor) => m.apply(xx), [randomTensor([2, 3, 2], 3)]);
    expect(() => new Masking({ maskValue: 'a' as unknown as number })).toThrow(/Masking: received an invalid value for `maskValue`/);
    expect(() => m.apply(tn.zeros([3]))).toThrow(/Input 0 of layer "masking" is incompatible with the layer: expected min_ndim=2/);
  });

  it('a layer that does not support masking refuses a masked input, naming itself', () => {
    const y = new Embedding(10, 3, { maskZero: true }).apply(tn.tensor([[1, 0]], [1, 2], 'int32'));
    expect(() => new Flatten({ name: 'flat' }).apply(y)).toThrow(/Layer "flat" \(Flatten\) does not support masking, but it received a mask/);
    expect(() => new Conv1D({ filters: 2, kernelSize: 1, name: 'conv' }).apply(y)).toThrow(/Layer "conv" \(Conv1D\) does not support masking/);
    // Layers that work step by step pass it on.
    const d = new Dense(4).apply(y);
    expect(Array.from(d.kerasMask!.data())).toEqual([1, 0]);
    const n = new tn.layers.LayerNormalization().apply(new tn.layers.Dropout(0.5).apply(new tn.layers.Activation('relu').apply(d)));
    expect(Array.from(n.kerasMask!.data())).toEqual([1, 0]);
  });

  it('a mask passed in the call arguments reaches any layer\'s call (a layer may take one explicitly)', () => {
    class KeepMasked extends tn.Layer {
      call(inputs: tn.Tensor | tn.Tensor[], args: tn.layers.CallArgs): tn.Tensor {
        const x = inputs as tn.Tensor;
        return args.mask ? tn.mul(x, tn.reshape(args.mask as tn.Tensor, [...x.shape.slice(0, 2), 1])) : x;
      }
    }
    const y = new KeepMasked().apply(tn.ones([1, 3, 2]), { mask: tn.tensor([[1, 0, 1]], [1, 3]) });
    expect(Array.from(y.data())).toEqual([1, 1, 0, 0, 1, 1]);
    // Its output carries no mask: the layer does not say how to pass one on.
    expect(y.kerasMask).toBeNull();
  });

  it('a mask of the wrong shape is an error naming the layer and both shapes', () => {
    const rnn = new SimpleRNN(2, { name: 'rnn' });
    expect(() => rnn.apply(tn.zeros([2, 3, 1]), { mask: tn.ones([2, 4]) })).toThrow(/Layer "rnn" \(SimpleRNN\) received a mask of shape \[2,4\] for an input of shape \[2,3,1\]; expected a mask of shape \[2,3\]/);
  });
});

describe('recurrent layers skip masked steps', () => {
  for (const kind of kinds) {
    it(`${kind}: a zero-padded batch with its mask gives each sample's unpadded result, and matches the float64 loop`, () => {
      const [time, features, units] = [5, 3, 4];
      // Masks whose kept steps form one block per sample (right or left padding) run on the native loops (LSTM, GRU);
      // others (holes) step with composed ops. A sample with no kept step gives zeros.
      const holes = new Float32Array([1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
      for (const maskV of [lengthsMask([5, 3, 1, 0], time), lengthsMask([5, 3, 1, 0], time, true), lengthsMask([2, 4, 5, 1], time, true), holes]) {
        const batch = maskV.length / time;
        for (const goBackwards of [false, true]) {
          tn.clearSession();
          const layer = layerOf(kind, units, { goBackwards, returnSequences: true });
          const ws = randomWeights(layer, features, 11);
          const x = randomTensor([batch, time, features], 21);
          const xv = x.data() as Float32Array;
          for (let i = 0; i < maskV.length; i++) if (!maskV[i]) xv.fill(0, i * features, (i + 1) * features);
          const padded = tn.tensor(xv, [batch, time, features]);
          const y = layer.apply(padded, { mask: tn.tensor(maskV, [batch, time]) });
          const ref = rnnReference(kind, xv, [batch, time, features], units, { kernel: ws[0].data(), recurrentKernel: ws[1].data(), bias: ws[2].data() }, { mask: maskV, goBackwards });
          expectClose(y.data(), ref.sequence, 1e-4, 1e-5, `${kind} masked sequence`);
          // The last output of sample b is what its kept steps alone give.
          for (let b = 0; b < batch; b++) {
            const kept: number[] = [];
            for (let t = 0; t < time; t++) if (maskV[b * time + t]) kept.push(...xv.slice((b * time + t) * features, (b * time + t + 1) * features));
            const n = kept.length / features;
            if (n === 0) {
              expect((y.array() as number[][][])[b].flat().every((v) => v === 0)).toBe(true);
              continue;
            }
            const seq = layer.apply(tn.tensor(kept, [1, n, features]), {}) as tn.Tensor;
            // Outputs are in processing order (reversed with goBackwards), so the last one is the final state.
            expectClose((y.array() as number[][][])[b][time - 1], (seq.array() as number[][][])[0][n - 1], 1e-5, 1e-6, `${kind} sample ${b} alone`);
          }
        }
      }
    });
  }

  it('with returnSequences a masked step repeats the previous output; the output carries the mask, the last state does not', () => {
    const layer = new GRU(2, { returnSequences: true });
    randomWeights(layer, 2, 3);
    const x = randomTensor([1, 4, 2], 8);
    const y = layer.apply(x, { mask: tn.tensor([[1, 0, 1, 0]], [1, 4]) });
    const v = y.array() as number[][][];
    expect(v[0][1]).toEqual(v[0][0]);
    expect(v[0][3]).toEqual(v[0][2]);
    expect(Array.from(y.kerasMask!.data())).toEqual([1, 0, 1, 0]);
    const last = new GRU(2).apply(x, { mask: tn.tensor([[1, 0, 1, 0]], [1, 4]) });
    expect(last.kerasMask).toBeNull();
  });

  it('the masked loop has the gradients of finite differences, for the input and the weights', () => {
    // Right and left padding (the native loops for LSTM and GRU) and holes (composed ops), forwards and backwards.
    for (const [mask, extra] of [
      [tn.tensor(lengthsMask([4, 2, 0], 4), [3, 4]), {}], [tn.tensor(lengthsMask([4, 2, 1], 4, true), [3, 4]), {}],
      [tn.tensor(lengthsMask([3, 1, 4], 4), [3, 4]), { goBackwards: true, zeroOutputForMask: true }],
      [tn.tensor([[1, 0, 1, 1], [0, 1, 0, 1], [1, 1, 1, 1]], [3, 4]), { goBackwards: true }],
    ] as const) {
      for (const kind of kinds) {
        tn.clearSession();
        const layer = layerOf(kind, 3, { returnSequences: kind !== 'lstm', ...extra });
        randomWeights(layer, 2, 40);
        const x = randomTensor([3, 4, 2], 41, -1, 1);
        gradCheck((xx: tn.Tensor) => layer.apply(xx, { mask }), [x]);
        variableGradCheck(() => layer.apply(x, { mask }), layer.trainableWeights);
      }
    }
  });

  it('zeroOutputForMask and goBackwards on the native path give the float64 loop\'s values, for right and left padding', () => {
    for (const kind of ['lstm', 'gru'] as Kind[]) {
      for (const extra of [{ zeroOutputForMask: true }, { goBackwards: true }, { goBackwards: true, zeroOutputForMask: true }, { returnSequences: false }]) {
        tn.clearSession();
        const native = layerOf(kind, 3, { returnSequences: true, ...extra });
        const ws = randomWeights(native, 2, 50);
        const x = randomTensor([3, 5, 2], 51);
        // Right padding, left padding, and a block in the middle of each sample.
        for (const maskV of [lengthsMask([5, 2, 0], 5), lengthsMask([5, 2, 0], 5, true), new Float32Array([0, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0])]) {
          const y = native.apply(x, { mask: tn.tensor(maskV, [3, 5]) });
          const ref = rnnReference(kind, x.data(), [3, 5, 2], 3, { kernel: ws[0].data(), recurrentKernel: ws[1].data(), bias: ws[2].data() }, { mask: maskV, ...extra });
          expectClose(y.data(), extra.returnSequences === false ? ref.last : ref.sequence, 1e-4, 1e-5, `${kind} ${JSON.stringify(extra)}`);
        }
      }
    }
  });

  it('in inference (no gradient recorded) the fused loops give the float64 loop\'s values, masked or not', () => {
    for (const kind of ['lstm', 'gru'] as Kind[]) {
      for (const extra of [{}, { zeroOutputForMask: true }, { goBackwards: true }, { goBackwards: true, zeroOutputForMask: true }, { returnSequences: false }, { returnSequences: false, goBackwards: true }]) {
        tn.clearSession();
        const layer = layerOf(kind, 19, { returnSequences: true, ...extra });
        const ws = randomWeights(layer, 3, 52);
        const x = randomTensor([7, 5, 3], 53);
        const w = { kernel: ws[0].data(), recurrentKernel: ws[1].data(), bias: ws[2].data() };
        for (const maskV of [null, lengthsMask([5, 2, 0, 1, 4, 3, 5], 5), lengthsMask([5, 2, 0, 1, 4, 3, 5], 5, true)]) {
          const y = tn.noGrad(() => layer.apply(x, maskV ? { mask: tn.tensor(maskV, [7, 5]) } : {}) as tn.Tensor);
          const ref = rnnReference(kind, x.data(), [7, 5, 3], 19, w, { mask: maskV, ...extra });
          expectClose(y.data(), extra.returnSequences === false ? ref.last : ref.sequence, 1e-4, 1e-5, `${kind} ${JSON.stringify(extra)} mask ${maskV !== null}`);
        }
      }
    }
  });

  it('Bidirectional passes the mask to both directions: a padded batch gives each sample\'s unpadded result', () => {
    const time = 5;
    for (const returnSequences of [false, true]) {
      tn.clearSession();
      const bi = new Bidirectional(new LSTM(3, { returnSequences }));
      bi.apply(tn.zeros([1, 1, 2]));
      bi.setWeights(bi.getWeights().map((w, i) => randomTensor(w.shape, 60 + i, -0.7, 0.7)));
      const x = randomTensor([2, time, 2], 61);
      const xv = x.data() as Float32Array;
      const maskV = lengthsMask([5, 2], time);
      for (let i = 0; i < maskV.length; i++) if (!maskV[i]) xv.fill(0, i * 2, (i + 1) * 2);
      const y = bi.apply(tn.tensor(xv, [2, time, 2]), { mask: tn.tensor(maskV, [2, time]) });
      const alone = bi.apply(tn.tensor(xv.slice(time * 2, time * 2 + 4), [1, 2, 2]));
      if (!returnSequences) {
        expectClose((y.array() as number[][])[1], (alone.array() as number[][])[0], 1e-5, 1e-6, 'bidirectional last');
      } else {
        // The kept steps match; the masked steps are zeros in both directions (Keras's zero_output_for_mask).
        const got = (y.array() as number[][][])[1];
        const want = (alone.array() as number[][][])[0];
        expectClose(got.slice(0, 2).flat(), want.flat(), 1e-5, 1e-6, 'bidirectional sequence');
        expect(got.slice(2).flat().every((v) => v === 0)).toBe(true);
        expect(Array.from(y.kerasMask!.data())).toEqual(Array.from(maskV));
      }
    }
  });
});

describe('layers that read a mask', () => {
  it('GlobalAveragePooling1D averages the kept steps only, with the gradients of finite differences, and drops the mask', () => {
    const x = randomTensor([2, 4, 3], 70);
    const maskV = new Float32Array([1, 0, 1, 1, 0, 1, 0, 0]);
    const mask = tn.tensor(maskV, [2, 4]);
    const pool = new GlobalAveragePooling1D();
    const y = pool.apply(x, { mask });
    const xv = x.array() as number[][][];
    const want: number[] = [];
    for (let b = 0; b < 2; b++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        let n = 0;
        for (let t = 0; t < 4; t++) if (maskV[b * 4 + t]) (s += xv[b][t][c]), n++;
        want.push(s / n);
      }
    }
    expectClose(y.data(), want, 1e-6, 1e-6, 'masked mean');
    expect(y.kerasMask).toBeNull();
    gradCheck((xx: tn.Tensor) => pool.apply(xx, { mask }), [x]);
    const first = new GlobalAveragePooling1D({ dataFormat: 'channels_first' }).apply(tn.transpose(x, [0, 2, 1]), { mask });
    expectClose(first.data(), want, 1e-6, 1e-6, 'channels first');
  });

  it('maskedLogits (Keras\'s masked softmax): masked positions get zero weight, the others share it; gradients as finite differences', () => {
    const layer = new Dense(1, { name: 'scores' });
    const x = randomTensor([2, 4], 80);
    const mask = tn.tensor([[1, 0, 1, 1], [0, 0, 1, 0]], [2, 4]);
    const p = tn.softmax(maskedLogits(x, mask, layer)).array() as number[][];
    const xv = x.array() as number[][];
    const mv = mask.array() as number[][];
    for (let b = 0; b < 2; b++) {
      const z = xv[b].reduce((s, v, i) => s + (mv[b][i] ? Math.exp(v) : 0), 0);
      xv[b].forEach((v, i) => expect(p[b][i]).toBeCloseTo(mv[b][i] ? Math.exp(v) / z : 0, 6));
    }
    gradCheck((xx: tn.Tensor) => tn.softmax(maskedLogits(xx, mask, layer)), [x]);
    // Attention scores [batch, query, key] with a [batch, query, key] mask, or a [batch, time] mask over [batch, time, classes].
    expect(maskedLogits(tn.zeros([2, 4, 3]), mask, layer).shape).toEqual([2, 4, 3]);
    expect(() => maskedLogits(tn.zeros([2, 5]), mask, layer)).toThrow(/Layer "scores" \(Dense\) received a mask of shape \[2,4\] for an input of shape \[2,5\]/);
  });

  it('a Sequential does not fuse Conv2D → ReLU → pooling over a masked input: the convolution refuses the mask', () => {
    const model = new tn.Sequential([new Masking({ inputShape: [4, 4, 1] }), new tn.layers.Conv2D({ filters: 1, kernelSize: 1, activation: 'relu', name: 'conv' }), new tn.layers.MaxPooling2D(2)]);
    expect(() => model.predict(tn.ones([1, 4, 4, 1]))).toThrow(/Layer "conv" \(Conv2D\) does not support masking/);
  });

  it('merge layers keep a step only where every masked input keeps it; Concatenate along time refuses masks', () => {
    const a = tn.zeros([1, 3, 2]);
    a.kerasMask = tn.tensor([[1, 1, 0]], [1, 3]);
    const b = tn.zeros([1, 3, 2]);
    b.kerasMask = tn.tensor([[1, 0, 1]], [1, 3]);
    const c = tn.zeros([1, 3, 2]);
    expect(Array.from(new Add().apply([a, b]).kerasMask!.data())).toEqual([1, 0, 0]);
    expect(Array.from(new Concatenate().apply([a, c]).kerasMask!.data())).toEqual([1, 1, 0]);
    expect(new Add().apply([c, tn.zeros([1, 3, 2])]).kerasMask).toBeNull();
    expect(() => new Concatenate({ axis: 1, name: 'cat' }).apply([a, b])).toThrow(/Layer "cat" \(Concatenate\) received masked inputs and joins them along axis 1/);
  });
});

describe('masks through models, losses and metrics', () => {
  function paddedData() {
    // Two sequences of ids with zero padding; per-step labels.
    const ids = tn.tensor([[3, 1, 4, 0, 0], [2, 0, 0, 0, 0], [5, 6, 7, 8, 9]], [3, 5], 'int32');
    const labels = tn.tensor([[1, 0, 1, 0, 1], [0, 1, 1, 1, 1], [1, 1, 0, 0, 1]], [3, 5, 1]);
    return { ids, labels, mask: [1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1] };
  }

  it('a Sequential and a functional model propagate the mask, and the loss and metrics average the kept steps only', async () => {
    const { ids, labels, mask } = paddedData();
    const seq = new tn.Sequential([new Embedding(10, 4, { maskZero: true, inputShape: [5] }), new LSTM(3, { returnSequences: true }), new Dense(2, { activation: 'softmax' })]);
    const input = tn.input({ shape: [5] });
    const layers = seq.layers;
    let h: tn.SymbolicTensor = layers[0].apply(input);
    h = layers[1].apply(h);
    const fn = new tn.Model({ inputs: input, outputs: layers[2].apply(h) });
    for (const model of [seq, fn] as tn.Model[]) {
      model.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
      const probs = model.predict(ids) as tn.Tensor;
      const p = probs.array() as number[][][];
      const lab = labels.data();
      let loss = 0;
      let hits = 0;
      let kept = 0;
      for (let b = 0; b < 3; b++) {
        for (let t = 0; t < 5; t++) {
          if (!mask[b * 5 + t]) continue;
          const k = lab[b * 5 + t];
          loss += -Math.log(p[b][t][k]);
          hits += (p[b][t][1] > p[b][t][0] ? 1 : 0) === k ? 1 : 0;
          kept++;
        }
      }
      const [l, acc] = await model.evaluate(ids, labels, { verbose: 0 });
      expect(l).toBeCloseTo(loss / kept, 5);
      expect(acc).toBeCloseTo(hits / kept, 6);
      // The masked output tensor of a direct call carries its mask.
      expect(Array.from((model.apply(ids) as tn.Tensor).kerasMask!.data())).toEqual(mask);
    }
  });

  it('TimeDistributed passes the mask on (a tagger: Embedding, LSTM, TimeDistributed(Dense)), so the loss counts the kept steps only', async () => {
    const { ids, labels, mask } = paddedData();
    const plain = new tn.Sequential([new Embedding(10, 4, { maskZero: true, inputShape: [5] }), new LSTM(3, { returnSequences: true }), new Dense(2, { activation: 'softmax' })]);
    const wrapped = new tn.Sequential([new Embedding(10, 4, { maskZero: true, inputShape: [5] }), new LSTM(3, { returnSequences: true }), new tn.layers.TimeDistributed(new Dense(2, { activation: 'softmax' }))]);
    wrapped.setWeights(plain.getWeights());
    for (const m of [plain, wrapped]) m.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    expect(Array.from((wrapped.apply(ids) as tn.Tensor).kerasMask!.data())).toEqual(mask);
    const [l1, a1] = await plain.evaluate(ids, labels, { verbose: 0 });
    const [l2, a2] = await wrapped.evaluate(ids, labels, { verbose: 0 });
    expect(l2).toBeCloseTo(l1, 6);
    expect(a2).toBe(a1);
    const h = await wrapped.fit(ids, labels, { epochs: 1, batchSize: 3, verbose: 0 });
    expect(h.history.loss[0]).toBeCloseTo(l1, 5);
  });

  it('padding changes nothing: a model trained on masked padded data ignores what sits in the padding', async () => {
    const { ids, labels } = paddedData();
    const model = new tn.Sequential([new Embedding(10, 4, { maskZero: true, inputShape: [5] }), new GRU(3, { returnSequences: true }), new Dense(2, { activation: 'softmax' })]);
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
    const before = model.predict(ids) as tn.Tensor;
    // Other labels at the masked steps give the same loss.
    const other = labels.data() as Float32Array;
    other[3] = 1 - other[3];
    other[6] = 1 - other[6];
    const [l1] = await model.evaluate(ids, labels, { verbose: 0 });
    const [l2] = await model.evaluate(ids, tn.tensor(other, [3, 5, 1]), { verbose: 0 });
    expect(l2).toBe(l1);
    const h = await model.fit(ids, labels, { epochs: 30, batchSize: 3, verbose: 0 });
    expect(h.history.loss[29]).toBeLessThan(h.history.loss[0]);
    expect((model.predict(ids) as tn.Tensor).shape).toEqual(before.shape);
  });

  it('ONNX export refuses what it cannot carry (a mask, stateful and returned or given states) instead of computing otherwise', () => {
    const masked = new tn.Sequential([new Embedding(6, 2, { maskZero: true, inputShape: [3], name: 'emb' }), new LSTM(2)]);
    expect(() => modelToOnnx(masked)).toThrow(/ONNX export: layer "emb" \(Embedding\) has maskZero/);
    const stateful = new tn.Sequential([new GRU(2, { stateful: true, batchInputShape: [1, 3, 2], name: 'mem' })]);
    expect(() => modelToOnnx(stateful)).toThrow(/ONNX export: layer "mem" \(GRU\) is stateful, returns its states or takes initial states/);
  });

  it('saves and loads a masked model (Embedding maskZero, Masking) with the same outputs', async () => {
    const input = tn.input({ shape: [4, 2] });
    const masked = new Masking({ maskValue: 0 }).apply(input);
    const out = new Dense(1).apply(new SimpleRNN(3).apply(masked));
    const model = new tn.Model({ inputs: input, outputs: out });
    const x = tn.tensor([[[1, 2], [0, 0], [3, 1], [0, 0]], [[0, 0], [0, 0], [2, 2], [1, 1]]], [2, 4, 2]);
    const dir = mkdtempSync(join(tmpdir(), 'tn-mask-'));
    try {
      const seq = new tn.Sequential([new Embedding(6, 2, { maskZero: true, inputShape: [3] }), new LSTM(2)]);
      for (const [m, data] of [[model, x], [seq, tn.tensor([[1, 0, 0], [2, 3, 0]], [2, 3])]] as const) {
        const before = m.predict(data) as tn.Tensor;
        await m.save(`file://${dir}/${m.name}`);
        const loaded = await tn.loadLayersModel(`file://${dir}/${m.name}/model.json`);
        expectClose((loaded.predict(data) as tn.Tensor).data(), before.data(), 1e-6, 1e-7, `${m.name} reloaded`);
        // And in Keras 3's .keras format.
        await m.save(`${dir}/${m.name}.keras`);
        const fromKeras = await tn.models.loadModel(`${dir}/${m.name}.keras`);
        expectClose((fromKeras.predict(data) as tn.Tensor).data(), before.data(), 1e-6, 1e-7, `${m.name} reloaded from .keras`);
      }
      // The mask matters: the same layers on the unmasked input compute other numbers.
      const [, , rnn, dense] = model.layers;
      const noMask = dense.apply(rnn.apply(x));
      expect(Array.from(noMask.data())).not.toEqual(Array.from((model.predict(x) as tn.Tensor).data()));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('against TF.js (an independent implementation of Keras masking)', () => {
  it('Embedding(maskZero) → LSTM → GRU, and Masking → SimpleRNN(goBackwards): the same predictions on padded data', async () => {
    await useCpu();
    const a = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: 10, outputDim: 4, maskZero: true, inputLength: 6 }),
        tf.layers.lstm({ units: 3, returnSequences: true }),
        tf.layers.gru({ units: 2, returnSequences: true }),
        tf.layers.dense({ units: 2 }),
      ],
    });
    const b = tf.sequential({
      layers: [
        tf.layers.masking({ maskValue: 0, inputShape: [5, 3] }),
        tf.layers.simpleRNN({ units: 4, goBackwards: true }),
        tf.layers.dense({ units: 1 }),
      ],
    });
    randomizeTfjs(a, 300);
    randomizeTfjs(b, 310);
    const ids = new Float32Array([3, 1, 4, 0, 0, 0, 0, 0, 2, 7, 9, 0, 5, 6, 7, 8, 9, 1, 2, 0, 3, 0, 4, 0]);
    const ours = await tn.loadLayersModel(tn.io.fromMemory(await tfjsArtifacts(a)));
    expectSamePredictions(ours, a, [{ values: ids, shape: [4, 6] }]);
    const x = new Float32Array(2 * 5 * 3).map((_, i) => (Math.floor(i / 3) % 5 === 1 || i >= 27 ? 0 : Math.sin(i)));
    const oursB = await tn.loadLayersModel(tn.io.fromMemory(await tfjsArtifacts(b)));
    expectSamePredictions(oursB, b, [{ values: x, shape: [2, 5, 3] }]);
  });

  it('RNN(cell) with a TF.js cell and a GRU returning its state, read from TF.js, compute as TF.js does', async () => {
    await useCpu();
    const input = tf.input({ shape: [4, 3] });
    const rnn = tf.layers.rnn({ cell: tf.layers.lstmCell({ units: 3 }), returnSequences: true }).apply(input) as tf.SymbolicTensor;
    const [out, h] = tf.layers.gru({ units: 2, returnState: true, returnSequences: true }).apply(rnn) as tf.SymbolicTensor[];
    const model = tf.model({ inputs: input, outputs: [out, h] });
    randomizeTfjs(model, 320);
    const ours = await tn.loadLayersModel(tn.io.fromMemory(await tfjsArtifacts(model)));
    const x = new Float32Array(24).map((_, i) => Math.cos(i * 0.7));
    expectSamePredictions(ours, model, [{ values: x, shape: [2, 4, 3] }]);
  });
});

describe('masks into Softmax and the attention layers', () => {
  it('Softmax gives masked positions zero weight; Attention and MultiHeadAttention take the propagated masks as [queryMask, valueMask]', () => {
    const x = randomTensor([2, 4], 90);
    x.kerasMask = tn.tensor([[1, 0, 1, 1], [1, 1, 0, 0]], [2, 4]);
    const p = new tn.layers.Softmax().apply(x);
    const want = tn.softmax(maskedLogits(x, x.kerasMask, new Dense(1)));
    expect(Array.from(p.data())).toEqual(Array.from(want.data()));
    expect(p.kerasMask).toBe(x.kerasMask);
    const ids = tn.tensor([[1, 2, 3, 0], [4, 5, 0, 0]], [2, 4], 'int32');
    const e = new Embedding(8, 4, { maskZero: true }).apply(ids);
    const m = e.kerasMask!;
    for (const layer of [new tn.layers.Attention(), new tn.layers.MultiHeadAttention({ numHeads: 2, keyDim: 2 })]) {
      const propagated = layer.apply([e, e]);
      const plain = tn.tensor(e.data(), e.shape);
      const explicit = layer.apply([plain, plain], { mask: [m, m] });
      expect(Array.from(propagated.data())).toEqual(Array.from(explicit.data()));
      expect(propagated.kerasMask).toBe(m);
    }
  });
});
