// The spoken-digits example's feature pipeline (examples/spoken-digits/features.ts) against independent float64
// references, on clips synthesized by espeak-ng and checked into test/fixtures/audio (22050 Hz mono PCM16), and its
// model (examples/spoken-digits/model.ts) run end to end on those clips. espeak-ng itself is not needed here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import {
  defaultMelOptions, featureStats, fft, frameCount, hzToMel, logMelSpectrogram, melFilterbank, melToHz, normalize,
  rfft, trimAndFix, type Clip,
} from '../../examples/spoken-digits/features.js';
import { buildModel } from '../../examples/spoken-digits/model.js';

const dir = join(import.meta.dirname, '..', 'fixtures', 'audio');
const fixtures = [
  { file: 'zero-en-029-m3.wav', label: 0 },
  { file: 'three-en-gb-f3.wav', label: 3 },
  { file: 'seven-en-us.wav', label: 7 },
  { file: 'nine-en-gb-scotland-f2.wav', label: 9 },
];
// As the example reads a clip: tn.audio.decodeWav, then tn.audio.resample to the features' rate.
const load = (file: string): Clip => {
  const { audio, sampleRate } = tn.audio.decodeWav(readFileSync(join(dir, file)), { desiredChannels: 1 });
  return { sampleRate: 16000, samples: tn.audio.resample(audio, sampleRate, 16000).data() as Float32Array };
};

// O(n^2) DFT in float64, straight from the definition.
function dft(x: ArrayLike<number>): { re: number[]; im: number[] } {
  const n = x.length;
  const re: number[] = [];
  const im: number[] = [];
  for (let k = 0; k <= n / 2; k++) {
    let r = 0;
    let i = 0;
    for (let t = 0; t < n; t++) {
      const a = (-2 * Math.PI * ((k * t) % n)) / n;
      r += x[t] * Math.cos(a);
      i += x[t] * Math.sin(a);
    }
    re.push(r);
    im.push(i);
  }
  return { re, im };
}

describe('FFT', () => {
  it('rfft of a windowed 512-sample frame of a fixture equals the O(n^2) DFT', () => {
    const { samples } = load('seven-en-us.wav');
    const x = new Float64Array(512);
    for (let i = 0; i < 400; i++) x[i] = samples[4000 + i] * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / 400));
    const got = rfft(x);
    const want = dft(x);
    const scale = Math.max(...want.re.map(Math.abs), ...want.im.map(Math.abs));
    expect(scale).toBeGreaterThan(0.1);
    for (let k = 0; k <= 256; k++) {
      expect(Math.abs(got.re[k] - want.re[k])).toBeLessThan(1e-12 * 512 * scale);
      expect(Math.abs(got.im[k] - want.im[k])).toBeLessThan(1e-12 * 512 * scale);
    }
  });

  it('complex fft matches the DFT on random data for every power-of-two size up to 64, and rejects other sizes', () => {
    for (let n = 1; n <= 64; n *= 2) {
      const re = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 1.7) + 0.3 * i);
      const im = Float64Array.from({ length: n }, (_, i) => Math.cos(i * 0.9));
      const [r0, i0] = [re.slice(), im.slice()];
      fft(re, im);
      for (let k = 0; k < n; k++) {
        let wr = 0;
        let wi = 0;
        for (let t = 0; t < n; t++) {
          const a = (-2 * Math.PI * ((k * t) % n)) / n;
          wr += r0[t] * Math.cos(a) - i0[t] * Math.sin(a);
          wi += r0[t] * Math.sin(a) + i0[t] * Math.cos(a);
        }
        expect(re[k]).toBeCloseTo(wr, 10);
        expect(im[k]).toBeCloseTo(wi, 10);
      }
    }
    expect(() => fft(new Float64Array(12), new Float64Array(12))).toThrow(/power-of-two/);
    expect(() => rfft(new Float64Array(100))).toThrow(/power-of-two/);
  });
});

describe('mel filterbank', () => {
  it('uses the HTK mel scale', () => {
    expect(hzToMel(700)).toBeCloseTo(2595 * Math.log10(2), 10);
    expect(hzToMel(1000)).toBeCloseTo(1000, -1); // the scale is anchored near 1000 mel at 1 kHz
    for (const f of [0, 123, 4000, 8000]) expect(melToHz(hzToMel(f))).toBeCloseTo(f, 8);
  });

  it('40 triangles on 257 bins: zero outside their edges, peaks at the centres, summing to 1 between the outer centres', () => {
    const nMels = 40;
    const bins = 257;
    const filters = melFilterbank(nMels, 512, 16000, 0, 8000);
    expect(filters.length).toBe(nMels * bins);
    const edges = Array.from({ length: nMels + 2 }, (_, i) => 700 * (10 ** ((i * 2595 * Math.log10(1 + 8000 / 700)) / (nMels + 1) / 2595) - 1));
    for (let m = 0; m < nMels; m++) {
      for (let k = 0; k < bins; k++) {
        const f = (k * 16000) / 512;
        const w = filters[m * bins + k];
        if (f <= edges[m] || f >= edges[m + 2]) expect(w).toBe(0);
        else expect(w).toBeCloseTo(f <= edges[m + 1] ? (f - edges[m]) / (edges[m + 1] - edges[m]) : (edges[m + 2] - f) / (edges[m + 2] - edges[m + 1]), 6);
      }
    }
    for (let k = 0; k < bins; k++) {
      const f = (k * 16000) / 512;
      if (f < edges[1] || f > edges[nMels]) continue;
      let sum = 0;
      for (let m = 0; m < nMels; m++) sum += filters[m * bins + k];
      expect(sum).toBeCloseTo(1, 6);
    }
    expect(() => melFilterbank(40, 512, 16000, 0, 9000)).toThrow(/fMax <= sampleRate \/ 2/);
  });
});

