// The reference program (examples/mnist-cnn.ts) data-parallel over MPI, with Horovod's recipe:
//   mpirun -np 2 npx tsx examples/mnist-distributed.ts        (or: mpirun -np 2 npm run example -- mnist-distributed)
// Each rank trains on its shard of the training set with batches of 32 / size, so every step averages the gradients
// of one global batch of 32: the same training as the single-process program, on size() processes.
import { Sequential, layers, datasets, optimizers, distributed as hvd } from 'tensornode';
const { Conv2D, MaxPooling2D, Flatten, Dense } = layers;

hvd.init();
if (32 % hvd.size() !== 0) throw new Error(`run with a number of processes that divides the global batch of 32 (1, 2, 4, 8, 16 or 32), not ${hvd.size()}`);
const [[trainImages, trainLabels], [testImages, testLabels]] = await datasets.mnist.loadData();

const model = new Sequential([
  new Conv2D(32, [3, 3], { activation: 'relu', inputShape: [28, 28, 1] }),
  new MaxPooling2D([2, 2]),
  new Flatten(),
  new Dense(128, { activation: 'relu' }),
  new Dense(10, { activation: 'softmax' }),
]);
// The global batch stays 32, so the learning rate stays Adam's default. (Horovod's other recipe keeps 32 per rank and
// multiplies the rate by size(), with hvd.callbacks.LearningRateWarmupCallback over the first epochs.)
const optimizer = new hvd.DistributedOptimizer(new optimizers.Adam({ learningRate: 0.001 }));
model.compile({ optimizer, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
await model.fit(hvd.shard(trainImages), hvd.shard(trainLabels), {
  epochs: 5,
  batchSize: 32 / hvd.size(),
  // Every rank validates on the whole test set with the same weights, so the printed val_ figures are the global ones;
  // the training loss and accuracy on the progress line are rank 0's own (MetricAverageCallback averages them for
  // History and the callbacks after it).
  validationData: [testImages, testLabels],
  verbose: hvd.rank() === 0 ? 1 : 0,
  callbacks: [new hvd.callbacks.BroadcastGlobalVariablesCallback(0), new hvd.callbacks.MetricAverageCallback()],
});
// Every rank holds the same weights: rank 0 evaluates and would save (model.save) for all of them.
if (hvd.rank() === 0) {
  const [testLoss, testAcc] = (await model.evaluate(testImages, testLabels, { verbose: 0 })) as number[];
  console.log('Test loss:', testLoss, 'Test accuracy:', testAcc);
}
