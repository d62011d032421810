// GaussianNoise, GaussianDropout, AlphaDropout, SpatialDropout1D/2D and ActivityRegularization.
//
// The noise layers are checked three ways: (1) exactly, where the formula leaves no randomness in the relation
// between input and output (AlphaDropout's outputs are a * x + b or a * alpha' + b; SpatialDropout's channels are
// all 0 or all 1 / (1 - rate)); (2) statistically, over many elements with a fixed seed: each sample mean, variance
// or drop fraction lies within Z = 5 standard errors of its expected value, the standard error computed from the
// sample size and the distribution's moments (a correct layer fails such a bound with probability < 1e-6, while a
// wrong formula, e.g. a stddev of rate / (1 - rate) instead of its square root, misses by hundreds of standard
// errors); (3) by finite differences in training mode, with a fresh seeded layer per evaluation so every call sees
// the same noise. In inference every noise layer is the identity.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { expectClose } from '../helpers/golden.js';
import { gradCheck, randomTensor } from '../helpers/gradcheck.js';

const { GaussianNoise, GaussianDropout, AlphaDropout, SpatialDropout1D, SpatialDropout2D, ActivityRegularization } = tn.layers;
const root = mkdtempSync(join(tmpdir(), 'tensornode-noise-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeEach(() => tn.clearSession());

/** Standard errors allowed: P(|N(0, 1)| > 5) = 5.7e-7. */
const Z = 5;
const N = 200_000;

function moments(v: ArrayLike<number>): { mean: number; variance: number } {
  let m = 0;
  for (let i = 0; i < v.length; i++) m += v[i];
  m /= v.length;
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] - m) ** 2;
  return { mean: m, variance: s / v.length };
}

/** Asserts sample mean and variance of n draws of a normal(mu, sigma^2): SE(mean) = sigma / sqrt(n), SE(s^2) = sigma^2 sqrt(2 / n). */
function expectNormalMoments(v: ArrayLike<number>, mu: number, sigma: number): void {
  const { mean, variance } = moments(v);
  expect(Math.abs(mean - mu)).toBeLessThan((Z * sigma) / Math.sqrt(v.length));
  expect(Math.abs(variance - sigma * sigma)).toBeLessThan(Z * sigma * sigma * Math.sqrt(2 / v.length));
}

/** Asserts that k successes in n Bernoulli(p) trials is within Z standard errors: SE = sqrt(p (1 - p) / n). */
function expectFraction(k: number, n: number, p: number): void {
  expect(Math.abs(k / n - p)).toBeLessThan(Z * Math.sqrt((p * (1 - p)) / n));
}

const values = (t: tn.Tensor | tn.Tensor[]) => Array.from((t as tn.Tensor).data());

describe('every noise layer is the identity in inference and repeats with a seed', () => {
  const makers: [string, (seed?: number) => tn.Layer][] = [
    ['GaussianNoise', (seed) => new GaussianNoise({ stddev: 0.5, seed })],
    ['GaussianDropout', (seed) => new GaussianDropout({ rate: 0.3, seed })],
    ['AlphaDropout', (seed) => new AlphaDropout({ rate: 0.3, seed })],
    ['SpatialDropout1D', (seed) => new SpatialDropout1D({ rate: 0.3, seed })],
  ];
  for (const [name, make] of makers) {
    it(name, () => {
      const x = randomTensor([4, 5, 6], 1);
      const layer = make(11);
      expect(values(layer.apply(x))).toEqual(values(x));
      expect(values(layer.apply(x, { training: false }))).toEqual(values(x));
      const first = values(layer.apply(x, { training: true }));
      expect(first).not.toEqual(values(x));
      // The same seed gives the same stream; the next call of one layer draws new noise.
      expect(values(make(11).apply(x, { training: true }))).toEqual(first);
      expect(values(layer.apply(x, { training: true }))).not.toEqual(first);
      // Without a seed the layer draws from the global stream, which tn.setSeed fixes.
      tn.setSeed(5);
      const a = values(make().apply(x, { training: true }));
      tn.setSeed(5);
      expect(values(make().apply(x, { training: true }))).toEqual(a);
    });
  }
  it('SpatialDropout2D', () => {
    const x = randomTensor([2, 3, 3, 4], 2);
    const layer = new SpatialDropout2D({ rate: 0.5, seed: 3 });
    expect(values(layer.apply(x))).toEqual(values(x));
    expect(values(new SpatialDropout2D({ rate: 0.5, seed: 3 }).apply(x, { training: true }))).toEqual(values(layer.apply(x, { training: true })));
  });
});

