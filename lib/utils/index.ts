export { plotModel, modelToDot } from './plot-model.js';
export type { PlotModelArgs } from './plot-model.js';
export { plotHistory } from './plot-history.js';
export type { PlotHistoryArgs } from './plot-history.js';
