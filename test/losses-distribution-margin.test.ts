// KLDivergence, Poisson, CosineSimilarity, LogCosh, Hinge, SquaredHinge and CategoricalHinge: values against float64
// references written here from the definitions (shared/golden has none of these losses), gradients by finite
// differences, reductions and sample weights, names, and the errors for bad input.
import { describe, expect, it } from 'vitest';
import * as tn from '../lib/index.js';
import { expectClose } from './helpers/golden.js';
import { distinctTensor, gradCheck, randomTensor } from './helpers/gradcheck.js';

const L = tn.losses;
const EPS = 1e-7;
type Rows = number[][];

const rowsOf = (t: tn.Tensor): Rows => {
  const [n, c] = t.shape;
  const v = Array.from(t.data());
  return Array.from({ length: n }, (_, i) => v.slice(i * c, (i + 1) * c));
};
const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
const clip = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

// Float64 per-sample references, each written from the loss's definition (not from the formula the library uses).
const reference = {
  kl: (t: number[], p: number[]) => t.reduce((s, ti, k) => {
    const [a, b] = [clip(ti, EPS, 1), clip(p[k], EPS, 1)];
    return s + a * Math.log(a / b);
  }, 0),
  poisson: (t: number[], p: number[]) => mean(p.map((pk, k) => pk - t[k] * Math.log(pk + EPS))),
  cosine: (t: number[], p: number[]) => {
    const dot = t.reduce((s, x, k) => s + x * p[k], 0);
    const nt = Math.hypot(...t);
    const np = Math.hypot(...p);
    return -dot / (Math.max(nt, EPS) * Math.max(np, EPS));
  },
  logcosh: (t: number[], p: number[]) => mean(p.map((pk, k) => Math.log(Math.cosh(pk - t[k])))),
  hinge: (t: number[], p: number[]) => mean(p.map((pk, k) => Math.max(1 - t[k] * pk, 0))),
  squaredHinge: (t: number[], p: number[]) => mean(p.map((pk, k) => Math.max(1 - t[k] * pk, 0) ** 2)),
  mape: (t: number[], p: number[]) => 100 * mean(p.map((pk, k) => Math.abs(t[k] - pk) / Math.max(Math.abs(t[k]), EPS))),
  msle: (t: number[], p: number[]) => mean(p.map((pk, k) => (Math.log(Math.max(pk, EPS) + 1) - Math.log(Math.max(t[k], EPS) + 1)) ** 2)),
  categoricalHinge: (t: number[], p: number[]) => {
    const pos = t.reduce((s, x, k) => s + x * p[k], 0);
    const neg = Math.max(...p.map((pk, k) => (1 - t[k]) * pk));
    return Math.max(neg - pos + 1, 0);
  },
};

const [n, c] = [4, 5];
const softLabels = (seed: number) => tn.div(randomTensor([n, c], seed, 0.05, 1), tn.sum(randomTensor([n, c], seed, 0.05, 1), -1, true));
const probabilities = softLabels(11);
const counts = tn.tensor([[0, 1, 3, 2, 0], [4, 0, 1, 1, 2], [1, 1, 0, 5, 0], [2, 3, 1, 0, 1]]);
const rates = randomTensor([n, c], 12, 0.2, 4);
const yTrue = randomTensor([n, c], 13);
const yPred = randomTensor([n, c], 14, -3, 3);
const signs = tn.tensor([[1, -1, 1, 1, -1], [-1, -1, 1, -1, 1], [1, 1, -1, -1, -1], [-1, 1, 1, -1, 1]]);
const bits = tn.add(tn.mul(signs, 0.5), 0.5);
// Margins kept 0.1 away from the hinge's kink at t p = 1 (t = +-1, so away from p = +-1).
const hingePred = randomTensor([n, c], 15, -2, 2, [-1, 1], 0.1);
const onehot = tn.oneHot([1, 0, 4, 2], c);
// Targets away from 0 (MAPE divides by them), predictions 0.1 or more away from the target (|t - p|'s kink).
const targets = randomTensor([n, c], 19, -3, 3, [0], 0.3);
const offTarget = tn.add(targets, randomTensor([n, c], 20, -1, 1, [0], 0.1));
const positives = (seed: number) => randomTensor([n, c], seed, 0.1, 4);
// Distinct scores (no ties in the max over wrong classes) shifted so that no row sits at the hinge's kink.
const hingeScores = distinctTensor([n, c], 16, -1.5, 1.5);

