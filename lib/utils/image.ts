// Keras's image utilities (keras.utils.load_img, img_to_array, array_to_img, save_img). Keras works on PIL images;
// here an image is its 8-bit pixels, decoded and encoded by sharp (as imageDatasetFromDirectory does). The colour
// conversions and the resizing are PIL's, integer for integer, so that the pixels are those Keras loads.
import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { adopt } from '../memory.js';
import { checkOptionNames } from '../names.js';
import { fmt } from '../shape-util.js';
import { Tensor, toTensor, type TensorLike } from '../tensor.js';

/** An image as PIL holds one: 8-bit pixels, row by row, `channels` per pixel (1: 'L', 3: 'RGB', 4: 'RGBA'). */
export interface RawImage {
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  data: Uint8Array;
}

export type Interpolation = 'nearest' | 'bilinear' | 'bicubic' | 'hamming' | 'box' | 'lanczos';

export interface LoadImgOptions {
  /** 'rgb' (default), 'rgba' or 'grayscale'. */
  colorMode?: 'rgb' | 'rgba' | 'grayscale';
  /** [height, width] to resize to; null (default) keeps the image's size. */
  targetSize?: [number, number] | null;
  /** PIL's resampling filter (default 'nearest', as Keras). */
  interpolation?: Interpolation;
  /** Crop the centre to the target's aspect ratio before resizing (Keras's keep_aspect_ratio). */
  keepAspectRatio?: boolean;
}

// ---------------------------------------------------------------------------------------------------------------
// PIL's resampling (Pillow's Resample.c): a separable convolution whose filter widens by the reduction factor, the
// weights in 22-bit fixed point, a horizontal pass to 8 bits and then a vertical one. 'nearest' is its affine
// transform instead, with the source coordinate accumulated in double steps (Geometry.c's ImagingScaleAffine).

const PRECISION_BITS = 32 - 8 - 2;

const sinc = (x: number) => (x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x));
const filters: Record<Exclude<Interpolation, 'nearest'>, { support: number; f: (x: number) => number }> = {
  box: { support: 0.5, f: (x) => (x > -0.5 && x <= 0.5 ? 1 : 0) },
  bilinear: { support: 1, f: (x) => (Math.abs(x) < 1 ? 1 - Math.abs(x) : 0) },
  hamming: {
    support: 1,
    f: (x) => {
      const a = Math.abs(x);
      if (a === 0) return 1;
      if (a >= 1) return 0;
      const t = a * Math.PI;
      return (Math.sin(t) / t) * (0.54 + 0.46 * Math.cos(t));
    },
  },
  bicubic: {
    support: 2,
    f: (x) => {
      const a = -0.5;
      const t = Math.abs(x);
      if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
      if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
      return 0;
    },
  },
  lanczos: { support: 3, f: (x) => (x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0) },
};