describe('GaussianNoise', () => {
  it('adds N(0, stddev^2) noise in training', () => {
    const x = randomTensor([N], 3);
    const y = new GaussianNoise({ stddev: 0.7, seed: 1 }).apply(x, { training: true }) as tn.Tensor;
    expectNormalMoments(values(tn.sub(y, x)), 0, 0.7);
    expect(tn.layers.gaussianNoise({ stddev: 0.2 }).stddev).toBe(0.2);
  });

  it('has an identity gradient', () => {
    gradCheck((t) => new GaussianNoise({ stddev: 1, seed: 4 }).apply(t, { training: true }) as tn.Tensor, [randomTensor([3, 7], 4)]);
  });
});

describe('GaussianDropout', () => {
  it('multiplies by noise of mean 1 and standard deviation sqrt(rate / (1 - rate))', () => {
    for (const rate of [0.1, 0.5, 0.8]) {
      const y = new GaussianDropout({ rate, seed: 2 }).apply(tn.ones([N]), { training: true }) as tn.Tensor;
      expectNormalMoments(values(y), 1, Math.sqrt(rate / (1 - rate)));
    }
    expect(values(new GaussianDropout(0).apply(tn.ones([4]), { training: true }))).toEqual([1, 1, 1, 1]);
  });

  it('has the gradient of its noise', () => {
    gradCheck((t) => new GaussianDropout({ rate: 0.4, seed: 5 }).apply(t, { training: true }) as tn.Tensor, [randomTensor([3, 7], 5)]);
  });
});

describe('AlphaDropout', () => {
  const alphaP = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946;

  it('sets dropped elements to SELU\'s saturation and applies the affine correction a * y + b', () => {
    const rate = 0.2;
    const a = ((1 - rate) * (1 + rate * alphaP ** 2)) ** -0.5;
    const b = -a * alphaP * rate;
    const x = tn.randomNormal([N], 0, 1, 'float32', 7);
    const y = values(new AlphaDropout({ rate, seed: 3 }).apply(x, { training: true }));
    const xv = x.data();
    const droppedValue = a * alphaP + b;
    let dropped = 0;
    let wrong = -1;
    for (let i = 0; i < y.length; i++) {
      const kept = a * xv[i] + b;
      // Each output is one of the two affine images (to float32 rounding); a kept value equal to the dropped one
      // has probability 0 for continuous x.
      if (Math.abs(y[i] - droppedValue) <= 1e-6) dropped++;
      else if (Math.abs(y[i] - kept) > 1e-6 * (1 + Math.abs(kept)) && wrong < 0) wrong = i;
    }
    expect(wrong, wrong < 0 ? '' : `element ${wrong}: ${y[wrong]}, x = ${xv[wrong]}`).toBe(-1);
    expectFraction(dropped, N, rate);
    // Inputs of mean 0 and variance 1 keep them (the point of the correction). The sample variance's standard
    // error comes from the output's fourth moment: mu4 = (1 - rate) E[(a x + b)^4] + rate (a alpha' + b)^4.
    const mu4 = (1 - rate) * (3 * a ** 4 + 6 * a ** 2 * b ** 2 + b ** 4) + rate * droppedValue ** 4;
    const { mean, variance } = moments(y);
    const xm = moments(xv);
    // The output's moments follow the input sample's own, plus the mask's randomness.
    expect(Math.abs(mean - (a * (1 - rate) * xm.mean))).toBeLessThan(Z * Math.sqrt(1 / N));
    expect(Math.abs(variance - 1)).toBeLessThan(Z * Math.sqrt((mu4 - 1) / N) + Math.abs(xm.variance - 1));
  });

  it('shares decisions along the axes where noiseShape is 1', () => {
    const layer = new AlphaDropout({ rate: 0.5, noiseShape: [null, 1, null], seed: 4 });
    const y = layer.apply(tn.ones([8, 5, 6]), { training: true }) as tn.Tensor;
    const v = y.data();
    let differs = 0;
    for (let b = 0; b < 8; b++) for (let c = 0; c < 6; c++) for (let s = 1; s < 5; s++) if (v[(b * 5 + s) * 6 + c] !== v[b * 30 + c]) differs++;
    expect(differs).toBe(0);
    expect(new Set(Array.from(v)).size).toBe(2);
    expect(() => new AlphaDropout({ rate: 0.5, noiseShape: [null, 2, null], name: 'ad' }).apply(tn.ones([2, 5, 6]), { training: true })).toThrow('Layer "ad": noiseShape [null,2,null] does not broadcast to its input of shape [2,5,6]');
  });

  it('has the gradient a * mask', () => {
    gradCheck((t) => new AlphaDropout({ rate: 0.3, seed: 6 }).apply(t, { training: true }) as tn.Tensor, [randomTensor([4, 6], 6)]);
  });
});

