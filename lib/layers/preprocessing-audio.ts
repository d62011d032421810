// Audio preprocessing (Keras 3's keras.layers.MelSpectrogram and STFTSpectrogram): raw signals [batch, samples] (or
// [samples]) to spectrograms, inside a model or on their own (layer.apply(x)). No weights; the arithmetic is
// tn.signal's (frames gathered, windowed, rfft in native/fft.cc), so gradients flow through to the signal.
//
// Framing follows Keras 3's ops.stft with center=True: the signal is reflect-padded by floor(fftLength / 2) on each
// side, frames are fftLength samples every sequenceStride, and the window (sequenceLength points, periodic as scipy's
// get_window and torch's, i.e. cos(2 pi i / sequenceLength) for any length) is zero-padded to fftLength in the middle.
import { Initializer } from '../initializers.js';
import { conv1d } from '../ops/conv.js';
import { add, log, maximum, mul, sqrt, pow, cast, square } from '../ops/elementwise.js';
import { matMul } from '../ops/matmul.js';
import { arctan2 } from '../ops/numpy.js';
import { max } from '../ops/reduce.js';
import { concat, pad, reshape, slice, transpose } from '../ops/shape.js';
import { gatherLastAxis, melWeights, rfft } from '../ops/signal.js';
import { fmt } from '../shape-util.js';
import { empty, Tensor, type Variable } from '../tensor.js';
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

export type STFTMode = 'log' | 'magnitude' | 'psd' | 'real' | 'imag' | 'angle' | 'stft';

export interface STFTSpectrogramArgs extends LayerArgs {
  /** 'log' (default: log of the magnitude), 'magnitude', 'psd', 'real', 'imag', 'angle' or 'stft' (real then imaginary bins). */
  mode?: STFTMode;
  /** Samples per frame (default 256). */
  frameLength?: number;
  /** Samples between frames (default null: floor(frameLength / 2)); at most frameLength. */
  frameStep?: number | null;
  /** DFT size, at least frameLength (default null: the smallest power of two >= frameLength). */
  fftLength?: number | null;
  /** 'hann' (default), 'hamming', frameLength numbers of your own, or null (no window). */
  window?: 'hann' | 'hamming' | number[] | null;
  /** Periodic rather than symmetric 'hann' / 'hamming' (scipy's get_window fftbins; default false). */
  periodic?: boolean;
  /** The kernels are divided by sqrt(sum(window^2)) ('density', default) or sum(|window|) ('spectrum'); null: not. */
  scaling?: 'density' | 'spectrum' | null;
  /** 'valid' (default) or 'same' frames, as Conv1D's padding with stride frameStep. */
  padding?: 'valid' | 'same';
  /** Output [batch, frames, bins, channels] (an image per clip) rather than [batch, frames, channels * bins]. */
  expandDims?: boolean;
  /** 'channels_last' (default: [batch, time, channels]) or 'channels_first' ([batch, channels, time]). */
  dataFormat?: 'channels_last' | 'channels_first';
}

const STFT_MODES: readonly STFTMode[] = ['log', 'magnitude', 'psd', 'real', 'imag', 'angle', 'stft'];

/**
 * Keras 3's keras.layers.STFTSpectrogram: the STFT of each channel of [batch, time, channels] as a strided Conv1D whose
 * kernels [frameLength, 1, fftLength / 2 + 1] are the window times cos / sin of -2 pi t k / fftLength (divided by the
 * scaling), trainable as Keras's are (`trainable: false` for plain preprocessing). Output (channels_last)
 * [batch, frames, channels * bins] with each channel's bins together, or with expandDims [batch, frames, bins, channels];
 * 'log' is log(max(sqrt(max(power, 1e-7)), 1e-7)), 'psd' doubles the bins other than the first and the last.
 */
export class STFTSpectrogram extends Layer {
  readonly mode: STFTMode;
  readonly frameLength: number;
  readonly frameStep: number | null;
  readonly fftLength: number | null;
  readonly window: 'hann' | 'hamming' | number[] | null;
  readonly periodic: boolean;
  readonly scaling: 'density' | 'spectrum' | null;
  readonly padding: 'valid' | 'same';
  readonly expandDims: boolean;
  readonly dataFormat: 'channels_last' | 'channels_first';
  private readonly step: number;
  private readonly nfft: number;
  realKernel: Variable | null = null;
  imagKernel: Variable | null = null;

