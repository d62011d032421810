import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tn from '../lib/index.js';
import { expectClose, fixture, type GoldenTensor as Spec } from './helpers/golden.js';
import { kerasAdam, kerasRmsprop } from './helpers/optimizer-reference.js';

interface Case {
  name: string;
  op: string;
  attrs: Record<string, number | boolean>;
  inputs: { w0: Spec; grads: Spec[] };
  outputs: { weightsAfterEachStep: Spec[] };
}

// optimizers-extra.json: Adadelta, Adamax, Nadam and Lion, from test/fixtures/optimizers-extra.py (PyTorch).
const cases = [...fixture<{ cases: Case[] }>('optimizers.json').cases, ...fixture<{ cases: Case[] }>('optimizers-extra.json').cases];

function make(c: Case): tn.optimizers.Optimizer {
  const a = c.attrs as Record<string, never>;
  switch (c.op) {
    case 'sgd': return new tn.optimizers.SGD(a);
    case 'adam': return new tn.optimizers.Adam(a);
    case 'adamw': return new tn.optimizers.AdamW(a);
    case 'rmsprop': return new tn.optimizers.RMSprop(a);
    case 'adagrad': return new tn.optimizers.Adagrad(a);
    case 'adadelta': return new tn.optimizers.Adadelta(a);
    case 'adamax': return new tn.optimizers.Adamax(a);
    case 'nadam': return new tn.optimizers.Nadam(a);
    case 'lion': return new tn.optimizers.Lion(a);
    default: throw new Error(`no optimizer for ${c.op}`);
  }
}

