// Serving under load: the HTTP server of examples/serve.ts driven on 127.0.0.1 by an open-loop load generator in this
// process, the server in a child process (so the generator does not share its event loop). Request i is due at
// i / rate seconds; its latency runs from when it was due to when its response ends, so a server (or a generator)
// that falls behind shows up in the latency instead of silently lowering the load (no coordinated omission). The
// server's main-thread event-loop delay is read from its own /metrics (prom-client's monitorEventLoopDelay gauges,
// resolution 1 ms, reset by each scrape): one scrape before each run, one after.
//
// Servers compared, each with and without the model training on a worker thread (fit({ worker: true })) and updating
// the pool after each epoch: the serving pool; model.predict on the main thread per request; onnxruntime-node's
// session.run on the same model exported to ONNX. Training runs at the lowest priority (worker.priority 19), as the
// example does by default. At 2,000 req/s while training, variants of the pool server: training at normal priority,
// binary bodies instead of JSON, libgomp's spin-wait off (GOMP_SPINCOUNT=0) or passive (OMP_WAIT_POLICY=passive), training
// on 1 kernel thread, no batching delay. Configurations take turns round by round; the figures are medians.
//
//   npm run bench -- serve [--rates=500,2000] [--seconds=5] [--rounds=3] [--configs=a,b] [--no-write]
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as tn from 'tensornode';
import { referenceCnn, startServer, type Backend, type ServeOptions } from '../examples/serve/server.js';
import { helpOption, integerOption, printedHelp } from './options.js';
import { machine, writeSection } from './results.js';

const usage = 'npm run bench -- serve [--rates=500,2000] [--seconds=5] [--rounds=3] [--configs=pool,pool-train,...] [--no-write]';
const TRAIN_SAMPLES = 2000;

interface ServerConfig {
  name: string;
  label: string;
  backend: 'pool' | 'predict' | 'onnx';
  train: boolean;
  fitThreads?: number;
  fitPriority?: number;
  pool?: ServeOptions['pool'];
  env?: Record<string, string>;
  /** Rates to offer (default all); bodies 'json' or 'binary'. */
  only2000?: boolean;
  binary?: boolean;
}

const configs: ServerConfig[] = [
  { name: 'pool-train', label: 'pool, training', backend: 'pool', train: true },
  { name: 'pool', label: 'pool, not training', backend: 'pool', train: false },
  { name: 'predict-train', label: 'model.predict per request, training', backend: 'predict', train: true },
  { name: 'predict', label: 'model.predict per request, not training', backend: 'predict', train: false },
  { name: 'onnx-train', label: 'onnxruntime-node session.run, tensornode training', backend: 'onnx', train: true },
  { name: 'onnx', label: 'onnxruntime-node session.run, not training', backend: 'onnx', train: false },
  { name: 'pool-train-prio0', label: 'pool, training at normal priority (worker.priority 0)', backend: 'pool', train: true, fitPriority: 0, only2000: true },
  { name: 'pool-train-binary', label: 'pool, training, float32 bodies', backend: 'pool', train: true, binary: true, only2000: true },
  { name: 'pool-train-spin0', label: 'pool, training, GOMP_SPINCOUNT=0', backend: 'pool', train: true, env: { GOMP_SPINCOUNT: '0' }, only2000: true },
  { name: 'pool-train-passive', label: 'pool, training, OMP_WAIT_POLICY=passive', backend: 'pool', train: true, env: { OMP_WAIT_POLICY: 'passive' }, only2000: true },
  { name: 'pool-train-fit1', label: 'pool, training on 1 kernel thread', backend: 'pool', train: true, fitThreads: 1, only2000: true },
  { name: 'pool-train-delay0', label: 'pool, training, maxDelayMs 0', backend: 'pool', train: true, pool: { maxDelayMs: 0 }, only2000: true },
];

// ---------------------------------------------------------------------------------------------------------------
// The server, in a child process.

/**
 * Where onnxruntime-node's `await session.run` computes: the time until the call returns against until it resolves,
 * and how busy this thread's event loop is while it awaits runs on batches of 64 (eventLoopUtilization: near 1 when
 * the inference runs on this thread, however the promise is wrapped).
 */
interface OrtTiming {
  callMs: number;
  resolveMs: number;
  loopBusy: number;
}

