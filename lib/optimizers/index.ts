export { Optimizer, SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam, Lion, getOptimizer } from './optimizer.js';
export type {
  OptimizerArgs, SGDArgs, AdamArgs, RMSpropArgs, AdagradArgs, AdadeltaArgs, AdamaxArgs, NadamArgs, LionArgs, GradientsAndVariables, NamedTensor,
} from './optimizer.js';
export { LearningRateSchedule, ExponentialDecay, PiecewiseConstantDecay, CosineDecay, InverseTimeDecay, PolynomialDecay, CosineDecayRestarts } from './schedules.js';
export * as schedules from './schedules.js';

import {
  Adadelta, Adagrad, Adam, Adamax, AdamW, Lion, Nadam, RMSprop, SGD,
  type AdadeltaArgs, type AdagradArgs, type AdamArgs, type AdamaxArgs, type LionArgs, type NadamArgs, type RMSpropArgs, type SGDArgs,
} from './optimizer.js';
import { InverseTimeDecay } from './schedules.js';
// TF.js-style factories. They take Keras's options object (tn.optimizers.adam({ learningRate: 1e-3 })) or TF.js's
// positional form (tf.train.adam(learningRate, beta1, beta2, epsilon)), so code copied from TF.js keeps its rates.
const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
export const sgd = (args: SGDArgs | number = {}) => new SGD(typeof args === 'number' ? { learningRate: args } : args);
export const momentum = (learningRate: number, momentumValue: number, useNesterov = false) => new SGD({ learningRate, momentum: momentumValue, nesterov: useNesterov });
export const adam = (args: AdamArgs | number = {}, beta1?: number, beta2?: number, epsilon?: number) =>
  new Adam(typeof args === 'number' ? defined({ learningRate: args, beta1, beta2, epsilon }) : args);
export const adamw = (args: AdamArgs = {}) => new AdamW(args);
/** TF.js's rmsprop(learningRate, decay, momentum, epsilon, centered): its decay is Keras's rho. */
export const rmsprop = (args: RMSpropArgs | number = {}, decay?: number, momentumValue?: number, epsilon?: number, centered?: boolean) =>
  new RMSprop(typeof args === 'number' ? defined({ learningRate: args, rho: decay, momentum: momentumValue, epsilon, centered }) : args);
export const adagrad = (args: AdagradArgs | number = {}, initialAccumulatorValue?: number) =>
  new Adagrad(typeof args === 'number' ? defined({ learningRate: args, initialAccumulatorValue }) : args);
export const adadelta = (args: AdadeltaArgs | number = {}, rho?: number, epsilon?: number) =>
  new Adadelta(typeof args === 'number' ? defined({ learningRate: args, rho, epsilon }) : args);
/**
 * TF.js's adamax(learningRate, beta1, beta2, epsilon, decay): its decay divides the rate by 1 + decay * (updates so
 * far), which is InverseTimeDecay over single steps.
 */
export const adamax = (args: AdamaxArgs | number = {}, beta1?: number, beta2?: number, epsilon?: number, decay?: number) =>
  new Adamax(typeof args === 'number'
    ? defined({ learningRate: decay ? new InverseTimeDecay({ initialLearningRate: args, decaySteps: 1, decayRate: decay }) : args, beta1, beta2, epsilon })
    : args);
export const nadam = (args: NadamArgs = {}) => new Nadam(args);
export const lion = (args: LionArgs = {}) => new Lion(args);
