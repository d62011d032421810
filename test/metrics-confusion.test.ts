// Metrics built on counts: Precision and Recall (thresholds, topK, classId), AUC (ROC and PR), IoU / MeanIoU,
// FBetaScore / F1Score; the losses as metrics; and all of them by name in compile(), fit, evaluate and saving.
// References are independent of the implementation: pairwise (Mann-Whitney) AUC, numerical integration of the
// interpolated precision-recall curve, direct counts for IoU and F-scores, and Keras's documented examples.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tn from '../lib/index.js';
import { rng } from './helpers/gradcheck.js';

const M = tn.metrics;

/** One update per batch of `rows` rows must give the same result as one update with everything. */
function splitRows(t: tn.Tensor, at: number[]): tn.Tensor[] {
  const row = t.size / t.shape[0];
  const v = t.data();
  const bounds = [0, ...at, t.shape[0]];
  return bounds.slice(1).map((end, i) => tn.tensor(v.slice(bounds[i] * row, end * row), [end - bounds[i], ...t.shape.slice(1)], t.dtype));
}
function accumulate(m: tn.metrics.Metric, t: tn.Tensor, p: tn.Tensor, w: tn.Tensor | null, at: number[]): number {
  m.resetState();
  const ts = splitRows(t, at);
  const ps = splitRows(p, at);
  const ws = w ? splitRows(w, at) : null;
  ts.forEach((tb, i) => m.updateState(tb, ps[i], ws ? ws[i] : null));
  return m.result();
}
function oneShot(m: tn.metrics.Metric, t: tn.Tensor, p: tn.Tensor, w: tn.Tensor | null = null): number {
  m.resetState();
  m.updateState(t, p, w);
  return m.result();
}

// Binary classification data: scores that separate the classes only partly.
function binaryData(n: number, seed: number): { t: number[]; p: number[]; w: number[] } {
  const next = rng(seed);
  const t: number[] = [];
  const p: number[] = [];
  const w: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = next() < 0.4 ? 1 : 0;
    t.push(label);
    p.push(Math.fround(Math.min(0.999, Math.max(0.001, 0.35 * label + 0.65 * next()))));
    w.push(0.25 + 2 * next());
  }
  return { t, p, w };
}

/** Weighted Mann-Whitney statistic: the probability that a positive scores above a negative, ties counting 1/2. */
function pairwiseAUC(t: number[], s: number[], w: number[] = t.map(() => 1)): number {
  let num = 0;
  let wp = 0;
  let wn = 0;
  for (let i = 0; i < t.length; i++) (t[i] ? (wp += w[i]) : (wn += w[i]));
  for (let i = 0; i < t.length; i++) {
    if (!t[i]) continue;
    for (let j = 0; j < t.length; j++) {
      if (t[j]) continue;
      num += w[i] * w[j] * (s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0);
    }
  }
  return num / (wp * wn);
}

describe('Precision and Recall', () => {
  it("match Keras's documented examples", () => {
    const p = new M.Precision();
    p.updateState([0, 1, 1, 1], [1, 0, 1, 1]);
    expect(p.result()).toBeCloseTo(2 / 3, 6);
    expect(oneShot(p, tn.tensor([0, 1, 1, 1]), tn.tensor([1, 0, 1, 1]), tn.tensor([0, 0, 1, 0]))).toBe(1);
    expect(oneShot(new M.Precision({ topK: 2 }), tn.tensor([0, 0, 1, 1]), tn.tensor([1, 1, 1, 1]))).toBe(0);
    expect(oneShot(new M.Precision({ topK: 4 }), tn.tensor([0, 0, 1, 1]), tn.tensor([1, 1, 1, 1]))).toBe(0.5);
    const r = new M.Recall();
    r.updateState([0, 1, 1, 1], [1, 0, 1, 1]);
    expect(r.result()).toBeCloseTo(2 / 3, 6);
    expect(oneShot(r, tn.tensor([0, 1, 1, 1]), tn.tensor([1, 0, 1, 1]), tn.tensor([0, 0, 1, 0]))).toBe(1);
  });

  // Multi-label rows with distinct scores (no ties for top k).
  const yTrue = tn.tensor([[1, 0, 1, 0], [0, 0, 1, 1], [1, 1, 0, 0], [0, 1, 0, 0], [1, 0, 0, 1], [0, 0, 0, 1]]);
  const yPred = tn.tensor([[0.9, 0.2, 0.4, 0.7], [0.3, 0.6, 0.8, 0.1], [0.55, 0.45, 0.05, 0.35], [0.1, 0.2, 0.3, 0.95], [0.65, 0.15, 0.25, 0.6], [0.5, 0.52, 0.48, 0.3]]);
  const weights = tn.tensor([1, 0.5, 2, 1.5, 0.25, 3]);

  /** Direct counts: element (r, c) is predicted positive if in the row's top k (when given) and above the threshold. */
  function counts(threshold: number, topK: number | null, classId: number | null, w: number[] | null) {
    const t = yTrue.array() as number[][];
    const p = yPred.array() as number[][];
    let tp = 0;
    let fp = 0;
    let fn = 0;
    t.forEach((row, r) => {
      const top = topK === null ? null : new Set(p[r].map((v, c) => [v, c]).sort((a, b) => b[0] - a[0]).slice(0, topK).map((x) => x[1]));
      row.forEach((label, c) => {
        if (classId !== null && c !== classId) return;
        const pos = (top === null || top.has(c)) && p[r][c] > threshold;
        const weight = w ? w[r] : 1;
        if (pos && label) tp += weight;
        if (pos && !label) fp += weight;
        if (!pos && label) fn += weight;
      });
    });
    return { precision: tp / (tp + fp), recall: tp / (tp + fn) };
  }

  const settings: [string, tn.metrics.ConfusionArgs, number, number | null, number | null][] = [
    ['threshold 0.5', {}, 0.5, null, null],
    ['threshold 0.3', { thresholds: 0.3 }, 0.3, null, null],
    ['thresholds [0.6]', { thresholds: [0.6] }, 0.6, null, null],
    ['topK 1', { topK: 1 }, -Infinity, 1, null],
    ['topK 2, threshold 0.5', { topK: 2, thresholds: 0.5 }, 0.5, 2, null],
    ['classId 3', { classId: 3 }, 0.5, null, 3],
    ['topK 2, classId 0', { topK: 2, classId: 0 }, -Infinity, 2, 0],
  ];
  for (const [what, args, threshold, topK, classId] of settings) {
    it(`${what}: direct counts, sample weights, several batches and resetState`, () => {
      for (const w of [null, weights]) {
        const want = counts(threshold, topK, classId, w ? Array.from(w.data()) : null);
        const p = new M.Precision(args);
        const r = new M.Recall(args);
        expect(oneShot(p, yTrue, yPred, w)).toBeCloseTo(want.precision, 6);
        expect(oneShot(r, yTrue, yPred, w)).toBeCloseTo(want.recall, 6);
        expect(accumulate(p, yTrue, yPred, w, [2, 3])).toBeCloseTo(want.precision, 12);
        expect(accumulate(r, yTrue, yPred, w, [1, 5])).toBeCloseTo(want.recall, 12);
      }
      const p = new M.Precision(args);
      p.updateState(yTrue, yPred);
      p.resetState();
      expect(p.result()).toBe(0);
    });
  }

  it('reject bad arguments, naming the metric', () => {
    expect(() => new M.Precision({ thresholds: 1.5 })).toThrow(/Precision: threshold values must be in \[0, 1\]/);
    expect(() => new M.Recall({ thresholds: [0.2, 0.5] })).toThrow(/Recall: one threshold is supported/);
    expect(() => new M.Precision({ topK: 0 })).toThrow(/Precision: topK must be a positive integer/);
    expect(() => new M.Recall({ classId: -1 })).toThrow(/Recall: classId must be a non-negative integer/);
    expect(() => new M.Recall({ classId: 4 }).updateState(yTrue, yPred)).toThrow(/recall: classId 4 is out of range for predictions of shape \[6,4\]/);
    expect(() => new M.Precision().updateState(tn.zeros([5]), tn.zeros([4]))).toThrow(/precision: expected 4 values, received yTrue of shape \[5\]/);
    expect(() => new M.Precision().updateState(yTrue, yPred, tn.tensor([1, 2, 3, 4, 5]))).toThrow(/precision: sample weights of shape \[5\] do not match 24 predicted values/);
  });
});

