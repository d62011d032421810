// TF.js's layers-model format: `model.json` (format "layers-model": the Keras topology, the training config, a
// manifest of the weights) and its binary weight shards. What `model.save('file://...')` in tfjs-node,
// `tf.io.withSaveHandler` and `tensorflowjs_converter --input_format keras` write, and what tensornode writes.
//
// The pair of pure functions is modelFromArtifacts(artifacts) and modelToArtifacts(model), between TF.js's
// ModelArtifacts (topology, weight specs, one weight buffer) and a model. artifactsFromModelJSON turns a parsed
// model.json plus a shard reader into artifacts (TF.js concatenates each manifest group's shards, so one weight may
// span two shards). Every size and offset is checked against the manifest before any weight is allocated.
//
// Weights are matched to layers by name, not position: manifest order need not follow layer order, and the names may
// carry scopes (`sequential_1/dense_3/kernel`, Keras 3's `sequential_4/lstm_8/lstm_cell/kernel`, `kernel:0`).
// Quantized weights (tensorflowjs_converter --quantize_*) are dequantized as tfjs-converter does: uint8/uint16 as
// q * scale + min, float16 widened to float32.
import { getOptimizer, type Optimizer } from '../optimizers/optimizer.js';
import { getSchedule } from '../optimizers/schedules.js';
import { tensor, type Variable } from '../tensor.js';
import { backendInfo } from '../backend.js';
import { builtinLossFunctionName, Loss } from '../losses.js';
import { Metric, serializeMetric } from '../metrics.js';
import { normalizeName } from '../names.js';
import type { CompileArgs } from '../models/model.js';
import { Model, setTopologyWriter } from '../models/model.js';
import { withWeightBudget } from '../layers/layer.js';
import { assignWeightsByName, kerasConfigToCamel, kerasWeightPath, modelFromKeras, modelToKeras, type Json, type NamedWeight } from './keras-config.js';

export type WeightDType = 'float32' | 'int32';
export interface Quantization {
  dtype: 'uint8' | 'uint16' | 'float16';
  scale?: number;
  min?: number;
  original_dtype?: string;
}
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: WeightDType;
  quantization?: Quantization;
  /** 'optimizer' for an optimizer's weights (TF.js's includeOptimizer). */
  group?: string;
}
export interface WeightsManifestGroup {
  paths: string[];
  weights: WeightSpec[];
}
/** TF.js's training config: what compile() was given. */
export interface TrainingConfig {
  loss: unknown;
  metrics?: unknown;
  optimizer_config: { class_name: string; config: Json };
  loss_weights?: unknown;
}
/** The model.json file. */
export interface ModelJSON {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology: unknown;
  trainingConfig?: TrainingConfig | null;
  weightsManifest: WeightsManifestGroup[];
  userDefinedMetadata?: Json;
}
/** TF.js's ModelArtifacts: a model.json's content with the weights in memory. */
export interface ModelArtifacts {
  modelTopology: unknown;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  trainingConfig?: TrainingConfig | null;
  weightSpecs?: WeightSpec[];
  weightData?: ArrayBuffer | ArrayBuffer[];
  userDefinedMetadata?: Json;
}

export const FORMAT = 'layers-model';
const OPTIMIZER_GROUP = 'optimizer';

// ---------------------------------------------------------------------------------------------------------------
// Checking untrusted input

const BYTES: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2 };

function checkSpec(spec: unknown, where: string): WeightSpec {
  const s = spec as WeightSpec;
  const what = `${where}: weight ${JSON.stringify((s as { name?: unknown })?.name ?? spec)?.slice(0, 120)}`;
  if (!s || typeof s !== 'object' || typeof s.name !== 'string') throw new Error(`${where}: a weights manifest entry has no name: ${JSON.stringify(spec)?.slice(0, 200)}`);
  if (!Array.isArray(s.shape) || s.shape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`${what} has an invalid shape ${JSON.stringify(s.shape)}`);
  if (s.dtype !== 'float32' && s.dtype !== 'int32') throw new Error(`${what} has dtype ${JSON.stringify(s.dtype)}; tensornode reads float32 and int32 weights`);
  const q = s.quantization;
  if (q !== undefined) {
    if (!q || !['uint8', 'uint16', 'float16'].includes(q.dtype)) throw new Error(`${what} has an unknown quantization ${JSON.stringify(q)}; expected dtype uint8, uint16 or float16`);
    if (q.dtype !== 'float16' && (!Number.isFinite(q.scale) || !Number.isFinite(q.min))) throw new Error(`${what}: ${q.dtype} quantization needs finite scale and min, found ${JSON.stringify(q)}`);
  }
  return s;
}

