// Audio preprocessing (Keras 3's keras.layers.MelSpectrogram and STFTSpectrogram): raw signals [batch, samples] (or
// [samples]) to spectrograms, inside a model or on their own (layer.apply(x)). No weights; the arithmetic is
// tn.signal's (frames gathered, windowed, rfft in native/fft.cc), so gradients flow through to the signal.
//
// Framing follows Keras 3's ops.stft with center=True: the signal is reflect-padded by floor(fftLength / 2) on each
// side, frames are fftLength samples every sequenceStride, and the window (sequenceLength points, periodic as scipy's
// get_window and torch's, i.e. cos(2 pi i / sequenceLength) for any length) is zero-padded to fftLength in the middle.
import { add, log, maximum, mul, sqrt, pow, cast } from '../ops/elementwise.js';
import { matMul } from '../ops/matmul.js';
import { max } from '../ops/reduce.js';
import { reshape, transpose } from '../ops/shape.js';
import { gatherLastAxis, melWeights, rfft } from '../ops/signal.js';
import { fmt } from '../shape-util.js';
import { empty, Tensor } from '../tensor.js';
import { f32 } from '../ops/util.js';
import { invalid, positiveInt, single, singleShape } from './core.js';
import { Layer, type LayerArgs, type LayerInput, type Shape } from './layer.js';

export type SpectrogramWindow = 'hann' | 'hamming' | null;

function numberArg(v: unknown, cls: string, arg: string, fallback: number, ok: (x: number) => boolean, expected: string): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw invalid(cls, arg, expected, v);
  return v;
}

function windowArg(v: unknown, cls: string): SpectrogramWindow {
  if (v === undefined) return 'hann';
  if (v === null || v === 'hann' || v === 'hamming') return v;
  throw invalid(cls, 'window', "'hann', 'hamming' or null (no window)", v);
}

/** The window Keras 3's stft multiplies each fftLength frame by: `length` periodic points centered in fftLength, or ones. */
function centeredWindow(kind: SpectrogramWindow, length: number, fftLength: number): Tensor {
  const w = empty([fftLength], 'float32', true);
  const v = f32(w);
  const left = Math.floor((fftLength - length) / 2);
  const [a, b] = kind === 'hamming' ? [0.54, 0.46] : [0.5, 0.5];
  for (let i = 0; i < length; i++) v[left + i] = kind === null ? 1 : a - b * Math.cos((2 * Math.PI * i) / length);
  return w;
}

export interface STFTArgsBase extends LayerArgs {
  /** FFT size and frame length (default 2048). */
  fftLength?: number;
  /** Samples between frames (default 512). */
  sequenceStride?: number;
  /** Window length, at most fftLength (default null: fftLength). */
  sequenceLength?: number | null;
  /** 'hann' (default), 'hamming', or null for no window. */
  window?: SpectrogramWindow;
}

/** What MelSpectrogram and STFTSpectrogram share: the options of Keras 3's centered stft and its framing. */
abstract class SpectrogramLayer extends Layer {
  readonly fftLength: number;
  readonly sequenceStride: number;
  readonly sequenceLength: number;
  readonly window: SpectrogramWindow;
  /** Made here, not in call: a tensor created inside a training step lives for that step only. */
  private readonly windowTensor: Tensor;

  constructor(args: STFTArgsBase) {
    super(args);
    const cls = this.constructor.name;
    this.fftLength = args.fftLength === undefined ? 2048 : positiveInt(args.fftLength, cls, 'fftLength');
    if (this.fftLength > 2 ** 26) throw invalid(cls, 'fftLength', 'a positive integer up to 2^26', args.fftLength);
    this.sequenceStride = args.sequenceStride === undefined ? 512 : positiveInt(args.sequenceStride, cls, 'sequenceStride');
    this.sequenceLength = args.sequenceLength === undefined || args.sequenceLength === null ? this.fftLength : positiveInt(args.sequenceLength, cls, 'sequenceLength');
    if (this.sequenceLength > this.fftLength) {
      throw new Error(`${cls}: \`fftLength\` must be greater than or equal to \`sequenceLength\`. Received: sequenceLength=${this.sequenceLength}, fftLength=${this.fftLength}`);
    }
    this.window = windowArg(args.window, cls);
    this.windowTensor = centeredWindow(this.window, this.sequenceLength, this.fftLength);
  }

