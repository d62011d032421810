// DepthwiseConv2D and SeparableConv2D: Keras's weights (names, layouts, defaults), outputs and gradients against a
// float64 direct loop, finite differences through the layer for the input and every weight, the option set of a
// real MobileNetV2 file (Teachable Machine's), config and save/load round trips, and the errors.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { expectClose, randomArray } from '../helpers/conv-reference.js';
import { depthwiseBackwardRef, depthwiseForwardRef, depthwiseGeometryOf } from '../helpers/depthwise-reference.js';
import { gradCheck, randomTensor, rng } from '../helpers/gradcheck.js';
import { readFileSync } from 'node:fs';

const { DepthwiseConv2D, SeparableConv2D } = tn.layers;
const root = mkdtempSync(join(tmpdir(), 'tensornode-depthwise-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeEach(() => tn.clearSession());

/** L = sum(layer(x) * r): the derivative of L with respect to w[i] by central differences. */
function weightDifference(layer: tn.Layer, w: tn.Variable, i: number, x: tn.Tensor, r: Float32Array, eps = 1e-2): number {
  const base = w.data().slice();
  const at = (v: number) => {
    const p = base.slice();
    p[i] = v;
    w.assign(tn.tensor(p, w.shape));
    const y = (layer.apply(x) as tn.Tensor).data();
    let s = 0;
    for (let k = 0; k < y.length; k++) s += y[k] * r[k];
    return s;
  };
  const hi = Math.fround(base[i] + eps);
  const lo = Math.fround(base[i] - eps);
  const d = (at(hi) - at(lo)) / (hi - lo);
  w.assign(tn.tensor(base, w.shape));
  return d;
}

describe('DepthwiseConv2D', () => {
  it('creates Keras\'s weights: depthwise_kernel [kh, kw, channels, depthMultiplier] and bias [channels * depthMultiplier]', () => {
    const layer = new DepthwiseConv2D(3, { depthMultiplier: 2 });
    const y = layer.apply(tn.zeros([2, 6, 7, 5])) as tn.Tensor;
    expect(layer.name).toBe('depthwise_conv2d');
    expect(layer.weights.map((w) => [w.name, w.shape])).toEqual([['depthwise_conv2d/depthwise_kernel', [3, 3, 5, 2]], ['depthwise_conv2d/bias', [10]]]);
    expect(y.shape).toEqual([2, 4, 5, 10]);
    expect(layer.computeOutputShape([null, 6, 7, 5])).toEqual([null, 4, 5, 10]);
    expect(Array.from(layer.bias!.data())).toEqual(new Array(10).fill(0));
    // glorot_uniform over fan_in = kh*kw*channels, fan_out = kh*kw*depthMultiplier (Keras's fans of a 4-D kernel)
    const limit = Math.sqrt(6 / (9 * 5 + 9 * 2));
    expect(Math.max(...layer.depthwiseKernel!.data().map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(new DepthwiseConv2D({ kernelSize: [3, 3], useBias: false }).apply(tn.zeros([1, 3, 3, 2])) && true).toBe(true);
    expect(tn.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same' }).strides).toEqual([2, 2]);
  });

  for (const [name, args, shape] of [
    ['depth multiplier 2, stride 2, same, relu6', { kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'relu6' }, [2, 9, 8, 7]],
    ['depth multiplier 1, dilation 2, valid, tanh', { kernelSize: [3, 2], dilationRate: 2, activation: 'tanh' }, [1, 8, 9, 19]],
    ['17 channels, stride 1, same, softplus (an activation applied after the kernel)', { kernelSize: 3, padding: 'same', activation: 'softplus' }, [2, 5, 6, 17]],
  ] as [string, tn.layers.DepthwiseConv2DArgs, [number, number, number, number]][]) {
    it(`matches the float64 reference: ${name} (output, input, kernel and bias gradients)`, () => {
      const layer = new DepthwiseConv2D(args);
      const xv = randomArray(shape.reduce((a, b) => a * b), 1);
      const x = tn.tensor(xv, shape);
      layer.apply(x);
      const kv = randomArray(layer.depthwiseKernel!.size, 2);
      const bv = randomArray(layer.bias!.size, 3);
      layer.setWeights([tn.tensor(kv, layer.depthwiseKernel!.shape), tn.tensor(bv, layer.bias!.shape)]);
      const g = depthwiseGeometryOf(shape, layer.depthwiseKernel!.shape, layer.strides, layer.padding, layer.dilationRate);
      const ref = depthwiseForwardRef(g, xv, kv, bv);
      const act = { relu6: (z: number) => Math.min(Math.max(z, 0), 6), tanh: Math.tanh, softplus: (z: number) => Math.log1p(Math.exp(z)) }[args.activation as string]!;
      const d = { relu6: (z: number) => (z > 0 && z < 6 ? 1 : 0), tanh: (z: number) => 1 - Math.tanh(z) ** 2, softplus: (z: number) => 1 / (1 + Math.exp(-z)) }[args.activation as string]!;
      const y = layer.apply(x) as tn.Tensor;
      expectClose(y.data(), ref.y.map(act), ref.mag, 'output', 2);
      const r = randomArray(y.size, 4);
      const dz = ref.y.map((z, i) => r[i] * d(z));
      const back = depthwiseBackwardRef(g, xv, kv, dz);
      const up = tn.tensor(r, y.shape);
      const dx = tn.grad((t) => layer.apply(t) as tn.Tensor)(x, up);
      const [dk, db] = tn.gradients(tn.sum(tn.mul(layer.apply(x) as tn.Tensor, up)), [layer.depthwiseKernel!, layer.bias!]);
      expectClose(dx.data(), back.dx, back.dxMag, 'input gradient', 2);
      expectClose(dk.data(), back.dk, back.dkMag, 'kernel gradient', 2);
      expectClose(db.data(), back.db, back.dbMag, 'bias gradient', 2);
    });
  }

  it('gradients by finite differences through the layer: input, depthwise kernel and bias', () => {
    const layer = new DepthwiseConv2D(3, { depthMultiplier: 2, strides: 2, padding: 'same', activation: 'tanh', depthwiseInitializer: 'random_normal', biasInitializer: 'ones' });
    const x = randomTensor([1, 5, 6, 3], 5, -1, 1);
    gradCheck((t) => layer.apply(t) as tn.Tensor, [x]);
    const y = layer.apply(x) as tn.Tensor;
    const r = randomArray(y.size, 6);
    const grads = tn.gradients(tn.sum(tn.mul(layer.apply(x) as tn.Tensor, tn.tensor(r, y.shape))), [layer.depthwiseKernel!, layer.bias!]);
    const pick = rng(7);
    for (const [w, g] of [[layer.depthwiseKernel!, grads[0]], [layer.bias!, grads[1]]] as [tn.Variable, tn.Tensor][]) {
      for (let t = 0; t < 8; t++) {
        const i = Math.floor(pick() * w.size);
        const fd = weightDifference(layer, w, i, x, r);
        expect(Math.abs(fd - g.data()[i]), `${w.name}[${i}]: ${g.data()[i]} vs ${fd}`).toBeLessThan(2e-3 + 2e-2 * Math.abs(fd));
      }
    }
  });

  it('takes the options of a real MobileNetV2 file (Teachable Machine\'s model.json) and gives back the same config', () => {
    const configs = JSON.parse(readFileSync(join(__dirname, '../fixtures/tm-mobilenet-v2-layers.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    // Keys as a reader of Keras files hands them over: snake_case to camelCase, at every level.
    const camel = (c: unknown): unknown => (c && typeof c === 'object' && !Array.isArray(c)
      ? Object.fromEntries(Object.entries(c).map(([k, v]) => [k.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase()), camel(v)]))
      : c);
    const dw = new DepthwiseConv2D(camel(configs.DepthwiseConv2D) as unknown as tn.layers.DepthwiseConv2DArgs);
    expect([dw.name, dw.kernelSize, dw.strides, dw.padding, dw.depthMultiplier, dw.useBias, dw.activation.name]).toEqual(['expanded_conv_depthwise', [3, 3], [1, 1], 'same', 1, false, 'linear']);
    const y = dw.apply(tn.ones([1, 4, 4, 16])) as tn.Tensor;
    expect(y.shape).toEqual([1, 4, 4, 16]);
    expect(dw.weights.map((w) => w.name)).toEqual(['expanded_conv_depthwise/depthwise_kernel']);
    const again = new DepthwiseConv2D(JSON.parse(JSON.stringify(dw.getConfig())));
    expect(again.getConfig()).toEqual(dw.getConfig());
  });

  it('rejects bad arguments and inputs with Keras-style messages', () => {
    expect(() => new DepthwiseConv2D({})).toThrow('DepthwiseConv2D: received an invalid value for `kernelSize`, expected a positive integer or a pair of positive integers. Received: kernelSize=undefined');
    expect(() => new DepthwiseConv2D(3, { depthMultiplier: 0 })).toThrow('DepthwiseConv2D: received an invalid value for `depthMultiplier`, expected a positive integer. Received: depthMultiplier=0');
    expect(() => new DepthwiseConv2D(3, { dataFormat: 'channels_first' as 'channels_last' })).toThrow(`DepthwiseConv2D: received an invalid value for \`dataFormat\`, expected 'channels_last' (channels-first data is not supported). Received: dataFormat="channels_first"`);
    expect(() => new DepthwiseConv2D(3, { padding: 'causal' as 'same' })).toThrow(`DepthwiseConv2D: received an invalid value for \`padding\`, expected 'valid' or 'same'. Received: padding="causal"`);
    expect(() => new DepthwiseConv2D(3, { strides: 2, dilationRate: 2 })).toThrow('DepthwiseConv2D: strides > 1 are not compatible with dilationRate > 1. Received: strides=[2,2] and dilationRate=[2,2]');
    expect(() => new DepthwiseConv2D(3, { depthwiseConstraint: { className: 'MaxNorm' } as unknown as null })).toThrow('DepthwiseConv2D: received an invalid value for `depthwiseConstraint`, expected null (not supported by tensornode)');
    const layer = new DepthwiseConv2D(3, { name: 'dw' });
    expect(() => layer.apply(tn.zeros([4, 4, 3]))).toThrow('Input 0 of layer "dw" is incompatible with the layer: expected ndim=4, found ndim=3. Full shape received: (4, 4, 3)');
    layer.apply(tn.zeros([1, 4, 4, 3]));
    expect(() => layer.apply(tn.zeros([1, 4, 4, 5]))).toThrow('Input 0 of layer "dw" is incompatible with the layer: expected axis -1 of input shape to have value 3, but received input with shape (1, 4, 4, 5)');
    expect(() => new DepthwiseConv2D(5, { name: 'big' }).apply(tn.zeros([1, 3, 3, 2]))).toThrow(/the kernel 5x5 \(dilation \[1,1\]\) does not fit in the 3x3 input/);
  });
});

describe('SeparableConv2D', () => {
  it('is a depthwise convolution then a 1x1 convolution with the bias and activation; Keras\'s weights', () => {
    const layer = new SeparableConv2D(4, 3, { depthMultiplier: 2, padding: 'same', strides: 2, activation: 'relu' });
    const shape = [2, 7, 6, 3];
    const xv = randomArray(shape.reduce((a, b) => a * b), 8);
    const x = tn.tensor(xv, shape);
    layer.apply(x);
    expect(layer.weights.map((w) => [w.name.split('/')[1], w.shape])).toEqual([['depthwise_kernel', [3, 3, 3, 2]], ['pointwise_kernel', [1, 1, 6, 4]], ['bias', [4]]]);
    const [dk, pk, b] = [randomArray(54, 9), randomArray(24, 10), randomArray(4, 11)];
    layer.setWeights([tn.tensor(dk, [3, 3, 3, 2]), tn.tensor(pk, [1, 1, 6, 4]), tn.tensor(b, [4])]);
    const g = depthwiseGeometryOf(shape, [3, 3, 3, 2], [2, 2], 'same', [1, 1]);
    const mid = depthwiseForwardRef(g, xv, dk, null).y;
    const pixels = mid.length / 6;
    const ref = new Float64Array(pixels * 4);
    for (let p = 0; p < pixels; p++)
      for (let f = 0; f < 4; f++) {
        let s = b[f];
        for (let c = 0; c < 6; c++) s += mid[p * 6 + c] * pk[c * 4 + f];
        ref[p * 4 + f] = Math.max(s, 0);
      }
    const y = layer.apply(x) as tn.Tensor;
    expect(y.shape).toEqual([2, 4, 3, 4]);
    expectClose(y.data(), ref, null, 'output');
    expect(layer.computeOutputShape([null, 7, 6, 3])).toEqual([null, 4, 3, 4]);
    expect(new SeparableConv2D({ filters: 2, kernelSize: 3 }).filters).toBe(2);
    expect(tn.layers.separableConv2d({ filters: 2, kernelSize: [3, 1] }).kernelSize).toEqual([3, 1]);
  });

  it('gradients by finite differences through the layer: input and every weight', () => {
    const layer = new SeparableConv2D(3, 3, { depthMultiplier: 2, activation: 'tanh', biasInitializer: 'random_uniform' });
    const x = randomTensor([1, 5, 5, 2], 12, -1, 1);
    gradCheck((t) => layer.apply(t) as tn.Tensor, [x]);
    const y = layer.apply(x) as tn.Tensor;
    const r = randomArray(y.size, 13);
    const ws = layer.trainableWeights;
    const grads = tn.gradients(tn.sum(tn.mul(layer.apply(x) as tn.Tensor, tn.tensor(r, y.shape))), ws);
    const pick = rng(14);
    ws.forEach((w, k) => {
      for (let t = 0; t < 6; t++) {
        const i = Math.floor(pick() * w.size);
        const fd = weightDifference(layer, w, i, x, r);
        expect(Math.abs(fd - grads[k].data()[i]), `${w.name}[${i}]`).toBeLessThan(2e-3 + 2e-2 * Math.abs(fd));
      }
    });
  });

  it('rejects bad arguments', () => {
    expect(() => new SeparableConv2D(0, 3)).toThrow('SeparableConv2D: received an invalid value for `filters`, expected a positive integer. Received: filters=0');
    expect(() => new SeparableConv2D(2, [3, 0])).toThrow(/SeparableConv2D: received an invalid value for `kernelSize`/);
    expect(() => new SeparableConv2D(2, 3, { pointwiseConstraint: 'max_norm' as unknown as null })).toThrow(/`pointwiseConstraint`, expected null/);
  });
});

describe('depthwise layers: configs and saving', () => {
  it('configs give back equal layers through the constructor', () => {
    const layers: tn.Layer[] = [
      new DepthwiseConv2D([3, 2], { strides: [2, 1], padding: 'same', depthMultiplier: 3, activation: 'relu6', useBias: false, depthwiseInitializer: 'he_normal', depthwiseRegularizer: 'l2' }),
      new DepthwiseConv2D({ kernelSize: 5, dilationRate: 2, biasInitializer: new tn.initializers.Constant({ value: 0.5 }), biasRegularizer: 'l1' }),
      new SeparableConv2D(8, 3, { depthMultiplier: 2, activation: 'elu', pointwiseInitializer: 'lecun_normal', pointwiseRegularizer: 'l2' }),
    ];
    for (const layer of layers) {
      const config = JSON.parse(JSON.stringify(layer.getConfig())) as Record<string, unknown>;
      const again = new (layer.constructor as new (c: Record<string, unknown>) => tn.Layer)(config);
      expect(again.getConfig(), layer.className).toEqual(layer.getConfig());
    }
  });

  it('a trained model with both layers saves and loads with the same weights and predictions', async () => {
    const model = new tn.Sequential([
      new DepthwiseConv2D(3, { padding: 'same', depthMultiplier: 2, activation: 'relu6', inputShape: [8, 8, 3] }),
      new SeparableConv2D(4, 3, { strides: 2, activation: 'relu' }),
      new tn.layers.GlobalAveragePooling2D(),
      new tn.layers.Dense(2, { activation: 'softmax' }),
    ]);
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
    const x = tn.randomNormal([12, 8, 8, 3], 0, 1, 'float32', 15);
    const y = tn.tensor(Array.from({ length: 12 }, (_, i) => i % 2), [12], 'int32');
    await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
    const dir = join(root, 'model');
    await model.save(dir);
    const loaded = await tn.models.loadModel(dir);
    expect(loaded.layers.map((l) => l.className)).toEqual(['DepthwiseConv2D', 'SeparableConv2D', 'GlobalAveragePooling2D', 'Dense']);
    expect(loaded.getWeights().map((w) => Array.from(w.data()))).toEqual(model.getWeights().map((w) => Array.from(w.data())));
    expect(Array.from((loaded.predict(x) as tn.Tensor).data())).toEqual(Array.from((model.predict(x) as tn.Tensor).data()));
  });
});