describe('SpatialDropout1D and SpatialDropout2D', () => {
  it('SpatialDropout1D drops whole channels of [batch, steps, channels], scaling the rest by 1 / (1 - rate)', () => {
    const [batch, steps, channels, rate] = [200, 4, 250, 0.3];
    const v = values(new SpatialDropout1D({ rate, seed: 8 }).apply(tn.ones([batch, steps, channels]), { training: true }));
    let dropped = 0;
    const bad: string[] = [];
    for (let b = 0; b < batch; b++) {
      for (let c = 0; c < channels; c++) {
        const first = v[b * steps * channels + c];
        if (first !== 0 && first !== Math.fround(1 / (1 - rate))) bad.push(`value ${first} at sample ${b}, channel ${c}`);
        for (let s = 1; s < steps; s++) if (v[(b * steps + s) * channels + c] !== first) bad.push(`sample ${b}, channel ${c}, step ${s} differs from step 0`);
        if (first === 0) dropped++;
      }
    }
    expect(bad.slice(0, 3)).toEqual([]);
    expectFraction(dropped, batch * channels, rate);
    gradCheck((t) => new SpatialDropout1D({ rate: 0.5, seed: 9 }).apply(t, { training: true }) as tn.Tensor, [randomTensor([2, 3, 5], 9)]);
  });

  it('SpatialDropout2D drops whole feature maps, channels last and channels first', () => {
    const rate = 0.6;
    for (const dataFormat of ['channels_last', 'channels_first'] as const) {
      const shape = dataFormat === 'channels_last' ? [100, 3, 2, 200] : [100, 200, 3, 2];
      const y = new SpatialDropout2D({ rate, dataFormat, seed: 10 }).apply(tn.ones(shape), { training: true }) as tn.Tensor;
      const v = values(dataFormat === 'channels_last' ? y : tn.transpose(y, [0, 2, 3, 1]));
      let dropped = 0;
      const bad: string[] = [];
      for (let b = 0; b < 100; b++) {
        for (let c = 0; c < 200; c++) {
          const first = v[b * 6 * 200 + c];
          if (first !== 0 && first !== Math.fround(1 / (1 - rate))) bad.push(`value ${first} at sample ${b}, channel ${c}`);
          for (let p = 1; p < 6; p++) if (v[(b * 6 + p) * 200 + c] !== first) bad.push(`sample ${b}, channel ${c}, pixel ${p} differs from pixel 0`);
          if (first === 0) dropped++;
        }
      }
      expect(bad.slice(0, 3), dataFormat).toEqual([]);
      expectFraction(dropped, 100 * 200, rate);
    }
    gradCheck((t) => new SpatialDropout2D({ rate: 0.5, seed: 11 }).apply(t, { training: true }) as tn.Tensor, [randomTensor([2, 2, 3, 4], 11)]);
    expect(tn.layers.spatialDropout2d({ rate: 0.1, dataFormat: 'channelsFirst' }).dataFormat).toBe('channels_first');
  });

  it('rejects inputs of the wrong rank', () => {
    expect(() => new SpatialDropout1D({ rate: 0.5, name: 'sd1' }).apply(tn.ones([2, 3]))).toThrow('Input 0 of layer "sd1" is incompatible with the layer: expected ndim=3, found ndim=2. Full shape received: (2, 3)');
    expect(() => new SpatialDropout2D({ rate: 0.5, name: 'sd2' }).apply(tn.ones([2, 3, 4]))).toThrow('Input 0 of layer "sd2" is incompatible with the layer: expected ndim=4, found ndim=3');
  });
});

describe('ActivityRegularization', () => {
  it('is the identity and adds l1 * sum|x| + l2 * sum x^2 to its losses, with that gradient', () => {
    const x = randomTensor([3, 5], 12, -2, 2, [0]);
    const layer = new ActivityRegularization({ l1: 0.01, l2: 0.2 });
    expect(values(layer.apply(x))).toEqual(values(x));
    const v = x.data();
    let penalty = 0;
    for (const e of v) penalty += 0.01 * Math.abs(e) + 0.2 * e * e;
    expect(layer.losses.length).toBe(1);
    expectClose(layer.losses[0], [penalty], 1e-5, 1e-6);
    gradCheck((t) => {
      layer.apply(t);
      return layer.losses[0];
    }, [x]);
    expect(new ActivityRegularization().apply(x) && new ActivityRegularization().losses).toEqual([]);
    expect(tn.layers.activityRegularization({ l2: 1 }).l2).toBe(1);
  });

  it('its penalty enters the training loss: one SGD step equals the step on mse + penalty', () => {
    const model = new tn.Sequential([
      new tn.layers.Dense({ units: 2, inputShape: [3] }),
      new ActivityRegularization({ l1: 0.05, l2: 0.1 }),
    ]);
    model.compile({ optimizer: new tn.optimizers.SGD({ learningRate: 0.1 }), loss: 'mse' });
    const x = tn.randomNormal([4, 3], 0, 1, 'float32', 13);
    const y = tn.randomNormal([4, 2], 0, 1, 'float32', 14);
    const weights = model.trainableWeights;
    const before = weights.map((w) => Float32Array.from(w.data() as Float32Array));
    const out = model.apply(x) as tn.Tensor;
    const loss = tn.add(tn.mean(tn.square(tn.sub(out, y))), tn.add(tn.mul(tn.sum(tn.abs(out)), 0.05), tn.mul(tn.sum(tn.square(out)), 0.1)));
    const grads = tn.gradients(loss, weights);
    model.trainOnBatch(x, y);
    weights.forEach((w, k) => {
      const g = grads[k].data();
      expectClose(w.data(), Array.from(before[k], (b, i) => b - 0.1 * g[i]), 1e-5, 1e-6, w.name);
    });
  });
});

