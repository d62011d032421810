// Finite-difference gradient checks.
//
// The scalar probed is L = sum(f(x) * r) for a fixed random r, so every output element contributes with its own
// weight (a plain sum would hide errors that cancel across outputs, such as a softmax gradient off by a constant).
// The ops compute in float32, so L itself is noisy at about 2^-24 of its terms; the checker keeps that noise small
// against the signal:
// - f is evaluated in float32 (it is the op under test) but L is summed in float64;
// - the step is eps times the input's scale (its root mean square), not a fixed number, so a weight of 0.05 and an
//   activation of 3 are both perturbed by a step their function resolves;
// - a 4-point central stencil (x - 2h, x - h, x + h, x + 2h) has truncation error O(h^4), so h can be large enough
//   for the float32 noise divided by h to stay small; the stencil's weights are computed for the points float32
//   actually represents (x + h rounds), so the rounding of the perturbed input adds no error.
// Two bounds must both hold for every input: the norm-wise relative error ||g - fd|| / max(||g||, ||fd||) over the
// checked elements (`normTol`), and per element |g - fd| <= atol * max|fd| + rtol * max(|g|, |fd|). Both allow for
// what float32 cannot resolve: the rounding noise of L (2^-24 ||f(x) * r||) through the stencil's weights, so an
// input whose true gradient is zero passes. With the defaults a gradient 1% off everywhere fails the first, and one
// element 1% off (where the gradient is largest) fails the second; test/ops/autograd.test.ts checks that they do.
import { expect } from 'vitest';
import * as tn from '../../lib/index.js';

export interface GradCheckOptions {
  /** Step relative to the input's root mean square (1 when the input is all zeros). */
  eps?: number;
  /** Bound on the norm-wise relative error of each input's gradient. */
  normTol?: number;
  /** Per-element relative bound. */
  rtol?: number;
  /** Per-element absolute bound, as a fraction of the largest |finite difference| of that input. */
  atol?: number;
  /**
   * Multiplies the estimate of float32 rounding noise in L (2^-24 * ||f(x) * r||_2), which enters both bounds through
   * the stencil's weights, so that an input whose true gradient is zero (or below what float32 resolves) passes.
   */
  noise?: number;
  /** Elements checked per input (chosen at random when an input is larger); all of them by default up to 64. */
  maxPoints?: number;
  seed?: number;
}

export const gradCheckDefaults = { eps: 1e-2, normTol: 1e-3, rtol: 5e-3, atol: 1e-3, maxPoints: 64, seed: 7, noise: 1 };

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

/** The n values lo + (hi - lo) * (i + 0.5) / n in a random order: distinct, at least (hi - lo) / n apart (no ties). */
export function distinctTensor(shape: number[], seed: number, lo = -3, hi = 3): tn.Tensor {
  const next = rng(seed);
  const n = shape.reduce((p, d) => p * d, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = lo + ((hi - lo) * (i + 0.5)) / n;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [v[i], v[j]] = [v[j], v[i]];
  }
  return tn.tensor(v, shape);
}

function weightedSum(y: tn.Tensor, r: Float64Array): number {
  const d = y.data();
  let s = 0;
  for (let i = 0; i < d.length; i++) s += d[i] * r[i];
  return s;
}

/** Weights w with sum_j w_j f(x + d_j) = f'(x) for the polynomial through the points d_j (Lagrange, differentiated at 0). */
function derivativeWeights(d: number[]): number[] {
  return d.map((dj, j) => {
    let num = 0;
    for (let m = 0; m < d.length; m++) {
      if (m === j) continue;
      let p = 1;
      for (let l = 0; l < d.length; l++) if (l !== j && l !== m) p *= -d[l];
      num += p;
    }
    let den = 1;
    for (let m = 0; m < d.length; m++) if (m !== j) den *= dj - d[m];
    return num / den;
  });
}

export interface GradCheckResult {
  /** The analytic gradients (tn.grads with upstream r). */
  analytic: tn.Tensor[];
  /** Per input: the norm-wise relative error (beyond the noise floor) and the worst per-element excess over its bound (<= 0 passes). */
  errors: { normError: number; rawNormError: number; fdNoise: number; worstElement: { index: number; analytic: number; numeric: number; excess: number } }[];
}

