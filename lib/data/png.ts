// The small-PNG decoder shared by imageDatasetFromDirectory's two paths (on the main thread, and on the decode workers
// of lib/workers/decode-worker.ts): 8-bit PNGs that already have the size and channels asked for. sharp's set-up
// costs ~1 ms of CPU per call whatever the size, several times a small image's decoding; anything else (other sizes,
// palettes, 16-bit, interlaced or damaged files) is left to sharp, which names the file when it cannot decode it.
import { inflateSync } from 'node:zlib';

/** Up to this many pixels a PNG of the right size is decoded here instead of by sharp. */
export const SMALL_PNG_PIXELS = 64 * 64;

/** Whether images of this size are small enough that PNGs among them are worth decoding in JavaScript. */
export function smallPngSize(height: number, width: number): boolean {
  return height * width <= SMALL_PNG_PIXELS;
}

export function isPng(path: string): boolean {
  return path.toLowerCase().endsWith('.png');
}

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

function crc32(bytes: Uint8Array, start: number, end: number): number {
  let c = -1;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** PNG colour types without a palette, by their number of channels. */
const COLOR_TYPES: Record<number, number> = { 1: 0, 2: 4, 3: 2, 4: 6 };

const paeth = (a: number, b: number, c: number) => {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
};

/**
 * Decodes `bytes` into out[offset .. offset + height * width * channels) as float32 values in [0, 255], when it is a
 * PNG with intact CRCs, 8-bit, not interlaced, without a palette, of exactly that size and number of channels; false
 * (out possibly written) otherwise. The pixels are those fast-png and libvips give; ancillary chunks (gamma, tRNS)
 * are ignored, as fast-png ignores them. Written here rather than through fast-png because its pure-JavaScript
 * inflate costs ~130 us of CPU per 28x28 digit, and zlib's (node:zlib, native) a fraction of that.
 */
export function decodeSmallPng(bytes: Uint8Array, height: number, width: number, channels: number, out: Float32Array, offset: number): boolean {
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const idat: Uint8Array[] = [];
  let header = false;
  let pos = 8;
  for (;;) {
    if (pos + 12 > bytes.length) return false;
    const length = view.getUint32(pos);
    const end = pos + 8 + length;
    if (end + 4 > bytes.length) return false;
    if (crc32(bytes, pos + 4, end) !== view.getUint32(end)) return false;
    const type = String.fromCharCode(bytes[pos + 4], bytes[pos + 5], bytes[pos + 6], bytes[pos + 7]);
    const data = bytes.subarray(pos + 8, end);
    if (type === 'IHDR') {
      if (length !== 13) return false;
      const d = new DataView(data.buffer, data.byteOffset, 13);
      if (d.getUint32(0) !== width || d.getUint32(4) !== height || data[8] !== 8 || data[9] !== COLOR_TYPES[channels] || data[10] !== 0 || data[11] !== 0 || data[12] !== 0) return false;
      header = true;
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    else if (type === 'PLTE' || !header) return false;
    pos = end + 4;
  }
  if (!header || idat.length === 0) return false;
  const stride = width * channels;
  let raw: Buffer;
  try {
    // Output chunks of the expected size (plus room to see an overlong stream) rather than zlib's 16 KiB default,
    // whose allocation for every digit took a third of its decoding (14.5 against 9.5 us of CPU per 28x28 digit).
    raw = inflateSync(idat.length === 1 ? idat[0] : Buffer.concat(idat), { chunkSize: height * (stride + 1) + 64 });
  } catch {
    return false;
  }
  if (raw.length !== height * (stride + 1)) return false;
  // Unfiltered in place (each row refers to the unfiltered row above), then widened to float32.
  for (let r = 0; r < height; r++) {
    const at = r * (stride + 1) + 1;
    const up = at - stride - 1;
    const filter = raw[at - 1];
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? raw[at + i - channels] : 0;
      const b = r > 0 ? raw[up + i] : 0;
      const c = r > 0 && i >= channels ? raw[up + i - channels] : 0;
      let v = raw[at + i];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) v += paeth(a, b, c);
      else if (filter !== 0) return false;
      raw[at + i] = v;
      out[offset + r * stride + i] = v & 0xff;
    }
  }
  return true;
}
