// Keras's clone_model: the same architecture, rebuilt from its config, with new weights.
import { layerFromKeras, layerToKeras } from '../io/keras-config.js';
import { Model } from './model.js';

/**
 * A new model with the same layers and connections as `model` (rebuilt from their configs, with the same names), and
 * freshly initialized weights, not shared ones: Keras's `keras.models.clone_model`. Copy the weights over with
 * `clone.setWeights(model.getWeights())` (a DQN's target network). The clone is not compiled.
 */
export function cloneModel(model: Model): Model {
  if (!(model instanceof Model)) throw new Error(`cloneModel: expected a tn.Model or tn.Sequential, received ${model === null ? 'null' : typeof model}`);
  let spec;
  try {
    spec = layerToKeras(model);
  } catch (e) {
    throw new Error(`cloneModel: model "${model.name}" cannot be rebuilt from its config: ${(e as Error).message.replace(/^save: /, '')}`);
  }
  const clone = layerFromKeras(spec, 'cloneModel');
  if (!(clone instanceof Model)) throw new Error(`cloneModel: model "${model.name}" did not rebuild as a model`);
  return clone;
}
