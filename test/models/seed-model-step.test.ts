// The reference CNN on 8 real MNIST images: one trainOnBatch must match PyTorch's probabilities, loss, gradients and
// parameters after one Keras Adam step (../shared/golden/seed_model_step.json).
import { describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { expectClose, fixture, toTensor, type GoldenTensor as Spec } from '../helpers/golden.js';

interface Summary {
  numel: number;
  sum: number;
  l2: number;
  sampleIndices: number[];
  sampleValues: number[];
}
type Param = Spec | Summary;
interface Seed {
  inputs: { x: Spec; labels: Spec };
  params: Record<string, { shape: number[]; limit: number; salt: number }>;
  outputs: { probabilities: Spec; loss: Spec };
  grads: Record<string, Param>;
  paramsAfterAdamStep: Record<string, Param>;
}

const seed = fixture<Seed>('seed_model_step.json');
const names = ['conv2d/kernel', 'conv2d/bias', 'dense/kernel', 'dense/bias', 'dense_1/kernel', 'dense_1/bias'];

/** params[name][i] = limit * (((i * 7919 + salt) mod 2003) - 1001) / 1001, rounded to float32. */
function param(name: string): tn.Tensor {
  const { shape, limit, salt } = seed.params[name];
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = (limit * (((i * 7919 + salt) % 2003) - 1001)) / 1001;
  return tn.tensor(v, shape);
}

function expectParam(actual: tn.Tensor, expected: Param, what: string): void {
  if ('data' in expected) {
    expectClose(actual, expected, 1e-4, 1e-5, what);
    return;
  }
  const v = actual.data();
  expect(v.length).toBe(expected.numel);
  let sum = 0;
  let sq = 0;
  for (const e of v) {
    sum += e;
    sq += e * e;
  }
  expectClose([sum], [expected.sum], 1e-3, 1e-4, `${what} sum`);
  expectClose([Math.sqrt(sq)], [expected.l2], 1e-4, 1e-5, `${what} l2`);
  expectClose(expected.sampleIndices.map((i) => v[i]), expected.sampleValues, 1e-4, 1e-5, `${what} samples`);
}

function build(): tn.Sequential {
  const { Conv2D, MaxPooling2D, Flatten, Dense } = tn.layers;
  const model = new tn.Sequential([
    new Conv2D(32, [3, 3], { activation: 'relu', inputShape: [28, 28, 1] }),
    new MaxPooling2D([2, 2]),
    new Flatten(),
    new Dense(128, { activation: 'relu' }),
    new Dense(10, { activation: 'softmax' }),
  ]);
  model.setWeights(names.map(param));
  return model;
}

describe('reference CNN, one training step', () => {
  const x = toTensor(seed.inputs.x);
  const labels = toTensor(seed.inputs.labels, 'int32');

  it('predicts the reference probabilities', () => {
    const model = build();
    expectClose(model.predict(x) as tn.Tensor, seed.outputs.probabilities, 1e-4, 1e-5, 'probabilities');
  });

  it('computes the reference loss and gradient of every parameter', () => {
    const model = build();
    const loss = new tn.losses.SparseCategoricalCrossentropy();
    const value = loss.compute(labels, model.apply(x, { training: true }) as tn.Tensor);
    expectClose(value, seed.outputs.loss, 1e-4, 1e-5, 'loss');
    const grads = tn.gradients(value, model.trainableWeights);
    grads.forEach((g, i) => expectParam(g, seed.grads[names[i]], `d loss / d ${names[i]}`));
  });

  it('trainOnBatch with Keras Adam lands on the reference parameters', () => {
    const model = build();
    model.compile({ optimizer: new tn.optimizers.Adam({ learningRate: 0.001, epsilon: 1e-7 }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const [loss, accuracy] = model.trainOnBatch(x, labels);
    expectClose([loss], seed.outputs.loss, 1e-4, 1e-5, 'trainOnBatch loss');
    const probs = seed.outputs.probabilities.data;
    const hits = seed.inputs.labels.data.filter((l, r) => probs.slice(r * 10, r * 10 + 10).indexOf(Math.max(...probs.slice(r * 10, r * 10 + 10))) === l).length;
    expect(accuracy).toBeCloseTo(hits / 8, 6);
    model.weights.forEach((w, i) => expectParam(w, seed.paramsAfterAdamStep[names[i]], `${names[i]} after one Adam step`));
  });
});
