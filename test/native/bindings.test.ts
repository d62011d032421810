// Every binding the addon exports gets bad calls: wrong argument counts and types, NaN, negative, fractional and
// infinite sizes, arrays one element short, dimension products that overflow, outputs that overlap inputs, and
// arguments whose getters detach a typed array mid-call. Each must throw a TypeError or RangeError naming the
// binding; the process must survive all of them (a crash fails this file). A binding added to the addon without a
// spec here fails the first test.
import { describe, expect, it } from 'vitest';
import { internal, native, BinaryOp, RecurrentGate, ReduceOp, UnaryOp } from '../../lib/native.js';

type Kind = 'f32' | 'f32?' | 'i32' | 'u8' | 'i8' | 'qout' | 'words' | 'int' | 'enum' | 'float' | 'finite' | 'bool' | 'list' | 'mode';

interface Spec {
  kinds: Kind[];
  /** A fresh valid call (every typed array at least one element long and exactly as long as the call needs). */
  valid: () => unknown[];
  /** Integer arguments that size a typed array: one more than the valid value must be rejected. */
  sized?: number[];
  /** Calls whose dimension products overflow int64 or pass the element limit. */
  overflow?: () => unknown[][];
  /** [output, input] pairs: an output that overlaps the input by a shifted view must be rejected. */
  aliases?: [number, number][];
}

const f = (n: number, fill = 0.5) => new Float32Array(n).fill(fill);
const big = 2147483647;

const convGeometry = () => [1, 5, 5, 2, 3, 3, 4, 3, 3, 1, 1, 1, 1, 0, 0];
// A 4x4 convolution output, pooled 2x2 into 2x2x4 (16 values, and 16 argmax bytes: enough to overlap a float).
const fusedGeometry = () => [1, 6, 6, 2, 3, 3, 4, 4, 4, 1, 1, 1, 1, 0, 0];
const u8 = (n: number) => new Uint8Array(n);
// 2 channels with depth multiplier 2: kernel 3*3*2*2 = 36, output 3x3x4 = 36.
const depthwiseGeometry = () => [1, 5, 5, 2, 3, 3, 2, 3, 3, 1, 1, 1, 1, 0, 0];
const poolGeometry = () => [1, 4, 4, 3, 2, 2, 2, 2, 2, 2, 0, 0];
// x [1, 3, 4, 4, 2] (96), kernel [2, 3, 3, 2, 3] (108), output [1, 2, 2, 2, 3] (24).
const conv3dGeometry = () => [1, 3, 4, 4, 2, 2, 3, 3, 3, 2, 2, 2, 1, 1, 1, 1, 1, 1, 0, 0, 0];
const ones3d = [1, 1, 1, 1, 1, 1, 0, 0, 0];
// x [1, 4, 4, 4, 2] (128) pooled 2x2x2 into [1, 2, 2, 2, 2] (16).
const pool3dGeometry = () => [1, 4, 4, 4, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0];

