// tn.io: TF.js's IO handlers, and the TF.js layers-model format's types.
export { fromMemory, withSaveHandler, fileSystem, http } from './handlers.js';
export type { IOHandler, SaveResult } from './handlers.js';
export { decodeWeights } from './tfjs-layers.js';
export type { ModelArtifacts, ModelJSON, WeightSpec, WeightsManifestGroup, TrainingConfig, Quantization } from './tfjs-layers.js';
