// Shape and indexing ops: reshape, flatten, transpose, expandDims, squeeze, slice, concat, stack, split, pad,
// gather, oneHot. Reshape-like ops are views (they share the buffer) and also take string tensors; the rest copy.
import { record } from '../autograd/tape.js';
import { checkDType } from '../dtype.js';
import { native } from '../native.js';
import { fmt, normalizeAxis, sizeOf, stridesOf } from '../shape-util.js';
import { checkNumber, empty, fromStrings, isStringTensor, maxTensorElements, Tensor, toInputTensor, type DataArray, type TensorLike } from '../tensor.js';
import { castTo, forEachBroadcast, toTensor, transposeInto } from './util.js';
import { broadcastTo } from './broadcast.js';

/** A view of x with another shape of the same size; one dimension may be -1 (inferred). */
export function reshape(x: TensorLike, shape: number[]): Tensor {
  const t = toInputTensor(x, 'reshape');
  if (!Array.isArray(shape)) throw new Error(`reshape: shape must be an array, received ${String(shape)}`);
  const s = shape.slice();
  const unknown = s.reduce((k, d, i) => (d === -1 ? [...k, i] : k), [] as number[]);
  if (unknown.length > 1) throw new Error(`reshape: only one dimension may be -1, received ${fmt(s)}`);
  for (const d of s) {
    if (!Number.isInteger(d) || d < -1) throw new Error(`reshape: dimensions must be non-negative integers or -1, received ${fmt(s)}`);
  }
  if (unknown.length === 1) {
    const known = sizeOf(s.filter((d) => d !== -1));
    if (known === 0 || t.size % known !== 0) {
      throw new Error(`reshape: cannot reshape a tensor of shape ${fmt(t.shape)} (${t.size} elements) into ${fmt(shape)}`);
    }
    s[unknown[0]] = t.size / known;
  }
  if (sizeOf(s) !== t.size) {
    throw new Error(`reshape: cannot reshape a tensor of shape ${fmt(t.shape)} (${t.size} elements) into ${fmt(shape)} (${sizeOf(s)} elements)`);
  }
  return view(t, s, 'reshape');
}

/** @internal A tensor sharing x's buffer under another shape, with the reshaping gradient. */
export function view(t: Tensor, shape: number[], name: string): Tensor {
  // Strings only change shape, as tf.reshape and tf.expand_dims take them (a text column batched to [N] and expanded
  // to [N, 1] for StringLookup); no gradient reaches them.
  if (isStringTensor(t)) return fromStrings(t._strings, shape);
  const out = new Tensor(t._storage, shape, t.dtype);
  return record(out, name, [t], (dy) => [view(dy, t.shape.slice(), name)]);
}

/** All elements in one axis: shape [size]. */
export function flatten(x: TensorLike): Tensor {
  const t = toInputTensor(x, 'flatten');
  return view(t, [t.size], 'flatten');
}

/** Permutes the axes (reverses them when perm is omitted). */
export function transpose(x: TensorLike, perm?: number[]): Tensor {
  const t = toTensor(x, 'transpose');
  const p = perm ?? t.shape.map((_, i) => t.rank - 1 - i);
  if (!Array.isArray(p) || p.length !== t.rank) {
    throw new Error(`transpose: perm ${JSON.stringify(perm)} must list each of the ${t.rank} axes of shape ${fmt(t.shape)} once`);
  }
  const resolved = p.map((a) => normalizeAxis(a, t.rank, 'transpose'));
  if (new Set(resolved).size !== t.rank) {
    throw new Error(`transpose: perm ${JSON.stringify(perm)} must list each of the ${t.rank} axes of shape ${fmt(t.shape)} once`);
  }
  if (resolved.every((a, i) => a === i)) return t;
  const out = empty(resolved.map((a) => t.shape[a]), t.dtype);
  transposeInto(t.values, t.shape, resolved, out.values);
  if (t.dtype !== 'float32') return out;
  const inverse = new Array<number>(t.rank);
  resolved.forEach((a, i) => (inverse[a] = i));
  return record(out, 'transpose', [t], (dy) => [transpose(dy, inverse)]);
}

/** Inserts a size-1 axis at `axis` (which may be rank, to append). */
export function expandDims(x: TensorLike, axis = 0): Tensor {
  const t = toInputTensor(x, 'expandDims');
  const a = normalizeAxis(axis, t.rank + 1, 'expandDims');
  const s = t.shape.slice();
  s.splice(a, 0, 1);
  return view(t, s, 'expandDims');
}

