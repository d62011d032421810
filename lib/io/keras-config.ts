// Keras layer configs <-> tensornode layers: the architecture half of every Keras-family file format (TF.js's
// model.json, Keras's .keras config.json and .h5 model_config). Pure functions over parsed JSON; no I/O here.
//
// Reading (Keras/TF.js -> tensornode):
//   modelFromKeras(topology, where?, { kerasVersion? })  a whole `modelTopology` ({ model_config } wrapper, or
//                                      { class_name, config }) -> a built Sequential / functional Model (weights
//                                      freshly initialised). 'hard_sigmoid' is read as its writer meant it: Keras 3's
//                                      relu6(x + 3) / 6 when keras_version (or the option) is 3.x, else Keras 2's and
//                                      TF.js's clip(0.2 x + 0.5, 0, 1), tensornode's 'hard_sigmoid_legacy'.
//   layerFromKeras(spec, where?)       one { class_name, config } (a layer or a nested model) -> a Layer (outside
//                                      modelFromKeras, 'hard_sigmoid' reads as Keras 2's).
//   assignWeightsByName(model, weights) sets a model's weights from a file's named weights (scopes, cell scopes and
//                                      `:0` suffixes tolerated; any order); every weight must match.
//   kerasLayerClasses                  the mapping table: Keras class name -> factory(config, context). One entry
//                                      per class; add an entry to support another class.
// Writing (tensornode -> Keras/TF.js, Keras 2 / tfjs-layers spelling, which both TF.js and Keras 2 read):
//   modelToKeras(model)                -> { class_name, config } for `modelTopology.model_config` or TF.js's
//                                      `modelTopology`; layerToKeras(layer) for one layer.
//   cloneFromConfig(layer)             both ways in memory, for cloneModel: unregistered classes and Keras 3's
//                                      hard_sigmoid, which no file could hold, come back as they were.
// Custom classes:
//   registerClass(cls)                 TF.js's tf.serialization.registerClass: registers a Layer subclass under
//                                      its static `className` (or its constructor name); loading builds it with
//                                      `cls.fromConfig(cls, config)` (TF.js) or `cls.fromConfig(config)` (Keras's
//                                      one-argument form) if it has one, else `new cls(config)`, with
//                                      the config's keys in camelCase.
//   registerKerasSerializable(cls, { package, name })  Keras's register_keras_serializable: also answers to the
//                                      registered name "package>name" that Keras 3 writes.
//
// Both Keras spellings are read: Keras 2 / tfjs-layers (`batch_input_shape`, initializers as
// { class_name, config }, inbound nodes as [[name, node, tensor, kwargs], ...]) and Keras 3 (`batch_shape`,
// { module, class_name, config, registered_name } objects, dtype policies as `dtype`, `build_config`, inbound nodes
// as { args: [{ class_name: '__keras_tensor__', config: { keras_history } }], kwargs }).
// What only affects training and that tensornode does not have (some layers' constraints) is dropped with a warning;
// what changes the numbers a model computes (channels_first, time-major recurrences, unknown classes) is an error
// naming the layer and its class.
import { getActivation } from '../activations.js';
import type { DType } from '../dtype.js';
import { getInitializer } from '../initializers.js';
import { getRegularizer, isRegisteredRegularizer, registerRegularizerClass, Regularizer, type RegularizerIdentifier } from '../regularizers.js';
import { Constraint, isRegisteredConstraint, registerConstraintClass } from '../constraints.js';
import * as layerClasses from '../layers/index.js';
import { InputLayer, Layer, SymbolicTensor, type CallArgs, type LayerNode, type Shape } from '../layers/layer.js';
import { deserializeFunction, isSerializedFunction, registeredFunctionName, registerFunction } from '../registered-functions.js';
import { Model } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import { Loss, registerLossClass } from '../losses.js';
import { Metric, registerMetricClass } from '../metrics.js';
import { tensor, type Variable } from '../tensor.js';

export type Json = Record<string, unknown>;

/** One serialized layer: Keras 2 / TF.js `{ class_name, config }`, Keras 3 adds module and registered_name. */
export interface KerasLayerSpec {
  class_name: string;
  config: Json;
  name?: string;
  module?: string | null;
  registered_name?: string | null;
  inbound_nodes?: unknown[];
  /** Keras 3's build_config: the input shape a subclassed model (or a custom layer) is built on after loading. */
  build_config?: Json;
}

/** What a factory in the mapping table receives besides the config. */
export interface KerasLayerContext {
  /** The Keras class name as written in the file. */
  className: string;
  /** The layer's name (from config.name), for error messages. */
  layerName: string;
  /** Where in the file the layer sits, for error messages ("model > layer 3"). */
  where: string;
}

export type KerasLayerFactory = (config: Json, ctx: KerasLayerContext) => Layer;

// ---------------------------------------------------------------------------------------------------------------
// Small conversions

/** batch_input_shape -> batchInputShape; Keras's own names of config keys to TF.js's camelCase. */
export function snakeToCamel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * batchInputShape -> batch_input_shape. Digits stay attached (beta1 -> beta1, as TF.js writes it), and a one-letter
 * word before another capital is its own word (sparseYTrue -> sparse_y_true, Keras's IoU key), so that the result
 * reads back through snakeToCamel.
 */
export function camelToSnake(key: string): string {
  return key.replace(/([A-Z])([A-Z][a-z])/g, '$1_$2').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function fail(ctx: KerasLayerContext, message: string): never {
  throw new Error(`${ctx.where}: layer "${ctx.layerName}" (${ctx.className}): ${message}`);
}

/** Every key of a config in camelCase, nested { class_name, config } objects included (TF.js's convertPythonicToTs, keys only). */
export function kerasConfigToCamel(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(kerasConfigToCamel);
  if (!isObject(v)) return v;
  return Object.fromEntries(Object.entries(v).map(([k, e]) => [snakeToCamel(k), kerasConfigToCamel(e)]));
}

/** Every key in snake_case (TF.js's convertTsToPythonic, keys only); `className` becomes `class_name`. */
export function camelConfigToKeras(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(camelConfigToKeras);
  if (!isObject(v)) return v;
  return Object.fromEntries(Object.entries(v).filter(([, e]) => e !== undefined).map(([k, e]) => [camelToSnake(k), camelConfigToKeras(e)]));
}

/** Keras 3's "package>Name" and module-qualified names come down to the class name. */
function bareClassName(name: string): string {
  const i = name.lastIndexOf('>');
  return i >= 0 ? name.slice(i + 1) : name;
}

/**
 * An initializer as the file writes it (a name, { class_name, config }, Keras 3's { module, class_name, config,
 * registered_name }) as tensornode reads it. A class tensornode lacks falls back to the layer's default: the weights
 * come from the file, and the initializer only matters to a later re-initialisation.
 */
export function kerasInitializer(v: unknown): unknown {
  if (v === null || v === undefined) return undefined;
  let id: unknown = v;
  if (isObject(v) && typeof v.class_name === 'string') {
    const config = Object.fromEntries(Object.entries((kerasConfigToCamel(v.config ?? {}) as Json)).filter(([, e]) => e !== null));
    id = { className: bareClassName(v.class_name), config };
  }
  try {
    getInitializer(id as never);
    return id;
  } catch {
    return undefined;
  }
}

/** A regularizer: L1L2 / L1 / L2 with their factors; anything else is an error (it changes the training loss). */
function kerasRegularizer(v: unknown, ctx: KerasLayerContext, key: string): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (isObject(v) && typeof v.class_name === 'string') {
    const cls = bareClassName(v.class_name);
    if (isRegisteredRegularizer(cls)) return { className: cls, config: kerasConfigToCamel(v.config ?? {}) };
    if (['L1L2', 'L1', 'L2', 'l1_l2', 'l1', 'l2'].includes(cls)) {
      const c = (v.config ?? {}) as Json;
      return { className: 'L1L2', config: { l1: Number(c.l1 ?? 0), l2: Number(c.l2 ?? 0) } };
    }
  }
  return fail(ctx, `\`${key}\` is ${JSON.stringify(v)}, which tensornode cannot apply (it knows L1, L2, L1L2 and the Regularizer subclasses registered with tn.serialization.registerClass)`);
}

/**
 * A weight constraint tensornode has (MaxNorm, NonNeg, UnitNorm, MinMaxNorm, in Keras 2's, Keras 3's and TF.js's
 * spellings) as { className, config }; undefined for none, or for one it lacks (warnDropped then says so).
 */
function kerasConstraint(v: unknown): unknown {
  if (!isObject(v) || typeof v.class_name !== 'string') return typeof v === 'string' ? v : undefined;
  const config = kerasConfigToCamel(v.config ?? {}) as Json;
  if (isRegisteredConstraint(bareClassName(v.class_name), config)) return { className: bareClassName(v.class_name), config };
  const cls = bareClassName(v.class_name).replace(/_/g, '').toLowerCase();
  const name = { maxnorm: 'MaxNorm', nonneg: 'NonNeg', unitnorm: 'UnitNorm', minmaxnorm: 'MinMaxNorm' }[cls];
  if (!name) return undefined;
  const { name: _n, ...rest } = config;
  return { className: name, config: rest };
}

/** A dtype: a name, or a Keras 3 dtype policy object. mixed_bfloat16 is kept; the other float types compute in float32 here. */
function kerasDType(v: unknown, ctx: KerasLayerContext): DType | undefined {
  if (v === null || v === undefined) return undefined;
  let name: unknown = v;
  if (isObject(v)) name = isObject(v.config) ? v.config.name : undefined;
  if (typeof name !== 'string') return fail(ctx, `cannot read its dtype ${JSON.stringify(v)}`);
  if (name === 'int32' || name === 'int64') return 'int32';
  // String inputs and the text preprocessing layers (carried at run time only, see StringTensor).
  if (name === 'string') return 'string' as unknown as DType;
  // mixed_bfloat16 is a policy tensornode has (float32 variables, bfloat16 products): kept, so a model saved with it
  // computes as saved. The others compute in float32 here (a mixed_float16 model predicts within its own rounding).
  if (name === 'mixed_bfloat16') return 'mixed_bfloat16' as unknown as DType;
  if (['float32', 'float16', 'bfloat16', 'float64', 'mixed_float16'].includes(name)) return 'float32';
  return fail(ctx, `dtype "${name}" is not supported (tensornode computes in float32 and int32)`);
}

/**
 * Keras 2 and TF.js mean clip(0.2 x + 0.5, 0, 1) by 'hard_sigmoid', Keras 3 (and tensornode) relu6(x + 3) / 6; which
 * one a file means depends on who wrote it. Set for the duration of one (synchronous) read.
 */
let legacyHardSigmoid = true;

/**
 * Set for the duration of one (synchronous) cloneModel, whose spec never leaves memory. As Keras 3's clone_model, it
 * keeps what only a file cannot hold: Keras 3's hard_sigmoid under its own name, and classes nobody registered (Keras
 * passes the model's own classes as custom_objects), found again here by the names given them.
 */
let cloning: Map<string, CustomClass> | null = null;

/** Keras's clone_model: the layer (or model) rebuilt from its config, in the clone scope. */
export function cloneFromConfig(layer: Layer, where: string): Layer {
  const before = [cloning, legacyHardSigmoid] as const;
  cloning = new Map();
  legacyHardSigmoid = false;
  try {
    return layerFromKeras(layerToKeras(layer), where);
  } finally {
    [cloning, legacyHardSigmoid] = before;
  }
}

/** The clone scope's name for a class nobody registered: one no registered class can have. */
function cloneName(cls: CustomClass): string {
  for (const [name, c] of cloning!) if (c === cls) return name;
  const name = `${cls.name || 'Layer'}<clone ${cloning!.size}>`;
  cloning!.set(name, cls);
  return name;
}

function kerasActivation(v: unknown, ctx: KerasLayerContext): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') return legacyHardSigmoid && (v === 'hard_sigmoid' || v === 'hardSigmoid') ? 'hard_sigmoid_legacy' : v;
  if (isObject(v) && typeof v.class_name === 'string' && (v.module === 'keras.activations' || v.module === 'builtins')) return bareClassName(v.class_name);
  // Keras 3's form of a function registered with @register_keras_serializable.
  if (isSerializedFunction(v)) return registeredFunctionName(deserializeFunction(v, `layer "${ctx.layerName}": activation`));
  return fail(ctx, `its activation ${JSON.stringify(v).slice(0, 120)} is not a built-in activation name`);
}

