// sgemm against a float64 reference on the ISA path TENSORNODE_MAX_ISA selects: every transpose combination, edges
// that do not fill a register tile, strides and offsets, beta, the fused bias + activation epilogue, batches, the
// shapes of the reference CNN, and the thread splits (rows, columns, inner dimension).
import { afterAll, describe, expect, it } from 'vitest';
import { native, UnaryOp } from '../../lib/native.js';
import { rng } from '../helpers/gradcheck.js';

function randomArray(n: number, seed: number): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = r() - 0.5;
  return out;
}

function activate(op: UnaryOp, x: number, alpha: number): number {
  switch (op) {
    case UnaryOp.linear: return x;
    case UnaryOp.relu: return x > 0 ? x : 0;
    case UnaryOp.leakyRelu: return x < 0 ? alpha * x : x;
    case UnaryOp.sigmoid: return 1 / (1 + Math.exp(-x));
    case UnaryOp.tanh: return Math.tanh(x);
    default: throw new Error(`no reference for activation ${op}`);
  }
}

interface Case {
  ta?: boolean;
  tb?: boolean;
  m: number;
  n: number;
  k: number;
  beta?: number;
  lda?: number;
  ldb?: number;
  ldc?: number;
  aOffset?: number;
  bOffset?: number;
  cOffset?: number;
  batch?: number;
  strideA?: number;
  strideB?: number;
  strideC?: number;
  bias?: boolean;
  activation?: UnaryOp;
  alpha?: number;
  /** Fill C with NaN before the call (only meaningful with beta = 0, which must not read it). */
  nanC?: boolean;
  /** Check only these rows of every output (for products too large for a full float64 reference in JS). */
  rows?: number[];
  seed?: number;
}

/** Runs one (batched) product through the binding and checks it, and the untouched memory around it. */
function check(c: Case): void {
  const ta = c.ta ?? false, tb = c.tb ?? false, beta = c.beta ?? 0, batch = c.batch ?? 1;
  const { m, n, k } = c;
  const ar = ta ? k : m, ac = ta ? m : k, br = tb ? n : k, bc = tb ? k : n;
  const lda = c.lda ?? Math.max(ac, 1), ldb = c.ldb ?? Math.max(bc, 1), ldc = c.ldc ?? n;
  const aOff = c.aOffset ?? 0, bOff = c.bOffset ?? 0, cOff = c.cOffset ?? 0;
  const aSpan = ar > 0 && ac > 0 ? (ar - 1) * lda + ac : 0;
  const bSpan = br > 0 && bc > 0 ? (br - 1) * ldb + bc : 0;
  const cSpan = (m - 1) * ldc + n;
  const strideA = c.strideA ?? aSpan, strideB = c.strideB ?? bSpan, strideC = c.strideC ?? cSpan;
  const seed = c.seed ?? m * 7919 + n * 104729 + k * 1299709;
  const A = randomArray(aOff + (batch - 1) * strideA + aSpan + 3, seed + 1);
  const B = randomArray(bOff + (batch - 1) * strideB + bSpan + 3, seed + 2);
  const C = randomArray(cOff + (batch - 1) * strideC + cSpan + 3, seed + 3);
  if (c.nanC) C.fill(NaN);
  const C0 = C.slice();
  const bias = c.bias ? randomArray(n, seed + 4) : null;
  const act = c.activation ?? UnaryOp.linear, alpha = c.alpha ?? 0;

  native.gemm(ta, tb, batch, m, n, k, A, aOff, lda, strideA, B, bOff, ldb, strideB, beta, C, cOff, ldc, strideC,
    bias, act, alpha);

  const tol = 1e-4 * Math.sqrt(Math.max(k, 1));
  const written = new Uint8Array(C.length);
  const rows = (c.rows ?? Array.from({ length: m }, (_, i) => i)).filter((i) => i < m);
  for (let t = 0; t < batch; t++) {
    const a0 = aOff + t * strideA, b0 = bOff + t * strideB, c0 = cOff + t * strideC;
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) written[c0 + i * ldc + j] = 1;
    for (const i of rows) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const av = ta ? A[a0 + p * lda + i] : A[a0 + i * lda + p];
          const bv = tb ? B[b0 + j * ldb + p] : B[b0 + p * ldb + j];
          s += av * bv;
        }
        if (beta !== 0) s += beta * C0[c0 + i * ldc + j];
        if (bias) s += bias[j];
        const want = activate(act, s, alpha);
        const got = C[c0 + i * ldc + j];
        if (!(Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)))) {
          throw new Error(`C[${t}][${i}, ${j}] = ${got}, expected ${want} (${JSON.stringify(c)})`);
        }
      }
    }
  }
  for (let x = 0; x < C.length; x++) {
    if (!written[x] && !Object.is(C[x], C0[x])) throw new Error(`wrote outside C at ${x} (${JSON.stringify(c)})`);
  }
}

