// Saving a whole model and loading it back. This file only chooses where the artifacts go and which format reads
// them; the formats live in lib/io (TF.js's layers-model in io/tfjs-layers.ts, the layer configs it shares with
// Keras's files in io/keras-config.ts). A path ('dir', 'dir/model.json', 'file://...') means model.json and the
// weights file it names in that directory (io/handlers.ts fileSystem: written crash-safe as
// `model.weights.<content hash>.bin`, read as untrusted input; TF.js reads the name from the manifest); an http(s)
// URL is fetched as TF.js does; an IO handler (tn.io.fromMemory, tn.io.withSaveHandler, or any { load, save } object)
// means the artifacts go through it, as in TF.js. A local path ending in .keras or .h5 is a Keras file
// (io/keras-model.ts).
import { checkOptionNames } from '../names.js';
import { fileSystem, http, isIOHandler, modelPaths, type IOHandler, type SaveResult } from '../io/handlers.js';
import { modelFromArtifacts, modelToArtifacts, type LoadOptions } from '../io/tfjs-layers.js';
import type { Model } from './model.js';
import { withState, type StateSnapshot } from './snapshot.js';

export type { ModelJSON } from '../io/tfjs-layers.js';
export type { LoadOptions };

function handlerFor(target: string | IOHandler, what: 'load' | 'save'): IOHandler {
  // Any other scheme (TF.js's indexeddb://, localstorage://, downloads://, a typo) would otherwise be taken for a
  // relative directory name and fail with "file does not exist", or save into a folder named after it.
  const scheme = typeof target === 'string' ? /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(target)?.[1] : undefined;
  if (scheme !== undefined && !/^(file|https?)$/i.test(scheme)) {
    throw new Error(`${what === 'load' ? 'loadModel' : 'save'}: unknown URL scheme "${scheme}://" in ${JSON.stringify(target)}; tensornode reads file:// and http(s):// URLs and local paths (and saves to file:// URLs and local paths), or goes through an IO handler (tn.io.fromMemory, tn.io.withSaveHandler)`);
  }
  if (typeof target === 'string' && /^https?:\/\//.test(target)) {
    if (what === 'save') throw new Error(`save: saving to ${target} is not supported; save to a folder, or send the artifacts yourself with tn.io.withSaveHandler`);
    return http(target);
  }
  if (typeof target === 'string') return fileSystem(target);
  if (isIOHandler(target) && typeof target[what] === 'function') return target;
  throw new Error(`${what === 'load' ? 'loadModel' : 'save'}: expected a path or an IO handler with ${what}(), received ${typeof target === 'object' ? JSON.stringify(target)?.slice(0, 100) : String(target)}`);
}

function isKerasPath(target: unknown): target is string {
  return typeof target === 'string' && !/^https?:\/\//.test(target) && /\.(keras|h5|hdf5)$/i.test(target);
}

/** Writes the model (TF.js's layers-model format) to a directory path or through an IO handler. */
export async function saveModel(model: Model, target: string | IOHandler, state?: StateSnapshot): Promise<SaveResult> {
  if (isKerasPath(target)) {
    // Loaded on demand: the Keras files bring h5wasm, whose start-up a layers-model save should not pay.
    const { saveKerasFile } = await import('../io/keras-model.js');
    return withState(model, state, () => saveKerasFile(model, target));
  }
  const handler = handlerFor(target, 'save');
  return handler.save!(withState(model, state, () => modelToArtifacts(model)));
}

/**
 * Loads a layers model: one tensornode saved, or one TF.js or tensorflowjs_converter wrote. Compiled from the
 * file's training config (unless `{ compile: false }`), with the optimizer's state when the file has it.
 */
export async function loadModel(source: string | IOHandler, options: LoadOptions = {}): Promise<Model> {
  checkOptionNames(options, ['compile'], 'loadModel');
  if (isKerasPath(source)) {
    const { loadKerasFile } = await import('../io/keras-model.js');
    return loadKerasFile(source, options);
  }
  const handler = handlerFor(source, 'load');
  const artifacts = await handler.load!();
  const where = typeof source !== 'string' ? 'loadModel' : /^https?:\/\//.test(source) ? `loadModel: ${source}` : `loadModel: ${modelPaths(source).json}`;
  try {
    return modelFromArtifacts(artifacts, where, options);
  } catch (err) {
    // Whatever a damaged architecture or training config trips over (a layer's weight budget, compile()), the
    // message names the file.
    const message = (err as Error).message;
    if (message.startsWith(where)) throw err;
    throw new Error(`${where}: ${message.replace(/^loadModel: /, '')}`, { cause: err });
  }
}
