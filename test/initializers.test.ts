import { describe, expect, it } from 'vitest';
import * as tn from '../lib/index.js';

const I = tn.initializers;

function stats(t: tn.Tensor) {
  const v = Array.from(t.data());
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  const variance = v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length;
  return { mean, variance, min: Math.min(...v), max: Math.max(...v) };
}

describe('initializers', () => {
  it('variance-scaling family has Keras variances and bounds', () => {
    const shape = [3, 3, 64, 128]; // fan_in 576, fan_out 1152
    const fanIn = 576;
    const fanAvg = (576 + 1152) / 2;
    const cases: [tn.initializers.Initializer, number, number | null][] = [
      [new I.GlorotUniform({ seed: 1 }), 1 / fanAvg, Math.sqrt(3 / fanAvg)],
      [new I.GlorotNormal({ seed: 1 }), 1 / fanAvg, null],
      [new I.HeUniform({ seed: 1 }), 2 / fanIn, Math.sqrt(6 / fanIn)],
      [new I.HeNormal({ seed: 1 }), 2 / fanIn, null],
      [new I.LecunUniform({ seed: 1 }), 1 / fanIn, Math.sqrt(3 / fanIn)],
      [new I.LecunNormal({ seed: 1 }), 1 / fanIn, null],
    ];
    for (const [init, variance, limit] of cases) {
      const s = stats(init.apply(shape));
      expect(Math.abs(s.mean)).toBeLessThan(Math.sqrt(variance) * 0.02);
      expect(s.variance / variance).toBeGreaterThan(0.97);
      expect(s.variance / variance).toBeLessThan(1.03);
      if (limit !== null) expect(Math.max(-s.min, s.max)).toBeLessThanOrEqual(limit);
      // truncated normals never exceed two (pre-truncation) standard deviations
      else expect(Math.max(-s.min, s.max)).toBeLessThanOrEqual((2 * Math.sqrt(variance)) / 0.87962566103423978 + 1e-6);
    }
  });

  it("Constant takes an array or tensor broadcast to the shape, as Keras 3's (keras.io's Constant(embedding_matrix))", () => {
    const matrix = [[0, 1, 2], [3, 4, 5]];
    // It filled NaN from { value: matrix } and zeros from the positional Constant(matrix).
    expect(new I.Constant({ value: matrix }).apply([2, 3]).arraySync()).toEqual(matrix);
    expect(new I.Constant(matrix).apply([2, 3]).arraySync()).toEqual(matrix);
    expect(new I.Constant(tn.tensor(matrix)).apply([2, 3]).arraySync()).toEqual(matrix);
    // numpy's broadcasting: a row to every row, a column to every column.
    expect(new I.Constant([1, 2, 3]).apply([2, 3]).arraySync()).toEqual([[1, 2, 3], [1, 2, 3]]);
    expect(new I.Constant([[1], [2]]).apply([2, 3]).arraySync()).toEqual([[1, 1, 1], [2, 2, 2]]);
    expect(() => new I.Constant(matrix).apply([3, 2])).toThrow("Constant: a value of shape [2,3] cannot be broadcast to the weight's shape [3,2]");
    expect(() => new I.Constant({ value: 'x' as never })).toThrow(/Constant: received an invalid value for `value`/);
    // Its config is Keras 3's serialized NumPy value, read back by getInitializer (and from a Keras file).
    const config = new I.Constant(matrix).getConfig();
    expect(config).toEqual({ value: { class_name: '__numpy__', config: { value: matrix, dtype: 'float32' } } });
    expect(I.getInitializer({ className: 'Constant', config }).apply([2, 3]).arraySync()).toEqual(matrix);
    expect(new I.Constant({ value: 2 }).getConfig()).toEqual({ value: 2 });
    const embedding = new tn.layers.Embedding(2, 3, { embeddingsInitializer: new I.Constant(matrix), trainable: false });
    expect((embedding.apply(tn.tensor([1], [1], 'int32')) as tn.Tensor).arraySync()).toEqual([[3, 4, 5]]);
  });

  it('constant, zeros, ones, random and truncated normals', () => {
    expect(Array.from(new I.Constant({ value: 3 }).apply([2]).data())).toEqual([3, 3]);
    expect(Array.from(I.getInitializer('ones').apply([2]).data())).toEqual([1, 1]);
    expect(Array.from(I.getInitializer('zeros').apply([2]).data())).toEqual([0, 0]);
    const rn = stats(new I.RandomNormal({ seed: 2 }).apply([20000]));
    expect(rn.variance).toBeCloseTo(0.05 ** 2, 4);
    const ru = stats(new I.RandomUniform({ seed: 2 }).apply([20000]));
    expect(ru.min).toBeGreaterThanOrEqual(-0.05);
    expect(ru.max).toBeLessThan(0.05);
    const tr = stats(new I.TruncatedNormal({ stddev: 1, seed: 2 }).apply([20000]));
    expect(Math.max(-tr.min, tr.max)).toBeLessThanOrEqual(2);
  });

  it('orthogonal gives orthonormal rows or columns', () => {
    for (const shape of [[6, 4], [4, 6]]) {
      const q = new I.Orthogonal({ seed: 3 }).apply(shape);
      const [r, c] = shape;
      const gram = r >= c ? tn.matMul(q, q, true, false) : tn.matMul(q, q, false, true);
      const n = Math.min(r, c);
      const g = gram.data();
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(g[i * n + j]).toBeCloseTo(i === j ? 1 : 0, 5);
    }
  });

  it('resolves names in both spellings and objects; seeds repeat, unseeded calls differ', () => {
    for (const name of ['glorot_uniform', 'glorotUniform', 'he_normal', 'heNormal', 'lecun_uniform', 'truncated_normal', 'orthogonal']) {
      expect(I.getInitializer(name)).toBeInstanceOf(I.Initializer);
    }
    expect(I.getInitializer({ className: 'Constant', config: { value: 2 } }).apply([1]).item()).toBe(2);
    expect(new I.HeNormal({ seed: 5 }).apply([10]).data()).toEqual(new I.HeNormal({ seed: 5 }).apply([10]).data());
    const g = new I.GlorotUniform();
    expect(g.apply([10]).data()).not.toEqual(g.apply([10]).data());
    tn.setSeed(9);
    const a = new I.GlorotUniform().apply([10]).data();
    tn.setSeed(9);
    expect(new I.GlorotUniform().apply([10]).data()).toEqual(a);
  });
});