interface Case {
  name: string;
  make: (args?: tn.losses.LossArgs) => tn.losses.Loss;
  ref: (t: number[], p: number[]) => number;
  t: tn.Tensor;
  p: tn.Tensor;
}
const cases: Case[] = [
  { name: 'KLDivergence', make: (a) => new L.KLDivergence(a), ref: reference.kl, t: softLabels(10), p: probabilities },
  { name: 'Poisson', make: (a) => new L.Poisson(a), ref: reference.poisson, t: counts, p: rates },
  { name: 'CosineSimilarity', make: (a) => new L.CosineSimilarity(a), ref: reference.cosine, t: yTrue, p: yPred },
  { name: 'LogCosh', make: (a) => new L.LogCosh(a), ref: reference.logcosh, t: yTrue, p: yPred },
  { name: 'Hinge', make: (a) => new L.Hinge(a), ref: reference.hinge, t: signs, p: hingePred },
  { name: 'SquaredHinge', make: (a) => new L.SquaredHinge(a), ref: reference.squaredHinge, t: signs, p: hingePred },
  { name: 'CategoricalHinge', make: (a) => new L.CategoricalHinge(a), ref: reference.categoricalHinge, t: onehot, p: hingeScores },
  { name: 'MeanAbsolutePercentageError', make: (a) => new L.MeanAbsolutePercentageError(a), ref: reference.mape, t: targets, p: offTarget },
  { name: 'MeanSquaredLogarithmicError', make: (a) => new L.MeanSquaredLogarithmicError(a), ref: reference.msle, t: positives(21), p: positives(22) },
];