describe('noise layers: arguments, configs and saving', () => {
  it('rejects bad rates, deviations, seeds and factors', () => {
    expect(() => new GaussianNoise({ stddev: -1 })).toThrow('GaussianNoise: received an invalid value for `stddev`, expected a finite number >= 0. Received: stddev=-1');
    expect(() => new GaussianNoise({} as { stddev: number })).toThrow('Received: stddev=undefined');
    for (const [cls, make] of [
      ['GaussianDropout', (r: number) => new GaussianDropout(r)], ['AlphaDropout', (r: number) => new AlphaDropout(r)],
      ['SpatialDropout1D', (r: number) => new SpatialDropout1D(r)], ['SpatialDropout2D', (r: number) => new SpatialDropout2D(r)],
    ] as const) {
      for (const r of [1, -0.1, NaN]) expect(() => make(r)).toThrow(`${cls}: received an invalid value for \`rate\`, expected a number in [0, 1). Received: rate=${JSON.stringify(r)}`);
    }
    expect(() => new GaussianDropout({ rate: 0.5, seed: Infinity })).toThrow('GaussianDropout: received an invalid value for `seed`, expected a finite number');
    expect(() => new AlphaDropout({ rate: 0.5, noiseShape: [0] })).toThrow('AlphaDropout: received an invalid value for `noiseShape`');
    expect(() => new SpatialDropout2D({ rate: 0.5, dataFormat: 'nhwc' as 'channels_last' })).toThrow("SpatialDropout2D: received an invalid value for `dataFormat`, expected 'channels_last' or 'channels_first'");
    expect(() => new ActivityRegularization({ l1: -1 })).toThrow('ActivityRegularization: received an invalid value for `l1`, expected a finite number >= 0. Received: l1=-1');
  });

  it('configs give back equal layers, and a model with each saves and loads', async () => {
    const layers: tn.Layer[] = [
      new GaussianNoise({ stddev: 0.3, seed: 2 }), new GaussianDropout({ rate: 0.2 }), new AlphaDropout({ rate: 0.1, noiseShape: [null, 1], seed: 3 }),
      new SpatialDropout1D({ rate: 0.4 }), new SpatialDropout2D({ rate: 0.25, dataFormat: 'channels_first', seed: 1 }), new ActivityRegularization({ l1: 0.5 }),
    ];
    for (const layer of layers) {
      const again = new (layer.constructor as new (c: Record<string, unknown>) => tn.Layer)(JSON.parse(JSON.stringify(layer.getConfig())));
      expect(again.getConfig(), layer.className).toEqual(layer.getConfig());
    }
    const model = new tn.Sequential([
      new SpatialDropout2D({ rate: 0.2, inputShape: [4, 4, 2], seed: 1 }),
      new tn.layers.Reshape([16, 2]),
      new SpatialDropout1D({ rate: 0.2 }),
      new tn.layers.Flatten(),
      new GaussianNoise({ stddev: 0.1 }),
      new tn.layers.Dense({ units: 4, activation: 'selu' }),
      new AlphaDropout({ rate: 0.1 }),
      new GaussianDropout({ rate: 0.1 }),
      new ActivityRegularization({ l2: 0.01 }),
      new tn.layers.Dense({ units: 1 }),
    ]);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = tn.randomNormal([8, 4, 4, 2], 0, 1, 'float32', 15);
    await model.fit(x, tn.randomNormal([8, 1], 0, 1, 'float32', 16), { epochs: 2, batchSize: 4, verbose: 0 });
    const dir = join(root, 'noise');
    await model.save(dir);
    const loaded = await tn.models.loadModel(dir);
    expect(loaded.layers.map((l) => l.getConfig())).toEqual(model.layers.map((l) => l.getConfig()));
    expect(values(loaded.predict(x) as tn.Tensor)).toEqual(values(model.predict(x) as tn.Tensor));
  });
});