/** For each output position: the first input index, how many it reads, and their fixed-point weights. */
function coefficients(inSize: number, in0: number, in1: number, outSize: number, filter: { support: number; f: (x: number) => number }) {
  const scale = (in1 - in0) / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filter.support * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = in0 + (xx + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let total = 0;
    for (let x = 0; x < xmax; x++) {
      k[x] = filter.f((x + xmin - center + 0.5) / filterScale);
      total += k[x];
    }
    for (let x = 0; x < xmax; x++) {
      const w = total !== 0 ? k[x] / total : k[x];
      weights[xx * ksize + x] = Math.trunc(w < 0 ? -0.5 + w * (1 << PRECISION_BITS) : 0.5 + w * (1 << PRECISION_BITS));
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, weights };
}

const clip8 = (v: number) => {
  const s = Math.floor(v / (1 << PRECISION_BITS));
  return s < 0 ? 0 : s > 255 ? 255 : s;
};

/** PIL's resize(size, filter, box) of an image with premultiplied or no alpha; box = [x0, y0, x1, y1] in pixels. */
function resampleConvolution(img: RawImage, width: number, height: number, box: number[], filter: { support: number; f: (x: number) => number }): Uint8Array {
  const c = img.channels;
  const h = coefficients(img.width, box[0], box[2], width, filter);
  const v = coefficients(img.height, box[1], box[3], height, filter);
  const needH = width !== img.width || box[0] !== 0 || box[2] !== width;
  const needV = height !== img.height || box[1] !== 0 || box[3] !== height;
  let src = img.data;
  let srcWidth = img.width;
  let rowOffset = 0;
  if (needH) {
    // Only the rows the vertical pass reads are resampled horizontally.
    const first = v.bounds[0];
    const last = v.bounds[height * 2 - 2] + v.bounds[height * 2 - 1];
    const out = new Uint8Array((last - first) * width * c);
    for (let y = 0; y < last - first; y++) {
      for (let xx = 0; xx < width; xx++) {
        const xmin = h.bounds[xx * 2];
        const xmax = h.bounds[xx * 2 + 1];
        for (let ch = 0; ch < c; ch++) {
          let ss = 1 << (PRECISION_BITS - 1);
          for (let x = 0; x < xmax; x++) ss += src[((y + first) * srcWidth + x + xmin) * c + ch] * h.weights[xx * h.ksize + x];
          out[(y * width + xx) * c + ch] = clip8(ss);
        }
      }
    }
    src = out;
    srcWidth = width;
    rowOffset = first;
  }
  if (!needV) return src;
  const out = new Uint8Array(width * height * c);
  for (let yy = 0; yy < height; yy++) {
    const ymin = v.bounds[yy * 2] - rowOffset;
    const ymax = v.bounds[yy * 2 + 1];
    for (let x = 0; x < srcWidth; x++) {
      for (let ch = 0; ch < c; ch++) {
        let ss = 1 << (PRECISION_BITS - 1);
        for (let y = 0; y < ymax; y++) ss += src[((y + ymin) * srcWidth + x) * c + ch] * v.weights[yy * v.ksize + y];
        out[(yy * width + x) * c + ch] = clip8(ss);
      }
    }
  }
  return out;
}

/** PIL's nearest-neighbour resize: the source pixel under each output pixel's centre. */
function resampleNearest(img: RawImage, width: number, height: number, box: number[]): Uint8Array {
  const c = img.channels;
  const positions = (start: number, step: number, n: number, limit: number) => {
    const out = new Int32Array(n);
    let at = start + step * 0.5;
    for (let i = 0; i < n; i++, at += step) out[i] = Math.min(Math.max(at < 0 ? -1 : Math.trunc(at), 0), limit - 1);
    return out;
  };
  const xs = positions(box[0], (box[2] - box[0]) / width, width, img.width);
  const ys = positions(box[1], (box[3] - box[1]) / height, height, img.height);
  const out = new Uint8Array(width * height * c);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let ch = 0; ch < c; ch++) out[(y * width + x) * c + ch] = img.data[(ys[y] * img.width + xs[x]) * c + ch];
    }
  }
  return out;
}

/** (a b + 128) / 255 rounded as PIL's MULDIV255. */
const mulDiv255 = (a: number, b: number) => {
  const t = a * b + 128;
  return ((t >> 8) + t) >> 8;
};

/** PIL's Image.resize: RGBA is resampled with premultiplied alpha (except by nearest), as Pillow does. */
function resize(img: RawImage, width: number, height: number, box: number[], interpolation: Interpolation): RawImage {
  if (interpolation === 'nearest') return { width, height, channels: img.channels, data: resampleNearest(img, width, height, box) };
  const filter = filters[interpolation];
  if (img.channels !== 4) return { width, height, channels: img.channels, data: resampleConvolution(img, width, height, box, filter) };
  const pre = new Uint8Array(img.data.length);
  for (let i = 0; i < pre.length; i += 4) {
    const a = img.data[i + 3];
    for (let ch = 0; ch < 3; ch++) pre[i + ch] = mulDiv255(img.data[i + ch], a);
    pre[i + 3] = a;
  }
  const out = resampleConvolution({ ...img, data: pre }, width, height, box, filter);
  for (let i = 0; i < out.length; i += 4) {
    const a = out[i + 3];
    if (a === 0 || a === 255) continue;
    for (let ch = 0; ch < 3; ch++) out[i + ch] = Math.min(255, Math.trunc((255 * out[i + ch]) / a));
  }
  return { width, height, channels: 4, data: out };
}

// ---------------------------------------------------------------------------------------------------------------

