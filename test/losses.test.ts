import { describe, expect, it } from 'vitest';
import * as tn from '../lib/index.js';
import { expectClose, fixture, toTensor, type GoldenTensor as Spec } from './helpers/golden.js';
import { gradCheck, randomTensor } from './helpers/gradcheck.js';

interface Case {
  name: string;
  op: string;
  attrs: { fromLogits?: boolean; reduction?: string; delta?: number };
  inputs: { yTrue: Spec; yPred: Spec };
  outputs: { loss: Spec };
  grads: { yPred: Spec };
}

const cases = fixture<{ cases: Case[] }>('losses.json').cases;

function lossFor(c: Case): tn.losses.Loss {
  const L = tn.losses;
  switch (c.op) {
    case 'sparseCategoricalCrossentropy': return new L.SparseCategoricalCrossentropy({ fromLogits: c.attrs.fromLogits });
    case 'categoricalCrossentropy': return new L.CategoricalCrossentropy({ fromLogits: c.attrs.fromLogits });
    case 'binaryCrossentropy': return new L.BinaryCrossentropy({ fromLogits: c.attrs.fromLogits });
    case 'meanSquaredError': return new L.MeanSquaredError();
    case 'sumSquaredError': return new L.SumSquaredError();
    case 'meanAbsoluteError': return new L.MeanAbsoluteError();
    case 'huber': return new L.Huber({ delta: c.attrs.delta });
    default: throw new Error(`no loss for ${c.op}`);
  }
}

describe('losses match the reference values', () => {
  for (const c of cases) {
    it(c.name, () => {
      const loss = lossFor(c);
      const yTrue = toTensor(c.inputs.yTrue, c.op.startsWith('sparse') ? 'int32' : 'float32');
      const yPred = toTensor(c.inputs.yPred);
      const { value, grad } = tn.valueAndGrad((p: tn.Tensor) => loss.compute(yTrue, p))(yPred);
      expectClose(value, c.outputs.loss, 1e-4, 1e-5, `${c.name} loss`);
      expectClose(grad, c.grads.yPred, 1e-4, 1e-5, `${c.name} d loss / d yPred`);
    });
  }

  it('resolves losses by Keras and TF.js names, and lists the known ones otherwise', () => {
    expect(tn.losses.getLoss('sparse_categorical_crossentropy')).toBeInstanceOf(tn.losses.SparseCategoricalCrossentropy);
    expect(tn.losses.getLoss('sparseCategoricalCrossentropy')).toBeInstanceOf(tn.losses.SparseCategoricalCrossentropy);
    expect(tn.losses.getLoss('mse')).toBeInstanceOf(tn.losses.MeanSquaredError);
    expect(() => tn.losses.getLoss('sparse_categorical_crossentropyy')).toThrow(/Unknown loss "sparse_categorical_crossentropyy"\. Known losses: .*sparse_categorical_crossentropy/);
  });

  it('uses the logits of a softmax output, so confident mistakes stay finite and exact', () => {
    // probabilities that underflow to exactly 0 in float32 would give -log(1e-7) = 16.1 after clipping;
    // through the kept logits the loss is the true 200.
    const dense = new tn.layers.Dense(2, { activation: 'softmax', kernelInitializer: 'zeros' });
    const x = tn.tensor([[1]]);
    dense.apply(x);
    dense.setWeights([tn.tensor([[200, 0]]), tn.tensor([0, 0])]);
    const p = dense.apply(x);
    expect(p.data()[1]).toBe(0);
    const l = new tn.losses.SparseCategoricalCrossentropy().compute(tn.tensor([1], [1], 'int32'), p).item();
    expect(l).toBeCloseTo(200, 3);
  });

  it('reports out-of-range labels with the loss name', () => {
    const l = new tn.losses.SparseCategoricalCrossentropy();
    expect(() => l.compute(tn.tensor([3], [1], 'int32'), tn.tensor([[0.5, 0.5]]))).toThrow(/sparse_categorical_crossentropy: label 3 at position 0 is out of range for 2 classes/);
  });

  it('reduces with sum, none and sample weights as Keras does', () => {
    const yT = tn.tensor([[1, 2], [3, 4]]);
    const yP = tn.tensor([[1, 0], [0, 4]]);
    expect(new tn.losses.MeanSquaredError({ reduction: 'none' }).compute(yT, yP).data()).toEqual(Float32Array.from([2, 4.5]));
    expect(new tn.losses.MeanSquaredError({ reduction: 'sum' }).compute(yT, yP).item()).toBeCloseTo(6.5);
    // weighted: (2*1 + 4.5*3) / 2 samples
    expect(new tn.losses.MeanSquaredError().compute(yT, yP, tn.tensor([1, 3])).item()).toBeCloseTo(7.75);
    expect(() => new tn.losses.MeanSquaredError().compute(tn.tensor([[1, 2, 3]]), yP)).toThrow(/yTrue has shape \[1,3\] but yPred has shape \[2,2\]/);
  });
});

