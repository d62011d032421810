// Keras 3's model subclassing as keras.io writes it: layers as properties and a call(), fit/evaluate/predict/summary,
// build(inputShape), dict inputs, several outputs, saving and loading a registered subclass whole, and the pieces a
// custom train_step uses (compute_loss, metrics with compile_metrics, optimizer.apply, trainable_variables).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';

const { Dense, Dropout, LayerNormalization } = tn.layers;
const root = mkdtempSync(join(tmpdir(), 'tn-subclassing-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const maxDiff = (a: tn.Tensor, b: tn.Tensor) => tn.max(tn.abs(tn.sub(a, b))).item();

class Block extends tn.Layer {
  static className = 'SubclassingTestBlock';
  d = new Dense(8, { activation: 'relu' });
  n = new LayerNormalization();
  override call(x: tn.Tensor | tn.Tensor[]) {
    return this.n.apply(tn.add(x as tn.Tensor, this.d.apply(x as tn.Tensor))) as tn.Tensor;
  }
}
tn.serialization.registerClass(Block);

/** A registered subclass: a Dense, a list of custom blocks, a nested functional head, and a weight of its own. */
class Net extends tn.Model {
  static className = 'SubclassingTestNet';
  units: number;
  proj: tn.layers.Dense;
  blocks: Block[];
  head: tn.Model;
  scale!: tn.Variable;
  constructor(args: { units?: number; name?: string } = {}) {
    super({ name: args.name });
    this.units = args.units ?? 8;
    this.proj = new Dense(this.units);
    this.blocks = [new Block(), new Block()];
    const i = tn.input({ shape: [8] });
    this.head = new tn.Model(i, new Dense(3, { activation: 'softmax' }).apply(i) as tn.SymbolicTensor);
  }
  override build(inputShape: tn.layers.Shape | tn.layers.Shape[]) {
    this.scale = this.addWeight('scale', { shape: [this.units], initializer: 'ones' });
    super.build(inputShape);
  }
  override call(x: tn.Tensor | tn.Tensor[]) {
    let h = tn.mul(this.proj.apply(x as tn.Tensor), this.scale);
    for (const b of this.blocks) h = b.apply(h) as tn.Tensor;
    return this.head.apply(h) as tn.Tensor;
  }
  override getConfig() {
    return { ...super.getConfig(), units: this.units };
  }
}
tn.serialization.registerClass(Net);

const x = tn.randomNormal([48, 5], 0, 1, 'float32', 1);
const y = tn.tensor(Array.from({ length: 48 }, (_, i) => i % 3), [48], 'int32');

describe('a subclassed model (layers as properties, call())', () => {
  it('build(inputShape) runs call() on zeros so that summary and countParams see every layer, and its own weights', () => {
    const m = new Net({ units: 8 });
    const lines: string[] = [];
    m.summary(undefined, undefined, (l) => lines.push(l));
    expect(lines.join('\n')).toMatch(/0 \(unbuilt\)/);
    m.build([null, 5]);
    // proj 5*8+8, two blocks of 8*8+8 + 2*8, head 8*3+3, scale 8
    const expected = 48 + 2 * 88 + 27 + 8;
    expect(m.countParams()).toBe(expected);
    lines.length = 0;
    m.summary(undefined, undefined, (l) => lines.push(l));
    expect(lines.join('\n')).toContain(`Total params: ${expected.toLocaleString('en-US')}`);
    expect(lines.join('\n')).not.toMatch(/unbuilt/);
    expect(m.buildInputShape).toEqual([null, 5]);
  });

  it('saves and loads whole when registered (.keras and TF.js folder), in a program whose layer names differ, and resumes training', async () => {
    tn.setSeed(3);
    const m = new Net({ units: 8 });
    m.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    await m.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0 });
    const before = m.predict(x) as tn.Tensor;
    const keras = join(root, 'net.keras');
    const folder = join(root, 'net-tfjs');
    await m.save(keras);
    await m.save(folder);
    const next = (await m.fit(x, y, { epochs: 1, batchSize: 16, shuffle: false, verbose: 0 })).history.loss[0];
    // Layers made first take the automatic names the saved model's layers had (dense, dense_1, ...).
    new Dense(2);
    new Dense(2);
    new Block();
    for (const path of [keras, folder]) {
      const again = await tn.models.loadModel(path);
      expect(again).toBeInstanceOf(Net);
      expect((again as Net).units).toBe(8);
      expect(maxDiff(again.predict(x) as tn.Tensor, before)).toBe(0);
      expect(again.optimizer).toBeInstanceOf(tn.optimizers.Adam);
      expect(again.optimizer!.iterations).toBe(6);
      // The optimizer's moments came back too: the next epoch is the original's.
      const h = await again.fit(x, y, { epochs: 1, batchSize: 16, shuffle: false, verbose: 0 });
      expect(h.history.loss[0]).toBeCloseTo(next as number, 6);
    }
    // Keras 3's layout: each layer under the property holding it, the model's own variable at the root.
    const { readKerasArchive } = await import('../../lib/io/keras.js');
    const { readFileSync } = await import('node:fs');
    const archive = await readKerasArchive(new Uint8Array(readFileSync(keras)), 'net.keras');
    expect(archive.config).toMatchObject({ class_name: 'SubclassingTestNet', config: { units: 8 }, build_config: { input_shape: [null, 5] } });
    const groups = [...archive.weights].filter(([k, v]) => v.length && k !== 'optimizer').map(([k]) => k).sort();
    expect(groups).toEqual(['', 'blocks/block', 'blocks/block_1', 'head/layers/dense', 'proj']);
  });

  it('refuses to save an unregistered or never-called subclass, saying what to do', async () => {
    class Unregistered extends tn.Model {
      d = new Dense(1);
      override call(v: tn.Tensor | tn.Tensor[]) {
        return this.d.apply(v as tn.Tensor) as tn.Tensor;
      }
    }
    const u = new Unregistered();
    u.predict(tn.ones([1, 2]));
    await expect(u.save(join(root, 'u.keras'))).rejects.toThrow(/subclassed Model \(Unregistered\) whose class is not registered.*registerClass\(Unregistered\).*saveWeights/);
    await expect(u.save(join(root, 'u'))).rejects.toThrow(/not registered/);
    await expect(new Net().save(join(root, 'unbuilt.keras'))).rejects.toThrow(/not built yet|has not been called or built/);
  });

  it('takes a dict of inputs as Keras passes it to call(), in fit, predict, a trainStep and a saved file', async () => {
    class TwoInputs extends tn.Model {
      static className = 'SubclassingTestTwoInputs';
      left = new Dense(2);
      right = new Dense(2);
      out = new Dense(1);
      seen: unknown = null;
      override call(inputs: tn.Tensor | tn.Tensor[]) {
        const d = inputs as unknown as { left: tn.Tensor; right: tn.Tensor };
        return this.out.apply(tn.concat([this.left.apply(d.left), this.right.apply(d.right)], -1)) as tn.Tensor;
      }
    }
    tn.serialization.registerClass(TwoInputs);
    const a = tn.randomNormal([32, 3], 0, 1, 'float32', 2);
    const b = tn.randomNormal([32, 4], 0, 1, 'float32', 3);
    const t = tn.randomNormal([32, 1], 0, 1, 'float32', 4);
    const m = new TwoInputs();
    m.compile({ optimizer: 'adam', loss: 'mse' });
    const h = await m.fit({ left: a, right: b }, t, { epochs: 3, verbose: 0, validationData: [{ left: a, right: b }, t] });
    expect(h.history.val_loss).toHaveLength(3);
    const p = m.predict({ right: b, left: a }) as tn.Tensor;
    expect(p.shape).toEqual([32, 1]);
    // Calling it directly with a dict is the same computation.
    expect(maxDiff(m.apply({ left: a, right: b }) as tn.Tensor, p)).toBeLessThan(1e-6);
    expect(m.buildInputShape).toEqual({ left: [null, 3], right: [null, 4] });
    const path = join(root, 'two.keras');
    await m.save(path);
    const again = await tn.models.loadModel(path);
    expect(maxDiff(again.predict({ left: a, right: b }) as tn.Tensor, p)).toBe(0);
    // A dataset of dict elements, too.
    const ds = tn.data.zip([tn.data.array(tn.unstack(a)).map((l) => ({ left: l })), tn.data.array(tn.unstack(t))])
      .map(([l, yy]) => [{ ...(l as { left: tn.Tensor }), right: tn.zeros([4]) }, yy]).batch(8);
    expect((await m.fit(ds, { epochs: 1, verbose: 0 })).history.loss).toHaveLength(1);

    class WithStep extends TwoInputs {
      override trainStep([xs]: tn.StepData) {
        this.seen = Object.keys(xs as object).sort();
        return { loss: 0 };
      }
    }
    const s = new WithStep();
    s.compile({ optimizer: 'sgd', loss: 'mse' });
    await s.fit({ left: a, right: b }, t, { epochs: 1, batchSize: 32, verbose: 0 });
    expect(s.seen).toEqual(['left', 'right']);
  });

  it('compiles several outputs from a list of losses before its first call, as Keras matches them to call()\'s list', async () => {
    class TwoOutputs extends tn.Model {
      reg = new Dense(1);
      cls = new Dense(3, { activation: 'softmax' });
      override call(v: tn.Tensor | tn.Tensor[]) {
        return [this.reg.apply(v as tn.Tensor), this.cls.apply(v as tn.Tensor)] as tn.Tensor[];
      }
    }
    const m = new TwoOutputs();
    m.compile({ optimizer: 'adam', loss: ['mse', 'sparse_categorical_crossentropy'], lossWeights: [1, 0.5], metrics: [[], ['accuracy']] });
    const t = tn.randomNormal([48, 1], 0, 1, 'float32', 5);
    const h = await m.fit(x, [t, y], { epochs: 2, verbose: 0 });
    expect(Object.keys(h.history).sort()).toEqual(['loss', 'output_0_loss', 'output_1_accuracy', 'output_1_loss']);
    const l = h.history;
    expect(l.loss[1]).toBeCloseTo((l.output_0_loss[1] as number) + 0.5 * (l.output_1_loss[1] as number), 4);
    // One loss for both outputs is applied to each once the first call shows two.
    const one = new TwoOutputs();
    one.compile({ optimizer: 'adam', loss: 'mse' });
    const [loss, l0, l1] = await one.evaluate(x, [t, tn.oneHot(y, 3)], { verbose: 0 });
    expect(loss).toBeCloseTo(l0 + l1, 5);
  });
});

