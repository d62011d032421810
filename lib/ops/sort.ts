// Ordering along an axis: topk (TF.js), sort and argsort (Keras's ops). The values' gradient flows back to the
// positions they were picked from.
import { record } from '../autograd/tape.js';
import { fmt, normalizeAxis } from '../shape-util.js';
import { empty, Tensor, type TensorLike } from '../tensor.js';
import { transpose } from './shape.js';
import { toTensor } from './util.js';

/**
 * For each row of `n` values, the positions of its first k values in order: descending (largest first) or ascending.
 * Equal values keep their index order (ties go to the lower index, as TensorFlow's top_k); NaN ranks above every
 * number, so it comes first in descending order and last in ascending order, as numpy's sort.
 */
function orderRows(v: ArrayLike<number>, rows: number, n: number, k: number, descending: boolean): Int32Array {
  const out = new Int32Array(rows * k);
  const idx = new Array<number>(n);
  const sign = descending ? -1 : 1;
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    for (let i = 0; i < n; i++) idx[i] = i;
    idx.sort((i, j) => {
      const a = v[base + i];
      const b = v[base + j];
      const an = a !== a;
      const bn = b !== b;
      if (an || bn) return an && bn ? i - j : (an ? 1 : -1) * sign;
      return a === b ? i - j : (a < b ? -1 : 1) * sign;
    });
    for (let i = 0; i < k; i++) out[r * k + i] = idx[i];
  }
  return out;
}

/**
 * values[r, i] = x[r, order[r, i]] over the last axis, with the gradient scattered back to the picked positions.
 * Returns the values and the indices as an int32 tensor.
 */
function pick(t: Tensor, order: Int32Array, k: number, op: string): { values: Tensor; indices: Tensor } {
  const n = t.shape[t.rank - 1];
  const rows = n === 0 ? 0 : t.size / n;
  const shape = [...t.shape.slice(0, -1), k];
  const values = empty(shape.slice(), t.dtype);
  const indices = empty(shape.slice(), 'int32');
  const src = t.values;
  const dst = values.values;
  indices.values.set(order);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < k; i++) dst[r * k + i] = src[r * n + order[r * k + i]];
  }
  if (t.dtype !== 'float32') return { values, indices };
  record(values, op, [t], (dy) => {
    const g = empty(t.shape.slice(), 'float32', true);
    const gv = g.values;
    const dv = dy.values;
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < k; i++) gv[r * n + order[r * k + i]] += dv[r * k + i];
    }
    return [g];
  });
  return { values, indices };
}

function lastAxisArg(x: TensorLike, op: string): Tensor {
  const t = toTensor(x, op);
  if (t.rank === 0) throw new Error(`${op}: needs a tensor of rank at least 1, received a scalar`);
  return t;
}

/**
 * The k largest values along the last axis and their indices (TF.js's topk): values keep x's dtype, indices are
 * int32, both of shape [..., k], largest first. Ties go to the lower index, as TensorFlow. `sorted` is accepted for
 * TF.js's signature; the result is always sorted (TensorFlow leaves the order unspecified when it is false).
 */
export function topk(x: TensorLike, k = 1, sorted = true): { values: Tensor; indices: Tensor } {
  const t = lastAxisArg(x, 'topk');
  const n = t.shape[t.rank - 1];
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k > n) {
    throw new Error(`topk: k must be an integer from 0 to the last dimension (${n}) of shape ${fmt(t.shape)}, received k=${String(k)}`);
  }
  if (typeof sorted !== 'boolean') throw new Error(`topk: sorted must be true or false, received ${JSON.stringify(sorted)}`);
  const rows = n === 0 ? 0 : t.size / n;
  return pick(t, orderRows(t.values, rows, n, k, true), k, 'topk');
}

/** Runs `f` on x with `axis` moved last, and moves the result's last axis back. */
function alongAxis(t: Tensor, axis: number, op: string, f: (u: Tensor) => Tensor): Tensor {
  const a = normalizeAxis(axis, t.rank, op);
  if (a === t.rank - 1) return f(t);
  const perm = t.shape.map((_, i) => i).filter((i) => i !== a);
  perm.push(a);
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => (inverse[p] = i));
  return transpose(f(transpose(t, perm)), inverse);
}

function ascending(u: Tensor, op: string): { values: Tensor; indices: Tensor } {
  const n = u.shape[u.rank - 1];
  const rows = n === 0 ? 0 : u.size / n;
  return pick(u, orderRows(u.values, rows, n, n, false), n, op);
}

/** x sorted in ascending order along `axis` (Keras's ops.sort; last axis by default). NaN sorts last. */
export function sort(x: TensorLike, axis = -1): Tensor {
  const t = lastAxisArg(x, 'sort');
  return alongAxis(t, axis, 'sort', (u) => ascending(u, 'sort').values);
}

/** The int32 indices that sort x in ascending order along `axis` (Keras's ops.argsort); ties keep index order. */
export function argsort(x: TensorLike, axis = -1): Tensor {
  const t = lastAxisArg(x, 'argsort');
  return alongAxis(t, axis, 'argsort', (u) => ascending(u, 'argsort').indices);
}
