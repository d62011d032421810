import { describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { withScope } from '../../lib/memory.js';
import { expectClose, fixture, toTensor, type GoldenTensor as Spec } from '../helpers/golden.js';
import { gradCheck, randomTensor, variableGradCheck } from '../helpers/gradcheck.js';
import { groupNormReference, unitNormReference } from '../helpers/normalization-reference.js';

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

  it('LayerNormalization over axes that include the batch axis scales by gamma of the same axes', () => {
    // Keras broadcasts gamma and beta to the input's shape on every normalized axis, the batch axis too.
    const ln = new tn.layers.LayerNormalization({ axis: [0, 2], epsilon: 1e-3 });
    const x = randomTensor([2, 3, 5], 4);
    ln.apply(x);
    const [gShape, bShape] = ln.getWeights().map((w) => w.shape);
    expect(gShape).toEqual([2, 5]);
    expect(bShape).toEqual([2, 5]);
    const gamma = randomTensor([2, 5], 5, 0.5, 2);
    const beta = randomTensor([2, 5], 6);
    ln.setWeights([gamma, beta]);
    const got = (ln.apply(x) as tn.Tensor).data();
    const xv = x.data(), gv = gamma.data(), bv = beta.data();
    for (let j = 0; j < 3; j++) {
      const idx = (b: number, k: number) => b * 15 + j * 5 + k;
      let m = 0;
      for (let b = 0; b < 2; b++) for (let k = 0; k < 5; k++) m += xv[idx(b, k)] / 10;
      let v = 0;
      for (let b = 0; b < 2; b++) for (let k = 0; k < 5; k++) v += (xv[idx(b, k)] - m) ** 2 / 10;
      for (let b = 0; b < 2; b++) for (let k = 0; k < 5; k++) {
        const want = ((xv[idx(b, k)] - m) / Math.sqrt(v + 1e-3)) * gv[b * 5 + k] + bv[b * 5 + k];
        expect(Math.abs(got[idx(b, k)] - want)).toBeLessThan(1e-5);
      }
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

describe('GroupNormalization', () => {
  const settings: [string, number[], tn.layers.GroupNormalizationArgs][] = [
    ['2 groups of 3 channels, images', [2, 3, 4, 6], { groups: 2 }],
    ['1 group (the whole sample)', [3, 5, 4], { groups: 1 }],
    ['one group per channel (groups -1: instance normalization)', [2, 4, 3, 5], { groups: -1 }],
    ['channels first (axis 1), 3 groups of 2', [2, 6, 3, 2], { groups: 3, axis: 1 }],
    ['a sequence, 4 groups of 2, epsilon 0.1, no center', [2, 5, 8], { groups: 4, epsilon: 0.1, center: false }],
    ['[batch, channels], 2 groups of 3, no scale', [4, 6], { groups: 2, scale: false }],
  ];
  for (const [name, shape, args] of settings) {
    it(`matches the float64 reference and finite differences: ${name}`, () => {
      const layer = new tn.layers.GroupNormalization(args);
      const x = randomTensor(shape, shape.length * 7 + shape[1]);
      layer.apply(x);
      const axis = (args.axis ?? -1) < 0 ? shape.length - 1 : args.axis!;
      const channels = shape[axis];
      // Non-trivial gamma and beta, so a channel mapped to the wrong parameter shows.
      const gamma = args.scale === false ? null : randomTensor([channels], 3, 0.5, 2);
      const beta = args.center === false ? null : randomTensor([channels], 4);
      layer.setWeights([gamma, beta].filter((w): w is tn.Tensor => w !== null));
      expect(layer.weights.map((w) => w.name.split('/')[1])).toEqual([...(gamma ? ['gamma'] : []), ...(beta ? ['beta'] : [])]);
      const groups = args.groups === -1 ? channels : args.groups!;
      expect(layer.groups).toBe(groups);
      const want = groupNormReference(x.data(), shape, axis, groups, args.epsilon ?? 1e-3, gamma?.data() ?? null, beta?.data() ?? null);
      expectClose(layer.apply(x) as tn.Tensor, { shape, data: want });
      gradCheck((t: tn.Tensor) => layer.apply(t) as tn.Tensor, [x]);
      if (layer.trainableWeights.length) variableGradCheck(() => layer.apply(x) as tn.Tensor, layer.trainableWeights);
    });
  }

  it('has Keras\'s defaults (32 groups, epsilon 1e-3, gamma ones, beta zeros) and config', () => {
    const layer = tn.layers.groupNormalization();
    expect([layer.groups, layer.axis, layer.epsilon, layer.center, layer.scale]).toEqual([32, -1, 1e-3, true, true]);
    layer.apply(tn.zeros([1, 64]));
    const [gamma, beta] = layer.getWeights();
    expect([gamma.shape, beta.shape]).toEqual([[64], [64]]);
    expect(Array.from(gamma.data()).every((v) => v === 1) && Array.from(beta.data()).every((v) => v === 0)).toBe(true);
    expect(new tn.layers.GroupNormalization(8, { epsilon: 1e-5 })).toMatchObject({ groups: 8, epsilon: 1e-5 });
    const configured = new tn.layers.GroupNormalization({ groups: 4, axis: 1, epsilon: 1e-5, center: false, gammaInitializer: 'zeros', gammaRegularizer: 'l2' });
    const again = new tn.layers.GroupNormalization(JSON.parse(JSON.stringify(configured.getConfig())));
    expect(again.getConfig()).toEqual(configured.getConfig());
    expect(configured.getConfig()).toMatchObject({ groups: 4, axis: 1, epsilon: 1e-5, center: false, scale: true, gammaInitializer: { className: 'Zeros' } });
  });

  it('rejects bad groups, axes and channel counts', () => {
    expect(() => new tn.layers.GroupNormalization({ groups: 0 })).toThrow('GroupNormalization: received an invalid value for `groups`, expected a positive integer or -1 (one group per channel). Received: groups=0');
    expect(() => new tn.layers.GroupNormalization({ axis: 0 })).toThrow('GroupNormalization: received an invalid value for `axis`, expected a non-zero integer (axis 0 is the batch axis). Received: axis=0');
    expect(() => new tn.layers.GroupNormalization({ epsilon: 0 })).toThrow('received an invalid value for `epsilon`');
    expect(() => new tn.layers.GroupNormalization({ name: 'gn' }).apply(tn.zeros([2, 16]))).toThrow('Layer "gn": the number of groups (32) cannot be more than the number of channels (16). Input shape: [2,16]');
    expect(() => new tn.layers.GroupNormalization({ groups: 3, name: 'gn3' }).apply(tn.zeros([2, 16]))).toThrow('Layer "gn3": the number of channels (16) must be a multiple of the number of groups (3)');
    expect(() => new tn.layers.GroupNormalization({ groups: 2, name: 'gn4' }).apply(tn.input({ shape: [3, null] }))).toThrow('Layer "gn4": axis -1 of its input should have a defined dimension');
    const built = new tn.layers.GroupNormalization({ groups: 2, name: 'gn5' });
    built.apply(tn.zeros([2, 3, 4]));
    expect(() => built.apply(tn.zeros([2, 3, 6]))).toThrow('Input 0 of layer "gn5" is incompatible with the layer: expected axis 2 of input shape to have value 4, but received input with shape (2, 3, 6)');
  });
});

describe('UnitNormalization', () => {
  for (const [axis, shape] of [[-1, [3, 5]], [1, [2, 4, 3]], [[1, 2], [2, 3, 4]]] as [number | number[], number[]][]) {
    it(`scales to unit L2 norm over axis ${JSON.stringify(axis)}: float64 reference and finite differences`, () => {
      const layer = tn.layers.unitNormalization({ axis });
      const x = randomTensor(shape, 31 + shape.length);
      const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? shape.length + a : a));
      expectClose(layer.apply(x) as tn.Tensor, { shape, data: unitNormReference(x.data(), shape, axes) });
      gradCheck((t: tn.Tensor) => layer.apply(t) as tn.Tensor, [x]);
      expect(new tn.layers.UnitNormalization(JSON.parse(JSON.stringify(layer.getConfig()))).getConfig()).toEqual(layer.getConfig());
    });
  }

  it('maps a zero vector to zero with a finite gradient, and tiny vectors by the 1e-12 floor', () => {
    const layer = new tn.layers.UnitNormalization();
    const x = tn.tensor([0, 0, 0, 3e-14, 4e-14, 0], [2, 3]);
    const y = layer.apply(x) as tn.Tensor;
    expectClose(y, [0, 0, 0, 0.03, 0.04, 0], 1e-5, 1e-9);
    const g = tn.grads((t: tn.Tensor) => tn.sum(layer.apply(t) as tn.Tensor))([x])[0];
    expect(Array.from(g.data()).every(Number.isFinite)).toBe(true);
  });

  it('rejects bad axes', () => {
    expect(() => new tn.layers.UnitNormalization({ axis: 1.5 })).toThrow('UnitNormalization: received an invalid value for `axis`, expected an integer or a non-empty list of integers. Received: axis=1.5');
    expect(() => new tn.layers.UnitNormalization({ axis: 0, name: 'un' }).apply(tn.zeros([2, 3]))).toThrow('Layer "un": axis 0 includes the batch axis of its input');
    expect(() => new tn.layers.UnitNormalization({ axis: 3, name: 'un3' }).apply(tn.zeros([2, 3]))).toThrow(/un3.*axis 3/);
  });
});

describe('GroupNormalization and UnitNormalization: saving', () => {
  it('a model with both trains, saves and loads with the same outputs', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'tensornode-groupnorm-'));
    try {
      const model = new tn.Sequential([
        new tn.layers.Conv2D({ filters: 8, kernelSize: 3, inputShape: [6, 6, 2] }),
        new tn.layers.GroupNormalization({ groups: 4 }),
        new tn.layers.Flatten(),
        new tn.layers.UnitNormalization(),
        new tn.layers.Dense({ units: 1 }),
      ]);
      model.compile({ optimizer: 'adam', loss: 'mse' });
      const x = tn.randomNormal([4, 6, 6, 2], 0, 1, 'float32', 8);
      await model.fit(x, tn.randomNormal([4, 1], 0, 1, 'float32', 9), { epochs: 2, verbose: 0 });
      await model.save(dir);
      const loaded = await tn.models.loadModel(dir);
      expect(loaded.layers.map((l) => l.getConfig())).toEqual(model.layers.map((l) => l.getConfig()));
      expect(Array.from((loaded.predict(x) as tn.Tensor).data())).toEqual(Array.from((model.predict(x) as tn.Tensor).data()));
      // The trained gamma moved away from its initial ones, so the round trip carried real values.
      expect(Array.from(loaded.layers[1].getWeights()[0].data()).some((v) => v !== 1)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
