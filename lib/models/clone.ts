// Keras's clone_model: the same architecture, rebuilt from its config, with new weights.
import { cloneFromConfig } from '../io/keras-config.js';
import { Model } from './model.js';

/**
 * A new model with the same layers and connections as `model` (rebuilt from their configs, with the same names), and
 * freshly initialized weights, not shared ones: Keras's `keras.models.clone_model`. Copy the weights over with
 * `clone.setWeights(model.getWeights())` (a DQN's target network). The clone is not compiled. As in Keras 3, the
 * classes need no registering: a subclassed model or custom layer is rebuilt by its own class from its getConfig().
 */
export function cloneModel(model: Model): Model {
  if (!(model instanceof Model)) throw new Error(`cloneModel: expected a tn.Model or tn.Sequential, received ${model === null ? 'null' : typeof model}`);
  let clone;
  try {
    clone = cloneFromConfig(model, 'cloneModel');
  } catch (e) {
    throw new Error(`cloneModel: model "${model.name}" cannot be rebuilt from its config: ${(e as Error).message.replace(/^(save|cloneModel): /, '')}`);
  }
  if (!(clone instanceof Model)) throw new Error(`cloneModel: model "${model.name}" did not rebuild as a model`);
  return clone;
}
