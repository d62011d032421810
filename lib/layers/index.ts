// Layer classes (Keras names) and TF.js-style factory functions (tn.layers.dense({ units: 10 })).
import { Activation, Dense, Dropout, Flatten, Reshape, type DenseArgs, type DropoutArgs, type ReshapeArgs } from './core.js';
import { Conv1D, Conv2D, type Conv1DArgs, type Conv2DArgs } from './convolutional.js';
import { InputLayer, type Layer, type LayerArgs, type Shape, type SymbolicTensor } from './layer.js';
import type { Tensor } from '../tensor.js';
import { Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, type DotArgs } from './merge.js';
import { AdditiveAttention, Attention, MultiHeadAttention, type AttentionArgs, type AttentionCallArgs, type MultiHeadAttentionArgs, type MultiHeadAttentionCallArgs } from './attention.js';
import { BatchNormalization, LayerNormalization, type BatchNormalizationArgs, type LayerNormalizationArgs } from './normalization.js';
import { Embedding, type EmbeddingArgs } from './embedding.js';
import { GRU, GRUCell, LSTM, LSTMCell, RNN, SimpleRNN, SimpleRNNCell, StackedRNNCells, type Cell, type GRUArgs, type LSTMArgs, type RNNArgs, type RNNCellArgs, type RNNLayerArgs, type StackedRNNCellsArgs, type UserCell } from './recurrent.js';
import { Masking, type MaskingArgs } from './masking.js';
import { Bidirectional, type BidirectionalArgs } from './wrappers.js';
import { AveragePooling1D, AveragePooling2D, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D, MaxPooling1D, MaxPooling2D, type GlobalPooling2DArgs, type Pooling1DArgs, type Pooling2DArgs } from './pooling.js';
import { DepthwiseConv2D, SeparableConv2D, type DepthwiseConv2DArgs, type SeparableConv2DArgs } from './convolutional.js';
import { ELU, LeakyReLU, PReLU, ReLU, Softmax, ThresholdedReLU, type ELUArgs, type LeakyReLUArgs, type PReLUArgs, type ReLUArgs, type SoftmaxArgs, type ThresholdedReLUArgs } from './activation.js';
import { Cropping1D, Cropping2D, Lambda, Permute, RepeatVector, UpSampling1D, UpSampling2D, ZeroPadding1D, ZeroPadding2D, type Cropping1DArgs, type Cropping2DArgs, type LambdaArgs, type LambdaFunction, type PermuteArgs, type RepeatVectorArgs, type UpSampling1DArgs, type UpSampling2DArgs, type ZeroPadding1DArgs, type ZeroPadding2DArgs } from './reshaping.js';
import { ActivityRegularization, AlphaDropout, GaussianDropout, GaussianNoise, SpatialDropout1D, SpatialDropout2D, type ActivityRegularizationArgs, type AlphaDropoutArgs, type GaussianDropoutArgs, type GaussianNoiseArgs, type SpatialDropout1DArgs, type SpatialDropout2DArgs } from './noise.js';
import { GroupNormalization, UnitNormalization, type GroupNormalizationArgs, type UnitNormalizationArgs } from './normalization.js';
import { TimeDistributed, type TimeDistributedArgs } from './wrappers.js';
import { CategoryEncoding, Hashing, IntegerLookup, StringLookup, TextVectorization, type CategoryEncodingArgs, type HashingArgs, type LookupArgs, type TextVectorizationArgs } from './preprocessing-text.js';
import type { ActivationIdentifier } from '../activations.js';

