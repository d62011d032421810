// What the fuzzer calls and with what. Every target has a baseline call that works; a case replaces one argument
// (or one property of an options object) with a generated value. Each generated value says whether an error is due:
// a value that no reading of the API accepts (NaN where a count goes, an unknown padding, an axis past the rank, a
// shape whose product passes 2^31 or 2^63, mismatched shapes) must raise an Error, and a result is then "silent";
// other values (NaN data, 0-size and rank-0..6 tensors, huge strides) may succeed or fail cleanly, and are there to
// find crashes, hangs and runaway allocations. Cases are a pure function of (seed, index), so a child process
// restarted after a crash resumes at the next case.
import * as tn from '../../lib/index.js';
import { rng } from '../helpers/gradcheck.js';

/** A generated argument value, with whether any call with it must fail. */
export interface Variant {
  label: string;
  value: () => unknown;
  due: boolean;
}

type Role =
  | 'T' // a float tensor (the data; any values and shapes may be legal)
  | 'Tstr' // the input of a layer that also reads strings (StringLookup, Hashing): a string is data too
  | 'Tb' // a tensor that must broadcast against the first
  | 'axis' // one axis of the first tensor
  | 'axes' // an axis, a list of axes, or none
  | 'shape' // a list of sizes
  | 'count' // a positive integer count or size
  | 'stride' // strides or dilations: positive integers
  | 'padding' // 'valid' | 'same'
  | 'dtype'
  | 'number' // any number (a data value)
  | 'bool'
  | 'indices' // int32 indices into an axis of the first tensor
  | 'tensors' // a list of tensors of one shape
  | 'perm'
  | 'paddings'
  | 'begin'
  | 'size2' // [height, width] of a resize
  | 'seed'
  | 'fixed'; // not mutated

export interface Target {
  name: string;
  roles: Role[];
  baseline: () => unknown[];
  call: (args: unknown[]) => unknown;
  /** Variants of the options object (args[index]) property by property, for layers and model entry points. */
  options?: { index: number; props: Record<string, Variant[]> };
  /** Whole argument lists, for targets whose cases are not one argument away from a baseline. */
  cases?: { label: string; args: () => unknown[]; due: boolean }[];
  /** A time limit of its own (ms), instead of the run's. */
  timeoutMs?: number;
}

const t = (shape: number[], offset = 0) => tn.tensor(Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, (_, i) => Math.sin(i + 1 + offset)), shape);
const ints = (values: number[]) => tn.tensor(values, [values.length], 'int32');

/** The variants of one role, given the baseline arguments (for ranks and shapes). */
export function variants(role: Role, args: unknown[], r: () => number): Variant[] {
  const x = args[0] instanceof tn.Tensor ? (args[0] as tn.Tensor) : null;
  const rank = x ? x.rank : 2;
  const notANumber: Variant[] = [
    { label: 'a string', value: () => 'abc', due: true },
    { label: 'an object', value: () => ({ bogus: 1 }), due: true },
  ];
  const badInt: Variant[] = [
    ...notANumber,
    { label: 'NaN', value: () => NaN, due: true },
    { label: 'Infinity', value: () => Infinity, due: true },
    { label: '1.5', value: () => 1.5, due: true },
  ];
  const randomShape = () => {
    const rk = Math.floor(r() * 7);
    return Array.from({ length: rk }, () => Math.floor(r() * 4));
  };
  switch (role) {
    case 'T':
      return [
        { label: 'a string', value: () => 'abc', due: true },
        { label: 'null', value: () => null, due: true },
        { label: 'undefined', value: () => undefined, due: true },
        { label: 'an object', value: () => ({ shape: [2] }), due: true },
        { label: 'a ragged array', value: () => [[1, 2], [3]], due: true },
        { label: 'NaN data', value: () => tn.fill(x?.shape ?? [2, 3], NaN), due: false },
        { label: 'Infinity data', value: () => tn.fill(x?.shape ?? [2, 3], -Infinity), due: false },
        { label: 'a 0-size tensor', value: () => tn.zeros([0, ...(x?.shape.slice(1) ?? [3])]), due: false },
        { label: 'a random-rank tensor', value: () => t(randomShape()), due: false },
        { label: 'a scalar', value: () => tn.scalar(2), due: false },
        { label: 'an int32 tensor', value: () => tn.zeros(x?.shape ?? [2, 3], 'int32'), due: false },
      ];
    case 'Tstr':
      return variants('T', args, r).map((v) => (v.label === 'a string' ? { ...v, due: false } : v));
    case 'Tb':
      return [
        { label: 'a non-broadcastable shape', value: () => t([7, 5, 4]), due: true },
        { label: 'a string', value: () => 'abc', due: true },
        { label: 'a 0-size tensor', value: () => tn.zeros([0, 1]), due: false },
        { label: 'NaN data', value: () => tn.scalar(NaN), due: false },
      ];
    case 'axis':
      return [
        ...badInt,
        { label: 'an axis past the rank', value: () => rank + 3, due: true },
        { label: 'an axis below -rank', value: () => -rank - 3, due: true },
        { label: '2^31', value: () => 2 ** 31, due: true },
        { label: '-2^53', value: () => -(2 ** 53), due: true },
      ];
    case 'axes':
      return [
        ...notANumber,
        { label: 'NaN', value: () => NaN, due: true },
        { label: 'an axis past the rank', value: () => rank + 3, due: true },
        { label: 'a list with an axis past the rank', value: () => [0, rank + 3], due: true },
        { label: 'a list with NaN', value: () => [NaN], due: true },
        { label: 'a fractional axis', value: () => 0.5, due: true },
      ];
    case 'shape':
      return [
        ...notANumber,
        { label: '[NaN, 2]', value: () => [NaN, 2], due: true },
        { label: '[1.5, 2]', value: () => [1.5, 2], due: true },
        { label: '[-3, 2]', value: () => [-3, 2], due: true },
        { label: '[Infinity]', value: () => [Infinity], due: true },
        { label: 'a product of 2^32 (overflows 32 bits)', value: () => [65536, 65536], due: true },
        { label: 'a product of 2^63 (overflows 64 bits)', value: () => [2 ** 21, 2 ** 21, 2 ** 21], due: true },
        { label: 'a product past 2^64', value: () => [3037000500, 3037000500, 5], due: true },
        { label: '[2^31]', value: () => [2 ** 31], due: true },
        { label: 'a 0-size shape', value: () => [0, 3], due: false },
        { label: 'a random shape', value: randomShape, due: false },
      ];
    case 'count':
      return [
        ...badInt,
        { label: '-2', value: () => -2, due: true },
        { label: '2^31', value: () => 2 ** 31, due: true },
        { label: '2^62', value: () => 2 ** 62, due: true },
      ];
    case 'stride':
      return [
        ...badInt,
        { label: '0', value: () => 0, due: true },
        { label: '-1', value: () => -1, due: true },
        { label: '[1, 0]', value: () => [1, 0], due: true },
        { label: '[NaN, 1]', value: () => [NaN, 1], due: true },
        { label: '2^31', value: () => 2 ** 31, due: false },
      ];
    case 'padding':
      return [
        { label: "'bogus'", value: () => 'bogus', due: true },
        { label: 'an object', value: () => ({}), due: true },
        { label: 'NaN', value: () => NaN, due: true },
      ];
    case 'dtype':
      return [
        { label: "'float64'", value: () => 'float64', due: true },
        { label: "'bogus'", value: () => 'bogus', due: true },
        { label: '5', value: () => 5, due: true },
      ];
    case 'number':
      return [
        ...notANumber,
        { label: 'NaN', value: () => NaN, due: false },
        { label: 'Infinity', value: () => Infinity, due: false },
        { label: '-3e38', value: () => -3e38, due: false },
      ];
    case 'bool':
      return [
        { label: 'a string', value: () => 'yes', due: true },
        { label: '2', value: () => 2, due: true },
      ];
    case 'indices':
      return [
        { label: 'an index past the axis', value: () => ints([0, 1000]), due: true },
        { label: 'a negative index', value: () => ints([-7]), due: true },
        { label: 'index 2^31-1', value: () => ints([2 ** 31 - 1]), due: true },
        { label: 'fractional float indices', value: () => tn.tensor([0.5]), due: true },
        { label: 'NaN indices', value: () => tn.tensor([NaN]), due: true },
        { label: 'a string', value: () => 'abc', due: true },
        { label: 'no indices', value: () => tn.zeros([0], 'int32'), due: false },
        { label: 'rank-3 indices', value: () => tn.zeros([2, 1, 2], 'int32'), due: false },
      ];
    case 'tensors':
      return [
        { label: 'an empty list', value: () => [], due: true },
        { label: 'mismatched shapes', value: () => [t([2, 3]), t([4, 5])], due: true },
        { label: 'a list with a string', value: () => [t([2, 3]), 'abc'], due: true },
        { label: 'not a list', value: () => 5, due: true },
        { label: '0-size tensors', value: () => [tn.zeros([0, 3]), tn.zeros([0, 3])], due: false },
        { label: 'scalars', value: () => [tn.scalar(1), tn.scalar(2)], due: false },
      ];
    case 'perm':
      return [
        ...notANumber,
        { label: 'a repeated axis', value: () => new Array(rank).fill(0), due: rank > 1 },
        { label: 'an axis past the rank', value: () => [rank + 2, ...Array.from({ length: rank - 1 }, (_, i) => i)], due: true },
        { label: 'too short', value: () => [0], due: rank !== 1 },
        { label: 'NaN', value: () => [NaN, 0], due: true },
      ];
    case 'paddings':
      return [
        ...notANumber,
        { label: 'a negative pad', value: () => Array.from({ length: rank }, () => [-1, 0]), due: true },
        { label: 'NaN pads', value: () => Array.from({ length: rank }, () => [NaN, 0]), due: true },
        { label: 'pads of 2^31', value: () => Array.from({ length: rank }, () => [2 ** 31, 0]), due: true },
        { label: 'the wrong number of axes', value: () => [[1, 1]], due: rank !== 1 },
      ];
    case 'begin':
      return [
        ...notANumber,
        { label: 'past the end', value: () => new Array(rank).fill(1000), due: true },
        { label: 'NaN', value: () => new Array(rank).fill(NaN), due: true },
        { label: 'the wrong length', value: () => [0, 0, 0, 0, 0, 0, 0], due: true },
      ];
    case 'size2':
      return [
        ...notANumber,
        { label: '[0, 3]', value: () => [0, 3], due: true },
        { label: '[NaN, 2]', value: () => [NaN, 2], due: true },
        { label: '[2^31, 2^31]', value: () => [2 ** 31, 2 ** 31], due: true },
        { label: '[65536, 65536]', value: () => [65536, 65536], due: true },
      ];
    case 'seed':
      return [
        ...notANumber,
        { label: 'NaN', value: () => NaN, due: true },
        { label: '2^53', value: () => 2 ** 53, due: false },
        { label: '-1', value: () => -1, due: false },
      ];
    case 'fixed':
      return [];
  }
}

