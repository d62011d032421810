// TF.js's pooling and morphology ops beyond maxPool / avgPool: pool (either pooling with dilations, by TF.js's
// space-to-batch construction), maxPoolWithArgmax (maxPool and the flat index of each maximum) and dilation2d
// (grayscale morphological dilation). pool and dilation2d are compositions of differentiable ops.
import { add, maximum } from '../ops/elementwise.js';
import { avgPool, maxPool } from '../ops/pool.js';
import { pad as padOp, reshape } from '../ops/shape.js';
import { fmt } from '../shape-util.js';
import { isStringTensor, Tensor, tensor, toTensor, type TensorLike } from '../tensor.js';
import { batchToSpaceND, spaceToBatchND, stridedSlice } from './array-ops.js';

type Pad = 'valid' | 'same' | number;
const pair = (v: number | [number, number], what: string, op: string): [number, number] => {
  const p: [number, number] = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || p.some((d) => !Number.isInteger(d) || d < 1)) throw new Error(`${op}: ${what} must be a positive integer or a pair of them, received ${JSON.stringify(v)}`);
  return p;
};

function image4d(x: TensorLike, op: string): { t: Tensor; unbatched: boolean } {
  const t = toTensor(x, op);
  if (isStringTensor(t)) throw new Error(`${op}: received a string tensor of shape ${fmt(t.shape)}`);
  if (t.rank !== 3 && t.rank !== 4) throw new Error(`${op}: x must be [batch, height, width, channels] or [height, width, channels], received shape ${fmt(t.shape)}`);
  const f = t.dtype === 'float32' ? t : t.cast('float32');
  return t.rank === 3 ? { t: reshape(f, [1, ...t.shape]), unbatched: true } : { t: f, unbatched: false };
}

/** Output size and leading pad of one spatial axis, as TF.js's conv_util computes them (a numeric pad rounds down). */
function axis(inSize: number, k: number, stride: number, dilation: number, padding: Pad, op: string): { out: number; before: number } {
  const eff = k + (k - 1) * (dilation - 1);
  if (padding === 'same') {
    const out = Math.ceil(inSize / stride);
    return { out, before: Math.floor(Math.max(0, (out - 1) * stride + eff - inSize) / 2) };
  }
  if (padding === 'valid') return { out: Math.ceil((inSize - eff + 1) / stride), before: 0 };
  if (typeof padding === 'number' && Number.isInteger(padding) && padding >= 0) return { out: Math.floor((inSize - eff + 2 * padding) / stride) + 1, before: padding };
  throw new Error(`${op}: pad must be 'valid', 'same' or a non-negative integer, received ${JSON.stringify(padding)}`);
}

/**
 * TF.js's pool(input, windowShape, poolingType, pad, dilations = [1, 1], strides = 1, dimRoundingMode): max or
 * average pooling over windows whose taps are `dilations` apart (strides and dilations cannot both exceed 1), as
 * TF.js computes it: the dilated pooling is a plain one on spaceToBatchND's rearrangement, put back by
 * batchToSpaceND (so with 'same' and dilations, average pooling counts the zero padding).
 */