/**
 * The measurement shared by both entry points. `evaluate(k, v)` computes the output with source k replaced by the
 * values v; `analyticOf(upstream)` returns the gradients of sum(output * upstream) for every source.
 */
function measure(
  sources: { shape: number[]; values: Float32Array }[],
  evaluate: (k: number, v: Float32Array | null) => tn.Tensor,
  analyticOf: (upstream: tn.Tensor) => tn.Tensor[],
  options: GradCheckOptions,
): GradCheckResult {
  const { eps, rtol, atol, maxPoints, seed, noise } = { ...gradCheckDefaults, ...options };
  const y0 = tn.noGrad(() => evaluate(0, null));
  const next = rng(seed);
  const r = new Float64Array(y0.size);
  // r is float32-representable so that the analytic side sees exactly the same weights.
  for (let i = 0; i < r.length; i++) r[i] = Math.fround(0.5 + next() * (next() < 0.5 ? -1 : 1));
  const upstream = tn.tensor(Float32Array.from(r), y0.shape.slice());
  const y0v = y0.data();
  let ySq = 0;
  for (let i = 0; i < r.length; i++) ySq += (y0v[i] * r[i]) ** 2;
  const lossNoise = noise * 2 ** -24 * Math.sqrt(ySq);
  const analytic = analyticOf(upstream);
  expect(analytic.length).toBe(sources.length);

  const errors = sources.map((x, k) => {
    const g = analytic[k];
    expect(g.shape, `gradient ${k} shape`).toEqual(x.shape);
    const gv = g.data();
    const base = x.values;
    let sq = 0;
    for (let i = 0; i < base.length; i++) sq += base[i] * base[i];
    const scale = base.length > 0 && sq > 0 ? Math.sqrt(sq / base.length) : 1;
    const h = eps * scale;
    const points: number[] = [];
    if (base.length <= maxPoints) {
      for (let i = 0; i < base.length; i++) points.push(i);
    } else {
      const chosen = new Set<number>();
      while (chosen.size < maxPoints) chosen.add(Math.floor(next() * base.length));
      points.push(...chosen);
    }
    let stencilNorm = 0;
    const numeric = points.map((i) => {
      const offsets = [-2, -1, 1, 2].map((s) => Math.fround(base[i] + s * h) - base[i]);
      const w = derivativeWeights(offsets);
      stencilNorm = Math.max(stencilNorm, Math.hypot(...w));
      let d = 0;
      offsets.forEach((o, j) => {
        const v = base.slice();
        v[i] = base[i] + o;
        d += w[j] * tn.noGrad(() => weightedSum(evaluate(k, v), r));
      });
      return d;
    });
    let diff = 0;
    let na = 0;
    let nn = 0;
    let maxNumeric = 0;
    points.forEach((i, p) => {
      diff += (gv[i] - numeric[p]) ** 2;
      na += gv[i] ** 2;
      nn += numeric[p] ** 2;
      maxNumeric = Math.max(maxNumeric, Math.abs(numeric[p]));
    });
    // What float32 cannot resolve in one finite difference: the noise of L through the stencil's weights.
    const fdNoise = lossNoise * stencilNorm;
    const denom = Math.sqrt(Math.max(na, nn));
    const excessNorm = Math.sqrt(diff) - Math.sqrt(points.length) * fdNoise;
    const normError = excessNorm <= 0 || denom === 0 ? 0 : excessNorm / denom;
    let worstElement = { index: -1, analytic: 0, numeric: 0, excess: -Infinity };
    points.forEach((i, p) => {
      const a = gv[i];
      const n = numeric[p];
      const bound = fdNoise + atol * maxNumeric + rtol * Math.max(Math.abs(a), Math.abs(n));
      const excess = Math.abs(a - n) - bound;
      if (excess > worstElement.excess) worstElement = { index: i, analytic: a, numeric: n, excess };
    });
    return { normError, rawNormError: denom === 0 ? 0 : Math.sqrt(diff) / denom, worstElement, fdNoise };
  });
  return { analytic, errors };
}

/** Measures the analytic gradients of f at `inputs` against finite differences without asserting. */
export function gradCheckErrors(
  f: (...xs: tn.Tensor[]) => tn.Tensor,
  inputs: tn.Tensor[],
  options: GradCheckOptions = {},
): GradCheckResult {
  return measure(
    inputs.map((x) => ({ shape: x.shape.slice(), values: x.data() as Float32Array })),
    (k, v) => f(...inputs.map((t, j) => (j === k && v ? tn.tensor(v, t.shape.slice()) : t))),
    (upstream) => tn.grads(f)(inputs, upstream),
    options,
  );
}

