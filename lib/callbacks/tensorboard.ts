// Keras's TensorBoard callback: event files under logDir/train and logDir/validation that `tensorboard --logdir`
// shows, with Keras 3's tags and steps.
import { checkOptionNames } from '../names.js';
import { join } from 'node:path';
import { DataType, EventFileWriter, type AttrMessage, type NodeMessage, type ShapeMessage } from '../io/tfevents.js';
import type { Shape } from '../layers/layer.js';
import { layerGraph } from '../models/layer-graph.js';
import type { Model } from '../models/model.js';
import { Callback, type Logs } from './callback.js';

export interface TensorBoardArgs {
  /** Where to write; 'logs' by default. Each fit() adds one event file to logDir/train and one to logDir/validation. */
  logDir?: string;
  /** Every how many epochs to write the weight histograms (0, the default, never). */
  histogramFreq?: number;
  /** Write the model's graph (of layers) at the start of training; true by default. */
  writeGraph?: boolean;
  /** Also write the training speed: 'batch_steps_per_second' and 'epoch_steps_per_second'. */
  writeStepsPerSecond?: boolean;
  /** 'epoch' (the default): scalars once per epoch; 'batch' or N: also the batch logs every N batches. */
  updateFreq?: 'epoch' | 'batch' | number;
  /** Keras's image, profiling and embedding summaries are not written by tensornode; only their off values are accepted. */
  writeImages?: boolean;
  profileBatch?: number;
  embeddingsFreq?: number;
}

/**
 * Writes TensorBoard event files as Keras 3's TensorBoard callback does:
 * - per epoch, in `train`: 'epoch_<name>' for each training log (loss, metrics) and 'epoch_learning_rate'; in
 *   `validation`: 'epoch_<name>' for each 'val_<name>' log; the step is the epoch index;
 * - with updateFreq 'batch' or N, in `train`: 'batch_<name>' every N batches, the step counting batches from 1
 *   across epochs;
 * - every histogramFreq epochs, in `train`: a histogram of each weight, tagged '<layer>/<weight>/histogram';
 * - with writeGraph, in `train`: the model as a GraphDef of one node per layer call (op = the layer's class, the
 *   output shapes on the edges, the layer's simple config values as attributes), which the Graphs dashboard draws;
 * - after each validation in fit, and after model.evaluate with this callback, in `validation`:
 *   'evaluation_<name>_vs_iterations' at the optimizer's step count.
 * Scalars are `simple_value` summaries and histograms `HistogramProto`s with TensorFlow's default buckets: the
 * forms every TensorBoard version reads.
 */
export class TensorBoard extends Callback {
  readonly logDir: string;
  readonly histogramFreq: number;
  readonly writeGraph: boolean;
  readonly writeStepsPerSecond: boolean;
  /** 'epoch', or every how many batches the batch scalars are written. */
  readonly updateFreq: 'epoch' | number;
  private writers = new Map<'train' | 'validation', EventFileWriter>();
  /** The event files of the current (or last) training, by run. */
  readonly files: { train?: string; validation?: string } = {};
  private globalTrainBatch = 0;
  private epochStart = 0;
  private batchStart = 0;
  private epochSteps = 0;
  /** Whether this epoch's validation ran through the test hooks (which then wrote the evaluation scalars). */
  private testedThisEpoch = false;
  private training = false;

  constructor(args: TensorBoardArgs = {}) {
    checkOptionNames(args, ['logDir', 'histogramFreq', 'writeGraph', 'writeStepsPerSecond', 'updateFreq', 'writeImages', 'profileBatch', 'embeddingsFreq'], 'TensorBoard');
    super();
    if (args === null || typeof args !== 'object') throw new Error(`TensorBoard: expected an options object, received ${String(args)}`);
    this.logDir = args.logDir ?? 'logs';
    if (typeof this.logDir !== 'string' || !this.logDir) throw new Error(`TensorBoard: logDir must be a non-empty string, received ${JSON.stringify(args.logDir)}`);
    this.histogramFreq = args.histogramFreq ?? 0;
    if (!Number.isInteger(this.histogramFreq) || this.histogramFreq < 0) {
      throw new Error(`TensorBoard: histogramFreq must be a non-negative integer, received ${String(args.histogramFreq)}`);
    }
    this.writeGraph = args.writeGraph ?? true;
    this.writeStepsPerSecond = args.writeStepsPerSecond ?? false;
    const freq = args.updateFreq ?? 'epoch';
    if (freq === 'batch') this.updateFreq = 1;
    else if (freq === 'epoch' || (Number.isInteger(freq) && (freq as number) > 0)) this.updateFreq = freq;
    else throw new Error(`TensorBoard: updateFreq must be 'epoch', 'batch' or a positive integer, received ${JSON.stringify(freq)}`);
    if (args.writeImages) throw new Error('TensorBoard: writeImages is not supported by tensornode (weights as images); leave it false');
    if (args.profileBatch) throw new Error('TensorBoard: profileBatch is not supported by tensornode (there is no TensorFlow profiler); leave it 0');
    if (args.embeddingsFreq) throw new Error('TensorBoard: embeddingsFreq is not supported by tensornode (the projector plugin); leave it 0');
  }

  private writer(run: 'train' | 'validation'): EventFileWriter {
    let w = this.writers.get(run);
    if (!w) {
      w = new EventFileWriter(join(this.logDir, run));
      this.writers.set(run, w);
      this.files[run] = w.path;
    }
    return w;
  }

