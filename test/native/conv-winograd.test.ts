// Winograd F(4x4, 3x3) (native/conv_winograd.cc) against the float64 references, on every ISA path (this file runs
// once per vitest ISA project) and both thread counts: forward and both gradients forced onto Winograd for odd
// shapes, with the error bound it is held to; the rule that picks it; NaN's reach; gradients by finite differences.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { internal, native, UnaryOp } from '../../lib/native.js';
import { conv2dFused } from '../../lib/ops/conv.js';
import {
  expectClose, geometryOf, randomArray, refBackwardFilter, refBackwardInput, refForward, type ConvCase,
} from '../helpers/conv-reference.js';
import { gradCheck, randomTensor } from '../helpers/gradcheck.js';

const defaultThreads = tn.backendInfo().threads;
afterEach(() => internal.conv2dWinograd('auto'));
afterAll(() => tn.setNumThreads(defaultThreads));

// Winograd's transforms multiply by up to 8 (output) and sum 36 transformed terms per product, so its float32
// rounding error is larger than the direct sum's: measured at up to 1.6e-6 of the sum of |terms| (mag) on these
// shapes (the direct kernels: 3e-7). It is held to 5e-5 of mag (plus 1e-4 relative and 1e-5 absolute), five times
// the bound of the direct kernels' tests; an error in any transform coefficient is of the order of mag itself.
// The filter gradient, which sums over every tile before G^T . G carries the sums back, measured at up to 2.5e-6 of
// mag (the direct kernels: 1.5e-7) and is held to the same bound.
const winogradSlope = 5;

const activations: Partial<Record<UnaryOp, (v: number, a: number) => number>> = {
  [UnaryOp.linear]: (v) => v,
  [UnaryOp.relu]: (v) => (v > 0 ? v : 0),
  [UnaryOp.relu6]: (v) => Math.min(6, Math.max(0, v)),
  [UnaryOp.leakyRelu]: (v, a) => (v < 0 ? a * v : v),
  [UnaryOp.sigmoid]: (v) => 1 / (1 + Math.exp(-v)),
};

const cases: (ConvCase & { activation: UnaryOp })[] = [
  // The CNN benchmarks' layers (small batch).
  { name: 'reference CNN second layer 26x26x32 -> 64 valid', x: [2, 26, 26, 32], k: [3, 3, 32, 64], bias: true, activation: UnaryOp.relu },
  { name: 'CIFAR third layer 15x15x32 -> 64 same', x: [2, 15, 15, 32], k: [3, 3, 32, 64], padding: 'same', bias: true, activation: UnaryOp.relu },
  // Channel tails on every vector width (16, 8, 4), sizes that are not multiples of the 4x4 tile, both paddings.
  { name: 'c=17 oc=20 same 7x9', x: [3, 7, 9, 17], k: [3, 3, 17, 20], padding: 'same', bias: true, activation: UnaryOp.linear },
  { name: 'c=5 oc=3 valid 10x6', x: [2, 10, 6, 5], k: [3, 3, 5, 3], activation: UnaryOp.leakyRelu },
  { name: 'c=1 oc=1 same 5x5', x: [1, 5, 5, 1], k: [3, 3, 1, 1], padding: 'same', bias: true, activation: UnaryOp.relu6 },
  { name: 'one output pixel (3x3 valid)', x: [2, 3, 3, 9], k: [3, 3, 9, 33], bias: true, activation: UnaryOp.linear },
  { name: '1-wide image same', x: [2, 6, 1, 7], k: [3, 3, 7, 9], padding: 'same', bias: true, activation: UnaryOp.sigmoid },
  { name: 'c=128 oc=40 same 8x8 (long sums)', x: [1, 8, 8, 128], k: [3, 3, 128, 40], padding: 'same', bias: true, activation: UnaryOp.relu },
  // Enough tiles for both threads and several chunks each.
  { name: 'parallel: batch 16, 12x13x24 -> 48 same', x: [16, 12, 13, 24], k: [3, 3, 24, 48], padding: 'same', bias: true, activation: UnaryOp.relu },
];

