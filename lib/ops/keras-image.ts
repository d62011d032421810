// tn.ops.image: the basics of Keras 3's keras.ops.image over tensornode's image kernels (resize.ts, image.ts), in
// Keras's argument order, taking a single image ([h, w, c]) or a batch, channels last or first.
import { fmt } from '../shape-util.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { mul } from './elementwise.js';
import { affineTransform as affine, type AffineFillMode, type AffineInterpolation } from './image.js';
import { moveaxis } from './numpy.js';
import { resizeBilinear, resizeNearest } from './resize.js';
import { sum } from './reduce.js';
import { pad, reshape } from './shape.js';
import { floatArg } from './util.js';

type DataFormat = 'channels_last' | 'channels_first' | 'channelsLast' | 'channelsFirst' | null;

/** Runs f on a batch of channels-last images; a single image gains and loses the batch axis around it. */
function onBatch(images: TensorLike, dataFormat: DataFormat, op: string, f: (x: Tensor) => Tensor): Tensor {
  let x = floatArg(images, op);
  if (x.rank !== 3 && x.rank !== 4) throw new Error(`${op}: images must be 3-D (one image) or 4-D (a batch), received shape ${fmt(x.shape)}`);
  const single = x.rank === 3;
  if (single) x = reshape(x, [1, ...x.shape]);
  const first = dataFormat === 'channels_first' || dataFormat === 'channelsFirst';
  if (!first && dataFormat !== null && dataFormat !== undefined && dataFormat !== 'channels_last' && dataFormat !== 'channelsLast') {
    throw new Error(`${op}: dataFormat must be 'channels_last' or 'channels_first', received ${JSON.stringify(dataFormat)}`);
  }
  let y = f(first ? moveaxis(x, 1, -1) : x);
  if (first) y = moveaxis(y, -1, 1);
  return single ? reshape(y, y.shape.slice(1)) : y;
}

/**
 * Keras's image.resize with half-pixel centers (tf.image.resize): 'bilinear' (default) or 'nearest'. Antialiasing
 * and cropping to the aspect ratio are not available and are an error.
 */
export function resize(images: TensorLike, size: [number, number], interpolation: 'bilinear' | 'nearest' = 'bilinear', antialias = false, cropToAspectRatio = false, dataFormat: DataFormat = null): Tensor {
  if (interpolation !== 'bilinear' && interpolation !== 'nearest') throw new Error(`resize: interpolation must be 'bilinear' or 'nearest', received ${JSON.stringify(interpolation)}`);
  if (antialias !== false || cropToAspectRatio !== false) throw new Error('resize: antialias and cropToAspectRatio are not supported (tensornode resizes without antialiasing, to the full size)');
  return onBatch(images, dataFormat, 'resize', (x) => (interpolation === 'bilinear' ? resizeBilinear(x, size) : resizeNearest(x, size)));
}

/** Keras's image.affine_transform: transform [8] or [batch, 8] (TensorFlow's projective transform), fill as Keras. */
export function affineTransform(images: TensorLike, transform: TensorLike, interpolation: AffineInterpolation = 'bilinear', fillMode: AffineFillMode = 'constant', fillValue = 0, dataFormat: DataFormat = null): Tensor {
  return onBatch(images, dataFormat, 'affineTransform', (x) => affine(x, transform, { interpolation, fillMode, fillValue }));
}

/** Keras's image.rgb_to_grayscale: 0.2989 R + 0.587 G + 0.114 B, keeping a channel axis of 1. */
export function rgbToGrayscale(images: TensorLike, dataFormat: DataFormat = null): Tensor {
  return onBatch(images, dataFormat, 'rgbToGrayscale', (x) => {
    if (x.shape[3] !== 3) throw new Error(`rgbToGrayscale: images must have 3 channels, received shape ${fmt(x.shape)} (channels last)`);
    return sum(mul(x, [0.2989, 0.587, 0.114]), -1, true);
  });
}

/** Keras's image.pad_images to a target size: zeros around, topPad/leftPad rows and columns before the image. */
export function padImages(images: TensorLike, topPad: number, leftPad: number, targetHeight: number, targetWidth: number, dataFormat: DataFormat = null): Tensor {
  return onBatch(images, dataFormat, 'padImages', (x) => {
    const [, h, w] = x.shape;
    const bottom = targetHeight - topPad - h;
    const right = targetWidth - leftPad - w;
    if (![topPad, leftPad, bottom, right].every((v) => Number.isInteger(v) && v >= 0)) {
      throw new Error(`padImages: an image of ${h} x ${w} at (${topPad}, ${leftPad}) does not fit a target of ${targetHeight} x ${targetWidth}`);
    }
    return pad(x, [[0, 0], [topPad, bottom], [leftPad, right], [0, 0]]);
  });
}
