// ZeroPadding1D/2D, UpSampling1D/2D, Cropping1D/2D, RepeatVector, Permute, TimeDistributed and Lambda.
// ZeroPadding1D and ZeroPadding2D: every padding form Keras and TF.js accept, values against a direct loop, output
// shapes (also with unknown sizes), gradients by finite differences, Teachable Machine's MobileNetV2 option set,
// config and save/load round trips, and the errors.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { expectClose } from '../helpers/golden.js';
import { gradCheck, randomTensor, variableGradCheck } from '../helpers/gradcheck.js';
import { bilinearReference, nearestReference } from '../helpers/resize-reference.js';

const { ZeroPadding1D, ZeroPadding2D } = tn.layers;
const root = mkdtempSync(join(tmpdir(), 'tensornode-reshaping-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeEach(() => tn.clearSession());

/** x [n, h, w, c] padded with zeros by rows [top, bottom] and cols [left, right], by a direct loop. */
function padRef(x: tn.Tensor, rows: [number, number], cols: [number, number]): { shape: number[]; values: number[] } {
  const [n, h, w, c] = x.shape;
  const H = h + rows[0] + rows[1];
  const W = w + cols[0] + cols[1];
  const v = x.data();
  const out = new Array<number>(n * H * W * c).fill(0);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++)
        for (let k = 0; k < c; k++) out[((b * H + i + rows[0]) * W + j + cols[0]) * c + k] = v[((b * h + i) * w + j) * c + k];
  return { shape: [n, H, W, c], values: out };
}

describe('ZeroPadding2D', () => {
  const forms: [string, ConstructorParameters<typeof ZeroPadding2D>[0], [number, number], [number, number]][] = [
    ['default (1 on every side)', undefined, [1, 1], [1, 1]],
    ['an integer', 2, [2, 2], [2, 2]],
    ['[rows, columns]', [1, 3], [1, 1], [3, 3]],
    ['[[top, bottom], [left, right]] (MobileNet\'s [[0, 1], [0, 1]])', [[0, 1], [0, 1]], [0, 1], [0, 1]],
    ['an options object', { padding: [[2, 0], [1, 2]] }, [2, 0], [1, 2]],
  ];
  for (const [name, arg, rows, cols] of forms) {
    it(`pads ${name}: values, shape and gradient`, () => {
      const layer = arg === undefined ? new ZeroPadding2D() : new ZeroPadding2D(arg);
      expect(layer.padding).toEqual([rows, cols]);
      const x = randomTensor([2, 3, 4, 3], 1);
      const y = layer.apply(x) as tn.Tensor;
      const ref = padRef(x, rows, cols);
      expect(y.shape).toEqual(ref.shape);
      expect(Array.from(y.data())).toEqual(ref.values);
      expect(layer.computeOutputShape([null, 3, null, 3])).toEqual([null, 3 + rows[0] + rows[1], null, 3]);
      gradCheck((t) => layer.apply(t) as tn.Tensor, [x]);
    });
  }

  it('pads channels-first input along its last two axes', () => {
    const layer = new ZeroPadding2D({ padding: [[1, 0], [0, 2]], dataFormat: 'channels_first' });
    const x = randomTensor([1, 2, 3, 3], 2);
    const y = layer.apply(x) as tn.Tensor;
    // channels first is channels last with the axes moved: pad the transposed input and move them back
    const ref = padRef(tn.transpose(x, [0, 2, 3, 1]), [1, 0], [0, 2]);
    expect(y.shape).toEqual([1, 2, 4, 5]);
    expect(Array.from(tn.transpose(y, [0, 2, 3, 1]).data())).toEqual(ref.values);
    expect(layer.computeOutputShape([null, 2, 3, 3])).toEqual([null, 2, 4, 5]);
    expect(tn.layers.zeroPadding2d({ padding: 1, dataFormat: 'channelsFirst' }).dataFormat).toBe('channels_first');
  });

  it('takes the options of a real MobileNetV2 file (Teachable Machine\'s Conv1_pad)', () => {
    const c = JSON.parse(readFileSync(join(__dirname, '../fixtures/tm-mobilenet-v2-layers.json'), 'utf8')).ZeroPadding2D as Record<string, unknown>;
    const layer = new ZeroPadding2D({ padding: c.padding as [[number, number], [number, number]], dataFormat: c.data_format as 'channels_last', name: c.name as string });
    expect(layer.computeOutputShape([null, 224, 224, 3])).toEqual([null, 225, 225, 3]);
    expect(layer.getConfig()).toMatchObject({ name: 'Conv1_pad', padding: [[0, 1], [0, 1]], dataFormat: 'channels_last' });
  });

  it('rejects bad padding, data formats and input ranks', () => {
    const expected = 'a non-negative integer, a pair [rows, columns] of them, or [[top, bottom], [left, right]]';
    expect(() => new ZeroPadding2D(-1)).toThrow(`ZeroPadding2D: received an invalid value for \`padding\`, expected ${expected}. Received: padding=-1`);
    expect(() => new ZeroPadding2D([1, 2, 3] as unknown as number)).toThrow(`expected ${expected}. Received: padding=[1,2,3]`);
    expect(() => new ZeroPadding2D([[1, 2], [1.5, 0]])).toThrow(`expected ${expected}. Received: padding=[[1,2],[1.5,0]]`);
    expect(() => new ZeroPadding2D({ dataFormat: 'nhwc' as 'channels_last' })).toThrow(`ZeroPadding2D: received an invalid value for \`dataFormat\`, expected 'channels_last' or 'channels_first'. Received: dataFormat="nhwc"`);
    expect(() => new ZeroPadding2D({ name: 'zp' }).apply(tn.zeros([2, 3, 4]))).toThrow('Input 0 of layer "zp" is incompatible with the layer: expected ndim=4, found ndim=3. Full shape received: (2, 3, 4)');
  });
});

describe('ZeroPadding1D', () => {
  it('pads the steps axis by an integer or [start, end]: values, shape and gradient', () => {
    const x = randomTensor([2, 3, 4], 3);
    for (const [arg, p] of [[undefined, [1, 1]], [2, [2, 2]], [[0, 3], [0, 3]], [{ padding: [1, 0] }, [1, 0]]] as const) {
      const layer = arg === undefined ? new ZeroPadding1D() : new ZeroPadding1D(arg as number);
      const y = layer.apply(x) as tn.Tensor;
      expect(y.shape).toEqual([2, 3 + p[0] + p[1], 4]);
      const ref = padRef(tn.reshape(x, [2, 1, 3, 4]), [0, 0], [p[0], p[1]]);
      expect(Array.from(y.data())).toEqual(ref.values);
      expect(layer.computeOutputShape([null, null, 4])).toEqual([null, null, 4]);
      gradCheck((t) => layer.apply(t) as tn.Tensor, [x]);
    }
    expect(tn.layers.zeroPadding1d({ padding: 3 }).padding).toEqual([3, 3]);
  });

  it('rejects bad padding and input ranks', () => {
    expect(() => new ZeroPadding1D([1, -1])).toThrow('ZeroPadding1D: received an invalid value for `padding`, expected a non-negative integer or a pair [start, end] of them. Received: padding=[1,-1]');
    expect(() => new ZeroPadding1D({ name: 'z1' }).apply(tn.zeros([2, 3, 4, 5]))).toThrow('Input 0 of layer "z1" is incompatible with the layer: expected ndim=3, found ndim=4');
  });
});

describe('padding layers: configs and saving', () => {
  it('configs give back equal layers, and a model with both saves and loads', async () => {
    for (const layer of [new ZeroPadding2D([[0, 1], [2, 3]]), new ZeroPadding2D({ padding: 1, dataFormat: 'channels_first' }), new ZeroPadding1D([2, 1])] as tn.Layer[]) {
      const again = new (layer.constructor as new (c: Record<string, unknown>) => tn.Layer)(JSON.parse(JSON.stringify(layer.getConfig())));
      expect(again.getConfig(), layer.className).toEqual(layer.getConfig());
    }
    const model = new tn.Sequential([
      new ZeroPadding2D({ padding: [[0, 1], [0, 1]], inputShape: [6, 6, 2] }),
      new tn.layers.Conv2D(3, 3, { strides: 2 }),
      new tn.layers.Reshape([9, 3]),
      new ZeroPadding1D(2),
      new tn.layers.Flatten(),
      new tn.layers.Dense(1),
    ]);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = tn.randomNormal([4, 6, 6, 2], 0, 1, 'float32', 4);
    await model.fit(x, tn.randomNormal([4, 1], 0, 1, 'float32', 5), { epochs: 1, verbose: 0 });
    const dir = join(root, 'model');
    await model.save(dir);
    const loaded = await tn.models.loadModel(dir);
    expect(loaded.layers.map((l) => l.getConfig())).toEqual(model.layers.map((l) => l.getConfig()));
    expect(Array.from((loaded.predict(x) as tn.Tensor).data())).toEqual(Array.from((model.predict(x) as tn.Tensor).data()));
  });
});

// ---------------------------------------------------------------------------------------------------------------
// UpSampling1D/2D, Cropping1D/2D, RepeatVector, Permute, TimeDistributed, Lambda

const { UpSampling1D, UpSampling2D, Cropping1D, Cropping2D, RepeatVector, Permute, TimeDistributed, Lambda } = tn.layers;

/** x [n, h, w, c] without `rows` [top, bottom] and `cols` [left, right] at its borders, by a direct loop. */
function cropRef(x: tn.Tensor, rows: [number, number], cols: [number, number]): { shape: number[]; values: number[] } {
  const [n, h, w, c] = x.shape;
  const v = x.data();
  const out: number[] = [];
  for (let b = 0; b < n; b++)
    for (let i = rows[0]; i < h - rows[1]; i++)
      for (let j = cols[0]; j < w - cols[1]; j++)
        for (let k = 0; k < c; k++) out.push(v[((b * h + i) * w + j) * c + k]);
  return { shape: [n, h - rows[0] - rows[1], w - cols[0] - cols[1], c], values: out };
}

describe('UpSampling1D and UpSampling2D', () => {
  it('UpSampling1D repeats each step `size` times: values, shape, gradient', () => {
    const x = randomTensor([2, 3, 4], 31);
    for (const size of [2, 3, 1]) {
      const layer = new UpSampling1D({ size });
      const y = layer.apply(x) as tn.Tensor;
      expect(y.shape).toEqual([2, 3 * size, 4]);
      expect(Array.from(y.data())).toEqual(nearestReference(x.data(), [2, 3, 1, 4], size, 1));
      expect(layer.computeOutputShape([null, 5, 4])).toEqual([null, 5 * size, 4]);
      gradCheck((t) => layer.apply(t) as tn.Tensor, [x]);
    }
    expect(new UpSampling1D().size).toBe(2);
    expect(new UpSampling1D(3, { name: 'up3' }).size).toBe(3);
    expect(new UpSampling2D([2, 4], { interpolation: 'bilinear' })).toMatchObject({ size: [2, 4], interpolation: 'bilinear' });
    expect(tn.layers.upSampling1d({ size: 4 }).size).toBe(4);
  });

  it('UpSampling2D nearest repeats rows and columns (Keras\'s documented example and a direct loop)', () => {
    // keras.layers.UpSampling2D(size=(1, 2)) on np.arange(12).reshape(2, 2, 1, 3)
    const k = new UpSampling2D({ size: [1, 2] }).apply(tn.tensor(Array.from({ length: 12 }, (_, i) => i), [2, 2, 1, 3])) as tn.Tensor;
    expect(k.shape).toEqual([2, 2, 2, 3]);
    expect(Array.from(k.data())).toEqual([0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5, 6, 7, 8, 6, 7, 8, 9, 10, 11, 9, 10, 11]);
    const x = randomTensor([2, 3, 4, 3], 32);
    for (const [size, f] of [[undefined, [2, 2]], [3, [3, 3]], [[2, 3], [2, 3]]] as const) {
      const layer = new UpSampling2D(size === undefined ? {} : { size: size as number });
      const y = layer.apply(x) as tn.Tensor;
      expect(y.shape).toEqual([2, 3 * f[0], 4 * f[1], 3]);
      expect(Array.from(y.data())).toEqual(nearestReference(x.data(), x.shape, f[0], f[1]));
      expect(layer.computeOutputShape([null, 3, null, 3])).toEqual([null, 3 * f[0], null, 3]);
      gradCheck((t) => layer.apply(t) as tn.Tensor, [x]);
    }
  });

  it('UpSampling2D bilinear interpolates with half-pixel centers (tf.image.resize), channels last and first', () => {
    const x = randomTensor([2, 3, 4, 2], 33);
    const layer = tn.layers.upSampling2d({ size: [2, 3], interpolation: 'bilinear' });
    const y = layer.apply(x) as tn.Tensor;
    expectClose(y, { shape: [2, 6, 12, 2], data: bilinearReference(x.data(), x.shape, 6, 12) });
    gradCheck((t) => layer.apply(t) as tn.Tensor, [x]);
    const first = new UpSampling2D({ size: 2, interpolation: 'bilinear', dataFormat: 'channels_first' });
    const xf = tn.transpose(x, [0, 3, 1, 2]);
    const yf = first.apply(xf) as tn.Tensor;
    expect(yf.shape).toEqual([2, 2, 6, 8]);
    expectClose(tn.transpose(yf, [0, 2, 3, 1]), { shape: [2, 6, 8, 2], data: bilinearReference(x.data(), x.shape, 6, 8) });
    expect(first.computeOutputShape([null, 2, 3, 4])).toEqual([null, 2, 6, 8]);
    gradCheck((t) => first.apply(t) as tn.Tensor, [xf]);
  });

  it('rejects bad sizes, interpolations and input ranks', () => {
    expect(() => new UpSampling1D({ size: 0 })).toThrow('UpSampling1D: received an invalid value for `size`, expected a positive integer. Received: size=0');
    expect(() => new UpSampling2D({ size: [2, 0] as [number, number] })).toThrow('UpSampling2D: received an invalid value for `size`, expected a positive integer or a pair [rows, columns] of them. Received: size=[2,0]');
    expect(() => new UpSampling2D({ interpolation: 'bicubic' as 'nearest' })).toThrow("UpSampling2D: received an invalid value for `interpolation`, expected 'nearest' or 'bilinear'. Received: interpolation=\"bicubic\"");
    expect(() => new UpSampling2D({ dataFormat: 'nchw' as 'channels_last' })).toThrow('received an invalid value for `dataFormat`');
    expect(() => new UpSampling2D({ name: 'up' }).apply(tn.zeros([2, 3, 4]))).toThrow('Input 0 of layer "up" is incompatible with the layer: expected ndim=4, found ndim=3. Full shape received: (2, 3, 4)');
    expect(() => new UpSampling1D({ name: 'up1' }).apply(tn.zeros([2, 3]))).toThrow('Input 0 of layer "up1" is incompatible with the layer: expected ndim=3, found ndim=2');
  });
});

describe('Cropping1D and Cropping2D', () => {
  it('Cropping2D removes borders in every form Keras accepts: values, shape, gradient', () => {
    const x = randomTensor([2, 5, 6, 3], 41);
    const forms: [ConstructorParameters<typeof Cropping2D>[0] | undefined, [number, number], [number, number]][] = [
      [undefined, [0, 0], [0, 0]], [1, [1, 1], [1, 1]], [[2, 1], [2, 2], [1, 1]], [[[0, 2], [3, 1]], [0, 2], [3, 1]], [{ cropping: [[1, 0], [0, 2]] }, [1, 0], [0, 2]],
    ];
    for (const [arg, rows, cols] of forms) {
      const layer = arg === undefined ? new Cropping2D() : new Cropping2D(arg);
      expect(layer.cropping).toEqual([rows, cols]);
      const y = layer.apply(x) as tn.Tensor;
      const ref = cropRef(x, rows, cols);
      expect(y.shape).toEqual(ref.shape);
      expect(Array.from(y.data())).toEqual(ref.values);
      expect(layer.computeOutputShape([null, 5, null, 3])).toEqual([null, 5 - rows[0] - rows[1], null, 3]);
      gradCheck((t) => layer.apply(t) as tn.Tensor, [x]);
    }
    const first = tn.layers.cropping2D({ cropping: [[1, 2], [0, 1]], dataFormat: 'channelsFirst' });
    const y = first.apply(tn.transpose(x, [0, 3, 1, 2])) as tn.Tensor;
    expect(Array.from(tn.transpose(y, [0, 2, 3, 1]).data())).toEqual(cropRef(x, [1, 2], [0, 1]).values);
  });

  it('Cropping1D removes steps at both ends: values, shape, gradient', () => {
    const x = randomTensor([2, 6, 3], 42);
    for (const [arg, c] of [[undefined, [1, 1]], [2, [2, 2]], [[0, 3], [0, 3]], [{ cropping: [2, 0] }, [2, 0]]] as const) {
      const layer = arg === undefined ? new Cropping1D() : new Cropping1D(arg as number);
      const y = layer.apply(x) as tn.Tensor;
      expect(y.shape).toEqual([2, 6 - c[0] - c[1], 3]);
      expect(Array.from(y.data())).toEqual(cropRef(tn.reshape(x, [2, 1, 6, 3]), [0, 0], [c[0], c[1]]).values);
      gradCheck((t) => layer.apply(t) as tn.Tensor, [x]);
    }
  });

  it('rejects bad cropping, crops that leave nothing, and bad input ranks', () => {
    expect(() => new Cropping1D([1, -1])).toThrow('Cropping1D: received an invalid value for `cropping`, expected a non-negative integer or a pair [start, end] of them. Received: cropping=[1,-1]');
    expect(() => new Cropping2D([[1, 2], [0.5, 0]])).toThrow('Cropping2D: received an invalid value for `cropping`');
    expect(() => new Cropping1D({ cropping: [2, 2], name: 'c1' }).apply(tn.zeros([1, 4, 2]))).toThrow('Layer "c1": `cropping` [2, 2] removes 4 steps, but the input has 4; it must leave at least one. Input shape: (1, 4, 2)');
    expect(() => new Cropping2D({ cropping: [[0, 0], [3, 3]], name: 'c2' }).apply(tn.zeros([1, 8, 6, 2]))).toThrow('Layer "c2": `cropping` [[0,0],[3,3]] removes 6 columns, but the input has 6');
    expect(() => new Cropping2D({ cropping: 3, name: 'c3' }).apply(tn.input({ shape: [5, 9, 1] }))).toThrow('removes 6 rows, but the input has 5');
    expect(() => new Cropping2D({ name: 'c4' }).apply(tn.zeros([1, 8, 6]))).toThrow('Input 0 of layer "c4" is incompatible with the layer: expected ndim=4, found ndim=3');
  });
});

describe('RepeatVector and Permute', () => {
  it('RepeatVector copies each sample\'s vector n times: values, shape, gradient', () => {
    const x = randomTensor([3, 4], 51);
    const layer = new RepeatVector(3);
    const y = layer.apply(x) as tn.Tensor;
    expect(y.shape).toEqual([3, 3, 4]);
    const v = x.data();
    const ref: number[] = [];
    for (let b = 0; b < 3; b++) for (let r = 0; r < 3; r++) for (let k = 0; k < 4; k++) ref.push(v[b * 4 + k]);
    expect(Array.from(y.data())).toEqual(ref);
    expect(layer.computeOutputShape([null, 4])).toEqual([null, 3, 4]);
    gradCheck((t) => layer.apply(t) as tn.Tensor, [x]);
    expect(tn.layers.repeatVector({ n: 5 }).n).toBe(5);
    expect(() => new RepeatVector(0)).toThrow('RepeatVector: received an invalid value for `n`, expected a positive integer. Received: n=0');
    expect(() => new RepeatVector({ n: 2, name: 'rv' }).apply(tn.zeros([2, 3, 4]))).toThrow('Input 0 of layer "rv" is incompatible with the layer: expected ndim=2, found ndim=3');
  });

  it('Permute reorders the non-batch axes: values against a direct loop, shape, gradient', () => {
    const x = randomTensor([2, 3, 4, 5], 52);
    const layer = new Permute([3, 1, 2]);
    const y = layer.apply(x) as tn.Tensor;
    expect(y.shape).toEqual([2, 5, 3, 4]);
    const v = x.data();
    const ref: number[] = [];
    for (let b = 0; b < 2; b++) for (let k = 0; k < 5; k++) for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) ref.push(v[((b * 3 + i) * 4 + j) * 5 + k]);
    expect(Array.from(y.data())).toEqual(ref);
    expect(layer.computeOutputShape([null, 3, null, 5])).toEqual([null, 5, 3, null]);
    gradCheck((t) => layer.apply(t) as tn.Tensor, [x]);
    expect(tn.layers.permute({ dims: [2, 1] }).dims).toEqual([2, 1]);
    for (const bad of [[0, 1], [1, 3], [1, 1], []]) {
      expect(() => new Permute(bad)).toThrow(`Permute: received an invalid value for \`dims\`, expected a permutation of the axes 1..n (consecutive integers starting at 1; axis 0 is the batch axis). Received: dims=${JSON.stringify(bad)}`);
    }
    expect(() => new Permute({ dims: [2, 1], name: 'p' }).apply(tn.zeros([2, 3, 4, 5]))).toThrow('Input 0 of layer "p" is incompatible with the layer: expected ndim=3, found ndim=4');
  });
});