export function pool(
  input: TensorLike, windowShape: number | [number, number], poolingType: 'avg' | 'max', padding: Pad = 'valid',
  dilations: number | [number, number] = [1, 1], strides: number | [number, number] = 1, dimRoundingMode?: 'floor' | 'round' | 'ceil',
): Tensor {
  const op = 'pool';
  const { t, unbatched } = image4d(input, op);
  if (poolingType !== 'avg' && poolingType !== 'max') throw new Error(`${op}: poolingType must be 'avg' or 'max', received ${JSON.stringify(poolingType)}`);
  const win = pair(windowShape, 'windowShape', op);
  const dil = pair(dilations ?? [1, 1], 'dilations', op);
  const str = pair(strides ?? 1, 'strides', op);
  const p: Pad = padding === 0 ? 'valid' : padding;
  if ((dil[0] > 1 || dil[1] > 1) && (str[0] > 1 || str[1] > 1)) throw new Error(`${op}: strides ${fmt(str)} and dilations ${fmt(dil)} cannot both exceed 1`);
  const run = (x: Tensor, pd: Pad) => (poolingType === 'avg' ? avgPool(x, win, str, pd, dimRoundingMode) : maxPool(x, win, str, pd, dimRoundingMode));
  let y: Tensor;
  if (dil[0] === 1 && dil[1] === 1) y = run(t, p);
  else {
    if (typeof p === 'number') throw new Error(`${op}: with dilations ${fmt(dil)} pad must be 'valid' or 'same', received ${p}`);
    // TF.js's paddings: 'same' pads the dilated window's extent (the odd one at the end), then each axis is padded
    // at the end to a multiple of its dilation, which the crops take off again.
    const base = p === 'same' ? win.map((k, i) => {
      const extra = k + (k - 1) * (dil[i] - 1) - 1;
      return [Math.floor(extra / 2), extra - Math.floor(extra / 2)] as [number, number];
    }) : [[0, 0], [0, 0]] as [number, number][];
    const endExtra = dil.map((b, i) => (b - (t.shape[i + 1] % b)) % b);
    const paddings = base.map(([s, e], i) => [s, e + endExtra[i]] as [number, number]);
    const crops = endExtra.map((e) => [0, e] as [number, number]);
    y = batchToSpaceND(run(spaceToBatchND(t, dil, paddings), 'valid'), dil, crops);
  }
  return unbatched ? reshape(y, y.shape.slice(1)) : y;
}

/**
 * TF.js's maxPoolWithArgmax(x, filterSize, strides, pad, includeBatchInIndex = false): `{ result, indexes }`, the
 * max pooling of [batch, h, w, c] and for each output the flat index (y * w + x) * c + channel of its maximum (the
 * first in the window on ties), counting the batch too when includeBatchInIndex. The result has maxPool's gradient.
 */
export function maxPoolWithArgmax(x: TensorLike, filterSize: number | [number, number], strides: number | [number, number], padding: Pad, includeBatchInIndex = false): { result: Tensor; indexes: Tensor } {
  const op = 'maxPoolWithArgmax';
  const t = toTensor(x, op);
  if (isStringTensor(t) || t.rank !== 4) throw new Error(`${op}: x must be [batch, height, width, channels], received shape ${fmt(t.shape)}`);
  if (typeof includeBatchInIndex !== 'boolean') throw new Error(`${op}: includeBatchInIndex must be true or false, received ${JSON.stringify(includeBatchInIndex)}`);
  const [fh, fw] = pair(filterSize, 'filterSize', op);
  const [sh, sw] = pair(strides, 'strides', op);
  const [b, h, w, c] = t.shape;
  const ay = axis(h, fh, sh, 1, padding, op);
  const ax = axis(w, fw, sw, 1, padding, op);
  if (ay.out < 1 || ax.out < 1) throw new Error(`${op}: the ${fh}x${fw} window does not fit x of shape ${fmt(t.shape)} with pad ${JSON.stringify(padding)}`);
  const v = t.values;
  const idx = new Int32Array(b * ay.out * ax.out * c);
  let o = 0;
  for (let n = 0; n < b; n++) {
    for (let oy = 0; oy < ay.out; oy++) {
      for (let ox = 0; ox < ax.out; ox++) {
        for (let ch = 0; ch < c; ch++, o++) {
          let best = Number.NEGATIVE_INFINITY;
          let at = -1;
          for (let yy = Math.max(0, oy * sh - ay.before); yy < Math.min(h, oy * sh - ay.before + fh); yy++) {
            for (let xx = Math.max(0, ox * sw - ax.before); xx < Math.min(w, ox * sw - ax.before + fw); xx++) {
              const value = v[((n * h + yy) * w + xx) * c + ch];
              if (value > best) {
                best = value;
                at = ((includeBatchInIndex ? n * h : 0) + yy) * w * c + xx * c + ch;
              }
            }
          }
          idx[o] = at;
        }
      }
    }
  }
  return { result: maxPool(t, [fh, fw], [sh, sw], padding), indexes: tensor(idx, [b, ay.out, ax.out, c], 'int32') };
}

/**
 * TF.js's dilation2d(x, filter, strides, pad, dilations = [1, 1], dataFormat = 'NHWC'): grayscale morphological
 * dilation, out[b, y, x, c] = max over the window of x[b, y * sh + i * dh, x * sw + j * dw, c] + filter[i, j, c]
 * (positions in the padding take no part), for x [batch, h, w, c] or [h, w, c] and filter [fh, fw, c].
 */
