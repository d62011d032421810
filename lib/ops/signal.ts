// tn.signal: TF.js's tf.signal (frame, hannWindow, hammingWindow, stft) and the real FFT and mel filter bank of Keras 3's
// keras.ops / TensorFlow's tf.signal, batched over leading axes. tensornode has no complex dtype, so a spectrum is a
// pair of float32 tensors [real, imag] (Keras 3's ops.rfft and ops.stft return that pair too; TF.js returns one
// complex tensor). The FFT runs in native/fft.cc over rows in parallel, in double precision. Every op here is linear
// in its signal and has its gradient: rfft's is its adjoint (an inverse-FFT-like transform), frame's is overlap-add.
import { record } from '../autograd/tape.js';
import { native } from '../native.js';
import { fmt, sizeOf } from '../shape-util.js';
import { empty, Tensor, type TensorLike } from '../tensor.js';
import { mul } from './elementwise.js';
import { f32, floatArg } from './util.js';

/** The largest FFT length native/fft.cc accepts (2^26). */
const maxFftLength = 2 ** 26;

function positiveInteger(v: unknown, op: string, arg: string, max = 2 ** 31 - 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0 || v > max) {
    throw new Error(`${op}: ${arg} must be a positive integer${max < 2 ** 31 - 1 ? ` up to ${max}` : ''}, received ${String(v)}`);
  }
  return v;
}

