// conv2dTranspose (transposed 2-D convolution on the native conv kernels with roles swapped): values against a float64
// scatter written from the definition, Keras's output-size rule, finite-difference gradients with respect to input,
// kernel and bias (through the fused bias and activation), TF.js's op signature, and the errors.
import { describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { UnaryOp } from '../../lib/native.js';
import { conv2dTransposeFused, transposeOutputLength } from '../../lib/ops/conv.js';
import type { Padding } from '../../lib/ops/window.js';
import { expectClose, randomArray, transposeReference } from '../helpers/conv-reference.js';
import { gradCheck, randomTensor } from '../helpers/gradcheck.js';

type Pair = [number, number];
const f32of = (t: tn.Tensor) => t.data() as Float32Array;

interface Case {
  name: string;
  x: number[];
  k: number[];
  strides: Pair;
  padding: Padding;
  dilations?: Pair;
  outputPadding?: Pair;
}

const cases: Case[] = [
  { name: '1x1 everything', x: [1, 1, 1, 1], k: [1, 1, 1, 1], strides: [1, 1], padding: 'valid' },
  { name: '3x3, stride 2, valid', x: [2, 3, 4, 3], k: [3, 3, 2, 3], strides: [2, 2], padding: 'valid' },
  { name: '4x3, stride 2, same', x: [1, 4, 3, 2], k: [4, 3, 5, 2], strides: [2, 2], padding: 'same' },
  { name: 'stride 3 over a 2x2 kernel (gaps of zeros), valid', x: [1, 3, 2, 2], k: [2, 2, 3, 2], strides: [3, 3], padding: 'valid' },
  { name: 'outputPadding (2, 1), stride 3, valid', x: [1, 2, 3, 2], k: [2, 3, 2, 2], strides: [3, 2], padding: 'valid', outputPadding: [2, 1] },
  { name: 'outputPadding 1, stride 2, same', x: [2, 3, 3, 3], k: [3, 3, 4, 3], strides: [2, 2], padding: 'same', outputPadding: [1, 1] },
  { name: 'dilation (2, 1), same', x: [1, 4, 5, 2], k: [3, 2, 3, 2], strides: [1, 1], padding: 'same', dilations: [2, 1] },
  { name: 'dilation 2, valid, 17 input channels, 9 filters', x: [1, 3, 4, 17], k: [2, 3, 9, 17], strides: [1, 1], padding: 'valid', dilations: [2, 2] },
  { name: 'height 1 (Conv1DTranspose\'s shape), stride (1, 4), same', x: [2, 1, 5, 3], k: [1, 3, 2, 3], strides: [1, 4], padding: 'same' },
];

function outOf(c: Case): Pair {
  const d = c.dilations ?? [1, 1];
  const op = c.outputPadding ?? null;
  return [
    transposeOutputLength(c.x[1], c.k[0], c.strides[0], d[0], c.padding, op ? op[0] : null),
    transposeOutputLength(c.x[2], c.k[1], c.strides[1], d[1], c.padding, op ? op[1] : null),
  ];
}

describe('conv2dTranspose: Keras\'s output size', () => {
  it('follows keras.src.utils.conv_utils.deconv_output_length', () => {
    // Values worked by hand from Keras's formula.
    expect(transposeOutputLength(5, 3, 2, 1, 'valid', null)).toBe(11); // 5 * 2 + max(3 - 2, 0)
    expect(transposeOutputLength(5, 3, 2, 1, 'same', null)).toBe(10); // 5 * 2
    expect(transposeOutputLength(5, 2, 3, 1, 'valid', null)).toBe(15); // 5 * 3 + max(2 - 3, 0)
    expect(transposeOutputLength(5, 3, 2, 1, 'same', 1)).toBe(10); // (5 - 1) * 2 + 3 - 2 * 1 + 1
    expect(transposeOutputLength(5, 3, 2, 1, 'valid', 1)).toBe(12); // (5 - 1) * 2 + 3 + 1
    expect(transposeOutputLength(4, 3, 1, 2, 'valid', null)).toBe(8); // dilated window 5: 4 + 4
    expect(transposeOutputLength(4, 3, 1, 2, 'same', 0)).toBe(4); // (4 - 1) + 5 - 2 * 2
  });
});

describe('conv2dTranspose: against the float64 scatter', () => {
  for (const c of cases) {
    it(`${c.name}: forward, with and without bias`, () => {
      const out = outOf(c);
      const xv = randomArray(c.x.reduce((a, b) => a * b, 1), 1);
      const kv = randomArray(c.k.reduce((a, b) => a * b, 1), 2);
      const bv = randomArray(c.k[2], 3);
      const d = c.dilations ?? [1, 1];
      const x = tn.tensor(xv, c.x);
      const k = tn.tensor(kv, c.k);
      const y = conv2dTransposeFused(x, k, null, out, c.strides, c.padding, d);
      expect(y.shape).toEqual([c.x[0], out[0], out[1], c.k[2]]);
      const ref = transposeReference(xv, c.x, kv, c.k, out, c.strides, c.padding, d, null);
      expectClose(y.data(), ref.y, ref.mag, 'y');
      const yb = conv2dTransposeFused(x, k, tn.tensor(bv, [c.k[2]]), out, c.strides, c.padding, d);
      const refb = transposeReference(xv, c.x, kv, c.k, out, c.strides, c.padding, d, bv);
      expectClose(yb.data(), refb.y, refb.mag, 'y with bias');
    });
  }
});

describe('conv2dTranspose: gradients by finite differences', () => {
  for (const c of cases) {
    it(`${c.name}: input, kernel and bias (linear)`, () => {
      const x = randomTensor(c.x, 11);
      const k = randomTensor(c.k, 12, -1, 1);
      const b = randomTensor([c.k[2]], 13);
      const out = outOf(c);
      gradCheck((p, q, r) => conv2dTransposeFused(p, q, r, out, c.strides, c.padding, c.dilations ?? [1, 1]), [x, k, b], { maxPoints: 30 });
    });
  }
  it('through fused tanh, sigmoid and elu, and swish (run as its own op)', () => {
    const c = cases[5];
    const out = outOf(c);
    const x = randomTensor(c.x, 21, -1, 1);
    const k = randomTensor(c.k, 22, -0.5, 0.5);
    const b = randomTensor([c.k[2]], 23);
    for (const [act, alpha] of [[UnaryOp.tanh, 0], [UnaryOp.sigmoid, 0], [UnaryOp.elu, 1], [UnaryOp.swish, 0]] as const) {
      gradCheck((p, q, r) => conv2dTransposeFused(p, q, r, out, c.strides, c.padding, [1, 1], act, alpha), [x, k, b], { maxPoints: 30 });
    }
    // Values: the activation applied to the float64 scatter.
    const ref = transposeReference(f32of(x), c.x, f32of(k), c.k, out, c.strides, c.padding, [1, 1], f32of(b));
    const y = conv2dTransposeFused(x, k, b, out, c.strides, c.padding, [1, 1], UnaryOp.elu, 1);
    expectClose(y.data(), ref.y.map((v) => (v > 0 ? v : Math.expm1(v))), ref.mag, 'elu');
    const ys = conv2dTransposeFused(x, k, b, out, c.strides, c.padding, [1, 1], UnaryOp.swish, 0);
    expectClose(ys.data(), ref.y.map((v) => v / (1 + Math.exp(-v))), ref.mag, 'swish');
  });
  it('is the adjoint of conv2d: <conv2dTranspose(x, k), y> = <x, conv2d(y, k)>', () => {
    const x = randomTensor([2, 3, 4, 3], 31);
    const k = randomTensor([3, 2, 5, 3], 32);
    const y = randomTensor([2, 6, 8, 5], 33);
    const lhs = tn.sum(tn.mul(tn.conv2dTranspose(x, k, [2, 6, 8, 5], 2, 'same'), y)).data()[0];
    const rhs = tn.sum(tn.mul(x, tn.conv2d(y, k, 2, 'same'))).data()[0];
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * Math.max(1, Math.abs(lhs)));
  });
});