function byteLength(spec: WeightSpec): number {
  return spec.shape.reduce((p, d) => p * d, 1) * BYTES[spec.quantization?.dtype ?? spec.dtype];
}

/** Checks the shape of a parsed model.json (not its topology, which the Keras reader checks). */
export function checkModelJSON(json: unknown, where: string): ModelJSON {
  const j = json as ModelJSON;
  if (!j || typeof j !== 'object' || Array.isArray(j)) throw new Error(`${where}: expected a JSON object`);
  // TF.js 1.x wrote no format field; anything else that says what it is must say layers-model.
  if (j.format !== undefined && j.format !== FORMAT) {
    throw new Error(`${where}: format ${JSON.stringify(j.format)} is not a layers model (a TF.js graph model cannot be loaded as layers; tensornode reads "${FORMAT}")`);
  }
  if (!j.modelTopology || typeof j.modelTopology !== 'object') throw new Error(`${where}: has no modelTopology`);
  const manifest = j.weightsManifest ?? [];
  if (!Array.isArray(manifest)) throw new Error(`${where}: weightsManifest is not a list`);
  for (const g of manifest) {
    if (!g || !Array.isArray(g.paths) || g.paths.some((p) => typeof p !== 'string' || p.length === 0) || !Array.isArray(g.weights)) {
      throw new Error(`${where}: a weightsManifest group needs { paths: [file names], weights: [...] }, found ${JSON.stringify(g)?.slice(0, 200)}`);
    }
    g.weights.forEach((w) => checkSpec(w, where));
  }
  return { ...j, weightsManifest: manifest };
}

// ---------------------------------------------------------------------------------------------------------------
// Bytes -> weights

/**
 * A model.json's artifacts: each manifest group's shards are read with `readShard` and concatenated (a weight may
 * span two shards); a missing or short shard is an error that names it.
 */
export async function artifactsFromModelJSON(json: ModelJSON, readShard: (path: string) => Promise<Uint8Array>, where: string): Promise<ModelArtifacts> {
  const specs: WeightSpec[] = [];
  const buffers: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    const need = group.weights.reduce((n, w) => n + byteLength(w), 0);
    const shards: Uint8Array[] = [];
    for (const path of group.paths) {
      try {
        shards.push(await readShard(path));
      } catch (err) {
        throw new Error(`${where}: cannot read weight shard ${path}: ${(err as Error).message}`);
      }
    }
    const have = shards.reduce((n, s) => n + s.byteLength, 0);
    if (have < need) {
      let offset = 0;
      const first = group.weights.find((w) => (offset += byteLength(w)) > have)!;
      throw new Error(`${where}: weight shards ${group.paths.join(', ')} hold ${have} bytes, but the manifest needs ${need}; weight "${first.name}" ends at byte ${offset} (shard ${group.paths[group.paths.length - 1]} is too short: ${shards[shards.length - 1]?.byteLength ?? 0} bytes)`);
    }
    specs.push(...group.weights);
    // TF.js lays the groups back to back; bytes past a group's last weight belong to no weight.
    let left = need;
    for (const s of shards) {
      if (left <= 0) break;
      buffers.push(s.subarray(0, Math.min(left, s.byteLength)));
      left -= s.byteLength;
    }
  }
  const total = buffers.reduce((n, b) => n + b.byteLength, 0);
  const data = new Uint8Array(total);
  let at = 0;
  for (const b of buffers) {
    data.set(b, at);
    at += b.byteLength;
  }
  return { ...json, weightSpecs: specs, weightData: data.buffer };
}

function float16ToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

export interface DecodedWeight {
  spec: WeightSpec;
  values: Float32Array | Int32Array;
}

