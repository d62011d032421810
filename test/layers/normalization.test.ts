import { describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { withScope } from '../../lib/memory.js';
import { expectClose, fixture, toTensor, type GoldenTensor as Spec } from '../helpers/golden.js';
import { gradCheck, randomTensor, variableGradCheck } from '../helpers/gradcheck.js';

interface Case {
  name: string;
  op: string;
  attrs: { epsilon: number; training?: boolean };
  inputs: { x: Spec; gamma: Spec; beta: Spec };
  upstream: Spec;
  outputs: { y: Spec };
  grads: { x: Spec; gamma: Spec; beta: Spec };
}

const cases = fixture<{ cases: Case[] }>('normalization.json').cases;

describe('normalization layers match the reference values', () => {
  for (const c of cases) {
    it(c.name, () => {
      const layer = c.op === 'batchNormalization'
        ? new tn.layers.BatchNormalization({ epsilon: c.attrs.epsilon })
        : new tn.layers.LayerNormalization({ epsilon: c.attrs.epsilon });
      const x = toTensor(c.inputs.x);
      layer.apply(x);
      const ws = layer.getWeights();
      ws[0] = toTensor(c.inputs.gamma);
      ws[1] = toTensor(c.inputs.beta);
      layer.setWeights(ws);
      const [gamma, beta] = layer.trainableWeights;
      const upstream = toTensor(c.upstream);
      const { value, grads } = tn.valueAndGrads((xx: tn.Tensor) => tn.mul(layer.apply(xx, { training: true }) as tn.Tensor, upstream))([x]);
      expectClose(tn.div(value, upstream), c.outputs.y, 1e-4, 1e-4, `${c.name} y`);
      expectClose(grads[0], c.grads.x, 1e-4, 1e-5, `${c.name} dx`);
      const g = tn.gradients(tn.sum(tn.mul(layer.apply(x, { training: true }) as tn.Tensor, upstream)), [gamma, beta]);
      expectClose(g[0], c.grads.gamma, 1e-4, 1e-5, `${c.name} dgamma`);
      expectClose(g[1], c.grads.beta, 1e-4, 1e-5, `${c.name} dbeta`);
    });
  }

  it('BatchNormalization keeps moving statistics in training and uses them in inference', () => {
    const bn = new tn.layers.BatchNormalization({ momentum: 0.5 });
    const x = tn.tensor([[1, 10], [3, 30]]);
    bn.apply(x);
    withScope(() => bn.apply(x, { training: true }));
    // mean [2, 20], biased variance [1, 100]; moving = 0.5 * init + 0.5 * batch.
    expect(Array.from(bn.movingMean!.data())).toEqual([1, 10]);
    expect(Array.from(bn.movingVariance!.data())).toEqual([1, 50.5]);
    const y = bn.apply(x, { training: false }) as tn.Tensor;
    const expected = [(1 - 1) / Math.sqrt(1 + 1e-3), (10 - 10) / Math.sqrt(50.5 + 1e-3), (3 - 1) / Math.sqrt(1 + 1e-3), (30 - 10) / Math.sqrt(50.5 + 1e-3)];
    expectClose(y, expected, 1e-4, 1e-5, 'inference output');
    expect(bn.trainableWeights.map((w) => w.name)).toEqual([`${bn.name}/gamma`, `${bn.name}/beta`]);
    expect(bn.nonTrainableWeights.map((w) => w.name)).toEqual([`${bn.name}/moving_mean`, `${bn.name}/moving_variance`]);
    // A frozen BatchNormalization runs in inference mode even in training.
    bn.trainable = false;
    const frozen = bn.apply(x, { training: true }) as tn.Tensor;
    expectClose(frozen, expected, 1e-4, 1e-5, 'frozen output');
    expect(Array.from(bn.movingMean!.data())).toEqual([1, 10]);
  });
});

/** Float64 normalization of x over every axis in `axes`, then gamma and beta broadcast along the other axes. */
function normalizeReference(x: tn.Tensor, axes: number[], epsilon: number, gamma: Float32Array, beta: Float32Array, paramAxes: number[], stats?: { mean: Float32Array; variance: Float32Array }) {
  const shape = x.shape;
  const xv = x.data();
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((p, d) => p * d, 1));
  const coords = (i: number) => shape.map((d, k) => Math.floor(i / strides[k]) % d);
  const groupOf = (c: number[]) => c.map((v, k) => (axes.includes(k) ? 0 : v)).join(',');
  const paramIndex = (c: number[]) => paramAxes.reduce((p, a) => p * shape[a] + c[a], 0);
  const sums = new Map<string, { s: number; n: number }>();
  for (let i = 0; i < xv.length; i++) {
    const g = groupOf(coords(i));
    const e = sums.get(g) ?? { s: 0, n: 0 };
    e.s += xv[i];
    e.n++;
    sums.set(g, e);
  }
  const sq = new Map<string, number>();
  for (let i = 0; i < xv.length; i++) {
    const g = groupOf(coords(i));
    const m = sums.get(g)!.s / sums.get(g)!.n;
    sq.set(g, (sq.get(g) ?? 0) + (xv[i] - m) ** 2);
  }
  const y = new Float64Array(xv.length);
  const batchMean = new Map<number, number>();
  const batchVariance = new Map<number, number>();
  for (let i = 0; i < xv.length; i++) {
    const c = coords(i);
    const g = groupOf(c);
    const p = paramIndex(c);
    let m = sums.get(g)!.s / sums.get(g)!.n;
    let v = sq.get(g)! / sums.get(g)!.n;
    batchMean.set(p, m);
    batchVariance.set(p, v);
    if (stats) [m, v] = [stats.mean[p], stats.variance[p]];
    y[i] = ((xv[i] - m) / Math.sqrt(v + epsilon)) * gamma[p] + beta[p];
  }
  return { y, batchMean, batchVariance };
}