async function onnxBackend(): Promise<{ backend: Backend; timing: OrtTiming }> {
  const ort = await import('onnxruntime-node');
  // The same weights as the server's model (the seed fixes them); ORT keeps them (it does not follow training).
  const session = await ort.InferenceSession.create(await tn.onnx.exportModel(referenceCnn(1)), { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const [input] = session.inputNames;
  const [output] = session.outputNames;
  const backend: Backend = async (images, rows) => (await session.run({ [input]: new ort.Tensor('float32', images, [rows, 28, 28, 1]) }))[output].data as Float32Array;
  const batch = new Float32Array(64 * 784).fill(0.5);
  const call: number[] = [];
  const resolve: number[] = [];
  for (let i = 0; i < 20; i++) await backend(batch, 64);
  const elu = performance.eventLoopUtilization();
  for (let i = 0; i < 100; i++) {
    const t0 = performance.now();
    const p = backend(batch, 64);
    const t1 = performance.now();
    await p;
    call.push(t1 - t0);
    resolve.push(performance.now() - t0);
  }
  const loopBusy = performance.eventLoopUtilization(elu).utilization;
  return { backend, timing: { callMs: median(call), resolveMs: median(resolve), loopBusy } };
}

async function child(cfg: ServerConfig): Promise<void> {
  const onnx = cfg.backend === 'onnx' ? await onnxBackend() : null;
  const server = await startServer({
    port: 0,
    epochs: cfg.train ? Infinity : 0,
    trainSamples: TRAIN_SAMPLES,
    fitThreads: cfg.fitThreads,
    fitPriority: cfg.fitPriority,
    backend: onnx ? onnx.backend : cfg.backend === 'onnx' ? 'pool' : cfg.backend,
    pool: cfg.pool,
    eventLoopResolutionMs: 1,
  });
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
  console.log(JSON.stringify({ port: server.port, ort: onnx?.timing ?? null }));
}

// ---------------------------------------------------------------------------------------------------------------
// The load generator and the driver, in this process.

function ortVersion(): string {
  try {
    return (JSON.parse(readFileSync(fileURLToPath(import.meta.resolve('onnxruntime-node/package.json')), 'utf8')) as { version: string }).version;
  } catch {
    return '';
  }
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}
const percentile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : NaN);

interface Run {
  config: string;
  rate: number;
  answered: number;
  /** Answers per second over the time from the first request's due time to the last answer. */
  throughput: number;
  rejected: number;
  failed: number;
  p50: number;
  p99: number;
  max: number;
  /** How late this process sent requests (its own timer lag): the floor under every latency. */
  sendLagP99: number;
  loop: { p50: number; p99: number; max: number };
  epochs: number;
  /** CPU time per answered request, in ms: the server's main thread, the whole server process, this process. */
  cpu: { main: number; server: number; generator: number };
}

/** CPU time (user + system) in ms of a process and of its main thread, from /proc (Linux; NaN elsewhere). */
function cpuOf(pid: number): { main: number; total: number } {
  const read = (path: string) => {
    try {
      // The fields after the command name (which may hold spaces) : utime and stime are the 12th and 13th.
      const fields = readFileSync(path, 'utf8').split(') ')[1].split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
    } catch {
      return NaN;
    }
  };
  return { main: read(`/proc/${pid}/task/${pid}/stat`), total: read(`/proc/${pid}/stat`) };
}

interface Started {
  process: ChildProcess;
  port: number;
  ort: OrtTiming | null;
}

function startChild(cfg: ServerConfig): Promise<Started> {
  const file = fileURLToPath(import.meta.url);
  const proc = spawn(process.execPath, ['--import', 'tsx', file, '--child', JSON.stringify(cfg)], { env: { ...process.env, ...cfg.env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        proc.stdout!.off('data', onData);
        proc.stdout!.resume();
        const { port, ort } = JSON.parse(line) as { port: number; ort: OrtTiming | null };
        resolve({ process: proc, port, ort });
      }
    };
    proc.stdout!.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`bench serve: the ${cfg.name} server exited (code ${code}) before it listened; output: ${out}`)));
  });
}

function stopChild(s: Started): Promise<void> {
  return new Promise((resolve) => {
    const kill = setTimeout(() => s.process.kill('SIGKILL'), 15_000);
    s.process.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    s.process.kill('SIGTERM');
  });
}