export function dilation2d(x: TensorLike, filter: TensorLike, strides: number | [number, number], padding: 'valid' | 'same', dilations: number | [number, number] = [1, 1], dataFormat: 'NHWC' = 'NHWC'): Tensor {
  const op = 'dilation2d';
  if (dataFormat !== 'NHWC') throw new Error(`${op}: only NHWC data is supported (as TF.js's), received dataFormat ${JSON.stringify(dataFormat)}`);
  const { t, unbatched } = image4d(x, op);
  const f = toTensor(filter, op);
  if (isStringTensor(f) || f.rank !== 3 || f.shape[2] !== t.shape[3]) throw new Error(`${op}: filter must be [filterHeight, filterWidth, ${t.shape[3]}] for x of shape ${fmt(toTensor(x, op).shape)}, received ${fmt(f.shape)}`);
  if (padding !== 'valid' && padding !== 'same') throw new Error(`${op}: pad must be 'valid' or 'same', received ${JSON.stringify(padding)}`);
  const [sh, sw] = pair(strides, 'strides', op);
  const [dh, dw] = pair(dilations ?? [1, 1], 'dilations', op);
  const [b, h, w, c] = t.shape;
  const [fh, fw] = f.shape;
  const ay = axis(h, fh, sh, dh, padding, op);
  const ax = axis(w, fw, sw, dw, padding, op);
  if (ay.out < 1 || ax.out < 1) throw new Error(`${op}: the dilated filter ${fmt([fh + (fh - 1) * (dh - 1), fw + (fw - 1) * (dw - 1)])} does not fit x of shape ${fmt(t.shape)} with 'valid' padding`);
  // Padding reads -Infinity, so a position outside the image never wins the maximum.
  const need = (out: number, s: number, k: number, d: number, inSize: number, before: number) => Math.max(0, (out - 1) * s + (k - 1) * d + 1 - inSize - before);
  const padded = padOp(t, [[0, 0], [ay.before, need(ay.out, sh, fh, dh, h, ay.before)], [ax.before, need(ax.out, sw, fw, dw, w, ax.before)], [0, 0]], Number.NEGATIVE_INFINITY);
  const ff = f.dtype === 'float32' ? f : f.cast('float32');
  let y: Tensor | null = null;
  for (let i = 0; i < fh; i++) {
    for (let j = 0; j < fw; j++) {
      const taps = stridedSlice(padded, [0, i * dh, j * dw, 0], [b, i * dh + (ay.out - 1) * sh + 1, j * dw + (ax.out - 1) * sw + 1, c], [1, sh, sw, 1]);
      const term = add(taps, reshape(stridedSlice(ff, [i, j, 0], [i + 1, j + 1, c]), [1, 1, 1, c]));
      y = y === null ? term : maximum(y, term);
    }
  }
  return unbatched ? reshape(y!, y!.shape.slice(1)) : y!;
}

// TF.js's chained forms: x.pool(...), x.dilation2d(...).
declare module '../tensor.js' {
  interface Tensor {
    pool(windowShape: number | [number, number], poolingType: 'avg' | 'max', pad?: Pad, dilations?: number | [number, number], strides?: number | [number, number], dimRoundingMode?: 'floor' | 'round' | 'ceil'): Tensor;
    dilation2d(filter: TensorLike, strides: number | [number, number], pad: 'valid' | 'same', dilations?: number | [number, number], dataFormat?: 'NHWC'): Tensor;
  }
}

const chained: Record<string, (this: Tensor, ...args: never[]) => unknown> = {
  pool(windowShape: number | [number, number], poolingType: 'avg' | 'max', padding?: Pad, dilations?: number | [number, number], strides?: number | [number, number], dimRoundingMode?: 'floor' | 'round' | 'ceil') {
    return pool(this, windowShape, poolingType, padding, dilations, strides, dimRoundingMode);
  },
  dilation2d(filter: TensorLike, strides: number | [number, number], padding: 'valid' | 'same', dilations?: number | [number, number], dataFormat?: 'NHWC') {
    return dilation2d(this, filter, strides, padding, dilations, dataFormat);
  },
};
for (const [name, fn] of Object.entries(chained)) {
  Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true, enumerable: false });
}