const op = (name: string, roles: Role[], baseline: () => unknown[]): Target => ({
  name,
  roles,
  baseline,
  call: (args) => (tn as unknown as Record<string, (...a: unknown[]) => unknown>)[name](...args),
});

/** A function of tn.signal. */
const signalOp = (name: string, roles: Role[], baseline: () => unknown[]): Target => ({
  name: `signal.${name}`,
  roles,
  baseline,
  call: (args) => (tn.signal as unknown as Record<string, (...a: unknown[]) => unknown>)[name](...args),
});

/** A function of tn.image (TF.js's tf.image). */
const imageOp = (name: string, roles: Role[], baseline: () => unknown[]): Target => ({
  name: `image.${name}`,
  roles,
  baseline,
  call: (args) => (tn.image as unknown as Record<string, (...a: unknown[]) => unknown>)[name](...args),
});

/** A function of one of TF.js's namespaces (tn.linalg, tn.math, tn.sparse, tn.string). */
const nsOp = (ns: 'linalg' | 'math' | 'sparse' | 'string', name: string, roles: Role[], baseline: () => unknown[]): Target => ({
  name: `${ns}.${name}`,
  roles,
  baseline,
  call: (args) => (tn[ns] as unknown as Record<string, (...a: unknown[]) => unknown>)[name](...args),
});

const unary = ['abs', 'ceil', 'cos', 'exp', 'expm1', 'floor', 'log', 'log1p', 'neg', 'reciprocal', 'relu', 'relu6', 'round', 'rsqrt', 'selu', 'sigmoid', 'sign', 'sin', 'softplus', 'softsign', 'sqrt', 'square', 'swish', 'tanh', 'hardSigmoid', 'isNaN', 'logicalNot', 'onesLike', 'zerosLike', 'erf', 'stopGradient', 'clone',
  'acos', 'acosh', 'asin', 'asinh', 'atan', 'atanh', 'cosh', 'sinh', 'tan', 'isFinite', 'isInf', 'logSigmoid', 'reverse1d'];
const binary = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'squaredDifference', 'equal', 'notEqual', 'greater', 'greaterEqual', 'less', 'lessEqual', 'logicalAnd', 'logicalOr', 'mod', 'floorDiv', 'atan2', 'logicalXor', 'divNoNan'];
const reductions = ['sum', 'mean', 'max', 'min', 'logSumExp', 'prod', 'all', 'any', 'variance', 'std', 'moments'];

