// tn.signal: values against float64 references (test/fixtures/signal/generate.py: torch.fft.rfft, torch.stft with
// center=False, the HTK mel matrix in numpy), gradients by finite differences, odd shapes and the error messages.
// The FFT kernel itself is also checked on every ISA path in test/native/fft.test.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tn from '../lib/index.js';
import { gradCheck, randomTensor } from './helpers/gradcheck.js';

interface RfftCase { x: unknown; shape: number[]; fftLength: number; real: unknown; imag: unknown }
interface StftCase { x: unknown; shape: number[]; frameLength: number; frameStep: number; fftLength: number; window: 'hann' | 'hamming'; real: unknown; imag: unknown }
interface MelCase { args: [number, number, number, number, number]; matrix: unknown }
const fixture = JSON.parse(readFileSync(join(__dirname, 'fixtures/signal/signal.json'), 'utf8')) as { rfft: RfftCase[]; stft: StftCase[]; mel: MelCase[] };

const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);

/** |a - b| <= tol * (largest |b|), elementwise, with the shapes equal. */
function expectClose(actual: tn.Tensor, expected: unknown, shape: number[], tol: number, what: string): void {
  expect(actual.shape, what).toEqual(shape);
  const a = actual.data();
  const e = flat(expected);
  expect(a.length, what).toBe(e.length);
  const scale = Math.max(1e-30, ...e.map(Math.abs));
  let worst = 0;
  for (let i = 0; i < e.length; i++) worst = Math.max(worst, Math.abs(a[i] - e[i]) / scale);
  expect(worst, `${what}: worst error relative to the largest reference value`).toBeLessThan(tol);
}

describe('tn.signal.rfft', () => {
  for (const c of fixture.rfft) {
    it(`matches torch.fft.rfft for shape [${c.shape}], fftLength ${c.fftLength}`, () => {
      const [re, im] = tn.signal.rfft(tn.tensor(flat(c.x), c.shape), c.fftLength);
      const out = [...c.shape.slice(0, -1), Math.floor(c.fftLength / 2) + 1];
      expectClose(re, c.real, out, 1e-6, 'real');
      expectClose(im, c.imag, out, 1e-6, 'imag');
    });
  }

  it('defaults fftLength to the last axis and propagates NaN to every bin of its row only', () => {
    const x = tn.tensor([[1, 2, NaN, 4], [1, 0, 0, 0]]);
    const [re, im] = tn.signal.rfft(x);
    expect(re.shape).toEqual([2, 3]);
    const r = re.data();
    expect(Array.from(r.slice(0, 3)).every(Number.isNaN)).toBe(true);
    expect(Array.from(r.slice(3))).toEqual([1, 1, 1]);
    expect(Array.from(im.data().slice(3))).toEqual([0, 0, 0]);
  });

  it('takes an empty batch', () => {
    const [re] = tn.signal.rfft(tn.zeros([0, 8]));
    expect(re.shape).toEqual([0, 5]);
  });

  it('has the adjoint as its gradient (power-of-two, Bluestein, padded and cropped lengths)', () => {
    for (const [n, N] of [[16, 16], [12, 12], [9, 9], [7, 12], [10, 6]] as const) {
      const x = randomTensor([2, n], 3 + n);
      gradCheck((t) => tn.signal.rfft(t, N)[0], [x]);
      gradCheck((t) => tn.signal.rfft(t, N)[1], [x]);
      gradCheck((t) => { const [re, im] = tn.signal.rfft(t, N); return tn.add(tn.mul(re, re), tn.mul(im, im)); }, [x]);
    }
  });

  it('names itself and the problem in its errors', () => {
    expect(() => tn.signal.rfft(tn.scalar(1))).toThrow(/^rfft: the signal must have rank at least 1/);
    expect(() => tn.signal.rfft(tn.zeros([2, 8]), 0)).toThrow(/^rfft: fftLength must be a positive integer/);
    expect(() => tn.signal.rfft(tn.zeros([2, 8]), 4.5)).toThrow(/^rfft: fftLength must be a positive integer.*4\.5/);
    expect(() => tn.signal.rfft(tn.zeros([2, 0]))).toThrow(/^rfft: the last axis is empty \(shape \[2,0\]\)/);
  });
});

describe('tn.signal.frame', () => {
  const x = tn.tensor([[0, 1, 2, 3, 4, 5, 6], [10, 11, 12, 13, 14, 15, 16]]);

  it('frames the last axis as TF.js does, with and without padEnd', () => {
    const f = tn.signal.frame(x, 3, 2);
    expect(f.shape).toEqual([2, 3, 3]);
    expect(f.array()).toEqual([[[0, 1, 2], [2, 3, 4], [4, 5, 6]], [[10, 11, 12], [12, 13, 14], [14, 15, 16]]]);
    const p = tn.signal.frame(tn.range(0, 7), 3, 2, true, -1);
    expect(p.array()).toEqual([[0, 1, 2], [2, 3, 4], [4, 5, 6], [6, -1, -1]]);
    expect(tn.signal.frame(tn.range(0, 2), 5, 1, true).array()).toEqual([[0, 1, 0, 0, 0], [1, 0, 0, 0, 0]]);
    expect(tn.signal.frame(tn.range(0, 5), 5, 1).shape).toEqual([1, 5]);
  });

  it('has overlap-add as its gradient', () => {
    const g = tn.grad((t: tn.Tensor) => tn.sum(tn.signal.frame(t, 3, 2)))(tn.zeros([7]));
    expect(Array.from(g.data())).toEqual([1, 1, 2, 1, 2, 1, 1]);
    gradCheck((t) => tn.signal.frame(t, 4, 3, true, 0.5), [randomTensor([2, 3, 11], 5)]);
  });

  it('names itself, the signal shape and the arguments in its errors', () => {
    expect(() => tn.signal.frame(x, 8, 1)).toThrow('frame: frameLength 8 is longer than the signal (7 samples, shape [2,7]); pass padEnd true to pad it');
    expect(() => tn.signal.frame(x, 2.5, 1)).toThrow(/^frame: frameLength must be a positive integer, received 2\.5/);
    expect(() => tn.signal.frame(x, 2, 0)).toThrow(/^frame: frameStep must be a positive integer, received 0/);
    expect(() => tn.signal.frame(tn.scalar(3), 2, 1)).toThrow(/^frame: the signal must have rank at least 1/);
  });
});

