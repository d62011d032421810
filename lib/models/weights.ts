// Weights without the architecture: model.saveWeights(path) and model.loadWeights(path). tensornode's format is a
// folder holding `weights.json` (a TF.js-style weights manifest, plus the optimizer's class, step count and learning
// rate) and the data file it names, written crash-safe as model folders are (lib/io/atomic.ts). Weights are matched by
// position, as Keras's load_weights does: the model's weights in order (model.weights), then the optimizer's slots of
// each trainable weight, each checked for shape and dtype. The choice of format is by the path's ending: a path
// ending in `.weights.h5` is Keras 3's weights file (layers/<name>/vars/<i>, as inside a .keras), and loading also
// reads Keras 2's `.h5` weights (layer_names / weight_names); both live in io/keras-model.ts. Any other path is a
// folder in tensornode's format.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { backendInfo } from '../backend.js';
import { writeManifestAndData } from '../io/atomic.js';
import { checkManifest, readJSONFile, readWeights, type LoadedWeight, type ManifestWeight } from '../io/manifest.js';
import type { Model } from './model.js';
import { withState, type StateSnapshot } from './snapshot.js';

const FORMAT = 'tensornode-weights';
const FORMAT_VERSION = 1;
export const WEIGHTS_MANIFEST = 'weights.json';
const OPTIMIZER_PREFIX = 'optimizer/';

/** The optimizer's scalar state, saved beside its slots. */
export interface OptimizerState {
  className: string;
  iterations: number;
  /** A plain learning rate (ReduceLROnPlateau may have changed it); null when it is a schedule. */
  learningRate: number | null;
}

/**
 * @internal The model's weights (and the optimizer's slots and state) as a manifest and views of the values where
 * they live (no copy): model.weights in order, then each trainable weight's slots.
 */
