// Log-mel spectrograms in plain TypeScript, for the spoken-digits example: a radix-2 real FFT and an HTK mel
// filterbank. Nothing here knows about tensornode; it turns clips (read and resampled with tn.audio) into
// Float32Arrays that the example hands to the model.

/** A mono clip: samples in [-1, 1) at `sampleRate` Hz (tn.audio.decodeWav's, resampled with tn.audio.resample). */
export interface Clip {
  sampleRate: number;
  samples: Float32Array;
}

const twiddleCache = new Map<number, [Float64Array, Float64Array]>();
/** cos and sin of -2 pi k / n for k < n / 2, computed once per size. */
function twiddles(n: number): [Float64Array, Float64Array] {
  let t = twiddleCache.get(n);
  if (t === undefined) {
    const a = (k: number) => (-2 * Math.PI * k) / n;
    t = [Float64Array.from({ length: n / 2 }, (_, k) => Math.cos(a(k))), Float64Array.from({ length: n / 2 }, (_, k) => Math.sin(a(k)))];
    twiddleCache.set(n, t);
  }
  return t;
}

/** In-place iterative radix-2 complex FFT (decimation in time) of length re.length, a power of two. */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  if (n !== im.length || n < 1 || (n & (n - 1)) !== 0) {
    throw new Error(`fft: expected two arrays of the same power-of-two length, received ${re.length} and ${im.length}`);
  }
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  const [cos, sin] = twiddles(n);
  for (let size = 2; size <= n; size <<= 1) {
    const stride = n / size; // e^{-2 pi i k / size} = e^{-2 pi i (k * stride) / n}
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < size / 2; k++) {
        const wr = cos[k * stride];
        const wi = sin[k * stride];
        const a = start + k;
        const b = a + size / 2;
        const tr = wr * re[b] - wi * im[b];
        const ti = wr * im[b] + wi * re[b];
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
      }
    }
  }
}

/**
 * Real FFT of x (length n, a power of two >= 2): bins 0..n/2 of its DFT, X[k] = sum_t x[t] e^{-2 pi i k t / n}.
 * Packs the even and odd samples into one complex signal of length n/2, transforms it, and separates the two halves:
 * X[k] = E[k] + e^{-2 pi i k / n} O[k], with E[k] = (Z[k] + conj Z[n/2-k]) / 2 and O[k] = (Z[k] - conj Z[n/2-k]) / 2i.
 */
export function rfft(x: Float64Array): { re: Float64Array; im: Float64Array } {
  const n = x.length;
  if (n < 2 || (n & (n - 1)) !== 0) throw new Error(`rfft: expected a power-of-two length >= 2, received ${n}`);
  const h = n / 2;
  const zr = new Float64Array(h);
  const zi = new Float64Array(h);
  for (let t = 0; t < h; t++) {
    zr[t] = x[2 * t];
    zi[t] = x[2 * t + 1];
  }
  fft(zr, zi);
  const re = new Float64Array(h + 1);
  const im = new Float64Array(h + 1);
  for (let k = 0; k <= h; k++) {
    const a = k % h;
    const b = (h - k) % h;
    const er = (zr[a] + zr[b]) / 2;
    const ei = (zi[a] - zi[b]) / 2;
    const or = (zi[a] + zi[b]) / 2;
    const oi = -(zr[a] - zr[b]) / 2;
    const wr = Math.cos((-2 * Math.PI * k) / n);
    const wi = Math.sin((-2 * Math.PI * k) / n);
    re[k] = er + wr * or - wi * oi;
    im[k] = ei + wr * oi + wi * or;
  }
  return { re, im };
}

/** HTK's mel scale: mel(f) = 2595 log10(1 + f / 700). */
export const hzToMel = (f: number) => 2595 * Math.log10(1 + f / 700);
export const melToHz = (m: number) => 700 * (10 ** (m / 2595) - 1);

/**
 * Triangular mel filters over the nFft/2 + 1 bins of a power spectrum, row-major [nMels, nFft/2 + 1]: filter m rises
 * from 0 at edge m to 1 at edge m+1 and falls back to 0 at edge m+2, with nMels + 2 edges evenly spaced on the HTK mel
 * scale from fMin to fMax (librosa's `mel(htk=True, norm=None)`).
 */
export function melFilterbank(nMels: number, nFft: number, sampleRate: number, fMin = 0, fMax = sampleRate / 2): Float32Array {
  if (!(fMin >= 0 && fMax > fMin && fMax <= sampleRate / 2)) {
    throw new Error(`melFilterbank: expected 0 <= fMin < fMax <= sampleRate / 2, received fMin=${fMin}, fMax=${fMax}, sampleRate=${sampleRate}`);
  }
  const bins = nFft / 2 + 1;
  const edges = Array.from({ length: nMels + 2 }, (_, i) => melToHz(hzToMel(fMin) + ((hzToMel(fMax) - hzToMel(fMin)) * i) / (nMels + 1)));
  const out = new Float32Array(nMels * bins);
  for (let m = 0; m < nMels; m++) {
    const [lo, mid, hi] = [edges[m], edges[m + 1], edges[m + 2]];
    for (let k = 0; k < bins; k++) {
      const f = (k * sampleRate) / nFft;
      out[m * bins + k] = Math.max(0, Math.min((f - lo) / (mid - lo), (hi - f) / (hi - mid)));
    }
  }
  return out;
}