describe('TimeDistributed', () => {
  it('applies the wrapped layer to every step with one set of weights (against a loop over steps)', () => {
    const x = randomTensor([2, 4, 5], 61);
    const td = new TimeDistributed(new tn.layers.Dense({ units: 3, activation: 'tanh', name: 'proj' }));
    const y = td.apply(x) as tn.Tensor;
    expect(y.shape).toEqual([2, 4, 3]);
    expect(td.weights.map((w) => w.name)).toEqual(['proj/kernel', 'proj/bias']);
    expect(td.countParams()).toBe(5 * 3 + 3);
    // The reference: the same Dense called on each time step x[:, t, :] separately.
    const dense = td.layer;
    for (let t = 0; t < 4; t++) {
      const step = dense.apply(tn.reshape(tn.slice(x, [0, t, 0], [2, 1, 5]), [2, 5])) as tn.Tensor;
      expectClose(tn.reshape(tn.slice(y, [0, t, 0], [2, 1, 3]), [2, 3]), step.data(), 1e-6, 1e-7, `step ${t}`);
    }
    expect(td.computeOutputShape([null, null, 5])).toEqual([null, null, 3]);
    gradCheck((t) => td.apply(t) as tn.Tensor, [x]);
    variableGradCheck(() => td.apply(x) as tn.Tensor, td.trainableWeights);
  });

  it('wraps a convolution over a sequence of images and passes `training` to the wrapped layer', () => {
    const x = randomTensor([2, 3, 5, 5, 2], 62);
    const td = tn.layers.timeDistributed({ layer: new tn.layers.Conv2D({ filters: 4, kernelSize: 3 }) });
    const y = td.apply(x) as tn.Tensor;
    expect(y.shape).toEqual([2, 3, 3, 3, 4]);
    expect(td.computeOutputShape([null, 3, 5, 5, 2])).toEqual([null, 3, 3, 3, 4]);
    const drop = new TimeDistributed(new tn.layers.Dropout({ rate: 0.5, seed: 3 }));
    const ones = tn.ones([4, 6, 50]);
    expect(Array.from((drop.apply(ones) as tn.Tensor).data()).every((v) => v === 1)).toBe(true);
    const dropped = Array.from((drop.apply(ones, { training: true }) as tn.Tensor).data());
    expect(dropped.some((v) => v === 0) && dropped.some((v) => v === 2)).toBe(true);
  });

  it('works in a functional model with an unknown number of steps, and saves and loads there', async () => {
    const inp = tn.input({ shape: [null, 4] });
    const td = new TimeDistributed(new tn.layers.Dense({ units: 3, activation: 'relu' }), { name: 'per_step' });
    const h = td.apply(inp);
    expect(h.shape).toEqual([null, null, 3]);
    const out = new tn.layers.Dense({ units: 1 }).apply(new tn.layers.GlobalAveragePooling1D().apply(h));
    const model = new tn.Model({ inputs: inp, outputs: out });
    const dir = join(root, 'td-functional');
    await model.save(dir);
    const loaded = await tn.models.loadModel(dir);
    for (const steps of [5, 7]) {
      const x = tn.randomNormal([2, steps, 4], 0, 1, 'float32', steps);
      expect(Array.from((loaded.predict(x) as tn.Tensor).data())).toEqual(Array.from((model.predict(x) as tn.Tensor).data()));
    }
    expect((loaded.layers.find((l) => l.name === 'per_step') as InstanceType<typeof TimeDistributed>).layer.className).toBe('Dense');
  });

  it('rejects a non-layer and inputs without a time axis', () => {
    expect(() => new TimeDistributed({} as tn.Layer)).toThrow('TimeDistributed: received an invalid value for `layer`, expected a Layer instance. Received: layer=undefined');
    expect(() => new TimeDistributed({ layer: { units: 3 } as unknown as tn.Layer })).toThrow('expected a Layer instance. Received: layer="Object"');
    expect(() => new TimeDistributed({ layer: 'dense' as unknown as tn.Layer })).toThrow('expected a Layer instance. Received: layer="dense"');
    expect(() => new TimeDistributed({ layer: new tn.layers.Dense(2), name: 'td' }).apply(tn.zeros([4, 3]))).toThrow('Input 0 of layer "td" is incompatible with the layer: expected min_ndim=3, found ndim=2. Full shape received: (4, 3)');
  });
});