describe('normalization layers: gradients and axes', () => {
  it('LayerNormalization has the gradients of finite differences for its input, gamma and beta (last axis and two axes)', () => {
    for (const axis of [-1, [1, 2]]) {
      const ln = new tn.layers.LayerNormalization({ axis });
      const x = randomTensor([2, 3, 5], 1);
      ln.apply(x);
      ln.setWeights([randomTensor(ln.getWeights()[0].shape, 2, 0.5, 2), randomTensor(ln.getWeights()[1].shape, 3)]);
      gradCheck((xx: tn.Tensor) => ln.apply(xx) as tn.Tensor, [x]);
      variableGradCheck(() => ln.apply(x) as tn.Tensor, ln.trainableWeights);
    }
  });

  it('BatchNormalization in training has the gradients of finite differences, on the last axis and on axis 1', () => {
    for (const axis of [-1, 1]) {
      const bn = new tn.layers.BatchNormalization({ axis });
      const x = randomTensor([3, 4, 2, 3], 4);
      bn.apply(x);
      const c = x.shape.at(axis)!;
      bn.setWeights([randomTensor([c], 5, 0.5, 2), randomTensor([c], 6), tn.zeros([c]), tn.ones([c])]);
      gradCheck((xx: tn.Tensor) => bn.apply(xx, { training: true }) as tn.Tensor, [x]);
      variableGradCheck(() => bn.apply(x, { training: true }) as tn.Tensor, bn.trainableWeights);
    }
  });

  it('BatchNormalization on a non-last axis (channels first) normalizes per channel of that axis, in training and inference', () => {
    const bn = new tn.layers.BatchNormalization({ axis: 1, momentum: 0.75 });
    // [batch 3, channels 4, 2, 5], channel c shifted by 3c and scaled by c + 1, so the channels' statistics differ.
    const base = randomTensor([3, 4, 2, 5], 7).data();
    const xv = base.map((v, i) => v * (Math.floor(i / 10) % 4 + 1) + 3 * (Math.floor(i / 10) % 4));
    const x = tn.tensor(xv, [3, 4, 2, 5]);
    bn.apply(x);
    const gamma = Float32Array.from([0.5, 1.5, 2, 1]);
    const beta = Float32Array.from([0.1, -0.2, 0.3, 0]);
    bn.setWeights([tn.tensor(gamma), tn.tensor(beta), tn.zeros([4]), tn.ones([4])]);
    expect(bn.getWeights()[0].shape).toEqual([4]);

    const want = normalizeReference(x, [0, 2, 3], 1e-3, gamma, beta, [1]);
    const y = withScope(() => (bn.apply(x, { training: true }) as tn.Tensor).data());
    want.y.forEach((v, i) => expect(Math.abs(y[i] - v), `training y[${i}]`).toBeLessThan(1e-5 * Math.max(1, Math.abs(v))));
    // Moving statistics per channel of axis 1: 0.75 * initial + 0.25 * batch.
    const movingMean = bn.movingMean!.data();
    const movingVariance = bn.movingVariance!.data();
    for (let c = 0; c < 4; c++) {
      expect(movingMean[c]).toBeCloseTo(0.25 * want.batchMean.get(c)!, 5);
      expect(movingVariance[c]).toBeCloseTo(0.75 + 0.25 * want.batchVariance.get(c)!, 4);
    }
    // Channel means differ (3c apart), so normalizing over the wrong axis would not give these values.
    expect(want.batchMean.get(3)! - want.batchMean.get(0)!).toBeGreaterThan(5);
    const inference = (bn.apply(x, { training: false }) as tn.Tensor).data();
    const wantInference = normalizeReference(x, [0, 2, 3], 1e-3, gamma, beta, [1], { mean: movingMean as Float32Array, variance: movingVariance as Float32Array });
    wantInference.y.forEach((v, i) => expect(Math.abs(inference[i] - v), `inference y[${i}]`).toBeLessThan(1e-5 * Math.max(1, Math.abs(v))));
  });
});
