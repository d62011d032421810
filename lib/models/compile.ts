// What compile() turns its arguments into: one loss, loss weight and metric list per output, and the trackers that
// average the loss over an epoch. Also the per-batch loss and the logs the training loops report.
import type { Logs } from '../callbacks/callback.js';
import { noGrad } from '../autograd/tape.js';
import { getLoss, Loss, type LossIdentifier } from '../losses.js';
import { checkOptionNames } from '../names.js';
import { getMetric, Mean, resultValue, type Metric, type MetricIdentifier } from '../metrics.js';
import { add, mul } from '../ops/elementwise.js';
import type { OptimizerIdentifier } from '../optimizers/optimizer.js';
import { fmt } from '../shape-util.js';
import { tensor, type Tensor, type Variable } from '../tensor.js';

export interface CompileArgs {
  /** Default 'rmsprop', as in Keras. */
  optimizer?: OptimizerIdentifier;
  /**
   * One loss for every output, or one per output (array in output order, or object keyed by output name). Required,
   * unless the model is a subclass with its own trainStep.
   */
  loss?: LossIdentifier | LossIdentifier[] | Record<string, LossIdentifier>;
  /**
   * Metrics for every output, or per output (array of arrays, or object keyed by output name). As in Keras, they
   * ignore sampleWeight and classWeight (a mask still applies); weightedMetrics are weighted by them.
   */
  metrics?: MetricIdentifier[] | MetricIdentifier[][] | Record<string, MetricIdentifier | MetricIdentifier[]>;
  /** Keras's weighted_metrics: metrics weighted by sampleWeight and classWeight, in the same forms as metrics. */
  weightedMetrics?: MetricIdentifier[] | MetricIdentifier[][] | Record<string, MetricIdentifier | MetricIdentifier[]>;
  /** Weights of the per-output losses in the total loss. */
  lossWeights?: number[] | Record<string, number>;
}

/** @internal compile()'s result. */
export interface Compiled {
  losses: Loss[];
  lossWeights: number[];
  metrics: Metric[][];
  weightedMetrics: Metric[][];
  /** The logs a model's own trainStep / testStep returned for the last batch (Keras's custom train_step). */
  customLogs: Logs | null;
  /** Resets the trackers a model with its own trainStep lists in its `metrics` property (Keras resets them per epoch). */
  resetOwnMetrics?: () => void;
  lossTracker: Mean;
  outputLossTrackers: Mean[];
  /** model.metrics' compile_metrics entry, made when first asked for. */
  compileMetrics?: CompileMetrics;
  /** The outputs' names, in order, for errors. */
  outputNames: string[];
  /** The variables trainable, and those frozen, when compile() ran: what fit trains (see trainedVariables). */
  trainableAtCompile?: Variable[];
  frozenAtCompile?: Set<Variable>;
}

/** The loss of a model compiled without one, whose own trainStep computes its loss: using it is an error. */
class NoLoss extends Loss {
  constructor() {
    super({}, 'no_loss');
  }
  call(): Tensor {
    throw new Error('compile() was given no loss: this model\'s own trainStep / testStep / computeLoss must compute it (or compile with a loss)');
  }
}

