// TF.js's indexing and rearranging ops: stridedSlice, unique, whereAsync, booleanMaskAsync, setdiff1dAsync,
// mirrorPad, depthToSpace, spaceToBatchND, batchToSpaceND, diag and ensureShape. Those that move values are built
// from slice, gather, pad, reshape and transpose, so their gradients are those ops'.
import { eye, isStringTensor, maxTensorElements, Tensor, tensor, toTensor, type TensorLike } from '../tensor.js';
import { where } from '../ops/elementwise.js';
import { padNumpy } from '../ops/numpy.js';
import { gather, pad, reshape, slice, transpose } from '../ops/shape.js';
import { fmt, normalizeAxis } from '../shape-util.js';

function input(x: TensorLike, op: string): Tensor {
  const t = toTensor(x, op);
  if (isStringTensor(t)) throw new Error(`${op}: received a string tensor of shape ${fmt(t.shape)}; ${op} takes numbers here`);
  return t;
}

const bit = (mask: number, i: number): boolean => ((mask >>> i) & 1) === 1;

/**
 * TF.js's stridedSlice(x, begin, end, strides, beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask), with
 * TensorFlow's rules: entry i of begin / end / strides applies to one axis, or is an ellipsis (bit i of ellipsisMask:
 * the axes it stands for taken whole) or a new axis of size 1 (newAxisMask); a set bit of beginMask / endMask takes
 * the axis from its start / to its end (in the stride's direction), shrinkAxisMask keeps index begin[i] and drops the
 * axis; negative indices count from the end and are clamped to the axis. Axes past the entries are taken whole.
 */
export function stridedSlice(
  x: TensorLike, begin: number[], end: number[], strides?: number[], beginMask = 0, endMask = 0, ellipsisMask = 0,
  newAxisMask = 0, shrinkAxisMask = 0,
): Tensor {
  const op = 'stridedSlice';
  const t = input(x, op);
  const st = strides ?? begin.map(() => 1);
  if (!Array.isArray(begin) || !Array.isArray(end) || !Array.isArray(st) || begin.length !== end.length || st.length !== begin.length) {
    throw new Error(`${op}: begin, end and strides must be arrays of one length, received ${JSON.stringify(begin)}, ${JSON.stringify(end)} and ${JSON.stringify(strides)}`);
  }
  for (const [name, m] of [['beginMask', beginMask], ['endMask', endMask], ['ellipsisMask', ellipsisMask], ['newAxisMask', newAxisMask], ['shrinkAxisMask', shrinkAxisMask]] as const) {
    if (!Number.isInteger(m) || m < 0) throw new Error(`${op}: ${name} must be a non-negative integer bit mask, received ${JSON.stringify(m)}`);
  }
  if ((ellipsisMask & (ellipsisMask - 1)) !== 0) throw new Error(`${op}: ellipsisMask may have at most one bit set, received ${ellipsisMask}`);
  // The sparse entries: an implicit ellipsis after the last one when none is given, so that the rest is taken whole.
  let n = begin.length;
  let ell = ellipsisMask;
  if (ell === 0) {
    ell = 2 ** n;
    n += 1;
  }
  const ellipsisAt = Math.log2(ell);
  let newAfterEllipsis = 0;
  for (let i = ellipsisAt + 1; i < n; i++) if (bit(newAxisMask, i)) newAfterEllipsis++;
  // Per axis of x: [start, stop, step, shrink]; and the output's shape with the new axes, in the entries' order.
  const axes: { start: number; step: number; count: number }[] = [];
  const outShape: number[] = [];
  let axis = 0;
  for (let i = 0; i < n; i++) {
    if (i === ellipsisAt) {
      // The axes the ellipsis covers: those the entries after it (other than new axes) do not name.
      const upto = Math.min(t.rank - (n - i) + 1 + newAfterEllipsis, t.rank);
      for (; axis < upto; axis++) {
        axes.push({ start: 0, step: 1, count: t.shape[axis] });
        outShape.push(t.shape[axis]);
      }
      continue;
    }
    if (bit(newAxisMask, i)) {
      outShape.push(1);
      continue;
    }
    if (axis >= t.rank) throw new Error(`${op}: begin ${JSON.stringify(begin)} names more axes than x of shape ${fmt(t.shape)} has`);
    const dim = t.shape[axis];
    const s = st[i];
    if (!Number.isInteger(s) || s === 0) throw new Error(`${op}: strides must be non-zero integers, received ${JSON.stringify(st)}`);
    if (!Number.isInteger(begin[i]) || !Number.isInteger(end[i])) throw new Error(`${op}: begin and end must be integers, received ${JSON.stringify(begin)} and ${JSON.stringify(end)}`);
    if (bit(shrinkAxisMask, i)) {
      const b = begin[i] < 0 ? begin[i] + dim : begin[i];
      if (b < 0 || b >= dim) throw new Error(`${op}: index ${begin[i]} of entry ${i} is out of range for axis ${axis} of shape ${fmt(t.shape)}`);
      if (s < 0) throw new Error(`${op}: a shrunk axis (shrinkAxisMask bit ${i}) takes stride 1, received ${s}`);
      axes.push({ start: b, step: 1, count: 1 });
      axis++;
      continue;
    }
    const [lo, hi] = s > 0 ? [0, dim] : [-1, dim - 1];
    const canonical = (v: number, masked: boolean, whenMasked: number) => {
      if (masked) return whenMasked;
      return Math.min(Math.max(v < 0 ? v + dim : v, lo), hi);
    };
    const b = canonical(begin[i], bit(beginMask, i), s > 0 ? 0 : dim - 1);
    const e = canonical(end[i], bit(endMask, i), s > 0 ? dim : -1);
    const count = Math.max(0, Math.ceil((e - b) / s));
    axes.push({ start: b, step: s, count });
    outShape.push(count);
    axis++;
  }
  for (; axis < t.rank; axis++) {
    axes.push({ start: 0, step: 1, count: t.shape[axis] });
    outShape.push(t.shape[axis]);
  }
  // Unit steps are one slice; other steps gather their indices along that axis.
  // An empty axis may start outside it (-1 for a negative stride), so it is taken as 0 elements from 0.
  let y = slice(t, axes.map((a) => (a.count === 0 ? 0 : a.step === 1 ? a.start : 0)), axes.map((a, k) => (a.step === 1 || a.count === 0 ? a.count : t.shape[k])));
  axes.forEach((a, k) => {
    if (a.step === 1 || a.count === 0) return;
    y = gather(y, Int32Array.from({ length: a.count }, (_, j) => a.start + j * a.step), k);
  });
  return reshape(y, outShape);
}

