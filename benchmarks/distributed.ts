// tn.distributed on one machine: training images/s of the reference CNN (examples/mnist-cnn.ts) and the CIFAR-style
// CNN (cifar-cnn.ts) on 1 process x 2 threads, 2 processes x 1 thread over shared memory and 2 processes over TCP on
// loopback, at the same global batch; and allreduce time for 1 KiB-64 MiB against Open MPI's own MPI_Allreduce in a
// C program (benchmarks/allreduce.c, built here with mpicc into a temporary directory). Configurations alternate
// round by round; figures are medians. Writes the "Distributed" section of RESULTS.md with a scaling model past one
// machine built from the measured parts.
//
//   npx tsx benchmarks/distributed.ts [--rounds=3] [--steps=30] [--no-write]     (or npm run bench -- distributed)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { helpOption, integerOption, printedHelp } from './options.js';
import { machine, writeSection } from './results.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const worker = join(here, 'distributed-worker.ts');

const transports = {
  shm: ['--mca', 'pml', 'ob1', '--mca', 'btl', 'vader,self'],
  tcp: ['--mca', 'pml', 'ob1', '--mca', 'btl', 'tcp,self', '--mca', 'btl_tcp_if_include', 'lo'],
};
const mpirunBase = ['--allow-run-as-root', '--oversubscribe', '--bind-to', 'none', '--timeout', '600'];
const sizes = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536].map((k) => k * 1024);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// The workers choose their threads (init's default: the cores shared among the ranks on the host).
const env = { ...process.env };
delete env.OMP_NUM_THREADS;

function run(command: string, args: string[]): Record<string, number>[] {
  const r = spawnSync(command, args, { cwd: root, encoding: 'utf8', timeout: 900_000, env });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, number>);
}

const node = [process.execPath, '--import', 'tsx', worker];
const configs = [
  { label: '1 process x 2 threads', run: (args: string[]) => run(node[0], [...node.slice(1), ...args, '--threads=2']) },
  { label: '2 processes x 1 thread, shared memory', run: (args: string[]) => run('mpirun', [...mpirunBase, ...transports.shm, '-np', '2', ...node, ...args, '--mpi']) },
  { label: '2 processes x 1 thread, TCP on loopback', run: (args: string[]) => run('mpirun', [...mpirunBase, ...transports.tcp, '-np', '2', ...node, ...args, '--mpi']) },
];

const fmtInt = (x: number) => Math.round(x).toLocaleString('en-US');
const fmtBytes = (b: number) => (b >= 1 << 20 ? `${b / (1 << 20)} MiB` : `${b / 1024} KiB`);
const fmtTime = (s: number) => (s < 1e-3 ? `${(s * 1e6).toFixed(1)} us` : `${(s * 1e3).toFixed(2)} ms`);

