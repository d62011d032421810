// tn.models.cloneModel, Keras's clone_model: the same architecture with new weights.
import { beforeEach, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';

beforeEach(() => tn.clearSession());

describe('cloneModel', () => {
  it('rebuilds a Sequential and a functional model with the same layers and new, unshared weights', async () => {
    const seq = new tn.Sequential([new tn.layers.Dense(8, { inputShape: [4], activation: 'relu' }), new tn.layers.Dropout(0.2), new tn.layers.Dense(2)], 'online');
    const inp = tn.input({ shape: [4] });
    const h = new tn.layers.Dense(5, { activation: 'tanh' }).apply(inp);
    const fun = new tn.Model({ inputs: inp, outputs: [new tn.layers.Dense(1).apply(h), new tn.layers.Dense(3, { activation: 'softmax' }).apply(tn.layers.concatenate([inp, h]))] });
    const x = tn.randomNormal([3, 4], 0, 1, 'float32', 1);
    for (const model of [seq, fun]) {
      const clone = tn.models.cloneModel(model);
      expect(clone).not.toBe(model);
      expect(clone.constructor).toBe(model.constructor);
      expect(clone.name).toBe(model.name);
      expect(clone.layers.map((l) => [l.className, l.name])).toEqual(model.layers.map((l) => [l.className, l.name]));
      expect(clone.weights.map((w) => w.shape)).toEqual(model.weights.map((w) => w.shape));
      expect(clone.weights.some((w) => model.weights.includes(w))).toBe(false);
      // Fresh weights: different values until copied, then the same predictions.
      expect(Array.from(clone.weights[0].data())).not.toEqual(Array.from(model.weights[0].data()));
      clone.setWeights(model.getWeights());
      const outs = (m: tn.Model) => [m.predict(x)].flat().map((t) => Array.from(t.data()));
      expect(outs(clone)).toEqual(outs(model));
      expect(clone.optimizer).toBeNull();
    }
    // Training the clone leaves the original alone (a DQN's target network).
    const before = seq.getWeights().map((t) => Array.from(t.data()));
    const target = tn.models.cloneModel(seq);
    target.compile({ optimizer: 'sgd', loss: 'mse' });
    await target.fit(x, tn.ones([3, 2]), { epochs: 2, verbose: 0 });
    expect(seq.getWeights().map((t) => Array.from(t.data()))).toEqual(before);
  });

  it('refuses what has no config to rebuild from, saying why', () => {
    class Sub extends tn.Model {
      d = new tn.layers.Dense(2);
      override call(x: tn.Tensor | tn.Tensor[]) {
        return this.d.apply(x as tn.Tensor);
      }
    }
    expect(() => tn.models.cloneModel(new Sub())).toThrow(/cloneModel: model "sub\w*" cannot be rebuilt from its config/);
    expect(() => tn.models.cloneModel(null as unknown as tn.Model)).toThrow('cloneModel: expected a tn.Model or tn.Sequential, received null');
  });
});
