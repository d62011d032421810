// TF.js's tf.image: resizing with TF.js's sampling flags, flips and colour conversions, under TF.js's names and
// argument orders. Keras's image ops are tn.ops (resize, rgbToGrayscale, ...) and sample with half-pixel centers,
// where TF.js's resizeBilinear and resizeNearestNeighbor by default do not.
import { fmt } from '../shape-util.js';
import { Tensor, tensor, type TensorLike } from '../tensor.js';
import { cast, mul } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import { resizeBilinear as bilinear, resizeNearest, type Sampling } from '../ops/resize.js';
import { reshape, reverse, tile } from '../ops/shape.js';
import { toTensor } from '../ops/util.js';

function sampling(alignCorners: unknown, halfPixelCenters: unknown, op: string): Sampling {
  if (typeof alignCorners !== 'boolean' || typeof halfPixelCenters !== 'boolean') {
    throw new Error(`${op}: alignCorners and halfPixelCenters must be booleans, received ${JSON.stringify(alignCorners)} and ${JSON.stringify(halfPixelCenters)}`);
  }
  if (alignCorners && halfPixelCenters) throw new Error(`${op}: if halfPixelCenters is true, alignCorners must be false`);
  return { alignCorners, halfPixelCenters, coordinates: 'float64' };
}

/** Runs a 4-D resize on [batch, h, w, c] or [h, w, c] images, giving back the rank it was given. */
function resize(
  images: TensorLike, size: [number, number], s: Sampling, op: string,
  run: (x: Tensor, size: [number, number], s: Sampling, op: string) => Tensor,
): Tensor {
  const x = toTensor(images, op);
  if (x.rank !== 3 && x.rank !== 4) throw new Error(`${op}: images must be rank 3 [height, width, channels] or 4 [batch, height, width, channels], received shape ${fmt(x.shape)}`);
  if (x.rank === 4) return run(x, size, s, op);
  const y = run(reshape(x, [1, ...x.shape]), size, s, op);
  return reshape(y, y.shape.slice(1));
}

/**
 * TF.js's image.resizeBilinear(images, [newHeight, newWidth], alignCorners = false, halfPixelCenters = false): output
 * pixel i samples the input at i * n / m, or i * (n - 1) / (m - 1) with alignCorners, or (i + 0.5) * n / m - 0.5 with
 * halfPixelCenters (Keras's and tn.resizeBilinear's convention).
 */
export function resizeBilinear(images: TensorLike, size: [number, number], alignCorners = false, halfPixelCenters = false): Tensor {
  const op = 'image.resizeBilinear';
  return resize(images, size, sampling(alignCorners, halfPixelCenters, op), op, bilinear);
}

/**
 * TF.js's image.resizeNearestNeighbor(images, [newHeight, newWidth], alignCorners = false, halfPixelCenters = false):
 * the input pixel at floor of resizeBilinear's coordinate (rounded with alignCorners; (i + 0.5) * n / m with
 * halfPixelCenters).
 */
export function resizeNearestNeighbor(images: TensorLike, size: [number, number], alignCorners = false, halfPixelCenters = false): Tensor {
  const op = 'image.resizeNearestNeighbor';
  return resize(images, size, sampling(alignCorners, halfPixelCenters, op), op, resizeNearest);
}

/** TF.js's image.flipLeftRight(images): each image of a [batch, height, width, channels] batch mirrored. */
export function flipLeftRight(images: TensorLike): Tensor {
  const x = toTensor(images, 'image.flipLeftRight');
  if (x.rank !== 4) throw new Error(`image.flipLeftRight: images must be rank 4 [batch, height, width, channels], received shape ${fmt(x.shape)}`);
  return reverse(x, 2);
}

/** TF.js's image.rgbToGrayscale(image): [..., 3] to [..., 1] by TF.js's weights 0.2989, 0.5870, 0.1140. */
export function rgbToGrayscale(image: TensorLike): Tensor {
  const x = toTensor(image, 'image.rgbToGrayscale');
  if (x.rank < 2 || x.shape[x.rank - 1] !== 3) {
    throw new Error(`image.rgbToGrayscale: the image must have rank 2 or more and 3 channels last, received shape ${fmt(x.shape)}`);
  }
  const gray = sum(mul(cast(x, 'float32'), tensor([0.2989, 0.587, 0.114])), -1, true);
  return x.dtype === 'int32' ? cast(gray, 'int32') : gray;
}

/** TF.js's image.grayscaleToRGB(image): [..., 1] to [..., 3], the channel repeated. */
export function grayscaleToRGB(image: TensorLike): Tensor {
  const x = toTensor(image, 'image.grayscaleToRGB');
  if (x.rank < 2 || x.shape[x.rank - 1] !== 1) {
    throw new Error(`image.grayscaleToRGB: the image must have rank 2 or more and 1 channel last, received shape ${fmt(x.shape)}`);
  }
  return tile(x, [...Array(x.rank - 1).fill(1), 3]);
}

// Object detection's ops: non-max suppression (each variant sync and async) and cropAndResize.
export {
  nonMaxSuppression, nonMaxSuppressionAsync, nonMaxSuppressionWithScore, nonMaxSuppressionWithScoreAsync,
  nonMaxSuppressionPadded, nonMaxSuppressionPaddedAsync, cropAndResize,
} from './detection.js';
// Projective transforms, rotation about a point, and thresholding.
export { transform, rotateWithOffset, threshold } from './image-transforms.js';