  /** Frames after Keras's centering pad: floor((samples + 2 floor(fftLength / 2) - fftLength) / stride) + 1. */
  protected frames(samples: number): number {
    return Math.floor((samples + 2 * Math.floor(this.fftLength / 2) - this.fftLength) / this.sequenceStride) + 1;
  }

  /** [real, imag] of Keras 3's ops.stft(center=True) on [batch, samples] float32: each [batch, frames, bins]. */
  protected centeredStft(x: Tensor): [Tensor, Tensor] {
    const samples = x.shape[1];
    const pad = Math.floor(this.fftLength / 2);
    if (samples <= pad) {
      throw new Error(`Layer "${this.name}" (${this.className}) needs more than fftLength / 2 = ${pad} samples to reflect-pad the signal, received shape ${fmt(x.shape)}`);
    }
    const frames = this.frames(samples);
    // Reflect padding and framing in one gather: frame f's sample j is padded sample f * stride + j.
    const n = this.fftLength;
    const index = new Int32Array(frames * n);
    for (let f = 0; f < frames; f++) {
      for (let j = 0; j < n; j++) {
        let i = f * this.sequenceStride + j - pad;
        if (i < 0) i = -i;
        else if (i >= samples) i = 2 * (samples - 1) - i;
        index[f * n + j] = i;
      }
    }
    const framed = gatherLastAxis(x, index, [frames, n], 0, this.className);
    return rfft(this.window === null ? framed : mul(framed, this.windowTensor), n);
  }

  /** The input as float32 [batch, samples], and whether it had a batch axis. */
  protected batchedSignal(inputs: LayerInput): { x: Tensor; batched: boolean } {
    let x = single(inputs, this);
    if (x.rank !== 1 && x.rank !== 2) {
      throw new Error(`Layer "${this.name}" (${this.className}) expects audio of rank 1 [samples] or 2 [batch, samples], received shape ${fmt(x.shape)}`);
    }
    if (x.dtype !== 'float32') x = cast(x, 'float32');
    return x.rank === 1 ? { x: reshape(x, [1, x.shape[0]]), batched: false } : { x, batched: true };
  }

  protected checkInputShape(s: Shape): void {
    if (s.length !== 1 && s.length !== 2) {
      throw new Error(`Layer "${this.name}" (${this.className}) expects audio of rank 1 [samples] or 2 [batch, samples], received shape ${JSON.stringify(s)}`);
    }
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), fftLength: this.fftLength, sequenceStride: this.sequenceStride, sequenceLength: this.sequenceLength,
      window: this.window,
    };
  }
}

export interface MelSpectrogramArgs extends STFTArgsBase {
  /** Sample rate of the input (default 16000). */
  samplingRate?: number;
  /** Mel bands (default 128). */
  numMelBins?: number;
  /** Lower edge of the lowest band, Hz (default 20). */
  minFreq?: number;
  /** Upper edge of the highest band, Hz (default null: floor(samplingRate / 2)). */
  maxFreq?: number | null;
  /** Convert power to decibels (default true). */
  powerToDb?: boolean;
  /** With powerToDb, the floor max(dB) - topDb (default 80). */
  topDb?: number;
  /** Exponent of the magnitude: 1 magnitude, 2 power (default 2). */
  magExp?: number;
  /** Floor of the power (and of refPower) before the logarithm (default 1e-10). */
  minPower?: number;
  /** dB are relative to this power: 10 log10(S / refPower) (default 1). */
  refPower?: number;
}

/**
 * Keras 3's keras.layers.MelSpectrogram: audio [batch, samples] (or [samples]) to mel spectrograms [batch, numMelBins,
 * frames] (or [numMelBins, frames]). S = |stft|^magExp over centered, reflect-padded frames (see the file comment),
 * M = S x linearToMelWeightMatrix(numMelBins, fftLength / 2 + 1, samplingRate, minFreq, maxFreq) (HTK mel scale), and
 * with powerToDb, dB = 10 log10(max(M, minPower)) - 10 log10(max(|refPower|, minPower)), floored at max(dB) - topDb,
 * where the max is over the whole batch, as Keras takes it. frames = floor(samples / sequenceStride) + 1 for an even
 * fftLength. For Conv1D over time, follow it with Permute([2, 1]) ([batch, frames, numMelBins]).
 */
