// The public op surface, and the chainable methods that TF.js users expect on tensors (x.add(y).relu()).
import type { DType } from '../dtype.js';
import { Tensor, type TensorLike } from '../tensor.js';
import * as ew from './elementwise.js';
import * as mm from './matmul.js';
import * as rd from './reduce.js';
import * as sh from './shape.js';

export {
  abs, add, cast, ceil, clipByValue, cos, div, elu, equal, exp, expm1, floor, gelu, greater, greaterEqual,
  hardSigmoid, isNaN, leakyRelu, less, lessEqual, log, log1p, logicalAnd, logicalNot, logicalOr, maximum, minimum,
  mul, neg, notEqual, pow, reciprocal, relu, relu6, round, rsqrt, selu, sigmoid, sign, sin, softplus, softsign,
  sqrt, square, squaredDifference, sub, swish, tanh, where,
} from './elementwise.js';
export { argMax, argMin, broadcastTo, logSoftmax, logSumExp, max, mean, min, softmax, sum } from './reduce.js';
export { matMul } from './matmul.js';
export { conv2d } from './conv.js';
export { avgPool2d, maxPool2d } from './pool.js';
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
    equal(b: TensorLike): Tensor;
    greater(b: TensorLike): Tensor;
    less(b: TensorLike): Tensor;
    slice(begin: number | number[], size?: number | number[]): Tensor;
    gather(indices: TensorLike, axis?: number): Tensor;
    pad(paddings: [number, number][], constantValue?: number): Tensor;
    tile(reps: number[]): Tensor;
    clipByValue(min: number, max: number): Tensor;
    logSoftmax(axis?: number): Tensor;
    logSumExp(axis?: Axis, keepDims?: boolean): Tensor;
    broadcastTo(shape: number[]): Tensor;
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
  equal(b: TensorLike) { return ew.equal(this, b); },
  greater(b: TensorLike) { return ew.greater(this, b); },
  less(b: TensorLike) { return ew.less(this, b); },
  slice(begin: number | number[], size?: number | number[]) { return sh.slice(this, begin, size); },
  gather(indices: TensorLike, axis?: number) { return sh.gather(this, indices, axis); },
  pad(paddings: [number, number][], constantValue?: number) { return sh.pad(this, paddings, constantValue); },
  tile(reps: number[]) { return sh.tile(this, reps); },
  clipByValue(min: number, max: number) { return ew.clipByValue(this, min, max); },
  logSoftmax(axis?: number) { return rd.logSoftmax(this, axis); },
  logSumExp(axis?: Axis, keepDims?: boolean) { return rd.logSumExp(this, axis, keepDims); },
  broadcastTo(shape: number[]) { return rd.broadcastTo(this, shape); },
};
for (const [name, fn] of Object.entries(methods)) {
  Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true, enumerable: false });
}
