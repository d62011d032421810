// Saving a whole model and loading it back: `model.json` (the architecture as layer configs, the compile
// arguments, a manifest of the weights) and the weights file it names, `model.weights.<content hash>.bin` (the
// weights' float32/int32 values, little-endian, in manifest order; older saves wrote `weights.bin`). The layout
// follows TF.js's layers format, so `loadLayersModel('file://dir/model.json')` reads as a TF.js user expects; layer
// configs are getConfig() output and go back through the constructors.
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeManifestAndData } from '../io/atomic.js';
import { checkManifest, readJSONFile, readWeights, type LoadedWeight } from '../io/manifest.js';
import { getActivation } from '../activations.js';
import type { DType } from '../dtype.js';
import { Activation, Dense, Dropout, Flatten, Reshape } from '../layers/core.js';
import { Conv1D, Conv2D } from '../layers/convolutional.js';
import { InputLayer, Layer, SymbolicTensor, withWeightBudget, type CallArgs, type LayerNode } from '../layers/layer.js';
import { Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract } from '../layers/merge.js';
import { BatchNormalization, LayerNormalization } from '../layers/normalization.js';
import { AveragePooling1D, AveragePooling2D, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D, MaxPooling1D, MaxPooling2D } from '../layers/pooling.js';
import { Embedding } from '../layers/embedding.js';
import { GRU, LSTM, SimpleRNN } from '../layers/recurrent.js';
import { Bidirectional } from '../layers/wrappers.js';
import { Loss } from '../losses.js';
import { tensor } from '../tensor.js';
import { backendInfo } from '../backend.js';
import { Model, type CompileArgs } from './model.js';
import { Sequential } from './sequential.js';

const FORMAT = 'tensornode-layers-model';
const FORMAT_VERSION = 1;
const WEIGHTS_FILE = 'weights.bin';
/** Manifest entries of the optimizer's slots: optimizer/<variable name>/<slot index>. */
const OPTIMIZER_PREFIX = 'optimizer/';

type Config = Record<string, unknown>;
interface LayerSpec {
  className: string;
  config: Config;
}
/** A layer call: which outputs (layer name, call index of that layer, output index) feed it. */
type TensorRef = [string, number, number];
interface NodeSpec {
  layer: string;
  inputs: TensorRef[];
  listInput: boolean;
  args: CallArgs;
}
interface WeightSpec {
  name: string;
  shape: number[];
  dtype: DType;
}
export interface ModelJSON {
  format: string;
  formatVersion: number;
  generatedBy: string;
  modelTopology: LayerSpec;
  trainingConfig: Config | null;
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
}

const layerClasses: Record<string, new (args: Config) => Layer> = {
  Dense, Conv2D, Activation, Dropout, Flatten, Reshape, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D,
  GlobalMaxPooling2D, BatchNormalization, LayerNormalization, Add, Subtract, Multiply, Average, Maximum, Minimum,
  Concatenate, InputLayer, Embedding, SimpleRNN, LSTM, GRU, Bidirectional, Conv1D, MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D,
  GlobalMaxPooling1D,
} as unknown as Record<string, new (args: Config) => Layer>;

// ---------------------------------------------------------------------------------------------------------------
// Architecture

function serializeLayer(layer: Layer): LayerSpec {
  if (layer instanceof Sequential) {
    return { className: 'Sequential', config: { name: layer.name, trainable: layer.trainable, batchInputShape: layer.getConfig().batchInputShape, layers: layer.layers.map(serializeLayer) } };
  }
  if (layer instanceof Model) return { className: 'Functional', config: serializeGraph(layer) };
  const className = layer.className;
  if (!layerClasses[className] || layer.constructor !== layerClasses[className]) {
    throw new Error(`save: layer "${layer.name}" is a ${layer.constructor.name}, which tensornode cannot rebuild from a config. Save its weights with getWeights() and rebuild the model in code.`);
  }
  const config = layer.getConfig();
  // A custom activation function has no name that loading could resolve.
  if (typeof config.activation === 'string') {
    try {
      getActivation(config.activation);
    } catch {
      throw new Error(`save: layer "${layer.name}" uses a custom activation function (${config.activation}), which cannot be saved by name`);
    }
  }
  return { className, config };
}