export const opTargets: Target[] = [
  ...unary.map((n) => op(n, ['T'], () => [t([2, 3])])),
  ...binary.map((n) => op(n, ['T', 'Tb'], () => [t([2, 3]), t([3], 5)])),
  ...reductions.map((n) => op(n, ['T', 'axes', 'bool'], () => [t([2, 3, 4]), 1, false])),
  op('argMax', ['T', 'axis'], () => [t([2, 3]), 1]),
  op('argMin', ['T', 'axis'], () => [t([2, 3]), 0]),
  op('argmax', ['T', 'axis', 'bool'], () => [t([2, 3]), 1, false]),
  op('argmin', ['T', 'axis', 'bool'], () => [t([2, 3]), 0, true]),
  op('cumsum', ['T', 'axis', 'bool', 'bool'], () => [t([2, 3]), 1, false, false]),
  op('cumprod', ['T', 'axis', 'bool', 'bool'], () => [t([2, 3]), 0, true, false]),
  op('topk', ['T', 'count', 'bool'], () => [t([2, 5]), 2, true]),
  op('sort', ['T', 'axis'], () => [t([2, 3]), -1]),
  op('argsort', ['T', 'axis'], () => [t([2, 3]), 0]),
  op('multinomial', ['T', 'count', 'seed', 'bool'], () => [t([2, 3]), 4, 1, false]),
  op('einsum', ['fixed', 'T', 'Tb'], () => ['ij,jk->ik', t([2, 3]), t([3, 4])]),
  op('norm', ['T', 'fixed', 'axis', 'bool'], () => [t([2, 3]), 'euclidean', 1, false]),
  op('dot', ['T', 'Tb'], () => [t([2, 3]), t([3, 4])]),
  op('outerProduct', ['T', 'Tb'], () => [t([3]), t([4])]),
  op('unstack', ['T', 'axis'], () => [t([2, 3]), 0]),
  op('reverse', ['T', 'axes'], () => [t([2, 3]), 1]),
  op('softmax', ['T', 'axis'], () => [t([2, 3]), -1]),
  op('logSoftmax', ['T', 'axis'], () => [t([2, 3]), 1]),
  op('elu', ['T', 'number'], () => [t([2, 3]), 1]),
  op('leakyRelu', ['T', 'number'], () => [t([2, 3]), 0.2]),
  op('gelu', ['T', 'bool'], () => [t([2, 3]), true]),
  op('clipByValue', ['T', 'number', 'number'], () => [t([2, 3]), -0.5, 0.5]),
  op('cast', ['T', 'dtype'], () => [t([2, 3]), 'int32']),
  op('reshape', ['T', 'shape'], () => [t([2, 3]), [3, 2]]),
  op('broadcastTo', ['T', 'shape'], () => [t([1, 3]), [2, 3]]),
  op('expandDims', ['T', 'axis'], () => [t([2, 3]), 1]),
  op('squeeze', ['T', 'axes'], () => [t([2, 1, 3]), 1]),
  op('transpose', ['T', 'perm'], () => [t([2, 3, 4]), [2, 0, 1]]),
  op('tile', ['T', 'shape'], () => [t([2, 3]), [2, 1]]),
  op('repeat', ['T', 'count', 'axis'], () => [t([2, 3]), 2, 1]),
  op('slice', ['T', 'begin', 'shape'], () => [t([4, 5]), [1, 1], [2, 3]]),
  op('gather', ['T', 'indices', 'axis'], () => [t([4, 3]), ints([0, 3, 1]), 0]),
  op('pad', ['T', 'paddings', 'number'], () => [t([2, 3]), [[1, 0], [0, 2]], 0]),
  op('concat', ['tensors', 'axis'], () => [[t([2, 3]), t([2, 3], 7)], 1]),
  op('stack', ['tensors', 'axis'], () => [[t([2, 3]), t([2, 3], 7)], 0]),
  op('split', ['T', 'count', 'axis'], () => [t([4, 3]), 2, 0]),
  op('where', ['T', 'T', 'Tb'], () => [tn.greater(t([2, 3]), 0), t([2, 3], 3), t([2, 3], 9)]),
  op('matMul', ['T', 'Tb', 'bool', 'bool'], () => [t([2, 3]), t([3, 4]), false, false]),
  // An index outside [0, depth) gives a row of offValue (TensorFlow's rule), so its indices are data, not positions.
  op('oneHot', ['T', 'count', 'number', 'number'], () => [ints([0, 2, 1]), 3, 1, 0]),
  op('conv2d', ['T', 'T', 'stride', 'padding', 'fixed', 'stride'], () => [t([1, 6, 6, 2]), t([3, 3, 2, 4]), 1, 'valid', 'NHWC', 1]),
  op('conv3d', ['T', 'T', 'stride', 'padding', 'fixed', 'stride'], () => [t([1, 4, 4, 4, 2]), t([2, 2, 2, 2, 3]), 1, 'valid', 'NDHWC', 1]),
  op('depthwiseConv2d', ['T', 'T', 'stride', 'padding', 'fixed', 'stride'], () => [t([1, 6, 6, 2]), t([3, 3, 2, 2]), 1, 'same', 'NHWC', 1]),
  op('conv2dTranspose', ['T', 'T', 'shape', 'stride', 'padding'], () => [t([1, 3, 3, 4]), t([2, 2, 2, 4]), [1, 6, 6, 2], 2, 'valid']),
  op('conv3dTranspose', ['T', 'T', 'shape', 'stride', 'padding'], () => [t([1, 2, 3, 3, 4]), t([2, 2, 2, 2, 4]), [1, 4, 6, 6, 2], 2, 'valid']),
  // flatten takes string tensors too, as tf.reshape does (a text column [N] to [N, 1] and back).
  op('flatten', ['Tstr'], () => [t([2, 3])]),
  // TF.js's names (lib/tfjs/ops.ts).
  op('euclideanNorm', ['T', 'axes', 'bool'], () => [t([2, 3]), 1, false]),
  op('step', ['T', 'number'], () => [t([2, 3]), 0.5]),
  op('addN', ['tensors'], () => [[t([2, 3]), t([2, 3], 7)]]),
  op('randomUniformInt', ['shape', 'number', 'number'], () => [[2, 3], 0, 5]),
  op('searchSorted', ['T', 'T', 'fixed'], () => [tn.tensor([0, 1, 2, 5]), t([3], 5), 'left']),
  op('lowerBound', ['T', 'T'], () => [tn.tensor([0, 1, 2, 5]), t([3], 5)]),
  op('upperBound', ['T', 'T'], () => [tn.tensor([0, 1, 2, 5]), t([3], 5)]),
  op('bincount', ['indices', 'T', 'count'], () => [ints([0, 2, 1, 2]), t([4]), 3]),
  op('denseBincount', ['indices', 'T', 'count', 'bool'], () => [ints([0, 2, 1, 2]), t([4]), 3, false]),
  op('meshgrid', ['T', 'Tb'], () => [t([3]), t([4], 5)]),
  op('slice1d', ['T', 'number', 'count'], () => [t([5]), 1, 2]),
  op('slice2d', ['T', 'begin', 'shape'], () => [t([4, 5]), [1, 1], [2, 3]]),
  op('slice3d', ['T', 'begin', 'shape'], () => [t([3, 4, 5]), [0, 1, 1], [2, 2, 3]]),
  op('slice4d', ['T', 'begin', 'shape'], () => [t([2, 3, 4, 5]), [0, 0, 1, 1], [1, 2, 2, 3]]),
  op('reverse2d', ['T', 'axes'], () => [t([2, 3]), 1]),
  op('reverse3d', ['T', 'axes'], () => [t([2, 3, 4]), 2]),
  op('reverse4d', ['T', 'axes'], () => [t([2, 3, 4, 5]), 0]),
  op('concat1d', ['tensors'], () => [[t([3]), t([2], 7)]]),
  op('concat2d', ['tensors', 'axis'], () => [[t([2, 3]), t([2, 3], 7)], 1]),
  op('concat3d', ['tensors', 'axis'], () => [[t([2, 3, 2]), t([2, 3, 2], 7)], 2]),
  op('concat4d', ['tensors', 'axis'], () => [[t([1, 2, 3, 2]), t([1, 2, 3, 2], 7)], 0]),
  op('pad1d', ['T', 'fixed', 'number'], () => [t([3]), [1, 2], 0]),
  op('pad2d', ['T', 'paddings', 'number'], () => [t([2, 3]), [[1, 0], [0, 2]], 0]),
  op('pad3d', ['T', 'paddings', 'number'], () => [t([2, 3, 1]), [[1, 0], [0, 2], [0, 0]], 0]),
  op('pad4d', ['T', 'paddings', 'number'], () => [t([1, 2, 3, 1]), [[0, 0], [1, 0], [0, 2], [0, 0]], 0]),
  op('maxPool2d', ['T', 'stride', 'stride', 'padding'], () => [t([1, 4, 4, 2]), 2, 2, 'valid']),
  op('avgPool2d', ['T', 'stride', 'stride', 'padding'], () => [t([1, 4, 4, 2]), 2, 1, 'same']),
  op('maxPool3d', ['T', 'stride', 'stride', 'padding'], () => [t([1, 4, 4, 4, 1]), 2, 2, 'valid']),
  op('avgPool3d', ['T', 'stride', 'stride', 'padding'], () => [t([1, 4, 4, 4, 1]), 2, 2, 'valid']),
  op('resizeBilinear', ['T', 'size2'], () => [t([1, 3, 3, 2]), [5, 4]]),
  op('resizeNearest', ['T', 'size2'], () => [t([1, 3, 3, 2]), [5, 4]]),
  op('affineTransform', ['T', 'T'], () => [t([1, 4, 4, 1]), tn.tensor([[1, 0, 0, 0, 1, 0, 0, 0]])]),
  op('zeros', ['shape', 'dtype'], () => [[2, 3], 'float32']),
  op('ones', ['shape', 'dtype'], () => [[2, 3], 'int32']),
  op('fill', ['shape', 'number', 'dtype'], () => [[2, 3], 7, 'float32']),
  op('eye', ['count', 'count', 'dtype'], () => [3, 4, 'float32']),
  op('range', ['number', 'number', 'number', 'dtype'], () => [0, 5, 1, 'float32']),
  op('linspace', ['number', 'number', 'count'], () => [0, 1, 5]),
  op('randomNormal', ['shape', 'number', 'number', 'dtype', 'seed'], () => [[2, 3], 0, 1, 'float32', 3]),
  op('randomUniform', ['shape', 'number', 'number', 'dtype', 'seed'], () => [[2, 3], 0, 1, 'float32', 3]),
  op('truncatedNormal', ['shape', 'number', 'number', 'dtype', 'seed'], () => [[2, 3], 0, 1, 'float32', 3]),
  op('tensor', ['fixed', 'shape', 'dtype'], () => [[1, 2, 3, 4, 5, 6], [2, 3], 'float32']),
  op('tensor1d', ['fixed', 'dtype'], () => [[1, 2, 3], 'float32']),
  ...[2, 3, 4, 5, 6].map((r) => op(`tensor${r}d`, ['fixed', 'shape', 'dtype'], () => [[1, 2, 3, 4, 5, 6], [6, ...new Array(r - 1).fill(1)], 'float32'])),
  op('randomStandardNormal', ['shape', 'dtype', 'seed'], () => [[2, 3], 'float32', 3]),
  op('scalar', ['number', 'dtype'], () => [3, 'float32']),
  op('variable', ['T', 'bool', 'fixed', 'dtype'], () => [t([2, 3]), true, undefined, 'float32']),
  op('maxPool', ['T', 'stride', 'stride', 'padding'], () => [t([1, 4, 4, 2]), 2, 2, 'valid']),
  op('avgPool', ['T', 'stride', 'stride', 'padding'], () => [t([1, 4, 4, 2]), 3, 1, 'same']),
  op('conv1d', ['T', 'T', 'count', 'padding', 'fixed', 'count'], () => [t([2, 6, 3]), t([3, 3, 4]), 1, 'same', 'NWC', 1]),
  op('unsortedSegmentSum', ['T', 'fixed', 'count'], () => [t([4, 3]), ints([0, 2, 0, 1]), 3]),
  op('dropout', ['T', 'number', 'fixed', 'fixed'], () => [t([2, 3]), 0.5, null, 3]),
  op('buffer', ['shape', 'dtype', 'fixed'], () => [[2, 3], 'float32', undefined]),
  op('setSeed', ['seed'], () => [5]),
  op('setDeterministic', ['bool'], () => [false]),
  // tn.signal (a namespace: outside the sweep of tn's own functions, so listed here by hand).
  signalOp('frame', ['T', 'count', 'count', 'bool', 'number'], () => [t([2, 10]), 4, 2, false, 0]),
  signalOp('hannWindow', ['count'], () => [8]),
  signalOp('hammingWindow', ['count'], () => [7]),
  signalOp('rfft', ['T', 'count'], () => [t([2, 8]), 6]),
  signalOp('stft', ['T', 'count', 'count', 'count'], () => [t([2, 20]), 8, 4, 12]),
  signalOp('linearToMelWeightMatrix', ['count', 'count', 'number', 'number', 'number'], () => [4, 9, 8000, 100, 3000]),
  imageOp('resizeBilinear', ['T', 'size2', 'bool', 'bool'], () => [t([1, 3, 3, 2]), [5, 4], true, false]),
  imageOp('resizeNearestNeighbor', ['T', 'size2', 'bool', 'bool'], () => [t([3, 3, 2]), [2, 5], false, true]),
  imageOp('flipLeftRight', ['T'], () => [t([1, 3, 4, 2])]),
  imageOp('rgbToGrayscale', ['T'], () => [t([2, 2, 3])]),
  imageOp('grayscaleToRGB', ['T'], () => [t([2, 2, 1])]),
  // TF.js's ops added beside them (lib/tfjs/ops.ts, nn-ops.ts, array-ops.ts, pool-ops.ts, misc-ops.ts, detection.ts,
  // image-transforms.ts, linalg.ts, math.ts, sparse.ts, string.ts). stridedSlice's begins, ends and strides and
  // localResponseNormalization's radius are fixed: out-of-range begins clamp, negative strides and a radius of 0 are
  // legal there, so the generic index and count variants would not be errors.
  op('gatherND', ['T', 'fixed'], () => [t([3, 4]), tn.tensor([[0, 1], [2, 3]], [2, 2], 'int32')]),
  op('scatterND', ['fixed', 'T', 'shape'], () => [tn.tensor([[0], [2]], [2, 1], 'int32'), t([2, 3]), [4, 3]]),
  op('tensorScatterUpdate', ['T', 'fixed', 'T'], () => [t([4, 3]), tn.tensor([[1], [3]], [2, 1], 'int32'), t([2, 3], 5)]),
  op('batchNorm', ['T', 'Tb', 'Tb', 'Tb', 'Tb', 'number'], () => [t([2, 3]), t([3], 1), tn.tensor([0.5, 1, 2]), t([3], 2), t([3], 3), 0.001]),
  ...[2, 3, 4].map((r) => op(`batchNorm${r}d`, ['T', 'Tb', 'Tb', 'Tb', 'Tb', 'number'], () => [t([...new Array(r - 1).fill(2), 3]), t([3], 1), tn.tensor([0.5, 1, 2]), t([3], 2), t([3], 3), 0.001])),
  op('separableConv2d', ['T', 'T', 'T', 'stride', 'padding', 'stride'], () => [t([1, 5, 5, 2]), t([3, 3, 2, 2]), t([1, 1, 4, 3]), 1, 'same', 1]),
  op('prelu', ['T', 'Tb'], () => [t([2, 3]), t([3], 4)]),
  op('localResponseNormalization', ['T', 'fixed', 'number', 'number', 'number'], () => [t([1, 3, 3, 4]), 2, 1, 1, 0.5]),
  op('movingAverage', ['T', 'T', 'number', 'number', 'bool'], () => [t([2, 3]), t([2, 3], 1), 0.9, 2, true]),
  op('inTopKAsync', ['T', 'fixed', 'count'], () => [t([3, 4]), ints([0, 2, 3]), 2]),
  op('stridedSlice', ['T', 'fixed', 'fixed', 'fixed', 'fixed', 'fixed', 'fixed', 'fixed', 'fixed'], () => [t([3, 4, 5]), [0, 3, 1], [3, 0, 5], [2, -1, 2], 0, 2, 0, 0, 0]),
  op('unique', ['T', 'axis'], () => [tn.tensor([[1, 2], [3, 4], [1, 2]]), 0]),
  op('whereAsync', ['T'], () => [tn.greater(t([2, 3]), 0)]),
  op('booleanMaskAsync', ['T', 'fixed', 'axis'], () => [t([3, 2]), ints([1, 0, 1]), 0]),
  op('setdiff1dAsync', ['T', 'T'], () => [tn.tensor([1, 2, 3, 4]), tn.tensor([2, 5])]),
  op('mirrorPad', ['T', 'paddings', 'fixed'], () => [t([3, 4]), [[1, 2], [0, 3]], 'symmetric']),
  op('depthToSpace', ['T', 'count', 'fixed'], () => [t([1, 2, 2, 8]), 2, 'NHWC']),
  op('spaceToBatchND', ['T', 'fixed', 'paddings'], () => [t([1, 4, 4, 1]), [2, 2], [[0, 0], [0, 0]]]),
  op('batchToSpaceND', ['T', 'fixed', 'paddings'], () => [t([4, 2, 2, 1]), [2, 2], [[0, 1], [1, 0]]]),
  op('diag', ['T'], () => [t([2, 3])]),
  op('ensureShape', ['T', 'shape'], () => [t([2, 3]), [2, 3]]),
  op('pool', ['T', 'stride', 'fixed', 'padding', 'stride', 'stride'], () => [t([1, 5, 5, 2]), 2, 'max', 'same', 1, 1]),
  op('maxPoolWithArgmax', ['T', 'stride', 'stride', 'padding', 'bool'], () => [t([1, 4, 4, 2]), 2, 2, 'valid', false]),
  op('dilation2d', ['T', 'T', 'stride', 'padding', 'stride'], () => [t([1, 5, 5, 2]), t([2, 2, 2]), 1, 'same', 1]),
  op('basicLSTMCell', ['T', 'T', 'T', 'T', 'T', 'T'], () => [tn.scalar(1), t([5, 8]), t([8]), t([2, 3]), t([2, 2]), t([2, 2], 4)]),
  op('multiRNNCell', ['fixed', 'T', 'fixed', 'fixed'], () => {
    const cell = (x: tn.Tensor, c: tn.Tensor, h: tn.Tensor) => tn.basicLSTMCell(1, t([x.shape[1] + 2, 8]), t([8]), x, c, h);
    return [[cell, cell], t([2, 3]), [t([2, 2]), t([2, 2], 1)], [t([2, 2], 2), t([2, 2], 3)]];
  }),
  op('sparseToDense', ['fixed', 'T', 'shape', 'number'], () => [ints([0, 2]), t([2]), [4], 0]),
  op('randomGamma', ['shape', 'number', 'number', 'dtype', 'seed'], () => [[2, 3], 2, 1, 'float32', 3]),
  op('rand', ['shape', 'fixed', 'dtype'], () => [[2, 3], () => 0.5, 'float32']),
  op('broadcastArgs', ['T', 'T'], () => [ints([2, 1, 3]), ints([4, 1])]),
  op('bitwiseAnd', ['T', 'T'], () => [ints([5, 6, 7]), ints([3, 3, 3])]),
  op('enclosingPowerOfTwo', ['number'], () => [5]),
  op('cosineWindow', ['count', 'number', 'number'], () => [8, 0.54, 0.46]),
  imageOp('nonMaxSuppression', ['T', 'T', 'count', 'number', 'number'], () => [tn.tensor([[0, 0, 1, 1], [0, 0.1, 1, 1.1], [2, 2, 3, 3]]), tn.tensor([0.9, 0.8, 0.7]), 2, 0.5, 0]),
  imageOp('nonMaxSuppressionAsync', ['T', 'T', 'count', 'number', 'number'], () => [tn.tensor([[0, 0, 1, 1], [0, 0.1, 1, 1.1], [2, 2, 3, 3]]), tn.tensor([0.9, 0.8, 0.7]), 2, 0.5, 0]),
  imageOp('nonMaxSuppressionWithScore', ['T', 'T', 'count', 'number', 'number', 'number'], () => [tn.tensor([[0, 0, 1, 1], [0, 0.1, 1, 1.1], [2, 2, 3, 3]]), tn.tensor([0.9, 0.8, 0.7]), 2, 0.5, 0, 0.5]),
  imageOp('nonMaxSuppressionPadded', ['T', 'T', 'count', 'number', 'number', 'bool'], () => [tn.tensor([[0, 0, 1, 1], [0, 0.1, 1, 1.1], [2, 2, 3, 3]]), tn.tensor([0.9, 0.8, 0.7]), 2, 0.5, 0, true]),
  imageOp('cropAndResize', ['T', 'T', 'fixed', 'size2', 'fixed', 'number'], () => [t([2, 4, 5, 2]), tn.tensor([[0, 0, 1, 1], [0.2, 0.1, 0.6, 1.2]]), ints([0, 1]), [3, 3], 'bilinear', 0]),
  imageOp('transform', ['T', 'T', 'fixed', 'fixed', 'number', 'fixed'], () => [t([1, 4, 4, 1]), tn.tensor([[1, 0, 0.5, 0, 1, -0.5, 0, 0]]), 'bilinear', 'reflect', 0, null]),
  imageOp('rotateWithOffset', ['T', 'number', 'fixed', 'fixed'], () => [t([1, 4, 5, 3]), 0.3, 0, 0.5]),
  imageOp('threshold', ['T', 'fixed', 'bool', 'number'], () => [tn.tensor([[[10, 200, 30]], [[250, 250, 250]]]), 'otsu', false, 0.5]),
  nsOp('linalg', 'bandPart', ['T', 'fixed', 'fixed'], () => [t([3, 4]), 1, -1]),
  nsOp('linalg', 'gramSchmidt', ['T'], () => [t([2, 3])]),
  nsOp('linalg', 'qr', ['T', 'bool'], () => [t([4, 3]), false]),
  nsOp('math', 'confusionMatrix', ['fixed', 'fixed', 'count'], () => [ints([0, 1, 2]), ints([0, 2, 2]), 3]),
  nsOp('sparse', 'sparseFillEmptyRows', ['fixed', 'T', 'fixed', 'number'], () => [tn.tensor([[0, 0], [2, 1]], [2, 2], 'int32'), t([2]), ints([3, 2]), -1]),
  nsOp('sparse', 'sparseReshape', ['fixed', 'fixed', 'fixed'], () => [tn.tensor([[0, 0], [1, 2]], [2, 2], 'int32'), ints([2, 3]), ints([3, -1])]),
  nsOp('sparse', 'sparseSegmentSum', ['T', 'fixed', 'fixed'], () => [t([4, 3]), ints([0, 3, 1]), ints([0, 0, 2])]),
  nsOp('sparse', 'sparseSegmentMean', ['T', 'fixed', 'fixed'], () => [t([4, 3]), ints([0, 3, 1]), ints([0, 0, 2])]),
  nsOp('string', 'stringToHashBucketFast', ['Tstr', 'count'], () => [tn.tensor(['a', 'b']), 10]),
  nsOp('string', 'staticRegexReplace', ['Tstr', 'fixed', 'fixed', 'bool'], () => [tn.tensor(['a-b', 'c']), '-', '+', true]),
  nsOp('string', 'stringSplit', ['Tstr', 'fixed', 'bool'], () => [tn.tensor(['a b', 'c']), tn.tensor(' ' as never), true]),
  nsOp('string', 'stringNGrams', ['Tstr', 'fixed', 'fixed', 'fixed', 'fixed', 'fixed', 'fixed', 'fixed'], () => [tn.tensor(['a', 'b', 'c']), ints([0, 3]), ' ', [2], '<', '>', 1, false]),
];

