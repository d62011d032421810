// fit, evaluate and predict on a tn.data Dataset (Keras 3's model.fit(dataset), TF.js's fitDataset/evaluateDataset).
// Each element the dataset yields is one batch; the per-batch steps, callbacks and metrics are training.ts's, so a
// dataset and the same batches as tensors train to the same weights.
//
// Epochs follow Keras: without stepsPerEpoch an epoch is one pass over the dataset (a fresh iteration each epoch); with
// it, one iteration runs across epochs and each epoch takes the next stepsPerEpoch batches from where the last one
// stopped. A dataset that runs out before stepsPerEpoch * epochs batches ends training with Keras's warning.
import type { PyDataset } from '../data/py-dataset.js';
import { checkOptionNames } from '../names.js';
import { noGrad } from '../autograd/tape.js';
import { CallbackList, History, toCallbacks, type CallbackArg, type Logs } from '../callbacks/callback.js';
import { Progbar, ProgbarLogger } from '../callbacks/progbar.js';
import { Dataset } from '../data/dataset.js';
import { isContainer } from '../data/structure.js';
import { persistent, withScope } from '../memory.js';
import { fmt } from '../shape-util.js';
import { empty, Tensor, type TensorLike } from '../tensor.js';
import { currentLogs, metricsNames, resetMetrics, type Compiled } from './compile.js';
import { cardinality, checkSampleWeight, toList, type Inputs } from './data.js';
import type { Model } from './model.js';
import { checkYieldEvery, combinedWeights, evaluateLists, nextTick, requireCompiled, testStep, trainStep, verbosity, yielder, type YieldEvery } from './training.js';

export interface FitDatasetArgs {
  epochs?: number;
  /** 0 silent, 1 progress bar, 2 one line per epoch. */
  verbose?: 0 | 1 | 2 | 'auto';
  callbacks?: CallbackArg;
  /** Batches per epoch; the iteration continues across epochs (needed for a dataset that repeats forever). */
  stepsPerEpoch?: number;
  /** TF.js's name for stepsPerEpoch. */
  batchesPerEpoch?: number;
  /** When fit lets the event loop run (as fit's yieldEvery: 'auto', 'batch', 'epoch', 'never' or milliseconds). */
  yieldEvery?: YieldEvery;
  /** A dataset of batches, or tensors [x, y] / [x, y, sampleWeight]. */
  validationData?: Dataset<unknown> | PyDataset | [Inputs, Inputs] | [Inputs, Inputs, TensorLike];
  /** Batches of validationData per validation (default: all of it). */
  validationSteps?: number;
  /** TF.js's name for validationSteps. */
  validationBatches?: number;
  /** Batch size of tensor validationData (default 32). */
  validationBatchSize?: number;
  /** Validate every n epochs. */
  validationFreq?: number;
  initialEpoch?: number;
  /** Weight of each class in the loss, by class index. */
  classWeight?: Record<number, number>;
}

export interface EvaluateDatasetArgs {
  /** Batches to evaluate (default: the whole dataset). */
  steps?: number;
  /** TF.js's name for steps. */
  batches?: number;
  verbose?: 0 | 1 | 2 | 'auto';
  callbacks?: CallbackArg;
  returnDict?: boolean;
}

export interface PredictDatasetArgs {
  /** Batches to predict (default: the whole dataset). */
  steps?: number;
  verbose?: 0 | 1 | 2;
}

interface Batch {
  xs: Tensor[];
  ys: Tensor[] | null;
  sw: Tensor | null;
}

function describe(v: unknown): string {
  if (v instanceof Tensor) return `a tensor of shape ${fmt(v.shape)}`;
  if (Array.isArray(v)) return `an array of ${v.length} (${v.map(describe).join(', ')})`;
  if (v !== null && typeof v === 'object') return `an object with keys ${Object.keys(v).join(', ')}`;
  return String(v);
}

/**
 * x or y of a batch as the model's list. An object with one key that is not a model input or output name stands for
 * its value (TF.js's csv gives { xs: { column: ... } }).
 */