/** Removes size-1 axes (all of them, or those listed). */
export function squeeze(x: TensorLike, axis?: number | number[]): Tensor {
  const t = toInputTensor(x, 'squeeze');
  let drop: Set<number>;
  if (axis === undefined) {
    drop = new Set(t.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0));
  } else {
    const list = (Array.isArray(axis) ? axis : [axis]).map((a) => normalizeAxis(a, t.rank, 'squeeze'));
    for (const a of list) {
      if (t.shape[a] !== 1) throw new Error(`squeeze: axis ${a} of shape ${fmt(t.shape)} has size ${t.shape[a]}, not 1`);
    }
    drop = new Set(list);
  }
  return view(t, t.shape.filter((_, i) => !drop.has(i)), 'squeeze');
}

// ---------------------------------------------------------------------------------------------------------------
// Copying boxes between arrays

/**
 * Copies the box of `box` shape at `srcStart` in src into dst at `dstStart` (row-major arrays of the given shapes),
 * moving whole innermost runs at a time.
 */
function copyBox(
  src: DataArray, srcShape: readonly number[], srcStart: readonly number[],
  dst: DataArray, dstShape: readonly number[], dstStart: readonly number[], box: readonly number[],
): void {
  const rank = box.length;
  if (sizeOf(box) === 0) return;
  if (rank === 0) {
    dst[0] = src[0];
    return;
  }
  const ss = stridesOf(srcShape);
  const ds = stridesOf(dstShape);
  const run = box[rank - 1];
  const rows = sizeOf(box.slice(0, -1));
  const idx = new Array<number>(Math.max(0, rank - 1)).fill(0);
  let so = 0;
  let dof = 0;
  for (let d = 0; d < rank; d++) {
    so += srcStart[d] * ss[d];
    dof += dstStart[d] * ds[d];
  }
  for (let r = 0; r < rows; r++) {
    let s = so;
    let t = dof;
    for (let d = 0; d < rank - 1; d++) {
      s += idx[d] * ss[d];
      t += idx[d] * ds[d];
    }
    if (run > 16) {
      dst.set(src.subarray(s, s + run), t);
    } else {
      for (let j = 0; j < run; j++) dst[t + j] = src[s + j];
    }
    for (let d = rank - 2; d >= 0; d--) {
      if (++idx[d] < box[d]) break;
      idx[d] = 0;
    }
  }
}

function resolveBegin(t: Tensor, begin: number | number[], op: string): number[] {
  const b = typeof begin === 'number' ? [begin] : begin;
  if (!Array.isArray(b) || b.length > t.rank) throw new Error(`${op}: begin ${JSON.stringify(begin)} does not fit shape ${fmt(t.shape)}`);
  return t.shape.map((d, i) => {
    const v = b[i] ?? 0;
    if (!Number.isInteger(v) || v < 0 || v > d) throw new Error(`${op}: begin ${JSON.stringify(begin)} is out of range for shape ${fmt(t.shape)}`);
    return v;
  });
}

/**
 * The box of x starting at `begin` with extent `size` (-1 or omitted: to the end), as TensorFlow's slice.
 */
export function slice(x: TensorLike, begin: number | number[], size?: number | number[]): Tensor {
  const t = toTensor(x, 'slice');
  const b = resolveBegin(t, begin, 'slice');
  const sz = size === undefined ? [] : typeof size === 'number' ? [size] : size;
  if (!Array.isArray(sz) || sz.length > t.rank) throw new Error(`slice: size ${JSON.stringify(size)} does not fit shape ${fmt(t.shape)}`);
  const box = t.shape.map((d, i) => {
    const v = sz[i] ?? -1;
    const e = v === -1 ? d - b[i] : v;
    if (!Number.isInteger(e) || e < 0 || b[i] + e > d) {
      throw new Error(`slice: begin ${JSON.stringify(b)} and size ${JSON.stringify(size)} reach outside shape ${fmt(t.shape)}`);
    }
    return e;
  });
  const out = empty(box, t.dtype);
  copyBox(t.values, t.shape, b, out.values, box, box.map(() => 0), box);
  if (t.dtype !== 'float32') return out;
  return record(out, 'slice', [t], (dy) => {
    const g = empty(t.shape.slice(), 'float32', true);
    copyBox(dy.values, box, box.map(() => 0), g.values, t.shape, b, box);
    return [g];
  });
}