describe('distribution, similarity and margin losses: values', () => {
  for (const k of cases) {
    it(`${k.name} per sample, reduced and weighted, against the float64 reference`, () => {
      const want = rowsOf(k.t).map((row, i) => k.ref(row, rowsOf(k.p)[i]));
      // Each case's values are far from zero, so the comparison is relative.
      expect(Math.min(...want.map(Math.abs))).toBeGreaterThan(1e-3);
      expectClose(k.make({ reduction: 'none' }).compute(k.t, k.p), want, 1e-5, 1e-6, `${k.name} per sample`);
      expectClose([k.make().compute(k.t, k.p).item()], [mean(want)], 1e-5, 1e-6, `${k.name} mean`);
      expectClose([k.make({ reduction: 'sum' }).compute(k.t, k.p).item()], [want.reduce((s, x) => s + x, 0)], 1e-5, 1e-6, `${k.name} sum`);
      const w = [0.5, 2, 0, 1.5];
      // Keras: weighted values summed, divided by the number of samples (not by the weights).
      const weighted = want.reduce((s, x, i) => s + x * w[i], 0);
      expectClose([k.make().compute(k.t, k.p, tn.tensor(w)).item()], [weighted / n], 1e-5, 1e-6, `${k.name} weighted mean`);
      expectClose([k.make({ reduction: 'sum' }).compute(k.t, k.p, tn.tensor(w)).item()], [weighted], 1e-5, 1e-6, `${k.name} weighted sum`);
    });
  }

  it('KLDivergence clips both sides to [eps, 1]: zero labels add nothing, zero predictions cost -log(eps)', () => {
    const v = new L.KLDivergence({ reduction: 'none' }).compute([[0, 1], [0.5, 0.5]], [[0.3, 0], [0.5, 0.5]]).data();
    expect(v[0]).toBeCloseTo(Math.log(1 / EPS), 3);
    expect(v[1]).toBe(0);
  });

  it('MeanAbsolutePercentageError divides by at least eps; MeanSquaredLogarithmicError clips negatives to eps', () => {
    expect(new L.MeanAbsolutePercentageError().compute([[0]], [[1e-3]]).item()).toBeCloseTo((100 * 1e-3) / EPS, -3);
    expect(new L.MeanSquaredLogarithmicError().compute([[0]], [[-5]]).item()).toBeLessThan(1e-12);
  });

  it('Poisson stays finite for a zero rate', () => {
    const v = new L.Poisson({ reduction: 'none' }).compute([[2]], [[0]]).item();
    expect(v).toBeCloseTo(-2 * Math.log(EPS), 3);
  });

  it('LogCosh stays finite where cosh overflows float32, and is x^2/2 for small errors', () => {
    const v = new L.LogCosh({ reduction: 'none' }).compute([[0], [0], [0]], [[100], [-100], [1e-2]]).data();
    expect(v[0]).toBeCloseTo(100 - Math.LN2, 4);
    expect(v[1]).toBeCloseTo(100 - Math.LN2, 4);
    expect(Math.abs(v[2] - Math.log(Math.cosh(1e-2)))).toBeLessThan(1e-7);
    const g = tn.grad((p: tn.Tensor) => new L.LogCosh({ reduction: 'sum' }).compute([[0, 0]], p))(tn.tensor([[100, -100]])).data();
    expect(Array.from(g)).toEqual([0.5, -0.5]); // tanh(+-100) / 2, the mean over the last axis
  });

  it('CosineSimilarity: -1 for parallel vectors, 1 for opposite, 0 (with a finite gradient) for a zero vector, along any axis', () => {
    const l = new L.CosineSimilarity({ reduction: 'none' });
    expectClose(l.compute([[1, 2], [1, 0], [0, 0]], [[2, 4], [-3, 0], [1, 1]]), [-1, 1, 0], 1e-6, 1e-6);
    const g = tn.grad((p: tn.Tensor) => new L.CosineSimilarity().compute([[1, 2]], p))(tn.tensor([[0, 0]])).data();
    expect(Array.from(g).every(Number.isFinite)).toBe(true);
    // axis 0: one value per column.
    const t = rowsOf(yTrue);
    const p = rowsOf(yPred);
    const byColumn = Array.from({ length: c }, (_, j) => reference.cosine(t.map((r) => r[j]), p.map((r) => r[j])));
    expectClose(new L.CosineSimilarity({ axis: 0, reduction: 'none' }).compute(yTrue, yPred), byColumn, 1e-5, 1e-6, 'axis 0');
    expect(new L.CosineSimilarity({ axis: 0 }).getConfig()).toMatchObject({ axis: 0 });
  });

  it('Hinge and SquaredHinge convert {0, 1} labels to {-1, 1}, and leave other labels as given', () => {
    for (const Cls of [L.Hinge, L.SquaredHinge]) {
      const a = new Cls({ reduction: 'none' }).compute(bits, hingePred).data();
      const b = new Cls({ reduction: 'none' }).compute(signs, hingePred).data();
      expect(Array.from(a)).toEqual(Array.from(b));
    }
    // Labels 0 and 0.5 are not binary: used as they are (0 -> margin 1 whatever the prediction).
    const v = new L.Hinge({ reduction: 'none' }).compute([[0, 0.5]], [[3, 1]]).item();
    expect(v).toBeCloseTo((1 + 0.5) / 2, 6);
  });

  it('sequences [batch, time, features]: one value per step, sample weights per sequence', () => {
    const t3 = tn.reshape(softLabels(18), [2, 2, c]);
    const p3 = tn.reshape(probabilities, [2, 2, c]);
    const oh3 = tn.reshape(onehot, [2, 2, c]);
    const s3 = tn.reshape(hingeScores, [2, 2, c]);
    for (const [loss, ref, t, p] of [[new L.KLDivergence({ reduction: 'none' }), reference.kl, t3, p3], [new L.CategoricalHinge({ reduction: 'none' }), reference.categoricalHinge, oh3, s3]] as const) {
      const tr = rowsOf(tn.reshape(t, [n, c]));
      const pr = rowsOf(tn.reshape(p, [n, c]));
      const want = tr.map((row, i) => ref(row, pr[i]));
      const v = loss.compute(t, p);
      expect(v.shape).toEqual([2, 2]);
      expectClose(v, want, 1e-5, 1e-6, loss.name);
      // Weights [2] scale both steps of their sequence; the mean divides by all four steps.
      const weighted = new (loss.constructor as new () => tn.losses.Loss)().compute(t, p, tn.tensor([3, 0.5])).item();
      expect(weighted).toBeCloseTo((3 * (want[0] + want[1]) + 0.5 * (want[2] + want[3])) / 4, 5);
    }
  });

  it('integer labels work like float ones', () => {
    const ints = tn.tensor([[1, 0, 1, 1, 0]], [1, 5], 'int32');
    const p = tn.tensor([[0.5, -0.2, 2, 0.1, -3]]);
    expect(new L.Hinge().compute(ints, p).item()).toBeCloseTo(new L.Hinge().compute(tn.cast(ints, 'float32'), p).item(), 6);
    expect(new L.CategoricalHinge().compute(ints, p).item()).toBeCloseTo(reference.categoricalHinge([1, 0, 1, 1, 0], [0.5, -0.2, 2, 0.1, -3]), 5);
  });
});

