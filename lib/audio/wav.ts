// WAV files (RIFF/WAVE): TensorFlow's tf.audio.decode_wav and encode_wav, for audioDatasetFromDirectory and for
// programs that read or write clips themselves. Decoding takes integer PCM of 8 (unsigned), 16, 24 and 32 bits and
// IEEE float of 32 and 64 bits, plain or WAVE_FORMAT_EXTENSIBLE; samples come back as float32 in [-1, 1).
import { adopt } from '../memory.js';
import { Tensor, toTensor, type TensorLike } from '../tensor.js';

/** A decoded clip: interleaved samples [frames * channels] in [-1, 1). */
export interface WavData {
  samples: Float32Array;
  frames: number;
  channels: number;
  sampleRate: number;
}

export interface DecodeWavOptions {
  /** Channels wanted: -1 (default) keeps the file's; fewer keeps the first ones; more repeats a mono file's channel. */
  desiredChannels?: number;
  /** Frames wanted: -1 (default) keeps all; fewer truncates; more pads with zeros. */
  desiredSamples?: number;
}

const PCM = 1;
const FLOAT = 3;
const EXTENSIBLE = 0xfffe;

/** Parses a WAV file's bytes; `source` names the file in errors. */
export function readWav(bytes: Uint8Array, source = 'decodeWav'): WavData {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
  if (bytes.byteLength < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') {
    throw new Error(`${source}: not a WAV file (expected a RIFF/WAVE header, found ${bytes.byteLength < 4 ? `${bytes.byteLength} bytes` : `"${tag(0)}"`})`);
  }
  let format: { code: number; channels: number; sampleRate: number; bits: number } | null = null;
  let at = 12;
  while (at + 8 <= bytes.byteLength) {
    const id = tag(at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.byteLength) throw new Error(`${source}: truncated fmt chunk (${size} bytes)`);
      let code = view.getUint16(body, true);
      // WAVE_FORMAT_EXTENSIBLE keeps the real format code in the first two bytes of its subformat GUID.
      if (code === EXTENSIBLE && size >= 40 && body + 26 <= bytes.byteLength) code = view.getUint16(body + 24, true);
      const channels = view.getUint16(body + 2, true);
      const sampleRate = view.getUint32(body + 4, true);
      const bits = view.getUint16(body + 14, true);
      const supported = (code === PCM && [8, 16, 24, 32].includes(bits)) || (code === FLOAT && (bits === 32 || bits === 64));
      if (!supported) {
        throw new Error(`${source}: unsupported WAV encoding (format code ${code}, ${bits} bits per sample); integer PCM of 8, 16, 24 or 32 bits and float of 32 or 64 bits are read`);
      }
      if (channels < 1 || sampleRate < 1) throw new Error(`${source}: invalid fmt chunk (channels=${channels}, sampleRate=${sampleRate})`);
      format = { code, channels, sampleRate, bits };
    } else if (id === 'data') {
      if (format === null) throw new Error(`${source}: the data chunk comes before the fmt chunk`);
      // A declared size past the end of the file (streaming writers leave 0 or 0xffffffff) is read up to the end.
      const end = Math.min(body + size, bytes.byteLength);
      const width = format.bits / 8;
      const frames = Math.floor((end - body) / (width * format.channels));
      const n = frames * format.channels;
      const samples = new Float32Array(n);
      const { code, bits } = format;
      for (let i = 0, p = body; i < n; i++, p += width) {
        if (code === FLOAT) samples[i] = bits === 32 ? view.getFloat32(p, true) : view.getFloat64(p, true);
        else if (bits === 8) samples[i] = (bytes[p] - 128) / 128;
        else if (bits === 16) samples[i] = view.getInt16(p, true) / 32768;
        else if (bits === 24) samples[i] = (((bytes[p + 2] << 24) | (bytes[p + 1] << 16) | (bytes[p] << 8)) >> 8) / 8388608;
        else samples[i] = view.getInt32(p, true) / 2147483648;
      }
      return { samples, frames, channels: format.channels, sampleRate: format.sampleRate };
    }
    at = body + size + (size & 1); // chunks are padded to an even length
  }
  throw new Error(`${source}: no data chunk found${format === null ? ' (and no fmt chunk)' : ''}`);
}

