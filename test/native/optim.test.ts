// The fused optimizer updates (native/optim_impl.h) on each SIMD path (this file runs in the avx512, avx2 and scalar
// projects), against the same rules computed here in float64: lengths around the vector widths (the loops' tails)
// and past the parallel grain (the split over threads), several steps so that the slots carry state, and the slots
// flushed to zero below FLT_MIN.
import { describe, expect, it } from 'vitest';
import { native } from '../../lib/native.js';

const f32 = Math.fround;

/** Deterministic values in [-scale, scale). */
function values(n: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 2 * scale;
  }
  return out;
}

/** Largest |a - b| relative to max(|b|, floor), over the arrays. */
function worst(a: Float32Array, b: Float64Array, floor: number): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), floor));
  return m;
}

// 1 and 7: shorter than any vector; 8, 16: exactly one; 17, 33, 1000: tails; 70001: past the parallel grain, odd.
const lengths = [1, 7, 8, 16, 17, 33, 1000, 70001];
const steps = 4;
// Relative to the larger of the value and its scale (a weight near 0 after a step is judged against 1): float32
// rounding over a few steps stays near 1e-6; a wrong rule or a lane computed from the wrong element is off by far more.
const tolerance = 1e-5;

describe('native optimizer updates match float64 references', () => {
  it('Adam, AMSGrad and AdamW', () => {
    for (const n of lengths) {
      for (const [amsgrad, weightDecay] of [[false, 0], [true, 0], [false, 0.01]] as const) {
        const w = values(n, 1, 1);
        const m = new Float32Array(n);
        const v = new Float32Array(n);
        const vhat = amsgrad ? new Float32Array(n) : null;
        const rw = Float64Array.from(w), rm = new Float64Array(n), rv = new Float64Array(n), rh = new Float64Array(n);
        const [lr, b1, b2, eps] = [0.01, 0.9, 0.999, 1e-7];
        for (let t = 1; t <= steps; t++) {
          const g = values(n, 10 + t, t === 2 ? 0.1 : 1);
          const alpha = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
          native.adamUpdate(w, g, m, v, vhat, lr, alpha, b1, b2, eps, weightDecay);
          for (let i = 0; i < n; i++) {
            const wi = rw[i] - rw[i] * weightDecay * lr;
            rm[i] = rm[i] + (g[i] - rm[i]) * (1 - b1);
            rv[i] = rv[i] + (g[i] * g[i] - rv[i]) * (1 - b2);
            rh[i] = Math.max(rh[i], rv[i]);
            rw[i] = wi - (rm[i] * f32(alpha)) / (Math.sqrt(amsgrad ? rh[i] : rv[i]) + eps);
          }
        }
        const what = `adam n=${n} amsgrad=${amsgrad} weightDecay=${weightDecay}`;
        expect(worst(w, rw, 1), what).toBeLessThan(tolerance);
        expect(worst(m, rm, 0.1), what).toBeLessThan(tolerance);
        expect(worst(v, rv, 0.01), what).toBeLessThan(tolerance);
        if (vhat) expect(worst(vhat, rh, 0.01), what).toBeLessThan(tolerance);
      }
    }
  });

  it('SGD, with momentum and Nesterov momentum', () => {
    for (const n of lengths) {
      for (const [momentum, nesterov] of [[0, false], [0.9, false], [0.9, true]] as const) {
        const w = values(n, 2, 1);
        const m = momentum ? new Float32Array(n) : null;
        const rw = Float64Array.from(w), rm = new Float64Array(n);
        const lr = 0.05;
        for (let t = 1; t <= steps; t++) {
          const g = values(n, 20 + t, 1);
          native.sgdUpdate(w, g, m, lr, momentum, nesterov);
          for (let i = 0; i < n; i++) {
            if (!momentum) {
              rw[i] -= lr * g[i];
              continue;
            }
            rm[i] = momentum * rm[i] - lr * g[i];
            rw[i] += nesterov ? momentum * rm[i] - lr * g[i] : rm[i];
          }
        }
        const what = `sgd n=${n} momentum=${momentum} nesterov=${nesterov}`;
        expect(worst(w, rw, 1), what).toBeLessThan(tolerance);
        if (m) expect(worst(m, rm, 0.1), what).toBeLessThan(tolerance);
      }
    }
  });

  it('RMSprop, plain, with momentum, centered, and both', () => {
    for (const n of lengths) {
      for (const [momentum, centered] of [[0, false], [0.9, false], [0, true], [0.9, true]] as const) {
        const w = values(n, 3, 1);
        const a = new Float32Array(n);
        const m = momentum ? new Float32Array(n) : null;
        const mg = centered ? new Float32Array(n) : null;
        const rw = Float64Array.from(w), ra = new Float64Array(n), rm = new Float64Array(n), rg = new Float64Array(n);
        const [lr, rho, eps] = [0.01, 0.9, 1e-7];
        for (let t = 1; t <= steps; t++) {
          const g = values(n, 30 + t, 1);
          native.rmspropUpdate(w, g, a, m, mg, lr, rho, momentum, eps);
          for (let i = 0; i < n; i++) {
            ra[i] = rho * ra[i] + (1 - rho) * g[i] * g[i];
            rg[i] = rho * rg[i] + (1 - rho) * g[i];
            const inc = (lr * g[i]) / Math.sqrt((centered ? ra[i] - rg[i] * rg[i] : ra[i]) + eps);
            if (momentum) {
              rm[i] = momentum * rm[i] + inc;
              rw[i] -= rm[i];
            } else rw[i] -= inc;
          }
        }
        const what = `rmsprop n=${n} momentum=${momentum} centered=${centered}`;
        expect(worst(w, rw, 1), what).toBeLessThan(tolerance);
        expect(worst(a, ra, 0.1), what).toBeLessThan(tolerance);
        if (m) expect(worst(m, rm, 0.1), what).toBeLessThan(tolerance);
        if (mg) expect(worst(mg, rg, 0.1), what).toBeLessThan(tolerance);
      }
    }
  });

  it('Adagrad', () => {
    for (const n of lengths) {
      const w = values(n, 4, 1);
      const a = new Float32Array(n).fill(0.1);
      const rw = Float64Array.from(w), ra = Float64Array.from(a);
      const [lr, eps] = [0.01, 1e-7];
      for (let t = 1; t <= steps; t++) {
        const g = values(n, 40 + t, 1);
        native.adagradUpdate(w, g, a, lr, eps);
        for (let i = 0; i < n; i++) {
          ra[i] += g[i] * g[i];
          rw[i] -= (lr * g[i]) / Math.sqrt(ra[i] + eps);
        }
      }
      expect(worst(w, rw, 1), `adagrad n=${n}`).toBeLessThan(tolerance);
      expect(worst(a, ra, 0.1), `adagrad n=${n}`).toBeLessThan(tolerance);
    }
  });

  it('Adadelta', () => {
    for (const n of lengths) {
      const w = values(n, 5, 1);
      const a = new Float32Array(n), d = new Float32Array(n);
      const rw = Float64Array.from(w), ra = new Float64Array(n), rd = new Float64Array(n);
      const [lr, rho, eps] = [1, 0.95, 1e-7];
      for (let t = 1; t <= steps; t++) {
        const g = values(n, 50 + t, t === 2 ? 0.1 : 1);
        native.adadeltaUpdate(w, g, a, d, lr, rho, eps);
        for (let i = 0; i < n; i++) {
          ra[i] = rho * ra[i] + (1 - rho) * g[i] * g[i];
          const delta = (-Math.sqrt(rd[i] + eps) / Math.sqrt(ra[i] + eps)) * g[i];
          rd[i] = rho * rd[i] + (1 - rho) * delta * delta;
          rw[i] += lr * delta;
        }
      }
      expect(worst(w, rw, 1), `adadelta n=${n}`).toBeLessThan(tolerance);
      expect(worst(a, ra, 0.01), `adadelta n=${n}`).toBeLessThan(tolerance);
      expect(worst(d, rd, 1e-8), `adadelta n=${n}`).toBeLessThan(tolerance);
    }
  });

  it('Adamax, where the decayed norm and then |g| are the larger', () => {
    for (const n of lengths) {
      const w = values(n, 6, 1);
      const m = new Float32Array(n), u = new Float32Array(n);
      const rw = Float64Array.from(w), rm = new Float64Array(n), ru = new Float64Array(n);
      const [lr, b1, b2, eps] = [0.01, 0.9, 0.999, 1e-7];
      for (let t = 1; t <= steps; t++) {
        // Step 2's small gradients leave the decayed norm in front; the others replace it where |g| grows.
        const g = values(n, 60 + t, t === 2 ? 0.1 : 1);
        const alpha = lr / (1 - b1 ** t);
        native.adamaxUpdate(w, g, m, u, alpha, b1, b2, eps);
        for (let i = 0; i < n; i++) {
          rm[i] = rm[i] + (g[i] - rm[i]) * (1 - b1);
          ru[i] = Math.max(f32(b2) * ru[i], Math.abs(g[i]));
          rw[i] -= (f32(alpha) * rm[i]) / (ru[i] + eps);
        }
      }
      expect(worst(w, rw, 1), `adamax n=${n}`).toBeLessThan(tolerance);
      expect(worst(m, rm, 0.1), `adamax n=${n}`).toBeLessThan(tolerance);
      expect(worst(u, ru, 0.1), `adamax n=${n}`).toBeLessThan(tolerance);
    }
  });

  it('Nadam, with the momentum schedule folded into the step\'s factors', () => {
    for (const n of lengths) {
      const w = values(n, 7, 1);
      const m = new Float32Array(n), v = new Float32Array(n);
      const rw = Float64Array.from(w), rm = new Float64Array(n), rv = new Float64Array(n);
      const [lr, b1, b2, eps] = [0.01, 0.9, 0.999, 1e-7];
      const mu = (t: number) => b1 * (1 - 0.5 * 0.96 ** t);
      let product = 1;
      for (let t = 1; t <= steps; t++) {
        const g = values(n, 70 + t, t === 2 ? 0.1 : 1);
        product *= mu(t);
        const cm = (lr * mu(t + 1)) / (1 - product * mu(t + 1)), cg = (lr * (1 - mu(t))) / (1 - product), cv = 1 / (1 - b2 ** t);
        native.nadamUpdate(w, g, m, v, cm, cg, cv, b1, b2, eps);
        for (let i = 0; i < n; i++) {
          rm[i] = rm[i] + (g[i] - rm[i]) * (1 - b1);
          rv[i] = rv[i] + (g[i] * g[i] - rv[i]) * (1 - b2);
          rw[i] -= (f32(cm) * rm[i] + f32(cg) * g[i]) / (Math.sqrt(f32(cv) * rv[i]) + eps);
        }
      }
      expect(worst(w, rw, 1), `nadam n=${n}`).toBeLessThan(tolerance);
      expect(worst(m, rm, 0.1), `nadam n=${n}`).toBeLessThan(tolerance);
      expect(worst(v, rv, 0.01), `nadam n=${n}`).toBeLessThan(tolerance);
    }
  });

  it('Lion, with sign(0) = 0 where the interpolation vanishes', () => {
    for (const n of lengths) {
      const w = values(n, 8, 1);
      const m = new Float32Array(n);
      const rw = Float64Array.from(w), rm = new Float64Array(n);
      const [lr, b1, b2] = [0.01, 0.9, 0.99];
      for (let t = 1; t <= steps; t++) {
        const g = values(n, 80 + t, 1);
        // Every third gradient 0 on the first step: b1 * 0 + (1 - b1) * 0 is exactly 0, so that weight stays.
        if (t === 1) for (let i = 0; i < n; i += 3) g[i] = 0;
        native.lionUpdate(w, g, m, lr, b1, b2);
        for (let i = 0; i < n; i++) {
          rw[i] -= lr * Math.sign(f32(b1) * rm[i] + f32(1 - f32(b1)) * g[i]);
          rm[i] = b2 * rm[i] + (1 - b2) * g[i];
        }
      }
      expect(worst(w, rw, 1), `lion n=${n}`).toBeLessThan(tolerance);
      expect(worst(m, rm, 0.1), `lion n=${n}`).toBeLessThan(tolerance);
    }
    const w = new Float32Array([1, 1, 1]);
    native.lionUpdate(w, new Float32Array([0, 2, NaN]), new Float32Array(3), 0.5, 0.9, 0.99);
    expect(Array.from(w)).toEqual([1, 0.5, NaN]);
  });

  it('flush moments that decay below FLT_MIN to zero, at every position of a vector', () => {
    const n = 37;
    // Every element's first moment becomes 1e-37 * 0.1 = 1e-38 < FLT_MIN after one Adam step: all must read 0.
    const g = new Float32Array(n).fill(1e-37);
    const w = new Float32Array(n).fill(1);
    const m = new Float32Array(n);
    const v = new Float32Array(n);
    native.adamUpdate(w, g, m, v, null, 0.001, 0.001, 0.9, 0.999, 1e-7, 0);
    expect(Array.from(m).filter((x) => x !== 0)).toEqual([]);
    expect(Array.from(v).filter((x) => x !== 0)).toEqual([]);
    // And a normal value next to them is kept.
    const g2 = values(n, 5, 1);
    native.adamUpdate(w, g2, m, v, null, 0.001, 0.001, 0.9, 0.999, 1e-7, 0);
    expect(Array.from(m).every((x) => x !== 0)).toBe(true);
    const sm = new Float32Array(n);
    native.sgdUpdate(new Float32Array(n), new Float32Array(n).fill(1e-37), sm, 0.05, 0.9, false);
    expect(Array.from(sm).filter((x) => x !== 0)).toEqual([]);
    // The new updates' kept state: Adadelta's two averages, Adamax's norm and moment, Nadam's moments, Lion's momentum.
    const tiny = () => new Float32Array(n).fill(1e-37);
    const zeroed = (...slots: Float32Array[]) => slots.flatMap((a) => Array.from(a).filter((x) => x !== 0));
    const [a, d] = [tiny(), tiny()];
    native.adadeltaUpdate(new Float32Array(n), new Float32Array(n), a, d, 1, 0.05, 1e-7);
    expect(zeroed(a, d)).toEqual([]);
    const [xm, xu] = [tiny(), tiny()];
    native.adamaxUpdate(new Float32Array(n), new Float32Array(n), xm, xu, 0.01, 0.05, 0.05, 1e-7);
    expect(zeroed(xm, xu)).toEqual([]);
    const [nm, nv] = [tiny(), tiny()];
    native.nadamUpdate(new Float32Array(n), new Float32Array(n), nm, nv, 0.01, 0.01, 1, 0.05, 0.05, 1e-7);
    expect(zeroed(nm, nv)).toEqual([]);
    const lm = tiny();
    native.lionUpdate(new Float32Array(n), new Float32Array(n), lm, 0.01, 0.9, 0.05);
    expect(zeroed(lm)).toEqual([]);
  });
});

