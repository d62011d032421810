// BinaryFocalCrossentropy, CategoricalFocalCrossentropy, Dice and Tversky: per-sample values, the reduced loss and its
// gradient against float64 PyTorch references written from Keras's definitions (fixtures/losses-keras3.py), Keras's
// documented examples, gradients by finite differences, configs, names in compile(), and the errors for bad input.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tn from '../lib/index.js';
import { expectClose, fixture, toTensor, type GoldenTensor } from './helpers/golden.js';
import { gradCheck, rng } from './helpers/gradcheck.js';

const L = tn.losses;

interface Case {
  cls: 'BinaryFocalCrossentropy' | 'CategoricalFocalCrossentropy' | 'Dice' | 'Tversky';
  args: Record<string, unknown>;
  yTrue: GoldenTensor;
  yPred: GoldenTensor;
  values: GoldenTensor;
  loss: number;
  grad: GoldenTensor;
}
const cases = fixture<{ cases: Case[] }>('losses-keras3.json').cases;
const make = (c: Case) => new (L as unknown as Record<string, new (a: unknown) => tn.losses.Loss>)[c.cls](c.args);

describe('against PyTorch references from Keras\'s definitions', () => {
  for (const c of cases) {
    it(`${c.cls}(${JSON.stringify(c.args)}): values, loss, gradient`, () => {
      const loss = make(c);
      const t = toTensor(c.yTrue);
      const p = toTensor(c.yPred);
      expectClose(loss.call(t, p), c.values, 1e-4, 1e-6, 'per-sample values');
      const { value, grad } = tn.valueAndGrad((q: tn.Tensor) => loss.compute(t, q))(p);
      expect(value.item()).toBeCloseTo(c.loss, 5);
      expectClose(grad, c.grad, 1e-3, 1e-6, 'gradient');
      // Finite differences, at these (non-tie) points, of the per-sample values and of the weighted loss.
      gradCheck((q: tn.Tensor) => loss.call(t, q), [p]);
      if (loss.call(t, p).rank > 0) {
        const w = tn.tensor(Array.from({ length: loss.call(t, p).shape[0] }, (_, i) => 0.5 + i));
        gradCheck((q: tn.Tensor) => loss.compute(t, q, w), [p]);
      }
    });
  }
});

describe("Keras's documented examples and properties", () => {
  it('binary_focal_crossentropy and categorical_focal_crossentropy', () => {
    expectClose(L.binaryFocalCrossentropy([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], false, 0.25, 2), [0.33, 0.206], 3e-3, 0);
    expectClose(L.categoricalFocalCrossentropy([[0, 1, 0], [0, 0, 1]], [[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]]), [2.63401289e-4, 6.75912094e-1], 1e-4, 1e-7);
  });

  it('dice over the sample axes and over everything; Tversky with alpha = beta = 0.5 is Dice', () => {
    const t = [[[[1], [1]], [[0], [0]]], [[[1], [1]], [[0], [0]]]];
    const p = [[[[0], [1]], [[0], [1]]], [[[0.4], [0]], [[0], [0.9]]]];
    expectClose(L.dice(t, p, [1, 2, 3]), [0.5, 0.75757575], 1e-5, 1e-7);
    expect(L.dice(t, p).item()).toBeCloseTo(0.6164384, 6);
    expectClose(new L.Dice({ axis: [1, 2, 3], reduction: 'none' }).apply(t, p), [0.5, 0.75757575], 1e-5, 1e-7);
    expect(L.tversky(t, p).item()).toBeCloseTo(0.6164384, 6);
    expect(L.tversky(t, p, 0.5, 0.5).item()).toBeCloseTo(L.dice(t, p).item(), 7);
  });

  it('gamma 0 without balancing is binary cross-entropy; a sure right answer costs nothing', () => {
    const t = tn.tensor([[0, 1, 1], [1, 0, 0]]);
    const p = tn.tensor([[0.2, 0.7, 0.9], [0.4, 0.1, 0.5]]);
    expectClose(new L.BinaryFocalCrossentropy({ gamma: 0 }).call(t, p), new L.BinaryCrossentropy().call(t, p).dataSync(), 1e-6, 1e-7);
    expectClose(new L.CategoricalFocalCrossentropy({ gamma: 0, alpha: 1 }).call(tn.tensor([[0, 1, 0]]), tn.tensor([[0.2, 0.5, 0.3]])), [-Math.log(0.5)], 1e-6, 1e-7);
    expect(new L.BinaryFocalCrossentropy().call(tn.tensor([[1, 0]]), tn.tensor([[1, 0]])).item()).toBe(0);
  });
});

