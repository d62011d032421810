// Tensors: creation from nested and typed arrays, dtype rules, the creation helpers, seeded random tensors,
// array()/data()/item(), printing, and the errors of each.
import { describe, expect, it } from 'vitest';
import * as tn from '../lib/index.js';

describe('tensor()', () => {
  it('infers shape from nested arrays and defaults to float32', () => {
    const t = tn.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.rank).toBe(2);
    expect(t.size).toBe(6);
    expect(t.dtype).toBe('float32');
    expect(t.data()).toBeInstanceOf(Float32Array);
    expect(t.array()).toEqual([[1, 2, 3], [4, 5, 6]]);
  });

  it('makes scalars, empty tensors and booleans', () => {
    expect(tn.tensor(5).shape).toEqual([]);
    expect(tn.tensor(5).item()).toBe(5);
    expect(tn.scalar(2, 'int32').dtype).toBe('int32');
    expect(tn.tensor([]).shape).toEqual([0]);
    expect(tn.tensor([[], []]).shape).toEqual([2, 0]);
    expect(tn.tensor([[], []]).array()).toEqual([[], []]);
    expect(Array.from(tn.tensor([true, false]).data())).toEqual([1, 0]);
  });

  it('takes typed arrays: Int32Array gives int32, everything else float32 unless dtype says otherwise', () => {
    expect(tn.tensor(new Int32Array([1, 2])).dtype).toBe('int32');
    expect(tn.tensor(new Float64Array([1.5])).dtype).toBe('float32');
    expect(tn.tensor(new Uint8Array([1, 255])).dtype).toBe('float32');
    expect(Array.from(tn.tensor(new Uint8Array([1, 255])).data())).toEqual([1, 255]);
    expect(Array.from(tn.tensor(new Float64Array([1.7, -1.7]), undefined, 'int32').data())).toEqual([1, -1]);
    expect(Array.from(tn.tensor(new Int32Array([3]), undefined, 'float32').data())).toEqual([3]);
  });

  it('reshapes flat values with a shape, and converts nested values to int32 by truncation', () => {
    expect(tn.tensor([1, 2, 3, 4, 5, 6], [3, 2]).array()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(tn.tensor(new Float32Array(6), [2, 3]).shape).toEqual([2, 3]);
    const i = tn.tensor([[1.9, -2.9]], undefined, 'int32');
    expect(i.dtype).toBe('int32');
    expect(i.array()).toEqual([[1, -2]]);
  });

  it('copies its input: changing the source array later does not change the tensor', () => {
    const src = new Float32Array([1, 2, 3]);
    const t = tn.tensor(src);
    src[0] = 100;
    expect(t.data()[0]).toBe(1);
    const copy = tn.tensor(t, [3, 1]);
    expect(copy.shape).toEqual([3, 1]);
  });

  it('rejects ragged nesting, non-numbers, size mismatches and unknown dtypes', () => {
    expect(() => tn.tensor([[1, 2], [3]])).toThrow('tensor: ragged nested array: values[1] has 1 elements, expected 2 (shape [2,2])');
    expect(() => tn.tensor([[1, 2], 3] as unknown as number[][])).toThrow('tensor: ragged nested array: values[1] is a number where an array of 2 was expected');
    expect(() => tn.tensor([1, 'a'] as unknown as number[])).toThrow('tensor: values[1] is "a", not a number');
    expect(() => tn.tensor([1, 2, 3], [2, 2])).toThrow('tensor: shape [2,2] needs 4 values, received 3');
    expect(() => tn.tensor([1], [1.5])).toThrow('tensor: shape must be an array of non-negative integers, received [1.5]');
    expect(() => tn.tensor([1], undefined, 'float16' as tn.DType)).toThrow(`tensor: unknown dtype "float16"; expected 'float32' or 'int32'`);
    expect(() => tn.tensor({} as unknown as number)).toThrow('tensor: values must be a number, nested arrays of numbers or a typed array (or strings, for a string tensor), received object');
    // A string is a string scalar (test/layers/preprocessing-text.test.ts covers string tensors).
    expect(tn.tensor('abc').array()).toBe('abc');
  });
});

