// Activation layers (ReLU, LeakyReLU, PReLU, ELU, Softmax, ThresholdedReLU): values against float64 formulas written
// here from Keras's definitions, gradients by finite differences (inputs kept away from the kinks), the learned alpha
// of PReLU with sharedAxes, config and save/load round trips, and the errors.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { expectClose } from '../helpers/conv-reference.js';
import { gradCheck, randomTensor } from '../helpers/gradcheck.js';

const { ReLU, LeakyReLU, PReLU, ELU, Softmax, ThresholdedReLU } = tn.layers;
const root = mkdtempSync(join(tmpdir(), 'tensornode-activation-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeEach(() => tn.clearSession());

function mapRef(x: tn.Tensor, f: (v: number) => number): Float64Array {
  return Float64Array.from(x.data(), f);
}

describe('ReLU', () => {
  const cases: [string, tn.layers.ReLUArgs, (v: number) => number, number[]][] = [
    ['defaults: max(x, 0)', {}, (v) => Math.max(v, 0), [0]],
    ['maxValue 6 (relu6, as MobileNet uses it)', { maxValue: 6 }, (v) => Math.min(Math.max(v, 0), 6), [0, 6]],
    ['maxValue 2.5', { maxValue: 2.5 }, (v) => Math.min(Math.max(v, 0), 2.5), [0, 2.5]],
    ['negativeSlope 0.1', { negativeSlope: 0.1 }, (v) => (v >= 0 ? v : 0.1 * v), [0]],
    ['threshold 1, negativeSlope 0.2, maxValue 4', { threshold: 1, negativeSlope: 0.2, maxValue: 4 }, (v) => (v >= 4 ? 4 : v >= 1 ? v : 0.2 * (v - 1)), [1, 4]],
    ['threshold 0.5 only', { threshold: 0.5 }, (v) => (v >= 0.5 ? v : 0), [0.5]],
  ];
  for (const [name, args, f, kinks] of cases) {
    it(`${name}: values and finite-difference gradients`, () => {
      const layer = new ReLU(args);
      const x = randomTensor([3, 4, 5], 1, -8, 8, kinks, 0.05);
      expectClose((layer.apply(x) as tn.Tensor).data(), mapRef(x, f), null, name);
      // Piecewise linear with kinks (a jump at a non-zero threshold): a step of 1e-3 x rms stays inside the 0.05 gap.
      gradCheck((t) => layer.apply(t) as tn.Tensor, [x], { eps: 1e-3 });
    });
  }

  it('propagates NaN, and validates its arguments as Keras does', () => {
    expect(Number.isNaN((new ReLU({ maxValue: 6 }).apply(tn.tensor([NaN])) as tn.Tensor).data()[0])).toBe(true);
    expect(() => new ReLU({ maxValue: -1 })).toThrow('ReLU: received an invalid value for `maxValue`, expected a finite number >= 0. Received: maxValue=-1');
    expect(() => new ReLU({ negativeSlope: -0.1 })).toThrow('ReLU: received an invalid value for `negativeSlope`, expected a finite number >= 0. Received: negativeSlope=-0.1');
    expect(() => new ReLU({ threshold: NaN })).toThrow('ReLU: received an invalid value for `threshold`, expected a finite number >= 0. Received: threshold=null');
    tn.clearSession();
    expect(new ReLU().name).toBe('re_lu');
    expect(tn.layers.reLU({ maxValue: 6 }).maxValue).toBe(6);
  });
});

describe('LeakyReLU, ELU, ThresholdedReLU', () => {
  it('LeakyReLU: alpha 0.3 by default (Keras 2 and TF.js), Keras 3\'s negativeSlope accepted', () => {
    const x = randomTensor([4, 7], 2, -3, 3, [0], 0.05);
    const layer = new LeakyReLU();
    expect(layer.alpha).toBe(0.3);
    expectClose((layer.apply(x) as tn.Tensor).data(), mapRef(x, (v) => (v >= 0 ? v : 0.3 * v)), null, 'default');
    const k3 = new LeakyReLU({ negativeSlope: 0.05 });
    expectClose((k3.apply(x) as tn.Tensor).data(), mapRef(x, (v) => (v >= 0 ? v : 0.05 * v)), null, 'negativeSlope');
    gradCheck((t) => k3.apply(t) as tn.Tensor, [x]);
    expect(tn.layers.leakyReLU({ alpha: 0.2 }).alpha).toBe(0.2);
    expect(() => new LeakyReLU({ alpha: 0.1, negativeSlope: 0.2 })).toThrow('LeakyReLU: `alpha` and `negativeSlope` name the same slope; give one. Received: alpha=0.1, negativeSlope=0.2');
    expect(() => new LeakyReLU({ alpha: -1 })).toThrow('LeakyReLU: received an invalid value for `alpha`, expected a finite number >= 0. Received: alpha=-1');
  });

  it('ELU: alpha * (exp(x) - 1) below 0', () => {
    const x = randomTensor([3, 9], 3, -3, 3, [0], 0.05);
    const layer = new ELU({ alpha: 0.7 });
    expectClose((layer.apply(x) as tn.Tensor).data(), mapRef(x, (v) => (v > 0 ? v : 0.7 * Math.expm1(v))), null, 'elu');
    gradCheck((t) => layer.apply(t) as tn.Tensor, [x]);
    expect(new ELU().alpha).toBe(1);
    expect(tn.layers.elu({ alpha: 2 }).alpha).toBe(2);
    expect(() => new ELU({ alpha: Infinity })).toThrow('ELU: received an invalid value for `alpha`, expected a finite number. Received: alpha=null');
  });

  it('ThresholdedReLU: x above theta, else 0', () => {
    const x = randomTensor([5, 6], 4, -2, 3, [0.8], 0.05);
    const layer = new ThresholdedReLU({ theta: 0.8 });
    expectClose((layer.apply(x) as tn.Tensor).data(), mapRef(x, (v) => (v > 0.8 ? v : 0)), null, 'thresholded');
    gradCheck((t) => layer.apply(t) as tn.Tensor, [x]);
    expect(new ThresholdedReLU().theta).toBe(1);
    expect(tn.layers.thresholdedReLU({ theta: 0 }).theta).toBe(0);
    expect(() => new ThresholdedReLU({ theta: -1 })).toThrow('ThresholdedReLU: received an invalid value for `theta`, expected a finite number >= 0. Received: theta=-1');
  });
});

describe('PReLU', () => {
  it('learns one alpha per element of a sample, or shared along sharedAxes; weight "alpha" zeros by default', () => {
    const full = new PReLU();
    full.apply(tn.zeros([2, 3, 4, 5]));
    expect(full.weights.map((w) => [w.name, w.shape])).toEqual([['p_re_lu/alpha', [3, 4, 5]]]);
    expect(Array.from(full.weights[0].data()).every((v) => v === 0)).toBe(true);
    const shared = new PReLU({ sharedAxes: [1, 2] });
    shared.apply(tn.zeros([2, 3, 4, 5]));
    expect(shared.weights[0].shape).toEqual([1, 1, 5]);
    expect(new PReLU({ sharedAxes: 2 }).sharedAxes).toEqual([2]);
    expect(tn.layers.prelu({ alphaInitializer: 'ones' }).alphaInitializer).toBe('ones');
  });

  it('values, input gradient by finite differences, and the alpha gradient summed over the shared axes', () => {
    const layer = new PReLU({ sharedAxes: [1, 2] });
    const x = randomTensor([2, 3, 4, 5], 5, -2, 2, [0], 0.05);
    layer.apply(x);
    const alpha = randomTensor([1, 1, 5], 6, -1, 1);
    layer.setWeights([alpha]);
    const av = alpha.data();
    const xv = x.data();
    expectClose((layer.apply(x) as tn.Tensor).data(), Float64Array.from(xv, (v, i) => (v >= 0 ? v : av[i % 5] * v)), null, 'prelu');
    gradCheck((t) => layer.apply(t) as tn.Tensor, [x]);
    const r = randomTensor(x.shape, 7);
    const rv = r.data();
    const [g] = tn.gradients(tn.sum(tn.mul(layer.apply(x) as tn.Tensor, r)), [layer.weights[0]]);
    const ref = new Float64Array(5);
    xv.forEach((v, i) => (ref[i % 5] += rv[i] * Math.min(v, 0)));
    expectClose(g.data(), ref, null, 'alpha gradient');
  });

  it('rejects bad sharedAxes, unknown axes and a bad constraint', () => {
    expect(() => new PReLU({ sharedAxes: [0] })).toThrow('PReLU: received an invalid value for `sharedAxes`, expected a positive integer or a list of them (axis 0 is the batch axis). Received: sharedAxes=[0]');
    expect(() => new PReLU({ sharedAxes: [3], name: 'p' }).apply(tn.zeros([2, 3, 4]))).toThrow('Layer "p": sharedAxes [3] names axis 3, but its input has rank 3 (shape [2,3,4])');
    expect(() => new PReLU({ alphaConstraint: 'non_neg' as unknown as null })).toThrow('PReLU: received an invalid value for `alphaConstraint`, expected null (not supported by tensornode)');
    const p = new PReLU({ name: 'q' });
    p.apply(tn.zeros([1, 3]));
    expect(() => p.apply(tn.zeros([1, 4]))).toThrow('Input 0 of layer "q" is incompatible with the layer: expected axis 1 of input shape to have value 3, but received input with shape (1, 4)');
  });
});

describe('Softmax', () => {
  it('normalizes along axis (default -1), with gradients by finite differences', () => {
    const x = randomTensor([2, 3, 4], 8);
    for (const axis of [-1, 1, 0]) {
      const layer = new Softmax({ axis });
      const [n0, n1, n2] = x.shape;
      const xv = x.data();
      const a = axis < 0 ? 2 : axis;
      const strides = [n1 * n2, n2, 1];
      const ref = new Float64Array(xv.length);
      for (let i = 0; i < xv.length; i++) {
        const idx = [Math.floor(i / (n1 * n2)), Math.floor(i / n2) % n1, i % n2];
        let s = 0;
        for (let k = 0; k < [n0, n1, n2][a]; k++) s += Math.exp(xv[i + (k - idx[a]) * strides[a]]);
        ref[i] = Math.exp(xv[i]) / s;
      }
      expectClose((layer.apply(x) as tn.Tensor).data(), ref, null, `axis ${axis}`);
      gradCheck((t) => layer.apply(t) as tn.Tensor, [x]);
    }
    expect(new Softmax({ axis: [1] }).axis).toBe(1);
    expect(tn.layers.softmax({ axis: 0 }).axis).toBe(0);
  });

  it('rejects a bad axis', () => {
    expect(() => new Softmax({ axis: [1, 2] })).toThrow('Softmax: received an invalid value for `axis`, expected an integer (one axis). Received: axis=[1,2]');
    expect(() => new Softmax({ axis: 3, name: 's' }).apply(tn.zeros([2, 3]))).toThrow('Layer "s": axis 3 is out of range for its input of shape [2,3]');
  });
});

describe('activation layers: configs and saving', () => {
  it('configs give back equal layers through the constructor', () => {
    const layers: tn.Layer[] = [
      new ReLU(), new ReLU({ maxValue: 6 }), new ReLU({ maxValue: 3, negativeSlope: 0.1, threshold: 0.5 }), new LeakyReLU({ alpha: 0.2 }),
      new PReLU({ sharedAxes: [1, 2], alphaInitializer: new tn.initializers.Constant({ value: 0.25 }), alphaRegularizer: 'l2' }),
      new ELU({ alpha: 0.5 }), new Softmax({ axis: 1 }), new ThresholdedReLU({ theta: 0.3 }),
    ];
    for (const layer of layers) {
      const config = JSON.parse(JSON.stringify(layer.getConfig())) as Record<string, unknown>;
      const again = new (layer.constructor as new (c: Record<string, unknown>) => tn.Layer)(config);
      expect(again.getConfig(), layer.className).toEqual(layer.getConfig());
    }
  });

  it('a trained model with every activation layer saves and loads with the same weights and predictions', async () => {
    const model = new tn.Sequential([
      new tn.layers.Dense(6, { inputShape: [4] }), new ReLU({ maxValue: 6 }),
      new tn.layers.Dense(6), new ReLU({ threshold: 0.1, negativeSlope: 0.2, maxValue: 5 }),
      new tn.layers.Dense(6), new LeakyReLU({ alpha: 0.1 }), new tn.layers.Dense(6), new PReLU({ alphaInitializer: 'ones' }),
      new tn.layers.Dense(6), new ELU({ alpha: 0.5 }), new tn.layers.Dense(6), new ThresholdedReLU({ theta: 0.2 }),
      new tn.layers.Dense(3), new Softmax(),
    ]);
    model.compile({ optimizer: 'sgd', loss: 'categorical_crossentropy' });
    const x = tn.randomNormal([10, 4], 0, 1, 'float32', 9);
    const y = tn.oneHot(tn.tensor(Array.from({ length: 10 }, (_, i) => i % 3), [10], 'int32'), 3);
    await model.fit(x, y, { epochs: 1, batchSize: 5, verbose: 0 });
    const dir = join(root, 'model');
    await model.save(dir);
    const loaded = await tn.models.loadModel(dir);
    expect(loaded.layers.map((l) => l.getConfig())).toEqual(model.layers.map((l) => l.getConfig()));
    expect(loaded.getWeights().map((w) => Array.from(w.data()))).toEqual(model.getWeights().map((w) => Array.from(w.data())));
    expect(Array.from((loaded.predict(x) as tn.Tensor).data())).toEqual(Array.from((model.predict(x) as tn.Tensor).data()));
  });
});