/** Joins tensors along an existing axis. */
export function concat(tensors: TensorLike[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new Error('concat: needs a non-empty array of tensors');
  let ts = tensors.map((x) => toTensor(x, 'concat'));
  const dtype = ts.every((t) => t.dtype === 'int32') ? 'int32' : 'float32';
  ts = ts.map((t) => castTo(t, dtype));
  const rank = ts[0].rank;
  if (rank === 0) throw new Error('concat: cannot concatenate scalars; use stack');
  const a = normalizeAxis(axis, rank, 'concat');
  for (const t of ts) {
    if (t.rank !== rank || t.shape.some((d, i) => i !== a && d !== ts[0].shape[i])) {
      throw new Error(`concat: shapes ${ts.map((u) => fmt(u.shape)).join(', ')} must match except along axis ${a}`);
    }
  }
  if (ts.length === 1) return ts[0];
  const shape = ts[0].shape.slice();
  shape[a] = ts.reduce((s, t) => s + t.shape[a], 0);
  const out = empty(shape, dtype);
  const offsets: number[] = [];
  let off = 0;
  for (const t of ts) {
    offsets.push(off);
    const start = shape.map((_, i) => (i === a ? off : 0));
    copyBox(t.values, t.shape, t.shape.map(() => 0), out.values, shape, start, t.shape);
    off += t.shape[a];
  }
  if (dtype !== 'float32') return out;
  return record(out, 'concat', ts, (dy, needs) =>
    ts.map((t, k) => {
      if (!needs[k]) return null;
      const g = empty(t.shape.slice());
      const start = shape.map((_, i) => (i === a ? offsets[k] : 0));
      copyBox(dy.values, shape, start, g.values, t.shape, t.shape.map(() => 0), t.shape);
      return g;
    }),
  );
}

/** Joins tensors of one shape along a new axis. */
export function stack(tensors: TensorLike[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new Error('stack: needs a non-empty array of tensors');
  const ts = tensors.map((x) => toTensor(x, 'stack'));
  for (const t of ts) {
    if (t.rank !== ts[0].rank || t.shape.some((d, i) => d !== ts[0].shape[i])) {
      throw new Error(`stack: all shapes must be equal, received ${ts.map((u) => fmt(u.shape)).join(', ')}`);
    }
  }
  const a = normalizeAxis(axis, ts[0].rank + 1, 'stack');
  return concat(ts.map((t) => expandDims(t, a)), a);
}

/** Splits along `axis` into n equal parts, or into parts of the listed sizes (one may be -1). */
export function split(x: TensorLike, numOrSizeSplits: number | number[], axis = 0): Tensor[] {
  const t = toTensor(x, 'split');
  const a = normalizeAxis(axis, t.rank, 'split');
  const d = t.shape[a];
  let sizes: number[];
  if (typeof numOrSizeSplits === 'number') {
    const n = numOrSizeSplits;
    if (!Number.isInteger(n) || n <= 0 || d % n !== 0) {
      throw new Error(`split: axis ${a} of shape ${fmt(t.shape)} (size ${d}) cannot be split into ${n} equal parts`);
    }
    sizes = new Array(n).fill(d / n);
  } else {
    if (!Array.isArray(numOrSizeSplits) || numOrSizeSplits.some((s) => !Number.isInteger(s) || s < -1)) {
      throw new Error(`split: numOrSizeSplits must be a positive integer or a list of sizes (non-negative integers, at most one -1), received ${JSON.stringify(numOrSizeSplits)}`);
    }
    sizes = numOrSizeSplits.slice();
    const unknown = sizes.filter((s) => s === -1).length;
    if (unknown > 1) throw new Error('split: at most one size may be -1');
    const known = sizes.filter((s) => s !== -1).reduce((p, s) => p + s, 0);
    if (unknown) sizes[sizes.indexOf(-1)] = d - known;
    if (sizes.some((s) => !Number.isInteger(s) || s < 0) || sizes.reduce((p, s) => p + s, 0) !== d) {
      throw new Error(`split: sizes ${JSON.stringify(numOrSizeSplits)} must add up to ${d}, the size of axis ${a} of shape ${fmt(t.shape)}`);
    }
  }
  const out: Tensor[] = [];
  let off = 0;
  for (const s of sizes) {
    out.push(slice(t, t.shape.map((_, i) => (i === a ? off : 0)), t.shape.map((e, i) => (i === a ? s : e))));
    off += s;
  }
  return out;
}

/** Pads with a constant: paddings[i] = [before, after] for axis i. */
export function pad(x: TensorLike, paddings: [number, number][], constantValue = 0): Tensor {
  const t = toTensor(x, 'pad');
  if (!Array.isArray(paddings) || paddings.length !== t.rank ||
      paddings.some((p) => !Array.isArray(p) || p.length !== 2 || p.some((v) => !Number.isInteger(v) || v < 0))) {
    throw new Error(`pad: paddings must be ${t.rank} pairs [before, after] of non-negative integers for shape ${fmt(t.shape)}, received ${JSON.stringify(paddings)}`);
  }
  if (typeof constantValue !== 'number') throw new Error(`pad: constantValue must be a number, received ${JSON.stringify(constantValue)}`);
  const shape = t.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]);
  const out = empty(shape, t.dtype);
  out.values.fill(constantValue);
  const start = paddings.map((p) => p[0]);
  copyBox(t.values, t.shape, t.shape.map(() => 0), out.values, shape, start, t.shape);
  if (t.dtype !== 'float32') return out;
  return record(out, 'pad', [t], (dy) => [slice(dy, start, t.shape)]);
}

