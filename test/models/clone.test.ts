// tn.models.cloneModel, Keras's clone_model: the same architecture with new weights.
import { beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tn from '../../lib/index.js';

const tmpFile = (name: string) => join(mkdtempSync(join(tmpdir(), 'tn-clone-')), name);

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

  it("needs no registered classes, as Keras 3's: a subclassed model and a custom layer are rebuilt by their own class", async () => {
    class QNet extends tn.Model {
      hidden: number;
      a: tn.layers.Dense;
      b = new tn.layers.Dense(3);
      constructor(args: { hidden?: number; name?: string } = {}) {
        super({ name: args.name });
        this.hidden = args.hidden ?? 4;
        this.a = new tn.layers.Dense(this.hidden, { activation: 'relu' });
      }
      override call(x: tn.Tensor | tn.Tensor[]) {
        return this.b.apply(this.a.apply(x as tn.Tensor));
      }
      override getConfig() {
        return { ...super.getConfig(), hidden: this.hidden };
      }
    }
    class Scale extends tn.Layer {
      override call(x: tn.Tensor | tn.Tensor[]) {
        return tn.mul(x as tn.Tensor, 3);
      }
    }
    const x = tn.randomNormal([2, 5], 0, 1, 'float32', 2);
    const q = new QNet({ hidden: 7 });
    q.predict(x);
    const inp = tn.input({ shape: [5] });
    const fun = new tn.Model({ inputs: inp, outputs: new tn.layers.Dense(2).apply(new Scale({ name: 'scale' }).apply(inp)) });
    for (const model of [q, fun] as tn.Model[]) {
      const clone = tn.models.cloneModel(model);
      expect(clone.constructor).toBe(model.constructor);
      expect(clone.weights.map((w) => w.shape)).toEqual(model.weights.map((w) => w.shape));
      clone.setWeights(model.getWeights());
      expect(Array.from((clone.predict(x) as tn.Tensor).data())).toEqual(Array.from((model.predict(x) as tn.Tensor).data()));
    }
    expect((tn.models.cloneModel(q) as QNet).hidden).toBe(7);
    expect(tn.models.cloneModel(fun).getLayer('scale')).toBeInstanceOf(Scale);
    // Not built yet: the clone is not either, and builds at its first call.
    const unbuilt = tn.models.cloneModel(new QNet({ hidden: 2 })) as QNet;
    expect(unbuilt.built).toBe(false);
    expect((unbuilt.predict(x) as tn.Tensor).shape).toEqual([2, 3]);
    expect(unbuilt.weights[0].shape).toEqual([5, 2]);
    // The clone's leniency stays with cloning: saving still needs the class registered.
    await expect(q.save(tmpFile('unregistered.keras'))).rejects.toThrow(/QNet\) whose class is not registered/);
  });

  it("keeps Keras 3's hard_sigmoid and Keras 2's, which only TF.js's file format cannot tell apart", () => {
    const x = tn.randomNormal([2, 3, 2], 0, 1, 'float32', 3);
    for (const gate of ['hard_sigmoid', 'hard_sigmoid_legacy'] as const) {
      const model = new tn.Sequential([new tn.layers.LSTM(4, { recurrentActivation: gate, inputShape: [3, 2] })]);
      const clone = tn.models.cloneModel(model);
      expect((clone.layers[0].getConfig() as { recurrentActivation: string }).recurrentActivation).toBe(gate);
      clone.setWeights(model.getWeights());
      expect(Array.from((clone.predict(x) as tn.Tensor).data())).toEqual(Array.from((model.predict(x) as tn.Tensor).data()));
    }
  });

  it('refuses what has no config to rebuild from, saying why', () => {
    const model = new tn.Sequential([new tn.layers.Dense(2, { inputShape: [3] }), new tn.layers.Lambda((x) => tn.mul(x as tn.Tensor, 2))]);
    expect(() => tn.models.cloneModel(model)).toThrow(/cloneModel: model "sequential\w*" cannot be rebuilt from its config: Lambda layer "lambda\w*" wraps a JavaScript function/);
    expect(() => tn.models.cloneModel(null as unknown as tn.Model)).toThrow('cloneModel: expected a tn.Model or tn.Sequential, received null');
  });
});
