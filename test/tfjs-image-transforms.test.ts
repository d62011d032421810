// TF.js's tf.image.transform, rotateWithOffset and threshold against TF.js's own ops on the same images
// (@tensorflow/tfjs, CPU backend), the gradients of the two that sample by finite differences, and errors that name
// the op and the shapes.
import { describe, expect, it } from 'vitest';
import * as tn from '../lib/index.js';
import { gradCheck, randomTensor, rng } from './helpers/gradcheck.js';
import { expectClose, tf, useCpu } from './helpers/tfjs.js';

type TfTensor = ReturnType<typeof tf.tensor>;
const vals = (t: tn.Tensor) => Array.from(t.data() as ArrayLike<number>);
const tfOf = (t: tn.Tensor): TfTensor => tf.tensor(vals(t), t.shape.slice(), t.dtype === 'int32' ? 'int32' : 'float32');

describe('TF.js\'s tn.image.transform, rotateWithOffset and threshold', () => {
  it('transform equals TF.js\'s for each interpolation and fill mode, one transform or one per image, and a new size', async () => {
    await useCpu();
    const image = randomTensor([2, 6, 7, 2], 1);
    // Points exactly on half pixels (2.5, -0.5) and within float64 rounding of them (4.4999999 for 0.9 * 4 -
    // 0.2 * 2 + 1.3): TF.js's kernel computes coordinates in float64 and rounds halves up (Math.round), which
    // tn.affineTransform's TensorFlow arithmetic (float32, halves away from zero) would not match.
    const one = tn.tensor([[0.9, -0.2, 1.3, 0.15, 1.1, -0.7, 0.01, -0.02]]);
    const each = tn.tensor([[1, 0, -1.5, 0, 1, 2.25, 0, 0], [0.7, 0.3, 0.4, -0.3, 0.8, 1.6, 0, 0.03]]);
    for (const interpolation of ['nearest', 'bilinear'] as const) {
      for (const fillMode of ['constant', 'reflect', 'wrap', 'nearest'] as const) {
        for (const [transforms, outputShape] of [[one, undefined], [each, [5, 9]]] as [tn.Tensor, [number, number] | undefined][]) {
          const what = `transform ${interpolation} ${fillMode} ${transforms.shape[0]} ${outputShape}`;
          const ours = tn.image.transform(image, transforms, interpolation, fillMode, 0.5, outputShape);
          // TF.js's CPU kernel returns from inside its loop over the batch, so images after the first keep the fill
          // value: it is run one image at a time, each with its own transform row.
          const theirs = tf.concat([0, 1].map((b) => tf.image.transform(tfOf(image).slice(b, 1) as never, tfOf(transforms).slice(transforms.shape[0] === 1 ? 0 : b, 1) as never, interpolation, fillMode, 0.5, outputShape)));
          expect(ours.shape, what).toEqual(theirs.shape);
          expectClose(ours.data() as Float32Array, theirs.dataSync() as Float32Array, 1e-5, 1e-5, what);
        }
      }
    }
    // The defaults (nearest, constant, 0), on one image.
    const first = tn.slice(image, [0], [1]);
    expect(vals(tn.image.transform(first, one))).toEqual(Array.from(tf.image.transform(tfOf(first) as never, tfOf(one) as never).dataSync()));
    gradCheck((t) => tn.image.transform(t, each, 'bilinear', 'reflect'), [randomTensor([2, 4, 5, 1], 2)]);
    expect(() => tn.image.transform(image, tn.zeros([3, 8]))).toThrow(/image.transform: transforms must be \[1, 8\] or \[2, 8\] \(one per image\), received shape \[3,8\]/);
    expect(() => tn.image.transform(tn.zeros([6, 7, 2]), one)).toThrow(/image.transform: image must be \[batch, height, width, channels\], received shape \[6,7,2\]/);
  });

  it('rotateWithOffset equals TF.js\'s, about the centre and other points, with per-channel fill', async () => {
    await useCpu();
    const image = randomTensor([2, 5, 8, 3], 3);
    for (const [radians, fill, center] of [[0.3, 0, 0.5], [-1.1, [0.1, 0.2, 0.3], [0.2, 0.7]], [Math.PI / 2, 1, 0.5], [2.5, 0, 0]] as [number, number | number[], number | [number, number]][]) {
      const ours = tn.image.rotateWithOffset(image, radians, fill, center);
      const theirs = tf.image.rotateWithOffset(tfOf(image) as never, radians, fill as never, center);
      expect(ours.shape).toEqual(theirs.shape);
      expectClose(ours.data() as Float32Array, theirs.dataSync() as Float32Array, 1e-6, 1e-6, `rotateWithOffset ${radians} ${fill} ${center}`);
    }
    gradCheck((t) => tn.image.rotateWithOffset(t, 0.4, 0.5), [randomTensor([1, 4, 5, 2], 4)]);
    expect(() => tn.image.rotateWithOffset(image, 0.3, [1, 2])).toThrow(/image.rotateWithOffset: fillValue must be a number or 3 numbers \(one per channel\), received \[1,2\]/);
  });

  it('threshold equals TF.js\'s, binary and Otsu, inverted, on RGB and one-channel images', async () => {
    await useCpu();
    const next = rng(5);
    // Two populations of grey levels (dark and light), so that Otsu's threshold falls between them.
    const rgb = tn.tensor(Array.from({ length: 12 * 10 * 3 }, (_, i) => Math.floor((Math.floor(i / 30) % 2 ? 170 : 40) + 60 * next())), [12, 10, 3], 'int32');
    const grey = tn.tensor(Array.from({ length: 9 * 7 }, () => 255 * next()), [9, 7, 1]);
    for (const image of [rgb, grey]) {
      for (const [method, inverted, t] of [['binary', false, 0.5], ['binary', true, 0.3], ['otsu', false, 0.5], ['otsu', true, 0.5]] as ['binary' | 'otsu', boolean, number][]) {
        const ours = tn.image.threshold(image, method, inverted, t);
        const theirs = tf.image.threshold(tfOf(image) as never, method, inverted, t);
        expect(ours.dtype).toBe('int32');
        expect(ours.shape).toEqual(theirs.shape);
        expect(vals(ours), `threshold ${method} ${inverted} ${t} on ${image.shape}`).toEqual(Array.from(theirs.dataSync()));
      }
    }
    expect(() => tn.image.threshold(tn.zeros([4, 4, 2]))).toThrow(/image.threshold: image must be \[height, width, 3\] or \[height, width, 1\], received shape \[4,4,2\]/);
  });
});