describe('losses: gradients by finite differences', () => {
  const L = tn.losses;
  const [n, c] = [4, 5];
  const onehot = tn.oneHot([1, 0, 4, 2], c);
  const softLabels = tn.div(randomTensor([n, c], 1, 0.1, 1), tn.sum(randomTensor([n, c], 1, 0.1, 1), -1, true));
  const probabilities = randomTensor([n, c], 2, 0.05, 1);
  const logits = randomTensor([n, c], 3, -3, 3);
  const yTrue = randomTensor([n, c], 4);
  // yPred = yTrue + d with |d| kept 0.1 away from 0 (MAE's kink) and from 1 (Huber's, delta 1).
  const nearTrue = tn.add(yTrue, randomTensor([n, c], 5, -2, 2, [0, -1, 1], 0.1));
  const binaryTrue = tn.tensor([[1, 0, 1, 1, 0], [0, 0, 1, 0, 1], [1, 1, 0, 0, 0], [0, 1, 1, 0, 1]]);
  const binaryProbabilities = randomTensor([n, c], 6, 0.05, 0.95);
  const labels = tn.tensor([1, 0, 4, 2], [n], 'int32');
  const cases: [string, tn.losses.Loss, tn.Tensor, tn.Tensor][] = [
    ['MeanSquaredError', new L.MeanSquaredError(), yTrue, nearTrue],
    ['SumSquaredError', new L.SumSquaredError(), yTrue, nearTrue],
    ['MeanAbsoluteError', new L.MeanAbsoluteError(), yTrue, nearTrue],
    ['Huber', new L.Huber(), yTrue, nearTrue],
    ['Huber delta 0.5', new L.Huber({ delta: 0.5 }), yTrue, tn.add(yTrue, randomTensor([n, c], 5, -2, 2, [0, -0.5, 0.5], 0.1))],
    ['CategoricalCrossentropy of probabilities, one-hot', new L.CategoricalCrossentropy(), onehot, probabilities],
    ['CategoricalCrossentropy of probabilities, soft labels', new L.CategoricalCrossentropy(), softLabels, probabilities],
    ['CategoricalCrossentropy of logits', new L.CategoricalCrossentropy({ fromLogits: true }), softLabels, logits],
    ['CategoricalCrossentropy, labelSmoothing 0.2', new L.CategoricalCrossentropy({ labelSmoothing: 0.2 }), onehot, probabilities],
    ['CategoricalCrossentropy of logits, labelSmoothing 0.2', new L.CategoricalCrossentropy({ fromLogits: true, labelSmoothing: 0.2 }), onehot, logits],
    ['SparseCategoricalCrossentropy of probabilities', new L.SparseCategoricalCrossentropy(), labels, probabilities],
    ['SparseCategoricalCrossentropy of logits', new L.SparseCategoricalCrossentropy({ fromLogits: true }), labels, logits],
    ['BinaryCrossentropy of probabilities', new L.BinaryCrossentropy(), binaryTrue, binaryProbabilities],
    ['BinaryCrossentropy of logits', new L.BinaryCrossentropy({ fromLogits: true }), binaryTrue, logits],
    ['BinaryCrossentropy, labelSmoothing 0.1', new L.BinaryCrossentropy({ labelSmoothing: 0.1 }), binaryTrue, binaryProbabilities],
    ['BinaryCrossentropy of logits, labelSmoothing 0.1', new L.BinaryCrossentropy({ fromLogits: true, labelSmoothing: 0.1 }), binaryTrue, logits],
  ];
  for (const [name, loss, t, p] of cases) {
    it(name, () => {
      // Per sample (each weighted on its own by the checker), and reduced as training uses it.
      gradCheck((yp: tn.Tensor) => loss.call(t, yp), [p]);
      gradCheck((yp: tn.Tensor) => loss.compute(t, yp), [p]);
      gradCheck((yp: tn.Tensor) => loss.compute(t, yp, tn.tensor([0.5, 2, 1, 0.25])), [p]);
    });
  }
});