/** Splits one weight buffer into the weights of `specs`, dequantizing; sizes are checked before any allocation. */
export function decodeWeights(specs: WeightSpec[], weightData: ArrayBuffer | ArrayBuffer[] | undefined, where: string): DecodedWeight[] {
  specs.forEach((s) => checkSpec(s, where));
  const buffers = weightData === undefined ? [] : Array.isArray(weightData) ? weightData : [weightData];
  const total = buffers.reduce((n, b) => n + b.byteLength, 0);
  const need = specs.reduce((n, s) => n + byteLength(s), 0);
  if (total < need) throw new Error(`${where}: the weight data holds ${total} bytes, but the manifest needs ${need}`);
  let bytes: Uint8Array;
  if (buffers.length === 1) bytes = new Uint8Array(buffers[0]);
  else {
    bytes = new Uint8Array(total);
    let at = 0;
    for (const b of buffers) {
      bytes.set(new Uint8Array(b), at);
      at += b.byteLength;
    }
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  return specs.map((spec) => {
    const n = spec.shape.reduce((p, d) => p * d, 1);
    const q = spec.quantization;
    const out = spec.dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
    const round = spec.dtype === 'int32' ? Math.round : (x: number) => x;
    if (!q) {
      for (let i = 0; i < n; i++) out[i] = spec.dtype === 'int32' ? view.getInt32(offset + 4 * i, true) : view.getFloat32(offset + 4 * i, true);
    } else if (q.dtype === 'float16') {
      for (let i = 0; i < n; i++) out[i] = round(float16ToFloat32(view.getUint16(offset + 2 * i, true)));
    } else {
      const width = q.dtype === 'uint8' ? 1 : 2;
      for (let i = 0; i < n; i++) {
        const v = width === 1 ? view.getUint8(offset + i) : view.getUint16(offset + 2 * i, true);
        out[i] = round(v * q.scale! + q.min!);
      }
    }
    offset += byteLength(spec);
    return { spec, values: out };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Training configuration

/** TF.js / Keras optimizer class -> tensornode's, with the config keys each spelling uses. */
function optimizerFromConfig(oc: { class_name: string; config: Json }, where: string): Optimizer {
  const name = oc.class_name.slice(oc.class_name.lastIndexOf('>') + 1);
  const c = kerasConfigToCamel(oc.config ?? {}) as Json;
  const num = (...keys: string[]) => keys.map((k) => c[k]).find((v) => typeof v === 'number') as number | undefined;
  // Keras 3 writes a schedule as { module: 'keras.optimizers.schedules', class_name, config } in place of the rate.
  const lr = (oc.config ?? {}).learning_rate;
  let schedule: { className: string; config: Json } | undefined;
  if (lr && typeof lr === 'object' && typeof (lr as Json).class_name === 'string') {
    const { class_name: className, config } = lr as { class_name: string; config?: Json };
    const { name: _name, ...args } = kerasConfigToCamel(config ?? {}) as Json;
    schedule = { className: className.slice(className.lastIndexOf('>') + 1), config: args };
    try {
      getSchedule(schedule);
    } catch (err) {
      throw new Error(`${where}: the optimizer's learning rate: ${(err as Error).message}; load with { compile: false } and compile() yourself`);
    }
  } else if (c.learningRate !== undefined && typeof c.learningRate !== 'number') {
    throw new Error(`${where}: the optimizer's learning rate ${JSON.stringify(c.learningRate)} is not a number; load with { compile: false } and compile() yourself`);
  }
  const common = { learningRate: schedule ?? num('learningRate', 'lr'), clipnorm: num('clipnorm') ?? undefined, clipvalue: num('clipvalue') ?? undefined, globalClipnorm: num('globalClipnorm') ?? undefined };
  const clean = (o: Json) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null));
  switch (name.toLowerCase()) {
    case 'adam': case 'adamw':
      return getOptimizer({ className: name, config: clean({ ...common, beta1: num('beta1'), beta2: num('beta2'), epsilon: num('epsilon'), amsgrad: c.amsgrad, weightDecay: num('weightDecay') }) });
    case 'sgd':
      return getOptimizer({ className: 'SGD', config: clean({ ...common, momentum: num('momentum'), nesterov: c.nesterov }) });
    case 'momentum':
      return getOptimizer({ className: 'SGD', config: clean({ ...common, momentum: num('momentum'), nesterov: c.useNesterov }) });
    case 'rmsprop':
      return getOptimizer({ className: 'RMSprop', config: clean({ ...common, rho: num('rho', 'decay'), momentum: num('momentum'), epsilon: num('epsilon'), centered: c.centered }) });
    // Keras 3's mixed-precision wrapper: tensornode computes in float32, so the inner optimizer is the whole story.
    case 'lossscaleoptimizer': {
      const inner = (oc.config ?? {}).inner_optimizer as { class_name: string; config: Json } | undefined;
      if (!inner || typeof inner.class_name !== 'string') throw new Error(`${where}: LossScaleOptimizer without inner_optimizer`);
      return optimizerFromConfig(inner, where);
    }
    case 'adagrad':
      return getOptimizer({ className: 'Adagrad', config: clean({ ...common, initialAccumulatorValue: num('initialAccumulatorValue'), epsilon: num('epsilon') }) });
    case 'adadelta':
      return getOptimizer({ className: 'Adadelta', config: clean({ ...common, rho: num('rho'), epsilon: num('epsilon'), weightDecay: num('weightDecay') }) });
    // TF.js's Adamax divides its rate by 1 + decay * (updates so far): InverseTimeDecay over single steps.
    case 'adamax': {
      const decay = num('decay');
      const learningRate = decay && typeof common.learningRate === 'number'
        ? { className: 'InverseTimeDecay', config: { initialLearningRate: common.learningRate, decaySteps: 1, decayRate: decay } }
        : common.learningRate;
      return getOptimizer({ className: 'Adamax', config: clean({ ...common, learningRate, beta1: num('beta1'), beta2: num('beta2'), epsilon: num('epsilon'), weightDecay: num('weightDecay') }) });
    }
    case 'nadam':
      return getOptimizer({ className: 'Nadam', config: clean({ ...common, beta1: num('beta1'), beta2: num('beta2'), epsilon: num('epsilon'), weightDecay: num('weightDecay') }) });
    case 'lion':
      return getOptimizer({ className: 'Lion', config: clean({ ...common, beta1: num('beta1'), beta2: num('beta2'), weightDecay: num('weightDecay') }) });
    default:
      throw new Error(`${where}: tensornode has no optimizer "${oc.class_name}" (it has SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam, Lion); load with { compile: false } and compile() yourself`);
  }
}

/** A loss or metric as written: a name, or an object whose config names it (Keras 2's MeanMetricWrapper). */
function named(v: unknown): unknown {
  if (v && typeof v === 'object' && !Array.isArray(v) && typeof (v as Json).class_name === 'string') {
    const o = v as { class_name: string; config?: Json };
    if (o.class_name === 'MeanMetricWrapper' && typeof o.config?.name === 'string') return o.config.name;
    const config = Object.fromEntries(Object.entries(kerasConfigToCamel(o.config ?? {}) as Json).filter(([k, e]) => e !== null && k !== 'name' && k !== 'reduction' && k !== 'fn'));
    return { className: o.class_name.slice(o.class_name.lastIndexOf('>') + 1), config };
  }
  return v;
}

function mapValues(v: unknown, f: (x: unknown) => unknown): unknown {
  if (Array.isArray(v)) return v.map((e) => mapValues(e, f));
  if (v && typeof v === 'object' && typeof (v as Json).class_name !== 'string') return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, mapValues(e, f)]));
  return f(v);
}