describe('AUC', () => {
  const data = binaryData(300, 21);
  const t = tn.tensor(data.t, [300, 1]);
  const p = tn.tensor(data.p, [300, 1]);
  const w = tn.tensor(data.w);
  // Keras compares predictions with the thresholds -eps, 1/199, ..., 198/199, 1 + eps: two scores between the same
  // pair of thresholds are not told apart, so the curve's area is the pairwise statistic of the bucketed scores.
  const bucket = (s: number, T = 200) => Math.floor(s * (T - 1));

  it('ROC: the pairwise statistic of the scores at the thresholds\' resolution, and within its bound of the exact one', () => {
    const auc = oneShot(new M.AUC(), t, p);
    expect(Math.abs(auc - pairwiseAUC(data.t, data.p.map((s) => bucket(s))))).toBeLessThan(1e-9);
    // Against the exact AUC, the discretisation costs at most half the share of positive-negative pairs in one bucket.
    let shared = 0;
    let pairs = 0;
    for (let i = 0; i < 300; i++) for (let j = 0; j < 300; j++) {
      if (!data.t[i] || data.t[j]) continue;
      pairs++;
      if (bucket(data.p[i]) === bucket(data.p[j])) shared++;
    }
    const exact = pairwiseAUC(data.t, data.p);
    expect(Math.abs(auc - exact)).toBeLessThanOrEqual((0.5 * shared) / pairs + 1e-12);
    expect(shared / pairs).toBeLessThan(0.02); // the bound is tight enough to mean something
    expect(exact).toBeGreaterThan(0.7);
    expect(exact).toBeLessThan(0.95);
  });

  it('ROC equals the exact AUC when scores sit at the thresholds\' resolution (ties included)', () => {
    const next = rng(5);
    const tt: number[] = [];
    const ss: number[] = [];
    for (let i = 0; i < 200; i++) {
      const label = next() < 0.5 ? 1 : 0;
      tt.push(label);
      ss.push(Math.fround((Math.floor((0.2 * label + 0.8 * next()) * 20) + 0.5) / 20)); // 20 distinct values
    }
    expect(oneShot(new M.AUC(), tn.tensor(tt), tn.tensor(ss))).toBeCloseTo(pairwiseAUC(tt, ss), 12);
    expect(oneShot(new M.AUC({ numThresholds: 21 }), tn.tensor(tt), tn.tensor(ss))).toBeCloseTo(pairwiseAUC(tt, ss), 12);
  });

  it('sample weights weight the pairs', () => {
    const auc = oneShot(new M.AUC(), t, p, w);
    expect(Math.abs(auc - pairwiseAUC(data.t, data.p.map((s) => bucket(s)), data.w))).toBeLessThan(1e-9);
    expect(Math.abs(auc - oneShot(new M.AUC(), t, p))).toBeGreaterThan(1e-4); // far above the 1e-9 agreement
  });

  it('several batches give the one-shot value; resetState starts over', () => {
    for (const args of [{}, { curve: 'PR' as const }, { summationMethod: 'minoring' as const }]) {
      const m = new M.AUC(args);
      const whole = oneShot(m, t, p, w);
      expect(accumulate(m, t, p, w, [17, 150, 151])).toBeCloseTo(whole, 12);
      m.resetState();
      expect(m.result()).toBe(0);
      expect(oneShot(m, t, p, w)).toBe(whole);
    }
  });

  it('PR with interpolation: the integral of precision over recall along straight lines in (tp, fp) space', () => {
    for (const T of [200, 13]) {
      const auc = oneShot(new M.AUC({ curve: 'PR', numThresholds: T }), t, p, w);
      // Reference: brute-force weighted counts at each threshold, then Simpson's rule on each segment.
      const th = Array.from({ length: T }, (_, i) => (i === 0 ? -1e-7 : i === T - 1 ? 1 + 1e-7 : Math.fround(i / (T - 1))));
      const tp = th.map((x) => data.p.reduce((s, v, k) => s + (v > x && data.t[k] ? data.w[k] : 0), 0));
      const fp = th.map((x) => data.p.reduce((s, v, k) => s + (v > x && !data.t[k] ? data.w[k] : 0), 0));
      const positives = data.t.reduce((s, v, k) => s + (v ? data.w[k] : 0), 0);
      let area = 0;
      const steps = 64;
      for (let i = 0; i < T - 1; i++) {
        const dtp = tp[i] - tp[i + 1];
        if (dtp === 0) continue;
        const dfp = fp[i] - fp[i + 1];
        const precision = (u: number) => {
          const a = tp[i + 1] + u * dtp;
          const b = a + fp[i + 1] + u * dfp;
          // Where nothing is predicted positive (a = b = 0), precision is its limit along the segment.
          return b === 0 ? dtp / (dtp + dfp) : a / b;
        };
        let simpson = precision(0) + precision(1);
        for (let k = 1; k < steps; k++) simpson += (k % 2 ? 4 : 2) * precision(k / steps);
        area += ((simpson / (3 * steps)) * dtp) / positives;
      }
      expect(Math.abs(auc - area), `T=${T}: ${auc} vs ${area}`).toBeLessThan(1e-7);
      expect(area).toBeGreaterThan(0.5);
    }
  });

  it('PR and ROC with minoring and majoring bracket the interpolation', () => {
    for (const curve of ['ROC', 'PR'] as const) {
      const at = (summationMethod: 'interpolation' | 'minoring' | 'majoring') => oneShot(new M.AUC({ curve, summationMethod }), t, p);
      expect(at('minoring')).toBeLessThan(at('interpolation'));
      expect(at('interpolation')).toBeLessThan(at('majoring'));
    }
    // ROC with 'PR' casing from Keras ('pr', 'roc') is accepted.
    expect(oneShot(new M.AUC({ curve: 'roc' }), t, p)).toBe(oneShot(new M.AUC(), t, p));
  });

  it('explicit thresholds, multiLabel, labelWeights and fromLogits', () => {
    // Explicit thresholds: a score's bucket is the number of thresholds below it.
    const cuts = [0.25, 0.5, 0.75];
    const byCut = data.p.map((s) => cuts.filter((c) => c < s).length);
    expect(oneShot(new M.AUC({ thresholds: [0.75, 0.25, 0.5] }), t, p)).toBeCloseTo(pairwiseAUC(data.t, byCut), 12);
    // Three labels: the mean (or weighted mean) of the per-label areas; flattened, label weights weight the elements.
    const d2 = binaryData(300, 22);
    const d3 = binaryData(300, 23);
    const cols = [data, d2, d3];
    const t3 = tn.tensor(Array.from({ length: 900 }, (_, i) => cols[i % 3].t[Math.floor(i / 3)]), [300, 3]);
    const p3 = tn.tensor(Array.from({ length: 900 }, (_, i) => cols[i % 3].p[Math.floor(i / 3)]), [300, 3]);
    const per = cols.map((d) => pairwiseAUC(d.t, d.p.map((s) => bucket(s))));
    expect(oneShot(new M.AUC({ multiLabel: true }), t3, p3)).toBeCloseTo((per[0] + per[1] + per[2]) / 3, 9);
    expect(oneShot(new M.AUC({ multiLabel: true, labelWeights: [1, 0, 3] }), t3, p3)).toBeCloseTo((per[0] + 3 * per[2]) / 4, 9);
    const flatT = Array.from(t3.data());
    const flatS = Array.from(p3.data()).map((s) => bucket(s));
    expect(oneShot(new M.AUC(), t3, p3)).toBeCloseTo(pairwiseAUC(flatT, flatS), 9);
    expect(oneShot(new M.AUC({ labelWeights: [1, 0, 3] }), t3, p3)).toBeCloseTo(pairwiseAUC(flatT, flatS, flatT.map((_, i) => [1, 0, 3][i % 3])), 9);
    // Logits through a sigmoid.
    const logits = tn.tensor(data.p.map((s) => Math.log(s / (1 - s))), [300, 1]);
    expect(oneShot(new M.AUC({ fromLogits: true }), t, logits)).toBeCloseTo(oneShot(new M.AUC(), t, p), 9);
    // Labels count as positive when nonzero, as Keras casts them to bool.
    expect(oneShot(new M.AUC(), tn.mul(t, 3), p)).toBe(oneShot(new M.AUC(), t, p));
  });

  it('a perfect ranking gives 1, a reversed one 0', () => {
    const tt = tn.tensor([0, 0, 1, 1]);
    expect(oneShot(new M.AUC(), tt, tn.tensor([0.1, 0.2, 0.8, 0.9]))).toBeCloseTo(1, 9);
    expect(oneShot(new M.AUC(), tt, tn.tensor([0.9, 0.8, 0.2, 0.1]))).toBeCloseTo(0, 9);
    expect(oneShot(new M.AUC({ curve: 'PR' }), tt, tn.tensor([0.1, 0.2, 0.8, 0.9]))).toBeCloseTo(1, 6);
  });

  it('rejects bad arguments, naming the metric and the shapes', () => {
    expect(() => new M.AUC({ curve: 'DET' as never })).toThrow(/AUC: curve must be 'ROC' or 'PR', received "DET"/);
    expect(() => new M.AUC({ summationMethod: 'simpson' as never })).toThrow(/AUC: summationMethod must be/);
    expect(() => new M.AUC({ numThresholds: 1 })).toThrow(/AUC: numThresholds must be an integer > 1, received numThresholds=1/);
    expect(() => new M.AUC({ thresholds: [0.5, 2] })).toThrow(/AUC: threshold values must be in \[0, 1\]/);
    expect(() => new M.AUC().updateState(tn.zeros([3]), tn.zeros([4]))).toThrow(/auc: expected 4 labels \(one per prediction\), received yTrue of shape \[3\]/);
    expect(() => new M.AUC({ multiLabel: true }).updateState(tn.zeros([4]), tn.zeros([4]))).toThrow(/auc: multiLabel and labelWeights need predictions of shape \[samples, labels\], received \[4\]/);
    const m = new M.AUC({ multiLabel: true });
    m.updateState(tn.zeros([2, 3]), tn.zeros([2, 3]));
    expect(() => m.updateState(tn.zeros([2, 4]), tn.zeros([2, 4]))).toThrow(/auc: predictions of shape \[2,4\] have 4 labels, expected 3/);
    expect(() => new M.AUC({ labelWeights: [1, 2] }).updateState(tn.zeros([2, 3]), tn.zeros([2, 3]))).toThrow(/auc: predictions of shape \[2,3\] have 3 labels, expected 2/);
  });
});

