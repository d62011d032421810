// The small-PNG decoder shared by imageDatasetFromDirectory's two paths (on the main thread, and on the decode workers
// of lib/workers/decode-worker.ts): fast-png for 8-bit PNGs that already have the size and channels asked for.
// sharp's set-up costs ~1 ms of CPU per call whatever the size, several times a small image's decoding; anything else
// (other sizes, palettes, 16-bit, damaged files) is left to sharp, which names the file when it cannot decode it.
import { decode } from 'fast-png';

/** Up to this many pixels a PNG of the right size is decoded in JavaScript (fast-png) instead of by sharp. */
export const SMALL_PNG_PIXELS = 64 * 64;

/** Whether images of this size are small enough that PNGs among them are worth decoding in JavaScript. */
export function smallPngSize(height: number, width: number): boolean {
  return height * width <= SMALL_PNG_PIXELS;
}

export function isPng(path: string): boolean {
  return path.toLowerCase().endsWith('.png');
}

/**
 * Decodes `bytes` into out[offset .. offset + height * width * channels) as float32 values in [0, 255], when the PNG is
 * 8-bit, not paletted, and has exactly that size and number of channels; false (out untouched) otherwise.
 */
export function decodeSmallPng(bytes: Uint8Array, height: number, width: number, channels: number, out: Float32Array, offset: number): boolean {
  let png;
  try {
    png = decode(bytes, { checkCrc: true });
  } catch {
    return false;
  }
  if (png.depth !== 8 || png.palette || png.channels !== channels || png.width !== width || png.height !== height) return false;
  const pixels = png.data as Uint8Array;
  for (let i = 0; i < pixels.length; i++) out[offset + i] = pixels[i];
  return true;
}