const specs: Record<string, Spec> = {
  backendInfo: { kinds: [], valid: () => [] },
  setNumThreads: { kinds: ['int'], valid: () => [native.backendInfo().threads] },
  unary: {
    kinds: ['enum', 'f32', 'f32', 'float'],
    valid: () => [UnaryOp.elu, f(17), f(17), 1],
    aliases: [[2, 1]],
  },
  unaryGrad: {
    kinds: ['enum', 'f32', 'f32', 'f32', 'f32', 'float'],
    valid: () => [UnaryOp.sigmoid, f(17), f(17), f(17), f(17), 0],
    aliases: [[4, 1], [4, 2], [4, 3]],
  },
  binary: {
    kinds: ['enum', 'f32', 'list', 'f32', 'list', 'f32', 'list'],
    valid: () => [BinaryOp.add, f(12), [4, 1], f(4), [0, 1], f(12), [3, 4]],
    overflow: () => [
      [BinaryOp.add, f(1), [0, 0, 0], f(1), [0, 0, 0], f(1), [big, big, big]],
      [BinaryOp.add, f(12), [big, 1], f(4), [0, 1], f(12), [3, 4]],
    ],
    aliases: [[5, 1], [5, 3]],
  },
  transpose: {
    kinds: ['words', 'list', 'list', 'words'],
    valid: () => [f(6), [2, 3], [1, 0], new Int32Array(6)],
    overflow: () => [[f(1), [big, big, big], [2, 1, 0], f(1)]],
    aliases: [[3, 0]],
  },
  reduce: {
    kinds: ['enum', 'f32', 'int', 'int', 'int', 'f32'],
    valid: () => [ReduceOp.logSumExp, f(24), 2, 3, 4, f(8)],
    sized: [2, 3, 4],
    overflow: () => [[ReduceOp.sum, f(1), big, big, big, f(1)], [ReduceOp.max, f(1), big, 1, big, f(1)]],
    aliases: [[5, 1]],
  },
  argReduce: {
    kinds: ['bool', 'f32', 'int', 'int', 'int', 'i32'],
    valid: () => [true, f(24), 2, 3, 4, new Int32Array(8)],
    sized: [2, 3, 4],
    overflow: () => [[false, f(1), big, big, big, new Int32Array(1)]],
    aliases: [[5, 1]],
  },
  softmax: {
    kinds: ['f32', 'int', 'int', 'f32', 'bool'],
    valid: () => [f(12), 3, 4, f(12), true],
    sized: [1, 2],
    overflow: () => [[f(1), big, big, f(1), false]],
    aliases: [[3, 0]],
  },
  softmaxGrad: {
    kinds: ['f32', 'f32', 'int', 'int', 'f32', 'bool'],
    valid: () => [f(12, 0.25), f(12), 3, 4, f(12), false],
    sized: [2, 3],
    overflow: () => [[f(1), f(1), big, big, f(1), true]],
    aliases: [[4, 0], [4, 1]],
  },
  gemm: {
    kinds: ['bool', 'bool', 'int', 'int', 'int', 'int', 'f32', 'int', 'int', 'int', 'f32', 'int', 'int', 'int', 'finite', 'f32', 'int', 'int', 'int', 'f32?', 'enum', 'float'],
    // batch 2 of [3x5] @ [5x4] -> [3x4], every operand exactly as long as its strides need.
    valid: () => [false, false, 2, 3, 4, 5, f(30), 0, 5, 15, f(40), 0, 4, 20, 0, f(24), 0, 4, 12, f(4), UnaryOp.relu, 0],
    sized: [2, 3, 4, 5, 7, 8, 9, 11, 12, 13, 16, 17, 18],
    overflow: () => [
      [false, false, 1, big, big, big, f(1), 0, big, 0, f(1), 0, big, 0, 0, f(1), 0, big, 0, null, UnaryOp.linear, 0],
      [false, false, big, 1, 1, 1, f(1), 0, 1, big, f(1), 0, 1, 0, 0, f(1), 0, 1, 1, null, UnaryOp.linear, 0],
      [false, false, 1, 1, 1, 1, f(1), 2 ** 40, 1, 0, f(1), 0, 1, 0, 0, f(1), 0, 1, 0, null, UnaryOp.linear, 0],
    ],
    aliases: [[15, 6], [15, 10], [15, 19]],
  },
  gemmBf16: {
    kinds: ['bool', 'bool', 'int', 'int', 'int', 'f32', 'int', 'f32', 'int', 'finite', 'f32', 'int', 'f32?', 'enum', 'float'],
    // [3x5] @ [5x4] -> [3x4], every operand exactly as long as its leading dimension needs.
    valid: () => [false, false, 3, 4, 5, f(15), 5, f(20), 4, 0, f(12), 4, f(4), UnaryOp.relu, 0],
    sized: [2, 3, 4, 6, 8, 11],
    overflow: () => [[false, false, 1, big, big, f(1), big, f(1), big, 0, f(1), big, null, UnaryOp.linear, 0]],
    aliases: [[10, 5], [10, 7], [10, 12]],
  },
  conv2dBf16Forward: {
    kinds: ['f32', 'f32', 'f32?', 'f32', 'list', 'enum', 'float'],
    valid: () => [f(50), f(72), f(4), f(36), convGeometry(), UnaryOp.relu, 0],
    overflow: () => [[f(1), f(1), null, f(1), [big, big, big, big, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0], UnaryOp.linear, 0]],
    aliases: [[3, 0], [3, 1], [3, 2]],
  },
  conv2dBf16BackwardInput: {
    kinds: ['f32', 'f32', 'f32', 'list'],
    valid: () => [f(36), f(72), f(50), convGeometry()],
    overflow: () => [[f(1), f(1), f(1), [big, big, big, big, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]]],
    aliases: [[2, 0], [2, 1]],
  },
  conv2dBf16BackwardFilter: {
    kinds: ['f32', 'f32', 'f32', 'list'],
    valid: () => [f(50), f(36), f(72), convGeometry()],
    overflow: () => [[f(1), f(1), f(1), [1, big, big, 1, 1, 1, big, 1, 1, 1, 1, 1, 1, 0, 0]]],
    aliases: [[2, 0], [2, 1]],
  },
  conv2dForward: {
    kinds: ['f32', 'f32', 'f32?', 'f32', 'list', 'enum', 'float'],
    valid: () => [f(50), f(72), f(4), f(36), convGeometry(), UnaryOp.tanh, 0],
    overflow: () => [
      [f(1), f(1), null, f(1), [big, big, big, big, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0], UnaryOp.linear, 0],
      [f(1), f(1), null, f(1), [1, 1, 1, 1, 1, 1, 1, big, big, 1, 1, 1, 1, 0, 0], UnaryOp.linear, 0],
      [f(1), f(1), null, f(1), [1, 1, 1, 1, big, big, big, 1, 1, 1, 1, 1, 1, 0, 0], UnaryOp.linear, 0],
    ],
    aliases: [[3, 0], [3, 1], [3, 2]],
  },
  conv2dBackwardInput: {
    kinds: ['f32', 'f32', 'f32', 'list'],
    valid: () => [f(36), f(72), f(50), convGeometry()],
    overflow: () => [[f(1), f(1), f(1), [big, big, big, big, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]]],
    aliases: [[2, 0], [2, 1]],
  },
  conv2dReluMaxPool: {
    kinds: ['f32', 'f32', 'f32?', 'f32', 'list', 'int', 'int'],
    // a 3x3 convolution output pooled 3x3: one pooled pixel per channel
    valid: () => [f(50), f(72), f(4), f(4), convGeometry(), 3, 3],
    overflow: () => [[f(1), f(1), null, f(1), [1, big, big, 1, 1, 1, big, 1, 1, 1, 1, 1, 1, 0, 0], 1, 1]],
    aliases: [[3, 0], [3, 1], [3, 2]],
  },
  conv2dReluMaxPoolTrain: {
    kinds: ['f32', 'f32', 'f32?', 'f32', 'u8', 'list', 'int', 'int'],
    valid: () => [f(72), f(72), f(4), f(16), u8(16), fusedGeometry(), 2, 2],
    sized: [6, 7],
    overflow: () => [
      [f(1), f(1), null, f(1), u8(1), [big, big, big, big, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0], 1, 1],
      [f(1), f(1), null, f(1), u8(1), [1, big, big, 1, 1, 1, big, 1, 1, 1, 1, 1, 1, 0, 0], 1, 1],
    ],
    aliases: [[3, 0], [3, 1], [3, 2], [4, 0], [4, 1], [4, 2], [4, 3]],
  },
  conv2dReluMaxPoolBackward: {
    kinds: ['f32', 'f32', 'f32', 'f32', 'u8', 'f32?', 'f32?', 'f32?', 'list', 'int', 'int'],
    valid: () => [f(72), f(72), f(16), f(16), u8(16), f(72), f(4), f(72), fusedGeometry(), 2, 2],
    sized: [9, 10],
    overflow: () => [
      [f(1), f(1), f(1), f(1), u8(1), null, null, null, [big, big, big, big, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0], 1, 1],
      [f(1), f(1), f(1), f(1), u8(1), null, null, null, [1, 1, 1, 1, big, big, big, 1, 1, 1, 1, 1, 1, 0, 0], 1, 1],
    ],
    aliases: [
      [5, 0], [5, 1], [5, 2], [5, 3], [5, 4], [6, 0], [6, 1], [6, 2], [6, 3], [6, 4], [7, 0], [7, 1], [7, 2], [7, 3], [7, 4],
      [5, 6], [5, 7], [6, 7],
    ],
  },
  conv2dBackwardFilter: {
    kinds: ['f32', 'f32', 'f32', 'f32?', 'list'],
    valid: () => [f(50), f(36), f(72), f(4), convGeometry()],
    overflow: () => [[f(1), f(1), f(1), null, [1, big, big, 1, 1, 1, big, 1, 1, 1, 1, 1, 1, 0, 0]]],
    aliases: [[2, 0], [2, 1], [3, 0], [3, 1], [3, 2]],
  },
  depthwiseConv2dForward: {
    kinds: ['f32', 'f32', 'f32?', 'f32', 'list', 'enum', 'float'],
    valid: () => [f(50), f(36), f(4), f(36), depthwiseGeometry(), UnaryOp.relu6, 0],
    overflow: () => [
      [f(1), f(1), null, f(1), [big, big, big, big, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0], UnaryOp.linear, 0],
      [f(1), f(1), null, f(1), [1, 1, 1, big, 1, 1, big, 1, 1, 1, 1, 1, 1, 0, 0], UnaryOp.linear, 0],
      [f(1), f(1), null, f(1), [1, 1, big, big, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0], UnaryOp.linear, 0],
      [f(1), f(1), null, f(1), [1, 1, 1, 1, big, big, big, 1, 1, 1, 1, 1, 1, 0, 0], UnaryOp.linear, 0],
    ],
    aliases: [[3, 0], [3, 1], [3, 2]],
  },
  depthwiseConv2dBackwardInput: {
    kinds: ['f32', 'f32', 'f32', 'list'],
    valid: () => [f(36), f(36), f(50), depthwiseGeometry()],
    overflow: () => [[f(1), f(1), f(1), [big, big, big, big, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]]],
    aliases: [[2, 0], [2, 1]],
  },
  depthwiseConv2dBackwardFilter: {
    kinds: ['f32', 'f32', 'f32', 'f32?', 'list'],
    valid: () => [f(50), f(36), f(36), f(4), depthwiseGeometry()],
    overflow: () => [[f(1), f(1), f(1), null, [1, 1, 1, big, 1, 1, big, big, big, 1, 1, 1, 1, 0, 0]]],
    aliases: [[2, 0], [2, 1], [3, 0], [3, 1], [3, 2]],
  },
  conv3dForward: {
    kinds: ['f32', 'f32', 'f32?', 'f32', 'list', 'enum', 'float'],
    valid: () => [f(96), f(108), f(3), f(24), conv3dGeometry(), UnaryOp.relu, 0],
    overflow: () => [
      [f(1), f(1), null, f(1), [big, big, big, big, big, 1, 1, 1, 1, 1, 1, 1, ...ones3d], UnaryOp.linear, 0],
      [f(1), f(1), null, f(1), [1, 1, 1, 1, 1, 1, 1, 1, 1, big, big, big, ...ones3d], UnaryOp.linear, 0],
      [f(1), f(1), null, f(1), [1, 1, 1, 1, big, big, big, big, big, 1, 1, 1, ...ones3d], UnaryOp.linear, 0],
    ],
    aliases: [[3, 0], [3, 1], [3, 2]],
  },
  conv3dBackwardInput: {
    kinds: ['f32', 'f32', 'f32', 'list'],
    valid: () => [f(24), f(108), f(96), conv3dGeometry()],
    overflow: () => [[f(1), f(1), f(1), [big, big, big, big, big, 1, 1, 1, 1, 1, 1, 1, ...ones3d]]],
    aliases: [[2, 0], [2, 1]],
  },
  conv3dBackwardFilter: {
    kinds: ['f32', 'f32', 'f32', 'f32?', 'list'],
    valid: () => [f(96), f(24), f(108), f(3), conv3dGeometry()],
    overflow: () => [[f(1), f(1), f(1), null, [1, 1, big, big, 1, 1, 1, 1, big, 1, 1, 1, ...ones3d]]],
    aliases: [[2, 0], [2, 1], [3, 0], [3, 1], [3, 2]],
  },
  maxPool3dForward: {
    kinds: ['f32', 'f32', 'list'],
    valid: () => [f(128), f(16), pool3dGeometry()],
    overflow: () => [[f(1), f(1), [big, big, big, big, big, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0]]],
    aliases: [[1, 0]],
  },
  maxPool3dBackward: {
    kinds: ['f32', 'f32', 'f32', 'list'],
    valid: () => [f(128), f(16), f(128), pool3dGeometry()],
    overflow: () => [[f(1), f(1), f(1), [1, 1, 1, 1, big, big, big, big, 1, 1, 1, 1, 1, 1, 0, 0, 0]]],
    aliases: [[2, 0], [2, 1]],
  },
  avgPool3dForward: {
    kinds: ['f32', 'f32', 'list'],
    valid: () => [f(128), f(16), pool3dGeometry()],
    overflow: () => [[f(1), f(1), [1, big, big, big, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0]]],
    aliases: [[1, 0]],
  },
  avgPool3dBackward: {
    kinds: ['f32', 'f32', 'list'],
    valid: () => [f(16), f(128), pool3dGeometry()],
    overflow: () => [[f(1), f(1), [big, 1, 1, 1, big, big, big, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0]]],
    aliases: [[1, 0]],
  },
  maxPool2dForward: {
    kinds: ['f32', 'f32', 'list'],
    valid: () => [f(48), f(12), poolGeometry()],
    overflow: () => [[f(1), f(1), [big, big, big, big, 1, 1, 1, 1, 1, 1, 0, 0]]],
    aliases: [[1, 0]],
  },
  maxPool2dBackward: {
    kinds: ['f32', 'f32', 'f32', 'list'],
    valid: () => [f(48), f(12), f(48), poolGeometry()],
    overflow: () => [[f(1), f(1), f(1), [1, 1, 1, 1, big, big, big, big, 1, 1, 0, 0]]],
    aliases: [[2, 0], [2, 1]],
  },
  avgPool2dForward: {
    kinds: ['f32', 'f32', 'list'],
    valid: () => [f(48), f(12), poolGeometry()],
    overflow: () => [[f(1), f(1), [1, big, big, big, 1, 1, 1, 1, 1, 1, 0, 0]]],
    aliases: [[1, 0]],
  },
  avgPool2dBackward: {
    kinds: ['f32', 'f32', 'list'],
    valid: () => [f(12), f(48), poolGeometry()],
    overflow: () => [[f(1), f(1), [big, 1, 1, big, big, big, 1, 1, 1, 1, 0, 0]]],
    aliases: [[1, 0]],
  },
  sgdUpdate: {
    kinds: ['f32', 'f32', 'f32?', 'float', 'float', 'bool'],
    valid: () => [f(10), f(10), f(10), 0.1, 0.9, true],
    aliases: [[0, 1], [2, 0], [2, 1]],
  },
  adamUpdate: {
    kinds: ['f32', 'f32', 'f32', 'f32', 'f32?', 'float', 'float', 'float', 'float', 'float', 'float'],
    valid: () => [f(10), f(10), f(10), f(10), f(10), 0.1, 0.1, 0.9, 0.999, 1e-7, 0.01],
    aliases: [[0, 1], [2, 0], [3, 0], [4, 0], [2, 3], [2, 1], [3, 1], [4, 2], [4, 3]],
  },
  denseBackwardAdam: {
    // x [2, 3], dz [2, 4], dx [2, 3], w, m, v, vHat [3, 4].
    kinds: ['f32', 'f32', 'f32?', 'f32', 'f32', 'f32', 'f32?', 'int', 'int', 'int', 'float', 'float', 'float', 'float', 'float', 'float'],
    valid: () => [f(6), f(8), f(6), f(12), f(12), f(12), f(12), 2, 3, 4, 0.1, 0.1, 0.9, 0.999, 1e-7, 0.01],
    sized: [7, 8, 9],
    overflow: () => [
      [f(1), f(1), null, f(1), f(1), f(1), null, big, big, big, 0.1, 0.1, 0.9, 0.999, 1e-7, 0],
      [f(1), f(1), null, f(1), f(1), f(1), null, 1, big, big, 0.1, 0.1, 0.9, 0.999, 1e-7, 0],
    ],
    aliases: [[2, 0], [2, 1], [3, 0], [3, 1], [4, 0], [5, 1], [6, 0], [2, 3], [4, 3], [5, 4], [6, 5], [6, 3]],
  },
  denseBackwardSgd: {
    // x [2, 3], dz [2, 4], dx [2, 3], w, momentumSlot [3, 4].
    kinds: ['f32', 'f32', 'f32?', 'f32', 'f32?', 'int', 'int', 'int', 'float', 'float', 'bool'],
    valid: () => [f(6), f(8), f(6), f(12), f(12), 2, 3, 4, 0.1, 0.9, true],
    sized: [5, 6, 7],
    overflow: () => [
      [f(1), f(1), null, f(1), null, big, big, big, 0.1, 0, false],
      [f(1), f(1), null, f(1), null, 1, big, big, 0.1, 0, false],
    ],
    aliases: [[2, 0], [2, 1], [3, 0], [3, 1], [4, 0], [4, 1], [2, 3], [4, 3], [4, 2]],
  },
  rmspropUpdate: {
    kinds: ['f32', 'f32', 'f32', 'f32?', 'f32?', 'float', 'float', 'float', 'float'],
    valid: () => [f(10), f(10), f(10), f(10), f(10), 0.1, 0.9, 0.5, 1e-7],
    aliases: [[0, 1], [2, 0], [3, 0], [4, 0], [2, 1], [3, 2], [4, 2], [4, 3]],
  },
  adagradUpdate: {
    kinds: ['f32', 'f32', 'f32', 'float', 'float'],
    valid: () => [f(10), f(10), f(10), 0.1, 1e-7],
    aliases: [[0, 1], [2, 0], [2, 1]],
  },
  adadeltaUpdate: {
    kinds: ['f32', 'f32', 'f32', 'f32', 'float', 'float', 'float'],
    valid: () => [f(10), f(10), f(10), f(10), 1, 0.95, 1e-7],
    aliases: [[0, 1], [2, 0], [3, 0], [2, 1], [3, 1], [3, 2]],
  },
  adamaxUpdate: {
    kinds: ['f32', 'f32', 'f32', 'f32', 'float', 'float', 'float', 'float'],
    valid: () => [f(10), f(10), f(10), f(10), 0.01, 0.9, 0.999, 1e-7],
    aliases: [[0, 1], [2, 0], [3, 0], [2, 1], [3, 1], [3, 2]],
  },
  nadamUpdate: {
    kinds: ['f32', 'f32', 'f32', 'f32', 'float', 'float', 'float', 'float', 'float', 'float'],
    valid: () => [f(10), f(10), f(10), f(10), 0.01, 0.001, 1.5, 0.9, 0.999, 1e-7],
    aliases: [[0, 1], [2, 0], [3, 0], [2, 1], [3, 1], [3, 2]],
  },
  lionUpdate: {
    kinds: ['f32', 'f32', 'f32', 'float', 'float', 'float'],
    valid: () => [f(10), f(10), f(10), 0.001, 0.9, 0.99],
    aliases: [[0, 1], [2, 0], [2, 1]],
  },
  batchNormStats: {
    kinds: ['f32', 'int', 'int', 'f32', 'f32'],
    valid: () => [f(12), 3, 4, f(4), f(4)],
    sized: [1, 2],
    overflow: () => [[f(12), big, big, f(4), f(4)]],
    aliases: [[3, 0], [4, 0], [4, 3]],
  },
  batchNormForward: {
    kinds: ['f32', 'int', 'int', 'f32', 'f32', 'f32?', 'f32?', 'finite', 'f32'],
    valid: () => [f(12), 3, 4, f(4), f(4), f(4), f(4), 1e-3, f(12)],
    sized: [1, 2],
    overflow: () => [[f(12), big, big, f(4), f(4), f(4), f(4), 1e-3, f(12)]],
    aliases: [[8, 0], [8, 3], [8, 4], [8, 5], [8, 6]],
  },
  batchNormBackward: {
    kinds: ['f32', 'f32', 'int', 'int', 'f32', 'f32', 'f32?', 'finite', 'bool', 'f32?', 'f32?', 'f32?'],
    valid: () => [f(12), f(12), 3, 4, f(4), f(4), f(4), 1e-3, true, f(12), f(4), f(4)],
    sized: [2, 3],
    overflow: () => [[f(12), f(12), big, big, f(4), f(4), f(4), 1e-3, true, f(12), f(4), f(4)]],
    aliases: [[9, 0], [9, 1], [9, 4], [9, 5], [9, 6], [10, 0], [10, 1], [10, 4], [10, 9], [11, 0], [11, 10], [11, 6]],
  },
  lstmForward: {
    kinds: ['f32', 'f32', 'int', 'int', 'int', 'bool', 'enum', 'f32', 'f32', 'f32'],
    valid: () => [f(2 * 3 * 8), f(2 * 8), 2, 3, 2, false, RecurrentGate.hardSigmoidLegacy, f(12), f(12), f(48)],
    sized: [2, 3, 4],
    overflow: () => [[f(48), f(16), big, big, big, false, RecurrentGate.sigmoid, f(12), f(12), f(48)]],
    aliases: [[7, 0], [7, 1], [8, 0], [9, 0], [7, 8], [7, 9], [8, 9]],
  },
  lstmBackward: {
    kinds: ['f32', 'f32', 'f32', 'f32', 'f32', 'int', 'int', 'int', 'bool', 'enum', 'f32', 'f32'],
    valid: () => [f(12), f(16), f(12), f(12), f(48), 2, 3, 2, true, RecurrentGate.hardSigmoid, f(48), f(16)],
    sized: [5, 6, 7],
    overflow: () => [[f(12), f(16), f(12), f(12), f(48), big, big, big, true, RecurrentGate.sigmoid, f(48), f(16)]],
    aliases: [[10, 0], [10, 4], [11, 1], [11, 0], [10, 11], [11, 2], [11, 3], [10, 2]],
  },
  gruForward: {
    kinds: ['f32', 'f32', 'f32?', 'int', 'int', 'int', 'bool', 'enum', 'bool', 'f32', 'f32'],
    valid: () => [f(2 * 3 * 6), f(2 * 6), f(6), 2, 3, 2, true, RecurrentGate.sigmoid, true, f(12), f(48)],
    sized: [3, 4, 5],
    overflow: () => [[f(36), f(12), f(6), big, big, big, true, RecurrentGate.sigmoid, true, f(12), f(48)]],
    aliases: [[9, 0], [9, 1], [9, 2], [10, 0], [10, 2], [9, 10]],
  },
  gruBackward: {
    kinds: ['f32', 'f32', 'f32', 'f32', 'int', 'int', 'int', 'bool', 'enum', 'bool', 'f32', 'f32', 'f32?'],
    valid: () => [f(12), f(12), f(12), f(48), 2, 3, 2, false, RecurrentGate.sigmoid, true, f(36), f(12), f(6)],
    sized: [4, 5, 6],
    overflow: () => [[f(12), f(12), f(12), f(48), big, big, big, false, RecurrentGate.sigmoid, true, f(36), f(12), f(6)]],
    aliases: [[10, 0], [10, 3], [11, 1], [11, 2], [12, 0], [12, 3], [10, 11], [10, 12], [11, 12]],
  },
  lstmInference: {
    kinds: ['f32', 'f32', 'f32?', 'f32', 'int', 'int', 'int', 'int', 'bool', 'bool', 'enum', 'f32'],
    valid: () => [f(2 * 3 * 2), f(2 * 8), f(8), f(2 * 8), 2, 3, 2, 2, false, true, RecurrentGate.hardSigmoidLegacy, f(12)],
    sized: [4, 5, 6, 7],
    overflow: () => [[f(12), f(16), f(8), f(16), big, big, big, big, false, true, RecurrentGate.sigmoid, f(12)]],
    aliases: [[11, 0], [11, 1], [11, 2], [11, 3]],
  },
  gruInference: {
    kinds: ['f32', 'f32', 'f32?', 'f32', 'f32?', 'int', 'int', 'int', 'int', 'bool', 'bool', 'enum', 'bool', 'f32'],
    valid: () => [f(2 * 3 * 2), f(2 * 6), f(6), f(2 * 6), f(6), 2, 3, 2, 2, true, false, RecurrentGate.hardSigmoid, true, f(4)],
    sized: [5, 6, 7, 8],
    overflow: () => [[f(12), f(12), f(6), f(12), f(6), big, big, big, big, true, false, RecurrentGate.sigmoid, true, f(4)]],
    aliases: [[13, 0], [13, 1], [13, 2], [13, 3], [13, 4]],
  },
  // Real FFT of 2 rows of 5 samples, zero-padded to 7 points (Bluestein's path): 4 bins.
  rfft: {
    kinds: ['f32', 'int', 'int', 'int', 'f32', 'f32'],
    valid: () => [f(2 * 5), 2, 5, 7, f(2 * 4), f(2 * 4)],
    sized: [1, 2, 3],
    overflow: () => [[f(1), big, big, 7, f(1), f(1)], [f(1), big, 1, 2 ** 26, f(1), f(1)]],
    aliases: [[4, 0], [5, 0], [5, 4]],
  },
  rfftAdjoint: {
    kinds: ['f32?', 'f32?', 'int', 'int', 'int', 'f32'],
    valid: () => [f(2 * 4), f(2 * 4), 2, 5, 7, f(2 * 5)],
    sized: [2, 3, 4],
    overflow: () => [[null, null, big, big, 7, f(1)], [null, null, big, 1, 2 ** 26, f(1)]],
    aliases: [[5, 0], [5, 1]],
  },
  gatherRows: {
    kinds: ['words', 'int', 'int', 'int', 'i32', 'words'],
    valid: () => [f(2 * 5 * 3), 2, 5, 3, new Int32Array([4, 0, 4, 1]), f(2 * 4 * 3)],
    sized: [1, 2, 3],
    overflow: () => [[f(30), big, big, big, new Int32Array([4, 0, 4, 1]), f(24)]],
    aliases: [[5, 0], [5, 4]],
  },
  scatterAddRows: {
    kinds: ['f32', 'int', 'int', 'int', 'i32', 'f32'],
    valid: () => [f(2 * 4 * 3), 2, 5, 3, new Int32Array([4, 0, 4, 1]), f(2 * 5 * 3)],
    sized: [1, 2, 3],
    overflow: () => [[f(24), big, big, big, new Int32Array([4, 0, 4, 1]), f(30)]],
    aliases: [[5, 0], [5, 4]],
  },
  dropoutMask: {
    kinds: ['f32', 'int', 'finite', 'int', 'int'],
    valid: () => [f(10), 10, 0.75, 7, 9],
    sized: [1],
  },
  // Int8 inference: weights [3, 4] (packed for this process's path), a [2, 3]; convolutions on convGeometry's shapes
  // (k = 3*3*2 = 18, 4 output channels).
  quantizedPackedBytes: {
    kinds: ['int', 'int'],
    valid: () => [3, 4],
    overflow: () => [[big, big]],
  },
  quantizedPackWeights: {
    kinds: ['i8', 'int', 'int', 'u8'],
    valid: () => [new Int8Array(12).fill(3), 3, 4, u8(native.quantizedPackedBytes(3, 4))],
    sized: [1, 2],
    overflow: () => [[new Int8Array(1), big, big, u8(1)]],
    aliases: [[3, 0]],
  },
  quantizedMatmul: {
    kinds: ['u8', 'u8', 'int', 'int', 'int', 'int', 'i32', 'f32', 'f32?', 'bool', 'finite', 'int', 'qout'],
    valid: () => [u8(6), packedWeights(3, 4), 2, 4, 3, 7, new Int32Array(4), f(4), f(4), true, 2, 5, f(8)],
    sized: [2, 3, 4],
    overflow: () => [[u8(1), u8(1), big, big, big, 0, new Int32Array(1), f(1), null, false, 1, 0, f(1)]],
    aliases: [[12, 0], [12, 1], [12, 6], [12, 7], [12, 8]],
  },
  quantizedConv2d: {
    kinds: ['u8', 'u8', 'list', 'int', 'i32', 'f32', 'f32?', 'bool', 'finite', 'int', 'qout'],
    valid: () => [u8(50), packedWeights(18, 4), convGeometry(), 3, new Int32Array(4), f(4), f(4), true, 2, 5, new Int32Array(36)],
    overflow: () => [[u8(1), u8(1), [big, big, big, big, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0], 0, new Int32Array(1), f(1), null, false, 1, 0, f(1)]],
    aliases: [[10, 0], [10, 1], [10, 4], [10, 5], [10, 6]],
  },
  quantizedConv2dMaxPool: {
    kinds: ['u8', 'u8', 'list', 'int', 'int', 'int', 'i32', 'f32', 'f32?', 'bool', 'finite', 'int', 'u8'],
    // The 3x3 convolution output pooled 2x2 (windows that do not fit are dropped): 1x1x4.
    valid: () => [u8(50), packedWeights(18, 4), convGeometry(), 2, 2, 3, new Int32Array(4), f(4), f(4), true, 2, 5, u8(4)],
    overflow: () => [[u8(1), u8(1), [big, big, big, big, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0], 1, 1, 0, new Int32Array(1), f(1), null, false, 1, 0, u8(1)]],
    aliases: [[12, 0], [12, 1], [12, 6], [12, 7], [12, 8]],
  },
  quantizeUint8: {
    kinds: ['f32', 'finite', 'int', 'u8'],
    valid: () => [f(17), 3, 9, u8(17)],
    aliases: [[3, 0]],
  },
  dequantizeUint8: {
    kinds: ['u8', 'finite', 'int', 'f32'],
    valid: () => [u8(17), 0.5, 9, f(17)],
    aliases: [[3, 0]],
  },
  maxPool2dUint8: {
    kinds: ['u8', 'u8', 'list'],
    valid: () => [u8(48), u8(12), poolGeometry()],
    overflow: () => [[u8(1), u8(1), [big, big, big, big, 2, 2, 1, 1, 2, 2, 0, 0]]],
    aliases: [[1, 0]],
  },
  quantizedPath: { kinds: [], valid: () => [] },
};