describe('configs, names and compile()', () => {
  const root = mkdtempSync(join(tmpdir(), 'tensornode-losses-keras3-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('each loss comes back from its config; snake_case names resolve', () => {
    const losses = [
      new L.BinaryFocalCrossentropy({ applyClassBalancing: true, alpha: 0.3, gamma: 1, fromLogits: true, labelSmoothing: 0.1, axis: 0, reduction: 'sum', name: 'bfce' }),
      new L.CategoricalFocalCrossentropy({ alpha: [0.1, 0.2, 0.7], gamma: 0.5, labelSmoothing: 0.05 }),
      new L.Dice({ axis: [1] }), new L.Tversky({ alpha: 0.3, beta: 0.7, reduction: 'none' }),
    ];
    const t = tn.tensor([[0, 1, 0], [1, 0, 0]]);
    const p = tn.tensor([[0.2, 0.5, 0.3], [0.6, 0.3, 0.1]]);
    for (const l of losses) {
      const again = L.getLoss(JSON.parse(JSON.stringify({ className: l.constructor.name, config: l.getConfig() })));
      expect(again.constructor).toBe(l.constructor);
      expect(again.getConfig()).toEqual(l.getConfig());
      expect(again.compute(t, p).dataSync()).toEqual(l.compute(t, p).dataSync());
    }
    for (const [name, Cls] of [['binary_focal_crossentropy', L.BinaryFocalCrossentropy], ['categorical_focal_crossentropy', L.CategoricalFocalCrossentropy], ['dice', L.Dice], ['tversky', L.Tversky], ['BinaryFocalCrossentropy', L.BinaryFocalCrossentropy]] as const) {
      expect(L.getLoss(name), name).toBeInstanceOf(Cls);
    }
    expect(new L.BinaryFocalCrossentropy().getConfig()).toEqual({ name: 'binary_focal_crossentropy', reduction: 'sum_over_batch_size', applyClassBalancing: false, alpha: 0.25, gamma: 2, fromLogits: false, labelSmoothing: 0, axis: -1 });
    expect(new L.Dice().getConfig()).toEqual({ name: 'dice', reduction: 'sum_over_batch_size', axis: null });
  });

  it('models train with each loss by name, and keep it when saved and loaded', async () => {
    const next = rng(23);
    const n = 64;
    const xs = Array.from({ length: n * 2 }, () => next() * 2 - 1);
    const x = tn.tensor(xs, [n, 2]);
    const cls = Array.from({ length: n }, (_, i) => (xs[2 * i] > 0 ? (xs[2 * i + 1] > 0 ? 0 : 1) : 2));
    const yCat = tn.oneHot(cls, 3);
    const yBin = tn.tensor(Array.from({ length: n }, (_, i) => (xs[2 * i] + xs[2 * i + 1] > 0 ? 1 : 0)), [n, 1]);
    for (const [loss, y, units, activation] of [['binary_focal_crossentropy', yBin, 1, 'sigmoid'], ['dice', yBin, 1, 'sigmoid'], ['tversky', yBin, 1, 'sigmoid'], ['categorical_focal_crossentropy', yCat, 3, 'softmax']] as const) {
      const model = new tn.Sequential([new tn.layers.Dense(8, { activation: 'tanh', inputShape: [2], kernelInitializer: new tn.initializers.GlorotUniform({ seed: 1 }) }), new tn.layers.Dense(units, { activation, kernelInitializer: new tn.initializers.GlorotUniform({ seed: 2 }) })]);
      model.compile({ optimizer: new tn.optimizers.Adam({ learningRate: 0.05 }), loss, metrics: [units === 1 ? 'binary_accuracy' : 'categorical_accuracy'] });
      const h = await model.fit(x, y, { epochs: 40, batchSize: 16, verbose: 0 });
      const l = h.history.loss;
      expect(l[39], loss).toBeLessThan(0.6 * l[0]);
      const acc = units === 1 ? h.history.binary_accuracy : h.history.categorical_accuracy;
      expect(acc[39], loss).toBeGreaterThan(0.9);
      const dir = join(root, loss);
      await model.save(dir);
      const loaded = await tn.models.loadModel(dir);
      expect(await loaded.evaluate(x, y, { batchSize: 64, verbose: 0 }), loss).toEqual(await model.evaluate(x, y, { batchSize: 64, verbose: 0 }));
    }
  });
  it('loss objects are written to a .keras file as Keras 3 serializes them, and come back with their options', async () => {
    const x = tn.tensor(Array.from({ length: 24 }, (_, i) => Math.sin(i)), [12, 2]);
    const y = tn.tensor(Array.from({ length: 12 }, (_, i) => i % 2), [12, 1]);
    const losses = [
      new L.BinaryFocalCrossentropy({ gamma: 1, applyClassBalancing: true, alpha: 0.3, labelSmoothing: 0.1 }),
      new L.CategoricalFocalCrossentropy({ alpha: [0.7], gamma: 3 }), new L.Dice({ axis: [1] }), new L.Tversky({ alpha: 0.3, beta: 0.7 }),
    ];
    for (const loss of losses) {
      const model = new tn.Sequential([new tn.layers.Dense(1, { activation: 'sigmoid', inputShape: [2], kernelInitializer: new tn.initializers.GlorotUniform({ seed: 5 }) })]);
      model.compile({ optimizer: 'adam', loss });
      const file = join(root, `${loss.name}.keras`);
      await model.save(file);
      const loaded = await tn.models.loadModel(file);
      const again = loaded.compileArgs!.loss as tn.losses.Loss;
      expect(again.constructor, loss.name).toBe(loss.constructor);
      expect(again.getConfig()).toEqual(loss.getConfig());
      expect(await loaded.evaluate(x, y, { verbose: 0 })).toEqual(await model.evaluate(x, y, { verbose: 0 }));
    }
  });
});

