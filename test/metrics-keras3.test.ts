// Keras 3's threshold counts (TruePositives, FalsePositives, TrueNegatives, FalseNegatives), the metrics at a point
// of a curve (PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity), R2Score,
// PearsonCorrelation and ConcordanceCorrelation: against float64 PyTorch references written from Keras's formulas
// (fixtures/metrics-keras3.py), Keras's documented examples, over several batches, by name and class in compile(),
// fit and evaluate logs, and saved with a model.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tn from '../lib/index.js';
import { expectClose, fixture, toTensor, type GoldenTensor } from './helpers/golden.js';
import { rng } from './helpers/gradcheck.js';

const M = tn.metrics;

interface Case {
  kind: 'counts' | 'atValue' | 'r2' | 'correlation';
  cls?: string;
  thresholds?: number | number[] | null;
  args?: Record<string, unknown>;
  axis?: number;
  yTrue: GoldenTensor;
  yPred: GoldenTensor;
  sampleWeight?: GoldenTensor | null;
  tp?: number[]; fp?: number[]; tn?: number[]; fn?: number[];
  result?: number | number[];
  values?: GoldenTensor;
}
const cases = fixture<{ cases: Case[] }>('metrics-keras3.json').cases;
const of = (kind: Case['kind']) => cases.filter((c) => c.kind === kind);

/** Rows [0, at) and [at, n) of a tensor, for updates in two batches. */
function halves(t: tn.Tensor, at: number): [tn.Tensor, tn.Tensor] {
  const row = t.size / t.shape[0];
  const v = t.data();
  return [tn.tensor(v.slice(0, at * row), [at, ...t.shape.slice(1)]), tn.tensor(v.slice(at * row), [t.shape[0] - at, ...t.shape.slice(1)])];
}
function inTwoBatches(m: tn.metrics.Metric, c: Case): void {
  m.resetState();
  const at = Math.floor(c.yTrue.shape[0] / 3);
  const [t1, t2] = halves(toTensor(c.yTrue), at);
  const [p1, p2] = halves(toTensor(c.yPred), at);
  const [w1, w2] = c.sampleWeight ? halves(toTensor(c.sampleWeight), at) : [null, null];
  m.updateState(t1, p1, w1);
  m.updateState(t2, p2, w2);
}

/** One update of plain arrays, as Keras's docstring examples. */
function run(m: tn.metrics.Metric, t: number[], p: number[], w?: number[]): number {
  m.resetState();
  m.updateState(t, p, w ? tn.tensor(w) : null);
  return m.result();
}

