// Keras's keras.utils dataset builders (the datasets themselves live in lib/data/).
export { audioDatasetFromDirectory, imageDatasetFromDirectory, textDatasetFromDirectory } from '../data/directory.js';
export type { AudioDatasetOptions, ImageDatasetOptions, TextDatasetOptions, DirectoryDataset, LabelMode } from '../data/directory.js';