/**
 * TF.js's unique(x, axis = 0): `{ values, indices }`, the distinct values (or slices along `axis`) in the order they
 * first occur, and for each element (slice) of x the index of its value in `values` (int32).
 */
export function unique(x: TensorLike, axis = 0): { values: Tensor; indices: Tensor } {
  const op = 'unique';
  const t = input(x, op);
  if (t.rank === 0) throw new Error(`${op}: x must have at least one axis, received a scalar`);
  const a = normalizeAxis(axis, t.rank, op);
  const n = t.shape[a];
  const inner = t.shape.slice(a + 1).reduce((p, d) => p * d, 1);
  const outer = t.shape.slice(0, a).reduce((p, d) => p * d, 1);
  const v = t.values;
  // A slice's key is its values' text, as TF.js's kernel keys them (so NaN matches NaN, and -0 matches 0).
  const seen = new Map<string, number>();
  const firsts: number[] = [];
  const indices = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const parts: number[] = [];
    for (let o = 0; o < outer; o++) for (let j = 0; j < inner; j++) parts.push(v[(o * n + i) * inner + j]);
    const key = parts.join(',');
    let k = seen.get(key);
    if (k === undefined) {
      k = firsts.length;
      seen.set(key, k);
      firsts.push(i);
    }
    indices[i] = k;
  }
  return { values: gather(t, Int32Array.from(firsts), a), indices: tensor(indices, [n], 'int32') };
}

function coordinates(t: Tensor): Tensor {
  const v = t.values;
  const hits: number[] = [];
  for (let i = 0; i < v.length; i++) if (v[i] !== 0) hits.push(i);
  const out = new Int32Array(hits.length * t.rank);
  hits.forEach((flat, h) => {
    for (let k = t.rank - 1; k >= 0; k--) {
      out[h * t.rank + k] = flat % t.shape[k];
      flat = Math.floor(flat / t.shape[k]);
    }
  });
  return tensor(out, [hits.length, t.rank], 'int32');
}

/** TF.js's whereAsync(condition): the coordinates [count, rank] (int32) of condition's true (non-zero) elements, in row-major order. */
export async function whereAsync(condition: TensorLike): Promise<Tensor> {
  return coordinates(input(condition, 'whereAsync'));
}

