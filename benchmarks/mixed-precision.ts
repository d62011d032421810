// Mixed precision: training throughput and test accuracy of float32 against mixed_bfloat16 (Dense and Conv2D products
// on AVX512_BF16), for the reference MNIST CNN (examples/mnist-cnn.ts) and the CIFAR-style CNN (cifar-cnn.ts).
//
//   npm run bench -- mixed-precision [--rounds=7] [--seconds=1] [--epochs=3] [--cifar-samples=4000] [--cifar-epochs=3]
//                                    [--no-accuracy] [--no-throughput] [--no-write]
//
// Throughput: the two models (same seed, same weights) train in alternating rounds, each round about --seconds of
// trainOnBatch steps per model, the order swapped every round; images/s are medians, the ratio the median of the
// rounds' ratios. Accuracy: each model trains --epochs epochs with the same seed and batch order, then is evaluated
// on the held-out images. Data: the offline MNIST split of tn.datasets.mnist (8,000 training and 2,000 test images);
// the CIFAR-style CNN reads --cifar-samples of those images (evenly spaced: the split is in digit order) zero-padded to 32x32 and repeated over 3 channels
// (CIFAR-10 itself is not available offline; fewer images and epochs because a step costs 10x the reference CNN's), and its throughput is measured on random 32x32x3 images (a step costs the same on any pixels).
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as tn from '../lib/index.js';
import { native, UnaryOp } from '../lib/native.js';
import { conv2dBfloat16Pays, conv2dGeometry } from '../lib/ops/conv.js';
import { bfloat16Pays } from '../lib/ops/matmul.js';
import { build as buildCifar } from './cifar-cnn.js';
import { helpOption, integerOption, printedHelp } from './options.js';
import { machine, writeSection } from './results.js';

const usage = 'npm run bench -- mixed-precision [--rounds=7] [--seconds=1] [--epochs=3] [--cifar-samples=4000] [--cifar-epochs=3] [--no-accuracy] [--no-throughput] [--no-write]';