function finiteNumber(v: unknown, op: string, arg: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${op}: ${arg} must be a finite number, received ${String(v)}`);
  return v;
}

function signalArg(x: TensorLike, op: string): Tensor {
  const t = floatArg(x, op);
  if (t.rank === 0) throw new Error(`${op}: the signal must have rank at least 1 ([..., samples]), received a scalar`);
  return t;
}

/**
 * out[..., p] = x[..., index[p]] over the last axis (index -1: `fill`), shaped [..., ...tail]. Its gradient adds each
 * output's gradient back into the sample it came from: for frames, the overlap-add.
 */
export function gatherLastAxis(x: Tensor, index: Int32Array, tail: number[], fill: number, op: string): Tensor {
  const n = x.shape[x.rank - 1];
  const lead = x.shape.slice(0, -1);
  const rows = sizeOf(lead);
  const m = index.length;
  const out = empty([...lead, ...tail]);
  const xv = f32(x);
  const o = f32(out);
  for (let r = 0; r < rows; r++) {
    const src = r * n;
    const dst = r * m;
    for (let p = 0; p < m; p++) {
      const i = index[p];
      o[dst + p] = i < 0 ? fill : xv[src + i];
    }
  }
  return record(out, op, [x], (dy) => {
    const g = empty(x.shape.slice(), 'float32', true);
    const gv = f32(g);
    const d = f32(dy);
    for (let r = 0; r < rows; r++) {
      const src = r * n;
      const dst = r * m;
      for (let p = 0; p < m; p++) {
        const i = index[p];
        if (i >= 0) gv[src + i] += d[dst + p];
      }
    }
    return [g];
  });
}

/**
 * Frames of `frameLength` samples every `frameStep` samples along the last axis: [..., samples] -> [..., frames,
 * frameLength], as TF.js's tf.signal.frame (and TensorFlow's, axis -1). Without `padEnd` there are
 * floor((samples - frameLength) / frameStep) + 1 frames and frameLength must not exceed samples; with it, every
 * frame that starts inside the signal is kept (ceil(samples / frameStep) frames), filled with `padValue` past the end.
 */
export function frame(signal: TensorLike, frameLength: number, frameStep: number, padEnd = false, padValue = 0): Tensor {
  const op = 'frame';
  const x = signalArg(signal, op);
  positiveInteger(frameLength, op, 'frameLength');
  positiveInteger(frameStep, op, 'frameStep');
  if (typeof padEnd !== 'boolean') throw new Error(`${op}: padEnd must be a boolean, received ${String(padEnd)}`);
  finiteOrNaN(padValue, op, 'padValue');
  const samples = x.shape[x.rank - 1];
  let frames: number;
  if (padEnd) {
    frames = Math.ceil(samples / frameStep);
  } else {
    if (frameLength > samples) {
      throw new Error(`${op}: frameLength ${frameLength} is longer than the signal (${samples} samples, shape ${fmt(x.shape)}); pass padEnd true to pad it`);
    }
    frames = Math.floor((samples - frameLength) / frameStep) + 1;
  }
  checkSize([...x.shape.slice(0, -1), frames, frameLength], op);
  const index = new Int32Array(frames * frameLength);
  for (let f = 0; f < frames; f++) {
    for (let j = 0; j < frameLength; j++) {
      const i = f * frameStep + j;
      index[f * frameLength + j] = i < samples ? i : -1;
    }
  }
  return gatherLastAxis(x, index, [frames, frameLength], padValue, op);
}

function finiteOrNaN(v: unknown, op: string, arg: string): void {
  if (typeof v !== 'number') throw new Error(`${op}: ${arg} must be a number, received ${String(v)}`);
}

function checkSize(shape: number[], op: string): void {
  if (sizeOf(shape) > 2 ** 31 - 1) throw new Error(`${op}: the result would have ${sizeOf(shape)} elements (shape ${fmt(shape)}), more than a tensor holds`);
}

/**
 * a - b cos(2 pi i / d) for i in [0, length): TF.js's cosine window, whose d is `length` for an even length (periodic)
 * and length - 1 for an odd one (symmetric), as TF.js's and TensorFlow's periodic windows are.
 */
function cosineWindow(length: number, a: number, b: number, op: string): Tensor {
  positiveInteger(length, op, 'length');
  const out = empty([length]);
  const o = f32(out);
  if (length === 1) {
    o[0] = 1;
    return out;
  }
  const even = 1 - (length % 2);
  const d = length + even - 1;
  for (let i = 0; i < length; i++) o[i] = a - b * Math.cos((2 * Math.PI * i) / d);
  return out;
}

/** The Hann window of `length` points (TF.js's tf.signal.hannWindow: periodic for even lengths): 0.5 - 0.5 cos(2 pi i / length). */
export function hannWindow(length: number): Tensor {
  return cosineWindow(length, 0.5, 0.5, 'hannWindow');
}

/** The Hamming window of `length` points (TF.js's tf.signal.hammingWindow: periodic for even lengths): 0.54 - 0.46 cos(2 pi i / length). */
export function hammingWindow(length: number): Tensor {
  return cosineWindow(length, 0.54, 0.46, 'hammingWindow');
}

/**
 * The real FFT of the last axis: x [..., n] -> [real, imag], each [..., fftLength / 2 + 1] (floor), X[k] =
 * sum_t x[t] exp(-2 pi i k t / fftLength), unnormalized. Each row is cropped or zero-padded to `fftLength` (default n),
 * as Keras 3's ops.rfft and numpy's rfft. Two float32 tensors because tensornode has no complex dtype (TF.js's
 * tf.spectral.rfft returns one complex tensor). Any length: powers of two directly, others by Bluestein's algorithm.
 */
export function rfft(x: TensorLike, fftLength?: number): [Tensor, Tensor] {
  const op = 'rfft';
  const t = signalArg(x, op);
  const n = t.shape[t.rank - 1];
  const N = fftLength ?? n;
  if (fftLength === undefined && n === 0) throw new Error(`${op}: the last axis is empty (shape ${fmt(t.shape)}); give an fftLength`);
  positiveInteger(N, op, 'fftLength', maxFftLength);
  const lead = t.shape.slice(0, -1);
  const rows = sizeOf(lead);
  const bins = Math.floor(N / 2) + 1;
  checkSize([...lead, bins], op);
  const re = empty([...lead, bins]);
  const im = empty([...lead, bins]);
  native.rfft(f32(t), rows, n, N, f32(re), f32(im));
  const adjoint = (dRe: Tensor | null, dIm: Tensor | null): Tensor[] => {
    const dx = empty(t.shape.slice());
    native.rfftAdjoint(dRe && f32(dRe), dIm && f32(dIm), rows, n, N, f32(dx));
    return [dx];
  };
  return [record(re, op, [t], (dy) => adjoint(dy, null)), record(im, op, [t], (dy) => adjoint(null, dy))];
}

/** 2^ceil(log2(n)): TF.js's default fftLength for a frame of n samples. */
function enclosingPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * The short-time Fourier transform, as TF.js's tf.signal.stft: frames of `frameLength` every `frameStep` (no padding,
 * no centering), each multiplied by windowFn(frameLength) and transformed by rfft with `fftLength` (default: the
 * smallest power of two at least frameLength). signal [..., samples] -> [real, imag], each [..., frames,
 * fftLength / 2 + 1]: a pair of float32 tensors, since tensornode has no complex dtype (TF.js returns one complex
 * tensor; Keras 3's ops.stft returns the pair too, but frames a centered, reflect-padded signal: see
 * tn.layers.MelSpectrogram).
 */
export function stft(
  signal: TensorLike, frameLength: number, frameStep: number, fftLength?: number,
  windowFn: (length: number) => Tensor = hannWindow,
): [Tensor, Tensor] {
  const op = 'stft';
  const x = signalArg(signal, op);
  positiveInteger(frameLength, op, 'frameLength');
  positiveInteger(frameStep, op, 'frameStep');
  const N = fftLength ?? enclosingPowerOfTwo(frameLength);
  positiveInteger(N, op, 'fftLength', maxFftLength);
  if (typeof windowFn !== 'function') throw new Error(`${op}: windowFn must be a function of the frame length, received ${String(windowFn)}`);
  const samples = x.shape[x.rank - 1];
  if (frameLength > samples) {
    throw new Error(`${op}: frameLength ${frameLength} is longer than the signal (${samples} samples, shape ${fmt(x.shape)})`);
  }
  const window = windowFn(frameLength);
  if (!(window instanceof Tensor) || window.rank !== 1 || window.shape[0] !== frameLength) {
    throw new Error(`${op}: windowFn(${frameLength}) must return a tensor of shape [${frameLength}], received ${window instanceof Tensor ? `shape ${fmt(window.shape)}` : String(window)}`);
  }
  return rfft(mul(frame(x, frameLength, frameStep), window), N);
}

/** HTK's mel scale, as TensorFlow computes it: 1127 ln(1 + f / 700). */
function hertzToMel(f: number): number {
  return 1127 * Math.log(1 + f / 700);
}

/**
 * The [numSpectrogramBins, numMelBins] matrix of triangular filters (peak 1) over the mel scale, without the DC bin
 * (HTK's convention): the bins' frequencies are linspace(0, sampleRate / 2, numSpectrogramBins), the filters'
 * edges linspace(mel(lowerEdgeHertz), mel(upperEdgeHertz), numMelBins + 2). TensorFlow's
 * tf.signal.linear_to_mel_weight_matrix and Keras 3's MelSpectrogram matrix (computed here in float64, then rounded).
 */
export function linearToMelWeightMatrix(
  numMelBins = 20, numSpectrogramBins = 129, sampleRate = 8000, lowerEdgeHertz = 125, upperEdgeHertz = 3800,
): Tensor {
  const op = 'linearToMelWeightMatrix';
  positiveInteger(numMelBins, op, 'numMelBins');
  positiveInteger(numSpectrogramBins, op, 'numSpectrogramBins');
  finiteNumber(sampleRate, op, 'sampleRate');
  finiteNumber(lowerEdgeHertz, op, 'lowerEdgeHertz');
  finiteNumber(upperEdgeHertz, op, 'upperEdgeHertz');
  if (sampleRate <= 0) throw new Error(`${op}: sampleRate must be positive, received ${sampleRate}`);
  if (lowerEdgeHertz < 0) throw new Error(`${op}: lowerEdgeHertz must be non-negative, received ${lowerEdgeHertz}`);
  if (lowerEdgeHertz >= upperEdgeHertz) {
    throw new Error(`${op}: lowerEdgeHertz ${lowerEdgeHertz} must be below upperEdgeHertz ${upperEdgeHertz}`);
  }
  if (upperEdgeHertz > sampleRate / 2) {
    throw new Error(`${op}: upperEdgeHertz ${upperEdgeHertz} must not exceed the Nyquist frequency ${sampleRate / 2} (sampleRate ${sampleRate} / 2)`);
  }
  return melWeights(numMelBins, numSpectrogramBins, sampleRate, lowerEdgeHertz, upperEdgeHertz);
}

/** The filter bank without linearToMelWeightMatrix's checks (Keras 3's MelSpectrogram makes none of them). */
export function melWeights(numMelBins: number, numSpectrogramBins: number, sampleRate: number, lower: number, upper: number): Tensor {
  checkSize([numSpectrogramBins, numMelBins], 'linearToMelWeightMatrix');
  const out = empty([numSpectrogramBins, numMelBins], 'float32', true);
  const o = f32(out);
  const nyquist = sampleRate / 2;
  const lo = hertzToMel(lower);
  const hi = hertzToMel(upper);
  const edges = Array.from({ length: numMelBins + 2 }, (_, i) => (numMelBins + 1 === 0 ? lo : lo + ((hi - lo) * i) / (numMelBins + 1)));
  // Row 0 (DC) stays zero; linspace's step is over all numSpectrogramBins points.
  for (let k = 1; k < numSpectrogramBins; k++) {
    const mel = hertzToMel((nyquist * k) / (numSpectrogramBins - 1));
    for (let b = 0; b < numMelBins; b++) {
      const lower = (mel - edges[b]) / (edges[b + 1] - edges[b]);
      const upperSlope = (edges[b + 2] - mel) / (edges[b + 2] - edges[b + 1]);
      o[k * numMelBins + b] = Math.max(0, Math.min(lower, upperSlope));
    }
  }
  return out;
}
