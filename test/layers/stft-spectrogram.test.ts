// STFTSpectrogram (Keras 3's keras.layers.STFTSpectrogram): every mode, window, scaling, padding and layout against a
// float64 reference computed by numpy's rfft on the windowed frames (test/fixtures/stft-spectrogram.py), Keras's
// shapes, config and option checks, trainable kernels, and saving through .keras and TF.js folders in a model.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';

interface Case { shape: number[]; config: tn.layers.STFTSpectrogramArgs; x: number[]; outputShape: number[]; output: number[] }
const cases = JSON.parse(readFileSync(join(__dirname, '../fixtures/stft-spectrogram.json'), 'utf8')) as Case[];
const root = mkdtempSync(join(tmpdir(), 'tensornode-stft-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('STFTSpectrogram', () => {
  for (const c of cases) {
    it(`matches numpy's rfft of the windowed frames for [${c.shape}] and ${JSON.stringify(c.config)}`, () => {
      const layer = new tn.layers.STFTSpectrogram(c.config);
      const y = layer.apply(tn.tensor(c.x, c.shape)) as tn.Tensor;
      expect(y.shape).toEqual(c.outputShape);
      expect(layer.computeOutputShape([null, ...c.shape.slice(1)])).toEqual([null, ...c.outputShape.slice(1)]);
      const got = y.data();
      const scale = Math.max(...c.output.map(Math.abs));
      let worst = 0;
      for (let i = 0; i < c.output.length; i++) {
        let d = Math.abs(got[i] - c.output[i]);
        if (c.config.mode === 'angle') d = Math.min(d, Math.abs(d - 2 * Math.PI));
        worst = Math.max(worst, c.config.mode === 'angle' ? d / Math.PI : d / scale);
      }
      expect(worst).toBeLessThan(c.config.mode === 'angle' ? 1e-3 : 1e-5);
    });
  }

  it("has Keras 3's defaults, weights and output shapes (its docstring's examples)", () => {
    const layer = new tn.layers.STFTSpectrogram({ mode: 'log', frameLength: 256, frameStep: 128, fftLength: 512, window: 'hann', padding: 'valid', trainable: false });
    expect(layer.computeOutputShape([3, 160000, 1])).toEqual([3, 1249, 257]);
    expect(new tn.layers.STFTSpectrogram({ frameLength: 256, frameStep: 128, fftLength: 512, window: 'hamming', padding: 'same' }).computeOutputShape([3, 160000, 2])).toEqual([3, 1250, 514]);
    expect(new tn.layers.STFTSpectrogram({ frameLength: 256, frameStep: 128, fftLength: 512, padding: 'same', expandDims: true }).computeOutputShape([3, 160000, 3])).toEqual([3, 1250, 257, 3]);
    const d = new tn.layers.STFTSpectrogram();
    expect(d.getConfig()).toMatchObject({ mode: 'log', frameLength: 256, frameStep: null, fftLength: null, window: 'hann', periodic: false, scaling: 'density', padding: 'valid', expandDims: false, dataFormat: 'channels_last' });
    d.apply(tn.zeros([1, 300, 1]));
    expect(d.weights.map((w) => [w.name.split('/').pop(), w.shape])).toEqual([['real_kernel', [256, 1, 129]], ['imag_kernel', [256, 1, 129]]]);
    expect(d.trainableWeights.length).toBe(2);
    expect(layer.trainableWeights.length).toBe(0);
    const real = new tn.layers.STFTSpectrogram({ mode: 'real', frameLength: 8 });
    real.apply(tn.zeros([1, 8, 1]));
    expect(real.weights.map((w) => w.name.split('/').pop())).toEqual(['real_kernel']);
  });

  it('checks its options and its input, naming itself', () => {
    expect(() => new tn.layers.STFTSpectrogram({ mode: 'power' as never })).toThrow(/STFTSpectrogram: received an invalid value for `mode`/);
    expect(() => new tn.layers.STFTSpectrogram({ frameLength: 8, frameStep: 9 })).toThrow('`frameStep` should be a positive integer not greater than `frameLength`');
    expect(() => new tn.layers.STFTSpectrogram({ frameLength: 8, fftLength: 4 })).toThrow('`fftLength` should be not less than `frameLength`');
    expect(() => new tn.layers.STFTSpectrogram({ frameLength: 4, window: [1, 2] })).toThrow(/`window`, expected 4 \(frameLength\) finite numbers/);
    expect(() => new tn.layers.STFTSpectrogram({ scaling: 'power' as never })).toThrow(/`scaling`/);
    expect(() => new tn.layers.STFTSpectrogram({ frameLength: 8 }).apply(tn.zeros([2, 100]))).toThrow(/expected ndim=3, found ndim=2/);
    expect(() => new tn.layers.STFTSpectrogram({ frameLength: 64 }).apply(tn.zeros([1, 10, 1]))).toThrow(/at least frameLength = 64 samples/);
  });

  it('learns (its kernels are trainable) and saves and loads through .keras and TF.js folders', async () => {
    tn.setSeed(3);
    const n = 64;
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < n; i++) {
      const hz = i % 2 ? 500 : 1500;
      for (let t = 0; t < 256; t++) xs.push(Math.sin((2 * Math.PI * hz * t) / 8000 + i));
      ys.push(i % 2);
    }
    const x = tn.tensor(xs, [n, 256, 1]);
    const input = tn.input({ shape: [256, 1] });
    let h = new tn.layers.STFTSpectrogram({ mode: 'log', frameLength: 32, frameStep: 16 }).apply(input) as tn.SymbolicTensor;
    h = new tn.layers.GlobalAveragePooling1D().apply(h) as tn.SymbolicTensor;
    const model = tn.model({ inputs: input, outputs: new tn.layers.Dense(1, { activation: 'sigmoid' }).apply(h) as tn.SymbolicTensor });
    model.compile({ optimizer: new tn.optimizers.Adam({ learningRate: 0.05 }), loss: 'binary_crossentropy', metrics: ['accuracy'] });
    const before = model.getLayer(1).getWeights()[0].data().slice();
    const history = await model.fit(x, tn.tensor(ys, [n, 1]), { epochs: 10, batchSize: 16, verbose: 0 });
    expect(history.history.accuracy.at(-1)).toBe(1);
    expect(model.getLayer(1).getWeights()[0].data()).not.toEqual(before);
    const want = (model.predict(x) as tn.Tensor).data();
    for (const path of [join(root, 'stft.keras'), join(root, 'stft-tfjs')]) {
      await model.save(path);
      const back = await tn.models.loadModel(path);
      expect(back.getLayer(1).getConfig()).toMatchObject({ mode: 'log', frameLength: 32, frameStep: 16 });
      expect((back.predict(x) as tn.Tensor).data()).toEqual(want);
    }
  });
});