describe('IoU and MeanIoU', () => {
  it("match Keras's documented examples", () => {
    expect(oneShot(new M.IoU({ numClasses: 2, targetClassIds: [0] }), tn.tensor([0, 0, 1, 1]), tn.tensor([0, 1, 0, 1]))).toBeCloseTo(1 / 3, 6);
    const mean = new M.MeanIoU(2);
    expect(oneShot(mean, tn.tensor([0, 0, 1, 1]), tn.tensor([0, 1, 0, 1]))).toBeCloseTo(1 / 3, 6);
    expect(oneShot(mean, tn.tensor([0, 0, 1, 1]), tn.tensor([0, 1, 0, 1]), tn.tensor([0.3, 0.3, 0.3, 0.1]))).toBeCloseTo(0.23809525, 6);
    const bin = new M.BinaryIoU({ targetClassIds: [0, 1], threshold: 0.3 });
    expect(oneShot(bin, tn.tensor([0, 1, 0, 1]), tn.tensor([0.1, 0.2, 0.4, 0.7]))).toBeCloseTo(1 / 3, 6);
    expect(oneShot(bin, tn.tensor([0, 1, 0, 1]), tn.tensor([0.1, 0.2, 0.4, 0.7]), tn.tensor([0.2, 0.3, 0.4, 0.1]))).toBeCloseTo(0.17361112, 6);
  });

  // Segmentation maps: 3 images of 5x4 pixels, classes 0..3 of which class 3 never occurs, void pixels 255.
  const [b, h, wd, k] = [3, 5, 4, 4];
  const next = rng(31);
  const labels = Array.from({ length: b * h * wd }, () => (next() < 0.1 ? 255 : Math.floor(next() * 3)));
  const scores = labels.flatMap((l) => {
    const s = Array.from({ length: k }, () => next());
    if (l !== 255 && next() < 0.6) s[l] += 1; // right 60% of the time (plus chance)
    return s;
  });
  const yTrue = tn.tensor(labels, [b, h, wd], 'int32');
  const yScores = tn.tensor(scores, [b, h, wd, k]);
  const predicted = Array.from({ length: b * h * wd }, (_, i) => {
    const s = scores.slice(i * k, (i + 1) * k);
    return s.indexOf(Math.max(...s));
  });
  const imageWeights = [1, 0.5, 2];

  /** Mean over classes present in labels or predictions of |t = c and p = c| / |t = c or p = c|, weighted. */
  function directMeanIoU(weighted: boolean): number {
    const ious: number[] = [];
    for (let c = 0; c < k; c++) {
      let inter = 0;
      let union = 0;
      labels.forEach((l, i) => {
        if (l === 255) return;
        const wt = weighted ? imageWeights[Math.floor(i / (h * wd))] : 1;
        if (l === c && predicted[i] === c) inter += wt;
        if (l === c || predicted[i] === c) union += wt;
      });
      if (union > 0) ious.push(inter / union);
    }
    return ious.reduce((s, x) => s + x, 0) / ious.length;
  }

  it('segmentation maps: class scores, a void class, classes absent from both left out, against direct counts', () => {
    expect(predicted.some((c) => c === 3)).toBe(true); // class 3 is predicted, never labelled: it counts (IoU 0)
    const m = new M.MeanIoU({ numClasses: k, sparseYPred: false, ignoreClass: 255 });
    expect(oneShot(m, yTrue, yScores)).toBeCloseTo(directMeanIoU(false), 6);
    // Sample weights per image, broadcast over its pixels.
    expect(oneShot(m, yTrue, yScores, tn.tensor(imageWeights))).toBeCloseTo(directMeanIoU(true), 6);
    // Class indices as predictions (Keras's default sparseYPred) give the same.
    expect(oneShot(new M.MeanIoU(k, { ignoreClass: 255 }), yTrue, tn.tensor(predicted, [b, h, wd], 'int32'))).toBeCloseTo(directMeanIoU(false), 6);
    // A class neither labelled nor predicted is left out of the mean.
    const five = new M.MeanIoU(5, { sparseYPred: false, ignoreClass: 255 });
    expect(oneShot(five, yTrue, yScores)).toBeCloseTo(directMeanIoU(false), 6);
  });

  it('several batches give the one-shot value; resetState starts over; the confusion matrix counts pixels', () => {
    const m = new M.MeanIoU({ numClasses: k, sparseYPred: false, ignoreClass: 255 });
    const whole = oneShot(m, yTrue, yScores, tn.tensor(imageWeights));
    expect(accumulate(m, yTrue, yScores, tn.tensor(imageWeights), [1, 2])).toBeCloseTo(whole, 12);
    m.resetState();
    expect(m.confusionMatrix().flat().every((v) => v === 0)).toBe(true);
    m.updateState(yTrue, yScores);
    expect(m.confusionMatrix().flat().reduce((s, v) => s + v, 0)).toBe(labels.filter((l) => l !== 255).length);
  });

  it('one-hot variants take the argmax of both', () => {
    const oneHotTrue = tn.oneHot(tn.tensor(labels.map((l) => (l === 255 ? 0 : l)), [b, h, wd], 'int32'), k);
    const sparse = new M.MeanIoU({ numClasses: k, sparseYPred: false });
    const dense = new M.OneHotMeanIoU(k);
    expect(oneShot(dense, oneHotTrue, yScores)).toBeCloseTo(oneShot(sparse, tn.tensor(labels.map((l) => (l === 255 ? 0 : l)), [b, h, wd], 'int32'), yScores), 12);
    const one = new M.OneHotIoU({ numClasses: k, targetClassIds: [1] });
    const sparseOne = new M.IoU({ numClasses: k, targetClassIds: [1], sparseYPred: false });
    expect(oneShot(one, oneHotTrue, yScores)).toBeCloseTo(oneShot(sparseOne, tn.tensor(labels.map((l) => (l === 255 ? 0 : l)), [b, h, wd], 'int32'), yScores), 12);
  });

  it('reject bad input, naming the metric', () => {
    expect(() => new M.MeanIoU(0)).toThrow(/MeanIoU: numClasses must be a positive integer, received numClasses=0/);
    expect(() => new M.IoU({ numClasses: 3, targetClassIds: [3] })).toThrow(/IoU: targetClassIds must be class ids in \[0, 3\), received \[3\]/);
    expect(() => new M.MeanIoU(3).updateState(tn.tensor([0, 5]), tn.tensor([0, 1]))).toThrow(/mean_io_u: label 5 at position 1 is out of range for 3 classes/);
    expect(() => new M.MeanIoU(3).updateState(tn.tensor([0, 1]), tn.tensor([[0.1, 0.2, 0.7], [0.5, 0.2, 0.3]]))).toThrow(/mean_io_u: 2 labels but 6 predicted classes \(for class scores, pass sparseYPred: false\)/);
    expect(() => new M.MeanIoU(3).updateState(tn.tensor([0, 1]), tn.tensor([0, 1]), tn.tensor([1, 2, 3]))).toThrow(/mean_io_u: sample weights of shape \[3\] do not match 2 predicted values/);
  });
});

