// Projective image transforms: TensorFlow's ImageProjectiveTransformV3, which Keras 3's image augmentation layers
// (RandomRotation, RandomZoom, RandomTranslation) call through keras.ops.image.affine_transform.
//
// A transform is 8 numbers [a0, a1, a2, b0, b1, b2, c0, c1]; it maps the output pixel (x, y) (column, row, no
// half-pixel offset) to the input point
//   k = c0 x + c1 y + 1,   x_in = (a0 x + a1 y + a2) / k,   y_in = (b0 x + b1 y + b2) / k
// (k = 0 gives the fill value). Out-of-range points are first mapped back by the fill mode, each axis on its own, as
// TensorFlow does (its quirks included, so that the layers match Keras's TensorFlow backend):
//   reflect   x < 0 -> -x - 1 (about -0.5, periodic with 2n), x > n - 1 -> 2n - x - 1 (about n - 0.5)
//   wrap      shifts by n times a count computed with n - 1 (TensorFlow's formula), then clamps
//   nearest   clamps to [0, n - 1]
//   constant  leaves the point; taps outside the image read fillValue
// then sampled by `nearest` (round half away from zero) or `bilinear` (taps floor and floor + 1, each tap outside the
// image reading fillValue). Every mapping ends with a clamp to [0, n - 1] (except constant).
//
// For fixed transforms the output is linear in the images plus a constant from fillValue, so each output is a
// weighted sum of at most four input pixels: the op builds that sampling plan once, the forward pass gathers with
// it and the gradient with respect to the images scatters with it (its adjoint). There is no gradient with respect
// to the transforms (the augmentation layers draw them at random).
import { record } from '../autograd/tape.js';
import { fmt } from '../shape-util.js';
import { empty, Tensor, toTensor, type TensorLike } from '../tensor.js';
import { floatArg } from './util.js';

export type AffineInterpolation = 'bilinear' | 'nearest';
export type AffineFillMode = 'constant' | 'reflect' | 'wrap' | 'nearest';

export interface AffineTransformOptions {
  /** 'bilinear' (default) or 'nearest'. */
  interpolation?: AffineInterpolation;
  /** How points outside the input are filled: 'constant' (default, as TensorFlow), 'reflect', 'wrap', 'nearest'. */
  fillMode?: AffineFillMode;
  /** The value of points outside the input in 'constant' mode (and of taps past the edge). Default 0. */
  fillValue?: number;
  /** [height, width] of the output; default the input's. */
  outputShape?: [number, number];
  /**
   * @internal 'tfjs' samples as TF.js's CPU kernel (tn.image.transform): coordinates in float64 and nearest
   * rounding halves up (Math.round), where TensorFlow computes in float32 and rounds halves away from zero.
   */
  arithmetic?: 'tensorflow' | 'tfjs';
}

function mapReflect(c: number, len: number, fround: (v: number) => number): number {
  if (c < 0) {
    if (len <= 1) c = 0;
    else {
      const sz2 = 2 * len;
      if (c < sz2) c = fround(sz2 * Math.trunc(-c / sz2) + c);
      c = c < -len ? fround(c + sz2) : fround(-c - 1);
    }
  } else if (c > len - 1) {
    if (len <= 1) c = 0;
    else {
      const sz2 = 2 * len;
      c = fround(c - sz2 * Math.trunc(c / sz2));
      if (c >= len) c = fround(sz2 - c - 1);
    }
  }
  return Math.min(Math.max(c, 0), len - 1);
}

function mapWrap(c: number, len: number, fround: (v: number) => number): number {
  if (c < 0) {
    if (len <= 1) c = 0;
    else c = fround(c + len * (Math.trunc(-c / (len - 1)) + 1));
  } else if (c > len - 1) {
    if (len <= 1) c = 0;
    else c = fround(c - len * Math.trunc(c / (len - 1)));
  }
  return Math.min(Math.max(c, 0), len - 1);
}

