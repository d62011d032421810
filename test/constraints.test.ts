// Weight constraints (Keras's keras.constraints): each projection against a float64 computation of Keras's formula,
// their effect in training (applied after every optimizer update, on the fused Dense path too), and saving.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import * as tn from '../lib/index.js';

const C = tn.constraints;
const root = mkdtempSync(join(tmpdir(), 'tensornode-constraints-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Keras's formula in float64: w * f(norm) / (1e-7 + norm), the norm over `axes` of a [rows, cols] matrix. */
function byNorm(w: number[][], axis: 0 | 1, f: (n: number) => number): number[][] {
  const norm = (i: number, j: number) => Math.sqrt(axis === 0 ? w.reduce((s, r) => s + r[j] ** 2, 0) : w[i].reduce((s, v) => s + v ** 2, 0));
  return w.map((r, i) => r.map((v, j) => (v * f(norm(i, j))) / (1e-7 + norm(i, j))));
}

function projected(c: tn.constraints.Constraint, w: number[][]): number[][] {
  const values = Float32Array.from(w.flat());
  c.apply(values, [w.length, w[0].length]);
  return w.map((r, i) => Array.from(values.slice(i * r.length, (i + 1) * r.length)));
}

function expectNear(a: number[][], b: number[][]): void {
  a.flat().forEach((v, k) => expect(v).toBeCloseTo(b.flat()[k], 6));
}

describe('constraints', () => {
  const w = [[3, -0.5, 0], [4, 0.5, 0], [0, 1, 0]];

  it('MaxNorm, UnitNorm, MinMaxNorm and NonNeg project as Keras computes them, over axis 0 or 1', () => {
    expectNear(projected(new C.MaxNorm({ maxValue: 2 }), w), byNorm(w, 0, (n) => Math.min(n, 2)));
    expectNear(projected(new C.MaxNorm({ maxValue: 1, axis: 1 }), w), byNorm(w, 1, (n) => Math.min(n, 1)));
    expectNear(projected(new C.UnitNorm(), w), byNorm(w, 0, () => 1));
    expectNear(projected(new C.MinMaxNorm({ minValue: 2, maxValue: 3, rate: 0.5 }), w), byNorm(w, 0, (n) => 0.5 * Math.min(Math.max(n, 2), 3) + 0.5 * n));
    expect(projected(new C.NonNeg(), w)).toEqual([[3, 0, 0], [4, 0.5, 0], [0, 1, 0]]);
    // A column of zeros stays zeros (the epsilon), and the first column's norm 5 is brought to 2: [1.2, 1.6, 0].
    const m = projected(new C.MaxNorm({ maxValue: 2 }), w);
    expect(m.map((r) => r[2])).toEqual([0, 0, 0]);
    expect(m[0][0]).toBeCloseTo(1.2, 6);
  });

  it('resolve by Keras name, object or config, and refuse what they cannot do with a clear error', () => {
    expect(C.getConstraint('max_norm')).toBeInstanceOf(C.MaxNorm);
    expect(C.getConstraint('NonNeg')).toBeInstanceOf(C.NonNeg);
    expect((C.getConstraint({ className: 'MaxNorm', config: { maxValue: 3, axis: [0, 1, 2] } }) as tn.constraints.MaxNorm).maxValue).toBe(3);
    expect(C.getConstraint(null)).toBeNull();
    expect(() => C.getConstraint('max_normal')).toThrow(/Unknown constraint "max_normal"\. Known constraints: max_norm, non_neg, unit_norm, min_max_norm/);
    expect(() => new C.MaxNorm({ maxValue: Number.NaN })).toThrow(/MaxNorm: received an invalid value for `maxValue`/);
    expect(() => new C.UnitNorm({ axis: 3 }).apply(new Float32Array(4), [2, 2])).toThrow(/UnitNorm: axis 3 is out of range for a weight of shape \[2, 2\]/);
  });

  it('the optimizer applies them after every update: a Dense kernel under MaxNorm and a bias under NonNeg stay inside', async () => {
    for (const fused of [true, false]) {
      tn.setSeed(1);
      // 16 x 1024 = 16K values: the size at which Adam updates a Dense kernel inside the backward pass; the constraint
      // must take it off that path (fused false: a smaller kernel, the plain path).
      const inputs = fused ? 1024 : 8;
      const model = new tn.Sequential([new tn.layers.Dense(16, { inputShape: [inputs], kernelConstraint: C.maxNorm({ maxValue: 0.5 }), biasConstraint: 'non_neg' })]);
      model.compile({ optimizer: new tn.optimizers.Adam({ learningRate: 0.1 }), loss: 'mse' });
      const x = tn.randomNormal([64, inputs], 0, 1, 'float32', 2);
      const y = tn.mul(tn.randomNormal([64, 16], 0, 1, 'float32', 3), 10);
      await model.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0 });
      const [k, b] = model.getWeights().map((t) => Array.from(t.data()));
      for (let j = 0; j < 16; j++) {
        let s = 0;
        for (let i = 0; i < inputs; i++) s += k[i * 16 + j] ** 2;
        expect(Math.sqrt(s)).toBeLessThanOrEqual(0.5 + 1e-5);
      }
      expect(b.every((v) => v >= 0)).toBe(true);
      // Without the constraint the same training leaves the norms far above it.
      const free = new tn.Sequential([new tn.layers.Dense(16, { inputShape: [inputs] })]);
      free.compile({ optimizer: new tn.optimizers.Adam({ learningRate: 0.1 }), loss: 'mse' });
      await free.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0 });
      const fk = Array.from(free.getWeights()[0].data());
      expect(Math.sqrt(fk.filter((_, e) => e % 16 === 0).reduce((s, v) => s + v * v, 0))).toBeGreaterThan(0.6);
    }
  });

  it('Conv2D, LSTM and Embedding take them; they are saved and loaded in both formats', async () => {
    const model = new tn.Sequential([
      new tn.layers.Embedding(10, 4, { inputShape: [5], embeddingsConstraint: C.unitNorm({ axis: 1 }) }),
      new tn.layers.LSTM(3, { kernelConstraint: C.maxNorm({ maxValue: 1 }), recurrentConstraint: 'non_neg' }),
      new tn.layers.Dense(2, { kernelConstraint: C.minMaxNorm({ minValue: 0.5, maxValue: 1 }) }),
    ]);
    const conv = new tn.layers.Conv2D(2, 3, { kernelConstraint: C.maxNorm({ maxValue: 1, axis: [0, 1, 2] }) });
    conv.apply(tn.zeros([1, 4, 4, 1]));
    expect(conv.kernel!.constraint).toBeInstanceOf(C.MaxNorm);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    await model.fit(tn.tensor(Int32Array.from({ length: 40 }, (_, i) => i % 10), [8, 5], 'int32'), tn.ones([8, 2]), { epochs: 1, verbose: 0 });
    const emb = Array.from(model.getWeights()[0].data());
    for (let r = 0; r < 10; r++) expect(Math.hypot(...emb.slice(r * 4, r * 4 + 4))).toBeCloseTo(1, 4);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    for (const path of [join(root, 'tfjs'), join(root, 'm.keras')]) {
      await model.save(path);
      const loaded = await tn.models.loadModel(path);
      // Every constraint was taken, so none is reported dropped.
      expect(warn.mock.calls.map((c) => String(c[0])).filter((m) => m.includes('dropped'))).toEqual([]);
      const [e, l, d] = loaded.layers as [tn.layers.Embedding, tn.layers.LSTM, tn.layers.Dense];
      expect(e.embeddingsConstraint).toBeInstanceOf(C.UnitNorm);
      expect((l.getConfig() as Record<string, unknown>).kernelConstraint).toEqual({ className: 'MaxNorm', config: { maxValue: 1, axis: 0 } });
      expect((l.getConfig() as Record<string, unknown>).recurrentConstraint).toEqual({ className: 'NonNeg', config: {} });
      expect((d.kernelConstraint as tn.constraints.MinMaxNorm).minValue).toBe(0.5);
    }
    warn.mockRestore();
  });
});