describe('FBetaScore and F1Score', () => {
  const yTrue = tn.tensor([[1, 1, 1], [1, 0, 0], [1, 1, 0]]);
  const yPred = tn.tensor([[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]]);

  it("match Keras's documented examples", () => {
    expect(new M.F1Score({ threshold: 0.5 }).resultPerClass()).toEqual([]);
    const f1 = new M.F1Score({ threshold: 0.5 });
    f1.updateState(yTrue, yPred);
    f1.resultPerClass().forEach((v, i) => expect(v).toBeCloseTo([0.5, 0.8, 0.6666667][i], 6));
    const f2 = new M.FBetaScore({ beta: 2, threshold: 0.5 });
    f2.updateState(yTrue, yPred);
    f2.resultPerClass().forEach((v, i) => expect(v).toBeCloseTo([0.3846154, 0.90909094, 0.8333334][i], 6));
  });

  // 8 rows of 4 classes; reference scores from direct per-class counts.
  const next = rng(41);
  const tt = Array.from({ length: 32 }, () => (next() < 0.4 ? 1 : 0));
  const pp = Array.from({ length: 32 }, () => Math.fround(next()));
  const rowWeights = Array.from({ length: 8 }, () => 0.2 + next());
  function direct(beta: number, threshold: number | null, weighted: boolean) {
    const cls = [0, 1, 2, 3].map(() => ({ tp: 0, fp: 0, fn: 0, n: 0 }));
    for (let r = 0; r < 8; r++) {
      const row = pp.slice(r * 4, r * 4 + 4);
      const top = Math.max(...row);
      for (let c = 0; c < 4; c++) {
        const pos = threshold === null ? row[c] === top : row[c] > threshold;
        const truth = tt[r * 4 + c] === 1;
        const w = weighted ? rowWeights[r] : 1;
        if (pos && truth) cls[c].tp += w;
        if (pos && !truth) cls[c].fp += w;
        if (!pos && truth) cls[c].fn += w;
        if (truth) cls[c].n += w;
      }
    }
    const f = (tp: number, fp: number, fn: number) => {
      const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
      const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
      return precision + recall === 0 ? 0 : ((1 + beta * beta) * precision * recall) / (beta * beta * precision + recall);
    };
    const per = cls.map((x) => f(x.tp, x.fp, x.fn));
    const total = cls.reduce((s, x) => s + x.n, 0);
    const sum = (key: 'tp' | 'fp' | 'fn') => cls.reduce((s, x) => s + x[key], 0);
    return {
      per,
      micro: f(sum('tp'), sum('fp'), sum('fn')),
      macro: per.reduce((s, x) => s + x, 0) / 4,
      weighted: per.reduce((s, x, c) => s + (x * cls[c].n) / total, 0),
    };
  }
  const t = tn.tensor(tt, [8, 4]);
  const p = tn.tensor(pp, [8, 4]);

  for (const [beta, threshold] of [[1, 0.5], [1, null], [0.5, 0.3], [2, null]] as [number, number | null][]) {
    it(`beta ${beta}, threshold ${threshold}: every average against direct counts, weighted, over batches`, () => {
      for (const weighted of [false, true]) {
        const want = direct(beta, threshold, weighted);
        const w = weighted ? tn.tensor(rowWeights) : null;
        const perClass = new M.FBetaScore({ beta, threshold });
        perClass.updateState(t, p, w);
        // Keras's epsilons shift the scores by about 1e-7.
        perClass.resultPerClass().forEach((v, c) => expect(v).toBeCloseTo(want.per[c], 5));
        for (const average of ['micro', 'macro', 'weighted'] as const) {
          const m = new M.FBetaScore({ beta, threshold, average });
          expect(oneShot(m, t, p, w), `${average}`).toBeCloseTo(want[average], 5);
          expect(accumulate(m, t, p, w, [3, 4])).toBeCloseTo(oneShot(m, t, p, w), 12);
        }
      }
    });
  }

  it('without a threshold a row of zeros predicts nothing; resetState; errors', () => {
    const m = new M.F1Score({ average: 'micro' });
    m.updateState([[0, 1], [1, 0]], [[0, 0], [0.4, 0.3]]);
    expect(m.result()).toBeCloseTo(2 / 3, 5); // tp 1, fp 0, fn 1
    m.resetState();
    expect(m.result()).toBe(0);
    expect(() => new M.F1Score().result()).toThrow(/f1_score: with average null the result is one score per class; read resultPerClass\(\)/);
    expect(() => new M.F1Score({ average: 'samples' as never })).toThrow(/F1Score: invalid average "samples"/);
    expect(() => new M.FBetaScore({ beta: 0 })).toThrow(/FBetaScore: beta must be a positive number/);
    expect(() => new M.F1Score({ threshold: 0 })).toThrow(/F1Score: threshold must be a number in \(0, 1\]/);
    expect(() => new M.F1Score().updateState(tn.zeros([4]), tn.zeros([4]))).toThrow(/f1_score: expects 2D inputs of shape \[batchSize, outputDim\], received yTrue of shape \[4\] and yPred of shape \[4\]/);
    expect(() => new M.F1Score().updateState(tn.zeros([2, 3]), tn.zeros([2, 4]))).toThrow(/f1_score: yTrue has shape \[2,3\] but yPred has shape \[2,4\]/);
    const f = new M.F1Score({ average: 'macro' });
    f.updateState(tn.zeros([2, 3]), tn.zeros([2, 3]));
    expect(() => f.updateState(tn.zeros([2, 4]), tn.zeros([2, 4]))).toThrow(/f1_score: predictions of shape \[2,4\] have 4 classes, earlier batches had 3/);
    expect(() => M.getMetric(new M.F1Score())).toThrow(/f1_score: with average null the result is one score per class, which compile\(\) cannot log/);
  });
});