function buildReference(): tn.Sequential {
  const { Conv2D, MaxPooling2D, Flatten, Dense } = tn.layers;
  const model = new tn.Sequential([
    new Conv2D(32, [3, 3], { activation: 'relu', inputShape: [28, 28, 1] }),
    new MaxPooling2D([2, 2]),
    new Flatten(),
    new Dense(128, { activation: 'relu' }),
    new Dense(10, { activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return model;
}

type Policy = 'float32' | 'mixed_bfloat16';

const NOTES = `Notes. Under mixed_bfloat16 only the products of Dense and Conv2D take bfloat16 operands, and only for the
shapes marked "yes" above; everything else in a training step (the first convolution of each model, pooling, the
elementwise ops, BatchNormalization, the loss, Adam's update of float32 variables) runs as under float32, so a
step gains at most the products' share of its time. The convolutions of both models have 32 or 64 filters, for
which im2col plus the bfloat16 GEMM is slower than the direct float32 kernels, so they stay float32; the gain comes
from the Dense layers. The machine is shared with other jobs (see the load column): a round's ratio moves by 2x
from one round to the next, and only the medians mean anything.`;

/** The model as `build` makes it under `policy`, with the weights seed 1 gives. */
function underPolicy(build: () => tn.Sequential, policy: Policy): tn.Sequential {
  tn.mixedPrecision.setGlobalPolicy(policy);
  tn.setSeed(1);
  try {
    return build();
  } finally {
    tn.mixedPrecision.setGlobalPolicy('float32');
  }
}

function median(v: number[]): number {
  const s = v.slice().sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

interface Throughput {
  name: string;
  batch: number;
  f32: number;
  bf16: number;
  ratio: number;
  ratios: number[];
  load: [number, number];
}

/** Images/s of each policy in alternating rounds. */
function throughput(name: string, build: () => tn.Sequential, x: tn.Tensor, y: tn.Tensor, batch: number, rounds: number, seconds: number): Throughput {
  const models: Record<Policy, tn.Sequential> = { float32: underPolicy(build, 'float32'), mixed_bfloat16: underPolicy(build, 'mixed_bfloat16') };
  const batches = Math.floor(x.shape[0] / batch);
  const xs = Array.from({ length: batches }, (_, i) => tn.slice(x, [i * batch], [batch]));
  const ys = Array.from({ length: batches }, (_, i) => tn.slice(y, [i * batch], [batch]));
  let cursor: Record<Policy, number> = { float32: 0, mixed_bfloat16: 0 };
  const slice = (p: Policy): number => {
    const start = process.hrtime.bigint();
    let steps = 0;
    let elapsed = 0;
    while (elapsed < seconds || steps < 2) {
      const b = cursor[p]++ % batches;
      models[p].trainOnBatch(xs[b], ys[b]);
      steps++;
      elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    }
    return (steps * batch) / elapsed;
  };
  // One untimed round each: workspaces grow and the first steps page in their memory.
  slice('float32');
  slice('mixed_bfloat16');
  cursor = { float32: 0, mixed_bfloat16: 0 };
  const f32: number[] = [];
  const bf16: number[] = [];
  const ratios: number[] = [];
  const load0 = loadavg()[0];
  for (let r = 0; r < rounds; r++) {
    const order: Policy[] = r % 2 ? ['mixed_bfloat16', 'float32'] : ['float32', 'mixed_bfloat16'];
    const got: Partial<Record<Policy, number>> = {};
    for (const p of order) got[p] = slice(p);
    f32.push(got.float32!);
    bf16.push(got.mixed_bfloat16!);
    ratios.push(got.mixed_bfloat16! / got.float32!);
    console.log(`  ${name} batch ${batch} round ${r + 1}: float32 ${got.float32!.toFixed(0)} img/s, mixed_bfloat16 ${got.mixed_bfloat16!.toFixed(0)} img/s (${(got.mixed_bfloat16! / got.float32!).toFixed(2)}x)`);
  }
  return { name, batch, f32: median(f32), bf16: median(bf16), ratio: median(ratios), ratios, load: [load0, loadavg()[0]] };
}

interface KernelRow {
  what: string;
  f32: number;
  bf16: number;
  ratio: number;
  used: boolean;
}

/**
 * The products the two models train with, alone: float32 against bfloat16 milliseconds, alternating call by call,
 * medians (the ratio is the median of the calls' ratios). `used` says whether mixed_bfloat16 takes the bfloat16 path
 * for that shape (ops/matmul.ts bfloat16Pays, ops/conv.ts conv2dBfloat16Pays).
 */
function kernels(calls: number): KernelRow[] {
  const rand = (n: number) => tn.randomUniform([n], -1, 1, 'float32', 3).data() as Float32Array;
  const time = (f: () => void) => {
    const t = process.hrtime.bigint();
    f();
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  const measure = (what: string, used: boolean, f32: () => void, bf16: () => void): KernelRow => {
    f32();
    bf16();
    const a: number[] = [], b: number[] = [], r: number[] = [];
    for (let i = 0; i < calls; i++) {
      const x = time(f32);
      const y = time(bf16);
      a.push(x);
      b.push(y);
      r.push(x / y);
    }
    const row = { what, f32: median(a), bf16: median(b), ratio: median(r), used };
    console.log(`  ${what}: float32 ${row.f32.toFixed(3)} ms, bfloat16 ${row.bf16.toFixed(3)} ms (${row.ratio.toFixed(2)}x)`);
    return row;
  };
  const rows: KernelRow[] = [];
  const gemms: [string, boolean, boolean, number, number, number][] = [
    ['Dense 5408->128 forward, batch 32', false, false, 32, 128, 5408],
    ['Dense 5408->128 input gradient, batch 32', false, true, 32, 5408, 128],
    ['Dense 5408->128 kernel gradient, batch 32', true, false, 5408, 128, 32],
    ['Dense 5408->128 forward, batch 256', false, false, 256, 128, 5408],
    ['Dense 5408->128 input gradient, batch 256', false, true, 256, 5408, 128],
    ['Dense 5408->128 kernel gradient, batch 256', true, false, 5408, 128, 256],
    ['Dense 2304->512 forward, batch 32', false, false, 32, 512, 2304],
    ['Dense 2304->512 input gradient, batch 32', false, true, 32, 2304, 512],
    ['Dense 2304->512 kernel gradient, batch 32', true, false, 2304, 512, 32],
  ];
  for (const [what, ta, tb, m, n, k] of gemms) {
    const a = rand(m * k), b = rand(k * n), c = new Float32Array(m * n);
    const lda = ta ? m : k, ldb = tb ? k : n;
    rows.push(measure(`GEMM ${what} (${m}x${n}x${k})`, bfloat16Pays(m, n, k, tb),
      () => native.gemm(ta, tb, 1, m, n, k, a, 0, lda, 0, b, 0, ldb, 0, 0, c, 0, n, 0, null, UnaryOp.linear, 0),
      () => native.gemmBf16(ta, tb, m, n, k, a, lda, b, ldb, 0, c, n, null, UnaryOp.linear, 0)));
  }
  const convs: [string, number[], number[], 'same' | 'valid'][] = [
    ['MNIST conv 3x3 1->32 on 28x28', [32, 28, 28, 1], [3, 3, 1, 32], 'valid'],
    ['CIFAR conv 3x3 32->32 on 32x32', [32, 32, 32, 32], [3, 3, 32, 32], 'valid'],
    ['CIFAR conv 3x3 32->64 on 15x15', [32, 15, 15, 32], [3, 3, 32, 64], 'same'],
    ['CIFAR conv 3x3 64->64 on 15x15', [32, 15, 15, 64], [3, 3, 64, 64], 'valid'],
    ['conv 3x3 256->256 on 8x8', [32, 8, 8, 256], [3, 3, 256, 256], 'same'],
  ];
  for (const [what, xs, ks, pad] of convs) {
    const g = conv2dGeometry(xs, ks, [1, 1], pad, [1, 1], what);
    const size = (s: number[]) => s.reduce((p, q) => p * q, 1);
    const x = rand(size(xs)), w = rand(size(ks)), dy = rand(size(g.outShape));
    const y = new Float32Array(dy.length), dx = new Float32Array(x.length), dw = new Float32Array(w.length);
    const used = conv2dBfloat16Pays(g.native);
    rows.push(measure(`conv ${what}, batch 32: forward + both gradients`, used,
      () => {
        native.conv2dForward(x, w, null, y, g.native, UnaryOp.linear, 0);
        native.conv2dBackwardInput(dy, w, dx, g.native);
        native.conv2dBackwardFilter(x, dy, dw, null, g.native);
      },
      () => {
        native.conv2dBf16Forward(x, w, null, y, g.native, UnaryOp.linear, 0);
        native.conv2dBf16BackwardInput(dy, w, dx, g.native);
        native.conv2dBf16BackwardFilter(x, dy, dw, g.native);
      }));
  }
  return rows;
}

/** Test accuracy (in %) after `epochs` epochs under each policy, same seed and batch order. */
async function accuracy(build: () => tn.Sequential, data: [[tn.Tensor, tn.Tensor], [tn.Tensor, tn.Tensor]], epochs: number, batch: number): Promise<Record<Policy, number>> {
  const [[x, y], [xt, yt]] = data;
  const out = {} as Record<Policy, number>;
  for (const p of ['float32', 'mixed_bfloat16'] as Policy[]) {
    const model = underPolicy(build, p);
    if (!model.metricsNames.includes('accuracy')) {
      model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    }
    tn.setSeed(2);
    await model.fit(x, y, { epochs, batchSize: batch, verbose: 0 });
    const logs = await model.evaluate(xt, yt, { returnDict: true, batchSize: 256 });
    out[p] = 100 * (logs.accuracy as number);
    console.log(`  accuracy ${p}: ${out[p].toFixed(2)}%`);
  }
  return out;
}

/** MNIST images as CIFAR-shaped input: zero-padded from 28x28 to 32x32, the gray channel repeated 3 times. */
function asCifar(images: tn.Tensor): tn.Tensor {
  const padded = tn.pad(images, [[0, 0], [2, 2], [2, 2], [0, 0]]);
  return tn.concat([padded, padded, padded], 3);
}

export async function main(argv: string[] = process.argv.slice(2), command?: string): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: { type: 'string' }, seconds: { type: 'string' }, epochs: { type: 'string' }, 'cifar-samples': { type: 'string' }, 'cifar-epochs': { type: 'string' },
      'no-accuracy': { type: 'boolean' }, 'no-throughput': { type: 'boolean' }, 'no-write': { type: 'boolean' }, ...helpOption,
    },
  });
  if (printedHelp(values, usage)) return;
  const rounds = integerOption('mixed-precision', 'rounds', values.rounds, 7, 1);
  const seconds = integerOption('mixed-precision', 'seconds', values.seconds, 1, 1);
  const epochs = integerOption('mixed-precision', 'epochs', values.epochs, 3, 1);
  const cifarSamples = integerOption('mixed-precision', 'cifar-samples', values['cifar-samples'], 4000, 32);
  const cifarEpochs = integerOption('mixed-precision', 'cifar-epochs', values['cifar-epochs'], 3, 1);
  const info = tn.backendInfo();
  if (!info.avx512Bf16) console.log('  note: no AVX512_BF16 on the active path; mixed_bfloat16 computes in float32 here');
  const mnist = await tn.datasets.mnist.loadData();
  const [[xTrain, yTrain]] = mnist;
  const cifarX = tn.randomUniform([2048, 32, 32, 3], 0, 1, 'float32', 1);
  const cifarY = tn.tensor(Array.from({ length: 2048 }, (_, i) => (i * 7) % 10), [2048], 'int32');
  const timed = !values['no-throughput'];
  const kernelRows = info.avx512Bf16 && timed ? kernels(rounds * 4 + 1) : [];
  const rows: Throughput[] = !timed ? [] : [
    throughput('reference CNN (MNIST)', buildReference, xTrain, yTrain, 32, rounds, seconds),
    throughput('reference CNN (MNIST)', buildReference, xTrain, yTrain, 256, rounds, seconds),
    throughput('CIFAR-style CNN', buildCifar, cifarX, cifarY, 32, rounds, seconds),
  ];
  let acc: { name: string; a: Record<Policy, number> }[] = [];
  if (!values['no-accuracy']) {
    const [[xt, yt], [xv, yv]] = mnist;
    const step = Math.max(1, Math.floor(xt.shape[0] / cifarSamples));
    const picked = tn.tensor(Int32Array.from({ length: Math.min(cifarSamples, xt.shape[0]) }, (_, i) => i * step));
    acc = [
      { name: `reference CNN, MNIST, ${epochs} epochs, batch 32`, a: await accuracy(buildReference, mnist, epochs, 32) },
      {
        name: `CIFAR-style CNN, ${cifarSamples} MNIST training images padded to 32x32x3, ${cifarEpochs} epochs, batch 32`,
        a: await accuracy(buildCifar, [[asCifar(tn.gather(xt, picked)), tn.gather(yt, picked)], [asCifar(xv), yv]], cifarEpochs, 32),
      },
    ];
  }
  const m = machine();
  const lines = [
    `Command: \`${command ?? `npx tsx benchmarks/mixed-precision.ts ${argv.join(' ')}`.trim()}\``,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.backend}, AVX512_BF16 ${info.avx512Bf16 ? 'on' : 'off'}, Node ${m.node}.`,
    '',
    `Training throughput, float32 against mixed_bfloat16 (same weights), ${rounds} alternating rounds of about ${seconds} s per model, medians:`,
    '',
    '| model | batch | float32 img/s | mixed_bfloat16 img/s | ratio (median of rounds) | rounds\' ratios | load (1-min avg, start..end) |',
    '|---|---:|---:|---:|---:|---|---|',
    ...rows.map((r) => `| ${r.name} | ${r.batch} | ${r.f32.toFixed(0)} | ${r.bf16.toFixed(0)} | ${r.ratio.toFixed(2)}x | ${r.ratios.map((v) => v.toFixed(2)).join(' ')} | ${r.load[0].toFixed(1)}..${r.load[1].toFixed(1)} |`),
  ];
  if (kernelRows.length) {
    lines.push('', `The products alone (the kernels mixed_bfloat16 chooses between), ${rounds * 4 + 1} alternating calls each, medians, 2 threads:`, '',
      '| product | float32 ms | bfloat16 ms | speed-up (median of ratios) | bfloat16 under the policy |', '|---|---:|---:|---:|---|',
      ...kernelRows.map((r) => `| ${r.what} | ${r.f32.toFixed(3)} | ${r.bf16.toFixed(3)} | ${r.ratio.toFixed(2)}x | ${r.used ? 'yes' : 'no (float32)'} |`));
  }
  if (acc.length) {
    lines.push('', 'Test accuracy on the 2,000 held-out MNIST images (one image is 0.05 points), same seed and batch order:', '',
      '| model and data | float32 | mixed_bfloat16 | difference (points) |', '|---|---:|---:|---:|',
      ...acc.map((r) => `| ${r.name} | ${r.a.float32.toFixed(2)}% | ${r.a.mixed_bfloat16.toFixed(2)}% | ${(r.a.mixed_bfloat16 - r.a.float32).toFixed(2)} |`));
  }
  lines.push('', NOTES);
  const body = lines.join('\n');
  console.log(body);
  if (!values['no-write']) writeSection('Mixed precision (bfloat16)', body);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