describe('data(), array(), item()', () => {
  it('data() returns a copy', () => {
    const t = tn.tensor([1, 2]);
    const d = t.data();
    d[0] = 99;
    expect(Array.from(t.data())).toEqual([1, 2]);
    expect(t.dataSync()).not.toBe(t.dataSync());
    expect(t.arraySync()).toEqual([1, 2]);
  });

  it('item() needs exactly one element', () => {
    expect(tn.tensor([[7]]).item()).toBe(7);
    expect(() => tn.tensor([1, 2]).item()).toThrow('item: the tensor has shape [2] (2 elements); item() needs exactly one');
  });

  it('clone() copies data and detaches from gradients', () => {
    const v = tn.variable([1, 2]);
    const c = v.clone();
    expect(c.requiresGrad).toBe(false);
    v.assign([3, 4]);
    expect(Array.from(c.data())).toEqual([1, 2]);
  });
});

describe('creation helpers', () => {
  it('zeros, ones, fill, zerosLike, onesLike keep shape and dtype', () => {
    expect(tn.zeros([2, 3]).array()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(tn.ones([2], 'int32').dtype).toBe('int32');
    expect(Array.from(tn.fill([3], 2.5).data())).toEqual([2.5, 2.5, 2.5]);
    expect(Array.from(tn.fill([2], 7, 'int32').data())).toEqual([7, 7]);
    const i = tn.tensor([[1, 2]], undefined, 'int32');
    expect(tn.zerosLike(i).dtype).toBe('int32');
    expect(tn.onesLike(i).array()).toEqual([[1, 1]]);
    expect(tn.zeros([]).shape).toEqual([]);
  });

  it('range counts from start by step, excluding stop', () => {
    expect(Array.from(tn.range(5).data())).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(tn.range(1, 2, 0.25).data())).toEqual([1, 1.25, 1.5, 1.75]);
    expect(Array.from(tn.range(5, 0, -2).data())).toEqual([5, 3, 1]);
    expect(tn.range(3, 1).size).toBe(0);
    expect(tn.range(0, 3, 1, 'int32').dtype).toBe('int32');
    expect(() => tn.range(0, 3, 0)).toThrow('range: step must not be 0');
    expect(() => tn.range(0, NaN)).toThrow('range: stop must be a finite number, received NaN');
  });

  it('linspace includes both ends', () => {
    expect(Array.from(tn.linspace(0, 1, 5).data())).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(() => tn.linspace(0, 1, -1)).toThrow('linspace: num must be a non-negative integer, received -1');
  });

  it('eye makes square and rectangular identities', () => {
    expect(tn.eye(2).array()).toEqual([[1, 0], [0, 1]]);
    expect(tn.eye(2, 3).array()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(tn.eye(3, 2, 'int32').dtype).toBe('int32');
    expect(() => tn.eye(-1)).toThrow('eye: size must be an array of non-negative integers, received [-1,-1]');
    expect(() => tn.eye(2, 2, 'float64' as tn.DType)).toThrow(`eye: unknown dtype "float64"; expected 'float32' or 'int32'`);
  });

  it('shape errors name the helper', () => {
    expect(() => tn.zeros([2, -1])).toThrow('zeros: shape must be an array of non-negative integers, received [2,-1]');
    expect(() => tn.ones('3' as unknown as number[])).toThrow('ones: shape must be an array of non-negative integers, received 3');
    expect(() => tn.fill([2], 'a' as unknown as number)).toThrow('fill: value must be a number, received string');
    expect(() => tn.zeros([2 ** 21, 2 ** 20])).toThrow('zeros: shape [2097152,1048576] has too many elements (2199023255552)');
  });

  it('a result too large for one buffer is an error naming its shape, whichever op makes it', () => {
    const tooBig = /^cannot allocate a float32 tensor of shape \[1048576,1048576\]: its 1099511627776 elements exceed the \d+ one buffer can hold$/;
    expect(() => tn.fill([2 ** 20, 2 ** 20], 1)).toThrow(tooBig);
    expect(() => tn.add(tn.zeros([2 ** 20, 1]), tn.zeros([1, 2 ** 20]))).toThrow(tooBig);
    expect(() => tn.matMul(tn.zeros([2 ** 20, 0]), tn.zeros([0, 2 ** 20]))).toThrow(tooBig);
    expect(() => tn.tile(tn.zeros([1, 1]), [2 ** 20, 2 ** 20])).toThrow(/^cannot allocate a float32 tensor of shape \[\d+,\d+\]/);
  });
});

describe('random tensors', () => {
  const makers: [string, (seed?: number) => tn.Tensor][] = [
    ['randomNormal', (seed) => tn.randomNormal([1000], 1, 2, 'float32', seed)],
    ['randomUniform', (seed) => tn.randomUniform([1000], -1, 3, 'float32', seed)],
    ['truncatedNormal', (seed) => tn.truncatedNormal([1000], 1, 2, 'float32', seed)],
  ];

  for (const [name, make] of makers) {
    it(`${name}: setSeed repeats the sequence, and a per-call seed repeats regardless of the global state`, () => {
      tn.setSeed(42);
      const a = make().data();
      const b = make().data();
      tn.setSeed(42);
      expect(make().data()).toEqual(a);
      expect(make().data()).toEqual(b);
      expect(a).not.toEqual(b);
      const s1 = make(7).data();
      tn.setSeed(1);
      make();
      expect(make(7).data()).toEqual(s1);
      expect(make(8).data()).not.toEqual(s1);
    });
  }

  it('have the requested distributions', () => {
    const stats = (data: Float32Array | Int32Array) => {
      const v = Array.from(data);
      const m = v.reduce((s, x) => s + x, 0) / v.length;
      const sd = Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / v.length);
      return { m, sd, min: Math.min(...v), max: Math.max(...v) };
    };
    const n = stats(tn.randomNormal([20000], 1, 2, 'float32', 3).data());
    expect(Math.abs(n.m - 1)).toBeLessThan(0.06);
    expect(Math.abs(n.sd - 2)).toBeLessThan(0.06);
    const u = stats(tn.randomUniform([20000], -1, 3, 'float32', 4).data());
    expect(u.min).toBeGreaterThanOrEqual(-1);
    expect(u.max).toBeLessThan(3);
    expect(Math.abs(u.m - 1)).toBeLessThan(0.05);
    const t = stats(tn.truncatedNormal([20000], 1, 2, 'float32', 5).data());
    expect(t.min).toBeGreaterThanOrEqual(1 - 4);
    expect(t.max).toBeLessThanOrEqual(1 + 4);
    // A normal truncated at two standard deviations has a standard deviation of 0.88 of the original.
    expect(Math.abs(t.sd - 2 * 0.8796)).toBeLessThan(0.05);
    const i = tn.randomUniform([1000], 0, 5, 'int32', 6);
    expect(i.dtype).toBe('int32');
    expect(new Set(i.data()).size).toBe(5);
  });

  it('reject bad arguments', () => {
    expect(() => tn.randomUniform([2], 3, 1)).toThrow('randomUniform: maxval (1) must be at least minval (3)');
    expect(() => tn.setSeed(NaN)).toThrow('setSeed: seed must be a finite number, received NaN');
    expect(() => tn.randomNormal([2], 0, 1, 'float32', Infinity)).toThrow('seed must be a finite number, received Infinity');
    expect(() => tn.randomNormal([2], 0, 1, 'complex64' as tn.DType)).toThrow(`randomNormal: unknown dtype "complex64"; expected 'float32' or 'int32'`);
  });
});