describe('TruePositives, FalsePositives, TrueNegatives, FalseNegatives', () => {
  it("match Keras's documented examples", () => {
    expect(run(new M.FalsePositives(), [0, 1, 0, 0], [0, 0, 1, 1])).toBe(2);
    expect(run(new M.FalsePositives(), [0, 1, 0, 0], [0, 0, 1, 1], [0, 0, 1, 0])).toBe(1);
    expect(run(new M.FalseNegatives(), [0, 1, 1, 1], [0, 1, 0, 0])).toBe(2);
    expect(run(new M.FalseNegatives(), [0, 1, 1, 1], [0, 1, 0, 0], [0, 0, 1, 0])).toBe(1);
    expect(run(new M.TrueNegatives(), [0, 1, 0, 0], [1, 1, 0, 0])).toBe(2);
    expect(run(new M.TrueNegatives(), [0, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0])).toBe(1);
    expect(run(new M.TruePositives(), [0, 1, 1, 1], [1, 0, 1, 1])).toBe(2);
    expect(run(new M.TruePositives(), [0, 1, 1, 1], [1, 0, 1, 1], [0, 0, 1, 0])).toBe(1);
  });

  const classes = { tp: M.TruePositives, fp: M.FalsePositives, tn: M.TrueNegatives, fn: M.FalseNegatives } as const;
  for (const c of of('counts')) {
    it(`thresholds ${JSON.stringify(c.thresholds)}${c.sampleWeight ? ', weighted' : ''}: the counts at every threshold, in one or two batches`, () => {
      for (const [key, Cls] of Object.entries(classes)) {
        const m = new Cls(c.thresholds === null ? {} : { thresholds: c.thresholds! });
        const expected = c[key as keyof typeof classes]!;
        inTwoBatches(m, c);
        expect(m.resultPerThreshold(), `${m.name}`).toEqual(expected.map((v) => expect.closeTo(v, 4)));
        m.resetState();
        m.updateState(toTensor(c.yTrue), toTensor(c.yPred), c.sampleWeight ? toTensor(c.sampleWeight) : null);
        expect(m.resultPerThreshold()).toEqual(expected.map((v) => expect.closeTo(v, 4)));
        if (expected.length === 1) expect(m.result()).toBeCloseTo(expected[0], 4);
        else expect(() => m.result()).toThrow(new RegExp(`${m.name}: with ${expected.length} thresholds the result is one count per threshold; read resultPerThreshold\\(\\)`));
        m.resetState();
        expect(m.resultPerThreshold()).toEqual(expected.map(() => 0));
      }
    });
  }

  it('reject bad arguments and input, naming the metric', () => {
    expect(() => new M.TruePositives({ thresholds: 1.5 })).toThrow(/TruePositives: threshold values must be numbers in \[0, 1\], received thresholds=1.5/);
    expect(() => new M.FalseNegatives({ thresholds: [0.2, -1] })).toThrow(/FalseNegatives: threshold values/);
    expect(() => new M.TrueNegatives({ thresholds: [] })).toThrow(/TrueNegatives: threshold values/);
    expect(() => new M.FalsePositives({ threshold: 0.3 } as never)).toThrow(/threshold/);
    expect(() => new M.TruePositives().updateState([1, 0, 1], [0.2, 0.9])).toThrow(/true_positives: expected 2 labels \(one per prediction\), received yTrue of shape \[3\]/);
    expect(() => new M.TruePositives().updateState([1, 0], [0.2, 0.9], tn.tensor([1, 2, 3]))).toThrow(/true_positives: sample weights of shape \[3\] do not match 2 predicted values/);
  });
});

