// Run under mpirun by test/distributed/mpi.test.ts, twice: BackupAndRestore on rank 0 only. argv: 'fail' (rank 0 dies
// at the start of epoch 2, after the backup of epoch 1) or 'resume' (every rank must continue at epoch 2, from rank
// 0's restored state), then the backup folder.
import { tsImport } from 'tsx/esm/api';

const tn = await tsImport('../../../lib/index.ts', import.meta.url);
const hvd = tn.distributed;
hvd.init();
const [phase, dir] = process.argv.slice(2);
tn.setSeed(5 + hvd.rank());
const model = tn.sequential({ layers: [tn.layers.dense({ units: 8, activation: 'relu', inputShape: [4] }), tn.layers.dense({ units: 1 })] });
model.compile({ optimizer: new hvd.DistributedOptimizer(new tn.optimizers.Adam({ learningRate: 0.01 })), loss: 'mse' });
const x = hvd.shard(tn.randomNormal([64, 4], 0, 1, 'float32', 3));
const y = hvd.shard(tn.randomNormal([64, 1], 0, 1, 'float32', 4));
const epochs = [];
await model.fit(x, y, { epochs: 4, batchSize: 8, verbose: 0, callbacks: [
  ...(hvd.rank() === 0 ? [new tn.BackupAndRestore(dir)] : []),
  new hvd.callbacks.BroadcastGlobalVariablesCallback(0),
  new tn.LambdaCallback({ onEpochBegin: (epoch) => {
    if (phase === 'fail' && epoch === 2 && hvd.rank() === 0) throw new Error('simulated crash of rank 0 at epoch 2');
    epochs.push(epoch);
  } }),
] });
const firstWeights = hvd.allgather(tn.reshape(model.weights[0], [1, -1])).arraySync();
const same = firstWeights.every((w) => JSON.stringify(w) === JSON.stringify(firstWeights[0]));
const allEpochs = hvd.allgather(tn.tensor([epochs], [1, epochs.length], 'int32')).arraySync();
if (hvd.rank() === 0) console.log(JSON.stringify({ epochs: allEpochs, sameWeights: same, iterations: model.optimizer.iterations }));
