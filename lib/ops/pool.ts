// 2-D and 3-D max and average pooling on NHWC / NDHWC input.
import { record } from '../autograd/tape.js';
import { native } from '../native.js';
import { fmt } from '../shape-util.js';
import { empty, tensor, Tensor, type TensorLike } from '../tensor.js';
import { div } from './elementwise.js';
import { pad as padOp, reshape } from './shape.js';
import { f32, floatArg } from './util.js';
import { checkPadding, explicitPads, namedPadding, outputSize, pair, triple, type ExplicitPadding, type Padding } from './window.js';

function poolGeometry(
  shape: readonly number[], size: [number, number], strides: [number, number], padding: Padding, op: string, shown: readonly number[],
) {
  if (shape.length !== 4) throw new Error(`${op}: input must have rank 4 [batch, height, width, channels], received shape ${fmt(shown)}`);
  const [n, h, w, c] = shape;
  const [oh, padTop] = outputSize(h, size[0], strides[0], 1, padding);
  const [ow, padLeft] = outputSize(w, size[1], strides[1], 1, padding);
  if (oh === 0 || ow === 0) {
    throw new Error(`${op}: the pool window ${size[0]}x${size[1]} does not fit in the ${h}x${w} input with '${padding}' padding (input shape ${fmt(shown)})`);
  }
  return { geometry: [n, h, w, c, size[0], size[1], oh, ow, strides[0], strides[1], padTop, padLeft], outShape: [n, oh, ow, c] };
}

function pool(
  isMax: boolean, op: string, x: TensorLike, poolSize: number | [number, number],
  strides: number | [number, number] | undefined | null, padding: Padding,
): Tensor {
  let t = floatArg(x, op);
  const unbatched = t.rank === 3;
  const shown = t.shape;
  if (unbatched) t = reshape(t, [1, ...t.shape]);
  const size = pair(poolSize, 'poolSize', op);
  const str = strides === undefined || strides === null ? size : pair(strides, 'strides', op);
  const { geometry, outShape } = poolGeometry(t.shape, size, str, checkPadding(padding, op), op, shown);
  const y = empty(outShape);
  const input = t;
  if (isMax) native.maxPool2dForward(f32(input), f32(y), geometry);
  else native.avgPool2dForward(f32(input), f32(y), geometry);
  const out = record(y, op, [input], (dy) => {
    const dx = empty(input.shape.slice());
    if (isMax) native.maxPool2dBackward(f32(input), f32(dy), f32(dx), geometry);
    else native.avgPool2dBackward(f32(dy), f32(dx), geometry);
    return [dx];
  });
  return unbatched ? reshape(out, out.shape.slice(1)) : out;
}

/** Max pooling; strides default to the pool size. 'same' padding never lets a padded cell win. */
export function maxPool2d(x: TensorLike, poolSize: number | [number, number] = 2, strides?: number | [number, number] | null, padding: Padding = 'valid'): Tensor {
  return pool(true, 'maxPool2d', x, poolSize, strides, padding);
}

/** Average pooling; with 'same' padding the average counts only cells inside the input (as Keras does). */
export function avgPool2d(x: TensorLike, poolSize: number | [number, number] = 2, strides?: number | [number, number] | null, padding: Padding = 'valid'): Tensor {
  return pool(false, 'avgPool2d', x, poolSize, strides, padding);
}

/**
 * TF.js's maxPool(x, filterSize, strides, pad, dimRoundingMode): maxPool2d under TF.js's name, with its errors naming
 * maxPool. pad may also be TF.js's explicit padding (a count, or [[0, 0], [top, bottom], [left, right], [0, 0]]),
 * whose cells never win, as in TF.js.
 */
export function maxPool(
  x: TensorLike, filterSize: number | [number, number], strides: number | [number, number], pad: Padding | ExplicitPadding, dimRoundingMode?: string,
): Tensor {
  if (namedPadding(pad, dimRoundingMode)) return pool(true, 'maxPool', x, filterSize, strides, pad);
  return withExplicitPads(x, filterSize, strides, pad, dimRoundingMode, 'maxPool', (t, pads) =>
    pool(true, 'maxPool', pad4(t, pads, -Infinity), filterSize, strides, 'valid'));
}

/**
 * TF.js's avgPool(x, filterSize, strides, pad, dimRoundingMode): avgPool2d under TF.js's name ('same' averages only
 * cells inside). With explicit padding, as in TF.js, the pads are left out of each window's count too.
 */
