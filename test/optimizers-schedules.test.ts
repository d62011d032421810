// PolynomialDecay and CosineDecayRestarts (and CosineDecay's warmup): the rate at every step of ranges that cross the
// decay ends and the restarts, against float64 PyTorch references written from Keras's learning_rate_schedule.py
// (fixtures/schedules-keras3.py); the optimizer evaluating them at its step count; configs through the optimizer's.
import { describe, expect, it } from 'vitest';
import * as tn from '../lib/index.js';
import { fixture } from './helpers/golden.js';

interface Case {
  cls: 'PolynomialDecay' | 'CosineDecayRestarts' | 'CosineDecay';
  args: Record<string, unknown>;
  steps: number[];
  rates: number[];
}
const cases = fixture<{ cases: Case[] }>('schedules-keras3.json').cases;
const make = (c: Case) => new (tn.optimizers.schedules as unknown as Record<string, new (a: unknown) => tn.optimizers.LearningRateSchedule>)[c.cls](c.args);

describe('learning-rate schedules against Keras\'s formulas', () => {
  for (const c of cases) {
    it(`${c.cls}(${JSON.stringify(c.args)})`, () => {
      const s = make(c);
      c.steps.forEach((step, i) => expect(s.call(step), `step ${step}`).toBeCloseTo(c.rates[i], 12));
      // Rebuilt from its config, as a saved optimizer does.
      const again = tn.optimizers.schedules.getSchedule(JSON.parse(JSON.stringify({ className: s.className, config: s.getConfig() })));
      expect(again.getConfig()).toEqual(s.getConfig());
      expect(c.steps.map((step) => again.call(step))).toEqual(c.steps.map((step) => s.call(step)));
    });
  }

  it('restarts: each period tMul times longer, each peak mMul times lower', () => {
    const s = new tn.optimizers.CosineDecayRestarts({ initialLearningRate: 1, firstDecaySteps: 4, tMul: 2, mMul: 0.5 });
    // Periods start at steps 0, 4, 12, 28.
    expect([0, 4, 12, 28].map((step) => s.call(step))).toEqual([1, 0.5, 0.25, 0.125].map((v) => expect.closeTo(v, 12)));
    expect(s.call(8)).toBeCloseTo(0.25, 12); // halfway through the second period: half of its peak 0.5
    expect(new tn.optimizers.CosineDecayRestarts({ initialLearningRate: 1, firstDecaySteps: 10 }).getConfig()).toEqual({ initialLearningRate: 1, firstDecaySteps: 10, tMul: 2, mMul: 1, alpha: 0 });
    expect(new tn.optimizers.PolynomialDecay({ initialLearningRate: 1, decaySteps: 10 }).getConfig()).toEqual({ initialLearningRate: 1, decaySteps: 10, endLearningRate: 0.0001, power: 1, cycle: false });
  });

  it('drive an optimizer, and come back with it from its config', () => {
    for (const schedule of [
      new tn.optimizers.PolynomialDecay({ initialLearningRate: 0.5, decaySteps: 4, endLearningRate: 0.1, power: 2, cycle: true }),
      new tn.optimizers.CosineDecayRestarts({ initialLearningRate: 0.5, firstDecaySteps: 3, tMul: 1.5, mMul: 0.7, alpha: 0.1 }),
    ]) {
      const opt = new tn.optimizers.SGD({ learningRate: schedule });
      const w = tn.variable(tn.zeros([1]));
      for (let step = 0; step < 12; step++) {
        const before = w.item();
        opt.applyGradients([[tn.tensor([1]), w]]);
        expect(before - w.item(), `${schedule.className} step ${step}`).toBeCloseTo(schedule.call(step), 6);
      }
      const again = tn.optimizers.getOptimizer(JSON.parse(JSON.stringify({ className: 'SGD', config: opt.getConfig() })));
      expect(again.getConfig()).toEqual(opt.getConfig());
    }
  });

  it('reject bad arguments, naming the schedule and the argument', () => {
    expect(() => new tn.optimizers.PolynomialDecay({ initialLearningRate: 0.1, decaySteps: 0 })).toThrow(/PolynomialDecay: received an invalid value for `decaySteps`, expected a positive number. Received: decaySteps=0/);
    expect(() => new tn.optimizers.PolynomialDecay({ initialLearningRate: 0.1, decaySteps: 5, power: NaN })).toThrow(/PolynomialDecay: received an invalid value for `power`, expected a finite number/);
    expect(() => new tn.optimizers.PolynomialDecay({ initialLearningRate: 0.1, decaySteps: 5, staircase: true } as never)).toThrow(/staircase/);
    expect(() => new tn.optimizers.CosineDecayRestarts({ initialLearningRate: 0.1, firstDecaySteps: -2 })).toThrow(/CosineDecayRestarts: received an invalid value for `firstDecaySteps`/);
    expect(() => new tn.optimizers.CosineDecayRestarts({ initialLearningRate: 0.1, firstDecaySteps: 2, tMul: 0 })).toThrow(/CosineDecayRestarts: received an invalid value for `tMul`, expected a positive number/);
    expect(() => new tn.optimizers.CosineDecayRestarts({ initialLearningRate: 0.1, firstDecaySteps: 2, t_mul: 2 } as never)).toThrow(/t_mul/);
  });
});