function serializeGraph(model: Model): Config {
  const { inputs, outputs, nodes } = model.graph();
  if (!nodes.length) {
    throw new Error(`save: model "${model.name}" is a subclassed Model; only Sequential and functional models can be saved whole. Save its weights with getWeights().`);
  }
  const inputNodes = inputs.map((t) => t.node);
  // A layer's k-th call in this model's order is its call index k; loading replays the calls in the same order.
  const callIndex = new Map<LayerNode, number>();
  const calls = new Map<Layer, number>();
  for (const node of [...inputNodes, ...nodes]) {
    const k = calls.get(node.layer) ?? 0;
    callIndex.set(node, k);
    calls.set(node.layer, k + 1);
  }
  const ref = (t: SymbolicTensor): TensorRef => [t.node.layer.name, callIndex.get(t.node)!, t.index];
  const layers: Layer[] = [];
  for (const node of [...inputNodes, ...nodes]) if (!layers.includes(node.layer)) layers.push(node.layer);
  const names = new Set<string>();
  for (const l of layers) {
    if (names.has(l.name)) throw new Error(`save: model "${model.name}" has two layers named "${l.name}"; layer names must be unique to save it`);
    names.add(l.name);
  }
  return {
    name: model.name,
    trainable: model.trainable,
    layers: layers.map(serializeLayer),
    nodes: nodes.map((n): NodeSpec => ({ layer: n.layer.name, inputs: n.inputs.map(ref), listInput: n.listInput, args: n.args })),
    inputs: inputs.map(ref),
    outputs: outputs.map(ref),
  };
}

function deserializeLayer(spec: LayerSpec, where: string): Layer {
  if (!spec || typeof spec !== 'object' || typeof spec.className !== 'string' || !spec.config || typeof spec.config !== 'object') {
    throw new Error(`loadModel: ${where}: expected { className, config }, found ${JSON.stringify(spec)?.slice(0, 200)}`);
  }
  const c = spec.config;
  if (spec.className === 'Sequential') {
    const model = new Sequential({ name: c.name as string, trainable: c.trainable as boolean | undefined });
    const shape = c.batchInputShape as (number | null)[] | null | undefined;
    if (shape) model.add(new InputLayer({ batchInputShape: shape }));
    for (const [i, l] of ((c.layers as LayerSpec[]) ?? []).entries()) model.add(deserializeLayer(l, `${where} > layer ${i}`));
    return model;
  }
  if (spec.className === 'Functional' || spec.className === 'Model') return deserializeGraph(c, where);
  // A wrapper holds its inner layer as a serialized layer of its own.
  if (spec.className === 'Bidirectional') return new Bidirectional({ ...c, layer: deserializeLayer(c.layer as LayerSpec, `${where} > wrapped layer`) });
  const Cls = Object.hasOwn(layerClasses, spec.className) ? layerClasses[spec.className] : undefined;
  if (!Cls) throw new Error(`loadModel: ${where}: unknown layer class "${spec.className}". Known: ${Object.keys(layerClasses).join(', ')}, Sequential, Functional`);
  return new Cls(c);
}

function deserializeGraph(c: Config, where: string): Model {
  const layers = new Map<string, Layer>();
  for (const [i, spec] of ((c.layers as LayerSpec[]) ?? []).entries()) {
    const layer = deserializeLayer(spec, `${where} > layer ${i}`);
    layers.set(layer.name, layer);
  }
  const produced = new Map<string, SymbolicTensor[]>();
  const calls = new Map<Layer, number>();
  for (const l of layers.values()) {
    if (l instanceof InputLayer) {
      produced.set(`${l.name}#0`, [l.output]);
      calls.set(l, 1);
    }
  }
  const lookupRef = (r: TensorRef): SymbolicTensor => {
    const t = Array.isArray(r) ? produced.get(`${r[0]}#${r[1]}`)?.[r[2]] : undefined;
    if (!t) throw new Error(`loadModel: ${where}: the graph refers to ${JSON.stringify(r)}, which no earlier layer call produces`);
    return t;
  };
  for (const n of (c.nodes as NodeSpec[]) ?? []) {
    const layer = layers.get(n.layer);
    if (!layer) throw new Error(`loadModel: ${where}: the graph calls layer "${n.layer}", which the file does not define`);
    const ins = n.inputs.map(lookupRef);
    const out = layer.apply(n.listInput ? ins : ins[0], n.args ?? {}) as unknown as SymbolicTensor | SymbolicTensor[];
    const k = calls.get(layer) ?? 0;
    calls.set(layer, k + 1);
    produced.set(`${layer.name}#${k}`, Array.isArray(out) ? out : [out]);
  }
  return new Model({ name: c.name as string, trainable: c.trainable as boolean | undefined, inputs: (c.inputs as TensorRef[]).map(lookupRef), outputs: (c.outputs as TensorRef[]).map(lookupRef) });
}