/** PIL's convert() between the modes load_img asks for; `source` has sharp's 1 to 4 channels (2: grey and alpha). */
function convert(data: Uint8Array, source: number, pixels: number, target: 1 | 3 | 4): Uint8Array {
  if (source === target) return data;
  const out = new Uint8Array(pixels * target);
  for (let i = 0; i < pixels; i++) {
    const s = i * source;
    const grey = source <= 2;
    const r = data[s];
    const g = grey ? r : data[s + 1];
    const b = grey ? r : data[s + 2];
    const alpha = source === 2 ? data[s + 1] : source === 4 ? data[s + 3] : 255;
    if (target === 1) {
      // ITU-R 601-2 luma in PIL's 16-bit fixed point; alpha is dropped.
      out[i] = grey ? r : (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
    } else {
      out[i * target] = r;
      out[i * target + 1] = g;
      out[i * target + 2] = b;
      if (target === 4) out[i * target + 3] = alpha;
    }
  }
  return out;
}

/**
 * Keras's load_img: the image at `path` (or its encoded bytes) as 8-bit pixels in `colorMode`, resized to
 * `targetSize` with PIL's filter; with keepAspectRatio, the largest centred crop of the target's aspect ratio is what
 * gets resized. Decoding (PNG, JPEG, WebP, GIF, TIFF, ...) is sharp's.
 */
export async function loadImg(path: string | Uint8Array, options: LoadImgOptions = {}): Promise<RawImage> {
  const what = 'loadImg';
  checkOptionNames(options, ['colorMode', 'targetSize', 'interpolation', 'keepAspectRatio'], what);
  const colorMode = options.colorMode ?? 'rgb';
  const channels = ({ grayscale: 1, rgb: 3, rgba: 4 } as const)[colorMode];
  if (!channels) throw new Error(`${what}: colorMode must be 'grayscale', 'rgb' or 'rgba', received ${JSON.stringify(options.colorMode)}`);
  const interpolation = options.interpolation ?? 'nearest';
  if (interpolation !== 'nearest' && !Object.hasOwn(filters, interpolation)) {
    throw new Error(`${what}: invalid interpolation method ${JSON.stringify(interpolation)}; supported methods are nearest, ${Object.keys(filters).join(', ')}`);
  }
  const target = options.targetSize ?? null;
  if (target !== null && !(Array.isArray(target) && target.length === 2 && target.every((d) => Number.isInteger(d) && d > 0))) {
    throw new Error(`${what}: targetSize must be [height, width] with positive integers, received ${JSON.stringify(options.targetSize)}`);
  }
  const { default: sharp } = await import('sharp');
  let decoded: { data: Buffer; info: { width: number; height: number; channels: number } };
  const name = typeof path === 'string' ? path : `${path.length} bytes`;
  try {
    decoded = await sharp(path, { failOn: 'error' }).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new Error(`${what}: cannot decode ${name}: ${(err as Error).message}`, { cause: err });
  }
  const { width, height } = decoded.info;
  let img: RawImage = { width, height, channels, data: convert(new Uint8Array(decoded.data), decoded.info.channels, width * height, channels) };
  if (target && (target[0] !== height || target[1] !== width)) {
    const [th, tw] = target;
    let box = [0, 0, width, height];
    if (options.keepAspectRatio) {
      const cropHeight = Math.min(height, Math.floor((width * th) / tw));
      const cropWidth = Math.min(width, Math.floor((height * tw) / th));
      const top = Math.floor((height - cropHeight) / 2);
      const left = Math.floor((width - cropWidth) / 2);
      box = [left, top, left + cropWidth, top + cropHeight];
    }
    img = resize(img, tw, th, box, interpolation);
  }
  return img;
}

type DataFormat = 'channels_last' | 'channels_first';
function checkDataFormat(v: unknown, what: string): DataFormat {
  const f = v ?? 'channels_last';
  if (f !== 'channels_last' && f !== 'channels_first') throw new Error(`${what}: dataFormat must be 'channels_last' or 'channels_first', received ${JSON.stringify(v)}`);
  return f;
}

/** Keras's img_to_array: a float32 tensor [height, width, channels] (or channels first) of the 8-bit values. */
export function imgToArray(img: RawImage, options: { dataFormat?: DataFormat; dtype?: 'float32' | 'int32' } = {}): Tensor {
  const what = 'imgToArray';
  checkOptionNames(options, ['dataFormat', 'dtype'], what);
  const dataFormat = checkDataFormat(options.dataFormat, what);
  const dtype = options.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'int32') throw new Error(`${what}: dtype must be 'float32' or 'int32', received ${JSON.stringify(options.dtype)}`);
  const { width, height, channels, data } = img ?? ({} as RawImage);
  if (!(data instanceof Uint8Array) || data.length !== width * height * channels) {
    throw new Error(`${what}: expected an image from loadImg or arrayToImg ({ width, height, channels, data }), received ${img === null || typeof img !== 'object' ? String(img) : `an object with keys ${Object.keys(img).join(', ')}`}`);
  }
  const out = dtype === 'float32' ? new Float32Array(data.length) : new Int32Array(data.length);
  if (dataFormat === 'channels_last') out.set(data);
  else for (let i = 0; i < width * height; i++) for (let c = 0; c < channels; c++) out[c * width * height + i] = data[i * channels + c];
  return new Tensor(adopt(out), dataFormat === 'channels_last' ? [height, width, channels] : [channels, height, width], dtype);
}