function runCase(c: ConvCase & { activation: UnaryOp }, seed: number): void {
  const g = geometryOf(c);
  const x = randomArray(g.n * g.h * g.w * g.c, seed);
  const w = randomArray(9 * g.c * g.oc, seed + 1, 0.5);
  const bias = c.bias ? randomArray(g.oc, seed + 2) : null;
  const dy = randomArray(g.n * g.oh * g.ow * g.oc, seed + 3);
  const alpha = c.activation === UnaryOp.leakyRelu ? 0.2 : 0;
  const act = activations[c.activation]!;
  const f = refForward(g, x, w, bias);
  const yRef = f.y.map((v) => act(v, alpha));
  internal.conv2dWinograd('always');
  const plan = internal.conv2dPlan(g.native);
  expect([plan.forward, plan.backwardInput, plan.backwardFilter], 'forced plan').toEqual(['winograd', 'winograd', 'winograd']);
  const bf = refBackwardFilter(g, x, dy);
  for (const threads of [1, 2]) {
    tn.setNumThreads(threads);
    const tag = `${c.name} (${threads} thread${threads > 1 ? 's' : ''})`;
    const y = new Float32Array(yRef.length).fill(Number.NaN);
    native.conv2dForward(x, w, bias, y, g.native, c.activation, alpha);
    expectClose(y, yRef, f.mag, `${tag} forward`, winogradSlope);

    const bi = refBackwardInput(g, dy, w);
    const dx = new Float32Array(bi.dx.length).fill(Number.NaN);
    native.conv2dBackwardInput(dy, w, dx, g.native);
    expectClose(dx, bi.dx, bi.mag, `${tag} backward input`, winogradSlope);

    const dw = new Float32Array(bf.dw.length).fill(Number.NaN);
    const db = new Float32Array(g.oc).fill(Number.NaN);
    native.conv2dBackwardFilter(x, dy, dw, db, g.native);
    expectClose(dw, bf.dw, bf.mag, `${tag} backward filter`, winogradSlope);
    expectClose(db, bf.db, bf.dbMag, `${tag} bias gradient`);

    if (c.activation === UnaryOp.relu) {
      // relu's gradient folded in: dz = dy where y > 0.
      const dz = dy.map((v, i) => (y[i] > 0 ? v : 0));
      const biz = refBackwardInput(g, dz, w);
      native.conv2dBackwardInput(dy, w, dx.fill(Number.NaN), g.native, y, UnaryOp.relu, 0);
      expectClose(dx, biz.dx, biz.mag, `${tag} backward input through relu`, winogradSlope);
      const bfz = refBackwardFilter(g, x, dz);
      native.conv2dBackwardFilter(x, dy, dw.fill(Number.NaN), db.fill(Number.NaN), g.native, y, UnaryOp.relu, 0);
      expectClose(dw, bfz.dw, bfz.mag, `${tag} backward filter through relu`, winogradSlope);
      expectClose(db, bfz.db, bfz.dbMag, `${tag} bias gradient through relu`);
    }
  }
}