/**
 * The arguments every layer shares; `data_format: channels_first` is refused here for every class but those that
 * compute it (`channelsFirst`: the padding, cropping, upsampling and spatial dropout layers take their dataFormat).
 */
function baseArgs(c: Json, ctx: KerasLayerContext, channelsFirst = false): Json {
  if (c.data_format === 'channels_first' && !channelsFirst) {
    fail(ctx, 'data_format "channels_first" is not supported; tensornode computes in channels_last (NHWC). Re-export the model with channels_last');
  }
  const args: Json = { name: c.name, trainable: c.trainable, dtype: kerasDType(c.dtype, ctx) };
  const batchShape = c.batch_input_shape ?? c.batch_shape;
  if (Array.isArray(batchShape)) args.batchInputShape = batchShape;
  return args;
}

/** Keeps only the defined entries, so that constructors apply their own defaults. */
function defined(o: Json): Json {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function refuse(c: Json, ctx: KerasLayerContext, checks: [string, (v: unknown) => boolean, string][]): void {
  for (const [key, bad, why] of checks) if (bad(c[key])) fail(ctx, `${key}=${JSON.stringify(c[key])} is not supported: ${why}`);
}
const truthy = (v: unknown) => Boolean(v);

// ---------------------------------------------------------------------------------------------------------------
// The mapping table

type LayerClass = new (args: Json) => Layer;

/** The class of that name among tensornode's layers, or an error naming the layer and the class. */
function layerClass(name: string, ctx: KerasLayerContext): LayerClass {
  const Cls = (layerClasses as unknown as Record<string, unknown>)[name];
  if (typeof Cls !== 'function') {
    fail(ctx, `tensornode has no layer class "${name}", so this model cannot be loaded. Layer classes it has: ${builtinLayerNames().join(', ')}`);
  }
  return Cls as LayerClass;
}

function builtinLayerNames(): string[] {
  return Object.entries(layerClasses as unknown as Record<string, unknown>)
    .filter(([k, v]) => typeof v === 'function' && /^[A-Z]/.test(k) && (v as { prototype?: unknown }).prototype instanceof Layer)
    .map(([k]) => k);
}

/** Builds class `name` with the shared arguments plus `extra` (Keras keys already mapped). */
function build(name: string, c: Json, ctx: KerasLayerContext, extra: Json = {}, channelsFirst = false): Layer {
  const Cls = layerClass(name, ctx);
  return new Cls(defined({ ...baseArgs(c, ctx, channelsFirst), ...extra }));
}

const kernelArgs = (c: Json, ctx: KerasLayerContext): Json => ({
  activation: kerasActivation(c.activation, ctx), useBias: c.use_bias,
  kernelInitializer: kerasInitializer(c.kernel_initializer), biasInitializer: kerasInitializer(c.bias_initializer),
  kernelRegularizer: kerasRegularizer(c.kernel_regularizer, ctx, 'kernel_regularizer'), biasRegularizer: kerasRegularizer(c.bias_regularizer, ctx, 'bias_regularizer'),
  kernelConstraint: kerasConstraint(c.kernel_constraint), biasConstraint: kerasConstraint(c.bias_constraint),
});
const convArgs = (c: Json, ctx: KerasLayerContext): Json => ({
  ...kernelArgs(c, ctx), filters: c.filters, kernelSize: c.kernel_size, strides: c.strides, padding: c.padding, dilationRate: c.dilation_rate, groups: c.groups,
});
/** The transposed convolutions (1-D, 2-D, 3-D): a convolution's keys (no groups) plus output_padding. */
const transposeArgs = (c: Json, ctx: KerasLayerContext): Json => {
  refuse(c, ctx, [['groups', (v) => v !== undefined && v !== null && v !== 1, 'transposed convolutions have no groups']]);
  return { ...convArgs(c, ctx), groups: undefined, outputPadding: c.output_padding };
};
const poolArgs = (c: Json): Json => ({ poolSize: c.pool_size, strides: c.strides ?? undefined, padding: c.padding });
const globalPoolArgs = (c: Json): Json => ({ keepdims: c.keepdims });

/** What every recurrent layer (SimpleRNN, LSTM, GRU, RNN) reads: how its loop runs. */
function loopArgs(c: Json, ctx: KerasLayerContext): Json {
  refuse(c, ctx, [['time_major', truthy, 'tensornode reads sequences as [batch, time, features]']]);
  return {
    returnSequences: c.return_sequences, returnState: c.return_state, goBackwards: c.go_backwards, stateful: c.stateful ?? undefined,
    zeroOutputForMask: c.zero_output_for_mask ?? undefined, unroll: c.unroll ?? undefined,
  };
}

/** A cell's (and a recurrent layer's) weights and activations. */
function cellArgs(c: Json, ctx: KerasLayerContext, gated: boolean): Json {
  return {
    units: c.units, activation: kerasActivation(c.activation, ctx), useBias: c.use_bias,
    ...(gated ? { recurrentActivation: kerasActivation(c.recurrent_activation, ctx) } : {}),
    kernelInitializer: kerasInitializer(c.kernel_initializer), recurrentInitializer: kerasInitializer(c.recurrent_initializer),
    biasInitializer: kerasInitializer(c.bias_initializer),
    kernelRegularizer: kerasRegularizer(c.kernel_regularizer, ctx, 'kernel_regularizer'),
    recurrentRegularizer: kerasRegularizer(c.recurrent_regularizer, ctx, 'recurrent_regularizer'),
    biasRegularizer: kerasRegularizer(c.bias_regularizer, ctx, 'bias_regularizer'),
    kernelConstraint: kerasConstraint(c.kernel_constraint), recurrentConstraint: kerasConstraint(c.recurrent_constraint), biasConstraint: kerasConstraint(c.bias_constraint),
    dropout: c.dropout ?? undefined, recurrentDropout: c.recurrent_dropout ?? undefined,
  };
}

const depthwiseArgs = (c: Json, ctx: KerasLayerContext): Json => ({
  kernelSize: c.kernel_size, strides: c.strides, padding: c.padding, depthMultiplier: c.depth_multiplier, dilationRate: c.dilation_rate,
  activation: kerasActivation(c.activation, ctx), useBias: c.use_bias,
  depthwiseInitializer: kerasInitializer(c.depthwise_initializer), biasInitializer: kerasInitializer(c.bias_initializer),
  depthwiseRegularizer: kerasRegularizer(c.depthwise_regularizer, ctx, 'depthwise_regularizer'), biasRegularizer: kerasRegularizer(c.bias_regularizer, ctx, 'bias_regularizer'),
});

const randomAffineArgs = (c: Json): Json => ({
  fillMode: c.fill_mode, interpolation: c.interpolation, fillValue: c.fill_value ?? undefined, seed: c.seed ?? undefined, dataFormat: c.data_format ?? undefined,
});

function rnnArgs(c: Json, ctx: KerasLayerContext, gated: boolean): Json {
  return { ...cellArgs(c, ctx, gated), ...loopArgs(c, ctx) };
}

function convLstmArgs(c: Json, ctx: KerasLayerContext): Json {
  const { units: _, ...cell } = cellArgs(c, ctx, true);
  return {
    ...cell, ...loopArgs(c, ctx), filters: c.filters, kernelSize: c.kernel_size, strides: c.strides, padding: c.padding,
    dilationRate: c.dilation_rate, unitForgetBias: c.unit_forget_bias,
  };
}

const merge = (name: string): KerasLayerFactory => (c, ctx) => build(name, c, ctx);

function lookupArgs(c: Json): Json {
  return {
    maxTokens: c.max_tokens, numOovIndices: c.num_oov_indices, maskToken: c.mask_token, oovToken: c.oov_token, vocabulary: c.vocabulary,
    idfWeights: c.idf_weights, invert: c.invert, outputMode: c.output_mode, padToMaxTokens: c.pad_to_max_tokens, sparse: c.sparse,
  };
}

/** Keras class name -> how to build it from its (snake_case) config. */
export const kerasLayerClasses: Record<string, KerasLayerFactory> = {
  InputLayer: (c, ctx) => {
    const shape = c.batch_input_shape ?? c.batch_shape ?? (Array.isArray(c.input_shape) ? [null, ...c.input_shape] : undefined);
    if (!Array.isArray(shape)) fail(ctx, 'an InputLayer needs batch_input_shape or batch_shape');
    return new InputLayer(defined({ name: c.name, batchInputShape: shape, dtype: kerasDType(c.dtype, ctx) }));
  },
  Dense: (c, ctx) => build('Dense', c, ctx, { units: c.units, ...kernelArgs(c, ctx) }),
  Conv2D: (c, ctx) => build('Conv2D', c, ctx, convArgs(c, ctx)),
  Conv1D: (c, ctx) => build('Conv1D', c, ctx, convArgs(c, ctx)),
  Conv2DTranspose: (c, ctx) => build('Conv2DTranspose', c, ctx, transposeArgs(c, ctx)),
  Conv3DTranspose: (c, ctx) => build('Conv3DTranspose', c, ctx, transposeArgs(c, ctx)),
  Conv1DTranspose: (c, ctx) => build('Conv1DTranspose', c, ctx, transposeArgs(c, ctx)),
  Conv3D: (c, ctx) => build('Conv3D', c, ctx, convArgs(c, ctx)),
  MaxPooling3D: (c, ctx) => build('MaxPooling3D', c, ctx, poolArgs(c)),
  AveragePooling3D: (c, ctx) => build('AveragePooling3D', c, ctx, poolArgs(c)),
  GlobalAveragePooling3D: (c, ctx) => build('GlobalAveragePooling3D', c, ctx, globalPoolArgs(c)),
  GlobalMaxPooling3D: (c, ctx) => build('GlobalMaxPooling3D', c, ctx, globalPoolArgs(c)),
  MaxPooling2D: (c, ctx) => build('MaxPooling2D', c, ctx, poolArgs(c)),
  AveragePooling2D: (c, ctx) => build('AveragePooling2D', c, ctx, poolArgs(c)),
  MaxPooling1D: (c, ctx) => build('MaxPooling1D', c, ctx, poolArgs(c)),
  AveragePooling1D: (c, ctx) => build('AveragePooling1D', c, ctx, poolArgs(c)),
  GlobalAveragePooling2D: (c, ctx) => build('GlobalAveragePooling2D', c, ctx, globalPoolArgs(c)),
  GlobalMaxPooling2D: (c, ctx) => build('GlobalMaxPooling2D', c, ctx, globalPoolArgs(c)),
  GlobalAveragePooling1D: (c, ctx) => build('GlobalAveragePooling1D', c, ctx, globalPoolArgs(c)),
  GlobalMaxPooling1D: (c, ctx) => build('GlobalMaxPooling1D', c, ctx, globalPoolArgs(c)),
  Flatten: (c, ctx) => build('Flatten', c, ctx),
  Reshape: (c, ctx) => build('Reshape', c, ctx, { targetShape: c.target_shape }),
  Activation: (c, ctx) => build('Activation', c, ctx, { activation: kerasActivation(c.activation, ctx) }),
  Dropout: (c, ctx) => build('Dropout', c, ctx, { rate: c.rate, noiseShape: c.noise_shape ?? undefined, seed: c.seed ?? undefined }),
  BatchNormalization: (c, ctx) => {
    refuse(c, ctx, [['renorm', truthy, 'batch renormalization is not implemented']]);
    const axis = Array.isArray(c.axis) && c.axis.length === 1 ? c.axis[0] : c.axis;
    return build('BatchNormalization', c, ctx, {
      axis, momentum: c.momentum, epsilon: c.epsilon, center: c.center, scale: c.scale,
      betaInitializer: kerasInitializer(c.beta_initializer), gammaInitializer: kerasInitializer(c.gamma_initializer),
      movingMeanInitializer: kerasInitializer(c.moving_mean_initializer), movingVarianceInitializer: kerasInitializer(c.moving_variance_initializer),
      betaRegularizer: kerasRegularizer(c.beta_regularizer, ctx, 'beta_regularizer'), gammaRegularizer: kerasRegularizer(c.gamma_regularizer, ctx, 'gamma_regularizer'),
    });
  },
  LayerNormalization: (c, ctx) => {
    refuse(c, ctx, [['rms_scaling', truthy, 'RMS scaling is not implemented']]);
    return build('LayerNormalization', c, ctx, {
      axis: c.axis, epsilon: c.epsilon, center: c.center, scale: c.scale,
      betaInitializer: kerasInitializer(c.beta_initializer), gammaInitializer: kerasInitializer(c.gamma_initializer),
    });
  },
  Add: merge('Add'), Subtract: merge('Subtract'), Multiply: merge('Multiply'), Average: merge('Average'), Maximum: merge('Maximum'), Minimum: merge('Minimum'),
  Concatenate: (c, ctx) => build('Concatenate', c, ctx, { axis: c.axis }),
  Embedding: (c, ctx) => {
    refuse(c, ctx, [['lora_rank', truthy, 'LoRA embeddings are not implemented']]);
    return build('Embedding', c, ctx, {
      maskZero: c.mask_zero ?? undefined,
      inputDim: c.input_dim, outputDim: c.output_dim, embeddingsInitializer: kerasInitializer(c.embeddings_initializer),
      embeddingsRegularizer: kerasRegularizer(c.embeddings_regularizer, ctx, 'embeddings_regularizer'), inputLength: c.input_length ?? undefined,
      embeddingsConstraint: kerasConstraint(c.embeddings_constraint),
    });
  },
  // Text and categorical preprocessing (lib/layers/preprocessing-text.ts): the vocabulary rides in the config.
  CategoryEncoding: (c, ctx) => build('CategoryEncoding', c, ctx, { numTokens: c.num_tokens, outputMode: c.output_mode, sparse: c.sparse }),
  Hashing: (c, ctx) => build('Hashing', c, ctx, { numBins: c.num_bins, maskValue: c.mask_value, salt: c.salt, outputMode: c.output_mode, sparse: c.sparse }),
  HashedCrossing: (c, ctx) => build('HashedCrossing', c, ctx, { numBins: c.num_bins, outputMode: c.output_mode, sparse: c.sparse }),
  StringLookup: (c, ctx) => build('StringLookup', c, ctx, lookupArgs(c)),
  IntegerLookup: (c, ctx) => build('IntegerLookup', c, ctx, lookupArgs(c)),
  TextVectorization: (c, ctx) => (refuse(c, ctx, [['ragged', truthy, 'tensornode has no ragged tensors (pass outputSequenceLength for fixed-length ids)']]), build('TextVectorization', c, ctx, {
    maxTokens: c.max_tokens, standardize: c.standardize, split: c.split, ngrams: c.ngrams, outputMode: c.output_mode,
    outputSequenceLength: c.output_sequence_length, padToMaxTokens: c.pad_to_max_tokens, vocabulary: c.vocabulary, idfWeights: c.idf_weights, sparse: c.sparse,
  })),
  SimpleRNN: (c, ctx) => build('SimpleRNN', c, ctx, rnnArgs(c, ctx, false)),
  LSTM: (c, ctx) => build('LSTM', c, ctx, { ...rnnArgs(c, ctx, true), unitForgetBias: c.unit_forget_bias }),
  // TF.js's GRU has no reset_after and computes as Keras's reset_after=false; Keras always writes the key.
  GRU: (c, ctx) => build('GRU', c, ctx, { ...rnnArgs(c, ctx, true), resetAfter: c.reset_after ?? false }),
  Masking: (c, ctx) => build('Masking', c, ctx, { maskValue: c.mask_value }),
  RNN: (c, ctx) => {
    if (c.cell === undefined || c.cell === null) fail(ctx, 'an RNN needs the `cell` it runs');
    const cell = Array.isArray(c.cell)
      ? (c.cell as KerasLayerSpec[]).map((s, i) => layerFromKeras(s, `${ctx.where} > cell ${i}`))
      : layerFromKeras(c.cell as KerasLayerSpec, `${ctx.where} > cell`);
    return build('RNN', c, ctx, { cell, ...loopArgs(c, ctx) });
  },
  SimpleRNNCell: (c, ctx) => build('SimpleRNNCell', c, ctx, cellArgs(c, ctx, false)),
  LSTMCell: (c, ctx) => build('LSTMCell', c, ctx, { ...cellArgs(c, ctx, true), unitForgetBias: c.unit_forget_bias }),
  GRUCell: (c, ctx) => build('GRUCell', c, ctx, { ...cellArgs(c, ctx, true), resetAfter: c.reset_after ?? false }),
  StackedRNNCells: (c, ctx) => {
    if (!Array.isArray(c.cells)) fail(ctx, 'a StackedRNNCells needs its list of `cells`');
    return build('StackedRNNCells', c, ctx, { cells: (c.cells as KerasLayerSpec[]).map((s, i) => layerFromKeras(s, `${ctx.where} > cell ${i}`)) });
  },
  Bidirectional: (c, ctx) => {
    if (!isObject(c.layer)) fail(ctx, 'a Bidirectional needs the `layer` it wraps');
    const inner = layerFromKeras(c.layer as unknown as KerasLayerSpec, `${ctx.where} > wrapped layer`);
    const backward = isObject(c.backward_layer) ? layerFromKeras(c.backward_layer as unknown as KerasLayerSpec, `${ctx.where} > backward layer`) : undefined;
    // merge_mode null (Keras's None) is no merge: the layer returns both directions' outputs.
    return build('Bidirectional', c, ctx, { layer: inner, mergeMode: c.merge_mode === undefined ? undefined : c.merge_mode, backwardLayer: backward });
  },
  Dot: (c, ctx) => build('Dot', c, ctx, { axes: c.axes, normalize: c.normalize }),
  Attention: (c, ctx) => build('Attention', c, ctx, { useScale: c.use_scale, scoreMode: c.score_mode, dropout: c.dropout, seed: c.seed ?? undefined }),
  AdditiveAttention: (c, ctx) => build('AdditiveAttention', c, ctx, { useScale: c.use_scale, dropout: c.dropout, seed: c.seed ?? undefined }),
  MultiHeadAttention: (c, ctx) => build('MultiHeadAttention', c, ctx, {
    numHeads: c.num_heads, keyDim: c.key_dim, valueDim: c.value_dim, dropout: c.dropout, useBias: c.use_bias,
    outputShape: c.output_shape, attentionAxes: c.attention_axes, seed: c.seed ?? undefined,
    kernelInitializer: kerasInitializer(c.kernel_initializer), biasInitializer: kerasInitializer(c.bias_initializer),
    kernelRegularizer: kerasRegularizer(c.kernel_regularizer, ctx, 'kernel_regularizer'), biasRegularizer: kerasRegularizer(c.bias_regularizer, ctx, 'bias_regularizer'),
  }),
  TimeDistributed: (c, ctx) => {
    if (!isObject(c.layer)) fail(ctx, 'a TimeDistributed needs the `layer` it wraps');
    const inner = layerFromKeras(c.layer as unknown as KerasLayerSpec, `${ctx.where} > wrapped layer`);
    return build('TimeDistributed', c, ctx, { layer: inner });
  },
  DepthwiseConv2D: (c, ctx) => build('DepthwiseConv2D', c, ctx, depthwiseArgs(c, ctx)),
  SeparableConv2D: (c, ctx) => build('SeparableConv2D', c, ctx, {
    ...depthwiseArgs(c, ctx), filters: c.filters, pointwiseInitializer: kerasInitializer(c.pointwise_initializer),
    pointwiseRegularizer: kerasRegularizer(c.pointwise_regularizer, ctx, 'pointwise_regularizer'),
  }),
  // Keras writes max_value null for "no cap"; TF.js 1.x and 4.x write only max_value.
  ReLU: (c, ctx) => build('ReLU', c, ctx, { maxValue: c.max_value ?? undefined, negativeSlope: c.negative_slope ?? undefined, threshold: c.threshold ?? undefined }),
  // Keras 2 and TF.js: alpha; Keras 3: negative_slope.
  LeakyReLU: (c, ctx) => build('LeakyReLU', c, ctx, { alpha: c.alpha ?? c.negative_slope ?? undefined }),
  PReLU: (c, ctx) => build('PReLU', c, ctx, {
    alphaInitializer: kerasInitializer(c.alpha_initializer), alphaRegularizer: kerasRegularizer(c.alpha_regularizer, ctx, 'alpha_regularizer'),
    sharedAxes: c.shared_axes ?? undefined,
  }),
  ELU: (c, ctx) => build('ELU', c, ctx, { alpha: c.alpha ?? undefined }),
  Softmax: (c, ctx) => build('Softmax', c, ctx, { axis: c.axis ?? undefined }),
  ThresholdedReLU: (c, ctx) => build('ThresholdedReLU', c, ctx, { theta: c.theta ?? undefined }),
  ZeroPadding1D: (c, ctx) => build('ZeroPadding1D', c, ctx, { padding: c.padding }),
  ZeroPadding2D: (c, ctx) => build('ZeroPadding2D', c, ctx, { padding: c.padding, dataFormat: c.data_format ?? undefined }, true),
  UpSampling1D: (c, ctx) => build('UpSampling1D', c, ctx, { size: Array.isArray(c.size) && c.size.length === 1 ? c.size[0] : c.size }),
  UpSampling2D: (c, ctx) => build('UpSampling2D', c, ctx, { size: c.size, dataFormat: c.data_format ?? undefined, interpolation: c.interpolation }, true),
  Cropping1D: (c, ctx) => build('Cropping1D', c, ctx, { cropping: c.cropping }),
  Cropping2D: (c, ctx) => build('Cropping2D', c, ctx, { cropping: c.cropping, dataFormat: c.data_format ?? undefined }, true),
  RepeatVector: (c, ctx) => build('RepeatVector', c, ctx, { n: c.n }),
  Permute: (c, ctx) => build('Permute', c, ctx, { dims: c.dims }),
  // A Lambda's function is Python (Keras) or a JavaScript closure: neither is in the file in a form tensornode can run.
  Lambda: (_c, ctx) => fail(ctx, 'a Lambda layer wraps a function that a saved config cannot hold (Keras writes Python bytecode). Rebuild the model in code with tn.layers.Lambda and load the weights of the other layers'),
  GaussianNoise: (c, ctx) => build('GaussianNoise', c, ctx, { stddev: c.stddev, seed: c.seed ?? undefined }),
  GaussianDropout: (c, ctx) => build('GaussianDropout', c, ctx, { rate: c.rate, seed: c.seed ?? undefined }),
  AlphaDropout: (c, ctx) => build('AlphaDropout', c, ctx, { rate: c.rate, noiseShape: c.noise_shape ?? undefined, seed: c.seed ?? undefined }),
  SpatialDropout1D: (c, ctx) => build('SpatialDropout1D', c, ctx, { rate: c.rate, seed: c.seed ?? undefined }),
  SpatialDropout2D: (c, ctx) => build('SpatialDropout2D', c, ctx, { rate: c.rate, dataFormat: c.data_format ?? undefined, seed: c.seed ?? undefined }, true),
  ActivityRegularization: (c, ctx) => build('ActivityRegularization', c, ctx, { l1: c.l1 ?? undefined, l2: c.l2 ?? undefined }),
  GroupNormalization: (c, ctx) => build('GroupNormalization', c, ctx, {
    groups: c.groups, axis: c.axis, epsilon: c.epsilon, center: c.center, scale: c.scale,
    betaInitializer: kerasInitializer(c.beta_initializer), gammaInitializer: kerasInitializer(c.gamma_initializer),
    betaRegularizer: kerasRegularizer(c.beta_regularizer, ctx, 'beta_regularizer'), gammaRegularizer: kerasRegularizer(c.gamma_regularizer, ctx, 'gamma_regularizer'),
  }),
  UnitNormalization: (c, ctx) => build('UnitNormalization', c, ctx, { axis: c.axis }),
  // Preprocessing (Keras 3 writes seed null for "unseeded", width_factor null for "as the height").
  Rescaling: (c, ctx) => build('Rescaling', c, ctx, { scale: c.scale, offset: c.offset ?? undefined }),
  Normalization: (c, ctx) => build('Normalization', c, ctx, { axis: c.axis, mean: c.mean ?? undefined, variance: c.variance ?? undefined, invert: c.invert ?? undefined }),
  Resizing: (c, ctx) => build('Resizing', c, ctx, {
    height: c.height, width: c.width, interpolation: c.interpolation, cropToAspectRatio: c.crop_to_aspect_ratio ?? undefined,
    padToAspectRatio: c.pad_to_aspect_ratio ?? undefined, fillMode: c.fill_mode ?? undefined, fillValue: c.fill_value ?? undefined, dataFormat: c.data_format ?? undefined,
  }, true),
  CenterCrop: (c, ctx) => build('CenterCrop', c, ctx, { height: c.height, width: c.width, dataFormat: c.data_format ?? undefined }, true),
  RandomFlip: (c, ctx) => build('RandomFlip', c, ctx, { mode: c.mode, seed: c.seed ?? undefined, dataFormat: c.data_format ?? undefined }, true),
  RandomRotation: (c, ctx) => build('RandomRotation', c, ctx, { factor: c.factor, ...randomAffineArgs(c) }, true),
  RandomZoom: (c, ctx) => build('RandomZoom', c, ctx, { heightFactor: c.height_factor, widthFactor: c.width_factor ?? undefined, ...randomAffineArgs(c) }, true),
  RandomTranslation: (c, ctx) => build('RandomTranslation', c, ctx, { heightFactor: c.height_factor, widthFactor: c.width_factor, ...randomAffineArgs(c) }, true),
  RandomCrop: (c, ctx) => build('RandomCrop', c, ctx, { height: c.height, width: c.width, seed: c.seed ?? undefined, dataFormat: c.data_format ?? undefined }, true),
  // Keras 3's Identity, colour augmentations, Discretization, 1-D depthwise, 3-D reshaping and RMSNormalization.
  Identity: (c, ctx) => build('Identity', c, ctx),
  RandomContrast: (c, ctx) => build('RandomContrast', c, ctx, { factor: c.factor, valueRange: c.value_range ?? undefined, seed: c.seed ?? undefined, dataFormat: c.data_format ?? undefined }, true),
  RandomBrightness: (c, ctx) => build('RandomBrightness', c, ctx, { factor: c.factor, valueRange: c.value_range ?? undefined, seed: c.seed ?? undefined, dataFormat: c.data_format ?? undefined }, true),
  RandomGrayscale: (c, ctx) => build('RandomGrayscale', c, ctx, { factor: c.factor ?? undefined, seed: c.seed ?? undefined, dataFormat: c.data_format ?? undefined }, true),
  // Keras 3's newer image augmentations (preprocessing-augment.ts).
  Solarization: (c, ctx) => build('Solarization', c, ctx, {
    additionFactor: c.addition_factor ?? undefined, thresholdFactor: c.threshold_factor ?? undefined, valueRange: c.value_range ?? undefined, seed: c.seed ?? undefined, dataFormat: c.data_format ?? undefined,
  }, true),
  RandomInvert: (c, ctx) => build('RandomInvert', c, ctx, { factor: c.factor ?? undefined, valueRange: c.value_range ?? undefined, seed: c.seed ?? undefined, dataFormat: c.data_format ?? undefined }, true),
  AutoContrast: (c, ctx) => build('AutoContrast', c, ctx, { valueRange: c.value_range ?? undefined, dataFormat: c.data_format ?? undefined }, true),
  RandomPosterization: (c, ctx) => build('RandomPosterization', c, ctx, { factor: c.factor, valueRange: c.value_range ?? undefined, seed: c.seed ?? undefined, dataFormat: c.data_format ?? undefined }, true),
  RandomSharpness: (c, ctx) => build('RandomSharpness', c, ctx, { factor: c.factor, valueRange: c.value_range ?? undefined, seed: c.seed ?? undefined, dataFormat: c.data_format ?? undefined }, true),
  RandomSaturation: (c, ctx) => build('RandomSaturation', c, ctx, { factor: c.factor, valueRange: c.value_range ?? undefined, seed: c.seed ?? undefined, dataFormat: c.data_format ?? undefined }, true),
  RandomHue: (c, ctx) => build('RandomHue', c, ctx, { factor: c.factor, valueRange: c.value_range, seed: c.seed ?? undefined, dataFormat: c.data_format ?? undefined }, true),
  RandomColorJitter: (c, ctx) => build('RandomColorJitter', c, ctx, {
    valueRange: c.value_range ?? undefined, brightnessFactor: c.brightness_factor, contrastFactor: c.contrast_factor, saturationFactor: c.saturation_factor,
    hueFactor: c.hue_factor, seed: c.seed ?? undefined, dataFormat: c.data_format ?? undefined,
  }, true),
  RandomGaussianBlur: (c, ctx) => build('RandomGaussianBlur', c, ctx, {
    factor: c.factor ?? undefined, kernelSize: c.kernel_size ?? undefined, sigma: c.sigma ?? undefined, valueRange: c.value_range ?? undefined,
    seed: c.seed ?? undefined, dataFormat: c.data_format ?? undefined,
  }, true),
  RandomErasing: (c, ctx) => build('RandomErasing', c, ctx, {
    factor: c.factor ?? undefined, scale: c.scale ?? undefined, fillValue: c.fill_value ?? null, valueRange: c.value_range ?? undefined,
    seed: c.seed ?? undefined, dataFormat: c.data_format ?? undefined,
  }, true),
  MixUp: (c, ctx) => build('MixUp', c, ctx, { alpha: c.alpha ?? undefined, seed: c.seed ?? undefined, dataFormat: c.data_format ?? undefined }, true),
  CutMix: (c, ctx) => build('CutMix', c, ctx, { factor: c.factor ?? undefined, seed: c.seed ?? undefined, dataFormat: c.data_format ?? undefined }, true),
  Discretization: (c, ctx) => {
    // An adapted layer's config holds both num_bins and the learned bin_boundaries (Keras's from_config sets them after).
    const both = Array.isArray(c.bin_boundaries) && c.num_bins !== undefined && c.num_bins !== null;
    const layer = build('Discretization', c, ctx, {
      binBoundaries: both ? undefined : c.bin_boundaries, numBins: c.num_bins, epsilon: c.epsilon, outputMode: c.output_mode, sparse: c.sparse,
    }) as layerClasses.Discretization;
    if (both) layer.setBinBoundaries(c.bin_boundaries as number[]);
    return layer;
  },
  DepthwiseConv1D: (c, ctx) => build('DepthwiseConv1D', c, ctx, depthwiseArgs(c, ctx)),
  SeparableConv1D: (c, ctx) => build('SeparableConv1D', c, ctx, {
    ...depthwiseArgs(c, ctx), filters: c.filters, pointwiseInitializer: kerasInitializer(c.pointwise_initializer),
    pointwiseRegularizer: kerasRegularizer(c.pointwise_regularizer, ctx, 'pointwise_regularizer'),
  }),
  ZeroPadding3D: (c, ctx) => build('ZeroPadding3D', c, ctx, { padding: c.padding, dataFormat: c.data_format ?? undefined }, true),
  Cropping3D: (c, ctx) => build('Cropping3D', c, ctx, { cropping: c.cropping, dataFormat: c.data_format ?? undefined }, true),
  UpSampling3D: (c, ctx) => build('UpSampling3D', c, ctx, { size: c.size, dataFormat: c.data_format ?? undefined }, true),
  SpatialDropout3D: (c, ctx) => build('SpatialDropout3D', c, ctx, { rate: c.rate, dataFormat: c.data_format ?? undefined, seed: c.seed ?? undefined }, true),
  RMSNormalization: (c, ctx) => build('RMSNormalization', c, ctx, { axis: c.axis, epsilon: c.epsilon }),
  // ConvLSTM1D/2D/3D: a convolution's geometry with an LSTM's weights, gates and loop (TF.js writes ConvLSTM2D too).
  ConvLSTM1D: (c, ctx) => build('ConvLSTM1D', c, ctx, convLstmArgs(c, ctx)),
  ConvLSTM2D: (c, ctx) => build('ConvLSTM2D', c, ctx, convLstmArgs(c, ctx)),
  ConvLSTM3D: (c, ctx) => build('ConvLSTM3D', c, ctx, convLstmArgs(c, ctx)),
  // Audio (lib/layers/preprocessing-audio.ts).
  MelSpectrogram: (c, ctx) => build('MelSpectrogram', c, ctx, {
    fftLength: c.fft_length, sequenceStride: c.sequence_stride, sequenceLength: c.sequence_length, window: c.window, samplingRate: c.sampling_rate,
    numMelBins: c.num_mel_bins, minFreq: c.min_freq, maxFreq: c.max_freq, powerToDb: c.power_to_db, topDb: c.top_db, magExp: c.mag_exp,
    minPower: c.min_power, refPower: c.ref_power,
  }),
  STFTSpectrogram: (c, ctx) => build('STFTSpectrogram', c, ctx, {
    mode: c.mode, frameLength: c.frame_length, frameStep: c.frame_step, fftLength: c.fft_length, window: c.window, periodic: c.periodic,
    scaling: c.scaling, padding: c.padding, expandDims: c.expand_dims, dataFormat: c.data_format ?? undefined,
  }, true),
};
// Keras 3's aliases (keras.layers.MaxPool1D, Convolution2D, ...): the same classes, so a file naming one loads.
for (const [alias, name] of Object.entries({
  MaxPool1D: 'MaxPooling1D', MaxPool2D: 'MaxPooling2D', MaxPool3D: 'MaxPooling3D',
  AvgPool1D: 'AveragePooling1D', AvgPool2D: 'AveragePooling2D', AvgPool3D: 'AveragePooling3D',
  GlobalMaxPool1D: 'GlobalMaxPooling1D', GlobalMaxPool2D: 'GlobalMaxPooling2D', GlobalMaxPool3D: 'GlobalMaxPooling3D',
  GlobalAvgPool1D: 'GlobalAveragePooling1D', GlobalAvgPool2D: 'GlobalAveragePooling2D', GlobalAvgPool3D: 'GlobalAveragePooling3D',
  Convolution1D: 'Conv1D', Convolution2D: 'Conv2D', Convolution3D: 'Conv3D',
  Convolution1DTranspose: 'Conv1DTranspose', Convolution2DTranspose: 'Conv2DTranspose', Convolution3DTranspose: 'Conv3DTranspose',
  SeparableConvolution1D: 'SeparableConv1D', SeparableConvolution2D: 'SeparableConv2D',
})) kerasLayerClasses[alias] = kerasLayerClasses[name];

// ---------------------------------------------------------------------------------------------------------------
// Custom classes

type CustomClass = (new (config: never) => Layer) & { className?: string; fromConfig?: ((cls: any, config: Json) => Layer) | ((config: any) => Layer) };
const customClasses = new Map<string, CustomClass>();

function customName(cls: CustomClass): string {
  const name = Object.hasOwn(cls, 'className') && typeof cls.className === 'string' ? cls.className : cls.name;
  if (!name) throw new Error('registerClass: the class has no name; give it a static `className`');
  return name;
}

/**
 * TF.js's tf.serialization.registerClass: makes a custom Layer subclass loadable under its class name, a custom
 * Loss or Metric subclass rebuildable from the { className, config: getConfig() } that compile()'s arguments
 * serialize to (in a saved model, or on their way to a worker thread), and a custom Constraint or Regularizer
 * subclass rebuildable from the layer config that holds it (constructed with its getConfig()).
 */
export function registerClass<T extends CustomClass>(cls: T): T;
export function registerClass<T extends new (config: never) => Loss | Metric | Constraint | Regularizer>(cls: T): T;
export function registerClass<T extends CustomClass | (new (config: never) => Loss | Metric | Constraint | Regularizer)>(cls: T): T {
  if (typeof cls === 'function' && cls.prototype instanceof Constraint) {
    registerConstraintClass(cls as unknown as new (config: Record<string, unknown>) => Constraint, customName(cls as unknown as CustomClass), Object.hasOwn(cls, 'className'));
    return cls;
  }
  if (typeof cls === 'function' && cls.prototype instanceof Regularizer) {
    registerRegularizerClass(cls as unknown as new (config: Record<string, unknown>) => Regularizer);
    return cls;
  }
  if (typeof cls === 'function' && cls.prototype instanceof Loss) {
    registerLossClass(cls as unknown as new (config: Record<string, unknown>) => Loss);
    return cls;
  }
  if (typeof cls === 'function' && cls.prototype instanceof Metric) {
    registerMetricClass(cls as unknown as new (config: never) => Metric);
    return cls;
  }
  if (typeof cls !== 'function' || !(cls.prototype instanceof Layer)) {
    throw new Error(`registerClass: expected a subclass of tn.Layer, tn.losses.Loss, tn.metrics.Metric, tn.constraints.Constraint or tn.regularizers.Regularizer, received ${typeof cls === 'function' ? cls.name : String(cls)}`);
  }
  customClasses.set(customName(cls as CustomClass), cls as CustomClass);
  return cls;
}

/** The "package>name" each class registered with registerKerasSerializable is saved under. */
const kerasRegisteredNames = new Map<unknown, string>();

/** Keras's register_keras_serializable(package, name): registers under "package>name" and under name. */
export function registerKerasSerializable<T extends CustomClass>(cls: T, options?: { package?: string; name?: string }): T;
export function registerKerasSerializable<T extends (...args: never[]) => unknown>(fn: T, options?: { package?: string; name?: string }): T;
export function registerKerasSerializable<T extends CustomClass>(cls: T, options: { package?: string; name?: string } = {}): T {
  // A plain function (not a class): Keras's decorator on a custom_standardization, saved by its registered name.
  const proto: unknown = cls.prototype;
  const isClass = /^class\b/.test(Function.prototype.toString.call(cls)) || [Layer, Loss, Metric, Constraint, Regularizer].some((c) => proto instanceof c);
  if (typeof cls === 'function' && !isClass) {
    const fnName = options.name ?? cls.name;
    if (!fnName) throw new Error('registerKerasSerializable: an anonymous function needs a name: registerKerasSerializable(fn, { name })');
    registerFunction(cls as unknown as (...args: never[]) => unknown, `${options.package ?? 'Custom'}>${fnName}`);
    return cls;
  }
  registerClass(cls);
  const name = options.name ?? customName(cls);
  customClasses.set(name, cls);
  const registered = `${options.package ?? 'Custom'}>${name}`;
  customClasses.set(registered, cls);
  kerasRegisteredNames.set(cls, registered);
  return cls;
}

/** The registered_name a .keras file gives a custom class: Keras's "package>name" ("Custom>" + its name by default). */
export function kerasRegisteredName(cls: unknown, className: string): string {
  return kerasRegisteredNames.get(cls) ?? `Custom>${className}`;
}

/** A build_config's input_shape: a shape, a list of shapes, or a dict of them, each of null or positive integers. */
function checkBuildShape(shape: unknown, ctx: KerasLayerContext): Shape | Shape[] {
  const one = (s: unknown) => Array.isArray(s) && s.every((d) => d === null || (Number.isInteger(d) && (d as number) > 0 && (d as number) <= 2 ** 24));
  const ok = one(shape) || (Array.isArray(shape) && shape.length > 0 && shape.every(one)) || (isObject(shape) && Object.keys(shape).length > 0 && Object.values(shape).every(one));
  if (!ok) fail(ctx, `build_config.input_shape must be a shape, a list of shapes or an object of shapes (null or positive integers), found ${JSON.stringify(shape)?.slice(0, 200)}`);
  return shape as Shape | Shape[];
}

function buildCustom(cls: CustomClass, c: Json, ctx: KerasLayerContext): Layer {
  const config = defined({ ...(kerasConfigToCamel(c) as Json), ...baseArgs(c, ctx) });
  delete config.batchShape;
  // TF.js's static fromConfig(cls, config), or Keras's from_config(config) written as fromConfig(config).
  const from = cls.fromConfig as ((...a: unknown[]) => Layer) | undefined;
  const layer = typeof from !== 'function' ? new cls(config as never) : from.length === 1 ? from.call(cls, config) : from.call(cls, cls, config);
  if (!(layer instanceof Layer)) fail(ctx, `the registered class ${cls.name} did not build a tn.Layer`);
  return layer;
}

// ---------------------------------------------------------------------------------------------------------------
// Layers and models from Keras JSON

/** One layer (or nested model) from its { class_name, config }. */
export function layerFromKeras(spec: KerasLayerSpec, where = 'model'): Layer {
  if (!isObject(spec) || typeof spec.class_name !== 'string') {
    throw new Error(`${where}: expected a layer as { class_name, config }, found ${JSON.stringify(spec)?.slice(0, 200)}`);
  }
  const className = spec.class_name;
  const c: Json = Array.isArray(spec.config) ? { layers: spec.config } : isObject(spec.config) ? spec.config : {};
  const layerName = typeof c.name === 'string' ? c.name : typeof spec.name === 'string' ? spec.name : '?';
  const ctx: KerasLayerContext = { className, layerName, where };
  const custom = cloning?.get(className) ?? customClasses.get(className) ?? (typeof spec.registered_name === 'string' ? customClasses.get(spec.registered_name) : undefined);
  if (custom) {
    const layer = wrap(ctx, () => buildCustom(custom, c, ctx));
    // A subclassed model is built as Keras builds one from its build_config: its call() run on that input shape.
    if (layer instanceof Model && layer.isSubclassed() && !layer.built) {
      const shape = isObject(spec.build_config) ? spec.build_config.input_shape : undefined;
      if (shape !== undefined && shape !== null) wrap(ctx, () => (layer.build(checkBuildShape(shape, ctx)), layer));
    }
    return layer;
  }
  if (className === 'Sequential') return sequentialFromKeras(c, where);
  if (className === 'Functional' || className === 'Model') return functionalFromKeras(c, where);
  const factory = Object.hasOwn(kerasLayerClasses, className) ? kerasLayerClasses[className] : undefined;
  if (!factory) {
    const custom = spec.registered_name && !String(spec.module ?? '').startsWith('keras') ? ` (registered by the file's author as "${spec.registered_name}")` : '';
    fail(ctx, `unknown layer class "${className}"${custom}. If it is your own layer class, register it before loading with tn.serialization.registerClass(${bareClassName(className)}) or tn.saving.registerKerasSerializable(${bareClassName(className)}). Classes tensornode reads: ${Object.keys(kerasLayerClasses).join(', ')}, Sequential, Functional`);
  }
  const layer = wrap(ctx, () => factory(c, ctx));
  // Every Keras layer takes an activity regularizer (Keras's base Layer does); the factories leave it to this.
  const activity = kerasRegularizer(c.activity_regularizer, ctx, 'activity_regularizer');
  if (activity) layer.activityRegularizer = getRegularizer(activity as RegularizerIdentifier);
  warnDropped(c, ctx, layer);
  return layer;
}

/**
 * Weight constraints act only in training. A constraint the layer took (Dense, Conv, RNN and Embedding take MaxNorm,
 * NonNeg, UnitNorm and MinMaxNorm) is kept; any other is dropped with a warning (the model predicts as saved, but
 * trains without it).
 */
function warnDropped(c: Json, ctx: KerasLayerContext, layer: Layer): void {
  const set = Object.keys(c).filter((k) => k.endsWith('_constraint') && c[k] !== null && c[k] !== undefined);
  if (!set.length) return;
  // A constraint the layer took is kept: its config (which writes constraints only when set) holds it.
  let config: Record<string, unknown> = {};
  try {
    config = layer.getConfig();
  } catch {
    // a layer whose config cannot be read yet: every constraint counts as dropped
  }
  const dropped = set.filter((k) => config[k.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase())] == null);
  if (!dropped.length) return;
  const what = dropped.map((k) => `${k} ${isObject(c[k]) && typeof c[k].class_name === 'string' ? c[k].class_name : JSON.stringify(c[k])}`).join(', ');
  console.warn(`${ctx.where}: layer "${ctx.layerName}" (${ctx.className}): ${what} dropped: tensornode does not apply it there, so the model predicts as saved but trains without it`);
}

