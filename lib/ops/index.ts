// The public op surface, and the chainable methods that TF.js users expect on tensors (x.add(y).relu()).
import type { DType } from '../dtype.js';
import { Tensor, type TensorLike } from '../tensor.js';
import * as bc from './broadcast.js';
import * as ew from './elementwise.js';
import * as la from './linalg.js';
import * as mm from './matmul.js';
import * as rd from './reduce.js';
import * as sc from './scan.js';
import * as sh from './shape.js';
import * as cv from './conv.js';
import * as pl from './pool.js';
import type { ExplicitPadding, Padding } from './window.js';
import { TensorBuffer } from '../tensor-buffer.js';

export {
  abs, add, cast, ceil, clipByValue, cos, div, elu, equal, exp, expm1, floor, gelu, greater, greaterEqual,
  hardSigmoid, isNaN, leakyRelu, less, lessEqual, log, log1p, logicalAnd, logicalNot, logicalOr, maximum, minimum,
  mul, neg, notEqual, pow, reciprocal, relu, relu6, round, rsqrt, selu, sigmoid, sign, sin, softplus, softsign,
  sqrt, square, squaredDifference, sub, swish, tanh, where,
} from './elementwise.js';
export { argMax, argMin, logSoftmax, logSumExp, max, mean, min, softmax, sum } from './reduce.js';
// Ported from TF.js and Keras 3's keras.ops (README: Tensors and gradients).
export { erf, mod, stopGradient } from './elementwise.js';
export { all, any, argmax, argmin, moments, prod, std, variance } from './reduce.js';
export { reverse, unstack } from './shape.js';
export { cumprod, cumsum } from './scan.js';
export { argsort, sort, topk } from './sort.js';
export { multinomial, randomStandardNormal } from './sampling.js';
export { einsum } from './einsum.js';
export { dot, norm, outerProduct } from './linalg.js';
export type { NormOrder } from './linalg.js';
// TF.js's names for ops tensornode had under Keras's, and TF.js ops Keras does not name.
export { clone, floorDiv } from './elementwise.js';
export { unsortedSegmentSum } from './shape.js';
export { conv1d } from './conv.js';
export { avgPool, maxPool } from './pool.js';
export { tfjsDropout as dropout } from './dropout.js';
export { buffer, TensorBuffer } from '../tensor-buffer.js';
export { broadcastTo } from './broadcast.js';
export { matMul } from './matmul.js';
export { conv2d, conv2dTranspose, conv3d, conv3dTranspose, depthwiseConv2d } from './conv.js';
export { avgPool2d, avgPool3d, maxPool2d, maxPool3d } from './pool.js';
export { resizeBilinear } from './resize.js';
export { resizeNearest } from './resize.js';
export { affineTransform } from './image.js';
export type { AffineFillMode, AffineInterpolation, AffineTransformOptions } from './image.js';
export { repeat } from './shape.js';
export { concat, expandDims, flatten, gather, oneHot, pad, reshape, slice, split, squeeze, stack, tile, transpose } from './shape.js';

type Axis = number | number[] | null | undefined;