// Tensor methods: the op of the same name, called on the first argument.
const methodNames = new Set(Object.getOwnPropertyNames(tn.Tensor.prototype));
export const methodTargets: Target[] = opTargets
  .filter((o) => methodNames.has(o.name) && o.roles[0] === 'T')
  .map((o) => ({
    name: `Tensor.${o.name}`,
    // The receiver stays a tensor (a non-tensor has no methods to call); the ops cover odd first arguments.
    roles: ['fixed' as Role, ...o.roles.slice(1)],
    baseline: o.baseline,
    call: (args: unknown[]) => {
      const [self, ...rest] = args;
      if (!(self instanceof tn.Tensor)) throw new Error(`Tensor.${o.name}: (the fuzzer) the receiver is not a tensor`);
      return (self as unknown as Record<string, (...a: unknown[]) => unknown>)[o.name](...rest);
    },
  }));

// ---------------------------------------------------------------------------------------------------------------
// Layers: each class in tn.layers is built from the first candidate configuration that works on one of the candidate
// inputs (found once per process), then its configuration is varied property by property. A case constructs the
// layer and applies it to the input, so an error in either place counts.

/** Properties that count things or sizes: not 0, negative or fractional. */
const positiveInts = new Set(['units', 'filters', 'kernelSize', 'strides', 'poolSize', 'dilationRate', 'depthMultiplier', 'numHeads', 'keyDim', 'valueDim', 'inputDim', 'outputDim', 'size', 'n', 'groups', 'height', 'width', 'numTokens', 'maxTokens', 'outputSequenceLength', 'targetShape']);
/** Properties whose huge values make a tensor no buffer can hold. */
const sizeProps = new Set(['units', 'filters', 'outputDim', 'inputDim', 'numHeads', 'keyDim', 'n', 'height', 'width', 'size', 'depthMultiplier']);

