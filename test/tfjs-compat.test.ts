// TF.js's global functions that ported code calls: tensor1d..tensor6d with their rank checks, and the memory and
// backend functions (tidy, dispose, keep, ready, getBackend, setBackend), which free and switch nothing here.
import { describe, expect, it } from 'vitest';
import * as tn from '../lib/index.js';

describe("TF.js's tensorNd", () => {
  it('build tensors of their rank from nested or flat values, with a dtype', () => {
    expect(tn.tensor1d([1, 2, 3]).shape).toEqual([3]);
    expect(tn.tensor1d([1, 2], 'int32').dtype).toBe('int32');
    const t2 = tn.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(t2.array()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(tn.tensor2d([[1, 2], [3, 4]], undefined, 'int32').dtype).toBe('int32');
    expect(tn.tensor3d([[[1], [2]]]).shape).toEqual([1, 2, 1]);
    expect(tn.tensor4d(new Float32Array(24), [1, 2, 3, 4]).shape).toEqual([1, 2, 3, 4]);
    expect(tn.tensor5d(new Float32Array(2), [1, 1, 1, 1, 2]).shape).toEqual([1, 1, 1, 1, 2]);
    expect(tn.tensor6d(new Float32Array(2), [1, 1, 1, 1, 1, 2]).shape).toEqual([1, 1, 1, 1, 1, 2]);
  });

  it('refuse values or shapes of another rank, naming the function', () => {
    expect(() => tn.tensor2d([1, 2, 3])).toThrow('tensor2d: values given flat need a shape of 2 dimensions (tensor2d(values, [d0, d1]))');
    expect(() => tn.tensor2d([1, 2, 3, 4], [4])).toThrow('tensor2d: shape must have 2 dimension(s), received [4]');
    expect(() => tn.tensor1d([[1, 2]])).toThrow(/tensor1d: expected 1-D values, received a tensor of shape \[1,\s*2\]/);
    expect(() => tn.tensor3d([[1, 2]])).toThrow(/tensor3d: expected 3-D values/);
  });
});

describe("TF.js's memory and backend functions", () => {
  it('tidy returns its function\'s result; dispose and keep change nothing; the backend calls resolve', async () => {
    const a = tn.tensor([1, 2]);
    const out = tn.tidy(() => tn.mul(a, 2));
    expect(Array.from(out.data())).toEqual([2, 4]);
    expect(tn.tidy('named', () => 7)).toBe(7);
    expect(() => tn.tidy('no function' as unknown as () => void)).toThrow('tidy: expected a function');
    expect(() => tn.tidy((async () => 1) as unknown as () => number)).toThrow('tidy: the function must not be async');
    tn.dispose([a, out]);
    a.dispose();
    expect(a.isDisposed).toBe(false);
    expect(Array.from(a.data())).toEqual([1, 2]);
    expect(tn.keep(a)).toBe(a);
    await tn.ready();
    expect(await tn.setBackend('cpu')).toBe(true);
    expect(tn.getBackend()).toBe('tensornode');
  });
});

describe("TF.js's tensor method aliases", () => {
  it('asType, toFloat and toInt cast; as1D ... as4D reshape', () => {
    const t = tn.tensor([[1.5, -2.5], [3, 4]]);
    expect(t.toInt().dtype).toBe('int32');
    expect(Array.from(t.toInt().data())).toEqual(Array.from(tn.cast(t, 'int32').data()));
    expect(t.toInt().toFloat().dtype).toBe('float32');
    expect(t.asType('int32').dtype).toBe('int32');
    expect(t.as1D().shape).toEqual([4]);
    expect(t.as2D(1, 4).shape).toEqual([1, 4]);
    expect(t.as3D(1, 2, 2).shape).toEqual([1, 2, 2]);
    expect(t.as4D(1, 1, 2, 2).array()).toEqual([[[[1.5, -2.5], [3, 4]]]]);
    expect(() => t.as2D(3, 3)).toThrow(/reshape/);
  });
});

describe('forms TF.js and Keras code writes', () => {
  it("Dense's inputDim (TF.js) sets the input shape; a bad one names the option", () => {
    const m = tn.sequential({ layers: [tn.layers.dense({ units: 2, inputDim: 3 }), tn.layers.dense({ units: 1 })] });
    expect(m.inputs[0].shape).toEqual([null, 3]);
    expect(m.predict(tn.ones([4, 3])).shape).toEqual([4, 1]);
    expect(() => tn.layers.dense({ units: 2, inputDim: 0 })).toThrow('Dense: received an invalid value for `inputDim`, expected a positive integer. Received: inputDim=0');
  });

  it("a Loss subclass may call super() (named after its class) and Mean takes Keras's { name }", () => {
    class HalfAbsolute extends tn.losses.Loss {
      constructor() {
        super();
      }
      call(yTrue: tn.Tensor, yPred: tn.Tensor): tn.Tensor {
        return tn.mul(tn.mean(tn.abs(tn.sub(yTrue, yPred)), -1), 0.5);
      }
    }
    const loss = new HalfAbsolute();
    expect(loss.name).toBe('half_absolute');
    expect(loss.compute(tn.tensor([[1], [3]]), tn.tensor([[0], [0]])).item()).toBeCloseTo(1, 6);
    expect(new tn.metrics.Mean({ name: 'kl' }).name).toBe('kl');
    expect(new tn.metrics.Mean().name).toBe('mean');
  });

  it('imageDatasetFromDirectory refuses an imageSize that is not [height, width], naming it', async () => {
    await expect(tn.utils.imageDatasetFromDirectory('/nonexistent', { imageSize: 28 as unknown as [number, number] })).rejects.toThrow(/imageSize must be \[height, width\] with positive integers, received 28/);
  });
});

describe("evaluate's result read as TF.js's", () => {
  it("result[0].dataSync(), result.dataSync() and destructuring without await say to await the numbers (they failed on undefined)", async () => {
    const m = new tn.Sequential([new tn.layers.Dense(1, { inputShape: [1] })]);
    m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae'] });
    const x = tn.tensor([[1], [2]]);
    const y = tn.tensor([[2], [4]]);
    const result = m.evaluate(x, y, { verbose: 0 }) as unknown as { [i: number]: { dataSync(): unknown }; dataSync(): unknown } & Iterable<unknown>;
    const hint = /model\.evaluate returns a Promise of numbers, \[loss, \.\.\.metrics\], as Keras's evaluate does \(TF\.js's returns Scalar tensors synchronously\): write `const \[loss, acc\] = await model\.evaluate\(x, y\)`/;
    expect(() => result[0].dataSync()).toThrow(hint);
    expect(() => result[1].dataSync()).toThrow(hint);
    expect(() => result.dataSync()).toThrow(hint);
    expect(() => { const [loss] = result; return loss; }).toThrow(hint);
    // Awaited, it is Keras's list of numbers, as before; printing the promise reads none of those properties.
    expect(Object.prototype.toString.call(result)).toBe('[object Promise]');
    const { inspect } = await import('node:util');
    expect(inspect(result)).toMatch(/^Promise/);
    const [loss, mae] = await (result as unknown as Promise<number[]>);
    const err = Array.from((m.predict(x) as tn.Tensor).data()).map((p, i) => p - (y.data()[i] as number));
    expect(loss).toBeCloseTo(err.reduce((s, e) => s + e * e, 0) / 2, 5);
    expect(mae).toBeCloseTo(err.reduce((s, e) => s + Math.abs(e), 0) / 2, 5);
  });
});
