// Off the event loop: the main thread's event-loop delay (perf_hooks.monitorEventLoopDelay, 1 ms resolution) while
// the reference MNIST CNN trains in-thread and with fit({ worker: true }), and while predict and predictAsync run on
// 2,000 test images; and training images/s on the worker against in-thread. The ways of training take turns round by round
// (medians), each round training a fresh model from the same seed for one epoch.
// Run: npm run bench -- worker [--samples=6400] [--rounds=5] [--no-write]   (or npx tsx benchmarks/worker.ts)
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as tn from 'tensornode';
import { helpOption, integerOption, printedHelp } from './options.js';
import { machine, writeSection } from './results.js';

const usage = 'npm run bench -- worker [--samples=6400] [--rounds=5] [--batch-size=32] [--epochs=1] [--no-write]';

/** The reference MNIST CNN, seeded and compiled with Adam (the soak suite trains it too). */
export function cnn(): tn.Sequential {
  tn.setSeed(1);
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

/** A batch hook that does nothing, in a Callback subclass (which may read the weights, so they cross each batch). */
class BatchHook extends tn.Callback {
  override onBatchEnd(): void {}
}

interface Delay {
  p50: number;
  p99: number;
  max: number;
}

/** Runs `f` with the event-loop delay histogram on from `begin()` until `f` resolves; milliseconds. */
async function withDelay(f: (begin: () => void) => Promise<unknown>): Promise<{ delay: Delay; ms: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  let start = 0;
  const begin = () => {
    h.reset();
    h.enable();
    start = performance.now();
  };
  await f(begin);
  const ms = performance.now() - start;
  h.disable();
  return { delay: { p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6 }, ms };
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const medianDelay = (v: Delay[]): Delay => ({ p50: median(v.map((d) => d.p50)), p99: median(v.map((d) => d.p99)), max: median(v.map((d) => d.max)) });
const f1 = (v: number) => v.toFixed(1);

export async function main(argv: string[] = process.argv.slice(2), command?: string): Promise<string> {
  const { values } = parseArgs({ args: argv, options: { samples: { type: 'string' }, rounds: { type: 'string' }, epochs: { type: 'string' }, 'batch-size': { type: 'string' }, 'no-write': { type: 'boolean' }, ...helpOption } });
  if (printedHelp(values, usage)) return '';
  const samples = integerOption('worker', 'samples', values.samples, 6400, 32);
  const rounds = integerOption('worker', 'rounds', values.rounds, 5, 1);
  // A fit's first epochs on a new worker are slower (a fresh isolate: its JIT and buffers warm up); with --epochs=N
  // each run trains N epochs and the images/s are the last epoch's, the rate a longer fit settles at.
  const epochs = integerOption('worker', 'epochs', values.epochs, 1, 1);
  const batchSize = integerOption('worker', 'batch-size', values['batch-size'], 32, 1);
  const cmd = command ?? `npx tsx benchmarks/worker.ts${argv.length ? ' ' + argv.join(' ') : ''}`;
  const started = new Date();
  const [[trainImages, trainLabels], [testImages]] = await tn.datasets.mnist.loadData();
  const x = tn.slice(trainImages, [0, 0, 0, 0], [samples, 28, 28, 1]);
  const y = tn.slice(trainLabels, [0], [samples]);
  const test = testImages;

  const idle = await withDelay(async (begin) => {
    begin();
    await new Promise((r) => setTimeout(r, 2000));
  });
  // Warm-up: the first runs of a process are slower (buffer pool, JIT), and predictAsync's shared worker starts on
  // its first call. Starting it first also puts libgomp in the state it keeps from then on: with the worker's
  // OpenMP team beside this thread's it manages more threads than there are CPUs and throttles its spin-wait,
  // which on a loaded machine makes this thread's kernels faster too (see the notes in RESULTS.md).
  await cnn().predictAsync(tn.slice(test, [0, 0, 0, 0], [1, 28, 28, 1]));
  const warm = cnn();
  warm.predict(test);
  await warm.fit(x, y, { epochs: 1, batchSize, verbose: 0, stepsPerEpoch: 20 });
  type FitMode = 'in' | 'worker' | 'worker1' | 'lambda' | 'subclass';
  const fitModes: FitMode[] = ['in', 'worker', 'worker1', 'lambda', 'subclass'];
  const fits = Object.fromEntries(fitModes.map((m) => [m, { delay: [] as Delay[], rate: [] as number[], wall: [] as number[] }])) as Record<FitMode, { delay: Delay[]; rate: number[]; wall: number[] }>;
  const label = { in: 'in-thread', worker: 'worker', worker1: 'worker, 1 kernel thread', lambda: 'worker, LambdaCallback onBatchEnd', subclass: 'worker, Callback subclass onBatchEnd' };
  const predicts: Record<'sync' | 'async', { delay: Delay[]; ms: number[] }> = { sync: { delay: [], ms: [] }, async: { delay: [], ms: [] } };
  for (let r = 0; r < rounds; r++) {
    for (const mode of [...fitModes.slice(r % fitModes.length), ...fitModes.slice(0, r % fitModes.length)]) {
      const model = cnn();
      const t0 = performance.now();
      let start = 0;
      let end = 0;
      const { delay } = await withDelay(async (begin) => {
        // The epoch alone: the worker's start (and the model's and data's crossing) is in the run time only.
        const timing = new tn.LambdaCallback({ onEpochBegin: (epoch: number) => { if (epoch === 0) begin(); start = performance.now(); }, onEpochEnd: () => void (end = performance.now()) });
        // A batch hook makes every batch a round trip between the threads; a Callback subclass's also carries the
        // weights and optimizer slots both ways.
        const perBatch = mode === 'lambda' ? [new tn.LambdaCallback({ onBatchEnd: () => undefined })] : mode === 'subclass' ? [new BatchHook()] : [];
        await model.fit(x, y, { epochs, batchSize, verbose: 0, callbacks: [timing, ...perBatch], worker: mode === 'in' ? false : mode === 'worker1' ? { threads: 1 } : true });
      });
      const wall = performance.now() - t0;
      const epochMs = end - start;
      fits[mode].delay.push(delay);
      fits[mode].rate.push(samples / (epochMs / 1000));
      fits[mode].wall.push(wall);
      console.log(`round ${r + 1} fit ${label[mode]}: ${f1(samples / (epochMs / 1000))} images/s, wall ${(wall / 1000).toFixed(2)} s, event-loop delay p50 ${f1(delay.p50)} p99 ${f1(delay.p99)} max ${f1(delay.max)} ms`);
    }
    const model = cnn();
    for (const mode of r % 2 === 0 ? (['sync', 'async'] as const) : (['async', 'sync'] as const)) {
      const { delay, ms } = await withDelay(async (begin) => {
        begin();
        // A timer tick before the call, so a synchronous predict shows up as one long delay.
        await new Promise((res) => setTimeout(res, 5));
        if (mode === 'sync') model.predict(test);
        else await model.predictAsync(test);
        await new Promise((res) => setTimeout(res, 5));
      });
      predicts[mode].delay.push(delay);
      predicts[mode].ms.push(ms);
      console.log(`round ${r + 1} ${mode === 'sync' ? 'predict' : 'predictAsync'}: ${f1(ms)} ms, event-loop delay p50 ${f1(delay.p50)} p99 ${f1(delay.p99)} max ${f1(delay.max)} ms`);
    }
  }
  const info = tn.backendInfo();
  const row = (label: string, d: Delay, extra: string) => `| ${label} | ${f1(d.p50)} | ${f1(d.p99)} | ${f1(d.max)} | ${extra} |`;
  const rateIn = median(fits.in.rate);
  const rateWorker = median(fits.worker.rate);
  // Ratios of the runs of one round (next to each other in time), then their median: steadier than a ratio of
  // medians when the machine's load drifts.
  const paired = (mode: FitMode) => median(fits[mode].rate.map((v, i) => v / fits.in.rate[i]));
  const steps = Math.ceil(samples / batchSize);
  const perBatch = (mode: FitMode) => median(fits[mode].rate.map((v, i) => ((samples / v - samples / fits.worker.rate[i]) * 1000) / steps));
  const lines = [
    `Reference MNIST CNN, ${samples} training images, batch ${batchSize}, ${epochs === 1 ? 'one epoch per run' : `${epochs} epochs per run (images/s of the last)`}, ${rounds} rounds, the five ways of training in rotating order (medians); ${info.isa}, ${info.threads} threads (the worker's too). Event-loop delay of the main thread in ms (monitorEventLoopDelay, resolution 1 ms: an idle loop reads about 1 ms).`,
    '',
    '| main thread while | delay p50 | p99 | max | work |',
    '| --- | ---: | ---: | ---: | --- |',
    row('idle (2 s)', idle.delay, '-'),
    row('fit, in-thread', medianDelay(fits.in.delay), `${f1(rateIn)} images/s; run ${(median(fits.in.wall) / 1000).toFixed(2)} s`),
    row('fit({ worker: true })', medianDelay(fits.worker.delay), `${f1(rateWorker)} images/s (paired ratio to in-thread ${f1(100 * paired('worker'))}%); run ${(median(fits.worker.wall) / 1000).toFixed(2)} s with the worker's start`),
    row('fit({ worker: { threads: 1 } })', medianDelay(fits.worker1.delay), `${f1(median(fits.worker1.rate))} images/s (paired ratio to in-thread ${f1(100 * paired('worker1'))}%): a core left to this thread`),
    ...(['lambda', 'subclass'] as const).map((m) => row(`fit({ worker: true }), ${m === 'lambda' ? 'a LambdaCallback' : 'a Callback subclass'} with onBatchEnd`, medianDelay(fits[m].delay), `${f1(median(fits[m].rate))} images/s (paired ratio to in-thread ${f1(100 * paired(m))}%; ${perBatch(m).toFixed(2)} ms more per batch than the worker without)`)),
    row('predict, 2,000 images', medianDelay(predicts.sync.delay), `${f1(median(predicts.sync.ms))} ms`),
    row('predictAsync, 2,000 images', medianDelay(predicts.async.delay), `${f1(median(predicts.async.ms))} ms`),
  ];
  const text = lines.join('\n');
  console.log(text);
  if (!values['no-write']) {
    const host = machine();
    writeSection('Off the event loop', [
      `Measured ${started.toISOString().replace(/\.\d+Z$/, 'Z')} with \`${cmd}\`; ${host.cpu}, Node ${host.node}, load average ${host.loadAverage.toFixed(2)}.`,
      'The images/s count the epoch only (first batch to last, on the main thread\'s clock); the run time adds the',
      'model\'s build and, for the worker, starting it and sending it the model and the data. predict\'s and',
      'predictAsync\'s times include 10 ms of timers around the call.',
      '',
      text,
      '',
      'A batch hook other than the progress bar\'s makes the worker wait for this thread after every batch (README,',
      '"Inside a server"). The round trip itself is short (a postMessage ping-pong between two threads: p50 0.03 ms',
      'on this machine); on a machine running many more threads than it has CPUs the cost is that a thread that waits',
      'gives up its CPU and waits for a time slice to get it back, so the figure moves with the load. A Callback',
      'subclass\'s batch hooks also have the weights and the optimizer slots (8.3 MB for this CNN with Adam) come over',
      'every batch (and go back when a callback changed them). With the progress bar or epoch-level callbacks only, batch events are posted without waiting.',
      '',
      'libgomp throttles its spin-wait when it manages more threads than there are CPUs, which a worker\'s OpenMP team',
      'beside this thread\'s brings about. On this loaded machine that makes in-thread kernels several times faster',
      'once any worker has computed (predict of the 2,000 images: 0.7-1.5 s before, 0.08 s after, at load average',
      '~13), so the benchmark starts predictAsync\'s worker before measuring and every run sees the same libgomp state.',
      '',
      'On a shared machine the paired ratio moves from invocation to invocation with the load (the runs of one',
      'invocation take turns, so within it they share the load); compare figures of one invocation only.',
    ].join('\n'));
    console.log('wrote the "Off the event loop" section of benchmarks/RESULTS.md');
  }
  return text;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();
