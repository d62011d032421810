// A serving pool: worker threads that each hold the model, and a queue on the main thread that merges concurrent
// predict() calls into batches, as TF Serving's batching and Triton's dynamic batcher do. A request is checked and
// copied into the open batch's buffer on the caller's turn; a batch goes to an idle worker when it is full or when its
// oldest request has waited maxDelayMs (TF Serving's batch_timeout); each caller gets a view of its own rows of the
// batch's output. The main thread only checks, copies and slices, so its event loop stays free while workers compute.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Worker } from 'node:worker_threads';
import type { Model } from '../models/model.js';
import { fromArray, type Tensor } from '../tensor.js';
import { startWorker } from '../workers/spawn.js';
import { packModel } from '../workers/transfer.js';
import { sameInputs, signatureOf, type FromWorker, type ModelSource, type Signature, type ToWorker, type Values, type WorkerInit } from './protocol.js';
import { parseRequest, type Flat } from './requests.js';
import { RecentWindow, type Percentiles } from './stats.js';

export interface PoolOptions {
  /** Worker threads, each holding the model and computing one batch at a time (default 1). */
  workers?: number;
  /** Kernel threads per worker (tn.setNumThreads in each worker; default 1). */
  threadsPerWorker?: number;
  /** Most rows in one batch (default 64). A call with more rows is split across batches. */
  maxBatchSize?: number;
  /** Longest a request waits for others to join its batch, in milliseconds (default 2; 0 sends at once). */
  maxDelayMs?: number;
  /** Most rows waiting for a worker; a call that would pass it rejects at once (default 1024). */
  maxQueue?: number;
  /** Modules each worker imports before building the model, to register custom layers (URLs, or paths relative to the current directory). */
  modules?: (string | URL)[];
  /** The pool's name in messages (default the model's name, or the path's). */
  name?: string;
}

export interface PoolStats {
  workers: number;
  /** The model's version: 0 as created, one more per update(). */
  version: number;
  queue: { rows: number; requests: number };
  inFlight: { batches: number; rows: number };
  completed: number;
  /** Requests that reached a worker and failed (a worker died, or the model threw). */
  failed: number;
  /** Requests turned away before queueing: a full queue, a closed pool, or inputs that do not fit. */
  rejected: number;
  /** Batches sent to workers, by their number of rows. */
  batchSizes: Record<number, number>;
  /** Over the last 1,024 requests (latency, queueWait) and batches (compute), in milliseconds. */
  latencyMs: Percentiles;
  queueWaitMs: Percentiles;
  computeMs: Percentiles;
  /** Workers replaced after dying. */
  restarts: number;
}

export type PoolResult = Tensor | Tensor[];

interface Request {
  rows: number;
  single: boolean;
  enqueuedAt: number;
  /** Rows not yet computed, while the request is split across batches. */
  pending: number;
  /** The assembled outputs of a request split across batches. */
  outputs: Values[] | null;
  settled: boolean;
  resolve: (r: PoolResult) => void;
  reject: (e: Error) => void;
}

/** A stretch of a request's rows inside a batch. */
interface Part {
  request: Request;
  batchRow: number;
  requestRow: number;
  rows: number;
}

interface Batch {
  id: number;
  inputs: Values[];
  rows: number;
  parts: Part[];
  /** Full (maxBatchSize rows, or the next request did not fit): no more rows join it. */
  full: boolean;
  /** Full, or its oldest request has waited maxDelayMs: it goes to the next idle worker. */
  due: boolean;
  timer: ReturnType<typeof setTimeout> | null;
  sentAt: number;
}

interface Slot {
  /** 1-based, for messages; a replacement takes its predecessor's number. */
  index: number;
  worker: Worker;
  threadId: number;
  ready: boolean;
  batch: Batch | null;
  error: Error | null;
  stopping: boolean;
  startFailures: number;
}

interface PendingUpdate {
  waiting: Set<Slot>;
  error: string | null;
  resolve: () => void;
  reject: (e: Error) => void;
}

const windowSize = 1024;
const maxStartFailures = 3;

function positiveInt(v: number | undefined, fallback: number, what: string, min = 1): number {
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || v < min) throw new Error(`createPool: ${what} must be an integer >= ${min}, received ${String(v)}`);
  return v;
}

