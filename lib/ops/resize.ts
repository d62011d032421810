// Image resizing: bilinear interpolation over the two spatial axes of NHWC images, with the sampling convention of
// Keras 3's UpSampling2D(interpolation='bilinear') (TensorFlow's tf.image.resize, which is resize_bilinear with
// half_pixel_centers=True and no antialiasing; PyTorch's interpolate(mode='bilinear', align_corners=False) agrees).
//
// Output pixel i along an axis of input size `n` and output size `m` samples the input at
//   s = (i + 0.5) * n / m - 0.5,
// between lower = max(floor(s), 0) and upper = min(ceil(s), n - 1) with weight lerp = s - floor(s) on upper. Near the
// edges s falls below 0 or above n - 1 and the sample clamps to the border pixel. The op is linear in x, so its
// gradient is its adjoint (each output's gradient spread back onto its four inputs with the same weights), and the
// adjoint's gradient is the forward op again.
import { record } from '../autograd/tape.js';
import { fmt, sizeOf } from '../shape-util.js';
import { empty, maxTensorElements, Tensor, type TensorLike } from '../tensor.js';
import { floatArg } from './util.js';

/** Per output index along one axis: the two input indices and the weight of the upper one. */
interface AxisWeights {
  lower: Int32Array;
  upper: Int32Array;
  lerp: Float32Array;
}

/**
 * How output pixels map onto the input: Keras's half-pixel centers, or TF.js's tf.image flags (by default neither:
 * s = i * n / m; alignCorners maps the corner pixels onto each other, s = i * (n - 1) / (m - 1)).
 */
export interface Sampling {
  alignCorners: boolean;
  halfPixelCenters: boolean;
  /** TensorFlow computes the source coordinates in float32, TF.js's CPU kernels in float64: the floor can differ. */
  coordinates: 'float32' | 'float64';
}
const HALF_PIXEL: Sampling = { alignCorners: false, halfPixelCenters: true, coordinates: 'float32' };

function sourceScale(inSize: number, outSize: number, sampling: Sampling): number {
  return sampling.alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
}

function axisWeights(inSize: number, outSize: number, sampling: Sampling = HALF_PIXEL): AxisWeights {
  const lower = new Int32Array(outSize);
  const upper = new Int32Array(outSize);
  const lerp = new Float32Array(outSize);
  const round = sampling.coordinates === 'float32' ? Math.fround : (v: number) => v;
  const scale = sourceScale(inSize, outSize, sampling);
  for (let i = 0; i < outSize; i++) {
    const s = sampling.halfPixelCenters ? round(round((i + 0.5) * scale) - 0.5) : round(i * scale);
    const f = Math.floor(s);
    lower[i] = Math.max(f, 0);
    upper[i] = Math.min(Math.ceil(s), inSize - 1);
    lerp[i] = s - f;
  }
  return { lower, upper, lerp };
}

function checkSize(size: unknown, op: string, inShape: readonly number[]): [number, number] {
  if (!Array.isArray(size) || size.length !== 2 || size.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new Error(`${op}: size must be [height, width] of positive integers, received ${JSON.stringify(size)}`);
  }
  // Checked before the per-row and per-column tables are built: those are as long as the output's sides, even
  // for an empty batch, so a side of 2^31 would first spend minutes and gigabytes on them.
  const out = [inShape[0], size[0], size[1], inShape[3]];
  if (size[0] * size[1] > maxTensorElements || sizeOf(out) > maxTensorElements) {
    throw new Error(`${op}: size ${JSON.stringify(size)} makes an output of shape ${fmt(out)}, more than the ${maxTensorElements} elements one tensor can hold`);
  }
  return [size[0], size[1]];
}

