// fit({ worker: true }): the main thread's side. It prepares the data and builds the callbacks exactly as in-thread
// fit does, sends the model and the data to a worker once, and runs each event the worker's epochs loop posts
// (protocol.ts) on those callbacks, in order, carrying back what they changed.
import { backendInfo } from '../backend.js';
import { TerminateOnNaN } from '../callbacks/builtin.js';
import { LambdaCallback, type Callback, type CallbackList, type History, type Hook, type Logs } from '../callbacks/callback.js';
import { BackupAndRestore, ModelCheckpoint } from '../callbacks/checkpoint.js';
import { ProgbarLogger } from '../callbacks/progbar.js';
import type { Inputs } from '../models/data.js';
import type { Model } from '../models/model.js';
import { fitCallbacks, prepareFit, type FitArgs, type FitPlan } from '../models/training.js';
import { buffersOf, moduleSpecifiers, rebuildError, type BatchMode, type FitEvent, type FitReply, type FromWorker, type PlanPackage, type ToWorker } from './protocol.js';
import type { Worker } from 'node:worker_threads';
import { startWorker } from './spawn.js';
import { ensureBuilt, packModel, packRandom, packTensor, packWeights, sameWeights, unpackRandom, unpackWeights, type SharedWeightsPackage, type WeightsPackage } from './transfer.js';

const WHAT = 'fit({ worker: true })';
const MODES: BatchMode[] = ['none', 'notify', 'await', 'state'];

/** What a callback needs from the batch events (begin or end) it implements (protocol.ts, BatchMode). */
function batchNeeds(c: Callback, end: boolean): BatchMode {
  if (c instanceof ProgbarLogger) return 'notify';
  if (c instanceof TerminateOnNaN) return 'await';
  // Plain functions, mostly logging: they get the logs and may stop training or change the learning rate, but mid-
  // epoch see the weights of the last epoch's end (README, "Inside a server"). Subclass Callback for more.
  if (c instanceof LambdaCallback) return 'await';
  // Saving per epoch, their batch ends do nothing; BackupAndRestore's batch begin may restore the random state.
  if ((c instanceof ModelCheckpoint || c instanceof BackupAndRestore) && c.saveFreq === 'epoch') return end || c instanceof ModelCheckpoint ? 'none' : 'await';
  return 'state';
}

function batchMode(callbacks: CallbackList, end: boolean): BatchMode {
  const hooks: Hook[] = end ? ['onTrainBatchEnd', 'onBatchEnd'] : ['onTrainBatchBegin', 'onBatchBegin'];
  // Batch ends are always at least notified, so that model.stopTraining set on this thread by anything reaches the
  // worker (a batch or two later when no callback waits on batches).
  let mode = MODES.indexOf(end ? 'notify' : 'none');
  for (const hook of hooks) for (const c of callbacks.implementers(hook)) mode = Math.max(mode, MODES.indexOf(batchNeeds(c, end)));
  return MODES[mode];
}

function workerOptions(worker: FitArgs['worker']): { modules: string[]; threads: number; priority: number } {
  const o = worker === true ? {} : worker;
  if (!o || typeof o !== 'object') throw new Error(`${WHAT}: worker must be true or { modules?, threads?, priority? }, received ${JSON.stringify(worker)}`);
  const threads = o.threads ?? backendInfo().threads;
  if (!Number.isInteger(threads) || threads <= 0) throw new Error(`${WHAT}: worker.threads must be a positive integer, received ${String(o.threads)}`);
  const priority = o.priority ?? 0;
  if (!Number.isInteger(priority) || priority < 0 || priority > 19) throw new Error(`${WHAT}: worker.priority must be an integer from 0 (normal) to 19 (lowest), received ${String(o.priority)}`);
  return { modules: moduleSpecifiers(o.modules, WHAT), threads, priority };
}

function packPlan(plan: FitPlan): PlanPackage {
  const { xs, ys, sw, val, ...rest } = plan;
  return {
    ...rest,
    xs: xs.map(packTensor),
    ys: ys.map(packTensor),
    sw: sw ? packTensor(sw) : null,
    val: val ? [val[0].map(packTensor), val[1].map(packTensor), val[2] ? packTensor(val[2]) : null] : null,
  };
}

// A fit worker that ended its fit normally waits, unref'd, for the next fit with the same modules and priority (which
// cannot be raised again once lowered), and ends after 10 s without one. A new worker's first epoch runs a cold
// isolate (its JIT, its buffer pool): 1-epoch fits of the reference CNN ran at 79% of in-thread training on fresh
// workers against 88% for the third epoch of 3-epoch fits (npm run bench -- worker).
const IDLE_MS = 10_000;
const idleWorkers = new Map<string, { worker: Worker; timer: ReturnType<typeof setTimeout> }>();

/** Drops this file's listeners only: Worker keeps its message port running through listeners of its own. */
function unlisten(worker: Worker): void {
  for (const event of ['message', 'error', 'exit']) worker.removeAllListeners(event);
}

let started = 0;

/** Fit workers started since the process began, for the tests. */
export function startedFitWorkers(): number {
  return started;
}

