// Keras's files <-> tensornode models: which variable of which layer sits where in a Keras weights file, the
// compile config, and the Keras 3 spelling of a model's config for `.keras`. The byte formats are in keras.ts; the
// mapping of layer configs (both directions, Keras 2 spelling) is keras-config.ts, shared with the TF.js format.
//
// Where Keras 3 puts a variable: the weights file follows the objects of the model (saving_lib._save_state).
// A model's layers sit under `layers/`, each named after its *class* in snake_case with a counter per class
// (dense, dense_1, conv2d, ...; not the layer's name, which is not reproducible across sessions); a layer's own
// variables in `<path>/vars/0..n-1`, trainable ones first; an RNN layer keeps its variables in its cell
// (`<path>/cell/vars`), Bidirectional in `<path>/forward_layer/cell` and `<path>/backward_layer/cell`; a nested
// model repeats the scheme under its own path; the optimizer is `optimizer/vars` (step count, learning rate, then
// its slots variable by variable).
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './atomic.js';
import { Layer, InputLayer, type Shape } from '../layers/layer.js';
import * as layerClasses from '../layers/index.js';
import { Bidirectional, TimeDistributed } from '../layers/wrappers.js';
import { MultiHeadAttention } from '../layers/attention.js';
import { GRU, GRUCell, LSTM, LSTMCell, RNN as RNNLayer, SimpleRNN, SimpleRNNCell } from '../layers/recurrent.js';
import { ConvLSTM1D, ConvLSTM2D, ConvLSTM3D } from '../layers/convolutional-recurrent.js';
import { builtinLossFunctionName, getLoss, isRegisteredLoss, Loss, type LossIdentifier } from '../losses.js';
import { getMetric, Metric, metricClassNames, serializeMetric } from '../metrics.js';
import { Model, type CompileArgs } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import { toSnakeCase } from '../names.js';
import { tensor, type Variable } from '../tensor.js';
import { callKwargs, camelConfigToKeras, kerasRegisteredName, kerasConfigToCamel, layerToKeras, modelFromKeras, type KerasLayerSpec } from './keras-config.js';
import { readKerasArchive, readKerasLegacyH5, readKerasWeights, writeKerasArchive, writeKerasWeights, type H5Array, type Json, type KerasWeights } from './keras.js';
import type { SaveResult } from './handlers.js';
import { compileArgsFromTrainingConfig, type LoadOptions, type TrainingConfig } from './tfjs-layers.js';

/** The Keras version tensornode's `.keras` files claim: the format of Keras 3, which reads them. */
export const KERAS_VERSION = '3.4.1';

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

// ---------------------------------------------------------------------------------------------------------------
// Variables by Keras path

interface VariableGroup {
  /** The object's path in the weights file ('layers/dense', 'layers/lstm/cell'). */
  path: string;
  layer: Layer;
  variables: Variable[];
}

/** A layer's variables in Keras's order: trainable first, then the rest (Keras's save_own_variables). */
function ownVariables(layer: Layer): Variable[] {
  return [...layer.trainableWeights, ...layer.nonTrainableWeights];
}

function isRecurrent(layer: Layer): boolean {
  // RNN(cell) with one built-in cell keeps its weights where LSTM does (an LSTM is Keras's RNN over an LSTMCell).
  const oneCell = layer instanceof RNNLayer && (layer.cell instanceof SimpleRNNCell || layer.cell instanceof LSTMCell || layer.cell instanceof GRUCell);
  // Keras 3's ConvLSTM layers are RNNs over a ConvLSTMCell too.
  const convLstm = layer instanceof ConvLSTM1D || layer instanceof ConvLSTM2D || layer instanceof ConvLSTM3D;
  return layer instanceof LSTM || layer instanceof GRU || layer instanceof SimpleRNN || oneCell || convLstm;
}

/**
 * Every object of the model that Keras gives a `vars` group, with its Keras 3 path and variables (empty for layers
 * without weights, an RNN layer itself, Bidirectional's inner layers, and models).
 */
function variableGroups(model: Model, prefix = ''): VariableGroup[] {
  if (model.isSubclassed()) return subclassedGroups(model, prefix);
  const out: VariableGroup[] = [];
  const used = new Map<string, number>();
  for (const layer of model.layers) {
    // Keras's Sequential.layers leaves the InputLayer out; a functional model lists it (it holds no variables).
    if (layer instanceof InputLayer && model instanceof Sequential) continue;
    const base = toSnakeCase(layer instanceof Model && !(layer instanceof Sequential) && !layer.isSubclassed() ? 'Functional' : layer.className);
    const n = used.has(base) ? used.get(base)! + 1 : 0;
    used.set(base, n);
    out.push(...layerGroups(layer, `${prefix ? `${prefix}/` : ''}layers/${n === 0 ? base : `${base}_${n}`}`));
  }
  return out;
}

/**
 * A subclassed model's groups as Keras 3's saving walks a model's attributes: each layer under the (snake_case) name
 * of the property holding it (`dense_proj`, `encoder/layers/conv2d`), a list's layers by class as Keras names a
 * container's (`blocks/dense`, `blocks/dense_1`), and the model's own variables (made in its build()) in its own group.
 */
function subclassedGroups(model: Model, prefix: string): VariableGroup[] {
  const join = (a: string, b: string) => (a ? `${a}/${b}` : b);
  const out: VariableGroup[] = [];
  const inLists = new Map<string, Map<string, number>>();
  for (const [key, layer] of model.propertyLayers()) {
    const [property, index] = key.split('/');
    let path = join(prefix, toSnakeCase(property));
    if (index !== undefined) {
      const used = inLists.get(property) ?? new Map<string, number>();
      inLists.set(property, used);
      const base = toSnakeCase(layer.className);
      const n = used.has(base) ? used.get(base)! + 1 : 0;
      used.set(base, n);
      path = join(path, n === 0 ? base : `${base}_${n}`);
    }
    out.push(...layerGroups(layer, path));
  }
  const inLayers = new Set(model.layers.flatMap((l) => l.weights));
  const own = [...model.trainableWeights, ...model.nonTrainableWeights].filter((v) => !inLayers.has(v));
  if (own.length) out.push({ path: prefix, layer: model, variables: own });
  return out;
}

