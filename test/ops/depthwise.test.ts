// depthwiseConv2d on NHWC input with [kh, kw, c, depthMultiplier] kernels: forward, input, kernel and bias gradients
// against a float64 direct loop (test/helpers/depthwise-reference.ts) over channel counts that are not multiples of
// the vector width, depth multipliers 1 and 2, strides, dilation, 'valid'/'same' and fused activations; finite
// differences; one thread against two; NaN; the TF.js call form; and the errors for bad arguments.
import { afterAll, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { native, UnaryOp } from '../../lib/native.js';
import { depthwiseConv2dFused } from '../../lib/ops/conv.js';
import type { Padding } from '../../lib/ops/window.js';
import { expectClose, randomArray } from '../helpers/conv-reference.js';
import { depthwiseBackwardRef, depthwiseForwardRef, depthwiseGeometryOf, type DepthwiseGeometry } from '../helpers/depthwise-reference.js';
import { gradCheck, randomTensor, rng } from '../helpers/gradcheck.js';

type Pair = [number, number];
const initialThreads = tn.backendInfo().threads;
afterAll(() => tn.setNumThreads(initialThreads));

interface Case {
  x: [number, number, number, number];
  kernel: Pair;
  m: number;
  strides?: Pair;
  padding?: Padding;
  dilations?: Pair;
  bias?: boolean;
  activation?: UnaryOp;
}

/** The derivative of the activation at its output y (every fused activation here allows it). */
function derivative(act: UnaryOp, y: number): number {
  switch (act) {
    case UnaryOp.relu: return y > 0 ? 1 : 0;
    case UnaryOp.relu6: return y > 0 && y < 6 ? 1 : 0;
    case UnaryOp.tanh: return 1 - y * y;
    default: return 1;
  }
}

function activate(act: UnaryOp, z: number): number {
  switch (act) {
    case UnaryOp.relu: return Math.max(z, 0);
    case UnaryOp.relu6: return Math.min(Math.max(z, 0), 6);
    case UnaryOp.tanh: return Math.tanh(z);
    default: return z;
  }
}

function runCase(c: Case, seed: number): void {
  const [n, h, w, ch] = c.x;
  const kShape = [c.kernel[0], c.kernel[1], ch, c.m];
  const strides = c.strides ?? [1, 1];
  const padding = c.padding ?? 'valid';
  const dilations = c.dilations ?? [1, 1];
  const act = c.activation ?? UnaryOp.linear;
  const xv = randomArray(n * h * w * ch, seed);
  const kv = randomArray(kShape.reduce((a, b) => a * b), seed + 1, 2);
  const bv = c.bias ? randomArray(ch * c.m, seed + 2) : null;
  const x = tn.tensor(xv, c.x);
  const k = tn.tensor(kv, kShape);
  const b = bv ? tn.tensor(bv, [ch * c.m]) : null;
  const g = depthwiseGeometryOf(c.x, kShape, strides, padding, dilations);
  const what = `x ${JSON.stringify(c.x)} kernel ${JSON.stringify(kShape)} strides ${strides} ${padding} dilations ${dilations} act ${UnaryOp[act]}`;

  const ref = depthwiseForwardRef(g, xv, kv, bv);
  const f = (...ts: tn.Tensor[]) => depthwiseConv2dFused(ts[0], ts[1], ts[2] ?? null, strides, padding, dilations, act);
  const y = f(x, k, ...(b ? [b] : []));
  expect(y.shape).toEqual([n, g.oh, g.ow, ch * c.m]);
  expectClose(y.data(), ref.y.map((z) => activate(act, z)), ref.mag, `${what}: forward`, act === UnaryOp.tanh ? 1 : 1);

  const r = randomArray(y.size, seed + 3);
  const yv = y.data();
  const dz = new Float64Array(y.size).map((_, i) => r[i] * derivative(act, yv[i]));
  const back = depthwiseBackwardRef(g, xv, kv, dz);
  const grads = tn.grads(f)(b ? [x, k, b] : [x, k], tn.tensor(r, y.shape));
  expectClose(grads[0].data(), back.dx, back.dxMag, `${what}: input gradient`);
  expectClose(grads[1].data(), back.dk, back.dkMag, `${what}: kernel gradient`);
  if (b) expectClose(grads[2].data(), back.db, back.dbMag, `${what}: bias gradient`);
}

describe('depthwiseConv2d against a float64 direct loop', () => {
  const channelCounts = [1, 3, 5, 13, 17, 33];
  let seed = 100;
  for (const ch of channelCounts) {
    for (const m of [1, 2]) {
      it(`${ch} channel(s), depth multiplier ${m}: stride 1 and 2, 'valid' and 'same', dilation 2`, () => {
        runCase({ x: [2, 7, 9, ch], kernel: [3, 3], m, padding: 'same', bias: true }, seed++);
        runCase({ x: [2, 7, 9, ch], kernel: [3, 3], m, padding: 'valid' }, seed++);
        runCase({ x: [2, 9, 8, ch], kernel: [3, 3], m, strides: [2, 2], padding: 'same', bias: true, activation: UnaryOp.relu6 }, seed++);
        runCase({ x: [1, 9, 10, ch], kernel: [3, 3], m, strides: [2, 2], padding: 'valid', activation: UnaryOp.relu }, seed++);
        runCase({ x: [1, 10, 11, ch], kernel: [3, 2], m, dilations: [2, 3], padding: 'same', bias: true, activation: UnaryOp.tanh }, seed++);
      });
    }
  }

  it('wide rows of 48 and 67 channels (whole register tiles and their masked tails), MobileNet-like', () => {
    runCase({ x: [2, 12, 14, 48], kernel: [3, 3], m: 1, padding: 'same', activation: UnaryOp.relu6 }, 1);
    runCase({ x: [1, 12, 14, 67], kernel: [3, 3], m: 1, strides: [2, 2], padding: 'same', bias: true }, 2);
    runCase({ x: [1, 11, 13, 67], kernel: [3, 3], m: 3, strides: [1, 2], padding: 'same', bias: true }, 3);
  });

  it('kernels larger than the input with same padding, 1xN and Nx1 windows, 1x1 images', () => {
    runCase({ x: [1, 4, 4, 6], kernel: [7, 7], m: 1, padding: 'same', bias: true }, 4);
    runCase({ x: [3, 1, 20, 9], kernel: [1, 3], m: 1, strides: [1, 3], padding: 'same' }, 5);
    runCase({ x: [2, 15, 1, 10], kernel: [5, 1], m: 2, padding: 'valid' }, 6);
    runCase({ x: [2, 1, 1, 19], kernel: [3, 3], m: 2, padding: 'same', bias: true }, 7);
  });
});

describe('depthwiseConv2d gradients by finite differences', () => {
  it('input, kernel and bias, depth multiplier 2, stride 2, same padding', () => {
    const x = randomTensor([2, 5, 6, 3], 1);
    const k = randomTensor([3, 3, 3, 2], 2, -1, 1);
    const b = randomTensor([6], 3);
    gradCheck((a, kk, bb) => depthwiseConv2dFused(a, kk, bb, [2, 2], 'same', [1, 1]), [x, k, b]);
  });

  it('with a fused tanh, dilation 2, valid padding', () => {
    const x = randomTensor([1, 7, 7, 5], 4, -1, 1);
    const k = randomTensor([3, 3, 5, 1], 5, -0.5, 0.5);
    const b = randomTensor([5], 6, -0.5, 0.5);
    gradCheck((a, kk, bb) => depthwiseConv2dFused(a, kk, bb, [1, 1], 'valid', [2, 2], UnaryOp.tanh), [x, k, b]);
  });

  it('through the public op with relu6: channels below 0, inside (0, 6) and above 6, all well away from the kinks', () => {
    // 'valid' 2x2 windows of inputs in [0.6, 1]: per channel, a kernel range that keeps every output of that channel
    // in one piece of relu6 (z in [-4, -1.2], [0.24, 1.2], [7.2, 14] and [1.2, 4]), so the finite differences never
    // straddle a kink.
    const x = randomTensor([1, 4, 5, 4], 7, 0.6, 1);
    const ranges = [[-1, -0.5], [0.1, 0.3], [3, 3.5], [0.5, 1]];
    const next = rng(8);
    const kv = Float32Array.from({ length: 16 }, (_, i) => {
      const [lo, hi] = ranges[i % 4];
      return lo + (hi - lo) * next();
    });
    const k = tn.tensor(kv, [2, 2, 4, 1]);
    const z = tn.depthwiseConv2d(x, k).data();
    for (let i = 0; i < z.length; i++) expect(Math.min(Math.abs(z[i]), Math.abs(z[i] - 6)), `output ${i} = ${z[i]}`).toBeGreaterThan(0.2);
    gradCheck((a, kk) => tn.depthwiseConv2d(a, kk, { activation: 'relu6' }), [x, k]);
  });
});

describe('depthwiseConv2d threads, call forms, NaN and errors', () => {
  it('one thread and two give identical forward values and gradients', () => {
    const x = randomTensor([8, 32, 32, 24], 9);
    const k = randomTensor([3, 3, 24, 2], 10);
    const b = randomTensor([48], 11);
    const run = () => [
      depthwiseConv2dFused(x, k, b, [1, 1], 'same', [1, 1], UnaryOp.relu6),
      ...tn.grads((a, kk, bb) => depthwiseConv2dFused(a, kk, bb, [2, 2], 'same', [1, 1], UnaryOp.relu))([x, k, b]),
    ].map((t) => t.data());
    tn.setNumThreads(1);
    const one = run();
    tn.setNumThreads(2);
    const two = run();
    tn.setNumThreads(initialThreads);
    for (let i = 0; i < one.length; i++) expect(Buffer.from(two[i].buffer).equals(Buffer.from(one[i].buffer)), `output ${i}`).toBe(true);
  });

  it('the TF.js positional form, unbatched input, bias and activation options', () => {
    const x = randomTensor([1, 6, 6, 3], 12);
    const k = randomTensor([3, 3, 3, 2], 13);
    const b = randomTensor([6], 14);
    const options = tn.depthwiseConv2d(x, k, { strides: 2, padding: 'same', dilationRate: 1 });
    expect(tn.depthwiseConv2d(x, k, 2, 'same').data()).toEqual(options.data());
    const unbatched = tn.depthwiseConv2d(tn.reshape(x, [6, 6, 3]), k, [2, 2], 'same');
    expect(unbatched.shape).toEqual([3, 3, 6]);
    expect(unbatched.data()).toEqual(options.data());
    const fused = tn.depthwiseConv2d(x, k, { padding: 'valid', bias: b, activation: 'relu' });
    const unfused = tn.relu(tn.add(tn.depthwiseConv2d(x, k, 1, 'valid'), b));
    expectClose(fused.data(), unfused.data(), null, 'fused bias and relu');
    const leaky = tn.depthwiseConv2d(x, k, { activation: 'leakyrelu', leakyreluAlpha: 0.1 });
    expectClose(leaky.data(), tn.leakyRelu(tn.depthwiseConv2d(x, k), 0.1).data(), null, 'leakyrelu');
    const dilated = tn.depthwiseConv2d(x, k, 1, 'valid', 'NHWC', 2);
    expect(dilated.shape).toEqual([1, 2, 2, 6]);
  });

  it('propagates NaN to the outputs whose window holds it, and only to those', () => {
    const xv = new Float32Array(1 * 5 * 5 * 2).fill(1);
    xv[(2 * 5 + 2) * 2 + 1] = NaN;  // pixel (2, 2), channel 1
    const y = tn.depthwiseConv2d(tn.tensor(xv, [1, 5, 5, 2]), tn.ones([3, 3, 2, 1]), 1, 'valid').data();
    for (let p = 0; p < 9; p++) {
      expect(Number.isNaN(y[p * 2 + 1])).toBe(true);
      expect(y[p * 2]).toBe(9);
    }
    const s = tn.depthwiseConv2d(tn.tensor(xv, [1, 5, 5, 2]), tn.ones([3, 3, 2, 1]), 1, 'same').data();
    for (let p = 0; p < 5; p++)
      for (let q = 0; q < 5; q++) {
        const covers = Math.abs(p - 2) <= 1 && Math.abs(q - 2) <= 1;
        expect(Number.isNaN(s[(p * 5 + q) * 2 + 1]), `same padding, output (${p}, ${q})`).toBe(covers);
        expect(Number.isNaN(s[(p * 5 + q) * 2])).toBe(false);
      }
  });

  it('rejects bad arguments and shapes with the op named', () => {
    const x = tn.zeros([1, 5, 5, 3]);
    const k = tn.zeros([3, 3, 3, 1]);
    expect(() => tn.depthwiseConv2d(tn.zeros([5, 3]), k)).toThrow('depthwiseConv2d: input must have rank 4 [batch, height, width, channels], received shape [5,3]');
    expect(() => tn.depthwiseConv2d(x, tn.zeros([3, 3, 3]))).toThrow('depthwiseConv2d: kernel must have rank 4 [kh, kw, inChannels, depthMultiplier], received shape [3,3,3]');
    expect(() => tn.depthwiseConv2d(x, tn.zeros([3, 3, 4, 1]))).toThrow('depthwiseConv2d: the input has 3 channels but the kernel expects 4 (input shape [1,5,5,3], kernel shape [3,3,4,1])');
    expect(() => tn.depthwiseConv2d(x, k, 0)).toThrow('depthwiseConv2d: strides must be a positive integer or a pair of them, received 0');
    expect(() => tn.depthwiseConv2d(x, k, { strides: 2, dilationRate: 2 })).toThrow('depthwiseConv2d: strides [2,2] and dilations [2,2] cannot both exceed 1');
    expect(() => tn.depthwiseConv2d(x, k, 1, 'full' as Padding)).toThrow(`depthwiseConv2d: pad must be 'valid', 'same', a non-negative integer or [[0, 0], [top, bottom], [left, right], [0, 0]], received "full"`);
    expect(() => tn.depthwiseConv2d(x, tn.zeros([7, 7, 3, 1]))).toThrow(`depthwiseConv2d: the kernel 7x7 (dilation [1,1]) does not fit in the 5x5 input with 'valid' padding (input shape [1,5,5,3])`);
    expect(() => tn.depthwiseConv2d(x, k, { activation: 'softmax' })).toThrow('depthwiseConv2d: activation must be one of linear, relu, relu6, elu, leakyrelu, sigmoid, tanh, received "softmax"');
    expect(() => tn.depthwiseConv2d(x, k, { bias: tn.zeros([4]) })).toThrow('depthwiseConv2d: bias must have shape [3] (inChannels * depthMultiplier), received shape [4]');
    expect(() => tn.depthwiseConv2d(x, k, 1, 'valid', 'NCHW' as 'NHWC')).toThrow('depthwiseConv2d: only channels-last (NHWC) data is supported, received dataFormat "NCHW"');
    expect(() => tn.depthwiseConv2d(x, tn.zeros([3, 3, 3, 0]))).toThrow('depthwiseConv2d: the kernel\'s window and depth multiplier must be positive, received kernel shape [3,3,3,0]');
  });

  it('the native kernels alone, on geometries the op never forms: stride and dilation both above 1, odd and oversized pads', () => {
    // [n, h, w, c, kh, kw, m, oh, ow, sh, sw, dh, dw, pt, pl]
    // (the third pads more than the window reaches: its input gradient runs the flipped kernel with a negative pad)
    for (const geometry of [[2, 11, 13, 5, 3, 3, 2, 5, 6, 2, 2, 2, 2, 1, 2], [1, 9, 10, 17, 2, 3, 1, 6, 5, 2, 3, 3, 2, 3, 0], [1, 4, 4, 9, 2, 2, 1, 8, 8, 1, 1, 1, 1, 3, 3]]) {
      const [n, h, w, c, kh, kw, m, oh, ow, sh, sw, dh, dw, pt, pl] = geometry;
      const g: DepthwiseGeometry = { n, h, w, c, kh, kw, m, oh, ow, sh, sw, dh, dw, pt, pl };
      const x = randomArray(n * h * w * c, 20);
      const k = randomArray(kh * kw * c * m, 21);
      const b = randomArray(c * m, 22);
      const dy = randomArray(n * oh * ow * c * m, 23);
      const y = new Float32Array(dy.length);
      native.depthwiseConv2dForward(x, k, b, y, geometry, UnaryOp.linear, 0);
      const ref = depthwiseForwardRef(g, x, k, b);
      expectClose(y, ref.y, ref.mag, `forward ${geometry}`);
      const back = depthwiseBackwardRef(g, x, k, dy);
      const dx = new Float32Array(x.length);
      const dk = new Float32Array(k.length);
      const db = new Float32Array(b.length);
      native.depthwiseConv2dBackwardInput(dy, k, dx, geometry);
      native.depthwiseConv2dBackwardFilter(x, dy, dk, db, geometry);
      expectClose(dx, back.dx, back.dxMag, `input gradient ${geometry}`);
      expectClose(dk, back.dk, back.dkMag, `kernel gradient ${geometry}`);
      expectClose(db, back.db, back.dbMag, `bias gradient ${geometry}`);
    }
  });

  it('the native backward passes check the activation whose gradient they fold in', () => {
    const geometry = [1, 5, 5, 2, 3, 3, 2, 3, 3, 1, 1, 1, 1, 0, 0];
    const f = (n: number) => new Float32Array(n);
    expect(() => native.depthwiseConv2dBackwardInput(f(36), f(36), f(50), geometry, f(36), UnaryOp.gelu, 0))
      .toThrow(/depthwiseConv2dBackwardInput: argument 6 \(activation\) must have a derivative that follows from its output/);
    expect(() => native.depthwiseConv2dBackwardFilter(f(50), f(36), f(36), null, geometry, f(35), UnaryOp.relu, 0))
      .toThrow("depthwiseConv2dBackwardFilter: y has 35 elements, expected 36 (n*oh*ow*oc)");
    expect(() => native.depthwiseConv2dForward(f(50), f(36), null, f(36), [1, 5, 5, 2, 3, 3, 0, 3, 3, 1, 1, 1, 1, 0, 0], UnaryOp.linear, 0))
      .toThrow('depthwiseConv2dForward: geometry.depthMultiplier must be positive');
  });
});
