// Callbacks: Keras's hooks around training, evaluation and prediction. Any hook may return a promise; the loop
// awaits it. Only hooks a callback overrides are called, so an empty hook costs nothing per batch.
import { checkOptionNames } from '../names.js';
import type { Model } from '../models/model.js';

export type Logs = Record<string, number>;
type Maybe = void | Promise<void>;

export class Callback {
  /**
   * The model being trained (set by fit, evaluate and predict before the first hook). Typed as always there, as TF.js
   * and Keras treat it inside hooks; it is null only before the callback is handed to one of them.
   */
  model: Model = null as unknown as Model;
  /** epochs, steps, verbose, ... */
  params: Record<string, unknown> = {};

  setModel(model: Model): void {
    this.model = model;
  }
  setParams(params: Record<string, unknown>): void {
    this.params = params;
  }

  onTrainBegin(_logs?: Logs): Maybe {}
  onTrainEnd(_logs?: Logs): Maybe {}
  onEpochBegin(_epoch: number, _logs?: Logs): Maybe {}
  onEpochEnd(_epoch: number, _logs?: Logs): Maybe {}
  onTrainBatchBegin(_batch: number, _logs?: Logs): Maybe {}
  onTrainBatchEnd(_batch: number, _logs?: Logs): Maybe {}
  /** Alias of onTrainBatchBegin (Keras's on_batch_begin, TF.js's onBatchBegin). */
  onBatchBegin(_batch: number, _logs?: Logs): Maybe {}
  /** Alias of onTrainBatchEnd. */
  onBatchEnd(_batch: number, _logs?: Logs): Maybe {}
  onTestBegin(_logs?: Logs): Maybe {}
  onTestEnd(_logs?: Logs): Maybe {}
  onTestBatchBegin(_batch: number, _logs?: Logs): Maybe {}
  onTestBatchEnd(_batch: number, _logs?: Logs): Maybe {}
  onPredictBegin(_logs?: Logs): Maybe {}
  onPredictEnd(_logs?: Logs): Maybe {}
  onPredictBatchBegin(_batch: number, _logs?: Logs): Maybe {}
  onPredictBatchEnd(_batch: number, _logs?: Logs): Maybe {}
}

export type Hook = Exclude<keyof Callback, 'model' | 'params' | 'setModel' | 'setParams'>;

const base = Callback.prototype;

/** The callbacks of one fit/evaluate/predict call, dispatching each hook to those that implement it. */
export class CallbackList {
  private readonly byHook = new Map<Hook, Callback[]>();
  private outputNames: readonly string[] = [];

  constructor(readonly callbacks: Callback[]) {
    for (const c of callbacks) {
      if (!(c instanceof Callback)) throw new Error('callbacks must be instances of Callback, or objects of hook functions ({ onEpochEnd(epoch, logs) { ... } }), or a list of them');
    }
  }

  setModel(model: Model): void {
    this.outputNames = logOutputNames(model);
    for (const c of this.callbacks) c.setModel(model);
  }
  setParams(params: Record<string, unknown>): void {
    for (const c of this.callbacks) c.setParams(params);
  }

  /** The callbacks that override `hook`. */
  implementers(hook: Hook): Callback[] {
    let list = this.byHook.get(hook);
    if (!list) {
      list = this.callbacks.filter((c) => (c as unknown as Record<string, unknown>)[hook] !== (base as unknown as Record<string, unknown>)[hook]);
      this.byHook.set(hook, list);
    }
    return list;
  }

  has(hook: Hook): boolean {
    return this.implementers(hook).length > 0;
  }

  async call(hook: Hook, ...args: unknown[]): Promise<void> {
    const logs = args[args.length - 1];
    if (logs !== null && typeof logs === 'object') addTfjsLogNames(logs as Logs, this.outputNames);
    for (const c of this.implementers(hook)) {
      const r = (c[hook] as (...a: unknown[]) => Maybe).apply(c, args);
      if (r && typeof (r as Promise<void>).then === 'function') await r;
    }
  }

  async trainBatchBegin(batch: number, logs: Logs): Promise<void> {
    await this.call('onTrainBatchBegin', batch, logs);
    await this.call('onBatchBegin', batch, logs);
  }
  async trainBatchEnd(batch: number, logs: Logs): Promise<void> {
    await this.call('onTrainBatchEnd', batch, logs);
    await this.call('onBatchEnd', batch, logs);
  }
}

/**
 * TF.js logs the accuracy metric as `acc` / `val_acc` where Keras writes `accuracy` / `val_accuracy` (and the
 * cross-entropy metric as `ce` where Keras writes the `crossentropy` it was given), each prefixed by its output's name
 * in a model of several outputs (`out1_acc`, `val_out1_acc`), and ported TF.js code reads `logs.acc`,
 * `history.history.val_out1_acc` or monitors 'val_acc'. Those names read the Keras entries but are not enumerable, so
 * the progress bar, CSVLogger, TensorBoard and the History keys list Keras's names only.
 */
const TFJS_METRIC_NAMES: readonly (readonly [string, string])[] = [['accuracy', 'acc'], ['crossentropy', 'ce']];

export function addTfjsLogNames(logs: Record<string, unknown>, outputNames: readonly string[] = []): void {
  for (const output of ['', ...outputNames.map((n) => `${n}_`)]) {
    for (const split of ['', 'val_']) {
      for (const [keras, tfjs] of TFJS_METRIC_NAMES) {
        const from = split + output + keras;
        const to = split + output + tfjs;
        if (from in logs && !(to in logs)) {
          Object.defineProperty(logs, to, { get: () => logs[from], enumerable: false, configurable: true });
        }
      }
    }
  }
}