/** One layer's groups at `path` (a nested model's own groups below it). */
function layerGroups(layer: Layer, path: string): VariableGroup[] {
  if (layer instanceof Model) return [{ path, layer, variables: [] }, ...variableGroups(layer, path)];
  if (layer instanceof Bidirectional) {
    const out: VariableGroup[] = [{ path, layer, variables: [] }];
    for (const [side, inner] of [['forward_layer', layer.forwardLayer], ['backward_layer', layer.backwardLayer]] as const) {
      out.push({ path: `${path}/${side}`, layer, variables: [] }, { path: `${path}/${side}/cell`, layer, variables: ownVariables(inner) });
    }
    return out;
  }
  if (layer instanceof MultiHeadAttention) {
    // Keras 3 keeps the four EinsumDense projections as sublayers, saved under their public attribute names.
    const own = (k: Variable | null, b: Variable | null) => (k ? [k] : []).concat(b ? [b] : []);
    return [{ path, layer, variables: [] },
      { path: `${path}/query_dense`, layer, variables: own(layer.queryKernel, layer.queryBias) },
      { path: `${path}/key_dense`, layer, variables: own(layer.keyKernel, layer.keyBias) },
      { path: `${path}/value_dense`, layer, variables: own(layer.valueKernel, layer.valueBias) },
      { path: `${path}/output_dense`, layer, variables: own(layer.outputKernel, layer.outputBias) }];
  }
  // Keras 3 keeps the wrapped layer's variables under the wrapper's `layer` attribute.
  if (layer instanceof TimeDistributed) return [{ path, layer, variables: [] }, { path: `${path}/layer`, layer, variables: ownVariables(layer) }];
  if (isRecurrent(layer)) return [{ path, layer, variables: [] }, { path: `${path}/cell`, layer, variables: ownVariables(layer) }];
  return [{ path, layer, variables: ownVariables(layer) }];
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function assign(v: Variable, array: H5Array, what: () => string): void {
  if (!sameShape(array.shape, v.shape)) throw new Error(`${what()} has shape [${array.shape.join(', ')}] in the file, but the model's ${v.name} has shape [${v.shape.join(', ')}]`);
  const values = v.dtype === 'int32' ? Int32Array.from(array.values) : array.values instanceof Float32Array ? array.values : Float32Array.from(array.values);
  v.assign(tensor(values, array.shape, v.dtype));
}

/**
 * Sets the model's variables from a Keras 3 weights file. Every variable needs its array, and every array in the
 * file needs a variable (except the optimizer's, metrics' and empty groups), as Keras checks.
 */
function assignKerasWeights(model: Model, weights: KerasWeights, where: string): void {
  const consumed = new Set<string>();
  for (const group of variableGroups(model)) {
    // tf.keras 2.13 named the top-level list `_layer_checkpoint_dependencies`.
    const key = weights.has(group.path) ? group.path : group.path.replace(/^layers\//, '_layer_checkpoint_dependencies/');
    const arrays = weights.get(key) ?? [];
    if (arrays.length !== group.variables.length) {
      throw new Error(`${where}: layer "${group.layer.name}" (${group.layer.className}) has ${group.variables.length} variables, but the weights file has ${arrays.length} at ${group.path}/vars` +
        (arrays.length === 0 ? `. Groups in the file: ${[...weights.keys()].filter((k) => (weights.get(k) ?? []).length).join(', ')}` : ''));
    }
    group.variables.forEach((v, i) => assign(v, arrays[i], () => `${where}: variable ${i} of layer "${group.layer.name}" (${group.path}/vars/${i})`));
    consumed.add(key);
  }
  const extra = [...weights].filter(([k, arrays]) => arrays.length && !consumed.has(k) && !/^(optimizer|metrics)(\/|$)/.test(k) && k !== '');
  if (extra.length) throw new Error(`${where}: the weights file has variables that no layer of the model takes: ${extra.map(([k]) => k).join(', ')}`);
}

type WritableArray = H5Array | { dtype: 'int64'; shape: number[]; values: BigInt64Array };

/** The model's variables as a Keras 3 weights map, every object with its `vars` group (optimizer state when given). */
function kerasWeightsOf(model: Model, optimizer: Map<string, WritableArray[]> | null): Map<string, WritableArray[]> {
  const array = (v: Variable): H5Array => (v.dtype === 'int32'
    ? { dtype: 'int32', shape: v.shape.slice(), values: Int32Array.from(v.values as Int32Array) }
    : { dtype: 'float32', shape: v.shape.slice(), values: Float32Array.from(v.values as Float32Array) });
  const out = new Map<string, WritableArray[]>();
  for (const group of variableGroups(model)) out.set(group.path, group.variables.map(array));
  if (optimizer) for (const [k, v] of optimizer) out.set(k, v);
  // The root's own `vars` group: empty, but for a subclassed model's own variables.
  if (!out.has('')) out.set('', []);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Optimizer state in Keras 3's order

/**
 * The optimizer's variables after the step count and learning rate, as Keras 3 creates them: for Adam a momentum
 * and a velocity per variable, in turn, then (amsgrad) every velocity_hat; RMSprop every velocity, then every
 * momentum (momentum > 0), then every average gradient (centered); SGD a momentum per variable (momentum > 0);
 * Adagrad an accumulator per variable; Adamax a momentum and a norm per variable, in turn; Adadelta every
 * accumulated_grad, then every accumulated_delta_var (earlier Keras 3 releases made them in turn, so their Adadelta
 * files load with the two swapped); Nadam every momentum, then every velocity, then its momentum product
 * (nadamTail); Lion a momentum per variable. Entries are [variable index, tensornode slot index].
 */
function kerasSlotOrder(opt: Optimizer, count: number): [number, number][] | null {
  const each = (slot: number): [number, number][] => Array.from({ length: count }, (_, i) => [i, slot]);
  const interleaved = (slots: number[]): [number, number][] => Array.from({ length: count }, (_, i) => slots.map((s): [number, number] => [i, s])).flat();
  const o = opt as unknown as Record<string, unknown>;
  switch (opt.constructor.name) {
    case 'Adam': case 'AdamW':
      return [...interleaved([0, 1]), ...(o.amsgrad ? each(2) : [])];
    case 'RMSprop':
      return [...each(0), ...(o.momentum ? each(1) : []), ...(o.centered ? each(2) : [])];
    case 'SGD':
      return o.momentum ? each(0) : [];
    case 'Adagrad': case 'Lion':
      return each(0);
    case 'Adamax':
      return interleaved([0, 1]);
    case 'Adadelta': case 'Nadam':
      return [...each(0), ...each(1)];
    default:
      return null;
  }
}

/**
 * Keras's Nadam keeps the product of its momentum schedule as a variable after the slots; tensornode derives it from
 * the step count, so it is written for Keras and skipped on reading.
 */
function nadamTail(opt: Optimizer): H5Array[] {
  if (opt.constructor.name !== 'Nadam') return [];
  return [{ dtype: 'float32', shape: [], values: Float32Array.of((opt as unknown as { momentumProduct(): number }).momentumProduct()) }];
}

function optimizerState(model: Model): Map<string, WritableArray[]> | null {
  const opt = model.optimizer;
  if (!opt) return null;
  const lr = opt.currentLearningRate();
  const head: WritableArray[] = [{ dtype: 'int64', shape: [], values: BigInt64Array.of(BigInt(opt.iterations)) }];
  if (typeof opt.learningRate === 'number') head.push({ dtype: 'float32', shape: [], values: Float32Array.of(lr) });
  const vars = model.trainableWeights;
  const order = kerasSlotOrder(opt, vars.length);
  const slots = vars.map((v) => opt.slotsOf(v));
  // An optimizer that has not stepped yet has no slots: Keras skips such state on load (with a warning), so only
  // the step count and learning rate are written.
  if (!order || slots.some((s) => !s)) return new Map([['optimizer', head]]);
  const arrays = order.map(([i, k]): H5Array => ({ dtype: 'float32', shape: vars[i].shape.slice(), values: Float32Array.from(slots[i]![k]) }));
  return new Map([['optimizer', [...head, ...arrays, ...nadamTail(opt)]]]);
}

/**
 * Restores the optimizer's step count, learning rate and slots from Keras's `optimizer/vars` (or a legacy file's
 * optimizer_weights). State that does not fit the optimizer is skipped with a warning, as Keras does.
 */
function restoreKerasOptimizer(model: Model, arrays: H5Array[], where: string): void {
  const opt = model.optimizer;
  if (!opt || !arrays.length) return;
  const vars = model.trainableWeights;
  const order = kerasSlotOrder(opt, vars.length);
  if (!order) return;
  // Keras 3 keeps the learning rate as a variable after the step count; tf.keras 2 does not. An optimizer that had
  // not stepped when saved has only those.
  // Keras's Nadam ends with its momentum product (a scalar), which tensornode derives from the step count.
  const n = nadamTail(opt).length && arrays.length > 2 && arrays.at(-1)!.shape.length === 0 ? arrays.length - 1 : arrays.length;
  const head = n === 2 + order.length ? 2 : n === 1 + order.length ? 1 : n <= 2 ? n : -1;
  if (head < 0) {
    console.warn(`${where}: skipping the optimizer's state: the file has ${arrays.length} variables, but a ${opt.constructor.name} for this model's ${vars.length} trainable variables has ${order.length} slots plus the step count and learning rate`);
    return;
  }
  opt.iterations = Number(arrays[0].values[0] ?? 0);
  if (head === 2 && typeof opt.learningRate === 'number') opt.learningRate = Number(arrays[1].values[0]);
  if (n === head && order.length > 0) return;
  const skip = head;
  const bySlot = vars.map(() => [] as Float32Array[]);
  order.forEach(([i, k], j) => {
    const a = arrays[skip + j];
    if (!sameShape(a.shape, vars[i].shape)) {
      throw new Error(`${where}: optimizer variable ${skip + j} has shape [${a.shape.join(', ')}], but it belongs to ${vars[i].name} of shape [${vars[i].shape.join(', ')}]`);
    }
    bySlot[i][k] = Float32Array.from(a.values);
  });
  const spec = (opt as unknown as { slotSpec(): { count: number; initial: number[] } }).slotSpec();
  vars.forEach((v, i) => {
    if (!order.some(([vi]) => vi === i)) return;
    opt.restoreSlots(v, Array.from({ length: spec.count }, (_, k) => bySlot[i][k] ?? new Float32Array(v.size).fill(spec.initial[k] ?? 0)));
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Compile config

/** Metrics tensornode does not have (a Keras 3 metric of a later version, a custom one) are left out, with a warning, as Keras skips unbuilt metrics. */
function knownMetrics(metrics: unknown, lossName: string, where: string): unknown {
  if (!Array.isArray(metrics)) return metrics;
  const keep = (m: unknown): boolean => {
    try {
      getMetric(m as string, lossName);
      return true;
    } catch {
      console.warn(`${where}: metric ${JSON.stringify(m)} is not one tensornode has; the model is compiled without it`);
      return false;
    }
  };
  const name = (m: unknown): unknown => {
    if (isObject(m) && typeof m.class_name === 'string') {
      const c = m.class_name.slice(m.class_name.lastIndexOf('>') + 1);
      if (c === 'MeanMetricWrapper' && isObject(m.config) && typeof m.config.name === 'string') return m.config.name;
      // A metric class tensornode has is rebuilt from its config (its name and arguments such as k or thresholds).
      if (metricClassNames().includes(c) && isObject(m.config)) {
        const { dtype: _dtype, ...config } = kerasConfigToCamel(m.config) as Json;
        return { className: c, config };
      }
      return toSnakeCase(c);
    }
    return m;
  };
  return metrics.map((m) => (Array.isArray(m) ? m.map(name).filter(keep) : name(m))).filter((m) => Array.isArray(m) || keep(m));
}

/** Keras 3's compile_config, or Keras 2's training_config, as compile() arguments. */
function compileArgsFromKeras(c: Json, outputs: number, where: string): CompileArgs {
  const optimizer = (c.optimizer_config ?? c.optimizer) as TrainingConfig['optimizer_config'];
  if (typeof optimizer === 'string') {
    // compile(optimizer='adam') with Keras's defaults.
    return compileArgsFromKeras({ ...c, optimizer_config: { class_name: optimizer, config: {} } }, outputs, where);
  }
  const lossName = typeof c.loss === 'string' ? c.loss : isObject(c.loss) && isObject(c.loss.config) && typeof c.loss.config.name === 'string' ? c.loss.config.name : '';
  const tc = { optimizer_config: optimizer, loss: c.loss, metrics: knownMetrics(c.metrics ?? null, lossName, where), loss_weights: c.loss_weights ?? null } as unknown as TrainingConfig;
  const args = compileArgsFromTrainingConfig(tc, outputs, where);
  // Keras's weighted_metrics, read as its metrics are.
  const weighted = c.weighted_metrics === null || c.weighted_metrics === undefined ? undefined
    : compileArgsFromTrainingConfig({ ...tc, metrics: knownMetrics(c.weighted_metrics, lossName, where) } as TrainingConfig, outputs, where).metrics;
  if (weighted !== undefined) args.weightedMetrics = weighted as CompileArgs['weightedMetrics'];
  // A loss object ({ className, config }) becomes a Loss here, so compile() cannot take it for a per-output dict.
  const resolve = (l: unknown): unknown => {
    if (isObject(l) && typeof l.className === 'string') {
      try {
        return getLoss(l as LossIdentifier);
      } catch (err) {
        throw new Error(`${where}: loss ${JSON.stringify(c.loss)}: ${(err as Error).message}`);
      }
    }
    return Array.isArray(l) ? l.map(resolve) : l;
  };
  return { ...args, loss: resolve(args.loss) as CompileArgs['loss'] };
}

// ---------------------------------------------------------------------------------------------------------------
// Loading

function buildModel(config: unknown, where: string): Model {
  const model = modelFromKeras(config, where);
  if (!model.built) throw new Error(`${where}: the model has no input shape, so its weights cannot be created; its config needs an InputLayer or a build_config`);
  return model;
}

/** A `.keras` file's bytes -> a model with its weights, compiled from its compile_config (unless compile: false). */
export async function modelFromKerasArchive(bytes: Uint8Array, where: string, options: LoadOptions = {}): Promise<Model> {
  const archive = await readKerasArchive(bytes, where);
  const model = buildModel(archive.config, `${where}: config.json`);
  // An adapted StringLookup / IntegerLookup / TextVectorization keeps its vocabulary in assets/ (Keras 3's
  // save_assets, at the layer's object path), not in its config.
  for (const layer of model.layers) {
    const load = (layer as { loadVocabularyAsset?: (text: string, where: string) => void }).loadVocabularyAsset;
    const text = archive.vocabularies.get(`assets/layers/${layer.name}/vocabulary.txt`);
    if (load && text !== undefined) load.call(layer, text, `${where}: assets/layers/${layer.name}/vocabulary.txt`);
  }
  assignKerasWeights(model, archive.weights, `${where}: model.weights.h5`);
  const cc = archive.config.compile_config;
  if (options.compile !== false && isObject(cc)) {
    model.compile(compileArgsFromKeras(cc, model.outputs.length || (model.seenOutputCount ?? 1), `${where}: compile_config`));
    restoreKerasOptimizer(model, archive.weights.get('optimizer') ?? [], `${where}: model.weights.h5`);
  }
  return model;
}

/** Keras 2-format weights (model_weights of a whole-model .h5, or a save_weights .h5) -> the model's layers, in order. */
function assignLegacyWeights(model: Model, layers: Awaited<ReturnType<typeof readKerasLegacyH5>>['layers'], where: string): void {
  // Keras matches layers that have weights by order (load_weights_from_hdf5_group), and so does this.
  const fileLayers = layers.filter((l) => l.weights.length);
  const modelLayers = model.layers.filter((l) => l.weights.length);
  if (fileLayers.length !== modelLayers.length) {
    throw new Error(`${where}: the file has weights for ${fileLayers.length} layers (${fileLayers.map((l) => l.name).join(', ')}), but the model has ${modelLayers.length} layers with weights (${modelLayers.map((l) => l.name).join(', ')})`);
  }
  modelLayers.forEach((layer, i) => {
    const file = fileLayers[i];
    const vars = ownVariables(layer);
    if (vars.length !== file.weights.length) {
      throw new Error(`${where}: layer "${layer.name}" (${layer.className}) has ${vars.length} weights, but the file's layer "${file.name}" has ${file.weights.length} (${file.weights.map((w) => w.name).join(', ')})`);
    }
    vars.forEach((v, j) => assign(v, file.weights[j].array, () => `${where}: weight "${file.weights[j].name}" of layer "${file.name}"`));
  });
}

/** A Keras 2-format `.h5` file's bytes -> a model with its weights, compiled from its training_config. */
export async function modelFromKerasH5(bytes: Uint8Array, where: string, options: LoadOptions = {}): Promise<Model> {
  const file = await readKerasLegacyH5(bytes, where);
  if (!file.modelConfig) {
    throw new Error(`${where}: this .h5 file holds only weights (no model_config attribute); build the model in code and call model.loadWeights('${where.replace(/^loadModel: /, '')}')`);
  }
  const model = buildModel(file.modelConfig, `${where}: model_config`);
  assignLegacyWeights(model, file.layers, where);
  if (options.compile !== false && file.trainingConfig) {
    model.compile(compileArgsFromKeras(file.trainingConfig, model.outputs.length || (model.seenOutputCount ?? 1), `${where}: training_config`));
    // optimizer_weights lists the optimizer's variables in the order a .keras file keeps them.
    restoreKerasOptimizer(model, file.optimizerWeights.map((w) => w.array), `${where}: optimizer_weights`);
  }
  return model;
}

/** Sets the model's weights from a Keras weights file: Keras 3's `.weights.h5`, or Keras 2's `.h5`. */
export async function loadKerasWeights(model: Model, bytes: Uint8Array, path: string): Promise<void> {
  const where = `loadWeights: ${path}`;
  if (!model.built) throw new Error(`${where}: model "${model.name}" is not built yet, so it has no weights to load into; give its first layer an inputShape, or call it on data first`);
  if (path.endsWith('.weights.h5')) {
    assignKerasWeights(model, await readKerasWeights(bytes, where), where);
  } else if (path.endsWith('.h5')) {
    assignLegacyWeights(model, (await readKerasLegacyH5(bytes, where)).layers, where);
  } else {
    throw new Error(`${where}: expected a Keras weights file ending in .weights.h5 (Keras 3) or .h5 (Keras 2)`);
  }
}

/** The model's weights in Keras 3's `.weights.h5` layout. */
export async function kerasWeightsBytes(model: Model): Promise<Uint8Array> {
  if (!model.built) throw new Error(`saveWeights: model "${model.name}" is not built yet; give its first layer an inputShape, or call it on data first`);
  return writeKerasWeights(kerasWeightsOf(model, null));
}

// ---------------------------------------------------------------------------------------------------------------
// Saving: Keras 3's config.json

/** Layer classes of Keras 2 and TF.js that Keras 3 removed. */
const KERAS3_DROPPED = new Set(['ThresholdedReLU']);

/** Config keys Keras 3's constructors accept, per class; anything else in tensornode's config is left out. */
const KERNEL = ['activation', 'use_bias', 'kernel_initializer', 'bias_initializer', 'kernel_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'bias_constraint'];
const CONV = ['filters', 'kernel_size', 'strides', 'padding', 'data_format', 'dilation_rate', 'groups', ...KERNEL];
const POOL = ['pool_size', 'strides', 'padding', 'data_format'];
const RNN = ['units', 'activation', 'use_bias', 'kernel_initializer', 'recurrent_initializer', 'bias_initializer', 'kernel_regularizer', 'recurrent_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'recurrent_constraint', 'bias_constraint', 'dropout', 'recurrent_dropout', 'return_sequences', 'return_state', 'go_backwards', 'stateful', 'unroll', 'zero_output_for_mask', 'seed'];
const CONV_LSTM = ['filters', 'kernel_size', 'strides', 'padding', 'data_format', 'dilation_rate', 'activation', 'recurrent_activation', 'use_bias', 'kernel_initializer', 'recurrent_initializer', 'bias_initializer', 'unit_forget_bias', 'kernel_regularizer', 'recurrent_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'recurrent_constraint', 'bias_constraint', 'dropout', 'recurrent_dropout', 'seed', 'return_sequences', 'return_state', 'go_backwards', 'stateful'];
const DEPTHWISE = ['kernel_size', 'strides', 'padding', 'data_format', 'dilation_rate', 'depth_multiplier', 'activation', 'use_bias', 'depthwise_initializer', 'bias_initializer', 'depthwise_regularizer', 'bias_regularizer', 'activity_regularizer', 'depthwise_constraint', 'bias_constraint'];
const KERAS3_KEYS: Record<string, string[]> = {
  Dense: ['units', ...KERNEL],
  CategoryEncoding: ['num_tokens', 'output_mode', 'sparse'], Hashing: ['num_bins', 'mask_value', 'salt', 'output_mode', 'sparse'],
  HashedCrossing: ['num_bins', 'output_mode', 'sparse'],
  StringLookup: ['max_tokens', 'num_oov_indices', 'mask_token', 'oov_token', 'vocabulary', 'idf_weights', 'invert', 'output_mode', 'pad_to_max_tokens', 'sparse'],
  IntegerLookup: ['max_tokens', 'num_oov_indices', 'mask_token', 'oov_token', 'vocabulary', 'idf_weights', 'invert', 'output_mode', 'pad_to_max_tokens', 'sparse'],
  TextVectorization: ['max_tokens', 'standardize', 'split', 'ngrams', 'output_mode', 'output_sequence_length', 'pad_to_max_tokens', 'vocabulary', 'idf_weights', 'sparse'],
  Conv1D: CONV, Conv2D: CONV,
  Conv3D: CONV, MaxPooling3D: POOL, AveragePooling3D: POOL,
  GlobalAveragePooling3D: ['data_format', 'keepdims'], GlobalMaxPooling3D: ['data_format', 'keepdims'],
  Conv1DTranspose: [...CONV.filter((k) => k !== 'groups'), 'output_padding'], Conv2DTranspose: [...CONV.filter((k) => k !== 'groups'), 'output_padding'],
  Conv3DTranspose: [...CONV.filter((k) => k !== 'groups'), 'output_padding'],
  MaxPooling1D: POOL, MaxPooling2D: POOL, AveragePooling1D: POOL, AveragePooling2D: POOL,
  GlobalAveragePooling1D: ['data_format', 'keepdims'], GlobalAveragePooling2D: ['data_format', 'keepdims'],
  GlobalMaxPooling1D: ['data_format', 'keepdims'], GlobalMaxPooling2D: ['data_format', 'keepdims'],
  Flatten: ['data_format'], Reshape: ['target_shape'], Dropout: ['rate', 'seed', 'noise_shape'], Activation: ['activation'],
  BatchNormalization: ['axis', 'momentum', 'epsilon', 'center', 'scale', 'beta_initializer', 'gamma_initializer', 'moving_mean_initializer', 'moving_variance_initializer', 'beta_regularizer', 'gamma_regularizer', 'beta_constraint', 'gamma_constraint'],
  LayerNormalization: ['axis', 'epsilon', 'center', 'scale', 'beta_initializer', 'gamma_initializer', 'beta_regularizer', 'gamma_regularizer', 'beta_constraint', 'gamma_constraint'],
  Embedding: ['input_dim', 'output_dim', 'embeddings_initializer', 'embeddings_regularizer', 'embeddings_constraint', 'mask_zero'],
  SimpleRNN: RNN, LSTM: [...RNN, 'recurrent_activation', 'unit_forget_bias'], ConvLSTM1D: CONV_LSTM, ConvLSTM2D: CONV_LSTM, ConvLSTM3D: CONV_LSTM, GRU: [...RNN, 'recurrent_activation', 'reset_after'],
  Bidirectional: ['layer', 'merge_mode', 'backward_layer'], Masking: ['mask_value'],
  Add: [], Subtract: [], Multiply: [], Average: [], Maximum: [], Minimum: [], Concatenate: ['axis'], Dot: ['axes', 'normalize'],
  Attention: ['use_scale', 'score_mode', 'dropout', 'seed'], AdditiveAttention: ['use_scale', 'dropout'],
  MultiHeadAttention: ['num_heads', 'key_dim', 'value_dim', 'dropout', 'use_bias', 'output_shape', 'attention_axes', 'kernel_initializer', 'bias_initializer', 'kernel_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'bias_constraint', 'seed'],
  DepthwiseConv2D: DEPTHWISE, SeparableConv2D: [...DEPTHWISE, 'filters', 'pointwise_initializer', 'pointwise_regularizer', 'pointwise_constraint'],
  ReLU: ['max_value', 'negative_slope', 'threshold'], LeakyReLU: ['negative_slope'], ELU: ['alpha'], Softmax: ['axis'],
  PReLU: ['alpha_initializer', 'alpha_regularizer', 'alpha_constraint', 'shared_axes'],
  ZeroPadding1D: ['padding'], ZeroPadding2D: ['padding', 'data_format'], UpSampling1D: ['size'], UpSampling2D: ['size', 'data_format', 'interpolation'],
  Cropping1D: ['cropping'], Cropping2D: ['cropping', 'data_format'], RepeatVector: ['n'], Permute: ['dims'], TimeDistributed: ['layer'],
  GaussianNoise: ['stddev', 'seed'], GaussianDropout: ['rate', 'seed'], AlphaDropout: ['rate', 'noise_shape', 'seed'],
  SpatialDropout1D: ['rate', 'seed'], SpatialDropout2D: ['rate', 'data_format', 'seed'], ActivityRegularization: ['l1', 'l2'],
  GroupNormalization: ['groups', 'axis', 'epsilon', 'center', 'scale', 'beta_initializer', 'gamma_initializer', 'beta_regularizer', 'gamma_regularizer', 'beta_constraint', 'gamma_constraint'],
  UnitNormalization: ['axis'],
  Rescaling: ['scale', 'offset'], Normalization: ['axis', 'invert', 'mean', 'variance'],
  Resizing: ['height', 'width', 'interpolation', 'crop_to_aspect_ratio', 'pad_to_aspect_ratio', 'fill_mode', 'fill_value', 'data_format'],
  CenterCrop: ['height', 'width', 'data_format'], RandomCrop: ['height', 'width', 'seed', 'data_format'], RandomFlip: ['mode', 'seed', 'data_format'],
  RandomRotation: ['factor', 'fill_mode', 'fill_value', 'interpolation', 'seed', 'data_format'],
  RandomZoom: ['height_factor', 'width_factor', 'fill_mode', 'interpolation', 'seed', 'fill_value', 'data_format'],
  RandomTranslation: ['height_factor', 'width_factor', 'fill_mode', 'interpolation', 'seed', 'fill_value', 'data_format'],
  Identity: [], RandomContrast: ['factor', 'value_range', 'seed', 'data_format'], RandomBrightness: ['factor', 'value_range', 'seed', 'data_format'],
  RandomGrayscale: ['factor', 'data_format', 'seed'], Discretization: ['bin_boundaries', 'num_bins', 'epsilon', 'output_mode', 'sparse'],
  Solarization: ['addition_factor', 'threshold_factor', 'value_range', 'seed', 'data_format'], RandomInvert: ['factor', 'value_range', 'seed', 'data_format'],
  AutoContrast: ['value_range', 'data_format'], RandomPosterization: ['factor', 'value_range', 'seed', 'data_format'], RandomSharpness: ['factor', 'value_range', 'seed', 'data_format'],
  RandomSaturation: ['factor', 'value_range', 'seed', 'data_format'], RandomHue: ['factor', 'value_range', 'seed', 'data_format'],
  RandomColorJitter: ['value_range', 'brightness_factor', 'contrast_factor', 'saturation_factor', 'hue_factor', 'seed', 'data_format'],
  RandomGaussianBlur: ['factor', 'kernel_size', 'sigma', 'value_range', 'seed', 'data_format'],
  RandomErasing: ['factor', 'scale', 'fill_value', 'value_range', 'seed', 'data_format'],
  MixUp: ['alpha', 'seed', 'data_format'], CutMix: ['factor', 'seed', 'data_format'],
  DepthwiseConv1D: DEPTHWISE, SeparableConv1D: [...DEPTHWISE, 'filters', 'pointwise_initializer', 'pointwise_regularizer', 'pointwise_constraint'],
  ZeroPadding3D: ['padding', 'data_format'], Cropping3D: ['cropping', 'data_format'], UpSampling3D: ['size', 'data_format'],
  SpatialDropout3D: ['rate', 'data_format', 'seed'], RMSNormalization: ['axis', 'epsilon'],
  MelSpectrogram: ['fft_length', 'sequence_stride', 'sequence_length', 'window', 'sampling_rate', 'num_mel_bins', 'min_freq', 'max_freq', 'power_to_db', 'top_db', 'mag_exp', 'min_power', 'ref_power'],
  STFTSpectrogram: ['mode', 'frame_length', 'frame_step', 'fft_length', 'window', 'periodic', 'scaling', 'padding', 'expand_dims', 'data_format'],
};

/** Keras 3 key -> the Keras 2 / TF.js key keras-config.ts writes, where they differ. */
const KERAS3_RENAMED: Record<string, Record<string, string>> = { LeakyReLU: { negative_slope: 'alpha' } };
/** Classes whose Keras 3 constructor takes no `trainable` (SpatialDropout's is (rate, [data_format,] seed, name, dtype)). */
const KERAS3_NO_TRAINABLE = new Set(['SpatialDropout1D', 'SpatialDropout2D', 'SpatialDropout3D', 'Discretization']);

/** Keras 3's initializer classes and the config each takes. */
const INITIALIZER_KEYS: Record<string, [string, string[]]> = {
  Zeros: ['Zeros', []], Ones: ['Ones', []], Constant: ['Constant', ['value']],
  RandomNormal: ['RandomNormal', ['mean', 'stddev', 'seed']], RandomUniform: ['RandomUniform', ['minval', 'maxval', 'seed']],
  TruncatedNormal: ['TruncatedNormal', ['mean', 'stddev', 'seed']], VarianceScaling: ['VarianceScaling', ['scale', 'mode', 'distribution', 'seed']],
  GlorotUniform: ['GlorotUniform', ['seed']], GlorotNormal: ['GlorotNormal', ['seed']], HeUniform: ['HeUniform', ['seed']], HeNormal: ['HeNormal', ['seed']],
  LecunUniform: ['LecunUniform', ['seed']], LecunNormal: ['LecunNormal', ['seed']],
  Orthogonal: ['OrthogonalInitializer', ['gain', 'seed']], Identity: ['IdentityInitializer', ['gain']],
};

function keras3Object(module: string, className: string, config: Json): Json {
  return { module, class_name: className, config, registered_name: null };
}

function keras3Initializer(v: unknown): unknown {
  if (!isObject(v) || typeof v.class_name !== 'string') return v;
  const hit = INITIALIZER_KEYS[v.class_name];
  if (!hit) return v;
  const c = isObject(v.config) ? v.config : {};
  return keras3Object('keras.initializers', hit[0], Object.fromEntries(hit[1].map((k) => [k, c[k] ?? null])));
}

function keras3Regularizer(v: unknown): unknown {
  if (!isObject(v) || typeof v.class_name !== 'string') return v ?? null;
  const c = isObject(v.config) ? v.config : {};
  // A Regularizer subclass of the user's keeps its class and config, as its constraints do.
  if (v.class_name !== 'L1L2') return keras3Object('keras.regularizers', v.class_name, c);
  return keras3Object('keras.regularizers', 'L1L2', { l1: c.l1 ?? 0, l2: c.l2 ?? 0 });
}

/** One layer's Keras 2-spelled config (from keras-config.ts) in Keras 3's: allowed keys, objects with modules. */
function keras3Layer(layer: Layer, spec: KerasLayerSpec, inputShape: Shape | Shape[] | null): Json {
  if (layer instanceof Model) return keras3Model(layer);
  const keys = KERAS3_KEYS[spec.class_name];
  const c = spec.config;
  let config: Json;
  if (!keys && (layerClasses as unknown as Record<string, unknown>)[spec.class_name] === layer.constructor) {
    // Keras 3 dropped some classes (ThresholdedReLU); others it has (RNN with cells) tensornode does not write yet.
    const why = KERAS3_DROPPED.has(spec.class_name) ? 'which Keras 3 does not have' : "whose Keras 3 form tensornode does not write";
    throw new Error(`save: layer "${layer.name}" is a ${spec.class_name}, ${why}, so a .keras file cannot hold it. Save in TF.js's format (a folder or file:// path), which keeps it`);
  }
  if (!keys) {
    // A registered custom class: its own config, as Keras passes it to from_config.
    config = { ...c };
    delete config.batch_input_shape;
  } else {
    // Keras 3 writes a layer's dtype policy as a DTypePolicy object; mixed_bfloat16 is the one besides float32 here.
    const dtype = c.dtype === 'mixed_bfloat16' ? keras3Object('keras', 'DTypePolicy', { name: 'mixed_bfloat16' }) : 'float32';
    config = KERAS3_NO_TRAINABLE.has(spec.class_name) ? { name: c.name, dtype } : { name: c.name, trainable: c.trainable ?? true, dtype };
    const renamed = KERAS3_RENAMED[spec.class_name] ?? {};
    for (const k of keys) {
      const from = renamed[k] ?? k;
      if (!(from in c)) {
        // Keras writes seed: null for "unseeded"; tensornode's config leaves it out.
        if (k === 'seed') config[k] = null;
        continue;
      }
      let v = c[from];
      if (k.endsWith('_initializer')) v = keras3Initializer(v);
      else if (k.endsWith('_regularizer')) v = keras3Regularizer(v);
      else if (k.endsWith('_constraint') && isObject(v) && typeof v.class_name === 'string') v = keras3Object('keras.constraints', v.class_name, (v.config ?? {}) as Json);
      else if (k === 'layer' && layer instanceof Bidirectional) {
        const inner = layer.forwardLayer;
        const innerSpec = layerToKeras(inner);
        innerSpec.config.name = inner.name.replace(/^forward_/, '');
        innerSpec.config.go_backwards = false;
        v = keras3Layer(inner, innerSpec, inputShape);
      } else if (k === 'backward_layer' && layer instanceof Bidirectional) {
        const back = layer.backwardLayer;
        const backSpec = layerToKeras(back);
        backSpec.config.name = back.name.replace(/^backward_/, '');
        v = keras3Layer(back, backSpec, inputShape);
      } else if (k === 'layer' && layer instanceof TimeDistributed) {
        // The wrapped layer is built on one time step: the input shape without its time axis.
        const step = inputShape && !Array.isArray(inputShape[0]) ? [null, ...(inputShape as Shape).slice(2)] : null;
        v = keras3Layer(layer.layer, layerToKeras(layer.layer), step);
      }
      config[k] = v;
    }
    // Keras 3's base Layer takes an activity regularizer on any class, though only some write it in their config.
    if (c.activity_regularizer && !('activity_regularizer' in config)) config.activity_regularizer = keras3Regularizer(c.activity_regularizer);
    if (CONV === keys || POOL === keys || spec.class_name === 'Flatten' || spec.class_name.startsWith('Global')) config.data_format = 'channels_last';
  }
  const custom = !keys;
  const out: Json = {
    module: custom ? null : 'keras.layers',
    class_name: spec.class_name,
    config,
    registered_name: custom ? kerasRegisteredName(layer.constructor, spec.class_name) : null,
  };
  // Keras 3 builds MultiHeadAttention from named shapes (build(query_shape, value_shape, key_shape)).
  if (inputShape && layer instanceof MultiHeadAttention && Array.isArray(inputShape[0])) {
    const [query, value, key] = inputShape as Shape[];
    out.build_config = { shapes_dict: { query_shape: query, value_shape: value, ...(key ? { key_shape: key } : {}) } };
  } else if (inputShape) out.build_config = { input_shape: inputShape };
  return out;
}

function keras3InputLayer(name: string, shape: Shape, dtype: string): Json {
  return keras3Object('keras.layers', 'InputLayer', { batch_shape: shape.slice(), dtype, sparse: false, name });
}

function keras3Model(model: Model): Json {
  if (model instanceof Sequential) {
    const batch = model.getConfig().batchInputShape as Shape | null;
    const shape: Shape | null = batch ? [null, ...batch.slice(1)] : null;
    const layers: Json[] = [];
    if (shape) layers.push(keras3InputLayer('input_layer', shape, 'float32'));
    let current: Shape | null = shape;
    for (const layer of model.layers) {
      if (layer instanceof InputLayer) continue;
      layers.push(keras3Layer(layer, layerToKeras(layer), current));
      current = current ? (layer.computeOutputShape(current) as Shape) : null;
    }
    return {
      module: 'keras', class_name: 'Sequential',
      config: { name: model.name, trainable: model.trainable, dtype: 'float32', layers, ...(shape ? { build_input_shape: shape.slice() } : {}) },
      registered_name: null,
      ...(shape ? { build_config: { input_shape: shape.slice() } } : {}),
    };
  }
  if (model.isSubclassed()) {
    // A registered class, its config and build_config, as Keras 3 writes a subclassed model (layerToKeras checks both).
    const spec = layerToKeras(model);
    return {
      module: null, class_name: spec.class_name, config: { ...spec.config },
      registered_name: kerasRegisteredName(model.constructor, spec.class_name), build_config: spec.build_config,
    };
  }
  const { inputs, outputs, nodes } = model.graph();
  // Node indices count each layer's calls within this model, from 0 (Keras 3's get_config).
  const index = new Map<object, number>();
  const calls = new Map<Layer, number>();
  for (const node of [...inputs.map((t) => t.node), ...nodes]) {
    const k = calls.get(node.layer) ?? 0;
    index.set(node, k);
    calls.set(node.layer, k + 1);
  }
  const tensorRef = (t: (typeof inputs)[number]): Json => ({
    class_name: '__keras_tensor__',
    config: { shape: t.shape.slice(), dtype: 'float32', keras_history: [t.node.layer.name, index.get(t.node)!, t.index] },
  });
  const order: Layer[] = [];
  for (const node of [...inputs.map((t) => t.node), ...nodes]) if (!order.includes(node.layer)) order.push(node.layer);
  const layers = order.map((layer): Json => {
    if (layer instanceof InputLayer) return { ...keras3InputLayer(layer.name, layer.batchInputShape!, layer.dtype), name: layer.name, inbound_nodes: [] };
    const own = nodes.filter((n) => n.layer === layer);
    const inShape = own[0] ? (own[0].listInput ? own[0].inputs.map((t) => t.shape.slice()) : own[0].inputs[0].shape.slice()) : null;
    const spec = keras3Layer(layer, layerToKeras(layer), inShape);
    // Keras 3's MultiHeadAttention takes query, value and key as separate positional arguments, not one list.
    const spread = layer instanceof MultiHeadAttention;
    const inbound = own.map((n) => ({
      args: n.listInput && !spread ? [n.inputs.map(tensorRef)] : n.inputs.map(tensorRef),
      kwargs: callKwargs(n.args),
    }));
    return { ...spec, name: layer.name, inbound_nodes: inbound };
  });
  const ref = (t: (typeof inputs)[number]) => [t.node.layer.name, index.get(t.node)!, t.index];
  return {
    module: 'keras.src.models.functional', class_name: 'Functional',
    config: { name: model.name, trainable: model.trainable, layers, input_layers: inputs.map(ref), output_layers: outputs.map(ref) },
    registered_name: 'Functional',
    build_config: { input_shape: null },
  };
}

/** Loss classes whose tensornode config (name, reduction, from_logits, label_smoothing, delta, alpha, gamma, axis, ...) Keras 3 takes as is. */
const KERAS3_LOSSES = [
  'MeanSquaredError', 'MeanAbsoluteError', 'Huber', 'BinaryCrossentropy', 'CategoricalCrossentropy', 'SparseCategoricalCrossentropy',
  'BinaryFocalCrossentropy', 'CategoricalFocalCrossentropy', 'Dice', 'Tversky', 'KLDivergence', 'Poisson', 'CosineSimilarity', 'LogCosh',
  'Hinge', 'SquaredHinge', 'CategoricalHinge', 'MeanAbsolutePercentageError', 'MeanSquaredLogarithmicError', 'CTC',
];

/** compile()'s arguments in Keras 3's compile_config; null when some of them have no Keras name. */
function keras3CompileConfig(model: Model): Json | null {
  const args = model.compileArgs;
  const opt = model.optimizer;
  if (!args || !opt) return null;
  const cls = { Adam: 'Adam', AdamW: 'AdamW', SGD: 'SGD', RMSprop: 'RMSprop', Adagrad: 'Adagrad', Adadelta: 'Adadelta', Adamax: 'Adamax', Nadam: 'Nadam', Lion: 'Lion' }[opt.constructor.name];
  if (!cls) return null;
  const o = opt as unknown as Record<string, unknown>;
  const specific: Json = {
    Adam: { beta_1: o.beta1, beta_2: o.beta2, epsilon: o.epsilon, amsgrad: o.amsgrad },
    AdamW: { beta_1: o.beta1, beta_2: o.beta2, epsilon: o.epsilon, amsgrad: o.amsgrad },
    SGD: { momentum: o.momentum, nesterov: o.nesterov },
    RMSprop: { rho: o.rho, momentum: o.momentum, epsilon: o.epsilon, centered: o.centered },
    Adagrad: { initial_accumulator_value: o.initialAccumulatorValue, epsilon: o.epsilon },
    Adadelta: { rho: o.rho, epsilon: o.epsilon },
    Adamax: { beta_1: o.beta1, beta_2: o.beta2, epsilon: o.epsilon },
    Nadam: { beta_1: o.beta1, beta_2: o.beta2, epsilon: o.epsilon },
    Lion: { beta_1: o.beta1, beta_2: o.beta2 },
  }[cls] as Json;
  // A schedule as Keras 3 serializes one (its config carries its name, which is its class name by default).
  const lr = opt.learningRate;
  const learningRate = typeof lr === 'number' ? lr : keras3Object('keras.optimizers.schedules', lr.className, { ...(camelConfigToKeras(lr.getConfig()) as Json), name: lr.className });
  const optimizer = keras3Object('keras.optimizers', cls, {
    name: opt.name, learning_rate: learningRate, weight_decay: opt.weightDecay, clipnorm: opt.clipnorm, global_clipnorm: opt.globalClipnorm,
    clipvalue: opt.clipvalue, use_ema: false, ema_momentum: 0.99, ema_overwrite_frequency: null, ...specific,
  });
  // A Loss or Metric object left as it is has no Keras name (its fields would read back as a dict of outputs).
  const named = (v: unknown): boolean => typeof v === 'string' || (Array.isArray(v) && v.every(named))
    || (isObject(v) && !(v instanceof Loss) && !(v instanceof Metric) && Object.values(v).every(named));
  // A built-in Loss object (BinaryCrossentropy({ fromLogits: true })) as Keras 3 serializes it.
  const lossOf = (l: unknown): unknown => {
    // keras.losses.binary_crossentropy, the function, is saved by its name.
    const builtin = builtinLossFunctionName(l);
    if (builtin !== undefined) return builtin;
    if (l instanceof Loss && KERAS3_LOSSES.includes(l.constructor.name)) {
      const c = camelConfigToKeras(l.getConfig()) as Json;
      return keras3Object('keras.losses', l.constructor.name, { ...c, reduction: c.reduction ?? 'sum_over_batch_size' });
    }
    // A class registered with tn.serialization.registerClass, as Keras 3 writes a registered serializable.
    if (l instanceof Loss && isRegisteredLoss(l)) {
      return { module: null, class_name: l.constructor.name, config: camelConfigToKeras(l.getConfig()) as Json, registered_name: kerasRegisteredName(l.constructor, l.constructor.name) };
    }
    if (Array.isArray(l)) return l.map(lossOf);
    if (isObject(l) && !(l instanceof Loss)) return Object.fromEntries(Object.entries(l).map(([k, v]) => [k, lossOf(v)]));
    return l;
  };
  const loss = lossOf(args.loss);
  // A metric object (SparseTopKCategoricalAccuracy({ k: 3 })) as keras.metrics serializes it; a custom one has no
  // Keras name and stays as it is, so the check below refuses it.
  const metricOf = (m: unknown): unknown => {
    if (m instanceof Metric) {
      const spec = serializeMetric(m);
      return spec ? keras3Object('keras.metrics', spec.className, { ...(camelConfigToKeras(spec.config) as Json), dtype: 'float32' }) : m;
    }
    if (Array.isArray(m)) return m.map(metricOf);
    if (isObject(m)) return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, metricOf(v)]));
    return m;
  };
  const metrics = args.metrics === undefined ? null : metricOf(args.metrics);
  const weightedMetrics = args.weightedMetrics === undefined ? null : metricOf(args.weightedMetrics);
  const plain = (v: unknown): v is Json => isObject(v) && !(v instanceof Loss) && !(v instanceof Metric);
  const serializable = (v: unknown): boolean => named(v) || (plain(v) && typeof v.class_name === 'string') || (Array.isArray(v) && v.every(serializable)) || (plain(v) && Object.values(v).every(serializable));
  if (!serializable(loss) || (metrics !== null && !serializable(metrics)) || (weightedMetrics !== null && !serializable(weightedMetrics))) {
    console.warn(`save: model "${model.name}" is saved without its compile() arguments (a custom loss or metric has no Keras name), so the file has no compile_config and no optimizer state; compile() it again after loading`);
    return null;
  }
  return {
    optimizer, loss, loss_weights: args.lossWeights ?? null, metrics,
    weighted_metrics: weightedMetrics, run_eagerly: false, steps_per_execution: 1, jit_compile: false,
  };
}

/** The model as a `.keras` file: metadata.json, config.json (Keras 3's serialization) and model.weights.h5. */
export async function kerasArchiveBytes(model: Model): Promise<Uint8Array> {
  if (!model.built) throw new Error(`save: model "${model.name}" is not built yet; give its first layer an inputShape, or call it on data first`);
  const config = keras3Model(model);
  const compileConfig = keras3CompileConfig(model);
  if (compileConfig) config.compile_config = compileConfig;
  const weightsH5 = await writeKerasWeights(kerasWeightsOf(model, compileConfig ? optimizerState(model) : null));
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  const date = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}@${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}`;
  return writeKerasArchive({ metadata: { keras_version: KERAS_VERSION, date_saved: date }, config, weightsH5 });
}

// ---------------------------------------------------------------------------------------------------------------
// Files

async function readBytes(path: string, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (err) {
    throw new Error(`${what}: cannot read ${path}: ${(err as Error).message}`);
  }
}

function localPath(path: string): string {
  return path.startsWith('file://') ? path.slice('file://'.length) : path;
}

/** tn.models.loadModel('x.keras' | 'x.h5'): a Keras 3 zip or a Keras 2-format HDF5 file. */
export async function loadKerasFile(path: string, options: LoadOptions = {}): Promise<Model> {
  const p = localPath(path);
  const where = `loadModel: ${p}`;
  if (/\.weights\.h5$/i.test(p)) {
    throw new Error(`${where}: a .weights.h5 file holds only weights (no architecture); build the model in code and call model.loadWeights('${p}')`);
  }
  const bytes = await readBytes(p, 'loadModel');
  return /\.keras$/i.test(p) ? modelFromKerasArchive(bytes, where, options) : modelFromKerasH5(bytes, where, options);
}

/** model.save('x.keras'): Keras 3's format, which keras.models.load_model reads. */
export async function saveKerasFile(model: Model, path: string): Promise<SaveResult> {
  const p = localPath(path);
  if (!/\.keras$/i.test(p)) {
    throw new Error(`save: ${p}: tensornode writes Keras's current format, .keras (a zip that keras.models.load_model reads); it does not write the legacy .h5 format. Save to a path ending in .keras, or save the weights with saveWeights('x.weights.h5')`);
  }
  const bytes = await kerasArchiveBytes(model);
  await writeFileAtomic(p, bytes);
  return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', modelTopologyBytes: 0, weightSpecsBytes: 0, weightDataBytes: bytes.byteLength } };
}

/** model.saveWeights('x.weights.h5'): Keras 3's weights-only file. */
export async function saveKerasWeightsFile(model: Model, path: string): Promise<void> {
  const p = localPath(path);
  if (!/\.weights\.h5$/i.test(p)) throw new Error(`saveWeights: ${p}: Keras weights files end in .weights.h5 (Keras 3's name for them)`);
  await writeFileAtomic(p, await kerasWeightsBytes(model));
}

/** model.loadWeights('x.weights.h5' | 'x.h5'). */
export async function loadKerasWeightsFile(model: Model, path: string): Promise<void> {
  const p = localPath(path);
  await loadKerasWeights(model, await readBytes(p, 'loadWeights'), p);
}
