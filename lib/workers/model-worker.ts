// The worker thread behind fit({ worker: true }), predictAsync and evaluateAsync (started with
// startWorker('model-worker')). A fit worker trains one fit at a time; when a fit resolves the main thread ends it,
// or keeps it a while for the next fit (remote-fit.ts). The shared worker of predictAsync/evaluateAsync answers
// requests one after another, each carrying the model's package.
import { parentPort, type MessagePort } from 'node:worker_threads';
import { setNumThreads } from '../backend.js';
import type { Logs } from '../callbacks/callback.js';
import type { Model } from '../models/model.js';
import { evaluate, predict, runEpochs, type FitEvents, type FitPlan } from '../models/training.js';
import type { Tensor } from '../tensor.js';
import { buffersOf, errorMessage, type BatchMode, type EvaluateRequest, type FitHook, type FitReply, type FitStart, type FromWorker, type PredictRequest, type TestHook, type ToWorker } from './protocol.js';
import { lowerThreadPriority } from './priority.js';
import { packRandom, packTensor, packWeightsShared, unpackModel, unpackRandom, unpackTensor, unpackWeights, type ModelPackage } from './transfer.js';

const port = parentPort as MessagePort;
const post = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

async function importModules(modules: string[]): Promise<void> {
  for (const m of modules) await import(m);
}

/** The epochs loop's events, handed to the main thread's callbacks (see protocol.ts). */
class RemoteEvents implements FitEvents {
  /** Trained since the weights last crossed. */
  private dirty = false;
  private waiting: ((reply: FitReply) => void) | null = null;
  /** The shared memory the weights cross in; the main thread has read it before it replies. */
  private shared: SharedArrayBuffer | null = null;

  constructor(private readonly model: Model, private readonly batchBegin: BatchMode, private readonly batchEnd: BatchMode, private readonly testHooks: readonly TestHook[] = []) {}

  receive(m: ToWorker): void {
    if (m.type === 'stop') this.model.stopTraining = true;
    else if (m.type === 'reply' && this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve(m);
    }
  }

  call(hook: 'onTrainBegin' | 'onTrainEnd' | 'onEpochBegin' | 'onEpochEnd' | TestHook, ...args: [Logs] | [number, Logs]): Promise<void> {
    if (hook === 'onTestBatchBegin' || hook === 'onTestBatchEnd') {
      // Per validation batch: only when a callback there implements it, and without waiting (nothing it may change
      // matters before the epoch's end, which waits).
      if (this.testHooks.includes(hook)) post({ type: 'event', hook, args, wait: false });
      return Promise.resolve();
    }
    if ((hook === 'onTestBegin' || hook === 'onTestEnd') && !this.testHooks.includes(hook)) return Promise.resolve();
    return this.exchange(hook, args, true);
  }

  trainBatchBegin(batch: number, logs: Logs): Promise<void> {
    return this.batch('trainBatchBegin', this.batchBegin, batch, logs);
  }

  trainBatchEnd(batch: number, logs: Logs): Promise<void> {
    this.dirty = true;
    return this.batch('trainBatchEnd', this.batchEnd, batch, logs);
  }

  private async batch(hook: FitHook, mode: BatchMode, batch: number, logs: Logs): Promise<void> {
    if (mode === 'none') return;
    if (mode === 'notify') post({ type: 'event', hook, args: [batch, logs], wait: false });
    else await this.exchange(hook, [batch, logs], mode === 'state');
  }

  private async exchange(hook: FitHook, args: [Logs] | [number, Logs], withWeights: boolean): Promise<void> {
    const model = this.model;
    const weights = withWeights && this.dirty ? packWeightsShared(model, this.shared) : null;
    if (weights) {
      this.shared = weights.data;
      this.dirty = false;
    }
    const reply = new Promise<FitReply>((resolve) => (this.waiting = resolve));
    post({ type: 'event', hook, args, wait: true, random: packRandom(model), weights, current: !this.dirty });
    const r = await reply;
    model.stopTraining = r.stopTraining;
    if (r.resumeAt) model.resumeAt = r.resumeAt;
    if (r.weights) unpackWeights(model, r.weights, 'fit({ worker: true })');
    if (r.learningRate !== null && model.optimizer) model.optimizer.learningRate = r.learningRate;
    unpackRandom(model, r.random);
  }
}

async function fit(m: FitStart): Promise<void> {
  // Before the first kernel: libgomp starts this thread's team on its first parallel region, and the team inherits it.
  if (m.priority > 0) lowerThreadPriority(m.priority);
  await importModules(m.modules);
  setNumThreads(m.threads);
  const model = unpackModel(m.model, 'fit({ worker: true })');
  unpackRandom(model, m.random);
  const p = m.plan;
  const plan: FitPlan = {
    ...p,
    xs: p.xs.map(unpackTensor),
    ys: p.ys.map(unpackTensor),
    sw: p.sw ? unpackTensor(p.sw) : null,
    val: p.val ? [p.val[0].map(unpackTensor), p.val[1].map(unpackTensor), p.val[2] ? unpackTensor(p.val[2]) : null] : null,
  };
  const events = new RemoteEvents(model, m.batchBegin, m.batchEnd, m.testHooks ?? []);
  const receive = (r: ToWorker) => events.receive(r);
  port.on('message', receive);
  try {
    await runEpochs(model, plan, events);
  } finally {
    // The worker may train the next fit (remote-fit.ts keeps it for a while): this fit's messages end here.
    port.off('message', receive);
  }
  post({ type: 'done' });
}

// The shared worker rebuilds a model only when its architecture (or compile arguments) is new; weights are set on
// every request, so the answer is always that of the caller's current weights.
const models = new Map<string, Model>();
const MAX_MODELS = 4;

function modelFor(pkg: ModelPackage, what: string): Model {
  const key = JSON.stringify([pkg.topology, pkg.compile]);
  let model = models.get(key);
  if (model) {
    models.delete(key);
    unpackWeights(model, pkg.weights, what);
  } else {
    model = unpackModel(pkg, what);
    if (models.size >= MAX_MODELS) models.delete(models.keys().next().value as string);
  }
  models.set(key, model);
  return model;
}

async function answer(m: PredictRequest | EvaluateRequest): Promise<void> {
  await importModules(m.modules);
  setNumThreads(m.threads);
  if (m.type === 'predict') {
    const model = modelFor(m.model, 'predictAsync');
    const out = predict(model, m.x.map(unpackTensor), { batchSize: m.batchSize, verbose: m.verbose });
    const outputs = (Array.isArray(out) ? out : [out]).map((t: Tensor) => packTensor(t));
    post({ type: 'result', id: m.id, outputs }, buffersOf(outputs));
  } else {
    const model = modelFor(m.model, 'evaluateAsync');
    const logs = (await evaluate(model, m.x.map(unpackTensor), m.y.map(unpackTensor), {
      batchSize: m.batchSize, verbose: m.verbose, returnDict: true, sampleWeight: m.sampleWeight ? unpackTensor(m.sampleWeight) : undefined,
    })) as Logs;
    post({ type: 'result', id: m.id, logs });
  }
}

// Requests are answered one at a time, in order: a model and the kernels' threads belong to one request while it runs.
let queue = Promise.resolve();

port.on('message', (m: ToWorker) => {
  if (m.type === 'fit') {
    fit(m).catch((err) => post(errorMessage(err)));
  } else if (m.type === 'predict' || m.type === 'evaluate') {
    queue = queue.then(() => answer(m)).catch((err) => post(errorMessage(err, m.id)));
  }
});