describe('optimizers follow Keras 3 update rules', () => {
  for (const c of cases) {
    it(`${c.name}: three steps match the reference`, () => {
      const opt = make(c);
      const w = tn.variable(tn.tensor(c.inputs.w0.data));
      c.inputs.grads.forEach((g, step) => {
        opt.applyGradients([[tn.tensor(g.data), w]]);
        expectClose(w, c.outputs.weightsAfterEachStep[step], 1e-4, 1e-5, `${c.name} after step ${step + 1}`);
      });
      expect(opt.iterations).toBe(3);
    });
  }

  // Options without a golden case: several steps against the float64 Keras 3 rules in helpers/optimizer-reference.ts.
  // The gradients shrink after two large steps, so Adam's v falls and amsgrad's running maximum decides the update,
  // and they change sign, so RMSprop's centered mean and momentum matter.
  const w0 = [0.5, -1.25, 2, 0.1, -0.3];
  const grads = [
    [3, -2, 0.5, 4, -1],
    [2.5, 1, -0.5, 3, -2],
    [0.1, -0.05, 0.2, 0.01, 0.3],
    [-0.2, 0.1, 0.05, -0.02, 0.1],
    [0.05, 0.02, -0.1, 0.03, -0.05],
    [-0.01, 0.3, 0.02, -0.04, 0.01],
  ];
  const run = (opt: tn.optimizers.Optimizer) => {
    const w = tn.variable(tn.tensor(w0));
    return grads.map((g) => {
      opt.applyGradients([[tn.tensor(g), w]]);
      return Array.from(w.data());
    });
  };
  /** Close to the reference at every step, and each step's reference differs from `other` by far more than that. */
  const expectSteps = (got: number[][], want: number[][], other: number[][], name: string) => {
    got.forEach((wt, s) => wt.forEach((v, i) => {
      expect(Math.abs(v - want[s][i]), `${name} step ${s + 1} weight ${i}: got ${v}, reference ${want[s][i]}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want[s][i])));
    }));
    const gap = Math.max(...want.flatMap((wt, s) => wt.map((v, i) => Math.abs(v - other[s][i]))));
    expect(gap, `${name}: the option changes the weights`).toBeGreaterThan(1e-3);
  };

  it('Adam amsgrad: six steps match Keras 3\'s rule, where the maximum of v decides', () => {
    const o = { learningRate: 0.1, beta1: 0.9, beta2: 0.5, epsilon: 1e-7 };
    const want = kerasAdam(w0, grads, { ...o, amsgrad: true });
    expectSteps(run(new tn.optimizers.Adam({ ...o, amsgrad: true })), want, kerasAdam(w0, grads, { ...o, amsgrad: false }), 'adam amsgrad');
    expectSteps(run(new tn.optimizers.Adam({ ...o, amsgrad: false })), kerasAdam(w0, grads, { ...o, amsgrad: false }), want, 'adam');
  });

  it('RMSprop centered, with momentum, and both: six steps match Keras 3\'s rule', () => {
    const base = { learningRate: 0.01, rho: 0.8, epsilon: 1e-7 };
    const plain = kerasRmsprop(w0, grads, { ...base, momentum: 0, centered: false });
    for (const [momentum, centered] of [[0, true], [0.9, false], [0.9, true]] as const) {
      const want = kerasRmsprop(w0, grads, { ...base, momentum, centered });
      expectSteps(run(new tn.optimizers.RMSprop({ ...base, momentum, centered })), want, plain, `rmsprop momentum ${momentum} centered ${centered}`);
    }
  });

  it('resolves optimizers by name and rejects unknown ones with the list', () => {
    expect(tn.optimizers.getOptimizer('Adam')).toBeInstanceOf(tn.optimizers.Adam);
    expect(tn.optimizers.getOptimizer('rmsprop')).toBeInstanceOf(tn.optimizers.RMSprop);
    expect(() => tn.optimizers.getOptimizer('adamax2')).toThrow(/Unknown optimizer "adamax2"\. Known optimizers: sgd, adam, adamw, rmsprop, adagrad, adadelta, adamax, nadam, lion/);
  });

  it('clips by value, by norm and by global norm', () => {
    const step = (opt: tn.optimizers.Optimizer, grads: number[][]) => {
      const vs = grads.map((g) => tn.variable(tn.zeros([g.length])));
      opt.applyGradients(grads.map((g, i) => [tn.tensor(g), vs[i]]));
      return vs.map((v) => Array.from(v.data()));
    };
    // SGD with lr 1: w = -clipped gradient.
    expect(step(new tn.optimizers.SGD({ learningRate: 1, clipvalue: 0.5 }), [[2, -0.25, -3]])[0]).toEqual([-0.5, 0.25, 0.5]);
    const byNorm = step(new tn.optimizers.SGD({ learningRate: 1, clipnorm: 1 }), [[3, 4]])[0];
    expect(byNorm[0]).toBeCloseTo(-0.6, 6);
    expect(byNorm[1]).toBeCloseTo(-0.8, 6);
    const global = step(new tn.optimizers.SGD({ learningRate: 1, globalClipnorm: 1 }), [[3], [4]]);
    expect(global[0][0]).toBeCloseTo(-0.6, 6);
    expect(global[1][0]).toBeCloseTo(-0.8, 6);
    // The caller's gradient tensor is not modified by clipping.
    const g = tn.tensor([10]);
    new tn.optimizers.SGD({ clipvalue: 1 }).applyGradients([[g, tn.variable(tn.zeros([1]))]]);
    expect(g.item()).toBe(10);
  });

  it('learning-rate schedules follow Keras formulas and drive the optimizer', () => {
    const exp = new tn.optimizers.ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 });
    expect(exp.call(0)).toBeCloseTo(0.1);
    expect(exp.call(10)).toBeCloseTo(0.05);
    expect(exp.call(5)).toBeCloseTo(0.1 * Math.SQRT1_2);
    const stair = new tn.optimizers.ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true });
    expect(stair.call(19)).toBeCloseTo(0.05);
    const pw = new tn.optimizers.PiecewiseConstantDecay({ boundaries: [2, 4], values: [1, 0.5, 0.1] });
    expect([0, 2, 3, 4, 5].map((s) => pw.call(s))).toEqual([1, 1, 0.5, 0.5, 0.1]);
    const cos = new tn.optimizers.CosineDecay({ initialLearningRate: 1, decaySteps: 10, alpha: 0.1 });
    expect(cos.call(0)).toBeCloseTo(1);
    expect(cos.call(5)).toBeCloseTo(0.55);
    expect(cos.call(20)).toBeCloseTo(0.1);
    const warm = new tn.optimizers.CosineDecay({ initialLearningRate: 0, decaySteps: 10, warmupTarget: 1, warmupSteps: 4 });
    expect(warm.call(2)).toBeCloseTo(0.5);
    expect(warm.call(4)).toBeCloseTo(1);

    // The optimizer evaluates the schedule at its step count (0 for the first update).
    const opt = new tn.optimizers.SGD({ learningRate: pw });
    const w = tn.variable(tn.zeros([1]));
    const lrs: number[] = [];
    for (let i = 0; i < 6; i++) {
      const before = w.item();
      opt.applyGradients([[tn.tensor([1]), w]]);
      lrs.push(before - w.item());
    }
    lrs.forEach((lr, i) => expect(lr).toBeCloseTo([1, 1, 1, 0.5, 0.5, 0.1][i], 5));
  });

  it('moving averages that decay below the float32 normal range become zero (Adam, AMSGrad, SGD momentum, RMSprop)', () => {
    // 1e-37 * (1 - beta1) = 1e-38 is subnormal (FLT_MIN is 1.18e-38): kept, it would slow every later update.
    const subnormal = (a: Float32Array) => Array.from(a).filter((x) => x !== 0 && Math.abs(x) < 1.1754943508222875e-38).length;
    const cases: [string, tn.optimizers.Optimizer][] = [
      ['adam', new tn.optimizers.Adam()],
      ['amsgrad', new tn.optimizers.Adam({ amsgrad: true })],
      ['sgd momentum', new tn.optimizers.SGD({ momentum: 0.9 })],
      ['rmsprop', new tn.optimizers.RMSprop({ momentum: 0.9, centered: true })],
    ];
    for (const [name, opt] of cases) {
      const w = tn.variable(tn.tensor([1, 2, 3, 4]));
      opt.applyGradients([[tn.tensor([1e-37, 3e-38, 1, 0]), w]]);
      // A few steps only: left alone, the decay would take them below the subnormals too after ~150.
      for (let i = 0; i < 5; i++) opt.applyGradients([[tn.tensor([0, 0, 0, 0]), w]]);
      const slots = opt.slotsOf(w)!;
      expect(slots.length, name).toBeGreaterThan(0);
      for (const a of slots) expect(subnormal(a), name).toBe(0);
      expect(Number.isFinite(w.dataSync()[2]), name).toBe(true);
    }
  });

  it('minimize() finds the minimum of a quadratic', () => {
    const x = tn.variable(tn.tensor([3, -2]));
    const opt = new tn.optimizers.Adam({ learningRate: 0.1 });
    for (let i = 0; i < 300; i++) opt.minimize(() => tn.sum(tn.square(tn.sub(x, tn.tensor([1, 2])))));
    const v = x.data();
    expect(v[0]).toBeCloseTo(1, 2);
    expect(v[1]).toBeCloseTo(2, 2);
  });

  it('rejects bad arguments with Keras-style messages', () => {
    expect(() => new tn.optimizers.Adam({ learningRate: -1 })).toThrow(/Adam: received an invalid value for `learningRate`/);
    expect(() => new tn.optimizers.SGD({ clipnorm: 1, clipvalue: 1 })).toThrow(/only one of clipnorm, clipvalue and globalClipnorm/);
    const v = tn.variable(tn.zeros([2]));
    expect(() => new tn.optimizers.SGD().applyGradients([[tn.zeros([3]), v]])).toThrow(/gradient of shape \[3\] does not match variable '.*' of shape \[2\]/);
  });
});

describe('TF.js-style optimizer factories', () => {
  it('take the options object or TF.js positional arguments, with the same meaning', () => {
    const a = tn.optimizers.adam(0.1, 0.8, 0.9, 1e-6);
    expect(a.getConfig()).toMatchObject({ learningRate: 0.1, beta1: 0.8, beta2: 0.9, epsilon: 1e-6 });
    expect(tn.optimizers.adam(0.1).getConfig()).toMatchObject({ learningRate: 0.1, beta1: 0.9, beta2: 0.999 });
    expect(tn.optimizers.adam({ learningRate: 0.2 }).getConfig()).toMatchObject({ learningRate: 0.2 });
    expect(tn.optimizers.sgd(0.3).getConfig()).toMatchObject({ learningRate: 0.3, momentum: 0 });
    expect(tn.optimizers.momentum(0.3, 0.9, true).getConfig()).toMatchObject({ learningRate: 0.3, momentum: 0.9, nesterov: true });
    expect(tn.optimizers.rmsprop(0.01, 0.8, 0.5, 1e-5, true).getConfig()).toMatchObject({ learningRate: 0.01, rho: 0.8, momentum: 0.5, epsilon: 1e-5, centered: true });
    expect(tn.optimizers.adagrad(0.05, 0.2).getConfig()).toMatchObject({ learningRate: 0.05, initialAccumulatorValue: 0.2 });
    expect(tn.optimizers.adadelta(1, 0.9, 1e-6).getConfig()).toMatchObject({ learningRate: 1, rho: 0.9, epsilon: 1e-6 });
    expect(tn.optimizers.adadelta().getConfig()).toMatchObject({ learningRate: 0.001, rho: 0.95, epsilon: 1e-7 });
    expect(tn.optimizers.adadelta({ rho: 0.5 }).getConfig()).toMatchObject({ rho: 0.5 });
    expect(tn.optimizers.adamax(0.002, 0.8, 0.99, 1e-6).getConfig()).toMatchObject({ learningRate: 0.002, beta1: 0.8, beta2: 0.99, epsilon: 1e-6 });
    expect(tn.optimizers.adamax({ learningRate: 0.003 }).getConfig()).toMatchObject({ learningRate: 0.003, beta1: 0.9, beta2: 0.999 });
    expect(tn.train.nadam({ learningRate: 0.004 }).getConfig()).toMatchObject({ name: 'nadam', learningRate: 0.004, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
    expect(tn.optimizers.lion({ beta2: 0.98 }).getConfig()).toMatchObject({ name: 'lion', learningRate: 0.001, beta1: 0.9, beta2: 0.98 });
  });

  it("adamax's TF.js decay divides the rate by 1 + decay * (updates so far)", () => {
    const opt = tn.optimizers.adamax(0.1, 0.9, 0.999, 1e-7, 0.5);
    const w = tn.variable(tn.zeros([1]));
    const moved: number[] = [];
    for (let t = 0; t < 3; t++) {
      const before = w.item();
      // A constant gradient keeps m / ((1 - b1^t) u) at 1: each step moves by the rate alone.
      opt.applyGradients([[tn.tensor([1]), w]]);
      moved.push(before - w.item());
    }
    moved.forEach((d, t) => expect(d).toBeCloseTo(0.1 / (1 + 0.5 * t), 5));
  });

  it("a class constructor takes Keras's positional learning rate, Adam(1e-4), and refuses anything else", () => {
    const classes = ['SGD', 'Adam', 'AdamW', 'RMSprop', 'Adagrad', 'Adadelta', 'Adamax', 'Nadam', 'Lion'] as const;
    for (const name of classes) {
      const Cls = tn.optimizers[name] as unknown as new (args: number) => tn.optimizers.Optimizer;
      expect(new Cls(1e-4).getConfig().learningRate, name).toBe(1e-4);
    }
    // The rest of the configuration keeps its defaults, and updates use the rate given.
    expect(new tn.optimizers.AdamW(0.5).getConfig()).toMatchObject({ learningRate: 0.5, weightDecay: 0.004, beta1: 0.9 });
    const w = tn.variable(tn.tensor([1]));
    new tn.optimizers.SGD(0.25).applyGradients([[tn.tensor([2]), w]]);
    expect(w.item()).toBeCloseTo(0.5, 6);
    expect(() => new tn.optimizers.Adam('fast' as unknown as tn.optimizers.AdamArgs)).toThrow(/Adam: expected the learning rate or an options object such as \{ learningRate: 0\.001 \}, received "fast"/);
    expect(() => new tn.optimizers.Adam(-1)).toThrow(/Adam: received an invalid value for `learningRate`/);
  });
});

describe('unrecognized optimizer options', () => {
  it('are refused as Keras refuses them, with the spelling it takes', () => {
    expect(() => new tn.optimizers.Adam({ learning_rate: 0.5 } as never)).toThrow(/Adam: unrecognized option "learning_rate" \(did you mean learningRate\?\)/);
    expect(() => new tn.optimizers.Adam({ lr: 0.5 } as never)).toThrow(/"lr" \(did you mean learningRate\?\)/);
    expect(() => new tn.optimizers.SGD({ clipNorm: 1 } as never)).toThrow(/SGD: unrecognized option "clipNorm" \(did you mean clipnorm\?\)/);
    expect(() => new tn.optimizers.AdamW({ foo: 1 } as never)).toThrow(/AdamW: unrecognized option "foo"/);
    expect(new tn.optimizers.RMSprop({ rho: 0.8, centered: true, momentum: 0.1 }).rho).toBe(0.8);
    expect(new tn.optimizers.AdamW({ weightDecay: 0.01, amsgrad: true }).weightDecay).toBe(0.01);
  });
});

type Identifier = Parameters<typeof tn.optimizers.getOptimizer>[0];

describe('Adadelta, Adamax, Nadam and Lion', () => {
  const root = mkdtempSync(join(tmpdir(), 'tensornode-optimizers-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const data = () => {
    const x = tn.randomNormal([64, 3], 0, 1, 'float32', 21);
    return { x, y: tn.add(tn.matMul(x, tn.tensor([[0.5], [-1], [2]])), tn.scalar(0.3)) };
  };
  const regression = (optimizer: Identifier) => {
    tn.setSeed(3);
    const model = new tn.Sequential([new tn.layers.Dense(8, { activation: 'tanh', inputShape: [3] }), new tn.layers.Dense(1)]);
    model.compile({ optimizer, loss: 'mse' });
    return model;
  };
  // Adadelta's default rate of 0.001 barely moves a model in a few epochs (Keras notes it benefits from a larger one).
  const byName: [string, Identifier, new () => tn.optimizers.Optimizer][] = [
    ['nadam', 'nadam', tn.optimizers.Nadam],
    ['adamax', 'adamax', tn.optimizers.Adamax],
    ['adadelta (rate 1)', { className: 'Adadelta', config: { learningRate: 1 } }, tn.optimizers.Adadelta],
    ['lion', 'lion', tn.optimizers.Lion],
  ];

  it.each(byName)('%s reduces the loss of a small Dense regression in fit()', async (_label, id, Cls) => {
    const { x, y } = data();
    const model = regression(id);
    expect(model.optimizer).toBeInstanceOf(Cls);
    const h = await model.fit(x, y, { epochs: 15, batchSize: 16, shuffle: false, verbose: 0 });
    const loss = h.history.loss as number[];
    expect(loss[loss.length - 1]).toBeLessThan(0.8 * loss[0]);
  });

  it.each([
    ['Adadelta', () => new tn.optimizers.Adadelta({ learningRate: 0.5, rho: 0.9, epsilon: 1e-6, weightDecay: 0.01 })],
    ['Adamax', () => new tn.optimizers.Adamax({ learningRate: 0.002, beta1: 0.8, beta2: 0.99, epsilon: 1e-6, clipnorm: 1 })],
    ['Nadam', () => new tn.optimizers.Nadam({ learningRate: 0.002, beta1: 0.85, beta2: 0.95, epsilon: 1e-6, name: 'n' })],
    ['Lion', () => new tn.optimizers.Lion({ learningRate: 3e-4, beta1: 0.95, beta2: 0.98, weightDecay: 0.1 })],
  ])('%s: getConfig() gives back an equal optimizer through getOptimizer', (className, make) => {
    const opt = make();
    const again = tn.optimizers.getOptimizer({ className, config: opt.getConfig() });
    expect(again.constructor).toBe(opt.constructor);
    expect(again.getConfig()).toEqual(opt.getConfig());
  });

  // Rates that float32 holds exactly: a .keras file keeps the rate as a float32 variable, as Keras does.
  const saved: [string, () => tn.optimizers.Optimizer][] = [
    ['Nadam', () => new tn.optimizers.Nadam({ learningRate: 2 ** -6 })],
    ['Adamax', () => new tn.optimizers.Adamax({ learningRate: 2 ** -6 })],
    ['Adadelta', () => new tn.optimizers.Adadelta({ learningRate: 1 })],
    ['Lion', () => new tn.optimizers.Lion({ learningRate: 2 ** -10 })],
  ];
  it.each(['.keras', ''].flatMap((ext) => saved.map(([name, make]) => [name, ext, make] as const)))('%s: a saved model (%s) keeps the optimizer and its slots, and resumes training where it stopped', async (className, ext, make) => {
    const { x, y } = data();
    const model = regression(make());
    await model.fit(x, y, { epochs: 2, batchSize: 16, shuffle: false, verbose: 0 });
    const path = join(root, `${className}-${ext ? 'keras' : 'folder'}${ext}`);
    await model.save(path);
    const loaded = await tn.models.loadModel(path);
    expect(loaded.optimizer!.constructor.name).toBe(className);
    expect(loaded.optimizer!.getConfig()).toEqual(model.optimizer!.getConfig());
    expect(loaded.optimizer!.iterations).toBe(8);
    const slots = (m: tn.Model) => m.trainableWeights.map((v) => m.optimizer!.slotsOf(v)!.map((a) => Array.from(a)));
    expect(slots(model).flat(2).some((v) => v !== 0)).toBe(true);
    expect(slots(loaded)).toEqual(slots(model));
    await model.fit(x, y, { epochs: 1, batchSize: 16, shuffle: false, verbose: 0 });
    await loaded.fit(x, y, { epochs: 1, batchSize: 16, shuffle: false, verbose: 0 });
    expect(loaded.getWeights().map((w) => Array.from(w.data()))).toEqual(model.getWeights().map((w) => Array.from(w.data())));
  });

  it('refuse options they do not take, and betas or rho out of range, as Keras does', () => {
    expect(() => new tn.optimizers.Nadam({ lr: 0.1 } as never)).toThrow(/Nadam: unrecognized option "lr" \(did you mean learningRate\?\)/);
    expect(() => new tn.optimizers.Lion({ epsilon: 1e-7 } as never)).toThrow(/Lion: unrecognized option "epsilon"/);
    expect(() => new tn.optimizers.Adamax({ amsgrad: true } as never)).toThrow(/Adamax: unrecognized option "amsgrad"/);
    expect(() => new tn.optimizers.Adadelta({ beta1: 0.9 } as never)).toThrow(/Adadelta: unrecognized option "beta1"/);
    expect(() => new tn.optimizers.Adadelta({ rho: 1.5 })).toThrow('Adadelta: received an invalid value for `rho`, expected a number in [0, 1]. Received: rho=1.5');
    expect(() => new tn.optimizers.Adamax({ beta2: 1 })).toThrow('Adamax: received an invalid value for `beta2`, expected a number in [0, 1). Received: beta2=1');
    expect(() => new tn.optimizers.Nadam({ beta1: -0.1 })).toThrow('Nadam: received an invalid value for `beta1`, expected a number in [0, 1). Received: beta1=-0.1');
    expect(() => new tn.optimizers.Lion({ beta1: 0 })).toThrow('Lion: received an invalid value for `beta1`, expected a number in (0, 1]. Received: beta1=0');
    expect(() => new tn.optimizers.Lion({ beta2: '0.9' as never })).toThrow('Lion: received an invalid value for `beta2`, expected a number in [0, 1]. Received: beta2="0.9"');
    expect(new tn.optimizers.Lion({ beta1: 1 }).beta1).toBe(1);
  });

  it("Nadam's momentum product follows the step count, so a restored count continues the schedule", () => {
    const w0 = [0.5, -1];
    const grads = [[1, -2], [0.5, 0.25], [-1, 1], [0.2, 0.1]];
    const whole = new tn.optimizers.Nadam({ learningRate: 0.1 });
    const w = tn.variable(tn.tensor(w0));
    for (const g of grads) whole.applyGradients([[tn.tensor(g), w]]);
    // Two steps, then a new optimizer given the count and the slots (as a load does), then the last two.
    const first = new tn.optimizers.Nadam({ learningRate: 0.1 });
    const w2 = tn.variable(tn.tensor(w0));
    for (const g of grads.slice(0, 2)) first.applyGradients([[tn.tensor(g), w2]]);
    const second = new tn.optimizers.Nadam({ learningRate: 0.1 });
    second.iterations = first.iterations;
    second.restoreSlots(w2, first.slotsOf(w2)!.map((a) => Float32Array.from(a)));
    for (const g of grads.slice(2)) second.applyGradients([[tn.tensor(g), w2]]);
    expect(Array.from(w2.data())).toEqual(Array.from(w.data()));
  });
});
