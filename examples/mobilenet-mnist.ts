// A small MobileNet on the MNIST digits: a strided stem convolution, then depthwise-separable blocks (DepthwiseConv2D,
// BatchNormalization, ReLU6, then a 1x1 Conv2D, BatchNormalization, ReLU6), global average pooling and a softmax.
//
//   npm run example -- mobilenet-mnist [--epochs 4] [--train-samples 8000] [--seed 1]
//
// The figure is the test accuracy.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as tn from 'tensornode';
const { BatchNormalization, Conv2D, Dense, DepthwiseConv2D, GlobalAveragePooling2D, ReLU } = tn.layers;

export interface MobileNetOptions {
  epochs?: number;
  /** Train on this many digits, taken evenly across the training set (default: all of it). */
  trainSamples?: number;
  /** Evaluate on this many test digits, taken evenly (default: all of them). */
  testSamples?: number;
  batchSize?: number;
  seed?: number;
  verbose?: 0 | 1 | 2;
}

export interface MobileNetResult {
  /** Test accuracy before and after training. */
  initialAccuracy: number;
  accuracy: number;
  loss: number;
  seconds: number;
}

/** n rows spread evenly over x's first axis (the packaged digits are stored sorted by label). */
function evenly(x: tn.Tensor, n: number | undefined): tn.Tensor {
  const total = x.shape[0];
  if (n === undefined || n >= total) return x;
  return tn.gather(x, tn.tensor(Array.from({ length: n }, (_, i) => Math.floor((i * total) / n)), [n], 'int32'));
}

// Keras's default momentum (0.99) suits ImageNet's long runs; a run of a few hundred steps needs the moving statistics,
// which inference uses, to catch up faster.
const batchNorm = () => new BatchNormalization({ momentum: 0.9 });

/** MobileNet v1's block: a 3x3 depthwise convolution filters each channel, a 1x1 convolution mixes them. */
function separableBlock(filters: number, strides: number): tn.Layer[] {
  return [
    new DepthwiseConv2D(3, { strides, padding: 'same', useBias: false }),
    batchNorm(),
    new ReLU({ maxValue: 6 }),
    new Conv2D(filters, 1, { useBias: false }),
    batchNorm(),
    new ReLU({ maxValue: 6 }),
  ];
}

export function buildMobileNet(): tn.Sequential {
  return new tn.Sequential([
    // 28x28x1 -> 14x14x16 -> 14x14x32 -> 7x7x64 -> 7x7x64 -> 64 -> 10
    new Conv2D(16, 3, { strides: 2, padding: 'same', useBias: false, inputShape: [28, 28, 1] }),
    batchNorm(),
    new ReLU({ maxValue: 6 }),
    ...separableBlock(32, 1),
    ...separableBlock(64, 2),
    ...separableBlock(64, 1),
    new GlobalAveragePooling2D(),
    new Dense(10, { activation: 'softmax' }),
  ]);
}

export async function trainMobileNet(options: MobileNetOptions = {}): Promise<MobileNetResult> {
  const { epochs = 4, batchSize = 32, seed = 1, verbose = 1 } = options;
  tn.setSeed(seed);
  const [[allTrainX, allTrainY], [allTestX, allTestY]] = await tn.datasets.mnist.loadData();
  const [trainX, trainY] = [evenly(allTrainX, options.trainSamples), evenly(allTrainY, options.trainSamples)];
  const [testX, testY] = [evenly(allTestX, options.testSamples), evenly(allTestY, options.testSamples)];

  const model = buildMobileNet();
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  const [, initialAccuracy] = await model.evaluate(testX, testY, { verbose: 0 });
  const start = performance.now();
  await model.fit(trainX, trainY, { epochs, batchSize, verbose, validationData: [testX, testY] });
  const seconds = (performance.now() - start) / 1000;
  const [loss, accuracy] = await model.evaluate(testX, testY, { verbose: 0 });
  return { initialAccuracy, accuracy, loss, seconds };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      epochs: { type: 'string', default: '4' },
      'train-samples': { type: 'string' },
      seed: { type: 'string', default: '1' },
    },
  });
  const trainSamples = values['train-samples'] === undefined ? undefined : Number(values['train-samples']);
  const r = await trainMobileNet({ epochs: Number(values.epochs), trainSamples, seed: Number(values.seed) });
  console.log(`Test accuracy: ${r.accuracy.toFixed(4)} (test loss ${r.loss.toFixed(4)}; training took ${r.seconds.toFixed(1)}s)`);
}
