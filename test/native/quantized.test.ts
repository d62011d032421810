// The int8 kernels (native/quantized.h) against references written from the definitions: the int32 sums exactly,
// the float32 and uint8 epilogues against float64, the convolution against a direct loop over its definition, the
// fused max pooling against pooling the convolution's codes, on both thread counts (this file runs once per ISA
// path), and the bindings' argument checks.
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { native } from '../../lib/native.js';

const threadCounts = [1, 2];
const defaultThreads = tn.backendInfo().threads;
afterAll(() => tn.setNumThreads(defaultThreads));

/** Deterministic pseudo-random integers in [lo, hi]. */
function ints(n: number, lo: number, hi: number, seed: number): number[] {
  let s = seed >>> 0 || 1;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + (s % (hi - lo + 1));
  });
}

function pack(w: Int8Array, k: number, n: number): Uint8Array {
  const packed = new Uint8Array(native.quantizedPackedBytes(k, n));
  native.quantizedPackWeights(w, k, n, packed);
  return packed;
}

interface Epilogue {
  aZero: number;
  weightSums: Int32Array;
  multiplier: Float32Array;
  bias: Float32Array | null;
  relu: boolean;
  outInvScale: number;
  outZero: number;
}

function epilogue(w: Int8Array, k: number, n: number, seed: number, relu: boolean, withBias: boolean): Epilogue {
  const weightSums = new Int32Array(n);
  for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) weightSums[j] += w[i * n + j];
  return {
    aZero: ints(1, 0, 255, seed)[0], weightSums,
    multiplier: Float32Array.from(ints(n, 1, 1000, seed + 1), (v) => v * 1e-5),
    bias: withBias ? Float32Array.from(ints(n, -1000, 1000, seed + 2), (v) => v * 1e-3) : null,
    relu, outInvScale: 37.5, outZero: ints(1, 0, 255, seed + 3)[0],
  };
}

/** float64 epilogue of one exact sum: z, and its uint8 code (round half to even, as the kernels round). */
function refEpilogue(acc: number, j: number, e: Epilogue): { z: number; code: number } {
  let z = (acc - e.aZero * e.weightSums[j]) * e.multiplier[j] + (e.bias ? e.bias[j] : 0);
  if (e.relu) z = Math.max(z, 0);
  const r = z * e.outInvScale;
  const f = Math.floor(r);
  const rounded = r - f === 0.5 ? (f % 2 === 0 ? f : f + 1) : Math.round(r);
  return { z, code: Math.min(255, Math.max(0, rounded + e.outZero)) };
}

function refMatmul(a: Uint8Array, w: Int8Array, m: number, n: number, k: number): Int32Array {
  const y = new Int32Array(m * n);
  for (let r = 0; r < m; r++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = 0; i < k; i++) s += a[r * k + i] * w[i * n + j];
      y[r * n + j] = s;
    }
  }
  return y;
}

function expectEpilogue(acc: Int32Array, n: number, e: Epilogue, yf: Float32Array, yq: Uint8Array): void {
  let worstFloat = 0;
  let worstCode = 0;
  for (let i = 0; i < acc.length; i++) {
    const { z, code } = refEpilogue(acc[i], i % n, e);
    worstFloat = Math.max(worstFloat, Math.abs(yf[i] - z) / Math.max(1, Math.abs(z)));
    worstCode = Math.max(worstCode, Math.abs(yq[i] - code));
  }
  // float32 rounding of the corrected sum and of the fma; a code may differ by one where z * outInvScale lies within
  // float32 rounding of a half.
  expect(worstFloat).toBeLessThan(2e-6);
  expect(worstCode).toBeLessThanOrEqual(1);
}

describe('int8 kernel path', () => {
  it('takes the path the ISA cap allows (VNNI on AVX-512 when the CPU has it)', () => {
    const isa = tn.backendInfo().isa;
    const path = native.quantizedPath();
    if (isa === 'scalar') expect(path).toBe('scalar');
    else if (isa === 'avx2') expect(path).toBe('avx2');
    else expect(['avx512-vnni', 'avx2']).toContain(path);
    if (isa === 'avx512' && /avx512_vnni/.test(cpuFlags())) expect(path).toBe('avx512-vnni');
  });
});

function cpuFlags(): string {
  return existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
}