/**
 * TF.js's booleanMaskAsync(tensor, mask, axis = 0): the slices of `tensor` where `mask` (whose shape is that of
 * tensor's axes axis .. axis + mask.rank - 1) is true, those axes flattened into one.
 */
export async function booleanMaskAsync(x: TensorLike, mask: TensorLike, axis?: number | null): Promise<Tensor> {
  const op = 'booleanMaskAsync';
  const t = toTensor(x, op);
  const m = input(mask, op);
  const a = axis === undefined || axis === null ? 0 : normalizeAxis(axis, t.rank, op);
  if (m.rank === 0) throw new Error(`${op}: mask cannot be a scalar`);
  const covered = t.shape.slice(a, a + m.rank);
  if (covered.length !== m.rank || covered.some((d, i) => d !== m.shape[i])) {
    throw new Error(`${op}: mask's shape ${fmt(m.shape)} must match axes ${a} .. ${a + m.rank - 1} of the tensor's shape ${fmt(t.shape)}`);
  }
  const flat = reshape(t, [...t.shape.slice(0, a), covered.reduce((p, d) => p * d, 1), ...t.shape.slice(a + m.rank)]);
  const hits = coordinates(reshape(m, [m.size]));
  return gather(flat, reshape(hits, [hits.shape[0]]), a);
}

/** TF.js's setdiff1dAsync(x, y): [out, indices], the values of the vector x not in y (in x's order, repeats kept) and their positions in x. */
export async function setdiff1dAsync(x: TensorLike, y: TensorLike): Promise<[Tensor, Tensor]> {
  const op = 'setdiff1dAsync';
  const xt = input(x, op);
  const yt = input(y, op);
  if (xt.rank !== 1 || yt.rank !== 1) throw new Error(`${op}: x and y must be vectors, received shapes ${fmt(xt.shape)} and ${fmt(yt.shape)}`);
  if (xt.dtype !== yt.dtype) throw new Error(`${op}: x and y must have one dtype, received ${xt.dtype} and ${yt.dtype}`);
  const drop = new Set(yt.values);
  const keep: number[] = [];
  xt.values.forEach((v, i) => { if (!drop.has(v)) keep.push(i); });
  return [gather(xt, Int32Array.from(keep)), tensor(Int32Array.from(keep), [keep.length], 'int32')];
}

/**
 * TF.js's mirrorPad(x, paddings, mode): pads each axis by mirroring, 'reflect' without the edge element (at most
 * size - 1 per side) or 'symmetric' with it (at most size).
 */
export function mirrorPad(x: TensorLike, paddings: [number, number][], mode: 'reflect' | 'symmetric'): Tensor {
  const op = 'mirrorPad';
  const t = input(x, op);
  if (mode !== 'reflect' && mode !== 'symmetric') throw new Error(`${op}: mode must be 'reflect' or 'symmetric', received ${JSON.stringify(mode)}`);
  if (t.rank === 0) throw new Error(`${op}: x must have at least one axis, received a scalar`);
  if (!Array.isArray(paddings) || paddings.length !== t.rank || paddings.some((p) => !Array.isArray(p) || p.length !== 2 || p.some((v) => !Number.isInteger(v)))) {
    throw new Error(`${op}: paddings must be ${t.rank} pairs [before, after] of integers for x of shape ${fmt(t.shape)}, received ${JSON.stringify(paddings)}`);
  }
  const offset = mode === 'reflect' ? 1 : 0;
  paddings.forEach(([b, e], i) => {
    const most = t.shape[i] - offset;
    if (b < 0 || e < 0 || b > most || e > most) {
      throw new Error(`${op}: padding [${b}, ${e}] of axis ${i} must be in [0, ${most}] for x of shape ${fmt(t.shape)} in mode '${mode}'`);
    }
  });
  return padNumpy(t, paddings, mode);
}

/**
 * TF.js's depthToSpace(x, blockSize, dataFormat = 'NHWC'): [batch, h, w, c] to [batch, h * blockSize,
 * w * blockSize, c / blockSize^2], each pixel's channels laid out as a blockSize x blockSize tile (NCHW too).
 */
