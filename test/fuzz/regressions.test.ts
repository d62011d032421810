// One test per bug the fuzzer (test/fuzz) found: each call used to crash, hang, allocate without bound, fail with an
// internal TypeError/RangeError, or return a result where an error was due.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';

const t = (shape: number[]) => tn.tensor(Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, (_, i) => i + 1), shape);

describe('tile', () => {
  it('rejects reps whose product reaches 2^31 or overflows 64 bits at once, naming tile, without building copies', () => {
    // Before: an array of 2^30 references to concatenate (gigabytes before any check), and a shape misreported.
    expect(() => tn.tile(tn.ones([2]), [2 ** 30])).toThrow(/^cannot allocate a float32 tensor of shape \[2147483648\].*\(tile of shape \[2\]/);
    expect(() => tn.tile(tn.ones([1, 1]), [65536, 65536])).toThrow(/shape \[65536,65536\].*\(tile /);
    expect(() => tn.tile(tn.ones([1, 1, 1]), [2 ** 22, 2 ** 22, 2 ** 22])).toThrow(/shape \[4194304,4194304,4194304\].*\(tile /);
  });

  it('builds many copies by doubling: values match the definition out[i] = x[i mod n] for odd and even counts', () => {
    for (const reps of [1, 2, 3, 5, 7, 8, 13]) {
      const x = t([2, 3]);
      const y = tn.tile(x, [reps, 2]);
      expect(y.shape).toEqual([2 * reps, 6]);
      const v = y.dataSync();
      const xv = x.dataSync();
      for (let i = 0; i < 2 * reps; i++) for (let j = 0; j < 6; j++) expect(v[i * 6 + j]).toBe(xv[(i % 2) * 3 + (j % 3)]);
    }
    expect(tn.tile(tn.zeros([0, 2]), [2 ** 29, 3]).shape).toEqual([0, 6]);
  });

  it('still sums the gradient of every copy back onto its source element', () => {
    const x = t([2, 2]);
    const g = tn.grad((a: tn.Tensor) => tn.sum(tn.mul(tn.tile(a, [3, 5]), tn.tile(t([2, 2]), [3, 5]))))(x);
    // d/dx_ij of sum over the 15 copies of x_ij * w_ij = 15 w_ij.
    expect(Array.from(g.dataSync())).toEqual([15, 30, 45, 60]);
  });
});

describe('variable', () => {
  it("rejects a dtype other than 'float32' or 'int32' (a tensor's dtype used to be kept silently)", () => {
    expect(() => tn.variable(tn.ones([2]), true, 'v', 'float64' as tn.DType)).toThrow(/variable: unknown dtype "float64"/);
    expect(() => tn.variable(tn.ones([2]), 'yes' as unknown as boolean)).toThrow(/variable: trainable must be a boolean/);
  });

  it('converts the initial value to the dtype asked for, as TF.js does', () => {
    const v = tn.variable(tn.tensor([1.7, -2.5, 3]), true, undefined, 'int32');
    expect(v.dtype).toBe('int32');
    expect(Array.from(v.dataSync())).toEqual([1, -2, 3]);
  });
});

describe('fit arguments', () => {
  const model = () => {
    const m = tn.sequential({ layers: [tn.layers.dense({ units: 1, inputShape: [2] })] });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    return m;
  };
  const x = tn.ones([8, 2]);
  const y = tn.ones([8, 1]);

  it('rejects validationSplit NaN or a string (NaN used to train with no validation, "0.2" to be coerced)', async () => {
    await expect(model().fit(x, y, { verbose: 0, validationSplit: NaN })).rejects.toThrow(/fit: validationSplit must be between 0 and 1, received NaN/);
    await expect(model().fit(x, y, { verbose: 0, validationSplit: '0.2' as unknown as number })).rejects.toThrow(/fit: validationSplit must be between 0 and 1/);
    const h = await model().fit(x, y, { verbose: 0, validationSplit: 0.25 });
    expect(h.history.val_loss).toHaveLength(1);
  });

  it('rejects initialEpoch, shuffle, validationFreq, stepsPerEpoch and classWeight of the wrong kind', async () => {
    await expect(model().fit(x, y, { verbose: 0, initialEpoch: NaN })).rejects.toThrow(/fit: initialEpoch must be a non-negative integer/);
    await expect(model().fit(x, y, { verbose: 0, shuffle: 'yes' as unknown as boolean })).rejects.toThrow(/fit: shuffle must be a boolean/);
    await expect(model().fit(x, y, { verbose: 0, validationFreq: 0 })).rejects.toThrow(/fit: validationFreq must be a positive integer/);
    await expect(model().fit(x, y, { verbose: 0, stepsPerEpoch: NaN })).rejects.toThrow(/fit: stepsPerEpoch must be a positive integer/);
    await expect(model().fit(x, y, { verbose: 0, classWeight: 'abc' as unknown as Record<number, number> })).rejects.toThrow(/fit: classWeight must map class indices/);
  });
});

describe('loading and saving', () => {
  it('names an unknown URL scheme instead of reporting a missing file or saving into a folder named after it', async () => {
    await expect(tn.loadModel('foo://bar/model.json')).rejects.toThrow(/loadModel: unknown URL scheme "foo:\/\/"/);
    await expect(tn.loadModel('indexeddb://my-model')).rejects.toThrow(/unknown URL scheme "indexeddb:\/\/"/);
    const dir = mkdtempSync(join(tmpdir(), 'tn-scheme-'));
    const cwd = process.cwd();
    try {
      process.chdir(dir);
      const m = tn.sequential({ layers: [tn.layers.dense({ units: 1, inputShape: [2] })] });
      await expect(m.save('foo://x')).rejects.toThrow(/save: unknown URL scheme "foo:\/\/"/);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      process.chdir(cwd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ops', () => {
  it('reductions reject a keepDims that is not a boolean (a misplaced argument was read as truthy)', () => {
    for (const op of ['sum', 'mean', 'max', 'min', 'logSumExp'] as const) {
      expect(() => (tn[op] as (x: tn.Tensor, a: number, k: unknown) => tn.Tensor)(t([2, 3]), 1, 'yes')).toThrow(new RegExp(`^${op}: keepDims must be true or false`));
    }
    expect(() => (t([2, 3]).sum as (a: number, k: unknown) => tn.Tensor)(1, 2)).toThrow(/sum: keepDims/);
  });

  it('gelu rejects a non-boolean approximate', () => {
    expect(() => tn.gelu(t([2]), 2 as unknown as boolean)).toThrow(/gelu: approximate must be true or false/);
  });

  it('pad, linspace, the random creators and oneHot reject non-number values', () => {
    expect(() => tn.pad(t([2]), [[1, 1]], {} as unknown as number)).toThrow(/pad: constantValue must be a number/);
    expect(() => tn.linspace(0, 'abc' as unknown as number, 3)).toThrow(/linspace: stop must be a number/);
    expect(() => tn.randomNormal([2], 'abc' as unknown as number)).toThrow(/randomNormal: mean must be a number/);
    expect(() => tn.truncatedNormal([2], 0, 'abc' as unknown as number)).toThrow(/truncatedNormal: stddev must be a number/);
    expect(() => tn.oneHot(tn.tensor([0], [1], 'int32'), 2, {} as unknown as number)).toThrow(/oneHot: onValue must be a number/);
    // NaN is data, not a mistake.
    expect(tn.pad(t([1]), [[1, 0]], NaN).dataSync()[0]).toBeNaN();
  });

  it('split rejects a non-list, non-number numOrSizeSplits with its own message (it used to be a TypeError)', () => {
    expect(() => tn.split(t([4]), 'abc' as unknown as number)).toThrow(/^split: numOrSizeSplits must be/);
    expect(() => tn.split(t([4]), { n: 2 } as unknown as number)).toThrow(/^split: numOrSizeSplits must be/);
  });

  it('resizing to a side of 2^31 fails at once, naming the op (it used to build 2^31-long index tables for minutes)', () => {
    expect(() => tn.resizeNearest(t([1, 2, 2, 1]), [2 ** 31, 2 ** 31])).toThrow(/^resizeNearest: size .* more than/);
    expect(() => tn.resizeBilinear(tn.zeros([0, 2, 2, 1]), [2 ** 31, 2])).toThrow(/^resizeBilinear: size /);
  });

  it('strides and dilations of 2^31 are refused by the op, not by the native boundary as a RangeError', () => {
    const calls: [string, () => unknown][] = [
      ['avgPool2d', () => tn.avgPool2d(t([1, 4, 4, 1]), 2, 2 ** 31)],
      ['maxPool2d', () => tn.maxPool2d(t([1, 4, 4, 1]), 2, 2 ** 31)],
      ['conv3d', () => tn.conv3d(t([1, 4, 4, 4, 1]), t([2, 2, 2, 1, 1]), 2 ** 31)],
      ['depthwiseConv2d', () => tn.depthwiseConv2d(t([1, 4, 4, 1]), t([2, 2, 1, 1]), 1, 'valid', 'NHWC', 2 ** 31)],
    ];
    for (const [op, call] of calls) {
      let err: unknown;
      try {
        call();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(RangeError);
      expect((err as Error).message).toMatch(new RegExp(`^${op}: .* must be below 2\\^31`));
    }
  });

  it('depthwiseConv2d rejects an unknown option (a misspelt one was dropped and its default used)', () => {
    expect(() => tn.depthwiseConv2d(t([1, 4, 4, 1]), t([2, 2, 1, 1]), { stride: 2 } as unknown as Parameters<typeof tn.depthwiseConv2d>[2])).toThrow(/depthwiseConv2d: unknown option "stride"/);
  });
});

describe('layers', () => {
  it('CategoryEncoding with 2^31 bins fails at once instead of allocating 16 GB (a hang under the sanitizer build)', () => {
    const layer = new tn.layers.CategoryEncoding({ numTokens: 2 ** 31, outputMode: 'multi_hot' });
    expect(() => layer.apply(tn.tensor([[1, 2], [0, 3]], [2, 2], 'int32'))).toThrow(/CategoryEncoding\): 2147483648 bins make an output of 4294967296 elements, more than/);
  });

  it('Dropout, the noise layers and ActivityRegularization reject a string input instead of passing it through', () => {
    const layers = [new tn.layers.Dropout({ rate: 0.5 }), new tn.layers.GaussianNoise({ stddev: 0.1 }), new tn.layers.GaussianDropout({ rate: 0.5 }), new tn.layers.AlphaDropout({ rate: 0.5 }), new tn.layers.ActivityRegularization({})];
    for (const layer of layers) expect(() => layer.apply('abc' as unknown as tn.Tensor)).toThrow(/takes numeric inputs, received a string tensor/);
  });

  it('Dense casts an int32 input to float32 as Keras does (model.predict on int32 data used to fail inside the GEMM binding)', () => {
    tn.setSeed(3);
    const m = tn.sequential({ layers: [tn.layers.dense({ units: 2, inputShape: [3] })] });
    const ints = tn.tensor([[1, 2, 3], [4, 5, 6]], [2, 3], 'int32');
    const floats = tn.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(Array.from((m.predict(ints) as tn.Tensor).dataSync())).toEqual(Array.from((m.predict(floats) as tn.Tensor).dataSync()));
  });
});