describe('losses as metrics', () => {
  const next = rng(51);
  const probs = (n: number, c: number) => {
    const v = Array.from({ length: n * c }, () => 0.05 + next());
    for (let r = 0; r < n; r++) {
      const s = v.slice(r * c, r * c + c).reduce((a, x) => a + x, 0);
      for (let j = 0; j < c; j++) v[r * c + j] /= s;
    }
    return tn.tensor(v, [n, c]);
  };
  const t = probs(6, 3);
  const p = probs(6, 3);
  const onehot = tn.oneHot([0, 2, 1, 1, 0, 2], 3);
  const labels = tn.tensor([0, 2, 1, 1, 0, 2], [6], 'int32');
  const w = tn.tensor([1, 0.5, 2, 0, 1.5, 1]);
  const L = tn.losses;
  const cases: [string, tn.metrics.Metric, tn.losses.Loss, tn.Tensor, number][] = [
    ['kl_divergence', new M.KLDivergence(), new L.KLDivergence({ reduction: 'none' }), t, 1],
    ['poisson', new M.Poisson(), new L.Poisson({ reduction: 'none' }), t, 1],
    ['cosine_similarity', new M.CosineSimilarity(), new L.CosineSimilarity({ reduction: 'none' }), t, -1],
    ['logcosh', new M.LogCoshError(), new L.LogCosh({ reduction: 'none' }), t, 1],
    ['hinge', new M.Hinge(), new L.Hinge({ reduction: 'none' }), onehot, 1],
    ['squared_hinge', new M.SquaredHinge(), new L.SquaredHinge({ reduction: 'none' }), onehot, 1],
    ['categorical_hinge', new M.CategoricalHinge(), new L.CategoricalHinge({ reduction: 'none' }), onehot, 1],
    ['binary_crossentropy', new M.BinaryCrossentropy(), new L.BinaryCrossentropy({ reduction: 'none' }), onehot, 1],
    ['categorical_crossentropy', new M.CategoricalCrossentropy({ labelSmoothing: 0.1 }), new L.CategoricalCrossentropy({ reduction: 'none', labelSmoothing: 0.1 }), onehot, 1],
    ['sparse_categorical_crossentropy', new M.SparseCategoricalCrossentropy(), new L.SparseCategoricalCrossentropy({ reduction: 'none' }), labels, 1],
    ['mean_absolute_percentage_error', new M.MeanAbsolutePercentageError(), new L.MeanAbsolutePercentageError({ reduction: 'none' }), t, 1],
    ['mean_squared_logarithmic_error', new M.MeanSquaredLogarithmicError(), new L.MeanSquaredLogarithmicError({ reduction: 'none' }), t, 1],
  ];
  for (const [name, metric, loss, yTrue, sign] of cases) {
    it(`${name}: the weighted mean of the loss's per-sample values, over batches`, () => {
      expect(metric.name).toBe(name);
      const per = Array.from(loss.compute(yTrue, p).data()).map((v) => sign * v);
      const wv = Array.from(w.data());
      const want = per.reduce((s, v, i) => s + v * wv[i], 0) / wv.reduce((s, v) => s + v, 0);
      expect(oneShot(metric, yTrue, p, w)).toBeCloseTo(want, 6);
      expect(accumulate(metric, yTrue, p, w, [2, 5])).toBeCloseTo(want, 6);
      expect(oneShot(metric, yTrue, p)).toBeCloseTo(per.reduce((s, v) => s + v, 0) / per.length, 6);
      metric.resetState();
      expect(metric.result()).toBe(0);
    });
  }
  it('sequences: one value per step, a sample weight per sequence', () => {
    const t3 = tn.reshape(t, [3, 2, 3]);
    const p3 = tn.reshape(p, [3, 2, 3]);
    const per = Array.from(new L.KLDivergence({ reduction: 'none' }).compute(t, p).data());
    const w3 = [2, 0, 1];
    const want = per.reduce((s, v, i) => s + v * w3[Math.floor(i / 2)], 0) / (2 * (2 + 0 + 1));
    expect(oneShot(new M.KLDivergence(), t3, p3, tn.tensor(w3))).toBeCloseTo(want, 6);
  });

  it('the cosine similarity metric is the cosine itself (1 for parallel vectors)', () => {
    expect(oneShot(new M.CosineSimilarity(), tn.tensor([[1, 2], [0, 1]]), tn.tensor([[2, 4], [0, 3]]))).toBeCloseTo(1, 6);
    expect(oneShot(new M.CosineSimilarity({ axis: 0 }), tn.tensor([[1, 0], [0, 1]]), tn.tensor([[1, 0], [0, 1]]))).toBeCloseTo(1, 6);
  });
  it('errors name the metric', () => {
    expect(() => new M.KLDivergence().updateState(tn.zeros([2, 3]), tn.zeros([2, 4]))).toThrow(/kl_divergence: yTrue has shape \[2,3\] but yPred has shape \[2,4\]/);
  });
});