  constructor(args: STFTSpectrogramArgs = {}) {
    super(args);
    const cls = 'STFTSpectrogram';
    this.mode = args.mode ?? 'log';
    if (!STFT_MODES.includes(this.mode)) throw invalid(cls, 'mode', STFT_MODES.map((m) => `'${m}'`).join(', '), args.mode);
    this.frameLength = args.frameLength === undefined ? 256 : positiveInt(args.frameLength, cls, 'frameLength');
    this.frameStep = args.frameStep === undefined || args.frameStep === null ? null : positiveInt(args.frameStep, cls, 'frameStep');
    if (this.frameStep !== null && this.frameStep > this.frameLength) {
      throw new Error(`${cls}: \`frameStep\` should be a positive integer not greater than \`frameLength\`. Received frameStep=${this.frameStep}, frameLength=${this.frameLength}`);
    }
    this.fftLength = args.fftLength === undefined || args.fftLength === null ? null : positiveInt(args.fftLength, cls, 'fftLength');
    if (this.fftLength !== null && this.fftLength < this.frameLength) {
      throw new Error(`${cls}: \`fftLength\` should be not less than \`frameLength\`. Received fftLength=${this.fftLength}, frameLength=${this.frameLength}`);
    }
    this.step = this.frameStep ?? Math.floor(this.frameLength / 2);
    this.nfft = this.fftLength ?? 2 ** Math.ceil(Math.log2(this.frameLength));
    const w = args.window === undefined ? 'hann' : args.window;
    if (Array.isArray(w)) {
      if (w.length !== this.frameLength || !w.every((v) => typeof v === 'number' && Number.isFinite(v))) {
        throw invalid(cls, 'window', `${this.frameLength} (frameLength) finite numbers`, w);
      }
    } else if (w !== null && w !== 'hann' && w !== 'hamming') {
      throw invalid(cls, 'window', "'hann', 'hamming', an array of frameLength numbers or null", w);
    }
    this.window = Array.isArray(w) ? w.slice() : w;
    this.periodic = args.periodic ?? false;
    if (typeof this.periodic !== 'boolean') throw invalid(cls, 'periodic', 'a boolean', args.periodic);
    this.scaling = args.scaling === undefined ? 'density' : args.scaling;
    if (this.scaling !== null && this.scaling !== 'density' && this.scaling !== 'spectrum') throw invalid(cls, 'scaling', "'density', 'spectrum' or null", args.scaling);
    this.padding = args.padding ?? 'valid';
    if (this.padding !== 'valid' && this.padding !== 'same') throw invalid(cls, 'padding', "'valid' or 'same'", args.padding);
    this.expandDims = args.expandDims ?? false;
    this.dataFormat = args.dataFormat ?? 'channels_last';
    if (this.dataFormat !== 'channels_last' && this.dataFormat !== 'channels_first') throw invalid(cls, 'dataFormat', "'channels_last' or 'channels_first'", args.dataFormat);
  }

  /** The window's frameLength values, as scipy.signal.get_window(window, frameLength, fftbins=periodic) gives them. */
  private windowValues(): Float64Array | null {
    const n = this.frameLength;
    if (this.window === null) return null;
    if (Array.isArray(this.window)) return Float64Array.from(this.window);
    const [a, b] = this.window === 'hamming' ? [0.54, 0.46] : [0.5, 0.5];
    const denom = this.periodic ? n : n - 1;
    return Float64Array.from({ length: n }, (_, i) => (n === 1 ? 1 : a - b * Math.cos((2 * Math.PI * i) / denom)));
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = singleShape(inputShape, this);
    if (s.length !== 3) throw new Error(`Input 0 of layer "${this.name}" is incompatible with the layer: expected ndim=3, found ndim=${s.length}. Full shape received: ${JSON.stringify(s)}`);
    const bins = Math.floor(this.nfft / 2) + 1;
    const win = this.windowValues();
    let scale = 1;
    if (win && this.scaling === 'density') scale = Math.sqrt(win.reduce((acc, v) => acc + v * v, 0));
    else if (win && this.scaling === 'spectrum') scale = win.reduce((acc, v) => acc + Math.abs(v), 0);
    // Keras's STFT initializer: freq k / ((bins - 1) * 2), which is fftLength for an even fftLength.
    const period = (bins - 1) * 2;
    const kernel = (side: 'real' | 'imag'): Initializer => new STFTKernel((v) => {
      for (let t = 0; t < this.frameLength; t++) {
        for (let k = 0; k < bins; k++) {
          const arg = (-2 * t * k * Math.PI) / period;
          const value = side === 'real' ? Math.cos(arg) : Math.sin(arg);
          v[t * bins + k] = win ? (value * win[t]) / scale : value;
        }
      }
    });
    const shape = [this.frameLength, 1, bins];
    if (this.mode !== 'imag') this.realKernel = this.addWeight('real_kernel', { shape, initializer: kernel('real') });
    if (this.mode !== 'real') this.imagKernel = this.addWeight('imag_kernel', { shape, initializer: kernel('imag') });
    this.inputSpec = { ndim: 3 };
    super.build(inputShape);
  }