export class ServingPool {
  readonly name: string;
  private readonly options: Required<Omit<PoolOptions, 'name' | 'modules'>>;
  private readonly modules: string[];
  private source: ModelSource;
  private version = 0;
  private signature: Signature | null;
  /** Values per sample of each input. */
  private inputSizes: number[] = [];
  private readonly slots: Slot[] = [];
  private readonly queue: Batch[] = [];
  /** Input buffers the workers sent back, for the next batches. */
  private readonly spare: Values[][] = [];
  /** At most this many spare buffer sets are kept (the rest go to the garbage collector). */
  private readonly maxSpare: number;
  private nextBatch = 0;
  private queuedRows = 0;
  private queuedRequests = 0;
  private readonly updates = new Map<number, PendingUpdate>();
  private closing: Promise<void> | null = null;
  private drained: (() => void) | null = null;
  private broken: Error | null = null;
  private active = true;
  private started = false;
  private readonly updating = new Set<Promise<unknown>>();
  private readonly counts = { completed: 0, failed: 0, rejected: 0, restarts: 0 };
  private readonly batchSizes: Record<number, number> = {};
  private readonly latency = new RecentWindow(windowSize);
  private readonly queueWait = new RecentWindow(windowSize);
  private readonly compute = new RecentWindow(windowSize);

  /** @internal Use tn.serving.createPool. */
  constructor(source: ModelSource, signature: Signature | null, name: string, options: PoolOptions) {
    this.source = source;
    this.signature = null;
    if (signature) this.useSignature(signature);
    this.name = name;
    this.options = {
      workers: positiveInt(options.workers, 1, 'workers'),
      threadsPerWorker: positiveInt(options.threadsPerWorker, 1, 'threadsPerWorker'),
      maxBatchSize: positiveInt(options.maxBatchSize, 64, 'maxBatchSize'),
      maxDelayMs: options.maxDelayMs ?? 2,
      maxQueue: positiveInt(options.maxQueue, 1024, 'maxQueue'),
    };
    this.maxSpare = 2 * this.options.workers + 2;
    if (!(this.options.maxDelayMs >= 0) || !Number.isFinite(this.options.maxDelayMs)) throw new Error(`createPool: maxDelayMs must be a finite number >= 0, received ${String(options.maxDelayMs)}`);
    this.modules = (options.modules ?? []).map((m) => (m instanceof URL ? m.href : /^(file|data|node):/.test(m) ? m : pathToFileURL(resolve(m)).href));
  }

  private useSignature(signature: Signature): void {
    this.signature = signature;
    this.inputSizes = signature.inputs.map((s) => s.shape.reduce((a, b) => a * b, 1));
  }

  /** The inputs requests are checked against: name, shape of one sample (no batch axis) and dtype of each. */
  get inputs(): { name: string; shape: number[]; dtype: 'float32' | 'int32' }[] {
    return this.signature!.inputs.map((i) => ({ ...i, shape: i.shape.slice() }));
  }

  /**
   * @internal The worker threads, in the order batches go to idle ones (for tests that end one). Typed without Node's
   * Worker so that the published types need no @types/node.
   */
  get _workers(): { terminate(): Promise<number>; readonly threadId: number }[] {
    return this.slots.map((s) => s.worker);
  }

  private get label(): string {
    return `serving pool "${this.name}"`;
  }

  /** @internal Starts the workers; resolves when all hold the model. */
  async start(): Promise<void> {
    const started = Array.from({ length: this.options.workers }, (_, i) => this.startSlot(i + 1, 0));
    try {
      await Promise.all(started);
    } catch (err) {
      await Promise.all(this.slots.map((s) => this.stopSlot(s)));
      throw err;
    }
    this.started = true;
    this.setActive();
  }

