// The messages between a serving pool (lib/serving/pool.ts) and its workers (lib/workers/serving-worker.ts), in one
// place. Batches cross as typed arrays in transferred buffers, never as JSON: the pool writes each batch into one
// buffer per model input and transfers it; the worker transfers its outputs back along with the input buffers, which
// the pool reuses for later batches.
import type { Shape } from '../layers/layer.js';
import type { Model } from '../models/model.js';
import type { ModelPackage } from '../workers/transfer.js';

export type Values = Float32Array | Int32Array;

/** What the pool checks requests against and what comes back: per-sample shapes (no batch axis). */
export interface Signature {
  inputs: { name: string; shape: number[]; dtype: 'float32' | 'int32' }[];
  outputs: { name: string }[];
}

/** The model a worker starts from: packed data, or a path or URL it loads itself. */
export type ModelSource = { model: ModelPackage } | { path: string };

export interface WorkerInit {
  /** The pool's name, for messages. */
  name: string;
  source: ModelSource;
  /** The version of the model in `source` (0 at creation, then one more per update()). */
  version: number;
  threads: number;
  /** URLs of modules to import before the model is built (they register custom layers). */
  modules: string[];
}

export type ToWorker =
  | { type: 'predict'; batch: number; rows: number; inputs: Values[] }
  | { type: 'update'; version: number; model: ModelPackage };

export type FromWorker =
  | { type: 'ready'; signature: Signature; version: number }
  | { type: 'loadError'; message: string }
  | { type: 'result'; batch: number; outputs: { shape: number[]; values: Values }[]; inputs: Values[]; computeMs: number }
  | { type: 'batchError'; batch: number; message: string; inputs: Values[] }
  | { type: 'updated'; version: number }
  | { type: 'updateError'; version: number; message: string };

/**
 * The inputs and outputs of a model that a pool can serve. Batching needs every axis but the batch axis known, so
 * that requests can be checked and packed before they reach a worker.
 */
export function signatureOf(model: Model, where: string): Signature {
  // A Sequential model has no symbolic inputs, only its batch input shape: both answer through expectedInputShapes.
  const shapes = model.built ? (model as unknown as { expectedInputShapes(): Shape[] | null }).expectedInputShapes() : null;
  if (!shapes?.length) {
    throw new Error(`${where}: model "${model.name}" has no known input shape; give its first layer an inputShape (or build it with tn.input), so requests can be checked before they are batched`);
  }
  const names = model.inputNames;
  const inputs = shapes.map((full, i) => {
    const shape = full.slice(1);
    if (shape.some((d) => d === null)) {
      throw new Error(`${where}: input ${i} ("${names[i]}") of model "${model.name}" has shape [${full.map((d) => d ?? 'null').join(', ')}]; a pool batches requests of one shape, so every axis but the batch axis must be fixed`);
    }
    const dtype = model.inputs[i]?.dtype ?? 'float32';
    if (dtype !== 'float32' && dtype !== 'int32') {
      throw new Error(`${where}: input ${i} ("${names[i]}") of model "${model.name}" has dtype ${String(dtype)}; a pool serves float32 and int32 inputs`);
    }
    return { name: names[i], shape: shape as number[], dtype: dtype as 'float32' | 'int32' };
  });
  return { inputs, outputs: model.outputNames.map((name) => ({ name })) };
}

/**
 * Whether two models take the same inputs, so queued requests fit either: shapes and dtypes, and the names when
 * there are several (requests may be keyed by them; a Sequential model's one input is named after its first layer).
 */
export function sameInputs(a: Signature, b: Signature): boolean {
  return a.inputs.length === b.inputs.length && a.inputs.every((x, i) => (a.inputs.length === 1 || x.name === b.inputs[i].name) && x.dtype === b.inputs[i].dtype && x.shape.length === b.inputs[i].shape.length && x.shape.every((d, j) => d === b.inputs[i].shape[j]));
}