function packedWeights(k: number, n: number): Uint8Array {
  const packed = u8(native.quantizedPackedBytes(k, n));
  native.quantizedPackWeights(new Int8Array(k * n).fill(1), k, n, packed);
  return packed;
}

/** The benchmark and test hooks under the addon's `internal`, kept apart from the bindings lib/ uses. */
const internalSpecs: Record<string, Spec> = {
  measurePeakGflops: {
    kinds: ['finite', 'int'],
    valid: () => [0.001, 1],
  },
  // 'auto' is the default mode, so the valid call leaves the process as it found it.
  conv2dWinograd: {
    kinds: ['mode'],
    valid: () => ['auto'],
  },
  conv2dPlan: {
    kinds: ['list'],
    valid: () => [convGeometry()],
    overflow: () => [[[1, big, big, 1, 1, 1, big, 1, 1, 1, 1, 1, 1, 0, 0]]],
  },
};

const bindings = { ...native, ...internal } as unknown as Record<string, (...a: unknown[]) => unknown>;
const call = (name: string, args: unknown[]) => bindings[name](...args);

function expectRejected(name: string, args: unknown[], what: string): void {
  let error: unknown = null;
  try {
    call(name, args);
  } catch (e) {
    error = e;
  }
  expect(error, `${name}: ${what} was accepted`).not.toBeNull();
  const e = error as Error;
  expect(e instanceof TypeError || e instanceof RangeError, `${name}: ${what} threw ${String(e)}`).toBe(true);
  expect(e.message.startsWith(`${name}: `), `${name}: ${what}: message "${e.message}" does not name the binding`).toBe(true);
}