function post(port: number, path: string, body: Buffer | null, type: string, method = 'POST'): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = body ? { 'Content-Type': type, 'Content-Length': body.length } : {};
    // A fresh connection each time: a kept-alive one may be closed by the server's keep-alive timeout as it is reused.
    const req = httpRequest({ host: '127.0.0.1', port, path, method, agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

async function metrics(port: number): Promise<Record<string, number>> {
  const { text } = await post(port, '/metrics', null, '', 'GET');
  const values: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(nodejs_eventloop_lag_(?:p50|p99|max)_seconds|tn_training_epoch) (\S+)$/.exec(line);
    if (m) values[m[1]] = Number(m[2]);
  }
  return values;
}

/**
 * Kept-alive HTTP/1.1 connections that send prebuilt requests and read just the status line and Content-Length of
 * each response (every response of the server has one): a few microseconds of CPU per request, where node:http's
 * client spends a large share of what the server does, and on a 2-core machine takes it from the server. One request
 * at a time per connection, as browsers and most clients do; a request finding every connection busy waits in a FIFO
 * (its latency still runs from its due time).
 */
class LoadConnections {
  private readonly idle: Socket[] = [];
  private open = 0;
  private readonly waiting: { request: Buffer; done: (status: number) => void }[] = [];

  constructor(
    private readonly port: number,
    private readonly max: number,
  ) {}

  send(request: Buffer, done: (status: number) => void): void {
    const socket = this.idle.pop();
    if (socket) this.write(socket, request, done);
    else if (this.open < this.max) this.connect(request, done);
    else this.waiting.push({ request, done });
  }

  private connect(request: Buffer, done: (status: number) => void): void {
    this.open++;
    const socket = connect(this.port, '127.0.0.1');
    socket.setNoDelay(true);
    socket.once('close', () => {
      this.open--;
      const i = this.idle.indexOf(socket);
      if (i >= 0) this.idle.splice(i, 1);
      const current = (socket as Socket & { current?: (status: number) => void }).current;
      if (current) current(0);
      const next = this.waiting.shift();
      if (next) this.connect(next.request, next.done);
    });
    socket.on('error', () => undefined);
    let buffered: Buffer | null = null;
    socket.on('data', (chunk: Buffer) => {
      buffered = buffered ? Buffer.concat([buffered, chunk]) : chunk;
      for (;;) {
        const end: number = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head: string = buffered.toString('latin1', 0, end);
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        buffered = buffered.length === end + 4 + length ? null : buffered.subarray(end + 4 + length);
        const status = Number(head.slice(9, 12));
        const current = (socket as Socket & { current?: (status: number) => void }).current!;
        (socket as Socket & { current?: (status: number) => void }).current = undefined;
        const next = this.waiting.shift();
        if (next) this.write(socket, next.request, next.done);
        else this.idle.push(socket);
        current(status);
        if (!buffered) return;
      }
    });
    this.write(socket, request, done);
  }

  private write(socket: Socket, request: Buffer, done: (status: number) => void): void {
    (socket as Socket & { current?: (status: number) => void }).current = done;
    socket.write(request);
  }

  close(): void {
    for (const s of this.idle.splice(0)) s.destroy();
  }
}

/** A POST /predict request as bytes, headers and body. */
function predictRequest(body: Buffer, type: string): Buffer {
  return Buffer.concat([Buffer.from(`POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\n\r\n`, 'latin1'), body]);
}

/** Offers `rate` requests per second for `seconds` on a fixed schedule; waits (at most 10 s) for the answers. */
async function offer(port: number, rate: number, seconds: number, requests: Buffer[]): Promise<Omit<Run, 'config' | 'loop' | 'epochs' | 'cpu'>> {
  const total = Math.round(rate * seconds);
  const latency: number[] = [];
  const sendLag: number[] = [];
  let rejected = 0;
  let failed = 0;
  let lastAnswer = 0;
  let outstanding = 0;
  const connections = new LoadConnections(port, 256);
  const start = performance.now() + 5;
  let sent = 0;
  let allAnswered: () => void = () => undefined;
  const answered = new Promise<void>((resolve) => (allAnswered = resolve));
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      for (; sent < total && start + (sent / rate) * 1000 <= now; sent++) {
        const due = start + (sent / rate) * 1000;
        sendLag.push(now - due);
        outstanding++;
        connections.send(requests[sent % requests.length], (status) => {
          lastAnswer = performance.now();
          if (status === 200) latency.push(lastAnswer - due);
          else if (status === 503) rejected++;
          else failed++;
          if (--outstanding === 0 && sent === total) allAnswered();
        });
      }
      if (sent < total) setTimeout(tick, Math.max(0, start + (sent / rate) * 1000 - performance.now()));
      else resolve();
    };
    setTimeout(tick, 5);
  });
  if (outstanding > 0) await Promise.race([answered, new Promise((r) => setTimeout(r, 10_000))]);
  failed += outstanding;
  connections.close();
  latency.sort((a, b) => a - b);
  sendLag.sort((a, b) => a - b);
  return {
    rate,
    answered: latency.length,
    throughput: latency.length / ((lastAnswer - start) / 1000),
    rejected,
    failed,
    p50: percentile(latency, 0.5),
    p99: percentile(latency, 0.99),
    max: latency[latency.length - 1] ?? NaN,
    sendLagP99: percentile(sendLag, 0.99),
  };
}