describe.each(threadCounts)('quantizedMatmul on %i thread(s)', (threads) => {
  const shapes: [number, number, number][] = [
    [1, 1, 1], [1, 10, 5408], [7, 37, 23], [6, 32, 4], [13, 33, 64], [5, 17, 3], [64, 128, 130], [300, 48, 9], [2, 513, 31],
  ];
  it.each(shapes)('m=%i n=%i k=%i: exact int32 sums, float32 and uint8 epilogues', (m, n, k) => {
    tn.setNumThreads(threads);
    const seed = m * 1000 + n * 10 + k;
    // The extremes 255 x -127 / 127 included: the AVX2 path must not saturate where vpmaddubsw would.
    const a = Uint8Array.from(ints(m * k, 0, 255, seed), (v, i) => (i % 11 === 0 ? 255 : v));
    const w = Int8Array.from(ints(k * n, -127, 127, seed + 7), (v, i) => (i % 13 === 0 ? (i % 2 ? 127 : -127) : v));
    const packed = pack(w, k, n);
    const e = epilogue(w, k, n, seed, seed % 2 === 0, seed % 3 !== 0);
    const args = [e.aZero, e.weightSums, e.multiplier, e.bias, e.relu, e.outInvScale, e.outZero] as const;
    const acc = new Int32Array(m * n);
    native.quantizedMatmul(a, packed, m, n, k, ...args, acc);
    expect(acc).toEqual(refMatmul(a, w, m, n, k));
    const yf = new Float32Array(m * n);
    const yq = new Uint8Array(m * n);
    native.quantizedMatmul(a, packed, m, n, k, ...args, yf);
    native.quantizedMatmul(a, packed, m, n, k, ...args, yq);
    expectEpilogue(acc, n, e, yf, yq);
  });

  it('writes nothing for m = 0', () => {
    tn.setNumThreads(threads);
    const w = new Int8Array(12).fill(1);
    expect(() => native.quantizedMatmul(new Uint8Array(0), pack(w, 3, 4), 0, 4, 3, 0, new Int32Array(4), new Float32Array(4), null, false, 1, 0, new Float32Array(0))).not.toThrow();
  });
});

type Geometry = [number, number, number, number, number, number, number, number, number, number, number, number, number, number, number];

/** The native geometry of a convolution with explicit padding. */
function geometry(n: number, h: number, w: number, c: number, kh: number, kw: number, oc: number, stride: number, dilation: number, padTop: number, padLeft: number, padBottom = padTop, padRight = padLeft): Geometry {
  const oh = Math.floor((h + padTop + padBottom - dilation * (kh - 1) - 1) / stride) + 1;
  const ow = Math.floor((w + padLeft + padRight - dilation * (kw - 1) - 1) / stride) + 1;
  return [n, h, w, c, kh, kw, oc, oh, ow, stride, stride, dilation, dilation, padTop, padLeft];
}

function refConv(x: Uint8Array, w: Int8Array, g: Geometry, aZero: number): Int32Array {
  const [n, h, wd, c, kh, kw, oc, oh, ow, sh, sw, dh, dw, pt, pl] = g;
  const y = new Int32Array(n * oh * ow * oc);
  for (let b = 0; b < n; b++) for (let p = 0; p < oh; p++) for (let q = 0; q < ow; q++) for (let o = 0; o < oc; o++) {
    let s = 0;
    for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
      const hh = p * sh - pt + i * dh;
      const ww = q * sw - pl + j * dw;
      for (let ch = 0; ch < c; ch++) {
        const v = hh < 0 || hh >= h || ww < 0 || ww >= wd ? aZero : x[((b * h + hh) * wd + ww) * c + ch];
        s += v * w[((i * kw + j) * c + ch) * oc + o];
      }
    }
    y[((b * oh + p) * ow + q) * oc + o] = s;
  }
  return y;
}

function refMaxPool(x: Uint8Array, n: number, h: number, w: number, c: number, ph: number, pw: number, sh: number, sw: number, pt: number, pl: number, oh: number, ow: number): Uint8Array {
  const y = new Uint8Array(n * oh * ow * c);
  for (let b = 0; b < n; b++) for (let p = 0; p < oh; p++) for (let q = 0; q < ow; q++) for (let ch = 0; ch < c; ch++) {
    let m = 0;
    for (let i = 0; i < ph; i++) for (let j = 0; j < pw; j++) {
      const hh = p * sh - pt + i;
      const ww = q * sw - pl + j;
      if (hh >= 0 && hh < h && ww >= 0 && ww < w) m = Math.max(m, x[((b * h + hh) * w + ww) * c + ch]);
    }
    y[((b * oh + p) * ow + q) * c + ch] = m;
  }
  return y;
}

