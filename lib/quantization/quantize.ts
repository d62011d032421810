// quantizeModel: post-training int8 quantization of a Sequential model, as TFLite's and ONNX Runtime's static
// quantization do it. Weights become int8 with a symmetric scale per output channel (per tensor with
// perChannel: false); activations entering each quantized layer become uint8 with one scale and zero point per
// tensor, from the min and max that running calibrationData through the float model shows. Dense and Conv2D layers
// are quantized (a Conv2D with relu or no activation followed by MaxPooling2D takes the pooling in, on uint8 codes),
// except a Conv2D on fewer than 4 input channels (see minConvChannels); a BatchNormalization whose output reaches one
// of them through identity layers only is folded into it (see foldTarget); every other layer is copied and stays
// float32.
import { isLinear } from '../activations.js';
import { layerFromKeras, layerToKeras } from '../io/keras-config.js';
import { Conv2D } from '../layers/convolutional.js';
import { Dense, Dropout, Flatten, Reshape } from '../layers/core.js';
import { BatchNormalization } from '../layers/normalization.js';
import type { Layer } from '../layers/layer.js';
import { MaxPooling2D } from '../layers/pooling.js';
import { withScope } from '../memory.js';
import type { Model } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import { quantizeWeights, uint8Params } from '../ops/quantized.js';
import { slice } from '../ops/shape.js';
import { floatArg } from '../ops/util.js';
import { tensor, type Tensor, type TensorLike } from '../tensor.js';
import { QuantizedConv2D, QuantizedDense } from './layers.js';

export interface QuantizeOptions {
  /** Representative inputs (a few hundred samples of the training data): their ranges fix the activations' scales. */
  calibrationData: TensorLike;
  /** One weight scale per output channel (true, the default) or one per layer. */
  perChannel?: boolean;
  /** Samples per calibration batch (default 256). */
  batchSize?: number;
}

/**
 * A Conv2D with fewer input channels (a first layer on gray or RGB images) stays float32: its im2col rows of 9 to 27
 * codes leave the int8 GEMM little to multiply per row copied, and the float direct kernel (fused with relu and max
 * pooling) was measured 2x faster than the int8 one on the reference CNN's first layer.
 */
const minConvChannels = 4;

/** Layers that hand their input on unchanged at inference (values and, through reshape, storage). */
const passesCodes = new Set<unknown>([Dropout, Flatten, Reshape]);

const knownOptions = new Set(['calibrationData', 'perChannel', 'batchSize']);

interface Range {
  min: number;
  max: number;
  nan: boolean;
}

function observe(r: Range, t: Tensor): void {
  const v = t.values;
  let lo = r.min;
  let hi = r.max;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x < lo) lo = x;
    if (x > hi) hi = x;
    if (x !== x) r.nan = true;
  }
  r.min = lo;
  r.max = hi;
}

/** The range of every layer's input (index i) and of the last layer's output (index layers.length). */
function calibrate(layers: Layer[], data: Tensor, batchSize: number): Range[] {
  const ranges = Array.from({ length: layers.length + 1 }, () => ({ min: Infinity, max: -Infinity, nan: false }));
  const n = data.shape[0];
  for (let b = 0; b < n; b += batchSize) {
    withScope(() => {
      let x = slice(data, [b, ...data.shape.slice(1).map(() => 0)], [Math.min(batchSize, n - b), ...data.shape.slice(1).map(() => -1)]);
      layers.forEach((layer, i) => {
        observe(ranges[i], x);
        x = layer.apply(x, { training: false }) as Tensor;
      });
      observe(ranges[layers.length], x);
    });
  }
  return ranges;
}

/** A layer's float kernel and bias, with a BatchNormalization before it folded in when there is one. */
export interface FloatWeights {
  kernel: Float32Array;
  shape: number[];
  bias: Float32Array | null;
}

/** The quantized layer's weights: the int8 kernel (as int32 values), its scales, the bias. */
function quantizedWeights(w: FloatWeights, perChannel: boolean): Tensor[] {
  const units = w.shape[w.shape.length - 1];
  const { values, scales } = quantizeWeights(w.kernel, w.kernel.length / units, units, perChannel);
  const out = [tensor(Int32Array.from(values), w.shape.slice(), 'int32'), tensor(scales, [units])];
  if (w.bias) out.push(tensor(w.bias, [units]));
  return out;
}

