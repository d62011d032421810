// The serving pool (tn.serving.createPool) against model.predict per request, for single images of the reference CNN
// at a fixed offered load. Requests are issued from this process by a 1 ms timer on a fixed schedule (request i is
// due at i / rate seconds); a request's latency runs from when it was due to when its result arrives, so a main
// thread that falls behind shows up in the latency instead of silently lowering the load. The main thread's
// event-loop delay is recorded during each run.
//
//   npm run bench -- pool [--rates=500,2000] [--seconds=5] [--workers=2] [--max-batch=64] [--max-delay=2] [--no-write]
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as tn from 'tensornode';
import { helpOption, integerOption, printedHelp } from './options.js';
import { machine, writeSection } from './results.js';

interface Run {
  mode: string;
  rate: number;
  sent: number;
  completed: number;
  rejected: number;
  seconds: number;
  latency: number[];
  loop: { p50: number; p99: number; max: number };
  /** The share of the run the main thread's event loop was busy (performance.eventLoopUtilization). */
  busy: number;
  meanBatch?: number;
}

const usage = 'npm run bench -- pool [--rates=500,2000] [--seconds=5] [--workers=2] [--max-batch=64] [--max-delay=2] [--no-write]';

function referenceCnn(): tn.Sequential {
  tn.setSeed(1);
  return tn.sequential({
    layers: [
      tn.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
      tn.layers.maxPooling2d({ poolSize: 2 }),
      tn.layers.flatten(),
      tn.layers.dense({ units: 128, activation: 'relu' }),
      tn.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

const percentile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : NaN);

/** Offers `rate` requests per second for `seconds`, each answered by `serve`; waits for the last answer. */
async function offer(mode: string, rate: number, seconds: number, images: Float32Array[], serve: (x: Float32Array) => Promise<unknown> | unknown): Promise<Run> {
  const total = Math.round(rate * seconds);
  const latency: number[] = [];
  let completed = 0;
  let rejected = 0;
  let sent = 0;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  const settled: Promise<unknown>[] = [];
  const start = performance.now();
  const utilization = performance.eventLoopUtilization();
  loop.enable();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate) + 1);
      for (; sent < due; sent++) {
        const dueAt = start + (sent / rate) * 1000;
        const done = () => {
          latency.push(performance.now() - dueAt);
          completed++;
        };
        try {
          const r = serve(images[sent % images.length]);
          if (r instanceof Promise) settled.push(r.then(done, () => rejected++));
          else done();
        } catch {
          rejected++;
        }
      }
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  await Promise.all(settled);
  const elapsed = (performance.now() - start) / 1000;
  loop.disable();
  const busy = performance.eventLoopUtilization(utilization).utilization;
  latency.sort((a, b) => a - b);
  const ms = (ns: number) => ns / 1e6;
  return { mode, rate, sent, completed, rejected, seconds: elapsed, latency, busy, loop: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) } };
}

async function idleLoop(seconds: number): Promise<Run['loop']> {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  loop.disable();
  return { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 };
}

