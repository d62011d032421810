// Model: a layer made of layers (a functional graph, Sequential's stack, or a subclass's call), with the training API
// shared by all three. The graph is built in functional.ts, compile() is parsed in compile.ts, and the loops behind
// fit/evaluate/predict live in training.ts.
import type { History, Logs } from '../callbacks/callback.js';
import { Layer, SymbolicTensor, formatShape, uniqueLayerName, type CallArgs, type LayerArgs, type LayerInput, type LayerNode, type LayerOutput, type Mask, type Shape } from '../layers/layer.js';
import { getOptimizer, type Optimizer } from '../optimizers/optimizer.js';
import { noGrad } from '../autograd/tape.js';
import { add } from '../ops/elementwise.js';
import { Tensor, zeros, type TensorLike, type Variable } from '../tensor.js';
import { CompileMetrics, compiledLoss, metricsNames, parseCompileArgs, updateCompiledMetrics, type CompileArgs, type Compiled } from './compile.js';
import { Metric, resultValue } from '../metrics.js';
import { checkOptionNames, toSnakeCase } from '../names.js';
import { toList, type Inputs } from './data.js';
import { snapshotState } from './snapshot.js';
import { buildGraph, runGraph, type Graph } from './functional.js';
import { printSummary, type SummaryLayout } from './summary.js';
import * as training from './training.js';
import { Dataset } from '../data/dataset.js';
import { PyDataset } from '../data/py-dataset.js';
import * as datasetTraining from './training-dataset.js';
import type { EvaluateDatasetArgs, FitDatasetArgs, PredictDatasetArgs } from './training-dataset.js';
import type { EvaluateArgs, FitArgs, PredictArgs, WorkerArgs } from './training.js';


/** Model.summary's options, Keras's keyword arguments. */
export interface SummaryOptions extends SummaryLayout {
  printFn?: (line: string) => void;
}
export type { CompileArgs } from './compile.js';
export type { EvaluateArgs, FitArgs, FitWorkerOptions, PredictArgs, WorkerArgs } from './training.js';
export type { EvaluateDatasetArgs, FitDatasetArgs, PredictDatasetArgs } from './training-dataset.js';

export interface ModelArgs {
  /** Symbolic inputs: one, a list, or Keras 3's dict keyed by each input's name (FeatureSpace.getInputs()). */
  inputs?: SymbolicTensor | SymbolicTensor[] | Record<string, SymbolicTensor>;
  outputs?: SymbolicTensor | SymbolicTensor[];
  name?: string;
}

/** A plain { ... } object (not a tensor, array or typed array): an options object where data could also go. */
/**
 * evaluate is Keras's: a promise of numbers, computed with a turn of the event loop between batches. TF.js's returns
 * Scalars synchronously, so ported code reads `result[0].dataSync()`, `result.dataSync()` or destructures the result
 * without await, and would fail on an undefined far from the cause. Those reads of the promise say what to write.
 */
function explainTfjsReads<T>(result: Promise<T>): Promise<T> {
  const explain = () => {
    throw new Error('model.evaluate returns a Promise of numbers, [loss, ...metrics], as Keras\'s evaluate does (TF.js\'s returns Scalar tensors synchronously): write `const [loss, acc] = await model.evaluate(x, y)`');
  };
  for (const key of ['0', '1', '2', '3', 'dataSync', 'arraySync', 'print']) Object.defineProperty(result, key, { get: explain, configurable: true });
  // A function, not a throwing getter: util.inspect probes Symbol.iterator when it prints the promise.
  Object.defineProperty(result, Symbol.iterator, { value: explain, configurable: true });
  return result;
}

function isPlainOptions(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype && Object.keys(v).length > 0;
}

/** The writer of TF.js's modelTopology, set by io/tfjs-layers.ts (which imports this file, so this cannot import it). */
let topologyWriter: ((model: Model) => Record<string, unknown>) | null = null;

/** @internal Sets the function model.toJSON() uses (io/tfjs-layers.ts's modelTopology). */
export function setTopologyWriter(writer: (model: Model) => Record<string, unknown>): void {
  topologyWriter = writer;
}

/**
 * What a custom trainStep / testStep receives: [x, y, sampleWeight] (x and y a tensor for one input or output, else
 * lists; y null when fit was given none). A subclass may declare fewer elements ([x, y]).
 */
export type StepData = [x: Tensor | Tensor[], y?: Tensor | Tensor[] | null, sampleWeight?: Tensor | null];

/**
 * What a custom trainStep / testStep returns: its logs by name, each a number or a one-element tensor, or an object of
 * them (compile_metrics' result()), whose entries are logged under their own names.
 */
export type StepLogs = Record<string, number | Tensor | Record<string, number | Tensor>>;

export class Model extends Layer {
  /** Symbolic inputs and outputs of a functional model (empty for Sequential before it is built, and subclasses). */
  inputs: SymbolicTensor[] = [];
  outputs: SymbolicTensor[] = [];
  /** Set true (by a callback, or between batches) to end fit() after the current batch. */
  stopTraining = false;
  /**
   * @internal Where fit() continues a run that stopped: set by a callback's onTrainBegin (BackupAndRestore), read and
   * cleared by fit, which then starts at this epoch and skips the batches before `step` in it.
   */
  resumeAt: { epoch: number; step: number } | null = null;
  /**
   * @internal save() and saveWeights() calls not yet finished. A save reads the weights after its first await (the
   * writer modules load on first use), so fit waits for these before its next training step: a save that a callback
   * does not await still writes the weights of the moment it was called, as Keras's synchronous save does.
   */
  savesInFlight = new Set<Promise<unknown>>();
  optimizer: Optimizer | null = null;
  /** @internal compile()'s losses, metrics and trackers. */
  compiled: Compiled | null = null;
  /** @internal What compile() was given, for save(). */
  compileArgs: CompileArgs | null = null;
  /**
   * @internal A subclassed model's input shape(s) as it was first called or built (batch axis null): what save()
   * writes as Keras's build_config, and what a loaded copy is built on.
   */
  buildInputShape: Shape | Shape[] | Record<string, Shape> | null = null;
  /** @internal The keys of the dict a subclassed model was last given as x (sorted), which its call() receives. */
  dictInputKeys: string[] | null = null;
  /** @internal How many outputs a subclassed model's call() returned, once it has run. */
  seenOutputCount: number | null = null;
  /** Set while maybeBuild() builds the model for its first call, which then builds its layers itself. */
  private buildingForCall = false;
  /** The functional graph (null for Sequential before it is built, and for subclassed models). */
  private functionalGraph: Graph | null = null;
  /** A masked input reaches the model's first layers, which accept it or not. */
  override supportsMasking = true;

