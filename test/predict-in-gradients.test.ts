// model.predict inside a gradient function records its forward pass, as TF.js's does: TF.js's policy-gradient
// examples (cart-pole) compute their loss from policyNet.predict(...) inside tf.variableGrads and train through it.
// Untaped, the gradients were silently empty and training did nothing.
import { describe, expect, it } from 'vitest';
import * as tn from '../lib/index.js';
import { tf, useCpu } from './helpers/tfjs.js';

const values = (shape: number[], seed: number): number[] => {
  let s = seed;
  return Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  });
};

describe('predict inside a gradient function', () => {
  it('variableGrads through model.predict gives TF.js\'s gradients for every weight', async () => {
    await useCpu();
    const build = (lib: typeof tf | typeof tn) => lib.sequential({ layers: [
      lib.layers.dense({ units: 5, activation: 'elu', inputShape: [4] }) as never,
      lib.layers.dense({ units: 1 }) as never,
    ] });
    const ours = build(tn) as unknown as tn.Sequential;
    const theirs = build(tf) as unknown as ReturnType<typeof tf.sequential>;
    const shapes = theirs.getWeights().map((w) => w.shape);
    ours.setWeights(shapes.map((s, i) => tn.tensor(values(s, 3 + i), s)));
    theirs.setWeights(shapes.map((s, i) => tf.tensor(values(s, 3 + i), s)));
    const x = values([6, 4], 9);
    const labels = [1, 0, 0, 1, 1, 0];
    const { value, grads } = tn.variableGrads(() => tn.losses.sigmoidCrossEntropy(tn.tensor(labels, [6, 1]), ours.predict(tn.tensor(x, [6, 4])) as tn.Tensor));
    const want = tf.variableGrads(() => tf.losses.sigmoidCrossEntropy(tf.tensor(labels, [6, 1]), theirs.predict(tf.tensor(x, [6, 4])) as ReturnType<typeof tf.tensor>) as ReturnType<typeof tf.scalar>);
    expect(value.data()[0]).toBeCloseTo((await want.value.data())[0], 5);
    const ourGrads = Object.values(grads);
    const theirGrads = Object.values(want.grads);
    expect(ourGrads.length).toBe(4);
    expect(ourGrads.map((g) => g.shape)).toEqual(theirGrads.map((g) => g.shape));
    for (let i = 0; i < ourGrads.length; i++) {
      const w = await theirGrads[i].data();
      Array.from(ourGrads[i].data() as Float32Array).forEach((v, k) => expect(v, `gradient ${i} [${k}]`).toBeCloseTo(w[k], 5));
    }
  });

  it('optimizer.minimize and tn.grad train through predict and predictOnBatch; outside them predict records nothing', () => {
    const model = tn.sequential({ layers: [tn.layers.dense({ units: 1, inputShape: [2], kernelInitializer: 'ones' })] });
    const x = tn.tensor([[1, 2], [3, 4]]);
    const opt = tn.train.sgd(0.01);
    const loss = () => tn.mean(tn.square(model.predict(x) as tn.Tensor));
    const before = loss().data()[0];
    for (let i = 0; i < 5; i++) opt.minimize(loss);
    expect(loss().data()[0]).toBeLessThan(before);
    const g = tn.grad((t: tn.Tensor) => tn.sum(model.predictOnBatch(t) as tn.Tensor))(x);
    expect(g.shape).toEqual([2, 2]);
    expect(Array.from(g.data() as Float32Array).some((v) => v !== 0)).toBe(true);
    expect((model.predict(x) as tn.Tensor)._node).toBeNull();
  });
});
