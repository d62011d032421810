// Convolution and pooling kernels against float64 references written from the definitions, over many geometries,
// on both thread counts (this file runs once per ISA path); then against the golden values through the ops.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { internal, native, UnaryOp, type ConvAlgorithm } from '../../lib/native.js';
import { conv2dFused } from '../../lib/ops/conv.js';
import { conv2dBiasReluMaxPool } from '../../lib/ops/conv-pool.js';
import type { Padding } from '../../lib/ops/window.js';
import { Tensor } from '../../lib/tensor.js';
import {
  expectClose, geometryOf, randomArray, refBackwardFilter, refBackwardInput, refForward, tiedArray, type ConvCase, type Geometry,
} from '../helpers/conv-reference.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const threadCounts = [1, 2];
const defaultThreads = tn.backendInfo().threads;
afterAll(() => tn.setNumThreads(defaultThreads));

// ---------------------------------------------------------------------------------------------------------------
// Helpers

const erfApprox = (v: number): number => {
  // Abramowitz-Stegun 7.1.26 is too coarse; integrate the series instead (|v| is small in these tests).
  let sum = 0;
  let term = v;
  for (let k = 0; k < 60; k++) {
    sum += term / (2 * k + 1);
    term *= (-v * v) / (k + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
};

const activations: Record<number, { f: (v: number, alpha: number) => number; slope: number }> = {
  [UnaryOp.linear]: { f: (v) => v, slope: 1 },
  [UnaryOp.relu]: { f: (v) => (v > 0 ? v : 0), slope: 1 },
  [UnaryOp.relu6]: { f: (v) => Math.min(6, Math.max(0, v)), slope: 1 },
  [UnaryOp.leakyRelu]: { f: (v, a) => (v < 0 ? a * v : v), slope: 1 },
  [UnaryOp.elu]: { f: (v, a) => (v > 0 ? v : a * Math.expm1(v)), slope: 1 },
  [UnaryOp.selu]: { f: (v) => 1.0507009873554805 * (v > 0 ? v : 1.6732632423543772 * Math.expm1(v)), slope: 2 },
  [UnaryOp.sigmoid]: { f: (v) => 1 / (1 + Math.exp(-v)), slope: 1 },
  [UnaryOp.tanh]: { f: (v) => Math.tanh(v), slope: 1 },
  [UnaryOp.swish]: { f: (v) => v / (1 + Math.exp(-v)), slope: 2 },
  [UnaryOp.gelu]: { f: (v) => 0.5 * v * (1 + erfApprox(v / Math.SQRT2)), slope: 2 },
};

/** d act / d z as a function of the output y, for the activations whose backward passes fold it in. */
const derivativeFromOutput: Record<number, (y: number, alpha: number) => number> = {
  [UnaryOp.relu]: (y) => (y > 0 ? 1 : 0),
  [UnaryOp.relu6]: (y) => (y > 0 && y < 6 ? 1 : 0),
  [UnaryOp.leakyRelu]: (y, a) => (y < 0 ? a : 1),
  [UnaryOp.elu]: (y, a) => (y > 0 ? 1 : y + a),
  [UnaryOp.selu]: (y) => (y > 0 ? 1.0507009873554805 : y + 1.0507009873554805 * 1.6732632423543772),
  [UnaryOp.sigmoid]: (y) => y * (1 - y),
  [UnaryOp.tanh]: (y) => 1 - y * y,
};

function plan(g: Geometry) {
  return internal.conv2dPlan(g.native);
}

const seen: Record<'forward' | 'backwardInput' | 'backwardFilter', Set<ConvAlgorithm>> = {
  forward: new Set(), backwardInput: new Set(), backwardFilter: new Set(),
};

function runConvCase(c: ConvCase, seed: number): void {
  const g = geometryOf(c);
  const x = randomArray(g.n * g.h * g.w * g.c, seed);
  const w = randomArray(g.kh * g.kw * g.c * g.oc, seed + 1, 0.5);
  const bias = c.bias ? randomArray(g.oc, seed + 2) : null;
  const dy = randomArray(g.n * g.oh * g.ow * g.oc, seed + 3);
  const act = c.activation ?? UnaryOp.linear;
  const alpha = c.alpha ?? (act === UnaryOp.leakyRelu ? 0.2 : act === UnaryOp.elu ? 1 : 0);
  const p = plan(g);
  seen.forward.add(p.forward);
  seen.backwardInput.add(p.backwardInput);
  seen.backwardFilter.add(p.backwardFilter);

  const f = refForward(g, x, w, bias);
  const { f: actF, slope } = activations[act];
  const yRef = f.y.map((v) => actF(v, alpha));
  const bi = refBackwardInput(g, dy, w);
  const bf = refBackwardFilter(g, x, dy);

  for (const threads of threadCounts) {
    tn.setNumThreads(threads);
    const tag = `${c.name} (${threads} thread${threads > 1 ? 's' : ''}, ${p.forward}/${p.backwardInput}/${p.backwardFilter})`;
    const y = new Float32Array(yRef.length).fill(Number.NaN);
    native.conv2dForward(x, w, bias, y, g.native, act, alpha);
    expectClose(y, yRef, f.mag, `${tag} forward`, slope);

    const dx = new Float32Array(bi.dx.length).fill(Number.NaN);
    native.conv2dBackwardInput(dy, w, dx, g.native);
    expectClose(dx, bi.dx, bi.mag, `${tag} backward input`);

    const dw = new Float32Array(bf.dw.length).fill(Number.NaN);
    const db = new Float32Array(g.oc).fill(Number.NaN);
    native.conv2dBackwardFilter(x, dy, dw, db, g.native);
    expectClose(dw, bf.dw, bf.mag, `${tag} backward filter`);
    expectClose(db, bf.db, bf.dbMag, `${tag} bias gradient`);
    const dwOnly = new Float32Array(bf.dw.length).fill(Number.NaN);
    native.conv2dBackwardFilter(x, dy, dwOnly, null, g.native);
    expectClose(dwOnly, bf.dw, bf.mag, `${tag} backward filter without bias`);

    // The same passes with the activation's gradient folded in: dy is then d/dy, and dz = dy * act'(from y).
    const deriv = derivativeFromOutput[act];
    if (deriv) {
      const dz = dy.map((v, i) => v * deriv(y[i], alpha));
      const biz = refBackwardInput(g, dz, w);
      const bfz = refBackwardFilter(g, x, dz);
      native.conv2dBackwardInput(dy, w, dx.fill(Number.NaN), g.native, y, act, alpha);
      expectClose(dx, biz.dx, biz.mag, `${tag} backward input through ${UnaryOp[act]}`);
      native.conv2dBackwardFilter(x, dy, dw.fill(Number.NaN), db.fill(Number.NaN), g.native, y, act, alpha);
      expectClose(dw, bfz.dw, bfz.mag, `${tag} backward filter through ${UnaryOp[act]}`);
      expectClose(db, bfz.db, bfz.dbMag, `${tag} bias gradient through ${UnaryOp[act]}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Convolution kernels

const cases: ConvCase[] = [
  // The reference CNN's layers, small batch.
  { name: 'first layer 28x28x1 -> 32 3x3 valid relu', x: [2, 28, 28, 1], k: [3, 3, 1, 32], bias: true, activation: UnaryOp.relu },
  { name: 'second layer 28x28x32 -> 64 3x3 same', x: [1, 14, 14, 32], k: [3, 3, 32, 64], padding: 'same', bias: true, activation: UnaryOp.relu },
  // Strides, padding (odd and even totals), dilation.
  { name: 'stride 2 valid', x: [2, 9, 11, 3], k: [3, 3, 3, 5], strides: [2, 2] },
  { name: 'stride 2 same, odd pad at the end', x: [2, 8, 9, 2], k: [3, 3, 2, 5], strides: [2, 2], padding: 'same', bias: true },
  { name: 'stride 2x1 same', x: [1, 7, 6, 4], k: [2, 3, 4, 6], strides: [2, 1], padding: 'same' },
  { name: 'even kernel same (pad 0 top, 1 bottom)', x: [2, 6, 7, 3], k: [2, 2, 3, 4], padding: 'same', bias: true },
  { name: '4x4 kernel same (pads 1 and 2)', x: [1, 9, 8, 5], k: [4, 4, 5, 7], padding: 'same' },
  { name: '5x3 kernel same', x: [1, 7, 9, 3], k: [5, 3, 3, 9], padding: 'same', bias: true },
  { name: 'dilation 2 same', x: [2, 9, 9, 2], k: [3, 3, 2, 3], padding: 'same', dilations: [2, 2], bias: true },
  { name: 'dilation 2x1 valid', x: [1, 10, 8, 5], k: [3, 2, 5, 17], dilations: [2, 1] },
  { name: 'dilation 1x3 same, c=17', x: [1, 6, 11, 17], k: [2, 3, 17, 8], padding: 'same', dilations: [1, 3] },
  // 1x1 kernels (a GEMM as they stand with stride 1, strided otherwise).
  { name: '1x1', x: [3, 6, 6, 1], k: [1, 1, 1, 6], bias: true },
  { name: '1x1 c=20', x: [2, 5, 7, 20], k: [1, 1, 20, 33], bias: true, activation: UnaryOp.relu },
  { name: '1x1 stride 2', x: [2, 7, 7, 6], k: [1, 1, 6, 10], strides: [2, 2] },
  // Channel counts that are not multiples of the vector width, and more output channels than one register tile.
  { name: 'c=5 oc=7', x: [1, 7, 5, 5], k: [3, 3, 5, 7], bias: true },
  { name: 'c=17 oc=20 same', x: [2, 5, 6, 17], k: [3, 3, 17, 20], padding: 'same', bias: true },
  { name: 'oc=80 (two balanced blocks)', x: [1, 6, 6, 3], k: [3, 3, 3, 80], padding: 'same', bias: true },
  { name: 'oc=130', x: [1, 5, 5, 9], k: [3, 3, 9, 130], bias: true },
  { name: 'c=1 oc=1', x: [2, 5, 5, 1], k: [3, 3, 1, 1], padding: 'same', bias: true },
  { name: 'c=1 same', x: [1, 11, 13, 1], k: [3, 3, 1, 32], padding: 'same', bias: true, activation: UnaryOp.relu },
  // Odd sizes: one output row or column, kernel as large as the image, wide rows (several tiles per row).
  { name: 'kernel covers the image', x: [2, 3, 3, 4], k: [3, 3, 4, 5], bias: true },
  { name: 'single row', x: [1, 1, 9, 3], k: [1, 3, 3, 4], padding: 'same' },
  { name: 'wide row', x: [1, 3, 61, 6], k: [3, 3, 6, 24], padding: 'same', bias: true },
  { name: 'tall column', x: [1, 40, 1, 2], k: [5, 1, 2, 3], strides: [3, 1] },
  // Padding wider than a column on both sides of narrow rows (tiles skip the products with it).
  { name: '5x5 same on a 2-wide image', x: [1, 3, 2, 4], k: [5, 5, 4, 6], padding: 'same', bias: true },
  { name: '7x7 same stride 2', x: [2, 6, 9, 3], k: [7, 7, 3, 5], strides: [2, 2], padding: 'same' },
  { name: '3x3 same on a 1-wide image', x: [2, 5, 1, 7], k: [3, 3, 7, 9], padding: 'same', bias: true },
  // Few output channels (dot-product tiles along the kernel window, with masked tails), and few input channels
  // (whose input gradient has few channels).
  ...([1, 2, 3, 4] as const).map((oc): ConvCase => ({ name: `oc=${oc} c=5 same relu`, x: [2, 7, 9, 5], k: [3, 3, 5, oc], padding: 'same', bias: true, activation: UnaryOp.relu })),
  { name: 'oc=2 dilated, c=20', x: [1, 9, 10, 20], k: [3, 3, 20, 2], dilations: [2, 2], padding: 'same', bias: true },
  { name: 'oc=1 c=100 (kernel rows longer than one tile)', x: [1, 5, 6, 100], k: [3, 3, 100, 1], padding: 'same', bias: true },
  { name: 'oc=1 sigmoid (an autoencoder output layer)', x: [2, 8, 8, 16], k: [3, 3, 16, 1], padding: 'same', bias: true, activation: UnaryOp.sigmoid },
  { name: 'c=3 (RGB input) same', x: [2, 9, 8, 3], k: [3, 3, 3, 16], padding: 'same', bias: true },
  { name: 'parallel: oc=1 and c=1', x: [16, 32, 32, 16], k: [3, 3, 16, 1], padding: 'same', bias: true },
  // Each fused activation (and some that run after the epilogue).
  ...([UnaryOp.relu, UnaryOp.relu6, UnaryOp.leakyRelu, UnaryOp.elu, UnaryOp.selu, UnaryOp.sigmoid, UnaryOp.tanh, UnaryOp.swish, UnaryOp.gelu] as const).map(
    (a): ConvCase => ({ name: `activation ${UnaryOp[a]}`, x: [2, 6, 7, 3], k: [3, 3, 3, 19], padding: 'same', bias: true, activation: a }),
  ),
  { name: 'relu6 clips', x: [1, 5, 5, 8], k: [3, 3, 8, 16], bias: true, activation: UnaryOp.relu6 },
  // Big enough for two threads to share the work.
  { name: 'parallel: first layer batch 8', x: [8, 28, 28, 1], k: [3, 3, 1, 32], bias: true, activation: UnaryOp.relu },
  { name: 'parallel: 12x12x16 -> 32 same', x: [4, 12, 12, 16], k: [3, 3, 16, 32], padding: 'same', bias: true },
  { name: 'parallel: stride 2 same', x: [4, 17, 15, 12], k: [3, 3, 12, 40], strides: [2, 2], padding: 'same', bias: true },
  // Enough output tiles (512) that the forward pass takes Winograd on two threads too (fewer: the direct kernels).
  { name: 'parallel: 32x32x24 -> 24 same, batch 8 (Winograd forward)', x: [8, 32, 32, 24], k: [3, 3, 24, 24], padding: 'same', bias: true },
  // 128 output tiles of 24 channels: the filter gradient takes Winograd (the forward pass, with fewer than 256, does not).
  { name: 'parallel: 16x16x24 -> 24 same, batch 8 (Winograd filter gradient)', x: [8, 16, 16, 24], k: [3, 3, 24, 24], padding: 'same', bias: true, activation: UnaryOp.relu },
  // Weights too large for the direct kernels: im2col + GEMM.
  { name: 'wide layer (im2col)', x: [1, 4, 5, 256], k: [3, 3, 256, 64], padding: 'same', bias: true, activation: UnaryOp.relu },
];

describe('conv2d kernels against a float64 reference', () => {
  cases.forEach((c, index) => {
    it(c.name, () => runConvCase(c, 1000 + 17 * index));
  });

  it('covers every algorithm of every pass', () => {
    for (const pass of ['forward', 'backwardInput', 'backwardFilter'] as const) {
      expect([...seen[pass]].sort(), pass).toEqual(['direct', 'gemm', 'im2col', 'winograd']);
    }
  });

  it('propagates NaN from the input to the outputs that read it', () => {
    const g = geometryOf({ name: 'nan', x: [1, 6, 6, 3], k: [3, 3, 3, 4], padding: 'same' });
    const x = randomArray(6 * 6 * 3, 5);
    x[(2 * 6 + 3) * 3 + 1] = Number.NaN;
    const w = randomArray(3 * 3 * 3 * 4, 6);
    const y = new Float32Array(6 * 6 * 4);
    native.conv2dForward(x, w, null, y, g.native, UnaryOp.relu, 0);
    expectClose(y, refForward(g, x, w, null).y.map((v) => (Number.isNaN(v) ? v : Math.max(0, v))), null, 'nan forward');
    let nans = 0;
    for (const v of y) if (Number.isNaN(v)) nans++;
    expect(nans).toBe(9 * 4);
  });

  it('folds only activations whose derivative follows from their output', () => {
    const g = geometryOf({ name: 'act', x: [1, 4, 4, 2], k: [3, 3, 2, 3] });
    const dy = new Float32Array(2 * 2 * 3);
    const args = [dy, new Float32Array(54), new Float32Array(32), g.native] as const;
    expect(() => native.conv2dBackwardInput(...args, dy.slice(), UnaryOp.gelu, 0)).toThrow(
      /conv2dBackwardInput: argument 6 \(activation\) must have a derivative that follows from its output/,
    );
    expect(() => native.conv2dBackwardInput(...args, dy.slice(), UnaryOp.leakyRelu, -0.5)).toThrow(/follows from its output/);
    expect(() => native.conv2dBackwardInput(...args, new Float32Array(5), UnaryOp.relu, 0)).toThrow(
      /y has 5 elements, expected 12 \(n\*oh\*ow\*oc\)/,
    );
    expect(() => native.conv2dBackwardInput(...args, dy.slice())).toThrow(/expected 7 arguments, received 5/);
    expect(() => native.conv2dBackwardFilter(new Float32Array(32), dy, new Float32Array(54), null, g.native, dy.slice(), UnaryOp.swish, 0)).toThrow(
      /conv2dBackwardFilter: argument 7 \(activation\) must have a derivative/,
    );
    expect(() => native.conv2dBackwardInput(dy, new Float32Array(54), new Float32Array(32), g.native, null, UnaryOp.gelu, 0)).not.toThrow();
  });

  it('an empty batch writes a zero filter gradient', () => {
    const g = geometryOf({ name: 'empty', x: [0, 5, 5, 2], k: [3, 3, 2, 4] });
    native.conv2dForward(new Float32Array(0), new Float32Array(72), null, new Float32Array(0), g.native, UnaryOp.relu, 0);
    const dw = new Float32Array(72).fill(Number.NaN);
    const db = new Float32Array(4).fill(Number.NaN);
    native.conv2dBackwardFilter(new Float32Array(0), new Float32Array(0), dw, db, g.native);
    expect([...dw].every((v) => v === 0)).toBe(true);
    expect([...db].every((v) => v === 0)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The fused inference kernel

interface FusedCase extends ConvCase {
  pool: [number, number];
}

const fusedCases: FusedCase[] = [
  { name: 'first layer, 2x2 pool', x: [3, 28, 28, 1], k: [3, 3, 1, 32], bias: true, pool: [2, 2] },
  { name: 'odd conv output (trailing row and column dropped)', x: [2, 9, 8, 3], k: [3, 3, 3, 7], bias: true, pool: [2, 2] },
  { name: 'same padding, c=17 oc=20', x: [2, 7, 9, 17], k: [3, 3, 17, 20], padding: 'same', bias: true, pool: [2, 2] },
  { name: 'no bias, 3x2 pool, stride 2 conv', x: [1, 13, 11, 4], k: [3, 3, 4, 16], strides: [2, 2], padding: 'same', pool: [3, 2] },
  { name: 'dilation 2, pool 1x1', x: [1, 9, 9, 2], k: [3, 3, 2, 5], dilations: [2, 2], bias: true, pool: [1, 1] },
  { name: '1x1 kernel', x: [2, 6, 6, 5], k: [1, 1, 5, 9], bias: true, pool: [2, 2] },
  { name: 'two output channels', x: [2, 8, 10, 6], k: [3, 3, 6, 2], padding: 'same', bias: true, pool: [2, 2] },
  { name: 'parallel: second layer', x: [4, 14, 14, 32], k: [3, 3, 32, 64], padding: 'same', bias: true, pool: [2, 2] },
];

describe('conv2dBiasReluMaxPool', () => {
  fusedCases.forEach((c, index) => {
    it(c.name, () => {
      const g = geometryOf(c);
      const x = randomArray(g.n * g.h * g.w * g.c, 7000 + index);
      const w = randomArray(g.kh * g.kw * g.c * g.oc, 7100 + index, 0.5);
      const bias = c.bias ? randomArray(g.oc, 7200 + index) : null;
      const [ph, pw] = c.pool;
      const poh = Math.floor(g.oh / ph);
      const pow = Math.floor(g.ow / pw);
      const f = refForward(g, x, w, bias);
      const ref = new Float64Array(g.n * poh * pow * g.oc);
      const mag = new Float64Array(ref.length);
      for (let n = 0; n < g.n; n++)
        for (let p = 0; p < poh; p++)
          for (let q = 0; q < pow; q++)
            for (let oc = 0; oc < g.oc; oc++) {
              let best = -Infinity;
              let m = 0;
              for (let a = 0; a < ph; a++)
                for (let b = 0; b < pw; b++) {
                  const i = ((n * g.oh + p * ph + a) * g.ow + q * pw + b) * g.oc + oc;
                  if (Math.max(0, f.y[i]) > best) best = Math.max(0, f.y[i]);
                  m = Math.max(m, f.mag[i]);
                }
              const o = ((n * poh + p) * pow + q) * g.oc + oc;
              ref[o] = best;
              mag[o] = m;
            }
      const xt = tn.tensor(x, c.x);
      const kt = tn.tensor(w, c.k);
      const bt = bias ? tn.tensor(bias, [g.oc]) : null;
      for (const threads of threadCounts) {
        tn.setNumThreads(threads);
        const y = conv2dBiasReluMaxPool(xt, kt, bt, c.strides ?? [1, 1], c.padding ?? 'valid', c.dilations ?? [1, 1], c.pool);
        expect(y.shape).toEqual([g.n, poh, pow, g.oc]);
        expectClose(y.data(), ref, mag, `${c.name} (${threads} threads) against the reference`);
        const unfused = tn.maxPool2d(
          conv2dFused(xt, kt, bt, c.strides ?? [1, 1], c.padding ?? 'valid', c.dilations ?? [1, 1], UnaryOp.relu),
          c.pool,
        );
        expectClose(y.data(), unfused.data(), mag, `${c.name} (${threads} threads) against conv2dFused + maxPool2d`);
      }
    });
  });

  it('keeps NaN (relu and the max both propagate it)', () => {
    const x = randomArray(1 * 6 * 6 * 2, 9);
    x[(1 * 6 + 1) * 2] = Number.NaN;
    const y = conv2dBiasReluMaxPool(tn.tensor(x, [1, 6, 6, 2]), tn.tensor(randomArray(18 * 3, 10), [3, 3, 2, 3]), null,
      [1, 1], 'same', [1, 1], [2, 2]);
    const v = y.data();
    expect(Number.isNaN(v[0])).toBe(true);
    expect(Number.isNaN(v[(2 * 3 + 2) * 3])).toBe(false);
  });

  it('rejects bad arguments with messages that name them', () => {
    const x = tn.tensor(new Float32Array(2 * 5 * 5 * 3), [2, 5, 5, 3]);
    const k = tn.tensor(new Float32Array(3 * 3 * 3 * 4), [3, 3, 3, 4]);
    expect(() => conv2dBiasReluMaxPool(x, k, tn.tensor([1, 2, 3]), [1, 1], 'valid', [1, 1], [2, 2])).toThrow(
      /bias must have shape \[4\].*received shape \[3\]/,
    );
    expect(() => conv2dBiasReluMaxPool(x, k, null, [1, 1], 'valid', [1, 1], [4, 4])).toThrow(/pool window 4x4 does not fit in the 3x3/);
    expect(() => conv2dBiasReluMaxPool(x, k, null, [1, 1], 'valid', [1, 1], [0, 2])).toThrow(/poolSize must be a positive integer/);
    const g = geometryOf({ name: 'bad', x: [2, 5, 5, 3], k: [3, 3, 3, 4] });
    const xs = new Float32Array(150);
    const ws = new Float32Array(108);
    expect(() => native.conv2dReluMaxPool(xs, ws, null, new Float32Array(7), g.native, 2, 2)).toThrow(
      /conv2dReluMaxPool: y has 7 elements, expected 8/,
    );
    expect(() => native.conv2dReluMaxPool(xs, ws, null, new Float32Array(8), g.native, 0, 2)).toThrow(
      /argument 6 \(poolH\) must be in \[1, /,
    );
    expect(() => native.conv2dReluMaxPool(xs, ws, new Float32Array(3), new Float32Array(8), g.native, 2, 2)).toThrow(
      /bias has 3 elements, expected 4/,
    );
    expect(() => native.conv2dReluMaxPool(xs, ws, null, xs, g.native, 1, 1)).toThrow(/y has 150 elements|must not share/);
    const shared = new Float32Array(158);
    expect(() => native.conv2dReluMaxPool(shared.subarray(0, 150), ws, null, shared.subarray(150), g.native, 2, 2)).not.toThrow();
    expect(() => native.conv2dReluMaxPool(shared.subarray(0, 150), ws, null, shared.subarray(142, 150), g.native, 2, 2)).toThrow(
      /y must not share memory with x/,
    );
    expect(() => internal.conv2dPlan([1, 2, 3])).toThrow(/conv2dPlan: argument 1 \(geometry\) must have 15 to 15 entries, received 3/);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Pooling

interface PoolCase {
  name: string;
  x: [number, number, number, number];
  pool: [number, number];
  strides?: [number, number];
  padding?: Padding;
  ties?: boolean;
}

function poolGeometry(c: PoolCase) {
  const [n, h, w, ch] = c.x;
  const [ph, pw] = c.pool;
  const [sh, sw] = c.strides ?? c.pool;
  const axis = (size: number, win: number, stride: number): [number, number] => {
    if ((c.padding ?? 'valid') === 'valid') return [Math.floor((size - win) / stride) + 1, 0];
    const out = Math.ceil(size / stride);
    return [out, Math.floor(Math.max((out - 1) * stride + win - size, 0) / 2)];
  };
  const [oh, pt] = axis(h, ph, sh);
  const [ow, pl] = axis(w, pw, sw);
  return { n, h, w, c: ch, ph, pw, oh, ow, sh, sw, pt, pl, native: [n, h, w, ch, ph, pw, oh, ow, sh, sw, pt, pl] };
}

function refPool(c: PoolCase, x: Float32Array, dy: Float32Array) {
  const g = poolGeometry(c);
  const maxY = new Float64Array(g.n * g.oh * g.ow * g.c);
  const avgY = new Float64Array(maxY.length);
  const maxDx = new Float64Array(x.length);
  const avgDx = new Float64Array(x.length);
  for (let n = 0; n < g.n; n++)
    for (let oh = 0; oh < g.oh; oh++)
      for (let ow = 0; ow < g.ow; ow++)
        for (let ch = 0; ch < g.c; ch++) {
          const o = ((n * g.oh + oh) * g.ow + ow) * g.c + ch;
          let best = -Infinity;
          let at = -1;
          let sum = 0;
          let count = 0;
          const cells: number[] = [];
          for (let h = oh * g.sh - g.pt; h < oh * g.sh - g.pt + g.ph; h++)
            for (let w = ow * g.sw - g.pl; w < ow * g.sw - g.pl + g.pw; w++) {
              if (h < 0 || h >= g.h || w < 0 || w >= g.w) continue;
              const i = ((n * g.h + h) * g.w + w) * g.c + ch;
              cells.push(i);
              sum += x[i];
              count++;
              // The first maximum, or the first NaN, wins.
              if (at < 0 || (!Number.isNaN(best) && (x[i] > best || Number.isNaN(x[i])))) {
                best = x[i];
                at = i;
              }
            }
          maxY[o] = best;
          avgY[o] = sum / count;
          maxDx[at] += dy[o];
          for (const i of cells) avgDx[i] += dy[o] / count;
        }
  return { maxY, avgY, maxDx, avgDx, g };
}

const poolCases: PoolCase[] = [
  { name: '2x2 stride 2 valid', x: [2, 6, 6, 3], pool: [2, 2] },
  { name: '2x2 stride 2 valid, odd size (last row and column unused)', x: [2, 7, 9, 5], pool: [2, 2], ties: true },
  { name: '3x3 stride 2 same (odd pads)', x: [1, 7, 5, 2], pool: [3, 3], strides: [2, 2], padding: 'same' },
  { name: '2x2 stride 2 same, odd size', x: [2, 5, 7, 17], pool: [2, 2], padding: 'same', ties: true },
  { name: '3x3 stride 1 valid (overlapping windows)', x: [2, 5, 5, 1], pool: [3, 3], strides: [1, 1], ties: true },
  { name: '3x3 stride 1 same (overlap and borders)', x: [1, 6, 7, 20], pool: [3, 3], strides: [1, 1], padding: 'same', ties: true },
  { name: '2x3 stride 3x1 same', x: [1, 8, 6, 4], pool: [2, 3], strides: [3, 1], padding: 'same' },
  { name: '1x1 stride 2 (gaps between windows)', x: [1, 5, 6, 3], pool: [1, 1], strides: [2, 2] },
  { name: 'window as large as the image', x: [2, 4, 3, 9], pool: [4, 3] },
  { name: 'channels beyond one argmax chunk', x: [1, 4, 4, 300], pool: [2, 2], ties: true },
  { name: 'parallel: the first layer, ties', x: [16, 26, 26, 32], pool: [2, 2], ties: true },
  { name: 'parallel: overlapping windows', x: [8, 16, 16, 32], pool: [3, 3], strides: [2, 2], padding: 'same' },
];

describe('pooling kernels against a float64 reference', () => {
  poolCases.forEach((c, index) => {
    it(c.name, () => {
      const size = c.x.reduce((a, b) => a * b, 1);
      const x = c.ties ? tiedArray(size, 300 + index) : randomArray(size, 300 + index);
      const ref0 = refPool(c, x, new Float32Array(0));
      const dy = randomArray(ref0.maxY.length, 400 + index);
      const ref = refPool(c, x, dy);
      const geometry = ref.g.native;
      for (const threads of threadCounts) {
        tn.setNumThreads(threads);
        const tag = `${c.name} (${threads} threads)`;
        const y = new Float32Array(ref.maxY.length).fill(Number.NaN);
        native.maxPool2dForward(x, y, geometry);
        expectClose(y, ref.maxY, null, `${tag} max forward`);
        native.avgPool2dForward(x, y.fill(Number.NaN), geometry);
        expectClose(y, ref.avgY, null, `${tag} average forward`);
        const dx = new Float32Array(size).fill(Number.NaN);
        native.maxPool2dBackward(x, dy, dx, geometry);
        expectClose(dx, ref.maxDx, null, `${tag} max backward`);
        native.avgPool2dBackward(dy, dx.fill(Number.NaN), geometry);
        expectClose(dx, ref.avgDx, null, `${tag} average backward`);
      }
    });
  });

  it('max pooling propagates NaN forward and routes its gradient to the first NaN', () => {
    const c: PoolCase = { name: 'nan', x: [1, 4, 4, 2], pool: [2, 2] };
    const x = randomArray(32, 77);
    x[(0 * 4 + 1) * 2 + 1] = Number.NaN;
    x[(1 * 4 + 0) * 2 + 1] = Number.NaN;
    const dy = randomArray(8, 78);
    const ref = refPool(c, x, dy);
    const y = new Float32Array(8);
    native.maxPool2dForward(x, y, ref.g.native);
    expect(Number.isNaN(y[1])).toBe(true);
    expect(Number.isNaN(y[0])).toBe(false);
    const dx = new Float32Array(32);
    native.maxPool2dBackward(x, dy, dx, ref.g.native);
    expectClose(dx, ref.maxDx, null, 'nan backward');
    expect(dx[(0 * 4 + 1) * 2 + 1]).toBe(dy[1]);
    expect(dx[(1 * 4 + 0) * 2 + 1]).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Golden values through the ops (outputs and the gradients of sum(output * upstream))

interface GoldenTensor {
  shape: number[];
  data: number[];
}
interface GoldenCase {
  name: string;
  op: string;
  attrs: { strides: [number, number]; padding: Padding; dilationRate?: [number, number]; poolSize?: [number, number] };
  inputs: Record<string, GoldenTensor>;
  upstream: GoldenTensor;
  outputs: Record<string, GoldenTensor>;
  grads: Record<string, GoldenTensor>;
}

function golden(file: string): GoldenCase[] {
  return (JSON.parse(readFileSync(join(fixtures, file), 'utf8')) as { cases: GoldenCase[] }).cases;
}

const t = (g: GoldenTensor): Tensor => tn.tensor(Float32Array.from(g.data), g.shape);

describe('conv2dFused through the tape', () => {
  for (const act of [UnaryOp.relu, UnaryOp.sigmoid, UnaryOp.elu]) {
    it(`folds the ${UnaryOp[act]} gradient into the backward passes`, () => {
      const c: ConvCase = { name: 'op', x: [2, 7, 6, 3], k: [3, 3, 3, 5], padding: 'same' };
      const g = geometryOf(c);
      const x = randomArray(2 * 7 * 6 * 3, 51);
      const w = randomArray(135, 52);
      const b = randomArray(5, 53);
      const up = randomArray(2 * 7 * 6 * 5, 54);
      const alpha = act === UnaryOp.elu ? 1 : 0;
      const f = (xt: Tensor, kt: Tensor, bt: Tensor) => conv2dFused(xt, kt, bt, [1, 1], 'same', [1, 1], act, alpha);
      const [dx, dk, db] = tn.grads(f as (...a: Tensor[]) => Tensor)([tn.tensor(x, c.x), tn.tensor(w, c.k), tn.tensor(b, [5])], tn.tensor(up, [2, 7, 6, 5]));
      const y = f(tn.tensor(x, c.x), tn.tensor(w, c.k), tn.tensor(b, [5])).data();
      const dz = up.map((v, i) => v * derivativeFromOutput[act](y[i], alpha));
      const bi = refBackwardInput(g, dz, w);
      const bf = refBackwardFilter(g, x, dz);
      expectClose(dx.data(), bi.dx, bi.mag, 'dx');
      expectClose(dk.data(), bf.dw, bf.mag, 'dkernel');
      expectClose(db.data(), bf.db, bf.dbMag, 'dbias');
    });
  }
});

describe('golden values', () => {
  for (const c of golden('conv2d.json')) {
    it(`conv2d ${c.name}`, () => {
      for (const threads of threadCounts) {
        tn.setNumThreads(threads);
        const f = (x: Tensor, k: Tensor, b: Tensor) =>
          conv2dFused(x, k, b, c.attrs.strides, c.attrs.padding, c.attrs.dilationRate ?? [1, 1]);
        const [x, k, b] = [t(c.inputs.x), t(c.inputs.kernel), t(c.inputs.bias)];
        expectClose(f(x, k, b).data(), c.outputs.y.data, null, `${c.name} y`);
        const [dx, dk, db] = tn.grads(f as (...a: Tensor[]) => Tensor)([x, k, b], t(c.upstream));
        expectClose(dx.data(), c.grads.x.data, null, `${c.name} dx`);
        expectClose(dk.data(), c.grads.kernel.data, null, `${c.name} dkernel`);
        expectClose(db.data(), c.grads.bias.data, null, `${c.name} dbias`);
      }
    });
  }

  for (const c of golden('pool2d.json')) {
    it(`${c.op} ${c.name}`, () => {
      for (const threads of threadCounts) {
        tn.setNumThreads(threads);
        const pool = c.op === 'maxPool2d' ? tn.maxPool2d : tn.avgPool2d;
        const f = (x: Tensor) => pool(x, c.attrs.poolSize, c.attrs.strides, c.attrs.padding);
        const x = t(c.inputs.x);
        expectClose(f(x).data(), c.outputs.y.data, null, `${c.name} y`);
        expectClose(tn.grad(f)(x, t(c.upstream)).data(), c.grads.x.data, null, `${c.name} dx`);
      }
    });
  }
});
