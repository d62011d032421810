// Run under mpirun by test/distributed/mpi.test.ts: a failure on one rank must end every rank with a clear error,
// never leave the others waiting. argv: 'throw' (rank 1 throws in the middle of training), 'mismatch' (the ranks
// allreduce tensors of different shapes), 'model' (rank 1's model differs, so the gradient buckets do).
import { tsImport } from 'tsx/esm/api';

const tn = await tsImport('../../../lib/index.ts', import.meta.url);
const hvd = tn.distributed;
hvd.init();
const r = hvd.rank();
const mode = process.argv[2];

if (mode === 'mismatch') {
  hvd.allreduce(tn.zeros([2, r === 1 ? 5 : 3]), { name: 'activations' });
}
const model = tn.sequential({ layers: [tn.layers.dense({ units: mode === 'model' && r === 1 ? 5 : 4, inputShape: [3] }), tn.layers.dense({ units: 1 })] });
model.compile({ optimizer: new hvd.DistributedOptimizer(new tn.optimizers.SGD()), loss: 'mse' });
const x = tn.randomNormal([64, 3]);
const y = tn.randomNormal([64, 1]);
await model.fit(x, y, { epochs: 1000, batchSize: 4, verbose: 0, callbacks: [
  new tn.LambdaCallback({ onBatchEnd: (batch) => {
    if (mode === 'throw' && r === 1 && batch === 3) throw new Error('out of disk space on rank 1 (a rank-local failure)');
  } }),
] });