/** Constructor errors ("Dense: received an invalid value ...") gain the layer's place in the file. */
function wrap(ctx: KerasLayerContext, f: () => Layer): Layer {
  try {
    return f();
  } catch (err) {
    const msg = (err as Error).message;
    if (msg.startsWith(ctx.where)) throw err;
    throw new Error(`${ctx.where}: layer "${ctx.layerName}" (${ctx.className}): ${msg}`);
  }
}

/** A built model's one input shape (batch axis included), or null. */
function modelInputShape(model: Model): (number | null)[] | null {
  if (model instanceof Sequential) return (model.getConfig().batchInputShape as (number | null)[] | null) ?? null;
  return model.built && model.inputs?.length === 1 ? model.inputs[0].shape.slice() : null;
}

function sequentialFromKeras(c: Json, where: string): Sequential {
  const specs = (Array.isArray(c.layers) ? c.layers : []) as KerasLayerSpec[];
  const model = new Sequential(defined({ name: c.name, trainable: c.trainable }) as never);
  const layers = specs.map((s, i) => layerFromKeras(s, `${where} > layer ${i}`));
  // Keras 3 may record the input shape only in build_input_shape (a Sequential without an InputLayer).
  const buildShape = isObject(c.build_input_shape) ? undefined : c.build_input_shape;
  if (layers.length && !(layers[0] instanceof InputLayer) && !layers[0].batchInputShape && Array.isArray(buildShape)) {
    model.add(new InputLayer({ batchInputShape: buildShape as (number | null)[] }));
  }
  for (const l of layers) model.add(l);
  return model;
}