export interface MelOptions {
  sampleRate: number; // the rate features are computed at; clips at another rate are resampled first
  frameLength: number; // samples per frame (25 ms)
  hop: number; // samples between frame starts (10 ms)
  nFft: number; // FFT size, a power of two >= frameLength
  nMels: number;
  fMin: number;
  fMax: number;
  duration: number; // seconds: every clip is trimmed of silence, then padded or cropped to this length
}

export const defaultMelOptions: MelOptions = {
  sampleRate: 16000, frameLength: 400, hop: 160, nFft: 512, nMels: 40, fMin: 0, fMax: 8000, duration: 1,
};

/** Number of frames a clip of `duration` seconds gives (frames lie wholly inside the clip). */
export const frameCount = (o: MelOptions = defaultMelOptions) =>
  1 + Math.floor((Math.round(o.duration * o.sampleRate) - o.frameLength) / o.hop);

/**
 * Drop the silence before the first and after the last 10 ms block whose peak reaches `threshold` times the clip's
 * peak, then pad with zeros (or crop) to `length` samples, speech first. Synthesized clips start with a variable pause;
 * aligning their onsets lets a one-second window hold every digit.
 */
export function trimAndFix(samples: Float32Array, sampleRate: number, length: number, threshold = 0.02): Float32Array {
  let peak = 0;
  for (const s of samples) peak = Math.max(peak, Math.abs(s));
  const block = Math.max(1, Math.round(sampleRate / 100));
  let start = samples.length;
  let end = 0;
  for (let b = 0; b < samples.length; b += block) {
    let p = 0;
    for (let i = b; i < Math.min(b + block, samples.length); i++) p = Math.max(p, Math.abs(samples[i]));
    if (peak > 0 && p >= threshold * peak) {
      start = Math.min(start, b);
      end = Math.max(end, Math.min(b + block, samples.length));
    }
  }
  const out = new Float32Array(length);
  if (start < end) out.set(samples.subarray(start, Math.min(end, start + length)));
  return out;
}

/**
 * log(mel power + 1e-6) of a clip at o.sampleRate, row-major [frames, nMels]: trim and fix the length,
 * then per frame a periodic Hann window, a zero-padded real FFT of size nFft, the power spectrum |X|^2 / nFft and the
 * mel filterbank.
 */
export function logMelSpectrogram(clip: Clip, o: MelOptions = defaultMelOptions, filters = melFilterbank(o.nMels, o.nFft, o.sampleRate, o.fMin, o.fMax)): Float32Array {
  if (clip.sampleRate !== o.sampleRate) {
    throw new Error(`logMelSpectrogram: the clip is at ${clip.sampleRate} Hz and the features at ${o.sampleRate} Hz; resample it first (tn.audio.resample)`);
  }
  const samples = trimAndFix(clip.samples, o.sampleRate, Math.round(o.duration * o.sampleRate));
  const frames = frameCount(o);
  const bins = o.nFft / 2 + 1;
  const window = Float64Array.from({ length: o.frameLength }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / o.frameLength));
  const out = new Float32Array(frames * o.nMels);
  const frame = new Float64Array(o.nFft);
  const power = new Float64Array(bins);
  for (let f = 0; f < frames; f++) {
    frame.fill(0);
    for (let i = 0; i < o.frameLength; i++) frame[i] = samples[f * o.hop + i] * window[i];
    const { re, im } = rfft(frame);
    for (let k = 0; k < bins; k++) power[k] = (re[k] * re[k] + im[k] * im[k]) / o.nFft;
    for (let m = 0; m < o.nMels; m++) {
      let e = 0;
      for (let k = 0; k < bins; k++) e += filters[m * bins + k] * power[k];
      out[f * o.nMels + m] = Math.log(e + 1e-6);
    }
  }
  return out;
}

/** Per-mel mean and standard deviation over every frame of the given spectrograms ([frames, nMels] each). */
export function featureStats(spectrograms: Float32Array[], nMels: number): { mean: Float32Array; std: Float32Array } {
  const sum = new Float64Array(nMels);
  const sq = new Float64Array(nMels);
  let count = 0;
  for (const s of spectrograms) {
    for (let i = 0; i < s.length; i++) {
      sum[i % nMels] += s[i];
      sq[i % nMels] += s[i] * s[i];
    }
    count += s.length / nMels;
  }
  const mean = new Float32Array(nMels);
  const std = new Float32Array(nMels);
  for (let m = 0; m < nMels; m++) {
    mean[m] = sum[m] / count;
    std[m] = Math.sqrt(Math.max(sq[m] / count - (sum[m] / count) ** 2, 0)) || 1;
  }
  return { mean, std };
}

/** Stack spectrograms into one [n * frames * nMels] array, each feature standardised by the training statistics. */
export function normalize(spectrograms: Float32Array[], stats: { mean: Float32Array; std: Float32Array }): Float32Array {
  const nMels = stats.mean.length;
  const size = spectrograms.length > 0 ? spectrograms[0].length : 0;
  const out = new Float32Array(spectrograms.length * size);
  spectrograms.forEach((s, n) => {
    for (let i = 0; i < size; i++) out[n * size + i] = (s[i] - stats.mean[i % nMels]) / stats.std[i % nMels];
  });
  return out;
}
