// The bfloat16 GEMM and convolutions (native/gemm/gemm_bf16.h, native/conv_bf16.h) on the ISA path
// TENSORNODE_MAX_ISA selects: vdpbf16ps on avx512 (this machine has AVX512_BF16), the emulation (operands rounded
// into float32 copies, then sgemm) on avx2 and scalar. Every path must compute the same thing: the product of the
// operands rounded to bfloat16, summed in float32. Two bounds follow:
// - against a float64 reference of the *rounded* operands, only float32 summation error remains (products of two
//   bfloat16 values are exact in float32): the tight bound of the float32 GEMM tests (1e-5 of sum |a'b'|);
// - against a float64 reference of the operands as given, each product a'b' is off by at most
//   (1 + 2^-8)^2 - 1 < 2^-7 + 2^-15 of |ab| (rounding to 8 significant bits errs by at most half an ulp, 2^-8
//   relative), so the result is within (2^-7 + 2^-15) sum |ab| plus the float32 summation error.
// And a check that the rounding happens at all: the results must miss the unrounded reference's tight bound.
import { describe, expect, it } from 'vitest';
import { native, UnaryOp } from '../../lib/native.js';
import { expectClose, geometryOf, randomArray, refBackwardFilter, refBackwardInput, refForward, type ConvCase } from '../helpers/conv-reference.js';

/** x rounded to bfloat16 as the kernels round it: to nearest even, NaN kept, denormals flushed to signed zero. */
function bf16(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer);
  let v = u[0];
  if ((v & 0x7f800000) === 0x7f800000 && (v & 0x007fffff) !== 0) v = (v | 0x00400000) & 0xffff0000;
  else if ((v & 0x7f800000) === 0) v &= 0x80000000;
  else v = ((v + 0x7fff + ((v >>> 16) & 1)) & 0xffff0000) >>> 0;
  u[0] = v >>> 0;
  return f[0];
}
const rounded = (a: Float32Array): Float32Array => a.map(bf16);

const bf16Slope = (2 ** -7 + 2 ** -15) / 1e-5;

interface Case {
  ta?: boolean;
  tb?: boolean;
  m: number;
  n: number;
  k: number;
  beta?: number;
  bias?: boolean;
  activation?: UnaryOp;
  seed?: number;
}

function activate(op: UnaryOp, x: number): number {
  if (op === UnaryOp.relu) return x > 0 ? x : 0;
  if (op === UnaryOp.sigmoid) return 1 / (1 + Math.exp(-x));
  return x;
}

/** C (m x n) = op(A) op(B) (+ beta C0, + bias, activation) in float64, and sum |terms|. */
function reference(c: Case, a: Float32Array, b: Float32Array, c0: Float32Array, bias: Float32Array | null) {
  const { m, n, k } = c;
  const ta = c.ta ?? false, tb = c.tb ?? false, beta = c.beta ?? 0;
  const y = new Float64Array(m * n);
  const mag = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = beta ? beta * c0[i * n + j] : 0;
      let g = Math.abs(s);
      for (let p = 0; p < k; p++) {
        const t = (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
        s += t;
        g += Math.abs(t);
      }
      if (bias) s += bias[j];
      y[i * n + j] = activate(c.activation ?? UnaryOp.linear, s);
      mag[i * n + j] = g;
    }
  return { y, mag };
}

function run(c: Case, a: Float32Array, b: Float32Array, c0: Float32Array, bias: Float32Array | null): Float32Array {
  const out = c0.slice();
  native.gemmBf16(c.ta ?? false, c.tb ?? false, c.m, c.n, c.k, a, (c.ta ? c.m : c.k) || 1, b, (c.tb ? c.k : c.n) || 1,
    c.beta ?? 0, out, c.n, bias, c.activation ?? UnaryOp.linear, 0);
  return out;
}

