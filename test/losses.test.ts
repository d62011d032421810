import { describe, expect, it } from 'vitest';
import * as tn from '../lib/index.js';
import { expectClose, fixture, toTensor, type GoldenTensor as Spec } from './helpers/golden.js';

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