/** A reference to one output of one call of a layer: [layer name, node index, tensor index]. */
type KerasRef = [string, number, number];
interface KerasCall {
  inputs: KerasRef[];
  listInput: boolean;
  args: CallArgs;
}

function isRef(v: unknown): boolean {
  return Array.isArray(v) && typeof v[0] === 'string' && Number.isInteger(v[1]) && Number.isInteger(v[2]);
}

/** input_layers / output_layers: a list of refs, or (Keras 3, one tensor) a single ref. */
function refList(v: unknown, where: string, what: string): KerasRef[] {
  if (isRef(v)) return [(v as unknown[]).slice(0, 3) as KerasRef];
  if (Array.isArray(v) && v.every(isRef)) return v.map((r) => (r as unknown[]).slice(0, 3) as KerasRef);
  throw new Error(`${where}: cannot read ${what} ${JSON.stringify(v)?.slice(0, 200)}; expected [[layer name, node index, tensor index], ...]`);
}

/** The boolean call arguments a node's kwargs record (training; the attention layers' flags), camelCased. */
const CALL_FLAGS: [string, string][] = [['training', 'training'], ['use_causal_mask', 'useCausalMask'], ['return_attention_scores', 'returnAttentionScores']];

function callArgs(kwargs: unknown): CallArgs {
  if (!isObject(kwargs)) return {};
  const out: Record<string, boolean> = {};
  for (const [key, arg] of CALL_FLAGS) if (typeof kwargs[key] === 'boolean') out[arg] = kwargs[key] as boolean;
  return out as CallArgs;
}

