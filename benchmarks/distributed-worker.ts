// The processes benchmarks/distributed.ts starts (alone, or under mpirun). Rank 0 prints one JSON line.
//   train <mnist|cifar> <globalBatch> <steps> [--mpi] [--threads=N]   images/s of training steps at a global batch
//   allreduce <bytes> [<bytes> ...]                                    median seconds of tn.distributed.allreduce
import * as tn from '../lib/index.js';
import { mpiBindings } from '../lib/native.js';

const hvd = tn.distributed;

function model(name: string): tn.Sequential {
  const { Conv2D, BatchNormalization, MaxPooling2D, Dropout, Flatten, Dense } = tn.layers;
  // The reference program's CNN (examples/mnist-cnn.ts) and benchmarks/cifar-cnn.ts's model.
  return name === 'mnist'
    ? new tn.Sequential([
        new Conv2D(32, [3, 3], { activation: 'relu', inputShape: [28, 28, 1] }),
        new MaxPooling2D([2, 2]),
        new Flatten(),
        new Dense(128, { activation: 'relu' }),
        new Dense(10, { activation: 'softmax' }),
      ])
    : new tn.Sequential([
        new Conv2D(32, 3, { padding: 'same', activation: 'relu', inputShape: [32, 32, 3] }),
        new BatchNormalization(),
        new Conv2D(32, 3, { activation: 'relu' }),
        new MaxPooling2D(2),
        new Dropout(0.25),
        new Conv2D(64, 3, { padding: 'same', activation: 'relu' }),
        new BatchNormalization(),
        new Conv2D(64, 3, { activation: 'relu' }),
        new MaxPooling2D(2),
        new Dropout(0.25),
        new Flatten(),
        new Dense(512, { activation: 'relu' }),
        new Dropout(0.5),
        new Dense(10, { activation: 'softmax' }),
      ]);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const repetitions = (bytes: number) => Math.max(5, Math.min(200, Math.floor(200_000_000 / (bytes + 20_000))));

async function train(args: string[]): Promise<void> {
  const [name, batchArg, stepsArg] = args;
  const useMpi = args.includes('--mpi');
  const threads = args.find((a) => a.startsWith('--threads='));
  if (useMpi) hvd.init();
  if (threads) tn.setNumThreads(Number(threads.slice('--threads='.length)));
  const size = useMpi ? hvd.size() : 1;
  const rank = useMpi ? hvd.rank() : 0;
  const globalBatch = Number(batchArg);
  const steps = Number(stepsArg);
  const local = globalBatch / size;
  tn.setSeed(1);
  const m = model(name);
  const optimizer = new tn.optimizers.Adam();
  m.compile({ optimizer: useMpi ? new hvd.DistributedOptimizer(optimizer) : optimizer, loss: 'sparse_categorical_crossentropy' });
  const shape = name === 'mnist' ? [28, 28, 1] : [32, 32, 3];
  const x = tn.randomUniform([local, ...shape], 0, 1, 'float32', 2 + rank);
  const y = tn.tensor(Array.from({ length: local }, (_, i) => (i * 7 + rank) % 10), [local], 'int32');
  for (let i = 0; i < 3; i++) m.trainOnBatch(x, y);
  const times: number[] = [];
  const reduce: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    m.trainOnBatch(x, y);
    times.push(performance.now() - t0);
    // The step's gradient reduction, as DistributedOptimizer timed it (one fused bucket: the models are under 64 MiB).
    if (useMpi) reduce.push((m.optimizer as tn.distributed.DistributedOptimizer).lastReduceMs);
  }
  const params = m.trainableWeights.reduce((s, v) => s + v.size, 0);
  const allreduceMs = useMpi ? median(reduce) : 0;
  const stepMs = median(times);
  if (rank === 0) {
    console.log(JSON.stringify({ model: name, size, threads: tn.backendInfo().threads, globalBatch, steps, params, stepMs, allreduceMs,
      imagesPerSecond: (globalBatch * 1000) / stepMs }));
  }
}

// Per size: the raw binding call (in place, what DistributedOptimizer does per bucket, without its agreement) and
// tn.distributed.allreduce (agreement, copy, result tensor), each timed between barriers like benchmarks/allreduce.c.
function allreduce(args: string[]): void {
  hvd.init();
  const mpi = mpiBindings();
  const timed = (reps: number, call: () => void) => {
    call();
    const times: number[] = [];
    for (let r = 0; r < reps; r++) {
      mpi.barrier();
      const t0 = performance.now();
      call();
      times.push((performance.now() - t0) / 1000);
    }
    return median(times);
  };
  for (const bytes of args.map(Number)) {
    const t = tn.fill([bytes / 4], 1);
    const raw = new Float32Array(bytes / 4).fill(1);
    const reps = repetitions(bytes);
    const binding = timed(reps, () => mpi.allreduce(raw, 0, 1));
    const seconds = timed(reps, () => hvd.allreduce(t, { op: 'sum', name: 'bandwidth' }));
    if (hvd.rank() === 0) console.log(JSON.stringify({ bytes, binding, seconds, reps }));
  }
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'train') await train(rest);
else if (mode === 'allreduce') allreduce(rest);
else throw new Error(`distributed-worker: unknown mode ${JSON.stringify(mode)}; expected train or allreduce`);