  /** Conv1D padding 'same' with stride s: the total pad Keras's (and TensorFlow's) conv puts, split left-first. */
  private framesOf(time: number): number {
    return this.padding === 'same' ? Math.ceil(time / this.step) : Math.floor((time - this.frameLength) / this.step) + 1;
  }

  /** [batch * channels, time, 1] signals -> [batch, channels, bins, frames]. */
  private conv(signals: Tensor, kernel: Tensor, batch: number, channels: number): Tensor {
    const y = conv1d(signals, kernel, this.step, this.padding); // [batch * channels, frames, bins]
    const [, frames, bins] = y.shape;
    return transpose(reshape(y, [batch, channels, frames, bins]), [0, 1, 3, 2]);
  }

  /** [batch, channels, bins, frames] -> the output layout. */
  private adjust(y: Tensor): Tensor {
    const [batch, channels, bins, frames] = y.shape;
    if (this.dataFormat === 'channels_last') {
      return this.expandDims ? transpose(y, [0, 3, 2, 1]) : transpose(reshape(y, [batch, channels * bins, frames]), [0, 2, 1]);
    }
    return this.expandDims ? transpose(y, [0, 1, 3, 2]) : reshape(y, [batch, channels * bins, frames]);
  }

  call(inputs: LayerInput): Tensor {
    let x = single(inputs, this);
    if (x.rank !== 3) throw new Error(`Input 0 of layer "${this.name}" is incompatible with the layer: expected ndim=3, found ndim=${x.rank}. Full shape received: ${fmt(x.shape)}`);
    if (x.dtype !== 'float32') x = cast(x, 'float32');
    const [batch, a, b] = x.shape;
    const [time, channels] = this.dataFormat === 'channels_last' ? [a, b] : [b, a];
    if (this.padding === 'valid' && time < this.frameLength) {
      throw new Error(`Layer "${this.name}" (STFTSpectrogram): 'valid' frames need at least frameLength = ${this.frameLength} samples, received shape ${fmt(x.shape)}`);
    }
    const signals = reshape(this.dataFormat === 'channels_last' ? transpose(x, [0, 2, 1]) : x, [batch * channels, time, 1]);
    const re = this.realKernel ? this.conv(signals, this.realKernel, batch, channels) : null;
    const im = this.imagKernel ? this.conv(signals, this.imagKernel, batch, channels) : null;
    if (this.mode === 'real') return this.adjust(re!);
    if (this.mode === 'imag') return this.adjust(im!);
    if (this.mode === 'angle') return this.adjust(arctan2(im!, re!));
    if (this.mode === 'stft') return this.adjust(concat([re!, im!], 2));
    const power = add(square(re!), square(im!));
    if (this.mode === 'psd') {
      const bins = power.shape[2];
      const inner = bins > 2 ? pad(slice(power, [0, 0, 1, 0], [-1, -1, bins - 2, -1]), [[0, 0], [0, 0], [1, 1], [0, 0]]) : null;
      return this.adjust(inner ? add(power, inner) : power);
    }
    const linear = this.adjust(sqrt(maximum(power, EPSILON)));
    return this.mode === 'magnitude' ? linear : log(maximum(linear, EPSILON));
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape, this);
    if (s.length !== 3) throw new Error(`Input 0 of layer "${this.name}" is incompatible with the layer: expected ndim=3, found ndim=${s.length}. Full shape received: ${JSON.stringify(s)}`);
    const [time, channels] = this.dataFormat === 'channels_last' ? [s[1], s[2]] : [s[2], s[1]];
    const bins = (Math.floor(this.nfft / 2) + 1) * (this.mode === 'stft' ? 2 : 1);
    const frames = time === null ? null : this.framesOf(time);
    if (this.expandDims) return this.dataFormat === 'channels_last' ? [s[0], frames, bins, channels] : [s[0], channels, frames, bins];
    const features = channels === null ? null : channels * bins;
    return this.dataFormat === 'channels_last' ? [s[0], frames, features] : [s[0], features, frames];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), mode: this.mode, frameLength: this.frameLength, frameStep: this.frameStep, fftLength: this.fftLength,
      window: this.window, periodic: this.periodic, scaling: this.scaling, padding: this.padding, dataFormat: this.dataFormat,
      expandDims: this.expandDims,
    };
  }
}

/** Keras's backend.epsilon(). */
const EPSILON = 1e-7;

/** The fixed values of an STFT kernel (Keras's keras.initializers.STFT), computed in float64 and rounded once. */
class STFTKernel extends Initializer {
  readonly className = 'STFT';
  constructor(private readonly values: (v: Float64Array) => void) {
    super();
  }
  protected override get random(): boolean {
    return false;
  }
  fill(v: Float32Array): void {
    const d = new Float64Array(v.length);
    this.values(d);
    v.set(d);
  }
}
