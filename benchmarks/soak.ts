// Soak: training and serving at once for an hour, to show that memory stays flat and nothing fails. The reference
// MNIST CNN trains with fit({ worker: true }) epoch after epoch; a serving pool (tn.serving.createPool) answers HTTP
// requests that this process sends itself over loopback at a fixed rate; every sample period the model is saved and
// the pool is updated with the weights being trained. Each period records the process's RSS (the worker threads
// included: they share the process), the main thread's V8 heap and pooled tensor bytes, and the requests' latency.
// The samples go to a JSON-lines file as they are taken, so a run cut short still leaves its curve.
//
//   npm run bench -- soak [--minutes=60] [--sample-seconds=60] [--rate=20] [--samples-file=PATH] [--no-write]
//   npm run bench -- soak --report=PATH --command='...'   (the report of a finished run's samples file, without running)
//
// It fails (a non-zero exit through `npm run bench`) if RSS grows by more than 2% from the end of the fifth sample
// period to the end, if any request fails, or if training, saving or updating throws.
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request, createServer, Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as tn from 'tensornode';
import { helpOption, integerOption, printedHelp } from './options.js';
import { machine, writeSection } from './results.js';
import { cnn } from './worker.js';

const usage = 'npm run bench -- soak [--minutes=60] [--sample-seconds=60] [--rate=20] [--samples-file=PATH] [--no-write] | --report=PATH [--command=CMD]';

/** RSS may grow this much (a fraction) after the warm-up periods. */
const maxGrowth = 0.02;
/** Sample periods counted as warm-up: V8's heap, the allocator's arenas and the buffer pool settle in them. */
const warmupPeriods = 5;

export interface Sample {
  minute: number;
  rssMiB: number;
  heapMiB: number;
  externalMiB: number;
  pooledMiB: number;
  requests: number;
  failed: number;
  latencyP50: number;
  latencyP99: number;
  latencyMax: number;
  epochs: number;
  loss: number;
  saves: number;
  load: number;
}

const MiB = (b: number) => b / 2 ** 20;
const percentile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] : NaN);

/** An HTTP server on loopback answering POSTs of one 28x28 float32 image with the predicted class. */
async function startServer(pool: tn.serving.ServingPool): Promise<{ port: number; close: () => Promise<void> }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const image = new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
      pool.predict(image).then(
        (out) => {
          const p = (out as tn.Tensor).dataSync() as Float32Array;
          let best = 0;
          for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ class: best }));
        },
        (err: Error) => res.writeHead(500).end(err.message),
      );
    });
  });
  // Idle keep-alive sockets outlive the client's use of them: with Node's default 5 s the server may close a socket
  // just as the client sends on it (ECONNRESET), a failure of the harness, not of serving.
  server.keepAliveTimeout = 10 * 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** One request; resolves with its latency in ms, or rejects on an error, a non-200 status or a malformed answer. */
function post(agent: Agent, port: number, body: Buffer): Promise<number> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/predict', agent, headers: { 'content-length': body.length }, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        const ok = res.statusCode === 200 && Number.isInteger((JSON.parse(text) as { class?: unknown }).class);
        if (ok) resolve(performance.now() - start);
        else reject(new Error(`status ${res.statusCode}: ${text}`));
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out after 10 s')));
    req.on('error', reject);
    req.end(body);
  });
}

