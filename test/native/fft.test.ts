// The real FFT kernel (native/fft.cc) on every ISA path: values against torch.fft.rfft in float64
// (test/fixtures/signal/generate.py), rfftAdjoint as the exact adjoint (<rfft(x), d> = <x, adjoint(d)>), and the same
// bits on one thread and on all of them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { native } from '../../lib/native.js';
import { rng } from '../helpers/gradcheck.js';

interface RfftCase { x: unknown; shape: number[]; fftLength: number; real: unknown; imag: unknown }
const fixture = JSON.parse(readFileSync(join(__dirname, '../fixtures/signal/signal.json'), 'utf8')) as { rfft: RfftCase[] };
const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);

function random(n: number, seed: number): Float32Array {
  const next = rng(seed);
  return Float32Array.from({ length: n }, () => 2 * next() - 1);
}

function rfft(x: Float32Array, rows: number, n: number, N: number): [Float32Array, Float32Array] {
  const bins = Math.floor(N / 2) + 1;
  const re = new Float32Array(rows * bins);
  const im = new Float32Array(rows * bins);
  native.rfft(x, rows, n, N, re, im);
  return [re, im];
}

describe('native rfft', () => {
  const threads = native.backendInfo().threads;
  afterAll(() => native.setNumThreads(threads));

  for (const c of fixture.rfft) {
    it(`matches torch.fft.rfft for shape [${c.shape}], fftLength ${c.fftLength}`, () => {
      const n = c.shape[c.shape.length - 1];
      const x = Float32Array.from(flat(c.x));
      const [re, im] = rfft(x, x.length / n, n, c.fftLength);
      const want = [flat(c.real), flat(c.imag)];
      const scale = Math.max(...want.flat().map(Math.abs));
      [re, im].forEach((got, p) => got.forEach((v, i) => expect(Math.abs(v - want[p][i])).toBeLessThan(1e-6 * scale)));
    });
  }

  it('has rfftAdjoint as its adjoint, for every kind of length', () => {
    for (const [n, N] of [[64, 64], [2048, 2048], [400, 400], [37, 37], [30, 50], [50, 30], [1, 1], [2, 2], [3, 3]]) {
      const rows = 3;
      const bins = Math.floor(N / 2) + 1;
      const x = random(rows * n, n + N);
      const dRe = random(rows * bins, 2 * N + 1);
      const dIm = random(rows * bins, 3 * N + 2);
      const [re, im] = rfft(x, rows, n, N);
      const dx = new Float32Array(rows * n);
      native.rfftAdjoint(dRe, dIm, rows, n, N, dx);
      let lhs = 0;
      let rhs = 0;
      let mag = 0;
      for (let i = 0; i < re.length; i++) {
        lhs += re[i] * dRe[i] + im[i] * dIm[i];
        mag += Math.abs(re[i] * dRe[i]) + Math.abs(im[i] * dIm[i]);
      }
      for (let i = 0; i < dx.length; i++) rhs += x[i] * dx[i];
      expect(Math.abs(lhs - rhs), `n ${n}, fftLength ${N}`).toBeLessThan(1e-5 * mag + 1e-6);
      // null is zero.
      const onlyRe = new Float32Array(rows * n);
      native.rfftAdjoint(dRe, null, rows, n, N, onlyRe);
      const onlyIm = new Float32Array(rows * n);
      native.rfftAdjoint(null, dIm, rows, n, N, onlyIm);
      onlyRe.forEach((v, i) => expect(Math.abs(v + onlyIm[i] - dx[i])).toBeLessThan(1e-4 * (1 + Math.abs(dx[i]))));
    }
  });

  it('gives the same bits on one thread and on all of them', () => {
    const rows = 64;
    const n = 1024;
    const x = random(rows * n, 11);
    native.setNumThreads(1);
    const one = rfft(x, rows, n, n);
    native.setNumThreads(Math.max(2, threads));
    const many = rfft(x, rows, n, n);
    expect(Buffer.from(many[0].buffer).equals(Buffer.from(one[0].buffer))).toBe(true);
    expect(Buffer.from(many[1].buffer).equals(Buffer.from(one[1].buffer))).toBe(true);
  });
});