describe('tn.signal windows', () => {
  it('are TF.js\'s: periodic for even lengths, symmetric for odd ones', () => {
    const hann = tn.signal.hannWindow(4).data();
    [0, 0.5, 1, 0.5].forEach((v, i) => expect(hann[i]).toBeCloseTo(v, 6));
    const odd = tn.signal.hannWindow(5).data();
    [0, 0.5, 1, 0.5, 0].forEach((v, i) => expect(odd[i]).toBeCloseTo(v, 6));
    const hamming = tn.signal.hammingWindow(4).data();
    [0.08, 0.54, 1, 0.54].forEach((v, i) => expect(hamming[i]).toBeCloseTo(v, 6));
    expect(Array.from(tn.signal.hannWindow(1).data())).toEqual([1]);
    expect(() => tn.signal.hannWindow(0)).toThrow(/^hannWindow: length must be a positive integer, received 0/);
    expect(() => tn.signal.hammingWindow(2.5)).toThrow(/^hammingWindow: length must be a positive integer/);
  });
});

describe('tn.signal.stft', () => {
  for (const c of fixture.stft) {
    it(`matches the float64 reference for shape [${c.shape}], frames ${c.frameLength} every ${c.frameStep}, fftLength ${c.fftLength}, ${c.window}`, () => {
      const windowFn = c.window === 'hann' ? tn.signal.hannWindow : tn.signal.hammingWindow;
      const [re, im] = tn.signal.stft(tn.tensor(flat(c.x), c.shape), c.frameLength, c.frameStep, c.fftLength, windowFn);
      const frames = Math.floor((c.shape[c.shape.length - 1] - c.frameLength) / c.frameStep) + 1;
      const out = [...c.shape.slice(0, -1), frames, c.fftLength / 2 + 1];
      expectClose(re, c.real, out, 2e-6, 'real');
      expectClose(im, c.imag, out, 2e-6, 'imag');
    });
  }

  it('defaults fftLength to the enclosing power of two, as TF.js', () => {
    const [re] = tn.signal.stft(randomTensor([100], 1), 20, 10);
    expect(re.shape).toEqual([9, 17]);
  });

  it('has a gradient through frames, window and FFT', () => {
    gradCheck((t) => { const [re, im] = tn.signal.stft(t, 8, 3, 10); return tn.add(re, tn.mul(im, 2)); }, [randomTensor([2, 20], 9)]);
  });

  it('names itself and the shapes in its errors', () => {
    expect(() => tn.signal.stft(tn.zeros([2, 10]), 16, 4)).toThrow('stft: frameLength 16 is longer than the signal (10 samples, shape [2,10])');
    expect(() => tn.signal.stft(tn.zeros([2, 10]), 4, 2, 8, () => tn.ones([5]))).toThrow('stft: windowFn(4) must return a tensor of shape [4], received shape [5]');
    expect(() => tn.signal.stft(tn.zeros([20]), 4, 1.5)).toThrow(/^stft: frameStep must be a positive integer, received 1\.5/);
  });
});

describe('tn.signal.linearToMelWeightMatrix', () => {
  for (const c of fixture.mel) {
    it(`matches the HTK formula for (${c.args.join(', ')})`, () => {
      expectClose(tn.signal.linearToMelWeightMatrix(...c.args), c.matrix, [c.args[1], c.args[0]], 1e-6, 'matrix');
    });
  }

  it('has TensorFlow\'s defaults and checks', () => {
    expect(tn.signal.linearToMelWeightMatrix().shape).toEqual([129, 20]);
    expect(() => tn.signal.linearToMelWeightMatrix(20, 129, 8000, 4000, 3000)).toThrow('linearToMelWeightMatrix: lowerEdgeHertz 4000 must be below upperEdgeHertz 3000');
    expect(() => tn.signal.linearToMelWeightMatrix(20, 129, 8000, 0, 5000)).toThrow(/upperEdgeHertz 5000 must not exceed the Nyquist frequency 4000/);
    expect(() => tn.signal.linearToMelWeightMatrix(0, 129, 8000, 0, 4000)).toThrow(/^linearToMelWeightMatrix: numMelBins must be a positive integer/);
    expect(() => tn.signal.linearToMelWeightMatrix(20, 129, 8000, -1, 4000)).toThrow(/lowerEdgeHertz must be non-negative/);
  });
});
