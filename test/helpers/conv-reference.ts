// Float64 references for the convolution kernels, written from the definitions, and the data and comparison
// helpers their tests share (test/native/conv.test.ts, test/native/conv-fused.test.ts); the transposed convolution
// as a scatter (test/ops/conv-transpose.test.ts, test/layers/conv-transpose.test.ts).
import { expect } from 'vitest';
import { UnaryOp } from '../../lib/native.js';
import { conv2dGeometry } from '../../lib/ops/conv.js';
import type { Padding } from '../../lib/ops/window.js';
import { rng } from './gradcheck.js';

export { rng };

export function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const r = rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (r() * 2 - 1) * scale;
  return a;
}

/** Values from a small set, so that pooling windows often hold ties. */
export function tiedArray(n: number, seed: number): Float32Array {
  const r = rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.floor(r() * 4) - 2;
  return a;
}

/**
 * float32 sums of `terms` products carry an error proportional to the sum of their magnitudes (mag), not to the
 * result, which can cancel to near zero: tolerate 1e-5 of mag, plus the usual relative 1e-4 and absolute 1e-5.
 */
export function expectClose(got: ArrayLike<number>, ref: ArrayLike<number>, mag: ArrayLike<number> | null, what: string, slope = 1): void {
  expect(got.length, `${what}: length`).toBe(ref.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < ref.length; i++) {
    const g = got[i];
    const r = ref[i];
    if (Number.isNaN(r) || Number.isNaN(g)) {
      // Outputs start as NaN, so this also catches elements a kernel never wrote.
      if (Number.isNaN(r) !== Number.isNaN(g)) throw new Error(`${what}: element ${i} is ${g}, expected ${r}`);
      continue;
    }
    const tol = 1e-5 + 1e-4 * Math.abs(r) + slope * 1e-5 * (mag ? mag[i] : 0);
    const excess = Math.abs(g - r) / tol;
    if (excess > worst) {
      worst = excess;
      at = i;
    }
  }
  if (worst > 1) throw new Error(`${what}: element ${at} is ${got[at]}, expected ${ref[at]} (error ${Math.abs(got[at] - ref[at])})`);
}

export interface ConvCase {
  name: string;
  x: [number, number, number, number];
  k: [number, number, number, number];
  strides?: [number, number];
  padding?: Padding;
  dilations?: [number, number];
  bias?: boolean;
  activation?: UnaryOp;
  alpha?: number;
}

export interface Geometry {
  n: number; h: number; w: number; c: number; kh: number; kw: number; oc: number; oh: number; ow: number;
  sh: number; sw: number; dh: number; dw: number; pt: number; pl: number;
  native: number[];
}

export function geometryOf(c: ConvCase): Geometry {
  const g = conv2dGeometry(c.x, c.k, c.strides ?? [1, 1], c.padding ?? 'valid', c.dilations ?? [1, 1], c.name);
  const [n, h, w, ch, kh, kw, oc, oh, ow, sh, sw, dh, dw, pt, pl] = g.native;
  return { n, h, w, c: ch, kh, kw, oc, oh, ow, sh, sw, dh, dw, pt, pl, native: g.native };
}

/**
 * The scale of Winograd F(4x4, 3x3)'s rounding error for an NHWC map of `channels` channels: each element's mag
 * replaced by the largest mag in its 4x4 output tile (same image and channel). The transforms mix a tile's values,
 * so an element whose own terms are small (a gradient routed through max-pooling is 3/4 zeros) carries the error
 * of its larger neighbours: measured at 2.2e-5 of its own mag, 1.4e-6 of the tile's.
 */
export function winogradTileMag(mag: ArrayLike<number>, n: number, h: number, w: number, channels: number): Float64Array {
  const out = new Float64Array(mag.length);
  for (let b = 0; b < n; b++)
    for (let ty = 0; ty < h; ty += 4)
      for (let tx = 0; tx < w; tx += 4)
        for (let ch = 0; ch < channels; ch++) {
          let m = 0;
          for (let y = ty; y < Math.min(h, ty + 4); y++)
            for (let x = tx; x < Math.min(w, tx + 4); x++) m = Math.max(m, mag[((b * h + y) * w + x) * channels + ch]);
          for (let y = ty; y < Math.min(h, ty + 4); y++)
            for (let x = tx; x < Math.min(w, tx + 4); x++) out[((b * h + y) * w + x) * channels + ch] = m;
        }
  return out;
}

/** y[n,oh,ow,oc] = sum x[n, oh*sh-pt+i*dh, ow*sw-pl+j*dw, c] * w[i,j,c,oc] + bias (no activation), and |terms|. */
export function refForward(g: Geometry, x: Float32Array, w: Float32Array, bias: Float32Array | null) {
  const y = new Float64Array(g.n * g.oh * g.ow * g.oc);
  const mag = new Float64Array(y.length);
  for (let n = 0; n < g.n; n++)
    for (let oh = 0; oh < g.oh; oh++)
      for (let ow = 0; ow < g.ow; ow++) {
        const o = ((n * g.oh + oh) * g.ow + ow) * g.oc;
        for (let oc = 0; oc < g.oc; oc++) {
          y[o + oc] = bias ? bias[oc] : 0;
          mag[o + oc] = bias ? Math.abs(bias[oc]) : 0;
        }
        for (let i = 0; i < g.kh; i++) {
          const h = oh * g.sh - g.pt + i * g.dh;
          if (h < 0 || h >= g.h) continue;
          for (let j = 0; j < g.kw; j++) {
            const ww = ow * g.sw - g.pl + j * g.dw;
            if (ww < 0 || ww >= g.w) continue;
            for (let c = 0; c < g.c; c++) {
              const xv = x[((n * g.h + h) * g.w + ww) * g.c + c];
              const wo = ((i * g.kw + j) * g.c + c) * g.oc;
              for (let oc = 0; oc < g.oc; oc++) {
                const p = xv * w[wo + oc];
                y[o + oc] += p;
                mag[o + oc] += Math.abs(p);
              }
            }
          }
        }
      }
  return { y, mag };
}