function propVariants(name: string, value: unknown): Variant[] {
  const out: Variant[] = [];
  if (typeof value === 'number') {
    out.push(
      { label: 'NaN', value: () => NaN, due: true },
      { label: 'a string', value: () => 'abc', due: true },
      { label: 'Infinity', value: () => Infinity, due: positiveInts.has(name) || sizeProps.has(name) || name === 'rate' },
      { label: '-3', value: () => -3, due: positiveInts.has(name) || name === 'rate' },
      { label: '1.5', value: () => 1.5, due: positiveInts.has(name) || name === 'rate' },
      { label: '0', value: () => 0, due: positiveInts.has(name) },
      { label: '2^31', value: () => 2 ** 31, due: sizeProps.has(name) || name === 'rate' },
    );
  } else if (Array.isArray(value) && value.every((v) => typeof v === 'number')) {
    out.push(
      { label: 'a list with NaN', value: () => value.map(() => NaN), due: true },
      { label: 'a list with 0', value: () => value.map(() => 0), due: positiveInts.has(name) },
      { label: 'a list with -2', value: () => value.map(() => -2), due: positiveInts.has(name) },
      { label: 'a string', value: () => 'abc', due: true },
      { label: 'a list of 2^31', value: () => value.map(() => 2 ** 31), due: sizeProps.has(name) },
    );
  } else if (typeof value === 'string') {
    out.push({ label: "'bogus'", value: () => 'bogus', due: name !== 'name' }, { label: 'a number', value: () => 7, due: name !== 'name' });
  } else if (typeof value === 'boolean') {
    out.push({ label: 'a string', value: () => 'abc', due: true });
  }
  return out;
}

