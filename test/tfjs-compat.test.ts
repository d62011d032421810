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
