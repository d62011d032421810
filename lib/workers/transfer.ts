// A model as plain data that can cross to another thread: architecture (Keras config), compile() arguments, weights
// and optimizer state in one transferable buffer. The weights and slots are copied bit for bit (model.weights order,
// then each trainable weight's slots), so a model rebuilt on a worker computes exactly what the original does.
import { modelFromKeras, modelToKeras } from '../io/keras-config.js';
import type { LoadedWeight, ManifestWeight } from '../io/manifest.js';
import { serializeCompile } from '../io/tfjs-layers.js';
import type { CompileArgs } from '../models/compile.js';
import type { Model } from '../models/model.js';
import { applyWeights, weightViews, type OptimizerState } from '../models/weights.js';
import { noGrad } from '../autograd/tape.js';
import { layerGenerators } from '../callbacks/checkpoint.js';
import { rowRange } from '../models/data.js';
import { getRandomState, setRandomState, type RandomState } from '../random.js';
import { isStringTensor, stringsOf, tensor, type Tensor } from '../tensor.js';

type Json = ReturnType<typeof serializeCompile>;

export interface ModelPackage {
  topology: ReturnType<typeof modelToKeras>;
  /** compile()'s arguments, or null for a model that was not compiled. */
  compile: Json | null;
  weights: WeightsPackage;
}

export interface WeightsPackage {
  specs: ManifestWeight[];
  /** All values back to back (a fresh buffer: it may be transferred). */
  data: ArrayBuffer;
  optimizer: OptimizerState | null;
}

/** A plain tensor for postMessage: the values are a copy the receiver may own. */
export interface TensorPackage {
  shape: number[];
  dtype: Tensor['dtype'] | 'string';
  values: Float32Array | Int32Array | string[];
}

/** The model's weights (and with `optimizer`, its optimizer's slots and step count) in one fresh buffer. */
export function packWeights(model: Model, optimizer = true): WeightsPackage {
  const { specs, chunks, optimizer: state } = weightViews(model, optimizer);
  const data = new ArrayBuffer(chunks.reduce((n, c) => n + c.byteLength, 0));
  copyChunks(chunks, new Uint8Array(data));
  return { specs, data, optimizer: state };
}

/** A weights package in memory shared between threads. */
export type SharedWeightsPackage = Omit<WeightsPackage, 'data'> & { data: SharedArrayBuffer };

/**
 * packWeights into shared memory, reusing `reuse` when it has the size needed: a thread that sends the weights after
 * every batch then allocates (and page-faults) nothing per batch. The receiver must read it before the sender packs
 * again (fit's lockstep guarantees it).
 */
export function packWeightsShared(model: Model, reuse: SharedArrayBuffer | null, optimizer = true): SharedWeightsPackage {
  const { specs, chunks, optimizer: state } = weightViews(model, optimizer);
  const size = chunks.reduce((n, c) => n + c.byteLength, 0);
  const data = reuse && reuse.byteLength === size ? reuse : new SharedArrayBuffer(size);
  copyChunks(chunks, new Uint8Array(data));
  return { specs, data, optimizer: state };
}

function copyChunks(chunks: Uint8Array[], into: Uint8Array): void {
  let at = 0;
  for (const c of chunks) {
    into.set(c, at);
    at += c.byteLength;
  }
}

/** Sets a model's weights (and optimizer state, when the package has it) from packWeights() of a model like it. */
export function unpackWeights(model: Model, pkg: WeightsPackage | SharedWeightsPackage, where: string): void {
  const loaded: LoadedWeight[] = [];
  let at = 0;
  for (const spec of pkg.specs) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const values = spec.dtype === 'int32' ? new Int32Array(pkg.data, at, count) : new Float32Array(pkg.data, at, count);
    loaded.push({ ...spec, values });
    at += count * 4;
  }
  applyWeights(model, loaded, pkg.optimizer, where);
}

/**
 * The whole model as data. `what` names the caller in the error a model gets when part of it cannot cross threads
 * (a loss or metric given as a plain function).
 */
