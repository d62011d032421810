import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
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

describe('datasets.mnist.loadData leaves the event loop free', () => {
  /** Counts turns of the event loop (setImmediate callbacks) until stopped. */
  function loopTurns() {
    let turns = 0;
    let running = true;
    const tick = () => {
      if (!running) return;
      turns++;
      setImmediate(tick);
    };
    setImmediate(tick);
    return () => ((running = false), turns);
  }

  it('from the mnist package: the loop turns while it loads, and the digits are the package\'s', async () => {
    const stop = loopTurns();
    const [[xTrain, yTrain], [xTest, yTest]] = await tn.datasets.mnist.loadData();
    expect(stop()).toBeGreaterThan(0);
    // the same samples as the package's JSON files read independently: per digit, the first 800 train
    const req = createRequire(import.meta.url);
    const digits = Array.from({ length: 10 }, (_, d) => (req(`mnist/src/digits/${d}.json`) as { data: number[] }).data);
    // Each split holds exactly those images with their labels, in a shuffled order (compared as sets of
    // "label:pixels" keys).
    const keys = (x: tn.Tensor, y: tn.Tensor) => {
      const xs = x.data();
      const ys = y.data();
      return Array.from({ length: ys.length }, (_, i) => `${ys[i]}:${Array.from(xs.subarray(i * 784, (i + 1) * 784)).join(',')}`).sort();
    };
    const rows = (d: number, from: number, to: number) => Array.from({ length: to - from }, (_, k) => `${d}:${Array.from(Float32Array.from(digits[d].slice((from + k) * 784, (from + k + 1) * 784))).join(',')}`);
    const wantTrain = digits.flatMap((data, d) => rows(d, 0, 800)).sort();
    const wantTest = digits.flatMap((data, d) => rows(d, 800, data.length / 784)).sort();
    expect(keys(xTrain, yTrain)).toEqual(wantTrain);
    expect(keys(xTest, yTest)).toEqual(wantTest);
    // Not in the package's digit-by-digit order: the last 10% (what validationSplit 0.1 holds out) has every digit.
    const tail = new Set(Array.from(yTrain.data().subarray(7200)));
    expect(tail.size).toBe(10);
    // The order is fixed: a second load gives the same.
    const [[, y2]] = await tn.datasets.mnist.loadData();
    expect(Array.from(y2.data())).toEqual(Array.from(yTrain.data()));
  });

  it('from gzipped IDX files: the loop turns while they are read and gunzipped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mnist-async-'));
    const n = 2000;
    const pixels = Buffer.alloc(16 + n * 784);
    [0x803, n, 28, 28].forEach((v, i) => pixels.writeUInt32BE(v, 4 * i));
    for (let i = 16; i < pixels.length; i++) pixels[i] = (i * 31) % 256;
    const labels = Buffer.alloc(8 + n);
    [0x801, n].forEach((v, i) => labels.writeUInt32BE(v, 4 * i));
    for (let i = 0; i < n; i++) labels[8 + i] = i % 10;
    for (const prefix of ['train', 't10k']) {
      writeFileSync(join(dir, `${prefix}-images-idx3-ubyte.gz`), gzipSync(pixels));
      writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte.gz`), gzipSync(labels));
    }
    const stop = loopTurns();
    const [[x, y], [xt]] = await tn.datasets.mnist.loadData({ path: dir });
    expect(stop()).toBeGreaterThan(0);
    expect(x.shape).toEqual([n, 28, 28, 1]);
    const xv = x.data();
    for (const i of [0, 1, 12345, n * 784 - 1]) expect(xv[i]).toBe(Math.fround(pixels[16 + i] / 255));
    expect(xt.data()).toEqual(xv);
    expect(Array.from(y.data().subarray(0, 12))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
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