describe('toString', () => {
  it('prints shape, dtype and nested rows for small tensors', () => {
    expect(tn.tensor([[1, 2], [3, 4.5]]).toString()).toBe('Tensor(shape=[2,2], dtype=float32)\n[[1, 2],\n [3, 4.5]]');
    expect(tn.tensor([[[1, 2]], [[3, 4]]], undefined, 'int32').toString()).toBe(
      'Tensor(shape=[2,1,2], dtype=int32)\n[[[1, 2]],\n\n [[3, 4]]]',
    );
    expect(tn.scalar(3.25).toString()).toBe('Tensor(shape=[], dtype=float32)\n3.25');
    expect(tn.tensor([NaN, Infinity, -Infinity, 1e-7, 0.1]).toString()).toBe(
      'Tensor(shape=[5], dtype=float32)\n[NaN, Infinity, -Infinity, 1.0000e-7, 0.1]',
    );
  });

  it('summarises large tensors with the first and last three entries of each axis', () => {
    const s = tn.reshape(tn.range(0, 3000), [10, 300]).toString();
    const lines = s.split('\n');
    expect(lines[0]).toBe('Tensor(shape=[10,300], dtype=float32)');
    expect(lines[1]).toBe('[[0, 1, 2, ..., 297, 298, 299],');
    expect(lines[4]).toBe(' ...,');
    expect(lines[7]).toBe(' [2700, 2701, 2702, ..., 2997, 2998, 2999]]');
    expect(lines.length).toBe(8);
    expect(s.length).toBeLessThan(400);
  });

  it('util.inspect and template strings show the same text', async () => {
    const { inspect } = await import('node:util');
    const t = tn.tensor([1, 2]);
    expect(inspect(t)).toBe(t.toString());
    expect(`${t}`).toBe(t.toString());
  });
});

