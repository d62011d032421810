// tn.io: TF.js's IO handlers and weight decoding, and the TF.js layers-model format's types.
import { tensor, type Tensor } from '../tensor.js';
import { decodeWeights as decode, type WeightSpec } from './tfjs-layers.js';

export { fromMemory, withSaveHandler, fileSystem, http } from './handlers.js';
export type { IOHandler, SaveResult } from './handlers.js';
export type { ModelArtifacts, ModelJSON, WeightSpec, WeightsManifestGroup, TrainingConfig, Quantization } from './tfjs-layers.js';

/** TF.js's tf.io.decodeWeights: the weights of a manifest's bytes by name, dequantized. */
export function decodeWeights(weightData: ArrayBuffer | ArrayBuffer[], specs: WeightSpec[]): Record<string, Tensor> {
  if (!Array.isArray(specs)) throw new Error('io.decodeWeights: expected (weightData, specs) with specs a list of { name, shape, dtype }');
  return Object.fromEntries(decode(specs, weightData, 'io.decodeWeights').map(({ spec, values }) => [spec.name, tensor(values, spec.shape, spec.dtype)]));
}