export async function main(argv: string[] = process.argv.slice(2), command?: string): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { ...helpOption, rounds: { type: 'string' }, steps: { type: 'string' }, 'no-write': { type: 'boolean' } } });
  if (printedHelp(values, 'npx tsx benchmarks/distributed.ts [--rounds=3] [--steps=30] [--no-write]')) return;
  const rounds = integerOption('distributed', 'rounds', values.rounds, 3, 1);
  const steps = integerOption('distributed', 'steps', values.steps, 30, 1);
  const cmd = command ?? `npx tsx benchmarks/distributed.ts${argv.length ? ' ' + argv.join(' ') : ''}`;
  for (const tool of ['mpirun', 'mpicc']) {
    if (spawnSync(tool, ['--version'], { encoding: 'utf8' }).status !== 0) throw new Error(`distributed: ${tool} was not found; install Open MPI (apt-get install libopenmpi-dev openmpi-bin) and rebuild (npm run build:native)`);
  }
  const m = machine();
  const started = new Date();
  const t0 = performance.now();

  // Training throughput: each round runs every configuration once, in turn.
  const models = [
    { name: 'mnist', title: 'reference CNN (MNIST, 28x28x1)' },
    { name: 'cifar', title: 'CIFAR-style CNN (32x32x3)' },
  ];
  const training = new Map<string, Record<string, number>[]>();
  for (let round = 0; round < rounds; round++) {
    for (const model of models) {
      for (const c of configs) {
        const [res] = c.run(['train', model.name, '32', String(steps)]);
        const key = `${model.name}|${c.label}`;
        training.set(key, [...(training.get(key) ?? []), res]);
        console.log(`round ${round + 1}/${rounds} ${model.name}, ${c.label}: ${fmtInt(res.imagesPerSecond)} images/s (step ${res.stepMs.toFixed(1)} ms, gradient reduction ${res.allreduceMs.toFixed(2)} ms)`);
      }
    }
  }

  // Allreduce: the C baseline and tn.distributed.allreduce, over each transport.
  const dir = mkdtempSync(join(tmpdir(), 'tn-allreduce-'));
  const exe = join(dir, 'allreduce');
  const built = spawnSync('mpicc', ['-O2', '-o', exe, join(here, 'allreduce.c')], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`distributed: mpicc failed:\n${built.stderr}`);
  // Rounds alternate the C program and the JavaScript worker on each transport; each figure is the median over rounds
  // of the runs' medians, and each ratio the median of the per-round ratios (a load spike hits one round, not all).
  type Row = { bytes: number; seconds: number; binding?: number };
  const bandwidth: Record<string, { c: Row[][]; tn: Row[][] }> = {};
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [name, options] of Object.entries(transports)) {
        const c = run('mpirun', [...mpirunBase, ...options, '-np', '2', exe, ...sizes.map(String)]) as Row[];
        const tn = run('mpirun', [...mpirunBase, ...options, '-np', '2', ...node, 'allreduce', ...sizes.map(String)]) as Row[];
        bandwidth[name] ??= { c: [], tn: [] };
        bandwidth[name].c.push(c);
        bandwidth[name].tn.push(tn);
        c.forEach((row, i) => console.log(`round ${round + 1}/${rounds} allreduce ${name} ${fmtBytes(row.bytes)}: MPI_Allreduce ${fmtTime(row.seconds)}, binding ${fmtTime(tn[i].binding!)}, tn.distributed ${fmtTime(tn[i].seconds)}`));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const minutes = (performance.now() - t0) / 60_000;

  const trainRows = models.flatMap((model) => {
    const base = median(training.get(`${model.name}|${configs[0].label}`)!.map((r) => r.imagesPerSecond));
    return configs.map((c) => {
      const rs = training.get(`${model.name}|${c.label}`)!;
      const ips = median(rs.map((r) => r.imagesPerSecond));
      const ar = median(rs.map((r) => r.allreduceMs));
      return `| ${model.title} | ${c.label} | ${fmtInt(ips)} | ${median(rs.map((r) => r.stepMs)).toFixed(1)} | ${c.label.startsWith('1 ') ? '-' : ar.toFixed(2)} | ${(ips / base).toFixed(2)}x |`;
    });
  });
  const arRows = sizes.map((bytes, i) => {
    const cells = Object.keys(transports).flatMap((t) => {
      const { c: cs, tn: ts } = bandwidth[t];
      const c = median(cs.map((r) => r[i].seconds));
      const binding = median(cs.map((r, k) => ts[k][i].binding! / r[i].seconds));
      const ours = median(cs.map((r, k) => ts[k][i].seconds / r[i].seconds));
      return [fmtTime(c), `${((bytes / c) / 1e9).toFixed(2)}`, `${binding.toFixed(2)}x`, `${ours.toFixed(2)}x`];
    });
    return `| ${fmtBytes(bytes)} | ${cells.join(' | ')} |`;
  });

  // The scaling model: a step is compute, then (no overlap, see lib/distributed/optimizer.ts) one ring allreduce of
  // every gradient: 2 (N - 1) / N * bytes over the slowest link, plus 2 (N - 1) latencies.
  const params = (name: string) => training.get(`${name}|${configs[1].label}`)![0].params;
  const computeMs = (name: string) => {
    const rs = training.get(`${name}|${configs[1].label}`)!;
    return median(rs.map((r) => r.stepMs - r.allreduceMs));
  };
  const links = [['10 GbE', 1.1e9, 30e-6], ['25 GbE', 2.8e9, 20e-6], ['100 Gb/s InfiniBand', 11e9, 3e-6]] as const;
  // The MNIST CNN section's quiet-machine figure on this machine (8,145 images/s at batch 32 on 2 threads), as the
  // compute of 16 images on 1 thread: loaded runs above inflate compute and so flatter the efficiency.
  const quietMnistMs = (16 / (8145 / 2)) * 1000;
  const efficiency = (name: string, nodes: number, bw: number, lat: number, compute = computeMs(name)) => {
    const bytes = params(name) * 4;
    const comm = ((2 * (nodes - 1)) / nodes) * (bytes / bw) + 2 * (nodes - 1) * lat;
    return compute / 1000 / (compute / 1000 + comm);
  };
  const row = (title: string, name: string, compute?: number) => links.map(([link, bw, lat]) =>
    `| ${title} | ${link} | ${[2, 4, 8, 16].map((n) => `${(100 * efficiency(name, n, bw, lat, compute)).toFixed(0)}%`).join(' | ')} |`);
  const modelRows = [
    ...models.flatMap((model) => row(`${model.title}, compute as measured here`, model.name)),
    ...row(`reference CNN, quiet-machine compute (${quietMnistMs.toFixed(1)} ms)`, 'mnist', quietMnistMs),
  ];

  const body = `Measured ${started.toISOString().replace(/\.\d+Z$/, 'Z')} with \`${cmd}\` (${minutes.toFixed(1)} min).

- Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB; Node ${m.node}; ${m.backend.replace(/threads=\d+, /, '')}; load average ${m.loadAverage.toFixed(2)} at the start.
  **The machine is shared with other agents' jobs** (builds, tests, benchmarks): two processes on two cores compete
  with them, so the figures move from run to run more than usual; configurations alternate round by round, and the
  ratios are taken within this one run.
- MPI: ${spawnSync('mpirun', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]} from Debian; \`mpirun ${mpirunBase.join(' ')}\`, with
  \`${transports.shm.join(' ')}\` (shared memory) or \`${transports.tcp.join(' ')}\` (TCP on loopback).
- Training: random images (a step costs the same on any pixels), Adam, global batch 32 (16 per rank on 2 ranks, each
  rank through \`new hvd.DistributedOptimizer(adam)\`), \`trainOnBatch\` timed per step after 3 warm-up steps, ${steps}
  steps per run, ${rounds} rounds; the worker is benchmarks/distributed-worker.ts. "Gradient reduction" is the part of
  the step DistributedOptimizer spent averaging the gradients (its \`lastReduceMs\`: packing, the shape agreement and
  one MPI_Allreduce of the fused bucket; rank 0's median), waiting for the slower rank included.

| model | configuration | images/s | step, ms | gradient reduction, ms | vs 1 process x 2 threads |
| --- | --- | ---: | ---: | ---: | ---: |
${trainRows.join('\n')}

On a loaded machine one process with 2 OpenMP threads suffers most: each parallel kernel ends when its slowest thread
does, so one descheduled thread stalls the step, while two single-thread processes meet only once per step (in the
reduction, which is why it includes waiting). How the three compare on a quiet machine this run cannot say.

Allreduce of a float32 buffer (sum) on 2 ranks, median time per call between barriers (${rounds} rounds, alternating,
median of rounds; ratios: median of the per-round ratios): Open MPI's \`MPI_Allreduce\`
from C (benchmarks/allreduce.c, in place, nothing around it); the binding's call from JavaScript (in place, as
DistributedOptimizer reduces a bucket); and \`tn.distributed.allreduce(tensor, { op: 'sum' })\`, which adds the shape
agreement (a small allgather of every rank's header: one more synchronisation), a copy of the input and the result
tensor. GB/s = bytes / time of the C call; the ratios are times over the C call's (1.00x: no overhead).

| size | shm: MPI_Allreduce | shm: GB/s | shm: binding / C | shm: tn.distributed / C | tcp: MPI_Allreduce | tcp: GB/s | tcp: binding / C | tcp: tn.distributed / C |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${arRows.join('\n')}

The binding's call costs what the C call does, within this machine's noise (a ratio below 1.00x is the load hitting
the C run, not a faster path). tn.distributed.allreduce adds its agreement, a second latency-bound collective, and
two copies, which dominate small tensors. DistributedOptimizer pays the binding's call plus one agreement per bucket
(one bucket per step for these models).

### Scaling past one machine (a model, not a measurement)

One step on N machines = the compute of one rank's share of the global batch, then one ring allreduce of every
gradient (DistributedOptimizer does not overlap the two; lib/distributed/optimizer.ts says why): 2 (N - 1) / N x
bytes / link bandwidth + 2 (N - 1) x link latency. With the batch per rank held at 16 (weak scaling: the global batch
grows with N), the compute per step stays what it is here on one process x 1 thread: ${computeMs('mnist').toFixed(1)} ms for the
reference CNN (${fmtInt(params('mnist'))} parameters, ${(params('mnist') * 4 / 2 ** 20).toFixed(2)} MiB of gradients per step) and
${computeMs('cifar').toFixed(1)} ms for the CIFAR-style CNN (${fmtInt(params('cifar'))} parameters,
${(params('cifar') * 4 / 2 ** 20).toFixed(2)} MiB), measured above as rank 0's step time minus its gradient reduction on 2 ranks over shared memory (its own
compute; a wait for the slower rank counts as reduction). The links
are assumed at typical achieved figures (10 GbE 1.1 GB/s and 30 us, 25 GbE 2.8 GB/s and 20 us, InfiniBand EDR 11 GB/s
and 3 us), since only loopback could be measured; as the binding adds nothing measurable to MPI_Allreduce (above),
the link sets the cost. Efficiency = compute / (compute + allreduce):

| model | link | 2 machines | 4 machines | 8 machines | 16 machines |
| --- | --- | ---: | ---: | ---: | ---: |
${modelRows.join('\n')}

The measured compute above comes from a loaded machine and is several times what a quiet one needs; the last rows
use the quiet-machine compute of the reference CNN instead (16 images on 1 thread at the MNIST CNN section's 8,145
images/s on 2 threads), closer to what a dedicated cluster would see. These models are small and fast per step,
which is the hard case: the gradient bytes per step are fixed by the model while the compute per step is a few
milliseconds, so a slow link dominates. Larger batches per rank (more compute per
byte) or bigger convolutional trunks (compute grows faster than parameters) scale better; a step's
compute must be several times the allreduce time for efficiency above 80%.`;
  console.log(`\n## Distributed\n\n${body}`);
  if (!values['no-write']) writeSection('Distributed', body);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