/**
 * compile()'s arguments from a TF.js / Keras training config (TF.js's trainingConfig, Keras's training_config):
 * optimizer by class and config (Keras 2, Keras 3 and TF.js spellings), losses and metrics by name.
 */
export function compileArgsFromTrainingConfig(tc: TrainingConfig, outputs: number, where: string): CompileArgs {
  if (!tc.optimizer_config || typeof tc.optimizer_config.class_name !== 'string') throw new Error(`${where}: trainingConfig has no optimizer_config`);
  let metrics = tc.metrics === null ? undefined : mapValues(tc.metrics, named);
  // Keras 2 writes one list per output; a single-output model reads as one flat list.
  if (outputs === 1 && Array.isArray(metrics) && metrics.length === 1 && Array.isArray(metrics[0])) metrics = metrics[0];
  return {
    optimizer: optimizerFromConfig(tc.optimizer_config, where),
    loss: mapValues(tc.loss, named) as CompileArgs['loss'],
    metrics: metrics as CompileArgs['metrics'],
    lossWeights: (tc.loss_weights ?? undefined) as CompileArgs['lossWeights'],
  };
}

/** TF.js's optimizer weight names per slot (`<variable>/m`), in tensornode's slot order. */
const SLOT_NAMES: Record<string, string[]> = {
  Adam: ['m', 'v', 'vhat'], AdamW: ['m', 'v', 'vhat'], RMSprop: ['rms', 'momentum', 'mg'], Adagrad: ['accumulator'], SGD: ['momentum'],
  Adadelta: ['accum_grad', 'accum_var'], Adamax: ['m', 'v'],
};

/**
 * TF.js's Momentum keeps a = momentum a + g and steps w -= lr a; Keras (and tensornode) keep m = momentum m - lr g and
 * step w += m. With a constant learning rate m = -lr a, so the state converts exactly.
 */
function momentumScale(className: string | undefined, opt: Optimizer): number {
  return className === 'Momentum' && typeof opt.learningRate === 'number' ? -opt.learningRate : 1;
}

