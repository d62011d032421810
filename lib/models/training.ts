// The training loops behind Model's fit, evaluate, predict and the *OnBatch methods. Each batch runs inside a step
// scope (lib/memory.ts), so its intermediate buffers are recycled when the batch ends.
import { backward, insideGradFunction, noGrad } from '../autograd/tape.js';
import { CallbackList, History, toCallbacks, type CallbackArg, type Logs } from '../callbacks/callback.js';
import { ProgbarLogger, Progbar } from '../callbacks/progbar.js';
import { persistent, withScope } from '../memory.js';
import { mul } from '../ops/elementwise.js';
import { resultValue } from '../metrics.js';
import { generator } from '../random.js';
import { empty, Tensor, Variable, type TensorLike } from '../tensor.js';
import { checkOptionNames } from '../names.js';
import { batchLoss, currentLogs, metricsNames, resetMetrics, updateCompiledMetrics, type Compiled } from './compile.js';
import { cardinality, checkSampleWeight, classWeightsFor, gatherRows, rowRange, toList, type Inputs } from './data.js';
import type { Model } from './model.js';

export interface FitArgs {
  epochs?: number;
  batchSize?: number;
  /** 0 silent, 1 progress bar (one line per epoch when not a terminal), 2 one line per epoch. */
  verbose?: 0 | 1 | 2 | 'auto';
  callbacks?: CallbackArg;
  /** Fraction of the data (taken from the end, before shuffling) held out for validation. */
  validationSplit?: number;
  validationData?: [Inputs, Inputs] | [Inputs, Inputs, TensorLike];
  validationBatchSize?: number;
  /** Validate every n epochs. */
  validationFreq?: number;
  shuffle?: boolean;
  initialEpoch?: number;
  /** Weight of each class in the loss (and the metrics), by class index. */
  classWeight?: Record<number, number>;
  sampleWeight?: TensorLike;
  /** Stop an epoch after this many batches. */
  stepsPerEpoch?: number;
  /**
   * TF.js's yieldEvery: when fit lets the event loop run. 'auto' and 'batch' (the default): after every batch;
   * 'epoch': after each epoch only; 'never': not until fit ends; a number: after the first batch that ends at least
   * that many milliseconds after the last yield.
   */
  yieldEvery?: YieldEvery;
  /**
   * Train on a worker thread, leaving this thread's event loop free: `true`, or the modules that register custom
   * layers, losses and metrics there and the worker's kernel threads (default: this thread's).
   */
  worker?: boolean | FitWorkerOptions;
}

export interface FitWorkerOptions {
  /** Modules the worker imports before it rebuilds the model (URLs, file paths, or package names). */
  modules?: (string | URL)[];
  /** The worker's kernel threads (setNumThreads); default backendInfo().threads of the calling thread. */
  threads?: number;
  /**
   * The worker's scheduling priority, as os.setPriority's (a nice value): 0, the default, as the calling thread; up to
   * 19 (os.constants.priority.PRIORITY_LOW), training that runs on the time the rest of the process leaves, as a
   * server that answers requests while it trains wants. Linux only (each thread has its own nice value there, which
   * the kernel threads inherit); elsewhere it is ignored, as lowering one thread would renice the whole process.
   */
  priority?: number;
}

export interface EvaluateArgs {
  batchSize?: number;
  verbose?: 0 | 1 | 2 | 'auto';
  sampleWeight?: TensorLike;
  callbacks?: CallbackArg;
  /** Return {loss, accuracy, ...} instead of [loss, accuracy, ...]. */
  returnDict?: boolean;
}

export interface PredictArgs {
  batchSize?: number;
  verbose?: 0 | 1 | 2;
}

/** predictAsync's and evaluateAsync's extra argument: modules the worker imports first (custom layers, losses, metrics). */
export interface WorkerArgs {
  modules?: (string | URL)[];
}