describe('conv2dTranspose: TF.js\'s op', () => {
  it('takes (x, filter, outputShape, strides, pad) and unbatched [h, w, c] input', () => {
    const x = randomTensor([3, 2, 2], 41);
    const k = randomTensor([2, 2, 4, 2], 42);
    const y = tn.conv2dTranspose(x, k, [6, 4, 4], [2, 2], 'valid');
    expect(y.shape).toEqual([6, 4, 4]);
    const ref = transposeReference(x.data() as Float32Array, [1, 3, 2, 2], k.data() as Float32Array, [2, 2, 4, 2], [6, 4], [2, 2], 'valid', [1, 1], null);
    expectClose(y.data(), ref.y, ref.mag, 'unbatched');
    // TensorFlow allows any output size that a convolution maps back onto the input: 7 rows with stride 2 and a 2x2
    // kernel ('valid') also gives 3, the last row fed by no input pixel.
    const y7 = tn.conv2dTranspose(x, k, [7, 4, 4], 2, 'valid');
    expect(Array.from(y7.data().slice(6 * 4 * 4))).toEqual(new Array(16).fill(0));
  });

  it('rejects mismatched shapes with messages that name the op and the shapes', () => {
    const x = tn.zeros([1, 3, 3, 2]);
    const k = tn.zeros([3, 3, 4, 2]);
    expect(() => tn.conv2dTranspose(x, k, [1, 9, 6, 4], 2, 'same')).toThrow(/conv2dTranspose: an output of 9x6 does not match the 3x3 input/);
    expect(() => tn.conv2dTranspose(x, tn.zeros([3, 3, 4, 5]), [1, 6, 6, 4], 2, 'same')).toThrow(/the input has 2 channels but the kernel \[kh, kw, outChannels, inChannels\] expects 5/);
    expect(() => tn.conv2dTranspose(x, k, [1, 6, 6, 3], 2, 'same')).toThrow(/outputShape has 3 channels but the filter .* makes 4/);
    expect(() => tn.conv2dTranspose(x, k, [2, 6, 6, 4], 2, 'same')).toThrow(/outputShape's batch 2 differs from the input's 1/);
    expect(() => tn.conv2dTranspose(x, k, [6, 6, 4], 2, 'same')).toThrow(/outputShape must be \[batch, height, width, outChannels\]/);
    expect(() => tn.conv2dTranspose(x, k, [1, 6, 6, 4], 2, 'full' as Padding)).toThrow(/conv2dTranspose: pad must be 'valid', 'same'/);
    expect(() => conv2dTransposeFused(x, k, null, [3, 3], [2, 2], 'same', [2, 2])).toThrow(/strides \[2, ?2\] and dilations \[2, ?2\] cannot both exceed 1/);
    expect(() => conv2dTransposeFused(x, k, tn.zeros([3]), [6, 6], [2, 2], 'same', [1, 1])).toThrow(/bias must have shape \[4\]/);
  });

  it('propagates NaN from the input to the outputs it reaches', () => {
    const xv = new Float32Array(9).fill(1);
    xv[4] = NaN;
    const y = tn.conv2dTranspose(tn.tensor(xv, [1, 3, 3, 1]), tn.ones([1, 1, 1, 1]), [1, 6, 6, 1], 2, 'valid').data();
    expect(Number.isNaN(y[2 * 6 + 2])).toBe(true);
    expect(y[0]).toBe(1);
    expect(y[1]).toBe(0);
  });
});
