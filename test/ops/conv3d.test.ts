// conv3d, maxPool3d and avgPool3d on NDHWC data (native direct loops): values against float64 loops written from the
// definitions over strides, 'valid'/'same' (TensorFlow's odd pad at the end), dilation and odd sizes; gradients by
// finite differences; the native forward's fused bias and activation; determinism of the filter gradient; NaN; errors.
import { describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { native, UnaryOp } from '../../lib/native.js';
import { conv3dFused, conv3dGeometry } from '../../lib/ops/conv.js';
import { outputSize, type Padding } from '../../lib/ops/window.js';
import { expectClose, randomArray } from '../helpers/conv-reference.js';
import { distinctTensor, gradCheck, randomTensor } from '../helpers/gradcheck.js';

type Triple = [number, number, number];
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** y[n, o..., f] = bias[f] + sum over taps k... and channels c of x[n, o * s - pad + k * d, c] * w[k..., c, f]. */
function conv3dReference(x: Float32Array, xs: number[], w: Float32Array, ws: number[], s: Triple, padding: Padding, d: Triple, bias: Float32Array | null) {
  const [n, D, H, W, C] = xs;
  const [kd, kh, kw, , F] = ws;
  const [od, pf] = outputSize(D, kd, s[0], d[0], padding);
  const [oh, pt] = outputSize(H, kh, s[1], d[1], padding);
  const [ow, pl] = outputSize(W, kw, s[2], d[2], padding);
  const y = new Float64Array(n * od * oh * ow * F);
  const mag = new Float64Array(y.length);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < od; i++)
      for (let j = 0; j < oh; j++)
        for (let l = 0; l < ow; l++)
          for (let f = 0; f < F; f++) {
            let acc = bias ? bias[f] : 0;
            let m = Math.abs(acc);
            for (let a = 0; a < kd; a++)
              for (let p = 0; p < kh; p++)
                for (let q = 0; q < kw; q++) {
                  const z = i * s[0] - pf + a * d[0];
                  const r = j * s[1] - pt + p * d[1];
                  const t = l * s[2] - pl + q * d[2];
                  if (z < 0 || z >= D || r < 0 || r >= H || t < 0 || t >= W) continue;
                  for (let c = 0; c < C; c++) {
                    const v = x[(((b * D + z) * H + r) * W + t) * C + c] * w[(((a * kh + p) * kw + q) * C + c) * F + f];
                    acc += v;
                    m += Math.abs(v);
                  }
                }
            const o = (((b * od + i) * oh + j) * ow + l) * F + f;
            y[o] = acc;
            mag[o] = m;
          }
  return { y, mag, shape: [n, od, oh, ow, F] };
}

/** Max or mean over each window's cells inside the input ('same' padding never adds a cell). */
function pool3dReference(x: Float32Array, xs: number[], isMax: boolean, k: Triple, s: Triple, padding: Padding) {
  const [n, D, H, W, C] = xs;
  const dims = [D, H, W].map((v, i) => outputSize(v, k[i], s[i], 1, padding));
  const [[od, pf], [oh, pt], [ow, pl]] = dims;
  const y: number[] = [];
  for (let b = 0; b < n; b++)
    for (let i = 0; i < od; i++)
      for (let j = 0; j < oh; j++)
        for (let l = 0; l < ow; l++)
          for (let c = 0; c < C; c++) {
            const cells: number[] = [];
            for (let a = 0; a < k[0]; a++)
              for (let p = 0; p < k[1]; p++)
                for (let q = 0; q < k[2]; q++) {
                  const z = i * s[0] - pf + a;
                  const r = j * s[1] - pt + p;
                  const t = l * s[2] - pl + q;
                  if (z < 0 || z >= D || r < 0 || r >= H || t < 0 || t >= W) continue;
                  cells.push(x[(((b * D + z) * H + r) * W + t) * C + c]);
                }
            y.push(isMax ? (cells.some(Number.isNaN) ? NaN : Math.max(...cells)) : cells.reduce((u, v) => u + v, 0) / cells.length);
          }
  return { y, shape: [n, od, oh, ow, C] };
}

