export { Optimizer, SGD, Adam, AdamW, RMSprop, Adagrad, getOptimizer } from './optimizer.js';
export type { OptimizerArgs, SGDArgs, AdamArgs, RMSpropArgs, AdagradArgs, GradientsAndVariables } from './optimizer.js';
export { LearningRateSchedule, ExponentialDecay, PiecewiseConstantDecay, CosineDecay, InverseTimeDecay } from './schedules.js';
export * as schedules from './schedules.js';

import { Adagrad, Adam, AdamW, RMSprop, SGD, type AdagradArgs, type AdamArgs, type RMSpropArgs, type SGDArgs } from './optimizer.js';
/** TF.js-style factories: tn.optimizers.adam({ learningRate: 1e-3 }). */
export const sgd = (args: SGDArgs = {}) => new SGD(args);
export const adam = (args: AdamArgs = {}) => new Adam(args);
export const adamw = (args: AdamArgs = {}) => new AdamW(args);
export const rmsprop = (args: RMSpropArgs = {}) => new RMSprop(args);
export const adagrad = (args: AdagradArgs = {}) => new Adagrad(args);
