// Model: a graph of layers (the functional API), and the training API shared with Sequential:
// compile, fit, evaluate, predict, trainOnBatch, testOnBatch, predictOnBatch, summary.
import { backward, noGrad } from '../autograd/tape.js';
import { CallbackList, History, type Callback, type Logs } from '../callbacks/callback.js';
import { ProgbarLogger, Progbar } from '../callbacks/progbar.js';
import { Layer, InputLayer, SymbolicTensor, formatShape, type CallArgs, type LayerArgs, type LayerInput, type LayerNode, type LayerOutput, type Shape } from '../layers/layer.js';
import { getLoss, type Loss, type LossIdentifier } from '../losses.js';
import { persistent, trimPool, withScope } from '../memory.js';
import { getMetric, Mean, type Metric, type MetricIdentifier } from '../metrics.js';
import { add, mul } from '../ops/elementwise.js';
import { getOptimizer, type Optimizer, type OptimizerIdentifier } from '../optimizers/optimizer.js';
import { generator } from '../random.js';
import { empty, Tensor, type TensorLike, type Variable } from '../tensor.js';
import { cardinality, checkSampleWeight, classWeightsFor, gatherRows, rowRange, toList, type Inputs } from './data.js';
import { printSummary } from './summary.js';

export interface CompileArgs {
  optimizer: OptimizerIdentifier;
  /** One loss for every output, or one per output (array in output order, or object keyed by output name). */
  loss: LossIdentifier | LossIdentifier[] | Record<string, LossIdentifier>;
  /** Metrics for every output, or per output (array of arrays, or object keyed by output name). */
  metrics?: MetricIdentifier[] | MetricIdentifier[][] | Record<string, MetricIdentifier | MetricIdentifier[]>;
  /** Weights of the per-output losses in the total loss. */
  lossWeights?: number[] | Record<string, number>;
}

export interface FitArgs {
  epochs?: number;
  batchSize?: number;
  /** 0 silent, 1 progress bar (one line per epoch when not a terminal), 2 one line per epoch. */
  verbose?: 0 | 1 | 2 | 'auto';
  callbacks?: Callback[];
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
}

export interface EvaluateArgs {
  batchSize?: number;
  verbose?: 0 | 1 | 2 | 'auto';
  sampleWeight?: TensorLike;
  callbacks?: Callback[];
  /** Return {loss, accuracy, ...} instead of [loss, accuracy, ...]. */
  returnDict?: boolean;
}

export interface PredictArgs {
  batchSize?: number;
  verbose?: 0 | 1 | 2;
}

interface Compiled {
  losses: Loss[];
  lossWeights: number[];
  metrics: Metric[][];
  lossTracker: Mean;
  outputLossTrackers: Mean[];
}

function verbosity(v: FitArgs['verbose'], fallback: 0 | 1 | 2): 0 | 1 | 2 {
  if (v === undefined || v === 'auto') return fallback;
  if (v !== 0 && v !== 1 && v !== 2) throw new Error(`verbose must be 0, 1, 2 or 'auto', received ${JSON.stringify(v)}`);
  return v;
}