describe('labelSmoothing follows Keras', () => {
  // Keras: categorical targets become t (1 - s) + s / classes, binary ones t (1 - s) + s / 2.
  const t = [[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]];
  const z = [[1.5, -0.5, 0.25, 2], [-1, 0.5, 3, -2], [0.1, 0.2, -0.3, 0.4]];
  const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
  const probabilities = z.map((row) => row.map(sigmoid));

  function categorical(s: number, fromLogits: boolean): number[] {
    return t.map((row, i) => {
      const classes = row.length;
      let logp: number[];
      if (fromLogits) {
        const m = Math.max(...z[i]);
        const lse = m + Math.log(z[i].reduce((a, v) => a + Math.exp(v - m), 0));
        logp = z[i].map((v) => v - lse);
      } else {
        const total = probabilities[i].reduce((a, v) => a + v, 0);
        logp = probabilities[i].map((v) => Math.log(v / total));
      }
      return -row.reduce((a, v, k) => a + (v * (1 - s) + s / classes) * logp[k], 0);
    });
  }
  function binary(s: number, fromLogits: boolean): number[] {
    return t.map((row, i) => row.reduce((a, v, k) => {
      const target = v * (1 - s) + 0.5 * s;
      const p = fromLogits ? sigmoid(z[i][k]) : probabilities[i][k];
      return a - (target * Math.log(p) + (1 - target) * Math.log(1 - p)) / row.length;
    }, 0));
  }

  for (const fromLogits of [false, true]) {
    it(`categorical and binary cross-entropy ${fromLogits ? 'of logits' : 'of probabilities'}`, () => {
      const yPred = tn.tensor(fromLogits ? z : probabilities);
      for (const s of [0.1, 0.3]) {
        const cat = new tn.losses.CategoricalCrossentropy({ fromLogits, labelSmoothing: s, reduction: 'none' }).compute(t, yPred).data();
        const bin = new tn.losses.BinaryCrossentropy({ fromLogits, labelSmoothing: s, reduction: 'none' }).compute(t, yPred).data();
        const [wantCat, wantBin] = [categorical(s, fromLogits), binary(s, fromLogits)];
        const [plainCat, plainBin] = [categorical(0, fromLogits), binary(0, fromLogits)];
        wantCat.forEach((v, i) => {
          expect(Math.abs(cat[i] - v), `categorical s=${s} sample ${i}: ${cat[i]} vs ${v}`).toBeLessThan(1e-5 * Math.max(1, v));
          // The smoothing moves each value by much more than the tolerance, so ignoring it fails.
          expect(Math.abs(v - plainCat[i])).toBeGreaterThan(1e-3);
        });
        wantBin.forEach((v, i) => {
          expect(Math.abs(bin[i] - v), `binary s=${s} sample ${i}: ${bin[i]} vs ${v}`).toBeLessThan(1e-5 * Math.max(1, v));
          expect(Math.abs(v - plainBin[i])).toBeGreaterThan(1e-3);
        });
      }
    });
  }
});