function typedLength(v: unknown): number {
  return ArrayBuffer.isView(v) ? (v as Float32Array).length : -1;
}

/** Wrong values for an argument of each kind (besides wrong counts, which every binding gets). */
function badValues(kind: Kind, valid: unknown): [unknown, string][] {
  const n = Math.max(0, typedLength(valid));
  // Typed arrays of the valid argument's own type (Float32Array for an absent optional one).
  const Same = (ArrayBuffer.isView(valid) ? valid.constructor : Float32Array) as new (n: number) => Float32Array;
  const typed = (): [unknown, string][] => [
    [new Float64Array(n), 'a Float64Array'],
    [Array.from({ length: n }, () => 0), 'a plain array'],
    ['x', 'a string'],
    [{}, 'an object'],
    [new DataView(new ArrayBuffer(4 * Math.max(1, n))), 'a DataView'],
    [new Same(n - 1), 'an array one element short'],
    detached(),
  ];
  // An array whose buffer was transferred away: it has no memory and length 0.
  const detached = (): [unknown, string] => {
    const a = new Same(n);
    structuredClone(a.buffer, { transfer: [a.buffer] });
    return [a, 'a detached array'];
  };
  const integer: [unknown, string][] = [
    [NaN, 'NaN'], [-1, '-1'], [1.5, '1.5'], [Infinity, 'Infinity'], [2 ** 60, '2^60'], ['1', 'a numeric string'], [undefined, 'undefined'], [null, 'null'],
  ];
  switch (kind) {
    case 'f32':
      return [...typed(), [null, 'null'], [new Int32Array(n), 'an Int32Array']];
    case 'f32?':
      return [...typed(), [new Int32Array(n), 'an Int32Array']];
    case 'i32':
      return [...typed(), [null, 'null'], [new Float32Array(n), 'a Float32Array']];
    case 'u8':
      return [...typed(), [null, 'null'], [new Int8Array(n), 'an Int8Array'], [new Uint8ClampedArray(n), 'a Uint8ClampedArray'], [new Float32Array(n), 'a Float32Array']];
    case 'words':
      return [...typed(), [null, 'null'], [new Uint32Array(n), 'a Uint32Array']];
    case 'i8':
      return [...typed(), [null, 'null'], [new Uint8Array(n), 'a Uint8Array']];
    case 'qout':
      // An Int32Array, Float32Array or Uint8Array of the right length is valid: anything else is not.
      return [...typed(), [null, 'null'], [new Uint16Array(n), 'a Uint16Array'], [new Float32Array(n + 1), 'a Float32Array one element too long']];
    case 'int':
      return integer;
    case 'enum':
      return [...integer, [1000, 'an out-of-range op']];
    case 'float':
      return [['x', 'a string'], [undefined, 'undefined'], [{}, 'an object'], [null, 'null']];
    case 'finite':
      return [['x', 'a string'], [NaN, 'NaN'], [Infinity, 'Infinity']];
    case 'bool':
      return [[1, 'a number'], ['true', 'a string'], [null, 'null'], [undefined, 'undefined']];
    case 'mode':
      return [[1, 'a number'], ['sometimes', 'an unknown mode'], ['AUTO', 'a mode in capitals'], [null, 'null'], [undefined, 'undefined']];
    case 'list': {
      const list = valid as number[];
      return [
        ['x', 'a string'],
        [{ length: list.length }, 'an array-like object'],
        [new Int32Array(list), 'a typed array'],
        [[...list, 1], 'one entry too many'],
        [list.slice(1), 'one entry too few'],
        [list.map((v, i) => (i === 0 ? NaN : v)), 'a NaN entry'],
        [list.map((v, i) => (i === 0 ? -1 : v)), 'a negative entry'],
        [list.map((v, i) => (i === 0 ? v + 0.5 : v)), 'a fractional entry'],
        [list.map((v, i) => (i === 0 ? String(v) : v)), 'a string entry'],
        [list.map((v, i) => (i === 0 ? 2 ** 53 : v)), 'a huge entry'],
      ];
    }
  }
}