describe('PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity', () => {
  it("match Keras's documented examples", () => {
    const t = [0, 0, 0, 1, 1];
    const p = [0, 0.3, 0.8, 0.3, 0.8];
    expect(run(new M.SensitivityAtSpecificity(0.5), t, p)).toBeCloseTo(0.5, 6);
    expect(run(new M.SensitivityAtSpecificity(0.5), t, p, [1, 1, 2, 2, 1])).toBeCloseTo(0.333333, 6);
    expect(run(new M.SpecificityAtSensitivity(0.5), t, p)).toBeCloseTo(0.66666667, 6);
    expect(run(new M.SpecificityAtSensitivity(0.5), t, p, [1, 1, 2, 2, 2])).toBeCloseTo(0.5, 6);
    expect(run(new M.PrecisionAtRecall(0.5), t, p)).toBeCloseTo(0.5, 6);
    expect(run(new M.PrecisionAtRecall(0.5), t, p, [2, 2, 2, 1, 1])).toBeCloseTo(0.33333333, 6);
    expect(run(new M.RecallAtPrecision(0.8), [0, 0, 1, 1], [0, 0.5, 0.3, 0.9])).toBeCloseTo(0.5, 6);
    expect(run(new M.RecallAtPrecision(0.8), [0, 0, 1, 1], [0, 0.5, 0.3, 0.9], [1, 0, 0, 1])).toBeCloseTo(1, 6);
  });

  for (const c of of('atValue')) {
    it(`${c.cls}(${JSON.stringify(c.args)})${c.sampleWeight ? ', weighted' : ''}`, () => {
      const Cls = (M as unknown as Record<string, new (a: unknown) => tn.metrics.Metric>)[c.cls!];
      const m = new Cls(c.args);
      inTwoBatches(m, c);
      expect(m.result()).toBeCloseTo(c.result as number, 6);
      // The target value as the first argument, Keras's positional form.
      const [key] = Object.keys(c.args!);
      const { [key]: value, ...rest } = c.args!;
      const positional = new (Cls as unknown as new (v: unknown, a: unknown) => tn.metrics.Metric)(value, rest);
      positional.updateState(toTensor(c.yTrue), toTensor(c.yPred), c.sampleWeight ? toTensor(c.sampleWeight) : null);
      expect(positional.result()).toBeCloseTo(c.result as number, 6);
      expect(positional.getConfig()).toEqual(m.getConfig());
    });
  }

  it('reject bad arguments and input, naming the metric', () => {
    expect(() => new M.PrecisionAtRecall(1.2)).toThrow(/PrecisionAtRecall: argument `recall` must be a number in the range \[0, 1\], received recall=1.2/);
    expect(() => new M.RecallAtPrecision({} as never)).toThrow(/RecallAtPrecision: argument `precision` must be a number/);
    expect(() => new M.SensitivityAtSpecificity(0.5, { numThresholds: 0 })).toThrow(/SensitivityAtSpecificity: argument `numThresholds` must be an integer > 0, received numThresholds=0/);
    expect(() => new M.SpecificityAtSensitivity(0.5, { classId: -1 })).toThrow(/SpecificityAtSensitivity: classId must be a non-negative integer/);
    expect(() => new M.SpecificityAtSensitivity(0.5, { classId: 3 }).updateState([[1, 0, 0]], [[0.2, 0.3, 0.5]])).toThrow(/specificity_at_sensitivity: classId 3 is out of range for predictions of shape \[1,3\]/);
    expect(() => new M.PrecisionAtRecall(0.5, { classId: 0 }).updateState([1, 0], [0.2, 0.3])).toThrow(/precision_at_recall: with classId, predictions must have shape \[samples, classes\], received \[2\]/);
  });
});

describe('R2Score', () => {
  it("matches Keras's documented example", () => {
    const m = new M.R2Score();
    m.updateState([[1], [4], [3]], [[2], [4], [4]]);
    expect(m.result()).toBeCloseTo(0.57142854, 6);
  });

  for (const c of of('r2')) {
    it(`classAggregation ${c.args!.classAggregation}, numRegressors ${c.args!.numRegressors}${c.sampleWeight ? ', weighted' : ''}`, () => {
      const m = new M.R2Score(c.args as tn.metrics.R2ScoreArgs);
      inTwoBatches(m, c);
      if (Array.isArray(c.result)) {
        expect(m.resultPerClass()).toEqual(c.result.map((v) => expect.closeTo(v, 6)));
        expect(() => m.result()).toThrow(/r2_score: with classAggregation null the result is one score per output; read resultPerClass\(\)/);
      } else expect(m.result()).toBeCloseTo(c.result!, 6);
    });
  }

  it('a constant target: its output scores 0 where the residual is nonzero; resetState', () => {
    const m = new M.R2Score();
    m.updateState([[2, 1], [2, 3]], [[1, 1], [2, 3]]);
    expect(m.resultPerClass()).toEqual([0, 1]);
    expect(m.result()).toBe(0.5);
    m.resetState();
    expect(m.result()).toBe(0);
  });

  it('rejects bad arguments and input, naming the metric and the shapes', () => {
    expect(() => new M.R2Score({ classAggregation: 'mean' as never })).toThrow(/R2Score: invalid value for argument `classAggregation`/);
    expect(() => new M.R2Score({ numRegressors: -1 })).toThrow(/R2Score: invalid value for argument `numRegressors`; expected an integer >= 0, received numRegressors=-1/);
    expect(() => new M.R2Score().updateState([1, 2], [1, 2])).toThrow(/r2_score: expects 2D inputs of shape \[batchSize, outputDim\], received yTrue of shape \[2\] and yPred of shape \[2\]/);
    const m = new M.R2Score();
    m.updateState([[1, 2]], [[1, 2]]);
    expect(() => m.updateState([[1, 2, 3]], [[1, 2, 3]])).toThrow(/r2_score: predictions of shape \[1,3\] have 3 outputs, earlier batches had 2/);
    expect(() => M.getMetric(new M.R2Score({ classAggregation: null }))).toThrow(/compile\(\) cannot log/);
  });
});