/** Resolves compile()'s losses, loss weights and metrics for a model whose outputs are named `names`. */
export function parseCompileArgs(args: CompileArgs, names: string[], ownStep = false): Compiled {
  if (!args || typeof args !== 'object') throw new Error('compile: expected { optimizer, loss, metrics }');
  // runEagerly, jitCompile and stepsPerExecution are Keras's execution settings: taken, and without effect here.
  checkOptionNames(args, ['optimizer', 'loss', 'metrics', 'weightedMetrics', 'lossWeights', 'runEagerly', 'jitCompile', 'stepsPerExecution'], 'compile');

  if (args.loss === undefined && !ownStep) throw new Error('compile: `loss` is required (e.g. "sparse_categorical_crossentropy"), unless the model has its own trainStep or computeLoss');
  const n = names.length;
  const perOutput = <T>(v: T | T[] | Record<string, T> | undefined, what: string, isSingle: (x: unknown) => boolean): (T | undefined)[] => {
    if (v === undefined) return names.map(() => undefined);
    if (Array.isArray(v) && !isSingle(v)) {
      if (v.length !== n) throw new Error(`compile: ${what} has ${v.length} entries, but the model has ${n} output(s): ${names.join(', ')}`);
      return v;
    }
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && !isSingle(v)) {
      const dict = v as Record<string, T>;
      for (const k of Object.keys(dict)) if (!names.includes(k)) throw new Error(`compile: unknown output name '${k}' in ${what}; outputs are ${names.join(', ')}`);
      return names.map((k) => dict[k]);
    }
    return names.map(() => v as T);
  };
  // A serialized loss ({ className, config }, as saved training configs hold it) is one loss, not a per-output dict.
  const isSerialized = (x: object) => typeof (x as { className?: unknown }).className === 'string' && !names.includes('className');
  const isLoss = (x: unknown) => typeof x === 'string' || typeof x === 'function' || (x !== null && typeof x === 'object' && ('compute' in (x as object) || isSerialized(x as object)));
  const losses = perOutput<LossIdentifier>(args.loss, 'loss', isLoss).map((l, i) => {
    if ((l === undefined || l === null) && ownStep) return new NoLoss();
    if (l === undefined || l === null) throw new Error(`compile: no loss for output '${names[i]}'`);
    return getLoss(l);
  });
  const lw = args.lossWeights;
  if (lw !== undefined && lw !== null && typeof lw === 'object' && !Array.isArray(lw)) {
    for (const k of Object.keys(lw)) if (!names.includes(k)) throw new Error(`compile: unknown output name '${k}' in lossWeights; outputs are ${names.join(', ')}`);
  }
  const lossWeights = lw === undefined ? names.map(() => 1) : Array.isArray(lw) ? lw.slice() : names.map((k) => (lw as Record<string, number>)[k] ?? 1);
  if (lossWeights.length !== n) throw new Error(`compile: lossWeights has ${lossWeights.length} entries, but the model has ${n} output(s)`);
  // A flat list of metrics applies to every output.
  const parseMetrics = (m: CompileArgs['metrics'], what: string): Metric[][] => {
    let metricIds: MetricIdentifier[][];
    if (m === undefined || m === null) metricIds = names.map(() => []);
    else if (Array.isArray(m) && m.every((e) => Array.isArray(e)) && m.length > 0) {
      if (m.length !== n) throw new Error(`compile: ${what} has ${m.length} lists, but the model has ${n} output(s)`);
      metricIds = m as MetricIdentifier[][];
    } else if (Array.isArray(m)) metricIds = names.map(() => m as MetricIdentifier[]);
    else if (typeof m === 'object') metricIds = names.map((k) => {
      const e = (m as Record<string, MetricIdentifier | MetricIdentifier[]>)[k];
      return e === undefined ? [] : Array.isArray(e) ? e : [e];
    });
    else throw new Error(`compile: ${what} must be an array (or per-output arrays or an object)`);
    return metricIds.map((ids, i) =>
      ids.map((id) => {
        const metric = getMetric(id, losses[i].name);
        if (n > 1) metric.name = `${names[i]}_${metric.name}`;
        return metric;
      }),
    );
  };
  const metrics = parseMetrics(args.metrics, 'metrics');
  const weightedMetrics = parseMetrics(args.weightedMetrics, 'weightedMetrics');
  // A metric in both lists logs twice; the weighted one is named weighted_<name>, as Keras names it.
  const taken = new Set(metrics.flat().map((m) => m.name));
  for (const m of weightedMetrics.flat()) {
    if (metrics.flat().includes(m)) throw new Error(`compile: the metric object "${m.name}" is in both metrics and weightedMetrics; give each list its own object`);
    if (taken.has(m.name)) m.name = `weighted_${m.name}`;
    taken.add(m.name);
  }
  return {
    losses,
    lossWeights,
    metrics,
    weightedMetrics,
    customLogs: null,
    lossTracker: new Mean('loss'),
    outputLossTrackers: n > 1 ? names.map((k) => new Mean(`${k}_loss`)) : [],
    outputNames: names,
  };
}

/** Names of the values evaluate() and trainOnBatch() return, in order. */
export function metricsNames(c: Compiled): string[] {
  if (c.customLogs) return Object.keys(c.customLogs);
  return ['loss', ...c.outputLossTrackers.map((t) => t.name), ...c.metrics.flat().map((m) => m.name), ...c.weightedMetrics.flat().map((m) => m.name)];
}

export function resetMetrics(c: Compiled): void {
  c.customLogs = null;
  c.resetOwnMetrics?.();
  c.lossTracker.resetState();
  for (const t of c.outputLossTrackers) t.resetState();
  for (const m of [...c.metrics.flat(), ...c.weightedMetrics.flat()]) m.resetState();
}

export function currentLogs(c: Compiled): Logs {
  if (c.customLogs) return { ...c.customLogs };
  const logs: Logs = { loss: c.lossTracker.result() };
  for (const t of c.outputLossTrackers) logs[t.name] = t.result();
  for (const m of [...c.metrics.flat(), ...c.weightedMetrics.flat()]) logs[m.name] = resultValue(m.result(), m.name);
  return logs;
}

/**
 * The sample weights of an output that carries a mask (Keras's apply_mask): the mask times the sample weights, the
 * mask scaled by steps / kept steps so that a mean-reduced loss averages over the kept steps only. Metrics take the
 * plain product (a weighted mean needs no rescaling).
 */
function maskedWeights(o: Tensor, sw: Tensor | null, rescale: boolean): Tensor | null {
  const mask = o.kerasMask;
  if (!mask) return sw;
  const m = mask.values;
  const [batch] = mask.shape;
  const perSample = batch === 0 ? 0 : m.length / batch;
  let kept = 0;
  for (let i = 0; i < m.length; i++) if (m[i] !== 0) kept++;
  const scale = rescale ? m.length / (kept + 1e-7) : 1;
  const w = sw?.values;
  const out = new Float32Array(m.length);
  for (let i = 0; i < m.length; i++) out[i] = (m[i] !== 0 ? scale : 0) * (!w ? 1 : w.length === m.length ? w[i] : w[Math.floor(i / perSample)]);
  return tensor(out, mask.shape.slice());
}

