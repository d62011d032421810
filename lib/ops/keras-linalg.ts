// The dense solvers of Keras 3's keras.ops.linalg for tn.ops: inv, solve, solveTriangular, det, cholesky (and
// logdet from it). Each square matrix of the leading batch is factored in float64 (LU with partial pivoting, or
// Cholesky) and the result rounded once to float32, so a float32 answer loses only what the matrix's conditioning
// costs. The gradients are the standard matrix-calculus rules, written with these same ops and matMul.
import { record } from '../autograd/tape.js';
import { fmt } from '../shape-util.js';
import { empty, Tensor, type TensorLike } from '../tensor.js';
import { add, log, mul, neg } from './elementwise.js';
import { matMul } from './matmul.js';
import { sum } from './reduce.js';
import { reshape, transpose } from './shape.js';
import { diagonal, tril, triu } from './numpy.js';
import { f32, floatArg } from './util.js';

/** Swaps the last two axes (the matrix transpose of a batch). */
function mT(t: Tensor): Tensor {
  const perm = t.shape.map((_, i) => i);
  [perm[t.rank - 2], perm[t.rank - 1]] = [perm[t.rank - 1], perm[t.rank - 2]];
  return transpose(t, perm);
}

function squareArg(x: TensorLike, op: string): { t: Tensor; n: number; count: number } {
  const t = floatArg(x, op);
  if (t.rank < 2 || t.shape[t.rank - 1] !== t.shape[t.rank - 2]) {
    throw new Error(`${op}: needs square matrices in the last two axes, received shape ${fmt(t.shape)}`);
  }
  const n = t.shape[t.rank - 1];
  return { t, n, count: n === 0 ? 0 : t.size / (n * n) };
}

/** LU with partial pivoting of the n x n row-major `a` (in place): returns the row order and the permutation's sign. */
function luFactor(a: Float64Array, n: number): { perm: Int32Array; sign: number; singular: boolean } {
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  let sign = 1;
  let singular = false;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i * n + k]) > Math.abs(a[p * n + k])) p = i;
    if (p !== k) {
      for (let j = 0; j < n; j++) [a[k * n + j], a[p * n + j]] = [a[p * n + j], a[k * n + j]];
      [perm[k], perm[p]] = [perm[p], perm[k]];
      sign = -sign;
    }
    const pivot = a[k * n + k];
    if (pivot === 0) { singular = true; continue; }
    for (let i = k + 1; i < n; i++) {
      const f = (a[i * n + k] /= pivot);
      if (f !== 0) for (let j = k + 1; j < n; j++) a[i * n + j] -= f * a[k * n + j];
    }
  }
  return { perm, sign, singular };
}

/** Solves LU x = P b for the k right-hand columns of the n x k row-major b; returns x (n x k). */
function luSolve(lu: Float64Array, perm: Int32Array, b: Float64Array, n: number, k: number): Float64Array {
  const x = new Float64Array(n * k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) x[i * k + j] = b[perm[i] * k + j];
  for (let i = 0; i < n; i++) for (let r = 0; r < i; r++) { const f = lu[i * n + r]; if (f !== 0) for (let j = 0; j < k; j++) x[i * k + j] -= f * x[r * k + j]; }
  for (let i = n - 1; i >= 0; i--) {
    for (let r = i + 1; r < n; r++) { const f = lu[i * n + r]; if (f !== 0) for (let j = 0; j < k; j++) x[i * k + j] -= f * x[r * k + j]; }
    for (let j = 0; j < k; j++) x[i * k + j] /= lu[i * n + i];
  }
  return x;
}

function singularError(op: string, shape: readonly number[], m: number): Error {
  return new Error(`${op}: matrix ${m} of the batch of shape ${fmt(shape)} is singular`);
}

/** The inverse of each square matrix in the last two axes. Gradient -Y^T dY Y^T. A singular matrix is an error. */
export function inv(x: TensorLike): Tensor {
  const { t, n, count } = squareArg(x, 'inv');
  const out = empty(t.shape.slice());
  const src = f32(t);
  const dst = f32(out);
  const eye = new Float64Array(n * n);
  for (let i = 0; i < n; i++) eye[i * n + i] = 1;
  for (let m = 0; m < count; m++) {
    const a = Float64Array.from(src.subarray(m * n * n, (m + 1) * n * n));
    const { perm, singular } = luFactor(a, n);
    if (singular) throw singularError('inv', t.shape, m);
    dst.set(luSolve(a, perm, eye, n, n), m * n * n);
  }
  return record(out, 'inv', [t], (dy) => [neg(matMul(matMul(out, dy, true, false), out, false, true))]);
}

/**
 * Solves a x = b for each square a in the last two axes: b is [..., n, k] (columns) or [..., n] (one vector), with
 * the batch axes of a. Gradients: db = solve(a^T, dx), da = -db x^T.
 */