describe('distribution, similarity and margin losses: gradients by finite differences', () => {
  it('CategoricalHinge data stays off its kinks', () => {
    // Precondition for the check below: every row's margin neg - pos + 1 is at least 0.05 away from 0.
    const t = rowsOf(onehot);
    const p = rowsOf(hingeScores);
    for (let i = 0; i < n; i++) {
      const pos = t[i].reduce((s, x, k) => s + x * p[i][k], 0);
      const neg = Math.max(...p[i].map((x, k) => (1 - t[i][k]) * x));
      expect(Math.abs(neg - pos + 1)).toBeGreaterThan(0.05);
    }
  });
  for (const k of cases) {
    it(k.name, () => {
      const loss = k.make();
      gradCheck((p: tn.Tensor) => loss.call(k.t, p), [k.p]);
      gradCheck((p: tn.Tensor) => loss.compute(k.t, p), [k.p]);
      gradCheck((p: tn.Tensor) => loss.compute(k.t, p, tn.tensor([0.5, 2, 1, 0.25])), [k.p]);
    });
  }
  it('CosineSimilarity along axis 0, and with {0, 1} hinge labels', () => {
    gradCheck((p: tn.Tensor) => new L.CosineSimilarity({ axis: 0 }).call(yTrue, p), [yPred]);
    gradCheck((p: tn.Tensor) => new L.Hinge().call(bits, p), [hingePred]);
    gradCheck((p: tn.Tensor) => new L.SquaredHinge().call(bits, p), [hingePred]);
  });
  it('LogCosh with large errors, KLDivergence with predictions near its clip', () => {
    gradCheck((p: tn.Tensor) => new L.LogCosh().call(yTrue, p), [tn.mul(yPred, 20)]);
    gradCheck((p: tn.Tensor) => new L.KLDivergence().call(softLabels(10), p), [randomTensor([n, c], 17, 1e-3, 2e-2)]);
  });
});