/**
 * The compiled loss of one batch (a scalar tensor): the weighted sum of the per-output losses, each output's tracker
 * updated when there are several (as Keras's CompileLoss does). The layers' own losses are not in it.
 */
export function compiledLoss(c: Compiled, outs: Tensor[], ys: Tensor[], sw: Tensor | null): Tensor {
  if (outs.length !== c.losses.length) throw new Error(`the model gave ${outs.length} output(s), but compile() has ${c.losses.length} loss(es)`);
  if (ys.length !== outs.length) throw new Error(`the model gave ${outs.length} output(s), but ${ys.length} target(s) were given`);
  let total: Tensor | null = null;
  const batch = ys[0].shape[0];
  outs.forEach((o, i) => {
    const loss = c.losses[i];
    let li: Tensor;
    try {
      li = loss.compute(ys[i], o, maskedWeights(o, sw, loss.reduction === 'sum_over_batch_size' || loss.reduction === 'mean'));
    } catch (e) {
      // The loss names itself; which output's targets were wrong is known only here (TF.js names the output layer).
      if (e instanceof Error) e.message += ` (computing the loss of output '${c.outputNames[i]}': targets of shape ${fmt(ys[i].shape)}, predictions of shape ${fmt(o.shape)})`;
      throw e;
    }
    if (li.size !== 1) throw new Error(`loss '${c.losses[i].name}' must reduce to a scalar in training (its reduction is '${c.losses[i].reduction}')`);
    if (c.outputLossTrackers.length) c.outputLossTrackers[i].addValues(li.item(), null, batch);
    const weighted = c.lossWeights[i] === 1 ? li : mul(li, c.lossWeights[i]);
    total = total ? add(total, weighted) : weighted;
  });
  return total!;
}

/** Updates compile()'s metrics with one batch: the plain ones see the mask only, weightedMetrics the sample weights too. */
export function updateCompiledMetrics(c: Compiled, outs: Tensor[], ys: Tensor[], sw: Tensor | null): void {
  noGrad(() => outs.forEach((o, i) => {
    // Keras: metrics see the mask only; weightedMetrics the mask times the sample (and class) weights.
    if (c.metrics[i]?.length) {
      const w = maskedWeights(o, null, false);
      c.metrics[i].forEach((m) => m.updateState(ys[i], o, w));
    }
    if (c.weightedMetrics[i]?.length) {
      const w = maskedWeights(o, sw, false);
      c.weightedMetrics[i].forEach((m) => m.updateState(ys[i], o, w));
    }
  }));
}

/**
 * The loss of one batch (as a scalar tensor): the weighted sum of the per-output losses plus the layers' own losses
 * (regularizers), updating the loss trackers and metrics.
 */
export function batchLoss(c: Compiled, outs: Tensor[], ys: Tensor[], sw: Tensor | null, layerLosses: Tensor[]): Tensor {
  let total = compiledLoss(c, outs, ys, sw);
  for (const r of layerLosses) total = add(total, r);
  c.lossTracker.addValues(total.item(), null, ys[0].shape[0]);
  updateCompiledMetrics(c, outs, ys, sw);
  return total;
}

/**
 * Keras 3's compile_metrics: every metric compile() was given, as one entry of `model.metrics`, so that a custom
 * trainStep updates them all with `updateState(y, yPred)` and logs `result()`, an object of their values by name.
 */
export class CompileMetrics {
  readonly name = 'compile_metrics';
  constructor(private readonly c: Compiled) {}
  /** One batch: y and yPred a tensor each, or lists for several outputs; sampleWeight weights the weightedMetrics. */
  updateState(yTrue: Tensor | Tensor[], yPred: Tensor | Tensor[], sampleWeight?: Tensor | null): void {
    const ys = Array.isArray(yTrue) ? yTrue : [yTrue];
    const outs = Array.isArray(yPred) ? yPred : [yPred];
    if (ys.length !== outs.length) throw new Error(`compile_metrics.updateState: ${ys.length} target(s) for ${outs.length} output(s)`);
    updateCompiledMetrics(this.c, outs, ys, sampleWeight ?? null);
  }
  result(): Logs {
    const out: Logs = {};
    for (const m of [...this.c.metrics.flat(), ...this.c.weightedMetrics.flat()]) out[m.name] = resultValue(m.result(), m.name);
    return out;
  }
  resetState(): void {
    for (const m of [...this.c.metrics.flat(), ...this.c.weightedMetrics.flat()]) m.resetState();
  }
  /** The metrics inside, in compile()'s order. */
  get metrics(): Metric[] {
    return [...this.c.metrics.flat(), ...this.c.weightedMetrics.flat()];
  }
}