export function solve(a: TensorLike, b: TensorLike): Tensor {
  const { t, n, count } = squareArg(a, 'solve');
  const rhs = floatArg(b, 'solve');
  const vector = rhs.rank === t.rank - 1;
  const batch = t.shape.slice(0, -2);
  const bBatch = rhs.shape.slice(0, vector ? -1 : -2);
  if ((!vector && rhs.rank !== t.rank) || bBatch.length !== batch.length || bBatch.some((d, i) => d !== batch[i]) || rhs.shape[t.rank - 2] !== n) {
    throw new Error(`solve: b must be [..., ${n}, k] or [..., ${n}] with a's batch axes, received shape ${fmt(rhs.shape)} for a of shape ${fmt(t.shape)}`);
  }
  const k = vector ? 1 : rhs.shape[rhs.rank - 1];
  const out = empty(rhs.shape.slice());
  const as = f32(t);
  const bs = f32(rhs);
  const xs = f32(out);
  for (let m = 0; m < count; m++) {
    const lu = Float64Array.from(as.subarray(m * n * n, (m + 1) * n * n));
    const { perm, singular } = luFactor(lu, n);
    if (singular) throw singularError('solve', t.shape, m);
    xs.set(luSolve(lu, perm, Float64Array.from(bs.subarray(m * n * k, (m + 1) * n * k)), n, k), m * n * k);
  }
  return record(out, 'solve', [t, rhs], (dx, needs) => {
    const db = solve(mT(t), dx);
    const col = (u: Tensor) => (vector ? reshape(u, [...u.shape, 1]) : u);
    return [needs[0] ? neg(matMul(col(db), col(out), false, true)) : null, needs[1] ? db : null];
  });
}

/**
 * Solves a x = b for triangular a (lower, or upper when lower is false; the other triangle is not read), b as in
 * solve. Gradients: db = solveTriangular(a^T, dx, !lower), da = -db x^T restricted to a's triangle.
 */
export function solveTriangular(a: TensorLike, b: TensorLike, lower = false): Tensor {
  if (typeof lower !== 'boolean') throw new Error(`solveTriangular: lower must be true or false, received ${JSON.stringify(lower)}`);
  const { t } = squareArg(a, 'solveTriangular');
  // The triangle alone, so the solve and its gradient both ignore the other half as the op promises.
  const tri = lower ? tril(t) : triu(t);
  const d = diagonal(tri, 0, -2, -1);
  if (Array.from(d.values).some((v) => v === 0)) throw new Error(`solveTriangular: a zero on the diagonal of a (shape ${fmt(t.shape)}) makes it singular`);
  return solve(tri, b);
}

/** The determinant of each square matrix in the last two axes. Gradient dy * det * inv(a)^T. */
export function det(x: TensorLike): Tensor {
  const { t, n, count } = squareArg(x, 'det');
  const out = empty(t.shape.slice(0, -2));
  const src = f32(t);
  for (let m = 0; m < count; m++) {
    const a = Float64Array.from(src.subarray(m * n * n, (m + 1) * n * n));
    const { sign } = luFactor(a, n);
    let d = sign;
    for (let i = 0; i < n; i++) d *= a[i * n + i];
    out.values[m] = d;
  }
  if (n === 0) out.values.fill(1);
  return record(out, 'det', [t], (dy) => {
    const g = reshape(mul(dy, out), [...out.shape, 1, 1]);
    return [mul(g, mT(inv(t)))];
  });
}

/**
 * The lower Cholesky factor L (a = L L^T) of each symmetric positive-definite matrix, reading a's lower triangle.
 * Gradient (Murray, 2016): with P = Phi(L^T dL) (the lower triangle, diagonal halved), dA = sym(L^-T P L^-1), where
 * sym(M) = (M + M^T) / 2: the gradient with respect to a symmetric a, as TensorFlow's and PyTorch's. Not positive
 * definite is an error.
 */
export function cholesky(x: TensorLike): Tensor {
  const { t, n, count } = squareArg(x, 'cholesky');
  const out = empty(t.shape.slice(), 'float32', true);
  const src = f32(t);
  const dst = f32(out);
  for (let m = 0; m < count; m++) {
    const base = m * n * n;
    const l = new Float64Array(n * n);
    for (let j = 0; j < n; j++) {
      let s = src[base + j * n + j];
      for (let k = 0; k < j; k++) s -= l[j * n + k] * l[j * n + k];
      if (!(s > 0)) throw new Error(`cholesky: matrix ${m} of the batch of shape ${fmt(t.shape)} is not positive definite`);
      const ljj = Math.sqrt(s);
      l[j * n + j] = ljj;
      for (let i = j + 1; i < n; i++) {
        let v = src[base + i * n + j];
        for (let k = 0; k < j; k++) v -= l[i * n + k] * l[j * n + k];
        l[i * n + j] = v / ljj;
      }
    }
    dst.set(l, base);
  }
  return record(out, 'cholesky', [t], (dl) => {
    const s = matMul(out, tril(dl), true, false);
    const p = add(tril(s, -1), mul(triu(tril(s)), 0.5));
    const linv = inv(out);
    const g = matMul(matMul(linv, p, true, false), linv);
    return [mul(add(g, mT(g)), 0.5)];
  });
}

/** log(det(a)) of symmetric positive-definite matrices, from their Cholesky factor: 2 sum(log(diag(L))). */
export function logdet(x: TensorLike): Tensor {
  const l = cholesky(x);
  return mul(sum(log(diagonal(l, 0, -2, -1)), -1), 2);
}