const convCases: { name: string; x: number[]; k: number[]; strides: Triple; padding: Padding; dilations: Triple }[] = [
  { name: '1x1x1 everything', x: [1, 1, 1, 1, 1], k: [1, 1, 1, 1, 1], strides: [1, 1, 1], padding: 'valid', dilations: [1, 1, 1] },
  { name: '3x3x3 same', x: [2, 4, 5, 3, 2], k: [3, 3, 3, 2, 3], strides: [1, 1, 1], padding: 'same', dilations: [1, 1, 1] },
  { name: '[2, 3, 2] kernel, strides [2, 1, 3], valid', x: [1, 5, 4, 7, 3], k: [2, 3, 2, 3, 4], strides: [2, 1, 3], padding: 'valid', dilations: [1, 1, 1] },
  { name: 'even kernel, stride 2, same (odd pad at the end)', x: [1, 5, 6, 5, 1], k: [2, 2, 4, 1, 2], strides: [2, 2, 2], padding: 'same', dilations: [1, 1, 1] },
  { name: 'dilation [2, 1, 2], same, 17 channels', x: [1, 4, 3, 5, 17], k: [2, 2, 3, 17, 5], strides: [1, 1, 1], padding: 'same', dilations: [2, 1, 2] },
];

describe('conv3d: against the float64 loop', () => {
  for (const c of convCases) {
    it(`${c.name}: forward with bias`, () => {
      const xv = randomArray(size(c.x), 1);
      const kv = randomArray(size(c.k), 2);
      const bv = randomArray(c.k[4], 3);
      const y = conv3dFused(tn.tensor(xv, c.x), tn.tensor(kv, c.k), tn.tensor(bv, [c.k[4]]), c.strides, c.padding, c.dilations);
      const ref = conv3dReference(xv, c.x, kv, c.k, c.strides, c.padding, c.dilations, bv);
      expect(y.shape).toEqual(ref.shape);
      expectClose(y.data(), ref.y, ref.mag, 'y');
    });
    it(`${c.name}: gradients by finite differences (input, kernel, bias, through tanh)`, () => {
      const x = randomTensor(c.x, 11, -1, 1);
      const k = randomTensor(c.k, 12, -0.5, 0.5);
      const b = randomTensor([c.k[4]], 13);
      gradCheck((p, q, r) => conv3dFused(p, q, r, c.strides, c.padding, c.dilations, UnaryOp.tanh), [x, k, b], { maxPoints: 30 });
    });
  }

  it('fused activations (relu6, sigmoid, elu) and one that runs as its own op (swish): values and gradients', () => {
    const c = convCases[3];
    const xv = randomArray(size(c.x), 31);
    const kv = randomArray(size(c.k), 32);
    const bv = randomArray(c.k[4], 33);
    const ref = conv3dReference(xv, c.x, kv, c.k, c.strides, c.padding, c.dilations, bv);
    const cases: [UnaryOp, number, (v: number) => number][] = [
      [UnaryOp.relu6, 0, (v) => Math.min(Math.max(v, 0), 6)], [UnaryOp.sigmoid, 0, (v) => 1 / (1 + Math.exp(-v))],
      [UnaryOp.elu, 1, (v) => (v > 0 ? v : Math.expm1(v))], [UnaryOp.swish, 0, (v) => v / (1 + Math.exp(-v))],
    ];
    for (const [act, alpha, f] of cases) {
      const y = conv3dFused(tn.tensor(xv, c.x), tn.tensor(kv, c.k), tn.tensor(bv, [c.k[4]]), c.strides, c.padding, c.dilations, act, alpha);
      expectClose(y.data(), ref.y.map(f), ref.mag, `activation ${act}`);
      const x = randomTensor(c.x, 34, -1, 1);
      const k = randomTensor(c.k, 35, -0.5, 0.5);
      const b = randomTensor([c.k[4]], 36, 0.2, 1);
      if (act !== UnaryOp.relu6) gradCheck((p, q, r) => conv3dFused(p, q, r, c.strides, c.padding, c.dilations, act, alpha), [x, k, b], { maxPoints: 20 });
    }
  });

  it('the native forward fuses bias and activation (relu, elu) as its epilogue', () => {
    const c = convCases[2];
    const xv = randomArray(size(c.x), 4);
    const kv = randomArray(size(c.k), 5);
    const bv = randomArray(c.k[4], 6);
    const g = conv3dGeometry(c.x, c.k, c.strides, c.padding, c.dilations, 'test');
    const ref = conv3dReference(xv, c.x, kv, c.k, c.strides, c.padding, c.dilations, bv);
    for (const [act, alpha, f] of [[UnaryOp.relu, 0, (v: number) => Math.max(v, 0)], [UnaryOp.elu, 0.5, (v: number) => (v > 0 ? v : 0.5 * Math.expm1(v))]] as const) {
      const y = new Float32Array(size(g.outShape)).fill(NaN);
      native.conv3dForward(xv, kv, bv, y, g.native, act, alpha);
      expectClose(y, ref.y.map(f), ref.mag, `activation ${act}`);
    }
  });

  it('the gradients are bitwise repeatable, and agree on 1 thread and on all of them', () => {
    const c = convCases[1];
    const x = randomTensor(c.x, 7);
    const k = randomTensor(c.k, 8);
    const r = randomTensor([2, 4, 5, 3, 3], 9);
    const grad = () => tn.grads((p: tn.Tensor, q: tn.Tensor) => tn.sum(tn.mul(tn.conv3d(p, q, 1, 'same'), r)))([x, k]).map((g) => Array.from(g.data()));
    const threads = native.backendInfo().threads;
    const all = grad();
    expect(grad()).toEqual(all);
    native.setNumThreads(1);
    try {
      // Another thread count may split the GEMM's sums differently: equal up to float32 rounding of the sums.
      const one = grad();
      for (const i of [0, 1]) {
        const scale = Math.max(...all[i].map(Math.abs));
        const worst = Math.max(...one[i].map((v, j) => Math.abs(v - all[i][j])));
        expect(worst, `gradient ${i} on 1 thread`).toBeLessThan(1e-5 * scale);
      }
    } finally {
      native.setNumThreads(threads);
    }
  });

  it('TF.js\'s signature, unbatched [d, h, w, c] input, NaN and errors', () => {
    const x = randomTensor([3, 3, 3, 2], 14);
    const k = randomTensor([2, 2, 2, 2, 1], 15);
    const y = tn.conv3d(x, k, 1, 'valid');
    expect(y.shape).toEqual([2, 2, 2, 1]);
    const ref = conv3dReference(x.data() as Float32Array, [1, 3, 3, 3, 2], k.data() as Float32Array, k.shape, [1, 1, 1], 'valid', [1, 1, 1], null);
    expectClose(y.data(), ref.y, ref.mag, 'unbatched');
    const xv = new Float32Array(27 * 2).fill(1);
    xv[0] = NaN;
    const yn = tn.conv3d(tn.tensor(xv, [1, 3, 3, 3, 2]), k, 1, 'valid').data();
    expect(Number.isNaN(yn[0])).toBe(true);
    expect(Number.isNaN(yn[7])).toBe(false);
    expect(() => tn.conv3d(tn.zeros([1, 3, 3, 3, 2]), tn.zeros([2, 2, 2, 3, 1]))).toThrow('conv3d: the input has 2 channels but the kernel expects 3 (input shape [1,3,3,3,2], kernel shape [2,2,2,3,1])');
    expect(() => tn.conv3d(tn.zeros([3, 3, 2]), tn.zeros([2, 2, 2, 2, 1]))).toThrow(/conv3d: input must have rank 5 \[batch, depth, height, width, channels\], received shape \[3,3,2\]/);
    expect(() => tn.conv3d(tn.zeros([1, 3, 3, 3, 2]), tn.zeros([4, 2, 2, 2, 1]))).toThrow(/the kernel 4x2x2 .* does not fit in the 3x3x3 input with 'valid' padding/);
    expect(() => tn.conv3d(tn.zeros([1, 3, 3, 3, 2]), tn.zeros([2, 2, 2, 2, 1]), 2, 'same', 'NDHWC', 2)).toThrow(/strides \[2,2,2\] and dilations \[2,2,2\] cannot both exceed 1/);
    expect(() => tn.conv3d(tn.zeros([1, 3, 3, 3, 2]), tn.zeros([2, 2, 2, 2, 1]), [1, 1] as never)).toThrow(/strides must be a positive integer or a list of three/);
  });
});

