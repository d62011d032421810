// Losses a forward pass adds (Keras's add_loss and activity_regularizer): what layer.losses and model.losses hold, when
// they are cleared, that fit and evaluate add them to the loss, and that saving keeps the activity regularizer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { expectClose } from '../helpers/golden.js';
import { gradCheck, randomTensor } from '../helpers/gradcheck.js';

const root = mkdtempSync(join(tmpdir(), 'tensornode-layer-losses-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeEach(() => tn.clearSession());

const sumOf = (t: tn.Tensor, f: (v: number) => number) => Array.from(t.data() as Float32Array).reduce((s, v) => s + f(v), 0);

/** Adds half the mean of its input to the loss (the pattern of keras.io's "losses that don't fit the signature"). */
class MeanPenalty extends tn.layers.Layer {
  call(inputs: tn.Tensor | tn.Tensor[]): tn.Tensor {
    const x = inputs as tn.Tensor;
    this.addLoss(tn.mul(tn.mean(x), 0.5));
    return x;
  }
}

describe('activityRegularizer', () => {
  it("adds l1 * sum|y| + l2 * sum y^2 of the layer's output (Keras 3: not divided by the batch), with that gradient", () => {
    const x = randomTensor([4, 3], 1, -1, 1, [0]);
    const dense = new tn.layers.Dense(2, { activityRegularizer: tn.regularizers.l1l2({ l1: 0.03, l2: 0.2 }), kernelInitializer: 'ones' });
    const y = dense.apply(x);
    expect(dense.losses.length).toBe(1);
    expectClose(dense.losses[0], [sumOf(y, (v) => 0.03 * Math.abs(v) + 0.2 * v * v)], 1e-5, 1e-6);
    // A second call replaces the first's penalty rather than adding to it.
    dense.apply(x);
    expect(dense.losses.length).toBe(1);
    gradCheck((t) => {
      dense.apply(t);
      return dense.losses[0];
    }, [x]);
    expect(new tn.layers.Dense(2, { activityRegularizer: 'l2' }).activityRegularizer?.getConfig()).toEqual({ l1: 0, l2: 0.01 });
    expect(() => new tn.layers.Dense(2, { activityRegularizer: 'l3' })).toThrow(/Dense: invalid activityRegularizer: .*regularizer/);
  });

  it('enters the training loss: one SGD step equals the step on mse + penalty, and evaluate reports both', async () => {
    const model = new tn.Sequential([
      new tn.layers.Dense(3, { inputShape: [4], activation: 'relu', activityRegularizer: tn.regularizers.l2(0.05) }),
      new tn.layers.Dense(2),
    ]);
    model.compile({ optimizer: new tn.optimizers.SGD({ learningRate: 0.1 }), loss: 'mse' });
    const x = tn.randomNormal([5, 4], 0, 1, 'float32', 3);
    const y = tn.randomNormal([5, 2], 0, 1, 'float32', 4);
    const hidden = tn.relu(tn.add(tn.matMul(x, model.layers[0].weights[0]), model.layers[0].weights[1]));
    const out = model.apply(x) as tn.Tensor;
    const mse = tn.mean(tn.square(tn.sub(out, y)));
    const loss = tn.add(mse, tn.mul(tn.sum(tn.square(hidden)), 0.05));
    const [evaluated] = await model.evaluate(x, y, { verbose: 0 });
    expect(evaluated).toBeCloseTo(loss.item(), 5);
    const weights = model.trainableWeights;
    const before = weights.map((w) => Float32Array.from(w.data() as Float32Array));
    const grads = tn.gradients(loss, weights);
    const logged = model.trainOnBatch(x, y) as number[];
    expect(logged[0]).toBeCloseTo(loss.item(), 5);
    weights.forEach((w, k) => {
      const g = grads[k].data();
      expectClose(w.data(), Array.from(before[k], (b, i) => b - 0.1 * g[i]), 1e-5, 1e-6, w.name);
    });
  });

  it('is kept by getConfig, a TF.js folder and a .keras file, on any layer class', async () => {
    const model = new tn.Sequential([
      new tn.layers.Dense(3, { inputShape: [4], activityRegularizer: tn.regularizers.l1({ l1: 0.02 }) }),
      new tn.layers.BatchNormalization({ activityRegularizer: 'l2' }),
      new tn.layers.Dense(1),
    ]);
    const again = new tn.layers.Dense(JSON.parse(JSON.stringify(model.layers[0].getConfig())));
    expect(again.activityRegularizer?.getConfig()).toEqual({ l1: 0.02, l2: 0 });
    for (const path of [join(root, 'folder'), join(root, 'model.keras')]) {
      await model.save(path);
      const loaded = await tn.models.loadModel(path);
      expect(loaded.layers.map((l) => l.activityRegularizer?.getConfig() ?? null), path).toEqual([{ l1: 0.02, l2: 0 }, { l1: 0, l2: 0.01 }, null]);
    }
  });
});

describe('addLoss', () => {
  it("a custom layer's loss enters fit's loss; model.losses holds one forward pass's losses (a shared layer counts each call)", async () => {
    const shared = new MeanPenalty({ name: 'penalty' });
    const input = tn.input({ shape: [3] });
    const a = shared.apply(input);
    const b = shared.apply(new tn.layers.Dense(3, { name: 'd' }).apply(a));
    const model = new tn.Model({ inputs: input, outputs: new tn.layers.Dense(1, { name: 'out' }).apply(b) });
    // Building the graph ran the layers on placeholders: no loss of a real pass is left from it.
    expect(model.losses).toEqual([]);
    const x = tn.randomNormal([6, 3], 0, 1, 'float32', 5);
    const y = tn.randomNormal([6, 1], 0, 1, 'float32', 6);
    const out = model.apply(x) as tn.Tensor;
    expect(model.losses.length).toBe(2);
    const dense = tn.add(tn.matMul(x, model.getLayer('d').weights[0]), model.getLayer('d').weights[1]);
    const expected = tn.mean(tn.square(tn.sub(out, y))).item() + 0.5 * tn.mean(x).item() + 0.5 * tn.mean(dense).item();
    model.apply(x);
    expect(model.losses.length).toBe(2);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const [loss] = await model.evaluate(x, y, { verbose: 0, batchSize: 6 });
    expect(loss).toBeCloseTo(expected, 5);
    const history = await model.fit(x, y, { epochs: 1, batchSize: 6, verbose: 0 });
    expect(history.history.loss[0]).toBeCloseTo(expected, 5);
  });

  it('after fit, evaluate and predict, model.losses holds the weight penalties only (the steps\' losses went with them)', async () => {
    const model = new tn.Sequential([
      new tn.layers.Dense(3, { inputShape: [2], activityRegularizer: 'l2', kernelRegularizer: 'l1' }),
      new MeanPenalty(),
      new tn.layers.Dense(1),
    ]);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = tn.ones([4, 2]);
    const kernelPenalty = () => 0.01 * sumOf(model.layers[0].weights[0], Math.abs);
    await model.fit(x, tn.ones([4, 1]), { epochs: 1, verbose: 0 });
    expect(model.losses.map((t) => t.item())).toEqual([expect.closeTo(kernelPenalty(), 6)]);
    await model.evaluate(x, tn.ones([4, 1]), { verbose: 0 });
    model.predict(x);
    expect(model.losses.length).toBe(1);
    // A forward pass outside the loops keeps its losses until the next one.
    model.apply(x);
    expect(model.losses.length).toBe(3);
  });

  it('takes a scalar tensor or a number; anything else is an error naming the layer and the shape', () => {
    const layer = new MeanPenalty({ name: 'p' });
    layer.addLoss(2);
    layer.addLoss(tn.tensor([3]));
    expect(layer.losses.map((t) => [t.shape, t.item()])).toEqual([[[], 2], [[], 3]]);
    expect(() => layer.addLoss(tn.ones([2, 2]))).toThrow('addLoss of layer "p": a loss must be a scalar, received a tensor of shape (2, 2)');
    expect(() => layer.addLoss('x' as unknown as number)).toThrow(/addLoss of layer "p"/);
  });
});
