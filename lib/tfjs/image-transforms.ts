// TF.js's tf.image transform, rotateWithOffset and threshold. transform is tn.affineTransform (TensorFlow's
// projective transform) under TF.js's positional arguments and defaults; rotateWithOffset samples the nearest pixel
// as TF.js's kernel does (rounding half up), through a gather so that it is differentiable in the image; threshold
// is not differentiable (it returns int32 0 / 255).
import { add, mul } from '../ops/elementwise.js';
import { affineTransform, type AffineFillMode, type AffineInterpolation } from '../ops/image.js';
import { gather, reshape } from '../ops/shape.js';
import { fmt } from '../shape-util.js';
import { isStringTensor, Tensor, tensor, toTensor, type TensorLike } from '../tensor.js';

/**
 * TF.js's image.transform(image, transforms, interpolation = 'nearest', fillMode = 'constant', fillValue = 0,
 * outputShape): each image of [batch, h, w, c] sampled through its projective transform [a0, a1, a2, b0, b1, b2,
 * c0, c1] (one row for all, or one per image), which maps an output pixel to the input point it reads.
 */
export function transform(
  image: TensorLike, transforms: TensorLike, interpolation: AffineInterpolation = 'nearest', fillMode: AffineFillMode = 'constant',
  fillValue = 0, outputShape?: [number, number] | null,
): Tensor {
  const op = 'image.transform';
  const x = toTensor(image, op);
  if (x.rank !== 4) throw new Error(`${op}: image must be [batch, height, width, channels], received shape ${fmt(x.shape)}`);
  const t = toTensor(transforms, op);
  if (t.rank !== 2 || t.shape[1] !== 8 || (t.shape[0] !== 1 && t.shape[0] !== x.shape[0])) {
    throw new Error(`${op}: transforms must be [1, 8] or [${x.shape[0]}, 8] (one per image), received shape ${fmt(t.shape)}`);
  }
  if (interpolation !== 'nearest' && interpolation !== 'bilinear') throw new Error(`${op}: interpolation must be 'nearest' or 'bilinear', received ${JSON.stringify(interpolation)}`);
  if (!['constant', 'reflect', 'wrap', 'nearest'].includes(fillMode)) throw new Error(`${op}: fillMode must be 'constant', 'reflect', 'wrap' or 'nearest', received ${JSON.stringify(fillMode)}`);
  return affineTransform(x, t, { interpolation, fillMode, fillValue, arithmetic: 'tfjs', ...(outputShape ? { outputShape } : {}) });
}

/**
 * TF.js's image.rotateWithOffset(image, radians, fillValue = 0, center = 0.5): each image of [batch, h, w, c]
 * rotated by `radians` about `center` (a fraction of the width and height, or [x, y] fractions), sampling the
 * nearest pixel; pixels from outside the image take fillValue (a number, or one per channel).
 */
export function rotateWithOffset(image: TensorLike, radians: number, fillValue: number | number[] = 0, center: number | [number, number] = 0.5): Tensor {
  const op = 'image.rotateWithOffset';
  const x = toTensor(image, op);
  if (isStringTensor(x)) throw new Error(`${op}: image must be numbers`);
  if (x.rank !== 4) throw new Error(`${op}: image must be [batch, height, width, channels], received shape ${fmt(x.shape)}`);
  if (typeof radians !== 'number' || !Number.isFinite(radians)) throw new Error(`${op}: radians must be a finite number, received ${JSON.stringify(radians)}`);
  const [batch, h, w, c] = x.shape;
  const fills = typeof fillValue === 'number' ? new Array<number>(c).fill(fillValue) : fillValue;
  if (!Array.isArray(fills) || fills.length !== c || fills.some((v) => typeof v !== 'number')) {
    throw new Error(`${op}: fillValue must be a number or ${c} numbers (one per channel), received ${JSON.stringify(fillValue)}`);
  }
  const [fx, fy] = typeof center === 'number' ? [center, center] : center;
  if (typeof fx !== 'number' || typeof fy !== 'number') throw new Error(`${op}: center must be a number or [x, y], received ${JSON.stringify(center)}`);
  const [cx, cy] = [w * fx, h * fy];
  const [sin, cos] = [Math.sin(radians), Math.cos(radians)];
  const pixels = batch * h * w;
  const source = new Int32Array(pixels);
  const outside = new Float32Array(pixels);
  const inside = new Float32Array(pixels);
  for (let b = 0; b < batch; b++) {
    for (let y = 0; y < h; y++) {
      for (let col = 0; col < w; col++) {
        const o = (b * h + y) * w + col;
        const sx = Math.round((col - cx) * cos - (y - cy) * sin + cx);
        const sy = Math.round((col - cx) * sin + (y - cy) * cos + cy);
        if (sx >= 0 && sx < w && sy >= 0 && sy < h) {
          source[o] = (b * h + sy) * w + sx;
          inside[o] = 1;
        } else outside[o] = 1;
      }
    }
  }
  const flat = reshape(x.dtype === 'float32' ? x : x.cast('float32'), [pixels, c]);
  const read = mul(gather(flat, tensor(source, [pixels], 'int32')), tensor(inside, [pixels, 1]));
  return reshape(add(read, mul(tensor(outside, [pixels, 1]), tensor(Float32Array.from(fills), [1, c]))), [batch, h, w, c]);
}

