// Int8 inference ops (native/quantized.h): uint8 activations (asymmetric, one scale and zero point per tensor) times
// int8 weights (symmetric, one scale per output channel), exact int32 sums, and an epilogue that applies the scales,
// the bias and relu before writing float32 (or uint8 codes between a convolution and its max pooling). Inference
// only: nothing here records a gradient.
import { native } from '../native.js';
import { fmt, sizeOf } from '../shape-util.js';
import { empty, type Tensor } from '../tensor.js';
import { conv2dGeometry } from './conv.js';
import { f32 } from './util.js';
import { checkPadding, outputSize, type Padding } from './window.js';

/** An affine uint8 code: value = scale * (code - zeroPoint). */
export interface QuantizationParams {
  scale: number;
  zeroPoint: number;
}

/**
 * Scale and zero point that cover [min, max] widened to contain 0, so that 0 (relu's floor, the convolution's zero
 * padding) has an exact code (as TFLite and ONNX Runtime choose them).
 */
export function uint8Params(min: number, max: number, op: string): QuantizationParams {
  if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) {
    throw new Error(`${op}: cannot quantize a range [${min}, ${max}]; calibration must see finite values`);
  }
  const lo = Math.min(min, 0);
  const hi = Math.max(max, 0);
  if (hi === lo) return { scale: 1, zeroPoint: 0 };
  const scale = (hi - lo) / 255;
  const zeroPoint = Math.min(255, Math.max(0, Math.round(-lo / scale)));
  return { scale: Math.fround(scale), zeroPoint };
}

/**
 * A [k, n] float matrix as int8 with symmetric scales: w ≈ scales[j] * q[i, j], q in [-127, 127]. Per channel, each
 * column's scale is its largest magnitude / 127; otherwise every column gets the matrix's.
 */
export function quantizeWeights(w: Float32Array, k: number, n: number, perChannel = true): { values: Int8Array; scales: Float32Array } {
  if (w.length !== k * n) throw new Error(`quantizeWeights: ${w.length} weights do not form a [${k}, ${n}] matrix`);
  const scales = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    let m = 0;
    for (let i = 0; i < k; i++) m = Math.max(m, Math.abs(w[i * n + j]));
    if (!Number.isFinite(m)) throw new Error(`quantizeWeights: column ${j} holds a non-finite weight`);
    scales[j] = m > 0 ? m / 127 : 1;
  }
  if (!perChannel) {
    let m = 0;
    for (let i = 0; i < w.length; i++) m = Math.max(m, Math.abs(w[i]));
    scales.fill(m > 0 ? m / 127 : 1);
  }
  const values = new Int8Array(k * n);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < n; j++) values[i * n + j] = Math.max(-127, Math.min(127, Math.round(w[i * n + j] / scales[j])));
  }
  return { values, scales };
}

/** Weights ready for the kernels: packed for this process's CPU path, with the epilogue's per-column terms. */
export interface PackedQuantizedWeights {
  k: number;
  n: number;
  packed: Uint8Array;
  weightSums: Int32Array;
  /** inputScale * weightScale[j]: what turns a corrected int32 sum into a float. */
  multiplier: Float32Array;
  bias: Float32Array | null;
  input: QuantizationParams;
}

export function packQuantizedWeights(
  values: Int8Array, k: number, n: number, weightScales: Float32Array, bias: Float32Array | null, input: QuantizationParams,
): PackedQuantizedWeights {
  const packed = new Uint8Array(native.quantizedPackedBytes(k, n));
  native.quantizedPackWeights(values, k, n, packed);
  const weightSums = new Int32Array(n);
  for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) weightSums[j] += values[i * n + j];
  const multiplier = Float32Array.from(weightScales, (s) => s * input.scale);
  return { k, n, packed, weightSums, multiplier, bias, input };
}

/**
 * The uint8 codes a float tensor was dequantized from, by its storage (shared by reshape; Dropout at inference
 * passes the tensor itself): the next int8 layer, when its input parameters are the same, takes them instead of
 * quantizing the floats again, which would give the same codes. `data` guards against a recycled buffer.
 */
const sourceCodes = new WeakMap<object, { data: unknown; codes: Uint8Array; scale: number; zeroPoint: number }>();

/**
 * Codes that one op call reads and drops (an input quantized for one kernel call): a buffer that grows and stays,
 * so that a steady predict loop touches no fresh pages (each costs a page fault) for them.
 */
let scratch = new Uint8Array(0);

function scratchBytes(n: number): Uint8Array {
  if (scratch.length < n) scratch = new Uint8Array(Math.max(n, scratch.length * 2));
  return scratch.subarray(0, n);
}

/** x's codes for one kernel call: the codes it was dequantized from, or x quantized into the scratch buffer. */
function inputCodes(x: Tensor, p: QuantizationParams): Uint8Array {
  return knownCodes(x, p) ?? quantizeInto(x, p, scratchBytes(x.size));
}

function knownCodes(x: Tensor, p: QuantizationParams): Uint8Array | null {
  const known = sourceCodes.get(x._storage);
  const same = known && known.data === x._storage.data && known.scale === p.scale && known.zeroPoint === p.zeroPoint && known.codes.length === x.size;
  return same ? known.codes : null;
}

function quantizeInto(x: Tensor, p: QuantizationParams, codes: Uint8Array): Uint8Array {
  native.quantizeUint8(f32(x), 1 / p.scale, p.zeroPoint, codes);
  return codes;
}

