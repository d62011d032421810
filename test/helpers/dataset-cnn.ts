// The small CNN and data that the dataset tests train, so that fit on tensors and fit on a dataset of the same batches
// can be compared weight for weight.
import * as tn from '../../lib/index.js';

const { Dense, Conv2D, Flatten } = tn.layers;

/** n 6x6x1 images (uniform, from `seed`) with labels (i * 7) % 3. */
export function data(n: number, seed = 11) {
  const x = tn.randomUniform([n, 6, 6, 1], 0, 1, 'float32', seed);
  const y = tn.tensor(Int32Array.from({ length: n }, (_, i) => (i * 7) % 3), [n], 'int32');
  return { x, y };
}

/** Conv2D(3) -> Flatten -> Dense(3, softmax), compiled with adam, always from the same initial weights. */
export function cnn() {
  tn.setSeed(99);
  const m = tn.sequential({ layers: [new Conv2D({ filters: 3, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 1] }), new Flatten(), new Dense({ units: 3, activation: 'softmax' })] });
  m.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return m;
}

export const weightsOf = (m: tn.Model) => m.weights.map((w) => Array.from(w.data()));