function restoreOptimizer(model: Model, weights: DecodedWeight[], byName: Map<string, Variable>, where: string, scale = 1): void {
  const opt = model.optimizer!;
  const names = SLOT_NAMES[opt.constructor.name] ?? [];
  const perSlot = new Map<number, DecodedWeight[]>();
  for (const w of weights) {
    const { spec, values } = w;
    if (spec.name === 'iter' || spec.name.endsWith('/iter') || spec.name === 'iterations') {
      opt.iterations = Number(values[0] ?? 0);
      continue;
    }
    const slot = spec.name.slice(spec.name.lastIndexOf('/') + 1);
    const k = /^slot_\d+$/.test(slot) ? Number(slot.slice(5)) : names.indexOf(slot);
    if (k < 0) throw new Error(`${where}: optimizer weight "${spec.name}" is no slot of the model's ${opt.constructor.name} (its slots: ${names.join(', ')})`);
    perSlot.set(k, [...(perSlot.get(k) ?? []), w]);
  }
  // TF.js names optimizer weights after its variables' session-unique names (h/kernel_1 when two models have a layer
  // h), so names need not match; its own setWeights goes by position, in trainable-weight order. So does this, when
  // the names do not all match.
  const trainable = model.trainableWeights;
  const slots = new Map<Variable, Float32Array[]>();
  for (const [k, list] of perSlot) {
    const byPosition = !list.every((w) => byName.has(w.spec.name.slice(0, w.spec.name.lastIndexOf('/'))));
    if (byPosition && list.length !== trainable.length) {
      throw new Error(`${where}: the file has ${list.length} optimizer weights for slot "${names[k] ?? k}", but the model has ${trainable.length} trainable weights`);
    }
    list.forEach((w, j) => {
      const v = byPosition ? trainable[j] : byName.get(w.spec.name.slice(0, w.spec.name.lastIndexOf('/')))!;
      if (w.spec.shape.length !== v.shape.length || w.spec.shape.some((d, i) => d !== v.shape[i])) {
        throw new Error(`${where}: optimizer weight "${w.spec.name}" has shape [${w.spec.shape.join(',')}], but it belongs to ${v.name} with shape [${v.shape.join(',')}]`);
      }
      const arrays = slots.get(v) ?? [];
      arrays[k] = Float32Array.from(w.values, (x) => x * scale);
      slots.set(v, arrays);
    });
  }
  const count = (opt as unknown as { slotSpec(): { count: number; initial: number[] } }).slotSpec();
  for (const [v, arrays] of slots) {
    // TF.js keeps fewer slots than tensornode for some settings (no centering): the missing ones start at their initial value.
    const full = Array.from({ length: count.count }, (_, i) => arrays[i] ?? new Float32Array(v.size).fill(count.initial[i] ?? 0));
    opt.restoreSlots(v, full);
  }
}

export interface LoadOptions {
  /** Compile the model with the file's training config (Keras's load_model(compile=True)); default true. */
  compile?: boolean;
}

/** Artifacts -> a model: architecture, weights, compile() from the training config, optimizer state. */
export function modelFromArtifacts(artifacts: ModelArtifacts, where = 'model', options: LoadOptions = {}): Model {
  if (!artifacts || typeof artifacts !== 'object') throw new Error(`${where}: expected model artifacts, received ${String(artifacts)}`);
  if (artifacts.format !== undefined && artifacts.format !== FORMAT) {
    throw new Error(`${where}: format ${JSON.stringify(artifacts.format)} is not a layers model; tensornode reads "${FORMAT}"`);
  }
  const specs = artifacts.weightSpecs ?? [];
  if (!Array.isArray(specs)) throw new Error(`${where}: weightSpecs is not a list`);
  const decoded = decodeWeights(specs, artifacts.weightData, where);
  // Rebuilding the architecture may allocate no more weight values than the artifacts hold: a damaged or hostile
  // config (a Dense of 2^31 units) is refused before it allocates anything.
  const values = decoded.reduce((n, d) => n + d.values.length, 0);
  const model = withWeightBudget(values, () => modelFromKeras(artifacts.modelTopology, `${where}: modelTopology`));
  if (!model.built) throw new Error(`${where}: the model has no input shape, so its weights cannot be created; the file's first layer needs batch_input_shape`);
  const modelWeights = decoded.filter((d) => d.spec.group !== OPTIMIZER_GROUP).map((d) => ({ name: d.spec.name, shape: d.spec.shape, values: d.values }));
  const byName = model.isSubclassed() ? assignWeightsInOrder(model, modelWeights, where) : assignWeightsByName(model, modelWeights, where);

  if (options.compile === false) return model;
  const ours = (artifacts.userDefinedMetadata?.tensornode ?? null) as { compile?: Json | null } | null;
  if (ours?.compile) {
    const c = ours.compile;
    model.compile({ optimizer: c.optimizer as CompileArgs['optimizer'], loss: c.loss as CompileArgs['loss'], metrics: c.metrics as CompileArgs['metrics'], weightedMetrics: c.weightedMetrics as CompileArgs['weightedMetrics'], lossWeights: c.lossWeights as CompileArgs['lossWeights'] });
  } else if (artifacts.trainingConfig) {
    model.compile(compileArgsFromTrainingConfig(artifacts.trainingConfig, model.outputs.length || (model.seenOutputCount ?? 1), `${where}: trainingConfig`));
  } else {
    return model;
  }
  const optimizerWeights = decoded.filter((d) => d.spec.group === OPTIMIZER_GROUP);
  // The slots were written in the convention of the file's trainingConfig whenever it has one (see the saving side),
  // whichever of the two compile configs the model was compiled from.
  const fileClass = artifacts.trainingConfig?.optimizer_config.class_name;
  if (optimizerWeights.length) restoreOptimizer(model, optimizerWeights, byName, where, momentumScale(fileClass, model.optimizer!));
  return model;
}

