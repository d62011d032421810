// Training you can watch: a small MNIST classifier trained with the TensorBoard callback, its graph drawn with
// plotModel and its curves with plotHistory. `npm run example -- watch-training [outDir]` writes
//   logs/watch-training/{train,validation}/events.out.tfevents.*   (tensorboard --logdir logs)
//   <outDir>/model.png and <outDir>/curves.png                     (outDir: docs/images, the README's pictures)
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Sequential, callbacks, datasets, layers, optimizers, utils } from 'tensornode';

const outDir = process.argv[2] ?? 'docs/images';
const logDir = join('logs', 'watch-training');
mkdirSync(outDir, { recursive: true });

// The `mnist` package's 10,000 digits: 8,000 to train on, 2,000 to validate with.
const [[trainImages, trainLabels], [testImages, testLabels]] = await datasets.mnist.loadData();

const model = new Sequential([
  new layers.Flatten({ inputShape: [28, 28, 1] }),
  new layers.Dense(128, { activation: 'relu' }),
  new layers.Dropout(0.2),
  new layers.Dense(10, { activation: 'softmax' }),
]);
model.compile({ optimizer: optimizers.adam({ learningRate: 1e-3 }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });

const history = await model.fit(trainImages, trainLabels, {
  epochs: 15,
  batchSize: 64,
  validationData: [testImages, testLabels],
  verbose: 2,
  callbacks: [new callbacks.TensorBoard({ logDir, histogramFreq: 1, updateFreq: 25 })],
});

await utils.plotModel(model, join(outDir, 'model.png'), { showShapes: true, dpi: 110 });
await utils.plotHistory(history, join(outDir, 'curves.png'), { title: 'MLP on MNIST (8,000 training digits)', dpi: 110 });
console.log(`TensorBoard logs in ${logDir} (tensorboard --logdir ${logDir}); pictures in ${outDir}/model.png and ${outDir}/curves.png`);
