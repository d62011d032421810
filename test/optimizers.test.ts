import { describe, expect, it } from 'vitest';
import * as tn from '../lib/index.js';
import { expectClose, fixture, type GoldenTensor as Spec } from './helpers/golden.js';

interface Case {
  name: string;
  op: string;
  attrs: Record<string, number | boolean>;
  inputs: { w0: Spec; grads: Spec[] };
  outputs: { weightsAfterEachStep: Spec[] };
}

const cases = fixture<{ cases: Case[] }>('optimizers.json').cases;

function make(c: Case): tn.optimizers.Optimizer {
  const a = c.attrs as Record<string, never>;
  switch (c.op) {
    case 'sgd': return new tn.optimizers.SGD(a);
    case 'adam': return new tn.optimizers.Adam(a);
    case 'adamw': return new tn.optimizers.AdamW(a);
    case 'rmsprop': return new tn.optimizers.RMSprop(a);
    case 'adagrad': return new tn.optimizers.Adagrad(a);
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

  it('resolves optimizers by name and rejects unknown ones with the list', () => {
    expect(tn.optimizers.getOptimizer('Adam')).toBeInstanceOf(tn.optimizers.Adam);
    expect(tn.optimizers.getOptimizer('rmsprop')).toBeInstanceOf(tn.optimizers.RMSprop);
    expect(() => tn.optimizers.getOptimizer('adamax2')).toThrow(/Unknown optimizer "adamax2"\. Known optimizers: sgd, adam, adamw, rmsprop, adagrad/);
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
