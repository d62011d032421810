// tn.utils: Keras's keras.utils, one file per feature.
export * from './datasets.js';