function positiveInt(v: number | undefined, fallback: number, what: string): number {
  const n = v ?? fallback;
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${what} must be a positive integer, received ${String(v)}`);
  return n;
}

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface ModelArgs {
  inputs?: SymbolicTensor | SymbolicTensor[];
  outputs?: SymbolicTensor | SymbolicTensor[];
  name?: string;
}

export class Model extends Layer {
  /** Symbolic inputs and outputs of a functional model (empty for Sequential before it is built, and subclasses). */
  inputs: SymbolicTensor[] = [];
  outputs: SymbolicTensor[] = [];
  /** Set true (by a callback, or between batches) to end fit() after the current batch. */
  stopTraining = false;
  optimizer: Optimizer | null = null;
  protected compiled: Compiled | null = null;
  /** @internal What compile() was given, for save(). */
  compileArgs: CompileArgs | null = null;
  /** Layer calls in execution order (functional models). */
  private graphNodes: LayerNode[] = [];
  private graphLayers: Layer[] = [];

  constructor(args: ModelArgs & LayerArgs = {}) {
    super({ ...args, name: args.name ?? (new.target === Model && args.inputs ? 'functional' : undefined) });
    if (args.inputs !== undefined || args.outputs !== undefined) this.initGraph(args.inputs, args.outputs);
  }

  override get className(): string {
    // Read by Layer's constructor for the automatic name, before this class's fields exist.
    return this.graphNodes?.length > 0 && this.constructor === Model ? 'Functional' : this.constructor.name;
  }

  private initGraph(inputs: SymbolicTensor | SymbolicTensor[] | undefined, outputs: SymbolicTensor | SymbolicTensor[] | undefined): void {
    const ins = inputs === undefined ? [] : Array.isArray(inputs) ? inputs : [inputs];
    const outs = outputs === undefined ? [] : Array.isArray(outputs) ? outputs : [outputs];
    if (!ins.length || !outs.length) throw new Error('Model: a functional model needs `inputs` and `outputs` (from tn.input() and layer.apply())');
    for (const t of [...ins, ...outs]) {
      if (!(t instanceof SymbolicTensor)) throw new Error('Model: `inputs` and `outputs` must be symbolic tensors from tn.input() and layer.apply()');
    }
    for (const t of ins) {
      if (!(t.node.layer instanceof InputLayer)) throw new Error(`Model: input ${t.name} is not the output of tn.input()`);
    }
    // Depth-first from the outputs gives every layer call after the calls it depends on.
    const order: LayerNode[] = [];
    const seen = new Set<LayerNode>();
    const visit = (node: LayerNode, path: Set<LayerNode>): void => {
      if (seen.has(node)) return;
      if (path.has(node)) throw new Error('Model: the layer graph has a cycle');
      path.add(node);
      for (const i of node.inputs) visit(i.node, path);
      path.delete(node);
      seen.add(node);
      order.push(node);
    };
    for (const o of outs) visit(o.node, new Set());
    const inputNodes = new Set(ins.map((t) => t.node));
    for (const node of order) {
      if (node.layer instanceof InputLayer && !inputNodes.has(node)) {
        throw new Error(`Graph disconnected: cannot obtain value for tensor ${node.outputs[0].toString()} at layer "${node.layer.name}". The following previous layers were accessed without issue: ${order.filter((n) => inputNodes.has(n)).map((n) => n.layer.name).join(', ')}`);
      }
    }
    this.inputs = ins;
    this.outputs = outs;
    this.graphNodes = order.filter((n) => !(n.layer instanceof InputLayer));
    const layers: Layer[] = [];
    for (const n of order) if (!layers.includes(n.layer)) layers.push(n.layer);
    this.graphLayers = layers;
    this.built = true;
  }

  /** @internal The functional graph: symbolic inputs and outputs, and the layer calls in execution order. */
  graph(): { inputs: SymbolicTensor[]; outputs: SymbolicTensor[]; nodes: LayerNode[] } {
    return { inputs: this.inputs, outputs: this.outputs, nodes: this.graphNodes };
  }

  /**
   * Saves the architecture, the weights, the compile() arguments and the optimizer's state (its step count and
   * slots, such as Adam's moments) into the directory `path` (`model.json` and `weights.bin`; a `file://` prefix is
   * accepted). `tn.models.loadModel(path)` reads them back, so training resumes where it stopped.
   */
  async save(path: string): Promise<void> {
    const { saveModel } = await import('./saving.js');
    await saveModel(this, path);
  }

  /** The model's layers (a functional model lists its InputLayers too, as Keras does). */
  get layers(): Layer[] {
    if (this.graphLayers.length) return this.graphLayers;
    // A subclassed model: the layers it holds as properties, in definition order.
    const found: Layer[] = [];
    for (const v of Object.values(this)) {
      if (v instanceof Layer && v !== this && !found.includes(v)) found.push(v);
      else if (Array.isArray(v)) for (const e of v) if (e instanceof Layer && !found.includes(e)) found.push(e);
    }
    return found;
  }

  /** A layer by name or index. */
  getLayer(nameOrIndex: string | number): Layer {
    const layers = this.layers;
    if (typeof nameOrIndex === 'number') {
      const l = layers[nameOrIndex];
      if (!l) throw new Error(`Was asked to retrieve layer at index ${nameOrIndex} but model only has ${layers.length} layers.`);
      return l;
    }
    const l = layers.find((x) => x.name === nameOrIndex);
    if (!l) throw new Error(`No such layer: ${nameOrIndex}. Existing layers are: ${layers.map((x) => x.name).join(', ')}`);
    return l;
  }

  override get trainableWeights(): Variable[] {
    if (!this.trainable) return [];
    const out: Variable[] = [...super.trainableWeights];
    for (const l of this.layers) for (const w of l.trainableWeights) if (!out.includes(w)) out.push(w);
    return out;
  }

  override get nonTrainableWeights(): Variable[] {
    const out: Variable[] = [...super.nonTrainableWeights];
    for (const l of this.layers) {
      const ws = this.trainable ? l.nonTrainableWeights : l.weights;
      for (const w of ws) if (!out.includes(w)) out.push(w);
    }
    return out;
  }

  /** Weights in layer order (each layer's trainable weights, then its others), as Keras's model.weights. */
  override get weights(): Variable[] {
    const out: Variable[] = [];
    for (const l of this.layers) for (const w of l.weights) if (!out.includes(w)) out.push(w);
    for (const w of super.weights) if (!out.includes(w)) out.push(w);
    return out;
  }

  override get losses(): Tensor[] {
    const out: Tensor[] = [];
    for (const l of this.layers) out.push(...l.losses);
    return out;
  }

  override countParams(): number {
    return this.weights.reduce((n, w) => n + w.size, 0);
  }

  /** Names of the inputs and outputs (used to match dict data and per-output losses and metrics). */
  get inputNames(): string[] {
    return this.inputs.map((t) => t.node.layer.name);
  }
  get outputNames(): string[] {
    return this.outputs.map((t) => t.node.layer.name);
  }

  /** Expected input shapes (with a null batch axis), when known. */
  protected expectedInputShapes(): Shape[] | null {
    return this.inputs.length ? this.inputs.map((t) => t.shape) : null;
  }

  /** Keras's check of data against the model's input shapes, before any layer sees it. */
  protected checkInputShapes(xs: Tensor[]): void {
    const expected = this.expectedInputShapes();
    if (!expected) return;
    if (xs.length !== expected.length) {
      throw new Error(`Layer "${this.name}" expects ${expected.length} input(s), but it received ${xs.length} input tensors`);
    }
    xs.forEach((x, i) => {
      const e = expected[i];
      if (x.rank !== e.length || e.some((d, j) => d !== null && d !== x.shape[j])) {
        throw new Error(`Input ${i} of layer "${this.name}" is incompatible with the layer: expected shape=${formatShape(e)}, found shape=${formatShape(x.shape)}`);
      }
    });
  }

  call(inputs: LayerInput, args: CallArgs = {}): LayerOutput {
    if (!this.graphNodes.length) {
      throw new Error(`Model "${this.name}" has no graph: create it with new Model({ inputs, outputs }), or subclass Model and override call()`);
    }
    const xs = Array.isArray(inputs) ? inputs : [inputs];
    if (xs.length !== this.inputs.length) {
      throw new Error(`Layer "${this.name}" expects ${this.inputs.length} input(s), but it received ${xs.length} input tensors`);
    }
    const values = new Map<SymbolicTensor, Tensor>();
    this.inputs.forEach((s, i) => values.set(s, xs[i]));
    for (const node of this.graphNodes) {
      const ins = node.inputs.map((s) => values.get(s)!);
      const out = node.layer.apply(node.listInput ? ins : ins[0], { ...node.args, ...args });
      const outs: Tensor[] = Array.isArray(out) ? out : [out];
      node.outputs.forEach((s, i) => values.set(s, outs[i]));
    }
    const results = this.outputs.map((s) => values.get(s)!);
    return results.length === 1 ? results[0] : results;
  }

  /** @internal Forward pass on a list of inputs, returning a list of outputs. */
  forward(xs: Tensor[], training: boolean): Tensor[] {
    this.checkInputShapes(xs);
    const out = this.apply(xs.length === 1 ? xs[0] : xs, { training }) as LayerOutput;
    return Array.isArray(out) ? out : [out];
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    if (this.outputs.length) return this.outputs.length === 1 ? this.outputs[0].shape : this.outputs.map((o) => o.shape);
    return super.computeOutputShape(inputShape);
  }

  /** Number of outputs the training loop should expect. */
  protected outputCount(): number {
    return this.outputs.length || 1;
  }

  protected outputLabel(i: number): string {
    return this.outputNames[i] ?? `output_${i}`;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Training API

  /** Configures training: optimizer, loss(es), metrics. */
  compile(args: CompileArgs): void {
    if (!args || typeof args !== 'object') throw new Error('compile: expected { optimizer, loss, metrics }');
    if (args.optimizer === undefined) throw new Error('compile: `optimizer` is required (e.g. "adam")');
    if (args.loss === undefined) throw new Error('compile: `loss` is required (e.g. "sparse_categorical_crossentropy")');
    const n = this.outputCount();
    const names = Array.from({ length: n }, (_, i) => this.outputLabel(i));
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
    const isLoss = (x: unknown) => typeof x === 'string' || typeof x === 'function' || (x !== null && typeof x === 'object' && 'compute' in (x as object));
    const losses = perOutput<LossIdentifier>(args.loss, 'loss', isLoss).map((l, i) => {
      if (l === undefined || l === null) throw new Error(`compile: no loss for output '${names[i]}'`);
      return getLoss(l);
    });
    const lw = args.lossWeights;
    const lossWeights = lw === undefined ? names.map(() => 1) : Array.isArray(lw) ? lw.slice() : names.map((k) => (lw as Record<string, number>)[k] ?? 1);
    if (lossWeights.length !== n) throw new Error(`compile: lossWeights has ${lossWeights.length} entries, but the model has ${n} output(s)`);
    // A flat list of metrics applies to every output.
    const m = args.metrics;
    let metricIds: MetricIdentifier[][];
    if (m === undefined) metricIds = names.map(() => []);
    else if (Array.isArray(m) && m.every((e) => Array.isArray(e)) && m.length > 0) {
      if (m.length !== n) throw new Error(`compile: metrics has ${m.length} lists, but the model has ${n} output(s)`);
      metricIds = m as MetricIdentifier[][];
    } else if (Array.isArray(m)) metricIds = names.map(() => m as MetricIdentifier[]);
    else if (typeof m === 'object') metricIds = names.map((k) => {
      const e = (m as Record<string, MetricIdentifier | MetricIdentifier[]>)[k];
      return e === undefined ? [] : Array.isArray(e) ? e : [e];
    });
    else throw new Error('compile: metrics must be an array (or per-output arrays or an object)');
    const metrics = metricIds.map((ids, i) =>
      ids.map((id) => {
        const metric = getMetric(id, losses[i].name);
        if (n > 1) metric.name = `${names[i]}_${metric.name}`;
        return metric;
      }),
    );
    this.optimizer = getOptimizer(args.optimizer);
    this.compileArgs = args;
    this.compiled = {
      losses,
      lossWeights,
      metrics,
      lossTracker: new Mean('loss'),
      outputLossTrackers: n > 1 ? names.map((k) => new Mean(`${k}_loss`)) : [],
    };
  }

  private requireCompiled(what: string): Compiled {
    if (!this.compiled || !this.optimizer) {
      throw new Error(`You must call compile() before using the model for ${what}: model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] })`);
    }
    return this.compiled;
  }

  /** Names of the values evaluate() and trainOnBatch() return, in order. */
  get metricsNames(): string[] {
    const c = this.compiled;
    if (!c) return [];
    return ['loss', ...c.outputLossTrackers.map((t) => t.name), ...c.metrics.flat().map((m) => m.name)];
  }

  private resetMetrics(c: Compiled): void {
    c.lossTracker.resetState();
    for (const t of c.outputLossTrackers) t.resetState();
    for (const m of c.metrics.flat()) m.resetState();
  }

  private currentLogs(c: Compiled): Logs {
    const logs: Logs = { loss: c.lossTracker.result() };
    for (const t of c.outputLossTrackers) logs[t.name] = t.result();
    for (const m of c.metrics.flat()) logs[m.name] = m.result();
    return logs;
  }

  /** The loss of one batch (as a scalar tensor), updating the loss trackers and metrics. */
  private batchLoss(c: Compiled, outs: Tensor[], ys: Tensor[], sw: Tensor | null): Tensor {
    let total: Tensor | null = null;
    const batch = ys[0].shape[0];
    outs.forEach((o, i) => {
      const li = c.losses[i].compute(ys[i], o, sw);
      if (li.size !== 1) throw new Error(`loss '${c.losses[i].name}' must reduce to a scalar in training (its reduction is '${c.losses[i].reduction}')`);
      if (c.outputLossTrackers.length) c.outputLossTrackers[i].addValues(li.item(), null, batch);
      const weighted = c.lossWeights[i] === 1 ? li : mul(li, c.lossWeights[i]);
      total = total ? add(total, weighted) : weighted;
    });
    for (const r of this.losses) total = add(total!, r);
    c.lossTracker.addValues(total!.item(), null, batch);
    noGrad(() => outs.forEach((o, i) => c.metrics[i].forEach((m) => m.updateState(ys[i], o, sw))));
    return total!;
  }

  /** One optimisation step on a batch (inside a step scope: every intermediate buffer is recycled). */
  private trainStep(c: Compiled, xs: Tensor[], ys: Tensor[], sw: Tensor | null): void {
    const outs = this.forward(xs, true);
    const loss = this.batchLoss(c, outs, ys, sw);
    const vars = this.trainableWeights;
    const grads = backward(loss, null, vars);
    const pairs: [Tensor | null, Variable][] = vars.map((v) => [grads.get(v) ?? null, v]);
    noGrad(() => this.optimizer!.applyGradients(pairs));
  }

  private testStep(c: Compiled, xs: Tensor[], ys: Tensor[], sw: Tensor | null): void {
    noGrad(() => this.batchLoss(c, this.forward(xs, false), ys, sw));
  }

  /** Trains the model for `epochs` passes over the data. Yields to the event loop between batches. */
  async fit(x: Inputs, y: Inputs, args: FitArgs = {}): Promise<History> {
    const c = this.requireCompiled('training');
    const epochs = positiveInt(args.epochs, 1, 'fit: epochs');
    const batchSize = positiveInt(args.batchSize, 32, 'fit: batchSize');
    const verbose = verbosity(args.verbose, 1);
    const initialEpoch = args.initialEpoch ?? 0;
    let xs = toList(x, this.inputNames, 'x', this.name);
    let ys = toList(y, this.outputNames, 'y', this.name);
    let n = cardinality([['x', xs], ['y', ys]]);
    let sw = checkSampleWeight(args.sampleWeight, n);
    if (args.classWeight) {
      if (ys.length !== 1) throw new Error('fit: classWeight is supported only for models with a single output');
      const cw = classWeightsFor(ys[0], args.classWeight);
      sw = sw ? mul(sw, cw) : cw;
    }
    let val: [Tensor[], Tensor[], Tensor | null] | null = null;
    if (args.validationData) {
      const [vx, vy, vw] = args.validationData;
      const vxs = toList(vx, this.inputNames, 'validationData x', this.name);
      const vys = toList(vy, this.outputNames, 'validationData y', this.name);
      const vn = cardinality([['validation x', vxs], ['validation y', vys]]);
      val = [vxs, vys, checkSampleWeight(vw, vn)];
    } else if (args.validationSplit) {
      const split = args.validationSplit;
      if (!(split > 0 && split < 1)) throw new Error(`fit: validationSplit must be between 0 and 1, received ${split}`);
      const cut = Math.floor(n * (1 - split));
      if (cut === 0 || cut === n) throw new Error(`fit: validationSplit ${split} leaves no ${cut === 0 ? 'training' : 'validation'} samples out of ${n}`);
      val = [xs.map((t) => rowRange(t, cut, n)), ys.map((t) => rowRange(t, cut, n)), sw ? rowRange(sw, cut, n) : null];
      xs = xs.map((t) => rowRange(t, 0, cut));
      ys = ys.map((t) => rowRange(t, 0, cut));
      sw = sw ? rowRange(sw, 0, cut) : null;
      n = cut;
    }
    const stepsPerEpoch = Math.min(Math.ceil(n / batchSize), args.stepsPerEpoch ?? Infinity);
    const history = new History();
    const callbacks = new CallbackList([...(verbose ? [new ProgbarLogger(verbose)] : []), ...(args.callbacks ?? []), history]);
    callbacks.setModel(this);
    callbacks.setParams({ epochs, steps: stepsPerEpoch, verbose, samples: n, batchSize });
    this.stopTraining = false;
    await callbacks.call('onTrainBegin', {});
    const order = new Int32Array(n);
    let epochLogs: Logs = {};
    for (let epoch = initialEpoch; epoch < epochs; epoch++) {
      this.resetMetrics(c);
      await callbacks.call('onEpochBegin', epoch, {});
      for (let i = 0; i < n; i++) order[i] = i;
      if (args.shuffle ?? true) {
        const g = generator();
        for (let i = n - 1; i > 0; i--) {
          const j = g.int(i + 1);
          const t = order[i];
          order[i] = order[j];
          order[j] = t;
        }
      }
      for (let step = 0; step < stepsPerEpoch; step++) {
        const start = step * batchSize;
        const end = Math.min(n, start + batchSize);
        await callbacks.trainBatchBegin(step, { batch: step, size: end - start });
        withScope(() => {
          const bx = xs.map((t) => gatherRows(t, order, start, end));
          const by = ys.map((t) => gatherRows(t, order, start, end));
          const bw = sw ? gatherRows(sw, order, start, end) : null;
          this.trainStep(c, bx, by, bw);
        });
        await callbacks.trainBatchEnd(step, this.currentLogs(c));
        await nextTick();
        if (this.stopTraining) break;
      }
      epochLogs = this.currentLogs(c);
      if (val && (epoch + 1 - initialEpoch) % (args.validationFreq ?? 1) === 0) {
        const vl = await this.evaluateLists(c, val[0], val[1], val[2], args.validationBatchSize ?? batchSize, 0, null);
        for (const [k, v] of Object.entries(vl)) epochLogs[`val_${k}`] = v;
      }
      await callbacks.call('onEpochEnd', epoch, epochLogs);
      if (this.stopTraining) break;
    }
    await callbacks.call('onTrainEnd', epochLogs);
    trimPool();
    return history;
  }

  private async evaluateLists(
    c: Compiled, xs: Tensor[], ys: Tensor[], sw: Tensor | null, batchSize: number, verbose: 0 | 1 | 2, callbacks: CallbackList | null,
  ): Promise<Logs> {
    const n = cardinality([['x', xs], ['y', ys]]);
    this.resetMetrics(c);
    const steps = Math.ceil(n / batchSize);
    const bar = verbose ? new Progbar(steps, verbose) : null;
    await callbacks?.call('onTestBegin', {});
    for (let step = 0; step < steps; step++) {
      const start = step * batchSize;
      const end = Math.min(n, start + batchSize);
      await callbacks?.call('onTestBatchBegin', step, {});
      withScope(() => this.testStep(c, xs.map((t) => rowRange(t, start, end)), ys.map((t) => rowRange(t, start, end)), sw ? rowRange(sw, start, end) : null));
      const logs = this.currentLogs(c);
      bar?.update(step + 1, logs, step === steps - 1);
      await callbacks?.call('onTestBatchEnd', step, logs);
      await nextTick();
    }
    const logs = this.currentLogs(c);
    await callbacks?.call('onTestEnd', logs);
    return logs;
  }

  /** Loss and metrics on the given data: [loss, ...metrics] (or an object with returnDict). */
  async evaluate(x: Inputs, y: Inputs, args: EvaluateArgs & { returnDict: true }): Promise<Logs>;
  async evaluate(x: Inputs, y: Inputs, args?: EvaluateArgs): Promise<number[]>;
  async evaluate(x: Inputs, y: Inputs, args: EvaluateArgs = {}): Promise<number[] | Logs> {
    const c = this.requireCompiled('evaluation');
    const xs = toList(x, this.inputNames, 'x', this.name);
    const ys = toList(y, this.outputNames, 'y', this.name);
    const n = cardinality([['x', xs], ['y', ys]]);
    const batchSize = positiveInt(args.batchSize, 32, 'evaluate: batchSize');
    const callbacks = new CallbackList(args.callbacks ?? []);
    callbacks.setModel(this);
    const logs = await this.evaluateLists(c, xs, ys, checkSampleWeight(args.sampleWeight, n), batchSize, verbosity(args.verbose, 1), callbacks);
    if (args.returnDict) return logs;
    return this.metricsNames.map((k) => logs[k]);
  }

  /** Outputs for the given inputs, batch by batch (inference mode: no dropout, moving BatchNorm statistics). */
  predict(x: Inputs, args: PredictArgs = {}): Tensor | Tensor[] {
    const xs = toList(x, this.inputNames, 'x', this.name);
    const n = cardinality([['x', xs]]);
    const batchSize = positiveInt(args.batchSize, 32, 'predict: batchSize');
    const steps = Math.ceil(n / batchSize);
    const bar = args.verbose ? new Progbar(steps, args.verbose) : null;
    let results: Tensor[] | null = null;
    for (let step = 0; step < steps; step++) {
      const start = step * batchSize;
      const end = Math.min(n, start + batchSize);
      withScope(() => {
        const outs = noGrad(() => this.forward(xs.map((t) => rowRange(t, start, end)), false));
        results ??= persistent(() => outs.map((o) => empty([n, ...o.shape.slice(1)], o.dtype)));
        outs.forEach((o, i) => results![i].values.set(o.values, start * (o.size / (end - start || 1))));
      });
      bar?.update(step + 1, {}, step === steps - 1);
    }
    if (!results) {
      // No samples: run once on the empty batch to learn the output shapes.
      results = noGrad(() => this.forward(xs, false));
    }
    return results.length === 1 ? results[0] : results;
  }

  /** One gradient step on one batch; returns [loss, ...metrics] for that batch. */
  trainOnBatch(x: Inputs, y: Inputs, args: { sampleWeight?: TensorLike; classWeight?: Record<number, number> } = {}): number[] {
    const c = this.requireCompiled('training');
    const xs = toList(x, this.inputNames, 'x', this.name);
    const ys = toList(y, this.outputNames, 'y', this.name);
    const n = cardinality([['x', xs], ['y', ys]]);
    let sw = checkSampleWeight(args.sampleWeight, n);
    if (args.classWeight) sw = classWeightsFor(ys[0], args.classWeight);
    this.resetMetrics(c);
    withScope(() => this.trainStep(c, xs, ys, sw));
    const logs = this.currentLogs(c);
    return this.metricsNames.map((k) => logs[k]);
  }

  /** Loss and metrics on one batch, without updating the weights. */
  testOnBatch(x: Inputs, y: Inputs, args: { sampleWeight?: TensorLike } = {}): number[] {
    const c = this.requireCompiled('evaluation');
    const xs = toList(x, this.inputNames, 'x', this.name);
    const ys = toList(y, this.outputNames, 'y', this.name);
    const n = cardinality([['x', xs], ['y', ys]]);
    this.resetMetrics(c);
    withScope(() => this.testStep(c, xs, ys, checkSampleWeight(args.sampleWeight, n)));
    const logs = this.currentLogs(c);
    return this.metricsNames.map((k) => logs[k]);
  }

  /** Outputs for one batch. */
  predictOnBatch(x: Inputs): Tensor | Tensor[] {
    const xs = toList(x, this.inputNames, 'x', this.name);
    const outs = noGrad(() => this.forward(xs, false));
    return outs.length === 1 ? outs[0] : outs;
  }

  /** Prints Keras's summary table (or passes each line to printFn). */
  summary(lineLength?: number, _positions?: number[], printFn: (line: string) => void = (l) => console.log(l)): void {
    printSummary(this, printFn, lineLength);
  }

  override getConfig() {
    return { ...super.getConfig(), layers: this.layers.map((l) => ({ className: l.className, config: l.getConfig() })) };
  }
}
