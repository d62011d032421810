// MelSpectrogram (Keras 3's keras.layers.MelSpectrogram): values against a float64 reference (torch.stft with
// center=True and reflect padding, the HTK mel matrix and Keras's dB scaling, test/fixtures/signal/generate.py), shapes,
// config and option checks, saving through .keras and TF.js folders, and a small model that learns to tell two tones
// apart from its output.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { MelSpectrogram } from '../../lib/layers/index.js';
import { gradCheck, randomTensor, rng } from '../helpers/gradcheck.js';

interface MelSpectrogramCase { x: unknown; shape: number[]; config: Record<string, unknown>; output: unknown }
const fixture = JSON.parse(readFileSync(join(__dirname, '../fixtures/signal/signal.json'), 'utf8')) as { melSpectrogram: MelSpectrogramCase[] };
const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);

describe('MelSpectrogram', () => {
  for (const c of fixture.melSpectrogram) {
    it(`matches the float64 reference for input [${c.shape}] and ${JSON.stringify(c.config)}`, () => {
      const layer = new MelSpectrogram(c.config);
      const y = layer.apply(tn.tensor(flat(c.x), c.shape)) as tn.Tensor;
      const want = flat(c.output);
      const samples = c.shape[c.shape.length - 1];
      const frames = Math.floor(samples / (c.config.sequenceStride as number)) + 1;
      expect(y.shape).toEqual([...c.shape.slice(0, -1), c.config.numMelBins, frames]);
      expect(layer.computeOutputShape(c.shape)).toEqual(y.shape);
      const got = y.data();
      // In dB an absolute bound (float32 power near the top of its range); otherwise relative to the largest value.
      const db = c.config.powerToDb !== false;
      const scale = db ? 1 : Math.max(...want.map(Math.abs));
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / scale);
      expect(worst).toBeLessThan(db ? 2e-3 : 2e-6);
    });
  }

  it("has Keras 3's defaults and config, and output shapes for one signal and a batch", () => {
    const layer = new MelSpectrogram();
    expect(layer.getConfig()).toMatchObject({
      fftLength: 2048, sequenceStride: 512, sequenceLength: 2048, window: 'hann', samplingRate: 16000, numMelBins: 128, minFreq: 20,
      maxFreq: 8000, powerToDb: true, topDb: 80, magExp: 2, minPower: 1e-10, refPower: 1,
    });
    // Keras 3's docstring examples.
    const one = new MelSpectrogram({ numMelBins: 64, samplingRate: 8000, sequenceStride: 256, fftLength: 2048 });
    expect((one.apply(tn.randomUniform([16000], 0, 1, 'float32', 1)) as tn.Tensor).shape).toEqual([64, 63]);
    const batch = new MelSpectrogram({ numMelBins: 80, samplingRate: 8000, sequenceStride: 128, fftLength: 2048 });
    // floor(16000 / 128) + 1 = 126 frames, as Keras 3's compute_output_shape and its stft give (its docstring says 125).
    expect((batch.apply(tn.randomUniform([2, 16000], 0, 1, 'float32', 2)) as tn.Tensor).shape).toEqual([2, 80, 126]);
    expect(batch.computeOutputShape([null, 16000])).toEqual([null, 80, 126]);
    expect(batch.computeOutputShape([null, null])).toEqual([null, 80, null]);
    // Rebuilt from its config, the same layer.
    expect(new MelSpectrogram(batch.getConfig()).getConfig()).toEqual(batch.getConfig());
    expect(tn.layers.melSpectrogram({ numMelBins: 8 }).numMelBins).toBe(8);
  });

  it('floors the dB at the largest value of the whole batch less topDb, as Keras does', () => {
    const loud = tn.mul(tn.sin(tn.mul(tn.range(0, 1024), 0.3)), 100);
    const quiet = tn.mul(tn.sin(tn.mul(tn.range(0, 1024), 0.3)), 1e-3);
    const y = new MelSpectrogram({ fftLength: 128, sequenceStride: 64, numMelBins: 8, topDb: 30 }).apply(tn.stack([loud, quiet])) as tn.Tensor;
    const v = y.data();
    const top = Math.max(...v);
    expect(Math.min(...v)).toBeCloseTo(top - 30, 3);
    // Every value of the quiet signal sits on the floor set by the loud one.
    expect(Array.from(v.slice(v.length / 2)).every((d) => Math.abs(d - (top - 30)) < 1e-3)).toBe(true);
  });

  it('passes gradients to its input', () => {
    const layer = new MelSpectrogram({ fftLength: 16, sequenceStride: 8, numMelBins: 3, samplingRate: 100, minFreq: 0, powerToDb: false, magExp: 2 });
    gradCheck((x) => layer.apply(x) as tn.Tensor, [randomTensor([2, 40], 5)]);
  });

  it('checks its options and its input, naming itself and the shapes', () => {
    expect(() => new MelSpectrogram({ fftLength: 0 })).toThrow('MelSpectrogram: received an invalid value for `fftLength`, expected a positive integer. Received: fftLength=0');
    expect(() => new MelSpectrogram({ sequenceStride: 2.5 })).toThrow(/`sequenceStride`, expected a positive integer. Received: sequenceStride=2.5/);
    expect(() => new MelSpectrogram({ fftLength: 256, sequenceLength: 512 })).toThrow('MelSpectrogram: `fftLength` must be greater than or equal to `sequenceLength`. Received: sequenceLength=512, fftLength=256');
    expect(() => new MelSpectrogram({ window: 'blackman' as never })).toThrow(/`window`, expected 'hann', 'hamming' or null/);
    expect(() => new MelSpectrogram({ minFreq: 5000, maxFreq: 4000 })).toThrow('MelSpectrogram: `maxFreq` must be above `minFreq`. Received: minFreq=5000, maxFreq=4000');
    expect(() => new MelSpectrogram({ samplingRate: -1 })).toThrow(/`samplingRate`, expected a positive number/);
    expect(() => new MelSpectrogram({ magExp: 0 })).toThrow(/`magExp`, expected a positive number/);
    expect(() => new MelSpectrogram({ powerToDb: 'yes' as never })).toThrow(/`powerToDb`, expected a boolean/);
    const layer = new MelSpectrogram({ name: 'mel', fftLength: 64, sequenceStride: 16 });
    expect(() => layer.apply(tn.zeros([2, 3, 100]))).toThrow('Layer "mel" (MelSpectrogram) expects audio of rank 1 [samples] or 2 [batch, samples], received shape [2,3,100]');
    expect(() => layer.apply(tn.zeros([2, 32]))).toThrow('Layer "mel" (MelSpectrogram) needs more than fftLength / 2 = 32 samples to reflect-pad the signal, received shape [2,32]');
    expect(() => new MelSpectrogram({ fftLength: 64, fftLenght: 3 } as never).apply(tn.zeros([100]))).toThrow(/fftLenght/);
  });

  it('saves and loads through .keras and TF.js folders, first in a model before Permute and Conv1D', async () => {
    const model = tn.sequential({
      layers: [
        new MelSpectrogram({ fftLength: 128, sequenceStride: 32, sequenceLength: 100, window: 'hamming', samplingRate: 8000, numMelBins: 12, minFreq: 50, maxFreq: 3500, topDb: 60, refPower: 2, inputShape: [600] }),
        new tn.layers.Permute({ dims: [2, 1] }),
        new tn.layers.Conv1D({ filters: 4, kernelSize: 3, activation: 'relu' }),
        new tn.layers.GlobalMaxPooling1D(),
        new tn.layers.Dense({ units: 2 }),
      ],
    });
    const xs = randomTensor([3, 600], 8, -1, 1);
    const y = model.predict(xs) as tn.Tensor;
    expect(y.shape).toEqual([3, 2]);
    const want = Array.from(y.data());
    const dir = mkdtempSync(join(tmpdir(), 'tn-mel-'));
    try {
      for (const target of [join(dir, 'tfjs'), join(dir, 'model.keras')]) {
        await model.save(target);
        const loaded = await tn.loadModel(target);
        expect(Array.from((loaded.predict(xs) as tn.Tensor).data())).toEqual(want);
        const { batchInputShape: _, ...config } = model.layers[0].getConfig();
        expect(loaded.layers[0].getConfig()).toMatchObject(config);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lets MelSpectrogram + Conv1D learn to tell a 500 Hz tone from a 1500 Hz one (held-out accuracy at least 95%)', async () => {
    tn.setSeed(3);
    const rate = 8000;
    const samples = 2000;
    const next = rng(17);
    // Random amplitude, phase and a little noise, so that only the pitch tells the classes apart.
    const clips = (n: number) => {
      const x = new Float32Array(n * samples);
      const y = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const label = i % 2;
        const hz = (label ? 1500 : 500) * (0.95 + 0.1 * next());
        const amp = 0.1 + 0.9 * next();
        const phase = 2 * Math.PI * next();
        for (let t = 0; t < samples; t++) x[i * samples + t] = amp * Math.sin((2 * Math.PI * hz * t) / rate + phase) + 0.05 * (2 * next() - 1);
        y[i] = label;
      }
      return { x: tn.tensor(x, [n, samples]), y: tn.tensor(y, [n]) };
    };
    const train = clips(64);
    const test = clips(64);
    const model = tn.sequential({
      layers: [
        new MelSpectrogram({ fftLength: 256, sequenceStride: 128, samplingRate: rate, numMelBins: 32, inputShape: [samples] }),
        new tn.layers.Permute({ dims: [2, 1] }),
        new tn.layers.Rescaling({ scale: 1 / 40 }),
        new tn.layers.Conv1D({ filters: 8, kernelSize: 3, activation: 'relu' }),
        new tn.layers.GlobalMaxPooling1D(),
        new tn.layers.Dense({ units: 2, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: new tn.optimizers.Adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    await model.fit(train.x, train.y, { epochs: 15, batchSize: 16, verbose: 0 });
    const [, accuracy] = await model.evaluate(test.x, test.y, { verbose: 0 });
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
  });
});
