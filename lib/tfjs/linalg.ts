// TF.js's tf.linalg: bandPart, gramSchmidt and qr. All three are
// compositions of tensornode's ops, so they have gradients; qr is TF.js's Householder algorithm step for step, so
// that its signs (R's diagonal) are TF.js's. tensornode's linear-algebra solvers (inv, solve, cholesky, ...) are
// Keras 3's, in tn.ops.
import { div, greater, mul, neg, sub, where } from '../ops/elementwise.js';
import { norm } from '../ops/linalg.js';
import { matMul } from '../ops/matmul.js';
import { sum } from '../ops/reduce.js';
import { concat, reshape, slice, stack, transpose, unstack } from '../ops/shape.js';
import { fmt } from '../shape-util.js';
import { eye, isStringTensor, Tensor, tensor, toTensor, type TensorLike } from '../tensor.js';

function floatInput(x: TensorLike, op: string): Tensor {
  const t = toTensor(x, op);
  if (isStringTensor(t)) throw new Error(`${op}: received a string tensor of shape ${fmt(t.shape)}`);
  return t.dtype === 'float32' ? t : t.cast('float32');
}

function bandWidth(v: number | TensorLike, what: string, limit: number): number {
  const n = typeof v === 'number' ? v : toTensor(v, 'linalg.bandPart').values[0];
  if (!Number.isInteger(n)) throw new Error(`linalg.bandPart: ${what} must be an integer (negative keeps the whole triangle), received ${JSON.stringify(v)}`);
  if (n > limit) throw new Error(`linalg.bandPart: ${what} (${n}) must be at most ${limit}, the matrix's size`);
  return n;
}

/**
 * TF.js's linalg.bandPart(a, numLower, numUpper): each innermost matrix [..., M, N] with the entries more than
 * numLower below or numUpper above the diagonal zeroed (a negative count keeps that whole triangle):
 * bandPart(a, -1, 0) is the lower triangle, bandPart(a, 0, 0) the diagonal.
 */
export function bandPart(a: TensorLike, numLower: number | TensorLike, numUpper: number | TensorLike): Tensor {
  const op = 'linalg.bandPart';
  const t = toTensor(a, op);
  if (isStringTensor(t)) throw new Error(`${op}: received a string tensor of shape ${fmt(t.shape)}`);
  if (t.rank < 2) throw new Error(`${op}: a must have rank 2 or more ([..., M, N]), received shape ${fmt(t.shape)}`);
  const [m, n] = t.shape.slice(-2);
  const lower = bandWidth(numLower, 'numLower', m);
  const upper = bandWidth(numUpper, 'numUpper', n);
  const keep = new Int32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) keep[i * n + j] = (lower < 0 || i - j <= lower) && (upper < 0 || j - i <= upper) ? 1 : 0;
  }
  return where(tensor(keep, [m, n], 'int32'), t, 0);
}

/**
 * TF.js's linalg.gramSchmidt(xs): the rows of a matrix [n, d] (or a list of vectors) made orthonormal in order, by
 * classical Gram-Schmidt; the result has the input's form.
 */
export function gramSchmidt(xs: Tensor[] | Tensor): Tensor[] | Tensor {
  const op = 'linalg.gramSchmidt';
  const asList = Array.isArray(xs);
  if (asList && xs.length === 0) throw new Error(`${op}: received an empty list of vectors`);
  let rows: Tensor[];
  if (asList) rows = xs.map((x) => floatInput(x, op));
  else {
    const m = floatInput(xs, op);
    if (m.rank !== 2) throw new Error(`${op}: xs must be a matrix [n, d] or a list of vectors, received shape ${fmt(m.shape)}`);
    rows = unstack(m, 0);
  }
  if (rows.length === 0) throw new Error(`${op}: needs at least one vector, received none`);
  const dim = rows[0].shape[0];
  rows.forEach((r, k) => {
    if (r.rank !== 1 || r.shape[0] !== dim) throw new Error(`${op}: every vector must have shape [${dim}], vector ${k} has ${fmt(r.shape)}`);
  });
  if (rows.length > dim) throw new Error(`${op}: ${rows.length} vectors of dimension ${dim} cannot be orthonormal (at most ${dim})`);
  const ys: Tensor[] = [];
  for (const x0 of rows) {
    let x = x0;
    for (const y of ys) x = sub(x, mul(sum(mul(y, x0)), y));
    ys.push(div(x, norm(x, 'euclidean')));
  }
  return asList ? ys : stack(ys, 0);
}

function qr2d(x: Tensor, fullMatrices: boolean): [Tensor, Tensor] {
  const [m, n] = x.shape;
  let q = eye(m);
  let r = x;
  const one = tensor([[1]]);
  const iters = Math.min(m, n);
  for (let j = 0; j < iters; j++) {
    // The Householder reflection that zeroes column j below the diagonal, applied to R and accumulated into Q.
    const column = slice(r, [j, j], [m - j, 1]);
    const columnNorm = norm(column, 'euclidean');
    const rjj = slice(r, [j, j], [1, 1]);
    const s = where(greater(rjj, 0), tensor([[-1]]), tensor([[1]]));
    const u1 = sub(rjj, mul(s, columnNorm));
    const wPre = div(column, u1);
    const w = wPre.shape[0] === 1 ? one : concat([one, slice(wPre, [1, 0], [wPre.shape[0] - 1, 1])], 0);
    const tau = neg(div(matMul(s, u1), columnNorm));
    const rBelow = slice(r, [j, 0], [m - j, n]);
    const tauW = mul(tau, w);
    const rNew = sub(rBelow, matMul(tauW, matMul(w, rBelow, true)));
    r = j === 0 ? rNew : concat([slice(r, [0, 0], [j, n]), rNew], 0);
    const qRight = slice(q, [0, j], [m, q.shape[1] - j]);
    const qNew = sub(qRight, matMul(matMul(qRight, w), transpose(tauW)));
    q = j === 0 ? qNew : concat([slice(q, [0, 0], [m, j]), qNew], 1);
  }
  if (!fullMatrices && m > n) return [slice(q, [0, 0], [m, n]), slice(r, [0, 0], [n, n])];
  return [q, r];
}

/**
 * TF.js's linalg.qr(x, fullMatrices = false): [q, r] with x = q r for each innermost matrix [..., M, N], q with
 * orthonormal columns ([M, min(M, N)], or [M, M] with fullMatrices) and r upper triangular, by Householder
 * reflections as TF.js computes them.
 */
export function qr(x: TensorLike, fullMatrices = false): [Tensor, Tensor] {
  const op = 'linalg.qr';
  const t = floatInput(x, op);
  if (t.rank < 2) throw new Error(`${op}: x must have rank 2 or more ([..., M, N]), received shape ${fmt(t.shape)}`);
  if (typeof fullMatrices !== 'boolean') throw new Error(`${op}: fullMatrices must be true or false, received ${JSON.stringify(fullMatrices)}`);
  if (t.rank === 2) return qr2d(t, fullMatrices);
  const [m, n] = t.shape.slice(-2);
  const lead = t.shape.slice(0, -2);
  const parts = unstack(reshape(t, [-1, m, n]), 0).map((a) => qr2d(a, fullMatrices));
  const qs = stack(parts.map((p) => p[0]), 0);
  const rs = stack(parts.map((p) => p[1]), 0);
  return [reshape(qs, [...lead, ...qs.shape.slice(1)]), reshape(rs, [...lead, ...rs.shape.slice(1)])];
}