function indexArg(indices: TensorLike, op: string): Int32Array {
  const t = toTensor(indices, op, 'int32');
  const v = t.values;
  if (t.dtype === 'int32') return v as Int32Array;
  const out = new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    if (!Number.isInteger(v[i])) throw new Error(`${op}: indices must be integers, received ${v[i]}`);
    out[i] = v[i];
  }
  return out;
}

/**
 * Rows of x picked along `axis` by integer indices: shape x.shape[:axis] + indices.shape[batchDims:] +
 * x.shape[axis+1:]. With batchDims b (TF.js's and TensorFlow's), the first b axes of x and indices are a batch
 * walked in step: batch element i picks from x[i] with indices[i] (a DQN's Q-value of each sample's own action is
 * gather(q, actions, 1, 1)).
 */
export function gather(x: TensorLike, indices: TensorLike, axis = 0, batchDims = 0): Tensor {
  const t = toTensor(x, 'gather');
  const it = toTensor(indices, 'gather', 'int32');
  const idx = indexArg(it, 'gather');
  const a = normalizeAxis(axis, t.rank, 'gather');
  if (typeof batchDims !== 'number' || !Number.isInteger(batchDims)) {
    throw new Error(`gather: batchDims must be an integer, received ${JSON.stringify(batchDims) ?? String(batchDims)}`);
  }
  const b = batchDims < 0 ? batchDims + it.rank : batchDims;
  if (b < 0 || b > it.rank || b > a) {
    throw new Error(`gather: batchDims ${batchDims} must be in [-${it.rank}, ${it.rank}] (the rank of indices, shape ${fmt(it.shape)}) and at most the axis, ${a}, for x of shape ${fmt(t.shape)}`);
  }
  for (let i = 0; i < b; i++) {
    if (t.shape[i] !== it.shape[i]) {
      throw new Error(`gather: with batchDims ${b}, the first ${b} axes of x and indices must agree, received shapes ${fmt(t.shape)} and ${fmt(it.shape)}`);
    }
  }
  const n = t.shape[a];
  for (let i = 0; i < idx.length; i++) {
    if (idx[i] < 0 || idx[i] >= n) {
      throw new Error(`gather: index ${idx[i]} is out of range for axis ${a} of shape ${fmt(t.shape)} (valid: 0 to ${n - 1})`);
    }
  }
  const batch = sizeOf(t.shape.slice(0, b));
  const outer = sizeOf(t.shape.slice(b, a));
  const inner = sizeOf(t.shape.slice(a + 1));
  const picks = sizeOf(it.shape.slice(b));
  const shape = [...t.shape.slice(0, a), ...it.shape.slice(b), ...t.shape.slice(a + 1)];
  const out = empty(shape, t.dtype);
  // One row gather per batch element, each over its own slice of x, of the indices and of the output.
  const xStep = outer * n * inner;
  const yStep = outer * picks * inner;
  const perBatch = <T extends Float32Array | Int32Array>(v: T, step: number, i: number): T => (batch === 1 ? v : (v.subarray(i * step, (i + 1) * step) as T));
  for (let i = 0; i < batch; i++) {
    native.gatherRows(perBatch(t.values, xStep, i), outer, n, inner, perBatch(idx, picks, i), perBatch(out.values, yStep, i));
  }
  if (t.dtype !== 'float32') return out;
  return record(out, 'gather', [t], (dy) => {
    // Scatter-add: repeated indices accumulate.
    const g = empty(t.shape.slice(), 'float32', true);
    for (let i = 0; i < batch; i++) {
      native.scatterAddRows(perBatch(dy.values as Float32Array, yStep, i), outer, n, inner, perBatch(idx, picks, i), perBatch(g.values as Float32Array, xStep, i));
    }
    return [g];
  });
}