/** The curves as an SVG: one panel per quantity against minutes. */
export function soakSvg(samples: Sample[], title: string): string {
  const panels: { name: string; unit: string; series: { label: string; values: number[]; color: string }[] }[] = [
    { name: 'RSS (whole process)', unit: 'MiB', series: [{ label: 'rss', values: samples.map((s) => s.rssMiB), color: '#1f77b4' }] },
    { name: 'V8 heap and pooled buffers (main thread)', unit: 'MiB', series: [{ label: 'heap used', values: samples.map((s) => s.heapMiB), color: '#2ca02c' }, { label: 'pooled', values: samples.map((s) => s.pooledMiB), color: '#9467bd' }] },
    { name: 'request latency', unit: 'ms', series: [{ label: 'p50', values: samples.map((s) => s.latencyP50), color: '#ff7f0e' }, { label: 'p99', values: samples.map((s) => s.latencyP99), color: '#d62728' }] },
  ];
  const W = 420;
  const H = 280;
  const m = { left: 64, right: 16, top: 34, bottom: 46 };
  const width = W * panels.length;
  const height = H + 30;
  const xs = samples.map((s) => s.minute);
  const xmax = Math.max(1, ...xs);
  const nice = (lo: number, hi: number) => {
    if (!(hi > lo)) [lo, hi] = [lo - Math.max(1, Math.abs(lo) * 0.05), hi + Math.max(1, Math.abs(hi) * 0.05)];
    const raw = (hi - lo) / 4;
    const p = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 5, 10].map((k) => k * p).find((s) => s >= raw) ?? 10 * p;
    const a = Math.floor(lo / step) * step;
    const b = Math.ceil(hi / step) * step;
    const ticks: number[] = [];
    for (let t = a; t <= b + step / 2; t += step) ticks.push(Number(t.toPrecision(12)));
    return { a, b, ticks, decimals: Math.max(0, -Math.floor(Math.log10(step))) };
  };
  const r = (v: number) => String(Math.round(v * 10) / 10);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="'DejaVu Sans Mono', Menlo, Consolas, monospace">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="20" font-size="14" text-anchor="middle" font-weight="bold">${title.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</text>`,
  ];
  panels.forEach((panel, i) => {
    const x0 = i * W;
    const y0 = 30;
    const left = x0 + m.left;
    const right = x0 + W - m.right;
    const top = y0 + m.top;
    const bottom = y0 + H - m.bottom;
    const all = panel.series.flatMap((s) => s.values).filter(Number.isFinite);
    const y = nice(Math.min(0, ...all), Math.max(...all, 1));
    const x = nice(0, xmax);
    const px = (v: number) => left + (v / x.b) * (right - left);
    const py = (v: number) => bottom - ((v - y.a) / (y.b - y.a)) * (bottom - top);
    out.push(`<text x="${(left + right) / 2}" y="${y0 + 20}" font-size="12" text-anchor="middle" font-weight="bold">${panel.name}</text>`);
    for (const t of y.ticks) out.push(`<line x1="${left}" y1="${r(py(t))}" x2="${right}" y2="${r(py(t))}" stroke="#e6e6e6"/><text x="${left - 6}" y="${r(py(t) + 4)}" font-size="11" text-anchor="end">${t.toFixed(y.decimals)}</text>`);
    for (const t of x.ticks) out.push(`<text x="${r(px(t))}" y="${bottom + 16}" font-size="11" text-anchor="middle">${t}</text>`);
    out.push(`<rect x="${left}" y="${top}" width="${right - left}" height="${bottom - top}" fill="none" stroke="#333333"/>`);
    out.push(`<text x="${(left + right) / 2}" y="${bottom + 34}" font-size="12" text-anchor="middle">minutes</text>`);
    out.push(`<text transform="translate(${x0 + 14},${(top + bottom) / 2}) rotate(-90)" font-size="12" text-anchor="middle">${panel.unit}</text>`);
    panel.series.forEach((s, k) => {
      const d = s.values.map((v, j) => (Number.isFinite(v) ? `${r(px(xs[j]))},${r(py(v))}` : '')).filter(Boolean).join(' ');
      out.push(`<polyline points="${d}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
      out.push(`<line x1="${left + 8}" y1="${bottom - 12 - 16 * k}" x2="${left + 28}" y2="${bottom - 12 - 16 * k}" stroke="${s.color}" stroke-width="2"/><text x="${left + 34}" y="${bottom - 8 - 16 * k}" font-size="11">${s.label}</text>`);
    });
  });
  out.push('</svg>');
  return out.join('\n');
}

export interface SoakVerdict {
  growth: number;
  failed: number;
  errors: string[];
  pass: boolean;
}

/** RSS growth from the end of the warm-up to the end, failed requests and errors, and whether they meet the targets. */
export function verdict(samples: Sample[], errors: string[]): SoakVerdict {
  const base = samples[Math.min(warmupPeriods, samples.length) - 1];
  const last = samples[samples.length - 1];
  const growth = base && last ? (last.rssMiB - base.rssMiB) / base.rssMiB : NaN;
  const failed = samples.reduce((n, s) => n + s.failed, 0);
  return { growth, failed, errors, pass: samples.length > warmupPeriods && growth <= maxGrowth && failed === 0 && errors.length === 0 };
}