describe.each(threadCounts)('quantizedConv2d on %i thread(s)', (threads) => {
  const cases: [string, Geometry][] = [
    ['1 channel, 3x3 valid (the reference CNN)', geometry(3, 28, 28, 1, 3, 3, 32, 1, 1, 0, 0)],
    ['3 channels, same padding', geometry(2, 9, 11, 3, 3, 3, 17, 1, 1, 1, 1)],
    ['stride 2, odd sizes', geometry(2, 13, 10, 5, 3, 2, 40, 2, 1, 1, 0, 1, 1)],
    ['dilation 2', geometry(1, 12, 12, 6, 3, 3, 9, 1, 2, 2, 2)],
    ['1x1, one output channel', geometry(4, 5, 7, 33, 1, 1, 1, 1, 1, 0, 0)],
    ['32 channels (K = 288)', geometry(2, 10, 10, 32, 3, 3, 64, 1, 1, 0, 0)],
  ];
  it.each(cases)('%s: exact int32 sums with padding read as the zero point, float32 and uint8 epilogues', (_, g) => {
    tn.setNumThreads(threads);
    const [n, h, w, c, kh, kw, oc, oh, ow] = g;
    const seed = n * h * w + c * 31 + oc;
    const x = Uint8Array.from(ints(n * h * w * c, 0, 255, seed));
    const wq = Int8Array.from(ints(kh * kw * c * oc, -127, 127, seed + 5));
    const k = kh * kw * c;
    const packed = pack(wq, k, oc);
    const e = epilogue(wq, k, oc, seed, true, true);
    const args = [e.aZero, e.weightSums, e.multiplier, e.bias, e.relu, e.outInvScale, e.outZero] as const;
    const acc = new Int32Array(n * oh * ow * oc);
    native.quantizedConv2d(x, packed, g, ...args, acc);
    expect(acc).toEqual(refConv(x, wq, g, e.aZero));
    const yf = new Float32Array(acc.length);
    const yq = new Uint8Array(acc.length);
    native.quantizedConv2d(x, packed, g, ...args, yf);
    native.quantizedConv2d(x, packed, g, ...args, yq);
    expectEpilogue(acc, oc, e, yf, yq);

    // The fused max pooling gives exactly the pooled codes of the unfused convolution.
    for (const [ph, pw] of [[2, 2], [3, 2], [1, 1]]) {
      const qh = Math.floor(oh / ph);
      const qw = Math.floor(ow / pw);
      const pooled = new Uint8Array(n * qh * qw * oc);
      native.quantizedConv2dMaxPool(x, packed, g, ph, pw, ...args, pooled);
      expect(pooled).toEqual(refMaxPool(yq, n, oh, ow, oc, ph, pw, ph, pw, 0, 0, qh, qw));
    }
  });
});

describe.each(threadCounts)('uint8 helpers on %i thread(s)', (threads) => {
  it('maxPool2dUint8 matches the definition, padding and overlapping windows included', () => {
    tn.setNumThreads(threads);
    for (const [n, h, w, c, ph, pw, sh, sw, pt, pl] of [[2, 26, 26, 32, 2, 2, 2, 2, 0, 0], [1, 7, 5, 3, 3, 3, 2, 1, 1, 1], [3, 4, 4, 17, 2, 2, 1, 1, 0, 0]]) {
      const oh = Math.floor((h + 2 * pt - ph) / sh) + 1;
      const ow = Math.floor((w + 2 * pl - pw) / sw) + 1;
      const x = Uint8Array.from(ints(n * h * w * c, 0, 255, n + h + c));
      const y = new Uint8Array(n * oh * ow * c);
      native.maxPool2dUint8(x, y, [n, h, w, c, ph, pw, oh, ow, sh, sw, pt, pl]);
      expect(y).toEqual(refMaxPool(x, n, h, w, c, ph, pw, sh, sw, pt, pl, oh, ow));
    }
  });

  it('quantizeUint8 rounds half to even, saturates, and maps NaN to the zero point', () => {
    tn.setNumThreads(threads);
    const x = Float32Array.from([0, 0.5, 1.5, 2.5, -0.5, 100, -100, 1e30, -1e30, NaN, 0.26, 3.74]);
    const y = new Uint8Array(x.length);
    native.quantizeUint8(x, 2, 10, y);
    expect(Array.from(y)).toEqual([10, 11, 13, 15, 9, 210, 0, 255, 0, 10, 11, 17]);
    const big = Float32Array.from(ints(100_000, 0, 1000, 3), (v) => v / 1000);
    const q = new Uint8Array(big.length);
    native.quantizeUint8(big, 255, 0, q);
    expect(q.every((v, i) => Math.abs(v - big[i] * 255) <= 0.5 + 1e-4)).toBe(true);
    // Lengths that are not multiples of the vector width: the tail takes the same rounding.
    for (const n of [1, 7, 17, 33]) {
      const part = new Uint8Array(n);
      native.quantizeUint8(big.subarray(0, n), 255, 0, part);
      expect(part).toEqual(q.subarray(0, n));
    }
  });

  it('dequantizeUint8 gives scale * (q - zero) for every code', () => {
    tn.setNumThreads(threads);
    for (const n of [1, 15, 256, 70_001]) {
      const q = Uint8Array.from({ length: n }, (_, i) => (i * 7) % 256);
      const y = new Float32Array(n);
      native.dequantizeUint8(q, 0.0375, 131, y);
      expect(Array.from(y)).toEqual(Array.from(q, (v) => Math.fround(Math.fround(v - 131) * Math.fround(0.0375))));
    }
    expect(() => native.dequantizeUint8(new Uint8Array(3), 1, 0, new Float32Array(2))).toThrow(/dequantizeUint8: y has 2 elements, expected 3/);
  });
});