// ---------------------------------------------------------------------------------------------------------------
// Training configuration: what compile() was given, when all of it has a name or a config.

function serializeCompile(model: Model): Config | null {
  const args = model.compileArgs;
  if (!args || !model.optimizer) return null;
  const opt = model.optimizer;
  const loss = (l: unknown): unknown => {
    if (typeof l === 'string') return l;
    if (l instanceof Loss && l.constructor.name !== 'LossFunctionWrapper') return { className: l.constructor.name, config: l.getConfig() };
    throw new Error('a custom loss function');
  };
  const metric = (m: unknown): unknown => {
    if (typeof m === 'string') return m;
    throw new Error('a metric object or function');
  };
  const mapAll = (v: unknown, f: (x: unknown) => unknown): unknown => {
    if (Array.isArray(v)) return v.map((e) => mapAll(e, f));
    if (v !== null && typeof v === 'object' && !(v instanceof Loss)) return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, mapAll(e, f)]));
    return f(v);
  };
  try {
    return {
      optimizer: { className: opt.constructor.name, config: opt.getConfig() },
      loss: mapAll(args.loss, loss),
      metrics: args.metrics === undefined ? undefined : mapAll(args.metrics, metric),
      lossWeights: args.lossWeights,
    };
  } catch (err) {
    // Keras saves such a model without its training configuration too; loading then asks for compile().
    return { unsaved: `compile() was given ${(err as Error).message}, which cannot be saved; call compile() after loading` };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Files

function paths(path: string): { json: string; dir: string } {
  if (typeof path !== 'string' || path.length === 0) throw new Error(`expected a directory path (or a path ending in model.json), received ${String(path)}`);
  const p = path.startsWith('file://') ? path.slice('file://'.length) : path;
  return p.endsWith('.json') ? { json: p, dir: dirname(p) } : { json: join(p, 'model.json'), dir: p };
}

/** Writes `model.json` and its weights file into the directory `path` (created if needed), crash-safe. */
export async function saveModel(model: Model, path: string): Promise<void> {
  if (typeof path === 'string' && /\.(keras|h5)$/i.test(path)) {
    throw new Error(`save: ${path}: writing Keras files (.keras, .h5) is not available in this build of tensornode; give a directory path to save in tensornode's format`);
  }
  const { json, dir } = paths(path);
  if (!model.built) throw new Error(`save: model "${model.name}" is not built yet; give its first layer an inputShape, or call it on data first`);
  const topology = serializeLayer(model);
  const specs: WeightSpec[] = [];
  const chunks: Buffer[] = [];
  for (const layer of model.layers) {
    layer.getWeights().forEach((w, i) => {
      const values = w.values;
      specs.push({ name: layer.weights[i].name, shape: w.shape.slice(), dtype: w.dtype });
      chunks.push(Buffer.from(values.buffer, values.byteOffset, values.byteLength));
    });
  }
  // The optimizer's slots (Adam's moments, ...) follow, so that training resumes where it stopped, as in Keras.
  const trainingConfig = serializeCompile(model);
  const opt = model.optimizer;
  if (opt && trainingConfig && !trainingConfig.unsaved) {
    trainingConfig.iterations = opt.iterations;
    for (const v of model.trainableWeights) {
      opt.slotsOf(v)?.forEach((a, k) => {
        specs.push({ name: `${OPTIMIZER_PREFIX}${v.name}/${k}`, shape: v.shape.slice(), dtype: 'float32' });
        chunks.push(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
      });
    }
  }
  const file: ModelJSON = {
    format: FORMAT,
    formatVersion: FORMAT_VERSION,
    generatedBy: `tensornode ${backendInfo().version}`,
    modelTopology: topology,
    trainingConfig,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: specs }],
  };
  await mkdir(dir, { recursive: true });
  // The weights go to a file named by their content and model.json, naming it, is switched last, so a crash at any
  // moment leaves the old model or the new one (lib/io/atomic.ts). The weights.bin of older saves is then removed.
  await writeManifestAndData(json, Buffer.concat(chunks), (name) => {
    file.weightsManifest[0].paths = [name];
    return JSON.stringify(file, null, 1);
  }, [WEIGHTS_FILE]);
}

