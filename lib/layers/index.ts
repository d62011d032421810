// Layer classes (Keras names) and TF.js-style factory functions (tn.layers.dense({ units: 10 })).
import { Activation, Dense, Dropout, Flatten, Reshape, type DenseArgs, type DropoutArgs, type ReshapeArgs } from './core.js';
import { Conv2D, type Conv2DArgs } from './convolutional.js';
import { InputLayer, type LayerArgs, type Shape } from './layer.js';
import { Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract } from './merge.js';
import { BatchNormalization, LayerNormalization, type BatchNormalizationArgs, type LayerNormalizationArgs } from './normalization.js';
import { AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D, type GlobalPooling2DArgs, type Pooling2DArgs } from './pooling.js';
import type { ActivationIdentifier } from '../activations.js';

export { Layer, InputLayer, SymbolicTensor, clearSession } from './layer.js';
export type { LayerArgs, CallArgs, Shape, InputSpec, WeightOptions } from './layer.js';
export { Activation, Dense, Dropout, Flatten, Reshape, Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D };
export { BatchNormalization, LayerNormalization, Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate };
export type { DenseArgs, DropoutArgs, ReshapeArgs, Conv2DArgs, Pooling2DArgs, GlobalPooling2DArgs, BatchNormalizationArgs, LayerNormalizationArgs };

export const dense = (args: DenseArgs) => new Dense(args);
export const conv2d = (args: Conv2DArgs) => new Conv2D(args);
export const maxPooling2d = (args: Pooling2DArgs = {}) => new MaxPooling2D(args);
export const averagePooling2d = (args: Pooling2DArgs = {}) => new AveragePooling2D(args);
export const globalAveragePooling2d = (args: GlobalPooling2DArgs = {}) => new GlobalAveragePooling2D(args);
export const globalMaxPooling2d = (args: GlobalPooling2DArgs = {}) => new GlobalMaxPooling2D(args);
export const flatten = (args: LayerArgs = {}) => new Flatten(args);
export const reshape = (args: ReshapeArgs) => new Reshape(args);
export const activation = (args: LayerArgs & { activation: ActivationIdentifier }) => new Activation(args);
export const dropout = (args: DropoutArgs) => new Dropout(args);
export const batchNormalization = (args: BatchNormalizationArgs = {}) => new BatchNormalization(args);
export const layerNormalization = (args: LayerNormalizationArgs = {}) => new LayerNormalization(args);
export const add = (args: LayerArgs = {}) => new Add(args);
export const subtract = (args: LayerArgs = {}) => new Subtract(args);
export const multiply = (args: LayerArgs = {}) => new Multiply(args);
export const average = (args: LayerArgs = {}) => new Average(args);
export const maximum = (args: LayerArgs = {}) => new Maximum(args);
export const minimum = (args: LayerArgs = {}) => new Minimum(args);
export const concatenate = (args: LayerArgs & { axis?: number } = {}) => new Concatenate(args);
export const inputLayer = (args: LayerArgs & { shape?: Shape }) => new InputLayer(args);