/** Interleaved samples with `channels` channels and `frames` frames, as decodeWav's options ask. */
export function fitWav(w: WavData, desiredChannels: number, desiredSamples: number, source = 'decodeWav'): WavData {
  const channels = desiredChannels === -1 ? w.channels : desiredChannels;
  const frames = desiredSamples === -1 ? w.frames : desiredSamples;
  if (channels === w.channels && frames === w.frames) return w;
  if (channels > w.channels && w.channels !== 1) {
    throw new Error(`${source}: the file has ${w.channels} channels; desiredChannels ${channels} can only repeat a mono file's channel or keep the first channels`);
  }
  const out = new Float32Array(frames * channels);
  const kept = Math.min(frames, w.frames);
  for (let f = 0; f < kept; f++) {
    for (let c = 0; c < channels; c++) out[f * channels + c] = w.samples[f * w.channels + (w.channels === 1 ? 0 : c)];
  }
  return { samples: out, frames, channels, sampleRate: w.sampleRate };
}

function count(v: number | undefined, name: string): number {
  if (v === undefined || v === -1) return -1;
  if (!Number.isInteger(v) || v < 1) throw new Error(`decodeWav: ${name} must be a positive integer or -1, received ${String(v)}`);
  return v;
}

/**
 * TensorFlow's tf.audio.decode_wav: the clip as a float32 tensor [samples, channels] in [-1, 1) and its sample rate.
 */
export function decodeWav(contents: Uint8Array | ArrayBuffer, options: DecodeWavOptions = {}): { audio: Tensor; sampleRate: number } {
  const bytes = contents instanceof Uint8Array ? contents : contents instanceof ArrayBuffer ? new Uint8Array(contents) : null;
  if (!bytes) throw new Error(`decodeWav: expected the file's bytes as a Uint8Array (a Buffer) or an ArrayBuffer, received ${typeof contents}`);
  const channels = count(options.desiredChannels, 'desiredChannels');
  const frames = count(options.desiredSamples, 'desiredSamples');
  const w = fitWav(readWav(bytes), channels, frames);
  return { audio: new Tensor(adopt(w.samples), [w.frames, w.channels], 'float32'), sampleRate: w.sampleRate };
}

/**
 * TensorFlow's tf.audio.encode_wav: a float32 clip [samples, channels] (values in [-1, 1], clipped) as the bytes of
 * a 16-bit PCM WAV file.
 */
export function encodeWav(audio: TensorLike, sampleRate: number): Uint8Array {
  const t = toTensor(audio, 'encodeWav');
  if (t.rank !== 2) throw new Error(`encodeWav: audio must have shape [samples, channels], received shape [${t.shape.join(', ')}]`);
  if (!Number.isInteger(sampleRate) || sampleRate < 1) throw new Error(`encodeWav: sampleRate must be a positive integer, received ${String(sampleRate)}`);
  const [frames, channels] = t.shape;
  if (channels < 1 || channels > 65535) throw new Error(`encodeWav: channels must be 1-65535, received ${channels}`);
  const values = t.dataSync();
  const dataBytes = frames * channels * 2;
  const out = new Uint8Array(44 + dataBytes);
  const view = new DataView(out.buffer);
  const ascii = (at: number, s: string) => { for (let i = 0; i < 4; i++) out[at + i] = s.charCodeAt(i); };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, PCM, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * channels * 2, true);
  view.setUint16(32, channels * 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  for (let i = 0; i < values.length; i++) {
    const v = Math.max(-1, Math.min(1, values[i]));
    view.setInt16(44 + 2 * i, Math.max(-32768, Math.min(32767, Math.round(v * 32768))), true);
  }
  return out;
}