const candidateConfigs: Record<string, unknown>[] = [
  {},
  { units: 3 },
  { filters: 2, kernelSize: 2 },
  { kernelSize: 2 },
  { rate: 0.5 },
  { poolSize: 2 },
  { size: 2 },
  { padding: 1 },
  { cropping: 1 },
  { n: 2 },
  { targetShape: [-1] },
  { dims: [2, 1] },
  { numHeads: 2, keyDim: 2 },
  { inputDim: 5, outputDim: 3 },
  { height: 2, width: 2 },
  { stddev: 0.1 },
  { scale: 2 },
  { axis: -1 },
  { activation: 'relu' },
  { units: 3, returnSequences: true },
  { maxValue: 1 },
  { alpha: 0.2 },
  { theta: 0.5 },
  { mean: 0, variance: 1 },
  { factor: 0.1 },
  { mode: 'horizontal' },
  { numTokens: 5 },
  { maxTokens: 5 },
  { numBins: 3 },
  { binBoundaries: [0, 1] },
  { vocabulary: ['a', 'b'] },
  { groups: 1 },
];

function candidateInputs(): unknown[] {
  // Appended ones come last, so that the layers which took an earlier input keep it: a sequence of volumes
  // (ConvLSTM3D) and a string and an integer column (HashedCrossing).
  return [
    t([2, 4]), t([2, 3, 4]), t([2, 4, 4, 2]), t([2, 4, 4, 4, 2]), [t([2, 4]), t([2, 4], 3)], [t([2, 3, 4]), t([2, 3, 4], 3)], tn.tensor([[1, 2, 0], [3, 4, 1]], [2, 3], 'int32'), tn.tensor([[1, 2], [3, 4]]), ['a', 'b', 'c'], ['a b', 'b c'],
    t([1, 2, 3, 3, 3, 2]), [tn.tensor(['a', 'b']), tn.tensor([1, 2], [2], 'int32')],
  ];
}

type LayerCtor = new (config: Record<string, unknown>) => tn.Layer;