/** x as uint8 codes with the given parameters (values outside the range saturate). */
export function quantizeUint8(x: Tensor, p: QuantizationParams): Uint8Array {
  return knownCodes(x, p)?.slice() ?? quantizeInto(x, p, new Uint8Array(x.size));
}

/**
 * relu(x W + b) or x W + b on the last axis of x, computed in int8; float32 out. With `output`, the values are
 * rounded to those uint8 codes (the next int8 layer's input parameters), which that layer then reads directly.
 */
export function quantizedDense(x: Tensor, w: PackedQuantizedWeights, relu: boolean, op: string, output: QuantizationParams | null = null): Tensor {
  if (x.dtype !== 'float32') throw new Error(`${op}: expected a float32 input, received ${x.dtype}`);
  const k = x.shape[x.rank - 1];
  if (x.rank < 2 || k !== w.k) throw new Error(`${op}: expected an input of shape [..., ${w.k}], received ${fmt(x.shape)}`);
  const m = x.size / k;
  const shape = [...x.shape.slice(0, -1), w.n];
  const codes = inputCodes(x, w.input);
  const args = [w.packed, m, w.n, k, w.input.zeroPoint, w.weightSums, w.multiplier, w.bias, relu] as const;
  if (output) {
    const out = new Uint8Array(m * w.n);
    native.quantizedMatmul(codes, ...args, 1 / output.scale, output.zeroPoint, out);
    return dequantizeUint8(out, shape, output);
  }
  const y = empty(shape);
  native.quantizedMatmul(codes, ...args, 1, 0, f32(y));
  return y;
}

export interface QuantizedConvArgs {
  kernelSize: [number, number];
  strides: [number, number];
  padding: Padding;
  dilations: [number, number];
  relu: boolean;
  /** Without pooling: round the output to these uint8 codes (see quantizedDense). */
  output?: QuantizationParams | null;
  /**
   * Max pooling fused after the convolution: the convolution writes uint8 codes with `output`'s parameters (max
   * pooling commutes with a monotone code), the pooling works on them, and only the pooled result becomes float.
   */
  pool?: { poolSize: [number, number]; strides: [number, number]; padding: Padding; output: QuantizationParams } | null;
}

/** A Conv2D (optionally followed by MaxPooling2D) in int8 on NHWC float32 input; float32 out. */
export function quantizedConv2d(x: Tensor, w: PackedQuantizedWeights, a: QuantizedConvArgs, op: string): Tensor {
  if (x.dtype !== 'float32') throw new Error(`${op}: expected a float32 input, received ${x.dtype}`);
  const c = x.shape[3];
  const kShape = [a.kernelSize[0], a.kernelSize[1], c, w.n];
  if (x.rank !== 4 || a.kernelSize[0] * a.kernelSize[1] * c !== w.k) {
    throw new Error(`${op}: expected an input of shape [batch, height, width, ${w.k / (a.kernelSize[0] * a.kernelSize[1])}], received ${fmt(x.shape)}`);
  }
  const g = conv2dGeometry(x.shape, kShape, a.strides, a.padding, a.dilations, op);
  const codes = inputCodes(x, w.input);
  const args = [w.input.zeroPoint, w.weightSums, w.multiplier, w.bias, a.relu] as const;
  if (!a.pool && a.output) {
    const out = new Uint8Array(sizeOf(g.outShape));
    native.quantizedConv2d(codes, w.packed, g.native, ...args, 1 / a.output.scale, a.output.zeroPoint, out);
    return dequantizeUint8(out, g.outShape, a.output);
  }
  if (!a.pool) {
    const y = empty(g.outShape);
    native.quantizedConv2d(codes, w.packed, g.native, ...args, 1, 0, f32(y));
    return y;
  }
  const p = a.pool;
  const [n, oh, ow] = g.outShape;
  const padding = checkPadding(p.padding, op);
  const [ph, padTop] = outputSize(oh, p.poolSize[0], p.strides[0], 1, padding);
  const [pw, padLeft] = outputSize(ow, p.poolSize[1], p.strides[1], 1, padding);
  if (ph === 0 || pw === 0) throw new Error(`${op}: the pool window ${p.poolSize.join('x')} does not fit the ${oh}x${ow} convolution output`);
  if (padding === 'valid' && p.strides[0] === p.poolSize[0] && p.strides[1] === p.poolSize[1]) {
    const pooled = new Uint8Array(n * ph * pw * w.n);
    native.quantizedConv2dMaxPool(codes, w.packed, g.native, p.poolSize[0], p.poolSize[1], ...args, 1 / p.output.scale, p.output.zeroPoint, pooled);
    return dequantizeUint8(pooled, [n, ph, pw, w.n], p.output);
  }
  const convCodes = new Uint8Array(n * oh * ow * w.n);
  native.quantizedConv2d(codes, w.packed, g.native, ...args, 1 / p.output.scale, p.output.zeroPoint, convCodes);
  const pooled = new Uint8Array(n * ph * pw * w.n);
  native.maxPool2dUint8(convCodes, pooled, [n, oh, ow, w.n, p.poolSize[0], p.poolSize[1], ph, pw, p.strides[0], p.strides[1], padTop, padLeft]);
  return dequantizeUint8(pooled, [n, ph, pw, w.n], p.output);
}

/** Float values of uint8 codes. */
export function dequantizeUint8(codes: Uint8Array, shape: number[], p: QuantizationParams): Tensor {
  const y = empty(shape);
  native.dequantizeUint8(codes, p.scale, p.zeroPoint, f32(y));
  sourceCodes.set(y._storage, { data: y._storage.data, codes, scale: p.scale, zeroPoint: p.zeroPoint });
  return y;
}