export function weightViews(model: Model, withOptimizer = true): { specs: ManifestWeight[]; chunks: Uint8Array[]; optimizer: OptimizerState | null } {
  const specs: ManifestWeight[] = [];
  const chunks: Uint8Array[] = [];
  for (const w of model.weights) {
    const v = w.values;
    specs.push({ name: w.name, shape: w.shape.slice(), dtype: w.dtype as ManifestWeight['dtype'] });
    chunks.push(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  }
  const opt = withOptimizer ? model.optimizer : null;
  if (opt) {
    model.trainableWeights.forEach((v, i) => {
      opt.slotsOf(v)?.forEach((a, k) => {
        specs.push({ name: `${OPTIMIZER_PREFIX}${i}/${k}`, shape: v.shape.slice(), dtype: 'float32' });
        chunks.push(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
      });
    });
  }
  const optimizer = opt ? { className: opt.constructor.name, iterations: opt.iterations, learningRate: typeof opt.learningRate === 'number' ? opt.learningRate : null } : null;
  return { specs, chunks, optimizer };
}

/** @internal The model's weights (and the optimizer's slots and state) as a manifest and one buffer. */
export function collectWeights(model: Model, withOptimizer = true): { specs: ManifestWeight[]; data: Uint8Array; optimizer: OptimizerState | null } {
  const { specs, chunks, optimizer } = weightViews(model, withOptimizer);
  return { specs, data: Buffer.concat(chunks), optimizer };
}

/** @internal Sets the model's weights (and optimizer state, when both the file and the model have one) from loaded values. */
export function applyWeights(model: Model, loaded: LoadedWeight[], optimizer: unknown, file: string): void {
  const weights = model.weights;
  const own = loaded.filter((w) => !w.name.startsWith(OPTIMIZER_PREFIX));
  const slots = loaded.slice(own.length);
  if (own.length !== weights.length || slots.some((w) => !w.name.startsWith(OPTIMIZER_PREFIX))) {
    throw new Error(`loadWeights: ${file} holds ${own.length} weights, but model "${model.name}" has ${weights.length}${model.built ? '' : ' (it is not built yet: give it an inputShape or call it on data first)'}`);
  }
  weights.forEach((w, i) => {
    const s = own[i];
    if (s.dtype !== w.dtype || s.shape.length !== w.shape.length || s.shape.some((d, j) => d !== w.shape[j])) {
      throw new Error(`loadWeights: ${file}: weight ${i} (${w.name}) of model "${model.name}" is ${w.dtype} [${w.shape.join(',')}], but the file has ${s.name}: ${s.dtype} [${s.shape.join(',')}]`);
    }
  });
  // Every check passes before anything changes, so a bad file leaves the model and its optimizer as they were.
  let restore: (() => void) | null = null;
  const opt = model.optimizer;
  if (optimizer !== null && optimizer !== undefined && opt) {
    const o = optimizer as Partial<OptimizerState>;
    if (typeof o !== 'object' || typeof o.className !== 'string' || !Number.isSafeInteger(o.iterations) || (o.iterations as number) < 0 || (o.learningRate !== null && typeof o.learningRate !== 'number')) {
      throw new Error(`loadWeights: ${file}: optimizer must be { className, iterations, learningRate }, found ${JSON.stringify(optimizer)?.slice(0, 200)}`);
    }
    if (o.className !== opt.constructor.name) throw new Error(`loadWeights: ${file} holds the state of a ${o.className} optimizer, but model "${model.name}" was compiled with a ${opt.constructor.name}`);
    const trainable = model.trainableWeights;
    const grouped = trainable.map((): Float32Array[] => []);
    for (const s of slots) {
      const [i] = s.name.slice(OPTIMIZER_PREFIX.length).split('/').map(Number);
      const v = trainable[i];
      if (!v || s.dtype !== 'float32' || s.values.length !== v.size) throw new Error(`loadWeights: ${file}: optimizer slot ${s.name} [${s.shape.join(',')}] does not fit trainable weight ${i} of model "${model.name}"`);
      grouped[i].push(s.values as Float32Array);
    }
    const counts = new Set(grouped.filter((a) => a.length).map((a) => a.length));
    if (counts.size > 1) throw new Error(`loadWeights: ${file}: the optimizer slots are not the same number for every weight (${[...counts].join(', ')})`);
    restore = () => {
      // restoreSlots checks the count before it changes anything, and every group has the same count: if the first
      // group fits the optimizer, all do.
      grouped.forEach((arrays, i) => {
        if (!arrays.length) return;
        try {
          opt.restoreSlots(trainable[i], arrays);
        } catch (err) {
          throw new Error(`loadWeights: ${file}: ${(err as Error).message}`, { cause: err });
        }
      });
      opt.iterations = o.iterations as number;
      if (typeof o.learningRate === 'number' && typeof opt.learningRate === 'number') opt.learningRate = o.learningRate;
    };
  }
  restore?.();
  // Shapes and dtypes were checked above: the values go straight into each variable (one copy, not two).
  weights.forEach((w, i) => w.values.set(own[i].values));
}

/** The format of a weights path: `.weights.h5` (and, for loading, Keras 2's `.h5`) is Keras's; anything else a folder. */
function weightsFormat(path: string, what: 'saveWeights' | 'loadWeights'): 'keras' | 'tensornode' {
  if (typeof path !== 'string' || path.length === 0) throw new Error(`${what}: expected a path, received ${String(path)}`);
  if (/\.keras$/i.test(path)) throw new Error(`${what}: ${path} ends in .keras, which is a whole-model format; ${what} handles weights only (a directory path, or .weights.h5)`);
  if (/\.weights\.h5$/i.test(path)) return 'keras';
  if (/\.weights\.[^/\\]+$/i.test(path)) throw new Error(`${what}: ${path}: Keras names a weights file <name>.weights.h5; give such a name, or a directory path for tensornode's format`);
  if (/\.(h5|hdf5)$/i.test(path)) {
    if (what === 'loadWeights') return 'keras';
    throw new Error(`saveWeights: ${path}: Keras 3 names a weights file <name>.weights.h5; give such a name, or a directory path for tensornode's format`);
  }
  return 'tensornode';
}

/** Writes the model's weights to `path`: Keras 3's .weights.h5, or (with its optimizer's state) the folder `path`. */
export async function saveWeights(model: Model, path: string, state?: StateSnapshot): Promise<void> {
  if (weightsFormat(path, 'saveWeights') === 'keras') {
    // Loaded on demand: the Keras files bring h5wasm, which a folder save does not need.
    const { saveKerasWeightsFile } = await import('../io/keras-model.js');
    return withState(model, state, () => saveKerasWeightsFile(model, path));
  }
  if (!model.built) throw new Error(`saveWeights: model "${model.name}" is not built yet; give its first layer an inputShape, or call it on data first`);
  const { specs, data, optimizer } = withState(model, state, () => collectWeights(model));
  await mkdir(path, { recursive: true });
  await writeManifestAndData(join(path, WEIGHTS_MANIFEST), data, (name) => JSON.stringify({
    format: FORMAT,
    formatVersion: FORMAT_VERSION,
    generatedBy: `tensornode ${backendInfo().version}`,
    optimizer,
    weightsManifest: [{ paths: [name], weights: specs }],
  }, null, 1));
}

/**
 * Reads weights into the model: Keras 3's .weights.h5 (by Keras's object paths) or Keras 2's .h5 (by layer order),
 * or a folder written by saveWeights, position by position; every shape is checked first.
 */
export async function loadWeights(model: Model, path: string): Promise<void> {
  if (weightsFormat(path, 'loadWeights') === 'keras') {
    const { loadKerasWeightsFile } = await import('../io/keras-model.js');
    return loadKerasWeightsFile(model, path);
  }
  const file = join(path, WEIGHTS_MANIFEST);
  const json = (await readJSONFile(file, 'loadWeights')) as Record<string, unknown> | null;
  if (!json || typeof json !== 'object' || json.format !== FORMAT) throw new Error(`loadWeights: ${file} is not a tensornode weights file (format ${JSON.stringify(json?.format)?.slice(0, 100)})`);
  if (typeof json.formatVersion !== 'number' || json.formatVersion > FORMAT_VERSION) throw new Error(`loadWeights: ${file} has format version ${JSON.stringify(json.formatVersion)?.slice(0, 50)}; this tensornode reads up to ${FORMAT_VERSION}`);
  const label = `loadWeights: ${file}`;
  const loaded = await readWeights(await checkManifest(json.weightsManifest, path, label), label);
  applyWeights(model, loaded, json.optimizer, file);
}
