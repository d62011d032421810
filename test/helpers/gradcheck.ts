// Finite-difference gradient checks. The scalar probed is L = sum(f(x) * r) for a fixed random r, so every output
// element contributes with its own weight (a plain sum would hide errors that cancel across outputs, such as a
// softmax gradient that is off by a constant). Forward values are float32; L is accumulated in float64, and each
// step divides by the perturbation float32 actually represents, not the nominal eps.
import { expect } from 'vitest';
import * as tn from '../../lib/index.js';

export interface GradCheckOptions {
  /** Perturbation size relative to max(1, |x|). */
  eps?: number;
  rtol?: number;
  atol?: number;
  /** Elements checked per input (chosen at random when an input is larger); all of them by default up to 64. */
  maxPoints?: number;
  seed?: number;
}

/** A deterministic generator for test data (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform values in [lo, hi) of the given shape, optionally kept at least `gap` away from each of `avoid`. */
export function randomTensor(shape: number[], seed: number, lo = -2, hi = 2, avoid: number[] = [], gap = 0.05): tn.Tensor {
  const next = rng(seed);
  const n = shape.reduce((p, d) => p * d, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let x: number;
    do x = lo + (hi - lo) * next();
    while (avoid.some((k) => Math.abs(x - k) < gap));
    v[i] = x;
  }
  return tn.tensor(v, shape);
}

function weightedSum(y: tn.Tensor, r: Float32Array): number {
  const d = y.data();
  let s = 0;
  for (let i = 0; i < d.length; i++) s += d[i] * r[i];
  return s;
}

/**
 * Checks the analytic gradients of f at `inputs` (from tn.grads with upstream r) against central differences.
 * Returns the analytic gradients for further assertions.
 */
export function gradCheck(
  f: (...xs: tn.Tensor[]) => tn.Tensor,
  inputs: tn.Tensor[],
  options: GradCheckOptions = {},
): tn.Tensor[] {
  const { eps = 1e-2, rtol = 2e-2, atol = 2e-3, maxPoints = 64, seed = 7 } = options;
  const y0 = tn.noGrad(() => f(...inputs));
  const next = rng(seed);
  const r = new Float32Array(y0.size);
  for (let i = 0; i < r.length; i++) r[i] = 0.5 + next() * (next() < 0.5 ? -1 : 1);
  const upstream = tn.tensor(r, y0.shape.slice());
  const analytic = tn.grads(f)(inputs, upstream);
  expect(analytic.length).toBe(inputs.length);

  inputs.forEach((x, k) => {
    const g = analytic[k];
    expect(g.shape, `gradient ${k} shape`).toEqual(x.shape);
    const gv = g.data();
    const base = x.data() as Float32Array;
    const points: number[] = [];
    if (base.length <= maxPoints) {
      for (let i = 0; i < base.length; i++) points.push(i);
    } else {
      const chosen = new Set<number>();
      while (chosen.size < maxPoints) chosen.add(Math.floor(next() * base.length));
      points.push(...chosen);
    }
    for (const i of points) {
      const h = eps * Math.max(1, Math.abs(base[i]));
      const plus = base.slice();
      const minus = base.slice();
      plus[i] = Math.fround(base[i] + h);
      minus[i] = Math.fround(base[i] - h);
      const args = (v: Float32Array) => inputs.map((t, j) => (j === k ? tn.tensor(v, x.shape.slice()) : t));
      const lp = tn.noGrad(() => weightedSum(f(...args(plus)), r));
      const lm = tn.noGrad(() => weightedSum(f(...args(minus)), r));
      const numeric = (lp - lm) / (plus[i] - minus[i]);
      const a = gv[i];
      const ok = Math.abs(a - numeric) <= atol + rtol * Math.max(Math.abs(a), Math.abs(numeric));
      if (!ok) {
        expect.fail(`input ${k}, element ${i} (x = ${base[i]}): analytic gradient ${a}, finite difference ${numeric}`);
      }
    }
  });
  return analytic;
}