/** The output names that prefix the metrics in a model's logs: none for a single output, as Keras and TF.js log them. */
function logOutputNames(model: Model | null): readonly string[] {
  const outputs = model?.outputs;
  return Array.isArray(outputs) && outputs.length > 1 ? model!.outputNames : [];
}

/** Records each epoch's logs: history.history.loss, .accuracy, .val_loss, ... (fit returns it). */
export class History extends Callback {
  epoch: number[] = [];
  history: Record<string, number[]> = {};

  override onTrainBegin(): void {
    this.epoch = [];
  }
  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
    addTfjsLogNames(this.history, logOutputNames(this.model));
  }
}

export interface LambdaCallbackArgs {
  onTrainBegin?: (logs?: Logs) => Maybe;
  onTrainEnd?: (logs?: Logs) => Maybe;
  onEpochBegin?: (epoch: number, logs?: Logs) => Maybe;
  onEpochEnd?: (epoch: number, logs?: Logs) => Maybe;
  onBatchBegin?: (batch: number, logs?: Logs) => Maybe;
  onBatchEnd?: (batch: number, logs?: Logs) => Maybe;
  /** Keras 3's on_train_batch_begin / _end (the same events as onBatchBegin / onBatchEnd). */
  onTrainBatchBegin?: (batch: number, logs?: Logs) => Maybe;
  onTrainBatchEnd?: (batch: number, logs?: Logs) => Maybe;
  onTestBegin?: (logs?: Logs) => Maybe;
  onTestEnd?: (logs?: Logs) => Maybe;
  onTestBatchBegin?: (batch: number, logs?: Logs) => Maybe;
  onTestBatchEnd?: (batch: number, logs?: Logs) => Maybe;
  onPredictBegin?: (logs?: Logs) => Maybe;
  onPredictEnd?: (logs?: Logs) => Maybe;
  onPredictBatchBegin?: (batch: number, logs?: Logs) => Maybe;
  onPredictBatchEnd?: (batch: number, logs?: Logs) => Maybe;
  /**
   * TF.js's onYield(epoch, batch, logs): called where fit lets the event loop run, which here is after every
   * training batch.
   */
  onYield?: (epoch: number, batch: number, logs?: Logs) => Maybe;
}

const LAMBDA_HOOKS = [
  'onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd', 'onTrainBatchBegin',
  'onTrainBatchEnd', 'onTestBegin', 'onTestEnd', 'onTestBatchBegin', 'onTestBatchEnd', 'onPredictBegin', 'onPredictEnd',
  'onPredictBatchBegin', 'onPredictBatchEnd',
] as const;

/** A callback from plain functions (Keras's LambdaCallback; TF.js's custom callback objects become one). */
export class LambdaCallback extends Callback {
  constructor(args: LambdaCallbackArgs = {}) {
    super();
    const name = new.target.name;
    checkOptionNames(args, [...LAMBDA_HOOKS, 'onYield'], name);
    for (const h of [...LAMBDA_HOOKS, 'onYield'] as const) {
      const f = args[h];
      if (f !== undefined && typeof f !== 'function') throw new Error(`${name}: ${h} must be a function`);
    }
    for (const h of LAMBDA_HOOKS) if (args[h] !== undefined) (this as unknown as Record<string, unknown>)[h] = args[h];
    const onYield = args.onYield;
    if (onYield) {
      // The epoch onYield reports: fit's, tracked here (the batch hooks do not carry it).
      let epoch = 0;
      const onEpochBegin = args.onEpochBegin;
      this.onEpochBegin = (e: number, logs?: Logs) => {
        epoch = e;
        return onEpochBegin?.(e, logs);
      };
      const onTrainBatchEnd = args.onTrainBatchEnd;
      this.onTrainBatchEnd = async (batch: number, logs?: Logs) => {
        await onTrainBatchEnd?.(batch, logs);
        await onYield(epoch, batch, logs);
      };
    }
  }
}

/**
 * TF.js's CustomCallback: `new tn.CustomCallback({ onEpochEnd: async (epoch, logs) => ... })`, a LambdaCallback
 * (the same hooks, TF.js's and Keras's names).
 */
export class CustomCallback extends LambdaCallback {}

/** What `callbacks` may be in fit, evaluate and predict, as Keras and TF.js take it. */
export type CallbackArg = Callback | LambdaCallbackArgs | (Callback | LambdaCallbackArgs)[] | null | undefined;

/**
 * fit's, evaluate's and predict's `callbacks` as a list of Callbacks: Keras's list of Callback objects, or TF.js's
 * object of hook functions ({ onEpochEnd: (epoch, logs) => ... }), alone or in a list, which become LambdaCallbacks.
 */
export function toCallbacks(value: CallbackArg): Callback[] {
  if (value === undefined || value === null) return [];
  const one = (c: unknown): Callback => {
    if (c instanceof Callback) return c;
    if (c !== null && typeof c === 'object' && Object.getPrototypeOf(c) === Object.prototype) return new LambdaCallback(c as LambdaCallbackArgs);
    throw new Error(`callbacks must be instances of Callback, or objects of hook functions ({ onEpochEnd(epoch, logs) { ... } }), or a list of them; received ${c === null ? 'null' : typeof c === 'object' ? (c as object).constructor?.name ?? 'an object' : typeof c}`);
  };
  return Array.isArray(value) ? value.map(one) : [one(value)];
}
