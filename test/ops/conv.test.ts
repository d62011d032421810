// conv2d on NHWC input with [kh, kw, in, out] kernels: golden values and gradients, a float64 reference over
// strides, 'valid'/'same' (TensorFlow's odd pad at the end), dilation and odd sizes, the chunked path, finite
// differences with respect to input, kernel and bias, NaN and errors.
import { describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { UnaryOp } from '../../lib/native.js';
import { conv2dFused } from '../../lib/ops/conv.js';
import { expectClose, goldenCases, toTensor } from '../helpers/golden.js';
import { gradCheck, randomTensor } from '../helpers/gradcheck.js';

type Pair = [number, number];

/** Direct convolution in float64, padding per TensorFlow. */
function convReference(x: tn.Tensor, k: tn.Tensor, strides: Pair, padding: 'valid' | 'same', dilations: Pair = [1, 1]) {
  const [n, h, w, c] = x.shape;
  const [kh, kw, , oc] = k.shape;
  const geom = (size: number, win: number, s: number, d: number): [number, number] => {
    const eff = (win - 1) * d + 1;
    if (padding === 'valid') return [Math.floor((size - eff) / s) + 1, 0];
    const out = Math.ceil(size / s);
    const total = Math.max((out - 1) * s + eff - size, 0);
    return [out, Math.floor(total / 2)];
  };
  const [oh, pt] = geom(h, kh, strides[0], dilations[0]);
  const [ow, pl] = geom(w, kw, strides[1], dilations[1]);
  const xv = x.data();
  const kv = k.data();
  const out: number[] = [];
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let o = 0; o < oc; o++) {
          let s = 0;
          for (let p = 0; p < kh; p++)
            for (let q = 0; q < kw; q++) {
              const y = i * strides[0] - pt + p * dilations[0];
              const z = j * strides[1] - pl + q * dilations[1];
              if (y < 0 || y >= h || z < 0 || z >= w) continue;
              for (let ch = 0; ch < c; ch++) s += xv[((b * h + y) * w + z) * c + ch] * kv[((p * kw + q) * c + ch) * oc + o];
            }
          out.push(s);
        }
  return { shape: [n, oh, ow, oc], data: out };
}

describe('conv2d: golden values', () => {
  for (const c of goldenCases('conv2d')) {
    const strides = c.attrs.strides as Pair;
    const padding = c.attrs.padding as 'valid' | 'same';
    const dilations = c.attrs.dilationRate as Pair;
    const x = toTensor(c.inputs.x);
    const kernel = toTensor(c.inputs.kernel);
    const bias = toTensor(c.inputs.bias);
    const up = toTensor(c.upstream);
    it(`${c.name}: conv2d + bias, forward and the three gradients`, () => {
      const f = (a: tn.Tensor, k: tn.Tensor, b: tn.Tensor) => tn.add(tn.conv2d(a, k, strides, padding, 'NHWC', dilations), b);
      expectClose(f(x, kernel, bias), c.outputs.y, 1e-4, 1e-5, 'y');
      const [gx, gk, gb] = tn.grads(f)([x, kernel, bias], up);
      expectClose(gx, c.grads.x, 1e-4, 1e-5, 'dx');
      expectClose(gk, c.grads.kernel, 1e-4, 1e-5, 'dkernel');
      expectClose(gb, c.grads.bias, 1e-4, 1e-5, 'dbias');
    });
    it(`${c.name}: the fused op with bias in the epilogue`, () => {
      const f = (a: tn.Tensor, k: tn.Tensor, b: tn.Tensor) => conv2dFused(a, k, b, strides, padding, dilations);
      expectClose(f(x, kernel, bias), c.outputs.y, 1e-4, 1e-5, 'y');
      const [gx, gk, gb] = tn.grads(f)([x, kernel, bias], up);
      expectClose(gx, c.grads.x, 1e-4, 1e-5, 'dx');
      expectClose(gk, c.grads.kernel, 1e-4, 1e-5, 'dkernel');
      expectClose(gb, c.grads.bias, 1e-4, 1e-5, 'dbias');
    });
  }
});