function check(c: Case): void {
  const seed = c.seed ?? c.m * 131 + c.n * 17 + c.k;
  const a = randomArray(c.m * c.k, seed);
  const b = randomArray(c.k * c.n, seed + 1);
  const c0 = c.beta ? randomArray(c.m * c.n, seed + 2) : new Float32Array(c.m * c.n).fill(NaN);
  const bias = c.bias ? randomArray(c.n, seed + 3) : null;
  const got = run(c, a, b, c0, bias);
  const what = `${c.ta ? 'T' : 'N'}${c.tb ? 'T' : 'N'} ${c.m}x${c.n}x${c.k}`;
  const exact = reference(c, rounded(a), rounded(b), c0, bias);
  expectClose(got, exact.y, exact.mag, `${what} against the rounded operands`);
  const plain = reference(c, a, b, c0, bias);
  expectClose(got, plain.y, plain.mag, `${what} against the operands as given`, bf16Slope);
  if (c.k >= 8 && (c.activation ?? UnaryOp.linear) === UnaryOp.linear) {
    expect(() => expectClose(got, plain.y, plain.mag, what), `${what}: bfloat16 rounding visible`).toThrow();
  }
}

describe('gemmBf16', () => {
  // A product's sum starts from +0, so a rounded -0 shows as +0 in C.
  it('rounds operands to nearest even, keeps NaN and infinities, overflows to infinity, flushes denormals', () => {
    const values = [1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -8 + 2 ** -20, -(1 + 2 ** -8 + 2 ** -20), 3.4028234e38,
      -3.4028234e38, Infinity, -Infinity, NaN, 1e-40, -1e-40, 0, -0, 1.1754944e-38, 0.1, 65504];
    const expected = [1, 1 + 2 ** -6, 1 + 2 ** -7, -(1 + 2 ** -7), Infinity, -Infinity, Infinity, -Infinity, NaN,
      0, 0, 0, 0, Math.fround(1.1754944e-38), bf16(0.1), 65536];
    const a = Float32Array.from(values);
    const c = new Float32Array(values.length).fill(7);
    native.gemmBf16(false, false, values.length, 1, 1, a, 1, Float32Array.of(1), 1, 0, c, 1, null, UnaryOp.linear, 0);
    expect(Array.from(c)).toEqual(expected);
    expect(bf16(0.1)).toBe(0.10009765625);
  });

  it('matches float64 on every transpose and on edges that do not fill a register tile', () => {
    for (const ta of [false, true])
      for (const tb of [false, true])
        for (const [m, n, k] of [[1, 1, 1], [5, 16, 2], [12, 32, 3], [13, 33, 17], [37, 70, 64], [3, 1, 129]]) check({ ta, tb, m, n, k });
  });

  it('crosses k blocks with an odd remainder and n blocks wider than 512 columns', () => {
    check({ m: 7, n: 40, k: 1100 });
    check({ ta: true, m: 14, n: 20, k: 1025 });
    check({ tb: true, m: 9, n: 530, k: 33 });
  });

  it('accumulates into C with beta, never reads C with beta 0, and fuses bias and activation', () => {
    check({ m: 13, n: 35, k: 40, beta: 1 });
    check({ m: 13, n: 35, k: 40, beta: 0.5, bias: true });
    check({ m: 25, n: 47, k: 30, bias: true, activation: UnaryOp.relu });
    check({ tb: true, m: 25, n: 47, k: 30, bias: true, activation: UnaryOp.sigmoid });
  });

  it('splits work among threads by rows, by columns and by k, with the same results', () => {
    check({ m: 300, n: 64, k: 150 });
    check({ ta: true, m: 20, n: 600, k: 100 });
    check({ ta: true, m: 40, n: 30, k: 5000 });
    check({ m: 40, n: 30, k: 5000, bias: true, activation: UnaryOp.relu });
  });

  it('propagates NaN from an operand into its row and column only', () => {
    const m = 4, n = 5, k = 6;
    const a = randomArray(m * k, 1), b = randomArray(k * n, 2);
    a[1 * k + 2] = NaN;
    b[3 * n + 4] = NaN;
    const c = new Float32Array(m * n);
    native.gemmBf16(false, false, m, n, k, a, k, b, n, 0, c, n, null, UnaryOp.linear, 0);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) expect(Number.isNaN(c[i * n + j]), `C[${i}, ${j}]`).toBe(i === 1 || j === 4);
  });

  it('re-checks its arguments at the native boundary', () => {
    const c = new Float32Array(4);
    expect(() => native.gemmBf16(false, false, 2, 2, 3, new Float32Array(5), 3, new Float32Array(6), 2, 0, c, 2, null, UnaryOp.linear, 0))
      .toThrow(/gemmBf16.*\ba\b/);
    expect(() => native.gemmBf16(false, false, 2, 2, 3, new Float32Array(6), 3, new Float32Array(6), 2, 0, c, 2, new Float32Array(3), UnaryOp.linear, 0))
      .toThrow(/gemmBf16.*bias/);
    expect(() => native.gemmBf16(false, false, 2, 2, 3, new Float32Array(6), 2, new Float32Array(6), 2, 0, c, 2, null, UnaryOp.linear, 0))
      .toThrow(/gemmBf16.*leading dimension/);
  });
});

