// The messages between the main thread and lib/workers/model-worker, in one place.
//
// fit({ worker: true }) runs in lockstep: the worker trains with runEpochs (lib/models/training.ts), whose events go
// to one proxy that posts each event with its logs to the main thread, where fit's own CallbackList runs it; for
// the events it waits on, the reply carries back what the callbacks changed (stopTraining, the learning rate, the
// resume point, the random state, and the weights if a callback set them). Epoch-level events always wait and carry
// the state both ways; batch events wait only when some callback needs them to (see BatchMode).
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logs } from '../callbacks/callback.js';
import type { FitPlan } from '../models/training.js';
import type { ModelPackage, RandomPackage, SharedWeightsPackage, TensorPackage, WeightsPackage } from './transfer.js';

/**
 * How batch events cross: 'none' not at all; 'notify' posted without waiting (the progress bar only reads the logs);
 * 'await' posted and waited on, with the random state both ways (callbacks that set stopTraining or restore the
 * random state but read no weights mid-epoch, and LambdaCallback's plain functions, which are taken to read only the
 * logs); 'state' waited on with the weights too (any other callback with batch hooks: it may read or set them).
 */
export type BatchMode = 'none' | 'notify' | 'await' | 'state';

/** fit's plan with its tensors as packages. */
export type PlanPackage = Omit<FitPlan, 'xs' | 'ys' | 'sw' | 'val'> & {
  xs: TensorPackage[];
  ys: TensorPackage[];
  sw: TensorPackage | null;
  val: [TensorPackage[], TensorPackage[], TensorPackage | null] | null;
};

export interface FitStart {
  type: 'fit';
  model: ModelPackage;
  random: RandomPackage;
  plan: PlanPackage;
  /** Module specifiers (URLs or package names) to import before the model is rebuilt. */
  modules: string[];
  threads: number;
  /** The nice value the worker gives itself before its kernel threads start (lib/workers/priority.ts). */
  priority: number;
  batchBegin: BatchMode;
  batchEnd: BatchMode;
  /** The validation hooks (onTestBegin, ...) some callback on the main thread implements: only those are sent. */
  testHooks: TestHook[];
}

export type TestHook = 'onTestBegin' | 'onTestEnd' | 'onTestBatchBegin' | 'onTestBatchEnd';
export type FitHook = 'onTrainBegin' | 'onEpochBegin' | 'onEpochEnd' | 'onTrainEnd' | 'trainBatchBegin' | 'trainBatchEnd' | TestHook;

/** Worker to main: an event of the epochs loop. */
export interface FitEvent {
  type: 'event';
  hook: FitHook;
  /** (logs) for train begin/end, (epoch, logs) or (batch, logs) for the others. */
  args: [Logs] | [number, Logs];
  wait: boolean;
  /** On the events waited on: the worker's random state, and its weights if it trained since the last exchange. */
  random?: RandomPackage;
  weights?: SharedWeightsPackage | null;
  /**
   * Whether the main thread's weights are the worker's for this event (they came with it, or the worker has not
   * trained since they last crossed). Only then may weights a callback set go back: else they would undo batches.
   */
  current?: boolean;
}

/** Main to worker: what the callbacks of a waited-on event left. */
export interface FitReply {
  type: 'reply';
  stopTraining: boolean;
  /** A plain learning rate (a callback may have set it); null when the optimizer follows a schedule. */
  learningRate: number | null;
  resumeAt: { epoch: number; step: number } | null;
  random: RandomPackage;
  /** The weights, when a callback changed them. */
  weights: WeightsPackage | null;
}

/** Main to worker, unasked: model.stopTraining became true while batch events were only notified. */
export interface FitStop {
  type: 'stop';
}

export interface FitDone {
  type: 'done';
}

export interface WorkerError {
  type: 'error';
  /** The request it answers (predict/evaluate), absent for fit. */
  id?: number;
  name: string;
  message: string;
  stack?: string;
}

export interface PredictRequest {
  type: 'predict';
  id: number;
  model: ModelPackage;
  x: TensorPackage[];
  batchSize: number;
  verbose: 0 | 1 | 2;
  modules: string[];
  threads: number;
}

export interface EvaluateRequest {
  type: 'evaluate';
  id: number;
  model: ModelPackage;
  x: TensorPackage[];
  y: TensorPackage[];
  sampleWeight: TensorPackage | null;
  batchSize: number;
  verbose: 0 | 1 | 2;
  modules: string[];
  threads: number;
}

export interface PredictResult {
  type: 'result';
  id: number;
  outputs?: TensorPackage[];
  logs?: Logs;
}

export type ToWorker = FitStart | FitReply | FitStop | PredictRequest | EvaluateRequest;
export type FromWorker = FitEvent | FitDone | WorkerError | PredictResult;

export function errorMessage(err: unknown, id?: number): WorkerError {
  const e = err instanceof Error ? err : new Error(String(err));
  return { type: 'error', id, name: e.name, message: e.message, stack: e.stack };
}

/** The worker's error on this thread: its name, message and stack (the worker's frames). */
export function rebuildError(m: WorkerError): Error {
  const e = new Error(m.message);
  e.name = m.name;
  if (m.stack) e.stack = m.stack;
  return e;
}

/** The transferable buffers of tensor packages (each holds a fresh copy, so the sender may give it away). */
export function buffersOf(packages: (TensorPackage | null)[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const p of packages) if (p && !Array.isArray(p.values)) out.push((p.values as Float32Array | Int32Array).buffer as ArrayBuffer);
  return out;
}

/**
 * The modules a worker imports, as specifiers it can import from anywhere: URLs as they are, file paths made
 * absolute file: URLs (relative ones against the current directory), package names as they are.
 */
export function moduleSpecifiers(modules: unknown, what: string): string[] {
  if (modules === undefined) return [];
  if (!Array.isArray(modules)) throw new Error(`${what}: worker.modules must be an array of module URLs or paths, received ${JSON.stringify(modules)}`);
  return modules.map((m) => {
    if (m instanceof URL) return m.href;
    if (typeof m !== 'string' || m.length === 0) throw new Error(`${what}: worker.modules must hold URLs or non-empty strings, received ${JSON.stringify(m)}`);
    if (/^[a-z][a-z0-9+.-]*:/i.test(m) && !/^[a-z]:[\\/]/i.test(m)) return m;
    if (isAbsolute(m) || m.startsWith('./') || m.startsWith('../') || m.startsWith('.\\') || m.startsWith('..\\')) return pathToFileURL(resolve(m)).href;
    return m;
  });
}