declare module '../tensor.js' {
  interface Tensor {
    add(b: TensorLike): Tensor;
    sub(b: TensorLike): Tensor;
    mul(b: TensorLike): Tensor;
    div(b: TensorLike): Tensor;
    pow(b: TensorLike): Tensor;
    maximum(b: TensorLike): Tensor;
    minimum(b: TensorLike): Tensor;
    neg(): Tensor;
    abs(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    square(): Tensor;
    relu(): Tensor;
    sigmoid(): Tensor;
    tanh(): Tensor;
    softmax(axis?: number): Tensor;
    sum(axis?: Axis, keepDims?: boolean): Tensor;
    mean(axis?: Axis, keepDims?: boolean): Tensor;
    max(axis?: Axis, keepDims?: boolean): Tensor;
    min(axis?: Axis, keepDims?: boolean): Tensor;
    argMax(axis?: number): Tensor;
    argMin(axis?: number): Tensor;
    matMul(b: TensorLike, transposeA?: boolean, transposeB?: boolean): Tensor;
    reshape(shape: number[]): Tensor;
    flatten(): Tensor;
    transpose(perm?: number[]): Tensor;
    expandDims(axis?: number): Tensor;
    squeeze(axis?: number | number[]): Tensor;
    cast(dtype: DType): Tensor;
    /** TF.js's aliases of cast and reshape, for ported code. */
    asType(dtype: DType): Tensor;
    toFloat(): Tensor;
    toInt(): Tensor;
    as1D(): Tensor;
    as2D(rows: number, columns: number): Tensor;
    as3D(rows: number, columns: number, depth: number): Tensor;
    as4D(rows: number, columns: number, depth: number, depth2: number): Tensor;
    equal(b: TensorLike): Tensor;
    greater(b: TensorLike): Tensor;
    less(b: TensorLike): Tensor;
    slice(begin: number | number[], size?: number | number[]): Tensor;
    gather(indices: TensorLike, axis?: number, batchDims?: number): Tensor;
    pad(paddings: [number, number][], constantValue?: number): Tensor;
    tile(reps: number[]): Tensor;
    clipByValue(min: number, max: number): Tensor;
    logSoftmax(axis?: number): Tensor;
    logSumExp(axis?: Axis, keepDims?: boolean): Tensor;
    broadcastTo(shape: number[]): Tensor;
    floor(): Tensor;
    ceil(): Tensor;
    round(): Tensor;
    sign(): Tensor;
    sin(): Tensor;
    cos(): Tensor;
    rsqrt(): Tensor;
    reciprocal(): Tensor;
    log1p(): Tensor;
    expm1(): Tensor;
    selu(): Tensor;
    softplus(): Tensor;
    softsign(): Tensor;
    relu6(): Tensor;
    swish(): Tensor;
    logicalNot(): Tensor;
    isNaN(): Tensor;
    notEqual(b: TensorLike): Tensor;
    greaterEqual(b: TensorLike): Tensor;
    lessEqual(b: TensorLike): Tensor;
    logicalAnd(b: TensorLike): Tensor;
    logicalOr(b: TensorLike): Tensor;
    squaredDifference(b: TensorLike): Tensor;
    elu(alpha?: number): Tensor;
    leakyRelu(alpha?: number): Tensor;
    gelu(approximate?: boolean): Tensor;
    split(numOrSizeSplits: number | number[], axis?: number): Tensor[];
    unstack(axis?: number): Tensor[];
    mod(b: TensorLike): Tensor;
    erf(): Tensor;
    prod(axis?: Axis, keepDims?: boolean): Tensor;
    all(axis?: Axis, keepDims?: boolean): Tensor;
    any(axis?: Axis, keepDims?: boolean): Tensor;
    cumsum(axis?: number, exclusive?: boolean, reverse?: boolean): Tensor;
    cumprod(axis?: number, exclusive?: boolean, reverse?: boolean): Tensor;
    reverse(axis?: number | number[]): Tensor;
    norm(ord?: la.NormOrder, axis?: Axis, keepDims?: boolean): Tensor;
    dot(b: TensorLike): Tensor;
    concat(tensors: TensorLike | TensorLike[], axis?: number): Tensor;
    floorDiv(b: TensorLike): Tensor;
    unsortedSegmentSum(segmentIds: TensorLike, numSegments: number): Tensor;
    conv1d(filter: TensorLike, stride: number, pad: 'valid' | 'same', dataFormat?: 'NWC' | 'NCW', dilation?: number): Tensor;
    maxPool(filterSize: number | [number, number], strides: number | [number, number], pad: Padding | ExplicitPadding, dimRoundingMode?: string): Tensor;
    avgPool(filterSize: number | [number, number], strides: number | [number, number], pad: Padding | ExplicitPadding, dimRoundingMode?: string): Tensor;
    conv2d(filter: TensorLike, strides: number | [number, number], pad: Padding | ExplicitPadding, dataFormat?: 'NHWC' | 'channelsLast', dilations?: number | [number, number], dimRoundingMode?: string): Tensor;
    depthwiseConv2d(filter: TensorLike, strides: number | [number, number], pad: Padding | ExplicitPadding, dataFormat?: 'NHWC' | 'channelsLast', dilations?: number | [number, number], dimRoundingMode?: string): Tensor;
    conv2dTranspose(filter: TensorLike, outputShape: number[], strides: number | [number, number], pad: Padding | ExplicitPadding, dimRoundingMode?: string): Tensor;
    /** TF.js's bufferSync(): a TensorBuffer with a copy of the values. */
    bufferSync(): TensorBuffer;
    /** TF.js's buffer(): the same, as a promise (TF.js reads GPU data asynchronously). */
    buffer(): Promise<TensorBuffer>;
  }
}

const methods: Record<string, (this: Tensor, ...args: never[]) => Tensor> = {
  add(b: TensorLike) { return ew.add(this, b); },
  sub(b: TensorLike) { return ew.sub(this, b); },
  mul(b: TensorLike) { return ew.mul(this, b); },
  div(b: TensorLike) { return ew.div(this, b); },
  pow(b: TensorLike) { return ew.pow(this, b); },
  maximum(b: TensorLike) { return ew.maximum(this, b); },
  minimum(b: TensorLike) { return ew.minimum(this, b); },
  neg() { return ew.neg(this); },
  abs() { return ew.abs(this); },
  exp() { return ew.exp(this); },
  log() { return ew.log(this); },
  sqrt() { return ew.sqrt(this); },
  square() { return ew.square(this); },
  relu() { return ew.relu(this); },
  sigmoid() { return ew.sigmoid(this); },
  tanh() { return ew.tanh(this); },
  softmax(axis?: number) { return rd.softmax(this, axis); },
  sum(axis?: Axis, keepDims?: boolean) { return rd.sum(this, axis, keepDims); },
  mean(axis?: Axis, keepDims?: boolean) { return rd.mean(this, axis, keepDims); },
  max(axis?: Axis, keepDims?: boolean) { return rd.max(this, axis, keepDims); },
  min(axis?: Axis, keepDims?: boolean) { return rd.min(this, axis, keepDims); },
  argMax(axis?: number) { return rd.argMax(this, axis); },
  argMin(axis?: number) { return rd.argMin(this, axis); },
  matMul(b: TensorLike, ta?: boolean, tb?: boolean) { return mm.matMul(this, b, ta, tb); },
  reshape(shape: number[]) { return sh.reshape(this, shape); },
  flatten() { return sh.flatten(this); },
  transpose(perm?: number[]) { return sh.transpose(this, perm); },
  expandDims(axis?: number) { return sh.expandDims(this, axis); },
  squeeze(axis?: number | number[]) { return sh.squeeze(this, axis); },
  cast(dtype: DType) { return ew.cast(this, dtype); },
  asType(dtype: DType) { return ew.cast(this, dtype); },
  toFloat() { return ew.cast(this, 'float32'); },
  toInt() { return ew.cast(this, 'int32'); },
  as1D() { return sh.reshape(this, [this.size]); },
  as2D(rows: number, columns: number) { return sh.reshape(this, [rows, columns]); },
  as3D(rows: number, columns: number, depth: number) { return sh.reshape(this, [rows, columns, depth]); },
  as4D(rows: number, columns: number, depth: number, depth2: number) { return sh.reshape(this, [rows, columns, depth, depth2]); },
  equal(b: TensorLike) { return ew.equal(this, b); },
  greater(b: TensorLike) { return ew.greater(this, b); },
  less(b: TensorLike) { return ew.less(this, b); },
  slice(begin: number | number[], size?: number | number[]) { return sh.slice(this, begin, size); },
  gather(indices: TensorLike, axis?: number, batchDims?: number) { return sh.gather(this, indices, axis, batchDims); },
  pad(paddings: [number, number][], constantValue?: number) { return sh.pad(this, paddings, constantValue); },
  tile(reps: number[]) { return sh.tile(this, reps); },
  clipByValue(min: number, max: number) { return ew.clipByValue(this, min, max); },
  logSoftmax(axis?: number) { return rd.logSoftmax(this, axis); },
  logSumExp(axis?: Axis, keepDims?: boolean) { return rd.logSumExp(this, axis, keepDims); },
  broadcastTo(shape: number[]) { return bc.broadcastTo(this, shape); },
  floor() { return ew.floor(this); },
  ceil() { return ew.ceil(this); },
  round() { return ew.round(this); },
  sign() { return ew.sign(this); },
  sin() { return ew.sin(this); },
  cos() { return ew.cos(this); },
  rsqrt() { return ew.rsqrt(this); },
  reciprocal() { return ew.reciprocal(this); },
  log1p() { return ew.log1p(this); },
  expm1() { return ew.expm1(this); },
  selu() { return ew.selu(this); },
  softplus() { return ew.softplus(this); },
  softsign() { return ew.softsign(this); },
  relu6() { return ew.relu6(this); },
  swish() { return ew.swish(this); },
  logicalNot() { return ew.logicalNot(this); },
  isNaN() { return ew.isNaN(this); },
  notEqual(b: TensorLike) { return ew.notEqual(this, b); },
  greaterEqual(b: TensorLike) { return ew.greaterEqual(this, b); },
  lessEqual(b: TensorLike) { return ew.lessEqual(this, b); },
  logicalAnd(b: TensorLike) { return ew.logicalAnd(this, b); },
  logicalOr(b: TensorLike) { return ew.logicalOr(this, b); },
  squaredDifference(b: TensorLike) { return ew.squaredDifference(this, b); },
  elu(alpha?: number) { return ew.elu(this, alpha); },
  leakyRelu(alpha?: number) { return ew.leakyRelu(this, alpha); },
  gelu(approximate?: boolean) { return ew.gelu(this, approximate); },
  concat(tensors: TensorLike | TensorLike[], axis?: number) { return sh.concat([this, ...(Array.isArray(tensors) ? tensors : [tensors])], axis); },
  mod(b: TensorLike) { return ew.mod(this, b); },
  erf() { return ew.erf(this); },
  prod(axis?: Axis, keepDims?: boolean) { return rd.prod(this, axis, keepDims); },
  all(axis?: Axis, keepDims?: boolean) { return rd.all(this, axis, keepDims); },
  any(axis?: Axis, keepDims?: boolean) { return rd.any(this, axis, keepDims); },
  cumsum(axis?: number, exclusive?: boolean, reverse?: boolean) { return sc.cumsum(this, axis, exclusive, reverse); },
  cumprod(axis?: number, exclusive?: boolean, reverse?: boolean) { return sc.cumprod(this, axis, exclusive, reverse); },
  reverse(axis?: number | number[]) { return sh.reverse(this, axis); },
  norm(ord?: la.NormOrder, axis?: Axis, keepDims?: boolean) { return la.norm(this, ord, axis, keepDims); },
  dot(b: TensorLike) { return la.dot(this, b); },
  floorDiv(b: TensorLike) { return ew.floorDiv(this, b); },
  unsortedSegmentSum(segmentIds: TensorLike, numSegments: number) { return sh.unsortedSegmentSum(this, segmentIds, numSegments); },
  conv1d(filter: TensorLike, stride: number, pad: 'valid' | 'same', dataFormat?: 'NWC' | 'NCW', dilation?: number) { return cv.conv1d(this, filter, stride, pad, dataFormat, dilation); },
  maxPool(filterSize: number | [number, number], strides: number | [number, number], pad: Padding | ExplicitPadding, dimRoundingMode?: string) { return pl.maxPool(this, filterSize, strides, pad, dimRoundingMode); },
  avgPool(filterSize: number | [number, number], strides: number | [number, number], pad: Padding | ExplicitPadding, dimRoundingMode?: string) { return pl.avgPool(this, filterSize, strides, pad, dimRoundingMode); },
  conv2d(filter: TensorLike, strides: number | [number, number], pad: Padding | ExplicitPadding, dataFormat?: 'NHWC' | 'channelsLast', dilations?: number | [number, number], dimRoundingMode?: string) {
    return cv.conv2d(this, filter, strides, pad, dataFormat, dilations, dimRoundingMode);
  },
  depthwiseConv2d(filter: TensorLike, strides: number | [number, number], pad: Padding | ExplicitPadding, dataFormat?: 'NHWC' | 'channelsLast', dilations?: number | [number, number], dimRoundingMode?: string) {
    return cv.depthwiseConv2d(this, filter, strides, pad, dataFormat, dilations, dimRoundingMode);
  },
  conv2dTranspose(filter: TensorLike, outputShape: number[], strides: number | [number, number], pad: Padding | ExplicitPadding, dimRoundingMode?: string) {
    return cv.conv2dTranspose(this, filter, outputShape, strides, pad, dimRoundingMode);
  },
};
// split and unstack return lists, so they sit outside the table of single-tensor methods.
Object.defineProperty(Tensor.prototype, 'split', {
  value(this: Tensor, numOrSizeSplits: number | number[], axis?: number) { return sh.split(this, numOrSizeSplits, axis); },
  writable: true, configurable: true, enumerable: false,
});
Object.defineProperty(Tensor.prototype, 'unstack', {
  value(this: Tensor, axis?: number) { return sh.unstack(this, axis); },
  writable: true, configurable: true, enumerable: false,
});
// bufferSync and buffer return buffers, not tensors.
Object.defineProperty(Tensor.prototype, 'bufferSync', {
  value(this: Tensor) { return bufferOf(this, 'bufferSync'); },
  writable: true, configurable: true, enumerable: false,
});
Object.defineProperty(Tensor.prototype, 'buffer', {
  value(this: Tensor) { return Promise.resolve().then(() => bufferOf(this, 'buffer')); },
  writable: true, configurable: true, enumerable: false,
});
function bufferOf(t: Tensor, op: string): TensorBuffer {
  if ((t.dtype as string) === 'string') throw new Error(`${op}: received a string tensor of shape [${t.shape.join(', ')}]; a TensorBuffer holds numbers`);
  return new TensorBuffer(t.shape, t.dtype, t.values.slice(), op);
}
for (const [name, fn] of Object.entries(methods)) {
  Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true, enumerable: false });
}
