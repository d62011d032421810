// map on worker threads, for CPU-heavy JavaScript (a pure-JS decoder, augmentation on raw pixels): the function is
// named by its module and export, so each worker imports it itself (functions cannot cross threads), and elements
// and results cross by structured clone. The workers live for one iteration of the dataset: started when it begins,
// terminated when it ends or is abandoned, so nothing keeps the process alive afterwards.
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Tensor } from '../tensor.js';
import { isContainer } from './structure.js';

/** A function for map() to run on worker threads: an export of a module the workers import. */
export class WorkerFunction {
  /** @internal */
  constructor(readonly href: string, readonly exportName: string) {}
}

/**
 * Names `exportName` of the module `module` (a URL such as `new URL('./augment.js', import.meta.url)`, or an absolute
 * path) for `ds.map(tn.data.workerFunction(...), { numParallelCalls })`, which runs it on that many worker threads.
 * The function takes an element and returns (or resolves to) the new one; both cross threads by structured clone, so
 * they hold numbers, strings, typed arrays, arrays and plain objects, not tensors (make tensors in a map after it).
 */
export function workerFunction(module: string | URL, exportName = 'default'): WorkerFunction {
  let href: string;
  if (module instanceof URL) href = module.href;
  else if (typeof module === 'string' && module.startsWith('file:')) href = module;
  else if (typeof module === 'string' && isAbsolute(module)) href = pathToFileURL(module).href;
  else throw new Error(`data.workerFunction: module must be a URL (new URL('./file.js', import.meta.url)) or an absolute path, received ${String(module)}`);
  if (typeof exportName !== 'string' || exportName === '') throw new Error('data.workerFunction: exportName must be a non-empty string');
  return new WorkerFunction(href, exportName);
}

// Runs in each worker (CommonJS, evaluated): imports the user's module once and answers calls by id.
const bootstrap = `
const { parentPort, workerData } = require('node:worker_threads');
const ready = import(workerData.href).then((m) => {
  const f = m[workerData.exportName];
  if (typeof f !== 'function') throw new Error('data.workerFunction: ' + workerData.href + ' has no exported function ' + JSON.stringify(workerData.exportName));
  return f;
});
parentPort.on('message', async ({ id, element }) => {
  try {
    const f = await ready;
    parentPort.postMessage({ id, value: await f(element) });
  } catch (err) {
    parentPort.postMessage({ id, error: { message: err instanceof Error ? err.message : String(err), stack: err instanceof Error ? err.stack : undefined } });
  }
});
`;

function checkCloneable(v: unknown, path: string): void {
  if (v instanceof Tensor) {
    throw new Error(`map on worker threads: the element holds a tensor${path ? ` at ${path}` : ''}; tensors do not cross threads. Pass its data (t.data(), t.shape) or a file path, and make the tensor in a map after the worker's`);
  }
  if (Array.isArray(v)) v.forEach((e, i) => checkCloneable(e, `${path}[${i}]`));
  else if (isContainer(v)) for (const [k, e] of Object.entries(v)) checkCloneable(e, `${path}.${k}`);
}

interface Call {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

export class WorkerPool {
  private readonly workers: { worker: Worker; calls: Map<number, Call> }[] = [];
  private nextId = 0;
  private closed = false;

  constructor(readonly fn: WorkerFunction, size: number) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(bootstrap, { eval: true, workerData: { href: fn.href, exportName: fn.exportName } });
      const calls = new Map<number, Call>();
      worker.on('message', (m: { id: number; value?: unknown; error?: { message: string; stack?: string } }) => {
        const c = calls.get(m.id);
        if (!c) return;
        calls.delete(m.id);
        if (m.error) {
          const e = new Error(m.error.message);
          if (m.error.stack) e.stack = m.error.stack;
          c.reject(e);
        } else c.resolve(m.value);
      });
      const fail = (err: Error) => {
        for (const c of calls.values()) c.reject(err);
        calls.clear();
      };
      worker.on('error', fail);
      worker.on('exit', (code) => {
        if (!this.closed) fail(new Error(`map on worker threads: a worker running ${fn.href} exited with code ${code}`));
      });
      this.workers.push({ worker, calls });
    }
  }

  run(element: unknown): Promise<unknown> {
    checkCloneable(element, '');
    // The least busy worker; calls to one worker run one after the other.
    let w = this.workers[0];
    for (const x of this.workers) if (x.calls.size < w.calls.size) w = x;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      w.calls.set(id, { resolve, reject });
      w.worker.postMessage({ id, element });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}