describe('int8 bindings check their arguments', () => {
  const w = Int8Array.from(ints(12, -127, 127, 1));
  const packed = pack(w, 3, 4);
  const sums = new Int32Array(4);
  const mult = new Float32Array(4).fill(1);
  it('rejects wrong types and lengths, naming the binding and the argument', () => {
    expect(() => native.quantizedPackWeights(new Uint8Array(12) as unknown as Int8Array, 3, 4, new Uint8Array(packed.length))).toThrow(/quantizedPackWeights: argument 1 \(w\) must be a Int8Array/);
    expect(() => native.quantizedPackWeights(w, 3, 5, new Uint8Array(packed.length))).toThrow(/quantizedPackWeights: w has 12 elements, expected 15/);
    expect(() => native.quantizedPackWeights(w, 3, 4, new Uint8Array(1))).toThrow(/packed has 1 elements/);
    expect(() => native.quantizedMatmul(new Uint8Array(6), packed, 2, 4, 3, 0, sums, mult, null, false, 1, 0, new Float32Array(7))).toThrow(/quantizedMatmul: y has 7 elements, expected 8/);
    expect(() => native.quantizedMatmul(new Uint8Array(5), packed, 2, 4, 3, 0, sums, mult, null, false, 1, 0, new Float32Array(8))).toThrow(/a has 5 elements, expected 6/);
    expect(() => native.quantizedMatmul(new Uint8Array(6), packed, 2, 4, 3, 256, sums, mult, null, false, 1, 0, new Float32Array(8))).toThrow(/aZero\) must be in \[0, 255\]/);
    expect(() => native.quantizedMatmul(new Uint8Array(6), packed, 2, 4, 3, 0, new Int32Array(3), mult, null, false, 1, 0, new Float32Array(8))).toThrow(/weightSums has 3 elements, expected 4/);
    expect(() => native.quantizedMatmul(new Uint8Array(6), packed, 2, 4, 3, 0, sums, mult, null, false, 0, 0, new Float32Array(8))).toThrow(/outInvScale\) must be positive/);
    expect(() => native.quantizedMatmul(new Uint8Array(6), packed, 2, 4, 3, 0, sums, mult, null, false, 1, 0, new Float64Array(8) as unknown as Float32Array)).toThrow(/y\) must be an Int32Array, Float32Array or Uint8Array/);
    expect(() => native.quantizedMatmul(new Uint8Array(6), new Uint8Array(packed.length + 1), 2, 4, 3, 0, sums, mult, null, false, 1, 0, new Float32Array(8))).toThrow(/packed has \d+ elements, expected \d+ \(quantizedPackedBytes/);
    expect(() => native.quantizedConv2d(new Uint8Array(10), packed, [1, 1, 1, 1, 1, 1, 4, 1, 1, 1, 1, 1, 1, 0, 0], 0, sums, mult, null, false, 1, 0, new Float32Array(4))).toThrow(/quantizedConv2d: x has 10 elements, expected 1/);
    expect(() => native.quantizedConv2d(new Uint8Array(1), packed, [1, 1, 1, 1, 0, 1, 4, 1, 1, 1, 1, 1, 1, 0, 0], 0, sums, mult, null, false, 1, 0, new Float32Array(4))).toThrow(/geometry.kh must be positive/);
    expect(() => native.maxPool2dUint8(new Uint8Array(4), new Uint8Array(1), [1, 2, 2, 1, 2, 2, 1, 1, 2, 2, 2, 0])).toThrow(/padding must be smaller than the pool window/);
    expect(() => native.quantizeUint8(new Float32Array(3), 1, 0, new Uint8Array(2))).toThrow(/quantizeUint8: y has 2 elements, expected 3/);
  });

  it('refuses an output that shares memory with an input', () => {
    const buf = new ArrayBuffer(64);
    const a = new Uint8Array(buf, 0, 6);
    const y = new Uint8Array(buf, 4, 8);
    expect(() => native.quantizedMatmul(a, packed, 2, 4, 3, 0, sums, mult, null, false, 1, 0, y)).toThrow(/y must not share memory with a/);
  });
});
