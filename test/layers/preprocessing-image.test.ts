// Rescaling, Normalization (adapt), Resizing, CenterCrop and the augmentation layers RandomFlip, RandomRotation,
// RandomZoom, RandomCrop, RandomTranslation; the ops under them (affineTransform, resizeNearest).
//
// Values are compared with the float64 references in test/helpers/image-reference.ts and resize-reference.ts (direct
// loops over output pixels); the random layers are checked with degenerate factor ranges (one fixed transform, which
// the reference applies) and statistically with a fixed seed: a flip fraction, an angle mean or an offset frequency
// must lie within Z = 5 standard errors of its expected value, the standard error from the sample size (a correct
// layer fails such a bound with probability < 1e-6). Gradients with respect to the images are checked by finite
// differences (the transforms are fixed, so the ops are linear in the images).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { layerFromKeras, layerToKeras } from '../../lib/io/keras-config.js';
import { rotationTransform, zoomTransform } from '../../lib/layers/preprocessing.js';
import { expectClose } from '../helpers/golden.js';
import { gradCheck, randomTensor } from '../helpers/gradcheck.js';
import { cropReference, featureMoments, flipReference, projectiveReference, resizeNearestReference, type FillMode } from '../helpers/image-reference.js';
import { bilinearReference } from '../helpers/resize-reference.js';