/**
 * Inference BatchNormalization is x * a + b per channel. Folded into the kernel W that reads it (rows of W that read
 * channel c, the fastest axis of a Conv2D's window or a Flatten's vector, scaled by a[c]) and into the bias (plus
 * sum of W times b over what each output reads). Exact where every input the layer reads is a normalized value,
 * so not for a Conv2D with 'same' padding, whose border reads zeros that the normalization would have moved.
 */
export function foldNormalization(bn: BatchNormalization, layer: Dense | Conv2D): FloatWeights {
  const c = bn.movingMean!.size;
  const mean = bn.movingMean!.values;
  const variance = bn.movingVariance!.values;
  const gamma = bn.gamma?.values ?? null;
  const beta = bn.beta?.values ?? null;
  const a = Float64Array.from({ length: c }, (_, i) => (gamma ? gamma[i] : 1) / Math.sqrt(variance[i] + bn.epsilon));
  const b = Float64Array.from({ length: c }, (_, i) => (beta ? beta[i] : 0) - mean[i] * a[i]);
  const k = layer.kernel!;
  const units = k.shape[k.rank - 1];
  const rows = k.size / units;
  const kernel = new Float32Array(k.size);
  const bias = Float64Array.from({ length: units }, (_, o) => (layer.bias ? layer.bias.values[o] : 0));
  for (let r = 0; r < rows; r++) {
    const ch = r % c;
    for (let o = 0; o < units; o++) {
      const w = k.values[r * units + o];
      kernel[r * units + o] = w * a[ch];
      bias[o] += w * b[ch];
    }
  }
  return { kernel, shape: k.shape.slice(), bias: Float32Array.from(bias) };
}

function baseArgs(layer: Layer) {
  return {
    name: layer.name,
    ...(layer.batchInputShape ? { batchInputShape: layer.batchInputShape.slice() } : {}),
  };
}

/**
 * An inference model computing `model`'s function with int8 Dense and Conv2D layers (see the file's head). Its
 * predict takes and returns float32 like the original's; it saves and loads like any model. The model is not
 * compiled; compile it to evaluate.
 */