describe('native bindings', () => {
  it('every exported binding has a spec here, and every spec names an exported binding', () => {
    expect(Object.keys(native).sort()).toEqual(Object.keys(specs).sort());
    expect(Object.keys(internal).sort()).toEqual(Object.keys(internalSpecs).sort());
  });

  for (const [name, spec] of Object.entries({ ...specs, ...internalSpecs })) {
    describe(name, () => {
      it('accepts its valid call', () => {
        expect(spec.kinds.length).toBe(spec.valid().length);
        expect(() => call(name, spec.valid())).not.toThrow();
      });

      it('rejects a wrong number of arguments', () => {
        const v = spec.valid();
        if (v.length > 0) expectRejected(name, v.slice(0, -1), 'one argument too few');
        expectRejected(name, [...v, 0], 'one argument too many');
      });

      it('rejects wrong types and values for every argument', () => {
        spec.kinds.forEach((kind, i) => {
          for (const [bad, what] of badValues(kind, spec.valid()[i])) {
            const args = spec.valid();
            args[i] = bad;
            expectRejected(name, args, `argument ${i + 1} as ${what}`);
          }
        });
      });

      if (spec.sized) {
        it('rejects sizes that disagree with the arrays', () => {
          for (const i of spec.sized!) {
            const args = spec.valid();
            args[i] = (args[i] as number) + 1;
            expectRejected(name, args, `argument ${i + 1} one larger than the arrays allow`);
          }
        });
      }

      if (spec.overflow) {
        it('rejects dimension products that overflow', () => {
          for (const args of spec.overflow!()) expectRejected(name, args, `overflowing sizes ${JSON.stringify(args.filter((a) => !ArrayBuffer.isView(a)))}`);
        });
      }

      if (spec.aliases) {
        it('rejects outputs that overlap an input', () => {
          for (const [out, input] of spec.aliases!) {
            const args = spec.valid();
            type View = new (buffer: ArrayBuffer, offset: number, length: number) => Float32Array;
            const src = args[input] as Float32Array;
            const dst = args[out] as Float32Array;
            // Views of each argument's own type; the output starts 4 bytes into the input.
            const buffer = new ArrayBuffer(src.byteLength + dst.byteLength + 4);
            const shared = new (src.constructor as View)(buffer, 0, src.length);
            shared.set(src);
            args[input] = shared;
            args[out] = new (dst.constructor as View)(buffer, 4, dst.length);
            expectRejected(name, args, `argument ${out + 1} overlapping argument ${input + 1}`);
          }
        });
      }

      const listIndex = spec.kinds.indexOf('list');
      const arrayIndex = spec.kinds.findIndex((k) => k === 'f32' || k === 'words');
      if (listIndex >= 0 && arrayIndex >= 0) {
        it('rejects a list whose getter detaches a typed array argument during the call', () => {
          const args = spec.valid();
          const victim = args[arrayIndex] as Float32Array;
          const list = args[listIndex] as number[];
          const first = list[0];
          const kept: ArrayBuffer[] = [];
          Object.defineProperty(list, 0, {
            get() {
              // Keep the moved buffer alive: the test is about the binding noticing, not about freeing memory.
              if (victim.length > 0) kept.push(structuredClone(victim.buffer as ArrayBuffer, { transfer: [victim.buffer as ArrayBuffer] }));
              return first;
            },
          });
          expectRejected(name, args, `argument ${arrayIndex + 1} detached by a getter of argument ${listIndex + 1}`);
          expect(kept.length).toBe(1);
        });
      }
    });
  }

  it('elementwise bindings accept an output that is exactly the input (in place)', () => {
    const x = f(17, -1);
    native.unary(UnaryOp.relu, x, x, 0);
    expect(Array.from(x).every((v) => v === 0)).toBe(true);
    const a = f(8, 2);
    native.binary(BinaryOp.mul, a, [1], f(8, 3), [1], a, [8]);
    expect(Array.from(a).every((v) => v === 6)).toBe(true);
  });
});
