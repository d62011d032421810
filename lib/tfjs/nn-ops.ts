// TF.js's neural-network ops that tensornode has as layers or not at all: batchNorm (and the rank-checked
// batchNorm2d..4d), separableConv2d, prelu, localResponseNormalization, movingAverage and inTopKAsync. Each is
// composed of tensornode's differentiable ops, so its gradient is theirs.
import { depthwiseConv2d, conv2d } from '../ops/conv.js';
import { add, greater, mul, pow, rsqrt, sub, div, where, square } from '../ops/elementwise.js';
import { pad, reshape, slice } from '../ops/shape.js';
import { broadcastShapes, fmt, shapesEqual } from '../shape-util.js';
import { isStringTensor, Tensor, tensor, toTensor, type TensorLike } from '../tensor.js';

function numeric(x: TensorLike, op: string, what: string): Tensor {
  const t = toTensor(x, op);
  if (isStringTensor(t)) throw new Error(`${op}: ${what} is a string tensor of shape ${fmt(t.shape)}; ${op} needs numbers`);
  return t.dtype === 'float32' ? t : t.cast('float32');
}

/**
 * TF.js's batchNorm(x, mean, variance, offset, scale, varianceEpsilon = 0.001):
 * (x - mean) / sqrt(variance + varianceEpsilon) * scale + offset, the statistics broadcast against x (a vector of
 * x's last axis, or x's rank). The statistics are given, as in inference; the layer BatchNormalization computes them.
 */
export function batchNorm(x: TensorLike, mean: TensorLike, variance: TensorLike, offset?: TensorLike | null, scale?: TensorLike | null, varianceEpsilon = 0.001, op = 'batchNorm'): Tensor {
  const t = numeric(x, op, 'x');
  const m = numeric(mean, op, 'mean');
  const v = numeric(variance, op, 'variance');
  const o = offset === undefined || offset === null ? null : numeric(offset, op, 'offset');
  const s = scale === undefined || scale === null ? null : numeric(scale, op, 'scale');
  if (typeof varianceEpsilon !== 'number' || !(varianceEpsilon >= 0)) throw new Error(`${op}: varianceEpsilon must be a non-negative number, received ${JSON.stringify(varianceEpsilon)}`);
  // TF.js requires the statistics to have one rank; each must also broadcast to x without enlarging it.
  for (const [what, p] of [['variance', v], ['offset', o], ['scale', s]] as const) {
    if (p && p.rank !== m.rank) throw new Error(`${op}: mean and ${what} must have the same rank, received shapes ${fmt(m.shape)} and ${fmt(p.shape)}`);
  }
  for (const [what, p] of [['mean', m], ['variance', v], ['offset', o], ['scale', s]] as const) {
    if (!p) continue;
    let ok = p.rank <= t.rank;
    if (ok) {
      try {
        ok = shapesEqual(broadcastShapes(t.shape, p.shape, op), t.shape);
      } catch {
        ok = false;
      }
    }
    if (!ok) throw new Error(`${op}: ${what} of shape ${fmt(p.shape)} does not broadcast to x's shape ${fmt(t.shape)} (give one value per channel, shape [${t.shape[t.rank - 1] ?? 1}])`);
  }
  let y = mul(sub(t, m), rsqrt(add(v, varianceEpsilon)));
  if (s) y = mul(y, s);
  if (o) y = add(y, o);
  return y;
}

const batchNormRanked = (rank: number) => {
  const op = `batchNorm${rank}d`;
  return (x: TensorLike, mean: TensorLike, variance: TensorLike, offset?: TensorLike | null, scale?: TensorLike | null, varianceEpsilon = 0.001): Tensor => {
    const t = toTensor(x, op);
    if (t.rank !== rank) throw new Error(`${op}: x must have rank ${rank}, received shape ${fmt(t.shape)}`);
    for (const [what, p] of [['mean', mean], ['variance', variance], ['offset', offset], ['scale', scale]] as const) {
      if (p === undefined || p === null) continue;
      const pt = toTensor(p, op);
      if (pt.rank !== 1 && pt.rank !== rank) throw new Error(`${op}: ${what} must have rank 1 or ${rank}, received shape ${fmt(pt.shape)}`);
    }
    return batchNorm(t, mean, variance, offset, scale, varianceEpsilon, op);
  };
};
export const batchNorm2d = batchNormRanked(2);
export const batchNorm3d = batchNormRanked(3);
export const batchNorm4d = batchNormRanked(4);

/**
 * TF.js's separableConv2d(x, depthwiseFilter, pointwiseFilter, strides, pad, dilation = [1, 1], dataFormat = 'NHWC'):
 * a depthwise convolution by depthwiseFilter [kh, kw, c, multiplier], then a 1x1 convolution by pointwiseFilter
 * [1, 1, c * multiplier, out]. x is [batch, h, w, c] or one image [h, w, c]; pad 'valid', 'same' or a count of
 * zeros on every side.
 */