/**
 * TF.js's unsortedSegmentSum(x, segmentIds, numSegments): row i of x (along axis 0) is added to row segmentIds[i] of
 * a [numSegments, ...x.shape[1:]] result. segmentIds is 1-D, one id per row; ids outside [0, numSegments) drop their
 * row, as TensorFlow does. The gradient gathers dy's rows back (0 for dropped rows).
 */
export function unsortedSegmentSum(x: TensorLike, segmentIds: TensorLike, numSegments: number): Tensor {
  const t = toTensor(x, 'unsortedSegmentSum');
  const it = toTensor(segmentIds, 'unsortedSegmentSum', 'int32');
  if (typeof numSegments !== 'number' || !Number.isInteger(numSegments) || numSegments < 0) {
    throw new Error(`unsortedSegmentSum: numSegments must be a non-negative integer, received ${JSON.stringify(numSegments) ?? String(numSegments)}`);
  }
  if (t.rank === 0) throw new Error('unsortedSegmentSum: x must have rank 1 or more, received a scalar');
  if (it.rank !== 1 || it.shape[0] !== t.shape[0]) {
    throw new Error(`unsortedSegmentSum: segmentIds must be 1-D with one id per row of x (shape [${t.shape[0]}]), received shape ${fmt(it.shape)} for x of shape ${fmt(t.shape)}`);
  }
  const ids = indexArg(it, 'unsortedSegmentSum');
  const inner = sizeOf(t.shape.slice(1));
  const out = empty([numSegments, ...t.shape.slice(1)], t.dtype, true);
  const xv = t.values;
  const ov = out.values;
  const isInt = t.dtype === 'int32';
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const from = i * inner;
    const to = s * inner;
    if (isInt) for (let j = 0; j < inner; j++) ov[to + j] = (ov[to + j] + xv[from + j]) | 0;
    else for (let j = 0; j < inner; j++) ov[to + j] += xv[from + j];
  }
  if (isInt) return out;
  return record(out, 'unsortedSegmentSum', [t], (dy) => {
    const g = empty(t.shape.slice(), 'float32', true);
    const dv = dy.values;
    const gv = g.values;
    for (let i = 0; i < ids.length; i++) {
      const s = ids[i];
      if (s < 0 || s >= numSegments) continue;
      for (let j = 0; j < inner; j++) gv[i * inner + j] = dv[s * inner + j];
    }
    return [g];
  });
}

/** One-hot encoding of integer indices along a new last axis of length depth (out-of-range rows are all off). */
export function oneHot(indices: TensorLike, depth: number, onValue = 1, offValue = 0, dtype: 'float32' | 'int32' = 'float32'): Tensor {
  if (typeof depth !== 'number' || !Number.isInteger(depth) || depth < 0) {
    throw new Error(`oneHot: depth must be a non-negative integer, received ${String(depth)}`);
  }
  checkDType(dtype, 'oneHot');
  checkNumber(onValue, 'oneHot', 'onValue');
  checkNumber(offValue, 'oneHot', 'offValue');
  const it = toTensor(indices, 'oneHot', 'int32');
  const idx = indexArg(it, 'oneHot');
  const out = empty([...it.shape, depth], dtype);
  const v = out.values;
  v.fill(offValue);
  for (let i = 0; i < idx.length; i++) {
    if (idx[i] >= 0 && idx[i] < depth) v[i * depth + idx[i]] = onValue;
  }
  return out;
}

