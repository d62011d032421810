// TF.js's ops ported under its names: maxPool/avgPool, conv1d, floorDiv, unsortedSegmentSum, dropout and clone,
// against TF.js 4.22 (CPU backend) on the same inputs, with gradients by finite differences and the errors.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { gradCheck, randomTensor } from '../helpers/gradcheck.js';
import { expectClose, randomValues, tf, useCpu } from '../helpers/tfjs.js';

beforeAll(useCpu);

const both = (shape: number[], seed: number) => {
  const v = randomValues(shape.reduce((p, d) => p * d, 1), seed);
  return { ours: tn.tensor(v, shape), theirs: tf.tensor(v, shape) };
};

describe('maxPool and avgPool (TF.js names of maxPool2d and avgPool2d)', () => {
  it('match TF.js for valid and same padding, odd sizes, strides, and unbatched input', () => {
    for (const [shape, size, strides, pad] of [
      [[2, 5, 7, 3], 2, 2, 'valid'], [[1, 5, 5, 1], 3, 1, 'same'], [[1, 7, 6, 2], [3, 2], [2, 1], 'same'], [[4, 4, 5], 2, 1, 'valid'],
    ] as [number[], number | [number, number], number | [number, number], 'valid' | 'same'][]) {
      const x = both(shape, shape.length * 11 + (size as number));
      expectClose(tn.maxPool(x.ours, size, strides, pad).data(), tf.maxPool(x.theirs as tf.Tensor4D, size, strides, pad).dataSync(), 1e-6, 1e-7, `maxPool ${shape}`);
      expectClose(tn.avgPool(x.ours, size, strides, pad).data(), tf.avgPool(x.theirs as tf.Tensor4D, size, strides, pad).dataSync(), 1e-5, 1e-6, `avgPool ${shape}`);
      expect(tn.maxPool(x.ours, size, strides, pad).shape).toEqual(tf.maxPool(x.theirs as tf.Tensor4D, size, strides, pad).shape);
    }
    const x = both([1, 4, 4, 2], 3);
    expectClose(x.ours.maxPool(2, 2, 'valid').data(), x.theirs.maxPool(2, 2, 'valid').dataSync());
    expectClose(x.ours.avgPool(2, 1, 'same').data(), x.theirs.avgPool(2, 1, 'same').dataSync());
  });

  it('have gradients (finite differences)', () => {
    gradCheck((x) => tn.avgPool(x, 2, 1, 'same'), [randomTensor([1, 3, 4, 2], 5)]);
    gradCheck((x) => tn.maxPool(x, 2, 2, 'valid'), [randomTensor([1, 4, 4, 1], 6)]);
  });

  it('name themselves in errors', () => {
    expect(() => tn.maxPool(tn.zeros([4, 4]), 2, 2, 'valid')).toThrow('maxPool: input must have rank 4 [batch, height, width, channels], received shape [4,4]');
    expect(() => tn.avgPool(tn.zeros([1, 2, 2, 1]), 3, 1, 'valid')).toThrow(/avgPool: the pool window 3x3 does not fit in the 2x2 input/);
    expect(() => tn.maxPool(tn.zeros([1, 4, 4, 1]), 2, 2, 'full' as unknown as 'same')).toThrow(`maxPool: pad must be 'valid', 'same', a non-negative integer or [[0, 0], [top, bottom], [left, right], [0, 0]], received "full"`);
    expect(() => tn.avgPool(tn.zeros([1, 4, 4, 1]), 2, 2, 'valid', 'round')).toThrow(/avgPool: dimRoundingMode applies to numeric padding/);
  });
});