export function depthToSpace(x: TensorLike, blockSize: number, dataFormat: 'NHWC' | 'NCHW' = 'NHWC'): Tensor {
  const op = 'depthToSpace';
  const t = input(x, op);
  if (dataFormat !== 'NHWC' && dataFormat !== 'NCHW') throw new Error(`${op}: dataFormat must be 'NHWC' or 'NCHW', received ${JSON.stringify(dataFormat)}`);
  if (t.rank !== 4) throw new Error(`${op}: x must have rank 4 (${dataFormat}), received shape ${fmt(t.shape)}`);
  if (!Number.isInteger(blockSize) || blockSize < 2) throw new Error(`${op}: blockSize must be an integer > 1, received ${blockSize}`);
  const bs = blockSize;
  const [b, h, w, c] = dataFormat === 'NHWC' ? t.shape : [t.shape[0], t.shape[2], t.shape[3], t.shape[1]];
  if (c % (bs * bs) !== 0) throw new Error(`${op}: the depth ${c} must be divisible by blockSize^2 = ${bs * bs} (x of shape ${fmt(t.shape)})`);
  const d = c / (bs * bs);
  if (dataFormat === 'NHWC') {
    return reshape(transpose(reshape(t, [b, h, w, bs, bs, d]), [0, 1, 3, 2, 4, 5]), [b, h * bs, w * bs, d]);
  }
  return reshape(transpose(reshape(t, [b, bs, bs, d, h, w]), [0, 3, 4, 1, 5, 2]), [b, d, h * bs, w * bs]);
}

function blockArgs(t: Tensor, blockShape: number[], pairs: [number, number][], what: string, op: string): void {
  if (!Array.isArray(blockShape) || blockShape.length === 0 || blockShape.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new Error(`${op}: blockShape must be a non-empty array of positive integers, received ${JSON.stringify(blockShape)}`);
  }
  if (t.rank < 1 + blockShape.length) throw new Error(`${op}: x of shape ${fmt(t.shape)} needs a batch axis and ${blockShape.length} spatial axes for blockShape ${fmt(blockShape)}`);
  if (!Array.isArray(pairs) || pairs.length !== blockShape.length || pairs.some((p) => !Array.isArray(p) || p.length !== 2 || p.some((v) => !Number.isInteger(v) || v < 0))) {
    throw new Error(`${op}: ${what} must be ${blockShape.length} pairs [before, after] of non-negative integers, received ${JSON.stringify(pairs)}`);
  }
}

/**
 * TF.js's spaceToBatchND(x, blockShape, paddings): x [batch, ...spatial, ...rest] zero-padded on the spatial axes,
 * each cut into blocks of blockShape whose offsets go to the batch: [batch * prod(blockShape), ...padded / blockShape, ...rest].
 */
export function spaceToBatchND(x: TensorLike, blockShape: number[], paddings: [number, number][]): Tensor {
  const op = 'spaceToBatchND';
  const t = input(x, op);
  blockArgs(t, blockShape, paddings, 'paddings', op);
  const m = blockShape.length;
  const padded = paddings.map(([b, e], i) => t.shape[i + 1] + b + e);
  if (padded.some((p, i) => p % blockShape[i] !== 0)) {
    throw new Error(`${op}: the padded spatial shape ${fmt(padded)} (x of shape ${fmt(t.shape)}, paddings ${JSON.stringify(paddings)}) must be divisible by blockShape ${fmt(blockShape)}`);
  }
  const rest = t.shape.slice(m + 1);
  const p = pad(t, [[0, 0], ...paddings, ...rest.map(() => [0, 0] as [number, number])]);
  const split = [t.shape[0], ...padded.flatMap((d, i) => [d / blockShape[i], blockShape[i]]), ...rest];
  // [batch, d1, b1, ..., dm, bm, rest] -> [b1, ..., bm, batch, d1, ..., dm, rest]
  const perm = [...blockShape.map((_, i) => 2 + 2 * i), 0, ...blockShape.map((_, i) => 1 + 2 * i), ...rest.map((_, i) => 1 + 2 * m + i)];
  const batch = t.shape[0] * blockShape.reduce((q, v) => q * v, 1);
  return reshape(transpose(reshape(p, split), perm), [batch, ...padded.map((d, i) => d / blockShape[i]), ...rest]);
}

/**
 * TF.js's batchToSpaceND(x, blockShape, crops): the inverse of spaceToBatchND, [batch, ...spatial, ...rest] to
 * [batch / prod(blockShape), ...spatial * blockShape - crops, ...rest].
 */
