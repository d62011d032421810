// Run under mpirun by test/distributed/mpi.test.ts: the collectives, shard and the callbacks on every rank. Rank 0
// prints what it received as one JSON line; the test checks the values for the world's size. Checks that need every
// rank's view (all ranks agree) throw here, which ends the job with an error.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tsImport } from 'tsx/esm/api';

const tn = await tsImport('../../../lib/index.ts', import.meta.url);
const hvd = tn.distributed;
hvd.init();
const r = hvd.rank();
const size = hvd.size();
const out = { size, localSize: hvd.localSize(), threads: tn.backendInfo().threads };
const same = (what, value) => {
  const all = hvd.allgather(tn.tensor([value], [1, value.length ?? 1]).reshape([1, -1])).arraySync();
  if (all.some((row) => JSON.stringify(row) !== JSON.stringify(all[0]))) throw new Error(`${what}: ranks disagree: ${JSON.stringify(all)}`);
  return all[0];
};

const v = tn.tensor([r + 1, -(r + 1), 10 * r]);
out.sum = Array.from(hvd.allreduce(v, { op: 'sum' }).data());
out.average = Array.from(hvd.allreduce(v).data());
out.min = Array.from(hvd.allreduce(v, { op: 'min' }).data());
out.max = Array.from(hvd.allreduce(v, { op: 'max' }).data());
out.intSum = Array.from(hvd.allreduce(tn.tensor([r, 1], [2], 'int32'), { op: 'sum' }).data());
out.inputUnchanged = Array.from(v.data());
const gathered = hvd.allgather(tn.fill([r + 1, 2], r));
out.allgather = { shape: gathered.shape, values: Array.from(gathered.data()) };
out.broadcast = Array.from(hvd.broadcast(tn.tensor([r, 2 * r]), size - 1).data());
out.broadcastObject = hvd.broadcastObject(r === 0 ? { hello: 'from rank 0', n: [1, 2] } : null);
hvd.barrier();

// shard: rows i with i % size === rank; the shards together are the data set.
const data = tn.range(0, 10).reshape([10, 1]);
const mine = hvd.shard(data);
out.shardRows = hvd.allgather(tn.tensor([mine.shape[0]], [1], 'int32')).arraySync();
out.shards = Array.from(hvd.allgather(mine).data());

// BroadcastGlobalVariablesCallback: ranks start apart (weights, BatchNorm's moving statistics, optimizer state).
const build = () => {
  const m = tn.sequential({ layers: [
    tn.layers.dense({ units: 4, inputShape: [3] }),
    tn.layers.batchNormalization(),
    tn.layers.dense({ units: 2, activation: 'softmax' }),
  ] });
  m.compile({ optimizer: new tn.optimizers.Adam({ learningRate: 0.01 }), loss: 'sparse_categorical_crossentropy' });
  return m;
};
tn.setSeed(100 + r);
// Rank 1 builds a layer first, so its model's variables get other names (dense_1/kernel, ...): ranks match variables
// by position and shape, not by these process-local names.
if (r === 1) tn.layers.dense({ units: 2 }).apply(tn.zeros([1, 3]));
const model = build();
const xr = tn.randomNormal([8, 3]);
const yr = tn.tensor([0, 1, 0, 1, 1, 0, 0, 1], [8], 'int32');
model.trainOnBatch(xr, yr);
if (r === 0) model.trainOnBatch(xr, yr);
for (const w of model.weights) w.values.fill(r === 0 ? 0.25 : -1 - r, 0, 1);
const rootFirst = model.weights.map((w) => w.values[0]);
let atStart = null;
await model.fit(xr, yr, { epochs: 1, stepsPerEpoch: 1, verbose: 0, callbacks: [
  new hvd.callbacks.BroadcastGlobalVariablesCallback(0),
  new tn.LambdaCallback({ onTrainBegin: () => {
    const opt = model.optimizer;
    atStart = { iterations: opt.iterations, weights: model.weights.map((w) => w.values[0]), slot: opt.slotsOf(model.trainableWeights[0])[1][0] };
  } }),
] });
const rootView = hvd.broadcastObject(r === 0 ? { rootFirst } : null);
same('weights after the broadcast', atStart.weights);
same('optimizer slot after the broadcast', [atStart.slot]);
same('optimizer step after the broadcast', [atStart.iterations]);
out.broadcastCallback = { weights: atStart.weights, rootWeights: rootView.rootFirst, iterations: atStart.iterations, variables: model.weights.length,
  names: hvd.allgather(tn.tensor([[model.weights[0].name.length]], [1, 1], 'int32')).arraySync().flat() };

// MetricAverageCallback: each rank's epoch loss differs (its own data); History holds their average on every rank.
let local = null;
const history = await model.fit(tn.mul(xr, r + 1), yr, { epochs: 1, verbose: 0, callbacks: [
  new tn.LambdaCallback({ onEpochEnd: (_e, logs) => { local = logs.loss; } }),
  new hvd.callbacks.MetricAverageCallback(),
] });
out.metricAverage = { locals: Array.from(hvd.allgather(tn.tensor([local])).data()), averaged: history.history.loss[0] };
same('averaged loss', [history.history.loss[0]]);

// LearningRateWarmupCallback: 2 warmup epochs of 4 batches each, from 0.1 / size to 0.1.
const lrs = [];
const sgd = tn.sequential({ layers: [tn.layers.dense({ units: 2, inputShape: [3], activation: 'softmax' })] });
sgd.compile({ optimizer: new hvd.DistributedOptimizer(new tn.optimizers.SGD({ learningRate: 0.1, momentum: 0.9 })), loss: 'sparse_categorical_crossentropy' });
await sgd.fit(xr, yr, { epochs: 3, batchSize: 2, shuffle: false, verbose: 0, callbacks: [
  new hvd.callbacks.LearningRateWarmupCallback({ initialLr: 0.1, warmupEpochs: 2 }),
  new tn.LambdaCallback({ onBatchBegin: () => lrs.push(sgd.optimizer.learningRate) }),
] });
out.warmup = { lrs, final: sgd.optimizer.learningRate };

// Saving from rank 0: a distributed Adam is saved as an Adam, with its step count and slots.
const dm = build();
dm.compile({ optimizer: new hvd.DistributedOptimizer(new tn.optimizers.Adam({ learningRate: 0.01 })), loss: 'sparse_categorical_crossentropy' });
await dm.fit(xr, yr, { epochs: 1, batchSize: 4, verbose: 0, callbacks: [new hvd.callbacks.BroadcastGlobalVariablesCallback(0)] });
out.isDistributed = dm.optimizer instanceof hvd.DistributedOptimizer && !(model.optimizer instanceof hvd.DistributedOptimizer);
if (r === 0) {
  const dir = mkdtempSync(join(tmpdir(), 'tn-distributed-'));
  try {
    await dm.save(join(dir, 'model.keras'));
    const loaded = await tn.loadModel(join(dir, 'model.keras'));
    out.saved = { optimizer: loaded.optimizer.constructor.name, iterations: loaded.optimizer.iterations,
      slotsSaved: loaded.optimizer.slotsOf(loaded.trainableWeights[0]) !== undefined };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
hvd.barrier();
if (r === 0) console.log(JSON.stringify(out));
