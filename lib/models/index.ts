// tn.models: the model classes and loading (Keras's keras.models).
export { Model } from './model.js';
export { Sequential } from './sequential.js';
export { loadModel } from './saving.js';
export type { ModelJSON } from './saving.js';
export { cloneModel } from './clone.js';
/** TF.js's tf.models.modelFromJSON: a model from a topology, and its weights from a manifest's shards when given. */
export { modelFromJSON } from './from-json.js';
export type { ModelAndWeightsConfig } from './from-json.js';
