// tn.data: datasets for data that does not fit in one tensor (TF.js's tf.data, with Keras 3's behaviour).
export { Dataset, AUTOTUNE } from './dataset.js';
export type { MapOptions, BatchOptions, PaddedBatchOptions, ShuffleOptions, IgnoreErrorsOptions, BatchOf, UnbatchOf } from './dataset.js';
export { array, zip, generator, fromAsyncIterable } from './sources.js';
export { csv, CSVDataset } from './csv.js';
export type { CSVConfig, ColumnConfig, CSVElement } from './csv.js';
export { DataError } from './failure.js';
export { workerFunction, WorkerFunction } from './worker-map.js';
export { tuple } from './structure.js';