const { Rescaling, Normalization, Resizing, CenterCrop, RandomFlip, RandomRotation, RandomZoom, RandomCrop, RandomTranslation } = tn.layers;
const root = mkdtempSync(join(tmpdir(), 'tensornode-preprocessing-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeEach(() => tn.clearSession());

const Z = 5;
const values = (t: tn.Tensor | tn.Tensor[]) => Array.from((t as tn.Tensor).data());
const FILL_MODES: FillMode[] = ['constant', 'reflect', 'wrap', 'nearest'];

describe('affineTransform (ImageProjectiveTransformV3)', () => {
  const shape = [2, 5, 6, 2];
  const x = randomTensor(shape, 1);
  // A rotation with zoom and shift per image, and a projective one with c0, c1 != 0; both reach outside the image.
  // Coefficients without short decimal expansions (so that no sample point falls on a rounding tie or a fill-mode
  // boundary, where float32 and float64 could pick different pixels), rounded to float32 for both sides.
  const transforms = [
    [0.9137, -0.4871, 1.3129, 0.4563, 1.1071, -0.8213, 0, 0],
    [1.2173, 0.3119, -2.1037, -0.2141, 0.7093, 1.6177, 0.0311, -0.0197],
  ].map((t) => t.map(Math.fround));
  for (const interpolation of ['bilinear', 'nearest'] as const) {
    for (const fillMode of FILL_MODES) {
      it(`${interpolation}, fill ${fillMode}: matches the float64 loop`, () => {
        const y = tn.affineTransform(x, transforms, { interpolation, fillMode, fillValue: 0.5 });
        expectClose(y, { shape, data: projectiveReference(x.data(), shape, transforms, interpolation, fillMode, 0.5) }, 1e-4, 1e-5);
      });
    }
  }

  it('takes one transform for all images and another output size', () => {
    const t = [[1.1173, 0.2131, -0.7117, -0.1037, 0.8119, 0.4093, 0, 0].map(Math.fround)];
    const y = tn.affineTransform(x, t[0], { outputShape: [4, 7], fillMode: 'reflect' });
    expectClose(y, { shape: [2, 4, 7, 2], data: projectiveReference(x.data(), shape, t, 'bilinear', 'reflect', 0, [4, 7]) });
  });

  it('known answers: an integer shift moves pixels, a half turn flips both axes', () => {
    const img = tn.tensor(Float32Array.from({ length: 12 }, (_, i) => i + 1), [1, 3, 4, 1]);
    // Output (x, y) reads input (x - 1, y + 1): one pixel right and one up, zeros shifted in.
    expect(values(tn.affineTransform(img, [1, 0, -1, 0, 1, 1, 0, 0]))).toEqual([0, 5, 6, 7, 0, 9, 10, 11, 0, 0, 0, 0]);
    const half = tn.affineTransform(img, rotationTransform(Math.PI, 3, 4));
    expectClose(half, flipReference(img.data(), [1, 3, 4, 1], 0, true, true), 1e-5, 1e-5);
  });

  for (const interpolation of ['bilinear', 'nearest'] as const) {
    it(`${interpolation}: gradient with respect to the images`, () => {
      for (const fillMode of ['constant', 'reflect'] as const) {
        gradCheck((im) => tn.affineTransform(im, transforms, { interpolation, fillMode, fillValue: 0.3 }), [x]);
      }
    });
  }

  it('bad arguments are errors naming the op and the shapes', () => {
    expect(() => tn.affineTransform(tn.zeros([5, 6, 2]), [1, 0, 0, 0, 1, 0, 0, 0])).toThrow('affineTransform: images must be 4-D [batch, height, width, channels], received shape [5,6,2]');
    expect(() => tn.affineTransform(x, [[1, 0, 0, 0, 1, 0, 0, 0], [1, 0, 0, 0, 1, 0, 0, 0], [1, 0, 0, 0, 1, 0, 0, 0]])).toThrow('affineTransform: transforms must be [8], [1, 8] or [batch, 8] with batch 2');
    expect(() => tn.affineTransform(x, [1, 0, 0])).toThrow('transforms must be [8]');
    expect(() => tn.affineTransform(x, [1, 0, NaN, 0, 1, 0, 0, 0])).toThrow('affineTransform: transforms must be finite');
    expect(() => tn.affineTransform(x, [1, 0, 0, 0, 1, 0, 0, 0], { fillMode: 'mirror' as 'wrap' })).toThrow("affineTransform: fillMode must be one of 'constant', 'reflect', 'wrap', 'nearest', received \"mirror\"");
    expect(() => tn.affineTransform(x, [1, 0, 0, 0, 1, 0, 0, 0], { interpolation: 'bicubic' as 'nearest' })).toThrow("interpolation must be 'bilinear' or 'nearest'");
  });
});

describe('resizeNearest', () => {
  it('matches floor((i + 0.5) n / m) up and down, odd sizes, and has the adjoint as gradient', () => {
    const shape = [2, 5, 7, 3];
    const x = randomTensor(shape, 3);
    for (const [oh, ow] of [[9, 4], [3, 13], [5, 7], [1, 1]] as [number, number][]) {
      expectClose(tn.resizeNearest(x, [oh, ow]), { shape: [2, oh, ow, 3], data: resizeNearestReference(x.data(), shape, oh, ow) });
    }
    gradCheck((im) => tn.resizeNearest(im, [8, 3]), [x]);
    expect(() => tn.resizeNearest(x, [0, 2])).toThrow('resizeNearest: size must be [height, width] of positive integers');
  });
});

describe("Keras's positional forms", () => {
  it('give the same layers as the options objects', () => {
    const same = (a: tn.layers.Layer, b: tn.layers.Layer) => {
      const { name: _a, ...ca } = a.getConfig();
      const { name: _b, ...cb } = b.getConfig();
      expect(ca).toEqual(cb);
    };
    same(new Rescaling(1 / 255), new Rescaling({ scale: 1 / 255 }));
    same(new Rescaling(1 / 127.5, -1), new Rescaling({ scale: 1 / 127.5, offset: -1 }));
    same(new Rescaling(2, { offset: 1 }), new Rescaling({ scale: 2, offset: 1 }));
    same(new Resizing(8, 6, { interpolation: 'nearest' }), new Resizing({ height: 8, width: 6, interpolation: 'nearest' }));
    same(new CenterCrop(4, 5), new CenterCrop({ height: 4, width: 5 }));
    same(new RandomFlip('horizontal'), new RandomFlip({ mode: 'horizontal' }));
    same(new RandomFlip('vertical', { seed: 3 }), new RandomFlip({ mode: 'vertical', seed: 3 }));
    same(new RandomRotation(0.1), new RandomRotation({ factor: 0.1 }));
    same(new RandomRotation([-0.2, 0.3], { fillMode: 'constant' }), new RandomRotation({ factor: [-0.2, 0.3], fillMode: 'constant' }));
    same(new RandomZoom(0.2), new RandomZoom({ heightFactor: 0.2 }));
    same(new RandomZoom(0.2, 0.3), new RandomZoom({ heightFactor: 0.2, widthFactor: 0.3 }));
    same(new RandomTranslation(0.1, 0.2), new RandomTranslation({ heightFactor: 0.1, widthFactor: 0.2 }));
    same(new RandomCrop(12, 10, { seed: 1 }), new RandomCrop({ height: 12, width: 10, seed: 1 }));
    expect(() => new RandomCrop(12, 10, 3 as never)).toThrow(/RandomCrop: takes at most 2 positional arguments/);
    expect(() => new RandomZoom(0.2, { heightFactor: 0.3 })).toThrow(/RandomZoom: `heightFactor` is given both/);
  });
});

describe('Rescaling and Normalization', () => {
  it('Rescaling: x * scale + offset, integer input becomes float', () => {
    const layer = new Rescaling({ scale: 1 / 127.5, offset: -1 });
    expectClose(layer.apply(tn.tensor([0, 127.5, 255])), [-1, 0, 1]);
    const ints = layer.apply(tn.tensor(Int32Array.of(0, 51, 255), [3]));
    expect(ints.dtype).toBe('float32');
    expectClose(ints, [-1, 51 / 127.5 - 1, 1]);
    expectClose(new Rescaling({ scale: [1, 2], offset: [0, 1] }).apply(tn.tensor([[1, 1], [2, 3]])), [1, 3, 2, 7]);
    expect(() => new Rescaling({} as never)).toThrow('Rescaling: received an invalid value for `scale`');
    expect(() => new Rescaling({ scale: NaN })).toThrow('Rescaling: received an invalid value for `scale`, expected finite numbers');
    gradCheck((v) => new Rescaling({ scale: 0.5, offset: 2 }).apply(v), [randomTensor([3, 4], 4)]);
  });

  it('adapt on a tensor computes the mean and variance of each feature; the call standardizes', () => {
    const data = randomTensor([40, 3], 5, -3, 7);
    const layer = new Normalization();
    layer.adapt(data);
    const { mean, variance } = featureMoments(data.data(), 3);
    expect(layer.weights.map((w) => w.name.split('/')[1])).toEqual(['mean', 'variance', 'count']);
    expectClose(layer.adaptMean!, mean, 1e-5, 1e-6);
    expectClose(layer.adaptVariance!, variance, 1e-5, 1e-6);
    expect(layer.count!.dtype).toBe('int32');
    expect(layer.count!.item()).toBe(40);
    // setWeights takes the count as a plain number or a float tensor too.
    const copy = new Normalization();
    copy.build([null, 3]);
    copy.setWeights([layer.adaptMean!.data(), layer.adaptVariance!.data(), tn.scalar(40)].map((w, i) => (i < 2 ? tn.tensor(w as Float32Array) : w)));
    expect(copy.count!.item()).toBe(40);
    copy.setWeights([mean, variance, 7]);
    expect(copy.count!.item()).toBe(7);
    const x = randomTensor([4, 3], 6);
    const want = Array.from(x.data(), (v, i) => (v - mean[i % 3]) / Math.sqrt(variance[i % 3]));
    expectClose(layer.apply(x), want);
    const inverse = new Normalization({ invert: true });
    inverse.adapt(data);
    expectClose(inverse.apply(layer.apply(x)), x.data(), 1e-4, 1e-5);
    gradCheck((v) => layer.apply(v), [x]);
  });

  it('adapt on batches (an array or a generator of tensors or [x, y] pairs) equals adapt on the whole', () => {
    const data = randomTensor([30, 2, 4], 7, -2, 5);
    const whole = new Normalization({ axis: -1 });
    whole.adapt(data);
    const parts = [tn.slice(data, [0], [7]), tn.slice(data, [7], [16]), tn.slice(data, [23], [7])];
    const listed = new Normalization({ axis: -1 });
    listed.adapt(parts);
    const streamed = new Normalization({ axis: -1 });
    streamed.adapt((function* () {
      for (const p of parts) yield [p, tn.zeros([p.shape[0]])];
    })());
    for (const layer of [listed, streamed]) {
      expectClose(layer.adaptMean!, whole.adaptMean!.data(), 1e-5, 1e-6);
      expectClose(layer.adaptVariance!, whole.adaptVariance!.data(), 1e-5, 1e-6);
      expect(layer.count!.item()).toBe(60);
    }
    const { mean } = featureMoments(data.data(), 4);
    expectClose(whole.adaptMean!, mean, 1e-5, 1e-6);
  });

  it('axis null, several axes, and given mean and variance', () => {
    const data = randomTensor([10, 3, 2], 8);
    const all = new Normalization({ axis: null });
    all.adapt(data);
    const { mean, variance } = featureMoments(data.data(), 1);
    expect(all.adaptMean!.shape).toEqual([]);
    expectClose(all.adaptMean!, mean, 1e-5, 1e-6);
    expectClose(all.adaptVariance!, variance, 1e-5, 1e-6);
    const two = new Normalization({ axis: [1, 2] });
    two.adapt(data);
    expect(two.adaptMean!.shape).toEqual([3, 2]);
    expectClose(two.adaptMean!, featureMoments(data.data(), 6).mean, 1e-5, 1e-6);
    const given = new Normalization({ mean: [1, 2], variance: [4, 0.25] });
    expectClose(given.apply(tn.tensor([[3, 3], [1, 1]])), [1, 2, 0, -2]);
    expect(given.weights).toHaveLength(0);
    expectClose(new Normalization({ mean: 3, variance: 2, invert: true }).apply(tn.tensor([[1], [0]])), [3 + Math.SQRT2, 3]);
    expect(() => new Normalization({ mean: 1 })).toThrow('Normalization: when setting values directly, both `mean` and `variance` must be set');
    expect(() => new Normalization({ mean: [1, 2], variance: [1] })).toThrow('`mean` and `variance` must have the same shape');
    expect(() => given.adapt(data)).toThrow('adapt() computes the mean and variance, but this layer was given them');
    expect(() => new Normalization({ axis: 3 }).apply(tn.zeros([2, 3]))).toThrow('all `axis` values must be in the range [-ndim, ndim)');
    expect(() => two.adapt(tn.zeros([4, 3, 5]))).toThrow('adapt() received data of shape [4,3,5]');
    expect(() => new Normalization().adapt([])).toThrow('adapt() received no data');
    expect(() => given.apply(tn.zeros([2, 3]))).toThrow('Input 0 of layer "normalization');
    expect(() => given.apply(tn.zeros([2, 3]))).toThrow('expected axis -1 of input shape to have value 2, but received input with shape (2, 3)');
  });

  it("broadcasts its statistics against inputs of another rank, as Keras does (TF's regression tutorial: axis null adapted on [N] values, called on [N, 1])", async () => {
    const values = tn.tensor([1, 2, 3, 4, 5]);
    const scalar = new Normalization({ axis: null });
    scalar.adapt(values);
    expect(scalar.adaptMean!.shape).toEqual([]);
    const column = scalar.apply(tn.tensor([[1], [3], [5]]));
    expect(column.shape).toEqual([3, 1]);
    expectClose(column, [-Math.SQRT2, 0, Math.SQRT2], 1e-6, 1e-6);
    expectClose(scalar.apply(tn.tensor([[1, 3], [5, 3]])), [-Math.SQRT2, 0, Math.SQRT2, 0], 1e-6, 1e-6);
    const input = tn.input({ shape: [1] });
    const model = tn.model({ inputs: input, outputs: scalar.apply(input) as tn.SymbolicTensor });
    expect(model.outputShape).toEqual([null, 1]);
    // Per-feature statistics built on [N, 3] also standardize a sequence of such rows, [N, T, 3].
    const features = new Normalization();
    features.adapt(tn.tensor([[0, 10, 100], [2, 30, 300]]));
    const seq = features.apply(tn.tensor([[[1, 20, 200], [2, 30, 300]]]));
    expect(seq.shape).toEqual([1, 2, 3]);
    expectClose(seq, [0, 0, 0, 1, 1, 1], 1e-6, 1e-6);
    expect(() => features.apply(tn.zeros([2, 3, 1]))).toThrow('expected axis -1 of input shape to have value 3, but received input with shape (2, 3, 1)');
    const grid = new Normalization({ axis: [1, 2] });
    grid.adapt(tn.zeros([4, 3, 2]));
    expect(() => grid.apply(tn.zeros([2]))).toThrow('expected min_ndim=2, found ndim=1');
  });
});

describe('Resizing and CenterCrop', () => {
  const shape = [2, 6, 9, 2];
  const x = randomTensor(shape, 9);

  it('Resizing bilinear and nearest match tf.image.resize; differentiable', () => {
    expectClose(new Resizing({ height: 4, width: 13 }).apply(x), { shape: [2, 4, 13, 2], data: bilinearReference(x.data(), shape, 4, 13) });
    expectClose(new Resizing({ height: 11, width: 5, interpolation: 'nearest' }).apply(x), { shape: [2, 11, 5, 2], data: resizeNearestReference(x.data(), shape, 11, 5) });
    gradCheck((v) => new Resizing({ height: 4, width: 5 }).apply(v), [x]);
  });

  it('cropToAspectRatio crops the centered window first; padToAspectRatio pads the short side', () => {
    // 6 x 9 to 4 x 4: the window is 6 x 6 starting at column 1.
    const cropped = cropReference(x.data(), shape, 0, 1, 6, 6);
    expectClose(new Resizing({ height: 4, width: 4, cropToAspectRatio: true }).apply(x), { shape: [2, 4, 4, 2], data: bilinearReference(cropped, [2, 6, 6, 2], 4, 4) });
    // 6 x 9 to 9 x 9: Keras pads floor((9 - 6) / 2) = 1 row of fillValue on each side (8 x 9), then resizes.
    const padded = tn.pad(x, [[0, 0], [1, 1], [0, 0], [0, 0]], 0.5);
    expectClose(new Resizing({ height: 9, width: 9, padToAspectRatio: true, fillValue: 0.5 }).apply(x), { shape: [2, 9, 9, 2], data: bilinearReference(padded.data(), [2, 8, 9, 2], 9, 9) });
    expect(() => new Resizing({ height: 2, width: 2, cropToAspectRatio: true, padToAspectRatio: true })).toThrow('Resizing: only one of `padToAspectRatio` and `cropToAspectRatio` can be true');
    expect(() => new Resizing({ height: 2, width: 2, interpolation: 'bicubic' as 'nearest' })).toThrow("Resizing: received an invalid value for `interpolation`, expected one of 'bilinear', 'nearest'");
    expect(() => new Resizing({ height: 0, width: 2 })).toThrow('Resizing: received an invalid value for `height`, expected a positive integer');
  });

  it('channels_first and unbatched images', () => {
    const cf = tn.transpose(x, [0, 3, 1, 2]);
    const y = new Resizing({ height: 4, width: 5, dataFormat: 'channels_first' }).apply(cf);
    expect(y.shape).toEqual([2, 2, 4, 5]);
    expectClose(tn.transpose(y, [0, 2, 3, 1]), bilinearReference(x.data(), shape, 4, 5));
    const one = new Resizing({ height: 4, width: 5 }).apply(tn.slice(x, [0], [1]).reshape([6, 9, 2]));
    expectClose(one, { shape: [4, 5, 2], data: bilinearReference(x.data(), shape, 4, 5).slice(0, 40) });
    expect(() => new Resizing({ height: 4, width: 5 }).apply(tn.zeros([2, 3]))).toThrow('expects images of rank 3 (one image) or 4 (a batch), received shape [2,3]');
  });

  it('CenterCrop crops the center, and resizes the aspect-ratio window of a smaller image', () => {
    expectClose(new CenterCrop({ height: 3, width: 4 }).apply(x), { shape: [2, 3, 4, 2], data: cropReference(x.data(), shape, 1, 2, 3, 4) });
    // 6 x 9 to 8 x 4 (taller than the image): window 6 x 3 at column 3, resized to 8 x 4.
    const window = cropReference(x.data(), shape, 0, 3, 6, 3);
    expectClose(new CenterCrop({ height: 8, width: 4 }).apply(x), { shape: [2, 8, 4, 2], data: bilinearReference(window, [2, 6, 3, 2], 8, 4) });
    gradCheck((v) => new CenterCrop({ height: 3, width: 4 }).apply(v), [x]);
    expect(new CenterCrop({ height: 3, width: 4 }).computeOutputShape([null, 6, 9, 2])).toEqual([null, 3, 4, 2]);
  });
});

describe('augmentation layers', () => {
  const shape = [3, 5, 7, 2];
  const x = randomTensor(shape, 10);

  it('are the identity in inference; RandomCrop then center-crops', () => {
    const seed = 7;
    for (const layer of [new RandomFlip({ seed }), new RandomRotation({ factor: 0.2, seed }), new RandomZoom({ heightFactor: 0.3, seed }), new RandomTranslation({ heightFactor: 0.2, widthFactor: 0.2, seed })]) {
      expect(values(layer.apply(x)), layer.className).toEqual(values(x));
      expect(values(layer.apply(x, { training: false })), layer.className).toEqual(values(x));
      // RandomFlip leaves an image as it is with probability 1/2, so one call on 3 images changes none 1 time in 8;
      // with the seed fixed, some call of the first few must change the batch.
      const changed = Array.from({ length: 5 }, () => values(layer.apply(x, { training: true }))).some((v) => JSON.stringify(v) !== JSON.stringify(values(x)));
      expect(changed, layer.className).toBe(true);
    }
    expectClose(new RandomCrop({ height: 5, width: 5 }).apply(x), { shape: [3, 5, 5, 2], data: cropReference(x.data(), shape, 0, 1, 5, 5) });
  });

  it('repeat with a seed, draw anew on each call, and follow tn.setSeed without one', () => {
    const makers: [string, (seed?: number) => tn.Layer][] = [
      ['RandomRotation', (seed) => new RandomRotation({ factor: 0.3, seed })],
      ['RandomZoom', (seed) => new RandomZoom({ heightFactor: 0.3, widthFactor: 0.2, seed })],
      ['RandomTranslation', (seed) => new RandomTranslation({ heightFactor: 0.3, widthFactor: 0.3, seed })],
      ['RandomCrop', (seed) => new RandomCrop({ height: 2, width: 3, seed })],
    ];
    for (const [name, make] of makers) {
      const layer = make(11);
      const first = values(layer.apply(x, { training: true }));
      expect(values(make(11).apply(x, { training: true })), name).toEqual(first);
      expect(values(layer.apply(x, { training: true })), name).not.toEqual(first);
      tn.setSeed(5);
      const a = values(make().apply(x, { training: true }));
      tn.setSeed(5);
      expect(values(make().apply(x, { training: true })), name).toEqual(a);
    }
  });

  it('RandomFlip: each image is itself or its mirror, flipped with probability 1/2; seeded streams repeat', () => {
    for (const mode of ['horizontal', 'vertical', 'horizontal_and_vertical'] as const) {
      const y = new RandomFlip({ mode, seed: 4 }).apply(x, { training: true }).data();
      const per = 5 * 7 * 2;
      for (let b = 0; b < 3; b++) {
        const out = Array.from(y.slice(b * per, (b + 1) * per));
        const same = flipReference(x.data(), shape, b, false, false);
        const mirror = flipReference(x.data(), shape, b, mode !== 'vertical', mode !== 'horizontal');
        expect([same, mirror], mode).toContainEqual(out);
      }
    }
    // The fraction over many images: a 1 x 2 image [0, 1] flips to [1, 0].
    const n = 4000;
    const pairs = tn.tile(tn.tensor([0, 1], [1, 1, 2, 1]), [n, 1, 1, 1]);
    const out = new RandomFlip({ mode: 'horizontal', seed: 9 }).apply(pairs, { training: true }).data();
    let k = 0;
    for (let i = 0; i < n; i++) k += out[2 * i];
    expect(Math.abs(k / n - 0.5)).toBeLessThan(Z * Math.sqrt(0.25 / n));
    expect(values(new RandomFlip({ seed: 9 }).apply(x, { training: true }))).toEqual(values(new RandomFlip({ seed: 9 }).apply(x, { training: true })));
    tn.setSeed(3);
    const a = values(new RandomFlip().apply(pairs, { training: true }));
    tn.setSeed(3);
    expect(values(new RandomFlip().apply(pairs, { training: true }))).toEqual(a);
  });

  for (const fillMode of FILL_MODES) {
    it(`RandomRotation, RandomZoom, RandomTranslation with a fixed draw match the reference (fill ${fillMode})`, () => {
      const opts = { fillMode, fillValue: 0.25 };
      const [h, w] = [5, 7];
      const rotation = new RandomRotation({ factor: [0.07, 0.07], ...opts }).apply(x, { training: true });
      expectClose(rotation, projectiveReference(x.data(), shape, [rotationTransform(0.14 * Math.PI, h, w)], 'bilinear', fillMode, 0.25), 1e-4, 1e-4);
      const zoom = new RandomZoom({ heightFactor: [-0.3, -0.3], widthFactor: [0.4, 0.4], interpolation: 'nearest', ...opts }).apply(x, { training: true });
      expectClose(zoom, projectiveReference(x.data(), shape, [zoomTransform(1.4, 0.7, h, w)], 'nearest', fillMode, 0.25), 1e-4, 1e-4);
      const shift = new RandomTranslation({ heightFactor: [0.3, 0.3], widthFactor: [-0.15, -0.15], ...opts }).apply(x, { training: true });
      expectClose(shift, projectiveReference(x.data(), shape, [[1, 0, 0.15 * w, 0, 1, -0.3 * h, 0, 0]], 'bilinear', fillMode, 0.25), 1e-4, 1e-4);
    });
  }

  it('RandomTranslation by whole pixels shifts the image (positive: down and right)', () => {
    const img = tn.tensor(Float32Array.from({ length: 16 }, (_, i) => i + 1), [1, 4, 4, 1]);
    const y = new RandomTranslation({ heightFactor: [0.25, 0.25], widthFactor: [0.5, 0.5], fillMode: 'constant', interpolation: 'nearest' }).apply(img, { training: true });
    expect(values(y)).toEqual([0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 5, 6, 0, 0, 9, 10]);
  });

  it('draws: angles, zooms and shifts uniform within the factor range, one per image', () => {
    const n = 20000;
    const rotation = new RandomRotation({ factor: [-0.1, 0.2], seed: 1 });
    const angles = rotation.getRandomTransformation(n, 8, 8).map((t) => Math.atan2(t[3], t[0]));
    const [lo, hi] = [-0.2 * Math.PI, 0.4 * Math.PI];
    expect(Math.min(...angles)).toBeGreaterThanOrEqual(lo);
    expect(Math.max(...angles)).toBeLessThanOrEqual(hi);
    const uniformSE = (a: number, b: number) => (b - a) / Math.sqrt(12 * n);
    const meanOf = (v: number[]) => v.reduce((s, e) => s + e, 0) / v.length;
    expect(Math.abs(meanOf(angles) - (lo + hi) / 2)).toBeLessThan(Z * uniformSE(lo, hi));
    const zooms = new RandomZoom({ heightFactor: 0.2, widthFactor: [0.1, 0.5], seed: 2 }).getRandomTransformation(n, 8, 8);
    expect(Math.abs(meanOf(zooms.map((t) => t[4])) - 1)).toBeLessThan(Z * uniformSE(0.8, 1.2));
    expect(Math.abs(meanOf(zooms.map((t) => t[0])) - 1.3)).toBeLessThan(Z * uniformSE(1.1, 1.5));
    const same = new RandomZoom({ heightFactor: 0.2, seed: 2 }).getRandomTransformation(5, 8, 8);
    for (const t of same) expect(t[0]).toBe(t[4]);
    const shifts = new RandomTranslation({ heightFactor: 0.25, widthFactor: [0, 0.5], seed: 3 }).getRandomTransformation(n, 8, 10);
    expect(Math.abs(meanOf(shifts.map((t) => -t[5])))).toBeLessThan(Z * uniformSE(-2, 2));
    expect(Math.abs(meanOf(shifts.map((t) => -t[2])) - 2.5)).toBeLessThan(Z * uniformSE(0, 5));
    // Different images of one batch get different draws.
    expect(new Set(angles.slice(0, 10)).size).toBe(10);
  });

  it('RandomCrop: one random window per batch, every offset equally likely; small images are resized', () => {
    const layer = new RandomCrop({ height: 3, width: 4, seed: 5 });
    const y = layer.apply(x, { training: true });
    expect(y.shape).toEqual([3, 3, 4, 2]);
    const windows = [];
    for (let top = 0; top <= 2; top++) for (let left = 0; left <= 3; left++) windows.push(cropReference(x.data(), shape, top, left, 3, 4).join());
    expect(windows).toContain(values(y).join());
    const n = 12000;
    const counts = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const o = layer.getRandomTransformation(5, 7)!.join();
      counts.set(o, (counts.get(o) ?? 0) + 1);
    }
    expect(counts.size).toBe(12);
    const p = 1 / 12;
    for (const c of counts.values()) expect(Math.abs(c / n - p)).toBeLessThan(Z * Math.sqrt((p * (1 - p)) / n));
    expect(values(new RandomCrop({ height: 3, width: 4, seed: 5 }).apply(x, { training: true }))).toEqual(values(y));
    // Larger than the image: the aspect-ratio window (5 x 5 at column 1) resized, in training too.
    const big = new RandomCrop({ height: 6, width: 6 }).apply(x, { training: true });
    expectClose(big, bilinearReference(cropReference(x.data(), shape, 0, 1, 5, 5), [3, 5, 5, 2], 6, 6));
    gradCheck((v) => new RandomCrop({ height: 3, width: 4, seed: 5 }).apply(v, { training: true }), [x]);
  });

  it('gradients through the random layers in training (a fresh seeded layer per evaluation)', () => {
    gradCheck((v) => new RandomRotation({ factor: 0.2, seed: 3 }).apply(v, { training: true }), [x]);
    gradCheck((v) => new RandomZoom({ heightFactor: 0.3, interpolation: 'nearest', seed: 3 }).apply(v, { training: true }), [x]);
    gradCheck((v) => new RandomTranslation({ heightFactor: 0.2, widthFactor: 0.3, fillMode: 'wrap', seed: 3 }).apply(v, { training: true }), [x]);
    gradCheck((v) => new RandomFlip({ seed: 3 }).apply(v, { training: true }), [x]);
  });

  it('bad arguments are errors naming the layer', () => {
    expect(() => new RandomRotation({ factor: 1.5 })).toThrow('RandomRotation: received an invalid value for `factor`, expected a number or a list of two numbers in the range [-1, 1]');
    expect(() => new RandomZoom({ heightFactor: [0.1, 0.2, 0.3] as never })).toThrow('RandomZoom: received an invalid value for `heightFactor`');
    expect(() => new RandomTranslation({ heightFactor: 0.1, widthFactor: 0.1, fillMode: 'mirror' as 'wrap' })).toThrow("RandomTranslation: received an invalid value for `fillMode`, expected one of 'reflect', 'wrap', 'constant', 'nearest'");
    expect(() => new RandomFlip({ mode: 'diagonal' as 'vertical' })).toThrow('RandomFlip: received an invalid value for `mode`');
    expect(() => new RandomFlip({ seed: NaN })).toThrow('RandomFlip: received an invalid value for `seed`, expected a finite number');
    expect(() => new RandomCrop({ height: 2, width: -1 })).toThrow('RandomCrop: received an invalid value for `width`, expected a positive integer');
    expect(() => new CenterCrop({ height: 2, width: 2, dataFormat: 'nhwc' as 'channels_last' })).toThrow("CenterCrop: received an invalid value for `dataFormat`, expected 'channels_last' or 'channels_first'");
  });
});

describe('in models, saving and loading', () => {
  it('configs give back equal layers through the Keras mapping', () => {
    const layers: tn.Layer[] = [
      new Rescaling({ scale: 0.5, offset: 1 }), new Normalization({ axis: [-1], mean: [1, 2], variance: [3, 4], invert: true }),
      new Resizing({ height: 3, width: 4, interpolation: 'nearest', cropToAspectRatio: true, dataFormat: 'channels_first' }),
      new CenterCrop({ height: 2, width: 3 }), new RandomFlip({ mode: 'vertical', seed: 1 }),
      new RandomRotation({ factor: [-0.1, 0.2], fillMode: 'constant', fillValue: 0.5, interpolation: 'nearest', seed: 2 }),
      new RandomZoom({ heightFactor: 0.2, widthFactor: [-0.1, 0.3], fillMode: 'wrap' }), new RandomCrop({ height: 2, width: 2, seed: 4 }),
      new RandomTranslation({ heightFactor: 0.1, widthFactor: [0.1, 0.2], fillMode: 'nearest' }),
    ];
    for (const layer of layers) {
      const again = layerFromKeras(JSON.parse(JSON.stringify(layerToKeras(layer))));
      expect(again.constructor, layer.className).toBe(layer.constructor);
      expect(again.getConfig(), layer.className).toEqual(layer.getConfig());
    }
  });

  it('reads the configs Keras 3 writes (tuples as lists, null for unset values)', () => {
    const keras3 = (className: string, config: Record<string, unknown>) =>
      layerFromKeras({ module: 'keras.layers', class_name: className, config: { name: className.toLowerCase(), trainable: true, dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null }, ...config }, registered_name: null });
    const norm = keras3('Normalization', { axis: [-1], invert: false, mean: null, variance: null }) as InstanceType<typeof Normalization>;
    expect(norm.axis).toEqual([-1]);
    expect(norm.inputMean).toBeNull();
    const zoom = keras3('RandomZoom', { height_factor: [-0.2, 0.1], width_factor: null, fill_mode: 'reflect', interpolation: 'bilinear', seed: null, fill_value: 0.0, data_format: 'channels_last' }) as InstanceType<typeof RandomZoom>;
    expect([zoom.heightFactor, zoom.widthFactor, zoom.seed, zoom.dataFormat]).toEqual([[-0.2, 0.1], null, undefined, 'channels_last']);
    const rotation = keras3('RandomRotation', { factor: [-0.3, 0.3], fill_mode: 'nearest', fill_value: 0.0, interpolation: 'nearest', seed: 7, data_format: 'channels_first' }) as InstanceType<typeof RandomRotation>;
    expect([rotation.factor, rotation.fillMode, rotation.interpolation, rotation.seed, rotation.dataFormat]).toEqual([[-0.3, 0.3], 'nearest', 'nearest', 7, 'channels_first']);
    // Interpolations tensornode lacks are refused with the layer's name, not read as another one.
    expect(() => keras3('Resizing', { height: 4, width: 5, interpolation: 'bicubic', crop_to_aspect_ratio: false, pad_to_aspect_ratio: false, fill_mode: 'constant', fill_value: 0.0, data_format: 'channels_last' }))
      .toThrow('layer "resizing" (Resizing): Resizing: received an invalid value for `interpolation`, expected one of \'bilinear\', \'nearest\'. Received: interpolation="bicubic"');
  });

  it('works in a functional model, with shapes known before any data', () => {
    const input = tn.input({ shape: [10, 12, 3] });
    const crop = new CenterCrop({ height: 6, width: 8 }).apply(new RandomFlip({ seed: 1 }).apply(input));
    const out = new Resizing({ height: 3, width: 4, interpolation: 'nearest' }).apply(new Rescaling({ scale: 2 }).apply(crop));
    expect(out.shape).toEqual([null, 3, 4, 3]);
    const model = new tn.Model({ inputs: input, outputs: out });
    const x = randomTensor([2, 10, 12, 3], 30);
    const want = resizeNearestReference(cropReference(x.data(), [2, 10, 12, 3], 2, 2, 6, 8).map((v) => 2 * v), [2, 6, 8, 3], 3, 4);
    expectClose(model.predict(x) as tn.Tensor, { shape: [2, 3, 4, 3], data: want });
  });

  it('a Sequential with every layer trains, and saves and loads (.keras and TF.js folder) with the adapted statistics', async () => {
    const x = tn.randomUniform([16, 10, 12, 1], 0, 255, 'float32', 21);
    const y = tn.randomNormal([16, 1], 0, 1, 'float32', 22);
    const norm = new Normalization();
    const model = new tn.Sequential([
      new Rescaling({ scale: 1 / 255, inputShape: [10, 12, 1] }),
      new RandomFlip({ mode: 'horizontal', seed: 1 }),
      new RandomRotation({ factor: 0.05, seed: 2 }),
      new RandomZoom({ heightFactor: 0.1, seed: 3 }),
      new RandomTranslation({ heightFactor: 0.1, widthFactor: 0.1, seed: 4 }),
      new RandomCrop({ height: 8, width: 10, seed: 5 }),
      new CenterCrop({ height: 8, width: 8 }),
      new Resizing({ height: 6, width: 6 }),
      norm,
      new tn.layers.Conv2D({ filters: 2, kernelSize: 3, activation: 'relu' }),
      new tn.layers.Flatten(),
      new tn.layers.Dense({ units: 1 }),
    ]);
    norm.adapt(tn.randomNormal([32, 6, 6, 1], 0.4, 0.2, 'float32', 23));
    const stats = norm.getWeights().map(values);
    model.compile({ optimizer: 'adam', loss: 'mse' });
    const before = (await model.evaluate(x, y))[0];
    const history = await model.fit(x, y, { epochs: 8, batchSize: 8, verbose: 0 });
    const losses = history.history.loss as number[];
    expect(losses.every(Number.isFinite)).toBe(true);
    expect((await model.evaluate(x, y))[0]).toBeLessThan(before);
    // Training leaves the adapted statistics alone (they are not trainable).
    expect(norm.getWeights().map(values)).toEqual(stats);
    for (const dir of [join(root, 'model.keras'), join(root, 'folder')]) {
      await model.save(dir);
      const loaded = await tn.models.loadModel(dir);
      // A .keras file keeps the input shape on an InputLayer rather than on the first layer.
      const configs = (m: tn.Model) => m.layers.map((l) => ({ ...l.getConfig(), batchInputShape: undefined }));
      expect(configs(loaded)).toEqual(configs(model));
      const loadedNorm = loaded.layers.find((l) => l instanceof Normalization)!;
      expect(loadedNorm.getWeights().map(values)).toEqual(stats);
      expect(values(loaded.predict(x) as tn.Tensor)).toEqual(values(model.predict(x) as tn.Tensor));
    }
  });

  it('the factories are TF.js-style and build the classes', () => {
    expect(tn.layers.rescaling({ scale: 2 })).toBeInstanceOf(Rescaling);
    expect(tn.layers.normalization()).toBeInstanceOf(Normalization);
    expect(tn.layers.resizing({ height: 2, width: 2 })).toBeInstanceOf(Resizing);
    expect(tn.layers.centerCrop({ height: 2, width: 2 })).toBeInstanceOf(CenterCrop);
    expect(tn.layers.randomFlip()).toBeInstanceOf(RandomFlip);
    expect(tn.layers.randomRotation({ factor: 0.1 })).toBeInstanceOf(RandomRotation);
    expect(tn.layers.randomZoom({ heightFactor: 0.1 })).toBeInstanceOf(RandomZoom);
    expect(tn.layers.randomCrop({ height: 2, width: 2 })).toBeInstanceOf(RandomCrop);
    expect(tn.layers.randomTranslation({ heightFactor: 0.1, widthFactor: 0.1 })).toBeInstanceOf(RandomTranslation);
  });
});