describe('conv2dBf16', () => {
  const cases: ConvCase[] = [
    { name: '3x3 valid', x: [2, 7, 6, 5], k: [3, 3, 5, 7] },
    { name: '3x3 same, bias', x: [2, 6, 6, 17], k: [3, 3, 17, 33], padding: 'same', bias: true },
    { name: '1x1', x: [3, 4, 5, 20], k: [1, 1, 20, 9], bias: true },
    { name: 'strided 5x5', x: [1, 11, 9, 3], k: [5, 5, 3, 4], strides: [2, 2], padding: 'same' },
    { name: 'dilated', x: [2, 9, 9, 4], k: [3, 3, 4, 6], dilations: [2, 2] },
  ];
  for (const c of cases) {
    it(`forward and both gradients match float64: ${c.name}`, () => {
      const g = geometryOf(c);
      const x = randomArray(g.n * g.h * g.w * g.c, 11);
      const w = randomArray(g.kh * g.kw * g.c * g.oc, 12);
      const bias = c.bias ? randomArray(g.oc, 13) : null;
      const dz = randomArray(g.n * g.oh * g.ow * g.oc, 14);
      const y = new Float32Array(dz.length).fill(NaN);
      native.conv2dBf16Forward(x, w, bias, y, g.native, UnaryOp.linear, 0);
      const fx = refForward(g, rounded(x), rounded(w), bias);
      expectClose(y, fx.y, fx.mag, `${c.name}: forward`);
      const f0 = refForward(g, x, w, bias);
      expectClose(y, f0.y, f0.mag, `${c.name}: forward, unrounded`, bf16Slope);
      const dx = new Float32Array(x.length).fill(NaN);
      native.conv2dBf16BackwardInput(dz, w, dx, g.native);
      const bx = refBackwardInput(g, rounded(dz), rounded(w));
      expectClose(dx, bx.dx, bx.mag, `${c.name}: input gradient`);
      const dw = new Float32Array(w.length).fill(NaN);
      native.conv2dBf16BackwardFilter(x, dz, dw, g.native);
      const bw = refBackwardFilter(g, rounded(x), rounded(dz));
      expectClose(dw, bw.dw, bw.mag, `${c.name}: filter gradient`);
    });
  }

  it('fuses bias and relu into the forward pass', () => {
    const c: ConvCase = { name: 'relu', x: [2, 5, 5, 8], k: [3, 3, 8, 16], padding: 'same', bias: true };
    const g = geometryOf(c);
    const x = randomArray(g.n * g.h * g.w * g.c, 21), w = randomArray(g.kh * g.kw * g.c * g.oc, 22), bias = randomArray(g.oc, 23);
    const y = new Float32Array(g.n * g.oh * g.ow * g.oc);
    native.conv2dBf16Forward(x, w, bias, y, g.native, UnaryOp.relu, 0);
    const r = refForward(g, rounded(x), rounded(w), bias);
    expectClose(y, r.y.map((v) => Math.max(0, v)), r.mag, 'relu forward');
  });

  it('re-checks its arguments at the native boundary', () => {
    const g = geometryOf({ name: 'c', x: [1, 4, 4, 2], k: [3, 3, 2, 3] });
    expect(() => native.conv2dBf16Forward(new Float32Array(31), new Float32Array(54), null, new Float32Array(12), g.native, UnaryOp.linear, 0))
      .toThrow(/conv2dBf16Forward.*\bx\b/);
    expect(() => native.conv2dBf16BackwardInput(new Float32Array(12), new Float32Array(54), new Float32Array(31), g.native))
      .toThrow(/conv2dBf16BackwardInput.*dx/);
    expect(() => native.conv2dBf16BackwardFilter(new Float32Array(32), new Float32Array(12), new Float32Array(53), g.native))
      .toThrow(/conv2dBf16BackwardFilter.*dKernel/);
  });
});