export function packModel(model: Model, what: string, options: { optimizer?: boolean } = {}): ModelPackage {
  if (!model.built) throw new Error(`${what}: model "${model.name}" is not built yet; give its first layer an inputShape, or call it on data first`);
  const compile = model.compileArgs ? serializeCompile(model) : null;
  if (model.compileArgs && options.optimizer !== false && !compile) {
    throw new Error(`${what}: model "${model.name}" was compiled with a loss or metric given as a plain function, which cannot cross to a worker thread; make it a Loss or Metric subclass registered with tn.serialization.registerClass in a module listed in { worker: { modules: [...] } }`);
  }
  let topology;
  try {
    topology = modelToKeras(model);
  } catch (e) {
    // The message speaks of saving, which the caller did not ask for: say that the worker rebuilds the model from its
    // config, and what crosses in place of a JavaScript function.
    const err = e as Error;
    const lambda = /Lambda layer/.test(err.message) ? '; in place of a Lambda layer, write a Layer subclass registered with tn.serialization.registerClass in a module listed in the worker\'s modules' : '';
    err.message = `${what}: model "${model.name}" cannot cross to a worker thread, which rebuilds it from its config: ${err.message}${lambda}`;
    throw err;
  }
  return { topology, compile: options.optimizer === false ? null : compile, weights: packWeights(model, options.optimizer !== false) };
}

/** A model rebuilt from packModel()'s data: same architecture, compile() arguments, weights and optimizer state. */
export function unpackModel(pkg: ModelPackage, where: string): Model {
  let model: Model;
  try {
    model = modelFromKeras(pkg.topology, `${where}: model`);
  } catch (e) {
    // A worker starts with none of the main thread's registrations; the generic advice (register the class) reads as
    // if the user had not, so say where the worker's registrations come from.
    const err = e as Error;
    if (/unknown layer class/.test(err.message)) {
      err.message = `${err.message}. A worker thread does not see classes registered on the main thread: put the registerClass call in a module and list it in the worker's modules (fit(x, y, { worker: { modules: [new URL('./my-layers.js', import.meta.url)] } }), predictAsync / evaluateAsync(x, { modules }), createPool(model, { modules }))`;
    }
    throw err;
  }
  if (pkg.compile) {
    const c = pkg.compile as Record<string, unknown>;
    model.compile({ optimizer: c.optimizer as CompileArgs['optimizer'], loss: c.loss as CompileArgs['loss'], metrics: c.metrics as CompileArgs['metrics'], weightedMetrics: c.weightedMetrics as CompileArgs['weightedMetrics'], lossWeights: c.lossWeights as CompileArgs['lossWeights'] });
  }
  unpackWeights(model, pkg.weights, where);
  return model;
}

export function packTensor(t: Tensor): TensorPackage {
  if (isStringTensor(t)) return { shape: t.shape.slice(), dtype: 'string', values: stringsOf(t, 'packTensor').slice() };
  return { shape: t.shape.slice(), dtype: t.dtype, values: t.dtype === 'int32' ? Int32Array.from(t.values as Int32Array) : Float32Array.from(t.values as Float32Array) };
}

export function unpackTensor(p: TensorPackage): Tensor {
  return tensor(p.values, p.shape, p.dtype);
}

/**
 * The random state training draws from: the global generator (shuffling, unseeded Dropout) and the generators the
 * model's layers hold (seeded Dropout), keyed by layer path. With the weights, all a thread needs to train on exactly
 * as another would have.
 */
export interface RandomPackage {
  global: RandomState;
  layers: Record<string, RandomState>;
}

export function packRandom(model: Model): RandomPackage {
  const layers: Record<string, RandomState> = {};
  for (const [key, g] of layerGenerators(model)) layers[key] = g.getState();
  return { global: getRandomState(), layers };
}

export function unpackRandom(model: Model, pkg: RandomPackage): void {
  setRandomState(pkg.global);
  for (const [key, g] of layerGenerators(model)) if (Object.hasOwn(pkg.layers, key)) g.setState(pkg.layers[key]);
}

/** Whether the model's weights, optimizer slots and step count are still those of `pkg` (the learning rate aside). */
export function sameWeights(model: Model, pkg: WeightsPackage | SharedWeightsPackage): boolean {
  const now = weightViews(model, pkg.optimizer !== null);
  if (now.specs.length !== pkg.specs.length || (now.optimizer?.iterations ?? null) !== (pkg.optimizer?.iterations ?? null)) return false;
  let at = 0;
  for (const c of now.chunks) {
    if (at + c.byteLength > pkg.data.byteLength || Buffer.compare(c, new Uint8Array(pkg.data, at, c.byteLength)) !== 0) return false;
    at += c.byteLength;
  }
  return at === pkg.data.byteLength;
}

/** A model that predict or fit would build on its first batch is built here, on an empty batch, so that it can cross. */
export function ensureBuilt(model: Model, xs: Tensor[]): void {
  if (!model.built) noGrad(() => model.forward(xs.map((t) => rowRange(t, 0, 0)), false));
}