describe('distribution, similarity and margin losses: names, functions and errors', () => {
  it('resolve by Keras and TF.js names and by saved config', () => {
    const byName: [string, unknown][] = [
      ['kl_divergence', L.KLDivergence], ['klDivergence', L.KLDivergence], ['kld', L.KLDivergence],
      ['kullbackLeiblerDivergence', L.KLDivergence], ['poisson', L.Poisson], ['cosine_similarity', L.CosineSimilarity],
      ['cosineSimilarity', L.CosineSimilarity], ['log_cosh', L.LogCosh], ['logcosh', L.LogCosh], ['hinge', L.Hinge],
      ['squared_hinge', L.SquaredHinge], ['squaredHinge', L.SquaredHinge], ['categorical_hinge', L.CategoricalHinge],
      ['categoricalHinge', L.CategoricalHinge], ['mape', L.MeanAbsolutePercentageError],
      ['meanAbsolutePercentageError', L.MeanAbsolutePercentageError], ['msle', L.MeanSquaredLogarithmicError],
      ['mean_squared_logarithmic_error', L.MeanSquaredLogarithmicError],
    ];
    for (const [name, Cls] of byName) {
      const l = L.getLoss(name);
      expect(l, name).toBeInstanceOf(Cls);
      expect(l.name).toBe(name);
    }
    const cos = L.getLoss({ className: 'CosineSimilarity', config: new L.CosineSimilarity({ axis: 0, reduction: 'sum' }).getConfig() });
    expect(cos).toBeInstanceOf(L.CosineSimilarity);
    expect((cos as tn.losses.CosineSimilarity).axis).toBe(0);
    expect(cos.reduction).toBe('sum');
    expect(L.getLoss({ className: 'KLDivergence' })).toBeInstanceOf(L.KLDivergence);
  });

  it('functional forms give per-sample values', () => {
    const fns: [(t: tn.TensorLike, p: tn.TensorLike) => tn.Tensor, tn.losses.Loss, tn.Tensor, tn.Tensor][] = [
      [L.klDivergence, new L.KLDivergence({ reduction: 'none' }), softLabels(10), probabilities],
      [L.kld, new L.KLDivergence({ reduction: 'none' }), softLabels(10), probabilities],
      [L.poisson, new L.Poisson({ reduction: 'none' }), counts, rates],
      [L.cosineSimilarity, new L.CosineSimilarity({ reduction: 'none' }), yTrue, yPred],
      [L.logCosh, new L.LogCosh({ reduction: 'none' }), yTrue, yPred],
      [L.logcosh, new L.LogCosh({ reduction: 'none' }), yTrue, yPred],
      [L.hinge, new L.Hinge({ reduction: 'none' }), signs, hingePred],
      [L.squaredHinge, new L.SquaredHinge({ reduction: 'none' }), signs, hingePred],
      [L.categoricalHinge, new L.CategoricalHinge({ reduction: 'none' }), onehot, hingeScores],
      [L.meanAbsolutePercentageError, new L.MeanAbsolutePercentageError({ reduction: 'none' }), targets, offTarget],
      [L.meanSquaredLogarithmicError, new L.MeanSquaredLogarithmicError({ reduction: 'none' }), positives(21), positives(22)],
    ];
    for (const [f, loss, t, p] of fns) {
      const v = f(t, p);
      expect(v.shape).toEqual([n]);
      expect(Array.from(v.data())).toEqual(Array.from(loss.compute(t, p).data()));
    }
    expect(L.cosineSimilarity(yTrue, yPred, 0).shape).toEqual([c]);
  });

  it('bad input names the loss and the shapes', () => {
    const t = tn.zeros([2, 3]);
    const p = tn.zeros([2, 4]);
    expect(() => new L.KLDivergence().compute(t, p)).toThrow(/kl_divergence: yTrue has shape \[2,3\] but yPred has shape \[2,4\]/);
    expect(() => new L.Poisson().compute(t, p)).toThrow(/poisson: yTrue has shape \[2,3\] but yPred has shape \[2,4\]/);
    expect(() => new L.CosineSimilarity().compute(t, p)).toThrow(/cosine_similarity: yTrue has shape \[2,3\] but yPred/);
    expect(() => new L.LogCosh().compute(t, p)).toThrow(/log_cosh: yTrue has shape/);
    expect(() => new L.Hinge().compute(t, p)).toThrow(/hinge: yTrue has shape \[2,3\]/);
    expect(() => new L.SquaredHinge().compute(t, p)).toThrow(/squared_hinge: yTrue has shape/);
    expect(() => new L.CategoricalHinge().compute(t, p)).toThrow(/categorical_hinge: yTrue has shape/);
    expect(() => new L.MeanAbsolutePercentageError().compute(t, p)).toThrow(/mean_absolute_percentage_error: yTrue has shape \[2,3\] but yPred/);
    expect(() => new L.MeanSquaredLogarithmicError().compute(t, p)).toThrow(/mean_squared_logarithmic_error: yTrue has shape \[2,3\] but yPred/);
    expect(() => new L.CategoricalHinge().compute(1, 2)).toThrow(/categorical_hinge: yPred must have a class axis, received shape \[\]/);
    expect(() => new L.CosineSimilarity({ axis: 2 }).compute(t, t)).toThrow(/cosine_similarity: axis 2 is out of range for yPred of shape \[2,3\]/);
    expect(() => new L.CosineSimilarity({ axis: 0.5 })).toThrow(/CosineSimilarity: axis must be an integer/);
    expect(() => new L.Poisson({ reduction: 'avg' as never })).toThrow(/Poisson: unknown reduction "avg"/);
    expect(() => new L.Hinge().compute(tn.zeros([2, 3]), p, tn.tensor([1, 2, 3]))).toThrow(/hinge: yTrue has shape/);
    expect(() => new L.Hinge().compute(p, p, tn.tensor([1, 2, 3]))).toThrow(/hinge: sample weights of shape \[3\] do not match per-sample losses of shape \[2\]/);
  });
});
