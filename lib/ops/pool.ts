// 2-D max and average pooling on NHWC input.
import { record } from '../autograd/tape.js';
import { native } from '../native.js';
import { fmt } from '../shape-util.js';
import { empty, Tensor, type TensorLike } from '../tensor.js';
import { reshape } from './shape.js';
import { f32, floatArg } from './util.js';
import { checkPadding, outputSize, pair, type Padding } from './window.js';

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
