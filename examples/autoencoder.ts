// A convolutional autoencoder on the MNIST digits: Conv2D + MaxPooling2D down to a 7x7x8 code (392 numbers for 784
// pixels), UpSampling2D + Conv2D back up, trained to reproduce its input under mean squared error.
//
//   npm run example -- autoencoder [--epochs 5] [--train-samples 8000] [--seed 1]
//
// The figure is the held-out reconstruction MSE (per pixel, pixels in [0, 1]), set beside the trivial baseline of
// predicting the mean training image for every test digit, so that the number means something.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as tn from 'tensornode';
const { Conv2D, MaxPooling2D, UpSampling2D } = tn.layers;

export interface AutoencoderOptions {
  epochs?: number;
  /** Train on this many digits, taken evenly across the training set (default: all of it). */
  trainSamples?: number;
  /** Evaluate on this many test digits, taken evenly (default: all of them). */
  testSamples?: number;
  batchSize?: number;
  seed?: number;
  verbose?: 0 | 1 | 2;
}

export interface AutoencoderResult {
  /** Mean squared error per pixel on the test digits before training, after training, and of the mean image. */
  initialMse: number;
  mse: number;
  baselineMse: number;
  seconds: number;
}

/** n rows spread evenly over x's first axis (the packaged digits are stored sorted by label). */
function evenly(x: tn.Tensor, n: number | undefined): tn.Tensor {
  const total = x.shape[0];
  if (n === undefined || n >= total) return x;
  return tn.gather(x, tn.tensor(Array.from({ length: n }, (_, i) => Math.floor((i * total) / n)), [n], 'int32'));
}

export function buildAutoencoder(): tn.Sequential {
  return new tn.Sequential([
    // Encoder: 28x28x1 -> 14x14x16 -> 7x7x8.
    new Conv2D(16, 3, { activation: 'relu', padding: 'same', inputShape: [28, 28, 1] }),
    new MaxPooling2D(2),
    new Conv2D(8, 3, { activation: 'relu', padding: 'same' }),
    new MaxPooling2D(2),
    // Decoder: 7x7x8 -> 14x14x8 -> 28x28x16 -> 28x28x1; sigmoid, as pixels lie in [0, 1].
    new Conv2D(8, 3, { activation: 'relu', padding: 'same' }),
    new UpSampling2D(2),
    new Conv2D(16, 3, { activation: 'relu', padding: 'same' }),
    new UpSampling2D(2),
    new Conv2D(1, 3, { activation: 'sigmoid', padding: 'same' }),
  ]);
}

export async function trainAutoencoder(options: AutoencoderOptions = {}): Promise<AutoencoderResult> {
  const { epochs = 5, batchSize = 32, seed = 1, verbose = 1 } = options;
  tn.setSeed(seed);
  const [[allTrain], [allTest]] = await tn.datasets.mnist.loadData();
  const train = evenly(allTrain, options.trainSamples);
  const test = evenly(allTest, options.testSamples);

  const baselineMse = tn.mean(tn.square(tn.sub(test, tn.mean(train, 0)))).values[0];
  const model = buildAutoencoder();
  model.compile({ optimizer: 'adam', loss: 'binary_crossentropy', metrics: ['mse'] });
  const [, initialMse] = await model.evaluate(test, test, { verbose: 0 });
  const start = performance.now();
  await model.fit(train, train, { epochs, batchSize, verbose, validationData: [test, test] });
  const seconds = (performance.now() - start) / 1000;
  const [, mse] = await model.evaluate(test, test, { verbose: 0 });
  return { initialMse, mse, baselineMse, seconds };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      epochs: { type: 'string', default: '5' },
      'train-samples': { type: 'string' },
      seed: { type: 'string', default: '1' },
    },
  });
  const trainSamples = values['train-samples'] === undefined ? undefined : Number(values['train-samples']);
  const r = await trainAutoencoder({ epochs: Number(values.epochs), trainSamples, seed: Number(values.seed) });
  console.log(`Test reconstruction MSE: ${r.mse.toFixed(5)} per pixel ` +
    `(mean-image baseline ${r.baselineMse.toFixed(5)}: ${(r.baselineMse / r.mse).toFixed(1)}x lower; training took ${r.seconds.toFixed(1)}s)`);
}
