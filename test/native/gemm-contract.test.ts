// The gemm binding's full contract, beyond what matMul uses: offsets, leading dimensions wider than a row, batch
// strides (0 shares an operand), beta (0 must ignore whatever C holds, NaN included), and the bias + activation
// epilogue. Checked against a float64 reference on sizes around the microkernel blocks.
import { describe, expect, it } from 'vitest';
import { native, UnaryOp } from '../../lib/native.js';
import { rng } from '../helpers/gradcheck.js';

interface Problem {
  ta: boolean;
  tb: boolean;
  batch: number;
  m: number;
  n: number;
  k: number;
  beta: number;
  bias: boolean;
  activation: UnaryOp;
  shareB: boolean;
}

const activations: Record<number, (v: number) => number> = {
  [UnaryOp.linear]: (v) => v,
  [UnaryOp.relu]: (v) => Math.max(0, v),
  [UnaryOp.tanh]: Math.tanh,
};

function run(p: Problem, seed: number): void {
  const next = rng(seed);
  const rand = (len: number) => Float32Array.from({ length: len }, () => next() * 2 - 1);
  const [ar, ac] = p.ta ? [p.k, p.m] : [p.m, p.k];
  const [br, bc] = p.tb ? [p.n, p.k] : [p.k, p.n];
  // Leading dimensions wider than a row, operands starting at an offset, and gaps between batch items.
  const lda = ac + 3;
  const ldb = bc + 1;
  const ldc = p.n + 2;
  const offA = 5;
  const offB = 2;
  const offC = 7;
  const strideA = ar * lda + 4;
  const strideB = p.shareB ? 0 : br * ldb + 1;
  const strideC = p.m * ldc + 3;
  const a = rand(offA + (p.batch - 1) * strideA + ar * lda);
  const b = rand(offB + (p.shareB ? 0 : (p.batch - 1) * strideB) + br * ldb);
  const c = rand(offC + (p.batch - 1) * strideC + p.m * ldc);
  if (p.beta === 0) for (let i = 0; i < c.length; i++) if (i % 3 === 0) c[i] = NaN;
  const c0 = c.slice();
  const bias = p.bias ? rand(p.n) : null;
  native.gemm(p.ta, p.tb, p.batch, p.m, p.n, p.k, a, offA, lda, strideA, b, offB, ldb, strideB, p.beta, c, offC, ldc, strideC, bias, p.activation, 0);

  const act = activations[p.activation];
  const written = new Uint8Array(c.length);
  for (let t = 0; t < p.batch; t++) {
    for (let i = 0; i < p.m; i++) {
      for (let j = 0; j < p.n; j++) {
        let s = 0;
        for (let q = 0; q < p.k; q++) {
          const av = a[offA + t * strideA + (p.ta ? q * lda + i : i * lda + q)];
          const bv = b[offB + t * strideB + (p.tb ? j * ldb + q : q * ldb + j)];
          s += av * bv;
        }
        const at = offC + t * strideC + i * ldc + j;
        if (p.beta !== 0) s += p.beta * c0[at];
        if (bias) s += bias[j];
        const want = act(s);
        written[at] = 1;
        if (!(Math.abs(c[at] - want) <= 1e-4 * Math.max(1, Math.abs(want)))) {
          expect.fail(`${JSON.stringify(p)}: C[${t}][${i}][${j}] is ${c[at]}, expected ${want}`);
        }
      }
    }
  }
  // Nothing outside the output matrices may change (padding columns, gaps, the offset).
  for (let i = 0; i < c.length; i++) {
    if (!written[i] && !Object.is(c[i], c0[i])) expect.fail(`${JSON.stringify(p)}: C[${i}] outside the output changed`);
  }
}

describe('gemm binding', () => {
  it('offsets, wide leading dimensions, batch strides, beta and the epilogue on odd sizes', () => {
    let seed = 1;
    for (const [m, n, k] of [[1, 1, 1], [3, 17, 9], [17, 5, 33], [8, 16, 16], [33, 31, 7], [65, 40, 130]]) {
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
        for (const beta of [0, 1, 0.5]) {
          run({ ta, tb, batch: 2, m, n, k, beta, bias: beta !== 1, activation: beta === 0.5 ? UnaryOp.tanh : UnaryOp.relu, shareB: (m + n) % 2 === 0 }, seed++);
        }
      }
    }
  });

  it('k = 0 gives beta * C plus the epilogue', () => {
    run({ ta: false, tb: false, batch: 3, m: 4, n: 5, k: 0, beta: 0, bias: true, activation: UnaryOp.linear, shareB: false }, 99);
    run({ ta: true, tb: true, batch: 1, m: 4, n: 5, k: 0, beta: 0.5, bias: false, activation: UnaryOp.relu, shareB: true }, 98);
  });

  it('large products on the blocked and threaded path', () => {
    run({ ta: false, tb: false, batch: 1, m: 150, n: 170, k: 300, beta: 0, bias: true, activation: UnaryOp.linear, shareB: false }, 5);
    run({ ta: true, tb: true, batch: 2, m: 97, n: 130, k: 257, beta: 1, bias: false, activation: UnaryOp.linear, shareB: true }, 6);
  });
});