export function separableConv2d(
  x: TensorLike, depthwiseFilter: TensorLike, pointwiseFilter: TensorLike, strides: number | [number, number] = 1,
  padding: 'valid' | 'same' | number = 'valid', dilation: number | [number, number] = [1, 1], dataFormat: 'NHWC' | 'NCHW' = 'NHWC',
): Tensor {
  const op = 'separableConv2d';
  if (dataFormat !== 'NHWC') throw new Error(`${op}: only NHWC data is supported (as TF.js's), received dataFormat ${JSON.stringify(dataFormat)}`);
  let t = numeric(x, op, 'x');
  const dw = numeric(depthwiseFilter, op, 'depthwiseFilter');
  const pw = numeric(pointwiseFilter, op, 'pointwiseFilter');
  const unbatched = t.rank === 3;
  if (unbatched) t = reshape(t, [1, ...t.shape]);
  if (t.rank !== 4) throw new Error(`${op}: x must be [batch, height, width, channels] or [height, width, channels], received shape ${fmt(toTensor(x, op).shape)}`);
  if (dw.rank !== 4 || dw.shape[2] !== t.shape[3]) {
    throw new Error(`${op}: depthwiseFilter must be [filterHeight, filterWidth, ${t.shape[3]}, channelMultiplier] for x of shape ${fmt(t.shape)}, received ${fmt(dw.shape)}`);
  }
  const mid = dw.shape[2] * dw.shape[3];
  if (pw.rank !== 4 || pw.shape[0] !== 1 || pw.shape[1] !== 1 || pw.shape[2] !== mid) {
    throw new Error(`${op}: pointwiseFilter must be [1, 1, ${mid}, outChannels] for depthwiseFilter of shape ${fmt(dw.shape)}, received ${fmt(pw.shape)}`);
  }
  let p: 'valid' | 'same' = 'valid';
  if (typeof padding === 'number') {
    if (!Number.isInteger(padding) || padding < 0) throw new Error(`${op}: pad must be 'valid', 'same' or a non-negative integer, received ${padding}`);
    // A count pads every side with zeros, which is 'valid' on the padded input.
    if (padding > 0) t = pad(t, [[0, 0], [padding, padding], [padding, padding], [0, 0]]);
  } else if (padding === 'valid' || padding === 'same') p = padding;
  else throw new Error(`${op}: pad must be 'valid', 'same' or a non-negative integer, received ${JSON.stringify(padding)}`);
  const y = conv2d(depthwiseConv2d(t, dw, strides, p, 'NHWC', dilation), pw, 1, 'valid');
  return unbatched ? reshape(y, y.shape.slice(1)) : y;
}

/** TF.js's prelu(x, alpha): x where x > 0, else alpha * x (alpha broadcast against x, and learnable). */
export function prelu(x: TensorLike, alpha: TensorLike): Tensor {
  const t = numeric(x, 'prelu', 'x');
  const a = numeric(alpha, 'prelu', 'alpha');
  let out: number[];
  try {
    out = broadcastShapes(t.shape, a.shape, 'prelu');
  } catch {
    throw new Error(`prelu: alpha of shape ${fmt(a.shape)} does not broadcast against x of shape ${fmt(t.shape)}`);
  }
  if (!shapesEqual(out, t.shape)) throw new Error(`prelu: alpha of shape ${fmt(a.shape)} would enlarge x of shape ${fmt(t.shape)} to ${fmt(out)}`);
  return where(greater(t, 0), t, mul(a, t));
}

/**
 * TF.js's localResponseNormalization(x, depthRadius = 5, bias = 1, alpha = 1, beta = 0.5) over the channels of
 * [batch, h, w, c] (or [h, w, c]): x / (bias + alpha * sum of x^2 over channels c - depthRadius .. c + depthRadius)^beta.
 */
