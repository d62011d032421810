// Training you can watch: a small MNIST classifier trained with the TensorBoard callback, its graph drawn with
// plotModel and its curves with plotHistory.
//
//   npm run example -- watch-training [--epochs 15] [--out docs/images] [--log-dir logs/watch-training]
//
// writes <log-dir>/{train,validation}/events.out.tfevents.* (then: tensorboard --logdir logs), and <out>/model.png
// and <out>/curves.png, the pictures in the README's "Watching training".
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as tn from 'tensornode';

export interface WatchTrainingOptions {
  epochs?: number;
  /** Train on this many digits, taken evenly across the training set (default: all 8,000 of the `mnist` package). */
  trainSamples?: number;
  outDir?: string;
  logDir?: string;
  seed?: number;
  verbose?: 0 | 1 | 2;
}

/** n rows spread evenly over x's first axis (the packaged digits are stored sorted by label). */
function evenly(x: tn.Tensor, n: number | undefined): tn.Tensor {
  const total = x.shape[0];
  if (n === undefined || n >= total) return x;
  return tn.gather(x, tn.tensor(Array.from({ length: n }, (_, i) => Math.floor((i * total) / n)), [n], 'int32'));
}

export async function watchTraining(options: WatchTrainingOptions = {}): Promise<{ history: tn.History; tensorBoard: tn.callbacks.TensorBoard; model: string; curves: string }> {
  const { epochs = 15, outDir = join('docs', 'images'), logDir = join('logs', 'watch-training'), seed = 1, verbose = 2 } = options;
  tn.setSeed(seed);
  mkdirSync(outDir, { recursive: true });
  // The `mnist` package's 10,000 digits: 8,000 to train on, 2,000 to validate with.
  const [[trainImages, trainLabels], [testImages, testLabels]] = await tn.datasets.mnist.loadData();

  const model = new tn.Sequential([
    new tn.layers.Flatten({ inputShape: [28, 28, 1] }),
    new tn.layers.Dense(128, { activation: 'relu' }),
    new tn.layers.Dropout(0.2),
    new tn.layers.Dense(10, { activation: 'softmax' }),
  ]);
  model.compile({ optimizer: tn.optimizers.adam({ learningRate: 1e-3 }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });

  const tensorBoard = new tn.callbacks.TensorBoard({ logDir, histogramFreq: 1, updateFreq: 25 });
  const history = await model.fit(evenly(trainImages, options.trainSamples), evenly(trainLabels, options.trainSamples), {
    epochs,
    batchSize: 64,
    validationData: [testImages, testLabels],
    verbose,
    callbacks: [tensorBoard],
  });

  const modelPicture = join(outDir, 'model.png');
  const curves = join(outDir, 'curves.png');
  await tn.utils.plotModel(model, modelPicture, { showShapes: true, showLayerNames: true, dpi: 110 });
  await tn.utils.plotHistory(history, curves, { title: 'MLP on MNIST (8,000 training digits)', dpi: 110 });
  return { history, tensorBoard, model: modelPicture, curves };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      epochs: { type: 'string', default: '15' },
      out: { type: 'string', default: join('docs', 'images') },
      'log-dir': { type: 'string', default: join('logs', 'watch-training') },
    },
  });
  const r = await watchTraining({ epochs: Number(values.epochs), outDir: values.out, logDir: values['log-dir'] });
  console.log(`TensorBoard logs in ${values['log-dir']} (tensorboard --logdir ${values['log-dir']}); pictures: ${r.model}, ${r.curves}`);
}
