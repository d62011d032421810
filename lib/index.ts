// tensornode: the public surface.
export { Tensor, Variable, tensor, scalar, zeros, ones, fill, zerosLike, onesLike, range, linspace, eye,
  randomNormal, randomUniform, truncatedNormal, variable, isStringTensor, tensor1d, tensor2d, tensor3d, tensor4d, tensor5d,
  tensor6d } from './tensor.js';
/** TF.js's tidy, dispose, keep, ready, getBackend and setBackend, so that ported code runs (they free nothing). */
export { tidy, dispose, keep, ready, getBackend, setBackend } from './tfjs/index.js';
/** TF.js's nextFrame, enableProdMode, disposeVariables (no-ops), version, print and time, for ported code. */
export { nextFrame, enableProdMode, disposeVariables, version, print, time } from './tfjs/index.js';
export type { TimingInfo } from './tfjs/index.js';
/** TF.js's names for ops tn.ops has under Keras's (acos, isFinite, ...), and TF.js's divNoNan, step, addN, bincount, ... */
export {
  acos, acosh, asin, asinh, atan, atan2, atanh, cosh, sinh, tan, isFinite, isInf, logSigmoid, logicalXor, divNoNan,
  euclideanNorm, step, addN, randomUniformInt, searchSorted, lowerBound, upperBound, bincount, meshgrid, slice1d, slice2d,
  slice3d, slice4d, reverse1d, reverse2d, reverse3d, reverse4d, concat1d, concat2d, concat3d, concat4d, pad1d, pad2d, pad3d,
  pad4d, customGrad, denseBincount, gatherND, scatterND, tensorScatterUpdate,
} from './tfjs/ops.js';
/** TF.js's batchNorm, batchNorm2d..4d, separableConv2d, prelu, localResponseNormalization, movingAverage and inTopKAsync. */
export { batchNorm, batchNorm2d, batchNorm3d, batchNorm4d, separableConv2d, prelu, localResponseNormalization, movingAverage, inTopKAsync } from './tfjs/nn-ops.js';
/** TF.js's stridedSlice, unique, whereAsync, booleanMaskAsync, setdiff1dAsync, mirrorPad, depthToSpace, spaceToBatchND, batchToSpaceND, diag, ensureShape. */
export { stridedSlice, unique, whereAsync, booleanMaskAsync, setdiff1dAsync, mirrorPad, depthToSpace, spaceToBatchND, batchToSpaceND, diag, ensureShape } from './tfjs/array-ops.js';
/** TF.js's pool (dilated max / average pooling), maxPoolWithArgmax and dilation2d. */
export { pool, maxPoolWithArgmax, dilation2d } from './tfjs/pool-ops.js';
/** TF.js's basicLSTMCell, multiRNNCell, sparseToDense, randomGamma, rand, broadcastArgs, bitwiseAnd, enclosingPowerOfTwo, cosineWindow. */
export { basicLSTMCell, multiRNNCell, sparseToDense, randomGamma, rand, broadcastArgs, bitwiseAnd, enclosingPowerOfTwo, cosineWindow } from './tfjs/misc-ops.js';
/** TF.js's tf.util (shuffle, createShuffledIndices, assert, sizeFromShape, ...); Keras's keras.utils is tn.utils. */
export * as util from './tfjs/util.js';
/** TF.js's tf.image: resizeBilinear and resizeNearestNeighbor with TF.js's sampling flags, flipLeftRight, rgbToGrayscale, grayscaleToRGB, the nonMaxSuppression variants, cropAndResize, transform, rotateWithOffset and threshold. */
export * as image from './tfjs/image.js';
/** TF.js's tf.linalg: bandPart, gramSchmidt and qr (Keras 3's solvers, inv, solve, cholesky, ..., are in tn.ops). */
export * as linalg from './tfjs/linalg.js';
/** TF.js's tf.sparse: sparseFillEmptyRows, sparseReshape, sparseSegmentSum, sparseSegmentMean. */
export * as sparse from './tfjs/sparse.js';
/** TF.js's tf.string on string tensors: stringToHashBucketFast, staticRegexReplace, stringSplit, stringNGrams. */
export * as string from './tfjs/string.js';
/** TF.js's tf.math: confusionMatrix. */
export * as math from './tfjs/math.js';
/** tfjs-node's tf.node: tensorBoard(logdir) for fit's callbacks and summaryFileWriter(logdir) for a custom loop. */
export * as node from './tfjs/node.js';
export type { DType, DataArray, NestedArray, NestedStringArray, TensorLike } from './tensor.js';
// TF.js's rank-named tensor types, for annotated code ported from TF.js: one Tensor class here, so each is Tensor.
export type { Tensor as Scalar, Tensor as Tensor1D, Tensor as Tensor2D, Tensor as Tensor3D, Tensor as Tensor4D, Tensor as Tensor5D, Tensor as Tensor6D } from './tensor.js';
export type { Logs } from './callbacks/callback.js';
export { setSeed, setDeterministic, isDeterministic } from './random.js';
export { backendInfo, setNumThreads, memory } from './backend.js';
export type { BackendInfo, MemoryInfo } from './backend.js';
export { noGrad } from './autograd/tape.js';
export { grad, grads, valueAndGrad, valueAndGrads, variableGrads, gradients } from './autograd/grad.js';
export * from './ops/index.js';
/** Keras 3's keras.ops in camelCase (tn.ops.expandDims, tn.ops.takeAlongAxis, ...): README, keras.ops. */
export * as ops from './ops/keras-ops.js';
/** Keras 3's keras.random: normal, uniform, truncatedNormal, randint, categorical, dropout, shuffle and SeedGenerator. */
export * as random from './keras-random.js';
// keras.Input is the same function as tn.input (Keras spells it with a capital; keras.layers.Input too).
export { clearSession, input, input as Input } from './layers/layer.js';
export { Layer, InputLayer, SymbolicTensor, InputSpec } from './layers/layer.js';
export * as layers from './layers/index.js';
// The classes tn.layers exports have their constructor options checked at their first call (Layer.checkOptions).
import * as layerClasses from './layers/index.js';
import { registerBuiltinLayerClasses } from './layers/layer.js';
registerBuiltinLayerClasses(Object.values(layerClasses));
export { Model } from './models/model.js';
/** TF.js's class name for a layers model: `model instanceof tn.LayersModel` holds for every Model and Sequential. */
export { Model as LayersModel } from './models/model.js';
export type { FitArgs as ModelFitArgs, EvaluateArgs as ModelEvaluateArgs, StepData, StepLogs } from './models/model.js';
export type { CompileArgs, FitArgs, FitWorkerOptions, EvaluateArgs, PredictArgs, WorkerArgs, ModelArgs, FitDatasetArgs, EvaluateDatasetArgs, PredictDatasetArgs } from './models/model.js';
export { Sequential } from './models/sequential.js';
export type { SequentialArgs } from './models/sequential.js';
export * as models from './models/index.js';
/** Loads a layers model (TF.js's name: tn.loadLayersModel('file://dir/model.json'), or an IO handler). */
export { loadModel, loadModel as loadLayersModel } from './models/saving.js';
export type { LoadOptions } from './models/saving.js';
export * as io from './io/index.js';
/** TF.js's tf.serialization.registerClass and Keras's keras.saving.register_keras_serializable for custom layers. */
export * as serialization from './io/serialization.js';
export * as saving from './io/serialization.js';
export * as losses from './losses.js';
export * as metrics from './metrics.js';
export * as optimizers from './optimizers/index.js';
/** TF.js's tf.Optimizer: the optimizers' base class (tn.optimizers.Optimizer). */
export { Optimizer } from './optimizers/index.js';
/** TF.js's tf.train.adam(0.001), tf.train.sgd(0.1), ...: the optimizer factories under TF.js's name. */
export * as train from './optimizers/index.js';
export * as callbacks from './callbacks/index.js';
export * as mixedPrecision from './mixed-precision.js';
export { Callback, LambdaCallback, CustomCallback, History, EarlyStopping, ReduceLROnPlateau, LearningRateScheduler, TerminateOnNaN, CSVLogger, ModelCheckpoint, BackupAndRestore } from './callbacks/index.js';
export * as initializers from './initializers.js';
export * as regularizers from './regularizers.js';
export * as constraints from './constraints.js';
export * as activations from './activations.js';
export * as datasets from './datasets/index.js';
/** Datasets: tn.data.array / zip / generator / fromAsyncIterable / csv, with map, batch, shuffle, prefetch, ... */
export * as data from './data/index.js';
/** Keras's keras.utils: plotModel (plot_model), plotHistory for fit()'s curves, imageDatasetFromDirectory, textDatasetFromDirectory. */
export * as utils from './utils/index.js';
/** TF.js's tf.signal (frame, hannWindow, hammingWindow, stft) with rfft and linearToMelWeightMatrix; spectra as [real, imag]. */
export * as signal from './ops/signal.js';
/** TensorFlow's tf.audio: decodeWav / encodeWav (WAV files as float32 [samples, channels]) and resample (tfio's). */
export * as audio from './audio/index.js';
/** ONNX export: await tn.onnx.exportModel(model, 'model.onnx') (and the bytes, as a Uint8Array). */
export * as onnx from './io/onnx.js';
/** A serving pool: worker threads that batch concurrent predict() calls (tn.serving.createPool(model, options)). */
export * as serving from './serving/index.js';
/** Data-parallel training over MPI, Horovod's API: const hvd = tn.distributed; hvd.init(); ... (README: Past one machine). */
export * as distributed from './distributed/index.js';
/** Post-training int8: tn.quantization.quantizeModel(model, { calibrationData }) (README: Post-training quantization). */
export * as quantization from './quantization/index.js';

import { Model as ModelClass, type ModelArgs as ModelArgsType } from './models/model.js';
import { Sequential as SequentialClass, type SequentialArgs as SequentialArgsType } from './models/sequential.js';
/** TF.js's tf.sequential({ layers }). */
export const sequential = (args: SequentialArgsType = {}) => new SequentialClass(args);
/** TF.js's tf.model({ inputs, outputs }). */
export const model = (args: ModelArgsType) => new ModelClass(args);