/**
 * Keras's array_to_img: a [height, width, channels] array (1, 3 or 4 channels; channels first with dataFormat) as an
 * 8-bit image. With scale (default) the values are first stretched to [0, 255] (minus the minimum, over the maximum);
 * fractions are then cut to integers as numpy's astype('uint8') does.
 */
export function arrayToImg(x: TensorLike, options: { dataFormat?: DataFormat; scale?: boolean } = {}): RawImage {
  const what = 'arrayToImg';
  checkOptionNames(options, ['dataFormat', 'scale', 'dtype'], what);
  const dataFormat = checkDataFormat(options.dataFormat, what);
  const t = toTensor(x, what);
  if (t.rank !== 3) throw new Error(`${what}: expected an image array of rank 3 (a single image), received shape ${fmt(t.shape)}`);
  const [height, width, channels] = dataFormat === 'channels_last' ? t.shape : [t.shape[1], t.shape[2], t.shape[0]];
  if (channels !== 1 && channels !== 3 && channels !== 4) throw new Error(`${what}: unsupported number of channels ${channels} in shape ${fmt(t.shape)}; expected 1, 3 or 4`);
  const v = t.values;
  const at = (i: number, c: number) => (dataFormat === 'channels_last' ? v[i * channels + c] : v[c * width * height + i]);
  let lo = 0;
  let factor = 1;
  if (options.scale ?? true) {
    lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < v.length; i++) {
      lo = Math.min(lo, v[i]);
      hi = Math.max(hi, v[i]);
    }
    factor = hi - lo !== 0 ? 255 / (hi - lo) : 255;
  }
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < channels; c++) {
      const value = (at(i, c) - lo) * factor;
      if (!(value >= 0 && value < 256)) {
        throw new Error(`${what}: value ${at(i, c)} at pixel ${i}, channel ${c} is outside [0, 256) and cannot be an 8-bit pixel; pass scale: true, or scale the array to [0, 255]`);
      }
      data[i * channels + c] = Math.trunc(value);
    }
  }
  return { width, height, channels, data };
}

const encoders = { png: 'png', jpg: 'jpeg', jpeg: 'jpeg', webp: 'webp', gif: 'gif', tif: 'tiff', tiff: 'tiff', avif: 'avif' } as const;

/**
 * Keras's save_img: `x` (an array, as arrayToImg takes, or an image) written to `path` in `fileFormat` (by default the
 * extension's), through sharp. An RGBA image saved as JPEG loses its alpha, as Keras warns. `quality` is passed to
 * the lossy encoders (Keras's **kwargs to PIL's save).
 */
export async function saveImg(
  path: string,
  x: TensorLike | RawImage,
  options: { dataFormat?: DataFormat; fileFormat?: string; scale?: boolean; quality?: number } = {},
): Promise<void> {
  const what = 'saveImg';
  checkOptionNames(options, ['dataFormat', 'fileFormat', 'scale', 'quality'], what);
  const img = isRawImage(x) ? x : arrayToImg(x, { dataFormat: options.dataFormat, scale: options.scale });
  const format = (options.fileFormat ?? extname(path).slice(1)).toLowerCase();
  const encoder = encoders[format as keyof typeof encoders];
  if (!encoder) throw new Error(`${what}: cannot tell the file format of ${JSON.stringify(path)}; pass fileFormat, one of ${Object.keys(encoders).join(', ')}`);
  const { default: sharp } = await import('sharp');
  let image = sharp(img.data, { raw: { width: img.width, height: img.height, channels: img.channels } });
  if (img.channels === 4 && encoder === 'jpeg') {
    console.warn(`${what}: the JPG format does not support RGBA images, converting to RGB`);
    image = image.removeAlpha();
  }
  const encoded = await image.toFormat(encoder, options.quality === undefined ? {} : { quality: options.quality }).toBuffer();
  await writeFile(path, encoded);
}

function isRawImage(x: unknown): x is RawImage {
  return typeof x === 'object' && x !== null && !(x instanceof Tensor) && (x as RawImage).data instanceof Uint8Array && typeof (x as RawImage).width === 'number';
}