function report(result: GradCheckResult, shapes: number[][], values: Float32Array[], names: string[], options: GradCheckOptions): void {
  const { normTol } = { ...gradCheckDefaults, ...options };
  result.errors.forEach(({ normError, rawNormError, fdNoise, worstElement: w }, k) => {
    if (process.env.GRADCHECK_LOG) {
      console.log(`gradcheck ${names[k]} [${shapes[k]}]: norm error ${normError.toExponential(2)} (${rawNormError.toExponential(2)} before the noise floor), worst element |g - fd| = ${Math.abs(w.analytic - w.numeric).toExponential(2)} (g ${w.analytic}), noise ${fdNoise.toExponential(2)}`);
    }
    if (normError > normTol) {
      expect.fail(`${names[k]}: norm-wise relative error of the gradient ${normError.toExponential(3)} exceeds ${normTol} (finite difference)`);
    }
    if (w.excess > 0) {
      expect.fail(`${names[k]}, element ${w.index} (x = ${values[k][w.index]}): analytic gradient ${w.analytic}, finite difference ${w.numeric}`);
    }
  });
}

/**
 * Checks the analytic gradients of f at `inputs` (from tn.grads with upstream r) against 4-point central differences
 * (see the top of this file for the bounds). Returns the analytic gradients for further assertions.
 */
export function gradCheck(
  f: (...xs: tn.Tensor[]) => tn.Tensor,
  inputs: tn.Tensor[],
  options: GradCheckOptions = {},
): tn.Tensor[] {
  const result = gradCheckErrors(f, inputs, options);
  report(result, inputs.map((x) => x.shape), inputs.map((x) => x.data() as Float32Array), inputs.map((_, k) => `input ${k}`), options);
  return result.analytic;
}

/**
 * The same check for the gradients of f() with respect to variables it reads (a layer's weights): each variable is
 * perturbed in place through assign and restored afterwards. Returns the analytic gradients.
 */
export function variableGradCheck(f: () => tn.Tensor, variables: tn.Variable[], options: GradCheckOptions = {}): tn.Tensor[] {
  const saved = variables.map((v) => Float32Array.from(v.data() as Float32Array));
  const evaluate = (k: number, values: Float32Array | null) => {
    if (values === null) return f();
    variables[k].assign(tn.tensor(values, variables[k].shape.slice()));
    try {
      return f();
    } finally {
      variables[k].assign(tn.tensor(saved[k], variables[k].shape.slice()));
    }
  };
  const result = measure(
    variables.map((v, k) => ({ shape: v.shape.slice(), values: saved[k] })),
    evaluate,
    (upstream) => tn.gradients(tn.sum(tn.mul(f(), upstream)), variables),
    options,
  );
  report(result, variables.map((v) => v.shape), saved, variables.map((v) => `variable '${v.name}'`), options);
  return result.analytic;
}

/**
 * gradCheck for a function computed with rounded operands (mixed precision's bfloat16 products): the analytic
 * gradients of `f` against finite differences of `smooth`, the float32 function that f approximates. Finite
 * differences of f itself would measure its rounding steps (a bfloat16 ulp is 2^-7 relative, larger than the step),
 * so the bounds passed must allow for the rounding of the backward products' operands.
 */
export function gradCheckRounded(
  f: (...xs: tn.Tensor[]) => tn.Tensor,
  smooth: (...xs: tn.Tensor[]) => tn.Tensor,
  inputs: tn.Tensor[],
  options: GradCheckOptions = {},
): tn.Tensor[] {
  const result = measure(
    inputs.map((x) => ({ shape: x.shape.slice(), values: x.data() as Float32Array })),
    (k, v) => smooth(...inputs.map((t, j) => (j === k && v ? tn.tensor(v, t.shape.slice()) : t))),
    (upstream) => tn.grads(f)(inputs, upstream),
    options,
  );
  report(result, inputs.map((x) => x.shape), inputs.map((x) => x.data() as Float32Array), inputs.map((_, k) => `input ${k}`), options);
  return result.analytic;
}