describe('Lambda', () => {
  it('runs a function of ops, with `arguments`, an output shape, and gradients through it', () => {
    const layer = new Lambda((x, args) => tn.mul(tn.tanh(x as tn.Tensor), args.scale as number), { arguments: { scale: 2 } });
    const x = randomTensor([3, 4], 71);
    const y = layer.apply(x) as tn.Tensor;
    const v = x.data();
    expectClose(y, Array.from(v, (e) => 2 * Math.tanh(e)), 1e-6, 1e-6);
    expect(layer.computeOutputShape([null, 4])).toEqual([null, 4]);
    gradCheck((t) => layer.apply(t) as tn.Tensor, [x]);
    const pair = tn.layers.lambda({ function: (xs) => tn.concat(xs as tn.Tensor[], -1), outputShape: [7] });
    expect(pair.computeOutputShape([[null, 3], [null, 4]])).toEqual([null, 7]);
    const fnShape = new Lambda({ function: (t) => tn.sum(t as tn.Tensor, -1), outputShape: (s) => (s as tn.layers.Shape).slice(0, -1) });
    expect(fnShape.computeOutputShape([null, 2, 9])).toEqual([null, 2]);
  });

  it('has no savable config: saving says so; a bad function is an error', async () => {
    const model = new tn.Sequential([new tn.layers.Dense({ units: 2, inputShape: [3] }), new Lambda({ function: (t) => tn.square(t as tn.Tensor), name: 'sq' })]);
    await expect(model.save(join(root, 'lambda'))).rejects.toThrow('Lambda layer "sq" wraps a JavaScript function, which cannot be saved in a model config. Rebuild the model in code');
    expect(() => new Lambda({} as tn.layers.LambdaArgs)).toThrow('Lambda: received an invalid value for `function`, expected a JavaScript function');
    expect(() => new Lambda({ function: 'x => x' as unknown as tn.layers.LambdaFunction })).toThrow('Received: function="x => x"');
    expect(() => new Lambda({ function: (t) => t, outputShape: [0] })).toThrow('Lambda: received an invalid value for `outputShape`');
  });
});