/** A node's call arguments as Keras's kwargs (the inverse of callArgs). */
export function callKwargs(args: CallArgs): Json {
  const a = args as Record<string, unknown>;
  const out: Json = {};
  for (const [key, arg] of CALL_FLAGS) if (typeof a[arg] === 'boolean') out[key] = a[arg];
  return out;
}

/** Keras 3's { args, kwargs } node: the keras tensors among the positional arguments. */
function keras3Call(node: Json, where: string): KerasCall {
  const history = (t: unknown): KerasRef => {
    const h = isObject(t) && isObject(t.config) ? t.config.keras_history : undefined;
    if (!isRef(h)) throw new Error(`${where}: cannot read the inbound node argument ${JSON.stringify(t)?.slice(0, 200)}`);
    return (h as unknown[]).slice(0, 3) as KerasRef;
  };
  const args = Array.isArray(node.args) ? node.args : [];
  const isTensor = (t: unknown) => isObject(t) && t.class_name === '__keras_tensor__';
  // A recurrent layer's initial_state kwarg joins its inputs, as tensornode (and Keras 2) record the call.
  const states = isObject(node.kwargs) && Array.isArray(node.kwargs.initial_state) ? node.kwargs.initial_state : [];
  if (states.length && args.length === 1 && isTensor(args[0]) && states.every(isTensor)) {
    return { inputs: [history(args[0]), ...states.map(history)], listInput: true, args: callArgs(node.kwargs) };
  }
  // MultiHeadAttention(query, value=..., key=...): the tensors passed by keyword follow the positional ones.
  const kwargs = isObject(node.kwargs) ? node.kwargs : {};
  const named = ['query', 'value', 'key'].filter((k) => isTensor(kwargs[k]));
  const otherTensor = Object.keys(kwargs).find((k) => !named.includes(k) && isTensor(kwargs[k]));
  if (otherTensor) throw new Error(`${where}: a layer call passes the tensor \`${otherTensor}\` as a keyword argument, which tensornode cannot rebuild (it records masks only as concrete tensors)`);
  if (named.length) return { inputs: [...args.filter(isTensor), ...named.map((k) => kwargs[k])].map(history), listInput: true, args: callArgs(node.kwargs) };
  if (args.length === 1 && isTensor(args[0])) return { inputs: [history(args[0])], listInput: false, args: callArgs(node.kwargs) };
  if (args.length === 1 && Array.isArray(args[0])) return { inputs: (args[0] as unknown[]).map(history), listInput: true, args: callArgs(node.kwargs) };
  return { inputs: args.filter(isTensor).map(history), listInput: true, args: callArgs(node.kwargs) };
}

