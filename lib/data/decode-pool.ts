// The worker threads that decode imageDatasetFromDirectory's small PNGs (lib/workers/decode-worker.ts), so that the
// decoding of the next batches overlaps the training step on the main thread instead of running in series with it.
// One pool per size serves every iteration of every dataset in the process, and stops once it has been idle for
// a while: a worker started afresh for each epoch paid its start and a cold JIT every time (a new isolate decodes its
// first files at half speed), which was a third of the pipeline's CPU time in the data benchmark.
// A worker holds the process open only while it has a chunk to decode, so an iteration abandoned without return()
// (an iterator dropped half-way) does not keep the process alive either; nor does the idle timer.
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../workers/spawn.js';
import type { DecodeReply, DecodeRequest } from '../workers/decode-worker.js';

interface Call {
  resolve: (r: DecodeReply) => void;
  reject: (e: Error) => void;
}

let live = 0;
let started = 0;
/** How long a pool waits without a chunk to decode before it stops its workers. */
let idleMs = 10_000;
const pools = new Map<number, DecodePool>();

/** Decode workers started and not yet stopped, for the tests. */
export function liveDecodeWorkers(): number {
  return live;
}

/** Decode workers started since the process began, for the tests. */
export function startedDecodeWorkers(): number {
  return started;
}

/** For the tests: stops every pool now, and sets how long later pools stay idle before they stop. */
export function resetDecodePools(idle = 10_000): void {
  for (const p of pools.values()) p.close();
  pools.clear();
  idleMs = idle;
}

/**
 * Decodes the small PNGs among paths on the process's pool of `size` workers (started if there is none, or if the
 * last one stopped); the others come back in `fallback`.
 */
export function decodeOnWorkers(size: number, paths: string[], height: number, width: number, channels: number): Promise<DecodeReply> {
  let pool = pools.get(size);
  if (!pool || pool.stopped) {
    pool = new DecodePool(size);
    pools.set(size, pool);
  }
  return pool.decode(paths, height, width, channels);
}

class DecodePool {
  private readonly workers: { worker: Worker; calls: Map<number, Call> }[] = [];
  private nextId = 0;
  private closed = false;
  private idle: NodeJS.Timeout | null = null;

  get stopped(): boolean {
    return this.closed;
  }

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      const worker = startWorker('decode-worker');
      worker.unref();
      live++;
      started++;
      const calls = new Map<number, Call>();
      const fail = (err: Error) => {
        for (const c of calls.values()) c.reject(err);
        calls.clear();
      };
      worker.on('message', (m: DecodeReply) => {
        const c = calls.get(m.id);
        if (!c) return;
        calls.delete(m.id);
        if (calls.size === 0) worker.unref();
        if (this.workers.every((w) => w.calls.size === 0)) this.startIdleTimer();
        c.resolve(m);
      });
      worker.on('error', (err) => fail(new Error(`imageDatasetFromDirectory: a decode worker failed: ${err.message}`, { cause: err })));
      worker.on('exit', (code) => {
        if (this.closed) return;
        this.closed = true;
        live -= this.workers.length;
        const err = new Error(`imageDatasetFromDirectory: a decode worker exited with code ${code}`);
        for (const other of this.workers) {
          if (other.worker !== worker) void other.worker.terminate();
          for (const c of other.calls.values()) c.reject(err);
          other.calls.clear();
        }
      });
      this.workers.push({ worker, calls });
    }
  }

  /** Decodes the small PNGs among paths on the least busy worker; the others come back in `fallback`. */
  decode(paths: string[], height: number, width: number, channels: number): Promise<DecodeReply> {
    if (this.closed) return Promise.reject(new Error('imageDatasetFromDirectory: the decode workers were stopped'));
    let w = this.workers[0];
    for (const x of this.workers) if (x.calls.size < w.calls.size) w = x;
    const id = this.nextId++;
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    return new Promise((resolve, reject) => {
      if (w.calls.size === 0) w.worker.ref();
      w.calls.set(id, { resolve, reject });
      const request: DecodeRequest = { id, paths, height, width, channels };
      w.worker.postMessage(request);
    });
  }

  private startIdleTimer(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = setTimeout(() => {
      this.close();
      if (pools.get(this.workers.length) === this) pools.delete(this.workers.length);
    }, idleMs);
    this.idle.unref();
  }

  /**
   * Stops the workers without waiting for their exit: under tsx (a worker that loads TypeScript through module hooks)
   * the exit event of a terminated worker has been seen never to come, once in a few runs, and a program whose only
   * pending work was that wait ended there (exit code 13). The workers stay unref'd, so they never hold the process.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.idle) clearTimeout(this.idle);
    for (const w of this.workers) {
      void w.worker.terminate();
      w.worker.unref();
      live--;
    }
  }
}