const MAPS: Record<AffineFillMode, (c: number, len: number, fround: (v: number) => number) => number> = {
  reflect: mapReflect,
  wrap: mapWrap,
  nearest: (c, len) => Math.min(Math.max(c, 0), len - 1),
  constant: (c) => c,
};

/** TensorFlow's std::round: halves away from zero. */
function roundHalfAway(v: number): number {
  return v < 0 ? -Math.round(-v) : Math.round(v);
}

/**
 * The sampling plan: for output pixel p (over batch, rows, columns), up to four taps `tap[4p + t]` (an input pixel
 * index within the batch's images, or -1) with weights `weight[4p + t]`, and `fill[p]`, the weight of fillValue.
 */
interface Plan {
  tap: Int32Array;
  weight: Float32Array;
  fill: Float32Array;
}

function makePlan(inShape: readonly number[], oh: number, ow: number, transforms: Float32Array, perImage: boolean, interpolation: AffineInterpolation, fillMode: AffineFillMode, tfjs: boolean): Plan {
  const [n, h, w] = inShape;
  const pixels = n * oh * ow;
  const tap = new Int32Array(pixels * 4).fill(-1);
  const weight = new Float32Array(pixels * 4);
  const fill = new Float32Array(pixels);
  const map = MAPS[fillMode];
  const fround = tfjs ? (v: number) => v : Math.fround;
  const round = tfjs ? Math.round : roundHalfAway;
  let p = 0;
  for (let b = 0; b < n; b++) {
    const t = perImage ? b * 8 : 0;
    const [a0, a1, a2, b0, b1, b2, c0, c1] = transforms.subarray(t, t + 8);
    const base = b * h * w;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++, p++) {
        const k = fround(fround(fround(c0 * ox) + fround(c1 * oy)) + 1);
        if (k === 0) {
          fill[p] = 1;
          continue;
        }
        const x = map(fround(fround(fround(fround(a0 * ox) + fround(a1 * oy)) + a2) / k), w, fround);
        const y = map(fround(fround(fround(fround(b0 * ox) + fround(b1 * oy)) + b2) / k), h, fround);
        const q = 4 * p;
        // A tap outside the image reads fillValue: its weight goes to fill[p].
        const put = (slot: number, r: number, c: number, wt: number) => {
          if (r >= 0 && r < h && c >= 0 && c < w) {
            tap[q + slot] = base + r * w + c;
            weight[q + slot] = wt;
          } else fill[p] += wt;
        };
        if (interpolation === 'nearest') {
          put(0, round(y), round(x), 1);
        } else {
          const y0 = Math.floor(y);
          const x0 = Math.floor(x);
          const dy = fround(y - y0);
          const dx = fround(x - x0);
          put(0, y0, x0, fround((1 - dy) * (1 - dx)));
          put(1, y0, x0 + 1, fround((1 - dy) * dx));
          put(2, y0 + 1, x0, fround(dy * (1 - dx)));
          put(3, y0 + 1, x0 + 1, fround(dy * dx));
        }
      }
    }
  }
  return { tap, weight, fill };
}

/** y[p, c] = sum_t weight * x[tap, c] + fill[p] * fillValue. */
function gatherPlan(plan: Plan, x: Float32Array, channels: number, fillValue: number, y: Float32Array): void {
  const { tap, weight, fill } = plan;
  const pixels = fill.length;
  for (let p = 0; p < pixels; p++) {
    const o = p * channels;
    const f = fill[p] === 0 ? 0 : fill[p] * fillValue;
    for (let k = 0; k < channels; k++) y[o + k] = f;
    for (let t = 4 * p; t < 4 * p + 4; t++) {
      const s = tap[t];
      if (s < 0) continue;
      const wt = weight[t];
      const src = s * channels;
      for (let k = 0; k < channels; k++) y[o + k] += wt * x[src + k];
    }
  }
}

