// The fused conv + bias + relu + max-pool kernels for training (conv2dReluMaxPoolTrain, conv2dReluMaxPoolBackward) and
// the op that records them, against the unfused path (conv2dForward, max pooling, and their backward passes) and a
// float64 reference, over many geometries, on both thread counts (this file runs once per ISA path).
import { afterAll, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { internal, native, UnaryOp } from '../../lib/native.js';
import { conv2dFused } from '../../lib/ops/conv.js';
import { conv2dBiasReluMaxPool } from '../../lib/ops/conv-pool.js';
import type { Tensor } from '../../lib/tensor.js';
import {
  expectClose, geometryOf, randomArray, refBackwardFilter, refBackwardInput, refForward, rng, winogradTileMag, type ConvCase, type Geometry,
} from '../helpers/conv-reference.js';
import { gradCheck } from '../helpers/gradcheck.js';

const threadCounts = [1, 2];
const defaultThreads = tn.backendInfo().threads;
afterAll(() => tn.setNumThreads(defaultThreads));

interface FusedCase extends ConvCase {
  pool: [number, number];
  /** 'random': uniform values; 'ties': small integers, so that windows hold exact ties (and all-zero relu windows). */
  data?: 'random' | 'ties';
  /** Shifts the bias of every other output channel down so far that all of its windows are negative. */
  negativeChannels?: boolean;
  /** Every pass forced onto Winograd where its geometry allows (the rule picks it only for bigger calls). */
  winograd?: boolean;
}

interface Pooled {
  poh: number;
  pow: number;
  size: number;
  /** [n, poh, pow, poolH, poolW, 0, 0, strideH = poolH, strideW = poolW, 0, 0] for the native max-pool bindings. */
  geometry: number[];
}

function pooledOf(g: Geometry, [ph, pw]: [number, number]): Pooled {
  const poh = Math.floor(g.oh / ph);
  const pow = Math.floor(g.ow / pw);
  return { poh, pow, size: g.n * poh * pow * g.oc, geometry: [g.n, g.oh, g.ow, g.oc, ph, pw, poh, pow, ph, pw, 0, 0] };
}

/** Small integers: products and sums of a few dozen of them are exact in float32, so ties are exact too. */
function integers(n: number, seed: number, lo: number, hi: number): Float32Array {
  const r = rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + Math.floor(r() * (hi - lo + 1));
  return a;
}

function caseData(c: FusedCase, g: Geometry, seed: number) {
  const ties = c.data === 'ties';
  const x = ties ? integers(g.n * g.h * g.w * g.c, seed, -2, 2) : randomArray(g.n * g.h * g.w * g.c, seed);
  const w = ties ? integers(g.kh * g.kw * g.c * g.oc, seed + 1, -1, 1) : randomArray(g.kh * g.kw * g.c * g.oc, seed + 1, 0.5);
  let bias: Float32Array | null = null;
  if (c.bias) {
    bias = ties ? integers(g.oc, seed + 2, -1, 1) : randomArray(g.oc, seed + 2);
    if (c.negativeChannels) for (let o = 0; o < g.oc; o += 2) bias[o] -= 1000;
  }
  return { x, w, bias };
}

/**
 * The first position of each window's maximum in the float32 relu(conv) output (the first NaN if any), as
 * max_pool2d_backward routes it: the routing any implementation of the unfused path gives.
 */
function windowArgmax(g: Geometry, p: Pooled, [ph, pw]: [number, number], z: Float32Array): Uint8Array {
  const at = new Uint8Array(p.size);
  for (let n = 0; n < g.n; n++)
    for (let i = 0; i < p.poh; i++)
      for (let j = 0; j < p.pow; j++)
        for (let o = 0; o < g.oc; o++) {
          let best = Number.NaN;
          let k = -1;
          for (let a = 0; a < ph; a++)
            for (let b = 0; b < pw; b++) {
              const v = z[((n * g.oh + i * ph + a) * g.ow + j * pw + b) * g.oc + o];
              if (k < 0 || (!Number.isNaN(best) && (v > best || Number.isNaN(v)))) {
                best = v;
                k = a * pw + b;
              }
            }
          at[((n * p.poh + i) * p.pow + j) * g.oc + o] = k;
        }
  return at;
}

/** dz of the full convolution output: dy * (y > 0) at the routed position of each window, 0 elsewhere. */
function routedGradient(g: Geometry, p: Pooled, [ph, pw]: [number, number], at: Uint8Array, y: ArrayLike<number>, dy: ArrayLike<number>) {
  const dz = new Float64Array(g.n * g.oh * g.ow * g.oc);
  for (let n = 0; n < g.n; n++)
    for (let i = 0; i < p.poh; i++)
      for (let j = 0; j < p.pow; j++)
        for (let o = 0; o < g.oc; o++) {
          const q = ((n * p.poh + i) * p.pow + j) * g.oc + o;
          const a = Math.floor(at[q] / pw);
          const b = at[q] % pw;
          dz[((n * g.oh + i * ph + a) * g.ow + j * pw + b) * g.oc + o] = y[q] > 0 ? dy[q] : 0;
        }
  return dz;
}

const cases: FusedCase[] = [
  { name: 'first layer 28x28x1 -> 32, 2x2 pool', x: [3, 28, 28, 1], k: [3, 3, 1, 32], bias: true, pool: [2, 2] },
  { name: 'c=1 oc=1', x: [2, 9, 8, 1], k: [3, 3, 1, 1], bias: true, pool: [2, 2] },
  { name: 'c=5 oc=7, no bias', x: [2, 10, 9, 5], k: [3, 3, 5, 7], pool: [2, 2] },
  { name: 'c=17 oc=20 same', x: [2, 7, 9, 17], k: [3, 3, 17, 20], padding: 'same', bias: true, pool: [2, 2] },
  { name: 'odd conv output 27x27 -> 13x13 (last row and column get no gradient)', x: [2, 29, 29, 3], k: [3, 3, 3, 24], bias: true, pool: [2, 2] },
  { name: 'stride 2 same, 3x2 pool', x: [2, 13, 11, 4], k: [3, 3, 4, 16], strides: [2, 2], padding: 'same', pool: [3, 2] },
  { name: 'stride 2x1 valid, c=3 oc=9', x: [1, 12, 9, 3], k: [2, 3, 3, 9], strides: [2, 1], bias: true, pool: [2, 2] },
  { name: 'dilation 2 same', x: [2, 9, 10, 2], k: [3, 3, 2, 5], dilations: [2, 2], padding: 'same', bias: true, pool: [2, 2] },
  { name: 'dilation 1x2 valid, 1x3 pool', x: [1, 8, 14, 6], k: [3, 2, 6, 18], dilations: [1, 2], bias: true, pool: [1, 3] },
  { name: 'two output channels (window tiles)', x: [2, 8, 10, 6], k: [3, 3, 6, 2], padding: 'same', bias: true, pool: [2, 2] },
  { name: '1x1 kernel (GEMM forward)', x: [2, 6, 7, 5], k: [1, 1, 5, 9], bias: true, pool: [2, 2] },
  { name: 'wide layer (im2col forward and filter gradient)', x: [1, 6, 6, 256], k: [3, 3, 256, 64], padding: 'same', bias: true, pool: [2, 2] },
  { name: '3x3 pool on a 7x7 output', x: [2, 9, 9, 3], k: [3, 3, 3, 8], bias: true, pool: [3, 3] },
  { name: 'ties and all-negative windows', x: [2, 11, 11, 3], k: [3, 3, 3, 12], bias: true, pool: [2, 2], data: 'ties', negativeChannels: true },
  { name: 'ties, odd sizes, c=1', x: [3, 13, 12, 1], k: [3, 3, 1, 20], padding: 'same', bias: true, pool: [2, 2], data: 'ties' },
  // 32 or more input channels: dx by scattering (fewer take the unfused input-gradient kernels).
  { name: 'scattered dx: stride 2 same, c=32', x: [2, 11, 13, 32], k: [3, 3, 32, 40], strides: [2, 2], padding: 'same', bias: true, pool: [2, 2] },
  { name: 'scattered dx: dilation 2, c=33 (masked tail), odd output', x: [2, 12, 11, 33], k: [3, 3, 33, 24], dilations: [2, 2], bias: true, pool: [2, 2] },
  { name: 'scattered dx: ties and all-negative windows, 2x2 kernel', x: [3, 9, 9, 32], k: [2, 2, 32, 16], bias: true, pool: [2, 2], data: 'ties', negativeChannels: true },
  { name: 'parallel: first layer batch 16', x: [16, 28, 28, 1], k: [3, 3, 1, 32], bias: true, pool: [2, 2] },
  { name: 'parallel: second layer 14x14x32 -> 64 same', x: [4, 14, 14, 32], k: [3, 3, 32, 64], padding: 'same', bias: true, pool: [2, 2] },
  // 160 output tiles of 32 channels: the filter gradient takes Winograd (dz materialised from the pooled gradient).
  { name: 'parallel: 16x16x32 -> 32 valid (Winograd filter gradient)', x: [10, 16, 16, 32], k: [3, 3, 32, 32], bias: true, pool: [2, 2] },
  { name: 'parallel: ties, c=7 oc=40 odd', x: [6, 17, 17, 7], k: [3, 3, 7, 40], bias: true, pool: [2, 2], data: 'ties', negativeChannels: true },
  // Winograd forced: 2x2 windows pool in its output transform (a 4x4 tile holds four windows), other pools after it.
  { name: 'Winograd: 15x15 -> 13x13 pooled to 6x6 (3x3 tiles), oc=33 (masked tail)', x: [3, 15, 15, 20], k: [3, 3, 20, 33], bias: true, pool: [2, 2], winograd: true },
  { name: 'Winograd: same 12x10 (a last tile of two columns), no bias', x: [2, 12, 10, 8], k: [3, 3, 8, 16], padding: 'same', pool: [2, 2], winograd: true },
  { name: 'Winograd: ties and all-negative windows', x: [2, 11, 11, 3], k: [3, 3, 3, 12], bias: true, pool: [2, 2], data: 'ties', negativeChannels: true, winograd: true },
  { name: 'Winograd: parallel, 80 tiles of 32 channels', x: [5, 18, 18, 32], k: [3, 3, 32, 32], bias: true, pool: [2, 2], winograd: true },
  { name: 'Winograd then a 3x3 pool', x: [2, 9, 9, 3], k: [3, 3, 3, 8], bias: true, pool: [3, 3], winograd: true },
];

function runCase(c: FusedCase, seed: number): void {
  if (!c.winograd) return runCaseAs(c, seed);
  internal.conv2dWinograd('always');
  try {
    runCaseAs(c, seed);
  } finally {
    internal.conv2dWinograd('auto');
  }
}

function runCaseAs(c: FusedCase, seed: number): void {
  const g = geometryOf(c);
  const p = pooledOf(g, c.pool);
  const [ph, pw] = c.pool;
  const { x, w, bias } = caseData(c, g, seed);
  const dy = c.data === 'ties' ? integers(p.size, seed + 3, -3, 3) : randomArray(p.size, seed + 3);
  // The float64 reference routes dz as the float32 forward does (near-ties may route differently in float64).
  const z32 = new Float32Array(g.n * g.oh * g.ow * g.oc);
  native.conv2dForward(x, w, bias, z32, g.native, UnaryOp.relu, 0);
  const y32 = new Float32Array(p.size);
  native.maxPool2dForward(z32, y32, p.geometry);
  const dz = routedGradient(g, p, c.pool, windowArgmax(g, p, c.pool, z32), y32, dy);
  const bi = refBackwardInput(g, dz, w);
  const bf = refBackwardFilter(g, x, dz);
  // And the reference's forward values, where the routing does not matter.
  const f = refForward(g, x, w, bias);
  const yRef = new Float64Array(p.size);
  const yMag = new Float64Array(p.size);
  for (let q = 0; q < p.size; q++) {
    const o = q % g.oc;
    const pix = Math.floor(q / g.oc);
    const n = Math.floor(pix / (p.poh * p.pow));
    const i = Math.floor(pix / p.pow) % p.poh;
    const j = pix % p.pow;
    let best = 0;
    for (let a = 0; a < ph; a++)
      for (let b = 0; b < pw; b++) {
        const at = ((n * g.oh + i * ph + a) * g.ow + j * pw + b) * g.oc + o;
        best = Math.max(best, f.y[at]);
        yMag[q] = Math.max(yMag[q], f.mag[at]);
      }
    yRef[q] = best;
  }
  for (const threads of threadCounts) {
    tn.setNumThreads(threads);
    const tag = `${c.name} (${threads} thread${threads > 1 ? 's' : ''})`;
    // Winograd's rounding error (test/native/conv-winograd.test.ts) is held to five times the direct kernels' bound,
    // and for the input gradient, whose dz is mostly zeros here, measured against its tiles' mag. Which passes take
    // it depends on the thread count.
    const plan = internal.conv2dPlan(g.native);
    if (c.winograd) expect(plan.forward, `${tag}: forced plan`).toBe('winograd');
    const ySlope = plan.forward === 'winograd' ? 5 : 1;
    const dwSlope = plan.backwardFilter === 'winograd' ? 5 : 1;
    const dxSlope = plan.backwardInput === 'winograd' ? 5 : 1;
    const dxMag = plan.backwardInput === 'winograd' ? winogradTileMag(bi.mag, g.n, g.h, g.w, g.c) : bi.mag;
    // The unfused path on this thread count (a GEMM's k split, for one, changes the order of its sums).
    const zFull = new Float32Array(g.n * g.oh * g.ow * g.oc);
    native.conv2dForward(x, w, bias, zFull, g.native, UnaryOp.relu, 0);
    const yUnfused = new Float32Array(p.size);
    native.maxPool2dForward(zFull, yUnfused, p.geometry);
    const routing = windowArgmax(g, p, c.pool, zFull);
    const dzUnfused = new Float32Array(zFull.length);
    native.maxPool2dBackward(zFull, dy, dzUnfused, p.geometry);
    const dwUnfused = new Float32Array(g.kh * g.kw * g.c * g.oc);
    const dbUnfused = new Float32Array(g.oc);
    native.conv2dBackwardFilter(x, dzUnfused, dwUnfused, dbUnfused, g.native, zFull, UnaryOp.relu, 0);
    const dxUnfused = new Float32Array(g.n * g.h * g.w * g.c);
    native.conv2dBackwardInput(dzUnfused, w, dxUnfused, g.native, zFull, UnaryOp.relu, 0);
    const y = new Float32Array(p.size).fill(Number.NaN);
    const argmax = new Uint8Array(p.size).fill(255);
    native.conv2dReluMaxPoolTrain(x, w, bias, y, argmax, g.native, ph, pw);
    // Exactly the unfused output, and exactly its routing.
    expect(Array.from(y), `${tag} y equals the unfused path`).toEqual(Array.from(yUnfused));
    expect(Array.from(argmax), `${tag} argmax equals the unfused routing`).toEqual(Array.from(routing));
    expectClose(y, yRef, yMag, `${tag} y against the reference`, ySlope);
    if (plan.forward === 'winograd') {
      // Inference pools Winograd's output the same way (direct shapes' inference kernel need not equal the unfused).
      const yInfer = new Float32Array(p.size).fill(Number.NaN);
      native.conv2dReluMaxPool(x, w, bias, yInfer, g.native, ph, pw);
      expect(Array.from(yInfer), `${tag} inference y equals the unfused path`).toEqual(Array.from(yUnfused));
    }

    for (const withDx of [false, true]) {
      const what = `${tag}${withDx ? ' with dx' : ''}`;
      const dw = new Float32Array(bf.dw.length).fill(Number.NaN);
      const db = new Float32Array(g.oc).fill(Number.NaN);
      const dx = withDx ? new Float32Array(bi.dx.length).fill(Number.NaN) : null;
      native.conv2dReluMaxPoolBackward(x, w, dy, y, argmax, dw, bias ? db : null, dx, g.native, ph, pw);
      expectClose(dw, bf.dw, bf.mag, `${what} dKernel against the reference`, dwSlope);
      expectClose(dw, dwUnfused, bf.mag, `${what} dKernel against the unfused path`, dwSlope);
      if (bias) {
        expectClose(db, bf.db, bf.dbMag, `${what} dBias against the reference`);
        expectClose(db, dbUnfused, bf.dbMag, `${what} dBias against the unfused path`);
      } else {
        expect(db.every(Number.isNaN), `${what}: dBias untouched when not asked for`).toBe(true);
      }
      if (dx) {
        expectClose(dx, bi.dx, dxMag, `${what} dx against the reference`, dxSlope);
        expectClose(dx, dxUnfused, dxMag, `${what} dx against the unfused path`, dxSlope);
      }
      // Deterministic: the same call gives the same bits.
      const again = new Float32Array(dw.length);
      const dbAgain = new Float32Array(g.oc);
      const dxAgain = dx ? new Float32Array(dx.length) : null;
      native.conv2dReluMaxPoolBackward(x, w, dy, y, argmax, again, bias ? dbAgain : null, dxAgain, g.native, ph, pw);
      expect(Array.from(again), `${what} dKernel repeats bitwise`).toEqual(Array.from(dw));
      if (bias) expect(Array.from(dbAgain), `${what} dBias repeats bitwise`).toEqual(Array.from(db));
      if (dx) expect(Array.from(dxAgain!), `${what} dx repeats bitwise`).toEqual(Array.from(dx));
    }

    // Each gradient alone: the others are not touched.
    const db = new Float32Array(g.oc).fill(Number.NaN);
    native.conv2dReluMaxPoolBackward(x, w, dy, y, argmax, null, db, null, g.native, ph, pw);
    expectClose(db, bf.db, bf.dbMag, `${tag} dBias alone`);
    const dx = new Float32Array(bi.dx.length).fill(Number.NaN);
    native.conv2dReluMaxPoolBackward(x, w, dy, y, argmax, null, null, dx, g.native, ph, pw);
    expectClose(dx, bi.dx, dxMag, `${tag} dx alone`, dxSlope);
  }
}

describe('conv2dReluMaxPoolTrain and conv2dReluMaxPoolBackward against the unfused path and a float64 reference', () => {
  cases.forEach((c, index) => {
    it(c.name, () => runCase(c, 9000 + 31 * index));
  });

  it('ties and all-negative windows route to the first position', () => {
    // Every conv output of channel 0 is relu'd to 0 (a tie of the whole window); channel 1 equals x, with ties.
    const g = geometryOf({ name: 'ties', x: [1, 4, 4, 1], k: [1, 1, 1, 2] });
    const x = Float32Array.from([1, 3, 2, 2, 3, 0, 2, 1, 5, 5, 0, 0, 5, 5, 0, 0]);
    const w = Float32Array.from([-1, 1]);
    const y = new Float32Array(8);
    const argmax = new Uint8Array(8);
    native.conv2dReluMaxPoolTrain(x, w, Float32Array.from([-0.5, 0]), y, argmax, g.native, 2, 2);
    expect(Array.from(y)).toEqual([0, 3, 0, 2, 0, 5, 0, 0]);
    expect(Array.from(argmax)).toEqual([0, 1, 0, 0, 0, 0, 0, 0]);
    const dy = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const dw = new Float32Array(2);
    const db = new Float32Array(2);
    const dx = new Float32Array(16);
    native.conv2dReluMaxPoolBackward(x, w, dy, y, argmax, dw, db, dx, g.native, 2, 2);
    // Channel 0 passes nothing (relu is flat there); channel 1 passes dy at the first maximum of windows with y > 0.
    // (+ 0 turns a -0 from 0 * -1 into 0.)
    expect(Array.from(db, (v) => v + 0)).toEqual([0, 2 + 4 + 6]);
    expect(Array.from(dw, (v) => v + 0)).toEqual([0, 2 * 3 + 4 * 2 + 6 * 5]);
    expect(Array.from(dx, (v) => v + 0)).toEqual([0, 2, 4, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('keeps NaN: the first NaN of a window wins and is its argmax', () => {
    const c: FusedCase = { name: 'nan', x: [1, 6, 6, 2], k: [3, 3, 2, 3], padding: 'same', pool: [2, 2] };
    const g = geometryOf(c);
    const p = pooledOf(g, c.pool);
    const x = randomArray(72, 11);
    x[(3 * 6 + 3) * 2 + 1] = Number.NaN;
    const w = randomArray(54, 12);
    const z = new Float32Array(108);
    native.conv2dForward(x, w, null, z, g.native, UnaryOp.relu, 0);
    const yUnfused = new Float32Array(p.size);
    native.maxPool2dForward(z, yUnfused, p.geometry);
    const y = new Float32Array(p.size);
    const argmax = new Uint8Array(p.size);
    native.conv2dReluMaxPoolTrain(x, w, null, y, argmax, g.native, 2, 2);
    expect(Array.from(y)).toEqual(Array.from(yUnfused));
    expect(y.filter(Number.isNaN).length).toBe(4 * 3);
    expect(Array.from(argmax)).toEqual(Array.from(windowArgmax(g, p, c.pool, z)));
  });

  it('an empty batch and a pooled output of size 0 write zero gradients', () => {
    const g = geometryOf({ name: 'empty', x: [0, 5, 5, 2], k: [3, 3, 2, 4] });
    native.conv2dReluMaxPoolTrain(new Float32Array(0), new Float32Array(72), null, new Float32Array(0), new Uint8Array(0), g.native, 2, 2);
    const dw = new Float32Array(72).fill(Number.NaN);
    const db = new Float32Array(4).fill(Number.NaN);
    native.conv2dReluMaxPoolBackward(new Float32Array(0), new Float32Array(72), new Float32Array(0), new Float32Array(0), new Uint8Array(0), dw, db, new Float32Array(0), g.native, 2, 2);
    expect([...dw, ...db].every((v) => v === 0)).toBe(true);
    // A 3x3 conv output pooled 4x4 has no windows: every gradient is zero.
    const h = geometryOf({ name: 'no windows', x: [1, 5, 5, 2], k: [3, 3, 2, 4] });
    const dx = new Float32Array(50).fill(Number.NaN);
    native.conv2dReluMaxPoolBackward(randomArray(50, 1), randomArray(72, 2), new Float32Array(0), new Float32Array(0), new Uint8Array(0), dw.fill(Number.NaN), db.fill(Number.NaN), dx, h.native, 4, 4);
    expect([...dw, ...db, ...dx].every((v) => v === 0)).toBe(true);
  });

  it('rejects bad arguments with messages that name them', () => {
    const g = geometryOf({ name: 'bad', x: [2, 6, 6, 3], k: [3, 3, 3, 4] });
    const x = new Float32Array(216);
    const w = new Float32Array(108);
    const y = new Float32Array(32);
    const am = new Uint8Array(32);
    expect(() => native.conv2dReluMaxPoolTrain(x, w, null, y, new Uint8Array(31), g.native, 2, 2)).toThrow(
      /conv2dReluMaxPoolTrain: argmax has 31 elements, expected 32 \(n\*floor\(oh\/poolH\)\*floor\(ow\/poolW\)\*oc\)/,
    );
    expect(() => native.conv2dReluMaxPoolTrain(x, w, null, y, new Int8Array(32) as unknown as Uint8Array, g.native, 2, 2)).toThrow(
      /argument 5 \(argmax\) must be a Uint8Array/,
    );
    expect(() => native.conv2dReluMaxPoolTrain(x, w, null, y, am, g.native, 17, 16)).toThrow(
      /poolH \* poolW must be at most 256 \(argmax holds a window position in one byte\), received 17 \* 16/,
    );
    expect(() => native.conv2dReluMaxPoolTrain(x, w, null, y, am, g.native, 257, 1)).toThrow(/argument 7 \(poolH\) must be in \[1, 256\]/);
    const bytes = new ArrayBuffer(256);
    expect(() => native.conv2dReluMaxPoolTrain(x, w, null, new Float32Array(bytes, 0, 32), new Uint8Array(bytes, 100, 32), g.native, 2, 2)).toThrow(
      /argmax must not share memory with y/,
    );
    const dy = new Float32Array(32);
    expect(() => native.conv2dReluMaxPoolBackward(x, w, dy, y, am, new Float32Array(107), null, null, g.native, 2, 2)).toThrow(
      /conv2dReluMaxPoolBackward: dKernel has 107 elements, expected 108/,
    );
    expect(() => native.conv2dReluMaxPoolBackward(x, w, dy, y, am, null, null, new Float32Array(215), g.native, 2, 2)).toThrow(/dx has 215 elements, expected 216/);
    const shared = new Float32Array(216 + 4);
    expect(() => native.conv2dReluMaxPoolBackward(x, w, dy, y, am, null, shared.subarray(0, 4), shared.subarray(2, 218), g.native, 2, 2)).toThrow(
      /dBias must not share memory with dx/,
    );
    expect(() => native.conv2dReluMaxPoolBackward(x, w, dy, y, am, null, shared.subarray(0, 4), shared.subarray(4), g.native, 2, 2)).not.toThrow();
    const ambuf = new Uint8Array(new Float32Array(8).buffer);
    expect(() => native.conv2dReluMaxPoolBackward(x, w, dy, y, am, null, new Float32Array(ambuf.buffer, 0, 4), null, g.native, 2, 2)).not.toThrow();
    expect(() => native.conv2dReluMaxPoolBackward(x, w, dy, y, new Uint8Array(ambuf.buffer, 0, 32), null, new Float32Array(ambuf.buffer, 0, 4), null, g.native, 2, 2)).toThrow(
      /dBias must not share memory with argmax/,
    );
  });

  it('an argmax entry past the window names no position: its gradient is dropped', () => {
    const g = geometryOf({ name: 'out of range', x: [1, 5, 5, 2], k: [2, 2, 2, 3] });
    const x = randomArray(50, 21);
    const w = randomArray(24, 22);
    const y = new Float32Array(12);
    const argmax = new Uint8Array(12);
    native.conv2dReluMaxPoolTrain(x, w, null, y, argmax, g.native, 2, 2);
    const dy = randomArray(12, 23);
    const db = new Float32Array(3);
    const dw = new Float32Array(24);
    const dx = new Float32Array(50);
    argmax.fill(4);
    native.conv2dReluMaxPoolBackward(x, w, dy, y, argmax, dw, db, dx, g.native, 2, 2);
    expect([...dw, ...dx].every((v) => v === 0)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The op, through the tape

describe('conv2dBiasReluMaxPool records its gradient', () => {
  const unfused = (x: Tensor, k: Tensor, b: Tensor | null, strides: [number, number], padding: 'valid' | 'same', dilations: [number, number], pool: [number, number]) =>
    tn.maxPool2d(conv2dFused(x, k, b, strides, padding, dilations, UnaryOp.relu), pool);

  for (const c of [cases[0], cases[3], cases[5], cases[7], cases[10], cases[13]]) {
    it(`equals conv2dFused + maxPool2d through the tape: ${c.name}`, () => {
      const g = geometryOf(c);
      const { x, w, bias } = caseData(c, g, 500);
      const xt = tn.tensor(x, c.x);
      const kt = tn.tensor(w, c.k);
      const bt = bias ? tn.tensor(bias, [g.oc]) : null;
      const args = [c.strides ?? [1, 1], c.padding ?? 'valid', c.dilations ?? [1, 1], c.pool] as const;
      const inputs = bt ? [xt, kt, bt] : [xt, kt];
      const fused = (...t: Tensor[]) => conv2dBiasReluMaxPool(t[0], t[1], t[2] ?? null, ...args);
      const layered = (...t: Tensor[]) => unfused(t[0], t[1], t[2] ?? null, ...args);
      const upstream = tn.tensor(randomArray(pooledOf(g, c.pool).size, 501), fused(...inputs).shape);
      // Variables, so that the op records (and runs the training kernel) outside grads() too.
      const variables = inputs.map((t) => tn.variable(t));
      for (const threads of threadCounts) {
        tn.setNumThreads(threads);
        expect(Array.from(fused(...variables).data())).toEqual(Array.from(layered(...variables).data()));
        const got = tn.grads(fused)(inputs, upstream);
        const want = tn.grads(layered)(inputs, upstream);
        got.forEach((gi, i) => {
          const mag = want[i].data().map(Math.abs);
          expectClose(gi.data(), want[i].data(), mag.map((v) => 10 * (v + 1)), `${c.name} (${threads} threads) gradient ${i}`);
        });
      }
    });
  }

  it('computes only the gradients asked for (the first layer needs no dx)', () => {
    const c = cases[0];
    const g = geometryOf(c);
    const { x, w, bias } = caseData(c, g, 600);
    const kernel = tn.variable(tn.tensor(w, c.k));
    const b = tn.variable(tn.tensor(bias!, [g.oc]));
    const calls: (Float32Array | null)[][] = [];
    const original = native.conv2dReluMaxPoolBackward;
    native.conv2dReluMaxPoolBackward = (...a) => {
      calls.push([a[5], a[6], a[7]]);
      original(...a);
    };
    try {
      const y = conv2dBiasReluMaxPool(tn.tensor(x, c.x), kernel, b, [1, 1], 'valid', [1, 1], [2, 2]);
      const [dk, db] = tn.gradients(tn.sum(y), [kernel, b]);
      expect(calls.length).toBe(1);
      expect(calls[0][0]).not.toBeNull();
      expect(calls[0][1]).not.toBeNull();
      expect(calls[0][2]).toBeNull();
      const want = tn.gradients(tn.sum(unfused(tn.tensor(x, c.x), kernel, b, [1, 1], 'valid', [1, 1], [2, 2])), [kernel, b]);
      expectClose(dk.data(), want[0].data(), want[0].data().map((v) => 10 * (Math.abs(v) + 1)), 'dKernel');
      expectClose(db.data(), want[1].data(), null, 'dBias');
    } finally {
      native.conv2dReluMaxPoolBackward = original;
    }
  });

  it('does not keep argmax when no gradient is recorded', () => {
    const c = cases[0];
    const g = geometryOf(c);
    const { x, w, bias } = caseData(c, g, 700);
    const original = native.conv2dReluMaxPoolTrain;
    let trainCalls = 0;
    native.conv2dReluMaxPoolTrain = (...a) => {
      trainCalls++;
      original(...a);
    };
    try {
      const k = tn.variable(tn.tensor(w, c.k));
      const y = tn.noGrad(() => conv2dBiasReluMaxPool(tn.tensor(x, c.x), k, tn.tensor(bias!, [g.oc]), [1, 1], 'valid', [1, 1], [2, 2]));
      expect(y.requiresGrad).toBe(false);
      conv2dBiasReluMaxPool(tn.tensor(x, c.x), tn.tensor(w, c.k), null, [1, 1], 'valid', [1, 1], [2, 2]);
      expect(trainCalls).toBe(0);
      expect(conv2dBiasReluMaxPool(tn.tensor(x, c.x), k, null, [1, 1], 'valid', [1, 1], [2, 2]).requiresGrad).toBe(true);
      expect(trainCalls).toBe(1);
    } finally {
      native.conv2dReluMaxPoolTrain = original;
    }
  });

  it('windows of more than 256 positions take the unfused ops', () => {
    const xt = tn.tensor(randomArray(2 * 19 * 18 * 2, 801), [2, 19, 18, 2]);
    const kt = tn.variable(tn.tensor(randomArray(3 * 3 * 2 * 3, 802), [3, 3, 2, 3]));
    const y = conv2dBiasReluMaxPool(xt, kt, null, [1, 1], 'valid', [1, 1], [17, 16]);
    expect(y.shape).toEqual([2, 1, 1, 3]);
    const want = unfused(xt, kt, null, [1, 1], 'valid', [1, 1], [17, 16]);
    expect(Array.from(y.data())).toEqual(Array.from(want.data()));
    const [dk] = tn.gradients(tn.sum(y), [kt]);
    const [dkWant] = tn.gradients(tn.sum(want), [kt]);
    expect(Array.from(dk.data())).toEqual(Array.from(dkWant.data()));
  });

  it('matches finite differences', () => {
    // Data whose conv outputs stay clear of relu's kink and of ties within a window, so that steps of 1e-3 never
    // cross a point where the function is not differentiable.
    const shape: [number, number, number, number] = [1, 6, 7, 2];
    const kshape: [number, number, number, number] = [3, 3, 2, 3];
    const g = geometryOf({ name: 'fd', x: shape, k: kshape });
    let seed = 1;
    for (; ; seed++) {
      const x = randomArray(84, seed * 3);
      const w = randomArray(54, seed * 3 + 1, 0.5);
      const b = randomArray(3, seed * 3 + 2, 0.3);
      const z = refForward(g, x, w, b).y;
      let margin = Infinity;
      for (let n = 0; n < 1; n++)
        for (let i = 0; i < 2; i++)
          for (let j = 0; j < 2; j++)
            for (let o = 0; o < 3; o++) {
              const v: number[] = [];
              for (let a = 0; a < 2; a++) for (let c = 0; c < 2; c++) v.push(z[((i * 2 + a) * g.ow + j * 2 + c) * 3 + o]);
              v.sort((p, q) => q - p);
              margin = Math.min(margin, Math.abs(v[0]), v[0] - v[1]);
            }
      if (margin > 0.05) {
        gradCheck(
          (xt, kt, bt) => conv2dBiasReluMaxPool(xt, kt, bt, [1, 1], 'valid', [1, 1], [2, 2]),
          [tn.tensor(x, shape), tn.tensor(w, kshape), tn.tensor(b, [3])],
          { maxPoints: 64 },
        );
        break;
      }
    }
    expect(seed).toBeLessThan(200);
  });
});