/** A subclassed model's weights, in model.weights order as modelToArtifacts wrote them, each checked for its shape. */
function assignWeightsInOrder(model: Model, weights: NamedWeight[], where: string): Map<string, Variable> {
  const vars = model.weights;
  if (weights.length !== vars.length) {
    throw new Error(`${where}: model "${model.name}" (${model.constructor.name}) has ${vars.length} weights, but the file has ${weights.length}; was it saved from another version of the class?`);
  }
  const byName = new Map<string, Variable>();
  vars.forEach((v, i) => {
    const w = weights[i];
    if (w.shape.length !== v.shape.length || w.shape.some((d, k) => d !== v.shape[k])) {
      throw new Error(`${where}: weight ${i} ("${w.name}") in the file has shape [${w.shape.join(',')}], but ${v.name} of model "${model.name}" has shape [${v.shape.join(',')}]`);
    }
    v.assign(tensor(w.values, w.shape, v.dtype));
    byName.set(w.name, v);
  });
  return byName;
}

// ---------------------------------------------------------------------------------------------------------------
// Model -> artifacts

/** TF.js's spelling of an optimizer, when TF.js can rebuild it with the same update rule; null otherwise. */
function tfjsOptimizerConfig(opt: Optimizer): { class_name: string; config: Json } | null {
  const c = opt.getConfig();
  if (typeof c.learningRate !== 'number' || c.clipnorm !== null || c.clipvalue !== null || c.globalClipnorm !== null || c.weightDecay) return null;
  const lr = c.learningRate;
  switch (opt.constructor.name) {
    case 'Adam': return c.amsgrad ? null : { class_name: 'Adam', config: { learning_rate: lr, beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon } };
    case 'SGD': return c.momentum
      ? { class_name: 'Momentum', config: { learning_rate: lr, momentum: c.momentum, use_nesterov: c.nesterov } }
      : { class_name: 'SGD', config: { learning_rate: lr } };
    // TF.js's centered RMSProp divides by sqrt(ms - mg^2 - eps), not + eps: it would train differently.
    case 'RMSprop': return c.centered ? null : { class_name: 'RMSProp', config: { learning_rate: lr, decay: c.rho, momentum: c.momentum, epsilon: c.epsilon, centered: false } };
    // TF.js's Adagrad has no epsilon of its own (it uses 1e-7, as tensornode's default).
    case 'Adagrad': return c.epsilon === 1e-7 ? { class_name: 'Adagrad', config: { learning_rate: lr, initial_accumulator_value: c.initialAccumulatorValue } } : null;
    case 'Adadelta': return { class_name: 'Adadelta', config: { learning_rate: lr, rho: c.rho, epsilon: c.epsilon } };
    case 'Adamax': return { class_name: 'Adamax', config: { learning_rate: lr, beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon, decay: 0 } };
    // TF.js has no Nadam or Lion: those keep tensornode's own compile config only, as AdamW does.
    default: return null;
  }
}