export { Layer, InputLayer, SymbolicTensor, clearSession, input as Input } from './layer.js';
export type { LayerArgs, CallArgs, Mask, Shape, InputSpec, InputSpecArgs, WeightOptions, LayerInput, LayerOutput } from './layer.js';
export { RNN, SimpleRNNCell, LSTMCell, GRUCell, StackedRNNCells, Masking };
// The base of the recurrent layers: a type only (no Keras class of that name exists).
export type { RNNBase } from './recurrent.js';
/** TF.js's tf.layers.RNNCell, the base of the built-in cells and of a cell ported from TF.js (stateSize, build, call([input, ...states])). */
export { RNNCell } from './recurrent.js';
export type { RNNLayerArgs, RNNCellArgs, StackedRNNCellsArgs, Cell, UserCell, MaskingArgs };
export { Activation, Dense, Dropout, Flatten, Reshape, Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D };
export { BatchNormalization, LayerNormalization, Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate };
export { Embedding, SimpleRNN, LSTM, GRU, Bidirectional, Conv1D, MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D };
export type { EmbeddingArgs, RNNArgs, LSTMArgs, GRUArgs, BidirectionalArgs, Conv1DArgs, Pooling1DArgs };
export { DepthwiseConv2D, SeparableConv2D, ReLU, LeakyReLU, PReLU, ELU, Softmax, ThresholdedReLU, ZeroPadding1D, ZeroPadding2D };
export type { DepthwiseConv2DArgs, SeparableConv2DArgs, ReLUArgs, LeakyReLUArgs, PReLUArgs, ELUArgs, SoftmaxArgs, ThresholdedReLUArgs, ZeroPadding1DArgs, ZeroPadding2DArgs };
export { UpSampling1D, UpSampling2D, Cropping1D, Cropping2D, RepeatVector, Permute, TimeDistributed, Lambda };
export type { UpSampling1DArgs, UpSampling2DArgs, Cropping1DArgs, Cropping2DArgs, RepeatVectorArgs, PermuteArgs, TimeDistributedArgs, LambdaArgs, LambdaFunction };
export { GaussianNoise, GaussianDropout, AlphaDropout, SpatialDropout1D, SpatialDropout2D, ActivityRegularization, GroupNormalization, UnitNormalization };
export type { GaussianNoiseArgs, GaussianDropoutArgs, AlphaDropoutArgs, SpatialDropout1DArgs, SpatialDropout2DArgs, ActivityRegularizationArgs, GroupNormalizationArgs, UnitNormalizationArgs };
export { Dot, Attention, AdditiveAttention, MultiHeadAttention };
export { CategoryEncoding, Hashing, IntegerLookup, StringLookup, TextVectorization };
export type { CategoryEncodingArgs, HashingArgs, LookupArgs, TextVectorizationArgs };
export type { DotArgs, AttentionArgs, AttentionCallArgs, MultiHeadAttentionArgs, MultiHeadAttentionCallArgs };
export type { DenseArgs, DropoutArgs, ReshapeArgs, Conv2DArgs, Pooling2DArgs, GlobalPooling2DArgs, BatchNormalizationArgs, LayerNormalizationArgs };

// The TF.js factories type the options a layer cannot do without as required, as TF.js does.
export const dense = (args: DenseArgs & { units: number }) => new Dense(args);
export const conv2d = (args: Conv2DArgs & { filters: number; kernelSize: number | [number, number] }) => new Conv2D(args);
export const maxPooling2d = (args: Pooling2DArgs = {}) => new MaxPooling2D(args);
export const averagePooling2d = (args: Pooling2DArgs = {}) => new AveragePooling2D(args);
export const globalAveragePooling2d = (args: GlobalPooling2DArgs = {}) => new GlobalAveragePooling2D(args);
export const globalMaxPooling2d = (args: GlobalPooling2DArgs = {}) => new GlobalMaxPooling2D(args);
export const flatten = (args: LayerArgs = {}) => new Flatten(args);
export const reshape = (args: ReshapeArgs) => new Reshape(args);
export const activation = (args: LayerArgs & { activation: ActivationIdentifier }) => new Activation(args);
export const dropout = (args: DropoutArgs & { rate: number }) => new Dropout(args);
export const batchNormalization = (args: BatchNormalizationArgs = {}) => new BatchNormalization(args);
export const layerNormalization = (args: LayerNormalizationArgs = {}) => new LayerNormalization(args);
/**
 * The merge factories take TF.js's form, options that make a layer (tn.layers.add({ name })), and Keras's functional
 * form, a list of tensors that the new layer is applied to at once (keras.layers.add([x, y]) returns their sum).
 */