export function batchToSpaceND(x: TensorLike, blockShape: number[], crops: [number, number][]): Tensor {
  const op = 'batchToSpaceND';
  const t = input(x, op);
  blockArgs(t, blockShape, crops, 'crops', op);
  const m = blockShape.length;
  const prod = blockShape.reduce((q, v) => q * v, 1);
  if (t.shape[0] % prod !== 0) throw new Error(`${op}: the batch ${t.shape[0]} of x (shape ${fmt(t.shape)}) must be divisible by the product of blockShape ${fmt(blockShape)}, ${prod}`);
  const spatial = t.shape.slice(1, m + 1);
  const full = spatial.map((d, i) => d * blockShape[i]);
  if (crops.some(([b, e], i) => b + e > full[i])) throw new Error(`${op}: crops ${JSON.stringify(crops)} exceed the spatial shape ${fmt(full)} (x of shape ${fmt(t.shape)}, blockShape ${fmt(blockShape)})`);
  const rest = t.shape.slice(m + 1);
  const batch = t.shape[0] / prod;
  // [b1, ..., bm, batch, d1, ..., dm, rest] -> [batch, d1, b1, ..., dm, bm, rest]
  const perm = [m, ...blockShape.flatMap((_, i) => [m + 1 + i, i]), ...rest.map((_, i) => 2 * m + 1 + i)];
  const y = reshape(transpose(reshape(t, [...blockShape, batch, ...spatial, ...rest]), perm), [batch, ...full, ...rest]);
  return slice(y, [0, ...crops.map(([b]) => b), ...rest.map(() => 0)], [batch, ...full.map((d, i) => d - crops[i][0] - crops[i][1]), ...rest]);
}

/** TF.js's diag(x): x of shape [d1, ..., dk] on the diagonal of a tensor [d1, ..., dk, d1, ..., dk], zeros elsewhere. */
export function diag(x: TensorLike): Tensor {
  const t = input(x, 'diag');
  if (t.rank === 0) throw new Error('diag: x must have at least one axis, received a scalar');
  const n = t.size;
  if (n * n > maxTensorElements) throw new Error(`diag: x of shape ${fmt(t.shape)} would give ${n * n} elements, more than a tensor holds (${maxTensorElements})`);
  // where, not a product with the identity, so that the zeros off the diagonal stay +0 for negative values.
  return reshape(where(eye(n, n, 'int32'), reshape(t, [n, 1]), 0), [...t.shape, ...t.shape]);
}

/** TF.js's ensureShape(x, shape): x itself when its shape is `shape` (a null entry matches any size), else an error. */
export function ensureShape(x: Tensor, shape: (number | null)[]): Tensor {
  const t = toTensor(x, 'ensureShape');
  if (!Array.isArray(shape) || shape.length !== t.rank || shape.some((d, i) => d !== null && d !== t.shape[i])) {
    throw new Error(`ensureShape: the tensor has shape ${fmt(t.shape)}, expected ${JSON.stringify(shape)}`);
  }
  return t;
}

// TF.js's chained forms: x.stridedSlice(...), x.unique(axis), x.mirrorPad(paddings, mode), x.depthToSpace(...),
// x.spaceToBatchND(...), x.batchToSpaceND(...).
declare module '../tensor.js' {
  interface Tensor {
    stridedSlice(begin: number[], end: number[], strides?: number[], beginMask?: number, endMask?: number, ellipsisMask?: number, newAxisMask?: number, shrinkAxisMask?: number): Tensor;
    unique(axis?: number): { values: Tensor; indices: Tensor };
    mirrorPad(paddings: [number, number][], mode: 'reflect' | 'symmetric'): Tensor;
    depthToSpace(blockSize: number, dataFormat?: 'NHWC' | 'NCHW'): Tensor;
    spaceToBatchND(blockShape: number[], paddings: [number, number][]): Tensor;
    batchToSpaceND(blockShape: number[], crops: [number, number][]): Tensor;
  }
}

const chained: Record<string, (this: Tensor, ...args: never[]) => unknown> = {
  stridedSlice(begin: number[], end: number[], strides?: number[], beginMask?: number, endMask?: number, ellipsisMask?: number, newAxisMask?: number, shrinkAxisMask?: number) {
    return stridedSlice(this, begin, end, strides, beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask);
  },
  unique(axis?: number) { return unique(this, axis); },
  mirrorPad(paddings: [number, number][], mode: 'reflect' | 'symmetric') { return mirrorPad(this, paddings, mode); },
  depthToSpace(blockSize: number, dataFormat?: 'NHWC' | 'NCHW') { return depthToSpace(this, blockSize, dataFormat); },
  spaceToBatchND(blockShape: number[], paddings: [number, number][]) { return spaceToBatchND(this, blockShape, paddings); },
  batchToSpaceND(blockShape: number[], crops: [number, number][]) { return batchToSpaceND(this, blockShape, crops); },
};
for (const [name, fn] of Object.entries(chained)) {
  Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true, enumerable: false });
}