function layerConfigFor(name: string, ctor: LayerCtor): { config: () => Record<string, unknown>; input: number } | null {
  const special: Record<string, () => Record<string, unknown>> = {
    Bidirectional: () => ({ layer: new tn.layers.LSTM({ units: 2 }) }),
    TimeDistributed: () => ({ layer: new tn.layers.Dense({ units: 2 }) }),
    RNN: () => ({ cell: new tn.layers.SimpleRNNCell({ units: 2 }) }),
    Lambda: () => ({ function: (x: tn.Tensor) => tn.mul(x, 2) }),
    Dot: () => ({ axes: 1 }),
    IntegerLookup: () => ({ vocabulary: [1, 2, 3] }),
    StringLookup: () => ({ vocabulary: ['a', 'b'] }),
    TextVectorization: () => ({ vocabulary: ['a', 'b'] }),
    RandomTranslation: () => ({ heightFactor: 0.1, widthFactor: 0.1 }),
    RandomZoom: () => ({ heightFactor: 0.1 }),
    MelSpectrogram: () => ({ fftLength: 4, sequenceStride: 2, numMelBins: 2 }),
    RandomHue: () => ({ factor: 0.2, valueRange: [0, 1] }),
    RandomPosterization: () => ({ factor: 4, valueRange: [0, 255] }),
    STFTSpectrogram: () => ({ frameLength: 2, frameStep: 1 }),
  };
  const configs = special[name] ? [special[name]] : candidateConfigs.map((c) => () => structuredClone(c));
  for (const config of configs) {
    const inputs = candidateInputs();
    for (let i = 0; i < inputs.length; i++) {
      try {
        const layer = new ctor(config());
        const out = layer.apply(inputs[i] as tn.Tensor);
        if (out === undefined) continue;
        // Only the properties the layer keeps (its getConfig()) are varied: a candidate's other keys are ignored by
        // this layer and would vary nothing.
        let known: Set<string>;
        try {
          known = new Set(Object.keys(layer.getConfig()));
        } catch {
          known = new Set(Object.keys(config())); // a Lambda's function has no config
        }
        const kept = () => Object.fromEntries(Object.entries(config()).filter(([k]) => known.has(k)));
        return { config: kept, input: i };
      } catch {
        // the next candidate
      }
    }
  }
  return null;
}

let layerCache: { targets: Target[]; unbuilt: string[] } | null = null;

/** One target per layer class of tn.layers (the classes only: the lower-case factories make the same layers). */
export function layerTargets(): { targets: Target[]; unbuilt: string[] } {
  if (layerCache) return layerCache;
  const targets: Target[] = [];
  const unbuilt: string[] = [];
  // Input is Keras's function for a symbolic input (tn.input), not a layer class.
  const skip = new Set(['Layer', 'InputLayer', 'SymbolicTensor', 'RNNCell', 'Wrapper', 'Input']);
  // Keras's aliases (MaxPool1D for MaxPooling1D, ...) are the same classes: each class is fuzzed once.
  const seen = new Set<unknown>();
  for (const [name, value] of Object.entries(tn.layers)) {
    if (typeof value !== 'function' || !/^[A-Z]/.test(name) || skip.has(name) || name.endsWith('Cell') || name.endsWith('Cells') || seen.has(value)) continue;
    seen.add(value);
    const found = layerConfigFor(name, value as unknown as LayerCtor);
    if (!found) {
      unbuilt.push(name);
      continue;
    }
    const baseConfig = found.config();
    const props: Record<string, Variant[]> = {};
    for (const [k, v] of Object.entries(baseConfig)) props[k] = propVariants(k, v);
    props.inputShape = [
      { label: 'inputShape with NaN', value: () => [NaN, 2], due: true },
      { label: 'inputShape of a string', value: () => 'abc', due: true },
    ];
    targets.push({
      name: `layers.${name}`,
      roles: ['fixed', (value as unknown as { takesIntegerInput?: boolean }).takesIntegerInput ? 'Tstr' : 'T'],
      baseline: () => [found.config(), candidateInputs()[found.input]],
      call: (args) => new (value as unknown as LayerCtor)(args[0] as Record<string, unknown>).apply(args[1] as tn.Tensor),
      options: { index: 0, props },
    });
  }
  layerCache = { targets, unbuilt };
  return layerCache;
}

// ---------------------------------------------------------------------------------------------------------------
// Models: compile, fit, evaluate, predict, save and loading, on a small Dense model.

function smallModel(compiled = true): tn.Sequential {
  const m = tn.sequential({ layers: [tn.layers.dense({ units: 4, activation: 'relu', inputShape: [3] }), tn.layers.dense({ units: 2 })] });
  if (compiled) m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  return m;
}

const countVariants: Variant[] = [
  { label: 'NaN', value: () => NaN, due: true },
  { label: '0', value: () => 0, due: true },
  { label: '-1', value: () => -1, due: true },
  { label: '1.5', value: () => 1.5, due: true },
  { label: 'a string', value: () => '2', due: true },
];

export const modelTargets: Target[] = [
  {
    name: 'Model.fit',
    roles: ['T', 'T', 'fixed'],
    baseline: () => [t([8, 3]), t([8, 2]), { epochs: 1, batchSize: 4, verbose: 0, validationSplit: 0.25 }],
    call: (args) => smallModel().fit(args[0] as tn.Tensor, args[1] as tn.Tensor, args[2] as tn.FitArgs),
    options: {
      index: 2,
      props: {
        // Keras allows epochs 0 (fit trains nothing); the other bad counts are errors.
        epochs: [...countVariants.filter((v) => v.label !== '0'), { label: '0', value: () => 0, due: false }],
        yieldEvery: [{ label: 'a string', value: () => 'often', due: true }, { label: '-1', value: () => -1, due: true }, { label: 'NaN', value: () => NaN, due: true }],
        batchSize: [...countVariants, { label: '2^31', value: () => 2 ** 31, due: false }],
        validationSplit: [
          { label: 'NaN', value: () => NaN, due: true },
          { label: '1.5', value: () => 1.5, due: true },
          { label: '-0.5', value: () => -0.5, due: true },
          { label: 'a string', value: () => '0.2', due: true },
        ],
        verbose: [{ label: '7', value: () => 7, due: true }, { label: 'a string', value: () => 'loud', due: true }],
        initialEpoch: [{ label: 'NaN', value: () => NaN, due: true }, { label: '-1', value: () => -1, due: true }],
        shuffle: [{ label: 'a string', value: () => 'yes', due: true }],
        stepsPerEpoch: [{ label: 'NaN', value: () => NaN, due: true }, { label: '0', value: () => 0, due: true }],
        validationFreq: [{ label: 'NaN', value: () => NaN, due: true }, { label: '0', value: () => 0, due: true }],
        classWeight: [{ label: 'a string', value: () => 'abc', due: true }, { label: 'NaN weights', value: () => ({ 0: NaN }), due: true }],
      },
    },
  },
  {
    name: 'Model.fit rows',
    roles: ['fixed', 'fixed'],
    baseline: () => [t([8, 3]), t([8, 2])],
    call: (args) => smallModel().fit(args[0] as tn.Tensor, args[1] as tn.Tensor, { epochs: 1, verbose: 0 }),
    cases: [
      { label: 'fewer y rows than x rows', args: () => [t([8, 3]), t([5, 2])], due: true },
      { label: 'x with 4 features for a model of 3', args: () => [t([8, 4]), t([8, 2])], due: true },
      { label: 'y with 3 outputs for a model of 2', args: () => [t([8, 3]), t([8, 3])], due: true },
      { label: 'rank-1 x', args: () => [t([8]), t([8, 2])], due: true },
      { label: 'no samples', args: () => [tn.zeros([0, 3]), tn.zeros([0, 2])], due: false },
      { label: 'NaN data', args: () => [tn.fill([8, 3], NaN), t([8, 2])], due: false },
    ],
  },
  {
    name: 'Model.predict',
    roles: ['T', 'fixed'],
    baseline: () => [t([5, 3]), { batchSize: 2 }],
    call: (args) => smallModel().predict(args[0] as tn.Tensor, args[1] as tn.PredictArgs),
    options: { index: 1, props: { batchSize: countVariants } },
  },
  {
    name: 'Model.evaluate',
    roles: ['T', 'T', 'fixed'],
    baseline: () => [t([6, 3]), t([6, 2]), { batchSize: 3, verbose: 0 }],
    call: (args) => smallModel().evaluate(args[0] as tn.Tensor, args[1] as tn.Tensor, args[2] as tn.EvaluateArgs),
    options: { index: 2, props: { batchSize: countVariants } },
  },
  {
    name: 'Model.compile',
    roles: ['fixed'],
    baseline: () => [{ optimizer: 'adam', loss: 'meanSquaredError', metrics: ['mae'] }],
    call: (args) => smallModel(false).compile(args[0] as tn.CompileArgs),
    options: {
      index: 0,
      props: {
        optimizer: [{ label: "'bogus'", value: () => 'bogus', due: true }, { label: 'a number', value: () => 3, due: true }],
        loss: [{ label: "'bogus'", value: () => 'bogus', due: true }, { label: 'a number', value: () => 3, due: true }],
        metrics: [{ label: "['bogus']", value: () => ['bogus'], due: true }, { label: 'a number', value: () => 3, due: true }],
      },
    },
  },
  {
    name: 'loadModel',
    roles: ['fixed'],
    baseline: () => ['file:///nonexistent-tensornode-fuzz/model.json'],
    call: (args) => tn.loadModel(args[0] as string),
    cases: [],
  },
  {
    name: 'Model.save',
    roles: ['fixed'],
    baseline: () => ['foo://x'],
    call: (args) => smallModel().save(args[0] as string),
    cases: [],
  },
];