describe('a custom Constraint and Regularizer registered with registerClass', () => {
  // Keras's CenterAround (keras.io's "Making new layers and models via subclassing") and a strength-scaled L2.
  class CenterAround extends C.Constraint {
    readonly className = 'CenterAround';
    readonly refValue: number;
    constructor(args: { refValue?: number } = {}) {
      super();
      this.refValue = args.refValue ?? 0;
    }
    apply(values: Float32Array) {
      const mean = values.reduce((s, v) => s + v, 0) / values.length;
      for (let i = 0; i < values.length; i++) values[i] = values[i] - mean + this.refValue;
    }
    override getConfig() {
      return { refValue: this.refValue };
    }
  }
  class ScaledL2 extends tn.regularizers.Regularizer {
    readonly strength: number;
    constructor(args: { strength?: number } = {}) {
      super();
      this.strength = args.strength ?? 0.01;
    }
    override apply(w: tn.Tensor) {
      return tn.mul(tn.sum(tn.square(w)), this.strength);
    }
    override getConfig() {
      return { strength: this.strength };
    }
  }
  tn.serialization.registerClass(CenterAround);
  tn.serialization.registerClass(ScaledL2);

  for (const file of ['custom-pieces', 'custom-pieces.keras']) {
    it(`are saved with the model and rebuilt when it loads (${file})`, async () => {
      const model = new tn.Sequential([
        new tn.layers.Dense(3, { inputShape: [2], kernelConstraint: new CenterAround({ refValue: 0.5 }), kernelRegularizer: new ScaledL2({ strength: 0.25 }) }),
      ]);
      model.compile({ optimizer: new tn.optimizers.SGD({ learningRate: 0.1 }), loss: 'mse' });
      const path = join(root, file);
      await model.save(path);
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      const loaded = await tn.models.loadModel(path);
      expect(warn).not.toHaveBeenCalled();
      warn.mockRestore();
      const kernel = loaded.layers[0].getWeights()[0];
      // The penalty is the subclass's: 0.25 * sum(w^2), not an L1L2 of zeros.
      expect(loaded.losses).toHaveLength(1);
      expect(loaded.losses[0].item()).toBeCloseTo(0.25 * Array.from(kernel.data()).reduce((s, v) => s + v * v, 0), 5);
      // The constraint still projects after each update: the kernel's mean is the reference value.
      await loaded.fit(tn.tensor([[1, 2], [3, -1]]), tn.tensor([[1, 0, 2], [0, 1, 1]]), { epochs: 1, verbose: 0 });
      const after = Array.from(loaded.layers[0].getWeights()[0].data());
      expect(after.reduce((s, v) => s + v, 0) / after.length).toBeCloseTo(0.5, 5);
    });
  }

  it('one whose className is an instance field unlike its JavaScript name is found when the model loads (it was dropped)', async () => {
    // As the built-in constraints declare theirs: the file holds 'ClipTo', the class is ClipToConstraint.
    class ClipToConstraint extends C.Constraint {
      readonly className = 'ClipTo';
      constructor(private readonly args: { limit?: number } = {}) {
        super();
      }
      get limit() {
        return this.args.limit ?? 1;
      }
      apply(values: Float32Array, shape: number[]) {
        return tn.clipByValue(tn.tensor(values, shape), -this.limit, this.limit);
      }
      override getConfig() {
        return { limit: this.limit };
      }
    }
    // Registered first, and refusing ClipTo's config: the lookup passes over it.
    class Strict extends C.Constraint {
      readonly className = 'StrictOne';
      constructor(args: Record<string, unknown> = {}) {
        super();
        if (Object.keys(args).length) throw new Error('Strict takes no options');
      }
      apply() {}
    }
    tn.serialization.registerClass(Strict);
    tn.serialization.registerClass(ClipToConstraint);
    for (const file of ['clip-to', 'clip-to.keras']) {
      const model = new tn.Sequential([new tn.layers.Dense(3, { inputShape: [2], kernelConstraint: new ClipToConstraint({ limit: 0.01 }) })]);
      model.compile({ optimizer: new tn.optimizers.SGD({ learningRate: 0.5 }), loss: 'mse' });
      await model.save(join(root, file));
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      const loaded = await tn.models.loadModel(join(root, file));
      expect(warn).not.toHaveBeenCalled();
      warn.mockRestore();
      const constraint = (loaded.layers[0] as tn.layers.Dense).kernelConstraint;
      expect(constraint, file).toBeInstanceOf(ClipToConstraint);
      expect((constraint as ClipToConstraint).limit).toBe(0.01);
      await loaded.fit(tn.tensor([[1, 2], [3, -1]]), tn.tensor([[5, -5, 5], [-5, 5, 5]]), { epochs: 1, verbose: 0 });
      expect(Math.max(...Array.from(loaded.layers[0].getWeights()[0].data()).map(Math.abs))).toBeCloseTo(0.01, 6);
    }
  });

  it("one written as TF.js's apply(w) and Keras's __call__(w), with ops along an axis, sees the weight's shape", async () => {
    // Each column (unit) scaled to norm 1: on a flat vector, axis 0 would take one norm over the whole kernel.
    const shapes: number[][] = [];
    class ColumnNorm extends C.Constraint {
      readonly className = 'ColumnNorm';
      apply(w: Float32Array & { shape?: number[] }) {
        shapes.push(w.shape!);
        return tn.div(w, tn.norm(w, 'euclidean', 0, true));
      }
    }
    const model = new tn.Sequential([new tn.layers.Dense(3, { inputShape: [4], kernelConstraint: new ColumnNorm() })]);
    model.compile({ optimizer: new tn.optimizers.SGD({ learningRate: 0.1 }), loss: 'mse' });
    model.trainOnBatch(tn.tensor([[1, 2, 0, -1], [0, 1, 3, 2]]), tn.tensor([[1, 0, 2], [0, 1, 1]]));
    expect(shapes).toEqual([[4, 3]]);
    const norms = Array.from(tn.norm(model.getWeights()[0], 'euclidean', 0).data());
    expect(norms).toEqual([expect.closeTo(1, 6), expect.closeTo(1, 6), expect.closeTo(1, 6)]);
  });

  it("one written as Keras's __call__, returning the projected weight, is applied (not lost), and a wrong result is an error", async () => {
    class NonNegMean extends C.Constraint {
      readonly className = 'NonNegMean';
      apply(values: Float32Array, shape: number[]) {
        const w = tn.tensor(values, shape);
        return tn.relu(tn.sub(w, tn.mean(w)));
      }
    }
    const layer = new tn.layers.Dense(4, { inputShape: [3], kernelConstraint: new NonNegMean() });
    const model = new tn.Sequential([layer]);
    model.compile({ optimizer: new tn.optimizers.SGD({ learningRate: 0.1 }), loss: 'mse' });
    const x = tn.tensor([[1, 2, 0], [0, -1, 3]]);
    const y = tn.tensor([[1, 0, 2, 1], [0, 1, 1, 3]]);
    // The projection of the SGD step by hand: relu(w1 - mean(w1)), w1 the kernel after one plain step.
    const plain = new tn.Sequential([new tn.layers.Dense(4, { inputShape: [3] })]);
    plain.setWeights(model.getWeights());
    plain.compile({ optimizer: new tn.optimizers.SGD({ learningRate: 0.1 }), loss: 'mse' });
    plain.trainOnBatch(x, y);
    const w1 = Array.from(plain.getWeights()[0].data());
    const m = w1.reduce((s, v) => s + v, 0) / w1.length;
    model.trainOnBatch(x, y);
    expect(Array.from(layer.getWeights()[0].data())).toEqual(w1.map((v) => expect.closeTo(Math.max(v - m, 0), 6)));
    class Wrong extends C.Constraint {
      readonly className = 'Wrong';
      apply() {
        return tn.zeros([2]);
      }
    }
    const bad = new tn.Sequential([new tn.layers.Dense(4, { inputShape: [3], kernelConstraint: new Wrong() })]);
    bad.compile({ optimizer: 'sgd', loss: 'mse' });
    expect(() => bad.trainOnBatch(x, y)).toThrow(/constraint Wrong: apply\(values, shape\) must project the values in place or return the projected weight, a tensor of shape \[3, 4\]; it returned a tensor of shape \[2\]/);
  });

  it('an unregistered Regularizer subclass is saved under its own name, so loading names it instead of dropping it', async () => {
    class Unregistered extends tn.regularizers.Regularizer {
      override getConfig() {
        return { factor: 2 };
      }
    }
    const model = new tn.Sequential([new tn.layers.Dense(1, { inputShape: [2], kernelRegularizer: new Unregistered() })]);
    expect((model.layers[0].getConfig() as { kernelRegularizer: unknown }).kernelRegularizer).toEqual({ className: 'Unregistered', config: { factor: 2 } });
    const path = join(root, 'unregistered.keras');
    await model.save(path);
    await expect(tn.models.loadModel(path)).rejects.toThrow(/kernel_regularizer.*Unregistered.*registered with tn.serialization.registerClass/);
  });
});
