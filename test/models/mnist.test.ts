import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';

/** The first `perDigit` samples of each digit, in digit order. */
function perDigit(images: tn.Tensor, labels: tn.Tensor, count: number): [tn.Tensor, tn.Tensor] {
  const l = labels.data();
  const picked: number[] = [];
  for (let d = 0; d < 10; d++) {
    let k = 0;
    for (let i = 0; i < l.length && k < count; i++) if (l[i] === d) (picked.push(i), k++);
  }
  const idx = tn.tensor(Int32Array.from(picked));
  return [tn.gather(images, idx), tn.gather(labels, idx)];
}

describe('datasets.mnist', () => {
  it('splits the mnist package per digit: 8,000 training and 2,000 test images', async () => {
    const [[xTrain, yTrain], [xTest, yTest]] = await tn.datasets.mnist.loadData();
    expect(xTrain.shape).toEqual([8000, 28, 28, 1]);
    expect(yTrain.shape).toEqual([8000]);
    expect(xTest.shape).toEqual([2000, 28, 28, 1]);
    expect([xTrain.dtype, yTrain.dtype]).toEqual(['float32', 'int32']);
    const px = xTrain.data();
    expect(Math.min(...px.subarray(0, 100000))).toBe(0);
    expect(Math.max(...px.subarray(0, 100000))).toBeLessThanOrEqual(1);
    const counts = new Array(10).fill(0);
    for (const v of yTrain.data()) counts[v]++;
    expect(counts).toEqual(new Array(10).fill(800));
    expect(new Set(yTest.data()).size).toBe(10);
  });

  it('reads IDX files, gzipped or not, from a directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mnist-'));
    const idx = (magic: number, dims: number[], bytes: number[]) => {
      const head = Buffer.alloc(4 + 4 * dims.length);
      head.writeUInt32BE(magic, 0);
      dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
      return Buffer.concat([head, Buffer.from(bytes)]);
    };
    const img = (n: number) => Array.from({ length: n * 784 }, (_, i) => (i * 7) % 256);
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(idx(0x803, [3, 28, 28], img(3))));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idx(0x801, [3], [7, 1, 9]));
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idx(0x803, [2, 28, 28], img(2)));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'), gzipSync(idx(0x801, [2], [0, 4])));
    const [[x, y], [xt, yt]] = await tn.datasets.mnist.loadData({ path: dir });
    expect(x.shape).toEqual([3, 28, 28, 1]);
    expect(Array.from(y.data())).toEqual([7, 1, 9]);
    expect(x.data()[1]).toBeCloseTo(7 / 255, 6);
    expect(xt.shape).toEqual([2, 28, 28, 1]);
    expect(Array.from(yt.data())).toEqual([0, 4]);
    const empty = mkdtempSync(join(tmpdir(), 'mnist-empty-'));
    await expect(tn.datasets.mnist.loadData({ path: empty })).rejects.toThrow(/does not contain train-images-idx3-ubyte\(\.gz\)/);
  });
});

describe('the reference CNN on real digits', () => {
  it('reaches at least 0.85 accuracy on 500 test images after 3 epochs on 2,000 (200 per digit)', async () => {
    tn.setSeed(42);
    const [[trainImages, trainLabels], [testImages, testLabels]] = await tn.datasets.mnist.loadData();
    const [x, y] = perDigit(trainImages, trainLabels, 200);
    const [xt, yt] = perDigit(testImages, testLabels, 50);
    const { Conv2D, MaxPooling2D, Flatten, Dense } = tn.layers;
    const model = new tn.Sequential([
      new Conv2D(32, [3, 3], { activation: 'relu', inputShape: [28, 28, 1] }),
      new MaxPooling2D([2, 2]),
      new Flatten(),
      new Dense(128, { activation: 'relu' }),
      new Dense(10, { activation: 'softmax' }),
    ]);
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const history = await model.fit(x, y, { epochs: 3, verbose: 0 });
    expect(history.history.loss[2]).toBeLessThan(history.history.loss[0]);
    const [, accuracy] = await model.evaluate(xt, yt, { verbose: 0 });
    expect(accuracy).toBeGreaterThanOrEqual(0.85);
  });
});