function parseCalls(spec: KerasLayerSpec, where: string): KerasCall[] {
  const nodes = spec.inbound_nodes ?? [];
  if (!Array.isArray(nodes)) throw new Error(`${where}: inbound_nodes of layer "${spec.config?.name ?? spec.name}" is not a list`);
  return nodes.map((node): KerasCall => {
    if (isObject(node)) return keras3Call(node, where);
    if (Array.isArray(node) && node.every(isRef)) {
      const inputs = node.map((r) => (r as unknown[]).slice(0, 3) as KerasRef);
      // tf.keras records a call's tensors after the first as keyword refs: mha(q, v) is [[q..., { value: [v...] }]].
      const kwargs = (node[0] as unknown[])?.[3];
      if (node.length === 1 && isObject(kwargs)) {
        const named = ['value', 'key'].filter((k) => isRef(kwargs[k]));
        const other = Object.keys(kwargs).find((k) => !named.includes(k) && isRef(kwargs[k]));
        if (other) throw new Error(`${where}: layer "${spec.config?.name ?? spec.name}" is called with the tensor \`${other}\` as a keyword argument, which tensornode cannot rebuild (it records masks only as concrete tensors)`);
        if (named.length) return { inputs: [...inputs, ...named.map((k) => (kwargs[k] as unknown[]).slice(0, 3) as KerasRef)], listInput: true, args: callArgs(kwargs) };
      }
      return { inputs, listInput: inputs.length > 1, args: callArgs(kwargs) };
    }
    throw new Error(`${where}: cannot read the inbound node ${JSON.stringify(node)?.slice(0, 200)} of layer "${spec.config?.name ?? spec.name}"`);
  });
}