  /** new Model({ inputs, outputs, name }), or Keras's positional new Model(inputs, outputs, { name }). */
  constructor(args: (ModelArgs & LayerArgs) | SymbolicTensor | SymbolicTensor[] | Record<string, SymbolicTensor> = {}, outputs?: SymbolicTensor | SymbolicTensor[], rest: (ModelArgs & LayerArgs) | string = {}) {
    // Keras's Model(inputs, outputs): inputs one tensor, a list, or a dict of them (then outputs follow it).
    const dictOfInputs = outputs !== undefined && args !== null && typeof args === 'object' && Object.values(args).length > 0 && Object.values(args).every((v) => v instanceof SymbolicTensor);
    const positional = args instanceof SymbolicTensor || Array.isArray(args) || dictOfInputs;
    // Keras's Model(inputs, outputs, name) takes the name third, positionally.
    const more = typeof rest === 'string' ? { name: rest } : rest;
    const a: ModelArgs & LayerArgs = positional ? { ...more, inputs: args as ModelArgs['inputs'], outputs } : (args as ModelArgs & LayerArgs);
    if (!positional && outputs !== undefined) throw new Error('Model: pass either { inputs, outputs } or (inputs, outputs), not both');
    // A functional model's options, checked as a layer's are: a misspelt `output` would build an empty model.
    if (new.target === Model) checkOptionNames(a, ['inputs', 'outputs', 'name', 'trainable'], 'Model');
    // Keras 3 names functional models functional, functional_1, ... (its auto_name), as it names layers.
    super({ ...a, name: a.name ?? (new.target === Model && a.inputs ? uniqueLayerName('functional') : undefined) });
    if (a.inputs !== undefined || a.outputs !== undefined) this.initGraph(a.inputs, a.outputs);
  }

  override get className(): string {
    // Read by Layer's constructor for the automatic name, before this class's fields exist.
    return this.functionalGraph && this.constructor === Model ? 'Functional' : this.constructor.name;
  }

  private initGraph(inputs: ModelArgs['inputs'], outputs: SymbolicTensor | SymbolicTensor[] | undefined): void {
    this.functionalGraph = buildGraph(inputs, outputs);
    this.inputs = this.functionalGraph.inputs;
    this.outputs = this.functionalGraph.outputs;
    this.built = true;
  }

  /** @internal The functional graph: symbolic inputs and outputs, and the layer calls in execution order. */
  graph(): { inputs: SymbolicTensor[]; outputs: SymbolicTensor[]; nodes: LayerNode[] } {
    return { inputs: this.inputs, outputs: this.outputs, nodes: this.functionalGraph?.nodes ?? [] };
  }

