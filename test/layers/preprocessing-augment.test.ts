// Keras 3's newer image augmentations: Solarization, RandomInvert, AutoContrast, RandomPosterization, RandomSharpness,
// RandomSaturation, RandomHue, RandomColorJitter, RandomGaussianBlur, RandomErasing, MixUp, CutMix.
// Their transforms against numpy/torch references following Keras's code (test/fixtures/preprocessing-augment.json,
// from preprocessing-augment.py, given the same random draws), the random layers' identity in inference, seeded
// determinism, the statistics of their draws, value ranges, saving in a Sequential through a TF.js folder and a
// .keras file, Keras 3 spellings of their configs, and the errors.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { layerFromKeras } from '../../lib/io/keras-config.js';
import { expectConfigRoundTrip } from '../helpers/config-roundtrip.js';

const L = tn.layers;
const root = mkdtempSync(join(tmpdir(), 'tensornode-augment-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeEach(() => tn.clearSession());

interface Arr { shape: number[]; values: number[] }
interface Case {
  name: string; layer: string; args: Record<string, unknown>; draws: Record<string, unknown>; x: Arr; y: Arr; labels?: Arr; yLabels?: Arr;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/preprocessing-augment.json', import.meta.url), 'utf8')) as { cases: Case[] };

const values = (t: unknown): number[] => Array.from((t as tn.Tensor).data() as Float32Array);
const run = (layer: tn.Layer, x: tn.Tensor, training = true): tn.Tensor => layer.apply(x, { training }) as tn.Tensor;

describe('against numpy references following Keras 3', () => {
  for (const c of fixture.cases) {
    it(c.name, () => {
      const Cls = (L as unknown as Record<string, new (a: Record<string, unknown>) => tn.Layer>)[c.layer];
      const layer = new Cls(c.layer === 'AutoContrast' ? c.args : { ...c.args, seed: 1 });
      // The draws of the reference replace the layer's own, so the transform itself is compared.
      const d = c.draws;
      const draw = d.additions ? { additions: d.additions, thresholds: d.thresholds } : d.flags ?? d.bits ?? d.factors ?? d.blur ?? d.erase ?? d.mix;
      const stub = (l: tn.Layer, v: unknown) => { (l as unknown as { getRandomTransformation: () => unknown }).getRandomTransformation = () => v; };
      if (d.steps) {
        // RandomColorJitter: each step's draws (brightness, contrast, saturation, hue).
        const steps = d.steps as Record<string, unknown>;
        (layer as InstanceType<typeof L.RandomColorJitter>).steps.forEach((step, k) => stub(step, steps[['brightness', 'contrast', 'saturation', 'hue'][k]]));
      } else if (draw !== undefined) stub(layer, draw);
      const x = tn.tensor(c.x.values, c.x.shape);
      let pairs: [tn.Tensor, Arr][];
      if (c.labels) {
        const out = (layer as InstanceType<typeof L.MixUp>).apply({ images: x, labels: tn.tensor(c.labels.values, c.labels.shape) }, { training: true });
        pairs = [[out.images, c.y], [out.labels!, c.yLabels!]];
      } else pairs = [[run(layer, x), c.y]];
      for (const [y, want] of pairs) {
        expect(y.shape).toEqual(want.shape);
        const got = values(y);
        const scale = Math.max(1, ...want.values.map(Math.abs));
        want.values.forEach((v, i) => expect(Math.abs(got[i] - v), `${i}: ${got[i]} vs ${v}`).toBeLessThanOrEqual(2e-6 * scale));
      }
    });
  }

  it('one image (rank 3) and channels_first give the batch\'s channels_last result', () => {
    const c = fixture.cases.find((k) => k.layer === 'AutoContrast')!;
    const x = tn.tensor(c.x.values, c.x.shape);
    const batch = run(new L.AutoContrast(), x);
    const first = run(new L.AutoContrast({ dataFormat: 'channels_first' }), tn.transpose(x, [0, 3, 1, 2]));
    expect(values(tn.transpose(first, [0, 2, 3, 1]))).toEqual(values(batch));
    const one = run(new L.AutoContrast(), tn.slice(x, [0, 0, 0, 0], [1, ...c.x.shape.slice(1)]).reshape(c.x.shape.slice(1)));
    expect(values(one)).toEqual(values(batch).slice(0, one.size));
    const sharp = new L.RandomSharpness({ factor: [0.9, 0.9], dataFormat: 'channels_first', seed: 1 });
    expect(values(tn.transpose(run(sharp, tn.transpose(x, [0, 3, 1, 2])), [0, 2, 3, 1]))).toEqual(values(run(new L.RandomSharpness({ factor: [0.9, 0.9] }), x)));
  });
});

describe('the random layers', () => {
  const x = tn.randomUniform([64, 4, 4, 3], 0, 255, 'float32', 3);
  const make = (): tn.Layer[] => [
    new L.Solarization({ additionFactor: 0.3, thresholdFactor: 0.5, seed: 5 }), new L.RandomInvert({ seed: 5 }),
    new L.RandomPosterization({ factor: 6, seed: 5 }), new L.RandomSharpness({ factor: 0.9, seed: 5 }),
    new L.RandomSaturation({ factor: [0.6, 0.9], seed: 5 }), new L.RandomHue({ factor: 0.5, valueRange: [0, 255], seed: 5 }),
    new L.RandomColorJitter({ brightnessFactor: 0.2, contrastFactor: 0.2, saturationFactor: [0.4, 0.6], hueFactor: 0.1, seed: 5 }),
    new L.RandomGaussianBlur({ seed: 5 }), new L.RandomErasing({ seed: 5 }), new L.MixUp({ seed: 5 }), new L.CutMix({ seed: 5 }),
  ];

  it('are the identity in inference (float32 out) and change images in training', () => {
    for (const layer of make()) {
      expect(values(run(layer, x, false)), layer.className).toEqual(values(x));
      expect(values(layer.apply(tn.cast(x, 'int32')) as tn.Tensor), layer.className).toEqual(values(tn.cast(tn.cast(x, 'int32'), 'float32')));
      expect(values(run(layer, x)), layer.className).not.toEqual(values(x));
    }
  });

  it('repeat for a seed', () => {
    const a = make(); const b = make();
    for (let i = 0; i < a.length; i++) {
      expect(values(run(a[i], x)), a[i].className).toEqual(values(run(b[i], x)));
      expect(values(run(a[i], x)), a[i].className).toEqual(values(run(b[i], x)));
    }
  });

  it('RandomInvert: an image is inverted with probability (lower + upper) / 2, to high - x', () => {
    const xs = tn.randomUniform([2000, 1, 1, 3], 0, 1, 'float32', 1);
    const fraction = (layer: tn.Layer): number => {
      const got = values(run(layer, xs)); const xv = values(xs);
      let inverted = 0;
      for (let i = 0; i < 2000; i++) {
        const flipped = [0, 1, 2].every((k) => Math.abs(got[3 * i + k] - (1 - xv[3 * i + k])) < 1e-6);
        const kept = [0, 1, 2].every((k) => got[3 * i + k] === xv[3 * i + k]);
        expect(flipped || kept).toBe(true);
        if (flipped) inverted++;
      }
      return inverted / 2000;
    };
    expect(fraction(new L.RandomInvert({ valueRange: [0, 1], seed: 2 }))).toBeCloseTo(0.5, 1);
    expect(Math.abs(fraction(new L.RandomInvert({ factor: [0.8, 0.8], valueRange: [0, 1], seed: 3 })) - 0.8)).toBeLessThan(0.04);
    expect(Math.abs(fraction(new L.RandomInvert({ factor: 0.4, valueRange: [0, 1], seed: 4 })) - 0.2)).toBeLessThan(0.04);
    expect(fraction(new L.RandomInvert({ factor: 0, valueRange: [0, 1], seed: 4 }))).toBe(0);
    expect(new L.RandomInvert().factor).toEqual([0, 1]);
  });

  it('Solarization: additions in [lower, 255 upper] and thresholds likewise (Keras 3), output within valueRange', () => {
    const layer = new L.Solarization({ additionFactor: [0.1, 0.2], thresholdFactor: 0.5, seed: 7 });
    const { additions, thresholds } = layer.getRandomTransformation(4000);
    expect(Math.min(...additions)).toBeGreaterThanOrEqual(0.1);
    expect(Math.max(...additions)).toBeLessThanOrEqual(51);
    expect(additions.reduce((a, b) => a + b) / 4000).toBeCloseTo((0.1 + 51) / 2, -0.5);
    expect(Math.max(...thresholds)).toBeLessThanOrEqual(127.5);
    expect(thresholds.reduce((a, b) => a + b) / 4000).toBeCloseTo(127.5 / 2, -0.5);
    const y = values(run(new L.Solarization({ additionFactor: 0.5, thresholdFactor: 0.5, valueRange: [-1, 1], seed: 1 }), tn.randomUniform([16, 4, 4, 3], -1, 1, 'float32', 2)));
    expect(Math.min(...y)).toBeGreaterThanOrEqual(-1 - 1e-6);
    expect(Math.max(...y)).toBeLessThanOrEqual(1 + 1e-6);
  });

  it('RandomPosterization: bits in [lower, upper) (Keras\'s randint), [b, b] always b; values are multiples of 2^(8 - bits)', () => {
    const bits = new L.RandomPosterization({ factor: 8, seed: 1 }).getRandomTransformation(2000);
    expect(new Set(bits)).toEqual(new Set([1, 2, 3, 4, 5, 6, 7]));
    for (let b = 1; b <= 7; b++) expect(Math.abs(bits.filter((v) => v === b).length / 2000 - 1 / 7)).toBeLessThan(0.03);
    expect(new L.RandomPosterization([3, 3]).getRandomTransformation(5)).toEqual([3, 3, 3, 3, 3]);
    expect(new L.RandomPosterization(4).factor).toEqual([1, 4]);
    const y = values(run(new L.RandomPosterization({ factor: [3, 3], seed: 1 }), x));
    expect(y.every((v) => v % 32 === 0 && v >= 0 && v <= 224)).toBe(true);
    const y01 = values(run(new L.RandomPosterization({ factor: [2, 2], valueRange: [0, 1], seed: 1 }), tn.randomUniform([8, 3, 3, 3], 0, 1, 'float32', 4)));
    expect(new Set(y01.map((v) => Math.round(v * 255)))).toEqual(new Set([0, 64, 128, 192]));
  });

  it('RandomSharpness: factors uniform in the range, output within valueRange, 0.5 keeps the image', () => {
    const f = new L.RandomSharpness({ factor: [0.2, 0.6], seed: 1 }).getRandomTransformation(4000);
    expect(Math.min(...f)).toBeGreaterThanOrEqual(0.2);
    expect(Math.max(...f)).toBeLessThan(0.6);
    expect(f.reduce((a, b) => a + b) / 4000).toBeCloseTo(0.4, 2);
    expect(new L.RandomSharpness(0.7).factor).toEqual([0, 0.7]);
    const keep = values(run(new L.RandomSharpness({ factor: [0.5, 0.5] }), x));
    values(x).forEach((v, i) => expect(keep[i]).toBeCloseTo(v, 3));
    const y = values(run(new L.RandomSharpness({ factor: 1, valueRange: [0, 100], seed: 3 }), tn.randomUniform([8, 5, 5, 3], 0, 100, 'float32', 6)));
    expect(Math.min(...y)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...y)).toBeLessThanOrEqual(100);
  });

  it('RandomSaturation: multipliers u / (1 - u) of u uniform in Keras\'s range ([-f, f] for a single f); 0.5 keeps', () => {
    const m = new L.RandomSaturation({ factor: [0.2, 0.6], seed: 1 }).getRandomTransformation(4000);
    expect(Math.min(...m)).toBeGreaterThanOrEqual(0.25 - 1e-6);
    expect(Math.max(...m)).toBeLessThanOrEqual(1.5 + 1e-6);
    expect(m.filter((v) => v < 1).length / 4000).toBeCloseTo(0.75, 1);
    expect(new L.RandomSaturation(0.3).factor).toEqual([-0.3, 0.3]);
    const keep = values(run(new L.RandomSaturation({ factor: [0.5, 0.5] }), x));
    values(x).forEach((v, i) => expect(keep[i]).toBeCloseTo(v, 2));
    const gray = values(run(new L.RandomSaturation({ factor: [0, 0] }), x));
    for (let p = 0; p < gray.length; p += 3) expect(gray[p] === gray[p + 1] && gray[p + 1] === gray[p + 2]).toBe(true);
  });

  it('RandomHue: shifts of ±u / 2 turns, half of each sign; 0 keeps; output within valueRange', () => {
    const d = new L.RandomHue({ factor: [0.2, 0.8], valueRange: [0, 1], seed: 2 }).getRandomTransformation(4000);
    expect(d.every((v) => Math.abs(v) >= 0.1 && Math.abs(v) <= 0.4)).toBe(true);
    expect(d.filter((v) => v < 0).length / 4000).toBeCloseTo(0.5, 1);
    const keep = values(run(new L.RandomHue({ factor: 0, valueRange: [0, 255] }), x));
    values(x).forEach((v, i) => expect(keep[i]).toBeCloseTo(v, 2));
    const y = values(run(new L.RandomHue({ factor: 1, valueRange: [-1, 1], seed: 3 }), tn.randomUniform([8, 4, 4, 3], -1, 1, 'float32', 6)));
    expect(Math.min(...y)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...y)).toBeLessThanOrEqual(1);
  });

  it('RandomColorJitter runs only the steps given, in Keras\'s order, with its valueRange; step k (brightness 0 to hue 3) seeded seed + k', () => {
    expect(new L.RandomColorJitter().steps).toEqual([]);
    expect(values(run(new L.RandomColorJitter(), x))).toEqual(values(x));
    const j = new L.RandomColorJitter({ contrastFactor: 0.5, hueFactor: [0.1, 0.2], valueRange: [0, 1], seed: 7 });
    expect(j.steps.map((s) => s.className)).toEqual(['RandomContrast', 'RandomHue']);
    const x01 = tn.randomUniform([6, 3, 3, 3], 0, 1, 'float32', 8);
    const contrast = new L.RandomContrast({ factor: 0.5, valueRange: [0, 1], seed: 8 });
    const hue = new L.RandomHue({ factor: [0.1, 0.2], valueRange: [0, 1], seed: 10 });
    expect(values(run(j, x01))).toEqual(values(run(hue, run(contrast, x01))));
  });

  it('RandomGaussianBlur: an image is blurred with probability (lower + upper) / 2; one sigma pair per batch in Keras\'s range', () => {
    const t = new L.RandomGaussianBlur({ factor: [0.2, 0.6], sigma: [0.3, 0.8], seed: 3 }).getRandomTransformation(4000);
    expect(Math.abs(t.apply.filter(Boolean).length / 4000 - 0.4)).toBeLessThan(0.03);
    t.sigma.forEach((s) => expect(s >= 0.3 && s <= 0.8 + 1e-6).toBe(true));
    const d = new L.RandomGaussianBlur();
    expect([d.factor, d.kernelSize, d.sigma]).toEqual([[0, 1], [3, 3], [0, 1]]);
    expect(values(run(new L.RandomGaussianBlur({ factor: 0 }), x))).toEqual(values(x));
    const y = values(run(new L.RandomGaussianBlur({ factor: [1, 1], valueRange: [0, 100], seed: 4 }), tn.randomUniform([4, 5, 5, 3], 0, 200, 'float32', 5)));
    expect(Math.max(...y)).toBeLessThanOrEqual(100);
  });

  it('RandomErasing: probability (lower + upper) / 2; patch sides sqrt(u) of the image\'s, u in scale; noise fill within valueRange', () => {
    const layer = new L.RandomErasing({ factor: [0.4, 0.8], scale: [0.04, 0.25], seed: 6 });
    const { apply, boxes } = layer.getRandomTransformation(4000, 20, 30);
    expect(Math.abs(apply.filter(Boolean).length / 4000 - 0.6)).toBeLessThan(0.03);
    for (const b of boxes) {
      expect((b.x1 - b.x0) / 30).toBeGreaterThanOrEqual(0.2 - 1e-9);
      expect((b.x1 - b.x0) / 30).toBeLessThanOrEqual(0.5 + 1e-9);
      expect((b.y1 - b.y0) / 20).toBeGreaterThanOrEqual(0.2 - 1e-9);
      expect(b.x0 >= 0 && b.x1 <= 30 + 1e-9 && b.y0 >= 0 && b.y1 <= 20 + 1e-9).toBe(true);
    }
    const d = new L.RandomErasing();
    expect([d.factor, d.scale, d.fillValue]).toEqual([[0, 1], [0.02, 0.33], null]);
    const xs = tn.randomUniform([64, 8, 8, 3], 0.4, 0.6, 'float32', 2);
    const y = values(run(new L.RandomErasing({ factor: [1, 1], scale: [0.2, 0.3], valueRange: [0, 1], seed: 3 }), xs));
    expect(Math.min(...y)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...y)).toBeLessThanOrEqual(1);
    const changed = y.filter((v, i) => v !== values(xs)[i]).length / y.length;
    expect(changed).toBeGreaterThan(0.15);
    expect(changed).toBeLessThan(0.35);
  });

  it('MixUp: one Beta(alpha, alpha) weight per batch, a permutation; labels mixed alike; identity in inference', () => {
    const draws = Array.from({ length: 3000 }, (_, i) => new L.MixUp({ alpha: 0.4, seed: i }).getRandomTransformation(4));
    const w = draws.map((d) => d.labelWeights[0]);
    // Beta(0.4, 0.4): mean 1/2, variance 1 / (4 (2 alpha + 1)) = 0.138...
    const mean = w.reduce((a, b) => a + b) / w.length;
    expect(mean).toBeCloseTo(0.5, 1);
    expect(w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length).toBeCloseTo(1 / (4 * 1.8), 1);
    expect(draws.every((d) => [...d.permutation].sort().join() === '0,1,2,3')).toBe(true);
    const xs = tn.randomUniform([8, 3, 3, 3], 0, 1, 'float32', 1);
    const labels = tn.oneHot(tn.tensor([0, 1, 2, 0, 1, 2, 0, 1], [8], 'int32'), 3);
    const layer = new L.MixUp({ alpha: 0.5, seed: 2 });
    const t = new L.MixUp({ alpha: 0.5, seed: 2 }).getRandomTransformation(8);
    const out = layer.apply({ images: xs, labels }, { training: true });
    expect(Object.keys(out)).toEqual(['images', 'labels']);
    const ml = (out.labels as tn.Tensor).array() as number[][];
    ml.forEach((row, i) => {
      expect(row.reduce((a, b) => a + b)).toBeCloseTo(1, 5);
      expect(row[[0, 1, 2, 0, 1, 2, 0, 1][i]]).toBeGreaterThanOrEqual(t.labelWeights[0] - 1e-6);
    });
    const same = layer.apply({ images: xs, labels }, { training: false });
    expect(values(same.images)).toEqual(values(xs));
    expect(same.labels).toBe(labels);
    expect(values(run(new L.MixUp(), tn.slice(xs, [0, 0, 0, 0], [1, 3, 3, 3])))).toEqual(values(tn.slice(xs, [0, 0, 0, 0], [1, 3, 3, 3])));
  });

  it('CutMix: patch sides sqrt(1 - w), label weight 1 - patch area / image area; pasted pixels come from the partner', () => {
    const layer = new L.CutMix({ factor: [0.5, 1], seed: 3 });
    const { boxes, labelWeights, permutation } = layer.getRandomTransformation(500, 10, 16);
    boxes!.forEach((b, i) => {
      const fw = (b.x1 - b.x0) / 16;
      expect(fw).toBeCloseTo((b.y1 - b.y0) / 10, 6);
      expect(labelWeights[i]).toBeCloseTo(1 - fw * fw, 6);
      expect(b.x0 >= 0 && b.x1 <= 16 + 1e-9 && b.y0 >= 0 && b.y1 <= 10 + 1e-9).toBe(true);
    });
    // Beta(alpha, alpha) with alpha in [0.5, 1]: w has mean 1/2, so the patch covers half the image on average.
    expect(labelWeights.reduce((a, b) => a + b) / 500).toBeCloseTo(0.5, 1);
    expect([...permutation].sort((a, b) => a - b)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    const xs = tn.tensor(Float32Array.from({ length: 6 * 4 * 4 * 3 }, (_, i) => Math.floor(i / 48)), [6, 4, 4, 3]);
    const out = values(run(new L.CutMix({ seed: 4 }), xs));
    const t = new L.CutMix({ seed: 4 }).getRandomTransformation(6, 4, 4);
    for (let i = 0; i < 6; i++) {
      const img = out.slice(i * 48, (i + 1) * 48);
      expect(img.every((v) => v === i || v === t.permutation[i])).toBe(true);
    }
    expect(new L.CutMix().factor).toEqual([0, 1]);
  });

  it('AutoContrast acts in inference too, stretching each channel to the whole range', () => {
    const xs = tn.randomUniform([4, 6, 6, 3], 50, 100, 'float32', 9);
    const a = new L.AutoContrast();
    expect(values(run(a, xs, false))).toEqual(values(run(a, xs, true)));
    const y = run(a, xs, false);
    expect(values(tn.min(y, [1, 2]))).toEqual(new Array(12).fill(0));
    values(tn.max(y, [1, 2])).forEach((v) => expect(v).toBeCloseTo(255, 3));
  });
});

describe('configs, Keras spellings and saving', () => {
  const made = (): tn.Layer[] => [
    new L.Solarization({ additionFactor: [0.1, 0.2], thresholdFactor: 0.4, valueRange: [0, 1], seed: 3 }),
    new L.RandomInvert({ factor: 0.6, seed: 2, dataFormat: 'channels_first' }), new L.AutoContrast({ valueRange: [-1, 1] }),
    new L.RandomPosterization({ factor: [2, 6], seed: 1 }), new L.RandomSharpness({ factor: [0.3, 0.8], valueRange: [0, 1] }),
    new L.RandomSaturation({ factor: 0.4, seed: 6 }), new L.RandomHue({ factor: [0.1, 0.3], valueRange: [0, 1], dataFormat: 'channels_first' }),
    new L.RandomColorJitter({ valueRange: [0, 1], brightnessFactor: [-0.1, 0.2], hueFactor: 0.3, seed: 2 }),
    new L.RandomGaussianBlur({ factor: 0.5, kernelSize: 5, sigma: [0.2, 0.9], seed: 1 }),
    new L.RandomErasing({ factor: 0.5, scale: 0.2, fillValue: [1, 2, 3], seed: 1 }), new L.RandomErasing({ fillValue: 0, dataFormat: 'channels_first' }),
    new L.MixUp({ alpha: 0.4, seed: 3 }), new L.CutMix({ factor: [0.2, 0.9], seed: 4 }),
  ];

  it('getConfig gives back an equal layer, directly and through Keras\'s spelling; the factories', () => {
    expectConfigRoundTrip(made());
    expect(L.solarization().className).toBe('Solarization');
    expect(L.randomInvert().className).toBe('RandomInvert');
    expect(L.autoContrast().className).toBe('AutoContrast');
    expect(L.randomPosterization({ factor: 4 }).className).toBe('RandomPosterization');
    expect(L.randomSharpness({ factor: 0.5 }).className).toBe('RandomSharpness');
    expect(L.randomSaturation({ factor: 0.5 }).className).toBe('RandomSaturation');
    expect(L.randomHue({ factor: 0.5, valueRange: [0, 1] }).className).toBe('RandomHue');
    expect(L.randomColorJitter().className).toBe('RandomColorJitter');
    expect(L.randomGaussianBlur().className).toBe('RandomGaussianBlur');
    expect(L.randomErasing().className).toBe('RandomErasing');
    expect(L.mixUp().className).toBe('MixUp');
    expect(L.cutMix().className).toBe('CutMix');
  });

  it('reads Keras 3\'s configs', () => {
    const k3 = (className: string, config: Record<string, unknown>) => layerFromKeras({ module: 'keras.layers', class_name: className, config: { name: 'x', trainable: true, dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null }, ...config }, registered_name: null });
    const s = k3('Solarization', { value_range: [0, 255], addition_factor: [0, 0.0], threshold_factor: [0, 0.5], seed: null }) as InstanceType<typeof L.Solarization>;
    expect([s.additionFactor, s.thresholdFactor, s.seed]).toEqual([[0, 0], [0, 0.5], undefined]);
    const i = k3('RandomInvert', { factor: [0, 1], value_range: [0, 255], seed: 4 }) as InstanceType<typeof L.RandomInvert>;
    expect([i.factor, i.seed]).toEqual([[0, 1], 4]);
    expect((k3('AutoContrast', { value_range: [0, 1] }) as InstanceType<typeof L.AutoContrast>).valueRange).toEqual([0, 1]);
    expect((k3('RandomPosterization', { factor: [1, 8], value_range: [0, 255], seed: null }) as InstanceType<typeof L.RandomPosterization>).factor).toEqual([1, 8]);
    expect((k3('RandomSaturation', { factor: [-0.2, 0.2], value_range: [0, 255], seed: null, data_format: 'channels_last' }) as InstanceType<typeof L.RandomSaturation>).factor).toEqual([-0.2, 0.2]);
    expect((k3('RandomHue', { factor: [0, 0.3], value_range: [0, 1], seed: 2 }) as InstanceType<typeof L.RandomHue>).valueRange).toEqual([0, 1]);
    const j = k3('RandomColorJitter', { value_range: [0, 255], brightness_factor: null, contrast_factor: [0.1, 0.1], saturation_factor: null, hue_factor: 0.2, seed: 3, data_format: 'channels_last' }) as InstanceType<typeof L.RandomColorJitter>;
    expect([j.brightnessFactor, j.contrastFactor, j.hueFactor, j.steps.length]).toEqual([null, [0.1, 0.1], 0.2, 2]);
    const b = k3('RandomGaussianBlur', { factor: [0, 1], kernel_size: [3, 3], sigma: [0, 1], value_range: [0, 255], seed: null, data_format: 'channels_last' }) as InstanceType<typeof L.RandomGaussianBlur>;
    expect([b.factor, b.kernelSize, b.sigma]).toEqual([[0, 1], [3, 3], [0, 1]]);
    const e = k3('RandomErasing', { factor: [0, 1], scale: [0.02, 0.33], fill_value: null, value_range: [0, 255], seed: null }) as InstanceType<typeof L.RandomErasing>;
    expect([e.scale, e.fillValue]).toEqual([[0.02, 0.33], null]);
    expect((k3('MixUp', { alpha: 0.2, seed: null, data_format: 'channels_last' }) as InstanceType<typeof L.MixUp>).alpha).toBe(0.2);
    expect((k3('CutMix', { factor: [0, 1], seed: 5, data_format: 'channels_last' }) as InstanceType<typeof L.CutMix>).factor).toEqual([0, 1]);
    expect((k3('RandomSharpness', { factor: [0, 0.4], value_range: [0, 255], seed: null, data_format: 'channels_last' }) as InstanceType<typeof L.RandomSharpness>).factor).toEqual([0, 0.4]);
  });

  it('a Sequential with them saves and loads through a TF.js folder and a .keras file', async () => {
    const model = tn.sequential({
      layers: [
        new L.Solarization({ additionFactor: 0.1, thresholdFactor: 0.5, seed: 1, inputShape: [4, 4, 3] }), new L.RandomInvert({ factor: 0.5, seed: 2 }),
        new L.RandomPosterization({ factor: 5, seed: 3 }), new L.RandomSharpness({ factor: [0.2, 0.7], seed: 4 }), new L.AutoContrast(),
        new L.RandomSaturation({ factor: [0.3, 0.7], seed: 5 }), new L.RandomHue({ factor: 0.2, valueRange: [0, 255], seed: 6 }),
        new L.RandomColorJitter({ brightnessFactor: 0.1, contrastFactor: 0.1, saturationFactor: 0.5, hueFactor: 0.1, seed: 7 }),
        new L.RandomGaussianBlur({ kernelSize: 3, sigma: 0.8, seed: 8 }), new L.RandomErasing({ seed: 9 }), new L.MixUp({ seed: 10 }), new L.CutMix({ seed: 11 }),
        new L.Rescaling(1 / 255),
      ],
    });
    const x = tn.randomUniform([2, 4, 4, 3], 0, 255, 'float32', 5);
    const expected = (model.predict(x) as tn.Tensor).array();
    for (const target of [join(root, 'tfjs'), join(root, 'aug.keras')]) {
      await model.save(target);
      const loaded = await tn.loadModel(target);
      const configs = (m: tn.LayersModel) => m.layers.map((l) => ({ ...l.getConfig(), batchInputShape: undefined }));
      expect(configs(loaded), target).toEqual(configs(model));
      expect((loaded.predict(x) as tn.Tensor).array(), target).toEqual(expected);
    }
  });
});