export async function main(argv: string[] = process.argv.slice(2), command?: string): Promise<string> {
  const { values } = parseArgs({ args: argv, options: { rates: { type: 'string' }, seconds: { type: 'string' }, workers: { type: 'string' }, 'max-batch': { type: 'string' }, 'max-delay': { type: 'string' }, 'no-write': { type: 'boolean' }, ...helpOption } });
  if (printedHelp(values, usage)) return '';
  const cmd = command ?? `npx tsx benchmarks/pool.ts${argv.length ? ' ' + argv.join(' ') : ''}`;
  const rates = (values.rates ?? '500,2000').split(',').map((r) => integerOption('pool', 'rates', r, 0, 1));
  const seconds = integerOption('pool', 'seconds', values.seconds, 5, 1);
  const workers = integerOption('pool', 'workers', values.workers, 2, 1);
  const maxBatchSize = integerOption('pool', 'max-batch', values['max-batch'], 64, 1);
  const maxDelayMs = values['max-delay'] === undefined ? 2 : Number(values['max-delay']);
  const started = new Date();

  const model = referenceCnn();
  const images = Array.from({ length: 64 }, (_, i) => tn.randomUniform([28, 28, 1], 0, 1, 'float32', 100 + i).dataSync() as Float32Array);
  const batched = (x: Float32Array) => tn.tensor(x, [1, 28, 28, 1]);
  for (let i = 0; i < 50; i++) model.predict(batched(images[i % images.length]));

  const runs: Run[] = [];
  const idle = await idleLoop(2);
  for (const rate of rates) {
    runs.push(await offer('no server (the load generator alone)', rate, seconds, images, () => Promise.resolve()));
    runs.push(await offer('model.predict per request (main thread)', rate, seconds, images, (x) => model.predict(batched(x))));
    console.log(runs[runs.length - 1].mode, rate, 'done');
  }
  const pool = await tn.serving.createPool(model, { workers, threadsPerWorker: 1, maxBatchSize, maxDelayMs, maxQueue: 4096 });
  for (let i = 0; i < 50; i++) await pool.predict(images[i % images.length]);
  for (const rate of rates) {
    const before = pool.stats().batchSizes;
    const run = await offer(`pool.predict (${workers} workers × 1 thread, maxBatchSize ${maxBatchSize}, maxDelayMs ${maxDelayMs})`, rate, seconds, images, (x) => pool.predict(x));
    const after = pool.stats().batchSizes;
    let batches = 0;
    let rows = 0;
    for (const [size, count] of Object.entries(after)) {
      const n = count - (before[Number(size)] ?? 0);
      batches += n;
      rows += n * Number(size);
    }
    run.meanBatch = rows / batches;
    runs.push(run);
    console.log(run.mode, rate, 'done');
  }
  await pool.close();

  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(v < 10 ? 2 : 1) : '-');
  const info = tn.backendInfo();
  const lines = [
    `Single 28x28x1 images, offered at a fixed rate for ${seconds} s each from the same process; latency from each request's due time to its result (ms); event-loop delay of the main thread as monitorEventLoopDelay({ resolution: 1 }) reports it (the 1 ms timer period included: an idle loop on this machine, same run: p50 ${f(idle.p50)}, p99 ${f(idle.p99)}, max ${f(idle.max)} ms). Loop busy: the share of the run the main thread's event loop spent running callbacks (performance.eventLoopUtilization). The main thread computes with ${info.threads} kernel threads, ${info.isa}.`,
    '',
    '| server | offered req/s | answered req/s | rejected | latency p50 | p99 | max | loop delay p50 | p99 | max | loop busy | mean batch |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...runs.map((r) => `| ${r.mode} | ${r.rate} | ${f(r.completed / r.seconds)} | ${r.rejected} | ${f(percentile(r.latency, 0.5))} | ${f(percentile(r.latency, 0.99))} | ${f(r.latency[r.latency.length - 1])} | ${f(r.loop.p50)} | ${f(r.loop.p99)} | ${f(r.loop.max)} | ${(100 * r.busy).toFixed(0)}% | ${r.meanBatch ? f(r.meanBatch) : '1'} |`),
  ];
  const text = lines.join('\n');
  console.log(text);
  if (!values['no-write']) {
    const host = machine();
    writeSection('Serving pool', [`Measured ${started.toISOString().replace(/\.\d+Z$/, 'Z')} with \`${cmd}\`; ${host.cpu}, ${host.cores} cores, Node ${host.node}, load average ${host.loadAverage.toFixed(2)} (a machine shared with other jobs).`, '', text, '', 'How to read it: the load generator alone ("no server") is the floor of latency and loop delay this machine gives at the moment; a load average above the core count (other jobs) stretches every tail. model.predict on the main thread holds the event loop for each request, so its loop delay and every queued request\'s latency grow with the load; the pool keeps the loop at the floor\'s level and answers the whole load, batching more as the rate rises.'].join('\n'));
  }
  return text;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();
