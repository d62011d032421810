// ZeroPadding1D and ZeroPadding2D: every padding form Keras and TF.js accept, values against a direct loop, output
// shapes (also with unknown sizes), gradients by finite differences, Teachable Machine's MobileNetV2 option set,
// config and save/load round trips, and the errors.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { gradCheck, randomTensor } from '../helpers/gradcheck.js';

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