  private startSlot(index: number, startFailures: number): Promise<void> {
    const init: WorkerInit = { name: this.name, source: this.source, version: this.version, threads: this.options.threadsPerWorker, modules: this.modules };
    const worker = startWorker('serving-worker', { workerData: init });
    const slot: Slot = { index, worker, threadId: worker.threadId, ready: false, batch: null, error: null, stopping: false, startFailures };
    this.slots.push(slot);
    this.setActive();
    return new Promise((resolve, reject) => {
      worker.on('message', (m: FromWorker) => {
        if (m.type === 'ready') {
          if (this.signature && !sameInputs(this.signature, m.signature)) {
            slot.error = new Error(`${this.label}: worker ${index} loaded a model whose inputs differ from the pool's`);
            void this.stopSlot(slot);
            return;
          }
          if (!this.signature) this.useSignature(m.signature);
          slot.ready = true;
          slot.startFailures = 0;
          resolve();
          this.schedule();
          this.setActive();
        } else if (m.type === 'loadError') {
          slot.error = new Error(`${this.label}: worker ${index} could not load the model: ${m.message}`);
        } else {
          this.onMessage(slot, m);
        }
      });
      worker.on('error', (err) => {
        slot.error ??= err;
      });
      worker.on('exit', (code) => {
        const wasReady = slot.ready;
        this.slots.splice(this.slots.indexOf(slot), 1);
        const cause = slot.error ? `failed (exit code ${code}): ${slot.error.message}` : `exited with code ${code}`;
        if (slot.batch) this.failBatch(slot.batch, `${this.label}: worker ${index} (thread ${slot.threadId}) ${cause} while computing a batch of ${slot.batch.rows} rows`);
        slot.batch = null;
        for (const [version, u] of this.updates) if (u.waiting.delete(slot)) this.settleUpdate(version, u);
        if (!wasReady) reject(slot.error ?? new Error(`${this.label}: worker ${index} exited with code ${code} before the model was loaded`));
        this.setActive();
        // Workers that fail while the pool starts fail createPool instead of being replaced.
        if (slot.stopping || (!wasReady && !this.started)) return;
        if (wasReady) this.counts.restarts++;
        const failures = wasReady ? 0 : slot.startFailures + 1;
        if (failures < maxStartFailures && (!this.closing || this.queuedRows > 0)) {
          // A worker that dies while loading is retried a few times, with a pause, before its place is given up.
          const restart = () => this.startSlot(index, failures).catch(() => undefined);
          if (failures === 0) void restart();
          else setTimeout(restart, 100 * 2 ** failures);
        } else if (this.slots.length === 0) {
          this.breakPool(new Error(`${this.label}: no worker is left (the last ${cause}); the pool has stopped serving`));
        }
        this.checkDrained();
      });
    });
  }

  private stopSlot(slot: Slot): Promise<number> {
    slot.stopping = true;
    return slot.worker.terminate();
  }

  private breakPool(err: Error): void {
    this.broken = err;
    for (const b of this.queue.splice(0)) this.failBatch(b, err.message);
    this.queuedRows = this.queuedRequests = 0;
    this.checkDrained();
  }

  /**
   * The model's outputs for one sample (the model's input shape without the batch axis; the result has no batch axis
   * either) or for a batch (a leading batch axis). Several inputs: an array, or an object keyed by input name.
   * Several outputs: an array of tensors, as model.predict.
   */
  predict(x: unknown): Promise<PoolResult> {
    const refuse = (message: string, code?: string) => {
      this.counts.rejected++;
      return Promise.reject(code ? Object.assign(new Error(message), { code }) : new Error(message));
    };
    if (this.closing) return refuse(`${this.label} is closed (close() was called); predict() needs an open pool`, 'TN_POOL_CLOSED');
    if (this.broken) return refuse(this.broken.message, 'TN_POOL_CLOSED');
    let request;
    try {
      request = parseRequest(x, this.signature!, this.label);
    } catch (err) {
      // The caller's data, not the pool, is at fault: a server answers 400 on this code without matching messages.
      return refuse((err as Error).message, 'TN_POOL_BAD_INPUT');
    }
    if (request.rows > this.options.maxQueue) {
      return refuse(`${this.label}: a request of ${request.rows} rows can never fit the queue (maxQueue ${this.options.maxQueue}); send it in parts, or raise maxQueue`, 'TN_POOL_REQUEST_TOO_LARGE');
    }
    if (this.queuedRows + request.rows > this.options.maxQueue) {
      return refuse(`${this.label}: the queue is full (${this.queuedRows} rows waiting, maxQueue ${this.options.maxQueue}); this request of ${request.rows} row(s) was turned away, retry later`, 'TN_POOL_QUEUE_FULL');
    }
    return new Promise((resolve, reject) => {
      const r: Request = { rows: request.rows, single: request.single, enqueuedAt: performance.now(), pending: request.rows, outputs: null, settled: false, resolve, reject };
      this.enqueue(r, request.inputs);
      this.setActive();
      this.schedule();
    });
  }

  private newBatch(): Batch {
    const spec = this.signature!.inputs;
    const rows = this.options.maxBatchSize;
    const inputs = this.spare.pop() ?? spec.map((s) => {
      const size = s.shape.reduce((a, b) => a * b, 1);
      return s.dtype === 'int32' ? new Int32Array(rows * size) : new Float32Array(rows * size);
    });
    const batch: Batch = { id: this.nextBatch++, inputs, rows: 0, parts: [], full: false, due: false, timer: null, sentAt: 0 };
    this.queue.push(batch);
    return batch;
  }