export function quantizeModel(model: Model, options: QuantizeOptions): Sequential {
  const op = 'quantizeModel';
  if (!(model instanceof Sequential)) {
    throw new Error(`${op}: supports Sequential models; received ${model?.constructor?.name ?? String(model)}. Rebuild the model as a tn.Sequential to quantize it`);
  }
  if (options === null || typeof options !== 'object') throw new Error(`${op}: expected options { calibrationData, perChannel? }, received ${String(options)}`);
  for (const key of Object.keys(options)) {
    if (!knownOptions.has(key)) throw new Error(`${op}: unknown option "${key}"; the options are ${[...knownOptions].join(', ')}`);
  }
  const perChannel = options.perChannel ?? true;
  if (typeof perChannel !== 'boolean') throw new Error(`${op}: perChannel must be a boolean, received ${JSON.stringify(perChannel)}`);
  const batchSize = options.batchSize ?? 256;
  if (!Number.isInteger(batchSize) || batchSize <= 0) throw new Error(`${op}: batchSize must be a positive integer, received ${JSON.stringify(batchSize)}`);
  if (options.calibrationData === undefined || options.calibrationData === null) {
    throw new Error(`${op}: calibrationData is required: a few hundred representative inputs fix the activations' ranges`);
  }
  const data = floatArg(options.calibrationData, op);
  const layers = model.layers;
  if (!model.built || !layers.length || layers.some((l) => !l.built)) {
    throw new Error(`${op}: the model must be built (give its first layer an inputShape, or call it on data) before it can be quantized`);
  }
  if (data.rank < 1 || data.shape[0] === 0) throw new Error(`${op}: calibrationData must hold at least one sample, received shape [${data.shape.join(', ')}]`);
  const ranges = calibrate(layers, data, batchSize);

  const nan = ranges.findIndex((r) => r.nan);
  if (nan >= 0) {
    const where = nan < layers.length ? `the input of layer "${layers[nan].name}"` : "the model's output";
    throw new Error(`${op}: ${where} holds NaN on the calibration data; calibrate with finite inputs the model maps to finite values`);
  }
  const params = (i: number, what: string) => uint8Params(ranges[i].min, ranges[i].max, `${op}: ${what}`);
  const quantizable = (l: Layer | undefined): boolean =>
    l?.constructor === Dense || (l?.constructor === Conv2D && (l as Conv2D).groups === 1 && (l as Conv2D).kernel!.shape[2] >= minConvChannels);
  // The int8 layer a BatchNormalization at i folds into (see foldNormalization): the next layer past identity ones,
  // normalizing its channels (the last axis) only, and a Dense, or a Conv2D with 'valid' padding.
  const foldTarget = (i: number): number | null => {
    const bn = layers[i];
    if (bn.constructor !== BatchNormalization || (bn as BatchNormalization).axis !== -1) return null;
    let k = i + 1;
    while (k < layers.length && passesCodes.has(layers[k].constructor)) k++;
    const target = layers[k];
    if (!quantizable(target)) return null;
    if (target instanceof Conv2D && (target.padding !== 'valid' || target.kernel!.shape[2] !== (bn as BatchNormalization).movingMean!.size)) return null;
    if (target instanceof Dense && target.kernel!.shape[0] % (bn as BatchNormalization).movingMean!.size !== 0) return null;
    return k;
  };
  const folded = new Map<number, number>();
  for (let i = 0; i < layers.length; i++) {
    const k = foldTarget(i);
    if (k !== null) folded.set(k, i);
  }
  // Where layer k's input range was observed: before the normalization folded into it, if there is one.
  const inputRange = (k: number) => folded.get(k) ?? k;
  // The input code of the int8 layer that reads layer i's output through identity layers only (Dropout at inference,
  // Flatten, Reshape, a folded normalization), if there is one: layer i then writes its output in that code (see
  // QuantizedLayerArgs).
  const consumerCode = (i: number, act: Dense['activation']): ReturnType<typeof uint8Params> | null => {
    if (act.name !== 'relu' && !isLinear(act)) return null;
    let k = i + 1;
    while (k < layers.length && (passesCodes.has(layers[k].constructor) || [...folded.values()].includes(k))) k++;
    return quantizable(layers[k]) ? params(inputRange(k), `the input of layer "${layers[k].name}"`) : null;
  };
  const floatWeights = (k: number, layer: Dense | Conv2D): FloatWeights => {
    const bn = folded.has(k) ? layers[folded.get(k)!] as BatchNormalization : null;
    if (bn) return foldNormalization(bn, layer);
    return { kernel: Float32Array.from(layer.kernel!.values), shape: layer.kernel!.shape.slice(), bias: layer.bias ? Float32Array.from(layer.bias.values) : null };
  };
  const out: Layer[] = [];
  const weights: Tensor[][] = [];
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i];
    if ([...folded.values()].includes(i)) continue;
    if (!quantizable(layer)) {
      out.push(layerFromKeras(layerToKeras(layer), op));
      weights.push(layer.getWeights());
      continue;
    }
    const inputQuantization = params(inputRange(i), `the input of layer "${layer.name}"`);
    if (layer.constructor === Dense) {
      const d = layer as Dense;
      const w = floatWeights(i, d);
      out.push(new QuantizedDense({
        ...baseArgs(d), units: d.units, activation: d.activation.name, useBias: w.bias !== null, inputQuantization, outputQuantization: consumerCode(i, d.activation),
      }));
      weights.push(quantizedWeights(w, perChannel));
      continue;
    }
    const c = layer as Conv2D;
    const next = layers[i + 1];
    const poolable = (c.activation.name === 'relu' || isLinear(c.activation)) && next?.constructor === MaxPooling2D;
    const pool = poolable ? next as MaxPooling2D : null;
    const w = floatWeights(i, c);
    out.push(new QuantizedConv2D({
      ...baseArgs(c), filters: c.filters, kernelSize: c.kernelSize, strides: c.strides, padding: c.padding, dilationRate: c.dilationRate,
      activation: c.activation.name, useBias: w.bias !== null, inputQuantization,
      outputQuantization: pool ? null : consumerCode(i, c.activation),
      pool: pool && {
        poolSize: pool.poolSize, strides: pool.strides, padding: pool.padding,
        // Max pooling commutes with the monotone code, so the codes of the pooled values in the next int8 layer's
        // input code (or, without one, in the code of the convolution's output range) are the max of the codes.
        outputQuantization: consumerCode(i + 1, c.activation) ?? params(i + 1, `the output of layer "${c.name}"`),
      },
    }));
    weights.push(quantizedWeights(w, perChannel));
    if (pool) i++;
  }
  const quantized = new Sequential(out, { name: `${model.name}_int8` });
  // A Sequential whose input shape comes from tn.input() or an InputLayer (every Keras 3 Sequential) has it on the
  // model, not on its first layer, which is all the rebuilt layers carry.
  if (!quantized.built && model.inputs.length === 1) quantized.build(model.inputs[0].shape);
  if (!quantized.built) throw new Error(`${op}: the quantized model could not be built from the original's input shape`);
  out.forEach((l, i) => l.setWeights(weights[i]));
  return quantized;
}
