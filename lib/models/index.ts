// tn.models: the model classes and loading (Keras's keras.models).
export { Model } from './model.js';
export { Sequential } from './sequential.js';
export { loadModel } from './saving.js';
export type { ModelJSON } from './saving.js';
export { cloneModel } from './clone.js';
