// TF.js's tf.sparse: sparseFillEmptyRows and sparseReshape (index bookkeeping of a sparse tensor given as indices,
// values and a dense shape), and sparseSegmentSum / sparseSegmentMean (sums of gathered rows by sorted segment),
// which are gather and unsortedSegmentSum, so differentiable in the data.
import { div } from '../ops/elementwise.js';
import { gather, reshape, unsortedSegmentSum } from '../ops/shape.js';
import { fmt } from '../shape-util.js';
import { isStringTensor, Tensor, tensor, toTensor, type TensorLike } from '../tensor.js';

function ints(x: TensorLike, op: string, what: string, rank: number): Tensor {
  const t = toTensor(x, op, 'int32');
  if (isStringTensor(t) || t.rank !== rank) throw new Error(`${op}: ${what} must be an int32 tensor of rank ${rank}, received shape ${fmt(t.shape)}`);
  if (t.dtype !== 'int32' && !Array.from(t.values).every(Number.isInteger)) throw new Error(`${op}: ${what} must be integers`);
  return t;
}

/**
 * TF.js's sparse.sparseFillEmptyRows(indices, values, denseShape, defaultValue): the sparse tensor with an entry
 * [row, 0, ...] = defaultValue added for each row that has none, entries ordered by row (their order within a row
 * kept). Returns { outputIndices, outputValues, emptyRowIndicator (int32 0 / 1 per row), reverseIndexMap (each
 * input entry's position in the output) }.
 */
export function sparseFillEmptyRows(indices: TensorLike, values: TensorLike, denseShape: TensorLike, defaultValue: number | TensorLike): { outputIndices: Tensor; outputValues: Tensor; emptyRowIndicator: Tensor; reverseIndexMap: Tensor } {
  const op = 'sparse.sparseFillEmptyRows';
  const idx = ints(indices, op, 'indices', 2);
  const v = toTensor(values, op);
  const shape = ints(denseShape, op, 'denseShape', 1);
  const def = toTensor(defaultValue, op, v.dtype);
  if (isStringTensor(v) || v.rank !== 1 || v.shape[0] !== idx.shape[0]) throw new Error(`${op}: values must be a vector of ${idx.shape[0]} (one per index), received shape ${fmt(v.shape)}`);
  if (def.size !== 1) throw new Error(`${op}: defaultValue must be a scalar, received shape ${fmt(def.shape)}`);
  const [n, rank] = idx.shape;
  if (shape.shape[0] !== rank) throw new Error(`${op}: denseShape must have ${rank} dimensions (indices' columns), received shape ${fmt(shape.shape)}`);
  const rows = shape.values[0];
  const iv = idx.values;
  const count = new Array<number>(rows).fill(0);
  for (let i = 0; i < n; i++) {
    const r = iv[i * rank];
    if (r < 0 || r >= rows) throw new Error(`${op}: indices[${i}] has row ${r}, outside [0, ${rows}) of denseShape ${fmt(Array.from(shape.values))}`);
    count[r]++;
  }
  // Each row's first output slot, with one slot for an empty row's default entry.
  const start = new Array<number>(rows + 1).fill(0);
  for (let r = 0; r < rows; r++) start[r + 1] = start[r] + Math.max(count[r], 1);
  const total = start[rows];
  const outIdx = new Int32Array(total * rank);
  const outVal = v.dtype === 'int32' ? new Int32Array(total) : new Float32Array(total);
  const filled = new Array<number>(rows).fill(0);
  const reverse = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const r = iv[i * rank];
    const o = start[r] + filled[r]++;
    outIdx.set(iv.subarray(i * rank, (i + 1) * rank), o * rank);
    outVal[o] = v.values[i];
    reverse[i] = o;
  }
  const empty = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    if (count[r] > 0) continue;
    empty[r] = 1;
    outIdx[start[r] * rank] = r;
    outVal[start[r]] = def.values[0];
  }
  return {
    outputIndices: tensor(outIdx, [total, rank], 'int32'), outputValues: tensor(outVal, [total], v.dtype),
    emptyRowIndicator: tensor(empty, [rows], 'int32'), reverseIndexMap: tensor(reverse, [n], 'int32'),
  };
}

/**
 * TF.js's sparse.sparseReshape(inputIndices, inputShape, newShape): the indices of the same sparse tensor in a new
 * dense shape (one dimension may be -1, inferred). Returns { outputIndices, outputShape }.
 */