/** Whole-argument variants for the loading and saving targets. */
const sourceVariants: Variant[] = [
  { label: 'an unknown URL scheme', value: () => 'foo://bar/model.json', due: true },
  { label: "TF.js's indexeddb://", value: () => 'indexeddb://my-model', due: true },
  { label: 'an empty string', value: () => '', due: true },
  { label: 'a number', value: () => 5, due: true },
  { label: 'an object without load/save', value: () => ({}), due: true },
  { label: 'a missing file', value: () => 'file:///nonexistent-tensornode-fuzz/model.json', due: true },
];
for (const name of ['loadModel', 'Model.save']) {
  modelTargets.find((m) => m.name === name)!.cases = sourceVariants.filter((v) => name === 'loadModel' || v.label !== 'a missing file').map((v) => ({ label: v.label, args: () => [v.value()], due: v.due }));
}

export interface Case {
  index: number;
  target: string;
  label: string;
  due: boolean;
  timeoutMs?: number;
  run: () => unknown;
}

// Targets that misbehave on purpose, one per outcome, so that a test can check the classifier itself
// (TENSORNODE_FUZZ_SELFTEST=1 makes them the only targets).
const selfTestTargets: Target[] = [
  { name: 'selftest.error', roles: [], baseline: () => [], call: () => { throw new Error('selftest: a clean error'); }, cases: [{ label: 'throws', args: () => [], due: true }] },
  { name: 'selftest.silent', roles: [], baseline: () => [], call: () => 1, cases: [{ label: 'returns where an error is due', args: () => [], due: true }] },
  { name: 'selftest.unclean', roles: [], baseline: () => [], call: () => (undefined as unknown as { x: number }).x, cases: [{ label: 'reads a property of undefined', args: () => [], due: true }] },
  { name: 'selftest.crash', roles: [], baseline: () => [], call: () => process.kill(process.pid, 'SIGSEGV'), cases: [{ label: 'SIGSEGV', args: () => [], due: true }] },
  { name: 'selftest.hang', roles: [], timeoutMs: 2000, baseline: () => [], call: () => { for (;;); }, cases: [{ label: 'loops', args: () => [], due: true }] },
  {
    name: 'selftest.oom',
    roles: [],
    // Page faults are slow on a loaded machine: the limit, not the clock, must end this one.
    timeoutMs: 120_000,
    baseline: () => [],
    call: () => {
      const hold: Buffer[] = [];
      for (;;) hold.push(Buffer.alloc(64 << 20, 1));
    },
    cases: [{ label: 'allocates without end', args: () => [], due: true }],
  },
];

/** Every target: ops, Tensor methods, layers (found by trying configurations), model entry points. */
export function allTargets(): Target[] {
  if (process.env.TENSORNODE_FUZZ_SELFTEST === '1') return selfTestTargets;
  return [...opTargets, ...methodTargets, ...layerTargets().targets, ...modelTargets];
}

/** Case `index` of the run with `seed`: a target, one argument or property replaced by a variant, and whether an error is due. */
export function buildCase(targets: Target[], seed: number, index: number): Case {
  const r = rng((seed * 0x9e3779b1) ^ (index * 0x85ebca6b) ^ 0x5bd1e995);
  const target = process.env.TENSORNODE_FUZZ_SELFTEST === '1' ? targets[index % targets.length] : targets[Math.floor(r() * targets.length)];
  if (target.cases) {
    const c = target.cases[Math.floor(r() * target.cases.length)];
    return { index, target: target.name, label: c.label, due: c.due, timeoutMs: target.timeoutMs, run: () => target.call(c.args()) };
  }
  type Slot = { where: string; variants: Variant[]; apply: (args: unknown[], v: unknown) => void };
  const slots: Slot[] = [];
  // The variants depend on the baseline's shapes only, which a probe call gives.
  const probe = target.baseline();
  target.roles.forEach((role, i) => {
    const vs = variants(role, probe, r);
    if (vs.length) slots.push({ where: `argument ${i + 1} (${role})`, variants: vs, apply: (args, v) => void (args[i] = v) });
  });
  if (target.options) {
    const { index: at, props } = target.options;
    for (const [k, vs] of Object.entries(props)) {
      if (vs.length) slots.push({ where: `option ${k}`, variants: vs, apply: (args, v) => void (args[at] = { ...(args[at] as object), [k]: v }) });
    }
  }
  if (slots.length === 0 || r() < 0.04) return { index, target: target.name, label: 'the baseline', due: false, run: () => target.call(target.baseline()) };
  const slot = slots[Math.floor(r() * slots.length)];
  const variant = slot.variants[Math.floor(r() * slot.variants.length)];
  return {
    index,
    target: target.name,
    label: `${slot.where}: ${variant.label}`,
    due: variant.due,
    run: () => {
      const args = target.baseline();
      slot.apply(args, variant.value());
      return target.call(args);
    },
  };
}
