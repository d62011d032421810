import { describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { withScope } from '../../lib/memory.js';
import { expectClose, fixture, toTensor, type GoldenTensor as Spec } from '../helpers/golden.js';

interface Case {
  name: string;
  op: string;
  attrs: { epsilon: number; training?: boolean };
  inputs: { x: Spec; gamma: Spec; beta: Spec };
  upstream: Spec;
  outputs: { y: Spec };
  grads: { x: Spec; gamma: Spec; beta: Spec };
}

const cases = fixture<{ cases: Case[] }>('normalization.json').cases;

describe('normalization layers match the reference values', () => {
  for (const c of cases) {
    it(c.name, () => {
      const layer = c.op === 'batchNormalization'
        ? new tn.layers.BatchNormalization({ epsilon: c.attrs.epsilon })
        : new tn.layers.LayerNormalization({ epsilon: c.attrs.epsilon });
      const x = toTensor(c.inputs.x);
      layer.apply(x);
      const ws = layer.getWeights();
      ws[0] = toTensor(c.inputs.gamma);
      ws[1] = toTensor(c.inputs.beta);
      layer.setWeights(ws);
      const [gamma, beta] = layer.trainableWeights;
      const upstream = toTensor(c.upstream);
      const { value, grads } = tn.valueAndGrads((xx: tn.Tensor) => tn.mul(layer.apply(xx, { training: true }) as tn.Tensor, upstream))([x]);
      expectClose(tn.div(value, upstream), c.outputs.y, 1e-4, 1e-4, `${c.name} y`);
      expectClose(grads[0], c.grads.x, 1e-4, 1e-5, `${c.name} dx`);
      const g = tn.gradients(tn.sum(tn.mul(layer.apply(x, { training: true }) as tn.Tensor, upstream)), [gamma, beta]);
      expectClose(g[0], c.grads.gamma, 1e-4, 1e-5, `${c.name} dgamma`);
      expectClose(g[1], c.grads.beta, 1e-4, 1e-5, `${c.name} dbeta`);
    });
  }

  it('BatchNormalization keeps moving statistics in training and uses them in inference', () => {
    const bn = new tn.layers.BatchNormalization({ momentum: 0.5 });
    const x = tn.tensor([[1, 10], [3, 30]]);
    bn.apply(x);
    withScope(() => bn.apply(x, { training: true }));
    // mean [2, 20], biased variance [1, 100]; moving = 0.5 * init + 0.5 * batch.
    expect(Array.from(bn.movingMean!.data())).toEqual([1, 10]);
    expect(Array.from(bn.movingVariance!.data())).toEqual([1, 50.5]);
    const y = bn.apply(x, { training: false }) as tn.Tensor;
    const expected = [(1 - 1) / Math.sqrt(1 + 1e-3), (10 - 10) / Math.sqrt(50.5 + 1e-3), (3 - 1) / Math.sqrt(1 + 1e-3), (30 - 10) / Math.sqrt(50.5 + 1e-3)];
    expectClose(y, expected, 1e-4, 1e-5, 'inference output');
    expect(bn.trainableWeights.map((w) => w.name)).toEqual([`${bn.name}/gamma`, `${bn.name}/beta`]);
    expect(bn.nonTrainableWeights.map((w) => w.name)).toEqual([`${bn.name}/moving_mean`, `${bn.name}/moving_variance`]);
    // A frozen BatchNormalization runs in inference mode even in training.
    bn.trainable = false;
    const frozen = bn.apply(x, { training: true }) as tn.Tensor;
    expectClose(frozen, expected, 1e-4, 1e-5, 'frozen output');
    expect(Array.from(bn.movingMean!.data())).toEqual([1, 10]);
  });
});
