// Run under mpirun by test/distributed/mpi.test.ts. Trains one small model data-parallel (each rank a tf.data-style
// shard, batch globalBatch / size, DistributedOptimizer) and, on rank 0, the same model in one process on the same
// global batches; rank 0 prints how far apart the weights end, as one JSON line.
// argv: optimizer ('sgd' | 'adam'), globalBatch, steps, fusionThresholdBytes
import { tsImport } from 'tsx/esm/api';

const tn = await tsImport('../../../lib/index.ts', import.meta.url);
const hvd = tn.distributed;
hvd.init();
const [optName, globalBatchArg, stepsArg, fusionArg] = process.argv.slice(2);
const globalBatch = Number(globalBatchArg);
const steps = Number(stepsArg);
if (globalBatch % hvd.size() !== 0) throw new Error(`global batch ${globalBatch} does not split over ${hvd.size()} ranks`);

// The same data on every rank: a seeded stream, labels from a fixed rule.
tn.setSeed(7);
const n = globalBatch * steps;
const x = tn.randomNormal([n, 12]);
const xv = x.data();
const labels = new Int32Array(n);
for (let i = 0; i < n; i++) labels[i] = (xv[i * 12] + 0.5 * xv[i * 12 + 3] > 0 ? 1 : 0) + (xv[i * 12 + 5] > 0.8 ? 1 : 0);
const y = tn.tensor(labels, [n], 'int32');

const build = (optimizer) => {
  tn.setSeed(11);
  const model = tn.sequential({ layers: [
    tn.layers.dense({ units: 24, activation: 'relu', inputShape: [12] }),
    tn.layers.dense({ units: 16, activation: 'tanh' }),
    tn.layers.dense({ units: 3, activation: 'softmax' }),
  ] });
  model.compile({ optimizer, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return model;
};
const makeOptimizer = () => (optName === 'adam' ? new tn.optimizers.Adam({ learningRate: 0.01 }) : new tn.optimizers.SGD({ learningRate: 0.1, momentum: 0.9 }));

const opt = new hvd.DistributedOptimizer(makeOptimizer(), fusionArg ? { fusionThresholdBytes: Number(fusionArg) } : {});
const model = build(opt);
const [xs, ys] = hvd.shard([x, y]);
await model.fit(xs, ys, { batchSize: globalBatch / hvd.size(), epochs: 1, shuffle: false, verbose: 0,
  callbacks: [new hvd.callbacks.BroadcastGlobalVariablesCallback(0)] });

if (hvd.rank() === 0) {
  const single = build(makeOptimizer());
  await single.fit(x, y, { batchSize: globalBatch, epochs: 1, shuffle: false, verbose: 0 });
  let diff = 0;
  let scale = 0;
  let worstElement = 0;
  model.weights.forEach((w, i) => {
    const a = w.data();
    const b = single.weights[i].data();
    for (let j = 0; j < a.length; j++) {
      diff = Math.max(diff, Math.abs(a[j] - b[j]));
      scale = Math.max(scale, Math.abs(b[j]));
      worstElement = Math.max(worstElement, Math.abs(a[j] - b[j]) / Math.max(Math.abs(b[j]), 1e-3));
    }
  });
  // Weights must have moved, or equality would say nothing.
  const initial = build(makeOptimizer()).weights.map((w) => w.data());
  let moved = 0;
  single.weights.forEach((w, i) => w.data().forEach((v, j) => { moved = Math.max(moved, Math.abs(v - initial[i][j])); }));
  console.log(JSON.stringify({ size: hvd.size(), optimizer: opt.constructor.name, iterations: opt.iterations, buckets: opt.lastBuckets,
    relative: diff / scale, worstElement, moved }));
}