describe('Winograd F(4x4, 3x3) against a float64 reference', () => {
  cases.forEach((c, i) => it(c.name, () => runCase(c, 300 + 13 * i)));

  it('stays within its bound of the direct kernels on the same shape, and is not bit-identical to them', () => {
    const g = geometryOf({ name: 'cmp', x: [4, 13, 11, 32], k: [3, 3, 32, 32], padding: 'same' });
    const x = randomArray(g.n * g.h * g.w * g.c, 41);
    const w = randomArray(9 * g.c * g.oc, 42, 0.5);
    const f = refForward(g, x, w, null);
    const out = { always: new Float32Array(f.y.length), never: new Float32Array(f.y.length) };
    for (const mode of ['always', 'never'] as const) {
      internal.conv2dWinograd(mode);
      native.conv2dForward(x, w, null, out[mode], g.native, UnaryOp.linear, 0);
    }
    expectClose(out.always, out.never, f.mag, 'Winograd against direct', winogradSlope + 1);
    let differ = 0;
    let worstW = 0;
    let worstD = 0;
    for (let i = 0; i < f.y.length; i++) {
      if (out.always[i] !== out.never[i]) differ++;
      worstW = Math.max(worstW, Math.abs(out.always[i] - f.y[i]) / f.mag[i]);
      worstD = Math.max(worstD, Math.abs(out.never[i] - f.y[i]) / f.mag[i]);
    }
    expect(differ, 'elements that differ (two algorithms ran)').toBeGreaterThan(f.y.length / 2);
    expect(worstW, 'Winograd error / mag').toBeLessThan(5e-5);
    expect(worstD, 'direct error / mag').toBeLessThan(1e-5);
  });

  it('is chosen by the measured rule: 3x3 stride 1, enough channels and tiles for the thread count, maps of 8x8 or more', () => {
    const planOf = (x: [number, number, number, number], k: [number, number, number, number], extra: Partial<ConvCase> = {}) =>
      internal.conv2dPlan(geometryOf({ name: 'rule', x, k, ...extra }).native);
    // On two threads (the rule reads the thread count, not the machine's cores).
    tn.setNumThreads(2);
    // The reference CNN's and the CIFAR-style CNN's layers after the first.
    const all = { forward: 'winograd', backwardInput: 'winograd', backwardFilter: 'winograd' };
    expect(planOf([32, 26, 26, 32], [3, 3, 32, 64])).toMatchObject(all);
    expect(planOf([32, 32, 32, 32], [3, 3, 32, 32])).toMatchObject(all);
    expect(planOf([32, 15, 15, 32], [3, 3, 32, 64], { padding: 'same' })).toMatchObject(all);
    expect(planOf([32, 15, 15, 64], [3, 3, 64, 64])).toMatchObject(all);
    // First layers, few channels, strides, dilations, other kernels: never.
    const none = { forward: 'direct', backwardInput: 'direct', backwardFilter: 'direct' };
    expect(planOf([32, 32, 32, 3], [3, 3, 3, 32], { padding: 'same' })).toMatchObject(none);
    expect(planOf([32, 16, 16, 8], [3, 3, 8, 8], { padding: 'same' })).toMatchObject(none);
    expect(planOf([8, 16, 16, 32], [3, 3, 32, 32], { strides: [2, 2] }).forward).toBe('direct');
    expect(planOf([8, 16, 16, 32], [3, 3, 32, 32], { dilations: [2, 2] }).forward).toBe('direct');
    expect(planOf([8, 16, 16, 32], [5, 5, 32, 32]).forward).toBe('direct');
    // Small maps: the tiles would be mostly padding; 16 channels: the transforms cost what the products save.
    expect(planOf([8, 6, 6, 64], [3, 3, 64, 64], { padding: 'same' })).toMatchObject(none);
    expect(planOf([32, 16, 16, 16], [3, 3, 16, 16], { padding: 'same' })).toMatchObject(none);
    expect(planOf([32, 8, 8, 64], [3, 3, 64, 64], { padding: 'same' }).backwardInput).toBe('winograd');
    // The forward pass from 16 output tiles (a batch of 1 in inference: one chunk of tiles runs on one thread, and
    // beats the direct kernels on two), except wide kernels (more than 128 x 128 channels) under 256 tiles.
    expect(planOf([1, 32, 32, 32], [3, 3, 32, 32])).toMatchObject({ forward: 'winograd', backwardInput: 'winograd' });
    expect(planOf([1, 15, 15, 64], [3, 3, 64, 64], { padding: 'same' }).forward).toBe('winograd'); // 16 tiles
    expect(planOf([1, 12, 12, 64], [3, 3, 64, 64], { padding: 'same' }).forward).toBe('direct'); // 9
    expect(planOf([4, 30, 30, 32], [3, 3, 32, 32], { padding: 'same' }).forward).toBe('winograd');
    expect(planOf([16, 15, 15, 32], [3, 3, 32, 64], { padding: 'same' }).forward).toBe('winograd');
    expect(planOf([1, 16, 16, 128], [3, 3, 128, 128], { padding: 'same' }).forward).toBe('winograd');
    expect(planOf([1, 14, 14, 256], [3, 3, 256, 256], { padding: 'same' }).forward).toBe('im2col'); // 16, wide
    expect(planOf([16, 14, 14, 256], [3, 3, 256, 256], { padding: 'same' }).forward).toBe('winograd'); // 256
    // The filter gradient: from 24 channels in and out, outputs of 8x8 or more and 128 tiles (a batch of 32 at 15x15;
    // at batch 1 the reduction of the sums and the kernel's inverse transform are not repaid).
    expect(planOf([32, 16, 16, 16], [3, 3, 16, 16], { padding: 'same' }).backwardFilter).toBe('direct');
    expect(planOf([32, 16, 16, 24], [3, 3, 24, 24], { padding: 'same' }).backwardFilter).toBe('winograd');
    expect(planOf([32, 6, 6, 32], [3, 3, 32, 32], { padding: 'same' }).backwardFilter).toBe('direct');
    expect(planOf([32, 8, 8, 64], [3, 3, 64, 64], { padding: 'same' }).backwardFilter).toBe('winograd'); // 128 tiles
    expect(planOf([7, 8, 8, 64], [3, 3, 64, 64], { padding: 'same' }).backwardFilter).toBe('direct'); // 28
    expect(planOf([1, 32, 32, 32], [3, 3, 32, 32]).backwardFilter).toBe('direct');
    // Its per-thread sums (36 x c x oc floats) stay within 8 MiB: wider layers keep im2col and the GEMM.
    expect(planOf([32, 16, 16, 240], [3, 3, 240, 240], { padding: 'same' }).backwardFilter).toBe('winograd');
    expect(planOf([32, 16, 16, 256], [3, 3, 256, 256], { padding: 'same' })).toMatchObject({ forward: 'winograd', backwardFilter: 'im2col' });
    // On one thread Winograd wins from 16 channels on nearly every shape; only a handful of tiles loses (the forward
    // pass under 16, the filter gradient under 32).
    tn.setNumThreads(1);
    expect(planOf([1, 32, 32, 32], [3, 3, 32, 32])).toMatchObject(all);
    expect(planOf([32, 16, 16, 16], [3, 3, 16, 16], { padding: 'same' })).toMatchObject(all);
    expect(planOf([1, 8, 8, 64], [3, 3, 64, 64], { padding: 'same' })).toMatchObject({ forward: 'direct', backwardInput: 'winograd', backwardFilter: 'direct' });
    expect(planOf([1, 15, 15, 64], [3, 3, 64, 64], { padding: 'same' })).toMatchObject({ forward: 'winograd', backwardInput: 'winograd', backwardFilter: 'direct' });
    expect(planOf([32, 16, 16, 8], [3, 3, 8, 8], { padding: 'same' })).toMatchObject(none);
    internal.conv2dWinograd('never');
    expect(planOf([32, 26, 26, 32], [3, 3, 32, 64])).toMatchObject(none);
  });

  it('gives the filter gradient the same bits on every call with the same thread count', () => {
    internal.conv2dWinograd('always');
    const g = geometryOf({ name: 'det', x: [12, 14, 13, 24], k: [3, 3, 24, 32], padding: 'same' });
    const x = randomArray(g.n * g.h * g.w * g.c, 61);
    const dy = randomArray(g.n * g.oh * g.ow * g.oc, 62);
    for (const threads of [1, 2]) {
      tn.setNumThreads(threads);
      const first = { dw: new Float32Array(9 * g.c * g.oc), db: new Float32Array(g.oc) };
      native.conv2dBackwardFilter(x, dy, first.dw, first.db, g.native);
      for (let i = 0; i < 5; i++) {
        const dw = new Float32Array(first.dw.length);
        const db = new Float32Array(g.oc);
        native.conv2dBackwardFilter(x, dy, dw, db, g.native);
        expect(Buffer.from(dw.buffer).equals(Buffer.from(first.dw.buffer)), `dw, call ${i + 2} on ${threads} threads`).toBe(true);
        expect(Buffer.from(db.buffer).equals(Buffer.from(first.db.buffer)), `dbias, call ${i + 2} on ${threads} threads`).toBe(true);
      }
    }
  });

  it('turns a NaN input into NaN outputs within its tile only', () => {
    internal.conv2dWinograd('always');
    const g = geometryOf({ name: 'nan', x: [1, 12, 12, 4], k: [3, 3, 4, 5], padding: 'same' });
    const x = randomArray(12 * 12 * 4, 5);
    x[(5 * 12 + 6) * 4 + 2] = Number.NaN; // pixel (5, 6): outputs rows 4-6, columns 5-7 read it
    const w = randomArray(9 * 4 * 5, 6);
    const y = new Float32Array(12 * 12 * 5);
    native.conv2dForward(x, w, null, y, g.native, UnaryOp.linear, 0);
    for (let r = 0; r < 12; r++)
      for (let c = 0; c < 12; c++) {
        const nan = Number.isNaN(y[(r * 12 + c) * 5]);
        if (r >= 4 && r <= 6 && c >= 5 && c <= 7) expect(nan, `output (${r}, ${c}) reads the NaN`).toBe(true);
        // Output tile (ty, tx) reads input rows 4 * ty - 1 + [0, 6) and likewise columns: only tile (1, 1), outputs
        // rows and columns 4-7, reads pixel (5, 6). Outputs outside it stay finite.
        if (r < 4 || r > 7 || c < 4 || c > 7) expect(nan, `output (${r}, ${c}) outside the tile`).toBe(false);
      }
  });

  it('gives gradients that match finite differences (conv2d, and with bias and tanh, on the Winograd path)', () => {
    internal.conv2dWinograd('always');
    const x = randomTensor([2, 6, 7, 16], 11);
    const k = randomTensor([3, 3, 16, 16], 12, -0.5, 0.5);
    const b = randomTensor([16], 13);
    const g = geometryOf({ name: 'grad', x: [2, 6, 7, 16], k: [3, 3, 16, 16], padding: 'same' });
    expect(internal.conv2dPlan(g.native)).toMatchObject({ forward: 'winograd', backwardInput: 'winograd', backwardFilter: 'winograd' });
    // tanh rather than relu: central differences straddling relu's kink at 0 are off by design.
    const options = { maxPoints: 40 };
    gradCheck((p, q) => tn.conv2d(p, q, 1, 'valid'), [x, k], options);
    gradCheck((p, q, r) => conv2dFused(p, q, r, [1, 1], 'same', [1, 1], UnaryOp.tanh, 0), [x, k, b], options);
  });

  it('rejects an unknown mode with a clear error', () => {
    expect(() => internal.conv2dWinograd('sometimes' as 'auto')).toThrow(
      /conv2dWinograd: argument 1 \(mode\) must be 'auto', 'always' or 'never', received 'sometimes'/,
    );
    expect(() => internal.conv2dWinograd(3 as unknown as 'auto')).toThrow(/conv2dWinograd: argument 1 \(mode\) must be/);
  });
});
