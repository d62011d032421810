// HashedCrossing and tn.utils.FeatureSpace (Keras's keras.utils.FeatureSpace), and functional models built from
// intermediate tensors, which FeatureSpace's training/inference pair needs: crossing against the outputs Keras's
// documentation shows (TensorFlow's tf.sparse.cross_hashed), the encoding against the same layers composed by hand,
// training on encoded data, and serving raw columns from a saved model.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';

const { FeatureSpace } = tn.utils;
const root = mkdtempSync(join(tmpdir(), 'tensornode-feature-space-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeEach(() => tn.clearSession());
const values = (t: tn.Tensor) => Array.from(t.data() as ArrayLike<number>);

describe('HashedCrossing', () => {
  const feat1 = () => tn.tensor(['A', 'B', 'A', 'B', 'A']);
  const feat2 = () => tn.tensor([101, 101, 101, 102, 102], [5], 'int32');

  it('puts each combination in the bin TensorFlow\'s cross_hashed does (Keras\'s documented example)', () => {
    const crossed = new tn.layers.HashedCrossing(5).apply([feat1(), feat2()]) as tn.Tensor;
    expect([crossed.dtype, crossed.shape, values(crossed)]).toEqual(['int32', [5], [1, 4, 1, 1, 3]]);
    const oneHot = new tn.layers.HashedCrossing({ numBins: 5, outputMode: 'one_hot' }).apply([feat1(), feat2()]) as tn.Tensor;
    expect(oneHot.arraySync()).toEqual([[0, 1, 0, 0, 0], [0, 0, 0, 0, 1], [0, 1, 0, 0, 0], [0, 1, 0, 0, 0], [0, 0, 0, 1, 0]]);
  });

  it('keeps the shape (), [batch] or [batch, 1]; one_hot replaces a last axis of 1', () => {
    const layer = new tn.layers.HashedCrossing(7);
    const col = layer.apply([tn.reshape(feat1(), [5, 1]), tn.reshape(feat2(), [5, 1])]) as tn.Tensor;
    expect(col.shape).toEqual([5, 1]);
    expect(values(col)).toEqual(values(layer.apply([feat1(), feat2()]) as tn.Tensor));
    const one = layer.apply([tn.tensor('B'), tn.scalar(102, 'int32')]) as tn.Tensor;
    expect(one.shape).toEqual([]);
    expect(new tn.layers.HashedCrossing({ numBins: 3, outputMode: 'one_hot' }).computeOutputShape([[null, 1], [null, 1]])).toEqual([null, 3]);
    // The order of the features matters, as in TensorFlow (the hashes are folded left to right).
    const swapped = values(new tn.layers.HashedCrossing(1000).apply([feat2(), feat1()]) as tn.Tensor);
    expect(swapped).not.toEqual(values(new tn.layers.HashedCrossing(1000).apply([feat1(), feat2()]) as tn.Tensor));
  });

  it('refuses what Keras refuses, naming the layer and the shapes', () => {
    const layer = new tn.layers.HashedCrossing({ numBins: 4, name: 'cross' });
    expect(() => layer.apply([feat1()])).toThrow('Layer "cross" (HashedCrossing) should be called on a list of at least two inputs, received 1');
    expect(() => layer.apply([feat1(), tn.tensor([1, 2, 3], [3], 'int32')])).toThrow('Layer "cross" (HashedCrossing): all inputs should have equal shapes, received (5,) and (3,) (input 1)');
    expect(() => layer.apply([tn.zeros([2, 2], 'int32'), tn.zeros([2, 2], 'int32')])).toThrow('all inputs should have shape (), (batch_size) or (batch_size, 1), received (2, 2)');
    expect(() => new tn.layers.HashedCrossing({ numBins: 4, outputMode: 'multi_hot' as 'int' })).toThrow('HashedCrossing: received an invalid value for `outputMode`');
    expect(() => new tn.layers.HashedCrossing(0)).toThrow('HashedCrossing: received an invalid value for `numBins`');
  });
});

describe('FeatureSpace', () => {
  const raw = () => ({
    float_values: [0.0, 0.1, 0.2, 0.3],
    string_values: ['zero', 'one', 'two', 'three'],
    int_values: [0, 1, 2, 3],
  });

  it('encodes Keras\'s docstring example: features in sorted order, then the cross, concatenated', async () => {
    const fs = new FeatureSpace({
      features: { float_values: 'float_normalized', string_values: 'string_categorical', int_values: 'integer_categorical' },
      crosses: [['string_values', 'int_values']],
      outputMode: 'concat',
    });
    await fs.adapt(tn.data.array([0, 1, 2, 3].map((i) => ({ float_values: raw().float_values[i], string_values: raw().string_values[i], int_values: raw().int_values[i] }))));
    const out = fs.apply(raw()) as tn.Tensor;
    // float 1 + int_values 4 + OOV + string_values 4 + OOV + the cross's 32 bins.
    expect(out.shape).toEqual([4, 43]);
    // The same layers composed by hand, in Keras's order.
    const norm = new tn.layers.Normalization({ axis: -1 });
    norm.adapt(tn.tensor(raw().float_values, [4, 1]));
    const ints = new tn.layers.IntegerLookup();
    ints.adapt(tn.tensor(raw().int_values, [4, 1], 'int32'));
    const strs = new tn.layers.StringLookup();
    strs.adapt(tn.reshape(tn.tensor(raw().string_values), [4, 1]));
    const intIds = ints.apply(tn.tensor(raw().int_values, [4, 1], 'int32')) as tn.Tensor;
    const strIds = strs.apply(tn.reshape(tn.tensor(raw().string_values), [4, 1])) as tn.Tensor;
    const cross = new tn.layers.HashedCrossing({ numBins: 32 }).apply([strIds, intIds]) as tn.Tensor;
    const hot = (ids: tn.Tensor, n: number) => new tn.layers.CategoryEncoding({ numTokens: n, outputMode: 'multi_hot' }).apply(ids) as tn.Tensor;
    const want = tn.concat([norm.apply(tn.tensor(raw().float_values, [4, 1])) as tn.Tensor, hot(intIds, 5), hot(strIds, 5), hot(cross, 32)], -1);
    values(out).forEach((v, i) => expect(v).toBeCloseTo(values(want)[i], 5));
    expect(Object.keys(fs.crossers)).toEqual(['string_values_X_int_values']);
    expect(fs.preprocessors.string_values).toBeInstanceOf(tn.layers.StringLookup);
  });

  it('gives a dict of integer encodings, takes one sample of scalars, and adapts from an object of columns', async () => {
    const fs = new FeatureSpace({
      features: {
        string_values: FeatureSpace.stringCategorical({ outputMode: 'int' }),
        int_values: FeatureSpace.integerCategorical({ outputMode: 'int' }),
        float_values: FeatureSpace.floatDiscretized({ numBins: 2, outputMode: 'int' }),
      },
      crosses: [FeatureSpace.cross({ featureNames: ['string_values', 'int_values'], crossingDim: 32, outputMode: 'int' })],
      outputMode: 'dict',
    });
    await fs.adapt(raw());
    const out = fs.apply(raw()) as Record<string, tn.Tensor>;
    expect(Object.keys(out)).toEqual(['float_values', 'int_values', 'string_values', 'string_values_X_int_values']);
    expect(out.int_values.shape).toEqual([4, 1]);
    expect(values(out.int_values)).toEqual(values(fs.preprocessors.int_values.apply(tn.tensor(raw().int_values, [4, 1], 'int32')) as tn.Tensor));
    const one = fs.apply({ float_values: 0.3, string_values: 'three', int_values: 3 }) as Record<string, tn.Tensor>;
    expect(one.string_values.shape).toEqual([1]);
    expect(values(one.string_values)).toEqual([values(out.string_values)[3]]);
    expect(values(one.string_values_X_int_values)).toEqual([values(out.string_values_X_int_values)[3]]);
  });

  it('trains on encoded batches and serves raw columns through a saved end-to-end model (Keras\'s training/inference pair)', async () => {
    tn.setSeed(2);
    let s = 11;
    const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
    const rows = Array.from({ length: 600 }, () => {
      const color = ['red', 'green', 'blue'][Math.floor(rand() * 3)];
      const size = Math.floor(rand() * 4);
      const weight = rand() * 10;
      // The label needs the cross (a color and a size together) and the number.
      return { color, size, weight, label: (color === 'red' && size === 3) || weight > 7 ? 1 : 0 };
    });
    const fs = new FeatureSpace({
      features: { color: 'string_categorical', size: 'integer_categorical', weight: 'float_normalized' },
      crosses: [FeatureSpace.cross({ featureNames: ['color', 'size'], crossingDim: 16 })],
    });
    const ds = tn.data.array(rows.map(({ label, ...x }) => [x, label] as [typeof x, number]));
    await fs.adapt(ds.map(([x]) => x));
    const encoded = fs.getEncodedFeatures() as tn.SymbolicTensor;
    const hidden = new tn.layers.Dense(16, { activation: 'relu' }).apply(encoded) as tn.SymbolicTensor;
    const predictions = new tn.layers.Dense(1, { activation: 'sigmoid' }).apply(hidden) as tn.SymbolicTensor;
    const training = tn.model({ inputs: encoded, outputs: predictions });
    expect(training.inputs[0].shape).toEqual([null, 4 + 5 + 1 + 16]);
    training.compile({ optimizer: new tn.optimizers.Adam({ learningRate: 0.02 }), loss: 'binary_crossentropy', metrics: ['accuracy'] });
    const batches = ds.batch(32).map(([x, y]) => [fs.apply(x) as tn.Tensor, y] as [tn.Tensor, tn.Tensor]);
    const history = await training.fit(batches, { epochs: 30, verbose: 0 });
    expect(history.history.accuracy.at(-1)).toBeGreaterThan(0.95);

    // Keras's keras.Model(inputs=dict_inputs, outputs=predictions): the dict's keys are the inputs' names.
    const inference = tn.model({ inputs: fs.getInputs(), outputs: predictions });
    expect(inference.inputs.map((t) => t.name.split(':')[0])).toEqual(['color', 'size', 'weight']);
    expect(new tn.Model(fs.getInputs(), predictions).outputs[0]).toBe(predictions);
    const sample = { color: ['red', 'blue'], size: [3, 3], weight: [1, 1] };
    const p = values(inference.predict(sample) as tn.Tensor);
    expect(p[0]).toBeGreaterThan(0.5);
    expect(p[1]).toBeLessThan(0.5);
    // The training model and the inference model share the layers after the encoding.
    expect(values(training.predict(fs.apply(sample) as tn.Tensor) as tn.Tensor)).toEqual(p);
    for (const target of [join(root, 'end-to-end.keras'), join(root, 'end-to-end-tfjs')]) {
      await inference.save(target);
      expect(values((await tn.loadModel(target)).predict(sample) as tn.Tensor), target).toEqual(p);
    }
  });

  it('refuses unusable specs and data, saying what to do', async () => {
    expect(() => new FeatureSpace({ features: {} })).toThrow('FeatureSpace: the `features` argument cannot be empty');
    expect(() => new FeatureSpace({ features: { a: 'categorical' as 'float' } })).toThrow('FeatureSpace: invalid type "categorical" for feature "a"');
    expect(() => new FeatureSpace({ features: { a: 'string_categorical' }, crosses: [['a', 'b']] })).toThrow('all features referenced in `crosses` should be present in `features`; unknown: b');
    expect(() => new FeatureSpace({ features: { a: 'string_categorical', b: 'float' }, crosses: [['a', 'b']] })).toThrow('the cross a_X_b takes b, whose values are floats');
    const fs = new FeatureSpace({ features: { a: 'string_categorical', b: FeatureSpace.integerCategorical({ outputMode: 'int' }) } });
    expect(() => fs.apply({ a: ['x'], b: [1] })).toThrow('FeatureSpace: call `await featureSpace.adapt(dataset)` before using it');
    await fs.adapt({ a: ['x', 'y'], b: [1, 2] });
    expect(() => fs.apply({ a: ['x'] })).toThrow('FeatureSpace: the data has no "b" (features: a, b; received keys a)');
    expect(() => fs.apply({ a: ['x'], b: [1] })).toThrow('FeatureSpace: cannot concatenate the features because "b" is not encoded');
    await expect(fs.adapt({ a: ['x'], b: [1, 2] })).rejects.toThrow('FeatureSpace.adapt: the columns differ in length (a: 1, b: 2)');
  });
});

describe('a functional model from intermediate tensors', () => {
  it('starts at those tensors, shares the layers after them, and saves as a model of its own', async () => {
    const inp = tn.input({ shape: [3] });
    const first = new tn.layers.Dense(4, { activation: 'relu', name: 'first' });
    const middle = first.apply(inp) as tn.SymbolicTensor;
    const second = new tn.layers.Dense(2, { name: 'second' });
    const out = second.apply(middle) as tn.SymbolicTensor;
    const whole = tn.model({ inputs: inp, outputs: out });
    const tail = tn.model({ inputs: middle, outputs: out });
    expect(tail.layers.map((l) => l.name)).toEqual(['first', 'second']);
    expect(tail.layers[0]).toBeInstanceOf(tn.layers.InputLayer);
    expect(tail.layers[1]).toBe(second);
    const x = tn.randomNormal([5, 3], 0, 1, 'float32', 4);
    const h = first.apply(x) as tn.Tensor;
    expect(values(tail.predict(h) as tn.Tensor)).toEqual(values(whole.predict(x) as tn.Tensor));
    const path = join(root, 'tail.keras');
    await tail.save(path);
    expect(values((await tn.loadModel(path)).predict(h) as tn.Tensor)).toEqual(values(whole.predict(x) as tn.Tensor));
  });

  it('takes inputs as an object keyed by their names (Keras 3\'s dict), and refuses a key that is not the name', () => {
    const a = tn.input({ shape: [2], name: 'a' });
    const b = tn.input({ shape: [3], name: 'b' });
    const out = new tn.layers.Dense(1).apply(new tn.layers.Concatenate().apply([a, b]) as tn.SymbolicTensor) as tn.SymbolicTensor;
    const model = tn.model({ inputs: { a, b }, outputs: out });
    expect((model.predict({ a: tn.ones([4, 2]), b: tn.ones([4, 3]) }) as tn.Tensor).shape).toEqual([4, 1]);
    expect(() => tn.model({ inputs: { left: a, b }, outputs: out })).toThrow('Model: `inputs` as an object must key each input by its name (the name data is matched by): key "left" holds the input named "a"');
  });

  it('takes FeatureSpace\'s dict of encoded features as inputs, keyed by feature name (the data\'s keys), and serves from raw columns', async () => {
    const fs = new FeatureSpace({
      features: { color: FeatureSpace.stringCategorical({ outputMode: 'int' }), size: 'integer_categorical', weight: 'float_normalized' },
      crosses: [['color', 'size']], crossingDim: 8, outputMode: 'dict',
    });
    const cols = { color: ['red', 'blue', 'red', 'green'], size: [1, 2, 3, 1], weight: [1.5, 2, 0.5, 3] };
    await fs.adapt(cols);
    const enc = fs.getEncodedFeatures() as Record<string, tn.SymbolicTensor>;
    const emb = new tn.layers.Flatten().apply(new tn.layers.Embedding({ inputDim: 4, outputDim: 2 }).apply(enc.color) as tn.SymbolicTensor) as tn.SymbolicTensor;
    const out = new tn.layers.Dense(1, { activation: 'sigmoid' }).apply(tn.layers.concatenate([emb, enc.size, enc.weight, enc.color_X_size]) as tn.SymbolicTensor) as tn.SymbolicTensor;
    const training = tn.model({ inputs: enc, outputs: out });
    expect(training.inputNames.slice().sort()).toEqual(['color', 'color_X_size', 'size', 'weight']);
    training.compile({ optimizer: 'adam', loss: 'binary_crossentropy' });
    const encoded = fs.apply(cols) as Record<string, tn.Tensor>;
    await training.fit(encoded, tn.tensor([[1], [0], [1], [0]]), { epochs: 2, verbose: 0 });
    const serving = tn.model({ inputs: fs.getInputs(), outputs: out });
    const raw = { color: tn.tensor(['red', 'blue']), size: tn.tensor([1, 2], [2], 'int32'), weight: tn.tensor([1.5, 2]) };
    const fromEncoded = (training.predict(fs.apply(raw) as Record<string, tn.Tensor>) as tn.Tensor).array();
    expect((serving.predict(raw) as tn.Tensor).array()).toEqual(fromEncoded);
  });
});