export async function main(argv: string[] = process.argv.slice(2), command?: string): Promise<string> {
  const { values } = parseArgs({ args: argv, options: { minutes: { type: 'string' }, 'sample-seconds': { type: 'string' }, rate: { type: 'string' }, 'samples-file': { type: 'string' }, 'no-write': { type: 'boolean' }, report: { type: 'string' }, command: { type: 'string' }, ...helpOption } });
  if (printedHelp(values, usage)) return '';
  if (values.report) {
    // A finished run's samples (the run's own command, start time and rate as given): its report again.
    const samples = readFileSync(values.report, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Sample);
    const last = samples[samples.length - 1];
    const started = new Date(statSync(values.report).mtimeMs - last.minute * 60_000);
    const rate = integerOption('soak', 'rate', values.rate, 20, 1);
    const period = Math.round((samples[0].minute * 60));
    return report(samples, [], { minutes: Math.round(last.minute), period, rate, cmd: values.command ?? `npm run bench -- soak --samples-file ${values.report}`, started, write: !values['no-write'] });
  }
  const minutes = integerOption('soak', 'minutes', values.minutes, 60, 1);
  const period = integerOption('soak', 'sample-seconds', values['sample-seconds'], 60, 1);
  const rate = integerOption('soak', 'rate', values.rate, 20, 1);
  const samplesFile = values['samples-file'] ?? join(tmpdir(), `tensornode-soak-${process.pid}.jsonl`);
  const cmd = command ?? `npx tsx benchmarks/soak.ts${argv.length ? ' ' + argv.join(' ') : ''}`;
  const started = new Date();
  writeFileSync(samplesFile, '');
  console.log(`soak: ${minutes} min, a sample every ${period} s, ${rate} requests/s; samples in ${samplesFile}`);

  const [[trainImages, trainLabels], [testImages]] = await tn.datasets.mnist.loadData();
  const n = 4096;
  const x = tn.slice(trainImages, [0, 0, 0, 0], [n, 28, 28, 1]);
  const y = tn.slice(trainLabels, [0], [n]);
  const test = testImages.dataSync() as Float32Array;
  const bodies = Array.from({ length: 256 }, (_, i) => Buffer.from(test.buffer, test.byteOffset + i * 784 * 4, 784 * 4));

  const model = cnn();
  const pool = await tn.serving.createPool(model, { workers: 1, threadsPerWorker: 1, maxBatchSize: 32, maxDelayMs: 2 });
  const server = await startServer(pool);
  // fifo: requests go round the open sockets, so none sits idle long enough to be closed under a request.
  const agent = new Agent({ keepAlive: true, maxSockets: 8, scheduling: 'fifo' });
  const saveDir = mkdtempSync(join(tmpdir(), 'tensornode-soak-'));
  const errors: string[] = [];
  const fail = (what: string) => (err: unknown) => {
    errors.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
    console.error(`soak: ${what} failed:`, err);
  };

  // The load generator: request i is due at i / rate s; its latency runs from sending to the answer.
  let latencies: number[] = [];
  let requests = 0;
  let failed = 0;
  let sent = 0;
  let inFlight = 0;
  const t0 = performance.now();
  const end = t0 + minutes * 60_000;
  const generator = setInterval(() => {
    const due = Math.floor(((Math.min(performance.now(), end) - t0) / 1000) * rate);
    for (; sent < due; sent++) {
      inFlight++;
      post(agent, server.port, bodies[sent % bodies.length]).then(
        (ms) => {
          latencies.push(ms);
          requests++;
          inFlight--;
        },
        (err: Error) => {
          failed++;
          requests++;
          inFlight--;
          if (failed <= 10) console.error(`soak: request ${sent} failed: ${err.message}`);
        },
      );
    }
  }, 5);

  // Training: epochs of 4,096 images until the time is up (stopTraining reaches the worker at the next batch).
  let epochs = 0;
  let loss = NaN;
  const training = model
    .fit(x, y, {
      epochs: 1_000_000,
      batchSize: 32,
      verbose: 0,
      worker: { threads: 1 },
      callbacks: [
        new tn.LambdaCallback({
          onEpochEnd: (_epoch: number, logs?: Record<string, number>) => {
            epochs++;
            loss = logs?.loss ?? NaN;
            if (performance.now() >= end) model.stopTraining = true;
          },
        }),
      ],
    })
    .catch(fail('fit'));

  const samples: Sample[] = [];
  let saves = 0;
  for (let k = 1; k * period * 1000 <= minutes * 60_000; k++) {
    await new Promise((resolve) => setTimeout(resolve, t0 + k * period * 1000 - performance.now()));
    try {
      await model.save(join(saveDir, 'model'));
      saves++;
      await pool.update(model);
    } catch (err) {
      fail('save and update')(err);
    }
    const mem = process.memoryUsage();
    const sorted = latencies.sort((a, b) => a - b);
    const s: Sample = {
      minute: Number(((k * period) / 60).toFixed(3)),
      rssMiB: MiB(mem.rss),
      heapMiB: MiB(mem.heapUsed),
      externalMiB: MiB(mem.external),
      pooledMiB: MiB(tn.memory().pooledBytes),
      requests,
      failed,
      latencyP50: percentile(sorted, 0.5),
      latencyP99: percentile(sorted, 0.99),
      latencyMax: sorted[sorted.length - 1] ?? NaN,
      epochs,
      loss,
      saves,
      load: machine().loadAverage,
    };
    latencies = [];
    requests = 0;
    failed = 0;
    samples.push(s);
    appendFileSync(samplesFile, JSON.stringify(s) + '\n');
    console.log(`${s.minute.toFixed(1)} min: rss ${s.rssMiB.toFixed(1)} MiB, heap ${s.heapMiB.toFixed(1)} MiB, pooled ${s.pooledMiB.toFixed(1)} MiB, ${s.requests} requests (${s.failed} failed), latency p50 ${s.latencyP50.toFixed(1)} p99 ${s.latencyP99.toFixed(1)} ms, ${epochs} epochs, loss ${loss.toFixed(4)}, load ${s.load.toFixed(2)}`);
  }
  model.stopTraining = true;
  clearInterval(generator);
  await training;
  while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  const stats = pool.stats();
  await pool.close();
  await server.close();
  agent.destroy();
  rmSync(saveDir, { recursive: true, force: true });
  if (stats.failed > 0) errors.push(`the pool counted ${stats.failed} failed requests`);

  return report(samples, errors, { minutes, period, rate, cmd, started, write: !values['no-write'] });
}