describe('maxPool3d and avgPool3d', () => {
  const cases: { name: string; x: number[]; k: Triple; s: Triple; padding: Padding }[] = [
    { name: '2x2x2 valid', x: [2, 4, 4, 6, 3], k: [2, 2, 2], s: [2, 2, 2], padding: 'valid' },
    { name: '[3, 2, 3] window, strides [2, 1, 2], same', x: [1, 5, 4, 5, 2], k: [3, 2, 3], s: [2, 1, 2], padding: 'same' },
    { name: 'overlapping 3x3x3 stride 1 same, 17 channels', x: [1, 3, 3, 4, 17], k: [3, 3, 3], s: [1, 1, 1], padding: 'same' },
    { name: 'strides wider than the window (cells no window reads), valid', x: [1, 5, 7, 5, 2], k: [1, 2, 2], s: [2, 3, 3], padding: 'valid' },
  ];
  for (const c of cases) {
    for (const isMax of [true, false]) {
      const op = isMax ? tn.maxPool3d : tn.avgPool3d;
      it(`${isMax ? 'max' : 'avg'} ${c.name}: values and gradients`, () => {
        const x = distinctTensor(c.x, 21);
        const y = op(x, c.k, c.s, c.padding);
        const ref = pool3dReference(x.data() as Float32Array, c.x, isMax, c.k, c.s, c.padding);
        expect(y.shape).toEqual(ref.shape);
        expectClose(y.data(), ref.y, null, 'y');
        gradCheck((t) => op(t, c.k, c.s, c.padding), [x], { eps: isMax ? 1e-3 : 1e-2, maxPoints: 40 });
      });
    }
  }

  it('max: ties route the gradient to the first maximum; NaN wins its windows', () => {
    const x = tn.tensor([1, 3, 3, 2, 0, 3, 1, 1], [1, 2, 2, 2, 1]);
    const [g] = tn.grads((t: tn.Tensor) => tn.sum(tn.maxPool3d(t, 2)))([x]);
    expect(Array.from(g.data())).toEqual([0, 1, 0, 0, 0, 0, 0, 0]);
    const v = new Float32Array(8).fill(1);
    v[5] = NaN;
    expect(Number.isNaN(tn.maxPool3d(tn.tensor(v, [1, 2, 2, 2, 1]), 2).data()[0])).toBe(true);
  });

  it('rejects bad shapes and windows', () => {
    expect(() => tn.maxPool3d(tn.zeros([4, 4, 1]), 2)).toThrow('maxPool3d: input must have rank 5 [batch, depth, height, width, channels], received shape [4,4,1]');
    expect(() => tn.avgPool3d(tn.zeros([1, 1, 4, 4, 1]), 2)).toThrow("avgPool3d: the pool window 2x2x2 does not fit in the 1x4x4 input with 'valid' padding (input shape [1,1,4,4,1])");
    expect(() => tn.maxPool3d(tn.zeros([1, 4, 4, 4, 1]), [2, 2] as never)).toThrow(/poolSize must be a positive integer or a list of three/);
  });
});