export function sparseReshape(inputIndices: TensorLike, inputShape: TensorLike, newShape: TensorLike): { outputIndices: Tensor; outputShape: Tensor } {
  const op = 'sparse.sparseReshape';
  const idx = ints(inputIndices, op, 'inputIndices', 2);
  const from = Array.from(ints(inputShape, op, 'inputShape', 1).values);
  const to = Array.from(ints(newShape, op, 'newShape', 1).values);
  const [n, rank] = idx.shape;
  if (from.length !== rank) throw new Error(`${op}: inputShape must have ${rank} dimensions (inputIndices' columns), received ${fmt(from)}`);
  const size = from.reduce((p, d) => p * d, 1);
  const unknown = to.flatMap((d, i) => (d === -1 ? [i] : []));
  if (unknown.length > 1 || to.some((d) => d < -1)) throw new Error(`${op}: newShape ${fmt(to)} may have one -1 and no other negative size`);
  const known = to.reduce((p, d) => (d === -1 ? p : p * d), 1);
  if (unknown.length) {
    if (known === 0 || size % known !== 0) throw new Error(`${op}: cannot infer the -1 of newShape ${fmt(to)} for ${size} elements (inputShape ${fmt(from)})`);
    to[unknown[0]] = size / known;
  } else if (known !== size) {
    throw new Error(`${op}: newShape ${fmt(to)} holds ${known} elements, inputShape ${fmt(from)} ${size}`);
  }
  const stride = (shape: number[]) => shape.map((_, a) => shape.slice(a + 1).reduce((p, d) => p * d, 1));
  const [sf, st] = [stride(from), stride(to)];
  const out = new Int32Array(n * to.length);
  const iv = idx.values;
  for (let i = 0; i < n; i++) {
    let flat = 0;
    for (let a = 0; a < rank; a++) flat += iv[i * rank + a] * sf[a];
    for (let a = 0; a < to.length; a++) {
      out[i * to.length + a] = Math.floor(flat / st[a]);
      flat %= st[a];
    }
  }
  return { outputIndices: tensor(out, [n, to.length], 'int32'), outputShape: tensor(Int32Array.from(to), [to.length], 'int32') };
}

function segments(op: string, data: TensorLike, indices: TensorLike, segmentIds: TensorLike): { rows: Tensor; ids: Tensor; count: number } {
  const d = toTensor(data, op);
  if (isStringTensor(d) || d.rank < 1) throw new Error(`${op}: data must be a numeric tensor of rank 1 or more, received shape ${fmt(d.shape)}`);
  const idx = ints(indices, op, 'indices', 1);
  const ids = ints(segmentIds, op, 'segmentIds', 1);
  if (idx.shape[0] !== ids.shape[0]) throw new Error(`${op}: indices and segmentIds must have one length, received ${idx.shape[0]} and ${ids.shape[0]}`);
  const iv = idx.values;
  const sv = ids.values;
  for (let i = 0; i < iv.length; i++) {
    if (iv[i] < 0 || iv[i] >= d.shape[0]) throw new Error(`${op}: indices[${i}] = ${iv[i]} is outside [0, ${d.shape[0]}) for data of shape ${fmt(d.shape)}`);
    if (sv[i] < 0 || (i > 0 && sv[i] < sv[i - 1])) throw new Error(`${op}: segmentIds must be non-negative and sorted, received ${sv[i]} at ${i}${i > 0 ? ` after ${sv[i - 1]}` : ''}`);
  }
  return { rows: gather(d, idx, 0), ids, count: sv.length ? sv[sv.length - 1] + 1 : 0 };
}

/** TF.js's sparse.sparseSegmentSum(data, indices, segmentIds): output[s] = sum of data[indices[i]] over i with segmentIds[i] = s. */
export function sparseSegmentSum(data: TensorLike, indices: TensorLike, segmentIds: TensorLike): Tensor {
  const { rows, ids, count } = segments('sparse.sparseSegmentSum', data, indices, segmentIds);
  return unsortedSegmentSum(rows, ids, count);
}

/** TF.js's sparse.sparseSegmentMean(data, indices, segmentIds): the mean of each segment's rows (0 for an empty segment). */
export function sparseSegmentMean(data: TensorLike, indices: TensorLike, segmentIds: TensorLike): Tensor {
  const op = 'sparse.sparseSegmentMean';
  const { rows, ids, count } = segments(op, data, indices, segmentIds);
  if (rows.dtype !== 'float32') throw new Error(`${op}: data must be float32, received ${rows.dtype}`);
  const sizes = new Float32Array(count);
  for (const s of ids.values) sizes[s]++;
  const sums = unsortedSegmentSum(rows, ids, count);
  return div(sums, reshape(tensor(sizes.map((c) => Math.max(c, 1)), [count]), [count, ...rows.shape.slice(1).map(() => 1)]));
}
