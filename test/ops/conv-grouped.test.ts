// Grouped 2-D convolution (Keras's `groups`, per-group native convolutions concatenated): values against a float64
// direct loop over groups, finite-difference gradients with respect to input, kernel and bias, and the errors.
import { describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { UnaryOp } from '../../lib/native.js';
import { groupedConv2dFused } from '../../lib/ops/conv.js';
import { outputSize, type Padding } from '../../lib/ops/window.js';
import { expectClose, randomArray } from '../helpers/conv-reference.js';
import { gradCheck, randomTensor } from '../helpers/gradcheck.js';

type Pair = [number, number];

/** y[n, i, j, o] = bias[o] + sum over the window and the cg = c / groups channels of group g = o / (filters / groups). */
function groupedReference(x: Float32Array, xs: number[], k: Float32Array, ks: number[], groups: number, s: Pair, padding: Padding, d: Pair, bias: Float32Array | null) {
  const [n, h, w] = xs;
  const [kh, kw, cg, f] = ks;
  const per = f / groups;
  const [oh, pt] = outputSize(h, kh, s[0], d[0], padding);
  const [ow, pl] = outputSize(w, kw, s[1], d[1], padding);
  const c = xs[3];
  const y = new Float64Array(n * oh * ow * f);
  const mag = new Float64Array(y.length);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let o = 0; o < f; o++) {
          const g = Math.floor(o / per);
          let acc = bias ? bias[o] : 0;
          let m = Math.abs(acc);
          for (let p = 0; p < kh; p++)
            for (let q = 0; q < kw; q++) {
              const r = i * s[0] - pt + p * d[0];
              const t = j * s[1] - pl + q * d[1];
              if (r < 0 || r >= h || t < 0 || t >= w) continue;
              for (let e = 0; e < cg; e++) {
                const v = x[((b * h + r) * w + t) * c + g * cg + e] * k[((p * kw + q) * cg + e) * f + o];
                acc += v;
                m += Math.abs(v);
              }
            }
          y[((b * oh + i) * ow + j) * f + o] = acc;
          mag[((b * oh + i) * ow + j) * f + o] = m;
        }
  return { y, mag, shape: [n, oh, ow, f] };
}

const cases: { name: string; x: number[]; k: number[]; groups: number; strides: Pair; padding: Padding; dilations: Pair }[] = [
  { name: '2 groups, 3x3 same', x: [2, 5, 6, 4], k: [3, 3, 2, 6], groups: 2, strides: [1, 1], padding: 'same', dilations: [1, 1] },
  { name: '3 groups, stride 2 valid', x: [1, 7, 6, 6], k: [2, 3, 2, 3], groups: 3, strides: [2, 2], padding: 'valid', dilations: [1, 1] },
  { name: 'one group per channel (depthwise-like), dilation 2', x: [1, 6, 6, 4], k: [2, 2, 1, 8], groups: 4, strides: [1, 1], padding: 'same', dilations: [2, 2] },
  { name: '4 groups of 5 channels, 1x1', x: [2, 3, 3, 20], k: [1, 1, 5, 12], groups: 4, strides: [1, 1], padding: 'valid', dilations: [1, 1] },
];

describe('grouped conv2d', () => {
  for (const c of cases) {
    it(`${c.name}: matches the float64 reference, with bias`, () => {
      const xv = randomArray(c.x.reduce((a, b) => a * b, 1), 1);
      const kv = randomArray(c.k.reduce((a, b) => a * b, 1), 2);
      const bv = randomArray(c.k[3], 3);
      const y = groupedConv2dFused(tn.tensor(xv, c.x), tn.tensor(kv, c.k), tn.tensor(bv, [c.k[3]]), c.groups, c.strides, c.padding, c.dilations);
      const ref = groupedReference(xv, c.x, kv, c.k, c.groups, c.strides, c.padding, c.dilations, bv);
      expect(y.shape).toEqual(ref.shape);
      expectClose(y.data(), ref.y, ref.mag, 'y');
    });
    it(`${c.name}: gradients by finite differences (input, kernel, bias, through a fused tanh)`, () => {
      const x = randomTensor(c.x, 11, -1, 1);
      const k = randomTensor(c.k, 12, -0.5, 0.5);
      const b = randomTensor([c.k[3]], 13);
      gradCheck((p, q, r) => groupedConv2dFused(p, q, r, c.groups, c.strides, c.padding, c.dilations, UnaryOp.tanh), [x, k, b], { maxPoints: 30 });
    });
  }

  it('rejects channels or filters that do not split into the groups', () => {
    expect(() => groupedConv2dFused(tn.zeros([1, 4, 4, 6]), tn.zeros([3, 3, 2, 4]), null, 2, [1, 1], 'same', [1, 1], UnaryOp.linear, 0, 'conv2d (layer "g")'))
      .toThrow(/conv2d \(layer "g"\): with 2 groups .* kernel must take 3 channels per group, received input shape \[1,4,4,6\] and kernel shape \[3,3,2,4\]/);
    expect(() => groupedConv2dFused(tn.zeros([1, 4, 4, 6]), tn.zeros([3, 3, 2, 5]), null, 3, [1, 1], 'same', [1, 1])).toThrow(/with 3 groups/);
  });
});