describe('by name in compile(), fit, evaluate and saving', () => {
  const root = mkdtempSync(join(tmpdir(), 'tensornode-metrics-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  // Three separable classes in 2-D.
  const next = rng(61);
  const n = 96;
  const cls = Array.from({ length: n }, (_, i) => i % 3);
  const centres = [[2, 0], [-1, 1.7], [-1, -1.7]];
  const x = tn.tensor(cls.flatMap((c) => [centres[c][0] + next() - 0.5, centres[c][1] + next() - 0.5]), [n, 2]);
  const y = tn.oneHot(cls, 3);

  it('metric names resolve as Keras and TF.js spell them', () => {
    const names: [string, unknown][] = [
      ['auc', M.AUC], ['AUC', M.AUC], ['kl_divergence', M.KLDivergence], ['kld', M.KLDivergence], ['klDivergence', M.KLDivergence],
      ['poisson', M.Poisson], ['cosine_similarity', M.CosineSimilarity], ['cosineSimilarity', M.CosineSimilarity],
      ['logcosh', M.LogCoshError], ['log_cosh', M.LogCoshError], ['log_cosh_error', M.LogCoshError], ['hinge', M.Hinge],
      ['squared_hinge', M.SquaredHinge], ['categoricalHinge', M.CategoricalHinge], ['binary_crossentropy', M.BinaryCrossentropy],
      ['bce', M.BinaryCrossentropy], ['categoricalCrossentropy', M.CategoricalCrossentropy],
      ['sparse_categorical_crossentropy', M.SparseCategoricalCrossentropy], ['precision', M.Precision], ['recall', M.Recall],
      ['mape', M.MeanAbsolutePercentageError], ['msle', M.MeanSquaredLogarithmicError],
      ['meanSquaredLogarithmicError', M.MeanSquaredLogarithmicError],
    ];
    for (const [name, Cls] of names) {
      const m = M.getMetric(name);
      expect(m, name).toBeInstanceOf(Cls);
      // A class name makes the class with its default name, as Keras logs metrics: ['AUC'] as auc.
      expect(m.name).toBe(name === 'AUC' ? 'auc' : name);
    }
    expect(['MeanSquaredError', 'Precision', 'TopKCategoricalAccuracy', 'KLDivergence'].map((n) => M.getMetric(n).name)).toEqual(['mean_squared_error', 'precision', 'top_k_categorical_accuracy', 'kl_divergence']);
  });

  it('every metric class comes back from its config with the same options', () => {
    const t = tn.tensor([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]]);
    const p = tn.tensor([[0.7, 0.2, 0.1], [0.3, 0.4, 0.3], [0.5, 0.1, 0.4], [0.2, 0.5, 0.3]]);
    const labels = tn.tensor([0, 1, 2, 0], [4], 'int32');
    const metrics: [tn.metrics.Metric, tn.Tensor][] = [
      [new M.Precision({ thresholds: 0.35, name: 'p35' }), t], [new M.Recall({ topK: 2, classId: 1 }), t],
      [new M.AUC({ numThresholds: 7, curve: 'PR', summationMethod: 'majoring', multiLabel: true, labelWeights: [1, 2, 0.5] }), t],
      [new M.AUC({ thresholds: [0.3, 0.6], fromLogits: true }), t], [new M.KLDivergence(), t], [new M.Poisson(), t],
      [new M.CosineSimilarity({ axis: 0 }), t], [new M.LogCoshError(), t], [new M.Hinge(), t], [new M.SquaredHinge(), t],
      [new M.CategoricalHinge(), t], [new M.MeanAbsolutePercentageError(), t], [new M.MeanSquaredLogarithmicError(), t],
      [new M.BinaryCrossentropy({ fromLogits: true, labelSmoothing: 0.1 }), t],
      [new M.CategoricalCrossentropy({ labelSmoothing: 0.2 }), t], [new M.SparseCategoricalCrossentropy(), labels],
      [new M.IoU({ numClasses: 3, targetClassIds: [0, 2], sparseYPred: false }), labels],
      [new M.MeanIoU(3, { sparseYPred: false, ignoreClass: 1 }), labels], [new M.OneHotIoU({ numClasses: 3, targetClassIds: [1] }), t],
      [new M.OneHotMeanIoU(3), t], [new M.BinaryIoU({ targetClassIds: [1], threshold: 0.35 }), t],
      [new M.FBetaScore({ beta: 2, average: 'weighted', threshold: 0.3 }), t], [new M.F1Score({ average: 'micro' }), t],
      [new M.BinaryAccuracy({ threshold: 0.3 }), t], [new M.TopKCategoricalAccuracy({ k: 2 }), t],
      [new M.SparseTopKCategoricalAccuracy({ k: 2 }), labels],
    ];
    for (const [m, yTrue] of metrics) {
      const spec = M.serializeMetric(m)!;
      expect(spec, m.constructor.name).not.toBeNull();
      const again = M.getMetric(JSON.parse(JSON.stringify(spec)) as { className: string; config: Record<string, unknown> });
      expect(again.constructor).toBe(m.constructor);
      expect(again.getConfig()).toEqual(m.getConfig());
      expect(oneShot(again, yTrue, p), m.name).toBe(oneShot(m, yTrue, p));
    }
    // A metric of a class the registry does not know cannot be rebuilt, so it is not serialized.
    class Custom extends M.Mean {}
    expect(M.serializeMetric(new Custom())).toBeNull();
    expect(() => M.getMetric({ className: 'Nope' })).toThrow(/Unknown metric class "Nope"/);
  });

  it('a small model trains with each new loss by name and reports the new metrics in its logs', async () => {
    const lossNames = ['kl_divergence', 'poisson', 'cosine_similarity', 'logcosh', 'hinge', 'squared_hinge', 'categorical_hinge'];
    for (const loss of lossNames) {
      const model = new tn.Sequential([new tn.layers.Dense(3, { activation: loss.includes('hinge') || loss === 'logcosh' ? 'tanh' : 'softmax', inputShape: [2], kernelInitializer: new tn.initializers.GlorotUniform({ seed: 3 }) })]);
      model.compile({ optimizer: new tn.optimizers.Adam({ learningRate: 0.05 }), loss, metrics: ['categorical_accuracy'] });
      const h = await model.fit(x, y, { epochs: 15, batchSize: 16, verbose: 0 });
      const l = h.history.loss;
      expect(l[l.length - 1], loss).toBeLessThan(l[0]);
      expect(h.history.categorical_accuracy[l.length - 1], loss).toBeGreaterThan(0.9);
    }

    const model = new tn.Sequential([new tn.layers.Dense(3, { activation: 'softmax', inputShape: [2], kernelInitializer: new tn.initializers.GlorotUniform({ seed: 4 }) })]);
    const f1 = new M.F1Score({ average: 'macro' });
    const iou = new M.OneHotMeanIoU(3);
    const auc = new M.AUC({ curve: 'PR', name: 'pr_auc' });
    model.compile({
      optimizer: new tn.optimizers.Adam({ learningRate: 0.05 }),
      loss: 'kl_divergence',
      metrics: ['auc', auc, 'precision', new M.Recall({ classId: 1 }), 'cosine_similarity', 'logcosh', 'categorical_hinge', 'kld', f1, iou],
    });
    const h = await model.fit(x, y, { epochs: 20, batchSize: 16, verbose: 0 });
    const keys = ['loss', 'auc', 'pr_auc', 'precision', 'recall', 'cosine_similarity', 'logcosh', 'categorical_hinge', 'kld', 'f1_score', 'one_hot_mean_io_u'];
    expect(Object.keys(h.history).sort()).toEqual(keys.slice().sort());
    for (const k of keys) {
      expect(h.history[k], k).toHaveLength(20);
      expect(h.history[k].every(Number.isFinite), k).toBe(true);
    }
    const last = (k: string) => h.history[k][19];
    expect(last('auc')).toBeGreaterThan(h.history.auc[0]);
    expect(last('auc')).toBeGreaterThan(0.95);
    expect(last('f1_score')).toBeGreaterThan(0.9);
    expect(last('one_hot_mean_io_u')).toBeGreaterThan(0.8);
    // The loss metric 'kld' averages what the loss is; on one batch covering everything they agree.
    const logs = await model.evaluate(x, y, { batchSize: n, verbose: 0, returnDict: true });
    expect(logs.kld).toBeCloseTo(logs.loss, 5);
    // evaluate's values are the metrics applied to the predictions directly.
    const pred = model.predict(x) as tn.Tensor;
    expect(logs.auc).toBeCloseTo(oneShot(new M.AUC(), y, pred), 9);
    expect(logs.f1_score).toBeCloseTo(oneShot(new M.F1Score({ average: 'macro' }), y, pred), 9);
    expect(logs.one_hot_mean_io_u).toBeCloseTo(oneShot(new M.OneHotMeanIoU(3), y, pred), 9);
    expect(logs.recall).toBeCloseTo(oneShot(new M.Recall({ classId: 1 }), y, pred), 9);

    // Saved and loaded, the model is compiled with the same losses and metrics (objects through their configs).
    const dir = join(root, 'm');
    await model.save(dir);
    const loaded = await tn.models.loadModel(dir);
    expect(loaded.metricsNames).toEqual(model.metricsNames);
    expect(await loaded.evaluate(x, y, { batchSize: 32, verbose: 0 })).toEqual(await model.evaluate(x, y, { batchSize: 32, verbose: 0 }));
  });
});