/** Loads a model written by `model.save(path)`: compiled as it was saved, with its weights. */
export async function loadModel(path: string): Promise<Model> {
  const { json, dir } = paths(path);
  // Untrusted input: the file is size-capped JSON, and the manifest is checked against the files on disk (paths kept
  // inside the folder, shapes against sizes) before the architecture allocates anything (lib/io/manifest.ts).
  const file = (await readJSONFile(json, 'loadModel')) as ModelJSON;
  if (!file || typeof file !== 'object' || file.format !== FORMAT) throw new Error(`loadModel: ${json} is not a tensornode model file (format ${JSON.stringify((file as ModelJSON | null)?.format)?.slice(0, 100)})`);
  if (typeof file.formatVersion !== 'number' || file.formatVersion > FORMAT_VERSION) throw new Error(`loadModel: ${json} has format version ${JSON.stringify(file.formatVersion)?.slice(0, 100)}; this tensornode reads up to ${FORMAT_VERSION}`);
  const checked = await checkManifest(file.weightsManifest ?? [], dir, `loadModel: ${json}`);
  const loaded = await readWeights(checked, `loadModel: ${json}`);
  try {
    return restoreModel(file, loaded);
  } catch (err) {
    // Whatever a damaged architecture or training config trips over, the message names the file.
    const message = (err as Error).message.replace(/^loadModel: /, '');
    throw new Error(`loadModel: ${json}: ${message}`, { cause: err });
  }
}

function restoreModel(file: ModelJSON, loaded: LoadedWeight[]): Model {
  const values = loaded.reduce((n, w) => n + w.values.length, 0);
  const model = withWeightBudget(values, () => deserializeLayer(file.modelTopology, 'model'));
  if (!(model instanceof Model)) throw new Error(`the file holds a ${file.modelTopology.className}, not a model`);
  const optimizerSlots: [WeightSpec, Float32Array][] = [];
  let next = 0;
  for (const layer of model.layers) {
    const current = layer.weights;
    if (!current.length) continue;
    const values = current.map((w, i) => {
      const spec = loaded[next++];
      const want = w.name;
      if (!spec || spec.name !== want || spec.dtype !== w.dtype || spec.shape.length !== w.shape.length || spec.shape.some((d, j) => d !== w.shape[j])) {
        throw new Error(`weight ${i} of layer "${layer.name}" is ${want} (${w.dtype}) with shape [${w.shape.join(',')}], but the file has ${spec ? `${spec.name} (${spec.dtype}) with shape [${spec.shape.join(',')}]` : 'no more weights'}`);
      }
      return tensor(spec.values, spec.shape, spec.dtype);
    });
    layer.setWeights(values);
  }
  for (; next < loaded.length && loaded[next].name.startsWith(OPTIMIZER_PREFIX) && loaded[next].dtype === 'float32'; next++) optimizerSlots.push([loaded[next], loaded[next].values as Float32Array]);
  if (next !== loaded.length) throw new Error(`the file has ${loaded.length} weights, but the model it describes has ${next}`);

  const tc = file.trainingConfig;
  if (tc && tc.optimizer) {
    model.compile({ optimizer: tc.optimizer as CompileArgs['optimizer'], loss: tc.loss as CompileArgs['loss'], metrics: tc.metrics as CompileArgs['metrics'], lossWeights: tc.lossWeights as CompileArgs['lossWeights'] });
    const opt = model.optimizer!;
    if (tc.iterations !== undefined) {
      if (!Number.isSafeInteger(tc.iterations) || (tc.iterations as number) < 0) throw new Error(`trainingConfig.iterations must be a non-negative integer, found ${JSON.stringify(tc.iterations)}`);
      opt.iterations = tc.iterations as number;
    }
    const byName = new Map(model.trainableWeights.map((v) => [v.name, v]));
    const grouped = new Map<string, Float32Array[]>();
    for (const [spec, values] of optimizerSlots) {
      const name = spec.name.slice(OPTIMIZER_PREFIX.length, spec.name.lastIndexOf('/'));
      grouped.set(name, [...(grouped.get(name) ?? []), values]);
    }
    for (const [name, arrays] of grouped) {
      const v = byName.get(name);
      if (!v) throw new Error(`the file has optimizer state for '${name}', which is not a trainable weight of the model`);
      opt.restoreSlots(v, arrays);
    }
  }
  return model;
}