describe("Keras 3's custom train_step pieces: computeLoss, metrics, optimizer.apply", () => {
  /** keras.io's "a first simple example": compute_loss, optimizer.apply, and every metric of self.metrics. */
  class CustomModel extends tn.Model {
    override trainStep([xs, ys]: tn.StepData) {
      const yPred = this.apply(xs as tn.Tensor, { training: true }) as tn.Tensor;
      const loss = this.computeLoss({ x: xs, y: ys, yPred });
      const vars = this.trainableVariables;
      this.optimizer!.apply(tn.gradients(loss, vars), vars);
      for (const metric of this.metrics) {
        if (metric.name === 'loss') (metric as tn.metrics.Mean).updateState(loss);
        else metric.updateState(ys as tn.Tensor, yPred);
      }
      const logs: tn.StepLogs = {};
      for (const m of this.metrics) logs[m.name] = m.result();
      return logs;
    }
  }

  function pair(): [tn.Model, tn.Model] {
    tn.setSeed(11);
    const i1 = tn.input({ shape: [5] });
    const custom = new CustomModel(i1, new Dense(1).apply(new Dense(4, { activation: 'tanh' }).apply(i1) as tn.SymbolicTensor) as tn.SymbolicTensor);
    const i2 = tn.input({ shape: [5] });
    const plain = new tn.Model(i2, new Dense(1).apply(new Dense(4, { activation: 'tanh' }).apply(i2) as tn.SymbolicTensor) as tn.SymbolicTensor);
    plain.setWeights(custom.getWeights());
    for (const m of [custom, plain]) m.compile({ optimizer: new tn.optimizers.SGD({ learningRate: 0.05 }), loss: 'mse', metrics: ['mae'] });
    return [custom, plain];
  }

  it('trains and logs exactly as the built-in step does (loss, compile_metrics flattened to their names)', async () => {
    const [custom, plain] = pair();
    const t = tn.randomNormal([48, 1], 0, 1, 'float32', 6);
    const a = await custom.fit(x, t, { epochs: 3, batchSize: 16, shuffle: false, verbose: 0 });
    const b = await plain.fit(x, t, { epochs: 3, batchSize: 16, shuffle: false, verbose: 0 });
    expect(Object.keys(a.history).sort()).toEqual(['loss', 'mae']);
    for (const k of ['loss', 'mae']) (a.history[k] as number[]).forEach((v, i) => expect(v).toBeCloseTo(b.history[k][i] as number, 5));
    custom.getWeights().forEach((w, i) => expect(maxDiff(w, plain.getWeights()[i])).toBeLessThan(1e-6));
    expect(custom.metrics.map((m) => m.name)).toEqual(['loss', 'compile_metrics']);
  });

  it('computeLoss adds the losses of the forward pass and weighs by sampleWeight; computeMetrics returns every result', () => {
    const [custom] = pair();
    const t = tn.randomNormal([48, 1], 0, 1, 'float32', 7);
    const sw = tn.randomUniform([48], 0, 1, 'float32', 8);
    const yPred = custom.apply(x) as tn.Tensor;
    const err = tn.square(tn.sub(yPred, t)).reshape([48]);
    // Keras's sum_over_batch_size: sum(w * loss) / batch.
    expect(custom.computeLoss(x, t, yPred, sw).item()).toBeCloseTo(tn.sum(tn.mul(err, sw)).item() / 48, 5);
    custom.addLoss(tn.scalar(2));
    expect(custom.computeLoss({ y: t, yPred }).item()).toBeCloseTo(tn.mean(err).item() + 2, 5);
    const logs = custom.computeMetrics(x, t, yPred);
    expect(Object.keys(logs)).toEqual(['loss', 'mae']);
    expect(logs.mae).toBeCloseTo(tn.mean(tn.abs(tn.sub(yPred, t))).item(), 5);
    expect(custom.getMetricsResult()).toEqual(logs);
  });

  it("lists the metric objects the model holds, resets them each epoch, and refuses mismatched apply() lists", async () => {
    let resets = 0;
    class CountingMean extends tn.metrics.Mean {
      override resetState() {
        resets++;
        super.resetState();
      }
    }
    class Tracked extends tn.Model {
      tracker = new CountingMean({ name: 'reconstruction' });
      d = new Dense(5);
      override call(v: tn.Tensor | tn.Tensor[]) {
        return this.d.apply(v as tn.Tensor) as tn.Tensor;
      }
      override trainStep([xs]: tn.StepData) {
        const { value, grads } = tn.variableGrads(() => tn.mean(tn.square(tn.sub(this.apply(xs as tn.Tensor) as tn.Tensor, xs as tn.Tensor))), this.trainableVariables);
        this.optimizer!.applyGradients(grads);
        this.tracker.updateState(value);
        return { reconstruction: this.tracker.result() };
      }
    }
    const m = new Tracked();
    m.compile({ optimizer: 'adam' });
    expect(m.metrics.map((v) => v.name)).toEqual(['loss', 'reconstruction']);
    // Held as a property, without a metrics getter of its own: fit resets it at each epoch's start, as Keras 3 does.
    await m.fit(x, { epochs: 2, batchSize: 48, verbose: 0 });
    expect(resets).toBeGreaterThanOrEqual(2);
    const v = tn.variable(tn.zeros([2]));
    const opt = new tn.optimizers.SGD({ learningRate: 0.5 });
    opt.apply([tn.tensor([1, -2])], [v]);
    expect(Array.from(v.data())).toEqual([-0.5, 1]);
    expect(() => opt.apply([tn.ones([2]), tn.ones([2])], [v])).toThrow(/SGD\.apply: received 2 gradients for 1 variables/);
    expect(new Dense(2).trainableVariables).toEqual([]);
  });
});