describe('cross-entropy along any class axis', () => {
  // yPred [batch 2, classes 4, steps 3] with the classes on axis 1, as a channels-first segmentation output gives them.
  const [B, C, T] = [2, 4, 3];
  const at = (b: number, c: number, t: number) => (b * C + c) * T + t;
  const probabilities = randomTensor([B, C, T], 11, 0.05, 1);
  const logits = randomTensor([B, C, T], 12, -3, 3);
  const labels = tn.tensor([3, 0, 2, 1, 1, 0], [B, T], 'int32');
  const oneHot = (() => {
    const v = new Float32Array(B * C * T);
    const l = labels.data();
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) v[at(b, l[b * T + t], t)] = 1;
    return tn.tensor(v, [B, C, T]);
  })();

  /** float64 log-probabilities along axis 1: log softmax of logits, or log of the rescaled, clipped probabilities. */
  function logProbabilities(pred: tn.Tensor, fromLogits: boolean, rescale: boolean): Float64Array {
    const p = Float64Array.from(pred.data());
    const out = new Float64Array(p.length);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const col = Array.from({ length: C }, (_, c) => p[at(b, c, t)]);
        if (fromLogits) {
          const m = Math.max(...col);
          const lse = m + Math.log(col.reduce((s, x) => s + Math.exp(x - m), 0));
          col.forEach((x, c) => (out[at(b, c, t)] = x - lse));
        } else {
          const s = rescale ? col.reduce((a, x) => a + x, 0) : 1;
          col.forEach((x, c) => (out[at(b, c, t)] = Math.log(Math.min(Math.max(x / s, 1e-7), 1 - 1e-7))));
        }
      }
    }
    return out;
  }

  /** Per-(b, t) losses -sum_c yTrue log p, float64. */
  function reference(pred: tn.Tensor, fromLogits: boolean, rescale: boolean): number[] {
    const lp = logProbabilities(pred, fromLogits, rescale);
    const y = oneHot.data();
    const out: number[] = [];
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) {
      let s = 0;
      for (let c = 0; c < C; c++) s -= y[at(b, c, t)] * lp[at(b, c, t)];
      out.push(s);
    }
    return out;
  }

  function expectValues(got: tn.Tensor, ref: number[]) {
    expect(got.shape).toEqual([B, T]);
    const g = got.data();
    ref.forEach((r, i) => expect(Math.abs(g[i] - r), `element ${i}: ${g[i]} vs ${r}`).toBeLessThanOrEqual(1e-5 + 1e-4 * Math.abs(r)));
  }

  for (const fromLogits of [false, true]) {
    const pred = fromLogits ? logits : probabilities;
    it(`categorical, axis 1 of a rank-3 input${fromLogits ? ', from logits' : ''}: float64 values and finite-difference gradients`, () => {
      const loss = new tn.losses.CategoricalCrossentropy({ axis: 1, fromLogits, reduction: 'none' });
      expectValues(loss.compute(oneHot, pred), reference(pred, fromLogits, true));
      gradCheck((p) => loss.compute(oneHot, p), [pred]);
    });

    it(`sparse categorical, axis 1 of a rank-3 input${fromLogits ? ', from logits' : ''}: float64 values and finite-difference gradients`, () => {
      const loss = new tn.losses.SparseCategoricalCrossentropy({ axis: 1, fromLogits, reduction: 'none' });
      expectValues(loss.compute(labels, pred), reference(pred, fromLogits, false));
      // labels with size 1 on the class axis name the same rows
      expectValues(loss.compute(tn.reshape(labels, [B, 1, T]), pred), reference(pred, fromLogits, false));
      gradCheck((p) => loss.compute(labels, p), [pred]);
    });
  }

  it('axis -1 and the last axis give the default; a negative axis counts from the end', () => {
    const y = tn.transpose(oneHot, [0, 2, 1]);
    const p = tn.transpose(probabilities, [0, 2, 1]);
    const byDefault = new tn.losses.CategoricalCrossentropy({ reduction: 'none' }).compute(y, p).data();
    expect(new tn.losses.CategoricalCrossentropy({ axis: 2, reduction: 'none' }).compute(y, p).data()).toEqual(byDefault);
    expect(new tn.losses.CategoricalCrossentropy({ axis: -2, reduction: 'none' }).compute(oneHot, probabilities).data()).toEqual(byDefault);
    // with the classes moved last, the per-(b, t) losses are the same numbers
    const moved = new tn.losses.CategoricalCrossentropy({ axis: 1, reduction: 'none' }).compute(oneHot, probabilities).data();
    moved.forEach((v, i) => expect(v).toBeCloseTo(byDefault[i], 6));
  });

  it('label smoothing spreads over the classes of the class axis', () => {
    const smoothing = 0.2;
    const got = new tn.losses.CategoricalCrossentropy({ axis: 1, labelSmoothing: smoothing, reduction: 'none' }).compute(oneHot, probabilities);
    const lp = logProbabilities(probabilities, false, true);
    const y = oneHot.data();
    const ref: number[] = [];
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) {
      let s = 0;
      for (let c = 0; c < C; c++) s -= (y[at(b, c, t)] * (1 - smoothing) + smoothing / C) * lp[at(b, c, t)];
      ref.push(s);
    }
    expectValues(got, ref);
  });

  it('binary cross-entropy averages over its axis', () => {
    const y = randomTensor([B, C, T], 13, 0, 1);
    const got = new tn.losses.BinaryCrossentropy({ axis: 1, reduction: 'none' }).compute(y, probabilities);
    const p = probabilities.data();
    const yv = y.data();
    const ref: number[] = [];
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) {
      let s = 0;
      for (let c = 0; c < C; c++) {
        const q = Math.min(Math.max(p[at(b, c, t)], 1e-7), 1 - 1e-7);
        s -= yv[at(b, c, t)] * Math.log(q) + (1 - yv[at(b, c, t)]) * Math.log(1 - q);
      }
      ref.push(s / C);
    }
    expectValues(got, ref);
    gradCheck((q) => new tn.losses.BinaryCrossentropy({ axis: 1, fromLogits: true }).compute(y, q), [logits]);
  });

  it('rejects an axis outside the input rank, a non-integer axis, and label smoothing on the sparse loss, naming the loss', () => {
    for (const axis of [3, -4]) {
      expect(() => new tn.losses.CategoricalCrossentropy({ axis }).compute(oneHot, probabilities))
        .toThrow(`categorical_crossentropy: axis ${axis} is out of range for yPred of shape [2,4,3] (rank 3); expected an integer from -3 to 2`);
      expect(() => new tn.losses.SparseCategoricalCrossentropy({ axis }).compute(labels, probabilities))
        .toThrow(`sparse_categorical_crossentropy: axis ${axis} is out of range for yPred of shape [2,4,3]`);
      expect(() => new tn.losses.BinaryCrossentropy({ axis }).compute(oneHot, probabilities))
        .toThrow(`binary_crossentropy: axis ${axis} is out of range for yPred of shape [2,4,3]`);
    }
    expect(() => new tn.losses.CategoricalCrossentropy({ axis: 1.5 })).toThrow('CategoricalCrossentropy: received an invalid value for `axis`, expected an integer. Received: axis=1.5');
    expect(() => new tn.losses.SparseCategoricalCrossentropy({ axis: true as never })).toThrow('Received: axis=true');
    expect(() => new tn.losses.SparseCategoricalCrossentropy({ labelSmoothing: 0.1 })).toThrow(
      'SparseCategoricalCrossentropy: labelSmoothing is not an option of the sparse loss (received 0.1); use CategoricalCrossentropy with one-hot labels',
    );
    expect(new tn.losses.SparseCategoricalCrossentropy({ labelSmoothing: 0 }).axis).toBe(-1);
  });

  it('the functional forms take labelSmoothing and axis in Keras\'s order', () => {
    const byClass = new tn.losses.CategoricalCrossentropy({ axis: 1, labelSmoothing: 0.1, reduction: 'none' }).compute(oneHot, probabilities).data();
    expect(tn.losses.categoricalCrossentropy(oneHot, probabilities, false, 0.1, 1).data()).toEqual(byClass);
    const binary = new tn.losses.BinaryCrossentropy({ axis: 1, labelSmoothing: 0.2, reduction: 'none' }).compute(oneHot, probabilities).data();
    expect(tn.losses.binaryCrossentropy(oneHot, probabilities, false, 0.2, 1).data()).toEqual(binary);
    expect(tn.losses.categoricalCrossentropy(oneHot, probabilities).shape).toEqual([B, C]);
  });

  it('keeps the axis through getConfig', () => {
    const loss = new tn.losses.SparseCategoricalCrossentropy({ axis: 1, fromLogits: true });
    expect(loss.getConfig()).toMatchObject({ axis: 1, fromLogits: true });
    const again = tn.losses.getLoss({ className: 'SparseCategoricalCrossentropy', config: loss.getConfig() });
    expect((again as tn.losses.SparseCategoricalCrossentropy).axis).toBe(1);
    expect(new tn.losses.CategoricalCrossentropy().axis).toBe(-1);
  });
});