  /** Copies the request's rows into the open batch (a new one when they do not fit, split when they exceed one). */
  private enqueue(r: Request, inputs: Flat[]): void {
    const max = this.options.maxBatchSize;
    const sizes = this.inputSizes;
    let row = 0;
    while (row < r.rows) {
      const last = this.queue[this.queue.length - 1];
      // A due batch still waiting for a worker keeps taking rows until it is sent: so at most one batch is not full,
      // and the buffers waiting are bounded by maxQueue rows, however slow the workers are.
      const open = last && !last.full ? last : null;
      const space = open ? max - open.rows : 0;
      if (!open || (r.rows <= max && r.rows - row > space)) {
        if (open) this.markFull(open);
        const b = this.newBatch();
        if (this.options.maxDelayMs > 0) b.timer = setTimeout(() => this.markDue(b, true), this.options.maxDelayMs);
        continue;
      }
      const take = Math.min(space, r.rows - row);
      for (let i = 0; i < inputs.length; i++) {
        const src = inputs[i];
        open.inputs[i].set(src.length === take * sizes[i] ? src : src.subarray(row * sizes[i], (row + take) * sizes[i]), open.rows * sizes[i]);
      }
      open.parts.push({ request: r, batchRow: open.rows, requestRow: row, rows: take });
      open.rows += take;
      row += take;
      if (open.rows === max) this.markFull(open);
    }
    this.queuedRows += r.rows;
    this.queuedRequests++;
  }

  private markFull(b: Batch): void {
    b.full = true;
    this.markDue(b);
  }

  private markDue(b: Batch, schedule = false): void {
    b.due = true;
    if (b.timer) clearTimeout(b.timer);
    b.timer = null;
    if (schedule) this.schedule();
  }

  /** Sends due batches (or, with no delay or while closing, any batch) to idle workers, oldest first. */
  private schedule(): void {
    while (this.queue.length) {
      const b = this.queue[0];
      if (!b.due && this.options.maxDelayMs > 0 && !this.closing) return;
      const slot = this.slots.find((s) => s.ready && !s.batch && !s.stopping);
      if (!slot) return;
      this.queue.shift();
      this.send(b, slot);
    }
  }

  private send(b: Batch, slot: Slot): void {
    if (b.timer) clearTimeout(b.timer);
    const now = performance.now();
    b.sentAt = now;
    slot.batch = b;
    this.queuedRows -= b.rows;
    for (const p of b.parts) {
      if (p.requestRow === 0) this.queueWait.push(now - p.request.enqueuedAt);
      if (p.requestRow + p.rows === p.request.rows) this.queuedRequests--;
    }
    this.batchSizes[b.rows] = (this.batchSizes[b.rows] ?? 0) + 1;
    const message: ToWorker = { type: 'predict', batch: b.id, rows: b.rows, inputs: b.inputs };
    slot.worker.postMessage(message, b.inputs.map((a) => a.buffer as ArrayBuffer));
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    if (m.type === 'result' || m.type === 'batchError') {
      // A batch close() gave up on has been rejected already; the worker's late answer finds no one.
      const b = slot.batch;
      if (!b) return;
      slot.batch = null;
      if (m.type === 'result') {
        this.compute.push(m.computeMs);
        this.deliver(b, m.outputs);
      } else if (b.parts.filter((p) => !p.request.settled).length > 1) {
        this.retryAlone(b, m.inputs);
      } else {
        this.failBatch(b, `${this.label}: worker ${slot.index} could not compute a batch of ${b.rows} rows: ${m.message}`);
      }
      if (this.spare.length < this.maxSpare) this.spare.push(m.inputs);
      this.schedule();
      this.setActive();
      this.checkDrained();
    } else if (m.type === 'updated' || m.type === 'updateError') {
      const u = this.updates.get(m.version);
      if (!u) return;
      if (m.type === 'updateError') u.error ??= `worker ${slot.index}: ${m.message}`;
      u.waiting.delete(slot);
      this.settleUpdate(m.version, u);
    }
  }

