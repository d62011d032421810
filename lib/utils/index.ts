// tn.utils: Keras's keras.utils, one file per feature.
export { plotModel, modelToDot } from './plot-model.js';
export type { PlotModelArgs } from './plot-model.js';
export { plotHistory } from './plot-history.js';
export type { PlotHistoryArgs } from './plot-history.js';
export * from './datasets.js';
export { toCategorical } from './categorical.js';
export { normalize } from './normalize.js';
export { loadImg, imgToArray, arrayToImg, saveImg } from './image.js';
export type { RawImage, LoadImgOptions, Interpolation } from './image.js';
export { padSequences } from './sequence.js';
export { splitDataset } from './split.js';
export type { SplitDatasetOptions } from './split.js';
export type { PadSequencesOptions } from './sequence.js';
export { timeseriesDatasetFromArray } from '../data/timeseries.js';
export type { TimeseriesOptions } from '../data/timeseries.js';
export { FeatureSpace, Feature, Cross } from './feature-space.js';
export type { FeatureSpaceArgs, FeatureData } from './feature-space.js';