/**
 * TF.js's image.threshold(image, method = 'binary', inverted = false, threshValue = 0.5): an RGB (or one-channel)
 * image [h, w, 3 | 1] in 0-255 to int32 [h, w, 1] of 255 where its luma (0.2989 r + 0.5870 g + 0.1140 b) exceeds
 * threshValue * 255 ('binary') or Otsu's threshold ('otsu'), 0 elsewhere (the reverse when inverted).
 */
export function threshold(image: TensorLike, method: 'binary' | 'otsu' = 'binary', inverted = false, threshValue = 0.5): Tensor {
  const op = 'image.threshold';
  const x = toTensor(image, op);
  if (isStringTensor(x)) throw new Error(`${op}: image must be numbers`);
  if (x.rank !== 3 || (x.shape[2] !== 3 && x.shape[2] !== 1)) throw new Error(`${op}: image must be [height, width, 3] or [height, width, 1], received shape ${fmt(x.shape)}`);
  if (method !== 'binary' && method !== 'otsu') throw new Error(`${op}: method must be 'binary' or 'otsu', received ${JSON.stringify(method)}`);
  if (typeof inverted !== 'boolean') throw new Error(`${op}: inverted must be true or false, received ${JSON.stringify(inverted)}`);
  if (typeof threshValue !== 'number' || Number.isNaN(threshValue)) throw new Error(`${op}: threshValue must be a number, received ${JSON.stringify(threshValue)}`);
  const [h, w, c] = x.shape;
  const v = x.values;
  // TF.js computes the luma with float32 tensors, so each step rounds to float32 as its ops do.
  const gray = new Float32Array(h * w);
  for (let i = 0; i < h * w; i++) {
    gray[i] = c === 1 ? v[i] : Math.fround(Math.fround(Math.fround(v[3 * i] * 0.2989) + Math.fround(v[3 * i + 1] * 0.587)) + Math.fround(v[3 * i + 2] * 0.114));
  }
  const limit = method === 'otsu' ? otsu(gray) : Math.fround(threshValue * 255);
  const out = new Int32Array(h * w);
  for (let i = 0; i < h * w; i++) out[i] = (inverted ? gray[i] <= limit : gray[i] > limit) ? 255 : 0;
  return tensor(out, [h, w, 1], 'int32');
}

/** Otsu's threshold as TF.js computes it: the histogram index maximizing the between-class variance (-1 if none does). */
function otsu(gray: Float32Array): number {
  const hist = new Float64Array(256);
  for (const g of gray) {
    // tf.round rounds halves to even.
    let k = Math.round(g);
    if (k - g === 0.5 && k % 2 !== 0) k -= 1;
    if (k >= 0 && k < 256) hist[k]++;
  }
  const total = gray.length;
  let best = -1;
  let bestVar = 0;
  for (let index = 0; index < 255; index++) {
    let n1 = 0;
    let s1 = 0;
    for (let k = 0; k <= index; k++) {
      n1 += hist[k];
      s1 += k * hist[k];
    }
    let n2 = 0;
    let s2 = 0;
    for (let k = index + 1; k < 256; k++) {
      n2 += hist[k];
      s2 += k * hist[k];
    }
    const f = Math.fround;
    const between = f(f(f(f(n1 / total) * f(n2 / total)) * f(f(s1 / n1) - f(s2 / n2))) * f(f(s1 / n1) - f(s2 / n2)));
    if (between > bestVar) {
      bestVar = between;
      best = index;
    }
  }
  return best;
}