describe('native Dense backward pass with the Adam update fused in', () => {
  // Integer-valued x and dz (times 1/16) make every gradient element an exact float32 sum, whatever the order of its
  // terms: the fused pass must then leave w, m and v bit for bit as adamUpdate does with that gradient. dx, a sum of
  // products with the real-valued kernel, is judged against float64.
  const ints = (n: number, seed: number, scale: number) => values(n, seed, 3.5).map((v) => Math.trunc(v) * scale);
  // [rows, inputDim, units]: below one block of kernel rows, tails of a block (130 rows, 17 or 70 units), several
  // blocks over both threads (1000 x 70, 300 x 128), a single row, units past 16 floats.
  const shapes: [number, number, number][] = [[1, 1, 1], [3, 7, 5], [32, 130, 17], [5, 300, 128], [2, 1000, 70], [1, 64, 200]];

  /** x^T @ dz: exact in float32 for these integer-valued operands. */
  function gradient(x: Float32Array, dz: Float32Array, rows: number, inputDim: number, units: number): Float32Array {
    const g = new Float32Array(inputDim * units);
    for (let i = 0; i < inputDim; i++) {
      for (let u = 0; u < units; u++) {
        let acc = 0;
        for (let r = 0; r < rows; r++) acc += x[r * inputDim + i] * dz[r * units + u];
        g[i * units + u] = acc;
      }
    }
    return g;
  }

  function run(rows: number, inputDim: number, units: number, amsgrad: boolean, weightDecay: number, withDx: boolean) {
    const n = inputDim * units;
    const w = values(n, 7, 1), m = new Float32Array(n), v = new Float32Array(n), vhat = amsgrad ? new Float32Array(n) : null;
    const rw = Float32Array.from(w), rm = new Float32Array(n), rv = new Float32Array(n), rh = amsgrad ? new Float32Array(n) : null;
    let dxError = 0;
    const [lr, b1, b2, eps] = [0.01, 0.9, 0.999, 1e-7];
    for (let t = 1; t <= 3; t++) {
      const x = ints(rows * inputDim, 50 + t, 1);
      const dz = ints(rows * units, 60 + t, 1 / 16);
      const alpha = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
      // Reference: dx with the kernel before this step, in float64; then the exact gradient through adamUpdate.
      const dxRef = new Float64Array(rows * inputDim), dxScale = new Float64Array(rows * inputDim);
      for (let r = 0; r < rows; r++) {
        for (let i = 0; i < inputDim; i++) {
          let s = 0, a = 0;
          for (let u = 0; u < units; u++) {
            s += dz[r * units + u] * rw[i * units + u];
            a += Math.abs(dz[r * units + u] * rw[i * units + u]);
          }
          dxRef[r * inputDim + i] = s;
          dxScale[r * inputDim + i] = a;
        }
      }
      const g = gradient(x, dz, rows, inputDim, units);
      native.adamUpdate(rw, g, rm, rv, rh, lr, alpha, b1, b2, eps, weightDecay);
      const dx = withDx ? new Float32Array(rows * inputDim).fill(NaN) : null;
      native.denseBackwardAdam(x, dz, dx, w, m, v, vhat, rows, inputDim, units, lr, alpha, b1, b2, eps, weightDecay);
      if (dx) for (let i = 0; i < dx.length; i++) dxError = Math.max(dxError, Math.abs(dx[i] - dxRef[i]) / Math.max(dxScale[i], 1e-30));
    }
    return { w, m, v, vhat, rw, rm, rv, rh, dxError };
  }

  /** The first index where two arrays differ in bits (-1: none); vitest's deep equality is slow on long arrays. */
  const firstDifference = (a: Float32Array | null, b: Float32Array | null): number => {
    if (!a || !b) return a === b ? -1 : 0;
    const ua = new Uint32Array(a.buffer, a.byteOffset, a.length), ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
    if (ua.length !== ub.length) return 0;
    for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return i;
    return -1;
  };

  it('updates the kernel as adamUpdate does with the whole gradient, and computes dx with the kernel before the update', () => {
    for (const [rows, inputDim, units] of shapes) {
      for (const [amsgrad, weightDecay, withDx] of [[false, 0, true], [true, 0, true], [false, 0.01, false]] as const) {
        const what = `[${rows}, ${inputDim}] x [${inputDim}, ${units}] amsgrad=${amsgrad} weightDecay=${weightDecay} dx=${withDx}`;
        const r = run(rows, inputDim, units, amsgrad, weightDecay, withDx);
        expect(firstDifference(r.w, r.rw), what).toBe(-1);
        expect(firstDifference(r.m, r.rm), what).toBe(-1);
        expect(firstDifference(r.v, r.rv), what).toBe(-1);
        expect(firstDifference(r.vhat, r.rh), what).toBe(-1);
        expect(r.dxError, what).toBeLessThan(1e-6);
      }
    }
  });

  it('SGD, with momentum and Nesterov momentum, updates the kernel as sgdUpdate does', () => {
    for (const [rows, inputDim, units] of shapes) {
      for (const [momentum, nesterov] of [[0, false], [0.9, false], [0.9, true]] as const) {
        const what = `[${rows}, ${inputDim}] x [${inputDim}, ${units}] momentum=${momentum} nesterov=${nesterov}`;
        const n = inputDim * units;
        const w = values(n, 8, 1), rw = Float32Array.from(w);
        const m = momentum ? new Float32Array(n) : null, rm = momentum ? new Float32Array(n) : null;
        for (let t = 1; t <= 3; t++) {
          const x = ints(rows * inputDim, 70 + t, 1);
          const dz = ints(rows * units, 80 + t, 1 / 16);
          const g = gradient(x, dz, rows, inputDim, units);
          native.sgdUpdate(rw, g, rm, 0.05, momentum, nesterov);
          native.denseBackwardSgd(x, dz, null, w, m, rows, inputDim, units, 0.05, momentum, nesterov);
        }
        expect(firstDifference(w, rw), what).toBe(-1);
        expect(firstDifference(m, rm), what).toBe(-1);
      }
    }
  });

  it('gives the same bits on one thread as on two', () => {
    const threads = native.backendInfo().threads;
    try {
      native.setNumThreads(1);
      const one = run(16, 2000, 96, false, 0, true);
      native.setNumThreads(2);
      const two = run(16, 2000, 96, false, 0, true);
      expect(firstDifference(two.w, one.w)).toBe(-1);
      expect(firstDifference(two.m, one.m)).toBe(-1);
      expect(firstDifference(two.v, one.v)).toBe(-1);
      expect(firstDifference(two.w, one.rw)).toBe(-1);
    } finally {
      native.setNumThreads(threads);
    }
  });
});