describe('chainable methods (TF.js spelling)', () => {
  it('every method gives what the op of the same name gives', () => {
    const x = tn.tensor([[-1.5, 0.25], [2.5, -0.75]]);
    const y = tn.tensor([[1, 0.25], [-2, 3]]);
    const unary = ['floor', 'ceil', 'round', 'sign', 'sin', 'cos', 'softplus', 'softsign', 'relu6', 'swish', 'selu', 'expm1', 'elu', 'leakyRelu', 'gelu', 'isNaN', 'logicalNot'] as const;
    for (const name of unary) {
      const viaMethod = (x as unknown as Record<string, () => tn.Tensor>)[name]();
      const viaOp = (tn as unknown as Record<string, (t: tn.Tensor) => tn.Tensor>)[name](x);
      expect(viaMethod.array(), name).toEqual(viaOp.array());
    }
    const abs = x.abs().add(0.5);
    for (const name of ['rsqrt', 'reciprocal', 'log1p'] as const) {
      expect((abs as unknown as Record<string, () => tn.Tensor>)[name]().array(), name).toEqual((tn as unknown as Record<string, (t: tn.Tensor) => tn.Tensor>)[name](abs).array());
    }
    for (const name of ['notEqual', 'greaterEqual', 'lessEqual', 'logicalAnd', 'logicalOr', 'squaredDifference'] as const) {
      const viaMethod = (x as unknown as Record<string, (b: tn.Tensor) => tn.Tensor>)[name](y);
      expect(viaMethod.array(), name).toEqual((tn as unknown as Record<string, (a: tn.Tensor, b: tn.Tensor) => tn.Tensor>)[name](x, y).array());
    }
    expect(x.floor().cast('int32').dtype).toBe('int32');
    expect(x.elu(0.5).array()).toEqual(tn.elu(x, 0.5).array());
    expect(x.split(2, 1).map((t) => t.shape)).toEqual([[2, 1], [2, 1]]);
    expect(x.concat(y, 0).shape).toEqual([4, 2]);
    expect(x.concat([y, y], 1).shape).toEqual([2, 6]);
  });
});