function functionalFromKeras(c: Json, where: string): Model {
  const specs = (Array.isArray(c.layers) ? c.layers : []) as KerasLayerSpec[];
  const layers = new Map<string, Layer>();
  const pending = new Map<string, KerasCall[]>();
  specs.forEach((spec, i) => {
    const layer = layerFromKeras(spec, `${where} > layer ${i}`);
    const name = typeof spec.name === 'string' ? spec.name : layer.name;
    if (layers.has(name)) throw new Error(`${where}: two layers are named "${name}"`);
    layers.set(name, layer);
    pending.set(name, parseCalls(spec, where));
  });
  // Keras 2 and TF.js count a nested model's own input->output node as node 0, so its first call in the outer
  // graph is node 1; Keras 3 counts from 0 for Sequential. Tell them apart by the highest index referenced.
  const offset = new Map<string, number>();
  const allRefs = [...pending.values()].flatMap((calls) => calls.flatMap((k) => k.inputs)).concat(refList(c.output_layers, where, 'output_layers'));
  for (const [name, layer] of layers) {
    if (!(layer instanceof Model)) continue;
    const calls = pending.get(name)!.length;
    offset.set(name, allRefs.some((r) => r[0] === name && r[1] === calls) ? 1 : 0);
  }
  const produced = new Map<string, SymbolicTensor[][]>();
  for (const [name, layer] of layers) if (layer instanceof InputLayer) produced.set(name, [[layer.output]]);
  const resolve = (r: KerasRef): SymbolicTensor | undefined => produced.get(r[0])?.[r[1] - (offset.get(r[0]) ?? 0)]?.[r[2]];

  // A shared layer's later calls may need layers listed after it: replay calls until none is left (Keras does the same).
  let left = [...pending.values()].reduce((n, calls) => n + calls.length, 0);
  while (left > 0) {
    let progress = false;
    for (const [name, calls] of pending) {
      const layer = layers.get(name)!;
      while (calls.length) {
        const ins = calls[0].inputs.map(resolve);
        if (ins.some((t) => t === undefined)) break;
        const call = calls.shift()!;
        const out = layer.apply(call.listInput ? (ins as SymbolicTensor[]) : ins[0]!, call.args) as unknown as SymbolicTensor | SymbolicTensor[];
        produced.set(name, [...(produced.get(name) ?? []), Array.isArray(out) ? out : [out]]);
        left--;
        progress = true;
      }
    }
    if (!progress) {
      const stuck = [...pending].filter(([, calls]) => calls.length).map(([n, calls]) => `"${n}" (needs ${JSON.stringify(calls[0].inputs)})`);
      throw new Error(`${where}: the graph cannot be rebuilt; these layer calls refer to tensors that no layer produces: ${stuck.join(', ')}`);
    }
  }
  const lookup = (r: KerasRef, what: string): SymbolicTensor => {
    const t = resolve(r);
    if (!t) throw new Error(`${where}: ${what} refers to ${JSON.stringify(r)}, which no layer call produces`);
    return t;
  };
  const inputs = refList(c.input_layers, where, 'input_layers').map((r) => lookup(r, 'input_layers'));
  const outputs = refList(c.output_layers, where, 'output_layers').map((r) => lookup(r, 'output_layers'));
  return new Model(defined({ name: c.name, trainable: c.trainable, inputs: inputs.length === 1 ? inputs[0] : inputs, outputs: outputs.length === 1 ? outputs[0] : outputs }) as never);
}

export interface KerasReadOptions {
  /**
   * The Keras version that wrote the config ("2.13.1", "3.8.0", "tfjs-layers 4.22.0"); by default the topology's
   * keras_version. Keras 3 configs read 'hard_sigmoid' as Keras 3 defines it, all others as Keras 2 and TF.js do.
   */
  kerasVersion?: string;
}

/** A whole modelTopology: Keras's { keras_version, model_config } wrapper or a bare { class_name, config }. */
export function modelFromKeras(topology: unknown, where = 'modelTopology', options: KerasReadOptions = {}): Model {
  if (!isObject(topology)) throw new Error(`${where}: expected an object, found ${JSON.stringify(topology)?.slice(0, 200)}`);
  const version = options.kerasVersion ?? (typeof topology.keras_version === 'string' ? topology.keras_version : '');
  const before = legacyHardSigmoid;
  legacyHardSigmoid = !/^3\./.test(version);
  try {
    return modelFromKerasSpec(topology, where);
  } finally {
    legacyHardSigmoid = before;
  }
}

function modelFromKerasSpec(topology: Json, where: string): Model {
  const spec = (isObject(topology.model_config) ? topology.model_config : topology) as unknown as KerasLayerSpec;
  if (typeof spec.class_name !== 'string') {
    throw new Error(`${where}: has no class_name; expected a Keras model config ({ class_name: 'Sequential' | 'Functional' | 'Model', config })`);
  }
  const model = layerFromKeras(spec, where);
  if (!(model instanceof Model)) throw new Error(`${where}: holds a ${spec.class_name}, not a model`);
  return model;
}

// ---------------------------------------------------------------------------------------------------------------
// Weights -> layers, by name (shared by every Keras-family format)

/** Path components of a manifest name, without `:0` and without recurrent cell scopes (lstm_cell, gru_cell_3). */
function components(name: string): string[] {
  return name.replace(/:\d+$/, '').split('/').filter((c) => c && !/^(lstm|gru|simple_rnn|conv_lstm)_cell(_\d+)?$/.test(c));
}

interface Leaf {
  variable: Variable;
  layerName: string;
  /** The variable's path as Keras and TF.js name it under its layer (`dense_1/kernel`; TimeDistributed's `kernel`). */
  path: string;
  /** Other paths files use for it: Keras 3 names DepthwiseConv2D's and DepthwiseConv1D's depthwise_kernel `kernel`. */
  aliases: string[];
  /** Names of the models around the layer, outermost first. */
  scopes: string[];
}

/**
 * The variable's path as files name it: its own name, except that TimeDistributed's wrapped layer creates its
 * weights in the wrapper's scope (TF.js and Keras 2 write time_distributed/kernel, not time_distributed/dense/kernel).
 */
export function kerasWeightPath(layer: Layer, v: Variable): string {
  if (layer instanceof layerClasses.TimeDistributed && v.name.startsWith(`${layer.layer.name}/`)) return v.name.slice(layer.layer.name.length + 1);
  return v.name;
}

function leaves(model: Model, scopes: string[] = []): Leaf[] {
  const out: Leaf[] = [];
  for (const layer of model.layers) {
    if (layer instanceof Model) out.push(...leaves(layer, [...scopes, model.name]));
    else {
      for (const variable of layer.weights) {
        const path = kerasWeightPath(layer, variable);
        const aliases = (layer instanceof layerClasses.DepthwiseConv2D || layer instanceof layerClasses.DepthwiseConv1D) && path.endsWith('depthwise_kernel') ? [path.replace(/depthwise_kernel$/, 'kernel')] : [];
        out.push({ variable, layerName: layer.name, path, aliases, scopes: [...scopes, model.name] });
      }
    }
  }
  return out;
}