  /**
   * Saves the architecture, the weights, the compile() arguments and the optimizer's state (its step count and
   * slots, such as Adam's moments) in TF.js's layers-model format: into the directory `path` (`model.json` and the
   * weights file it names, written crash-safe; a `file://` prefix is accepted), or through an IO handler
   * (`tn.io.withSaveHandler(fn)`). `tn.loadLayersModel(path)` reads them back, so training resumes where it stopped;
   * TF.js loads them too. A path ending in `.keras` writes Keras 3's format instead, which `keras.models.load_model` reads.
   */
  async save(target: string | import('../io/handlers.js').IOHandler, options: { overwrite?: boolean } = {}): Promise<import('../io/handlers.js').SaveResult> {
    // Keras's save(filepath, overwrite=True): with overwrite false an existing file or folder is an error here (Keras
    // would ask on the terminal).
    checkOptionNames(options, ['overwrite'], 'save');
    // The weights of this moment: trainOnBatch, setWeights or a custom loop may change them before the writer reads.
    const state = this.built ? snapshotState(this) : undefined;
    return this.tracked((async () => {
      if (options.overwrite === false && typeof target === 'string') {
        const { existsSync } = await import('node:fs');
        const path = target.replace(/^file:\/\//, '');
        if (existsSync(path)) throw new Error(`save: ${path} exists and overwrite is false`);
      }
      const { saveModel } = await import('./saving.js');
      return saveModel(this, target, state);
    })());
  }

  /** @internal `work` kept in savesInFlight until it settles. */
  private tracked<T>(work: Promise<T>): Promise<T> {
    this.savesInFlight.add(work);
    const done = () => this.savesInFlight.delete(work);
    work.then(done, done);
    return work;
  }

  /**
   * Saves the weights only (no architecture): a path ending in `.weights.h5` is Keras 3's weights file; any other path
   * is a folder in tensornode's format, with the optimizer's state, written crash-safe. loadWeights(path) reads them
   * back into a model of the same structure.
   */
  async saveWeights(path: string): Promise<void> {
    const state = this.built ? snapshotState(this) : undefined;
    await this.tracked(import('./weights.js').then(({ saveWeights }) => saveWeights(this, path, state)));
  }

  /**
   * Loads weights written by saveWeights(path) (or a Keras `.weights.h5` / Keras 2 `.h5` weights file), checked for
   * shape before anything changes (Keras's load_weights).
   */
  async loadWeights(path: string): Promise<void> {
    const { loadWeights } = await import('./weights.js');
    await loadWeights(this, path);
  }

  /** The model's layers (a functional model lists its InputLayers too, as Keras does). */
  get layers(): Layer[] {
    if (this.functionalGraph) return this.functionalGraph.layers;
    // A subclassed model: the layers it holds as properties, in definition order.
    return this.propertyLayers().map(([, l]) => l);
  }

  /** A layer by name or index. */
  getLayer(nameOrIndex?: string | number | null, index?: number): Layer {
    const layers = this.layers;
    // TF.js's getLayer(name?, index?) and Keras's get_layer(name=None, index=None): getLayer(undefined, 2).
    if ((nameOrIndex === undefined || nameOrIndex === null) && index !== undefined) nameOrIndex = index;
    if (typeof nameOrIndex === 'number') {
      // A negative index counts from the end, as a Python index does.
      if (!Number.isInteger(nameOrIndex)) throw new Error(`getLayer: an index must be an integer, received ${nameOrIndex}`);
      const l = layers.at(nameOrIndex);
      if (!l) throw new Error(`Was asked to retrieve layer at index ${nameOrIndex} but model only has ${layers.length} layers.`);
      return l;
    }
    if (typeof nameOrIndex !== 'string') throw new Error('getLayer: provide a layer name or an index');
    const l = layers.find((x) => x.name === nameOrIndex);
    if (!l) throw new Error(`No such layer: ${nameOrIndex}. Existing layers are: ${layers.map((x) => x.name).join(', ')}`);
    return l;
  }

  protected override innerLayers(): Layer[] {
    return this.layers;
  }

  // Held by a custom layer (its `ffn`), a model's layers take names under the property's scope, each after its class
  // with a counter as Keras 3's saving paths name a container's layers (`block/ffn/dense_1/kernel`): their automatic
  // names (dense_6) depend on what else the program made first, so a reloaded model would not find its weights.
  override scopeInnerLayers(): void {
    const used = new Map<string, number>();
    for (const layer of this.layers) {
      const base = toSnakeCase(layer.className);
      const n = used.has(base) ? used.get(base)! + 1 : 0;
      used.set(base, n);
      if (layer.built || layer.weightScope !== null) continue;
      layer.weightScope = `${this.weightScope}/${n === 0 ? base : `${base}_${n}`}`;
      layer.scopeInnerLayers();
    }
  }

  // A model's layers (its graph's, its stack's, or a subclass's properties) already carry their weights and losses
  // into the model's, and keep their own weight names (a Sequential's unbuilt layers are not "stack/0").
  protected override trackedEntries(): [string, Layer][] {
    return [];
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
    const out: Tensor[] = [...super.losses];
    for (const l of this.layers) out.push(...l.losses);
    return out;
  }

  override countParams(): number {
    return this.weights.reduce((n, w) => n + w.size, 0);
  }

  /** Names of the inputs and outputs (used to match dict data and per-output losses and metrics). */
  get inputNames(): string[] {
    if (this.isSubclassed()) return this.dictInputKeys ?? [];
    return this.inputs.map((t) => t.node.layer.name);
  }

  /** A Model subclass with its own call(), as opposed to a functional model or a Sequential. */
  isSubclassed(): boolean {
    return this.functionalGraph === null;
  }

  /**
   * @internal Notes whether a subclassed model is given a dict of inputs ({ left, right }), which its call() then
   * receives as a dict (Keras passes x to call as it is); the keys, sorted, name the inputs.
   */
  noteDictInputs(x: unknown): void {
    if (!this.isSubclassed()) return;
    const dict = x !== null && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype && Object.keys(x).length > 0;
    this.dictInputKeys = dict ? Object.keys(x as object).sort() : null;
  }

  /** @internal The model's inputs from fit/evaluate/predict's x: a list, in input order. */
  inputList(x: Inputs, what: string): Tensor[] {
    this.noteDictInputs(x);
    return toList(x, this.inputNames, what, this.name);
  }
  get outputNames(): string[] {
    // Two outputs of one layer (an LSTM's states) get distinct names, as tf.keras names them: lstm, lstm_1.
    const taken = new Set<string>();
    const counts = new Map<string, number>();
    return this.outputs.map((t) => {
      const base = t.node.layer.name;
      let name = base;
      while (taken.has(name)) {
        const k = counts.get(base) ?? 1;
        name = `${base}_${k}`;
        counts.set(base, k + 1);
      }
      taken.add(name);
      return name;
    });
  }

  /** Expected input shapes (with a null batch axis), when known. */
  protected expectedInputShapes(): Shape[] | null {
    return this.inputs.length ? this.inputs.map((t) => t.shape) : null;
  }

  /**
   * Keras 3's _adjust_input_rank: data one axis short of an input whose last axis is 1 gets that axis (a batch of
   * scalars, [N], for tn.input({ shape: [1] }), as a tabular dataset of dicts batches them), and data with an extra
   * last axis of 1 loses it. Any other rank is left for checkInputShapes to refuse.
   */
  protected adjustInputRanks(xs: Tensor[]): Tensor[] {
    const expected = this.expectedInputShapes();
    if (!expected || xs.length !== expected.length) return xs;
    return xs.map((x, i) => {
      const e = expected[i];
      if (x.rank === e.length - 1 && e[e.length - 1] === 1) return x.reshape([...x.shape, 1]);
      if (x.rank === e.length + 1 && x.shape[x.rank - 1] === 1) return x.reshape(x.shape.slice(0, -1));
      return x;
    });
  }

  /** Keras's check of data against the model's input shapes, before any layer sees it. */
  protected checkInputShapes(xs: Tensor[], given: Tensor[] = xs): void {
    const expected = this.expectedInputShapes();
    if (!expected) return;
    if (xs.length !== expected.length) {
      throw new Error(`Layer "${this.name}" expects ${expected.length} input(s), but it received ${xs.length} input tensors`);
    }
    xs.forEach((x, i) => {
      const e = expected[i];
      if (x.rank !== e.length || e.some((d, j) => d !== null && d !== x.shape[j])) {
        throw new Error(`Input ${i} of layer "${this.name}" is incompatible with the layer: expected shape=${formatShape(e)}, found shape=${formatShape(given[i].shape)}`);
      }
    });
  }

  call(inputs: LayerInput, args: CallArgs = {}): LayerOutput {
    if (!this.functionalGraph) {
      throw new Error(`Model "${this.name}" has no graph: create it with new Model({ inputs, outputs }), or subclass Model and override call()`);
    }
    const xs = Array.isArray(inputs) ? inputs : [inputs];
    if (xs.length !== this.inputs.length) {
      throw new Error(`Layer "${this.name}" expects ${this.inputs.length} input(s), but it received ${xs.length} input tensors`);
    }
    const results = runGraph(this.functionalGraph, xs, args);
    return results.length === 1 ? results[0] : results;
  }

  /**
   * Calls the model (Keras's model(x)): on symbolic tensors it adds a node to a functional graph; on tensors, a list of
   * tensors, or a dict of them ({ left, right }, which a subclassed model's call() receives as it is) it computes.
   */
  override apply(inputs: TensorLike | TensorLike[] | Record<string, Tensor>, args?: CallArgs): Tensor;
  override apply(inputs: SymbolicTensor | SymbolicTensor[] | Record<string, SymbolicTensor>, args?: CallArgs): SymbolicTensor;
  // Several outputs come back as an array at run time; cast the result (as Keras users unpack a list).
  override apply(inputs: TensorLike | TensorLike[] | SymbolicTensor | SymbolicTensor[] | Record<string, Tensor | SymbolicTensor>, args: CallArgs = {}): any {
    return super.apply(this.inputsByName(inputs) as TensorLike, args);
  }

  /**
   * A functional model called on a dict keyed by its inputs' names (a triplet model's { anchor, positive, negative }),
   * tensors or symbolic tensors, takes them in its inputs' order, as Keras 3's does and as fit and predict take dicts.
   * A subclassed model's call() gets the dict as it is.
   */
  private inputsByName(inputs: unknown): unknown {
    if (this.isSubclassed() || inputs === null || typeof inputs !== 'object' || Object.getPrototypeOf(inputs) !== Object.prototype) return inputs;
    const dict = inputs as Record<string, unknown>;
    if (!Object.values(dict).every((v) => v instanceof Tensor || v instanceof SymbolicTensor)) return inputs;
    const names = this.inputNames;
    const missing = names.filter((n) => !(n in dict));
    if (missing.length) throw new Error(`Model "${this.name}" was called on a dict without ${missing.map((m) => `'${m}'`).join(', ')}: its inputs are named ${names.join(', ')}; received keys ${Object.keys(dict).join(', ')}`);
    const list = names.map((n) => dict[n]);
    return list.length === 1 ? list[0] : list;
  }

  /** The outputs keep the masks the model's last layers gave them. */
  override computeMask(): Mask | undefined {
    return undefined;
  }

  /** Clears the states of the model's stateful recurrent layers (Keras's reset_states). */
  resetStates(): void {
    for (const l of this.layers) {
      const r = (l as Layer & { resetStates?: () => void }).resetStates;
      if (typeof r === 'function' && (l instanceof Model || (l as { stateful?: boolean }).stateful)) r.call(l);
    }
  }

  /** @internal Forward pass on a list of inputs, returning a list of outputs. */
  forward(xs: Tensor[], training: boolean): Tensor[] {
    const adjusted = this.adjustInputRanks(xs);
    // The error shows the data as given, not as reshaped.
    this.checkInputShapes(adjusted, xs);
    xs = adjusted;
    const keys = this.isSubclassed() ? this.dictInputKeys : null;
    const given = keys && keys.length === xs.length ? Object.fromEntries(keys.map((k, i) => [k, xs[i]])) : xs.length === 1 ? xs[0] : xs;
    const out = this.apply(given, { training }) as LayerOutput;
    const outs = Array.isArray(out) ? out : [out];
    if (this.isSubclassed()) this.seenOutputCount = outs.length;
    return outs;
  }

  /**
   * Keras's model.build(inputShape). A functional model or Sequential is built from its inputs; a subclassed model
   * without a build() of its own runs its call() on zeros of that shape (unknown axes as 1) in inference mode, so
   * that every layer it holds creates its weights (summary and countParams count them), as Keras 3 builds one. A
   * dict of shapes builds a model whose call() takes a dict.
   */
  override build(inputShape: Shape | Shape[]): void {
    if (this.isSubclassed()) {
      this.buildInputShape = nullBatch(inputShape);
      if (!this.buildingForCall) {
        const zero = (s: Shape) => zeros(s.map((d) => d ?? 1));
        const given = inputShape as unknown;
        const dummy = isShapeDict(given) ? Object.fromEntries(Object.entries(given).map(([k, v]) => [k, zero(v)]))
          : Array.isArray(given) && Array.isArray(given[0]) ? (given as Shape[]).map(zero) : zero(given as Shape);
        this.built = true;
        this.buildingForCall = true;
        try {
          const out = noGrad(() => this.apply(dummy as Tensor, { training: false })) as LayerOutput;
          this.seenOutputCount = Array.isArray(out) ? out.length : 1;
        } finally {
          this.buildingForCall = false;
          this.clearCallLosses();
        }
      }
    }
    this.built = true;
  }

  /** @internal Builds the model for its first call; a subclassed model remembers the input shape for save(). */
  override maybeBuild(inputShape: Shape | Shape[]): void {
    if (this.isSubclassed() && !this.built) this.buildInputShape ??= nullBatch(inputShape);
    const before = this.buildingForCall;
    this.buildingForCall = true;
    try {
      super.maybeBuild(inputShape);
    } finally {
      this.buildingForCall = before;
    }
  }

  /** Keras's model.output / model.input: the model's own symbolic outputs and inputs (one, or a list). */
  override get output(): SymbolicTensor | SymbolicTensor[] {
    if (!this.outputs.length) return super.output;
    return this.outputs.length === 1 ? this.outputs[0] : this.outputs;
  }
  override get input(): SymbolicTensor | SymbolicTensor[] {
    if (!this.inputs.length) return super.input;
    return this.inputs.length === 1 ? this.inputs[0] : this.inputs;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    if (this.outputs.length) return this.outputs.length === 1 ? this.outputs[0].shape : this.outputs.map((o) => o.shape);
    return super.computeOutputShape(inputShape);
  }

  /** Number of outputs the training loop should expect. */
  protected outputCount(): number {
    if (this.isSubclassed()) return this.seenOutputCount ?? 1;
    return this.outputs.length || 1;
  }

  /**
   * @internal A subclassed model's outputs are known only once its call() has run: compile() took their number from
   * its arguments (a list of losses), and the first step, which sees them, compiles again if that was not it.
   */
  matchOutputCount(n: number): void {
    if (!this.isSubclassed() || !this.compiled || !this.compileArgs || this.compiled.losses.length === n) return;
    const again = parseCompileArgs(this.compileArgs, Array.from({ length: n }, (_, i) => this.outputLabel(i)), this.computesOwnLoss());
    Object.assign(this.compiled, { ...again, customLogs: this.compiled.customLogs, resetOwnMetrics: this.compiled.resetOwnMetrics });
  }

  protected outputLabel(i: number): string {
    return this.outputNames[i] ?? `output_${i}`;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Training API

  /**
   * Keras 3's train_step, for a Model subclass that defines it: fit calls it for each batch with [x, y, sampleWeight]
   * (x and y a tensor for one input or output, else lists) instead of the compiled loss and optimizer step, and
   * logs the numbers it returns ({ loss, ... }: numbers or scalar tensors). The subclass computes its loss and applies
   * its gradients (tn.gradients and this.optimizer.applyGradients); compile() then needs no loss.
   */
  trainStep?(data: StepData): StepLogs;
  /** Keras 3's test_step: what evaluate (and fit's validation) call per batch when a subclass defines it. */
  testStep?(data: StepData): StepLogs;

  /**
   * Keras 3's model.metrics: the loss tracker ('loss'), compile()'s metrics as one `compile_metrics` entry (its
   * result() is an object of their values), each output's loss tracker when there are several, then the metric
   * objects the model holds as properties (a custom trainStep's trackers). fit and evaluate reset them all at each
   * epoch. A custom trainStep updates them as Keras's does: `for (const m of this.metrics) m.name === 'loss' ?
   * m.updateState(loss) : m.updateState(y, yPred)`, and returns their results. A subclass may define its own getter.
   */
  get metrics(): (Metric | CompileMetrics)[] {
    const out: (Metric | CompileMetrics)[] = [];
    const c = this.compiled;
    if (c) {
      out.push(c.lossTracker);
      if (c.metrics.flat().length || c.weightedMetrics.flat().length) out.push(c.compileMetrics ??= new CompileMetrics(c));
      out.push(...c.outputLossTrackers);
    }
    for (const v of Object.values(this)) if (v instanceof Metric && !out.includes(v)) out.push(v);
    return out;
  }

  /**
   * Keras 3's compute_loss: the compiled loss of `yPred` against `y` (each output's, weighted by lossWeights and
   * sampleWeight) plus the losses the model's last forward pass added (addLoss, regularizers), as a scalar tensor to
   * take gradients of. `{ x, y, yPred, sampleWeight }`, or positionally (x, y, yPred, sampleWeight).
   */
  computeLoss(args: { x?: unknown; y?: Tensor | Tensor[] | null; yPred?: Tensor | Tensor[]; sampleWeight?: Tensor | null; training?: boolean }): Tensor;
  computeLoss(x: unknown, y: Tensor | Tensor[] | null | undefined, yPred: Tensor | Tensor[], sampleWeight?: Tensor | null): Tensor;
  computeLoss(first: unknown, y?: Tensor | Tensor[] | null, yPred?: Tensor | Tensor[], sampleWeight?: Tensor | null): Tensor {
    const a = arguments.length === 1 && isPlainOptions(first) && ('yPred' in first || 'y' in first)
      ? (first as { y?: Tensor | Tensor[] | null; yPred?: Tensor | Tensor[]; sampleWeight?: Tensor | null })
      : { y, yPred, sampleWeight };
    const c = this.compiled;
    if (!c) throw new Error(`computeLoss: model "${this.name}" is not compiled; call compile({ optimizer, loss }) first`);
    let total: Tensor | null = null;
    if (!c.losses.some((l) => l.name === 'no_loss')) {
      if (a.yPred === undefined || a.yPred === null) throw new Error('computeLoss: yPred (the model\'s outputs) must be given');
      if (a.y === undefined || a.y === null) throw new Error('computeLoss: y (the targets) must be given for the compiled loss');
      const outs = Array.isArray(a.yPred) ? a.yPred : [a.yPred];
      this.matchOutputCount(outs.length);
      total = compiledLoss(c, outs, Array.isArray(a.y) ? a.y : [a.y], a.sampleWeight ?? null);
    }
    for (const l of this.losses) total = total ? add(total, l) : l;
    if (!total) throw new Error(`computeLoss: model "${this.name}" was compiled without a loss and its forward pass added none`);
    return total;
  }

  /**
   * @internal Whether a subclass overrides computeLoss (keras.io's Distiller): the built-in train and test steps then
   * call it for the loss, as Keras 3's do, and compile() needs no loss.
   */
  ownComputeLoss(): boolean {
    return this.computeLoss !== Model.prototype.computeLoss;
  }

  /** @internal A trainStep or computeLoss of the subclass's own: compile() then needs no loss. */
  computesOwnLoss(): boolean {
    return typeof this.trainStep === 'function' || this.ownComputeLoss();
  }

  /**
   * Keras 3's compute_metrics: updates compile()'s metrics with one batch and returns every metric's result
   * (getMetricsResult()).
   */
  computeMetrics(_x: unknown, y: Tensor | Tensor[], yPred: Tensor | Tensor[], sampleWeight?: Tensor | null): Logs {
    const c = this.compiled;
    if (!c) throw new Error(`computeMetrics: model "${this.name}" is not compiled`);
    const outs = Array.isArray(yPred) ? yPred : [yPred];
    this.matchOutputCount(outs.length);
    updateCompiledMetrics(c, outs, Array.isArray(y) ? y : [y], sampleWeight ?? null);
    return this.getMetricsResult();
  }

  /** Keras 3's get_metrics_result: the result of every entry of `metrics`, compile_metrics' flattened into it. */
  getMetricsResult(): Logs {
    const out: Logs = {};
    for (const m of this.metrics) {
      const r = resultValue(m.result(), m.name);
      if (typeof r === 'number') out[m.name] = r;
      else Object.assign(out, r);
    }
    return out;
  }

  /**
   * Configures training (Keras's compile): `optimizer` (default 'rmsprop'), `loss` (one, or per output as a list or an
   * object keyed by output name), `metrics`, `weightedMetrics`, `lossWeights`.
   */
  compile(args: CompileArgs = {}): void {
    // A subclassed model not yet called has no known outputs: a list of losses (or loss weights, or metric lists)
    // says how many, as Keras matches them to the structure call() returns.
    const listed = [args?.loss, args?.lossWeights, Array.isArray(args?.metrics) && args.metrics.length > 0 && args.metrics.every((m) => Array.isArray(m)) ? args.metrics : undefined]
      .find((v) => Array.isArray(v)) as unknown[] | undefined;
    const n = this.isSubclassed() && this.seenOutputCount === null && listed ? listed.length : this.outputCount();
    const compiled = parseCompileArgs(args, Array.from({ length: n }, (_, i) => this.outputLabel(i)), this.computesOwnLoss());
    // Keras resets the trackers a custom train_step's model lists in its `metrics` property at each epoch's start.
    compiled.resetOwnMetrics = () => {
      const own = (this as unknown as { metrics?: unknown }).metrics;
      if (Array.isArray(own)) for (const m of own) if (m instanceof Metric) m.resetState();
    };
    // Keras's default optimizer is RMSprop.
    this.optimizer = getOptimizer(args.optimizer ?? 'rmsprop');
    this.compileArgs = args;
    // compile() fixes what fit trains, as in Keras and TF.js: a trainable flag changed afterwards needs compile() again.
    compiled.trainableAtCompile = this.trainableWeights;
    compiled.frozenAtCompile = new Set(this.nonTrainableWeights);
    this.compiled = compiled;
  }

  /** Names of the values evaluate() and trainOnBatch() return, in order. */
  get metricsNames(): string[] {
    return this.compiled ? metricsNames(this.compiled) : [];
  }

  /**
   * Trains the model for `epochs` passes over the data. Yields to the event loop between batches; with
   * `worker: true` the batches run on a worker thread and this thread only runs the callbacks. With a tn.data
   * Dataset of batches as x (and no y), as Keras: fit(dataset, { epochs, stepsPerEpoch, validationData }).
   */
  fit(dataset: Dataset<unknown> | PyDataset, args?: FitDatasetArgs): Promise<History>;
  /** Keras's fit(x, epochs=...) without y, for a model whose own trainStep needs no targets (an autoencoder's, a VAE's). */
  fit(x: Inputs, args: FitArgs): Promise<History>;
  /** Trains on x and y (tensors, or lists / objects keyed by input and output names for several). */
  fit(x: Inputs, y: Inputs, args?: FitArgs): Promise<History>;
  async fit(x: Inputs | Dataset<unknown> | PyDataset, y?: Inputs | FitDatasetArgs, args: FitArgs = {}): Promise<History> {
    if (x instanceof PyDataset) x = x.asDataset();
    if (x instanceof Dataset) {
      // fit(dataset, y, options): Keras says `y` is not supported with a dataset; here y would be read as the options.
      if (y instanceof Tensor || Array.isArray(y) || ArrayBuffer.isView(y) || Object.keys(args).length > 0) {
        throw new Error('fit: `y` is not taken when x is a dataset: its elements carry the targets ([x, y] or { xs, ys }); pass fit(dataset, { epochs, ... })');
      }
      if ((y as { worker?: unknown } | undefined)?.worker) throw new Error('fit({ worker: true }): training on a tn.data Dataset on a worker thread is not supported yet; pass tensors, or train on this thread');
      return datasetTraining.fitDataset(this, x, withDatasetValidation(y as FitDatasetArgs | undefined));
    }
    if ((args.validationData as unknown) instanceof PyDataset || (isPlainOptions(y) && (y as FitArgs).validationData as unknown instanceof PyDataset)) {
      throw new Error('fit: a PyDataset as validationData goes with a Dataset or PyDataset as x; with tensors, pass validationData as [x, y]');
    }
    // Keras's fit(x, epochs=...) without y: fit(x, { epochs }) puts the options where y goes.
    if (args && Object.keys(args).length === 0 && isPlainOptions(y) && Object.keys(y).every((k) => (training.FIT_ARGS as readonly string[]).includes(k))) {
      args = y as FitArgs;
      y = undefined;
    }
    if (args.worker && this.computesOwnLoss()) throw new Error(`fit({ worker: true }): model "${this.name}" has its own ${typeof this.trainStep === 'function' ? 'trainStep' : 'computeLoss'}, which a worker thread cannot run; train on this thread`);
    if (args.worker) {
      checkOptionNames(args, training.FIT_ARGS, 'fit');
      // Loaded on first use: programs that never train on a worker do not load the worker machinery.
      const { remoteFit } = await import('../workers/remote-fit.js');
      return remoteFit(this, x, y as Inputs, args);
    }
    return training.fit(this, x, y as Inputs, args);
  }

  /** TF.js's fitDataset: trains on a tn.data Dataset of batches ([x, y], [x, y, sampleWeight] or { xs, ys }). */
  fitDataset(dataset: Dataset<unknown> | PyDataset, args: FitDatasetArgs = {}): Promise<History> {
    return datasetTraining.fitDataset(this, dataset instanceof PyDataset ? dataset.asDataset() : dataset, withDatasetValidation(args));
  }

  /** Loss and metrics on the given data: [loss, ...metrics] (or an object with returnDict). */
  evaluate(dataset: Dataset<unknown> | PyDataset, args: EvaluateDatasetArgs & { returnDict: true }): Promise<Logs>;
  evaluate(dataset: Dataset<unknown> | PyDataset, args?: EvaluateDatasetArgs): Promise<number[]>;
  /** Keras's evaluate(x) without y, for a model whose own testStep or trainStep needs no targets (a VAE's). */
  evaluate(x: Inputs, args: EvaluateArgs & { returnDict: true }): Promise<Logs>;
  evaluate(x: Inputs, y: Inputs, args: EvaluateArgs & { returnDict: true }): Promise<Logs>;
  evaluate(x: Inputs, y: Inputs, args?: EvaluateArgs): Promise<number[]>;
  evaluate(x: Inputs | Dataset<unknown> | PyDataset, y?: Inputs | EvaluateDatasetArgs, args: EvaluateArgs = {}): Promise<number[] | Logs> {
    if (x instanceof PyDataset) x = x.asDataset();
    // evaluate(x, { verbose }) puts the options where y goes, as fit(x, { epochs }) does.
    if (!(x instanceof Dataset) && args && Object.keys(args).length === 0 && isPlainOptions(y) && Object.keys(y).every((k) => (training.EVALUATE_ARGS as readonly string[]).includes(k))) {
      args = y as EvaluateArgs;
      y = undefined;
    }
    const run = async () => x instanceof Dataset
      ? datasetTraining.evaluateDataset(this, x, y as EvaluateDatasetArgs)
      : training.evaluate(this, x, y as Inputs, args);
    return explainTfjsReads(run());
  }

  /** TF.js's evaluateDataset: loss and metrics over a tn.data Dataset of batches. */
  async evaluateDataset(dataset: Dataset<unknown> | PyDataset, args: EvaluateDatasetArgs & { returnDict: true }): Promise<Logs>;
  async evaluateDataset(dataset: Dataset<unknown> | PyDataset, args?: EvaluateDatasetArgs): Promise<number[]>;
  async evaluateDataset(dataset: Dataset<unknown> | PyDataset, args: EvaluateDatasetArgs = {}): Promise<number[] | Logs> {
    return datasetTraining.evaluateDataset(this, dataset instanceof PyDataset ? dataset.asDataset() : dataset, args);
  }

  /**
   * Outputs for the given inputs, batch by batch (inference mode: no dropout, moving BatchNorm statistics).
   * Synchronous, as TF.js's predict: it holds the thread until every batch has run, so timers, I/O and other
   * callbacks wait. On a server, or for inputs of many batches, use predictAsync.
   */
  predict(x: Inputs, args: PredictArgs = {}): Tensor | Tensor[] {
    if ((x as unknown) instanceof Dataset || (x as unknown) instanceof PyDataset) {
      throw new Error(`predict: a ${(x as unknown) instanceof Dataset ? 'tn.data Dataset' : 'PyDataset'} is read asynchronously, and predict is synchronous (as TF.js's); use \`await model.predictAsync(dataset)\``);
    }
    return training.predict(this, x, args);
  }

  /**
   * predict's outputs, the same values, computed on a worker thread shared by the process, so this thread's event
   * loop stays free. `modules` are imported by the worker first (custom layers registered with registerClass).
   */
  predictAsync(dataset: Dataset<unknown> | PyDataset, args?: PredictDatasetArgs): Promise<Tensor | Tensor[]>;
  predictAsync(x: Inputs, args?: PredictArgs & WorkerArgs): Promise<Tensor | Tensor[]>;
  async predictAsync(x: Inputs | Dataset<unknown> | PyDataset, args: (PredictArgs & WorkerArgs) | PredictDatasetArgs = {}): Promise<Tensor | Tensor[]> {
    if (x instanceof PyDataset) x = x.asDataset();
    // A dataset is read batch by batch on this thread (its sources and transformations live here).
    if (x instanceof Dataset) return datasetTraining.predictDataset(this, x, args as PredictDatasetArgs);
    checkOptionNames(args, ['batchSize', 'verbose', 'modules'], 'predictAsync');
    const { predictAsync } = await import('../workers/remote-predict.js');
    return predictAsync(this, x, args as PredictArgs & WorkerArgs);
  }

  /** evaluate's results, computed on predictAsync's worker thread (callbacks are not supported there). */
  async evaluateAsync(x: Inputs, y: Inputs, args: EvaluateArgs & WorkerArgs & { returnDict: true }): Promise<Logs>;
  async evaluateAsync(x: Inputs, y: Inputs, args?: EvaluateArgs & WorkerArgs): Promise<number[]>;
  async evaluateAsync(x: Inputs, y: Inputs, args: EvaluateArgs & WorkerArgs = {}): Promise<number[] | Logs> {
    // callbacks are refused further on, with the reason (the worker cannot run them).
    checkOptionNames(args, ['batchSize', 'verbose', 'sampleWeight', 'returnDict', 'modules', 'callbacks'], 'evaluateAsync');
    const { evaluateAsync } = await import('../workers/remote-predict.js');
    return evaluateAsync(this, x, y, args);
  }

  /** One gradient step on one batch; returns [loss, ...metrics] for that batch. */
  trainOnBatch(x: Inputs, y: Inputs, args: { sampleWeight?: TensorLike; classWeight?: Record<number, number> } = {}): number[] {
    checkOptionNames(args, ['sampleWeight', 'classWeight'], 'trainOnBatch');
    return training.trainOnBatch(this, x, y, args);
  }

  /** Loss and metrics on one batch, without updating the weights. */
  testOnBatch(x: Inputs, y: Inputs, args: { sampleWeight?: TensorLike } = {}): number[] {
    checkOptionNames(args, ['sampleWeight'], 'testOnBatch');
    return training.testOnBatch(this, x, y, args);
  }

  /** Outputs for one batch. */
  predictOnBatch(x: Inputs): Tensor | Tensor[] {
    return training.predictOnBatch(this, x);
  }

  /**
   * Prints Keras's summary table (or passes each line to printFn). `positions` are the columns' right edges, as
   * fractions of lineLength when all are at most 1, else as character columns; with lineLength or positions the
   * layout is fixed (Keras's default stops when positions are omitted) and long cells wrap, without either the
   * columns fit their contents. Keras's keyword form is one options object: `summary({ showTrainable: true,
   * expandNested: true, lineLength, positions, printFn })`.
   */
  summary(lineLength?: number | SummaryOptions, positions?: number[], printFn: (line: string) => void = (l) => console.log(l)): void {
    if (lineLength !== null && typeof lineLength === 'object') {
      checkOptionNames(lineLength, ['lineLength', 'positions', 'printFn', 'expandNested', 'showTrainable'], 'summary');
      const { printFn: print = printFn, ...layout } = lineLength;
      printSummary(this, print, layout);
      return;
    }
    printSummary(this, printFn, { lineLength, positions });
  }

  /**
   * TF.js's model.outputShape: the shape of each output (null for the batch axis), one shape for one output; an
   * error naming the model if its outputs are not known yet (a Sequential without an input shape, not yet built).
   */
  declare readonly outputShape: Shape | Shape[];

  /**
   * TF.js's model.toJSON(unused, returnString = true): the architecture as model.json's `modelTopology` (Keras's
   * class_name and config, with keras_version and backend), as a JSON string or, with returnString false, an object.
   */
  toJSON(_unused?: unknown, returnString = true): string | Record<string, unknown> {
    if (!topologyWriter) throw new Error(`toJSON: the model format is not loaded (import tensornode's index, not models/model.js alone)`);
    const topology = topologyWriter(this);
    return returnString ? JSON.stringify(topology) : topology;
  }

  override getConfig() {
    // A subclassed model's config is what its constructor takes back (Keras's base config, and what the subclass's
    // getConfig adds): its layers are made by its constructor, not from the config.
    if (this.isSubclassed()) return super.getConfig();
    return { ...super.getConfig(), layers: this.layers.map((l) => ({ className: l.className, config: l.getConfig() })) };
  }

  /**
   * @internal A subclassed model's layers with the properties that hold them ('encoder', 'blocks/0'), in definition
   * order, as Keras's saving walks a model's attributes.
   */
  propertyLayers(): [string, Layer][] {
    const found: [string, Layer][] = [];
    const seen = new Set<Layer>();
    for (const [k, v] of Object.entries(this)) {
      if (v instanceof Layer && v !== this && !seen.has(v)) {
        found.push([k, v]);
        seen.add(v);
      } else if (Array.isArray(v)) {
        v.forEach((e, i) => {
          if (e instanceof Layer && !seen.has(e)) {
            found.push([`${k}/${i}`, e]);
            seen.add(e);
          }
        });
      }
    }
    return found;
  }
}

/** A shape, a list of shapes or a dict of shapes with the batch axis unknown (null), as Keras's build_config keeps it. */
function nullBatch(shape: Shape | Shape[]): Shape | Shape[] | Record<string, Shape> {
  const one = (s: Shape): Shape => (s.length ? [null, ...s.slice(1)] : []);
  const given = shape as unknown;
  if (isShapeDict(given)) return Object.fromEntries(Object.entries(given).map(([k, v]) => [k, one(v)]));
  return Array.isArray(given) && Array.isArray(given[0]) ? (given as Shape[]).map(one) : one(given as Shape);
}

function isShapeDict(v: unknown): v is Record<string, Shape> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((s) => Array.isArray(s));
}

Object.defineProperty(Model.prototype, 'outputShape', {
  get(this: Model): Shape | Shape[] {
    if (this.outputs.length === 0) {
      throw new Error(`Model "${this.name}" has no symbolic outputs yet, so no output shape: give its first layer an inputShape (or build it from tn.input())`);
    }
    return this.outputs.length === 1 ? this.outputs[0].shape.slice() : this.outputs.map((o) => o.shape.slice());
  },
  configurable: true, enumerable: false,
});

/** fit's options on a dataset with a PyDataset as validationData read as its Dataset. */
function withDatasetValidation(args: FitDatasetArgs | undefined): FitDatasetArgs | undefined {
  const val = args?.validationData as unknown;
  return val instanceof PyDataset ? { ...args, validationData: val.asDataset() } : args;
}