export async function main(argv: string[] = process.argv.slice(2), command?: string): Promise<string> {
  const { values } = parseArgs({ args: argv, options: { rates: { type: 'string' }, seconds: { type: 'string' }, rounds: { type: 'string' }, configs: { type: 'string' }, 'no-write': { type: 'boolean' }, ...helpOption } });
  if (printedHelp(values, usage)) return '';
  const rates = (values.rates ?? '500,2000').split(',').map((r) => integerOption('serve', 'rates', r, 0, 1));
  const seconds = integerOption('serve', 'seconds', values.seconds, 5, 1);
  const rounds = integerOption('serve', 'rounds', values.rounds, 3, 1);
  const chosen = values.configs ? values.configs.split(',') : configs.map((c) => c.name);
  for (const c of chosen) if (!configs.some((k) => k.name === c)) throw new Error(`bench serve: no configuration "${c}"; they are ${configs.map((k) => k.name).join(', ')}`);
  const cmd = command ?? `npx tsx benchmarks/serve.ts${argv.length ? ' ' + argv.join(' ') : ''}`;
  const started = new Date();
  const loadBefore = loadavg()[0];
  const [, [testImages]] = await tn.datasets.mnist.loadData();
  // 64 distinct test digits, as JSON (one [28, 28, 1] image per body) and as raw float32 bytes.
  const pixels = testImages.dataSync() as Float32Array;
  const images = Array.from({ length: 64 }, (_, i) => pixels.slice(i * 784, (i + 1) * 784));
  const jsonRequests = images.map((img) => predictRequest(Buffer.from(JSON.stringify(tn.tensor(img, [28, 28, 1]).arraySync())), 'application/json'));
  const binaryRequests = images.map((img) => predictRequest(Buffer.from(img.buffer), 'application/octet-stream'));
  const runs: Run[] = [];
  const ortTimings: OrtTiming[] = [];
  const order = configs.filter((c) => chosen.includes(c.name));
  for (let round = 0; round < rounds; round++) {
    // A different configuration starts each round, so that none always follows the same neighbour.
    const rotated = [...order.slice(round % order.length), ...order.slice(0, round % order.length)];
    for (const cfg of rotated) {
      const server = await startChild(cfg);
      if (server.ort) ortTimings.push(server.ort);
      try {
        const requests = cfg.binary ? binaryRequests : jsonRequests;
        // Warm-up (JIT, buffers, sockets), and for training, until the first epoch's update is in.
        await offer(server.port, 200, 1, requests);
        for (let t = 0; cfg.train && t < 600; t++) {
          if ((await metrics(server.port)).tn_training_epoch >= 1) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        for (const rate of cfg.only2000 ? rates.filter((r) => r === Math.max(...rates)) : rates) {
          const before = await metrics(server.port);
          const cpu0 = cpuOf(server.process.pid!);
          const gen0 = process.cpuUsage();
          const run = await offer(server.port, rate, seconds, requests);
          const gen = process.cpuUsage(gen0);
          const cpu1 = cpuOf(server.process.pid!);
          const after = await metrics(server.port);
          const cpu = { main: (cpu1.main - cpu0.main) / run.answered, server: (cpu1.total - cpu0.total) / run.answered, generator: (gen.user + gen.system) / 1000 / run.answered };
          const loop = { p50: after.nodejs_eventloop_lag_p50_seconds * 1000, p99: after.nodejs_eventloop_lag_p99_seconds * 1000, max: after.nodejs_eventloop_lag_max_seconds * 1000 };
          const r: Run = { config: cfg.name, ...run, loop, epochs: after.tn_training_epoch - before.tn_training_epoch, cpu };
          runs.push(r);
          console.log(`round ${round + 1} ${cfg.label} @ ${rate}/s: ${r.answered} answered (${r.throughput.toFixed(0)}/s), ${r.rejected} 503, ${r.failed} failed; latency p50 ${r.p50.toFixed(2)} p99 ${r.p99.toFixed(2)} max ${r.max.toFixed(1)} ms; loop p50 ${loop.p50.toFixed(2)} p99 ${loop.p99.toFixed(2)} max ${loop.max.toFixed(1)} ms; send lag p99 ${r.sendLagP99.toFixed(2)} ms; CPU per request: main ${cpu.main.toFixed(3)} server ${cpu.server.toFixed(3)} generator ${cpu.generator.toFixed(3)} ms; ${r.epochs} epochs; load ${loadavg()[0].toFixed(2)}`);
        }
      } finally {
        await stopChild(server);
      }
    }
  }
  const f = (v: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : '-');
  const rows: string[] = [];
  for (const cfg of order) {
    for (const rate of rates) {
      const rs = runs.filter((r) => r.config === cfg.name && r.rate === rate);
      if (!rs.length) continue;
      const m = (k: (r: Run) => number) => median(rs.map(k));
      rows.push(`| ${cfg.label} | ${rate} | ${f(m((r) => r.throughput), 0)} | ${f(m((r) => r.rejected + r.failed), 0)} | ${f(m((r) => r.p50))} | ${f(m((r) => r.p99))} | ${f(m((r) => r.max), 1)} | ${f(m((r) => r.loop.p50))} | ${f(m((r) => r.loop.p99))} | ${f(m((r) => r.loop.max), 1)} | ${f(m((r) => r.sendLagP99))} | ${f(m((r) => r.cpu.main), 3)} | ${f(m((r) => r.cpu.server), 3)} | ${f(m((r) => r.cpu.generator), 3)} | ${f(m((r) => (r.epochs * TRAIN_SAMPLES) / seconds), 0)} |`);
    }
  }
  const host = machine();
  const ort = ortTimings.length
    ? `onnxruntime-node ${ortVersion()}: \`await session.run\` on a batch of 64 images (1 intra-op thread) returns after ${f(median(ortTimings.map((t) => t.callMs)), 3)} ms and resolves after ${f(median(ortTimings.map((t) => t.resolveMs)), 2)} ms, and the event loop is busy ${f(100 * median(ortTimings.map((t) => t.loopBusy)), 0)}% of the time it awaits (medians over ${ortTimings.length} server starts, 100 calls each): ${median(ortTimings.map((t) => t.loopBusy)) > 0.5 ? 'the inference runs on the main thread. Its Node binding (dist/backend.js) wraps the native run in setImmediate, so run() returns a promise at once, but the synchronous native run then holds the event loop on the next turn.' : 'the inference runs off the main thread.'}`
    : '';
  const text = [
    `Single MNIST digits (JSON bodies of shape [28, 28, 1] unless noted), offered at a fixed rate for ${seconds} s per run, ${rounds} rounds with the configurations in rotating order (medians of the rounds). Latency in ms from each request's due time to the end of its response; throughput: answers per second; loop: the server's main-thread event-loop delay (monitorEventLoopDelay, resolution 1 ms, so an idle loop reads about 1 ms); send lag: how late the load generator itself sent (its floor under every latency). CPU ms per answered request (user + system, from /proc): the server's main thread, the whole server process (training included), the load generator's process: unlike latency, these hardly move with the machine's load. Trained images/s: epochs finished during the run x ${TRAIN_SAMPLES} / run time (coarse: whole epochs). Training: fit({ worker: true }) on ${TRAIN_SAMPLES} digits, epoch after epoch, the pool updated after each. Pool: 1 worker x 1 kernel thread, maxBatchSize 64, maxDelayMs 1. ${host.cpu}, ${host.cores} cores, ${host.backend}.`,
    '',
    '| server | offered req/s | answered/s | 503 + failed | p50 | p99 | max | loop p50 | loop p99 | loop max | send lag p99 | CPU ms/request: main thread | server | generator | trained images/s |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    ort,
  ].join('\n');
  console.log(text);
  const notes = [
    'How to read it: a load average above the core count means every runnable thread gets a fraction of a core, and',
    'the latency and loop-delay columns then measure mostly that wait (the send lag shows the load generator itself',
    'held up as long). The CPU columns move much less with the load: the server\'s main-thread CPU per request bounds',
    'the rate one Node process can answer (1 / that time, per core it gets), and it is the main thread\'s share that',
    'the pool keeps small (it only parses, copies and answers; model.predict and onnxruntime-node compute there too).',
    '"503 + failed" counts requests turned away and those not answered within 10 s of the last send.',
  ].join('\n');
  const loadAfter = loadavg()[0];
  if (!values['no-write']) {
    writeSection('Serving under load', [`Measured ${started.toISOString().replace(/\.\d+Z$/, 'Z')} with \`${cmd}\`; Node ${host.node}; load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after (a machine shared with other jobs).`, '', text, '', notes].join('\n'));
    console.log('wrote the "Serving under load" section of benchmarks/RESULTS.md');
  }
  return text;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] === '--child') await child(JSON.parse(process.argv[3]) as ServerConfig);
  else await main();
}