/** A weight as a file holds it: its (possibly scoped) name, shape and values. */
export interface NamedWeight {
  name: string;
  shape: number[];
  values: Float32Array | Int32Array;
}

/**
 * Sets every weight of the model from `weights`, matched by name rather than position: the file's name must end
 * with the variable's own path (`dense_3/kernel`, a wrapper's `forward_lstm/kernel`) and contain the layer's name;
 * scopes (`sequential_1/`), recurrent cell scopes (`lstm_cell/`) and `:0` suffixes are ignored. Every model weight
 * must be found with its shape and every file weight used. Returns file name -> variable (for optimizer slots).
 */
export function assignWeightsByName(model: Model, weights: NamedWeight[], where: string): Map<string, Variable> {
  const entries = weights.map((w) => ({ w, parts: components(w.name), used: false }));
  const byVariable = new Map<string, Variable>();
  for (const leaf of leaves(model)) {
    const v = leaf.variable;
    const want = leaf.path.split('/');
    if (want[0] !== leaf.layerName) want.unshift(leaf.layerName);
    // The variable's own path (layer/.../kernel) must end the file's name; the layer's name may sit deeper
    // (a wrapper's forward_lstm/kernel under bidirectional/).
    const fits = (own: string[]) => entries.filter((e) => !e.used && e.parts.length >= own.length && own.every((p, i) => e.parts[e.parts.length - own.length + i] === p)
      && e.parts.includes(leaf.layerName));
    let candidates = fits(leaf.path.split('/'));
    for (const alias of leaf.aliases) if (!candidates.length) candidates = fits(alias.split('/'));
    if (!candidates.length) {
      const sample = entries.filter((e) => !e.used).slice(0, 12).map((e) => e.w.name);
      throw new Error(`${where}: the file has no weight for ${v.name} of layer "${leaf.layerName}" (shape [${v.shape.join(',')}]). Unmatched weights in the file: ${sample.join(', ') || 'none'}`);
    }
    // Between names that all fit, the one whose scopes name the enclosing models wins, then manifest order.
    const score = (e: (typeof entries)[number]) => leaf.scopes.filter((s) => e.parts.includes(s)).length - Math.abs(e.parts.length - want.length) * 0.01;
    const best = candidates.reduce((a, b) => (score(b) > score(a) ? b : a));
    const spec = best.w;
    const values = spec.values;
    if (spec.shape.length !== v.shape.length || spec.shape.some((d, i) => d !== v.shape[i])) {
      throw new Error(`${where}: weight "${spec.name}" in the file has shape [${spec.shape.join(',')}], but ${v.name} of layer "${leaf.layerName}" has shape [${v.shape.join(',')}]`);
    }
    best.used = true;
    v.assign(tensor(values, spec.shape, v.dtype));
    byVariable.set(spec.name, v);
  }
  const left = entries.filter((e) => !e.used);
  if (left.length) throw new Error(`${where}: the file has weights that no layer of the model uses: ${left.map((e) => e.w.name).slice(0, 12).join(', ')}`);
  return byVariable;
}

// ---------------------------------------------------------------------------------------------------------------
// tensornode -> Keras JSON (Keras 2 / tfjs-layers spelling)

/** The class names tensornode writes for its layers; what TF.js and Keras read back. */
function writableClass(layer: Layer): string {
  const cls = layer.className;
  if (Object.hasOwn(kerasLayerClasses, cls) && (layerClasses as unknown as Record<string, unknown>)[cls] === layer.constructor) return cls;
  const custom = [...customClasses].find(([, c]) => c === layer.constructor);
  if (custom) return customName(custom[1]);
  if (cloning) return cloneName(layer.constructor as CustomClass);
  throw new Error(`save: layer "${layer.name}" is a ${layer.constructor.name}, which cannot be saved as a config. Register the class with tn.serialization.registerClass(${layer.constructor.name}), or save its weights with getWeights() and rebuild the model in code.`);
}

/** One layer's config in Keras's snake_case (initializers and regularizers as { class_name, config }). */
export function layerToKeras(layer: Layer): KerasLayerSpec {
  if (layer instanceof Sequential) return sequentialToKeras(layer);
  if (layer instanceof Model && layer.isSubclassed()) return subclassedToKeras(layer);
  if (layer instanceof Model) return { class_name: 'Model', config: functionalToKeras(layer) };
  const className = writableClass(layer);
  const config = layer.getConfig();
  // A custom activation function has no name that loading could resolve.
  for (const key of ['activation', 'recurrentActivation']) {
    if (typeof config[key] !== 'string') continue;
    try {
      getActivation(config[key] as string);
    } catch {
      throw new Error(`save: layer "${layer.name}" uses a custom activation function (${config[key]}), which cannot be saved by name`);
    }
  }
  const out = camelConfigToKeras(config) as Json;
  // A wrapper's inner layer config sits one level down. A clone reads the names back as they are.
  for (const c of cloning ? [] : [out, isObject(out.layer) && isObject(out.layer.config) ? out.layer.config : {}]) {
    for (const key of ['activation', 'recurrent_activation']) {
      if (c[key] === 'hard_sigmoid_legacy') c[key] = 'hard_sigmoid';
      else if (c[key] === 'hard_sigmoid') {
        throw new Error(`save: layer "${layer.name}" uses Keras 3's hard_sigmoid (relu6(x + 3) / 6), which TF.js's format cannot express: there 'hard_sigmoid' means clip(0.2 x + 0.5, 0, 1). Use 'hard_sigmoid_legacy' (that function) or 'sigmoid'`);
      }
    }
  }
  // TimeDistributed's wrapped layer is written as a layer of its own (any class, with the same checks).
  if (layer instanceof layerClasses.TimeDistributed) out.layer = layerToKeras(layer.layer);
  if (out.dtype === undefined) out.dtype = 'float32';
  return { class_name: className, config: out };
}

/**
 * A subclassed model as Keras 3 saves one: its registered class, its getConfig() (what its constructor takes back)
 * and build_config, the input shape it was first called or built on, which loading builds it on.
 */
function subclassedToKeras(model: Model): KerasLayerSpec {
  if (cloning) {
    // Keras 3's clone_model: the model's class from its config, built as the original was, if it was.
    const spec: KerasLayerSpec = { class_name: writableClass(model), config: camelConfigToKeras(model.getConfig()) as Json };
    if (model.buildInputShape) spec.build_config = { input_shape: model.buildInputShape as unknown as Json };
    return spec;
  }
  if (![...customClasses.values()].includes(model.constructor as CustomClass)) {
    throw new Error(`save: model "${model.name}" is a subclassed Model (${model.constructor.name}) whose class is not registered, so a file could not rebuild it. Register it with tn.serialization.registerClass(${model.constructor.name}) (give it a getConfig() returning its constructor's arguments, as Keras's get_config), or save its weights with model.saveWeights('weights.weights.h5') and load them into a model built in code with loadWeights.`);
  }
  if (!model.buildInputShape) throw new Error(`save: model "${model.name}" has not been called or built yet, so its weights do not exist; call it on data (fit, predict) or model.build(inputShape) first`);
  return {
    class_name: writableClass(model),
    config: camelConfigToKeras(model.getConfig()) as Json,
    build_config: { input_shape: model.buildInputShape as unknown as Json },
  };
}

function sequentialToKeras(model: Sequential): KerasLayerSpec {
  const layers = model.layers.map(layerToKeras);
  // The input shape rides on the first layer, as Keras 2 and TF.js write it; TF.js then builds the model on load.
  const shape = modelInputShape(model);
  if (layers.length && shape && !(model.layers[0] instanceof Model)) layers[0].config.batch_input_shape = shape.slice();
  return { class_name: 'Sequential', config: { name: model.name, layers } };
}

function functionalToKeras(model: Model): Json {
  const { inputs, outputs, nodes } = model.graph();
  if (!nodes.length && !inputs.length) {
    throw new Error(`save: model "${model.name}" is a subclassed Model; only Sequential and functional models can be saved whole. Save its weights with model.saveWeights('weights.weights.h5') (or a folder), and load them into a model built in code with loadWeights.`);
  }
  const inputNodes = inputs.map((t) => t.node);
  // A layer's k-th call in this graph is its node k; a nested model's own input->output node is node 0 in Keras 2 and
  // TF.js, so its calls count from 1.
  const index = new Map<LayerNode, number>();
  const calls = new Map<Layer, number>();
  for (const node of [...inputNodes, ...nodes]) {
    const k = calls.get(node.layer) ?? (node.layer instanceof Model ? 1 : 0);
    index.set(node, k);
    calls.set(node.layer, k + 1);
  }
  const ref = (t: SymbolicTensor): KerasRef => [t.node.layer.name, index.get(t.node)!, t.index];
  const order: Layer[] = [];
  for (const node of [...inputNodes, ...nodes]) if (!order.includes(node.layer)) order.push(node.layer);
  const names = new Set<string>();
  const layers = order.map((layer) => {
    if (names.has(layer.name)) throw new Error(`save: model "${model.name}" has two layers named "${layer.name}"; layer names must be unique to save it`);
    names.add(layer.name);
    const spec = layer instanceof InputLayer
      ? { class_name: 'InputLayer', config: { batch_input_shape: layer.batchInputShape, dtype: layer.dtype, sparse: false, name: layer.name } }
      : layerToKeras(layer);
    const inbound = nodes.filter((n) => n.layer === layer).map((n) => n.inputs.map((t) => [...ref(t), callKwargs(n.args)]));
    return { name: layer.name, class_name: spec.class_name, config: spec.config, inbound_nodes: inbound };
  });
  return { name: model.name, layers, input_layers: inputs.map(ref), output_layers: outputs.map(ref) };
}

/** A model's architecture as TF.js's `modelTopology` (and Keras 2's model_config with its wrapper). */
export function modelToKeras(model: Model): { class_name: string; config: Json; build_config?: Json } {
  const spec = layerToKeras(model);
  return { class_name: spec.class_name, config: spec.config, ...(spec.build_config ? { build_config: spec.build_config } : {}) };
}