/** Losses TF.js's loadTrainingConfig resolves (after its toCamelCase), by Keras's full names; tensornode's aliases map onto them. */
const TFJS_LOSSES = new Map(Object.entries({
  mean_squared_error: 'mean_squared_error', mse: 'mean_squared_error', mean_absolute_error: 'mean_absolute_error', mae: 'mean_absolute_error',
  mean_absolute_percentage_error: 'mean_absolute_percentage_error', mape: 'mean_absolute_percentage_error',
  mean_squared_logarithmic_error: 'mean_squared_logarithmic_error', msle: 'mean_squared_logarithmic_error',
  squared_hinge: 'squared_hinge', hinge: 'hinge', categorical_hinge: 'categorical_hinge', logcosh: 'logcosh', log_cosh: 'logcosh',
  categorical_crossentropy: 'categorical_crossentropy', sparse_categorical_crossentropy: 'sparse_categorical_crossentropy',
  binary_crossentropy: 'binary_crossentropy', kullback_leibler_divergence: 'kullback_leibler_divergence', kl_divergence: 'kullback_leibler_divergence',
  poisson: 'poisson',
}).map(([k, v]) => [normalizeName(k), v]));
/** Metrics TF.js resolves by name. */
const TFJS_METRICS = new Map(['accuracy', 'acc', 'crossentropy', 'ce', 'binary_accuracy', 'categorical_accuracy', 'sparse_categorical_accuracy', 'precision', 'recall',
  'mse', 'mae', 'mape', 'msle', 'cosine', 'binary_crossentropy', 'categorical_crossentropy', 'sparse_categorical_crossentropy',
  'mean_squared_error', 'mean_absolute_error', 'mean_absolute_percentage_error'].map((k) => [normalizeName(k), k]));

/** Names (in arrays and objects) in TF.js's spelling, or null if one of them is not a name TF.js knows. */
function tfjsNames(v: unknown, table: Map<string, string>): unknown {
  if (Array.isArray(v)) {
    const out = v.map((e) => tfjsNames(e, table));
    return out.includes(null) ? null : out;
  }
  if (v && typeof v === 'object') {
    const out = Object.entries(v).map(([k, e]) => [k, tfjsNames(e, table)]);
    return out.some(([, e]) => e === null) ? null : Object.fromEntries(out);
  }
  return typeof v === 'string' ? table.get(normalizeName(v)) ?? null : null;
}

/** compile()'s arguments in tensornode's own serializable form; null if some of it is a function. */
export function serializeCompile(model: Model): Json | null {
  const args = model.compileArgs;
  if (!args || !model.optimizer) return null;
  const opt = model.optimizer;
  const loss = (l: unknown): unknown => {
    if (typeof l === 'string') return l;
    const builtin = builtinLossFunctionName(l);
    if (builtin !== undefined) return builtin;
    if (l instanceof Loss && l.constructor.name !== 'LossFunctionWrapper') return { className: l.constructor.name, config: l.getConfig() };
    throw new Error('custom');
  };
  const metric = (m: unknown): unknown => {
    if (typeof m === 'string') return m;
    const spec = m instanceof Metric ? serializeMetric(m) : null;
    if (spec) return spec;
    throw new Error('custom');
  };
  const mapAll = (v: unknown, f: (x: unknown) => unknown): unknown => {
    if (Array.isArray(v)) return v.map((e) => mapAll(e, f));
    if (v !== null && typeof v === 'object' && !(v instanceof Loss) && !(v instanceof Metric)) return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, mapAll(e, f)]));
    return f(v);
  };
  try {
    return {
      optimizer: { className: opt.constructor.name, config: opt.getConfig() },
      loss: mapAll(args.loss, loss),
      metrics: args.metrics === undefined ? undefined : mapAll(args.metrics, metric),
      weightedMetrics: args.weightedMetrics === undefined ? undefined : mapAll(args.weightedMetrics, metric),
      lossWeights: args.lossWeights,
    };
  } catch {
    return null;
  }
}

/** A model's architecture as model.json's modelTopology, as TF.js's model.toJSON() gives it. */
export function modelTopology(model: Model): Record<string, unknown> {
  return withFormatVersion(modelToKeras(model));
}
setTopologyWriter(modelTopology);

function withFormatVersion(topology: { class_name: string; config: Json }): Record<string, unknown> {
  return { ...topology, keras_version: 'tfjs-layers 4.22.0', backend: 'tensor_flow.js' };
}

/**
 * A model as TF.js artifacts: the topology in Keras 2 / tfjs-layers spelling, float32/int32 weights named as TF.js
 * names them, the training config when TF.js can rebuild it, and the optimizer's slots (group "optimizer", in TF.js's
 * order and names when TF.js can use them). tensornode's exact compile() arguments (schedules, loss objects) ride
 * in userDefinedMetadata.tensornode, which TF.js ignores.
 */