/** The adjoint of gatherPlan in x: g[tap, c] += weight * dy[p, c]. */
function scatterPlan(plan: Plan, dy: Float32Array, channels: number, g: Float32Array): void {
  const { tap, weight, fill } = plan;
  g.fill(0);
  for (let p = 0; p < fill.length; p++) {
    const o = p * channels;
    for (let t = 4 * p; t < 4 * p + 4; t++) {
      const s = tap[t];
      if (s < 0) continue;
      const wt = weight[t];
      const dst = s * channels;
      for (let k = 0; k < channels; k++) g[dst + k] += wt * dy[o + k];
    }
  }
}

const INTERPOLATIONS: readonly string[] = ['bilinear', 'nearest'];
const FILL_MODES: readonly string[] = ['constant', 'reflect', 'wrap', 'nearest'];

/**
 * Applies projective transforms to NHWC images [batch, height, width, channels] (TensorFlow's
 * ImageProjectiveTransformV3; see the file's header for the mapping and fill modes). `transforms` is [batch, 8] (one
 * per image), [1, 8] or [8] (one for all). Differentiable with respect to the images.
 */
export function affineTransform(images: TensorLike, transforms: TensorLike, options: AffineTransformOptions = {}): Tensor {
  const x = floatArg(images, 'affineTransform');
  if (x.rank !== 4) throw new Error(`affineTransform: images must be 4-D [batch, height, width, channels], received shape ${fmt(x.shape)}`);
  const tr = floatArg(toTensor(transforms, 'affineTransform'), 'affineTransform');
  const rows = tr.rank === 1 ? 1 : tr.shape[0];
  if (!(tr.rank === 1 || tr.rank === 2) || tr.shape[tr.rank - 1] !== 8 || (rows !== 1 && rows !== x.shape[0])) {
    throw new Error(`affineTransform: transforms must be [8], [1, 8] or [batch, 8] with batch ${x.shape[0]} (the images' batch), received shape ${fmt(tr.shape)}`);
  }
  const tv = tr.values as Float32Array;
  for (let i = 0; i < tv.length; i++) {
    if (!Number.isFinite(tv[i])) throw new Error(`affineTransform: transforms must be finite, received ${tv[i]} at index ${i}`);
  }
  const interpolation = options.interpolation ?? 'bilinear';
  const fillMode = options.fillMode ?? 'constant';
  const fillValue = options.fillValue ?? 0;
  if (!INTERPOLATIONS.includes(interpolation)) throw new Error(`affineTransform: interpolation must be 'bilinear' or 'nearest', received ${JSON.stringify(interpolation)}`);
  if (!FILL_MODES.includes(fillMode)) throw new Error(`affineTransform: fillMode must be one of 'constant', 'reflect', 'wrap', 'nearest', received ${JSON.stringify(fillMode)}`);
  if (typeof fillValue !== 'number') throw new Error(`affineTransform: fillValue must be a number, received ${JSON.stringify(fillValue)}`);
  const [oh, ow] = options.outputShape ?? [x.shape[1], x.shape[2]];
  if (![oh, ow].every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`affineTransform: outputShape must be [height, width] of positive integers, received ${JSON.stringify(options.outputShape)}`);
  }
  const channels = x.shape[3];
  const y = empty([x.shape[0], oh, ow, channels]);
  if (y.size === 0) return y;
  const plan = makePlan(x.shape, oh, ow, tv, rows !== 1, interpolation, fillMode, options.arithmetic === 'tfjs');
  gatherPlan(plan, x.values as Float32Array, channels, fillValue, y.values as Float32Array);
  return record(y, 'affineTransform', [x], (dy) => [affineAdjoint(dy, x.shape, plan)]);
}

function affineAdjoint(dy: Tensor, inShape: readonly number[], plan: Plan): Tensor {
  const channels = inShape[3];
  const g = empty(inShape.slice());
  scatterPlan(plan, floatArg(dy, 'affineTransform gradient').values as Float32Array, channels, g.values as Float32Array);
  return record(g, 'affineTransformGrad', [dy], (ddx) => {
    const out = empty(dy.shape.slice());
    gatherPlan(plan, floatArg(ddx, 'affineTransform gradient').values as Float32Array, channels, 0, out.values as Float32Array);
    return [out];
  });
}