type MergeInputs = SymbolicTensor[] | Tensor[];
function mergeFactory<A extends LayerArgs>(make: (args: A) => Layer) {
  function factory(inputs: SymbolicTensor[], args?: A): SymbolicTensor;
  function factory(inputs: Tensor[], args?: A): Tensor;
  function factory(args?: A): Layer;
  function factory(first?: A | MergeInputs, args?: A): Layer | SymbolicTensor | Tensor {
    if (Array.isArray(first)) return make((args ?? {}) as A).apply(first as SymbolicTensor[]) as SymbolicTensor | Tensor;
    return make((first ?? {}) as A);
  }
  return factory;
}
export const add = mergeFactory((args: LayerArgs) => new Add(args));
export const subtract = mergeFactory((args: LayerArgs) => new Subtract(args));
export const multiply = mergeFactory((args: LayerArgs) => new Multiply(args));
export const average = mergeFactory((args: LayerArgs) => new Average(args));
export const maximum = mergeFactory((args: LayerArgs) => new Maximum(args));
export const minimum = mergeFactory((args: LayerArgs) => new Minimum(args));
const concatenateFactory = mergeFactory((args: LayerArgs & { axis?: number }) => new Concatenate(args));
/** Also Keras's concatenate([a, b], axis) with the axis as a number. */
export function concatenate(inputs: SymbolicTensor[], args?: (LayerArgs & { axis?: number }) | number): SymbolicTensor;
export function concatenate(inputs: Tensor[], args?: (LayerArgs & { axis?: number }) | number): Tensor;
export function concatenate(args?: LayerArgs & { axis?: number }): Layer;
export function concatenate(first?: (LayerArgs & { axis?: number }) | SymbolicTensor[] | Tensor[], args?: (LayerArgs & { axis?: number }) | number): Layer | SymbolicTensor | Tensor {
  const opts = typeof args === 'number' ? { axis: args } : args;
  return Array.isArray(first) ? concatenateFactory(first as SymbolicTensor[], opts) : concatenateFactory(first);
}
export const inputLayer = (args: LayerArgs & { shape?: Shape }) => new InputLayer(args);
export const embedding = (args: EmbeddingArgs & { inputDim: number; outputDim: number }) => new Embedding(args);
export const simpleRNN = (args: RNNArgs & { units: number }) => new SimpleRNN(args);
// TF.js's recurrent factories keep TF.js's defaults where they differ from Keras 3's (the classes'): the recurrent
// activation is 'hardSigmoid', Keras 2's clip(0.2 x + 0.5, 0, 1) (tensornode's 'hard_sigmoid_legacy'), and a GRU has
// no resetAfter (TF.js has none), so that a ported program computes what it computed in TF.js, takes TF.js's weights
// and saves a model TF.js loads. Given explicitly, either option is used as given.
const tfjsRecurrent = <T extends { recurrentActivation?: ActivationIdentifier }>(args: T): T =>
  ({ ...args, recurrentActivation: args.recurrentActivation ?? 'hard_sigmoid_legacy' });
const tfjsGru = <T extends { recurrentActivation?: ActivationIdentifier; resetAfter?: boolean }>(args: T): T =>
  ({ ...tfjsRecurrent(args), resetAfter: args.resetAfter ?? false });