export function modelToArtifacts(model: Model): ModelArtifacts {
  if (!model.built) throw new Error(`save: model "${model.name}" is not built yet; give its first layer an inputShape, or call it on data first`);
  const topology = modelToKeras(model);
  const specs: WeightSpec[] = [];
  const chunks: Uint8Array[] = [];
  const push = (spec: WeightSpec, values: Float32Array | Int32Array) => {
    specs.push(spec);
    chunks.push(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  };
  const nameOf = new Map<Variable, string>();
  // A subclassed model's weights go in model.weights order (its layers' in property order, then its own), which
  // loading follows: its layers' automatic names (dense_3) depend on what else a program made first.
  if (model.isSubclassed()) {
    for (const v of model.weights) {
      nameOf.set(v, v.name);
      const t = v.clone();
      push({ name: v.name, shape: t.shape.slice(), dtype: t.dtype === 'int32' ? 'int32' : 'float32' }, t.dtype === 'int32' ? Int32Array.from(t.data()) : Float32Array.from(t.data()));
    }
  }
  const visit = (m: Model) => {
    if (m.isSubclassed()) return;
    for (const layer of m.layers) {
      if (layer instanceof Model) {
        visit(layer);
        continue;
      }
      for (const v of layer.weights) {
        // TF.js names a weight <layer>/<weight>; a wrapper's inner layers sit under the wrapper's name.
        const path = kerasWeightPath(layer, v);
        const name = path.startsWith(`${layer.name}/`) ? path : `${layer.name}/${path}`;
        nameOf.set(v, name);
        const t = v.clone();
        push({ name, shape: t.shape.slice(), dtype: t.dtype === 'int32' ? 'int32' : 'float32' }, t.dtype === 'int32' ? Int32Array.from(t.data()) : Float32Array.from(t.data()));
      }
    }
  };
  visit(model);

  const compile = serializeCompile(model);
  const opt = model.optimizer;
  let trainingConfig: TrainingConfig | null = null;
  if (opt && compile) {
    const oc = tfjsOptimizerConfig(opt);
    const loss = tfjsNames(compile.loss, TFJS_LOSSES);
    const metrics = compile.metrics === undefined ? [] : tfjsNames(compile.metrics, TFJS_METRICS);
    // TF.js refuses a training config with loss weights ("Loading loss_weights is not supported yet"), so such a
    // model goes without one, as with an optimizer TF.js lacks; tensornode compiles it from userDefinedMetadata.
    if (oc && loss !== null && metrics !== null && !compile.lossWeights) trainingConfig = { loss, metrics, optimizer_config: oc };
    // The slots, as TF.js's optimizer.getWeights() lists them: iterations, then slot 0 of every variable, slot 1, ...
    const vars = model.trainableWeights.filter((v) => opt.slotsOf(v));
    if (vars.length) {
      push({ name: 'iter', shape: [], dtype: 'int32', group: OPTIMIZER_GROUP }, Int32Array.of(opt.iterations));
      const names = trainingConfig ? SLOT_NAMES[opt.constructor.name] : undefined;
      // TF.js's setWeights splits the list evenly between the slots it keeps: its (uncentered) RMSProp keeps no mg.
      const kept = opt.constructor.name === 'RMSprop' && names ? 2 : Infinity;
      const count = Math.min(kept, Math.max(...vars.map((v) => opt.slotsOf(v)!.length)));
      const scale = trainingConfig ? 1 / momentumScale(trainingConfig.optimizer_config.class_name, opt) : 1;
      for (let k = 0; k < count; k++) {
        for (const v of vars) {
          const a = opt.slotsOf(v)![k];
          if (a) push({ name: `${nameOf.get(v)}/${names?.[k] ?? `slot_${k}`}`, shape: v.shape.slice(), dtype: 'float32', group: OPTIMIZER_GROUP }, scale === 1 ? a : Float32Array.from(a, (x) => x * scale));
        }
      }
    }
  }
  const total = chunks.reduce((n, c) => n + c.byteLength, 0);
  const data = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    data.set(c, at);
    at += c.byteLength;
  }
  const unsaved = model.compileArgs && !compile ? 'compile() was given a custom loss or metric function, which cannot be saved; call compile() after loading' : undefined;
  return {
    modelTopology: withFormatVersion(topology),
    format: FORMAT,
    generatedBy: `tensornode ${backendInfo().version}`,
    convertedBy: null,
    trainingConfig,
    weightSpecs: specs,
    weightData: data.buffer,
    // TF.js accepts only plain JSON here (no undefined values), so the metadata goes through JSON once.
    userDefinedMetadata: JSON.parse(JSON.stringify({ tensornode: { compile, ...(unsaved ? { unsaved } : {}) } })) as Json,
  };
}

/** The model.json for artifacts whose weights are written to `weightsPath`. */
export function modelJSONFor(artifacts: ModelArtifacts, weightsPath: string): ModelJSON {
  return {
    format: artifacts.format ?? FORMAT,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    modelTopology: artifacts.modelTopology,
    trainingConfig: artifacts.trainingConfig ?? null,
    weightsManifest: [{ paths: [weightsPath], weights: artifacts.weightSpecs ?? [] }],
    ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
  };
}
