// Keras's keras.utils dataset builders (the datasets themselves live in lib/data/).
export { imageDatasetFromDirectory, textDatasetFromDirectory } from '../data/directory.js';
export type { ImageDatasetOptions, TextDatasetOptions, DirectoryDataset, LabelMode } from '../data/directory.js';
