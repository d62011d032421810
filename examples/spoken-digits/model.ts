// The spoken-digits classifier: a 1-D convolution over time, with the 40 mel bands as channels. The library comes in
// as an argument (the example passes `import * as tn from 'tensornode'`, the test the sources), so that the test runs
// this very model without a build of the package.
import type * as Tensornode from '../../lib/index.js';

export function buildModel(tn: typeof Tensornode, frames: number, nMels: number) {
  const { Conv1D, MaxPooling1D, GlobalMaxPooling1D, Dropout, Dense, BatchNormalization } = tn.layers;
  const model = new tn.Sequential([
    new Conv1D(64, 5, { activation: 'relu', padding: 'same', inputShape: [frames, nMels] }),
    new BatchNormalization(),
    new MaxPooling1D(2),
    new Conv1D(96, 5, { activation: 'relu', padding: 'same' }),
    new BatchNormalization(),
    new MaxPooling1D(2),
    new Conv1D(128, 3, { activation: 'relu', padding: 'same' }),
    new GlobalMaxPooling1D(),
    new Dropout(0.3),
    new Dense(64, { activation: 'relu' }),
    new Dropout(0.3),
    new Dense(10, { activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return model;
}