/** The images as a float [batch, h, w, c] tensor and the output's height and width, checked. */
function resizeArgs(images: TensorLike, size: [number, number], op: string): [Tensor, number, number] {
  const x = floatArg(images, op);
  if (x.rank !== 4) throw new Error(`${op}: images must be 4-D [batch, height, width, channels], received shape ${fmt(x.shape)}`);
  const [oh, ow] = checkSize(size, op, x.shape);
  return [x, oh, ow];
}

/** y[b, i, j, c] from x[b, h, w, c] by the weights along each axis. */
function bilinearForward(x: Float32Array, shape: readonly number[], rows: AxisWeights, cols: AxisWeights, y: Float32Array): void {
  const [n, h, w, c] = shape;
  const oh = rows.lower.length;
  const ow = cols.lower.length;
  let o = 0;
  for (let b = 0; b < n; b++) {
    const base = b * h * w * c;
    for (let i = 0; i < oh; i++) {
      const top = base + rows.lower[i] * w * c;
      const bottom = base + rows.upper[i] * w * c;
      const dy = rows.lerp[i];
      for (let j = 0; j < ow; j++) {
        const left = cols.lower[j] * c;
        const right = cols.upper[j] * c;
        const dx = cols.lerp[j];
        for (let k = 0; k < c; k++, o++) {
          const tl = x[top + left + k];
          const tr = x[top + right + k];
          const bl = x[bottom + left + k];
          const br = x[bottom + right + k];
          const t = tl + (tr - tl) * dx;
          const u = bl + (br - bl) * dx;
          y[o] = t + (u - t) * dy;
        }
      }
    }
  }
}

/** The adjoint of bilinearForward: g[b, h, w, c] += weight * dy[b, i, j, c] for each of the four taps. */
function bilinearAdjoint(dy: Float32Array, shape: readonly number[], rows: AxisWeights, cols: AxisWeights, g: Float32Array): void {
  const [n, h, w, c] = shape;
  const oh = rows.lower.length;
  const ow = cols.lower.length;
  g.fill(0);
  let o = 0;
  for (let b = 0; b < n; b++) {
    const base = b * h * w * c;
    for (let i = 0; i < oh; i++) {
      const top = base + rows.lower[i] * w * c;
      const bottom = base + rows.upper[i] * w * c;
      const ly = rows.lerp[i];
      for (let j = 0; j < ow; j++) {
        const left = cols.lower[j] * c;
        const right = cols.upper[j] * c;
        const lx = cols.lerp[j];
        const wtl = (1 - ly) * (1 - lx);
        const wtr = (1 - ly) * lx;
        const wbl = ly * (1 - lx);
        const wbr = ly * lx;
        for (let k = 0; k < c; k++, o++) {
          const d = dy[o];
          g[top + left + k] += wtl * d;
          g[top + right + k] += wtr * d;
          g[bottom + left + k] += wbl * d;
          g[bottom + right + k] += wbr * d;
        }
      }
    }
  }
}

/**
 * Resizes NHWC images [batch, height, width, channels] to [batch, size[0], size[1], channels] by bilinear
 * interpolation with half-pixel centers (Keras 3 / tf.image.resize(method='bilinear'), see the file's header).
 */
export function resizeBilinear(images: TensorLike, size: [number, number], sampling: Sampling = HALF_PIXEL, op = 'resizeBilinear'): Tensor {
  const [x, oh, ow] = resizeArgs(images, size, op);
  const rows = axisWeights(x.shape[1], oh, sampling);
  const cols = axisWeights(x.shape[2], ow, sampling);
  const outShape = [x.shape[0], oh, ow, x.shape[3]];
  const y = empty(outShape);
  if (x.size > 0) bilinearForward(x.values as Float32Array, x.shape, rows, cols, y.values as Float32Array);
  return record(y, 'resizeBilinear', [x], (dy) => [resizeBilinearAdjoint(dy, x.shape, rows, cols)]);
}