describe('conv1d', () => {
  it('matches TF.js: strides, dilation, same/valid, unbatched', () => {
    for (const [xs, fs, stride, pad, dilation] of [
      [[2, 9, 3], [3, 3, 4], 1, 'valid', 1], [[1, 10, 2], [4, 2, 3], 2, 'same', 1], [[3, 11, 1], [3, 1, 2], 1, 'same', 2], [[7, 2], [2, 2, 5], 1, 'valid', 1],
    ] as [number[], number[], number, 'valid' | 'same', number][]) {
      const x = both(xs, xs[1]);
      const f = both(fs, fs[0] + 100);
      const ours = tn.conv1d(x.ours, f.ours, stride, pad, 'NWC', dilation);
      const theirs = tf.conv1d(x.theirs as tf.Tensor3D, f.theirs as tf.Tensor3D, stride, pad, 'NWC', dilation);
      expect(ours.shape).toEqual(theirs.shape);
      expectClose(ours.data(), theirs.dataSync(), 1e-4, 1e-5, `conv1d ${xs} ${fs}`);
    }
    const x = both([1, 5, 2], 1);
    const f = both([2, 2, 3], 2);
    expectClose(x.ours.conv1d(f.ours, 1, 'same').data(), x.theirs.conv1d(f.theirs as tf.Tensor3D, 1, 'same').dataSync(), 1e-4, 1e-5);
  });

  it('has gradients for input and filter', () => {
    gradCheck((x, f) => tn.conv1d(x, f, 2, 'same'), [randomTensor([2, 7, 3], 1), randomTensor([3, 3, 2], 2)]);
  });

  it('names itself and the shapes in errors', () => {
    expect(() => tn.conv1d(tn.zeros([1, 2, 3, 4]), tn.zeros([2, 4, 1]), 1, 'valid')).toThrow('conv1d: input must have rank 3 [batch, width, channels] (or 2), received shape [1,2,3,4]');
    expect(() => tn.conv1d(tn.zeros([1, 5, 3]), tn.zeros([2, 4]), 1, 'valid')).toThrow('conv1d: filter must have rank 3 [filterWidth, inChannels, outChannels], received shape [2,4]');
    expect(() => tn.conv1d(tn.zeros([1, 5, 3]), tn.zeros([2, 4, 1]), 1, 'valid')).toThrow("conv1d: the input's 3 channels (shape [1,5,3]) do not match the filter's 4 input channels (shape [2,4,1])");
    expect(() => tn.conv1d(tn.zeros([1, 5, 3]), tn.zeros([2, 3, 1]), 0, 'valid')).toThrow(/conv1d: stride must be a positive integer/);
    expect(() => tn.conv1d(tn.zeros([1, 5, 3]), tn.zeros([2, 3, 1]), 1, 'valid', 'NCW')).toThrow(/conv1d: only channels-last \(NWC\)/);
    expect(() => tn.conv1d(tn.zeros([1, 2, 3]), tn.zeros([4, 3, 1]), 1, 'valid')).toThrow(/conv1d: the kernel 1x4/);
  });
});

describe('floorDiv', () => {
  it('matches TF.js on floats and int32 with broadcasting and negative operands', () => {
    const a = [-7, -6.5, -1, 0, 1, 6.5, 7, 9];
    const b = [2, -2, 3, 0.5];
    const ours = tn.floorDiv(tn.tensor(a, [2, 4]), tn.tensor(b, [4]));
    const theirs = tf.floorDiv(tf.tensor(a, [2, 4]), tf.tensor(b, [4]));
    expectClose(ours.data(), theirs.dataSync(), 0, 0);
    const ai = tn.tensor([-7, -6, 7, 6], [4], 'int32');
    const oi = tn.floorDiv(ai, tn.tensor([2, -4, -2, 4], [4], 'int32'));
    expect(oi.dtype).toBe('int32');
    expect(Array.from(oi.data())).toEqual(Array.from(tf.floorDiv(tf.tensor([-7, -6, 7, 6], [4], 'int32'), tf.tensor([2, -4, -2, 4], [4], 'int32')).dataSync()));
    expect(Array.from(tn.tensor([5, -5]).floorDiv(2).data())).toEqual([2, -3]);
    expect(tn.floorDiv(1, 0).item()).toBe(Infinity);
  });

  it('has a zero gradient (it is piecewise constant) and names itself in errors', () => {
    const [ga, gb] = tn.grads((a: tn.Tensor, b: tn.Tensor) => tn.sum(tn.floorDiv(a, b)))([tn.tensor([1.5, 2.5]), tn.tensor([0.7, 0.9])]);
    expect(Array.from(ga.data(), Math.abs)).toEqual([0, 0]);
    expect(Array.from(gb.data(), Math.abs)).toEqual([0, 0]);
    expect(() => tn.floorDiv(tn.zeros([2, 3]), tn.zeros([4]))).toThrow(/floorDiv: .*\[2,3\].*\[4\]/);
    expect(() => tn.floorDiv(tn.tensor([1], [1], 'int32'), tn.tensor([0], [1], 'int32'))).toThrow('floorDiv: integer division by zero');
    expect(() => tn.floorDiv(tn.tensor(['a']), 1)).toThrow(/^floorDiv: received a string tensor/);
  });
});