  /** Each request gets a view of its rows of the batch's outputs (a copy only for a request split across batches). */
  private deliver(b: Batch, outputs: { shape: number[]; values: Values }[]): void {
    const now = performance.now();
    const sizes = outputs.map((o) => o.shape.reduce((a, c) => a * c, 1));
    for (const p of b.parts) {
      const r = p.request;
      if (r.settled) continue;
      let values: Values[];
      if (p.rows === r.rows) {
        values = outputs.map((o, i) => o.values.subarray(p.batchRow * sizes[i], (p.batchRow + p.rows) * sizes[i]) as Values);
      } else {
        r.outputs ??= outputs.map((o, i) => (o.values instanceof Int32Array ? new Int32Array(r.rows * sizes[i]) : new Float32Array(r.rows * sizes[i])));
        outputs.forEach((o, i) => r.outputs![i].set(o.values.subarray(p.batchRow * sizes[i], (p.batchRow + p.rows) * sizes[i]), p.requestRow * sizes[i]));
        r.pending -= p.rows;
        if (r.pending > 0) continue;
        values = r.outputs;
      }
      const tensors = values.map((v, i) => fromArray(v, r.single ? outputs[i].shape : [r.rows, ...outputs[i].shape]));
      r.settled = true;
      this.counts.completed++;
      this.latency.push(now - r.enqueuedAt);
      r.resolve(tensors.length === 1 ? tensors[0] : tensors);
    }
  }

  /**
   * A model that throws on one request's data (a custom layer's check) would fail every request batched with it: each
   * request's rows go again in a batch of their own, ahead of the queue, so that only the culprit fails. A worker that
   * dies is not retried this way: the culprit could end another worker.
   */
  private retryAlone(b: Batch, inputs: Values[]): void {
    const sizes = this.inputSizes;
    const retries: Batch[] = [];
    for (const p of b.parts) {
      if (p.request.settled) continue;
      const batch = this.newBatch();
      this.queue.pop();
      inputs.forEach((src, i) => batch.inputs[i].set(src.subarray(p.batchRow * sizes[i], (p.batchRow + p.rows) * sizes[i])));
      batch.parts.push({ ...p, batchRow: 0 });
      batch.rows = p.rows;
      batch.full = batch.due = true;
      retries.push(batch);
      // send() counts them out of the queue again.
      this.queuedRows += p.rows;
      if (p.requestRow + p.rows === p.request.rows) this.queuedRequests++;
    }
    this.queue.unshift(...retries);
  }

  private failBatch(b: Batch, message: string): void {
    if (b.timer) clearTimeout(b.timer);
    for (const p of b.parts) {
      const r = p.request;
      if (r.settled) continue;
      r.settled = true;
      this.counts.failed++;
      r.reject(new Error(message));
    }
  }

  /**
   * Workers are referenced while there is work (queued or in flight, starting, or an update pending), and unreferenced
   * when idle: a pool nobody closed does not keep the process alive once its requests are answered.
   */
  private setActive(): void {
    const active = this.queue.length > 0 || this.slots.some((s) => s.batch || !s.ready) || this.updates.size > 0;
    if (active === this.active) return;
    this.active = active;
    for (const s of this.slots) {
      if (active) s.worker.ref();
      else s.worker.unref();
    }
  }

  private checkDrained(): void {
    if (this.drained && this.queue.length === 0 && this.slots.every((s) => !s.batch)) {
      const done = this.drained;
      this.drained = null;
      done();
    }
  }