const defaultThreads = native.backendInfo().threads;
afterAll(() => native.setNumThreads(defaultThreads));

// Odd sizes straddle every register tile (12x32, 6x16, 4x8) and vector width; 1 is the degenerate edge.
const shapes: [number, number, number][] = [
  [1, 1, 1], [4, 5, 3], [1, 37, 5], [37, 1, 5], [7, 9, 13], [8, 32, 16], [9, 33, 17], [17, 31, 65],
  [31, 47, 300], [65, 70, 5], [3, 200, 2], [130, 129, 257], [6, 16, 1], [13, 48, 40], [12, 32, 16], [25, 65, 19], [20, 140, 7],
];

describe(`gemm on ${native.backendInfo().isa}`, () => {
  for (const ta of [false, true]) {
    for (const tb of [false, true]) {
      it(`matches the reference for transposeA=${ta}, transposeB=${tb}`, () => {
        shapes.forEach(([m, n, k], idx) => check({ ta, tb, m, n, k, beta: [0, 1, 0.5][idx % 3] }));
      });
    }
  }

  it('never reads C when beta is 0 (NaN garbage is overwritten)', () => {
    for (const [m, n, k] of [[5, 7, 3], [40, 70, 33], [300, 32, 9], [9, 32, 3000], [32, 300, 200]]) {
      for (const ta of [false, true]) for (const tb of [false, true]) check({ ta, tb, m, n, k, beta: 0, nanC: true });
    }
  });

  it('with k = 0 gives beta * C, then the epilogue', () => {
    check({ m: 5, n: 7, k: 0, beta: 0, nanC: true });
    check({ m: 5, n: 7, k: 0, beta: 0, nanC: true, bias: true, activation: UnaryOp.relu });
    check({ m: 6, n: 9, k: 0, beta: 0.5, bias: true, activation: UnaryOp.sigmoid });
    check({ m: 3, n: 4, k: 0, beta: 1, ldc: 6 });
  });

  it('honours leading dimensions larger than the row and offsets, leaving the gaps untouched', () => {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        check({ ta, tb, m: 13, n: 35, k: 21, lda: 40, ldb: 50, ldc: 41, aOffset: 3, bOffset: 5, cOffset: 7, beta: 0.5 });
        check({ ta, tb, m: 70, n: 300, k: 260, lda: 333, ldb: 301, ldc: 310, aOffset: 1, bOffset: 2, cOffset: 3 });
        check({ ta, tb, m: 300, n: 20, k: 9, lda: 300, ldb: 300, ldc: 33, cOffset: 1, beta: 1 });
      }
    }
  });

  it('runs batches, including a shared operand (stride 0)', () => {
    check({ batch: 3, m: 9, n: 17, k: 11 });
    check({ batch: 4, m: 9, n: 17, k: 11, strideA: 0, beta: 0.5 });
    check({ batch: 4, m: 9, n: 17, k: 11, strideB: 0, ta: true, tb: true });
    check({ batch: 5, m: 33, n: 40, k: 64, strideB: 0, bias: true, activation: UnaryOp.relu, ldc: 45, strideC: 33 * 45 + 2 });
    check({ batch: 2, m: 130, n: 150, k: 140, strideA: 0, tb: true });
    check({ batch: 16, m: 64, n: 64, k: 64, ta: true });
  });

  it('fuses bias and activation into the store', () => {
    const acts: [UnaryOp, number][] = [
      [UnaryOp.relu, 0], [UnaryOp.sigmoid, 0], [UnaryOp.leakyRelu, 0.1], [UnaryOp.tanh, 0], [UnaryOp.linear, 0],
    ];
    for (const [activation, alpha] of acts) {
      for (const [m, n, k] of [[7, 9, 13], [33, 70, 300], [300, 32, 9], [9, 32, 3000], [32, 300, 64]]) {
        check({ m, n, k, bias: true, activation, alpha });
        check({ m, n, k, bias: false, activation, alpha, ta: true, beta: 0.5 });
        check({ m, n, k, bias: true, activation, alpha, tb: true, beta: 1, ldc: n + 3 });
      }
    }
  });

  it('computes a transposed output when B is transposed and C has few rows (dY Wᵀ)', () => {
    for (const ta of [false, true]) {
      check({ ta, tb: true, m: 32, n: 700, k: 128 });
      check({ ta, tb: true, m: 20, n: 333, k: 90, beta: 0.5, bias: true, activation: UnaryOp.leakyRelu, alpha: 0.3 });
      check({ ta, tb: true, m: 47, n: 1030, k: 300, beta: 1, ldc: 1041, lda: 310, ldb: 305, cOffset: 2 });
      check({ ta, tb: true, m: 16, n: 260, k: 40, nanC: true, bias: true, activation: UnaryOp.sigmoid });
    }
  });

  it('keeps NaN through relu', () => {
    const a = new Float32Array([NaN, 1, 2, 3]);
    const b = new Float32Array([1, 1, 1, 1]);
    const c = new Float32Array(4);
    native.gemm(false, false, 1, 2, 2, 2, a, 0, 2, 0, b, 0, 2, 0, 0, c, 0, 2, 0, null, UnaryOp.relu, 0);
    expect(Number.isNaN(c[0])).toBe(true);
    expect(Number.isNaN(c[1])).toBe(true);
    expect(Array.from(c.slice(2))).toEqual([5, 5]);
  });

  for (const threads of [1, 2]) {
    it(`computes the reference CNN's shapes on ${threads} thread(s)`, () => {
      native.setNumThreads(threads);
      const sample = (m: number) => Array.from({ length: 24 }, (_, i) => Math.floor((i * (m - 1)) / 23));
      check({ m: 32, n: 128, k: 5408, bias: true, activation: UnaryOp.relu }); // Dense forward
      check({ ta: true, m: 5408, n: 128, k: 32, rows: sample(5408) }); // dW = X^T dY
      check({ tb: true, m: 32, n: 5408, k: 128 }); // dX = dY W^T
      check({ m: 21632, n: 32, k: 9, bias: true, activation: UnaryOp.relu, rows: sample(21632) }); // conv forward
      check({ ta: true, m: 9, n: 32, k: 21632 }); // conv filter gradient
      check({ ta: true, m: 9, n: 32, k: 21632, beta: 1, nanC: false, seed: 5 }); // accumulated over chunks
      check({ m: 256, n: 128, k: 5408, bias: true, rows: sample(256) }); // inference Dense
      check({ m: 173056, n: 32, k: 9, bias: true, activation: UnaryOp.relu, rows: sample(173056) }); // inference conv
    });

    it(`splits large and skinny products across ${threads} thread(s) correctly`, () => {
      native.setNumThreads(threads);
      const sample = Array.from({ length: 16 }, (_, i) => i * 68 + 3);
      check({ m: 1024, n: 1024, k: 1024, rows: sample });
      check({ ta: true, tb: true, m: 1030, n: 1100, k: 700, beta: 0.5, rows: sample });
      check({ m: 700, n: 4200, k: 300, tb: true, bias: true, activation: UnaryOp.sigmoid, rows: sample });
      check({ m: 3, n: 5, k: 60000, ta: true, beta: 0.5, bias: true, activation: UnaryOp.leakyRelu, alpha: 0.2 });
      check({ m: 40, n: 9, k: 20000, tb: true, beta: 0, nanC: true });
      check({ m: 20, n: 2000, k: 500, beta: 1 });
    });
  }

  // m = 1 with B not transposed takes the row kernel (B swept a row at a time); its widths are 256 (avx512) and 64
  // (avx2, scalar) columns, and B of 8 MB or more gets a second thread: columns split when each thread gets 128 or
  // more, else k split into sums added in a fixed order.
  for (const threads of [1, 2]) {
    it(`computes one row of C (batch-1 Dense) on ${threads} thread(s): every width, epilogue, stride and split`, () => {
      native.setNumThreads(threads);
      for (const n of [1, 7, 16, 17, 63, 64, 65, 200, 256, 257, 511, 600]) {
        check({ m: 1, n, k: 37, beta: [0, 1, 0.5][n % 3] });
        check({ m: 1, n, k: 5, bias: true, activation: UnaryOp.relu, nanC: true });
      }
      for (const [activation, alpha] of [[UnaryOp.sigmoid, 0], [UnaryOp.leakyRelu, 0.2], [UnaryOp.tanh, 0]] as [UnaryOp, number][]) {
        check({ m: 1, n: 300, k: 90, bias: true, activation, alpha, beta: 0.5 });
      }
      check({ m: 1, n: 70, k: 40, ta: true, lda: 9, aOffset: 2 }); // op(A) is a column of A: read with stride lda
      check({ m: 1, n: 100, k: 33, ldb: 130, bOffset: 3, cOffset: 4, beta: 1 });
      check({ batch: 3, m: 1, n: 40, k: 50, strideB: 0, bias: true, activation: UnaryOp.relu });
      // 8 MB of B: columns split (1 x 1024 x 2048), then k split (1 x 64 x 32768).
      check({ m: 1, n: 1024, k: 2048, bias: true, activation: UnaryOp.relu, beta: 0 });
      check({ m: 1, n: 1024, k: 2048, beta: 0.5, activation: UnaryOp.sigmoid });
      check({ m: 1, n: 64, k: 32768, bias: true, activation: UnaryOp.leakyRelu, alpha: 0.1, nanC: true });
      check({ m: 1, n: 64, k: 32768, beta: 0.5, ta: true, lda: 3 });
    });
  }

  it('gives the same row whatever the thread count and from call to call', () => {
    const k = 32768, n = 64;
    const a = randomArray(k, 1), b = randomArray(k * n, 2);
    const run = (threads: number) => {
      native.setNumThreads(threads);
      const c = new Float32Array(n);
      native.gemm(false, false, 1, 1, n, k, a, 0, k, 0, b, 0, n, 0, 0, c, 0, n, 0, null, UnaryOp.linear, 0);
      return c;
    };
    expect(run(2)).toEqual(run(2));
    expect(run(1)).toEqual(run(1));
  });

  it('rejects operands too short for their shape', () => {
    const a = new Float32Array(6), b = new Float32Array(6), c = new Float32Array(3);
    expect(() => native.gemm(false, false, 1, 2, 2, 3, a, 0, 3, 0, b, 0, 2, 0, 0, c, 0, 2, 0, null, 0, 0))
      .toThrow(/c has 3 elements, needs at least 4/);
    expect(() => native.gemm(false, false, 1, 2, 2, 3, a, 0, 2, 0, b, 0, 2, 0, 0, new Float32Array(4), 0, 2, 0, null, 0, 0))
      .toThrow(/leading dimension of a \(2\) is smaller than its row length 3/);
  });
});