export function localResponseNormalization(x: TensorLike, depthRadius = 5, bias = 1, alpha = 1, beta = 0.5): Tensor {
  const op = 'localResponseNormalization';
  const t = numeric(x, op, 'x');
  if (t.rank !== 3 && t.rank !== 4) throw new Error(`${op}: x must be [batch, height, width, channels] or [height, width, channels], received shape ${fmt(t.shape)}`);
  if (!Number.isInteger(depthRadius) || depthRadius < 0) throw new Error(`${op}: depthRadius must be a non-negative integer, received ${depthRadius}`);
  for (const [name, v] of [['bias', bias], ['alpha', alpha], ['beta', beta]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${op}: ${name} must be a finite number, received ${JSON.stringify(v)}`);
  }
  const c = t.shape[t.rank - 1];
  // A window wider than the channels sums them all, so the radius past c - 1 changes nothing and is not padded.
  const r = Math.min(depthRadius, Math.max(c - 1, 0));
  const padded = pad(square(t), t.shape.map((_, i) => (i === t.rank - 1 ? [r, r] : [0, 0]) as [number, number]));
  let sum = slice(padded, t.shape.map(() => 0), t.shape);
  for (let k = 1; k <= 2 * r; k++) sum = add(sum, slice(padded, t.shape.map((_, i) => (i === t.rank - 1 ? k : 0)), t.shape));
  return div(t, pow(add(mul(sum, alpha), bias), beta));
}

/**
 * TF.js's movingAverage(v, x, decay, step, zeroDebias = true): v + (x - v) * (1 - decay), the update divided by
 * 1 - decay^step when zeroDebias (step is then required).
 */
export function movingAverage(v: TensorLike, x: TensorLike, decay: number | TensorLike, step?: number | TensorLike, zeroDebias = true): Tensor {
  const op = 'movingAverage';
  const vt = numeric(v, op, 'v');
  const xt = numeric(x, op, 'x');
  if (!shapesEqual(vt.shape, xt.shape)) throw new Error(`${op}: v and x must have one shape, received ${fmt(vt.shape)} and ${fmt(xt.shape)}`);
  if (typeof zeroDebias !== 'boolean') throw new Error(`${op}: zeroDebias must be true or false, received ${JSON.stringify(zeroDebias)}`);
  const d = numeric(decay, op, 'decay');
  let update = mul(sub(xt, vt), sub(1, d));
  if (zeroDebias) {
    if (step === undefined || step === null) throw new Error(`${op}: step is required when zeroDebias is true`);
    update = div(update, sub(1, pow(d, numeric(step, op, 'step'))));
  }
  return add(vt, update);
}

/**
 * TF.js's inTopKAsync(predictions, targets, k = 1): for each row of predictions [..., classes], 1 when the target
 * class is among the k largest (ties in the order of the classes, as TF.js's stable sort leaves them), as int32
 * (tensornode's booleans). A promise, as TF.js's.
 */
export async function inTopKAsync(predictions: TensorLike, targets: TensorLike, k = 1): Promise<Tensor> {
  const op = 'inTopKAsync';
  const p = numeric(predictions, op, 'predictions');
  const tt = toTensor(targets, op, 'int32');
  if (p.rank < 2 || tt.rank !== p.rank - 1 || tt.shape.some((dd, i) => dd !== p.shape[i])) {
    throw new Error(`${op}: predictions must be [..., classes] and targets their leading shape, received ${fmt(p.shape)} and ${fmt(tt.shape)}`);
  }
  const n = p.shape[p.rank - 1];
  if (!Number.isInteger(k) || k < 1 || k > n) throw new Error(`${op}: k must be an integer in [1, ${n}] for predictions of shape ${fmt(p.shape)}, received ${k}`);
  const pv = p.values;
  const tv = tt.values;
  const out = new Int32Array(tv.length);
  for (let b = 0; b < tv.length; b++) {
    const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => pv[b * n + j] - pv[b * n + i]);
    out[b] = order.slice(0, k).includes(tv[b]) ? 1 : 0;
  }
  return tensor(out, tt.shape.slice(), 'int32');
}

// TF.js's chained forms: x.batchNorm(mean, variance, ...), x.separableConv2d(...), x.prelu(alpha),
// x.localResponseNormalization(...).
declare module '../tensor.js' {
  interface Tensor {
    batchNorm(mean: TensorLike, variance: TensorLike, offset?: TensorLike | null, scale?: TensorLike | null, varianceEpsilon?: number): Tensor;
    separableConv2d(depthwiseFilter: TensorLike, pointwiseFilter: TensorLike, strides?: number | [number, number], pad?: 'valid' | 'same' | number, dilation?: number | [number, number], dataFormat?: 'NHWC' | 'NCHW'): Tensor;
    prelu(alpha: TensorLike): Tensor;
    localResponseNormalization(depthRadius?: number, bias?: number, alpha?: number, beta?: number): Tensor;
  }
}

const chained: Record<string, (this: Tensor, ...args: never[]) => unknown> = {
  batchNorm(mean: TensorLike, variance: TensorLike, offset?: TensorLike | null, scale?: TensorLike | null, varianceEpsilon?: number) { return batchNorm(this, mean, variance, offset, scale, varianceEpsilon); },
  separableConv2d(depthwiseFilter: TensorLike, pointwiseFilter: TensorLike, strides?: number | [number, number], padding?: 'valid' | 'same' | number, dilation?: number | [number, number], dataFormat?: 'NHWC' | 'NCHW') {
    return separableConv2d(this, depthwiseFilter, pointwiseFilter, strides, padding, dilation, dataFormat);
  },
  prelu(alpha: TensorLike) { return prelu(this, alpha); },
  localResponseNormalization(depthRadius?: number, bias?: number, alpha?: number, beta?: number) { return localResponseNormalization(this, depthRadius, bias, alpha, beta); },
};
for (const [name, fn] of Object.entries(chained)) {
  Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true, enumerable: false });
}
