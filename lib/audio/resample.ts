// Band-limited resampling (what tfio.audio.resample does for Keras's audio_dataset_from_directory): each output
// sample is a Hann-windowed-sinc weighted sum of the input samples within `zeroCrossings` lobes of the low-pass
// kernel, whose cutoff is 95% of the lower Nyquist frequency, so that nothing above the new Nyquist frequency folds
// back when downsampling. Each output's weights are normalised to sum to one, which keeps a constant signal constant.
import { adopt } from '../memory.js';
import { Tensor, toTensor, type TensorLike } from '../tensor.js';

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Interleaved samples [frames * channels] at `from` Hz, resampled to `to` Hz (rates are integers, as WAV stores them). */
export function resampleInterleaved(samples: Float32Array, channels: number, from: number, to: number, zeroCrossings = 16, op = 'resample'): Float32Array {
  if (!(Number.isInteger(from) && from > 0 && Number.isInteger(to) && to > 0)) {
    throw new Error(`${op}: sample rates must be positive integers, received ${String(from)} and ${String(to)}`);
  }
  if (from === to) return samples.slice();
  const frames = Math.floor(samples.length / channels);
  const outFrames = Math.floor((frames * to) / from);
  const out = new Float32Array(outFrames * channels);
  const cutoff = 0.95 * Math.min(1, to / from); // as a fraction of the input's Nyquist frequency
  const half = Math.ceil(zeroCrossings / cutoff); // kernel half-width in input samples
  // Output n sits at input position n * from / to, whose fractional part takes only to / gcd values: the kernel's
  // weights are computed once per phase (320 phases for 22050 -> 16000 Hz) rather than once per output.
  const phases = to / gcd(from, to);
  const taps = 2 * half + 1;
  const table = new Float64Array(phases * taps);
  for (let p = 0; p < phases; p++) {
    const frac = ((p * from) % to) / to;
    let weights = 0;
    for (let j = 0; j < taps; j++) {
      const u = frac + half - j;
      const x = Math.PI * cutoff * u;
      const w = Math.abs(u) >= half ? 0 : (x === 0 ? 1 : Math.sin(x) / x) * (0.5 + 0.5 * Math.cos((Math.PI * u) / half));
      table[p * taps + j] = w;
      weights += w;
    }
    for (let j = 0; j < taps; j++) table[p * taps + j] /= weights;
  }
  for (let n = 0; n < outFrames; n++) {
    const base = Math.floor((n * from) / to) - half;
    const row = (n % phases) * taps;
    const first = Math.max(0, -base);
    const last = Math.min(taps, frames - base);
    let weights = 0;
    for (let j = first; j < last; j++) weights += table[row + j];
    for (let c = 0; c < channels; c++) {
      let sum = 0;
      for (let j = first; j < last; j++) sum += table[row + j] * samples[(base + j) * channels + c];
      // Near the ends part of the kernel falls outside the clip: renormalise over the taps that remain.
      out[n * channels + c] = weights !== 0 ? sum / weights : 0;
    }
  }
  return out;
}

/**
 * A clip [samples] or [samples, channels] at `rateIn` Hz as it sounds at `rateOut` Hz (tfio.audio.resample's
 * arguments): floor(samples * rateOut / rateIn) samples, band-limited so that downsampling does not alias.
 */
export function resample(audio: TensorLike, rateIn: number, rateOut: number): Tensor {
  const t = toTensor(audio, 'resample');
  if (t.rank !== 1 && t.rank !== 2) throw new Error(`resample: audio must have shape [samples] or [samples, channels], received shape [${t.shape.join(', ')}]`);
  const channels = t.rank === 2 ? t.shape[1] : 1;
  const data = t.dataSync();
  const out = resampleInterleaved(data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>), channels, rateIn, rateOut);
  const frames = out.length / channels;
  return new Tensor(adopt(out), t.rank === 2 ? [frames, channels] : [frames], 'float32');
}
