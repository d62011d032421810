// predictAsync and evaluateAsync: predict's and evaluate's results, computed on one worker thread shared by the
// process. The worker starts on the first call and is unref()ed while no call waits on it, so it never keeps the
// process alive. Each call sends the model's package (architecture and current weights); the worker answers calls in
// order, so concurrent calls each get their own model's answer.
import { backendInfo } from '../backend.js';
import { toCallbacks, type Logs } from '../callbacks/callback.js';
import { cardinality, checkSampleWeight, toList, type Inputs } from '../models/data.js';
import type { Model } from '../models/model.js';
import { metricsNames } from '../models/compile.js';
import { positiveInt, verbosity, type EvaluateArgs, type PredictArgs, type WorkerArgs } from '../models/training.js';
import type { Tensor } from '../tensor.js';
import { buffersOf, moduleSpecifiers, rebuildError, type EvaluateRequest, type FromWorker, type PredictRequest } from './protocol.js';
import { startWorker } from './spawn.js';
import { ensureBuilt, packModel, packTensor, unpackTensor } from './transfer.js';
import type { Worker } from 'node:worker_threads';

type Pending = { resolve: (m: FromWorker) => void; reject: (e: Error) => void };

let shared: { worker: Worker; pending: Map<number, Pending> } | null = null;
let nextId = 1;

function sharedWorker(): NonNullable<typeof shared> {
  if (shared) return shared;
  const worker = startWorker('model-worker');
  const pending = new Map<number, Pending>();
  const state = { worker, pending };
  const failAll = (err: Error) => {
    if (shared === state) shared = null;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  worker.on('message', (m: FromWorker) => {
    if (m.type !== 'result' && m.type !== 'error') return;
    const p = m.id === undefined ? undefined : pending.get(m.id);
    if (!p) return;
    pending.delete(m.id!);
    if (pending.size === 0) worker.unref();
    if (m.type === 'error') p.reject(rebuildError(m));
    else p.resolve(m);
  });
  worker.on('error', (err) => failAll(err));
  worker.on('exit', (code) => failAll(new Error(`predictAsync/evaluateAsync: the worker thread exited (code ${code})`)));
  worker.unref();
  shared = state;
  return state;
}

function request(m: PredictRequest | EvaluateRequest, transfer: ArrayBuffer[]): Promise<FromWorker> {
  const { worker, pending } = sharedWorker();
  return new Promise((resolve, reject) => {
    if (pending.size === 0) worker.ref();
    pending.set(m.id, { resolve, reject });
    worker.postMessage(m, transfer);
  });
}


export async function predictAsync(model: Model, x: Inputs, args: PredictArgs & WorkerArgs = {}): Promise<Tensor | Tensor[]> {
  const xs = toList(x, model.inputNames, 'x', model.name);
  cardinality([['x', xs]]);
  const batchSize = positiveInt(args.batchSize, 32, 'predictAsync: batchSize');
  ensureBuilt(model, xs);
  const pkg = packModel(model, 'predictAsync', { optimizer: false });
  const inputs = xs.map(packTensor);
  const m: PredictRequest = {
    type: 'predict', id: nextId++, model: pkg, x: inputs, batchSize, verbose: args.verbose ?? 0,
    modules: moduleSpecifiers(args.modules, 'predictAsync'), threads: backendInfo().threads,
  };
  const r = await request(m, [...buffersOf(inputs), pkg.weights.data]);
  const outs = (r.type === 'result' && r.outputs ? r.outputs : []).map(unpackTensor);
  return outs.length === 1 ? outs[0] : outs;
}

export async function evaluateAsync(model: Model, x: Inputs, y: Inputs, args: EvaluateArgs & WorkerArgs = {}): Promise<number[] | Logs> {
  if (!model.compiled) throw new Error(`You must call compile() before using the model for evaluation: model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] })`);
  if (toCallbacks(args.callbacks).length) throw new Error('evaluateAsync: callbacks are not supported (the batches run on a worker thread); use evaluate() for callbacks');
  const xs = toList(x, model.inputNames, 'x', model.name);
  const ys = toList(y, model.outputNames, 'y', model.name);
  const n = cardinality([['x', xs], ['y', ys]]);
  const sw = checkSampleWeight(args.sampleWeight, n);
  const batchSize = positiveInt(args.batchSize, 32, 'evaluateAsync: batchSize');
  ensureBuilt(model, xs);
  const pkg = packModel(model, 'evaluateAsync');
  const [px, py, pw] = [xs.map(packTensor), ys.map(packTensor), sw ? packTensor(sw) : null];
  const m: EvaluateRequest = {
    type: 'evaluate', id: nextId++, model: pkg, x: px, y: py, sampleWeight: pw, batchSize,
    verbose: verbosity(args.verbose, 1),
    modules: moduleSpecifiers(args.modules, 'evaluateAsync'), threads: backendInfo().threads,
  };
  const r = await request(m, [...buffersOf([...px, ...py, pw]), pkg.weights.data]);
  const logs = (r.type === 'result' && r.logs) || {};
  if (args.returnDict) return logs;
  return metricsNames(model.compiled).map((k) => logs[k]);
}