function acquireWorker(key: string): Worker {
  const idle = idleWorkers.get(key);
  if (!idle) {
    started++;
    return startWorker('model-worker');
  }
  idleWorkers.delete(key);
  clearTimeout(idle.timer);
  unlisten(idle.worker);
  idle.worker.ref();
  return idle.worker;
}

function releaseWorker(key: string, worker: Worker): void {
  unlisten(worker);
  if (idleWorkers.has(key)) {
    void worker.terminate();
    return;
  }
  worker.unref();
  const drop = () => {
    if (idleWorkers.get(key)?.worker === worker) idleWorkers.delete(key);
  };
  worker.on('exit', drop);
  worker.on('error', drop);
  const timer = setTimeout(() => {
    drop();
    void worker.terminate();
  }, IDLE_MS);
  timer.unref();
  idleWorkers.set(key, { worker, timer });
}

/** For the tests: ends the fit workers waiting for a next fit; returns how many there were. */
export function endIdleFitWorkers(): number {
  const n = idleWorkers.size;
  for (const { worker, timer } of idleWorkers.values()) {
    clearTimeout(timer);
    unlisten(worker);
    void worker.terminate();
  }
  idleWorkers.clear();
  return n;
}

export async function remoteFit(model: Model, x: Inputs, y: Inputs, args: FitArgs): Promise<History> {
  if (isDataset(x)) throw new Error(`${WHAT}: training on a dataset on a worker thread is not supported yet; pass tensors, or train on this thread`);
  const { modules, threads, priority } = workerOptions(args.worker);
  const plan = prepareFit(model, x, y, args);
  const { callbacks, history } = fitCallbacks(model, plan, args.callbacks);
  ensureBuilt(model, plan.xs);
  const start = packModel(model, WHAT);
  const planPackage = packPlan(plan);
  model.stopTraining = false;
  model.resumeAt = null;
  // The weights this thread's model holds as far as the worker knows: a callback changed them if they differ.
  let synced: WeightsPackage | SharedWeightsPackage = start.weights;
  let stopSent = false;
  const key = JSON.stringify([modules, priority]);
  const worker = acquireWorker(key);
  const send = (m: ToWorker, transfer: ArrayBuffer[] = []) => worker.postMessage(m, transfer);

  const run = async (e: FitEvent): Promise<void> => {
    if (e.weights) {
      unpackWeights(model, e.weights, WHAT);
      synced = e.weights;
    }
    if (e.random) unpackRandom(model, e.random);
    const [a, b] = e.args;
    if (e.hook === 'trainBatchBegin') await callbacks.trainBatchBegin(a as number, b as Logs);
    else if (e.hook === 'trainBatchEnd') await callbacks.trainBatchEnd(a as number, b as Logs);
    else await callbacks.call(e.hook, ...e.args);
    if (!e.wait) {
      if (model.stopTraining && !stopSent) {
        stopSent = true;
        send({ type: 'stop' });
      }
      return;
    }
    let weights: WeightsPackage | null = null;
    if (e.current && !sameWeights(model, synced)) {
      weights = packWeights(model, synced.optimizer !== null);
      synced = weights;
    }
    const lr = model.optimizer?.learningRate;
    const reply: FitReply = {
      type: 'reply',
      stopTraining: model.stopTraining,
      learningRate: typeof lr === 'number' ? lr : null,
      resumeAt: e.hook === 'onTrainBegin' ? model.resumeAt : null,
      random: packRandom(model),
      weights,
    };
    // In-thread fit reads the resume point once, after onTrainBegin, and clears it.
    if (e.hook === 'onTrainBegin') model.resumeAt = null;
    send(reply);
  };

  return new Promise<History>((resolve, reject) => {
    let settled = false;
    // Events run one after another, as the loop would call them: an async callback finishes before the next event.
    let chain = Promise.resolve();
    const finish = (err: Error | null, reusable = false) => {
      if (settled) return;
      settled = true;
      if (reusable) releaseWorker(key, worker);
      else void worker.terminate();
      if (err) reject(err);
      else resolve(history);
    };
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'event') chain = chain.then(() => (settled ? undefined : run(m))).catch((err) => finish(err as Error));
      else if (m.type === 'done') chain = chain.then(() => finish(null, true));
      else if (m.type === 'error') chain = chain.then(() => finish(rebuildError(m)));
    });
    worker.on('error', (err) => finish(err));
    worker.on('exit', (code) => finish(new Error(`${WHAT}: the worker thread exited (code ${code}) before training ended`)));
    const tensors = [...planPackage.xs, ...planPackage.ys, planPackage.sw, ...(planPackage.val ? [...planPackage.val[0], ...planPackage.val[1], planPackage.val[2]] : [])];
    send({
      type: 'fit', model: start, random: packRandom(model), plan: planPackage, modules, threads, priority,
      batchBegin: batchMode(callbacks, false),
      batchEnd: batchMode(callbacks, true),
      testHooks: (['onTestBegin', 'onTestEnd', 'onTestBatchBegin', 'onTestBatchEnd'] as const).filter((h) => callbacks.has(h)),
    }, buffersOf(tensors));
  });
}

/** A tn.data-style dataset (an object with iterator()), which the worker does not take yet. */
function isDataset(x: unknown): boolean {
  return !!x && typeof x === 'object' && typeof (x as { iterator?: unknown }).iterator === 'function';
}
