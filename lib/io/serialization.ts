// tn.serialization (TF.js's names) and tn.saving (Keras's names): registering custom layer classes for loading.
export { registerClass, registerKerasSerializable } from './keras-config.js';