export const lstm = (args: LSTMArgs & { units: number }) => new LSTM(tfjsRecurrent(args));
export const gru = (args: GRUArgs & { units: number }) => new GRU(tfjsGru(args));
export const conv1d = (args: Conv1DArgs & { filters: number; kernelSize: number | [number] }) => new Conv1D(args);
export const maxPooling1d = (args: Pooling1DArgs = {}) => new MaxPooling1D(args);
export const averagePooling1d = (args: Pooling1DArgs = {}) => new AveragePooling1D(args);
export const globalAveragePooling1d = (args: GlobalPooling2DArgs = {}) => new GlobalAveragePooling1D(args);
export const globalMaxPooling1d = (args: GlobalPooling2DArgs = {}) => new GlobalMaxPooling1D(args);
export const bidirectional = (args: BidirectionalArgs) => new Bidirectional(args);
export const depthwiseConv2d = (args: DepthwiseConv2DArgs) => new DepthwiseConv2D(args);
export const separableConv2d = (args: SeparableConv2DArgs) => new SeparableConv2D(args);
export const reLU = (args: ReLUArgs = {}) => new ReLU(args);
export const leakyReLU = (args: LeakyReLUArgs = {}) => new LeakyReLU(args);
export const prelu = (args: PReLUArgs = {}) => new PReLU(args);
export const elu = (args: ELUArgs = {}) => new ELU(args);
export const softmax = (args: SoftmaxArgs = {}) => new Softmax(args);
export const thresholdedReLU = (args: ThresholdedReLUArgs = {}) => new ThresholdedReLU(args);
export const zeroPadding1d = (args: ZeroPadding1DArgs = {}) => new ZeroPadding1D(args);
export const zeroPadding2d = (args: ZeroPadding2DArgs = {}) => new ZeroPadding2D(args);
export const upSampling1d = (args: UpSampling1DArgs = {}) => new UpSampling1D(args);
export const upSampling2d = (args: UpSampling2DArgs = {}) => new UpSampling2D(args);
export const cropping1d = (args: Cropping1DArgs = {}) => new Cropping1D(args);
/** TF.js spells this factory cropping2D; cropping2d is the same. */
export const cropping2D = (args: Cropping2DArgs = {}) => new Cropping2D(args);
export const cropping2d = cropping2D;
export const repeatVector = (args: RepeatVectorArgs) => new RepeatVector(args);
export const permute = (args: PermuteArgs) => new Permute(args);
export const timeDistributed = (args: TimeDistributedArgs) => new TimeDistributed(args);
export const lambda = (args: LambdaArgs) => new Lambda(args);
export const gaussianNoise = (args: GaussianNoiseArgs) => new GaussianNoise(args);
export const gaussianDropout = (args: GaussianDropoutArgs) => new GaussianDropout(args);
export const alphaDropout = (args: AlphaDropoutArgs) => new AlphaDropout(args);
export const spatialDropout1d = (args: SpatialDropout1DArgs) => new SpatialDropout1D(args);
export const spatialDropout2d = (args: SpatialDropout2DArgs) => new SpatialDropout2D(args);
export const activityRegularization = (args: ActivityRegularizationArgs = {}) => new ActivityRegularization(args);
export const groupNormalization = (args: GroupNormalizationArgs = {}) => new GroupNormalization(args);
export const unitNormalization = (args: UnitNormalizationArgs = {}) => new UnitNormalization(args);
export const categoryEncoding = (args: CategoryEncodingArgs) => new CategoryEncoding(args);
export const hashing = (args: HashingArgs) => new Hashing(args);
export const stringLookup = (args: LookupArgs<string> = {}) => new StringLookup(args);
export const integerLookup = (args: LookupArgs<number> = {}) => new IntegerLookup(args);
export const textVectorization = (args: TextVectorizationArgs = {}) => new TextVectorization(args);
export const dot = mergeFactory((args: DotArgs) => new Dot(args));
export const attention = (args: AttentionArgs = {}) => new Attention(args);
export const additiveAttention = (args: Omit<AttentionArgs, 'scoreMode'> = {}) => new AdditiveAttention(args);
export const multiHeadAttention = (args: MultiHeadAttentionArgs) => new MultiHeadAttention(args);