  override onTrainBegin(): void {
    this.training = true;
    this.globalTrainBatch = 0;
    this.closeWriters();
    delete this.files.train;
    delete this.files.validation;
    if (this.writeGraph && this.model) {
      this.writer('train').graph(graphNodes(this.model));
      this.writer('train').flush();
    }
  }

  override onEpochBegin(): void {
    this.epochStart = performance.now();
    this.epochSteps = 0;
    this.testedThisEpoch = false;
  }

  override onTrainBatchBegin(): void {
    if (this.writeStepsPerSecond) this.batchStart = performance.now();
  }

  override onTrainBatchEnd(_batch: number, logs: Logs = {}): void {
    this.globalTrainBatch++;
    this.epochSteps++;
    const step = this.globalTrainBatch;
    if (this.writeStepsPerSecond) this.writer('train').scalar('batch_steps_per_second', 1000 / Math.max(performance.now() - this.batchStart, 1e-3), step);
    if (this.updateFreq === 'epoch' || step % this.updateFreq !== 0) return;
    const w = this.writer('train');
    for (const [name, value] of Object.entries(logs)) {
      if (name === 'batch' || name === 'size' || typeof value !== 'number') continue;
      w.scalar(`batch_${name}`, value, step);
    }
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    const train: Logs = {};
    const val: Logs = {};
    for (const [name, value] of Object.entries(logs)) {
      if (typeof value !== 'number') continue;
      if (name.startsWith('val_')) val[name.slice(4)] = value;
      else train[name] = value;
    }
    const opt = this.model?.optimizer;
    if (opt) train.learning_rate = opt.currentLearningRate();
    if (this.writeStepsPerSecond) train.steps_per_second = this.epochSteps / Math.max((performance.now() - this.epochStart) / 1000, 1e-9);
    const tw = this.writer('train');
    for (const [name, value] of Object.entries(train)) tw.scalar(`epoch_${name}`, value, epoch);
    if (Object.keys(val).length) {
      const vw = this.writer('validation');
      for (const [name, value] of Object.entries(val)) vw.scalar(`epoch_${name}`, value, epoch);
      // Keras runs fit's validation through evaluate's hooks, so its on_test_end writes these every epoch too.
      if (opt && !this.testedThisEpoch) for (const [name, value] of Object.entries(val)) vw.scalar(`evaluation_${name}_vs_iterations`, value, opt.iterations);
      vw.flush();
    }
    if (this.histogramFreq && epoch % this.histogramFreq === 0 && this.model) {
      for (const layer of this.model.layers) {
        for (const w of layer.weights) tw.histogram(`${w.name.replace(/:/g, '_')}/histogram`, w.dataSync() as ArrayLike<number>, epoch);
      }
    }
    tw.flush();
  }

  override onTestEnd(logs: Logs = {}): void {
    this.testedThisEpoch = true;
    const opt = this.model?.optimizer;
    if (!opt) return;
    const vw = this.writer('validation');
    for (const [name, value] of Object.entries(logs)) {
      if (typeof value === 'number') vw.scalar(`evaluation_${name}_vs_iterations`, value, opt.iterations);
    }
    // A model.evaluate outside fit has no onTrainEnd to close its file.
    if (this.training) vw.flush();
    else this.closeWriters();
  }

  override onTrainEnd(): void {
    this.training = false;
    this.closeWriters();
  }

  private closeWriters(): void {
    for (const w of this.writers.values()) w.close();
    this.writers.clear();
  }
}

const utf8 = new TextEncoder();

function shapeMessage(shape: Shape): ShapeMessage {
  return { dim: shape.map((d) => ({ size: d ?? -1 })) };
}

/** A layer's config value as a GraphDef attribute, when it is a simple one. */
function attrOf(value: unknown): AttrMessage | null {
  if (typeof value === 'string') return { s: utf8.encode(value) };
  if (typeof value === 'boolean') return { b: value };
  if (typeof value === 'number') return Number.isInteger(value) ? { i: value } : { f: value };
  if (Array.isArray(value) && value.length && value.every((v) => typeof v === 'number' && Number.isInteger(v))) return { list: { i: value as number[] } };
  return null;
}

/** One NodeDef per layer call; the inputs name the producing calls (`name:k` for output k > 0), as TensorFlow does. */
function graphNodes(model: Model): NodeMessage[] {
  return layerGraph(model).map((node) => {
    const attr: Record<string, AttrMessage> = {};
    if (node.layer) {
      for (const [key, value] of Object.entries(node.layer.getConfig())) {
        if (key === 'name') continue;
        const a = attrOf(value);
        if (a) attr[key] = a;
      }
    }
    const dtype = node.layer?.dtype ?? 'float32';
    attr.dtype = { type: DataType[dtype as keyof typeof DataType] ?? DataType.float32 };
    if (node.outputShapes) attr._output_shapes = { list: { shape: node.outputShapes.map(shapeMessage) } };
    if (node.className === 'InputLayer' && node.outputShapes) attr.shape = { shape: shapeMessage(node.outputShapes[0]) };
    return {
      name: node.id,
      op: node.className === 'InputLayer' ? 'Placeholder' : node.className,
      input: node.inputs.map((i) => (i.index === 0 ? i.id : `${i.id}:${i.index}`)),
      attr,
    };
  });
}