export function refBackwardInput(g: Geometry, dy: ArrayLike<number>, w: Float32Array) {
  const dx = new Float64Array(g.n * g.h * g.w * g.c);
  const mag = new Float64Array(dx.length);
  for (let n = 0; n < g.n; n++)
    for (let oh = 0; oh < g.oh; oh++)
      for (let ow = 0; ow < g.ow; ow++) {
        const o = ((n * g.oh + oh) * g.ow + ow) * g.oc;
        for (let i = 0; i < g.kh; i++) {
          const h = oh * g.sh - g.pt + i * g.dh;
          if (h < 0 || h >= g.h) continue;
          for (let j = 0; j < g.kw; j++) {
            const ww = ow * g.sw - g.pl + j * g.dw;
            if (ww < 0 || ww >= g.w) continue;
            for (let c = 0; c < g.c; c++) {
              const d = ((n * g.h + h) * g.w + ww) * g.c + c;
              const wo = ((i * g.kw + j) * g.c + c) * g.oc;
              for (let oc = 0; oc < g.oc; oc++) {
                const p = dy[o + oc] * w[wo + oc];
                dx[d] += p;
                mag[d] += Math.abs(p);
              }
            }
          }
        }
      }
  return { dx, mag };
}

export function refBackwardFilter(g: Geometry, x: Float32Array, dy: ArrayLike<number>) {
  const dw = new Float64Array(g.kh * g.kw * g.c * g.oc);
  const mag = new Float64Array(dw.length);
  const db = new Float64Array(g.oc);
  const dbMag = new Float64Array(g.oc);
  for (let n = 0; n < g.n; n++)
    for (let oh = 0; oh < g.oh; oh++)
      for (let ow = 0; ow < g.ow; ow++) {
        const o = ((n * g.oh + oh) * g.ow + ow) * g.oc;
        for (let oc = 0; oc < g.oc; oc++) {
          db[oc] += dy[o + oc];
          dbMag[oc] += Math.abs(dy[o + oc]);
        }
        for (let i = 0; i < g.kh; i++) {
          const h = oh * g.sh - g.pt + i * g.dh;
          if (h < 0 || h >= g.h) continue;
          for (let j = 0; j < g.kw; j++) {
            const ww = ow * g.sw - g.pl + j * g.dw;
            if (ww < 0 || ww >= g.w) continue;
            for (let c = 0; c < g.c; c++) {
              const xv = x[((n * g.h + h) * g.w + ww) * g.c + c];
              const wo = ((i * g.kw + j) * g.c + c) * g.oc;
              for (let oc = 0; oc < g.oc; oc++) {
                const p = xv * dy[o + oc];
                dw[wo + oc] += p;
                mag[wo + oc] += Math.abs(p);
              }
            }
          }
        }
      }
  return { dw, mag, db, dbMag };
}

/**
 * y[n, i * s - pad + p * d, j * s - pad + q * d, o] += x[n, i, j, c] * k[p, q, o, c] over every in-range target:
 * each input pixel scatters its kernel-weighted copy into the output. The leading pad is TensorFlow's for a
 * convolution of the output back onto the input: 'same' pads (ih - 1) * s + ke - oh in total, the odd one at the end.
 */
export function transposeReference(
  x: Float32Array, xs: number[], k: Float32Array, ks: number[], out: [number, number], s: [number, number], padding: Padding, d: [number, number], bias: Float32Array | null,
) {
  const [n, ih, iw, ic] = xs;
  const [kh, kw, oc] = ks;
  const [oh, ow] = out;
  const lead = (inSize: number, outSize: number, win: number, st: number, dil: number) =>
    padding === 'valid' ? 0 : Math.floor(Math.max((inSize - 1) * st + (win - 1) * dil + 1 - outSize, 0) / 2);
  const pt = lead(ih, oh, kh, s[0], d[0]);
  const pl = lead(iw, ow, kw, s[1], d[1]);
  const y = new Float64Array(n * oh * ow * oc);
  const mag = new Float64Array(y.length);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < ih; i++)
      for (let j = 0; j < iw; j++)
        for (let p = 0; p < kh; p++)
          for (let q = 0; q < kw; q++) {
            const r = i * s[0] - pt + p * d[0];
            const t = j * s[1] - pl + q * d[1];
            if (r < 0 || r >= oh || t < 0 || t >= ow) continue;
            for (let c = 0; c < ic; c++) {
              const xv = x[((b * ih + i) * iw + j) * ic + c];
              for (let o = 0; o < oc; o++) {
                const v = xv * k[((p * kw + q) * oc + o) * ic + c];
                y[((b * oh + r) * ow + t) * oc + o] += v;
                mag[((b * oh + r) * ow + t) * oc + o] += Math.abs(v);
              }
            }
          }
  if (bias) for (let e = 0; e < y.length; e++) y[e] += bias[e % oc];
  return { y, mag };
}