function resizeBilinearAdjoint(dy: Tensor, inShape: readonly number[], rows: AxisWeights, cols: AxisWeights): Tensor {
  const g = empty(inShape.slice());
  if (g.size > 0) bilinearAdjoint(floatArg(dy, 'resizeBilinear gradient').values as Float32Array, inShape, rows, cols, g.values as Float32Array);
  return record(g, 'resizeBilinearGrad', [dy], (ddx) => {
    const out = empty(dy.shape.slice());
    if (out.size > 0) bilinearForward(ddx.values as Float32Array, inShape, rows, cols, out.values as Float32Array);
    return [out];
  });
}

/**
 * Per output index along one axis, the input index of nearest-neighbour resizing with half-pixel centers
 * (tf.image.resize(method='nearest'), which is resize_nearest_neighbor with half_pixel_centers=True):
 * min(floor((i + 0.5) * n / m), n - 1), the scale and the product in float32 as TensorFlow computes them.
 */
function nearestIndices(inSize: number, outSize: number, sampling: Sampling = HALF_PIXEL): Int32Array {
  const idx = new Int32Array(outSize);
  const round = sampling.coordinates === 'float32' ? Math.fround : (v: number) => v;
  const scale = round(sourceScale(inSize, outSize, sampling));
  // With alignCorners the nearest pixel rounds, as TensorFlow's resize_nearest_neighbor does; otherwise it floors.
  const pick = sampling.alignCorners ? Math.round : Math.floor;
  for (let i = 0; i < outSize; i++) {
    idx[i] = Math.max(0, Math.min(pick(round((sampling.halfPixelCenters ? i + 0.5 : i) * scale)), inSize - 1));
  }
  return idx;
}

/** y[b, i, j, c] = x[b, rows[i], cols[j], c]; `scatter` adds dy back into g instead (the adjoint). */
function nearestGather(x: Float32Array, shape: readonly number[], rows: Int32Array, cols: Int32Array, y: Float32Array, scatter: boolean): void {
  const [n, h, w, c] = shape;
  if (scatter) x.fill(0);
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < rows.length; i++) {
      const row = (b * h + rows[i]) * w;
      for (let j = 0; j < cols.length; j++) {
        const src = (row + cols[j]) * c;
        for (let k = 0; k < c; k++, o++) {
          if (scatter) x[src + k] += y[o];
          else y[o] = x[src + k];
        }
      }
    }
  }
}

/**
 * Resizes NHWC images to [batch, size[0], size[1], channels] by nearest neighbour with half-pixel centers (Keras 3's
 * Resizing(interpolation='nearest'), tf.image.resize(method='nearest')). The gradient adds each output's gradient
 * into the input pixel it copied.
 */
export function resizeNearest(images: TensorLike, size: [number, number], sampling: Sampling = HALF_PIXEL, op = 'resizeNearest'): Tensor {
  const [x, oh, ow] = resizeArgs(images, size, op);
  const rows = nearestIndices(x.shape[1], oh, sampling);
  const cols = nearestIndices(x.shape[2], ow, sampling);
  const y = empty([x.shape[0], oh, ow, x.shape[3]]);
  if (x.size > 0) nearestGather(x.values as Float32Array, x.shape, rows, cols, y.values as Float32Array, false);
  return record(y, 'resizeNearest', [x], (dy) => [resizeNearestAdjoint(dy, x.shape, rows, cols)]);
}

function resizeNearestAdjoint(dy: Tensor, inShape: readonly number[], rows: Int32Array, cols: Int32Array): Tensor {
  const g = empty(inShape.slice());
  if (g.size > 0) nearestGather(g.values as Float32Array, inShape, rows, cols, floatArg(dy, 'resizeNearest gradient').values as Float32Array, true);
  return record(g, 'resizeNearestGrad', [dy], (ddx) => {
    const out = empty(dy.shape.slice());
    if (out.size > 0) nearestGather(ddx.values as Float32Array, inShape, rows, cols, out.values as Float32Array, false);
    return [out];
  });
}