describe('bad arguments and input', () => {
  it('name the loss, the argument and the shapes', () => {
    expect(() => new L.BinaryFocalCrossentropy({ alpha: 1.5 })).toThrow(/BinaryFocalCrossentropy: received an invalid value for `alpha`, expected a number in \[0, 1\]. Received: alpha=1.5/);
    expect(() => new L.BinaryFocalCrossentropy({ gamma: -1 })).toThrow(/BinaryFocalCrossentropy: received an invalid value for `gamma`, expected a number >= 0/);
    expect(() => new L.CategoricalFocalCrossentropy({ labelSmoothing: 2 })).toThrow(/CategoricalFocalCrossentropy: received an invalid value for `labelSmoothing`/);
    expect(() => new L.CategoricalFocalCrossentropy({ axis: 0.5 })).toThrow(/CategoricalFocalCrossentropy: received an invalid value for `axis`/);
    expect(() => new L.Tversky({ beta: 'x' as never })).toThrow(/Tversky: received an invalid value for `beta`/);
    expect(() => new L.Dice({ axis: [1.5] })).toThrow(/Dice: received an invalid value for `axis`/);
    expect(() => new L.CategoricalFocalCrossentropy({ alpha: [0.5, 0.5] }).call(tn.tensor([[0, 1, 0]]), tn.tensor([[0.2, 0.5, 0.3]]))).toThrow(/categorical_focal_crossentropy: 2 alpha weights for predictions of shape \[1,3\], expected one per class \(3, the last axis\)/);
    expect(() => new L.Dice({ axis: [3] }).call(tn.tensor([[1, 0]]), tn.tensor([[0.5, 0.5]]))).toThrow(/dice: axis 3 is out of range for yPred of shape \[1,2\]/);
    expect(() => new L.BinaryFocalCrossentropy().call(tn.tensor([[1, 0, 1]]), tn.tensor([[0.5, 0.5]]))).toThrow(/binary_focal_crossentropy: yTrue has shape \[1,3\] but yPred has shape \[1,2\]; they must match/);
    expect(() => new L.Tversky().call(tn.tensor([1, 0, 1]), tn.tensor([0.5, 0.5]))).toThrow(/tversky: yTrue has shape \[3\] but yPred has shape \[2\]/);
  });
});
