// TF.js's pool (dilated max / average pooling), maxPoolWithArgmax and dilation2d against TF.js's own ops on the same
// values (@tensorflow/tfjs, CPU backend), the gradients of pool and dilation2d by finite differences, and errors
// that name the op and the shapes.
import { describe, expect, it } from 'vitest';
import * as tn from '../lib/index.js';
import { distinctTensor, gradCheck, randomTensor } from './helpers/gradcheck.js';
import { expectClose, tf, useCpu } from './helpers/tfjs.js';

type TfTensor = ReturnType<typeof tf.tensor>;
const vals = (t: tn.Tensor) => Array.from(t.data() as ArrayLike<number>);
const tfOf = (t: tn.Tensor): TfTensor => tf.tensor(vals(t), t.shape.slice());

function expectSame(ours: tn.Tensor, theirs: TfTensor, what: string): void {
  expect(ours.shape, what).toEqual(theirs.shape);
  expectClose(ours.data() as Float32Array, theirs.dataSync() as Float32Array, 1e-5, 1e-5, what);
}

describe('TF.js\'s pool, maxPoolWithArgmax and dilation2d', () => {
  it('pool equals TF.js\'s, max and avg, with dilations or strides, valid and same, on odd sizes', async () => {
    await useCpu();
    const x = randomTensor([2, 9, 8, 3], 1);
    type Case = [[number, number], 'avg' | 'max', 'valid' | 'same' | number, [number, number], number | [number, number]];
    const cases: Case[] = [
      [[2, 2], 'max', 'valid', [1, 1], 1], [[3, 3], 'avg', 'same', [1, 1], 2], [[3, 2], 'max', 'same', [2, 2], 1],
      [[3, 3], 'avg', 'same', [2, 3], 1], [[2, 3], 'max', 'valid', [3, 2], 1], [[2, 2], 'max', 'same', [3, 2], 1], [[2, 3], 'avg', 'same', [3, 1], 1], [[2, 2], 'avg', 'valid', [2, 2], 1], [[3, 3], 'max', 1, [1, 1], 2],
    ];
    for (const [win, type, pad, dil, str] of cases) {
      const what = `pool ${win} ${type} ${pad} dilations ${dil} strides ${str}`;
      expectSame(tn.pool(x, win, type, pad, dil, str), tf.pool(tfOf(x) as never, win, type, pad as never, dil, str), what);
    }
    const image = randomTensor([7, 6, 2], 2);
    expectSame(image.pool([3, 3], 'max', 'same', [2, 2]), tfOf(image).pool([3, 3], 'max', 'same', [2, 2], 1), 'x.pool on one image');
    gradCheck((t) => tn.pool(t, [2, 2], 'avg', 'same', [2, 2]), [randomTensor([1, 5, 5, 1], 3)]);
    gradCheck((t) => tn.pool(t, [2, 2], 'max', 'valid', [2, 1]), [distinctTensor([1, 5, 4, 2], 4)]);
    expect(() => tn.pool(x, [2, 2], 'max', 'valid', [2, 2], 2)).toThrow(/pool: strides \[2,2\] and dilations \[2,2\] cannot both exceed 1/);
    expect(() => tn.pool(x, [2, 2], 'min' as never)).toThrow(/pool: poolingType must be 'avg' or 'max', received "min"/);
  });

  it('maxPoolWithArgmax gives TF.js\'s maxima and their flat indices, with and without the batch', async () => {
    await useCpu();
    const x = distinctTensor([2, 7, 6, 3], 5);
    for (const [size, strides, pad] of [[2, 2, 'valid'], [3, 2, 'same'], [[3, 2], [1, 2], 'valid'], [2, 1, 'same'], [3, 2, 1]] as [number | [number, number], number | [number, number], 'valid' | 'same' | number][]) {
      for (const withBatch of [false, true]) {
        const ours = tn.maxPoolWithArgmax(x, size, strides, pad, withBatch);
        const theirs = tf.maxPoolWithArgmax(tfOf(x) as never, size, strides, pad as never, withBatch);
        const what = `maxPoolWithArgmax ${size} ${strides} ${pad} ${withBatch}`;
        expectSame(ours.result, theirs.result, what);
        expect(ours.indexes.dtype).toBe('int32');
        expect(vals(ours.indexes), what).toEqual(Array.from(theirs.indexes.dataSync()));
      }
    }
    gradCheck((t) => tn.maxPoolWithArgmax(t, 2, 2, 'valid').result, [distinctTensor([1, 4, 4, 2], 6)]);
    expect(() => tn.maxPoolWithArgmax(tn.zeros([7, 6, 3]), 2, 2, 'valid')).toThrow(/maxPoolWithArgmax: x must be \[batch, height, width, channels\], received shape \[7,6,3\]/);
  });

  it('dilation2d equals TF.js\'s for strides, dilations, valid and same, and one image, with its gradient', async () => {
    await useCpu();
    const x = randomTensor([2, 8, 7, 3], 7);
    const filter = randomTensor([3, 2, 3], 8);
    for (const [strides, pad, dil] of [[1, 'valid', 1], [1, 'same', 1], [2, 'same', 1], [[1, 2], 'valid', 1], [1, 'same', 2], [1, 'valid', [2, 3]]] as [number | [number, number], 'valid' | 'same', number | [number, number]][]) {
      const what = `dilation2d strides ${strides} ${pad} dilations ${dil}`;
      expectSame(tn.dilation2d(x, filter, strides, pad, dil), tf.dilation2d(tfOf(x) as never, tfOf(filter) as never, strides, pad, dil), what);
    }
    const image = randomTensor([6, 5, 3], 9);
    expectSame(image.dilation2d(filter, 1, 'same'), tfOf(image).dilation2d(tfOf(filter) as never, 1, 'same'), 'x.dilation2d on one image');
    gradCheck((a, f) => tn.dilation2d(a, f, 1, 'same'), [distinctTensor([1, 4, 4, 1], 10), distinctTensor([2, 2, 1], 11, -0.2, 0.2)]);
    expect(() => tn.dilation2d(x, randomTensor([3, 2, 2], 1), 1, 'valid')).toThrow(/dilation2d: filter must be \[filterHeight, filterWidth, 3\] for x of shape \[2,8,7,3\], received \[3,2,2\]/);
  });
});