const geometries: [number[], number[], Pair, 'valid' | 'same', Pair][] = [
  [[1, 1, 1, 1], [1, 1, 1, 1], [1, 1], 'valid', [1, 1]],
  [[2, 5, 6, 3], [3, 3, 3, 2], [1, 1], 'same', [1, 1]],
  [[1, 6, 6, 2], [2, 2, 2, 3], [1, 1], 'same', [1, 1]],
  [[1, 7, 8, 1], [4, 3, 1, 5], [2, 3], 'same', [1, 1]],
  [[2, 7, 5, 17], [3, 2, 17, 9], [2, 1], 'valid', [1, 1]],
  [[1, 9, 10, 2], [3, 3, 2, 16], [1, 1], 'valid', [2, 3]],
  [[1, 8, 7, 3], [2, 3, 3, 1], [1, 1], 'same', [3, 2]],
  [[3, 4, 4, 8], [1, 1, 8, 33], [1, 1], 'valid', [1, 1]],
  [[1, 5, 5, 1], [5, 5, 1, 1], [1, 1], 'same', [1, 1]],
  [[1, 3, 3, 2], [3, 3, 2, 2], [4, 4], 'same', [1, 1]],
];

describe('conv2d: values on odd geometries', () => {
  for (const [xs, ks, strides, padding, dil] of geometries) {
    it(`x ${JSON.stringify(xs)} kernel ${JSON.stringify(ks)} strides ${strides} ${padding} dilation ${dil}`, () => {
      const x = randomTensor(xs, xs.reduce((p, d) => p + d, 0));
      const k = randomTensor(ks, ks.reduce((p, d) => p * d, 1));
      expectClose(tn.conv2d(x, k, strides, padding, 'NHWC', dil), convReference(x, k, strides, padding, dil), 1e-4, 1e-4);
    });
  }

  it('a large input that is processed in several chunks and threads', () => {
    const x = randomTensor([2, 40, 41, 64], 1);
    const k = randomTensor([3, 3, 64, 10], 2, -0.2, 0.2);
    expectClose(tn.conv2d(x, k, 1, 'same'), convReference(x, k, [1, 1], 'same'), 1e-4, 2e-4);
    gradCheck((a, b) => tn.conv2d(a, b, 1, 'same'), [x, k], { maxPoints: 12 });
  });

  it('accepts an unbatched [h, w, c] input', () => {
    const x = randomTensor([5, 4, 2], 3);
    const k = randomTensor([2, 2, 2, 3], 4);
    const y = tn.conv2d(x, k, 1, 'valid');
    expect(y.shape).toEqual([4, 3, 3]);
    expectClose(y, { shape: [4, 3, 3], data: convReference(tn.reshape(x, [1, 5, 4, 2]), k, [1, 1], 'valid').data }, 1e-4, 1e-4);
  });

  it('propagates NaN only to the outputs whose window reads it', () => {
    const x = tn.tensor([1, 1, 1, NaN, 1, 1], [1, 1, 6, 1]);
    const y = tn.conv2d(x, tn.ones([1, 2, 1, 1]), 1, 'valid').data();
    expect(Array.from(y, Number.isNaN)).toEqual([false, false, true, true, false]);
  });
});

describe('conv2d: gradients', () => {
  for (const [xs, ks, strides, padding, dil] of geometries) {
    it(`match finite differences: x ${JSON.stringify(xs)} kernel ${JSON.stringify(ks)} strides ${strides} ${padding} dilation ${dil}`, () => {
      const x = randomTensor(xs, 5);
      const k = randomTensor(ks, 6);
      gradCheck((a, b) => tn.conv2d(a, b, strides, padding, 'NHWC', dil), [x, k], { maxPoints: 40 });
    });
  }

  it('the fused op with bias and an epilogue activation matches finite differences', () => {
    const x = randomTensor([2, 5, 5, 3], 7);
    const k = randomTensor([3, 3, 3, 4], 8, -0.5, 0.5);
    const b = randomTensor([4], 9);
    for (const [act, alpha] of [[UnaryOp.tanh, 0], [UnaryOp.sigmoid, 0], [UnaryOp.elu, 1], [UnaryOp.swish, 0]] as [UnaryOp, number][]) {
      gradCheck((p, q, r) => conv2dFused(p, q, r, [1, 1], 'same', [1, 1], act, alpha), [x, k, b], { maxPoints: 30 });
    }
  });
});