describe('log-mel spectrogram', () => {
  it('trimAndFix starts at the first sound and pads or crops to the length', () => {
    const x = new Float32Array(3000);
    for (let i = 1000; i < 1500; i++) x[i] = Math.sin(i);
    const padded = trimAndFix(x, 1000, 2000);
    expect(padded.length).toBe(2000);
    expect(Array.from(padded.subarray(0, 500))).toEqual(Array.from(x.subarray(1000, 1500)));
    expect(padded.subarray(500).every((v) => v === 0)).toBe(true);
    const cropped = trimAndFix(x, 1000, 200);
    expect(Array.from(cropped)).toEqual(Array.from(x.subarray(1000, 1200)));
    expect(trimAndFix(new Float32Array(50), 1000, 10).every((v) => v === 0)).toBe(true);
  });

  it('frame by frame equals a float64 reference built from the definitions (DFT, triangles, log)', () => {
    const o = defaultMelOptions;
    const clip = load('three-en-gb-f3.wav');
    const got = logMelSpectrogram(clip, o);
    const frames = frameCount(o);
    expect(frames).toBe(98);
    expect(got.length).toBe(frames * o.nMels);
    const signal = trimAndFix(clip.samples, 16000, 16000);
    const edges = Array.from({ length: o.nMels + 2 }, (_, i) => melToHz((hzToMel(8000) * i) / (o.nMels + 1)));
    for (const f of [0, 15, 30, 97]) {
      const x = Array.from({ length: 512 }, (_, i) => (i < 400 ? signal[f * 160 + i] * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / 400)) : 0));
      const { re, im } = dft(x);
      for (let m = 0; m < o.nMels; m++) {
        let e = 0;
        for (let k = 0; k <= 256; k++) {
          const hz = (k * 16000) / 512;
          const w = Math.max(0, Math.min((hz - edges[m]) / (edges[m + 1] - edges[m]), (edges[m + 2] - hz) / (edges[m + 2] - edges[m + 1])));
          e += (w * (re[k] ** 2 + im[k] ** 2)) / 512;
        }
        expect(Math.abs(got[f * o.nMels + m] - Math.log(e + 1e-6))).toBeLessThan(1e-4);
      }
    }
    // Speech lies in the first frames and silence (log 1e-6) at the end of the padded second.
    expect(Math.max(...got.subarray(15 * 40, 16 * 40))).toBeGreaterThan(-5);
    expect(got[97 * 40]).toBeCloseTo(Math.log(1e-6), 5);
  });

  it('normalize with the training statistics gives every mel band mean 0 and deviation 1', () => {
    const specs = fixtures.map(({ file }) => logMelSpectrogram(load(file)));
    const stats = featureStats(specs, 40);
    const x = normalize(specs, stats);
    expect(x.length).toBe(4 * 98 * 40);
    for (const m of [0, 17, 39]) {
      let s = 0;
      let s2 = 0;
      for (let i = m; i < x.length; i += 40) {
        s += x[i];
        s2 += x[i] * x[i];
      }
      const n = x.length / 40;
      expect(Math.abs(s / n)).toBeLessThan(1e-4);
      expect(s2 / n).toBeCloseTo(1, 3);
    }
  });
});

describe('the spoken-digits classifier', () => {
  it('trains on the fixture clips end to end: [4, 98, 40] in, softmax over 10 digits out, the loss falls', async () => {
    const specs = fixtures.map(({ file }) => logMelSpectrogram(load(file)));
    const x = tn.tensor(normalize(specs, featureStats(specs, 40)), [4, 98, 40]);
    const y = tn.tensor(fixtures.map((f) => f.label), [4]);
    tn.setSeed(1);
    const model = buildModel(tn, 98, 40);
    const history = await model.fit(x, y, { epochs: 15, batchSize: 4, verbose: 0 });
    const loss = history.history.loss as number[];
    expect(loss.every(Number.isFinite)).toBe(true);
    expect(loss[loss.length - 1]).toBeLessThan(loss[0] * 0.5);
    const p = model.predict(x) as tn.Tensor;
    expect(p.shape).toEqual([4, 10]);
    const probs = Array.from(p.dataSync());
    for (let r = 0; r < 4; r++) expect(probs.slice(10 * r, 10 * r + 10).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });
});