function toModelList(v: unknown, names: string[], what: string, model: Model): Tensor[] {
  if (isContainer(v) && !Array.isArray(v) && names.length === 1) {
    const keys = Object.keys(v);
    if (keys.length === 1 && !names.includes(keys[0])) v = v[keys[0]];
  }
  if (Array.isArray(v) && names.length === 1 && v.length > 1 && v.every((t) => t instanceof Tensor && t.rank === 1)) {
    throw new Error(`${what}: model "${model.name}" has one ${what.endsWith('x') ? 'input' : 'output'}, but the batch holds ${v.length} tensors of shape [batch]: an element's array of numbers must be one array ([1, 2, 3]), or use a typed array or a tensor`);
  }
  return toList(v as Inputs, names, what, model.name);
}

/** A dataset element as a batch: [x], [x, y], [x, y, sampleWeight], { xs, ys }, or x alone. */
function unpack(model: Model, element: unknown, needTargets: boolean, what: string): Batch {
  let x: unknown;
  let y: unknown;
  let sw: unknown;
  if (Array.isArray(element) && isContainer(element)) {
    if (element.length < 1 || element.length > 3) throw new Error(`${what}: a dataset element must be [x], [x, y] or [x, y, sampleWeight] (or { xs, ys }), received ${describe(element)}`);
    [x, y, sw] = element;
  } else if (isContainer(element) && !Array.isArray(element) && 'xs' in element) {
    x = element.xs;
    y = element.ys;
    sw = element.sampleWeight;
  } else {
    x = element;
  }
  if (needTargets && (y === undefined || y === null)) {
    throw new Error(`${what}: the dataset's elements must hold targets, as [x, y], [x, y, sampleWeight] or { xs, ys }; received ${describe(element)}`);
  }
  model.noteDictInputs(x);
  const xs = toModelList(x, model.inputNames, `${what}: x`, model);
  const ys = y === undefined || y === null ? null : toModelList(y, model.outputNames, `${what}: y`, model);
  cardinality([['x', xs], ...(ys ? ([['y', ys]] as [string, Tensor[]][]) : [])]);
  return { xs, ys, sw: sw === undefined || sw === null ? null : checkSampleWeight(sw as TensorLike, xs[0].shape[0]) };
}