describe('conv2d: errors', () => {
  it('name the op and the shapes', () => {
    expect(() => tn.conv2d(tn.zeros([1, 5, 5, 3]), tn.zeros([3, 3, 2, 4]))).toThrow(
      'conv2d: the input has 3 channels but the kernel expects 2 (input shape [1,5,5,3], kernel shape [3,3,2,4])',
    );
    expect(() => tn.conv2d(tn.zeros([5, 5]), tn.zeros([3, 3, 1, 1]))).toThrow(
      'conv2d: input must have rank 4 [batch, height, width, channels], received shape [5,5]',
    );
    expect(() => tn.conv2d(tn.zeros([5, 5, 3]), tn.zeros([3, 3, 2, 4]))).toThrow(
      'conv2d: the input has 3 channels but the kernel expects 2 (input shape [5,5,3], kernel shape [3,3,2,4])',
    );
    expect(() => tn.conv2d(tn.zeros([2, 2, 1]), tn.zeros([3, 3, 1, 1]))).toThrow(
      "conv2d: the kernel 3x3 (dilation [1,1]) does not fit in the 2x2 input with 'valid' padding (input shape [2,2,1])",
    );
    expect(() => tn.conv2d(tn.zeros([1, 5, 5, 1]), tn.zeros([3, 3, 1]))).toThrow(
      'conv2d: kernel must have rank 4 [kh, kw, inChannels, outChannels], received shape [3,3,1]',
    );
    expect(() => tn.conv2d(tn.zeros([1, 2, 2, 1]), tn.zeros([3, 3, 1, 1]))).toThrow(
      "conv2d: the kernel 3x3 (dilation [1,1]) does not fit in the 2x2 input with 'valid' padding (input shape [1,2,2,1])",
    );
    expect(() => tn.conv2d(tn.zeros([1, 5, 5, 1]), tn.zeros([3, 3, 1, 1]), 2, 'valid', 'NHWC', 2)).toThrow(
      'conv2d: strides [2,2] and dilations [2,2] cannot both exceed 1',
    );
  });
  it('reject bad strides, padding, dilations and data formats', () => {
    const x = tn.zeros([1, 5, 5, 1]);
    const k = tn.zeros([3, 3, 1, 1]);
    expect(() => tn.conv2d(x, k, 0)).toThrow('conv2d: strides must be a positive integer or a pair of them, received 0');
    expect(() => tn.conv2d(x, k, [1, 1.5] as Pair)).toThrow('conv2d: strides must be a positive integer or a pair of them, received [1,1.5]');
    expect(() => tn.conv2d(x, k, 1, 'full' as 'same')).toThrow(`conv2d: pad must be 'valid', 'same', a non-negative integer or [[0, 0], [top, bottom], [left, right], [0, 0]], received "full"`);
    expect(() => tn.conv2d(x, k, 1, 'valid', 'NHWC', -1)).toThrow('conv2d: dilations must be a positive integer or a pair of them, received -1');
    expect(() => tn.conv2d(x, k, 1, 'valid', 'NCHW' as 'NHWC')).toThrow('conv2d: only channels-last (NHWC) data is supported, received dataFormat "NCHW"');
  });
});

describe('conv2d: int32', () => {
  it('int32 input and kernel are convolved as float32', () => {
    const x = tn.tensor([1, 2, 3, 4], [1, 2, 2, 1], 'int32');
    const y = tn.conv2d(x, tn.tensor([1, 1, 1, 1], [2, 2, 1, 1], 'int32'));
    expect(y.dtype).toBe('float32');
    expect(Array.from(y.data())).toEqual([10]);
  });
});