describe('PearsonCorrelation and ConcordanceCorrelation', () => {
  it("match Keras's documented examples", () => {
    const t = [[0, 1, 0.5], [1, 1, 0.2]];
    const p = [[0.1, 0.9, 0.5], [1, 0.9, 0.2]];
    const pcc = new M.PearsonCorrelation({ axis: -1 });
    pcc.updateState(t, p);
    expect(pcc.result()).toBeCloseTo(0.9966996338993913, 5);
    const ccc = new M.ConcordanceCorrelation({ axis: -1 });
    ccc.updateState(t, p);
    expect(ccc.result()).toBeCloseTo(0.9816320385426076, 5);
  });

  for (const c of of('correlation')) {
    it(`${c.cls} of shape [${c.yTrue.shape}] along axis ${c.axis}: the mean of the per-position coefficients`, () => {
      const Cls = c.cls === 'PearsonCorrelation' ? M.PearsonCorrelation : M.ConcordanceCorrelation;
      const m = new Cls({ axis: c.axis });
      m.updateState(toTensor(c.yTrue), toTensor(c.yPred));
      const values = c.values!.data;
      expect(m.result()).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 5);
      if (c.axis === -1 && c.yTrue.shape.length === 2) {
        // Weighted, and over two batches: the weighted mean of the per-row coefficients.
        const w = Array.from({ length: c.yTrue.shape[0] }, (_, i) => 0.5 + (i % 3));
        inTwoBatches(m, { ...c, sampleWeight: { shape: [w.length], data: w } });
        expect(m.result()).toBeCloseTo(values.reduce((a, v, i) => a + v * w[i], 0) / w.reduce((a, b) => a + b, 0), 5);
      }
    });
  }

  it('reject bad input, naming the metric and the shapes', () => {
    expect(() => new M.PearsonCorrelation().updateState([[1, 2]], [[1, 2, 3]])).toThrow(/pearson_correlation: yTrue of shape \[1,2\] and yPred of shape \[1,3\] must have the same shape/);
    expect(() => new M.ConcordanceCorrelation({ axis: 2 }).updateState([[1, 2]], [[1, 2]])).toThrow(/concordance_correlation: axis 2 is out of range for inputs of shape \[1,2\]/);
    expect(() => new M.ConcordanceCorrelation({ axis: 0.5 })).toThrow(/ConcordanceCorrelation: axis must be an integer/);
    expect(() => new M.PearsonCorrelation().updateState([[1, 2], [3, 1], [0, 1]], [[1, 2], [2, 2], [1, 0]], tn.tensor([1, 2]))).toThrow(/pearson_correlation: sample weights of shape \[2\] do not match the 3 coefficients along axis -1/);
  });
});