// Image and numeric preprocessing (Keras 3's keras.layers.Rescaling ... RandomTranslation).
import { CenterCrop, Normalization, RandomCrop, RandomFlip, RandomRotation, RandomTranslation, RandomZoom, Rescaling, Resizing, type AdaptData, type CenterCropArgs, type NormalizationArgs, type RandomCropArgs, type RandomFlipArgs, type RandomRotationArgs, type RandomTranslationArgs, type RandomZoomArgs, type RescalingArgs, type ResizingArgs } from './preprocessing.js';
export { CenterCrop, Normalization, RandomCrop, RandomFlip, RandomRotation, RandomTranslation, RandomZoom, Rescaling, Resizing };
export type { AdaptData, CenterCropArgs, NormalizationArgs, RandomCropArgs, RandomFlipArgs, RandomRotationArgs, RandomTranslationArgs, RandomZoomArgs, RescalingArgs, ResizingArgs };
export const rescaling = (args: RescalingArgs) => new Rescaling(args);
export const normalization = (args: NormalizationArgs = {}) => new Normalization(args);
export const resizing = (args: ResizingArgs) => new Resizing(args);
export const centerCrop = (args: CenterCropArgs) => new CenterCrop(args);
export const randomFlip = (args: RandomFlipArgs = {}) => new RandomFlip(args);
export const randomRotation = (args: RandomRotationArgs) => new RandomRotation(args);
export const randomZoom = (args: RandomZoomArgs) => new RandomZoom(args);
export const randomCrop = (args: RandomCropArgs) => new RandomCrop(args);
export const randomTranslation = (args: RandomTranslationArgs) => new RandomTranslation(args);
export const rnn = (args: RNNLayerArgs) => new RNN(args);
export const simpleRNNCell = (args: RNNCellArgs) => new SimpleRNNCell(args);
export const lstmCell = (args: RNNCellArgs) => new LSTMCell(tfjsRecurrent(args));
export const gruCell = (args: RNNCellArgs) => new GRUCell(tfjsGru(args));
export const stackedRNNCells = (args: StackedRNNCellsArgs) => new StackedRNNCells(args);
export const masking = (args: MaskingArgs = {}) => new Masking(args);

// Transposed convolution (TF.js's layers.conv2dTranspose; conv1dTranspose in the same spelling, TF.js has none).
export { Conv1DTranspose, Conv2DTranspose, Conv3DTranspose } from './convolutional.js';
export type { Conv1DTransposeArgs, Conv2DTransposeArgs, Conv3DTransposeArgs } from './convolutional.js';
import { Conv1DTranspose, Conv2DTranspose, Conv3DTranspose, type Conv1DTransposeArgs, type Conv2DTransposeArgs, type Conv3DTransposeArgs } from './convolutional.js';
export const conv2dTranspose = (args: Conv2DTransposeArgs) => new Conv2DTranspose(args);
export const conv3dTranspose = (args: Conv3DTransposeArgs & { filters: number; kernelSize: number | [number, number, number] }) => new Conv3DTranspose(args);
export const conv1dTranspose = (args: Conv1DTransposeArgs) => new Conv1DTranspose(args);

// Volumes: 3-D convolution and pooling (TF.js's layers.conv3d, maxPooling3d, averagePooling3d spellings).
export { Conv3D } from './convolutional.js';
export type { Conv3DArgs } from './convolutional.js';
export { MaxPooling3D, AveragePooling3D, GlobalAveragePooling3D, GlobalMaxPooling3D } from './pooling.js';
export type { Pooling3DArgs } from './pooling.js';
import { Conv3D, type Conv3DArgs } from './convolutional.js';
import { AveragePooling3D, GlobalAveragePooling3D, GlobalMaxPooling3D, MaxPooling3D, type Pooling3DArgs } from './pooling.js';
export const conv3d = (args: Conv3DArgs) => new Conv3D(args);
export const maxPooling3d = (args: Pooling3DArgs = {}) => new MaxPooling3D(args);
export const averagePooling3d = (args: Pooling3DArgs = {}) => new AveragePooling3D(args);
export const globalAveragePooling3d = (args: GlobalPooling2DArgs = {}) => new GlobalAveragePooling3D(args);
export const globalMaxPooling3d = (args: GlobalPooling2DArgs = {}) => new GlobalMaxPooling3D(args);
// Audio preprocessing (Keras 3's keras.layers.MelSpectrogram and STFTSpectrogram).
import { MelSpectrogram, STFTSpectrogram, type MelSpectrogramArgs, type SpectrogramWindow, type STFTMode, type STFTSpectrogramArgs } from './preprocessing-audio.js';
export { MelSpectrogram, STFTSpectrogram };
export type { MelSpectrogramArgs, SpectrogramWindow, STFTMode, STFTSpectrogramArgs };
export const melSpectrogram = (args: MelSpectrogramArgs = {}) => new MelSpectrogram(args);
export const stftSpectrogram = (args: STFTSpectrogramArgs = {}) => new STFTSpectrogram(args);