export class MelSpectrogram extends SpectrogramLayer {
  readonly samplingRate: number;
  readonly numMelBins: number;
  readonly minFreq: number;
  readonly maxFreq: number;
  readonly powerToDb: boolean;
  readonly topDb: number;
  readonly magExp: number;
  readonly minPower: number;
  readonly refPower: number;
  private readonly melMatrix: Tensor;

  constructor(args: MelSpectrogramArgs = {}) {
    super(args);
    const cls = 'MelSpectrogram';
    this.samplingRate = numberArg(args.samplingRate, cls, 'samplingRate', 16000, (v) => v > 0, 'a positive number');
    this.numMelBins = args.numMelBins === undefined ? 128 : positiveInt(args.numMelBins, cls, 'numMelBins');
    this.minFreq = numberArg(args.minFreq, cls, 'minFreq', 20, (v) => v >= 0, 'a non-negative number');
    this.maxFreq = args.maxFreq === null || args.maxFreq === undefined
      ? Math.trunc(this.samplingRate / 2)
      : numberArg(args.maxFreq, cls, 'maxFreq', 0, (v) => v > 0, 'a positive number (or null: samplingRate / 2)');
    if (this.maxFreq <= this.minFreq) {
      throw new Error(`${cls}: \`maxFreq\` must be above \`minFreq\`. Received: minFreq=${this.minFreq}, maxFreq=${this.maxFreq}`);
    }
    if (args.powerToDb !== undefined && typeof args.powerToDb !== 'boolean') throw invalid(cls, 'powerToDb', 'a boolean', args.powerToDb);
    this.powerToDb = args.powerToDb ?? true;
    this.topDb = numberArg(args.topDb, cls, 'topDb', 80, (v) => v >= 0, 'a non-negative number');
    this.magExp = numberArg(args.magExp, cls, 'magExp', 2, (v) => v > 0, 'a positive number');
    this.minPower = numberArg(args.minPower, cls, 'minPower', 1e-10, (v) => v > 0, 'a positive number');
    this.refPower = numberArg(args.refPower, cls, 'refPower', 1, () => true, 'a finite number');
    this.melMatrix = melWeights(this.numMelBins, Math.floor(this.fftLength / 2) + 1, this.samplingRate, this.minFreq, this.maxFreq);
  }

  call(inputs: LayerInput): Tensor {
    const { x, batched } = this.batchedSignal(inputs);
    const [re, im] = this.centeredStft(x);
    const [batch, frames, bins] = re.shape;
    const power = add(mul(re, re), mul(im, im));
    // |X|^magExp = power^(magExp / 2); the common exponents without pow.
    const spec = this.magExp === 2 ? power : this.magExp === 1 ? sqrt(power) : pow(power, this.magExp / 2);
    let mel = reshape(matMul(reshape(spec, [batch * frames, bins]), this.melMatrix), [batch, frames, this.numMelBins]);
    if (this.powerToDb) {
      const dbPerLn = 10 / Math.LN10;
      const ref = dbPerLn * Math.log(Math.max(Math.abs(this.refPower), this.minPower));
      const db = add(mul(log(maximum(mel, this.minPower)), dbPerLn), -ref);
      const floor = (max(db).values[0] as number) - this.topDb;
      mel = maximum(db, Number.isNaN(floor) ? Number.NEGATIVE_INFINITY : floor);
    }
    const out = transpose(mel, [0, 2, 1]);
    return batched ? out : reshape(out, out.shape.slice(1));
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this);
    this.checkInputShape(s);
    const samples = s[s.length - 1];
    const frames = samples === null ? null : this.frames(samples);
    return s.length === 1 ? [this.numMelBins, frames] : [s[0], this.numMelBins, frames];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), samplingRate: this.samplingRate, numMelBins: this.numMelBins, minFreq: this.minFreq, maxFreq: this.maxFreq,
      powerToDb: this.powerToDb, topDb: this.topDb, magExp: this.magExp, minPower: this.minPower, refPower: this.refPower,
    };
  }
}