function positiveSteps(v: number | undefined, what: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${what} must be a positive integer, received ${String(v)}`);
  return v;
}

/** The number of batches an iteration gives, when the dataset knows it. */
function knownSize(ds: Dataset<unknown>): number | null {
  return ds.size !== null && Number.isFinite(ds.size) ? ds.size : null;
}

export async function fitDataset(model: Model, dataset: Dataset<unknown>, args: FitDatasetArgs = {}): Promise<History> {
  if (!(dataset instanceof Dataset)) throw new Error('fitDataset: expected a tn.data Dataset');
  // batchSize and shuffle are taken and ignored, as Keras ignores them for a dataset (its batches and order are its own).
  checkOptionNames(args, ['epochs', 'verbose', 'callbacks', 'stepsPerEpoch', 'batchesPerEpoch', 'validationData', 'validationSteps', 'validationBatches', 'validationBatchSize', 'validationFreq', 'initialEpoch', 'classWeight', 'batchSize', 'shuffle', 'yieldEvery'], 'fit', {
    // Keras's own errors for these with a dataset, which fit takes with tensors.
    validationSplit: 'validationSplit is only supported for tensors; split a dataset with tn.utils.splitDataset or take() / skip() and pass the held-out part as validationData',
    sampleWeight: 'a dataset gives its sample weights in its elements, as [x, y, sampleWeight]',
  });
  const c = requireCompiled(model, 'training');
  const yields = yielder(checkYieldEvery(args.yieldEvery));
  const epochs = args.epochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 0) throw new Error(`fit: epochs must be a non-negative integer, received ${String(args.epochs)}`);
  const verbose = verbosity(args.verbose, 1);
  const initialEpoch = args.initialEpoch ?? 0;
  const stepsPerEpoch = positiveSteps(args.stepsPerEpoch ?? args.batchesPerEpoch, 'fit: stepsPerEpoch');
  if (stepsPerEpoch === undefined && dataset.size === Infinity) {
    throw new Error('fit: the dataset repeats forever, so fit needs stepsPerEpoch (the number of batches in an epoch)');
  }
  const validationSteps = positiveSteps(args.validationSteps ?? args.validationBatches, 'fit: validationSteps');
  const val = args.validationData;
  if (val instanceof Dataset && validationSteps === undefined && val.size === Infinity) {
    throw new Error('fit: validationData repeats forever, so fit needs validationSteps');
  }
  let steps: number | null = stepsPerEpoch ?? knownSize(dataset);
  const history = new History();
  const callbacks = new CallbackList([...(verbose ? [new ProgbarLogger(verbose)] : []), ...toCallbacks(args.callbacks), history]);
  const params = () => ({ epochs, steps, verbose });
  callbacks.setModel(model);
  callbacks.setParams(params());
  model.stopTraining = false;
  model.resumeAt = null;
  await callbacks.call('onTrainBegin', {});
  const resume = model.resumeAt as { epoch: number; step: number } | null;
  model.resumeAt = null;
  if (resume && !(Number.isInteger(resume.epoch) && resume.epoch >= 0 && Number.isInteger(resume.step) && resume.step >= 0)) {
    throw new Error(`fit: a callback asked to resume at epoch ${resume.epoch}, batch ${resume.step}; both must be non-negative integers`);
  }
  const firstEpoch = resume ? resume.epoch : initialEpoch;
  let iterator: AsyncIterator<unknown, undefined> | null = null;
  let epochLogs: Logs = {};
  try {
    for (let epoch = firstEpoch; epoch < epochs; epoch++) {
      resetMetrics(c);
      await callbacks.call('onEpochBegin', epoch, {});
      if (!stepsPerEpoch || !iterator) iterator = dataset[Symbol.asyncIterator]();
      let step = 0;
      let ranOut = false;
      // A resumed epoch continues after the batches it had already trained on.
      const skip = resume && epoch === firstEpoch ? resume.step : 0;
      for (let s = 0; s < skip; s++) if ((await iterator.next()).done) break;
      step = skip;
      while (stepsPerEpoch === undefined || step < stepsPerEpoch) {
        const r = await iterator.next();
        if (r.done) {
          ranOut = stepsPerEpoch !== undefined;
          break;
        }
        // A model with its own trainStep takes elements of x alone (Keras passes y None to train_step).
        const b = unpack(model, r.value, typeof model.trainStep !== 'function', 'fit');
        const sw = combinedWeights(b.sw ?? undefined, args.classWeight, b.ys ?? [], b.xs[0].shape[0], 'fit');
        await callbacks.trainBatchBegin(step, { batch: step, size: b.xs[0].shape[0] });
        if (model.savesInFlight.size) await Promise.allSettled(model.savesInFlight);
        withScope(() => trainStep(model, c, b.xs, b.ys ?? [], sw));
        await callbacks.trainBatchEnd(step, currentLogs(c));
        step++;
        await yields.batch();
        if (model.stopTraining) break;
      }
      await yields.epoch();
      if (ranOut) {
        console.warn('fit: your input ran out of data; interrupting training. Make sure that your dataset can generate at least `stepsPerEpoch * epochs` batches. You may need to use the repeat() function when building your dataset.');
        model.stopTraining = true;
        iterator = null;
        if (step === 0) break;
      }
      // Keras raises on an epoch with no batches (its logs would be empty); a loss of 0 would read as trained.
      if (step === 0 && !ranOut && !model.stopTraining) throw new Error('fit: the dataset gave no batches');
      // One full pass told us the epoch's length: the next epochs' bars show it (Keras learns it the same way).
      if (steps === null && !stepsPerEpoch && !model.stopTraining) {
        steps = step;
        callbacks.setParams(params());
      }
      epochLogs = currentLogs(c);
      if (val && (epoch + 1 - initialEpoch) % (args.validationFreq ?? 1) === 0) {
        const vl = await validate(model, c, val, validationSteps, args.validationBatchSize ?? 32, callbacks);
        for (const [k, v] of Object.entries(vl)) epochLogs[`val_${k}`] = v;
      }
      await callbacks.call('onEpochEnd', epoch, epochLogs);
      if (model.stopTraining) break;
    }
  } finally {
    await iterator?.return?.(undefined);
  }
  await callbacks.call('onTrainEnd', epochLogs);
  return history;
}

async function validate(model: Model, c: Compiled, val: NonNullable<FitDatasetArgs['validationData']>, steps: number | undefined, batchSize: number, callbacks: CallbackList): Promise<Logs> {
  if (val instanceof Dataset) return evaluateBatches(model, c, val, steps, 0, callbacks);
  if (!Array.isArray(val) || val.length < 2 || val.length > 3) throw new Error('fit: validationData must be a Dataset or [x, y] / [x, y, sampleWeight]');
  const vxs = model.inputList(val[0] as Inputs, 'validationData x');
  const vys = toList(val[1], model.outputNames, 'validationData y', model.name);
  const vn = cardinality([['validation x', vxs], ['validation y', vys]]);
  return evaluateLists(model, c, vxs, vys, checkSampleWeight(val[2] as TensorLike | undefined, vn), batchSize, 0, callbacks);
}

async function evaluateBatches(model: Model, c: Compiled, dataset: Dataset<unknown>, steps: number | undefined, verbose: 0 | 1 | 2, callbacks: CallbackList | null): Promise<Logs> {
  if (steps === undefined && dataset.size === Infinity) throw new Error('evaluate: the dataset repeats forever, so evaluate needs steps');
  resetMetrics(c);
  const target = steps ?? knownSize(dataset);
  const bar = verbose ? new Progbar(target, verbose) : null;
  await callbacks?.call('onTestBegin', {});
  const it = dataset[Symbol.asyncIterator]();
  let step = 0;
  try {
    while (steps === undefined || step < steps) {
      const r = await it.next();
      if (r.done) break;
      const b = unpack(model, r.value, typeof model.trainStep !== 'function', 'evaluate');
      await callbacks?.call('onTestBatchBegin', step, {});
      withScope(() => testStep(model, c, b.xs, b.ys ?? [], b.sw));
      const logs = currentLogs(c);
      step++;
      bar?.update(step, logs);
      await callbacks?.call('onTestBatchEnd', step - 1, logs);
      await nextTick();
    }
  } finally {
    await it.return?.(undefined);
  }
  if (step === 0) throw new Error('evaluate: the dataset gave no batches');
  const logs = currentLogs(c);
  bar?.update(step, logs, true);
  await callbacks?.call('onTestEnd', logs);
  return logs;
}

export async function evaluateDataset(model: Model, dataset: Dataset<unknown>, args: EvaluateDatasetArgs = {}): Promise<number[] | Logs> {
  if (!(dataset instanceof Dataset)) throw new Error('evaluateDataset: expected a tn.data Dataset');
  checkOptionNames(args, ['steps', 'batches', 'verbose', 'callbacks', 'returnDict', 'batchSize'], 'evaluate');
  const c = requireCompiled(model, 'evaluation');
  const callbacks = new CallbackList(toCallbacks(args.callbacks));
  callbacks.setModel(model);
  const logs = await evaluateBatches(model, c, dataset, positiveSteps(args.steps ?? args.batches, 'evaluate: steps'), verbosity(args.verbose, 1), callbacks);
  if (args.returnDict) return logs;
  return metricsNames(c).map((k) => logs[k]);
}

/** The model's outputs for every batch of the dataset, joined along the batch axis. */
export async function predictDataset(model: Model, dataset: Dataset<unknown>, args: PredictDatasetArgs = {}): Promise<Tensor | Tensor[]> {
  const steps = positiveSteps(args.steps, 'predict: steps');
  if (steps === undefined && dataset.size === Infinity) throw new Error('predict: the dataset repeats forever, so predict needs steps');
  const bar = args.verbose ? new Progbar(steps ?? knownSize(dataset), args.verbose) : null;
  const parts: Tensor[][] = [];
  const it = dataset[Symbol.asyncIterator]();
  try {
    while (steps === undefined || parts.length < steps) {
      const r = await it.next();
      if (r.done) break;
      const b = unpack(model, r.value, false, 'predict');
      // The outputs leave the step's scope as copies the garbage collector owns.
      parts.push(withScope(() => {
        const outs = noGrad(() => model.forward(b.xs, false)).map((o) => persistent(() => o.clone()));
        model.clearCallLosses();
        return outs;
      }));
      bar?.update(parts.length, {});
      await nextTick();
    }
  } finally {
    await it.return?.(undefined);
  }
  if (parts.length === 0) throw new Error('predict: the dataset gave no batches');
  bar?.update(parts.length, {}, true);
  const outs = parts[0].map((first, k) => {
    const rows = parts.reduce((n, p) => n + p[k].shape[0], 0);
    const out = persistent(() => empty([rows, ...first.shape.slice(1)], first.dtype));
    let offset = 0;
    for (const p of parts) {
      out.values.set(p[k].values, offset);
      offset += p[k].size;
    }
    return out;
  });
  return outs.length === 1 ? outs[0] : outs;
}