// TF.js's other spellings of the pooling factories (tf.layers.maxPool2d, avgPooling2d, globalMaxPool1d, ...) and its
// tf.layers.input: the same functions as maxPooling2d, averagePooling2d, globalMaxPooling1d and tn.input.
export { maxPooling1d as maxPool1d, maxPooling2d as maxPool2d };
export { averagePooling1d as avgPool1d, averagePooling2d as avgPool2d, averagePooling3d as avgPool3d };
export { averagePooling1d as avgPooling1d, averagePooling2d as avgPooling2d, averagePooling3d as avgPooling3d };
export { globalMaxPooling1d as globalMaxPool1d, globalMaxPooling2d as globalMaxPool2d };
export { input } from './layer.js';

// Keras 3 layers without a TF.js factory (the factories use TF.js's spelling all the same): Identity, the colour
// augmentations, Discretization, the 1-D depthwise convolutions, the 3-D padding, cropping, upsampling and spatial
// dropout, RMSNormalization.
import { Identity } from './core.js';
import { RandomBrightness, RandomContrast, RandomGrayscale, type RandomBrightnessArgs, type RandomContrastArgs, type RandomGrayscaleArgs } from './preprocessing-color.js';
import { Discretization, type DiscretizationArgs } from './discretization.js';
import { DepthwiseConv1D, SeparableConv1D, type DepthwiseConv1DArgs, type SeparableConv1DArgs } from './convolutional-depthwise-1d.js';
import { Cropping3D, UpSampling3D, ZeroPadding3D, type Cropping3DArgs, type UpSampling3DArgs, type ZeroPadding3DArgs } from './reshaping-3d.js';
import { SpatialDropout3D, type SpatialDropout3DArgs } from './noise.js';
import { RMSNormalization, type RMSNormalizationArgs } from './normalization.js';
export { Identity, RandomBrightness, RandomContrast, RandomGrayscale, Discretization, DepthwiseConv1D, SeparableConv1D };
export { Cropping3D, UpSampling3D, ZeroPadding3D, SpatialDropout3D, RMSNormalization };
export type { RandomBrightnessArgs, RandomContrastArgs, RandomGrayscaleArgs, DiscretizationArgs, DepthwiseConv1DArgs, SeparableConv1DArgs };
export type { Cropping3DArgs, UpSampling3DArgs, ZeroPadding3DArgs, SpatialDropout3DArgs, RMSNormalizationArgs };
export const identity = (args: LayerArgs = {}) => new Identity(args);
export const randomContrast = (args: RandomContrastArgs) => new RandomContrast(args);
export const randomBrightness = (args: RandomBrightnessArgs) => new RandomBrightness(args);
export const randomGrayscale = (args: RandomGrayscaleArgs = {}) => new RandomGrayscale(args);
export const discretization = (args: DiscretizationArgs) => new Discretization(args);
export const depthwiseConv1d = (args: DepthwiseConv1DArgs) => new DepthwiseConv1D(args);
export const separableConv1d = (args: SeparableConv1DArgs) => new SeparableConv1D(args);
export const zeroPadding3d = (args: ZeroPadding3DArgs = {}) => new ZeroPadding3D(args);
export const cropping3d = (args: Cropping3DArgs = {}) => new Cropping3D(args);
export const upSampling3d = (args: UpSampling3DArgs = {}) => new UpSampling3D(args);
export const spatialDropout3d = (args: SpatialDropout3DArgs) => new SpatialDropout3D(args);
export const rmsNormalization = (args: RMSNormalizationArgs = {}) => new RMSNormalization(args);