/** Repeats x reps[i] times along axis i. */
export function tile(x: TensorLike, reps: number[]): Tensor {
  const t = toTensor(x, 'tile');
  if (!Array.isArray(reps) || reps.length !== t.rank || reps.some((r) => !Number.isInteger(r) || r < 0)) {
    throw new Error(`tile: reps must list a non-negative integer for each of the ${t.rank} axes of shape ${fmt(t.shape)}, received ${JSON.stringify(reps)}`);
  }
  const shape = t.shape.map((d, i) => d * reps[i]);
  // Checked up front: the copies are built step by step, and a product past what one buffer holds (2^31 elements
  // and beyond, past 2^53 in doubles) must fail here, naming tile, rather than after gigabytes of intermediates.
  if (sizeOf(shape) > maxTensorElements) {
    throw new Error(`cannot allocate a ${t.dtype} tensor of shape ${fmt(shape)}: its ${sizeOf(shape)} elements exceed the ${maxTensorElements} one buffer can hold (tile of shape ${fmt(t.shape)} by reps ${JSON.stringify(reps)})`);
  }
  if (sizeOf(shape) === 0) return empty(shape, t.dtype);
  let out = t;
  for (let a = 0; a < t.rank; a++) {
    if (reps[a] !== 1) out = repeatAlong(out, reps[a], a);
  }
  return out;
}

/** `r` copies of x joined along `axis`, by doubling: log2(r) concats instead of an array of r references. */
function repeatAlong(x: Tensor, r: number, axis: number): Tensor {
  let result: Tensor | null = null;
  let piece = x;
  for (let k = r; k > 0; k = Math.floor(k / 2)) {
    if (k % 2 === 1) result = result ? concat([result, piece], axis) : piece;
    if (k > 1) piece = concat([piece, piece], axis);
  }
  return result!;
}

/**
 * Repeats each element of x `repeats` times along `axis` (numpy's and Keras's repeat: [a, b] -> [a, a, b, b]), as
 * UpSampling1D/2D's nearest-neighbour upsampling uses it. Composed from a broadcast, so its gradient sums each run
 * of copies back onto the element it came from.
 */
export function repeat(x: TensorLike, repeats: number, axis: number): Tensor {
  const t = toTensor(x, 'repeat');
  if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`repeat: repeats must be a positive integer, received ${JSON.stringify(repeats)}`);
  const a = normalizeAxis(axis, t.rank, 'repeat');
  if (repeats === 1) return t;
  const expanded = t.shape.slice();
  expanded.splice(a + 1, 0, 1);
  const tiled = expanded.slice();
  tiled[a + 1] = repeats;
  const out = t.shape.slice();
  out[a] *= repeats;
  return reshape(broadcastTo(reshape(t, expanded), tiled), out);
}

/** The slices of x along `axis`, each without that axis (TF.js's unstack): the inverse of stack. */
export function unstack(x: TensorLike, axis = 0): Tensor[] {
  const t = toTensor(x, 'unstack');
  if (t.rank === 0) throw new Error('unstack: needs a tensor of rank at least 1, received a scalar');
  const a = normalizeAxis(axis, t.rank, 'unstack');
  const n = t.shape[a];
  const rest = t.shape.filter((_, i) => i !== a);
  if (n === 0) return [];
  return split(t, n, a).map((part) => view(part, rest.slice(), 'unstack'));
}

/** x with the order of its elements along `axis` reversed (all axes when omitted), as TF.js's reverse. */
export function reverse(x: TensorLike, axis?: number | number[]): Tensor {
  const t = toTensor(x, 'reverse');
  const list = axis === undefined || axis === null ? t.shape.map((_, i) => i) : Array.isArray(axis) ? axis : [axis];
  const axes = new Set(list.map((a) => normalizeAxis(a, t.rank, 'reverse')));
  if (axes.size !== list.length) throw new Error(`reverse: repeated axis in ${JSON.stringify(axis)} for shape ${fmt(t.shape)}`);
  const out = empty(t.shape.slice(), t.dtype);
  if (t.size === 0) return out;
  // Each reversed axis is walked from its last index with a negative stride.
  const own = stridesOf(t.shape);
  let start = 0;
  const strides = own.map((s, i) => {
    if (!axes.has(i)) return s;
    start += (t.shape[i] - 1) * s;
    return -s;
  });
  const src = t.values;
  const dst = out.values;
  forEachBroadcast({ shape: t.shape, strides: [strides] }, (i, [o]) => {
    dst[i] = src[start + o];
  });
  if (t.dtype !== 'float32') return out;
  return record(out, 'reverse', [t], (dy) => [reverse(dy, [...axes])]);
}