describe('UpSampling, Cropping, RepeatVector, Permute, TimeDistributed: configs and saving', () => {
  it('configs give back equal layers', () => {
    const layers: tn.Layer[] = [
      new UpSampling1D({ size: 3 }), new UpSampling2D({ size: [2, 3], interpolation: 'bilinear', dataFormat: 'channels_first' }),
      new Cropping1D([1, 2]), new Cropping2D({ cropping: [[1, 0], [2, 3]], dataFormat: 'channels_first' }), new RepeatVector(4), new Permute([2, 1]),
    ];
    for (const layer of layers) {
      const again = new (layer.constructor as new (c: Record<string, unknown>) => tn.Layer)(JSON.parse(JSON.stringify(layer.getConfig())));
      expect(again.getConfig(), layer.className).toEqual(layer.getConfig());
    }
    const td = new TimeDistributed(new tn.layers.Dense({ units: 3, name: 'inner' }));
    expect(td.getConfig()).toMatchObject({ layer: { className: 'Dense', config: { name: 'inner', units: 3 } } });
  });

  it('a model with each of them trains, saves and loads with the same outputs', async () => {
    const model = new tn.Sequential([
      new Cropping2D({ cropping: [[1, 0], [0, 1]], inputShape: [5, 5, 2] }),
      new UpSampling2D({ size: 2, interpolation: 'bilinear' }),
      new tn.layers.Conv2D({ filters: 2, kernelSize: 3, strides: 2 }),
      new UpSampling2D({ size: [1, 2] }),
      new tn.layers.Reshape([3, 12]),
      new Permute([2, 1]),
      new Cropping1D([1, 1]),
      new UpSampling1D({ size: 2 }),
      new TimeDistributed(new tn.layers.Dense({ units: 2 })),
      new tn.layers.Flatten(),
      new tn.layers.Dense({ units: 3 }),
      new RepeatVector(2),
      new tn.layers.Flatten(),
      new tn.layers.Dense({ units: 1 }),
    ]);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = tn.randomNormal([4, 5, 5, 2], 0, 1, 'float32', 6);
    await model.fit(x, tn.randomNormal([4, 1], 0, 1, 'float32', 7), { epochs: 1, verbose: 0 });
    const dir = join(root, 'model10');
    await model.save(dir);
    const loaded = await tn.models.loadModel(dir);
    expect(loaded.layers.map((l) => l.getConfig())).toEqual(model.layers.map((l) => l.getConfig()));
    expect(Array.from((loaded.predict(x) as tn.Tensor).data())).toEqual(Array.from((model.predict(x) as tn.Tensor).data()));
  });
});