describe('errors name the layer and the argument', () => {
  it('bad factors, value ranges, seeds, inputs', () => {
    expect(() => new L.Solarization({ additionFactor: 1.5 })).toThrow('Solarization: received an invalid value for `additionFactor`, expected a number (or a list of two numbers) in the range [0, 1]');
    expect(() => new L.Solarization({ thresholdFactor: [-0.1, 0.5] })).toThrow('Solarization: received an invalid value for `thresholdFactor`');
    expect(() => new L.Solarization({ valueRange: [0] as unknown as [number, number] })).toThrow('Solarization: received an invalid value for `valueRange`');
    expect(() => new L.RandomInvert({ factor: 2 })).toThrow('RandomInvert: received an invalid value for `factor`, expected a number (or a list of two numbers) in the range [0, 1]');
    expect(() => new L.RandomInvert({ seed: 'a' as unknown as number })).toThrow('RandomInvert: received an invalid value for `seed`');
    expect(() => new L.AutoContrast({ valueRange: 'x' as unknown as [number, number] })).toThrow('AutoContrast: received an invalid value for `valueRange`');
    expect(() => new L.RandomPosterization({} as never)).toThrow('RandomPosterization: received an invalid value for `factor`, expected an integer (or a list of two integers) in the range [1, 8]');
    expect(() => new L.RandomPosterization(9)).toThrow('RandomPosterization: received an invalid value for `factor`');
    expect(() => new L.RandomPosterization(2.5)).toThrow('RandomPosterization: received an invalid value for `factor`');
    expect(() => new L.RandomSharpness({} as never)).toThrow('RandomSharpness: received an invalid value for `factor`');
    expect(() => new L.RandomSharpness(-0.5)).toThrow('RandomSharpness: received an invalid value for `factor`');
    expect(() => new L.RandomSharpness({ factor: 0.5, name: 's' }).apply(tn.zeros([2, 3]), { training: true })).toThrow('Layer "s" (RandomSharpness) expects images of rank 3 (one image) or 4 (a batch)');
    expect(() => new L.RandomSaturation(1.5)).toThrow('RandomSaturation: received an invalid value for `factor`, expected a number (or a list of two numbers) in the range [-1, 1]');
    expect(() => new L.RandomHue(0.5)).toThrow('RandomHue: received an invalid value for `valueRange`, expected a list of two numbers [low, high] (Keras 3 has no default)');
    expect(() => new L.RandomHue({ factor: -0.5, valueRange: [0, 1] })).toThrow('RandomHue: received an invalid value for `factor`, expected a number (or a list of two numbers) in the range [0, 1]');
    expect(() => new L.RandomHue({ factor: 0.5, valueRange: [0, 1], name: 'h' }).apply(tn.zeros([1, 2, 2, 4]), { training: true })).toThrow('Layer "h" (RandomHue) expects RGB images with 3 channels, received 4 channels');
    expect(() => new L.RandomColorJitter({ contrastFactor: 2 })).toThrow('RandomColorJitter: `contrastFactor`: RandomContrast: received an invalid value for `factor`');
    expect(() => new L.RandomColorJitter({ valueRange: 3 as unknown as [number, number] })).toThrow('RandomColorJitter: received an invalid value for `valueRange`');
    expect(() => new L.RandomGaussianBlur({ kernelSize: 4 })).toThrow('RandomGaussianBlur: received an invalid value for `kernelSize`, expected an odd positive integer');
    expect(() => new L.RandomGaussianBlur({ sigma: 2 })).toThrow('RandomGaussianBlur: received an invalid value for `sigma`, expected a number (or a list of two numbers) in the range [0, 1]');
    expect(() => new L.RandomGaussianBlur({ factor: 1.5 })).toThrow('RandomGaussianBlur: received an invalid value for `factor`');
    expect(() => new L.RandomErasing({ scale: [2, 3] })).toThrow('RandomErasing: received an invalid value for `scale`, expected a number (or a list of two numbers) in the range [0, 1]');
    expect(() => new L.RandomErasing({ fillValue: [1, 2] })).toThrow('RandomErasing: received an invalid value for `fillValue`, expected a number, a list of three numbers');
    expect(() => new L.RandomErasing({ fillValue: [1, 2, 3], name: 'e' }).apply(tn.zeros([1, 4, 4, 1]), { training: true })).toThrow('Layer "e" (RandomErasing) has a fillValue of 3 numbers (one per channel) but received 1 channels');
    expect(() => new L.MixUp({ alpha: -1 })).toThrow('MixUp: received an invalid value for `alpha`, expected a positive number');
    expect(() => new L.CutMix({ factor: 3 })).toThrow('CutMix: received an invalid value for `factor`');
    const xs = tn.zeros([2, 3, 3, 3]);
    expect(() => new L.MixUp({ name: 'm' }).apply({ images: xs, boxes: xs } as never, { training: true })).toThrow('Layer "m" (MixUp) takes images or a dict { images, labels }, received a dict with keys ["images","boxes"]');
    expect(() => new L.CutMix({ name: 'c' }).apply({ images: xs, labels: tn.zeros([3, 2]) }, { training: true })).toThrow('Layer "c" (CutMix) needs one row of labels per image: 2 images, labels of shape [3,2]');
    expect(() => new L.AutoContrast({ name: 'a' }).apply(tn.zeros([2, 3]))).toThrow('Layer "a" (AutoContrast) expects images of rank 3');
  });
});