describe('unsortedSegmentSum', () => {
  it('matches TF.js, dropping out-of-range ids; int32 stays int32', () => {
    const x = both([5, 3], 4);
    const ids = [2, 0, 2, 1, 0];
    const ours = tn.unsortedSegmentSum(x.ours, tn.tensor(ids, [5], 'int32'), 4);
    const theirs = tf.unsortedSegmentSum(x.theirs, tf.tensor1d(ids, 'int32'), 4);
    expect(ours.shape).toEqual([4, 3]);
    expectClose(ours.data(), theirs.dataSync(), 1e-6, 1e-7);
    const xi = tn.tensor([1, 2, 3, 4], [4], 'int32');
    const yi = tn.unsortedSegmentSum(xi, tn.tensor([1, 1, -1, 5], [4], 'int32'), 3);
    expect(yi.dtype).toBe('int32');
    expect(Array.from(yi.data())).toEqual([0, 3, 0]);
    expect(Array.from(tn.tensor([1, 2, 3]).unsortedSegmentSum(tn.tensor([0, 1, 0], [3], 'int32'), 2).data())).toEqual([4, 2]);
  });

  it('has a gradient (dy gathered back) and names itself in errors', () => {
    const ids = tn.tensor([1, 0, 1, 3], [4], 'int32');
    gradCheck((x) => tn.unsortedSegmentSum(x, ids, 3), [randomTensor([4, 2], 9)]);
    expect(() => tn.unsortedSegmentSum(tn.zeros([4, 2]), tn.tensor([0, 1], [2], 'int32'), 2)).toThrow('unsortedSegmentSum: segmentIds must be 1-D with one id per row of x (shape [4]), received shape [2] for x of shape [4,2]');
    expect(() => tn.unsortedSegmentSum(tn.zeros([2]), tn.tensor([0, 1], [2], 'int32'), 1.5)).toThrow('unsortedSegmentSum: numSegments must be a non-negative integer, received 1.5');
    expect(() => tn.unsortedSegmentSum(tn.zeros([2]), tn.tensor([0, 0.5]), 2)).toThrow(/unsortedSegmentSum: indices must be integers/);
  });
});

describe('dropout (the op)', () => {
  it('zeros about `rate` of the elements and scales the rest by 1 / (1 - rate), as TF.js', () => {
    const x = tn.ones([200, 50]);
    const y = tn.dropout(x, 0.3, undefined, 5).data();
    const kept = Array.from(y).filter((v) => v !== 0);
    expect(kept.every((v) => Math.abs(v - 1 / 0.7) < 1e-6)).toBe(true);
    expect(Math.abs(kept.length / y.length - 0.7)).toBeLessThan(0.02);
    // TF.js's op: the same scaling (its mask differs, from another generator).
    const theirs = Array.from(tf.dropout(tf.ones([200, 50]), 0.3, undefined, 5).dataSync()).filter((v) => v !== 0);
    expect(Math.abs(theirs[0] - kept[0])).toBeLessThan(1e-6);
  });

  it('repeats with a seed (a number or a string), shares the mask along noiseShape axes (null = full size), copies at rate 0', () => {
    const x = randomTensor([4, 6], 3);
    expect(Array.from(tn.dropout(x, 0.5, null, 11).data())).toEqual(Array.from(tn.dropout(x, 0.5, null, 11).data()));
    expect(Array.from(tn.dropout(x, 0.5, null, 'abc').data())).toEqual(Array.from(tn.dropout(x, 0.5, null, 'abc').data()));
    const y = tn.dropout(tn.ones([4, 6]), 0.5, [null, 1] as unknown as number[], 2).array() as number[][];
    for (const row of y) expect(new Set(row).size).toBe(1);
    const same = tn.dropout(x, 0);
    expect(same).not.toBe(x);
    expect(Array.from(same.data())).toEqual(Array.from(x.data()));
    tn.setSeed(4);
    const a = tn.dropout(x, 0.5).data();
    tn.setSeed(4);
    expect(Array.from(tn.dropout(x, 0.5).data())).toEqual(Array.from(a));
  });

  it('has mul\'s gradient (the kept mask scaled) and names itself in errors', () => {
    const x = randomTensor([3, 4], 1);
    const g = tn.grad((t: tn.Tensor) => tn.sum(tn.dropout(t, 0.5, null, 7)))(x).data();
    const y = tn.dropout(x, 0.5, null, 7).data();
    g.forEach((v, i) => expect(v).toBeCloseTo(y[i] === 0 ? 0 : 2, 6));
    expect(() => tn.dropout(x, 1)).toThrow('dropout: rate must be a number in [0, 1), received 1');
    expect(() => tn.dropout(x, 0.5, [3, 2])).toThrow('dropout: noiseShape [3,2] must have the input\'s rank and, on each axis, the input\'s size or 1 (input shape [3,4])');
    expect(() => tn.dropout(x, 0.5, null, {} as unknown as number)).toThrow(/dropout: seed must be a number or a string/);
  });
});

describe('clone (the op)', () => {
  it('copies the values (a later assign does not reach it) and passes gradients through, as TF.js', () => {
    const v = tn.variable(tn.tensor([1, 2, 3]));
    const c = tn.clone(v);
    v.assign(tn.tensor([7, 8, 9]));
    expect(Array.from(c.data())).toEqual(Array.from(tf.clone(tf.tensor([1, 2, 3])).dataSync()));
    gradCheck((x) => tn.mul(tn.clone(x), x), [randomTensor([2, 3], 2)]);
    expect(tn.clone(tn.tensor([1, 2], [2], 'int32')).dtype).toBe('int32');
    expect(tn.clone(tn.tensor(['a', 'b'])).data()).toEqual(['a', 'b']);
  });
});