describe('by name and class in compile(), fit, evaluate and saving', () => {
  const root = mkdtempSync(join(tmpdir(), 'tensornode-metrics-keras3-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("Keras's string names", () => {
    const names: [string, unknown, string][] = [
      ['true_positives', M.TruePositives, 'true_positives'], ['TruePositives', M.TruePositives, 'true_positives'],
      ['false_positives', M.FalsePositives, 'false_positives'], ['true_negatives', M.TrueNegatives, 'true_negatives'],
      ['false_negatives', M.FalseNegatives, 'false_negatives'], ['r2_score', M.R2Score, 'r2_score'], ['R2Score', M.R2Score, 'r2_score'],
      ['pearson_correlation', M.PearsonCorrelation, 'pearson_correlation'], ['ConcordanceCorrelation', M.ConcordanceCorrelation, 'concordance_correlation'],
    ];
    for (const [name, Cls, logged] of names) {
      const m = M.getMetric(name);
      expect(m, name).toBeInstanceOf(Cls);
      expect(m.name).toBe(logged);
    }
    // These need their target value, which a name cannot give (Keras fails on them too).
    expect(() => M.getMetric('precision_at_recall')).toThrow(/Unknown metric "precision_at_recall"/);
    expect(() => M.getMetric(new M.TruePositives({ thresholds: [0.2, 0.8] }))).toThrow(/true_positives: with 2 thresholds the result is one count per threshold, which compile\(\) cannot log/);
  });

  it('every new class comes back from its config with the same options and results', () => {
    const next = rng(5);
    const t = tn.tensor(Array.from({ length: 30 }, () => (next() < 0.4 ? 1 : 0)), [10, 3]);
    const p = tn.tensor(Array.from({ length: 30 }, () => next()), [10, 3]);
    const metrics: tn.metrics.Metric[] = [
      new M.TruePositives({ thresholds: 0.3, name: 'tp30' }), new M.FalsePositives({ thresholds: [0.4] }), new M.TrueNegatives(), new M.FalseNegatives({ thresholds: [0.1, 0.6] }),
      new M.PrecisionAtRecall(0.4, { numThresholds: 11, classId: 2 }), new M.RecallAtPrecision({ precision: 0.3 }),
      new M.SensitivityAtSpecificity(0.6, { numThresholds: 1 }), new M.SpecificityAtSensitivity(0.2, { name: 's' }),
      new M.R2Score({ classAggregation: 'variance_weighted_average', numRegressors: 2 }), new M.R2Score({ classAggregation: null }),
      new M.PearsonCorrelation({ axis: 0 }), new M.ConcordanceCorrelation({ name: 'ccc' }),
    ];
    const value = (m: tn.metrics.Metric) => {
      m.resetState();
      m.updateState(t, p);
      return m instanceof M.R2Score && m.classAggregation === null ? m.resultPerClass() : 'resultPerThreshold' in m ? (m as tn.metrics.TruePositives).resultPerThreshold() : m.result();
    };
    for (const m of metrics) {
      const spec = M.serializeMetric(m)!;
      expect(spec, m.constructor.name).not.toBeNull();
      const again = M.getMetric(JSON.parse(JSON.stringify(spec)));
      expect(again.constructor).toBe(m.constructor);
      expect(again.getConfig()).toEqual(m.getConfig());
      expect(value(again), m.name).toEqual(value(m));
    }
  });

  it('a classifier and a regressor log the new metrics in fit and evaluate, and keep them when saved and loaded', async () => {
    const next = rng(17);
    const n = 64;
    const xs = Array.from({ length: n * 2 }, () => next() * 2 - 1);
    const x = tn.tensor(xs, [n, 2]);
    const y = tn.tensor(Array.from({ length: n }, (_, i) => (xs[2 * i] + 0.5 * xs[2 * i + 1] > 0 ? 1 : 0)), [n, 1]);
    const model = new tn.Sequential([new tn.layers.Dense(1, { activation: 'sigmoid', inputShape: [2], kernelInitializer: new tn.initializers.GlorotUniform({ seed: 2 }) })]);
    model.compile({
      optimizer: new tn.optimizers.Adam({ learningRate: 0.1 }), loss: 'binary_crossentropy',
      metrics: ['true_positives', 'false_positives', 'true_negatives', 'false_negatives', new M.PrecisionAtRecall(0.9), new M.RecallAtPrecision(0.9), new M.SensitivityAtSpecificity(0.9), new M.SpecificityAtSensitivity(0.9)],
    });
    const h = await model.fit(x, y, { epochs: 30, batchSize: 16, verbose: 0 });
    const keys = ['loss', 'true_positives', 'false_positives', 'true_negatives', 'false_negatives', 'precision_at_recall', 'recall_at_precision', 'sensitivity_at_specificity', 'specificity_at_sensitivity'];
    expect(Object.keys(h.history).sort()).toEqual(keys.slice().sort());
    // Each epoch's counts add up to every sample once.
    for (let e = 0; e < 30; e++) expect(h.history.true_positives[e] + h.history.false_positives[e] + h.history.true_negatives[e] + h.history.false_negatives[e]).toBe(n);
    expect(h.history.sensitivity_at_specificity[29]).toBeGreaterThan(0.9);
    const logs = await model.evaluate(x, y, { batchSize: 20, verbose: 0, returnDict: true });
    const pred = model.predict(x) as tn.Tensor;
    const direct = (m: tn.metrics.Metric) => (m.updateState(y, pred), m.result());
    expect(logs.true_positives).toBe(direct(new M.TruePositives()));
    expect(logs.false_negatives).toBe(direct(new M.FalseNegatives()));
    expect(logs.recall_at_precision).toBeCloseTo(direct(new M.RecallAtPrecision(0.9)), 9);
    expect(logs.specificity_at_sensitivity).toBeCloseTo(direct(new M.SpecificityAtSensitivity(0.9)), 9);
    const dir = join(root, 'classifier');
    await model.save(dir);
    const loaded = await tn.models.loadModel(dir);
    expect(loaded.metricsNames).toEqual(model.metricsNames);
    expect(await loaded.evaluate(x, y, { batchSize: 20, verbose: 0 })).toEqual(await model.evaluate(x, y, { batchSize: 20, verbose: 0 }));

    const target = tn.tensor(Array.from({ length: n * 2 }, (_, i) => (i % 2 ? xs[i - 1] - xs[i] : 2 * xs[i] + xs[i + 1])), [n, 2]);
    const reg = new tn.Sequential([new tn.layers.Dense(2, { inputShape: [2], kernelInitializer: new tn.initializers.GlorotUniform({ seed: 3 }) })]);
    reg.compile({ optimizer: new tn.optimizers.Adam({ learningRate: 0.05 }), loss: 'mse', metrics: ['r2_score', 'pearson_correlation', new M.ConcordanceCorrelation({ axis: 0 }), new M.R2Score({ numRegressors: 2, name: 'adjusted_r2' })] });
    const hr = await reg.fit(x, target, { epochs: 40, batchSize: 16, verbose: 0 });
    expect(hr.history.r2_score[39]).toBeGreaterThan(0.95);
    expect(hr.history.r2_score[39]).toBeGreaterThan(hr.history.r2_score[0]);
    expect(hr.history.adjusted_r2[39]).toBeLessThan(hr.history.r2_score[39]);
    const rlogs = await reg.evaluate(x, target, { batchSize: n, verbose: 0, returnDict: true });
    const rpred = reg.predict(x) as tn.Tensor;
    const r2 = new M.R2Score();
    r2.updateState(target, rpred);
    expect(rlogs.r2_score).toBeCloseTo(r2.result(), 9);
    const ccc = new M.ConcordanceCorrelation({ axis: 0 });
    ccc.updateState(target, rpred);
    expect(rlogs.concordance_correlation).toBeCloseTo(ccc.result(), 6);
    const rdir = join(root, 'regressor');
    await reg.save(rdir);
    const rloaded = await tn.models.loadModel(rdir);
    expect(rloaded.metricsNames).toEqual(reg.metricsNames);
    expect(await rloaded.evaluate(x, target, { batchSize: 16, verbose: 0 })).toEqual(await reg.evaluate(x, target, { batchSize: 16, verbose: 0 }));
  });
});
