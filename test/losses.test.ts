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
