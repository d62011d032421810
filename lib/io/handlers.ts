// TF.js's IO handlers: where a model's artifacts come from or go to. `model.save(handler)` and
// `tn.loadLayersModel(handler)` take them as TF.js does; a 'file://' path or a plain path means the file system.
// The formats themselves live beside this file (tfjs-layers.ts); this file only moves artifacts.
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeManifestAndData } from './atomic.js';
import { checkManifest, readJSONFile, readWeightData } from './manifest.js';
import { artifactsFromModelJSON, checkModelJSON, modelJSONFor, type ModelArtifacts, type TrainingConfig, type WeightSpec } from './tfjs-layers.js';

/** TF.js's SaveResult. */
export interface SaveResult {
  modelArtifactsInfo: { dateSaved: Date; modelTopologyType: 'JSON'; modelTopologyBytes: number; weightSpecsBytes: number; weightDataBytes: number };
  responses?: unknown[];
}
/** TF.js's IOHandler: an object with load() and/or save(). */
export interface IOHandler {
  load?: () => Promise<ModelArtifacts>;
  save?: (artifacts: ModelArtifacts) => Promise<SaveResult>;
}

export function isIOHandler(x: unknown): x is IOHandler {
  return !!x && typeof x === 'object' && (typeof (x as IOHandler).load === 'function' || typeof (x as IOHandler).save === 'function');
}

function byteLength(data: ModelArtifacts['weightData']): number {
  if (!data) return 0;
  return Array.isArray(data) ? data.reduce((n, b) => n + b.byteLength, 0) : data.byteLength;
}

/** What a save reports (TF.js's getModelArtifactsInfoForJSON). */
export function artifactsInfo(a: ModelArtifacts): SaveResult['modelArtifactsInfo'] {
  return {
    dateSaved: new Date(),
    modelTopologyType: 'JSON',
    modelTopologyBytes: JSON.stringify(a.modelTopology).length,
    weightSpecsBytes: JSON.stringify(a.weightSpecs ?? []).length,
    weightDataBytes: byteLength(a.weightData),
  };
}

/**
 * TF.js's tf.io.fromMemory: a handler that loads artifacts held in memory (from a database, an HTTP response, ...).
 * Takes the artifacts object, or (TF.js's older form) modelTopology, weightSpecs, weightData, trainingConfig.
 */
export function fromMemory(modelArtifacts: ModelArtifacts | object, weightSpecs?: WeightSpec[], weightData?: ArrayBuffer | ArrayBuffer[], trainingConfig?: TrainingConfig): IOHandler {
  if (!modelArtifacts || typeof modelArtifacts !== 'object') throw new Error(`io.fromMemory: expected model artifacts (an object with modelTopology), received ${String(modelArtifacts)}`);
  const a = modelArtifacts as ModelArtifacts;
  const artifacts: ModelArtifacts = 'modelTopology' in a && weightSpecs === undefined ? a : { modelTopology: modelArtifacts, weightSpecs, weightData, trainingConfig };
  return { load: async () => artifacts };
}

/** TF.js's tf.io.withSaveHandler: a handler whose save() hands the artifacts to `fn`. */
export function withSaveHandler(fn: (artifacts: ModelArtifacts) => Promise<SaveResult> | SaveResult): IOHandler {
  if (typeof fn !== 'function') throw new Error('io.withSaveHandler: expected a function (artifacts) => SaveResult');
  return { save: async (artifacts) => fn(artifacts) };
}

/** Splits 'file://dir/model.json', 'dir/model.json' or 'dir' into the model.json path and its directory. */
export function modelPaths(path: string): { json: string; dir: string } {
  if (typeof path !== 'string' || path.length === 0) throw new Error(`expected a directory path (or a path ending in model.json), received ${String(path)}`);
  const p = path.startsWith('file://') ? path.slice('file://'.length) : path;
  return p.endsWith('.json') ? { json: p, dir: dirname(p) } : { json: join(p, 'model.json'), dir: p };
}

const LEGACY_WEIGHTS_FILE = 'weights.bin';

/** TF.js's tf.io.http for loading: model.json at `url`, its shards fetched relative to it. */
export function http(url: string, init: RequestInit = {}): IOHandler {
  if (typeof url !== 'string' || !/^https?:\/\//.test(url)) throw new Error(`io.http: expected an http:// or https:// URL, received ${String(url)}`);
  const where = `loadModel: ${url}`;
  const get = async (u: string): Promise<Response> => {
    const res = await fetch(u, init);
    if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText} for ${u}`);
    return res;
  };
  return {
    async load() {
      let parsed: unknown;
      try {
        parsed = await (await get(url)).json();
      } catch (err) {
        throw new Error(`${where}: cannot read model.json: ${(err as Error).message}`);
      }
      const file = checkModelJSON(parsed, where);
      return artifactsFromModelJSON(file, async (p) => new Uint8Array(await (await get(new URL(p, url).href)).arrayBuffer()), where);
    },
  };
}

/**
 * TF.js's file handler (tfjs-node's tf.io.fileSystem): model.json plus the weights file it names, in a directory.
 * Saving is crash-safe (io/atomic.ts): the weights go to a file named by their content, `model.weights.<hash>.bin`,
 * and model.json, naming it, is switched last, so a crash leaves the old model or the new one; TF.js reads the name
 * from the manifest. Loading treats the folder as untrusted input (io/manifest.ts): model.json is size-capped, every
 * shard path stays inside the folder and must be a regular file, and the shards' sizes must match the manifest
 * before anything is allocated from it.
 */
export function fileSystem(path: string): IOHandler {
  const { json, dir } = modelPaths(path);
  return {
    async load() {
      const where = `loadModel: ${json}`;
      const parsed = await readJSONFile(json, 'loadModel');
      // The manifest is checked against the files first (paths, sizes, shapes), then the rest of model.json.
      const manifest = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as { weightsManifest?: unknown }).weightsManifest ?? [] : [];
      const checked = await checkManifest(manifest, dir, where);
      const file = checkModelJSON(parsed, where);
      // The raw bytes, not readWeights' typed views: quantized weights are dequantized by the layers-model reader.
      const weightData = await readWeightData(checked, where);
      const { weightsManifest, ...rest } = file;
      return { ...rest, weightSpecs: weightsManifest.flatMap((g) => g.weights), weightData };
    },
    async save(artifacts) {
      await mkdir(dir, { recursive: true });
      const data = artifacts.weightData;
      const bytes = Array.isArray(data) ? Buffer.concat(data.map((b) => new Uint8Array(b))) : new Uint8Array(data ?? new ArrayBuffer(0));
      // weights.bin is what earlier tensornode versions (and tfjs-node) wrote here: removed once the new pair is in place.
      await writeManifestAndData(json, bytes, (name) => JSON.stringify(modelJSONFor(artifacts, name)), [LEGACY_WEIGHTS_FILE]);
      return { modelArtifactsInfo: artifactsInfo(artifacts) };
    },
  };
}