/** Prints and (unless told not to) writes the RESULTS.md section and the picture; throws when the soak failed. */
export async function report(samples: Sample[], errors: string[], o: { minutes: number; period: number; rate: number; cmd: string; started: Date; write: boolean }): Promise<string> {
  const v = verdict(samples, errors);
  const f1 = (x: number) => x.toFixed(1);
  const first = samples[0];
  const base = samples[Math.min(warmupPeriods, samples.length) - 1];
  const last = samples[samples.length - 1];
  const all = samples.reduce((a, s) => a + s.requests, 0);
  const loads = samples.map((s) => s.load);
  // Single samples move by a few MiB with garbage collection in three threads; the slope of a least-squares line
  // through the samples after the warm-up, and the change over the second half, tell a plateau from a leak.
  const after = samples.slice(Math.min(warmupPeriods, samples.length) - 1);
  const mx = after.reduce((a, s) => a + s.minute, 0) / after.length;
  const my = after.reduce((a, s) => a + s.rssMiB, 0) / after.length;
  const slope = after.reduce((a, s) => a + (s.minute - mx) * (s.rssMiB - my), 0) / Math.max(1e-9, after.reduce((a, s) => a + (s.minute - mx) ** 2, 0));
  const half = samples[Math.floor(samples.length / 2) - 1];
  const secondHalf = (last.rssMiB - half.rssMiB) / half.rssMiB;
  const range = after.map((s) => s.rssMiB);
  const lines = [
    `| quantity | after ${f1(first.minute)} min | after ${f1(base.minute)} min | end (${f1(last.minute)} min) | max |`,
    '| --- | ---: | ---: | ---: | ---: |',
    ...(['rssMiB', 'heapMiB', 'externalMiB', 'pooledMiB'] as const).map((k) => `| ${{ rssMiB: 'RSS (MiB)', heapMiB: 'V8 heap used (MiB)', externalMiB: 'external (MiB)', pooledMiB: 'pooled buffers, main thread (MiB)' }[k]} | ${f1(first[k])} | ${f1(base[k])} | ${f1(last[k])} | ${f1(Math.max(...samples.map((s) => s[k])))} |`),
    `| request latency p99 over the period (ms) | ${f1(first.latencyP99)} | ${f1(base.latencyP99)} | ${f1(last.latencyP99)} | ${f1(Math.max(...samples.map((s) => s.latencyP99)))} |`,
    '',
    `RSS growth from ${f1(base.minute)} min to the end: ${(100 * v.growth).toFixed(2)}% (target <= ${100 * maxGrowth}%); from ${f1(half.minute)} min to the end: ${(100 * secondHalf).toFixed(2)}%; least-squares slope after ${f1(base.minute)} min: ${(slope * 60).toFixed(1)} MiB/hour; RSS after ${f1(base.minute)} min ranged ${f1(Math.min(...range))}-${f1(Math.max(...range))} MiB. Requests: ${all} answered or failed, ${v.failed} failed. Epochs trained: ${last.epochs} (loss ${last.loss.toFixed(4)}); saves and pool updates: ${last.saves}. Errors: ${v.errors.length ? v.errors.join('; ') : 'none'}. Load average over the run: ${f1(Math.min(...loads))}-${f1(Math.max(...loads))}. Verdict: ${v.pass ? 'PASS' : 'FAIL'}.`,
  ];
  const text = lines.join('\n');
  console.log(text);
  if (o.write) {
    const picture = fileURLToPath(new URL('../docs/images/soak.svg', import.meta.url));
    mkdirSync(fileURLToPath(new URL('../docs/images/', import.meta.url)), { recursive: true });
    writeFileSync(picture, soakSvg(samples, `Soak: fit({ worker: true }) + serving pool over HTTP, ${o.rate} req/s, ${o.minutes} min`));
    const host = machine();
    const info = tn.backendInfo();
    writeSection('Soak', [
      `Measured ${o.started.toISOString().replace(/\.\d+Z$/, 'Z')} with \`${o.cmd}\`; ${host.cpu}, ${host.cores} cores, Node ${host.node}, ${info.isa}. The machine was shared with other work (load average in the figures).`,
      '',
      `The reference MNIST CNN trains with \`fit({ worker: { threads: 1 } })\` on 4,096 images, epoch after epoch, while a`,
      `serving pool (\`tn.serving.createPool\`, 1 worker x 1 thread, maxBatchSize 32) answers HTTP POSTs of single`,
      `images that the same process sends over loopback at ${o.rate} requests/s; every ${o.period} s the model is saved`,
      '(`model.save`) and the pool is updated with the weights being trained (`pool.update`). A sample is taken after',
      'each save: the process\'s RSS (the training worker and the pool\'s worker are threads of it), the main thread\'s V8',
      'heap and pooled tensor buffers (`tn.memory().pooledBytes`), and the latency of the period\'s requests (from',
      'sending to the answer). The first five periods are warm-up (V8\'s heap, malloc\'s arenas in each thread and the',
      'buffer pools settle); growth is measured from the end of the fifth to the end.',
      '',
      '![soak curves](../docs/images/soak.svg)',
      '',
      text,
      '',
      'RSS moves between samples by up to 9% (the training and serving threads each collect garbage and return',
      'memory to malloc on their own schedule), so one sample against another says little; the least-squares slope',
      'over the samples after the warm-up, and the change over the second half, are what show there is no upward trend.',
      'The main thread\'s pooled bytes stay 0 because its tensors live outside training steps (the steps run on the',
      'worker, whose pool is its own). The samples of this run are in benchmarks/soak-samples.jsonl; `npm run bench --',
      'soak --report=benchmarks/soak-samples.jsonl` writes this section again from them.',
    ].join('\n'));
    console.log('wrote the "Soak" section of benchmarks/RESULTS.md and docs/images/soak.svg');
  }
  if (!v.pass) throw new Error(`soak: FAIL (RSS growth ${(100 * v.growth).toFixed(2)}%, ${v.failed} failed requests, ${v.errors.length} errors)`);
  return text;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();