export function avgPool(
  x: TensorLike, filterSize: number | [number, number], strides: number | [number, number], pad: Padding | ExplicitPadding, dimRoundingMode?: string,
): Tensor {
  if (namedPadding(pad, dimRoundingMode)) return pool(false, 'avgPool', x, filterSize, strides, pad);
  return withExplicitPads(x, filterSize, strides, pad, dimRoundingMode, 'avgPool', (t, pads) => {
    const inside = pad4(tensor(new Float32Array(t.size).fill(1), t.shape.slice()), pads, 0);
    return div(pool(false, 'avgPool', pad4(t, pads, 0), filterSize, strides, 'valid'), pool(false, 'avgPool', inside, filterSize, strides, 'valid'));
  });
}

/** Runs a 'valid' pooling of x zero- or -Infinity-padded by TF.js's explicit padding, unbatched [h, w, c] too. */
function withExplicitPads(
  x: TensorLike, filterSize: number | [number, number], strides: number | [number, number], pad: unknown, dimRoundingMode: unknown,
  op: string, run: (t: Tensor, pads: [[number, number], [number, number]]) => Tensor,
): Tensor {
  let t = floatArg(x, op);
  const unbatched = t.rank === 3;
  if (unbatched) t = reshape(t, [1, ...t.shape]);
  if (t.rank !== 4) throw new Error(`${op}: input must have rank 4 [batch, height, width, channels], received shape ${fmt(t.shape)}`);
  const pads = explicitPads(pad, [t.shape[1], t.shape[2]], pair(filterSize, 'filterSize', op), pair(strides, 'strides', op), [1, 1], dimRoundingMode, op);
  const y = run(t, pads!);
  return unbatched ? reshape(y, y.shape.slice(1)) : y;
}

function pad4(x: Tensor, pads: [[number, number], [number, number]], value: number): Tensor {
  return padOp(x, [[0, 0], pads[0], pads[1], [0, 0]], value);
}

type Triple = [number, number, number];

function pool3d(
  isMax: boolean, op: string, x: TensorLike, poolSize: number | Triple, strides: number | Triple | undefined | null, pad: Padding,
): Tensor {
  let t = floatArg(x, op);
  const unbatched = t.rank === 4;
  const shown = t.shape;
  if (unbatched) t = reshape(t, [1, ...t.shape]);
  if (t.rank !== 5) throw new Error(`${op}: input must have rank 5 [batch, depth, height, width, channels], received shape ${fmt(shown)}`);
  const size = triple(poolSize, 'poolSize', op);
  const str = strides === undefined || strides === null ? size : triple(strides, 'strides', op);
  const padding = checkPadding(pad, op);
  const [n, d, h, w, c] = t.shape;
  const dims = [d, h, w].map((v, i) => outputSize(v, size[i], str[i], 1, padding));
  if (dims.some(([o]) => o === 0)) {
    throw new Error(`${op}: the pool window ${size.join('x')} does not fit in the ${d}x${h}x${w} input with '${padding}' padding (input shape ${fmt(shown)})`);
  }
  const geometry = [n, d, h, w, c, ...size, ...dims.map(([o]) => o), ...str, ...dims.map(([, p]) => p)];
  const y = empty([n, ...dims.map(([o]) => o), c]);
  const input = t;
  if (isMax) native.maxPool3dForward(f32(input), f32(y), geometry);
  else native.avgPool3dForward(f32(input), f32(y), geometry);
  const out = record(y, op, [input], (dy) => {
    const dx = empty(input.shape.slice());
    if (isMax) native.maxPool3dBackward(f32(input), f32(dy), f32(dx), geometry);
    else native.avgPool3dBackward(f32(dy), f32(dx), geometry);
    return [dx];
  });
  return unbatched ? reshape(out, out.shape.slice(1)) : out;
}

/** 3-D max pooling on [batch, d, h, w, c] (or [d, h, w, c]); strides default to the pool size. */
export function maxPool3d(x: TensorLike, poolSize: number | Triple = 2, strides?: number | Triple | null, padding: Padding = 'valid'): Tensor {
  return pool3d(true, 'maxPool3d', x, poolSize, strides, padding);
}

/** 3-D average pooling; with 'same' padding the average counts only cells inside the input (as Keras does). */
export function avgPool3d(x: TensorLike, poolSize: number | Triple = 2, strides?: number | Triple | null, padding: Padding = 'valid'): Tensor {
  return pool3d(false, 'avgPool3d', x, poolSize, strides, padding);
}
