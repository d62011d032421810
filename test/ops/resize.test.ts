// resizeBilinear (half-pixel centers, Keras 3's UpSampling2D 'bilinear') and repeat: values against float64
// references written independently (test/helpers/resize-reference.ts), the published TensorFlow result of a 2x2
// image upsampled to 4x4, gradients by finite differences (the adjoint, and the adjoint's own gradient), odd sizes,
// NaN propagation and the errors.
import { describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { expectClose } from '../helpers/golden.js';
import { gradCheck, randomTensor } from '../helpers/gradcheck.js';
import { bilinearReference, nearestReference } from '../helpers/resize-reference.js';

describe('resizeBilinear', () => {
  it('gives TensorFlow\'s values for a 2x2 image resized to 4x4 (tf.image.resize, bilinear)', () => {
    const y = tn.resizeBilinear(tn.tensor([1, 2, 3, 4], [1, 2, 2, 1]), [4, 4]);
    // tf.image.resize([[1, 2], [3, 4]], (4, 4)) and torch interpolate(align_corners=False) both print these.
    expect(Array.from(y.data())).toEqual([1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4]);
  });

  const cases: [string, number[], [number, number]][] = [
    ['upsampling by 2', [2, 3, 4, 3], [6, 8]],
    ['upsampling by 3 and 1', [1, 5, 2, 2], [15, 2]],
    ['a size that is not a multiple', [2, 3, 5, 1], [7, 4]],
    ['downsampling (no antialiasing)', [1, 8, 6, 2], [3, 4]],
    ['a 1x1 image', [3, 1, 1, 5], [3, 2]],
    ['one channel, odd widths', [1, 7, 9, 1], [14, 18]],
  ];
  for (const [name, shape, size] of cases) {
    it(`matches the float64 reference: ${name}`, () => {
      const x = randomTensor(shape, shape.reduce((a, b) => a + b, 0));
      const y = tn.resizeBilinear(x, size);
      expectClose(y, { shape: [shape[0], size[0], size[1], shape[3]], data: bilinearReference(x.data(), shape, size[0], size[1]) });
    });
  }

  it('has the gradient of its finite differences (the adjoint), and so has the adjoint', () => {
    const x = randomTensor([2, 3, 4, 2], 11);
    gradCheck((t) => tn.resizeBilinear(t, [6, 8]), [x]);
    gradCheck((t) => tn.resizeBilinear(t, [5, 3]), [x]);
    // The gradient is the adjoint of the forward op: <resize(x), u> = <x, grad(u)> for any x and u (a second-order
    // gradCheck of it would need gradients that record their own operations, which tensornode's do not).
    const up = randomTensor([2, 7, 5, 2], 12);
    const back = tn.grads((t: tn.Tensor) => tn.resizeBilinear(t, [7, 5]))([x], up)[0];
    const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i], 0);
    const lhs = dot(tn.resizeBilinear(x, [7, 5]).data() as Float32Array, up.data() as Float32Array);
    const rhs = dot(x.data() as Float32Array, back.data() as Float32Array);
    expect(Math.abs(lhs)).toBeGreaterThan(0.1);
    expect(rhs).toBeCloseTo(lhs, 3);
  });

  it('propagates NaN only to the outputs that read it', () => {
    const v = new Float32Array(16).fill(1);
    v[0] = NaN;
    const y = tn.resizeBilinear(tn.tensor(v, [1, 4, 4, 1]), [8, 8]).data();
    expect(Number.isNaN(y[0])).toBe(true);
    expect(Number.isNaN(y[63])).toBe(false);
  });

  it('rejects bad ranks and sizes', () => {
    expect(() => tn.resizeBilinear(tn.zeros([2, 3, 4]), [4, 4])).toThrow('resizeBilinear: images must be 4-D [batch, height, width, channels], received shape [2,3,4]');
    expect(() => tn.resizeBilinear(tn.zeros([1, 2, 2, 1]), [0, 4])).toThrow('resizeBilinear: size must be [height, width] of positive integers, received [0,4]');
    expect(() => tn.resizeBilinear(tn.zeros([1, 2, 2, 1]), [2.5, 4] as [number, number])).toThrow('received [2.5,4]');
  });
});

describe('repeat', () => {
  it('repeats each element along an axis (numpy.repeat), with its gradient', () => {
    const x = randomTensor([2, 3, 4, 2], 21);
    const y = tn.repeat(tn.repeat(x, 2, 1), 3, 2);
    expect(y.shape).toEqual([2, 6, 12, 2]);
    expect(Array.from(y.data())).toEqual(nearestReference(x.data(), x.shape, 2, 3));
    expect(Array.from(tn.repeat(tn.tensor([1, 2, 3], [3]), 2, 0).data())).toEqual([1, 1, 2, 2, 3, 3]);
    expect(Array.from(tn.repeat(tn.tensor([1, 2, 3, 4], [2, 2], 'int32'), 2, -1).data())).toEqual([1, 1, 2, 2, 3, 3, 4, 4]);
    gradCheck((t) => tn.repeat(t, 3, -2), [x]);
  });

  it('rejects bad repeats and axes', () => {
    expect(() => tn.repeat(tn.zeros([2, 2]), 0, 0)).toThrow('repeat: repeats must be a positive integer, received 0');
    expect(() => tn.repeat(tn.zeros([2, 2]), 2, 2)).toThrow(/repeat.*axis/);
  });
});
