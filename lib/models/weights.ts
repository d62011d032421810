// Weights without the architecture: model.saveWeights(path) and model.loadWeights(path), the format chosen by the
// path's ending. `.weights.h5` is Keras 3's weights file (layers/<name>/vars/<i>, as inside a .keras), and loading
// also reads Keras 2's `.h5` weights (layer_names / weight_names); both live in io/keras-model.ts.
import { loadKerasWeightsFile, saveKerasWeightsFile } from '../io/keras-model.js';
import type { Model } from './model.js';

function weightsFormat(path: string, what: string, extensions: RegExp): 'keras' {
  if (typeof path !== 'string' || path.length === 0) throw new Error(`${what}: expected a path, received ${String(path)}`);
  if (/\.keras$/i.test(path)) throw new Error(`${what}: ${path} ends in .keras, which is a whole-model format; ${what} handles weights only (.weights.h5)`);
  if (!extensions.test(path)) throw new Error(`${what}: ${path}: expected a Keras weights file name ending in .weights.h5`);
  return 'keras';
}

/** Writes the model's weights to `path` (Keras 3's .weights.h5). */
export async function saveWeights(model: Model, path: string): Promise<void> {
  weightsFormat(path, 'saveWeights', /\.weights\.h5$/i);
  await saveKerasWeightsFile(model, path);
}

/** Reads weights into the model: Keras 3's .weights.h5 (by Keras's object paths) or Keras 2's .h5 (by layer order). */
export async function loadWeights(model: Model, path: string): Promise<void> {
  weightsFormat(path, 'loadWeights', /\.h5$/i);
  await loadKerasWeightsFile(model, path);
}