// Keras 3's newer image augmentations (preprocessing-augment.ts).
import { AutoContrast, CutMix, MixUp, RandomColorJitter, RandomErasing, RandomGaussianBlur, RandomHue, RandomInvert, RandomPosterization, RandomSaturation, RandomSharpness, Solarization } from './preprocessing-augment.js';
import type { AutoContrastArgs, BatchMix, CutMixArgs, ErasingBox, MixUpArgs, RandomColorJitterArgs, RandomErasingArgs, RandomGaussianBlurArgs, RandomHueArgs, RandomInvertArgs, RandomPosterizationArgs, RandomSaturationArgs, RandomSharpnessArgs, SolarizationArgs } from './preprocessing-augment.js';
export { AutoContrast, CutMix, MixUp, RandomColorJitter, RandomErasing, RandomGaussianBlur, RandomHue, RandomInvert, RandomPosterization, RandomSaturation, RandomSharpness, Solarization };
export type { AutoContrastArgs, BatchMix, CutMixArgs, ErasingBox, MixUpArgs, RandomColorJitterArgs, RandomErasingArgs, RandomGaussianBlurArgs, RandomHueArgs, RandomInvertArgs, RandomPosterizationArgs, RandomSaturationArgs, RandomSharpnessArgs, SolarizationArgs };
export const solarization = (args: SolarizationArgs = {}) => new Solarization(args);
export const randomInvert = (args: RandomInvertArgs = {}) => new RandomInvert(args);
export const autoContrast = (args: AutoContrastArgs = {}) => new AutoContrast(args);
export const randomPosterization = (args: RandomPosterizationArgs) => new RandomPosterization(args);
export const randomSharpness = (args: RandomSharpnessArgs) => new RandomSharpness(args);
export const randomSaturation = (args: RandomSaturationArgs) => new RandomSaturation(args);
export const randomHue = (args: RandomHueArgs) => new RandomHue(args);
export const randomColorJitter = (args: RandomColorJitterArgs = {}) => new RandomColorJitter(args);
export const randomGaussianBlur = (args: RandomGaussianBlurArgs = {}) => new RandomGaussianBlur(args);
export const randomErasing = (args: RandomErasingArgs = {}) => new RandomErasing(args);
export const mixUp = (args: MixUpArgs = {}) => new MixUp(args);
export const cutMix = (args: CutMixArgs = {}) => new CutMix(args);

// The convolutional LSTMs (Keras's ConvLSTM1D/2D/3D; TF.js's convLstm2d).
import { ConvLSTM1D, ConvLSTM2D, ConvLSTM3D, type ConvLSTMArgs } from './convolutional-recurrent.js';
export { ConvLSTM1D, ConvLSTM2D, ConvLSTM3D };
export type { ConvLSTMArgs };
export const convLstm1d = (args: ConvLSTMArgs & { filters: number; kernelSize: number | number[] }) => new ConvLSTM1D(args);
export const convLstm2d = (args: ConvLSTMArgs & { filters: number; kernelSize: number | number[] }) => new ConvLSTM2D(tfjsRecurrent(args));
export const convLstm3d = (args: ConvLSTMArgs & { filters: number; kernelSize: number | number[] }) => new ConvLSTM3D(args);

// Keras's HashedCrossing (the crosses of keras.utils.FeatureSpace).
import { HashedCrossing, type HashedCrossingArgs } from './preprocessing-crossing.js';
export { HashedCrossing };
export type { HashedCrossingArgs };
export const hashedCrossing = (args: HashedCrossingArgs & { numBins: number }) => new HashedCrossing(args);

// ---------------------------------------------------------------------------------------------------------------
// Keras 3's other names for the same classes (keras.layers.MaxPool1D is MaxPooling1D, Convolution2D is Conv2D, ...),
// as keras.io's examples spell them; files name the classes as these do (MaxPooling1D).
export { MaxPooling1D as MaxPool1D, MaxPooling2D as MaxPool2D, MaxPooling3D as MaxPool3D };
export { AveragePooling1D as AvgPool1D, AveragePooling2D as AvgPool2D, AveragePooling3D as AvgPool3D };
export { GlobalMaxPooling1D as GlobalMaxPool1D, GlobalMaxPooling2D as GlobalMaxPool2D, GlobalMaxPooling3D as GlobalMaxPool3D };
export { GlobalAveragePooling1D as GlobalAvgPool1D, GlobalAveragePooling2D as GlobalAvgPool2D, GlobalAveragePooling3D as GlobalAvgPool3D };
export { Conv1D as Convolution1D, Conv2D as Convolution2D, Conv3D as Convolution3D } from './convolutional.js';
export { Conv1DTranspose as Convolution1DTranspose, Conv2DTranspose as Convolution2DTranspose, Conv3DTranspose as Convolution3DTranspose };
export { SeparableConv1D as SeparableConvolution1D, SeparableConv2D as SeparableConvolution2D };