  /**
   * Swaps in a model's weights (and its architecture, if it changed) on every worker. Batches already sent finish on
   * the old weights; batches sent after this call use the new. Resolves when every worker holds the new model. Its
   * inputs must match the pool's, so that queued requests fit it.
   */
  update(model: Model): Promise<void> {
    if (this.closing) return Promise.reject(new Error(`${this.label} is closed (close() was called); update() needs an open pool`));
    if (this.broken) return Promise.reject(this.broken);
    let pkg;
    let signature: Signature;
    try {
      signature = signatureOf(model, `${this.label}.update`);
      if (this.signature && !sameInputs(this.signature, signature)) {
        const show = (s: Signature) => s.inputs.map((i) => `${i.name}: [${i.shape.join(', ')}] ${i.dtype}`).join('; ');
        throw new Error(`${this.label}.update: model "${model.name}" takes inputs ${show(signature)}, the pool serves ${show(this.signature)}; a pool keeps its inputs (create a new pool for a model with other inputs)`);
      }
      pkg = packModel(model, `${this.label}.update`, { optimizer: false });
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const version = ++this.version;
    this.source = { model: pkg };
    this.useSignature(signature);
    const done = new Promise<void>((resolve, reject) => {
      const u: PendingUpdate = { waiting: new Set(this.slots.filter((s) => !s.stopping)), error: null, resolve, reject };
      this.updates.set(version, u);
      this.setActive();
      const message: ToWorker = { type: 'update', version, model: pkg };
      for (const s of u.waiting) s.worker.postMessage(message);
      this.settleUpdate(version, u);
    });
    this.updating.add(done);
    const forget = () => this.updating.delete(done);
    done.then(forget, forget);
    return done;
  }

  private settleUpdate(version: number, u: PendingUpdate): void {
    if (u.waiting.size > 0) return;
    this.updates.delete(version);
    if (u.error) u.reject(new Error(`${this.label}.update: ${u.error}`));
    else u.resolve();
    this.setActive();
  }

  stats(): PoolStats {
    const inFlight = this.slots.filter((s) => s.batch);
    return {
      workers: this.slots.filter((s) => s.ready).length,
      version: this.version,
      queue: { rows: this.queuedRows, requests: this.queuedRequests },
      inFlight: { batches: inFlight.length, rows: inFlight.reduce((n, s) => n + s.batch!.rows, 0) },
      completed: this.counts.completed,
      failed: this.counts.failed,
      rejected: this.counts.rejected,
      batchSizes: { ...this.batchSizes },
      latencyMs: this.latency.percentiles(),
      queueWaitMs: this.queueWait.percentiles(),
      computeMs: this.compute.percentiles(),
      restarts: this.counts.restarts,
    };
  }

  /**
   * Stops taking requests, answers every queued and in-flight one (queued batches go at once, without waiting out
   * maxDelayMs), waits for pending updates, then ends the workers. predict() after close() rejects. With timeoutMs,
   * requests still unanswered that long after this call reject and the workers are ended regardless: a worker stuck
   * in a batch would otherwise hold a server's shutdown forever.
   */
  close(options: CloseOptions = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? Infinity;
    if (!(timeoutMs >= 0)) return Promise.reject(new Error(`${this.label}.close: timeoutMs must be a number >= 0 (or Infinity), received ${String(options.timeoutMs)}`));
    const closing = (this.closing ??= (async () => {
      for (const b of this.queue) this.markDue(b);
      this.schedule();
      await new Promise<void>((resolve) => {
        this.drained = resolve;
        this.checkDrained();
      });
      await Promise.allSettled(this.updating);
      await Promise.all(this.slots.map((s) => this.stopSlot(s)));
    })());
    if (Number.isFinite(timeoutMs)) {
      const timer = setTimeout(() => this.abandon(timeoutMs), timeoutMs);
      const clear = () => clearTimeout(timer);
      closing.then(clear, clear);
    }
    return closing;
  }

  /** close()'s timeout: rejects what is still queued or in flight and ends the workers without waiting for them. */
  private abandon(timeoutMs: number): void {
    const reason = `${this.label}: close() ended the workers after waiting ${timeoutMs} ms for the requests in progress`;
    for (const b of this.queue.splice(0)) this.failBatch(b, reason);
    this.queuedRows = this.queuedRequests = 0;
    for (const s of this.slots) {
      if (s.batch) this.failBatch(s.batch, reason);
      s.batch = null;
      void this.stopSlot(s);
    }
    this.checkDrained();
  }
}

export interface CloseOptions {
  /** Longest close() waits for queued and in-flight requests, in milliseconds (default Infinity). */
  timeoutMs?: number;
}

/**
 * A pool of worker threads serving a model with dynamic batching. `model` is a built Model (sent to the workers as
 * data) or a path or URL tn.loadModel accepts (each worker loads it).
 */
export async function createPool(model: Model | string, options: PoolOptions = {}): Promise<ServingPool> {
  let source: ModelSource;
  let signature: Signature | null = null;
  let name: string;
  if (typeof model === 'string') {
    source = { path: model };
    name = options.name ?? model;
  } else if (model && typeof (model as Model).predict === 'function' && Array.isArray((model as Model).inputs)) {
    name = options.name ?? model.name;
    signature = signatureOf(model, `createPool: serving pool "${name}"`);
    source = { model: packModel(model, `createPool: serving pool "${name}"`, { optimizer: false }) };
  } else {
    throw new Error(`createPool: expected a Model or a path or URL of a saved model, received ${model === null ? 'null' : typeof model}`);
  }
  const pool = new ServingPool(source, signature, name, options);
  await pool.start();
  return pool;
}