/** The options fit(), evaluate() and predict() take: anything else is refused (checkOptionNames), as Keras refuses fit(epoch=3). */
export const FIT_ARGS = ['epochs', 'batchSize', 'verbose', 'callbacks', 'validationSplit', 'validationData', 'validationBatchSize', 'validationFreq', 'shuffle', 'initialEpoch', 'classWeight', 'sampleWeight', 'stepsPerEpoch', 'yieldEvery', 'worker'] as const;
export const EVALUATE_ARGS = ['batchSize', 'verbose', 'sampleWeight', 'callbacks', 'returnDict'] as const;
export const PREDICT_ARGS = ['batchSize', 'verbose'] as const;

export function verbosity(v: FitArgs['verbose'], fallback: 0 | 1 | 2): 0 | 1 | 2 {
  if (v === undefined || v === 'auto') return fallback;
  if (v !== 0 && v !== 1 && v !== 2) throw new Error(`verbose must be 0, 1, 2 or 'auto', received ${JSON.stringify(v)}`);
  return v;
}

export function positiveInt(v: number | undefined, fallback: number, what: string): number {
  const n = v ?? fallback;
  // JSON.stringify quotes a string ('32'), which String() would print as if it were the number.
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${what} must be a positive integer, received ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`);
  return n;
}

export const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

export type YieldEvery = 'auto' | 'batch' | 'epoch' | 'never' | number;

/** Checks fit's yieldEvery. */
export function checkYieldEvery(v: unknown): YieldEvery {
  if (v === undefined || v === null) return 'auto';
  if (v === 'auto' || v === 'batch' || v === 'epoch' || v === 'never' || (typeof v === 'number' && v >= 0 && Number.isFinite(v))) return v;
  throw new Error(`fit: yieldEvery must be 'auto', 'batch', 'epoch', 'never' or a number of milliseconds >= 0, received ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`);
}

/** Where fit's loops let the event loop run, by yieldEvery: after a batch (batch()) and after an epoch (epoch()). */
export function yielder(every: YieldEvery): { batch(): Promise<void> | undefined; epoch(): Promise<void> | undefined } {
  let last = Date.now();
  const now = () => {
    last = Date.now();
    return nextTick();
  };
  return {
    batch: () => (every === 'auto' || every === 'batch' || (typeof every === 'number' && Date.now() - last >= every) ? now() : undefined),
    epoch: () => (every === 'epoch' ? now() : undefined),
  };
}

export function requireCompiled(model: Model, what: string): Compiled {
  if (!model.compiled || !model.optimizer) {
    throw new Error(`You must call compile() before using the model for ${what}: model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] })`);
  }
  return model.compiled;
}

/** Sample weights times class weights (Keras multiplies them when both are given). */
export function combinedWeights(sampleWeight: TensorLike | undefined, classWeight: Record<number, number> | undefined, ys: Tensor[], n: number, what: string): Tensor | null {
  const sw = checkSampleWeight(sampleWeight, n);
  if (classWeight === undefined || classWeight === null) return sw;
  if (typeof classWeight !== 'object' || Array.isArray(classWeight) || Object.values(classWeight).some((w) => typeof w !== 'number' || !Number.isFinite(w) || w < 0)) {
    throw new Error(`${what}: classWeight must map class indices to non-negative finite numbers ({ 0: 1, 1: 5 }), received ${JSON.stringify(classWeight) ?? String(classWeight)}`);
  }
  if (ys.length !== 1) throw new Error(`${what}: classWeight is supported only for models with a single output`);
  // Keras refuses these too: in [N, H, W] sparse masks or [N, T, C] one-hot sequences the per-sample label is not defined.
  if (ys[0].shape.length >= 3) {
    throw new Error(`${what}: classWeight is not supported for targets of 3 or more dimensions (y has shape ${JSON.stringify(ys[0].shape)}), as in Keras; to weight pixels or steps by their class, pass a sampleWeight with one weight per pixel or step ([N, H, W] beside [N, H, W] sparse masks)`);
  }
  const cw = classWeightsFor(ys[0], classWeight);
  return sw ? mul(sw, cw) : cw;
}

/** A model's own step's logs as numbers: each value a number or a one-element tensor. */
function stepLogs(logs: unknown, what: string): Logs {
  if (logs === null || typeof logs !== 'object' || Array.isArray(logs)) throw new Error(`${what} must return an object of logs ({ loss, ... }), received ${logs === null ? 'null' : Array.isArray(logs) ? 'an array' : typeof logs}`);
  const out: Logs = {};
  const entries = (o: Record<string, unknown>): [string, unknown][] =>
    // An object of logs (compile_metrics' result()) gives its entries under their own names, as Keras flattens it.
    Object.entries(o).flatMap(([k, v]) => (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype ? entries(v as Record<string, unknown>) : [[k, v] as [string, unknown]]));
  for (const [k, v] of entries(logs as Record<string, unknown>)) {
    if (typeof v === 'number') out[k] = v;
    else if (v instanceof Tensor && v.size === 1) out[k] = v.item();
    else throw new Error(`${what} returned "${k}" as ${v instanceof Tensor ? `a tensor of shape ${JSON.stringify(v.shape)}` : typeof v}; logs are numbers or one-element tensors`);
  }
  return out;
}

/** A step's data as Keras's train_step gets it: x and y a tensor each (lists for several), y null when not given. */
const stepData = (model: Model, xs: Tensor[], ys: Tensor[], sw: Tensor | null): [Tensor | Tensor[], Tensor | Tensor[] | null, Tensor | null] => {
  // A subclassed model given a dict of inputs gets the dict back, as Keras hands train_step the data as given.
  const keys = model.isSubclassed() ? model.dictInputKeys : null;
  const x = keys && keys.length === xs.length ? (Object.fromEntries(keys.map((k, i) => [k, xs[i]])) as unknown as Tensor[]) : xs.length === 1 ? xs[0] : xs;
  return [x, ys.length === 0 ? null : ys.length === 1 ? ys[0] : ys, sw];
};

/** One optimisation step on a batch (call inside a step scope): the model's own trainStep when it defines one. */
export function trainStep(model: Model, c: Compiled, xs: Tensor[], ys: Tensor[], sw: Tensor | null): void {
  forgettingStepLosses(model, () => trainStepInScope(model, c, xs, ys, sw));
}

export function testStep(model: Model, c: Compiled, xs: Tensor[], ys: Tensor[], sw: Tensor | null): void {
  forgettingStepLosses(model, () => testStepInScope(model, c, xs, ys, sw));
}

/**
 * Runs a step, then forgets the losses its forward pass added (addLoss, activity regularizers): they live in the
 * step's scope, so model.losses after fit lists the weight penalties rather than tensors whose buffers were recycled.
 */
function forgettingStepLosses(model: Model, step: () => void): void {
  try {
    step();
  } finally {
    model.clearCallLosses();
  }
}

/**
 * The built-in step's loss, updating the loss tracker and compile()'s metrics: the compiled loss plus the layers' own,
 * or, as Keras 3's default train_step calls compute_loss, the subclass's own computeLoss (keras.io's Distiller adds
 * the teacher's distillation loss there).
 */
function stepLoss(model: Model, c: Compiled, outs: Tensor[], xs: Tensor[], ys: Tensor[], sw: Tensor | null, training: boolean): Tensor {
  if (!model.ownComputeLoss()) return batchLoss(c, outs, ys, sw, model.losses);
  const [x, y] = stepData(model, xs, ys, sw);
  const loss = model.computeLoss({ x, y, yPred: outs.length === 1 ? outs[0] : outs, sampleWeight: sw, training });
  if (!(loss instanceof Tensor) || loss.size !== 1) {
    throw new Error(`${model.className}.computeLoss must return a scalar tensor, received ${loss instanceof Tensor ? `a tensor of shape [${loss.shape.join(', ')}]` : typeof loss}`);
  }
  c.lossTracker.addValues(loss.item(), null, xs[0].shape[0]);
  if (ys.length) updateCompiledMetrics(c, outs, ys, sw);
  return loss;
}

/**
 * The variables fit and trainOnBatch train: those trainable when compile() ran, as Keras's and TF.js's compile fix
 * them. A GAN compiles its discriminator, then sets discriminator.trainable = false to build and compile the combined
 * model, and the discriminator's own trainOnBatch must still train it (TF.js's ACGAN). Variables made after compile()
 * (a model built by its first batch) follow their flags.
 */
function trainedVariables(model: Model, c: Compiled): Variable[] {
  const live = model.trainableWeights;
  if (!c.trainableAtCompile || !c.frozenAtCompile) return live;
  const frozen = c.frozenAtCompile;
  const out = live.filter((v) => !frozen.has(v));
  const kept = new Set(out);
  for (const v of c.trainableAtCompile) if (!kept.has(v)) out.push(v);
  return out;
}

function trainStepInScope(model: Model, c: Compiled, xs: Tensor[], ys: Tensor[], sw: Tensor | null): void {
  if (typeof model.trainStep === 'function') {
    c.customLogs = stepLogs(model.trainStep(stepData(model, xs, ys, sw)), `${model.className}.trainStep`);
    return;
  }
  // Variables frozen since compile() still train here: the tape records their uses only while they are leaves.
  const thawed = (c.trainableAtCompile ?? []).filter((v) => !v._leaf && v.dtype === 'float32');
  for (const v of thawed) v._leaf = true;
  try {
    const outs = model.forward(xs, true);
    model.matchOutputCount(outs.length);
    const loss = stepLoss(model, c, outs, xs, ys, sw, true);
    const vars = trainedVariables(model, c);
    const optimizer = model.optimizer!;
    // Dense kernels the optimizer can update during the backward pass get no gradient here (Optimizer.fusedDenseUpdate).
    // A constrained kernel is projected after its update, which applyGradients does: it takes the separate path.
    const grads = backward(loss, null, vars, (v) => (v instanceof Variable && !v.constraint ? optimizer.fusedDenseUpdate(v) : null));
    const pairs: [Tensor | null, Variable][] = vars.map((v) => [grads.get(v) ?? null, v]);
    noGrad(() => optimizer.applyGradients(pairs));
  } finally {
    for (const v of thawed) v._leaf = false;
  }
}

function testStepInScope(model: Model, c: Compiled, xs: Tensor[], ys: Tensor[], sw: Tensor | null): void {
  if (typeof model.testStep === 'function') {
    c.customLogs = stepLogs(noGrad(() => model.testStep!(stepData(model, xs, ys, sw))), `${model.className}.testStep`);
    return;
  }
  if (model.ownComputeLoss()) {
    noGrad(() => {
      const outs = model.forward(xs, false);
      model.matchOutputCount(outs.length);
      stepLoss(model, c, outs, xs, ys, sw, false);
    });
    return;
  }
  // A model with its own trainStep, compiled without a loss and with no testStep: Keras's default test_step then has
  // no loss to compute (0) and reports the trackers the model lists in `metrics`.
  if (typeof model.trainStep === 'function' && c.losses.some((l) => l.name === 'no_loss')) {
    const own = (model as unknown as { metrics?: unknown }).metrics;
    const logs: Logs = { loss: 0 };
    if (Array.isArray(own)) {
      for (const m of own) {
        if (!m || typeof m.name !== 'string' || typeof m.result !== 'function' || m.name === 'loss') continue;
        // compile_metrics' result is an object of its metrics' values, logged under their own names.
        const r = resultValue(m.result(), m.name);
        if (typeof r === 'number') logs[m.name] = r;
        else if (r && typeof r === 'object') Object.assign(logs, r);
      }
    }
    c.customLogs = logs;
    return;
  }
  noGrad(() => {
    const outs = model.forward(xs, false);
    model.matchOutputCount(outs.length);
    batchLoss(c, outs, ys, sw, model.losses);
  });
}

/** fit's data and settings, checked and split: everything the epochs need besides the model and its callbacks. */
export interface FitPlan {
  epochs: number;
  batchSize: number;
  verbose: 0 | 1 | 2;
  initialEpoch: number;
  shuffle: boolean;
  validationFreq: number;
  validationBatchSize: number;
  xs: Tensor[];
  ys: Tensor[];
  sw: Tensor | null;
  /** Training samples (after the validation split). */
  n: number;
  stepsPerEpoch: number;
  val: [Tensor[], Tensor[], Tensor | null] | null;
  yieldEvery: YieldEvery;
}

/**
 * Integer labels for a sparse categorical loss, checked over the whole data before training: the loss checks each
 * batch too, but could name only a position within a (shuffled) batch, not the sample.
 */
function checkSparseLabels(model: Model, c: Compiled, ys: Tensor[], what: string): void {
  ys.forEach((y, i) => {
    if (c.losses[i]?.constructor.name !== 'SparseCategoricalCrossentropy') return;
    const out = model.outputs[i]?.shape;
    const classes = out ? out[out.length - 1] : null;
    if (classes === null || classes === undefined) return;
    const v = y.values;
    const per = y.shape[0] ? v.length / y.shape[0] : 1;
    for (let k = 0; k < v.length; k++) {
      const label = v[k] as number;
      if (!Number.isInteger(label) || label < 0 || label >= classes) {
        const where = ys.length > 1 ? ` for output '${model.outputNames[i]}'` : '';
        throw new Error(`${what}${where}: label ${label} of sample ${Math.floor(k / per)} is out of range for ${classes} classes (sparse_categorical_crossentropy expects an integer from 0 to ${classes - 1})`);
      }
    }
  });
}

/** Checks fit's arguments and data and splits off the validation samples; throws before anything trains. */
export function prepareFit(model: Model, x: Inputs, y: Inputs, args: FitArgs = {}): FitPlan {
  requireCompiled(model, 'training');
  // Keras allows epochs 0 (or no more than initialEpoch): fit then trains nothing and returns an empty History.
  const epochs = args.epochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 0) throw new Error(`fit: epochs must be a non-negative integer, received ${typeof args.epochs === 'string' ? JSON.stringify(args.epochs) : String(args.epochs)}`);
  const batchSize = positiveInt(args.batchSize, 32, 'fit: batchSize');
  const verbose = verbosity(args.verbose, 1);
  let xs = model.inputList(x, 'x');
  // Keras's fit(x) without y: for a model whose own trainStep needs no targets (an autoencoder's, a VAE's).
  const ownStep = typeof model.trainStep === 'function';
  if ((y === undefined || y === null) && !ownStep) throw new Error('fit: y (the targets) must be given; only a model with its own trainStep trains on x alone');
  let ys = y === undefined || y === null ? [] : toList(y, model.outputNames, 'y', model.name);
  let n = cardinality([['x', xs], ['y', ys]]);
  if (n === 0) throw new Error('fit: the data has no samples');
  checkSparseLabels(model, model.compiled!, ys, 'fit: y');
  let sw = combinedWeights(args.sampleWeight, args.classWeight, ys, n, 'fit');
  let val: FitPlan['val'] = null;
  if (args.validationData) {
    const [vx, vy, vw] = args.validationData;
    const vxs = model.inputList(vx, 'validationData x');
    const vys = toList(vy, model.outputNames, 'validationData y', model.name);
    const vn = cardinality([['validation x', vxs], ['validation y', vys]]);
    checkSparseLabels(model, model.compiled!, vys, 'fit: validationData y');
    val = [vxs, vys, checkSampleWeight(vw, vn)];
  } else if (args.validationSplit != null && args.validationSplit !== 0) {
    const split = args.validationSplit;
    if (typeof split !== 'number' || !(split > 0 && split < 1)) throw new Error(`fit: validationSplit must be between 0 and 1, received ${split}`);
    const cut = Math.floor(n * (1 - split));
    if (cut === 0 || cut === n) throw new Error(`fit: validationSplit ${split} leaves no ${cut === 0 ? 'training' : 'validation'} samples out of ${n}`);
    val = [xs.map((t) => rowRange(t, cut, n)), ys.map((t) => rowRange(t, cut, n)), sw ? rowRange(sw, cut, n) : null];
    xs = xs.map((t) => rowRange(t, 0, cut));
    ys = ys.map((t) => rowRange(t, 0, cut));
    sw = sw ? rowRange(sw, 0, cut) : null;
    n = cut;
  }
  const initialEpoch = args.initialEpoch ?? 0;
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0) throw new Error(`fit: initialEpoch must be a non-negative integer, received ${String(args.initialEpoch)}`);
  const shuffle = args.shuffle ?? true;
  if (typeof shuffle !== 'boolean') throw new Error(`fit: shuffle must be a boolean, received ${String(args.shuffle)}`);
  return {
    epochs, batchSize, verbose, initialEpoch, shuffle,
    validationFreq: positiveInt(args.validationFreq, 1, 'fit: validationFreq'), validationBatchSize: positiveInt(args.validationBatchSize, batchSize, 'fit: validationBatchSize'),
    xs, ys, sw, n, stepsPerEpoch: Math.min(Math.ceil(n / batchSize), args.stepsPerEpoch === undefined ? Infinity : positiveInt(args.stepsPerEpoch, 1, 'fit: stepsPerEpoch')), val,
    yieldEvery: checkYieldEvery(args.yieldEvery),
  };
}

/** The callbacks fit runs (progress bar, the user's, History last), given the model and fit's params. */
export function fitCallbacks(model: Model, plan: FitPlan, callbacks: CallbackArg): { callbacks: CallbackList; history: History } {
  const history = new History();
  const list = new CallbackList([...(plan.verbose ? [new ProgbarLogger(plan.verbose)] : []), ...toCallbacks(callbacks), history]);
  list.setModel(model);
  list.setParams({ epochs: plan.epochs, steps: plan.stepsPerEpoch, verbose: plan.verbose, samples: plan.n, batchSize: plan.batchSize });
  return { callbacks: list, history };
}

/**
 * What the epochs loop calls at each event. A CallbackList in-thread; on a worker thread (fit({ worker: true })) a
 * proxy that hands each event to the main thread's CallbackList and waits for its answer.
 */
/** The validation hooks, which evaluate and fit's validation call (a CallbackList has them). */
export interface TestEvents {
  call(hook: 'onTestBegin' | 'onTestEnd', logs: Logs): Promise<void>;
  call(hook: 'onTestBatchBegin' | 'onTestBatchEnd', batch: number, logs: Logs): Promise<void>;
}

export interface FitEvents extends TestEvents {
  call(hook: 'onTrainBegin' | 'onTrainEnd' | 'onTestBegin' | 'onTestEnd', logs: Logs): Promise<void>;
  call(hook: 'onEpochBegin' | 'onEpochEnd' | 'onTestBatchBegin' | 'onTestBatchEnd', epoch: number, logs: Logs): Promise<void>;
  trainBatchBegin(batch: number, logs: Logs): Promise<void>;
  trainBatchEnd(batch: number, logs: Logs): Promise<void>;
}

/** fit's epochs: shuffling, the batches, validation, and the callbacks' events around them. */
export async function runEpochs(model: Model, plan: FitPlan, callbacks: FitEvents): Promise<void> {
  const c = requireCompiled(model, 'training');
  const { epochs, batchSize, initialEpoch, xs, ys, sw, n, stepsPerEpoch, val } = plan;
  model.stopTraining = false;
  model.resumeAt = null;
  await callbacks.call('onTrainBegin', {});
  // A callback (BackupAndRestore) may have restored an interrupted run: continue at its epoch, after its batches.
  const resume = model.resumeAt as { epoch: number; step: number } | null;
  model.resumeAt = null;
  if (resume && !(Number.isInteger(resume.epoch) && resume.epoch >= 0 && Number.isInteger(resume.step) && resume.step >= 0)) {
    throw new Error(`fit: a callback asked to resume at epoch ${resume.epoch}, batch ${resume.step}; both must be non-negative integers`);
  }
  const firstEpoch = resume ? resume.epoch : initialEpoch;
  const yields = yielder(plan.yieldEvery ?? 'auto');
  const order = new Int32Array(n);
  let epochLogs: Logs = {};
  for (let epoch = firstEpoch; epoch < epochs; epoch++) {
    resetMetrics(c);
    await callbacks.call('onEpochBegin', epoch, {});
    for (let i = 0; i < n; i++) order[i] = i;
    if (plan.shuffle) {
      const g = generator();
      for (let i = n - 1; i > 0; i--) {
        const j = g.int(i + 1);
        const t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
    for (let step = resume && epoch === firstEpoch ? resume.step : 0; step < stepsPerEpoch; step++) {
      const start = step * batchSize;
      const end = Math.min(n, start + batchSize);
      await callbacks.trainBatchBegin(step, { batch: step, size: end - start });
      if (model.savesInFlight.size) await Promise.allSettled(model.savesInFlight);
      withScope(() => {
        const bx = xs.map((t) => gatherRows(t, order, start, end));
        const by = ys.map((t) => gatherRows(t, order, start, end));
        const bw = sw ? gatherRows(sw, order, start, end) : null;
        trainStep(model, c, bx, by, bw);
      });
      await callbacks.trainBatchEnd(step, currentLogs(c));
      await yields.batch();
      if (model.stopTraining) break;
    }
    await yields.epoch();
    epochLogs = currentLogs(c);
    if (val && (epoch + 1 - initialEpoch) % plan.validationFreq === 0) {
      // As Keras 3 runs fit's validation through evaluate, the callbacks get its onTest* events.
      const vl = await evaluateLists(model, c, val[0], val[1], val[2], plan.validationBatchSize, 0, callbacks);
      for (const [k, v] of Object.entries(vl)) epochLogs[`val_${k}`] = v;
    }
    await callbacks.call('onEpochEnd', epoch, epochLogs);
    if (model.stopTraining) break;
  }
  await callbacks.call('onTrainEnd', epochLogs);
}

export async function fit(model: Model, x: Inputs, y: Inputs, args: FitArgs = {}): Promise<History> {
  checkOptionNames(args, FIT_ARGS, 'fit');
  const plan = prepareFit(model, x, y, args);
  const { callbacks, history } = fitCallbacks(model, plan, args.callbacks);
  await runEpochs(model, plan, callbacks);
  return history;
}

export async function evaluateLists(
  model: Model, c: Compiled, xs: Tensor[], ys: Tensor[], sw: Tensor | null, batchSize: number, verbose: 0 | 1 | 2, callbacks: TestEvents | null,
): Promise<Logs> {
  const n = cardinality([['x', xs], ['y', ys]]);
  resetMetrics(c);
  const steps = Math.ceil(n / batchSize);
  const bar = verbose ? new Progbar(steps, verbose) : null;
  await callbacks?.call('onTestBegin', {});
  for (let step = 0; step < steps; step++) {
    const start = step * batchSize;
    const end = Math.min(n, start + batchSize);
    await callbacks?.call('onTestBatchBegin', step, {});
    withScope(() => testStep(model, c, xs.map((t) => rowRange(t, start, end)), ys.map((t) => rowRange(t, start, end)), sw ? rowRange(sw, start, end) : null));
    const logs = currentLogs(c);
    bar?.update(step + 1, logs, step === steps - 1);
    await callbacks?.call('onTestBatchEnd', step, logs);
    await nextTick();
  }
  const logs = currentLogs(c);
  await callbacks?.call('onTestEnd', logs);
  return logs;
}

export async function evaluate(model: Model, x: Inputs, y: Inputs, args: EvaluateArgs = {}): Promise<number[] | Logs> {
  checkOptionNames(args, EVALUATE_ARGS, 'evaluate');
  const c = requireCompiled(model, 'evaluation');
  const xs = model.inputList(x, 'x');
  // Keras's evaluate(x) without y: a model's own testStep gets y null, and a trainStep model without one reports
  // its trackers (the default test step's loss 0), as fit's validation does.
  const noTargets = y === undefined || y === null;
  if (noTargets && typeof model.testStep !== 'function' && !(typeof model.trainStep === 'function' && c.losses.every((l) => l.name === 'no_loss'))) {
    throw new Error('evaluate: y (the targets) must be given; only a model with its own testStep, or a trainStep model compiled without a loss, evaluates on x alone');
  }
  const ys = noTargets ? [] : toList(y, model.outputNames, 'y', model.name);
  const n = cardinality([['x', xs], ['y', ys]]);
  const batchSize = positiveInt(args.batchSize, 32, 'evaluate: batchSize');
  const callbacks = new CallbackList(toCallbacks(args.callbacks));
  callbacks.setModel(model);
  const logs = await evaluateLists(model, c, xs, ys, checkSampleWeight(args.sampleWeight, n), batchSize, verbosity(args.verbose, 1), callbacks);
  if (args.returnDict) return logs;
  return metricsNames(c).map((k) => logs[k]);
}

export function predict(model: Model, x: Inputs, args: PredictArgs = {}): Tensor | Tensor[] {
  checkOptionNames(args, PREDICT_ARGS, 'predict');
  const xs = model.inputList(x, 'x');
  if (insideGradFunction()) return taped(model, xs);
  const n = cardinality([['x', xs]]);
  const batchSize = positiveInt(args.batchSize, 32, 'predict: batchSize');
  const steps = Math.ceil(n / batchSize);
  const bar = args.verbose ? new Progbar(steps, args.verbose) : null;
  let results: Tensor[] | null = null;
  for (let step = 0; step < steps; step++) {
    const start = step * batchSize;
    const end = Math.min(n, start + batchSize);
    withScope(() => {
      const outs = noGrad(() => model.forward(xs.map((t) => rowRange(t, start, end)), false));
      model.clearCallLosses();
      results ??= persistent(() => outs.map((o) => empty([n, ...o.shape.slice(1)], o.dtype)));
      outs.forEach((o, i) => results![i].values.set(o.values, start * (o.size / (end - start || 1))));
    });
    bar?.update(step + 1, {}, step === steps - 1);
  }
  // No samples: run once on the empty batch to learn the output shapes.
  results ??= noGrad(() => model.forward(xs, false));
  return results.length === 1 ? results[0] : results;
}

export function trainOnBatch(model: Model, x: Inputs, y: Inputs, args: { sampleWeight?: TensorLike; classWeight?: Record<number, number> } = {}): number[] {
  const c = requireCompiled(model, 'training');
  const xs = model.inputList(x, 'x');
  const ys = toList(y, model.outputNames, 'y', model.name);
  const n = cardinality([['x', xs], ['y', ys]]);
  const sw = combinedWeights(args.sampleWeight, args.classWeight, ys, n, 'trainOnBatch');
  resetMetrics(c);
  withScope(() => trainStep(model, c, xs, ys, sw));
  const logs = currentLogs(c);
  return metricsNames(c).map((k) => logs[k]);
}

export function testOnBatch(model: Model, x: Inputs, y: Inputs, args: { sampleWeight?: TensorLike } = {}): number[] {
  const c = requireCompiled(model, 'evaluation');
  const xs = model.inputList(x, 'x');
  const ys = toList(y, model.outputNames, 'y', model.name);
  const n = cardinality([['x', xs], ['y', ys]]);
  resetMetrics(c);
  withScope(() => testStep(model, c, xs, ys, checkSampleWeight(args.sampleWeight, n)));
  const logs = currentLogs(c);
  return metricsNames(c).map((k) => logs[k]);
}

/**
 * predict inside a gradient function (tn.variableGrads, tn.grad, optimizer.minimize): TF.js's predict records its
 * ops there, and its policy-gradient examples train through it, so this is one inference-mode forward pass whose
 * ops record gradients, outside the batch loop whose buffers are recycled.
 */
function taped(model: Model, xs: Tensor[]): Tensor | Tensor[] {
  const outs = model.forward(xs, false);
  model.clearCallLosses();
  return outs.length === 1 ? outs[0] : outs;
}

export function predictOnBatch(model: Model, x: Inputs): Tensor | Tensor[] {
  const xs = model.inputList(x, 'x');
  if (insideGradFunction()) return taped(model, xs);
  const outs = noGrad(() => model.forward(xs, false));
  return outs.length === 1 ? outs[0] : outs;
}