describe("Keras's identity initializer and short aliases", () => {
  it('identity is gain on the main diagonal of a 2-D shape, and refuses other ranks', () => {
    expect(new I.Identity().apply([2, 3]).array()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(new I.Identity({ gain: 2 }).apply([3, 2]).array()).toEqual([[2, 0], [0, 2], [0, 0]]);
    expect(I.getInitializer('identity')).toBeInstanceOf(I.Identity);
    expect(() => new I.Identity().apply([2, 2, 2])).toThrow(/Identity: the identity initializer needs a 2-D shape/);
    const dense = new tn.layers.Dense(3, { kernelInitializer: 'identity' });
    expect(dense.apply(tn.tensor([[1, 2, 3]])).array()).toEqual([[1, 2, 3]]);
  });

  it("'uniform', 'normal', 'one' and 'zero' resolve as in Keras", () => {
    expect(I.getInitializer('uniform')).toBeInstanceOf(I.RandomUniform);
    expect(I.getInitializer('normal')).toBeInstanceOf(I.RandomNormal);
    expect(Array.from(I.getInitializer('one').apply([3]).data())).toEqual([1, 1, 1]);
    expect(Array.from(I.getInitializer('zero').apply([2]).data())).toEqual([0, 0]);
    const emb = new tn.layers.Embedding({ inputDim: 5, outputDim: 2, embeddingsInitializer: 'uniform' });
    const v = Array.from(emb.apply(tn.tensor([[1, 2]], [1, 2], 'int32')).data());
    expect(v.every((x) => Math.abs(x) <= 0.05 && x !== 0)).toBe(true);
  });
});

describe("TF.js's initializer factories and tf.train", () => {
  it('each factory builds its class with the same options (seeded draws equal), as tf.initializers.glorotUniform({ seed })', () => {
    const pairs: [tn.initializers.Initializer, tn.initializers.Initializer][] = [
      [I.glorotUniform({ seed: 3 }), new I.GlorotUniform({ seed: 3 })], [I.glorotNormal({ seed: 3 }), new I.GlorotNormal({ seed: 3 })],
      [I.heUniform({ seed: 4 }), new I.HeUniform({ seed: 4 })], [I.heNormal({ seed: 4 }), new I.HeNormal({ seed: 4 })],
      [I.leCunUniform({ seed: 5 }), new I.LecunUniform({ seed: 5 })], [I.leCunNormal({ seed: 5 }), new I.LecunNormal({ seed: 5 })],
      [I.randomNormal({ mean: 1, stddev: 2, seed: 6 }), new I.RandomNormal({ mean: 1, stddev: 2, seed: 6 })],
      [I.randomUniform({ minval: -3, maxval: 3, seed: 7 }), new I.RandomUniform({ minval: -3, maxval: 3, seed: 7 })],
      [I.truncatedNormal({ stddev: 0.5, seed: 8 }), new I.TruncatedNormal({ stddev: 0.5, seed: 8 })],
      [I.varianceScaling({ scale: 2, mode: 'fan_out', seed: 9 }), new I.VarianceScaling({ scale: 2, mode: 'fan_out', seed: 9 })],
      [I.orthogonal({ gain: 2, seed: 10 }), new I.Orthogonal({ gain: 2, seed: 10 })], [I.identity({ gain: 3 }), new I.Identity({ gain: 3 })],
      [I.constant({ value: 0.5 }), new I.Constant({ value: 0.5 })], [I.zeros(), new I.Zeros()], [I.ones(), new I.Ones()],
    ];
    for (const [made, direct] of pairs) {
      expect(made.constructor, direct.className).toBe(direct.constructor);
      expect(made.getConfig()).toEqual(direct.getConfig());
      expect(Array.from(made.apply([4, 4]).data())).toEqual(Array.from(direct.apply([4, 4]).data()));
    }
  });

  it('tn.train holds the optimizer factories under TF.js\'s name', () => {
    const opt = tn.train.adam(0.01);
    expect(opt).toBeInstanceOf(tn.optimizers.Adam);
    expect(opt.getConfig()).toMatchObject({ learningRate: 0.01 });
    expect(tn.train.sgd(0.1).getConfig()).toMatchObject({ learningRate: 0.1 });
  });
});
