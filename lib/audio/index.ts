// tn.audio: TensorFlow's tf.audio (decodeWav, encodeWav) and tfio's resample.
export { decodeWav, encodeWav } from './wav.js';
export type { DecodeWavOptions } from './wav.js';
export { resample } from './resample.js';
